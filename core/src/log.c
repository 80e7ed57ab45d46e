/* log.c — one line per event on stderr, secrets scrubbed before printing.
 * The secret list is the only other process-wide state besides the plugin
 * registry; it only ever grows and is guarded by a mutex. */
#include "log.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct secret {
	char *bytes;
	size_t len;
};

static pthread_mutex_t secrets_mu = PTHREAD_MUTEX_INITIALIZER;
static struct secret *secrets;
static size_t nsecrets;
static const char *log_name = "cairn";
static int log_level = CAIRN_LOG_INFO;

void cairn_log_set_name(const char *name) { log_name = name; }
void cairn_log_set_level(int level) { log_level = level; }

void cairn_add_secret(const void *secret, size_t len)
{
	/* Very short "secrets" would scrub ordinary words out of messages
	 * ("wrong" in "the secret key is wrong"); real keys, tokens and ids are
	 * longer than this. */
	if (!secret || len < 8)
		return;
	pthread_mutex_lock(&secrets_mu);
	for (size_t i = 0; i < nsecrets; i++)
		if (secrets[i].len == len && memcmp(secrets[i].bytes, secret, len) == 0)
			goto out;
	struct secret *n = realloc(secrets, (nsecrets + 1) * sizeof *n);
	if (!n)
		goto out;
	secrets = n;
	secrets[nsecrets].bytes = malloc(len);
	if (!secrets[nsecrets].bytes)
		goto out;
	memcpy(secrets[nsecrets].bytes, secret, len);
	secrets[nsecrets].len = len;
	nsecrets++;
out:
	pthread_mutex_unlock(&secrets_mu);
}

void cairn_scrub(char *buf)
{
	pthread_mutex_lock(&secrets_mu);
	for (size_t i = 0; i < nsecrets; i++) {
		const struct secret *s = &secrets[i];
		char *p = buf;
		while ((p = memmem(p, strlen(p), s->bytes, s->len)) != NULL) {
			size_t rest = strlen(p + s->len);
			memcpy(p, "***", 3);
			memmove(p + 3, p + s->len, rest + 1);
			p += 3;
		}
	}
	pthread_mutex_unlock(&secrets_mu);
}

void cairn_vlog(int level, const char *who, const char *fmt, va_list ap)
{
	if (level > log_level)
		return;
	char msg[4096];
	vsnprintf(msg, sizeof msg, fmt, ap);
	cairn_scrub(msg);
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	struct tm tm;
	gmtime_r(&ts.tv_sec, &tm);
	static const char lv[] = "EWID";
	fprintf(stderr, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %c %s%s%s: %s\n", tm.tm_year + 1900,
		tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000,
		lv[level & 3], log_name, who ? "/" : "", who ? who : "", msg);
}

void cairn_log(int level, const char *who, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	cairn_vlog(level, who, fmt, ap);
	va_end(ap);
}

void cairn_print_error(const char *msg)
{
	char buf[4096];
	snprintf(buf, sizeof buf, "%s", msg);
	cairn_scrub(buf);
	fprintf(stderr, "error: %s\n", buf);
}
