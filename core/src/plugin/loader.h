/* loader.h — the plugin registry: find *.so files in the plugin directory,
 * dlopen, check the ABI, register storage plugins by scheme and key providers
 * by name. Built once at start; read-only afterwards.
 *
 * A plugin is accepted if its ABI major is the host's and its tables are at
 * least as large as ABI 1.0 laid them out (a later minor only appends);
 * a storage plugin must set every required op, a key provider selected and
 * get_key. Opening a location and using it: plugin/location.h. */
#ifndef CAIRN_PLUGIN_LOADER_H
#define CAIRN_PLUGIN_LOADER_H
#include <cairn/keys.h>
#include <cairn/storage.h>

struct cairn_loaded_plugin {
	char *path;			 /* the .so file */
	const struct cairn_plugin *desc; /* as the plugin returned it */
	void *dl;
};

/* The default plugin directory: ../lib/cairn/plugins relative to the running
 * executable (/proc/self/exe). malloc'd. */
char *cairn_default_plugin_dir(void);
/* Loads every *.so in dirs (one directory, or several joined by ':'). An
 * error in any plugin (wrong ABI major, no entry symbol, dlopen failure, a
 * missing required op, a scheme claimed twice) fails the whole load with a
 * message naming the file. */
int cairn_plugins_load(const char *dirs, cairn_err *err);
/* As cairn_plugins_load_once, but a file that does not load is recorded
 * (cairn_plugins_failed_at) and the others load: for `cairn plugins`. Fails
 * only when a directory cannot be read. */
int cairn_plugins_load_lenient(const char *dir, cairn_err *err);
struct cairn_plugin_failure {
	char *path;
	cairn_err err;
};
size_t cairn_plugins_failed_count(void);
const struct cairn_plugin_failure *cairn_plugins_failed_at(size_t i);
/* Loads dir (NULL or "": the default) unless it is already loaded: the
 * subcommands load while parsing their flags (key-provider flags come from
 * the plugins) and again when they start. */
int cairn_plugins_load_once(const char *dir, cairn_err *err);
/* Loads one file (used by the loader and by tests). */
int cairn_plugins_load_file(const char *path, cairn_err *err);
/* Calls each plugin's fini (ABI 1.1, if set), then forgets them all. */
void cairn_plugins_unload(void);
size_t cairn_plugins_count(void);
const struct cairn_loaded_plugin *cairn_plugins_at(size_t i);
/* The storage plugin for a scheme, or NULL. */
const struct cairn_loaded_plugin *cairn_plugins_for_scheme(const char *scheme);
/* "file, minio, s3": every scheme loaded, sorted, for error messages. malloc'd. */
char *cairn_plugins_scheme_list(void);
#endif
