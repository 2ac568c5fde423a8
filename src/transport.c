/*
 * transport - SMTP through the libcurl multi interface, and the Maildir
 * transport.  libcurl lives only here.
 *
 * Each slot is one easy handle; a finished handle is refilled with the next
 * message and re-added, so connections in the multi's cache are reused.
 * CURLMOPT_MAX_HOST_CONNECTIONS bounds the connections to max_connections.
 * The server's last reply line is caught through the debug callback, and the
 * last command sent tells a refused recipient (RCPT) from a refused message.
 */
#define _DEFAULT_SOURCE
#include "transport.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "buf.h"
#include "log.h"
#include "maildir.h"

enum { REPLY_MAX = 512 };

struct slot {
	CURL *easy;
	int busy;
	void *ctx;
	char *data;                /* the message, owned */
	size_t len, off;
	struct curl_slist *rcpt;
	char *from;
	char reply[REPLY_MAX];     /* last reply line from the server */
	char last_cmd[16];         /* "RCPT", "DATA", "MAIL", ... */
	char err_reply[REPLY_MAX]; /* the first 4xx/5xx reply, which QUIT's 221 must not hide */
	char err_cmd[16];          /* the command it answered */
	char errbuf[CURL_ERROR_SIZE];
	long sent_on_conn;
};

struct transport {
	int is_maildir;
	char *maildir;
	/* Maildir: results are reported at the next poll. */
	struct transport_result *pending;
	char **pending_replies;
	int n_pending, cap_pending;

	CURLM *multi;
	struct slot *slots;
	int nslots, busy;
	char *url, *username, *password;
	int starttls;
	long timeout;
	long per_connection;
};

static int curl_initialised;

int
transport_is_throttle_reply(int code, const char *text)
{
	static const char *const phrases[] = {"too many", "rate limit", "throttl", "slow down",
	                                      "try again later", "temporarily deferred"};

	if (code == 421)
		return 1;
	if (code != 450 && code != 451 && code != 452 && code != 454)
		return 0;
	for (size_t i = 0; text && i < sizeof(phrases) / sizeof(phrases[0]); i++) {
		const char *p = text;
		size_t n = strlen(phrases[i]);

		for (; *p; p++)
			if (strncasecmp(p, phrases[i], n) == 0)
				return 1;
	}
	return 0;
}

static size_t
read_cb(char *buf, size_t size, size_t nitems, void *arg)
{
	struct slot *s = arg;
	size_t n = size * nitems;

	if (n > s->len - s->off)
		n = s->len - s->off;
	memcpy(buf, s->data + s->off, n);
	s->off += n;
	return n;
}

static int
debug_cb(CURL *easy, curl_infotype type, char *data, size_t size, void *arg)
{
	struct slot *s = arg;
	size_t n;

	(void)easy;
	if (type == CURLINFO_HEADER_IN) {
		n = size < REPLY_MAX - 1 ? size : REPLY_MAX - 1;
		while (n > 0 && (data[n - 1] == '\r' || data[n - 1] == '\n'))
			n--;
		if (n > 0) {
			memcpy(s->reply, data, n);
			s->reply[n] = '\0';
			if ((data[0] == '4' || data[0] == '5') && s->err_reply[0] == '\0') {
				memcpy(s->err_reply, s->reply, n + 1);
				memcpy(s->err_cmd, s->last_cmd, sizeof(s->err_cmd));
			}
		}
	} else if (type == CURLINFO_HEADER_OUT) {
		n = strcspn(data, " :\r\n");
		if (n > sizeof(s->last_cmd) - 1)
			n = sizeof(s->last_cmd) - 1;
		if (n > size)
			n = size;
		memcpy(s->last_cmd, data, n);
		s->last_cmd[n] = '\0';
	}
	return 0;
}

