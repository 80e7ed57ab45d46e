/* The record stream inside a backup object (docs/FORMAT.md): every record
 * kind round-trips through the object chains, in version 2 (written) and
 * version 1 (older backups); a stream cut anywhere is refused as truncated;
 * hostile headers, lengths, varints and trailers are refused naming the
 * object, without allocating what a length claims. */
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

typedef int (*open_fn)(struct cairn_obj_writer *, const struct cairn_rec_header *,
		       struct cairn_rec_encoder **, cairn_err *);

static void every_record_kind_round_trips(open_fn open_enc)
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
	CHECK(open_enc(w, &h, &e, &err) == 0);
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
	raw_int(r, 1, 1); /* the hand-built streams below are version 1 */
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

/* Version 2 edge cases: objects that look like uids or integers but are
 * not exactly what the decoder would render stay text; predicates change to
 * prefixes and back, drops keep the current predicate; timestamps and
 * subjects jump both ways across the whole 64-bit range. */
struct edge {
	int op;
	uint64_t ts;
	const char *pred;
	uint64_t subj;
	const char *obj;
};

static const struct edge edges[] = {
    {CAIRN_OP_SET, 1, "age", 1, "\"42\"^^<xs:int>"},
    {CAIRN_OP_SET, UINT64_MAX, "age", UINT64_MAX, "\"-9223372036854775808\"^^<xs:int>"},
    {CAIRN_OP_SET, 1, "age", 1, "\"9223372036854775807\"^^<xs:int>"},
    {CAIRN_OP_SET, 2, "age", 2, "\"9223372036854775808\"^^<xs:int>"},
    {CAIRN_OP_SET, 3, "age", 3, "\"-9223372036854775809\"^^<xs:int>"},
    {CAIRN_OP_SET, 3, "age", 3, "\"99999999999999999999\"^^<xs:int>"},
    {CAIRN_OP_SET, 3, "age", 3, "\"0\"^^<xs:int>"},
    {CAIRN_OP_SET, 3, "age", 3, "\"-\"^^<xs:int>"},
    {CAIRN_OP_SET, 3, "age", 3, "\"007\"^^<xs:int>"},
    {CAIRN_OP_SET, 3, "age", 3, "\"-0\"^^<xs:int>"},
    {CAIRN_OP_SET, 3, "age", 3, "\"+5\"^^<xs:int>"},
    {CAIRN_OP_SET, 3, "age", 3, "\" 5\"^^<xs:int>"},
    {CAIRN_OP_SET, 3, "age", 3, "\"\"^^<xs:int>"},
    {CAIRN_OP_SET, 3, "age", 3, "\"5\"^^<xs:float>"},
    {CAIRN_OP_SET, 3, "ag", 3, "<0x0>"},
    {CAIRN_OP_SET, 3, "ag", 3, "<0x2A>"},
    {CAIRN_OP_SET, 3, "ag", 3, "<0x02a>"},
    {CAIRN_OP_SET, 3, "ag", 3, "<0x1ffffffffffffffff>"},
    {CAIRN_OP_SET, 3, "age", 3, "<0xffffffffffffffff>"},
    {CAIRN_OP_DEL, 3, "age", 3, "<0x1>"},
    {CAIRN_OP_DROP_ATTR, 4, "age", 0, NULL},
    {CAIRN_OP_DROP_ALL, 5, "", 0, NULL},
    {CAIRN_OP_SET, 6, "age", 1, "<0x>"},
    {CAIRN_OP_DROP_ATTR, 7, "bio", 0, NULL},
    {CAIRN_OP_SET, 8, "age", UINT64_MAX, "x"},
};

