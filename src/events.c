/*
 * events - events and opportunities, checked.  See events.h.
 */
#define _DEFAULT_SOURCE
#include "events.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "csv.h"
#include "ical.h"
#include "url.h"

enum {
	TITLE_MAX = 200, LINE_MAX_BYTES = 500, DESCRIPTION_MAX = 64 << 10, EVENT_MAX_DAYS = 14,
	FIELD_MAX = DESCRIPTION_MAX, FIELDS_MAX = 16,
};

const char *
list_timezone(const struct config *cfg, const struct list_info *l)
{
	return l->timezone && *l->timezone ? l->timezone : cfg->digest_timezone;
}

static int
one_of(const char *v, const char *const *names)
{
	for (; *names; names++)
		if (strcmp(v, *names) == 0)
			return 1;
	return 0;
}

/* check_line - a one-line value of at most max bytes (NULL is fine). */
static int
check_line(const char *what, const char *v, size_t max, struct error *err)
{
	if (v == NULL)
		return 0;
	if (*v == '\0')
		return error_setk(err, ERR_INPUT, "%s is empty", what);
	if (has_header_breaker(v))
		return error_setk(err, ERR_INPUT, "%s holds a line break", what);
	if (strlen(v) > max)
		return error_setk(err, ERR_INPUT, "%s is longer than %zu bytes", what, max);
	return 0;
}

static int
check_url(const char *v, struct error *err)
{
	struct url u;
	int rc;

	if (v == NULL)
		return 0;
	rc = url_parse(v, &u, err);
	if (rc == 0 && strcasecmp(u.scheme, "http") != 0 && strcasecmp(u.scheme, "https") != 0)
		rc = error_setk(err, ERR_INPUT, "url '%s' must be http or https", v);
	url_free(&u);
	if (rc < 0)
		error_prefix(err, "--url");
	return rc;
}

static int
check_description(const char *v, struct error *err)
{
	if (v && strlen(v) > DESCRIPTION_MAX)
		return error_setk(err, ERR_INPUT, "description is longer than %d bytes",
		                  DESCRIPTION_MAX);
	return 0;
}

/* lookup_list - the list named slug (required), without member counts. */
static int
lookup_list(struct store *st, const char *slug, struct list_info *l, struct error *err)
{
	if (slug == NULL)
		return error_setk(err, ERR_INPUT, "--list is required");
	return store_list_brief(st, 0, slug, l, err);
}

/* set_str - replace *dst with a copy of v (NULL clears). */
static void
set_str(char **dst, const char *v)
{
	free(*dst);
	*dst = v ? xstrdup(v) : NULL;
}

/* event_times - starts/ends (local, in tz) into UTC, checked against now. */
static int
event_times(const char *starts, const char *ends, const char *tz, int64_t *s_utc,
            int64_t *e_utc, struct error *err)
{
	struct error e = ERROR_INIT;

	if (!ical_zone_valid(tz))
		return error_setk(err, ERR_INPUT, "unknown time zone '%s' (use a name such as "
		                  "America/New_York)", tz);
	if (ical_local_to_utc(starts, tz, s_utc, &e) < 0) {
		error_setk(err, ERR_INPUT, "starts '%s': %s", starts, error_msg(&e));
		error_clear(&e);
		return -1;
	}
	if (ends == NULL)
		*e_utc = *s_utc + 3600;
	else if (ical_local_to_utc(ends, tz, e_utc, &e) < 0) {
		error_setk(err, ERR_INPUT, "ends '%s': %s", ends, error_msg(&e));
		error_clear(&e);
		return -1;
	}
	if (*e_utc <= *s_utc)
		return error_setk(err, ERR_INPUT, "ends %s is not after starts %s", ends, starts);
	if (*e_utc - *s_utc > EVENT_MAX_DAYS * 86400)
		return error_setk(err, ERR_INPUT, "an event of more than %d days: check ends",
		                  EVENT_MAX_DAYS);
	if (*s_utc < now_unix())
		return error_setk(err, ERR_INPUT, "starts %s (%s) is in the past", starts, tz);
	return 0;
}

static int
event_topic(struct store *st, const char *topic, char **out, struct error *err)
{
	char *canon = NULL;

	if (store_topics_resolve(st, topic, &canon, err) < 0)
		return error_prefix(err, "--topic");
	if (strchr(canon, ';')) {
		free(canon);
		return error_setk(err, ERR_INPUT, "--topic: one topic, not '%s'", topic);
	}
	*out = canon;
	return 0;
}

