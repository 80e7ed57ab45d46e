/* object.c — builds the backup object's write and read chains over a
 * storage plugin's writer and reader. Memory stays bounded (one buffer per
 * stage): a 20 GB backup never sits in memory. */
#include "pipeline/object.h"

#include <stdlib.h>
#include <string.h>

#include "pipeline/aes_ctr.h"
#include "pipeline/blocks.h"
#include "pipeline/blocks_read.h"
#include "pipeline/gzip.h"

int cairn_obj_gzip_level = CAIRN_GZIP_BLOCK_LEVEL;

static int keyed(const struct cairn_keyset *ks) { return ks && ks->key_len; }

static int hash_for(const struct cairn_keyset *ks, struct cairn_filter **out, cairn_err *err)
{
	return keyed(ks) ? cairn_hash_new(ks->mac_key, sizeof ks->mac_key, out, err)
			 : cairn_hash_new(NULL, 0, out, err);
}

struct cairn_obj_writer {
	struct cairn_store_loc *loc;
	struct cairn_writer *pw;
	struct cairn_wchain *c;
	struct cairn_filter *hash;   /* owned by c */
	struct cairn_filter *blocks; /* owned by c */
	size_t block_size;
};

static int to_plugin(void *ctx, const void *p, size_t n, cairn_err *err)
{
	struct cairn_obj_writer *w = ctx;
	return w->loc->ops->write(w->pw, p, n, err);
}

static void writer_free(struct cairn_obj_writer *w)
{
	cairn_wchain_free(w->c);
	free(w);
}

int cairn_objw_open(struct cairn_store_loc *loc, const char *name, const struct cairn_keyset *ks,
		    struct cairn_obj_writer **out, cairn_err *err)
{
	return cairn_objw_open_comp(loc, name, ks, CAIRN_COMP_GZIP, out, err);
}

int cairn_objw_open_comp(struct cairn_store_loc *loc, const char *name,
			 const struct cairn_keyset *ks, int comp, struct cairn_obj_writer **out,
			 cairn_err *err)
{
	struct cairn_filter *f = NULL;
	struct cairn_obj_writer *w = calloc(1, sizeof *w);
	if (!w || !(w->c = cairn_wchain_new(to_plugin, w))) {
		free(w);
		return cairn_err_set(err, "out of memory");
	}
	w->loc = loc;
	/* One gzip member per block, compressed on every core (blocks.h). */
	struct cairn_block_opts bo = {comp, comp == CAIRN_COMP_GZIP ? cairn_obj_gzip_level : 0, 0,
				      0};
	w->block_size = CAIRN_BLOCK_SIZE;
	if (cairn_blocks_new(&bo, &w->blocks, err) < 0 ||
	    cairn_wchain_add(w->c, w->blocks, err) < 0)
		goto fail;
	if (keyed(ks) && (cairn_aes_ctr_encrypt_new(ks->key, ks->key_len, NULL, &f, err) < 0 ||
			  cairn_wchain_add(w->c, f, err) < 0))
		goto fail;
	if (hash_for(ks, &w->hash, err) < 0 || cairn_wchain_add(w->c, w->hash, err) < 0)
		goto fail;
	if (loc->ops->write_open(loc->st, name, &w->pw, err) < 0)
		goto fail;
	*out = w;
	return 0;
fail:
	writer_free(w);
	return -1;
}

int cairn_objw_write(struct cairn_obj_writer *w, const void *buf, size_t len, cairn_err *err)
{
	return cairn_wchain_write(w->c, buf, len, err);
}

int cairn_objw_commit(struct cairn_obj_writer *w, struct cairn_obj_info *info, cairn_err *err)
{
	return cairn_objw_commit_index(w, info, NULL, err);
}

static int copy_index(struct cairn_obj_writer *w, struct cairn_block_index *idx)
{
	size_t n = 0;
	const struct cairn_block_len *bl = cairn_blocks_index(w->blocks, &n);
	if (!(idx->stored = malloc((n ? n : 1) * sizeof *idx->stored)))
		return -1;
	idx->block_size = w->block_size;
	idx->n = n;
	for (size_t i = 0; i < n; i++) {
		idx->stored[i] = bl[i].stored;
		idx->plain_size += bl[i].plain;
	}
	return 0;
}

int cairn_objw_commit_index(struct cairn_obj_writer *w, struct cairn_obj_info *info,
			    struct cairn_block_index *idx, cairn_err *err)
{
	if (idx)
		memset(idx, 0, sizeof *idx);
	if (cairn_wchain_finish(w->c, err) < 0) {
		cairn_objw_abort(w);
		return -1;
	}
	if (idx && copy_index(w, idx) < 0) {
		cairn_objw_abort(w);
		return cairn_err_set(err, "out of memory");
	}
	cairn_hash_result(w->hash, info);
	struct cairn_writer *pw = w->pw;
	struct cairn_store_loc *loc = w->loc;
	writer_free(w);
	return loc->ops->write_commit(pw, err);
}

