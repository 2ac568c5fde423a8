/*
 * fuzz_addr - address and mailbox parsing on arbitrary bytes.  Besides no
 * crash or leak: whatever is accepted is within the limits, free of
 * controls, normalised already (normalising again changes nothing), and
 * reads back the same from "<addr>".
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* check_addr - the invariants of a normalised address. */
static void
check_addr(const char *a)
{
	char *again = NULL, *name = NULL, *back = NULL, *wrapped;
	const char *why;
	size_t len = strlen(a);

	if (len == 0 || len > ADDR_MAX || !utf8_valid(a, len))
		abort();
	for (const char *p = a; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			abort();
	if (*addr_domain(a) == '\0' || addr_valid(a, &why) != 0)
		abort();
	if (addr_normalize(a, &again, &why) != 0 || strcmp(again, a) != 0)
		abort();
	wrapped = xasprintf("<%s>", a);
	if (addr_parse_mailbox(wrapped, &name, &back, &why) != 0 || name != NULL ||
	    strcmp(back, a) != 0)
		abort();
	free(wrapped);
	free(again);
	free(back);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), *out = NULL, *name = NULL, *addr = NULL;
	const char *why = NULL;

	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (addr_normalize(s, &out, &why) == 0) {
		check_addr(out);
		free(out);
	} else if (why == NULL || out != NULL) {
		abort();
	}
	why = NULL;
	if (addr_parse_mailbox(s, &name, &addr, &why) == 0) {
		check_addr(addr);
		if (name && (*name == '\0' || has_header_breaker(name) ||
		             !utf8_valid(name, strlen(name))))
			abort();
		free(name);
		free(addr);
	} else if (why == NULL || name != NULL || addr != NULL) {
		abort();
	}
	free(s);
	return 0;
}
