/*
 * addr - RFC 5321 Mailbox syntax (with RFC 6531 UTF-8), normalisation and
 * "Display Name <addr>" parsing.  See addr.h for the contract.
 *
 * An address is checked in one pass: local part (Dot-string or
 * Quoted-string), the '@', then the domain (LDH labels, or UTF-8 labels
 * turned into their A-labels by libidn2, or an [IPv4] / [IPv6:...]
 * literal).  Every rejection names the first problem found as a static
 * string, so callers can print it next to a file and line without freeing
 * anything.  Nothing here allocates except the results.
 */
#include "addr.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <idn2.h>

#include "buf.h"
#include "util.h"

/* FAIL - set the reason and return -1, so each check reads as one line. */
#define FAIL(why, reason) (*(why) = (reason), -1)

/*
 * The printable ASCII characters that are neither atext nor '.': a
 * Dot-string needs them quoted.  Naming the character is what lets a
 * coordinator fix the row without reading RFC 5322.
 */
#define LOCAL_BAD(c) [c] = "invalid character " #c " in local part"
static const char *const local_bad[128] = {
	LOCAL_BAD(' '), LOCAL_BAD('"'), LOCAL_BAD('('), LOCAL_BAD(')'), LOCAL_BAD(','),
	LOCAL_BAD(':'), LOCAL_BAD(';'), LOCAL_BAD('<'), LOCAL_BAD('>'), LOCAL_BAD('@'),
	LOCAL_BAD('['), LOCAL_BAD(']'),
	['\\'] = "invalid character '\\' in local part",
};

/* Printable ASCII that a domain name may not hold (letters, digits, '-' and '.' may). */
#define DOMAIN_BAD(c) [c] = "invalid character " #c " in domain"
static const char *const domain_bad[128] = {
	DOMAIN_BAD(' '), DOMAIN_BAD('!'), DOMAIN_BAD('"'), DOMAIN_BAD('#'), DOMAIN_BAD('$'),
	DOMAIN_BAD('%'), DOMAIN_BAD('&'), DOMAIN_BAD('('), DOMAIN_BAD(')'),
	DOMAIN_BAD('*'), DOMAIN_BAD('+'), DOMAIN_BAD(','), DOMAIN_BAD('/'), DOMAIN_BAD(':'),
	DOMAIN_BAD(';'), DOMAIN_BAD('<'), DOMAIN_BAD('='), DOMAIN_BAD('>'), DOMAIN_BAD('?'),
	DOMAIN_BAD('@'), DOMAIN_BAD('['), DOMAIN_BAD(']'), DOMAIN_BAD('^'), DOMAIN_BAD('_'),
	DOMAIN_BAD('`'), DOMAIN_BAD('{'), DOMAIN_BAD('|'), DOMAIN_BAD('}'), DOMAIN_BAD('~'),
	['\\'] = "invalid character '\\' in domain",
	['\''] = "invalid character \"'\" in domain",
};

static int
is_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static int
is_ctl(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

/* is_atext - RFC 5322 atext, ASCII only (UTF-8 is checked separately). */
static int
is_atext(unsigned char c)
{
	if (is_alnum(c))
		return 1;
	switch (c) {
	case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+':
	case '-': case '/': case '=': case '?': case '^': case '_': case '`': case '{':
	case '|': case '}': case '~':
		return 1;
	}
	return 0;
}

/*
 * Code points that utf8_valid() lets through but that have no business in an
 * address: C1 controls and the line/paragraph separators break headers and
 * logs like CR and LF do; spaces and invisible format characters (bidi
 * overrides, zero-width joiners, BOM) make two different addresses look the
 * same.  Quoted text may hold the spaces, never the rest.
 */
enum { CP_OK, CP_SPACE, CP_CONTROL };

static int
cp_class(unsigned long cp)
{
	if ((cp >= 0x80 && cp <= 0x9f) || cp == 0x2028 || cp == 0x2029)
		return CP_CONTROL;
	if (cp == 0xa0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200a) || cp == 0x202f ||
	    cp == 0x205f || cp == 0x3000)
		return CP_SPACE;
	if (cp == 0xad || cp == 0x180e || (cp >= 0x200b && cp <= 0x200f) ||
	    (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2060 && cp <= 0x206f) || cp == 0xfeff ||
	    (cp >= 0xfff9 && cp <= 0xfffb))
		return CP_CONTROL;
	return CP_OK;
}

