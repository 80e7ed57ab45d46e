/* test_plugins.c — storage plugins for the loader tests: one source, built
 * several ways (tests/cmake/core.cmake). Objects live in memory, in this
 * process, so a test can write, list and read them back through the host.
 *
 *   default          the current SDK, CAIRN_PLUGIN_DEFINE, no read_open_range
 *                    (so the host's ranged read falls back); fini sets the
 *                    environment variable TP_FINI_<name> so a test sees it ran
 *   TEST_ABI_1_0     a plugin as ABI 1.0 built it: its own copy of the 1.0
 *                    descriptor and ops table, exactly that large, with the
 *                    1.0 list callback and a hand-written entry
 *   TEST_NULL_READ_CLOSE  read_close left NULL (the loader must refuse it)
 *   TEST_NO_ENTRY    no cairn_plugin_entry symbol */
#include <cairn/storage.h>
#include <stdlib.h>
#include <string.h>

#define MAX_OBJECTS 64

struct object {
	char *name;
	char *data;
	size_t len;
};
static struct object objects[MAX_OBJECTS];

struct cairn_storage {
	int unused;
};
struct cairn_writer {
	char *name;
	char *data;
	size_t len;
};
struct cairn_reader {
	const struct object *o;
	size_t pos;
};

static struct object *find(const char *name)
{
	for (int i = 0; i < MAX_OBJECTS; i++)
		if (objects[i].name && !strcmp(objects[i].name, name))
			return &objects[i];
	return NULL;
}

static int t_open(const struct cairn_uri *u, const struct cairn_kv *p, struct cairn_storage **o,
		  cairn_err *e)
{
	(void)p;
	if (strcmp(u->host, "mem") != 0)
		return cairn_err_set(e, "test plugin opens only %s://mem/", u->scheme);
	*o = calloc(1, sizeof **o);
	return *o ? 0 : cairn_err_set(e, "out of memory");
}

static void t_close(struct cairn_storage *st) { free(st); }

#ifdef TEST_ABI_1_0
typedef cairn_list_cb_1_0 list_cb;
#define CALL_CB(cb, ctx, name, size, err) ((void)(err), (cb)(ctx, name, size))
#else
typedef cairn_list_cb list_cb;
#define CALL_CB(cb, ctx, name, size, err) (cb)(ctx, name, size, err)
#endif

static int t_list(struct cairn_storage *st, const char *prefix, list_cb cb, void *ctx,
		  cairn_err *err)
{
	(void)st;
	for (int i = 0; i < MAX_OBJECTS; i++) {
		if (!objects[i].name || strncmp(objects[i].name, prefix, strlen(prefix)) != 0)
			continue;
		int r = CALL_CB(cb, ctx, objects[i].name, objects[i].len, err);
#ifdef TEST_ABI_1_0
		if (r)
			break; /* 1.0: non-zero only ever meant stop */
#else
		if (r < 0)
			return -1;
		if (r)
			break;
#endif
	}
	return 0;
}

static int t_stat(struct cairn_storage *st, const char *name, int *exists, uint64_t *size,
		  cairn_err *err)
{
	(void)st;
	(void)err;
	const struct object *o = find(name);
	*exists = o != NULL;
	if (o && size)
		*size = o->len;
	return 0;
}

static int t_remove(struct cairn_storage *st, const char *name, cairn_err *err)
{
	(void)st;
	(void)err;
	struct object *o = find(name);
	if (o) {
		free(o->name);
		free(o->data);
		memset(o, 0, sizeof *o);
	}
	return 0;
}

static int t_write_open(struct cairn_storage *st, const char *name, struct cairn_writer **out,
			cairn_err *err)
{
	(void)st;
	struct cairn_writer *w = calloc(1, sizeof *w);
	if (!w || !(w->name = strdup(name))) {
		free(w);
		return cairn_err_set(err, "out of memory");
	}
	*out = w;
	return 0;
}

static int t_write(struct cairn_writer *w, const void *buf, size_t len, cairn_err *err)
{
	char *n = realloc(w->data, w->len + len + 1);
	if (!n)
		return cairn_err_set(err, "out of memory");
	memcpy(n + w->len, buf, len);
	w->data = n;
	w->len += len;
	return 0;
}

static void t_write_abort(struct cairn_writer *w)
{
	free(w->name);
	free(w->data);
	free(w);
}

static int t_write_commit(struct cairn_writer *w, cairn_err *err)
{
	struct object *o = find(w->name);
	for (int i = 0; !o && i < MAX_OBJECTS; i++)
		if (!objects[i].name)
			o = &objects[i];
	if (!o) {
		t_write_abort(w);
		return cairn_err_set(err, "test plugin is full");
	}
	free(o->name);
	free(o->data);
	o->name = w->name;
	o->data = w->data;
	o->len = w->len;
	free(w);
	return 0;
}

