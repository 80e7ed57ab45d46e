/* keys_file.c — the key provider for --encryption_key_file.
 *
 * Like Dgraph's, a key file holds the raw key bytes and nothing else: the
 * bytes are used exactly as they are, never trimmed, so a key that happens to
 * end in a newline byte stays intact. The one courtesy: a file of 17, 24+1 or
 * 32+1 bytes ending in '\n' is almost surely a key saved by an editor or echo,
 * and is refused with a message that says so, instead of the host's bare
 * "wrong length". The host judges the length; this file only reads. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cairn/keys.h>

#define KEY_FILE_CFG "encryption_key_file"

static const struct cairn_host *host;

static int kf_init(const struct cairn_host *h, cairn_err *err)
{
	(void)err;
	host = h;
	return 0;
}

static int kf_selected(const struct cairn_kv *cfg)
{
	const char *path = cairn_kv_get(cfg, KEY_FILE_CFG);
	return path && *path;
}

static int open_error(const char *path, int e, cairn_err *err)
{
	switch (e) {
	case ENOENT:
		return cairn_err_setc(err, CAIRN_E_NOTFOUND,
				      "encryption key file \"%s\" does not exist; check "
				      "encryption_key_file",
				      path);
	case EACCES:
	case EPERM:
		return cairn_err_setc(err, CAIRN_E_PERMISSION,
				      "cannot read encryption key file \"%s\" (permission denied); "
				      "make it readable by the user cairn runs as",
				      path);
	case EISDIR:
		return cairn_err_set(err,
				     "encryption key file \"%s\" is a directory; point "
				     "encryption_key_file at the file holding the key",
				     path);
	default:
		return cairn_err_set(err, "cannot read encryption key file \"%s\" (%s)", path,
				     strerror(e));
	}
}

/* Reads at most cap bytes; *n is how many were read. A regular file's size
 * comes from fstat so an oversized key file can be reported by its size. */
static int read_capped(int fd, unsigned char *buf, size_t cap, size_t *n)
{
	*n = 0;
	while (*n < cap) {
		ssize_t r = read(fd, buf + *n, cap - *n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		*n += (size_t)r;
	}
	return 0;
}

static int kf_get_key(const struct cairn_kv *cfg, unsigned char *key, size_t *len, cairn_err *err)
{
	const char *path = cairn_kv_get(cfg, KEY_FILE_CFG);
	unsigned char buf[CAIRN_KEY_MAX + 1];
	struct stat st;
	size_t n = 0;
	int fd, rc = -1;

	*len = 0;
	if (!path || !*path)
		return cairn_err_set(err, "encryption_key_file is not set");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return open_error(path, errno, err);
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		open_error(path, EISDIR, err);
		goto out;
	}
	if (read_capped(fd, buf, sizeof buf, &n) < 0) {
		open_error(path, errno, err);
		goto out;
	}
	/* Register what was read before anything else can print it. */
	if (n && host && host->add_secret) {
		size_t m = n > CAIRN_KEY_MAX ? CAIRN_KEY_MAX : n;
		host->add_secret(buf, m);
		if (m > 1 && buf[m - 1] == '\n')
			host->add_secret(buf, m - 1);
	}
	if (n == 0) {
		cairn_err_set(err,
			      "encryption key file \"%s\" is empty; it must hold the raw key: "
			      "exactly 16, 24 or 32 bytes",
			      path);
		goto out;
	}
	if (n > CAIRN_KEY_MAX) {
		if (S_ISREG(st.st_mode))
			cairn_err_set(
			    err,
			    "encryption key file \"%s\" is %lld bytes, too big for a key; "
			    "it must hold the raw key: exactly 16, 24 or 32 bytes",
			    path, (long long)st.st_size);
		else
			cairn_err_set(
			    err,
			    "encryption key file \"%s\" holds more than %d bytes, too big "
			    "for a key; it must hold the raw key: exactly 16, 24 or 32 bytes",
			    path, CAIRN_KEY_MAX);
		goto out;
	}
	if ((n == 17 || n == 25 || n == 33) && buf[n - 1] == '\n') {
		cairn_err_set(err,
			      "encryption key file \"%s\": a trailing newline makes it %zu bytes, "
			      "not %zu; write the key without one (e.g. head -c %zu /dev/urandom > "
			      "FILE)",
			      path, n, n - 1, n - 1);
		goto out;
	}
	memcpy(key, buf, n);
	*len = n;
	rc = 0;
	/* Readable by group or others: anyone in them can decrypt every backup. */
	if (S_ISREG(st.st_mode) && (st.st_mode & (S_IRGRP | S_IROTH)) && host && host->log)
		host->log(CAIRN_LOG_WARN, "keys-file",
			  "encryption key file %s has mode %04o: it is readable by %s; make it "
			  "readable by its owner only (chmod 600 %s)",
			  path, (unsigned)(st.st_mode & 07777),
			  (st.st_mode & S_IRGRP) && (st.st_mode & S_IROTH) ? "group and others"
			  : (st.st_mode & S_IRGRP)			   ? "its group"
									   : "others",
			  path);
	if (host && host->log)
		host->log(CAIRN_LOG_DEBUG, "keys-file", "read a %zu-byte key from %s", n, path);
out:
	explicit_bzero(buf, sizeof buf);
	close(fd);
	return rc;
}

static const char *const kf_config_keys[] = {KEY_FILE_CFG, NULL};

static const struct cairn_config_key kf_config[] = {
    {KEY_FILE_CFG, NULL, "file holding the 16/24/32-byte backup encryption key", 0},
    {NULL, NULL, NULL, 0},
};

static const struct cairn_keys_ops kf_ops = {
    .struct_size = sizeof(struct cairn_keys_ops),
    .config_keys = kf_config_keys,
    .config = kf_config,
    .selected = kf_selected,
    .get_key = kf_get_key,
};

static const struct cairn_plugin kf_plugin = {
    .abi_major = CAIRN_ABI_MAJOR,
    .abi_minor = CAIRN_ABI_MINOR,
    .struct_size = sizeof(struct cairn_plugin),
    .kind = CAIRN_PLUGIN_KEYS,
    .name = "keys-file",
    .version = "1.0.0",
    .schemes = NULL,
    .init = kf_init,
    .ops = &kf_ops,
};

CAIRN_PLUGIN_DEFINE(kf_plugin)
