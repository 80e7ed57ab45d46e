/* storage_check.c — `cairn storage-check URI`: a storage driver's
 * conformance run against a live location, for in-tree drivers and vendors'
 * alike (docs/plugins.md). Everything happens under a scratch prefix
 * (cairn-check.<random>/) that is removed at the end. One line per check:
 * PASS, FAIL (with why, and the error's code) or SKIP (with why); exit 0
 * only when nothing failed.
 *
 * The driver is called directly through its ops table, not through the
 * host's fallbacks, so that what is checked is the driver itself; only the
 * list goes through cairn_location_list (a 1.0 driver's callback differs). */
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "commands.h"
#include "config.h"
#include "log.h"
#include "plugin/location.h"
#include "restore/common.h"

static const struct cairn_flag flags[] = {
    {"location", 'l', NULL, "the location to check (or give it as the first argument)", 0},
    {"plugin_dir", 0, NULL, "directory of *.so plugins, or several joined by ':'", 0},
    {"large_mb", 0, "64", "size of the large streaming object, in MiB", 0},
    {"objects", 0, "1200", "objects written for the listing check (pages are 1000)", 0},
    {"threads", 0, "4", "threads of the concurrency check", 0},
    CAIRN_READ_FLAGS,
    {NULL, 0, NULL, NULL, 0},
};

struct run {
	struct cairn_store_loc loc;
	const struct cairn_storage_ops *ops;
	char prefix[64]; /* "cairn-check.<hex>/" */
	uint64_t large_mb, objects, threads;
	int pass, fail, skip;
};

static const char *code_name(int code)
{
	switch (code) {
	case CAIRN_E_NOTFOUND:
		return "CAIRN_E_NOTFOUND";
	case CAIRN_E_PERMISSION:
		return "CAIRN_E_PERMISSION";
	case CAIRN_E_AUTH:
		return "CAIRN_E_AUTH";
	case CAIRN_E_TRANSIENT:
		return "CAIRN_E_TRANSIENT";
	case CAIRN_E_CORRUPT:
		return "CAIRN_E_CORRUPT";
	default:
		return "CAIRN_E_OTHER";
	}
}

static void result(struct run *r, const char *verdict, const char *check, const char *fmt, ...)
    CAIRN_PRINTF(4, 5);
