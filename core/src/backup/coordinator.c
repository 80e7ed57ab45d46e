/* coordinator.c — a cluster-wide backup: lock, plan, fan out, check, manifest.
 *
 * The coordinating alpha takes the cluster's backup lock at zero, reads zero's
 * watermark as the read timestamp, plans the backup against the series at the
 * destination, writes its own group's object and asks one alpha of every
 * other group for theirs in parallel, checks every answer, and writes
 * manifest.json last: a backup that fails or is killed leaves a folder that
 * is never taken for a backup. Before the manifest, every group's object is
 * read back through this alpha's own handle (present, size, sha256). After
 * it, the folders without manifest that earlier backups left are removed
 * (the rule is at remove_abandoned). */
#include "backup/backup.h"
#include "clock.h"

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
#include "faults.h"
#include "format/blockindex.h"
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

/* How long a backup waits for a restarted zero to hear from every alpha, or
 * for a commit that has been in flight for STALLED_MS to finish. */
#define RECOVERY_WAIT_MS 30000
#define STALLED_MS 10000

/* A small object written before any group's object: a backup killed while
 * its objects were still hidden temporaries (storage-nfs's .tmp-*) leaves a
 * folder that a listing still shows, so a later backup finds and removes it.
 * The completed backup removes its own. */
#define STARTED_MARK "backup.started"

static int mark_started(struct cairn_store_loc *loc, const char *dir, cairn_err *err)
{
	static const char text[] = "a cairn backup started here; without a manifest.json "
				   "this folder is removed by a later backup\n";
	char name[128];
	snprintf(name, sizeof name, "%s/" STARTED_MARK, dir);
	return cairn_location_write_all(loc, name, text, sizeof text - 1, err);
}

static void unmark_started(struct cairn_store_loc *loc, const char *dir)
{
	char name[128];
	cairn_err err = {0};
	snprintf(name, sizeof name, "%s/" STARTED_MARK, dir);
	if (loc->ops->remove(loc->st, name, &err) < 0)
		cairn_warn("cannot remove %s: %s", name, err.msg);
}

/* Asks zero for the read timestamp (its watermark); fills *st with zero's
 * state (for the groups). Exports take theirs here too. A zero that
 * restarted cannot prove a watermark until every alpha has told it what it
 * has in flight: wait for that, then fail naming the alpha it waits for,
 * rather than read at a timestamp older than the cluster. */
int cairn_backup_read_ts(const struct cairn_backup_source *src, struct cairn_zero_state *st,
			 uint64_t *read_ts, cairn_err *err)
{
	for (int waited = 0;; waited += 100) {
		if (cairn_zero_state(src->zero, st, err) < 0)
			return -1;
		int stalled = st->oldest_pending_ts && st->oldest_pending_age_ms >= STALLED_MS;
		if (!st->recovering && !stalled)
			break;
		if (waited >= RECOVERY_WAIT_MS && st->recovering)
			return cairn_err_setc(
			    err, CAIRN_E_TRANSIENT,
			    "zero restarted and has not heard from %s since, so it "
			    "cannot prove which commits are complete; start that "
			    "alpha, or remove it with zero's /removeNode, and back up "
			    "again",
			    st->waiting);
		if (waited >= RECOVERY_WAIT_MS)
			return cairn_err_setc(
			    err, CAIRN_E_TRANSIENT,
			    "commit %llu of %s has been in flight for %llu s, so no "
			    "backup can include what was committed after it; that "
			    "alpha may have died in the middle of it: restart it (the "
			    "commit is then aborted) or remove it with zero's "
			    "/removeNode, and back up again",
			    (unsigned long long)st->oldest_pending_ts, st->oldest_pending,
			    (unsigned long long)(st->oldest_pending_age_ms / 1000));
		cairn_zero_state_clear(st);
		usleep(100 * 1000);
	}
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
	size_t at;  /* index in addrs being asked (atomic) */
	int cancel; /* set by the watchdog: the group's alpha stopped answering */
	uint64_t *bytes_done, *objects_done; /* the source's, may be NULL */
	int done;			     /* set by the job's thread at its end (atomic) */
};

/* A group's part may take hours, but its alpha answers /health all along
 * (a thread per connection): one that does not for HUNG_AFTER_MS is hung or
 * gone, and the backup fails naming it instead of waiting. */
