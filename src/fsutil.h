/*
 * fsutil - the filesystem steps that crash safety rests on: directories made
 * as needed, and files written whole or not at all (write to a temporary
 * name with O_EXCL, fsync, rename(2) into place, fsync the directory).
 */
#ifndef OUTREACH_FSUTIL_H
#define OUTREACH_FSUTIL_H

#include <stddef.h>
#include <sys/types.h>

#include "util.h"

/* mkdir_p - make path and its parents (mode for the ones made); 1 if made, 0 if there. */
int mkdir_p(const char *path, mode_t mode, struct error *err);
/* fsync_dir - fsync the directory holding path (or path itself if a directory). */
int fsync_dir(const char *dir, struct error *err);
/*
 * write_file_atomic - make path hold exactly data[0..n), with mode, whatever
 * happens: a crash leaves the old contents or the new, never a mix.
 */
int write_file_atomic(const char *path, const void *data, size_t n, mode_t mode,
                      struct error *err);
/* path_dirname - the directory part of path, "." if none (caller frees). */
char *path_dirname(const char *path);
/*
 * dir_writable - whether this process can create files in the directory
 * path: by making and removing one (permission bits alone say nothing to
 * root, nor of a read-only mount).  -1 with err naming path and why.
 */
int dir_writable(const char *path, struct error *err);
/* read_file - whole file into *out (NUL-terminated), refusing files over max bytes. */
int read_file(const char *path, size_t max, char **out, size_t *len, struct error *err);
/*
 * read_file_reuse - read_file into a buffer the caller keeps across calls
 * (*buf of *cap bytes, both 0 at first; free(*buf) when done), grown as
 * needed: reading many files costs one allocation, not one each.
 */
int read_file_reuse(const char *path, size_t max, char **buf, size_t *cap, size_t *len,
                    struct error *err);
/*
 * read_dropped_file - read_file for a file someone else put in our
 * directory: a symbolic link is not followed, and anything but a regular
 * file (a FIFO would block, a device could be anything) is refused
 * unopened, ERR_INPUT with the reason.
 */
int read_dropped_file(const char *path, size_t max, char **out, size_t *len, struct error *err);

#endif
