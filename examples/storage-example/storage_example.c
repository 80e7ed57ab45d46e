/* storage_example.c — storage-example: a small, complete cairn storage
 * driver, written the way a vendor writes one (docs/plugins.md). It builds
 * from the installed SDK alone:
 *
 *     cc -shared $(pkg-config --cflags cairn-plugin) -o storage-example.so storage_example.c
 *
 * Scheme "example": example:///some/dir keeps each object as a file under
 * /some/dir ("a/b" is /some/dir/a/b). What a real driver needs is all here:
 *   - atomic commit: bytes go to a hidden temporary file beside the final
 *     name, which write_commit fsyncs and renames into place, so the object
 *     appears whole or not at all; write_abort deletes the temporary;
 *   - listing that never shows a temporary, ranged reads (a seek), stat,
 *     remove (a missing object is no error);
 *   - errors as one sentence with a code (CAIRN_E_NOTFOUND, _PERMISSION...);
 *   - a config key read through the host ([example] fsync = false), and a
 *     log line through the host;
 *   - no state shared between calls but the handle's root path, so any
 *     number of threads may use one handle.
 * It includes nothing but <cairn/storage.h> and the C library. */
#define _GNU_SOURCE /* asprintf */
#include <cairn/storage.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TMP_MARK ".tmp-"

static const struct cairn_host *host;
static atomic_ulong tmp_seq;

struct cairn_storage {
	char *root;
	int fsync; /* [example] fsync, default true */
};

struct cairn_writer {
	const struct cairn_storage *st;
	int fd;
	char *tmp, *final;
};

struct cairn_reader {
	int fd;
	uint64_t pos, end; /* end: UINT64_MAX for "to the end of the file" */
};

/* errno as a sentence with a code a host can act on. Returns -1. */
static int sys_err(cairn_err *err, const char *what, const char *path)
{
	int e = errno;
	switch (e) {
	case ENOENT:
		return cairn_err_setc(err, CAIRN_E_NOTFOUND, "%s %s: no such file", what, path);
	case EACCES:
	case EPERM:
	case EROFS:
		return cairn_err_setc(err, CAIRN_E_PERMISSION,
				      "%s %s: permission denied; give the user running cairn "
				      "write access to the directory",
				      what, path);
	case EINTR:
	case EAGAIN:
		return cairn_err_setc(err, CAIRN_E_TRANSIENT, "%s %s: %s; try again", what, path,
				      strerror(e));
	default:
		return cairn_err_set(err, "%s %s: %s", what, path, strerror(e));
	}
}

/* Object names are relative: no leading '/', no empty, "." or ".." parts. */
static int bad_name(const char *name, cairn_err *err)
{
	const char *p = name;
	if (!*name || *name == '/')
		return cairn_err_set(err, "bad object name \"%s\"", name);
	while (*p) {
		size_t n = strcspn(p, "/");
		if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && !strncmp(p, "..", 2)))
			return cairn_err_set(err, "bad object name \"%s\"", name);
		p += n + (p[n] == '/');
	}
	return 0;
}

static char *path_of(const struct cairn_storage *st, const char *name)
{
	char *out = NULL;
	return asprintf(&out, "%s/%s", st->root, name) < 0 ? NULL : out;
}

static int ex_open(const struct cairn_uri *uri, const struct cairn_kv *params,
		   struct cairn_storage **out, cairn_err *err)
{
	(void)params; /* credentials would come from here (accessKey, ...) */
	if (uri->host[0] || uri->path[0] != '/')
		return cairn_err_set(err, "bad location \"%s\": write example:///absolute/dir",
				     uri->raw);
	struct cairn_storage *st = calloc(1, sizeof *st);
	if (!st || !(st->root = strdup(uri->path))) {
		free(st);
		return cairn_err_set(err, "out of memory");
	}
	size_t n = strlen(st->root);
	while (n > 1 && st->root[n - 1] == '/')
		st->root[--n] = 0;
	/* Config: the host's merged flags and ini; register secrets with
	 * host->add_secret if a value is one (this driver has none). */
	const char *fs = host && host->config_get ? host->config_get("example", "fsync") : NULL;
	st->fsync = !(fs && !strcmp(fs, "false"));
	if (mkdir(st->root, 0755) < 0 && errno != EEXIST) {
		sys_err(err, "cannot create", st->root);
		free(st->root);
		free(st);
		return -1;
	}
	*out = st;
	return 0;
}

static void ex_close(struct cairn_storage *st)
{
	free(st->root);
	free(st);
}

/* ---- listing: a recursive walk; temporaries are never objects ---- */
struct walk {
	const char *prefix;
	cairn_list_cb cb;
	void *ctx;
	cairn_err *err;
	int stop;
};

