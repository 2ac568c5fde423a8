/*
 * dkim_key - DKIM private keys: loading a PEM file, making a new key, and
 * the DNS TXT record that publishes its public half (RFC 6376 3.6.1,
 * RFC 8463 4: an RSA key as its SubjectPublicKeyInfo, an Ed25519 key as
 * its 32 raw bytes, both in base64).  Errors name the file.
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "dkim_impl.h"
#include "fsutil.h"

/* ssl_why - OpenSSL's reason for the last failure, for an error message. */
static const char *
ssl_why(void)
{
	unsigned long e = ERR_get_error();
	const char *r = e ? ERR_reason_error_string(e) : NULL;

	ERR_clear_error();
	return r ? r : "unknown reason";
}

EVP_PKEY *
dkim_key_load(const char *path, int want, int *type, struct error *err)
{
	EVP_PKEY *k = NULL;
	BIO *bio = NULL;
	char *pem = NULL;
	size_t len;
	int t;

	if (read_file(path, DKIM_KEY_FILE_MAX, &pem, &len, err) < 0) {
		error_prefix(err, "DKIM key");
		return NULL;
	}
	if ((bio = BIO_new_mem_buf(pem, (int)len)) == NULL)
		abort();
	k = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
	BIO_free(bio);
	explicit_bzero(pem, len);
	free(pem);
	if (k == NULL) {
		error_setk(err, ERR_INPUT, "DKIM key %s: not a PEM private key (%s)", path, ssl_why());
		return NULL;
	}
	if (EVP_PKEY_is_a(k, "RSA"))
		t = DKIM_KEY_RSA;
	else if (EVP_PKEY_is_a(k, "ED25519"))
		t = DKIM_KEY_ED25519;
	else {
		error_setk(err, ERR_INPUT, "DKIM key %s: a %s key; DKIM signs with RSA or Ed25519",
		           path, EVP_PKEY_get0_type_name(k));
		EVP_PKEY_free(k);
		return NULL;
	}
	if (t == DKIM_KEY_RSA && EVP_PKEY_get_bits(k) < DKIM_RSA_MIN_BITS) {
		error_setk(err, ERR_INPUT, "DKIM key %s: RSA key of %d bits; receivers ignore "
		           "signatures by keys under %d bits", path, EVP_PKEY_get_bits(k),
		           DKIM_RSA_MIN_BITS);
		EVP_PKEY_free(k);
		return NULL;
	}
	if (want != DKIM_KEY_ANY && want != t) {
		error_setk(err, ERR_INPUT, "DKIM key %s: an %s key, want %s", path,
		           t == DKIM_KEY_RSA ? "RSA" : "Ed25519",
		           want == DKIM_KEY_RSA ? "RSA" : "Ed25519");
		EVP_PKEY_free(k);
		return NULL;
	}
	if (type)
		*type = t;
	return k;
}

int
dkim_check_key_file(const char *path, struct error *err)
{
	EVP_PKEY *k = dkim_key_load(path, DKIM_KEY_ANY, NULL, err);

	EVP_PKEY_free(k);
	return k ? 0 : -1;
}

/* public_b64 - the p= value of k: base64 of its public key as RFC 6376 or 8463 wants. */
static int
public_b64(EVP_PKEY *k, int type, struct buf *out)
{
	unsigned char *der = NULL, raw[32], *b64;
	size_t n = sizeof(raw);
	int len, rc = -1;

	if (type == DKIM_KEY_RSA) {
		if ((len = i2d_PUBKEY(k, &der)) <= 0)
			return -1;
	} else {
		if (EVP_PKEY_get_raw_public_key(k, raw, &n) != 1)
			return -1;
		len = (int)n;
	}
	b64 = xmalloc(4 * ((size_t)len + 2) / 3 + 1);
	EVP_EncodeBlock(b64, der ? der : raw, len);
	if (buf_adds(out, (char *)b64) == BUF_OK)
		rc = 0;
	free(b64);
	OPENSSL_free(der);
	return rc;
}

/* txt_of - the whole record value for k. */
static int
txt_of(EVP_PKEY *k, int type, struct buf *txt)
{
	buf_addf(txt, "v=DKIM1; k=%s; p=", type == DKIM_KEY_RSA ? "rsa" : "ed25519");
	return public_b64(k, type, txt) < 0 || buf_failed(txt) ? -1 : 0;
}

