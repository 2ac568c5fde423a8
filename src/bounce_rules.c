/*
 * bounce_rules - reading what MTAs say when they give up.  See
 * bounce_rules.h for the contract.
 *
 * The phrase table (bounce_phrases.c) is ordered: the first rule that
 * matches wins, so narrow reasons (a full mailbox, a blocklisted IP, SPF)
 * come before the ones whose words they often share ("... rejected: user
 * unknown"), and vague words are
 * weak rules that only speak when a status code has not.  Patterns are
 * generic MTA phrasing, never tied to one bounce: a new phrase goes in the
 * table with the reason it names.  The recipient scanner knows the shapes
 * of free-text bounces (qmail's "<addr>:" paragraphs, Exim's indented
 * address lists, Exchange's "did not reach" lists) only as far as they
 * share one rule: a failed address starts a line or stands in <>, and the
 * words after it, up to the next address, are its explanation.
 */
#include "bounce_rules.h"

#include <ctype.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bounce.h"
#include "bounce_phrases.h"
#include "util.h"

enum { GAP_MAX = 64 };

/* Only ASCII letters and digits make words: "user unknown." and "no mx," still match. */
static int
is_word(unsigned char c)
{
	unsigned char l = c | 0x20;

	return (c >= '0' && c <= '9') || (l >= 'a' && l <= 'z');
}

void
brules_fold(const char *s, size_t n, struct buf *out)
{
	int space = out->len > 0 && out->data[out->len - 1] == ' ';
	size_t room = out->max - out->len, k = 0;
	char *tmp;

	if (n > room)
		n = room;
	/* One pass straight into the buffer's free space: this runs over every text. */
	buf_reserve(out, n);
	tmp = out->data + out->len;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\0')
			continue;
		if (c == ' ' || (c >= '\t' && c <= '\r')) {
			if (!space)
				tmp[k++] = ' ';
			space = 1;
			continue;
		}
		tmp[k++] = (char)(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
		space = 0;
	}
	out->len += k;
	out->data[out->len] = '\0';
}

/* alt_plain - whether a[0..n) occurs in text on word boundaries ('*' ends a prefix). */
static int
alt_plain(const char *text, const char *a, size_t n)
{
	int prefix = n > 0 && a[n - 1] == '*';
	char pat[128];
	const char *p;

	if (prefix)
		n--;
	if (n == 0 || n >= sizeof(pat))
		return 0;
	memcpy(pat, a, n);
	pat[n] = '\0';
	for (p = strstr(text, pat); p; p = strstr(p + 1, pat)) {
		int before = p > text && is_word((unsigned char)p[-1]) && is_word((unsigned char)pat[0]);
		int after = !prefix && is_word((unsigned char)p[n]) &&
		            is_word((unsigned char)pat[n - 1]);

		if (!before && !after)
			return 1;
	}
	return 0;
}

/* host_before - whether the word ending just before p (then a space) is a bare host name. */
static int
host_before(const char *text, const char *p)
{
	static const char *const mailbox_words[] = {"mailbox ", "user ", "recipient ", "account ",
	                                            "address ", "addressee ", NULL};
	const char *end, *b;
	int dots = 0, alpha_tail = 0;

	if (p < text + 2 || p[-1] != ' ')
		return 0;
	end = p - 1;
	for (b = end; b > text && b[-1] != ' '; b--)
		;
	if (end - b < 3 || b[0] == '.' || end[-1] == '.')
		return 0;
	/* "mailbox john.doe does not exist" names a mailbox with a dot in it. */
	for (int i = 0; mailbox_words[i]; i++) {
		size_t n = strlen(mailbox_words[i]);

		if ((size_t)(b - text) >= n && memcmp(b - n, mailbox_words[i], n) == 0)
			return 0;
	}
	for (const char *c = b; c < end; c++) {
		if (*c == '.')
			dots++, alpha_tail = 0;
		else if (isalpha((unsigned char)*c))
			alpha_tail = 1;
		else if (!isdigit((unsigned char)*c) && *c != '-')
			return 0;
	}
	/* "192.0.2.1" is an address; a host name ends in a letter label. */
	return dots > 0 && alpha_tail;
}

/*
 * gap_at - whether "left ~right" (a[0..n)) occurs with its left part at p in
 * text: right must follow on word boundaries within GAP_MAX bytes.
 */
static int
gap_at(const char *text, const char *p, const char *a, size_t n)
{
	const char *tilde = memchr(a, '~', n);
	size_t ln = (size_t)(tilde - a), rn = n - ln - 1, avail;
	char win[GAP_MAX + 128];

	if (ln == 0 || rn == 0 || rn >= sizeof(win) - GAP_MAX)
		return 0;
	if (p > text && is_word((unsigned char)p[-1]) && is_word((unsigned char)a[0]))
		return 0;
	avail = strnlen(p + ln, GAP_MAX + rn);
	memcpy(win, p + ln, avail);
	win[avail] = '\0';
	return alt_plain(win, tilde + 1, rn);
}

/*
 * The matcher.  Every alternative of a pattern set is filed,
 * once per process, under a hash of the first bytes it must start with (up
 * to KEY_LEN_MAX; for "%h rest" those of the rest, for "left ~right" those
 * of the left).  A text is then read once: at each position only the
 * alternatives filed under the 2, 3 and 4 bytes found there are compared,
 * instead of searching the whole text once per alternative (some 600 of
 * them in the phrase table); four bytes keep each slot's list short.  An
 * alternative that starts with a letter or digit can only match where a
 * word starts, so those are filed apart (head_word) and passed over inside
 * words, where most positions are.
 */
