/* The record stream inside a backup object (docs/FORMAT.md): every record
 * kind round-trips through the object chains; a stream cut anywhere is
 * refused as truncated; hostile headers, lengths and trailers are refused
 * naming the object, without allocating what a length claims. */
#include "check.h"
#include "format/records.h"
#include "memstore.h"

static struct cairn_storage st;
static struct cairn_store_loc loc;

/* Plain (unencoded) bytes written as an object: the decoder's input. */
static void put_plain(const char *name, const void *p, size_t len)
{
	struct cairn_obj_writer *w;
	struct cairn_obj_info info;
	cairn_err err = {0};
	CHECK(cairn_objw_open(&loc, name, NULL, &w, &err) == 0);
	CHECK(cairn_objw_write(w, p, len, &err) == 0);
	CHECK(cairn_objw_commit(w, &info, &err) == 0);
}

/* Decodes name to its end: 0 clean, -1 with err. Counts records. */
static int decode(const char *name, struct cairn_rec_header *h, uint64_t *count, cairn_err *err)
{
	struct cairn_obj_reader *r = NULL;
	struct cairn_rec_decoder *d = NULL;
	struct cairn_version v;
	int rc = -1, got;
	*count = 0;
	if (cairn_objr_open(&loc, name, NULL, &r, err) < 0 ||
	    cairn_rec_decoder_open(r, name, h, &d, err) < 0)
		goto out;
	while ((got = cairn_rec_next(d, &v, err)) == 1)
		(*count)++;
	rc = got;
out:
	cairn_rec_decoder_free(d);
	cairn_objr_close(r);
	return rc;
}

static const struct cairn_version sample[] = {
    {CAIRN_OP_SET, 5, "name", 4, 0x2a, "\"Alice\"", 7},
    {CAIRN_OP_DEL, 6, "friend", 6, 0x2a, "<0x2b>", 6},
    {CAIRN_OP_DROP_ATTR, 7, "bio", 3, 0, NULL, 0},
    {CAIRN_OP_DROP_ALL, 8, "", 0, 0, NULL, 0},
    {CAIRN_OP_SET, 9, "x", 1, UINT64_MAX, "\"\"", 2},
};

static void every_record_kind_round_trips(void)
{
	struct cairn_rec_header h = {7, 4, 9}, h2;
	struct cairn_obj_writer *w;
	struct cairn_rec_encoder *e;
	struct cairn_obj_info info;
	cairn_err err = {0};
	uint64_t count = 0;
	/* One value larger than the encoder's and the decoder's buffers. */
	size_t big_len = 3u << 20;
	char *big = malloc(big_len);
	for (size_t i = 0; i < big_len; i++)
		big[i] = (char)('a' + i % 26);
	struct cairn_version bigv = {CAIRN_OP_SET, 9, "blob", 4, 3, big, big_len};
	CHECK(cairn_objw_open(&loc, "rt", NULL, &w, &err) == 0);
	CHECK(cairn_rec_encoder_open(w, &h, &e, &err) == 0);
	for (size_t i = 0; i < sizeof sample / sizeof *sample; i++)
		CHECK(cairn_rec_put(e, &sample[i], &err) == 0);
	CHECK(cairn_rec_put(e, &bigv, &err) == 0);
	CHECK(cairn_rec_encoder_finish(e, &count, &err) == 0);
	CHECK(count == 6);
	CHECK(cairn_objw_commit(w, &info, &err) == 0);

	struct cairn_obj_reader *r;
	struct cairn_rec_decoder *d;
	struct cairn_version v;
	st.read_chunk = 1; /* every boundary of the stored stream */
	CHECK(cairn_objr_open(&loc, "rt", NULL, &r, &err) == 0);
	CHECK(cairn_rec_decoder_open(r, "rt", &h2, &d, &err) == 0);
	CHECK(h2.group == 7 && h2.since == 4 && h2.read_ts == 9);
	for (size_t i = 0; i < sizeof sample / sizeof *sample; i++) {
		const struct cairn_version *s = &sample[i];
		CHECK(cairn_rec_next(d, &v, &err) == 1);
		CHECK(v.op == s->op && v.ts == s->ts && v.pred_len == s->pred_len &&
		      !memcmp(v.pred, s->pred, s->pred_len));
		if (s->op == CAIRN_OP_SET || s->op == CAIRN_OP_DEL)
			CHECK(v.subj == s->subj && v.obj_len == s->obj_len &&
			      !memcmp(v.obj, s->obj, s->obj_len));
	}
	CHECK(cairn_rec_next(d, &v, &err) == 1);
	CHECK(v.obj_len == big_len && !memcmp(v.obj, big, big_len) && v.subj == 3);
	CHECK(cairn_rec_next(d, &v, &err) == 0);
	CHECK(cairn_rec_next(d, &v, &err) == 0); /* and stays at the end */
	struct cairn_obj_info ri;
	CHECK(cairn_objr_finish(r, &ri, &err) == 0);
	CHECK_STR(ri.sha256, info.sha256);
	cairn_rec_decoder_free(d);
	cairn_objr_close(r);
	st.read_chunk = 0;
	free(big);
}

static void put_be(unsigned char *p, uint64_t v, int n)
{
	for (int i = n - 1; i >= 0; i--, v >>= 8)
		p[i] = (unsigned char)v;
}

/* A stream of plain bytes built by hand. */
struct raw {
	unsigned char b[4096];
	size_t len;
};

