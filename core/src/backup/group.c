/* group.c — one group's object of a backup.
 *
 * The read timestamp is zero's applied watermark, so every commit at or below
 * it is in the store and none above it is read: writers go on during the
 * backup, and LMDB's snapshot read keeps them out of it. The object is
 * streamed through the pipeline (gzip, AES-CTR, hashes) to the storage
 * plugin; it is named in a manifest only by the coordinator, after every
 * group's object is complete. */
#include "backup/group.h"

#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cluster/zero_client.h"
#include "format/blockindex.h"
#include "format/committimes.h"
#include "format/records.h"
#include "jsonfile.h"
#include "log.h"
#include "pipeline/object.h"
#include "server/member_auth.h"
#include "store/db.h"

struct enc_ctx {
	struct cairn_rec_encoder *enc;
	cairn_err *err;
	cJSON *drops;
	/* An incremental's distinct commit ts, in commit order; overflow: more
	 * than CAIRN_CTIMES_MAX (or out of memory), then none are recorded. */
	uint64_t *ts;
	size_t nts, cap;
	int overflow;
};

static void note_ts(struct enc_ctx *c, uint64_t ts)
{
	if (c->overflow || (c->nts && c->ts[c->nts - 1] == ts))
		return;
	if (c->nts >= CAIRN_CTIMES_MAX) {
		c->overflow = 1;
		return;
	}
	if (c->nts == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 256;
		uint64_t *n = realloc(c->ts, cap * 2 * sizeof *n); /* room for the ms too */
		if (!n) {
			c->overflow = 1;
			return;
		}
		c->ts = n;
		c->cap = cap;
	}
	c->ts[c->nts++] = ts;
}

/* The object's commit_times: a full backup's snapshot time at its read_ts
 * (every commit at or before it was applied before snap_ms); an
 * incremental's commits, left out if one has no recorded time. */
static void commit_times(const struct cairn_backup_source *src, const struct cairn_group_job *job,
			 struct enc_ctx *ec, uint64_t snap_ms, struct cairn_group_result *res)
{
	cairn_err e = {0};
	if (job->full) {
		if (!(res->obj.ctimes = malloc(2 * sizeof *res->obj.ctimes)))
			return;
		res->obj.ctimes[0] = job->read_ts;
		res->obj.ctimes[1] = snap_ms;
		res->obj.nctimes = 1;
		res->obj.has_ctimes = 1;
		return;
	}
	if (ec->overflow) {
		cairn_warn("group %u: more than %d commits since the last backup: their times are "
			   "left out (restore --to_time cannot use this backup; --to_ts can)",
			   src->group, CAIRN_CTIMES_MAX);
		return;
	}
	uint64_t *ms = ec->nts ? ec->ts + ec->cap : NULL;
	int got = ec->nts ? cairn_db_commit_times(src->db, ec->ts, ec->nts, ms, &e) : 0;
	if (got != 0) {
		cairn_warn(
		    "group %u: not every commit since the last backup has a recorded time "
		    "(made before cairn recorded them): commit times left out of this backup",
		    src->group);
		return;
	}
	uint64_t *pairs = malloc((ec->nts ? ec->nts : 1) * 2 * sizeof *pairs);
	if (!pairs)
		return;
	for (size_t i = 0; i < ec->nts; i++) {
		pairs[2 * i] = ec->ts[i];
		pairs[2 * i + 1] = ms[i] < CAIRN_CTIMES_MS_MAX ? ms[i] : CAIRN_CTIMES_MS_MAX - 1;
	}
	res->obj.ctimes = pairs;
	res->obj.nctimes = ec->nts;
	res->obj.has_ctimes = 1;
}

