/* keysel.c — one key provider or none, and only AES key lengths. */
#include "keysel.h"

#include <openssl/crypto.h>
#include <string.h>

#include "log.h"
#include "plugin/loader.h"

int cairn_key_load(const struct cairn_kv *cfg, unsigned char *key, size_t *len, cairn_err *err)
{
	const struct cairn_loaded_plugin *chosen = NULL;
	*len = 0;
	for (size_t i = 0; i < cairn_plugins_count(); i++) {
		const struct cairn_loaded_plugin *p = cairn_plugins_at(i);
		if (p->desc->kind != CAIRN_PLUGIN_KEYS)
			continue;
		const struct cairn_keys_ops *ops = p->desc->ops;
		if (!ops->selected(cfg))
			continue;
		if (chosen)
			return cairn_err_set(err, "both %s and %s are configured for the encryption "
						  "key; set only one (--encryption_key_file or the "
						  "--vault_* flags)",
					     chosen->desc->name, p->desc->name);
		chosen = p;
	}
	if (!chosen) {
		if (cairn_kv_get(cfg, "encryption_key_file") ||
		    cairn_kv_get(cfg, "vault_roleid_file") || cairn_kv_get(cfg, "vault_secretid_file"))
			return cairn_err_set(err, "an encryption key is configured but no key-provider "
						  "plugin (keys-file, keys-vault) is loaded; check "
						  "--plugin_dir");
		return 0;
	}
	const struct cairn_keys_ops *ops = chosen->desc->ops;
	unsigned char buf[CAIRN_KEY_MAX];
	size_t n = 0;
	cairn_err kerr = {0};
	if (ops->get_key(cfg, buf, &n, &kerr) < 0) {
		OPENSSL_cleanse(buf, sizeof buf);
		return cairn_err_set(err, "%s", kerr.msg);
	}
	if (n != 16 && n != 24 && n != 32) {
		OPENSSL_cleanse(buf, sizeof buf);
		return cairn_err_set(err, "the encryption key from %s is %zu bytes; AES needs 16, 24 "
					  "or 32 bytes (AES-128/192/256)",
				     chosen->desc->name, n);
	}
	cairn_add_secret(buf, n);
	memcpy(key, buf, n);
	*len = n;
	OPENSSL_cleanse(buf, sizeof buf);
	return 0;
}
