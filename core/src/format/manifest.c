/* manifest.c — manifest.json read and write (cJSON), and its MAC. The
 * reader assumes a hostile author: sizes, names and numbers are all
 * range-checked, the fields must agree with each other, and object paths
 * must be exactly r<read_ts>-g<group>.backup, so a manifest can never point
 * outside its folder. An encrypted manifest is sealed with an HMAC over a
 * canonical form of its fields; only the key holder can check it. */
#include "format/manifest.h"

#include <ctype.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/blockindex.h"
#include "format/committimes.h"
#include "jsonfile.h"

#define MAX_PRED 255 /* as in the record format */

static int get_u64(const cJSON *o, const char *name, uint64_t *out, cairn_err *err)
{
	return cairn_json_get_u64(o, name, out, err);
}

static const char *get_str(const cJSON *o, const char *name, size_t max, cairn_err *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
	if (!cJSON_IsString(v) || strlen(v->valuestring) > max) {
		cairn_err_set(err, "\"%s\" must be a string of at most %zu characters", name, max);
		return NULL;
	}
	return v->valuestring;
}

static int is_hex(const char *s, size_t n)
{
	if (strlen(s) != n)
		return 0;
	for (; *s; s++)
		if (!isxdigit((unsigned char)*s) || isupper((unsigned char)*s))
			return 0;
	return 1;
}

static int valid_id(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_' && *s != '.')
			return 0;
	return 1;
}

static int parse_objects(const cJSON *root, struct cairn_manifest *m, cairn_err *err)
{
	const cJSON *objs = cJSON_GetObjectItemCaseSensitive(root, "objects");
	if (!cJSON_IsArray(objs) || cJSON_GetArraySize(objs) < 1 ||
	    cJSON_GetArraySize(objs) > 10000)
		return cairn_err_set(err, "\"objects\" must be a list of 1 to 10000 objects");
	m->nobjs = (size_t)cJSON_GetArraySize(objs);
	m->objs = calloc(m->nobjs, sizeof *m->objs);
	if (!m->objs)
		return cairn_err_set(err, "out of memory");
	size_t i = 0;
	const cJSON *o;
	cJSON_ArrayForEach(o, objs)
	{
		struct cairn_manifest_obj *mo = &m->objs[i];
		uint64_t group = 0;
		const char *path, *sha;
		if (!cJSON_IsObject(o))
			return cairn_err_set(err, "objects[%zu] is not an object", i);
		if (get_u64(o, "group", &group, err) < 0 ||
		    get_u64(o, "size", &mo->size, err) < 0 ||
		    get_u64(o, "records", &mo->records, err) < 0)
			return -1;
		if (group == 0 || group > 1000000)
			return cairn_err_set(err, "objects[%zu]: group must be 1 to 1000000", i);
		mo->group = (uint32_t)group;
		if (!(path = get_str(o, "path", 63, err)) || !(sha = get_str(o, "sha256", 64, err)))
			return -1;
		char want[64];
		snprintf(want, sizeof want, "r%llu-g%u.backup", (unsigned long long)m->read_ts,
			 mo->group);
		if (strcmp(path, want) != 0)
			return cairn_err_set(err, "objects[%zu]: path \"%s\" should be \"%s\"", i,
					     path, want);
		snprintf(mo->path, sizeof mo->path, "%s", path);
		if (!is_hex(sha, 64))
			return cairn_err_set(
			    err, "objects[%zu]: sha256 must be 64 lower-case hex digits", i);
		memcpy(mo->sha256, sha, 65);
		if (m->encrypted) {
			const char *mac = get_str(o, "hmac", 64, err);
			if (!mac || !is_hex(mac, 64))
				return cairn_err_set(err,
						     "objects[%zu]: an encrypted backup needs an "
						     "hmac of 64 hex digits",
						     i);
			memcpy(mo->hmac, mac, 65);
		}
		if (cairn_blockindex_parse(o, i, m->encrypted, mo, err) < 0)
			return -1;
		const cJSON *ct = cJSON_GetObjectItemCaseSensitive(o, "commit_times");
		if (ct) {
			if (!cJSON_IsString(ct) ||
			    cairn_ctimes_parse(ct->valuestring, &mo->ctimes, &mo->nctimes, err) < 0)
				return cairn_err_prefix(err, "objects[%zu]", i);
			mo->has_ctimes = 1;
			if (cairn_ctimes_check(m, mo, i, err) < 0)
				return -1;
		}
		for (size_t j = 0; j < i; j++)
			if (m->objs[j].group == mo->group)
				return cairn_err_set(err, "group %u has two objects", mo->group);
		i++;
	}
	return 0;
}

