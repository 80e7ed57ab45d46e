/* postings_cmd.c — `cairn postings encrypt|decrypt|rekey -p DIR`: a
 * stopped alpha's postings directory rewritten under another at-rest key
 * (docs/AT-REST.md), atomically (store/db.h cairn_db_convert). */
#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "config.h"
#include "keysel.h"
#include "log.h"
#include "store/atrest.h"
#include "store/db.h"

static const struct cairn_flag postings_flags[] = {
    {"postings", 'p', NULL, "the postings directory (its alpha stopped)", 0},
    {"old_encryption_key_file", 0, NULL,
     "rekey: the file of the key the directory is encrypted with now (the key flags give "
     "the new one)",
     0},
    {"plugin_dir", 0, NULL, "directory of *.so plugins", 0},
    {NULL, 0, NULL, NULL, 0},
};

#define USAGE "encrypt|decrypt|rekey -p DIR [key flags]"

int cairn_cmd_postings(int argc, char **argv)
{
	struct cairn_opts o;
	cairn_err err = {0};
	unsigned char key[CAIRN_KEY_MAX], old[CAIRN_KEY_MAX];
	size_t klen = 0, olen = 0;
	struct cairn_atrest *from = NULL, *to = NULL, *cur = NULL;
	int rc = -1;
	cairn_log_set_name("postings");
	const char *action = argc > 1 && argv[1][0] != '-' ? argv[1] : NULL;
	int pr = cairn_opts_parse_keyed("postings", USAGE, postings_flags, action ? argc - 1 : argc,
					action ? argv + 1 : argv, &o, &err);
	if (pr != 0) {
		if (pr < 0)
			cairn_print_error(err.msg);
		cairn_opts_clear(&o);
		return pr > 0 ? 0 : 2;
	}
	const char *dir = cairn_opt(&o, "postings"),
		   *oldf = cairn_opt(&o, "old_encryption_key_file");
	int enc = action && !strcmp(action, "encrypt"), dec = action && !strcmp(action, "decrypt"),
	    rekey = action && !strcmp(action, "rekey");
	if (!enc && !dec && !rekey) {
		cairn_err_set(&err, "give an action: cairn postings %s", USAGE);
		goto out;
	}
	if (!dir) {
		cairn_err_set(&err, "give the postings directory with -p DIR");
		goto out;
	}
	if (cairn_key_load(o.kv, key, &klen, &err) < 0)
		goto out;
	if (!klen) {
		char hint[256];
		cairn_key_provider_hint(hint, sizeof hint);
		cairn_err_set(&err, "cairn postings %s needs the key: give %s", action, hint);
		goto out;
	}
	if (rekey != (oldf != NULL)) {
		cairn_err_set(&err, rekey ? "rekey needs --old_encryption_key_file (the key the "
					    "directory is encrypted with now)"
					  : "--old_encryption_key_file is for rekey only");
		goto out;
	}
	if (rekey) {
		struct cairn_kv kv[] = {{"encryption_key_file", oldf}, {NULL, NULL}};
		if (cairn_key_load(kv, old, &olen, &err) < 0 || !olen) {
			if (!olen && !err.msg[0])
				cairn_err_set(&err, "no key-provider plugin reads "
						    "--old_encryption_key_file (keys-file)");
			cairn_err_prefix(&err, "the old key");
			goto out;
		}
		if (cairn_atrest_new(old, olen, &from, &err) < 0)
			goto out;
	}
	if (cairn_atrest_new(key, klen, &cur, &err) < 0)
		goto out;
	if (enc || rekey)
		to = cur;
	else
		from = cur;
	if (cairn_db_convert(dir, from, to, &err) < 0)
		goto out;
	printf("%s: %s\n", dir,
	       enc   ? "encrypted at rest"
	       : dec ? "decrypted (plain at rest)"
		     : "re-encrypted under the new key");
	rc = 0;
out:
	if (rc < 0)
		cairn_print_error(err.msg);
	if (from != cur)
		cairn_atrest_free(from);
	cairn_atrest_free(cur);
	OPENSSL_cleanse(key, sizeof key);
	OPENSSL_cleanse(old, sizeof old);
	cairn_opts_clear(&o);
	return rc < 0 ? 1 : 0;
}
