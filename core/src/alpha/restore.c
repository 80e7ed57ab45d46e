/* restore.c — the online restore mutation (Dgraph's `restore` since 20.07):
 * a backup series loaded into the running cluster.
 *
 * The alpha that receives the mutation coordinates. Before anything changes
 * it reads the location, picks the chain (backupId, backupNum), checks the
 * key (the input's encryptionKeyFile / vault* fields, else this alpha's own
 * key) against it, stats every object, and asks zero for the groups: every
 * group of the backup must have an alpha. Then two phases, over POST
 * /internal/restore/{prepare,commit,abort} to one alpha of each group (its
 * own group in-process):
 *
 *   prepare  the group's writes are refused from now on; its store is built
 *            from the backup (restore/build.h, the code `cairn restore`
 *            runs) into <postings>.restore-<id>, beside the live one.
 *   commit   sent only when every group has prepared and zero has moved
 *            past the restored version and max uid: the fresh store is
 *            swapped in under the store's write lock, its predicates are
 *            claimed for the group, and writes are accepted again.
 *   abort    the fresh store is removed; writes are accepted again; the
 *            live data was never touched.
 *
 * The prepares run in parallel (one thread per group); the commits follow
 * one group after another. A coordinator that dies between the phases
 * leaves the prepared groups refusing writes until COMMIT_WAIT_S has passed
 * (the next write then abandons the prepared store) or their alphas restart
 * (which removes it). Groups of the cluster that the backup does not hold
 * are left as they are.
 *
 * The swap on disk, in this order: <p>.restore-<id> is renamed
 * <p>.restore-commit (the decision, durable), the live store is closed,
 * <p> is renamed <p>.restore-old, <p>.restore-commit is renamed <p>, the
 * store is reopened, <p>.restore-old is removed.
 *
 * Crash recovery, at the alpha's start before the store is opened
 * (cairn_alpha_restore_recover), the rule: a commit decided is finished,
 * anything else is undone; the live store is never removed before its
 * replacement is in place.
 *   - <p>.restore-commit exists: if <p> exists too, it is renamed
 *     <p>.restore-old; then <p>.restore-commit becomes <p>;
 *   - <p>.restore-old exists and <p> does not: <p>.restore-old becomes <p>
 *     (a swap cut short before the decision was made durable: cannot happen
 *     in the order above, kept for safety);
 *   - <p>.restore-old with <p> in place is removed, and so is every
 *     <p>.restore-<id> (prepared, never committed: the coordinator failed
 *     or died; run the restore again).
 *
 * Credentials and the key travel to the other alphas like the backup's
 * (backup/group.c): sealed under the cluster secret when there is one, sent
 * only to members, never logged. */
#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alpha/alpha.h"
#include "alpha/tablets.h"
#include "alpha/tasks.h"
#include "backup/backup.h"
#include "backup/group.h"
#include "backup/series.h"
#include "clock.h"
#include "cluster/zero_client.h"
#include "faults.h"
#include "format/committimes.h"
#include "jsonfile.h"
#include "keysel.h"
#include "log.h"
#include "restore/build.h"
#include "restore/check.h"
#include "restore/common.h"
#include "server/http.h"
#include "server/member_auth.h"
#include "store/db.h"

#define PREPARE_PATH "/internal/restore/prepare"
#define COMMIT_PATH "/internal/restore/commit"
#define ABORT_PATH "/internal/restore/abort"
/* A group's prepare reads its whole part of the backup. */
#define PREPARE_DEADLINE_MS (6 * 3600 * 1000L)
#define FINISH_DEADLINE_MS 120000L
#define FAULT_PAUSE_MAX_MS 30000

/* One restore request, as the coordinator sends it to every group. */
struct restore_req {
	const char *id;
	const char *location, *backup_id;
	uint64_t backup_num; /* 0: all */
	uint64_t to_ts;	     /* 0: the chain's last read_ts; else restore to this commit */
	uint64_t to_ms;	     /* the coordinator's toTime (unix ms), mapped to to_ts */
	const char *access_key, *secret_key, *session_token;
	int anonymous;
	unsigned char key[CAIRN_KEY_MAX];
	size_t key_len;
};

static void req_clear(struct restore_req *r) { OPENSSL_cleanse(r->key, sizeof r->key); }

static const char *opt_str(const cJSON *j, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, name);
	return cJSON_IsString(v) && *v->valuestring ? v->valuestring : NULL;
}

/* "<postings>.<suffix>", the postings path without its trailing slashes. */
static char *beside(const char *dir, const char *suffix)
{
	char *p = NULL;
	size_t n = strlen(dir);
	while (n > 1 && dir[n - 1] == '/')
		n--;
	if (asprintf(&p, "%.*s.%s", (int)n, dir, suffix) < 0)
		return NULL;
	return p;
}

static int exists(const char *path)
{
	struct stat sb;
	return stat(path, &sb) == 0;
}

