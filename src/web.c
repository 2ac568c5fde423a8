/*
 * web - the HTTP server: libmicrohttpd with its own thread pool, the request
 * bounds, the security headers (and the ETag and 304 of the public feeds),
 * routing to the pages, and the process around it (`outreach web` and the
 * daemon's worker).  See web.h.
 *
 * A request's first call sets up its state; a POST body is gathered (at
 * most WEB_BODY_MAX bytes: a larger one is answered 413 as soon as it is
 * known) and parsed when complete; then the page handler runs with this
 * thread's own database connection.  A stop first quiesces the listener,
 * lets the requests in progress finish (for at most the grace), then ends.
 */
#define _GNU_SOURCE
#include "web.h"

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>

#include "hash.h"
#include "log.h"
#include "url.h"
#include "web_impl.h"
#include "worker.h"

enum { DRAIN_MS = 8000, WEB_THREADS = 2, WEB_REQUEST_MEMORY = 32 << 10, REQUEST_SECONDS = 30 };

/*
 * What every answer carries: tokens are in URLs, and nothing here may be
 * framed or cached (Cache-Control: no-store, sent apart, is relaxed only for
 * the public feeds, which hold no token).
 */
static const char *const security_headers[][2] = {
	{"Referrer-Policy", "no-referrer"},
	{"X-Content-Type-Options", "nosniff"},
	{"X-Frame-Options", "DENY"},
	{"Content-Security-Policy",
	 "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; "
	 "frame-ancestors 'none'; base-uri 'none'"},
};

/* One request's state, from its first call to its completion. */
struct request_state {
	struct buf body;
	int too_big;
	int64_t started_ms;
};

struct server {
	struct web w;
	struct MHD_Daemon *mhd;
	atomic_int in_progress;
	pthread_key_t store_key;
	char *trusted;             /* [web] trusted_proxies, for the X-Forwarded-For check */
};

static void
close_store(void *p)
{
	store_close(p);
}

/* thread_store - this thread's connection, opened on first use. */
static struct store *
thread_store(struct server *sv, struct error *err)
{
	struct store *st = pthread_getspecific(sv->store_key);

	if (st == NULL) {
		if (store_open(sv->w.cfg->db_path, &st, err) < 0)
			return NULL;
		pthread_setspecific(sv->store_key, st);
	}
	return st;
}

/* luminance - the relative luminance (WCAG 2) of "#rrggbb", in [0, 1]. */
static double
luminance(const char *hex)
{
	double c[3];

	for (int i = 0; i < 3; i++) {
		unsigned v = 0;

		sscanf(hex + 1 + 2 * i, "%2x", &v);
		c[i] = v / 255.0;
		c[i] = c[i] <= 0.03928 ? c[i] / 12.92 : pow((c[i] + 0.055) / 1.055, 2.4);
	}
	return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
}

/*
 * readable_colours - white or dark text on the brand colour, whichever
 * contrasts more; and the brand colour for links on white only when it is
 * dark enough (4.5:1), else a dark blue.
 */
static void
readable_colours(struct web *w)
{
	double l = luminance(w->cfg->brand_color);

	w->on_color = xstrdup((1.05) / (l + 0.05) >= (l + 0.05) / (0.0123 + 0.05) ? "#ffffff"
	                                                                          : "#102a43");
	w->link = xstrdup((1.05) / (l + 0.05) >= 4.5 ? w->cfg->brand_color : "#1d4e89");
}

/* client_ip - the peer, or the address a trusted proxy says it forwarded for. */
static void
client_ip(struct server *sv, struct MHD_Connection *c, char *out, size_t n)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;
	const char *xff;
	char list[1024];

	snprintf(out, n, "?");
	if (sa && sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out, (socklen_t)n);
	else if (sa && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out,
		          (socklen_t)n);
	xff = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Forwarded-For");
	if (*sv->trusted == '\0' || xff == NULL)
		return;
	snprintf(list, sizeof(list), "%s", xff);
	/* From the right: each hop we trust vouches for the one before it. */
	for (;;) {
		char padded[80], *comma = strrchr(list, ','), *hop = comma ? comma + 1 : list;
		unsigned char bin[16];
		size_t len;

		snprintf(padded, sizeof(padded), " %s ", out);
		if (strstr(sv->trusted, padded) == NULL)
			return;
		hop += strspn(hop, " \t");
		len = strcspn(hop, " \t");
		hop[len] = '\0';
		if (inet_pton(AF_INET, hop, bin) != 1 && inet_pton(AF_INET6, hop, bin) != 1)
			return;
		snprintf(out, n, "%s", hop);
		if (comma == NULL)
			return;
		*comma = '\0';
	}
}

