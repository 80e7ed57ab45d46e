/* export.c — the export mutation: the whole cluster's data at one read
 * timestamp, written through a storage plugin to a destination.
 *
 * The alpha asked coordinates, as a backup does (backup/coordinator.c): it
 * takes the read timestamp from zero (cairn_backup_read_ts), picks a folder
 * <destination>/export.YYYYMMDD.HHMMSS.mmm, writes its own group's file and
 * asks one alpha of every other group for theirs over POST /internal/export
 * (the credentials sealed as for /internal/backup), in parallel. Each file
 * is gNN.rdf.gz or gNN.json.gz, streamed from one read snapshot through the
 * backup pipeline (gzip blocks, AES-CTR when the alpha has an encryption
 * key, sha256). Every file is then read back through this alpha's handle,
 * and export.json, the export's manifest, is written last: a folder without
 * it is an interrupted export. A failed export removes what it wrote.
 *
 * RDF is /export's lines, byte for byte. JSON is Dgraph's export form: one
 * array of objects, one per subject and predicate in the store's key order
 * (so it streams), {"uid":"0x1","name":"Alice"}; uid objects as
 * {"uid":"0x2"}, language-tagged strings under "pred@lang", xs:int/float
 * numbers and xs:boolean as JSON numbers and booleans, several objects of
 * one predicate as a list. */
#include "alpha/export.h"
#include "clock.h"

#include <openssl/crypto.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "alpha/tasks.h"
#include "backup/backup.h"
#include "backup/group.h"
#include "cluster/zero_client.h"
#include "jsonfile.h"
#include "log.h"
#include "pipeline/object.h"
#include "rdf.h"
#include "server/http.h"
#include "store/db.h"

/* A group's file may take as long as its data takes to write. */
#define GROUP_EXPORT_DEADLINE_MS (24L * 3600 * 1000)
#define MANIFEST_NAME "export.json"
/* A group's alpha answers /health all along its part; one silent this long
 * is taken for hung (the backup's rule). */
#define HEALTH_PROBE_MS 2000
#define HUNG_AFTER_MS 10000
#define WATCH_INTERVAL_MS 500

enum export_format { FMT_RDF, FMT_JSON };

static int format_parse(const char *name, enum export_format *f, cairn_err *err)
{
	if (!name || !strcmp(name, "rdf"))
		*f = FMT_RDF;
	else if (!strcmp(name, "json"))
		*f = FMT_JSON;
	else
		return cairn_err_set(err,
				     "export format \"%.32s\" is not supported: use rdf (the "
				     "default) or json",
				     name);
	return 0;
}

static const char *format_name(enum export_format f) { return f == FMT_JSON ? "json" : "rdf"; }

/* What one group's file is. */
struct group_file {
	uint32_t group;
	char path[64]; /* inside the folder: "g01.rdf.gz" */
	uint64_t size, records;
	char sha256[65];
	int encrypted;
	char key_check[33];
};

/* ---- one group's file ------------------------------------------------ */

struct gwriter {
	struct cairn_obj_writer *w;
	enum export_format fmt;
	cairn_err *err;
	uint64_t records;
	int failed, first;
	size_t len;
	/* JSON: the objects of the current subject and predicate */
	uint64_t subj;
	char pred[CAIRN_MAX_PRED + 1];
	char **vals;
	size_t nvals, cap;
	char buf[64 * 1024];
};

static int put(struct gwriter *g, const char *p, size_t n)
{
	if (g->len + n > sizeof g->buf) {
		if (cairn_objw_write(g->w, g->buf, g->len, g->err) < 0)
			return -1;
		g->len = 0;
	}
	if (n > sizeof g->buf)
		return cairn_objw_write(g->w, p, n, g->err);
	memcpy(g->buf + g->len, p, n);
	g->len += n;
	return 0;
}

int cairn_export_rdf_line(const struct cairn_version *v, cairn_export_put_fn put, void *sink)
{
	char head[CAIRN_MAX_PRED + 40];
	int n = snprintf(head, sizeof head, "<0x%llx> <%.*s> ", (unsigned long long)v->subj,
			 (int)v->pred_len, v->pred);
	return put(sink, head, (size_t)n) < 0 || put(sink, v->obj, v->obj_len) < 0 ||
		       put(sink, " .\n", 3) < 0
		   ? -1
		   : 0;
}

