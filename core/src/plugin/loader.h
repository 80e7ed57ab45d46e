/* loader.h — the plugin registry: find *.so files in the plugin directory,
 * dlopen, check the ABI, register storage plugins by scheme and key providers
 * by name. Built once at start; read-only afterwards. */
#ifndef CAIRN_PLUGIN_LOADER_H
#define CAIRN_PLUGIN_LOADER_H
#include <cairn/keys.h>
#include <cairn/storage.h>

struct cairn_loaded_plugin {
	char *path;                      /* the .so file */
	const struct cairn_plugin *desc; /* as the plugin returned it */
	void *dl;
};

/* The default plugin directory: ../lib/cairn/plugins relative to the running
 * executable (/proc/self/exe). malloc'd. */
char *cairn_default_plugin_dir(void);
/* Loads every *.so in dir. An error in any plugin (wrong ABI major, no entry
 * symbol, dlopen failure, a scheme claimed twice) fails the whole load with a
 * message naming the file. */
int cairn_plugins_load(const char *dir, cairn_err *err);
/* Loads one file (used by the loader and by tests). */
int cairn_plugins_load_file(const char *path, cairn_err *err);
void cairn_plugins_unload(void);
size_t cairn_plugins_count(void);
const struct cairn_loaded_plugin *cairn_plugins_at(size_t i);
/* The storage plugin for a scheme, or NULL. */
const struct cairn_loaded_plugin *cairn_plugins_for_scheme(const char *scheme);
/* "file, minio, s3": every scheme loaded, sorted, for error messages. malloc'd. */
char *cairn_plugins_scheme_list(void);

/* A storage location opened through its plugin. */
struct cairn_store_loc {
	const struct cairn_storage_ops *ops;
	struct cairn_storage *st;
	struct cairn_uri *uri;
	const char *plugin_name;
};
/* Parses location, picks the plugin by scheme ("error: no storage plugin
 * handles scheme ..."), opens it. params as for cairn_storage_ops.open. */
int cairn_location_open(const char *location, const struct cairn_kv *params,
			struct cairn_store_loc *out, cairn_err *err);
void cairn_location_close(struct cairn_store_loc *loc);
/* Reads a whole (small) object into memory, at most max bytes. */
int cairn_location_read_all(struct cairn_store_loc *loc, const char *name, size_t max,
			    char **data, size_t *len, cairn_err *err);
/* Writes a whole (small) object. */
int cairn_location_write_all(struct cairn_store_loc *loc, const char *name, const void *data,
			     size_t len, cairn_err *err);
#endif
