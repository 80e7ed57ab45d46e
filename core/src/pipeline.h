/* pipeline.h — the filter chain between records and a storage plugin.
 *
 *   write: bytes -> gzip -> [AES-CTR, IV first] -> sha256 (+ HMAC) -> plugin writer
 *   read:  plugin reader -> sha256 (+ HMAC) -> [AES-CTR] -> gunzip -> bytes
 *
 * No storage plugin ever sees compression or keys; every plugin gets them. */
#ifndef CAIRN_PIPELINE_H
#define CAIRN_PIPELINE_H
#include <cairn/storage.h>
#include <sys/types.h>

#include "plugin/location.h"

struct cairn_obj_info {
	uint64_t size;       /* bytes stored */
	char sha256[65];     /* hex of the stored bytes */
	char hmac[65];       /* hex HMAC-SHA256 of the stored bytes ("" if unencrypted) */
};

/* Key material derived from the encryption key. */
struct cairn_keyset {
	unsigned char key[32];
	size_t key_len; /* 0: no encryption */
	unsigned char mac_key[32];
};
void cairn_keyset_init(struct cairn_keyset *ks, const unsigned char *key, size_t len);
/* A short public fingerprint of the key ("key_check" in the manifest) so a
 * wrong key is reported as such before anything is read. 32 hex chars. */
void cairn_keyset_check(const struct cairn_keyset *ks, char out[33]);
const char *cairn_cipher_name(size_t key_len); /* "aes-256-ctr" */

struct cairn_obj_writer;
int cairn_objw_open(struct cairn_store_loc *loc, const char *name, const struct cairn_keyset *ks,
		    struct cairn_obj_writer **out, cairn_err *err);
int cairn_objw_write(struct cairn_obj_writer *w, const void *buf, size_t len, cairn_err *err);
/* Finishes, commits the object and frees w (also on failure). */
int cairn_objw_commit(struct cairn_obj_writer *w, struct cairn_obj_info *info, cairn_err *err);
void cairn_objw_abort(struct cairn_obj_writer *w);

struct cairn_obj_reader;
int cairn_objr_open(struct cairn_store_loc *loc, const char *name, const struct cairn_keyset *ks,
		    struct cairn_obj_reader **out, cairn_err *err);
/* Decompressed bytes; 0 at the end of the gzip stream; -1 on error. */
ssize_t cairn_objr_read(struct cairn_obj_reader *r, void *buf, size_t len, cairn_err *err);
void cairn_objr_close(struct cairn_obj_reader *r);

/* Streams an object's stored bytes and hashes them (no decoding). */
int cairn_obj_hash(struct cairn_store_loc *loc, const char *name, const struct cairn_keyset *ks,
		   struct cairn_obj_info *info, cairn_err *err);
#endif