static int walk(struct walk *w, const char *dir, const char *rel)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int rc = 0;
	if (!d) /* gone: nothing written yet, or removed beside this listing */
		return errno == ENOENT ? 0 : sys_err(w->err, "cannot list", dir);
	while (rc == 0 && !w->stop && (e = readdir(d)) != NULL) {
		char *full = NULL, *name = NULL;
		struct stat sb;
		if (e->d_name[0] == '.') /* ".", "..", and TMP_MARK temporaries */
			continue;
		if (asprintf(&full, "%s/%s", dir, e->d_name) < 0)
			full = NULL;
		if (asprintf(&name, "%s%s", rel, e->d_name) < 0)
			name = NULL;
		if (!full || !name) {
			rc = cairn_err_set(w->err, "out of memory");
		} else if (lstat(full, &sb) < 0) {
			/* removed beside this listing: not listed */
		} else if (S_ISDIR(sb.st_mode)) {
			char *sub = NULL;
			size_t nl = strlen(name), pl = strlen(w->prefix);
			/* Descend only where the prefix can still match. */
			if (strncmp(name, w->prefix, nl < pl ? nl : pl) == 0) {
				if (asprintf(&sub, "%s/", name) < 0)
					rc = cairn_err_set(w->err, "out of memory");
				else
					rc = walk(w, full, sub);
				free(sub);
			}
		} else if (S_ISREG(sb.st_mode) && !strncmp(name, w->prefix, strlen(w->prefix))) {
			/* 0: go on; 1: the caller has enough; -1: the caller
			 * failed and set err itself, which list returns as is. */
			int r = w->cb(w->ctx, name, (uint64_t)sb.st_size, w->err);
			if (r < 0)
				rc = -1;
			else if (r > 0)
				w->stop = 1;
		}
		free(full);
		free(name);
	}
	closedir(d);
	return rc;
}

static int ex_list(struct cairn_storage *st, const char *prefix, cairn_list_cb cb, void *ctx,
		   cairn_err *err)
{
	struct walk w = {prefix ? prefix : "", cb, ctx, err, 0};
	return walk(&w, st->root, "");
}

static int ex_stat(struct cairn_storage *st, const char *name, int *exists, uint64_t *size,
		   cairn_err *err)
{
	struct stat sb;
	char *p;
	int rc = 0;
	if (bad_name(name, err) < 0)
		return -1;
	if (!(p = path_of(st, name)))
		return cairn_err_set(err, "out of memory");
	*exists = 0;
	if (stat(p, &sb) == 0) {
		*exists = S_ISREG(sb.st_mode);
		if (size)
			*size = (uint64_t)sb.st_size;
	} else if (errno != ENOENT && errno != ENOTDIR) {
		rc = sys_err(err, "cannot stat", p); /* a missing object is no error */
	}
	free(p);
	return rc;
}

static int ex_remove(struct cairn_storage *st, const char *name, cairn_err *err)
{
	char *p;
	int rc = 0;
	if (bad_name(name, err) < 0)
		return -1;
	if (!(p = path_of(st, name)))
		return cairn_err_set(err, "out of memory");
	if (unlink(p) < 0 && errno != ENOENT) /* removing a missing object succeeds */
		rc = sys_err(err, "cannot remove", p);
	free(p);
	return rc;
}