/* groups: {"<id>": ["pred", ...]}, ids written as cairn writes them (no
 * leading zero, no repeats), each predicate 1-255 bytes and in one group only. */
static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sorted, so that a hostile manifest of millions of names costs n log n. */
static const char *first_repeat(const char **v, size_t n)
{
	if (n > 1)
		qsort(v, n, sizeof *v, cmp_str);
	for (size_t i = 1; i < n; i++)
		if (!strcmp(v[i - 1], v[i]))
			return v[i];
	return NULL;
}

static int check_groups(const cJSON *groups, cairn_err *err)
{
	const cJSON *g, *p;
	const char **ids = NULL, **preds = NULL, *dup;
	size_t ng = 0, np = 0;
	int rc = -1;
	cJSON_ArrayForEach(g, groups)
	{
		char *end, canon[16];
		unsigned long id = strtoul(g->string, &end, 10);
		snprintf(canon, sizeof canon, "%lu", id);
		if (*end || !id || id > 1000000 || strcmp(canon, g->string) || !cJSON_IsArray(g))
			return cairn_err_set(
			    err, "groups: \"%s\" is not a group number with a list", g->string);
		ng++;
		cJSON_ArrayForEach(p, g)
		{
			if (!cJSON_IsString(p) || !*p->valuestring ||
			    strlen(p->valuestring) > MAX_PRED)
				return cairn_err_set(err,
						     "groups: group %s has a predicate that is not "
						     "a string of 1 to %d bytes",
						     g->string, MAX_PRED);
			np++;
		}
	}
	ids = malloc((ng + 1) * sizeof *ids);
	preds = malloc((np + 1) * sizeof *preds);
	if (!ids || !preds) {
		cairn_err_set(err, "out of memory");
		goto out;
	}
	ng = np = 0;
	cJSON_ArrayForEach(g, groups)
	{
		ids[ng++] = g->string;
		cJSON_ArrayForEach(p, g) preds[np++] = p->valuestring;
	}
	if ((dup = first_repeat(ids, ng)) != NULL)
		cairn_err_set(err, "groups: group %s is listed twice", dup);
	else if ((dup = first_repeat(preds, np)) != NULL)
		cairn_err_set(err, "groups: predicate \"%s\" is listed twice", dup);
	else
		rc = 0;
out:
	free(ids);
	free(preds);
	return rc;
}

/* drop_operations: {"op":"drop_attr","attr":"x","ts":N} or
 * {"op":"drop_all","ts":N}, at a ts this backup covers; a full backup holds
 * what was visible at read_ts, so it lists none. */