static int t_read_open(struct cairn_storage *st, const char *name, struct cairn_reader **out,
		       cairn_err *err)
{
	(void)st;
	const struct object *o = find(name);
	if (!o)
		return cairn_err_setc(err, CAIRN_E_NOTFOUND, "no object %s", name);
	if (!(*out = calloc(1, sizeof **out)))
		return cairn_err_set(err, "out of memory");
	(*out)->o = o;
	return 0;
}

static ssize_t t_read(struct cairn_reader *r, void *buf, size_t len, cairn_err *err)
{
	(void)err;
	size_t left = r->o->len - r->pos;
	if (len > left)
		len = left;
	memcpy(buf, r->o->data + r->pos, len);
	r->pos += len;
	return (ssize_t)len;
}

__attribute__((unused)) static void t_read_close(struct cairn_reader *r) { free(r); }

static const char *const schemes[] = {TEST_SCHEME, NULL};

#ifdef TEST_ABI_1_0
/* The tables exactly as ABI 1.0 laid them out: nothing after read_close and
 * ops, so a host reading further reads past the object. */
struct storage_ops_1_0 {
	uint32_t struct_size;
	int (*open)(const struct cairn_uri *, const struct cairn_kv *, struct cairn_storage **,
		    cairn_err *);
	void (*close)(struct cairn_storage *);
	int (*list)(struct cairn_storage *, const char *, cairn_list_cb_1_0, void *, cairn_err *);
	int (*stat)(struct cairn_storage *, const char *, int *, uint64_t *, cairn_err *);
	int (*remove)(struct cairn_storage *, const char *, cairn_err *);
	int (*write_open)(struct cairn_storage *, const char *, struct cairn_writer **,
			  cairn_err *);
	int (*write)(struct cairn_writer *, const void *, size_t, cairn_err *);
	int (*write_commit)(struct cairn_writer *, cairn_err *);
	void (*write_abort)(struct cairn_writer *);
	int (*read_open)(struct cairn_storage *, const char *, struct cairn_reader **, cairn_err *);
	ssize_t (*read)(struct cairn_reader *, void *, size_t, cairn_err *);
	void (*read_close)(struct cairn_reader *);
};
struct plugin_1_0 {
	uint32_t abi_major, abi_minor, struct_size, kind;
	const char *name, *version;
	const char *const *schemes;
	int (*init)(const struct cairn_host *, cairn_err *);
	const void *ops;
};
_Static_assert(sizeof(struct storage_ops_1_0) == CAIRN_STORAGE_OPS_SIZE_1_0, "1.0 ops layout");
_Static_assert(sizeof(struct plugin_1_0) == CAIRN_PLUGIN_SIZE_1_0, "1.0 descriptor layout");

static const struct storage_ops_1_0 ops = {
    .struct_size = sizeof(struct storage_ops_1_0),
    .open = t_open,
    .close = t_close,
    .list = t_list,
    .stat = t_stat,
    .remove = t_remove,
    .write_open = t_write_open,
    .write = t_write,
    .write_commit = t_write_commit,
    .write_abort = t_write_abort,
    .read_open = t_read_open,
    .read = t_read,
    .read_close = t_read_close,
};

static const struct plugin_1_0 plugin = {
    .abi_major = 1,
    .abi_minor = 0,
    .struct_size = sizeof(struct plugin_1_0),
    .kind = CAIRN_PLUGIN_STORAGE,
    .name = TEST_NAME,
    .version = "test",
    .schemes = schemes,
    .ops = &ops,
};

/* ABI 1.0 had no CAIRN_PLUGIN_DEFINE: the entry was written out. */
CAIRN_EXPORT const struct cairn_plugin *cairn_plugin_entry(void)
{
	return (const struct cairn_plugin *)(const void *)&plugin;
}
#else
static void t_fini(void) { setenv("TP_FINI_" TEST_NAME, "1", 1); }

static const struct cairn_storage_ops ops = {
    .struct_size = sizeof(struct cairn_storage_ops),
    .open = t_open,
    .close = t_close,
    .list = t_list,
    .stat = t_stat,
    .remove = t_remove,
    .write_open = t_write_open,
    .write = t_write,
    .write_commit = t_write_commit,
    .write_abort = t_write_abort,
    .read_open = t_read_open,
    .read = t_read,
#ifdef TEST_NULL_READ_CLOSE
    .read_close = NULL,
#else
    .read_close = t_read_close,
#endif
};

static const struct cairn_plugin plugin = {
    .abi_major = TEST_ABI_MAJOR,
    .abi_minor = 7,
    .struct_size = sizeof(struct cairn_plugin),
    .kind = CAIRN_PLUGIN_STORAGE,
    .name = TEST_NAME,
    .version = "test",
    .schemes = schemes,
    .ops = &ops,
    .fini = t_fini,
};

#ifndef TEST_NO_ENTRY
CAIRN_PLUGIN_DEFINE(plugin)
#else
CAIRN_EXPORT const struct cairn_plugin *not_the_entry(void);
CAIRN_EXPORT const struct cairn_plugin *not_the_entry(void) { return &plugin; }
#endif
#endif
