/*
 * dkim - signing a composed message: relaxed/relaxed canonicalisation, the
 * body and header hashes, and the DKIM-Signature field.  See dkim.h.
 *
 * The signature covers the header fields named in SIGNED (those present)
 * and once more each of OVERSIGNED.  A field is taken from the bottom of
 * the header up, as RFC 6376 5.4.2 has verifiers take it.  The signature
 * field is folded at its tags and within its base64 values, where RFC 6376
 * 3.2 allows folding white space, so no line is longer than 78 columns.
 */
#define _DEFAULT_SOURCE
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>

#include "dkim_impl.h"

/* What is signed; Reply-To only when present, like any field here. */
static const char *const SIGNED[] = {
	"From", "To", "Subject", "Date", "Message-ID", "MIME-Version", "Content-Type", "List-Id",
	"List-Unsubscribe", "List-Unsubscribe-Post", "Reply-To",
};
/* Signed once more than they occur: a field added downstream then breaks the signature. */
static const char *const OVERSIGNED[] = {
	"From", "List-Id", "List-Unsubscribe", "List-Unsubscribe-Post",
};

enum {
	NSIGNED = sizeof(SIGNED) / sizeof(SIGNED[0]),
	NOVER = sizeof(OVERSIGNED) / sizeof(OVERSIGNED[0]),
	FIELDS_MAX = 128,          /* header fields looked at; ours have about 15 */
	SIG_FIELD_MAX = 4096,      /* one DKIM-Signature field */
	FOLD_AT = 72,              /* columns before a fold in the field we write */
};

struct dkim_one {
	EVP_PKEY *key;
	int type;                  /* DKIM_KEY_RSA or DKIM_KEY_ED25519 */
	char *domain, *selector;
};

struct dkim {
	atomic_int refs;
	int n;
	struct dkim_one keys[DKIM_MAX_KEYS];
};

int
dkim_check_selector(const char *v, struct error *err)
{
	const char *p = v;

	for (;;) {
		size_t n = strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-");

		if (n == 0 || n > 63 || p[0] == '-' || p[n - 1] == '-')
			break;
		if (p[n] == '\0')
			return 0;
		if (p[n] != '.')
			break;
		p += n + 1;
	}
	return error_setk(err, ERR_INPUT, "'%s' is not a selector (labels of letters, digits "
	                  "and '-', separated by dots)", v);
}

struct dkim *
dkim_new(void)
{
	struct dkim *d = xcalloc(1, sizeof(*d));

	atomic_init(&d->refs, 1);
	return d;
}

int
dkim_add_key(struct dkim *d, const char *domain, const char *selector, const char *key_file,
             int want, struct error *err)
{
	struct dkim_one *k;

	if (d->n == DKIM_MAX_KEYS)
		return error_setk(err, ERR_INPUT, "DKIM key %s: at most %d keys sign a message",
		                  key_file, DKIM_MAX_KEYS);
	if (selector == NULL || *selector == '\0')
		return error_setk(err, ERR_INPUT, "DKIM key %s: no selector for it", key_file);
	if (dkim_check_selector(selector, err) < 0)
		return -1;
	k = &d->keys[d->n];
	if ((k->key = dkim_key_load(key_file, want, &k->type, err)) == NULL)
		return -1;
	k->domain = xstrdup(domain);
	k->selector = xstrdup(selector);
	d->n++;
	return 0;
}

struct dkim *
dkim_ref(struct dkim *d)
{
	if (d)
		atomic_fetch_add(&d->refs, 1);
	return d;
}

void
dkim_unref(struct dkim *d)
{
	if (d == NULL || atomic_fetch_sub(&d->refs, 1) != 1)
		return;
	for (int i = 0; i < d->n; i++) {
		EVP_PKEY_free(d->keys[i].key);
		free(d->keys[i].domain);
		free(d->keys[i].selector);
	}
	free(d);
}

static int
is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

/*
 * dkim_canon_header - RFC 6376 3.4.2: the name in lower case, the value
 * unfolded, runs of white space as one space, none at the value's ends or
 * around the colon.
 */
