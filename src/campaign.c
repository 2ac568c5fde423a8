/*
 * campaign - checks and composer set-up shared by the CLI and the spool.
 */
#define _DEFAULT_SOURCE
#include "campaign.h"

#include <stdlib.h>
#include <string.h>

#include "markdown.h"
#include "secret.h"

int
campaign_check(struct store *st, const struct config *cfg, const struct doc *doc,
               struct list_info *list, struct error *err)
{
	struct error e = ERROR_INIT;
	char *canon = NULL;
	const char *tpl = doc->template_name.value;
	size_t line;

	if (store_list_get(st, doc->list.value, list, &e) < 0) {
		error_set(err, "%s:%d: list: %s", doc->path, doc->list.line, error_msg(&e));
		goto fail;
	}
	if (doc->topic.value) {
		if (store_topics_resolve(st, doc->topic.value, &canon, &e) < 0 ||
		    strchr(canon, ';')) {
			error_set(err, "%s:%d: topic: %s", doc->path, doc->topic.line,
			          e.msg ? error_msg(&e) : "give one topic");
			goto fail;
		}
	}
	if (markdown_check(doc->body, doc->body_len, &line, &e) < 0) {
		error_setk(err, ERR_INPUT, "%s:%zu: body: %s", doc->path,
		           line ? (size_t)doc->body_line + line - 1 : (size_t)doc->body_line,
		           error_msg(&e));
		goto fail;
	}
	if (tpl == NULL)
		tpl = doc->kind == DOC_NOTICE ? "notice" : "newsletter";
	if (config_templates_error(cfg, &e) < 0 ||
	    compose_template_check(cfg->templates_dir, tpl, &e) < 0) {
		if (doc->template_name.value)
			error_set(err, "%s:%d: template: %s", doc->path, doc->template_name.line,
			          error_msg(&e));
		else
			error_set(err, "%s: template: %s", doc->path, error_msg(&e));
		goto fail;
	}
	free(canon);
	return 0;
fail:
	list_info_free(list);
	free(canon);
	error_clear(&e);
	return -1;
}

int
campaign_composer(const struct config *cfg, const struct doc *doc, const struct list_info *list,
                  int64_t campaign_id, const char *kind, const struct campaign_extra *x,
                  struct compose_campaign **out, struct error *err)
{
	unsigned char key[SECRET_LEN];
	struct compose_list cl;
	struct compose_params p;
	int rc;

	if (secret_load(cfg->secret_file, key, err) < 0)
		return -1;
	cl.id = list->id;
	cl.slug = list->slug;
	cl.name = list->name;
	cl.description = list->description;
	cl.from = list->from;
	cl.reply_to = list->reply_to;
	cl.organizer = list->organizer;
	cl.address = list->address;
	cl.logo = list->logo;
	cl.domain = list->domain;
	cl.color = list->color;
	cl.accent = list->accent;
	cl.dkim_selector = list->dkim_selector;
	cl.dkim_key_file = list->dkim_key_file;
	cl.allow_html = list->allow_html;
	p.kind = kind == NULL ? COMPOSE_LIST_MAIL :
	         strcmp(kind, "confirm") == 0 ? COMPOSE_CONFIRM :
	         strcmp(kind, "probe") == 0 ? COMPOSE_PROBE :
	         strcmp(kind, "export") == 0 ? COMPOSE_EXPORT :
	         strcmp(kind, "erase") == 0 ? COMPOSE_ERASE : COMPOSE_LIST_MAIL;
	p.cfg = cfg;
	p.doc = doc;
	p.list = &cl;
	p.key = key;
	p.campaign_id = campaign_id;
	p.date = doc->send_at_utc ? doc->send_at_utc : now_unix();
	p.calendar = x ? x->calendar : NULL;
	p.files = x ? x->files : NULL;
	p.warn = x ? x->warn : NULL;
	p.warn_arg = x ? x->warn_arg : NULL;
	p.test = x ? x->test : 0;
	rc = compose_prepare(&p, out, err);
	explicit_bzero(key, sizeof(key));
	return rc;
}
