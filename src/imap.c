/*
 * imap - libetpan IMAP client with verified OpenSSL TLS.  See imap.h.
 *
 * libetpan talks through a mailstream; we give it one whose low-level
 * driver is our own OpenSSL connection, so that verification is ours.
 */
#define _GNU_SOURCE
#include "imap.h"

#include <errno.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <libetpan/libetpan.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "buf.h"
#include "config.h"
#include "log.h"
#include "url.h"

struct imap {
	mailimap *session;
	char *host, *port, *mailbox;
	int idle;
	int has_move;
};

struct tls_low {
	int fd;
	SSL *ssl;
	SSL_CTX *ctx;
};

static ssize_t
tls_read(mailstream_low *s, void *buf, size_t n)
{
	struct tls_low *t = s->data;
	int r = SSL_read(t->ssl, buf, n > INT32_MAX ? INT32_MAX : (int)n);

	if (r > 0)
		return r;
	return SSL_get_error(t->ssl, r) == SSL_ERROR_ZERO_RETURN ? 0 : -1;
}

static ssize_t
tls_write(mailstream_low *s, const void *buf, size_t n)
{
	struct tls_low *t = s->data;
	int r = SSL_write(t->ssl, buf, n > INT32_MAX ? INT32_MAX : (int)n);

	return r > 0 ? r : -1;
}

static int
tls_close(mailstream_low *s)
{
	struct tls_low *t = s->data;

	if (t->ssl)
		SSL_shutdown(t->ssl);
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
	return 0;
}

static int
tls_get_fd(mailstream_low *s)
{
	return ((struct tls_low *)s->data)->fd;
}

static void
tls_free(mailstream_low *s)
{
	struct tls_low *t = s->data;

	SSL_free(t->ssl);
	SSL_CTX_free(t->ctx);
	free(t);
	free(s);
}

static void
tls_cancel(mailstream_low *s)
{
	(void)s;
}

static mailstream_low_driver tls_driver = {
	tls_read, tls_write, tls_close, tls_get_fd, tls_free, tls_cancel, NULL, NULL, NULL, NULL,
	NULL,
};

static int
tcp_connect(const char *host, const char *port, long timeout, struct error *err)
{
	struct addrinfo hints, *res, *ai;
	struct timeval tv = {timeout, 0};
	int fd = -1, rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	rc = getaddrinfo(host, port, &hints, &res);
	if (rc != 0)
		return error_set(err, "imap: %s:%s: %s", host, port, gai_strerror(rc));
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0)
		return error_set(err, "imap: connect %s:%s: %s", host, port, strerror(errno));
	return fd;
}

/* tls_start - TLS over fd, verifying the peer unless told not to. */
static mailstream_low *
tls_start(int fd, const char *host, const struct imap_params *p, struct error *err)
{
	struct tls_low *t = xcalloc(1, sizeof(*t));
	mailstream_low *low;
	char why[256];

	t->fd = fd;
	t->ctx = SSL_CTX_new(TLS_client_method());
	if (t->ctx == NULL)
		goto ssl_fail;
	SSL_CTX_set_min_proto_version(t->ctx, TLS1_2_VERSION);
	if (p->tls_verify) {
		SSL_CTX_set_verify(t->ctx, SSL_VERIFY_PEER, NULL);
		if ((p->ca_file && *p->ca_file) ?
		    SSL_CTX_load_verify_locations(t->ctx, p->ca_file, NULL) != 1 :
		    SSL_CTX_set_default_verify_paths(t->ctx) != 1)
			goto ssl_fail;
	} else
		SSL_CTX_set_verify(t->ctx, SSL_VERIFY_NONE, NULL);
	t->ssl = SSL_new(t->ctx);
	if (t->ssl == NULL || SSL_set_fd(t->ssl, fd) != 1)
		goto ssl_fail;
	SSL_set_tlsext_host_name(t->ssl, host);
	if (p->tls_verify) {
		/* An address literal is checked against the certificate's IP names. */
		unsigned char ip[16];
		int is_ip = inet_pton(AF_INET, host, ip) == 1 || inet_pton(AF_INET6, host, ip) == 1;

		if (is_ip ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(t->ssl), host) != 1 :
		            SSL_set1_host(t->ssl, host) != 1)
			goto ssl_fail;
	}
	if (SSL_connect(t->ssl) != 1) {
		long v = SSL_get_verify_result(t->ssl);

		if (v != X509_V_OK)
			error_set(err, "imap: %s: certificate not trusted: %s", host,
			          X509_verify_cert_error_string(v));
		else
			goto ssl_fail;
		goto fail;
	}
	low = mailstream_low_new(t, &tls_driver);
	if (low == NULL)
		goto ssl_fail;
	return low;
