/* clock.h — the monotonic clock in milliseconds, for deadlines and
 * timeouts (never for what a user reads: that is wall-clock time). */
#ifndef CAIRN_CLOCK_H
#define CAIRN_CLOCK_H
#include <stdint.h>
#include <time.h>

static inline int64_t cairn_mono_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}
#endif
