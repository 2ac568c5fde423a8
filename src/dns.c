/*
 * dns - TXT lookups through libresolv.  See dns.h.
 */
#define _DEFAULT_SOURCE
#include "dns.h"

#include <arpa/nameser.h>
#include <netdb.h>
#include <netinet/in.h>
#include <resolv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"

#ifdef OUTREACH_TEST_CLOCK
/* test_txt - the tests' answer for name from $OUTREACH_DKIM_TXT_FILE; -2 if not set. */
static int
test_txt(const char *name, struct buf *out, struct error *err)
{
	const char *path = getenv("OUTREACH_DKIM_TXT_FILE");
	char *text = NULL, *line, *save = NULL;
	size_t len, nl = strlen(name);
	int rc = 0;

	if (path == NULL)
		return -2;
	if (*path == '\0')
		return error_setk(err, ERR_TEMP, "cannot look up %s: no DNS", name);
	if (read_file(path, DNS_TXT_MAX * 4, &text, &len, err) < 0)
		return -1;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (strncasecmp(line, name, nl) == 0 && line[nl] == ' ') {
			buf_adds(out, line + nl + 1);
			rc = 1;
			break;
		}
	free(text);
	return rc;
}
#endif

int
dns_txt(const char *name, struct buf *out, struct error *err)
{
	unsigned char ans[NS_PACKETSZ * 8];
	struct __res_state rs;
	ns_msg msg;
	ns_rr rr;
	int n, found = 0;

#ifdef OUTREACH_TEST_CLOCK
	if ((n = test_txt(name, out, err)) != -2)
		return n;
#endif
	memset(&rs, 0, sizeof(rs));
	if (res_ninit(&rs) != 0)
		return error_setk(err, ERR_TEMP, "cannot look up %s: no DNS (no resolver)", name);
	rs.retrans = 2;
	rs.retry = 2;
	n = res_nquery(&rs, name, ns_c_in, ns_t_txt, ans, sizeof(ans));
	if (n < 0) {
		int h = rs.res_h_errno;

		res_nclose(&rs);
		if (h == HOST_NOT_FOUND || h == NO_DATA)
			return 0;
		return error_setk(err, ERR_TEMP, "cannot look up %s: no DNS (%s)", name,
		                  h == TRY_AGAIN ? "no answer from the resolver" : hstrerror(h));
	}
	res_nclose(&rs);
	if (ns_initparse(ans, n, &msg) < 0)
		return error_setk(err, ERR_TEMP, "cannot look up %s: malformed answer", name);
	for (int i = 0; i < ns_msg_count(msg, ns_s_an) && !found; i++) {
		const unsigned char *p, *end;

		if (ns_parserr(&msg, ns_s_an, i, &rr) < 0 || ns_rr_type(rr) != ns_t_txt)
			continue;
		/* A record is character-strings, each a length octet then its bytes, read joined. */
		p = ns_rr_rdata(rr);
		end = p + ns_rr_rdlen(rr);
		while (p < end && p + 1 + *p <= end) {
			buf_add(out, p + 1, *p);
			p += 1 + *p;
		}
		found = 1;
	}
	if (buf_failed(out))
		return error_setk(err, ERR_INPUT, "%s: TXT record over %zu bytes", name, out->max);
	return found;
}
