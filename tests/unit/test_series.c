/* Which backups chain (series.c): one full, then incrementals numbered
 * 2, 3, ... each since the previous read_ts, one key throughout; gaps,
 * duplicates, a since that does not match, mixed encryption and a bad
 * backup_num are refused naming the series; upto stops early. Loading reads
 * only <folder>/manifest.json and skips a bad manifest, naming it; a bad
 * manifest newer than every good one makes the next backup a new series. */
#include "backup/series.h"
#include "check.h"
#include "memstore.h"

#define MAXM 8

struct fixture {
	struct cairn_manifest m[MAXM];
	struct cairn_backup_set set;
};

/* Backups given as (backup_num, since, read_ts); full when num is 1. */
static void add(struct fixture *f, const char *id, uint64_t num, uint64_t since, uint64_t read_ts)
{
	struct cairn_manifest *m = &f->m[f->set.n++];
	memset(m, 0, sizeof *m);
	m->dir = strdup("cairn.20261130.000000.000");
	m->dir[strlen(m->dir) - 1] = (char)('0' + f->set.n);
	snprintf(m->backup_id, sizeof m->backup_id, "%s", id);
	m->backup_num = num;
	m->full = num == 1;
	m->since = since;
	m->read_ts = read_ts;
	f->set.m = f->m;
}

static void fixture_free(struct fixture *f)
{
	for (size_t i = 0; i < f->set.n; i++)
		free(f->m[i].dir);
	memset(f, 0, sizeof *f);
}

/* The chain for id up to upto: its length, or -1 with err. */
static long chain(struct fixture *f, const char *id, uint64_t upto, cairn_err *err)
{
	const struct cairn_manifest **c = NULL;
	size_t n = 0;
	if (cairn_series_chain(&f->set, id, upto, &c, &n, err) < 0) {
		CHECK(c == NULL);
		return -1;
	}
	for (size_t k = 0; k < n; k++)
		CHECK(c[k]->backup_num == k + 1);
	free(c);
	return (long)n;
}

static void a_good_series_chains_in_order(void)
{
	struct fixture f = {0};
	cairn_err err = {0};
	add(&f, "s1", 1, 0, 10);
	add(&f, "s1", 2, 10, 20);
	add(&f, "s1", 3, 20, 30);
	CHECK(chain(&f, NULL, 0, &err) == 3);
	CHECK(chain(&f, "s1", 0, &err) == 3);
	CHECK(chain(&f, "s1", 2, &err) == 2);
	CHECK(chain(&f, "s1", 1, &err) == 1);
	CHECK(chain(&f, "s1", 4, &err) == -1);
	CHECK_CONTAINS(err.msg, "series s1 has backups 1 to 3; there is no backup_num 4");
	CHECK(chain(&f, "nope", 0, &err) == -1);
	CHECK_CONTAINS(err.msg, "no backup series with id \"nope\"");
	fixture_free(&f);
}

static void the_default_is_the_newest_backups_series(void)
{
	struct fixture f = {0};
	cairn_err err = {0};
	add(&f, "old", 1, 0, 10);
	add(&f, "old", 2, 10, 20);
	add(&f, "new", 1, 0, 30);
	CHECK(chain(&f, NULL, 0, &err) == 1);
	CHECK(chain(&f, "", 0, &err) == 1);
	CHECK(chain(&f, "old", 0, &err) == 2);
	CHECK(cairn_series_latest(&f.set) == &f.m[2]);
	fixture_free(&f);
	CHECK(chain(&f, NULL, 0, &err) == -1);
	CHECK_CONTAINS(err.msg, "no backups found");
	CHECK(cairn_series_latest(&f.set) == NULL);
}

/* The full backup missing: no --backup_num could help (restore refuses 0),
 * so the hint is to find the folder, never "--backup_num 0"; a later gap's
 * hint names a number that restores. */
static void a_broken_series_hint_never_suggests_backup_num_0(void)
{
	struct fixture f = {0};
	cairn_err err = {0};
	add(&f, "s", 2, 10, 20);
	add(&f, "s", 3, 20, 30);
	CHECK(chain(&f, "s", 0, &err) == -1);
	CHECK_CONTAINS(err.msg, "its full backup (1 of 3) is missing; find the missing folder");
	CHECK(strstr(err.msg, "--backup_num") == NULL);
	fixture_free(&f);
	add(&f, "s", 1, 0, 10);
	add(&f, "s", 2, 10, 20);
	add(&f, "s", 4, 30, 40);
	CHECK(chain(&f, "s", 0, &err) == -1);
	CHECK_CONTAINS(err.msg, "restore up to backup 2 (--backup_num");
	CHECK(chain(&f, "s", 2, &err) == 2);
	fixture_free(&f);
}

