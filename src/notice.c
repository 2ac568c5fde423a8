/*
 * notice - notices, updates, cancellations and reminders.  See notice.h.
 */
#include "notice.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "campaign.h"
#include "frontmatter.h"
#include "hash.h"
#include "ical.h"
#include "spool.h"

enum notice_kind { NOTICE_INVITE, NOTICE_UPDATE, NOTICE_CANCEL, NOTICE_REMINDER };

/* yaml_str - s as a YAML double-quoted scalar: whatever a title holds stays a title. */
static void
yaml_str(struct buf *b, const char *s)
{
	buf_addc(b, '"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			buf_addf(b, "\\%c", *p);
		else if (*p == '\n')
			buf_adds(b, "\\n");
		else if (*p < 0x20 || *p == 0x7f)
			buf_addf(b, "\\x%02x", *p);
		else
			buf_addc(b, (char)*p);
	}
	buf_addc(b, '"');
}

static void
yaml_key(struct buf *b, const char *indent, const char *key, const char *value)
{
	if (value == NULL)
		return;
	buf_addf(b, "%s%s: ", indent, key);
	yaml_str(b, value);
	buf_addc(b, '\n');
}

/* local - t as "YYYY-MM-DD HH:MM" in tz (a fresh string). */
static char *
local(int64_t t, const char *tz)
{
	struct buf b;

	buf_init(&b, 64);
	ical_format_iso_local(t, tz, &b);
	return buf_steal(&b);
}

/* document - the campaign text for mail of kind about e. */
static char *
document(const struct event_info *e, int kind, const char *changed, const char *template_name,
         int64_t remind_before)
{
	static const char *const prefix[] = {"", "Updated: ", "Cancelled: ", "Reminder: "};
	struct buf b, when;
	char *starts = local(e->starts, e->tz), *ends = local(e->ends, e->tz), *subject;

	buf_init(&when, 256);
	ical_format_local(e->starts, e->tz, &when);
	subject = xasprintf("%s%s, %s", prefix[kind], e->title, buf_cstr(&when));
	buf_init(&b, 1 << 20);
	buf_adds(&b, "---\n");
	yaml_key(&b, "", "list", e->list_slug);
	yaml_key(&b, "", "subject", subject);
	yaml_key(&b, "", "kind", "notice");
	yaml_key(&b, "", "topic", e->topic);
	yaml_key(&b, "", "template", template_name ? template_name : "notice");
	buf_adds(&b, "event:\n");
	yaml_key(&b, "  ", "title", e->title);
	yaml_key(&b, "  ", "starts", starts);
	yaml_key(&b, "  ", "ends", ends);
	yaml_key(&b, "  ", "tz", e->tz);
	yaml_key(&b, "  ", "location", e->location);
	yaml_key(&b, "  ", "uid", e->uid);
	buf_addf(&b, "  sequence: %d\n", e->sequence);
	if (kind == NOTICE_CANCEL)
		buf_adds(&b, "  method: cancel\n");
	buf_adds(&b, "---\n");
	if (kind == NOTICE_CANCEL)
		buf_addf(&b, "**This event is cancelled.** %s, planned for %s, will not take "
		         "place; your calendar removes it.\n\n", e->title, buf_cstr(&when));
	else if (kind == NOTICE_UPDATE)
		buf_addf(&b, "**Changed: %s.** Your calendar updates the entry.\n\n", changed);
	else if (kind == NOTICE_REMINDER && remind_before >= 86400 - 3600)
		buf_addf(&b, "**In %lld day%s:** %s, %s.\n\n",
		         (long long)((remind_before + 43200) / 86400),
		         remind_before >= 2 * 86400 - 3600 ? "s" : "", e->title, buf_cstr(&when));
	else if (kind == NOTICE_REMINDER)
		buf_addf(&b, "**In %lld hour%s:** %s, %s.\n\n", (long long)(remind_before / 3600),
		         remind_before >= 2 * 3600 ? "s" : "", e->title, buf_cstr(&when));
	if (e->location)
		buf_addf(&b, "**Where:** %s\n\n", e->location);
	if (e->description && kind != NOTICE_CANCEL)
		buf_addf(&b, "%s\n\n", e->description);
	if (e->url && kind != NOTICE_CANCEL)
		buf_addf(&b, "[More about %s](%s)\n", e->title, e->url);
	free(starts);
	free(ends);
	free(subject);
	buf_free(&when);
	return buf_steal(&b);
}

