/*
 * fuzz_bounce - whatever lands in the bounce mailbox, as arbitrary bytes:
 * bounce_parse must answer with a report or an error, never a crash, a
 * leak or an endless loop.  A report is also checked for what the daemon
 * relies on: a known class, at most BOUNCE_MAX_RCPTS recipients, and no
 * line break in any string it may log or store.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bounce.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_str(const char *s)
{
	if (s && has_header_breaker(s))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct error err = ERROR_INIT;
	struct bounce_report r;
	char *msg;

	if (size > BOUNCE_MAX_MESSAGE)
		return 0;
	/* An exact-size copy with no NUL after it: the parser must honour len. */
	msg = malloc(size ? size : 1);
	if (msg == NULL)
		return 0;
	memcpy(msg, data, size);
	if (bounce_parse(msg, size, "bounces", &r, &err) == 0) {
		if (r.class < BOUNCE_HARD || r.class > BOUNCE_OTHER || r.n_rcpts > BOUNCE_MAX_RCPTS ||
		    (r.n_rcpts > 0 && r.rcpts == NULL))
			abort();
		for (size_t i = 0; i < r.n_rcpts; i++) {
			if (r.rcpts[i].class < BOUNCE_HARD || r.rcpts[i].class > BOUNCE_OTHER)
				abort();
			check_str(r.rcpts[i].recipient);
			check_str(r.rcpts[i].status);
			check_str(r.rcpts[i].reason);
			check_str(r.rcpts[i].diagnostic);
		}
		check_str(r.verp);
		check_str(r.original_message_id);
		check_str(r.from);
		check_str(r.subject);
		check_str(r.message_id);
		bounce_report_free(&r);
	} else if (err.msg == NULL || strchr(err.msg, '\n') != NULL) {
		abort(); /* every failure says why, on one line */
	}
	error_clear(&err);
	free(msg);
	return 0;
}
