/* blocks_read.c — the parallel block decoder (blocks_read.h). The same
 * ordered work ring (ring.h) as blocks.c: the chain's thread fills the slot
 * at `fill` with one block's stored bytes, workers decode queued slots in
 * any order, the chain's thread emits the slot at `emit` in order. */
#include "pipeline/blocks_read.h"

#include <libdeflate.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "pipeline/ring.h"

#define IV_LEN 16

struct slot {
	unsigned char *in, *out;
	size_t in_len, want, plain, out_len, out_off, k;
	uint64_t off; /* the block's offset in the ciphertext (after the IV) */
	char msg[160];
};

struct bread {
	struct cairn_filter base;
	unsigned char key[32], iv[IV_LEN];
	size_t key_len, have_iv;
	uint64_t *stored, block_size, plain_size, next_off;
	size_t n, next;
	int comp;
	struct cairn_ring ring;
	struct slot *slots; /* indexed like the ring's states */
};

static const EVP_CIPHER *cipher_for(size_t key_len)
{
	return key_len == 16   ? EVP_aes_128_ctr()
	       : key_len == 24 ? EVP_aes_192_ctr()
			       : EVP_aes_256_ctr();
}

/* Decrypts s->in in place: the counter block is IV + off/16 (big-endian,
 * 128 bits), and the block starts off%16 bytes into its keystream block. */
static int decrypt(struct bread *b, EVP_CIPHER_CTX *ctx, struct slot *s)
{
	unsigned char ctr[IV_LEN], skip[IV_LEN] = {0};
	uint64_t add = s->off / IV_LEN;
	int len = 0;
	memcpy(ctr, b->iv, IV_LEN);
	for (int i = IV_LEN - 1; i >= 0 && add; i--) {
		uint64_t v = ctr[i] + (add & 0xff);
		ctr[i] = (unsigned char)v;
		add = (add >> 8) + (v >> 8);
	}
	if (!EVP_EncryptInit_ex(ctx, cipher_for(b->key_len), NULL, b->key, ctr) ||
	    !EVP_EncryptUpdate(ctx, skip, &len, skip, (int)(s->off % IV_LEN)))
		return -1;
	for (size_t done = 0; done < s->in_len;) {
		int n = s->in_len - done > (1u << 30) ? 1 << 30 : (int)(s->in_len - done);
		if (!EVP_EncryptUpdate(ctx, s->in + done, &len, s->in + done, n))
			return -1;
		done += (size_t)n;
	}
	return 0;
}

/* A worker's decoders. */
struct codec {
	struct libdeflate_decompressor *d;
	ZSTD_DCtx *zd;
	EVP_CIPHER_CTX *ctx;
};

static void codec_free(void *ws)
{
	struct codec *c = ws;
	if (c) {
		libdeflate_free_decompressor(c->d);
		ZSTD_freeDCtx(c->zd);
		EVP_CIPHER_CTX_free(c->ctx);
		free(c);
	}
}

static void *codec_new(void *ctx)
{
	(void)ctx;
	struct codec *c = calloc(1, sizeof *c);
	if (c && (!(c->d = libdeflate_alloc_decompressor()) || !(c->zd = ZSTD_createDCtx()) ||
		  !(c->ctx = EVP_CIPHER_CTX_new()))) {
		codec_free(c);
		c = NULL;
	}
	return c;
}

/* Decodes slot i; -1 with the slot's msg set. */
static int decode_one(void *ctx, void *ws, size_t i)
{
	struct bread *b = ctx;
	struct codec *c = ws;
	struct slot *s = &b->slots[i];
	size_t ain = 0, aout = 0;
	s->msg[0] = 0;
	s->out_off = 0;
	if (!c) {
		snprintf(s->msg, sizeof s->msg, "out of memory");
		return -1;
	}
	if (b->key_len && decrypt(b, c->ctx, s) < 0) {
		snprintf(s->msg, sizeof s->msg, "cannot decrypt block %zu (OpenSSL failed)", s->k);
		return -1;
	}
	int ok;
	if (b->comp == CAIRN_COMP_ZSTD) {
		/* Exactly one frame, all of the block's bytes. */
		ain = ZSTD_findFrameCompressedSize(s->in, s->in_len);
		aout = ZSTD_isError(ain) ? 0
					 : ZSTD_decompressDCtx(c->zd, s->out, s->plain, s->in, ain);
		ok = !ZSTD_isError(ain) && !ZSTD_isError(aout);
		if (!ok)
			aout = 0;
	} else {
		ok = libdeflate_gzip_decompress_ex(c->d, s->in, s->in_len, s->out, s->plain, &ain,
						   &aout) == LIBDEFLATE_SUCCESS;
	}
	if (!ok || ain != s->in_len || aout != s->plain)
		snprintf(s->msg, sizeof s->msg,
			 "block %zu (stored bytes %llu to %llu) is not one %s of %zu "
			 "bytes: the object is damaged or its block index is wrong",
			 s->k, (unsigned long long)(s->off + (b->key_len ? IV_LEN : 0)),
			 (unsigned long long)(s->off + (b->key_len ? IV_LEN : 0) + s->in_len),
			 b->comp == CAIRN_COMP_ZSTD ? "zstd frame" : "gzip member", s->plain);
	s->out_len = aout;
	return s->msg[0] ? -1 : 0;
}

/* Waits for the block at emit, then copies what fits of it into out. */
static int emit_some(struct bread *b, unsigned char *out, size_t cap, size_t *made, cairn_err *err)
{
	struct slot *s = &b->slots[b->ring.emit];
	if (cairn_ring_wait_emit(&b->ring) == CAIRN_SLOT_FAILED)
		return cairn_err_setc(err, CAIRN_E_CORRUPT, "%s", s->msg);
	size_t n = s->out_len - s->out_off;
	if (n > cap)
		n = cap;
	memcpy(out, s->out + s->out_off, n);
	s->out_off += n;
	*made = n;
	if (s->out_off == s->out_len) {
		s->in_len = s->want = 0;
		cairn_ring_release_emit(&b->ring);
	}
	return 0;
}