static void result(struct run *r, const char *verdict, const char *check, const char *fmt, ...)
{
	char why[1400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	printf("%-4s  %-20s %s\n", verdict, check, why);
	fflush(stdout);
	if (!strcmp(verdict, "PASS"))
		r->pass++;
	else if (!strcmp(verdict, "FAIL"))
		r->fail++;
	else
		r->skip++;
}

/* A check's failure: "what: the driver's error [CODE]" into why. Returns -1. */
static int failed(char *why, size_t len, const char *what, const cairn_err *err)
{
	if (err)
		snprintf(why, len, "%s: %s [%s]", what, err->msg[0] ? err->msg : "(no message)",
			 code_name(err->code));
	else
		snprintf(why, len, "%s", what);
	return -1;
}

static char *name_of(const struct run *r, const char *fmt, ...) CAIRN_PRINTF(2, 3);
static char *name_of(const struct run *r, const char *fmt, ...)
{
	char tail[256], *out = NULL;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(tail, sizeof tail, fmt, ap);
	va_end(ap);
	if (asprintf(&out, "%s%s", r->prefix, tail) < 0)
		return NULL;
	return out;
}

/* Deterministic bytes: byte i of the stream seeded by seed. */
static void fill(unsigned char *buf, size_t len, uint64_t seed, uint64_t off)
{
	for (size_t i = 0; i < len; i++) {
		uint64_t x = (off + i) / 8 * 0x9E3779B97F4A7C15ull ^ seed;
		x ^= x >> 29;
		x *= 0xBF58476D1CE4E5B9ull;
		x ^= x >> 32;
		buf[i] = (unsigned char)(x >> (((off + i) % 8) * 8));
	}
}

/* Writes size bytes of stream seed to name in chunks of chunk bytes and
 * commits (or aborts, if commit is 0). 0, or -1 with why. */
static int put(struct run *r, const char *name, uint64_t size, uint64_t seed, size_t chunk,
	       int commit, char *why, size_t wlen)
{
	cairn_err err = {0};
	struct cairn_writer *w = NULL;
	unsigned char *buf = malloc(chunk ? chunk : 1);
	int rc = -1;
	if (!buf)
		return failed(why, wlen, "out of memory", NULL);
	if (r->ops->write_open(r->loc.st, name, &w, &err) < 0) {
		failed(why, wlen, "write_open", &err);
		goto out;
	}
	for (uint64_t off = 0; off < size;) {
		size_t n = size - off < chunk ? (size_t)(size - off) : chunk;
		fill(buf, n, seed, off);
		if (r->ops->write(w, buf, n, &err) < 0) {
			failed(why, wlen, "write", &err);
			r->ops->write_abort(w);
			goto out;
		}
		off += n;
	}
	if (!commit) {
		r->ops->write_abort(w);
	} else if (r->ops->write_commit(w, &err) < 0) {
		failed(why, wlen, "write_commit", &err);
		goto out;
	}
	rc = 0;
out:
	free(buf);
	return rc;
}

/* Reads reader rd to its end, checking it against stream seed from offset
 * off, expecting want bytes. 0, or -1 with why. */
static int drain(struct run *r, struct cairn_reader *rd, uint64_t seed, uint64_t off, uint64_t want,
		 char *why, size_t wlen)
{
	static const size_t sizes[] = {1, 4093, 65537, 7, 1048573};
	cairn_err err = {0};
	unsigned char *got = malloc(1048573), *exp = malloc(1048573);
	uint64_t n = 0;
	int rc = -1;
	if (!got || !exp) {
		failed(why, wlen, "out of memory", NULL);
		goto out;
	}
	for (size_t k = 0;; k++) {
		ssize_t g = r->ops->read(rd, got, sizes[k % 5], &err);
		if (g < 0) {
			failed(why, wlen, "read", &err);
			goto out;
		}
		if (g == 0)
			break;
		fill(exp, (size_t)g, seed, off + n);
		if (memcmp(got, exp, (size_t)g) != 0) {
			snprintf(why, wlen, "bytes differ from what was written in [%llu, %llu)",
				 (unsigned long long)(off + n), (unsigned long long)(off + n + g));
			goto out;
		}
		n += (uint64_t)g;
		if (n > want) {
			snprintf(why, wlen, "read %llu bytes or more, %llu expected",
				 (unsigned long long)n, (unsigned long long)want);
			goto out;
		}
	}
	if (n != want) {
		snprintf(why, wlen, "read %llu bytes, %llu expected", (unsigned long long)n,
			 (unsigned long long)want);
		goto out;
	}
	rc = 0;
out:
	free(got);
	free(exp);
	return rc;
}

static int get(struct run *r, const char *name, uint64_t seed, uint64_t size, char *why,
	       size_t wlen)
{
	cairn_err err = {0};
	struct cairn_reader *rd = NULL;
	if (r->ops->read_open(r->loc.st, name, &rd, &err) < 0)
		return failed(why, wlen, "read_open", &err);
	int rc = drain(r, rd, seed, 0, size, why, wlen);
	r->ops->read_close(rd);
	return rc;
}

/* stat answering exists=want_exists (and size, if it exists). */
static int stat_is(struct run *r, const char *name, int want_exists, uint64_t want_size, char *why,
		   size_t wlen)
{
	cairn_err err = {0};
	int exists = -1;
	uint64_t size = 0;
	if (r->ops->stat(r->loc.st, name, &exists, &size, &err) < 0)
		return failed(why, wlen, "stat", &err);
	if (exists != want_exists) {
		snprintf(why, wlen, "stat of %s says exists=%d, expected %d", name, exists,
			 want_exists);
		return -1;
	}
	if (exists && size != want_size) {
		snprintf(why, wlen, "stat of %s says size %llu, expected %llu", name,
			 (unsigned long long)size, (unsigned long long)want_size);
		return -1;
	}
	return 0;
}

/* ---- listing ---- */
struct listing {
	char **names;
	uint64_t *sizes;
	size_t n, cap;
	int stop_after; /* > 0: answer 1 after this many calls */
	int fail_after; /* > 0: answer -1 after this many calls */
	size_t calls;
};

static int list_cb(void *ctx, const char *name, uint64_t size, cairn_err *err)
{
	struct listing *l = ctx;
	l->calls++;
	if (l->fail_after && l->calls >= (size_t)l->fail_after)
		return cairn_err_setc(err, CAIRN_E_CORRUPT,
				      "storage-check: the callback fails here");
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		char **nn = realloc(l->names, cap * sizeof *nn);
		if (nn)
			l->names = nn;
		uint64_t *ns = realloc(l->sizes, cap * sizeof *ns);
		if (ns)
			l->sizes = ns;
		if (!nn || !ns)
			return cairn_err_set(err, "out of memory");
		l->cap = cap;
	}
	if (!(l->names[l->n] = strdup(name)))
		return cairn_err_set(err, "out of memory");
	l->sizes[l->n++] = size;
	if (l->stop_after && l->calls >= (size_t)l->stop_after)
		return 1;
	return 0;
}

static void listing_clear(struct listing *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->names[i]);
	free(l->names);
	free(l->sizes);
	memset(l, 0, sizeof *l);
}

