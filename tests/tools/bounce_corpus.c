/*
 * bounce_corpus - score bounce_parse() against the labelled bounce corpus.
 *
 *   bounce_corpus CORPUS_DIR [--min-class PCT] [--bench N] [--verbose]
 *   bounce_corpus --show FILE.eml
 *
 * CORPUS_DIR holds labels.tsv (file, recipient, status, reason, class; one
 * row per failed recipient) and emails/NNNN-mta.eml.  For every labelled row
 * it checks that the recipient was found (any case), that the class is the
 * one labelled (either bounce class for a "filtered" row, whose label does
 * not tell a content filter from "no such user"), and that the status
 * matches (for sisimai's X.0.9NN pseudo codes only the first digit counts).  It prints the figures per MTA and
 * overall, the rows whose class is wrong, and the auto-replies that were
 * taken for bounces (which must be none).  Exits 1 when overall class
 * accuracy is under --min-class, or when an auto-reply was counted as a
 * bounce; 2 on a usage or I/O error.  --bench N parses every email N times
 * and prints messages per second.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "bounce.h"
#include "buf.h"
#include "util.h"

enum {
	LINE_MAX_LEN = 4096,       /* one labels.tsv line */
	MTA_MAX = 128,             /* distinct MTA names */
	FILES_MAX = 4096,          /* emails in the corpus */
};

struct row {
	char file[128], rcpt[256], status[32], reason[64], klass[32];
};

struct tally {
	char mta[64];
	int rows, rcpt_ok, class_ok, status_ok, reason_ok;
};

static struct tally tallies[MTA_MAX];
static size_t n_tallies;

static struct tally *
tally_for(const char *mta)
{
	for (size_t i = 0; i < n_tallies; i++)
		if (strcmp(tallies[i].mta, mta) == 0)
			return &tallies[i];
	if (n_tallies == MTA_MAX)
		return &tallies[MTA_MAX - 1];
	snprintf(tallies[n_tallies].mta, sizeof(tallies[0].mta), "%s", mta);
	return &tallies[n_tallies++];
}

/* read_file - the whole file in a malloc'd buffer; NULL with errno on failure. */
static char *
read_file(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	struct buf b;
	char chunk[65536];
	size_t n;

	if (fp == NULL)
		return NULL;
	buf_init(&b, BOUNCE_MAX_MESSAGE + 1);
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		if (buf_add(&b, chunk, n) != BUF_OK)
			break;
	fclose(fp);
	*len = b.len;
	return buf_steal(&b);
}

/* split_tsv - the five tab-separated columns of line into row; 0 or -1. */
static int
split_tsv(char *line, struct row *r)
{
	char *col[5];
	size_t n = 0;
	char *p = line;

	line[strcspn(line, "\r\n")] = '\0';
	col[n++] = p;
	while (n < 5 && (p = strchr(p, '\t')) != NULL) {
		*p++ = '\0';
		col[n++] = p;
	}
	if (n != 5)
		return -1;
	snprintf(r->file, sizeof(r->file), "%s", col[0]);
	snprintf(r->rcpt, sizeof(r->rcpt), "%s", col[1]);
	snprintf(r->status, sizeof(r->status), "%s", col[2]);
	snprintf(r->reason, sizeof(r->reason), "%s", col[3]);
	snprintf(r->klass, sizeof(r->klass), "%s", col[4]);
	return 0;
}

/* mta_of - "0042-postfix.eml" -> "postfix". */
static void
mta_of(const char *file, char *out, size_t n)
{
	const char *dash = strchr(file, '-'), *dot = strrchr(file, '.');

	if (dash == NULL || dot == NULL || dot < dash)
		snprintf(out, n, "?");
	else
		snprintf(out, n, "%.*s", (int)(dot - dash - 1), dash + 1);
}

/* pseudo - sisimai's X.0.9NN codes, of which only the class digit means anything. */
static int
pseudo(const char *st)
{
	return strlen(st) == 7 && strncmp(st + 1, ".0.9", 4) == 0;
}

static int
status_ok(const char *want, const char *got)
{
	if (*want == '\0')
		return got == NULL || *got == '\0' || *got == '2';
	if (got == NULL)
		return 0;
	if (pseudo(want))
		return got[0] == want[0];
	return strcmp(want, got) == 0;
}

static double
pct(int a, int b)
{
	return b ? 100.0 * a / b : 100.0;
}

