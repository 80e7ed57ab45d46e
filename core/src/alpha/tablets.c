/* tablets.c — which predicates this alpha serves, as zero decides: a cache
 * of those zero has confirmed for this group (a mutation asks zero once per
 * predicate), and the claim of a restored directory's predicates, timestamps
 * and uids before the alpha serves it (at start, and after an online
 * restore's swap: alpha/restore.c). */
#include "alpha/tablets.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "cluster/zero_client.h"
#include "log.h"
#include "store/restored.h"

/* Predicates this alpha already knows it serves (checked with zero once). */
struct tablet_cache {
	pthread_mutex_t mu;
	char **preds;
	size_t n;
};
static struct tablet_cache tablets = {PTHREAD_MUTEX_INITIALIZER, NULL, 0};

static void remember_tablet(const char *pred)
{
	pthread_mutex_lock(&tablets.mu);
	char **np = realloc(tablets.preds, (tablets.n + 1) * sizeof *np);
	if (np) {
		tablets.preds = np;
		np[tablets.n++] = strdup(pred);
	}
	pthread_mutex_unlock(&tablets.mu);
}

int cairn_alpha_claim_tablet(struct cairn_alpha *a, const char *pred, cairn_err *err)
{
	pthread_mutex_lock(&tablets.mu);
	for (size_t i = 0; i < tablets.n; i++)
		if (!strcmp(tablets.preds[i], pred)) {
			pthread_mutex_unlock(&tablets.mu);
			return 0;
		}
	pthread_mutex_unlock(&tablets.mu);
	uint32_t g = 0;
	if (cairn_zero_tablet(a->zero, pred, a->group, &g, err) < 0)
		return -1;
	if (g != a->group)
		return cairn_err_set(err,
				     "predicate <%s> is served by group %u, not this alpha's "
				     "group %u; send the mutation to an alpha of group %u",
				     pred, g, a->group, g);
	remember_tablet(pred);
	return 0;
}

/* Restored data replaces a group's: zero is told once (per zero: a new
 * zero, whose restore_ts is older than the mark, is told again), so that
 * the next backup to any destination starts a new series (backup/series.c)
 * instead of adding an incremental to a series this data is not part of. */
static int mark_restored(struct cairn_alpha *a, const char *dir, struct cairn_restored *r,
			 cairn_err *err)
{
	struct cairn_zero_state st;
	if (cairn_zero_state(a->zero, &st, err) < 0)
		return -1;
	uint64_t known = st.restore_ts;
	cairn_zero_state_clear(&st);
	if (r->marked_ts && known >= r->marked_ts)
		return 0;
	if (cairn_zero_mark_restored(a->zero, &r->marked_ts, err) < 0 ||
	    cairn_restored_write(dir, a->atrest, r, err) < 0)
		return cairn_err_prefix(err, "cannot record the restore of %s", dir);
	return 0;
}

/* Before serving: zero must never hand out a timestamp or uid the data
 * already holds (a restored directory's restore.json, or the store itself),
 * and must know this group owns the predicates restored into it, so that a
 * forgotten /assign after a restore is harmless and another group's alpha
 * refuses their writes. */
int cairn_alpha_claim_restored(struct cairn_alpha *a, const char *dir, cairn_err *err)
{
	struct cairn_restored r;
	int got = cairn_restored_read(dir, a->atrest, &r, err);
	if (got < 0)
		return -1;
	pthread_rwlock_rdlock(&a->db_lock);
	uint64_t ts = cairn_db_max_ts(a->db), uid = cairn_db_max_uid(a->db);
	pthread_rwlock_unlock(&a->db_lock);
	if (r.read_ts > ts)
		ts = r.read_ts;
	if (r.max_uid > uid)
		uid = r.max_uid;
	if (cairn_zero_move_past(a->zero, CAIRN_LEASE_TIMESTAMPS, ts, err) < 0 ||
	    cairn_zero_move_past(a->zero, CAIRN_LEASE_UIDS, uid, err) < 0) {
		cairn_err_prefix(err, "cannot move zero past this directory's data");
		goto fail;
	}
	for (size_t i = 0; i < r.npreds; i++) {
		uint32_t owner = 0;
		if (cairn_zero_tablet(a->zero, r.preds[i], a->group, &owner, err) < 0)
			goto fail;
		if (owner != a->group) {
			cairn_err_set(err,
				      "predicate <%s> restored into %s for group %u is already "
				      "owned by group %u in zero's state; start this directory "
				      "against a new zero, or restore into the group that owns it",
				      r.preds[i], dir, a->group, owner);
			goto fail;
		}
		remember_tablet(r.preds[i]);
	}
	if (!got && mark_restored(a, dir, &r, err) < 0)
		goto fail;
	if (!got)
		cairn_info("restored data (version %llu, max uid %llu, %zu predicates): zero "
			   "moved past it and the predicates claimed for group %u",
			   (unsigned long long)r.read_ts, (unsigned long long)r.max_uid, r.npreds,
			   a->group);
	cairn_restored_clear(&r);
	return 0;
fail:
	cairn_restored_clear(&r);
	return -1;
}

void cairn_alpha_tablets_clear(void)
{
	pthread_mutex_lock(&tablets.mu);
	for (size_t i = 0; i < tablets.n; i++)
		free(tablets.preds[i]);
	free(tablets.preds);
	tablets.preds = NULL;
	tablets.n = 0;
	pthread_mutex_unlock(&tablets.mu);
}
