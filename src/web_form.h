/*
 * web_form - what the web side takes apart from a request, as pure
 * functions over bounded bytes (fuzzed in tests/fuzz/fuzz_form.c): the
 * path into a route and its token or slug, and a form body, either
 * application/x-www-form-urlencoded or multipart/form-data (RFC 8058 allows
 * a one-click POST in either).
 *
 * Form values are percent-decoded, must be UTF-8 without control
 * characters other than tab, CR and LF, and are bounded (WEB_FORM_*);
 * anything else is a malformed form (-1, ERR_INPUT, with the reason).
 */
#ifndef OUTREACH_WEB_FORM_H
#define OUTREACH_WEB_FORM_H

#include <stddef.h>

#include "util.h"

enum {
	WEB_FORM_FIELDS = 64,      /* fields in one form */
	WEB_FORM_NAME = 64,        /* bytes of a field name */
	WEB_FORM_VALUE = 8192,     /* bytes of a field value */
	WEB_PATH_PART = 128,       /* bytes of a token or slug in a path */
};

struct web_field {
	char *name, *value;
};

struct web_form {
	struct web_field *fields;
	size_t n;
};

/* web_form_urlencoded - parse body[0..len) ("a=1&b=x%20y"); *form is always initialised. */
int web_form_urlencoded(const char *body, size_t len, struct web_form *form, struct error *err);
/*
 * web_form_multipart - parse a multipart/form-data body whose Content-Type
 * is content_type (the boundary is taken from it).  Only plain fields are
 * taken; a file part is a malformed form here.
 */
int web_form_multipart(const char *content_type, const char *body, size_t len,
                       struct web_form *form, struct error *err);
/* web_form_get - the first value of name, or NULL. */
const char *web_form_get(const struct web_form *form, const char *name);
/* web_form_next - the next value of name after field index *i (start with *i = 0), or NULL. */
const char *web_form_next(const struct web_form *form, const char *name, size_t *i);
void web_form_free(struct web_form *form);

enum web_page {
	PAGE_NONE,                 /* no such page: 404 */
	PAGE_HEALTH,               /* /healthz */
	PAGE_UNSUBSCRIBE,          /* /u/TOKEN */
	PAGE_PREFERENCES,          /* /p/TOKEN */
	PAGE_CONFIRM,              /* /c/TOKEN */
	PAGE_EXPORT,               /* /x/TOKEN */
	PAGE_ERASE,                /* /e/TOKEN */
	PAGE_SIGNUP,               /* /s/SLUG */
	PAGE_EVENTS_ICS,           /* /l/SLUG/events.ics */
	PAGE_OPPORTUNITIES,        /* /l/SLUG/opportunities */
	PAGE_OPPORTUNITIES_ATOM,   /* /l/SLUG/opportunities.atom */
	PAGE_REPORT,               /* /r/TOKEN: a campaign's report */
};

/*
 * web_route - which page path names, with its token or slug copied into
 * arg (letters, digits and '-' only, at most WEB_PATH_PART bytes; else
 * PAGE_NONE).  A list's feeds are /l/SLUG/ and one of the names above.
 */
int web_route(const char *path, char arg[WEB_PATH_PART + 1]);

#endif
