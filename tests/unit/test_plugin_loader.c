/* The loader accepts a good plugin and refuses, naming the file, a wrong ABI
 * major, a missing entry symbol and a scheme claimed twice. */
#include "check.h"
#include "plugin/loader.h"

static void loads_good_plugin_and_finds_it_by_scheme(void)
{
	cairn_err err = {0};
	CHECK(cairn_plugins_load(TP_DIR "/good", &err) == 0);
	const struct cairn_loaded_plugin *p = cairn_plugins_for_scheme("azblob");
	CHECK(p != NULL);
	CHECK_STR(p ? p->desc->name : NULL, "tp-good");
	CHECK(cairn_plugins_for_scheme("s3") == NULL);
	char *list = cairn_plugins_scheme_list();
	CHECK_STR(list, "azblob");
	free(list);
	cairn_plugins_unload();
}

static void refuses_wrong_abi_major_naming_file_and_versions(void)
{
	cairn_err err = {0};
	CHECK(cairn_plugins_load(TP_DIR "/wrongabi", &err) == -1);
	CHECK_CONTAINS(err.msg, "tp-wrongabi.so");
	CHECK_CONTAINS(err.msg, "ABI 2.7");
	CHECK_CONTAINS(err.msg, "ABI 1.");
	CHECK(cairn_plugins_count() == 0);
	cairn_plugins_unload();
}

static void refuses_missing_entry_symbol_naming_file(void)
{
	cairn_err err = {0};
	CHECK(cairn_plugins_load(TP_DIR "/noentry", &err) == -1);
	CHECK_CONTAINS(err.msg, "tp-noentry.so");
	CHECK_CONTAINS(err.msg, "cairn_plugin_entry");
	cairn_plugins_unload();
}

static void refuses_duplicate_scheme_naming_both_files(void)
{
	cairn_err err = {0};
	CHECK(cairn_plugins_load(TP_DIR "/dup", &err) == -1);
	CHECK_CONTAINS(err.msg, "tp-dup-a.so");
	CHECK_CONTAINS(err.msg, "tp-dup-b.so");
	CHECK_CONTAINS(err.msg, "\"gcs\"");
	cairn_plugins_unload();
}

static void unknown_scheme_error_lists_loaded_schemes(void)
{
	cairn_err err = {0};
	struct cairn_store_loc loc;
	CHECK(cairn_plugins_load(REAL_PLUGIN_DIR, &err) == 0);
	CHECK(cairn_location_open("ftp://host/x", NULL, &loc, &err) == -1);
	CHECK_CONTAINS(err.msg, "no storage plugin handles scheme \"ftp\" (have: file");
	CHECK(cairn_location_open("relative/dir", NULL, &loc, &err) == -1);
	CHECK_CONTAINS(err.msg, "absolute path");
	cairn_plugins_unload();
}

static void missing_plugin_directory_is_a_clear_error(void)
{
	cairn_err err = {0};
	CHECK(cairn_plugins_load(TP_DIR "/does-not-exist", &err) == -1);
	CHECK_CONTAINS(err.msg, "cannot open plugin directory");
	CHECK_CONTAINS(err.msg, "--plugin_dir");
}

int main(void)
{
	loads_good_plugin_and_finds_it_by_scheme();
	refuses_wrong_abi_major_naming_file_and_versions();
	refuses_missing_entry_symbol_naming_file();
	refuses_duplicate_scheme_naming_both_files();
	unknown_scheme_error_lists_loaded_schemes();
	missing_plugin_directory_is_a_clear_error();
	CHECK_DONE();
}