static const char *const event_kinds[] = {"meeting", "forum", "workshop", NULL};
static const char *const opportunity_kinds[] = {"internship", "summer-job", "program",
                                                "partnership", NULL};

int
event_build(struct store *st, const struct config *cfg, const struct event_fields *f,
            struct event_info *out, struct error *err)
{
	struct list_info l = {0};
	unsigned char rnd[16];
	char hex[33];
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (f->slug == NULL || !slug_valid(f->slug))
		return error_setk(err, ERR_INPUT, "event slug '%s' must be 1 to 64 lower-case "
		                  "letters, digits or '-'", f->slug ? f->slug : "");
	if (f->kind == NULL || !one_of(f->kind, event_kinds))
		return error_setk(err, ERR_INPUT, "--kind '%s': use meeting, forum or workshop",
		                  f->kind ? f->kind : "");
	if (f->title == NULL)
		return error_setk(err, ERR_INPUT, "--title is required");
	if (f->starts == NULL)
		return error_setk(err, ERR_INPUT, "--starts is required (\"YYYY-MM-DD HH:MM\")");
	if (check_line("--title", f->title, TITLE_MAX, err) < 0 ||
	    check_line("--location", f->location, LINE_MAX_BYTES, err) < 0 ||
	    check_url(f->url, err) < 0 || check_description(f->description, err) < 0 ||
	    lookup_list(st, f->list, &l, err) < 0)
		goto out;
	out->tz = xstrdup(f->tz ? f->tz : list_timezone(cfg, &l));
	if (event_times(f->starts, f->ends, out->tz, &out->starts, &out->ends, err) < 0 ||
	    event_topic(st, f->topic ? f->topic : strcmp(f->kind, "forum") == 0 ? "forums"
	                                                                          : "meetings",
	                &out->topic, err) < 0)
		goto out;
	out->list_id = l.id;
	out->list_slug = xstrdup(l.slug);
	out->slug = xstrdup(f->slug);
	out->kind = xstrdup(f->kind);
	out->title = xstrdup(f->title);
	set_str(&out->location, f->location);
	set_str(&out->url, f->url);
	set_str(&out->description, f->description);
	/* One UID for the event's whole life: every update and cancellation reuses it. */
	random_bytes(rnd, sizeof(rnd));
	for (int i = 0; i < 16; i++) {
		hex[2 * i] = "0123456789abcdef"[rnd[i] >> 4];
		hex[2 * i + 1] = "0123456789abcdef"[rnd[i] & 15];
	}
	hex[32] = '\0';
	out->uid = xasprintf("event-%s@%s", hex, cfg->sender_domain);
	out->status = xstrdup("scheduled");
	rc = 0;
out:
	list_info_free(&l);
	if (rc < 0)
		event_info_free(out);
	return rc;
}

int
event_change(struct store *st, const struct config *cfg, const struct event_fields *f,
             struct event_info *e, struct buf *changed, struct error *err)
{
	char *topic = NULL;
	int64_t s = e->starts, en = e->ends;
	const char *tz = f->tz ? f->tz : e->tz;

