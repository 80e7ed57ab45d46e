/* verify.c — `cairn verify`: every series at a location (or the one asked
 * for) checked as a chain. Each object is read once: its size, sha256 and,
 * with the key, its HMAC are checked while its records are decoded. An
 * encrypted series without its key gets presence, sizes and sha256. A folder
 * whose manifest is unreadable is reported and skipped; verify of every
 * series then still checks all others but exits non-zero. */
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "keysel.h"
#include "log.h"
#include "restore/check.h"
#include "restore/common.h"
#include "restore/progress.h"

static const struct cairn_flag verify_flags[] = {
    {"location", 'l', NULL, "where the backups are (directory or URI)", 0},
    {"backup_id", 0, NULL, "series to verify (default: every series)", 0},
    CAIRN_KEY_FLAGS,
    CAIRN_READ_FLAGS,
    {NULL, 0, NULL, NULL, 0},
};

static int chain_encrypted_without_key(const struct cairn_backup_set *set, const char *id,
				       const struct cairn_keyset *ks)
{
	for (size_t i = 0; i < set->n; i++)
		if (!strcmp(set->m[i].backup_id, id))
			return set->m[i].encrypted && !ks->key_len;
	return 0;
}

/* Presence and sizes first (cheap), then each object read once. */
static int verify_chain(struct cairn_store_loc *loc, const struct cairn_manifest *const *chain,
			size_t n, const struct cairn_keyset *ks, int decode, cairn_err *err)
{
	uint64_t total = 0;
	char label[64];
	if (cairn_chain_stat(loc, chain, n, err) < 0)
		return -1;
	for (size_t k = 0; k < n; k++)
		for (size_t i = 0; i < chain[k]->nobjs; i++)
			total += chain[k]->objs[i].size;
	snprintf(label, sizeof label, "series %.40s", chain[0]->backup_id);
	cairn_progress_part(label, total);
	for (size_t k = 0; k < n; k++) {
		const struct cairn_manifest *m = chain[k];
		for (size_t i = 0; i < m->nobjs; i++) {
			char name[160];
			if (cairn_obj_check(loc, m, &m->objs[i], ks, decode, NULL, err) < 0)
				return -1;
			cairn_obj_name(m, &m->objs[i], name, sizeof name);
			printf("ok  %s  %llu bytes  sha256 %s\n", name,
			       (unsigned long long)m->objs[i].size, m->objs[i].sha256);
		}
	}
	cairn_progress_part_done();
	return 0;
}

int cairn_cmd_verify(int argc, char **argv)
{
	struct cairn_opts o;
	cairn_err err = {0};
	struct cairn_store_loc loc = {0};
	struct cairn_backup_set set = {0};
	struct cairn_keyset ks;
	const struct cairn_manifest **chain = NULL;
	int rc = -1;
	memset(&ks, 0, sizeof ks);
	cairn_log_set_name("verify");
	int pr = cairn_opts_parse_keyed("verify", "-l LOCATION [--backup_id ID]", verify_flags,
					argc, argv, &o, &err);
	if (pr != 0) {
		rc = pr > 0 ? 0 : -1;
		goto out;
	}
	cairn_quiet_stdout(&o);
	if (cairn_backups_open(&o, &loc, &set, &ks, &err) < 0)
		goto out;
	/* Every series (or the one asked for), each checked as a chain. */
	const char *only = cairn_opt(&o, "backup_id");
	size_t nseries = 0;
	uint64_t total = 0;
	for (size_t i = 0; i < set.n; i++)
		if (!only || !strcmp(only, set.m[i].backup_id))
			for (size_t j = 0; j < set.m[i].nobjs; j++)
				total += set.m[i].objs[j].size;
	cairn_progress_start("verify", total, cairn_opt_bool(&o, "quiet") == 1);
	for (size_t i = 0; i < set.n; i++) {
		const char *id = set.m[i].backup_id;
		if (only && strcmp(only, id) != 0)
			continue;
		size_t j;
		for (j = 0; j < i && strcmp(set.m[j].backup_id, id) != 0; j++)
			;
		if (j < i)
			continue; /* series already checked */
		size_t n = 0;
		free(chain);
		chain = NULL;
		/* Without a key an encrypted series is still checked for presence,
		 * sizes and sha256; with one, also the key, MACs and records: the
		 * hashes say the bytes are the ones written, the records that they
		 * are a well-formed backup. */
		int keyless = chain_encrypted_without_key(&set, id, &ks);
		if (cairn_series_chain(&set, id, 0, &chain, &n, &err) < 0 ||
		    (!keyless && cairn_series_check_key(chain, n, &ks, &err) < 0) ||
		    verify_chain(&loc, chain, n, &ks, !keyless, &err) < 0)
			goto out;
		printf("series %s: %zu backup(s) up to read_ts %llu verified%s\n", id, n,
		       (unsigned long long)chain[n - 1]->read_ts,
		       keyless
			   ? " (encrypted, no key given: sizes and sha256 only; give the key to "
			     "check MACs and records)"
			   : "");
		nseries++;
	}
	cairn_progress_end(1);
	if (!only && set.nbad) {
		/* Every other series was checked; the location still is not whole. */
		cairn_err_set(&err,
			      "%zu backup folder(s) have an unreadable manifest (first %s); move "
			      "them away or restore them from a copy",
			      set.nbad, set.bad[0]);
		goto out;
	}
	if (!nseries) {
		cairn_err_set(&err,
			      only ? "no backup series with id \"%s\" at this location"
				   : "no backups found at this location",
			      only ? only : "");
		goto out;
	}
	rc = 0;
out:
	cairn_progress_end(0); /* nothing if it ended above */
	if (rc < 0 && err.msg[0])
		cairn_print_error(err.msg);
	free(chain);
	OPENSSL_cleanse(&ks, sizeof ks);
	cairn_series_clear(&set);
	cairn_location_close(&loc);
	cairn_opts_clear(&o);
	return rc < 0 ? 1 : 0;
}
