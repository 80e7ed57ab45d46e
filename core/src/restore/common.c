/* common.c — opening a backup location for restore, verify and lsbackup (and
 * the alpha's listBackups, through cairn_backups_load). */
#include "restore/common.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "keysel.h"
#include "log.h"

int cairn_backups_open(struct cairn_opts *o, struct cairn_store_loc *loc,
		       struct cairn_backup_set *set, struct cairn_keyset *ks, cairn_err *err)
{
	unsigned char key[CAIRN_KEY_MAX];
	size_t klen = 0;
	int rc = -1;
	const char *l = cairn_opt(o, "location");
	if (!l || !*l)
		return cairn_err_set(err,
				     "give the backup location with -l/--location (a directory "
				     "or URI such as s3://s3.us-west-2.amazonaws.com/bucket)");
	if (cairn_load_plugins_from(cairn_opt(o, "plugin_dir")) < 0) {
		err->msg[0] = 0; /* the loader printed its error */
		return -1;
	}
	if (ks) {
		if (cairn_key_load(o->kv, key, &klen, err) < 0)
			goto out;
		cairn_keyset_init(ks, key, klen);
	}
	if (cairn_opt_bool(o, "quiet") == 1)
		cairn_log_set_level(CAIRN_LOG_WARN);
	int anon = cairn_opt(o, "anonymous") ? cairn_opt_bool(o, "anonymous") : 0;
	if (anon < 0) {
		cairn_err_set(err, "--anonymous must be true or false");
		goto out;
	}
	const struct cairn_kv params[] = {{"anonymous", "true"}, {NULL, NULL}};
	if (cairn_location_open(l, anon ? params : NULL, loc, err) < 0 ||
	    cairn_backups_load(loc, set, "-l/--location", err) < 0)
		goto out;
	rc = 0;
out:
	OPENSSL_cleanse(key, sizeof key);
	return rc;
}

int cairn_backups_load(struct cairn_store_loc *loc, struct cairn_backup_set *set, const char *what,
		       cairn_err *err)
{
	if (cairn_series_load(loc, set, err) < 0)
		return -1;
	if (!set->n && !set->nbad)
		return cairn_err_set(err,
				     "no backups found at this location: it is missing, empty, or "
				     "holds no cairn.* folder with a manifest.json; check %s",
				     what);
	return 0;
}

void cairn_quiet_stdout(const struct cairn_opts *o)
{
	if (cairn_opt_bool(o, "quiet") == 1) {
		fflush(stdout);
		if (!freopen("/dev/null", "w", stdout))
			cairn_warn("--quiet: cannot open /dev/null: %s", strerror(errno));
	}
}

static int check_first_key(const struct cairn_manifest *first, const struct cairn_keyset *ks,
			   cairn_err *err)
{
	size_t want = cairn_cipher_key_len(first->cipher);
	if (!want)
		want = 32;
	if (!ks->key_len) {
		char how[256];
		cairn_key_provider_hint(how, sizeof how);
		return cairn_err_set(err,
				     "backup series %s is encrypted (%s): give the key with %s",
				     first->backup_id, first->cipher, how);
	}
	if (ks->key_len != want)
		return cairn_err_set(err,
				     "backup series %s was encrypted with %s, which takes a "
				     "%zu-byte key; the key given is %zu bytes",
				     first->backup_id, first->cipher, want, ks->key_len);
	char check[33];
	cairn_keyset_check(ks, check);
	if (strcmp(check, first->key_check) != 0)
		return cairn_err_set(err,
				     "wrong key: backup series %s was encrypted with a different "
				     "key than the one given",
				     first->backup_id);
	return 0;
}

int cairn_series_check_key(const struct cairn_manifest *const *chain, size_t n,
			   const struct cairn_keyset *ks, cairn_err *err)
{
	if (!n || !chain[0]->encrypted)
		return 0;
	if (check_first_key(chain[0], ks, err) < 0)
		return -1;
	for (size_t k = 0; k < n; k++) {
		if (!chain[k]->encrypted || strcmp(chain[k]->key_check, chain[0]->key_check) != 0)
			return cairn_err_setc(err, CAIRN_E_CORRUPT,
					      "manifest %s does not match the encryption of its "
					      "series %s: it was changed after the backup; restore "
					      "it from a copy, or take a new full backup",
					      chain[k]->dir, chain[0]->backup_id);
		if (cairn_manifest_check_mac(chain[k], ks->mac_key, err) < 0)
			return -1;
	}
	return 0;
}