#define HEALTH_PROBE_MS 2000
#define HUNG_AFTER_MS 10000

/* Tries the group's members in turn: an alpha restarted on another address
 * leaves its old address behind in zero's membership. */
static int post_to_group(struct remote_job *job, long *status, char **out)
{
	char url[512], tried[1024] = "";
	for (size_t i = 0; i < job->naddrs && !__atomic_load_n(&job->cancel, __ATOMIC_ACQUIRE);
	     i++) {
		__atomic_store_n(&job->at, i, __ATOMIC_RELEASE);
		snprintf(job->addr, sizeof job->addr, "%s", job->addrs[i]);
		cairn_http_url(url, sizeof url, job->addr, "/internal/backup");
		struct cairn_http_call c = {.method = "POST",
					    .url = url,
					    .content_type = "application/json",
					    .body = job->body,
					    .body_len = strlen(job->body),
					    .auth_token = job->auth_token,
					    .timeout_ms = GROUP_BACKUP_DEADLINE_MS,
					    .internal = 1,
					    .cancel = &job->cancel};
		if (cairn_http_fetch(&c, status, out, NULL, &job->err) == 0)
			return 0;
		if (__atomic_load_n(&job->cancel, __ATOMIC_ACQUIRE))
			return cairn_err_setc(
			    &job->err, CAIRN_E_TRANSIENT,
			    "group %u: alpha %s stopped answering during its part of the backup "
			    "(no answer to /health for %d s); no manifest was written: check "
			    "that alpha (hung or stopped?) and back up again",
			    job->group, job->addr, HUNG_AFTER_MS / 1000);
		snprintf(tried + strlen(tried), sizeof tried - strlen(tried), "%s%s",
			 *tried ? ", " : "", job->addr);
	}
	return cairn_err_setc(&job->err, CAIRN_E_TRANSIENT,
			      "cannot reach any alpha of group %u (tried %s); start its alpha, "
			      "or if it is gone for good remove it with zero's "
			      "/removeNode?id=N&group=%u (ids in zero's /state)",
			      job->group, tried, job->group);
}

static void *remote_run_one(struct remote_job *job);

static void count_object(uint64_t *bytes, uint64_t *objects, uint64_t size)
{
	if (bytes)
		__atomic_fetch_add(bytes, size, __ATOMIC_RELAXED);
	if (objects)
		__atomic_fetch_add(objects, 1, __ATOMIC_RELAXED);
}