ssl_fail:
	ERR_error_string_n(ERR_get_error(), why, sizeof(why));
	error_set(err, "imap: %s: TLS: %s", host, why);
fail:
	SSL_free(t->ssl);
	SSL_CTX_free(t->ctx);
	free(t);
	return NULL;
}

/* parse_url - imap[s]://host[:port][/mailbox], the mailbox INBOX when none is given. */
static int
parse_url(struct imap *m, const char *url, int *implicit_tls, struct error *err)
{
	struct url u;

	if (url_parse(url, &u, err) < 0)
		return error_prefix(err, "[bounces] imap_url");
	if (strcmp(u.scheme, "imaps") != 0 && strcmp(u.scheme, "imap") != 0) {
		url_free(&u);
		return error_setk(err, ERR_INPUT, "[bounces] imap_url '%s': use imap://HOST:PORT/MAILBOX "
		                  "or imaps://HOST:PORT/MAILBOX", url);
	}
	*implicit_tls = strcmp(u.scheme, "imaps") == 0;
	m->host = u.host;
	m->port = u.port ? u.port : xstrdup(*implicit_tls ? "993" : "143");
	m->mailbox = xstrdup(u.path[0] == '/' && u.path[1] ? u.path + 1 : "INBOX");
	u.host = u.port = NULL;
	url_free(&u);
	return 0;
}

/* refresh_caps - ask for CAPABILITY; libetpan keeps what it learns in the session. */
static void
refresh_caps(struct imap *m)
{
	struct mailimap_capability_data *caps = NULL;

	if (mailimap_capability(m->session, &caps) == MAILIMAP_NO_ERROR && caps)
		mailimap_capability_data_free(caps);
}

static int
imap_fail(struct error *err, const char *what, int rc, mailimap *s)
{
	const char *resp = s && s->imap_response ? s->imap_response : "";

	return error_set(err, "imap: %s failed (libetpan error %d)%s%s", what, rc,
	                 *resp ? ": " : "", resp);
}

/* imap_refused - the server refused our credentials: ERR_INPUT, trying again changes nothing. */
static int
imap_refused(struct error *err, const char *what, int rc, mailimap *s)
{
	const char *resp = s && s->imap_response ? s->imap_response : "";

	return error_setk(err, ERR_INPUT, "imap: %s failed (libetpan error %d)%s%s", what, rc,
	                  *resp ? ": " : "", resp);
}

