/*
 * web_data - a subscriber's data: the export (/x/TOKEN, a JSON file of
 * everything held about the address) and erasure (/e/TOKEN).  Their links
 * are mailed to the address itself on request from the preference centre
 * and are good for a day (the token carries the time it was made); each
 * page only shows a button, and its POST does the deed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "json.h"
#include "log.h"
#include "token.h"
#include "web_impl.h"

enum { DATA_LINK_VALID = 86400, DATA_JSON_MAX = 16 << 20 };

/* fresh_token - the page's token, of purpose, made less than a day ago. */
static int
fresh_token(const struct web_request *rq, int purpose, struct token *t)
{
	int64_t now = now_unix();

	struct error e = ERROR_INIT;

	if (token_verify(rq->w->key, rq->arg, strlen(rq->arg), t) < 0 || t->purpose != purpose ||
	    t->b > now + 300 || now - t->b > DATA_LINK_VALID)
		return -1;
	/* Its subscriber as now known (two spellings of an address are one subscriber). */
	if (store_subscriber_alias(rq->st, &t->a, &e) < 0) {
		error_clear(&e);
		return -1;
	}
	return 0;
}

struct json_state {
	struct buf *b;
	int n;
};

static int
json_audit(const struct audit_row *r, void *arg)
{
	struct json_state *js = arg;

	buf_adds(js->b, js->n++ ? ",\n    {" : "\n    {");
	buf_adds(js->b, "\"at\": ");
	json_time(js->b, r->at);
	buf_adds(js->b, ", \"list\": ");
	json_str(js->b, r->list_slug);
	buf_adds(js->b, ", \"what\": ");
	json_str(js->b, r->field);
	buf_adds(js->b, ", \"from\": ");
	json_str(js->b, r->old_value);
	buf_adds(js->b, ", \"to\": ");
	json_str(js->b, r->new_value);
	buf_adds(js->b, ", \"by\": ");
	json_str(js->b, r->actor);
	buf_adds(js->b, ", \"detail\": ");
	json_str(js->b, r->detail);
	buf_addc(js->b, '}');
	return 0;
}

static int
json_delivery(const struct delivery_row *r, void *arg)
{
	struct json_state *js = arg;

	buf_adds(js->b, js->n++ ? ",\n    {" : "\n    {");
	buf_addf(js->b, "\"campaign\": %lld, \"at\": ", (long long)r->campaign_id);
	json_time(js->b, r->at);
	buf_adds(js->b, ", \"subject\": ");
	json_str(js->b, r->subject);
	buf_adds(js->b, ", \"kind\": ");
	json_str(js->b, r->kind);
	buf_adds(js->b, ", \"status\": ");
	json_str(js->b, r->status);
	buf_addc(js->b, '}');
	return 0;
}

/* export_json - everything held about sub, as JSON into b. */
static int
export_json(struct store *st, const struct subscriber_info *sub, struct buf *b,
            struct error *err)
{
	struct json_state js = {b, 0};

	buf_adds(b, "{\n  \"email\": ");
	json_str(b, sub->email);
	buf_adds(b, ",\n  \"name\": ");
	json_str(b, sub->name);
	buf_adds(b, ",\n  \"status\": ");
	json_str(b, sub_status_name(sub->status));
	buf_adds(b, ",\n  \"digest\": ");
	json_str(b, digest_name(sub->digest));
	buf_adds(b, ",\n  \"topics\": [");
	for (const char *p = sub->topics; *p;) {
		size_t k = strcspn(p, ";");
		char *t = xstrndup(p, k);

		buf_adds(b, p == sub->topics ? "" : ", ");
		json_str(b, t);
		free(t);
		p += k + (p[k] == ';');
	}
	buf_adds(b, "],\n  \"paused_until\": ");
	json_time(b, sub->paused_until);
	buf_addf(b, ",\n  \"suppressed\": %s,\n  \"created\": ", sub->suppressed ? "true" : "false");
	json_time(b, sub->created_at);
	buf_adds(b, ",\n  \"memberships\": [");
	for (size_t i = 0; i < sub->n_memberships; i++) {
		buf_adds(b, i ? ",\n    {" : "\n    {");
		buf_adds(b, "\"list\": ");
		json_str(b, sub->memberships[i].list_slug);
		buf_adds(b, ", \"status\": ");
		json_str(b, sub_status_name(sub->memberships[i].status));
		buf_adds(b, ", \"source\": ");
		json_str(b, sub->memberships[i].source);
		buf_adds(b, ", \"since\": ");
		json_time(b, sub->memberships[i].created_at);
		buf_addc(b, '}');
	}
	buf_adds(b, "],\n  \"history\": [");
	if (store_audit_each(st, sub->email, json_audit, &js, err) < 0)
		return -1;
	buf_adds(b, "],\n  \"messages\": [");
	js.n = 0;
	if (store_deliveries_of(st, sub->id, json_delivery, &js, err) < 0)
		return -1;
	buf_adds(b, "]\n}\n");
	if (buf_failed(b))
		return error_set(err, "the export is larger than %d bytes", DATA_JSON_MAX);
	return 0;
}

