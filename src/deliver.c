/*
 * deliver - the queue runner.  See deliver.h.
 *
 * One loop drives the connections.  Due deliveries are claimed in batches
 * (a claim only reads), composed ahead of the connections by the pipeline's
 * thread, and handed over while the transport has room and the pace allows.  The transport
 * holds each handed-over message until its hand-over is committed (when the
 * relay first asks for a held message's data), in one transaction with every
 * outcome known by then; so at any instant only the messages in flight (one
 * per connection) can have reached the relay without the store knowing how
 * they ended.  Those commits go to the delivery journal and are applied to
 * the deliveries in batches (store_deliveries_apply).
 *
 * Refusals may be the relay's fault rather than the recipients' (breaker.h):
 * they are held back until a message is accepted, and a run of them pauses
 * the campaign instead of judging anyone.  A relay that cannot be reached
 * postpones the waiting deliveries and is tried again later.
 */
#include "deliver.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "addr.h"
#include "bounce.h"
#include "bounce_act.h"
#include "breaker.h"
#include "buf.h"
#include "campaign.h"
#include "compose.h"
#include "frontmatter.h"
#include "hash.h"
#include "log.h"
#include "pace.h"
#include "pipeline.h"
#include "policy.h"
#include "spool.h"
#include "store.h"
#include "transport.h"

enum {
	CLAIM_MAX = 256,           /* deliveries claimed at a time */
	FLUSH_MS = 50,             /* changes are written at least this often, */
	FLUSH_MAX = 256,           /* or when this many wait */
	APPLY_MS = 200,            /* the journal is applied at least this often */
	HELD_MAX = BREAKER_RUN_ANY,
	PAUSE_MAX = 16,
};

/* A message handed over. */
struct flight {
	int64_t delivery_id, campaign_id, subscriber_id;
	int attempts;
	char *email;
	char *message_id;
};

/* A change to a delivery, written at the next commit. */
struct change {
	struct delivery_result r;
	int64_t subscriber_id, campaign_id;
	int bounce;                /* the relay refused the address: a hard bounce to act on */
	char *email, *reply, *message_id;
};

struct deliver {
	const struct config *cfg;
	struct store *st;
	struct transport *tr;
	struct pipeline *pipe;
	struct delivery_job *jobs;
	int njobs, next_job;
	struct change *changes;
	int nchanges, cap_changes;
	struct change held[HELD_MAX]; /* refusals that may be the relay's fault */
	int nheld;
	int64_t pause[PAUSE_MAX];  /* campaigns to pause at the next commit */
	int npause;
	char *pause_reason;
	int64_t postpone_until;    /* at the next commit, move waiting deliveries to then */
	int64_t last_flush_ms, last_apply_ms, last_housekeeping;
	int64_t horizon;           /* claim only what is due by then (0: now) */
	int stopping;
	int64_t tripped_until_ms;  /* the breaker is open until then (0: closed) */
	int64_t down_until;        /* the relay is down until then (unix; 0: up) */
	int downs;                 /* consecutive times it was found down */
	char *problem;             /* what stopped delivery, for deliver_problem() */
	struct breaker breaker;
	struct pace *pace;
	struct deliver_stats stats;
};

static void
change_free(struct change *c)
{
	free(c->email);
	free(c->reply);
	free(c->message_id);
}

/* wake_transport - the pipeline's notification: a message is ready. */
static void
wake_transport(void *arg)
{
	transport_wakeup(arg);
}

int
deliver_open(const struct config *cfg, struct deliver **out, struct error *err)
{
	struct deliver *d = xcalloc(1, sizeof(*d));

	d->cfg = cfg;
	d->pace = pace_new((double)cfg->messages_per_second, (long)cfg->domain_per_minute);
	d->last_flush_ms = now_mono_ms();
	/*
	 * The runner walks the deliveries once and writes a small journal: a
	 * bounded page cache keeps its memory flat however long the list.
	 */
	if (store_open(cfg->db_path, &d->st, err) < 0 || store_cache_kb(d->st, 2048, err) < 0 ||
	    transport_open(cfg, &d->tr, err) < 0 ||
	    spool_init(cfg->spool_dir, err) < 0 || pipeline_open(cfg, &d->pipe, err) < 0) {
		deliver_close(d);
		return -1;
	}
	/* A message composed and signed while the runner waits on its connections wakes it. */
	pipeline_notify(d->pipe, wake_transport, d->tr);
	*out = d;
	return 0;
}

