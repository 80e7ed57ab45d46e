/* storage.h — the storage driver table (pgBackRest's storage.intern.h idea).
 *
 * A storage plugin turns a location URI into a handle on which objects are
 * named by paths relative to that location ("cairn.20261124.101500.000/manifest.json").
 * Writes stream bytes of unknown total length; an object becomes visible under
 * its name only when write_commit succeeds, and write_abort leaves nothing
 * behind. Compression, encryption and hashing are the host's filters: a
 * driver moves opaque bytes. All ops return 0 on success and -1 with err set,
 * unless documented otherwise. */
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
	int port;           /* 0 if none */
	const char *path;   /* begins with '/', or "" */
	const struct cairn_kv *query;
};

struct cairn_storage; /* a driver's open location */
struct cairn_writer;  /* one object being written */
struct cairn_reader;  /* one object being read */

/* Called once per listed object: name relative to the location, its size.
 * Return non-zero to stop the listing early (list then returns 0). */
typedef int (*cairn_list_cb)(void *ctx, const char *name, uint64_t size);

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
};

#ifdef __cplusplus
}
#endif
#endif
