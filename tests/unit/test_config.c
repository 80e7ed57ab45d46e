/* ini + flags: flags override the file, the file overrides defaults, and
 * mistakes are named; a table with the key-provider entry takes the loaded
 * providers' options (from the plugins, not from the core). */
#include <stdio.h>

#include "check.h"
#include "config.h"
#include "keysel.h"
#include "plugin/loader.h"

static const struct cairn_flag flags[] = {
    {"http", 0, "localhost:8080", "addr", 0},
    {"postings", 'p', "p", "dir", 0},
    {"force_zero", 0, "true", "bool", CAIRN_FLAG_BOOL},
    {"backup_num", 0, NULL, "n", 0},
    {NULL, 0, NULL, NULL, 0},
};

static const char *write_ini(const char *name, const char *text)
{
	static char path[512];
	snprintf(path, sizeof path, "%s/%s", TEST_TMP, name);
	FILE *f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
	return path;
}

static void flags_override_file_which_overrides_defaults(void)
{
	const char *ini = write_ini("c1.ini", "[alpha]\nhttp = 0.0.0.0:9000\npostings = /data/p\n"
					      "[s3]\nca_file = /etc/ca.pem\n");
	char *argv[] = {"alpha", "--config", (char *)ini, "-p", "/fast/p", NULL};
	struct cairn_opts o;
	cairn_err err = {0};
	CHECK(cairn_opts_parse("alpha", NULL, flags, 5, argv, &o, &err) == 0);
	CHECK_STR(cairn_opt(&o, "http"), "0.0.0.0:9000");
	CHECK_STR(cairn_opt(&o, "postings"), "/fast/p");
	CHECK_STR(cairn_opt(&o, "force_zero"), "true");
	CHECK(cairn_opt(&o, "backup_num") == NULL);
	/* plugins see other sections through the host table */
	CHECK_STR(cairn_config_get("s3", "ca_file"), "/etc/ca.pem");
	CHECK_STR(cairn_config_get("alpha", "postings"), "/fast/p");
	CHECK_STR(cairn_kv_get(o.kv, "http"), "0.0.0.0:9000");
	cairn_opts_clear(&o);
}

static void bool_flags_take_equals_or_bare(void)
{
	char *argv[] = {"restore", "--force_zero=false", "--http=h:1", NULL};
	struct cairn_opts o;
	cairn_err err = {0};
	CHECK(cairn_opts_parse("restore", NULL, flags, 3, argv, &o, &err) == 0);
	CHECK(cairn_opt_bool(&o, "force_zero") == 0);
	CHECK_STR(cairn_opt(&o, "http"), "h:1");
	cairn_opts_clear(&o);
	char *argv2[] = {"restore", "--force_zero", NULL};
	CHECK(cairn_opts_parse("restore", NULL, flags, 2, argv2, &o, &err) == 0);
	CHECK(cairn_opt_bool(&o, "force_zero") == 1);
	cairn_opts_clear(&o);
}

static void mistakes_are_named(void)
{
	struct cairn_opts o;
	cairn_err err = {0};
	char *a1[] = {"alpha", "--htp", "x", NULL};
	CHECK(cairn_opts_parse("alpha", NULL, flags, 3, a1, &o, &err) == -1);
	CHECK_CONTAINS(err.msg, "unknown flag --htp");
	cairn_opts_clear(&o);
	char *a2[] = {"alpha", "--force_zero=maybe", NULL};
	CHECK(cairn_opts_parse("alpha", NULL, flags, 2, a2, &o, &err) == -1);
	CHECK_CONTAINS(err.msg, "wants true or false");
	cairn_opts_clear(&o);
	char *a3[] = {"alpha", "--postings", NULL};
	CHECK(cairn_opts_parse("alpha", NULL, flags, 2, a3, &o, &err) == -1);
	CHECK_CONTAINS(err.msg, "needs a value");
	cairn_opts_clear(&o);
	const char *bad = write_ini("c2.ini", "[alpha]\nhttp 0.0.0.0\n");
	char *a4[] = {"alpha", "--config", (char *)bad, NULL};
	CHECK(cairn_opts_parse("alpha", NULL, flags, 3, a4, &o, &err) == -1);
	CHECK_CONTAINS(err.msg, "line 2");
	cairn_opts_clear(&o);
	const char *typo = write_ini("c3.ini", "[alpha]\npostngs = /x\n");
	char *a5[] = {"alpha", "--config", (char *)typo, NULL};
	CHECK(cairn_opts_parse("alpha", NULL, flags, 3, a5, &o, &err) == -1);
	CHECK_CONTAINS(err.msg, "unknown key \"postngs\" in [alpha]");
	cairn_opts_clear(&o);
	char *a6[] = {"alpha", "--config", TEST_TMP "/nope.ini", NULL};
	CHECK(cairn_opts_parse("alpha", NULL, flags, 3, a6, &o, &err) == -1);
	CHECK_CONTAINS(err.msg, "cannot read config file");
	cairn_opts_clear(&o);
	uint64_t n;
	char *a7[] = {"alpha", "--backup_num", "-3", NULL};
	CHECK(cairn_opts_parse("alpha", NULL, flags, 3, a7, &o, &err) == 0);
	CHECK(cairn_opt_u64(&o, "backup_num", &n, &err) == -1);
	CHECK_CONTAINS(err.msg, "non-negative number");
	cairn_opts_clear(&o);
}