void cairn_objw_abort(struct cairn_obj_writer *w)
{
	if (!w)
		return;
	w->loc->ops->write_abort(w->pw);
	writer_free(w);
}

struct cairn_obj_reader {
	struct cairn_store_loc *loc;
	struct cairn_reader *pr;
	struct cairn_rchain *c;
	struct cairn_filter *hash; /* owned by c; the chain's first filter */
	int storage_failed;	   /* the error came from the plugin: no prefix */
	char *name;
};

static void (*on_read)(uint64_t n);

void cairn_objr_on_read(void (*fn)(uint64_t n)) { on_read = fn; }

static ssize_t from_plugin(void *ctx, void *buf, size_t cap, cairn_err *err)
{
	struct cairn_obj_reader *r = ctx;
	ssize_t n = r->loc->ops->read(r->pr, buf, cap, err);
	if (n < 0)
		r->storage_failed = 1;
	else if (n > 0 && on_read)
		on_read((uint64_t)n);
	return n;
}

/* decode 0: the hash alone (stored bytes, not decrypted or inflated).
 * idx: the blocks decoded in parallel rather than in one stream. */
static int reader_open(struct cairn_store_loc *loc, const char *name, const struct cairn_keyset *ks,
		       int decode, const struct cairn_block_index *idx,
		       struct cairn_obj_reader **out, cairn_err *err)
{
	struct cairn_filter *f = NULL;
	struct cairn_obj_reader *r = calloc(1, sizeof *r);
	if (!r || !(r->c = cairn_rchain_new(from_plugin, r)) || !(r->name = strdup(name))) {
		cairn_objr_close(r);
		return cairn_err_set(err, "out of memory");
	}
	r->loc = loc;
	if (hash_for(ks, &r->hash, err) < 0 || cairn_rchain_add(r->c, r->hash, err) < 0)
		goto fail;
	if (decode && idx) {
		if (cairn_blocks_read_new(idx, keyed(ks) ? ks->key : NULL,
					  keyed(ks) ? ks->key_len : 0, 0, &f, err) < 0 ||
		    cairn_rchain_add(r->c, f, err) < 0)
			goto fail;
	} else if (decode && keyed(ks) &&
		   (cairn_aes_ctr_decrypt_new(ks->key, ks->key_len, &f, err) < 0 ||
		    cairn_rchain_add(r->c, f, err) < 0))
		goto fail;
	if (decode && !idx &&
	    (cairn_gzip_inflate_new(&f, err) < 0 || cairn_rchain_add(r->c, f, err) < 0))
		goto fail;
	if (loc->ops->read_open(loc->st, name, &r->pr, err) < 0)
		goto fail;
	*out = r;
	return 0;
fail:
	cairn_objr_close(r);
	return -1;
}

int cairn_objr_open(struct cairn_store_loc *loc, const char *name, const struct cairn_keyset *ks,
		    struct cairn_obj_reader **out, cairn_err *err)
{
	return reader_open(loc, name, ks, 1, NULL, out, err);
}

int cairn_objr_open_index(struct cairn_store_loc *loc, const char *name,
			  const struct cairn_keyset *ks, const struct cairn_block_index *idx,
			  struct cairn_obj_reader **out, cairn_err *err)
{
	return reader_open(loc, name, ks, 1, idx, out, err);
}

ssize_t cairn_objr_read(struct cairn_obj_reader *r, void *buf, size_t len, cairn_err *err)
{
	ssize_t n = cairn_rchain_read(r->c, buf, len, err);
	if (n < 0 && !r->storage_failed)
		cairn_err_prefix(err, "object %s", r->name);
	return n;
}

int cairn_objr_finish(struct cairn_obj_reader *r, struct cairn_obj_info *info, cairn_err *err)
{
	if (r->storage_failed)
		return cairn_err_set(err, "object %s could not be read to its end", r->name);
	/* Through the hash only: it is the first filter. */
	if (cairn_rchain_drain(r->c, 1, err) < 0)
		return -1;
	cairn_hash_result(r->hash, info);
	return 0;
}

void cairn_objr_close(struct cairn_obj_reader *r)
{
	if (!r)
		return;
	if (r->pr)
		r->loc->ops->read_close(r->pr);
	cairn_rchain_free(r->c);
	free(r->name);
	free(r);
}

int cairn_obj_hash(struct cairn_store_loc *loc, const char *name, const struct cairn_keyset *ks,
		   struct cairn_obj_info *info, cairn_err *err)
{
	struct cairn_obj_reader *r = NULL;
	if (reader_open(loc, name, ks, 0, NULL, &r, err) < 0)
		return -1;
	int rc = cairn_objr_finish(r, info, err);
	cairn_objr_close(r);
	return rc;
}
