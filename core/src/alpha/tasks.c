/* tasks.c — the alpha's task queue (tasks.h): one worker thread runs the
 * tasks in the order they were submitted; tasks.json in the postings
 * directory is rewritten (temp + fsync + rename) at every change of a task's
 * state, so that what `task` answers survives a restart. Progress is kept in
 * memory only: it changes too often to be worth a file write.
 *
 * Locks: file_mu is taken before mu and serialises the snapshots and their
 * writes, so that the file never goes back to an older state; mu guards the
 * list. A task is submitted in two steps (added, written, then committed) so
 * that the worker never starts a task the file does not hold. */
#include "alpha/tasks.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jsonfile.h"
#include "log.h"
#include "store/atrest.h"

#define TASKS_FILE "tasks.json"
#define TASKS_FILE_MAX (4u << 20)
#define SECRET_MIN_LEN 4 /* as admin.c: shorter values would blank out ordinary words */
#define RESTARTED_MSG                                                                              \
	"the alpha restarted before this task finished, so it did not complete; submit it again"

enum task_status { T_QUEUED, T_RUNNING, T_FAILED, T_SUCCESS };
static const char *const status_names[] = {"Queued", "Running", "Failed", "Success"};

struct task {
	char id[CAIRN_TASK_ID_LEN + 1];
	char kind[16];
	enum task_status st;
	char updated[32]; /* RFC 3339 UTC */
	struct cairn_task_progress p;
	char *error, *message;
	cJSON *input;	/* until run; never written */
	char **secrets; /* the input's secret values, to blank out of error and message */
	size_t nsecrets;
	int committed; /* on disk: the worker may start it */
	int waiters;
};

struct cairn_tasks {
	char *path;
	const struct cairn_atrest *ar; /* tasks.json sealed (NULL: plain) */
	cairn_task_fn run;
	void *ctx;
	pthread_mutex_t file_mu, mu;
	pthread_cond_t work, done;
	struct task **v; /* oldest first */
	size_t n;
	int stopping, has_worker, waiters;
	pthread_t worker;
};

