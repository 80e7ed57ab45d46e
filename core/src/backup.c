/* backup.c — one group's online backup.
 *
 * The read timestamp is zero's applied watermark, so every commit at or below
 * it is in the store and none above it is read: writers go on during the
 * backup, and LMDB's snapshot read keeps them out of it. The object is
 * streamed through the pipeline (gzip, AES-CTR, hashes) to the storage
 * plugin; manifest.json is written last, so a backup that fails or is killed
 * leaves a folder that is never taken for a backup. */
#include "backup.h"

#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "jsonfile.h"
#include "log.h"
#include "pipeline.h"
#include "records.h"
#include "series.h"

struct enc_ctx {
	struct cairn_rec_encoder *enc;
	cairn_err *err;
	cJSON *drops;
};

static int put_cb(void *ctx, const struct cairn_version *v)
{
	struct enc_ctx *c = ctx;
	if (c->drops && (v->op == CAIRN_OP_DROP_ALL || v->op == CAIRN_OP_DROP_ATTR)) {
		cJSON *d = cJSON_CreateObject();
		cJSON_AddStringToObject(d, "op", v->op == CAIRN_OP_DROP_ALL ? "drop_all" : "drop_attr");
		if (v->op == CAIRN_OP_DROP_ATTR) {
			char attr[CAIRN_MAX_PRED + 1];
			snprintf(attr, sizeof attr, "%.*s", (int)v->pred_len, v->pred);
			cJSON_AddStringToObject(d, "attr", attr);
		}
		cairn_json_add_u64(d, "ts", v->ts);
		cJSON_AddItemToArray(c->drops, d);
	}
	return cairn_rec_put(c->enc, v, c->err) < 0 ? -1 : 0;
}

static int pred_cb(void *ctx, const struct cairn_version *v)
{
	char p[CAIRN_MAX_PRED + 1];
	snprintf(p, sizeof p, "%.*s", (int)v->pred_len, v->pred);
	cJSON_AddItemToArray(ctx, cJSON_CreateString(p));
	return 0;
}

static int stop_at_first(void *ctx, const char *name, uint64_t size)
{
	(void)name;
	(void)size;
	*(int *)ctx = 1;
	return 1;
}

static void folder_name(char *out, size_t len, char *created, size_t clen)
{
	struct timeval tv;
	struct tm tm;
	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	snprintf(out, len, "cairn.%04d%02d%02d.%02d%02d%02d.%03ld", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (long)(tv.tv_usec / 1000));
	strftime(created, clen, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int new_backup_id(char *out, size_t len)
{
	unsigned char r[8];
	if (RAND_bytes(r, sizeof r) != 1)
		return -1;
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	snprintf(out, len, "%04d%02d%02d-%02x%02x%02x%02x%02x%02x", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, r[0], r[1], r[2], r[3], r[4], r[5]);
	return 0;
}

/* Asks zero whether backups are licensed, and for the read timestamp. */
static int zero_read_ts(struct cairn_alpha *a, uint64_t *read_ts, cairn_err *err)
{
	cJSON *st = cairn_zero_call(a->zero, "GET", "/state", NULL, err);
	if (!st)
		return -1;
	const cJSON *lic = cJSON_GetObjectItemCaseSensitive(st, "license");
	const cJSON *exp = cJSON_GetObjectItemCaseSensitive(lic, "expiry");
	if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(lic, "enabled"))) {
		cairn_err_set(err, "backups need an enterprise license: the %s ended on %s; apply a "
				   "license with zero's POST /enterpriseLicense",
			      cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(lic, "trial"))
				      ? "30-day trial"
				      : "license",
			      cJSON_IsString(exp) ? exp->valuestring : "?");
		cJSON_Delete(st);
		return -1;
	}
	*read_ts = cairn_json_u64(st, "watermark");
	cJSON_Delete(st);
	if (*read_ts == 0) { /* nothing committed yet: take a timestamp of our own */
		cJSON *r = cairn_zero_call(a->zero, "GET", "/assign?what=timestamps&num=1", NULL, err);
		if (!r)
			return -1;
		*read_ts = cairn_json_u64(r, "startId");
		cJSON_Delete(r);
	}
	return 0;
}

