/*
 * store_backup - copies of the whole database: an online backup while other
 * processes write (SQLite's backup API reads one consistent snapshot), the
 * check that a file is an outreach database this build can open, and the
 * restore that puts such a file in the database's place.
 *
 * Neither a backup nor a restore is ever seen half-written: both are
 * written to a temporary file beside the target, synced, checked, and then
 * linked or renamed into place, and the directory synced.  A backup is one
 * self-contained file (journal mode DELETE, no -wal beside it).  A restore
 * removes the old database's -wal and -shm before the rename, since SQLite
 * would otherwise replay the old database's log over the new file.  The
 * caller of store_restore holds the daemon's lock, so nothing has the
 * database open meanwhile.  Errors are ERR_DB (SQLite), ERR_IO (files),
 * ERR_INPUT (not an outreach database, or a newer one) and ERR_CONFLICT (the
 * backup file exists).
 */
#define _DEFAULT_SOURCE
#include "store_impl.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"

/* file_error - set err (kind) from a connection that may be NULL. */
static int
file_error(sqlite3 *db, int rc, const char *path, const char *what, struct error *err)
{
	return error_setk(err, ERR_DB, "database %s: %s: %s", path, what,
	                  db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
}

static int
exec_on(sqlite3 *db, const char *path, const char *sql, const char *what, struct error *err)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		error_setk(err, ERR_DB, "database %s: %s: %s", path, what, msg ? msg : "failed");
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

/*
 * integrity - PRAGMA integrity_check on db: 0, or -1 with its first
 * complaint (and how many more there are) in err.
 */
static int
integrity(sqlite3 *db, const char *path, struct error *err)
{
	sqlite3_stmt *s = NULL;
	char *first = NULL;
	int rc, n = 0;

	if (sqlite3_prepare_v2(db, "PRAGMA integrity_check(100)", -1, &s, NULL) != SQLITE_OK)
		return file_error(db, 0, path, "integrity check", err);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *line = (const char *)sqlite3_column_text(s, 0);

		if (line && strcmp(line, "ok") == 0)
			continue;
		if (n++ == 0)
			first = xstrdup(line ? line : "?");
	}
	if (rc != SQLITE_DONE)
		file_error(db, 0, path, "integrity check", err);
	else if (n > 0)
		error_setk(err, ERR_DB, "database %s fails its integrity check: %s%s", path, first,
		           n > 1 ? " (and more)" : "");
	sqlite3_finalize(s);
	free(first);
	return rc != SQLITE_DONE || n > 0 ? -1 : 0;
}

/* outreach_version - the schema version of an outreach database, or -1 with err. */
static int
outreach_version(sqlite3 *db, const char *path, struct error *err)
{
	sqlite3_stmt *s = NULL;
	int version = -1, tables = 0;

	if (sqlite3_prepare_v2(db, "SELECT (SELECT user_version FROM pragma_user_version), "
	                       "(SELECT count(*) FROM sqlite_master WHERE type = 'table' AND "
	                       "name IN ('lists', 'subscribers', 'campaigns'))",
	                       -1, &s, NULL) != SQLITE_OK)
		return file_error(db, 0, path, "reading schema version", err);
	if (sqlite3_step(s) == SQLITE_ROW) {
		version = sqlite3_column_int(s, 0);
		tables = sqlite3_column_int(s, 1);
	} else
		file_error(db, 0, path, "reading schema version", err);
	sqlite3_finalize(s);
	if (version < 0)
		return -1;
	if (version < 1 || tables != 3)
		return error_setk(err, ERR_INPUT, "%s is an SQLite database but not outreach's", path);
	if (version > store_latest_version())
		return error_setk(err, ERR_INPUT, "%s has schema version %d, newer than this "
		                  "outreach understands (%d): use the outreach that wrote it",
		                  path, version, store_latest_version());
	return version;
}

int
store_check_file(const char *path, int *version, struct error *err)
{
	sqlite3 *db = NULL;
	struct stat sb;
	int rc, v = -1;

	if (stat(path, &sb) < 0)
		return error_setk(err, errno == ENOENT ? ERR_NOTFOUND : ERR_IO, "%s: %s", path,
		                  strerror(errno));
	if (!S_ISREG(sb.st_mode))
		return error_setk(err, ERR_INPUT, "%s: not a regular file", path);
	rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		file_error(db, rc, path, "opening", err);
		goto out;
	}
	sqlite3_busy_timeout(db, 10000);
	sqlite3_extended_result_codes(db, 1);
	/* A file that is not a database fails here ("file is not a database"). */
	if ((v = outreach_version(db, path, err)) >= 0 && integrity(db, path, err) < 0)
		v = -1;
	if (v >= 0 && version)
		*version = v;
out:
	sqlite3_close(db);
	return v >= 0 ? 0 : -1;
}