static int put_cb(void *ctx, const struct cairn_version *v)
{
	struct enc_ctx *c = ctx;
	if (c->drops)
		note_ts(c, v->ts);
	if (c->drops && (v->op == CAIRN_OP_DROP_ALL || v->op == CAIRN_OP_DROP_ATTR)) {
		cJSON *d = cJSON_CreateObject();
		cJSON_AddStringToObject(d, "op",
					v->op == CAIRN_OP_DROP_ALL ? "drop_all" : "drop_attr");
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

void cairn_group_result_clear(struct cairn_group_result *r)
{
	cJSON_Delete(r->preds);
	cJSON_Delete(r->drops);
	r->preds = r->drops = NULL;
	free(r->obj.blocks);
	r->obj.blocks = NULL;
	r->obj.nblocks = 0;
	free(r->obj.ctimes);
	r->obj.ctimes = NULL;
	r->obj.nctimes = 0;
}

int cairn_backup_open_destination(const struct cairn_backup_request *req,
				  struct cairn_store_loc *loc, cairn_err *err)
{
	if (req->access_key)
		cairn_add_secret(req->access_key, strlen(req->access_key));
	if (req->secret_key)
		cairn_add_secret(req->secret_key, strlen(req->secret_key));
	if (req->session_token)
		cairn_add_secret(req->session_token, strlen(req->session_token));
	struct cairn_kv params[] = {{"accessKey", req->access_key},
				    {"secretKey", req->secret_key},
				    {"sessionToken", req->session_token},
				    {"anonymous", req->anonymous ? "true" : "false"},
				    {NULL, NULL}};
	/* Only what was given, so plugins fall back to the environment. */
	struct cairn_kv given[5];
	size_t ng = 0;
	for (size_t i = 0; params[i].key; i++)
		if (params[i].value)
			given[ng++] = params[i];
	given[ng].key = given[ng].value = NULL;
	return cairn_location_open(req->destination, given, loc, err);
}

int cairn_group_backup_write(const struct cairn_backup_source *src, struct cairn_store_loc *loc,
			     const struct cairn_group_job *job, struct cairn_group_result *res,
			     cairn_err *err)
{
	struct cairn_keyset ks;
	struct cairn_obj_writer *w = NULL;
	struct cairn_rec_encoder *enc = NULL;
	struct cairn_obj_info info;
	struct cairn_block_index idx = {0};
	struct enc_ctx ec = {0}; /* before the first goto: out frees ec.ts */
	char obj_name[160];
	int rc = -1;
	memset(res, 0, sizeof *res);
	cairn_keyset_init(&ks, src->key, src->key_len);
	res->group = src->group;
	res->obj.group = src->group;
	res->encrypted = ks.key_len > 0;
	if (ks.key_len)
		cairn_keyset_check(&ks, res->key_check);
	res->preds = cJSON_CreateArray();
	res->drops = cJSON_CreateArray();
	snprintf(res->obj.path, sizeof res->obj.path, "r%llu-g%u.backup",
		 (unsigned long long)job->read_ts, src->group);
	snprintf(obj_name, sizeof obj_name, "%s/%s", job->dir, res->obj.path);
	struct cairn_rec_header hdr = {src->group, job->full ? 0 : job->since, job->read_ts};
	if (cairn_objw_open_comp(loc, obj_name, &ks, job->comp, &w, err) < 0 ||
	    cairn_rec_encoder_open(w, &hdr, &enc, err) < 0)
		goto out;
	ec = (struct enc_ctx){enc, err, job->full ? NULL : res->drops, NULL, 0, 0, 0};
	struct timespec snap;
	clock_gettime(CLOCK_REALTIME, &snap);
	int sr = job->full ? cairn_db_scan(src->db, job->read_ts, put_cb, &ec, err)
			   : cairn_db_changes(src->db, job->since, job->read_ts, put_cb, &ec, err);
	if (sr != 0)
		goto out;
	int fr = cairn_rec_encoder_finish(enc, &res->obj.records, err);
	enc = NULL;
	if (fr < 0)
		goto out;
	int cr = cairn_objw_commit_index(w, &info, &idx, err);
	w = NULL;
	if (cr < 0)
		goto out;
	/* The manifest's block index, for restore to decompress in parallel. */
	res->obj.block_size = idx.block_size;
	res->obj.plain_size = idx.plain_size;
	res->obj.blocks = idx.stored;
	res->obj.nblocks = idx.n;
	idx.stored = NULL;
	res->obj.size = info.size;
	memcpy(res->obj.sha256, info.sha256, sizeof res->obj.sha256);
	memcpy(res->obj.hmac, info.hmac, sizeof res->obj.hmac);
	if (cairn_db_predicates(src->db, pred_cb, res->preds, err) < 0)
		goto out;
	res->max_uid = cairn_db_max_uid(src->db);
	commit_times(src, job, &ec, (uint64_t)snap.tv_sec * 1000 + (uint64_t)snap.tv_nsec / 1000000,
		     res);
	rc = 0;
out:
	free(ec.ts);
	cairn_rec_encoder_free(enc);
	cairn_objw_abort(w);
	free(idx.stored);
	OPENSSL_cleanse(&ks, sizeof ks);
	return rc;
}

/* The credentials cross the network sealed under the cluster secret when
 * there is one (server/member_auth.h), bound to the endpoint and the field. */
#define GROUP_BACKUP_PATH "/internal/backup"

static int add_secret_field(cJSON *j, const char *path, const char *name, const char *value)
{
	char aad[64];
	if (!cairn_member_auth_enabled())
		return cJSON_AddStringToObject(j, name, value) ? 0 : -1;
	snprintf(aad, sizeof aad, "%s %s", path, name);
	char *sealed = cairn_member_seal(value, aad);
	int rc = sealed && cJSON_AddStringToObject(j, name, sealed) ? 0 : -1;
	free(sealed);
	return rc;
}

int cairn_backup_request_seal(cJSON *j, const struct cairn_backup_request *req, const char *path)
{
	cJSON_AddStringToObject(j, "destination", req->destination);
	if ((req->access_key && add_secret_field(j, path, "accessKey", req->access_key) < 0) ||
	    (req->secret_key && add_secret_field(j, path, "secretKey", req->secret_key) < 0) ||
	    (req->session_token &&
	     add_secret_field(j, path, "sessionToken", req->session_token) < 0))
		return -1;
	cJSON_AddBoolToObject(j, "anonymous", req->anonymous);
	return 0;
}

int cairn_backup_request_open(struct cairn_backup_request *req, const char *path, char *opened[3],
			      cairn_err *err)
{
	const char **fields[3] = {&req->access_key, &req->secret_key, &req->session_token};
	static const char *const names[3] = {"accessKey", "secretKey", "sessionToken"};
	for (int i = 0; i < 3; i++) {
		char aad[64];
		if (!cairn_member_is_sealed(*fields[i]))
			continue;
		snprintf(aad, sizeof aad, "%s %s", path, names[i]);
		if (!(opened[i] = cairn_member_open(*fields[i], aad, err)))
			return cairn_err_prefix(err, "%s", names[i]);
		*fields[i] = opened[i];
	}
	return 0;
}

char *cairn_group_job_to_json(const struct cairn_backup_request *req,
			      const struct cairn_group_job *job)
{
	cJSON *j = cJSON_CreateObject();
	if (cairn_backup_request_seal(j, req, GROUP_BACKUP_PATH) < 0) {
		cJSON_Delete(j);
		return NULL;
	}
	cJSON_AddStringToObject(j, "dir", job->dir);
	cJSON_AddBoolToObject(j, "full", job->full);
	cJSON_AddStringToObject(j, "compression", job->comp == CAIRN_COMP_ZSTD ? "zstd" : "gzip");
	cairn_json_add_u64(j, "since", job->since);
	cairn_json_add_u64(j, "read_ts", job->read_ts);
	char *s = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	return s;
}

static cJSON *result_to_json(const struct cairn_group_result *res)
{
	cJSON *out = cJSON_CreateObject();
	cairn_json_add_u64(out, "group", res->group);
	cJSON_AddStringToObject(out, "path", res->obj.path);
	cairn_json_add_u64(out, "size", res->obj.size);
	cairn_json_add_u64(out, "records", res->obj.records);
	cJSON_AddStringToObject(out, "sha256", res->obj.sha256);
	cJSON_AddStringToObject(out, "hmac", res->obj.hmac);
	cairn_blockindex_to_json(out, &res->obj);
	if (res->obj.has_ctimes) {
		char *ct = cairn_ctimes_encode(res->obj.ctimes, res->obj.nctimes);
		cJSON_AddStringToObject(out, "commit_times", ct ? ct : "");
		free(ct);
	}
	cJSON_AddBoolToObject(out, "encrypted", res->encrypted);
	cJSON_AddStringToObject(out, "key_check", res->key_check);
	cairn_json_add_u64(out, "max_uid", res->max_uid);
	cJSON_AddItemToObject(out, "predicates", cJSON_Duplicate(res->preds, 1));
	cJSON_AddItemToObject(out, "drop_operations", cJSON_Duplicate(res->drops, 1));
	return out;
}

int cairn_group_result_from_json(const cJSON *j, struct cairn_group_result *r, cairn_err *err)
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
	if (cairn_blockindex_parse(j, 0, r->encrypted, &r->obj, err) < 0 ||
	    cairn_blockindex_check(&r->obj, 0, r->encrypted, err) < 0)
		return -1;
	const cJSON *ct = cJSON_GetObjectItemCaseSensitive(j, "commit_times");
	if (cJSON_IsString(ct)) { /* absent from an alpha older than commit times */
		if (cairn_ctimes_parse(ct->valuestring, &r->obj.ctimes, &r->obj.nctimes, err) < 0)
			return -1;
		r->obj.has_ctimes = 1;
	}
	return 0;
}

static const char *opt_str(const cJSON *j, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, name);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

void cairn_backup_request_from_json(const cJSON *j, struct cairn_backup_request *req)
{
	req->destination = opt_str(j, "destination");
	req->access_key = opt_str(j, "accessKey");
	req->secret_key = opt_str(j, "secretKey");
	req->session_token = opt_str(j, "sessionToken");
	req->anonymous = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "anonymous"));
	req->force_full = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "forceFull"));
	req->compression = opt_str(j, "compression");
}

