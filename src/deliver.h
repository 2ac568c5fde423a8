/*
 * deliver - the queue runner: it expands campaigns whose time has come into
 * deliveries, claims due deliveries, composes each message, hands it to the
 * transport within the configured rates, and records every outcome.
 *
 * State lives in the store, never only in memory: a delivery is marked
 * 'sending' before its message's data may leave and gets its outcome after,
 * in the same transaction as the next hand-overs, so a crash at any instant
 * leaves at most the messages in flight (one per connection) with an
 * unknown outcome, which deliver_recover() resends (or skips) and logs.
 * Retries wait in the data (next_attempt) with exponential backoff and
 * jitter; a relay that asks to slow down slows the whole sender down.
 *
 * A relay that refuses us (the sender, the login, or a run of recipients on
 * several domains) pauses the campaign and judges nobody; a relay that
 * cannot be reached postpones what waits.  Either is deliver_problem().
 */
#ifndef OUTREACH_DELIVER_H
#define OUTREACH_DELIVER_H

#include <stdint.h>

#include "config.h"
#include "util.h"

struct deliver_stats {
	long sent, deferred, failed, bounced, throttled;
	long tripped;              /* times the relay was found to refuse us */
	long unreachable;          /* times the relay was found down */
};

struct deliver;

int deliver_open(const struct config *cfg, struct deliver **out, struct error *err);
void deliver_close(struct deliver *d);
/*
 * deliver_set_horizon - claim only what is due by t (run --once: one pass
 * over what was due when it started; a retry due later waits for the next).
 */
void deliver_set_horizon(struct deliver *d, int64_t t);
/* deliver_recover - handle deliveries left 'sending' by a crash (see unknown_outcome). */
int deliver_recover(struct deliver *d, struct error *err);
/* deliver_ingest - turn spool files into campaigns; *n is how many were taken. */
int deliver_ingest(struct deliver *d, long *n, struct error *err);
/*
 * deliver_step - one turn of the loop, waiting at most wait_ms for I/O (or
 * for wake_fd to become readable).  Errors are store failures; a bad
 * message or a dead relay is an outcome, not an error.
 */
int deliver_step(struct deliver *d, int wait_ms, int wake_fd, struct error *err);
/* deliver_busy - messages claimed or in flight. */
int deliver_busy(struct deliver *d);
/* deliver_due_now - whether claimable work exists right now (*due); -1 if the store fails. */
int deliver_due_now(struct deliver *d, int *due, struct error *err);
/* deliver_stop - claim nothing more; forget claimed messages not yet handed over. */
int deliver_stop(struct deliver *d, struct error *err);
/* deliver_finish - mark campaigns with nothing left to do as sent. */
int deliver_finish(struct deliver *d, struct error *err);
/* deliver_flush - write outcomes gathered so far. */
int deliver_flush(struct deliver *d, struct error *err);
const struct deliver_stats *deliver_get_stats(const struct deliver *d);
/*
 * deliver_problem - what stopped delivery because of the relay (it refused
 * us, or could not be reached), or NULL.
 */
const char *deliver_problem(const struct deliver *d);

#endif
