/* The block-parallel compressor (pipeline/blocks.c): round trips at block
 * boundaries, order kept with many workers, the index matching the output,
 * each member readable alone, zlib's and the gzip command's reading of the
 * concatenated members, zstd frames, and a failing sink's error reaching
 * the writer. */
#include <stdint.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "check.h"
#include "pipeline/aes_ctr.h"
#include "pipeline/blocks.h"
#include "pipeline/blocks_read.h"

struct buf {
	unsigned char *p;
	size_t len, cap;
};

static int sink(void *ctx, const void *p, size_t n, cairn_err *err)
{
	struct buf *b = ctx;
	(void)err;
	if (b->len + n > b->cap) {
		b->cap = (b->len + n) * 2 + 16;
		b->p = realloc(b->p, b->cap);
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
	return 0;
}

static int failing_sink(void *ctx, const void *p, size_t n, cairn_err *err)
{
	(void)ctx, (void)p, (void)n;
	return cairn_err_set(err, "the disk is full");
}

/* Deterministic, compressible, and different in every block. */
static unsigned char *make_input(size_t n)
{
	unsigned char *p = malloc(n ? n : 1);
	uint32_t x = 12345;
	for (size_t i = 0; i < n; i++) {
		x = x * 1103515245u + 12345u;
		p[i] = (i % 7 == 0) ? (unsigned char)(x >> 24) : (unsigned char)("abcdefgh"[i % 8]);
	}
	return p;
}

/* zlib's gunzip over concatenated members, as gzip -d reads them. */
static int gunzip_all(const unsigned char *in, size_t len, unsigned char *out, size_t cap,
		      size_t *got)
{
	z_stream z = {0};
	if (inflateInit2(&z, 15 + 16) != Z_OK)
		return -1;
	z.next_in = (unsigned char *)in;
	z.avail_in = (uInt)len;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	int rc = 0;
	while (z.avail_in) {
		int r = inflate(&z, Z_NO_FLUSH);
		if (r == Z_STREAM_END)
			inflateReset(&z);
		else if (r != Z_OK) {
			rc = -1;
			break;
		}
	}
	*got = cap - z.avail_out;
	inflateEnd(&z);
	return rc;
}

/* Writes n bytes in pieces of piece through the compressor; the output and
 * a copy of the index. */
static int compress_all(const struct cairn_block_opts *o, const unsigned char *in, size_t n,
			size_t piece, struct buf *out, struct cairn_block_len **idx, size_t *nidx)
{
	cairn_err err = {0};
	struct cairn_filter *f = NULL;
	struct cairn_wchain *c = cairn_wchain_new(sink, out);
	if (cairn_blocks_new(o, &f, &err) < 0 || cairn_wchain_add(c, f, &err) < 0)
		return -1;
	for (size_t off = 0; off < n; off += piece)
		if (cairn_wchain_write(c, in + off, n - off < piece ? n - off : piece, &err) < 0)
			return -1;
	if (cairn_wchain_finish(c, &err) < 0)
		return -1;
	const struct cairn_block_len *bl = cairn_blocks_index(f, nidx);
	*idx = malloc((*nidx + 1) * sizeof **idx);
	memcpy(*idx, bl, *nidx * sizeof **idx);
	cairn_wchain_free(c);
	return 0;
}

static void round_trip(enum cairn_compression comp, size_t bsize, unsigned workers, size_t n,
		       size_t piece)
{
	struct cairn_block_opts o = {comp, 0, workers, bsize};
	unsigned char *in = make_input(n);
	struct buf out = {0};
	struct cairn_block_len *idx = NULL;
	size_t nidx = 0;
	CHECK(compress_all(&o, in, n, piece, &out, &idx, &nidx) == 0);
	/* The index: one entry per block, summing to the output and the input. */
	CHECK(nidx == (n ? (n + bsize - 1) / bsize : 1));
	uint64_t stored = 0, plain = 0;
	for (size_t i = 0; i < nidx; i++) {
		stored += idx[i].stored;
		plain += idx[i].plain;
		CHECK(idx[i].plain == (i + 1 < nidx ? bsize : n - i * bsize));
	}
	CHECK(stored == out.len && plain == n);
	unsigned char *back = malloc(n + 1);
	size_t got = 0;
	if (comp == CAIRN_COMP_GZIP) {
		CHECK(gunzip_all(out.p, out.len, back, n + 1, &got) == 0);
	} else {
		size_t r = ZSTD_decompress(back, n + 1, out.p, out.len);
		CHECK(!ZSTD_isError(r));
		got = ZSTD_isError(r) ? 0 : r;
	}
	CHECK(got == n && memcmp(back, in, n) == 0);
	/* Each block alone, at its offset: what a parallel reader does. */
	size_t off = 0, poff = 0;
	int each_ok = 1;
	for (size_t i = 0; i < nidx; i++) {
		size_t g = 0;
		if (comp == CAIRN_COMP_GZIP)
			each_ok &= gunzip_all(out.p + off, idx[i].stored, back, n + 1, &g) == 0;
		else
			g = ZSTD_decompress(back, n + 1, out.p + off, idx[i].stored);
		each_ok &= g == idx[i].plain && memcmp(back, in + poff, g) == 0;
		off += idx[i].stored;
		poff += idx[i].plain;
	}
	CHECK(each_ok);
	free(back);
	free(idx);
	free(out.p);
	free(in);
}

static void test_round_trips(void)
{
	const size_t b = 4096;
	size_t sizes[] = {0, 1, b - 1, b, b + 1, 37 * b + 5};
	for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
		round_trip(CAIRN_COMP_GZIP, b, 2, sizes[i], 1000);
		round_trip(CAIRN_COMP_ZSTD, b, 2, sizes[i], 1000);
	}
	/* One big write spanning many blocks, and 1-byte writes. */
	round_trip(CAIRN_COMP_GZIP, b, 3, 20 * b, 20 * b);
	round_trip(CAIRN_COMP_GZIP, b, 1, 3 * b + 7, 1);
	/* The default block size. */
	round_trip(CAIRN_COMP_GZIP, CAIRN_BLOCK_SIZE, 0, 2 * CAIRN_BLOCK_SIZE + 3, (size_t)1 << 20);
}