static int put_sink(void *sink, const char *p, size_t n) { return put(sink, p, n); }

/* The same bytes as /export's lines. */
static int rdf_line(void *ctx, const struct cairn_version *v)
{
	struct gwriter *g = ctx;
	if (cairn_export_rdf_line(v, put_sink, g) < 0)
		return g->failed = 1;
	g->records++;
	return 0;
}

/* A JSON number as RFC 8259 spells one: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
static int json_number_ok(const char *s, int integer)
{
	if (*s == '-')
		s++;
	if (*s == '0')
		s++;
	else if (*s >= '1' && *s <= '9')
		while (*s >= '0' && *s <= '9')
			s++;
	else
		return 0;
	if (integer)
		return *s == '\0';
	if (*s == '.') {
		if (!(*++s >= '0' && *s <= '9'))
			return 0;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '+' || *s == '-')
			s++;
		if (!(*s >= '0' && *s <= '9'))
			return 0;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	return *s == '\0';
}

static cJSON *json_value(const struct cairn_rdf_term *t)
{
	if (t->kind == CAIRN_RDF_UID) {
		char u[24];
		cJSON *o = cJSON_CreateObject();
		snprintf(u, sizeof u, "0x%llx", (unsigned long long)t->uid);
		cJSON_AddStringToObject(o, "uid", u);
		return o;
	}
	const char *ty = t->type ? t->type : "";
	if ((!strcmp(ty, "xs:int") || !strcmp(ty, "xs:integer") || !strcmp(ty, "xs:long")) &&
	    json_number_ok(t->value, 1))
		return cJSON_CreateRaw(t->value);
	if ((!strcmp(ty, "xs:float") || !strcmp(ty, "xs:double")) && json_number_ok(t->value, 0))
		return cJSON_CreateRaw(t->value);
	if (!strcmp(ty, "xs:boolean") && (!strcmp(t->value, "true") || !strcmp(t->value, "false")))
		return cJSON_CreateBool(!strcmp(t->value, "true"));
	return cJSON_CreateString(t->value);
}

/* Writes the object of the subject and predicate gathered so far. */
static int json_flush(struct gwriter *g)
{
	cJSON *o = cJSON_CreateObject(), *item;
	char uid[24], key[CAIRN_MAX_PRED + 64];
	int rc = -1;
	if (!g->nvals)
		return 0;
	snprintf(uid, sizeof uid, "0x%llx", (unsigned long long)g->subj);
	cJSON_AddStringToObject(o, "uid", uid);
	for (size_t i = 0; i < g->nvals; i++) {
		struct cairn_rdf_term t;
		if (cairn_rdf_parse_object_text(g->vals[i], &t, g->err) < 0) {
			cairn_err_prefix(g->err, "uid 0x%llx predicate %s",
					 (unsigned long long)g->subj, g->pred);
			goto out;
		}
		snprintf(key, sizeof key, "%s%s%.32s", g->pred, t.lang ? "@" : "",
			 t.lang ? t.lang : "");
		cJSON *list = cJSON_GetObjectItemCaseSensitive(o, key);
		if (!list)
			list = cJSON_AddArrayToObject(o, key);
		cJSON_AddItemToArray(list, json_value(&t));
		cairn_rdf_term_clear(&t);
	}
	/* One object stays a value; several are a list. */
	cJSON_ArrayForEach(item, o)
	{
		if (cJSON_IsArray(item) && cJSON_GetArraySize(item) == 1) {
			cJSON *one = cJSON_DetachItemFromArray(item, 0);
			cJSON_ReplaceItemInObjectCaseSensitive(o, item->string, one);
			item = one;
		}
	}
	char *s = cJSON_PrintUnformatted(o);
	if (!s) {
		cairn_err_set(g->err, "out of memory");
		goto out;
	}
	rc = put(g, g->first ? "\n" : ",\n", g->first ? 1 : 2) < 0 || put(g, s, strlen(s)) < 0 ? -1
											       : 0;
	g->first = 0;
	free(s);
out:
	for (size_t i = 0; i < g->nvals; i++)
		free(g->vals[i]);
	g->nvals = 0;
	cJSON_Delete(o);
	return rc;
}

