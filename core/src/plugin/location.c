/* location.c — opening a location through its plugin and the calls that
 * bridge plugin ABI versions: a 1.0 plugin's list gets a callback of the 1.0
 * shape, and a plugin without read_open_range gets a reader that skips. */
#include "plugin/location.h"

#include <stdlib.h>
#include <string.h>

#include "uri.h"

int cairn_location_open(const char *location, const struct cairn_kv *params,
			struct cairn_store_loc *out, cairn_err *err)
{
	memset(out, 0, sizeof *out);
	out->uri = cairn_uri_parse(location, err);
	if (!out->uri)
		return -1;
	const struct cairn_loaded_plugin *p = cairn_plugins_for_scheme(out->uri->scheme);
	if (!p) {
		char *have = cairn_plugins_scheme_list();
		cairn_err_set(err, "no storage plugin handles scheme \"%s\" (have: %s)",
			      out->uri->scheme, have ? have : "?");
		free(have);
		goto fail;
	}
	out->ops = p->desc->ops;
	out->plugin_name = p->desc->name;
	out->abi_minor = p->desc->abi_minor;
	if (out->ops->open(out->uri, params, &out->st, err) < 0)
		goto fail;
	return 0;
fail:
	cairn_uri_free(out->uri);
	out->uri = NULL;
	return -1;
}

void cairn_location_close(struct cairn_store_loc *loc)
{
	if (loc->st)
		loc->ops->close(loc->st);
	cairn_uri_free(loc->uri);
	memset(loc, 0, sizeof *loc);
}

int cairn_location_read_all(struct cairn_store_loc *loc, const char *name, size_t max, char **data,
			    size_t *len, cairn_err *err)
{
	struct cairn_reader *r = NULL;
	size_t cap = 4096, n = 0;
	char *buf = NULL;
	if (loc->ops->read_open(loc->st, name, &r, err) < 0)
		return -1;
	buf = malloc(cap + 1);
	if (!buf)
		goto oom;
	for (;;) {
		if (n == cap) {
			if (cap >= max) {
				cairn_err_set(err,
					      "%s is larger than %zu bytes; refusing to load it",
					      name, max);
				goto fail;
			}
			cap = cap * 2 > max ? max : cap * 2;
			char *nb = realloc(buf, cap + 1);
			if (!nb)
				goto oom;
			buf = nb;
		}
		ssize_t got = loc->ops->read(r, buf + n, cap - n, err);
		if (got < 0)
			goto fail;
		if (got == 0)
			break;
		n += (size_t)got;
	}
	loc->ops->read_close(r);
	buf[n] = 0;
	*data = buf;
	*len = n;
	return 0;
oom:
	cairn_err_set(err, "out of memory");
fail:
	loc->ops->read_close(r);
	free(buf);
	return -1;
}

int cairn_location_write_all(struct cairn_store_loc *loc, const char *name, const void *data,
			     size_t len, cairn_err *err)
{
	struct cairn_writer *w = NULL;
	if (loc->ops->write_open(loc->st, name, &w, err) < 0)
		return -1;
	if (loc->ops->write(w, data, len, err) < 0) {
		loc->ops->write_abort(w);
		return -1;
	}
	return loc->ops->write_commit(w, err);
}

/* The 1.0 list callback could only stop; the host keeps a failing
 * callback's error here and reports it when list returns. */
struct list_1_0 {
	cairn_list_cb cb;
	void *ctx;
	cairn_err err;
	int failed;
};

static int list_cb_1_0(void *ctx, const char *name, uint64_t size)
{
	struct list_1_0 *a = ctx;
	int r = a->cb(a->ctx, name, size, &a->err);
	if (r < 0) {
		a->failed = 1;
		return 1;
	}
	return r;
}

int cairn_location_list(struct cairn_store_loc *loc, const char *prefix, cairn_list_cb cb,
			void *ctx, cairn_err *err)
{
	if (loc->abi_minor >= 1)
		return loc->ops->list(loc->st, prefix ? prefix : "", cb, ctx, err);
	struct list_1_0 a = {.cb = cb, .ctx = ctx};
	/* The 1.0 plugin calls the callback with three arguments, which is
	 * list_cb_1_0's real type: the cast only satisfies the 1.1 prototype. */
	cairn_list_cb shim = (cairn_list_cb)(void (*)(void))list_cb_1_0;
	if (loc->ops->list(loc->st, prefix ? prefix : "", shim, &a, err) < 0)
		return -1;
	if (a.failed) {
		*err = a.err;
		return -1;
	}
	return 0;
}

