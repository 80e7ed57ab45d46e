/* manifest.json is untrusted input: a good one round-trips, and each hostile
 * or broken field is refused with its name. */
#include <time.h>

#include "check.h"
#include "format/manifest.h"
#include "jsonfile.h"

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
	refused("\"read_ts\":20", "\"read_ts\":\"2x0\"", "\"read_ts\"");
	refused("\"read_ts\":20", "\"read_ts\":\"020\"", "\"read_ts\"");
	refused("\"read_ts\":20", "\"read_ts\":9007199254740993", "\"read_ts\"");
	refused("\"max_uid\":99", "\"max_uid\":\"18446744073709551616\"", "\"max_uid\"");
	refused("\"since\":10", "\"since\":30", "since <= read_ts");
	refused("\"backup_num\":2", "\"backup_num\":1", "backup_num >= 2");
	refused("cairn-backup/1", "cairn-backup/9", "format");
	refused("\"gzip\"", "\"zstd\"", "a zstd object needs a block index");
	refused("\"gzip\"", "\"lz4\"", "compression \"lz4\" is not supported");
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
	refused("\"groups\":{\"1\":[\"name\"]}", "\"groups\":{\"1\":[\"name\"],\"2\":[]}",
		"each group has exactly one object");
	refused("\"groups\":{\"1\":[\"name\"]}", "\"groups\":{\"2\":[\"name\"]}",
		"which \"groups\" does not list");
	refused("\"groups\":{\"1\"", "\"groups\":{\"01\"", "not a group number");
	refused("\"groups\":{\"1\":[\"name\"]}", "\"groups\":{\"1\":[\"name\"],\"1\":[]}",
		"listed twice");
	refused("[\"name\"]", "[\"name\",\"name\"]", "predicate \"name\" is listed twice");
	refused("[\"name\"]", "[\"\"]", "predicate that is not a string");
	refused("[\"name\"]", "[7]", "predicate that is not a string");
	refused("\"drop_operations\":[]", "\"drop_operations\":[{\"op\":\"drop_all\",\"ts\":10}]",
		"outside the backup's (since, read_ts]");
	refused("\"drop_operations\":[]", "\"drop_operations\":[{\"op\":\"drop_all\",\"ts\":21}]",
		"outside");
	refused("\"drop_operations\":[]", "\"drop_operations\":[{\"op\":\"drop_attr\",\"ts\":15}]",
		"\"attr\"");
	refused("\"drop_operations\":[]", "\"drop_operations\":[{\"op\":\"rm\",\"ts\":15}]",
		"op must be");
	refused("\"drop_operations\":[]", "\"drop_operations\":[3]", "not an object");
	refused("\"drop_operations\":[]", "\"drop_operations\":[{\"op\":\"drop_all\"}]", "\"ts\"");
	refused("\"encrypted\":false", "\"encrypted\":false,\"manifest_hmac\":\"00\"",
		"was \"encrypted\" changed");
	struct cairn_manifest m;
	cairn_err err = {0};
	CHECK(cairn_manifest_parse("[1,2]", 5, "d", &m, &err) == -1);
	CHECK_CONTAINS(err.msg, "not a JSON object");
	CHECK(cairn_manifest_parse(good, 40, "d", &m, &err) == -1); /* truncated */
}

/* The same manifest with one replacement, parsed; 0 if it parsed. */
static int parse_edited(const char *json, const char *from, const char *to,
			struct cairn_manifest *m, cairn_err *err)
{
	char buf[8192];
	const char *p = strstr(json, from);
	CHECK(p != NULL);
	if (!p)
		return -1;
	snprintf(buf, sizeof buf, "%.*s%s%s", (int)(p - json), json, to, p + strlen(from));
	return cairn_manifest_parse(buf, strlen(buf), "cairn.x", m, err);
}