/* Lists prefix into l. 0, or -1 with why. */
static int list_all(struct run *r, const char *prefix, struct listing *l, char *why, size_t wlen)
{
	cairn_err err = {0};
	if (cairn_location_list(&r->loc, prefix, list_cb, l, &err) < 0)
		return failed(why, wlen, "list", &err);
	return 0;
}

static int listed(const struct listing *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->names[i], name))
			return 1;
	return 0;
}

/* The object is nowhere: stat, list and read_open all say so. */
static int absent(struct run *r, const char *name, char *why, size_t wlen)
{
	struct listing l = {0};
	cairn_err err = {0};
	struct cairn_reader *rd = NULL;
	if (stat_is(r, name, 0, 0, why, wlen) < 0)
		return -1;
	if (list_all(r, r->prefix, &l, why, wlen) < 0)
		return -1;
	int found = listed(&l, name);
	listing_clear(&l);
	if (found) {
		snprintf(why, wlen, "list shows %s", name);
		return -1;
	}
	if (r->ops->read_open(r->loc.st, name, &rd, &err) == 0) {
		r->ops->read_close(rd);
		snprintf(why, wlen, "read_open of %s succeeds", name);
		return -1;
	}
	if (err.code != CAIRN_E_NOTFOUND) {
		char w2[1200];
		failed(w2, sizeof w2, "read_open fails, but not with CAIRN_E_NOTFOUND", &err);
		snprintf(why, wlen, "%s", w2);
		return -1;
	}
	return 0;
}

/* ---- the checks; each returns 0 (PASS), -1 (FAIL, why set) or 1 (SKIP, why set) ---- */
#define SMALL_SIZE 100003u
#define SMALL_SEED 11u

static int check_write_read(struct run *r, char *why, size_t wlen)
{
	char *name = name_of(r, "small");
	int rc = -1;
	if (name && put(r, name, SMALL_SIZE, SMALL_SEED, 4099, 1, why, wlen) == 0 &&
	    stat_is(r, name, 1, SMALL_SIZE, why, wlen) == 0 &&
	    get(r, name, SMALL_SEED, SMALL_SIZE, why, wlen) == 0) {
		snprintf(why, wlen, "%u bytes committed, stat and read back byte-exact",
			 SMALL_SIZE);
		rc = 0;
	}
	free(name);
	return rc;
}

static int check_abort(struct run *r, char *why, size_t wlen)
{
	char *name = name_of(r, "aborted");
	int rc = -1;
	if (name && put(r, name, 70000, 3, 8191, 0, why, wlen) == 0) {
		if (absent(r, name, why, wlen) == 0) {
			snprintf(why, wlen,
				 "after write_abort: stat exists=0, not listed, "
				 "read_open CAIRN_E_NOTFOUND");
			rc = 0;
		} else {
			char w2[1200];
			snprintf(w2, sizeof w2, "after write_abort the object is there: %s", why);
			snprintf(why, wlen, "%s", w2);
		}
	}
	free(name);
	return rc;
}

static int check_uncommitted(struct run *r, char *why, size_t wlen)
{
	char *name = name_of(r, "pending");
	cairn_err err = {0};
	struct cairn_writer *w = NULL;
	unsigned char buf[5000];
	int rc = -1;
	if (!name)
		return failed(why, wlen, "out of memory", NULL);
	if (r->ops->write_open(r->loc.st, name, &w, &err) < 0) {
		failed(why, wlen, "write_open", &err);
		goto out;
	}
	fill(buf, sizeof buf, 5, 0);
	if (r->ops->write(w, buf, sizeof buf, &err) < 0) {
		failed(why, wlen, "write", &err);
		r->ops->write_abort(w);
		goto out;
	}
	if (absent(r, name, why, wlen) < 0) {
		char w2[1200];
		snprintf(w2, sizeof w2, "before write_commit: %s", why);
		snprintf(why, wlen, "%s", w2);
		r->ops->write_abort(w);
		goto out;
	}
	if (r->ops->write_commit(w, &err) < 0) {
		failed(why, wlen, "write_commit", &err);
		goto out;
	}
	if (stat_is(r, name, 1, sizeof buf, why, wlen) < 0)
		goto out;
	snprintf(why, wlen, "invisible to stat, list and read_open until write_commit");
	rc = 0;
out:
	free(name);
	return rc;
}

