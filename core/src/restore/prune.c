/* prune.c — `cairn prune`: retention. Removes whole old series (a full
 * backup and its incrementals, one backup_id) from a location through its
 * storage plugin's remove op.
 *
 * Rules (README, "Retention"):
 * - A series is kept if it is one of the --keep_series newest (ordered by
 *   their newest backup) or its newest backup is younger than --keep_days
 *   days (by the folder's UTC time-stamped name); the newest series is
 *   always kept. Everything else is removed, whole.
 * - Only folders with a readable manifest.json are ever removed. A folder
 *   without one is a backup in progress or an interrupted one: prune never
 *   touches it (the next completed backup removes interrupted ones older
 *   than itself). A folder whose manifest is unreadable may belong to any
 *   series, so prune then removes nothing.
 * - A series goes newest backup first, and in each folder manifest.json
 *   first: if prune stops half-way, what remains is a shorter chain that
 *   still starts with its full, plus folders without a manifest (ignored by
 *   every reader, cleaned up by the next backup).
 * - --dry_run prints the same lines with "would remove" and removes nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "commands.h"
#include "log.h"
#include "restore/common.h"

static const struct cairn_flag prune_flags[] = {
    {"location", 'l', NULL, "where the backups are (directory or URI)", 0},
    {"keep_series", 0, NULL, "keep the N newest series (at least 1)", 0},
    {"keep_days", 0, NULL, "keep every series with a backup younger than D days", 0},
    {"dry_run", 0, "false", "print what would be removed; remove nothing", CAIRN_FLAG_BOOL},
    {"plugin_dir", 0, NULL, "directory of *.so plugins", 0},
    {NULL, 0, NULL, NULL, 0},
};

struct series {
	const char *id;
	const struct cairn_manifest **m; /* by backup_num */
	size_t n;
	const struct cairn_manifest *newest;
};

/* The UTC time in a folder name cairn.YYYYMMDD.HHMMSS.mmm; 0 if it has none. */
static time_t folder_time(const char *dir)
{
	struct tm tm = {0};
	int y, mo, d, h, mi, s;
	if (sscanf(dir, "cairn.%4d%2d%2d.%2d%2d%2d", &y, &mo, &d, &h, &mi, &s) != 6)
		return 0;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	return timegm(&tm);
}

static int cmp_num(const void *a, const void *b)
{
	const struct cairn_manifest *x = *(const struct cairn_manifest *const *)a;
	const struct cairn_manifest *y = *(const struct cairn_manifest *const *)b;
	return x->backup_num < y->backup_num ? -1 : x->backup_num > y->backup_num;
}

/* set->m is sorted oldest first, so the series come out ordered by their
 * newest backup, newest last. */
static int group_series(const struct cairn_backup_set *set, struct series **out, size_t *nout,
			cairn_err *err)
{
	struct series *sv = calloc(set->n, sizeof *sv);
	size_t ns = 0;
	if (!sv)
		return cairn_err_set(err, "out of memory");
	for (size_t i = set->n; i-- > 0;) {
		const struct cairn_manifest *m = &set->m[i];
		size_t k;
		for (k = 0; k < ns && strcmp(sv[k].id, m->backup_id) != 0; k++)
			;
		if (k == ns) {
			sv[ns].id = m->backup_id;
			sv[ns].newest = m;
			if (!(sv[ns].m = calloc(set->n, sizeof *sv[ns].m))) {
				*nout = ns;
				*out = sv;
				return cairn_err_set(err, "out of memory");
			}
			ns++;
		}
		sv[k].m[sv[k].n++] = m;
	}
	for (size_t k = 0; k < ns; k++)
		if (sv[k].n > 1)
			qsort(sv[k].m, sv[k].n, sizeof *sv[k].m, cmp_num);
	*out = sv; /* sv[0] is the newest series */
	*nout = ns;
	return 0;
}

/* One folder: manifest.json first (the folder stops being a backup), then
 * every other object in it. */
static int remove_folder(struct cairn_store_loc *loc, const char *dir, cairn_err *err)
{
	struct cairn_names ns = {0};
	char prefix[300], manifest[300];
	int rc = -1;
	snprintf(prefix, sizeof prefix, "%s/", dir);
	snprintf(manifest, sizeof manifest, "%s/manifest.json", dir);
	if (loc->ops->remove(loc->st, manifest, err) < 0 ||
	    cairn_location_names(loc, prefix, NULL, &ns, err) < 0)
		goto out;
	for (size_t i = 0; i < ns.n; i++)
		if (loc->ops->remove(loc->st, ns.v[i], err) < 0)
			goto out;
	rc = 0;
out:
	if (rc < 0)
		cairn_err_prefix(err, "cannot remove backup folder %s", dir);
	cairn_names_clear(&ns);
	return rc;
}

static uint64_t series_bytes(const struct series *s)
{
	uint64_t b = 0;
	for (size_t i = 0; i < s->n; i++)
		for (size_t j = 0; j < s->m[i]->nobjs; j++)
			b += s->m[i]->objs[j].size;
	return b;
}

