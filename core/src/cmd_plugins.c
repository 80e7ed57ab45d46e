/* cmd_plugins.c — `cairn plugins`: what was loaded, from where. */
#include <stdio.h>
#include <stdlib.h>

#include "commands.h"
#include "config.h"
#include "log.h"
#include "plugin/loader.h"

int cairn_load_plugins_from(const char *plugin_dir)
{
	cairn_err err = {0};
	char *dflt = plugin_dir && *plugin_dir ? NULL : cairn_default_plugin_dir();
	int rc = cairn_plugins_load(dflt ? dflt : plugin_dir, &err);
	free(dflt);
	if (rc < 0)
		cairn_print_error(err.msg);
	return rc;
}

static const struct cairn_flag flags[] = {
	{"plugin_dir", 0, NULL, "directory of *.so plugins (default ../lib/cairn/plugins next to cairn)", 0},
	{NULL, 0, NULL, NULL, 0},
};

int cairn_cmd_plugins(int argc, char **argv)
{
	struct cairn_opts o;
	cairn_err err = {0};
	int rc = cairn_opts_parse("plugins", NULL, flags, argc, argv, &o, &err);
	if (rc != 0) {
		if (rc < 0)
			cairn_print_error(err.msg);
		cairn_opts_free(&o);
		return rc < 0 ? 2 : 0;
	}
	rc = 1;
	if (cairn_load_plugins_from(cairn_opt(&o, "plugin_dir")) < 0)
		goto out;
	printf("%-40s %-8s %-16s %-16s %s\n", "FILE", "KIND", "NAME", "SCHEMES", "ABI");
	for (size_t i = 0; i < cairn_plugins_count(); i++) {
		const struct cairn_loaded_plugin *p = cairn_plugins_at(i);
		char schemes[128] = "-";
		size_t off = 0;
		if (p->desc->schemes)
			for (const char *const *s = p->desc->schemes; *s; s++)
				off += (size_t)snprintf(schemes + off, sizeof schemes - off, "%s%s",
							off ? "," : "", *s);
		printf("%-40s %-8s %-16s %-16s %u.%u\n", p->path,
		       p->desc->kind == CAIRN_PLUGIN_STORAGE ? "storage" : "keys", p->desc->name,
		       schemes, p->desc->abi_major, p->desc->abi_minor);
	}
	rc = 0;
out:
	cairn_opts_free(&o);
	return rc;
}
