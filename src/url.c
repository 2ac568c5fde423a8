/*
 * url - curl_url() behind a plain struct, and a status-only GET.  See url.h.
 */
#include "url.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

/* part - one part of h as our own string (NULL when absent). */
static char *
part(CURLU *h, CURLUPart what, unsigned flags)
{
	char *v = NULL, *copy;

	if (curl_url_get(h, what, &v, flags) != CURLUE_OK || v == NULL)
		return NULL;
	copy = xstrdup(v);
	curl_free(v);
	return copy;
}

int
url_parse(const char *s, struct url *u, struct error *err)
{
	CURLU *h;
	CURLUcode rc;
	char *q;

	memset(u, 0, sizeof(*u));
	if (has_header_breaker(s) || strpbrk(s, " \t") != NULL)
		return error_setk(err, ERR_INPUT, "'%s' is not a URL (white space in it)", s);
	if ((h = curl_url()) == NULL)
		return error_set(err, "out of memory parsing a URL");
	rc = curl_url_set(h, CURLUPART_URL, s, CURLU_NON_SUPPORT_SCHEME);
	if (rc != CURLUE_OK) {
		curl_url_cleanup(h);
		return error_setk(err, ERR_INPUT, "'%s' is not a URL (%s)", s, curl_url_strerror(rc));
	}
	u->scheme = part(h, CURLUPART_SCHEME, 0);
	u->host = part(h, CURLUPART_HOST, 0);
	u->port = part(h, CURLUPART_PORT, 0);
	u->path = part(h, CURLUPART_PATH, CURLU_URLDECODE);
	q = part(h, CURLUPART_QUERY, 0);
	u->has_query = q != NULL;
	free(q);
	q = part(h, CURLUPART_FRAGMENT, 0);
	u->has_query |= q != NULL;
	free(q);
	curl_url_cleanup(h);
	if (u->scheme == NULL || u->host == NULL || *u->host == '\0') {
		url_free(u);
		return error_setk(err, ERR_INPUT, "'%s' is not a URL with a host", s);
	}
	for (char *p = u->scheme; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p + 32);
	if (u->host[0] == '[') {
		size_t n = strlen(u->host);

		memmove(u->host, u->host + 1, n - 1);
		u->host[n - 2] = '\0';
	}
	if (u->path == NULL)
		u->path = xstrdup("/");
	return 0;
}

void
url_free(struct url *u)
{
	free(u->scheme);
	free(u->host);
	free(u->port);
	free(u->path);
	memset(u, 0, sizeof(*u));
}

int
url_is_loopback(const char *host)
{
	struct in_addr a4;
	struct in6_addr a6;

	size_t n = strlen(host);

	if (strcasecmp(host, "localhost") == 0 ||
	    (n > 10 && strcasecmp(host + n - 10, ".localhost") == 0))
		return 1;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, host, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6);
	return 0;
}

/* drop_body - count and drop a response body, stopping past 64 KB. */
static size_t
drop_body(char *data, size_t size, size_t nitems, void *arg)
{
	size_t *seen = arg, n = size * nitems;

	(void)data;
	*seen += n;
	return *seen > 65536 ? 0 : n;
}

int
url_get_status(const char *url, long timeout, long *status, struct error *err)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	size_t seen = 0;
	CURLcode rc;
	CURL *e;

	if ((e = curl_easy_init()) == NULL)
		return error_setk(err, ERR_TEMP, "%s: libcurl cannot start", url);
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, drop_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, &seen);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT, timeout);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "outreach-doctor");
	rc = curl_easy_perform(e);
	if (rc == CURLE_OK)
		curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, status);
	else
		error_setk(err, ERR_TEMP, "%s: %s", url, *errbuf ? errbuf : curl_easy_strerror(rc));
	curl_easy_cleanup(e);
	return rc == CURLE_OK ? 0 : -1;
}