/* drop_unsent - forget claimed and composed messages: they are still queued in the store. */
static void
drop_unsent(struct deliver *d)
{
	if (d->pipe)
		pipeline_drop(d->pipe);
	delivery_jobs_free(d->jobs, d->njobs);
	d->jobs = NULL;
	d->njobs = d->next_job = 0;
}

void
deliver_close(struct deliver *d)
{
	if (d == NULL)
		return;
	drop_unsent(d);
	pipeline_close(d->pipe);
	for (int i = 0; i < d->nchanges; i++)
		change_free(&d->changes[i]);
	free(d->changes);
	for (int i = 0; i < d->nheld; i++)
		change_free(&d->held[i]);
	free(d->pause_reason);
	free(d->problem);
	pace_free(d->pace);
	transport_close(d->tr);
	store_close(d->st);
	free(d);
}

void
deliver_set_horizon(struct deliver *d, int64_t t)
{
	d->horizon = t;
}

static int64_t
claim_time(const struct deliver *d)
{
	return d->horizon ? d->horizon : now_unix();
}

static void
log_unknown(int64_t campaign, const char *email, void *arg)
{
	int resend = *(int *)arg;

	log_warn("deliver", "campaign %lld <%s>: outcome unknown after a restart; %s",
	         (long long)campaign, email, resend ? "sending again" : "not sending again (skip)");
}

int
deliver_recover(struct deliver *d, struct error *err)
{
	int resend = d->cfg->unknown_outcome == UNKNOWN_OUTCOME_RESEND;
	int64_t n;

	if (store_deliveries_recover(d->st, resend, log_unknown, &resend, &n, err) < 0)
		return -1;
	if (n > 0)
		log_warn("deliver", "%lld deliveries had an unknown outcome after a restart",
		         (long long)n);
	return 0;
}

/* ingest_one - one spool file into a campaign, or into failed/ with the reason. */
static int
ingest_one(struct deliver *d, const char *name, long *n, struct error *err)
{
	const char *dir = d->cfg->spool_dir;
	struct error why = ERROR_INIT;
	struct list_info list = {0};
	struct campaign_new cn;
	struct doc doc = {0};
	char *text = NULL, *path = xasprintf("%s/new/%s", dir, name);
	char hash[HASH_HEX_LEN + 1];
	size_t len;
	int64_t id;
	int existed, rc = -1;

	if (spool_read(dir, name, &text, &len, &why) < 0 && error_kind(&why) == ERR_NOTFOUND) {
		rc = 0; /* taken away since the directory was read */
		goto out;
	}
	if (why.msg == NULL)
		hash_sha256_hex(text, len, hash);
	if (why.msg || doc_parse(path, text, len, &doc, &why) < 0 ||
	    campaign_check(d->st, d->cfg, &doc, &list, &why) < 0)
		goto reject;
	memset(&cn, 0, sizeof(cn));
	cn.list_id = list.id;
	cn.kind = doc.kind == DOC_NOTICE ? "notice" : "newsletter";
	cn.subject = doc.subject.value;
	cn.topic = doc.topic.value;
	cn.source_name = name;
	cn.document = doc.text;
	cn.spool_name = name;
	cn.send_at = doc.send_at_utc ? doc.send_at_utc : now_unix();
	cn.event_starts = doc.has_event ? doc.event.starts_utc : 0;
	cn.content_hash = hash;
	cn.dedup_since = now_unix() - SPOOL_DEDUP_WINDOW;
	if (store_campaign_add(d->st, &cn, &id, &existed, &why) < 0) {
		if (error_kind(&why) == ERR_CONFLICT)
			goto reject;
		error_setk(err, error_kind(&why), "%s: %s", name, error_msg(&why));
		goto out;
	}
	/* Committed: a crash before this rename only makes the next scan see it again. */
	if (spool_accept(dir, name, err) < 0)
		goto out;
	log_info("spool", "%s %s campaign %lld (%s to %s)", name, existed ? "was already" : "became",
	         (long long)id, cn.kind, list.slug);
	(*n)++;
	rc = 0;
	goto out;
reject:
	log_warn("spool", "%s rejected: %s", name, error_msg(&why));
	rc = spool_reject(dir, name, error_msg(&why), err);
out:
	list_info_free(&list);
	doc_free(&doc);
	error_clear(&why);
	free(path);
	return rc;
}

