/*
 * maildir - delivery into a local Maildir (the default transport).
 * Unique names follow the Maildir convention: TIME.M<usec>P<pid>Q<n>R<rand>.HOST
 */
#include "maildir.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "buf.h"
#include "fsutil.h"

int
maildir_create(const char *dir, struct error *err)
{
	static const char *const sub[] = {"tmp", "new", "cur"};

	for (size_t i = 0; i < 3; i++) {
		char *p = xasprintf("%s/%s", dir, sub[i]);
		int rc = mkdir_p(p, 0750, err);

		free(p);
		if (rc < 0)
			return -1;
	}
	return 0;
}

static int
write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int
maildir_deliver(const char *dir, const char *envelope_from, const char *msg, size_t len,
                char **name_out, struct error *err)
{
	static unsigned long counter;
	char host[256] = "localhost", *name = NULL, *tmp = NULL, *dst = NULL, *newdir = NULL;
	struct buf out;
	struct timeval tv;
	unsigned int rnd;
	int fd = -1, rc = -1;

	gethostname(host, sizeof(host) - 1);
	host[strcspn(host, "/:")] = '\0';
	gettimeofday(&tv, NULL);
	random_bytes(&rnd, sizeof(rnd));
	name = xasprintf("%lld.M%ldP%ldQ%luR%08x.%s", (long long)tv.tv_sec, (long)tv.tv_usec,
	                 (long)getpid(), ++counter, rnd, host);
	tmp = xasprintf("%s/tmp/%s", dir, name);
	dst = xasprintf("%s/new/%s", dir, name);
	newdir = xasprintf("%s/new", dir);

	/* Local delivery form: LF line ends, the envelope sender as Return-Path. */
	buf_init(&out, len + 1024);
	buf_addf(&out, "Return-Path: <%s>\n", envelope_from ? envelope_from : "");
	for (size_t i = 0; i < len; i++)
		if (!(msg[i] == '\r' && i + 1 < len && msg[i + 1] == '\n'))
			buf_addc(&out, msg[i]);

	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
	if (fd < 0) {
		error_set(err, "maildir %s: create %s: %s", dir, tmp, strerror(errno));
		goto out;
	}
	if (write_all(fd, out.data, out.len) < 0 || fsync(fd) < 0) {
		error_set(err, "maildir %s: write %s: %s", dir, tmp, strerror(errno));
		goto out;
	}
	close(fd);
	fd = -1;
	if (rename(tmp, dst) < 0) {
		error_set(err, "maildir %s: rename into new/: %s", dir, strerror(errno));
		goto out;
	}
	if (fsync_dir(newdir, err) < 0)
		goto out;
	if (name_out) {
		*name_out = name;
		name = NULL;
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	if (rc < 0)
		unlink(tmp);
	buf_free(&out);
	free(name);
	free(tmp);
	free(dst);
	free(newdir);
	return rc;
}