/* utf8_class - the worst cp_class() in s[0..n), which must already be valid UTF-8. */
static int
utf8_class(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	int worst = CP_OK;

	for (size_t i = 0; i < n;) {
		unsigned long cp;
		size_t len;
		int k;

		if (s[i] < 0x80) {
			i++;
			continue;
		}
		len = s[i] >= 0xf0 ? 4 : s[i] >= 0xe0 ? 3 : 2;
		cp = s[i] & (0x7f >> len);
		for (size_t j = 1; j < len; j++)
			cp = (cp << 6) | (s[i + j] & 0x3f);
		i += len;
		k = cp_class(cp);
		if (k > worst)
			worst = k;
	}
	return worst;
}

static int
has_8bit(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80)
			return 1;
	return 0;
}

enum { IN_LOCAL, IN_QUOTED, IN_DOMAIN };

/* check_utf8 - well-formed, and no Unicode control (or, unless quoted, space). */
static int
check_utf8(const char *s, size_t n, int where, const char **why)
{
	static const char *const reasons[][3] = {
		{"invalid UTF-8 in local part", "Unicode space in local part",
		 "Unicode control or format character in local part"},
		{"invalid UTF-8 in domain", "Unicode space in domain",
		 "Unicode control or format character in domain"},
	};
	const char *const *r = reasons[where == IN_DOMAIN];
	int k;

	if (!has_8bit(s, n))
		return 0;
	if (!utf8_valid(s, n))
		return FAIL(why, r[0]);
	k = utf8_class(s, n);
	if (k == CP_CONTROL || (k == CP_SPACE && where != IN_QUOTED))
		return FAIL(why, r[k]);
	return 0;
}

/*
 * local_quoted - s[0..n) starts with '"'; set *end just past the closing
 * quote.  qtextSMTP is printable ASCII but '"' and '\'; quoted-pairSMTP is
 * '\' and printable ASCII or space; RFC 6531 adds UTF-8 to qtext.
 */
static int
local_quoted(const char *s, size_t n, size_t *end, const char **why)
{
	size_t i = 1;

	for (;;) {
		unsigned char c;

		if (i >= n)
			return FAIL(why, "unterminated quoted local part");
		c = (unsigned char)s[i];
		if (c == '"')
			break;
		if (c == '\\') {
			if (i + 1 >= n)
				return FAIL(why, "unterminated quoted local part");
			c = (unsigned char)s[i + 1];
			if (is_ctl(c))
				return FAIL(why, "control character in local part");
			if (c >= 0x80)
				return FAIL(why, "'\\' before a non-ASCII character in local part");
			i += 2;
			continue;
		}
		if (is_ctl(c))
			return FAIL(why, "control character in local part");
		i++;
	}
	*end = i + 1;
	if (*end == 2)
		return FAIL(why, "empty local part");
	if (*end > ADDR_LOCAL_MAX)
		return FAIL(why, "local part longer than 64 octets");
	if (*end == n)
		return FAIL(why, "missing '@'");
	if (s[*end] != '@')
		return FAIL(why, "text between quoted local part and '@'");
	return check_utf8(s, *end, IN_QUOTED, why);
}

/* local_dot - the Dot-string s[0..n) (no '@' in it). */
static int
local_dot(const char *s, size_t n, const char **why)
{
	if (n == 0)
		return FAIL(why, "empty local part");
	if (n > ADDR_LOCAL_MAX)
		return FAIL(why, "local part longer than 64 octets");
	if (s[0] == '.' || s[n - 1] == '.')
		return FAIL(why, "local part starts or ends with '.'");
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '.') {
			if (s[i + 1] == '.')
				return FAIL(why, "'..' in local part");
			continue;
		}
		if (c >= 0x80 || is_atext(c))
			continue;
		if (is_ctl(c))
			return FAIL(why, "control character in local part");
		return FAIL(why, local_bad[c] ? local_bad[c] : "invalid character in local part");
	}
	return check_utf8(s, n, IN_LOCAL, why);
}

