/* check.h — checking backup objects against their manifests, reading each
 * object once: the stored bytes are hashed as they stream in while the
 * decoder consumes the decoded records; size, sha256 and (keyed) HMAC are
 * compared at the end of the object. */
#ifndef CAIRN_RESTORE_CHECK_H
#define CAIRN_RESTORE_CHECK_H
#include "format/manifest.h"
#include "pipeline/keyset.h"
#include "plugin/location.h"
#include "store/db.h"

/* "<folder>/<path>" of o in m. */
void cairn_obj_name(const struct cairn_manifest *m, const struct cairn_manifest_obj *o, char *out,
		    size_t cap);
/* Every object of the chain present with its manifest's size (a stat each,
 * no reads): what restore checks before it writes anything. */
int cairn_chain_stat(struct cairn_store_loc *loc, const struct cairn_manifest *const *chain,
		     size_t n, cairn_err *err);
/* One object, one read. decode 0 (an encrypted object without its key):
 * size and sha256 only. decode 1: also the HMAC (keyed) and every record,
 * each put into l (NULL: checked only). A size or digest mismatch is
 * reported in preference to a decode error, being its cause. Whatever went
 * into l before a failure is the caller's to throw away. */
int cairn_obj_check(struct cairn_store_loc *loc, const struct cairn_manifest *m,
		    const struct cairn_manifest_obj *o, const struct cairn_keyset *ks, int decode,
		    struct cairn_db_loader *l, cairn_err *err);
/* The same, putting into l only the records committed at or before to_ts
 * (every record is still read, counted and checked); *applied_uid (may be
 * NULL) is raised to the highest uid, subject or object, of those put. */
int cairn_obj_apply_upto(struct cairn_store_loc *loc, const struct cairn_manifest *m,
			 const struct cairn_manifest_obj *o, const struct cairn_keyset *ks,
			 int decode, struct cairn_db_loader *l, uint64_t to_ts,
			 uint64_t *applied_uid, cairn_err *err);
#endif