static int json_triple(void *ctx, const struct cairn_version *v)
{
	struct gwriter *g = ctx;
	if (g->nvals &&
	    (v->subj != g->subj || strlen(g->pred) != v->pred_len ||
	     memcmp(g->pred, v->pred, v->pred_len) != 0) &&
	    json_flush(g) < 0)
		return g->failed = 1;
	if (!g->nvals) {
		g->subj = v->subj;
		snprintf(g->pred, sizeof g->pred, "%.*s", (int)v->pred_len, v->pred);
	}
	if (g->nvals == g->cap) {
		size_t cap = g->cap ? g->cap * 2 : 8;
		char **nv = realloc(g->vals, cap * sizeof *nv);
		if (!nv)
			return g->failed = cairn_err_set(g->err, "out of memory"), 1;
		g->vals = nv;
		g->cap = cap;
	}
	if (!(g->vals[g->nvals] = strndup(v->obj, v->obj_len)))
		return g->failed = cairn_err_set(g->err, "out of memory"), 1;
	g->nvals++;
	g->records++;
	return 0;
}

/* Writes src's data at read_ts into <dir>/gNN.<fmt>.gz. */
static int write_group(const struct cairn_backup_source *src, struct cairn_store_loc *loc,
		       const char *dir, enum export_format fmt, uint64_t read_ts,
		       struct group_file *out, cairn_err *err)
{
	struct cairn_keyset ks;
	struct cairn_obj_info info;
	struct gwriter *g = calloc(1, sizeof *g);
	char name[160];
	int rc = -1;
	memset(out, 0, sizeof *out);
	if (!g)
		return cairn_err_set(err, "out of memory");
	cairn_keyset_init(&ks, src->key, src->key_len);
	out->group = src->group;
	out->encrypted = ks.key_len > 0;
	if (ks.key_len)
		cairn_keyset_check(&ks, out->key_check);
	snprintf(out->path, sizeof out->path, "g%02u.%s.gz", src->group, format_name(fmt));
	snprintf(name, sizeof name, "%s/%s", dir, out->path);
	g->fmt = fmt;
	g->err = err;
	g->first = 1;
	if (cairn_objw_open(loc, name, &ks, &g->w, err) < 0)
		goto out;
	if (fmt == FMT_JSON && put(g, "[", 1) < 0)
		goto out;
	int sr = cairn_db_scan(src->db, read_ts, fmt == FMT_JSON ? json_triple : rdf_line, g, err);
	if (sr != 0 || (fmt == FMT_JSON && (json_flush(g) < 0 || put(g, "\n]\n", 3) < 0)))
		goto out;
	if (g->len && cairn_objw_write(g->w, g->buf, g->len, err) < 0)
		goto out;
	int cr = cairn_objw_commit(g->w, &info, err);
	g->w = NULL;
	if (cr < 0)
		goto out;
	out->size = info.size;
	out->records = g->records;
	memcpy(out->sha256, info.sha256, sizeof out->sha256);
	rc = 0;
out:
	if (rc < 0)
		cairn_err_prefix(err, "group %u's file %s", src->group, name);
	cairn_objw_abort(g->w);
	for (size_t i = 0; i < g->nvals; i++)
		free(g->vals[i]);
	free(g->vals);
	free(g);
	OPENSSL_cleanse(&ks, sizeof ks);
	return rc;
}

static cJSON *group_file_json(const struct group_file *f)
{
	cJSON *j = cJSON_CreateObject();
	cairn_json_add_u64(j, "group", f->group);
	cJSON_AddStringToObject(j, "path", f->path);
	cairn_json_add_u64(j, "size", f->size);
	cJSON_AddStringToObject(j, "sha256", f->sha256);
	cairn_json_add_u64(j, "records", f->records);
	return j;
}

