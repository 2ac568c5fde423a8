/*
 * bounce_decode - base64 and quoted-printable bodies decoded for the bounce
 * parser exactly as libetpan's mailmime_part_parse decodes them, into a
 * buffer the caller reuses.  libetpan builds each decoded part in a fresh
 * string registered in its global string table, one append at a time;
 * the parts of every bounce go through here.  The decoders below follow
 * libetpan's byte for byte, quirks included (a short last base64 group
 * still gives a byte; "=" and a line break at the very end are dropped).
 * One case is left to libetpan: a body that ends in '=' and a byte other
 * than a line break makes it read a byte past the body (bdec_part
 * returns -1).
 */
#include "bounce_scan.h"

#include <libetpan/libetpan.h>

/* b64_value - a base64 digit's value, or -1 for anything else ('=' included). */
static int
b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	return c == '+' ? 62 : c == '/' ? 63 : -1;
}

static void
base64(const char *p, size_t n, struct buf *out)
{
	unsigned chunk[4] = {0, 0, 0, 0};
	unsigned char o[3];
	int k = 0, v;

	for (size_t i = 0; i < n; i++) {
		if ((v = b64_value((unsigned char)p[i])) < 0)
			continue;
		chunk[k++] = (unsigned)v;
		if (k == 4) {
			o[0] = (unsigned char)(chunk[0] << 2 | chunk[1] >> 4);
			o[1] = (unsigned char)(chunk[1] << 4 | chunk[2] >> 2);
			o[2] = (unsigned char)(chunk[2] << 6 | chunk[3]);
			buf_add(out, o, 3);
			chunk[0] = chunk[1] = chunk[2] = chunk[3] = 0;
			k = 0;
		}
	}
	/* libetpan writes one byte for a group of one or two digits, two for three. */
	if (k > 0) {
		o[0] = (unsigned char)(chunk[0] << 2 | chunk[1] >> 4);
		o[1] = (unsigned char)(chunk[1] << 4 | chunk[2] >> 2);
		buf_add(out, o, k >= 3 ? 2 : 1);
	}
}

/*
 * quoted_printable - libetpan's decoder: line breaks (LF, CRLF or a lone
 * CR) become CRLF, "=" and a line break vanish, "=XY" is the byte XY with
 * anything not a hex digit read as 0, and an "=" too near the end to be
 * either is taken as it is.
 */
static void
quoted_printable(const char *p, size_t n, struct buf *out)
{
	size_t i = 0, start = 0, count = 0;
	enum { NORMAL, CODED, CR } state = NORMAL;

	while (i < n) {
		if (state == CODED) {
			buf_add(out, p + start, count);
			count = 0;
			if (i + 1 >= n) {
				/* A last '=': kept. */
				state = NORMAL;
				start = i++;
				count++;
			} else if (p[i + 1] == '\n') {
				i += 2;
				start = i;
				state = NORMAL;
			} else if (p[i + 1] == '\r') {
				if (i + 2 >= n)
					return;
				i += p[i + 2] == '\n' ? 3 : 2;
				start = i;
				state = NORMAL;
			} else {
				int hi = hex_digit(p[i + 1]), lo = hex_digit(p[i + 2]);
				char c = (char)((hi < 0 ? 0 : hi) << 4 | (lo < 0 ? 0 : lo));

				/* i + 2 < n: bdec_part left the other case to libetpan. */
				buf_add(out, &c, 1);
				i += 3;
				start = i;
				state = NORMAL;
			}
		} else if (state == CR) {
			buf_add(out, p + start, count);
			count = 0;
			buf_add(out, "\r\n", 2);
			if (p[i] == '\n')
				i++;
			start = i;
			state = NORMAL;
		} else if (p[i] == '=') {
			state = CODED;
		} else if (p[i] == '\n') {
			buf_add(out, p + start, count);
			count = 0;
			buf_add(out, "\r\n", 2);
			start = ++i;
		} else if (p[i] == '\r') {
			state = CR;
			i++;
		} else {
			count++;
			i++;
		}
	}
	buf_add(out, p + start, count);
}

int
bdec_part(const char *p, size_t n, int enc, struct buf *out)
{
	buf_reset(out);
	buf_add(out, "", 0);
	if (enc == MAILMIME_MECHANISM_BASE64) {
		base64(p, n, out);
		return 0;
	}
	/* "=X" at the end, X no line break: libetpan takes X and the byte after the body. */
	if (n >= 2 && p[n - 2] == '=' && p[n - 1] != '\n' && p[n - 1] != '\r')
		return -1;
	quoted_printable(p, n, out);
	return 0;
}
