/* db.c — the multi-version store on LMDB (see db.h for the key layout).
 * LMDB gives one writer and any number of snapshot readers, so a backup's
 * read transaction sees a stable store while mutations go on. */
/* SHA256_Init and friends (object_hash). */
#define OPENSSL_SUPPRESS_DEPRECATED
#include "db.h"

#include "store/atrest.h"
#include "textutil.h"

#include <errno.h>
#include <fcntl.h>
#include <lmdb.h>
#include <openssl/sha.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#define HASH_LEN 16
#define KEY_MAX (1 + CAIRN_MAX_PRED + 8 + HASH_LEN + 8)
#define LOAD_BATCH 50000
/* A write transaction holds its dirty pages in memory until it commits:
 * a restore commits after this many value bytes, whatever the record count. */
#define LOAD_BATCH_BYTES ((size_t)32 << 20)

struct cairn_db {
	MDB_env *env;
	MDB_dbi data, log, drops, meta, times;
	int lock_fd; /* flock'd: one process per postings directory */
	/* Encrypted at rest (docs/AT-REST.md), the caller's: NULL for a plain
	 * store. Keys then hold a predicate's tag and a keyed object hash, and
	 * values (data, log, drops) are sealed. */
	struct cairn_atrest *ar;
	char *dir;
};

/* The meta entry an encrypted store records its key's fingerprint in. */
#define META_FP "at_rest_fp"
/* A value that fails its check: not an LMDB code (those are -30799..). */
#define DB_DAMAGED (-30500)
/* An encrypted store's triple key: 16 tag(16) subj(8) objtag(16). */
#define ENC_TL (1 + CAIRN_TAG_LEN + 8 + CAIRN_TAG_LEN)

/* LMDB's own lock file lets processes share a store; cairn's writer
 * assumes it is alone (its timestamps, its uid leases), so a second
 * process on one directory is refused. */
#define LOCK_FILE "cairn.lock"

static int lock_dir(const char *dir, int *fd, cairn_err *err)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/" LOCK_FILE, dir);
	*fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (*fd < 0)
		return cairn_err_set(err, "cannot open %s: %s", path, strerror(errno));
	if (flock(*fd, LOCK_EX | LOCK_NB) == 0)
		return 0;
	int e = errno;
	close(*fd);
	*fd = -1;
	if (e == EWOULDBLOCK)
		return cairn_err_set(err,
				     "postings directory %s is in use: another process holds its "
				     "lock (%s); stop that alpha, or give this one another "
				     "--postings directory",
				     dir, path);
	return cairn_err_set(err, "cannot lock %s: %s", path, strerror(e));
}

static int lmdb_err(cairn_err *err, int rc, const char *what)
{
	if (rc == MDB_MAP_FULL)
		return cairn_err_set(err,
				     "%s: the postings store is full (its LMDB map size); nothing "
				     "of this write was applied",
				     what);
	if (rc == ENOSPC || rc == EDQUOT)
		return cairn_err_set(err,
				     "%s: the postings directory's disk is full (%s); nothing of "
				     "this write was applied: free space there and send it again",
				     what, strerror(rc));
	return cairn_err_set(err, "%s: %s", what, mdb_strerror(rc));
}

/* lmdb_err, and a value that failed its check named as such. */
static int db_err(const struct cairn_db *db, cairn_err *err, int rc, const char *what)
{
	if (rc == DB_DAMAGED)
		return cairn_err_setc(err, CAIRN_E_CORRUPT,
				      "%s: postings directory %s is damaged or was written with "
				      "another key (a stored value failed its check)",
				      what, db->dir);
	return lmdb_err(err, rc, what);
}

/* LMDB reports a write that ran out of disk part way as EIO: the disk is
 * taken for full when under a MiB is left on it. */
static int disk_rc(const struct cairn_db *db, int rc)
{
	struct statvfs sv;
	if (rc == EIO && db->lock_fd >= 0 && fstatvfs(db->lock_fd, &sv) == 0 &&
	    (uint64_t)sv.f_bavail * sv.f_frsize < (1u << 20))
		return ENOSPC;
	return rc;
}

/* An object's hash through OpenSSL's low-level SHA-256, deprecated in
 * OpenSSL 3 in favour of EVP: EVP's one-shot looks the algorithm up on
 * every call, and even a reused EVP context allocates and frees its state
 * on every init, which costs more than hashing a short object. Every
 * mutation hashes each of its objects, and a restore each record. */
static void object_hash(const char *obj, size_t olen, unsigned char h[SHA256_DIGEST_LENGTH])
{
	SHA256_CTX c;
	SHA256_Init(&c);
	SHA256_Update(&c, obj, olen);
	SHA256_Final(h, &c);
}

/* Key without the version: plen pred subj hash. Returns its length. */
static size_t triple_key(unsigned char *k, const char *pred, size_t plen, uint64_t subj,
			 const char *obj, size_t olen)
{
	unsigned char h[SHA256_DIGEST_LENGTH];
	k[0] = (unsigned char)plen;
	memcpy(k + 1, pred, plen);
	cairn_put_be64(k + 1 + plen, subj);
	object_hash(obj, olen, h);
	memcpy(k + 1 + plen + 8, h, HASH_LEN);
	return 1 + plen + 8 + HASH_LEN;
}

static int meta_get(MDB_txn *txn, MDB_dbi dbi, const char *name, uint64_t *v)
{
	MDB_val k = {strlen(name), (void *)name}, d;
	*v = 0;
	int rc = mdb_get(txn, dbi, &k, &d);
	if (rc == 0 && d.mv_size == 8)
		*v = cairn_get_be64(d.mv_data);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/* The commit's wall-clock time beside its ts (times table), in the
 * commit's own transaction. */
static int put_commit_time(struct cairn_db *db, MDB_txn *txn, uint64_t ts)
{
	struct timespec now;
	unsigned char k8[8], v8[8];
	clock_gettime(CLOCK_REALTIME, &now);
	cairn_put_be64(k8, ts);
	cairn_put_be64(v8, (uint64_t)now.tv_sec * 1000 + (uint64_t)now.tv_nsec / 1000000);
	MDB_val k = {8, k8}, d = {8, v8};
	return mdb_put(txn, db->times, &k, &d, 0);
}

int cairn_db_commit_times(struct cairn_db *db, const uint64_t *ts, size_t n, uint64_t *ms,
			  cairn_err *err)
{
	MDB_txn *txn;
	int rc = mdb_txn_begin(db->env, NULL, MDB_RDONLY, &txn), missing = 0;
	if (rc)
		return lmdb_err(err, rc, "cannot start a read");
	for (size_t i = 0; i < n && !missing; i++) {
		unsigned char k8[8];
		cairn_put_be64(k8, ts[i]);
		MDB_val k = {8, k8}, d;
		rc = mdb_get(txn, db->times, &k, &d);
		if (rc == MDB_NOTFOUND || (rc == 0 && d.mv_size != 8))
			missing = 1;
		else if (rc) {
			mdb_txn_abort(txn);
			return lmdb_err(err, rc, "cannot read commit times");
		} else
			ms[i] = cairn_get_be64(d.mv_data);
	}
	mdb_txn_abort(txn);
	return missing;
}

static int meta_raise(MDB_txn *txn, MDB_dbi dbi, const char *name, uint64_t v)
{
	uint64_t cur;
	int rc = meta_get(txn, dbi, name, &cur);
	if (rc || v <= cur)
		return rc;
	unsigned char b[8];
	cairn_put_be64(b, v);
	MDB_val k = {strlen(name), (void *)name}, d = {8, b};
	return mdb_put(txn, dbi, &k, &d, 0);
}

/* Whether the store holds anything: a plain store with data is not
 * encrypted by starting it with a key. */
static int store_empty(struct cairn_db *db, MDB_txn *txn)
{
	MDB_dbi t[] = {db->data, db->log, db->drops, db->meta, db->times};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		MDB_stat st;
		if (mdb_stat(txn, t[i], &st) != 0 || st.ms_entries)
			return 0;
	}
	return 1;
}

/* The store's at-rest state against the key it is opened with: an
 * encrypted store records its key's fingerprint (meta), a new one opened
 * with a key starts encrypted. */
static int check_at_rest(struct cairn_db *db, MDB_txn *txn, cairn_err *err)
{
	MDB_val k = {strlen(META_FP), (void *)META_FP}, d;
	char have[2 * CAIRN_FP_LEN + 1], want[2 * CAIRN_FP_LEN + 1];
	int rc = mdb_get(txn, db->meta, &k, &d);
	if (rc && rc != MDB_NOTFOUND)
		return lmdb_err(err, rc, "cannot read the postings' metadata");
	if (rc == 0 && d.mv_size != CAIRN_FP_LEN)
		return cairn_err_setc(err, CAIRN_E_CORRUPT,
				      "postings directory %s has a damaged at-rest key "
				      "fingerprint; restore it from a backup",
				      db->dir);
	if (rc == 0)
		cairn_atrest_fp_hex(d.mv_data, have);
	if (db->ar)
		cairn_atrest_fp_hex(cairn_atrest_fp(db->ar), want);
	if (rc == 0 && !db->ar)
		return cairn_err_set(err,
				     "postings directory %s is encrypted at rest (key fingerprint "
				     "%s); start with its key (--encryption_key_file or the "
				     "--vault_* flags)",
				     db->dir, have);
	if (rc == 0 && memcmp(d.mv_data, cairn_atrest_fp(db->ar), CAIRN_FP_LEN))
		return cairn_err_set(
		    err,
		    "postings directory %s was encrypted at rest with another key "
		    "(fingerprint %s, this key's is %s); start with the key it was "
		    "written with, or re-encrypt it (cairn postings rekey)",
		    db->dir, have, want);
	if (rc == 0 || !db->ar)
		return 0;
	if (!store_empty(db, txn))
		return cairn_err_set(
		    err,
		    "postings directory %s is not encrypted at rest, and a key was "
		    "given; start without a key (or with --at_rest=false), or encrypt it first "
		    "(cairn "
		    "postings encrypt -p %s with the key flags)",
		    db->dir, db->dir);
	MDB_val v = {CAIRN_FP_LEN, (void *)cairn_atrest_fp(db->ar)};
	if ((rc = mdb_put(txn, db->meta, &k, &v, 0)) != 0)
		return lmdb_err(err, rc, "cannot record the at-rest key fingerprint");
	return 0;
}