enum {
	KEY_BUCKETS = 4096,        /* hash slots for an alternative's first bytes */
	KEY_LEN_MAX = 4,           /* bytes of a key hashed, at most */
	ALTS_MAX = 1024,           /* alternatives over all sets */
};

enum { ALT_PLAIN, ALT_PREFIX, ALT_HOST, ALT_GAP };

struct alt {
	const char *a;             /* as written in the pattern */
	const char *k;             /* the literal it must start with (alt_key) */
	unsigned short n;          /* its length, '*' included */
	unsigned short kn;         /* the literal's length */
	unsigned short row;        /* which pattern of the set it belongs to */
	unsigned char kind;
	short next;                /* the next alternative in its slot, or -1 */
};

/* A set of patterns; group is 0 or 1 per pattern (the phrase table's weak flag). */
struct pset {
	const char *const *pats;   /* NULL-terminated, when not the phrase table */
	short head[KEY_BUCKETS];   /* alternatives that may start anywhere */
	short head_word[KEY_BUCKETS]; /* those that start a word */
	unsigned char any_first[256]; /* first bytes of the ones in head */
	unsigned char word_pair[65536 / 8]; /* first two bytes of the ones in head_word, a bit each */
	int anywhere;              /* some alternatives are in head or keyless */
	short keyless;             /* alternatives whose key is under two bytes, or -1 */
};

static struct alt alts[ALTS_MAX];
static size_t n_alts;

/* key_step - one more byte into a key's hash value; key_slot - the slot for n bytes of it. */
static unsigned
key_step(unsigned hv, unsigned char c)
{
	return hv * 31u + c;
}

static unsigned
key_slot(unsigned hv, size_t n)
{
	return (hv + (unsigned)n * 1009u) % KEY_BUCKETS;
}

/* alt_key - where an alternative's literal key starts and its length. */
static const char *
alt_key(const struct alt *x, size_t *kn)
{
	const char *t;

	switch (x->kind) {
	case ALT_HOST:
		*kn = x->n - 3u;
		return x->a + 3;
	case ALT_GAP:
		t = memchr(x->a, '~', x->n);
		*kn = (size_t)(t - x->a);
		return x->a;
	case ALT_PREFIX:
		*kn = x->n - 1u;
		return x->a;
	default:
		*kn = x->n;
		return x->a;
	}
}

/* pset_add - file every alternative of pattern, as row row, in set ps. */
static void
pset_add(struct pset *ps, const char *pattern, unsigned short row)
{
	const char *a = pattern, *bar;

	for (;;) {
		struct alt *x;
		const char *k;
		size_t n, kn;

		bar = strchr(a, '|');
		n = bar ? (size_t)(bar - a) : strlen(a);
		if (n > 0 && n_alts < ALTS_MAX) {
			x = &alts[n_alts];
			x->a = a;
			x->n = (unsigned short)n;
			x->row = row;
			x->kind = n > 3 && a[0] == '%' && a[1] == 'h' && a[2] == ' ' ? ALT_HOST
			          : memchr(a, '~', n)                              ? ALT_GAP
			          : a[n - 1] == '*'                                ? ALT_PREFIX
			                                                           : ALT_PLAIN;
			k = alt_key(x, &kn);
			x->k = k;
			x->kn = (unsigned short)kn;
			if (kn >= 2) {
				size_t used = kn < KEY_LEN_MAX ? kn : KEY_LEN_MAX;
				unsigned hv = 0, h;

				for (size_t i = 0; i < used; i++)
					hv = key_step(hv, (unsigned char)k[i]);
				h = key_slot(hv, used);
				/*
				 * alt_at's word-boundary test, known here for every text; "%h
				 * rest" needs a space before rest (host_before), so a rest
				 * that starts with a letter or digit starts a word too.
				 */
				short *head = is_word((unsigned char)k[0]) ? ps->head_word : ps->head;

				x->next = head[h];
				head[h] = (short)n_alts;
				if (head == ps->head) {
					ps->any_first[(unsigned char)k[0]] = 1;
					ps->anywhere = 1;
				} else {
					unsigned pair = (unsigned)(unsigned char)k[0] << 8 | (unsigned char)k[1];

					ps->word_pair[pair / 8] |= (unsigned char)(1u << pair % 8);
				}
			} else if (kn == 1) {
				x->next = ps->keyless;
				ps->keyless = (short)n_alts;
				ps->anywhere = 1;
			}
			n_alts++;
		}
		if (bar == NULL)
			return;
		a = bar + 1;
	}
}

/*
 * How separator lines that introduce the copy of the original message
 * begin, once their dashes are stripped.  Only the start of a line counts:
 * "delete your own text from the attached returned message" is no separator.
 */
static const char *const markers[] = {
	"this is a copy of the message", "this is a copy of your message",
	"below this line is a copy of the message",
	"original message follows", "unsent message follows", "message headers follow",
	"original message headers", "headers of the original message",
	"header of the original message", "the header of the original message",
	"undelivered message headers", "copy of the original message",
	"a copy of the original message", "returned message", "original message is attached",
	"the original message is below", "below is a copy", "following is a copy",
	"included is a copy of the message", "here is a copy", "original message header",
	"message header follows", "returned mail follows", "rejected message follows",
	"the header of original message", "header of your message", "original mail",
	"your message reads", "---- original message", NULL,
};

