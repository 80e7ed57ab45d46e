/* member.c — an alpha's commits as zero must know them (see member.h). */
#include "cluster/member.h"
#include "clock.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cluster/zero_client.h"
#include "log.h"

#define HEARTBEAT_MS 500
#define MAX_PENDING 64

static int add_unheard(struct cairn_member *m, uint64_t ts)
{
	for (size_t i = 0; i < m->nunheard; i++)
		if (m->unheard[i] == ts)
			return 0;
	if (m->nunheard == m->cap) {
		size_t nc = m->cap ? m->cap * 2 : 16;
		uint64_t *n = realloc(m->unheard, nc * sizeof *n);
		if (!n)
			return -1;
		m->unheard = n;
		m->cap = nc;
	}
	m->unheard[m->nunheard++] = ts;
	return 0;
}

/* Forgets the first n of heard (zero acknowledged them). */
static void drop_heard(struct cairn_member *m, const uint64_t *heard, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < m->nunheard; i++) {
		size_t j = 0;
		while (j < n && heard[j] != m->unheard[i])
			j++;
		if (j == n)
			m->unheard[k++] = m->unheard[i];
	}
	m->nunheard = k;
}

/* Takes a copy of the unheard list (malloc'd, *n entries) under m->mu. */
static uint64_t *copy_unheard(struct cairn_member *m, size_t *n)
{
	uint64_t *c = malloc((m->nunheard + 1) * sizeof *c);
	*n = 0;
	if (c && m->nunheard) {
		memcpy(c, m->unheard, m->nunheard * sizeof *c);
		*n = m->nunheard;
	}
	return c;
}

int64_t cairn_member_zero_silence(struct cairn_member *m, char *why, size_t len)
{
	pthread_mutex_lock(&m->mu);
	int64_t ms = cairn_mono_ms() - m->heard_ms;
	snprintf(why, len, "%s", m->zero_why);
	pthread_mutex_unlock(&m->mu);
	return ms;
}

/* One heartbeat: report, then finish the commits zero holds pending that this
 * alpha is not applying (their timestamp never reached it). */
static void beat(struct cairn_member *m)
{
	uint64_t pending[MAX_PENDING], inflight;
	size_t ndone, npending = 0;
	int beginning;
	cairn_err err = {0};
	pthread_mutex_lock(&m->mu);
	uint64_t *done = copy_unheard(m, &ndone);
	inflight = m->inflight;
	beginning = m->beginning;
	pthread_mutex_unlock(&m->mu);
	if (!done)
		return;
	int rc = cairn_zero_heartbeat(m->zero, m->id, inflight, beginning, done, ndone, pending,
				      MAX_PENDING, &npending, &err);
	pthread_mutex_lock(&m->mu);
	if (rc == 0) {
		m->heard_ms = cairn_mono_ms();
		m->zero_why[0] = 0;
	} else {
		size_t n = strnlen(err.msg, sizeof m->zero_why - 1);
		memcpy(m->zero_why, err.msg, n);
		m->zero_why[n] = 0;
	}
	if (rc == 0) {
		drop_heard(m, done, ndone);
		/* Judged now, under the lock: a begin that finished since the
		 * heartbeat was sent holds a newer timestamp than any listed. */
		for (size_t i = 0; i < npending && !m->beginning; i++)
			if (pending[i] != m->inflight)
				add_unheard(m, pending[i]);
	}
	pthread_mutex_unlock(&m->mu);
	free(done);
}

static void *run(void *arg)
{
	struct cairn_member *m = arg;
	pthread_mutex_lock(&m->mu);
	while (!m->stop) {
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += HEARTBEAT_MS * 1000000L;
		until.tv_sec += until.tv_nsec / 1000000000L;
		until.tv_nsec %= 1000000000L;
		pthread_cond_timedwait(&m->cv, &m->mu, &until);
		if (m->stop)
			break;
		pthread_mutex_unlock(&m->mu);
		beat(m);
		pthread_mutex_lock(&m->mu);
	}
	pthread_mutex_unlock(&m->mu);
	return NULL;
}

int cairn_member_start(struct cairn_member *m, const char *zero, uint64_t id, cairn_err *err)
{
	memset(m, 0, sizeof *m);
	m->zero = zero;
	m->id = id;
	m->heard_ms = cairn_mono_ms(); /* the alpha has just connected to zero */
	pthread_mutex_init(&m->mu, NULL);
	pthread_cond_init(&m->cv, NULL);
	int e = pthread_create(&m->thread, NULL, run, m);
	if (e)
		return cairn_err_set(err, "cannot start the heartbeat thread: %s", strerror(e));
	m->running = 1;
	return 0;
}

void cairn_member_stop(struct cairn_member *m)
{
	if (m->running) {
		pthread_mutex_lock(&m->mu);
		m->stop = 1;
		pthread_cond_signal(&m->cv);
		pthread_mutex_unlock(&m->mu);
		pthread_join(m->thread, NULL);
		m->running = 0;
		if (m->nunheard)
			beat(m);
	}
	free(m->unheard);
	m->unheard = NULL;
	m->nunheard = m->cap = 0;
}

int cairn_member_begin(struct cairn_member *m, uint64_t *ts, cairn_err *err)
{
	pthread_mutex_lock(&m->mu);
	m->beginning = 1;
	pthread_mutex_unlock(&m->mu);
	int rc = cairn_zero_commit_begin(m->zero, m->id, ts, err);
	pthread_mutex_lock(&m->mu);
	m->beginning = 0;
	m->inflight = rc == 0 ? *ts : 0;
	pthread_mutex_unlock(&m->mu);
	if (rc < 0)
		*ts = 0;
	return rc;
}

void cairn_member_finish(struct cairn_member *m, uint64_t ts)
{
	cairn_err err = {0};
	pthread_mutex_lock(&m->mu);
	if (m->inflight == ts)
		m->inflight = 0;
	int queued = add_unheard(m, ts) == 0;
	pthread_mutex_unlock(&m->mu);
	if (cairn_zero_commit_done(m->zero, m->id, &ts, 1, &err) == 0) {
		pthread_mutex_lock(&m->mu);
		drop_heard(m, &ts, 1);
		pthread_mutex_unlock(&m->mu);
	} else if (queued) {
		cairn_warn("zero has not heard that commit %llu finished (%s); the heartbeat "
			   "will tell it",
			   (unsigned long long)ts, err.msg);
	} else {
		cairn_error("out of memory remembering commit %llu for zero",
			    (unsigned long long)ts);
	}
}

size_t cairn_member_unheard(struct cairn_member *m)
{
	pthread_mutex_lock(&m->mu);
	size_t n = m->nunheard;
	pthread_mutex_unlock(&m->mu);
	return n;
}