/* domain_literal - "[IPv4]" or "[IPv6:...]"; other tagged literals cannot be delivered to. */
static int
domain_literal(const char *s, size_t n, const char **why)
{
	char ip[INET6_ADDRSTRLEN];
	unsigned char bin[16];
	const char *close = memchr(s, ']', n);
	const char *in = s + 1;
	size_t m;

	if (close == NULL)
		return FAIL(why, "address literal without closing ']'");
	if (close != s + n - 1)
		return FAIL(why, "text after address literal");
	m = n - 2;
	if (m == 0)
		return FAIL(why, "empty address literal");
	if (m >= 5 && strncasecmp(in, "IPv6:", 5) == 0) {
		if (m - 5 >= sizeof(ip))
			return FAIL(why, "bad IPv6 address literal");
		memcpy(ip, in + 5, m - 5);
		ip[m - 5] = '\0';
		if (inet_pton(AF_INET6, ip, bin) != 1)
			return FAIL(why, "bad IPv6 address literal");
		return 0;
	}
	if (memchr(in, ':', m) != NULL)
		return FAIL(why, "unsupported address literal (only [IPv4] and [IPv6:...])");
	if (m >= sizeof(ip))
		return FAIL(why, "bad IPv4 address literal");
	memcpy(ip, in, m);
	ip[m] = '\0';
	if (inet_pton(AF_INET, ip, bin) != 1)
		return FAIL(why, "bad IPv4 address literal");
	return 0;
}

/* ldh_name - s[0..n) as LDH labels (letters, digits, '-'), within the lengths of RFC 1035. */
static int
ldh_name(const char *s, size_t n, const char **why)
{
	size_t start = 0;

	/* Empty also when IDNA maps a name of ignorable characters (U+034F) to nothing. */
	if (n == 0)
		return FAIL(why, "empty domain");
	if (n > ADDR_DOMAIN_MAX)
		return FAIL(why, "domain longer than 253 octets");
	if (s[0] == '.')
		return FAIL(why, "domain starts with '.'");
	if (s[n - 1] == '.')
		return FAIL(why, "domain ends with '.'");
	for (size_t i = 0; i <= n; i++) {
		unsigned char c = i < n ? (unsigned char)s[i] : '.';

		if (c == '.') {
			if (i == start)
				return FAIL(why, "'..' in domain");
			if (i - start > ADDR_LABEL_MAX)
				return FAIL(why, "domain label longer than 63 octets");
			if (s[start] == '-' || s[i - 1] == '-')
				return FAIL(why, "domain label starts or ends with '-'");
			start = i + 1;
			continue;
		}
		if (is_alnum(c) || c == '-')
			continue;
		if (is_ctl(c))
			return FAIL(why, "control character in domain");
		return FAIL(why, domain_bad[c] ? domain_bad[c] : "invalid character in domain");
	}
	return 0;
}

/*
 * domain_name - LDH labels, or an internationalised name: well-formed UTF-8
 * without invisible or control characters, turned into its A-labels
 * (IDNA2008 with UTS #46 non-transitional mapping, as browsers do) in
 * *alabel (caller frees), whose labels must then pass as LDH.  Relays and
 * DNS take only the A-label form, so that is the form kept.
 */
static int
domain_name(const char *s, size_t n, char **alabel, const char **why)
{
	char *u, *a = NULL;
	int rc;

	*alabel = NULL;
	if (n == 0)
		return FAIL(why, "empty domain");
	if (!has_8bit(s, n))
		return ldh_name(s, n, why);
	if (s[0] == '.')
		return FAIL(why, "domain starts with '.'");
	if (s[n - 1] == '.')
		return FAIL(why, "domain ends with '.'");
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x80 && !is_alnum(c) && c != '-' && c != '.')
			return FAIL(why, is_ctl(c) ? "control character in domain" :
			            domain_bad[c] ? domain_bad[c] : "invalid character in domain");
	}
	if (check_utf8(s, n, IN_DOMAIN, why) < 0)
		return -1;
	u = xstrndup(s, n);
	rc = idn2_to_ascii_8z(u, &a, IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
	free(u);
	if (rc != IDN2_OK) {
		free(a);
		return FAIL(why, "domain is not a valid internationalised name");
	}
	if (ldh_name(a, strlen(a), why) < 0) {
		free(a);
		return -1;
	}
	*alabel = a;
	return 0;
}

