/*
 * transport_smtp - SMTP (smtp:// with STARTTLS, smtps://) through libcurl's
 * multi interface; libcurl lives only here and in url.c.
 *
 * Each slot is one easy handle; a finished handle is refilled with the next
 * message and re-added, so connections in the multi's cache are reused.
 * CURLMOPT_MAX_HOST_CONNECTIONS bounds the connections to max_connections.
 * libcurl hands every server reply line to the header callback (no verbose
 * tracing, which costs a formatted line per step); which command a refusal
 * answered is read from libcurl's own error ("RCPT failed: 550") or, after
 * DATA's 354, is the end of the data.  transport_classify then reads the
 * outcome from that exchange.
 *
 * A held message's envelope goes ahead; when libcurl first asks for its data
 * (after the relay's 354) the read callback pauses the transfer, and
 * transport_release() unpauses it.
 */
#define _DEFAULT_SOURCE
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "buf.h"
#include "transport_impl.h"

enum { REPLY_MAX = 512, CMD_MAX = 16 };

struct smtp_transport;

struct slot {
	CURL *easy;
	struct smtp_transport *owner;
	int busy;
	int held, paused;          /* the data must wait; the transfer is paused for it */
	void *ctx;
	char *data;                /* the message, owned */
	size_t len, off;
	struct curl_slist *rcpt;
	char *from;
	char reply[REPLY_MAX];     /* last reply line from the server */
	char last_cmd[CMD_MAX];    /* "DATA" once the data was invited, else "" */
	char err_reply[REPLY_MAX]; /* the first 4xx/5xx reply, which QUIT's 221 must not hide */
	char err_cmd[CMD_MAX];     /* the command it answered */
	char errbuf[CURL_ERROR_SIZE];
	long sent_on_conn;
};

struct smtp_transport {
	CURLM *multi;
	struct slot *slots;
	int nslots, busy, waiting;
	struct buf why;            /* the reply or failure reported, reused */
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
	size_t n = size * nitems, left = s->len - s->off;