static void drops_inside_an_incremental_are_kept(void)
{
	struct cairn_manifest m;
	cairn_err err = {0};
	CHECK(parse_edited(good, "\"drop_operations\":[]",
			   "\"drop_operations\":[{\"op\":\"drop_attr\",\"attr\":\"name\","
			   "\"ts\":11},{\"op\":\"drop_all\",\"ts\":20}]",
			   &m, &err) == 0);
	CHECK(cJSON_GetArraySize(m.drops) == 2);
	cairn_manifest_clear(&m);
}

static void u64_values_round_trip_exactly_up_to_2_64_minus_1(void)
{
	const uint64_t vals[] = {0,
				 1,
				 (1ull << 53) - 1,
				 1ull << 53,
				 (1ull << 53) + 1,
				 18446744073709551615ull,
				 18446744073709551614ull};
	for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
		cJSON *o = cJSON_CreateObject();
		cairn_json_add_u64(o, "v", vals[i]);
		char *txt = cJSON_PrintUnformatted(o);
		cJSON *back = cJSON_Parse(txt);
		uint64_t got = 0;
		cairn_err err = {0};
		CHECK(cairn_json_get_u64(back, "v", &got, &err) == 0);
		CHECK(got == vals[i]);
		CHECK(cairn_json_u64(back, "v") == vals[i]);
		/* Below 2^53 the wire form stays a JSON number (CONTRACT's shapes). */
		CHECK(cJSON_IsNumber(cJSON_GetObjectItem(back, "v")) == (vals[i] < (1ull << 53)));
		free(txt);
		cJSON_Delete(o);
		cJSON_Delete(back);
	}
	/* A number a double cannot hold exactly is refused, never rounded. */
	cJSON *j = cJSON_Parse("{\"a\":9007199254740993,\"b\":-1,\"c\":\"+5\",\"d\":\"\","
			       "\"e\":2.5,\"f\":\"18446744073709551616\",\"g\":9007199254740991}");
	uint64_t v;
	cairn_err err = {0};
	CHECK(cairn_json_get_u64(j, "a", &v, &err) == -1);
	CHECK_CONTAINS(err.msg, "\"a\"");
	CHECK(cairn_json_get_u64(j, "b", &v, &err) == -1);
	CHECK(cairn_json_get_u64(j, "c", &v, &err) == -1);
	CHECK(cairn_json_get_u64(j, "d", &v, &err) == -1);
	CHECK(cairn_json_get_u64(j, "e", &v, &err) == -1);
	CHECK(cairn_json_get_u64(j, "f", &v, &err) == -1);
	CHECK(cairn_json_get_u64(j, "absent", &v, &err) == -1);
	CHECK(cairn_json_u64(j, "a") == 0);
	CHECK(cairn_json_get_u64(j, "g", &v, &err) == 0 && v == 9007199254740991ull);
	cJSON_Delete(j);
}

static void manifest_values_above_2_53_round_trip_exactly(void)
{
	struct cairn_manifest m, m2;
	cairn_err err = {0};
	CHECK(cairn_manifest_parse(good, strlen(good), "cairn.x", &m, &err) == 0);
	m.since = (1ull << 53) + 1;
	m.read_ts = 18446744073709551615ull;
	m.max_uid = (1ull << 60) + 3;
	m.objs[0].size = (1ull << 53) + 7;
	m.objs[0].records = (1ull << 54) + 1;
	snprintf(m.objs[0].path, sizeof m.objs[0].path, "r%llu-g1.backup",
		 (unsigned long long)m.read_ts);
	char *s = cairn_manifest_to_json(&m);
	CHECK(cairn_manifest_parse(s, strlen(s), "cairn.x", &m2, &err) == 0);
	CHECK(m2.since == (1ull << 53) + 1 && m2.read_ts == 18446744073709551615ull);
	CHECK(m2.max_uid == (1ull << 60) + 3);
	CHECK(m2.objs[0].size == (1ull << 53) + 7 && m2.objs[0].records == (1ull << 54) + 1);
	free(s);
	cairn_manifest_clear(&m);
	cairn_manifest_clear(&m2);
}