/* Many workers, many small blocks: the output keeps the input's order. */
static void test_order_many_workers(void)
{
	round_trip(CAIRN_COMP_GZIP, 512, 16, 2000 * 512 + 11, 7000);
	round_trip(CAIRN_COMP_ZSTD, 512, 16, 2000 * 512 + 11, 7000);
}

/* The gzip command reads the concatenated members as one stream. */
static void test_gzip_command(void)
{
	if (system("gzip --version >/dev/null 2>&1") != 0) {
		fprintf(stderr, "gzip not installed: skipping test_gzip_command\n");
		return;
	}
	struct cairn_block_opts o = {CAIRN_COMP_GZIP, 0, 2, 1000};
	size_t n = 25 * 1000 + 3;
	unsigned char *in = make_input(n);
	struct buf out = {0};
	struct cairn_block_len *idx = NULL;
	size_t nidx = 0;
	CHECK(compress_all(&o, in, n, 333, &out, &idx, &nidx) == 0);
	char gz[] = "/tmp/cairn-blocks-XXXXXX";
	int fd = mkstemp(gz);
	CHECK(fd >= 0 && write(fd, out.p, out.len) == (ssize_t)out.len);
	close(fd);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "gzip -dc < %s", gz);
	FILE *p = popen(cmd, "r");
	unsigned char *back = malloc(n + 10);
	size_t got = fread(back, 1, n + 10, p);
	CHECK(pclose(p) == 0);
	CHECK(got == n && memcmp(back, in, n) == 0);
	unlink(gz);
	free(back);
	free(idx);
	free(out.p);
	free(in);
}

