/* jsonfile.h — small durable-file helpers shared by zero, alpha and restore. */
#ifndef CAIRN_JSONFILE_H
#define CAIRN_JSONFILE_H
#include <cairn/plugin.h>
#include <cjson/cJSON.h>

/* Writes data to path atomically: temp file, fsync, rename, fsync dir. */
int cairn_write_file_atomic(const char *path, const void *data, size_t len, cairn_err *err);
/* Reads a whole file (at most max bytes); *data NUL-terminated. ENOENT -> 1. */
int cairn_read_file(const char *path, size_t max, char **data, size_t *len, cairn_err *err);
/* Reads a u64 member of a JSON object; 0 if absent or not a number. */
uint64_t cairn_json_u64(const cJSON *obj, const char *name);
/* The same of a value (an array item); and a u64 as a new JSON value. */
uint64_t cairn_json_u64_value(const cJSON *v);
cJSON *cairn_json_u64_create(uint64_t v);
/* Adds a u64 as a JSON number (exact below 2^53, which timestamps and uids stay under). */
void cairn_json_add_u64(cJSON *obj, const char *name, uint64_t v);
#endif
