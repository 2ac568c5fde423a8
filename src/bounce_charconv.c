/*
 * bounce_charconv - the character set conversion libetpan does for the
 * bounce parser, with its iconv descriptors kept open.  libetpan opens and
 * closes an iconv descriptor for every word of every Content-Description
 * and encoded Subject, and for every text part: glibc looks the converter
 * up in its module cache each time, which cost more than the rest of the
 * conversion.  bconv_install() sets libetpan's extended_charconv hook to a
 * conversion that is libetpan's own (same iconv calls, same '?' for every
 * byte iconv refuses, same output limit) but takes its descriptor from a
 * small table.  A charset iconv does not know is reported as libetpan
 * reports it; nothing here can fail otherwise.
 */
#include "bounce_scan.h"

#include <errno.h>
#include <iconv.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libetpan/libetpan.h>

#include "util.h"

enum {
	CONV_SLOTS = 8,            /* descriptors kept: a few charsets are most of the mail */
};

struct conv_slot {
	char *to, *from;           /* as libetpan names them, NULL while the slot is free */
	iconv_t cd;
};

static struct conv_slot slots[CONV_SLOTS];
static size_t next_evict;
/* The table is shared; a conversion holds the lock throughout (they are short). */
static pthread_mutex_t conv_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t install_once = PTHREAD_ONCE_INIT;

/* slot_for - the open descriptor for to/from, opened and filed if need be; NULL if unknown. */
static struct conv_slot *
slot_for(const char *to, const char *from)
{
	struct conv_slot *sl;
	iconv_t cd;

	for (size_t i = 0; i < CONV_SLOTS; i++)
		if (slots[i].to && strcasecmp(slots[i].from, from) == 0 &&
		    strcasecmp(slots[i].to, to) == 0) {
			/* Back to the initial shift state, as a freshly opened one is. */
			iconv(slots[i].cd, NULL, NULL, NULL, NULL);
			return &slots[i];
		}
	if ((cd = iconv_open(to, from)) == (iconv_t)-1)
		return NULL;
	sl = &slots[next_evict];
	next_evict = (next_evict + 1) % CONV_SLOTS;
	if (sl->to) {
		iconv_close(sl->cd);
		free(sl->to);
		free(sl->from);
	}
	sl->to = xstrdup(to);
	sl->from = xstrdup(from);
	sl->cd = cd;
	return sl;
}

/*
 * convert - libetpan's mail_iconv with its arguments: where iconv stops at
 * a byte it cannot convert, write '?' and go on after it; stop at anything
 * else (an incomplete character at the end, the output full).
 */
static void
convert(iconv_t cd, const char *in, size_t inlen, char *out, size_t *outlen)
{
	char *ib = (char *)in, *ob = out;
	size_t ibl = inlen, obl = *outlen;

	for (;;) {
		iconv(cd, &ib, &ibl, &ob, &obl);
		if (ibl && obl && errno == EILSEQ) {
			*ob++ = '?';
			obl--;
			ib++;
			ibl--;
			continue;
		}
		break;
	}
	*outlen = (size_t)(ob - out);
}

/* bconv - libetpan's extended_charconv: result has room for *result_len bytes. */
static int
bconv(const char *tocode, const char *fromcode, const char *str, size_t length, char *result,
      size_t *result_len)
{
	struct conv_slot *sl;
	size_t i;

	/*
	 * ASCII read as ASCII or UTF-8 and written as UTF-8 comes out as it
	 * went in: most words of most headers, with no iconv call at all.
	 */
	for (i = 0; i < length && (unsigned char)str[i] < 0x80; i++)
		;
	if (i == length && length <= *result_len && strcasecmp(tocode, "utf-8") == 0 &&
	    (strcasecmp(fromcode, "us-ascii") == 0 || strcasecmp(fromcode, "utf-8") == 0)) {
		memcpy(result, str, length);
		*result_len = length;
		return MAIL_CHARCONV_NO_ERROR;
	}
	pthread_mutex_lock(&conv_lock);
	if ((sl = slot_for(tocode, fromcode)) == NULL) {
		pthread_mutex_unlock(&conv_lock);
		return MAIL_CHARCONV_ERROR_UNKNOWN_CHARSET;
	}
	convert(sl->cd, str, length, result, result_len);
	pthread_mutex_unlock(&conv_lock);
	return MAIL_CHARCONV_NO_ERROR;
}

static void
install(void)
{
	extended_charconv = bconv;
}

void
bconv_install(void)
{
	pthread_once(&install_once, install);
}