static void now_rfc3339(char out[32])
{
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void task_forget_input(struct task *k)
{
	cJSON_Delete(k->input);
	k->input = NULL;
	for (size_t i = 0; i < k->nsecrets; i++) {
		OPENSSL_cleanse(k->secrets[i], strlen(k->secrets[i]));
		free(k->secrets[i]);
	}
	free(k->secrets);
	k->secrets = NULL;
	k->nsecrets = 0;
}

static void task_free(struct task *k)
{
	if (!k)
		return;
	task_forget_input(k);
	free(k->error);
	free(k->message);
	free(k);
}

/* s with every secret value replaced by "[redacted]" (malloc'd); NULL for
 * NULL. */
static char *scrubbed(const struct task *k, const char *s)
{
	char *out = s ? strdup(s) : NULL;
	for (size_t i = 0; out && i < k->nsecrets; i++) {
		const char *sec = k->secrets[i];
		size_t sl = strlen(sec);
		char *hit;
		if (sl < SECRET_MIN_LEN)
			continue;
		while (out && (hit = strstr(out, sec))) {
			char *n = NULL;
			if (asprintf(&n, "%.*s[redacted]%s", (int)(hit - out), out, hit + sl) < 0)
				n = NULL;
			free(out);
			out = n;
		}
	}
	return out;
}

static struct task *find(struct cairn_tasks *t, const char *id)
{
	for (size_t i = 0; id && i < t->n; i++)
		if (!strcmp(t->v[i]->id, id))
			return t->v[i];
	return NULL;
}

static int finished(const struct task *k) { return k->st == T_FAILED || k->st == T_SUCCESS; }

static void remove_at(struct cairn_tasks *t, size_t i)
{
	task_free(t->v[i]);
	memmove(&t->v[i], &t->v[i + 1], (t->n - i - 1) * sizeof *t->v);
	t->n--;
}

/* Keeps the newest CAIRN_TASKS_KEEP finished tasks (a task someone waits
 * for stays until they have read it). Under mu. */
static void evict(struct cairn_tasks *t)
{
	size_t nfin = 0;
	for (size_t i = 0; i < t->n; i++)
		nfin += finished(t->v[i]);
	for (size_t i = 0; i < t->n && nfin > CAIRN_TASKS_KEEP;)
		if (finished(t->v[i]) && !t->v[i]->waiters) {
			remove_at(t, i);
			nfin--;
		} else {
			i++;
		}
}

/* ---- tasks.json ---- */

static cJSON *task_record(const struct task *k)
{
	cJSON *j = cJSON_CreateObject();
	if (!j)
		return NULL;
	cJSON_AddStringToObject(j, "id", k->id);
	cJSON_AddStringToObject(j, "kind", k->kind);
	cJSON_AddStringToObject(j, "status", status_names[k->st]);
	cJSON_AddStringToObject(j, "lastUpdated", k->updated);
	cairn_json_add_u64(j, "bytes", __atomic_load_n(&k->p.bytes, __ATOMIC_RELAXED));
	cairn_json_add_u64(j, "objects", __atomic_load_n(&k->p.objects, __ATOMIC_RELAXED));
	if (k->error)
		cJSON_AddStringToObject(j, "error", k->error);
	if (k->message)
		cJSON_AddStringToObject(j, "message", k->message);
	return j;
}

/* The file as the list is now. Called with file_mu held, mu not held. */
static int persist_locked(struct cairn_tasks *t, cairn_err *err)
{
	cJSON *root = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(root, "tasks");
	pthread_mutex_lock(&t->mu);
	for (size_t i = 0; arr && i < t->n; i++)
		cJSON_AddItemToArray(arr, task_record(t->v[i]));
	pthread_mutex_unlock(&t->mu);
	char *s = arr ? cJSON_Print(root) : NULL;
	cJSON_Delete(root);
	if (!s)
		return cairn_err_set(err, "out of memory");
	int rc = cairn_atrest_write_file(t->ar, t->path, s, strlen(s), err);
	free(s);
	return rc;
}

/* After a state change the worker made: a failure to write is logged (the
 * task ran; only its record on disk is behind). */
static void persist(struct cairn_tasks *t)
{
	cairn_err err = {0};
	pthread_mutex_lock(&t->file_mu);
	if (persist_locked(t, &err) < 0)
		cairn_warn("cannot record the admin tasks' state: %s", err.msg);
	pthread_mutex_unlock(&t->file_mu);
}

static int valid_id(const char *s)
{
	if (strlen(s) != CAIRN_TASK_ID_LEN || strncmp(s, "0x", 2) != 0)
		return 0;
	for (s += 2; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return 0;
	return 1;
}

static const char *str_item(const cJSON *j, const char *name)
{
	const cJSON *s = cJSON_GetObjectItemCaseSensitive(j, name);
	return cJSON_IsString(s) ? s->valuestring : NULL;
}

/* One record of the file, or NULL when it is not one (skipped). A task
 * that had not finished is Failed now: the alpha stopped under it. */
static struct task *task_from_record(const cJSON *j)
{
	const char *id = str_item(j, "id"), *kind = str_item(j, "kind");
	const char *st = str_item(j, "status"), *upd = str_item(j, "lastUpdated");
	if (!id || !kind || !st || !upd || !valid_id(id) || strlen(kind) >= 16 || strlen(upd) >= 32)
		return NULL;
	struct task *k = calloc(1, sizeof *k);
	if (!k)
		return NULL;
	snprintf(k->id, sizeof k->id, "%s", id);
	snprintf(k->kind, sizeof k->kind, "%s", kind);
	snprintf(k->updated, sizeof k->updated, "%s", upd);
	k->st = T_FAILED;
	for (int s = 0; s < 4; s++)
		if (!strcmp(st, status_names[s]))
			k->st = (enum task_status)s;
	k->p.bytes = cairn_json_u64(j, "bytes");
	k->p.objects = cairn_json_u64(j, "objects");
	const char *e = str_item(j, "error"), *m = str_item(j, "message");
	k->error = e ? strdup(e) : NULL;
	k->message = m ? strdup(m) : NULL;
	k->committed = 1;
	if (!finished(k)) {
		k->st = T_FAILED;
		free(k->error);
		k->error = strdup(RESTARTED_MSG);
		now_rfc3339(k->updated);
	}
	return k;
}

/* Reads tasks.json if there is one. A file that is not the queue's (not
 * JSON, or not {"tasks": [...]}) is set aside, not fatal: it is history. */
static int load(struct cairn_tasks *t, cairn_err *err)
{
	char *data = NULL;
	cairn_err rerr = {0};
	int rc = cairn_atrest_read_file(t->ar, t->path, TASKS_FILE_MAX, &data, NULL, &rerr);
	if (rc > 0)
		return 0;
	if (rc < 0 && !t->ar) {
		*err = rerr;
		return -1;
	}
	if (rc < 0)
		cairn_warn("%s", rerr.msg);
	cJSON *root = rc < 0 ? NULL : cJSON_Parse(data);
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(root, "tasks"), *j;
	free(data);
	if (!cJSON_IsArray(arr)) {
		char *aside = NULL;
		if (asprintf(&aside, "%s.unreadable", t->path) >= 0 && rename(t->path, aside) == 0)
			cairn_warn("%s is not the task queue's file; moved it to %s and started "
				   "an empty queue",
				   t->path, aside);
		free(aside);
		cJSON_Delete(root);
		return 0;
	}
	cJSON_ArrayForEach(j, arr)
	{
		struct task *k = task_from_record(j), **nv;
		if (!k)
			continue;
		if (find(t, k->id) || !(nv = realloc(t->v, (t->n + 1) * sizeof *nv))) {
			task_free(k);
			continue;
		}
		t->v = nv;
		t->v[t->n++] = k;
	}
	cJSON_Delete(root);
	evict(t);
	return 0;
}

/* ---- the worker ---- */

static struct task *next_queued(struct cairn_tasks *t)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->v[i]->st == T_QUEUED && t->v[i]->committed)
			return t->v[i];
	return NULL;
}

