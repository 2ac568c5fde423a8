/*
 * bouncer - bounce, complaint and mail-command handling.  See bouncer.h.
 */
#define _GNU_SOURCE
#include "bouncer.h"

#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "addr.h"
#include "bounce.h"
#include "bounce_act.h"
#include "bounce_rules.h"
#include "hash.h"
#include "imap.h"
#include "log.h"
#include "secret.h"
#include "sysmail.h"
#include "token.h"
#include "worker.h"

enum { IMAP_MAX_MESSAGE = 8 << 20, RECONNECT_MAX = 300, DISPOSE_BATCH = 100 };

/* message_key - Message-ID (or "-") and the SHA-256 of the content. */
static char *
message_key(const char *msg_id, const char *msg, size_t len)
{
	char hex[HASH_HEX_LEN + 1];

	hash_sha256_hex(msg, len, hex);
	return xasprintf("%s %s", msg_id ? msg_id : "-", hex);
}

static int
ascii_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/*
 * find_token - the first "u-...-...-...-MAC" looking word in s, verified; 0
 * if none.  A candidate is read no further than a token can be long, so a
 * hostile run of "u-u-u-..." costs linear time.
 */
static int
find_token(const unsigned char *key, const char *s, int purpose, struct token *t)
{
	for (const char *p = s; p && *p; p++) {
		size_t n = 0;

		/* ASCII only, either case: some mail software upper-cases addresses. */
		if ((*p | 0x20) != purpose || p[1] != '-' || (p > s && ascii_alnum(p[-1])))
			continue;
		while (n <= TOKEN_MAX && (ascii_alnum(p[n]) || p[n] == '-'))
			n++;
		if (n <= TOKEN_MAX && token_verify(key, p, n, t) == 0 && t->purpose == purpose)
			return 1;
	}
	return 0;
}

/* body_of - where msg's body starts (after the first empty line, CRLF or LF), or NULL. */
static const char *
body_of(const char *msg)
{
	const char *crlf = strstr(msg, "\r\n\r\n"), *lf = strstr(msg, "\n\n");

	if (crlf && (lf == NULL || crlf < lf))
		return crlf + 4;
	return lf ? lf + 2 : NULL;
}

/* is_command - a mail command asks to unsubscribe in its subject or first body line. */
static int
is_unsubscribe_command(const char *subject, const char *msg)
{
	const char *body = body_of(msg);
	const char *s = subject ? subject : "";

	while (*s == ' ')
		s++;
	if (strncasecmp(s, "unsubscribe", 11) == 0)
		return 1;
	if (body == NULL)
		return 0;
	while (*body == '\r' || *body == '\n' || *body == ' ')
		body++;
	return strncasecmp(body, "unsubscribe", 11) == 0;
}

static int
handle_command(struct store *st, const unsigned char *key, const struct bounce_report *rep,
               const char *msg, char **summary, struct error *err)
{
	const char *body = body_of(msg);
	struct token t;
	int64_t sub = 0, list = 0, campaign = 0;
	struct campaign_info c;

	if (find_token(key, rep->subject, TOKEN_UNSUBSCRIBE, &t) ||
	    find_token(key, body ? body : "", TOKEN_UNSUBSCRIBE, &t)) {
		sub = t.a;
		if (store_subscriber_alias(st, &sub, err) < 0)
			return -1;
		if (t.b > 0) {
			if (store_campaign_get(st, t.b, &c, err) == 0) {
				list = c.list_id;
				campaign = c.id;
				campaign_info_free(&c);
			} else if (error_kind(err) == ERR_NOTFOUND) {
				/* Its campaign, and so its list, is gone: there is nothing to leave. */
				error_clear(err);
				*summary = xasprintf("unsubscribe command for campaign %lld, which no "
				                     "longer exists: nothing to do", (long long)t.b);
				return 0;
			} else
				return -1;
		}
		*summary = xasprintf("unsubscribe command with a valid token for subscriber %lld",
		                     (long long)sub);
	} else if (rep->from) {
		if (store_subscriber_id(st, rep->from, &sub, err) < 0) {
			if (error_kind(err) != ERR_NOTFOUND)
				return -1;
			error_clear(err);
		}
		*summary = xasprintf("unsubscribe command from %s", rep->from);
	}
	if (sub == 0) {
		free(*summary);
		*summary = xstrdup("unsubscribe command for no known subscriber: ignored");
		return 0;
	}
	return store_unsubscribe_campaign(st, sub, list, campaign, ACTOR_EMAIL, "unsubscribe by mail",
	                                  err);
}

