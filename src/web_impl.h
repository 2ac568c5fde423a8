/*
 * web_impl - private to the web module: what the server (web.c) hands each
 * page handler (web_links.c, web_signup.c, web_data.c, web_feeds.c), and how
 * a handler answers: a status and a page rendered from templates/web/
 * (web_page.c), or a feed's own bytes.
 *
 * Handlers run on the server's threads, each with its own database
 * connection; a write is made under the server's write lock, so threads do
 * not wait on each other inside SQLite's busy handler.
 */
#ifndef OUTREACH_WEB_IMPL_H
#define OUTREACH_WEB_IMPL_H

#include <pthread.h>
#include <stdint.h>

#include "buf.h"
#include "config.h"
#include "secret.h"
#include "store.h"
#include "web_form.h"

enum web_method { WEB_GET, WEB_HEAD, WEB_POST, WEB_OTHER };
enum { WEB_BODY_MAX = 64 << 10 };

/* The variables every web template may use (web_page.c has their names). */
enum web_var {
	WV_TITLE, WV_SITE_NAME, WV_LIST_NAME, WV_LIST_DESCRIPTION, WV_COLOR, WV_ON_COLOR,
	WV_LINK, WV_ACCENT, WV_CONTENT, WV_MESSAGE, WV_ERROR, WV_STATUS, WV_EMAIL,
	WV_EMAIL_MASKED, WV_NAME, WV_ACTION, WV_PREFS_URL, WV_CSRF, WV_LISTS, WV_TOPICS,
	WV_DIGEST_IMMEDIATE, WV_DIGEST_WEEKLY, WV_DIGEST_MONTHLY, WV_PAUSE_UNTIL, WV_SUPPRESSED,
	WV_ITEMS, WV_FEED_URL, WV_CALENDAR_URL, WV_SIGNUP_URL, WV_TIMEZONE,
	WV_SUMMARY, WV_TIMELINE, WV_DOMAINS, WV_DOMAIN_TABLE, WV_LEVEL,
	WEB_NVARS
};

enum web_template {
	TPL_LAYOUT, TPL_MESSAGE, TPL_ERROR, TPL_UNSUBSCRIBE, TPL_UNSUBSCRIBED, TPL_PREFERENCES,
	TPL_CONFIRM, TPL_EXPIRED, TPL_SIGNUP, TPL_DATA_EXPORT, TPL_DATA_ERASE, TPL_OPPORTUNITIES,
	TPL_REPORT,
	WEB_NTEMPLATES
};

struct web_templates;
struct web_rate;

/* The server's state, shared read-only by its threads (but for the rate table and lock). */
struct web {
	const struct config *cfg;
	unsigned char key[SECRET_LEN];
	struct web_templates *tpl;
	char *base_url;            /* without a trailing '/' */
	char *origin;              /* scheme://host[:port] of base_url, for the Origin check */
	char *on_color, *link;     /* text on the brand colour, and link colour, readable (WCAG) */
	struct web_rate *rate;     /* sign-ups per client address and hour */
	pthread_mutex_t write_lock;
};

struct web_request {
	struct web *w;
	struct store *st;          /* this thread's connection */
	int method;                /* enum web_method */
	const char *path;
	char *action;              /* this page's public URL, where its forms post */
	char arg[WEB_PATH_PART + 1]; /* the route's token or slug */
	struct web_form form;      /* a POST's fields */
	const char *origin;        /* the Origin header, or NULL */
	char ip[64];               /* the client, as far as trusted proxies tell */
};

struct web_response {
	int status;
	struct buf body;
	const char *content_type;  /* NULL: text/html; charset=utf-8 */
	char *disposition;         /* Content-Disposition, or NULL (owned) */
	const char *allow;         /* for 405: the methods the page takes */
	const char *cache;         /* Cache-Control of a public page; NULL: no-store */
	int etag;                  /* send an ETag of the body; a matching If-None-Match is 304 */
};

/* web_render - template t as a whole page (inside the layout) with values, as status. */
void web_render(struct web *w, int t, const char **values, int status, struct web_response *rs);
/* web_values_init - values[] with the site-wide ones set (name, colours); the rest NULL. */
void web_values_init(const struct web *w, const char **values);
/* web_page_message - a short page: title and one paragraph (with a preferences link, or NULL). */
void web_page_message(struct web *w, struct web_response *rs, int status, const char *title,
                      const char *message, const char *prefs_url);
/* web_page_error - an error page with its status. */
void web_page_error(struct web *w, struct web_response *rs, int status, const char *title,
                    const char *message);
/* web_page_fail - the page for a failed operation, by the error's kind (404, 400, 409, 503). */
void web_page_fail(struct web *w, struct web_response *rs, const struct error *err);
/* web_page_forbidden - the one answer to every bad, altered, expired or misused token. */
void web_page_forbidden(struct web *w, struct web_response *rs);
/* web_method_not_allowed - 405 with the Allow header. */
void web_method_not_allowed(struct web *w, struct web_response *rs, const char *allow);

/* web_token - a token of purpose for ids, into out (TOKEN_MAX bytes and a NUL). */
void web_token(const struct web *w, int purpose, int64_t a, int64_t b, char *out);
/* web_url - base_url + "/" + kind letter + "/" + token (caller frees). */
char *web_url(const struct web *w, char kind, int purpose, int64_t a, int64_t b);
/* web_mask_email - "ada@school.example" as "a***@school.example" (caller frees). */
char *web_mask_email(const char *email);
/* web_write_begin, web_write_end - the process's write lock and a transaction. */
int web_write_begin(struct web_request *rq, struct error *err);
int web_write_end(struct web_request *rq, int ok, struct error *err);

/* web_topics_html - a checkbox per topic, the chosen ("a;b") ticked. */
int web_topics_html(struct store *st, const char *chosen, struct buf *out, struct error *err);

/* The pages. */
void web_unsubscribe(struct web_request *rq, struct web_response *rs);
void web_preferences(struct web_request *rq, struct web_response *rs);
void web_confirm(struct web_request *rq, struct web_response *rs);
void web_signup(struct web_request *rq, struct web_response *rs);
void web_export(struct web_request *rq, struct web_response *rs);
void web_erase(struct web_request *rq, struct web_response *rs);
/* A public list's feeds (web_feeds.c): GET and HEAD only; an unknown or private list is 404. */
void web_events_ics(struct web_request *rq, struct web_response *rs);
void web_opportunities(struct web_request *rq, struct web_response *rs);
void web_opportunities_atom(struct web_request *rq, struct web_response *rs);
/* A campaign's report for coordinators (web_report.c): GET and HEAD, by a signed link. */
void web_report(struct web_request *rq, struct web_response *rs);

/* Templates and the sign-up rate table (web_page.c, web_signup.c). */
int web_templates_load(const char *dir, struct web_templates **out, struct error *err);
void web_templates_free(struct web_templates *t);
struct web_rate *web_rate_new(void);
void web_rate_free(struct web_rate *r);

#endif
