/* uri.c — location URIs. The parser is strict: a location that might be
 * misread is refused with the reason, never guessed at. */
#include "uri.h"

#include "log.h"

#include "textutil.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

struct uri_owned {
	struct cairn_uri u; /* first, so a struct cairn_uri * is the whole thing */
	char *raw, *scheme, *host, *path;
	struct cairn_kv *query;
	size_t nquery;
};

void cairn_uri_free(struct cairn_uri *u)
{
	struct uri_owned *o = (struct uri_owned *)u;
	if (!o)
		return;
	for (size_t i = 0; i < o->nquery; i++) {
		free((char *)o->query[i].key);
		free((char *)o->query[i].value);
	}
	free(o->query);
	free(o->raw);
	free(o->scheme);
	free(o->host);
	free(o->path);
	free(o);
}

/* Percent-decodes s[0..n) into a new string; NULL on a bad escape or NUL. */
static char *pct_decode(const char *s, size_t n, int plus_is_space)
{
	char *out = malloc(n + 1), *w = out;
	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '%') {
			int h, l;
			if (i + 2 >= n || (h = cairn_hexval(s[i + 1])) < 0 ||
			    (l = cairn_hexval(s[i + 2])) < 0)
				goto bad;
			if (h == 0 && l == 0)
				goto bad;
			*w++ = (char)(h * 16 + l);
			i += 2;
		} else if (s[i] == '+' && plus_is_space) {
			*w++ = ' ';
		} else {
			*w++ = s[i];
		}
	}
	*w = 0;
	return out;
bad:
	free(out);
	return NULL;
}

/* A query parameter that may carry a credential (secret_key, X-Amz-Signature,
 * sig, token, password...): its value is scrubbed from every log line and
 * error, since errors quote the whole location. */
static int secret_param(const char *k)
{
	static const char *const marks[] = {"secret", "key",  "token", "pass",
					    "sig",    "cred", "auth"};
	for (size_t i = 0; i < sizeof marks / sizeof marks[0]; i++)
		if (strcasestr(k, marks[i]))
			return 1;
	return 0;
}

static int parse_query(struct uri_owned *o, const char *q, const char *raw, cairn_err *err)
{
	size_t cap = 1;
	for (const char *p = q; *p; p++)
		cap += *p == '&';
	o->query = calloc(cap + 1, sizeof *o->query);
	if (!o->query)
		return cairn_err_set(err, "out of memory");
	while (*q) {
		const char *amp = strchr(q, '&');
		size_t len = amp ? (size_t)(amp - q) : strlen(q);
		if (len) {
			const char *eq = memchr(q, '=', len);
			size_t klen = eq ? (size_t)(eq - q) : len;
			char *k = pct_decode(q, klen, 1);
			char *v = eq ? pct_decode(eq + 1, len - klen - 1, 1) : strdup("");
			if (!k || !v || !*k) {
				free(k);
				free(v);
				return cairn_err_set(
				    err, "bad location \"%s\": malformed query parameter", raw);
			}
			if (secret_param(k)) { /* decoded and as written */
				cairn_add_secret(v, strlen(v));
				if (eq)
					cairn_add_secret(eq + 1, len - klen - 1);
			}
			o->query[o->nquery].key = k;
			o->query[o->nquery].value = v;
			o->nquery++;
		}
		q += len + (amp ? 1 : 0);
	}
	return 0;
}

