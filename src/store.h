/*
 * store - everything outreach keeps: lists, subscribers, memberships, topics,
 * digest preferences, the suppression list, the audit log, campaigns,
 * deliveries and the mail that came back, in one SQLite database.
 *
 * The store is the only module that knows SQLite.  It opens the database in
 * WAL mode with foreign keys on and a busy timeout, and brings the schema up
 * to date with numbered migrations (PRAGMA user_version) before anything else
 * runs; a database from a newer outreach is refused.  Every statement is
 * prepared once and bound.  Functions return 0, or -1 with err set to one line
 * naming what failed and its kind: ERR_NOTFOUND whenever the row asked for
 * does not exist (every lookup says so the same way), ERR_DB when SQLite
 * fails, ERR_CONFLICT for a duplicate or a state that forbids the change,
 * ERR_INPUT for a value the store cannot take.  Callers group a unit of work with store_begin() and
 * store_commit() (or store_rollback()); a function that changes state on its
 * own does so in its own transaction unless one is already open.
 */
#ifndef OUTREACH_STORE_H
#define OUTREACH_STORE_H

#include <stdint.h>

#include "util.h"

struct store;

enum sub_status {
	SUB_UNCONFIRMED, SUB_ACTIVE, SUB_UNSUBSCRIBED, SUB_BOUNCED, SUB_COMPLAINED, SUB_NSTATUS
};
enum digest_mode { DIGEST_IMMEDIATE, DIGEST_WEEKLY, DIGEST_MONTHLY, DIGEST_NMODES };
/*
 * Who or what made a change, for the audit log.  ACTOR_LINK, ACTOR_ONECLICK
 * and ACTOR_EMAIL are the subscriber's own actions (a link in a message, the
 * RFC 8058 one-click POST of a mail client, a mail command).
 */
enum actor {
	ACTOR_ADMIN, ACTOR_IMPORT, ACTOR_LINK, ACTOR_ONECLICK, ACTOR_EMAIL, ACTOR_BOUNCE,
	ACTOR_SYSTEM
};

const char *sub_status_name(int status);
int sub_status_parse(const char *s);      /* -1 if unknown */
const char *digest_name(int digest);
int digest_parse(const char *s);          /* -1 if unknown */
const char *actor_name(int actor);

int store_open(const char *path, struct store **out, struct error *err);
void store_close(struct store *st);
/* store_cache_kb - size the page cache of this connection (8 MB unless told). */
int store_cache_kb(struct store *st, int kb, struct error *err);
/* store_schema_version - the schema version the open database is at. */
int store_schema_version(struct store *st);
/* store_latest_version - the version this build migrates to. */
int store_latest_version(void);
/* store_open_at_version - for tests: open path and migrate only up to version. */
int store_open_at_version(const char *path, int version, struct store **out, struct error *err);

/* --- copies of the whole database (store_backup.c) --- */
/*
 * store_backup - a consistent copy of the open database (one snapshot, while
 * others write) into path as one self-contained file, written aside and
 * moved into place; an existing path is ERR_CONFLICT unless force.
 */
int store_backup(struct store *st, const char *path, int force, struct error *err);
/*
 * store_check_file - whether path is an outreach database this build can
 * open: it passes PRAGMA integrity_check and its schema version is not
 * newer than store_latest_version() (ERR_INPUT otherwise, ERR_NOTFOUND when
 * there is no such file, ERR_DB when SQLite cannot read it).  *version
 * (may be NULL) is its schema version.
 */
int store_check_file(const char *path, int *version, struct error *err);
/*
 * store_restore - put a copy of the outreach database src at db_path,
 * replacing what is there (its -wal and -shm too), atomically.  The caller
 * holds the daemon lock (daemon.h) and has decided replacing is wanted.
 */
int store_restore(const char *src, const char *db_path, struct error *err);

int store_begin(struct store *st, struct error *err);
int store_commit(struct store *st, struct error *err);
void store_rollback(struct store *st);

/* --- lists --- */
struct list_info {
	int64_t id;
	char *slug, *name, *from, *reply_to, *description;
	char *timezone;            /* NULL: [digest] timezone */
	char *organizer;           /* "Name <addr>" for invites; NULL: the From */
	char *address;             /* postal address for footers, or NULL */
	char *logo;                /* the logo's file hash, or NULL */
	char *domain;              /* sending domain; NULL: the From address's domain */
	char *color, *accent;      /* brand colours; NULL: [brand] */
	char *dkim_selector;       /* DKIM selector and key of its own; NULL: [dkim] */
	char *dkim_key_file;
	int allow_html;
	int is_public;             /* has a public sign-up form (/s/SLUG) */
	int64_t created_at;
	int64_t n_active, n_total; /* filled by store_list_get/each */
};
void list_info_free(struct list_info *l);
int store_list_add(struct store *st, const struct list_info *l, struct error *err);
int store_list_get(struct store *st, const char *slug, struct list_info *out, struct error *err);
int store_list_get_id(struct store *st, int64_t id, struct list_info *out, struct error *err);
/* store_list_brief - a list by id (slug NULL) or slug, without the member counts. */
int store_list_brief(struct store *st, int64_t id, const char *slug, struct list_info *out,
                     struct error *err);
