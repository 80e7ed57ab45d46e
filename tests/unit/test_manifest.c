/* manifest.json is untrusted input: a good one round-trips, and each hostile
 * or broken field is refused with its name. */
#include "check.h"
#include "format/manifest.h"

static const char *good =
    "{\"format\":\"cairn-backup/1\",\"type\":\"incremental\",\"since\":10,\"read_ts\":20,"
    "\"backup_id\":\"20261124-abcdef\",\"backup_num\":2,\"encrypted\":false,"
    "\"compression\":\"gzip\",\"groups\":{\"1\":[\"name\"]},\"drop_operations\":[],"
    "\"max_uid\":99,\"created\":\"2026-11-24T10:00:00Z\",\"objects\":[{\"group\":1,"
    "\"path\":\"r20-g1.backup\",\"size\":123,\"records\":4,\"sha256\":"
    "\"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\"}]}";

static void good_manifest_round_trips(void)
{
	struct cairn_manifest m, m2;
	cairn_err err = {0};
	CHECK(cairn_manifest_parse(good, strlen(good), "cairn.20261124.100000.000", &m, &err) == 0);
	CHECK(m.since == 10 && m.read_ts == 20 && m.backup_num == 2 && !m.full && m.max_uid == 99);
	CHECK(m.nobjs == 1 && m.objs[0].group == 1 && m.objs[0].size == 123);
	char *s = cairn_manifest_to_json(&m);
	CHECK(cairn_manifest_parse(s, strlen(s), m.dir, &m2, &err) == 0);
	CHECK_STR(m2.backup_id, "20261124-abcdef");
	CHECK_STR(m2.objs[0].sha256, m.objs[0].sha256);
	free(s);
	cairn_manifest_clear(&m);
	cairn_manifest_clear(&m2);
}

/* Replaces the first occurrence of from by to in good and expects refusal
 * with an error containing want. */
static void refused(const char *from, const char *to, const char *want)
{
	char buf[4096];
	const char *p = strstr(good, from);
	CHECK(p != NULL);
	if (!p)
		return;
	snprintf(buf, sizeof buf, "%.*s%s%s", (int)(p - good), good, to, p + strlen(from));
	struct cairn_manifest m;
	cairn_err err = {0};
	CHECK(cairn_manifest_parse(buf, strlen(buf), "d", &m, &err) == -1);
	CHECK_CONTAINS(err.msg, want);
}

static void hostile_fields_are_refused_by_name(void)
{
	refused("\"r20-g1.backup\"", "\"../../etc/passwd\"", "should be \"r20-g1.backup\"");
	refused("\"r20-g1.backup\"", "\"r20-g1.backup/../x\"", "path");
	refused("\"size\":123", "\"size\":-1", "\"size\"");
	refused("\"size\":123", "\"size\":1e300", "\"size\"");
	refused("\"size\":123", "\"size\":1.5", "\"size\"");
	refused("\"read_ts\":20", "\"read_ts\":\"20\"", "\"read_ts\"");
	refused("\"since\":10", "\"since\":30", "since <= read_ts");
	refused("\"backup_num\":2", "\"backup_num\":1", "backup_num >= 2");
	refused("cairn-backup/1", "cairn-backup/9", "format");
	refused("\"gzip\"", "\"zstd\"", "compression");
	refused("\"20261124-abcdef\"", "\"../evil\"", "backup_id");
	refused("0123456789abcdef0123", "0123456789ABCDEF0123", "sha256");
	refused("\"encrypted\":false", "\"encrypted\":\"no\"", "encrypted");
	refused("\"encrypted\":false",
		"\"encrypted\":true,\"cipher\":\"aes-256-ctr\",\"key_check\":"
		"\"00000000000000000000000000000000\"",
		"hmac");
	refused("\"encrypted\":false", "\"encrypted\":true,\"cipher\":\"rot13\"", "cipher");
	refused("\"groups\":{\"1\"", "\"groups\":{\"x\"", "groups");
	refused("\"objects\":[",
		"\"objects\":[{\"group\":1,\"path\":\"r20-g1.backup\",\"size\":1,\"records\":1,"
		"\"sha256\":\"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\"},",
		"two objects");
	refused("\"type\":\"incremental\"", "\"type\":\"full\"", "full backup must have since 0");
	struct cairn_manifest m;
	cairn_err err = {0};
	CHECK(cairn_manifest_parse("[1,2]", 5, "d", &m, &err) == -1);
	CHECK_CONTAINS(err.msg, "not a JSON object");
	CHECK(cairn_manifest_parse(good, 40, "d", &m, &err) == -1); /* truncated */
}

int main(void)
{
	good_manifest_round_trips();
	hostile_fields_are_refused_by_name();
	CHECK_DONE();
}