static void *worker(void *arg)
{
	struct cairn_tasks *t = arg;
	for (;;) {
		struct task *k = NULL;
		pthread_mutex_lock(&t->mu);
		while (!t->stopping && !(k = next_queued(t)))
			pthread_cond_wait(&t->work, &t->mu);
		if (t->stopping) {
			pthread_mutex_unlock(&t->mu);
			break;
		}
		k->st = T_RUNNING;
		now_rfc3339(k->updated);
		pthread_mutex_unlock(&t->mu);
		persist(t);

		char *result = NULL;
		cairn_err err = {0};
		/* k stays in the list while it runs: only finished tasks are evicted. */
		int rc = t->run(t->ctx, k->kind, k->input, &k->p, &result, &err);
		err.msg[sizeof err.msg - 1] = 0;

		pthread_mutex_lock(&t->mu);
		if (rc == 0) {
			k->st = T_SUCCESS;
			k->message = scrubbed(k, result);
		} else {
			k->st = T_FAILED;
			k->error = scrubbed(k, err.msg[0] ? err.msg : "the task failed");
		}
		now_rfc3339(k->updated);
		task_forget_input(k);
		evict(t);
		pthread_cond_broadcast(&t->done);
		pthread_mutex_unlock(&t->mu);
		free(result);
		persist(t);
	}
	return NULL;
}

/* ---- the interface ---- */

int cairn_tasks_open(const char *dir, cairn_task_fn run, void *ctx, struct cairn_tasks **out,
		     cairn_err *err)
{
	return cairn_tasks_open_sealed(dir, NULL, run, ctx, out, err);
}

int cairn_tasks_open_sealed(const char *dir, const struct cairn_atrest *ar, cairn_task_fn run,
			    void *ctx, struct cairn_tasks **out, cairn_err *err)
{
	struct cairn_tasks *t = calloc(1, sizeof *t);
	*out = NULL;
	if (!t)
		return cairn_err_set(err, "out of memory");
	t->ar = ar;
	t->run = run;
	t->ctx = ctx;
	pthread_mutex_init(&t->file_mu, NULL);
	pthread_mutex_init(&t->mu, NULL);
	pthread_cond_init(&t->work, NULL);
	pthread_cond_init(&t->done, NULL);
	if (asprintf(&t->path, "%s/%s", dir, TASKS_FILE) < 0) {
		t->path = NULL;
		cairn_err_set(err, "out of memory");
		goto fail;
	}
	pthread_mutex_lock(&t->file_mu);
	int rc = load(t, err);
	if (rc == 0)
		rc = persist_locked(t, err);
	pthread_mutex_unlock(&t->file_mu);
	if (rc < 0) {
		cairn_err_prefix(err, "cannot keep the admin task queue in %s", dir);
		goto fail;
	}
	if (pthread_create(&t->worker, NULL, worker, t) != 0) {
		cairn_err_set(err, "cannot start the admin task worker thread");
		goto fail;
	}
	t->has_worker = 1;
	*out = t;
	return 0;
fail:
	cairn_tasks_close(t);
	return -1;
}