static const struct cairn_flag verify_flags[] = {
    {"location", 'l', NULL, "where", 0},
    CAIRN_KEY_FLAGS,
    {NULL, 0, NULL, NULL, 0},
};

static void key_provider_options_come_from_the_plugins(void)
{
	const char *dir = getenv("CAIRN_PLUGIN_DIR");
	const char *ini = write_ini("c3.ini", "[verify]\nvault_field = k2\n");
	char *argv[] = {
	    "verify",	    "--plugin_dir",	    (char *)dir, "--config", (char *)ini,
	    "--vault_addr", "http://10.0.0.1:8200", NULL};
	struct cairn_opts o;
	cairn_err err = {0};
	CHECK(dir != NULL);
	if (!dir)
		return;
	CHECK(cairn_opts_parse_keyed("verify", NULL, verify_flags, 7, argv, &o, &err) == 0);
	CHECK_STR(cairn_opt(&o, "vault_addr"), "http://10.0.0.1:8200"); /* flag */
	CHECK_STR(cairn_opt(&o, "vault_field"), "k2");			/* ini */
	CHECK_STR(cairn_opt(&o, "vault_path"), "secret/data/cairn");	/* plugin's default */
	CHECK_STR(cairn_opt(&o, "vault_format"), "base64");
	CHECK(cairn_opt(&o, "encryption_key_file") == NULL);
	CHECK_STR(cairn_kv_get(o.kv, "vault_addr"), "http://10.0.0.1:8200");
	cairn_opts_clear(&o);

	/* The same directory again: the plugins are not loaded twice. */
	char *bad[] = {"verify", "--plugin_dir", (char *)dir, "--vault_adr", "x", NULL};
	CHECK(cairn_opts_parse_keyed("verify", NULL, verify_flags, 5, bad, &o, &err) == -1);
	CHECK_CONTAINS(err.msg, "unknown flag --vault_adr");
	cairn_opts_clear(&o);

	/* Without the plugins there are no such flags. */
	cairn_plugins_unload();
	char *none[] = {"verify", "--plugin_dir", TEST_TMP "/no-plugins-here", "--vault_addr", "x",
			NULL};
	CHECK(cairn_opts_parse_keyed("verify", NULL, verify_flags, 5, none, &o, &err) == -1);
	CHECK_CONTAINS(err.msg, "cannot open plugin directory");
	cairn_opts_clear(&o);
	cairn_plugins_unload();
}

/* The other command-line mistakes, each named: --config without a file, an
 * unknown short flag, a bare argument, a number flag left empty; and the
 * prescan finds a flag's last value in either spelling. */
static void command_line_mistakes_are_named(void)
{
	struct cairn_opts o;
	cairn_err err = {0};
	char *a1[] = {"alpha", "--config", NULL};
	CHECK(cairn_opts_parse("alpha", NULL, flags, 2, a1, &o, &err) == -1);
	CHECK_STR(err.msg, "--config needs a file name");
	cairn_opts_clear(&o);
	char *a2[] = {"alpha", "-x", "1", NULL};
	CHECK(cairn_opts_parse("alpha", NULL, flags, 3, a2, &o, &err) == -1);
	CHECK_STR(err.msg, "unknown flag -x for cairn alpha (see cairn alpha --help)");
	cairn_opts_clear(&o);
	char *a3[] = {"alpha", "stray", NULL};
	CHECK(cairn_opts_parse("alpha", NULL, flags, 2, a3, &o, &err) == -1);
	CHECK_STR(err.msg, "unexpected argument \"stray\" for cairn alpha (flags start with --)");
	cairn_opts_clear(&o);
	uint64_t n = 7;
	char *a4[] = {"alpha", "--backup_num=", NULL};
	CHECK(cairn_opts_parse("alpha", NULL, flags, 2, a4, &o, &err) == 0);
	CHECK(cairn_opt_u64(&o, "backup_num", &n, &err) == -1);
	CHECK_STR(err.msg, "flag --backup_num needs a number");
	CHECK(n == 7);
	cairn_opts_clear(&o);
	char *a5[] = {"alpha", "--plugin_dir=/a", "--http", "h:1", "--plugin_dir", "/b", NULL};
	CHECK_STR(cairn_opts_prescan(6, a5, "plugin_dir"), "/b");
	char *a6[] = {"alpha", "--plugin_dir", "/a", "--plugin_dir=/c", NULL};
	CHECK_STR(cairn_opts_prescan(4, a6, "plugin_dir"), "/c");
	CHECK(cairn_opts_prescan(4, a6, "http") == NULL);
}

int main(void)
{
	command_line_mistakes_are_named();
	flags_override_file_which_overrides_defaults();
	bool_flags_take_equals_or_bare();
	mistakes_are_named();
	key_provider_options_come_from_the_plugins();
	CHECK_DONE();
}