int
imap_open(const struct imap_params *p, struct imap **out, struct error *err)
{
	struct imap *m = xcalloc(1, sizeof(*m));
	mailstream *stream = NULL;
	mailstream_low *low;
	int implicit_tls = 0, fd, rc;

	if (parse_url(m, p->url, &implicit_tls, err) < 0)
		goto fail;
	if (!p->tls_verify)
		log_warn("imap", "tls_verify = off: the certificate of %s is NOT checked; anyone "
		         "on the path can read the password. Use this only for tests.", m->host);
	if ((fd = tcp_connect(m->host, m->port, p->timeout, err)) < 0)
		goto fail;
	if ((m->session = mailimap_new(0, NULL)) == NULL) {
		close(fd);
		error_set(err, "imap: out of memory for a session");
		goto fail;
	}
	if (implicit_tls) {
		low = tls_start(fd, m->host, p, err);
		if (low == NULL) {
			close(fd);
			goto fail;
		}
	} else if ((low = mailstream_low_socket_open(fd)) == NULL) {
		close(fd);
		error_set(err, "imap: out of memory for a stream");
		goto fail;
	}
	if ((stream = mailstream_new(low, 8192)) == NULL) {
		mailstream_low_close(low);
		mailstream_low_free(low);
		error_set(err, "imap: out of memory for a stream");
		goto fail;
	}
	rc = mailimap_connect(m->session, stream);
	if (rc != MAILIMAP_NO_ERROR_NON_AUTHENTICATED && rc != MAILIMAP_NO_ERROR_AUTHENTICATED) {
		imap_fail(err, "greeting", rc, m->session);
		goto fail;
	}
	if (!implicit_tls) {
		mailstream_low *plain, *secure;

		refresh_caps(m);
		if (!mailimap_has_extension(m->session, "STARTTLS")) {
			error_set(err, "imap: %s offers no STARTTLS; refusing to send the password "
			          "in clear (use imaps://)", m->host);
			goto fail;
		}
		rc = mailimap_starttls(m->session);
		if (rc != MAILIMAP_NO_ERROR) {
			imap_fail(err, "STARTTLS", rc, m->session);
			goto fail;
		}
		plain = mailstream_get_low(m->session->imap_stream);
		secure = tls_start(mailstream_low_get_fd(plain), m->host, p, err);
		if (secure == NULL)
			goto fail;
		mailstream_low_free(plain);
		mailstream_set_low(m->session->imap_stream, secure);
	}
	refresh_caps(m);
	if (p->auth == IMAP_AUTH_PLAIN ||
	    (p->auth == IMAP_AUTH_AUTO &&
	     mailimap_has_extension(m->session, "LOGINDISABLED"))) {
		/* SASL PLAIN through libetpan's Cyrus SASL binding; TLS is already up. */
		rc = mailimap_authenticate(m->session, "PLAIN", m->host, NULL, NULL,
		                           p->username ? p->username : "",
		                           p->username ? p->username : "",
		                           p->password ? p->password : "", NULL);
		if (rc != MAILIMAP_NO_ERROR) {
			imap_refused(err, "AUTHENTICATE PLAIN", rc, m->session);
			goto fail;
		}
	} else {
		rc = mailimap_login(m->session, p->username ? p->username : "",
		                    p->password ? p->password : "");
		if (rc != MAILIMAP_NO_ERROR) {
			imap_refused(err, "LOGIN", rc, m->session);
			goto fail;
		}
	}
	refresh_caps(m);
	m->idle = mailimap_has_idle(m->session);
	m->has_move = mailimap_has_extension(m->session, "MOVE");
	rc = mailimap_select(m->session, m->mailbox);
	if (rc != MAILIMAP_NO_ERROR) {
		imap_fail(err, "SELECT", rc, m->session);
		goto fail;
	}
	*out = m;
	return 0;
fail:
	imap_close(m);
	return -1;
}

void
imap_close(struct imap *m)
{
	if (m == NULL)
		return;
	if (m->session) {
		if (m->session->imap_stream)
			mailimap_logout(m->session);
		mailimap_free(m->session);
	}
	free(m->host);
	free(m->port);
	free(m->mailbox);
	free(m);
}

int
imap_has_idle(const struct imap *m)
{
	return m->idle;
}

int
imap_ensure_folder(struct imap *m, const char *folder, struct error *err)
{
	clist *list = NULL;
	int rc = mailimap_list(m->session, "", folder, &list);
	int exists = rc == MAILIMAP_NO_ERROR && list && clist_count(list) > 0;

	if (list)
		mailimap_list_result_free(list);
	if (exists)
		return 0;
	rc = mailimap_create(m->session, folder);
	if (rc != MAILIMAP_NO_ERROR) {
		imap_fail(err, "CREATE", rc, m->session);
		return error_prefix(err, "folder '%s'", folder);
	}
	return 0;
}

int
imap_unseen(struct imap *m, uint32_t **uids, size_t *n, struct error *err)
{
	struct mailimap_search_key *key;
	clist *result = NULL;
	clistiter *it;
	size_t i = 0;
	int rc;

	key = mailimap_search_key_new(MAILIMAP_SEARCH_KEY_UNSEEN, NULL, NULL, NULL, NULL, NULL,
	                              NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0,
	                              NULL, NULL, NULL, NULL, NULL, NULL, 0, NULL, NULL, NULL);
	if (key == NULL)
		return error_set(err, "imap: out of memory for a search");
	rc = mailimap_uid_search(m->session, NULL, key, &result);
	mailimap_search_key_free(key);
	if (rc != MAILIMAP_NO_ERROR)
		return imap_fail(err, "SEARCH UNSEEN", rc, m->session);
	*n = clist_count(result);
	*uids = xcalloc(*n ? *n : 1, sizeof(uint32_t));
	for (it = clist_begin(result); it; it = clist_next(it))
		(*uids)[i++] = *(uint32_t *)clist_content(it);
	mailimap_search_result_free(result);
	return 0;
}