/* The parent directory's entries made durable (the renames). */
static void sync_parent(const char *path)
{
	char *copy = strdup(path);
	if (!copy)
		return;
	int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	free(copy);
}

/* The location and its chain, as the request selects them. */
struct opened {
	struct cairn_store_loc loc;
	struct cairn_backup_set set;
	const struct cairn_manifest **chain;
	size_t n;
	struct cairn_keyset ks;
	uint64_t to_ts; /* the request's, or its toTime's commit */
};

static void opened_clear(struct opened *o)
{
	free(o->chain);
	OPENSSL_cleanse(&o->ks, sizeof o->ks);
	cairn_series_clear(&o->set);
	cairn_location_close(&o->loc);
	memset(o, 0, sizeof *o);
}

static int open_chain(const struct restore_req *r, struct opened *o, cairn_err *err)
{
	struct cairn_backup_request br = {
	    r->location, r->access_key, r->secret_key, r->session_token, r->anonymous, 0, NULL};
	cairn_keyset_init(&o->ks, r->key, r->key_len);
	if (cairn_backup_open_destination(&br, &o->loc, err) < 0 ||
	    cairn_series_load(&o->loc, &o->set, err) < 0)
		return -1;
	if (!o->set.n && !o->set.nbad)
		return cairn_err_set(err, "no backups found at this location: it is missing, "
					  "empty, or holds no cairn.* folder with a manifest.json; "
					  "check the location");
	const char *id = r->backup_id;
	o->to_ts = r->to_ts;
	if (r->to_ms && cairn_series_ts_at_time(&o->set, id, r->to_ms, &o->to_ts, &id, err) < 0)
		return -1;
	if ((o->to_ts
		 ? cairn_series_chain_at(&o->set, id, o->to_ts, &o->chain, &o->n, err)
		 : cairn_series_chain(&o->set, id, r->backup_num, &o->chain, &o->n, err)) < 0 ||
	    cairn_series_check_key(o->chain, o->n, &o->ks, err) < 0 ||
	    cairn_chain_stat(&o->loc, o->chain, o->n, err) < 0)
		return -1;
	return 0;
}

/* ---- the participant: prepare, commit, abort ---- */

static void set_restoring(struct cairn_alpha *a, int on, const char *id)
{
	pthread_mutex_lock(&a->restore_mu);
	if (on)
		a->restore_gen++;
	a->restoring = on;
	snprintf(a->restore_id, sizeof a->restore_id, "%s", on ? id : "");
	pthread_mutex_unlock(&a->restore_mu);
}

int cairn_alpha_restoring(struct cairn_alpha *a)
{
	pthread_mutex_lock(&a->restore_mu);
	int on = a->restoring;
	pthread_mutex_unlock(&a->restore_mu);
	return on;
}

/* How long a prepared group waits for its commit or abort before it gives
 * the restore up (its coordinator died or lost the group): the commits
 * follow the last prepare within seconds. CAIRN_RESTORE_COMMIT_WAIT_S
 * shortens it for tests. */
#define COMMIT_WAIT_S 300

static int abort_restore(struct cairn_alpha *a, const char *id);

/* A prepared restore whose commit never came is abandoned, so that the
 * group takes writes again. */
static void expire_prepared(struct cairn_alpha *a)
{
	const char *env = cairn_fault("CAIRN_RESTORE_COMMIT_WAIT_S");
	int64_t wait_ms = (int64_t)(env && atoi(env) > 0 ? atoi(env) : COMMIT_WAIT_S) * 1000;
	char id[sizeof a->restore_id] = "";
	pthread_mutex_lock(&a->restore_mu);
	if (a->restoring && a->restore_prepared_ms &&
	    cairn_mono_ms() - a->restore_prepared_ms > wait_ms)
		snprintf(id, sizeof id, "%s", a->restore_id);
	pthread_mutex_unlock(&a->restore_mu);
	if (!id[0])
		return;
	cairn_warn("restore %s: prepared in group %u, but neither committed nor abandoned within "
		   "%lld s (its coordinator failed?): abandoning it; the live data is unchanged",
		   id, a->group, (long long)(wait_ms / 1000));
	abort_restore(a, id);
}

uint64_t cairn_alpha_write_gen(struct cairn_alpha *a)
{
	expire_prepared(a);
	pthread_mutex_lock(&a->restore_mu);
	uint64_t gen = a->restoring ? 0 : a->restore_gen + 1;
	pthread_mutex_unlock(&a->restore_mu);
	return gen;
}