int cairn_compression_parse(const char *name, int *comp, cairn_err *err)
{
	if (!name || strcmp(name, "gzip") == 0)
		*comp = CAIRN_COMP_GZIP;
	else if (strcmp(name, "zstd") == 0)
		*comp = CAIRN_COMP_ZSTD;
	else
		return cairn_err_set(err,
				     "compression \"%.32s\" is not supported: use gzip (the "
				     "default) or zstd",
				     name);
	return 0;
}

char *cairn_group_backup_serve(const struct cairn_backup_source *src, const char *body, size_t len,
			       cairn_err *err)
{
	cJSON *j = cJSON_ParseWithLength(body, len), *out = NULL;
	struct cairn_store_loc loc = {0};
	struct cairn_group_result res = {0};
	char *s = NULL;
	const char *dir = opt_str(j, "dir");
	struct cairn_backup_request req;
	char *opened[3] = {NULL, NULL, NULL};
	cairn_backup_request_from_json(j, &req);
	req.force_full = 0; /* the coordinator planned the series */
	struct cairn_group_job job = {dir,
				      cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "full")),
				      cairn_json_u64(j, "since"), cairn_json_u64(j, "read_ts"), 0};
	if (!j || !req.destination || !dir || strncmp(dir, "cairn.", 6) != 0 || strchr(dir, '/') ||
	    !job.read_ts) {
		cairn_err_set(err, "a group backup request needs destination, dir, full, since and "
				   "read_ts");
		goto out;
	}
	if (cairn_compression_parse(req.compression, &job.comp, err) < 0)
		goto out;
	/* Commits up to read_ts are applied here before zero's watermark passes
	 * them; wait for that, as an export at read_ts would. */
	if (cairn_backup_request_open(&req, GROUP_BACKUP_PATH, opened, err) < 0 ||
	    cairn_zero_backup_licensed(src->zero, err) < 0 ||
	    cairn_zero_wait_watermark(src->zero, job.read_ts, err) < 0 ||
	    cairn_backup_open_destination(&req, &loc, err) < 0 ||
	    cairn_group_backup_write(src, &loc, &job, &res, err) < 0)
		goto out;
	cairn_info("group %u object %s/%s written for a backup coordinated elsewhere", src->group,
		   dir, res.obj.path);
	out = result_to_json(&res);
	s = cJSON_PrintUnformatted(out);
out:
	cJSON_Delete(out);
	cJSON_Delete(j);
	cairn_group_result_clear(&res);
	cairn_location_close(&loc);
	for (int i = 0; i < 3; i++)
		if (opened[i]) {
			OPENSSL_cleanse(opened[i], strlen(opened[i]));
			free(opened[i]);
		}
	return s;
}
