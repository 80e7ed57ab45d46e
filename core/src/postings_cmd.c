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
    {"old_config", 0, NULL,
     "rekey: an ini file whose [postings] section gives the key the directory is encrypted "
     "with now, with any key provider's options (encryption_key_file, or the vault_* options)",
     0},
    {"plugin_dir", 0, NULL, "directory of *.so plugins", 0},
    {NULL, 0, NULL, NULL, 0},
};

#define USAGE "encrypt|decrypt|rekey -p DIR [key flags]"

int cairn_cmd_postings(int argc, char **argv)
{
	struct cairn_opts o, oo = {0};
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
		   *oldf = cairn_opt(&o, "old_encryption_key_file"),
		   *oldc = cairn_opt(&o, "old_config");
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
	if (oldf && oldc) {
		cairn_err_set(&err,
			      "give the old key once: --old_encryption_key_file or --old_config");
		goto out;
	}
	if (rekey != (oldf || oldc)) {
		cairn_err_set(
		    &err, rekey ? "rekey needs the key the directory is encrypted with now: "
				  "--old_encryption_key_file FILE, or --old_config INI"
				: "--old_encryption_key_file and --old_config are for rekey only");
		goto out;
	}
	if (rekey) {
		struct cairn_kv kv[] = {{"encryption_key_file", oldf}, {NULL, NULL}};
		const struct cairn_kv *okv = kv;
		if (oldc) {
			/* The old key's options, read as this command's own from that
			 * file: any provider, Vault included. */
			const char *pd = cairn_opt(&o, "plugin_dir");
			char *av[] = {"rekey",
				      "--config",
				      (char *)oldc,
				      "--plugin_dir",
				      (char *)(pd ? pd : ""),
				      NULL};
			if (cairn_opts_parse_keyed("postings", USAGE, postings_flags, pd ? 5 : 3,
						   av, &oo, &err) != 0) {
				cairn_err_prefix(&err, "--old_config");
				goto out;
			}
			okv = oo.kv;
		}
		if (cairn_key_load(okv, old, &olen, &err) < 0 || !olen) {
			if (!olen && !err.msg[0])
				cairn_err_set(&err,
					      oldc ? "%s gives no key: set encryption_key_file or "
						     "the vault_* options in its [postings] section"
						   : "no key-provider plugin reads "
						     "--old_encryption_key_file (keys-file)",
					      oldc ? oldc : "");
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
	cairn_opts_clear(&oo);
	return rc < 0 ? 1 : 0;
}
