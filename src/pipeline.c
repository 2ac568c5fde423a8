/*
 * pipeline - composing ahead, in a thread of its own, and DKIM signing in a
 * pool of threads, one per core.  See pipeline.h.
 *
 * One ring under one mutex: entries [head, head + ready) are composed and
 * signed and belong to the queue runner; [head + composed, head + count)
 * wait for the composing thread, which works on the first of them (busy)
 * outside the lock.  Between them, [head + ready, head + composed) are
 * composed and wait to be signed: a signing thread marks one SIGNING and
 * signs it outside the lock, so several are signed at once, out of order;
 * ready only grows over the unbroken run of READY entries at its end, so
 * the runner still takes them in order.  Each entry has one owner at a time.
 */
#include "pipeline.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "campaign.h"
#include "compose.h"
#include "digest.h"
#include "dkim.h"
#include "files.h"
#include "frontmatter.h"
#include "log.h"

enum { COMPOSERS_MAX = 16, SIGNERS_MAX = 16 };

/* Where an entry is between the composing thread, the signing threads and the runner. */
enum { E_QUEUED, E_TO_SIGN, E_SIGNING, E_READY };

struct composer {
	int64_t campaign_id;
	int64_t since;             /* a digest's variant (what is new since), else -1 */
	char *topics;              /* ... and the topics it is for ("a;b"), or NULL */
	struct compose_campaign *c; /* NULL: the campaign cannot be composed */
	char *error;
	int64_t used;
};

struct pipeline {
	const struct config *cfg;
	struct store *st;          /* the composing thread's own connection */
	struct composer composers[COMPOSERS_MAX];
	struct composed ring[PIPELINE_MAX];
	struct dkim *signer[PIPELINE_MAX]; /* an entry's signer (a reference), or NULL */
	int state[PIPELINE_MAX];   /* an entry's E_* */
	int head, count, composed, ready, busy, stop, started;
	int signing;               /* entries being signed now */
	int idle;                  /* the composing thread waits for work */
	size_t hint;               /* the size of the last message composed */
	pthread_t thread;
	pthread_t signers[SIGNERS_MAX];
	int nsigners;
	void (*notify)(void *arg); /* the head became ready: wake the runner */
	void *notify_arg;
	pthread_mutex_t mu;
	pthread_cond_t work, done, sign;
};

static void
entry_clear(struct composed *e)
{
	free(e->job.email);
	free(e->job.name);
	free(e->job.topics);
	e->job.topics = NULL;
	free(e->message_id);
	free(e->error);
	e->job.email = e->job.name = e->message_id = e->error = NULL;
}

/*
 * composer_for - the composer of a campaign (of a digest, the variant of
 * its subscribers with this watermark), prepared on first use and cached.
 */