struct cairn_uri *cairn_uri_parse(const char *s, cairn_err *err)
{
	struct uri_owned *o = calloc(1, sizeof *o);
	char *rest = NULL;
	if (!o) {
		cairn_err_set(err, "out of memory");
		return NULL;
	}
	if (!s || !*s) {
		cairn_err_set(err, "empty location: give a directory (/abs/path) or a URI such as "
				   "s3://s3.us-west-2.amazonaws.com/bucket");
		goto fail;
	}
	o->raw = strdup(s);
	if (s[0] == '/') {
		o->scheme = strdup("file");
		o->host = strdup("");
		o->path = strdup(s);
		o->query = calloc(1, sizeof *o->query);
		goto done;
	}
	const char *p = s;
	if (!isalpha((unsigned char)*p))
		goto relative;
	while (isalnum((unsigned char)*p) || *p == '+' || *p == '-' || *p == '.')
		p++;
	if (strncmp(p, "://", 3) != 0)
		goto relative;
	o->scheme = strndup(s, (size_t)(p - s));
	for (char *c = o->scheme; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	p += 3;
	const char *auth_end = p + strcspn(p, "/?#");
	if (*auth_end == '#' || strchr(p, '#')) {
		cairn_err_set(err, "bad location \"%s\": fragments (#) are not allowed", s);
		goto fail;
	}
	if (memchr(p, '@', (size_t)(auth_end - p))) {
		cairn_err_set(err,
			      "bad location \"%s\": credentials in the URI are not accepted; "
			      "use accessKey/secretKey or the environment",
			      "<redacted>");
		goto fail;
	}
	const char *hp = p, *colon = NULL;
	if (*hp == '[') { /* IPv6 literal */
		const char *rb = memchr(hp, ']', (size_t)(auth_end - hp));
		if (!rb) {
			cairn_err_set(err, "bad location \"%s\": unterminated [ in host", s);
			goto fail;
		}
		o->host = strndup(hp + 1, (size_t)(rb - hp - 1));
		if (rb + 1 < auth_end) {
			if (rb[1] != ':') {
				cairn_err_set(err, "bad location \"%s\": junk after ]", s);
				goto fail;
			}
			colon = rb + 1;
		}
	} else {
		colon = memchr(hp, ':', (size_t)(auth_end - hp));
		o->host = strndup(hp, (size_t)((colon ? colon : auth_end) - hp));
	}
	if (colon) {
		const char *d = colon + 1;
		long port = 0;
		if (d == auth_end) {
			cairn_err_set(err, "bad location \"%s\": empty port", s);
			goto fail;
		}
		for (; d < auth_end; d++) {
			if (!isdigit((unsigned char)*d) ||
			    (port = port * 10 + (*d - '0')) > 65535) {
				cairn_err_set(
				    err, "bad location \"%s\": port must be a number 1-65535", s);
				goto fail;
			}
		}
		if (port == 0) {
			cairn_err_set(err, "bad location \"%s\": port must be a number 1-65535", s);
			goto fail;
		}
		o->u.port = (int)port;
	}
	for (const char *c = o->host; *c; c++)
		if (!isalnum((unsigned char)*c) && *c != '-' && *c != '.' && *c != '_' &&
		    *c != ':') {
			cairn_err_set(err, "bad location \"%s\": bad character '%c' in host name",
				      s, *c);
			goto fail;
		}
	const char *q = strchr(auth_end, '?');
	size_t plen = q ? (size_t)(q - auth_end) : strlen(auth_end);
	o->path = pct_decode(auth_end, plen, 0);
	if (!o->path) {
		cairn_err_set(err, "bad location \"%s\": bad percent-escape in path", s);
		goto fail;
	}
	if (parse_query(o, q ? q + 1 : "", s, err) < 0)
		goto fail;
	if (!strcmp(o->scheme, "file")) {
		if (*o->host) {
			cairn_err_set(err,
				      "bad location \"%s\": file:// URIs take no host; "
				      "write file:///abs/path",
				      s);
			goto fail;
		}
		if (!*o->path) {
			cairn_err_set(err, "bad location \"%s\": no directory after file://", s);
			goto fail;
		}
	}
	goto done;
relative:
	cairn_err_set(err,
		      "bad location \"%s\": a directory must be an absolute path "
		      "(or a URI such as minio://host:9000/bucket)",
		      s);
	goto fail;
done:
	if (!o->raw || !o->scheme || !o->host || !o->path || !o->query) {
		cairn_err_set(err, "out of memory");
		goto fail;
	}
	o->u.raw = o->raw;
	o->u.scheme = o->scheme;
	o->u.host = o->host;
	o->u.path = o->path;
	o->u.query = o->query;
	free(rest);
	return &o->u;
fail:
	free(rest);
	cairn_uri_free(&o->u);
	return NULL;
}
