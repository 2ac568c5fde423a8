/*
 * web_links - the pages behind the links in every message: unsubscribe
 * (/u/, with RFC 8058 one-click), the preference centre (/p/) and the
 * confirmation of a subscription (/c/).
 *
 * A GET shows and never changes; a POST changes, as the subscriber's own
 * action (ACTOR_LINK, or ACTOR_ONECLICK for a mail client's one-click).  A
 * token that does not verify, or is for another page, gets the one 403
 * page.  An unsubscribe link keeps working for ever: for a subscriber
 * since erased or merged away it says "you are unsubscribed".
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "log.h"
#include "sysmail.h"
#include "template.h"
#include "token.h"
#include "web_impl.h"

/*
 * verify - the page's token, of the purpose it must have, its subscriber
 * resolved (mail sent before two spellings of an address were merged).
 */
static int
verify(const struct web_request *rq, int purpose, struct token *t)
{
	struct error e = ERROR_INIT;

	if (token_verify(rq->w->key, rq->arg, strlen(rq->arg), t) < 0 || t->purpose != purpose)
		return -1;
	if (store_subscriber_alias(rq->st, &t->a, &e) < 0) {
		error_clear(&e);
		return -1;
	}
	return 0;
}

/* membership - subscriber's status on list slug, -1 when it has none. */
static int
membership(const struct subscriber_info *s, const char *slug)
{
	for (size_t i = 0; i < s->n_memberships; i++)
		if (strcmp(s->memberships[i].list_slug, slug) == 0)
			return s->memberships[i].status;
	return -1;
}

/* --- unsubscribe --- */

/* unsubscribed_page - "you are unsubscribed", with all-lists and undo buttons. */
static void
unsubscribed_page(struct web_request *rq, struct web_response *rs, const struct list_info *l,
                  const char *masked, const char *prefs_url)
{
	const char *v[WEB_NVARS];

	web_values_init(rq->w, v);
	v[WV_TITLE] = "You are unsubscribed";
	v[WV_LIST_NAME] = l->name;
	v[WV_EMAIL_MASKED] = masked;
	v[WV_ACTION] = rq->action;
	v[WV_PREFS_URL] = prefs_url;
	web_render(rq->w, TPL_UNSUBSCRIBED, v, 200, rs);
}