static const unsigned char key_a[32] = {1, 2, 3};
static const unsigned char key_b[32] = {9};

/* good, made encrypted and sealed with key_a; compact JSON so edits below
 * can name fields exactly. malloc'd. */
static char *sealed_manifest(void)
{
	struct cairn_manifest m;
	cairn_err err = {0};
	CHECK(cairn_manifest_parse(good, strlen(good), "cairn.x", &m, &err) == 0);
	m.encrypted = 1;
	snprintf(m.cipher, sizeof m.cipher, "aes-256-ctr");
	memset(m.key_check, 'c', 32);
	memset(m.objs[0].hmac, 'd', 64);
	cJSON_AddItemToArray(m.drops, cJSON_Parse("{\"op\":\"drop_attr\",\"attr\":\"age\","
						  "\"ts\":15}"));
	CHECK(cairn_manifest_seal(&m, key_a, &err) == 0);
	CHECK(strlen(m.manifest_hmac) == 64);
	char *s = cairn_manifest_to_json(&m);
	cJSON *j = cJSON_Parse(s);
	char *compact = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	free(s);
	cairn_manifest_clear(&m);
	return compact;
}

/* The sealed manifest with one edit still parses but fails its MAC. */
static void tampered(const char *json, const char *from, const char *to)
{
	struct cairn_manifest m;
	cairn_err err = {0};
	CHECK(parse_edited(json, from, to, &m, &err) == 0);
	if (err.msg[0])
		fprintf(stderr, "edit %s -> %s: %s\n", from, to, err.msg);
	CHECK(cairn_manifest_check_mac(&m, key_a, &err) == -1);
	CHECK_CONTAINS(err.msg, "manifest cairn.x fails its MAC check: it was changed after the "
				"backup");
	CHECK(err.code == CAIRN_E_CORRUPT);
	cairn_manifest_clear(&m);
}

static void an_encrypted_manifest_changed_without_the_key_fails_its_mac(void)
{
	char *json = sealed_manifest();
	struct cairn_manifest m;
	cairn_err err = {0};
	CHECK(cairn_manifest_parse(json, strlen(json), "cairn.x", &m, &err) == 0);
	CHECK(cairn_manifest_check_mac(&m, key_a, &err) == 0);
	/* The key is the one it was sealed with, or the MAC does not match. */
	CHECK(cairn_manifest_check_mac(&m, key_b, &err) == -1);
	cairn_manifest_clear(&m);
	/* Spacing and the order of keys are not part of what is sealed. */
	cJSON *j = cJSON_Parse(json), *mx = cJSON_DetachItemFromObject(j, "max_uid");
	cJSON *g = cJSON_DetachItemFromObject(j, "groups");
	cJSON_AddItemToObject(j, "max_uid", mx);
	cJSON_AddItemToObject(j, "groups", g);
	char *pretty = cJSON_Print(j);
	cJSON_Delete(j);
	CHECK(cairn_manifest_parse(pretty, strlen(pretty), "cairn.x", &m, &err) == 0);
	CHECK(cairn_manifest_check_mac(&m, key_a, &err) == 0);
	cairn_manifest_clear(&m);
	free(pretty);
	/* Every field restore uses is covered. */
	tampered(json, "\"max_uid\":99", "\"max_uid\":98");
	tampered(json, "\"max_uid\":99", "\"max_uid\":\"99999999999999999\"");
	{
		/* read_ts names the object path too: change both, as a forger would. */
		char *moved = NULL;
		const char *p = strstr(json, "r20-g1");
		CHECK(p != NULL);
		if (p && asprintf(&moved, "%.*sr21-g1%s", (int)(p - json), json, p + 6) > 0) {
			tampered(moved, "\"read_ts\":20", "\"read_ts\":21");
			free(moved);
		}
	}
	tampered(json, "\"since\":10", "\"since\":9");
	tampered(json, "\"backup_num\":2", "\"backup_num\":3");
	tampered(json, "\"backup_id\":\"20261124-abcdef\"", "\"backup_id\":\"20261124-abcdee\"");
	tampered(json, "[\"name\"]", "[\"nam\"]");
	tampered(json, "[\"name\"]", "[\"name\",\"extra\"]");
	tampered(json, "\"attr\":\"age\"", "\"attr\":\"agf\"");
	tampered(json, "\"ts\":15", "\"ts\":16");
	tampered(json, "{\"op\":\"drop_attr\",\"attr\":\"age\",\"ts\":15}", "");
	tampered(json, "\"size\":123", "\"size\":124");
	tampered(json, "\"records\":4", "\"records\":5");
	tampered(json, "\"sha256\":\"0", "\"sha256\":\"1");
	tampered(json, "\"hmac\":\"d", "\"hmac\":\"e");
	tampered(json, "\"key_check\":\"c", "\"key_check\":\"e");
	tampered(json, "aes-256-ctr", "aes-128-ctr");
	tampered(json, "\"created\":\"2026", "\"created\":\"2027");
	/* Removing the MAC is refused as well, with what to do. */
	CHECK(parse_edited(json, "\"manifest_hmac\"", "\"other\"", &m, &err) == 0);
	CHECK(cairn_manifest_check_mac(&m, key_a, &err) == -1);
	CHECK_CONTAINS(err.msg, "has no manifest_hmac");
	CHECK_CONTAINS(err.msg, "take a new full backup");
	cairn_manifest_clear(&m);
	/* And turning it into a plain manifest is refused at parse time. */
	CHECK(parse_edited(json, "\"encrypted\":true", "\"encrypted\":false", &m, &err) == -1);
	CHECK_CONTAINS(err.msg, "was \"encrypted\" changed");
	free(json);
}

