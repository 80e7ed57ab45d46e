/* hash.h — the hash filter: an observer that takes SHA-256 (and, with a MAC
 * key, HMAC-SHA256) of the bytes passing it and counts them. The object
 * chains put it next to storage, so it covers the stored bytes (IV
 * included) on the way out and on the way in. */
#ifndef CAIRN_PIPELINE_HASH_H
#define CAIRN_PIPELINE_HASH_H
#include <stdint.h>

#include "pipeline/filter.h"

/* What the hash filter saw: the manifest's size, sha256 and hmac. */
struct cairn_obj_info {
	uint64_t size;	 /* bytes stored */
	char sha256[65]; /* hex of the stored bytes */
	char hmac[65];	 /* hex HMAC-SHA256 of the stored bytes ("" if unencrypted) */
};

/* mac_key NULL: sha256 only. */
int cairn_hash_new(const unsigned char *mac_key, size_t mac_key_len, struct cairn_filter **out,
		   cairn_err *err);
/* The digests of everything seen so far. Call once, after the last byte;
 * later calls give the same result. */
void cairn_hash_result(struct cairn_filter *f, struct cairn_obj_info *info);
#endif