static int group_file_from_json(const cJSON *j, struct group_file *f, cairn_err *err)
{
	const cJSON *path = cJSON_GetObjectItemCaseSensitive(j, "path");
	const cJSON *sha = cJSON_GetObjectItemCaseSensitive(j, "sha256");
	const cJSON *kc = cJSON_GetObjectItemCaseSensitive(j, "key_check");
	if (!cJSON_IsString(path) || !cJSON_IsString(sha) || strlen(sha->valuestring) != 64 ||
	    strlen(path->valuestring) >= sizeof f->path || strchr(path->valuestring, '/'))
		return cairn_err_set(err, "the answer does not describe an export file");
	f->group = (uint32_t)cairn_json_u64(j, "group");
	snprintf(f->path, sizeof f->path, "%s", path->valuestring);
	memcpy(f->sha256, sha->valuestring, 65);
	f->size = cairn_json_u64(j, "size");
	f->records = cairn_json_u64(j, "records");
	f->encrypted = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "encrypted"));
	if (cJSON_IsString(kc) && strlen(kc->valuestring) == 32)
		memcpy(f->key_check, kc->valuestring, 33);
	return 0;
}

/* ---- the other groups' files ----------------------------------------- */

struct remote {
	pthread_t thread;
	uint32_t group;
	char **addrs; /* zero's, newest first */
	size_t naddrs;
	const char *body, *auth_token;
	struct group_file file;
	cairn_err err;
	int rc;
	size_t at;  /* index in addrs being asked (atomic) */
	int cancel; /* set by watch_remotes: the alpha stopped answering (atomic) */
	int done;   /* set at the thread's end (atomic) */
};

static void remote_ask(struct remote *r);

