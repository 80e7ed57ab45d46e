/* schedule.h — scheduled backups (--backup_schedule, ini key backup_schedule
 * in [alpha]): a destination, when to run, when a run is a full backup.
 *
 *   destination=URI; every=60s; full_every=24; full_days=7
 *   destination=URI; cron=*\/15 * * * *
 *
 * Items are separated by ';' (spaces around them ignored), each key once:
 * destination (required), exactly one of every (N with a unit s, m, h or d)
 * or cron (five fields, UTC: minute and hour each "*", "*\/N", "A", "A-B",
 * "A-B/N" or a comma list of those; day, month and weekday must be "*"),
 * full_every (a full after M incrementals, 0: never by count) and full_days
 * (a full when the series' full is D days old, 0: never by age). Neither:
 * incrementals only (the first run at an empty destination is full, as for
 * any backup). Credentials never go in the spec: the storage plugin takes
 * them from the environment or the ini file, as for any backup.
 *
 * The scheduler (one thread) submits each run as a task of kind backup to
 * the alpha's task queue (alpha/tasks.h) and polls it; a tick that finds the
 * previous run still queued or running is skipped and counted; at start, one
 * catch-up run when the newest backup at the destination is older than the
 * last tick (else the first tick waits); a failed run is retried with
 * backoff, up to 3 tries, while the next tick has not come; a run refused
 * because another backup (or a restore) is running on the cluster is
 * skipped, not failed, so the same schedule on two alphas is quiet. */
#ifndef CAIRN_ALPHA_SCHEDULE_H
#define CAIRN_ALPHA_SCHEDULE_H

#include <stdint.h>
#include <time.h>

#include <cairn/plugin.h>

#define CAIRN_SCHEDULE_TRIES 3

struct cairn_schedule_spec {
	char *destination; /* malloc'd */
	uint32_t every_s;  /* 0: cron */
	uint64_t minutes;  /* cron: bit m for minute m (0-59) */
	uint32_t hours;	   /* cron: bit h for hour h (0-23) */
	uint32_t full_every;
	uint32_t full_days;
};

/* Parses a spec; -1 with err naming the item that is wrong and what to write. */
int cairn_schedule_parse(const char *text, struct cairn_schedule_spec *s, cairn_err *err);
void cairn_schedule_spec_clear(struct cairn_schedule_spec *s);
/* The first tick strictly after t (unix seconds); every: anchor + k*every. */
time_t cairn_schedule_next(const struct cairn_schedule_spec *s, time_t anchor, time_t t);
/* The last tick at or before t (cron: within the last 24 hours; every: t -
 * every, the tick a run would have had if the alpha had been up). */
time_t cairn_schedule_prev(const struct cairn_schedule_spec *s, time_t t);
/* Whether the next run is a full backup: the newest backup at the
 * destination has backup_num latest_num (0: none, the run is full anyway)
 * in a series whose full was written at full_time. */
int cairn_schedule_wants_full(const struct cairn_schedule_spec *s, uint64_t latest_num,
			      time_t full_time, time_t now);

/* Whether a backup's error says the cluster was busy (another backup holds
 * the cluster's lock, or a restore runs): a scheduled run is then skipped. */
int cairn_schedule_cluster_busy(const char *error);

struct cairn_tasks;
struct cairn_scheduler;
/* Starts the scheduler thread on tasks; takes spec's contents (spec is
 * cleared). */
int cairn_scheduler_start(struct cairn_schedule_spec *spec, struct cairn_tasks *tasks,
			  struct cairn_scheduler **out, cairn_err *err);
/* Stops the thread (a run it queued goes on in the task queue) and frees.
 * Call before the task queue is stopped. NULL is a no-op. */
void cairn_scheduler_stop(struct cairn_scheduler *s);
/* The scheduler's metric families for /metrics (malloc'd; NULL: no
 * scheduler or out of memory): cairn_scheduled_backups_total{destination,
 * result="success|failure|skipped"}, cairn_scheduled_backup_retries_total,
 * cairn_scheduled_backup_next_timestamp_seconds and
 * cairn_scheduled_backup_last_task_info{task_id} (the newest run's task,
 * for the `task` query). */
char *cairn_scheduler_metrics(struct cairn_scheduler *s);

#endif
