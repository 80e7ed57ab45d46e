/* progress.h — the progress display of restore and verify, on stderr.
 *
 * On a terminal one line redrawn with '\r' at most ten times a second:
 * bytes done of the total, percent, rate, ETA and the part being read
 * ("group 2"); it is cleared at the end. Otherwise (a cron job's log) a
 * plain line every 5 s. Either way one line per part done and one at the
 * end. The totals are the manifests' object sizes; the bytes are counted as
 * the stored bytes are read (cairn_objr_on_read), in the reading thread.
 * Nothing here names a location: no URI or secret is ever printed. One
 * display per process, not thread-safe: the parallel block decoders never
 * call it. */
#ifndef CAIRN_RESTORE_PROGRESS_H
#define CAIRN_RESTORE_PROGRESS_H
#include <stdint.h>

/* Starts the display for `what` ("restore") over total bytes; quiet: none. */
void cairn_progress_start(const char *what, uint64_t total, int quiet);
/* The part read from now on, e.g. "group 2", and its own total. */
void cairn_progress_part(const char *label, uint64_t total);
/* The current part read whole: its line. */
void cairn_progress_part_done(void);
/* Ends the display: the last line (ok 0: "stopped" rather than "done"). */
void cairn_progress_end(int ok);
#endif
