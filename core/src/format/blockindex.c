/* blockindex.c — an object's block index in the manifest (blockindex.h). */
#include "format/blockindex.h"

#include <stdlib.h>
#include <string.h>

#include "jsonfile.h"

#define IV_LEN 16 /* an encrypted object's IV, before the first block */

int cairn_blockindex_check(const struct cairn_manifest_obj *mo, size_t i, int encrypted,
			   cairn_err *err)
{
	if (!mo->block_size)
		return 0;
	if (mo->block_size < CAIRN_BLOCKINDEX_MIN_BLOCK ||
	    mo->block_size > CAIRN_BLOCKINDEX_MAX_BLOCK)
		return cairn_err_set(err, "objects[%zu]: block_size must be %llu to %llu", i,
				     (unsigned long long)CAIRN_BLOCKINDEX_MIN_BLOCK,
				     (unsigned long long)CAIRN_BLOCKINDEX_MAX_BLOCK);
	uint64_t want = mo->plain_size / mo->block_size + (mo->plain_size % mo->block_size != 0);
	if (!want)
		want = 1; /* an empty object is one empty block */
	if (want > CAIRN_BLOCKINDEX_MAX_BLOCKS || mo->nblocks != want)
		return cairn_err_set(err,
				     "objects[%zu]: plain_size %llu needs %llu blocks of %llu "
				     "bytes but \"blocks\" lists %zu (at most %zu)",
				     i, (unsigned long long)mo->plain_size,
				     (unsigned long long)want, (unsigned long long)mo->block_size,
				     mo->nblocks, CAIRN_BLOCKINDEX_MAX_BLOCKS);
	/* At most 2^22 lengths of under 2^25: the sum cannot overflow. */
	uint64_t sum = encrypted ? IV_LEN : 0;
	for (size_t k = 0; k < mo->nblocks; k++) {
		if (mo->blocks[k] < 1 ||
		    mo->blocks[k] > CAIRN_BLOCKINDEX_MAX_STORED(mo->block_size))
			return cairn_err_set(
			    err,
			    "objects[%zu]: blocks[%zu] must be a stored length of "
			    "1 to %llu bytes",
			    i, k, (unsigned long long)CAIRN_BLOCKINDEX_MAX_STORED(mo->block_size));
		sum += mo->blocks[k];
	}
	if (sum != mo->size)
		return cairn_err_set(err,
				     "objects[%zu]: the blocks add up to %llu bytes%s but the "
				     "object's size is %llu",
				     i, (unsigned long long)sum, encrypted ? " with the IV" : "",
				     (unsigned long long)mo->size);
	return 0;
}

int cairn_blockindex_parse(const cJSON *o, size_t i, int encrypted, struct cairn_manifest_obj *mo,
			   cairn_err *err)
{
	const cJSON *bl = cJSON_GetObjectItemCaseSensitive(o, "blocks");
	int has_bs = cJSON_HasObjectItem(o, "block_size"),
	    has_ps = cJSON_HasObjectItem(o, "plain_size");
	if (!bl && !has_bs && !has_ps)
		return 0; /* written before block indexes: read sequentially */
	if (!cJSON_IsArray(bl) || !has_bs || !has_ps)
		return cairn_err_set(err,
				     "objects[%zu]: a block index needs block_size, plain_size and "
				     "a list \"blocks\"",
				     i);
	if (cairn_json_get_u64(o, "block_size", &mo->block_size, err) < 0 ||
	    cairn_json_get_u64(o, "plain_size", &mo->plain_size, err) < 0)
		return cairn_err_prefix(err, "objects[%zu]", i);
	if (!mo->block_size)
		return cairn_err_set(err, "objects[%zu]: block_size must not be 0", i);
	int n = cJSON_GetArraySize(bl);
	if (n < 1 || (size_t)n > CAIRN_BLOCKINDEX_MAX_BLOCKS)
		return cairn_err_set(err, "objects[%zu]: \"blocks\" must list 1 to %zu lengths", i,
				     CAIRN_BLOCKINDEX_MAX_BLOCKS);
	if (!(mo->blocks = malloc((size_t)n * sizeof *mo->blocks)))
		return cairn_err_set(err, "out of memory");
	mo->nblocks = 0;
	const cJSON *v;
	cJSON_ArrayForEach(v, bl)
	{
		/* Anything not a whole number reads as 0, refused below. */
		mo->blocks[mo->nblocks++] = cairn_json_u64_value(v);
	}
	(void)encrypted; /* checked by the caller, once every field is known */
	return 0;
}

void cairn_blockindex_to_json(cJSON *o, const struct cairn_manifest_obj *mo)
{
	if (!mo->block_size)
		return;
	cairn_json_add_u64(o, "block_size", mo->block_size);
	cairn_json_add_u64(o, "plain_size", mo->plain_size);
	cJSON *a = cJSON_AddArrayToObject(o, "blocks");
	for (size_t k = 0; k < mo->nblocks; k++)
		cJSON_AddItemToArray(a, cairn_json_u64_create(mo->blocks[k]));
}

int cairn_manifest_obj_copy(struct cairn_manifest_obj *dst, const struct cairn_manifest_obj *src)
{
	*dst = *src;
	dst->blocks = NULL;
	dst->ctimes = NULL;
	if (src->nctimes) {
		if (!(dst->ctimes = malloc(src->nctimes * 2 * sizeof *dst->ctimes)))
			return -1;
		memcpy(dst->ctimes, src->ctimes, src->nctimes * 2 * sizeof *dst->ctimes);
	}
	if (!src->nblocks)
		return 0;
	if (!(dst->blocks = malloc(src->nblocks * sizeof *dst->blocks)))
		return -1;
	memcpy(dst->blocks, src->blocks, src->nblocks * sizeof *dst->blocks);
	return 0;
}