static void convert_recover(const char *dir);

static int db_open(const char *dir, struct cairn_atrest *ar, unsigned env_flags,
		   struct cairn_db **out, cairn_err *err)
{
	struct cairn_db *db = calloc(1, sizeof *db);
	MDB_txn *txn = NULL;
	int rc;
	if (!db || !(db->dir = strdup(dir))) {
		free(db);
		return cairn_err_set(err, "out of memory");
	}
	db->ar = ar;
	db->lock_fd = -1;
	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		cairn_err_set(err, "cannot create postings directory %s: %s", dir, strerror(errno));
		goto fail;
	}
	if (lock_dir(dir, &db->lock_fd, err) < 0)
		goto fail;
	convert_recover(dir);
	if ((rc = mdb_env_create(&db->env)) != 0) {
		lmdb_err(err, rc, "cannot create LMDB environment");
		goto fail;
	}
	mdb_env_set_maxdbs(db->env, 8);
	mdb_env_set_maxreaders(db->env, 512);
	mdb_env_set_mapsize(db->env, (size_t)64 << 30);
	if ((rc = mdb_env_open(db->env, dir, MDB_NOTLS | env_flags, 0644)) != 0) {
		cairn_err_set(err, "cannot open postings directory %s: %s", dir, mdb_strerror(rc));
		goto fail;
	}
	if ((rc = mdb_txn_begin(db->env, NULL, 0, &txn)) != 0 ||
	    (rc = mdb_dbi_open(txn, "data", MDB_CREATE, &db->data)) != 0 ||
	    (rc = mdb_dbi_open(txn, "log", MDB_CREATE, &db->log)) != 0 ||
	    (rc = mdb_dbi_open(txn, "drops", MDB_CREATE, &db->drops)) != 0 ||
	    (rc = mdb_dbi_open(txn, "meta", MDB_CREATE, &db->meta)) != 0 ||
	    (rc = mdb_dbi_open(txn, "times", MDB_CREATE, &db->times)) != 0) {
		if (txn)
			mdb_txn_abort(txn);
		lmdb_err(err, rc, "cannot open postings tables");
		goto fail;
	}
	if (check_at_rest(db, txn, err) < 0) {
		mdb_txn_abort(txn);
		goto fail;
	}
	if ((rc = mdb_txn_commit(txn)) != 0) {
		lmdb_err(err, rc, "cannot open postings tables");
		goto fail;
	}
	*out = db;
	return 0;
fail:
	if (db->env)
		mdb_env_close(db->env);
	if (db->lock_fd >= 0)
		close(db->lock_fd);
	free(db->dir);
	free(db);
	return -1;
}

int cairn_db_open(const char *dir, struct cairn_db **out, cairn_err *err)
{
	return db_open(dir, NULL, 0, out, err);
}

int cairn_db_open_keyed(const char *dir, struct cairn_atrest *ar, struct cairn_db **out,
			cairn_err *err)
{
	return db_open(dir, ar, 0, out, err);
}

int cairn_db_open_bulk_keyed(const char *dir, struct cairn_atrest *ar, struct cairn_db **out,
			     cairn_err *err)
{
	return db_open(dir, ar, MDB_NOSYNC, out, err);
}

struct cairn_atrest *cairn_db_atrest(const struct cairn_db *db) { return db->ar; }

/* A restore's store is thrown away if the restore fails, so its commits
 * need not reach the disk one by one: one sync at the end (cairn_db_sync)
 * makes it all durable. */
int cairn_db_open_bulk(const char *dir, struct cairn_db **out, cairn_err *err)
{
	return db_open(dir, NULL, MDB_NOSYNC, out, err);
}

int cairn_db_sync(struct cairn_db *db, cairn_err *err)
{
	int rc = mdb_env_sync(db->env, 1);
	return rc ? lmdb_err(err, disk_rc(db, rc), "cannot write restored postings to disk") : 0;
}

void cairn_db_close(struct cairn_db *db)
{
	if (!db)
		return;
	mdb_env_close(db->env);
	if (db->lock_fd >= 0)
		close(db->lock_fd);
	free(db->dir);
	free(db);
}

static uint64_t meta_read(struct cairn_db *db, const char *name)
{
	MDB_txn *txn;
	uint64_t v = 0;
	if (mdb_txn_begin(db->env, NULL, MDB_RDONLY, &txn) == 0) {
		meta_get(txn, db->meta, name, &v);
		mdb_txn_abort(txn);
	}
	return v;
}

uint64_t cairn_db_max_uid(struct cairn_db *db) { return meta_read(db, "max_uid"); }
uint64_t cairn_db_max_ts(struct cairn_db *db) { return meta_read(db, "max_ts"); }

/* An encrypted store's triple key: the predicate's tag in place of its
 * name (with its length byte, 16, so every key has the plain layout), the
 * keyed object hash in place of SHA-256. */
static size_t triple_key_db(const struct cairn_db *db, unsigned char *k, const char *pred,
			    size_t plen, uint64_t subj, const char *obj, size_t olen)
{
	if (!db->ar)
		return triple_key(k, pred, plen, subj, obj, olen);
	k[0] = CAIRN_TAG_LEN;
	cairn_atrest_pred_tag(db->ar, pred, plen, k + 1);
	cairn_put_be64(k + 1 + CAIRN_TAG_LEN, subj);
	cairn_atrest_obj_tag(db->ar, k + 1, obj, olen, k + 1 + CAIRN_TAG_LEN + 8);
	return ENC_TL;
}

/* A growable buffer for opened values. */
struct vbuf {
	unsigned char *p;
	size_t cap;
};

static int vbuf_need(struct vbuf *b, size_t n)
{
	if (n <= b->cap)
		return 0;
	size_t cap = n < 256 ? 256 : n + n / 2;
	unsigned char *np = realloc(b->p, cap);
	if (!np)
		return ENOMEM;
	b->p = np;
	b->cap = cap;
	return 0;
}

/* The associated data of a sealed value, so that a value moved to another
 * key or table fails its check: a drop's, 'x' ts; a version's, 'v' ts
 * triple-key, which its data key (triple-key ~ts) and its log key (ts
 * triple-key) both give: the version is sealed once for both tables. */
static size_t value_aad(unsigned char *aad, int table, const MDB_val *k)
{
	const unsigned char *kp = k->mv_data;
	aad[0] = table == 'x' ? 'x' : 'v';
	if (table != 'd' || k->mv_size < 8) {
		memcpy(aad + 1, kp, k->mv_size);
		return 1 + k->mv_size;
	}
	cairn_put_be64(aad + 1, ~cairn_get_be64(kp + k->mv_size - 8));
	memcpy(aad + 9, kp, k->mv_size - 8);
	return 1 + k->mv_size;
}

/* A data ('d') or log ('l') value as stored: plain, op(1) obj; sealed,
 * op(1) plen(1) pred obj (the name the key's tag stands for). */
#define SEAL_HEAD_MAX (2 + CAIRN_MAX_PRED)

static int seal_value(struct cairn_sealer *s, int table, const MDB_val *k, int op, const char *pred,
		      size_t plen, const char *obj, size_t olen, unsigned char *out)
{
	unsigned char aad[1 + KEY_MAX + 8], head[SEAL_HEAD_MAX];
	head[0] = (unsigned char)op;
	head[1] = (unsigned char)plen;
	memcpy(head + 2, pred, plen);
	return cairn_seal(s, aad, value_aad(aad, table, k), head, 2 + plen, obj, olen, out) < 0
		   ? ENOMEM
		   : 0;
}

struct dec {
	int op;
	const char *pred;
	size_t plen;
	const char *obj;
	size_t olen;
};

/* Opens a data or log value; pred_at: where the key's plen byte is. In an
 * encrypted store the plaintext goes to b. 0, ENOMEM or DB_DAMAGED. */
static int value_open(struct cairn_sealer *s, int table, const MDB_val *k, const MDB_val *d,
		      size_t pred_at, struct vbuf *b, struct dec *o)
{
	const unsigned char *kp = k->mv_data;
	if (!s) {
		const char *val = d->mv_data;
		if (d->mv_size < 1)
			return DB_DAMAGED;
		o->op = val[0];
		o->plen = kp[pred_at];
		o->pred = (const char *)kp + pred_at + 1;
		o->obj = val + 1;
		o->olen = d->mv_size - 1;
		return 0;
	}
	unsigned char aad[1 + KEY_MAX + 8];
	if (d->mv_size < CAIRN_SEAL_OVER + 2 || k->mv_size > KEY_MAX + 8)
		return DB_DAMAGED;
	size_t n = d->mv_size - CAIRN_SEAL_OVER;
	if (vbuf_need(b, n))
		return ENOMEM;
	if (cairn_unseal(s, aad, value_aad(aad, table, k), d->mv_data, d->mv_size, b->p) < 0 ||
	    (size_t)2 + b->p[1] > n)
		return DB_DAMAGED;
	o->op = b->p[0];
	o->plen = b->p[1];
	o->pred = (const char *)b->p + 2;
	o->obj = (const char *)b->p + 2 + o->plen;
	o->olen = n - 2 - o->plen;
	return 0;
}

