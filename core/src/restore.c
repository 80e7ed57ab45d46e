/* restore.c — `cairn restore`, `cairn lsbackup`, `cairn verify`.
 *
 * Restore checks everything it can before it writes anything: the chain
 * (series.c), the key against the manifest's key_check, and every object's
 * size, sha256 and (encrypted) HMAC. Then it rebuilds each group in a hidden
 * temporary directory beside the target and renames it to p<group> only when
 * the whole chain has been applied, so a failed restore leaves the target
 * as it was. */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alpha.h"
#include "commands.h"
#include "config.h"
#include "jsonfile.h"
#include "keysel.h"
#include "log.h"
#include "pipeline/object.h"
#include "format/records.h"
#include "series.h"
#include "store/db.h"

static const struct cairn_flag restore_flags[] = {
	{"postings", 'p', NULL, "directory to write p1, p2, ... into", 0},
	{"location", 'l', NULL, "where the backups are (directory or URI)", 0},
	{"zero", 'z', NULL, "zero to move past the restored timestamp and uids", 0},
	{"force_zero", 0, "true", "refuse to run without --zero", CAIRN_FLAG_BOOL},
	{"backup_id", 0, NULL, "series to restore (default: the newest backup's)", 0},
	{"backup_num", 0, NULL, "restore the series up to this backup (default: all)", 0},
	CAIRN_KEY_FLAGS,
	{NULL, 0, NULL, NULL, 0},
};

static const struct cairn_flag ls_flags[] = {
	{"location", 'l', NULL, "where the backups are (directory or URI)", 0},
	{"json", 0, "false", "print JSON", CAIRN_FLAG_BOOL},
	{"plugin_dir", 0, NULL, "directory of *.so plugins", 0},
	{NULL, 0, NULL, NULL, 0},
};

static const struct cairn_flag verify_flags[] = {
	{"location", 'l', NULL, "where the backups are (directory or URI)", 0},
	{"backup_id", 0, NULL, "series to verify (default: every series)", 0},
	CAIRN_KEY_FLAGS,
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

static void rm_rf(const char *path) { nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS); }

/* Checks the key against the series before anything is read. */
static int check_key(const struct cairn_manifest *first, const struct cairn_keyset *ks,
		     cairn_err *err)
{
	if (!first->encrypted)
		return 0;
	size_t want = !strcmp(first->cipher, "aes-128-ctr") ? 16 : !strcmp(first->cipher, "aes-192-ctr") ? 24 : 32;
	if (!ks->key_len)
		return cairn_err_set(err, "backup series %s is encrypted (%s): give the key with "
					  "--encryption_key_file or the --vault_* flags",
				     first->backup_id, first->cipher);
	if (ks->key_len != want)
		return cairn_err_set(err, "backup series %s was encrypted with %s, which takes a "
					  "%zu-byte key; the key given is %zu bytes",
				     first->backup_id, first->cipher, want, ks->key_len);
	char check[33];
	cairn_keyset_check(ks, check);
	if (strcmp(check, first->key_check) != 0)
		return cairn_err_set(err, "wrong key: backup series %s was encrypted with a different "
					  "key than the one given",
				     first->backup_id);
	return 0;
}

/* Every object present, with the size, sha256 and HMAC its manifest names. */
static int verify_objects(struct cairn_store_loc *loc, const struct cairn_manifest *const *chain,
			  size_t n, const struct cairn_keyset *ks, int quiet, cairn_err *err)
{
	for (size_t k = 0; k < n; k++) {
		const struct cairn_manifest *m = chain[k];
		for (size_t i = 0; i < m->nobjs; i++) {
			const struct cairn_manifest_obj *o = &m->objs[i];
			char name[160];
			int exists = 0;
			uint64_t size = 0;
			struct cairn_obj_info info;
			snprintf(name, sizeof name, "%s/%s", m->dir, o->path);
			if (loc->ops->stat(loc->st, name, &exists, &size, err) < 0)
				return -1;
			if (!exists)
				return cairn_err_set(err, "object %s is missing: backup %llu of series %s "
							  "cannot be restored",
						     name, (unsigned long long)m->backup_num, m->backup_id);
			if (size != o->size)
				return cairn_err_set(err, "object %s is %llu bytes but its manifest says %llu: "
							  "it was truncated or replaced",
						     name, (unsigned long long)size,
						     (unsigned long long)o->size);
			if (cairn_obj_hash(loc, name, m->encrypted ? ks : NULL, &info, err) < 0)
				return -1;
			if (strcmp(info.sha256, o->sha256) != 0)
				return cairn_err_set(err, "object %s does not match the sha256 in its "
							  "manifest: it was modified or damaged",
						     name);
			/* Without the key (verify may run so) the MAC cannot be checked. */
			if (m->encrypted && ks->key_len && strcmp(info.hmac, o->hmac) != 0)
				return cairn_err_set(err, "object %s fails its MAC check: the object or "
							  "its manifest was altered",
						     name);
			if (!quiet)
				printf("ok  %s  %llu bytes  sha256 %s\n", name,
				       (unsigned long long)o->size, o->sha256);
		}
	}
	return 0;
}

