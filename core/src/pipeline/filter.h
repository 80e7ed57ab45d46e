/* filter.h — the filter interface and the two chains that drive filters
 * (pgBackRest's IoFilter idea).
 *
 * A filter is either a *transform* (gzip, AES-CTR: bytes in, other bytes
 * out, zlib-style steps over caller buffers so memory stays bounded however
 * much a step expands) or an *observer* (sha256, HMAC: sees the bytes passing
 * that point, which go on unchanged). The same filter objects serve both
 * directions:
 *
 *   write chain (push): cairn_wchain_write(bytes) -> f0 -> f1 -> ... -> sink
 *   read chain (pull):  source -> f0 -> f1 -> ... -> cairn_rchain_read(buf)
 *
 * Adding a filter: implement step (or observe) and free, give it a
 * constructor returning struct cairn_filter *, and add it to the chain
 * (pipeline/object.c builds the backup object's chains). A chain owns its
 * filters and frees them. */
#ifndef CAIRN_PIPELINE_FILTER_H
#define CAIRN_PIPELINE_FILTER_H
#include <cairn/plugin.h>
#include <stddef.h>
#include <sys/types.h>

/* Bytes each transform stage buffers (one per stage, per chain). The fuzz
 * build (CAIRN_FUZZ) sets a small one: faster under ASan, and every step
 * then meets a full output buffer. */
#ifndef CAIRN_FILTER_BUF
#define CAIRN_FILTER_BUF ((size_t)1 << 20)
#endif

struct cairn_filter;

struct cairn_filter_ops {
	const char *name; /* "gzip", "aes-ctr", "sha256"... for messages */
	/* Transform: consume a prefix of in (*used) and write at most cap bytes
	 * to out (*made). finish = 1 once no more input will come (in_len is
	 * then 0); keep being called until it returns 1 (everything flushed).
	 * Returns 0 (more may follow), 1 (finished: only with finish), -1 with
	 * err set. A call must consume or produce something unless it
	 * returns 1. NULL for an observer. */
	int (*step)(struct cairn_filter *f, const unsigned char *in, size_t in_len, size_t *used,
		    unsigned char *out, size_t cap, size_t *made, int finish, cairn_err *err);
	/* Observer: sees n bytes passing. NULL for a transform. */
	void (*observe)(struct cairn_filter *f, const unsigned char *p, size_t n);
	void (*free)(struct cairn_filter *f);
};

/* Every filter's state begins with this (its ops table). */
struct cairn_filter {
	const struct cairn_filter_ops *ops;
};

void cairn_filter_free(struct cairn_filter *f);

/* Where a write chain's bytes end up, and where a read chain's come from.
 * read returns > 0 bytes, 0 at the end, -1 with err set. */
typedef int (*cairn_sink_fn)(void *ctx, const void *p, size_t n, cairn_err *err);
typedef ssize_t (*cairn_source_fn)(void *ctx, void *buf, size_t cap, cairn_err *err);

#define CAIRN_CHAIN_MAX 8

/* Push chain. Filters are added in the order bytes pass through them. */
struct cairn_wchain;
struct cairn_wchain *cairn_wchain_new(cairn_sink_fn sink, void *ctx);
/* Takes f (freed with the chain, or at once if adding fails). */
int cairn_wchain_add(struct cairn_wchain *c, struct cairn_filter *f, cairn_err *err);
int cairn_wchain_write(struct cairn_wchain *c, const void *p, size_t n, cairn_err *err);
/* Flushes every filter into the sink, in order. No writes after it. */
int cairn_wchain_finish(struct cairn_wchain *c, cairn_err *err);
void cairn_wchain_free(struct cairn_wchain *c);

/* Pull chain. Filters are added in the order bytes pass through them. */
struct cairn_rchain;
struct cairn_rchain *cairn_rchain_new(cairn_source_fn source, void *ctx);
int cairn_rchain_add(struct cairn_rchain *c, struct cairn_filter *f, cairn_err *err);
/* Bytes out of the last filter: > 0, 0 at the end (every filter finished),
 * -1 with err set. */
ssize_t cairn_rchain_read(struct cairn_rchain *c, void *buf, size_t cap, cairn_err *err);
/* Pulls the source to its end through the first n filters only, dropping
 * their output: lets observers near the source see every byte even when a
 * later filter has failed or the reader stopped early. */
int cairn_rchain_drain(struct cairn_rchain *c, size_t n, cairn_err *err);
void cairn_rchain_free(struct cairn_rchain *c);
#endif
