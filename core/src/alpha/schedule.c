/* schedule.c — scheduled backups (alpha/schedule.h): the spec, its ticks,
 * and the thread that submits each run to the task queue and follows it. */
#include "alpha/schedule.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alpha/tasks.h"
#include "backup/backup.h"
#include "backup/group.h"
#include "backup/series.h"
#include "backup_metrics.h"
#include "log.h"
#include "plugin/location.h"
#include "uri.h"

#define ERR_PREFIX "--backup_schedule: "
#define MAX_EVERY_S (7u * 86400u)
#define POLL_MS 200

/* ---- the spec ---- */

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = 0;
	return s;
}

/* A decimal number in [lo, hi], the whole of s. */
static int parse_num(const char *s, unsigned long lo, unsigned long hi, unsigned long *out)
{
	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	char *end;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || *end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

static int parse_every(const char *v, uint32_t *out, cairn_err *err)
{
	size_t n = strlen(v);
	char num[16];
	unsigned long x, mul = 0;
	if (n >= 2 && n < sizeof num) {
		switch (v[n - 1]) {
		case 's':
			mul = 1;
			break;
		case 'm':
			mul = 60;
			break;
		case 'h':
			mul = 3600;
			break;
		case 'd':
			mul = 86400;
			break;
		}
		memcpy(num, v, n - 1);
		num[n - 1] = 0;
	}
	if (!mul || parse_num(num, 1, MAX_EVERY_S, &x) < 0 || x * mul > MAX_EVERY_S)
		return cairn_err_set(err,
				     ERR_PREFIX "every=\"%.32s\" is not an interval: give a whole "
						"number with a unit s, m, h or d, from 1s to 7d, "
						"such as every=60s",
				     v);
	*out = (uint32_t)(x * mul);
	return 0;
}

/* One cron field (minute: 0-59, hour: 0-23) as a bit set. */
static int parse_cron_field(char *f, unsigned max, uint64_t *bits)
{
	*bits = 0;
	for (char *save = NULL, *item = strtok_r(f, ",", &save); item;
	     item = strtok_r(NULL, ",", &save)) {
		unsigned long lo = 0, hi = max, step = 1;
		char *slash = strchr(item, '/');
		if (slash) {
			*slash = 0;
			if (parse_num(slash + 1, 1, max, &step) < 0)
				return -1;
		}
		char *dash = strchr(item, '-');
		if (!strcmp(item, "*")) {
			/* the whole range */
		} else if (dash) {
			*dash = 0;
			if (parse_num(item, 0, max, &lo) < 0 ||
			    parse_num(dash + 1, 0, max, &hi) < 0 || lo > hi)
				return -1;
		} else {
			if (parse_num(item, 0, max, &lo) < 0)
				return -1;
			hi = slash ? max : lo; /* "5/15": from 5, every 15 */
		}
		for (unsigned long v = lo; v <= hi; v += step)
			*bits |= 1ull << v;
	}
	return *bits ? 0 : -1;
}

static int parse_cron(const char *v, struct cairn_schedule_spec *s, cairn_err *err)
{
	char buf[128], *fields[6], *save = NULL;
	int n = 0;
	if (strlen(v) >= sizeof buf)
		goto bad;
	strcpy(buf, v);
	for (char *f = strtok_r(buf, " \t", &save); f; f = strtok_r(NULL, " \t", &save))
		if (n < 6)
			fields[n++] = f;
		else
			goto bad;
	if (n != 5)
		goto bad;
	for (int i = 2; i < 5; i++)
		if (strcmp(fields[i], "*") != 0)
			return cairn_err_set(err,
					     ERR_PREFIX
					     "cron=\"%.64s\": only the minute and hour fields are "
					     "supported; day, month and weekday must be *",
					     v);
	uint64_t h = 0;
	if (parse_cron_field(fields[0], 59, &s->minutes) < 0 ||
	    parse_cron_field(fields[1], 23, &h) < 0)
		goto bad;
	s->hours = (uint32_t)h;
	return 0;
bad:
	return cairn_err_set(err,
			     ERR_PREFIX "cron=\"%.64s\" is not a cron spec: give five fields, "
					"minute and hour as *, */N, A, A-B or a comma list (UTC), "
					"such as cron=*/15 * * * * or cron=30 2 * * *",
			     v);
}

int cairn_schedule_parse(const char *text, struct cairn_schedule_spec *s, cairn_err *err)
{
	static const char *const keys[] = {"destination", "every", "cron", "full_every",
					   "full_days"};
	int seen[5] = {0};
	char *copy = strdup(text ? text : "");
	memset(s, 0, sizeof *s);
	if (!copy)
		return cairn_err_set(err, "out of memory");
	char *p = copy;
	while (p) {
		char *semi = strchr(p, ';'), *item;
		if (semi)
			*semi = 0;
		item = trim(p);
		p = semi ? semi + 1 : NULL;
		if (!*item) {
			if (!p)
				break; /* a trailing ';' */
			cairn_err_set(err, ERR_PREFIX "an item is empty (two ';' in a row)");
			goto fail;
		}
		char *eq = strchr(item, '=');
		if (!eq) {
			cairn_err_set(err,
				      ERR_PREFIX "\"%.64s\" is not key=value; the keys are "
						 "destination, every, cron, full_every, full_days",
				      item);
			goto fail;
		}
		*eq = 0;
		char *key = trim(item), *val = trim(eq + 1);
		size_t k = 0;
		while (k < 5 && strcmp(key, keys[k]) != 0)
			k++;
		if (k == 5) {
			cairn_err_set(err,
				      ERR_PREFIX "unknown key \"%.32s\"; the keys are destination, "
						 "every, cron, full_every, full_days",
				      key);
			goto fail;
		}
		if (seen[k]++) {
			cairn_err_set(err, ERR_PREFIX "%s is given twice", keys[k]);
			goto fail;
		}
		unsigned long n;
		switch (k) {
		case 0: {
			struct cairn_uri *u = *val ? cairn_uri_parse(val, err) : NULL;
			if (!u) {
				if (!*val)
					cairn_err_set(err, "destination is empty");
				cairn_err_prefix(err, ERR_PREFIX "destination");
				goto fail;
			}
			cairn_uri_free(u);
			if (!(s->destination = strdup(val))) {
				cairn_err_set(err, "out of memory");
				goto fail;
			}
			break;
		}
		case 1:
			if (parse_every(val, &s->every_s, err) < 0)
				goto fail;
			break;
		case 2:
			if (parse_cron(val, s, err) < 0)
				goto fail;
			break;
		default:
			if (parse_num(val, 0, k == 3 ? 100000 : 3650, &n) < 0) {
				cairn_err_set(err,
					      ERR_PREFIX
					      "%s=\"%.32s\" is not a whole number from 0 "
					      "to %d",
					      keys[k], val, k == 3 ? 100000 : 3650);
				goto fail;
			}
			if (k == 3)
				s->full_every = (uint32_t)n;
			else
				s->full_days = (uint32_t)n;
		}
	}
	if (!seen[0]) {
		cairn_err_set(err, ERR_PREFIX "give the destination, as in "
					      "\"destination=s3:///bucket/cairn; every=60s\"");
		goto fail;
	}
	if (seen[1] == seen[2]) {
		cairn_err_set(err, ERR_PREFIX "give exactly one of every=N (s, m, h, d) or "
					      "cron=MIN HOUR * * *");
		goto fail;
	}
	free(copy);
	return 0;
fail:
	free(copy);
	cairn_schedule_spec_clear(s);
	return -1;
}

void cairn_schedule_spec_clear(struct cairn_schedule_spec *s)
{
	free(s->destination);
	memset(s, 0, sizeof *s);
}

static int cron_match(const struct cairn_schedule_spec *s, time_t t)
{
	struct tm tm;
	gmtime_r(&t, &tm);
	return (s->minutes >> tm.tm_min & 1) && (s->hours >> tm.tm_hour & 1);
}

time_t cairn_schedule_next(const struct cairn_schedule_spec *s, time_t anchor, time_t t)
{
	if (s->every_s) {
		if (t < anchor)
			return anchor;
		return anchor + ((t - anchor) / s->every_s + 1) * (time_t)s->every_s;
	}
	time_t m = t - t % 60 + 60; /* the next whole minute after t */
	for (int i = 0; i <= 24 * 60; i++, m += 60)
		if (cron_match(s, m))
			return m;
	return m; /* not reached: a parsed spec matches once a day */
}

time_t cairn_schedule_prev(const struct cairn_schedule_spec *s, time_t t)
{
	if (s->every_s)
		return t - s->every_s;
	time_t m = t - t % 60;
	for (int i = 0; i <= 24 * 60; i++, m -= 60)
		if (cron_match(s, m))
			return m;
	return m;
}

int cairn_schedule_wants_full(const struct cairn_schedule_spec *s, uint64_t latest_num,
			      time_t full_time, time_t now)
{
	if (!latest_num)
		return 0; /* a new series anyway */
	if (s->full_every && latest_num >= (uint64_t)s->full_every + 1)
		return 1;
	return s->full_days && full_time && now - full_time >= (time_t)s->full_days * 86400;
}

/* ---- the scheduler ---- */

struct cairn_scheduler {
	struct cairn_schedule_spec spec;
	struct cairn_tasks *tasks;
	char label[512]; /* the destination without credentials or query */
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int stop;
	/* under mu, for /metrics */
	uint64_t success, failure, skipped, retries;
	time_t next_tick;
	char last_task[CAIRN_TASK_ID_LEN + 1];
};

static time_t parse_created(const char *s)
{
	struct tm tm;
	memset(&tm, 0, sizeof tm);
	const char *end = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return end && !*end ? timegm(&tm) : 0;
}

/* The newest backup at the destination: its backup_num (0: none), when it
 * and its series' full were written. */
static int newest_backup(const char *dest, uint64_t *num, time_t *newest, time_t *full_time,
			 cairn_err *err)
{
	struct cairn_backup_request req = {0};
	struct cairn_store_loc loc = {0};
	struct cairn_backup_set set = {0};
	req.destination = dest;
	*num = 0;
	*newest = *full_time = 0;
	int rc = -1;
	if (cairn_backup_open_destination(&req, &loc, err) < 0 ||
	    cairn_series_load(&loc, &set, err) < 0)
		goto out;
	const struct cairn_manifest *m = cairn_series_latest(&set);
	if (m) {
		*num = m->backup_num;
		*newest = parse_created(m->created);
		for (size_t i = 0; i < set.n; i++)
			if (set.m[i].full && !strcmp(set.m[i].backup_id, m->backup_id))
				*full_time = parse_created(set.m[i].created);
	}
	rc = 0;
out:
	cairn_series_clear(&set);
	cairn_location_close(&loc);
	return rc;
}

/* "Another backup is running" (this alpha's or zero's lock) and "a restore
 * is in progress": the cluster is busy, the run is skipped. */
int cairn_schedule_cluster_busy(const char *error)
{
	return error && (strstr(error, "another backup is already running on this cluster") ||
			 strstr(error, "a restore is in progress"));
}

static void count(struct cairn_scheduler *s, uint64_t *c)
{
	pthread_mutex_lock(&s->mu);
	(*c)++;
	pthread_mutex_unlock(&s->mu);
}

/* Queues one run (try is 1 for a tick's first). */
static int submit(struct cairn_scheduler *s, int try, char id[CAIRN_TASK_ID_LEN + 1])
{
	cairn_err err = {0};
	uint64_t num = 0;
	time_t newest, full_time, now = time(NULL);
	int full = 0;
	/* A destination that cannot be listed fails the backup too, with the
	 * same message, through the task: that is where it is counted. */
	if (newest_backup(s->spec.destination, &num, &newest, &full_time, &err) == 0)
		full = cairn_schedule_wants_full(&s->spec, num, full_time, now);
	cJSON *in = cJSON_CreateObject();
	if (!in || !cJSON_AddStringToObject(in, "destination", s->spec.destination) ||
	    !cJSON_AddBoolToObject(in, "forceFull", full) ||
	    !cJSON_AddTrueToObject(in, "scheduled")) {
		cJSON_Delete(in);
		cairn_error("scheduled backup to %s: out of memory", s->label);
		return -1;
	}
	cairn_err serr = {0};
	int rc = cairn_tasks_submit(s->tasks, "backup", in, NULL, id, &serr);
	cJSON_Delete(in);
	if (rc < 0) {
		cairn_scrub(serr.msg);
		cairn_warn("scheduled backup to %s skipped: %s", s->label, serr.msg);
		return -1;
	}
	pthread_mutex_lock(&s->mu);
	memcpy(s->last_task, id, sizeof s->last_task);
	pthread_mutex_unlock(&s->mu);
	cairn_info("scheduled %s backup to %s queued as task %s (try %d of %d)",
		   full	 ? "full"
		   : num ? "incremental"
			 : "first",
		   s->label, id, try, CAIRN_SCHEDULE_TRIES);
	return 0;
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Sleeps up to ms unless stopped; returns 1 when stopped. */
static int pause_ms(struct cairn_scheduler *s, int ms)
{
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_nsec += (long)ms * 1000000L;
	until.tv_sec += until.tv_nsec / 1000000000L;
	until.tv_nsec %= 1000000000L;
	pthread_mutex_lock(&s->mu);
	while (!s->stop && pthread_cond_timedwait(&s->cv, &s->mu, &until) == 0)
		;
	int stop = s->stop;
	pthread_mutex_unlock(&s->mu);
	return stop;
}

static void set_next(struct cairn_scheduler *s, time_t anchor, time_t *next_tick, time_t now)
{
	*next_tick = cairn_schedule_next(&s->spec, anchor, now);
	pthread_mutex_lock(&s->mu);
	s->next_tick = *next_tick;
	pthread_mutex_unlock(&s->mu);
}

/* The run's task has finished: counts it, or plans its retry (*retry_at). */
static void finished(struct cairn_scheduler *s, const char *id, const cJSON *task, int *try,
		     int64_t *retry_at, time_t next_tick)
{
	const cJSON *st = cJSON_GetObjectItemCaseSensitive(task, "status");
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(task, "error");
	const char *error = cJSON_IsString(e) ? e->valuestring : "the task is no longer known";
	if (cJSON_IsString(st) && !strcmp(st->valuestring, "Success")) {
		count(s, &s->success);
		cairn_info("scheduled backup to %s done (task %s)", s->label, id);
		*try = 0;
		return;
	}
	if (cairn_schedule_cluster_busy(error)) {
		count(s, &s->skipped);
		cairn_info("scheduled backup to %s skipped: %s", s->label, error);
		*try = 0;
		return;
	}
	/* Backoff: an eighth of the interval, then a quarter, at most 5 min,
	 * and only while the next tick is still ahead. */
	int64_t interval_ms = ((int64_t)next_tick - time(NULL)) * 1000;
	int64_t wait = (s->spec.every_s ? (int64_t)s->spec.every_s * 1000 : interval_ms) / 8
		       << (*try - 1);
	if (wait > 300000)
		wait = 300000;
	if (wait < 100)
		wait = 100;
	if (*try < CAIRN_SCHEDULE_TRIES && now_ms() + wait < (int64_t)next_tick * 1000) {
		count(s, &s->retries);
		cairn_warn("scheduled backup to %s failed (try %d of %d, task %s): %s; trying "
			   "again in %.1f s",
			   s->label, *try, CAIRN_SCHEDULE_TRIES, id, error, wait / 1000.0);
		*retry_at = now_ms() + wait;
		return;
	}
	count(s, &s->failure);
	cairn_error("scheduled backup to %s failed (try %d of %d, task %s): %s", s->label, *try,
		    CAIRN_SCHEDULE_TRIES, id, error);
	*try = 0;
}

static void *run(void *arg)
{
	struct cairn_scheduler *s = arg;
	cairn_err err = {0};
	char id[CAIRN_TASK_ID_LEN + 1] = "";
	int running = 0, try = 0;
	int64_t retry_at = 0;
	time_t anchor = time(NULL), next_tick, newest, full_time;
	uint64_t num = 0;
	/* One catch-up run after downtime: when the newest backup is older
	 * than the last tick, the first run is now. */
	if (newest_backup(s->spec.destination, &num, &newest, &full_time, &err) < 0 || !num ||
	    newest <= cairn_schedule_prev(&s->spec, anchor)) {
		next_tick = anchor;
		pthread_mutex_lock(&s->mu);
		s->next_tick = next_tick;
		pthread_mutex_unlock(&s->mu);
	} else {
		set_next(s, anchor, &next_tick, anchor);
	}
	while (!pause_ms(s, POLL_MS)) {
		time_t now = time(NULL);
		if (running) {
			cJSON *task = cairn_tasks_get(s->tasks, id);
			const cJSON *st = cJSON_GetObjectItemCaseSensitive(task, "status");
			int busy = cJSON_IsString(st) && (!strcmp(st->valuestring, "Queued") ||
							  !strcmp(st->valuestring, "Running"));
			if (!busy) {
				running = 0;
				finished(s, id, task, &try, &retry_at, next_tick);
			}
			cJSON_Delete(task);
			if (busy) {
				if (now >= next_tick) {
					count(s, &s->skipped);
					cairn_warn("scheduled backup to %s: tick skipped, task %s "
						   "is still running",
						   s->label, id);
					set_next(s, anchor, &next_tick, now);
				}
				continue;
			}
		}
		int tick = now >= next_tick, retry = retry_at && now_ms() >= retry_at;
		if (tick) {
			if (retry_at) { /* the retries ran out of time */
				count(s, &s->failure);
				cairn_error("scheduled backup to %s failed: not retried before the "
					    "next tick",
					    s->label);
			}
			try = 0;
			set_next(s, anchor, &next_tick, now);
		}
		if (!tick && !retry)
			continue;
		retry_at = 0;
		try++;
		if (submit(s, try, id) == 0) {
			running = 1;
		} else {
			count(s, &s->skipped);
			try = 0;
		}
	}
	return NULL;
}

int cairn_scheduler_start(struct cairn_schedule_spec *spec, struct cairn_tasks *tasks,
			  struct cairn_scheduler **out, cairn_err *err)
{
	struct cairn_scheduler *s = calloc(1, sizeof *s);
	*out = NULL;
	if (!s)
		return cairn_err_set(err, "out of memory");
	s->spec = *spec;
	memset(spec, 0, sizeof *spec);
	s->tasks = tasks;
	cairn_metrics_destination_label(s->spec.destination, s->label, sizeof s->label);
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	if (pthread_create(&s->thread, NULL, run, s) != 0) {
		pthread_cond_destroy(&s->cv);
		pthread_mutex_destroy(&s->mu);
		cairn_schedule_spec_clear(&s->spec);
		free(s);
		return cairn_err_set(err, "cannot start the backup scheduler's thread");
	}
	if (s->spec.every_s)
		cairn_info("scheduled backups to %s every %u s%s", s->label, s->spec.every_s,
			   s->spec.full_every || s->spec.full_days ? "" : ", incrementals only");
	else
		cairn_info("scheduled backups to %s on a cron spec (UTC)", s->label);
	*out = s;
	return 0;
}

void cairn_scheduler_stop(struct cairn_scheduler *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->mu);
	s->stop = 1;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	pthread_join(s->thread, NULL);
	pthread_cond_destroy(&s->cv);
	pthread_mutex_destroy(&s->mu);
	cairn_schedule_spec_clear(&s->spec);
	free(s);
}

char *cairn_scheduler_metrics(struct cairn_scheduler *s)
{
	if (!s)
		return NULL;
	char *text = NULL;
	const char *l = s->label;
	pthread_mutex_lock(&s->mu);
	int n = asprintf(
	    &text,
	    "# HELP cairn_scheduled_backups_total Scheduled backup runs by outcome (skipped: the "
	    "previous run or another backup was still running).\n"
	    "# TYPE cairn_scheduled_backups_total counter\n"
	    "cairn_scheduled_backups_total{destination=\"%s\",result=\"success\"} %llu\n"
	    "cairn_scheduled_backups_total{destination=\"%s\",result=\"failure\"} %llu\n"
	    "cairn_scheduled_backups_total{destination=\"%s\",result=\"skipped\"} %llu\n"
	    "# HELP cairn_scheduled_backup_retries_total Failed tries of scheduled runs that were "
	    "tried again.\n"
	    "# TYPE cairn_scheduled_backup_retries_total counter\n"
	    "cairn_scheduled_backup_retries_total{destination=\"%s\"} %llu\n"
	    "# HELP cairn_scheduled_backup_next_timestamp_seconds Unix time of the next tick.\n"
	    "# TYPE cairn_scheduled_backup_next_timestamp_seconds gauge\n"
	    "cairn_scheduled_backup_next_timestamp_seconds{destination=\"%s\"} %lld\n"
	    "# HELP cairn_scheduled_backup_last_task_info The newest scheduled run's task (see "
	    "the task query).\n"
	    "# TYPE cairn_scheduled_backup_last_task_info gauge\n"
	    "%s%s%s%s%s",
	    l, (unsigned long long)s->success, l, (unsigned long long)s->failure, l,
	    (unsigned long long)s->skipped, l, (unsigned long long)s->retries, l,
	    (long long)s->next_tick,
	    s->last_task[0] ? "cairn_scheduled_backup_last_task_info{destination=\"" : "",
	    s->last_task[0] ? l : "", s->last_task[0] ? "\",task_id=\"" : "", s->last_task,
	    s->last_task[0] ? "\"} 1\n" : "");
	pthread_mutex_unlock(&s->mu);
	return n < 0 ? NULL : text;
}