/*
 * find_confirm - a genuine confirmation token in the address a reply was
 * sent to (the request+TOKEN@ Reply-To of the confirmation request): only
 * the message's own recipient fields count, so a challenge-response robot
 * or a returned copy quoting the request in its body confirms nobody.
 */
static int
find_confirm(const unsigned char *key, const struct bounce_report *rep, struct token *t)
{
	for (const char *a = rep->own_rcpts; a && *a; a += strlen(a) + 1)
		if (find_token(key, a, TOKEN_CONFIRM, t))
			return 1;
	return 0;
}

static int
handle_confirm(struct store *st, const struct token *token, char **summary, struct error *err)
{
	struct token alias = *token, *t = &alias;
	int64_t sent_at = 0;
	int confirmed;

	if (store_subscriber_alias(st, &t->a, err) < 0)
		return -1;
	/* A request is good for a week after it went out, by reply as by link. */
	if (store_confirm_sent_at(st, t->a, t->b, &sent_at, err) < 0) {
		if (error_kind(err) != ERR_NOTFOUND)
			return -1;
		error_clear(err);
	}
	if (sent_at == 0 || now_unix() - sent_at > CONFIRM_VALID_FOR) {
		*summary = xasprintf("confirmation by reply for subscriber %lld, list %lld: the "
		                     "request has expired", (long long)t->a, (long long)t->b);
		return 0;
	}
	if (store_confirm(st, t->a, t->b, ACTOR_EMAIL, "confirmed by reply", &confirmed, err) < 0)
		return -1;
	*summary = xasprintf(confirmed ? "confirmation by reply: subscriber %lld joined list %lld"
	                               : "confirmation by reply for subscriber %lld, list %lld: "
	                                 "nothing was waiting for it",
	                     (long long)t->a, (long long)t->b);
	return 0;
}

/*
 * subscriber_of - who a bounce is about: VERP token, then Message-ID, then
 * address.  A database error is returned (the message is tried again
 * later), never taken for "not found".
 */
static int
subscriber_of(struct store *st, const unsigned char *key, const struct bounce_report *rep,
              const struct bounce_rcpt *r, int64_t *sub, int64_t *delivery, struct error *err)
{
	struct token t;
	char *norm = NULL;
	const char *why;
	int rc;

	*sub = *delivery = 0;
	if (rep->verp && token_verify(key, rep->verp, strlen(rep->verp), &t) == 0 &&
	    t.purpose == TOKEN_BOUNCE && t.a > 0) {
		if (store_delivery_lookup(st, t.a, sub, err) == 0) {
			*delivery = t.a;
			return store_subscriber_alias(st, sub, err);
		}
		if (error_kind(err) != ERR_NOTFOUND)
			return -1;
		error_clear(err);
	}
	if (rep->original_message_id) {
		if (store_delivery_by_message_id(st, rep->original_message_id, delivery, err) == 0 &&
		    store_delivery_lookup(st, *delivery, sub, err) == 0)
			return store_subscriber_alias(st, sub, err);
		if (error_kind(err) != ERR_NOTFOUND)
			return -1;
		error_clear(err);
	}
	*delivery = 0;
	*sub = 0;
	if (r && r->recipient && addr_normalize(r->recipient, &norm, &why) == 0) {
		rc = store_subscriber_id(st, norm, sub, err);
		free(norm);
		if (rc < 0 && error_kind(err) != ERR_NOTFOUND)
			return -1;
		error_clear(err);
	}
	return 0;
}

int
bouncer_handle(struct store *st, const struct config *cfg, const unsigned char *key,
               const char *msg, size_t len, int *unparsed, struct bouncer_stats *stats,
               struct error *err)
{
	struct bounce_report rep;
	struct error perr = ERROR_INIT;
	char *mkey = NULL, *summary = NULL;
	int seen, rc = -1, is_command, is_confirm;
	int64_t inbound;
	struct token ct;
	struct bounce_policy policy = {(int)cfg->soft_threshold, (int)cfg->soft_window_days,
	                               cfg->bounce_probe};

