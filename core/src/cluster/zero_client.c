/* zero_client.c — typed calls to `cairn zero`, each with its own deadline. */
#include "cluster/zero_client.h"

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jsonfile.h"
#include "license.h"
#include "server/http.h"

/* Zero answers from memory or after one fsync of a small file. */
#define ZERO_DEADLINE_MS 10000
/* How long a backup or an export waits for in-flight commits below its ts. */
#define WATERMARK_WAIT_MS 30000
#define WATERMARK_POLL_MS 50

/* One request to zero (POST with body, "{}" if NULL); the parsed JSON
 * answer, or NULL with err. */
static cJSON *call_body(const char *zero, const char *method, const char *path, const char *body,
			cairn_err *err)
{
	char url[1024], *out = NULL;
	long status = 0;
	int post = !strcmp(method, "POST");
	cairn_http_url(url, sizeof url, zero, path);
	if (post && !body)
		body = "{}";
	struct cairn_http_call c = {
	    .method = method,
	    .url = url,
	    .content_type = post ? "application/json" : NULL,
	    .body = post ? body : NULL,
	    .body_len = post ? strlen(body) : 0,
	    .timeout_ms = ZERO_DEADLINE_MS,
	    .internal = 1,
	};
	if (cairn_http_fetch(&c, &status, &out, NULL, err) < 0) {
		cairn_err_prefix(err, "cannot reach zero at %s: is `cairn zero` running there?",
				 zero);
		return NULL;
	}
	cJSON *j = cJSON_Parse(out);
	if (status != 200 || !cJSON_IsObject(j)) {
		const cJSON *e =
		    cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "errors"), 0);
		const cJSON *m = cJSON_GetObjectItemCaseSensitive(e, "message");
		cairn_err_setc(err, status >= 500 ? CAIRN_E_TRANSIENT : CAIRN_E_OTHER,
			       "zero at %s answered %ld: %s", zero, status,
			       cJSON_IsString(m) ? m->valuestring : "not a JSON object");
		cJSON_Delete(j);
		j = NULL;
	}
	free(out);
	return j;
}

static cJSON *call(const char *zero, const char *method, const char *path, cairn_err *err)
{
	return call_body(zero, method, path, NULL, err);
}

/* A call whose answer carries one number. */
static int call_u64(const char *zero, const char *method, const char *path, const char *field,
		    uint64_t *v, cairn_err *err)
{
	cJSON *j = call(zero, method, path, err);
	if (!j)
		return -1;
	cairn_err ferr = {0};
	int rc = cairn_json_get_u64(j, field, v, &ferr);
	cJSON_Delete(j);
	if (rc < 0)
		return cairn_err_set(err, "zero at %s answered %s without a valid \"%s\": %s", zero,
				     path, field, ferr.msg);
	return 0;
}

void cairn_zero_state_clear(struct cairn_zero_state *st)
{
	for (size_t i = 0; i < st->ngroups; i++) {
		for (size_t k = 0; k < st->groups[i].naddrs; k++)
			free(st->groups[i].addrs[k]);
		free(st->groups[i].addrs);
	}
	free(st->groups);
	memset(st, 0, sizeof *st);
}

static int parse_group(const cJSON *g, struct cairn_zero_group *out)
{
	const cJSON *members = cJSON_GetObjectItemCaseSensitive(g, "members"), *m;
	char *end;
	unsigned long id = strtoul(g->string ? g->string : "", &end, 10);
	if (!g->string || *end || id == 0 || id > UINT32_MAX)
		return -1;
	out->id = (uint32_t)id;
	out->npredicates =
	    (size_t)cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(g, "predicates"));
	size_t nm = (size_t)cJSON_GetArraySize(members);
	out->addrs = nm ? calloc(nm, sizeof *out->addrs) : NULL;
	if (nm && !out->addrs)
		return -1;
	cJSON_ArrayForEach(m, members)
	{
		const cJSON *addr = cJSON_GetObjectItemCaseSensitive(m, "addr");
		if (cJSON_IsString(addr) && out->naddrs < nm &&
		    !(out->addrs[out->naddrs++] = strdup(addr->valuestring)))
			return -1;
	}
	return 0;
}

