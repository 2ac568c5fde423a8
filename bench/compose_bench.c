/*
 * compose_bench - compose one personalised message for each of N recipients
 * (default 100,000) from a Markdown document, and print messages per second
 * and peak RSS.  Markdown is rendered once; each message is built whole.
 *
 * usage: compose_bench DOC.md [N] [TEMPLATES_DIR]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "compose.h"
#include "config.h"
#include "frontmatter.h"

int
main(int argc, char **argv)
{
	struct config cfg;
	struct doc doc = {0};
	struct error err = ERROR_INIT;
	struct compose_list list = {1, "metro-north", "Metro North STEM Network",
	                            "Schools, colleges and employers",
	                            "Metro North STEM Network <news@metronorth.example>", NULL, 0};
	unsigned char key[SECRET_LEN];
	struct compose_params p;
	struct compose_campaign *c;
	struct buf msg, from;
	struct rusage ru;
	long long n = 100000, bytes = 0;
	const char *why;
	int64_t t0, t1;

	if (argc < 2) {
		fprintf(stderr, "usage: compose_bench DOC.md [N] [TEMPLATES_DIR]\n");
		return 2;
	}
	if (argc > 2 && parse_int(argv[2], 1, 100000000, &n, &why) < 0) {
		fprintf(stderr, "compose_bench: N %s\n", why);
		return 2;
	}
	config_defaults(&cfg);
	if (argc > 3) {
		free(cfg.templates_dir);
		cfg.templates_dir = xstrdup(argv[3]);
	}
	random_bytes(key, sizeof(key));
	if (doc_load(argv[1], &doc, &err) < 0) {
		fprintf(stderr, "compose_bench: %s\n", error_msg(&err));
		return 1;
	}
	p.kind = COMPOSE_LIST_MAIL;
	p.cfg = &cfg;
	p.doc = &doc;
	p.list = &list;
	p.key = key;
	p.campaign_id = 1;
	p.date = now_unix();
	t0 = now_mono_ms();
	if (compose_prepare(&p, &c, &err) < 0) {
		fprintf(stderr, "compose_bench: %s\n", error_msg(&err));
		return 1;
	}
	buf_init(&msg, COMPOSE_MAX_MESSAGE);
	buf_init(&from, 1024);
	for (long long i = 0; i < n; i++) {
		char email[64], name[64];
		struct compose_recipient r = {i + 1, i + 1, email, name};

		snprintf(email, sizeof(email), "member%lld@school%lld.example", i, i % 500);
		snprintf(name, sizeof(name), "Member Number %lld", i);
		if (compose_message(c, &r, &msg, &from, &err) < 0) {
			fprintf(stderr, "compose_bench: %s\n", error_msg(&err));
			return 1;
		}
		bytes += (long long)msg.len;
	}
	t1 = now_mono_ms();
	getrusage(RUSAGE_SELF, &ru);
	printf("compose: %lld messages in %.2f s = %.0f messages/s, %.1f KB each, peak RSS %.1f MB\n",
	       n, (double)(t1 - t0) / 1000, (double)n * 1000 / (double)(t1 - t0 > 0 ? t1 - t0 : 1),
	       (double)bytes / (double)n / 1024, (double)ru.ru_maxrss / 1024);
	compose_free(c);
	buf_free(&msg);
	buf_free(&from);
	doc_free(&doc);
	config_free(&cfg);
	return 0;
}