int
deliver_ingest(struct deliver *d, long *n, struct error *err)
{
	char **names;
	size_t count;
	int rc = 0;

	*n = 0;
	if (spool_pending(d->cfg->spool_dir, &names, &count, err) < 0)
		return -1;
	for (size_t i = 0; i < count && rc == 0; i++)
		rc = ingest_one(d, names[i], n, err);
	spool_names_free(names, count);
	return rc;
}

static void
format_utc(int64_t t, char *out, size_t n)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(out, n, "%Y-%m-%d %H:%M UTC", &tm);
}

/* schedule - start due campaigns, holding late ones and never sending a stale notice. */
static int
schedule(struct deliver *d, int64_t now, struct error *err)
{
	int64_t ids[16], n_deliveries;
	int n;

	if (store_campaigns_due(d->st, now, ids, 16, &n, err) < 0)
		return -1;
	for (int i = 0; i < n; i++) {
		struct campaign_info c;
		char when[40], *reason = NULL;
		int status = -1;

		if (store_campaign_get(d->st, ids[i], &c, err) < 0)
			return -1;
		if (c.event_starts && c.event_starts <= now) {
			format_utc(c.event_starts, when, sizeof(when));
			reason = xasprintf("not sent: its event started at %s", when);
			status = CAMPAIGN_CANCELLED;
		} else if (now - c.send_at > d->cfg->max_lateness) {
			format_utc(c.send_at, when, sizeof(when));
			reason = xasprintf("held: its send time %s passed %lld min ago (more than "
			                   "max_lateness); `outreach campaign resume %lld` sends it now",
			                   when, (long long)((now - c.send_at) / 60), (long long)c.id);
			status = CAMPAIGN_PAUSED;
		}
		if (status >= 0) {
			log_warn("deliver", "campaign %lld: %s", (long long)c.id, reason);
			if (store_campaign_set_status(d->st, c.id, status, reason, err) < 0) {
				free(reason);
				campaign_info_free(&c);
				return -1;
			}
			free(reason);
			campaign_info_free(&c);
			continue;
		}
		/* run --once: what it starts is due within its horizon */
		if (store_campaign_expand(d->st, c.id, d->horizon && d->horizon < now ? d->horizon : now,
		                          &n_deliveries, err) < 0) {
			campaign_info_free(&c);
			return -1;
		}
		log_info("deliver", "campaign %lld: sending '%s' to %lld recipients on %s",
		         (long long)c.id, c.subject, (long long)n_deliveries, c.list_slug);
		campaign_info_free(&c);
	}
	return 0;
}

/* backoff - when to try again after attempts failures: doubling, bounded, with jitter. */
static int64_t
backoff(const struct deliver *d, int attempts)
{
	double wait = (double)d->cfg->retry_min;
	unsigned int r;

	for (int i = 1; i < attempts && wait < (double)d->cfg->retry_max; i++)
		wait *= 2;

	if (wait > (double)d->cfg->retry_max)
		wait = (double)d->cfg->retry_max;
	random_bytes(&r, sizeof(r));
	wait *= 0.8 + 0.4 * ((double)r / 4294967295.0);
	return now_unix() + (int64_t)(wait < 1 ? 1 : wait);
}

/*
 * act_on_refusal - the relay refused the address during the transaction:
 * judged by the policy like a hard bounce that came back (and probed first
 * where [bounces] probe says so).
 */