int cairn_zero_state(const char *zero, struct cairn_zero_state *st, cairn_err *err)
{
	memset(st, 0, sizeof *st);
	cJSON *j = call(zero, "GET", "/state", err), *g;
	if (!j)
		return -1;
	st->watermark = cairn_json_u64(j, "watermark");
	st->max_txn_ts = cairn_json_u64(j, "maxTxnTs");
	st->max_uid = cairn_json_u64(j, "maxUID");
	st->restore_ts = cairn_json_u64(j, "restoreTs");
	const cJSON *ep = cJSON_GetObjectItemCaseSensitive(j, "epoch");
	if (cJSON_IsString(ep) && strlen(ep->valuestring) < sizeof st->epoch)
		snprintf(st->epoch, sizeof st->epoch, "%s", ep->valuestring);
	st->recovering = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "recovering"));
	const cJSON *w = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "waitingFor"), 0);
	const cJSON *waddr = cJSON_GetObjectItemCaseSensitive(w, "addr");
	if (w)
		snprintf(st->waiting, sizeof st->waiting, "alpha %.200s (member %llu, group %llu)",
			 cJSON_IsString(waddr) ? waddr->valuestring : "?",
			 (unsigned long long)cairn_json_u64(w, "id"),
			 (unsigned long long)cairn_json_u64(w, "group"));
	const cJSON *op = cJSON_GetObjectItemCaseSensitive(j, "oldestPending");
	const cJSON *oaddr = cJSON_GetObjectItemCaseSensitive(op, "addr");
	st->oldest_pending_ts = cairn_json_u64(op, "ts");
	st->oldest_pending_age_ms = cairn_json_u64(op, "ageMs");
	if (op)
		snprintf(st->oldest_pending, sizeof st->oldest_pending,
			 "alpha %.200s (member %llu, group %llu)",
			 cJSON_IsString(oaddr) ? oaddr->valuestring : "?",
			 (unsigned long long)cairn_json_u64(op, "member"),
			 (unsigned long long)cairn_json_u64(op, "group"));
	const cJSON *groups = cJSON_GetObjectItemCaseSensitive(j, "groups");
	size_t ng = (size_t)cJSON_GetArraySize(groups);
	st->groups = ng ? calloc(ng, sizeof *st->groups) : NULL;
	if (ng && !st->groups)
		goto bad;
	cJSON_ArrayForEach(g, groups)
	{
		if (parse_group(g, &st->groups[st->ngroups++]) < 0)
			goto bad;
	}
	cJSON_Delete(j);
	return 0;
bad:
	cJSON_Delete(j);
	cairn_zero_state_clear(st);
	return cairn_err_set(err, "zero at %s answered /state with a group it cannot describe",
			     zero);
}

int cairn_zero_backup_licensed(const char *zero, cairn_err *err)
{
	cJSON *j = call(zero, "GET", "/internal/license", err);
	if (!j)
		return cairn_err_prefix(err, "cannot ask zero whether backups are licensed, so no "
					     "backup data is written");
	const cJSON *exp = cJSON_GetObjectItemCaseSensitive(j, "expiry");
	const cJSON *user = cJSON_GetObjectItemCaseSensitive(j, "user");
	int rc = 0;
	if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "enabled"))) {
		char what[300];
		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "trial")))
			snprintf(what, sizeof what, "the 30-day trial");
		else
			snprintf(what, sizeof what, "the license of \"%.200s\"",
				 cJSON_IsString(user) ? user->valuestring : "?");
		rc = cairn_err_set(err, "backups need an enterprise license: %s ended on %s; %s",
				   what, cJSON_IsString(exp) ? exp->valuestring : "?",
				   CAIRN_LICENSE_HOWTO);
	}
	cJSON_Delete(j);
	return rc;
}

