/* test_tasks.c — the alpha's task queue (alpha/tasks.c): tasks run one at a
 * time in the order submitted; the queue is bounded and a full one is
 * refused naming the running task; tasks.json is reloaded with unfinished
 * tasks Failed ("the alpha restarted"); finished tasks are kept up to the
 * bound; no secret reaches the file, an error or a message. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alpha/tasks.h"
#include "check.h"
#include "jsonfile.h"

#define SECRET "sekrit-value-0123456789"

/* The run function: each task waits for a permit (gate), records its "n",
 * adds to its progress, then fails when asked to, quoting its secret. */
static pthread_mutex_t gate_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cv = PTHREAD_COND_INITIALIZER;
static int permits, ran[128], nran;

static void release(int n)
{
	pthread_mutex_lock(&gate_mu);
	permits += n;
	pthread_cond_broadcast(&gate_cv);
	pthread_mutex_unlock(&gate_mu);
}

static int run(void *ctx, const char *kind, const cJSON *input, struct cairn_task_progress *p,
	       char **result, cairn_err *err)
{
	(void)ctx;
	(void)kind;
	pthread_mutex_lock(&gate_mu);
	while (!permits)
		pthread_cond_wait(&gate_cv, &gate_mu);
	permits--;
	ran[nran++] = cJSON_GetObjectItem(input, "n")->valueint;
	pthread_mutex_unlock(&gate_mu);
	__atomic_fetch_add(&p->bytes, 100, __ATOMIC_RELAXED);
	__atomic_fetch_add(&p->objects, 1, __ATOMIC_RELAXED);
	if (cJSON_IsTrue(cJSON_GetObjectItem(input, "fail")))
		return cairn_err_set(err, "could not log in with %s", SECRET);
	*result = strdup("done with " SECRET);
	return 0;
}

static const char *const secrets[] = {"secretKey", NULL};

static cJSON *input(int n, int fail)
{
	cJSON *j = cJSON_CreateObject();
	cJSON_AddNumberToObject(j, "n", n);
	cJSON_AddStringToObject(j, "secretKey", SECRET);
	if (fail)
		cJSON_AddTrueToObject(j, "fail");
	return j;
}

static int submit(struct cairn_tasks *t, int n, int fail, char id[CAIRN_TASK_ID_LEN + 1],
		  cairn_err *err)
{
	cJSON *in = input(n, fail);
	int rc = cairn_tasks_submit(t, "backup", in, secrets, id, err);
	cJSON_Delete(in);
	return rc;
}

static char *status(struct cairn_tasks *t, const char *id)
{
	static char buf[32];
	cJSON *j = cairn_tasks_get(t, id);
	snprintf(buf, sizeof buf, "%s", j ? cJSON_GetObjectItem(j, "status")->valuestring : "none");
	cJSON_Delete(j);
	return buf;
}

static void wait_running(struct cairn_tasks *t, const char *id)
{
	for (int i = 0; i < 500 && strcmp(status(t, id), "Running"); i++)
		usleep(10000);
}

static char *file_text(const char *dir)
{
	char path[512], *data = NULL;
	cairn_err err = {0};
	snprintf(path, sizeof path, "%s/tasks.json", dir);
	if (cairn_read_file(path, 1u << 22, &data, NULL, &err) != 0)
		return NULL;
	return data;
}