/* sync_file - fsync path's data. */
static int
sync_file(const char *path, struct error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return error_setk(err, ERR_IO, "open %s: %s", path, strerror(errno));
	if (fsync(fd) < 0) {
		error_setk(err, ERR_IO, "fsync %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/*
 * copy_into - the whole of src (an open connection) into a new file at
 * tmp, in one backup step so it is one snapshot; the copy is left in
 * journal mode DELETE, checked and synced.
 */
static int
copy_into(sqlite3 *src, const char *src_path, const char *tmp, struct error *err)
{
	sqlite3_backup *b;
	sqlite3 *dst = NULL;
	int rc;

	if (unlink(tmp) < 0 && errno != ENOENT)
		return error_setk(err, ERR_IO, "remove %s: %s", tmp, strerror(errno));
	rc = sqlite3_open_v2(tmp, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
	                     SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		file_error(dst, rc, tmp, "creating", err);
		goto fail;
	}
	sqlite3_busy_timeout(src, 10000);
	b = sqlite3_backup_init(dst, "main", src, "main");
	if (b == NULL) {
		file_error(dst, 0, tmp, "starting the copy", err);
		goto fail;
	}
	/* -1: every page under one read transaction, so the copy is one moment's state. */
	do
		rc = sqlite3_backup_step(b, -1);
	while (rc == SQLITE_BUSY || rc == SQLITE_LOCKED ? (sqlite3_sleep(50), 1) : 0);
	sqlite3_backup_finish(b);
	if (rc != SQLITE_DONE) {
		error_setk(err, ERR_DB, "database %s: copying into %s: %s", src_path, tmp,
		           sqlite3_errstr(rc));
		goto fail;
	}
	if (exec_on(dst, tmp, "PRAGMA journal_mode = DELETE", "leaving WAL mode", err) < 0 ||
	    integrity(dst, tmp, err) < 0)
		goto fail;
	if (sqlite3_close(dst) != SQLITE_OK) {
		file_error(dst, 0, tmp, "closing", err);
		dst = NULL;
		goto fail;
	}
	dst = NULL;
	if (sync_file(tmp, err) < 0)
		goto fail;
	return 0;
fail:
	sqlite3_close(dst);
	unlink(tmp);
	return -1;
}

int
store_backup(struct store *st, const char *path, int force, struct error *err)
{
	char *tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
	char *dir = path_dirname(path);
	struct stat sb;
	int rc = -1;

	if (!force && lstat(path, &sb) == 0) {
		error_setk(err, ERR_CONFLICT, "%s exists (give --force to replace it)", path);
		goto out;
	}
	if (copy_into(st->db, st->path, tmp, err) < 0)
		goto out;
	/* Every subscriber's address is in it: for the owner's eyes only. */
	if (chmod(tmp, 0600) < 0) {
		error_setk(err, ERR_IO, "chmod %s: %s", tmp, strerror(errno));
		unlink(tmp);
		goto out;
	}
	/* link() refuses an existing name, so a file made meanwhile is not overwritten. */
	if (force ? rename(tmp, path) < 0 : link(tmp, path) < 0) {
		error_setk(err, errno == EEXIST ? ERR_CONFLICT : ERR_IO, "%s: %s", path,
		           errno == EEXIST ? "exists (give --force to replace it)" : strerror(errno));
		unlink(tmp);
		goto out;
	}
	if (!force)
		unlink(tmp);
	rc = fsync_dir(dir, err);
out:
	free(tmp);
	free(dir);
	return rc;
}

int
store_restore(const char *src, const char *db_path, struct error *err)
{
	char *tmp = xasprintf("%s.restore.%ld", db_path, (long)getpid());
	char *wal = xasprintf("%s-wal", db_path), *shm = xasprintf("%s-shm", db_path);
	char *dir = path_dirname(db_path);
	sqlite3 *db = NULL;
	int rc = -1, orc;

	if (store_check_file(src, NULL, err) < 0)
		goto out;
	orc = sqlite3_open_v2(src, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);
	if (orc != SQLITE_OK) {
		file_error(db, orc, src, "opening", err);
		goto out;
	}
	if (copy_into(db, src, tmp, err) < 0)
		goto out;
	/* The old database's log must not be replayed over the restored file. */
	for (int i = 0; i < 2; i++)
		if (unlink(i ? shm : wal) < 0 && errno != ENOENT) {
			error_setk(err, ERR_IO, "remove %s: %s", i ? shm : wal, strerror(errno));
			unlink(tmp);
			goto out;
		}
	if (rename(tmp, db_path) < 0) {
		error_setk(err, ERR_IO, "rename %s to %s: %s", tmp, db_path, strerror(errno));
		unlink(tmp);
		goto out;
	}
	rc = fsync_dir(dir, err);
out:
	sqlite3_close(db);
	free(tmp);
	free(wal);
	free(shm);
	free(dir);
	return rc;
}