/* Writes one version into data and log. In an encrypted store it is
 * sealed once (value_aad is the same for both tables) and copied. */
static int put_version(struct cairn_db *db, MDB_txn *txn, struct cairn_sealer *s,
		       const unsigned char *tk, size_t tklen, uint64_t ts, int op, const char *pred,
		       size_t plen, const char *obj, size_t olen, int with_log, unsigned data_flags)
{
	unsigned char key[KEY_MAX + 8], small[512], *sealed = NULL;
	size_t vlen = s ? 2 + plen + olen + CAIRN_SEAL_OVER : olen + 1;
	int rc;
	memcpy(key, tk, tklen);
	cairn_put_be64(key + tklen, ~ts);
	MDB_val k = {tklen + 8, key}, d = {vlen, NULL};
	if (s) {
		sealed = vlen <= sizeof small ? small : malloc(vlen);
		if (!sealed)
			return ENOMEM;
		if ((rc = seal_value(s, 'd', &k, op, pred, plen, obj, olen, sealed)) != 0)
			goto out;
	}
	/* The value is written in place (MDB_RESERVE): no copy of a large
	 * value on the heap beside the page LMDB holds for it. */
	if ((rc = mdb_put(txn, db->data, &k, &d, data_flags | MDB_RESERVE)) != 0)
		goto out;
	if (s) {
		memcpy(d.mv_data, sealed, vlen);
	} else {
		((unsigned char *)d.mv_data)[0] = (unsigned char)op;
		memcpy((unsigned char *)d.mv_data + 1, obj, olen);
	}
	if (with_log) {
		cairn_put_be64(key, ts);
		memcpy(key + 8, tk, tklen);
		MDB_val lk = {tklen + 8, key}, ld = {vlen, NULL};
		if ((rc = mdb_put(txn, db->log, &lk, &ld, MDB_RESERVE)) != 0)
			goto out;
		if (s) {
			memcpy(ld.mv_data, sealed, vlen);
		} else {
			((unsigned char *)ld.mv_data)[0] = (unsigned char)op;
			memcpy((unsigned char *)ld.mv_data + 1, obj, olen);
		}
	}
out:
	if (sealed != small)
		free(sealed);
	return rc;
}

struct drop_rec {
	uint64_t ts;
	char *pred; /* NULL: drop_all */
	size_t plen;
};

struct drop_list {
	struct drop_rec *v;
	size_t n;
};

static void drops_free(struct drop_list *dl)
{
	for (size_t i = 0; i < dl->n; i++)
		free(dl->v[i].pred);
	free(dl->v);
	dl->v = NULL;
	dl->n = 0;
}

