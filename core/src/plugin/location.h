/* location.h — a storage location opened through its plugin, and the host's
 * side of the storage ABI: every call the core makes on a location that
 * needs a version check or a fallback (list, ranged read) goes through here,
 * so the rest of the core never looks at a plugin's ABI minor. */
#ifndef CAIRN_PLUGIN_LOCATION_H
#define CAIRN_PLUGIN_LOCATION_H
#include "plugin/loader.h"

struct cairn_store_loc {
	const struct cairn_storage_ops *ops;
	struct cairn_storage *st;
	struct cairn_uri *uri;
	const char *plugin_name;
	uint32_t abi_minor; /* the plugin's, for the few calls whose shape changed */
};
/* Parses location, picks the plugin by scheme ("error: no storage plugin
 * handles scheme ..."), opens it. params as for cairn_storage_ops.open. */
int cairn_location_open(const char *location, const struct cairn_kv *params,
			struct cairn_store_loc *out, cairn_err *err);
void cairn_location_close(struct cairn_store_loc *loc);
/* Lists every object under prefix: cb as cairn_list_cb (0 on, 1 stop, -1
 * fail with err). Returns 0, or -1 with the plugin's or the callback's
 * error. Works with plugins of every 1.x. */
int cairn_location_list(struct cairn_store_loc *loc, const char *prefix, cairn_list_cb cb,
			void *ctx, cairn_err *err);
/* The names of the objects under prefix for which keep (may be NULL: all)
 * answers 1, in the plugin's listing order; cairn_names_clear frees them. */
struct cairn_names {
	char **v;
	size_t n;
};
int cairn_location_names(struct cairn_store_loc *loc, const char *prefix,
			 int (*keep)(const char *name), struct cairn_names *out, cairn_err *err);
void cairn_names_clear(struct cairn_names *ns);
/* Reads a whole (small) object into memory, at most max bytes. */
int cairn_location_read_all(struct cairn_store_loc *loc, const char *name, size_t max, char **data,
			    size_t *len, cairn_err *err);
/* Writes a whole (small) object. */
int cairn_location_write_all(struct cairn_store_loc *loc, const char *name, const void *data,
			     size_t len, cairn_err *err);

/* A reader of part of an object: length bytes from offset (length 0: to
 * the end). Through the plugin's read_open_range when it has one, otherwise
 * a whole-object reader that skips to offset and stops after length. */
struct cairn_range_reader;
int cairn_location_read_open_range(struct cairn_store_loc *loc, const char *name, uint64_t offset,
				   uint64_t length, struct cairn_range_reader **out,
				   cairn_err *err);
/* Bytes read (> 0), 0 at the end of the range, -1 on error. */
ssize_t cairn_range_read(struct cairn_range_reader *r, void *buf, size_t len, cairn_err *err);
void cairn_range_reader_close(struct cairn_range_reader *r);
/* Whether r is the plugin's own ranged reader (1) or the fallback (0). */
int cairn_range_reader_native(const struct cairn_range_reader *r);
#endif
