/*
 * deliver - the queue runner.  See deliver.h.
 *
 * One process, one loop: claim a small batch (so few messages are ever
 * "in doubt"), compose and submit while the transport has room and the rate
 * allows, poll, and record outcomes in batches at least every 50 ms.
 */
#include "deliver.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "addr.h"
#include "bounce.h"
#include "bounce_act.h"
#include "buf.h"
#include "campaign.h"
#include "compose.h"
#include "frontmatter.h"
#include "hash.h"
#include "log.h"
#include "policy.h"
#include "spool.h"
#include "store.h"
#include "transport.h"

enum {
	CLAIM_MAX = 64,            /* deliveries claimed at a time */
	FLUSH_MS = 50,             /* outcomes are written at least this often */
	FLUSH_MAX = 256,
	COMPOSERS_MAX = 16,
	DOMAIN_BUCKETS = 4096,
};

struct composer {
	int64_t campaign_id;
	struct compose_campaign *c; /* NULL: the campaign cannot be composed */
	char *error;
	int64_t used;
};

struct flight {
	int64_t delivery_id, campaign_id, subscriber_id;
	int attempts;
	char *email;
	char *message_id;
};

struct outcome {
	struct delivery_result r;
	int64_t subscriber_id;
	int bounce;                /* the relay refused the address: a hard bounce to act on */
	char *email, *reply, *message_id;
};

struct domain_count {
	char *domain;
	int64_t window;            /* minute the count is for */
	long count;
	struct domain_count *next;
};

struct deliver {
	const struct config *cfg;
	struct store *st;
	struct transport *tr;
	struct composer composers[COMPOSERS_MAX];
	struct delivery_job *jobs;
	int njobs, next_job;
	struct outcome *outcomes;
	int noutcomes, cap_outcomes;
	int64_t last_flush_ms, last_housekeeping;
	int stopping;
	struct buf msg, from;
	/* Rate: a token bucket whose rate halves when the relay pushes back. */
	double rate, tokens;       /* rate 0: unlimited */
	int64_t last_refill_ms, last_throttle_ms, last_speedup_ms;
	long sent_window;
	int64_t window_start_ms;
	double measured_rate;
	struct domain_count *domains[DOMAIN_BUCKETS];
	struct deliver_stats stats;
};

static void
outcome_free(struct outcome *o)
{
	free(o->email);
	free(o->reply);
	free(o->message_id);
}

int
deliver_open(const struct config *cfg, struct deliver **out, struct error *err)
{
	struct deliver *d = xcalloc(1, sizeof(*d));

	d->cfg = cfg;
	if (store_open(cfg->db_path, &d->st, err) < 0 || transport_open(cfg, &d->tr, err) < 0 ||
	    spool_init(cfg->spool_dir, err) < 0) {
		deliver_close(d);
		return -1;
	}
	buf_init(&d->msg, COMPOSE_MAX_MESSAGE);
	buf_init(&d->from, 1024);
	d->rate = (double)cfg->messages_per_second;
	d->last_refill_ms = d->last_flush_ms = d->window_start_ms = now_mono_ms();
	*out = d;
	return 0;
}

static void
domains_free(struct deliver *d)
{
	for (int i = 0; i < DOMAIN_BUCKETS; i++) {
		struct domain_count *e = d->domains[i], *next;

		for (; e; e = next) {
			next = e->next;
			free(e->domain);
			free(e);
		}
		d->domains[i] = NULL;
	}
}

void
deliver_close(struct deliver *d)
{
	if (d == NULL)
		return;
	for (int i = 0; i < COMPOSERS_MAX; i++) {
		compose_free(d->composers[i].c);
		free(d->composers[i].error);
	}
	delivery_jobs_free(d->jobs, d->njobs);
	for (int i = 0; i < d->noutcomes; i++)
		outcome_free(&d->outcomes[i]);
	free(d->outcomes);
	domains_free(d);
	transport_close(d->tr);
	store_close(d->st);
	buf_free(&d->msg);
	buf_free(&d->from);
	free(d);
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
		if (store_campaign_expand(d->st, c.id, now, &n_deliveries, err) < 0) {
			campaign_info_free(&c);
			return -1;
		}
		log_info("deliver", "campaign %lld: sending '%s' to %lld recipients on %s",
		         (long long)c.id, c.subject, (long long)n_deliveries, c.list_slug);
		campaign_info_free(&c);
	}
	return 0;
}

