/* committimes.c — an object's commit times and RFC 3339 times
 * (committimes.h). */
#include "format/committimes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

char *cairn_ctimes_encode(const uint64_t *pairs, size_t n)
{
	/* at most 20 + 1 + 21 + 1 bytes a pair */
	char *out = malloc(n * 44 + 1), *p = out;
	uint64_t pts = 0, pms = 0;
	if (!out)
		return NULL;
	*p = 0;
	for (size_t i = 0; i < n; i++) {
		uint64_t ts = pairs[2 * i], ms = pairs[2 * i + 1];
		int64_t dms = (int64_t)ms - (int64_t)pms;
		p += sprintf(p, "%s%llu:%lld", i ? "," : "", (unsigned long long)(ts - pts),
			     (long long)dms);
		pts = ts;
		pms = ms;
	}
	return out;
}

/* A canonical decimal: digits, no leading zero but "0" itself. */
static const char *decimal(const char *s, uint64_t *v)
{
	const char *p = s;
	uint64_t x = 0;
	if (*p < '0' || *p > '9' || (*p == '0' && p[1] >= '0' && p[1] <= '9'))
		return NULL;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (x > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
			return NULL;
		x = x * 10 + (uint64_t)(*p - '0');
	}
	*v = x;
	return p;
}

int cairn_ctimes_parse(const char *s, uint64_t **pairs, size_t *n, cairn_err *err)
{
	size_t cap = 0;
	uint64_t *v = NULL, ts = 0, ms = 0;
	*pairs = NULL;
	*n = 0;
	for (const char *p = s; *p;) {
		uint64_t dts, dms;
		int neg = 0;
		if (*n && *p++ != ',')
			goto bad;
		if (!(p = decimal(p, &dts)) || *p++ != ':')
			goto bad;
		if (*p == '-') {
			neg = 1;
			p++;
		}
		if (!(p = decimal(p, &dms)) || (neg && dms == 0) || dts == 0 ||
		    dts > UINT64_MAX - ts || dms >= CAIRN_CTIMES_MS_MAX ||
		    (neg ? dms > ms : ms + dms >= CAIRN_CTIMES_MS_MAX))
			goto bad;
		if (*n >= CAIRN_CTIMES_MAX) {
			free(v);
			return cairn_err_set(err, "commit_times lists more than %d commits",
					     CAIRN_CTIMES_MAX);
		}
		ts += dts;
		ms = neg ? ms - dms : ms + dms;
		if (*n == cap) {
			cap = cap ? 2 * cap : 64;
			uint64_t *nv = realloc(v, cap * 2 * sizeof *nv);
			if (!nv) {
				free(v);
				return cairn_err_set(err, "out of memory");
			}
			v = nv;
		}
		v[2 * *n] = ts;
		v[2 * *n + 1] = ms;
		(*n)++;
	}
	*pairs = v;
	return 0;
bad:
	free(v);
	cairn_err_set(err,
		      "commit_times entry %zu is not \"ts-delta:ms-delta\" in canonical form "
		      "with ascending ts and ms in [0, 2^53)",
		      *n + 1);
	*n = 0;
	return -1;
}

int cairn_ctimes_check(const struct cairn_manifest *m, const struct cairn_manifest_obj *o, size_t i,
		       cairn_err *err)
{
	if (!o->has_ctimes)
		return 0;
	if (m->full && (o->nctimes != 1 || o->ctimes[0] != m->read_ts))
		return cairn_err_set(err,
				     "objects[%zu]: a full backup's commit_times holds one entry, "
				     "at its read_ts",
				     i);
	for (size_t k = 0; !m->full && k < o->nctimes; k++)
		if (o->ctimes[2 * k] <= m->since || o->ctimes[2 * k] > m->read_ts)
			return cairn_err_set(err,
					     "objects[%zu]: commit_times lists ts %llu outside "
					     "(since, read_ts]",
					     i, (unsigned long long)o->ctimes[2 * k]);
	return 0;
}

static int two(const char *p, int *v)
{
	if (p[0] < '0' || p[0] > '9' || p[1] < '0' || p[1] > '9')
		return -1;
	*v = (p[0] - '0') * 10 + (p[1] - '0');
	return 0;
}

int cairn_rfc3339_ms(const char *s, uint64_t *ms, cairn_err *err)
{
	int y1, y2, mo, d, h, mi, sec, frac = 0, fd = 0;
	const char *p = s;
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (strlen(s) < 20 || two(p, &y1) || two(p + 2, &y2) || p[4] != '-' || two(p + 5, &mo) ||
	    p[7] != '-' || two(p + 8, &d) || (p[10] != 'T' && p[10] != 't') || two(p + 11, &h) ||
	    p[13] != ':' || two(p + 14, &mi) || p[16] != ':' || two(p + 17, &sec))
		goto bad;
	p += 19;
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++, fd++)
			if (fd < 3)
				frac = frac * 10 + (*p - '0');
		if (!fd)
			goto bad;
		for (int k = fd; k < 3; k++)
			frac *= 10;
	}
	if (p[0] == 'Z' || p[0] == 'z') {
		if (p[1])
			goto bad;
	} else if (strcmp(p, "+00:00") != 0) {
		if ((p[0] == '+' || p[0] == '-') && strlen(p) == 6)
			goto tz;
		goto bad;
	}
	int year = y1 * 100 + y2;
	int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
	if (year < 1970 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] + (mo == 2 && leap) ||
	    h > 23 || mi > 59 || sec > 59)
		goto bad;
	struct tm tm = {0};
	tm.tm_year = year - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	time_t t = timegm(&tm);
	if (t < 0)
		goto bad;
	*ms = (uint64_t)t * 1000 + (uint64_t)frac;
	return 0;
tz:
	return cairn_err_set(err,
			     "time \"%.40s\" must be in UTC, ending in Z (for example "
			     "2026-11-30T14:01:00Z)",
			     s);
bad:
	return cairn_err_set(err,
			     "time \"%.40s\" is not an RFC 3339 date and time such as "
			     "2026-11-30T14:01:00Z",
			     s);
}

void cairn_ms_rfc3339(uint64_t ms, char out[32])
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	snprintf(out, 32, "%04u-%02u-%02uT%02u:%02u:%02u.%03uZ",
		 (unsigned)(tm.tm_year + 1900) % 10000u, (unsigned)(tm.tm_mon + 1) % 100u,
		 (unsigned)tm.tm_mday % 100u, (unsigned)tm.tm_hour % 100u,
		 (unsigned)tm.tm_min % 100u, (unsigned)tm.tm_sec % 100u, (unsigned)(ms % 1000));
}
