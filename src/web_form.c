/*
 * web_form - routes and form bodies.  See web_form.h.  Nothing here keeps
 * state or touches the network: every function is a bounded walk over the
 * bytes it is given.
 */
#define _DEFAULT_SOURCE
#include "web_form.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"

void
web_form_free(struct web_form *form)
{
	for (size_t i = 0; i < form->n; i++) {
		free(form->fields[i].name);
		free(form->fields[i].value);
	}
	free(form->fields);
	form->fields = NULL;
	form->n = 0;
}

const char *
web_form_next(const struct web_form *form, const char *name, size_t *i)
{
	for (; *i < form->n; (*i)++)
		if (strcmp(form->fields[*i].name, name) == 0)
			return form->fields[(*i)++].value;
	return NULL;
}

const char *
web_form_get(const struct web_form *form, const char *name)
{
	size_t i = 0;

	return web_form_next(form, name, &i);
}

/* text_ok - UTF-8 without controls but tab, CR and LF (names: none of those either). */
static int
text_ok(const char *s, size_t n, int is_name)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == 0x7f || (c < 0x20 && (is_name || (c != '\t' && c != '\r' && c != '\n'))))
			return 0;
	}
	return utf8_valid(s, n);
}

/* add_field - check and keep one field; -1 with the reason. */
static int
add_field(struct web_form *form, char *name, size_t nlen, char *value, size_t vlen,
          struct error *err)
{
	if (form->n == WEB_FORM_FIELDS) {
		free(name);
		free(value);
		return error_setk(err, ERR_INPUT, "more than %d form fields", WEB_FORM_FIELDS);
	}
	if (nlen == 0 || nlen > WEB_FORM_NAME || !text_ok(name, nlen, 1) ||
	    !text_ok(value, vlen, 0)) {
		free(name);
		free(value);
		return error_setk(err, ERR_INPUT, "a form field with a bad name or value");
	}
	if (form->n % 8 == 0)
		form->fields = xrealloc(form->fields, (form->n + 8) * sizeof(*form->fields));
	form->fields[form->n].name = name;
	form->fields[form->n].value = value;
	form->n++;
	return 0;
}

/* decode - s[0..n) percent-decoded ('+' is a space) into a new string; NULL when malformed. */
static char *
decode(const char *s, size_t n, size_t max, size_t *out_len)
{
	struct buf b;

	buf_init(&b, max);
	buf_add(&b, "", 0);
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (c == '+')
			c = ' ';
		else if (c == '%') {
			int hi = i + 2 < n ? hex_digit(s[i + 1]) : -1, lo = i + 2 < n ? hex_digit(s[i + 2]) : -1;

			if (hi < 0 || lo < 0) {
				buf_free(&b);
				return NULL;
			}
			c = (char)(hi << 4 | lo);
			i += 2;
		}
		if (buf_addc(&b, c) != BUF_OK) {
			buf_free(&b);
			return NULL;
		}
	}
	*out_len = b.len;
	return buf_steal(&b);
}

int
web_form_urlencoded(const char *body, size_t len, struct web_form *form, struct error *err)
{
	size_t i = 0;

	memset(form, 0, sizeof(*form));
	while (i < len) {
		const char *amp = memchr(body + i, '&', len - i);
		size_t end = amp ? (size_t)(amp - body) : len;
		const char *eq = memchr(body + i, '=', end - i);
		size_t nlen, vlen = 0;
		char *name, *value;

		if (end == i) {        /* "a=1&&b=2": an empty pair is nothing */
			i = end + 1;
			continue;
		}
		name = decode(body + i, (eq ? (size_t)(eq - body) : end) - i, WEB_FORM_NAME, &nlen);
		value = eq ? decode(eq + 1, end - (size_t)(eq - body) - 1, WEB_FORM_VALUE, &vlen)
		           : xstrdup("");
		if (name == NULL || value == NULL) {
			free(name);
			free(value);
			web_form_free(form);
			return error_setk(err, ERR_INPUT, "malformed form encoding");
		}
		if (add_field(form, name, nlen, value, vlen, err) < 0) {
			web_form_free(form);
			return -1;
		}
		i = end + 1;
	}
	return 0;
}

/* memmem_n - the first place needle[0..m) occurs in hay[0..n), or NULL. */
static const char *
memmem_n(const char *hay, size_t n, const char *needle, size_t m)
{
	if (m == 0 || m > n)
		return NULL;
	for (size_t i = 0; i + m <= n; i++)
		if (hay[i] == needle[0] && memcmp(hay + i, needle, m) == 0)
			return hay + i;
	return NULL;
}

/* param - the value of ;name=value (quoted or not) in a header value, into out. */
static int
param(const char *h, size_t n, const char *name, char *out, size_t max)
{
	size_t k = strlen(name);

	for (size_t i = 0; i + k < n; i++) {
		size_t j, o = 0;

		if ((i > 0 && h[i - 1] != ';' && h[i - 1] != ' ' && h[i - 1] != '\t') ||
		    strncasecmp(h + i, name, k) != 0 || h[i + k] != '=')
			continue;
		j = i + k + 1;
		if (j < n && h[j] == '"') {
			for (j++; j < n && h[j] != '"'; j++)
				if (o + 1 < max)
					out[o++] = h[j];
				else
					return -1;
			if (j >= n)
				return -1;
		} else
			for (; j < n && h[j] != ';' && h[j] != ' ' && h[j] != '\t'; j++)
				if (o + 1 < max)
					out[o++] = h[j];
				else
					return -1;
		out[o] = '\0';
		return o > 0 ? 0 : -1;
	}
	return -1;
}