static int
smtp_open(struct transport *t, const struct config *cfg, struct error *err)
{
	const char *helo = *cfg->helo_name ? cfg->helo_name : cfg->sender_domain;
	const char *url = cfg->transport_url;
	size_t n = strlen(url);

	if (!curl_initialised) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
			return error_set(err, "transport: libcurl cannot start");
		curl_initialised = 1;
	}
	/* libcurl takes the EHLO name from the URL's path. */
	while (n > 0 && url[n - 1] == '/')
		n--;
	t->url = xasprintf("%.*s/%s", (int)n, url, helo);
	t->starttls = cfg->starttls;
	t->timeout = (long)cfg->smtp_timeout;
	t->per_connection = (long)cfg->messages_per_connection;
	if (*cfg->smtp_username) {
		t->username = xstrdup(cfg->smtp_username);
		if (*cfg->smtp_password_file &&
		    config_read_secret_file(cfg->smtp_password_file, &t->password, err) < 0)
			return error_prefix(err, "transport: [transport] password_file");
	}
	t->multi = curl_multi_init();
	if (t->multi == NULL)
		return error_set(err, "transport: curl_multi_init failed");
	t->nslots = (int)cfg->max_connections;
	curl_multi_setopt(t->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)t->nslots);
	curl_multi_setopt(t->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)t->nslots);
	curl_multi_setopt(t->multi, CURLMOPT_MAXCONNECTS, (long)t->nslots);
	t->slots = xcalloc((size_t)t->nslots, sizeof(*t->slots));
	for (int i = 0; i < t->nslots; i++) {
		struct slot *s = &t->slots[i];
		CURL *e = curl_easy_init();

		if (e == NULL)
			return error_set(err, "transport: curl_easy_init failed");
		s->easy = e;
		curl_easy_setopt(e, CURLOPT_URL, t->url);
		curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(e, CURLOPT_READFUNCTION, read_cb);
		curl_easy_setopt(e, CURLOPT_READDATA, s);
		curl_easy_setopt(e, CURLOPT_DEBUGFUNCTION, debug_cb);
		curl_easy_setopt(e, CURLOPT_DEBUGDATA, s);
		curl_easy_setopt(e, CURLOPT_VERBOSE, 1L);
		curl_easy_setopt(e, CURLOPT_ERRORBUFFER, s->errbuf);
		curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(e, CURLOPT_TIMEOUT, t->timeout);
		curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, t->timeout < 30 ? t->timeout : 30L);
		curl_easy_setopt(e, CURLOPT_PRIVATE, s);
		if (strncmp(url, "smtp://", 7) == 0)
			curl_easy_setopt(e, CURLOPT_USE_SSL,
			                 t->starttls == STARTTLS_REQUIRED ? (long)CURLUSESSL_ALL :
			                 t->starttls == STARTTLS_OPPORTUNISTIC ? (long)CURLUSESSL_TRY :
			                                                        (long)CURLUSESSL_NONE);
		if (t->username) {
			curl_easy_setopt(e, CURLOPT_USERNAME, t->username);
			curl_easy_setopt(e, CURLOPT_PASSWORD, t->password ? t->password : "");
		}
	}
	return 0;
}

int
transport_open(const struct config *cfg, struct transport **out, struct error *err)
{
	struct transport *t = xcalloc(1, sizeof(*t));
	const char *url = cfg->transport_url;

	if (strncmp(url, "maildir:", 8) == 0) {
		t->is_maildir = 1;
		t->maildir = xstrdup(url + 8);
		if (maildir_create(t->maildir, err) < 0)
			goto fail;
	} else if (strncmp(url, "smtp://", 7) == 0 || strncmp(url, "smtps://", 8) == 0) {
		if (smtp_open(t, cfg, err) < 0)
			goto fail;
	} else {
		error_set(err, "[transport] url '%s': use maildir:PATH, smtp://HOST:PORT or "
		          "smtps://HOST:PORT", url);
		goto fail;
	}
	*out = t;
	return 0;
fail:
	transport_close(t);
	return -1;
}

void
transport_close(struct transport *t)
{
	if (t == NULL)
		return;
	for (int i = 0; i < t->nslots; i++) {
		struct slot *s = &t->slots[i];

		if (s->busy)
			curl_multi_remove_handle(t->multi, s->easy);
		curl_easy_cleanup(s->easy);
		curl_slist_free_all(s->rcpt);
		free(s->data);
		free(s->from);
	}
	free(t->slots);
	if (t->multi)
		curl_multi_cleanup(t->multi);
	for (int i = 0; i < t->n_pending; i++)
		free(t->pending_replies[i]);
	free(t->pending);
	free(t->pending_replies);
	free(t->maildir);
	free(t->url);
	free(t->username);
	if (t->password)
		explicit_bzero(t->password, strlen(t->password));
	free(t->password);
	free(t);
}

int
transport_capacity(const struct transport *t)
{
	if (t->is_maildir)
		return 64 - t->n_pending;
	return t->nslots - t->busy;
}

int
transport_in_flight(const struct transport *t)
{
	return t->is_maildir ? t->n_pending : t->busy;
}

static void
maildir_submit(struct transport *t, void *ctx, const char *from, const char *msg, size_t len)
{
	struct error err = ERROR_INIT;
	struct transport_result r = {ctx, TRANSPORT_SENT, 250, NULL};
	char *name = NULL;

	if (t->n_pending == t->cap_pending) {
		t->cap_pending = t->cap_pending ? t->cap_pending * 2 : 64;
		t->pending = xrealloc(t->pending, (size_t)t->cap_pending * sizeof(*t->pending));
		t->pending_replies = xrealloc(t->pending_replies,
		                              (size_t)t->cap_pending * sizeof(char *));
	}
	if (maildir_deliver(t->maildir, from, msg, len, &name, &err) < 0) {
		r.outcome = TRANSPORT_DEFERRED;
		r.code = 0;
		t->pending_replies[t->n_pending] = xstrdup(error_msg(&err));
	} else
		t->pending_replies[t->n_pending] = xasprintf("delivered to %s/new/%s", t->maildir,
		                                             name);
	free(name);
	error_clear(&err);
	t->pending[t->n_pending++] = r;
}

