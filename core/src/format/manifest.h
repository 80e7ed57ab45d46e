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
	/* The block index (format/blockindex.h): block_size 0 if the object
	 * has none (written before it, read sequentially). */
	uint64_t block_size, plain_size;
	uint64_t *blocks; /* stored (compressed) length of each block, malloc'd */
	size_t nblocks;
	/* commit_times (format/committimes.h): has_ctimes 0 if absent (written
	 * before it, or the group could not give every commit's time); else
	 * nctimes pairs ts, unix ms in ctimes (malloc'd). */
	int has_ctimes;
	uint64_t *ctimes;
	size_t nctimes;
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
	/* the cluster's epoch at the backup (zero.c), 16 hex digits; "" in a
	 * manifest written before epochs */
	char cluster_epoch[17];
	int compression;	/* 0 gzip, 1 zstd (enum cairn_compression) */
	char manifest_hmac[65]; /* encrypted: the MAC over all of the above; "" if absent */
	struct cairn_manifest_obj *objs;
	size_t nobjs;
};

/* Parses and validates; err says which field is wrong. dir is copied.
 * Besides each field's type and range, the fields must agree with each
 * other: one object per group and one group per object, paths from read_ts
 * and group, since/backup_num by type, drops inside (since, read_ts], no
 * predicate in two groups. An encrypted manifest's MAC needs the key: it is
 * checked by cairn_manifest_check_mac, not here. */
int cairn_manifest_parse(const char *json, size_t len, const char *dir, struct cairn_manifest *m,
			 cairn_err *err);
/* The JSON text (malloc'd); it carries m->manifest_hmac if set. */
char *cairn_manifest_to_json(const struct cairn_manifest *m);
/* An encrypted manifest's MAC: HMAC-SHA256 under mac_key (the keyset's,
 * which the objects' HMACs use) over a canonical form of every field
 * (docs/FORMAT.md), so JSON spacing and key order do not matter but every
 * value does. seal first checks that the fields agree as the reader
 * requires (-1 naming what does not), then sets m->manifest_hmac (a plain
 * manifest gets none). */
int cairn_manifest_seal(struct cairn_manifest *m, const unsigned char mac_key[32], cairn_err *err);
/* -1 (CAIRN_E_CORRUPT) if m is encrypted and its manifest_hmac is missing or
 * does not match: the manifest was changed by someone without the key, or
 * was written before manifests were sealed. 0 for a plain manifest. */
int cairn_manifest_check_mac(const struct cairn_manifest *m, const unsigned char mac_key[32],
			     cairn_err *err);
void cairn_manifest_clear(struct cairn_manifest *m);
#endif