static void raw_bytes(struct raw *r, const void *p, size_t n)
{
	memcpy(r->b + r->len, p, n);
	r->len += n;
}

static void raw_int(struct raw *r, uint64_t v, int n)
{
	put_be(r->b + r->len, v, n);
	r->len += (size_t)n;
}

static void raw_header(struct raw *r)
{
	r->len = 0;
	raw_bytes(r, CAIRN_REC_MAGIC, 8);
	raw_int(r, CAIRN_REC_VERSION, 1);
	raw_int(r, 1, 4);
	raw_int(r, 0, 8);
	raw_int(r, 100, 8);
}

static void raw_set(struct raw *r, int op, uint64_t ts, const char *pred, size_t plen,
		    uint64_t subj, uint32_t olen, const char *obj)
{
	raw_int(r, (uint64_t)op, 1);
	raw_int(r, ts, 8);
	raw_int(r, plen, 2);
	raw_bytes(r, pred, plen);
	if (op == 'S' || op == 'D') {
		raw_int(r, subj, 8);
		raw_int(r, olen, 4);
		if (obj)
			raw_bytes(r, obj, strlen(obj));
	}
}

static void raw_end(struct raw *r, uint64_t n)
{
	raw_int(r, 'E', 1);
	raw_int(r, n, 8);
}

static void refused(const struct raw *r, const char *want)
{
	struct cairn_rec_header h;
	uint64_t n;
	cairn_err err = {0};
	put_plain("hostile", r->b, r->len);
	CHECK(decode("hostile", &h, &n, &err) == -1);
	CHECK_CONTAINS(err.msg, want);
	CHECK_CONTAINS(err.msg, "hostile");
}

static void a_stream_cut_anywhere_is_refused(void)
{
	struct raw r;
	raw_header(&r);
	raw_set(&r, 'S', 5, "name", 4, 1, 7, "\"Alice\"");
	raw_set(&r, 'P', 6, "bio", 3, 0, 0, NULL);
	raw_end(&r, 2);
	struct cairn_rec_header h;
	uint64_t n;
	cairn_err err = {0};
	put_plain("whole", r.b, r.len);
	CHECK(decode("whole", &h, &n, &err) == 0 && n == 2);
	for (size_t cut = 0; cut < r.len; cut++) {
		struct raw c = r;
		c.len = cut;
		err.msg[0] = 0;
		put_plain("cut", c.b, c.len);
		CHECK(decode("cut", &h, &n, &err) == -1);
		if (cut == 0)
			CHECK_CONTAINS(err.msg, "is empty");
		else
			CHECK_CONTAINS(err.msg, "truncated");
	}
}

static void hostile_records_are_refused(void)
{
	struct raw r;
	raw_header(&r);
	memcpy(r.b, "CAIRNRAW", 8);
	raw_end(&r, 0);
	refused(&r, "bad magic");

	raw_header(&r);
	r.b[8] = 9;
	raw_end(&r, 0);
	refused(&r, "record format version 9");

	raw_header(&r);
	raw_set(&r, 'Z', 5, "p", 1, 0, 0, NULL);
	refused(&r, "unknown record type 0x5a");

	raw_header(&r);
	raw_set(&r, 'S', 5, "", 0, 1, 1, "x");
	raw_end(&r, 1);
	refused(&r, "bad predicate length 0");

	raw_header(&r);
	raw_set(&r, 'A', 5, "abc", 3, 0, 0, NULL);
	raw_end(&r, 1);
	refused(&r, "bad predicate length 3");

	char longp[300];
	memset(longp, 'p', sizeof longp);
	raw_header(&r);
	raw_set(&r, 'P', 5, longp, 256, 0, 0, NULL);
	raw_end(&r, 1);
	refused(&r, "bad predicate length 256");

	raw_header(&r);
	raw_set(&r, 'S', 5, "p", 1, 1, 0, NULL);
	raw_end(&r, 1);
	refused(&r, "has an empty value");

	/* A length far beyond the stream: refused, not allocated. */
	raw_header(&r);
	raw_set(&r, 'S', 5, "p", 1, 1, 0xffffffffu, "x");
	refused(&r, "claims a value of 4294967295 bytes, more than the 64 MiB");

	raw_header(&r);
	raw_set(&r, 'S', 5, "p", 1, 1, CAIRN_REC_MAX_OBJ, "x");
	refused(&r, "truncated (value cut short)");

	raw_header(&r);
	raw_set(&r, 'S', 0, "p", 1, 1, 1, "x");
	raw_end(&r, 1);
	refused(&r, "timestamp 0");

	raw_header(&r);
	raw_set(&r, 'D', 5, "p", 1, 0, 1, "x");
	raw_end(&r, 1);
	refused(&r, "subject uid 0");

	raw_header(&r);
	raw_set(&r, 'S', 5, "p", 1, 1, 1, "x");
	raw_end(&r, 2);
	refused(&r, "end record says 2 records, found 1");

	raw_header(&r);
	raw_end(&r, 0);
	raw_bytes(&r, "S", 1);
	refused(&r, "data after its end record");

	raw_header(&r);
	raw_set(&r, 'S', 5, "p", 1, 1, 1, "x");
	refused(&r, "no end record");
}

int main(void)
{
	mem_loc(&loc, &st);
	every_record_kind_round_trips();
	a_stream_cut_anywhere_is_refused();
	hostile_records_are_refused();
	mem_clear(&st);
	CHECK_DONE();
}
