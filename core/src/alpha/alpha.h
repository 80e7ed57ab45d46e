/* alpha.h — the alpha's state, shared by the files of core/src/alpha/:
 * alpha.c (store, HTTP, mutations, /admin wiring), and the admin operations
 * that run as tasks (tasks, online restore, export to a destination). */
#ifndef CAIRN_ALPHA_H
#define CAIRN_ALPHA_H

#include <pthread.h>
#include <stdint.h>
#include <time.h>

#include <cairn/keys.h>
#include <cjson/cJSON.h>

#include "cluster/member.h"
#include "config.h"
#include "server/access.h"
#include "store/db.h"

/* Counters for /metrics, under their own lock. */
struct alpha_stats {
	pthread_mutex_t mu;
	uint64_t mutations, mutation_errors, backups, backup_failures;
	uint64_t last_backup_read_ts;
	int backup_running; /* one backup at a time on this alpha */
};

struct cairn_tasks;
struct cairn_scheduler;

struct cairn_alpha {
	struct cairn_opts *opts;
	struct cairn_db *db;
	char *zero;		    /* "127.0.0.1:6080" */
	char *http_addr;	    /* what we serve on, as told to zero (--my) */
	struct cairn_access access; /* --whitelist and the admin token */
	uint32_t group;
	uint64_t member_id;
	struct cairn_member member; /* commits in flight and finished, as zero must know them */
	pthread_mutex_t write_mu;   /* one commit at a time: ts order = apply order */
	unsigned char key[CAIRN_KEY_MAX]; /* encryption key, if any */
	size_t key_len;
	/* Encryption at rest from key (store/atrest.h): NULL without a key. */
	struct cairn_atrest *atrest;
	time_t started;
	struct alpha_stats stats;
	/* Every use of db holds db_lock for reading; the online restore's swap
	 * (alpha/restore.c) holds it for writing while it replaces db. */
	pthread_rwlock_t db_lock;
	/* The online restore on this alpha, under restore_mu: while restoring,
	 * writes are refused; restore_id names the prepared store. */
	pthread_mutex_t restore_mu;
	int restoring;
	uint64_t restore_gen;	     /* counts prepares (cairn_alpha_write_gen) */
	int64_t restore_prepared_ms; /* when the prepare finished (monotonic), 0: not yet */
	char restore_id[17];
	struct cairn_tasks *tasks;	   /* the admin task queue (alpha/tasks.h) */
	struct cairn_scheduler *scheduler; /* --backup_schedule (alpha/schedule.h), or NULL */
};

/* The task kinds' run functions (alpha/tasks.h: cairn_task_fn), one per
 * file: alpha/restore.c (the online restore mutation) and alpha/export.c (the
 * export mutation to a destination). */
struct cairn_task_progress;
int cairn_alpha_restore(struct cairn_alpha *a, const cJSON *input, struct cairn_task_progress *p,
			char **result, cairn_err *err);
int cairn_alpha_export(struct cairn_alpha *a, const cJSON *input, struct cairn_task_progress *p,
		       char **result, cairn_err *err);

/* alpha/restore.c: the participant's side of the online restore. */
struct cairn_http_req;
struct cairn_http_resp;
/* Serves POST /internal/restore/{prepare,commit,abort} (the caller checked
 * that it comes from a member). */
void cairn_alpha_restore_serve(struct cairn_alpha *a, const struct cairn_http_req *req,
			       struct cairn_http_resp *resp);
/* 1 while a restore has stopped this alpha's writes. */
int cairn_alpha_restoring(struct cairn_alpha *a);
/* 0 while a restore stops this alpha's writes; otherwise a number that
 * changes whenever a restore begins: a write that took it before choosing
 * uids and finds it changed when it commits was planned against data a
 * restore has replaced, and is refused. */
uint64_t cairn_alpha_write_gen(struct cairn_alpha *a);
/* At start, before the store is opened: finishes or undoes what a restore
 * cut short left beside dir (the rule is in alpha/restore.c). */
int cairn_alpha_restore_recover(const char *dir, cairn_err *err);
/* The listBackups query (alpha/listbackups.c): input is the coerced
 * ListBackupsInput; *out a [Manifest] array (the caller's), or -1 with a
 * person-readable error. */
int cairn_alpha_list_backups(struct cairn_alpha *a, const cJSON *input, cJSON **out,
			     cairn_err *err);

/* A /alter or /internal/alter body: {"drop_attr": "name"} or {"drop_all":
 * true}. 0 and *pred (malloc'd; NULL for drop_all), or -1 with resp
 * answered (400). In alpha.c; declared here for tests/fuzz/fuzz_alter.c. */
struct cairn_http_req;
struct cairn_http_resp;
int cairn_alter_parse(const struct cairn_http_req *req, struct cairn_http_resp *resp, char **pred);

#endif