static void print_series(const char *what, const struct series *s, const char *why)
{
	printf("%-12s series %s: %zu backup(s), %s .. %s, %llu bytes%s%s\n", what, s->id, s->n,
	       s->m[0]->dir, s->m[s->n - 1]->dir, (unsigned long long)series_bytes(s),
	       why ? " " : "", why ? why : "");
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Folders under the location that hold objects but no readable manifest:
 * backups in progress or interrupted. Listed so the operator sees them. */
static int report_unfinished(struct cairn_store_loc *loc, const struct cairn_backup_set *set,
			     cairn_err *err)
{
	struct cairn_names ns = {0};
	if (cairn_location_names(loc, "cairn.", NULL, &ns, err) < 0)
		return -1;
	if (ns.n > 1)
		qsort(ns.v, ns.n, sizeof *ns.v, cmp_str);
	const char *last = NULL;
	size_t lastlen = 0;
	for (size_t i = 0; i < ns.n; i++) {
		const char *slash = strchr(ns.v[i], '/');
		if (!slash)
			continue;
		size_t len = (size_t)(slash - ns.v[i]);
		if (last && len == lastlen && !strncmp(last, ns.v[i], len))
			continue;
		int known = 0;
		for (size_t k = 0; k < set->n && !known; k++)
			known =
			    strlen(set->m[k].dir) == len && !strncmp(set->m[k].dir, ns.v[i], len);
		if (!known)
			printf("%-12s folder %.*s: no manifest.json (a backup in progress or "
			       "interrupted)\n",
			       "untouched", (int)len, ns.v[i]);
		last = ns.v[i];
		lastlen = len;
	}
	cairn_names_clear(&ns);
	return 0;
}

int cairn_cmd_prune(int argc, char **argv)
{
	struct cairn_opts o;
	cairn_err err = {0};
	struct cairn_store_loc loc = {0};
	struct cairn_backup_set set = {0};
	struct series *sv = NULL;
	size_t ns = 0;
	uint64_t keep_n = 0, keep_days = 0;
	int rc = -1, has_n, has_days;
	cairn_log_set_name("prune");
	int pr =
	    cairn_opts_parse("prune", "-l LOCATION --keep_series N [--keep_days D] [--dry_run]",
			     prune_flags, argc, argv, &o, &err);
	if (pr != 0) {
		rc = pr > 0 ? 0 : -1;
		goto out;
	}
	has_n = cairn_opt(&o, "keep_series") != NULL;
	has_days = cairn_opt(&o, "keep_days") != NULL;
	int dry = cairn_opt_bool(&o, "dry_run");
	if (!has_n && !has_days) {
		cairn_err_set(&err,
			      "give --keep_series N (the newest N series stay) and/or "
			      "--keep_days D (series with a backup younger than D days stay)");
		goto out;
	}
	if ((has_n && cairn_opt_u64(&o, "keep_series", &keep_n, &err) < 0) ||
	    (has_days && cairn_opt_u64(&o, "keep_days", &keep_days, &err) < 0))
		goto out;
	if (has_n && keep_n < 1) {
		cairn_err_set(&err, "--keep_series must be at least 1: prune never removes the "
				    "newest series");
		goto out;
	}
	if (keep_days > 365000) {
		cairn_err_set(&err, "--keep_days %llu is more than 1000 years; give fewer days",
			      (unsigned long long)keep_days);
		goto out;
	}
	if (dry < 0) {
		cairn_err_set(&err, "--dry_run must be true or false");
		goto out;
	}
	if (cairn_backups_open(&o, &loc, &set, NULL, &err) < 0)
		goto out;
	if (set.nbad) {
		cairn_err_set(
		    &err,
		    "%zu backup folder(s) have an unreadable manifest (first %s): such a "
		    "folder may belong to any series, so prune removes nothing; move them "
		    "away or restore them from a copy",
		    set.nbad, set.bad[0]);
		goto out;
	}
	if (group_series(&set, &sv, &ns, &err) < 0)
		goto out;
	time_t now = time(NULL);
	for (size_t k = 0; k < ns; k++) {
		const struct series *s = &sv[k];
		char why[96] = "";
		time_t t = folder_time(s->newest->dir);
		int young = has_days && t > 0 && now - t < (time_t)(keep_days * 86400);
		if (k == 0)
			snprintf(why, sizeof why, "(the newest series)");
		else if (has_n && k < keep_n)
			snprintf(why, sizeof why, "(one of the %llu newest)",
				 (unsigned long long)keep_n);
		else if (young)
			snprintf(why, sizeof why, "(a backup younger than %llu days)",
				 (unsigned long long)keep_days);
		if (why[0]) {
			print_series("kept", s, why);
			continue;
		}
		if (dry == 1) {
			print_series("would remove", s, NULL);
			continue;
		}
		/* Newest backup first: a stop half-way leaves a chain from its full. */
		for (size_t i = s->n; i-- > 0;)
			if (remove_folder(&loc, s->m[i]->dir, &err) < 0) {
				fflush(stdout);
				goto out;
			}
		print_series("removed", s, NULL);
	}
	if (report_unfinished(&loc, &set, &err) < 0)
		goto out;
	rc = 0;
out:
	if (rc < 0 && err.msg[0])
		cairn_print_error(err.msg);
	for (size_t k = 0; k < ns; k++)
		free(sv[k].m);
	free(sv);
	cairn_series_clear(&set);
	cairn_location_close(&loc);
	cairn_opts_clear(&o);
	return rc < 0 ? 1 : 0;
}
