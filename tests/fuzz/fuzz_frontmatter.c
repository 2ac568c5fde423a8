/*
 * fuzz_frontmatter - a coordinator's file as arbitrary bytes: doc_parse
 * must answer with a document or an error, never a crash or a leak.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "frontmatter.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct error err = ERROR_INIT;
	struct doc d;
	char *text = malloc(size + 1);

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (doc_parse("fuzz.md", text, size, &d, &err) == 0)
		doc_free(&d);
	error_clear(&err);
	return 0;
}