int
dkim_canon_header(const char *f, size_t len, struct buf *out)
{
	const char *colon = memchr(f, ':', len), *p, *end = f + len;
	size_t name_len;
	int space = 0, any = 0;

	if (colon == NULL)
		return -1;
	name_len = (size_t)(colon - f);
	while (name_len > 0 && is_wsp(f[name_len - 1]))
		name_len--;
	for (size_t i = 0; i < name_len; i++)
		buf_addc(out, (char)(f[i] >= 'A' && f[i] <= 'Z' ? f[i] + 32 : f[i]));
	buf_addc(out, ':');
	for (p = colon + 1; p < end; p++) {
		if (*p == '\r' || *p == '\n')
			continue;
		if (is_wsp(*p)) {
			space = any;
			continue;
		}
		if (space)
			buf_addc(out, ' ');
		space = 0;
		any = 1;
		buf_addc(out, *p);
	}
	buf_add(out, "\r\n", 2);
	return buf_failed(out) ? -1 : 0;
}

/*
 * dkim_canon_body - RFC 6376 3.4.4: white space at line ends removed, runs
 * of it as one space, empty lines at the end removed; a body that is not
 * empty ends with CRLF.  Empty lines are only written once a line with
 * something on it follows them.  The result is never longer than twice the
 * body and a CRLF (a bare LF becomes CRLF), so it is written straight into
 * room reserved once: this runs over every byte of every signed message.
 */
int
dkim_canon_body(const char *b, size_t len, struct buf *out)
{
	const char *p = b, *end = b + len;
	size_t empty = 0;
	char *o;

	if (len > (out->max - 2) / 2 || buf_reserve(out, 2 * len + 2) != BUF_OK)
		return -1;
	o = out->data + out->len;
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *next = eol ? eol + 1 : end, *le = eol ? eol : end, *last;

		if (le > p && le[-1] == '\r')
			le--;
		last = le;
		while (last > p && is_wsp(last[-1]))
			last--;
		if (last == p) {
			empty++;
			p = next;
			continue;
		}
		for (; empty > 0; empty--) {
			*o++ = '\r';
			*o++ = '\n';
		}
		while (p < last) {
			if (!is_wsp(*p)) {
				*o++ = *p++;
				continue;
			}
			*o++ = ' ';
			while (is_wsp(*p))
				p++;
		}
		*o++ = '\r';
		*o++ = '\n';
		p = next;
	}
	out->len = (size_t)(o - out->data);
	out->data[out->len] = '\0';
	return 0;
}

/* A header field: where it starts, its length with its folds (without the last CRLF). */
struct field {
	const char *at;
	size_t len, name_len;
	int used;
};

/* split_header - the fields of msg's header; the body's offset into *body. */
static int
split_header(const char *m, size_t len, struct field *f, int *nf, size_t *body)
{
	size_t i = 0;
	int n = 0;

	while (i < len) {
		size_t start = i, e;

		if (m[i] == '\r' && i + 1 < len && m[i + 1] == '\n') {
			*body = i + 2;
			*nf = n;
			return 0;
		}
		/* A field runs to the CRLF not followed by white space. */
		for (e = i; e + 1 < len; e++)
			if (m[e] == '\r' && m[e + 1] == '\n' && (e + 2 >= len || !is_wsp(m[e + 2])))
				break;
		if (e + 1 >= len || n == FIELDS_MAX || is_wsp(m[start]))
			return -1;
		f[n].at = m + start;
		f[n].len = e - start;
		f[n].name_len = strcspn(f[n].at, ":");
		if (f[n].name_len >= f[n].len)
			return -1;
		while (f[n].name_len > 0 && is_wsp(f[n].at[f[n].name_len - 1]))
			f[n].name_len--;
		f[n].used = 0;
		n++;
		i = e + 2;
	}
	return -1;
}

