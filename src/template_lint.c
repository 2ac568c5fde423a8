/*
 * template_lint - whether a template shows a link to its reader.  See
 * template_lint.h.
 *
 * The HTML is read as a mail client would lay it out, coarsely: comments
 * are skipped, every start tag opens an element (but the void ones), an end
 * tag closes up to its own name, and an element is hidden when it or one
 * around it is.  Template tags ({{...}}) may sit anywhere, inside attribute
 * values too, and count as visible text.  The first visible occurrence
 * answers; otherwise the reason given is that of the last one seen.
 */
#define _DEFAULT_SOURCE
#include "template_lint.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum { MAX_DEPTH = 256, NAME_MAX_LEN = 16 };

struct element {
	char name[NAME_MAX_LEN + 1];
	int hidden;
};

struct lint {
	const char *src;
	size_t len;
	const char *var;
	struct element stack[MAX_DEPTH];
	int depth;
	int link_depth;            /* depth of the open <a> whose href is var, else -1 */
	int link_line;
	int link_text;             /* that <a> has shown some text */
	char why[256];             /* why the last occurrence was not visible */
};

static int
line_at(const struct lint *l, size_t off)
{
	int line = 1;

	for (size_t i = 0; i < off && i < l->len; i++)
		line += l->src[i] == '\n';
	return line;
}

static void
set_why(struct lint *l, size_t off, const char *what)
{
	snprintf(l->why, sizeof(l->why), "{{%s}} at line %d is %s", l->var, line_at(l, off), what);
}

/* starts - whether src at i starts with s (ASCII case ignored). */
static int
starts(const struct lint *l, size_t i, const char *s)
{
	size_t n = strlen(s);

	return i + n <= l->len && strncasecmp(l->src + i, s, n) == 0;
}

/* find - offset of s at or after i, or len. */
static size_t
find(const struct lint *l, size_t i, const char *s)
{
	size_t n = strlen(s);

	for (; i + n <= l->len; i++)
		if (memcmp(l->src + i, s, n) == 0)
			return i;
	return l->len;
}

/*
 * mustache - the template tag at i ("{{"): its end in *end; 1 when it is
 * var itself (not a section, inverted or close tag), 2 for a comment that
 * mentions var, else 0.
 */
static int
mustache(const struct lint *l, size_t i, size_t *end)
{
	size_t close = find(l, i + 2, "}}"), a = i + 2, b;
	size_t n = strlen(l->var);

	*end = close + 2 <= l->len ? close + 2 : l->len;
	if (*end < l->len && l->src[*end] == '}')
		(*end)++;
	if (a < close && l->src[a] == '!') {
		for (size_t k = a; k + n <= close; k++)
			if (memcmp(l->src + k, l->var, n) == 0)
				return 2;
		return 0;
	}
	while (a < close && (l->src[a] == '{' || l->src[a] == '&' || l->src[a] == ' ' ||
	                     l->src[a] == '\t'))
		a++;
	b = close;
	while (b > a && (l->src[b - 1] == ' ' || l->src[b - 1] == '\t'))
		b--;
	return b - a == n && memcmp(l->src + a, l->var, n) == 0;
}

/* style_hides - whether a style attribute's value hides its element. */
static int
style_hides(const char *v, size_t n)
{
	char *s = xmalloc(n + 1), *p;
	size_t k = 0;
	int hidden = 0;

	for (size_t i = 0; i < n; i++)
		if (!isspace((unsigned char)v[i]))
			s[k++] = (char)tolower((unsigned char)v[i]);
	s[k] = '\0';
	hidden = strstr(s, "display:none") || strstr(s, "visibility:hidden");
	for (const char *prop = "font-size:\0opacity:\0max-height:\0"; *prop;
	     prop += strlen(prop) + 1)
		for (p = strstr(s, prop); p; p = strstr(p + 1, prop)) {
			const char *num = p + strlen(prop);

			/* "0", "0px", "0.0em", but not "0.5em" nor "10px". */
			if (p > s && p[-1] != ';' && p[-1] != '"')
				continue;
			while (*num == '0' || *num == '.')
				num++;
			if (num > p + strlen(prop) && !isdigit((unsigned char)*num))
				hidden = 1;
		}
	free(s);
	return hidden;
}

