/* storage_nfs.c — storage-nfs: a directory on a local or shared (NFS) filesystem.
 * Schemes: "file" (file:///abs/path and bare absolute paths, which the host
 * parses to scheme file). An object is written to a hidden temporary name in
 * its final directory, fsynced, renamed into place and the directory fsynced,
 * so a reader on any machine sees either nothing or the whole object.
 * A ranged read is a seek. The handle holds only the root path, so any
 * number of readers and writers may use it at once.
 * Links: nothing inside a location may be a symbolic link (the root itself
 * may): a listed name, or any component of a name read, stat'ed, written or
 * removed, that is a link is refused naming it, never followed or skipped.
 * Listing goes LIST_DEPTH levels deep, deeper than cairn's layout
 * (<folder>/<object>), with one directory open at a time. */
#include <cairn/storage.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const struct cairn_host *host;
static atomic_ulong tmp_seq;

struct cairn_storage {
	char *root; /* absolute, no trailing slash (except "/") */
};

struct cairn_writer {
	int fd;
	char *tmp, *final;
};

struct cairn_reader {
	int fd;
	uint64_t pos; /* next byte to read */
	uint64_t end; /* one past the last byte wanted (UINT64_MAX: the file's end) */
};

/* A message for errno that tells an operator what to do, with its code. */
static int io_err(cairn_err *err, int e, const char *what, const char *path)
{
	switch (e) {
	case EACCES:
	case EPERM:
		return cairn_err_setc(err, CAIRN_E_PERMISSION,
				      "%s %s: permission denied; the user running cairn needs "
				      "write access there",
				      what, path);
	case ENOSPC:
		return cairn_err_set(err,
				     "%s %s: no space left on device; free space or choose "
				     "another destination",
				     what, path);
	case EDQUOT:
		return cairn_err_set(err, "%s %s: disk quota exceeded", what, path);
	case EROFS:
		return cairn_err_set(err, "%s %s: read-only filesystem", what, path);
	case ENOENT:
		return cairn_err_setc(err, CAIRN_E_NOTFOUND, "%s %s: no such file or directory",
				      what, path);
	case EINTR:
	case EAGAIN:
	case ETIMEDOUT:
		return cairn_err_setc(err, CAIRN_E_TRANSIENT, "%s %s: %s; try again", what, path,
				      strerror(e));
	case ENOTDIR:
		return cairn_err_set(err, "%s %s: a path component is not a directory", what, path);
	default:
		return cairn_err_set(err, "%s %s: %s", what, path, strerror(e));
	}
}

/* Rejects names that could escape the location root. */
static int check_name(const char *name, cairn_err *err)
{
	if (!*name || name[0] == '/' || strstr(name, "//"))
		return cairn_err_set(err, "bad object name \"%s\"", name);
	for (const char *p = name; *p;) {
		const char *s = strchr(p, '/');
		size_t len = s ? (size_t)(s - p) : strlen(p);
		if ((len == 1 && p[0] == '.') || (len == 2 && p[0] == '.' && p[1] == '.'))
			return cairn_err_set(err, "bad object name \"%s\": no . or .. components",
					     name);
		p += len + (s ? 1 : 0);
	}
	return 0;
}

static char *join(const char *a, const char *b)
{
	char *out = NULL;
	size_t la = strlen(a);
	if (asprintf(&out, "%s%s%s", a, (la && a[la - 1] == '/') ? "" : "/", b) < 0)
		return NULL;
	return out;
}