/*
 * check - validate the trimmed address s[0..n); *at is where its '@' is.
 * The local part decides where the '@' is: a quoted one may hold '@'.
 * *alabel is the domain's A-label form when it was internationalised
 * (caller frees), else NULL.
 */
static int
check(const char *s, size_t n, size_t *at, char **alabel, const char **why)
{
	const char *p;

	if (n == 0)
		return FAIL(why, "empty address");
	if (n > ADDR_MAX)
		return FAIL(why, "address longer than 254 octets");
	if (s[0] == '"') {
		if (local_quoted(s, n, at, why) < 0)
			return -1;
	} else {
		p = memchr(s, '@', n);
		if (p == NULL)
			return FAIL(why, "missing '@'");
		*at = (size_t)(p - s);
		if (local_dot(s, *at, why) < 0)
			return -1;
	}
	p = s + *at + 1;
	*alabel = NULL;
	if (memchr(p, '@', n - *at - 1) != NULL)
		return FAIL(why, "more than one '@'");
	if (*at + 1 == n)
		return FAIL(why, "empty domain");
	if (*p == '[')
		return domain_literal(p, n - *at - 1, why);
	return domain_name(p, n - *at - 1, alabel, why);
}

/* trim - the span of s without surrounding spaces and tabs. */
static const char *
trim(const char *s, size_t *n)
{
	size_t len;

	while (*s == ' ' || *s == '\t')
		s++;
	len = strlen(s);
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	*n = len;
	return s;
}

int
addr_normalize(const char *s, char **out, const char **why)
{
	const char *dummy;
	size_t n, at;
	char *r, *dom, *alabel = NULL;

	if (why == NULL)
		why = &dummy;
	if (out)
		*out = NULL;
	/* Before anything else: a line break is an injection attempt, whatever else is wrong. */
	if (strpbrk(s, "\r\n") != NULL)
		return FAIL(why, "line break in address");
	s = trim(s, &n);
	if (check(s, n, &at, &alabel, why) < 0)
		return -1;
	if (out == NULL) {
		free(alabel);
		return 0;
	}
	if (alabel) {
		r = xasprintf("%.*s@%s", (int)at, s, alabel);
		free(alabel);
	} else
		r = xstrndup(s, n);
	dom = r + at + 1;
	if (*dom == '[') {
		/* One spelling of the tag, so [ipv6:..] and [IPv6:..] are the same address. */
		if (strncasecmp(dom + 1, "IPv6:", 5) == 0) {
			memcpy(dom + 1, "IPv6:", 5);
			dom += 6;
		}
	}
	for (; *dom; dom++)
		if (*dom >= 'A' && *dom <= 'Z')
			*dom = (char)(*dom - 'A' + 'a');
	*out = r;
	return 0;
}

int
addr_valid(const char *s, const char **why)
{
	return addr_normalize(s, NULL, why);
}

/* listed - whether name is one of the comma- or space-separated names of list, in any case. */
static int
listed(const char *list, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = list ? list : ""; *p;) {
		size_t k;

		p += strspn(p, ", \t");
		k = strcspn(p, ", \t");
		if (k == n && k > 0 && strncasecmp(p, name, n) == 0)
			return 1;
		p += k;
	}
	return 0;
}

int
addr_accept(const char *s, const char *allow_dotless, char **out, const char **why)
{
	const char *dummy, *domain;
	char *a;

	if (why == NULL)
		why = &dummy;
	if (addr_normalize(s, &a, why) < 0)
		return -1;
	if (a[0] == '"') {
		free(a);
		return FAIL(why, "quoted local part: few mail servers deliver to one");
	}
	if (has_8bit(a, strcspn(a, "@"))) {
		free(a);
		return FAIL(why, "non-ASCII local part: delivering it needs SMTPUTF8, which outreach "
		            "does not use");
	}
	domain = addr_domain(a);
	if (domain[0] != '[' && strchr(domain, '.') == NULL && !listed(allow_dotless, domain)) {
		free(a);
		return FAIL(why, "domain without a dot: no mail reaches it (a local name may be "
		            "listed in [sender] allow_dotless_domains)");
	}
	if (out)
		*out = a;
	else
		free(a);
	return 0;
}

