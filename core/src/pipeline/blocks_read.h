/* blocks_read.h — the parallel block decoder: a read-chain filter that
 * takes an object's stored bytes in order (after the hash), cuts them at
 * the block index's lengths, decrypts (AES-CTR at each block's counter
 * offset) and decompresses each block on a pool of worker threads, and
 * gives the plain bytes in order. Every block must decode to exactly its
 * plain length and use all of its stored bytes. Memory is bounded by
 * 2 x workers blocks in flight. */
#ifndef CAIRN_PIPELINE_BLOCKS_READ_H
#define CAIRN_PIPELINE_BLOCKS_READ_H
#include "pipeline/blocks.h"

/* idx is copied; key NULL (key_len 0) for a plain object. workers 0: the
 * number of online cores. */
int cairn_blocks_read_new(const struct cairn_block_index *idx, const unsigned char *key,
			  size_t key_len, unsigned workers, struct cairn_filter **out,
			  cairn_err *err);
#endif