/* Lines that only ever are a separator when they stand alone. */
static const char *const bare_markers[] = {
	"original message", "original message:", "message:", "original message header:",
	"the original message:", "returned message:", "original message headers:", NULL,
};

/* The first bytes of markers and bare_markers, filled in by psets_init(). */
static unsigned char marker_first[256];
/* The bytes that dress a separator line up in front (" \t-=*_#>[("), by psets_init(). */
static unsigned char dress[256];

static struct pset set_rules, set_autoreply, set_delay, set_final;
static struct pset set_autoreply_subject, set_bounce_subject, set_delay_subject;
/* The phrase table's weak flags, by row, for pset_scan. */
static unsigned char rule_group[BRULES_TABLE_MAX];
static pthread_once_t psets_once = PTHREAD_ONCE_INIT;

static void pset_build(struct pset *ps, const char *const *pats);

static void
psets_init(void)
{
	memset(set_rules.head, -1, sizeof(set_rules.head));
	memset(set_rules.head_word, -1, sizeof(set_rules.head_word));
	set_rules.keyless = -1;
	/* A table outgrowing rule_group is a bug, caught by every test run. */
	if (brules_table_len > BRULES_TABLE_MAX)
		abort();
	for (size_t i = 0; i < brules_table_len; i++)
		pset_add(&set_rules, brules_table[i].pattern, (unsigned short)i);
	for (size_t i = 0; i < brules_table_len; i++)
		rule_group[i] = (unsigned char)(brules_table[i].weak != 0);
	pset_build(&set_autoreply, brules_autoreply_texts);
	pset_build(&set_delay, brules_delay_texts);
	pset_build(&set_final, brules_final_texts);
	pset_build(&set_autoreply_subject, brules_autoreply_subjects);
	pset_build(&set_bounce_subject, brules_bounce_subjects);
	pset_build(&set_delay_subject, brules_delay_subjects);
	for (size_t i = 0; markers[i]; i++)
		marker_first[(unsigned char)markers[i][0]] = 1;
	for (size_t i = 0; bare_markers[i]; i++)
		marker_first[(unsigned char)bare_markers[i][0]] = 1;
	for (const char *d = " \t-=*_#>[("; *d; d++)
		dress[(unsigned char)*d] = 1;
	/* Outgrowing ALTS_MAX would silently drop rules: a bug, caught by every test run. */
	if (n_alts >= ALTS_MAX)
		abort();
}

static void
pset_build(struct pset *ps, const char *const *pats)
{
	memset(ps->head, -1, sizeof(ps->head));
	memset(ps->head_word, -1, sizeof(ps->head_word));
	ps->keyless = -1;
	ps->pats = pats;
	for (size_t i = 0; pats[i]; i++)
		pset_add(ps, pats[i], (unsigned short)i);
}

/* alt_at - whether alternative x occurs at p in text t, on word boundaries. */
static int
alt_at(const char *t, const char *p, const struct alt *x)
{
	size_t kn = x->kn;
	const char *k = x->k;

	/* Most candidates differ by their third byte: no call for those. */
	if (kn > 2 && p[1] && p[2] != k[2])
		return 0;
	if (strncmp(p, k, kn) != 0)
		return 0;
	switch (x->kind) {
	case ALT_HOST:
		return !is_word((unsigned char)p[kn]) && host_before(t, p);
	case ALT_GAP:
		return gap_at(t, p, x->a, x->n);
	default:
		if (p > t && is_word((unsigned char)p[-1]) && is_word((unsigned char)k[0]))
			return 0;
		return x->kind == ALT_PREFIX || !is_word((unsigned char)p[kn]) ||
		       !is_word((unsigned char)k[kn - 1]);
	}
}

/*
 * pset_scan - read text once.  With first == NULL, whether any pattern of
 * the set occurs; else first[g] is set to the lowest row of group g that
 * occurs (rows whose group is g), or left as it was when none does.
 */
/* scan_chain - the alternatives of one slot at p, for pset_scan: 1 when one decides. */
static int
scan_chain(short j, const char *t, const char *p, const unsigned char *group, size_t first[2])
{
	for (; j >= 0; j = alts[j].next) {
		const struct alt *x = &alts[j];
		int g = group ? group[x->row] : 0;

		if (first && x->row >= first[g])
			continue;
		if (!alt_at(t, p, x))
			continue;
		if (first == NULL)
			return 1;
		first[g] = x->row;
	}
	return 0;
}

/* scan_at - the alternatives that may start at p (word_start: p starts a word), for pset_scan. */
static int
scan_at(const struct pset *ps, const char *t, const char *p, int word_start,
        const unsigned char *group, size_t first[2])
{
	unsigned char c = (unsigned char)p[0];
	unsigned hv, h;

	if (ps->keyless >= 0 && scan_chain(ps->keyless, t, p, group, first))
		return 1;
	/*
	 * Inside a word, only the few alternatives that need no word start
	 * can begin; at a word start, only where two bytes begin one.
	 */
	if (p[1] == '\0')
		return 0;
	if (!ps->any_first[c]) {
		unsigned pair = (unsigned)c << 8 | (unsigned char)p[1];

		if (!word_start || !(ps->word_pair[pair / 8] & (1u << pair % 8)))
			return 0;
	}
	/* An alternative is filed under its first 2, 3 or KEY_LEN_MAX bytes. */
	hv = key_step(c, (unsigned char)p[1]);
	for (size_t n = 2; n <= KEY_LEN_MAX; n++) {
		h = key_slot(hv, n);
		if ((ps->head[h] >= 0 && scan_chain(ps->head[h], t, p, group, first)) ||
		    (word_start && ps->head_word[h] >= 0 &&
		     scan_chain(ps->head_word[h], t, p, group, first)))
			return 1;
		if (n == KEY_LEN_MAX || p[n] == '\0')
			break;
		hv = key_step(hv, (unsigned char)p[n]);
	}
	return 0;
}

