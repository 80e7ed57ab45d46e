/* records.c — encode and decode the versioned record stream. */
#include "format/records.h"

#include "textutil.h"

#include <stdlib.h>
#include <string.h>

#define ENC_BUF (256u << 10)

/* Version 2's tag byte: the op in bits 0-1, a new predicate in bit 2, the
 * object's kind in bits 3-4; 0x80 alone is the end record. */
enum {
	REC2_SET = 0,
	REC2_DEL = 1,
	REC2_DROP_ATTR = 2,
	REC2_DROP_ALL = 3,
	REC2_OP_MASK = 3,
	REC2_NEW_PRED = 4,
	REC2_OBJ_TEXT = 0 << 3,
	REC2_OBJ_UID = 1 << 3,
	REC2_OBJ_INT = 2 << 3,
	REC2_OBJ_MASK = 3 << 3,
	REC2_END = 0x80,
};

struct cairn_rec_encoder {
	struct cairn_obj_writer *w;
	unsigned char *buf;
	size_t len;
	uint64_t count;
	int version;
	/* Version 2's state: the last predicate, timestamp and subject. */
	unsigned char pred[CAIRN_MAX_PRED];
	size_t pred_len;
	int has_pred;
	uint64_t ts, subj;
};

static int enc_flush(struct cairn_rec_encoder *e, cairn_err *err)
{
	if (e->len && cairn_objw_write(e->w, e->buf, e->len, err) < 0)
		return -1;
	e->len = 0;
	return 0;
}

static int enc_put(struct cairn_rec_encoder *e, const void *p, size_t n, cairn_err *err)
{
	if (e->len + n > ENC_BUF) {
		if (enc_flush(e, err) < 0)
			return -1;
		if (n > ENC_BUF)
			return cairn_objw_write(e->w, p, n, err);
	}
	memcpy(e->buf + e->len, p, n);
	e->len += n;
	return 0;
}

static int encoder_open(struct cairn_obj_writer *w, const struct cairn_rec_header *h, int version,
			struct cairn_rec_encoder **out, cairn_err *err)
{
	struct cairn_rec_encoder *e = calloc(1, sizeof *e);
	if (!e || !(e->buf = malloc(ENC_BUF))) {
		free(e);
		return cairn_err_set(err, "out of memory");
	}
	e->w = w;
	e->version = version;
	/* The header goes straight into the empty buffer: it always fits. */
	unsigned char *hdr = e->buf;
	memcpy(hdr, CAIRN_REC_MAGIC, 8);
	hdr[8] = (unsigned char)version;
	cairn_put_be32(hdr + 9, h->group);
	cairn_put_be64(hdr + 13, h->since);
	cairn_put_be64(hdr + 21, h->read_ts);
	e->len = 8 + 1 + 4 + 8 + 8;
	*out = e;
	return 0;
}

int cairn_rec_encoder_open(struct cairn_obj_writer *w, const struct cairn_rec_header *h,
			   struct cairn_rec_encoder **out, cairn_err *err)
{
	return encoder_open(w, h, CAIRN_REC_VERSION, out, err);
}

int cairn_rec_encoder_open_v1(struct cairn_obj_writer *w, const struct cairn_rec_header *h,
			      struct cairn_rec_encoder **out, cairn_err *err)
{
	return encoder_open(w, h, 1, out, err);
}