static int
act_on_refusal(struct deliver *d, const struct change *o, struct error *err)
{
	struct bounce_policy cfg = {(int)d->cfg->soft_threshold, (int)d->cfg->soft_window_days,
	                            d->cfg->bounce_probe};
	struct bounce_act_event ev;
	char status[POLICY_STATUS_MAX], *decision = NULL;
	int action;

	memset(&ev, 0, sizeof(ev));
	ev.subscriber_id = o->subscriber_id;
	ev.delivery_id = o->r.id;
	ev.email = o->email;
	ev.class = BOUNCE_HARD;
	ev.status = policy_reply_status(o->reply, status) == 0 ? status : "5.0.0";
	ev.reason = "refused at RCPT";
	ev.diagnostic = o->reply;
	if (bounce_act(d->st, &cfg, &ev, &action, &decision, err) < 0)
		return -1;
	log_info("deliver", "<%s> refused by the relay: %s", o->email ? o->email : "?", decision);
	free(decision);
	return 0;
}

static struct change *
change_add(struct deliver *d, int64_t delivery_id, int change, int status, int64_t next,
           const char *reply, const char *message_id)
{
	struct change *c;

	if (d->nchanges == d->cap_changes) {
		d->cap_changes = d->cap_changes ? d->cap_changes * 2 : 256;
		d->changes = xrealloc(d->changes, (size_t)d->cap_changes * sizeof(*c));
	}
	c = &d->changes[d->nchanges++];
	memset(c, 0, sizeof(*c));
	c->reply = reply ? xstrdup(reply) : NULL;
	c->message_id = message_id ? xstrdup(message_id) : NULL;
	c->r.id = delivery_id;
	c->r.change = change;
	c->r.status = status;
	c->r.next_attempt = next;
	c->r.reply = c->reply;
	c->r.message_id = c->message_id;
	return c;
}

/* pause_later - pause campaign id at the next commit (the relay refuses us). */
static void
pause_later(struct deliver *d, int64_t id)
{
	for (int i = 0; i < d->npause; i++)
		if (d->pause[i] == id)
			return;
	if (d->npause < PAUSE_MAX)
		d->pause[d->npause++] = id;
}

/* hold_campaigns - pause what pause_later asked for; the ids paused go into paused. */
static int
hold_campaigns(struct deliver *d, struct buf *paused, struct error *err)
{
	for (int i = 0; i < d->npause; i++) {
		char *reason = xasprintf("%s; nobody was marked bounced: `outreach campaign resume "
		                         "%lld` once the relay is fixed", d->pause_reason,
		                         (long long)d->pause[i]);
		int done, rc = store_campaign_hold(d->st, d->pause[i], reason, &done, err);

		free(reason);
		if (rc < 0)
			return -1;
		if (done)
			buf_addf(paused, "%s%lld", paused->len ? ", " : "", (long long)d->pause[i]);
	}
	return 0;
}

/*
 * commit - write every change so far in one transaction (with the bounces
 * they imply, the campaigns to pause, the deliveries to postpone), then let
 * the messages handed over go.
 */
