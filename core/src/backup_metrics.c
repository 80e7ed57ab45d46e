/* backup_metrics.c — the backup counters per destination (backup_metrics.h). */
#include "backup_metrics.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "uri.h"

/* Destinations beyond this share the label "other": a label per request
 * would let callers grow the table without bound. */
#define MAX_DESTS 32

struct dest {
	char label[512];
	uint64_t started, succeeded, failed, bytes;
	double last_seconds;
	time_t last_success;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct dest dests[MAX_DESTS + 1];
static size_t ndests;

/* scheme://host[:port]/path, or the path of a local directory; every
 * character a Prometheus label value must escape dropped. */
void cairn_metrics_destination_label(const char *destination, char *out, size_t cap)
{
	cairn_err err = {0};
	char raw[512];
	struct cairn_uri *u = destination ? cairn_uri_parse(destination, &err) : NULL;
	if (!u)
		snprintf(raw, sizeof raw, "invalid");
	else if (!strcmp(u->scheme, "file"))
		snprintf(raw, sizeof raw, "%s", u->path);
	else if (u->port)
		snprintf(raw, sizeof raw, "%s://%s:%d%s", u->scheme, u->host, u->port, u->path);
	else
		snprintf(raw, sizeof raw, "%s://%s%s", u->scheme, u->host, u->path);
	cairn_uri_free(u);
	size_t j = 0;
	for (const char *p = raw; *p && j + 1 < cap; p++)
		if (*p != '"' && *p != '\\' && (unsigned char)*p >= 0x20)
			out[j++] = *p;
	out[j] = 0;
}

/* Under mu. */
static struct dest *find(const char *destination)
{
	char label[512];
	cairn_metrics_destination_label(destination, label, sizeof label);
	for (size_t i = 0; i < ndests; i++)
		if (!strcmp(dests[i].label, label))
			return &dests[i];
	if (ndests == MAX_DESTS) {
		struct dest *o = &dests[MAX_DESTS];
		snprintf(o->label, sizeof o->label, "other");
		return o;
	}
	struct dest *d = &dests[ndests++];
	memset(d, 0, sizeof *d);
	snprintf(d->label, sizeof d->label, "%s", label);
	return d;
}

void cairn_metrics_backup_started(const char *destination)
{
	pthread_mutex_lock(&mu);
	find(destination)->started++;
	pthread_mutex_unlock(&mu);
}

void cairn_metrics_backup_ended(const char *destination, int ok, double seconds, uint64_t bytes)
{
	pthread_mutex_lock(&mu);
	struct dest *d = find(destination);
	if (ok < 0) { /* it never ran: not counted */
		if (d->started)
			d->started--;
		pthread_mutex_unlock(&mu);
		return;
	}
	d->last_seconds = seconds;
	if (ok) {
		d->succeeded++;
		d->bytes += bytes;
		d->last_success = time(NULL);
	} else {
		d->failed++;
	}
	pthread_mutex_unlock(&mu);
}

/* Online restores (the restore mutation) this alpha coordinated. */
static uint64_t restores_started, restores_succeeded, restores_failed;
static double restore_last_seconds;

void cairn_metrics_restore_started(void)
{
	pthread_mutex_lock(&mu);
	restores_started++;
	pthread_mutex_unlock(&mu);
}

void cairn_metrics_restore_ended(int ok, double seconds)
{
	pthread_mutex_lock(&mu);
	restore_last_seconds = seconds;
	if (ok)
		restores_succeeded++;
	else
		restores_failed++;
	pthread_mutex_unlock(&mu);
}

static const struct {
	const char *name, *type, *help;
} families[] = {
    {"cairn_backup_started_total", "counter", "Backups this alpha coordinated that started."},
    {"cairn_backup_succeeded_total", "counter", "Backups that completed (manifest written)."},
    {"cairn_backup_failed_total", "counter", "Backups that failed."},
    {"cairn_backup_last_duration_seconds", "gauge", "Duration of the last backup, either outcome."},
    {"cairn_backup_written_bytes_total", "counter", "Object bytes of completed backups."},
    {"cairn_backup_last_success_timestamp_seconds", "gauge",
     "Unix time of the last completed backup (absent before the first)."},
};

char *cairn_metrics_backup_text(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	pthread_mutex_lock(&mu);
	size_t n = ndests + (dests[MAX_DESTS].label[0] ? 1 : 0);
	for (size_t k = 0; k < sizeof families / sizeof families[0]; k++) {
		fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", families[k].name, families[k].help,
			families[k].name, families[k].type);
		for (size_t i = 0; i < n; i++) {
			const struct dest *d = i < ndests ? &dests[i] : &dests[MAX_DESTS];
			const char *name = families[k].name;
			switch (k) {
			case 0:
				fprintf(f, "%s{destination=\"%s\"} %llu\n", name, d->label,
					(unsigned long long)d->started);
				break;
			case 1:
				fprintf(f, "%s{destination=\"%s\"} %llu\n", name, d->label,
					(unsigned long long)d->succeeded);
				break;
			case 2:
				fprintf(f, "%s{destination=\"%s\"} %llu\n", name, d->label,
					(unsigned long long)d->failed);
				break;
			case 3:
				fprintf(f, "%s{destination=\"%s\"} %.3f\n", name, d->label,
					d->last_seconds);
				break;
			case 4:
				fprintf(f, "%s{destination=\"%s\"} %llu\n", name, d->label,
					(unsigned long long)d->bytes);
				break;
			default:
				if (d->last_success)
					fprintf(f, "%s{destination=\"%s\"} %lld\n", name, d->label,
						(long long)d->last_success);
			}
		}
	}
	fprintf(f,
		"# HELP cairn_restore_started_total Online restores this alpha coordinated that "
		"started.\n# TYPE cairn_restore_started_total counter\n"
		"cairn_restore_started_total %llu\n"
		"# HELP cairn_restore_succeeded_total Online restores that completed.\n"
		"# TYPE cairn_restore_succeeded_total counter\ncairn_restore_succeeded_total %llu\n"
		"# HELP cairn_restore_failed_total Online restores that failed or were refused.\n"
		"# TYPE cairn_restore_failed_total counter\ncairn_restore_failed_total %llu\n"
		"# HELP cairn_restore_last_duration_seconds Duration of the last online restore, "
		"either outcome.\n# TYPE cairn_restore_last_duration_seconds gauge\n"
		"cairn_restore_last_duration_seconds %.3f\n",
		(unsigned long long)restores_started, (unsigned long long)restores_succeeded,
		(unsigned long long)restores_failed, restore_last_seconds);
	pthread_mutex_unlock(&mu);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}