	/*
	 * A held message goes out but for its last byte: the relay has no
	 * complete message, and without the end of data it delivers nothing.
	 */
	if (s->held && left <= 1) {
		if (!s->paused) {
			s->paused = 1;
			s->owner->waiting++;
		}
		return CURL_READFUNC_PAUSE;
	}
	if (n > left)
		n = left;
	if (s->held && n == left)
		n--;
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

/* reply_cb - one reply line from the server (libcurl's data is not NUL-terminated). */
static size_t
reply_cb(char *data, size_t size, size_t nitems, void *arg)
{
	struct slot *s = arg;
	size_t n = size * nitems;

	if (copy_line(s->reply, sizeof(s->reply), data, n) > 0) {
		if (n >= 3 && memcmp(data, "354", 3) == 0)
			snprintf(s->last_cmd, sizeof(s->last_cmd), "DATA");
		if ((data[0] == '4' || data[0] == '5') && s->err_reply[0] == '\0') {
			memcpy(s->err_reply, s->reply, sizeof(s->reply));
			memcpy(s->err_cmd, s->last_cmd, sizeof(s->err_cmd));
		}
	}
	return n;
}

/*
 * refused_command - the command a refusal answered: libcurl's error names
 * MAIL, RCPT, DATA or AUTH; after DATA's 354 it was the data's end; with no
 * command at all, the greeting.
 */
static void
refused_command(struct slot *s, CURLcode rc)
{
	static const struct {
		const char *prefix, *cmd;
	} said[] = {
		{"MAIL failed", "MAIL"}, {"RCPT failed", "RCPT"}, {"DATA failed", "DATA"},
		{"Authentication failed", "AUTH"}, {"STARTTLS denied", "STARTTLS"},
	};

	for (size_t i = 0; i < sizeof(said) / sizeof(said[0]); i++)
		if (strncmp(s->errbuf, said[i].prefix, strlen(said[i].prefix)) == 0) {
			snprintf(s->err_cmd, sizeof(s->err_cmd), "%s", said[i].cmd);
			return;
		}
	if (rc == CURLE_LOGIN_DENIED)
		snprintf(s->err_cmd, sizeof(s->err_cmd), "AUTH");
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
	buf_free(&t->why);
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
	buf_init(&t->why, REPLY_MAX + CURL_ERROR_SIZE + 256);
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
		s->owner = t;
		curl_easy_setopt(e, CURLOPT_URL, t->url);
		curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(e, CURLOPT_READFUNCTION, read_cb);
		curl_easy_setopt(e, CURLOPT_READDATA, s);
		curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, reply_cb);
		curl_easy_setopt(e, CURLOPT_HEADERDATA, s);
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
smtp_submit(void *state, void *ctx, const char *envelope_from, const char *rcpt, char *msg,
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
	if (s == NULL) {
		free(msg);
		return error_set(err, "transport: no free connection");
	}
	free(s->data);
	free(s->from);
	curl_slist_free_all(s->rcpt);
	s->data = msg;
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
	s->held = 1;
	s->paused = 0;
	t->busy++;
	return 0;
}

static int
smtp_waiting(const void *state)
{
	return ((const struct smtp_transport *)state)->waiting;
}

static void
smtp_release(void *state)
{
	struct smtp_transport *t = state;

	for (int i = 0; i < t->nslots; i++) {
		struct slot *s = &t->slots[i];

		if (!s->busy || !s->held)
			continue;
		s->held = 0;
		if (s->paused) {
			s->paused = 0;
			curl_easy_pause(s->easy, CURLPAUSE_CONT);
		}
	}
	t->waiting = 0;
}

/* outcome - what curl's result and the exchange watched through reply_cb say. */
static void
outcome(struct slot *s, CURLcode rc, struct transport_result *r, struct buf *why)
{
	struct smtp_exchange x;
	struct buf failure;
	long code = 0;

	curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &code);
	if (rc != CURLE_OK && s->err_reply[0])
		refused_command(s, rc);
	buf_init(&failure, CURL_ERROR_SIZE + 256);
	if (rc != CURLE_OK) {
		buf_addf(&failure, "%s%s%s", curl_easy_strerror(rc), s->errbuf[0] ? ": " : "",
		         s->errbuf);
		if (rc == CURLE_USE_SSL_FAILED)
			buf_adds(&failure, " (STARTTLS required by [transport] starttls)");
	}
	memset(&x, 0, sizeof(x));
	x.completed = rc == CURLE_OK;
	x.last_reply = s->reply;
	x.last_cmd = s->last_cmd;
	x.err_reply = s->err_reply;
	x.err_cmd = s->err_cmd;
	x.response_code = code;
	x.failure = buf_cstr(&failure);
	r->outcome = transport_classify(&x, why);
	r->command = s->err_cmd;
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
	CURLMsg *m;
	int running, left;

	if (curl_multi_poll(t->multi, extra_fd >= 0 ? &extra : NULL, extra_fd >= 0 ? 1 : 0,
	                    timeout_ms, NULL) != CURLM_OK ||
	    curl_multi_perform(t->multi, &running) != CURLM_OK)
		return error_set(err, "transport: curl multi failed");
	while ((m = curl_multi_info_read(t->multi, &left)) != NULL) {
		struct transport_result r;
		struct slot *s = NULL;

		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&s);
		r.ctx = s->ctx;
		outcome(s, m->data.result, &r, &t->why);
		r.reply = buf_cstr(&t->why);
		curl_multi_remove_handle(t->multi, s->easy);
		if (s->paused)
			t->waiting--;
		s->busy = s->held = s->paused = 0;
		t->busy--;
		done(&r, arg);
	}
	return 0;
}

