/* gzip.c — zlib's deflate and inflate as pipeline filters. */
#include "pipeline/gzip.h"

#include <limits.h>
#include <stdlib.h>
#include <zlib.h>

struct gz {
	struct cairn_filter base;
	z_stream z;
	int ready;     /* z initialised */
	int in_member; /* inflate: inside a member */
	int members;   /* inflate: members ended so far */
};

static unsigned clamp(size_t n) { return n > UINT_MAX ? UINT_MAX : (unsigned)n; }

static int deflate_step(struct cairn_filter *f, const unsigned char *in, size_t in_len,
			size_t *used, unsigned char *out, size_t cap, size_t *made, int finish,
			cairn_err *err)
{
	struct gz *g = (struct gz *)f;
	unsigned ai = clamp(in_len), ao = clamp(cap);
	g->z.next_in = (unsigned char *)in;
	g->z.avail_in = ai;
	g->z.next_out = out;
	g->z.avail_out = ao;
	/* Z_FINISH only once all input is taken: a clamped length leaves more. */
	int zr = deflate(&g->z, finish && ai == in_len ? Z_FINISH : Z_NO_FLUSH);
	*used = ai - g->z.avail_in;
	*made = ao - g->z.avail_out;
	if (zr == Z_STREAM_ERROR)
		return cairn_err_set(err, "gzip compression failed");
	return zr == Z_STREAM_END ? 1 : 0;
}

static int inflate_step(struct cairn_filter *f, const unsigned char *in, size_t in_len,
			size_t *used, unsigned char *out, size_t cap, size_t *made, int finish,
			cairn_err *err)
{
	struct gz *g = (struct gz *)f;
	*used = *made = 0;
	if (!g->in_member) {
		if (!in_len) {
			if (!finish)
				return 0;
			if (!g->members)
				return cairn_err_setc(err, CAIRN_E_CORRUPT, "empty (no gzip data)");
			return 1;
		}
		/* Another gzip member follows (gzip -d reads those too). */
		if (g->members)
			inflateReset(&g->z);
		g->in_member = 1;
	}
	unsigned ai = clamp(in_len), ao = clamp(cap);
	g->z.next_in = (unsigned char *)in;
	g->z.avail_in = ai;
	g->z.next_out = out;
	g->z.avail_out = ao;
	int zr = inflate(&g->z, Z_NO_FLUSH);
	*used = ai - g->z.avail_in;
	*made = ao - g->z.avail_out;
	if (zr == Z_STREAM_END) {
		g->in_member = 0;
		g->members++;
		return 0;
	}
	if (zr == Z_BUF_ERROR && finish && !*made)
		return cairn_err_setc(err, CAIRN_E_CORRUPT,
				      "truncated: the gzip stream ends early");
	if (zr != Z_OK && zr != Z_BUF_ERROR)
		return cairn_err_setc(err, CAIRN_E_CORRUPT, "not a valid gzip stream (%s)",
				      g->z.msg ? g->z.msg : "corrupt data");
	return 0;
}

static void deflate_free(struct cairn_filter *f)
{
	struct gz *g = (struct gz *)f;
	if (g->ready)
		deflateEnd(&g->z);
	free(g);
}

static void inflate_free(struct cairn_filter *f)
{
	struct gz *g = (struct gz *)f;
	if (g->ready)
		inflateEnd(&g->z);
	free(g);
}

static const struct cairn_filter_ops deflate_ops = {"gzip", deflate_step, NULL, deflate_free};
static const struct cairn_filter_ops inflate_ops = {"gunzip", inflate_step, NULL, inflate_free};

int cairn_gzip_deflate_new(int level, struct cairn_filter **out, cairn_err *err)
{
	struct gz *g = calloc(1, sizeof *g);
	if (!g)
		return cairn_err_set(err, "out of memory");
	g->base.ops = &deflate_ops;
	/* 15 + 16: a gzip header and trailer around the deflate data. */
	if (deflateInit2(&g->z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
		free(g);
		return cairn_err_set(err, "cannot start gzip compression");
	}
	g->ready = 1;
	*out = &g->base;
	return 0;
}

int cairn_gzip_inflate_new(struct cairn_filter **out, cairn_err *err)
{
	struct gz *g = calloc(1, sizeof *g);
	if (!g)
		return cairn_err_set(err, "out of memory");
	g->base.ops = &inflate_ops;
	if (inflateInit2(&g->z, 15 + 16) != Z_OK) {
		free(g);
		return cairn_err_set(err, "cannot start gzip decompression");
	}
	g->ready = 1;
	*out = &g->base;
	return 0;
}