static int check_large(struct run *r, char *why, size_t wlen)
{
	static const size_t chunks[] = {1, 65521, 3, 1048573, 4093, 262147};
	uint64_t size = r->large_mb * 1048576 + 13, off = 0;
	char *name = name_of(r, "large");
	cairn_err err = {0};
	struct cairn_writer *w = NULL;
	struct cairn_reader *rd = NULL;
	unsigned char *buf = malloc(1048576), hw[32], hr[32];
	unsigned int hl = 0;
	EVP_MD_CTX *cw = EVP_MD_CTX_new(), *cr = EVP_MD_CTX_new();
	int rc = -1;
	if (!name || !buf || !cw || !cr) {
		failed(why, wlen, "out of memory", NULL);
		goto out;
	}
	EVP_DigestInit_ex(cw, EVP_sha256(), NULL);
	EVP_DigestInit_ex(cr, EVP_sha256(), NULL);
	if (r->ops->write_open(r->loc.st, name, &w, &err) < 0) {
		failed(why, wlen, "write_open", &err);
		goto out;
	}
	for (size_t k = 0; off < size; k++) {
		size_t n = chunks[k % 6] > 1048576 ? 1048576 : chunks[k % 6];
		if (n > size - off)
			n = (size_t)(size - off);
		fill(buf, n, 17, off);
		EVP_DigestUpdate(cw, buf, n);
		if (r->ops->write(w, buf, n, &err) < 0) {
			failed(why, wlen, "write", &err);
			r->ops->write_abort(w);
			goto out;
		}
		off += n;
	}
	if (r->ops->write_commit(w, &err) < 0) {
		failed(why, wlen, "write_commit", &err);
		goto out;
	}
	EVP_DigestFinal_ex(cw, hw, &hl);
	if (stat_is(r, name, 1, size, why, wlen) < 0)
		goto out;
	if (r->ops->read_open(r->loc.st, name, &rd, &err) < 0) {
		failed(why, wlen, "read_open", &err);
		goto out;
	}
	off = 0;
	for (size_t k = 0;; k++) {
		ssize_t g = r->ops->read(
		    rd, buf, chunks[(k + 3) % 6] > 1048576 ? 1048576 : chunks[(k + 3) % 6], &err);
		if (g < 0) {
			failed(why, wlen, "read", &err);
			goto out;
		}
		if (g == 0)
			break;
		EVP_DigestUpdate(cr, buf, (size_t)g);
		off += (uint64_t)g;
	}
	EVP_DigestFinal_ex(cr, hr, &hl);
	if (off != size || memcmp(hw, hr, sizeof hw) != 0) {
		snprintf(why, wlen, "read back %llu bytes of %llu, sha256 %s",
			 (unsigned long long)off, (unsigned long long)size,
			 memcmp(hw, hr, sizeof hw) ? "differs" : "equal");
		goto out;
	}
	snprintf(why, wlen, "%llu bytes streamed in odd-sized chunks, sha256 equal",
		 (unsigned long long)size);
	rc = 0;
out:
	if (rd)
		r->ops->read_close(rd);
	if (name && r->ops->remove(r->loc.st, name, &err) < 0 && rc == 0)
		rc = failed(why, wlen, "remove", &err);
	EVP_MD_CTX_free(cw);
	EVP_MD_CTX_free(cr);
	free(buf);
	free(name);
	return rc;
}

