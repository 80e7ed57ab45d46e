/* jsonfile.h — small durable-file helpers and the exact 64-bit JSON integer rule, shared by zero,
 * alpha, backup and restore. */
#ifndef CAIRN_JSONFILE_H
#define CAIRN_JSONFILE_H
#include <cairn/plugin.h>
#include <cjson/cJSON.h>

/* Writes data to path atomically: temp file, fsync, rename, fsync dir. */
int cairn_write_file_atomic(const char *path, const void *data, size_t len, cairn_err *err);
/* Reads a whole file (at most max bytes); *data NUL-terminated. ENOENT -> 1. */
int cairn_read_file(const char *path, size_t max, char **data, size_t *len, cairn_err *err);
/* Timestamps, uids and sizes on the wire and on disk are exact 64-bit
 * integers. cJSON keeps numbers as doubles, exact only below 2^53, so a u64
 * is written as a JSON number below 2^53 (what every client expects, and
 * all values in practice; its exact digits, kept as a cJSON raw item until
 * printed) and as a string of decimal digits from 2^53 up.
 * Readers take either form; a number of 2^53 or more is refused, since the
 * double it was parsed into may not be the value that was written. */
void cairn_json_add_u64(cJSON *obj, const char *name, uint64_t v);
/* The strict reader: -1 with err naming the field if it is absent, not a
 * whole number from 0 to 2^64-1 in one of the two forms, or inexact. */
int cairn_json_get_u64(const cJSON *obj, const char *name, uint64_t *out, cairn_err *err);
/* The lenient one, for fields with a default: 0 if absent or invalid. */
uint64_t cairn_json_u64(const cJSON *obj, const char *name);
/* The same of a value (an array item); and a u64 as a new JSON value in the
 * form above. */
uint64_t cairn_json_u64_value(const cJSON *v);
cJSON *cairn_json_u64_create(uint64_t v);
#endif