/* queue - check text as a campaign (like a file given to send) and add it. */
static int
queue(struct store *st, const struct config *cfg, const struct event_info *e, char *text,
      int64_t send_at, int to_event, int64_t *id, struct error *err)
{
	struct list_info list = {0};
	struct campaign_new cn;
	struct doc doc = {0};
	char hash[HASH_HEX_LEN + 1], *name = xasprintf("event %s", e->slug);
	size_t len = strlen(text);
	int existed, rc = -1;

	hash_sha256_hex(text, len, hash);
	if (doc_parse(name, text, len, &doc, err) < 0 ||
	    campaign_check(st, cfg, &doc, &list, err) < 0)
		goto out;
	memset(&cn, 0, sizeof(cn));
	cn.list_id = list.id;
	cn.kind = "notice";
	cn.subject = doc.subject.value;
	cn.topic = doc.topic.value;
	cn.source_name = name;
	cn.document = doc.text;
	cn.send_at = send_at;
	cn.event_starts = e->starts;
	cn.content_hash = hash;
	cn.dedup_since = now_unix() - SPOOL_DEDUP_WINDOW;
	cn.event_id = e->id;
	cn.to_event_recipients = to_event;
	rc = store_campaign_add(st, &cn, id, &existed, err);
out:
	list_info_free(&list);
	doc_free(&doc);
	free(name);
	return rc;
}

int
notice_remind_at(int64_t starts, const char *tz, const char *spec, int64_t *at,
                 struct error *err)
{
	long long n;
	const char *why;
	char *num, unit;
	size_t len = strlen(spec);
	struct ical_local l;

	if (len < 2 || (spec[len - 1] != 'd' && spec[len - 1] != 'h'))
		return error_setk(err, ERR_INPUT, "--remind '%s': use days or hours before the "
		                  "start, as 7d or 12h", spec);
	unit = spec[len - 1];
	num = xstrndup(spec, len - 1);
	if (parse_int(num, 1, unit == 'd' ? 365 : 24 * 365, &n, &why) < 0) {
		free(num);
		return error_setk(err, ERR_INPUT, "--remind '%s': %s", spec, why);
	}
	free(num);
	if (unit == 'h') {
		*at = starts - (int64_t)n * 3600;
		return 0;
	}
	if (ical_local_parts(starts, tz, &l) < 0)
		return error_setk(err, ERR_INPUT, "unknown time zone '%s'", tz);
	{
		/* The same wall-clock time n days earlier, however long those days were. */
		int y, m, d;
		char *when;
		struct error e = ERROR_INIT;

		civil_from_days(days_from_civil(l.year, l.month, l.day) - n, &y, &m, &d);
		when = xasprintf("%04d-%02d-%02d %02d:%02d", y, m, d, l.hour, l.minute);
		if (ical_local_to_utc(when, tz, at, &e) < 0) {
			/* That time does not exist there (the clocks sprang forward): n days of hours. */
			*at = starts - (int64_t)n * 86400;
			error_clear(&e);
		}
		free(when);
	}
	return 0;
}

int
notice_queue(struct store *st, const struct config *cfg, const char *slug,
             const char *template_name, const char *send_at, const char *remind,
             char **summary, struct error *err)
{
	struct event_info e;
	struct buf out;
	int64_t at = now_unix(), id;
	int rc = -1;

	*summary = NULL;
	if (store_event_get(st, 0, slug, &e, err) < 0)
		return -1;
	buf_init(&out, 8192);
	if (strcmp(e.status, "cancelled") == 0) {
		error_setk(err, ERR_CONFLICT, "event '%s' is cancelled", slug);
		goto done;
	}
	if (e.starts <= now_unix()) {
		error_setk(err, ERR_CONFLICT, "event '%s' has already started", slug);
		goto done;
	}
	if (template_name && !slug_valid(template_name)) {
		error_setk(err, ERR_INPUT, "--template '%s' is not a template name", template_name);
		goto done;
	}
	if (send_at) {
		if (ical_local_to_utc(send_at, e.tz, &at, err) < 0) {
			error_prefix(err, "--send-at");
			goto done;
		}
		if (at >= e.starts) {
			error_setk(err, ERR_INPUT, "--send-at %s is not before the event starts", send_at);
			goto done;
		}
	}
	if (store_begin(st, err) < 0)
		goto done;
	if (queue(st, cfg, &e, document(&e, NOTICE_INVITE, NULL, template_name, 0),
	          at < now_unix() ? now_unix() : at, 0, &id, err) < 0) {
		store_rollback(st);
		goto done;
	}
	buf_addf(&out, "campaign %lld: the notice of %s, with its invite", (long long)id, slug);
	for (const char *p = remind; p && *p;) {
		size_t n = strcspn(p, ",");
		char *spec = xstrndup(p, n);
		int64_t when;
		int64_t rid;
		int ok = notice_remind_at(e.starts, e.tz, spec, &when, err) == 0;

		if (ok && when > at && when < e.starts && when > now_unix())
			ok = queue(st, cfg, &e, document(&e, NOTICE_REMINDER, NULL, template_name,
			                                 e.starts - when),
			           when, 0, &rid, err) == 0;
		else if (ok) {
			buf_addf(&out, "; no %s reminder: that time has passed", spec);
			rid = 0;
		}
		if (!ok) {
			free(spec);
			store_rollback(st);
			goto done;
		}
		if (rid) {
			char *w = local(when, e.tz);

			buf_addf(&out, "; campaign %lld: a reminder at %s %s", (long long)rid, w, e.tz);
			free(w);
		}
		free(spec);
		p += n;
		if (*p == ',')
			p++;
	}
	if (store_commit(st, err) < 0)
		goto done;
	*summary = buf_steal(&out);
	rc = 0;
done:
	buf_free(&out);
	event_info_free(&e);
	return rc;
}