void
web_unsubscribe(struct web_request *rq, struct web_response *rs)
{
	struct subscriber_info sub = {0};
	struct list_info list = {0};
	struct error err = ERROR_INIT;
	struct token t;
	char *masked = NULL, *prefs = NULL;
	const char *oneclick, *msg = NULL;
	int64_t list_id = 0;
	int status, ok;

	if (verify(rq, TOKEN_UNSUBSCRIBE, &t) < 0) {
		web_page_forbidden(rq->w, rs);
		return;
	}
	if (t.b == 0) {
		web_page_message(rq->w, rs, 200, "Nothing to unsubscribe from",
		                 "This link comes from a preview or a test copy of a message, not "
		                 "from a list's mail: nothing was changed.", NULL);
		return;
	}
	/* The campaign (and so its list) or the subscriber may be gone: still unsubscribed. */
	if (store_campaign_list(rq->st, t.b, &list_id, &err) < 0 ||
	    store_list_brief(rq->st, list_id, NULL, &list, &err) < 0 ||
	    store_subscriber_by_id(rq->st, t.a, &sub, &err) < 0) {
		if (error_kind(&err) == ERR_NOTFOUND)
			web_page_message(rq->w, rs, 200, "You are unsubscribed",
			                 "This address receives nothing from this list.", NULL);
		else
			web_page_fail(rq->w, rs, &err);
		goto out;
	}
	masked = web_mask_email(sub.email);
	prefs = web_url(rq->w, 'p', TOKEN_PREFERENCES, sub.id, 0);
	status = membership(&sub, list.slug);
	if (rq->method != WEB_POST) {
		const char *v[WEB_NVARS];

		if (status != SUB_ACTIVE && status != SUB_UNCONFIRMED) {
			unsubscribed_page(rq, rs, &list, masked, prefs);
			goto out;
		}
		web_values_init(rq->w, v);
		v[WV_TITLE] = "Unsubscribe";
		v[WV_LIST_NAME] = list.name;
		v[WV_EMAIL_MASKED] = masked;
		v[WV_ACTION] = rq->action;
		v[WV_PREFS_URL] = prefs;
		web_render(rq->w, TPL_UNSUBSCRIBE, v, 200, rs);
		goto out;
	}
	oneclick = web_form_get(&rq->form, "List-Unsubscribe");
	if (web_write_begin(rq, &err) < 0) {
		web_page_fail(rq->w, rs, &err);
		goto out;
	}
	if (web_form_get(&rq->form, "undo")) {
		struct subscription s = {sub.email, NULL, NULL, -1, SUB_ACTIVE, ACTOR_LINK,
		                         "resubscribed after unsubscribing by link"};
		int result;

		ok = store_subscribe(rq->st, list.id, &s, &result, &err) == 0;
		if (ok && result == SUBSCRIBE_REFUSED) {
			msg = "This address cannot be subscribed again here; ask the network.";
			error_clear(&err);
		}
	} else if (web_form_get(&rq->form, "all"))
		ok = store_unsubscribe_campaign(rq->st, sub.id, 0, t.b, ACTOR_LINK,
		                                "unsubscribed from all lists by link", &err) == 0;
	else
		ok = store_unsubscribe_campaign(rq->st, sub.id, list.id, t.b,
		                                oneclick && strcasecmp(oneclick, "One-Click") == 0 ?
		                                ACTOR_ONECLICK : ACTOR_LINK,
		                                oneclick ? "one-click unsubscribe (RFC 8058)" :
		                                "unsubscribed by link", &err) == 0;
	if (web_write_end(rq, ok, &err) < 0) {
		log_warn("web", "unsubscribe of subscriber %lld: %s", (long long)sub.id,
		         error_msg(&err));
		web_page_fail(rq->w, rs, &err);
	} else if (msg)
		web_page_message(rq->w, rs, 409, "Not subscribed again", msg, prefs);
	else if (web_form_get(&rq->form, "undo"))
		web_page_message(rq->w, rs, 200, "You are subscribed again",
		                 "Welcome back: you will get this list's mail as before.", prefs);
	else if (web_form_get(&rq->form, "all"))
		web_page_message(rq->w, rs, 200, "You are unsubscribed from every list",
		                 "This address will get no more mail from any of our lists.", prefs);
	else
		unsubscribed_page(rq, rs, &list, masked, prefs);
out:
	subscriber_info_free(&sub);
	list_info_free(&list);
	free(masked);
	free(prefs);
	error_clear(&err);
}

/* --- preferences --- */

struct choices {
	struct buf html;
	const struct web_form *form;  /* a POST's ticked lists, to map slugs to ids */
	int64_t *ids;
	size_t n;
	int64_t first_member, first_public;
};

static int
list_row(const struct list_choice *c, void *arg)
{
	struct choices *ch = arg;
	int on = c->status == SUB_ACTIVE || c->status == SUB_UNCONFIRMED;

	buf_addf(&ch->html, "<label class=\"choice\"><input type=\"checkbox\" name=\"list\" "
	         "value=\"%s\"%s><span>", c->slug, on ? " checked" : "");
	template_html_escape(&ch->html, c->name, strlen(c->name));
	if (c->description && *c->description) {
		buf_adds(&ch->html, "<span class=\"hint\">");
		template_html_escape(&ch->html, c->description, strlen(c->description));
		buf_adds(&ch->html, "</span>");
	}
	if (c->status == SUB_UNCONFIRMED)
		buf_adds(&ch->html, "<span class=\"hint\">Waiting for your confirmation.</span>");
	buf_adds(&ch->html, "</span></label>\n");
	if (ch->form) {
		size_t i = 0;
		const char *v;

		while ((v = web_form_next(ch->form, "list", &i)) != NULL)
			if (strcmp(v, c->slug) == 0) {
				ch->ids = xrealloc(ch->ids, (ch->n + 1) * sizeof(*ch->ids));
				ch->ids[ch->n++] = c->id;
				break;
			}
	}
	if (c->status >= 0 && ch->first_member == 0)
		ch->first_member = c->id;
	if (c->is_public && ch->first_public == 0)
		ch->first_public = c->id;
	return 0;
}

