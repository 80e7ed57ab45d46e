/* backup.c — one group's online backup.
 *
 * The read timestamp is zero's applied watermark, so every commit at or below
 * it is in the store and none above it is read: writers go on during the
 * backup, and LMDB's snapshot read keeps them out of it. The object is
 * streamed through the pipeline (gzip, AES-CTR, hashes) to the storage
 * plugin; manifest.json is written last, so a backup that fails or is killed
 * leaves a folder that is never taken for a backup.
 *
 * The alpha that receives the request coordinates: it takes the cluster's
 * backup lock at zero, plans the backup (full or incremental, read_ts,
 * folder), writes its own group's object and asks one alpha of every other
 * group to write theirs (POST /internal/backup), in parallel, then writes the
 * one manifest that names them all. */
#include "backup.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <pthread.h>
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
#include "server/http.h"

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

static int stop_at_first(void *ctx, const char *name, uint64_t size, cairn_err *err)
{
	(void)name;
	(void)size;
	(void)err;
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

/* Asks zero whether backups are licensed, and for the read timestamp; returns
 * zero's state (for the groups) or NULL. */
static cJSON *zero_plan(struct cairn_alpha *a, uint64_t *read_ts, cairn_err *err)
{
	cJSON *st = cairn_zero_call(a->zero, "GET", "/state", NULL, err);
	if (!st)
		return NULL;
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
		return NULL;
	}
	*read_ts = cairn_json_u64(st, "watermark");
	if (*read_ts == 0) { /* nothing committed yet: take a timestamp of our own */
		cJSON *r = cairn_zero_call(a->zero, "GET", "/assign?what=timestamps&num=1", NULL, err);
		if (!r) {
			cJSON_Delete(st);
			return NULL;
		}
		*read_ts = cairn_json_u64(r, "startId");
		cJSON_Delete(r);
	}
	return st;
}

/* One group's part of a backup, and what it produced. */
struct group_job {
	const char *dir;
	int full;
	uint64_t since, read_ts;
};

struct group_result {
	uint32_t group;
	struct cairn_manifest_obj obj;
	cJSON *preds, *drops;
	uint64_t max_uid;
	int encrypted;
	char key_check[33];
};

static void result_clear(struct group_result *r)
{
	cJSON_Delete(r->preds);
	cJSON_Delete(r->drops);
	r->preds = r->drops = NULL;
}

/* Writes this alpha's object for job into loc. */
static int backup_group(struct cairn_alpha *a, struct cairn_store_loc *loc,
			const struct group_job *job, struct group_result *res, cairn_err *err)
{
	struct cairn_keyset ks;
	struct cairn_obj_writer *w = NULL;
	struct cairn_rec_encoder *enc = NULL;
	struct cairn_obj_info info;
	char obj_name[160];
	int rc = -1;
	memset(res, 0, sizeof *res);
	cairn_keyset_init(&ks, a->key, a->key_len);
	res->group = a->group;
	res->obj.group = a->group;
	res->encrypted = ks.key_len > 0;
	if (ks.key_len)
		cairn_keyset_check(&ks, res->key_check);
	res->preds = cJSON_CreateArray();
	res->drops = cJSON_CreateArray();
	snprintf(res->obj.path, sizeof res->obj.path, "r%llu-g%u.backup",
		 (unsigned long long)job->read_ts, a->group);
	snprintf(obj_name, sizeof obj_name, "%s/%s", job->dir, res->obj.path);
	struct cairn_rec_header hdr = {a->group, job->full ? 0 : job->since, job->read_ts};
	if (cairn_objw_open(loc, obj_name, &ks, &w, err) < 0 ||
	    cairn_rec_encoder_open(w, &hdr, &enc, err) < 0)
		goto out;
	struct enc_ctx ec = {enc, err, job->full ? NULL : res->drops};
	int sr = job->full ? cairn_db_scan(a->db, job->read_ts, put_cb, &ec, err)
			   : cairn_db_changes(a->db, job->since, job->read_ts, put_cb, &ec, err);
	if (sr != 0)
		goto out;
	int fr = cairn_rec_encoder_finish(enc, &res->obj.records, err);
	enc = NULL;
	if (fr < 0)
		goto out;
	int cr = cairn_objw_commit(w, &info, err);
	w = NULL;
	if (cr < 0)
		goto out;
	res->obj.size = info.size;
	memcpy(res->obj.sha256, info.sha256, sizeof res->obj.sha256);
	memcpy(res->obj.hmac, info.hmac, sizeof res->obj.hmac);
	if (cairn_db_predicates(a->db, pred_cb, res->preds, err) < 0)
		goto out;
	res->max_uid = cairn_db_max_uid(a->db);
	rc = 0;
out:
	cairn_rec_encoder_free(enc);
	cairn_objw_abort(w);
	OPENSSL_cleanse(&ks, sizeof ks);
	return rc;
}