/* mkdir -p for the directories above path (not path itself). */
static int mkdirs_for(const char *path, cairn_err *err)
{
	char *p = strdup(path);
	if (!p)
		return cairn_err_set(err, "out of memory");
	for (char *s = strchr(p + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = 0;
		if (mkdir(p, 0755) < 0 && errno != EEXIST) {
			io_err(err, errno, "cannot create directory", p);
			free(p);
			return -1;
		}
		*s = '/';
	}
	free(p);
	return 0;
}

static void fsync_dir(const char *path)
{
	char *d = strdup(path);
	if (!d)
		return;
	char *s = strrchr(d, '/');
	if (s)
		*(s == d ? s + 1 : s) = 0;
	int fd = open(d, O_RDONLY | O_DIRECTORY);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	free(d);
}

static int nfs_open(const struct cairn_uri *uri, const struct cairn_kv *params,
		    struct cairn_storage **out, cairn_err *err)
{
	(void)params;
	if (uri->path[0] != '/')
		return cairn_err_set(
		    err, "bad location \"%s\": a directory must be an absolute path", uri->raw);
	if (uri->query && uri->query[0].key)
		return cairn_err_set(err,
				     "bad location \"%s\": a directory takes no query "
				     "parameters (\"%s\")",
				     uri->raw, uri->query[0].key);
	struct cairn_storage *st = calloc(1, sizeof *st);
	if (!st || !(st->root = strdup(uri->path))) {
		free(st);
		return cairn_err_set(err, "out of memory");
	}
	size_t n = strlen(st->root);
	while (n > 1 && st->root[n - 1] == '/')
		st->root[--n] = 0;
	struct stat sb;
	if (stat(st->root, &sb) == 0 && !S_ISDIR(sb.st_mode)) {
		cairn_err_set(err, "location %s exists and is not a directory", st->root);
		free(st->root);
		free(st);
		return -1;
	}
	*out = st;
	return 0;
}

static void nfs_close(struct cairn_storage *st)
{
	if (!st)
		return;
	free(st->root);
	free(st);
}

struct walk {
	const char *prefix;
	cairn_list_cb cb;
	void *ctx;
	int stop;
	cairn_err *err;
};

/* How deep a listing goes: deeper than any layout cairn writes (a folder,
 * then its objects: docs/FORMAT.md) or `cairn storage-check` uses, so every
 * object a caller can name is listed, while a tree of thousands of nested
 * directories costs nothing. A directory is closed before its
 * sub-directories are walked: one descriptor at a time, at any depth. */
#define LIST_DEPTH 8

static int link_err(cairn_err *err, const char *path)
{
	return cairn_err_setc(err, CAIRN_E_PERMISSION,
			      "%s is a symbolic link; storage-nfs follows no links inside a "
			      "location: replace it with the directory or file itself",
			      path);
}

/* Walks dir (relative name rel, at depth levels below the root)
 * depth-first. Hidden temporaries (".tmp-*") are in-flight writes and never
 * listed. */
static int walk_dir(struct walk *w, const char *dir, const char *rel, int depth)
{
	DIR *d = opendir(dir);
	if (!d) {
		/* An empty location (nothing written yet), or a folder whose
		 * last object a remove beside this listing took away. */
		if (errno == ENOENT)
			return 0;
		if (errno == EACCES || errno == EPERM)
			return cairn_err_setc(w->err, CAIRN_E_PERMISSION,
					      "cannot list %s: permission denied; the user "
					      "running cairn needs read access there",
					      dir);
		return io_err(w->err, errno, "cannot list", dir);
	}
	struct dirent *e;
	int rc = 0;
	char **subs = NULL; /* pairs: full path, relative name; walked after closedir */
	size_t nsubs = 0;
	while (!w->stop && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		char *full = join(dir, e->d_name);
		char *name = NULL;
		if (!full || asprintf(&name, "%s%s%s", rel, *rel ? "/" : "", e->d_name) < 0) {
			free(full);
			rc = cairn_err_set(w->err, "out of memory");
			break;
		}
		struct stat sb;
		if (lstat(full, &sb) == 0) {
			size_t nl = strlen(name), pl = strlen(w->prefix);
			/* Whether what is under name can match the prefix. */
			int may_match = strncmp(name, w->prefix, nl < pl ? nl : pl) == 0;
			if (S_ISLNK(sb.st_mode) && may_match)
				rc = link_err(w->err, full);
			else if (S_ISDIR(sb.st_mode) && may_match && depth + 1 < LIST_DEPTH) {
				char **ns = realloc(subs, (nsubs + 2) * sizeof *ns);
				if (!ns) {
					rc = cairn_err_set(w->err, "out of memory");
				} else {
					subs = ns;
					subs[nsubs++] = full;
					subs[nsubs++] = name;
					full = name = NULL;
				}
			} else if (S_ISREG(sb.st_mode) && strncmp(name, w->prefix, pl) == 0) {
				int r = w->cb(w->ctx, name, (uint64_t)sb.st_size, w->err);
				if (r < 0)
					rc = -1; /* the callback's error, as it set it */
				else if (r)
					w->stop = 1;
			}
		}
		free(full);
		free(name);
		if (rc < 0)
			break;
	}
	closedir(d);
	for (size_t i = 0; i < nsubs; i += 2) {
		if (rc == 0 && !w->stop)
			rc = walk_dir(w, subs[i], subs[i + 1], depth + 1);
		free(subs[i]);
		free(subs[i + 1]);
	}
	free(subs);
	return rc;
}

static int nfs_list(struct cairn_storage *st, const char *prefix, cairn_list_cb cb, void *ctx,
		    cairn_err *err)
{
	struct walk w = {prefix ? prefix : "", cb, ctx, 0, err};
	return walk_dir(&w, st->root, "", 0);
}

/* Refuses name if any of its components below the root is a symbolic link
 * (one that does not exist yet is fine). */
static int check_no_links(const struct cairn_storage *st, const char *name, cairn_err *err)
{
	char *p = join(st->root, name);
	if (!p)
		return cairn_err_set(err, "out of memory");
	size_t rl = strlen(st->root);
	int rc = 0;
	for (char *s = p + rl + (p[rl] == '/'); s && !rc;) {
		char *next = strchr(s, '/');
		struct stat sb;
		if (next)
			*next = 0;
		if (lstat(p, &sb) < 0)
			break;
		if (S_ISLNK(sb.st_mode))
			rc = link_err(err, p);
		if (next)
			*next = '/';
		s = next ? next + 1 : NULL;
	}
	free(p);
	return rc;
}

static int nfs_stat(struct cairn_storage *st, const char *name, int *exists, uint64_t *size,
		    cairn_err *err)
{
	if (check_name(name, err) < 0 || check_no_links(st, name, err) < 0)
		return -1;
	char *p = join(st->root, name);
	struct stat sb;
	int rc = 0;
	if (!p)
		return cairn_err_set(err, "out of memory");
	*exists = 0;
	if (stat(p, &sb) == 0) {
		*exists = S_ISREG(sb.st_mode);
		if (size)
			*size = (uint64_t)sb.st_size;
	} else if (errno != ENOENT && errno != ENOTDIR) {
		rc = io_err(err, errno, "cannot stat", p);
	}
	free(p);
	return rc;
}

/* After the last object of a directory below the root is removed, the
 * directory goes too, with the hidden temporaries that writes killed in it
 * left behind: the host removes a folder's last object only when whatever
 * wrote there is over (a failed or killed backup). A directory that still
 * holds anything else is left as it is. */
static void remove_dir_if_abandoned(const struct cairn_storage *st, const char *path)
{
	char *dir = strdup(path), *s = dir ? strrchr(dir, '/') : NULL;
	if (!s || s == dir) {
		free(dir);
		return;
	}
	*s = 0;
	if (strlen(dir) <= strlen(st->root)) {
		free(dir);
		return;
	}
	DIR *d = opendir(dir);
	struct dirent *e;
	int only_tmp = d != NULL;
	while (only_tmp && (e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
		    strncmp(e->d_name, ".tmp-", 5) != 0)
			only_tmp = 0;
	if (only_tmp) {
		rewinddir(d);
		while ((e = readdir(d)) != NULL) {
			char *t = strncmp(e->d_name, ".tmp-", 5) ? NULL : join(dir, e->d_name);
			if (t)
				unlink(t);
			free(t);
		}
		if (rmdir(dir) == 0)
			fsync_dir(dir);
	}
	if (d)
		closedir(d);
	free(dir);
}

static int nfs_remove(struct cairn_storage *st, const char *name, cairn_err *err)
{
	if (check_name(name, err) < 0 || check_no_links(st, name, err) < 0)
		return -1;
	char *p = join(st->root, name);
	int rc = 0;
	if (!p)
		return cairn_err_set(err, "out of memory");
	if (unlink(p) < 0 && errno != ENOENT) {
		rc = io_err(err, errno, "cannot remove", p);
	} else {
		fsync_dir(p);
		remove_dir_if_abandoned(st, p);
	}
	free(p);
	return rc;
}

static int nfs_write_open(struct cairn_storage *st, const char *name, struct cairn_writer **out,
			  cairn_err *err)
{
	if (check_name(name, err) < 0 || check_no_links(st, name, err) < 0)
		return -1;
	struct cairn_writer *w = calloc(1, sizeof *w);
	if (!w)
		return cairn_err_set(err, "out of memory");
	w->fd = -1;
	w->final = join(st->root, name);
	if (!w->final)
		goto oom;
	char *slash = strrchr(w->final, '/');
	/* pid and a per-process sequence: writers of one name in several
	 * threads or processes never share a temporary file. */
	if (asprintf(&w->tmp, "%.*s/.tmp-%s.%ld.%lu", (int)(slash - w->final), w->final, slash + 1,
		     (long)getpid(), atomic_fetch_add(&tmp_seq, 1)) < 0) {
		w->tmp = NULL;
		goto oom;
	}
	if (mkdirs_for(w->final, err) < 0)
		goto fail;
	w->fd = open(w->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (w->fd < 0) {
		io_err(err, errno, "cannot create", w->tmp);
		goto fail;
	}
	*out = w;
	return 0;
oom:
	cairn_err_set(err, "out of memory");
fail:
	free(w->tmp);
	free(w->final);
	free(w);
	return -1;
}

static int nfs_write(struct cairn_writer *w, const void *buf, size_t len, cairn_err *err)
{
	const char *p = buf;
	while (len) {
		ssize_t n = write(w->fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return io_err(err, errno, "cannot write", w->final);
		}
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

static void nfs_write_abort(struct cairn_writer *w)
{
	if (!w)
		return;
	unlink(w->tmp);
	writer_free(w);
}

static int nfs_write_commit(struct cairn_writer *w, cairn_err *err)
{
	if (fsync(w->fd) < 0) {
		io_err(err, errno, "cannot sync", w->final);
		goto fail;
	}
	if (close(w->fd) < 0) {
		w->fd = -1;
		io_err(err, errno, "cannot close", w->final);
		goto fail;
	}
	w->fd = -1;
	if (rename(w->tmp, w->final) < 0) {
		io_err(err, errno, "cannot rename into", w->final);
		goto fail;
	}
	fsync_dir(w->final);
	writer_free(w);
	return 0;
fail:
	nfs_write_abort(w);
	return -1;
}

/* A reader of [offset, offset + length) of name; length 0: to the end. */
static int open_reader(struct cairn_storage *st, const char *name, uint64_t offset, uint64_t length,
		       struct cairn_reader **out, cairn_err *err)
{
	struct cairn_reader *r = NULL;
	char *p = NULL;
	int rc = -1;
	if (check_name(name, err) < 0 || check_no_links(st, name, err) < 0)
		return -1;
	if (!(p = join(st->root, name)) || !(r = calloc(1, sizeof *r))) {
		cairn_err_set(err, "out of memory");
		goto out;
	}
	r->fd = open(p, O_RDONLY | O_CLOEXEC);
	if (r->fd < 0) {
		io_err(err, errno, "cannot open", p);
		goto out;
	}
	r->pos = offset;
	r->end = length ? offset + length : UINT64_MAX;
	if (r->end < offset) /* offset + length overflowed: to the end */
		r->end = UINT64_MAX;
	*out = r;
	r = NULL;
	rc = 0;
out:
	if (r && r->fd >= 0)
		close(r->fd);
	free(r);
	free(p);
	return rc;
}

static int nfs_read_open(struct cairn_storage *st, const char *name, struct cairn_reader **out,
			 cairn_err *err)
{
	return open_reader(st, name, 0, 0, out, err);
}

static int nfs_read_open_range(struct cairn_storage *st, const char *name, uint64_t offset,
			       uint64_t length, struct cairn_reader **out, cairn_err *err)
{
	return open_reader(st, name, offset, length, out, err);
}

static ssize_t nfs_read(struct cairn_reader *r, void *buf, size_t len, cairn_err *err)
{
	if (r->pos >= r->end)
		return 0;
	if (len > r->end - r->pos)
		len = (size_t)(r->end - r->pos);
	if (r->pos > (uint64_t)INT64_MAX)
		return 0; /* past any file's end */
	for (;;) {
		ssize_t n = pread(r->fd, buf, len, (off_t)r->pos);
		if (n >= 0) {
			r->pos += (uint64_t)n;
			return n;
		}
		if (errno != EINTR)
			return io_err(err, errno, "cannot read", "object");
	}
}

static void nfs_read_close(struct cairn_reader *r)
{
	if (!r)
		return;
	close(r->fd);
	free(r);
}

static int nfs_init(const struct cairn_host *h, cairn_err *err)
{
	(void)err;
	host = h;
	return 0;
}

static const struct cairn_storage_ops ops = {
    .struct_size = sizeof(struct cairn_storage_ops),
    .open = nfs_open,
    .close = nfs_close,
    .list = nfs_list,
    .stat = nfs_stat,
    .remove = nfs_remove,
    .write_open = nfs_write_open,
    .write = nfs_write,
    .write_commit = nfs_write_commit,
    .write_abort = nfs_write_abort,
    .read_open = nfs_read_open,
    .read = nfs_read,
    .read_close = nfs_read_close,
    .features = CAIRN_STORAGE_RANGED_READ,
    .read_open_range = nfs_read_open_range,
};

static const char *const schemes[] = {"file", NULL};

static const struct cairn_plugin plugin = {
    .abi_major = CAIRN_ABI_MAJOR,
    .abi_minor = CAIRN_ABI_MINOR,
    .struct_size = sizeof(struct cairn_plugin),
    .kind = CAIRN_PLUGIN_STORAGE,
    .name = "storage-nfs",
    .version = "1.0",
    .schemes = schemes,
    .init = nfs_init,
    .ops = &ops,
};

CAIRN_PLUGIN_DEFINE(plugin)
