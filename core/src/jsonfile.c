/* jsonfile.c — atomic file replacement and JSON number helpers. */
#include "jsonfile.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int cairn_write_file_atomic(const char *path, const void *data, size_t len, cairn_err *err)
{
	char *tmp = NULL;
	if (asprintf(&tmp, "%s.tmp.%ld", path, (long)getpid()) < 0)
		return cairn_err_set(err, "out of memory");
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		cairn_err_set(err, "cannot write %s: %s", path, strerror(errno));
		free(tmp);
		return -1;
	}
	const char *p = data;
	size_t left = len;
	while (left) {
		ssize_t n = write(fd, p, left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			cairn_err_set(err, "cannot write %s: %s", path, strerror(errno));
			goto fail;
		}
		p += n;
		left -= (size_t)n;
	}
	if (fsync(fd) < 0) {
		cairn_err_set(err, "cannot sync %s: %s", path, strerror(errno));
		goto fail;
	}
	close(fd);
	fd = -1;
	if (rename(tmp, path) < 0) {
		cairn_err_set(err, "cannot replace %s: %s", path, strerror(errno));
		goto fail;
	}
	free(tmp);
	char *dir = strdup(path), *slash = dir ? strrchr(dir, '/') : NULL;
	if (slash) {
		*slash = 0;
		int dfd = open(*dir ? dir : "/", O_RDONLY | O_DIRECTORY);
		if (dfd >= 0) {
			fsync(dfd);
			close(dfd);
		}
	}
	free(dir);
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	free(tmp);
	return -1;
}

int cairn_read_file(const char *path, size_t max, char **data, size_t *len, cairn_err *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return 1;
		return cairn_err_set(err, "cannot read %s: %s", path, strerror(errno));
	}
	struct stat sb;
	if (fstat(fd, &sb) == 0 && S_ISDIR(sb.st_mode)) {
		close(fd);
		return cairn_err_set(err, "cannot read %s: %s", path, strerror(EISDIR));
	}
	if (fstat(fd, &sb) < 0 || (size_t)sb.st_size > max) {
		close(fd);
		return cairn_err_set(err, "%s is too large (over %zu bytes)", path, max);
	}
	char *buf = malloc((size_t)sb.st_size + 1);
	size_t got = 0;
	while (buf && got < (size_t)sb.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)sb.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) { /* EISDIR, EIO: not an empty file */
			int e = errno;
			close(fd);
			free(buf);
			return cairn_err_set(err, "cannot read %s: %s", path, strerror(e));
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	if (!buf)
		return cairn_err_set(err, "out of memory");
	buf[got] = 0;
	*data = buf;
	if (len)
		*len = got;
	return 0;
}

#define EXACT_LIMIT 9007199254740992.0 /* 2^53: doubles are exact below it */

/* The string form: 1 to 20 decimal digits, no sign, no leading zero, at
 * most 2^64-1. */
static int parse_digits(const char *s, uint64_t *out)
{
	size_t n = strlen(s);
	uint64_t v = 0;
	if (n == 0 || n > 20 || (n > 1 && s[0] == '0'))
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		unsigned d = (unsigned)(*s - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

/* A u64 in either form; -1 if v is not one. */
static int value_u64(const cJSON *v, uint64_t *out)
{
	/* Raw: a number this process wrote and has not printed yet. */
	if ((cJSON_IsString(v) || cJSON_IsRaw(v)) && parse_digits(v->valuestring, out) == 0)
		return 0;
	if (cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble < EXACT_LIMIT &&
	    floor(v->valuedouble) == v->valuedouble) {
		*out = (uint64_t)v->valuedouble;
		return 0;
	}
	return -1;
}

uint64_t cairn_json_u64_value(const cJSON *v)
{
	uint64_t out = 0;
	return value_u64(v, &out) == 0 ? out : 0;
}

int cairn_json_get_u64(const cJSON *obj, const char *name, uint64_t *out, cairn_err *err)
{
	if (value_u64(cJSON_GetObjectItemCaseSensitive(obj, name), out) == 0)
		return 0;
	return cairn_err_set(err,
			     "\"%s\" must be a whole number from 0 to 2^64-1 (written as a "
			     "string of digits from 2^53 up)",
			     name);
}

uint64_t cairn_json_u64(const cJSON *obj, const char *name)
{
	return cairn_json_u64_value(cJSON_GetObjectItemCaseSensitive(obj, name));
}

cJSON *cairn_json_u64_create(uint64_t v)
{
	char s[24];
	snprintf(s, sizeof s, "%llu", (unsigned long long)v);
	/* Raw, because cJSON prints a double with 15 significant digits when
	 * its looser round-trip test passes, which turns 2^53-1 into
	 * 9.00719925474099e+15. */
	return v < (1ull << 53) ? cJSON_CreateRaw(s) : cJSON_CreateString(s);
}

void cairn_json_add_u64(cJSON *obj, const char *name, uint64_t v)
{
	cJSON_AddItemToObject(obj, name, cairn_json_u64_create(v));
}