/* A remote group's part: the request carries the plan and the credentials,
 * so it is sent only to the group's alpha, never logged. */
struct remote_job {
	pthread_t thread;
	uint32_t group;
	char addr[256];     /* the member that answered (or the last tried) */
	char **addrs;       /* every member of the group, tried in turn */
	size_t naddrs;
	char *body;
	const char *auth_token;
	struct group_result res;
	cairn_err err;
	int rc;
};

static int result_from_json(const cJSON *j, struct group_result *r, cairn_err *err)
{
	const cJSON *path = cJSON_GetObjectItemCaseSensitive(j, "path");
	const cJSON *sha = cJSON_GetObjectItemCaseSensitive(j, "sha256");
	const cJSON *mac = cJSON_GetObjectItemCaseSensitive(j, "hmac");
	const cJSON *kc = cJSON_GetObjectItemCaseSensitive(j, "key_check");
	if (!cJSON_IsString(path) || !cJSON_IsString(sha) || strlen(sha->valuestring) != 64 ||
	    strlen(path->valuestring) >= sizeof r->obj.path)
		return cairn_err_set(err, "the answer does not describe an object");
	r->group = (uint32_t)cairn_json_u64(j, "group");
	r->obj.group = r->group;
	snprintf(r->obj.path, sizeof r->obj.path, "%s", path->valuestring);
	memcpy(r->obj.sha256, sha->valuestring, 65);
	if (cJSON_IsString(mac) && strlen(mac->valuestring) == 64)
		memcpy(r->obj.hmac, mac->valuestring, 65);
	if (cJSON_IsString(kc) && strlen(kc->valuestring) == 32)
		memcpy(r->key_check, kc->valuestring, 33);
	r->obj.size = cairn_json_u64(j, "size");
	r->obj.records = cairn_json_u64(j, "records");
	r->max_uid = cairn_json_u64(j, "max_uid");
	r->encrypted = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "encrypted"));
	r->preds = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(j, "predicates"), 1);
	r->drops = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(j, "drop_operations"), 1);
	if (!cJSON_IsArray(r->preds) || !cJSON_IsArray(r->drops))
		return cairn_err_set(err, "the answer has no predicates or drop_operations");
	return 0;
}

static void *remote_run(void *arg)
{
	struct remote_job *job = arg;
	char url[512], *out = NULL;
	long status = 0;
	job->rc = -1;
	/* A group's members are tried in turn: an alpha restarted on another
	 * address leaves its old address behind in zero's membership. */
	int reached = 0;
	char tried[1024] = "";
	for (size_t i = 0; i < job->naddrs && !reached; i++) {
		snprintf(job->addr, sizeof job->addr, "%s", job->addrs[i]);
		snprintf(url, sizeof url, "http://%s/internal/backup", job->addr);
		if (cairn_http_fetch_auth("POST", url, "application/json", job->body,
					  strlen(job->body), job->auth_token, &status, &out, NULL,
					  &job->err) == 0)
			reached = 1;
		else
			snprintf(tried + strlen(tried), sizeof tried - strlen(tried), "%s%s",
				 *tried ? ", " : "", job->addr);
	}
	if (!reached) {
		cairn_err_set(&job->err, "cannot reach any alpha of group %u (tried %s); start one "
					 "before backing up",
			      job->group, tried);
		return NULL;
	}
	cJSON *j = cJSON_Parse(out);
	if (status != 200 || !j) {
		const cJSON *e = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "errors"), 0);
		const cJSON *m = cJSON_GetObjectItemCaseSensitive(e, "message");
		cairn_err_set(&job->err, "group %u (alpha %s): %s", job->group, job->addr,
			      cJSON_IsString(m) ? m->valuestring : "no usable answer");
	} else if (result_from_json(j, &job->res, &job->err) < 0) {
		char msg[sizeof job->err.msg];
		snprintf(msg, sizeof msg, "%s", job->err.msg);
		cairn_err_set(&job->err, "group %u (alpha %s): %s", job->group, job->addr, msg);
	} else if (job->res.group != job->group) {
		cairn_err_set(&job->err, "alpha %s answered for group %u, not %u", job->addr,
			      job->res.group, job->group);
	} else {
		job->rc = 0;
	}
	cJSON_Delete(j);
	free(out);
	return NULL;
}