	*unparsed = 0;
	stats->messages++;
	memset(&rep, 0, sizeof(rep));
	if (bounce_parse(msg, len, cfg->bounce_local, &rep, &perr) < 0) {
		*unparsed = 1;
		stats->unparsed++;
		log_warn("bounces", "unparsable message: %s", error_msg(&perr));
		error_clear(&perr);
		mkey = message_key(NULL, msg, len);
		rc = 0;
		if (store_begin(st, err) < 0 || store_inbound_seen(st, mkey, &seen, err) < 0 ||
		    (!seen && store_inbound_add(st, mkey, "unparsed", "not a message", &inbound,
		                                err) < 0) ||
		    store_commit(st, err) < 0) {
			store_rollback(st);
			rc = -1;
		}
		free(mkey);
		return rc;
	}
	mkey = message_key(rep.message_id, msg, len);
	/* Decided before the duplicate check: a message seen again goes where it went before. */
	is_command = rep.class == BOUNCE_OTHER && !rep.is_dsn &&
	             is_unsubscribe_command(rep.subject, msg);
	is_confirm = !is_command && rep.class == BOUNCE_OTHER && !rep.is_dsn &&
	             cfg->confirm_by_reply && !(rep.from && brules_from_daemon(rep.from)) &&
	             find_confirm(key, &rep, &ct);
	if (store_begin(st, err) < 0)
		goto out;
	if (store_inbound_seen(st, mkey, &seen, err) < 0)
		goto fail;
	if (seen) {
		stats->duplicates++;
		*unparsed = rep.class == BOUNCE_OTHER && !rep.is_dsn && !is_command && !is_confirm;
		store_rollback(st);
		rc = 0;
		goto out;
	}
	if (is_command) {
		stats->commands++;
		if (handle_command(st, key, &rep, msg, &summary, err) < 0 ||
		    store_inbound_add(st, mkey, "command", summary, &inbound, err) < 0)
			goto fail;
		log_info("bounces", "%s", summary);
	} else if (is_confirm) {
		stats->commands++;
		if (handle_confirm(st, &ct, &summary, err) < 0 ||
		    store_inbound_add(st, mkey, "command", summary, &inbound, err) < 0)
			goto fail;
		log_info("bounces", "%s", summary);
	} else if (rep.class == BOUNCE_AUTOREPLY || rep.class == BOUNCE_OTHER) {
		if (rep.class == BOUNCE_AUTOREPLY)
			stats->autoreply++;
		else
			stats->other++;
		/* Ordinary mail nobody recognised is kept apart for a human to read. */
		*unparsed = rep.class == BOUNCE_OTHER && !rep.is_dsn;
		if (*unparsed)
			stats->unparsed++;
		if (store_inbound_add(st, mkey, bounce_class_name(rep.class), rep.subject, &inbound,
		                      err) < 0)
			goto fail;
	} else {
		if (store_inbound_add(st, mkey, bounce_class_name(rep.class), rep.subject, &inbound,
		                      err) < 0)
			goto fail;
		for (size_t i = 0; i < (rep.n_rcpts ? rep.n_rcpts : 1); i++) {
			const struct bounce_rcpt *r = rep.n_rcpts ? &rep.rcpts[i] : NULL;
			struct bounce_act_event ev;
			char *decision = NULL;
			int cls = r ? r->class : rep.class, action;

			memset(&ev, 0, sizeof(ev));
			if (cls == BOUNCE_AUTOREPLY || cls == BOUNCE_OTHER)
				continue;
			if (subscriber_of(st, key, &rep, r, &ev.subscriber_id, &ev.delivery_id, err) < 0)
				goto fail;
			ev.inbound_id = inbound;
			ev.email = r ? r->recipient : NULL;
			ev.class = cls;
			ev.status = r ? r->status : NULL;
			ev.reason = r ? r->reason : NULL;
			ev.diagnostic = r ? r->diagnostic : NULL;
			if (bounce_act(st, &policy, &ev, &action, &decision, err) < 0)
				goto fail;
			if (cls == BOUNCE_HARD)
				stats->hard++;
			else if (cls == BOUNCE_SOFT)
				stats->soft++;
			else
				stats->complaint++;
			log_info("bounces", "%s bounce for <%s> (%s): %s", bounce_class_name(cls),
			         ev.email ? ev.email : "?", ev.status ? ev.status : "no status",
			         decision);
			free(decision);
		}
	}
	if (store_commit(st, err) < 0)
		goto out;
	rc = 0;
	goto out;
fail:
	store_rollback(st);
out:
	bounce_report_free(&rep);
	free(mkey);
	free(summary);
	return rc;
}