struct topics_html {
	struct buf *html;
	const char *chosen;        /* canonical "a;b" */
};

static int
topic_row(const struct topic_info *t, void *arg)
{
	struct topics_html *th = arg;
	size_t n = strlen(t->slug);
	int on = 0;

	for (const char *p = th->chosen; p && *p;) {
		size_t k = strcspn(p, ";");

		on |= k == n && strncmp(p, t->slug, n) == 0;
		p += k + (p[k] == ';');
	}
	buf_addf(th->html, "<label class=\"choice\"><input type=\"checkbox\" name=\"topic\" "
	         "value=\"%s\"%s><span>", t->slug, on ? " checked" : "");
	template_html_escape(th->html, t->name, strlen(t->name));
	buf_adds(th->html, "</span></label>\n");
	return 0;
}

int
web_topics_html(struct store *st, const char *chosen, struct buf *out, struct error *err)
{
	struct topics_html th = {out, chosen};

	return store_topic_each(st, topic_row, &th, err);
}

/* preferences_page - the form for sub, with a notice (or NULL) above it. */
static void
preferences_page(struct web_request *rq, struct web_response *rs,
                 const struct subscriber_info *sub, const char *notice, int status)
{
	struct choices ch;
	struct buf topics;
	struct error err = ERROR_INIT;
	char csrf[TOKEN_MAX + 1], pause[16] = "";
	char *masked = web_mask_email(sub->email);
	const char *v[WEB_NVARS];

	memset(&ch, 0, sizeof(ch));
	buf_init(&ch.html, 1 << 20);
	buf_init(&topics, 1 << 20);
	if (store_list_choices(rq->st, sub->id, list_row, &ch, &err) < 0 ||
	    web_topics_html(rq->st, sub->topics, &topics, &err) < 0) {
		web_page_fail(rq->w, rs, &err);
		goto out;
	}
	if (sub->paused_until > now_unix()) {
		time_t tt = (time_t)sub->paused_until;
		struct tm tm;

		gmtime_r(&tt, &tm);
		strftime(pause, sizeof(pause), "%Y-%m-%d", &tm);
	}
	web_token(rq->w, TOKEN_FORM, sub->id, 0, csrf);
	web_values_init(rq->w, v);
	v[WV_TITLE] = "Your preferences";
	v[WV_EMAIL_MASKED] = masked;
	v[WV_MESSAGE] = notice;
	v[WV_SUPPRESSED] = sub->suppressed ? "yes" : NULL;
	v[WV_ACTION] = rq->action;
	v[WV_CSRF] = csrf;
	v[WV_LISTS] = buf_cstr(&ch.html);
	v[WV_TOPICS] = buf_cstr(&topics);
	v[WV_DIGEST_IMMEDIATE] = sub->digest == DIGEST_IMMEDIATE ? " checked" : "";
	v[WV_DIGEST_WEEKLY] = sub->digest == DIGEST_WEEKLY ? " checked" : "";
	v[WV_DIGEST_MONTHLY] = sub->digest == DIGEST_MONTHLY ? " checked" : "";
	v[WV_PAUSE_UNTIL] = pause;
	v[WV_NAME] = sub->name;
	web_render(rq->w, TPL_PREFERENCES, v, status, rs);
out:
	free(masked);
	free(ch.ids);
	buf_free(&ch.html);
	buf_free(&topics);
	error_clear(&err);
}

