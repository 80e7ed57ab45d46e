/* config.c — inih for the file, a small flag parser for argv. The merged view
 * is kept for the process so that plugins can look up their own sections
 * ([s3] ca_file...) through the host table. It is built once at start.
 * It knows nothing of plugins: a caller whose flags depend on them (keysel.c)
 * peeks at --config and --plugin_dir first, then parses a longer table. */
#include "config.h"

#include <errno.h>
#include <ini.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

struct ini_entry {
	char *section, *key, *value;
};

static struct ini_entry *ini;
static size_t nini;
static const struct cairn_opts *current;

static int ini_cb(void *user, const char *section, const char *name, const char *value)
{
	(void)user;
	struct ini_entry *n = realloc(ini, (nini + 1) * sizeof *n);
	if (!n)
		return 0;
	ini = n;
	ini[nini].section = strdup(section);
	ini[nini].key = strdup(name);
	ini[nini].value = strdup(value);
	nini++;
	return 1;
}

static const char *ini_get(const char *section, const char *key)
{
	const char *v = NULL;
	for (size_t i = 0; i < nini; i++)
		if (strcmp(ini[i].section, section) == 0 && strcmp(ini[i].key, key) == 0)
			v = ini[i].value; /* the last one wins, as with repeated flags */
	return v;
}

const char *cairn_config_get(const char *section, const char *key)
{
	if (current && strcmp(section, current->section) == 0) {
		const char *v = cairn_opt(current, key);
		if (v)
			return v;
	}
	return ini_get(section, key);
}

/* Reads file into the ini table (replacing what was there). */
static int load_ini(const char *file, cairn_err *err)
{
	for (size_t k = 0; k < nini; k++) {
		free(ini[k].section);
		free(ini[k].key);
		free(ini[k].value);
	}
	nini = 0;
	int line = ini_parse(file, ini_cb, NULL);
	if (line < 0)
		return cairn_err_set(err, "cannot read config file %s: %s", file, strerror(errno));
	if (line > 0)
		return cairn_err_set(err, "config file %s: line %d is not valid ini", file, line);
	return 0;
}

static int flag_index(const struct cairn_flag *flags, const char *name, size_t len)
{
	for (int i = 0; flags[i].name; i++)
		if (strlen(flags[i].name) == len && strncmp(flags[i].name, name, len) == 0)
			return i;
	return -1;
}

/* Does the table take more flags from the plugins (see keysel.h)? */
static int takes_providers(const struct cairn_flag *flags)
{
	for (int i = 0; flags[i].name; i++)
		if (flags[i].flags & CAIRN_FLAG_KEY_PROVIDERS)
			return 1;
	return 0;
}

static int short_index(const struct cairn_flag *flags, char c)
{
	for (int i = 0; flags[i].name; i++)
		if (flags[i].shortopt == c)
			return i;
	return -1;
}

int cairn_parse_bool(const char *s)
{
	if (!s)
		return -1;
	if (!strcasecmp(s, "true") || !strcmp(s, "1") || !strcasecmp(s, "yes") ||
	    !strcasecmp(s, "on"))
		return 1;
	if (!strcasecmp(s, "false") || !strcmp(s, "0") || !strcasecmp(s, "no") ||
	    !strcasecmp(s, "off"))
		return 0;
	return -1;
}

void cairn_opts_print_usage(const char *section, const char *usage, const struct cairn_flag *flags)
{
	printf("usage: cairn %s %s\n\n", section, usage ? usage : "[flags]");
	printf("  --config FILE          ini file; keys in section [%s] have the flags' names\n",
	       section);
	for (int i = 0; flags[i].name; i++) {
		char left[64];
		if (flags[i].shortopt)
			snprintf(left, sizeof left, "-%c, --%s", flags[i].shortopt, flags[i].name);
		else
			snprintf(left, sizeof left, "--%s", flags[i].name);
		printf("  %-22s %s", left, flags[i].help ? flags[i].help : "");
		if (flags[i].def && *flags[i].def)
			printf(" (default %s)", flags[i].def);
		printf("\n");
	}
}

static int set_value(struct cairn_opts *o, int i, const char *v)
{
	free(o->values[i]);
	o->values[i] = strdup(v);
	if (o->flags[i].flags & CAIRN_FLAG_SECRET)
		cairn_add_secret(v, strlen(v));
	return o->values[i] ? 0 : -1;
}