int
notice_update(struct store *st, const struct config *cfg, const char *slug,
              const struct event_fields *f, char **summary, struct error *err)
{
	struct event_info e;
	struct buf changed;
	int64_t reached, id;
	int rc = -1;

	*summary = NULL;
	if (store_event_get(st, 0, slug, &e, err) < 0)
		return -1;
	buf_init(&changed, 256);
	if (event_change(st, cfg, f, &e, &changed, err) < 0)
		goto done;
	if (changed.len == 0 && !f->kind && !f->topic) {
		*summary = xasprintf("event %s: nothing changed", slug);
		rc = 0;
		goto done;
	}
	if (store_begin(st, err) < 0)
		goto done;
	if (store_event_reached(st, e.id, &reached, err) < 0)
		goto rollback;
	/* Calendars apply a change only with a higher SEQUENCE and the same UID. */
	e.sequence++;
	if (store_event_save(st, &e, err) < 0)
		goto rollback;
	if (reached > 0 && changed.len > 0) {
		if (queue(st, cfg, &e, document(&e, NOTICE_UPDATE, buf_cstr(&changed), NULL, 0),
		          now_unix(), 1, &id, err) < 0)
			goto rollback;
		*summary = xasprintf("updated event %s (%s); campaign %lld: the update to the %lld "
		                     "who got its invite", slug, buf_cstr(&changed), (long long)id,
		                     (long long)reached);
	} else
		*summary = xasprintf("updated event %s (%s); no invite has gone out, so none is "
		                     "updated", slug, changed.len ? buf_cstr(&changed) : "kind, topic");
	if (store_commit(st, err) < 0)
		goto done;
	rc = 0;
	goto done;
rollback:
	store_rollback(st);
done:
	buf_free(&changed);
	event_info_free(&e);
	return rc;
}

int
notice_cancel(struct store *st, const struct config *cfg, const char *slug, char **summary,
              struct error *err)
{
	struct event_info e;
	int64_t reached, pending, id = 0;
	int rc = -1;

	*summary = NULL;
	if (store_event_get(st, 0, slug, &e, err) < 0)
		return -1;
	if (strcmp(e.status, "cancelled") == 0) {
		error_setk(err, ERR_CONFLICT, "event '%s' is already cancelled", slug);
		goto done;
	}
	if (store_begin(st, err) < 0)
		goto done;
	if (store_event_reached(st, e.id, &reached, err) < 0 ||
	    store_event_campaigns_cancel(st, e.id, "its event was cancelled", &pending, err) < 0)
		goto rollback;
	e.sequence++;
	free(e.status);
	e.status = xstrdup("cancelled");
	if (store_event_save(st, &e, err) < 0)
		goto rollback;
	if (reached > 0 && queue(st, cfg, &e, document(&e, NOTICE_CANCEL, NULL, NULL, 0),
	                         now_unix(), 1, &id, err) < 0)
		goto rollback;
	if (store_commit(st, err) < 0)
		goto done;
	if (id)
		*summary = xasprintf("cancelled event %s; campaign %lld: the cancellation to the "
		                     "%lld who got its invite; %lld unsent notices or reminders "
		                     "cancelled", slug, (long long)id, (long long)reached,
		                     (long long)pending);
	else
		*summary = xasprintf("cancelled event %s; no invite had gone out; %lld unsent notices "
		                     "or reminders cancelled", slug, (long long)pending);
	rc = 0;
	goto done;
rollback:
	store_rollback(st);
done:
	event_info_free(&e);
	return rc;
}