/* The sink's error reaches the writer, and the workers stop cleanly. */
static void test_failing_sink(void)
{
	struct cairn_block_opts o = {CAIRN_COMP_GZIP, 0, 4, 1000};
	cairn_err err = {0};
	struct cairn_filter *f = NULL;
	struct cairn_wchain *c = cairn_wchain_new(failing_sink, NULL);
	unsigned char *in = make_input(100000);
	CHECK(cairn_blocks_new(&o, &f, &err) == 0 && cairn_wchain_add(c, f, &err) == 0);
	int rc = 0;
	for (size_t off = 0; off < 100000 && rc == 0; off += 5000)
		rc = cairn_wchain_write(c, in + off, 5000, &err);
	if (rc == 0)
		rc = cairn_wchain_finish(c, &err);
	CHECK(rc < 0);
	CHECK_CONTAINS(err.msg, "the disk is full");
	cairn_wchain_free(c);
	free(in);
}

static void test_levels(void)
{
	cairn_err err = {0};
	struct cairn_filter *f = NULL;
	struct cairn_block_opts o = {CAIRN_COMP_GZIP, 13, 1, 0};
	CHECK(cairn_blocks_new(&o, &f, &err) < 0);
	CHECK_CONTAINS(err.msg, "compression_level 13 is out of range");
	o.comp = CAIRN_COMP_ZSTD;
	o.level = 99;
	CHECK(cairn_blocks_new(&o, &f, &err) < 0);
	CHECK_CONTAINS(err.msg, "zstd takes 1 to");
	for (int l = 1; l <= 12; l++)
		CHECK(cairn_blocks_check_level(CAIRN_COMP_GZIP, l, &err) == 0);
}

/* A source serving a buffer in pieces of at most chunk bytes. */
struct src {
	const unsigned char *p;
	size_t len, pos, chunk;
};

static ssize_t src_read(void *ctx, void *buf, size_t cap, cairn_err *err)
{
	struct src *s = ctx;
	(void)err;
	size_t n = s->len - s->pos;
	if (n > cap)
		n = cap;
	if (n > s->chunk)
		n = s->chunk;
	memcpy(buf, s->p + s->pos, n);
	s->pos += n;
	return (ssize_t)n;
}

static const unsigned char test_key[32] = "0123456789abcdef0123456789abcdef";
static const unsigned char test_iv[16] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
					  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xf0};

/* The object as backup writes it: blocks, then (keyed) AES-CTR with the IV
 * first; its index. The IV is near a carry, so counters at block offsets
 * carry across bytes. */
static void write_object(int comp, size_t n, size_t bsize, size_t key_len, struct buf *out,
			 struct cairn_block_index *idx, unsigned char **plain)
{
	struct cairn_block_opts o = {comp, 0, 3, bsize};
	cairn_err err = {0};
	struct cairn_filter *f = NULL, *blocks = NULL;
	struct cairn_wchain *c = cairn_wchain_new(sink, out);
	*plain = make_input(n);
	CHECK(cairn_blocks_new(&o, &blocks, &err) == 0 && cairn_wchain_add(c, blocks, &err) == 0);
	if (key_len)
		CHECK(cairn_aes_ctr_encrypt_new(test_key, key_len, test_iv, &f, &err) == 0 &&
		      cairn_wchain_add(c, f, &err) == 0);
	CHECK(cairn_wchain_write(c, *plain, n, &err) == 0 && cairn_wchain_finish(c, &err) == 0);
	size_t nb = 0;
	const struct cairn_block_len *bl = cairn_blocks_index(blocks, &nb);
	idx->block_size = bsize;
	idx->plain_size = n;
	idx->n = nb;
	idx->comp = comp;
	idx->stored = malloc(nb * sizeof *idx->stored);
	for (size_t i = 0; i < nb; i++)
		idx->stored[i] = bl[i].stored;
	cairn_wchain_free(c);
}