/* mkdir -p of the folders above path. */
static int make_parents(char *path, cairn_err *err)
{
	for (char *s = strchr(path + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = 0;
		int bad = mkdir(path, 0755) < 0 && errno != EEXIST;
		if (bad)
			sys_err(err, "cannot create folder", path);
		*s = '/';
		if (bad)
			return -1;
	}
	return 0;
}

/* ---- writing: temporary + fsync + rename ---- */
static int ex_write_open(struct cairn_storage *st, const char *name, struct cairn_writer **out,
			 cairn_err *err)
{
	struct cairn_writer *w;
	char *slash;
	if (bad_name(name, err) < 0)
		return -1;
	if (!(w = calloc(1, sizeof *w)) || !(w->final = path_of(st, name)))
		goto oom;
	w->st = st;
	w->fd = -1;
	slash = strrchr(w->final, '/');
	/* Unique per writer (pid + sequence), so writers of one name in
	 * several threads or processes never share a temporary. */
	if (asprintf(&w->tmp, "%.*s/" TMP_MARK "%s.%ld.%lu", (int)(slash - w->final), w->final,
		     slash + 1, (long)getpid(), atomic_fetch_add(&tmp_seq, 1)) < 0) {
		w->tmp = NULL;
		goto oom;
	}
	if (make_parents(w->final, err) < 0)
		goto fail;
	if ((w->fd = open(w->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644)) < 0) {
		sys_err(err, "cannot create", w->tmp);
		goto fail;
	}
	*out = w;
	return 0;
oom:
	cairn_err_set(err, "out of memory");
fail:
	if (w) {
		free(w->tmp);
		free(w->final);
		free(w);
	}
	return -1;
}

static int ex_write(struct cairn_writer *w, const void *buf, size_t len, cairn_err *err)
{
	const char *p = buf;
	while (len) {
		ssize_t n = write(w->fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return sys_err(err, "cannot write", w->tmp);
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static void writer_free(struct cairn_writer *w)
{
	if (w->fd >= 0)
		close(w->fd);
	free(w->tmp);
	free(w->final);
	free(w);
}

/* Discards everything written: the object never existed. */
static void ex_write_abort(struct cairn_writer *w)
{
	unlink(w->tmp);
	writer_free(w);
}

/* Durable, then visible: fsync, close, rename. Frees w either way. */
static int ex_write_commit(struct cairn_writer *w, cairn_err *err)
{
	if (w->st->fsync && fsync(w->fd) < 0) {
		sys_err(err, "cannot sync", w->tmp);
		goto fail;
	}
	int rc = close(w->fd);
	w->fd = -1;
	if (rc < 0) {
		sys_err(err, "cannot close", w->tmp);
		goto fail;
	}
	if (rename(w->tmp, w->final) < 0) {
		sys_err(err, "cannot rename into", w->final);
		goto fail;
	}
	if (host && host->log)
		host->log(CAIRN_LOG_DEBUG, "storage-example", "committed %s", w->final);
	writer_free(w);
	return 0;
fail:
	ex_write_abort(w);
	return -1;
}

/* ---- reading: whole objects and ranges ---- */
static int ex_read_open_range(struct cairn_storage *st, const char *name, uint64_t offset,
			      uint64_t length, struct cairn_reader **out, cairn_err *err)
{
	struct cairn_reader *r;
	char *p;
	if (bad_name(name, err) < 0)
		return -1;
	if (!(p = path_of(st, name)) || !(r = calloc(1, sizeof *r))) {
		free(p);
		return cairn_err_set(err, "out of memory");
	}
	if ((r->fd = open(p, O_RDONLY | O_CLOEXEC)) < 0) {
		sys_err(err, "cannot open", p); /* ENOENT: CAIRN_E_NOTFOUND */
		free(r);
		free(p);
		return -1;
	}
	free(p);
	r->pos = offset;
	/* length 0, or a range running past 2^64: to the end. */
	r->end = length && offset + length > offset ? offset + length : UINT64_MAX;
	*out = r;
	return 0;
}

static int ex_read_open(struct cairn_storage *st, const char *name, struct cairn_reader **out,
			cairn_err *err)
{
	return ex_read_open_range(st, name, 0, 0, out, err);
}

static ssize_t ex_read(struct cairn_reader *r, void *buf, size_t len, cairn_err *err)
{
	if (r->pos >= r->end || r->pos > (uint64_t)INT64_MAX)
		return 0; /* the range is done, or starts past any file's end */
	if (len > r->end - r->pos)
		len = (size_t)(r->end - r->pos);
	for (;;) {
		ssize_t n = pread(r->fd, buf, len, (off_t)r->pos);
		if (n >= 0) {
			r->pos += (uint64_t)n;
			return n; /* 0: the end of the object */
		}
		if (errno != EINTR)
			return sys_err(err, "cannot read", "object");
	}
}

static void ex_read_close(struct cairn_reader *r)
{
	close(r->fd);
	free(r);
}

static int ex_init(const struct cairn_host *h, cairn_err *err)
{
	(void)err;
	/* A host of a later minor is fine: its table only grew. Test any
	 * field after ABI 1.0 with CAIRN_HAS(h, field) before use. */
	host = h;
	return 0;
}

static const struct cairn_storage_ops ops = {
    .struct_size = sizeof(struct cairn_storage_ops),
    .open = ex_open,
    .close = ex_close,
    .list = ex_list,
    .stat = ex_stat,
    .remove = ex_remove,
    .write_open = ex_write_open,
    .write = ex_write,
    .write_commit = ex_write_commit,
    .write_abort = ex_write_abort,
    .read_open = ex_read_open,
    .read = ex_read,
    .read_close = ex_read_close,
    /* ABI 1.1 */
    .features = CAIRN_STORAGE_RANGED_READ,
    .read_open_range = ex_read_open_range,
};

static const char *const schemes[] = {"example", NULL};

static const struct cairn_plugin plugin = {
    .abi_major = CAIRN_ABI_MAJOR,
    .abi_minor = CAIRN_ABI_MINOR,
    .struct_size = sizeof(struct cairn_plugin),
    .kind = CAIRN_PLUGIN_STORAGE,
    .name = "storage-example",
    .version = "1.0.0",
    .schemes = schemes,
    .init = ex_init,
    .ops = &ops,
};

CAIRN_PLUGIN_DEFINE(plugin)
