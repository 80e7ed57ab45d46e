/* fuzz_records.c — a backup object as restore reads it: the stored bytes
 * through the pipeline's decoder (pipeline/object.c: hash, [AES-CTR with a
 * fixed key], gunzip or zstd, sequential or by block index) into the
 * record decoder (format/records.c), every record read to the end, then
 * the object finished as restore's check does.
 *
 * The first byte chooses what the rest is:
 *   bits 0-1  0: a record stream, written through the real writer (gzip,
 *                no key) so the fuzzer reaches the record parser directly;
 *             1: the stored bytes of a plain object;
 *             2: the stored bytes of an encrypted object (the fixed key);
 *             3: a record stream, written encrypted with the fixed key.
 *   bit 2     zstd instead of gzip where this target writes the object.
 *   bit 3     read by block index: for 0 and 3 the writer's own index; for
 *             1 and 2 an index taken from the input ([n-1][log2 of
 *             block_size/4096][plain_size u32][n x stored length u32],
 *             little-endian; at most 4 blocks) after the manifest's
 *             consistency check (format/blockindex.c) accepts it, as
 *             restore reads an object whose manifest has an index (an
 *             encrypted object with blocks can only be read so). */
#include "format/blockindex.h"
#include "format/records.h"
#include "fuzz.h"
#include "memstore.h"
#include "pipeline/aes_ctr.h"
#include "pipeline/object.h"

static const unsigned char fixed_key[32] = "fuzz-fixed-aes-key-0123456789abc";

static uint64_t le32(const uint8_t *p)
{
	return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24;
}

static void decode(struct cairn_store_loc *loc, const struct cairn_keyset *ks,
		   const struct cairn_block_index *idx)
{
	struct cairn_obj_reader *r = NULL;
	struct cairn_rec_decoder *d = NULL;
	struct cairn_rec_header h;
	struct cairn_version v;
	struct cairn_obj_info info;
	cairn_err err = {0};
	int rc = idx ? cairn_objr_open_index(loc, "obj", ks, idx, &r, &err)
		     : cairn_objr_open(loc, "obj", ks, &r, &err);
	if (rc == 0 && cairn_rec_decoder_open(r, "obj", &h, &d, &err) == 0) {
		while (cairn_rec_next(d, &v, &err) == 1)
			;
	}
	fuzz_say("records", err.msg);
	cairn_rec_decoder_free(d);
	if (r)
		(void)cairn_objr_finish(r, &info, &err);
	cairn_objr_close(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cairn_storage st;
	struct cairn_store_loc loc;
	struct cairn_keyset ks;
	cairn_err err = {0};
	if (size < 1)
		return 0;
	int mode = data[0] & 3, zstd = (data[0] >> 2) & 1, by_index = (data[0] >> 3) & 1;
	int keyed = mode == 2 || mode == 3;
	data++;
	size--;
	mem_loc(&loc, &st);
	st.read_chunk = 1 + (size & 0xfff);
	cairn_keyset_init(&ks, fixed_key, keyed ? 32 : 0);

	if (mode == 0 || mode == 3) {
		struct cairn_obj_writer *w;
		struct cairn_obj_info info;
		struct cairn_block_index idx = {0};
		if (cairn_objw_open_comp(&loc, "obj", &ks, zstd, &w, &err) < 0)
			goto out;
		if (cairn_objw_write(w, data, size, &err) < 0) {
			cairn_objw_abort(w);
			goto out;
		}
		if (cairn_objw_commit_index(w, &info, &idx, &err) == 0)
			decode(&loc, &ks, by_index ? &idx : NULL);
		free(idx.stored);
	} else if (!by_index) {
		mem_put(&st, "obj", data, size);
		decode(&loc, &ks, NULL);
	} else {
		struct cairn_manifest_obj mo = {0};
		uint64_t stored[4];
		size_t n = size ? 1 + data[0] % 4 : 0, head = 6 + 4 * n;
		if (!n || size < head)
			goto out;
		mo.block_size = CAIRN_BLOCKINDEX_MIN_BLOCK << (data[1] % 13);
		mo.plain_size = le32(data + 2);
		for (size_t k = 0; k < n; k++)
			stored[k] = le32(data + 6 + 4 * k);
		mo.blocks = stored;
		mo.nblocks = n;
		mo.size = size - head;
		if (cairn_blockindex_check(&mo, 0, keyed, &err) < 0)
			goto out;
		struct cairn_block_index idx = {mo.block_size, mo.plain_size, stored, n, zstd};
		mem_put(&st, "obj", data + head, size - head);
		decode(&loc, &ks, &idx);
	}
out:
	fuzz_say("records", err.msg);
	mem_clear(&st);
	return 0;
}
