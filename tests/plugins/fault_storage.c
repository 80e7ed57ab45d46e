/* fault_storage.c — a storage plugin for the failure tests: faultfs:///dir
 * keeps objects as files under dir (as file:// does) and fails the one op
 * its location names, so a test sees what each command does when its
 * storage fails there:
 *
 *   faultfs:///dir?fail=OP[&match=TEXT][&after=N][&code=transient]
 *
 * OP is one of list, stat, remove, write_open, write, write_commit,
 * read_open, read; match limits the failure to objects whose name contains
 * TEXT (list: the prefix), after lets N calls of OP succeed first. A failed
 * call's error reads "faultfs: injected OP failure on NAME", with the code
 * CAIRN_E_TRANSIENT if code=transient, else CAIRN_E_OTHER. Without fail=
 * nothing fails. Not for production: no fsync, no locking. */
#include <cairn/storage.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct cairn_storage {
	char *root;
	char *fail;  /* the op that fails, or NULL */
	char *match; /* only for names containing this, or NULL */
	long after;  /* calls of fail that succeed first */
	int code;    /* the failure's cairn_err code */
	long calls;
};
struct cairn_writer {
	struct cairn_storage *st;
	char *name, *tmp;
	FILE *f;
};
struct cairn_reader {
	struct cairn_storage *st;
	char *name;
	FILE *f;
};

static int injected(struct cairn_storage *st, const char *op, const char *name, cairn_err *err)
{
	if (!st->fail || strcmp(st->fail, op) != 0 || (st->match && !strstr(name, st->match)))
		return 0;
	if (__atomic_add_fetch(&st->calls, 1, __ATOMIC_SEQ_CST) <= st->after)
		return 0;
	cairn_err_setc(err, st->code, "faultfs: injected %s failure on %s", op, name);
	return 1;
}

static char *path_of(const struct cairn_storage *st, const char *name)
{
	char *p = NULL;
	return asprintf(&p, "%s/%s", st->root, name) < 0 ? NULL : p;
}

static int f_open(const struct cairn_uri *u, const struct cairn_kv *params,
		  struct cairn_storage **out, cairn_err *err)
{
	(void)params;
	if (!u->path[0] || u->host[0])
		return cairn_err_set(err, "faultfs: a location is faultfs:///absolute/dir");
	struct cairn_storage *st = calloc(1, sizeof *st);
	if (!st || !(st->root = strdup(u->path)))
		goto oom;
	const char *v;
	if ((v = cairn_kv_get(u->query, "fail")) && !(st->fail = strdup(v)))
		goto oom;
	if ((v = cairn_kv_get(u->query, "match")) && !(st->match = strdup(v)))
		goto oom;
	if ((v = cairn_kv_get(u->query, "after")))
		st->after = strtol(v, NULL, 10);
	if ((v = cairn_kv_get(u->query, "code")) && !strcmp(v, "transient"))
		st->code = CAIRN_E_TRANSIENT;
	*out = st;
	return 0;
oom:
	if (st) {
		free(st->root);
		free(st->fail);
		free(st->match);
		free(st);
	}
	return cairn_err_set(err, "out of memory");
}

static void f_close(struct cairn_storage *st)
{
	free(st->root);
	free(st->fail);
	free(st->match);
	free(st);
}

static int walk(struct cairn_storage *st, const char *rel, const char *prefix, cairn_list_cb cb,
		void *ctx, cairn_err *err)
{
	char dir[PATH_MAX];
	snprintf(dir, sizeof dir, "%s%s%s", st->root, rel[0] ? "/" : "", rel);
	DIR *d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : cairn_err_set(err, "faultfs: cannot list %s", dir);
	int rc = 0;
	struct dirent *e;
	while (rc == 0 && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue; /* ".", "..", and writes not yet committed */
		char name[PATH_MAX], full[PATH_MAX];
		struct stat sb;
		if (snprintf(name, sizeof name, "%s%s%s", rel, rel[0] ? "/" : "", e->d_name) >=
			(int)sizeof name ||
		    snprintf(full, sizeof full, "%s/%s", st->root, name) >= (int)sizeof full ||
		    lstat(full, &sb) < 0)
			continue;
		if (S_ISDIR(sb.st_mode))
			rc = walk(st, name, prefix, cb, ctx, err);
		else if (!strncmp(name, prefix, strlen(prefix)))
			rc = cb(ctx, name, (uint64_t)sb.st_size, err);
	}
	closedir(d);
	return rc < 0 ? -1 : rc;
}

static int f_list(struct cairn_storage *st, const char *prefix, cairn_list_cb cb, void *ctx,
		  cairn_err *err)
{
	if (injected(st, "list", prefix, err))
		return -1;
	return walk(st, "", prefix, cb, ctx, err) < 0 ? -1 : 0;
}

static int f_stat(struct cairn_storage *st, const char *name, int *exists, uint64_t *size,
		  cairn_err *err)
{
	if (injected(st, "stat", name, err))
		return -1;
	char *p = path_of(st, name);
	struct stat sb;
	*exists = p && stat(p, &sb) == 0 && S_ISREG(sb.st_mode);
	if (*exists && size)
		*size = (uint64_t)sb.st_size;
	free(p);
	return 0;
}