static void a_plain_manifest_is_not_sealed(void)
{
	struct cairn_manifest m;
	cairn_err err = {0};
	CHECK(cairn_manifest_parse(good, strlen(good), "cairn.x", &m, &err) == 0);
	CHECK(cairn_manifest_seal(&m, key_a, &err) == 0 && m.manifest_hmac[0] == 0);
	CHECK(cairn_manifest_check_mac(&m, key_a, &err) == 0);
	char *s = cairn_manifest_to_json(&m);
	CHECK(strstr(s, "manifest_hmac") == NULL);
	free(s);
	cairn_manifest_clear(&m);
}

/* The writer refuses what the reader would: a predicate in two groups, a
 * drop outside the backup, a group without an object. */
static void a_manifest_the_reader_would_refuse_is_not_sealed(void)
{
	struct cairn_manifest m;
	cairn_err err = {0};
	CHECK(cairn_manifest_parse(good, strlen(good), "cairn.x", &m, &err) == 0);
	cJSON_AddItemToObject(m.groups, "2", cJSON_Parse("[\"name\"]"));
	CHECK(cairn_manifest_seal(&m, key_a, &err) == -1);
	CHECK_CONTAINS(err.msg, "the manifest of backup cairn.x would be invalid");
	CHECK_CONTAINS(err.msg, "predicate \"name\" is listed twice");
	cJSON_DeleteItemFromObject(m.groups, "2");
	cJSON_AddItemToObject(m.groups, "2", cJSON_CreateArray());
	CHECK(cairn_manifest_seal(&m, key_a, &err) == -1);
	CHECK_CONTAINS(err.msg, "each group has exactly one object");
	cJSON_DeleteItemFromObject(m.groups, "2");
	cJSON_AddItemToArray(m.drops, cJSON_Parse("{\"ts\":3}"));
	CHECK(cairn_manifest_seal(&m, key_a, &err) == -1);
	CHECK_CONTAINS(err.msg, "drop_operations[0] has no \"op\"");
	cairn_manifest_clear(&m);
}

