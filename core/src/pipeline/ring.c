/* ring.c — the ordered work ring (ring.h). */
#include "pipeline/ring.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

unsigned cairn_ring_workers(unsigned asked)
{
	if (asked)
		return asked;
	long c = sysconf(_SC_NPROCESSORS_ONLN);
	return c < 1 ? 1 : c > 256 ? 256 : (unsigned)c;
}

int cairn_ring_init(struct cairn_ring *r, size_t nslots)
{
	memset(r, 0, sizeof *r);
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->work, NULL);
	pthread_cond_init(&r->done, NULL);
	r->nslots = nslots;
	r->state = calloc(nslots, sizeof *r->state); /* all CAIRN_SLOT_EMPTY */
	return r->state ? 0 : -1;
}

static void *worker(void *arg)
{
	struct cairn_ring *r = arg;
	void *ws = r->job.worker_init ? r->job.worker_init(r->job.ctx) : NULL;
	pthread_mutex_lock(&r->mu);
	for (;;) {
		size_t found = r->nslots;
		for (size_t k = 0; k < r->nslots && found == r->nslots; k++)
			if (r->state[(r->emit + k) % r->nslots] == CAIRN_SLOT_QUEUED)
				found = (r->emit + k) % r->nslots;
		if (found == r->nslots) {
			if (r->stop)
				break;
			pthread_cond_wait(&r->work, &r->mu);
			continue;
		}
		r->state[found] = CAIRN_SLOT_BUSY;
		pthread_mutex_unlock(&r->mu);
		int rc = r->job.run(r->job.ctx, ws, found);
		pthread_mutex_lock(&r->mu);
		r->state[found] = rc == 0 ? CAIRN_SLOT_DONE : CAIRN_SLOT_FAILED;
		pthread_cond_broadcast(&r->done);
	}
	pthread_mutex_unlock(&r->mu);
	if (r->job.worker_fini)
		r->job.worker_fini(ws);
	return NULL;
}

unsigned cairn_ring_start(struct cairn_ring *r, unsigned workers, const struct cairn_ring_job *job)
{
	r->job = *job;
	r->threads = calloc(workers, sizeof *r->threads);
	if (!r->threads)
		return 0;
	for (; r->nthreads < workers; r->nthreads++)
		if (pthread_create(&r->threads[r->nthreads], NULL, worker, r) != 0)
			break;
	return r->nthreads;
}

void cairn_ring_clear(struct cairn_ring *r)
{
	if (!r->state && !r->threads && !r->nslots)
		return;
	pthread_mutex_lock(&r->mu);
	r->stop = 1;
	/* Queued slots nobody will take back are dropped. */
	for (size_t i = 0; r->state && i < r->nslots; i++)
		if (r->state[i] == CAIRN_SLOT_QUEUED)
			r->state[i] = CAIRN_SLOT_EMPTY;
	pthread_cond_broadcast(&r->work);
	pthread_mutex_unlock(&r->mu);
	for (unsigned i = 0; i < r->nthreads; i++)
		pthread_join(r->threads[i], NULL);
	pthread_mutex_destroy(&r->mu);
	pthread_cond_destroy(&r->work);
	pthread_cond_destroy(&r->done);
	free(r->threads);
	free(r->state);
	memset(r, 0, sizeof *r);
}

int cairn_ring_state(struct cairn_ring *r, size_t i)
{
	pthread_mutex_lock(&r->mu);
	int st = r->state[i];
	pthread_mutex_unlock(&r->mu);
	return st;
}

void cairn_ring_submit(struct cairn_ring *r)
{
	pthread_mutex_lock(&r->mu);
	r->state[r->fill] = CAIRN_SLOT_QUEUED;
	r->fill = (r->fill + 1) % r->nslots;
	pthread_cond_signal(&r->work);
	pthread_mutex_unlock(&r->mu);
}

int cairn_ring_wait_emit(struct cairn_ring *r)
{
	pthread_mutex_lock(&r->mu);
	while (r->state[r->emit] == CAIRN_SLOT_QUEUED || r->state[r->emit] == CAIRN_SLOT_BUSY)
		pthread_cond_wait(&r->done, &r->mu);
	int st = r->state[r->emit];
	pthread_mutex_unlock(&r->mu);
	return st;
}

void cairn_ring_release_emit(struct cairn_ring *r)
{
	pthread_mutex_lock(&r->mu);
	r->state[r->emit] = CAIRN_SLOT_EMPTY;
	r->emit = (r->emit + 1) % r->nslots; /* workers read it */
	pthread_mutex_unlock(&r->mu);
}