static void *remote_run(void *arg)
{
	struct remote_job *job = arg;
	remote_run_one(job);
	__atomic_store_n(&job->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static int health_ok(const char *addr, const char *auth_token)
{
	char url[512], *out = NULL;
	long status = 0;
	cairn_err err = {0};
	cairn_http_url(url, sizeof url, addr, "/health");
	struct cairn_http_call c = {.method = "GET",
				    .url = url,
				    .auth_token = auth_token,
				    .timeout_ms = HEALTH_PROBE_MS,
				    .internal = 1};
	int ok = cairn_http_fetch(&c, &status, &out, NULL, &err) == 0 && status == 200;
	free(out);
	return ok;
}

struct watchdog {
	pthread_t thread;
	struct remote_job *jobs;
	size_t n;
	pthread_mutex_t mu;
	pthread_cond_t wake; /* signalled on stop: the backup never waits out a probe interval */
	int stop;
};

#define WATCH_INTERVAL_MS 500

/* Sleeps one probe interval, or less if the watchdog is stopped. */
static void watch_pause(struct watchdog *w)
{
	struct timespec until;
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_nsec += WATCH_INTERVAL_MS * 1000000L;
	until.tv_sec += until.tv_nsec / 1000000000L;
	until.tv_nsec %= 1000000000L;
	pthread_mutex_lock(&w->mu);
	while (!w->stop && pthread_cond_timedwait(&w->wake, &w->mu, &until) == 0)
		;
	pthread_mutex_unlock(&w->mu);
}

static void watch_stop(struct watchdog *w)
{
	pthread_mutex_lock(&w->mu);
	w->stop = 1;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->mu);
}

static int watch_stopped(struct watchdog *w)
{
	pthread_mutex_lock(&w->mu);
	int stop = w->stop;
	pthread_mutex_unlock(&w->mu);
	return stop;
}

/* Until every job is done: each running job's alpha is asked for /health;
 * one silent for HUNG_AFTER_MS has its call cancelled. */
static void *watch(void *arg)
{
	struct watchdog *w = arg;
	int64_t *last_ok = calloc(w->n + 1, sizeof *last_ok);
	size_t *last_at = calloc(w->n + 1, sizeof *last_at);
	if (!last_ok || !last_at)
		goto out;
	for (size_t i = 0; i < w->n; i++)
		last_ok[i] = cairn_mono_ms();
	while (!watch_stopped(w)) {
		for (size_t i = 0; i < w->n; i++) {
			struct remote_job *j = &w->jobs[i];
			size_t at = __atomic_load_n(&j->at, __ATOMIC_ACQUIRE);
			if (__atomic_load_n(&j->done, __ATOMIC_ACQUIRE) ||
			    __atomic_load_n(&j->cancel, __ATOMIC_ACQUIRE))
				continue;
			if (at != last_at[i]) { /* another member asked: its own clock */
				last_at[i] = at;
				last_ok[i] = cairn_mono_ms();
			}
			if (health_ok(j->addrs[at], j->auth_token))
				last_ok[i] = cairn_mono_ms();
			else if (cairn_mono_ms() - last_ok[i] >= HUNG_AFTER_MS)
				__atomic_store_n(&j->cancel, 1, __ATOMIC_RELEASE);
		}
		watch_pause(w);
	}
out:
	free(last_ok);
	free(last_at);
	return NULL;
}

static void *remote_run_one(struct remote_job *job)
{
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
		count_object(job->bytes_done, job->objects_done, job->res.obj.size);
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
		if (cairn_manifest_obj_copy(&m->objs[i], &r->obj) < 0)
			return cairn_err_set(err, "out of memory");
		cJSON_AddItemToObject(m->groups, gid, cJSON_Duplicate(r->preds, 1));
		cJSON_ArrayForEach(d, r->drops)
		    cJSON_AddItemToArray(m->drops, cJSON_Duplicate(d, 1));
		if (r->max_uid > m->max_uid)
			m->max_uid = r->max_uid;
	}
	return 0;
}

/* Every group's object as this alpha sees the destination: present, of the
 * size and sha256 its group reported. A "shared" destination that is a
 * directory local to each alpha fails here, naming the group, before any
 * manifest could name an object restore will not find. */
static int check_objects(struct cairn_store_loc *loc, const struct cairn_manifest *m,
			 cairn_err *err)
{
	for (size_t i = 0; i < m->nobjs; i++) {
		const struct cairn_manifest_obj *o = &m->objs[i];
		struct cairn_obj_info info;
		char name[160];
		int exists = 0;
		uint64_t size = 0;
		snprintf(name, sizeof name, "%s/%s", m->dir, o->path);
		if (loc->ops->stat(loc->st, name, &exists, &size, err) < 0)
			return cairn_err_prefix(err, "cannot check group %u's object %s", o->group,
						name);
		if (!exists)
			return cairn_err_setc(
			    err, CAIRN_E_NOTFOUND,
			    "group %u wrote its object %s, but this alpha does not find it at the "
			    "destination: every alpha must see one shared destination (a "
			    "directory local to each alpha is not one); no manifest was written",
			    o->group, name);
		if (cairn_obj_hash(loc, name, NULL, &info, err) < 0)
			return cairn_err_prefix(err, "cannot check group %u's object %s", o->group,
						name);
		if (info.size != o->size || strcmp(info.sha256, o->sha256) != 0)
			return cairn_err_setc(
			    err, CAIRN_E_CORRUPT,
			    "group %u's object %s at the destination is not the one it wrote (%s): "
			    "every alpha must see one shared destination; no manifest was written",
			    o->group, name,
			    info.size != o->size ? "another size" : "another sha256");
	}
	return 0;
}

/* An incremental whose backup_num another backup of its series took while
 * it ran (this one lost the cluster's backup lock: its holder looked dead to
 * zero, or zero restarted) would fork the series: refused, leaving a folder
 * a later backup removes. */
