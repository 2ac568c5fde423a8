/*
 * transport_smtp - SMTP (smtp:// with STARTTLS, smtps://) through libcurl's
 * multi interface; libcurl lives only here and in url.c.
 *
 * Each slot is one easy handle; a finished handle is refilled with the next
 * message and re-added, so connections in the multi's cache are reused.
 * CURLMOPT_MAX_HOST_CONNECTIONS bounds the connections to max_connections.
 * The server's replies and our commands are watched through the debug
 * callback, so the outcome can be read from the exchange itself
 * (transport_classify): which command was refused, and with what.
 */
#define _DEFAULT_SOURCE
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "buf.h"
#include "transport_impl.h"

enum { REPLY_MAX = 512, CMD_MAX = 16 };

struct slot {
	CURL *easy;
	int busy;
	void *ctx;
	char *data;                /* the message, owned */
	size_t len, off;
	struct curl_slist *rcpt;
	char *from;
	char reply[REPLY_MAX];     /* last reply line from the server */
	char last_cmd[CMD_MAX];    /* "RCPT", "DATA", "MAIL", ... */
	char err_reply[REPLY_MAX]; /* the first 4xx/5xx reply, which QUIT's 221 must not hide */
	char err_cmd[CMD_MAX];     /* the command it answered */
	char errbuf[CURL_ERROR_SIZE];
	long sent_on_conn;
};

struct smtp_transport {
	CURLM *multi;
	struct slot *slots;
	int nslots, busy;
	char *url, *username, *password;
	int starttls;
	long timeout;
	long per_connection;
};

static int curl_initialised;

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

/* copy_line - data[0..size) (not NUL-terminated) without its line end, into out[0..max). */
static size_t
copy_line(char *out, size_t max, const char *data, size_t size)
{
	size_t n = size < max - 1 ? size : max - 1;

	while (n > 0 && (data[n - 1] == '\r' || data[n - 1] == '\n'))
		n--;
	memcpy(out, data, n);
	out[n] = '\0';
	return n;
}

static int
debug_cb(CURL *easy, curl_infotype type, char *data, size_t size, void *arg)
{
	struct slot *s = arg;
	size_t n;

	(void)easy;
	if (type == CURLINFO_HEADER_IN) {
		if (copy_line(s->reply, sizeof(s->reply), data, size) > 0 &&
		    (data[0] == '4' || data[0] == '5') && s->err_reply[0] == '\0') {
			memcpy(s->err_reply, s->reply, sizeof(s->reply));
			memcpy(s->err_cmd, s->last_cmd, sizeof(s->err_cmd));
		}
	} else if (type == CURLINFO_HEADER_OUT) {
		/* The command word; curl's data is not NUL-terminated, so the scan stops at size. */
		for (n = 0; n < size && n < CMD_MAX - 1; n++)
			if (data[n] == ' ' || data[n] == ':' || data[n] == '\r' || data[n] == '\n')
				break;
		memcpy(s->last_cmd, data, n);
		s->last_cmd[n] = '\0';
	}
	return 0;
}

static void
smtp_close(void *state)
{
	struct smtp_transport *t = state;

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
	free(t->url);
	free(t->username);
	if (t->password)
		explicit_bzero(t->password, strlen(t->password));
	free(t->password);
	free(t);
}

static int
smtp_open(const struct config *cfg, void **state, struct error *err)
{
	struct smtp_transport *t = xcalloc(1, sizeof(*t));
	const char *helo = *cfg->helo_name ? cfg->helo_name : cfg->sender_domain;
	const char *url = cfg->transport_url;
	size_t n = strlen(url);

	if (!curl_initialised) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
			free(t);
			return error_set(err, "transport: libcurl cannot start");
		}
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
		    config_read_secret_file(cfg->smtp_password_file, &t->password, err) < 0) {
			error_prefix(err, "transport: [transport] password_file");
			goto fail;
		}
	}
	t->multi = curl_multi_init();
	if (t->multi == NULL) {
		error_set(err, "transport: curl_multi_init failed");
		goto fail;
	}
	t->nslots = (int)cfg->max_connections;
	curl_multi_setopt(t->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)t->nslots);
	curl_multi_setopt(t->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)t->nslots);
	curl_multi_setopt(t->multi, CURLMOPT_MAXCONNECTS, (long)t->nslots);
	t->slots = xcalloc((size_t)t->nslots, sizeof(*t->slots));
	for (int i = 0; i < t->nslots; i++) {
		struct slot *s = &t->slots[i];
		CURL *e = curl_easy_init();

		if (e == NULL) {
			error_set(err, "transport: curl_easy_init failed");
			goto fail;
		}
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
	*state = t;
	return 0;
fail:
	smtp_close(t);
	return -1;
}