static void broken_series_are_refused(void)
{
	struct fixture f = {0};
	cairn_err err = {0};
	/* A gap: 2 is missing. */
	add(&f, "s", 1, 0, 10);
	add(&f, "s", 3, 20, 30);
	CHECK(chain(&f, "s", 0, &err) == -1);
	CHECK_CONTAINS(err.msg, "backup 2 of 3 is missing; restore up to backup 1 (--backup_num");
	CHECK(chain(&f, "s", 1, &err) == 1); /* what the hint promises works */
	fixture_free(&f);

	/* Two backups numbered 2. */
	add(&f, "s", 1, 0, 10);
	add(&f, "s", 2, 10, 20);
	add(&f, "s", 2, 10, 25);
	CHECK(chain(&f, "s", 0, &err) == -1);
	CHECK_CONTAINS(err.msg, "two backups numbered 2");
	fixture_free(&f);

	/* since is not the previous read_ts. */
	add(&f, "s", 1, 0, 10);
	add(&f, "s", 2, 11, 20);
	CHECK(chain(&f, "s", 0, &err) == -1);
	CHECK_CONTAINS(err.msg, "its since 11 is not the read_ts 10 of backup 1");
	fixture_free(&f);

	/* A full backup in the middle. */
	add(&f, "s", 1, 0, 10);
	add(&f, "s", 2, 10, 20);
	f.m[1].full = 1;
	CHECK(chain(&f, "s", 0, &err) == -1);
	CHECK_CONTAINS(err.msg, "broken at backup 2");
	fixture_free(&f);

	/* Not starting with a full backup. */
	add(&f, "s", 1, 0, 10);
	f.m[0].full = 0;
	CHECK(chain(&f, "s", 0, &err) == -1);
	CHECK_CONTAINS(err.msg, "does not start with a full backup");
	fixture_free(&f);

	/* Encrypted, then not; then another key. */
	add(&f, "s", 1, 0, 10);
	add(&f, "s", 2, 10, 20);
	f.m[0].encrypted = 1;
	snprintf(f.m[0].key_check, sizeof f.m[0].key_check, "%s",
		 "00112233445566778899aabbccddeeff");
	CHECK(chain(&f, "s", 0, &err) == -1);
	CHECK_CONTAINS(err.msg, "mixes encryption settings or keys at backup 2");
	CHECK(chain(&f, "s", 1, &err) == 1);
	f.m[1].encrypted = 1;
	snprintf(f.m[1].key_check, sizeof f.m[1].key_check, "%s",
		 "ffeeddccbbaa99887766554433221100");
	CHECK(chain(&f, "s", 0, &err) == -1);
	CHECK_CONTAINS(err.msg, "mixes encryption settings or keys at backup 2");
	memcpy(f.m[1].key_check, f.m[0].key_check, sizeof f.m[1].key_check);
	CHECK(chain(&f, "s", 0, &err) == 2);
	fixture_free(&f);

	/* A hostile backup_num cannot make the chain allocate without bound. */
	add(&f, "s", 1, 0, 10);
	add(&f, "s", UINT64_MAX / 2, 10, 20);
	CHECK(chain(&f, "s", 0, &err) == -1);
	CHECK_CONTAINS(err.msg, "refusing");
	fixture_free(&f);
}

static void put_manifest(struct cairn_storage *st, const char *dir, uint64_t num, uint64_t since,
			 uint64_t read_ts)
{
	struct cairn_manifest m;
	memset(&m, 0, sizeof m);
	m.dir = (char *)dir;
	m.full = num == 1;
	m.since = since;
	m.read_ts = read_ts;
	m.backup_num = num;
	snprintf(m.backup_id, sizeof m.backup_id, "%s", "20261130-abcdef");
	snprintf(m.created, sizeof m.created, "%s", "2026-11-30T00:00:00Z");
	m.groups = cJSON_CreateObject();
	cJSON_AddItemToObject(m.groups, "1", cJSON_CreateArray());
	m.drops = cJSON_CreateArray();
	struct cairn_manifest_obj o;
	memset(&o, 0, sizeof o);
	o.group = 1;
	snprintf(o.path, sizeof o.path, "r%llu-g1.backup", (unsigned long long)read_ts);
	o.size = 20;
	memset(o.sha256, 'a', 64);
	m.objs = &o;
	m.nobjs = 1;
	char *json = cairn_manifest_to_json(&m), name[128];
	snprintf(name, sizeof name, "%s/manifest.json", dir);
	mem_put(st, name, json, strlen(json));
	free(json);
	cJSON_Delete(m.groups);
	cJSON_Delete(m.drops);
}

