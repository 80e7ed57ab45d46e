/* storage.h — the storage driver table (pgBackRest's storage.intern.h idea).
 *
 * A storage plugin turns a location URI into a handle on which objects are
 * named by paths relative to that location ("cairn.20261124.101500.000/manifest.json").
 * Writes stream bytes of unknown total length; an object becomes visible under
 * its name only when write_commit succeeds, and write_abort leaves nothing
 * behind. Compression, encryption and hashing are the host's filters: a
 * driver moves opaque bytes. All ops return 0 on success and -1 with err set
 * (with a code from enum cairn_err_code where the cause is known), unless
 * documented otherwise.
 *
 * Required ops: open, close, list, stat, remove, write_open, write,
 * write_commit, write_abort, read_open, read, read_close; the host refuses a
 * plugin missing any. Ops after read_close were added later: the host calls
 * them only through CAIRN_HAS(ops, field) and falls back without them.
 *
 * Concurrency: the host may use one storage handle (the result of open) from
 * several threads at once: many readers and writers open together (even of
 * one name: the last commit wins, whole) and list, stat and remove beside
 * them; a driver keeps whatever the handle shares (a connection pool, say)
 * safe for that. One reader or writer is used by one thread at a time, never
 * two at once. close of a handle follows every other call on it; init runs
 * before and fini after every call of the plugin. */
#ifndef CAIRN_STORAGE_H
#define CAIRN_STORAGE_H

#include <sys/types.h>

#include "plugin.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A parsed location. "minio://127.0.0.1:9000/bucket/pre?secure=false" gives
 * scheme "minio", host "127.0.0.1", port 9000, path "/bucket/pre",
 * query {secure=false}. A bare absolute path "/x/y" gives scheme "file",
 * path "/x/y". Strings are percent-decoded. */
struct cairn_uri {
	const char *raw;    /* as the user wrote it */
	const char *scheme; /* lower-case */
	const char *host;   /* "" if none */
	int port;	    /* 0 if none */
	const char *path;   /* begins with '/', or "" */
	const struct cairn_kv *query;
};

struct cairn_storage; /* a driver's open location */
struct cairn_writer;  /* one object being written */
struct cairn_reader;  /* one object being read */

/* Called once per listed object: name relative to the location, its size.
 * Returns 0 to go on, 1 to stop the listing early (list then returns 0), or
 * -1 after setting err (the err list was given), to fail: list then stops
 * and returns -1 with that error as it is. */
typedef int (*cairn_list_cb)(void *ctx, const char *name, uint64_t size, cairn_err *err);
/* The callback a plugin built for ABI 1.0 calls (non-zero stops). The host
 * hands such a plugin one of these, never a cairn_list_cb. */
typedef int (*cairn_list_cb_1_0)(void *ctx, const char *name, uint64_t size);

/* Feature bits of struct cairn_storage_ops.features (ABI 1.1). */
enum {
	/* read_open_range fetches only the range asked for (an HTTP Range
	 * GET, a seek), so readers of parts of one object may run in parallel
	 * without each paying for the bytes before its part. */
	CAIRN_STORAGE_RANGED_READ = 1u << 0,
};

struct cairn_storage_ops {
	uint32_t struct_size;
	/* params: per-request options, e.g. accessKey, secretKey, sessionToken,
	 * anonymous ("true"/"false") from the backup request. May be NULL. */
	int (*open)(const struct cairn_uri *uri, const struct cairn_kv *params,
		    struct cairn_storage **out, cairn_err *err);
	void (*close)(struct cairn_storage *st);
	/* Every object whose name starts with prefix (recursive), any order. */
	int (*list)(struct cairn_storage *st, const char *prefix, cairn_list_cb cb, void *ctx,
		    cairn_err *err);
	/* *exists = 0 and return 0 if there is no such object. */
	int (*stat)(struct cairn_storage *st, const char *name, int *exists, uint64_t *size,
		    cairn_err *err);
	/* Removing a missing object succeeds (returns 0). */
	int (*remove)(struct cairn_storage *st, const char *name, cairn_err *err);

	int (*write_open)(struct cairn_storage *st, const char *name, struct cairn_writer **out,
			  cairn_err *err);
	int (*write)(struct cairn_writer *w, const void *buf, size_t len, cairn_err *err);
	/* Makes the object durable and visible, frees w (also on failure). */
	int (*write_commit)(struct cairn_writer *w, cairn_err *err);
	/* Discards everything written, frees w. */
	void (*write_abort)(struct cairn_writer *w);

	int (*read_open)(struct cairn_storage *st, const char *name, struct cairn_reader **out,
			 cairn_err *err);
	/* Returns bytes read (> 0), 0 at end of object, -1 on error. */
	ssize_t (*read)(struct cairn_reader *r, void *buf, size_t len, cairn_err *err);
	void (*read_close)(struct cairn_reader *r);

	/* ---- ABI 1.0 ends here; use CAIRN_HAS for what follows ---- */
	/* ABI 1.1: CAIRN_STORAGE_* bits. */
	uint64_t features;
	/* ABI 1.1: a reader of length bytes of name from offset (length 0: to
	 * the end); fewer if the object ends first, none if offset is past its
	 * end. read and read_close work on it as on any reader. */
	int (*read_open_range)(struct cairn_storage *st, const char *name, uint64_t offset,
			       uint64_t length, struct cairn_reader **out, cairn_err *err);
};

/* The size of the ops table as ABI 1.0 laid it out. */
#define CAIRN_STORAGE_OPS_SIZE_1_0                                                                 \
	(offsetof(struct cairn_storage_ops, read_close) + sizeof(void (*)(struct cairn_reader *)))

#ifdef __cplusplus
}
#endif
#endif
