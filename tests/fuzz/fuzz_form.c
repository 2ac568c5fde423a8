/*
 * fuzz_form - what the web side takes apart from a request: a path into a
 * route and its token or slug, a urlencoded body, a multipart body (whose
 * boundary comes from the input's first line).  Besides no crash, leak or
 * endless loop: every field kept respects the limits and is UTF-8 without
 * NUL, and a route's argument is only letters, digits and '-'.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "web_form.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_form(const struct web_form *f)
{
	if (f->n > WEB_FORM_FIELDS)
		abort();
	for (size_t i = 0; i < f->n; i++) {
		size_t nl = strlen(f->fields[i].name), vl = strlen(f->fields[i].value);

		if (nl == 0 || nl > WEB_FORM_NAME || vl > WEB_FORM_VALUE ||
		    !utf8_valid(f->fields[i].name, nl) || !utf8_valid(f->fields[i].value, vl))
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	char arg[WEB_PATH_PART + 1], *path, *ct;
	struct web_form f;
	struct error err = ERROR_INIT;
	const char *nl = memchr(s, '\n', size);
	int page;

	/* The route, on the input as a NUL-terminated path. */
	path = xstrndup(s, size);
	page = web_route(path, arg);
	if (page != PAGE_NONE && page != PAGE_HEALTH &&
	    (strlen(arg) == 0 || strspn(arg, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRST"
	                                     "UVWXYZ0123456789-") != strlen(arg)))
		abort();
	free(path);

	if (web_form_urlencoded(s, size, &f, &err) == 0)
		check_form(&f);
	else if (f.n != 0 || error_kind(&err) != ERR_INPUT)
		abort();
	web_form_free(&f);
	error_clear(&err);

	/* Multipart: the first line is the boundary, the rest the body. */
	ct = nl ? xasprintf("multipart/form-data; boundary=%.*s", (int)(nl - s), s)
	        : xstrdup("multipart/form-data; boundary=XyZ");
	if (web_form_multipart(ct, nl ? nl + 1 : s, nl ? size - (size_t)(nl + 1 - s) : size, &f,
	                       &err) == 0)
		check_form(&f);
	else if (f.n != 0 || error_kind(&err) != ERR_INPUT)
		abort();
	web_form_free(&f);
	error_clear(&err);
	free(ct);
	return 0;
}
