/*
 * addr - RFC 5321 mailbox syntax, normalisation (domain lower-cased) and
 * "Display Name <addr>" parsing.  Reasons are static strings for humans.
 */
#include "addr.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "util.h"

static int
is_atext(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL || c >= 0x80;
}

static int
check_local(const char *s, size_t n, const char **why)
{
	if (n == 0)
		return *why = "empty local part", -1;
	if (n > ADDR_LOCAL_MAX)
		return *why = "local part longer than 64 octets", -1;
	if (!utf8_valid(s, n))
		return *why = "invalid UTF-8 in local part", -1;
	if (s[0] == '"') {
		if (n < 2 || s[n - 1] != '"')
			return *why = "unbalanced quotes in local part", -1;
		for (size_t i = 1; i < n - 1; i++) {
			unsigned char c = (unsigned char)s[i];

			if (c == '\\') {
				if (++i >= n - 1 || (unsigned char)s[i] < 32 || s[i] == 127)
					return *why = "bad escape in quoted local part", -1;
				continue;
			}
			if (c == '"')
				return *why = "unbalanced quotes in local part", -1;
			if (c < 32 || c == 127)
				return *why = "control character in local part", -1;
		}
		return 0;
	}
	if (s[0] == '.' || s[n - 1] == '.')
		return *why = "local part starts or ends with '.'", -1;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '.') {
			if (s[i + 1] == '.')
				return *why = "'..' in local part", -1;
			continue;
		}
		if (c == ' ')
			return *why = "invalid character ' ' in local part", -1;
		if (c < 32 || c == 127)
			return *why = "control character in local part", -1;
		if (!is_atext(c))
			return *why = "invalid character in local part (quote it)", -1;
	}
	return 0;
}

static int
check_domain(const char *s, size_t n, const char **why)
{
	size_t label = 0;

	if (n == 0)
		return *why = "empty domain", -1;
	if (s[0] == '[') {
		char buf[64];
		unsigned char tmp[16];
		const char *inner = s + 1;
		size_t m = n - 2;

		if (s[n - 1] != ']' || n < 3 || m >= sizeof(buf))
			return *why = "bad address literal", -1;
		if (m > 5 && strncmp(inner, "IPv6:", 5) == 0) {
			memcpy(buf, inner + 5, m - 5);
			buf[m - 5] = '\0';
			if (inet_pton(AF_INET6, buf, tmp) != 1)
				return *why = "bad IPv6 address literal", -1;
			return 0;
		}
		memcpy(buf, inner, m);
		buf[m] = '\0';
		if (inet_pton(AF_INET, buf, tmp) != 1)
			return *why = "bad IPv4 address literal", -1;
		return 0;
	}
	if (n > ADDR_DOMAIN_MAX)
		return *why = "domain longer than 253 octets", -1;
	if (!utf8_valid(s, n))
		return *why = "invalid UTF-8 in domain", -1;
	for (size_t i = 0; i <= n; i++) {
		unsigned char c = i < n ? (unsigned char)s[i] : '.';

		if (c == '.') {
			if (label == 0)
				return *why = i == n ? "domain ends with '.'" : "empty label in domain", -1;
			if (s[i - 1] == '-' || s[i - label] == '-')
				return *why = "domain label starts or ends with '-'", -1;
			label = 0;
			continue;
		}
		if (++label > ADDR_LABEL_MAX)
			return *why = "domain label longer than 63 octets", -1;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c >= 0x80))
			return *why = c == ' ' ? "invalid character ' ' in domain" :
			                         "invalid character in domain", -1;
	}
	return 0;
}

/* split - find the '@' that separates local part and domain (the last one outside quotes). */
static int
split(const char *s, size_t n, size_t *at, const char **why)
{
	int inq = 0, found = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\\' && inq) {
			i++;
			continue;
		}
		if (s[i] == '"')
			inq = !inq;
		else if (s[i] == '@' && !inq) {
			if (found)
				return *why = "more than one '@'", -1;
			found = 1;
			*at = i;
		}
	}
	if (!found)
		return *why = "missing '@'", -1;
	return 0;
}

int
addr_normalize(const char *s, char **out, const char **why)
{
	size_t n, at = 0;
	const char *p;
	char *r;

	for (p = s; *p; p++)
		if (*p == '\r' || *p == '\n')
			return *why = "line break in address", -1;
	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n == 0)
		return *why = "empty address", -1;
	if (n > ADDR_MAX)
		return *why = "address longer than 254 octets", -1;
	if (split(s, n, &at, why) < 0 || check_local(s, at, why) < 0 ||
	    check_domain(s + at + 1, n - at - 1, why) < 0)
		return -1;
	if (out) {
		r = xstrndup(s, n);
		/* An address literal keeps its "IPv6:" tag as written. */
		for (size_t i = at + 1; i < n && s[at + 1] != '['; i++)
			if (r[i] >= 'A' && r[i] <= 'Z')
				r[i] = (char)(r[i] - 'A' + 'a');
		*out = r;
	}
	return 0;
}

int
addr_valid(const char *s, const char **why)
{
	return addr_normalize(s, NULL, why);
}

const char *
addr_domain(const char *addr)
{
	const char *at = strrchr(addr, '@');

	return at ? at + 1 : addr;
}

int
addr_parse_mailbox(const char *s, char **name, char **addr, const char **why)
{
	const char *lt = NULL, *gt, *p;
	struct buf b;
	int inq = 0;

	*name = *addr = NULL;
	for (p = s; *p; p++) {
		if (*p == '\r' || *p == '\n')
			return *why = "line break in address", -1;
		if (*p == '\\' && inq && p[1]) {
			p++;
			continue;
		}
		if (*p == '"')
			inq = !inq;
		else if (*p == '<' && !inq && lt == NULL)
			lt = p;
	}
	if (inq)
		return *why = "unbalanced quotes", -1;
	if (lt == NULL)
		return addr_normalize(s, addr, why);
	gt = strchr(lt, '>');
	if (gt == NULL)
		return *why = "missing '>'", -1;
	for (p = gt + 1; *p; p++)
		if (*p != ' ' && *p != '\t')
			return *why = "text after '>'", -1;
	{
		char *inner = xstrndup(lt + 1, (size_t)(gt - lt - 1));
		int rc = addr_normalize(inner, addr, why);

		free(inner);
		if (rc < 0)
			return -1;
	}
	/* The display name: trimmed, quotes and quoted-pairs removed. */
	buf_init(&b, 1024);
	for (p = s; p < lt; p++) {
		if (*p == '"')
			continue;
		if (*p == '\\' && p + 1 < lt)
			p++;
		buf_addc(&b, *p);
	}
	*name = str_trim(buf_steal(&b));
	if (**name == '\0') {
		free(*name);
		*name = NULL;
	} else if (!utf8_valid(*name, strlen(*name))) {
		free(*name);
		free(*addr);
		*name = *addr = NULL;
		return *why = "invalid UTF-8 in display name", -1;
	}
	return 0;
}
