/*
 * addr - email address syntax and normalisation.
 *
 * An address is accepted when it is an RFC 5321 Mailbox: a Dot-string or
 * Quoted-string local part of at most 64 octets, '@', and a domain of
 * LDH labels (at most 63 octets each, 253 in all) or an address literal
 * ([IPv4] or [IPv6:...]); at most 254 octets in all.  UTF-8 in the local
 * part (RFC 6531) is accepted when well-formed; an internationalised domain
 * is turned into its A-labels (xn--...), the only form relays and DNS take.
 * Normalising lower-cases the ASCII letters of the domain only (and spells
 * an IPv6 literal's tag "IPv6:"): the local part is the recipient server's
 * to interpret.  CR, LF, other control characters
 * (C0, DEL, C1, U+2028/9) and, outside quotes, spaces and invisible Unicode
 * format characters are never accepted (header injection, look-alikes).
 */
#ifndef OUTREACH_ADDR_H
#define OUTREACH_ADDR_H

#include <stddef.h>

enum { ADDR_MAX = 254, ADDR_LOCAL_MAX = 64, ADDR_DOMAIN_MAX = 253, ADDR_LABEL_MAX = 63 };

/*
 * addr_normalize - validate s as a mailbox and return its normalised form in
 * *out (caller frees; out may be NULL).  Surrounding spaces and tabs are
 * ignored.  Returns 0, or -1 with *out NULL and *why (unless why is NULL) set
 * to a static, human reason naming the first problem ("missing '@'", "local
 * part longer than 64 octets", "domain label starts or ends with '-'",
 * "invalid character ' ' in local part", ...).
 */
int addr_normalize(const char *s, char **out, const char **why);

/*
 * addr_accept - addr_normalize for an address outreach will mail: the
 * doors (add, import, sign-up) refuse, with a reason, what no relay it
 * talks to can deliver: a quoted local part, a non-ASCII one (that needs
 * SMTPUTF8), or a domain with no dot ("mr.lee@woburn-hs", a typo) unless it
 * is one of allow_dotless (names separated by commas or spaces, any case;
 * [sender] allow_dotless_domains).
 */
int addr_accept(const char *s, const char *allow_dotless, char **out, const char **why);

/* addr_valid - addr_normalize without the copy. */
int addr_valid(const char *s, const char **why);

/* addr_domain - pointer to the domain part of a valid address (after the last '@'); "" if none. */
const char *addr_domain(const char *addr);

/*
 * addr_parse_mailbox - split "Display Name <user@example.org>", "<user@x>" or
 * a bare "user@x" into a display name (*name, NULL when absent; quotes and
 * quoted-pair escapes removed, trimmed) and a normalised address (*addr).
 * Both are freshly allocated.  Returns 0, or -1 with both NULL and *why set:
 * a line break anywhere, unbalanced quotes or angle brackets, text after
 * '>', or a control character in the name are refused.
 */
int addr_parse_mailbox(const char *s, char **name, char **addr, const char **why);

/* addr_no_reply - whether addr looks like one nobody reads (noreply@, do-not-reply@, ...). */
int addr_no_reply(const char *addr);

#endif