static size_t put_uv(unsigned char *p, uint64_t v)
{
	size_t n = 0;
	while (v >= 0x80) {
		p[n++] = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (unsigned char)v;
	return n;
}

/* The difference b - a (mod 2^64) as a zigzag code: small either way. */
static uint64_t zigzag(uint64_t a, uint64_t b)
{
	uint64_t d = b - a;
	return d >> 63 ? ~(d << 1) : d << 1;
}

static uint64_t unzigzag(uint64_t base, uint64_t z) { return base + (z & 1 ? ~(z >> 1) : z >> 1); }

/* The uid in obj when obj is exactly "<0x...>" as version 2 renders it
 * (lower-case hex, no leading zero, not 0); else 0. */
static uint64_t obj_uid(const char *obj, size_t len)
{
	if (len < 5 || len > 20 || memcmp(obj, "<0x", 3) != 0 || obj[len - 1] != '>' ||
	    obj[3] == '0')
		return 0;
	uint64_t u = 0;
	for (size_t i = 3; i < len - 1; i++) {
		char c = obj[i];
		int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
		if (d < 0)
			return 0;
		u = u << 4 | (uint64_t)d;
	}
	return u;
}

#define XS_INT_SUFFIX "\"^^<xs:int>"
#define XS_INT_SUFFIX_LEN (sizeof XS_INT_SUFFIX - 1)

/* "<0x2a>": lower-case hex, no leading zero; out holds 21 bytes. */
static size_t render_uid(char *out, uint64_t u)
{
	static const char hex[] = "0123456789abcdef";
	char t[16];
	size_t n = 0;
	do {
		t[n++] = hex[u & 15];
		u >>= 4;
	} while (u);
	memcpy(out, "<0x", 3);
	for (size_t i = 0; i < n; i++)
		out[3 + i] = t[n - 1 - i];
	out[3 + n] = '>';
	return n + 4;
}

/* "\"-42\"^^<xs:int>"; out holds 33 bytes. */
static size_t render_int(char *out, int64_t i)
{
	uint64_t m = i < 0 ? 0 - (uint64_t)i : (uint64_t)i;
	char t[20];
	size_t n = 0, k = 0;
	do {
		t[n++] = (char)('0' + m % 10);
		m /= 10;
	} while (m);
	out[k++] = '"';
	if (i < 0)
		out[k++] = '-';
	while (n)
		out[k++] = t[--n];
	memcpy(out + k, XS_INT_SUFFIX, XS_INT_SUFFIX_LEN);
	return k + XS_INT_SUFFIX_LEN;
}

/* 1 and *i when obj is exactly what render_int makes of some int64: an
 * optional '-', no leading zero, no "-0", within 64 bits. */
static int obj_int(const char *obj, size_t len, int64_t *i)
{
	if (len < 2 + XS_INT_SUFFIX_LEN || len > 21 + XS_INT_SUFFIX_LEN || obj[0] != '"' ||
	    memcmp(obj + len - XS_INT_SUFFIX_LEN, XS_INT_SUFFIX, XS_INT_SUFFIX_LEN) != 0)
		return 0;
	const char *p = obj + 1, *end = obj + len - XS_INT_SUFFIX_LEN;
	int neg = *p == '-';
	p += neg;
	if (p == end || (*p == '0' && (end - p > 1 || neg)))
		return 0;
	uint64_t m = 0;
	for (; p < end; p++) {
		if (*p < '0' || *p > '9' || m > (UINT64_MAX - 9) / 10)
			return 0;
		m = m * 10 + (uint64_t)(*p - '0');
	}
	if (m > (neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX))
		return 0;
	*i = neg ? (int64_t)(0 - m) : (int64_t)m;
	return 1;
}

/* Version 2: tag | [pred_len uv | pred] | ts zz | [subj zz | object]. */
static int put_v2(struct cairn_rec_encoder *e, const struct cairn_version *v, cairn_err *err)
{
	unsigned char h[1 + 10 + 10 + 10 + 10];
	size_t n = 1;
	int sd = v->op == CAIRN_OP_SET || v->op == CAIRN_OP_DEL;
	unsigned tag = v->op == CAIRN_OP_SET	     ? REC2_SET
		       : v->op == CAIRN_OP_DEL	     ? REC2_DEL
		       : v->op == CAIRN_OP_DROP_ATTR ? REC2_DROP_ATTR
						     : REC2_DROP_ALL;
	int new_pred = v->op != CAIRN_OP_DROP_ALL && (!e->has_pred || v->pred_len != e->pred_len ||
						      memcmp(v->pred, e->pred, v->pred_len) != 0);
	if (new_pred) {
		if (v->pred_len == 0 || v->pred_len > CAIRN_MAX_PRED)
			return cairn_err_set(err, "a predicate of %zu bytes cannot be written",
					     v->pred_len);
		tag |= REC2_NEW_PRED;
		n += put_uv(h + n, v->pred_len);
	}
	size_t head = n;
	n = 0;
	unsigned char t[10 + 10 + 10 + 10];
	n += put_uv(t + n, zigzag(e->ts, v->ts));
	e->ts = v->ts;
	const void *obj = NULL;
	size_t obj_len = 0;
	if (sd) {
		n += put_uv(t + n, zigzag(e->subj, v->subj));
		e->subj = v->subj;
		uint64_t u = obj_uid(v->obj, v->obj_len);
		int64_t i;
		if (u) {
			tag |= REC2_OBJ_UID;
			n += put_uv(t + n, u);
		} else if (obj_int(v->obj, v->obj_len, &i)) {
			tag |= REC2_OBJ_INT;
			n += put_uv(t + n, zigzag(0, (uint64_t)i));
		} else {
			n += put_uv(t + n, v->obj_len);
			obj = v->obj;
			obj_len = v->obj_len;
		}
	}
	h[0] = (unsigned char)tag;
	if (enc_put(e, h, head, err) < 0 ||
	    (new_pred && enc_put(e, v->pred, v->pred_len, err) < 0) || enc_put(e, t, n, err) < 0 ||
	    (obj_len && enc_put(e, obj, obj_len, err) < 0))
		return -1;
	if (new_pred) {
		memcpy(e->pred, v->pred, v->pred_len);
		e->pred_len = v->pred_len;
		e->has_pred = 1;
	}
	e->count++;
	return 0;
}

int cairn_rec_put(struct cairn_rec_encoder *e, const struct cairn_version *v, cairn_err *err)
{
	if (e->version != 1)
		return put_v2(e, v, err);
	unsigned char h[1 + 8 + 2];
	h[0] = (unsigned char)v->op;
	cairn_put_be64(h + 1, v->ts);
	h[9] = (unsigned char)(v->pred_len >> 8);
	h[10] = (unsigned char)v->pred_len;
	if (enc_put(e, h, sizeof h, err) < 0 || enc_put(e, v->pred, v->pred_len, err) < 0)
		return -1;
	if (v->op == CAIRN_OP_SET || v->op == CAIRN_OP_DEL) {
		unsigned char t[8 + 4];
		cairn_put_be64(t, v->subj);
		cairn_put_be32(t + 8, (uint32_t)v->obj_len);
		if (enc_put(e, t, sizeof t, err) < 0 || enc_put(e, v->obj, v->obj_len, err) < 0)
			return -1;
	}
	e->count++;
	return 0;
}

int cairn_rec_encoder_finish(struct cairn_rec_encoder *e, uint64_t *count, cairn_err *err)
{
	unsigned char t[1 + 10];
	size_t n = 1 + 8;
	if (e->version == 1) {
		t[0] = 'E';
		cairn_put_be64(t + 1, e->count);
	} else {
		t[0] = REC2_END;
		n = 1 + put_uv(t + 1, e->count);
	}
	int rc = enc_put(e, t, n, err) < 0 || enc_flush(e, err) < 0 ? -1 : 0;
	if (count)
		*count = e->count;
	cairn_rec_encoder_free(e);
	return rc;
}

void cairn_rec_encoder_free(struct cairn_rec_encoder *e)
{
	if (!e)
		return;
	free(e->buf);
	free(e);
}

struct cairn_rec_decoder {
	struct cairn_obj_reader *r;
	const char *name;
	unsigned char *buf;
	size_t cap, len, pos;
	int eof, done;
	uint64_t count;
	int version;
	/* Version 2's state; the predicate is copied (the buffer moves). */
	char pred[CAIRN_MAX_PRED];
	size_t pred_len;
	int has_pred;
	uint64_t ts, subj;
	char obj[40]; /* a uid or an integer rendered as text */
};

/* Ensures n bytes are buffered at pos. 0 ok, 1 clean EOF before any, -1 err. */
static int need(struct cairn_rec_decoder *d, size_t n, cairn_err *err)
{
	if (d->len - d->pos >= n)
		return 0;
	if (d->pos) {
		memmove(d->buf, d->buf + d->pos, d->len - d->pos);
		d->len -= d->pos;
		d->pos = 0;
	}
	if (n > d->cap) {
		/* Doubling, but never past what is needed: a value at the 64 MiB
		 * limit costs its size once, not twice. */
		size_t nc = d->cap * 2 < n ? n : d->cap * 2;
		unsigned char *nb = realloc(d->buf, nc);
		if (!nb)
			return cairn_err_set(err, "out of memory");
		d->buf = nb;
		d->cap = nc;
	}
	while (d->len < n && !d->eof) {
		ssize_t got = cairn_objr_read(d->r, d->buf + d->len, d->cap - d->len, err);
		if (got < 0)
			return -1;
		if (got == 0)
			d->eof = 1;
		d->len += (size_t)got;
	}
	if (d->len < n)
		return d->len == 0 ? 1
				   : cairn_err_set(err,
						   "object %s is truncated (a record is cut "
						   "short)",
						   d->name);
	return 0;
}

int cairn_rec_decoder_open(struct cairn_obj_reader *r, const char *name, struct cairn_rec_header *h,
			   struct cairn_rec_decoder **out, cairn_err *err)
{
	struct cairn_rec_decoder *d = calloc(1, sizeof *d);
	if (!d || !(d->buf = malloc(1 << 16))) {
		free(d);
		return cairn_err_set(err, "out of memory");
	}
	d->cap = 1 << 16;
	d->r = r;
	d->name = name;
	int rc = need(d, 29, err);
	if (rc != 0) {
		if (rc == 1)
			cairn_err_set(err, "object %s is empty", name);
		goto fail;
	}
	if (memcmp(d->buf, CAIRN_REC_MAGIC, 8) != 0) {
		cairn_err_set(err, "object %s is not a cairn backup object (bad magic)", name);
		goto fail;
	}
	if (d->buf[8] != 1 && d->buf[8] != 2) {
		cairn_err_set(err,
			      "object %s has record format version %d; this cairn reads "
			      "versions 1 to %d (a newer cairn wrote it?)",
			      name, d->buf[8], CAIRN_REC_VERSION);
		goto fail;
	}
	d->version = d->buf[8];
	h->group = cairn_get_be32(d->buf + 9);
	h->since = cairn_get_be64(d->buf + 13);
	h->read_ts = cairn_get_be64(d->buf + 21);
	d->pos = 29;
	*out = d;
	return 0;
fail:
	cairn_rec_decoder_free(d);
	return -1;
}

/* Parses an unsigned LEB128 varint from the avail bytes at p: 0 and *v,
 * *used; 1 when all avail bytes continue it (fewer than 10); -1 overlong
 * (zero-padded); -2 past 64 bits. */
static int parse_uv(const unsigned char *p, size_t avail, uint64_t *v, size_t *used)
{
	uint64_t x = 0;
	for (size_t i = 0; i < 10; i++) {
		if (i == avail)
			return 1;
		unsigned b = p[i];
		if (i == 9 && b > 1)
			return -2;
		x |= (uint64_t)(b & 0x7f) << (7 * i);
		if (!(b & 0x80)) {
			if (b == 0 && i > 0)
				return -1;
			*v = x;
			*used = i + 1;
			return 0;
		}
	}
	return -2; /* not reached: the tenth byte is at most 1 */
}

/* A varint at pos + *off, *off moved past it. what names the field. */
static int get_uv(struct cairn_rec_decoder *d, size_t *off, uint64_t *out, const char *what,
		  cairn_err *err)
{
	for (;;) {
		size_t avail = d->len - d->pos - *off, used = 0;
		int r = parse_uv(d->buf + d->pos + *off, avail, out, &used);
		if (r == 0) {
			*off += used;
			return 0;
		}
		if (r == -1)
			return cairn_err_setc(
			    err, CAIRN_E_CORRUPT,
			    "object %s: record %llu has an overlong %s; the object "
			    "is damaged or crafted",
			    d->name, (unsigned long long)d->count, what);
		if (r == -2)
			return cairn_err_setc(err, CAIRN_E_CORRUPT,
					      "object %s: record %llu has a %s past 64 bits; the "
					      "object is damaged or crafted",
					      d->name, (unsigned long long)d->count, what);
		if (need(d, *off + avail + 1, err) != 0)
			return cairn_err_set(err, "object %s is truncated (record %llu cut short)",
					     d->name, (unsigned long long)d->count);
	}
}

static int next_v2(struct cairn_rec_decoder *d, struct cairn_version *v, cairn_err *err)
{
	int rc = need(d, 1, err);
	if (rc == 1)
		return cairn_err_set(err, "object %s is truncated (no end record)", d->name);
	if (rc < 0)
		return -1;
	unsigned tag = d->buf[d->pos];
	size_t off = 1;
	unsigned long long at = (unsigned long long)d->count;
	uint64_t x;
	if (tag == REC2_END) {
		if (get_uv(d, &off, &x, "record count", err) < 0)
			return -1;
		d->pos += off;
		if (x != d->count)
			return cairn_err_set(err,
					     "object %s: end record says %llu records, found %llu",
					     d->name, (unsigned long long)x, at);
		if (need(d, 1, err) != 1)
			return cairn_err_set(err, "object %s has data after its end record",
					     d->name);
		d->done = 1;
		return 0;
	}
	unsigned op = tag & REC2_OP_MASK, kind = tag & REC2_OBJ_MASK;
	int sd = op == REC2_SET || op == REC2_DEL;
	if ((tag & ~(REC2_OP_MASK | REC2_NEW_PRED | REC2_OBJ_MASK)) || kind == REC2_OBJ_MASK ||
	    (!sd && kind) || (op == REC2_DROP_ALL && (tag & REC2_NEW_PRED)))
		return cairn_err_set(err,
				     "object %s: unknown record type 0x%02x after %llu records",
				     d->name, tag, at);
	if (tag & REC2_NEW_PRED) {
		if (get_uv(d, &off, &x, "predicate length", err) < 0)
			return -1;
		if (x == 0 || x > CAIRN_MAX_PRED)
			return cairn_err_set(
			    err, "object %s: record %llu has a bad predicate length %llu", d->name,
			    at, (unsigned long long)x);
		if (need(d, off + x, err) != 0)
			return cairn_err_set(err, "object %s is truncated (record cut short)",
					     d->name);
		memcpy(d->pred, d->buf + d->pos + off, x);
		d->pred_len = x;
		d->has_pred = 1;
		off += x;
	} else if (op != REC2_DROP_ALL && !d->has_pred)
		return cairn_err_set(err, "object %s: record %llu has no predicate", d->name, at);
	if (get_uv(d, &off, &x, "timestamp", err) < 0)
		return -1;
	uint64_t ts = unzigzag(d->ts, x);
	if (ts == 0)
		return cairn_err_set(err, "object %s: record %llu has timestamp 0", d->name, at);
	memset(v, 0, sizeof *v);
	v->ts = ts;
	v->pred = d->pred;
	v->pred_len = op == REC2_DROP_ALL ? 0 : d->pred_len;
	v->op = op == REC2_SET	       ? CAIRN_OP_SET
		: op == REC2_DEL       ? CAIRN_OP_DEL
		: op == REC2_DROP_ATTR ? CAIRN_OP_DROP_ATTR
				       : CAIRN_OP_DROP_ALL;
	if (sd) {
		if (get_uv(d, &off, &x, "subject", err) < 0)
			return -1;
		uint64_t subj = unzigzag(d->subj, x);
		if (subj == 0)
			return cairn_err_set(err, "object %s: record %llu has subject uid 0",
					     d->name, at);
		if (get_uv(d, &off, &x, "value", err) < 0)
			return -1;
		if (kind == REC2_OBJ_UID) {
			if (x == 0)
				return cairn_err_set(err, "object %s: record %llu has object uid 0",
						     d->name, at);
			v->obj_len = render_uid(d->obj, x);
			v->obj = d->obj;
		} else if (kind == REC2_OBJ_INT) {
			v->obj_len = render_int(d->obj, (int64_t)unzigzag(0, x));
			v->obj = d->obj;
		} else {
			if (x == 0)
				return cairn_err_set(
				    err, "object %s: record %llu has an empty value", d->name, at);
			if (x > CAIRN_REC_MAX_OBJ)
				return cairn_err_setc(
				    err, CAIRN_E_CORRUPT,
				    "object %s: record %llu claims a value of %llu bytes, more "
				    "than the 64 MiB an alpha accepts; the object is damaged "
				    "or crafted",
				    d->name, at, (unsigned long long)x);
			if (need(d, off + x, err) != 0)
				return cairn_err_set(
				    err, "object %s is truncated (value cut short)", d->name);
			v->obj = (const char *)d->buf + d->pos + off;
			v->obj_len = x;
			off += x;
		}
		v->subj = subj;
		d->subj = subj;
	}
	d->ts = ts;
	d->pos += off;
	d->count++;
	return 1;
}

int cairn_rec_next(struct cairn_rec_decoder *d, struct cairn_version *v, cairn_err *err)
{
	if (d->done)
		return 0;
	if (d->version != 1)
		return next_v2(d, v, err);
	int rc = need(d, 1, err);
	if (rc == 1)
		return cairn_err_set(err, "object %s is truncated (no end record)", d->name);
	if (rc < 0)
		return -1;
	unsigned char op = d->buf[d->pos];
	if (op == 'E') {
		if (need(d, 9, err) != 0)
			return cairn_err_set(err, "object %s is truncated (end record cut short)",
					     d->name);
		uint64_t n = cairn_get_be64(d->buf + d->pos + 1);
		d->pos += 9;
		if (n != d->count)
			return cairn_err_set(
			    err, "object %s: end record says %llu records, found %llu", d->name,
			    (unsigned long long)n, (unsigned long long)d->count);
		if (need(d, 1, err) != 1)
			return cairn_err_set(err, "object %s has data after its end record",
					     d->name);
		d->done = 1;
		return 0;
	}
	if (op != CAIRN_OP_SET && op != CAIRN_OP_DEL && op != CAIRN_OP_DROP_ALL &&
	    op != CAIRN_OP_DROP_ATTR)
		return cairn_err_set(err,
				     "object %s: unknown record type 0x%02x after %llu records",
				     d->name, op, (unsigned long long)d->count);
	if (need(d, 11, err) != 0)
		return cairn_err_set(err, "object %s is truncated (record header cut short)",
				     d->name);
	const unsigned char *p = d->buf + d->pos;
	uint64_t ts = cairn_get_be64(p + 1);
	size_t plen = (size_t)p[9] << 8 | p[10];
	if (plen > CAIRN_MAX_PRED || (plen == 0 && op != CAIRN_OP_DROP_ALL) ||
	    (plen && op == CAIRN_OP_DROP_ALL))
		return cairn_err_set(err, "object %s: record %llu has a bad predicate length %zu",
				     d->name, (unsigned long long)d->count, plen);
	size_t fixed = 11 + plen + ((op == CAIRN_OP_SET || op == CAIRN_OP_DEL) ? 12 : 0);
	if (need(d, fixed, err) != 0)
		return cairn_err_set(err, "object %s is truncated (record cut short)", d->name);
	p = d->buf + d->pos;
	size_t olen = 0;
	if (op == CAIRN_OP_SET || op == CAIRN_OP_DEL) {
		olen = cairn_get_be32(p + 11 + plen + 8);
		if (olen == 0)
			return cairn_err_set(err, "object %s: record %llu has an empty value",
					     d->name, (unsigned long long)d->count);
		if (olen > CAIRN_REC_MAX_OBJ)
			return cairn_err_setc(
			    err, CAIRN_E_CORRUPT,
			    "object %s: record %llu claims a value of %zu bytes, more "
			    "than the 64 MiB an alpha accepts; the object is damaged "
			    "or crafted",
			    d->name, (unsigned long long)d->count, olen);
		if (need(d, fixed + olen, err) != 0)
			return cairn_err_set(err, "object %s is truncated (value cut short)",
					     d->name);
		p = d->buf + d->pos;
	}
	if (ts == 0)
		return cairn_err_set(err, "object %s: record %llu has timestamp 0", d->name,
				     (unsigned long long)d->count);
	memset(v, 0, sizeof *v);
	v->op = op;
	v->ts = ts;
	v->pred = (const char *)p + 11;
	v->pred_len = plen;
	if (op == CAIRN_OP_SET || op == CAIRN_OP_DEL) {
		v->subj = cairn_get_be64(p + 11 + plen);
		v->obj = (const char *)p + fixed;
		v->obj_len = olen;
		if (v->subj == 0)
			return cairn_err_set(err, "object %s: record %llu has subject uid 0",
					     d->name, (unsigned long long)d->count);
	}
	d->pos += fixed + olen;
	d->count++;
	return 1;
}

void cairn_rec_decoder_free(struct cairn_rec_decoder *d)
{
	if (!d)
		return;
	free(d->buf);
	free(d);
}