static int valid_id(const char *id)
{
	if (!id || strlen(id) != 16)
		return 0;
	for (const char *p = id; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return 0;
	return 1;
}

/* Builds this group's store beside the live one. Writes are refused from
 * the start; on failure the fresh store is removed and they are accepted
 * again. */
static int prepare(struct cairn_alpha *a, const struct restore_req *r,
		   struct cairn_task_progress *p, uint64_t *max_uid, cairn_err *err)
{
	struct opened o;
	const char *pdir = cairn_opt(a->opts, "postings");
	char suffix[32];
	memset(&o, 0, sizeof o);
	if (!valid_id(r->id))
		return cairn_err_set(err, "a restore request needs an id of 16 hex digits");
	pthread_mutex_lock(&a->restore_mu);
	int busy = a->restoring && strcmp(a->restore_id, r->id) != 0;
	if (!busy) {
		a->restoring = 1;
		a->restore_gen++;
		a->restore_prepared_ms = 0;
		snprintf(a->restore_id, sizeof a->restore_id, "%s", r->id);
	}
	pthread_mutex_unlock(&a->restore_mu);
	if (busy)
		return cairn_err_set(err,
				     "another restore is in progress on group %u; wait for it "
				     "to finish and try again",
				     a->group);
	snprintf(suffix, sizeof suffix, "restore-%s", r->id);
	char *fresh = beside(pdir, suffix);
	int rc = -1;
	if (!fresh) {
		cairn_err_set(err, "out of memory");
		goto out;
	}
	if (open_chain(r, &o, err) < 0)
		goto out;
	const struct cairn_manifest *last = o.chain[o.n - 1];
	int have = 0;
	for (size_t i = 0; i < last->nobjs; i++)
		have |= last->objs[i].group == a->group;
	if (!have) {
		cairn_err_set(err, "the backup holds no data for group %u", a->group);
		goto out;
	}
	cairn_info("restore %s: building group %u from series %s (backups 1 to %zu) into %s", r->id,
		   a->group, o.chain[0]->backup_id, o.n, fresh);
	if (cairn_restore_build_group_at(&o.loc, o.chain, o.n, &o.ks, a->atrest, a->group, fresh,
					 o.to_ts, (struct cairn_build_progress *)p, max_uid,
					 err) < 0 ||
	    cairn_member_id_write(fresh, a->member_id, err) < 0)
		goto out;
	/* Fault injection for tests: a prepare that takes a while. */
	const char *pause = cairn_fault("CAIRN_FAULT_RESTORE_PREPARE_MS");
	if (pause) {
		int ms = atoi(pause);
		usleep((useconds_t)(ms > FAULT_PAUSE_MAX_MS ? FAULT_PAUSE_MAX_MS : ms) * 1000);
	}
	pthread_mutex_lock(&a->restore_mu);
	a->restore_prepared_ms = cairn_mono_ms();
	pthread_mutex_unlock(&a->restore_mu);
	rc = 0;
out:
	opened_clear(&o);
	if (rc < 0) {
		if (fresh)
			cairn_rm_rf(fresh);
		set_restoring(a, 0, NULL);
		cairn_err_prefix(err, "group %u", a->group);
	}
	free(fresh);
	return rc;
}

/* Files of the live directory that are not the store's and the restore
 * does not write (tasks.json, ...) are carried over to the new one. */
static void carry_over(const char *live, const char *fresh)
{
	static const char *const skip[] = {"data.mdb",	"lock.mdb",	"cairn.lock", "group_id",
					   "member_id", "restore.json", NULL};
	DIR *d = opendir(live);
	struct dirent *e;
	if (!d)
		return;
	while ((e = readdir(d)) != NULL) {
		size_t i;
		if (e->d_name[0] == '.')
			continue;
		for (i = 0; skip[i] && strcmp(skip[i], e->d_name) != 0; i++)
			;
		if (skip[i])
			continue;
		char *from = NULL, *to = NULL;
		if (asprintf(&from, "%s/%s", live, e->d_name) >= 0 &&
		    asprintf(&to, "%s/%s", fresh, e->d_name) >= 0) {
			FILE *in = fopen(from, "rb"), *out = in ? fopen(to, "wb") : NULL;
			char buf[8192];
			size_t n;
			while (in && out && (n = fread(buf, 1, sizeof buf, in)) > 0)
				fwrite(buf, 1, n, out);
			if (out)
				fclose(out);
			if (in)
				fclose(in);
		}
		free(from);
		free(to);
	}
	closedir(d);
}

/* The swap (the order is the one the recovery rule at the top relies on). */
static int commit(struct cairn_alpha *a, const char *id, cairn_err *err)
{
	const char *pdir = cairn_opt(a->opts, "postings");
	char suffix[32];
	int rc = -1;
	pthread_mutex_lock(&a->restore_mu);
	int ours = a->restoring && !strcmp(a->restore_id, id);
	pthread_mutex_unlock(&a->restore_mu);
	if (!ours)
		return cairn_err_set(err, "group %u has no prepared restore %s to commit", a->group,
				     id);
	snprintf(suffix, sizeof suffix, "restore-%s", id);
	char *fresh = beside(pdir, suffix), *decided = beside(pdir, "restore-commit"),
	     *old = beside(pdir, "restore-old");
	if (!fresh || !decided || !old) {
		cairn_err_set(err, "out of memory");
		goto out;
	}
	if (rename(fresh, decided) < 0) {
		cairn_err_set(err, "group %u: cannot rename %s: %s", a->group, fresh,
			      strerror(errno));
		goto out;
	}
	sync_parent(decided);
	/* No commit in flight across the swap: one that began before the
	 * restore finishes on the old store first. */
	pthread_mutex_lock(&a->write_mu);
	pthread_rwlock_wrlock(&a->db_lock);
	cairn_db_close(a->db);
	a->db = NULL;
	carry_over(pdir, decided);
	if (rename(pdir, old) < 0 || rename(decided, pdir) < 0) {
		cairn_err_set(err, "group %u: cannot swap the restored store in: %s", a->group,
			      strerror(errno));
		if (!exists(pdir))
			rename(old, pdir);
	}
	sync_parent(pdir);
	cairn_err oerr = {0};
	if (cairn_db_open_keyed(pdir, a->atrest, &a->db, &oerr) < 0) {
		/* Nothing else can be served: say so loudly. */
		cairn_error("group %u: cannot reopen the store after the restore: %s", a->group,
			    oerr.msg);
		if (!err->msg[0])
			*err = oerr;
	}
	pthread_rwlock_unlock(&a->db_lock);
	pthread_mutex_unlock(&a->write_mu);
	if (err->msg[0] || !a->db)
		goto out;
	cairn_rm_rf(old);
	if (cairn_alpha_claim_restored(a, pdir, err) < 0) {
		cairn_err_prefix(err, "group %u: restored, but", a->group);
		goto out;
	}
	cairn_info("restore %s: group %u swapped in", id, a->group);
	rc = 0;
out:
	set_restoring(a, 0, NULL);
	free(fresh);
	free(decided);
	free(old);
	return rc;
}

static int abort_restore(struct cairn_alpha *a, const char *id)
{
	const char *pdir = cairn_opt(a->opts, "postings");
	char suffix[32];
	pthread_mutex_lock(&a->restore_mu);
	int ours = a->restoring && !strcmp(a->restore_id, id);
	pthread_mutex_unlock(&a->restore_mu);
	snprintf(suffix, sizeof suffix, "restore-%s", id);
	char *fresh = beside(pdir, suffix);
	if (fresh && exists(fresh))
		cairn_rm_rf(fresh);
	free(fresh);
	if (ours) {
		set_restoring(a, 0, NULL);
		cairn_info("restore %s: abandoned in group %u, live data unchanged", id, a->group);
	}
	return 0;
}

int cairn_alpha_restore_recover(const char *dir, cairn_err *err)
{
	char *decided = beside(dir, "restore-commit"), *old = beside(dir, "restore-old");
	char *copy = strdup(dir), *base_copy = strdup(dir);
	int rc = -1;
	if (!decided || !old || !copy || !base_copy) {
		cairn_err_set(err, "out of memory");
		goto out;
	}
	if (exists(decided)) {
		if (exists(dir) && !exists(old) && rename(dir, old) < 0) {
			cairn_err_set(err, "cannot move %s aside to finish a restore: %s", dir,
				      strerror(errno));
			goto out;
		}
		if (!exists(dir) && rename(decided, dir) < 0) {
			cairn_err_set(err, "cannot finish the restore into %s: %s", dir,
				      strerror(errno));
			goto out;
		}
		cairn_info("finished a restore cut short: %s is the restored store", dir);
	}
	if (exists(old) && !exists(dir)) {
		if (rename(old, dir) < 0) {
			cairn_err_set(err, "cannot put %s back: %s", dir, strerror(errno));
			goto out;
		}
		cairn_info("a restore was cut short before its swap: %s keeps its data", dir);
	}
	if (exists(old)) {
		cairn_info("removing %s, left by a restore", old);
		cairn_rm_rf(old);
	}
	sync_parent(dir);
	/* Prepared, never committed. */
	size_t n = strlen(dir);
	while (n > 1 && dir[n - 1] == '/')
		n--;
	base_copy[n] = 0;
	char *parent = dirname(copy), *base = basename(base_copy);
	char prefix[512];
	snprintf(prefix, sizeof prefix, "%s.restore-", base);
	DIR *d = opendir(parent);
	struct dirent *e;
	while (d && (e = readdir(d)) != NULL) {
		if (strncmp(e->d_name, prefix, strlen(prefix)) != 0 ||
		    !valid_id(e->d_name + strlen(prefix)))
			continue;
		char *path = NULL;
		if (asprintf(&path, "%s/%s", parent, e->d_name) >= 0) {
			cairn_info("removing %s, a restore prepared but never committed", path);
			cairn_rm_rf(path);
		}
		free(path);
	}
	if (d)
		closedir(d);
	rc = 0;
out:
	free(decided);
	free(old);
	free(copy);
	free(base_copy);
	return rc;
}

/* ---- the wire form ---- */

static int add_sealed(cJSON *j, const char *name, const char *value)
{
	char aad[64];
	if (!value)
		return 0;
	if (!cairn_member_auth_enabled())
		return cJSON_AddStringToObject(j, name, value) ? 0 : -1;
	snprintf(aad, sizeof aad, "%s %s", PREPARE_PATH, name);
	char *sealed = cairn_member_seal(value, aad);
	int rc = sealed && cJSON_AddStringToObject(j, name, sealed) ? 0 : -1;
	free(sealed);
	return rc;
}

/* A field as sent: opened if sealed (*opened keeps the plain text to free). */
static const char *open_field(const cJSON *j, const char *name, char **opened, cairn_err *err)
{
	const char *v = opt_str(j, name);
	char aad[64];
	if (!v || !cairn_member_is_sealed(v))
		return v;
	snprintf(aad, sizeof aad, "%s %s", PREPARE_PATH, name);
	if (!(*opened = cairn_member_open(v, aad, err))) {
		cairn_err_prefix(err, "%s", name);
		return NULL;
	}
	return *opened;
}

static char *req_to_json(const struct restore_req *r)
{
	cJSON *j = cJSON_CreateObject();
	char hex[2 * CAIRN_KEY_MAX + 1] = "";
	char *s = NULL;
	for (size_t i = 0; i < r->key_len; i++)
		snprintf(hex + 2 * i, 3, "%02x", r->key[i]);
	cJSON_AddStringToObject(j, "id", r->id);
	cJSON_AddStringToObject(j, "location", r->location);
	if (r->backup_id)
		cJSON_AddStringToObject(j, "backupId", r->backup_id);
	cairn_json_add_u64(j, "backupNum", r->backup_num);
	if (r->to_ts)
		cairn_json_add_u64(j, "toTs", r->to_ts);
	cJSON_AddBoolToObject(j, "anonymous", r->anonymous);
	if (add_sealed(j, "accessKey", r->access_key) == 0 &&
	    add_sealed(j, "secretKey", r->secret_key) == 0 &&
	    add_sealed(j, "sessionToken", r->session_token) == 0 &&
	    add_sealed(j, "key", r->key_len ? hex : NULL) == 0)
		s = cJSON_PrintUnformatted(j);
	OPENSSL_cleanse(hex, sizeof hex);
	cJSON_Delete(j);
	return s;
}

static void reply_json(struct cairn_http_resp *resp, cJSON *j)
{
	char *s = cJSON_PrintUnformatted(j);
	cairn_http_reply(resp, 200, "application/json", s ? s : "{}");
	free(s);
}

void cairn_alpha_restore_serve(struct cairn_alpha *a, const struct cairn_http_req *req,
			       struct cairn_http_resp *resp)
{
	cairn_err err = {0};
	cJSON *j = cJSON_ParseWithLength(req->body, req->body_len), *out = NULL;
	char *opened[4] = {NULL, NULL, NULL, NULL};
	struct restore_req r;
	memset(&r, 0, sizeof r);
	if (strcmp(req->method, "POST") != 0) {
		cairn_http_error(resp, 405, "POST a restore request");
		goto out;
	}
	r.id = opt_str(j, "id");
	if (!cJSON_IsObject(j) || !valid_id(r.id)) {
		cairn_http_error(resp, 400, "a restore request needs an id of 16 hex digits");
		goto out;
	}
	out = cJSON_CreateObject();
	if (!strcmp(req->path, COMMIT_PATH)) {
		if (commit(a, r.id, &err) < 0)
			goto fail;
	} else if (!strcmp(req->path, ABORT_PATH)) {
		abort_restore(a, r.id);
	} else if (!strcmp(req->path, PREPARE_PATH)) {
		struct cairn_task_progress p = {0, 0};
		r.location = opt_str(j, "location");
		r.backup_id = opt_str(j, "backupId");
		r.backup_num = cairn_json_u64(j, "backupNum");
		r.to_ts = cairn_json_u64(j, "toTs");
		r.anonymous = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "anonymous"));
		r.access_key = open_field(j, "accessKey", &opened[0], &err);
		if (!err.msg[0])
			r.secret_key = open_field(j, "secretKey", &opened[1], &err);
		if (!err.msg[0])
			r.session_token = open_field(j, "sessionToken", &opened[2], &err);
		const char *hex = err.msg[0] ? NULL : open_field(j, "key", &opened[3], &err);
		if (err.msg[0])
			goto fail;
		if (!r.location) {
			cairn_err_set(&err, "a restore request needs a location");
			goto fail;
		}
		for (r.key_len = 0; hex && hex[2 * r.key_len] && r.key_len < CAIRN_KEY_MAX;
		     r.key_len++) {
			unsigned v;
			if (sscanf(hex + 2 * r.key_len, "%2x", &v) != 1)
				break;
			r.key[r.key_len] = (unsigned char)v;
		}
		uint64_t max_uid = 0;
		if (prepare(a, &r, &p, &max_uid, &err) < 0)
			goto fail;
		cairn_json_add_u64(out, "maxUid", max_uid);
		cairn_json_add_u64(out, "bytes", p.bytes);
		cairn_json_add_u64(out, "objects", p.objects);
	} else {
		cairn_http_error(resp, 404, "no such endpoint %s", req->path);
		goto out;
	}
	cairn_json_add_u64(out, "group", a->group);
	reply_json(resp, out);
	goto out;
