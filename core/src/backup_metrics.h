/* backup_metrics.h — the alpha's backup counters per destination for
 * /metrics (Prometheus text format): started, succeeded, failed, the last
 * run's duration, bytes written, the last success's time. A destination is
 * labelled by its scheme, host, port and path only: never credentials or
 * query parameters. In memory: they start again at zero with the process. */
#ifndef CAIRN_BACKUP_METRICS_H
#define CAIRN_BACKUP_METRICS_H
#include <stddef.h>
#include <stdint.h>

/* The label a destination gets (scheme://host[:port]/path or a local path,
 * no credentials or query) into out (cap bytes). */
void cairn_metrics_destination_label(const char *destination, char *out, size_t cap);

/* A backup to destination (as the request gave it) starts. */
void cairn_metrics_backup_started(const char *destination);
/* It ended: ok 1 or 0, after seconds, having written bytes (ok only); ok -1:
 * it never ran (a scheduled run the cluster's lock refused), not counted. */
void cairn_metrics_backup_ended(const char *destination, int ok, double seconds, uint64_t bytes);
/* An online restore (the restore mutation) starts; it ended, ok 1 or 0,
 * after seconds. */
void cairn_metrics_restore_started(void);
void cairn_metrics_restore_ended(int ok, double seconds);
/* The metric families, HELP and TYPE lines included (malloc'd; NULL when
 * out of memory). */
char *cairn_metrics_backup_text(void);
#endif