	(void)cfg;
	buf_reset(changed);
	if (strcmp(e->status, "cancelled") == 0)
		return error_setk(err, ERR_CONFLICT, "event '%s' is cancelled", e->slug);
	if (f->list && strcmp(f->list, e->list_slug) != 0)
		return error_setk(err, ERR_INPUT, "an event cannot move to another list");
	if ((f->kind && !one_of(f->kind, event_kinds)))
		return error_setk(err, ERR_INPUT, "--kind '%s': use meeting, forum or workshop",
		                  f->kind);
	if (check_line("--title", f->title, TITLE_MAX, err) < 0 ||
	    check_line("--location", f->location, LINE_MAX_BYTES, err) < 0 ||
	    check_url(f->url, err) < 0 || check_description(f->description, err) < 0)
		return -1;
	if (f->starts || f->ends || f->tz) {
		char *sl = NULL, *el = NULL;
		struct buf b;
		int rc;

		/*
		 * A start not given keeps its wall-clock time in the (new) zone; an
		 * end not given keeps the event's length from its (new) start.
		 */
		buf_init(&b, 128);
		if (f->starts == NULL && ical_format_iso_local(e->starts, e->tz, &b) == 0)
			sl = xstrdup(buf_cstr(&b));
		buf_reset(&b);
		if (f->ends == NULL && f->starts == NULL &&
		    ical_format_iso_local(e->ends, e->tz, &b) == 0)
			el = xstrdup(buf_cstr(&b));
		buf_free(&b);
		rc = event_times(f->starts ? f->starts : sl, f->ends ? f->ends : el, tz, &s, &en,
		                 err);
		free(sl);
		free(el);
		if (rc < 0)
			return -1;
		if (f->starts && f->ends == NULL)
			en = s + (e->ends - e->starts);
	}
	if (f->topic && event_topic(st, f->topic, &topic, err) < 0)
		return -1;
	if (s != e->starts || en != e->ends || strcmp(tz, e->tz) != 0)
		buf_adds(changed, "time");
	if (f->location && (e->location == NULL || strcmp(f->location, e->location) != 0))
		buf_addf(changed, "%splace", changed->len ? ", " : "");
	if (f->title && strcmp(f->title, e->title) != 0)
		buf_addf(changed, "%stitle", changed->len ? ", " : "");
	if (f->url && (e->url == NULL || strcmp(f->url, e->url) != 0))
		buf_addf(changed, "%slink", changed->len ? ", " : "");
	if (f->description && (e->description == NULL || strcmp(f->description, e->description)))
		buf_addf(changed, "%sdetails", changed->len ? ", " : "");
	e->starts = s;
	e->ends = en;
	if (f->tz)
		set_str(&e->tz, f->tz);
	if (f->kind)
		set_str(&e->kind, f->kind);
	if (f->title)
		set_str(&e->title, f->title);
	if (f->location)
		set_str(&e->location, f->location);
	if (f->url)
		set_str(&e->url, f->url);
	if (f->description)
		set_str(&e->description, f->description);
	if (topic) {
		free(e->topic);
		e->topic = topic;
	}
	return 0;
}

int
opportunity_build(struct store *st, const struct config *cfg, const struct opportunity_fields *f,
                  struct opportunity_info *out, struct error *err)
{
	struct list_info l = {0};
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (f->slug == NULL || !slug_valid(f->slug))
		return error_setk(err, ERR_INPUT, "opportunity slug '%s' must be 1 to 64 lower-case "
		                  "letters, digits or '-'", f->slug ? f->slug : "");
	if (f->kind == NULL || !one_of(f->kind, opportunity_kinds))
		return error_setk(err, ERR_INPUT, "--kind '%s': use internship, summer-job, program "
		                  "or partnership", f->kind ? f->kind : "");
	if (f->title == NULL)
		return error_setk(err, ERR_INPUT, "--title is required");
	if (f->org == NULL)
		return error_setk(err, ERR_INPUT, "--org is required");
	if (check_line("--title", f->title, TITLE_MAX, err) < 0 ||
	    check_line("--org", f->org, LINE_MAX_BYTES, err) < 0 ||
	    check_line("--location", f->location, LINE_MAX_BYTES, err) < 0 ||
	    check_url(f->url, err) < 0 || check_description(f->description, err) < 0 ||
	    lookup_list(st, f->list, &l, err) < 0)
		goto out;
	if (f->deadline) {
		const char *tz = list_timezone(cfg, &l);
		char *local = xasprintf("%s 23:59", f->deadline);
		struct error e = ERROR_INIT;
		int bad = strlen(f->deadline) != 10 ||
		          ical_local_to_utc(local, tz, &out->deadline, &e) < 0;

		free(local);
		error_clear(&e);
		if (bad) {
			error_setk(err, ERR_INPUT, "--deadline '%s': use YYYY-MM-DD", f->deadline);
			goto out;
		}
		if (out->deadline < now_unix()) {
			error_setk(err, ERR_INPUT, "--deadline %s has passed (%s)", f->deadline, tz);
			goto out;
		}
	}
	out->list_id = l.id;
	out->list_slug = xstrdup(l.slug);
	out->slug = xstrdup(f->slug);
	out->kind = xstrdup(f->kind);
	out->title = xstrdup(f->title);
	out->org = xstrdup(f->org);
	set_str(&out->url, f->url);
	set_str(&out->location, f->location);
	set_str(&out->description, f->description);
	out->status = xstrdup("open");
	rc = 0;
out:
	list_info_free(&l);
	if (rc < 0)
		opportunity_info_free(out);
	return rc;
}

