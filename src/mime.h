/*
 * mime - the encodings of RFC 2045-2047 and RFC 5322 that a composed
 * message needs, appended to a struct buf with CRLF line ends.
 *
 * Body encodings keep every line within 76 octets.  Header fields are folded
 * at white space before 78 columns where the words allow, and never past 998.
 * Text with non-ASCII, control characters or "=?" becomes RFC 2047
 * encoded-words (UTF-8, B encoding) of at most 75 columns, split only at
 * character boundaries.  Display names are quoted when they hold specials.
 * Nothing here lets a CR or LF from a value into a header: callers have
 * refused them, and these functions check again.
 *
 * Each function returns 0, or -1 with the buffer as it was on entry: for
 * BUF_TOO_BIG, a CR or LF in a value, or a value that cannot be written as
 * asked (noted below).
 */
#ifndef OUTREACH_MIME_H
#define OUTREACH_MIME_H

#include <stddef.h>

#include "buf.h"

enum { MIME_BOUNDARY_LEN = 40 };

/*
 * mime_header - "Name: value\r\n", value unstructured text (Subject), encoded
 * and folded.  -1 if value is not UTF-8.
 */
int mime_header(struct buf *out, const char *name, const char *value);
/*
 * mime_header_raw - "Name: value\r\n" for an ASCII structured value, folded at
 * spaces.  -1 for non-ASCII or control characters, or a word so long that a
 * line would pass 998 octets.
 */
int mime_header_raw(struct buf *out, const char *name, const char *value);
/*
 * mime_header_mailbox - "Name: Display <addr>\r\n" with the display name
 * quoted or encoded as needed; "Name: addr\r\n" when display is NULL or "".
 * -1 if display is not UTF-8, or addr is empty or holds white space, control
 * or non-ASCII characters, '<' or '>'.
 */
int mime_header_mailbox(struct buf *out, const char *name, const char *display, const char *addr);
/*
 * mime_qp - body text as quoted-printable (input LF or CRLF; output CRLF).
 * The output ends with CRLF only if the input ends with a line break; a lone
 * CR is data (=0D); no output line starts with "From ".
 */
int mime_qp(struct buf *out, const char *data, size_t len);
/*
 * mime_qp_piece - mime_qp for one piece of a body encoded on its own: with
 * soft_end, a piece that does not end with a line break ends with a soft
 * break ("=" CRLF), so pieces encoded apart and written one after another
 * decode to the text they make together.  Lines start at column 0.
 */
int mime_qp_piece(struct buf *out, const char *data, size_t len, int soft_end);
/* mime_base64 - data as base64, 76 columns, every line ending CRLF; nothing for no data. */
int mime_base64(struct buf *out, const char *data, size_t len);
/* mime_boundary - a fresh random boundary, NUL-terminated, MIME_BOUNDARY_LEN chars. */
void mime_boundary(char out[MIME_BOUNDARY_LEN + 1]);
/*
 * mime_date - the whole Date field for t, in UTC whatever the locale:
 * "Date: Sun, 22 Nov 2026 23:05:00 +0000\r\n".  -1 for years outside 1900-9999.
 */
int mime_date(struct buf *out, long long t);

#endif
