/*
 * files - the files a message carries: images its Markdown shows by a local
 * path, its attachments (attach:), the list's logo.  When a coordinator
 * previews or sends a document they are read from beside it, and on
 * sending kept in the store with the name the document used; the daemon,
 * composing later, finds them there by the document's SHA-256 and that
 * name, so the mail carries what was on disk when it was sent.
 */
#ifndef OUTREACH_FILES_H
#define OUTREACH_FILES_H

#include <stddef.h>

#include "store.h"
#include "util.h"

struct files {
	struct store *st;          /* for logos, and to keep or find a document's files */
	const char *dir;           /* the document's directory; NULL: the store only (daemon) */
	const char *doc_hash;      /* the document's SHA-256 hex, or NULL */
	int keep;                  /* keep what is read from dir in the store, under doc_hash */
};

/*
 * files_load - a compose_files loader (compose.h): name is a path as the
 * document wrote it (relative to its directory) or "file:HASH".  Errors
 * name the file: missing, too large, or of a type mail should not carry.
 */
int files_load(void *arg, const char *name, char **type, char **data, size_t *len,
               struct error *err);
/* files_type - the content type for a file name, by its extension; NULL if not carried. */
const char *files_type(const char *name);
/*
 * files_keep_path - read path (a logo: an image of at most max bytes) and
 * keep it in the store; its hash in *hash.
 */
int files_keep_path(struct store *st, const char *path, size_t max, char **hash,
                    struct error *err);

#endif