static int step_once(struct cairn_filter *f, const unsigned char *in, size_t in_len, size_t *used,
		     unsigned char *out, size_t cap, size_t *made, int finish, cairn_err *err)
{
	struct bread *b = (struct bread *)f;
	struct cairn_ring *r = &b->ring;
	*used = *made = 0;
	int st = cairn_ring_state(r, r->emit);
	if (st == CAIRN_SLOT_DONE || st == CAIRN_SLOT_FAILED)
		return emit_some(b, out, cap, made, err) < 0 ? -1 : 0;
	if (in_len) {
		if (b->key_len && b->have_iv < IV_LEN) {
			size_t n = IV_LEN - b->have_iv < in_len ? IV_LEN - b->have_iv : in_len;
			memcpy(b->iv + b->have_iv, in, n);
			b->have_iv += n;
			*used = n;
			return 0;
		}
		if (b->next == b->n)
			return cairn_err_setc(err, CAIRN_E_CORRUPT,
					      "data follows the last block of its block index");
		if (cairn_ring_state(r, r->fill) != CAIRN_SLOT_EMPTY) /* the ring is full */
			return emit_some(b, out, cap, made, err) < 0 ? -1 : 0;
		struct slot *s = &b->slots[r->fill];
		if (!s->want) {
			s->k = b->next;
			s->want = (size_t)b->stored[b->next];
			s->off = b->next_off;
			s->plain = b->next + 1 < b->n
				       ? (size_t)b->block_size
				       : (size_t)(b->plain_size - (b->n - 1) * b->block_size);
		}
		size_t n = s->want - s->in_len < in_len ? s->want - s->in_len : in_len;
		memcpy(s->in + s->in_len, in, n);
		s->in_len += n;
		*used = n;
		if (s->in_len == s->want) {
			b->next_off += s->want;
			b->next++;
			cairn_ring_submit(r);
		}
		return 0;
	}
	if (!finish)
		return 0;
	if (b->next < b->n || (b->key_len && b->have_iv < IV_LEN))
		return cairn_err_setc(err, CAIRN_E_CORRUPT,
				      "truncated: the object ends in block %zu of %zu", b->next,
				      b->n);
	if (cairn_ring_state(r, r->emit) == CAIRN_SLOT_EMPTY)
		return 1;
	return emit_some(b, out, cap, made, err) < 0 ? -1 : 0;
}

/* An empty block emits nothing: go on to the next thing to do, since a
 * step must consume or produce something. */
static int bread_step(struct cairn_filter *f, const unsigned char *in, size_t in_len, size_t *used,
		      unsigned char *out, size_t cap, size_t *made, int finish, cairn_err *err)
{
	for (;;) {
		int r = step_once(f, in, in_len, used, out, cap, made, finish, err);
		if (r != 0 || *used || *made || (!in_len && !finish))
			return r;
	}
}

static void bread_free(struct cairn_filter *f)
{
	struct bread *b = (struct bread *)f;
	size_t nslots = b->ring.nslots;
	cairn_ring_clear(&b->ring); /* the workers are gone after it */
	for (size_t i = 0; b->slots && i < nslots; i++) {
		free(b->slots[i].in);
		free(b->slots[i].out);
	}
	OPENSSL_cleanse(b->key, sizeof b->key);
	free(b->slots);
	free(b->stored);
	free(b);
}

static const struct cairn_filter_ops bread_ops = {"block decoder", bread_step, NULL, bread_free};

int cairn_blocks_read_new(const struct cairn_block_index *idx, const unsigned char *key,
			  size_t key_len, unsigned workers, struct cairn_filter **out,
			  cairn_err *err)
{
	workers = cairn_ring_workers(workers);
	if (key_len > 32 || !idx->n || !idx->block_size)
		return cairn_err_set(err, "a block decoder needs a block index (a bug in cairn)");
	struct bread *b = calloc(1, sizeof *b);
	if (!b)
		return cairn_err_set(err, "out of memory");
	b->base.ops = &bread_ops;
	if (key_len)
		memcpy(b->key, key, key_len);
	b->key_len = key_len;
	b->block_size = idx->block_size;
	b->plain_size = idx->plain_size;
	b->n = idx->n;
	b->comp = idx->comp;
	uint64_t max_in = 1;
	for (size_t i = 0; i < idx->n; i++)
		if (idx->stored[i] > max_in)
			max_in = idx->stored[i];
	size_t nslots = 2 * (size_t)workers;
	b->stored = malloc(idx->n * sizeof *b->stored);
	b->slots = calloc(nslots, sizeof *b->slots);
	if (cairn_ring_init(&b->ring, nslots) < 0 || !b->stored || !b->slots)
		goto oom;
	memcpy(b->stored, idx->stored, idx->n * sizeof *b->stored);
	for (size_t i = 0; i < nslots; i++)
		if (!(b->slots[i].in = malloc((size_t)max_in)) ||
		    !(b->slots[i].out = malloc((size_t)b->block_size)))
			goto oom;
	const struct cairn_ring_job job = {codec_new, decode_one, codec_free, b};
	if (!cairn_ring_start(&b->ring, workers, &job)) {
		bread_free(&b->base);
		return cairn_err_set(err, "cannot start the decompression threads");
	}
	*out = &b->base;
	return 0;
oom:
	bread_free(&b->base);
	return cairn_err_set(err, "out of memory");
}