fail:
	cairn_scrub(err.msg);
	cairn_error("restore: %s", err.msg);
	cairn_http_error(resp, 500, "%s", err.msg);
out:
	for (int i = 0; i < 4; i++)
		if (opened[i]) {
			OPENSSL_cleanse(opened[i], strlen(opened[i]));
			free(opened[i]);
		}
	req_clear(&r);
	cJSON_Delete(out);
	cJSON_Delete(j);
}

/* ---- the coordinator ---- */

struct participant {
	uint32_t group;
	int local;
	char addr[256];
	/* The prepare, on its own thread. */
	pthread_t thread;
	int started;
	struct cairn_alpha *a;
	const struct restore_req *r;
	const char *body;
	struct cairn_task_progress *p;
	uint64_t max_uid; /* the group's highest uid at the restore's to_ts */
	cairn_err err;
	int rc;
};

/* One call to a group's alpha; its answer parsed (NULL on failure, err set). */
static cJSON *call(struct cairn_alpha *a, const char *addr, const char *path, const char *body,
		   long timeout_ms, cairn_err *err)
{
	char url[512], *out = NULL;
	long status = 0;
	cairn_http_url(url, sizeof url, addr, path);
	struct cairn_http_call c = {.method = "POST",
				    .url = url,
				    .content_type = "application/json",
				    .body = body,
				    .body_len = strlen(body),
				    .auth_token = a->access.token,
				    .timeout_ms = timeout_ms,
				    .internal = 1};
	if (cairn_http_fetch(&c, &status, &out, NULL, err) < 0) {
		cairn_err_prefix(err, "cannot reach alpha %s", addr);
		return NULL;
	}
	cJSON *j = cJSON_Parse(out);
	free(out);
	if (status != 200) {
		const cJSON *m = cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "errors"), 0),
		    "message");
		cairn_err_set(err, "alpha %s answered %ld: %s", addr, status,
			      cJSON_IsString(m) ? m->valuestring : "no usable answer");
		cJSON_Delete(j);
		return NULL;
	}
	if (!j)
		cairn_err_set(err, "alpha %s answered with no usable JSON", addr);
	return j;
}

