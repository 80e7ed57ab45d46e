/* restore.c — `cairn restore`: rebuild each group's postings directory from
 * a backup series.
 *
 * Before it writes anything, restore checks the chain (series.c), the key
 * against the manifest's key_check, and that every object is present with
 * its manifest's size (a stat each). Then it reads each object once: the
 * stored bytes are hashed as they stream in while their records go into a
 * hidden temporary directory beside the target (.p<N>.restoring.<pid>).
 * Only when every object of every group has been applied and its size,
 * sha256 and (encrypted) HMAC found equal to the manifest's are the
 * temporaries synced (once each: they are written unsynced) and renamed to
 * p<N>; any failure removes them, so a failed restore leaves the target as
 * it was. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <libgen.h>
#include <openssl/crypto.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cluster/zero_client.h"
#include "commands.h"
#include "format/committimes.h"
#include "keysel.h"
#include "log.h"
#include "restore/build.h"
#include "restore/check.h"
#include "restore/common.h"
#include "restore/progress.h"
#include "server/http.h"
#include "server/member_auth.h"
#include "server/tls.h"
#include "store/atrest.h"
#include "store/db.h"
#include "store/restored.h"

static const struct cairn_flag restore_flags[] = {
    {"postings", 'p', NULL, "directory to write p1, p2, ... into", 0},
    {"location", 'l', NULL, "where the backups are (directory or URI)", 0},
    {"zero", 'z', NULL, "zero to move past the restored timestamp and uids", 0},
    {"force_zero", 0, "true", "refuse to run without --zero", CAIRN_FLAG_BOOL},
    {"at_rest", 0, "true",
     "with a key: write p1, p2, ... encrypted at rest (docs/AT-REST.md); false writes them "
     "plain",
     CAIRN_FLAG_BOOL},
    {"cluster_secret_file", 0, NULL, "the cluster secret, to sign the calls to zero", 0},
    {"backup_id", 0, NULL, "series to restore (default: the newest backup's)", 0},
    {"backup_num", 0, NULL, "restore the series up to this backup (default: all)", 0},
    {"to_ts", 0, NULL, "restore the cluster as it was at this commit timestamp", 0},
    {"to_time", 0, NULL,
     "restore the cluster as it was at this UTC time (2026-11-30T14:01:00Z): the last commit "
     "at or before it, by the commit times the backups record",
     0},
    CAIRN_KEY_FLAGS,
    CAIRN_TLS_CA_FLAG,
    CAIRN_READ_FLAGS,
    {NULL, 0, NULL, NULL, 0},
};

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

void cairn_rm_rf(const char *path) { nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS); }

/* Removes .p<N>.restoring.<pid> directories left in dir by restores that
 * were killed: their process no longer exists. */
static void remove_stale_temporaries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	if (!d)
		return;
	while ((e = readdir(d)) != NULL) {
		unsigned g;
		long pid;
		char tail;
		if (sscanf(e->d_name, ".p%u.restoring.%ld%c", &g, &pid, &tail) != 2 || pid <= 0)
			continue;
		if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue; /* that restore is still running */
		char *path = NULL;
		if (asprintf(&path, "%s/%s", dir, e->d_name) >= 0) {
			cairn_info("removing %s, left by an interrupted restore", path);
			cairn_rm_rf(path);
		}
		free(path);
	}
	closedir(d);
}

struct restore_group {
	uint32_t group;
	char *tmp, *final;
};

/* The groups of the last backup in the chain are the cluster's groups;
 * none may exist in pdir yet. */
static int plan_groups(const char *pdir, const struct cairn_manifest *last,
		       struct restore_group **out, size_t *n, cairn_err *err)
{
	struct stat pb;
	/* -p may be missing, a directory or a link to one; anything else
	 * (a file, a dangling link) is refused before anything is written. */
	if (lstat(pdir, &pb) == 0 && (stat(pdir, &pb) < 0 || !S_ISDIR(pb.st_mode)))
		return cairn_err_set(err,
				     "%s exists and is not a directory (or a link to one); give "
				     "-p a new or existing directory",
				     pdir);
	struct restore_group *groups = calloc(last->nobjs ? last->nobjs : 1, sizeof *groups);
	if (!groups)
		return cairn_err_set(err, "out of memory");
	*out = groups;
	for (size_t i = 0; i < last->nobjs; i++) {
		struct restore_group *g = &groups[(*n)++];
		g->group = last->objs[i].group;
		if (asprintf(&g->final, "%s/p%u", pdir, g->group) < 0 ||
		    asprintf(&g->tmp, "%s/.p%u.restoring.%ld", pdir, g->group, (long)getpid()) <
			0) {
			g->final = g->tmp = NULL;
			return cairn_err_set(err, "out of memory");
		}
		struct stat sb;
		/* lstat: a dangling symbolic link named p<N> exists too, and
		 * would fail only the final rename, after all the work. */
		if (lstat(g->final, &sb) == 0)
			return cairn_err_set(err,
					     "%s already exists; restore into a new directory or "
					     "move it away first",
					     g->final);
	}
	return 0;
}