void cairn_tasks_stop(struct cairn_tasks *t)
{
	if (!t)
		return;
	pthread_mutex_lock(&t->mu);
	t->stopping = 1;
	pthread_cond_broadcast(&t->work);
	pthread_cond_broadcast(&t->done);
	int join = t->has_worker;
	t->has_worker = 0;
	pthread_mutex_unlock(&t->mu);
	if (join)
		pthread_join(t->worker, NULL);
}

void cairn_tasks_close(struct cairn_tasks *t)
{
	if (!t)
		return;
	cairn_tasks_stop(t);
	pthread_mutex_lock(&t->mu);
	while (t->waiters)
		pthread_cond_wait(&t->done, &t->mu);
	pthread_mutex_unlock(&t->mu);
	for (size_t i = 0; i < t->n; i++)
		task_free(t->v[i]);
	free(t->v);
	free(t->path);
	pthread_cond_destroy(&t->work);
	pthread_cond_destroy(&t->done);
	pthread_mutex_destroy(&t->mu);
	pthread_mutex_destroy(&t->file_mu);
	free(t);
}

static const char *running_task(const struct cairn_tasks *t)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->v[i]->st == T_RUNNING)
			return t->v[i]->id;
	return NULL;
}

/* A new task, queued but not committed, appended to the list. Under mu. */
static struct task *add_task(struct cairn_tasks *t, const char *kind, const cJSON *input,
			     const char *const *secret_fields, cairn_err *err)
{
	size_t queued = 0;
	for (size_t i = 0; i < t->n; i++)
		queued += t->v[i]->st == T_QUEUED;
	if (t->stopping) {
		cairn_err_set(err, "the alpha is shutting down; submit the task again once it "
				   "has restarted");
		return NULL;
	}
	if (queued >= CAIRN_TASKS_QUEUE_MAX) {
		const struct task *r = find(t, running_task(t));
		cairn_err_set(err,
			      "the task queue is full: %zu tasks wait behind the running %s "
			      "task %s; poll them with the task query and submit this one "
			      "when one has finished",
			      queued, r ? r->kind : "", r ? r->id : "(none)");
		return NULL;
	}
	struct task *k = calloc(1, sizeof *k), **nv = NULL;
	if (!k || !(nv = realloc(t->v, (t->n + 1) * sizeof *nv)))
		goto oom;
	t->v = nv;
	snprintf(k->kind, sizeof k->kind, "%s", kind);
	if (input && !(k->input = cJSON_Duplicate(input, 1)))
		goto oom;
	for (size_t i = 0; secret_fields && secret_fields[i]; i++) {
		const char *v = str_item(input, secret_fields[i]);
		char **ns;
		if (!v)
			continue;
		if (!(ns = realloc(k->secrets, (k->nsecrets + 1) * sizeof *ns)))
			goto oom;
		k->secrets = ns;
		if (!(k->secrets[k->nsecrets] = strdup(v)))
			goto oom;
		k->nsecrets++;
	}
	do {
		unsigned char r[8];
		if (RAND_bytes(r, sizeof r) != 1) {
			task_free(k);
			cairn_err_set(err, "cannot make a task id: the random generator failed");
			return NULL;
		}
		snprintf(k->id, sizeof k->id, "0x%02x%02x%02x%02x%02x%02x%02x%02x", r[0], r[1],
			 r[2], r[3], r[4], r[5], r[6], r[7]);
	} while (find(t, k->id));
	k->st = T_QUEUED;
	now_rfc3339(k->updated);
	t->v[t->n++] = k;
	return k;
oom:
	task_free(k);
	cairn_err_set(err, "out of memory");
	return NULL;
}

