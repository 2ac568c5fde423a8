/*
 * url - URLs from the configuration, taken apart by libcurl's URL parser
 * (curl_url) rather than by hand: scheme, host, port and path; and one GET
 * of a URL for its status (outreach doctor's look at the web side).
 */
#ifndef OUTREACH_URL_H
#define OUTREACH_URL_H

#include "util.h"

struct url {
	char *scheme;              /* lower case: "https", "imap", ... */
	char *host;                /* without brackets for IPv6 */
	char *port;                /* as written, or NULL when the URL gives none */
	char *path;                /* "/" when the URL gives none; percent-decoded */
	int has_query;             /* a '?' query or '#' fragment was given */
};

/*
 * url_parse - s as an absolute URL with a host.  -1 (ERR_INPUT) with the
 * reason when it is not one; *u is always initialised (url_free is safe).
 */
int url_parse(const char *s, struct url *u, struct error *err);
void url_free(struct url *u);
/*
 * url_get_status - GET url (http or https, certificates verified, no
 * redirects followed, the body read up to 64 KB and dropped) within
 * timeout seconds: 0 with the HTTP status in *status, or -1 (ERR_TEMP)
 * with why it could not be fetched.
 */
int url_get_status(const char *url, long timeout, long *status, struct error *err);
/* url_is_loopback - whether host is localhost or an address in 127.0.0.0/8 or ::1. */
int url_is_loopback(const char *host);

#endif