static int check_list(struct run *r, char *why, size_t wlen)
{
	char *dir = name_of(r, "many/"), *sub = name_of(r, "many/o0001");
	char *others[] = {name_of(r, "many-not/x"), name_of(r, "manyx")};
	struct listing l = {0};
	cairn_err err = {0};
	int rc = -1;
	unsigned char *seen = calloc(r->objects ? r->objects : 1, 1);
	if (!dir || !sub || !others[0] || !others[1] || !seen) {
		failed(why, wlen, "out of memory", NULL);
		goto out;
	}
	for (uint64_t i = 0; i < r->objects; i++) {
		char *n = name_of(r, "many/o%05llu", (unsigned long long)i);
		int p = n ? put(r, n, i % 97, i, 64, 1, why, wlen) : -1;
		free(n);
		if (p < 0)
			goto out;
	}
	for (int i = 0; i < 2; i++)
		if (put(r, others[i], 10, 1, 64, 1, why, wlen) < 0)
			goto out;
	if (list_all(r, dir, &l, why, wlen) < 0)
		goto out;
	for (size_t i = 0; i < l.n; i++) {
		unsigned long long k;
		char tail[32];
		size_t pl = strlen(dir);
		if (strncmp(l.names[i], dir, pl) != 0 ||
		    sscanf(l.names[i] + pl, "o%5llu%1s", &k, tail) != 1 || k >= r->objects) {
			snprintf(why, wlen,
				 "listing %s gave %s, which is not under it or not written", dir,
				 l.names[i]);
			goto out;
		}
		if (seen[k]++) {
			snprintf(why, wlen, "listing gave %s twice", l.names[i]);
			goto out;
		}
		if (l.sizes[i] != k % 97) {
			snprintf(why, wlen, "listing gave %s with size %llu, it has %llu",
				 l.names[i], (unsigned long long)l.sizes[i], k % 97);
			goto out;
		}
	}
	if (l.n != r->objects) {
		snprintf(why, wlen, "listing %s found %zu of the %llu objects written", dir, l.n,
			 (unsigned long long)r->objects);
		goto out;
	}
	listing_clear(&l);
	/* A prefix that is not a folder: o00010 .. o00019. */
	if (r->objects >= 20) {
		if (list_all(r, sub, &l, why, wlen) < 0)
			goto out;
		if (l.n != 10) {
			snprintf(why, wlen, "listing prefix %s found %zu objects, 10 expected", sub,
				 l.n);
			goto out;
		}
		listing_clear(&l);
	}
	/* A callback answering 1 stops the listing, which then succeeds. */
	l.stop_after = 1;
	if (list_all(r, dir, &l, why, wlen) < 0)
		goto out;
	if (l.calls != 1) {
		snprintf(why, wlen, "the callback answered 1 (stop) but was called %zu times",
			 l.calls);
		goto out;
	}
	listing_clear(&l);
	/* A callback answering -1 fails the listing with its own error. */
	l.fail_after = 2;
	if (cairn_location_list(&r->loc, dir, list_cb, &l, &err) == 0) {
		snprintf(why, wlen, "the callback failed (-1) but list returned 0");
		goto out;
	}
	if (strcmp(err.msg, "storage-check: the callback fails here") != 0 ||
	    err.code != CAIRN_E_CORRUPT || l.calls != 2) {
		failed(why, wlen,
		       "the callback failed (-1) but list did not stop with the callback's error "
		       "and code",
		       &err);
		goto out;
	}
	snprintf(why, wlen,
		 "%llu objects all found once with exact sizes; prefix respected; callback 1 "
		 "stops, -1 fails with its error",
		 (unsigned long long)r->objects);
	rc = 0;
out:
	listing_clear(&l);
	free(seen);
	free(dir);
	free(sub);
	free(others[0]);
	free(others[1]);
	return rc;
}

static int range_is(struct run *r, const char *name, uint64_t off, uint64_t len, int native,
		    char *why, size_t wlen)
{
	cairn_err err = {0};
	uint64_t want = off >= SMALL_SIZE ? 0 : SMALL_SIZE - off;
	if (len && len < want)
		want = len;
	if (native) {
		struct cairn_reader *rd = NULL;
		if (r->ops->read_open_range(r->loc.st, name, off, len, &rd, &err) < 0)
			return failed(why, wlen, "read_open_range", &err);
		int rc = drain(r, rd, SMALL_SEED, off, want, why, wlen);
		r->ops->read_close(rd);
		if (rc < 0) {
			char w2[1200];
			snprintf(w2, sizeof w2, "range (%llu, %llu): %s", (unsigned long long)off,
				 (unsigned long long)len, why);
			snprintf(why, wlen, "%s", w2);
		}
		return rc;
	}
	struct cairn_range_reader *rr = NULL;
	unsigned char got[4096], exp[4096];
	uint64_t n = 0;
	if (cairn_location_read_open_range(&r->loc, name, off, len, &rr, &err) < 0)
		return failed(why, wlen, "read_open (fallback)", &err);
	for (;;) {
		ssize_t g = cairn_range_read(rr, got, sizeof got, &err);
		if (g <= 0) {
			cairn_range_reader_close(rr);
			if (g < 0)
				return failed(why, wlen, "read (fallback)", &err);
			break;
		}
		fill(exp, (size_t)g, SMALL_SEED, off + n);
		if (memcmp(got, exp, (size_t)g)) {
			cairn_range_reader_close(rr);
			snprintf(why, wlen, "fallback range (%llu, %llu) differs",
				 (unsigned long long)off, (unsigned long long)len);
			return -1;
		}
		n += (uint64_t)g;
	}
	if (n != want) {
		snprintf(why, wlen, "fallback range (%llu, %llu) gave %llu bytes, %llu expected",
			 (unsigned long long)off, (unsigned long long)len, (unsigned long long)n,
			 (unsigned long long)want);
		return -1;
	}
	return 0;
}

static int check_ranges(struct run *r, char *why, size_t wlen)
{
	char *name = name_of(r, "small");
	int native = CAIRN_HAS(r->ops, read_open_range);
	uint64_t feat = CAIRN_COVERS(r->ops, features) ? r->ops->features : 0;
	const uint64_t cases[][2] = {{0, 100},
				     {SMALL_SIZE / 2, 1000},
				     {SMALL_SIZE - 10, 100},
				     {SMALL_SIZE + 5, 10},
				     {SMALL_SIZE, 0},
				     {1000, 0},
				     {0, 0},
				     {SMALL_SIZE - 1, 1}};
	int rc = -1;
	if (!name)
		return failed(why, wlen, "out of memory", NULL);
	if ((feat & CAIRN_STORAGE_RANGED_READ) && !native) {
		snprintf(why, wlen,
			 "features has CAIRN_STORAGE_RANGED_READ but read_open_range "
			 "is not set");
		goto out;
	}
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		if (range_is(r, name, cases[i][0], cases[i][1], native, why, wlen) < 0)
			goto out;
	if (native)
		snprintf(why, wlen,
			 "read_open_range: start, middle, past the end, to the end "
			 "(length 0) exact");
	else
		snprintf(why, wlen,
			 "no read_open_range: the host falls back to reading from the "
			 "start and skipping (exact, but each range pays for the bytes "
			 "before it)");
	rc = 0;
out:
	free(name);
	return rc;
}