/* show - print what bounce_parse() made of one file, for debugging a rule. */
static int
show(const char *file)
{
	struct bounce_report r;
	struct error err = ERROR_INIT;
	size_t len;
	char *msg = read_file(file, &len);

	if (msg == NULL) {
		fprintf(stderr, "bounce_corpus: %s: %s\n", file, strerror(errno));
		return 2;
	}
	if (bounce_parse(msg, len, "bounces", &r, &err) != 0) {
		printf("%s: error: %s\n", file, error_msg(&err));
		error_clear(&err);
		free(msg);
		return 1;
	}
	printf("%s: class %s dsn %d arf %d autoreply %d verp %s orig-id %s\n  from %s\n"
	       "  subject %s\n", file, bounce_class_name(r.class), r.is_dsn, r.is_arf,
	       r.is_autoreply, r.verp ? r.verp : "-",
	       r.original_message_id ? r.original_message_id : "-", r.from ? r.from : "-",
	       r.subject ? r.subject : "-");
	for (size_t i = 0; i < r.n_rcpts; i++)
		printf("  rcpt %s %s %s %s\n    diag: %s\n",
		       r.rcpts[i].recipient ? r.rcpts[i].recipient : "-",
		       bounce_class_name(r.rcpts[i].class),
		       r.rcpts[i].reason ? r.rcpts[i].reason : "-",
		       r.rcpts[i].status ? r.rcpts[i].status : "-",
		       r.rcpts[i].diagnostic ? r.rcpts[i].diagnostic : "-");
	bounce_report_free(&r);
	free(msg);
	return 0;
}

static int
bench(const char *dir, long long times)
{
	char path[4096], *msgs[FILES_MAX];
	size_t lens[FILES_MAX], n = 0;
	struct dirent *de;
	struct timespec t0, t1;
	DIR *d;
	double secs;
	long long done = 0;

	snprintf(path, sizeof(path), "%s/emails", dir);
	if ((d = opendir(path)) == NULL) {
		fprintf(stderr, "bounce_corpus: %s: %s\n", path, strerror(errno));
		return 2;
	}
	while ((de = readdir(d)) != NULL && n < FILES_MAX) {
		size_t l = strlen(de->d_name);

		if (l < 5 || strcmp(de->d_name + l - 4, ".eml") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/emails/%s", dir, de->d_name);
		if ((msgs[n] = read_file(path, &lens[n])) != NULL)
			n++;
	}
	closedir(d);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long long t = 0; t < times; t++)
		for (size_t i = 0; i < n; i++) {
			struct bounce_report r;
			struct error err = ERROR_INIT;

			if (bounce_parse(msgs[i], lens[i], "bounces", &r, &err) == 0)
				bounce_report_free(&r);
			error_clear(&err);
			done++;
		}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("bench: %lld messages (%zu files x %lld) in %.3f s: %.0f messages/s\n", done, n,
	       times, secs, secs > 0 ? (double)done / secs : 0.0);
	for (size_t i = 0; i < n; i++)
		free(msgs[i]);
	return 0;
}

