/* member.h — what an alpha owes zero about its commits.
 *
 * Zero's watermark (the read timestamp of every backup) may pass a commit
 * only once that commit is applied or aborted. The alpha's part: it marks
 * the commit in flight from the moment it asks for a timestamp, reports it
 * finished (retrying until zero has heard it: /internal/done is idempotent),
 * and a heartbeat tells zero, every HEARTBEAT_MS, what is in flight and what
 * finished. A restarted zero learns the commits in flight from these
 * heartbeats before its watermark moves; a timestamp zero handed out but the
 * alpha never received (the answer was lost) is reported finished, since it
 * was never applied. A crashed alpha's commit was never committed to LMDB; on
 * its restart, connect clears it at zero. */
#ifndef CAIRN_CLUSTER_MEMBER_H
#define CAIRN_CLUSTER_MEMBER_H
#include <cairn/plugin.h>
#include <pthread.h>
#include <stdint.h>

struct cairn_member {
	const char *zero; /* zero's address (not owned) */
	uint64_t id;	  /* this alpha's member id at zero */
	pthread_mutex_t mu;
	int beginning;	   /* asking zero for a commit timestamp */
	uint64_t inflight; /* the commit being applied, 0: none */
	uint64_t *unheard; /* commits finished that zero has not acknowledged */
	size_t nunheard, cap;
	pthread_t thread;
	int running, stop;
	pthread_cond_t cv;
	int64_t heard_ms;   /* CLOCK_MONOTONIC ms zero last answered a heartbeat */
	char zero_why[256]; /* why the last heartbeat failed, "" if it did not */
};

/* Starts the heartbeat. */
int cairn_member_start(struct cairn_member *m, const char *zero, uint64_t id, cairn_err *err);
/* Stops it, after one last attempt to report what finished. */
void cairn_member_stop(struct cairn_member *m);

/* A commit timestamp from zero, marked in flight. Callers serialize commits
 * (one at a time per alpha). */
int cairn_member_begin(struct cairn_member *m, uint64_t *ts, cairn_err *err);
/* The commit at ts is applied (or aborted): reported to zero now if it
 * answers, else by the heartbeat until it does. */
void cairn_member_finish(struct cairn_member *m, uint64_t ts);
/* How long ago (ms) zero last answered this alpha's heartbeat (or the start,
 * which connected to it); why holds the last heartbeat's error ("" if it
 * was answered). For /health. */
int64_t cairn_member_zero_silence(struct cairn_member *m, char *why, size_t len);
/* How many finished commits zero has not acknowledged yet (for /metrics). */
size_t cairn_member_unheard(struct cairn_member *m);
#endif