int store_list_each(struct store *st, int (*fn)(const struct list_info *, void *), void *arg,
                    struct error *err);
/*
 * store_list_set - change a list's name, From, Reply-To, description, time
 * zone, organiser, domain, colours or DKIM key: the non-NULL fields of l
 * (an empty optional field clears it).  ERR_NOTFOUND if none.
 */
int store_list_set(struct store *st, const char *slug, const struct list_info *l,
                   struct error *err);
/* store_list_remove - refuses a list with members unless force. */
int store_list_remove(struct store *st, const char *slug, int force, struct error *err);

/* --- events and opportunities (store_events.c) --- */
struct event_info {
	int64_t id, list_id;
	char *slug, *list_slug, *kind, *title, *tz, *location, *url, *topic, *description;
	char *uid, *status;        /* status: "scheduled" or "cancelled" */
	int64_t starts, ends;      /* UTC */
	int sequence;              /* grows with every update or cancellation */
	int64_t created_at, updated_at;
};
void event_info_free(struct event_info *e);
/* store_event_add - a new event (ERR_CONFLICT if the slug is taken); its id in *id. */
int store_event_add(struct store *st, const struct event_info *e, int64_t *id, struct error *err);
/* store_event_get - by slug (id 0) or id; ERR_NOTFOUND if none. */
int store_event_get(struct store *st, int64_t id, const char *slug, struct event_info *out,
                    struct error *err);
/* store_event_save - write every field of e (found by e->id), updated now. */
int store_event_save(struct store *st, const struct event_info *e, struct error *err);
/*
 * store_event_each - events of a list (0: every list), by start; with
 * from > 0 only scheduled ones ending at or after it; at most max (0: all).
 */
int store_event_each(struct store *st, int64_t list_id, int64_t from, int max,
                     int (*fn)(const struct event_info *, void *), void *arg, struct error *err);

/* store_event_reached - how many people the event's mail has reached (deliveries sent). */
int store_event_reached(struct store *st, int64_t event_id, int64_t *n, struct error *err);
/*
 * store_event_campaigns_cancel - cancel the event's campaigns not yet
 * finished (scheduled, paused or sending) with reason; *n how many.
 */
int store_event_campaigns_cancel(struct store *st, int64_t event_id, const char *reason,
                                 int64_t *n, struct error *err);

struct opportunity_info {
	int64_t id, list_id;
	char *slug, *list_slug, *kind, *title, *org, *url, *location, *description;
	char *status;              /* "open" or "closed" */
	int64_t deadline;          /* UTC, 0 when none */
	int64_t created_at, updated_at;
};
void opportunity_info_free(struct opportunity_info *o);
int store_opportunity_add(struct store *st, const struct opportunity_info *o, int64_t *id,
                          struct error *err);
int store_opportunity_get(struct store *st, const char *slug, struct opportunity_info *out,
                          struct error *err);
/* store_opportunity_close - no longer open (ERR_NOTFOUND, or ERR_CONFLICT if closed). */
int store_opportunity_close(struct store *st, const char *slug, struct error *err);
/*
 * store_opportunity_each - opportunities of a list (0: every list); with
 * open_at > 0 only open ones whose deadline (if any) is not before it,
 * deadlines soonest first (none last); at most max (0: all).
 */
int store_opportunity_each(struct store *st, int64_t list_id, int64_t open_at, int max,
                           int (*fn)(const struct opportunity_info *, void *), void *arg,
                           struct error *err);

/* --- digests (store_digests.c) --- */
/*
 * store_digest_claim - take the digest of list, period ("weekly",
 * "monthly") and key ("2026-W49", "2026-11") for this run: 0, or
 * ERR_CONFLICT with the campaign that already has it in *campaign (0 while
 * it is being made).  In the caller's transaction, so two runs (or two
 * machines on one database) make it once.
 */
int store_digest_claim(struct store *st, int64_t list_id, const char *period, const char *key,
                       int64_t *campaign, struct error *err);
int store_digest_set_campaign(struct store *st, int64_t list_id, const char *period,
                              const char *key, int64_t campaign, struct error *err);
/* store_digest_last - when the list's last digest of period was made (0: never). */
int store_digest_last(struct store *st, int64_t list_id, const char *period, int64_t *at,
                      struct error *err);

