/* blocks.c — the block-parallel compressor (blocks.h).
 *
 * An ordered work ring (ring.h) of 2 x workers slots. The chain's thread
 * fills the slot at `fill` and queues it; workers compress queued slots in
 * any order; the chain's thread emits the slot at `emit` once it is done, in
 * order, and waits for it when the ring is full. Nothing else is shared. */
#include "pipeline/blocks.h"

#include <libdeflate.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "pipeline/ring.h"

/* While EMPTY, the chain's thread fills in (in_len bytes so far). */
struct slot {
	unsigned char *in, *out;
	size_t in_len, out_len, out_off;
	int faulted; /* out faulted in (compress_one) */
};

struct blocks {
	struct cairn_filter base;
	enum cairn_compression comp;
	int level;
	size_t bsize, out_cap;
	struct cairn_ring ring;
	struct slot *slots; /* indexed like the ring's states */
	int any;	    /* a block was submitted */
	struct cairn_block_len *index;
	size_t nindex, index_cap;
};

int cairn_blocks_check_level(enum cairn_compression comp, int level, cairn_err *err)
{
	if (comp == CAIRN_COMP_GZIP && (level < 1 || level > 12))
		return cairn_err_set(err,
				     "compression_level %d is out of range: gzip takes 1 to "
				     "12 (libdeflate's levels)",
				     level);
	if (comp == CAIRN_COMP_ZSTD && (level < 1 || level > ZSTD_maxCLevel()))
		return cairn_err_set(err,
				     "compression_level %d is out of range: zstd takes 1 to %d",
				     level, ZSTD_maxCLevel());
	return 0;
}

/* A worker's compressor. */
struct codec {
	struct libdeflate_compressor *ld;
	ZSTD_CCtx *zc;
};

static void *codec_new(void *ctx)
{
	struct blocks *b = ctx;
	struct codec *c = calloc(1, sizeof *c);
	if (c && b->comp == CAIRN_COMP_GZIP)
		c->ld = libdeflate_alloc_compressor(b->level);
	else if (c)
		c->zc = ZSTD_createCCtx();
	return c;
}

static void codec_free(void *ws)
{
	struct codec *c = ws;
	if (c) {
		libdeflate_free_compressor(c->ld);
		ZSTD_freeCCtx(c->zc);
		free(c);
	}
}

/* Compresses slot i's in into its out; -1 on failure. */
static int compress_one(void *ctx, void *ws, size_t i)
{
	struct blocks *b = ctx;
	struct codec *c = ws;
	struct slot *s = &b->slots[i];
	size_t n = 0;
	/* A slot is the backup's memory budget: the first full block it holds
	 * faults in its whole output buffer, so what the alpha holds during a
	 * large backup is the same whatever the store's size or how well its data
	 * compresses (otherwise an output page is only touched when a block
	 * compresses badly enough to reach it), while a small backup (an
	 * incremental) touches no more than it writes. */
	if (!s->faulted && s->in_len == b->bsize) {
		memset(s->out, 0, b->out_cap);
		s->faulted = 1;
	}
	if (c && c->ld)
		n = libdeflate_gzip_compress(c->ld, s->in, s->in_len, s->out, b->out_cap);
	else if (c && c->zc) {
		size_t r = ZSTD_compressCCtx(c->zc, s->out, b->out_cap, s->in, s->in_len, b->level);
		n = ZSTD_isError(r) ? 0 : r;
	}
	s->out_len = n;
	s->out_off = 0;
	return n ? 0 : -1;
}

static void submit(struct blocks *b)
{
	b->any = 1;
	cairn_ring_submit(&b->ring);
}

static int index_add(struct blocks *b, uint64_t stored, uint64_t plain)
{
	if (b->nindex == b->index_cap) {
		size_t cap = b->index_cap ? b->index_cap * 2 : 64;
		struct cairn_block_len *p = realloc(b->index, cap * sizeof *p);
		if (!p)
			return -1;
		b->index = p;
		b->index_cap = cap;
	}
	b->index[b->nindex].stored = stored;
	b->index[b->nindex].plain = plain;
	b->nindex++;
	return 0;
}