static int
commit(struct deliver *d, struct error *err)
{
	struct delivery_result *rs = NULL;
	struct buf paused;
	int64_t moved = 0;
	int rc = 0;

	d->last_flush_ms = now_mono_ms();
	if (d->nchanges == 0 && d->npause == 0 && d->postpone_until == 0) {
		transport_release(d->tr);
		return 0;
	}
	buf_init(&paused, 4096);
	rs = xmalloc((size_t)(d->nchanges ? d->nchanges : 1) * sizeof(*rs));
	for (int i = 0; i < d->nchanges; i++)
		rs[i] = d->changes[i].r;
	if (store_begin(d->st, err) < 0)
		rc = -1;
	if (rc == 0 && store_deliveries_record(d->st, rs, d->nchanges, err) < 0)
		rc = -1;
	for (int i = 0; rc == 0 && i < d->nchanges; i++)
		if (d->changes[i].bounce && act_on_refusal(d, &d->changes[i], err) < 0)
			rc = -1;
	if (rc == 0 && hold_campaigns(d, &paused, err) < 0)
		rc = -1;
	if (rc == 0 && d->postpone_until &&
	    store_deliveries_postpone(d->st, d->postpone_until, &moved, err) < 0)
		rc = -1;
	if (rc == 0)
		rc = store_commit(d->st, err);
	else
		store_rollback(d->st);
	free(rs);
	if (rc == 0) {
		for (int i = 0; i < d->nchanges; i++)
			change_free(&d->changes[i]);
		d->nchanges = 0;
		if (paused.len > 0) {
			char *p = xasprintf("%s; campaign %s paused, nobody marked bounced",
			                    d->problem ? d->problem : d->pause_reason, buf_cstr(&paused));

			log_error("deliver", "campaign %s paused: the relay refuses us; `outreach "
			          "campaign resume ID` once it is fixed", buf_cstr(&paused));
			free(d->problem);
			d->problem = p;
		}
		d->npause = 0;
		if (d->postpone_until && moved > 0)
			log_info("deliver", "%lld waiting deliveries postponed", (long long)moved);
		d->postpone_until = 0;
		transport_release(d->tr);
	}
	buf_free(&paused);
	return rc;
}

/* settle - commit, and apply the journal to the deliveries. */
static int
settle(struct deliver *d, struct error *err)
{
	if (commit(d, err) < 0)
		return -1;
	d->last_apply_ms = d->last_flush_ms;
	return store_deliveries_apply(d->st, NULL, err);
}

int
deliver_flush(struct deliver *d, struct error *err)
{
	return settle(d, err);
}

/* release_held - the refusals held back were the recipients' own: record them. */
static void
release_held(struct deliver *d)
{
	for (int i = 0; i < d->nheld; i++) {
		struct change *h = &d->held[i], *c;

		c = change_add(d, h->r.id, DELIVERY_OUTCOME, h->r.status, 0, h->reply, NULL);
		c->bounce = h->bounce;
		c->subscriber_id = h->subscriber_id;
		c->email = h->email;
		h->email = NULL;
		if (h->r.status == DELIVERY_BOUNCED)
			d->stats.bounced++;
		else
			d->stats.failed++;
		change_free(h);
	}
	d->nheld = 0;
}

/* undo - a handed-over delivery the relay refused through no fault of the recipient's. */
static void
undo(struct deliver *d, int64_t delivery_id, int64_t campaign_id, const char *reply)
{
	change_add(d, delivery_id, DELIVERY_UNDONE, DELIVERY_DEFERRED,
	           now_unix() + d->cfg->retry_min, reply, NULL);
	pause_later(d, campaign_id);
	d->stats.deferred++;
}

/*
 * trip - the relay is at fault: undo what was held, pause the campaigns,
 * hand nothing more over for a while (and never again in this run).
 */
static void
trip(struct deliver *d, const char *why)
{
	for (int i = 0; i < d->nheld; i++) {
		undo(d, d->held[i].r.id, d->held[i].campaign_id, d->held[i].reply);
		change_free(&d->held[i]);
	}
	d->nheld = 0;
	breaker_reset(&d->breaker);
	free(d->pause_reason);
	d->pause_reason = xstrdup(why);
	free(d->problem);
	d->problem = xstrdup(why);
	log_error("deliver", "%s", why);
	d->tripped_until_ms = now_mono_ms() + d->cfg->retry_min * 1000;
	d->stats.tripped++;
	drop_unsent(d);
}

