/* keysel.c — the key providers' options as flags; one provider or none, and
 * only AES key lengths. */
#include "keysel.h"

#include <openssl/crypto.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "plugin/loader.h"

/* Whether one of the first n flags (all of them up to {NULL} if n is
 * SIZE_MAX) is called name. */
static int flag_known(const struct cairn_flag *f, size_t n, const char *name)
{
	for (size_t i = 0; i < n && f[i].name; i++)
		if (!strcmp(f[i].name, name))
			return 1;
	return 0;
}

/* Appends one option unless its name is taken (a core flag wins; among
 * providers, the first). */
static void add_flag(struct cairn_flag *out, size_t *n, const struct cairn_flag *have,
		     const struct cairn_flag *f)
{
	if (!f->name || !*f->name || flag_known(have, SIZE_MAX, f->name) ||
	    flag_known(out, *n, f->name))
		return;
	out[(*n)++] = *f;
}

struct cairn_flag *cairn_key_provider_flags(const struct cairn_flag *have)
{
	size_t cap = 1, n = 0;
	for (size_t i = 0; i < cairn_plugins_count(); i++) {
		const struct cairn_plugin *d = cairn_plugins_at(i)->desc;
		const struct cairn_keys_ops *ops = d->ops;
		if (d->kind != CAIRN_PLUGIN_KEYS)
			continue;
		for (const char *const *k = ops->config_keys; k && *k; k++)
			cap++;
		if (CAIRN_HAS(ops, config))
			for (const struct cairn_config_key *c = ops->config; c->name; c++)
				cap++;
	}
	struct cairn_flag *out = calloc(cap, sizeof *out);
	if (!out)
		return NULL;
	for (size_t i = 0; i < cairn_plugins_count(); i++) {
		const struct cairn_plugin *d = cairn_plugins_at(i)->desc;
		const struct cairn_keys_ops *ops = d->ops;
		if (d->kind != CAIRN_PLUGIN_KEYS)
			continue;
		if (CAIRN_HAS(ops, config))
			for (const struct cairn_config_key *c = ops->config; c->name; c++) {
				struct cairn_flag f = {
				    c->name, 0, c->def, c->help,
				    (c->flags & CAIRN_CONFIG_SECRET) ? CAIRN_FLAG_SECRET : 0};
				add_flag(out, &n, have, &f);
			}
		/* A 1.0 provider names its keys only; a 1.1 one may list a key
		 * in config_keys alone. Either way the flag exists, its help
		 * says whose it is. */
		for (const char *const *k = ops->config_keys; k && *k; k++) {
			struct cairn_flag f = {*k, 0, NULL, d->name, 0};
			add_flag(out, &n, have, &f);
		}
	}
	return out;
}

/* "--encryption_key_file": the options of p that cfg sets, for messages. */
static void set_options(const struct cairn_loaded_plugin *p, const struct cairn_kv *cfg, char *out,
			size_t len)
{
	const struct cairn_keys_ops *ops = p->desc->ops;
	size_t off = 0;
	out[0] = 0;
	for (const char *const *k = ops->config_keys; k && *k && off + 1 < len; k++)
		if (cairn_kv_get(cfg, *k))
			off +=
			    (size_t)snprintf(out + off, len - off, "%s--%s", off ? ", " : "", *k);
	if (off >= len)
		out[len - 1] = 0;
}

/* How one provider is configured, for a hint: "--encryption_key_file" for a
 * provider with one option, "the --vault_* flags" for options that share a
 * prefix, else its first option. */
static void provider_hint(const struct cairn_keys_ops *ops, char *out, size_t len)
{
	const char *const *k = ops->config_keys;
	size_t common, n = 0;
	if (!k || !k[0]) {
		out[0] = 0;
		return;
	}
	common = strlen(k[0]);
	for (; k[n]; n++) {
		size_t c = 0;
		while (c < common && k[n][c] == k[0][c])
			c++;
		common = c;
	}
	while (common && k[0][common - 1] != '_')
		common--;
	if (n > 1 && common)
		snprintf(out, len, "the --%.*s* flags", (int)common, k[0]);
	else
		snprintf(out, len, "--%s", k[0]);
}

