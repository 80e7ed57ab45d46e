/* plugin.h — the cairn plugin ABI: one exported entry function, a versioned
 * descriptor, and the host's services passed in as a table.
 *
 * A plugin exports exactly one symbol, CAIRN_PLUGIN_ENTRY_NAME, of type
 * cairn_plugin_entry_fn. It returns a pointer to a const descriptor that lives
 * for the life of the process. The host refuses a descriptor whose abi_major
 * differs from its own, and reads only the first struct_size bytes of it, so
 * later ABI minors may append fields (SQLite's sqlite3_vfs habit).
 *
 * Plugins never link against the cairn binary: everything they need from the
 * host comes through struct cairn_host, handed to init(). */
#ifndef CAIRN_PLUGIN_H
#define CAIRN_PLUGIN_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CAIRN_ABI_MAJOR 1
#define CAIRN_ABI_MINOR 0
#define CAIRN_PLUGIN_ENTRY_NAME "cairn_plugin_entry"

#if defined(__GNUC__)
#define CAIRN_EXPORT __attribute__((visibility("default")))
#define CAIRN_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define CAIRN_EXPORT
#define CAIRN_PRINTF(a, b)
#endif

enum cairn_plugin_kind {
	CAIRN_PLUGIN_STORAGE = 1,
	CAIRN_PLUGIN_KEYS = 2,
};

enum cairn_log_level {
	CAIRN_LOG_ERROR = 0,
	CAIRN_LOG_WARN = 1,
	CAIRN_LOG_INFO = 2,
	CAIRN_LOG_DEBUG = 3,
};

/* What kind of failure an error is, so a caller can act on it (retry a
 * transient one, report a missing object as such) without parsing the text. */
enum cairn_err_code {
	CAIRN_E_OTHER = 0,
	CAIRN_E_NOTFOUND = 1,   /* no such object, bucket, path or secret */
	CAIRN_E_PERMISSION = 2, /* authenticated, but not allowed */
	CAIRN_E_AUTH = 3,       /* credentials missing or wrong */
	CAIRN_E_TRANSIENT = 4,  /* may succeed if tried again (timeouts, 5xx, resets) */
	CAIRN_E_CORRUPT = 5,    /* data is damaged: a bad checksum, MAC or format */
};

/* An error travels as one human sentence: lower-case, no trailing period,
 * naming what was wrong and what to do, plus a code. Every fallible call
 * takes one; the caller zeroes it first (a plugin built for ABI 1.0 that
 * only writes msg leaves the code CAIRN_E_OTHER). */
typedef struct cairn_err {
	char msg[1024];
	int code; /* enum cairn_err_code */
} cairn_err;

static inline CAIRN_PRINTF(3, 0) void cairn_err_vsetc(cairn_err *e, int code, const char *fmt,
						       va_list ap)
{
	if (e) {
		vsnprintf(e->msg, sizeof e->msg, fmt, ap);
		e->code = code;
	}
}

/* Sets the message (code CAIRN_E_OTHER); returns -1 for `return cairn_err_set(...)`. */
static inline CAIRN_PRINTF(2, 3) int cairn_err_set(cairn_err *e, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	cairn_err_vsetc(e, CAIRN_E_OTHER, fmt, ap);
	va_end(ap);
	return -1;
}

/* Sets the message and its code; returns -1. */
static inline CAIRN_PRINTF(3, 4) int cairn_err_setc(cairn_err *e, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	cairn_err_vsetc(e, code, fmt, ap);
	va_end(ap);
	return -1;
}

/* Wraps an error in context: "<prefix>: <message so far>", keeping its code.
 * The only safe way to add context (formatting e->msg into itself is
 * undefined behaviour). Returns -1. */
static inline CAIRN_PRINTF(2, 3) int cairn_err_prefix(cairn_err *e, const char *fmt, ...)
{
	if (e) {
		char inner[sizeof e->msg];
		size_t n, in_len = strlen(e->msg);
		va_list ap;
		memcpy(inner, e->msg, in_len + 1);
		va_start(ap, fmt);
		vsnprintf(e->msg, sizeof e->msg, fmt, ap);
		va_end(ap);
		n = strlen(e->msg);
		if (in_len && n + 3 < sizeof e->msg) {
			size_t room = sizeof e->msg - n - 3;
			memcpy(e->msg + n, ": ", 2);
			if (in_len > room)
				in_len = room;
			memcpy(e->msg + n + 2, inner, in_len);
			e->msg[n + 2 + in_len] = 0;
		}
	}
	return -1;
}

/* A NULL-terminated list of key/value pairs: plugin parameters and config. */
struct cairn_kv {
	const char *key;
	const char *value;
};

static inline const char *cairn_kv_get(const struct cairn_kv *kv, const char *key)
{
	for (; kv && kv->key; kv++) {
		const char *a = kv->key, *b = key;
		while (*a && *a == *b) {
			a++;
			b++;
		}
		if (*a == *b)
			return kv->value;
	}
	return NULL;
}

/* The host's services. Append-only; check struct_size before using a field
 * added after ABI 1.0. */
struct cairn_host {
	uint32_t abi_major;
	uint32_t abi_minor;
	uint32_t struct_size;
	const char *version; /* cairn's version string */
	/* Log a line under the plugin's name. Registered secrets are scrubbed. */
	void (*log)(int level, const char *plugin, const char *fmt, ...) CAIRN_PRINTF(3, 4);
	/* Register a secret (key, password, token) so that no log line or error
	 * message the host prints ever shows it. */
	void (*add_secret)(const void *secret, size_t len);
	/* The merged configuration (flags over ini over defaults) of the running
	 * subcommand: section is "alpha", "restore", "s3", "minio", ... NULL if unset. */
	const char *(*config_get)(const char *section, const char *key);
};

struct cairn_plugin {
	uint32_t abi_major;   /* CAIRN_ABI_MAJOR at the plugin's build */
	uint32_t abi_minor;   /* CAIRN_ABI_MINOR at the plugin's build */
	uint32_t struct_size; /* sizeof(struct cairn_plugin) at the plugin's build */
	uint32_t kind;        /* enum cairn_plugin_kind */
	const char *name;     /* "storage-s3" */
	const char *version;  /* the plugin's own version, free form */
	/* storage: URI schemes handled ("s3", NULL-terminated); keys: NULL */
	const char *const *schemes;
	/* Called once after loading, before any op. May be NULL. Returns 0 or -1. */
	int (*init)(const struct cairn_host *host, cairn_err *err);
	/* struct cairn_storage_ops or struct cairn_keys_ops, per kind */
	const void *ops;
};

typedef const struct cairn_plugin *(*cairn_plugin_entry_fn)(void);

/* The one symbol a plugin exports (its prototype, so that a plugin's
 * definition is checked against it). */
CAIRN_EXPORT const struct cairn_plugin *cairn_plugin_entry(void);

#ifdef __cplusplus
}
#endif
#endif
