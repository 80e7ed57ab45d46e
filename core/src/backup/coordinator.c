/* coordinator.c — a cluster-wide backup: lock, plan, fan out, check, manifest.
 *
 * The coordinating alpha takes the cluster's backup lock at zero, reads zero's
 * watermark as the read timestamp, plans the backup against the series at the
 * destination, writes its own group's object and asks one alpha of every
 * other group for theirs in parallel, checks every answer, and writes
 * manifest.json last: a backup that fails or is killed leaves a folder that
 * is never taken for a backup. */
#include "backup/backup.h"

#include <openssl/crypto.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "backup/group.h"
#include "backup/series.h"
#include "cluster/zero_client.h"
#include "log.h"
#include "pipeline/object.h"
#include "server/http.h"

/* One group's part of a backup can take as long as its object takes to
 * write; only this call has a long deadline. */
#define GROUP_BACKUP_DEADLINE_MS (24L * 3600 * 1000)

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
	snprintf(out, len, "cairn.%04d%02d%02d.%02d%02d%02d.%03ld", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (long)(tv.tv_usec / 1000));
	strftime(created, clen, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* A folder name is a millisecond: never reuse one, even one a killed backup left. */
static int pick_folder(struct cairn_store_loc *loc, const struct cairn_backup_set *set,
		       struct cairn_manifest *m, char *dir, size_t dlen, cairn_err *err)
{
	for (;;) {
		int used = 0;
		char probe[80];
		folder_name(dir, dlen, m->created, sizeof m->created);
		for (size_t i = 0; i < set->n; i++)
			used |= !strcmp(set->m[i].dir, dir);
		snprintf(probe, sizeof probe, "%s/", dir);
		if (!used && cairn_location_list(loc, probe, stop_at_first, &used, err) < 0)
			return -1;
		if (!used)
			return 0;
		usleep(1000);
	}
}

/* Asks zero whether backups are licensed, and for the read timestamp (its
 * watermark); fills *st with zero's state (for the groups). */
static int zero_plan(const struct cairn_backup_source *src, struct cairn_zero_state *st,
		     uint64_t *read_ts, cairn_err *err)
{
	if (cairn_zero_state(src->zero, st, err) < 0)
		return -1;
	if (!st->license_enabled)
		return cairn_err_set(err,
				     "backups need an enterprise license: the %s ended on %s; "
				     "apply a license with zero's POST /enterpriseLicense",
				     st->license_trial ? "30-day trial" : "license",
				     *st->license_expiry ? st->license_expiry : "?");
	*read_ts = st->watermark;
	if (*read_ts == 0) /* nothing committed yet: take a timestamp of our own */
		return cairn_zero_assign(src->zero, CAIRN_LEASE_TIMESTAMPS, 1, read_ts, err);
	return 0;
}

/* A remote group's part: the request carries the plan and the credentials,
 * so it is sent only to the group's alpha, never logged. */
struct remote_job {
	pthread_t thread;
	uint32_t group;
	char addr[256];		  /* the member that answered (or the last tried) */
	const char *const *addrs; /* every member of the group, newest first */
	size_t naddrs;
	const char *body;
	const char *auth_token;
	struct cairn_group_result res;
	cairn_err err;
	int rc;
};

/* Tries the group's members in turn: an alpha restarted on another address
 * leaves its old address behind in zero's membership. */
static int post_to_group(struct remote_job *job, long *status, char **out)
{
	char url[512], tried[1024] = "";
	for (size_t i = 0; i < job->naddrs; i++) {
		snprintf(job->addr, sizeof job->addr, "%s", job->addrs[i]);
		snprintf(url, sizeof url, "http://%s/internal/backup", job->addr);
		struct cairn_http_call c = {"POST",
					    url,
					    "application/json",
					    job->body,
					    strlen(job->body),
					    job->auth_token,
					    GROUP_BACKUP_DEADLINE_MS};
		if (cairn_http_fetch(&c, status, out, NULL, &job->err) == 0)
			return 0;
		snprintf(tried + strlen(tried), sizeof tried - strlen(tried), "%s%s",
			 *tried ? ", " : "", job->addr);
	}
	return cairn_err_setc(&job->err, CAIRN_E_TRANSIENT,
			      "cannot reach any alpha of group %u (tried %s); start its alpha, "
			      "or if it is gone for good remove it with zero's "
			      "/removeNode?id=N&group=%u (ids in zero's /state)",
			      job->group, tried, job->group);
}

static void *remote_run(void *arg)
{
	struct remote_job *job = arg;
	char *out = NULL;
	long status = 0;
	job->rc = -1;
	if (post_to_group(job, &status, &out) < 0)
		return NULL;
	cJSON *j = cJSON_Parse(out);
	if (status != 200 || !j) {
		const cJSON *e =
		    cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "errors"), 0);
		const cJSON *m = cJSON_GetObjectItemCaseSensitive(e, "message");
		cairn_err_set(&job->err, "group %u (alpha %s): %s", job->group, job->addr,
			      cJSON_IsString(m) ? m->valuestring : "no usable answer");
	} else if (cairn_group_result_from_json(j, &job->res, &job->err) < 0) {
		cairn_err_prefix(&job->err, "group %u (alpha %s)", job->group, job->addr);
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

/* The other groups of the cluster, each with its alphas to ask. */
static int plan_remotes(const struct cairn_backup_source *src, struct cairn_zero_state *st,
			const char *body, struct remote_job **out, size_t *n, cairn_err *err)
{
	*out = calloc(st->ngroups + 1, sizeof **out);
	*n = 0;
	if (!*out)
		return cairn_err_set(err, "out of memory");
	for (size_t i = 0; i < st->ngroups; i++) {
		struct cairn_zero_group *g = &st->groups[i];
		if (g->id == src->group)
			continue;
		if (g->naddrs == 0) {
			if (g->npredicates == 0)
				continue; /* an empty group holds nothing to back up */
			return cairn_err_set(err,
					     "group %u serves predicates but has no alpha; start "
					     "its alpha before backing up",
					     g->id);
		}
		/* Newest member first: the most likely to be the one running. */
		for (size_t a = 0, b = g->naddrs - 1; a < b; a++, b--) {
			char *t = g->addrs[a];
			g->addrs[a] = g->addrs[b];
			g->addrs[b] = t;
		}
		struct remote_job *job = &(*out)[(*n)++];
		job->group = g->id;
		job->addrs = (const char *const *)g->addrs;
		job->naddrs = g->naddrs;
		job->body = body;
		job->auth_token = src->auth_token;
	}
	return 0;
}

/* Every group must back up with the coordinator's key (or none). */
static int check_remote(const struct remote_job *r, const struct cairn_manifest *m, cairn_err *err)
{
	if (r->rc < 0)
		return cairn_err_set(err, "%s", r->err.msg);
	if (r->res.encrypted == m->encrypted &&
	    !strcmp(r->res.key_check, m->encrypted ? m->key_check : ""))
		return 0;
	return cairn_err_set(err,
			     "the alpha of group %u %s; every alpha of a cluster must back up "
			     "with the same key",
			     r->group,
			     r->res.encrypted ? (m->encrypted ? "encrypts with another key"
							      : "encrypts and this one does not")
					      : "has no encryption key");
}

/* The manifest names every group's object, predicates and drops. */
static int fill_manifest(struct cairn_manifest *m, const char *dir,
			 const struct cairn_group_result *mine, const struct remote_job *remotes,
			 size_t nremotes, cairn_err *err)
{
	m->nobjs = 1 + nremotes;
	m->objs = calloc(m->nobjs, sizeof *m->objs);
	m->dir = strdup(dir);
	m->groups = cJSON_CreateObject();
	m->drops = cJSON_CreateArray();
	if (!m->objs || !m->dir || !m->groups || !m->drops)
		return cairn_err_set(err, "out of memory");
	for (size_t i = 0; i < m->nobjs; i++) {
		const struct cairn_group_result *r = i == 0 ? mine : &remotes[i - 1].res;
		const cJSON *d;
		char gid[16];
		snprintf(gid, sizeof gid, "%u", r->group);
		m->objs[i] = r->obj;
		cJSON_AddItemToObject(m->groups, gid, cJSON_Duplicate(r->preds, 1));
		cJSON_ArrayForEach(d, r->drops)
		    cJSON_AddItemToArray(m->drops, cJSON_Duplicate(d, 1));
		if (r->max_uid > m->max_uid)
			m->max_uid = r->max_uid;
	}
	return 0;
}

static int write_manifest(struct cairn_store_loc *loc, const struct cairn_manifest *m,
			  cairn_err *err)
{
	/* Fault injection for tests: a window in which the objects are complete
	 * but the manifest is not yet written. */
	const char *pause = getenv("CAIRN_FAULT_BACKUP_PAUSE_MS");
	if (pause)
		usleep((useconds_t)atoi(pause) * 1000);
	char *json = cairn_manifest_to_json(m);
	char mname[128];
	if (!json)
		return cairn_err_set(err, "out of memory");
	snprintf(mname, sizeof mname, "%s/manifest.json", m->dir);
	int rc = cairn_location_write_all(loc, mname, json, strlen(json), err);
	free(json);
	return rc;
}

/* Runs the remote groups' parts in parallel with this group's, then checks them. */
static int write_objects(const struct cairn_backup_source *src, struct cairn_store_loc *loc,
			 const struct cairn_group_job *job, struct cairn_group_result *mine,
			 struct remote_job *remotes, size_t nremotes,
			 const struct cairn_manifest *m, cairn_err *err)
{
	size_t started = 0;
	for (; started < nremotes; started++)
		if (pthread_create(&remotes[started].thread, NULL, remote_run, &remotes[started]) !=
		    0) {
			cairn_err_set(err, "cannot start a thread for group %u",
				      remotes[started].group);
			break;
		}
	int local = cairn_group_backup_write(src, loc, job, mine, err);
	for (size_t i = 0; i < started; i++)
		pthread_join(remotes[i].thread, NULL);
	if (local < 0 || started < nremotes)
		return -1;
	for (size_t i = 0; i < nremotes; i++)
		if (check_remote(&remotes[i], m, err) < 0)
			return -1;
	return 0;
}

static int run(const struct cairn_backup_source *src, const struct cairn_backup_request *req,
	       struct cairn_backup_done *done, cairn_err *err)
{
	struct cairn_store_loc loc = {0};
	struct cairn_backup_set set = {0};
	struct cairn_zero_state st = {0};
	struct cairn_manifest m;
	struct cairn_keyset ks;
	struct remote_job *remotes = NULL;
	struct cairn_group_result mine = {0};
	size_t nremotes = 0;
	char *body = NULL, check[33] = "";
	uint64_t read_ts;
	int rc = -1;
	memset(&m, 0, sizeof m);
	cairn_keyset_init(&ks, src->key, src->key_len);
	if (ks.key_len)
		cairn_keyset_check(&ks, check);

	if (cairn_backup_open_destination(req, &loc, err) < 0 ||
	    zero_plan(src, &st, &read_ts, err) < 0 || cairn_series_load(&loc, &set, err) < 0 ||
	    cairn_series_plan_next(&set, req->force_full, read_ts, check, &m, err) < 0)
		goto out;
	if (m.encrypted)
		snprintf(m.cipher, sizeof m.cipher, "%s", cairn_cipher_name(ks.key_len));
	if (pick_folder(&loc, &set, &m, done->dir, sizeof done->dir, err) < 0)
		goto out;
	struct cairn_group_job job = {done->dir, m.full, m.since, read_ts};
	cairn_info("backup %s #%llu (%s) at read_ts %llu%s to %s", m.backup_id,
		   (unsigned long long)m.backup_num, m.full ? "full" : "incremental",
		   (unsigned long long)read_ts, m.encrypted ? ", encrypted" : "", req->destination);

	if (!(body = cairn_group_job_to_json(req, &job))) {
		cairn_err_set(err, "out of memory");
		goto out;
	}
	if (plan_remotes(src, &st, body, &remotes, &nremotes, err) < 0 ||
	    write_objects(src, &loc, &job, &mine, remotes, nremotes, &m, err) < 0 ||
	    fill_manifest(&m, done->dir, &mine, remotes, nremotes, err) < 0 ||
	    write_manifest(&loc, &m, err) < 0)
		goto out;
	cairn_info("backup %s #%llu complete: %s (%zu group(s))", m.backup_id,
		   (unsigned long long)m.backup_num, done->dir, m.nobjs);
	done->read_ts = read_ts;
	rc = 0;
out:
	for (size_t i = 0; i < nremotes; i++)
		cairn_group_result_clear(&remotes[i].res);
	free(remotes);
	free(body);
	cairn_group_result_clear(&mine);
	cairn_zero_state_clear(&st);
	cairn_manifest_clear(&m);
	cairn_series_clear(&set);
	cairn_location_close(&loc);
	OPENSSL_cleanse(&ks, sizeof ks);
	return rc;
}

int cairn_backup_run(const struct cairn_backup_source *src, const struct cairn_backup_request *req,
		     struct cairn_backup_done *done, cairn_err *err)
{
	memset(done, 0, sizeof *done);
	if (cairn_zero_backup_lock(src->zero, src->member_id, 1, err) < 0)
		return -1;
	int rc = run(src, req, done, err);
	cairn_err uerr = {0};
	if (cairn_zero_backup_lock(src->zero, src->member_id, 0, &uerr) < 0)
		cairn_warn("cannot release the backup lock at zero: %s", uerr.msg);
	return rc;
}