/* relay_down - nothing reaches the relay: postpone what waits and try again later. */
static void
relay_down(struct deliver *d, const char *reply)
{
	int64_t wait = d->cfg->retry_min, until;
	char when[40];
	time_t t;
	struct tm tm;

	for (int i = 0; i < d->downs && wait < d->cfg->retry_max; i++)
		wait *= 2;
	if (wait > d->cfg->retry_max)
		wait = d->cfg->retry_max;
	d->downs++;
	until = now_unix() + wait;
	d->down_until = d->postpone_until = until;
	d->stats.unreachable++;
	t = (time_t)until;
	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
	free(d->problem);
	if (d->stats.sent == 0)
		d->problem = xasprintf("nothing could be delivered: the relay at %s cannot be reached "
		                       "(%s); the next attempt is due at %s", d->cfg->transport_url,
		                       reply, when);
	else
		d->problem = xasprintf("%ld messages went out, then the relay at %s could not be "
		                       "reached (%s); the next attempt is due at %s", d->stats.sent,
		                       d->cfg->transport_url, reply, when);
	log_error("deliver", "%s", d->problem);
	drop_unsent(d);
}

/* refused - a 5xx to RCPT or to the data: held while it may be the relay's fault. */
static void
refused(struct deliver *d, const struct flight *f, const char *reply, int verdict)
{
	struct change *h;
	char *why;

	if (d->tripped_until_ms) {
		undo(d, f->delivery_id, f->campaign_id, reply);
		return;
	}
	h = &d->held[d->nheld++];
	memset(h, 0, sizeof(*h));
	h->r.id = f->delivery_id;
	h->r.status = verdict == VERDICT_BOUNCE ? DELIVERY_BOUNCED : DELIVERY_FAILED;
	h->bounce = verdict == VERDICT_BOUNCE;
	h->subscriber_id = f->subscriber_id;
	h->campaign_id = f->campaign_id;
	h->email = xstrdup(f->email);
	h->reply = xstrdup(reply);
	if (breaker_refused(&d->breaker, addr_domain(f->email)) != BREAKER_TRIP &&
	    d->nheld < HELD_MAX)
		return;
	why = xasprintf("the relay refused %d recipients in a row on %d domains (last reply: %s)",
	                d->breaker.run, d->breaker.ndomains, reply);
	trip(d, why);
	free(why);
}

static void
on_done(const struct transport_result *r, void *arg)
{
	struct deliver *d = arg;
	struct flight *f = r->ctx;
	int verdict = policy_send(r->outcome, r->reply);
	const char *what = NULL;
	double rate;
	char *why;

	if (r->code != 0)
		breaker_reached(&d->breaker);
	switch (verdict) {
	case VERDICT_SENT:
		change_add(d, f->delivery_id, DELIVERY_OUTCOME, DELIVERY_SENT, 0, r->reply,
		           f->message_id);
		d->stats.sent++;
		pace_sent(d->pace);
		breaker_accepted(&d->breaker);
		release_held(d);
		d->downs = 0;
		what = "sent";
		break;
	case VERDICT_THROTTLE:
		change_add(d, f->delivery_id, DELIVERY_OUTCOME, DELIVERY_DEFERRED,
		           now_unix() + d->cfg->retry_min, r->reply, NULL);
		d->stats.throttled++;
		what = "throttled";
		if (pace_throttled(d->pace, now_mono_ms(), &rate))
			log_warn("deliver", "relay asked us to slow down (%s); at most %.0f msg/s now",
			         r->reply, rate);
		break;
	case VERDICT_BOUNCE:
	case VERDICT_FAIL:
		refused(d, f, r->reply, verdict);
		what = "refused";
		break;
	case VERDICT_RELAY:
		undo(d, f->delivery_id, f->campaign_id, r->reply);
		if (d->tripped_until_ms == 0) {
			const char *cmd = r->command ? r->command : "";

			why = strcmp(cmd, "MAIL") == 0 ?
			      xasprintf("the relay refused the sender (%s)", r->reply) :
			      strcmp(cmd, "AUTH") == 0 ?
			      xasprintf("the relay refused our login (%s)", r->reply) :
			      xasprintf("the relay refused the session (%s)", r->reply);
			trip(d, why);
			free(why);
		}
		what = "refused by the relay";
		break;
	default:
		change_add(d, f->delivery_id, DELIVERY_OUTCOME, DELIVERY_DEFERRED,
		           backoff(d, f->attempts), r->reply, NULL);
		d->stats.deferred++;
		what = "deferred";
		if (r->code == 0 && d->down_until == 0 &&
		    breaker_unreachable(&d->breaker, (int)d->cfg->max_connections))
			relay_down(d, r->reply);
	}
	log_info("deliver", "campaign %lld <%s>: %s: %s", (long long)f->campaign_id, f->email,
	         what, r->reply);
	free(f->email);
	free(f->message_id);
	free(f);
}

