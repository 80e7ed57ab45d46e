/* zero_client.h — typed calls to `cairn zero` (cluster/zero.c is the server).
 *
 * Zero's wire protocol (paths, query parameters, JSON fields) is spelled out
 * here and in zero.c only. Every call has its own short deadline: zero answers
 * from memory (or after one fsync), so a call that takes longer than its
 * deadline has failed, and a caller never waits on zero for hours. A call that
 * got no answer fails with err->code CAIRN_E_TRANSIENT. */
#ifndef CAIRN_ZERO_CLIENT_H
#define CAIRN_ZERO_CLIENT_H
#include <cairn/plugin.h>
#include <stddef.h>
#include <stdint.h>

/* One group as zero's /state shows it. */
struct cairn_zero_group {
	uint32_t id;
	char **addrs; /* its members' addresses, oldest first */
	size_t naddrs;
	size_t npredicates; /* how many predicates it serves */
};

/* What the backup and restore code need of zero's /state. */
struct cairn_zero_state {
	uint64_t watermark;  /* every commit <= watermark is applied or aborted */
	uint64_t max_txn_ts; /* the highest timestamp handed out */
	uint64_t max_uid;    /* the highest uid leased */
	uint64_t restore_ts; /* restored data last replaced a group's here (0: never) */
	char epoch[17];	     /* the data's history (zero.c); "" from an older zero */
	/* Restarted and not yet heard from every member: the watermark stays at
	 * a floor proven before the restart. waiting names one missing member
	 * ("alpha 127.0.0.1:8080 (member 3, group 2)"). */
	int recovering;
	char waiting[320];
	/* The oldest commit in flight (0: none), how long it has been, and whose. */
	uint64_t oldest_pending_ts, oldest_pending_age_ms;
	char oldest_pending[320];
	struct cairn_zero_group *groups;
	size_t ngroups;
};
void cairn_zero_state_clear(struct cairn_zero_state *st);

/* GET /internal/license: 0 if zero says backups are licensed now; -1 with
 * the reason and how to apply a license if not, or if zero cannot be asked
 * (fails closed). Every path that writes backup data calls it first. */
int cairn_zero_backup_licensed(const char *zero, cairn_err *err);

/* GET /state. */
int cairn_zero_state(const char *zero, struct cairn_zero_state *st, cairn_err *err);

/* An alpha joins (POST /internal/connect): addr is what it serves on, group 0
 * lets zero choose, *member_id the id its postings directory keeps (0: none
 * yet). Sets the member id and the group zero assigned. */
int cairn_zero_connect(const char *zero, const char *addr, uint32_t group, uint64_t *member_id,
		       uint32_t *group_out, cairn_err *err);

enum cairn_zero_lease { CAIRN_LEASE_TIMESTAMPS, CAIRN_LEASE_UIDS };
/* GET /assign: a lease of num values starting at *start, never handed out again. */
int cairn_zero_assign(const char *zero, enum cairn_zero_lease what, uint64_t num, uint64_t *start,
		      cairn_err *err);

/* POST /internal/commit: a commit timestamp that holds the watermark below it
 * until cairn_zero_commit_done reports it applied (or aborted). */
int cairn_zero_commit_begin(const char *zero, uint64_t member_id, uint64_t *ts, cairn_err *err);
/* Reports commits applied or aborted. Idempotent: repeat it until it succeeds. */
int cairn_zero_commit_done(const char *zero, uint64_t member_id, const uint64_t *ts, size_t n,
			   cairn_err *err);

/* POST /internal/heartbeat: the member's commit in flight (0: none; with
 * beginning set, it is waiting for a timestamp and cannot say) and the
 * commits it finished that zero may not have heard of. Fills pending (up to
 * max) with the member's commits zero still holds pending, *npending with
 * their count. */
int cairn_zero_heartbeat(const char *zero, uint64_t member_id, uint64_t inflight, int beginning,
			 const uint64_t *done, size_t ndone, uint64_t *pending, size_t max,
			 size_t *npending, cairn_err *err);

/* POST /internal/tablet: the group that serves pred (the first group to ask gets it). */
int cairn_zero_tablet(const char *zero, const char *pred, uint32_t group, uint32_t *owner,
		      cairn_err *err);

/* GET /state: the group that owns pred, 0 if none does yet (claims nothing). */
int cairn_zero_tablet_owner(const char *zero, const char *pred, uint32_t *owner, cairn_err *err);

/* POST /internal/lock or /internal/unlock: the cluster's one-backup-at-a-time lock,
 * held by a member. */
int cairn_zero_backup_lock(const char *zero, uint64_t member_id, int take, cairn_err *err);

/* Waits (bounded) until every commit at or below ts is applied; refuses a ts
 * above every timestamp zero has handed out. */
int cairn_zero_wait_watermark(const char *zero, uint64_t ts, cairn_err *err);

/* Moves zero's lease of what past target (restore: past the restored version
 * and max uid); nothing to do if it already is. */
/* POST /internal/restored: tells zero that restored data has replaced a
 * group's; *ts is the timestamp zero took for it (its new restore_ts). */
int cairn_zero_mark_restored(const char *zero, uint64_t *ts, cairn_err *err);
int cairn_zero_move_past(const char *zero, enum cairn_zero_lease what, uint64_t target,
			 cairn_err *err);
#endif
