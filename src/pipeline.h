/*
 * pipeline - composes claimed deliveries ahead of the connections, in a
 * thread of its own, so the next message is ready before its connection is
 * free and composing never holds up the loop that drives the connections.
 *
 * The queue runner pushes claimed jobs; the composing thread turns them, in
 * order, into messages (or into the reason one cannot be composed); when the
 * list's mail is DKIM-signed, a pool of signing threads (one per core) signs
 * them, several at once; the runner takes them from the head, in order,
 * once composed and signed.  The thread reads campaigns through its
 * own connection to the store and keeps the composers of recent campaigns.
 * At most PIPELINE_MAX jobs are inside at a time.
 */
#ifndef OUTREACH_PIPELINE_H
#define OUTREACH_PIPELINE_H

#include <stdint.h>

#include "buf.h"
#include "config.h"
#include "store.h"
#include "util.h"

enum { PIPELINE_MAX = CLAIM_SKIP_MAX };

/* A job and what became of it. */
struct composed {
	struct delivery_job job;
	struct buf msg;            /* the message, CRLF */
	struct buf from;           /* the envelope sender */
	char *message_id;
	char *error;               /* why it cannot be composed, or NULL */
};

struct pipeline;

int pipeline_open(const struct config *cfg, struct pipeline **out, struct error *err);
/*
 * pipeline_notify - call fn(arg), from a pipeline thread, whenever the
 * oldest job becomes ready while none was: the runner may be waiting for it
 * (it wakes its transport_poll).  fn must be safe to call from any thread.
 */
void pipeline_notify(struct pipeline *p, void (*fn)(void *arg), void *arg);
/* pipeline_close - stop the thread and free what is inside. */
void pipeline_close(struct pipeline *p);
/* pipeline_room - how many more jobs may be pushed now. */
int pipeline_room(struct pipeline *p);
/* pipeline_count - jobs inside, composed or not. */
int pipeline_count(struct pipeline *p);
/* pipeline_push - hand a job over; the pipeline takes its strings (job's are NULLed). */
void pipeline_push(struct pipeline *p, struct delivery_job *job);
/* pipeline_head - the oldest job if composed (and signed), else NULL; kept until pipeline_pop. */
struct composed *pipeline_head(struct pipeline *p);
void pipeline_pop(struct pipeline *p);
/* pipeline_ids - the delivery ids of every job inside (up to PIPELINE_MAX); how many. */
int pipeline_ids(struct pipeline *p, int64_t *ids);
/* pipeline_drop - forget every job inside (they stay queued in the store). */
void pipeline_drop(struct pipeline *p);

#endif