/*
 * start_tag - read the tag at i ('<' then a letter) up to its '>', past
 * quoted values and template tags; open its element.  Returns the offset
 * after the tag.
 */
static size_t
start_tag(struct lint *l, size_t i)
{
	static const char *const void_tags[] = {"area", "base", "br", "col", "embed", "hr", "img",
	                                        "input", "link", "meta", "source", "track", "wbr"};
	static const char *const unseen[] = {"head", "style", "script", "title", "template"};
	struct element el;
	size_t j = i + 1, k = 0, href_at = 0, end;
	int hidden, is_void = 0, self_closing = 0, var_in_href = 0;

	memset(&el, 0, sizeof(el));
	while (j < l->len && (isalnum((unsigned char)l->src[j]) || l->src[j] == '-')) {
		if (k < NAME_MAX_LEN)
			el.name[k++] = (char)tolower((unsigned char)l->src[j]);
		j++;
	}
	hidden = l->depth > 0 && l->stack[l->depth - 1].hidden;
	for (size_t u = 0; u < sizeof(unseen) / sizeof(unseen[0]); u++)
		hidden |= strcmp(el.name, unseen[u]) == 0;
	while (j < l->len && l->src[j] != '>') {
		size_t name_at, name_end, val_at, val_end;
		char q;

		if (isspace((unsigned char)l->src[j]) || l->src[j] == '/') {
			self_closing = l->src[j] == '/';
			j++;
			continue;
		}
		name_at = j;
		while (j < l->len && !isspace((unsigned char)l->src[j]) && l->src[j] != '=' &&
		       l->src[j] != '>')
			j += starts(l, j, "{{") ? 2 : 1;
		name_end = j;
		self_closing = 0;
		if (j >= l->len || l->src[j] != '=') {
			if (name_end - name_at == 6 && strncasecmp(l->src + name_at, "hidden", 6) == 0)
				hidden = 1;
			continue;
		}
		j++;
		q = j < l->len && (l->src[j] == '"' || l->src[j] == '\'') ? l->src[j++] : 0;
		val_at = j;
		while (j < l->len && (q ? l->src[j] != q : !isspace((unsigned char)l->src[j]) &&
		                      l->src[j] != '>')) {
			if (starts(l, j, "{{")) {
				int m = mustache(l, j, &end);

				if (m == 1) {
					if (name_end - name_at == 4 &&
					    strncasecmp(l->src + name_at, "href", 4) == 0) {
						var_in_href = 1;
						href_at = j;
					} else
						set_why(l, j, "in an attribute other than an href");
				}
				j = end;
				continue;
			}
			j++;
		}
		val_end = j;
		if (q && j < l->len)
			j++;
		if (name_end - name_at == 5 && strncasecmp(l->src + name_at, "style", 5) == 0 &&
		    style_hides(l->src + val_at, val_end - val_at))
			hidden = 1;
	}
	end = j < l->len ? j + 1 : l->len;
	for (size_t v = 0; v < sizeof(void_tags) / sizeof(void_tags[0]); v++)
		is_void |= strcmp(el.name, void_tags[v]) == 0;
	/* An image (with its alt) is what some links show instead of words. */
	if (l->link_depth >= 0 && strcmp(el.name, "img") == 0 && !hidden)
		l->link_text = 1;
	if (var_in_href && strcmp(el.name, "a") != 0)
		set_why(l, href_at, "not in the href of an <a>");
	else if (var_in_href && hidden)
		set_why(l, href_at, "in a hidden element");
	else if (var_in_href && l->link_depth < 0 && !is_void && !self_closing) {
		l->link_depth = l->depth;
		l->link_line = line_at(l, href_at);
		l->link_text = 0;
	}
	el.hidden = hidden;
	if (!is_void && !self_closing && l->depth < MAX_DEPTH)
		l->stack[l->depth++] = el;
	return end;
}