/* The key: the input's encryptionKeyFile or vault* fields select a provider
 * as the flags of `cairn restore` do; without any, this alpha's own key. */
static int input_key(struct cairn_alpha *a, const cJSON *input, struct restore_req *r,
		     cairn_err *err)
{
	static const char *const map[][2] = {
	    {"encryptionKeyFile", "encryption_key_file"},
	    {"vaultAddr", "vault_addr"},
	    {"vaultRoleIDFile", "vault_roleid_file"},
	    {"vaultSecretIDFile", "vault_secretid_file"},
	    {"vaultPath", "vault_path"},
	    {"vaultField", "vault_field"},
	    {"vaultFormat", "vault_format"},
	};
	struct cairn_kv kv[sizeof map / sizeof map[0] + 1];
	size_t n = 0;
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
		const char *v = opt_str(input, map[i][0]);
		if (v) {
			kv[n].key = map[i][1];
			kv[n++].value = v;
		}
	}
	kv[n].key = kv[n].value = NULL;
	if (!n) {
		memcpy(r->key, a->key, a->key_len);
		r->key_len = a->key_len;
		return 0;
	}
	if (cairn_key_load(kv, r->key, &r->key_len, err) < 0)
		return cairn_err_prefix(err, "the restore's key");
	return 0;
}

