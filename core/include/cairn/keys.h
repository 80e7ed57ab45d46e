/* keys.h — key-provider plugins: where a backup encryption key comes from.
 *
 * The host asks every loaded key provider whether the configuration selects it
 * (keys-file: encryption_key_file is set; keys-vault: vault_roleid_file or
 * vault_secretid_file is set). None selected means no encryption; two selected
 * is a configuration error the host reports.
 *
 * The host knows no provider's option names: each provider declares its own
 * (config, or config_keys for a 1.0 provider), and the host offers them as
 * flags of every subcommand that reads or writes encrypted backups (alpha,
 * restore, verify), lists them in --help and accepts them in the ini file. */
#ifndef CAIRN_KEYS_H
#define CAIRN_KEYS_H

#include "plugin.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CAIRN_KEY_MAX 64

/* One option a provider reads (ABI 1.1). */
struct cairn_config_key {
	const char *name; /* the flag and ini key: "vault_addr" */
	const char *def;  /* default value, or NULL */
	const char *help; /* one line for --help */
	unsigned flags;	  /* CAIRN_CONFIG_* */
};
enum {
	CAIRN_CONFIG_SECRET = 1, /* the value itself is a secret: scrub it from logs */
};

struct cairn_keys_ops {
	uint32_t struct_size;
	/* The config keys (flag names, e.g. "encryption_key_file") this provider
	 * reads, NULL-terminated; the host offers them as flags and names them in
	 * the "both set" error. */
	const char *const *config_keys;
	/* Non-zero if cfg selects this provider. */
	int (*selected)(const struct cairn_kv *cfg);
	/* Fetch the key into key[0..CAIRN_KEY_MAX), set *len. The provider does
	 * not judge the length; the host refuses anything but 16, 24 or 32.
	 * The provider registers what it reads as secrets via host->add_secret. */
	int (*get_key)(const struct cairn_kv *cfg, unsigned char *key, size_t *len, cairn_err *err);

	/* ---- ABI 1.0 ends here; use CAIRN_HAS for what follows ---- */
	/* ABI 1.1: the same keys as config_keys, with help text and defaults,
	 * terminated by {NULL}. Without it the host offers config_keys bare. */
	const struct cairn_config_key *config;
};

/* The size of the ops table as ABI 1.0 laid it out. */
#define CAIRN_KEYS_OPS_SIZE_1_0 (offsetof(struct cairn_keys_ops, get_key) + sizeof(void (*)(void)))

#ifdef __cplusplus
}
#endif
#endif
