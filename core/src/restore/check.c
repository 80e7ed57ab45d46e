/* check.c — one object against its manifest entry, in one pass. */
#include "restore/check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/records.h"
#include "pipeline/object.h"

void cairn_obj_name(const struct cairn_manifest *m, const struct cairn_manifest_obj *o, char *out,
		    size_t cap)
{
	snprintf(out, cap, "%s/%s", m->dir, o->path);
}

static int stat_one(struct cairn_store_loc *loc, const struct cairn_manifest *m,
		    const struct cairn_manifest_obj *o, cairn_err *err)
{
	char name[160];
	int exists = 0;
	uint64_t size = 0;
	cairn_obj_name(m, o, name, sizeof name);
	if (loc->ops->stat(loc->st, name, &exists, &size, err) < 0)
		return -1;
	if (!exists)
		return cairn_err_setc(err, CAIRN_E_NOTFOUND,
				      "object %s is missing: backup %llu of series %s cannot be "
				      "restored",
				      name, (unsigned long long)m->backup_num, m->backup_id);
	if (size != o->size)
		return cairn_err_setc(err, CAIRN_E_CORRUPT,
				      "object %s is %llu bytes but its manifest says %llu: it was "
				      "truncated or replaced",
				      name, (unsigned long long)size, (unsigned long long)o->size);
	return 0;
}

int cairn_chain_stat(struct cairn_store_loc *loc, const struct cairn_manifest *const *chain,
		     size_t n, cairn_err *err)
{
	for (size_t k = 0; k < n; k++)
		for (size_t i = 0; i < chain[k]->nobjs; i++)
			if (stat_one(loc, chain[k], &chain[k]->objs[i], err) < 0)
				return -1;
	return 0;
}

/* The stored bytes against the manifest: size, sha256, then the HMAC. */
static int compare(const char *name, const struct cairn_manifest *m,
		   const struct cairn_manifest_obj *o, const struct cairn_obj_info *info, int mac,
		   cairn_err *err)
{
	if (info->size != o->size)
		return cairn_err_setc(err, CAIRN_E_CORRUPT,
				      "object %s is %llu bytes but its manifest says %llu: it was "
				      "truncated or replaced",
				      name, (unsigned long long)info->size,
				      (unsigned long long)o->size);
	if (strcmp(info->sha256, o->sha256) != 0)
		return cairn_err_setc(err, CAIRN_E_CORRUPT,
				      "object %s does not match the sha256 in its manifest: it was "
				      "modified or damaged",
				      name);
	if (mac && m->encrypted && strcmp(info->hmac, o->hmac) != 0)
		return cairn_err_setc(
		    err, CAIRN_E_CORRUPT,
		    "object %s fails its MAC check: the object or its manifest was "
		    "altered",
		    name);
	return 0;
}

/* The uid an object names ("<0x2a>"), 0 for a literal. */
static uint64_t obj_uid(const struct cairn_version *v)
{
	char buf[24];
	if (v->obj_len < 5 || v->obj_len > 20 || memcmp(v->obj, "<0x", 3) != 0)
		return 0;
	memcpy(buf, v->obj + 3, v->obj_len - 4);
	buf[v->obj_len - 4] = 0;
	return strtoull(buf, NULL, 16);
}

/* What the manifest says of an object's contents, which it may not know
 * from the bytes alone: how many records, and that no uid in them is above
 * max_uid (a lower max_uid would make the restored cluster hand out
 * existing uids again). */
static int check_contents(const char *name, const struct cairn_manifest *m,
			  const struct cairn_manifest_obj *o, uint64_t count, uint64_t max_uid,
			  cairn_err *err)
{
	if (count != o->records)
		return cairn_err_setc(err, CAIRN_E_CORRUPT,
				      "object %s holds %llu records but its manifest says %llu: "
				      "the manifest was changed or belongs to other objects",
				      name, (unsigned long long)count,
				      (unsigned long long)o->records);
	if (max_uid > m->max_uid)
		return cairn_err_setc(err, CAIRN_E_CORRUPT,
				      "object %s holds uid 0x%llx but its manifest's max_uid is "
				      "%llu: the manifest was changed; restore it from a copy",
				      name, (unsigned long long)max_uid,
				      (unsigned long long)m->max_uid);
	return 0;
}

/* LMDB's default key order: memcmp, then the shorter first. */
static int key_cmp(const unsigned char *a, size_t al, const unsigned char *b, size_t bl)
{
	int c = memcmp(a, b, al < bl ? al : bl);
	return c ? c : (al > bl) - (al < bl);
}

