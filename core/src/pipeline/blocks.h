/* blocks.h — the block-parallel compressor: a write-chain filter that cuts
 * its input into fixed-size blocks and compresses each on a pool of worker
 * threads as an independent gzip member (libdeflate) or zstd frame
 * (libzstd), emitting them in input order. The concatenation is what
 * `gzip -d` (or `zstd -d`) reads as one stream. Memory is bounded: at most
 * 2 x workers blocks are in flight. The filter keeps each block's index
 * (compressed and plain length) for the manifest, so a reader may later
 * decompress the blocks in parallel. */
#ifndef CAIRN_PIPELINE_BLOCKS_H
#define CAIRN_PIPELINE_BLOCKS_H
#include <stdint.h>

#include "pipeline/filter.h"

enum cairn_compression { CAIRN_COMP_GZIP = 0, CAIRN_COMP_ZSTD = 1 };

/* Plain bytes per block: each block's member restarts the compressor's
 * window, which costs well under 0.1% at this size (measured against
 * gzip -6; docs/FORMAT.md). The fuzz build (CAIRN_FUZZ) writes small
 * blocks: the reader takes any size the index gives (4 KiB to 16 MiB). */
#ifndef CAIRN_BLOCK_SIZE
#define CAIRN_BLOCK_SIZE ((size_t)1 << 21)
#endif
/* Default levels: libdeflate 1-12 (4: on the benchmark's record stream,
 * format version 2, 10% smaller than gzip -6 of the export; 5 was 0.4%
 * larger and took 1.7x the CPU, 6 is 6% smaller and takes 2.5x), zstd 1-19
 * (3, zstd's own default). */
#define CAIRN_GZIP_BLOCK_LEVEL 4
#define CAIRN_ZSTD_LEVEL 3

struct cairn_block_opts {
	enum cairn_compression comp;
	int level;	   /* 0: the default for comp */
	unsigned workers;  /* 0: the number of online cores */
	size_t block_size; /* 0: CAIRN_BLOCK_SIZE (tests use small ones) */
};

/* One block as stored: compressed length, and plain length. */
struct cairn_block_len {
	uint64_t stored, plain;
};

/* An object's block index as the manifest records it (format/blockindex.h). */
struct cairn_block_index {
	uint64_t block_size, plain_size;
	uint64_t *stored; /* malloc'd: each block's compressed length */
	size_t n;
	int comp; /* enum cairn_compression */
};

int cairn_blocks_new(const struct cairn_block_opts *o, struct cairn_filter **out, cairn_err *err);
/* The index of every block emitted so far (all of them once the chain is
 * finished); valid until the filter is freed. */
const struct cairn_block_len *cairn_blocks_index(struct cairn_filter *f, size_t *n);
/* Checks a level for comp (-1 naming the range if out of it). */
int cairn_blocks_check_level(enum cairn_compression comp, int level, cairn_err *err);
#endif