int cairn_zero_connect(const char *zero, const char *addr, uint32_t group, uint64_t *member_id,
		       uint32_t *group_out, cairn_err *err)
{
	char url[1024], body[512], *out = NULL;
	long status = 0;
	cJSON *req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "addr", addr);
	cairn_json_add_u64(req, "group", group);
	if (*member_id)
		cairn_json_add_u64(req, "id", *member_id);
	int ok = req && cJSON_PrintPreallocated(req, body, sizeof body, 0);
	cJSON_Delete(req);
	if (!ok)
		return cairn_err_set(err, "the address %s is too long to register with zero", addr);
	cairn_http_url(url, sizeof url, zero, "/internal/connect");
	struct cairn_http_call c = {.method = "POST",
				    .url = url,
				    .content_type = "application/json",
				    .body = body,
				    .body_len = strlen(body),
				    .timeout_ms = ZERO_DEADLINE_MS,
				    .internal = 1};
	if (cairn_http_fetch(&c, &status, &out, NULL, err) < 0)
		return cairn_err_prefix(
		    err, "cannot reach zero at %s: is `cairn zero` running there?", zero);
	cJSON *j = cJSON_Parse(out);
	const cJSON *e = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "errors"), 0);
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(e, "message");
	int rc = 0;
	if (status != 200 || !cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(j, "id"))) {
		rc = cairn_err_set(err, "zero at %s refused this alpha (%ld): %s", zero, status,
				   cJSON_IsString(m) ? m->valuestring : "no usable answer");
	} else {
		*member_id = cairn_json_u64(j, "id");
		*group_out = (uint32_t)cairn_json_u64(j, "group");
	}
	cJSON_Delete(j);
	free(out);
	return rc;
}

int cairn_zero_assign(const char *zero, enum cairn_zero_lease what, uint64_t num, uint64_t *start,
		      cairn_err *err)
{
	char path[128];
	snprintf(path, sizeof path, "/assign?what=%s&num=%llu",
		 what == CAIRN_LEASE_UIDS ? "uids" : "timestamps", (unsigned long long)num);
	return call_u64(zero, "GET", path, "startId", start, err);
}

int cairn_zero_commit_begin(const char *zero, uint64_t member_id, uint64_t *ts, cairn_err *err)
{
	char path[128];
	snprintf(path, sizeof path, "/internal/commit?member=%llu", (unsigned long long)member_id);
	*ts = 0;
	return call_u64(zero, "POST", path, "ts", ts, err);
}

/* {"done":[...], ...}: a member's report, as JSON text (malloc'd). */
static char *report_json(uint64_t inflight, int beginning, const uint64_t *done, size_t ndone,
			 int with_inflight)
{
	cJSON *j = cJSON_CreateObject(), *d = cJSON_AddArrayToObject(j, "done");
	for (size_t i = 0; i < ndone; i++)
		cJSON_AddItemToArray(d, cairn_json_u64_create(done[i]));
	if (with_inflight) {
		cJSON *f = cJSON_AddArrayToObject(j, "inflight");
		if (inflight)
			cJSON_AddItemToArray(f, cairn_json_u64_create(inflight));
		cJSON_AddBoolToObject(j, "beginning", beginning);
	}
	char *s = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	return s;
}

int cairn_zero_commit_done(const char *zero, uint64_t member_id, const uint64_t *ts, size_t n,
			   cairn_err *err)
{
	char path[128], *body = report_json(0, 0, ts, n, 0);
	if (!body)
		return cairn_err_set(err, "out of memory");
	snprintf(path, sizeof path, "/internal/done?member=%llu", (unsigned long long)member_id);
	cJSON *j = call_body(zero, "POST", path, body, err);
	free(body);
	cJSON_Delete(j);
	return j ? 0 : -1;
}