/* Every group of the backup and the alpha to ask: refused before anything
 * changes when one has none. */
static int plan(struct cairn_alpha *a, const struct cairn_manifest *last, struct participant **out,
		size_t *np, cairn_err *err)
{
	struct cairn_zero_state st = {0};
	if (cairn_zero_state(a->zero, &st, err) < 0)
		return cairn_err_prefix(err, "cannot read the cluster's groups from zero");
	struct participant *ps = calloc(last->nobjs + 1, sizeof *ps);
	int rc = -1;
	if (!ps) {
		cairn_err_set(err, "out of memory");
		goto out;
	}
	*out = ps;
	for (size_t i = 0; i < last->nobjs; i++) {
		struct participant *p = &ps[(*np)++];
		p->group = last->objs[i].group;
		if (p->group == a->group) {
			p->local = 1;
			snprintf(p->addr, sizeof p->addr, "%s", a->http_addr);
			continue;
		}
		const struct cairn_zero_group *g = NULL;
		for (size_t k = 0; k < st.ngroups; k++)
			if (st.groups[k].id == p->group)
				g = &st.groups[k];
		if (!g || !g->naddrs) {
			cairn_err_set(err,
				      "the backup holds group %u, but this cluster has no alpha "
				      "for group %u; start one, then restore again",
				      p->group, p->group);
			goto out;
		}
		/* The newest member: the most likely to be running. */
		snprintf(p->addr, sizeof p->addr, "%s", g->addrs[g->naddrs - 1]);
	}
	rc = 0;
out:
	cairn_zero_state_clear(&st);
	return rc;
}