/* The columns of each kind of import, by their option names. */
static const char *const event_columns[] = {"slug", "list", "kind", "title", "starts", "ends",
                                            "tz", "location", "url", "topic", "description",
                                            NULL};
static const char *const opportunity_columns[] = {"slug", "list", "kind", "title", "org",
                                                  "deadline", "url", "location",
                                                  "description", NULL};

/* import_row - one record: the value of each column (NULL when empty or absent). */
static int
import_row(struct store *st, const struct config *cfg, int what, const char **v,
           struct error *rowerr)
{
	int64_t id;
	int rc;

	if (what == EVENTS_EVENTS) {
		struct event_fields f = {v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9],
		                         v[10]};
		struct event_info e;

		if (event_build(st, cfg, &f, &e, rowerr) < 0)
			return -1;
		rc = store_event_add(st, &e, &id, rowerr);
		event_info_free(&e);
		return rc;
	} else {
		struct opportunity_fields f = {v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8]};
		struct opportunity_info o;

		if (opportunity_build(st, cfg, &f, &o, rowerr) < 0)
			return -1;
		rc = store_opportunity_add(st, &o, &id, rowerr);
		opportunity_info_free(&o);
		return rc;
	}
}

int
events_import(struct store *st, const struct config *cfg, int what, FILE *in, const char *file,
              events_reject_fn reject, void *arg, long *imported, long *rejected,
              struct error *err)
{
	const char *const *names = what == EVENTS_EVENTS ? event_columns : opportunity_columns;
	struct csv_reader *csv = csv_reader_new(in, FIELD_MAX, FIELDS_MAX);
	int col[FIELDS_MAX], ncols = 0, rc, ok = 0;

	*imported = *rejected = 0;
	while (names[ncols])
		col[ncols++] = -1;
	rc = csv_next(csv);
	if (rc != CSV_RECORD) {
		if (rc == CSV_EOF)
			error_setk(err, ERR_INPUT, "%s: empty file: a header row naming the columns is "
			           "needed", file);
		else
			error_setk(err, ERR_INPUT, "%s:%lu: header row: %s", file, csv_line(csv),
			           csv_error(csv));
		csv_reader_free(csv);
		return -1;
	}
	for (size_t i = 0; i < csv_nfields(csv); i++) {
		int c;

		for (c = 0; c < ncols; c++)
			if (strcasecmp(csv_field(csv, i), names[c]) == 0)
				break;
		if (c == ncols || col[c] >= 0) {
			error_setk(err, ERR_INPUT, "%s:%lu: %s column '%s'", file, csv_line(csv),
			           c == ncols ? "unknown" : "repeated", csv_field(csv, i));
			csv_reader_free(csv);
			return -1;
		}
		col[c] = (int)i;
	}
	if (store_begin(st, err) < 0) {
		csv_reader_free(csv);
		return -1;
	}
	while ((rc = csv_next(csv)) != CSV_EOF) {
		const char *v[FIELDS_MAX];
		struct error rowerr = ERROR_INIT;

		if (rc == CSV_IOERR) {
			error_set(err, "%s:%lu: %s", file, csv_line(csv), csv_error(csv));
			goto out;
		}
		if (rc == CSV_BAD) {
			reject(csv_line(csv), csv_error(csv), arg);
			(*rejected)++;
			continue;
		}
		for (int c = 0; c < ncols; c++) {
			const char *f = col[c] >= 0 && (size_t)col[c] < csv_nfields(csv) ?
			                csv_field(csv, (size_t)col[c]) : NULL;

			v[c] = f && *f ? f : NULL;
		}
		if (import_row(st, cfg, what, v, &rowerr) < 0) {
			if (error_kind(&rowerr) == ERR_DB) {
				error_set(err, "%s:%lu: %s", file, csv_line(csv), error_msg(&rowerr));
				error_clear(&rowerr);
				goto out;
			}
			reject(csv_line(csv), error_msg(&rowerr), arg);
			(*rejected)++;
		} else
			(*imported)++;
		error_clear(&rowerr);
	}
	ok = 1;
out:
	csv_reader_free(csv);
	if (!ok) {
		store_rollback(st);
		return -1;
	}
	return store_commit(st, err);
}