/* One item of a digest: a newsletter, an event or an opportunity. */
struct digest_item {
	const char *section;       /* "newsletters", "events" or "opportunities" */
	int position;
	int64_t listed_at;         /* when it was new: it counts for a subscriber once */
	int64_t ref_id;            /* the campaign, event or opportunity */
	const char *topic;         /* who it is for (a topic slug), NULL: everyone */
	const char *markdown;      /* its summary */
	const char *full_text;     /* a newsletter's whole text, or NULL */
};
int store_digest_item_add(struct store *st, int64_t campaign, const struct digest_item *it,
                          struct error *err);
/*
 * store_digest_items_each - a digest's items new after since for someone
 * who chose topics ("a;b"; NULL or "": every topic), by section and position.
 */
int store_digest_items_each(struct store *st, int64_t campaign, int64_t since,
                            const char *topics,
                            int (*fn)(const struct digest_item *, void *), void *arg,
                            struct error *err);

/* A newsletter as a digest lists it. */
struct newsletter_row {
	int64_t id, started_at;
	const char *subject, *document, *topic;
};
/* store_newsletters_between - the list's newsletters that went out after from, up to to. */
int store_newsletters_between(struct store *st, int64_t list_id, int64_t from, int64_t to,
                              int (*fn)(const struct newsletter_row *, void *), void *arg,
                              struct error *err);

/* --- files: logos, images and attachments (store_files.c) --- */
enum { FILE_MAX_BYTES = 5 << 20 };
/* store_file_put - keep data (its SHA-256 hex in hash) as content_type; again is a no-op. */
int store_file_put(struct store *st, const char *hash, const char *content_type,
                   const void *data, size_t len, struct error *err);
/* store_file_get - the file with hash (ERR_NOTFOUND if none); *type and *data are allocated. */
int store_file_get(struct store *st, const char *hash, char **type, char **data, size_t *len,
                   struct error *err);
/* store_file_ref - the document doc_hash means file_hash by name. */
int store_file_ref(struct store *st, const char *doc_hash, const char *name,
                   const char *file_hash, struct error *err);
/* store_file_by_ref - what the document doc_hash means by name (ERR_NOTFOUND if nothing). */
int store_file_by_ref(struct store *st, const char *doc_hash, const char *name, char **hash,
                      struct error *err);

/* --- topics --- */
struct topic_info {
	int64_t id;
	const char *slug, *name;
};
int store_topic_add(struct store *st, const char *slug, const char *name, struct error *err);
int store_topic_each(struct store *st, int (*fn)(const struct topic_info *, void *), void *arg,
                     struct error *err);
/*
 * store_topics_resolve - turn "a,b" (or "a;b", spaces allowed) into a
 * canonical "a;b" of known topic slugs, sorted and without repeats.  An
 * unknown topic is an error naming it.
 */
int store_topics_resolve(struct store *st, const char *list, char **canonical, struct error *err);

/* --- subscribers --- */
struct membership_info {
	char *list_slug;
	int status;
	char *source;
	int64_t created_at, updated_at;
};
struct subscriber_info {
	int64_t id;
	char *email, *name;
	int status;
	int digest;
	char *topics;              /* canonical "a;b", "" = every topic */
	int suppressed;
	int64_t paused_until;      /* no mail before this time; 0 when not paused */
	int64_t created_at, updated_at;
	struct membership_info *memberships;
	size_t n_memberships;
};
void subscriber_info_free(struct subscriber_info *s);

/*
 * struct subscription - one request to put an address on a list (admin add,
 * an import row).  email must already be normalised (addr_normalize).  name,
 * topics (canonical) may be NULL to leave them as they are; digest -1 likewise.
 * want_status is SUB_ACTIVE, SUB_UNCONFIRMED, or (import of an export) one of
 * the ended states, which are recorded as such.
 */
struct subscription {
	const char *email;
	const char *name;
	const char *topics;
	int digest;
	int want_status;
	int actor;
	const char *source;        /* e.g. "import:members.csv" or "admin" */
};
enum subscribe_result {
	SUBSCRIBE_CREATED,         /* new membership */
	SUBSCRIBE_UPDATED,         /* existing membership or details changed */
	SUBSCRIBE_UNCHANGED,
	SUBSCRIBE_REFUSED          /* suppressed, unsubscribed, bounced or complained: err says which */
};
/* store_subscribe - add or update; never re-activates an ended or suppressed address. */
int store_subscribe(struct store *st, int64_t list_id, const struct subscription *sub,
                    int *result, struct error *err);
int store_subscriber_get(struct store *st, const char *email, struct subscriber_info *out,
                         struct error *err);
/* store_subscriber_set - change topics (canonical, or NULL) and digest (or -1). */
int store_subscriber_set(struct store *st, const char *email, const char *topics, int digest,
                         int actor, struct error *err);
