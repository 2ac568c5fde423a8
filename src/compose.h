/*
 * compose - a coordinator's document into one RFC 5322 message per recipient.
 *
 * compose_prepare does everything that is the same for every recipient,
 * once per campaign: it renders the Markdown (HTML and text), compiles the
 * templates, builds the calendar invite and its encoded part, and encodes
 * the headers every copy shares.  compose_message then only fills in the
 * recipient (name, address, signed unsubscribe and preference links, VERP
 * return path, Message-ID), renders the two templates and encodes them.
 *
 * The message is MIME: multipart/alternative (text/plain, text/html), inside
 * multipart/mixed with a text/calendar; method=REQUEST part when the
 * document has an event; UTF-8, quoted-printable bodies, RFC 2047 headers,
 * CRLF line ends, and the List-Id, List-Unsubscribe (https and mailto) and
 * List-Unsubscribe-Post headers of RFC 2919, 2369 and 8058.
 */
#ifndef OUTREACH_COMPOSE_H
#define OUTREACH_COMPOSE_H

#include <stdint.h>

#include "buf.h"
#include "config.h"
#include "frontmatter.h"
#include "secret.h"
#include "util.h"

enum { COMPOSE_MAX_MESSAGE = 8 << 20 };

struct compose_list {
	int64_t id;
	const char *slug, *name, *description;
	const char *from;          /* "Display Name <addr>" or "addr" */
	const char *reply_to;      /* or NULL */
	const char *organizer;     /* "Name <addr>" of invites, or NULL: the From */
	const char *address;       /* postal address for the footer, or NULL */
	const char *logo;          /* the logo's file hash (loaded as "file:HASH"), or NULL */
	const char *domain;        /* its sending domain, or NULL: the From address's domain */
	const char *color, *accent; /* its brand colours, or NULL: [brand] */
	const char *dkim_selector; /* its own DKIM selector and key file (d= its domain), */
	const char *dkim_key_file; /* or NULL: [dkim] */
	int allow_html;
};

/*
 * Where a message's files come from: the images its Markdown shows by a
 * local path, its attachments, the list's logo ("file:HASH").  load gives
 * the content type and bytes (allocated) of name.
 */
struct compose_files {
	int (*load)(void *arg, const char *name, char **type, char **data, size_t *len,
	            struct error *err);
	void *arg;
};

/* compose_warn_fn - something the reader will not see as written: file:line, what. */
typedef void (*compose_warn_fn)(const char *file, size_t line, const char *what, void *arg);

enum {
	COMPOSE_IMAGE_MAX = 1 << 20,       /* an image shown in the message */
	COMPOSE_ATTACH_MAX = 5 << 20,      /* an attached file */
	COMPOSE_FILES_MAX = 7 << 20,       /* all of a message's files together */
};

/*
 * What a message is: list mail (a newsletter or notice), or mail outreach
 * sends on its own behalf.  A confirmation request carries {{confirm_url}}
 * and, when replies confirm ([subscribe] confirm_by_reply), a Reply-To of
 * request_local+TOKEN@domain and {{confirm_by_reply}} set for the template.
 * A data request carries {{data_url}}: /x/TOKEN (export) or /e/TOKEN
 * (erase), signed with the time it was composed and valid for a day.
 */
enum compose_kind { COMPOSE_LIST_MAIL, COMPOSE_CONFIRM, COMPOSE_PROBE, COMPOSE_EXPORT,
	COMPOSE_ERASE };

struct compose_params {
	int kind;                  /* enum compose_kind */
	const struct config *cfg;
	const struct doc *doc;
	const struct compose_list *list;
	const unsigned char *key;  /* SECRET_LEN bytes */
	int64_t campaign_id;       /* 0 for a preview */
	int64_t date;              /* the campaign's date, Unix time */
	const char *calendar;      /* a VCALENDAR (METHOD:PUBLISH) to attach, or NULL (digests) */
	const struct compose_files *files; /* NULL: a local image or attachment is an error */
	compose_warn_fn warn;      /* NULL: warnings are dropped */
	void *warn_arg;
	int test;                  /* a test copy: "[TEST]" subject, links to a harmless page */
};

struct compose_recipient {
	int64_t subscriber_id;
	int64_t delivery_id;       /* 0 for a preview */
	const char *email;
	const char *name;          /* or NULL */
};

struct compose_campaign;
struct dkim;

/*
 * compose_prepare - errors name the document's FILE:LINE and key where they
 * come from it (an unknown template, a template that does not compile).
 */
int compose_prepare(const struct compose_params *p, struct compose_campaign **out,
                    struct error *err);
/*
 * compose_message - the whole message for r into msg (reset first), and the
 * VERP envelope sender into envelope_from (reset first).
 */
int compose_message(struct compose_campaign *c, const struct compose_recipient *r,
                    struct buf *msg, struct buf *envelope_from, struct error *err);
/* compose_message_id - the Message-ID of the last message composed ("<...>"). */
const char *compose_message_id(const struct compose_campaign *c);
/* compose_parts - just the rendered HTML and text bodies for r (for preview). */
int compose_parts(struct compose_campaign *c, const struct compose_recipient *r,
                  struct buf *html, struct buf *text, struct error *err);
void compose_free(struct compose_campaign *c);

/*
 * compose_dkim - the campaign's DKIM signer (dkim.h), or NULL when its mail
 * goes unsigned; take a reference (dkim_ref) to keep it past compose_free.
 */
struct dkim *compose_dkim(const struct compose_campaign *c);
/* compose_sign - sign a message compose_message made (nothing when unsigned). */
int compose_sign(const struct compose_campaign *c, struct buf *msg, struct error *err);

/* compose_template_check - compile templates/NAME.html and .txt; errors name file and line. */
int compose_template_check(const char *dir, const char *name, struct error *err);

#endif