int
transport_submit(struct transport *t, void *ctx, const char *envelope_from, const char *rcpt,
                 const char *msg, size_t len, struct error *err)
{
	struct slot *s = NULL;
	CURLMcode mc;

	if (t->is_maildir) {
		maildir_submit(t, ctx, envelope_from, msg, len);
		return 0;
	}
	for (int i = 0; i < t->nslots; i++)
		if (!t->slots[i].busy) {
			s = &t->slots[i];
			break;
		}
	if (s == NULL)
		return error_set(err, "transport: no free connection");
	free(s->data);
	free(s->from);
	curl_slist_free_all(s->rcpt);
	s->data = xmalloc(len ? len : 1);
	memcpy(s->data, msg, len);
	s->len = len;
	s->off = 0;
	s->ctx = ctx;
	s->from = xasprintf("<%s>", envelope_from);
	s->rcpt = curl_slist_append(NULL, rcpt);
	s->reply[0] = s->last_cmd[0] = s->errbuf[0] = '\0';
	s->err_reply[0] = s->err_cmd[0] = '\0';
	curl_easy_setopt(s->easy, CURLOPT_MAIL_FROM, s->from);
	curl_easy_setopt(s->easy, CURLOPT_MAIL_RCPT, s->rcpt);
	curl_easy_setopt(s->easy, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
	/* Renew the connection after messages_per_connection messages. */
	curl_easy_setopt(s->easy, CURLOPT_FRESH_CONNECT,
	                 (long)(++s->sent_on_conn >= t->per_connection));
	if (s->sent_on_conn >= t->per_connection)
		s->sent_on_conn = 0;
	mc = curl_multi_add_handle(t->multi, s->easy);
	if (mc != CURLM_OK)
		return error_set(err, "transport: %s", curl_multi_strerror(mc));
	s->busy = 1;
	t->busy++;
	return 0;
}

/* classify - turn curl's result and the last reply into an outcome. */
static void
classify(struct slot *s, CURLcode rc, struct transport_result *r, struct buf *why)
{
	long code = 0;

	curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &code);
	r->code = (int)code;
	if (rc == CURLE_OK) {
		r->outcome = TRANSPORT_SENT;
		buf_adds(why, s->reply[0] ? s->reply : "250 accepted");
		return;
	}
	if (s->err_reply[0]) {
		const char *e = s->err_reply;

		/* The code of the refusal, not of whatever followed it. */
		code = (e[0] - '0') * 100 + (e[1] - '0') * 10 + (e[2] - '0');
		if (code < 400 || code > 599)
			code = 0;
		r->code = (int)code;
		buf_adds(why, e);
	} else if (code >= 400 && s->reply[0])
		buf_adds(why, s->reply);
	else
		buf_addf(why, "%s%s%s", curl_easy_strerror(rc), s->errbuf[0] ? ": " : "",
		         s->errbuf);
	if (rc == CURLE_USE_SSL_FAILED)
		buf_adds(why, " (STARTTLS required by [transport] starttls)");
	if (code >= 500 && code < 600)
		r->outcome = strcmp(s->err_reply[0] ? s->err_cmd : s->last_cmd, "RCPT") == 0 ?
		             TRANSPORT_REJECTED : TRANSPORT_FAILED;
	else if (transport_is_throttle_reply((int)code, s->err_reply[0] ? s->err_reply : s->reply))
		r->outcome = TRANSPORT_THROTTLED;
	else
		r->outcome = TRANSPORT_DEFERRED;
}

int
transport_poll(struct transport *t, int timeout_ms, int extra_fd, transport_done_fn done,
               void *arg, struct error *err)
{
	struct curl_waitfd extra = {extra_fd, CURL_WAIT_POLLIN, 0};
	struct buf why;
	CURLMsg *m;
	int running, left;

	if (t->is_maildir) {
		int n = t->n_pending;

		if (n == 0 && timeout_ms > 0) {
			struct pollfd p = {extra_fd, POLLIN, 0};

			poll(&p, extra_fd >= 0 ? 1 : 0, timeout_ms);
		}
		for (int i = 0; i < n; i++) {
			t->pending[i].reply = t->pending_replies[i];
			done(&t->pending[i], arg);
			free(t->pending_replies[i]);
		}
		t->n_pending = 0;
		return 0;
	}
	if (curl_multi_poll(t->multi, extra_fd >= 0 ? &extra : NULL, extra_fd >= 0 ? 1 : 0,
	                    timeout_ms, NULL) != CURLM_OK ||
	    curl_multi_perform(t->multi, &running) != CURLM_OK)
		return error_set(err, "transport: curl multi failed");
	buf_init(&why, REPLY_MAX + CURL_ERROR_SIZE + 128);
	while ((m = curl_multi_info_read(t->multi, &left)) != NULL) {
		struct transport_result r;
		struct slot *s = NULL;

		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&s);
		buf_reset(&why);
		r.ctx = s->ctx;
		classify(s, m->data.result, &r, &why);
		r.reply = buf_cstr(&why);
		curl_multi_remove_handle(t->multi, s->easy);
		s->busy = 0;
		t->busy--;
		done(&r, arg);
	}
	buf_free(&why);
	return 0;
}
