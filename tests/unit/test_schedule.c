/* test_schedule.c — the --backup_schedule spec (alpha/schedule.c): what it
 * accepts, each malformed spec refused naming what is wrong, the ticks of
 * every= and cron= (UTC), and when a run is a full backup. */
#include <time.h>

#include "alpha/schedule.h"
#include "check.h"

static struct cairn_schedule_spec ok(const char *text)
{
	struct cairn_schedule_spec s;
	cairn_err err = {0};
	int rc = cairn_schedule_parse(text, &s, &err);
	if (rc < 0)
		fprintf(stderr, "unexpected refusal of \"%s\": %s\n", text, err.msg);
	CHECK(rc == 0);
	return s;
}

static void refused(const char *text, const char *why)
{
	struct cairn_schedule_spec s;
	cairn_err err = {0};
	CHECK(cairn_schedule_parse(text, &s, &err) == -1);
	CHECK_CONTAINS(err.msg, "--backup_schedule: ");
	CHECK_CONTAINS(err.msg, why);
	CHECK(s.destination == NULL);
}

static void specs_parse_strictly(void)
{
	struct cairn_schedule_spec s = ok(" destination = /b/x ; every=90s; full_every=3 ;");
	CHECK_STR(s.destination, "/b/x");
	CHECK(s.every_s == 90 && s.full_every == 3 && s.full_days == 0);
	cairn_schedule_spec_clear(&s);
	s = ok("destination=minio://127.0.0.1:9000/b?secure=false;every=5m;full_days=7");
	CHECK_STR(s.destination, "minio://127.0.0.1:9000/b?secure=false");
	CHECK(s.every_s == 300 && s.full_days == 7);
	cairn_schedule_spec_clear(&s);
	s = ok("destination=/b;every=2h");
	CHECK(s.every_s == 7200);
	cairn_schedule_spec_clear(&s);
	s = ok("destination=/b;cron=*/15 * * * *");
	CHECK(s.every_s == 0 && s.minutes == (1ull | 1ull << 15 | 1ull << 30 | 1ull << 45) &&
	      s.hours == 0xffffff);
	cairn_schedule_spec_clear(&s);
	s = ok("destination=/b;cron=30 2,14 * * *");
	CHECK(s.minutes == 1ull << 30 && s.hours == (1u << 2 | 1u << 14));
	cairn_schedule_spec_clear(&s);
	s = ok("destination=/b;cron=0-10/5 9-11 * * *");
	CHECK(s.minutes == (1ull | 1ull << 5 | 1ull << 10) && s.hours == (7u << 9));
	cairn_schedule_spec_clear(&s);

	refused("", "give the destination");
	refused("every=60s", "give the destination");
	refused("destination=/b", "exactly one of every");
	refused("destination=/b;every=60s;cron=* * * * *", "exactly one of every");
	refused("destination=/b;every=60", "every=\"60\" is not an interval");
	refused("destination=/b;every=0s", "every=\"0s\"");
	refused("destination=/b;every=-5s", "every=\"-5s\"");
	refused("destination=/b;every=8d", "every=\"8d\"");
	refused("destination=/b;every=5x", "every=\"5x\"");
	refused("destination=/b;every=60s;every=30s", "every is given twice");
	refused("destination=/b;evry=60s", "unknown key \"evry\"");
	refused("destination=/b;;every=60s", "an item is empty");
	refused("destination=/b;every", "\"every\" is not key=value");
	refused("destination=relative/dir;every=60s", "destination");
	refused("destination=;every=60s", "destination is empty");
	refused("destination=/b;every=60s;full_every=x", "full_every=\"x\" is not a whole number");
	refused("destination=/b;every=60s;full_days=-1", "full_days=\"-1\"");
	refused("destination=/b;cron=* * *", "is not a cron spec");
	refused("destination=/b;cron=60 * * * *", "is not a cron spec");
	refused("destination=/b;cron=* 24 * * *", "is not a cron spec");
	refused("destination=/b;cron=*/0 * * * *", "is not a cron spec");
	refused("destination=/b;cron=5-2 * * * *", "is not a cron spec");
	refused("destination=/b;cron=0 0 1 * *", "day, month and weekday must be *");
}

static void ticks(void)
{
	struct cairn_schedule_spec s = ok("destination=/b;every=60s");
	CHECK(cairn_schedule_next(&s, 1000, 1000) == 1060);
	CHECK(cairn_schedule_next(&s, 1000, 1059) == 1060);
	CHECK(cairn_schedule_next(&s, 1000, 1060) == 1120);
	CHECK(cairn_schedule_next(&s, 1000, 1500) == 1540);
	CHECK(cairn_schedule_prev(&s, 1500) == 1440);
	cairn_schedule_spec_clear(&s);
	/* 2026-12-01T04:37:10Z */
	time_t t = 1796099830;
	s = ok("destination=/b;cron=*/15 * * * *");
	CHECK(cairn_schedule_next(&s, 0, t) == t - 10 - 7 * 60 + 15 * 60); /* 04:45 */
	CHECK(cairn_schedule_prev(&s, t) == t - 10 - 7 * 60);		   /* 04:30 */
	cairn_schedule_spec_clear(&s);
	s = ok("destination=/b;cron=30 2 * * *");
	time_t day = t - t % 86400;
	CHECK(cairn_schedule_next(&s, 0, t) == day + 86400 + 2 * 3600 + 30 * 60);
	CHECK(cairn_schedule_prev(&s, t) == day + 2 * 3600 + 30 * 60);
	CHECK(cairn_schedule_next(&s, 0, day + 2 * 3600 + 30 * 60) ==
	      day + 86400 + 2 * 3600 + 30 * 60);
	cairn_schedule_spec_clear(&s);
}

static void fulls(void)
{
	struct cairn_schedule_spec s = ok("destination=/b;every=60s;full_every=3");
	CHECK(cairn_schedule_wants_full(&s, 0, 0, 1000) == 0); /* empty: full anyway */
	CHECK(cairn_schedule_wants_full(&s, 1, 900, 1000) == 0);
	CHECK(cairn_schedule_wants_full(&s, 3, 900, 1000) == 0);
	CHECK(cairn_schedule_wants_full(&s, 4, 900, 1000) == 1); /* full + 3 incrementals */
	cairn_schedule_spec_clear(&s);
	s = ok("destination=/b;every=60s;full_days=2");
	CHECK(cairn_schedule_wants_full(&s, 50, 1000, 1000 + 2 * 86400 - 1) == 0);
	CHECK(cairn_schedule_wants_full(&s, 50, 1000, 1000 + 2 * 86400) == 1);
	cairn_schedule_spec_clear(&s);
	s = ok("destination=/b;every=60s");
	CHECK(cairn_schedule_wants_full(&s, 5000, 1, 1000000000) == 0);
	cairn_schedule_spec_clear(&s);
}

int main(void)
{
	specs_parse_strictly();
	ticks();
	fulls();
	CHECK_DONE();
}