static int check_not_forked(struct cairn_store_loc *loc, const struct cairn_manifest *m,
			    cairn_err *err)
{
	struct cairn_backup_set now = {0};
	int rc = 0;
	if (m->full)
		return 0; /* a new series: its id is new */
	if (cairn_series_load(loc, &now, err) < 0)
		return cairn_err_prefix(err, "cannot re-read the series before the manifest");
	for (size_t i = 0; i < now.n && rc == 0; i++)
		if (!strcmp(now.m[i].backup_id, m->backup_id) &&
		    now.m[i].backup_num >= m->backup_num)
			rc = cairn_err_set(err,
					   "backup %llu of series %s was written by another backup "
					   "(%s) while this one ran, which had lost the cluster's "
					   "backup lock; no manifest was written: back up again",
					   (unsigned long long)m->backup_num, m->backup_id,
					   now.m[i].dir);
	cairn_series_clear(&now);
	return rc;
}

static int write_manifest(struct cairn_store_loc *loc, const struct cairn_manifest *m,
			  cairn_err *err)
{
	/* Fault injection for tests: a window in which the objects are complete
	 * but the manifest is not yet written. */
	const char *pause = cairn_fault("CAIRN_FAULT_BACKUP_PAUSE_MS");
	if (pause)
		usleep((useconds_t)atoi(pause) * 1000);
	/* Checked after the pause, just before the manifest: nothing can have
	 * removed an object between this check and the manifest but a backup
	 * that ran while this one had lost the cluster's lock. */
	if (check_objects(loc, m, err) < 0 || check_not_forked(loc, m, err) < 0)
		return -1;
	char *json = cairn_manifest_to_json(m);
	char mname[128];
	if (!json)
		return cairn_err_set(err, "out of memory");
	snprintf(mname, sizeof mname, "%s/manifest.json", m->dir);
	int rc = cairn_location_write_all(loc, mname, json, strlen(json), err);
	free(json);
	return rc;
}

/* What a location holds under cairn.*: every object's name, and which
 * folders have a manifest. */
struct listing {
	char **names;
	size_t n;
};

