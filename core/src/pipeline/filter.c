/* filter.c — the push (write) and pull (read) chains that move bytes
 * through filters with one bounded buffer per transform stage. */
#include "pipeline/filter.h"

#include <stdlib.h>

void cairn_filter_free(struct cairn_filter *f)
{
	if (f)
		f->ops->free(f);
}

/* A chain's stage: the filter, and for a transform its buffer (the write
 * chain's output buffer; the read chain's input buffer). */
struct stage {
	struct cairn_filter *f;
	unsigned char *buf;
	size_t off, len; /* read chain: unconsumed input buf[off, len) */
	int in_eof, done;
};

/* Appends a stage for f to st[0..*n) (both chains have at most
 * CAIRN_CHAIN_MAX); f is the chain's from now on, even on failure. */
static int stage_add(struct stage *st, size_t *n, struct cairn_filter *f, cairn_err *err)
{
	struct stage *s = &st[*n];
	if (*n == CAIRN_CHAIN_MAX) {
		cairn_filter_free(f);
		return cairn_err_set(err, "too many filters in one chain (at most %d)",
				     CAIRN_CHAIN_MAX);
	}
	s->f = f;
	if (f->ops->step && !(s->buf = malloc(CAIRN_FILTER_BUF))) {
		cairn_filter_free(f);
		s->f = NULL;
		return cairn_err_set(err, "out of memory");
	}
	(*n)++;
	return 0;
}

static void stages_free(struct stage *st, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		cairn_filter_free(st[i].f);
		free(st[i].buf);
	}
}

static int no_progress(const struct cairn_filter *f, cairn_err *err)
{
	return cairn_err_set(err,
			     "filter %s stopped making progress (a bug in cairn: please "
			     "report it)",
			     f->ops->name);
}

struct cairn_wchain {
	cairn_sink_fn sink;
	void *ctx;
	struct stage st[CAIRN_CHAIN_MAX];
	size_t n;
	int finished;
};

struct cairn_wchain *cairn_wchain_new(cairn_sink_fn sink, void *ctx)
{
	struct cairn_wchain *c = calloc(1, sizeof *c);
	if (c) {
		c->sink = sink;
		c->ctx = ctx;
	}
	return c;
}

int cairn_wchain_add(struct cairn_wchain *c, struct cairn_filter *f, cairn_err *err)
{
	return stage_add(c->st, &c->n, f, err);
}

/* Hands len bytes (and, with finish, the end of input) to stage i. */
static int push(struct cairn_wchain *c, size_t i, const unsigned char *in, size_t len, int finish,
		cairn_err *err)
{
	for (; i < c->n && c->st[i].f->ops->observe; i++)
		if (len)
			c->st[i].f->ops->observe(c->st[i].f, in, len);
	if (i == c->n)
		return len ? c->sink(c->ctx, in, len, err) : 0;
	struct stage *s = &c->st[i];
	for (;;) {
		size_t used = 0, made = 0;
		int r = s->f->ops->step(s->f, in, len, &used, s->buf, CAIRN_FILTER_BUF, &made,
					finish, err);
		if (r < 0)
			return -1;
		/* At the finish in is NULL: NULL + 0 is undefined too (UBSan). */
		if (used) {
			in += used;
			len -= used;
		}
		if (made && push(c, i + 1, s->buf, made, 0, err) < 0)
			return -1;
		if (r == 1 && finish)
			return push(c, i + 1, NULL, 0, 1, err);
		/* Input used up and the output not full: nothing is pending. */
		if (!finish && !len && made < CAIRN_FILTER_BUF)
			return 0;
		if (!used && !made)
			return no_progress(s->f, err);
	}
}

int cairn_wchain_write(struct cairn_wchain *c, const void *p, size_t n, cairn_err *err)
{
	if (c->finished)
		return cairn_err_set(err, "write after the end of the stream (a bug in cairn)");
	return n ? push(c, 0, p, n, 0, err) : 0;
}

int cairn_wchain_finish(struct cairn_wchain *c, cairn_err *err)
{
	if (c->finished)
		return 0;
	c->finished = 1;
	return push(c, 0, NULL, 0, 1, err);
}

void cairn_wchain_free(struct cairn_wchain *c)
{
	if (!c)
		return;
	stages_free(c->st, c->n);
	free(c);
}

struct cairn_rchain {
	cairn_source_fn source;
	void *ctx;
	struct stage st[CAIRN_CHAIN_MAX];
	size_t n;
	int src_eof;
};

struct cairn_rchain *cairn_rchain_new(cairn_source_fn source, void *ctx)
{
	struct cairn_rchain *c = calloc(1, sizeof *c);
	if (c) {
		c->source = source;
		c->ctx = ctx;
	}
	return c;
}

int cairn_rchain_add(struct cairn_rchain *c, struct cairn_filter *f, cairn_err *err)
{
	return stage_add(c->st, &c->n, f, err);
}

/* Up to cap bytes out of the first n stages (n = 0: the source itself). */
static ssize_t pull(struct cairn_rchain *c, size_t n, unsigned char *out, size_t cap,
		    cairn_err *err)
{
	if (n == 0) {
		if (c->src_eof)
			return 0;
		ssize_t got = c->source(c->ctx, out, cap, err);
		if (got == 0)
			c->src_eof = 1;
		return got;
	}
	struct stage *s = &c->st[n - 1];
	if (s->f->ops->observe) {
		ssize_t got = pull(c, n - 1, out, cap, err);
		if (got > 0)
			s->f->ops->observe(s->f, out, (size_t)got);
		return got;
	}
	if (s->done)
		return 0;
	for (;;) {
		if (s->off == s->len && !s->in_eof) {
			ssize_t got = pull(c, n - 1, s->buf, CAIRN_FILTER_BUF, err);
			if (got < 0)
				return -1;
			s->off = 0;
			s->len = (size_t)got;
			s->in_eof = got == 0;
		}
		int fin = s->in_eof && s->off == s->len;
		size_t used = 0, made = 0;
		int r = s->f->ops->step(s->f, s->buf + s->off, s->len - s->off, &used, out, cap,
					&made, fin, err);
		if (r < 0)
			return -1;
		s->off += used;
		if (r == 1 && fin) {
			s->done = 1;
			return (ssize_t)made;
		}
		if (made)
			return (ssize_t)made;
		if (!used && (fin || s->off < s->len))
			return no_progress(s->f, err);
	}
}

ssize_t cairn_rchain_read(struct cairn_rchain *c, void *buf, size_t cap, cairn_err *err)
{
	return cap ? pull(c, c->n, buf, cap, err) : 0;
}

int cairn_rchain_drain(struct cairn_rchain *c, size_t n, cairn_err *err)
{
	unsigned char *scratch = malloc(CAIRN_FILTER_BUF);
	ssize_t got;
	if (!scratch)
		return cairn_err_set(err, "out of memory");
	if (n > c->n)
		n = c->n;
	while ((got = pull(c, n, scratch, CAIRN_FILTER_BUF, err)) > 0)
		;
	free(scratch);
	return got < 0 ? -1 : 0;
}

void cairn_rchain_free(struct cairn_rchain *c)
{
	if (!c)
		return;
	stages_free(c->st, c->n);
	free(c);
}