static int check_drops(const cJSON *drops, const struct cairn_manifest *m, cairn_err *err)
{
	const cJSON *d;
	size_t i = 0;
	if (m->full && cJSON_GetArraySize(drops) > 0)
		return cairn_err_set(err, "drop_operations: a full backup lists none");
	cJSON_ArrayForEach(d, drops)
	{
		if (!cJSON_IsObject(d))
			return cairn_err_set(err, "drop_operations[%zu] is not an object", i);
		const cJSON *op = cJSON_GetObjectItemCaseSensitive(d, "op");
		const cJSON *attr = cJSON_GetObjectItemCaseSensitive(d, "attr");
		uint64_t ts;
		if (!cJSON_IsString(op))
			return cairn_err_set(err, "drop_operations[%zu] has no \"op\"", i);
		if (!strcmp(op->valuestring, "drop_attr")) {
			if (!cJSON_IsString(attr) || !*attr->valuestring ||
			    strlen(attr->valuestring) > MAX_PRED)
				return cairn_err_set(err,
						     "drop_operations[%zu]: \"attr\" must be a "
						     "string of 1 to %d bytes",
						     i, MAX_PRED);
		} else if (strcmp(op->valuestring, "drop_all") != 0 || attr) {
			return cairn_err_set(err,
					     "drop_operations[%zu]: op must be \"drop_attr\" (with "
					     "attr) or \"drop_all\"",
					     i);
		}
		if (get_u64(d, "ts", &ts, err) < 0) {
			cairn_err_prefix(err, "drop_operations[%zu]", i);
			return -1;
		}
		if (ts <= m->since || ts > m->read_ts)
			return cairn_err_set(
			    err,
			    "drop_operations[%zu]: ts %llu is outside the backup's "
			    "(since, read_ts] = (%llu, %llu]",
			    i, (unsigned long long)ts, (unsigned long long)m->since,
			    (unsigned long long)m->read_ts);
		i++;
	}
	return 0;
}

/* One object per listed group, one listed group per object. */
static int check_groups_match_objects(const cJSON *groups, const struct cairn_manifest *m,
				      cairn_err *err)
{
	if ((size_t)cJSON_GetArraySize(groups) != m->nobjs)
		return cairn_err_set(err,
				     "\"groups\" lists %d group(s) but there are %zu object(s); "
				     "each group has exactly one object",
				     cJSON_GetArraySize(groups), m->nobjs);
	for (size_t i = 0; i < m->nobjs; i++) {
		char gid[16];
		snprintf(gid, sizeof gid, "%u", m->objs[i].group);
		if (!cJSON_GetObjectItemCaseSensitive(groups, gid))
			return cairn_err_set(err,
					     "object %s is for group %u, which \"groups\" "
					     "does not list",
					     m->objs[i].path, m->objs[i].group);
	}
	return 0;
}

/* manifest_hmac belongs to encrypted manifests only: on a plain one it
 * means "encrypted" was changed to false. Absent on an encrypted one is left
 * to cairn_manifest_check_mac, so that lsbackup still lists the backup. */
static int parse_mac(const cJSON *root, struct cairn_manifest *m, cairn_err *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, "manifest_hmac");
	if (!v)
		return 0;
	if (!m->encrypted)
		return cairn_err_set(err, "a manifest that is not encrypted has no manifest_hmac; "
					  "was \"encrypted\" changed?");
	if (!cJSON_IsString(v) || !is_hex(v->valuestring, 64))
		return cairn_err_set(err, "manifest_hmac must be 64 lower-case hex digits");
	memcpy(m->manifest_hmac, v->valuestring, 65);
	return 0;
}

static int check_indexes(const struct cairn_manifest *m, cairn_err *err)
{
	for (size_t i = 0; i < m->nobjs; i++)
		if (cairn_blockindex_check(&m->objs[i], i, m->encrypted, err) < 0)
			return -1;
		else if (m->compression && !m->objs[i].block_size)
			/* zstd objects are only ever read block by block */
			return cairn_err_set(err, "objects[%zu]: a zstd object needs a block index",
					     i);
	return 0;
}

