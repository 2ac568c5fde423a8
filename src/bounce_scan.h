/*
 * bounce_scan - what the bounce parser gathers from one message before its
 * verdict, and the readers that gather it (bounce_scan.c, with libetpan's
 * character set conversion in bounce_charconv.c).  Internal to the bounce_*
 * files; bounce.h is the parser's contract.
 */
#ifndef OUTREACH_BOUNCE_SCAN_H
#define OUTREACH_BOUNCE_SCAN_H

#include <stddef.h>

#include "bounce.h"
#include "bounce_rules.h"
#include "buf.h"

struct mailmime;

enum {
	FIELD_MAX = 4096,          /* one unfolded header or DSN field */
	FIELD_NAME_MAX = 64,       /* longer names are not header fields */
	TEXT_MAX = BRULES_TEXT_MAX, /* notification text kept for the phrase rules */
	LIST_MAX = 16 * 1024,      /* address lists (NUL-separated) */
	PARTS_MAX = 128,           /* MIME parts looked at */
	DEPTH_MAX = 8,             /* MIME nesting followed */
	CONTAINERS_MAX = 64,       /* multipart and message parts handed to libetpan */
	COMMENTS_MAX = 64,         /* open parentheses handed to libetpan as they are */
	SUBJECT_MAX = 998,         /* RFC 5322's line limit */
	QUIET_MAX = 64,            /* header names hidden from libetpan in one message */
};

/* One per-recipient group of a delivery report. */
struct dsn_rec {
	char *final, *orig, *action, *status, *diag;
};

/* What one message told us, gathered before the verdict. */
struct scan {
	const char *verp_local;
	struct bounce_report *r;
	int parts;
	int auto_replied, autoreply_hdr, apple_unsub, from_daemon, from_robot;
	int report_dsn, report_arf, has_returned, jmrp;
	struct buf failed;         /* X-Failed-Recipients */
	struct buf ignore;         /* the bounce's own and the original sender's addresses */
	struct buf ret_rcpts;      /* the returned message's To and Cc */
	struct buf ret_for;        /* its Received fields' "for <addr>": the envelope recipient */
	struct buf own_rcpts;      /* the bounce's own To, Cc, Delivered-To... */
	struct buf text;           /* human-readable notification text */
	struct buf field;          /* scratch: the field being read */
	struct buf dec;            /* scratch: the part being read, decoded */
	struct dsn_rec *dsn;
	size_t n_dsn, cap_dsn;
	char *arf_type;
	struct buf arf_rcpts;      /* Original-Rcpt-To and the like: who complained */
	struct buf redacted;       /* Redacted-Address values: what stands for a hidden name */
	const char *mask_base;     /* the bytes libetpan parsed, when masks were set */
	size_t masks[CONTAINERS_MAX]; /* offsets of message/rfc822 Content-Types made leaves */
	size_t n_masks;
	size_t quiet[QUIET_MAX];   /* offsets of header names libetpan need not parse */
	char quiet_was[QUIET_MAX]; /* their first letters, while masked */
	size_t n_quiet;
};

enum { FIELD_END, FIELD_OK, FIELD_BLANK, FIELD_OTHER };

/* bscan_add_cut - append what fits of s[0..n) under the buffer's ceiling. */
void bscan_add_cut(struct buf *b, const char *s, size_t n);

/*
 * bscan_field_next - read the line (and its continuation lines) at *pp: a
 * header field gives FIELD_OK with its lower-case name and unfolded,
 * trimmed value (cut at FIELD_MAX); an empty line gives FIELD_BLANK and
 * anything else FIELD_OTHER.  *pp moves past what was read.
 */
int bscan_field_next(const char **pp, const char *end, char name[FIELD_NAME_MAX],
                     struct buf *value);

/* bscan_list_add - append addr to a NUL-separated list, unless it is there already. */
void bscan_list_add(struct buf *list, const char *addr);

/* bscan_list_has - whether addr (any case) is on the list. */
int bscan_list_has(const struct buf *list, const char *addr);

/* bscan_top_header - the bounce's own header, at the start of the message. */
void bscan_top_header(struct scan *s, const char *p, size_t n);

/* bscan_returned_header - the returned message's header (the first one met). */
void bscan_returned_header(struct scan *s, const char *p, size_t n);

/* bscan_dsn_free - the strings of one recipient group. */
void bscan_dsn_free(struct dsn_rec *d);

/*
 * bscan_dsn_parse - the groups of a message/delivery-status body (RFC 3464 2.2
 * and 2.3).  A recipient group ends at an empty line or where a second
 * recipient field starts one of its own (some MTAs leave out the line).
 */
void bscan_dsn_parse(struct scan *s, const char *p, size_t n);

/* bscan_arf_parse - the fields of a message/feedback-report (RFC 5965 3.1). */
void bscan_arf_parse(struct scan *s, const char *p, size_t n);

/*
 * bconv_install - have libetpan convert character sets through descriptors
 * kept open (bounce_charconv.c) instead of one iconv_open per word; once
 * per process, before the first parse.
 */
void bconv_install(void);

/*
 * bdec_part - a base64 (enc MAILMIME_MECHANISM_BASE64) or quoted-printable
 * body p[0..n) decoded into out exactly as libetpan's mailmime_part_parse
 * decodes it (bounce_decode.c); -1 for the one case left to libetpan.
 */
int bdec_part(const char *p, size_t n, int enc, struct buf *out);

/* bscan_walk - every part of the MIME tree under m, to the limits, into s. */
void bscan_walk(struct scan *s, struct mailmime *m, int depth);

#endif
