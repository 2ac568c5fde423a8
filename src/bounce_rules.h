/*
 * bounce_rules - the knowledge behind bounce.c that is data, not MIME:
 * the phrase table that turns an MTA's words into a reason and a class,
 * status-code lookups, and the scanners that find failed recipients and the
 * start of the returned message in the free text of non-standard bounces.
 * Private to the bounce module: nothing here is part of bounce.h.
 *
 * Every function works on bounded, NUL-terminated text handed in by
 * bounce.c, keeps nothing between calls and cannot fail.
 */
#ifndef OUTREACH_BOUNCE_RULES_H
#define OUTREACH_BOUNCE_RULES_H

#include <stddef.h>

#include "buf.h"

enum {
	BRULES_STATUS_MAX = 16,    /* "5.7.509" and its NUL, with room to spare */
	BRULES_ADDR_MAX = 256,     /* longer than any valid address (254) */
	BRULES_HITS_MAX = 64,      /* recipients taken from one free-text body */
	BRULES_CONTEXT_MAX = 2048, /* text kept as a recipient's own diagnostic */
	BRULES_TEXT_MAX = 64 * 1024, /* text the phrase rules look at */
};

/*
 * A phrase rule.  pattern is lower case; '|' separates alternatives and each
 * alternative is matched in folded text (lower case, runs of white space
 * made one space) on word boundaries; a trailing '*' makes it a prefix
 * ("throttl*") and a '~' stands for a few words ("host ~not found").  A
 * weak rule names a vague word ("rejected") that only decides when the
 * status code does not.
 */
struct bounce_rule {
	const char *pattern;
	const char *reason;
	int class;                 /* enum bounce_class */
	const char *status;        /* the status to report when the text has none */
	int weak;
};

/* brules_fold - append s[0..n) to out lower-cased, white space runs as one ' '. */
void brules_fold(const char *s, size_t n, struct buf *out);

/* brules_match - the first rule (in table order) whose pattern occurs in folded text. */
const struct bounce_rule *brules_match(const char *folded, int weak);

/*
 * brules_status - the first RFC 3463 failure code ("5.1.1", "4.4.7") in s,
 * else the first success code ("2.0.0"), copied to out; 0 if found, -1 if
 * not.  Dotted numbers that are part of IP addresses or version strings
 * are skipped.
 */
int brules_status(const char *s, char out[BRULES_STATUS_MAX]);

/* brules_smtp_code - the first three-digit SMTP reply code (4xx/5xx) starting a word, or 0. */
int brules_smtp_code(const char *s);

/* brules_status_reason - the reason a status code names on its own, or NULL if too vague. */
const char *brules_status_reason(const char *status);

/*
 * brules_reason_class - the class of a reason for a failure with this status
 * (NULL when the report gave none): soft for anything temporary, hard for a
 * dead address or a permanently disabled mailbox (5.2.1), hard for a
 * permanent failure nothing explains ("undefined" under a 5xx), else soft.
 */
int brules_reason_class(const char *reason, const char *status);

/*
 * brules_autoreply_subject - whether a decoded Subject reads like a vacation
 * notice; brules_autoreply_text - whether folded body text does.
 * brules_bounce_subject - whether it reads like a delivery failure.
 */
int brules_autoreply_subject(const char *subject);
int brules_autoreply_text(const char *folded);
int brules_bounce_subject(const char *subject);

/*
 * brules_delay - whether a notice (its decoded Subject and folded text,
 * either NULL) is a delay warning: delivery is still being tried, nothing
 * has failed for good.  Words of a final failure in the text say no.
 */
int brules_delay(const char *subject, const char *folded);

/*
 * brules_from_daemon - whether a From value names a mail system rather than
 * a person; brules_from_robot - a list manager that refuses posts;
 * brules_role_addr - whether an address is a mail system's own mailbox
 * (postmaster@, abuse@, ...), which a failed recipient rarely is.
 */
int brules_from_daemon(const char *from);
int brules_from_robot(const char *from);
int brules_role_addr(const char *addr);

/*
 * brules_returned_start - offset in text[0..n) where the notification ends
 * and a copy of the original message (or its headers) begins, or n if none
 * is found; *body is where the copy itself starts, after any separator
 * line.  Finds MTA separator lines ("------ This is a copy of the message",
 * "--- Below this line is a copy of the message.") and, failing those, a
 * run of header lines that can only belong to a returned message.
 */
size_t brules_returned_start(const char *text, size_t n, size_t *body);

/* A failed recipient found in free text, with the text that explains it. */
struct brules_hit {
	char addr[BRULES_ADDR_MAX];
	size_t ctx_off, ctx_len;   /* its explanation inside the scanned text */
	int lead;                  /* it starts its line or stands in <>, as failed ones do */
};

/*
 * brules_find_rcpts - the addresses a bounce's free text text[0..n) names
 * where a failed recipient would be named (not in Message-ID, From or URL
 * lines), in order of appearance, each once (any case), at most max.  The
 * caller decides which of them failed.  Returns the number found.
 */
size_t brules_find_rcpts(const char *text, size_t n, struct brules_hit *hits, size_t max);

/*
 * brules_addr_in - the first address in s[0..n) (local part and a dotted
 * domain, as written), copied into out; returns the offset just past it,
 * or 0 if there is none.
 */
size_t brules_addr_in(const char *s, size_t n, char out[BRULES_ADDR_MAX]);

/*
 * What a notification's whole text says, worked out once per message and
 * only when a recipient's own words do not settle it: a report for 256
 * recipients must not run the phrase table over the same text 256 times.
 */
struct brules_whole {
	const char *folded, *raw;  /* the text folded (brules_fold) and as it is */
	int single;                /* set by the caller: the text concerns one recipient */
	int done_strong, done_weak, done_status;
	const struct bounce_rule *strong, *weak;
	char status[BRULES_STATUS_MAX];
	int code;
};

void brules_whole_init(struct brules_whole *w, const char *folded, const char *raw);

/*
 * brules_judge - the class of one failed recipient, its status in st and
 * its reason in *why (static).  diag is the server's words about it (a
 * Diagnostic-Code), ctx the reporting MTA's text around its address, either
 * NULL; dsn_status its Status field, or NULL.  The order: a decisive status
 * code (RFC 3463 X.1.1, X.2.1, X.2.2...) unless the words blame the sender;
 * the server's strong phrases; another status code; the strong phrases
 * around the address, then those of the whole text (only for a text about
 * this recipient alone, or when nothing of its own says anything); then
 * the weak ones.  A status is always reported ("5.0.0" when nothing says
 * more); with no reason found, the reply code's class decides.
 */
int brules_judge(const char *dsn_status, const char *diag, const char *ctx,
                 struct brules_whole *w, char st[BRULES_STATUS_MAX], const char **why);

#endif