/* halted - the breaker is open or the relay is down: hand nothing over. */
static int
halted(struct deliver *d)
{
	if (d->tripped_until_ms && d->horizon == 0 && now_mono_ms() >= d->tripped_until_ms)
		d->tripped_until_ms = 0; /* the daemon tries again; a paused campaign stays paused */
	if (d->down_until && d->horizon == 0 && now_unix() >= d->down_until)
		d->down_until = 0;
	return d->tripped_until_ms || d->down_until;
}

/* claim - the next batch of due deliveries, after writing what is known. */
static int
claim(struct deliver *d, struct error *err)
{
	int64_t skip[PIPELINE_MAX];
	int nskip = pipeline_ids(d->pipe, skip);

	if (settle(d, err) < 0)
		return -1;
	delivery_jobs_free(d->jobs, d->njobs);
	d->jobs = NULL;
	d->njobs = d->next_job = 0;
	return store_deliveries_claim(d->st, claim_time(d), CLAIM_MAX, skip, nskip, &d->jobs,
	                              &d->njobs, err);
}

/* feed - keep the pipeline full of claimed deliveries. */
static int
feed(struct deliver *d, struct error *err)
{
	int claimed = 0;

	while (!d->stopping && !halted(d) && pipeline_room(d->pipe) > 0) {
		struct delivery_job *j;
		int64_t wait_until;

		if (d->next_job >= d->njobs) {
			if (claimed)
				return 0; /* one claim a turn */
			claimed = 1;
			if (claim(d, err) < 0)
				return -1;
			if (d->njobs == 0)
				return 0;
		}
		j = &d->jobs[d->next_job++];
		if (!pace_domain_allows(d->pace, addr_domain(j->email), now_unix(), &wait_until)) {
			change_add(d, j->id, DELIVERY_PACED, 0, wait_until,
			           "paced: domain_per_minute reached for this domain", NULL);
			continue;
		}
		pipeline_push(d->pipe, j);
	}
	return 0;
}

/* hand_over - submit composed messages while there is room; how many went. */
static int
hand_over(struct deliver *d, struct error *err)
{
	struct composed *c;
	int n = 0;

	while (transport_capacity(d->tr) > 0 && !halted(d) && (c = pipeline_head(d->pipe))) {
		struct flight *f;
		size_t len = c->msg.len;

		if (c->error) {
			log_warn("deliver", "campaign %lld <%s>: cannot compose: %s",
			         (long long)c->job.campaign_id, c->job.email, c->error);
			change_add(d, c->job.id, DELIVERY_OUTCOME, DELIVERY_FAILED, 0, c->error, NULL);
			d->stats.failed++;
			pipeline_pop(d->pipe);
			continue;
		}
		if (!pace_rate_allows(d->pace, now_mono_ms()))
			break;
		f = xcalloc(1, sizeof(*f));
		f->delivery_id = c->job.id;
		f->campaign_id = c->job.campaign_id;
		f->subscriber_id = c->job.subscriber_id;
		f->attempts = c->job.attempts;
		f->email = c->job.email;
		f->message_id = c->message_id;
		c->job.email = c->message_id = NULL;
		change_add(d, f->delivery_id, DELIVERY_HANDOVER, 0, 0, NULL, NULL);
		if (transport_submit(d->tr, f, buf_cstr(&c->from), f->email, buf_steal(&c->msg), len,
		                     err) < 0) {
			pipeline_pop(d->pipe);
			free(f->email);
			free(f->message_id);
			free(f);
			return -1;
		}
		pipeline_pop(d->pipe);
		n++;
	}
	return n;
}