/* Decodes every record of r, checking it belongs to m, into l (or nowhere). */
static int decode_records(struct cairn_obj_reader *r, const char *name,
			  const struct cairn_manifest *m, const struct cairn_manifest_obj *o,
			  struct cairn_db_loader *l, uint64_t to_ts, uint64_t *applied_uid,
			  cairn_err *err)
{
	struct cairn_rec_decoder *d = NULL;
	struct cairn_rec_header h;
	struct cairn_version v;
	uint64_t prev_ts = 0, count = 0, max_uid = 0;
	unsigned char key[2][CAIRN_DB_KEY_MAX];
	size_t klen[2] = {0, 0};
	int rc = -1, got, cur = 0;
	if (cairn_rec_decoder_open(r, name, &h, &d, err) < 0)
		goto out;
	if (h.group != o->group || h.read_ts != m->read_ts || h.since != m->since) {
		cairn_err_setc(err, CAIRN_E_CORRUPT,
			       "object %s says group %u since %llu read_ts %llu; its manifest "
			       "disagrees",
			       name, h.group, (unsigned long long)h.since,
			       (unsigned long long)h.read_ts);
		goto out;
	}
	while ((got = cairn_rec_next(d, &v, err)) == 1) {
		if (v.ts > m->read_ts || (!m->full && v.ts <= m->since)) {
			cairn_err_setc(err, CAIRN_E_CORRUPT,
				       "object %s holds a record at ts %llu outside (%llu, %llu]",
				       name, (unsigned long long)v.ts, (unsigned long long)m->since,
				       (unsigned long long)m->read_ts);
			goto out;
		}
		if (!m->full && v.ts < prev_ts) {
			cairn_err_setc(err, CAIRN_E_CORRUPT,
				       "object %s: records out of commit order", name);
			goto out;
		}
		prev_ts = v.ts;
		count++;
		uint64_t ou = obj_uid(&v);
		if (v.subj > max_uid)
			max_uid = v.subj;
		if (ou > max_uid)
			max_uid = ou;
		/* Past to_ts: read, counted and checked, not applied. */
		int apply = v.ts <= to_ts;
		if (apply && applied_uid && v.subj > *applied_uid)
			*applied_uid = v.subj;
		if (apply && applied_uid && ou > *applied_uid)
			*applied_uid = ou;
		/* Each key is hashed once: for the order check and for l. */
		int keyed = (m->full || l) && (v.op == CAIRN_OP_SET || v.op == CAIRN_OP_DEL);
		if (keyed)
			klen[cur] = cairn_db_version_key(&v, key[cur]);
		/* What a restore's append refuses, refused here for verify too. */
		if (keyed && m->full) {
			if (klen[!cur] &&
			    key_cmp(key[!cur], klen[!cur], key[cur], klen[cur]) >= 0) {
				cairn_err_setc(err, CAIRN_E_CORRUPT,
					       "object %s: records out of order in a full backup",
					       name);
				goto out;
			}
		}
		if (l && apply &&
		    (keyed ? cairn_db_load_put_key(l, &v, key[cur], klen[cur], err)
			   : cairn_db_load_put(l, &v, err)) < 0) {
			cairn_err_prefix(err, "object %s", name);
			goto out;
		}
		if (keyed)
			cur = !cur;
	}
	if (got < 0 || check_contents(name, m, o, count, max_uid, err) < 0)
		goto out;
	rc = 0;
out:
	cairn_rec_decoder_free(d);
	return rc;
}

int cairn_obj_check(struct cairn_store_loc *loc, const struct cairn_manifest *m,
		    const struct cairn_manifest_obj *o, const struct cairn_keyset *ks, int decode,
		    struct cairn_db_loader *l, cairn_err *err)
{
	return cairn_obj_apply_upto(loc, m, o, ks, decode, l, UINT64_MAX, NULL, err);
}

int cairn_obj_apply_upto(struct cairn_store_loc *loc, const struct cairn_manifest *m,
			 const struct cairn_manifest_obj *o, const struct cairn_keyset *ks,
			 int decode, struct cairn_db_loader *l, uint64_t to_ts,
			 uint64_t *applied_uid, cairn_err *err)
{
	char name[160];
	struct cairn_obj_info info;
	const struct cairn_keyset *oks = m->encrypted ? ks : NULL;
	cairn_obj_name(m, o, name, sizeof name);
	if (!decode) {
		if (cairn_obj_hash(loc, name, oks, &info, err) < 0)
			return -1;
		return compare(name, m, o, &info, 0, err);
	}
	struct cairn_obj_reader *r = NULL;
	cairn_err derr = {0};
	/* With a block index, the blocks are decoded in parallel. */
	struct cairn_block_index idx = {o->block_size, o->plain_size, o->blocks, o->nblocks,
					m->compression};
	if ((o->block_size ? cairn_objr_open_index(loc, name, oks, &idx, &r, err)
			   : cairn_objr_open(loc, name, oks, &r, err)) < 0)
		return -1;
	int drc = decode_records(r, name, m, o, l, to_ts, applied_uid, &derr);
	/* Whatever the decoder left, hashed to the end: a damaged object is
	 * then reported as damaged rather than as the garbage it decodes to. */
	int frc = cairn_objr_finish(r, &info, err);
	cairn_objr_close(r);
	if (frc < 0) {
		if (drc < 0)
			*err = derr;
		return -1;
	}
	if (compare(name, m, o, &info, 1, err) < 0)
		return -1;
	if (drc < 0) {
		*err = derr;
		return -1;
	}
	return 0;
}