/*
 * etag_matches - whether If-None-Match names tag (a quoted strong tag; a
 * weak W/ form of it matches too, as RFC 9110 has If-None-Match compare).
 */
static int
etag_matches(const char *inm, const char *tag)
{
	size_t n = strlen(tag);

	if (inm == NULL)
		return 0;
	inm += strspn(inm, " \t");
	if (strcmp(inm, "*") == 0)
		return 1;
	for (const char *p = inm; (p = strstr(p, tag)) != NULL; p += n)
		if (p[n] == '\0' || p[n] == ',' || p[n] == ' ' || p[n] == '\t')
			return 1;
	return 0;
}

static enum MHD_Result
send_response(struct MHD_Connection *c, struct web_response *rs)
{
	struct MHD_Response *r;
	enum MHD_Result ok;
	size_t len;
	char *body, tag[HASH_HEX_LEN + 3] = "";

	if (rs->etag && rs->status == 200) {
		char hex[HASH_HEX_LEN + 1];

		hash_sha256_hex(rs->body.data ? rs->body.data : "", rs->body.len, hex);
		snprintf(tag, sizeof(tag), "\"%.32s\"", hex);
		/* libmicrohttpd sends a 304 without the body, but with its length (RFC 9110). */
		if (etag_matches(MHD_lookup_connection_value(c, MHD_HEADER_KIND, "If-None-Match"),
		                 tag))
			rs->status = 304;
	}
	len = rs->body.len;
	body = buf_steal(&rs->body);
	r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (r == NULL) {
		free(body);
		return MHD_NO;
	}
	for (size_t i = 0; i < sizeof(security_headers) / sizeof(security_headers[0]); i++)
		MHD_add_response_header(r, security_headers[i][0], security_headers[i][1]);
	MHD_add_response_header(r, "Cache-Control", rs->cache ? rs->cache : "no-store");
	if (*tag)
		MHD_add_response_header(r, "ETag", tag);
	MHD_add_response_header(r, "Content-Type",
	                        rs->content_type ? rs->content_type : "text/html; charset=utf-8");
	if (rs->disposition)
		MHD_add_response_header(r, "Content-Disposition", rs->disposition);
	if (rs->allow)
		MHD_add_response_header(r, "Allow", rs->allow);
	ok = MHD_queue_response(c, (unsigned)rs->status, r);
	MHD_destroy_response(r);
	return ok;
}

static int
method_of(const char *m)
{
	if (strcmp(m, "GET") == 0)
		return WEB_GET;
	if (strcmp(m, "HEAD") == 0)
		return WEB_HEAD;
	if (strcmp(m, "POST") == 0)
		return WEB_POST;
	return WEB_OTHER;
}

/* parse_body - the POST's form, by its Content-Type; 400 on anything malformed. */
static int
parse_body(struct MHD_Connection *c, struct request_state *rs, struct web_form *form,
           struct error *err)
{
	const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
	const char *body = rs->body.data ? rs->body.data : "";

	memset(form, 0, sizeof(*form));
	if (ct && strncasecmp(ct, "multipart/form-data", 19) == 0)
		return web_form_multipart(ct, body, rs->body.len, form, err);
	if (ct == NULL || strncasecmp(ct, "application/x-www-form-urlencoded", 33) == 0)
		return web_form_urlencoded(body, rs->body.len, form, err);
	return error_setk(err, ERR_INPUT, "a form must be sent as "
	                  "application/x-www-form-urlencoded or multipart/form-data");
}

static void
health(struct server *sv, struct web_request *rq, struct web_response *rs)
{
	(void)sv;
	rs->content_type = "text/plain; charset=utf-8";
	if (rq->method != WEB_GET && rq->method != WEB_HEAD) {
		web_method_not_allowed(rq->w, rs, "GET, HEAD");
		return;
	}
	if (rq->st == NULL || store_schema_version(rq->st) < 0) {
		rs->status = 503;
		buf_adds(&rs->body, "database unavailable\n");
		return;
	}
	rs->status = 200;
	buf_adds(&rs->body, "ok\n");
}

/* dispatch - the page for a complete request. */
static void
dispatch(struct server *sv, struct MHD_Connection *c, const char *url, int method,
         struct request_state *state, struct web_response *rs)
{
	struct web_request rq;
	struct error err = ERROR_INIT;
	int page;