/* The stored bytes restore reads for group g: its object in each backup. */
static uint64_t group_bytes(const struct cairn_manifest *const *chain, size_t n, uint32_t g)
{
	uint64_t total = 0;
	for (size_t k = 0; k < n; k++)
		for (size_t i = 0; i < chain[k]->nobjs; i++)
			if (chain[k]->objs[i].group == g)
				total += chain[k]->objs[i].size;
	return total;
}

/* One group's directory from every backup of the chain, each object read
 * once and checked as it is applied. */
static int build_store(struct cairn_store_loc *loc, const struct cairn_manifest *const *chain,
		       size_t n, const struct cairn_keyset *ks, struct cairn_atrest *rest,
		       uint32_t group, const char *dir, uint64_t to_ts,
		       struct cairn_build_progress *p, uint64_t *applied_uid, cairn_err *err)
{
	struct cairn_db *db = NULL;
	cairn_rm_rf(dir);
	if (cairn_db_open_bulk_keyed(dir, rest, &db, err) < 0)
		return -1;
	for (size_t k = 0; k < n; k++) {
		const struct cairn_manifest_obj *obj = NULL;
		for (size_t i = 0; i < chain[k]->nobjs; i++)
			if (chain[k]->objs[i].group == group)
				obj = &chain[k]->objs[i];
		if (!obj)
			continue; /* the group did not exist yet at that backup */
		struct cairn_db_loader *l = NULL;
		if (cairn_db_load_begin(db, chain[k]->full, &l, err) < 0)
			goto fail;
		if (cairn_obj_apply_upto(loc, chain[k], obj, ks, 1, l, to_ts ? to_ts : UINT64_MAX,
					 applied_uid, err) < 0) {
			cairn_db_load_end(l, 0, 0, 0, &(cairn_err){0});
			goto fail;
		}
		uint64_t end_uid = to_ts ? *applied_uid : chain[k]->max_uid;
		uint64_t end_ts = to_ts && to_ts < chain[k]->read_ts ? to_ts : chain[k]->read_ts;
		if (cairn_db_load_end(l, end_uid, end_ts, 1, err) < 0) {
			char name[160];
			cairn_obj_name(chain[k], obj, name, sizeof name);
			cairn_err_prefix(err, "object %s", name);
			goto fail;
		}
		if (p) {
			__atomic_fetch_add(&p->bytes, obj->size, __ATOMIC_RELAXED);
			__atomic_fetch_add(&p->objects, 1, __ATOMIC_RELAXED);
		}
	}
	/* The one sync of the store (opened unsynced), before it is named done. */
	if (cairn_db_sync(db, err) < 0)
		goto fail;
	cairn_db_close(db);
	return cairn_group_id_write(dir, group, err);
fail:
	cairn_db_close(db);
	return -1;
}

/* restore.json beside group_id (store/restored.h): the alpha that starts
 * on the directory moves zero past the data and claims the group's
 * predicates (every predicate the chain lists for it) before serving. */
static int write_restore_meta(uint32_t group, const char *dir, const struct cairn_atrest *rest,
			      const struct cairn_manifest *const *chain, size_t n, uint64_t read_ts,
			      uint64_t max_uid, cairn_err *err)
{
	struct cairn_restored r = {read_ts, max_uid, 0, NULL, 0};
	char gid[16];
	int rc = -1;
	snprintf(gid, sizeof gid, "%u", group);
	for (size_t k = 0; k < n; k++) {
		const cJSON *p;
		cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(chain[k]->groups, gid))
		{
			size_t i;
			if (!cJSON_IsString(p))
				continue;
			for (i = 0; i < r.npreds && strcmp(r.preds[i], p->valuestring) != 0; i++)
				;
			if (i < r.npreds)
				continue;
			char **np = realloc(r.preds, (r.npreds + 1) * sizeof *np);
			if (!np || !(np[r.npreds] = strdup(p->valuestring))) {
				if (np)
					r.preds = np;
				cairn_err_set(err, "out of memory");
				goto out;
			}
			r.preds = np;
			r.npreds++;
		}
	}
	rc = cairn_restored_write(dir, rest, &r, err);