static void *prepare_one(void *arg)
{
	struct participant *ps = arg;
	if (ps->local) {
		ps->rc = prepare(ps->a, ps->r, ps->p, &ps->max_uid, &ps->err);
		return NULL;
	}
	cairn_err e = {0};
	cJSON *j = call(ps->a, ps->addr, PREPARE_PATH, ps->body, PREPARE_DEADLINE_MS, &e);
	if (!j) {
		cairn_err_set(&ps->err, "group %u: %s", ps->group, e.msg);
		ps->rc = -1;
		return NULL;
	}
	if (ps->r->to_ts && !cJSON_GetObjectItemCaseSensitive(j, "maxUid")) {
		/* an alpha older than toTs built the whole chain: not the same point */
		cairn_err_set(&ps->err,
			      "group %u: its alpha (%s) is older than point-in-time restore; "
			      "upgrade it and restore again",
			      ps->group, ps->addr);
		cJSON_Delete(j);
		ps->rc = -1;
		return NULL;
	}
	ps->max_uid = cairn_json_u64(j, "maxUid");
	__atomic_fetch_add(&ps->p->bytes, cairn_json_u64(j, "bytes"), __ATOMIC_RELAXED);
	__atomic_fetch_add(&ps->p->objects, cairn_json_u64(j, "objects"), __ATOMIC_RELAXED);
	cJSON_Delete(j);
	ps->rc = 0;
	return NULL;
}

static void abort_all(struct cairn_alpha *a, struct participant *ps, size_t np, const char *id,
		      const char *body)
{
	for (size_t i = 0; i < np; i++) {
		cairn_err e = {0};
		if (ps[i].local) {
			abort_restore(a, id);
			continue;
		}
		cJSON *j = call(a, ps[i].addr, ABORT_PATH, body, FINISH_DEADLINE_MS, &e);
		if (!j)
			cairn_warn("restore %s: group %u did not confirm the abort: %s", id,
				   ps[i].group, e.msg);
		cJSON_Delete(j);
	}
}