/* take_field - the bottom-most unused field called name, marked used; NULL if none. */
static struct field *
take_field(struct field *f, int nf, const char *name)
{
	size_t nl = strlen(name);

	for (int i = nf - 1; i >= 0; i--)
		if (!f[i].used && f[i].name_len == nl && strncasecmp(f[i].at, name, nl) == 0) {
			f[i].used = 1;
			return &f[i];
		}
	return NULL;
}

/* b64 - data as base64 into out, no line breaks. */
static void
b64(struct buf *out, const unsigned char *data, size_t n)
{
	unsigned char *t = xmalloc(4 * ((n + 2) / 3) + 1);

	EVP_EncodeBlock(t, data, (int)n);
	buf_adds(out, (char *)t);
	free(t);
}

/* add_folded - s into the field, folding with CRLF TAB when the line reaches FOLD_AT. */
static void
add_folded(struct buf *out, size_t *col, const char *s, int may_split)
{
	size_t n = strlen(s);

	if (!may_split) {
		if (*col + n > FOLD_AT && *col > 1) {
			buf_adds(out, "\r\n\t");
			*col = 1;
			if (*s == ' ') {
				s++;
				n--;
			}
		}
		buf_add(out, s, n);
		*col += n;
		return;
	}
	while (n > 0) {
		size_t room = *col < FOLD_AT ? FOLD_AT - *col : 0, k = n < room ? n : room;

		if (k == 0) {
			buf_adds(out, "\r\n\t");
			*col = 1;
			continue;
		}
		buf_add(out, s, k);
		*col += k;
		s += k;
		n -= k;
	}
}

/* sign_data - the signature of the header data (its SHA-256) with one key, base64, into out. */
static int
sign_data(const struct dkim_one *k, const char *data, size_t len, struct buf *out)
{
	unsigned char sig[1024], md[SHA256_DIGEST_LENGTH];
	size_t n = sizeof(sig);
	int rc = -1;

	SHA256((const unsigned char *)data, len, md);
	if (k->type == DKIM_KEY_ED25519) {
		/* RFC 8463 3: PureEdDSA over the SHA-256 hash of the header data. */
		EVP_MD_CTX *m = EVP_MD_CTX_new();

		if (m == NULL)
			abort();
		if (EVP_DigestSignInit_ex(m, NULL, NULL, NULL, NULL, k->key, NULL) == 1 &&
		    EVP_DigestSign(m, sig, &n, md, SHA256_DIGEST_LENGTH) == 1)
			rc = 0;
		EVP_MD_CTX_free(m);
	} else {
		EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(k->key, NULL);

		if (c == NULL)
			abort();
		if ((size_t)EVP_PKEY_get_size(k->key) <= n && EVP_PKEY_sign_init(c) == 1 &&
		    EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_PADDING) == 1 &&
		    EVP_PKEY_CTX_set_signature_md(c, EVP_sha256()) == 1 &&
		    EVP_PKEY_sign(c, sig, &n, md, SHA256_DIGEST_LENGTH) == 1)
			rc = 0;
		EVP_PKEY_CTX_free(c);
	}
	if (rc == 0)
		b64(out, sig, n);
	else
		ERR_clear_error();
	return rc;
}

/*
 * sign_one - the DKIM-Signature field of one key into out: the tags with an
 * empty b=, hashed after the signed fields as RFC 6376 3.7 says, then the
 * signature appended as b='s value.
 */
static int
sign_one(const struct dkim_one *k, struct field *f, int nf, const char *bh, int64_t now,
         struct buf *out, struct buf *scratch)
{
	size_t col, start = out->len;
	char tag[128];
	int first = 1, rc = -1;

