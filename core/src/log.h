/* log.h — logging with secret scrubbing. */
#ifndef CAIRN_LOG_H
#define CAIRN_LOG_H
#include <cairn/plugin.h>

void cairn_log(int level, const char *who, const char *fmt, ...) CAIRN_PRINTF(3, 4);
void cairn_vlog(int level, const char *who, const char *fmt, va_list ap) CAIRN_PRINTF(3, 0);
#define cairn_info(...) cairn_log(CAIRN_LOG_INFO, NULL, __VA_ARGS__)
#define cairn_warn(...) cairn_log(CAIRN_LOG_WARN, NULL, __VA_ARGS__)
#define cairn_error(...) cairn_log(CAIRN_LOG_ERROR, NULL, __VA_ARGS__)
void cairn_log_set_name(const char *name); /* "zero", "alpha", ... */
void cairn_log_set_level(int level);

/* Registers a secret; every later log line and printed error has it replaced. */
void cairn_add_secret(const void *secret, size_t len);
/* Forgets every registered secret: for tests and fuzz targets that parse
 * many inputs in one process (the list only grows otherwise). */
void cairn_forget_secrets(void);
/* Replaces each registered secret in buf (NUL-terminated) by "***", in place. */
void cairn_scrub(char *buf);
/* Prints "error: <msg>" (scrubbed) on stderr. */
void cairn_print_error(const char *msg);
#endif