static int check_missing(struct run *r, char *why, size_t wlen)
{
	char *name = name_of(r, "no-such-object");
	cairn_err err = {0};
	int rc = -1;
	if (!name)
		return failed(why, wlen, "out of memory", NULL);
	if (absent(r, name, why, wlen) < 0)
		goto out;
	if (CAIRN_HAS(r->ops, read_open_range)) {
		struct cairn_reader *rd = NULL;
		if (r->ops->read_open_range(r->loc.st, name, 10, 10, &rd, &err) == 0) {
			r->ops->read_close(rd);
			snprintf(why, wlen, "read_open_range of a missing object succeeds");
			goto out;
		}
		if (err.code != CAIRN_E_NOTFOUND) {
			failed(why, wlen,
			       "read_open_range of a missing object: not CAIRN_E_NOTFOUND", &err);
			goto out;
		}
	}
	memset(&err, 0, sizeof err);
	if (r->ops->remove(r->loc.st, name, &err) < 0) {
		failed(why, wlen, "remove of a missing object must succeed (return 0)", &err);
		goto out;
	}
	snprintf(why, wlen, "read_open%s CAIRN_E_NOTFOUND, stat exists=0, remove returns 0",
		 CAIRN_HAS(r->ops, read_open_range) ? " and read_open_range" : "");
	rc = 0;
out:
	free(name);
	return rc;
}

static int check_remove(struct run *r, char *why, size_t wlen)
{
	char *name = name_of(r, "small");
	cairn_err err = {0};
	int rc = -1;
	if (!name)
		return failed(why, wlen, "out of memory", NULL);
	if (r->ops->remove(r->loc.st, name, &err) < 0)
		failed(why, wlen, "remove", &err);
	else if (absent(r, name, why, wlen) == 0)
		rc = 0;
	if (rc == 0)
		snprintf(why, wlen, "a removed object is gone from stat, list and read_open");
	free(name);
	return rc;
}

static int check_overwrite(struct run *r, char *why, size_t wlen)
{
	char *name = name_of(r, "over");
	cairn_err err = {0};
	struct cairn_writer *w1 = NULL, *w2 = NULL;
	unsigned char buf[3000];
	int rc = -1;
	if (!name)
		return failed(why, wlen, "out of memory", NULL);
	/* A shorter object over a longer one: nothing of the first remains. */
	if (put(r, name, 300000, 21, 65536, 1, why, wlen) < 0 ||
	    put(r, name, 1000, 22, 333, 1, why, wlen) < 0 ||
	    stat_is(r, name, 1, 1000, why, wlen) < 0 || get(r, name, 22, 1000, why, wlen) < 0)
		goto out;
	/* Two writers of one name open together: the later commit wins, whole. */
	if (r->ops->write_open(r->loc.st, name, &w1, &err) < 0 ||
	    r->ops->write_open(r->loc.st, name, &w2, &err) < 0) {
		failed(why, wlen, "write_open (two writers of one name)", &err);
		if (w1)
			r->ops->write_abort(w1);
		goto out;
	}
	fill(buf, sizeof buf, 23, 0);
	int wr1 = r->ops->write(w1, buf, sizeof buf, &err);
	fill(buf, 2000, 24, 0);
	int wr2 = wr1 < 0 ? -1 : r->ops->write(w2, buf, 2000, &err);
	if (wr1 < 0 || wr2 < 0) {
		failed(why, wlen, "write", &err);
		r->ops->write_abort(w1);
		r->ops->write_abort(w2);
		goto out;
	}
	if (r->ops->write_commit(w2, &err) < 0) {
		failed(why, wlen, "write_commit", &err);
		r->ops->write_abort(w1);
		goto out;
	}
	if (r->ops->write_commit(w1, &err) < 0) {
		failed(why, wlen, "write_commit", &err);
		goto out;
	}
	if (stat_is(r, name, 1, sizeof buf, why, wlen) < 0 ||
	    get(r, name, 23, sizeof buf, why, wlen) < 0)
		goto out;
	snprintf(why, wlen, "the last commit wins, whole (also with two writers open at once)");
	rc = 0;
out:
	free(name);
	return rc;
}

