/*
 * spool - maildir-style spool transitions by rename(2).  See spool.h.
 */
#include "spool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "fsutil.h"

int
spool_init(const char *dir, struct error *err)
{
	static const char *const sub[] = {"tmp", "new", "cur", "failed"};

	for (size_t i = 0; i < 4; i++) {
		char *p = xasprintf("%s/%s", dir, sub[i]);
		int rc = mkdir_p(p, 0750, err);

		free(p);
		if (rc < 0)
			return -1;
	}
	return 0;
}

static int
move(const char *dir, const char *from, const char *to, const char *name, struct error *err)
{
	char *src = xasprintf("%s/%s/%s", dir, from, name);
	char *dst = xasprintf("%s/%s/%s", dir, to, name);
	char *todir = xasprintf("%s/%s", dir, to);
	int rc = 0;

	if (rename(src, dst) < 0)
		rc = error_set(err, "spool: rename %s to %s: %s", src, dst, strerror(errno));
	else
		rc = fsync_dir(todir, err);
	free(src);
	free(dst);
	free(todir);
	return rc;
}

int
spool_submit(const char *dir, const char *text, size_t len, char **name, struct error *err)
{
	struct timeval tv;
	unsigned int rnd;
	char *n, *tmp;
	int rc;

	gettimeofday(&tv, NULL);
	random_bytes(&rnd, sizeof(rnd));
	n = xasprintf("%lld.%06ld.%ld.%08x.md", (long long)tv.tv_sec, (long)tv.tv_usec,
	              (long)getpid(), rnd);
	tmp = xasprintf("%s/tmp/%s", dir, n);
	rc = write_file_atomic(tmp, text, len, 0640, err);
	free(tmp);
	if (rc == 0)
		rc = move(dir, "tmp", "new", n, err);
	if (rc < 0) {
		free(n);
		return -1;
	}
	*name = n;
	return 0;
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
spool_pending(const char *dir, char ***names, size_t *n, struct error *err)
{
	char *path = xasprintf("%s/new", dir);
	DIR *d = opendir(path);
	struct dirent *de;
	size_t cap = 0;

	*names = NULL;
	*n = 0;
	if (d == NULL) {
		error_set(err, "spool: %s: %s (run: outreach init)", path, strerror(errno));
		free(path);
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			*names = xrealloc(*names, cap * sizeof(char *));
		}
		(*names)[(*n)++] = xstrdup(de->d_name);
	}
	closedir(d);
	free(path);
	/* Names start with the submission time, so sorting gives arrival order. */
	if (*n > 1)
		qsort(*names, *n, sizeof(char *), cmp_names);
	return 0;
}

void
spool_names_free(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

int
spool_read(const char *dir, const char *name, char **text, size_t *len, struct error *err)
{
	char *path = xasprintf("%s/new/%s", dir, name);
	int rc = read_dropped_file(path, SPOOL_MAX_FILE, text, len, err);

	free(path);
	return rc;
}

int
spool_accept(const char *dir, const char *name, struct error *err)
{
	return move(dir, "new", "cur", name, err);
}

int
spool_reject(const char *dir, const char *name, const char *reason, struct error *err)
{
	char *path = xasprintf("%s/failed/%s.error", dir, name);
	char *text = xasprintf("%s\n", reason);
	int rc = write_file_atomic(path, text, strlen(text), 0640, err);

	free(path);
	free(text);
	if (rc < 0)
		return -1;
	return move(dir, "new", "failed", name, err);
}

const char *
spool_where(const char *dir, const char *name)
{
	static const char *const states[] = {"new", "cur", "failed"};
	struct stat sb;

	for (size_t i = 0; i < 3; i++) {
		char *p = xasprintf("%s/%s/%s", dir, states[i], name);
		int found = stat(p, &sb) == 0;

		free(p);
		if (found)
			return states[i];
	}
	return NULL;
}