/*
 * store_subscriber_alias - the subscriber an id from a token or an old
 * delivery stands for now: an id merged into another (the same address in
 * another case, schema 9) becomes the survivor's; any other is unchanged.
 */
int store_subscriber_alias(struct store *st, int64_t *id, struct error *err);
/*
 * store_subscriber_restore - an administrator undoes a bounce-disable (the
 * relay or the bounce rules were wrong): bounced becomes active, audited
 * with reason, and the address's bounces stop counting towards disabling it
 * again.  An unsubscribe or a complaint is the subscriber's own word and is
 * never undone here (ERR_CONFLICT); nor is an address that did not bounce.
 */
int store_subscriber_restore(struct store *st, const char *email, const char *reason,
                             struct error *err);
/*
 * store_subscriber_remove - with list_slug, drop one membership; without,
 * forget the subscriber.  A subscriber that unsubscribed, bounced or
 * complained is added to the suppression list first, so forgetting it can
 * never lead to mailing it again; likewise a membership that ended by the
 * subscriber's word (or a bounce or complaint) is kept, not dropped, so it
 * cannot be laundered by adding the address again (*kept = its status,
 * else 0).
 */
int store_subscriber_remove(struct store *st, const char *email, const char *list_slug, int actor,
                            int *kept, struct error *err);
/* store_export_each - members of a list (status -1: every status), ordered by email. */
struct export_row {
	const char *email, *name, *topics;
	int digest, status;
	int suppressed;            /* on the suppression list */
};
int store_export_each(struct store *st, int64_t list_id, int status,
                      int (*fn)(const struct export_row *, void *), void *arg, struct error *err);

/*
 * store_seen_reset / store_seen - a set of addresses kept in a temporary
 * table for the length of one import, so finding duplicates in a file of a
 * million rows costs disk, not memory.  store_seen records email at line and
 * sets *first_line to the line it was first seen on (0 if it is new) and
 * *first_email to its spelling there (caller frees; NULL if new).  Case
 * does not make an address new.
 */
int store_seen_reset(struct store *st, struct error *err);
int store_seen(struct store *st, const char *email, long long line, long long *first_line,
               char **first_email, struct error *err);

/*
 * store_recipients_each - the members a campaign for list (and topic, or
 * NULL for all) goes to now: membership and subscriber active, digest
 * immediate, not suppressed, and wanting the topic (or every topic).
 */
struct recipient_row {
	int64_t subscriber_id;
	const char *email, *name;
};
int store_recipients_each(struct store *st, int64_t list_id, const char *topic,
                          const char *digest,
                          int (*fn)(const struct recipient_row *, void *), void *arg,
                          struct error *err);

/* --- suppression list --- */
/*
 * Whose word a suppression is: an administrator's, or the address's own
 * (it unsubscribed, bounced or complained before it was forgotten, or asked
 * to be erased).  Only an administrator's may be lifted by one.
 */
enum suppress_origin {
	SUPPRESS_ADMIN, SUPPRESS_UNSUBSCRIBED, SUPPRESS_BOUNCED, SUPPRESS_COMPLAINED,
	SUPPRESS_ERASED, SUPPRESS_NORIGINS
};
const char *suppress_origin_name(int origin);
int store_suppress(struct store *st, const char *email, const char *reason, int origin,
                   int actor, struct error *err);
/*
 * store_unsuppress - take an address off the list.  An administrator
 * (ACTOR_ADMIN) lifts only a suppression an administrator added; one that
 * records the address's own unsubscribe, bounce, complaint or erasure is
 * refused (ERR_CONFLICT).
 */
int store_unsuppress(struct store *st, const char *email, int actor, struct error *err);
int store_suppression_each(struct store *st,
                           int (*fn)(const char *email, const char *reason, int64_t at, void *),
                           void *arg, struct error *err);

/* --- campaigns and deliveries --- */
enum campaign_status {
	CAMPAIGN_DRAFT, CAMPAIGN_SCHEDULED, CAMPAIGN_SENDING, CAMPAIGN_SENT, CAMPAIGN_CANCELLED,
	CAMPAIGN_PAUSED, CAMPAIGN_NSTATUS
};
enum delivery_status {
	DELIVERY_QUEUED, DELIVERY_SENDING, DELIVERY_SENT, DELIVERY_DEFERRED, DELIVERY_FAILED,
	DELIVERY_BOUNCED, DELIVERY_NSTATUS
};
const char *campaign_status_name(int s);
const char *delivery_status_name(int s);

