/* manifest.h — manifest.json: what one backup folder holds. Read as
 * untrusted input: every field is checked before anything uses it. */
#ifndef CAIRN_MANIFEST_H
#define CAIRN_MANIFEST_H
#include <cairn/plugin.h>
#include <cjson/cJSON.h>
#include <stdint.h>

#define CAIRN_MANIFEST_FORMAT "cairn-backup/1"
#define CAIRN_MANIFEST_MAX (16u << 20)

struct cairn_manifest_obj {
	uint32_t group;
	char path[64]; /* r<read_ts>-g<group>.backup, relative to the folder */
	uint64_t size;
	uint64_t records;
	char sha256[65];
	char hmac[65]; /* "" unless encrypted */
};

struct cairn_manifest {
	char *dir; /* folder name at the location: cairn.YYYYMMDD.HHMMSS.mmm */
	int full;
	uint64_t since, read_ts, backup_num, max_uid;
	char backup_id[65];
	int encrypted;
	char cipher[16];    /* aes-256-ctr, "" if not encrypted */
	char key_check[33]; /* "" if not encrypted */
	cJSON *groups;	    /* {"1": ["pred", ...]} */
	cJSON *drops;	    /* [{"op":"drop_attr","attr":"x","ts":N}, {"op":"drop_all","ts":N}] */
	char created[32];
	struct cairn_manifest_obj *objs;
	size_t nobjs;
};

/* Parses and validates; err says which field is wrong. dir is copied. */
int cairn_manifest_parse(const char *json, size_t len, const char *dir, struct cairn_manifest *m,
			 cairn_err *err);
/* The JSON text (malloc'd). */
char *cairn_manifest_to_json(const struct cairn_manifest *m);
void cairn_manifest_clear(struct cairn_manifest *m);
#endif