/* The other groups of the cluster, each with one alpha to ask. */
static int plan_remotes(struct cairn_alpha *a, const cJSON *state, const char *body_template,
			struct remote_job **out, size_t *n, cairn_err *err)
{
	const cJSON *groups = cJSON_GetObjectItemCaseSensitive(state, "groups"), *g;
	*out = NULL;
	*n = 0;
	cJSON_ArrayForEach(g, groups)
	{
		unsigned long id = strtoul(g->string, NULL, 10);
		if (id == a->group)
			continue;
		const cJSON *members = cJSON_GetObjectItemCaseSensitive(g, "members"), *m;
		const cJSON *preds = cJSON_GetObjectItemCaseSensitive(g, "predicates");
		if (cJSON_GetArraySize(members) == 0) {
			if (cJSON_GetArraySize(preds) == 0)
				continue; /* an empty group holds nothing to back up */
			return cairn_err_set(err, "group %lu serves predicates but has no alpha; start "
						  "its alpha before backing up",
					     id);
		}
		struct remote_job *nj = realloc(*out, (*n + 1) * sizeof *nj);
		if (!nj)
			return cairn_err_set(err, "out of memory");
		*out = nj;
		struct remote_job *job = &nj[(*n)++];
		memset(job, 0, sizeof *job);
		job->group = (uint32_t)id;
		/* Newest member first: the most likely to be the one running. */
		size_t nm = (size_t)cJSON_GetArraySize(members), k = nm;
		job->addrs = calloc(nm, sizeof *job->addrs);
		if (!job->addrs)
			return cairn_err_set(err, "out of memory");
		cJSON_ArrayForEach(m, members)
		{
			const cJSON *addr = cJSON_GetObjectItemCaseSensitive(m, "addr");
			if (cJSON_IsString(addr))
				job->addrs[--k] = strdup(addr->valuestring);
		}
		for (size_t i = k; i < nm; i++)
			job->addrs[job->naddrs++] = job->addrs[i];
		job->body = strdup(body_template);
		job->auth_token = cairn_opt(a->opts, "auth_token");
		if (!job->body)
			return cairn_err_set(err, "out of memory");
	}
	return 0;
}

static char *job_body(const struct cairn_backup_input *in, const struct group_job *job)
{
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "destination", in->destination);
	if (in->access_key)
		cJSON_AddStringToObject(j, "accessKey", in->access_key);
	if (in->secret_key)
		cJSON_AddStringToObject(j, "secretKey", in->secret_key);
	if (in->session_token)
		cJSON_AddStringToObject(j, "sessionToken", in->session_token);
	cJSON_AddBoolToObject(j, "anonymous", in->anonymous);
	cJSON_AddStringToObject(j, "dir", job->dir);
	cJSON_AddBoolToObject(j, "full", job->full);
	cairn_json_add_u64(j, "since", job->since);
	cairn_json_add_u64(j, "read_ts", job->read_ts);
	char *s = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	return s;
}

static int open_destination(const struct cairn_backup_input *in, struct cairn_store_loc *loc,
			    cairn_err *err)
{
	char anon[8];
	snprintf(anon, sizeof anon, "%s", in->anonymous ? "true" : "false");
	if (in->access_key)
		cairn_add_secret(in->access_key, strlen(in->access_key));
	if (in->secret_key)
		cairn_add_secret(in->secret_key, strlen(in->secret_key));
	if (in->session_token)
		cairn_add_secret(in->session_token, strlen(in->session_token));
	struct cairn_kv params[] = {
		{"accessKey", in->access_key}, {"secretKey", in->secret_key},
		{"sessionToken", in->session_token}, {"anonymous", anon}, {NULL, NULL}};
	/* Only what was given, so plugins fall back to the environment. */
	struct cairn_kv given[5];
	size_t ng = 0;
	for (size_t i = 0; params[i].key; i++)
		if (params[i].value)
			given[ng++] = params[i];
	given[ng].key = given[ng].value = NULL;
	return cairn_location_open(in->destination, given, loc, err);
}