static void order_bound_and_secrets(const char *dir)
{
	struct cairn_tasks *t = NULL;
	cairn_err err = {0};
	char first[CAIRN_TASK_ID_LEN + 1], ids[CAIRN_TASKS_QUEUE_MAX][CAIRN_TASK_ID_LEN + 1],
	    id[19];
	nran = 0;
	CHECK(cairn_tasks_open(dir, run, NULL, &t, &err) == 0);
	CHECK(submit(t, 0, 0, first, &err) == 0);
	CHECK(strlen(first) == 18 && !strncmp(first, "0x", 2));
	wait_running(t, first);
	CHECK_STR(status(t, first), "Running");
	CHECK(cairn_tasks_running(t, "backup") && !cairn_tasks_running(t, "export"));
	for (int i = 0; i < CAIRN_TASKS_QUEUE_MAX; i++) {
		CHECK(submit(t, i + 1, i == 2, ids[i], &err) == 0);
		CHECK_STR(status(t, ids[i]), "Queued");
	}
	CHECK(submit(t, 99, 0, id, &err) == -1);
	CHECK_CONTAINS(err.msg, "task queue is full");
	CHECK_CONTAINS(err.msg, first);

	/* On disk now: queued tasks, no secret. */
	char *text = file_text(dir);
	CHECK(text && strstr(text, ids[7]) && !strstr(text, SECRET));
	free(text);

	release(CAIRN_TASKS_QUEUE_MAX + 1);
	char *result = NULL;
	CHECK(cairn_tasks_wait(t, first, &result, &err) == 0);
	CHECK_STR(result, "done with [redacted]");
	free(result);
	for (int i = 0; i < CAIRN_TASKS_QUEUE_MAX; i++) {
		int rc = cairn_tasks_wait(t, ids[i], &result, &err);
		CHECK(rc == (i == 2 ? -1 : 0));
		free(result);
		result = NULL;
		if (i == 2) {
			CHECK_STR(err.msg, "could not log in with [redacted]");
		}
	}
	CHECK(nran == CAIRN_TASKS_QUEUE_MAX + 1);
	for (int i = 0; i < nran; i++)
		CHECK(ran[i] == i);
	cJSON *j = cairn_tasks_get(t, ids[2]);
	CHECK_STR(cJSON_GetObjectItem(j, "status")->valuestring, "Failed");
	CHECK_STR(cJSON_GetObjectItem(j, "kind")->valuestring, "Backup");
	CHECK(cJSON_GetObjectItem(j, "bytes")->valuedouble == 100);
	CHECK_CONTAINS(cJSON_GetObjectItem(j, "error")->valuestring, "[redacted]");
	cJSON_Delete(j);
	CHECK(cairn_tasks_get(t, "0x0000000000000000") == NULL);
	CHECK(cairn_tasks_wait(t, "0x0000000000000000", &result, &err) == -1);
	CHECK_CONTAINS(err.msg, "no such task");
	CHECK(!cairn_tasks_running(t, "backup"));
	cairn_tasks_close(t);
	text = file_text(dir);
	CHECK(text && !strstr(text, SECRET) && strstr(text, "[redacted]"));
	free(text);

	/* Reopened: the finished tasks answer as before. */
	CHECK(cairn_tasks_open(dir, run, NULL, &t, &err) == 0);
	CHECK_STR(status(t, first), "Success");
	CHECK_STR(status(t, ids[2]), "Failed");
	cairn_tasks_close(t);
}

static void *release_later(void *arg)
{
	(void)arg;
	usleep(200000);
	release(1);
	return NULL;
}

