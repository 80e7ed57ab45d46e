/* config.h — ini file (inih) + command-line flags, one merged view.
 * Flags override the file; the file overrides defaults. A key in section
 * [alpha] has the flag's name (long form). */
#ifndef CAIRN_CONFIG_H
#define CAIRN_CONFIG_H
#include <cairn/plugin.h>

enum {
	CAIRN_FLAG_BOOL = 1,
	CAIRN_FLAG_SECRET = 2,
	/* On --plugin_dir (keysel.h's CAIRN_KEY_FLAGS): more flags of this
	 * table come from the plugins (cairn_opts_parse_keyed adds them); an
	 * unknown flag's error says so. */
	CAIRN_FLAG_KEY_PROVIDERS = 4,
};

struct cairn_flag {
	const char *name; /* long name, also the ini key */
	char shortopt;	  /* 'p' for -p, or 0 */
	const char *def;  /* default value or NULL */
	const char *help;
	unsigned flags;
};

struct cairn_opts {
	const char *section;
	const struct cairn_flag *flags; /* terminated by {NULL} */
	char **values;			/* one per flag, NULL if unset and no default */
	struct cairn_kv *kv;		/* the same as a kv list, for plugins */
	struct cairn_flag *merged;	/* a table the caller built and handed over; freed with o */
};

/* Parses argv (argv[0] is the subcommand) and --config FILE. Returns 0, 1 if
 * --help was printed (caller exits 0), or -1 with err set. */
int cairn_opts_parse(const char *section, const char *usage, const struct cairn_flag *flags,
		     int argc, char **argv, struct cairn_opts *out, cairn_err *err);
/* For a caller that must know a value before it knows its whole table: the
 * last --name VALUE or --name=VALUE in argv, or NULL. */
const char *cairn_opts_prescan(int argc, char **argv, const char *name);
/* Loads the --config file of argv, if any (again: parsing reads it too). */
int cairn_opts_load_file(int argc, char **argv, cairn_err *err);
/* A key of the loaded config file's [section], or NULL. */
const char *cairn_opts_file_value(const char *section, const char *key);
int cairn_opts_wants_help(int argc, char **argv);
void cairn_opts_print_usage(const char *section, const char *usage, const struct cairn_flag *flags);
void cairn_opts_clear(struct cairn_opts *o);
const char *cairn_opt(const struct cairn_opts *o, const char *name);
/* Boolean value: "true/1/yes/on" or "false/0/no/off"; -1 if unparseable. */
int cairn_opt_bool(const struct cairn_opts *o, const char *name);
int cairn_parse_bool(const char *s);
/* Integer value with range check; returns -1 with err naming the flag. */
int cairn_opt_u64(const struct cairn_opts *o, const char *name, uint64_t *out, cairn_err *err);

/* Host service: section/key from the merged view (flags of the running
 * subcommand's section, then the ini file). */
const char *cairn_config_get(const char *section, const char *key);
#endif
