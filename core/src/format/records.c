/* records.c — encode and decode the versioned record stream. */
#include "format/records.h"

#include "textutil.h"

#include <stdlib.h>
#include <string.h>

#define ENC_BUF (256u << 10)

struct cairn_rec_encoder {
	struct cairn_obj_writer *w;
	unsigned char *buf;
	size_t len;
	uint64_t count;
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

int cairn_rec_encoder_open(struct cairn_obj_writer *w, const struct cairn_rec_header *h,
			   struct cairn_rec_encoder **out, cairn_err *err)
{
	struct cairn_rec_encoder *e = calloc(1, sizeof *e);
	if (!e || !(e->buf = malloc(ENC_BUF))) {
		free(e);
		return cairn_err_set(err, "out of memory");
	}
	e->w = w;
	/* The header goes straight into the empty buffer: it always fits. */
	unsigned char *hdr = e->buf;
	memcpy(hdr, CAIRN_REC_MAGIC, 8);
	hdr[8] = CAIRN_REC_VERSION;
	cairn_put_be32(hdr + 9, h->group);
	cairn_put_be64(hdr + 13, h->since);
	cairn_put_be64(hdr + 21, h->read_ts);
	e->len = 8 + 1 + 4 + 8 + 8;
	*out = e;
	return 0;
}

int cairn_rec_put(struct cairn_rec_encoder *e, const struct cairn_version *v, cairn_err *err)
{
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
	unsigned char t[1 + 8];
	t[0] = 'E';
	cairn_put_be64(t + 1, e->count);
	int rc = enc_put(e, t, sizeof t, err) < 0 || enc_flush(e, err) < 0 ? -1 : 0;
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
	if (d->buf[8] != CAIRN_REC_VERSION) {
		cairn_err_set(err,
			      "object %s has record format version %d; this cairn reads "
			      "version %d",
			      name, d->buf[8], CAIRN_REC_VERSION);
		goto fail;
	}
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

int cairn_rec_next(struct cairn_rec_decoder *d, struct cairn_version *v, cairn_err *err)
{
	if (d->done)
		return 0;
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