/* parse_date - "YYYY-MM-DD" as 00:00 UTC that day; 0 for ""; -1 if malformed. */
static int
parse_date(const char *s, int64_t *out)
{
	struct tm tm;
	const char *end;

	*out = 0;
	if (*s == '\0')
		return 0;
	memset(&tm, 0, sizeof(tm));
	end = strptime(s, "%Y-%m-%d", &tm);
	if (end == NULL || *end != '\0' || tm.tm_year < 70 || tm.tm_year > 299)
		return -1;
	*out = (int64_t)timegm(&tm);
	return 0;
}

/* request_data_mail - queue the export or erase link to the address itself. */
static void
request_data_mail(struct web_request *rq, struct web_response *rs,
                  const struct subscriber_info *sub, int kind)
{
	struct choices ch;
	struct error err = ERROR_INIT;
	char *masked = web_mask_email(sub->email), *msg = NULL;
	int queued = 0, ok;

	memset(&ch, 0, sizeof(ch));
	buf_init(&ch.html, 1 << 20);
	if (store_list_choices(rq->st, sub->id, list_row, &ch, &err) < 0) {
		web_page_fail(rq->w, rs, &err);
		goto out;
	}
	if (ch.first_member == 0 && ch.first_public == 0) {
		web_page_message(rq->w, rs, 409, "Not possible now",
		                 "There is no list to send the link from; ask the network.", NULL);
		goto out;
	}
	if (web_write_begin(rq, &err) < 0) {
		web_page_fail(rq->w, rs, &err);
		goto out;
	}
	ok = sysmail_queue(rq->st, ch.first_member ? ch.first_member : ch.first_public, kind,
	                   sub->id, &queued, &err) == 0;
	if (web_write_end(rq, ok, &err) < 0) {
		web_page_fail(rq->w, rs, &err);
		goto out;
	}
	msg = xasprintf("%s to %s: open it within 24 hours. %s",
	                kind == SYSMAIL_EXPORT ? "A link to download your data is on its way"
	                                       : "A link to erase your data is on its way",
	                masked, queued ? "" : "(One was already sent in the last hour.)");
	web_page_message(rq->w, rs, 200, "Check your inbox", msg, NULL);
out:
	free(masked);
	free(msg);
	free(ch.ids);
	buf_free(&ch.html);
	error_clear(&err);
}