/* composer_for - the composer of a campaign, prepared on first use and cached. */
static struct composer *
composer_for(struct deliver *d, int64_t campaign_id)
{
	struct composer *slot = &d->composers[0];
	struct campaign_info c;
	struct list_info list = {0};
	struct doc doc = {0};
	struct error e = ERROR_INIT;
	char *path;

	for (int i = 0; i < COMPOSERS_MAX; i++) {
		if (d->composers[i].campaign_id == campaign_id) {
			d->composers[i].used = now_mono_ms();
			return &d->composers[i];
		}
		if (d->composers[i].used < slot->used)
			slot = &d->composers[i];
	}
	compose_free(slot->c);
	free(slot->error);
	memset(slot, 0, sizeof(*slot));
	slot->campaign_id = campaign_id;
	slot->used = now_mono_ms();
	if (store_campaign_get(d->st, campaign_id, &c, &e) < 0) {
		slot->error = xstrdup(error_msg(&e));
		error_clear(&e);
		return slot;
	}
	path = xasprintf("campaign %lld", (long long)campaign_id);
	if (doc_parse(path, xstrdup(c.document), strlen(c.document), &doc, &e) < 0 ||
	    campaign_check(d->st, d->cfg, &doc, &list, &e) < 0 ||
	    campaign_composer(d->cfg, &doc, &list, campaign_id, c.kind, &slot->c, &e) < 0) {
		slot->error = xstrdup(error_msg(&e));
		log_warn("deliver", "campaign %lld cannot be composed: %s", (long long)campaign_id,
		         slot->error);
	}
	list_info_free(&list);
	doc_free(&doc);
	free(path);
	campaign_info_free(&c);
	error_clear(&e);
	return slot;
}