int cairn_zero_heartbeat(const char *zero, uint64_t member_id, uint64_t inflight, int beginning,
			 const uint64_t *done, size_t ndone, uint64_t *pending, size_t max,
			 size_t *npending, cairn_err *err)
{
	char path[128], *body = report_json(inflight, beginning, done, ndone, 1);
	const cJSON *t;
	*npending = 0;
	if (!body)
		return cairn_err_set(err, "out of memory");
	snprintf(path, sizeof path, "/internal/heartbeat?member=%llu",
		 (unsigned long long)member_id);
	cJSON *j = call_body(zero, "POST", path, body, err);
	free(body);
	if (!j)
		return -1;
	cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(j, "pending"))
	{
		if (*npending < max)
			pending[(*npending)++] = cairn_json_u64_value(t);
	}
	cJSON_Delete(j);
	return 0;
}

int cairn_zero_tablet(const char *zero, const char *pred, uint32_t group, uint32_t *owner,
		      cairn_err *err)
{
	char *q = curl_easy_escape(NULL, pred, 0);
	char *path = NULL;
	uint64_t g = 0;
	if (!q || asprintf(&path, "/internal/tablet?pred=%s&group=%u", q, group) < 0) {
		curl_free(q);
		return cairn_err_set(err, "out of memory");
	}
	curl_free(q);
	int rc = call_u64(zero, "POST", path, "group", &g, err);
	free(path);
	*owner = (uint32_t)g;
	return rc;
}

int cairn_zero_tablet_owner(const char *zero, const char *pred, uint32_t *owner, cairn_err *err)
{
	cJSON *j = call(zero, "GET", "/state", err), *g, *p;
	if (!j)
		return -1;
	*owner = 0;
	cJSON_ArrayForEach(g, cJSON_GetObjectItemCaseSensitive(j, "groups"))
	{
		cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(g, "predicates"))
		{
			if (cJSON_IsString(p) && !strcmp(p->valuestring, pred) && g->string)
				*owner = (uint32_t)strtoul(g->string, NULL, 10);
		}
	}
	cJSON_Delete(j);
	return 0;
}

int cairn_zero_backup_lock(const char *zero, uint64_t member_id, int take, cairn_err *err)
{
	char path[128];
	snprintf(path, sizeof path, "/internal/%s?what=backup&member=%llu",
		 take ? "lock" : "unlock", (unsigned long long)member_id);
	cJSON *j = call(zero, "POST", path, err);
	cJSON_Delete(j);
	return j ? 0 : -1;
}

int cairn_zero_wait_watermark(const char *zero, uint64_t ts, cairn_err *err)
{
	for (int waited = 0; waited <= WATERMARK_WAIT_MS; waited += WATERMARK_POLL_MS) {
		struct cairn_zero_state st;
		if (cairn_zero_state(zero, &st, err) < 0)
			return -1;
		uint64_t wm = st.watermark, max = st.max_txn_ts;
		cairn_zero_state_clear(&st);
		if (ts > max)
			return cairn_err_set(err,
					     "read_ts %llu is in the future (zero has handed out "
					     "timestamps up to %llu)",
					     (unsigned long long)ts, (unsigned long long)max);
		if (wm >= ts)
			return 0;
		usleep(WATERMARK_POLL_MS * 1000);
	}
	return cairn_err_setc(err, CAIRN_E_TRANSIENT,
			      "timed out waiting for commits at or below %llu to finish",
			      (unsigned long long)ts);
}

int cairn_zero_mark_restored(const char *zero, uint64_t *ts, cairn_err *err)
{
	return call_u64(zero, "POST", "/internal/restored", "ts", ts, err);
}

int cairn_zero_move_past(const char *zero, enum cairn_zero_lease what, uint64_t target,
			 cairn_err *err)
{
	struct cairn_zero_state st;
	uint64_t start;
	if (cairn_zero_state(zero, &st, err) < 0)
		return -1;
	uint64_t cur = what == CAIRN_LEASE_UIDS ? st.max_uid : st.max_txn_ts;
	cairn_zero_state_clear(&st);
	if (cur >= target)
		return 0;
	return cairn_zero_assign(zero, what, target - cur, &start, err);
}
