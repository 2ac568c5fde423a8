/*
 * import - CSV import and export of subscribers.  Row checks are here;
 * the consent rule (never re-activate) is in the store.
 */
#include "import.h"

#include <stdarg.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "buf.h"
#include "csv.h"
#include "sysmail.h"

enum column { COL_EMAIL, COL_NAME, COL_TOPICS, COL_DIGEST, COL_STATUS, COL_SUPPRESSED, NCOLUMNS };
static const char *const column_names[NCOLUMNS] = {"email", "name", "topics", "digest",
                                                   "status", "suppressed"};

struct importer {
	struct store *st;
	struct csv_reader *csv;
	int col[NCOLUMNS];         /* field index of each column, -1 if absent */
	size_t nfields;
	int64_t list_id;
	int confirmed;
	const char *allow_dotless; /* [sender] allow_dotless_domains */
	const char *file;
	char *source;
	import_reject_fn reject;
	void *arg;
	/* Most rows repeat a handful of topic lists: remember the last few. */
	struct {
		char *raw, *canonical;
	} topic_cache[8];
	int topic_next;
	struct import_stats *stats;
};

static void
reject_row(struct importer *im, unsigned long line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
reject_row(struct importer *im, unsigned long line, const char *fmt, ...)
{
	va_list ap;
	struct buf b;

	buf_init(&b, 8192);
	va_start(ap, fmt);
	buf_vaddf(&b, fmt, ap);
	va_end(ap);
	im->stats->rejected++;
	if (im->reject)
		im->reject(line, buf_cstr(&b), im->arg);
	buf_free(&b);
}

static int
read_header(struct importer *im, struct error *err)
{
	int rc = csv_next(im->csv);

	if (rc == CSV_EOF)
		return error_set(err, "%s: empty file: a header row naming the columns is needed",
		                 im->file);
	if (rc != CSV_RECORD)
		return error_set(err, "%s:%lu: header row: %s", im->file, csv_line(im->csv),
		                 csv_error(im->csv));
	for (int c = 0; c < NCOLUMNS; c++)
		im->col[c] = -1;
	im->nfields = csv_nfields(im->csv);
	for (size_t i = 0; i < im->nfields; i++) {
		char *name = str_trim(xstrdup(csv_field(im->csv, i)));
		int c;

		for (c = 0; c < NCOLUMNS; c++)
			if (strcasecmp(name, column_names[c]) == 0)
				break;
		if (c == NCOLUMNS || im->col[c] >= 0) {
			error_set(err, "%s:%lu: %s column '%s' (the columns are email, name, topics, "
			          "digest and status)", im->file, csv_line(im->csv),
			          c == NCOLUMNS ? "unknown" : "repeated", name);
			free(name);
			return -1;
		}
		free(name);
		im->col[c] = (int)i;
	}
	if (im->col[COL_EMAIL] < 0)
		return error_set(err, "%s:%lu: no 'email' column in the header row", im->file,
		                 csv_line(im->csv));
	return 0;
}

/* column - a column of the current row, as written before export neutralised it. */
static const char *
column(struct importer *im, enum column c)
{
	return im->col[c] >= 0 ? csv_cell_restore(csv_field(im->csv, (size_t)im->col[c])) : NULL;
}

/* resolve_topics - store_topics_resolve through a small cache; *out belongs to the cache. */
static int
resolve_topics(struct importer *im, const char *raw, const char **out, struct error *err)
{
	char *canonical;
	int slot;

	for (int i = 0; i < 8; i++)
		if (im->topic_cache[i].raw && strcmp(im->topic_cache[i].raw, raw) == 0) {
			*out = im->topic_cache[i].canonical;
			return 0;
		}
	if (store_topics_resolve(im->st, raw, &canonical, err) < 0)
		return -1;
	slot = im->topic_next++ % 8;
	free(im->topic_cache[slot].raw);
	free(im->topic_cache[slot].canonical);
	im->topic_cache[slot].raw = xstrdup(raw);
	im->topic_cache[slot].canonical = canonical;
	*out = canonical;
	return 0;
}

/* import_row - check one record and hand it to the store; -1 only on a store failure. */
static int
import_row(struct importer *im, struct error *err)
{
	unsigned long line = csv_line(im->csv);
	const char *raw_email, *name, *topics, *digest, *status, *suppressed, *why;
	char *email = NULL, *name_copy = NULL;
	struct subscription sub;
	struct error rowerr = ERROR_INIT;
	long long first_line;
	char *first_email = NULL;
	int result, rc = 0;

	/* Before any column is read: a short row has no field where its header has one. */
	if (csv_nfields(im->csv) != im->nfields) {
		reject_row(im, line, "expected %zu fields as in the header, found %zu", im->nfields,
		           csv_nfields(im->csv));
		return 0;
	}
	raw_email = column(im, COL_EMAIL);
	name = column(im, COL_NAME);
	topics = column(im, COL_TOPICS);
	digest = column(im, COL_DIGEST);
	status = column(im, COL_STATUS);
	suppressed = column(im, COL_SUPPRESSED);
	if (addr_accept(raw_email, im->allow_dotless, &email, &why) < 0) {
		reject_row(im, line, "invalid address '%s': %s", raw_email, why);
		return 0;
	}
	memset(&sub, 0, sizeof(sub));
	sub.email = email;
	sub.digest = -1;
	sub.actor = ACTOR_IMPORT;
	sub.source = im->source;
	sub.want_status = im->confirmed ? SUB_ACTIVE : SUB_UNCONFIRMED;
	if (name) {
		name_copy = str_trim(xstrdup(name));
		if (has_header_breaker(name_copy)) {
			reject_row(im, line, "name of %s contains a line break", email);
			goto out;
		}
		if (strlen(name_copy) > IMPORT_MAX_NAME) {
			reject_row(im, line, "name of %s is longer than %d bytes", email,
			           IMPORT_MAX_NAME);
			goto out;
		}
		sub.name = *name_copy ? name_copy : NULL;
	}
	if (digest && *digest && (sub.digest = digest_parse(digest)) < 0) {
		reject_row(im, line, "unknown digest '%s' for %s (immediate, weekly or monthly)",
		           digest, email);
		goto out;
	}
	if (status && *status) {
		if ((sub.want_status = sub_status_parse(status)) < 0) {
			reject_row(im, line, "unknown status '%s' for %s", status, email);
			goto out;
		}
	}
	if (topics) {
		if (resolve_topics(im, topics, &sub.topics, &rowerr) < 0) {
			reject_row(im, line, "%s: %s", email, error_msg(&rowerr));
			goto out;
		}
	}
	if (store_seen(im->st, email, (long long)line, &first_line, &first_email, err) < 0) {
		rc = -1;
		goto out;
	}
	if (first_line > 0) {
		/* In any case: Maria.Santos@x and maria.santos@x are one address. */
		reject_row(im, line, "duplicate of %s on line %lld", first_email, first_line);
		free(first_email);
		goto out;
	}
	if (suppressed && *suppressed && strcmp(suppressed, "yes") != 0 &&
	    strcmp(suppressed, "no") != 0) {
		reject_row(im, line, "suppressed must be yes or no for %s, not '%s'", email,
		           suppressed);
		goto out;
	}
	if (suppressed && strcmp(suppressed, "yes") == 0) {
		/* An export's suppressed address stays suppressed, and is never made a member. */
		if (store_suppress(im->st, email, "suppressed in an imported export", SUPPRESS_ADMIN,
		                   ACTOR_IMPORT, err) < 0) {
			rc = -1;
			goto out;
		}
		im->stats->suppressed++;
		goto out;
	}
	if (store_subscribe(im->st, im->list_id, &sub, &result, &rowerr) < 0) {
		error_set(err, "%s:%lu: %s", im->file, line, error_msg(&rowerr));
		rc = -1;
		goto out;
	}
	switch (result) {
	case SUBSCRIBE_CREATED:
		im->stats->imported++;
		if (sub.want_status == SUB_UNCONFIRMED) {
			int64_t id;
			int queued;

			if (store_subscriber_id(im->st, email, &id, err) < 0 ||
			    sysmail_queue(im->st, im->list_id, SYSMAIL_CONFIRM, id, &queued, err) < 0) {
				rc = -1;
				goto out;
			}
			im->stats->confirm_requests += queued;
		}
		break;
	case SUBSCRIBE_UPDATED:
		im->stats->updated++;
		break;
	case SUBSCRIBE_UNCHANGED:
		im->stats->unchanged++;
		break;
	default:
		reject_row(im, line, "%s", error_msg(&rowerr));
	}
out:
	error_clear(&rowerr);
	free(email);
	free(name_copy);
	return rc;
}

int
import_csv(struct store *st, const struct config *cfg, FILE *in, const char *file,
           const char *list_slug,
           int confirmed, int dry_run, import_reject_fn reject, void *arg,
           struct import_stats *stats, struct error *err)
{
	struct importer im;
	struct list_info list = {0};
	int rc, ok = 0;

	memset(stats, 0, sizeof(*stats));
	memset(&im, 0, sizeof(im));
	if (store_list_get(st, list_slug, &list, err) < 0)
		return -1;
	im.st = st;
	im.list_id = list.id;
	im.confirmed = confirmed;
	im.allow_dotless = cfg->allow_dotless;
	im.file = file;
	im.source = xasprintf("import:%s", file);
	im.reject = reject;
	im.arg = arg;
	im.stats = stats;
	list_info_free(&list);
	im.csv = csv_reader_new(in, IMPORT_MAX_FIELD, 64);
	if (read_header(&im, err) < 0) {
		csv_reader_free(im.csv);
		free(im.source);
		return -1;
	}
	if (store_begin(st, err) < 0 || store_seen_reset(st, err) < 0)
		goto out;
	while ((rc = csv_next(im.csv)) != CSV_EOF) {
		if (rc == CSV_IOERR) {
			error_set(err, "%s:%lu: %s", file, csv_line(im.csv), csv_error(im.csv));
			goto out;
		}
		if (rc == CSV_BAD) {
			reject_row(&im, csv_line(im.csv), "%s", csv_error(im.csv));
			continue;
		}
		if (import_row(&im, err) < 0)
			goto out;
	}
	ok = 1;
out:
	csv_reader_free(im.csv);
	free(im.source);
	for (int i = 0; i < 8; i++) {
		free(im.topic_cache[i].raw);
		free(im.topic_cache[i].canonical);
	}
	if (!ok || dry_run) {
		store_rollback(st);
		return ok ? 0 : -1;
	}
	return store_commit(st, err);
}

struct export_state {
	FILE *out;
	int failed;
};

static int
export_row(const struct export_row *r, void *arg)
{
	struct export_state *es = arg;
	const char *fields[NCOLUMNS] = {r->email, r->name ? r->name : "", r->topics,
	                                digest_name(r->digest), sub_status_name(r->status),
	                                r->suppressed ? "yes" : "no"};
	char *defused[NCOLUMNS];
	int rc;

	/* Exports are opened in spreadsheets: no cell may be read as a formula. */
	for (int i = 0; i < NCOLUMNS; i++)
		fields[i] = defused[i] = csv_cell_defuse(fields[i]);
	rc = csv_write_record(es->out, fields, NCOLUMNS);
	for (int i = 0; i < NCOLUMNS; i++)
		free(defused[i]);
	if (rc < 0) {
		es->failed = errno ? errno : EIO;
		return 1;
	}
	return 0;
}

int
export_csv(struct store *st, const char *list_slug, int status, FILE *out, struct error *err)
{
	struct export_state es = {out, 0};
	struct list_info list = {0};
	int rc;

	if (store_list_get(st, list_slug, &list, err) < 0)
		return -1;
	if (csv_write_record(out, column_names, NCOLUMNS) < 0)
		es.failed = errno ? errno : EIO;
	else {
		rc = store_export_each(st, list.id, status, export_row, &es, err);
		if (rc < 0) {
			list_info_free(&list);
			return -1;
		}
	}
	list_info_free(&list);
	if (es.failed == 0 && fflush(out) != 0)
		es.failed = errno ? errno : EIO;
	if (es.failed)
		return error_set(err, "writing export: %s", strerror(es.failed));
	return 0;
}
