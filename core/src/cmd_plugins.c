/* cmd_plugins.c — `cairn plugins`: each file of the plugin directories,
 * what it is (kind, name, version, the ABI it was built for, its schemes or
 * options, its features), or why it did not load. A file that does not load
 * is a row, not a failure: only an unreadable directory is. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "config.h"
#include "log.h"
#include "plugin/loader.h"

int cairn_load_plugins_from(const char *plugin_dir)
{
	cairn_err err = {0};
	int rc = cairn_plugins_load_once(plugin_dir, &err);
	if (rc < 0)
		cairn_print_error(err.msg);
	return rc;
}

static const struct cairn_flag flags[] = {
    {"plugin_dir", 0, NULL,
     "directory of *.so plugins, or several joined by ':' (default ../lib/cairn/plugins "
     "next to cairn)",
     0},
    {NULL, 0, NULL, NULL, 0},
};

/* Appends s to out[0..len) after a comma if needed; a name that does not
 * fit ends the list with "..." instead of running past the buffer. */
static void append(char *out, size_t len, const char *s)
{
	size_t off = strlen(out), need = strlen(s) + (off ? 1 : 0);
	if (off + need + 1 <= len) {
		snprintf(out + off, len - off, "%s%s", off ? "," : "", s);
	} else if (len >= 4) {
		size_t at = off + 3 < len ? off : len - 4;
		snprintf(out + at, len - at, "...");
	}
}

/* "ranged_read": the storage feature bits by name (unknown ones in hex). */
static void features(const struct cairn_plugin *d, char *out, size_t len)
{
	out[0] = 0;
	if (d->kind == CAIRN_PLUGIN_STORAGE) {
		const struct cairn_storage_ops *ops = d->ops;
		uint64_t f = CAIRN_COVERS(ops, features) ? ops->features : 0;
		if (f & CAIRN_STORAGE_RANGED_READ)
			append(out, len, "ranged_read");
		if (f & ~(uint64_t)CAIRN_STORAGE_RANGED_READ) {
			char hex[32];
			snprintf(hex, sizeof hex, "0x%llx",
				 (unsigned long long)(f & ~(uint64_t)CAIRN_STORAGE_RANGED_READ));
			append(out, len, hex);
		}
	} else if (d->kind == CAIRN_PLUGIN_KEYS) {
		const struct cairn_keys_ops *ops = d->ops;
		if (CAIRN_HAS(ops, config))
			append(out, len, "config_help");
	}
	if (!out[0])
		snprintf(out, len, "-");
}

int cairn_cmd_plugins(int argc, char **argv)
{
	struct cairn_opts o;
	cairn_err err = {0};
	int rc = cairn_opts_parse("plugins", NULL, flags, argc, argv, &o, &err);
	if (rc != 0) {
		if (rc < 0)
			cairn_print_error(err.msg);
		cairn_opts_clear(&o);
		return rc < 0 ? 2 : 0;
	}
	rc = 1;
	if (cairn_plugins_load_lenient(cairn_opt(&o, "plugin_dir"), &err) < 0) {
		cairn_print_error(err.msg);
		goto out;
	}
	printf("%-40s %-8s %-16s %-16s %-5s %-12s %s\n", "FILE", "KIND", "NAME", "SCHEMES|OPTIONS",
	       "ABI", "FEATURES", "VERSION");
	for (size_t i = 0; i < cairn_plugins_count(); i++) {
		const struct cairn_loaded_plugin *p = cairn_plugins_at(i);
		char names[256] = "", feat[128], abi[32];
		size_t cap = sizeof names / 2; /* schemes */
		if (p->desc->schemes)
			for (const char *const *s = p->desc->schemes; *s; s++)
				append(names, cap, *s);
		if (p->desc->kind == CAIRN_PLUGIN_KEYS) {
			const struct cairn_keys_ops *ops = p->desc->ops;
			cap = sizeof names; /* option names are long: vault_secretid_file */
			if (CAIRN_HAS(ops, config))
				for (const struct cairn_config_key *k = ops->config; k->name; k++)
					append(names, cap, k->name);
			else if (ops->config_keys)
				for (const char *const *k = ops->config_keys; *k; k++)
					append(names, cap, *k);
		}
		if (!names[0])
			snprintf(names, sizeof names, "-");
		features(p->desc, feat, sizeof feat);
		snprintf(abi, sizeof abi, "%u.%u", p->desc->abi_major, p->desc->abi_minor);
		printf("%-40s %-8s %-16s %-16s %-5s %-12s %s\n", p->path,
		       p->desc->kind == CAIRN_PLUGIN_STORAGE ? "storage" : "keys", p->desc->name,
		       names, abi, feat,
		       p->desc->version && *p->desc->version ? p->desc->version : "-");
	}
	for (size_t i = 0; i < cairn_plugins_failed_count(); i++) {
		const struct cairn_plugin_failure *f = cairn_plugins_failed_at(i);
		const char *msg = f->err.msg;
		size_t plen = strlen(f->path);
		/* The loader's messages start "plugin PATH: "; the row names it. */
		if (!strncmp(msg, "plugin ", 7) && !strncmp(msg + 7, f->path, plen) &&
		    !strncmp(msg + 7 + plen, ": ", 2))
			msg += 9 + plen;
		printf("%-40s %-8s %s\n", f->path, "error", msg);
	}
	rc = 0;
out:
	cairn_opts_clear(&o);
	return rc;
}