void
web_preferences(struct web_request *rq, struct web_response *rs)
{
	struct subscriber_info sub = {0};
	struct error err = ERROR_INIT;
	struct preferences p;
	struct choices ch;
	struct token t, f;
	struct buf topics;
	const char *v, *csrf, *action, *digest, *pause, *name;
	char *canon = NULL;
	int changes = 0, ok;
	size_t i = 0;

	memset(&ch, 0, sizeof(ch));
	buf_init(&ch.html, 1 << 20);
	buf_init(&topics, 64 << 10);
	if (verify(rq, TOKEN_PREFERENCES, &t) < 0) {
		web_page_forbidden(rq->w, rs);
		goto out;
	}
	if (store_subscriber_by_id(rq->st, t.a, &sub, &err) < 0) {
		if (error_kind(&err) == ERR_NOTFOUND)
			web_page_message(rq->w, rs, 404, "Nothing held about this address",
			                 "We hold no subscription for this address any more.", NULL);
		else
			web_page_fail(rq->w, rs, &err);
		goto out;
	}
	if (rq->method != WEB_POST) {
		preferences_page(rq, rs, &sub, NULL, 200);
		goto out;
	}
	/* The form's own token: a page elsewhere cannot make this browser post here. */
	csrf = web_form_get(&rq->form, "csrf");
	if (csrf == NULL || token_verify(rq->w->key, csrf, strlen(csrf), &f) < 0 ||
	    f.purpose != TOKEN_FORM || f.a != sub.id) {
		web_page_forbidden(rq->w, rs);
		goto out;
	}
	action = web_form_get(&rq->form, "action");
	if (action && (strcmp(action, "export") == 0 || strcmp(action, "erase") == 0)) {
		request_data_mail(rq, rs, &sub, strcmp(action, "export") == 0 ? SYSMAIL_EXPORT
		                                                               : SYSMAIL_ERASE);
		goto out;
	}
	memset(&p, 0, sizeof(p));
	p.digest = -1;
	p.paused_until = -1;
	while ((v = web_form_next(&rq->form, "topic", &i)) != NULL) {
		if (strpbrk(v, ",; \t") || *v == '\0') {
			web_page_error(rq->w, rs, 400, "That form could not be read", "a bad topic");
			goto out;
		}
		buf_addf(&topics, "%s%s", topics.len ? "," : "", v);
	}
	if (store_topics_resolve(rq->st, buf_cstr(&topics), &canon, &err) < 0) {
		web_page_fail(rq->w, rs, &err);
		goto out;
	}
	p.topics = canon;
	if ((digest = web_form_get(&rq->form, "digest")) != NULL) {
		for (int k = 0; k < DIGEST_NMODES; k++)
			if (strcasecmp(digest, digest_name(k)) == 0)
				p.digest = k;
		if (p.digest < 0) {
			web_page_error(rq->w, rs, 400, "That form could not be read",
			               "How often must be immediate, weekly or monthly.");
			goto out;
		}
	}
	if ((pause = web_form_get(&rq->form, "pause_until")) != NULL) {
		if (parse_date(pause, &p.paused_until) < 0) {
			web_page_error(rq->w, rs, 400, "That form could not be read",
			               "A pause date is written YYYY-MM-DD.");
			goto out;
		}
		if (p.paused_until <= now_unix())
			p.paused_until = 0;
	}
	if ((name = web_form_get(&rq->form, "name")) != NULL) {
		if (strlen(name) > 256 || has_header_breaker(name)) {
			web_page_error(rq->w, rs, 400, "That form could not be read",
			               "A name is one line of at most 256 bytes.");
			goto out;
		}
		p.name = name;
	}
	/* The ticked lists, among those this subscriber may choose. */
	ch.form = &rq->form;
	if (store_list_choices(rq->st, sub.id, list_row, &ch, &err) < 0) {
		web_page_fail(rq->w, rs, &err);
		goto out;
	}
	p.lists = ch.ids;
	p.n_lists = ch.n;
	p.set_lists = 1;
	if (web_write_begin(rq, &err) < 0) {
		web_page_fail(rq->w, rs, &err);
		goto out;
	}
	ok = store_preferences_save(rq->st, sub.id, &p, ACTOR_LINK, &changes, &err) == 0;
	if (web_write_end(rq, ok, &err) < 0) {
		log_warn("web", "preferences of subscriber %lld: %s", (long long)sub.id,
		         error_msg(&err));
		web_page_fail(rq->w, rs, &err);
		goto out;
	}
	subscriber_info_free(&sub);
	if (store_subscriber_by_id(rq->st, t.a, &sub, &err) < 0) {
		web_page_fail(rq->w, rs, &err);
		goto out;
	}
	preferences_page(rq, rs, &sub, changes ? "Saved: your choices are in effect now."
	                                        : "Nothing changed.", 200);
out:
	subscriber_info_free(&sub);
	free(canon);
	free(ch.ids);
	buf_free(&ch.html);
	buf_free(&topics);
	error_clear(&err);
}

/* --- confirmation --- */