static int f_remove(struct cairn_storage *st, const char *name, cairn_err *err)
{
	if (injected(st, "remove", name, err))
		return -1;
	char *p = path_of(st, name);
	int rc = p && unlink(p) < 0 && errno != ENOENT
		     ? cairn_err_set(err, "faultfs: cannot remove %s", name)
		     : 0;
	free(p);
	return rc;
}

static int mkdirs(char *path)
{
	for (char *s = strchr(path + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = 0;
		int rc = mkdir(path, 0755);
		*s = '/';
		if (rc < 0 && errno != EEXIST)
			return -1;
	}
	return 0;
}

static void w_free(struct cairn_writer *w)
{
	if (w->f)
		fclose(w->f);
	free(w->name);
	free(w->tmp);
	free(w);
}

static int f_write_open(struct cairn_storage *st, const char *name, struct cairn_writer **out,
			cairn_err *err)
{
	if (injected(st, "write_open", name, err))
		return -1;
	struct cairn_writer *w = calloc(1, sizeof *w);
	if (!w)
		return cairn_err_set(err, "out of memory");
	w->st = st;
	/* "dir/.base.tmp-PTR": a name starting with '.', which list skips. */
	const char *slash = strrchr(name, '/');
	int dirlen = slash ? (int)(slash - name + 1) : 0;
	if (!(w->name = strdup(name)) || asprintf(&w->tmp, "%s/%.*s.%s.tmp-%p", st->root, dirlen,
						  name, name + dirlen, (void *)w) < 0) {
		w->tmp = NULL;
		w_free(w);
		return cairn_err_set(err, "out of memory");
	}
	if (mkdirs(w->tmp) < 0 || !(w->f = fopen(w->tmp, "wb"))) {
		w_free(w);
		return cairn_err_set(err, "faultfs: cannot create %s", name);
	}
	*out = w;
	return 0;
}

static int f_write(struct cairn_writer *w, const void *buf, size_t len, cairn_err *err)
{
	if (injected(w->st, "write", w->name, err))
		return -1;
	if (fwrite(buf, 1, len, w->f) != len)
		return cairn_err_set(err, "faultfs: cannot write %s", w->name);
	return 0;
}

static void f_write_abort(struct cairn_writer *w)
{
	fclose(w->f);
	w->f = NULL;
	unlink(w->tmp);
	w_free(w);
}

static int f_write_commit(struct cairn_writer *w, cairn_err *err)
{
	if (injected(w->st, "write_commit", w->name, err)) {
		f_write_abort(w);
		return -1;
	}
	char *p = path_of(w->st, w->name);
	int bad = fclose(w->f) != 0;
	w->f = NULL;
	if (bad || !p || rename(w->tmp, p) < 0) {
		unlink(w->tmp);
		free(p);
		cairn_err_set(err, "faultfs: cannot commit %s", w->name);
		w_free(w);
		return -1;
	}
	free(p);
	w_free(w);
	return 0;
}

static int f_read_open(struct cairn_storage *st, const char *name, struct cairn_reader **out,
		       cairn_err *err)
{
	if (injected(st, "read_open", name, err))
		return -1;
	char *p = path_of(st, name);
	FILE *f = p ? fopen(p, "rb") : NULL;
	int missing = !f && errno == ENOENT;
	free(p);
	if (!f)
		return missing
			   ? cairn_err_setc(err, CAIRN_E_NOTFOUND, "faultfs: no object %s", name)
			   : cairn_err_set(err, "faultfs: cannot open %s", name);
	struct cairn_reader *r = calloc(1, sizeof *r);
	if (!r || !(r->name = strdup(name))) {
		fclose(f);
		free(r);
		return cairn_err_set(err, "out of memory");
	}
	r->st = st;
	r->f = f;
	*out = r;
	return 0;
}

static ssize_t f_read(struct cairn_reader *r, void *buf, size_t len, cairn_err *err)
{
	if (injected(r->st, "read", r->name, err))
		return -1;
	size_t n = fread(buf, 1, len, r->f);
	if (n == 0 && ferror(r->f))
		return cairn_err_set(err, "faultfs: cannot read %s", r->name);
	return (ssize_t)n;
}

static void f_read_close(struct cairn_reader *r)
{
	fclose(r->f);
	free(r->name);
	free(r);
}

static const char *const schemes[] = {"faultfs", NULL};

static const struct cairn_storage_ops ops = {
    .struct_size = sizeof(struct cairn_storage_ops),
    .open = f_open,
    .close = f_close,
    .list = f_list,
    .stat = f_stat,
    .remove = f_remove,
    .write_open = f_write_open,
    .write = f_write,
    .write_commit = f_write_commit,
    .write_abort = f_write_abort,
    .read_open = f_read_open,
    .read = f_read,
    .read_close = f_read_close,
};

static const struct cairn_plugin plugin = {
    .abi_major = CAIRN_ABI_MAJOR,
    .abi_minor = CAIRN_ABI_MINOR,
    .struct_size = sizeof(struct cairn_plugin),
    .kind = CAIRN_PLUGIN_STORAGE,
    .name = "storage-faultfs",
    .version = "test",
    .schemes = schemes,
    .ops = &ops,
};

CAIRN_PLUGIN_DEFINE(plugin)
