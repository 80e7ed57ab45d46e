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

/* A registered secret of any length is scrubbed. One shorter than this is
 * scrubbed only where it stands alone, not inside a longer word: a 4-byte
 * token "pass" is hidden in "token pass refused" and "key=pass", while
 * "password" and "passed" stay readable (a short run of letters inside a
 * longer word tells a reader nothing of where a secret is). Longer ones
 * are scrubbed wherever they occur. Words never registered are never
 * touched. */
#define SHORT_SECRET 8

void cairn_add_secret(const void *secret, size_t len)
{
	if (!secret || !len)
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

void cairn_forget_secrets(void)
{
	pthread_mutex_lock(&secrets_mu);
	for (size_t i = 0; i < nsecrets; i++) {
		explicit_bzero(secrets[i].bytes, secrets[i].len);
		free(secrets[i].bytes);
	}
	free(secrets);
	secrets = NULL;
	nsecrets = 0;
	pthread_mutex_unlock(&secrets_mu);
}

static int word_byte(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_';
}

void cairn_scrub(char *buf)
{
	pthread_mutex_lock(&secrets_mu);
	for (size_t i = 0; i < nsecrets; i++) {
		const struct secret *s = &secrets[i];
		char *p = buf;
		while ((p = memmem(p, strlen(p), s->bytes, s->len)) != NULL) {
			/* A short one inside a longer word: not this occurrence. */
			if (s->len < SHORT_SECRET &&
			    ((p > buf && word_byte(p[-1]) && word_byte(s->bytes[0])) ||
			     (word_byte(p[s->len]) && word_byte(s->bytes[s->len - 1])))) {
				p++;
				continue;
			}
			/* "***", or as many stars as a 1- or 2-byte secret has:
			 * the text never grows. */
			size_t stars = s->len < 3 ? s->len : 3;
			size_t rest = strlen(p + s->len);
			memcpy(p, "***", stars);
			memmove(p + stars, p + s->len, rest + 1);
			p += stars;
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
