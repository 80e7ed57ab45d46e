/* blanks.h — one mutation's blank-node names and the uids they get: an
 * open-addressing hash table, so a body with n blank nodes costs O(n), and
 * names kept in first-seen order for the reply. */
#ifndef CAIRN_BLANKS_H
#define CAIRN_BLANKS_H
#include <stddef.h>
#include <stdint.h>

struct cairn_blanks {
	char **names;	 /* first-seen order; malloc'd copies */
	uint64_t *uids;	 /* uids[i] belongs to names[i]; 0 until assigned */
	size_t n, cap;	 /* entries, and room in names/uids */
	uint32_t *slots; /* index + 1 into names, 0: empty */
	size_t nslots;	 /* a power of two, at least twice n */
};

/* The uid slot of name, added (uid 0) if add and absent. Returns NULL when
 * absent and !add, or out of memory. */
uint64_t *cairn_blanks_slot(struct cairn_blanks *b, const char *name, int add);
/* Frees what b holds and zeroes it. */
void cairn_blanks_clear(struct cairn_blanks *b);
#endif