const char *
addr_domain(const char *addr)
{
	const char *at = strrchr(addr, '@');

	return at ? at + 1 : addr + strlen(addr);
}

/*
 * display_name - s[0..n) without quotes and quoted-pair backslashes, tabs
 * as spaces, trimmed; NULL when nothing is left.  The quotes are known to
 * balance.  Controls are refused: the name goes into a From: header.
 */
static int
display_name(const char *s, size_t n, char **name, const char **why)
{
	struct buf b;
	const char *t;
	size_t len;
	int inq = 0;

	*name = NULL;
	buf_init(&b, n + 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"') {
			inq = !inq;
			continue;
		}
		if (c == '\\' && inq && i + 1 < n)
			c = (unsigned char)s[++i];
		if (c == '\t')
			c = ' ';
		if (is_ctl(c)) {
			buf_free(&b);
			return FAIL(why, "control character in display name");
		}
		buf_addc(&b, (char)c);
	}
	t = trim(buf_cstr(&b), &len);
	if (!utf8_valid(t, len)) {
		buf_free(&b);
		return FAIL(why, "invalid UTF-8 in display name");
	}
	if (utf8_class(t, len) == CP_CONTROL) {
		buf_free(&b);
		return FAIL(why, "Unicode control or format character in display name");
	}
	if (len > 0)
		*name = xstrndup(t, len);
	buf_free(&b);
	return 0;
}

/*
 * skip_quoted - p is just past an opening '"'; return the closing '"', or
 * NULL when the string ends first.
 */
static const char *
skip_quoted(const char *p)
{
	for (; *p; p++) {
		if (*p == '\\' && p[1] != '\0')
			p++;
		else if (*p == '"')
			return p;
	}
	return NULL;
}

int
addr_parse_mailbox(const char *s, char **name, char **addr, const char **why)
{
	const char *dummy, *p, *lt = NULL, *gt = NULL;
	char *inner;
	int rc;

	if (why == NULL)
		why = &dummy;
	*name = *addr = NULL;
	if (strpbrk(s, "\r\n") != NULL)
		return FAIL(why, "line break in address");
	/* The display name: up to the first '<' outside quotes. */
	for (p = s; *p && lt == NULL; p++) {
		if (*p == '"') {
			p = skip_quoted(p + 1);
			if (p == NULL)
				return FAIL(why, "unbalanced quotes");
		} else if (*p == '<')
			lt = p;
		else if (*p == '>')
			return FAIL(why, "'>' without '<'");
	}
	if (lt == NULL)
		return addr_normalize(s, addr, why);
	/* The angle-addr: up to the first '>' outside a quoted local part. */
	for (p = lt + 1; *p && gt == NULL; p++) {
		if (*p == '"') {
			p = skip_quoted(p + 1);
			if (p == NULL)
				return FAIL(why, "unbalanced quotes");
		} else if (*p == '>')
			gt = p;
		else if (*p == '<')
			return FAIL(why, "'<' inside '<...>'");
	}
	if (gt == NULL)
		return FAIL(why, "missing '>'");
	for (p = gt + 1; *p; p++)
		if (*p != ' ' && *p != '\t')
			return FAIL(why, "text after '>'");
	inner = xstrndup(lt + 1, (size_t)(gt - lt - 1));
	rc = addr_normalize(inner, addr, why);
	free(inner);
	if (rc < 0)
		return -1;
	if (display_name(s, (size_t)(lt - s), name, why) < 0) {
		free(*addr);
		*addr = NULL;
		return -1;
	}
	return 0;
}

int
addr_no_reply(const char *addr)
{
	static const char *const words[] = {"noreply", "no-reply", "no_reply", "donotreply",
	                                    "do-not-reply", "do_not_reply", "mailer-daemon"};
	size_t n = strcspn(addr, "@");

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strlen(words[i]) <= n && strncasecmp(addr, words[i], strlen(words[i])) == 0)
			return 1;
	return 0;
}