int cairn_manifest_parse(const char *json, size_t len, const char *dir, struct cairn_manifest *m,
			 cairn_err *err)
{
	memset(m, 0, sizeof *m);
	cJSON *root = cJSON_ParseWithLength(json, len);
	const char *s;
	int rc = -1;
	m->dir = strdup(dir);
	if (!cJSON_IsObject(root)) {
		cairn_err_set(err, "not a JSON object");
		goto out;
	}
	if (!(s = get_str(root, "format", 64, err)))
		goto out;
	if (strcmp(s, CAIRN_MANIFEST_FORMAT) != 0) {
		cairn_err_set(err, "format \"%s\" is not %s", s, CAIRN_MANIFEST_FORMAT);
		goto out;
	}
	if (!(s = get_str(root, "type", 16, err)))
		goto out;
	if (strcmp(s, "full") && strcmp(s, "incremental")) {
		cairn_err_set(err, "type must be \"full\" or \"incremental\"");
		goto out;
	}
	m->full = !strcmp(s, "full");
	if (get_u64(root, "since", &m->since, err) < 0 ||
	    get_u64(root, "read_ts", &m->read_ts, err) < 0 ||
	    get_u64(root, "backup_num", &m->backup_num, err) < 0 ||
	    get_u64(root, "max_uid", &m->max_uid, err) < 0)
		goto out;
	if (m->read_ts == 0) {
		cairn_err_set(err, "read_ts must be positive");
		goto out;
	}
	if (m->full && (m->since != 0 || m->backup_num != 1)) {
		cairn_err_set(err, "a full backup must have since 0 and backup_num 1");
		goto out;
	}
	if (!m->full && (m->backup_num < 2 || m->since == 0 || m->since > m->read_ts)) {
		cairn_err_set(
		    err, "an incremental backup needs backup_num >= 2 and 0 < since <= read_ts");
		goto out;
	}
	if (!(s = get_str(root, "backup_id", 64, err)))
		goto out;
	if (!valid_id(s)) {
		cairn_err_set(err, "backup_id must be letters, digits, '-', '_' or '.'");
		goto out;
	}
	snprintf(m->backup_id, sizeof m->backup_id, "%s", s);
	const cJSON *enc = cJSON_GetObjectItemCaseSensitive(root, "encrypted");
	if (enc && !cJSON_IsBool(enc)) {
		cairn_err_set(err, "\"encrypted\" must be true or false");
		goto out;
	}
	m->encrypted = cJSON_IsTrue(enc); /* absent means not encrypted, as in Dgraph */
	if (!(s = get_str(root, "compression", 16, err)))
		goto out;
	if (strcmp(s, "gzip") != 0 && strcmp(s, "zstd") != 0) {
		cairn_err_set(err, "compression \"%s\" is not supported (only gzip or zstd)", s);
		goto out;
	}
	m->compression = strcmp(s, "zstd") == 0;
	if (m->encrypted) {
		const char *c = get_str(root, "cipher", 15, err), *k;
		if (!c || (strcmp(c, "aes-128-ctr") && strcmp(c, "aes-192-ctr") &&
			   strcmp(c, "aes-256-ctr"))) {
			cairn_err_set(err,
				      "cipher must be aes-128-ctr, aes-192-ctr or aes-256-ctr");
			goto out;
		}
		snprintf(m->cipher, sizeof m->cipher, "%s", c);
		if (!(k = get_str(root, "key_check", 32, err)) || !is_hex(k, 32)) {
			cairn_err_set(err, "key_check must be 32 hex digits");
			goto out;
		}
		memcpy(m->key_check, k, 33);
	}
	const cJSON *groups = cJSON_GetObjectItemCaseSensitive(root, "groups");
	const cJSON *drops = cJSON_GetObjectItemCaseSensitive(root, "drop_operations");
	if (!cJSON_IsObject(groups) || !cJSON_IsArray(drops)) {
		cairn_err_set(err, "\"groups\" must be an object and \"drop_operations\" a list");
		goto out;
	}
	if (check_groups(groups, err) < 0 || check_drops(drops, m, err) < 0)
		goto out;
	if ((s = get_str(root, "created", 31, err)) != NULL)
		snprintf(m->created, sizeof m->created, "%s", s);
	if (cJSON_GetObjectItemCaseSensitive(root, "cluster_epoch")) {
		if (!(s = get_str(root, "cluster_epoch", 16, err)) || !is_hex(s, 16)) {
			cairn_err_set(err, "cluster_epoch must be 16 hex digits");
			goto out;
		}
		snprintf(m->cluster_epoch, sizeof m->cluster_epoch, "%s", s);
	}
	if (parse_objects(root, m, err) < 0 || check_groups_match_objects(groups, m, err) < 0 ||
	    parse_mac(root, m, err) < 0 || check_indexes(m, err) < 0)
		goto out;
	m->groups = cJSON_Duplicate(groups, 1);
	m->drops = cJSON_Duplicate(drops, 1);
	rc = 0;
out:
	cJSON_Delete(root);
	if (rc < 0)
		cairn_manifest_clear(m);
	return rc;
}

