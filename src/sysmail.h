/*
 * sysmail - mail outreach sends on its own behalf: the confirmation request
 * of double opt-in (templates/confirm), the probe sent before a bouncing
 * address is disabled (templates/probe), and the links a subscriber asks
 * for in the preference centre to export or erase their data
 * (templates/data-export, data-erase), sent to the address itself because
 * newsletters get forwarded.
 *
 * Each kind is a standing campaign per list, whose document (front matter
 * naming the template, no body) is made here; queueing one message is
 * adding a delivery to it, so it leaves through the queue with the same
 * retries, crash safety and bounce tracing as any campaign's mail.
 */
#ifndef OUTREACH_SYSMAIL_H
#define OUTREACH_SYSMAIL_H

#include <stdint.h>

#include "store.h"
#include "util.h"

enum sysmail_kind { SYSMAIL_CONFIRM, SYSMAIL_PROBE, SYSMAIL_EXPORT, SYSMAIL_ERASE };

/*
 * sysmail_queue - queue a message of kind to subscriber_id about list_id,
 * in the caller's transaction if one is open.  *queued is 0 when one is
 * already waiting or went out recently (an hour for a confirmation or a
 * data request, a week for a probe), so repeating a request does not
 * repeat the mail.
 */
int sysmail_queue(struct store *st, int64_t list_id, int kind, int64_t subscriber_id,
                  int *queued, struct error *err);

/*
 * sysmail_needs_unsubscribe - whether mail made from the template name
 * carries an unsubscribe link: all but the confirmation request and the
 * data-export and data-erase links, which go only to an address that asked
 * for them and are about that request alone.
 */
int sysmail_needs_unsubscribe(const char *template_name);
/* sysmail_kind_name - "confirm", "probe", "export" or "erase", the campaign kind. */
const char *sysmail_kind_name(int kind);

#endif