static int run(struct cairn_alpha *a, const struct cairn_backup_input *in, char *dir_out,
	       size_t dir_len, cairn_err *err)
{
	struct cairn_store_loc loc = {0};
	struct cairn_backup_set set = {0};
	struct cairn_manifest m;
	struct cairn_keyset ks;
	struct remote_job *remotes = NULL;
	size_t nremotes = 0, started = 0;
	struct group_result mine = {0};
	cJSON *state = NULL;
	char *body = NULL;
	int rc = -1;
	memset(&m, 0, sizeof m);
	cairn_keyset_init(&ks, a->key, a->key_len);

	if (open_destination(in, &loc, err) < 0)
		goto out;
	uint64_t read_ts;
	if (!(state = zero_plan(a, &read_ts, err)))
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
		if (!used && cairn_location_list(&loc, probe, stop_at_first, &used, err) < 0)
			goto out;
		if (!used)
			break;
		usleep(1000);
	}
	snprintf(dir_out, dir_len, "%s", dir);
	struct group_job job = {dir, m.full, m.since, read_ts};
	cairn_info("backup %s #%llu (%s) at read_ts %llu%s to %s", m.backup_id,
		   (unsigned long long)m.backup_num, m.full ? "full" : "incremental",
		   (unsigned long long)read_ts, m.encrypted ? ", encrypted" : "", in->destination);

	/* Other groups write in parallel with this one. */
	if (!(body = job_body(in, &job))) {
		cairn_err_set(err, "out of memory");
		goto out;
	}
	if (plan_remotes(a, state, body, &remotes, &nremotes, err) < 0)
		goto out;
	for (; started < nremotes; started++)
		if (pthread_create(&remotes[started].thread, NULL, remote_run, &remotes[started]) != 0) {
			cairn_err_set(err, "cannot start a thread for group %u", remotes[started].group);
			break;
		}
	int local = backup_group(a, &loc, &job, &mine, err);
	for (size_t i = 0; i < started; i++)
		pthread_join(remotes[i].thread, NULL);
	if (local < 0 || started < nremotes)
		goto out;
	for (size_t i = 0; i < nremotes; i++) {
		if (remotes[i].rc < 0) {
			cairn_err_set(err, "%s", remotes[i].err.msg);
			goto out;
		}
		if (remotes[i].res.encrypted != m.encrypted ||
		    strcmp(remotes[i].res.key_check, m.encrypted ? check : "") != 0) {
			cairn_err_set(err, "the alpha of group %u %s; every alpha of a cluster must back "
					   "up with the same key",
				      remotes[i].group,
				      remotes[i].res.encrypted ? (m.encrypted ? "encrypts with another key"
									    : "encrypts and this one does not")
							       : "has no encryption key");
			goto out;
		}
	}

	/* The manifest names every group's object. */
	m.nobjs = 1 + nremotes;
	m.objs = calloc(m.nobjs, sizeof *m.objs);
	m.dir = strdup(dir);
	m.groups = cJSON_CreateObject();
	m.drops = cJSON_CreateArray();
	if (!m.objs || !m.dir || !m.groups || !m.drops) {
		cairn_err_set(err, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < m.nobjs; i++) {
		struct group_result *r = i == 0 ? &mine : &remotes[i - 1].res;
		char gid[16];
		snprintf(gid, sizeof gid, "%u", r->group);
		m.objs[i] = r->obj;
		cJSON_AddItemToObject(m.groups, gid, cJSON_Duplicate(r->preds, 1));
		const cJSON *d;
		cJSON_ArrayForEach(d, r->drops) cJSON_AddItemToArray(m.drops, cJSON_Duplicate(d, 1));
		if (r->max_uid > m.max_uid)
			m.max_uid = r->max_uid;
	}

	/* Fault injection for tests: a window in which the objects are complete
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
	cairn_info("backup %s #%llu complete: %s (%zu group(s))", m.backup_id,
		   (unsigned long long)m.backup_num, dir, m.nobjs);
	pthread_mutex_lock(&a->stats_mu);
	a->last_backup_read_ts = read_ts;
	pthread_mutex_unlock(&a->stats_mu);
	rc = 0;
out:
	for (size_t i = 0; i < nremotes; i++) {
		for (size_t k = 0; k < remotes[i].naddrs; k++)
			free(remotes[i].addrs[k]);
		free(remotes[i].addrs);
		free(remotes[i].body);
		result_clear(&remotes[i].res);
	}
	free(remotes);
	free(body);
	result_clear(&mine);
	cJSON_Delete(state);
	cairn_manifest_clear(&m);
	cairn_series_free(&set);
	cairn_location_close(&loc);
	OPENSSL_cleanse(&ks, sizeof ks);
	return rc;
}

/* The cluster-wide backup lock, held at zero by this alpha's member id. */
static int cluster_lock(struct cairn_alpha *a, int take, cairn_err *err)
{
	char path[128];
	snprintf(path, sizeof path, "/internal/%s?what=backup&member=%llu", take ? "lock" : "unlock",
		 (unsigned long long)a->member_id);
	cJSON *r = cairn_zero_call(a->zero, "POST", path, "{}", err);
	if (!r)
		return -1;
	cJSON_Delete(r);
	return 0;
}

int cairn_backup_run(struct cairn_alpha *a, const struct cairn_backup_input *in, char **task_id,
		     char *errbuf, size_t errlen)
{
	cairn_err err = {0};
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

	int rc = cluster_lock(a, 1, &err);
	if (rc == 0) {
		rc = run(a, in, dir, sizeof dir, &err);
		cairn_err uerr = {0};
		if (cluster_lock(a, 0, &uerr) < 0)
			cairn_warn("cannot release the backup lock at zero: %s", uerr.msg);
	}

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

static const char *opt_str(const cJSON *j, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, name);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

char *cairn_backup_remote(struct cairn_alpha *a, const char *body, size_t len, cairn_err *err)
{
	cJSON *j = cJSON_ParseWithLength(body, len), *out = NULL;
	struct cairn_store_loc loc = {0};
	struct group_result res = {0};
	char *s = NULL;
	const char *dir = opt_str(j, "dir");
	struct cairn_backup_input in = {opt_str(j, "destination"), opt_str(j, "accessKey"),
					opt_str(j, "secretKey"), opt_str(j, "sessionToken"),
					cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "anonymous")), 0};
	struct group_job job = {dir, cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "full")),
				cairn_json_u64(j, "since"), cairn_json_u64(j, "read_ts")};
	if (!j || !in.destination || !dir || strncmp(dir, "cairn.", 6) != 0 || strchr(dir, '/') ||
	    !job.read_ts) {
		cairn_err_set(err, "a group backup request needs destination, dir, full, since and read_ts");
		goto out;
	}
	/* Commits up to read_ts are applied here before zero's watermark passes
	 * them; wait for that, as an export at read_ts would. */
	if (cairn_zero_wait_watermark(a->zero, job.read_ts, err) < 0 ||
	    open_destination(&in, &loc, err) < 0 || backup_group(a, &loc, &job, &res, err) < 0)
		goto out;
	cairn_info("group %u object %s/%s written for a backup coordinated elsewhere", a->group, dir,
		   res.obj.path);
	out = cJSON_CreateObject();
	cairn_json_add_u64(out, "group", res.group);
	cJSON_AddStringToObject(out, "path", res.obj.path);
	cairn_json_add_u64(out, "size", res.obj.size);
	cairn_json_add_u64(out, "records", res.obj.records);
	cJSON_AddStringToObject(out, "sha256", res.obj.sha256);
	cJSON_AddStringToObject(out, "hmac", res.obj.hmac);
	cJSON_AddBoolToObject(out, "encrypted", res.encrypted);
	cJSON_AddStringToObject(out, "key_check", res.key_check);
	cairn_json_add_u64(out, "max_uid", res.max_uid);
	cJSON_AddItemToObject(out, "predicates", cJSON_Duplicate(res.preds, 1));
	cJSON_AddItemToObject(out, "drop_operations", cJSON_Duplicate(res.drops, 1));
	s = cJSON_PrintUnformatted(out);
out:
	cJSON_Delete(out);
	cJSON_Delete(j);
	result_clear(&res);
	cairn_location_close(&loc);
	return s;
}
