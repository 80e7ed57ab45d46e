/* tablets.h — the predicates this alpha serves (alpha/tablets.c). */
#ifndef CAIRN_ALPHA_TABLETS_H
#define CAIRN_ALPHA_TABLETS_H

#include "alpha/alpha.h"

/* 0 if pred is this alpha's group's (asking zero, which places a new one
 * here, the first time); -1 naming the group that serves it otherwise. */
int cairn_alpha_claim_tablet(struct cairn_alpha *a, const char *pred, cairn_err *err);
/* Before serving dir: zero moved past its data (restore.json, or the store
 * itself) and told of a restore once, its restored predicates claimed for
 * this group. */
int cairn_alpha_claim_restored(struct cairn_alpha *a, const char *dir, cairn_err *err);
/* Forgets the cache (at shutdown). */
void cairn_alpha_tablets_clear(void);

#endif
