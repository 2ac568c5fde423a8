/*
 * sysmail - confirmation requests and bounce probes.  See sysmail.h.
 */
#include "sysmail.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"

enum { CONFIRM_GAP = 3600, PROBE_GAP = 7 * 86400 };

static const struct {
	const char *kind, *template_name, *subject;
	int64_t min_gap;
} kinds[] = {
	[SYSMAIL_CONFIRM] = {"confirm", "confirm", "Please confirm your subscription to ",
	                     CONFIRM_GAP},
	[SYSMAIL_PROBE] = {"probe", "probe", "Checking your address for ", PROBE_GAP},
	[SYSMAIL_EXPORT] = {"export", "data-export", "Your data held by ", CONFIRM_GAP},
	[SYSMAIL_ERASE] = {"erase", "data-erase", "Erasing your data held by ", CONFIRM_GAP},
};

const char *
sysmail_kind_name(int kind)
{
	return kinds[kind].kind;
}

/* yaml_quoted - s as a YAML double-quoted scalar (list names may hold any character). */
static int
yaml_quoted(struct buf *b, const char *s)
{
	int bad = buf_adds(b, "\"") != BUF_OK;

	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			bad |= buf_addf(b, "\\%c", *s) != BUF_OK;
		else if ((unsigned char)*s < 0x20)
			bad |= buf_addf(b, "\\x%02x", (unsigned char)*s) != BUF_OK;
		else
			bad |= buf_add(b, s, 1) != BUF_OK;
	}
	return bad | (buf_adds(b, "\"") != BUF_OK);
}

int
sysmail_queue(struct store *st, int64_t list_id, int kind, int64_t subscriber_id, int *queued,
              struct error *err)
{
	struct list_info list = {0};
	struct buf doc, subject;
	int64_t campaign;
	int rc = -1;

	*queued = 0;
	buf_init(&doc, 64 << 10);
	buf_init(&subject, 64 << 10);
	if (store_list_get_id(st, list_id, &list, err) < 0)
		goto out;
	if (buf_addf(&subject, "%s%s", kinds[kind].subject, list.name) != BUF_OK ||
	    buf_addf(&doc, "---\nlist: %s\nsubject: ", list.slug) != BUF_OK ||
	    yaml_quoted(&doc, buf_cstr(&subject)) ||
	    buf_addf(&doc, "\ntemplate: %s\n---\n", kinds[kind].template_name) != BUF_OK) {
		error_set(err, "list %s: name too long for a %s message", list.slug, kinds[kind].kind);
		goto out;
	}
	if (store_system_campaign(st, list_id, kinds[kind].kind, buf_cstr(&subject), buf_cstr(&doc),
	                          &campaign, err) < 0 ||
	    store_system_enqueue(st, campaign, subscriber_id, kinds[kind].min_gap, queued, err) < 0)
		goto out;
	rc = 0;
out:
	list_info_free(&list);
	buf_free(&doc);
	buf_free(&subject);
	return rc;
}

int
sysmail_needs_unsubscribe(const char *template_name)
{
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (i != SYSMAIL_PROBE && strcmp(kinds[i].template_name, template_name) == 0)
			return 0;
	return 1;
}