/* data_page - the page of a data link: its subscriber, or why there is none. */
static int
data_subscriber(struct web_request *rq, struct web_response *rs, int purpose,
                struct subscriber_info *sub)
{
	struct error err = ERROR_INIT;
	struct token t;

	if (fresh_token(rq, purpose, &t) < 0) {
		web_page_error(rq->w, rs, 403, "This link does not work",
		               "The link is incomplete, altered, or more than a day old. Ask for a "
		               "new one from your preferences.");
		return -1;
	}
	if (store_subscriber_by_id(rq->st, t.a, sub, &err) < 0) {
		if (error_kind(&err) == ERR_NOTFOUND)
			web_page_message(rq->w, rs, 404, "Nothing held about this address",
			                 "We hold no data for this address any more.", NULL);
		else
			web_page_fail(rq->w, rs, &err);
		error_clear(&err);
		return -1;
	}
	return 0;
}

void
web_export(struct web_request *rq, struct web_response *rs)
{
	struct subscriber_info sub = {0};
	struct error err = ERROR_INIT;
	const char *v[WEB_NVARS];
	char *masked;

	if (data_subscriber(rq, rs, TOKEN_EXPORT, &sub) < 0)
		return;
	if (rq->method != WEB_POST) {
		masked = web_mask_email(sub.email);
		web_values_init(rq->w, v);
		v[WV_TITLE] = "Download your data";
		v[WV_EMAIL_MASKED] = masked;
		v[WV_ACTION] = rq->action;
		web_render(rq->w, TPL_DATA_EXPORT, v, 200, rs);
		free(masked);
		goto out;
	}
	buf_free(&rs->body);
	buf_init(&rs->body, DATA_JSON_MAX);
	if (export_json(rq->st, &sub, &rs->body, &err) < 0) {
		buf_free(&rs->body);
		buf_init(&rs->body, 1 << 20);
		web_page_fail(rq->w, rs, &err);
		goto out;
	}
	rs->status = 200;
	rs->content_type = "application/json; charset=utf-8";
	rs->disposition = xstrdup("attachment; filename=\"my-data.json\"");
out:
	subscriber_info_free(&sub);
	error_clear(&err);
}

void
web_erase(struct web_request *rq, struct web_response *rs)
{
	struct subscriber_info sub = {0};
	struct error err = ERROR_INIT;
	const char *v[WEB_NVARS];
	char *masked;
	int ok;

	if (data_subscriber(rq, rs, TOKEN_ERASE, &sub) < 0)
		return;
	masked = web_mask_email(sub.email);
	if (rq->method != WEB_POST) {
		web_values_init(rq->w, v);
		v[WV_TITLE] = "Erase your data";
		v[WV_EMAIL_MASKED] = masked;
		v[WV_ACTION] = rq->action;
		web_render(rq->w, TPL_DATA_ERASE, v, 200, rs);
		goto out;
	}
	if (web_write_begin(rq, &err) < 0) {
		web_page_fail(rq->w, rs, &err);
		goto out;
	}
	ok = store_subscriber_erase(rq->st, sub.id, &err) == 0;
	if (web_write_end(rq, ok, &err) < 0) {
		log_warn("web", "erasing subscriber %lld: %s", (long long)sub.id, error_msg(&err));
		web_page_fail(rq->w, rs, &err);
		goto out;
	}
	log_info("web", "subscriber %lld erased at its own request", (long long)sub.id);
	web_page_message(rq->w, rs, 200, "Your data is erased",
	                 "We hold nothing about this address any more, except that it must never "
	                 "be mailed. You may always sign up again.", NULL);
out:
	free(masked);
	subscriber_info_free(&sub);
	error_clear(&err);
}