int cairn_alpha_restore(struct cairn_alpha *a, const cJSON *input, struct cairn_task_progress *p,
			char **result, cairn_err *err)
{
	struct restore_req r;
	struct opened o;
	struct participant *ps = NULL;
	size_t np = 0;
	char id[17], idbody[40];
	unsigned char rnd[8];
	char *body = NULL;
	int rc = -1;
	struct cairn_task_progress own = {0, 0};
	memset(&r, 0, sizeof r);
	memset(&o, 0, sizeof o);
	*result = NULL;
	if (!p)
		p = &own;
	r.location = opt_str(input, "location");
	r.backup_id = opt_str(input, "backupId");
	r.access_key = opt_str(input, "accessKey");
	r.secret_key = opt_str(input, "secretKey");
	r.session_token = opt_str(input, "sessionToken");
	r.anonymous = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(input, "anonymous"));
	const cJSON *num = cJSON_GetObjectItemCaseSensitive(input, "backupNum");
	const cJSON *tts = cJSON_GetObjectItemCaseSensitive(input, "toTs");
	const char *to_time = opt_str(input, "toTime");
	if (!r.location) {
		cairn_err_set(err, "give the backups' location in the restore's input (location)");
		goto out;
	}
	if (cJSON_IsNumber(num)) {
		if (num->valuedouble < 1) {
			cairn_err_set(err, "backupNum counts from 1");
			goto out;
		}
		r.backup_num = (uint64_t)num->valuedouble;
	}
	if (cJSON_IsNumber(tts)) {
		if (tts->valuedouble < 1) {
			cairn_err_set(err, "toTs is a commit timestamp, above 0");
			goto out;
		}
		if (r.backup_num) {
			cairn_err_set(err, "give toTs or backupNum, not both: toTs picks the "
					   "backups it needs");
			goto out;
		}
		r.to_ts = (uint64_t)tts->valuedouble;
	}
	if (to_time) {
		if (r.to_ts || r.backup_num) {
			cairn_err_set(err, "give one of toTime, toTs and backupNum");
			goto out;
		}
		if (cairn_rfc3339_ms(to_time, &r.to_ms, err) < 0) {
			cairn_err_prefix(err, "toTime");
			goto out;
		}
	}
	if (RAND_bytes(rnd, sizeof rnd) != 1) {
		cairn_err_set(err, "no random bytes for the restore's id");
		goto out;
	}
	for (size_t i = 0; i < sizeof rnd; i++)
		snprintf(id + 2 * i, 3, "%02x", rnd[i]);
	r.id = id;
	snprintf(idbody, sizeof idbody, "{\"id\":\"%s\"}", id);
	/* Everything checked before anything changes. */
	if (input_key(a, input, &r, err) < 0 || open_chain(&r, &o, err) < 0)
		goto refused;
	const struct cairn_manifest *last = o.chain[o.n - 1];
	r.to_ts = o.to_ts; /* toTime's commit: the groups are sent toTs */
	r.to_ms = 0;
	uint64_t read_ts = r.to_ts ? r.to_ts : last->read_ts;
	uint64_t max_uid = r.to_ts ? 0 : cairn_chain_max_uid(o.chain, o.n);
	r.backup_id = o.chain[0]->backup_id;
	if (!r.to_ts)
		r.backup_num = o.n; /* with toTs each group picks the same chain itself */
	if (plan(a, last, &ps, &np, err) < 0)
		goto refused;
	if (!(body = req_to_json(&r))) {
		cairn_err_set(err, "out of memory");
		goto out;
	}
	cairn_info("restore %s: series %s, backups 1 to %zu (version %llu) into %zu groups", id,
		   r.backup_id, o.n, (unsigned long long)read_ts, np);
	/* Phase one: every group builds its store, all at once; each waits for
	 * the others to finish (the first failure is reported once all have). */
	for (size_t i = 0; i < np; i++) {
		ps[i].a = a;
		ps[i].r = &r;
		ps[i].body = body;
		ps[i].p = p;
		ps[i].rc = -1;
		if (pthread_create(&ps[i].thread, NULL, prepare_one, &ps[i]) == 0)
			ps[i].started = 1;
		else
			cairn_err_set(&ps[i].err, "group %u: cannot start a thread", ps[i].group);
	}
	int prepared = 1;
	for (size_t i = 0; i < np; i++) {
		if (ps[i].started)
			pthread_join(ps[i].thread, NULL);
		if (ps[i].rc < 0 && prepared) {
			*err = ps[i].err;
			prepared = 0;
		}
	}
	if (!prepared)
		goto failed;
	/* At toTs the max uid is the highest of the groups' at that commit. */
	for (size_t i = 0; r.to_ts && i < np; i++)
		if (ps[i].max_uid > max_uid)
			max_uid = ps[i].max_uid;
	/* Zero past the restored data before any group accepts writes again. */
	if (cairn_zero_move_past(a->zero, CAIRN_LEASE_TIMESTAMPS, read_ts, err) < 0 ||
	    cairn_zero_move_past(a->zero, CAIRN_LEASE_UIDS, max_uid, err) < 0) {
		cairn_err_prefix(err, "cannot move zero past the restored data");
		goto failed;
	}
	/* Phase two. A group that fails here is named: the others are restored. */
	char failures[1024] = "";
	for (size_t i = 0; i < np; i++) {
		cairn_err e = {0};
		cJSON *j = NULL;
		if (ps[i].local
			? commit(a, id, &e) < 0
			: !(j = call(a, ps[i].addr, COMMIT_PATH, idbody, FINISH_DEADLINE_MS, &e))) {
			size_t used = strlen(failures);
			snprintf(failures + used, sizeof failures - used, "%sgroup %u: %.300s",
				 used ? "; " : "", ps[i].group, e.msg);
		}
		cJSON_Delete(j);
	}
	if (failures[0]) {
		cairn_err_set(err,
			      "the restore was committed, but not every group swapped its data "
			      "in (%s); check those alphas' logs and run the restore again",
			      failures);
		goto out;
	}
	if (asprintf(result,
		     "Restore completed: series %s, backups 1 to %zu, version %llu, max uid "
		     "%llu, %zu groups.",
		     r.backup_id, o.n, (unsigned long long)read_ts, (unsigned long long)max_uid,
		     np) < 0)
		*result = NULL;
	cairn_info("restore %s: completed", id);
	rc = 0;
	goto out;
failed:
	abort_all(a, ps, np, id, idbody);
	cairn_err_prefix(err, "restore failed, nothing was changed (every group keeps its live "
			      "data)");
	goto out;
refused:
	cairn_err_prefix(err, "restore refused, nothing was changed");
out:
	if (rc < 0) {
		cairn_scrub(err->msg);
		cairn_error("%s", err->msg);
	}
	if (body) {
		OPENSSL_cleanse(body, strlen(body));
		free(body);
	}
	free(ps);
	opened_clear(&o);
	req_clear(&r);
	return rc;
}