static int list_one(void *ctx, const char *name, uint64_t size, cairn_err *err)
{
	(void)size;
	struct listing *ls = ctx;
	char **nv = realloc(ls->names, (ls->n + 1) * sizeof *nv);
	if (!nv)
		return cairn_err_set(err, "out of memory");
	ls->names = nv;
	if (!(ls->names[ls->n] = strdup(name)))
		return cairn_err_set(err, "out of memory");
	ls->n++;
	return 0;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The length of name's folder ("cairn.X/..."), 0 if it is not in one. */
static size_t folder_len(const char *name)
{
	const char *slash = strchr(name, '/');
	return slash ? (size_t)(slash - name) : 0;
}

/* Whether the folder of names[i] (the names sorted, so a folder's objects
 * are together) holds a manifest.json; *end: one past its last object. */
static int folder_has_manifest(char *const *names, size_t n, size_t i, size_t *end)
{
	size_t fl = folder_len(names[i]);
	int has = 0;
	for (*end = i;
	     *end < n && folder_len(names[*end]) == fl && !strncmp(names[*end], names[i], fl + 1);
	     (*end)++)
		has |= !strcmp(names[*end] + fl + 1, "manifest.json");
	return has;
}

/* Removes what failed and killed backups left: the objects of every folder
 * without manifest.json whose name sorts before the backup that just
 * completed (dir). Such a backup started before this one took the
 * cluster's backup lock and did not finish while this one held it: it
 * ended, or lost the lock (its own check before its manifest then finds its
 * objects gone and fails it rather than forking the series). A folder named
 * after dir may belong to a backup that is running and is never touched.
 * The storage plugin removes its own temporaries with a folder's last
 * object (storage-nfs does). Failures are warnings: the backup is done. */
static void remove_abandoned(struct cairn_store_loc *loc, const char *dir)
{
	struct listing ls = {0};
	cairn_err err = {0};
	size_t removed = 0;
	if (cairn_location_list(loc, "cairn.", list_one, &ls, &err) < 0) {
		cairn_warn("cannot list the destination to remove failed backups' objects: %s",
			   err.msg);
		goto out;
	}
	if (ls.n > 1)
		qsort(ls.names, ls.n, sizeof *ls.names, cmp_name);
	for (size_t i = 0, end; i < ls.n; i = end) {
		size_t fl = folder_len(ls.names[i]);
		end = i + 1;
		/* Only folders named as this code names them (a time stamp),
		 * started before dir, and without a manifest. */
		if (fl != strlen(dir) || strncmp(ls.names[i], dir, fl) >= 0 ||
		    folder_has_manifest(ls.names, ls.n, i, &end))
			continue;
		for (size_t k = i; k < end; k++) {
			if (loc->ops->remove(loc->st, ls.names[k], &err) < 0) {
				cairn_warn("cannot remove %s, left by a failed backup: %s",
					   ls.names[k], err.msg);
				continue;
			}
			removed++;
		}
	}
	if (removed)
		cairn_info("removed %zu object(s) left by failed or interrupted backups", removed);
out:
	for (size_t i = 0; i < ls.n; i++)
		free(ls.names[i]);
	free(ls.names);
}

/* Runs the remote groups' parts in parallel with this group's, then checks them. */
static int write_objects(const struct cairn_backup_source *src, struct cairn_store_loc *loc,
			 const struct cairn_group_job *job, struct cairn_group_result *mine,
			 struct remote_job *remotes, size_t nremotes,
			 const struct cairn_manifest *m, cairn_err *err)
{
	size_t started = 0;
	for (size_t i = 0; i < nremotes; i++) {
		remotes[i].bytes_done = src->bytes_done;
		remotes[i].objects_done = src->objects_done;
	}
	for (; started < nremotes; started++)
		if (pthread_create(&remotes[started].thread, NULL, remote_run, &remotes[started]) !=
		    0) {
			cairn_err_set(err, "cannot start a thread for group %u",
				      remotes[started].group);
			break;
		}
	struct watchdog w = {.jobs = remotes, .n = started, .mu = PTHREAD_MUTEX_INITIALIZER};
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w.wake, &ca);
	pthread_condattr_destroy(&ca);
	int watching = started && pthread_create(&w.thread, NULL, watch, &w) == 0;
	int local = cairn_group_backup_write(src, loc, job, mine, err);
	if (local == 0)
		count_object(src->bytes_done, src->objects_done, mine->obj.size);
	for (size_t i = 0; i < started; i++)
		pthread_join(remotes[i].thread, NULL);
	if (watching) {
		watch_stop(&w);
		pthread_join(w.thread, NULL);
	}
	pthread_cond_destroy(&w.wake);
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

	int comp = 0;
	if (cairn_compression_parse(req->compression, &comp, err) < 0 ||
	    cairn_backup_open_destination(req, &loc, err) < 0 ||
	    cairn_backup_read_ts(src, &st, &read_ts, err) < 0 ||
	    cairn_series_load(&loc, &set, err) < 0 ||
	    cairn_series_plan_next(&set, req->force_full, read_ts, st.epoch, check, &m, err) < 0 ||
	    (!m.full &&
	     cairn_manifest_check_mac(cairn_series_latest_of(&set, st.epoch), ks.mac_key, err) < 0))
		goto out;
	m.compression = comp; /* each manifest says its own: a series may mix */
	snprintf(m.cluster_epoch, sizeof m.cluster_epoch, "%s", st.epoch);
	if (m.encrypted)
		snprintf(m.cipher, sizeof m.cipher, "%s", cairn_cipher_name(ks.key_len));
	if (pick_folder(&loc, &set, &m, done->dir, sizeof done->dir, err) < 0 ||
	    mark_started(&loc, done->dir, err) < 0)
		goto out;
	struct cairn_group_job job = {done->dir, m.full, m.since, read_ts, m.compression};
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
	    cairn_manifest_seal(&m, ks.mac_key, err) < 0 || write_manifest(&loc, &m, err) < 0)
		goto out;
	cairn_info("backup %s #%llu complete: %s (%zu group(s))", m.backup_id,
		   (unsigned long long)m.backup_num, done->dir, m.nobjs);
	unmark_started(&loc, done->dir);
	remove_abandoned(&loc, done->dir);
	done->read_ts = read_ts;
	done->bytes = 0;
	done->objects = m.nobjs;
	for (size_t i = 0; i < m.nobjs; i++)
		done->bytes += m.objs[i].size;
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
	/* Asked at every backup, before anything is written: a trial or a
	 * license that ends stops backups without a restart. */
	if (cairn_zero_backup_licensed(src->zero, err) < 0 ||
	    cairn_zero_backup_lock(src->zero, src->member_id, 1, err) < 0)
		return -1;
	int rc = run(src, req, done, err);
	cairn_err uerr = {0};
	if (cairn_zero_backup_lock(src->zero, src->member_id, 0, &uerr) < 0)
		cairn_warn("cannot release the backup lock at zero: %s", uerr.msg);
	return rc;
}
