/* restored.h — what `cairn restore` leaves beside a postings directory's
 * data for the alpha that starts on it: restore.json with the restore
 * version (read_ts), the highest uid and the group's predicates.
 *
 * The alpha makes zero move past both and claims the predicates for its
 * group before it serves (alpha.c), so a new cluster's zero never hands out
 * a timestamp or uid the data already holds and knows which group owns
 * which predicate, even if nobody ran the printed /assign calls. */
#ifndef CAIRN_RESTORED_H
#define CAIRN_RESTORED_H
#include <cairn/plugin.h>
#include <stddef.h>
#include <stdint.h>

struct cairn_restored {
	uint64_t read_ts, max_uid;
	/* zero's restore_ts once the alpha has told zero of this restore (0:
	 * not yet; alpha.c) */
	uint64_t marked_ts;
	char **preds;
	size_t npreds;
};
void cairn_restored_clear(struct cairn_restored *r);

/* Writes DIR/restore.json atomically (temp, fsync, rename, fsync dir),
 * sealed under ar when the directory is encrypted at rest (it lists the
 * group's predicates; store/atrest.h), plain when ar is NULL. */
struct cairn_atrest;
int cairn_restored_write(const char *dir, const struct cairn_atrest *ar,
			 const struct cairn_restored *r, cairn_err *err);
/* Reads DIR/restore.json: 1 (r zeroed) if there is none, 0, or -1 if it is
 * unreadable (or sealed and ar is not its key). */
int cairn_restored_read(const char *dir, const struct cairn_atrest *ar, struct cairn_restored *r,
			cairn_err *err);
#endif