static int
pset_scan(const struct pset *ps, const char *t, const unsigned char *group, size_t first[2])
{
	const char *p = t;

	pthread_once(&psets_once, psets_init);
	if (ps->anywhere) {
		for (int in_word = 0; *p; p++) {
			int word_start = !in_word;

			in_word = is_word((unsigned char)*p);
			if (scan_at(ps, t, p, word_start, group, first))
				return 1;
		}
	} else {
		/* Every alternative starts a word (the phrase tables): only word starts are read. */
		for (;;) {
			while (*p && !is_word((unsigned char)*p))
				p++;
			if (*p == '\0')
				break;
			if (scan_at(ps, t, p, 1, group, first))
				return 1;
			while (is_word((unsigned char)*p))
				p++;
		}
	}
	return first ? first[0] != SIZE_MAX || first[1] != SIZE_MAX : 0;
}

/*
 * rules_scan - the first strong and the first weak rule that occur in
 * folded text, in one reading.
 */
static void
rules_scan(const char *folded, const struct bounce_rule **strong, const struct bounce_rule **weak)
{
	size_t first[2] = {SIZE_MAX, SIZE_MAX};

	*strong = *weak = NULL;
	if (folded == NULL || *folded == '\0')
		return;
	pset_scan(&set_rules, folded, rule_group, first);
	if (first[0] != SIZE_MAX)
		*strong = &brules_table[first[0]];
	if (first[1] != SIZE_MAX)
		*weak = &brules_table[first[1]];
}

const struct bounce_rule *
brules_match(const char *folded, int weak)
{
	const struct bounce_rule *s, *w;

	rules_scan(folded, &s, &w);
	return weak ? w : s;
}

/* num - digits at s, at most max of them; their count, or 0. */
static size_t
num(const char *s, size_t max)
{
	size_t n = 0;

	while (n <= max && isdigit((unsigned char)s[n]))
		n++;
	return n > max ? 0 : n;
}

/* status_of - the first status code of one of the classes in cls. */
static int
status_of(const char *s, const char *cls, char out[BRULES_STATUS_MAX])
{
	for (const char *p = s; (p = strpbrk(p, cls)) != NULL; p++) {
		size_t a, b;

		if (p > s && (isalnum((unsigned char)p[-1]) || p[-1] == '.' || p[-1] == '-'))
			continue;
		if (p[1] != '.')
			continue;
		a = num(p + 2, 3);
		if (a == 0 || p[2 + a] != '.')
			continue;
		b = num(p + 3 + a, 3);
		if (b == 0)
			continue;
		/* "4.60.1.2" or "5.5.2699.00" are versions and addresses, not codes. */
		if (p[3 + a + b] == '.' && isdigit((unsigned char)p[4 + a + b]))
			continue;
		if (isalnum((unsigned char)p[3 + a + b]))
			continue;
		memcpy(out, p, 3 + a + b);
		out[3 + a + b] = '\0';
		return 0;
	}
	return -1;
}

int
brules_status(const char *s, char out[BRULES_STATUS_MAX])
{
	/* In a transcript "250 2.1.5 Ok" comes before the "451 4.3.0" that matters. */
	if (status_of(s, "45", out) == 0)
		return 0;
	return status_of(s, "2", out);
}

