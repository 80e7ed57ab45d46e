/* db.h — the alpha's multi-version postings store on LMDB.
 *
 * The store holds a set of triples (predicate, subject uid, object) where the
 * object is its canonical N-Quad text ("<0x2>", "\"Alice\"@en"). Every change
 * is a version stamped with its commit timestamp; a read at T sees, per
 * triple, the newest version <= T, unless a drop of its predicate (or a
 * drop_all) committed after that version and at or before T.
 *
 * Tables (one LMDB environment in the postings directory; the layout of
 * an encrypted one, with predicate tags and sealed values, is in
 * docs/AT-REST.md):
 *   data  : plen(1) pred subj(8,BE) objhash(16) ~ts(8,BE) -> op(1) obj
 *           (~ts makes the newest version of a triple sort first)
 *   log   : ts(8,BE) plen pred subj objhash -> op(1) obj
 *           (changes by commit time: an incremental backup since S reads only
 *           what changed after S)
 *   drops : ts(8,BE) -> 'A' | 'P' pred
 *   meta  : "max_uid", "max_ts" -> u64 BE
 *   times : ts(8,BE) -> unix ms(8,BE): each commit's wall-clock time, written
 *           with the commit (none for commits made before it existed, nor in
 *           a restored store); backups record them for restore --to_time
 */
#ifndef CAIRN_DB_H
#define CAIRN_DB_H
#include <cairn/plugin.h>
#include <stddef.h>
#include <stdint.h>

#define CAIRN_MAX_PRED 255

enum cairn_op {
	CAIRN_OP_SET = 'S',
	CAIRN_OP_DEL = 'D',
	CAIRN_OP_DROP_ALL = 'A',
	CAIRN_OP_DROP_ATTR = 'P',
};

/* One versioned change or visible triple. For drops only op, ts and (for
 * DROP_ATTR) pred are set. Strings are not NUL-terminated. */
struct cairn_version {
	int op;
	uint64_t ts;
	const char *pred;
	size_t pred_len;
	uint64_t subj;
	const char *obj;
	size_t obj_len;
};

/* A requested change: obj NULL with op DEL means "every object" (<s> <p> *). */
struct cairn_edit {
	int op;
	const char *pred;
	uint64_t subj;
	const char *obj;
};

typedef int (*cairn_version_cb)(void *ctx, const struct cairn_version *v);

struct cairn_db;

/* Opens (creating if needed) the LMDB environment in dir. */
int cairn_db_open(const char *dir, struct cairn_db **out, cairn_err *err);
/* Encrypted at rest (docs/AT-REST.md): ar (store/atrest.h, the caller's,
 * kept until close) seals every value and tags predicate names and objects
 * in keys. A new or empty directory opened with a key is encrypted from
 * then on; an encrypted one opened without its key, or a plain one holding
 * data opened with a key, is refused. cairn_db_open is the plain case. */
struct cairn_atrest;
int cairn_db_open_keyed(const char *dir, struct cairn_atrest *ar, struct cairn_db **out,
			cairn_err *err);
int cairn_db_open_bulk_keyed(const char *dir, struct cairn_atrest *ar, struct cairn_db **out,
			     cairn_err *err);
/* The key a store was opened with: NULL when plain. */
struct cairn_atrest *cairn_db_atrest(const struct cairn_db *db);
/* Rewrites the store in dir from from (NULL: plain) to to (NULL: plain):
 * a new environment beside it, every table re-keyed and re-sealed, then
 * renamed over data.mdb; the small files (restore.json, tasks.json)
 * re-sealed. Refused while another process holds the directory. */
int cairn_db_convert(const char *dir, struct cairn_atrest *from, struct cairn_atrest *to,
		     cairn_err *err);
/* The same for a bulk load into a new directory that is thrown away if the
 * load fails: commits are not synced (a crash may leave the store damaged)
 * until cairn_db_sync, which makes everything committed durable. */