struct worker {
	struct run *r;
	int id;
	int lister;
	volatile int *stop;
	char why[1400];
	int rc;
};

static void *work(void *arg)
{
	struct worker *w = arg;
	struct run *r = w->r;
	if (w->lister) {
		while (!*w->stop) {
			struct listing l = {0};
			if (list_all(r, r->prefix, &l, w->why, sizeof w->why) < 0)
				w->rc = -1;
			listing_clear(&l);
			if (w->rc < 0)
				break;
		}
		return NULL;
	}
	for (int i = 0; i < 12 && !w->rc; i++) {
		/* One folder per thread: a driver may clean a folder up with
		 * its last object (storage-nfs does), and the host never
		 * removes in a folder another writer is writing to. */
		char *name = name_of(r, "conc/t%d/%d", w->id, i);
		uint64_t size = (uint64_t)(i * 7919 + w->id * 131) % 200000,
			 seed = 1000u + (unsigned)w->id * 100u + (unsigned)i;
		int exists = 0;
		uint64_t got = 0;
		cairn_err err = {0};
		if (!name ||
		    put(r, name, size, seed, 1021 + (size_t)w->id, 1, w->why, sizeof w->why) < 0 ||
		    get(r, name, seed, size, w->why, sizeof w->why) < 0)
			w->rc = -1;
		else if (r->ops->stat(r->loc.st, name, &exists, &got, &err) < 0)
			w->rc = failed(w->why, sizeof w->why, "stat", &err);
		else if (!exists || got != size) {
			snprintf(w->why, sizeof w->why, "stat of %s: exists=%d size %llu", name,
				 exists, (unsigned long long)got);
			w->rc = -1;
		} else if (r->ops->remove(r->loc.st, name, &err) < 0)
			w->rc = failed(w->why, sizeof w->why, "remove", &err);
		free(name);
	}
	return NULL;
}

static int check_concurrent(struct run *r, char *why, size_t wlen)
{
	size_t n = r->threads + 1;
	struct worker *ws = calloc(n, sizeof *ws);
	pthread_t *ts = calloc(n, sizeof *ts);
	volatile int stop = 0;
	int rc = 0;
	if (!ws || !ts) {
		free(ws);
		free(ts);
		return failed(why, wlen, "out of memory", NULL);
	}
	for (size_t i = 0; i < n; i++) {
		ws[i] = (struct worker){.r = r, .id = (int)i, .lister = i == n - 1, .stop = &stop};
		if (pthread_create(&ts[i], NULL, work, &ws[i]) != 0) {
			ws[i].rc = 1; /* not started */
			snprintf(ws[i].why, sizeof ws[i].why, "cannot start a thread");
		}
	}
	for (size_t i = 0; i + 1 < n; i++)
		if (ws[i].rc != 1)
			pthread_join(ts[i], NULL);
	stop = 1;
	if (ws[n - 1].rc != 1)
		pthread_join(ts[n - 1], NULL);
	for (size_t i = 0; i < n && !rc; i++)
		if (ws[i].rc) {
			snprintf(why, wlen, "thread %zu: %s", i, ws[i].why);
			rc = -1;
		}
	if (!rc)
		snprintf(why, wlen,
			 "%llu threads writing, reading, stating and removing on one handle, one "
			 "listing beside them",
			 (unsigned long long)r->threads);
	free(ws);
	free(ts);
	return rc;
}

static size_t depth(const char *name)
{
	size_t d = 0;
	for (; *name; name++)
		d += *name == '/';
	return d;
}

static int deeper_first(const void *a, const void *b)
{
	size_t da = depth(*(const char *const *)a), db = depth(*(const char *const *)b);
	return da > db ? -1 : da < db;
}

/* Removes everything under the scratch prefix and checks it is gone. The
 * deepest names go first, so that a driver of real directories that drops
 * a folder with its last object (storage-nfs) drops the scratch folder too. */
static int check_cleanup(struct run *r, char *why, size_t wlen)
{
	struct listing l = {0};
	cairn_err err = {0};
	int rc = -1;
	if (list_all(r, r->prefix, &l, why, wlen) < 0)
		return -1;
	if (l.n > 1)
		qsort(l.names, l.n, sizeof *l.names, deeper_first); /* sizes no longer match */
	for (size_t i = 0; i < l.n; i++)
		if (r->ops->remove(r->loc.st, l.names[i], &err) < 0) {
			failed(why, wlen, "remove", &err);
			goto out;
		}
	size_t removed = l.n;
	listing_clear(&l);
	if (list_all(r, r->prefix, &l, why, wlen) < 0)
		goto out;
	if (l.n) {
		snprintf(why, wlen, "%zu objects still listed after removing them (%s ...)", l.n,
			 l.names[0]);
		goto out;
	}
	snprintf(why, wlen, "removed the %zu objects left under %s", removed, r->prefix);
	rc = 0;
out:
	listing_clear(&l);
	return rc;
}