static void loading_reads_only_folder_manifests_in_order(void)
{
	struct cairn_storage st = {0};
	struct cairn_store_loc loc;
	struct cairn_backup_set set;
	cairn_err err = {0};
	mem_loc(&loc, &st);
	/* Listed out of order; an interrupted backup (no manifest) and other
	 * objects are not backups. */
	put_manifest(&st, "cairn.20261130.000002.000", 2, 10, 20);
	put_manifest(&st, "cairn.20261130.000001.000", 1, 0, 10);
	mem_put(&st, "cairn.20261130.000003.000/r30-g1.backup", "x", 1);
	mem_put(&st, "cairn.20261130.000001.000/deeper/manifest.json", "{", 1);
	mem_put(&st, "other/manifest.json", "{", 1);
	CHECK(cairn_series_load(&loc, &set, &err) == 0);
	CHECK(set.n == 2);
	if (set.n == 2) {
		CHECK(set.m[0].read_ts == 10 && set.m[1].read_ts == 20);
		CHECK_STR(set.m[0].dir, "cairn.20261130.000001.000");
	}
	cairn_series_clear(&set);
	mem_clear(&st);
}

/* One damaged manifest is reported and skipped: every other backup at the
 * location stays usable, and the damaged folder is remembered. */
static void loading_skips_an_unreadable_manifest_and_keeps_the_others(void)
{
	struct cairn_storage st = {0};
	struct cairn_store_loc loc;
	struct cairn_backup_set set;
	cairn_err err = {0};
	mem_loc(&loc, &st);
	put_manifest(&st, "cairn.20261130.000001.000", 1, 0, 10);
	put_manifest(&st, "cairn.20261130.000002.000", 2, 10, 20);
	mem_put(&st, "cairn.20261130.000002.000/manifest.json", "{\"format\": ", 11);
	mem_put(&st, "cairn.20261130.000003.000/manifest.json", "not json", 8);
	CHECK(cairn_series_load(&loc, &set, &err) == 0);
	CHECK(set.n == 1 && set.nbad == 2);
	if (set.n == 1 && set.nbad == 2) {
		CHECK_STR(set.m[0].dir, "cairn.20261130.000001.000");
		CHECK_STR(set.bad[0], "cairn.20261130.000002.000");
		CHECK_STR(set.bad[1], "cairn.20261130.000003.000");
	}
	cairn_series_clear(&set);
	CHECK(set.nbad == 0 && set.bad == NULL);
	mem_clear(&st);
}

/* A folder newer than the newest readable backup whose manifest cannot be
 * read may have been that series' newest backup: an incremental on the one
 * before would fork the series, so the next backup starts a new one. An
 * older damaged folder does not change the plan. */
static void an_unreadable_newest_manifest_makes_the_next_backup_a_new_full_series(void)
{
	struct fixture f = {0};
	struct cairn_manifest next;
	cairn_err err = {0};
	char *bad[] = {"cairn.20261130.000000.000", "cairn.20261130.000009.000"};
	add(&f, "s1", 1, 0, 10);
	add(&f, "s1", 2, 10, 20);
	f.set.bad = bad;
	f.set.nbad = 1; /* older than the newest readable backup */
	memset(&next, 0, sizeof next);
	CHECK(cairn_series_plan_next(&f.set, 0, 30, NULL, "", &next, &err) == 0);
	CHECK(!next.full && next.backup_num == 3 && next.since == 20);
	CHECK_STR(next.backup_id, "s1");
	f.set.bad = bad + 1; /* newer than it */
	memset(&next, 0, sizeof next);
	CHECK(cairn_series_plan_next(&f.set, 0, 30, NULL, "", &next, &err) == 0);
	CHECK(next.full && next.backup_num == 1 && next.since == 0);
	CHECK(strcmp(next.backup_id, "s1") != 0);
	f.set.bad = NULL;
	f.set.nbad = 0;
	fixture_free(&f);
}

/* An incremental follows the newest backup of the cluster's own epoch,
 * even when another epoch's backup (another cluster's, or from before a
 * restore) has a higher read_ts; with none of its epoch, a new series. */