static int run(struct cairn_alpha *a, const struct cairn_backup_input *in, char *dir_out,
	       size_t dir_len, cairn_err *err)
{
	struct cairn_store_loc loc = {0};
	struct cairn_backup_set set = {0};
	struct cairn_manifest m;
	struct cairn_keyset ks;
	struct cairn_obj_writer *w = NULL;
	struct cairn_rec_encoder *enc = NULL;
	char anon[8];
	int rc = -1;
	memset(&m, 0, sizeof m);
	cairn_keyset_init(&ks, a->key, a->key_len);
	if (in->access_key)
		cairn_add_secret(in->access_key, strlen(in->access_key));
	if (in->secret_key)
		cairn_add_secret(in->secret_key, strlen(in->secret_key));
	if (in->session_token)
		cairn_add_secret(in->session_token, strlen(in->session_token));
	snprintf(anon, sizeof anon, "%s", in->anonymous ? "true" : "false");
	struct cairn_kv params[] = {
		{"accessKey", in->access_key}, {"secretKey", in->secret_key},
		{"sessionToken", in->session_token}, {"anonymous", anon}, {NULL, NULL}};
	/* Drop unset entries so plugins see only what was given. */
	struct cairn_kv given[5];
	size_t ng = 0;
	for (size_t i = 0; params[i].key; i++)
		if (params[i].value)
			given[ng++] = params[i];
	given[ng].key = given[ng].value = NULL;

	if (cairn_location_open(in->destination, given, &loc, err) < 0)
		goto out;
	uint64_t read_ts;
	if (zero_read_ts(a, &read_ts, err) < 0)
		goto out;
	if (cairn_series_load(&loc, &set, err) < 0)
		goto out;
	const struct cairn_manifest *last = cairn_series_latest(&set);
	char check[33] = "";
	if (ks.key_len)
		cairn_keyset_check(&ks, check);
	if (last && !in->force_full) {
		if (last->encrypted != (ks.key_len > 0)) {
			cairn_err_set(err, "the latest backup at this location (%s) is %s and this alpha %s; "
					   "a series cannot mix them: set forceFull: true to start a new series",
				      last->dir, last->encrypted ? "encrypted" : "not encrypted",
				      ks.key_len ? "encrypts" : "has no encryption key");
			goto out;
		}
		if (last->encrypted && strcmp(last->key_check, check) != 0) {
			cairn_err_set(err, "the latest backup at this location (%s) was encrypted with a "
					   "different key; set forceFull: true to start a new series",
				      last->dir);
			goto out;
		}
		if (read_ts < last->read_ts) {
			cairn_err_set(err, "the latest backup at this location (%s, read_ts %llu) is newer "
					   "than this cluster (read_ts %llu); back up to another location "
					   "or set forceFull: true",
				      last->dir, (unsigned long long)last->read_ts,
				      (unsigned long long)read_ts);
			goto out;
		}
		m.full = 0;
		m.since = last->read_ts;
		m.backup_num = last->backup_num + 1;
		snprintf(m.backup_id, sizeof m.backup_id, "%s", last->backup_id);
	} else {
		m.full = 1;
		m.since = 0;
		m.backup_num = 1;
		if (new_backup_id(m.backup_id, sizeof m.backup_id) < 0) {
			cairn_err_set(err, "cannot get random bytes for a backup id");
			goto out;
		}
	}
	m.read_ts = read_ts;
	m.encrypted = ks.key_len > 0;
	if (m.encrypted) {
		snprintf(m.cipher, sizeof m.cipher, "%s", cairn_cipher_name(ks.key_len));
		memcpy(m.key_check, check, sizeof check);
	}
	char dir[64];
	for (;;) { /* a folder name is a millisecond: never reuse one */
		int used = 0;
		folder_name(dir, sizeof dir, m.created, sizeof m.created);
		for (size_t i = 0; i < set.n; i++)
			used |= !strcmp(set.m[i].dir, dir);
		char probe[80];
		snprintf(probe, sizeof probe, "%s/", dir);
		if (!used && loc.ops->list(loc.st, probe, stop_at_first, &used, err) < 0)
			goto out;
		if (!used)
			break;
		usleep(1000);
	}
	snprintf(dir_out, dir_len, "%s", dir);
	m.dir = strdup(dir);
	m.objs = calloc(1, sizeof *m.objs);
	m.nobjs = 1;
	m.groups = cJSON_CreateObject();
	m.drops = cJSON_CreateArray();
	if (!m.dir || !m.objs || !m.groups || !m.drops) {
		cairn_err_set(err, "out of memory");
		goto out;
	}
	struct cairn_manifest_obj *mo = &m.objs[0];
	mo->group = a->group;
	snprintf(mo->path, sizeof mo->path, "r%llu-g%u.backup", (unsigned long long)read_ts, a->group);
	char obj_name[160];
	snprintf(obj_name, sizeof obj_name, "%s/%s", dir, mo->path);
	cairn_info("backup %s #%llu (%s) of group %u at read_ts %llu%s to %s", m.backup_id,
		   (unsigned long long)m.backup_num, m.full ? "full" : "incremental", a->group,
		   (unsigned long long)read_ts, m.encrypted ? ", encrypted" : "", in->destination);

	struct cairn_rec_header hdr = {a->group, m.since, read_ts};
	if (cairn_objw_open(&loc, obj_name, &ks, &w, err) < 0 ||
	    cairn_rec_encoder_open(w, &hdr, &enc, err) < 0)
		goto out;
	struct enc_ctx ec = {enc, err, m.full ? NULL : m.drops};
	int sr = m.full ? cairn_db_scan(a->db, read_ts, put_cb, &ec, err)
			: cairn_db_changes(a->db, m.since, read_ts, put_cb, &ec, err);
	if (sr != 0)
		goto out;
	int fr = cairn_rec_encoder_finish(enc, &mo->records, err);
	enc = NULL;
	if (fr < 0)
		goto out;
	struct cairn_obj_info info;
	int cr = cairn_objw_commit(w, &info, err);
	w = NULL;
	if (cr < 0)
		goto out;
	mo->size = info.size;
	memcpy(mo->sha256, info.sha256, sizeof mo->sha256);
	memcpy(mo->hmac, info.hmac, sizeof mo->hmac);
	char gid[16];
	snprintf(gid, sizeof gid, "%u", a->group);
	cJSON *preds = cJSON_AddArrayToObject(m.groups, gid);
	if (cairn_db_predicates(a->db, pred_cb, preds, err) < 0)
		goto out;
	m.max_uid = cairn_db_max_uid(a->db);

	/* Fault injection for tests: a window in which the object is complete
	 * but the manifest is not yet written. */
	const char *pause = getenv("CAIRN_FAULT_BACKUP_PAUSE_MS");
	if (pause)
		usleep((useconds_t)atoi(pause) * 1000);

	char *json = cairn_manifest_to_json(&m);
	char mname[128];
	snprintf(mname, sizeof mname, "%s/manifest.json", dir);
	if (!json) {
		cairn_err_set(err, "out of memory");
		goto out;
	}
	int wr = cairn_location_write_all(&loc, mname, json, strlen(json), err);
	free(json);
	if (wr < 0)
		goto out;
	cairn_info("backup %s #%llu complete: %s (%llu records, %llu bytes)", m.backup_id,
		   (unsigned long long)m.backup_num, dir, (unsigned long long)mo->records,
		   (unsigned long long)mo->size);
	pthread_mutex_lock(&a->stats_mu);
	a->last_backup_read_ts = read_ts;
	pthread_mutex_unlock(&a->stats_mu);
	rc = 0;
out:
	cairn_rec_encoder_free(enc);
	cairn_objw_abort(w);
	cairn_manifest_clear(&m);
	cairn_series_free(&set);
	cairn_location_close(&loc);
	return rc;
}

int cairn_backup_run(struct cairn_alpha *a, const struct cairn_backup_input *in, char **task_id,
		     char *errbuf, size_t errlen)
{
	cairn_err err = {{0}};
	char dir[64] = "";
	*task_id = NULL;
	pthread_mutex_lock(&a->backup_mu);
	if (a->backup_running) {
		pthread_mutex_unlock(&a->backup_mu);
		snprintf(errbuf, errlen, "another backup is already running on this cluster; wait for "
					 "it to finish and try again");
		return -1;
	}
	a->backup_running = 1;
	pthread_mutex_unlock(&a->backup_mu);

	int rc = run(a, in, dir, sizeof dir, &err);

	pthread_mutex_lock(&a->backup_mu);
	a->backup_running = 0;
	pthread_mutex_unlock(&a->backup_mu);
	pthread_mutex_lock(&a->stats_mu);
	if (rc == 0)
		a->n_backups++;
	else
		a->n_backup_failures++;
	pthread_mutex_unlock(&a->stats_mu);
	if (rc < 0) {
		cairn_scrub(err.msg);
		cairn_error("backup failed: %s", err.msg);
		snprintf(errbuf, errlen, "%s", err.msg);
		return -1;
	}
	*task_id = strdup(dir);
	return 0;
}
