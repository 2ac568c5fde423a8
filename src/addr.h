/*
 * addr - email address syntax and normalisation.
 *
 * An address is accepted when it is an RFC 5321 Mailbox: a Dot-string or
 * Quoted-string local part of at most 64 octets, '@', and a domain of
 * LDH labels (at most 63 octets each, 253 in all) or an address literal
 * ([IPv4] or [IPv6:...]); at most 254 octets in all.  UTF-8 in the local
 * part (RFC 6531) is accepted when well-formed.  Normalising lower-cases
 * the domain only: the local part is the recipient server's to interpret.
 * CR, LF and NUL are never accepted anywhere (header injection).
 */
#ifndef OUTREACH_ADDR_H
#define OUTREACH_ADDR_H

#include <stddef.h>

enum { ADDR_MAX = 254, ADDR_LOCAL_MAX = 64, ADDR_DOMAIN_MAX = 253, ADDR_LABEL_MAX = 63 };

/*
 * addr_normalize - validate s as a mailbox and return its normalised form in
 * *out (caller frees).  Surrounding white space is ignored.  Returns 0, or -1
 * with *why set to a static, human reason ("missing '@'", "local part longer
 * than 64 octets", "domain label starts with '-'", ...).
 */
int addr_normalize(const char *s, char **out, const char **why);

/* addr_valid - addr_normalize without the copy. */
int addr_valid(const char *s, const char **why);

/* addr_domain - pointer to the domain part of a valid address (after the last '@'). */
const char *addr_domain(const char *addr);

/*
 * addr_parse_mailbox - split "Display Name <user@example.org>", "<user@x>" or
 * a bare "user@x" into a display name (*name, NULL when absent; quotes and
 * quoted-pair escapes removed) and a normalised address (*addr).  Both are
 * freshly allocated.  Returns 0, or -1 with *why set.
 */
int addr_parse_mailbox(const char *s, char **name, char **addr, const char **why);

#endif
