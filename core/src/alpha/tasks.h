/* tasks.h — the alpha's admin tasks (Dgraph 21.03's task queue): backups,
 * online restores and exports run one at a time, in the order asked, on one
 * worker thread; a small bounded queue; every task's state is remembered in
 * the postings directory (tasks.json, rewritten atomically) so that `task`
 * answers across an alpha restart.
 *
 * A task's input is the mutation's coerced GraphQL input object, kept in
 * memory only until the task has run: tasks.json holds the task's id, kind,
 * status, time, progress and its error or result message, never its input,
 * and the values of the input's secret fields are blanked out of the error
 * and the message. A task queued or running when the alpha stopped is Failed
 * after the restart, with a message saying so (its credentials, if it had
 * any, were never on disk). */
#ifndef CAIRN_ALPHA_TASKS_H
#define CAIRN_ALPHA_TASKS_H

#include <stdint.h>

#include <cairn/plugin.h>
#include <cjson/cJSON.h>

#define CAIRN_TASKS_QUEUE_MAX 8 /* queued, not counting the running one */
#define CAIRN_TASKS_KEEP 64	/* finished tasks remembered */
#define CAIRN_TASK_ID_LEN 18	/* "0x" and 16 hex digits */

/* What a running task has done so far; the run function adds to it from any
 * thread (relaxed atomics), the task query reads it. */
struct cairn_task_progress {
	uint64_t bytes;	  /* __atomic_fetch_add */
	uint64_t objects; /* __atomic_fetch_add */
};

/* Runs one task of kind "backup", "restore" or "export" with its input (the
 * GraphQL input object, secrets included). Returns 0, setting *result to a
 * malloc'd one-line message for the task's answer (may stay NULL), or -1
 * with a person-readable error (no secret in it). */
typedef int (*cairn_task_fn)(void *ctx, const char *kind, const cJSON *input,
			     struct cairn_task_progress *p, char **result, cairn_err *err);

struct cairn_tasks;

/* Opens (or creates) <dir>/tasks.json and starts the worker. Tasks the file
 * holds as Queued or Running become Failed ("the alpha restarted ..."), and
 * the file is rewritten before the worker starts. */
int cairn_tasks_open(const char *dir, cairn_task_fn run, void *ctx, struct cairn_tasks **out,
		     cairn_err *err);
/* The same with tasks.json sealed under ar (an encrypted postings
 * directory, store/atrest.h; kept until close): its errors may name
 * predicates. */
struct cairn_atrest;
int cairn_tasks_open_sealed(const char *dir, const struct cairn_atrest *ar, cairn_task_fn run,
			    void *ctx, struct cairn_tasks **out, cairn_err *err);
/* Refuses new tasks, wakes every cairn_tasks_wait (which then fails for a
 * task that has not finished) and stops the worker after the running task
 * (it is not interrupted). Queued tasks stay Queued on disk and are failed at
 * the next open. The queue can still be read (cairn_tasks_get) until
 * closed; call it before stopping the threads that may wait on tasks. */
void cairn_tasks_stop(struct cairn_tasks *t);
/* cairn_tasks_stop if not done yet, waits for the waiters to leave, then
 * frees. NULL is a no-op. */
void cairn_tasks_close(struct cairn_tasks *t);

/* Queues a task: the input is copied (kept in memory only); secret_fields
 * is a NULL-terminated list of input field names whose values are blanked
 * out of the task's error and message. Sets id ("0x" and 16 hex digits,
 * unguessable) or fails when the queue is full (the message names the
 * running task) or tasks.json cannot be written. */
int cairn_tasks_submit(struct cairn_tasks *t, const char *kind, const cJSON *input,
		       const char *const *secret_fields, char id[CAIRN_TASK_ID_LEN + 1],
		       cairn_err *err);
/* Waits until the task has finished; returns 0 for Success (*result a
 * malloc'd copy of the task's message, may be NULL) or -1 with the task's
 * error (or why it cannot be waited for: unknown id, shutting down). */
int cairn_tasks_wait(struct cairn_tasks *t, const char *id, char **result, cairn_err *err);
/* The task as the GraphQL TaskPayload: {"taskId", "status": "Queued" |
 * "Running" | "Failed" | "Success", "kind": "Backup" | "Restore" |
 * "Export", "lastUpdated": RFC 3339 UTC, "bytes", "objects", "error"
 * (Failed only), "message" (Success, when the task gave one)}; NULL when no
 * such task. The caller frees it. */
cJSON *cairn_tasks_get(struct cairn_tasks *t, const char *id);
/* 1 while a task of this kind is running (health's "ongoing"). */
int cairn_tasks_running(struct cairn_tasks *t, const char *kind);

#endif