char *cairn_manifest_to_json(const struct cairn_manifest *m)
{
	cJSON *r = cJSON_CreateObject();
	cJSON_AddStringToObject(r, "format", CAIRN_MANIFEST_FORMAT);
	cJSON_AddStringToObject(r, "type", m->full ? "full" : "incremental");
	cairn_json_add_u64(r, "since", m->since);
	cairn_json_add_u64(r, "read_ts", m->read_ts);
	cJSON_AddStringToObject(r, "backup_id", m->backup_id);
	cairn_json_add_u64(r, "backup_num", m->backup_num);
	cJSON_AddBoolToObject(r, "encrypted", m->encrypted);
	if (m->encrypted) {
		cJSON_AddStringToObject(r, "cipher", m->cipher);
		cJSON_AddStringToObject(r, "key_check", m->key_check);
	}
	cJSON_AddStringToObject(r, "compression", m->compression ? "zstd" : "gzip");
	cJSON_AddItemToObject(r, "groups",
			      m->groups ? cJSON_Duplicate(m->groups, 1) : cJSON_CreateObject());
	cJSON_AddItemToObject(r, "drop_operations",
			      m->drops ? cJSON_Duplicate(m->drops, 1) : cJSON_CreateArray());
	cairn_json_add_u64(r, "max_uid", m->max_uid);
	cJSON_AddStringToObject(r, "created", m->created);
	if (m->cluster_epoch[0])
		cJSON_AddStringToObject(r, "cluster_epoch", m->cluster_epoch);
	cJSON *objs = cJSON_AddArrayToObject(r, "objects");
	for (size_t i = 0; i < m->nobjs; i++) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "group", m->objs[i].group);
		cJSON_AddStringToObject(o, "path", m->objs[i].path);
		cairn_json_add_u64(o, "size", m->objs[i].size);
		cairn_json_add_u64(o, "records", m->objs[i].records);
		cJSON_AddStringToObject(o, "sha256", m->objs[i].sha256);
		if (m->encrypted)
			cJSON_AddStringToObject(o, "hmac", m->objs[i].hmac);
		cairn_blockindex_to_json(o, &m->objs[i]);
		if (m->objs[i].has_ctimes) {
			char *ct = cairn_ctimes_encode(m->objs[i].ctimes, m->objs[i].nctimes);
			cJSON_AddStringToObject(o, "commit_times", ct ? ct : "");
			free(ct);
		}
		cJSON_AddItemToArray(objs, o);
	}
	if (m->encrypted && m->manifest_hmac[0])
		cJSON_AddStringToObject(r, "manifest_hmac", m->manifest_hmac);
	char *s = cJSON_Print(r);
	cJSON_Delete(r);
	return s;
}

/* The canonical form the MAC covers (docs/FORMAT.md): a label, then every
 * field as "name=value\n" in a fixed order; strings as <length>:<bytes> so
 * no value can run into the next; numbers in decimal; groups by id. */
struct canon {
	char *p;
	size_t len, cap;
	int oom;
};

