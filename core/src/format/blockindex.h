/* blockindex.h — an object's block index in its manifest entry:
 *
 *   "block_size": 2097152, "plain_size": N, "blocks": [stored_len, ...]
 *
 * Every block but the last holds block_size plain bytes, the last the rest
 * (an empty object has one block of 0); stored lengths are those of each
 * compressed block (gzip member or zstd frame) in order, after the IV of an
 * encrypted object. Untrusted input: bounded and checked to add up to the
 * object's size before anything uses it. */
#ifndef CAIRN_FORMAT_BLOCKINDEX_H
#define CAIRN_FORMAT_BLOCKINDEX_H
#include "format/manifest.h"

#define CAIRN_BLOCKINDEX_MIN_BLOCK ((uint64_t)4096)
#define CAIRN_BLOCKINDEX_MAX_BLOCK ((uint64_t)16 << 20)
#define CAIRN_BLOCKINDEX_MAX_BLOCKS ((size_t)1 << 22)

/* Reads the optional index of objects[i] (all three fields or none) into mo;
 * the caller then checks it with cairn_blockindex_check. */
int cairn_blockindex_parse(const cJSON *o, size_t i, int encrypted, struct cairn_manifest_obj *mo,
			   cairn_err *err);
/* The most a block of block_size plain bytes can take stored (above gzip's
 * and zstd's worst cases): bounds what a reader allocates per block. */
#define CAIRN_BLOCKINDEX_MAX_STORED(bs) ((bs) + (bs) / 16 + 4096)
/* The consistency checks: block_size in range, as many blocks as
 * plain_size needs, each stored length 1..CAIRN_BLOCKINDEX_MAX_STORED, the
 * lengths adding up to size minus the IV. 0 if mo has no index. */
int cairn_blockindex_check(const struct cairn_manifest_obj *mo, size_t i, int encrypted,
			   cairn_err *err);
void cairn_blockindex_to_json(cJSON *o, const struct cairn_manifest_obj *mo);
/* A deep copy of src (its blocks too) into dst; -1 out of memory. */
int cairn_manifest_obj_copy(struct cairn_manifest_obj *dst, const struct cairn_manifest_obj *src);
#endif