	for (int i = 0; i < nf; i++)
		f[i].used = 0;
	buf_reset(scratch);
	buf_addf(out, "DKIM-Signature: v=1; a=%s; c=relaxed/relaxed;",
	         k->type == DKIM_KEY_RSA ? "rsa-sha256" : "ed25519-sha256");
	col = out->len - start;
	snprintf(tag, sizeof(tag), " d=%s;", k->domain);
	add_folded(out, &col, tag, 0);
	snprintf(tag, sizeof(tag), " s=%s;", k->selector);
	add_folded(out, &col, tag, 0);
	snprintf(tag, sizeof(tag), " t=%lld;", (long long)now);
	add_folded(out, &col, tag, 0);
	add_folded(out, &col, " h=", 0);
	/* The fields present, each canonicalised into scratch in the order h= names them. */
	for (size_t i = 0; i < NSIGNED + NOVER; i++) {
		const char *name = i < NSIGNED ? SIGNED[i] : OVERSIGNED[i - NSIGNED];
		struct field *fd = take_field(f, nf, name);

		if (fd == NULL && i < NSIGNED)
			continue;
		if (fd && dkim_canon_header(fd->at, fd->len, scratch) < 0)
			goto out;
		snprintf(tag, sizeof(tag), "%s%s", first ? "" : ":", name);
		add_folded(out, &col, tag, 0);
		first = 0;
	}
	add_folded(out, &col, "; bh=", 0);
	add_folded(out, &col, bh, 1);
	add_folded(out, &col, "; b=", 0);
	/* The signature field itself, b= empty and without its CRLF, comes last. */
	if (dkim_canon_header(out->data + start, out->len - start, scratch) < 0)
		goto out;
	scratch->len -= 2;
	{
		struct buf sig;

		buf_init(&sig, 2048);
		if (sign_data(k, scratch->data, scratch->len, &sig) == 0) {
			add_folded(out, &col, buf_cstr(&sig), 1);
			buf_add(out, "\r\n", 2);
			rc = buf_failed(out) ? -1 : 0;
		}
		buf_free(&sig);
	}
out:
	return rc;
}

int
dkim_sign_data(const struct dkim *d, int i, const char *data, size_t len, struct buf *out)
{
	return i < 0 || i >= d->n ? -1 : sign_data(&d->keys[i], data, len, out);
}

int
dkim_sign(const struct dkim *d, struct buf *msg, int64_t now, struct error *err)
{
	struct field f[FIELDS_MAX];
	struct buf canon, sigs, scratch;
	unsigned char md[SHA256_DIGEST_LENGTH];
	char bh[2 * SHA256_DIGEST_LENGTH + 4];
	size_t body;
	int nf, rc = -1;

	if (d == NULL || d->n == 0)
		return 0;
	if (split_header(msg->data, msg->len, f, &nf, &body) < 0)
		return error_setk(err, ERR_INPUT, "DKIM: the message has no header ending in an "
		                  "empty line, or more than %d fields", FIELDS_MAX);
	buf_init(&canon, 2 * msg->max + 2);
	buf_init(&sigs, (size_t)SIG_FIELD_MAX * DKIM_MAX_KEYS);
	buf_init(&scratch, 64 << 10);
	if (dkim_canon_body(msg->data + body, msg->len - body, &canon) < 0) {
		error_set(err, "DKIM: body too large");
		goto out;
	}
	SHA256((const unsigned char *)canon.data, canon.len, md);
	EVP_EncodeBlock((unsigned char *)bh, md, SHA256_DIGEST_LENGTH);
	for (int i = 0; i < d->n; i++)
		if (sign_one(&d->keys[i], f, nf, bh, now, &sigs, &scratch) < 0) {
			error_set(err, "DKIM: cannot sign as %s._domainkey.%s", d->keys[i].selector,
			          d->keys[i].domain);
			goto out;
		}
	/* The fields go in front: the message moves up once, in place. */
	if (buf_reserve(msg, sigs.len) != BUF_OK) {
		error_set(err, "DKIM: message larger than %zu bytes with its signature", msg->max);
		goto out;
	}
	memmove(msg->data + sigs.len, msg->data, msg->len + 1);
	memcpy(msg->data, sigs.data, sigs.len);
	msg->len += sigs.len;
	rc = 0;
out:
	buf_free(&canon);
	buf_free(&sigs);
	buf_free(&scratch);
	return rc;
}