struct campaign_info {
	int64_t id, list_id;
	char *list_slug, *kind, *subject, *topic, *source_name, *document, *status_reason;
	int status;
	int64_t send_at, created_at, started_at, finished_at;
	int64_t event_starts;      /* 0 when the document has no event */
	int64_t counts[DELIVERY_NSTATUS];
	int64_t n_deliveries;
	int64_t next_attempt;      /* the earliest waiting delivery's, 0 if none waits */
	char *last_error;          /* the latest reply of a deferred delivery, or NULL */
	char *content_hash;        /* its document's SHA-256, or NULL */
};
void campaign_info_free(struct campaign_info *c);

/* A new campaign, from an ingested document. */
struct campaign_new {
	int64_t list_id;
	const char *kind, *subject, *topic, *source_name, *document, *spool_name;
	const char *content_hash;  /* SHA-256 hex of the document, or NULL */
	int64_t send_at, event_starts;
	int64_t dedup_since;       /* refuse content_hash seen in a campaign made since then */
	int64_t event_id;          /* the event it is about, or 0 */
	int to_event_recipients;   /* to those who got the event's earlier mail, not the list */
	const char *period;        /* a digest's: "weekly" or "monthly"; else NULL */
};
/*
 * store_campaign_add - record a campaign (status scheduled).  A spool name
 * already recorded returns the existing campaign's id with *existed = 1, so
 * ingesting the same file twice (a crash between commit and rename) is
 * harmless.  The same content under another name, in a campaign made since
 * dedup_since, is refused: ERR_CONFLICT, with that campaign's id in *id.
 */
int store_campaign_add(struct store *st, const struct campaign_new *c, int64_t *id, int *existed,
                       struct error *err);
int store_campaign_get(struct store *st, int64_t id, struct campaign_info *out,
                       struct error *err);
int store_campaign_each(struct store *st, int (*fn)(const struct campaign_info *, void *),
                        void *arg, struct error *err);
/*
 * store_campaign_hold - pause a sending campaign for a reason that is not the
 * operator's (the relay refuses us); the standing campaigns of system mail
 * are never paused.  *paused says whether it was.
 */
int store_campaign_hold(struct store *st, int64_t id, const char *reason, int *paused,
                        struct error *err);
/* store_campaign_set_document - a campaign's subject and document, made after it (digests). */
int store_campaign_set_document(struct store *st, int64_t id, const char *subject,
                                const char *document, struct error *err);
/* store_campaign_set_status - change status (with a reason, or NULL) and audit nothing. */
int store_campaign_set_status(struct store *st, int64_t id, int status, const char *reason,
                              struct error *err);
/*
 * store_campaign_by_content - the newest campaign made since since from a
 * document with this SHA-256 (ERR_NOTFOUND if none); *at when it was made.
 */
int store_campaign_by_content(struct store *st, const char *content_hash, int64_t since,
                              int64_t *id, int64_t *at, struct error *err);
/* store_campaign_list - the list a campaign is for (ERR_NOTFOUND if no such campaign). */
int store_campaign_list(struct store *st, int64_t id, int64_t *list_id, struct error *err);
/* store_campaign_by_spool - the campaign made from spool file name (-1 with err if none). */
int store_campaign_by_spool(struct store *st, const char *name, int64_t *id, struct error *err);
enum campaign_action { CAMPAIGN_PAUSE, CAMPAIGN_RESUME, CAMPAIGN_CANCEL };
/*
 * store_campaign_control - pause (scheduled or sending), resume (paused: a
 * campaign never started is rescheduled for now, so the late guard lets it
 * go; a started one's waiting deliveries are due at once), cancel (anything
 * not finished).  Other transitions are errors.
 */
int store_campaign_control(struct store *st, int64_t id, int action, struct error *err);
/* store_campaigns_due - ids of scheduled campaigns whose send time has come (up to max). */
int store_campaigns_due(struct store *st, int64_t now, int64_t *ids, int max, int *n,
                        struct error *err);
/*
 * store_campaign_expand - create one queued delivery per wanted recipient
 * (store_recipients_each) and set the campaign sending, in one transaction.
 * Returns the number of deliveries made in *n.
 */
int store_campaign_expand(struct store *st, int64_t id, int64_t now, int64_t *n,
                          struct error *err);
/* store_campaign_finish_done - mark sending campaigns with nothing left to do as sent. */
int store_campaign_finish_done(struct store *st, int64_t now, struct error *err);

struct delivery_job {
	int64_t id, campaign_id, subscriber_id;
	char *email, *name;
	int attempts;              /* this attempt's number (earlier attempts + 1) */
	int64_t first_attempt;
	int64_t since;             /* a digest's: what is new to its subscriber; else -1 */
	char *topics;              /* a digest's: the topics its subscriber chose ("a;b") */
};
void delivery_jobs_free(struct delivery_job *jobs, int n);
enum { CLAIM_SKIP_MAX = 16 };
/*
 * store_deliveries_claim - up to max due deliveries of sending campaigns,
 * not one of the ids in skip[0..nskip) (claimed earlier, not yet handed
 * over; nskip <= CLAIM_SKIP_MAX).  Claiming only reads: a claimed delivery stays queued until it is
 * handed over (DELIVERY_HANDOVER), so a crash before then leaves nothing in
 * doubt.  A delivery no longer wanted (its address unsubscribed, bounced or
 * was suppressed since) is failed here instead of returned.
 */
