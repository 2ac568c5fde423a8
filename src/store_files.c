/*
 * store_files - files kept by their SHA-256 (logos, the images a document
 * shows, its attachments) and what each document meant by each file name.
 */
#include <stdlib.h>
#include <string.h>

#include "store_impl.h"

int
store_file_put(struct store *st, const char *hash, const char *content_type, const void *data,
               size_t len, struct error *err)
{
	static const char sql[] =
		"INSERT OR IGNORE INTO files (hash, content_type, data, created_at) VALUES (?,?,?,?)";
	sqlite3_stmt *s = store_stmt(st, sql, err);

	if (s == NULL)
		return -1;
	if (len > FILE_MAX_BYTES)
		return error_setk(err, ERR_INPUT, "a file of %zu bytes (at most %d)", len,
		                  FILE_MAX_BYTES);
	store_bind_text(s, 1, hash);
	store_bind_text(s, 2, content_type);
	sqlite3_bind_blob(s, 3, data, (int)len, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, now_unix());
	return store_step_done(st, s, err, "keeping a file");
}

int
store_file_get(struct store *st, const char *hash, char **type, char **data, size_t *len,
               struct error *err)
{
	static const char sql[] = "SELECT content_type, data FROM files WHERE hash = ?";
	sqlite3_stmt *s = store_stmt(st, sql, err);
	int rc, n;

	*type = *data = NULL;
	*len = 0;
	if (s == NULL)
		return -1;
	store_bind_text(s, 1, hash);
	if ((rc = store_row(st, s, err, "reading a file")) < 0)
		return -1;
	if (rc == 0)
		return error_setk(err, ERR_NOTFOUND, "no file %.12s...", hash);
	*type = store_col_text(s, 0);
	n = sqlite3_column_bytes(s, 1);
	*data = xmalloc((size_t)n + 1);
	if (n > 0)
		memcpy(*data, sqlite3_column_blob(s, 1), (size_t)n);
	*len = (size_t)n;
	sqlite3_reset(s);
	return 0;
}

int
store_file_ref(struct store *st, const char *doc_hash, const char *name, const char *file_hash,
               struct error *err)
{
	static const char sql[] =
		"INSERT INTO file_refs (doc_hash, name, file_hash) VALUES (?1, ?2, ?3)"
		" ON CONFLICT (doc_hash, name) DO UPDATE SET file_hash = excluded.file_hash";
	sqlite3_stmt *s = store_stmt(st, sql, err);

	if (s == NULL)
		return -1;
	store_bind_text(s, 1, doc_hash);
	store_bind_text(s, 2, name);
	store_bind_text(s, 3, file_hash);
	return store_step_done(st, s, err, "recording a document's file");
}

int
store_file_by_ref(struct store *st, const char *doc_hash, const char *name, char **hash,
                  struct error *err)
{
	static const char sql[] = "SELECT file_hash FROM file_refs WHERE doc_hash = ? AND name = ?";
	sqlite3_stmt *s = store_stmt(st, sql, err);
	int rc;

	*hash = NULL;
	if (s == NULL)
		return -1;
	store_bind_text(s, 1, doc_hash);
	store_bind_text(s, 2, name);
	if ((rc = store_row(st, s, err, "reading a document's file")) < 0)
		return -1;
	if (rc == 0)
		return error_setk(err, ERR_NOTFOUND, "%s: a local file that was not sent with the "
		                  "document (send it with `outreach send`, which takes its files along)",
		                  name);
	*hash = store_col_text(s, 0);
	sqlite3_reset(s);
	return 0;
}