void
web_confirm(struct web_request *rq, struct web_response *rs)
{
	struct subscriber_info sub = {0};
	struct list_info list = {0};
	struct error err = ERROR_INIT;
	struct token t;
	char *masked = NULL;
	const char *v[WEB_NVARS];
	int64_t sent_at = 0;
	int status, expired, ok, confirmed = 0, queued = 0;

	if (verify(rq, TOKEN_CONFIRM, &t) < 0) {
		web_page_forbidden(rq->w, rs);
		return;
	}
	if (store_list_brief(rq->st, t.b, NULL, &list, &err) < 0 ||
	    store_subscriber_by_id(rq->st, t.a, &sub, &err) < 0) {
		if (error_kind(&err) == ERR_NOTFOUND)
			web_page_message(rq->w, rs, 404, "Nothing to confirm",
			                 "This subscription no longer exists; you may sign up again.",
			                 NULL);
		else
			web_page_fail(rq->w, rs, &err);
		goto out;
	}
	masked = web_mask_email(sub.email);
	status = membership(&sub, list.slug);
	if (status == SUB_ACTIVE && sub.status == SUB_ACTIVE) {
		web_page_message(rq->w, rs, 200, "You are subscribed",
		                 "This address already receives this list.", NULL);
		goto out;
	}
	if (status != SUB_UNCONFIRMED) {
		web_page_message(rq->w, rs, 409, "Nothing waits for confirmation",
		                 "This subscription has ended since the request was sent; sign up "
		                 "again if you want it.", NULL);
		goto out;
	}
	if (store_confirm_sent_at(rq->st, sub.id, list.id, &sent_at, &err) < 0) {
		if (error_kind(&err) != ERR_NOTFOUND) {
			web_page_fail(rq->w, rs, &err);
			goto out;
		}
		error_clear(&err);
	}
	expired = sent_at == 0 || now_unix() - sent_at > CONFIRM_VALID_FOR;
	web_values_init(rq->w, v);
	v[WV_LIST_NAME] = list.name;
	v[WV_EMAIL_MASKED] = masked;
	v[WV_ACTION] = rq->action;
	if (rq->method == WEB_POST && web_form_get(&rq->form, "resend")) {
		if (web_write_begin(rq, &err) < 0) {
			web_page_fail(rq->w, rs, &err);
			goto out;
		}
		ok = sysmail_queue(rq->st, list.id, SYSMAIL_CONFIRM, sub.id, &queued, &err) == 0;
		if (web_write_end(rq, ok, &err) < 0)
			web_page_fail(rq->w, rs, &err);
		else
			web_page_message(rq->w, rs, 200, "Check your inbox",
			                 queued ? "A new confirmation request is on its way."
			                        : "A request was sent in the last hour: look for it.",
			                 NULL);
		goto out;
	}
	if (expired) {
		v[WV_TITLE] = "Link expired";
		web_render(rq->w, TPL_EXPIRED, v, rq->method == WEB_POST ? 410 : 200, rs);
		goto out;
	}
	if (rq->method != WEB_POST) {
		v[WV_TITLE] = "Confirm your subscription";
		web_render(rq->w, TPL_CONFIRM, v, 200, rs);
		goto out;
	}
	if (web_write_begin(rq, &err) < 0) {
		web_page_fail(rq->w, rs, &err);
		goto out;
	}
	ok = store_confirm(rq->st, sub.id, list.id, ACTOR_LINK, "confirmed by link", &confirmed,
	                   &err) == 0;
	if (web_write_end(rq, ok, &err) < 0)
		web_page_fail(rq->w, rs, &err);
	else if (confirmed) {
		char *prefs = web_url(rq->w, 'p', TOKEN_PREFERENCES, sub.id, 0);

		web_page_message(rq->w, rs, 200, "You are subscribed",
		                 "Thank you: this address will receive the list's mail.", prefs);
		free(prefs);
	} else
		web_page_message(rq->w, rs, 409, "Not confirmed",
		                 "This subscription can no longer be confirmed; ask the network.",
		                 NULL);
out:
	subscriber_info_free(&sub);
	list_info_free(&list);
	free(masked);
	error_clear(&err);
}