int
main(int argc, char **argv)
{
	const char *dir = NULL, *why;
	long long min_class = 0, bench_n = 0;
	int verbose = 0, rows = 0, rcpt_ok = 0, class_ok = 0, st_ok = 0, ar_bounce = 0, extra = 0;
	int reason_ok = 0;
	char path[4096], line[LINE_MAX_LEN], mta[64];
	struct row *all = NULL;
	size_t n_all = 0;
	FILE *fp;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--min-class") == 0 && i + 1 < argc) {
			if (parse_int(argv[++i], 0, 100, &min_class, &why) != 0) {
				fprintf(stderr, "bounce_corpus: --min-class %s: %s\n", argv[i], why);
				return 2;
			}
		} else if (strcmp(argv[i], "--bench") == 0 && i + 1 < argc) {
			if (parse_int(argv[++i], 1, 100000, &bench_n, &why) != 0) {
				fprintf(stderr, "bounce_corpus: --bench %s: %s\n", argv[i], why);
				return 2;
			}
		} else if (strcmp(argv[i], "--show") == 0 && i + 1 < argc) {
			return show(argv[i + 1]);
		} else if (strcmp(argv[i], "--verbose") == 0) {
			verbose = 1;
		} else if (dir == NULL && argv[i][0] != '-') {
			dir = argv[i];
		} else {
			dir = NULL;
			break;
		}
	}
	if (dir == NULL) {
		fprintf(stderr, "usage: bounce_corpus CORPUS_DIR [--min-class PCT] [--bench N] "
		                "[--verbose]\n");
		return 2;
	}
	if (bench_n > 0)
		return bench(dir, bench_n);
	snprintf(path, sizeof(path), "%s/labels.tsv", dir);
	if ((fp = fopen(path, "r")) == NULL) {
		fprintf(stderr, "bounce_corpus: %s: %s\n", path, strerror(errno));
		return 2;
	}
	while (fgets(line, sizeof(line), fp)) {
		struct row r;

		if (split_tsv(line, &r) != 0 || strcmp(r.file, "file") == 0)
			continue;
		all = xrealloc(all, (n_all + 1) * sizeof(*all));
		all[n_all++] = r;
	}
	fclose(fp);

	printf("# rows whose class is wrong: file recipient want(class reason status) "
	       "got(class reason status)\n");
	for (size_t i = 0; i < n_all; i++) {
		struct bounce_report rep;
		struct error err = ERROR_INIT;
		const struct bounce_rcpt *hit = NULL;
		const char *got_class;
		char *msg;
		size_t len;
		struct tally *t;
		int c_ok, r_ok, s_ok, why_ok;

		/* Parse each file once, for all of its rows. */
		if (i > 0 && strcmp(all[i].file, all[i - 1].file) == 0)
			continue;
		snprintf(path, sizeof(path), "%s/emails/%s", dir, all[i].file);
		if ((msg = read_file(path, &len)) == NULL) {
			fprintf(stderr, "bounce_corpus: %s: %s\n", path, strerror(errno));
			return 2;
		}
		if (bounce_parse(msg, len, "bounces", &rep, &err) != 0) {
			printf("PARSE-ERROR %s: %s\n", all[i].file, error_msg(&err));
			error_clear(&err);
			memset(&rep, 0, sizeof(rep));
			rep.class = BOUNCE_OTHER;
		}
		mta_of(all[i].file, mta, sizeof(mta));
		t = tally_for(mta);
		for (size_t j = i; j < n_all && strcmp(all[j].file, all[i].file) == 0; j++) {
			const struct row *w = &all[j];

			hit = NULL;
			for (size_t k = 0; k < rep.n_rcpts; k++)
				if (rep.rcpts[k].recipient && strcasecmp(rep.rcpts[k].recipient, w->rcpt) == 0)
					hit = &rep.rcpts[k];
			r_ok = *w->rcpt == '\0' || hit != NULL;
			got_class = bounce_class_name(hit ? hit->class : rep.class);
			/*
			 * "filtered" covers content filters (soft) and appliances that
			 * relay "no such user" (hard); the labels call both soft, so
			 * either class is right for it, as bounce_accuracy.py counts.
			 */
			c_ok = strcmp(got_class, w->klass) == 0 ||
			       (strcmp(w->reason, "filtered") == 0 &&
			        (strcmp(got_class, "hard") == 0 || strcmp(got_class, "soft") == 0));
			s_ok = status_ok(w->status, hit ? hit->status
			                                : rep.n_rcpts ? rep.rcpts[0].status : NULL);
			/* sisimai's "notbounce" is our empty report. */
			why_ok = hit && hit->reason ? strcmp(hit->reason, w->reason) == 0
			                            : strcmp(w->reason, "notbounce") == 0;
			if (strcmp(w->klass, "autoreply") == 0 &&
			    (strcmp(got_class, "hard") == 0 || strcmp(got_class, "soft") == 0))
				ar_bounce++;
			t->rows++;
			t->rcpt_ok += r_ok;
			t->class_ok += c_ok;
			t->status_ok += s_ok;
			t->reason_ok += why_ok;
			rows++;
			rcpt_ok += r_ok;
			class_ok += c_ok;
			st_ok += s_ok;
			reason_ok += why_ok;
			if (!c_ok || verbose)
				printf("%s %s %s want(%s %s %s) got(%s %s %s)%s\n", c_ok ? "ok" : "WRONG",
				       w->file, *w->rcpt ? w->rcpt : "-", w->klass, w->reason,
				       *w->status ? w->status : "-", got_class,
				       hit && hit->reason ? hit->reason : "-",
				       hit && hit->status ? hit->status : "-",
				       r_ok ? "" : " [recipient not found]");
		}
		/* Addresses reported that no row names: a cost too, if a smaller one. */
		for (size_t k = 0; k < rep.n_rcpts; k++) {
			int named = 0;

			for (size_t j = i; j < n_all && strcmp(all[j].file, all[i].file) == 0; j++)
				if (rep.rcpts[k].recipient && strcasecmp(rep.rcpts[k].recipient, all[j].rcpt) == 0)
					named = 1;
			if (!named && *all[i].rcpt) {
				extra++;
				if (verbose)
					printf("EXTRA %s %s\n", all[i].file,
					       rep.rcpts[k].recipient ? rep.rcpts[k].recipient : "(none)");
			}
		}
		bounce_report_free(&rep);
		free(msg);
	}
	free(all);

	printf("\n%-18s %5s %9s %9s %9s %9s\n", "mta", "rows", "rcpt%", "class%", "status%",
	       "reason%");
	for (size_t i = 0; i < n_tallies; i++)
		printf("%-18s %5d %8.1f%% %8.1f%% %8.1f%% %8.1f%%\n", tallies[i].mta, tallies[i].rows,
		       pct(tallies[i].rcpt_ok, tallies[i].rows),
		       pct(tallies[i].class_ok, tallies[i].rows),
		       pct(tallies[i].status_ok, tallies[i].rows),
		       pct(tallies[i].reason_ok, tallies[i].rows));
	printf("%-18s %5d %8.1f%% %8.1f%% %8.1f%% %8.1f%%\n", "OVERALL", rows, pct(rcpt_ok, rows),
	       pct(class_ok, rows), pct(st_ok, rows), pct(reason_ok, rows));
	printf("recipient %d/%d, class %d/%d, status %d/%d, reason %d/%d, extra recipients %d, "
	       "autoreplies counted as bounces: %d\n",
	       rcpt_ok, rows, class_ok, rows, st_ok, rows, reason_ok, rows, extra, ar_bounce);
	if (ar_bounce > 0 || pct(class_ok, rows) < (double)min_class) {
		printf("FAIL: class accuracy %.1f%% (minimum %lld%%), %d auto-replies as bounces\n",
		       pct(class_ok, rows), min_class, ar_bounce);
		return 1;
	}
	return 0;
}