int
web_form_multipart(const char *content_type, const char *body, size_t len,
                   struct web_form *form, struct error *err)
{
	char boundary[80], delim[84], scratch[WEB_FORM_NAME + 1];
	const char *p, *end = body + len;
	size_t dlen;

	memset(form, 0, sizeof(*form));
	if (param(content_type, strlen(content_type), "boundary", boundary, sizeof(boundary)) < 0)
		return error_setk(err, ERR_INPUT, "multipart form without a usable boundary");
	dlen = (size_t)snprintf(delim, sizeof(delim), "--%s", boundary);
	if ((p = memmem_n(body, len, delim, dlen)) == NULL)
		return error_setk(err, ERR_INPUT, "multipart form without its boundary");
	for (;;) {
		const char *hdr_end, *next, *cd = NULL;
		char name[WEB_FORM_NAME + 1];
		size_t cdlen = 0, vlen;

		p += dlen;
		if (end - p >= 2 && p[0] == '-' && p[1] == '-')
			return 0;      /* the closing delimiter */
		if (end - p < 2 || p[0] != '\r' || p[1] != '\n')
			break;
		p += 2;
		if ((hdr_end = memmem_n(p, (size_t)(end - p), "\r\n\r\n", 4)) == NULL)
			break;
		/* The part's headers: only Content-Disposition matters. */
		for (const char *h = p; h < hdr_end;) {
			const char *eol = memmem_n(h, (size_t)(hdr_end + 2 - h), "\r\n", 2);

			if (eol == NULL)
				eol = hdr_end;
			if ((size_t)(eol - h) > 20 && strncasecmp(h, "Content-Disposition:", 20) == 0) {
				cd = h + 20;
				cdlen = (size_t)(eol - cd);
			}
			h = eol + 2;
		}
		p = hdr_end + 4;
		if ((next = memmem_n(p, (size_t)(end - p), delim, dlen)) == NULL || next - p < 2 ||
		    next[-2] != '\r' || next[-1] != '\n')
			break;
		vlen = (size_t)(next - p - 2);
		if (cd == NULL || param(cd, cdlen, "name", name, sizeof(name)) < 0 ||
		    param(cd, cdlen, "filename", scratch, sizeof(scratch)) == 0 ||
		    vlen > WEB_FORM_VALUE) {
			web_form_free(form);
			return error_setk(err, ERR_INPUT, "a multipart part without a plain field name, "
			                  "or over the size limit");
		}
		if (add_field(form, xstrdup(name), strlen(name), xstrndup(p, vlen), vlen, err) < 0) {
			web_form_free(form);
			return -1;
		}
		p = next;
	}
	web_form_free(form);
	return error_setk(err, ERR_INPUT, "malformed multipart form");
}

static const struct {
	const char *prefix;
	int page;
} routes[] = {
	{"/u/", PAGE_UNSUBSCRIBE}, {"/p/", PAGE_PREFERENCES}, {"/c/", PAGE_CONFIRM},
	{"/x/", PAGE_EXPORT}, {"/e/", PAGE_ERASE}, {"/s/", PAGE_SIGNUP}, {"/r/", PAGE_REPORT},
};

/* What may follow /l/SLUG/: a list's public feeds. */
static const struct {
	const char *name;
	int page;
} list_pages[] = {
	{"events.ics", PAGE_EVENTS_ICS}, {"opportunities", PAGE_OPPORTUNITIES},
	{"opportunities.atom", PAGE_OPPORTUNITIES_ATOM},
};

static const char path_chars[] =
	"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-";

int
web_route(const char *path, char arg[WEB_PATH_PART + 1])
{
	const char *p;
	size_t n;

	arg[0] = '\0';
	if (strcmp(path, "/healthz") == 0)
		return PAGE_HEALTH;
	if (strncmp(path, "/l/", 3) == 0) {
		p = path + 3;
		n = strspn(p, path_chars);
		if (n == 0 || n > WEB_PATH_PART || p[n] != '/')
			return PAGE_NONE;
		for (size_t i = 0; i < sizeof(list_pages) / sizeof(list_pages[0]); i++)
			if (strcmp(p + n + 1, list_pages[i].name) == 0) {
				memcpy(arg, p, n);
				arg[n] = '\0';
				return list_pages[i].page;
			}
		return PAGE_NONE;
	}
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		if (strncmp(path, routes[i].prefix, 3) != 0)
			continue;
		p = path + 3;
		n = strspn(p, path_chars);
		if (n == 0 || n > WEB_PATH_PART || p[n] != '\0')
			return PAGE_NONE;
		memcpy(arg, p, n);
		arg[n] = '\0';
		return routes[i].page;
	}
	return PAGE_NONE;
}
