/* Point-in-time restore's parsing and choices: commit_times text
 * (committimes.c) in its one canonical form, RFC 3339 UTC times, a
 * manifest's commit_times checked against its type and range; and which
 * series and chain a ts or a time restores (series.c). */
#include <stdint.h>

#include "backup/series.h"
#include "check.h"
#include "format/committimes.h"

static void commit_times_round_trip(void)
{
	uint64_t pairs[] = {7, 1764596460123, 9, 1764596460120, 40, 1764596461000};
	char *s = cairn_ctimes_encode(pairs, 3);
	CHECK_STR(s, "7:1764596460123,2:-3,31:880");
	uint64_t *back = NULL;
	size_t n = 0;
	cairn_err err = {0};
	CHECK(cairn_ctimes_parse(s, &back, &n, &err) == 0 && n == 3);
	CHECK(back && !memcmp(back, pairs, sizeof pairs));
	free(back);
	free(s);
	s = cairn_ctimes_encode(NULL, 0);
	CHECK_STR(s, "");
	CHECK(cairn_ctimes_parse(s, &back, &n, &err) == 0 && n == 0 && !back);
	free(s);
}

static void commit_times_only_canonical(void)
{
	static const char *const bad[] = {
	    "0:5",			  /* ts must grow */
	    "3:5,0:1",			  /* ... strictly */
	    "03:5",			  /* leading zero */
	    "3:+5",			  /* plus sign */
	    "3:-0",			  /* minus zero */
	    "3:-5",			  /* ms below 0 */
	    "3:5,",			  /* trailing comma */
	    ",3:5",			  /* leading comma */
	    "3:5 ",			  /* trailing space */
	    "3",			  /* no ms */
	    "3:x",			  /* not a number */
	    "3:9007199254740992",	  /* ms at 2^53 */
	    "18446744073709551615:1,1:1", /* ts past 2^64 */
	    "99999999999999999999:1",	  /* digits past 2^64 */
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		uint64_t *p = NULL;
		size_t n = 0;
		cairn_err err = {0};
		CHECK(cairn_ctimes_parse(bad[i], &p, &n, &err) < 0 && !p && err.msg[0]);
		if (cairn_ctimes_parse(bad[i], &p, &n, &err) == 0)
			fprintf(stderr, "accepted: %s\n", bad[i]);
	}
}

static void rfc3339_times(void)
{
	uint64_t ms = 0;
	cairn_err err = {0};
	char out[32];
	CHECK(cairn_rfc3339_ms("2026-11-30T14:01:00Z", &ms, &err) == 0 && ms == 1796047260000ull);
	CHECK(cairn_rfc3339_ms("2026-11-30T14:01:00.5Z", &ms, &err) == 0 && ms == 1796047260500ull);
	CHECK(cairn_rfc3339_ms("2026-11-30t14:01:00.123456+00:00", &ms, &err) == 0 &&
	      ms == 1796047260123ull);
	CHECK(cairn_rfc3339_ms("2024-02-29T00:00:00Z", &ms, &err) == 0);
	cairn_ms_rfc3339(1796047260123ull, out);
	CHECK_STR(out, "2026-11-30T14:01:00.123Z");
	static const char *const bad[] = {
	    "2026-11-30 14:01:00Z",
	    "2026-11-30T14:01Z",
	    "2026-13-01T00:00:00Z",
	    "2026-02-29T00:00:00Z",
	    "2026-11-31T00:00:00Z",
	    "2026-11-30T24:00:00Z",
	    "2026-11-30T14:60:00Z",
	    "2026-11-30T14:01:00.Z",
	    "1969-12-31T23:59:59Z",
	    "2026-11-30T14:01:00",
	    "",
	    "2026-11-30T14:01:00Zjunk",
	    "2026-11-30T14:01:00X",
	    "2026-11-30T14:01:00+0000",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err.msg[0] = 0;
		CHECK(cairn_rfc3339_ms(bad[i], &ms, &err) < 0);
		CHECK_CONTAINS(err.msg, "RFC 3339");
	}
	CHECK(cairn_rfc3339_ms("2026-11-30T14:01:00+01:00", &ms, &err) < 0);
	CHECK_CONTAINS(err.msg, "must be in UTC");
}

