/* series.c — finding backups, checking that they chain, and planning the next one. */
#include "backup/series.h"

#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "format/committimes.h"
#include "log.h"

/* Only <folder>/manifest.json directly under the location. */
static int is_manifest(const char *name)
{
	const char *slash = strchr(name, '/');
	return slash && strcmp(slash + 1, "manifest.json") == 0 && strncmp(name, "cairn.", 6) == 0;
}

static int cmp_manifest(const void *a, const void *b)
{
	const struct cairn_manifest *x = a, *y = b;
	if (x->read_ts != y->read_ts)
		return x->read_ts < y->read_ts ? -1 : 1;
	/* Same read_ts (nothing committed in between): the later folder, by its
	 * time-stamped name, is the newer backup. */
	return strcmp(x->dir, y->dir);
}

static int add_bad(struct cairn_backup_set *set, const char *dir, cairn_err *err)
{
	char **nv = realloc(set->bad, (set->nbad + 1) * sizeof *nv);
	if (!nv)
		return cairn_err_set(err, "out of memory");
	set->bad = nv;
	if (!(set->bad[set->nbad] = strdup(dir)))
		return cairn_err_set(err, "out of memory");
	set->nbad++;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int cairn_series_load(struct cairn_store_loc *loc, struct cairn_backup_set *set, cairn_err *err)
{
	struct cairn_names ns = {0};
	int rc = -1;
	memset(set, 0, sizeof *set);
	if (cairn_location_names(loc, "cairn.", is_manifest, &ns, err) < 0)
		goto out;
	set->m = calloc(ns.n + 1, sizeof *set->m);
	if (!set->m) {
		cairn_err_set(err, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < ns.n; i++) {
		char *data = NULL, dir[256];
		size_t len = 0;
		cairn_err perr = {0};
		snprintf(dir, sizeof dir, "%.*s", (int)(strchr(ns.v[i], '/') - ns.v[i]), ns.v[i]);
		int pr =
		    cairn_location_read_all(loc, ns.v[i], CAIRN_MANIFEST_MAX, &data, &len, &perr);
		if (pr < 0 && perr.code == CAIRN_E_TRANSIENT) {
			*err = perr;
			cairn_err_prefix(err, "cannot read %s", ns.v[i]);
			goto out;
		}
		if (pr == 0)
			pr = cairn_manifest_parse(data, len, dir, &set->m[set->n], &perr);
		free(data);
		if (pr == 0) {
			set->n++;
			continue;
		}
		cairn_warn("skipping backup folder %s: its manifest.json is unreadable or invalid "
			   "(%s); move that folder away or restore it from a copy",
			   dir, perr.msg);
		if (add_bad(set, dir, err) < 0)
			goto out;
	}
	if (set->n > 1)
		qsort(set->m, set->n, sizeof *set->m, cmp_manifest);
	if (set->nbad > 1)
		qsort(set->bad, set->nbad, sizeof *set->bad, cmp_str);
	rc = 0;
out:
	cairn_names_clear(&ns);
	if (rc < 0)
		cairn_series_clear(set);
	return rc;
}

void cairn_series_clear(struct cairn_backup_set *set)
{
	for (size_t i = 0; i < set->n; i++)
		cairn_manifest_clear(&set->m[i]);
	free(set->m);
	for (size_t i = 0; i < set->nbad; i++)
		free(set->bad[i]);
	free(set->bad);
	memset(set, 0, sizeof *set);
}

const struct cairn_manifest *cairn_series_latest(const struct cairn_backup_set *set)
{
	return set->n ? &set->m[set->n - 1] : NULL;
}

const struct cairn_manifest *cairn_series_latest_of(const struct cairn_backup_set *set,
						    const char *epoch)
{
	if (!epoch)
		return cairn_series_latest(set);
	for (size_t i = set->n; i-- > 0;)
		if (!strcmp(set->m[i].cluster_epoch, epoch))
			return &set->m[i];
	return NULL;
}

int cairn_series_chain(const struct cairn_backup_set *set, const char *backup_id, uint64_t upto,
		       const struct cairn_manifest ***chain, size_t *n, cairn_err *err)
{
	const struct cairn_manifest *latest = cairn_series_latest(set);
	*chain = NULL;
	*n = 0;
	if (!latest)
		return cairn_err_set(err, "no backups found at this location (a backup is a "
					  "cairn.* folder with a manifest.json)");
	const char *newest_bad = set->nbad ? set->bad[set->nbad - 1] : NULL;
	if ((!backup_id || !*backup_id) && newest_bad && strcmp(newest_bad, latest->dir) > 0)
		return cairn_err_set(err,
				     "the newest backup folder %s has an unreadable manifest, so "
				     "the newest readable backup (%s) may not be the newest; give "
				     "--backup_id (cairn lsbackup lists the readable series) or "
				     "move that folder away",
				     newest_bad, latest->dir);
	const char *id = backup_id && *backup_id ? backup_id : latest->backup_id;
	uint64_t max = 0;
	for (size_t i = 0; i < set->n; i++)
		if (!strcmp(set->m[i].backup_id, id) && set->m[i].backup_num > max)
			max = set->m[i].backup_num;
	if (!max)
		return cairn_err_set(err,
				     "no backup series with id \"%s\" at this location; "
				     "cairn lsbackup lists them",
				     id);
	if (upto) {
		if (upto > max)
			return cairn_err_set(err,
					     "series %s has backups 1 to %llu; there is no "
					     "backup_num %llu",
					     id, (unsigned long long)max, (unsigned long long)upto);
		max = upto;
	}
	if (max > 1000000)
		return cairn_err_set(err, "series %s claims %llu backups; refusing", id,
				     (unsigned long long)max);
	const struct cairn_manifest **c = calloc(max, sizeof *c);
	if (!c)
		return cairn_err_set(err, "out of memory");
	for (size_t i = 0; i < set->n; i++) {
		const struct cairn_manifest *m = &set->m[i];
		if (strcmp(m->backup_id, id) != 0 || m->backup_num > max)
			continue;
		if (c[m->backup_num - 1]) {
			cairn_err_set(err,
				      "series %s has two backups numbered %llu (%s and %s); "
				      "move one away",
				      id, (unsigned long long)m->backup_num,
				      c[m->backup_num - 1]->dir, m->dir);
			goto fail;
		}
		c[m->backup_num - 1] = m;
	}
	for (uint64_t k = 0; k < max; k++) {
		if (!c[k]) {
			char hint[160] = "";
			if (set->nbad)
				snprintf(
				    hint, sizeof hint,
				    " (%zu folder(s) with an unreadable manifest were skipped, "
				    "first %s)",
				    set->nbad, set->bad[0]);
			if (k == 0)
				cairn_err_set(err,
					      "series %s is broken: its full backup (1 of %llu) is "
					      "missing%s; find the missing folder",
					      id, (unsigned long long)max, hint);
			else
				cairn_err_set(err,
					      "series %s is broken: backup %llu of %llu is "
					      "missing%s; restore up to backup %llu (--backup_num, "
					      "or backupNum in the mutation) or find the missing "
					      "folder",
					      id, (unsigned long long)k + 1,
					      (unsigned long long)max, hint, (unsigned long long)k);
			goto fail;
		}
		if (k == 0 && !c[0]->full) {
			cairn_err_set(err, "series %s does not start with a full backup (%s)", id,
				      c[0]->dir);
			goto fail;
		}
		if (k > 0 && (c[k]->full || c[k]->since != c[k - 1]->read_ts)) {
			cairn_err_set(err,
				      "series %s is broken at backup %llu (%s): its since %llu is "
				      "not the read_ts %llu of backup %llu",
				      id, (unsigned long long)k + 1, c[k]->dir,
				      (unsigned long long)c[k]->since,
				      (unsigned long long)c[k - 1]->read_ts, (unsigned long long)k);
			goto fail;
		}
		if (k > 0 && (c[k]->encrypted != c[0]->encrypted ||
			      strcmp(c[k]->key_check, c[0]->key_check) != 0)) {
			cairn_err_set(err,
				      "series %s mixes encryption settings or keys at backup %llu "
				      "(%s); a series must use one key throughout",
				      id, (unsigned long long)k + 1, c[k]->dir);
			goto fail;
		}
	}
	*chain = c;
	*n = max;
	return 0;
fail:
	free(c);
	return -1;
}

static int cmp_range(const void *a, const void *b)
{
	return strcmp(((const struct cairn_series_range *)a)->dir,
		      ((const struct cairn_series_range *)b)->dir);
}

int cairn_series_ranges(const struct cairn_backup_set *set, struct cairn_series_range **out,
			size_t *n, cairn_err *err)
{
	struct cairn_series_range *r = calloc(set->n ? set->n : 1, sizeof *r);
	*out = NULL;
	*n = 0;
	if (!r)
		return cairn_err_set(err, "out of memory");
	for (size_t i = 0; i < set->n; i++) {
		const struct cairn_manifest *m = &set->m[i];
		const struct cairn_manifest **c = NULL;
		size_t k, cn = 0;
		cairn_err e = {0};
		for (k = 0; k < *n && strcmp(r[k].backup_id, m->backup_id) != 0; k++)
			;
		if (k < *n || cairn_series_chain(set, m->backup_id, 0, &c, &cn, &e) < 0)
			continue; /* seen, or broken */
		r[*n] = (struct cairn_series_range){
		    m->backup_id, c[0]->dir, c[0]->read_ts, c[cn - 1]->read_ts, cn, 1, 0, 0};
		for (size_t b = 0; b < cn; b++)
			for (size_t o = 0; o < c[b]->nobjs; o++) {
				const struct cairn_manifest_obj *mo = &c[b]->objs[o];
				r[*n].has_times &= mo->has_ctimes;
				for (size_t e = 0; e < mo->nctimes; e++) {
					uint64_t ms = mo->ctimes[2 * e + 1];
					if (b == 0 && ms > r[*n].from_ms)
						r[*n].from_ms = ms; /* the last group's snapshot */
					if (ms > r[*n].to_ms)
						r[*n].to_ms = ms;
				}
			}
		(*n)++;
		free(c);
	}
	if (*n > 1)
		qsort(r, *n, sizeof *r, cmp_range);
	*out = r;
	return 0;
}

int cairn_series_chain_at(const struct cairn_backup_set *set, const char *backup_id, uint64_t to_ts,
			  const struct cairn_manifest ***chain, size_t *n, cairn_err *err)
{
	struct cairn_series_range *r = NULL;
	size_t nr = 0, pick = SIZE_MAX;
	*chain = NULL;
	*n = 0;
	if (backup_id && !*backup_id)
		backup_id = NULL;
	if (backup_id) {
		const struct cairn_manifest **c = NULL;
		size_t cn = 0;
		if (cairn_series_chain(set, backup_id, 0, &c, &cn, err) < 0)
			return -1;
		free(c);
	}
	if (cairn_series_ranges(set, &r, &nr, err) < 0)
		return -1;
	for (size_t i = 0; i < nr; i++)
		if ((!backup_id || !strcmp(r[i].backup_id, backup_id)) && r[i].from_ts <= to_ts &&
		    to_ts <= r[i].to_ts)
			pick = i; /* the ranges are oldest first: the last is the newest */
	if (pick == SIZE_MAX) {
		char list[1024] = "";
		size_t used = 0;
		for (size_t i = 0; i < nr && used < sizeof list - 1; i++) {
			if (backup_id && strcmp(r[i].backup_id, backup_id) != 0)
				continue;
			int w = snprintf(list + used, sizeof list - used, "%sseries %s: %llu..%llu",
					 used ? ", " : "", r[i].backup_id,
					 (unsigned long long)r[i].from_ts,
					 (unsigned long long)r[i].to_ts);
			if (w < 0)
				break;
			used += (size_t)w;
			if (used >= sizeof list)
				used = sizeof list - 1;
		}
		free(r);
		if (!used)
			return cairn_err_set(err, "no backups found at this location to restore "
						  "to a point in time");
		return cairn_err_set(err,
				     "no backup series %s%scan be restored to ts %llu; the "
				     "restorable ranges are %s (give a --to_ts inside one)",
				     backup_id ? backup_id : "", backup_id ? " " : "",
				     (unsigned long long)to_ts, list);
	}
	char id[sizeof set->m[0].backup_id];
	snprintf(id, sizeof id, "%s", r[pick].backup_id);
	free(r);
	if (cairn_series_chain(set, id, 0, chain, n, err) < 0)
		return -1;
	size_t k = 0;
	while (k + 1 < *n && (*chain)[k]->read_ts < to_ts)
		k++;
	*n = k + 1;
	return 0;
}

/* "series X: 2026-...Z..2026-...Z (ts a..b)" or, without times,
 * "series X: no commit times (ts a..b)", each range of the filter. */
static void time_ranges(const struct cairn_series_range *r, size_t nr, const char *backup_id,
			char *list, size_t cap)
{
	size_t used = 0;
	list[0] = 0;
	for (size_t i = 0; i < nr && used < cap - 1; i++) {
		char from[32], to[32];
		int w;
		if (backup_id && strcmp(r[i].backup_id, backup_id) != 0)
			continue;
		cairn_ms_rfc3339(r[i].from_ms, from);
		cairn_ms_rfc3339(r[i].to_ms, to);
		if (r[i].has_times)
			w = snprintf(list + used, cap - used, "%sseries %s: %s..%s (ts %llu..%llu)",
				     used ? ", " : "", r[i].backup_id, from, to,
				     (unsigned long long)r[i].from_ts,
				     (unsigned long long)r[i].to_ts);
		else
			w = snprintf(
			    list + used, cap - used, "%sseries %s: no commit times (ts %llu..%llu)",
			    used ? ", " : "", r[i].backup_id, (unsigned long long)r[i].from_ts,
			    (unsigned long long)r[i].to_ts);
		if (w < 0)
			break;
		used += (size_t)w;
		if (used >= cap)
			used = cap - 1;
	}
}

int cairn_series_ts_at_time(const struct cairn_backup_set *set, const char *backup_id, uint64_t ms,
			    uint64_t *to_ts, const char **id, cairn_err *err)
{
	struct cairn_series_range *r = NULL;
	size_t nr = 0, pick = SIZE_MAX, any_times = 0;
	char when[32];
	if (backup_id && !*backup_id)
		backup_id = NULL;
	if (backup_id) {
		const struct cairn_manifest **c = NULL;
		size_t cn = 0;
		if (cairn_series_chain(set, backup_id, 0, &c, &cn, err) < 0)
			return -1;
		free(c);
	}
	if (cairn_series_ranges(set, &r, &nr, err) < 0)
		return -1;
	for (size_t i = 0; i < nr; i++) {
		if (backup_id && strcmp(r[i].backup_id, backup_id) != 0)
			continue;
		any_times |= (size_t)r[i].has_times;
		if (r[i].has_times && r[i].from_ms <= ms && ms <= r[i].to_ms)
			pick = i; /* oldest first: the last is the newest */
	}
	cairn_ms_rfc3339(ms, when);
	if (pick == SIZE_MAX) {
		char list[1024];
		time_ranges(r, nr, backup_id, list, sizeof list);
		free(r);
		if (!list[0])
			return cairn_err_set(err, "no backups found at this location to restore "
						  "to a point in time");
		if (!any_times)
			return cairn_err_set(err,
					     "the backups here lack commit times (written before "
					     "cairn recorded them), so %s cannot be mapped to a "
					     "commit: %s; give --to_ts inside a range",
					     when, list);
		return cairn_err_set(err,
				     "no backup series can be restored to %s by the commit times "
				     "it records; the ranges are %s",
				     when, list);
	}
	const struct cairn_manifest **c = NULL;
	size_t cn = 0;
	const char *sid = r[pick].backup_id;
	uint64_t best = r[pick].from_ts;
	free(r);
	if (cairn_series_chain(set, sid, 0, &c, &cn, err) < 0)
		return -1;
	for (size_t b = 1; b < cn; b++)
		for (size_t o = 0; o < c[b]->nobjs; o++)
			for (size_t e = 0; e < c[b]->objs[o].nctimes; e++)
				if (c[b]->objs[o].ctimes[2 * e + 1] <= ms &&
				    c[b]->objs[o].ctimes[2 * e] > best)
					best = c[b]->objs[o].ctimes[2 * e];
	free(c);
	*to_ts = best;
	*id = sid;
	return 0;
}

/* A series id: the day, then 48 random bits. */
static int new_backup_id(char *out, size_t len)
{
	unsigned char r[6];
	if (RAND_bytes(r, sizeof r) != 1)
		return -1;
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	snprintf(out, len, "%04d%02d%02d-%02x%02x%02x%02x%02x%02x", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, r[0], r[1], r[2], r[3], r[4], r[5]);
	return 0;
}

int cairn_series_plan_next(const struct cairn_backup_set *set, int force_full, uint64_t read_ts,
			   const char *epoch, const char *key_check, struct cairn_manifest *m,
			   cairn_err *err)
{
	const struct cairn_manifest *last = cairn_series_latest_of(set, epoch);
	if (!last && !force_full && set->n)
		cairn_info("no backup here is of this cluster's data history (epoch %s; a restore "
			   "since, another cluster, or an older cairn): this backup starts a new "
			   "series with a full backup",
			   epoch);
	int encrypts = key_check && *key_check;
	const char *newest_bad = set->nbad ? set->bad[set->nbad - 1] : NULL;
	if (last && !force_full && newest_bad && strcmp(newest_bad, last->dir) > 0) {
		cairn_warn("the newest backup folder %s has an unreadable manifest and may be the "
			   "newest backup of series %s: starting a new full series rather than "
			   "risk forking it",
			   newest_bad, last->backup_id);
		force_full = 1;
	}
	if (last && !force_full) {
		if (last->encrypted != encrypts)
			return cairn_err_set(err,
					     "the latest backup at this location (%s) is %s and "
					     "this alpha %s; a series cannot mix them: set "
					     "forceFull: true to start a new series",
					     last->dir,
					     last->encrypted ? "encrypted" : "not encrypted",
					     encrypts ? "encrypts" : "has no encryption key");
		if (last->encrypted && strcmp(last->key_check, key_check) != 0)
			return cairn_err_set(
			    err,
			    "the latest backup at this location (%s) was encrypted "
			    "with a different key; set forceFull: true to start "
			    "a new series",
			    last->dir);
		if (read_ts < last->read_ts)
			return cairn_err_set(
			    err,
			    "the latest backup at this location (%s, read_ts %llu) "
			    "is newer than this cluster (read_ts %llu); back up "
			    "to another location or set forceFull: true",
			    last->dir, (unsigned long long)last->read_ts,
			    (unsigned long long)read_ts);
		m->full = 0;
		m->since = last->read_ts;
		m->backup_num = last->backup_num + 1;
		snprintf(m->backup_id, sizeof m->backup_id, "%s", last->backup_id);
	} else {
		m->full = 1;
		m->since = 0;
		m->backup_num = 1;
		if (new_backup_id(m->backup_id, sizeof m->backup_id) < 0)
			return cairn_err_set(err, "cannot get random bytes for a backup id");
	}
	m->read_ts = read_ts;
	m->encrypted = encrypts;
	snprintf(m->key_check, sizeof m->key_check, "%s", encrypts ? key_check : "");
	return 0;
}