out:
	cairn_restored_clear(&r);
	return rc;
}

uint64_t cairn_chain_max_uid(const struct cairn_manifest *const *chain, size_t n)
{
	uint64_t max_uid = 0;
	for (size_t k = 0; k < n; k++)
		if (chain[k]->max_uid > max_uid)
			max_uid = chain[k]->max_uid;
	return max_uid;
}

int cairn_restore_build_group(struct cairn_store_loc *loc,
			      const struct cairn_manifest *const *chain, size_t n,
			      const struct cairn_keyset *ks, uint32_t group, const char *dir,
			      struct cairn_build_progress *p, cairn_err *err)
{
	return cairn_restore_build_group_at(loc, chain, n, ks, NULL, group, dir, 0, p, NULL, err);
}

int cairn_restore_build_group_at(struct cairn_store_loc *loc,
				 const struct cairn_manifest *const *chain, size_t n,
				 const struct cairn_keyset *ks, struct cairn_atrest *rest,
				 uint32_t group, const char *dir, uint64_t to_ts,
				 struct cairn_build_progress *p, uint64_t *max_uid, cairn_err *err)
{
	uint64_t applied = 0;
	if (build_store(loc, chain, n, ks, rest, group, dir, to_ts, p, &applied, err) < 0)
		return -1;
	uint64_t uid = to_ts ? applied : cairn_chain_max_uid(chain, n);
	if (max_uid)
		*max_uid = uid;
	return write_restore_meta(group, dir, rest, chain, n, to_ts ? to_ts : chain[n - 1]->read_ts,
				  uid, err);
}

/* All groups or none. */
static int move_into_place(struct restore_group *groups, size_t ng, cairn_err *err)
{
	for (size_t gi = 0; gi < ng; gi++) {
		if (rename(groups[gi].tmp, groups[gi].final) < 0) {
			cairn_err_set(err, "cannot move %s into place: %s", groups[gi].final,
				      strerror(errno));
			for (size_t j = 0; j < gi; j++)
				rename(groups[j].final, groups[j].tmp);
			return -1;
		}
	}
	return 0;
}