int cairn_tasks_submit(struct cairn_tasks *t, const char *kind, const cJSON *input,
		       const char *const *secret_fields, char id[CAIRN_TASK_ID_LEN + 1],
		       cairn_err *err)
{
	if (strlen(kind) >= sizeof((struct task *)0)->kind)
		return cairn_err_set(err, "unknown task kind");
	pthread_mutex_lock(&t->file_mu);
	pthread_mutex_lock(&t->mu);
	struct task *k = add_task(t, kind, input, secret_fields, err);
	pthread_mutex_unlock(&t->mu);
	if (!k) {
		pthread_mutex_unlock(&t->file_mu);
		return -1;
	}
	int rc = persist_locked(t, err);
	pthread_mutex_lock(&t->mu);
	if (rc < 0) {
		for (size_t i = 0; i < t->n; i++)
			if (t->v[i] == k)
				remove_at(t, i);
		cairn_err_prefix(err, "the task was not queued");
	} else {
		k->committed = 1;
		memcpy(id, k->id, sizeof k->id);
		pthread_cond_signal(&t->work);
	}
	pthread_mutex_unlock(&t->mu);
	pthread_mutex_unlock(&t->file_mu);
	return rc;
}

int cairn_tasks_wait(struct cairn_tasks *t, const char *id, char **result, cairn_err *err)
{
	int rc = -1;
	*result = NULL;
	pthread_mutex_lock(&t->mu);
	struct task *k = find(t, id);
	if (!k) {
		pthread_mutex_unlock(&t->mu);
		return cairn_err_set(err, "no such task on this alpha");
	}
	k->waiters++;
	t->waiters++;
	/* At shutdown the running task still finishes; a queued one will not. */
	while (!finished(k) && !(t->stopping && k->st == T_QUEUED))
		pthread_cond_wait(&t->done, &t->mu);
	if (k->st == T_SUCCESS) {
		rc = 0;
		*result = k->message ? strdup(k->message) : NULL;
	} else if (k->st == T_FAILED) {
		cairn_err_set(err, "%s", k->error ? k->error : "the task failed");
	} else {
		cairn_err_set(err,
			      "the alpha is shutting down: task %s did not run; submit it "
			      "again once the alpha has restarted",
			      k->id);
	}
	k->waiters--;
	t->waiters--;
	pthread_cond_broadcast(&t->done);
	pthread_mutex_unlock(&t->mu);
	return rc;
}

cJSON *cairn_tasks_get(struct cairn_tasks *t, const char *id)
{
	cJSON *j = NULL;
	pthread_mutex_lock(&t->mu);
	const struct task *k = find(t, id);
	if (k && (j = cJSON_CreateObject())) {
		char kind[sizeof k->kind];
		snprintf(kind, sizeof kind, "%s", k->kind);
		if (kind[0] >= 'a' && kind[0] <= 'z')
			kind[0] = (char)(kind[0] - 'a' + 'A');
		cJSON_AddStringToObject(j, "taskId", k->id);
		cJSON_AddStringToObject(j, "status", status_names[k->st]);
		cJSON_AddStringToObject(j, "kind", kind);
		cJSON_AddStringToObject(j, "lastUpdated", k->updated);
		/* GraphQL Ints from doubles: exact to 2^53, far beyond any backup */
		cJSON_AddNumberToObject(j, "bytes",
					(double)__atomic_load_n(&k->p.bytes, __ATOMIC_RELAXED));
		cJSON_AddNumberToObject(j, "objects",
					(double)__atomic_load_n(&k->p.objects, __ATOMIC_RELAXED));
		if (k->error)
			cJSON_AddStringToObject(j, "error", k->error);
		if (k->message)
			cJSON_AddStringToObject(j, "message", k->message);
	}
	pthread_mutex_unlock(&t->mu);
	return j;
}

int cairn_tasks_running(struct cairn_tasks *t, const char *kind)
{
	int yes = 0;
	pthread_mutex_lock(&t->mu);
	for (size_t i = 0; i < t->n && !yes; i++)
		yes = t->v[i]->st == T_RUNNING && !strcmp(t->v[i]->kind, kind);
	pthread_mutex_unlock(&t->mu);
	return yes;
}