int store_deliveries_claim(struct store *st, int64_t now, int max, const int64_t *skip,
                           int nskip, struct delivery_job **jobs, int *n, struct error *err);
/* What happens to a delivery. */
enum delivery_change {
	DELIVERY_OUTCOME,          /* the outcome of its attempt: status, next_attempt, reply */
	DELIVERY_HANDOVER,         /* its message goes to the relay now: 'sending', attempts + 1;
	                              from here until its outcome a crash leaves it in doubt */
	DELIVERY_UNDONE,           /* handed over, but the relay's refusal was the relay's fault:
	                              deferred, the attempt not counted, the reply kept */
	DELIVERY_PACED,            /* not handed over: deferred, attempts unchanged, an earlier
	                              reply kept as the last one */
};
struct delivery_result {
	int64_t id;
	int change;                /* enum delivery_change */
	int status;                /* for OUTCOME: DELIVERY_SENT, _DEFERRED, _FAILED, _BOUNCED */
	int64_t next_attempt;      /* for OUTCOME (DEFERRED), UNDONE and PACED */
	const char *reply;         /* last SMTP reply or why */
	const char *message_id;
};
/*
 * store_deliveries_record - write changes in order to the delivery journal
 * (one transaction for the batch; a later change of a delivery replaces an
 * earlier one, and its hand-over is kept).
 */
int store_deliveries_record(struct store *st, const struct delivery_result *r, int n,
                            struct error *err);
/*
 * store_deliveries_apply - apply the journal's outcomes to deliveries (*n
 * of them, if n) and forget them; hand-overs still in flight stay.
 */
int store_deliveries_apply(struct store *st, int64_t *n, struct error *err);
/*
 * store_deliveries_postpone - move every waiting delivery of a sending
 * campaign due before until to until (the relay cannot be reached); *n is
 * how many moved.
 */
int store_deliveries_postpone(struct store *st, int64_t until, int64_t *n, struct error *err);
/*
 * store_deliveries_retry - make the waiting (queued or deferred) deliveries
 * of campaign id due at now; *n is how many were not due yet.
 */
int store_deliveries_retry(struct store *st, int64_t id, int64_t now, int64_t *n,
                           struct error *err);
/*
 * store_deliveries_recover - after a crash: apply the journal's outcomes;
 * deliveries handed over with no outcome (or left 'sending') had an unknown
 * outcome: requeue them (resend) or fail them (skip).  fn is called for each
 * so it can be logged.
 */
int store_deliveries_recover(struct store *st, int resend,
                             void (*fn)(int64_t campaign, const char *email, void *), void *arg,
                             int64_t *n, struct error *err);
/* store_deliveries_expire - fail deferred deliveries first tried before cutoff. */
int store_deliveries_expire(struct store *st, int64_t cutoff, int64_t *n, struct error *err);
/* store_next_due - the earliest next_attempt of pending work (0 if none). */
int store_next_due(struct store *st, int64_t *when, struct error *err);

/*
 * Mail outreach sends on its own behalf (a confirmation request, a bounce
 * probe) is one standing campaign per list and kind ("confirm", "probe"):
 * each request adds a delivery to it, so such mail is queued, retried,
 * crash-safe and traced back from its bounces like any campaign's.
 *
 * store_system_campaign - the id of list_id's campaign of kind, created
 * from subject and document (front matter naming its template) if new.
 */
int store_system_campaign(struct store *st, int64_t list_id, const char *kind, const char *subject,
                          const char *document, int64_t *id, struct error *err);
/*
 * store_system_enqueue - queue a message of that campaign to subscriber now
 * and set the campaign sending.  A message already waiting, or sent less
 * than min_gap seconds ago, is not queued again (*queued = 0), so repeated
 * requests cannot make outreach mail an address over and over.
 */
int store_system_enqueue(struct store *st, int64_t campaign_id, int64_t subscriber_id,
                         int64_t min_gap, int *queued, struct error *err);
/* store_delivery_campaign - the list and kind of a delivery's campaign (ERR_NOTFOUND if none). */
int store_delivery_campaign(struct store *st, int64_t delivery_id, int64_t *list_id, char **kind,
                            struct error *err);

/* --- mail that comes back --- */
/*
 * store_inbound_seen - whether a message with this key (Message-ID and
 * content hash) was already processed; processing twice changes nothing.
 */