	memset(&rq, 0, sizeof(rq));
	rq.w = &sv->w;
	rq.method = method;
	rq.path = url;
	rq.origin = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin");
	/* Forms post back to the public address, whatever prefix a proxy strips. */
	rq.action = xasprintf("%s%s", sv->w.base_url, url);
	client_ip(sv, c, rq.ip, sizeof(rq.ip));
	page = web_route(url, rq.arg);
	rq.st = thread_store(sv, &err);
	if (page == PAGE_HEALTH) {
		health(sv, &rq, rs);
		goto out;
	}
	if (page == PAGE_NONE) {
		web_page_error(&sv->w, rs, 404, "Not found", "There is no page at this address.");
		goto out;
	}
	/* The feeds only read: a POST is as wrong there as any other method. */
	if ((page == PAGE_EVENTS_ICS || page == PAGE_OPPORTUNITIES ||
	     page == PAGE_OPPORTUNITIES_ATOM || page == PAGE_REPORT) && method != WEB_GET &&
	    method != WEB_HEAD) {
		web_method_not_allowed(&sv->w, rs, "GET, HEAD");
		goto out;
	}
	if (method == WEB_OTHER) {
		web_method_not_allowed(&sv->w, rs, "GET, HEAD, POST");
		goto out;
	}
	if (rq.st == NULL) {
		log_error("web", "%s", error_msg(&err));
		web_page_fail(&sv->w, rs, &err);
		goto out;
	}
	if (method == WEB_POST && parse_body(c, state, &rq.form, &err) < 0) {
		web_page_error(&sv->w, rs, 400, "That form could not be read", error_msg(&err));
		goto out;
	}
	switch (page) {
	case PAGE_UNSUBSCRIBE:
		web_unsubscribe(&rq, rs);
		break;
	case PAGE_PREFERENCES:
		web_preferences(&rq, rs);
		break;
	case PAGE_CONFIRM:
		web_confirm(&rq, rs);
		break;
	case PAGE_SIGNUP:
		web_signup(&rq, rs);
		break;
	case PAGE_EXPORT:
		web_export(&rq, rs);
		break;
	case PAGE_ERASE:
		web_erase(&rq, rs);
		break;
	case PAGE_EVENTS_ICS:
		web_events_ics(&rq, rs);
		break;
	case PAGE_OPPORTUNITIES:
		web_opportunities(&rq, rs);
		break;
	case PAGE_OPPORTUNITIES_ATOM:
		web_opportunities_atom(&rq, rs);
		break;
	case PAGE_REPORT:
		web_report(&rq, rs);
		break;
	}
out:
	log_debug("web", "%s %s %s -> %d", rq.ip,
	          method == WEB_POST ? "POST" : method == WEB_HEAD ? "HEAD" : "GET", url, rs->status);
	web_form_free(&rq.form);
	free(rq.action);
	error_clear(&err);
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
           const char *version, const char *upload_data, size_t *upload_data_size,
           void **con_cls)
{
	struct server *sv = cls;
	struct request_state *state = *con_cls;
	struct web_response rs;
	enum MHD_Result ok;
	int m = method_of(method);

	(void)version;
	if (state == NULL) {
		const char *len = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
		long long n;
		const char *why;

		state = xcalloc(1, sizeof(*state));
		buf_init(&state->body, WEB_BODY_MAX);
		state->started_ms = now_mono_ms();
		*con_cls = state;
		atomic_fetch_add(&sv->in_progress, 1);
		/* A body announced too large is refused before a byte of it is read. */
		if (len && (parse_int(len, 0, WEB_BODY_MAX, &n, &why) < 0))
			state->too_big = 1;
		if (!state->too_big || m != WEB_POST)
			return MHD_YES;
	}
	if (*upload_data_size > 0) {
		/* A slow client is cut off, whatever it keeps sending. */
		if (now_mono_ms() - state->started_ms > REQUEST_SECONDS * 1000)
			return MHD_NO;
		/* Past the limit the rest is read and dropped, so the 413 can be sent whole. */
		if (!state->too_big && buf_add(&state->body, upload_data, *upload_data_size) != BUF_OK)
			state->too_big = 1;
		*upload_data_size = 0;
		return MHD_YES;
	}
	memset(&rs, 0, sizeof(rs));
	buf_init(&rs.body, 4 << 20);
	if (state->too_big)
		web_page_error(&sv->w, &rs, 413, "Too much",
		               "That request is larger than any form on this site sends.");
	else
		dispatch(sv, c, url, m, state, &rs);
	ok = send_response(c, &rs);
	buf_free(&rs.body);
	free(rs.disposition);
	return ok;
}

