/*
 * fsutil - directories, atomic file writes, whole-file reads.
 */
#include "fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int
mkdir_p(const char *path, mode_t mode, struct error *err)
{
	char *copy = xstrdup(path), *p;
	struct stat sb;
	int made = 0;

	for (p = copy + 1; ; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char saved = *p;

		*p = '\0';
		if (mkdir(copy, mode) == 0)
			made = 1;
		else if (errno != EEXIST || stat(copy, &sb) < 0 || !S_ISDIR(sb.st_mode)) {
			error_set(err, "mkdir %s: %s", copy, errno == EEXIST ? "not a directory" :
			          strerror(errno));
			free(copy);
			return -1;
		}
		*p = saved;
		if (saved == '\0')
			break;
	}
	free(copy);
	return made;
}

char *
path_dirname(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}

int
dir_writable(const char *path, struct error *err)
{
	char *probe = xasprintf("%s/.outreach-check.%ld", path, (long)getpid());
	struct stat sb;
	int fd;

	if (stat(path, &sb) < 0) {
		error_setk(err, ERR_IO, "%s: %s", path, strerror(errno));
		free(probe);
		return -1;
	}
	if (!S_ISDIR(sb.st_mode)) {
		error_setk(err, ERR_IO, "%s: not a directory", path);
		free(probe);
		return -1;
	}
	fd = open(probe, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		error_setk(err, ERR_IO, "%s: cannot create a file there: %s", path, strerror(errno));
		free(probe);
		return -1;
	}
	close(fd);
	unlink(probe);
	free(probe);
	return 0;
}

int
fsync_dir(const char *dir, struct error *err)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY);

	if (fd < 0)
		return error_set(err, "open %s: %s", dir, strerror(errno));
	if (fsync(fd) < 0 && errno != EINVAL) {
		error_set(err, "fsync %s: %s", dir, strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

int
write_file_atomic(const char *path, const void *data, size_t n, mode_t mode, struct error *err)
{
	char *tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
	char *dir = path_dirname(path);
	const char *p = data;
	int fd, rc = -1;

	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0) {
		error_set(err, "create %s: %s", tmp, strerror(errno));
		goto out;
	}
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			error_set(err, "write %s: %s", tmp, strerror(errno));
			goto out;
		}
		p += w;
		n -= (size_t)w;
	}
	if (fsync(fd) < 0) {
		error_set(err, "fsync %s: %s", tmp, strerror(errno));
		goto out;
	}
	if (close(fd) < 0) {
		fd = -1;
		error_set(err, "close %s: %s", tmp, strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) < 0) {
		error_set(err, "rename %s to %s: %s", tmp, path, strerror(errno));
		goto out;
	}
	rc = fsync_dir(dir, err);
out:
	if (fd >= 0)
		close(fd);
	if (rc < 0)
		unlink(tmp);
	free(tmp);
	free(dir);
	return rc;
}

int
read_file_reuse(const char *path, size_t max, char **buf, size_t *cap, size_t *len,
                struct error *err)
{
	struct stat sb;
	size_t n = 0, size = SIZE_MAX, want;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return error_set(err, "%s: %s", path, strerror(errno));
	/* The size is a hint (the file may grow while read): one byte more shows the end. */
	if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size >= 0 &&
	    (size_t)sb.st_size <= max) {
		size = (size_t)sb.st_size;
		if (*cap < size + 2) {
			*cap = size + 2;
			*buf = xrealloc(*buf, *cap);
		}
	}
	for (;;) {
		ssize_t got;

		if (*cap - n < 2) {
			*cap = *cap ? *cap * 2 : 8192;
			*buf = xrealloc(*buf, *cap);
		}
		want = *cap - n - 1;
		got = read(fd, *buf + n, want);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			error_set(err, "%s: %s", path, strerror(errno));
			goto fail;
		}
		n += (size_t)got;
		if (n > max) {
			error_set(err, "%s: larger than %zu bytes", path, max);
			goto fail;
		}
		/* A regular file read short of the room given ends there: no read for the EOF. */
		if (got == 0 || (n == size && (size_t)got < want))
			break;
	}
	close(fd);
	(*buf)[n] = '\0';
	*len = n;
	return 0;
fail:
	close(fd);
	return -1;
}

int
read_file(const char *path, size_t max, char **out, size_t *len, struct error *err)
{
	FILE *fp = fopen(path, "rb");
	char *data = NULL;
	size_t n = 0, cap = 0;

	if (fp == NULL)
		return error_set(err, "%s: %s", path, strerror(errno));
	for (;;) {
		size_t got;

		if (cap - n < 4096) {
			cap = cap ? cap * 2 : 8192;
			data = xrealloc(data, cap + 1);
		}
		got = fread(data + n, 1, cap - n, fp);
		n += got;
		if (n > max) {
			error_set(err, "%s: larger than %zu bytes", path, max);
			goto fail;
		}
		if (got == 0)
			break;
	}
	if (ferror(fp)) {
		error_set(err, "%s: %s", path, strerror(errno));
		goto fail;
	}
	fclose(fp);
	data[n] = '\0';
	*out = data;
	if (len)
		*len = n;
	return 0;
fail:
	fclose(fp);
	free(data);
	return -1;
}

int
read_dropped_file(const char *path, size_t max, char **out, size_t *len, struct error *err)
{
	struct stat sb;
	char *data = NULL;
	size_t n = 0, cap = 0;
	int fd;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		if (errno == ELOOP)
			return error_setk(err, ERR_INPUT, "%s: a symbolic link (not followed)", path);
		return error_setk(err, errno == ENOENT ? ERR_NOTFOUND : ERR_IO, "%s: %s", path,
		                  strerror(errno));
	}
	if (fstat(fd, &sb) < 0) {
		error_setk(err, ERR_IO, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if (!S_ISREG(sb.st_mode)) {
		error_setk(err, ERR_INPUT, "%s: not a regular file (%s)", path,
		           S_ISFIFO(sb.st_mode) ? "a FIFO" : S_ISDIR(sb.st_mode) ? "a directory" :
		           S_ISSOCK(sb.st_mode) ? "a socket" : "a device");
		goto fail;
	}
	for (;;) {
		ssize_t got;

		if (cap - n < 4096) {
			cap = cap ? cap * 2 : 8192;
			data = xrealloc(data, cap + 1);
		}
		got = read(fd, data + n, cap - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			error_setk(err, ERR_IO, "%s: %s", path, strerror(errno));
			goto fail;
		}
		if (got == 0)
			break;
		n += (size_t)got;
		if (n > max) {
			error_setk(err, ERR_INPUT, "%s: larger than %zu bytes", path, max);
			goto fail;
		}
	}
	close(fd);
	data[n] = '\0';
	*out = data;
	if (len)
		*len = n;
	return 0;
fail:
	close(fd);
	free(data);
	return -1;
}
