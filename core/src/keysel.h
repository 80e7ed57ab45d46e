/* keysel.h — the key providers' flags, and choosing the provider the
 * configuration selects. */
#ifndef CAIRN_KEYSEL_H
#define CAIRN_KEYSEL_H
#include <cairn/keys.h>

#include "config.h"

/* The flag-table entry of every subcommand that reads or writes encrypted
 * backups (alpha, restore, verify): --plugin_dir, marked so that
 * cairn_opts_parse_keyed loads the plugins first and then takes every loaded key
 * provider's options (encryption_key_file, vault_addr, ...) as flags, in
 * --help and in the ini file. The core knows no provider's option names. */
#define CAIRN_KEY_FLAGS                                                                            \
	{                                                                                          \
		"plugin_dir", 0, NULL,                                                             \
		    "directory of *.so plugins; the key-provider flags come from them",            \
		    CAIRN_FLAG_KEY_PROVIDERS                                                       \
	}

/* cairn_opts_parse for a table with CAIRN_KEY_FLAGS, in two steps: --config
 * and --plugin_dir first, to load the plugins; then everything, with every
 * key provider's options added to the table (o->flags). */
int cairn_opts_parse_keyed(const char *section, const char *usage, const struct cairn_flag *flags,
			   int argc, char **argv, struct cairn_opts *out, cairn_err *err);

/* The options of every loaded key provider as flags, leaving out names
 * already in have (terminated by {NULL}). A malloc'd array terminated by
 * {NULL}; its strings belong to the plugins. NULL when out of memory. */
struct cairn_flag *cairn_key_provider_flags(const struct cairn_flag *have);

/* How to give a key, from the loaded providers' options, for messages:
 * "--encryption_key_file or the --vault_* flags". */
void cairn_key_provider_hint(char *out, size_t len);

/* Asks every loaded key provider whether cfg selects it. None: *len = 0 (no
 * encryption). Two: an error naming both. One: fetches the key and refuses
 * any length but 16, 24 or 32 bytes. */
int cairn_key_load(const struct cairn_kv *cfg, unsigned char *key, size_t *len, cairn_err *err);
#endif
