/* object.h — a backup object's chains between records and a storage plugin:
 *
 *   write: bytes -> gzip blocks on every core -> [AES-CTR, IV first] -> sha256 (+ HMAC) -> plugin
 * writer read:  plugin reader -> sha256 (+ HMAC) -> [AES-CTR] -> gunzip -> bytes
 *
 * Both directions hash the stored bytes, so a reader checks and decodes in
 * one pass over the object. No storage plugin ever sees compression or keys;
 * every plugin gets them. The filters are in pipeline/{gzip,aes_ctr,hash}.c. */
#ifndef CAIRN_PIPELINE_OBJECT_H
#define CAIRN_PIPELINE_OBJECT_H
#include <cairn/storage.h>
#include <sys/types.h>

#include "pipeline/blocks.h"
#include "pipeline/hash.h"
#include "pipeline/keyset.h"
#include "plugin/location.h"

/* The libdeflate level (1-12) of the objects written: alpha's
 * compression_level setting (pipeline/blocks.h has the default). */
extern int cairn_obj_gzip_level;

struct cairn_obj_writer;
/* ks NULL or unkeyed: gzip only. */
int cairn_objw_open(struct cairn_store_loc *loc, const char *name, const struct cairn_keyset *ks,
		    struct cairn_obj_writer **out, cairn_err *err);
int cairn_objw_write(struct cairn_obj_writer *w, const void *buf, size_t len, cairn_err *err);
/* Finishes, commits the object and frees w (also on failure). */
int cairn_objw_commit(struct cairn_obj_writer *w, struct cairn_obj_info *info, cairn_err *err);
/* comp: enum cairn_compression (cairn_objw_open: gzip). */
int cairn_objw_open_comp(struct cairn_store_loc *loc, const char *name,
			 const struct cairn_keyset *ks, int comp, struct cairn_obj_writer **out,
			 cairn_err *err);
/* The same, also giving the object's block index (idx->stored is the
 * caller's to free, also on failure). */
int cairn_objw_commit_index(struct cairn_obj_writer *w, struct cairn_obj_info *info,
			    struct cairn_block_index *idx, cairn_err *err);
void cairn_objw_abort(struct cairn_obj_writer *w);

struct cairn_obj_reader;
/* Opens the object (one read of it, start to end) with the decoding chain. */
int cairn_objr_open(struct cairn_store_loc *loc, const char *name, const struct cairn_keyset *ks,
		    struct cairn_obj_reader **out, cairn_err *err);
/* The same for an object with a block index (the manifest's, checked):
 * its blocks are decrypted and decompressed in parallel (blocks_read.h). */
int cairn_objr_open_index(struct cairn_store_loc *loc, const char *name,
			  const struct cairn_keyset *ks, const struct cairn_block_index *idx,
			  struct cairn_obj_reader **out, cairn_err *err);
/* Decompressed bytes; 0 at the end of the last gzip member (the stored
 * object is then read to its end); -1 on error, naming the object. */
ssize_t cairn_objr_read(struct cairn_obj_reader *r, void *buf, size_t len, cairn_err *err);
/* Reads whatever the decoder left of the stored object (hashing it, not
 * decoding it: also after a decode error) and gives the size, sha256 and
 * (keyed) HMAC of all the stored bytes. -1 only if storage fails. */
int cairn_objr_finish(struct cairn_obj_reader *r, struct cairn_obj_info *info, cairn_err *err);
void cairn_objr_close(struct cairn_obj_reader *r);

/* Streams an object's stored bytes and hashes them (no decoding): for
 * checking an encrypted object without its key. */
int cairn_obj_hash(struct cairn_store_loc *loc, const char *name, const struct cairn_keyset *ks,
		   struct cairn_obj_info *info, cairn_err *err);

/* Called with the count of stored bytes each time a reader gets some from
 * its plugin, in the reader's own (the caller's) thread; NULL: none. For
 * restore's and verify's progress display (restore/progress.h). */
void cairn_objr_on_read(void (*fn)(uint64_t n));
#endif