int store_inbound_seen(struct store *st, const char *key, int *seen, struct error *err);
/* store_inbound_add - record that the message was processed; *id for its events. */
int store_inbound_add(struct store *st, const char *key, const char *kind, const char *summary,
                      int64_t *id, struct error *err);
/* store_delivery_lookup - the subscriber a delivery was for (ERR_NOTFOUND if no such delivery). */
int store_delivery_lookup(struct store *st, int64_t delivery_id, int64_t *subscriber_id,
                          struct error *err);
/* store_delivery_by_message_id - the delivery that carried a Message-ID (ERR_NOTFOUND if none). */
int store_delivery_by_message_id(struct store *st, const char *message_id, int64_t *delivery_id,
                                 struct error *err);

/*
 * A bounce event: a bounce or complaint that came back (inbound_id set) or
 * a relay's refusal at send time (inbound_id 0), with whether the policy
 * counted it towards the soft-bounce score.
 */
struct bounce_event {
	int64_t inbound_id, subscriber_id, delivery_id;
	const char *email, *class_name, *status, *reason, *diagnostic;
	int counted;
};
/* store_bounce_record - record ev with its decision; *id (may be NULL) for set_decision. */
int store_bounce_record(struct store *st, const struct bounce_event *ev, const char *decision,
                        int64_t *id, struct error *err);
/* store_bounce_set_decision - the final decision of an event recorded before it was known. */
int store_bounce_set_decision(struct store *st, int64_t id, const char *decision,
                              struct error *err);
/*
 * store_soft_score - the soft bounces of a subscriber that count now: events
 * recorded as counted, within window_days, after the last message that got
 * through (sent, with no bounce naming it or following it within a day), at
 * most one a day.
 */
int store_soft_score(struct store *st, int64_t subscriber_id, int window_days, int64_t *score,
                     struct error *err);
/*
 * store_confirm - the subscriber confirmed a list membership (double
 * opt-in): an unconfirmed membership becomes active, and so does a waiting
 * subscriber, with detail in the audit log.  Anything else is left as it
 * is (*confirmed = 0): an old confirmation never revives an ended membership.
 */
int store_confirm(struct store *st, int64_t subscriber_id, int64_t list_id, int actor,
                  const char *detail, int *confirmed, struct error *err);
/* store_unsubscribe - end a membership (list_id > 0) or every one (0), by actor. */
int store_unsubscribe(struct store *st, int64_t subscriber_id, int64_t list_id, int actor,
                      const char *detail, struct error *err);
/*
 * store_unsubscribe_campaign - store_unsubscribe through a link or command
 * that came in campaign's mail (0: none known): the audit rows' detail
 * ends with STORE_CAMPAIGN_MARK, so a campaign's report can count them.
 */
#define STORE_CAMPAIGN_MARK " [campaign %lld]"
int store_unsubscribe_campaign(struct store *st, int64_t subscriber_id, int64_t list_id,
                               int64_t campaign_id, int actor, const char *detail,
                               struct error *err);
/* store_subscriber_id - the id of an address (ERR_NOTFOUND if unknown). */
int store_subscriber_id(struct store *st, const char *email, int64_t *id, struct error *err);
/* store_subscriber_status - the status and address of a subscriber (ERR_NOTFOUND if gone). */
int store_subscriber_status(struct store *st, int64_t id, int *status, char **email,
                            struct error *err);
/* store_set_status - change a subscriber's status, with its audit row. */
int store_set_status(struct store *st, int64_t id, const char *email, int from, int to, int actor,
                     const char *detail, struct error *err);
/* store_first_active_list - the first list a subscriber is active on (ERR_NOTFOUND if none). */
int store_first_active_list(struct store *st, int64_t subscriber_id, int64_t *list_id,
                            struct error *err);

/* --- audit log --- */
struct audit_row {
	int64_t id, at;
	const char *email, *list_slug, *field, *old_value, *new_value, *actor, *detail;
};
/*
 * store_audit - append one row: field of subscriber (0 if gone) or email,
 * on list_id (0: none), changed from old_value to new_value by actor.
 */
int store_audit(struct store *st, int64_t subscriber_id, const char *email, int64_t list_id,
                const char *field, const char *old_value, const char *new_value, int actor,
                const char *detail, struct error *err);
/* store_audit_each - the log for one address (NULL: all), oldest first. */
int store_audit_each(struct store *st, const char *email,
                     int (*fn)(const struct audit_row *, void *), void *arg, struct error *err);

/* --- what the web pages read and change (store_preferences.c) --- */
/* store_subscriber_by_id - store_subscriber_get by id (ERR_NOTFOUND if gone). */
int store_subscriber_by_id(struct store *st, int64_t id, struct subscriber_info *out,
                           struct error *err);
