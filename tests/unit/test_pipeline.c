/* The pipeline's filters, each against an independent one-shot computation
 * (zlib, OpenSSL EVP), through both chains, at chunk boundaries (1-byte
 * writes and reads, empty input, more than a stage buffer), and the backup
 * object chains over an in-memory storage driver. */
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <zlib.h>

#include "check.h"
#include "memstore.h"
#include "pipeline/aes_ctr.h"
#include "pipeline/gzip.h"
#include "pipeline/hash.h"
#include "pipeline/object.h"

struct buf {
	unsigned char *p;
	size_t len, cap;
};

static void buf_add(struct buf *b, const void *p, size_t n)
{
	if (!n)
		return;
	if (b->len + n > b->cap) {
		b->cap = (b->len + n) * 2 + 16;
		b->p = realloc(b->p, b->cap);
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

static int sink(void *ctx, const void *p, size_t n, cairn_err *err)
{
	(void)err;
	buf_add(ctx, p, n);
	return 0;
}

/* A source serving a buffer in pieces of at most chunk bytes. */
struct src {
	const unsigned char *p;
	size_t len, pos, chunk;
};

static ssize_t source(void *ctx, void *out, size_t cap, cairn_err *err)
{
	(void)err;
	struct src *s = ctx;
	size_t n = s->len - s->pos;
	if (n > cap)
		n = cap;
	if (n > s->chunk)
		n = s->chunk;
	if (n)
		memcpy(out, s->p + s->pos, n);
	s->pos += n;
	return (ssize_t)n;
}

/* Compressible but not trivial: words with a counter in them. */
static unsigned char *sample(size_t n)
{
	unsigned char *p = malloc(n ? n : 1);
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)("the quick brown fox "[i % 20] + (i / 4096) % 3);
	return p;
}

/* Pushes data through one filter into memory, in writes of step bytes. */
static int push_through(struct cairn_filter *f, const unsigned char *data, size_t len, size_t step,
			struct buf *out, cairn_err *err)
{
	struct cairn_wchain *c = cairn_wchain_new(sink, out);
	int rc = cairn_wchain_add(c, f, err);
	for (size_t off = 0; rc == 0 && off < len; off += step)
		rc = cairn_wchain_write(c, data + off, len - off < step ? len - off : step, err);
	if (rc == 0)
		rc = cairn_wchain_finish(c, err);
	cairn_wchain_free(c);
	return rc;
}

/* Pulls everything through one filter, reading cap bytes at a time from a
 * source that hands out chunk bytes at a time. */
static int pull_through(struct cairn_filter *f, const unsigned char *data, size_t len, size_t chunk,
			size_t cap, struct buf *out, cairn_err *err)
{
	struct src s = {data, len, 0, chunk};
	struct cairn_rchain *c = cairn_rchain_new(source, &s);
	unsigned char *tmp = malloc(cap);
	ssize_t n;
	int rc = cairn_rchain_add(c, f, err);
	while (rc == 0 && (n = cairn_rchain_read(c, tmp, cap, err)) != 0) {
		if (n < 0)
			rc = -1;
		else
			buf_add(out, tmp, (size_t)n);
	}
	free(tmp);
	cairn_rchain_free(c);
	return rc;
}

/* zlib's own gunzip of a whole buffer (one member or more, as gzip -d). */
static int zlib_gunzip(const unsigned char *p, size_t len, struct buf *out)
{
	z_stream z;
	memset(&z, 0, sizeof z);
	unsigned char tmp[4096];
	if (inflateInit2(&z, 15 + 16) != Z_OK)
		return -1;
	z.next_in = (unsigned char *)p;
	z.avail_in = (unsigned)len;
	int zr;
	do {
		z.next_out = tmp;
		z.avail_out = sizeof tmp;
		zr = inflate(&z, Z_NO_FLUSH);
		buf_add(out, tmp, sizeof tmp - z.avail_out);
		if (zr == Z_STREAM_END && z.avail_in)
			zr = inflateReset(&z);
	} while (zr == Z_OK);
	inflateEnd(&z);
	return zr == Z_STREAM_END ? 0 : -1;
}

/* zlib's one-shot gzip with the parameters docs/FORMAT.md names. */
static void zlib_gzip(const unsigned char *p, size_t len, struct buf *out)
{
	z_stream z;
	memset(&z, 0, sizeof z);
	deflateInit2(&z, CAIRN_GZIP_LEVEL, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
	out->cap = deflateBound(&z, len) + 64;
	out->p = malloc(out->cap);
	z.next_in = (unsigned char *)p;
	z.avail_in = (unsigned)len;
	z.next_out = out->p;
	z.avail_out = (unsigned)out->cap;
	deflate(&z, Z_FINISH);
	out->len = out->cap - z.avail_out;
	deflateEnd(&z);
}

static void gzip_output_is_what_gzip_d_reads(void)
{
	size_t sizes[] = {0, 1, 100, 3u << 20};
	size_t steps[] = {1, 7, 65536, 5u << 20};
	for (size_t i = 0; i < 4; i++) {
		unsigned char *data = sample(sizes[i]);
		for (size_t j = 0; j < 4; j++) {
			if (sizes[i] > 100000 && steps[j] == 1)
				continue; /* 3 million 1-byte writes: slow, no new boundary */
			struct buf out = {0}, back = {0}, once = {0};
			struct cairn_filter *f;
			cairn_err err = {0};
			CHECK(cairn_gzip_deflate_new(CAIRN_GZIP_LEVEL, &f, &err) == 0);
			CHECK(push_through(f, data, sizes[i], steps[j], &out, &err) == 0);
			CHECK(out.len >= 18 && out.p[0] == 0x1f && out.p[1] == 0x8b);
			CHECK(zlib_gunzip(out.p, out.len, &back) == 0);
			CHECK(back.len == sizes[i] &&
			      (!back.len || !memcmp(back.p, data, back.len)));
			/* Byte for byte what a one-shot deflate with the same settings
			 * writes: the format of existing backups. */
			zlib_gzip(data, sizes[i], &once);
			CHECK(once.len == out.len && !memcmp(once.p, out.p, out.len));
			free(out.p);
			free(back.p);
			free(once.p);
		}
		free(data);
	}
}

static void gunzip_reads_gzip_and_concatenated_members(void)
{
	unsigned char *data = sample(200000);
	struct buf a = {0}, b = {0}, both = {0};
	zlib_gzip(data, 150000, &a);
	zlib_gzip(data + 150000, 50000, &b);
	buf_add(&both, a.p, a.len);
	buf_add(&both, b.p, b.len);
	size_t chunks[] = {1, 3, 4096, 1u << 22};
	size_t caps[] = {1, 5, 65536, 1u << 21};
	for (size_t i = 0; i < 4; i++) {
		struct buf out = {0};
		struct cairn_filter *f;
		cairn_err err = {0};
		CHECK(cairn_gzip_inflate_new(&f, &err) == 0);
		CHECK(pull_through(f, both.p, both.len, chunks[i], caps[i], &out, &err) == 0);
		CHECK(out.len == 200000 && !memcmp(out.p, data, out.len));
		free(out.p);
	}
	free(a.p);
	free(b.p);
	free(both.p);
	free(data);
}

static void gunzip_refuses_empty_truncated_and_trailing_garbage(void)
{
	unsigned char *data = sample(10000);
	struct buf gz = {0};
	zlib_gzip(data, 10000, &gz);
	struct {
		size_t len;
		const char *tail, *want;
	} cases[] = {
	    {0, NULL, "empty"},
	    {10, NULL, "truncated"},
	    {SIZE_MAX, NULL, "truncated"},		 /* all but the last byte */
	    {SIZE_MAX - 1, "\x1f\x8b\x08", "truncated"}, /* a second member cut short */
	    {SIZE_MAX - 1, "garbage!", "not a valid gzip stream"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct buf in = {0}, out = {0};
		size_t len = cases[i].len == SIZE_MAX	    ? gz.len - 1
			     : cases[i].len == SIZE_MAX - 1 ? gz.len
							    : cases[i].len;
		buf_add(&in, gz.p, len);
		if (cases[i].tail)
			buf_add(&in, cases[i].tail, strlen(cases[i].tail));
		struct cairn_filter *f;
		cairn_err err = {0};
		CHECK(cairn_gzip_inflate_new(&f, &err) == 0);
		CHECK(pull_through(f, in.p, in.len, 4096, 4096, &out, &err) == -1);
		CHECK_CONTAINS(err.msg, cases[i].want);
		CHECK(err.code == CAIRN_E_CORRUPT);
		free(in.p);
		free(out.p);
	}
	free(gz.p);
	free(data);
}

/* AES-CTR in one EVP call: what the filter must equal. */
static void evp_ctr(const unsigned char *key, size_t klen, const unsigned char *iv,
		    const unsigned char *in, size_t len, unsigned char *out)
{
	const EVP_CIPHER *c = klen == 16   ? EVP_aes_128_ctr()
			      : klen == 24 ? EVP_aes_192_ctr()
					   : EVP_aes_256_ctr();
	EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
	int outl = 0;
	EVP_EncryptInit_ex(x, c, NULL, key, iv);
	EVP_EncryptUpdate(x, out, &outl, in, (int)len);
	EVP_CIPHER_CTX_free(x);
}

static void aes_ctr_matches_evp_and_round_trips(void)
{
	size_t klens[] = {16, 24, 32};
	size_t sizes[] = {0, 1, 17, 1500000};
	unsigned char key[32], iv[16];
	RAND_bytes(key, sizeof key);
	RAND_bytes(iv, sizeof iv);
	for (size_t k = 0; k < 3; k++) {
		for (size_t i = 0; i < 4; i++) {
			unsigned char *data = sample(sizes[i]);
			unsigned char *want = malloc(sizes[i] + 1);
			struct buf out = {0}, back = {0};
			struct cairn_filter *f;
			cairn_err err = {0};
			size_t step = sizes[i] > 100 ? 70001 : 1;
			evp_ctr(key, klens[k], iv, data, sizes[i], want);
			CHECK(cairn_aes_ctr_encrypt_new(key, klens[k], iv, &f, &err) == 0);
			CHECK(push_through(f, data, sizes[i], step, &out, &err) == 0);
			/* IV first, in the clear, then exactly EVP's ciphertext. */
			CHECK(out.len == 16 + sizes[i]);
			CHECK(out.len >= 16 && !memcmp(out.p, iv, 16));
			CHECK(out.len == 16 + sizes[i] && !memcmp(out.p + 16, want, sizes[i]));
			CHECK(cairn_aes_ctr_decrypt_new(key, klens[k], &f, &err) == 0);
			CHECK(pull_through(f, out.p, out.len, step == 1 ? 1 : 4093, 1000, &back,
					   &err) == 0);
			CHECK(back.len == sizes[i] &&
			      (!back.len || !memcmp(back.p, data, back.len)));
			free(out.p);
			free(back.p);
			free(want);
			free(data);
		}
	}
	/* Random IVs differ; a cut IV is refused; a bad key length too. */
	struct buf a = {0}, b = {0}, none = {0};
	struct cairn_filter *f;
	cairn_err err = {0};
	CHECK(cairn_aes_ctr_encrypt_new(key, 32, NULL, &f, &err) == 0);
	CHECK(push_through(f, (const unsigned char *)"x", 1, 1, &a, &err) == 0);
	CHECK(cairn_aes_ctr_encrypt_new(key, 32, NULL, &f, &err) == 0);
	CHECK(push_through(f, (const unsigned char *)"x", 1, 1, &b, &err) == 0);
	CHECK(a.len == 17 && b.len == 17 && memcmp(a.p, b.p, 16) != 0);
	CHECK(cairn_aes_ctr_decrypt_new(key, 32, &f, &err) == 0);
	CHECK(pull_through(f, a.p, 9, 1, 16, &none, &err) == -1);
	CHECK_CONTAINS(err.msg, "truncated inside its 16-byte IV");
	CHECK(cairn_aes_ctr_encrypt_new(key, 20, NULL, &f, &err) == -1);
	CHECK_CONTAINS(err.msg, "16, 24 or 32 bytes");
	free(a.p);
	free(b.p);
	free(none.p);
}

static void hex32(const unsigned char *d, char *out)
{
	for (int i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static void hash_matches_one_shot_sha256_and_hmac(void)
{
	unsigned char mac_key[32];
	RAND_bytes(mac_key, sizeof mac_key);
	size_t sizes[] = {0, 1, 64, 2500000};
	for (size_t i = 0; i < 4; i++) {
		unsigned char *data = sample(sizes[i]);
		unsigned char d[32];
		char sha[65], mac[65];
		size_t ml = 32;
		EVP_Digest(data, sizes[i], d, NULL, EVP_sha256(), NULL);
		hex32(d, sha);
		EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, mac_key, 32, data, sizes[i], d, 32,
			  &ml);
		hex32(d, mac);
		for (int keyed = 0; keyed < 2; keyed++) {
			struct cairn_filter *f;
			struct cairn_obj_info info;
			struct buf out = {0}, in = {0};
			cairn_err err = {0};
			/* Write side: bytes pass unchanged; 1-byte writes for small inputs. */
			CHECK(cairn_hash_new(keyed ? mac_key : NULL, 32, &f, &err) == 0);
			struct cairn_wchain *c = cairn_wchain_new(sink, &out);
			CHECK(cairn_wchain_add(c, f, &err) == 0);
			size_t step = sizes[i] > 1000 ? 99991 : 1;
			for (size_t off = 0; off < sizes[i]; off += step)
				cairn_wchain_write(c, data + off,
						   sizes[i] - off < step ? sizes[i] - off : step,
						   &err);
			CHECK(cairn_wchain_finish(c, &err) == 0);
			cairn_hash_result(f, &info);
			CHECK(out.len == sizes[i] && (!out.len || !memcmp(out.p, data, out.len)));
			CHECK(info.size == sizes[i]);
			CHECK_STR(info.sha256, sha);
			CHECK_STR(info.hmac, keyed ? mac : "");
			cairn_wchain_free(c);
			/* Read side. */
			CHECK(cairn_hash_new(keyed ? mac_key : NULL, 32, &f, &err) == 0);
			struct src s = {data, sizes[i], 0, step};
			struct cairn_rchain *r = cairn_rchain_new(source, &s);
			CHECK(cairn_rchain_add(r, f, &err) == 0);
			unsigned char tmp[3000];
			ssize_t n;
			while ((n = cairn_rchain_read(r, tmp, sizeof tmp, &err)) > 0)
				buf_add(&in, tmp, (size_t)n);
			CHECK(n == 0);
			cairn_hash_result(f, &info);
			CHECK(in.len == sizes[i]);
			CHECK_STR(info.sha256, sha);
			CHECK_STR(info.hmac, keyed ? mac : "");
			cairn_rchain_free(r);
			free(out.p);
			free(in.p);
		}
		free(data);
	}
}

/* A chain of three: gzip -> aes -> hash written, hash -> aes -> gunzip read,
 * and draining the read chain through the hash alone after the consumer
 * stopped early still hashes every stored byte. */
static void chains_compose_and_drain_hashes_everything(void)
{
	unsigned char key[32], iv[16];
	RAND_bytes(key, sizeof key);
	RAND_bytes(iv, sizeof iv);
	size_t len = 4u << 20;
	unsigned char *data = sample(len);
	struct buf stored = {0};
	struct cairn_filter *f, *hw, *hr;
	struct cairn_obj_info wi, ri;
	cairn_err err = {0};
	struct cairn_wchain *w = cairn_wchain_new(sink, &stored);
	CHECK(cairn_gzip_deflate_new(CAIRN_GZIP_LEVEL, &f, &err) == 0 &&
	      cairn_wchain_add(w, f, &err) == 0);
	CHECK(cairn_aes_ctr_encrypt_new(key, 32, iv, &f, &err) == 0 &&
	      cairn_wchain_add(w, f, &err) == 0);
	CHECK(cairn_hash_new(NULL, 0, &hw, &err) == 0 && cairn_wchain_add(w, hw, &err) == 0);
	CHECK(cairn_wchain_write(w, data, len, &err) == 0 && cairn_wchain_finish(w, &err) == 0);
	cairn_hash_result(hw, &wi);
	CHECK(wi.size == stored.len);
	cairn_wchain_free(w);

	struct src s = {stored.p, stored.len, 0, 1000};
	struct cairn_rchain *r = cairn_rchain_new(source, &s);
	CHECK(cairn_hash_new(NULL, 0, &hr, &err) == 0 && cairn_rchain_add(r, hr, &err) == 0);
	CHECK(cairn_aes_ctr_decrypt_new(key, 32, &f, &err) == 0 &&
	      cairn_rchain_add(r, f, &err) == 0);
	CHECK(cairn_gzip_inflate_new(&f, &err) == 0 && cairn_rchain_add(r, f, &err) == 0);
	unsigned char first[100];
	CHECK(cairn_rchain_read(r, first, sizeof first, &err) == 100);
	CHECK(!memcmp(first, data, 100));
	CHECK(cairn_rchain_drain(r, 1, &err) == 0);
	cairn_hash_result(hr, &ri);
	CHECK(ri.size == stored.len);
	CHECK_STR(ri.sha256, wi.sha256);
	CHECK(s.pos == s.len);
	cairn_rchain_free(r);
	free(stored.p);
	free(data);
}

/* The object chains over a storage driver: the stored bytes are
 * gzip(records), or IV ++ AES-CTR(gzip(records)); the digests the writer
 * reports are those of the stored bytes, and the reader computes the same
 * in the same single read that decodes. */
static void object_chains_store_the_documented_format(void)
{
	struct cairn_storage st = {0};
	struct cairn_store_loc loc;
	mem_loc(&loc, &st);
	unsigned char key[32];
	RAND_bytes(key, sizeof key);
	size_t len = 2u << 20;
	unsigned char *data = sample(len);
	for (int keyed = 0; keyed < 2; keyed++) {
		struct cairn_keyset ks;
		cairn_keyset_init(&ks, key, keyed ? 32 : 0);
		struct cairn_obj_writer *w;
		struct cairn_obj_reader *r;
		struct cairn_obj_info wi, ri;
		cairn_err err = {0};
		const char *name = keyed ? "enc.backup" : "plain.backup";
		CHECK(cairn_objw_open(&loc, name, &ks, &w, &err) == 0);
		for (size_t off = 0; off < len; off += 1u << 16)
			CHECK(cairn_objw_write(w, data + off, 1u << 16, &err) == 0);
		CHECK(cairn_objw_commit(w, &wi, &err) == 0);
		struct mem_obj *o = mem_find(&st, name);
		CHECK(o && wi.size == o->len);
		if (!o)
			continue;
		unsigned char d[32];
		char sha[65];
		EVP_Digest(o->data, o->len, d, NULL, EVP_sha256(), NULL);
		hex32(d, sha);
		CHECK_STR(wi.sha256, sha);
		CHECK(keyed ? strlen(wi.hmac) == 64 : wi.hmac[0] == 0);
		/* Decoded independently: EVP for the cipher, zlib for gzip. */
		struct buf back = {0};
		if (keyed) {
			unsigned char *plain = malloc(o->len);
			evp_ctr(key, 32, o->data, o->data + 16, o->len - 16, plain);
			CHECK(zlib_gunzip(plain, o->len - 16, &back) == 0);
			free(plain);
		} else {
			CHECK(zlib_gunzip(o->data, o->len, &back) == 0);
		}
		CHECK(back.len == len && !memcmp(back.p, data, len));
		free(back.p);
		/* One read_open, decoding and hashing together, 1-byte reads from
		 * storage for the plain one. */
		st.read_chunk = keyed ? 0 : 1;
		st.read_opens = 0;
		struct buf got = {0};
		unsigned char tmp[70000];
		ssize_t n;
		CHECK(cairn_objr_open(&loc, name, &ks, &r, &err) == 0);
		while ((n = cairn_objr_read(r, tmp, sizeof tmp, &err)) > 0)
			buf_add(&got, tmp, (size_t)n);
		CHECK(n == 0);
		CHECK(cairn_objr_finish(r, &ri, &err) == 0);
		cairn_objr_close(r);
		CHECK(got.len == len && !memcmp(got.p, data, len));
		CHECK(ri.size == wi.size);
		CHECK_STR(ri.sha256, wi.sha256);
		CHECK_STR(ri.hmac, wi.hmac);
		CHECK(st.read_opens == 1);
		free(got.p);
		/* A damaged object: the decoder fails, finish still hashes it all. */
		o->data[o->len / 2] ^= 0x40;
		st.read_opens = 0;
		st.read_chunk = 0;
		CHECK(cairn_objr_open(&loc, name, &ks, &r, &err) == 0);
		while ((n = cairn_objr_read(r, tmp, sizeof tmp, &err)) > 0)
			;
		CHECK(n == -1);
		CHECK_CONTAINS(err.msg, name);
		CHECK(cairn_objr_finish(r, &ri, &err) == 0);
		cairn_objr_close(r);
		CHECK(ri.size == wi.size && strcmp(ri.sha256, wi.sha256) != 0);
		CHECK(st.read_opens == 1);
		/* Hash only (no key needed): one read, the stored bytes' digests. */
		o->data[o->len / 2] ^= 0x40;
		CHECK(cairn_obj_hash(&loc, name, NULL, &ri, &err) == 0);
		CHECK_STR(ri.sha256, wi.sha256);
		CHECK(st.read_opens == 2);
	}
	/* An empty object written and read back. */
	struct cairn_obj_writer *w;
	struct cairn_obj_reader *r;
	struct cairn_obj_info info;
	cairn_err err = {0};
	unsigned char tmp[16];
	CHECK(cairn_objw_open(&loc, "empty", NULL, &w, &err) == 0);
	CHECK(cairn_objw_commit(w, &info, &err) == 0);
	CHECK(info.size >= 20 && info.size < 32); /* one gzip member of nothing */
	CHECK(cairn_objr_open(&loc, "empty", NULL, &r, &err) == 0);
	CHECK(cairn_objr_read(r, tmp, sizeof tmp, &err) == 0);
	cairn_objr_close(r);
	free(data);
	mem_clear(&st);
}

/* docs/FORMAT.md: mac_key = HMAC-SHA256(key, "cairn backup object mac v1"),
 * key_check = hex of the first 16 bytes of HMAC-SHA256(key, "cairn backup
 * key check v1"). */
static void keyset_derives_what_format_md_says(void)
{
	unsigned char key[24], d[32];
	char want[65];
	size_t ml = 32;
	RAND_bytes(key, sizeof key);
	struct cairn_keyset ks;
	cairn_keyset_init(&ks, key, sizeof key);
	CHECK(ks.key_len == 24 && !memcmp(ks.key, key, 24));
	EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, key, 24,
		  (const unsigned char *)"cairn backup object mac v1", 26, d, 32, &ml);
	CHECK(!memcmp(ks.mac_key, d, 32));
	EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, key, 24,
		  (const unsigned char *)"cairn backup key check v1", 25, d, 32, &ml);
	hex32(d, want);
	want[32] = 0;
	char check[33];
	cairn_keyset_check(&ks, check);
	CHECK_STR(check, want);
	CHECK_STR(cairn_cipher_name(24), "aes-192-ctr");
	CHECK(cairn_cipher_key_len("aes-256-ctr") == 32 && cairn_cipher_key_len("rot13") == 0);
	cairn_keyset_init(&ks, key, 0);
	CHECK(ks.key_len == 0);
}

/* memstore with one op failing: the op named by fail_op. */
static const char *fail_op = "";

static int failing(const char *op, cairn_err *err)
{
	if (strcmp(fail_op, op) != 0)
		return 0;
	cairn_err_set(err, "storage says %s failed", op);
	return 1;
}

static int f_write_open(struct cairn_storage *st, const char *name, struct cairn_writer **out,
			cairn_err *err)
{
	return failing("write_open", err) ? -1 : mem_write_open(st, name, out, err);
}

static int f_write(struct cairn_writer *w, const void *buf, size_t len, cairn_err *err)
{
	return failing("write", err) ? -1 : mem_write(w, buf, len, err);
}

static int f_write_commit(struct cairn_writer *w, cairn_err *err)
{
	if (failing("write_commit", err)) {
		mem_write_abort(w);
		return -1;
	}
	return mem_write_commit(w, err);
}

static int f_read_open(struct cairn_storage *st, const char *name, struct cairn_reader **out,
		       cairn_err *err)
{
	return failing("read_open", err) ? -1 : mem_read_open(st, name, out, err);
}

static ssize_t f_read(struct cairn_reader *r, void *buf, size_t len, cairn_err *err)
{
	return failing("read", err) ? -1 : mem_read(r, buf, len, err);
}

/* Each storage op failing under an object's chains: the call fails with the
 * storage's own message (no "object" prefix: the plugin said what), nothing
 * is committed, and a read that failed cannot be finished as if whole. */
static void an_objects_storage_failing_on_each_op_fails_it_with_the_storages_error(void)
{
	struct cairn_storage st = {0};
	struct cairn_store_loc loc;
	struct cairn_storage_ops ops = mem_ops;
	ops.write_open = f_write_open;
	ops.write = f_write;
	ops.write_commit = f_write_commit;
	ops.read_open = f_read_open;
	ops.read = f_read;
	mem_loc(&loc, &st);
	loc.ops = &ops;
	unsigned char key[32] = {1};
	unsigned char data[4096];
	memset(data, 'x', sizeof data);
	for (int keyed = 0; keyed < 2; keyed++) {
		struct cairn_keyset ks;
		cairn_keyset_init(&ks, key, keyed ? 32 : 0);
		struct cairn_obj_writer *w = NULL;
		struct cairn_obj_reader *r = NULL;
		struct cairn_obj_info info;
		cairn_err err = {0};
		const char *writes[] = {"write_open", "write", "write_commit"};
		for (size_t i = 0; i < 3; i++) {
			fail_op = writes[i];
			memset(&err, 0, sizeof err);
			int rc = cairn_objw_open(&loc, "x.backup", &ks, &w, &err);
			if (rc == 0 && cairn_objw_write(w, data, sizeof data, &err) == 0)
				rc = cairn_objw_commit(w, &info, &err);
			CHECK(rc == -1);
			char want[64];
			snprintf(want, sizeof want, "storage says %s failed", writes[i]);
			CHECK_STR(err.msg, want);
			CHECK(mem_find(&st, "x.backup") == NULL);
		}
		/* Aborted after a write: nothing committed. */
		fail_op = "";
		CHECK(cairn_objw_open(&loc, "x.backup", &ks, &w, &err) == 0);
		CHECK(cairn_objw_write(w, data, sizeof data, &err) == 0);
		cairn_objw_abort(w);
		CHECK(mem_find(&st, "x.backup") == NULL);
		CHECK(cairn_objw_open(&loc, "x.backup", &ks, &w, &err) == 0);
		CHECK(cairn_objw_write(w, data, sizeof data, &err) == 0);
		CHECK(cairn_objw_commit(w, &info, &err) == 0);

		fail_op = "read_open";
		memset(&err, 0, sizeof err);
		CHECK(cairn_objr_open(&loc, "x.backup", &ks, &r, &err) == -1);
		CHECK_STR(err.msg, "storage says read_open failed");
		memset(&err, 0, sizeof err);
		CHECK(cairn_obj_hash(&loc, "x.backup", &ks, &info, &err) == -1);
		CHECK_STR(err.msg, "storage says read_open failed");
		fail_op = "read";
		unsigned char tmp[8192];
		memset(&err, 0, sizeof err);
		CHECK(cairn_objr_open(&loc, "x.backup", &ks, &r, &err) == 0);
		CHECK(cairn_objr_read(r, tmp, sizeof tmp, &err) == -1);
		CHECK_STR(err.msg, "storage says read failed");
		memset(&err, 0, sizeof err);
		CHECK(cairn_objr_finish(r, &info, &err) == -1);
		CHECK_STR(err.msg, "object x.backup could not be read to its end");
		cairn_objr_close(r);
		fail_op = "";
		mem_clear(&st);
	}
}

int main(void)
{
	keyset_derives_what_format_md_says();
	gzip_output_is_what_gzip_d_reads();
	gunzip_reads_gzip_and_concatenated_members();
	gunzip_refuses_empty_truncated_and_trailing_garbage();
	aes_ctr_matches_evp_and_round_trips();
	hash_matches_one_shot_sha256_and_hmac();
	chains_compose_and_drain_hashes_everything();
	object_chains_store_the_documented_format();
	an_objects_storage_failing_on_each_op_fails_it_with_the_storages_error();
	CHECK_DONE();
}