struct names_ctx {
	int (*keep)(const char *name);
	struct cairn_names *out;
};

static int collect_name(void *ctx, const char *name, uint64_t size, cairn_err *err)
{
	(void)size;
	struct names_ctx *nc = ctx;
	struct cairn_names *ns = nc->out;
	if (nc->keep && !nc->keep(name))
		return 0;
	char **nv = realloc(ns->v, (ns->n + 1) * sizeof *nv);
	if (!nv)
		return cairn_err_set(err, "out of memory");
	ns->v = nv;
	if (!(ns->v[ns->n] = strdup(name)))
		return cairn_err_set(err, "out of memory");
	ns->n++;
	return 0;
}

int cairn_location_names(struct cairn_store_loc *loc, const char *prefix,
			 int (*keep)(const char *name), struct cairn_names *out, cairn_err *err)
{
	struct names_ctx nc = {keep, out};
	memset(out, 0, sizeof *out);
	if (cairn_location_list(loc, prefix, collect_name, &nc, err) < 0) {
		cairn_names_clear(out);
		return -1;
	}
	return 0;
}

void cairn_names_clear(struct cairn_names *ns)
{
	for (size_t i = 0; i < ns->n; i++)
		free(ns->v[i]);
	free(ns->v);
	memset(ns, 0, sizeof *ns);
}

struct cairn_range_reader {
	const struct cairn_storage_ops *ops;
	struct cairn_reader *r;
	int native;
	int limited;   /* length was given */
	uint64_t left; /* of the range, when limited */
	uint64_t skip; /* fallback: bytes still to drop before the range */
};

int cairn_location_read_open_range(struct cairn_store_loc *loc, const char *name, uint64_t offset,
				   uint64_t length, struct cairn_range_reader **out, cairn_err *err)
{
	struct cairn_range_reader *rr = calloc(1, sizeof *rr);
	int rc;
	*out = NULL;
	if (!rr)
		return cairn_err_set(err, "out of memory");
	rr->ops = loc->ops;
	rr->native = CAIRN_HAS(loc->ops, read_open_range);
	rr->limited = length != 0;
	rr->left = length;
	if (rr->native) {
		rc = loc->ops->read_open_range(loc->st, name, offset, length, &rr->r, err);
	} else {
		rr->skip = offset;
		rc = loc->ops->read_open(loc->st, name, &rr->r, err);
	}
	if (rc < 0) {
		free(rr);
		return -1;
	}
	*out = rr;
	return 0;
}

/* Fallback: reads and drops the bytes before the range. 0, or -1. */
static int skip_to_range(struct cairn_range_reader *rr, cairn_err *err)
{
	char buf[16384];
	while (rr->skip) {
		size_t want = rr->skip < sizeof buf ? (size_t)rr->skip : sizeof buf;
		ssize_t got = rr->ops->read(rr->r, buf, want, err);
		if (got < 0)
			return -1;
		if (got == 0) { /* the object ends before the range: an empty range */
			rr->limited = 1;
			rr->left = 0;
			rr->skip = 0;
			break;
		}
		rr->skip -= (uint64_t)got;
	}
	return 0;
}

ssize_t cairn_range_read(struct cairn_range_reader *rr, void *buf, size_t len, cairn_err *err)
{
	if (rr->skip && skip_to_range(rr, err) < 0)
		return -1;
	if (rr->limited) {
		if (!rr->left)
			return 0;
		if (len > rr->left)
			len = (size_t)rr->left;
	}
	ssize_t got = rr->ops->read(rr->r, buf, len, err);
	if (got > 0 && rr->limited)
		rr->left -= (uint64_t)got;
	return got;
}

void cairn_range_reader_close(struct cairn_range_reader *rr)
{
	if (!rr)
		return;
	rr->ops->read_close(rr->r);
	free(rr);
}

int cairn_range_reader_native(const struct cairn_range_reader *rr) { return rr->native; }