/* Decodes one object into a loader (or just checks it, with l NULL). */
static int apply_object(struct cairn_store_loc *loc, const struct cairn_manifest *m,
			const struct cairn_manifest_obj *o, const struct cairn_keyset *ks,
			struct cairn_db_loader *l, cairn_err *err)
{
	char name[160];
	struct cairn_obj_reader *r = NULL;
	struct cairn_rec_decoder *d = NULL;
	struct cairn_rec_header h;
	struct cairn_version v;
	uint64_t prev_ts = 0;
	int rc = -1, got;
	snprintf(name, sizeof name, "%s/%s", m->dir, o->path);
	if (cairn_objr_open(loc, name, m->encrypted ? ks : NULL, &r, err) < 0 ||
	    cairn_rec_decoder_open(r, name, &h, &d, err) < 0)
		goto out;
	if (h.group != o->group || h.read_ts != m->read_ts || h.since != m->since) {
		cairn_err_set(err, "object %s says group %u since %llu read_ts %llu; its manifest "
				   "disagrees",
			      name, h.group, (unsigned long long)h.since, (unsigned long long)h.read_ts);
		goto out;
	}
	while ((got = cairn_rec_next(d, &v, err)) == 1) {
		if (v.ts > m->read_ts || (!m->full && v.ts <= m->since)) {
			cairn_err_set(err, "object %s holds a record at ts %llu outside (%llu, %llu]",
				      name, (unsigned long long)v.ts, (unsigned long long)m->since,
				      (unsigned long long)m->read_ts);
			goto out;
		}
		if (!m->full && v.ts < prev_ts) {
			cairn_err_set(err, "object %s: records out of commit order", name);
			goto out;
		}
		prev_ts = v.ts;
		if (l && cairn_db_load_put(l, &v, err) < 0) {
			char msg[sizeof err->msg];
			snprintf(msg, sizeof msg, "%s", err->msg);
			cairn_err_set(err, "object %s: %s", name, msg);
			goto out;
		}
	}
	if (got < 0)
		goto out;
	rc = 0;
out:
	cairn_rec_decoder_free(d);
	cairn_objr_close(r);
	return rc;
}

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
			rm_rf(path);
		}
		free(path);
	}
	closedir(d);
}

struct restore_group {
	uint32_t group;
	char *tmp, *final;
};

static int load_common(struct cairn_opts *o, struct cairn_store_loc *loc,
		       struct cairn_backup_set *set, struct cairn_keyset *ks, int need_loc,
		       cairn_err *err)
{
	unsigned char key[CAIRN_KEY_MAX];
	size_t klen = 0;
	const char *l = cairn_opt(o, "location");
	if (need_loc && (!l || !*l))
		return cairn_err_set(err, "give the backup location with -l/--location (a directory "
					  "or URI such as s3://s3.us-west-2.amazonaws.com/bucket)");
	if (cairn_load_plugins_from(cairn_opt(o, "plugin_dir")) < 0) {
		err->msg[0] = 0;
		return -1;
	}
	if (ks) {
		if (cairn_key_load(o->kv, key, &klen, err) < 0)
			return -1;
		cairn_keyset_init(ks, key, klen);
	}
	if (cairn_location_open(l, NULL, loc, err) < 0)
		return -1;
	return cairn_series_load(loc, set, err);
}

static int move_zero(const char *zero, const char *what, uint64_t target, cairn_err *err)
{
	cJSON *st = cairn_zero_call(zero, "GET", "/state", NULL, err);
	if (!st)
		return -1;
	uint64_t cur = cairn_json_u64(st, !strcmp(what, "timestamps") ? "maxTxnTs" : "maxUID");
	cJSON_Delete(st);
	if (cur >= target)
		return 0;
	char path[128];
	snprintf(path, sizeof path, "/assign?what=%s&num=%llu", what,
		 (unsigned long long)(target - cur));
	cJSON *r = cairn_zero_call(zero, "GET", path, NULL, err);
	if (!r)
		return -1;
	cJSON_Delete(r);
	return 0;
}