/* add_att - put att on the fetch list (it is freed if it cannot be); -1 if NULL or refused. */
static int
add_att(struct mailimap_fetch_type *type, struct mailimap_fetch_att *att)
{
	if (att == NULL)
		return -1;
	if (mailimap_fetch_type_new_fetch_att_list_add(type, att) != MAILIMAP_NO_ERROR) {
		mailimap_fetch_att_free(att);
		return -1;
	}
	return 0;
}

int
imap_fetch(struct imap *m, uint32_t uid, size_t max, char **data, size_t *len,
           struct error *err)
{
	struct mailimap_set *set = mailimap_set_new_single(uid);
	struct mailimap_fetch_type *type = mailimap_fetch_type_new_fetch_att_list_empty();
	struct mailimap_fetch_att *att = NULL;
	struct mailimap_section *section;
	clist *result = NULL;
	clistiter *it, *ai;
	int rc, found = 0;
	size_t size = 0;

	*data = NULL;
	*len = 0;
	if (set == NULL || type == NULL) {
		if (set)
			mailimap_set_free(set);
		if (type)
			mailimap_fetch_type_free(type);
		return error_set(err, "imap: out of memory fetching UID %u", uid);
	}
	/* At most max + 1 bytes come over the wire: a huge message is refused unread. */
	if ((section = mailimap_section_new(NULL)) != NULL &&
	    (att = mailimap_fetch_att_new_body_peek_section_partial(section, 0,
	                                                            (uint32_t)max + 1)) == NULL)
		mailimap_section_free(section);
	if (section == NULL || add_att(type, att) < 0 ||
	    add_att(type, mailimap_fetch_att_new_rfc822_size()) < 0) {
		mailimap_fetch_type_free(type);
		mailimap_set_free(set);
		return error_set(err, "imap: out of memory fetching UID %u", uid);
	}
	rc = mailimap_uid_fetch(m->session, set, type, &result);
	mailimap_fetch_type_free(type);
	mailimap_set_free(set);
	if (rc != MAILIMAP_NO_ERROR)
		return imap_fail(err, "FETCH", rc, m->session);
	/* The size may come in a FETCH response of its own: every response is read. */
	for (it = clist_begin(result); it; it = clist_next(it)) {
		struct mailimap_msg_att *ma = clist_content(it);

		for (ai = clist_begin(ma->att_list); ai; ai = clist_next(ai)) {
			struct mailimap_msg_att_item *item = clist_content(ai);
			struct mailimap_msg_att_body_section *sec;

			if (item->att_type != MAILIMAP_MSG_ATT_ITEM_STATIC)
				continue;
			if (item->att_data.att_static->att_type == MAILIMAP_MSG_ATT_RFC822_SIZE) {
				size = item->att_data.att_static->att_data.att_rfc822_size;
				continue;
			}
			if (found || item->att_data.att_static->att_type != MAILIMAP_MSG_ATT_BODY_SECTION)
				continue;
			sec = item->att_data.att_static->att_data.att_body_section;
			*len = sec->sec_length;
			if (sec->sec_length <= max)
				*data = xstrndup(sec->sec_body_part ? sec->sec_body_part : "",
				                 sec->sec_length);
			found = 1;
		}
	}
	mailimap_fetch_list_free(result);
	if (found && *data == NULL && size > *len)
		*len = size;
	if (!found)
		return error_set(err, "imap: message UID %u has gone", uid);
	return 0;
}

