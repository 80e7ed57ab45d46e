/* committimes.h — an object's commit times in the manifest ("commit_times"):
 * each commit's ts and wall-clock time (unix ms), for restore --to_time
 * (docs/FORMAT.md), checked as untrusted input; and RFC 3339 UTC times. */
#ifndef CAIRN_COMMITTIMES_H
#define CAIRN_COMMITTIMES_H
#include <cairn/plugin.h>
#include <stddef.h>
#include <stdint.h>

#include "format/manifest.h"

/* Most entries one object may list: the writer leaves commit_times out past
 * it (--to_time then names the series as lacking times), so a manifest stays
 * well under CAIRN_MANIFEST_MAX. */
#define CAIRN_CTIMES_MAX 500000
/* Unix ms must be below 2^53 (exact in JSON readers' doubles). */
#define CAIRN_CTIMES_MS_MAX ((uint64_t)1 << 53)

/* The canonical text of n pairs (ts ascending, ms below 2^53): "dts:dms"
 * per pair joined by ',', each the difference from the previous pair's
 * (from 0), dts above 0, dms signed; "" for none. malloc'd, NULL if out of
 * memory. */
char *cairn_ctimes_encode(const uint64_t *pairs, size_t n);
/* Parses that text strictly (only the canonical form: no '+', no leading
 * zeros, no "-0"), into malloc'd pairs ts0, ms0, ts1, ms1, ... (NULL for
 * none): ts strictly ascending, ms in [0, 2^53), at most CAIRN_CTIMES_MAX. */
int cairn_ctimes_parse(const char *s, uint64_t **pairs, size_t *n, cairn_err *err);
/* What a manifest allows in object i's list: a full backup's one pair (its
 * read_ts, when the group took its snapshot), an incremental's commits in
 * (since, read_ts]. */
int cairn_ctimes_check(const struct cairn_manifest *m, const struct cairn_manifest_obj *o, size_t i,
		       cairn_err *err);

/* "2026-11-30T14:01:00Z" or "...:00.123Z" (or "+00:00" for "Z"): unix ms.
 * Only UTC, only valid dates and times, year 1970 to 9999. */
int cairn_rfc3339_ms(const char *s, uint64_t *ms, cairn_err *err);
/* ms as "2026-11-30T14:01:00.123Z". */
void cairn_ms_rfc3339(uint64_t ms, char out[32]);
#endif