int cairn_cmd_restore(int argc, char **argv)
{
	struct cairn_opts o;
	cairn_err err = {0};
	struct cairn_store_loc loc = {0};
	struct cairn_backup_set set = {0};
	struct cairn_keyset ks;
	const struct cairn_manifest **chain = NULL;
	size_t n = 0;
	struct restore_group *groups = NULL;
	size_t ng = 0, nalloc = 0;
	int cleanup = 1;
	uint64_t upto = 0;
	int rc = -1;
	memset(&ks, 0, sizeof ks);
	cairn_log_set_name("restore");
	int pr = cairn_opts_parse("restore", "-p DIR -l LOCATION [-z ZERO]", restore_flags, argc, argv,
				  &o, &err);
	if (pr != 0) {
		rc = pr > 0 ? 0 : -1;
		goto out;
	}
	const char *pdir = cairn_opt(&o, "postings"), *zero = cairn_opt(&o, "zero");
	if (!pdir || !*pdir) {
		cairn_err_set(&err, "give the directory to restore into with -p/--postings");
		goto out;
	}
	if ((!zero || !*zero) && cairn_opt_bool(&o, "force_zero") == 1) {
		cairn_err_set(&err, "no zero given: pass -z/--zero ADDR so restore can move zero's "
				    "timestamps and uid lease past the backup, or --force_zero=false "
				    "to do that yourself");
		goto out;
	}
	if (cairn_opt(&o, "backup_num") && cairn_opt_u64(&o, "backup_num", &upto, &err) < 0)
		goto out;
	if (cairn_opt(&o, "backup_num") && upto == 0) {
		cairn_err_set(&err, "--backup_num counts from 1");
		goto out;
	}
	if (load_common(&o, &loc, &set, &ks, 1, &err) < 0)
		goto out;
	if (cairn_series_chain(&set, cairn_opt(&o, "backup_id"), upto, &chain, &n, &err) < 0 ||
	    check_key(chain[0], &ks, &err) < 0)
		goto out;
	/* The groups of the last backup in the chain are the cluster's groups. */
	const struct cairn_manifest *last = chain[n - 1];
	groups = calloc(last->nobjs, sizeof *groups);
	if (!groups) {
		cairn_err_set(&err, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < last->nobjs; i++) {
		struct restore_group *g = &groups[ng++];
		nalloc = ng;
		g->group = last->objs[i].group;
		if (asprintf(&g->final, "%s/p%u", pdir, g->group) < 0 ||
		    asprintf(&g->tmp, "%s/.p%u.restoring.%ld", pdir, g->group, (long)getpid()) < 0) {
			cairn_err_set(&err, "out of memory");
			goto out;
		}
		struct stat sb;
		if (stat(g->final, &sb) == 0) {
			cairn_err_set(&err, "%s already exists; restore into a new directory or move it "
					    "away first",
				      g->final);
			goto out;
		}
	}
	printf("Restoring series %s, backups 1 to %llu (read_ts %llu) from %s\n", chain[0]->backup_id,
	       (unsigned long long)n, (unsigned long long)last->read_ts, cairn_opt(&o, "location"));
	if (verify_objects(&loc, chain, n, &ks, 1, &err) < 0)
		goto out;
	remove_stale_temporaries(pdir);
	if (mkdir(pdir, 0755) < 0 && errno != EEXIST) {
		cairn_err_set(&err, "cannot create %s: %s", pdir, strerror(errno));
		goto out;
	}
	uint64_t max_uid = 0;
	for (size_t k = 0; k < n; k++)
		if (chain[k]->max_uid > max_uid)
			max_uid = chain[k]->max_uid;
	for (size_t gi = 0; gi < ng; gi++) {
		struct restore_group *g = &groups[gi];
		struct cairn_db *db = NULL;
		rm_rf(g->tmp);
		if (cairn_db_open(g->tmp, &db, &err) < 0)
			goto out;
		for (size_t k = 0; k < n; k++) {
			const struct cairn_manifest_obj *obj = NULL;
			for (size_t i = 0; i < chain[k]->nobjs; i++)
				if (chain[k]->objs[i].group == g->group)
					obj = &chain[k]->objs[i];
			if (!obj)
				continue; /* the group did not exist yet at that backup */
			struct cairn_db_loader *l = NULL;
			if (cairn_db_load_begin(db, chain[k]->full, &l, &err) < 0 ||
			    apply_object(&loc, chain[k], obj, &ks, l, &err) < 0 ||
			    cairn_db_load_end(l, chain[k]->max_uid, chain[k]->read_ts, 1, &err) < 0) {
				if (l && err.msg[0])
					cairn_db_load_end(l, 0, 0, 0, &(cairn_err){0});
				cairn_db_close(db);
				goto out;
			}
		}
		cairn_db_close(db);
		if (cairn_group_id_write(g->tmp, g->group, &err) < 0)
			goto out;
	}
	for (size_t gi = 0; gi < ng; gi++) {
		if (rename(groups[gi].tmp, groups[gi].final) < 0) {
			cairn_err_set(&err, "cannot move %s into place: %s", groups[gi].final,
				      strerror(errno));
			/* Undo the ones already moved: all groups or none. */
			for (size_t j = 0; j < gi; j++)
				rename(groups[j].final, groups[j].tmp);
			goto out;
		}
	}
	printf("Restore version: %llu\n", (unsigned long long)last->read_ts);
	printf("Restore max uid: %llu\n", (unsigned long long)max_uid);
	for (size_t gi = 0; gi < ng; gi++)
		printf("Restored group %u into %s\n", groups[gi].group, groups[gi].final);
	if (zero && *zero) {
		if (move_zero(zero, "timestamps", last->read_ts, &err) < 0 ||
		    move_zero(zero, "uids", max_uid, &err) < 0) {
			char msg[sizeof err.msg];
			snprintf(msg, sizeof msg, "%s", err.msg);
			cairn_err_set(&err, "the data is restored, but zero was not updated: %s; run "
					    "curl \"http://%s/assign?what=timestamps&num=%llu\" and "
					    "curl \"http://%s/assign?what=uids&num=%llu\" on the new zero",
				      msg, zero, (unsigned long long)last->read_ts, zero,
				      (unsigned long long)(max_uid ? max_uid : 1));
			cleanup = 0; /* the restored directories stay */
			goto out;
		}
		printf("Zero at %s now hands out timestamps above %llu and uids above %llu\n", zero,
		       (unsigned long long)last->read_ts, (unsigned long long)max_uid);
	} else {
		printf("Zero was not updated (--force_zero=false). On the new cluster's zero run:\n"
		       "  curl \"http://ZERO:6080/assign?what=timestamps&num=%llu\"\n"
		       "  curl \"http://ZERO:6080/assign?what=uids&num=%llu\"\n",
		       (unsigned long long)last->read_ts, (unsigned long long)(max_uid ? max_uid : 1));
	}
	cleanup = 0;
	rc = 0;
out:
	if (rc < 0 && err.msg[0])
		cairn_print_error(err.msg);
	for (size_t gi = 0; gi < nalloc; gi++) {
		if (cleanup && groups[gi].tmp)
			rm_rf(groups[gi].tmp);
		free(groups[gi].tmp);
		free(groups[gi].final);
	}
	free(groups);
	free(chain);
	cairn_series_free(&set);
	cairn_location_close(&loc);
	cairn_opts_free(&o);
	return rc < 0 ? 1 : 0;
}

static uint64_t total_size(const struct cairn_manifest *m)
{
	uint64_t s = 0;
	for (size_t i = 0; i < m->nobjs; i++)
		s += m->objs[i].size;
	return s;
}

int cairn_cmd_lsbackup(int argc, char **argv)
{
	struct cairn_opts o;
	cairn_err err = {0};
	struct cairn_store_loc loc = {0};
	struct cairn_backup_set set = {0};
	int rc = -1;
	cairn_log_set_name("lsbackup");
	int pr = cairn_opts_parse("lsbackup", "-l LOCATION [--json]", ls_flags, argc, argv, &o, &err);
	if (pr != 0) {
		rc = pr > 0 ? 0 : -1;
		goto out;
	}
	if (load_common(&o, &loc, &set, NULL, 1, &err) < 0)
		goto out;
	if (cairn_opt_bool(&o, "json") == 1) {
		cJSON *arr = cJSON_CreateArray();
		for (size_t i = 0; i < set.n; i++) {
			const struct cairn_manifest *m = &set.m[i];
			cJSON *j = cJSON_CreateObject();
			cJSON_AddStringToObject(j, "path", m->dir);
			cJSON_AddStringToObject(j, "type", m->full ? "full" : "incremental");
			cJSON_AddStringToObject(j, "backup_id", m->backup_id);
			cairn_json_add_u64(j, "backup_num", m->backup_num);
			cairn_json_add_u64(j, "since", m->since);
			cairn_json_add_u64(j, "read_ts", m->read_ts);
			cJSON_AddBoolToObject(j, "encrypted", m->encrypted);
			cJSON_AddItemToObject(j, "groups", cJSON_Duplicate(m->groups, 1));
			cairn_json_add_u64(j, "max_uid", m->max_uid);
			cairn_json_add_u64(j, "size", total_size(m));
			cJSON_AddStringToObject(j, "created", m->created);
			cJSON_AddItemToArray(arr, j);
		}
		char *s = cJSON_Print(arr);
		cJSON_Delete(arr);
		printf("%s\n", s ? s : "[]");
		free(s);
	} else {
		printf("%-28s %-11s %-24s %4s %10s %10s %-9s %12s\n", "PATH", "TYPE", "BACKUP_ID", "NUM",
		       "SINCE", "READ_TS", "ENCRYPTED", "BYTES");
		for (size_t i = 0; i < set.n; i++) {
			const struct cairn_manifest *m = &set.m[i];
			printf("%-28s %-11s %-24s %4llu %10llu %10llu %-9s %12llu\n", m->dir,
			       m->full ? "full" : "incremental", m->backup_id,
			       (unsigned long long)m->backup_num, (unsigned long long)m->since,
			       (unsigned long long)m->read_ts, m->encrypted ? "yes" : "no",
			       (unsigned long long)total_size(m));
		}
	}
	rc = 0;
out:
	if (rc < 0 && err.msg[0])
		cairn_print_error(err.msg);
	cairn_series_free(&set);
	cairn_location_close(&loc);
	cairn_opts_free(&o);
	return rc < 0 ? 1 : 0;
}

static int chain_encrypted_without_key(const struct cairn_backup_set *set, const char *id,
				       const struct cairn_keyset *ks)
{
	for (size_t i = 0; i < set->n; i++)
		if (!strcmp(set->m[i].backup_id, id))
			return set->m[i].encrypted && !ks->key_len;
	return 0;
}

int cairn_cmd_verify(int argc, char **argv)
{
	struct cairn_opts o;
	cairn_err err = {0};
	struct cairn_store_loc loc = {0};
	struct cairn_backup_set set = {0};
	struct cairn_keyset ks;
	const struct cairn_manifest **chain = NULL;
	int rc = -1;
	memset(&ks, 0, sizeof ks);
	cairn_log_set_name("verify");
	int pr = cairn_opts_parse("verify", "-l LOCATION [--backup_id ID]", verify_flags, argc, argv,
				  &o, &err);
	if (pr != 0) {
		rc = pr > 0 ? 0 : -1;
		goto out;
	}
	if (load_common(&o, &loc, &set, &ks, 1, &err) < 0)
		goto out;
	/* Every series (or the one asked for), each checked as a chain. */
	const char *only = cairn_opt(&o, "backup_id");
	size_t nseries = 0;
	for (size_t i = 0; i < set.n; i++) {
		const char *id = set.m[i].backup_id;
		if (only && strcmp(only, id) != 0)
			continue;
		size_t j;
		for (j = 0; j < i && strcmp(set.m[j].backup_id, id) != 0; j++)
			;
		if (j < i)
			continue; /* series already checked */
		size_t n = 0;
		free(chain);
		chain = NULL;
		/* Without a key an encrypted series is still checked for presence,
		 * sizes and sha256; with one, also the key, MACs and records. */
		int keyless = chain_encrypted_without_key(&set, id, &ks);
		if (cairn_series_chain(&set, id, 0, &chain, &n, &err) < 0 ||
		    (!keyless && check_key(chain[0], &ks, &err) < 0) ||
		    verify_objects(&loc, chain, n, &ks, 0, &err) < 0)
			goto out;
		/* Decode every record: the hashes say the bytes are the ones written;
		 * this says they are a well-formed backup. */
		if (!chain[0]->encrypted || ks.key_len) {
			for (size_t k = 0; k < n; k++)
				for (size_t g = 0; g < chain[k]->nobjs; g++)
					if (apply_object(&loc, chain[k], &chain[k]->objs[g], &ks, NULL,
							 &err) < 0)
						goto out;
		}
		printf("series %s: %zu backup(s) up to read_ts %llu verified%s\n", id, n,
		       (unsigned long long)chain[n - 1]->read_ts,
		       keyless ? " (encrypted, no key given: sizes and sha256 only; give the key to "
				 "check MACs and records)"
			       : "");
		nseries++;
	}
	if (!nseries) {
		cairn_err_set(&err, only ? "no backup series with id \"%s\" at this location"
					 : "no backups found at this location",
			      only ? only : "");
		goto out;
	}
	rc = 0;
out:
	if (rc < 0 && err.msg[0])
		cairn_print_error(err.msg);
	free(chain);
	cairn_series_free(&set);
	cairn_location_close(&loc);
	cairn_opts_free(&o);
	return rc < 0 ? 1 : 0;
}