static void
on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
             enum MHD_RequestTerminationCode why)
{
	struct server *sv = cls;
	struct request_state *state = *con_cls;

	(void)c;
	(void)why;
	if (state == NULL)
		return;
	buf_free(&state->body);
	free(state);
	*con_cls = NULL;
	atomic_fetch_sub(&sv->in_progress, 1);
}

static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
	char line[512];
	size_t n;

	(void)cls;
	vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	while (n > 0 && line[n - 1] == '\n')
		line[--n] = '\0';
	log_warn("web", "%s", line);
}

/* listen_address - [web] listen as a socket address. */
static int
listen_address(const char *listen, struct sockaddr_storage *ss, int *v6, struct error *err)
{
	const char *colon = strrchr(listen, ':');
	char host[256];
	long long port;
	const char *why;
	size_t hn;

	memset(ss, 0, sizeof(*ss));
	if (colon == NULL || parse_int(colon + 1, 1, 65535, &port, &why) < 0)
		return error_setk(err, ERR_INPUT, "[web] listen '%s': use HOST:PORT", listen);
	hn = (size_t)(colon - listen);
	if (hn >= 2 && listen[0] == '[' && listen[hn - 1] == ']') {
		listen++;
		hn -= 2;
	}
	if (hn == 0 || hn >= sizeof(host))
		return error_setk(err, ERR_INPUT, "[web] listen '%s': use HOST:PORT", listen);
	memcpy(host, listen, hn);
	host[hn] = '\0';
	*v6 = strchr(host, ':') != NULL;
	if (*v6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;

		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)port);
		if (inet_pton(AF_INET6, host, &a->sin6_addr) != 1)
			return error_setk(err, ERR_INPUT, "[web] listen: '%s' is not an address", host);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;

		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)port);
		if (strcmp(host, "localhost") == 0)
			snprintf(host, sizeof(host), "127.0.0.1");
		if (inet_pton(AF_INET, host, &a->sin_addr) != 1)
			return error_setk(err, ERR_INPUT, "[web] listen: '%s' is not an IP address "
			                  "(a name is not resolved here)", host);
	}
	return 0;
}

static void
server_free(struct server *sv)
{
	if (sv == NULL)
		return;
	if (sv->mhd)
		MHD_stop_daemon(sv->mhd);
	web_templates_free(sv->w.tpl);
	web_rate_free(sv->w.rate);
	explicit_bzero(sv->w.key, sizeof(sv->w.key));
	free(sv->w.base_url);
	free(sv->w.origin);
	free(sv->w.on_color);
	free(sv->w.link);
	free(sv->trusted);
	pthread_mutex_destroy(&sv->w.write_lock);
	pthread_key_delete(sv->store_key);
	free(sv);
}

static int
server_start(const struct config *cfg, struct server **out, struct error *err)
{
	struct server *sv = xcalloc(1, sizeof(*sv));
	struct sockaddr_storage ss;
	struct url u;
	size_t n;
	int v6 = 0;

	sv->w.cfg = cfg;
	pthread_mutex_init(&sv->w.write_lock, NULL);
	pthread_key_create(&sv->store_key, close_store);
	sv->trusted = xasprintf(" %s ", cfg->trusted_proxies);
	for (char *p = sv->trusted; *p; p++)
		if (*p == ',' || *p == '\t')
			*p = ' ';
	if (listen_address(cfg->web_listen, &ss, &v6, err) < 0 ||
	    secret_load(cfg->secret_file, sv->w.key, err) < 0 ||
	    config_templates_error(cfg, err) < 0 ||
	    web_templates_load(cfg->templates_dir, &sv->w.tpl, err) < 0 ||
	    url_parse(cfg->web_base_url, &u, err) < 0)
		goto fail;
	sv->w.base_url = xstrdup(cfg->web_base_url);
	n = strlen(sv->w.base_url);
	while (n > 0 && sv->w.base_url[n - 1] == '/')
		sv->w.base_url[--n] = '\0';
	sv->w.origin = u.port ? xasprintf("%s://%s:%s", u.scheme, u.host, u.port)
	                      : xasprintf("%s://%s", u.scheme, u.host);
	url_free(&u);
	readable_colours(&sv->w);
	sv->w.rate = web_rate_new();
	sv->mhd = MHD_start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC | MHD_USE_ERROR_LOG |
		(v6 ? MHD_USE_IPv6 : 0), 0, NULL, NULL, on_request, sv,
		MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
		MHD_OPTION_THREAD_POOL_SIZE, (unsigned)WEB_THREADS,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)cfg->web_connections,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)cfg->web_timeout,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)WEB_REQUEST_MEMORY,
		MHD_OPTION_LISTENING_ADDRESS_REUSE, 1U,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, sv,
		MHD_OPTION_END);
	if (sv->mhd == NULL) {
		error_setk(err, ERR_IO, "web: cannot listen on %s: %s", cfg->web_listen,
		           errno ? strerror(errno) : "libmicrohttpd refused to start");
		goto fail;
	}
	*out = sv;
	return 0;
