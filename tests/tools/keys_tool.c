/* keys_tool.c — drives the key-provider plugins the way cairn does, for the
 * keys tests: load the plugin directory, pick the one provider the
 * configuration selects, fetch the key and print its length and SHA-256,
 * never the key itself.
 *
 *   keys_tool [--plugin_dir DIR] [-v] [--key=value ...]
 *
 * Exit status: 0 with "key length N sha256 HEX" (or "no key provider
 * selected"), 1 with "error: ..." on stderr, 2 for bad usage. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "log.h"
#include "plugin/loader.h"

static int usage(void)
{
	fprintf(stderr, "usage: keys_tool [--plugin_dir DIR] [-v] [--key=value ...]\n");
	return 2;
}

static const struct cairn_keys_ops *keys_ops(const struct cairn_loaded_plugin *p)
{
	const struct cairn_keys_ops *ops = p->desc->ops;
	if (p->desc->kind != CAIRN_PLUGIN_KEYS || !ops)
		return NULL;
	if (ops->struct_size < CAIRN_KEYS_OPS_SIZE_1_0)
		return NULL;
	return ops;
}

/* "encryption_key_file" for keys-file: the keys of cfg this provider reads. */
static void set_keys(const struct cairn_keys_ops *ops, const struct cairn_kv *cfg, char *out,
		     size_t n)
{
	size_t off = strlen(out);
	for (const char *const *k = ops->config_keys; k && *k; k++)
		if (cairn_kv_get(cfg, *k) && off + strlen(*k) + 3 < n)
			off += (size_t)snprintf(out + off, n - off, "%s%s", off ? ", " : "", *k);
}

int main(int argc, char **argv)
{
	struct cairn_kv *cfg = calloc((size_t)argc + 1, sizeof *cfg);
	const char *plugin_dir = NULL;
	const struct cairn_loaded_plugin *chosen = NULL, *other = NULL;
	unsigned char key[CAIRN_KEY_MAX], md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	size_t ncfg = 0, len = 0;
	cairn_err err = {0};
	char *dflt = NULL;
	int rc = 1;

	if (!cfg)
		return 1;
	for (int i = 1; i < argc; i++) {
		char *a = argv[i], *eq;
		if (strcmp(a, "-v") == 0) {
			cairn_log_set_level(CAIRN_LOG_DEBUG);
		} else if (strcmp(a, "--plugin_dir") == 0 && i + 1 < argc) {
			plugin_dir = argv[++i];
		} else if (strncmp(a, "--plugin_dir=", 13) == 0) {
			plugin_dir = a + 13;
		} else if (strncmp(a, "--", 2) == 0 && (eq = strchr(a, '=')) != NULL) {
			*eq = 0;
			cfg[ncfg++] = (struct cairn_kv){a + 2, eq + 1};
		} else {
			free(cfg);
			return usage();
		}
	}
	cairn_log_set_name("keys_tool");
	if (!plugin_dir)
		plugin_dir = dflt = cairn_default_plugin_dir();
	if (cairn_plugins_load(plugin_dir, &err) < 0) {
		cairn_print_error(err.msg);
		goto out;
	}

	for (size_t i = 0; i < cairn_plugins_count(); i++) {
		const struct cairn_loaded_plugin *p = cairn_plugins_at(i);
		const struct cairn_keys_ops *ops = keys_ops(p);
		if (!ops || !ops->selected(cfg))
			continue;
		if (chosen) {
			other = p;
			break;
		}
		chosen = p;
	}
	if (other) {
		char keys[512] = "";
		set_keys(keys_ops(chosen), cfg, keys, sizeof keys);
		set_keys(keys_ops(other), cfg, keys, sizeof keys);
		cairn_err_set(&err,
			      "both %s and %s are configured (%s); use one key provider, not both",
			      chosen->desc->name, other->desc->name, keys);
		cairn_print_error(err.msg);
		goto out;
	}
	if (!chosen) {
		printf(
		    "no key provider selected: set encryption_key_file or the vault_* options\n");
		rc = 0;
		goto out;
	}
	if (keys_ops(chosen)->get_key(cfg, key, &len, &err) < 0) {
		cairn_print_error(err.msg);
		goto out;
	}
	if (len > sizeof key) {
		cairn_print_error("key provider returned more than CAIRN_KEY_MAX bytes");
		goto out;
	}
	EVP_Digest(key, len, md, &mdlen, EVP_sha256(), NULL);
	printf("provider %s\nkey length %zu sha256 ", chosen->desc->name, len);
	for (unsigned i = 0; i < mdlen; i++)
		printf("%02x", md[i]);
	printf("\n");
	rc = 0;
out:
	explicit_bzero(key, sizeof key);
	cairn_plugins_unload();
	free(dflt);
	free(cfg);
	return rc;
}