char *
bouncer_stats_line(const struct bouncer_stats *s)
{
	return xasprintf("processed %ld: hard %ld, soft %ld, complaint %ld, autoreply %ld, "
	                 "other %ld, commands %ld, unparsed %ld, already seen %ld", s->messages,
	                 s->hard, s->soft, s->complaint, s->autoreply, s->other, s->commands,
	                 s->unparsed, s->duplicates);
}

void
bouncer_imap_params(const struct config *cfg, const char *password, int timeout,
                    struct imap_params *p)
{
	memset(p, 0, sizeof(*p));
	p->url = cfg->imap_url;
	p->username = cfg->imap_username;
	p->password = password;
	p->auth = cfg->imap_auth;
	p->tls_verify = cfg->imap_tls_verify;
	p->ca_file = cfg->imap_ca_file;
	p->timeout = timeout;
}

static int
connect_mailbox(const struct config *cfg, struct imap **m, struct error *err)
{
	struct imap_params p;
	char *password = NULL;
	int rc;

	if (*cfg->imap_url == '\0')
		return error_set(err, "no [bounces] imap_url configured");
	if (*cfg->imap_password_file &&
	    config_read_secret_file(cfg->imap_password_file, &password, err) < 0)
		return error_prefix(err, "[bounces] password_file");
	bouncer_imap_params(cfg, password, 60, &p);
	rc = imap_open(&p, m, err);
	if (password)
		explicit_bzero(password, strlen(password));
	free(password);
	if (rc == 0 && (imap_ensure_folder(*m, cfg->imap_processed, err) < 0 ||
	                imap_ensure_folder(*m, cfg->imap_unparsed, err) < 0)) {
		imap_close(*m);
		*m = NULL;
		return -1;
	}
	return rc;
}

/* dispose - move the messages handled so far to their folders. */
static int
dispose(struct imap *m, uint32_t *done[2], size_t n_done[2], const char *folder[2],
        struct error *err)
{
	for (int k = 0; k < 2; k++) {
		if (imap_dispose(m, done[k], n_done[k], folder[k], err) < 0)
			return -1;
		n_done[k] = 0;
	}
	return 0;
}

/*
 * process_unseen - every unseen message: handle, commit, then dispose.  A
 * signal waiting on sfd (-1: none) ends the pass between two messages, so
 * a long pass never holds up a stop or a reload.
 */
static int
process_unseen(struct imap *m, struct store *st, const struct config *cfg, int sfd,
               struct bouncer_stats *stats, struct error *err)
{
	unsigned char key[SECRET_LEN];
	uint32_t *uids = NULL, *done[2];
	size_t n = 0, n_done[2] = {0, 0};
	const char *folder[2] = {cfg->imap_processed, cfg->imap_unparsed};
	int rc = -1, disposing = 0;