static struct outcome *
add_outcome(struct deliver *d, int64_t delivery_id, int64_t subscriber_id, int status,
            int64_t next, const char *reply, const char *message_id, int bounce)
{
	struct outcome *o;

	if (d->noutcomes == d->cap_outcomes) {
		d->cap_outcomes = d->cap_outcomes ? d->cap_outcomes * 2 : 256;
		d->outcomes = xrealloc(d->outcomes, (size_t)d->cap_outcomes * sizeof(*o));
	}
	o = &d->outcomes[d->noutcomes++];
	memset(o, 0, sizeof(*o));
	o->reply = xstrdup(reply ? reply : "");
	o->message_id = message_id ? xstrdup(message_id) : NULL;
	o->r.id = delivery_id;
	o->r.status = status;
	o->r.next_attempt = next;
	o->r.reply = o->reply;
	o->r.message_id = o->message_id;
	o->subscriber_id = subscriber_id;
	o->bounce = bounce;
	return o;
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
act_on_refusal(struct deliver *d, const struct outcome *o, struct error *err)
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

int
deliver_flush(struct deliver *d, struct error *err)
{
	struct delivery_result *rs;
	int rc = 0;

	d->last_flush_ms = now_mono_ms();
	if (d->noutcomes == 0)
		return 0;
	rs = xmalloc((size_t)d->noutcomes * sizeof(*rs));
	for (int i = 0; i < d->noutcomes; i++)
		rs[i] = d->outcomes[i].r;
	if (store_begin(d->st, err) < 0)
		rc = -1;
	if (rc == 0 && store_deliveries_record(d->st, rs, d->noutcomes, err) < 0)
		rc = -1;
	for (int i = 0; rc == 0 && i < d->noutcomes; i++)
		if (d->outcomes[i].bounce && act_on_refusal(d, &d->outcomes[i], err) < 0)
			rc = -1;
	if (rc == 0)
		rc = store_commit(d->st, err);
	else
		store_rollback(d->st);
	free(rs);
	if (rc < 0)
		return -1;
	for (int i = 0; i < d->noutcomes; i++)
		outcome_free(&d->outcomes[i]);
	d->noutcomes = 0;
	return 0;
}

static void
on_done(const struct transport_result *r, void *arg)
{
	struct deliver *d = arg;
	struct flight *f = r->ctx;
	int64_t now_ms = now_mono_ms();
	struct outcome *o;
	const char *what;

	switch (policy_send(r->outcome, r->reply)) {
	case VERDICT_SENT:
		add_outcome(d, f->delivery_id, f->subscriber_id, DELIVERY_SENT, 0, r->reply,
		            f->message_id, 0);
		d->stats.sent++;
		d->sent_window++;
		what = "sent";
		break;
	case VERDICT_THROTTLE:
		add_outcome(d, f->delivery_id, f->subscriber_id, DELIVERY_DEFERRED,
		            now_unix() + d->cfg->retry_min, r->reply, NULL, 0);
		d->stats.throttled++;
		what = "throttled";
		if (now_ms - d->last_throttle_ms > 1000) {
			double base = d->rate > 0 ? d->rate : d->measured_rate;

			d->rate = base / 2 < 1 ? 1 : base / 2;
			d->last_throttle_ms = d->last_speedup_ms = now_ms;
			log_warn("deliver", "relay asked us to slow down (%s); at most %.0f msg/s now",
			         r->reply, d->rate);
		}
		break;
	case VERDICT_BOUNCE:
		o = add_outcome(d, f->delivery_id, f->subscriber_id, DELIVERY_BOUNCED, 0, r->reply,
		                NULL, 1);
		o->email = xstrdup(f->email);
		d->stats.bounced++;
		what = "refused (hard bounce)";
		break;
	case VERDICT_FAIL:
		add_outcome(d, f->delivery_id, f->subscriber_id, DELIVERY_FAILED, 0, r->reply, NULL,
		            0);
		d->stats.failed++;
		what = r->outcome == TRANSPORT_REJECTED ? "refused by policy" : "failed";
		break;
	default:
		add_outcome(d, f->delivery_id, f->subscriber_id, DELIVERY_DEFERRED,
		            backoff(d, f->attempts), r->reply, NULL, 0);
		d->stats.deferred++;
		what = "deferred";
	}
	log_info("deliver", "campaign %lld <%s>: %s: %s", (long long)f->campaign_id, f->email,
	         what, r->reply);
	free(f->email);
	free(f->message_id);
	free(f);
}

/* rate_allows - take a token if the global rate allows one more message now. */
static int
rate_allows(struct deliver *d)
{
	int64_t now = now_mono_ms();

	if (now - d->window_start_ms >= 1000) {
		d->measured_rate = (double)d->sent_window * 1000 / (double)(now - d->window_start_ms);
		d->sent_window = 0;
		d->window_start_ms = now;
	}
	/* Speed back up gradually: a quarter more every 5 s without pushback. */
	if (d->last_throttle_ms && now - d->last_speedup_ms >= 5000) {
		double want = (double)d->cfg->messages_per_second;

		d->last_speedup_ms = now;
		d->rate *= 1.25;
		if (want > 0 && d->rate >= want)
			d->rate = want;
		else if (want == 0 && d->rate > 100000)
			d->rate = 0;
		if (d->rate == want)
			d->last_throttle_ms = 0;
	}
	if (d->rate <= 0)
		return 1;
	d->tokens += (double)(now - d->last_refill_ms) * d->rate / 1000;
	d->last_refill_ms = now;
	if (d->tokens > d->rate / 10 + 1)
		d->tokens = d->rate / 10 + 1;
	if (d->tokens < 1)
		return 0;
	d->tokens -= 1;
	return 1;
}

/* domain_allows - the per-domain ceiling; *wait_until when it says no. */
static int
domain_allows(struct deliver *d, const char *email, int64_t *wait_until)
{
	const char *domain = addr_domain(email);
	int64_t minute = now_unix() / 60;
	unsigned h = 5381;
	struct domain_count *e;

	if (d->cfg->domain_per_minute <= 0)
		return 1;
	for (const char *p = domain; *p; p++)
		h = h * 33 + (unsigned char)*p;
	for (e = d->domains[h % DOMAIN_BUCKETS]; e; e = e->next)
		if (strcasecmp(e->domain, domain) == 0)
			break;
	if (e == NULL) {
		e = xcalloc(1, sizeof(*e));
		e->domain = xstrdup(domain);
		e->next = d->domains[h % DOMAIN_BUCKETS];
		d->domains[h % DOMAIN_BUCKETS] = e;
	}
	if (e->window != minute) {
		e->window = minute;
		e->count = 0;
	}
	if (e->count >= d->cfg->domain_per_minute) {
		*wait_until = (minute + 1) * 60;
		return 0;
	}
	e->count++;
	return 1;
}

/* submit_one - compose the next claimed job and hand it over; 0 if the rate says wait. */
static int
submit_one(struct deliver *d, struct error *err)
{
	struct delivery_job *j = &d->jobs[d->next_job];
	struct compose_recipient r = {j->subscriber_id, j->id, j->email, j->name};
	struct error e = ERROR_INIT;
	struct composer *cp;
	struct flight *f;
	int64_t wait_until;

	if (!domain_allows(d, j->email, &wait_until)) {
		/* Not an attempt: deferred to the next minute, the claim's attempt undone. */
		add_outcome(d, j->id, j->subscriber_id, DELIVERY_DEFERRED, wait_until,
		            "paced: domain_per_minute reached for this domain", NULL, 0)
		    ->r.not_attempted = 1;
		d->next_job++;
		return 1;
	}
	if (!rate_allows(d))
		return 0;
	d->next_job++;
	cp = composer_for(d, j->campaign_id);
	if (cp->c == NULL || compose_message(cp->c, &r, &d->msg, &d->from, &e) < 0) {
		const char *why = cp->c == NULL ? cp->error : error_msg(&e);

		log_warn("deliver", "campaign %lld <%s>: cannot compose: %s",
		         (long long)j->campaign_id, j->email, why);
		add_outcome(d, j->id, j->subscriber_id, DELIVERY_FAILED, 0, why, NULL, 0);
		d->stats.failed++;
		error_clear(&e);
		return 1;
	}
	f = xcalloc(1, sizeof(*f));
	f->delivery_id = j->id;
	f->campaign_id = j->campaign_id;
	f->subscriber_id = j->subscriber_id;
	f->attempts = j->attempts;
	f->email = xstrdup(j->email);
	f->message_id = xstrdup(compose_message_id(cp->c));
	if (transport_submit(d->tr, f, buf_cstr(&d->from), j->email, d->msg.data, d->msg.len,
	                     err) < 0) {
		free(f->email);
		free(f->message_id);
		free(f);
		return -1;
	}
	return 1;
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

int
deliver_step(struct deliver *d, int wait_ms, int wake_fd, struct error *err)
{
	int rc, waiting;

	if (housekeeping(d, err) < 0)
		return -1;
	if (!d->stopping && d->next_job >= d->njobs && transport_capacity(d->tr) > 0) {
		delivery_jobs_free(d->jobs, d->njobs);
		d->jobs = NULL;
		d->njobs = d->next_job = 0;
		if (store_deliveries_claim(d->st, now_unix(), CLAIM_MAX, &d->jobs, &d->njobs, err) <
		    0)
			return -1;
	}
	waiting = 0;
	while (d->next_job < d->njobs && transport_capacity(d->tr) > 0) {
		rc = submit_one(d, err);
		if (rc < 0)
			return -1;
		if (rc == 0) {
			waiting = 1;
			break;
		}
	}
	if (transport_in_flight(d->tr) == 0 && d->next_job >= d->njobs && d->noutcomes == 0 &&
	    !waiting && d->njobs == 0)
		rc = transport_poll(d->tr, wait_ms, wake_fd, on_done, d, err);
	else
		rc = transport_poll(d->tr, waiting ? 5 : (d->next_job < d->njobs ? 0 : 20), wake_fd,
		                    on_done, d, err);
	if (rc < 0)
		return -1;
	if (d->noutcomes >= FLUSH_MAX || now_mono_ms() - d->last_flush_ms >= FLUSH_MS ||
	    (transport_in_flight(d->tr) == 0 && d->next_job >= d->njobs))
		return deliver_flush(d, err);
	return 0;
}

int
deliver_busy(const struct deliver *d)
{
	return transport_in_flight(d->tr) + (d->njobs - d->next_job) + d->noutcomes;
}

int
deliver_due_now(struct deliver *d, int *due, struct error *err)
{
	int64_t when = 0;

	*due = 0;
	if (store_next_due(d->st, &when, err) < 0)
		return -1;
	*due = when > 0 && when <= now_unix();
	return 0;
}

int
deliver_stop(struct deliver *d, struct error *err)
{
	int64_t now = now_unix();

	d->stopping = 1;
	/* Claimed but never handed over: back to the queue, not "in doubt". */
	for (int i = d->next_job; i < d->njobs; i++)
		add_outcome(d, d->jobs[i].id, d->jobs[i].subscriber_id, DELIVERY_DEFERRED, now,
		            "released at shutdown before sending", NULL, 0)
		    ->r.not_attempted = 1;
	d->next_job = d->njobs;
	return deliver_flush(d, err);
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