int
brules_smtp_code(const char *s)
{
	for (const char *p = s; (p = strpbrk(p, "45")) != NULL; p++) {
		if (p > s && (isalnum((unsigned char)p[-1]) || p[-1] == '.' || p[-1] == '-' ||
		              p[-1] == ':' || p[-1] == '/'))
			continue;
		if (!isdigit((unsigned char)p[1]) || !isdigit((unsigned char)p[2]))
			continue;
		if (p[3] != ' ' && p[3] != '-' && p[3] != '\0' && p[3] != '\n' && p[3] != '\r')
			continue;
		if (p[1] > '5')
			continue;
		return (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
	}
	return 0;
}

/*
 * Status codes that name a reason by themselves (RFC 3463, RFC 7372, RFC
 * 7505).  A decisive code says what happened plainly enough to outweigh the
 * server's free text: the mailbox or domain is not there, has moved or is
 * disabled, is full, or the sender's address or host was what was refused.
 * The others ("7.1 delivery not authorized", "4.4 unable to route") are
 * used so loosely that the words around them say more.
 */
static const struct {
	const char *code;          /* subject.detail, without the class digit */
	const char *reason;
	int decisive;
} codes[] = {
	{"1.1", "userunknown", 1}, {"1.2", "hostunknown", 1}, {"1.3", "userunknown", 1},
	{"1.4", "userunknown", 0}, {"1.5", "userunknown", 0}, {"1.6", "hasmoved", 1},
	{"1.7", "rejected", 1}, {"1.8", "rejected", 1}, {"1.10", "notaccept", 1},
	{"2.1", "suspend", 1}, {"2.2", "mailboxfull", 1}, {"2.3", "exceedlimit", 0},
	{"2.4", "systemerror", 0}, {"3.0", "systemerror", 0}, {"3.1", "systemfull", 0},
	{"3.2", "systemerror", 0}, {"3.3", "systemerror", 0}, {"3.4", "mesgtoobig", 1},
	{"3.5", "systemerror", 0}, {"4.1", "expired", 0}, {"4.2", "expired", 0},
	{"4.3", "systemerror", 0}, {"4.4", "hostunknown", 0}, {"4.5", "toomanyconn", 0},
	{"4.6", "networkerror", 0}, {"4.7", "expired", 0}, {"5.0", "syntaxerror", 0},
	{"5.1", "syntaxerror", 0}, {"5.2", "syntaxerror", 0}, {"5.3", "exceedlimit", 0},
	{"5.4", "syntaxerror", 0}, {"6.0", "contenterror", 0}, {"6.1", "contenterror", 0},
	{"7.0", "securityerror", 0}, {"7.1", "blocked", 0}, {"7.2", "systemerror", 0},
	{"7.6", "securityerror", 0}, {"7.7", "securityerror", 0}, {"7.8", "securityerror", 0},
	{"7.9", "securityerror", 0}, {"7.10", "failedstarttls", 0}, {"7.11", "failedstarttls", 0},
	{"7.13", "suspend", 0}, {"7.14", "securityerror", 0}, {"7.17", "hasmoved", 0},
	{"7.18", "hasmoved", 0}, {"7.20", "authfailure", 0}, {"7.21", "authfailure", 0},
	{"7.22", "authfailure", 0}, {"7.23", "authfailure", 0}, {"7.24", "authfailure", 0},
	{"7.25", "requireptr", 0}, {"7.26", "authfailure", 0}, {"7.27", "rejected", 0},
	{"7.28", "speeding", 0}, {"7.29", "authfailure", 0}, {"7.30", "securityerror", 0},
};

/* status_code - the row for a status code, or -1. */
static int
status_code(const char *status)
{
	if (status == NULL || strlen(status) < 5 || status[1] != '.')
		return -1;
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (strcmp(status + 2, codes[i].code) == 0)
			return (int)i;
	return -1;
}

const char *
brules_status_reason(const char *status)
{
	int i;

	if (status && status[0] == '2' && status[1] == '.')
		return "delivered";
	return (i = status_code(status)) >= 0 ? codes[i].reason : NULL;
}

/* status_decisive - whether a failure code outweighs the words around it. */
static int
status_decisive(const char *status)
{
	int i = status_code(status);

	return i >= 0 && (status[0] == '4' || status[0] == '5') && codes[i].decisive;
}

/*
 * Reasons that put the blame on the sending host, its domain or the message
 * rather than on the recipient's mailbox.  A server that refuses a sender
 * for its rate or a blocklist and puts 5.1.1 on the reply has used the code
 * loosely; its words say what happened.
 */
static int
blames_sender(const char *reason)
{
	static const char *const sender[] = {
		"blocked", "speeding", "toomanyconn", "exceedlimit", "authfailure", "requireptr",
		"norelaying", "badreputation", "spamdetected", "virusdetected", "failedstarttls",
		"rejected", "policyviolation", "notcompliantrfc", "mesgtoobig", "securityerror",
		"syntaxerror", NULL,
	};

	for (size_t i = 0; sender[i]; i++)
		if (strcmp(reason, sender[i]) == 0)
			return 1;
	return 0;
}

int
brules_reason_class(const char *reason, const char *status)
{
	static const char *const hard[] = {"userunknown", "hostunknown", "hasmoved", "notaccept"};

	if (reason == NULL)
		return BOUNCE_SOFT;
	if (strcmp(reason, "delivered") == 0 || strcmp(reason, "delayed") == 0)
		return BOUNCE_OTHER;
	/* A temporary failure is never a dead address, whatever the words say. */
	if (status && status[0] == '4')
		return BOUNCE_SOFT;
	for (size_t i = 0; i < sizeof(hard) / sizeof(hard[0]); i++)
		if (strcmp(reason, hard[i]) == 0)
			return BOUNCE_HARD;
	/*
	 * "5.2.1 mailbox disabled" in the report itself is permanent: the
	 * mailbox takes no mail and will not again.  Words alone ("suspended",
	 * "inactive") may be temporary and stay soft.
	 */
	if (status && strcmp(reason, "suspend") == 0 && strcmp(status, "5.2.1") == 0)
		return BOUNCE_HARD;
	/* Nothing recognised: a permanent failure code is all there is to go by. */
	if (status && status[0] == '5' && strcmp(reason, "undefined") == 0)
		return BOUNCE_HARD;
	return BOUNCE_SOFT;
}

/* fold_small - fold s into a fixed buffer, for subjects. */
static void
fold_small(const char *s, struct buf *b)
{
	buf_init(b, 1024);
	brules_fold(s, strnlen(s, 1024), b);
}

/* subject_scan - whether a pattern of the set occurs in the folded subject. */
static int
subject_scan(const struct pset *ps, const char *subject)
{
	struct buf b;
	int r;

	if (subject == NULL)
		return 0;
	fold_small(subject, &b);
	r = pset_scan(ps, buf_cstr(&b), NULL, NULL);
	buf_free(&b);
	return r;
}

int
brules_autoreply_subject(const char *subject)
{
	return subject_scan(&set_autoreply_subject, subject);
}

int
brules_autoreply_text(const char *folded)
{
	return folded && pset_scan(&set_autoreply, folded, NULL, NULL);
}

int
brules_bounce_subject(const char *subject)
{
	return subject_scan(&set_bounce_subject, subject);
}

int
brules_delay(const char *subject, const char *folded)
{
	int said = subject_scan(&set_delay_subject, subject);

	if (folded == NULL)
		return said;
	return (said || pset_scan(&set_delay, folded, NULL, NULL)) &&
	       !pset_scan(&set_final, folded, NULL, NULL);
}

/* line_end - the offset just past the line starting at i. */
static size_t
line_end(const char *t, size_t n, size_t i)
{
	const char *nl = memchr(t + i, '\n', n - i);

	return nl ? (size_t)(nl - t) + 1 : n;
}

/* A header name that a notification's own text does not start a line with. */
static int
returned_header(const char *t, size_t n)
{
	static const char *const names[] = {
		"return-path:", "received:", "dkim-signature:", "message-id:", "mime-version:",
		"x-mailer:", "authentication-results:", "x-received:", "arc-seal:", NULL,
	};

	/* Most lines start with no name's first letter and are passed over at once. */
	if (n == 0)
		return 0;
	for (size_t i = 0; names[i]; i++) {
		size_t k;

		if ((t[0] | 0x20) == names[i][0] && n >= (k = strlen(names[i])) &&
		    strncasecmp(t, names[i], k) == 0)
			return 1;
	}
	return 0;
}

size_t
brules_returned_start(const char *text, size_t n, size_t *body)
{
	size_t i = 0, run = 0, run_start = 0;
	char low[200];

	pthread_once(&psets_once, psets_init);
	while (i < n) {
		size_t e = line_end(text, n, i), k = 0, m = 0;
		const char *l = text + i;
		size_t ll = e - i;

		if (ll < sizeof(low) && ll > 4) {
			size_t f;

			/* Strip the dashes, stars and colons that dress a separator up, and fold. */
			while (k < ll && dress[(unsigned char)l[k]])
				k++;
			/* Most prose lines start with no separator's first letter: not folded. */
			for (f = k; f < ll && isspace((unsigned char)l[f]); f++)
				;
			if (f == ll || !marker_first[(unsigned char)tolower((unsigned char)l[f])])
				k = ll;
			for (; k < ll; k++) {
				unsigned char c = (unsigned char)l[k];

				if (isspace(c) && (m == 0 || low[m - 1] == ' '))
					continue;
				low[m++] = isspace(c) ? ' ' : (char)tolower(c);
			}
			while (m > 0 && low[m - 1] && strchr(" -=*_#])", low[m - 1]))
				m--;
			low[m] = '\0';
			if (m == 0 || !marker_first[(unsigned char)low[0]])
				m = 0;
			for (size_t j = 0; m > 0 && bare_markers[j]; j++)
				if (low[0] == bare_markers[j][0] && strcmp(low, bare_markers[j]) == 0)
					goto found;
			for (size_t j = 0; m > 0 && markers[j]; j++)
				if (low[0] == markers[j][0] &&
				    strncmp(low, markers[j], strlen(markers[j])) == 0)
					goto found;
		}
		if (returned_header(l, ll)) {
			if (run++ == 0)
				run_start = i;
			if (run >= 2) {
				*body = run_start;
				return run_start;
			}
		} else if (!(ll > 0 && (l[0] == ' ' || l[0] == '\t'))) {
			run = 0;
		}
		i = e;
	}
	*body = n;
	return n;
found:
	*body = line_end(text, n, i);
	return i;
}

static int
is_local_char(unsigned char c)
{
	return isalnum(c) || (c && strchr("!#$%&'*+-/=?^_`{|}~.", c)) || c >= 0x80;
}

static int
is_domain_char(unsigned char c)
{
	return isalnum(c) || c == '-' || c == '.' || c >= 0x80;
}

/*
 * addr_around - the address around the '@' at t[at], in [*s, *e); 0 if it
 * is not one (no dot in the domain, empty parts, too long).
 */
static int
addr_around(const char *t, size_t n, size_t at, size_t *s, size_t *e)
{
	size_t a = at, z = at + 1;

	while (a > 0 && is_local_char((unsigned char)t[a - 1]) && at - a < 64)
		a--;
	while (a < at && (t[a] == '.' || t[a] == '/' || t[a] == '='))
		a++;
	while (z < n && is_domain_char((unsigned char)t[z]) && z - at < 254)
		z++;
	while (z > at + 1 && (t[z - 1] == '.' || t[z - 1] == '-'))
		z--;
	if (a == at || z <= at + 1 || memchr(t + at + 1, '.', z - at - 1) == NULL)
		return 0;
	if (z - a >= BRULES_ADDR_MAX)
		return 0;
	*s = a;
	*e = z;
	return 1;
}

size_t
brules_addr_in(const char *s, size_t n, char out[BRULES_ADDR_MAX])
{
	const char *at;
	size_t a, e, off = 0;

	/* "@relay:user@example.org" or "a@b, c@d.example": skip what is not one. */
	while (off < n && (at = memchr(s + off, '@', n - off)) != NULL) {
		if (addr_around(s, n, (size_t)(at - s), &a, &e)) {
			memcpy(out, s + a, e - a);
			out[e - a] = '\0';
			return e;
		}
		off = (size_t)(at - s) + 1;
	}
	return 0;
}

/* noise_line - whether the line holding t[i] says, before i, that it is no failed address. */
static int
noise_line(const char *t, size_t i)
{
	static const char *const noise[] = {
		"message-id", "message id", "msgid", "in-reply-to", "references", "from:",
		"sender", "return-path", "reply-to", "reporting-mta", "received", "envelope-from",
		"mail from", "mailto:", "http", "contact", "postmaster@", "envelope-id",
		"original-envelope", "x-postfix-sender", "smtp.mailfrom", "header.from", NULL,
	};
	size_t a = i;
	char l[256];
	size_t k;

	while (a > 0 && t[a - 1] != '\n' && i - a < sizeof(l) - 1)
		a--;
	for (k = 0; a + k < i; k++)
		l[k] = (char)tolower((unsigned char)t[a + k]);
	l[k] = '\0';
	for (size_t j = 0; noise[j]; j++)
		if (strstr(l, noise[j]))
			return 1;
	return 0;
}

/*
 * list_entry_end - whether what follows an address at t[e] ends a list
 * entry: the end of the line, a reason after punctuation, or Exchange
 * 2000/2003's "<addr> on <date>".
 */
static int
list_entry_end(const char *t, size_t n, size_t e)
{
	while (e < n && (t[e] == ' ' || t[e] == '\t' || t[e] == '>' || t[e] == '"' || t[e] == '\''))
		e++;
	if (e >= n || t[e] == '\n' || t[e] == '\r')
		return 1;
	if (n - e > 3 && memcmp(t + e, "on ", 3) == 0)
		return 1;
	if (t[e] == '.')
		return e + 1 >= n || t[e + 1] == '.' || t[e + 1] == '\n' || t[e + 1] == '\r';
	return strchr(":;,([-<=|", t[e]) != NULL;
}

size_t
brules_find_rcpts(const char *t, size_t n, struct brules_hit *hits, size_t max)
{
	size_t nh = 0, open = max;

	for (size_t i = 0; i < n && nh < max; i++) {
		size_t a, e, ls, dup = max;

		if (t[i] != '@' || !addr_around(t, n, i, &a, &e))
			continue;
		i = e - 1;
		if (noise_line(t, a))
			continue;
		memcpy(hits[nh].addr, t + a, e - a);
		hits[nh].addr[e - a] = '\0';
		ls = a;
		while (ls > 0 && t[ls - 1] != '\n')
			ls--;
		for (size_t j = 0; j < nh; j++)
			if (strcasecmp(hits[j].addr, hits[nh].addr) == 0)
				dup = j;
		/* Another address's line ends the explanation of the one before. */
		if (open < max && dup != open && hits[open].ctx_off < ls) {
			if (hits[open].ctx_off + hits[open].ctx_len > ls)
				hits[open].ctx_len = ls - hits[open].ctx_off;
			open = max;
		}
		if (dup < max)
			continue;
		/* Its explanation: from its line up to the next failed address's line. */
		hits[nh].lead = a > 0 && t[a - 1] == '<' && e < n && t[e] == '>';
		if (!hits[nh].lead) {
			hits[nh].lead = 1;
			for (size_t k = ls; k < a; k++)
				if (!strchr(" \t<*-\"'(", t[k]))
					hits[nh].lead = 0;
			/*
			 * A list entry ends its line or is followed by its reason
			 * (":", "...", "(reason: ...)"); an address that a wrapped
			 * sentence happens to start a line with goes on in words.
			 */
			if (hits[nh].lead && !list_entry_end(t, n, e))
				hits[nh].lead = 0;
		}
		hits[nh].ctx_off = ls;
		hits[nh].ctx_len = n - ls < BRULES_CONTEXT_MAX ? n - ls : BRULES_CONTEXT_MAX;
		open = nh++;
	}
	return nh;
}

void
brules_whole_init(struct brules_whole *w, const char *folded, const char *raw)
{
	memset(w, 0, sizeof(*w));
	w->folded = folded;
	w->raw = raw;
}

static const struct bounce_rule *
whole_rule(struct brules_whole *w, int weak)
{
	if (!w->done_strong) {
		rules_scan(w->folded, &w->strong, &w->weak);
		w->done_strong = w->done_weak = 1;
	}
	return weak ? w->weak : w->strong;
}

static const char *
whole_status(struct brules_whole *w)
{
	if (!w->done_status) {
		if (brules_status(w->raw, w->status) != 0)
			w->status[0] = '\0';
		w->code = brules_smtp_code(w->raw);
		w->done_status = 1;
	}
	return w->status;
}

/* rules_in - the first strong and weak rules matching folded text t, each or NULL. */
static void
rules_in(const struct buf *t, const struct bounce_rule **strong, const struct bounce_rule **weak)
{
	*strong = *weak = NULL;
	if (t->len > 0)
		rules_scan(t->data, strong, weak);
}

/* same_class - whether two status codes agree on permanent or temporary. */
static int
same_class(const char *a, const char *b)
{
	return a[0] != '\0' && a[0] == b[0];
}

/* generic - "5.0.0": a class and nothing more. */
static int
generic(const char *st)
{
	return st[0] == '\0' || strcmp(st + 1, ".0.0") == 0;
}

int
brules_judge(const char *dsn_status, const char *diag, const char *ctx, struct brules_whole *w,
             char st[BRULES_STATUS_MAX], const char **why)
{
	const struct bounce_rule *own = NULL, *rule = NULL, *ds, *dw, *cs, *cw;
	const char *reason = NULL, *sreason;
	char tst[BRULES_STATUS_MAX];
	struct buf fd, fc;
	int code, given, shared;

	/* Without a Diagnostic-Code, the text about the recipient is its own words. */
	if (diag == NULL || *diag == '\0') {
		diag = ctx ? ctx : "";
		ctx = "";
	}
	if (ctx == NULL)
		ctx = "";
	buf_init(&fd, BRULES_TEXT_MAX);
	buf_init(&fc, BRULES_TEXT_MAX);
	brules_fold(diag, strlen(diag), &fd);
	brules_fold(ctx, strlen(ctx), &fc);

	/*
	 * The status: the report's own field; the enhanced code in the server's
	 * reply when the field says less ("Status: 5.0.0" beside "550 5.7.1")
	 * or is missing; the whole text's code only when the text concerns
	 * this recipient alone.
	 */
	st[0] = '\0';
	if (dsn_status)
		snprintf(st, BRULES_STATUS_MAX, "%s", dsn_status);
	if ((brules_status(diag, tst) == 0 || brules_status(ctx, tst) == 0) &&
	    (st[0] == '\0' || (generic(st) && same_class(st, tst))))
		snprintf(st, BRULES_STATUS_MAX, "%s", tst);
	if (w->single && (st[0] == '\0' || (generic(st) && same_class(st, whole_status(w)))))
		snprintf(st, BRULES_STATUS_MAX, "%s", whole_status(w));
	given = st[0] != '\0';

	/*
	 * The reason.  A decisive status code is what a standard report says
	 * in so many words and outweighs the server's prose, unless the prose
	 * blames the sender (a rate limit or blocklist sent with 5.1.1).  Other
	 * codes come after the recipient's own words and before the words the
	 * reporting MTA wraps around them.  The whole notification speaks for a
	 * recipient when it concerns that recipient alone, or when nothing of
	 * the recipient's own says anything: in a report on several, one
	 * recipient's "user unknown" is not another's.
	 */
	rules_in(&fd, &ds, &dw);
	rules_in(&fc, &cs, &cw);
	own = ds ? ds : cs;
	sreason = brules_status_reason(st);
	if (status_decisive(st)) {
		reason = sreason;
		if (own && (blames_sender(own->reason) ||
		            brules_reason_class(own->reason, st) == brules_reason_class(sreason, st)))
			reason = (rule = own)->reason;
	} else if ((rule = ds) != NULL) {
		reason = rule->reason;
	} else if (sreason) {
		reason = sreason;
	} else if ((rule = cs) != NULL) {
		reason = rule->reason;
	}
	shared = w->single || (own == NULL && generic(st));
	if (reason == NULL && shared && (rule = whole_rule(w, 0)) != NULL)
		reason = rule->reason;
	if (reason == NULL && ((rule = dw) != NULL || (rule = cw) != NULL ||
	                       (shared && (rule = whole_rule(w, 1)) != NULL)))
		reason = rule->reason;
	if (reason == NULL)
		rule = NULL;

	/* No enhanced code anywhere: the basic reply code gives the class digit. */
	if (st[0] == '\0') {
		if ((code = brules_smtp_code(diag)) == 0 && (code = brules_smtp_code(ctx)) == 0 &&
		    shared) {
			whole_status(w);
			code = w->code;
		}
		given = code != 0;
		snprintf(st, BRULES_STATUS_MAX, "%c%s", code / 100 == 4 ? '4' : '5',
		         rule ? rule->status + 1 : ".0.0");
	}
	if (reason == NULL)
		reason = "undefined";
	buf_free(&fd);
	buf_free(&fc);
	*why = reason;
	/* A status made up here from a rule says nothing the rule did not. */
	return brules_reason_class(reason, given ? st : (st[0] == '4' ? "4" : NULL));
}

/* lower_has - whether any of list occurs in s, any case (s cut at 255 bytes). */
static int
lower_has(const char *s, const char *const *list)
{
	char low[256];
	size_t i;

	for (i = 0; s[i] && i < sizeof(low) - 1; i++)
		low[i] = (char)tolower((unsigned char)s[i]);
	low[i] = '\0';
	for (i = 0; list[i]; i++)
		if (strstr(low, list[i]))
			return 1;
	return 0;
}

int
brules_from_daemon(const char *from)
{
	static const char *const daemons[] = {
		"mailer-daemon", "mailer_daemon", "mailerdaemon", "postmaster", "post_master",
		"mail delivery", "mail.delivery", "mail administrator", "mail-daemon",
		"mdaemon", "nondelivery", "mailadmin", NULL,
	};

	return lower_has(from, daemons);
}

int
brules_from_robot(const char *from)
{
	static const char *const robots[] = {
		"-admin@", "-owner@", "owner-", "-request@", "-bounces@", "listserv", "majordomo",
		"mailman", NULL,
	};

	return lower_has(from, robots);
}

int
brules_role_addr(const char *addr)
{
	static const char *const roles[] = {
		"postmaster@", "mailer-daemon@", "abuse@", "hostmaster@", "webmaster@", "noreply@",
		"no-reply@", "support@", "help@", "admin@", "root@", NULL,
	};

	for (size_t i = 0; roles[i]; i++)
		if (strncasecmp(addr, roles[i], strlen(roles[i])) == 0)
			return 1;
	return 0;
}