static void unfinished_tasks_fail_at_the_next_open(const char *dir)
{
	struct cairn_tasks *t = NULL;
	cairn_err err = {0};
	char running[19], queued[19];
	char *result = NULL;
	pthread_t th;
	CHECK(cairn_tasks_open(dir, run, NULL, &t, &err) == 0);
	CHECK(submit(t, 0, 0, running, &err) == 0);
	wait_running(t, running);
	CHECK(submit(t, 1, 0, queued, &err) == 0);
	/* Stopping lets the running task finish, not the queued one. */
	pthread_create(&th, NULL, release_later, NULL);
	cairn_tasks_stop(t);
	pthread_join(th, NULL);
	CHECK_STR(status(t, running), "Success");
	CHECK_STR(status(t, queued), "Queued");
	CHECK(cairn_tasks_wait(t, queued, &result, &err) == -1);
	CHECK_CONTAINS(err.msg, "shutting down");
	char later[19];
	CHECK(submit(t, 2, 0, later, &err) == -1);
	CHECK_CONTAINS(err.msg, "shutting down");
	cairn_tasks_close(t);

	/* A file as a killed alpha leaves it: one Running, one Queued. */
	char path[512];
	snprintf(path, sizeof path, "%s/tasks.json", dir);
	const char *killed =
	    "{\"tasks\": [{\"id\": \"0x00000000000000aa\", \"kind\": \"backup\", \"status\": "
	    "\"Running\", \"lastUpdated\": \"2026-01-01T00:00:00Z\", \"bytes\": 5, \"objects\": 0},"
	    "{\"id\": \"0x00000000000000bb\", \"kind\": \"export\", \"status\": \"Queued\", "
	    "\"lastUpdated\": \"2026-01-01T00:00:00Z\"}, {\"id\": \"bad\"}]}";
	CHECK(cairn_write_file_atomic(path, killed, strlen(killed), &err) == 0);
	CHECK(cairn_tasks_open(dir, run, NULL, &t, &err) == 0);
	cJSON *j = cairn_tasks_get(t, "0x00000000000000aa");
	CHECK_STR(cJSON_GetObjectItem(j, "status")->valuestring, "Failed");
	CHECK_CONTAINS(cJSON_GetObjectItem(j, "error")->valuestring, "the alpha restarted");
	CHECK(cJSON_GetObjectItem(j, "bytes")->valuedouble == 5);
	cJSON_Delete(j);
	CHECK_STR(status(t, "0x00000000000000bb"), "Failed");
	CHECK(cairn_tasks_get(t, "bad") == NULL);
	cairn_tasks_close(t);
	char *text = file_text(dir);
	CHECK(text && !strstr(text, "\"Queued\"") && !strstr(text, "\"Running\""));
	free(text);

	/* A file that is not the queue's is set aside. */
	CHECK(cairn_write_file_atomic(path, "not json", 8, &err) == 0);
	CHECK(cairn_tasks_open(dir, run, NULL, &t, &err) == 0);
	CHECK(cairn_tasks_get(t, "0x00000000000000aa") == NULL);
	cairn_tasks_close(t);
	snprintf(path, sizeof path, "%s/tasks.json.unreadable", dir);
	CHECK(access(path, F_OK) == 0);
}

static void finished_tasks_are_kept_up_to_the_bound(const char *dir)
{
	struct cairn_tasks *t = NULL;
	cairn_err err = {0};
	char ids[CAIRN_TASKS_KEEP + 6][19];
	char *result = NULL;
	CHECK(cairn_tasks_open(dir, run, NULL, &t, &err) == 0);
	for (int i = 0; i < CAIRN_TASKS_KEEP + 6; i++) {
		release(1);
		nran = 0;
		CHECK(submit(t, 0, 0, ids[i], &err) == 0);
		CHECK(cairn_tasks_wait(t, ids[i], &result, &err) == 0);
		free(result);
	}
	CHECK(cairn_tasks_get(t, ids[0]) == NULL);
	CHECK(cairn_tasks_get(t, ids[5]) == NULL);
	CHECK_STR(status(t, ids[6]), "Success");
	CHECK_STR(status(t, ids[CAIRN_TASKS_KEEP + 5]), "Success");
	cairn_tasks_close(t);
	char *text = file_text(dir);
	cJSON *root = cJSON_Parse(text);
	CHECK(cJSON_GetArraySize(cJSON_GetObjectItem(root, "tasks")) == CAIRN_TASKS_KEEP);
	cJSON_Delete(root);
	free(text);
}

int main(void)
{
	char a[] = "/tmp/cairn-test-tasks-XXXXXX", b[] = "/tmp/cairn-test-tasks-XXXXXX",
	     c[] = "/tmp/cairn-test-tasks-XXXXXX";
	if (!mkdtemp(a) || !mkdtemp(b) || !mkdtemp(c))
		return 2;
	order_bound_and_secrets(a);
	unfinished_tasks_fail_at_the_next_open(b);
	finished_tasks_are_kept_up_to_the_bound(c);
	char cmd[256];
	snprintf(cmd, sizeof cmd, "rm -rf %s %s %s", a, b, c);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove the test directories\n");
	CHECK_DONE();
}