void cairn_key_provider_hint(char *out, size_t len)
{
	size_t off = 0, count = 0, total = 0;
	out[0] = 0;
	for (size_t i = 0; i < cairn_plugins_count(); i++)
		total += cairn_plugins_at(i)->desc->kind == CAIRN_PLUGIN_KEYS;
	for (size_t i = 0; i < cairn_plugins_count() && off + 1 < len; i++) {
		const struct cairn_plugin *d = cairn_plugins_at(i)->desc;
		char one[128];
		if (d->kind != CAIRN_PLUGIN_KEYS)
			continue;
		provider_hint(d->ops, one, sizeof one);
		count++;
		off += (size_t)snprintf(out + off, len - off, "%s%s",
					count == 1 ? "" : (count == total ? " or " : ", "), one);
	}
	if (!count)
		snprintf(out, len, "a key-provider plugin (none is loaded; check --plugin_dir)");
	else if (off >= len)
		out[len - 1] = 0;
}

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
		if (chosen) {
			char a[256], b[256];
			set_options(chosen, cfg, a, sizeof a);
			set_options(p, cfg, b, sizeof b);
			return cairn_err_set(err,
					     "both %s (%s) and %s (%s) are configured for the "
					     "encryption key; set only one",
					     chosen->desc->name, a, p->desc->name, b);
		}
		chosen = p;
	}
	/* No provider: no encryption. An option of a provider that is not
	 * loaded never gets here: it is an unknown flag. */
	if (!chosen)
		return 0;
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
		return cairn_err_set(err,
				     "the encryption key from %s is %zu bytes; AES needs 16, 24 "
				     "or 32 bytes (AES-128/192/256)",
				     chosen->desc->name, n);
	}
	cairn_add_secret(buf, n);
	memcpy(key, buf, n);
	*len = n;
	OPENSSL_cleanse(buf, sizeof buf);
	return 0;
}

/* Step one: find --config and --plugin_dir (flag, then [section] of the
 * file, then the default), load the plugins, and build flags + the
 * providers' options in *merged. Returns 1 when --help was printed. */
static int add_provider_flags(const char *section, const char *usage,
			      const struct cairn_flag *flags, int argc, char **argv,
			      struct cairn_flag **merged, cairn_err *err)
{
	cairn_err lerr = {0};
	*merged = NULL;
	if (cairn_opts_load_file(argc, argv, err) < 0)
		return -1;
	const char *dir = cairn_opts_prescan(argc, argv, "plugin_dir");
	if (!dir)
		dir = cairn_opts_file_value(section, "plugin_dir");
	if (cairn_plugins_load_once(dir, &lerr) < 0) {
		if (!cairn_opts_wants_help(argc, argv)) {
			*err = lerr;
			return -1;
		}
		cairn_opts_print_usage(section, usage, flags);
		printf("\n  (no key-provider flags: %s)\n", lerr.msg);
		return 1;
	}
	struct cairn_flag *extra = cairn_key_provider_flags(flags);
	size_t n = 0, m = 0;
	while (flags[n].name)
		n++;
	while (extra && extra[m].name)
		m++;
	*merged = extra ? calloc(n + m + 1, sizeof **merged) : NULL;
	if (!*merged) {
		free(extra);
		return cairn_err_set(err, "out of memory");
	}
	memcpy(*merged, flags, n * sizeof *flags);
	memcpy(*merged + n, extra, m * sizeof *extra);
	free(extra);
	return 0;
}

int cairn_opts_parse_keyed(const char *section, const char *usage, const struct cairn_flag *flags,
			   int argc, char **argv, struct cairn_opts *out, cairn_err *err)
{
	struct cairn_flag *merged = NULL;
	memset(out, 0, sizeof *out);
	int r = add_provider_flags(section, usage, flags, argc, argv, &merged, err);
	if (r != 0)
		return r;
	int rc = cairn_opts_parse(section, usage, merged, argc, argv, out, err);
	out->merged = merged;
	return rc;
}
