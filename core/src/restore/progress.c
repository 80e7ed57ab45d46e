/* progress.c — restore's and verify's progress display (progress.h). */
#include "restore/progress.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pipeline/object.h"

#define TTY_EVERY_NS 100000000ull    /* a terminal: 10 redraws a second */
#define PLAIN_EVERY_NS 5000000000ull /* a log: a line every 5 s */

static struct {
	int on, tty, drawn;
	char what[32], part[48];
	uint64_t total, done, part_total, part_start;
	uint64_t t0, part_t0, last;
} P;

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* "12.3 MiB" */
static void human(char *out, size_t cap, double b)
{
	static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	size_t u = 0;
	while (b >= 1024 && u + 1 < sizeof units / sizeof *units) {
		b /= 1024;
		u++;
	}
	snprintf(out, cap, u ? "%.1f %s" : "%.0f %s", b, units[u]);
}

static unsigned pct(uint64_t done, uint64_t total)
{
	if (!total)
		return 100;
	return done >= total ? 100 : (unsigned)(done * 100 / total);
}

/* "1.2 MiB of 4.0 MiB (30%), 2.0 MiB/s, ETA 2s" while reading (eta 1),
 * "4.0 MiB of 4.0 MiB (100%) in 2.0s, 2.0 MiB/s" when done (eta 0). */
static void status(char *out, size_t cap, uint64_t done, uint64_t total, uint64_t t0, int eta)
{
	char d[24], t[24], r[24];
	double secs = (double)(now_ns() - t0) / 1e9;
	double rate = secs > 0 ? (double)done / secs : 0;
	human(d, sizeof d, (double)done);
	human(t, sizeof t, (double)total);
	human(r, sizeof r, rate);
	if (!eta)
		snprintf(out, cap, "%s of %s (%u%%) in %.1fs, %s/s", d, t, pct(done, total), secs,
			 r);
	else if (rate > 0 && done < total)
		snprintf(out, cap, "%s of %s (%u%%), %s/s, ETA %.0fs", d, t, pct(done, total), r,
			 (double)(total - done) / rate);
	else
		snprintf(out, cap, "%s of %s (%u%%), %s/s", d, t, pct(done, total), r);
}

static void clear_tty(void)
{
	if (P.tty && P.drawn) {
		fputs("\r\033[K", stderr);
		P.drawn = 0;
	}
}

static void draw(void)
{
	char s[160];
	status(s, sizeof s, P.done, P.total, P.t0, 1);
	if (P.tty) {
		fprintf(stderr, "\r\033[K%s: %s%s%s", P.what, s, P.part[0] ? " - " : "", P.part);
		P.drawn = 1;
	} else
		fprintf(stderr, "%s: %s%s%s\n", P.what, s, P.part[0] ? " - reading " : "", P.part);
	fflush(stderr);
}

static void on_read(uint64_t n)
{
	P.done += n;
	uint64_t t = now_ns();
	if (t - P.last >= (P.tty ? TTY_EVERY_NS : PLAIN_EVERY_NS)) {
		P.last = t;
		draw();
	}
}

void cairn_progress_start(const char *what, uint64_t total, int quiet)
{
	memset(&P, 0, sizeof P);
	if (quiet)
		return;
	P.on = 1;
	P.tty = isatty(STDERR_FILENO);
	snprintf(P.what, sizeof P.what, "%s", what);
	P.total = total;
	P.t0 = P.last = now_ns();
	cairn_objr_on_read(on_read);
}

void cairn_progress_part(const char *label, uint64_t total)
{
	if (!P.on)
		return;
	snprintf(P.part, sizeof P.part, "%s", label);
	P.part_total = total;
	P.part_start = P.done;
	P.part_t0 = now_ns();
	if (P.tty)
		draw();
}

void cairn_progress_part_done(void)
{
	char s[160];
	if (!P.on || !P.part[0])
		return;
	clear_tty();
	status(s, sizeof s, P.done - P.part_start, P.part_total, P.part_t0, 0);
	fprintf(stderr, "%s: %s done, %s\n", P.what, P.part, s);
	P.part[0] = 0;
	if (P.tty)
		draw();
	fflush(stderr);
}

void cairn_progress_end(int ok)
{
	char s[160];
	if (!P.on)
		return;
	cairn_objr_on_read(NULL);
	clear_tty();
	status(s, sizeof s, P.done, P.total, P.t0, 0);
	fprintf(stderr, "%s: %s %s\n", P.what, ok ? "read" : "stopped after", s);
	fflush(stderr);
	P.on = 0;
}