static const struct {
	const char *name;
	int (*fn)(struct run *r, char *why, size_t wlen);
} checks[] = {
    {"write-read", check_write_read},	{"abort", check_abort},
    {"uncommitted", check_uncommitted}, {"large-stream", check_large},
    {"list-many", check_list},		{"ranged-read", check_ranges},
    {"missing", check_missing},		{"overwrite", check_overwrite},
    {"concurrent", check_concurrent},	{"remove", check_remove},
    {"cleanup", check_cleanup},
};

static int parse(struct run *r, const struct cairn_opts *o, cairn_err *err)
{
	if (cairn_opt_u64(o, "large_mb", &r->large_mb, err) < 0 ||
	    cairn_opt_u64(o, "objects", &r->objects, err) < 0 ||
	    cairn_opt_u64(o, "threads", &r->threads, err) < 0)
		return -1;
	if (r->large_mb > 65536 || r->objects > 100000 || r->threads < 1 || r->threads > 64)
		return cairn_err_set(err, "--large_mb at most 65536, --objects at most 100000, "
					  "--threads from 1 to 64");
	unsigned char rnd[6];
	if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd)
		return cairn_err_set(err, "cannot read random bytes for the scratch prefix");
	snprintf(r->prefix, sizeof r->prefix, "cairn-check.%02x%02x%02x%02x%02x%02x/", rnd[0],
		 rnd[1], rnd[2], rnd[3], rnd[4], rnd[5]);
	return 0;
}

int cairn_cmd_storage_check(int argc, char **argv)
{
	struct cairn_opts o;
	struct run r = {0};
	cairn_err err = {0};
	char **args = calloc((size_t)argc + 2, sizeof *args);
	int n = 0, rc = 1;
	cairn_log_set_name("storage-check");
	if (!args) {
		cairn_print_error("out of memory");
		return 1;
	}
	/* `cairn storage-check URI [flags]`: the first argument as -l. */
	args[n++] = argv[0];
	if (argc > 1 && argv[1][0] != '-') {
		args[n++] = "--location";
		args[n++] = argv[1];
		for (int i = 2; i < argc; i++)
			args[n++] = argv[i];
	} else {
		for (int i = 1; i < argc; i++)
			args[n++] = argv[i];
	}
	int pr = cairn_opts_parse("storage-check", "URI [flags]", flags, n, args, &o, &err);
	free(args);
	if (pr != 0) {
		if (pr < 0)
			cairn_print_error(err.msg);
		cairn_opts_clear(&o);
		return pr < 0 ? 2 : 0;
	}
	const char *l = cairn_opt(&o, "location");
	int anon = cairn_opt_bool(&o, "anonymous");
	if (!l || !*l) {
		cairn_err_set(&err, "give the location to check: cairn storage-check URI");
		goto fail;
	}
	if (anon < 0) {
		cairn_err_set(&err, "--anonymous must be true or false");
		goto fail;
	}
	if (cairn_opt_bool(&o, "quiet") == 1)
		cairn_log_set_level(CAIRN_LOG_WARN);
	if (parse(&r, &o, &err) < 0)
		goto fail;
	if (cairn_load_plugins_from(cairn_opt(&o, "plugin_dir")) < 0)
		goto out;
	const struct cairn_kv params[] = {{"anonymous", "true"}, {NULL, NULL}};
	if (cairn_location_open(l, anon == 1 ? params : NULL, &r.loc, &err) < 0) {
		cairn_err_prefix(&err, "cannot open %s", l);
		goto fail;
	}
	r.ops = r.loc.ops;
	printf("storage-check %s with %s (ABI %u.%u), scratch prefix %s\n", l, r.loc.plugin_name,
	       CAIRN_ABI_MAJOR, r.loc.abi_minor, r.prefix);
	for (size_t i = 0; i < sizeof checks / sizeof checks[0]; i++) {
		char why[1400] = "";
		if (i > 0 && r.fail && r.pass == 0) {
			result(&r, "SKIP", checks[i].name, "the first write failed");
			continue;
		}
		int c = checks[i].fn(&r, why, sizeof why);
		result(&r, c == 0 ? "PASS" : c > 0 ? "SKIP" : "FAIL", checks[i].name, "%s", why);
	}
	printf("%d passed, %d failed, %d skipped\n", r.pass, r.fail, r.skip);
	rc = r.fail ? 1 : 0;
	goto out;
fail:
	cairn_print_error(err.msg);
out:
	if (r.loc.st)
		cairn_location_close(&r.loc);
	cairn_opts_clear(&o);
	return rc;
}
