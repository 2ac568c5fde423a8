/*
 * json - the pieces of JSON outreach writes by hand (the data export, the
 * campaign report): strings and times, appended to a buf.
 */
#ifndef OUTREACH_JSON_H
#define OUTREACH_JSON_H

#include <stdint.h>

#include "buf.h"

/* json_str - s as a JSON string, control characters escaped; NULL as null. */
void json_str(struct buf *b, const char *s);
/* json_time - Unix time t as "YYYY-MM-DDTHH:MM:SSZ"; 0 or less as null. */
void json_time(struct buf *b, int64_t t);

#endif