/* store_flag - add (or remove) \Seen or \Deleted on set, silently; a libetpan code. */
static int
store_flag(struct imap *m, struct mailimap_set *set, int deleted, int add)
{
	struct mailimap_flag_list *flags = mailimap_flag_list_new_empty();
	struct mailimap_flag *flag = deleted ? mailimap_flag_new_deleted() : mailimap_flag_new_seen();
	struct mailimap_store_att_flags *sf = NULL;
	int rc = MAILIMAP_ERROR_MEMORY;

	if (flags == NULL || flag == NULL || mailimap_flag_list_add(flags, flag) != 0) {
		if (flag)
			mailimap_flag_free(flag);
		if (flags)
			mailimap_flag_list_free(flags);
		return rc;
	}
	sf = add ? mailimap_store_att_flags_new_add_flags_silent(flags)
	         : mailimap_store_att_flags_new_remove_flags_silent(flags);
	if (sf == NULL) {
		mailimap_flag_list_free(flags);
		return rc;
	}
	rc = mailimap_uid_store(m->session, set, sf);
	mailimap_store_att_flags_free(sf);
	return rc;
}

int
imap_dispose(struct imap *m, const uint32_t *uids, size_t n, const char *folder,
             struct error *err)
{
	struct mailimap_set *set;
	int rc;

	if (n == 0)
		return 0;
	if ((set = mailimap_set_new_empty()) == NULL)
		return error_set(err, "IMAP: out of memory for a set of %zu UIDs", n);
	for (size_t i = 0; i < n; i++)
		if (mailimap_set_add_single(set, uids[i]) != MAILIMAP_NO_ERROR) {
			mailimap_set_free(set);
			return error_set(err, "IMAP: out of memory for a set of %zu UIDs", n);
		}
	if ((rc = store_flag(m, set, 0, 1)) != MAILIMAP_NO_ERROR) {
		mailimap_set_free(set);
		return imap_fail(err, "STORE \\Seen", rc, m->session);
	}
	rc = m->has_move ? mailimap_uid_move(m->session, set, folder)
	                 : mailimap_uid_copy(m->session, set, folder);
	if (rc != MAILIMAP_NO_ERROR) {
		imap_fail(err, m->has_move ? "MOVE" : "COPY", rc, m->session);
		error_prefix(err, "folder '%s'", folder);
		/* Not moved: unseen again, so a later pass takes them up. */
		(void)store_flag(m, set, 0, 0);
		mailimap_set_free(set);
		return -1;
	}
	/*
	 * Copied: the originals stay \Seen whatever happens now, so they are
	 * never taken up (and copied) again.  Without UIDPLUS they are left
	 * \Deleted for the server to expunge, because a plain EXPUNGE would
	 * also remove what other clients marked \Deleted.
	 */
	if (!m->has_move && ((rc = store_flag(m, set, 1, 1)) != MAILIMAP_NO_ERROR ||
	                     (mailimap_has_uidplus(m->session) &&
	                      (rc = mailimap_uid_expunge(m->session, set)) != MAILIMAP_NO_ERROR))) {
		imap_fail(err, "removing copied messages", rc, m->session);
		mailimap_set_free(set);
		return -1;
	}
	mailimap_set_free(set);
	return 0;
}

int
imap_wait(struct imap *m, int seconds, int wake_fd, struct error *err)
{
	struct pollfd p[2];
	int rc, n = 0;

	if (m->idle) {
		rc = mailimap_idle(m->session);
		if (rc != MAILIMAP_NO_ERROR)
			return imap_fail(err, "IDLE", rc, m->session);
		/*
		 * Mail that came between the search and IDLE is announced at once;
		 * if that news was read along with the server's "+ idling" it waits
		 * in the stream's buffer, not on the socket, and poll would miss it.
		 */
		if (m->session->imap_stream->read_buffer_len > 0)
			seconds = 0;
		p[n].fd = mailimap_idle_get_fd(m->session);
		p[n++].events = POLLIN;
	}
	if (wake_fd >= 0) {
		p[n].fd = wake_fd;
		p[n++].events = POLLIN;
	}
	poll(p, (nfds_t)n, seconds * 1000);
	if (m->idle) {
		rc = mailimap_idle_done(m->session);
		if (rc != MAILIMAP_NO_ERROR)
			return imap_fail(err, "IDLE DONE", rc, m->session);
	}
	return 0;
}
