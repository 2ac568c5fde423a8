/*
 * secret - create and load the site signing key.
 */
#include "secret.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fsutil.h"

int
secret_create(const char *path, struct error *err)
{
	unsigned char key[SECRET_LEN];
	char hex[SECRET_LEN * 2 + 2];
	struct stat sb;
	char *dir;
	int rc;

	if (stat(path, &sb) == 0)
		return 0;
	if (errno != ENOENT)
		return error_set(err, "%s: %s", path, strerror(errno));
	dir = path_dirname(path);
	rc = mkdir_p(dir, 0750, err);
	free(dir);
	if (rc < 0)
		return -1;
	random_bytes(key, sizeof(key));
	for (size_t i = 0; i < SECRET_LEN; i++) {
		static const char digits[] = "0123456789abcdef";

		hex[2 * i] = digits[key[i] >> 4];
		hex[2 * i + 1] = digits[key[i] & 15];
	}
	hex[SECRET_LEN * 2] = '\n';
	hex[SECRET_LEN * 2 + 1] = '\0';
	if (write_file_atomic(path, hex, SECRET_LEN * 2 + 1, 0600, err) < 0)
		return -1;
	return 1;
}

int
secret_load(const char *path, unsigned char key[SECRET_LEN], struct error *err)
{
	struct stat sb;
	char *data;
	size_t len;

	if (stat(path, &sb) < 0)
		return error_set(err, "secret key %s: %s (run: outreach init)", path,
		                 strerror(errno));
	if (sb.st_mode & 077)
		return error_set(err, "secret key %s is readable by others (mode %04o); "
		                 "chmod 600 it", path, (unsigned)(sb.st_mode & 07777));
	if (read_file(path, 4096, &data, &len, err) < 0)
		return -1;
	while (len > 0 && (data[len - 1] == '\n' || data[len - 1] == '\r'))
		len--;
	if (len != SECRET_LEN * 2) {
		free(data);
		return error_set(err, "secret key %s: expected %d hex digits", path, SECRET_LEN * 2);
	}
	for (size_t i = 0; i < SECRET_LEN; i++) {
		int hi = hex_digit(data[2 * i]), lo = hex_digit(data[2 * i + 1]);

		if (hi < 0 || lo < 0) {
			free(data);
			return error_set(err, "secret key %s: not hex", path);
		}
		key[i] = (unsigned char)(hi << 4 | lo);
	}
	free(data);
	return 0;
}