static void version2_edge_cases_round_trip(void)
{
	struct cairn_rec_header h = {1, 0, 9}, h2;
	struct cairn_obj_writer *w;
	struct cairn_rec_encoder *e;
	struct cairn_obj_info info;
	cairn_err err = {0};
	size_t n = sizeof edges / sizeof *edges;
	CHECK(cairn_objw_open(&loc, "edges", NULL, &w, &err) == 0);
	CHECK(cairn_rec_encoder_open(w, &h, &e, &err) == 0);
	struct cairn_version ev[sizeof edges / sizeof *edges];
	for (size_t i = 0; i < n; i++) {
		const struct edge *g = &edges[i];
		ev[i] = (struct cairn_version){.op = g->op,
					       .ts = g->ts,
					       .pred = g->pred,
					       .pred_len = strlen(g->pred),
					       .subj = g->subj,
					       .obj = g->obj,
					       .obj_len = g->obj ? strlen(g->obj) : 0};
		CHECK(cairn_rec_put(e, &ev[i], &err) == 0);
	}
	CHECK(cairn_rec_encoder_finish(e, NULL, &err) == 0);
	CHECK(cairn_objw_commit(w, &info, &err) == 0);

	struct cairn_obj_reader *r;
	struct cairn_rec_decoder *d;
	struct cairn_version v;
	CHECK(cairn_objr_open(&loc, "edges", NULL, &r, &err) == 0);
	CHECK(cairn_rec_decoder_open(r, "edges", &h2, &d, &err) == 0);
	for (size_t i = 0; i < n; i++) {
		const struct cairn_version *s = &ev[i];
		CHECK(cairn_rec_next(d, &v, &err) == 1);
		CHECK(v.op == s->op && v.ts == s->ts && v.pred_len == s->pred_len &&
		      !memcmp(v.pred, s->pred, s->pred_len));
		if (s->op == CAIRN_OP_SET || s->op == CAIRN_OP_DEL)
			CHECK(v.subj == s->subj && v.obj_len == s->obj_len &&
			      !memcmp(v.obj, s->obj, s->obj_len));
	}
	CHECK(cairn_rec_next(d, &v, &err) == 0);
	cairn_rec_decoder_free(d);
	cairn_objr_close(r);
}

static void raw_header_v2(struct raw *r)
{
	raw_header(r);
	r->b[8] = 2;
}