int
dkim_key_txt(const char *path, struct buf *txt, int *type, struct error *err)
{
	int t, rc;
	EVP_PKEY *k = dkim_key_load(path, DKIM_KEY_ANY, &t, err);

	if (k == NULL)
		return -1;
	if ((rc = txt_of(k, t, txt)) < 0)
		error_set(err, "DKIM key %s: cannot write its public key", path);
	EVP_PKEY_free(k);
	if (type)
		*type = t;
	return rc;
}

int
dkim_keygen(int type, const char *path, struct buf *txt, struct error *err)
{
	EVP_PKEY *k = NULL;
	FILE *fp = NULL;
	int fd = -1, rc = -1;

	if (type == DKIM_KEY_RSA)
		k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)DKIM_RSA_BITS);
	else
		k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	if (k == NULL)
		return error_set(err, "cannot make a key: %s", ssl_why());
	/* Never over an existing key: it may be the one the DNS publishes. */
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600)) < 0) {
		error_setk(err, errno == EEXIST ? ERR_CONFLICT : ERR_IO, "%s: %s%s", path,
		           strerror(errno), errno == EEXIST ? " (a key is never overwritten)" : "");
		goto out;
	}
	if ((fp = fdopen(fd, "w")) == NULL) {
		error_setk(err, ERR_IO, "%s: %s", path, strerror(errno));
		goto out;
	}
	fd = -1;
	if (PEM_write_PrivateKey(fp, k, NULL, NULL, 0, NULL, NULL) != 1 || fflush(fp) != 0 ||
	    fsync(fileno(fp)) != 0) {
		error_setk(err, ERR_IO, "%s: cannot write the key: %s", path, strerror(errno));
		goto out_unlink;
	}
	if (txt_of(k, type, txt) < 0) {
		error_set(err, "%s: cannot write its public key", path);
		goto out_unlink;
	}
	rc = 0;
	goto out;
out_unlink:
	unlink(path);
out:
	if (fp && fclose(fp) != 0 && rc == 0)
		rc = error_setk(err, ERR_IO, "%s: %s", path, strerror(errno));
	if (fd >= 0)
		close(fd);
	EVP_PKEY_free(k);
	return rc;
}

/* tag_value - the value of tag name in a tag list ("v=DKIM1; k=rsa; p=..."), spaces removed. */
static char *
tag_value(const char *rec, const char *name)
{
	size_t nl = strlen(name);
	const char *p = rec;

	while (*p) {
		const char *t, *e;
		char *v, *o;

		while (*p == ' ' || *p == '\t' || *p == ';')
			p++;
		t = p;
		e = p + strcspn(p, ";");
		p = e;
		while (t < e && (*t == ' ' || *t == '\t'))
			t++;
		if ((size_t)(e - t) <= nl || strncmp(t, name, nl) != 0)
			continue;
		t += nl;
		while (t < e && (*t == ' ' || *t == '\t'))
			t++;
		if (t == e || *t != '=')
			continue;
		o = v = xmalloc((size_t)(e - t) + 1);
		for (t++; t < e; t++)
			if (*t != ' ' && *t != '\t' && *t != '\r' && *t != '\n')
				*o++ = *t;
		*o = '\0';
		return v;
	}
	return NULL;
}

int
dkim_txt_matches(const char *path, const char *record, const char **why, struct error *err)
{
	struct buf mine;
	char *p = NULL, *k = NULL, *v = NULL;
	int type, rc = 0;

	buf_init(&mine, 4096);
	if (dkim_key_txt(path, &mine, &type, err) < 0) {
		buf_free(&mine);
		return -1;
	}
	v = tag_value(record, "v");
	k = tag_value(record, "k");
	p = tag_value(record, "p");
	if (v && strcmp(v, "DKIM1") != 0)
		*why = "its v= is not DKIM1";
	else if (strcmp(k ? k : "rsa", type == DKIM_KEY_RSA ? "rsa" : "ed25519") != 0)
		*why = type == DKIM_KEY_RSA ? "its k= is not rsa but the key is RSA"
		                            : "its k= is not ed25519 but the key is Ed25519";
	else if (p == NULL || *p == '\0')
		*why = "it has no public key (p= empty: the key is revoked)";
	else if (strcmp(p, strstr(buf_cstr(&mine), "p=") + 2) != 0)
		*why = "its public key (p=) is not the key file's";
	else
		rc = 1;
	free(p);
	free(k);
	free(v);
	buf_free(&mine);
	return rc;
}
