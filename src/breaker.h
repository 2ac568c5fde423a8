/*
 * breaker - tells the relay's faults from the recipients'.
 *
 * A relay that refuses every recipient (a misconfigured smart host, an
 * expired account, an outage) looks, one reply at a time, like a list of bad
 * addresses; acting on each refusal would disable a whole list.  So the
 * queue runner holds refusals back while they may be the relay's fault and
 * asks the breaker: a run of refusals with nothing accepted in between,
 * across several domains, trips it (the relay is at fault: nobody is
 * judged); an accepted message ends the run and releases what was held.
 * A run of connections that reach no relay at all marks the relay down.
 * Pure: no I/O, unit-tested on its own.
 */
#ifndef OUTREACH_BREAKER_H
#define OUTREACH_BREAKER_H

enum {
	BREAKER_RUN = 10,          /* refusals in a row that trip it ... */
	BREAKER_DOMAINS = 3,       /* ... when they span this many domains */
	BREAKER_RUN_ANY = 25,      /* refusals in a row that trip it whatever the domains */
	BREAKER_IDLE_RUN = 3,      /* with nothing more to send, a run this long on
	                              BREAKER_DOMAINS domains trips it too */
};

enum breaker_verdict {
	BREAKER_HOLD,              /* keep the refusal back: it may be the relay's fault */
	BREAKER_RELEASE,           /* act on what was held: the recipients' own refusals */
	BREAKER_TRIP,              /* the relay is at fault: undo what was held, pause */
};

struct breaker {
	int run;                   /* refusals since the last accepted message */
	int ndomains;
	unsigned long domains[BREAKER_DOMAINS];  /* hashes of the distinct domains in the run */
	int unreachable;           /* attempts in a row that reached no relay */
};

/*
 * breaker_refused - a 5xx refusal of a recipient at domain: HOLD or TRIP.
 * After TRIP the run is kept, for the caller to report, until breaker_reset.
 */
int breaker_refused(struct breaker *b, const char *domain);
/* breaker_accepted - the relay accepted a message: RELEASE (and the run is over). */
int breaker_accepted(struct breaker *b);
/* breaker_idle - nothing more to send or wait for: RELEASE (the run is over) or TRIP. */
int breaker_idle(struct breaker *b);
/* breaker_reset - forget the run (after a trip, or when the relay answered). */
void breaker_reset(struct breaker *b);
/*
 * breaker_unreachable - an attempt reached no relay (refused connection,
 * timeout); 1 when connections attempts in a row did: the relay is down.
 */
int breaker_unreachable(struct breaker *b, int connections);
/* breaker_reached - the relay answered something: it is up. */
void breaker_reached(struct breaker *b);

#endif
