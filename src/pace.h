/*
 * pace - how fast the queue runner may hand messages over: a global rate
 * ([transport] messages_per_second, 0 unlimited) as a token bucket that
 * halves when the relay pushes back and recovers gradually, and a ceiling
 * per recipient domain per minute ([transport] domain_per_minute).
 */
#ifndef OUTREACH_PACE_H
#define OUTREACH_PACE_H

#include <stdint.h>

struct pace;

struct pace *pace_new(double messages_per_second, long domain_per_minute);
void pace_free(struct pace *p);
/* pace_rate_allows - take a token if one more message may go at now_ms. */
int pace_rate_allows(struct pace *p, int64_t now_ms);
/*
 * pace_domain_allows - count one more message to domain in the minute of
 * now; 0 when its ceiling is reached, with the minute it may go in *wait_until.
 */
int pace_domain_allows(struct pace *p, const char *domain, int64_t now, int64_t *wait_until);
/* pace_sent - a message was accepted (for the measured rate). */
void pace_sent(struct pace *p);
/*
 * pace_throttled - the relay asked us to slow down at now_ms: halve the rate
 * (at most once a second); 1 with the new rate in *rate when it changed.
 */
int pace_throttled(struct pace *p, int64_t now_ms, double *rate);

#endif
