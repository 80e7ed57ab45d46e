/* keys.h — key-provider plugins: where a backup encryption key comes from.
 *
 * The host asks every loaded key provider whether the configuration selects it
 * (keys-file: encryption_key_file is set; keys-vault: vault_roleid_file or
 * vault_secretid_file is set). None selected means no encryption; two selected
 * is a configuration error the host reports. */
#ifndef CAIRN_KEYS_H
#define CAIRN_KEYS_H

#include "plugin.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CAIRN_KEY_MAX 64

struct cairn_keys_ops {
	uint32_t struct_size;
	/* The config keys (flag names, e.g. "encryption_key_file") this provider
	 * reads, NULL-terminated; the host uses it for --help and for the
	 * "both set" error. */
	const char *const *config_keys;
	/* Non-zero if cfg selects this provider. */
	int (*selected)(const struct cairn_kv *cfg);
	/* Fetch the key into key[0..CAIRN_KEY_MAX), set *len. The provider does
	 * not judge the length; the host refuses anything but 16, 24 or 32.
	 * The provider registers what it reads as secrets via host->add_secret. */
	int (*get_key)(const struct cairn_kv *cfg, unsigned char *key, size_t *len, cairn_err *err);
};

#ifdef __cplusplus
}
#endif
#endif
