/* manifest.c — manifest.json read and write (cJSON). The reader assumes a
 * hostile author: sizes, names and numbers are all range-checked, and object
 * paths must be exactly r<read_ts>-g<group>.backup, so a manifest can never
 * point outside its folder. */
#include "format/manifest.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_EXACT 9007199254740991.0 /* 2^53 - 1: JSON numbers stay exact below it */

static int get_u64(const cJSON *o, const char *name, uint64_t *out, cairn_err *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
	if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > MAX_EXACT ||
	    floor(v->valuedouble) != v->valuedouble)
		return cairn_err_set(err, "\"%s\" must be a whole number from 0 to 2^53", name);
	*out = (uint64_t)v->valuedouble;
	return 0;
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
		for (size_t j = 0; j < i; j++)
			if (m->objs[j].group == mo->group)
				return cairn_err_set(err, "group %u has two objects", mo->group);
		i++;
	}
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
	if (strcmp(s, "gzip") != 0) {
		cairn_err_set(err, "compression \"%s\" is not supported (only gzip)", s);
		goto out;
	}
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
	const cJSON *g;
	cJSON_ArrayForEach(g, groups)
	{
		char *end;
		unsigned long id = strtoul(g->string, &end, 10);
		if (*end || !id || id > 1000000 || !cJSON_IsArray(g)) {
			cairn_err_set(err, "groups: \"%s\" is not a group number with a list",
				      g->string);
			goto out;
		}
	}
	if ((s = get_str(root, "created", 31, err)) != NULL)
		snprintf(m->created, sizeof m->created, "%s", s);
	if (parse_objects(root, m, err) < 0)
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
	cJSON_AddNumberToObject(r, "since", (double)m->since);
	cJSON_AddNumberToObject(r, "read_ts", (double)m->read_ts);
	cJSON_AddStringToObject(r, "backup_id", m->backup_id);
	cJSON_AddNumberToObject(r, "backup_num", (double)m->backup_num);
	cJSON_AddBoolToObject(r, "encrypted", m->encrypted);
	if (m->encrypted) {
		cJSON_AddStringToObject(r, "cipher", m->cipher);
		cJSON_AddStringToObject(r, "key_check", m->key_check);
	}
	cJSON_AddStringToObject(r, "compression", "gzip");
	cJSON_AddItemToObject(r, "groups",
			      m->groups ? cJSON_Duplicate(m->groups, 1) : cJSON_CreateObject());
	cJSON_AddItemToObject(r, "drop_operations",
			      m->drops ? cJSON_Duplicate(m->drops, 1) : cJSON_CreateArray());
	cJSON_AddNumberToObject(r, "max_uid", (double)m->max_uid);
	cJSON_AddStringToObject(r, "created", m->created);
	cJSON *objs = cJSON_AddArrayToObject(r, "objects");
	for (size_t i = 0; i < m->nobjs; i++) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "group", m->objs[i].group);
		cJSON_AddStringToObject(o, "path", m->objs[i].path);
		cJSON_AddNumberToObject(o, "size", (double)m->objs[i].size);
		cJSON_AddNumberToObject(o, "records", (double)m->objs[i].records);
		cJSON_AddStringToObject(o, "sha256", m->objs[i].sha256);
		if (m->encrypted)
			cJSON_AddStringToObject(o, "hmac", m->objs[i].hmac);
		cJSON_AddItemToArray(objs, o);
	}
	char *s = cJSON_Print(r);
	cJSON_Delete(r);
	return s;
}

void cairn_manifest_clear(struct cairn_manifest *m)
{
	free(m->dir);
	free(m->objs);
	cJSON_Delete(m->groups);
	cJSON_Delete(m->drops);
	memset(m, 0, sizeof *m);
}