/* end_tag - close the element named at i ("</"), and what it holds open; 1 if the link shows. */
static int
end_tag(struct lint *l, size_t i, size_t *next)
{
	char name[NAME_MAX_LEN + 1] = "";
	size_t j = i + 2, k = 0;

	while (j < l->len && (isalnum((unsigned char)l->src[j]) || l->src[j] == '-')) {
		if (k < NAME_MAX_LEN)
			name[k++] = (char)tolower((unsigned char)l->src[j]);
		j++;
	}
	*next = find(l, j, ">");
	*next = *next < l->len ? *next + 1 : l->len;
	for (int d = l->depth - 1; d >= 0; d--)
		if (strcmp(l->stack[d].name, name) == 0) {
			l->depth = d;
			if (l->link_depth >= d) {
				if (l->link_text)
					return 1;
				snprintf(l->why, sizeof(l->why), "{{%s}} at line %d is the href of "
				         "a link with no text", l->var, l->link_line);
				l->link_depth = -1;
			}
			break;
		}
	return 0;
}

static int
lint_html(struct lint *l)
{
	size_t i = 0, end;

	while (i < l->len) {
		if (starts(l, i, "<!--")) {
			size_t close = find(l, i + 4, "-->");

			for (size_t k = i; k < close; k++)
				if (starts(l, k, "{{") && mustache(l, k, &end) == 1)
					set_why(l, k, "inside an HTML comment");
			i = close < l->len ? close + 3 : l->len;
		} else if (starts(l, i, "{{")) {
			int m = mustache(l, i, &end);
			int hidden = l->depth > 0 && l->stack[l->depth - 1].hidden;

			if (m == 2)
				set_why(l, i, "inside a template comment");
			else if (m == 1)
				set_why(l, i, hidden ? "in a hidden element" : "text, not a link's href");
			if (m != 2 && !hidden && l->link_depth >= 0)
				l->link_text = 1;
			i = end;
		} else if (l->src[i] == '<' && i + 1 < l->len &&
		           isalpha((unsigned char)l->src[i + 1])) {
			i = start_tag(l, i);
		} else if (starts(l, i, "</")) {
			if (end_tag(l, i, &end))
				return 0;
			i = end;
		} else if (l->src[i] == '<') {
			/* <!DOCTYPE ...>, <?xml ...?>: nothing shown. */
			end = find(l, i, ">");
			i = end < l->len ? end + 1 : l->len;
		} else if (starts(l, i, "&nbsp;")) {
			i += 6; /* blank, as far as a reader can tell */
		} else {
			if (l->link_depth >= 0 && !isspace((unsigned char)l->src[i]) &&
			    !(l->depth > 0 && l->stack[l->depth - 1].hidden))
				l->link_text = 1;
			i++;
		}
	}
	return -1;
}

static int
lint_text(struct lint *l)
{
	size_t end;

	for (size_t i = 0; i < l->len; i++) {
		if (!starts(l, i, "{{"))
			continue;
		switch (mustache(l, i, &end)) {
		case 1:
			return 0;
		case 2:
			set_why(l, i, "inside a template comment");
		}
		i = end - 1;
	}
	return -1;
}

int
template_lint_link(const char *src, size_t len, int html, const char *var, struct error *err)
{
	struct lint *l = xcalloc(1, sizeof(*l));
	int rc;

	l->src = src;
	l->len = len;
	l->var = var;
	l->link_depth = -1;
	rc = html ? lint_html(l) : lint_text(l);
	if (rc < 0) {
		if (l->why[0])
			error_setk(err, ERR_INPUT, "%s", l->why);
		else
			error_setk(err, ERR_INPUT, "no {{%s}} anywhere", var);
	}
	free(l);
	return rc;
}
