/*
 * pace - the global rate and the per-domain ceiling.  See pace.h.
 */
#define _DEFAULT_SOURCE
#include "pace.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util.h"

enum { DOMAIN_BUCKETS = 4096 };

struct domain_count {
	char *domain;
	int64_t window;            /* minute the count is for */
	long count;
	struct domain_count *next;
};

struct pace {
	double want;               /* the configured rate; 0 unlimited */
	long domain_per_minute;
	double rate, tokens;       /* rate 0: unlimited */
	int64_t last_refill_ms, last_throttle_ms, last_speedup_ms;
	long sent_window;
	int64_t window_start_ms;
	double measured_rate;
	struct domain_count *domains[DOMAIN_BUCKETS];
};

struct pace *
pace_new(double messages_per_second, long domain_per_minute)
{
	struct pace *p = xcalloc(1, sizeof(*p));

	p->want = p->rate = messages_per_second;
	p->domain_per_minute = domain_per_minute;
	p->last_refill_ms = p->window_start_ms = now_mono_ms();
	return p;
}

void
pace_free(struct pace *p)
{
	if (p == NULL)
		return;
	for (int i = 0; i < DOMAIN_BUCKETS; i++) {
		struct domain_count *e = p->domains[i], *next;

		for (; e; e = next) {
			next = e->next;
			free(e->domain);
			free(e);
		}
	}
	free(p);
}

void
pace_sent(struct pace *p)
{
	p->sent_window++;
}

int
pace_throttled(struct pace *p, int64_t now_ms, double *rate)
{
	double base;

	if (now_ms - p->last_throttle_ms <= 1000)
		return 0;
	base = p->rate > 0 ? p->rate : p->measured_rate;
	p->rate = base / 2 < 1 ? 1 : base / 2;
	p->last_throttle_ms = p->last_speedup_ms = now_ms;
	*rate = p->rate;
	return 1;
}

int
pace_rate_allows(struct pace *p, int64_t now)
{
	if (now - p->window_start_ms >= 1000) {
		p->measured_rate = (double)p->sent_window * 1000 / (double)(now - p->window_start_ms);
		p->sent_window = 0;
		p->window_start_ms = now;
	}
	/* Speed back up gradually: a quarter more every 5 s without pushback. */
	if (p->last_throttle_ms && now - p->last_speedup_ms >= 5000) {
		p->last_speedup_ms = now;
		p->rate *= 1.25;
		if (p->want > 0 && p->rate >= p->want)
			p->rate = p->want;
		else if (p->want == 0 && p->rate > 100000)
			p->rate = 0;
		if (p->rate == p->want)
			p->last_throttle_ms = 0;
	}
	if (p->rate <= 0)
		return 1;
	p->tokens += (double)(now - p->last_refill_ms) * p->rate / 1000;
	p->last_refill_ms = now;
	if (p->tokens > p->rate / 10 + 1)
		p->tokens = p->rate / 10 + 1;
	if (p->tokens < 1)
		return 0;
	p->tokens -= 1;
	return 1;
}

int
pace_domain_allows(struct pace *p, const char *domain, int64_t now, int64_t *wait_until)
{
	int64_t minute = now / 60;
	unsigned h = 5381;
	struct domain_count *e;

	if (p->domain_per_minute <= 0)
		return 1;
	for (const char *c = domain; *c; c++)
		h = h * 33 + (unsigned)tolower((unsigned char)*c);
	for (e = p->domains[h % DOMAIN_BUCKETS]; e; e = e->next)
		if (strcasecmp(e->domain, domain) == 0)
			break;
	if (e == NULL) {
		e = xcalloc(1, sizeof(*e));
		e->domain = xstrdup(domain);
		e->next = p->domains[h % DOMAIN_BUCKETS];
		p->domains[h % DOMAIN_BUCKETS] = e;
	}
	if (e->window != minute) {
		e->window = minute;
		e->count = 0;
	}
	if (e->count >= p->domain_per_minute) {
		*wait_until = (minute + 1) * 60;
		return 0;
	}
	e->count++;
	return 1;
}