static int
housekeeping(struct deliver *d, struct error *err)
{
	int64_t now = now_unix(), n;

	if (now == d->last_housekeeping)
		return 0;
	d->last_housekeeping = now;
	if (store_deliveries_expire(d->st, now - d->cfg->give_up_after, &n, err) < 0)
		return -1;
	if (n > 0)
		log_warn("deliver", "gave up on %lld deliveries deferred for longer than "
		         "give_up_after", (long long)n);
	if (!d->stopping && schedule(d, now, err) < 0)
		return -1;
	return store_campaign_finish_done(d->st, now, err);
}

/* settle_idle - nothing in flight or waiting: held refusals are judged as a whole. */
static void
settle_idle(struct deliver *d)
{
	char *why;

	if (d->nheld == 0 || transport_in_flight(d->tr) > 0 || pipeline_count(d->pipe) > 0 ||
	    d->next_job < d->njobs)
		return;
	if (breaker_idle(&d->breaker) == BREAKER_RELEASE) {
		release_held(d);
		return;
	}
	why = xasprintf("the relay refused all %d recipients it was given, on %d domains "
	                "(last reply: %s)", d->breaker.run, d->breaker.ndomains,
	                d->held[d->nheld - 1].reply);
	trip(d, why);
	free(why);
}

int
deliver_step(struct deliver *d, int wait_ms, int wake_fd, struct error *err)
{
	int timeout, handed;
	int64_t now_ms;

	if (housekeeping(d, err) < 0 || feed(d, err) < 0 || (handed = hand_over(d, err)) < 0)
		return -1;
	if (handed > 0 && getenv("EAGER")) {
		if (transport_poll(d->tr, 0, -1, on_done, d, err) < 0 || commit(d, err) < 0)
			return -1;
	}
	now_ms = now_mono_ms();
	if (now_ms - d->last_apply_ms >= APPLY_MS) {
		if (settle(d, err) < 0)
			return -1;
	} else if ((d->nchanges >= FLUSH_MAX || now_ms - d->last_flush_ms >= FLUSH_MS) &&
	           commit(d, err) < 0)
		return -1;
	if (feed(d, err) < 0)
		return -1;
	if (pipeline_count(d->pipe) > 0 && transport_capacity(d->tr) > 0 && !halted(d))
		timeout = 1;       /* a message is being composed, or the pace says wait */
	else if (transport_in_flight(d->tr) > 0 || d->nchanges > 0 || d->nheld > 0)
		timeout = FLUSH_MS;
	else
		timeout = wait_ms;
	if (transport_poll(d->tr, timeout, wake_fd, on_done, d, err) < 0)
		return -1;
	settle_idle(d);
	/* A held message's data is wanted: commit its hand-over (and what else is known). */
	if (transport_waiting(d->tr) > 0 || d->npause > 0 || d->postpone_until)
		return commit(d, err);
	if (transport_in_flight(d->tr) == 0 && pipeline_count(d->pipe) == 0)
		return settle(d, err);
	return 0;
}

int
deliver_busy(struct deliver *d)
{
	return transport_in_flight(d->tr) + pipeline_count(d->pipe) + (d->njobs - d->next_job) +
	       d->nchanges + d->nheld;
}

int
deliver_due_now(struct deliver *d, int *due, struct error *err)
{
	int64_t when = 0;

	*due = 0;
	if (halted(d))
		return 0;
	if (store_next_due(d->st, &when, err) < 0)
		return -1;
	*due = when > 0 && when <= claim_time(d);
	return 0;
}

int
deliver_stop(struct deliver *d, struct error *err)
{
	d->stopping = 1;
	/* Claimed or composed but never handed over: still queued, nothing is in doubt. */
	drop_unsent(d);
	return settle(d, err);
}

int
deliver_finish(struct deliver *d, struct error *err)
{
	return store_campaign_finish_done(d->st, now_unix(), err);
}

const struct deliver_stats *
deliver_get_stats(const struct deliver *d)
{
	return &d->stats;
}

const char *
deliver_problem(const struct deliver *d)
{
	return d->problem;
}