static void put(struct canon *c, const char *data, size_t n)
{
	if (c->oom)
		return;
	if (c->len + n > c->cap) {
		size_t cap = (c->cap ? c->cap * 2 : 1024) + n;
		char *np = realloc(c->p, cap);
		if (!np) {
			c->oom = 1;
			return;
		}
		c->p = np;
		c->cap = cap;
	}
	memcpy(c->p + c->len, data, n);
	c->len += n;
}

static void put_num(struct canon *c, const char *name, uint64_t v)
{
	char b[96];
	int n = snprintf(b, sizeof b, "%s=%llu\n", name, (unsigned long long)v);
	put(c, b, (size_t)n);
}

static void put_str(struct canon *c, const char *name, const char *v)
{
	char b[96];
	size_t vl = strlen(v);
	int n = snprintf(b, sizeof b, "%s=%zu:", name, vl);
	put(c, b, (size_t)n);
	put(c, v, vl);
	put(c, "\n", 1);
}

static int cmp_group(const void *a, const void *b)
{
	unsigned long x = strtoul((*(const cJSON *const *)a)->string, NULL, 10);
	unsigned long y = strtoul((*(const cJSON *const *)b)->string, NULL, 10);
	return x < y ? -1 : x > y;
}

static void put_groups(struct canon *c, const cJSON *groups)
{
	size_t n = (size_t)cJSON_GetArraySize(groups), i = 0;
	const cJSON **v = calloc(n ? n : 1, sizeof *v), *g, *p;
	if (!v) {
		c->oom = 1;
		return;
	}
	cJSON_ArrayForEach(g, groups) v[i++] = g;
	if (n > 1)
		qsort(v, n, sizeof *v, cmp_group);
	put_num(c, "groups", n);
	for (i = 0; i < n; i++) {
		put_num(c, "group", strtoul(v[i]->string, NULL, 10));
		put_num(c, "predicates", (uint64_t)cJSON_GetArraySize(v[i]));
		cJSON_ArrayForEach(p, v[i]) put_str(c, "predicate", p->valuestring);
	}
	free(v);
}

static void put_drops(struct canon *c, const cJSON *drops)
{
	const cJSON *d;
	put_num(c, "drop_operations", (uint64_t)cJSON_GetArraySize(drops));
	cJSON_ArrayForEach(d, drops)
	{
		const cJSON *attr = cJSON_GetObjectItemCaseSensitive(d, "attr");
		put_str(c, "op", cJSON_GetObjectItemCaseSensitive(d, "op")->valuestring);
		put_str(c, "attr", cJSON_IsString(attr) ? attr->valuestring : "");
		put_num(c, "ts", cairn_json_u64(d, "ts"));
	}
}

/* Only for a manifest that parsed (or that cairn built): every list is
 * well-formed, so the canonical form cannot fail but for memory. */
static int canonical(const struct cairn_manifest *m, struct canon *c)
{
	static const char label[] = "cairn backup manifest mac v1\n";
	put(c, label, sizeof label - 1);
	put_str(c, "format", CAIRN_MANIFEST_FORMAT);
	put_str(c, "type", m->full ? "full" : "incremental");
	put_num(c, "since", m->since);
	put_num(c, "read_ts", m->read_ts);
	put_str(c, "backup_id", m->backup_id);
	put_num(c, "backup_num", m->backup_num);
	put_num(c, "encrypted", (uint64_t)(m->encrypted != 0));
	put_str(c, "cipher", m->cipher);
	put_str(c, "key_check", m->key_check);
	put_str(c, "compression", m->compression ? "zstd" : "gzip");
	put_num(c, "max_uid", m->max_uid);
	put_str(c, "created", m->created);
	if (m->cluster_epoch[0]) /* only when present: older MACs still check */
		put_str(c, "cluster_epoch", m->cluster_epoch);
	put_groups(c, m->groups);
	put_drops(c, m->drops);
	put_num(c, "objects", m->nobjs);
	for (size_t i = 0; i < m->nobjs; i++) {
		const struct cairn_manifest_obj *o = &m->objs[i];
		put_num(c, "group", o->group);
		put_str(c, "path", o->path);
		put_num(c, "size", o->size);
		put_num(c, "records", o->records);
		put_str(c, "sha256", o->sha256);
		put_str(c, "hmac", o->hmac);
		if (o->block_size) { /* only with an index: older MACs still check */
			put_num(c, "block_size", o->block_size);
			put_num(c, "plain_size", o->plain_size);
			put_num(c, "blocks", o->nblocks);
			for (size_t k = 0; k < o->nblocks; k++)
				put_num(c, "stored", o->blocks[k]);
		}
		if (o->has_ctimes) { /* only when present: older MACs still check */
			char *ct = cairn_ctimes_encode(o->ctimes, o->nctimes);
			if (!ct)
				c->oom = 1;
			else
				put_str(c, "commit_times", ct);
			free(ct);
		}
	}
	return c->oom ? -1 : 0;
}

