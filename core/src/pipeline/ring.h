/* ring.h — an ordered work ring: the owner (a chain's thread) fills slots in
 * order, worker threads process queued slots in any order, and the owner
 * takes the results back in the order it filled them. The block compressor
 * (blocks.c) and the block decoder (blocks_read.c) run on it; each keeps its
 * own slot payloads in an array indexed like the ring's states.
 *
 * Slot states move EMPTY (the owner's: free or being filled) -> QUEUED
 * (cairn_ring_submit) -> BUSY (a worker) -> DONE or FAILED ->
 * EMPTY again (cairn_ring_release_emit). Only the owner touches a slot that
 * is EMPTY, DONE or FAILED; only one worker touches a BUSY one. */
#ifndef CAIRN_PIPELINE_RING_H
#define CAIRN_PIPELINE_RING_H
#include <pthread.h>
#include <stddef.h>

enum { CAIRN_SLOT_EMPTY, CAIRN_SLOT_QUEUED, CAIRN_SLOT_BUSY, CAIRN_SLOT_DONE, CAIRN_SLOT_FAILED };

/* What a worker does. worker_init runs once in each worker thread and
 * returns its own state (NULL is allowed: run is then told so and fails
 * the slot); run processes slot i and returns 0, or -1 to fail it;
 * worker_fini frees the state. */
struct cairn_ring_job {
	void *(*worker_init)(void *ctx);
	int (*run)(void *ctx, void *wstate, size_t i);
	void (*worker_fini)(void *wstate);
	void *ctx;
};

struct cairn_ring {
	pthread_mutex_t mu;
	pthread_cond_t work, done;
	pthread_t *threads;
	unsigned nthreads;
	int *state;
	size_t nslots, fill, emit; /* fill and emit are the owner's */
	int stop;
	struct cairn_ring_job job;
};

/* workers asked, or the number of online cores when 0 (at most 256). */
unsigned cairn_ring_workers(unsigned asked);
/* nslots EMPTY slots, no threads yet. -1 when out of memory (r is then
 * safe to clear). */
int cairn_ring_init(struct cairn_ring *r, size_t nslots);
/* Starts up to `workers` threads running job; the number started (0: none
 * could be). */
unsigned cairn_ring_start(struct cairn_ring *r, unsigned workers, const struct cairn_ring_job *job);
/* Stops the workers (queued slots are dropped), joins them, frees the ring.
 * Safe on a zeroed or half-initialised ring. */
void cairn_ring_clear(struct cairn_ring *r);

int cairn_ring_state(struct cairn_ring *r, size_t i);
/* Queues the slot at fill and moves fill on. */
void cairn_ring_submit(struct cairn_ring *r);
/* Waits until the slot at emit is neither QUEUED nor BUSY; its state. */
int cairn_ring_wait_emit(struct cairn_ring *r);
/* The slot at emit is free again; emit moves on. */
void cairn_ring_release_emit(struct cairn_ring *r);
#endif