static void the_next_backup_follows_the_clusters_epoch_only(void)
{
	struct fixture f = {0};
	struct cairn_manifest next;
	cairn_err err = {0};
	add(&f, "mine", 1, 0, 10);
	add(&f, "theirs", 1, 0, 50);
	snprintf(f.m[0].cluster_epoch, sizeof f.m[0].cluster_epoch, "00000000000000aa");
	snprintf(f.m[1].cluster_epoch, sizeof f.m[1].cluster_epoch, "00000000000000bb");
	memset(&next, 0, sizeof next);
	CHECK(cairn_series_plan_next(&f.set, 0, 30, "00000000000000aa", "", &next, &err) == 0);
	CHECK(!next.full && next.backup_num == 2 && next.since == 10);
	CHECK_STR(next.backup_id, "mine");
	memset(&next, 0, sizeof next);
	CHECK(cairn_series_plan_next(&f.set, 0, 60, "00000000000000cc", "", &next, &err) == 0);
	CHECK(next.full && next.backup_num == 1 && next.since == 0);
	CHECK(strcmp(next.backup_id, "mine") != 0 && strcmp(next.backup_id, "theirs") != 0);
	fixture_free(&f);
}

/* An incremental never mixes plain and encrypted backups, or two keys, and
 * never goes back in time: each is refused naming the latest backup, and
 * forceFull starts a new series instead. */
static void the_next_backup_refuses_mixed_keys_and_an_older_cluster(void)
{
	struct fixture f = {0};
	struct cairn_manifest next;
	cairn_err err = {0};
	add(&f, "plain", 1, 0, 20);
	memset(&next, 0, sizeof next);
	CHECK(cairn_series_plan_next(&f.set, 0, 30, NULL, "0123456789abcdef0123456789abcdef", &next,
				     &err) == -1);
	CHECK_CONTAINS(err.msg, "is not encrypted and this alpha encrypts");
	CHECK_CONTAINS(err.msg, "forceFull: true");
	memset(&next, 0, sizeof next);
	CHECK(cairn_series_plan_next(&f.set, 1, 30, NULL, "0123456789abcdef0123456789abcdef", &next,
				     &err) == 0);
	CHECK(next.full && next.encrypted && next.backup_num == 1);
	memset(&next, 0, sizeof next);
	CHECK(cairn_series_plan_next(&f.set, 0, 15, NULL, "", &next, &err) == -1);
	CHECK_CONTAINS(err.msg, "read_ts 20) is newer than this cluster (read_ts 15)");
	f.m[0].encrypted = 1;
	snprintf(f.m[0].key_check, sizeof f.m[0].key_check, "0123456789abcdef0123456789abcdef");
	memset(&next, 0, sizeof next);
	CHECK(cairn_series_plan_next(&f.set, 0, 30, NULL, "", &next, &err) == -1);
	CHECK_CONTAINS(err.msg, "is encrypted and this alpha has no encryption key");
	memset(&next, 0, sizeof next);
	CHECK(cairn_series_plan_next(&f.set, 0, 30, NULL, "fedcba9876543210fedcba9876543210", &next,
				     &err) == -1);
	CHECK_CONTAINS(err.msg, "was encrypted with a different key");
	memset(&next, 0, sizeof next);
	CHECK(cairn_series_plan_next(&f.set, 0, 30, NULL, "0123456789abcdef0123456789abcdef", &next,
				     &err) == 0);
	CHECK(!next.full && next.encrypted && next.backup_num == 2 && next.since == 20);
	fixture_free(&f);
}

/* A location without backups has nothing to restore to a point in time. */
static void an_empty_location_has_no_point_in_time(void)
{
	struct fixture f = {0};
	const struct cairn_manifest **c = NULL;
	const char *id = NULL;
	size_t n = 0;
	uint64_t ts = 0;
	cairn_err err = {0};
	CHECK(cairn_series_chain_at(&f.set, NULL, 10, &c, &n, &err) == -1);
	CHECK_CONTAINS(err.msg, "no backups found at this location to restore to a point in time");
	CHECK(c == NULL && n == 0);
	memset(&err, 0, sizeof err);
	CHECK(cairn_series_ts_at_time(&f.set, NULL, 1000, &ts, &id, &err) == -1);
	CHECK_CONTAINS(err.msg, "no backups found at this location to restore to a point in time");
}

int main(void)
{
	a_broken_series_hint_never_suggests_backup_num_0();
	the_next_backup_follows_the_clusters_epoch_only();
	the_next_backup_refuses_mixed_keys_and_an_older_cluster();
	an_empty_location_has_no_point_in_time();
	a_good_series_chains_in_order();
	the_default_is_the_newest_backups_series();
	broken_series_are_refused();
	loading_reads_only_folder_manifests_in_order();
	loading_skips_an_unreadable_manifest_and_keeps_the_others();
	an_unreadable_newest_manifest_makes_the_next_backup_a_new_full_series();
	CHECK_DONE();
}