static int
smtp_capacity(const void *state)
{
	const struct smtp_transport *t = state;

	return t->nslots - t->busy;
}

static int
smtp_in_flight(const void *state)
{
	return ((const struct smtp_transport *)state)->busy;
}

static int
smtp_submit(void *state, void *ctx, const char *envelope_from, const char *rcpt, const char *msg,
            size_t len, struct error *err)
{
	struct smtp_transport *t = state;
	struct slot *s = NULL;
	CURLMcode mc;

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
	if (s->rcpt == NULL)
		return error_set(err, "transport: out of memory for a recipient");
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

/* outcome - what curl's result and the exchange watched through debug_cb say. */
static void
outcome(struct slot *s, CURLcode rc, struct transport_result *r, struct buf *why)
{
	struct smtp_exchange x;
	struct buf failure;
	long code = 0;

	curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &code);
	buf_init(&failure, CURL_ERROR_SIZE + 256);
	buf_addf(&failure, "%s%s%s", curl_easy_strerror(rc), s->errbuf[0] ? ": " : "", s->errbuf);
	if (rc == CURLE_USE_SSL_FAILED)
		buf_adds(&failure, " (STARTTLS required by [transport] starttls)");
	memset(&x, 0, sizeof(x));
	x.completed = rc == CURLE_OK;
	x.last_reply = s->reply;
	x.last_cmd = s->last_cmd;
	x.err_reply = s->err_reply;
	x.err_cmd = s->err_cmd;
	x.response_code = code;
	x.failure = buf_cstr(&failure);
	r->outcome = transport_classify(&x, why);
	r->code = s->err_reply[0] ? (s->err_reply[0] - '0') * 100 + (s->err_reply[1] - '0') * 10 +
	                            (s->err_reply[2] - '0') : (int)code;
	buf_free(&failure);
}

static int
smtp_poll(void *state, int timeout_ms, int extra_fd, transport_done_fn done, void *arg,
          struct error *err)
{
	struct smtp_transport *t = state;
	struct curl_waitfd extra = {extra_fd, CURL_WAIT_POLLIN, 0};
	struct buf why;
	CURLMsg *m;
	int running, left;

	if (curl_multi_poll(t->multi, extra_fd >= 0 ? &extra : NULL, extra_fd >= 0 ? 1 : 0,
	                    timeout_ms, NULL) != CURLM_OK ||
	    curl_multi_perform(t->multi, &running) != CURLM_OK)
		return error_set(err, "transport: curl multi failed");
	buf_init(&why, REPLY_MAX + CURL_ERROR_SIZE + 256);
	while ((m = curl_multi_info_read(t->multi, &left)) != NULL) {
		struct transport_result r;
		struct slot *s = NULL;

		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&s);
		r.ctx = s->ctx;
		outcome(s, m->data.result, &r, &why);
		r.reply = buf_cstr(&why);
		curl_multi_remove_handle(t->multi, s->easy);
		s->busy = 0;
		t->busy--;
		done(&r, arg);
	}
	buf_free(&why);
	return 0;
}

const struct transport_ops transport_smtp_ops = {
	"smtp://", smtp_open, smtp_close, smtp_capacity, smtp_in_flight, smtp_submit, smtp_poll,
};
const struct transport_ops transport_smtps_ops = {
	"smtps://", smtp_open, smtp_close, smtp_capacity, smtp_in_flight, smtp_submit, smtp_poll,
};