/* The renames into dir made durable. */
static int sync_dir(const char *dir, cairn_err *err)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) < 0) {
		cairn_err_set(err, "cannot sync %s: %s", dir, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/* dir's own entry made durable, when restore created it. */
static int sync_parent(const char *dir, cairn_err *err)
{
	char *copy = strdup(dir);
	if (!copy)
		return cairn_err_set(err, "out of memory");
	int rc = sync_dir(dirname(copy), err);
	free(copy);
	return rc;
}

/* Zero answers /health: a wrong address or --tls_ca is found before
 * anything is written, not after. */
static int check_zero(const char *zero, cairn_err *err)
{
	char url[512], *out = NULL;
	long status = 0;
	if (!zero || !*zero)
		return 0;
	if (cairn_http_url(url, sizeof url, zero, "/health") < 0)
		return cairn_err_set(err, "zero address %s is too long", zero);
	struct cairn_http_call c = {
	    .method = "GET", .url = url, .timeout_ms = 10000, .internal = 1};
	int rc = cairn_http_fetch(&c, &status, &out, NULL, err);
	free(out);
	if (rc == 0 && status != 200)
		rc = cairn_err_set(err, "%s answered %ld", url, status);
	if (rc < 0)
		return cairn_err_prefix(err, "cannot reach zero at %s, so nothing was restored",
					zero);
	return 0;
}

static int update_zero(const char *zero, uint64_t read_ts, uint64_t max_uid, cairn_err *err)
{
	if (!zero || !*zero) {
		printf("Zero was not updated (--force_zero=false). On the new cluster's zero run:\n"
		       "  curl \"http://ZERO:6080/assign?what=timestamps&num=%llu\"\n"
		       "  curl \"http://ZERO:6080/assign?what=uids&num=%llu\"\n",
		       (unsigned long long)read_ts, (unsigned long long)(max_uid ? max_uid : 1));
		return 0;
	}
	if (cairn_zero_move_past(zero, CAIRN_LEASE_TIMESTAMPS, read_ts, err) < 0 ||
	    cairn_zero_move_past(zero, CAIRN_LEASE_UIDS, max_uid, err) < 0) {
		char msg[sizeof err->msg], base[512];
		snprintf(msg, sizeof msg, "%s", err->msg);
		cairn_http_url(base, sizeof base, zero, ""); /* https with --tls_ca */
		return cairn_err_set(err,
				     "the data is restored, but zero was not updated: %s; run "
				     "curl \"%s/assign?what=timestamps&num=%llu\" and "
				     "curl \"%s/assign?what=uids&num=%llu\" on the new zero",
				     msg, base, (unsigned long long)read_ts, base,
				     (unsigned long long)(max_uid ? max_uid : 1));
	}
	printf("Zero at %s now hands out timestamps above %llu and uids above %llu\n", zero,
	       (unsigned long long)read_ts, (unsigned long long)max_uid);
	return 0;
}

/* Flags that make sense before anything is opened. */
static int check_flags(struct cairn_opts *o, uint64_t *upto, uint64_t *to_ts, uint64_t *to_ms,
		       cairn_err *err)
{
	const char *pdir = cairn_opt(o, "postings"), *zero = cairn_opt(o, "zero");
	if (!pdir || !*pdir)
		return cairn_err_set(err, "give the directory to restore into with -p/--postings");
	if ((!zero || !*zero) && cairn_opt_bool(o, "force_zero") == 1)
		return cairn_err_set(err, "no zero given: pass -z/--zero ADDR so restore can move "
					  "zero's timestamps and uid lease past the backup, or "
					  "--force_zero=false to do that yourself");
	if (cairn_opt(o, "backup_num") && cairn_opt_u64(o, "backup_num", upto, err) < 0)
		return -1;
	if (cairn_opt(o, "backup_num") && *upto == 0)
		return cairn_err_set(err, "--backup_num counts from 1");
	if (cairn_opt(o, "to_ts") && cairn_opt_u64(o, "to_ts", to_ts, err) < 0)
		return -1;
	if (cairn_opt(o, "to_ts") && *to_ts == 0)
		return cairn_err_set(err, "--to_ts is a commit timestamp, above 0");
	if (cairn_opt(o, "to_time") && cairn_rfc3339_ms(cairn_opt(o, "to_time"), to_ms, err) < 0)
		return cairn_err_prefix(err, "--to_time");
	if (*to_ts && cairn_opt(o, "to_time"))
		return cairn_err_set(err, "give --to_ts or --to_time, not both");
	if ((*to_ts || cairn_opt(o, "to_time")) && cairn_opt(o, "backup_num"))
		return cairn_err_set(err, "give --to_ts/--to_time or --backup_num, not both: a "
					  "point in time picks the backups it needs");
	return 0;
}

int cairn_cmd_restore(int argc, char **argv)
{
	struct cairn_opts o;
	cairn_err err = {0};
	struct cairn_store_loc loc = {0};
	struct cairn_backup_set set = {0};
	struct cairn_keyset ks;
	struct cairn_atrest *rest = NULL; /* the key also encrypts p<N> at rest */
	const struct cairn_manifest **chain = NULL;
	size_t n = 0;
	struct restore_group *groups = NULL;
	size_t ng = 0;
	int cleanup = 1, made_pdir = 0;
	const char *pdir = NULL, *zero = NULL;
	uint64_t upto = 0, to_ts = 0, to_ms = 0;
	const char *backup_id = NULL;
	int rc = -1;
	memset(&ks, 0, sizeof ks);
	cairn_log_set_name("restore");
	int pr = cairn_opts_parse_keyed("restore", "-p DIR -l LOCATION [-z ZERO]", restore_flags,
					argc, argv, &o, &err);
	if (pr != 0) {
		rc = pr > 0 ? 0 : -1;
		goto out;
	}
	cairn_quiet_stdout(&o);
	pdir = cairn_opt(&o, "postings");
	zero = cairn_opt(&o, "zero");
	if (cairn_http_client_tls(cairn_opt(&o, "tls_ca"), &err) < 0)
		goto out;
	if (check_flags(&o, &upto, &to_ts, &to_ms, &err) < 0 ||
	    (cairn_opt(&o, "cluster_secret_file") &&
	     cairn_member_auth_load(cairn_opt(&o, "cluster_secret_file"), &err) < 0) ||
	    cairn_backups_open(&o, &loc, &set, &ks, &err) < 0 ||
	    (ks.key_len && cairn_opt_bool(&o, "at_rest") != 0 &&
	     cairn_atrest_new(ks.key, ks.key_len, &rest, &err) < 0))
		goto out;
	backup_id = cairn_opt(&o, "backup_id");
	if (cairn_opt(&o, "to_time")) {
		if (cairn_series_ts_at_time(&set, backup_id, to_ms, &to_ts, &backup_id, &err) < 0)
			goto out;
		printf("%s is ts %llu: the last commit at or before it\n", cairn_opt(&o, "to_time"),
		       (unsigned long long)to_ts);
	}
	if ((to_ts ? cairn_series_chain_at(&set, backup_id, to_ts, &chain, &n, &err)
		   : cairn_series_chain(&set, backup_id, upto, &chain, &n, &err)) < 0 ||
	    cairn_series_check_key(chain, n, &ks, &err) < 0)
		goto out;
	const struct cairn_manifest *last = chain[n - 1];
	if (plan_groups(pdir, last, &groups, &ng, &err) < 0 || check_zero(zero, &err) < 0)
		goto out;
	uint64_t version = to_ts ? to_ts : last->read_ts;
	if (to_ts)
		printf("Restoring series %s to ts %llu: backups 1 to %llu (read_ts %llu), "
		       "commits after %llu left out, from %s\n",
		       chain[0]->backup_id, (unsigned long long)to_ts, (unsigned long long)n,
		       (unsigned long long)last->read_ts, (unsigned long long)to_ts,
		       cairn_opt(&o, "location"));
	else
		printf("Restoring series %s, backups 1 to %llu (read_ts %llu) from %s\n",
		       chain[0]->backup_id, (unsigned long long)n,
		       (unsigned long long)last->read_ts, cairn_opt(&o, "location"));
	/* Every object there, whole: the last check before anything is written. */
	if (cairn_chain_stat(&loc, chain, n, &err) < 0)
		goto out;
	remove_stale_temporaries(pdir);
	if (mkdir(pdir, 0755) == 0)
		made_pdir = 1;
	else if (errno != EEXIST) {
		cairn_err_set(&err, "cannot create %s: %s", pdir, strerror(errno));
		goto out;
	}
	uint64_t max_uid = to_ts ? 0 : cairn_chain_max_uid(chain, n);
	uint64_t total = 0;
	for (size_t gi = 0; gi < ng; gi++)
		total += group_bytes(chain, n, groups[gi].group);
	cairn_progress_start("restore", total, cairn_opt_bool(&o, "quiet") == 1);
	for (size_t gi = 0; gi < ng; gi++) {
		char label[64];
		snprintf(label, sizeof label, "group %u (%zu of %zu)", groups[gi].group, gi + 1,
			 ng);
		cairn_progress_part(label, group_bytes(chain, n, groups[gi].group));
		uint64_t guid = 0;
		if (cairn_restore_build_group_at(&loc, chain, n, &ks, rest, groups[gi].group,
						 groups[gi].tmp, to_ts, NULL, &guid, &err) < 0)
			goto out;
		if (to_ts && guid > max_uid)
			max_uid = guid; /* the cluster's: the highest of the groups' */
		cairn_progress_part_done();
	}
	cairn_progress_end(1);
	/* Each group's restore.json gets the cluster's max uid at to_ts, not only
	 * its own: an alpha started alone must not let zero hand out a uid
	 * another group holds. */
	for (size_t gi = 0; to_ts && gi < ng; gi++) {
		struct cairn_restored r;
		int got = cairn_restored_read(groups[gi].tmp, rest, &r, &err);
		if (got == 0) {
			r.max_uid = max_uid;
			got = cairn_restored_write(groups[gi].tmp, rest, &r, &err);
			cairn_restored_clear(&r);
		}
		if (got != 0) {
			if (!err.msg[0])
				cairn_err_set(&err, "%s has no restore.json", groups[gi].tmp);
			goto out;
		}
	}
	if (move_into_place(groups, ng, &err) < 0)
		goto out;
	cleanup = 0; /* from here on the restored directories stay */
	if (sync_dir(pdir, &err) < 0 || (made_pdir && sync_parent(pdir, &err) < 0))
		goto out;
	printf("Restore version: %llu\n", (unsigned long long)version);
	printf("Restore max uid: %llu\n", (unsigned long long)max_uid);
	for (size_t gi = 0; gi < ng; gi++)
		printf("Restored group %u into %s\n", groups[gi].group, groups[gi].final);
	if (update_zero(zero, version, max_uid, &err) < 0)
		goto out;
	rc = 0;
out:
	cairn_progress_end(0); /* nothing if it ended above */
	if (rc < 0 && err.msg[0])
		cairn_print_error(err.msg);
	for (size_t gi = 0; gi < ng; gi++) {
		if (cleanup && groups[gi].tmp)
			cairn_rm_rf(groups[gi].tmp);
		free(groups[gi].tmp);
		free(groups[gi].final);
	}
	if (cleanup && made_pdir)
		rmdir(pdir); /* only if still empty */
	free(groups);
	free(chain);
	OPENSSL_cleanse(&ks, sizeof ks);
	cairn_atrest_free(rest);
	cairn_series_clear(&set);
	cairn_location_close(&loc);
	cairn_opts_clear(&o);
	return rc < 0 ? 1 : 0;
}