static int parse_table(const char *section, const char *usage, const struct cairn_flag *flags,
		       int argc, char **argv, struct cairn_opts *out, cairn_err *err)
{
	size_t n = 0;
	while (flags[n].name)
		n++;
	memset(out, 0, sizeof *out);
	out->section = section;
	out->flags = flags;
	out->values = calloc(n + 1, sizeof *out->values);
	out->kv = calloc(n + 1, sizeof *out->kv);
	char **cli = calloc(n + 1, sizeof *cli);
	const char *config_file = NULL;
	int rc = -1;
	if (!out->values || !out->kv || !cli) {
		cairn_err_set(err, "out of memory");
		goto out;
	}
	for (int a = 1; a < argc; a++) {
		const char *arg = argv[a];
		if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
			cairn_opts_print_usage(section, usage, flags);
			rc = 1;
			goto out;
		}
		int i;
		const char *val = NULL;
		if (!strncmp(arg, "--", 2)) {
			const char *name = arg + 2, *eq = strchr(name, '=');
			size_t len = eq ? (size_t)(eq - name) : strlen(name);
			if (len == 6 && !strncmp(name, "config", 6)) {
				config_file = eq ? eq + 1 : (a + 1 < argc ? argv[++a] : NULL);
				if (!config_file) {
					cairn_err_set(err, "--config needs a file name");
					goto out;
				}
				continue;
			}
			i = flag_index(flags, name, len);
			if (i < 0) {
				cairn_err_set(
				    err, "unknown flag --%.*s for cairn %s (see cairn %s --help)%s",
				    (int)len, name, section, section,
				    takes_providers(flags) ? "; key-provider flags come from "
							     "the plugins in --plugin_dir"
							   : "");
				goto out;
			}
			if (eq)
				val = eq + 1;
		} else if (arg[0] == '-' && arg[1] && !arg[2]) {
			i = short_index(flags, arg[1]);
			if (i < 0) {
				cairn_err_set(err,
					      "unknown flag %s for cairn %s (see cairn %s --help)",
					      arg, section, section);
				goto out;
			}
		} else {
			cairn_err_set(
			    err, "unexpected argument \"%s\" for cairn %s (flags start with --)",
			    arg, section);
			goto out;
		}
		if (!val) {
			if (flags[i].flags & CAIRN_FLAG_BOOL) {
				if (a + 1 < argc && cairn_parse_bool(argv[a + 1]) >= 0)
					val = argv[++a];
				else
					val = "true";
			} else if (a + 1 < argc) {
				val = argv[++a];
			} else {
				cairn_err_set(err, "flag --%s needs a value", flags[i].name);
				goto out;
			}
		}
		free(cli[i]);
		cli[i] = strdup(val);
	}
	if (config_file) {
		if (load_ini(config_file, err) < 0)
			goto out;
		/* Keys the subcommand does not know are probably typos. */
		for (size_t k = 0; k < nini; k++)
			if (!strcmp(ini[k].section, section) &&
			    flag_index(flags, ini[k].key, strlen(ini[k].key)) < 0 &&
			    strcmp(ini[k].key, "config") != 0) {
				cairn_err_set(err, "config file %s: unknown key \"%s\" in [%s]",
					      config_file, ini[k].key, section);
				goto out;
			}
	}
	for (size_t i = 0; i < n; i++) {
		const char *v = cli[i] ? cli[i] : ini_get(section, flags[i].name);
		if (!v)
			v = flags[i].def;
		if (v && set_value(out, (int)i, v) < 0) {
			cairn_err_set(err, "out of memory");
			goto out;
		}
		if ((flags[i].flags & CAIRN_FLAG_BOOL) && v && cairn_parse_bool(v) < 0) {
			cairn_err_set(err, "flag --%s wants true or false, not \"%s\"",
				      flags[i].name, v);
			goto out;
		}
	}
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (out->values[i]) {
			out->kv[k].key = flags[i].name;
			out->kv[k].value = out->values[i];
			k++;
		}
	current = out;
	rc = 0;
out:
	for (size_t i = 0; i < n; i++)
		free(cli[i]);
	free(cli);
	return rc;
}

/* The value of --NAME in argv (--NAME V or --NAME=V), or NULL. */
const char *cairn_opts_prescan(int argc, char **argv, const char *name)
{
	size_t len = strlen(name);
	const char *v = NULL;
	for (int a = 1; a < argc; a++) {
		const char *arg = argv[a];
		if (strncmp(arg, "--", 2) != 0 || strncmp(arg + 2, name, len) != 0)
			continue;
		if (arg[2 + len] == '=')
			v = arg + 3 + len;
		else if (!arg[2 + len] && a + 1 < argc)
			v = argv[++a];
	}
	return v; /* the last one wins, as in the parse proper */
}

int cairn_opts_load_file(int argc, char **argv, cairn_err *err)
{
	const char *config_file = cairn_opts_prescan(argc, argv, "config");
	return config_file ? load_ini(config_file, err) : 0;
}

const char *cairn_opts_file_value(const char *section, const char *key)
{
	return ini_get(section, key);
}

int cairn_opts_wants_help(int argc, char **argv)
{
	for (int a = 1; a < argc; a++)
		if (!strcmp(argv[a], "--help") || !strcmp(argv[a], "-h"))
			return 1;
	return 0;
}

int cairn_opts_parse(const char *section, const char *usage, const struct cairn_flag *flags,
		     int argc, char **argv, struct cairn_opts *out, cairn_err *err)
{
	return parse_table(section, usage, flags, argc, argv, out, err);
}

void cairn_opts_clear(struct cairn_opts *o)
{
	if (!o->values) {
		free(o->merged);
		o->merged = NULL;
		return;
	}
	if (current == o)
		current = NULL;
	for (size_t i = 0; o->flags[i].name; i++)
		free(o->values[i]);
	free(o->values);
	free(o->kv);
	free(o->merged);
	o->values = NULL;
	o->kv = NULL;
	o->merged = NULL;
	o->flags = NULL;
}

const char *cairn_opt(const struct cairn_opts *o, const char *name)
{
	int i = flag_index(o->flags, name, strlen(name));
	return i < 0 ? NULL : o->values[i];
}

int cairn_opt_bool(const struct cairn_opts *o, const char *name)
{
	return cairn_parse_bool(cairn_opt(o, name));
}

int cairn_opt_u64(const struct cairn_opts *o, const char *name, uint64_t *out, cairn_err *err)
{
	const char *v = cairn_opt(o, name);
	char *end;
	if (!v || !*v)
		return cairn_err_set(err, "flag --%s needs a number", name);
	errno = 0;
	unsigned long long x = strtoull(v, &end, 0);
	if (errno || *end || v[0] == '-')
		return cairn_err_set(err, "flag --%s wants a non-negative number, not \"%s\"", name,
				     v);
	*out = x;
	return 0;
}