int cairn_db_open_bulk(const char *dir, struct cairn_db **out, cairn_err *err);
int cairn_db_sync(struct cairn_db *db, cairn_err *err);
void cairn_db_close(struct cairn_db *db);
uint64_t cairn_db_max_uid(struct cairn_db *db);
uint64_t cairn_db_max_ts(struct cairn_db *db);

/* Applies edits as one commit at commit_ts. max_uid: the highest uid this
 * mutation used (blank nodes included). */
int cairn_db_apply(struct cairn_db *db, uint64_t commit_ts, const struct cairn_edit *edits,
		   size_t n, uint64_t max_uid, cairn_err *err);
/* Records a drop at ts: pred NULL drops everything. */
int cairn_db_drop(struct cairn_db *db, uint64_t ts, const char *pred, cairn_err *err);

/* Every triple visible at read_ts, in key order (pred, subject, object hash);
 * op is SET and ts the version that made it visible. A callback returning
 * non-zero stops the scan and is returned. */
int cairn_db_scan(struct cairn_db *db, uint64_t read_ts, cairn_version_cb cb, void *ctx,
		  cairn_err *err);
/* Every version and drop with since < ts <= read_ts, in commit order. */
int cairn_db_changes(struct cairn_db *db, uint64_t since, uint64_t read_ts, cairn_version_cb cb,
		     void *ctx, cairn_err *err);
/* The wall-clock time (unix ms) of each commit ts[0..n) into ms: 0, or 1 if
 * one has none (committed before times were recorded, or restored). */
int cairn_db_commit_times(struct cairn_db *db, const uint64_t *ts, size_t n, uint64_t *ms,
			  cairn_err *err);
/* Each distinct predicate with any version stored (cb gets pred only). */
int cairn_db_predicates(struct cairn_db *db, cairn_version_cb cb, void *ctx, cairn_err *err);

/* The data-table key of a SET or DEL version (at most CAIRN_DB_KEY_MAX
 * bytes): a full backup's records must come in strictly ascending order of
 * it (memcmp, then length), which is what a restore's append needs. */
#define CAIRN_DB_KEY_MAX (1 + CAIRN_MAX_PRED + 8 + 16 + 8)
size_t cairn_db_version_key(const struct cairn_version *v, unsigned char *out);

/* Bulk load for restore: puts versions as they are (sets, deletes, drops),
 * committing every so many records or bytes, so memory stays bounded
 * whatever the values' sizes. append: the caller promises data keys in
 * strictly ascending order with one version each (a full backup).
 * The puts are written by a thread of the loader's own while the caller
 * decodes the next records: an error writing one may be returned by a
 * later put or by cairn_db_load_end (commit 1), which waits for every put
 * to be written. put_key takes the key cairn_db_version_key made of a SET
 * or DEL (not hashed again); put makes it. load_end with commit 0 throws
 * away what was not yet committed. */
struct cairn_db_loader;
int cairn_db_load_begin(struct cairn_db *db, int append, struct cairn_db_loader **out,
			cairn_err *err);
int cairn_db_load_put(struct cairn_db_loader *l, const struct cairn_version *v, cairn_err *err);
int cairn_db_load_put_key(struct cairn_db_loader *l, const struct cairn_version *v,
			  const unsigned char *key, size_t klen, cairn_err *err);
int cairn_db_load_end(struct cairn_db_loader *l, uint64_t max_uid, uint64_t max_ts, int commit,
		      cairn_err *err);

/* group_id file in a postings directory: 0 if absent. */
int cairn_group_id_read(const char *dir, uint32_t *group, cairn_err *err);
int cairn_group_id_write(const char *dir, uint32_t group, cairn_err *err);
/* member_id file: this postings directory's member id at its zero, so that
 * an alpha restarted (on any address) is the same member; 0 if absent. */
int cairn_member_id_read(const char *dir, uint64_t *id, cairn_err *err);
int cairn_member_id_write(const char *dir, uint64_t id, cairn_err *err);
#endif
