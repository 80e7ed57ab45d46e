/* keysel.h — choosing the key provider the configuration selects. */
#ifndef CAIRN_KEYSEL_H
#define CAIRN_KEYSEL_H
#include <cairn/keys.h>

/* The key-provider flags every subcommand that reads or writes encrypted
 * backups takes (alpha, restore, verify), for its struct cairn_flag table. */
#define CAIRN_KEY_FLAGS                                                                          \
	{"encryption_key_file", 0, NULL, "file holding the 16/24/32-byte backup encryption key", 0}, \
		{"vault_addr", 0, "http://localhost:8200", "Vault address", 0},                  \
		{"vault_roleid_file", 0, NULL, "file with the Vault AppRole role-id", 0},        \
		{"vault_secretid_file", 0, NULL, "file with the Vault AppRole secret-id", 0},    \
		{"vault_path", 0, "secret/data/cairn", "Vault secret path (KV v1 or v2)", 0},    \
		{"vault_field", 0, "enc_key", "field of the secret that holds the key", 0},      \
		{"vault_format", 0, "base64", "encoding of the key in Vault: base64 or raw", 0}, \
		{"vault_namespace", 0, NULL, "Vault namespace (X-Vault-Namespace)", 0},          \
		{"vault_ca_file", 0, NULL, "CA certificate file for an https Vault", 0},         \
		{"plugin_dir", 0, NULL, "directory of *.so plugins", 0}

/* Asks every loaded key provider whether cfg selects it. None: *len = 0 (no
 * encryption). Two: an error naming both. One: fetches the key and refuses
 * any length but 16, 24 or 32 bytes. */
int cairn_key_load(const struct cairn_kv *cfg, unsigned char *key, size_t *len, cairn_err *err);
#endif