static void manifest_commit_times_follow_the_type(void)
{
	struct cairn_manifest m = {0};
	struct cairn_manifest_obj o = {0};
	uint64_t full[] = {10, 5000}, wrong[] = {9, 5000}, inc[] = {11, 6000, 20, 7000},
		 out[] = {11, 6000, 21, 7000};
	cairn_err err = {0};
	m.full = 1;
	m.read_ts = 10;
	o.has_ctimes = 1;
	o.ctimes = full;
	o.nctimes = 1;
	CHECK(cairn_ctimes_check(&m, &o, 0, &err) == 0);
	o.ctimes = wrong;
	CHECK(cairn_ctimes_check(&m, &o, 0, &err) < 0);
	m.full = 0;
	m.since = 10;
	m.read_ts = 20;
	o.ctimes = inc;
	o.nctimes = 2;
	CHECK(cairn_ctimes_check(&m, &o, 0, &err) == 0);
	o.ctimes = out;
	CHECK(cairn_ctimes_check(&m, &o, 0, &err) < 0);
	CHECK_CONTAINS(err.msg, "outside (since, read_ts]");
	o.ctimes = full; /* ts 10 is the since: not in the incremental */
	o.nctimes = 1;
	CHECK(cairn_ctimes_check(&m, &o, 0, &err) < 0);
}

/* Two series: A (10, 20, 30) and, newer, B (25, 40); one group each. */
struct fixture {
	struct cairn_manifest m[5];
	struct cairn_manifest_obj o[5];
	uint64_t t[5][4];
	struct cairn_backup_set set;
};

static void add(struct fixture *f, const char *dir, const char *id, uint64_t num, uint64_t since,
		uint64_t read_ts, const uint64_t *times, size_t nt)
{
	size_t i = f->set.n++;
	struct cairn_manifest *m = &f->m[i];
	m->dir = (char *)dir;
	snprintf(m->backup_id, sizeof m->backup_id, "%s", id);
	m->backup_num = num;
	m->full = num == 1;
	m->since = since;
	m->read_ts = read_ts;
	f->o[i].group = 1;
	f->o[i].has_ctimes = times != NULL;
	if (times)
		memcpy(f->t[i], times, nt * 2 * sizeof *times);
	f->o[i].ctimes = f->t[i];
	f->o[i].nctimes = nt;
	m->objs = &f->o[i];
	m->nobjs = 1;
	f->set.m = f->m;
}

static void fixture_init(struct fixture *f, int times)
{
	static const uint64_t a1[] = {10, 1000}, a2[] = {12, 1100, 18, 1200},
			      a3[] = {22, 1300, 30, 1400}, b1[] = {25, 2000}, b2[] = {33, 2100};
	memset(f, 0, sizeof *f);
	add(f, "cairn.20261130.000001.000", "A", 1, 0, 10, times ? a1 : NULL, 1);
	add(f, "cairn.20261130.000002.000", "A", 2, 10, 20, times ? a2 : NULL, 2);
	add(f, "cairn.20261130.000004.000", "B", 1, 0, 25, times ? b1 : NULL, 1);
	add(f, "cairn.20261130.000003.000", "A", 3, 20, 30, times ? a3 : NULL, 2);
	add(f, "cairn.20261130.000005.000", "B", 2, 25, 40, times ? b2 : NULL, 1);
}