static int compute_mac(const struct cairn_manifest *m, const unsigned char mac_key[32],
		       char out[65], cairn_err *err)
{
	struct canon c = {0};
	unsigned char h[32];
	size_t hl = 0;
	int rc = -1;
	if (canonical(m, &c) < 0) {
		cairn_err_set(err, "out of memory");
		goto out;
	}
	if (!EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, mac_key, 32, (const unsigned char *)c.p,
		       c.len, h, sizeof h, &hl) ||
	    hl != sizeof h) {
		cairn_err_set(err, "cannot compute the manifest's HMAC (OpenSSL failed)");
		goto out;
	}
	for (int i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", h[i]);
	rc = 0;
out:
	free(c.p);
	return rc;
}

int cairn_manifest_seal(struct cairn_manifest *m, const unsigned char mac_key[32], cairn_err *err)
{
	m->manifest_hmac[0] = 0;
	/* What the reader would refuse is never written (and the canonical
	 * form may assume well-formed lists). */
	if (check_groups(m->groups, err) < 0 || check_drops(m->drops, m, err) < 0 ||
	    check_groups_match_objects(m->groups, m, err) < 0 || check_indexes(m, err) < 0) {
		cairn_err_prefix(err, "the manifest of backup %s would be invalid", m->dir);
		return -1;
	}
	if (!m->encrypted)
		return 0;
	return compute_mac(m, mac_key, m->manifest_hmac, err);
}

int cairn_manifest_check_mac(const struct cairn_manifest *m, const unsigned char mac_key[32],
			     cairn_err *err)
{
	char want[65];
	if (!m->encrypted)
		return 0;
	if (!m->manifest_hmac[0])
		return cairn_err_setc(
		    err, CAIRN_E_CORRUPT,
		    "manifest %s is encrypted but has no manifest_hmac, so what it "
		    "says cannot be trusted: it was written by an older cairn or "
		    "the field was removed; take a new full backup (forceFull: "
		    "true) and restore from that",
		    m->dir);
	if (compute_mac(m, mac_key, want, err) < 0)
		return -1;
	if (CRYPTO_memcmp(want, m->manifest_hmac, 64) != 0)
		return cairn_err_setc(err, CAIRN_E_CORRUPT,
				      "manifest %s fails its MAC check: it was changed after the "
				      "backup (or the key is not the one it was written with); "
				      "restore it from a copy, or take a new full backup",
				      m->dir);
	return 0;
}

void cairn_manifest_clear(struct cairn_manifest *m)
{
	free(m->dir);
	for (size_t i = 0; m->objs && i < m->nobjs; i++) {
		free(m->objs[i].blocks);
		free(m->objs[i].ctimes);
	}
	free(m->objs);
	cJSON_Delete(m->groups);
	cJSON_Delete(m->drops);
	memset(m, 0, sizeof *m);
}
