/* memstore.h — an in-memory storage driver for unit tests: objects are byte
 * arrays, reads come back in chunks of at most read_chunk bytes (1 finds
 * every boundary case), and read_open calls are counted per store. */
#ifndef CAIRN_TEST_MEMSTORE_H
#define CAIRN_TEST_MEMSTORE_H
#include <cairn/storage.h>
#include <stdlib.h>
#include <string.h>

#include "plugin/location.h"

#define MEM_MAX 64

struct mem_obj {
	char *name;
	unsigned char *data;
	size_t len;
};

struct cairn_storage {
	struct mem_obj objs[MEM_MAX];
	size_t n;
	size_t read_chunk;
	int read_opens;
};

struct cairn_writer {
	struct cairn_storage *st;
	char *name;
	unsigned char *data;
	size_t len, cap;
};

struct cairn_reader {
	const struct mem_obj *o;
	size_t pos, chunk;
};

static struct mem_obj *mem_find(struct cairn_storage *st, const char *name)
{
	for (size_t i = 0; i < st->n; i++)
		if (!strcmp(st->objs[i].name, name))
			return &st->objs[i];
	return NULL;
}

/* Puts (or replaces) an object. */
static void mem_put(struct cairn_storage *st, const char *name, const void *p, size_t len)
{
	struct mem_obj *o = mem_find(st, name);
	if (!o) {
		o = &st->objs[st->n++];
		o->name = strdup(name);
	} else {
		free(o->data);
	}
	o->data = malloc(len ? len : 1);
	if (len)
		memcpy(o->data, p, len);
	o->len = len;
}

static int mem_list(struct cairn_storage *st, const char *prefix, cairn_list_cb cb, void *ctx,
		    cairn_err *err)
{
	for (size_t i = 0; i < st->n; i++) {
		if (strncmp(st->objs[i].name, prefix, strlen(prefix)) != 0)
			continue;
		int r = cb(ctx, st->objs[i].name, st->objs[i].len, err);
		if (r < 0)
			return -1;
		if (r > 0)
			break;
	}
	return 0;
}

static int mem_stat(struct cairn_storage *st, const char *name, int *exists, uint64_t *size,
		    cairn_err *err)
{
	(void)err;
	struct mem_obj *o = mem_find(st, name);
	*exists = o != NULL;
	*size = o ? o->len : 0;
	return 0;
}

static int mem_write_open(struct cairn_storage *st, const char *name, struct cairn_writer **out,
			  cairn_err *err)
{
	(void)err;
	struct cairn_writer *w = calloc(1, sizeof *w);
	w->st = st;
	w->name = strdup(name);
	*out = w;
	return 0;
}

static int mem_write(struct cairn_writer *w, const void *buf, size_t len, cairn_err *err)
{
	(void)err;
	if (!len)
		return 0;
	if (w->len + len > w->cap) {
		w->cap = (w->len + len) * 2;
		w->data = realloc(w->data, w->cap);
	}
	memcpy(w->data + w->len, buf, len);
	w->len += len;
	return 0;
}

static void mem_write_abort(struct cairn_writer *w)
{
	free(w->name);
	free(w->data);
	free(w);
}

static int mem_write_commit(struct cairn_writer *w, cairn_err *err)
{
	(void)err;
	mem_put(w->st, w->name, w->data, w->len);
	mem_write_abort(w);
	return 0;
}

static int mem_read_open(struct cairn_storage *st, const char *name, struct cairn_reader **out,
			 cairn_err *err)
{
	struct mem_obj *o = mem_find(st, name);
	st->read_opens++;
	if (!o)
		return cairn_err_setc(err, CAIRN_E_NOTFOUND, "no object %s", name);
	struct cairn_reader *r = calloc(1, sizeof *r);
	r->o = o;
	r->chunk = st->read_chunk ? st->read_chunk : 65536;
	*out = r;
	return 0;
}

static ssize_t mem_read(struct cairn_reader *r, void *buf, size_t len, cairn_err *err)
{
	(void)err;
	size_t n = r->o->len - r->pos;
	if (n > len)
		n = len;
	if (n > r->chunk)
		n = r->chunk;
	if (n)
		memcpy(buf, r->o->data + r->pos, n);
	r->pos += n;
	return (ssize_t)n;
}

static void mem_read_close(struct cairn_reader *r) { free(r); }

static const struct cairn_storage_ops mem_ops = {
    .struct_size = sizeof(struct cairn_storage_ops),
    .list = mem_list,
    .stat = mem_stat,
    .write_open = mem_write_open,
    .write = mem_write,
    .write_commit = mem_write_commit,
    .write_abort = mem_write_abort,
    .read_open = mem_read_open,
    .read = mem_read,
    .read_close = mem_read_close,
};

static void mem_loc(struct cairn_store_loc *loc, struct cairn_storage *st)
{
	memset(loc, 0, sizeof *loc);
	loc->ops = &mem_ops;
	loc->st = st;
	loc->plugin_name = "memstore";
}

static void mem_clear(struct cairn_storage *st)
{
	for (size_t i = 0; i < st->n; i++) {
		free(st->objs[i].name);
		free(st->objs[i].data);
	}
	memset(st, 0, sizeof *st);
}
#endif