static void a_ts_picks_the_newest_series_that_holds_it(void)
{
	struct fixture f;
	const struct cairn_manifest **c = NULL;
	size_t n = 0;
	cairn_err err = {0};
	fixture_init(&f, 1);
	CHECK(cairn_series_chain_at(&f.set, NULL, 15, &c, &n, &err) == 0 && n == 2);
	CHECK(c && !strcmp(c[0]->backup_id, "A") && c[1]->read_ts == 20);
	free(c);
	/* 20 is A's backup 2 read_ts: backup 3 is not read */
	CHECK(cairn_series_chain_at(&f.set, NULL, 20, &c, &n, &err) == 0 && n == 2);
	free(c);
	CHECK(cairn_series_chain_at(&f.set, NULL, 10, &c, &n, &err) == 0 && n == 1);
	free(c);
	/* both hold 27: the newer series B, its full only */
	CHECK(cairn_series_chain_at(&f.set, NULL, 27, &c, &n, &err) == 0 && n == 2);
	CHECK(c && !strcmp(c[0]->backup_id, "B"));
	free(c);
	CHECK(cairn_series_chain_at(&f.set, "A", 27, &c, &n, &err) == 0 && n == 3);
	CHECK(c && !strcmp(c[0]->backup_id, "A"));
	free(c);
	CHECK(cairn_series_chain_at(&f.set, NULL, 9, &c, &n, &err) < 0 && !c);
	CHECK_CONTAINS(err.msg, "series A: 10..30, series B: 25..40");
	CHECK(cairn_series_chain_at(&f.set, "A", 35, &c, &n, &err) < 0);
	CHECK_CONTAINS(err.msg, "series A: 10..30 ");
	CHECK(cairn_series_chain_at(&f.set, "C", 15, &c, &n, &err) < 0);
	CHECK_CONTAINS(err.msg, "no backup series with id \"C\"");
	struct cairn_series_range *r = NULL;
	CHECK(cairn_series_ranges(&f.set, &r, &n, &err) == 0 && n == 2);
	CHECK(r && r[0].from_ts == 10 && r[0].to_ts == 30 && r[0].has_times &&
	      r[0].from_ms == 1000 && r[0].to_ms == 1400 && r[1].from_ms == 2000);
	free(r);
}

static void a_time_maps_to_the_last_commit_at_or_before_it(void)
{
	struct fixture f;
	uint64_t ts = 0;
	const char *id = NULL;
	cairn_err err = {0};
	fixture_init(&f, 1);
	CHECK(cairn_series_ts_at_time(&f.set, NULL, 1000, &ts, &id, &err) == 0 && ts == 10);
	CHECK(cairn_series_ts_at_time(&f.set, NULL, 1099, &ts, &id, &err) == 0 && ts == 10);
	CHECK(cairn_series_ts_at_time(&f.set, NULL, 1100, &ts, &id, &err) == 0 && ts == 12);
	CHECK(cairn_series_ts_at_time(&f.set, NULL, 1399, &ts, &id, &err) == 0 && ts == 22);
	CHECK(id && !strcmp(id, "A"));
	CHECK(cairn_series_ts_at_time(&f.set, NULL, 2050, &ts, &id, &err) == 0 && ts == 25);
	CHECK(id && !strcmp(id, "B"));
	CHECK(cairn_series_ts_at_time(&f.set, NULL, 999, &ts, &id, &err) < 0);
	CHECK_CONTAINS(err.msg, "no backup series can be restored to 1970-01-01T00:00:00.999Z");
	CHECK_CONTAINS(err.msg, "series A: 1970-01-01T00:00:01.000Z..1970-01-01T00:00:01.400Z "
				"(ts 10..30)");
	CHECK(cairn_series_ts_at_time(&f.set, NULL, 1500, &ts, &id, &err) < 0);
	fixture_init(&f, 0);
	CHECK(cairn_series_ts_at_time(&f.set, NULL, 1100, &ts, &id, &err) < 0);
	CHECK_CONTAINS(err.msg, "lack commit times");
	CHECK_CONTAINS(err.msg, "series A: no commit times (ts 10..30)");
}

int main(void)
{
	commit_times_round_trip();
	commit_times_only_canonical();
	rfc3339_times();
	manifest_commit_times_follow_the_type();
	a_ts_picks_the_newest_series_that_holds_it();
	a_time_maps_to_the_last_commit_at_or_before_it();
	CHECK_DONE();
}