static void *remote_run(void *arg)
{
	struct remote *r = arg;
	remote_ask(r);
	__atomic_store_n(&r->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void remote_ask(struct remote *r)
{
	char url[512], tried[1024] = "", *out = NULL;
	long status = 0;
	r->rc = -1;
	for (size_t i = 0; i < r->naddrs && !__atomic_load_n(&r->cancel, __ATOMIC_ACQUIRE); i++) {
		__atomic_store_n(&r->at, i, __ATOMIC_RELEASE);
		cairn_http_url(url, sizeof url, r->addrs[i], CAIRN_EXPORT_PATH);
		struct cairn_http_call c = {.method = "POST",
					    .url = url,
					    .content_type = "application/json",
					    .body = r->body,
					    .body_len = strlen(r->body),
					    .auth_token = r->auth_token,
					    .timeout_ms = GROUP_EXPORT_DEADLINE_MS,
					    .internal = 1,
					    .cancel = &r->cancel};
		if (cairn_http_fetch(&c, &status, &out, NULL, &r->err) == 0) {
			cJSON *j = cJSON_Parse(out);
			if (status != 200 || !j) {
				const cJSON *e = cJSON_GetArrayItem(
				    cJSON_GetObjectItemCaseSensitive(j, "errors"), 0);
				const cJSON *m = cJSON_GetObjectItemCaseSensitive(e, "message");
				cairn_err_set(
				    &r->err, "group %u (alpha %s): %s", r->group, r->addrs[i],
				    cJSON_IsString(m) ? m->valuestring : "no usable answer");
			} else if (group_file_from_json(j, &r->file, &r->err) < 0) {
				cairn_err_prefix(&r->err, "group %u (alpha %s)", r->group,
						 r->addrs[i]);
			} else if (r->file.group != r->group) {
				cairn_err_set(&r->err, "alpha %s answered for group %u, not %u",
					      r->addrs[i], r->file.group, r->group);
			} else {
				r->rc = 0;
			}
			cJSON_Delete(j);
			free(out);
			return;
		}
		if (__atomic_load_n(&r->cancel, __ATOMIC_ACQUIRE)) {
			cairn_err_setc(
			    &r->err, CAIRN_E_TRANSIENT,
			    "group %u: alpha %s stopped answering during its part of the "
			    "export (no answer to /health for %d s); check that alpha "
			    "(hung or stopped?) and export again",
			    r->group, r->addrs[i], HUNG_AFTER_MS / 1000);
			return;
		}
		snprintf(tried + strlen(tried), sizeof tried - strlen(tried), "%s%s",
			 *tried ? ", " : "", r->addrs[i]);
	}
	cairn_err_setc(&r->err, CAIRN_E_TRANSIENT,
		       "cannot reach any alpha of group %u (tried %s); start its alpha and export "
		       "again",
		       r->group, tried);
}

static int health_ok(const char *addr, const char *auth_token)
{
	char url[512], *out = NULL;
	long status = 0;
	cairn_err err = {0};
	cairn_http_url(url, sizeof url, addr, "/health");
	struct cairn_http_call c = {.method = "GET",
				    .url = url,
				    .auth_token = auth_token,
				    .timeout_ms = HEALTH_PROBE_MS,
				    .internal = 1};
	int ok = cairn_http_fetch(&c, &status, &out, NULL, &err) == 0 && status == 200;
	free(out);
	return ok;
}

/* Until every remote part is done: an alpha that does not answer /health
 * for HUNG_AFTER_MS (it does all along, a thread per connection) is hung
 * or gone, and its call is cancelled rather than waited on for hours. The
 * same rule as a backup's (backup/coordinator.c). */
static void watch_remotes(struct remote *rs, size_t n)
{
	int64_t *last_ok = calloc(n + 1, sizeof *last_ok);
	size_t *last_at = calloc(n + 1, sizeof *last_at);
	for (size_t i = 0; last_ok && i < n; i++)
		last_ok[i] = cairn_mono_ms();
	for (int pending = 1; pending && last_ok && last_at;) {
		pending = 0;
		for (size_t i = 0; i < n; i++) {
			struct remote *r = &rs[i];
			size_t at = __atomic_load_n(&r->at, __ATOMIC_ACQUIRE);
			if (__atomic_load_n(&r->done, __ATOMIC_ACQUIRE) ||
			    __atomic_load_n(&r->cancel, __ATOMIC_ACQUIRE))
				continue;
			pending = 1;
			if (at != last_at[i]) { /* another member asked: its own clock */
				last_at[i] = at;
				last_ok[i] = cairn_mono_ms();
			}
			if (health_ok(r->addrs[at], r->auth_token))
				last_ok[i] = cairn_mono_ms();
			else if (cairn_mono_ms() - last_ok[i] >= HUNG_AFTER_MS)
				__atomic_store_n(&r->cancel, 1, __ATOMIC_RELEASE);
		}
		if (pending)
			usleep(WATCH_INTERVAL_MS * 1000);
	}
	free(last_ok);
	free(last_at);
}

static int plan_remotes(const struct cairn_backup_source *src, struct cairn_zero_state *st,
			const char *body, struct remote **out, size_t *n, cairn_err *err)
{
	*n = 0;
	if (!(*out = calloc(st->ngroups + 1, sizeof **out)))
		return cairn_err_set(err, "out of memory");
	for (size_t i = 0; i < st->ngroups; i++) {
		struct cairn_zero_group *g = &st->groups[i];
		if (g->id == src->group)
			continue;
		if (g->naddrs == 0) {
			if (g->npredicates == 0)
				continue; /* an empty group holds nothing to export */
			return cairn_err_set(err,
					     "group %u serves predicates but has no alpha; start "
					     "its alpha before exporting",
					     g->id);
		}
		for (size_t a = 0, b = g->naddrs - 1; a < b; a++, b--) {
			char *t = g->addrs[a];
			g->addrs[a] = g->addrs[b];
			g->addrs[b] = t;
		}
		struct remote *r = &(*out)[(*n)++];
		r->group = g->id;
		r->addrs = g->addrs;
		r->naddrs = g->naddrs;
		r->body = body;
		r->auth_token = src->auth_token;
	}
	return 0;
}

/* ---- the folder and its manifest -------------------------------------- */

static int stop_at_first(void *ctx, const char *name, uint64_t size, cairn_err *err)
{
	(void)name;
	(void)size;
	(void)err;
	*(int *)ctx = 1;
	return 1;
}

/* A folder name is a millisecond; one a killed export left is not reused. */
static int pick_folder(struct cairn_store_loc *loc, char *dir, size_t len, char *created,
		       size_t clen, cairn_err *err)
{
	for (;;) {
		struct timeval tv;
		struct tm tm;
		char probe[96];
		int used = 0;
		gettimeofday(&tv, NULL);
		gmtime_r(&tv.tv_sec, &tm);
		snprintf(dir, len, "export.%04d%02d%02d.%02d%02d%02d.%03ld", tm.tm_year + 1900,
			 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
			 (long)(tv.tv_usec / 1000));
		strftime(created, clen, "%Y-%m-%dT%H:%M:%SZ", &tm);
		snprintf(probe, sizeof probe, "%s/", dir);
		if (cairn_location_list(loc, probe, stop_at_first, &used, err) < 0)
			return -1;
		if (!used)
			return 0;
		usleep(1000);
	}
}

static int remove_one(void *ctx, const char *name, uint64_t size, cairn_err *err)
{
	struct cairn_store_loc *loc = ctx;
	cairn_err rerr = {0};
	(void)size;
	(void)err;
	if (loc->ops->remove(loc->st, name, &rerr) < 0)
		cairn_warn("cannot remove %s, left by a failed export: %s", name, rerr.msg);
	return 0;
}

/* A failed export removes what it (and the other groups) wrote. */
static void remove_folder(struct cairn_store_loc *loc, const char *dir)
{
	char prefix[96];
	cairn_err err = {0};
	snprintf(prefix, sizeof prefix, "%s/", dir);
	if (cairn_location_list(loc, prefix, remove_one, loc, &err) < 0)
		cairn_warn("cannot list %s to remove a failed export's files: %s", dir, err.msg);
}

/* Each file as this alpha sees the destination: of the size and sha256 its
 * group reported (a destination local to each alpha is not one). */
static int check_file(struct cairn_store_loc *loc, const char *dir, const struct group_file *f,
		      const struct group_file *mine, cairn_err *err)
{
	struct cairn_obj_info info;
	char name[160];
	int exists = 0;
	uint64_t size = 0;
	if (f->encrypted != mine->encrypted || strcmp(f->key_check, mine->key_check) != 0)
		return cairn_err_set(err,
				     "the alpha of group %u %s; every alpha of a cluster must "
				     "export with the same key",
				     f->group,
				     f->encrypted
					 ? (mine->encrypted ? "encrypts with another key"
							    : "encrypts and this one does not")
					 : "has no encryption key");
	snprintf(name, sizeof name, "%s/%s", dir, f->path);
	if (loc->ops->stat(loc->st, name, &exists, &size, err) < 0 ||
	    (exists && cairn_obj_hash(loc, name, NULL, &info, err) < 0))
		return cairn_err_prefix(err, "cannot check group %u's file %s", f->group, name);
	if (!exists || info.size != f->size || strcmp(info.sha256, f->sha256) != 0)
		return cairn_err_setc(err, CAIRN_E_NOTFOUND,
				      "group %u wrote its file %s, but this alpha %s at the "
				      "destination: every alpha must see one shared destination",
				      f->group, name,
				      exists ? "finds another one" : "does not find it");
	return 0;
}

static char *manifest_json(enum export_format fmt, uint64_t read_ts, const char *created,
			   const char *cipher, const struct group_file *files, size_t n)
{
	cJSON *m = cJSON_CreateObject(), *groups, *list;
	cJSON_AddStringToObject(m, "kind", "export");
	cJSON_AddNumberToObject(m, "version", 1);
	cJSON_AddStringToObject(m, "format", format_name(fmt));
	cJSON_AddStringToObject(m, "compression", "gzip");
	cJSON_AddBoolToObject(m, "encrypted", files[0].encrypted);
	if (files[0].encrypted) {
		cJSON_AddStringToObject(m, "cipher", cipher);
		cJSON_AddStringToObject(m, "key_check", files[0].key_check);
	}
	cairn_json_add_u64(m, "read_ts", read_ts);
	cJSON_AddStringToObject(m, "created", created);
	groups = cJSON_AddArrayToObject(m, "groups");
	list = cJSON_AddArrayToObject(m, "files");
	for (size_t i = 0; i < n; i++) {
		cJSON_AddItemToArray(groups, cairn_json_u64_create(files[i].group));
		cJSON_AddItemToArray(list, group_file_json(&files[i]));
	}
	char *s = cJSON_Print(m);
	cJSON_Delete(m);
	return s;
}

static int cmp_file(const void *a, const void *b)
{
	const struct group_file *x = a, *y = b;
	return x->group < y->group ? -1 : x->group > y->group;
}

/* ---- the two entry points --------------------------------------------- */

static struct cairn_backup_source source_of(const struct cairn_alpha *a)
{
	struct cairn_backup_source src = {.db = a->db,
					  .group = a->group,
					  .key = a->key_len ? a->key : NULL,
					  .key_len = a->key_len,
					  .zero = a->zero,
					  .member_id = a->member_id,
					  .auth_token = a->access.token};
	return src;
}

static void progress_add(struct cairn_task_progress *p, uint64_t bytes, uint64_t objects)
{
	if (!p)
		return;
	__atomic_fetch_add(&p->bytes, bytes, __ATOMIC_RELAXED);
	__atomic_fetch_add(&p->objects, objects, __ATOMIC_RELAXED);
}

static char *job_body(const struct cairn_backup_request *req, const char *dir,
		      enum export_format fmt, uint64_t read_ts)
{
	cJSON *j = cJSON_CreateObject();
	char *s = NULL;
	if (j && cairn_backup_request_seal(j, req, CAIRN_EXPORT_PATH) == 0) {
		cJSON_AddStringToObject(j, "dir", dir);
		cJSON_AddStringToObject(j, "format", format_name(fmt));
		cairn_json_add_u64(j, "read_ts", read_ts);
		s = cJSON_PrintUnformatted(j);
	}
	cJSON_Delete(j);
	return s;
}

/* Starts the other groups' parts, writes this group's, waits for them all. */
static int write_files(const struct cairn_backup_source *src, struct cairn_store_loc *loc,
		       const char *dir, enum export_format fmt, uint64_t read_ts,
		       struct remote *remotes, size_t nremotes, struct group_file *files,
		       struct cairn_task_progress *p, cairn_err *err)
{
	size_t started = 0;
	for (; started < nremotes; started++)
		if (pthread_create(&remotes[started].thread, NULL, remote_run, &remotes[started]))
			break;
	int rc = write_group(src, loc, dir, fmt, read_ts, &files[0], err);
	if (rc == 0)
		progress_add(p, files[0].size, 1);
	watch_remotes(remotes, started);
	for (size_t i = 0; i < started; i++)
		pthread_join(remotes[i].thread, NULL);
	if (rc < 0)
		return -1;
	if (started < nremotes)
		return cairn_err_set(err, "cannot start a thread for group %u",
				     remotes[started].group);
	for (size_t i = 0; i < nremotes; i++) {
		if (remotes[i].rc < 0)
			return cairn_err_set(err, "%s", remotes[i].err.msg);
		files[i + 1] = remotes[i].file;
		progress_add(p, files[i + 1].size, 1);
	}
	return 0;
}

int cairn_alpha_export_files(struct cairn_alpha *a, const cJSON *input,
			     struct cairn_task_progress *p, char **result, cJSON **files_out,
			     cairn_err *err)
{
	struct cairn_backup_request req;
	struct cairn_backup_source src = source_of(a);
	struct cairn_store_loc loc = {0};
	struct cairn_zero_state st = {0};
	struct remote *remotes = NULL;
	struct group_file *files = NULL;
	size_t nremotes = 0;
	enum export_format fmt;
	char dir[64] = "", created[32], *body = NULL, *manifest = NULL;
	uint64_t read_ts = 0;
	int rc = -1;
	*result = NULL;
	if (files_out)
		*files_out = NULL;
	cairn_backup_request_from_json(input, &req);
	const cJSON *f = cJSON_GetObjectItemCaseSensitive(input, "format");
	if (format_parse(cJSON_IsString(f) ? f->valuestring : NULL, &fmt, err) < 0)
		return -1;
	if (!req.destination || !*req.destination)
		return cairn_err_set(err, "export needs a destination: a directory (/abs/path), "
					  "s3://... or minio://...");
	if (cairn_backup_open_destination(&req, &loc, err) < 0) {
		cairn_err_prefix(err, "cannot open the export destination");
		goto out;
	}
	if (cairn_backup_read_ts(&src, &st, &read_ts, err) < 0 ||
	    pick_folder(&loc, dir, sizeof dir, created, sizeof created, err) < 0) {
		*dir = '\0';
		goto out;
	}
	cairn_info("export %s (%s) at read_ts %llu%s to %s", dir, format_name(fmt),
		   (unsigned long long)read_ts, a->key_len ? ", encrypted" : "", req.destination);
	if (!(body = job_body(&req, dir, fmt, read_ts))) {
		cairn_err_set(err, "out of memory");
		goto out;
	}
	if (plan_remotes(&src, &st, body, &remotes, &nremotes, err) < 0)
		goto out;
	if (!(files = calloc(nremotes + 1, sizeof *files))) {
		cairn_err_set(err, "out of memory");
		goto out;
	}
	if (write_files(&src, &loc, dir, fmt, read_ts, remotes, nremotes, files, p, err) < 0)
		goto out;
	qsort(files, nremotes + 1, sizeof *files, cmp_file);
	for (size_t i = 0; i <= nremotes; i++)
		if (check_file(&loc, dir, &files[i], &files[0], err) < 0)
			goto out;
	char mname[128];
	snprintf(mname, sizeof mname, "%s/" MANIFEST_NAME, dir);
	if (!(manifest = manifest_json(fmt, read_ts, created, cairn_cipher_name(a->key_len), files,
				       nremotes + 1))) {
		cairn_err_set(err, "out of memory");
		goto out;
	}
	if (cairn_location_write_all(&loc, mname, manifest, strlen(manifest), err) < 0) {
		cairn_err_prefix(err, "cannot write the export's manifest %s", mname);
		goto out;
	}
	if (files_out) {
		char path[160];
		*files_out = cJSON_CreateArray();
		for (size_t i = 0; i <= nremotes; i++) {
			snprintf(path, sizeof path, "%s/%s", dir, files[i].path);
			cJSON_AddItemToArray(*files_out, cJSON_CreateString(path));
		}
		cJSON_AddItemToArray(*files_out, cJSON_CreateString(mname));
	}
	if (asprintf(result, "Export completed: %s (%zu group(s), read_ts %llu).", dir,
		     nremotes + 1, (unsigned long long)read_ts) < 0)
		*result = NULL;
	cairn_info("export %s complete (%zu group(s))", dir, nremotes + 1);
	rc = 0;
out:
	if (rc < 0 && *dir)
		remove_folder(&loc, dir);
	if (rc < 0) {
		cairn_scrub(err->msg);
		cairn_error("export failed: %s", err->msg);
	}
	if (body) {
		OPENSSL_cleanse(body, strlen(body));
		free(body);
	}
	free(manifest);
	free(remotes);
	free(files);
	cairn_zero_state_clear(&st);
	cairn_location_close(&loc);
	return rc;
}

int cairn_alpha_export(struct cairn_alpha *a, const cJSON *input, struct cairn_task_progress *p,
		       char **result, cairn_err *err)
{
	return cairn_alpha_export_files(a, input, p, result, NULL, err);
}

static const char *opt_str(const cJSON *j, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, name);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

char *cairn_alpha_export_serve(struct cairn_alpha *a, const char *body, size_t len, cairn_err *err)
{
	cJSON *j = cJSON_ParseWithLength(body, len), *out = NULL;
	struct cairn_backup_source src = source_of(a);
	struct cairn_store_loc loc = {0};
	struct cairn_backup_request req;
	struct group_file file;
	enum export_format fmt;
	char *opened[3] = {NULL, NULL, NULL}, *s = NULL;
	const char *dir = opt_str(j, "dir");
	uint64_t read_ts = cairn_json_u64(j, "read_ts");
	cairn_backup_request_from_json(j, &req);
	if (!j || !req.destination || !dir || strncmp(dir, "export.", 7) != 0 || strchr(dir, '/') ||
	    strlen(dir) > 40 || !read_ts) {
		cairn_err_set(err, "a group export request needs destination, dir, format and "
				   "read_ts");
		goto out;
	}
	if (format_parse(opt_str(j, "format"), &fmt, err) < 0 ||
	    cairn_backup_request_open(&req, CAIRN_EXPORT_PATH, opened, err) < 0 ||
	    cairn_zero_wait_watermark(a->zero, read_ts, err) < 0 ||
	    cairn_backup_open_destination(&req, &loc, err) < 0 ||
	    write_group(&src, &loc, dir, fmt, read_ts, &file, err) < 0)
		goto out;
	cairn_info("group %u file %s/%s written for an export coordinated elsewhere", a->group, dir,
		   file.path);
	out = group_file_json(&file);
	cJSON_AddBoolToObject(out, "encrypted", file.encrypted);
	cJSON_AddStringToObject(out, "key_check", file.key_check);
	s = cJSON_PrintUnformatted(out);
out:
	cJSON_Delete(out);
	cJSON_Delete(j);
	cairn_location_close(&loc);
	for (int i = 0; i < 3; i++)
		if (opened[i]) {
			OPENSSL_cleanse(opened[i], strlen(opened[i]));
			free(opened[i]);
		}
	return s;
}
