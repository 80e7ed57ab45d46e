/* plugin.h — the cairn plugin ABI: one exported entry function, a versioned
 * descriptor, and the host's services passed in as a table.
 *
 * A plugin exports exactly one symbol, CAIRN_PLUGIN_ENTRY_NAME, of type
 * cairn_plugin_entry_fn; CAIRN_PLUGIN_DEFINE(descriptor) writes it. It returns
 * a pointer to a const descriptor that lives for the life of the process.
 *
 * Growing the ABI (SQLite's sqlite3_vfs habit): every table (descriptor, ops,
 * host) starts with or carries its struct_size, and a minor version only
 * ever appends fields. The host refuses a descriptor whose abi_major differs
 * from its own, accepts any table at least as large as ABI 1.0 laid it out
 * (CAIRN_*_SIZE_1_0), and touches a field added after 1.0 only through
 * CAIRN_HAS(table, field), falling back when it is absent. A plugin reading
 * the host table does the same.
 *
 *   ABI 1.0  the first release
 *   ABI 1.1  descriptor: fini. storage ops: features, read_open_range; the
 *            list callback may fail (its own cairn_err). keys ops: config
 *            (flags with help text and defaults). cairn_err: code.
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
#define CAIRN_ABI_MINOR 1
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
	CAIRN_E_NOTFOUND = 1,	/* no such object, bucket, path or secret */
	CAIRN_E_PERMISSION = 2, /* authenticated, but not allowed */
	CAIRN_E_AUTH = 3,	/* credentials missing or wrong */
	CAIRN_E_TRANSIENT = 4,	/* may succeed if tried again (timeouts, 5xx, resets) */
	CAIRN_E_CORRUPT = 5,	/* data is damaged: a bad checksum, MAC or format */
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

/* The host's services. Append-only; a plugin uses a field added after ABI
 * 1.0 only through CAIRN_HAS(host, field). */
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
	uint32_t kind;	      /* enum cairn_plugin_kind */
	const char *name;     /* "storage-s3" */
	const char *version;  /* the plugin's own version, free form */
	/* storage: URI schemes handled ("s3", NULL-terminated); keys: NULL */
	const char *const *schemes;
	/* Called once after loading, before any op. May be NULL. Returns 0 or -1. */
	int (*init)(const struct cairn_host *host, cairn_err *err);
	/* struct cairn_storage_ops or struct cairn_keys_ops, per kind */
	const void *ops;

	/* ---- ABI 1.0 ends here; use CAIRN_HAS for what follows ---- */
	/* ABI 1.1: called once by the host's unload, after the last op, if init
	 * succeeded (or there is no init). May be NULL. */
	void (*fini)(void);
};

/* Whether table (any struct starting or carrying a struct_size, built by a
 * plugin or host of any 1.x) is large enough to contain field. */
#define CAIRN_COVERS(table, field)                                                                 \
	((size_t)(table)->struct_size >=                                                           \
	 offsetof(__typeof__(*(table)), field) + sizeof((table)->field))
/* Whether table carries field and sets it (non-NULL): the only way to call a
 * slot appended after ABI 1.0. */
#define CAIRN_HAS(table, field) (CAIRN_COVERS(table, field) && (table)->field != NULL)

/* The size of the descriptor as ABI 1.0 laid it out: the smallest the host
 * accepts. */
#define CAIRN_PLUGIN_SIZE_1_0 (offsetof(struct cairn_plugin, ops) + sizeof(const void *))

typedef const struct cairn_plugin *(*cairn_plugin_entry_fn)(void);

/* The one symbol a plugin exports (its prototype, so that a plugin's
 * definition is checked against it). */
CAIRN_EXPORT const struct cairn_plugin *cairn_plugin_entry(void);

/* Defines the entry, returning &desc (PostgreSQL's PG_MODULE_MAGIC idea): put
 *   CAIRN_PLUGIN_DEFINE(descriptor)
 * once in a plugin, after its const struct cairn_plugin descriptor. */
#define CAIRN_PLUGIN_DEFINE(desc)                                                                  \
	CAIRN_EXPORT const struct cairn_plugin *cairn_plugin_entry(void) { return &(desc); }

#ifdef __cplusplus
}
#endif
#endif