static int
same_topics(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

static struct composer *
composer_for(struct pipeline *p, int64_t campaign_id, int64_t since, const char *topics)
{
	struct composer *slot = &p->composers[0];
	struct campaign_info c;
	struct list_info list = {0};
	struct doc doc = {0};
	struct error e = ERROR_INIT;
	char *path, *text = NULL, *ics = NULL;

	for (int i = 0; i < COMPOSERS_MAX; i++) {
		if (p->composers[i].campaign_id == campaign_id && p->composers[i].since == since &&
		    same_topics(p->composers[i].topics, topics)) {
			p->composers[i].used = now_mono_ms();
			return &p->composers[i];
		}
		if (p->composers[i].used < slot->used)
			slot = &p->composers[i];
	}
	compose_free(slot->c);
	free(slot->error);
	free(slot->topics);
	memset(slot, 0, sizeof(*slot));
	slot->campaign_id = campaign_id;
	slot->since = since;
	slot->topics = topics ? xstrdup(topics) : NULL;
	slot->used = now_mono_ms();
	if (store_campaign_get(p->st, campaign_id, &c, &e) < 0) {
		slot->error = xstrdup(error_msg(&e));
		error_clear(&e);
		return slot;
	}
	path = xasprintf("campaign %lld", (long long)campaign_id);
	if (strcmp(c.kind, "digest") == 0) {
		if (digest_document(p->st, p->cfg, campaign_id, since > 0 ? since : 0, topics, &text,
		                    &ics, &e) < 0)
			text = NULL;
	} else
		text = xstrdup(c.document);
	{
		/* The document's files as its `send` kept them; the list's logo. */
		struct files fl = {p->st, NULL, c.content_hash, 0};
		struct compose_files cf = {files_load, &fl};
		struct campaign_extra x = {ics, &cf, NULL, NULL, 0};

		if (text == NULL || doc_parse(path, text, strlen(text), &doc, &e) < 0 ||
		    campaign_check(p->st, p->cfg, &doc, &list, &e) < 0 ||
		    campaign_composer(p->cfg, &doc, &list, campaign_id, c.kind, &x, &slot->c, &e) < 0)
			text = NULL;
	}
	if (slot->c == NULL) {
		slot->error = xstrdup(error_msg(&e));
		log_warn("deliver", "campaign %lld cannot be composed: %s", (long long)campaign_id,
		         slot->error);
	}
	list_info_free(&list);
	doc_free(&doc);
	free(path);
	free(ics);
	campaign_info_free(&c);
	error_clear(&e);
	return slot;
}

static void
compose_entry(struct pipeline *p, struct composed *e)
{
	struct delivery_job *j = &e->job;
	struct compose_recipient r = {j->subscriber_id, j->id, j->email, j->name};
	struct composer *cp = composer_for(p, j->campaign_id, j->since, j->topics);
	struct error err = ERROR_INIT;

	if (cp->c == NULL) {
		e->error = xstrdup(cp->error);
		return;
	}
	buf_reserve(&e->msg, p->hint);
	if (compose_message(cp->c, &r, &e->msg, &e->from, &err) < 0) {
		e->error = xstrdup(error_msg(&err));
		error_clear(&err);
		return;
	}
	e->message_id = xstrdup(compose_message_id(cp->c));
	p->hint = e->msg.len;
	p->signer[e - p->ring] = dkim_ref(compose_dkim(cp->c));
}

/* advance - grow ready over the READY entries that follow it (under the lock). */
static void
advance(struct pipeline *p)
{
	int was = p->ready;

	while (p->ready < p->composed && p->state[(p->head + p->ready) % PIPELINE_MAX] == E_READY)
		p->ready++;
	if (was == 0 && p->ready > 0 && p->notify)
		p->notify(p->notify_arg);
}

void
pipeline_notify(struct pipeline *p, void (*fn)(void *arg), void *arg)
{
	pthread_mutex_lock(&p->mu);
	p->notify = fn;
	p->notify_arg = arg;
	pthread_mutex_unlock(&p->mu);
}

/*
 * signing - a signing thread: take the first composed entry no one signs
 * yet, sign it outside the lock, mark it ready.  A message that cannot be
 * signed is not sent unsigned: it gets an error, like one that cannot be
 * composed.
 */
static void *
signing(void *arg)
{
	struct pipeline *p = arg;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		int i = -1;

		while (!p->stop) {
			for (int k = p->ready; k < p->composed; k++)
				if (p->state[(p->head + k) % PIPELINE_MAX] == E_TO_SIGN) {
					i = (p->head + k) % PIPELINE_MAX;
					break;
				}
			if (i >= 0)
				break;
			pthread_cond_wait(&p->sign, &p->mu);
		}
		if (p->stop)
			break;
		p->state[i] = E_SIGNING;
		p->signing++;
		pthread_mutex_unlock(&p->mu);
		{
			struct composed *e = &p->ring[i];
			struct error err = ERROR_INIT;

			if (dkim_sign(p->signer[i], &e->msg, now_unix(), &err) < 0) {
				e->error = xstrdup(error_msg(&err));
				error_clear(&err);
			}
		}
		pthread_mutex_lock(&p->mu);
		p->state[i] = E_READY;
		p->signing--;
		advance(p);
		pthread_cond_broadcast(&p->done);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

static void *
composing(void *arg)
{
	struct pipeline *p = arg;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		struct composed *e;

		while (!p->stop && p->composed == p->count) {
			p->idle = 1;
			pthread_cond_wait(&p->work, &p->mu);
			p->idle = 0;
		}
		if (p->stop)
			break;
		e = &p->ring[(p->head + p->composed) % PIPELINE_MAX];
		p->busy = 1;
		pthread_mutex_unlock(&p->mu);
		compose_entry(p, e);
		pthread_mutex_lock(&p->mu);
		p->busy = 0;
		if (e->error == NULL && p->signer[e - p->ring]) {
			p->state[e - p->ring] = E_TO_SIGN;
			pthread_cond_signal(&p->sign);
		} else
			p->state[e - p->ring] = E_READY;
		p->composed++;
		advance(p);
		pthread_cond_broadcast(&p->done);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

int
pipeline_open(const struct config *cfg, struct pipeline **out, struct error *err)
{
	struct pipeline *p = xcalloc(1, sizeof(*p));

	p->cfg = cfg;
	for (int i = 0; i < PIPELINE_MAX; i++) {
		buf_init(&p->ring[i].msg, COMPOSE_MAX_MESSAGE);
		buf_init(&p->ring[i].from, 1024);
	}
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->work, NULL);
	pthread_cond_init(&p->done, NULL);
	pthread_cond_init(&p->sign, NULL);
	/* It reads a campaign now and then: a small page cache is plenty. */
	if (store_open(cfg->db_path, &p->st, err) < 0 || store_cache_kb(p->st, 512, err) < 0) {
		pipeline_close(p);
		return -1;
	}
	if (pthread_create(&p->thread, NULL, composing, p) != 0) {
		error_set(err, "deliver: cannot start the composing thread");
		pipeline_close(p);
		return -1;
	}
	p->started = 1;
	/* Signing is the costly part of a signed message (an RSA signature is ~0.4 ms): a core each. */
	{
		long n = sysconf(_SC_NPROCESSORS_ONLN);

		n = n < 1 ? 1 : n > SIGNERS_MAX ? SIGNERS_MAX : n;
		for (; p->nsigners < n; p->nsigners++)
			if (pthread_create(&p->signers[p->nsigners], NULL, signing, p) != 0) {
				error_set(err, "deliver: cannot start a signing thread");
				pipeline_close(p);
				return -1;
			}
	}
	*out = p;
	return 0;
}

void
pipeline_close(struct pipeline *p)
{
	if (p == NULL)
		return;
	if (p->started) {
		pthread_mutex_lock(&p->mu);
		p->stop = 1;
		pthread_cond_broadcast(&p->work);
		pthread_cond_broadcast(&p->sign);
		pthread_mutex_unlock(&p->mu);
		pthread_join(p->thread, NULL);
		for (int i = 0; i < p->nsigners; i++)
			pthread_join(p->signers[i], NULL);
	}
	for (int i = 0; i < PIPELINE_MAX; i++) {
		entry_clear(&p->ring[i]);
		dkim_unref(p->signer[i]);
		buf_free(&p->ring[i].msg);
		buf_free(&p->ring[i].from);
	}
	for (int i = 0; i < COMPOSERS_MAX; i++) {
		compose_free(p->composers[i].c);
		free(p->composers[i].error);
		free(p->composers[i].topics);
	}
	store_close(p->st);
	pthread_cond_destroy(&p->work);
	pthread_cond_destroy(&p->done);
	pthread_cond_destroy(&p->sign);
	pthread_mutex_destroy(&p->mu);
	free(p);
}

int
pipeline_room(struct pipeline *p)
{
	int n;

	pthread_mutex_lock(&p->mu);
	n = PIPELINE_MAX - p->count;
	pthread_mutex_unlock(&p->mu);
	return n;
}

int
pipeline_count(struct pipeline *p)
{
	int n;

	pthread_mutex_lock(&p->mu);
	n = p->count;
	pthread_mutex_unlock(&p->mu);
	return n;
}

void
pipeline_push(struct pipeline *p, struct delivery_job *job)
{
	struct composed *e;

	pthread_mutex_lock(&p->mu);
	if (p->count == PIPELINE_MAX)
		abort(); /* the caller checks pipeline_room: pushing into a full ring is a bug */
	e = &p->ring[(p->head + p->count) % PIPELINE_MAX];
	entry_clear(e);
	dkim_unref(p->signer[e - p->ring]);
	p->signer[e - p->ring] = NULL;
	p->state[e - p->ring] = E_QUEUED;
	e->job = *job;
	job->email = job->name = job->topics = NULL;
	p->count++;
	/*
	 * Wake an idle composer when the queue runs low, not for every job: it
	 * then composes a run of them, and the runner makes few wake-up calls.
	 */
	if (p->idle && (p->count - p->composed >= PIPELINE_MAX / 2 || p->composed == 0))
		pthread_cond_signal(&p->work);
	pthread_mutex_unlock(&p->mu);
}

struct composed *
pipeline_head(struct pipeline *p)
{
	struct composed *e = NULL;

	pthread_mutex_lock(&p->mu);
	if (p->ready > 0)
		e = &p->ring[p->head];
	else if (p->idle && p->count > p->composed)
		pthread_cond_signal(&p->work); /* the runner waits for it now */
	pthread_mutex_unlock(&p->mu);
	return e;
}

void
pipeline_pop(struct pipeline *p)
{
	pthread_mutex_lock(&p->mu);
	if (p->ready > 0) {
		entry_clear(&p->ring[p->head]);
		dkim_unref(p->signer[p->head]);
		p->signer[p->head] = NULL;
		p->head = (p->head + 1) % PIPELINE_MAX;
		p->count--;
		p->composed--;
		p->ready--;
	}
	pthread_mutex_unlock(&p->mu);
}

int
pipeline_ids(struct pipeline *p, int64_t *ids)
{
	int n;

	pthread_mutex_lock(&p->mu);
	n = p->count;
	for (int i = 0; i < n; i++)
		ids[i] = p->ring[(p->head + i) % PIPELINE_MAX].job.id;
	pthread_mutex_unlock(&p->mu);
	return n;
}

void
pipeline_drop(struct pipeline *p)
{
	pthread_mutex_lock(&p->mu);
	while (p->busy || p->signing > 0)
		pthread_cond_wait(&p->done, &p->mu);
	for (int i = 0; i < p->count; i++) {
		int k = (p->head + i) % PIPELINE_MAX;

		entry_clear(&p->ring[k]);
		dkim_unref(p->signer[k]);
		p->signer[k] = NULL;
		p->state[k] = E_QUEUED;
	}
	p->count = p->composed = p->ready = 0;
	pthread_mutex_unlock(&p->mu);
}