/* Drops with ts <= upto, as seen by txn. */
static int drops_load(struct cairn_db *db, MDB_txn *txn, uint64_t upto, struct drop_list *dl)
{
	MDB_cursor *c;
	MDB_val k, d;
	struct cairn_sealer *s = NULL;
	struct vbuf b = {0};
	int rc = mdb_cursor_open(txn, db->drops, &c);
	if (rc)
		return rc;
	if (db->ar && !(s = cairn_sealer_new(db->ar))) {
		mdb_cursor_close(c);
		return ENOMEM;
	}
	for (rc = mdb_cursor_get(c, &k, &d, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(c, &k, &d, MDB_NEXT)) {
		uint64_t ts = cairn_get_be64(k.mv_data);
		if (ts > upto)
			break;
		if (s) {
			unsigned char aad[1 + 8];
			if (k.mv_size != 8 || d.mv_size < CAIRN_SEAL_OVER + 1) {
				rc = DB_DAMAGED;
				break;
			}
			if ((rc = vbuf_need(&b, d.mv_size)) != 0)
				break;
			if (cairn_unseal(s, aad, value_aad(aad, 'x', &k), d.mv_data, d.mv_size,
					 b.p) < 0) {
				rc = DB_DAMAGED;
				break;
			}
			d.mv_data = b.p;
			d.mv_size -= CAIRN_SEAL_OVER;
		}
		struct drop_rec *nv = realloc(dl->v, (dl->n + 1) * sizeof *nv);
		if (!nv) {
			rc = ENOMEM;
			break;
		}
		dl->v = nv;
		const char *p = d.mv_data;
		struct drop_rec *r = &dl->v[dl->n++];
		r->ts = ts;
		r->pred = NULL;
		r->plen = 0;
		if (d.mv_size > 1 && p[0] == 'P') {
			r->plen = d.mv_size - 1;
			r->pred = malloc(r->plen);
			if (r->pred)
				memcpy(r->pred, p + 1, r->plen);
		}
	}
	mdb_cursor_close(c);
	cairn_sealer_free(s);
	free(b.p);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/* Is a version at ts of pred hidden by a drop in (ts, upto]? */
static int dropped_after(const struct drop_list *dl, const char *pred, size_t plen, uint64_t ts)
{
	for (size_t i = 0; i < dl->n; i++) {
		const struct drop_rec *r = &dl->v[i];
		if (r->ts > ts && (!r->pred || (r->plen == plen && !memcmp(r->pred, pred, plen))))
			return 1;
	}
	return 0;
}

/* Deletes, at ts, every object of pred on subj visible in txn. */
static int delete_star(struct cairn_db *db, MDB_txn *txn, struct cairn_sealer *s, const char *pred,
		       size_t plen, uint64_t subj, uint64_t ts, const struct drop_list *dl)
{
	unsigned char prefix[1 + CAIRN_MAX_PRED + 8];
	size_t kplen = db->ar ? CAIRN_TAG_LEN : plen, pl = 1 + kplen + 8;
	struct vbuf b = {0};
	struct dec dv;
	prefix[0] = (unsigned char)kplen;
	if (db->ar)
		cairn_atrest_pred_tag(db->ar, pred, plen, prefix + 1);
	else
		memcpy(prefix + 1, pred, plen);
	cairn_put_be64(prefix + 1 + kplen, subj);
	MDB_cursor *c;
	MDB_val k = {pl, prefix}, d;
	/* Collect first: writing while iterating the same table is fiddly. */
	unsigned char(*keys)[KEY_MAX] = NULL;
	char **objs = NULL;
	size_t *olens = NULL, n = 0;
	int rc = mdb_cursor_open(txn, db->data, &c);
	if (rc)
		return rc;
	unsigned char last[KEY_MAX];
	size_t lastlen = 0;
	for (rc = mdb_cursor_get(c, &k, &d, MDB_SET_RANGE); rc == 0;
	     rc = mdb_cursor_get(c, &k, &d, MDB_NEXT)) {
		if (k.mv_size < pl + HASH_LEN + 8 || memcmp(k.mv_data, prefix, pl) != 0)
			break;
		size_t tl = k.mv_size - 8;
		if (lastlen == tl && !memcmp(last, k.mv_data, tl))
			continue; /* an older version of a triple already decided */
		memcpy(last, k.mv_data, tl);
		lastlen = tl;
		uint64_t vts = ~cairn_get_be64((const unsigned char *)k.mv_data + tl);
		if ((rc = value_open(s, 'd', &k, &d, 0, &b, &dv)) != 0)
			goto out;
		if (dv.op != CAIRN_OP_SET || dropped_after(dl, pred, plen, vts))
			continue;
		void *nk = realloc(keys, (n + 1) * sizeof *keys);
		void *no = realloc(objs, (n + 1) * sizeof *objs);
		void *nl = realloc(olens, (n + 1) * sizeof *olens);
		if (nk)
			keys = nk;
		if (no)
			objs = no;
		if (nl)
			olens = nl;
		if (!nk || !no || !nl) {
			rc = ENOMEM;
			goto out;
		}
		memcpy(keys[n], k.mv_data, tl);
		olens[n] = dv.olen;
		objs[n] = malloc(olens[n] + 1);
		if (!objs[n]) {
			rc = ENOMEM;
			goto out;
		}
		memcpy(objs[n], dv.obj, olens[n]);
		n++;
	}
	rc = rc == MDB_NOTFOUND ? 0 : rc;
	mdb_cursor_close(c);
	c = NULL;
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = put_version(db, txn, s, keys[i], pl + HASH_LEN, ts, CAIRN_OP_DEL, pred, plen,
				 objs[i], olens[i], 1, 0);
out:
	if (c)
		mdb_cursor_close(c);
	free(b.p);
	for (size_t i = 0; i < n; i++)
		free(objs[i]);
	free(keys);
	free(objs);
	free(olens);
	return rc;
}

int cairn_db_apply(struct cairn_db *db, uint64_t commit_ts, const struct cairn_edit *edits,
		   size_t n, uint64_t max_uid, cairn_err *err)
{
	MDB_txn *txn;
	struct drop_list dl = {0};
	struct cairn_sealer *s = NULL;
	if (db->ar && !(s = cairn_sealer_new(db->ar)))
		return cairn_err_set(err, "out of memory");
	int rc = mdb_txn_begin(db->env, NULL, 0, &txn);
	if (rc) {
		cairn_sealer_free(s);
		return lmdb_err(err, rc, "cannot start a write");
	}
	if ((rc = drops_load(db, txn, UINT64_MAX, &dl)) != 0)
		goto fail;
	for (size_t i = 0; i < n; i++) {
		const struct cairn_edit *e = &edits[i];
		size_t plen = strlen(e->pred);
		if (plen == 0 || plen > CAIRN_MAX_PRED) {
			drops_free(&dl);
			mdb_txn_abort(txn);
			cairn_sealer_free(s);
			return cairn_err_set(err, "predicate \"%.40s\" must be 1 to %d bytes",
					     e->pred, CAIRN_MAX_PRED);
		}
		if (e->op == CAIRN_OP_DEL && !e->obj) {
			rc = delete_star(db, txn, s, e->pred, plen, e->subj, commit_ts, &dl);
		} else {
			unsigned char tk[KEY_MAX];
			size_t olen = strlen(e->obj);
			size_t tl = triple_key_db(db, tk, e->pred, plen, e->subj, e->obj, olen);
			rc = put_version(db, txn, s, tk, tl, commit_ts, e->op, e->pred, plen,
					 e->obj, olen, 1, 0);
		}
		if (rc)
			goto fail;
	}
	if ((rc = meta_raise(txn, db->meta, "max_uid", max_uid)) != 0 ||
	    (rc = meta_raise(txn, db->meta, "max_ts", commit_ts)) != 0 ||
	    (rc = put_commit_time(db, txn, commit_ts)) != 0)
		goto fail;
	drops_free(&dl);
	cairn_sealer_free(s);
	if ((rc = mdb_txn_commit(txn)) != 0)
		return lmdb_err(err, disk_rc(db, rc), "cannot commit mutation");
	return 0;
fail:
	drops_free(&dl);
	cairn_sealer_free(s);
	mdb_txn_abort(txn);
	return db_err(db, err, disk_rc(db, rc), "cannot apply mutation");
}

static int put_drop(struct cairn_db *db, MDB_txn *txn, uint64_t ts, const char *pred, size_t plen)
{
	unsigned char k8[8];
	char *v = malloc(plen + 1);
	if (!v)
		return ENOMEM;
	cairn_put_be64(k8, ts);
	v[0] = pred ? 'P' : 'A';
	if (pred)
		memcpy(v + 1, pred, plen);
	MDB_val k = {8, k8}, d = {pred ? plen + 1 : 1, v};
	int rc;
	if (db->ar) {
		struct cairn_sealer *s = cairn_sealer_new(db->ar);
		unsigned char aad[1 + 8];
		MDB_val sd = {d.mv_size + CAIRN_SEAL_OVER, NULL};
		if (!s)
			rc = ENOMEM;
		else if ((rc = mdb_put(txn, db->drops, &k, &sd, MDB_RESERVE)) == 0 &&
			 cairn_seal(s, aad, value_aad(aad, 'x', &k), NULL, 0, v, d.mv_size,
				    sd.mv_data) < 0)
			rc = ENOMEM;
		cairn_sealer_free(s);
	} else {
		rc = mdb_put(txn, db->drops, &k, &d, 0);
	}
	free(v);
	return rc;
}

int cairn_db_drop(struct cairn_db *db, uint64_t ts, const char *pred, cairn_err *err)
{
	MDB_txn *txn;
	if (pred && (!*pred || strlen(pred) > CAIRN_MAX_PRED))
		return cairn_err_set(err, "predicate name must be 1 to %d bytes", CAIRN_MAX_PRED);
	int rc = mdb_txn_begin(db->env, NULL, 0, &txn);
	if (rc)
		return lmdb_err(err, rc, "cannot start a write");
	if ((rc = put_drop(db, txn, ts, pred, pred ? strlen(pred) : 0)) != 0 ||
	    (rc = meta_raise(txn, db->meta, "max_ts", ts)) != 0 ||
	    (rc = put_commit_time(db, txn, ts)) != 0) {
		mdb_txn_abort(txn);
		return lmdb_err(err, rc, "cannot record drop");
	}
	if ((rc = mdb_txn_commit(txn)) != 0)
		return lmdb_err(err, disk_rc(db, rc), "cannot commit drop");
	return 0;
}

/* A scan reads the store through LMDB's map, and every page it touches
 * stays mapped in this process: resident memory that grows with the store
 * (page cache, but counted as the process's). Every so many bytes read, a
 * scan unmaps the span of the map it passed (a read transaction's keys and
 * values point into the map); the pages stay cached, and a later read maps
 * them again. The map is read-only (no MDB_WRITEMAP), so nothing is lost.
 * Each fault maps its neighbours too (log pages among the data's), so a MiB
 * of records can hold tens of MiB mapped: the span is released that often. */
#define SCAN_RELEASE_BYTES ((size_t)1 << 20)

struct scan_span {
	uintptr_t lo, hi;
	size_t bytes;
};

static void span_release(struct scan_span *sp)
{
	long page = sysconf(_SC_PAGESIZE);
	uintptr_t lo = sp->lo & ~(uintptr_t)(page - 1);
	if (sp->hi > lo)
		madvise((void *)lo, sp->hi - lo, MADV_DONTNEED);
	memset(sp, 0, sizeof *sp);
}

static void span_add(struct scan_span *sp, const MDB_val *v)
{
	uintptr_t p = (uintptr_t)v->mv_data;
	if (!sp->lo || p < sp->lo)
		sp->lo = p;
	if (p + v->mv_size > sp->hi)
		sp->hi = p + v->mv_size;
	if ((sp->bytes += v->mv_size) >= SCAN_RELEASE_BYTES)
		span_release(sp);
}

/* An encrypted store's predicates: each tag's name (from its first value),
 * sorted as a plain store's keys sort them (length, then bytes). */
struct enc_pred {
	unsigned char tag[CAIRN_TAG_LEN];
	size_t plen;
	char name[CAIRN_MAX_PRED];
};

static int enc_pred_cmp(const void *a, const void *b)
{
	const struct enc_pred *x = a, *y = b;
	if (x->plen != y->plen)
		return x->plen < y->plen ? -1 : 1;
	return memcmp(x->name, y->name, x->plen);
}

static int enc_preds(struct cairn_db *db, MDB_txn *txn, struct cairn_sealer *s,
		     struct enc_pred **out, size_t *n)
{
	MDB_cursor *c = NULL;
	MDB_val k, d;
	struct vbuf b = {0};
	struct dec dv;
	unsigned char seek[ENC_TL + 8];
	*out = NULL;
	*n = 0;
	int rc = mdb_cursor_open(txn, db->data, &c);
	if (rc)
		return rc;
	for (rc = mdb_cursor_get(c, &k, &d, MDB_FIRST); rc == 0;) {
		const unsigned char *kp = k.mv_data;
		if (k.mv_size != ENC_TL + 8 || kp[0] != CAIRN_TAG_LEN) {
			rc = DB_DAMAGED;
			break;
		}
		if ((rc = value_open(s, 'd', &k, &d, 0, &b, &dv)) != 0)
			break;
		struct enc_pred *np = realloc(*out, (*n + 1) * sizeof *np);
		if (!np) {
			rc = ENOMEM;
			break;
		}
		*out = np;
		memcpy(np[*n].tag, kp + 1, CAIRN_TAG_LEN);
		np[*n].plen = dv.plen;
		memcpy(np[*n].name, dv.pred, dv.plen);
		(*n)++;
		/* Jump past every key of this tag. */
		memcpy(seek, kp, 1 + CAIRN_TAG_LEN);
		memset(seek + 1 + CAIRN_TAG_LEN, 0xff, sizeof seek - 1 - CAIRN_TAG_LEN);
		k.mv_size = sizeof seek;
		k.mv_data = seek;
		rc = mdb_cursor_get(c, &k, &d, MDB_SET_RANGE);
		if (rc == 0 && k.mv_size == sizeof seek && !memcmp(k.mv_data, seek, sizeof seek))
			rc = mdb_cursor_get(c, &k, &d, MDB_NEXT);
	}
	mdb_cursor_close(c);
	free(b.p);
	if (rc == MDB_NOTFOUND)
		rc = 0;
	if (rc == 0 && *n > 1)
		qsort(*out, *n, sizeof **out, enc_pred_cmp);
	return rc;
}

/* One subject's visible objects of a predicate, sorted by their plain
 * SHA-256 before they are handed out: an encrypted store's scan comes in
 * the plain store's order, which a full backup must keep. */
struct pend {
	unsigned char h[SHA256_DIGEST_LENGTH];
	uint64_t ts;
	size_t off, olen; /* the object, in the subject's arena */
};

static int pend_cmp(const void *a, const void *b)
{
	return memcmp(((const struct pend *)a)->h, ((const struct pend *)b)->h, HASH_LEN);
}

/* Hands out one subject's objects (hashed and sorted only when there are
 * several: most subjects have one object per predicate). */
static int pend_flush(struct pend *p, size_t *n, struct vbuf *arena, size_t *alen,
		      const struct enc_pred *ep, uint64_t subj, cairn_version_cb cb, void *ctx)
{
	int stop = 0;
	const char *base = (const char *)arena->p;
	if (*n > 1) {
		for (size_t i = 0; i < *n; i++)
			object_hash(base + p[i].off, p[i].olen, p[i].h);
		qsort(p, *n, sizeof *p, pend_cmp);
	}
	for (size_t i = 0; i < *n && !stop; i++) {
		struct cairn_version v = {CAIRN_OP_SET, p[i].ts,	 ep->name, ep->plen,
					  subj,		base + p[i].off, p[i].olen};
		stop = cb(ctx, &v);
	}
	*n = 0;
	*alen = 0;
	return stop;
}

static int scan_enc(struct cairn_db *db, MDB_txn *txn, const struct drop_list *dl, uint64_t read_ts,
		    cairn_version_cb cb, void *ctx, int *stop)
{
	struct cairn_sealer *s = cairn_sealer_new(db->ar);
	struct enc_pred *ep = NULL;
	struct pend *pv = NULL;
	size_t np = 0, npend = 0, cap = 0, alen = 0;
	struct vbuf b = {0}, arena = {0};
	struct scan_span span = {0};
	MDB_cursor *c = NULL;
	int rc = s ? enc_preds(db, txn, s, &ep, &np) : ENOMEM;
	if (rc == 0)
		rc = mdb_cursor_open(txn, db->data, &c);
	for (size_t pi = 0; rc == 0 && pi < np && !*stop; pi++) {
		unsigned char prefix[1 + CAIRN_TAG_LEN], last[ENC_TL];
		int have_last = 0;
		uint64_t subj = 0;
		prefix[0] = CAIRN_TAG_LEN;
		memcpy(prefix + 1, ep[pi].tag, CAIRN_TAG_LEN);
		MDB_val k = {sizeof prefix, prefix}, d;
		for (rc = mdb_cursor_get(c, &k, &d, MDB_SET_RANGE); rc == 0;
		     rc = mdb_cursor_get(c, &k, &d, MDB_NEXT)) {
			const unsigned char *kp = k.mv_data;
			if (k.mv_size != ENC_TL + 8 || memcmp(kp, prefix, sizeof prefix))
				break;
			span_add(&span, &k);
			span_add(&span, &d);
			uint64_t ts = ~cairn_get_be64(kp + ENC_TL);
			if (ts > read_ts)
				continue;
			if (have_last && !memcmp(last, kp, ENC_TL))
				continue; /* newest version <= read_ts already seen */
			memcpy(last, kp, ENC_TL);
			have_last = 1;
			uint64_t ks = cairn_get_be64(kp + 1 + CAIRN_TAG_LEN);
			if (npend && ks != subj &&
			    (*stop = pend_flush(pv, &npend, &arena, &alen, &ep[pi], subj, cb,
						ctx)) != 0)
				break;
			subj = ks;
			struct dec dv;
			if ((rc = value_open(s, 'd', &k, &d, 0, &b, &dv)) != 0)
				break;
			if (dv.plen != ep[pi].plen || memcmp(dv.pred, ep[pi].name, dv.plen)) {
				rc = DB_DAMAGED;
				break;
			}
			if (dv.op != CAIRN_OP_SET || dropped_after(dl, dv.pred, dv.plen, ts))
				continue;
			if (npend == cap) {
				size_t nc = cap ? cap * 2 : 16;
				struct pend *nv = realloc(pv, nc * sizeof *nv);
				if (!nv) {
					rc = ENOMEM;
					break;
				}
				pv = nv;
				cap = nc;
			}
			struct pend *p = &pv[npend];
			if ((rc = vbuf_need(&arena, alen + dv.olen + 1)) != 0)
				break;
			memcpy(arena.p + alen, dv.obj, dv.olen);
			p->off = alen;
			p->olen = dv.olen;
			p->ts = ts;
			alen += dv.olen;
			npend++;
		}
		if (rc == MDB_NOTFOUND)
			rc = 0;
		if (rc == 0 && !*stop)
			*stop = pend_flush(pv, &npend, &arena, &alen, &ep[pi], subj, cb, ctx);
		npend = alen = 0;
	}
	if (c)
		mdb_cursor_close(c);
	cairn_sealer_free(s);
	free(ep);
	free(pv);
	free(b.p);
	free(arena.p);
	return rc;
}

int cairn_db_scan(struct cairn_db *db, uint64_t read_ts, cairn_version_cb cb, void *ctx,
		  cairn_err *err)
{
	MDB_txn *txn;
	MDB_cursor *c = NULL;
	MDB_val k, d;
	struct drop_list dl = {0};
	unsigned char last[KEY_MAX];
	size_t lastlen = 0;
	struct scan_span span = {0};
	int rc = mdb_txn_begin(db->env, NULL, MDB_RDONLY, &txn), stop = 0;
	if (rc)
		return lmdb_err(err, rc, "cannot start a read");
	if ((rc = drops_load(db, txn, read_ts, &dl)) != 0)
		goto out;
	if (db->ar) {
		rc = scan_enc(db, txn, &dl, read_ts, cb, ctx, &stop);
		goto out;
	}
	if ((rc = mdb_cursor_open(txn, db->data, &c)) != 0)
		goto out;
	for (rc = mdb_cursor_get(c, &k, &d, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(c, &k, &d, MDB_NEXT)) {
		const unsigned char *kp = k.mv_data;
		span_add(&span, &k);
		span_add(&span, &d);
		size_t tl = k.mv_size - 8;
		uint64_t ts = ~cairn_get_be64(kp + tl);
		if (ts > read_ts)
			continue;
		if (lastlen == tl && !memcmp(last, kp, tl))
			continue; /* newest version <= read_ts already seen */
		memcpy(last, kp, tl);
		lastlen = tl;
		const char *val = d.mv_data;
		size_t plen = kp[0];
		if (val[0] != CAIRN_OP_SET || dropped_after(&dl, (const char *)kp + 1, plen, ts))
			continue;
		struct cairn_version v = {CAIRN_OP_SET,
					  ts,
					  (const char *)kp + 1,
					  plen,
					  cairn_get_be64(kp + 1 + plen),
					  val + 1,
					  d.mv_size - 1};
		if ((stop = cb(ctx, &v)) != 0)
			break;
	}
	if (rc == MDB_NOTFOUND)
		rc = 0;
out:
	if (c)
		mdb_cursor_close(c);
	mdb_txn_abort(txn);
	drops_free(&dl);
	if (rc)
		return db_err(db, err, rc, "cannot read postings");
	return stop;
}

/* A drop as the version record changes() hands out. */
static int emit_drop(const struct drop_rec *r, cairn_version_cb cb, void *ctx)
{
	struct cairn_version v = {
	    r->pred ? CAIRN_OP_DROP_ATTR : CAIRN_OP_DROP_ALL, r->ts, r->pred, r->plen, 0, NULL, 0};
	return cb(ctx, &v);
}

int cairn_db_changes(struct cairn_db *db, uint64_t since, uint64_t read_ts, cairn_version_cb cb,
		     void *ctx, cairn_err *err)
{
	MDB_txn *txn;
	MDB_cursor *c = NULL;
	MDB_val k, d;
	struct drop_list dl = {0};
	size_t di = 0;
	struct scan_span span = {0};
	unsigned char start[8];
	struct cairn_sealer *s = NULL;
	struct vbuf b = {0};
	struct dec dv;
	if (db->ar && !(s = cairn_sealer_new(db->ar)))
		return cairn_err_set(err, "out of memory");
	int rc = mdb_txn_begin(db->env, NULL, MDB_RDONLY, &txn), stop = 0;
	if (rc) {
		cairn_sealer_free(s);
		return lmdb_err(err, rc, "cannot start a read");
	}
	if ((rc = drops_load(db, txn, read_ts, &dl)) != 0 ||
	    (rc = mdb_cursor_open(txn, db->log, &c)) != 0)
		goto out;
	while (di < dl.n && dl.v[di].ts <= since)
		di++;
	cairn_put_be64(start, since + 1);
	k.mv_size = 8;
	k.mv_data = start;
	for (rc = since == UINT64_MAX ? MDB_NOTFOUND : mdb_cursor_get(c, &k, &d, MDB_SET_RANGE);
	     rc == 0 && !stop; rc = mdb_cursor_get(c, &k, &d, MDB_NEXT)) {
		const unsigned char *kp = k.mv_data;
		uint64_t ts = cairn_get_be64(kp);
		if (ts > read_ts)
			break;
		/* Drops committed before this version come first. */
		for (; di < dl.n && dl.v[di].ts < ts && !stop; di++)
			stop = emit_drop(&dl.v[di], cb, ctx);
		if (stop)
			break;
		if (k.mv_size < 9 + 8 || k.mv_size < 9 + (size_t)kp[8] + 8) {
			rc = DB_DAMAGED;
			break;
		}
		if ((rc = value_open(s, 'l', &k, &d, 8, &b, &dv)) != 0)
			break;
		struct cairn_version v = {
		    dv.op, ts, dv.pred, dv.plen, cairn_get_be64(kp + 9 + kp[8]), dv.obj, dv.olen};
		stop = cb(ctx, &v);
		span_add(&span, &k);
		span_add(&span, &d);
	}
	if (rc == MDB_NOTFOUND)
		rc = 0;
	for (; rc == 0 && di < dl.n && !stop; di++)
		stop = emit_drop(&dl.v[di], cb, ctx);
out:
	if (c)
		mdb_cursor_close(c);
	mdb_txn_abort(txn);
	drops_free(&dl);
	cairn_sealer_free(s);
	free(b.p);
	if (rc)
		return db_err(db, err, rc, "cannot read changes");
	return stop;
}

int cairn_db_predicates(struct cairn_db *db, cairn_version_cb cb, void *ctx, cairn_err *err)
{
	MDB_txn *txn;
	MDB_cursor *c = NULL;
	MDB_val k, d;
	unsigned char seek[KEY_MAX + 8];
	int rc = mdb_txn_begin(db->env, NULL, MDB_RDONLY, &txn), stop = 0;
	if (rc)
		return lmdb_err(err, rc, "cannot start a read");
	if (db->ar) {
		struct cairn_sealer *s = cairn_sealer_new(db->ar);
		struct enc_pred *ep = NULL;
		size_t np = 0;
		rc = s ? enc_preds(db, txn, s, &ep, &np) : ENOMEM;
		for (size_t i = 0; rc == 0 && i < np && !stop; i++) {
			struct cairn_version v = {0, 0, ep[i].name, ep[i].plen, 0, NULL, 0};
			stop = cb(ctx, &v);
		}
		cairn_sealer_free(s);
		free(ep);
		goto out;
	}
	if ((rc = mdb_cursor_open(txn, db->data, &c)) != 0)
		goto out;
	for (rc = mdb_cursor_get(c, &k, &d, MDB_FIRST); rc == 0 && !stop;) {
		const unsigned char *kp = k.mv_data;
		size_t plen = kp[0];
		struct cairn_version v = {0, 0, (const char *)kp + 1, plen, 0, NULL, 0};
		if ((stop = cb(ctx, &v)) != 0)
			break;
		/* Jump past every key of this predicate. */
		memcpy(seek, kp, 1 + plen);
		memset(seek + 1 + plen, 0xff, 8 + HASH_LEN + 8);
		k.mv_size = 1 + plen + 8 + HASH_LEN + 8;
		k.mv_data = seek;
		rc = mdb_cursor_get(c, &k, &d, MDB_SET_RANGE);
		if (rc == 0 && k.mv_size == 1 + plen + 8 + HASH_LEN + 8 &&
		    !memcmp(k.mv_data, seek, k.mv_size))
			rc = mdb_cursor_get(c, &k, &d, MDB_NEXT);
	}
	if (rc == MDB_NOTFOUND)
		rc = 0;
out:
	if (c)
		mdb_cursor_close(c);
	mdb_txn_abort(txn);
	if (rc)
		return db_err(db, err, rc, "cannot list predicates");
	return stop;
}

size_t cairn_db_version_key(const struct cairn_version *v, unsigned char *out)
{
	size_t tl = triple_key(out, v->pred, v->pred_len, v->subj, v->obj, v->obj_len);
	cairn_put_be64(out + tl, ~v->ts);
	return tl + 8;
}

/* A load runs on two threads: the caller's decodes and checks records and
 * copies each put into a chunk; a writer thread owns every LMDB write
 * transaction and applies whole chunks, so that decoding the next chunk
 * overlaps writing this one. A put too large for a chunk is not copied: it
 * is handed over by reference and the caller waits until it is written. */
#define LOAD_CHUNK ((size_t)4 << 20)
#define LOAD_BIG (LOAD_CHUNK / 4)
#define ENTRY_HEAD (1 + 1 + 2 + 4) /* table, head byte, klen, blen */

/* One put: the value is the head byte (op, or 'A'/'P' for a drop) then
 * the body (the object, or the dropped predicate). */
struct load_put {
	int table; /* 'd' data (appended when the load appends), 'x' drops;
		    * 'e' and 'y' the same sealed (body written as it is) */
	int head;
	const unsigned char *key;
	size_t klen;
	const void *body;
	size_t blen;
};

struct load_chunk {
	unsigned char *buf;
	size_t len;
};

struct cairn_db_loader {
	struct cairn_db *db;
	int append;
	uint64_t max_ts;
	struct load_chunk chunk[2];
	int fill; /* the chunk the caller fills; the other may be the writer's */
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t work, idle;
	/* Under mu: the chunk (and big put) handed over and not yet written,
	 * the end of the load, the writer's first error. */
	struct load_chunk *job;
	const struct load_put *job_big;
	int stop, abort, failed;
	cairn_err werr;
	uint64_t end_max_uid, end_max_ts;
	/* The writer's own (the cursor ends with its transaction). */
	MDB_txn *txn;
	MDB_cursor *cur;
	size_t pending, pending_bytes;
	/* The caller's, in an encrypted store: puts are sealed as they come. */
	struct cairn_sealer *sealer;
	struct vbuf sealed;
};

static int writer_put(struct cairn_db_loader *l, const struct load_put *p, cairn_err *err)
{
	int rc;
	if (!l->txn && ((rc = mdb_txn_begin(l->db->env, NULL, 0, &l->txn)) != 0 ||
			(rc = mdb_cursor_open(l->txn, l->db->data, &l->cur)) != 0)) {
		if (l->txn)
			mdb_txn_abort(l->txn);
		l->txn = NULL;
		return lmdb_err(err, rc, "cannot start restore write");
	}
	/* The value is written in place (MDB_RESERVE), as in put_version. One
	 * cursor for the data: an append then starts from the last page. */
	int raw = p->table == 'e' || p->table == 'y';
	MDB_val k = {p->klen, (void *)p->key}, d = {p->blen + !raw, NULL};
	if (p->table == 'd' || p->table == 'e')
		rc = mdb_cursor_put(l->cur, &k, &d, MDB_RESERVE | (l->append ? MDB_APPEND : 0));
	else
		rc = mdb_put(l->txn, l->db->drops, &k, &d, MDB_RESERVE);
	if (rc == MDB_KEYEXIST && p->table == 'd')
		return cairn_err_set(err, "records out of order in a full backup");
	if (rc)
		return lmdb_err(err, disk_rc(l->db, rc), "cannot write restored postings");
	if (raw) {
		memcpy(d.mv_data, p->body, p->blen);
	} else {
		((unsigned char *)d.mv_data)[0] = (unsigned char)p->head;
		memcpy((unsigned char *)d.mv_data + 1, p->body, p->blen);
	}
	l->pending_bytes += p->klen + p->blen;
	if (++l->pending >= LOAD_BATCH || l->pending_bytes >= LOAD_BATCH_BYTES) {
		rc = mdb_txn_commit(l->txn);
		l->txn = NULL;
		l->pending = l->pending_bytes = 0;
		if (rc)
			return lmdb_err(err, disk_rc(l->db, rc), "cannot commit restored postings");
	}
	return 0;
}

static int writer_chunk(struct cairn_db_loader *l, const struct load_chunk *c,
			const struct load_put *big, cairn_err *err)
{
	for (size_t at = 0; at < c->len;) {
		const unsigned char *e = c->buf + at;
		struct load_put p = {
		    e[0], e[1], NULL, (size_t)e[2] << 8 | e[3], NULL, cairn_get_be32(e + 4)};
		p.key = e + ENTRY_HEAD;
		p.body = p.key + p.klen;
		at += ENTRY_HEAD + p.klen + p.blen;
		if (writer_put(l, &p, err) < 0)
			return -1;
	}
	return big ? writer_put(l, big, err) : 0;
}

/* The end of a load: its meta raised and its last transaction committed,
 * or everything not yet committed thrown away. */
static int writer_finish(struct cairn_db_loader *l, int commit, cairn_err *err)
{
	int rc;
	if (!commit) {
		if (l->txn)
			mdb_txn_abort(l->txn);
		l->txn = NULL;
		return 0;
	}
	if (!l->txn && (rc = mdb_txn_begin(l->db->env, NULL, 0, &l->txn)) != 0) {
		l->txn = NULL;
		return lmdb_err(err, rc, "cannot finish restore write");
	}
	if ((rc = meta_raise(l->txn, l->db->meta, "max_uid", l->end_max_uid)) != 0 ||
	    (rc = meta_raise(l->txn, l->db->meta, "max_ts", l->end_max_ts)) != 0) {
		mdb_txn_abort(l->txn);
		l->txn = NULL;
		return lmdb_err(err, rc, "cannot finish restore write");
	}
	rc = disk_rc(l->db, mdb_txn_commit(l->txn));
	l->txn = NULL;
	return rc ? lmdb_err(err, rc, "cannot commit restored postings") : 0;
}

static void *writer_main(void *arg)
{
	struct cairn_db_loader *l = arg;
	cairn_err e = {0};
	pthread_mutex_lock(&l->mu);
	for (;;) {
		while (!l->job && !l->stop)
			pthread_cond_wait(&l->work, &l->mu);
		if (!l->job)
			break;
		struct load_chunk *c = l->job;
		const struct load_put *big = l->job_big;
		int skip = l->failed || l->abort;
		pthread_mutex_unlock(&l->mu);
		int rc = skip ? 0 : writer_chunk(l, c, big, &e);
		pthread_mutex_lock(&l->mu);
		if (rc < 0 && !l->failed) {
			l->failed = 1;
			l->werr = e;
		}
		l->job = NULL;
		l->job_big = NULL;
		pthread_cond_broadcast(&l->idle);
	}
	int commit = !l->failed && !l->abort;
	pthread_mutex_unlock(&l->mu);
	int rc = writer_finish(l, commit, &e);
	pthread_mutex_lock(&l->mu);
	if (rc < 0 && !l->failed) {
		l->failed = 1;
		l->werr = e;
	}
	pthread_mutex_unlock(&l->mu);
	return NULL;
}

/* Hands the caller's chunk (and big, by reference: then waits until it is
 * written) to the writer, once the writer is done with the previous one. */
static int hand_over(struct cairn_db_loader *l, const struct load_put *big, cairn_err *err)
{
	pthread_mutex_lock(&l->mu);
	while (l->job && !l->failed)
		pthread_cond_wait(&l->idle, &l->mu);
	if (!l->failed) {
		l->job = &l->chunk[l->fill];
		l->job_big = big;
		pthread_cond_signal(&l->work);
		while (big && l->job && !l->failed)
			pthread_cond_wait(&l->idle, &l->mu);
	}
	int failed = l->failed;
	if (failed)
		*err = l->werr;
	pthread_mutex_unlock(&l->mu);
	if (failed)
		return -1;
	l->fill = !l->fill;
	l->chunk[l->fill].len = 0;
	return 0;
}

static void loader_free(struct cairn_db_loader *l)
{
	cairn_sealer_free(l->sealer);
	free(l->sealed.p);
	free(l->chunk[0].buf);
	free(l->chunk[1].buf);
	pthread_mutex_destroy(&l->mu);
	pthread_cond_destroy(&l->work);
	pthread_cond_destroy(&l->idle);
	free(l);
}

int cairn_db_load_begin(struct cairn_db *db, int append, struct cairn_db_loader **out,
			cairn_err *err)
{
	struct cairn_db_loader *l = calloc(1, sizeof *l);
	if (!l)
		return cairn_err_set(err, "out of memory");
	l->db = db;
	/* An encrypted store's keys (tags) do not sort as the backup's do. */
	l->append = append && !db->ar;
	pthread_mutex_init(&l->mu, NULL);
	pthread_cond_init(&l->work, NULL);
	pthread_cond_init(&l->idle, NULL);
	if (!(l->chunk[0].buf = malloc(LOAD_CHUNK)) || !(l->chunk[1].buf = malloc(LOAD_CHUNK)) ||
	    (db->ar && !(l->sealer = cairn_sealer_new(db->ar)))) {
		loader_free(l);
		return cairn_err_set(err, "out of memory");
	}
	if (pthread_create(&l->thread, NULL, writer_main, l) != 0) {
		loader_free(l);
		return cairn_err_set(err, "cannot start the restore's writer thread");
	}
	*out = l;
	return 0;
}

int cairn_db_load_put_key(struct cairn_db_loader *l, const struct cairn_version *v,
			  const unsigned char *key, size_t klen, cairn_err *err)
{
	unsigned char kbuf[KEY_MAX + 8];
	struct load_put p;
	if (v->op == CAIRN_OP_DROP_ALL || v->op == CAIRN_OP_DROP_ATTR) {
		int attr = v->op == CAIRN_OP_DROP_ATTR;
		if (attr && (!v->pred_len || v->pred_len > CAIRN_MAX_PRED))
			return cairn_err_set(err, "drop record with a bad predicate length");
		cairn_put_be64(kbuf, v->ts);
		p = (struct load_put){'x', attr ? 'P' : 'A', kbuf,
				      8,   v->pred,	     attr ? v->pred_len : 0};
	} else if (v->op == CAIRN_OP_SET || v->op == CAIRN_OP_DEL) {
		if (!v->pred_len || v->pred_len > CAIRN_MAX_PRED)
			return cairn_err_set(err, "record with a bad predicate length %zu",
					     v->pred_len);
		if (!key) {
			klen = cairn_db_version_key(v, kbuf);
			key = kbuf;
		} else if (klen > sizeof kbuf) {
			return cairn_err_set(err, "a restored key of %zu bytes (a bug in cairn)",
					     klen);
		}
		p = (struct load_put){'d', v->op, key, klen, v->obj, v->obj_len};
	} else {
		return cairn_err_set(err, "unknown record op 0x%02x", v->op & 0xff);
	}
	if (l->sealer) {
		/* Its own key (tags), and its value sealed here, on the
		 * caller's thread. */
		MDB_val k = {p.klen, kbuf};
		int drop = p.table == 'x';
		if (!drop) {
			k.mv_size = triple_key_db(l->db, kbuf, v->pred, v->pred_len, v->subj,
						  v->obj, v->obj_len);
			cairn_put_be64(kbuf + k.mv_size, ~v->ts);
			k.mv_size += 8;
		}
		size_t n = (drop ? 1 + p.blen : 2 + v->pred_len + v->obj_len) + CAIRN_SEAL_OVER;
		unsigned char aad[1 + KEY_MAX + 8], head = (unsigned char)p.head;
		if (vbuf_need(&l->sealed, n))
			return cairn_err_set(err, "out of memory");
		if ((drop ? cairn_seal(l->sealer, aad, value_aad(aad, 'x', &k), &head, 1, p.body,
				       p.blen, l->sealed.p)
			  : seal_value(l->sealer, 'd', &k, v->op, v->pred, v->pred_len, v->obj,
				       v->obj_len, l->sealed.p)) != 0)
			return cairn_err_set(err, "cannot seal a restored value (OpenSSL failed)");
		p = (struct load_put){drop ? 'y' : 'e', 0, kbuf, k.mv_size, l->sealed.p, n};
	}
	if (v->ts > l->max_ts)
		l->max_ts = v->ts;
	size_t need = ENTRY_HEAD + p.klen + p.blen;
	if (need > LOAD_BIG)
		return hand_over(l, &p, err);
	struct load_chunk *c = &l->chunk[l->fill];
	if (c->len + need > LOAD_CHUNK) {
		if (hand_over(l, NULL, err) < 0)
			return -1;
		c = &l->chunk[l->fill];
	}
	unsigned char *e = c->buf + c->len;
	e[0] = (unsigned char)p.table;
	e[1] = (unsigned char)p.head;
	e[2] = (unsigned char)(p.klen >> 8);
	e[3] = (unsigned char)p.klen;
	cairn_put_be32(e + 4, (uint32_t)p.blen);
	memcpy(e + ENTRY_HEAD, p.key, p.klen);
	if (p.blen)
		memcpy(e + ENTRY_HEAD + p.klen, p.body, p.blen);
	c->len += need;
	return 0;
}

int cairn_db_load_put(struct cairn_db_loader *l, const struct cairn_version *v, cairn_err *err)
{
	return cairn_db_load_put_key(l, v, NULL, 0, err);
}

int cairn_db_load_end(struct cairn_db_loader *l, uint64_t max_uid, uint64_t max_ts, int commit,
		      cairn_err *err)
{
	int rc = 0;
	/* What is left in the caller's chunk goes first. */
	if (commit && l->chunk[l->fill].len && hand_over(l, NULL, err) < 0) {
		commit = 0;
		rc = -1;
	}
	pthread_mutex_lock(&l->mu);
	l->end_max_uid = max_uid;
	l->end_max_ts = max_ts > l->max_ts ? max_ts : l->max_ts;
	l->abort = !commit;
	l->stop = 1;
	pthread_cond_signal(&l->work);
	pthread_mutex_unlock(&l->mu);
	pthread_join(l->thread, NULL);
	if (commit && l->failed) {
		*err = l->werr;
		rc = -1;
	}
	loader_free(l);
	return rc;
}

/* ---- conversion: plain <-> encrypted, and a new key ---- */

#define CONVERT_DIR ".convert.tmp"

static void rm_env_dir(const char *d)
{
	static const char *const files[] = {"data.mdb", "lock.mdb", LOCK_FILE, NULL};
	char path[4300];
	for (size_t i = 0; files[i]; i++) {
		snprintf(path, sizeof path, "%s/%s", d, files[i]);
		unlink(path);
	}
	rmdir(d);
}

/* Every record of src's tables into dst's, opened and sealed again. */
static int convert_copy(struct cairn_db *src, struct cairn_db *dst, cairn_err *err)
{
	struct cairn_sealer *ss = src->ar ? cairn_sealer_new(src->ar) : NULL;
	struct cairn_sealer *ds = dst->ar ? cairn_sealer_new(dst->ar) : NULL;
	MDB_txn *rt = NULL, *wt = NULL;
	MDB_cursor *c = NULL;
	MDB_val k, d;
	struct vbuf b = {0};
	struct drop_list dl = {0};
	size_t pending = 0;
	int rc = (src->ar && !ss) || (dst->ar && !ds) ? ENOMEM : 0;
	if (rc == 0)
		rc = mdb_txn_begin(src->env, NULL, MDB_RDONLY, &rt);
	if (rc == 0)
		rc = mdb_txn_begin(dst->env, NULL, 0, &wt);
	/* data and log: each version under its new key. */
	for (int t = 0; t < 2 && rc == 0; t++) {
		int log = t == 1;
		if ((rc = mdb_cursor_open(rt, log ? src->log : src->data, &c)) != 0)
			break;
		for (rc = mdb_cursor_get(c, &k, &d, MDB_FIRST); rc == 0;
		     rc = mdb_cursor_get(c, &k, &d, MDB_NEXT)) {
			const unsigned char *kp = k.mv_data;
			size_t at = log ? 8 : 0;
			struct dec dv;
			if (k.mv_size < at + 1 + 8 + 8 || k.mv_size < at + 1 + kp[at] + 8 + 8) {
				rc = DB_DAMAGED;
				break;
			}
			if ((rc = value_open(ss, log ? 'l' : 'd', &k, &d, at, &b, &dv)) != 0)
				break;
			uint64_t subj = cairn_get_be64(kp + at + 1 + kp[at]);
			uint64_t ts =
			    log ? cairn_get_be64(kp) : ~cairn_get_be64(kp + k.mv_size - 8);
			unsigned char tk[KEY_MAX], key[KEY_MAX + 8];
			size_t tl = triple_key_db(dst, tk, dv.pred, dv.plen, subj, dv.obj, dv.olen);
			if (log) {
				cairn_put_be64(key, ts);
				memcpy(key + 8, tk, tl);
			} else {
				memcpy(key, tk, tl);
				cairn_put_be64(key + tl, ~ts);
			}
			size_t vlen = ds ? 2 + dv.plen + dv.olen + CAIRN_SEAL_OVER : dv.olen + 1;
			MDB_val nk = {tl + 8, key}, nd = {vlen, NULL};
			if ((rc = mdb_put(wt, log ? dst->log : dst->data, &nk, &nd, MDB_RESERVE)) !=
			    0)
				break;
			if (ds) {
				if ((rc = seal_value(ds, log ? 'l' : 'd', &nk, dv.op, dv.pred,
						     dv.plen, dv.obj, dv.olen, nd.mv_data)) != 0)
					break;
			} else {
				((unsigned char *)nd.mv_data)[0] = (unsigned char)dv.op;
				memcpy((unsigned char *)nd.mv_data + 1, dv.obj, dv.olen);
			}
			if (++pending >= LOAD_BATCH) {
				pending = 0;
				if ((rc = mdb_txn_commit(wt)) != 0 ||
				    (rc = mdb_txn_begin(dst->env, NULL, 0, &wt)) != 0) {
					wt = NULL;
					break;
				}
			}
		}
		if (rc == MDB_NOTFOUND)
			rc = 0;
		mdb_cursor_close(c);
		c = NULL;
	}
	/* drops, counters, commit times. */
	if (rc == 0)
		rc = drops_load(src, rt, UINT64_MAX, &dl);
	for (size_t i = 0; rc == 0 && i < dl.n; i++)
		rc = put_drop(dst, wt, dl.v[i].ts, dl.v[i].pred, dl.v[i].plen);
	uint64_t v;
	if (rc == 0 && (rc = meta_get(rt, src->meta, "max_uid", &v)) == 0)
		rc = meta_raise(wt, dst->meta, "max_uid", v);
	if (rc == 0 && (rc = meta_get(rt, src->meta, "max_ts", &v)) == 0)
		rc = meta_raise(wt, dst->meta, "max_ts", v);
	if (rc == 0 && (rc = mdb_cursor_open(rt, src->times, &c)) == 0) {
		for (rc = mdb_cursor_get(c, &k, &d, MDB_FIRST); rc == 0;
		     rc = mdb_cursor_get(c, &k, &d, MDB_NEXT))
			if ((rc = mdb_put(wt, dst->times, &k, &d, 0)) != 0)
				break;
		if (rc == MDB_NOTFOUND)
			rc = 0;
		mdb_cursor_close(c);
	}
	if (rc == 0) {
		rc = mdb_txn_commit(wt);
		wt = NULL;
	}
	if (wt)
		mdb_txn_abort(wt);
	if (rt)
		mdb_txn_abort(rt);
	drops_free(&dl);
	free(b.p);
	cairn_sealer_free(ss);
	cairn_sealer_free(ds);
	return rc ? db_err(src, err, disk_rc(dst, rc), "cannot rewrite the postings") : 0;
}

/* The small files of the directory that may be sealed, re-sealed beside
 * themselves (name.convert): moved into place after data.mdb. */
static const char *const convert_files[] = {"restore.json", "tasks.json", NULL};

/* A conversion cut short (a crash, a kill) is finished or undone by the next
 * open, under the directory's lock: the rewritten data.mdb still in
 * CONVERT_DIR means the swap never happened (the old store and files stand:
 * the new files go); gone from there means it did (the files sealed under
 * the new key take their places). The files are written, synced, before the
 * swap, and renamed only after it. */
static void convert_recover(const char *dir)
{
	char tmp[4200], path[4300], from[4400];
	struct stat st;
	snprintf(tmp, sizeof tmp, "%s/" CONVERT_DIR, dir);
	snprintf(path, sizeof path, "%s/data.mdb", tmp);
	int swapped = stat(path, &st) < 0 && errno == ENOENT;
	for (size_t i = 0; convert_files[i]; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, convert_files[i]);
		snprintf(from, sizeof from, "%s.convert", path);
		if (access(from, F_OK) != 0)
			continue;
		if (swapped)
			rename(from, path);
		else
			unlink(from);
	}
	if (stat(tmp, &st) == 0)
		rm_env_dir(tmp);
}

static int convert_small(const char *dir, const struct cairn_atrest *from,
			 const struct cairn_atrest *to, int *have, cairn_err *err)
{
	for (size_t i = 0; convert_files[i]; i++) {
		char path[4200], out[4300];
		char *text = NULL;
		size_t len = 0;
		snprintf(path, sizeof path, "%s/%s", dir, convert_files[i]);
		snprintf(out, sizeof out, "%s.convert", path);
		int got = cairn_atrest_read_file(from, path, (size_t)64 << 20, &text, &len, err);
		have[i] = got == 0;
		if (got < 0)
			return -1;
		/* Sealed under the name it is renamed to (its AAD). */
		int rc =
		    got ? 0 : cairn_atrest_write_file_as(to, out, convert_files[i], text, len, err);
		free(text);
		if (rc < 0)
			return -1;
	}
	return 0;
}

int cairn_db_convert(const char *dir, struct cairn_atrest *from, struct cairn_atrest *to,
		     cairn_err *err)
{
	struct cairn_db *src = NULL, *dst = NULL;
	char tmp[4200], path[4300], from_path[4400];
	int have[4] = {0}, rc = -1;
	if (db_open(dir, from, 0, &src, err) < 0)
		return -1;
	snprintf(tmp, sizeof tmp, "%s/" CONVERT_DIR, dir);
	rm_env_dir(tmp);
	if (db_open(tmp, to, MDB_NOSYNC, &dst, err) < 0)
		goto out;
	if (convert_copy(src, dst, err) < 0 || cairn_db_sync(dst, err) < 0 ||
	    convert_small(dir, from, to, have, err) < 0)
		goto out;
	cairn_db_close(dst);
	dst = NULL;
	/* The old environment closed (its map gone), the new one renamed over
	 * it; the lock file (reader slots, no data) starts afresh. The
	 * directory's flock stays held until the end. */
	mdb_env_close(src->env);
	src->env = NULL;
	snprintf(from_path, sizeof from_path, "%s/data.mdb", tmp);
	snprintf(path, sizeof path, "%s/data.mdb", dir);
	if (rename(from_path, path) < 0) {
		cairn_err_set(err, "cannot move the rewritten store into %s: %s", dir,
			      strerror(errno));
		goto out;
	}
	snprintf(path, sizeof path, "%s/lock.mdb", dir);
	unlink(path);
	for (size_t i = 0; convert_files[i]; i++) {
		if (!have[i])
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, convert_files[i]);
		snprintf(from_path, sizeof from_path, "%s.convert", path);
		if (rename(from_path, path) < 0) {
			cairn_err_set(err, "cannot move %s into place: %s", path, strerror(errno));
			goto out;
		}
	}
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	rc = 0;
out:
	cairn_db_close(dst);
	rm_env_dir(tmp);
	if (rc < 0)
		for (size_t i = 0; convert_files[i]; i++) {
			snprintf(path, sizeof path, "%s/%s.convert", dir, convert_files[i]);
			unlink(path);
		}
	if (src) {
		if (src->env)
			mdb_env_close(src->env);
		src->env = NULL;
		if (src->lock_fd >= 0)
			close(src->lock_fd);
		free(src->dir);
		free(src);
	}
	return rc;
}

/* A small file in a postings directory holding one number in [1, max]:
 * *v = 0 if it is absent. */
static int num_file_read(const char *dir, const char *name, uint64_t max, const char *what,
			 uint64_t *v, cairn_err *err)
{
	char path[4096], buf[32];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	*v = 0;
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return errno == ENOENT
			   ? 0
			   : cairn_err_set(err, "cannot read %s: %s", path, strerror(errno));
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return cairn_err_set(err, "%s is empty; it should hold the %s", path, what);
	buf[n] = 0;
	char *end;
	errno = 0;
	unsigned long long x = strtoull(buf, &end, 10);
	while (*end == '\n' || *end == ' ')
		end++;
	if (*end || errno || x == 0 || x > max || buf[0] == '-')
		return cairn_err_set(err, "%s does not hold a %s", path, what);
	*v = x;
	return 0;
}

/* Writes it atomically (temp, fsync, rename). */
static int num_file_write(const char *dir, const char *name, uint64_t v, cairn_err *err)
{
	char path[4096], tmp[4200], buf[32];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	int n = snprintf(buf, sizeof buf, "%llu\n", (unsigned long long)v);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return cairn_err_set(err, "cannot write %s: %s", path, strerror(errno));
	if (write(fd, buf, (size_t)n) != n || fsync(fd) < 0) {
		close(fd);
		unlink(tmp);
		return cairn_err_set(err, "cannot write %s: %s", path, strerror(errno));
	}
	close(fd);
	if (rename(tmp, path) < 0)
		return cairn_err_set(err, "cannot write %s: %s", path, strerror(errno));
	return 0;
}

int cairn_group_id_read(const char *dir, uint32_t *group, cairn_err *err)
{
	uint64_t v = 0;
	int rc = num_file_read(dir, "group_id", 1000000, "group number", &v, err);
	*group = (uint32_t)v;
	return rc;
}

int cairn_group_id_write(const char *dir, uint32_t group, cairn_err *err)
{
	return num_file_write(dir, "group_id", group, err);
}

int cairn_member_id_read(const char *dir, uint64_t *id, cairn_err *err)
{
	return num_file_read(dir, "member_id", UINT64_MAX, "member id", id, err);
}

int cairn_member_id_write(const char *dir, uint64_t id, cairn_err *err)
{
	return num_file_write(dir, "member_id", id, err);
}