fail:
	server_free(sv);
	return -1;
}

/* server_drain - stop taking connections, let the requests in progress finish, stop. */
static void
server_drain(struct server *sv)
{
	int64_t deadline = now_mono_ms() + DRAIN_MS;
	MHD_socket ls = MHD_quiesce_daemon(sv->mhd);

	if (ls != MHD_INVALID_SOCKET)
		close(ls);
	while (atomic_load(&sv->in_progress) > 0 && now_mono_ms() < deadline) {
		struct timespec ts = {0, 20 * 1000000};

		nanosleep(&ts, NULL);
	}
	if (atomic_load(&sv->in_progress) > 0)
		log_warn("web", "%d requests still in progress at stop", atomic_load(&sv->in_progress));
	server_free(sv);
}

int
web_wanted(const struct config *cfg)
{
	return strcmp(cfg->web_listen, "off") != 0;
}

const char *
web_base_url_warning(const struct config *cfg)
{
	struct url u;
	const char *why = NULL;

	if (strncmp(cfg->transport_url, "maildir:", 8) == 0)
		return NULL;
	if (url_parse(cfg->web_base_url, &u, NULL) < 0)
		return "[web] base_url is not a URL";
	if (url_is_loopback(u.host))
		why = "[web] base_url points at this machine (loopback): the unsubscribe and "
		      "preference links in real mail will not work; set it to the https address "
		      "of your reverse proxy";
	else if (strcmp(u.scheme, "https") != 0)
		why = "[web] base_url is not https: the signed links in real mail would travel in "
		      "clear, and mailbox providers expect https for one-click unsubscribe";
	url_free(&u);
	return why;
}

/* serve - run a server for cfg until a signal on sfd says stop (0) or reload (1). */
static int
serve(const struct config *cfg, int sfd, struct error *err)
{
	struct server *sv;

	if (server_start(cfg, &sv, err) < 0)
		return -1;
	log_info("web", "listening on %s for %s", cfg->web_listen, cfg->web_base_url);
	for (;;) {
		struct signalfd_siginfo si;
		struct pollfd p = {sfd, POLLIN, 0};

		if (poll(&p, 1, -1) < 0 && errno != EINTR)
			break;
		if (read(sfd, &si, sizeof(si)) != (ssize_t)sizeof(si))
			continue;
		log_info("web", "%s: finishing %d requests in progress",
		         si.ssi_signo == SIGHUP ? "reloading" : "stopping",
		         atomic_load(&sv->in_progress));
		server_drain(sv);
		return si.ssi_signo == SIGHUP;
	}
	server_drain(sv);
	return 0;
}

int
web_worker(const struct config *cfg)
{
	struct error err = ERROR_INIT;
	sigset_t mask;
	int sfd, rc;

	if ((sfd = worker_signals(&mask)) < 0) {
		log_error("web", "signalfd: %s", strerror(errno));
		return 1;
	}
	/* The supervisor restarts every worker on a reload: a signal here ends the worker. */
	rc = serve(cfg, sfd, &err);
	close(sfd);
	if (rc < 0) {
		log_error("web", "%s", error_msg(&err));
		error_clear(&err);
		return 1;
	}
	log_info("web", "worker stopped");
	return 0;
}

int
web_run(const char *config_path, struct config *cfg, struct error *err)
{
	sigset_t mask;
	int sfd, rc;

	if ((sfd = worker_signals(&mask)) < 0)
		return error_setk(err, ERR_IO, "signalfd: %s", strerror(errno));
	while ((rc = serve(cfg, sfd, err)) == 1) {
		struct config next;
		struct error e = ERROR_INIT;

		config_defaults(&next);
		if (config_path && config_load(&next, config_path, &e) < 0) {
			log_warn("web", "reload: %s; keeping the running configuration", error_msg(&e));
			error_clear(&e);
			config_free(&next);
			continue;
		}
		config_free(cfg);
		*cfg = next;
		log_info("web", "reloaded %s", config_path ? config_path : "built-in defaults");
	}
	close(sfd);
	return rc < 0 ? -1 : 0;
}
