/* blocks.c — the block-parallel compressor (blocks.h).
 *
 * A ring of 2 x workers slots. The chain's thread fills the slot at `fill`,
 * marks it queued and moves on; workers compress queued slots in any order;
 * the chain's thread emits the slot at `emit` once it is done, in order, and
 * waits for it when the ring is full. Nothing else is shared. */
#include "pipeline/blocks.h"

#include <libdeflate.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>

/* EMPTY: free, or being filled by the chain's thread (in_len bytes so far). */
enum { S_EMPTY, S_QUEUED, S_BUSY, S_DONE, S_FAILED };

struct slot {
	unsigned char *in, *out;
	size_t in_len, out_len, out_off;
	int state;
};

struct blocks {
	struct cairn_filter base;
	enum cairn_compression comp;
	int level;
	size_t bsize, out_cap;
	pthread_mutex_t mu;
	pthread_cond_t work, done;
	pthread_t *threads;
	unsigned nthreads;
	struct slot *slots;
	size_t nslots, fill, emit;
	int stop, any; /* any: a block was submitted */
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

/* Compresses s->in into s->out; 0 bytes on failure. */
static size_t compress_one(struct blocks *b, struct libdeflate_compressor *ld, ZSTD_CCtx *zc,
			   struct slot *s)
{
	if (b->comp == CAIRN_COMP_GZIP)
		return libdeflate_gzip_compress(ld, s->in, s->in_len, s->out, b->out_cap);
	size_t r = ZSTD_compressCCtx(zc, s->out, b->out_cap, s->in, s->in_len, b->level);
	return ZSTD_isError(r) ? 0 : r;
}

static void *worker(void *arg)
{
	struct blocks *b = arg;
	struct libdeflate_compressor *ld = NULL;
	ZSTD_CCtx *zc = NULL;
	if (b->comp == CAIRN_COMP_GZIP)
		ld = libdeflate_alloc_compressor(b->level);
	else
		zc = ZSTD_createCCtx();
	pthread_mutex_lock(&b->mu);
	for (;;) {
		struct slot *s = NULL;
		for (size_t i = 0; i < b->nslots && !s; i++)
			if (b->slots[(b->emit + i) % b->nslots].state == S_QUEUED)
				s = &b->slots[(b->emit + i) % b->nslots];
		if (!s) {
			if (b->stop)
				break;
			pthread_cond_wait(&b->work, &b->mu);
			continue;
		}
		s->state = S_BUSY;
		pthread_mutex_unlock(&b->mu);
		size_t n = (ld || zc) ? compress_one(b, ld, zc, s) : 0;
		pthread_mutex_lock(&b->mu);
		s->out_len = n;
		s->out_off = 0;
		s->state = n ? S_DONE : S_FAILED;
		pthread_cond_broadcast(&b->done);
	}
	pthread_mutex_unlock(&b->mu);
	libdeflate_free_compressor(ld);
	ZSTD_freeCCtx(zc);
	return NULL;
}

static void submit(struct blocks *b)
{
	pthread_mutex_lock(&b->mu);
	b->slots[b->fill].state = S_QUEUED;
	b->fill = (b->fill + 1) % b->nslots;
	b->any = 1;
	pthread_cond_signal(&b->work);
	pthread_mutex_unlock(&b->mu);
}

/* Waits for the slot at emit to be compressed; its state. */
static int wait_emit(struct blocks *b)
{
	pthread_mutex_lock(&b->mu);
	struct slot *s = &b->slots[b->emit];
	while (s->state == S_QUEUED || s->state == S_BUSY)
		pthread_cond_wait(&b->done, &b->mu);
	int st = s->state;
	pthread_mutex_unlock(&b->mu);
	return st;
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
	struct slot *s = &b->slots[b->emit];
	int st = wait_emit(b);
	if (st == S_FAILED)
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
		pthread_mutex_lock(&b->mu);
		s->state = S_EMPTY;
		s->in_len = 0;
		b->emit = (b->emit + 1) % b->nslots; /* workers read it */
		pthread_mutex_unlock(&b->mu);
	}
	return 0;
}

static int slot_state(struct blocks *b, size_t i)
{
	pthread_mutex_lock(&b->mu);
	int st = b->slots[i].state;
	pthread_mutex_unlock(&b->mu);
	return st;
}

static int blocks_step(struct cairn_filter *f, const unsigned char *in, size_t in_len, size_t *used,
		       unsigned char *out, size_t cap, size_t *made, int finish, cairn_err *err)
{
	struct blocks *b = (struct blocks *)f;
	*used = *made = 0;
	/* A compressed block waiting at emit goes out first. */
	int st = slot_state(b, b->emit);
	if (st == S_DONE || st == S_FAILED)
		return emit_some(b, out, cap, made, err) < 0 ? -1 : 0;
	struct slot *s = &b->slots[b->fill];
	if (in_len) {
		if (slot_state(b, b->fill) != S_EMPTY) /* the ring is full */
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
	if (slot_state(b, b->fill) == S_EMPTY && (s->in_len || !b->any))
		submit(b);
	if (slot_state(b, b->emit) == S_EMPTY)
		return 1;
	return emit_some(b, out, cap, made, err) < 0 ? -1 : 0;
}

static void blocks_free(struct cairn_filter *f)
{
	struct blocks *b = (struct blocks *)f;
	pthread_mutex_lock(&b->mu);
	b->stop = 1;
	/* Queued blocks nobody will emit are dropped. */
	for (size_t i = 0; i < b->nslots; i++)
		if (b->slots[i].state == S_QUEUED)
			b->slots[i].state = S_EMPTY;
	pthread_cond_broadcast(&b->work);
	pthread_mutex_unlock(&b->mu);
	for (unsigned i = 0; i < b->nthreads; i++)
		pthread_join(b->threads[i], NULL);
	for (size_t i = 0; i < b->nslots; i++) {
		free(b->slots[i].in);
		free(b->slots[i].out);
	}
	pthread_mutex_destroy(&b->mu);
	pthread_cond_destroy(&b->work);
	pthread_cond_destroy(&b->done);
	free(b->slots);
	free(b->threads);
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
	unsigned workers = o->workers;
	if (!workers) {
		long c = sysconf(_SC_NPROCESSORS_ONLN);
		workers = c < 1 ? 1 : c > 256 ? 256 : (unsigned)c;
	}
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
	pthread_mutex_init(&b->mu, NULL);
	pthread_cond_init(&b->work, NULL);
	pthread_cond_init(&b->done, NULL);
	b->nslots = 2 * (size_t)workers;
	b->slots = calloc(b->nslots, sizeof *b->slots);
	b->threads = calloc(workers, sizeof *b->threads);
	if (!b->slots || !b->threads)
		goto oom;
	for (size_t i = 0; i < b->nslots; i++)
		if (!(b->slots[i].in = malloc(b->bsize)) || !(b->slots[i].out = malloc(b->out_cap)))
			goto oom;
	for (; b->nthreads < workers; b->nthreads++)
		if (pthread_create(&b->threads[b->nthreads], NULL, worker, b) != 0)
			break;
	if (!b->nthreads) {
		blocks_free(&b->base);
		return cairn_err_set(err, "cannot start the compression threads");
	}
	*out = &b->base;
	return 0;
oom:
	blocks_free(&b->base);
	return cairn_err_set(err, "out of memory");
}