/* Repeats are found by sorting: 300,000 predicates (a quadratic check would
 * take minutes) are checked in well under the limit, and one repeat among
 * them is still found. */
static void many_predicates_are_checked_in_n_log_n(void)
{
	const size_t n = 300000;
	size_t cap = strlen(good) + n * 12 + 64, len = 0;
	char *buf = malloc(cap);
	const char *at = strstr(good, "[\"name\"]");
	CHECK(buf != NULL && at != NULL);
	if (!buf || !at) {
		free(buf);
		return;
	}
	for (int repeat = 0; repeat < 2; repeat++) {
		len = (size_t)snprintf(buf, cap, "%.*s[", (int)(at - good), good);
		for (size_t i = 0; i < n; i++)
			len += (size_t)snprintf(buf + len, cap - len, "%s\"p%zu\"", i ? "," : "",
						repeat && i == n - 1 ? (size_t)7 : i);
		len += (size_t)snprintf(buf + len, cap - len, "]%s", at + strlen("[\"name\"]"));
		struct cairn_manifest m;
		cairn_err err = {0};
		clock_t t0 = clock();
		int rc = cairn_manifest_parse(buf, len, "d", &m, &err);
		CHECK((double)(clock() - t0) / CLOCKS_PER_SEC < 20.0);
		if (!repeat) {
			CHECK(rc == 0);
			cairn_manifest_clear(&m);
		} else {
			CHECK(rc == -1);
			CHECK_CONTAINS(err.msg, "predicate \"p7\" is listed twice");
		}
	}
	free(buf);
}

/* An object's block index: kept when it adds up, refused by name when it
 * does not (hostile sums, counts, negative or huge numbers). */
#define IDX "\"size\":123,"
static void index_refused(const char *index, const char *want)
{
	char to[512];
	snprintf(to, sizeof to, IDX "%s,", index);
	refused(IDX, to, want);
}

static void block_index_checks(void)
{
	char buf[4096];
	const char *p = strstr(good, IDX);
	struct cairn_manifest m, m2;
	cairn_err err = {0};
	snprintf(buf, sizeof buf, "%.*s" IDX "%s,%s", (int)(p - good), good,
		 "\"block_size\":4096,\"plain_size\":5000,\"blocks\":[100,23]", p + strlen(IDX));
	CHECK(cairn_manifest_parse(buf, strlen(buf), "d", &m, &err) == 0);
	CHECK(m.objs[0].block_size == 4096 && m.objs[0].plain_size == 5000);
	CHECK(m.objs[0].nblocks == 2 && m.objs[0].blocks[0] == 100 && m.objs[0].blocks[1] == 23);
	char *s = cairn_manifest_to_json(&m);
	CHECK(cairn_manifest_parse(s, strlen(s), "d", &m2, &err) == 0);
	CHECK(m2.objs[0].nblocks == 2 && m2.objs[0].blocks[1] == 23);
	free(s);
	cairn_manifest_clear(&m);
	cairn_manifest_clear(&m2);
	/* Without an index (an older backup): still read. */
	CHECK(cairn_manifest_parse(good, strlen(good), "d", &m, &err) == 0);
	CHECK(m.objs[0].block_size == 0 && m.objs[0].nblocks == 0);
	cairn_manifest_clear(&m);
	index_refused("\"block_size\":4096,\"plain_size\":5000,\"blocks\":[100,24]",
		      "the blocks add up to 124 bytes but the object's size is 123");
	index_refused("\"block_size\":4096,\"plain_size\":5000,\"blocks\":[100,22,1]",
		      "plain_size 5000 needs 2 blocks of 4096 bytes but \"blocks\" lists 3");
	index_refused("\"block_size\":4096,\"plain_size\":5000,\"blocks\":[-1,124]",
		      "blocks[0] must be a stored length of 1 to 8448 bytes");
	index_refused("\"block_size\":4096,\"plain_size\":5000,\"blocks\":"
		      "[\"18446744073709551615\",124]",
		      "blocks[0] must be a stored length");
	index_refused("\"block_size\":4096,\"plain_size\":\"18446744073709551615\","
		      "\"blocks\":[123]",
		      "needs 4503599627370496 blocks");
	index_refused("\"block_size\":0,\"plain_size\":5000,\"blocks\":[123]",
		      "block_size must not be 0");
	index_refused("\"block_size\":\"18446744073709551615\",\"plain_size\":5000,"
		      "\"blocks\":[123]",
		      "block_size must be 4096 to 16777216");
	index_refused("\"block_size\":-4096,\"plain_size\":5000,\"blocks\":[123]",
		      "\"block_size\" must be a whole number");
	index_refused("\"block_size\":4096,\"blocks\":[123]",
		      "a block index needs block_size, plain_size and a list \"blocks\"");
	index_refused("\"block_size\":4096,\"plain_size\":5000,\"blocks\":[]",
		      "\"blocks\" must list 1 to");
	index_refused("\"block_size\":4096,\"plain_size\":5000,\"blocks\":{}",
		      "a block index needs");
}