/* Reads obj through the parallel decoder; the plain bytes and the result. */
static int read_object(const struct buf *obj, const struct cairn_block_index *idx, size_t key_len,
		       unsigned workers, struct buf *plain, cairn_err *err)
{
	struct src sr = {obj->p, obj->len, 0, 777};
	struct cairn_filter *f = NULL;
	struct cairn_rchain *c = cairn_rchain_new(src_read, &sr);
	unsigned char tmp[3000];
	ssize_t got = -1;
	if (cairn_blocks_read_new(idx, key_len ? test_key : NULL, key_len, workers, &f, err) < 0 ||
	    cairn_rchain_add(c, f, err) < 0) {
		cairn_rchain_free(c);
		return -1;
	}
	while ((got = cairn_rchain_read(c, tmp, sizeof tmp, err)) > 0)
		sink(plain, tmp, (size_t)got, err);
	cairn_rchain_free(c);
	return got < 0 ? -1 : 0;
}

/* Decrypting each block at its counter offset and decompressing the blocks
 * in parallel gives the plain stream back, for every key size, gzip and
 * zstd, at block boundaries and for an empty object. */
static void test_parallel_decode(void)
{
	size_t sizes[] = {0, 1, 4095, 4096, 4097, 50 * 4096 + 9};
	size_t keys[] = {0, 16, 24, 32};
	for (size_t k = 0; k < 4; k++)
		for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
			struct buf obj = {0}, back = {0};
			struct cairn_block_index idx;
			unsigned char *plain;
			cairn_err err = {0};
			write_object(k % 2 ? CAIRN_COMP_ZSTD : CAIRN_COMP_GZIP, sizes[i], 4096,
				     keys[k], &obj, &idx, &plain);
			CHECK(read_object(&obj, &idx, keys[k], k + 1, &back, &err) == 0);
			CHECK(back.len == sizes[i] &&
			      (!back.len || memcmp(back.p, plain, back.len) == 0));
			free(obj.p);
			free(back.p);
			free(idx.stored);
			free(plain);
		}
}

/* A damaged block, a cut-short object, bytes after the last block and an
 * index that does not fit the object are refused, naming what is wrong. */
static void test_parallel_decode_refuses(void)
{
	struct buf obj = {0}, back = {0};
	struct cairn_block_index idx;
	unsigned char *plain;
	cairn_err err = {0};
	write_object(CAIRN_COMP_GZIP, 20 * 4096, 4096, 32, &obj, &idx, &plain);
	size_t at = 16 + idx.stored[0] + idx.stored[1] + 30; /* block 2's deflate data */
	obj.p[at] ^= 0x55;
	CHECK(read_object(&obj, &idx, 32, 2, &back, &err) < 0);
	CHECK_CONTAINS(err.msg, "block 2 ");
	CHECK(err.code == CAIRN_E_CORRUPT);
	obj.p[at] ^= 0x55;
	struct buf cut = {obj.p, obj.len - 3, 0};
	back.len = 0;
	CHECK(read_object(&cut, &idx, 32, 2, &back, &err) < 0);
	CHECK_CONTAINS(err.msg, "truncated");
	struct buf more = {0};
	sink(&more, obj.p, obj.len, &err);
	sink(&more, "x", 1, &err);
	back.len = 0;
	CHECK(read_object(&more, &idx, 32, 2, &back, &err) < 0);
	CHECK_CONTAINS(err.msg, "data follows the last block");
	/* Lengths moved between two blocks: same total, wrong cut. */
	idx.stored[3] += 1;
	idx.stored[4] -= 1;
	back.len = 0;
	CHECK(read_object(&obj, &idx, 32, 2, &back, &err) < 0);
	CHECK_CONTAINS(err.msg, "is not one gzip member");
	/* The right index reads it. */
	idx.stored[3] -= 1;
	idx.stored[4] += 1;
	back.len = 0;
	CHECK(read_object(&obj, &idx, 32, 2, &back, &err) == 0);
	CHECK(back.len == 20 * 4096 && memcmp(back.p, plain, back.len) == 0);
	free(more.p);
	free(obj.p);
	free(back.p);
	free(idx.stored);
	free(plain);
}

int main(void)
{
	test_round_trips();
	test_order_many_workers();
	test_gzip_command();
	test_failing_sink();
	test_levels();
	test_parallel_decode();
	test_parallel_decode_refuses();
	CHECK_DONE();
}
