/*
 * curl_bare - the ceiling for any sender built on libcurl: the simplest
 * possible loop pushing one pre-built message COUNT times over CONNECTIONS
 * reused SMTP connections with libcurl's multi interface.  No composing, no
 * database, no per-message work: what bench/send.sh compares outreach with.
 *
 * usage: curl_bare smtp://HOST:PORT MESSAGE-FILE COUNT CONNECTIONS
 * Prints "sent N in S seconds = R msg/s" on standard output.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

struct slot {
	CURL *easy;
	size_t off;
	struct curl_slist *rcpt;
};

static const char *msg;
static size_t msg_len;

static size_t
read_cb(char *buf, size_t size, size_t nitems, void *arg)
{
	struct slot *s = arg;
	size_t n = size * nitems;

	if (n > msg_len - s->off)
		n = msg_len - s->off;
	memcpy(buf, msg + s->off, n);
	s->off += n;
	return n;
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	FILE *fp;
	char *data;
	long count, conns, started = 0, done = 0, failed = 0;
	long size;
	struct slot *slots;
	CURLM *multi;
	double t0;
	int running;

	if (argc != 5) {
		fprintf(stderr, "usage: curl_bare URL MESSAGE COUNT CONNECTIONS\n");
		return 2;
	}
	count = strtol(argv[3], NULL, 10);
	conns = strtol(argv[4], NULL, 10);
	if ((fp = fopen(argv[2], "rb")) == NULL || fseek(fp, 0, SEEK_END) != 0 ||
	    (size = ftell(fp)) < 0 || fseek(fp, 0, SEEK_SET) != 0) {
		perror(argv[2]);
		return 1;
	}
	data = malloc((size_t)size + 1);
	if (data == NULL || fread(data, 1, (size_t)size, fp) != (size_t)size) {
		perror(argv[2]);
		return 1;
	}
	fclose(fp);
	msg = data;
	msg_len = (size_t)size;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	multi = curl_multi_init();
	curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, conns);
	curl_multi_setopt(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, conns);
	curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, conns);
	slots = calloc((size_t)conns, sizeof(*slots));
	t0 = now();
	for (long i = 0; i < conns && started < count; i++, started++) {
		struct slot *s = &slots[i];

		s->easy = curl_easy_init();
		s->rcpt = curl_slist_append(NULL, "<bench@example.org>");
		curl_easy_setopt(s->easy, CURLOPT_URL, argv[1]);
		curl_easy_setopt(s->easy, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(s->easy, CURLOPT_READFUNCTION, read_cb);
		curl_easy_setopt(s->easy, CURLOPT_READDATA, s);
		curl_easy_setopt(s->easy, CURLOPT_MAIL_FROM, "<bounces@metronorth.example>");
		curl_easy_setopt(s->easy, CURLOPT_MAIL_RCPT, s->rcpt);
		curl_easy_setopt(s->easy, CURLOPT_INFILESIZE_LARGE, (curl_off_t)msg_len);
		curl_easy_setopt(s->easy, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(s->easy, CURLOPT_PRIVATE, s);
		curl_multi_add_handle(multi, s->easy);
	}
	while (done < count) {
		CURLMsg *m;
		int left;

		curl_multi_poll(multi, NULL, 0, 1000, NULL);
		curl_multi_perform(multi, &running);
		while ((m = curl_multi_info_read(multi, &left)) != NULL) {
			struct slot *s;

			if (m->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&s);
			failed += m->data.result != CURLE_OK;
			done++;
			curl_multi_remove_handle(multi, s->easy);
			if (started < count) {
				s->off = 0;
				curl_multi_add_handle(multi, s->easy);
				started++;
			}
		}
	}
	printf("sent %ld in %.2f seconds = %.0f msg/s (%ld failed)\n", done - failed, now() - t0,
	       (double)(done - failed) / (now() - t0), failed);
	return failed ? 1 : 0;
}