/* check_reply - keep the server's last reply line (for the report). */
static size_t
check_reply(char *data, size_t size, size_t nitems, void *arg)
{
	char *line = arg;
	size_t n = size * nitems;

	copy_line(line, REPLY_MAX, data, n);
	return n;
}

static size_t
discard(char *data, size_t size, size_t nitems, void *arg)
{
	(void)data;
	(void)arg;
	return size * nitems;
}

/*
 * smtp_check - one connection as a delivery would make it (EHLO, STARTTLS as
 * configured, AUTH when a user name is set), then NOOP in place of a mail
 * transaction, then QUIT: the relay sees no MAIL FROM.
 */
static int
smtp_check(const struct config *cfg, struct buf *said, struct buf *fix, struct error *err)
{
	struct smtp_transport *t = NULL;
	char reply[REPLY_MAX] = "";
	void *state;
	CURLcode rc;
	CURL *e;
	int out = -1;

	/* One slot is enough; open() reads the password file and builds the URL. */
	{
		struct config one = *cfg;

		one.max_connections = 1;
		if (smtp_open(&one, &state, err) < 0) {
			buf_adds(fix, "make [transport] password_file readable by outreach only "
			         "(chmod 600), holding the password on its first line");
			return -1;
		}
	}
	t = state;
	e = t->slots[0].easy;
	curl_easy_setopt(e, CURLOPT_UPLOAD, 0L);
	curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, "NOOP");
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, check_reply);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, reply);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard);
	rc = curl_easy_perform(e);
	switch (rc) {
	case CURLE_OK:
		buf_addf(said, "relay %s answers%s%s%s", cfg->transport_url,
		         strncmp(cfg->transport_url, "smtps:", 6) == 0 ? " over TLS" :
		         t->starttls == STARTTLS_REQUIRED ? " with STARTTLS" : "",
		         t->username ? " and accepts AUTH as " : "", t->username ? t->username : "");
		out = 0;
		break;
	case CURLE_LOGIN_DENIED:
		error_setk(err, ERR_INPUT, "relay %s refuses AUTH as %s: %s", cfg->transport_url,
		           t->username ? t->username : "", *reply ? reply : t->slots[0].errbuf);
		buf_adds(fix, "check [transport] username and the password in password_file");
		break;
	case CURLE_USE_SSL_FAILED:
		error_setk(err, ERR_INPUT, "relay %s offers no STARTTLS", cfg->transport_url);
		buf_adds(fix, "enable TLS on the relay (or set [transport] starttls = off only for "
		         "a relay on this machine)");
		break;
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_OPERATION_TIMEDOUT:
		error_setk(err, ERR_TEMP, "relay %s: %s", cfg->transport_url,
		           *t->slots[0].errbuf ? t->slots[0].errbuf : curl_easy_strerror(rc));
		buf_adds(fix, "start the relay, or correct host and port in [transport] url");
		break;
	default:
		error_setk(err, ERR_TEMP, "relay %s: %s%s%s", cfg->transport_url,
		           *t->slots[0].errbuf ? t->slots[0].errbuf : curl_easy_strerror(rc),
		           *reply ? ": " : "", reply);
		buf_adds(fix, "see the relay's log for why it refused the connection");
	}
	smtp_close(t);
	return out;
}

/* smtp_wakeup - curl_multi_wakeup may be called from any thread. */
static void
smtp_wakeup(void *state)
{
	struct smtp_transport *t = state;

	curl_multi_wakeup(t->multi);
}

const struct transport_ops transport_smtp_ops = {
	"smtp://", smtp_open, smtp_close, smtp_capacity, smtp_in_flight, smtp_submit, smtp_waiting,
	smtp_release, smtp_poll, smtp_check, smtp_wakeup,
};
const struct transport_ops transport_smtps_ops = {
	"smtps://", smtp_open, smtp_close, smtp_capacity, smtp_in_flight, smtp_submit, smtp_waiting,
	smtp_release, smtp_poll, smtp_check, smtp_wakeup,
};