static void raw_uv(struct raw *r, uint64_t v)
{
	while (v >= 0x80) {
		r->b[r->len++] = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	r->b[r->len++] = (unsigned char)v;
}

/* A version 2 record with a new predicate and a text object: tag, pred,
 * ts delta, subject delta (zigzag codes given), object. */
static void raw2_set(struct raw *r, const char *pred, uint64_t zts, uint64_t zsubj, const char *obj)
{
	raw_int(r, 0x04, 1);
	raw_uv(r, strlen(pred));
	raw_bytes(r, pred, strlen(pred));
	raw_uv(r, zts);
	raw_uv(r, zsubj);
	raw_uv(r, strlen(obj));
	raw_bytes(r, obj, strlen(obj));
}

static void raw2_end(struct raw *r, uint64_t n)
{
	raw_int(r, 0x80, 1);
	raw_uv(r, n);
}

static void a_version2_stream_cut_anywhere_is_refused(void)
{
	struct raw r;
	raw_header_v2(&r);
	raw2_set(&r, "name", 10, 2, "\"Alice\"");
	raw_int(&r, 0x08, 1); /* same predicate, uid object */
	raw_uv(&r, 0);
	raw_uv(&r, 2);
	raw_uv(&r, 300);
	raw_int(&r, 0x02, 1); /* drop_attr of the current predicate */
	raw_uv(&r, 2);
	raw2_end(&r, 3);
	struct cairn_rec_header h;
	uint64_t n;
	cairn_err err = {0};
	put_plain("whole2", r.b, r.len);
	CHECK(decode("whole2", &h, &n, &err) == 0 && n == 3);
	for (size_t cut = 0; cut < r.len; cut++) {
		struct raw c = r;
		c.len = cut;
		err.msg[0] = 0;
		put_plain("cut2", c.b, c.len);
		CHECK(decode("cut2", &h, &n, &err) == -1);
		if (cut == 0)
			CHECK_CONTAINS(err.msg, "is empty");
		else
			CHECK_CONTAINS(err.msg, "truncated");
	}
}

static void hostile_version2_records_are_refused(void)
{
	struct raw r;
	/* Overlong: 0x80 0x00 is 0 in two bytes. */
	raw_header_v2(&r);
	raw_int(&r, 0x04, 1);
	raw_uv(&r, 1);
	raw_bytes(&r, "p", 1);
	raw_bytes(&r, "\x82\x00", 2);
	raw_uv(&r, 2);
	raw_uv(&r, 1);
	raw_bytes(&r, "x", 1);
	raw2_end(&r, 1);
	refused(&r, "overlong timestamp");

	/* Ten bytes whose last carries bits past 64; and eleven. */
	raw_header_v2(&r);
	raw_int(&r, 0x04, 1);
	raw_uv(&r, 1);
	raw_bytes(&r, "p", 1);
	raw_uv(&r, 2);
	raw_bytes(&r, "\xff\xff\xff\xff\xff\xff\xff\xff\xff\x02", 10);
	refused(&r, "subject past 64 bits");
	raw_header_v2(&r);
	raw_int(&r, 0x04, 1);
	raw_uv(&r, 1);
	raw_bytes(&r, "p", 1);
	raw_uv(&r, 2);
	raw_uv(&r, 2);
	raw_bytes(&r, "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 11);
	refused(&r, "value past 64 bits");

	/* A value length of 2^64 - 1 and one just past 64 MiB: refused, not
	 * allocated. */
	raw_header_v2(&r);
	raw_int(&r, 0x04, 1);
	raw_uv(&r, 1);
	raw_bytes(&r, "p", 1);
	raw_uv(&r, 2);
	raw_uv(&r, 2);
	raw_uv(&r, UINT64_MAX);
	refused(&r, "claims a value of 18446744073709551615 bytes, more than the 64 MiB");
	raw_header_v2(&r);
	raw_int(&r, 0x04, 1);
	raw_uv(&r, 1);
	raw_bytes(&r, "p", 1);
	raw_uv(&r, 2);
	raw_uv(&r, 2);
	raw_uv(&r, CAIRN_REC_MAX_OBJ + 1ull);
	refused(&r, "more than the 64 MiB");
	raw_header_v2(&r);
	raw2_set(&r, "p", 2, 2, "");
	raw2_end(&r, 1);
	refused(&r, "has an empty value");

	/* Predicate lengths 0, 256 and 2^64 - 1. */
	raw_header_v2(&r);
	raw2_set(&r, "", 2, 2, "x");
	raw2_end(&r, 1);
	refused(&r, "bad predicate length 0");
	char longp[257];
	memset(longp, 'p', 256);
	longp[256] = 0;
	raw_header_v2(&r);
	raw2_set(&r, longp, 2, 2, "x");
	raw2_end(&r, 1);
	refused(&r, "bad predicate length 256");
	raw_header_v2(&r);
	raw_int(&r, 0x04, 1);
	raw_uv(&r, UINT64_MAX);
	refused(&r, "bad predicate length 18446744073709551615");

	/* No predicate yet: a first set, a first drop_attr, a set after a
	 * drop_all. */
	raw_header_v2(&r);
	raw_int(&r, 0x00, 1);
	raw_uv(&r, 2);
	raw_uv(&r, 2);
	raw_uv(&r, 1);
	raw_bytes(&r, "x", 1);
	raw2_end(&r, 1);
	refused(&r, "record 0 has no predicate");
	raw_header_v2(&r);
	raw_int(&r, 0x02, 1);
	raw_uv(&r, 2);
	raw2_end(&r, 1);
	refused(&r, "record 0 has no predicate");
	raw_header_v2(&r);
	raw_int(&r, 0x03, 1);
	raw_uv(&r, 2);
	raw_int(&r, 0x00, 1);
	raw_uv(&r, 0);
	raw_uv(&r, 2);
	raw_uv(&r, 1);
	raw_bytes(&r, "x", 1);
	raw2_end(&r, 2);
	refused(&r, "record 1 has no predicate");

	/* Tags: a spare bit, object kind 3, an object kind on a drop, a
	 * predicate on drop_all, 0x80 with more bits. */
	static const unsigned char bad_tags[] = {0x20, 0x40, 0x18, 0x0a, 0x13, 0x07, 0x81, 0xff};
	for (size_t i = 0; i < sizeof bad_tags; i++) {
		char want[64];
		raw_header_v2(&r);
		raw_int(&r, bad_tags[i], 1);
		raw_uv(&r, 1);
		raw_bytes(&r, "p", 1);
		raw_uv(&r, 2);
		raw2_end(&r, 1);
		snprintf(want, sizeof want, "unknown record type 0x%02x", bad_tags[i]);
		refused(&r, want);
	}

	/* Timestamp and subject 0 reached by a delta that wraps. */
	raw_header_v2(&r);
	raw2_set(&r, "p", 0, 2, "x");
	raw2_end(&r, 1);
	refused(&r, "timestamp 0");
	raw_header_v2(&r);
	raw2_set(&r, "p", 2, 2, "x"); /* ts 1, subject 1 */
	raw2_set(&r, "q", 1, 1, "x"); /* ts 0, subject 0 */
	raw2_end(&r, 2);
	refused(&r, "record 1 has timestamp 0");
	raw_header_v2(&r);
	raw2_set(&r, "p", 2, 2, "x");
	raw2_set(&r, "q", 2, 1, "x");
	raw2_end(&r, 2);
	refused(&r, "record 1 has subject uid 0");
	raw_header_v2(&r);
	raw_int(&r, 0x0c, 1);
	raw_uv(&r, 1);
	raw_bytes(&r, "p", 1);
	raw_uv(&r, 2);
	raw_uv(&r, 2);
	raw_uv(&r, 0);
	raw2_end(&r, 1);
	refused(&r, "has object uid 0");

	/* The end record. */
	raw_header_v2(&r);
	raw2_set(&r, "p", 2, 2, "x");
	raw2_end(&r, 2);
	refused(&r, "end record says 2 records, found 1");
	raw_header_v2(&r);
	raw2_end(&r, 0);
	raw_bytes(&r, "\x80", 1);
	refused(&r, "data after its end record");
	raw_header_v2(&r);
	raw2_set(&r, "p", 2, 2, "x");
	refused(&r, "no end record");
	raw_header_v2(&r);
	raw_bytes(&r, "\x80\x80\x00", 3);
	refused(&r, "overlong record count");
}

/* A predicate the format cannot carry (empty, or longer than
 * CAIRN_MAX_PRED) is refused when written, naming its length. */
static void a_predicate_the_format_cannot_carry_is_refused(void)
{
	struct cairn_rec_header h = {1, 0, 9};
	struct cairn_obj_writer *w;
	struct cairn_rec_encoder *e;
	cairn_err err = {0};
	static char long_pred[CAIRN_MAX_PRED + 2];
	memset(long_pred, 'p', CAIRN_MAX_PRED + 1);
	CHECK(cairn_objw_open(&loc, "badpred", NULL, &w, &err) == 0);
	CHECK(cairn_rec_encoder_open(w, &h, &e, &err) == 0);
	struct cairn_version v = {.op = CAIRN_OP_SET,
				  .ts = 5,
				  .pred = long_pred,
				  .pred_len = CAIRN_MAX_PRED + 1,
				  .subj = 1,
				  .obj = "x",
				  .obj_len = 1};
	CHECK(cairn_rec_put(e, &v, &err) == -1);
	char want[80];
	snprintf(want, sizeof want, "a predicate of %d bytes cannot be written",
		 CAIRN_MAX_PRED + 1);
	CHECK_STR(err.msg, want);
	v.pred_len = 0;
	CHECK(cairn_rec_put(e, &v, &err) == -1);
	CHECK_STR(err.msg, "a predicate of 0 bytes cannot be written");
	cairn_rec_encoder_free(e);
	cairn_objw_abort(w);
}

int main(void)
{
	mem_loc(&loc, &st);
	a_predicate_the_format_cannot_carry_is_refused();
	every_record_kind_round_trips(cairn_rec_encoder_open);
	every_record_kind_round_trips(cairn_rec_encoder_open_v1);
	version2_edge_cases_round_trip();
	a_version2_stream_cut_anywhere_is_refused();
	hostile_version2_records_are_refused();
	a_stream_cut_anywhere_is_refused();
	hostile_records_are_refused();
	mem_clear(&st);
	CHECK_DONE();
}