/* An object's commit_times (format/committimes.h) round-trip, are sealed when
 * present (a changed or removed list fails the MAC; a manifest without one,
 * as before them, still checks: above), and a bad list is refused. */
static void commit_times_are_sealed_and_checked(void)
{
	struct cairn_manifest m;
	cairn_err err = {0};
	static uint64_t pairs[] = {12, 1764596460123, 20, 1764596460200};
	CHECK(cairn_manifest_parse(good, strlen(good), "cairn.x", &m, &err) == 0);
	m.encrypted = 1;
	snprintf(m.cipher, sizeof m.cipher, "aes-256-ctr");
	memset(m.key_check, 'c', 32);
	memset(m.objs[0].hmac, 'd', 64);
	m.objs[0].has_ctimes = 1;
	m.objs[0].ctimes = malloc(sizeof pairs);
	memcpy(m.objs[0].ctimes, pairs, sizeof pairs);
	m.objs[0].nctimes = 2;
	CHECK(cairn_manifest_seal(&m, key_a, &err) == 0);
	char *s = cairn_manifest_to_json(&m);
	cairn_manifest_clear(&m);
	cJSON *j = cJSON_Parse(s);
	char *json = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	free(s);
	CHECK_CONTAINS(json, "\"commit_times\":\"12:1764596460123,8:77\"");
	CHECK(cairn_manifest_parse(json, strlen(json), "cairn.x", &m, &err) == 0);
	CHECK(m.objs[0].has_ctimes && m.objs[0].nctimes == 2 && m.objs[0].ctimes[3] == pairs[3]);
	CHECK(cairn_manifest_check_mac(&m, key_a, &err) == 0);
	cairn_manifest_clear(&m);
	tampered(json, "8:77", "8:78");
	tampered(json, ",\"commit_times\":\"12:1764596460123,8:77\"", "");
	CHECK(parse_edited(json, "8:77", "8:077", &m, &err) == -1);
	CHECK_CONTAINS(err.msg, "objects[0]: commit_times entry 2");
	CHECK(parse_edited(json, "8:77", "9:77", &m, &err) == -1);
	CHECK_CONTAINS(err.msg, "outside (since, read_ts]");
	CHECK(parse_edited(json, "\"12:1764596460123,8:77\"", "12", &m, &err) == -1);
	free(json);
}

/* Each top-level and per-object check names what was wrong: a missing
 * field, a wrong type or value, an empty object list. */