/* A list as a subscriber sees it in the preference centre. */
struct list_choice {
	int64_t id;
	const char *slug, *name, *description;
	int is_public;
	int status;                /* the subscriber's membership status, -1 when none */
};
/*
 * store_list_choices - the lists subscriber_id may choose among: the public
 * ones and those it belongs to, by name.
 */
int store_list_choices(struct store *st, int64_t subscriber_id,
                       int (*fn)(const struct list_choice *, void *), void *arg,
                       struct error *err);
/* What the preference form saves; each part unchanged when NULL or -1. */
struct preferences {
	const char *name;          /* "" clears it */
	const char *topics;        /* canonical "a;b"; "" for every topic */
	int digest;                /* enum digest_mode, or -1 */
	int64_t paused_until;      /* no mail before this time; 0 for none; -1 unchanged */
	const int64_t *lists;      /* the ids of the lists to be on, among the choices */
	size_t n_lists;
	int set_lists;             /* lists[] says which lists to be on */
};
/*
 * store_preferences_save - apply p to subscriber_id in one transaction, each
 * change audited with actor (the subscriber's own: ACTOR_LINK).  Joining a
 * list or staying on one is the subscriber's own word, so it (re)activates
 * the membership; leaving one unsubscribes from it.  *changes counts what
 * changed.
 */
int store_preferences_save(struct store *st, int64_t subscriber_id, const struct preferences *p,
                           int actor, int *changes, struct error *err);
/*
 * store_confirm_sent_at - when the last confirmation request for subscriber
 * and list went out (ERR_NOTFOUND if none did): a request expires a week
 * after it was sent.
 */
int store_confirm_sent_at(struct store *st, int64_t subscriber_id, int64_t list_id, int64_t *at,
                          struct error *err);
enum { CONFIRM_VALID_FOR = 7 * 86400 };
/* What a sign-up through the public form leads to. */
enum signup_result {
	SIGNUP_CONFIRM,            /* a confirmation request is to be queued */
	SIGNUP_ALREADY,            /* already on the list: nothing to send */
	SIGNUP_REFUSED,            /* complained, or suppressed by an administrator: no mail */
};
/*
 * store_signup - a sign-up of email (normalised; name and canonical topics
 * for a new subscriber, else ignored) to list_id: a new subscriber and
 * membership wait for confirmation; an ended membership waits again (only
 * the confirmation re-activates it).  *subscriber_id is set when there is
 * one to confirm.
 */
int store_signup(struct store *st, int64_t list_id, const char *email, const char *name,
                 const char *topics, int *result, int64_t *subscriber_id, struct error *err);
/*
 * store_subscriber_erase - forget subscriber_id at its own request: its
 * memberships, topics and history go, deliveries and bounces lose the
 * address, and the address stays only as a suppression entry (origin
 * erased), so it is never mailed unless it signs up again.
 */
int store_subscriber_erase(struct store *st, int64_t subscriber_id, struct error *err);
/* One delivery of a campaign to a subscriber, for the data export. */
struct delivery_row {
	int64_t campaign_id, at;
	const char *subject, *kind, *status;
};
int store_deliveries_of(struct store *st, int64_t subscriber_id,
                        int (*fn)(const struct delivery_row *, void *), void *arg,
                        struct error *err);


/* --- campaign reports (store_reports.c) --- */
/*
 * What happened to a campaign's deliveries, for all of them or one
 * recipient domain.  Each delivery counts once in sent, waiting (queued or
 * being handed over), deferred or failed by its status, and once in hard
 * (a hard bounce came back, or the relay refused it) or soft (a soft
 * bounce and no hard one); complaints are deliveries a complaint names.
 * Unsubscribes are subscribers who left through the campaign's own link
 * (link), their mail client's one-click POST (oneclick) or a mail command
 * carrying its token (mail), each counted once per channel.
 */
struct report_counts {
	int64_t recipients, sent, waiting, deferred, failed;
	int64_t hard, soft, complaints;
	int64_t unsub_link, unsub_oneclick, unsub_mail;
};
/*
 * store_report_domains - the counts per recipient domain (lower case), most
 * recipients first, then by name.
 */
int store_report_domains(struct store *st, int64_t campaign_id,
                         int (*fn)(const char *domain, const struct report_counts *, void *),
                         void *arg, struct error *err);
/* store_report_span - when the campaign's first and last sent deliveries were (0 if none). */
int store_report_span(struct store *st, int64_t campaign_id, int64_t *first, int64_t *last,
                      struct error *err);
/*
 * store_report_timeline - sent deliveries per bucket of bucket seconds from
 * origin: fn(index, count) for each bucket that has any, in order.
 */
int store_report_timeline(struct store *st, int64_t campaign_id, int64_t origin, int64_t bucket,
                          int (*fn)(int64_t index, int64_t sent, void *), void *arg,
                          struct error *err);

#endif