	if (secret_load(cfg->secret_file, key, err) < 0 || imap_unseen(m, &uids, &n, err) < 0)
		return -1;
	done[0] = xcalloc(n ? n : 1, sizeof(uint32_t));
	done[1] = xcalloc(n ? n : 1, sizeof(uint32_t));
	for (size_t i = 0; i < n; i++) {
		char *data = NULL;
		size_t len = 0;
		int unparsed = 1;

		if (worker_signal_pending(sfd)) {
			log_info("bounces", "signalled: %zu unseen messages left for the next pass",
			         n - i);
			break;
		}
		if (imap_fetch(m, uids[i], IMAP_MAX_MESSAGE, &data, &len, err) < 0)
			goto out;
		if (data == NULL) {
			log_warn("bounces", "message UID %u is %zu bytes, over the %d limit: moved to %s",
			         uids[i], len, IMAP_MAX_MESSAGE, cfg->imap_unparsed);
			stats->messages++;
			stats->unparsed++;
		} else if (bouncer_handle(st, cfg, key, data, len, &unparsed, stats, err) < 0) {
			free(data);
			goto out;
		}
		free(data);
		/*
		 * Committed: it may be moved now or later.  Moving a batch at a time
		 * saves two round trips a message; a crash before the move only
		 * means the batch is seen again, recognised and moved.
		 */
		done[unparsed != 0][n_done[unparsed != 0]++] = uids[i];
		if (n_done[0] + n_done[1] >= DISPOSE_BATCH) {
			disposing = 1;
			if (dispose(m, done, n_done, folder, err) < 0)
				goto out;
			disposing = 0;
		}
	}
	disposing = 1;
	if (dispose(m, done, n_done, folder, err) < 0)
		goto out;
	rc = 0;
out:
	/* What was committed before another failure is moved now, not handled again. */
	if (rc < 0 && !disposing && n_done[0] + n_done[1] > 0) {
		struct error e = ERROR_INIT;

		if (dispose(m, done, n_done, folder, &e) < 0)
			error_clear(&e);
	}
	explicit_bzero(key, sizeof(key));
	free(uids);
	free(done[0]);
	free(done[1]);
	return rc;
}

int
bouncer_run_once(const struct config *cfg, struct bouncer_stats *stats, struct error *err)
{
	struct imap *m = NULL;
	struct store *st = NULL;
	int rc = -1;

	memset(stats, 0, sizeof(*stats));
	if (store_open(cfg->db_path, &st, err) < 0 || connect_mailbox(cfg, &m, err) < 0)
		goto out;
	rc = process_unseen(m, st, cfg, -1, stats, err);
out:
	imap_close(m);
	store_close(st);
	return rc;
}

/* backoff_wait - wait seconds, or less if a signal comes (left for the caller to read). */
static void
backoff_wait(int sfd, int seconds)
{
	struct pollfd p = {sfd, POLLIN, 0};

	while (poll(&p, 1, seconds * 1000) < 0 && errno == EINTR)
		;
}

int
bouncer_worker(const struct config *cfg)
{
	struct bouncer_stats stats;
	struct error err = ERROR_INIT;
	struct store *st = NULL;
	sigset_t mask;
	int sfd, delay = 1;

	if (*cfg->imap_url == '\0')
		return 0;
	if ((sfd = worker_signals(&mask)) < 0) {
		log_error("bounces", "signalfd: %s", strerror(errno));
		return 1;
	}
	if (store_open(cfg->db_path, &st, &err) < 0) {
		log_error("bounces", "%s", error_msg(&err));
		return 1;
	}
	memset(&stats, 0, sizeof(stats));
	log_info("bounces", "worker started (%s)", cfg->imap_url);
	for (;;) {
		struct signalfd_siginfo si;
		struct imap *m = NULL;

		if (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
			break;
		if (connect_mailbox(cfg, &m, &err) < 0) {
			log_warn("bounces", "%s; trying again in %ds", error_msg(&err), delay);
			error_clear(&err);
			backoff_wait(sfd, delay);
			delay = delay * 2 > RECONNECT_MAX ? RECONNECT_MAX : delay * 2;
			continue;
		}
		for (;;) {
			if (process_unseen(m, st, cfg, sfd, &stats, &err) < 0) {
				/* Backoff holds until a pass succeeds: a failing message is not hammered. */
				log_warn("bounces", "%s; reconnecting in %ds", error_msg(&err), delay);
				error_clear(&err);
				backoff_wait(sfd, delay);
				delay = delay * 2 > RECONNECT_MAX ? RECONNECT_MAX : delay * 2;
				break;
			}
			delay = 1;
			if (imap_wait(m, imap_has_idle(m) ? 29 * 60 < cfg->imap_poll ? 29 * 60 :
			              (int)cfg->imap_poll : (int)cfg->imap_poll, sfd, &err) < 0) {
				log_warn("bounces", "%s; reconnecting", error_msg(&err));
				error_clear(&err);
				break;
			}
			if (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
				imap_close(m);
				goto done;
			}
		}
		imap_close(m);
	}
done:
	{
		char *line = bouncer_stats_line(&stats);

		log_info("bounces", "worker stopped: %s", line);
		free(line);
	}
	store_close(st);
	close(sfd);
	return 0;
}
