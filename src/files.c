/*
 * files - images, attachments and logos.  See files.h.
 */
#define _DEFAULT_SOURCE
#include "files.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fsutil.h"
#include "hash.h"

static const struct {
	const char *ext, *type;
} types[] = {
	{"png", "image/png"}, {"jpg", "image/jpeg"}, {"jpeg", "image/jpeg"},
	{"gif", "image/gif"}, {"webp", "image/webp"},
	{"pdf", "application/pdf"}, {"txt", "text/plain; charset=utf-8"},
	{"csv", "text/csv; charset=utf-8"}, {"ics", "text/calendar; charset=utf-8"},
	{"docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
	{"xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
	{"pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"},
	{"odt", "application/vnd.oasis.opendocument.text"},
};

const char *
files_type(const char *name)
{
	const char *dot = strrchr(name, '.');

	if (dot == NULL || strchr(dot, '/'))
		return NULL;
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcasecmp(dot + 1, types[i].ext) == 0)
			return types[i].type;
	return NULL;
}

/* read_local - path's bytes and type, checked. */
static int
read_local(const char *path, const char *shown, char **type, char **data, size_t *len,
           struct error *err)
{
	const char *t = files_type(path);

	if (t == NULL)
		return error_setk(err, ERR_INPUT, "%s: not a kind of file mail carries (png, jpg, "
		                  "gif, webp, pdf, txt, csv, ics, docx, xlsx, pptx, odt)", shown);
	if (read_file(path, FILE_MAX_BYTES, data, len, err) < 0)
		return error_prefix(err, "%s", shown);
	*type = xstrdup(t);
	return 0;
}

int
files_load(void *arg, const char *name, char **type, char **data, size_t *len,
           struct error *err)
{
	struct files *f = arg;
	char hash[HASH_HEX_LEN + 1], *path, *found = NULL;
	int rc;

	*type = *data = NULL;
	if (strncmp(name, "file:", 5) == 0)
		return store_file_get(f->st, name + 5, type, data, len, err);
	if (f->dir == NULL) {
		/* The daemon: what the coordinator's `send` kept under this document's name. */
		if (f->doc_hash == NULL || store_file_by_ref(f->st, f->doc_hash, name, &found, err) < 0)
			return -1;
		rc = store_file_get(f->st, found, type, data, len, err);
		free(found);
		return rc;
	}
	path = name[0] == '/' ? xstrdup(name) : xasprintf("%s/%s", f->dir, name);
	rc = read_local(path, name, type, data, len, err);
	free(path);
	if (rc < 0 || !f->keep)
		return rc;
	hash_sha256_hex(*data, *len, hash);
	if (store_file_put(f->st, hash, *type, *data, *len, err) < 0 ||
	    store_file_ref(f->st, f->doc_hash, name, hash, err) < 0) {
		free(*type);
		free(*data);
		*type = *data = NULL;
		return -1;
	}
	return 0;
}

int
files_keep_path(struct store *st, const char *path, size_t max, char **hash,
                struct error *err)
{
	char *type = NULL, *data = NULL, hex[HASH_HEX_LEN + 1];
	size_t len;
	int rc = -1;

	*hash = NULL;
	if (read_local(path, path, &type, &data, &len, err) < 0)
		return -1;
	if (strncmp(type, "image/", 6) != 0) {
		error_setk(err, ERR_INPUT, "%s is %s, not an image", path, type);
		goto out;
	}
	if (len > max) {
		error_setk(err, ERR_INPUT, "%s is %zu KB, over the %zu KB a logo may be", path,
		           len >> 10, max >> 10);
		goto out;
	}
	hash_sha256_hex(data, len, hex);
	if (store_file_put(st, hex, type, data, len, err) < 0)
		goto out;
	*hash = xstrdup(hex);
	rc = 0;
out:
	free(type);
	free(data);
	return rc;
}