static void each_missing_or_wrong_field_is_refused_by_name(void)
{
	refused("\"format\":\"cairn-backup/1\",", "", "\"format\"");
	refused("\"type\":\"incremental\",", "", "\"type\"");
	refused("\"type\":\"incremental\"", "\"type\":\"differential\"",
		"type must be \"full\" or \"incremental\"");
	refused("\"since\":10,\"read_ts\":20", "\"since\":0,\"read_ts\":0",
		"read_ts must be positive");
	refused("\"backup_id\":\"20261124-abcdef\",", "", "\"backup_id\"");
	refused("\"compression\":\"gzip\",", "", "\"compression\"");
	refused("\"groups\":{\"1\":[\"name\"]}", "\"groups\":[]",
		"\"groups\" must be an object and \"drop_operations\" a list");
	refused("\"drop_operations\":[]", "\"drop_operations\":{}", "\"drop_operations\" a list");
	refused("\"created\"", "\"cluster_epoch\":\"xyz\",\"created\"",
		"cluster_epoch must be 16 hex digits");
	refused("\"objects\":[{", "\"objects\":[],\"x\":[{", "\"objects\" must be a list of 1");
	refused("\"group\":1,", "\"group\":0,", "objects[0]: group must be 1 to 1000000");
	refused("\"path\":\"r20-g1.backup\",", "", "\"path\"");
	refused("\"objects\":[{", "\"objects\":[7,{", "objects[0] is not an object");
	/* A full backup holds what was visible at its read_ts: no drops. */
	static const char *full =
	    "{\"format\":\"cairn-backup/1\",\"type\":\"full\",\"since\":0,\"read_ts\":20,"
	    "\"backup_id\":\"20261124-abcdef\",\"backup_num\":1,\"compression\":\"gzip\","
	    "\"groups\":{\"1\":[\"name\"]},\"drop_operations\":[],\"max_uid\":99,"
	    "\"objects\":[{\"group\":1,\"path\":\"r20-g1.backup\",\"size\":123,\"records\":4,"
	    "\"sha256\":\"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\"}]}";
	struct cairn_manifest m;
	cairn_err err = {0};
	CHECK(cairn_manifest_parse(full, strlen(full), "d", &m, &err) == 0);
	cairn_manifest_clear(&m);
	CHECK(parse_edited(full, "\"drop_operations\":[]",
			   "\"drop_operations\":[{\"op\":\"drop_all\",\"ts\":15}]", &m,
			   &err) == -1);
	CHECK_CONTAINS(err.msg, "drop_operations: a full backup lists none");
	refused("\"encrypted\":false",
		"\"encrypted\":true,\"cipher\":\"aes-256-ctr\",\"key_check\":\"xyz\"",
		"key_check must be 32 hex digits");
	/* An encrypted one, with each object's hmac, and a bad manifest_hmac. */
	char enc[4096];
	const char *at = strstr(good, "\"encrypted\":false");
	const char *end = strstr(good, "\"}]}");
	CHECK(at && end);
	if (!at || !end)
		return;
	snprintf(enc, sizeof enc,
		 "%.*s\"encrypted\":true,\"cipher\":\"aes-256-ctr\",\"key_check\":"
		 "\"0123456789abcdef0123456789abcdef\",\"manifest_hmac\":\"ZZ\"%.*s\",\"hmac\":"
		 "\"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\"}]}",
		 (int)(at - good), good, (int)(end - at - strlen("\"encrypted\":false")),
		 at + strlen("\"encrypted\":false"));
	CHECK(cairn_manifest_parse(enc, strlen(enc), "d", &m, &err) == -1);
	CHECK_CONTAINS(err.msg, "manifest_hmac must be 64 lower-case hex digits");
}

int main(void)
{
	commit_times_are_sealed_and_checked();
	block_index_checks();
	good_manifest_round_trips();
	hostile_fields_are_refused_by_name();
	each_missing_or_wrong_field_is_refused_by_name();
	drops_inside_an_incremental_are_kept();
	u64_values_round_trip_exactly_up_to_2_64_minus_1();
	manifest_values_above_2_53_round_trip_exactly();
	an_encrypted_manifest_changed_without_the_key_fails_its_mac();
	a_plain_manifest_is_not_sealed();
	a_manifest_the_reader_would_refuse_is_not_sealed();
	many_predicates_are_checked_in_n_log_n();
	CHECK_DONE();
}