/* Copies what it can of the done slot at emit into out. */
static int emit_some(struct blocks *b, unsigned char *out, size_t cap, size_t *made, cairn_err *err)
{
	struct slot *s = &b->slots[b->ring.emit];
	if (cairn_ring_wait_emit(&b->ring) == CAIRN_SLOT_FAILED)
		return cairn_err_set(err, "%s compression of a block failed (out of memory?)",
				     b->comp == CAIRN_COMP_GZIP ? "gzip" : "zstd");
	if (s->out_off == 0 && index_add(b, s->out_len, s->in_len) < 0)
		return cairn_err_set(err, "out of memory");
	size_t n = s->out_len - s->out_off;
	if (n > cap)
		n = cap;
	memcpy(out, s->out + s->out_off, n);
	s->out_off += n;
	*made = n;
	if (s->out_off == s->out_len) {
		s->in_len = 0;
		cairn_ring_release_emit(&b->ring);
	}
	return 0;
}

static int blocks_step(struct cairn_filter *f, const unsigned char *in, size_t in_len, size_t *used,
		       unsigned char *out, size_t cap, size_t *made, int finish, cairn_err *err)
{
	struct blocks *b = (struct blocks *)f;
	*used = *made = 0;
	/* A compressed block waiting at emit goes out first. */
	struct cairn_ring *r = &b->ring;
	int st = cairn_ring_state(r, r->emit);
	if (st == CAIRN_SLOT_DONE || st == CAIRN_SLOT_FAILED)
		return emit_some(b, out, cap, made, err) < 0 ? -1 : 0;
	struct slot *s = &b->slots[r->fill];
	if (in_len) {
		if (cairn_ring_state(r, r->fill) != CAIRN_SLOT_EMPTY) /* the ring is full */
			return emit_some(b, out, cap, made, err) < 0 ? -1 : 0;
		size_t n = b->bsize - s->in_len;
		if (n > in_len)
			n = in_len;
		memcpy(s->in + s->in_len, in, n);
		s->in_len += n;
		*used = n;
		if (s->in_len == b->bsize)
			submit(b);
		return 0;
	}
	if (!finish)
		return 0;
	/* The last block, or one empty member for an empty stream. */
	if (cairn_ring_state(r, r->fill) == CAIRN_SLOT_EMPTY && (s->in_len || !b->any))
		submit(b);
	if (cairn_ring_state(r, r->emit) == CAIRN_SLOT_EMPTY)
		return 1;
	return emit_some(b, out, cap, made, err) < 0 ? -1 : 0;
}

static void blocks_free(struct cairn_filter *f)
{
	struct blocks *b = (struct blocks *)f;
	size_t nslots = b->ring.nslots;
	cairn_ring_clear(&b->ring); /* the workers are gone after it */
	for (size_t i = 0; b->slots && i < nslots; i++) {
		free(b->slots[i].in);
		free(b->slots[i].out);
	}
	free(b->slots);
	free(b->index);
	free(b);
}

static const struct cairn_filter_ops blocks_ops = {"block compressor", blocks_step, NULL,
						   blocks_free};

const struct cairn_block_len *cairn_blocks_index(struct cairn_filter *f, size_t *n)
{
	struct blocks *b = (struct blocks *)f;
	*n = b->nindex;
	return b->index;
}

int cairn_blocks_new(const struct cairn_block_opts *o, struct cairn_filter **out, cairn_err *err)
{
	unsigned workers = cairn_ring_workers(o->workers);
	int level = o->level			 ? o->level
		    : o->comp == CAIRN_COMP_GZIP ? CAIRN_GZIP_BLOCK_LEVEL
						 : CAIRN_ZSTD_LEVEL;
	if (cairn_blocks_check_level(o->comp, level, err) < 0)
		return -1;
	struct blocks *b = calloc(1, sizeof *b);
	if (!b)
		return cairn_err_set(err, "out of memory");
	b->base.ops = &blocks_ops;
	b->comp = o->comp;
	b->level = level;
	b->bsize = o->block_size ? o->block_size : CAIRN_BLOCK_SIZE;
	b->out_cap = o->comp == CAIRN_COMP_GZIP ? libdeflate_gzip_compress_bound(NULL, b->bsize)
						: ZSTD_compressBound(b->bsize);
	size_t nslots = 2 * (size_t)workers;
	if (cairn_ring_init(&b->ring, nslots) < 0 || !(b->slots = calloc(nslots, sizeof *b->slots)))
		goto oom;
	for (size_t i = 0; i < nslots; i++)
		if (!(b->slots[i].in = malloc(b->bsize)) || !(b->slots[i].out = malloc(b->out_cap)))
			goto oom;
	const struct cairn_ring_job job = {codec_new, compress_one, codec_free, b};
	if (!cairn_ring_start(&b->ring, workers, &job)) {
		blocks_free(&b->base);
		return cairn_err_set(err, "cannot start the compression threads");
	}
	*out = &b->base;
	return 0;
oom:
	blocks_free(&b->base);
	return cairn_err_set(err, "out of memory");
}
