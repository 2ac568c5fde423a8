/*
 * breaker - the relay's faults from the recipients'.  See breaker.h.
 */
#include "breaker.h"

#include <ctype.h>

static unsigned long
domain_hash(const char *domain)
{
	unsigned long h = 5381;

	for (const char *p = domain; p && *p; p++)
		h = h * 33 + (unsigned long)tolower((unsigned char)*p);
	return h;
}

void
breaker_reset(struct breaker *b)
{
	b->run = 0;
	b->ndomains = 0;
}

int
breaker_refused(struct breaker *b, const char *domain)
{
	unsigned long h = domain_hash(domain);
	int seen = 0;

	b->run++;
	for (int i = 0; i < b->ndomains; i++)
		seen |= b->domains[i] == h;
	if (!seen && b->ndomains < BREAKER_DOMAINS)
		b->domains[b->ndomains++] = h;
	if ((b->run >= BREAKER_RUN && b->ndomains >= BREAKER_DOMAINS) || b->run >= BREAKER_RUN_ANY)
		return BREAKER_TRIP;
	return BREAKER_HOLD;
}

int
breaker_accepted(struct breaker *b)
{
	breaker_reset(b);
	b->unreachable = 0;
	return BREAKER_RELEASE;
}

int
breaker_idle(struct breaker *b)
{
	if (b->run >= BREAKER_IDLE_RUN && b->ndomains >= BREAKER_DOMAINS)
		return BREAKER_TRIP;
	breaker_reset(b);
	return BREAKER_RELEASE;
}

int
breaker_unreachable(struct breaker *b, int connections)
{
	if (++b->unreachable >= (connections > 1 ? connections : 1)) {
		b->unreachable = 0;
		return 1;
	}
	return 0;
}

void
breaker_reached(struct breaker *b)
{
	b->unreachable = 0;
}
