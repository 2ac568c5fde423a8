/*
 * web_page - the pages' templates (templates/web/NAME.html, compiled once when
 * the server starts) and the helpers every page handler shares: rendering
 * inside the layout, the standard answers (message, error, forbidden, 405),
 * signed URLs, a masked address and the write lock.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"
#include "store.h"
#include "template.h"
#include "token.h"
#include "web_impl.h"

enum { WEB_TEMPLATE_MAX = 64 << 10, WEB_PAGE_MAX = 1 << 20 };

static const char *const var_names[WEB_NVARS] = {
	"title", "site_name", "list_name", "list_description", "color", "on_color", "link",
	"accent", "content", "message", "error", "status", "email", "email_masked", "name",
	"action", "prefs_url", "csrf", "lists", "topics", "digest_immediate", "digest_weekly",
	"digest_monthly", "pause_until", "suppressed", "items", "feed_url", "calendar_url",
	"signup_url", "timezone", "summary", "timeline", "domains", "domain_table", "level",
};

static const char *const template_files[WEB_NTEMPLATES] = {
	"layout", "message", "error", "unsubscribe", "unsubscribed", "preferences", "confirm",
	"expired", "signup", "data-export", "data-erase", "opportunities", "report",
};

struct web_templates {
	struct template *t[WEB_NTEMPLATES];
};

int
web_templates_load(const char *dir, struct web_templates **out, struct error *err)
{
	struct web_templates *wt = xcalloc(1, sizeof(*wt));

	for (int i = 0; i < WEB_NTEMPLATES; i++) {
		char *path = xasprintf("%s/web/%s.html", dir, template_files[i]), *src = NULL;
		size_t len;
		int rc = read_file(path, WEB_TEMPLATE_MAX, &src, &len, err);

		if (rc == 0 && template_compile(src, len, TEMPLATE_HTML, var_names, WEB_NVARS,
		                                &wt->t[i], err) < 0) {
			error_prefix(err, "%s", path);
			rc = -1;
		}
		free(src);
		free(path);
		if (rc < 0) {
			web_templates_free(wt);
			return -1;
		}
	}
	*out = wt;
	return 0;
}

void
web_templates_free(struct web_templates *wt)
{
	if (wt == NULL)
		return;
	for (int i = 0; i < WEB_NTEMPLATES; i++)
		template_free(wt->t[i]);
	free(wt);
}

void
web_values_init(const struct web *w, const char **values)
{
	memset(values, 0, WEB_NVARS * sizeof(*values));
	values[WV_SITE_NAME] = w->cfg->brand_name;
	values[WV_COLOR] = w->cfg->brand_color;
	values[WV_ACCENT] = w->cfg->brand_accent;
	values[WV_ON_COLOR] = w->on_color;
	values[WV_LINK] = w->link;
}

void
web_render(struct web *w, int t, const char **values, int status, struct web_response *rs)
{
	struct buf content;

	buf_init(&content, WEB_PAGE_MAX);
	buf_reset(&rs->body);
	if (template_render(w->tpl->t[t], values, &content) != BUF_OK) {
		buf_free(&content);
		buf_adds(&rs->body, "page too large");
		rs->status = 500;
		rs->content_type = "text/plain; charset=utf-8";
		return;
	}
	values[WV_CONTENT] = buf_cstr(&content);
	if (template_render(w->tpl->t[TPL_LAYOUT], values, &rs->body) != BUF_OK) {
		buf_reset(&rs->body);
		buf_adds(&rs->body, "page too large");
		status = 500;
		rs->content_type = "text/plain; charset=utf-8";
	}
	values[WV_CONTENT] = NULL;
	buf_free(&content);
	rs->status = status;
}

void
web_page_message(struct web *w, struct web_response *rs, int status, const char *title,
                 const char *message, const char *prefs_url)
{
	const char *v[WEB_NVARS];

	web_values_init(w, v);
	v[WV_TITLE] = title;
	v[WV_MESSAGE] = message;
	v[WV_PREFS_URL] = prefs_url;
	web_render(w, TPL_MESSAGE, v, status, rs);
}

void
web_page_error(struct web *w, struct web_response *rs, int status, const char *title,
               const char *message)
{
	const char *v[WEB_NVARS];
	char code[8];

	snprintf(code, sizeof(code), "%d", status);
	web_values_init(w, v);
	v[WV_TITLE] = title;
	v[WV_MESSAGE] = message;
	v[WV_STATUS] = code;
	web_render(w, TPL_ERROR, v, status, rs);
}

void
web_page_fail(struct web *w, struct web_response *rs, const struct error *err)
{
	switch (error_kind(err)) {
	case ERR_NOTFOUND:
		web_page_error(w, rs, 404, "Not found", "There is nothing here any more.");
		break;
	case ERR_INPUT:
		web_page_error(w, rs, 400, "That did not work", error_msg(err));
		break;
	case ERR_CONFLICT:
		web_page_error(w, rs, 409, "That cannot be done now", error_msg(err));
		break;
	default:
		/* The detail is for the log, not the page. */
		web_page_error(w, rs, 503, "Please try again in a moment",
		               "We could not complete this just now; nothing was changed.");
	}
}

void
web_page_forbidden(struct web *w, struct web_response *rs)
{
	web_page_error(w, rs, 403, "This link does not work",
	               "The link is incomplete, altered or no longer valid, so nothing was "
	               "changed. Use the link from your most recent message, or copy it whole "
	               "into your browser.");
}

void
web_method_not_allowed(struct web *w, struct web_response *rs, const char *allow)
{
	web_page_error(w, rs, 405, "Not allowed here", "This page does not take that request.");
	rs->allow = allow;
}

void
web_token(const struct web *w, int purpose, int64_t a, int64_t b, char *out)
{
	struct token t = {purpose, a, b, 0};
	struct buf tb;

	buf_init(&tb, TOKEN_MAX);
	token_make(w->key, &t, &tb);
	snprintf(out, TOKEN_MAX + 1, "%s", buf_cstr(&tb));
	buf_free(&tb);
}

char *
web_url(const struct web *w, char kind, int purpose, int64_t a, int64_t b)
{
	char tok[TOKEN_MAX + 1];

	web_token(w, purpose, a, b, tok);
	return xasprintf("%s/%c/%s", w->base_url, kind, tok);
}

char *
web_mask_email(const char *email)
{
	const char *at = strrchr(email, '@');
	size_t first;

	if (at == NULL || at == email)
		return xstrdup("***");
	/* The first character, whole even when it is not ASCII. */
	first = 1;
	while (first < (size_t)(at - email) && ((unsigned char)email[first] & 0xc0) == 0x80)
		first++;
	return xasprintf("%.*s***%s", (int)first, email, at);
}

int
web_write_begin(struct web_request *rq, struct error *err)
{
	pthread_mutex_lock(&rq->w->write_lock);
	if (store_begin(rq->st, err) < 0) {
		pthread_mutex_unlock(&rq->w->write_lock);
		return -1;
	}
	return 0;
}

int
web_write_end(struct web_request *rq, int ok, struct error *err)
{
	int rc = 0;

	if (ok)
		rc = store_commit(rq->st, err);
	else
		store_rollback(rq->st);
	pthread_mutex_unlock(&rq->w->write_lock);
	return ok ? rc : -1;
}
