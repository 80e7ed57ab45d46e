/* alpha.c — `cairn alpha`: one group's data node. It wires the store, the
 * HTTP server, zero (cluster/zero_client.h) and backups (backup/backup.h)
 * together: mutations, drops (here and, through /internal/alter, in every
 * other group), export, health, metrics and /admin here; the backup itself
 * in backup/. Before serving it makes zero move past its data and claims a
 * restored directory's predicates (store/restored.h). */
#include <cairn/keys.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <malloc.h>
#include <openssl/crypto.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "alpha/alpha.h"
#include "alpha/export.h"
#include "alpha/schedule.h"
#include "alpha/tablets.h"
#include "alpha/tasks.h"
#include "backup/backup.h"
#include "backup/group.h"
#include "backup_metrics.h"
#include "blanks.h"
#include "cluster/member.h"
#include "cluster/zero_client.h"
#include "commands.h"
#include "config.h"
#include "faults.h"
#include "jsonfile.h"
#include "keysel.h"
#include "log.h"
#include "pipeline/blocks.h"
#include "pipeline/object.h"
#include "rdf.h"
#include "server/access.h"
#include "server/admin.h"
#include "server/http.h"
#include "server/listener.h"
#include "server/member_auth.h"
#include "server/stream.h"
#include "server/tls.h"
#include "store/atrest.h"
#include "store/db.h"
#include "store/restored.h"

#define MAX_BODY (256u << 20)
/* A request body at least this large gives its memory back after (malloc_trim). */
#define TRIM_AFTER_BYTES (16u << 20)

static volatile sig_atomic_t stop_flag;
static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static uint64_t term_uid(const struct cairn_rdf_term *t, struct cairn_blanks *bm)
{
	if (t->kind == CAIRN_RDF_UID)
		return t->uid;
	uint64_t *slot = cairn_blanks_slot(bm, t->blank, 0);
	return slot ? *slot : 0;
}

static void add_stat(struct cairn_alpha *a, uint64_t *counter)
{
	pthread_mutex_lock(&a->stats.mu);
	(*counter)++;
	pthread_mutex_unlock(&a->stats.mu);
}

/* One commit: a timestamp from zero (which holds the watermark below it),
 * the write (one LMDB transaction: all of it or nothing), then "done", told
 * to zero until it has heard it (cluster/member.c), so the watermark can
 * pass it. The timestamp and the write under write_mu, so commit order and
 * apply order are the same: the one call to zero made under it has zero's
 * short deadline. "Done" is told after write_mu is released: the heartbeat
 * tells it again if that call fails. *ts stays 0 if zero could not be
 * reached. */
typedef int (*commit_fn)(struct cairn_alpha *a, uint64_t ts, void *arg, cairn_err *err);

/* How long a commit waits for the ones before it: with zero hung, each
 * holds write_mu up to zero's deadline, and a queue must not make that
 * minutes. */
#define WRITE_QUEUE_WAIT_S 15

/* Writes are refused while an online restore runs (alpha/restore.c). */
#define RESTORING_MSG                                                                              \
	"a restore is in progress; writes are refused until it has finished: retry in a moment"

static int commit(struct cairn_alpha *a, uint64_t gen, commit_fn fn, void *arg, uint64_t *ts,
		  cairn_err *err)
{
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += WRITE_QUEUE_WAIT_S;
	*ts = 0;
	if (pthread_mutex_timedlock(&a->write_mu, &until) != 0)
		return cairn_err_setc(
		    err, CAIRN_E_TRANSIENT,
		    "the commits before this one have waited %d s for zero; nothing "
		    "was applied: check zero and retry",
		    WRITE_QUEUE_WAIT_S);
	/* Under write_mu, which a restore's swap takes too: a write planned
	 * before a restore began never lands after it. */
	if (!gen || cairn_alpha_write_gen(a) != gen) {
		pthread_mutex_unlock(&a->write_mu);
		return cairn_err_setc(err, CAIRN_E_TRANSIENT, RESTORING_MSG);
	}
	int rc = cairn_member_begin(&a->member, ts, err);
	if (rc == 0) {
		/* Fault injection for tests: a commit that stays in flight a while. */
		const char *pause = cairn_fault("CAIRN_FAULT_COMMIT_PAUSE_MS");
		if (pause)
			usleep((useconds_t)atoi(pause) * 1000);
		rc = fn(a, *ts, arg, err);
	}
	pthread_mutex_unlock(&a->write_mu);
	if (*ts)
		cairn_member_finish(&a->member, *ts);
	return rc;
}

struct apply_args {
	const struct cairn_edit *edits;
	size_t n;
	uint64_t max_uid;
};

static int apply_edits(struct cairn_alpha *a, uint64_t ts, void *arg, cairn_err *err)
{
	const struct apply_args *aa = arg;
	pthread_rwlock_rdlock(&a->db_lock);
	int rc = cairn_db_apply(a->db, ts, aa->edits, aa->n, aa->max_uid, err);
	pthread_rwlock_unlock(&a->db_lock);
	return rc;
}

static int apply_drop(struct cairn_alpha *a, uint64_t ts, void *arg, cairn_err *err)
{
	pthread_rwlock_rdlock(&a->db_lock);
	int rc = cairn_db_drop(a->db, ts, arg, err);
	pthread_rwlock_unlock(&a->db_lock);
	return rc;
}

/* A mutation's edits and the object texts they point to. */
struct edit_list {
	struct cairn_edit *edits;
	char **texts;
	size_t n, ntexts;
};

static void edit_list_clear(struct edit_list *l)
{
	for (size_t i = 0; i < l->ntexts; i++)
		free(l->texts[i]);
	free(l->texts);
	free(l->edits);
	memset(l, 0, sizeof *l);
}

/* Each step of a mutation returns 0, or the HTTP status of its failure with err set. */

/* Blank nodes: one new uid per distinct name across the whole mutation,
 * leased from zero. */
static int assign_blanks(struct cairn_alpha *a, const struct cairn_rdf_mutation *m,
			 struct cairn_blanks *bm, cairn_err *err)
{
	for (size_t i = 0; i < m->ndel; i++)
		if (m->del[i].s.kind == CAIRN_RDF_BLANK || m->del[i].o.kind == CAIRN_RDF_BLANK) {
			cairn_err_set(err,
				      "line %d: blank nodes cannot be deleted (they name new "
				      "nodes); use the node's uid",
				      m->del[i].line);
			return 400;
		}
	for (size_t i = 0; i < m->nset; i++)
		if ((m->set[i].s.kind == CAIRN_RDF_BLANK &&
		     !cairn_blanks_slot(bm, m->set[i].s.blank, 1)) ||
		    (m->set[i].o.kind == CAIRN_RDF_BLANK &&
		     !cairn_blanks_slot(bm, m->set[i].o.blank, 1))) {
			cairn_err_set(err, "out of memory");
			return 500;
		}
	if (!bm->n)
		return 0;
	uint64_t start = 0;
	if (cairn_zero_assign(a->zero, CAIRN_LEASE_UIDS, bm->n, &start, err) < 0)
		return 503;
	for (size_t i = 0; i < bm->n; i++)
		bm->uids[i] = start + i;
	return 0;
}

/* Explicit uids must have been leased, or a later blank node could collide.
 * Sets *max_uid to the highest uid the mutation names. */
static int check_uids(struct cairn_alpha *a, const struct cairn_rdf_mutation *m,
		      struct cairn_blanks *bm, uint64_t *max_uid, cairn_err *err)
{
	uint64_t max_explicit = 0;
	*max_uid = 0;
	for (size_t pass = 0; pass < 2; pass++) {
		const struct cairn_rdf_quad *q = pass ? m->set : m->del;
		size_t n = pass ? m->nset : m->ndel;
		for (size_t i = 0; i < n; i++) {
			uint64_t s = term_uid(&q[i].s, bm);
			uint64_t o = q[i].o.kind == CAIRN_RDF_UID || q[i].o.kind == CAIRN_RDF_BLANK
					 ? term_uid(&q[i].o, bm)
					 : 0;
			if (q[i].s.kind == CAIRN_RDF_UID && s > max_explicit)
				max_explicit = s;
			if (q[i].o.kind == CAIRN_RDF_UID && o > max_explicit)
				max_explicit = o;
			if (s > *max_uid)
				*max_uid = s;
			if (o > *max_uid)
				*max_uid = o;
		}
	}
	pthread_rwlock_rdlock(&a->db_lock);
	uint64_t have = cairn_db_max_uid(a->db);
	pthread_rwlock_unlock(&a->db_lock);
	if (max_explicit <= have)
		return 0;
	struct cairn_zero_state st;
	if (cairn_zero_state(a->zero, &st, err) < 0)
		return 503;
	uint64_t leased = st.max_uid;
	cairn_zero_state_clear(&st);
	if (max_explicit > leased) {
		cairn_err_set(err,
			      "uid 0x%llx has not been leased by zero (max 0x%llx); use "
			      "a blank node, or lease uids with zero's /assign?what=uids",
			      (unsigned long long)max_explicit, (unsigned long long)leased);
		return 400;
	}
	return 0;
}

/* The store's edits: deletes first, then sets, so that
 * `delete {<s> <p> *} set {<s> <p> "x"}` replaces. Each object's parsed
 * value is freed once its text is made: one copy of the body's values at a
 * time besides the body. */
static int build_edits(struct cairn_rdf_mutation *m, struct cairn_blanks *bm, struct edit_list *l,
		       cairn_err *err)
{
	l->edits = calloc(m->nset + m->ndel + 1, sizeof *l->edits);
	l->texts = calloc(m->nset + m->ndel + 1, sizeof *l->texts);
	if (!l->edits || !l->texts)
		goto oom;
	for (size_t pass = 0; pass < 2; pass++) {
		struct cairn_rdf_quad *q = pass ? m->set : m->del;
		size_t n = pass ? m->nset : m->ndel;
		for (size_t i = 0; i < n; i++) {
			struct cairn_edit *e = &l->edits[l->n++];
			e->op = pass ? CAIRN_OP_SET : CAIRN_OP_DEL;
			e->pred = q[i].pred;
			e->subj = term_uid(&q[i].s, bm);
			if (q[i].o.kind == CAIRN_RDF_STAR) {
				e->obj = NULL;
				continue;
			}
			struct cairn_rdf_term t = q[i].o;
			if (t.kind == CAIRN_RDF_BLANK) {
				t.kind = CAIRN_RDF_UID;
				t.uid = term_uid(&q[i].o, bm);
			}
			if (!(l->texts[l->ntexts] = cairn_rdf_object_text(&t)))
				goto oom;
			if (q[i].o.kind == CAIRN_RDF_LITERAL) {
				free(q[i].o.value);
				q[i].o.value = NULL;
			}
			e->obj = l->texts[l->ntexts++];
			if (strlen(e->obj) > (64u << 20)) {
				cairn_err_set(err, "line %d: value is larger than 64 MiB",
					      q[i].line);
				return 400;
			}
		}
	}
	return 0;
oom:
	cairn_err_set(err, "out of memory");
	return 500;
}

/* {"data":{"code":"Success","message":"Done","uids":{...}},"extensions":{"txn":{"commit_ts":N}}} */
static void mutate_reply(struct cairn_http_resp *resp, const struct cairn_blanks *bm, uint64_t ts)
{
	cJSON *out = cJSON_CreateObject(), *data = cJSON_AddObjectToObject(out, "data");
	cJSON_AddStringToObject(data, "code", "Success");
	cJSON_AddStringToObject(data, "message", "Done");
	cJSON *uids = cJSON_AddObjectToObject(data, "uids");
	for (size_t i = 0; i < bm->n; i++) {
		char hex[24];
		snprintf(hex, sizeof hex, "0x%llx", (unsigned long long)bm->uids[i]);
		cJSON_AddStringToObject(uids, bm->names[i], hex);
	}
	cJSON *txn = cJSON_AddObjectToObject(cJSON_AddObjectToObject(out, "extensions"), "txn");
	cairn_json_add_u64(txn, "commit_ts", ts);
	char *s = cJSON_PrintUnformatted(out);
	cJSON_Delete(out);
	cairn_http_reply(resp, 200, "application/json", s ? s : "{}");
	free(s);
}

/* After a large request: LMDB keeps every page a write transaction
 * dirtied in its own list of free pages, malloc'd and never returned while
 * the environment is open (one 100 MB mutation left ~380 MiB resident), so
 * the store is reopened when nothing holds it (write_mu and db_lock both
 * free at once: a running export or backup keeps it, and the next large
 * request tries again); then the freed quads and edits go back from
 * malloc's arenas (malloc_trim). */
static void release_memory(struct cairn_alpha *a, int wrote)
{
	if (wrote && pthread_mutex_trylock(&a->write_mu) == 0) {
		if (pthread_rwlock_trywrlock(&a->db_lock) == 0) {
			cairn_err err = {0};
			const char *dir = cairn_opt(a->opts, "postings");
			cairn_db_close(a->db);
			a->db = NULL;
			if (cairn_db_open_keyed(dir, a->atrest, &a->db, &err) < 0)
				cairn_error("cannot reopen the store after a large mutation: %s; "
					    "restart this alpha",
					    err.msg);
			pthread_rwlock_unlock(&a->db_lock);
		}
		pthread_mutex_unlock(&a->write_mu);
	}
	malloc_trim(0);
}

static void handle_mutate(struct cairn_alpha *a, const struct cairn_http_req *req,
			  struct cairn_http_resp *resp)
{
	struct cairn_rdf_mutation m;
	struct cairn_blanks bm = {0};
	struct edit_list l = {0};
	cairn_err err = {0};
	uint64_t max_uid = 0, ts = 0;
	int status = 0;
	const char *commit_now = cairn_http_query(req, "commitNow");
	if (strcmp(req->method, "POST") != 0) {
		cairn_http_error(resp, 405, "POST an RDF mutation to /mutate?commitNow=true");
		return;
	}
	if (!commit_now || cairn_parse_bool(commit_now) != 1) {
		cairn_http_error(resp, 400,
				 "only commitNow=true mutations are supported; add "
				 "?commitNow=true");
		return;
	}
	uint64_t gen = cairn_alpha_write_gen(a);
	if (!gen) {
		cairn_http_error(resp, 503, RESTORING_MSG);
		return;
	}
	if (cairn_rdf_parse(req->body, req->body_len, &m, &err) < 0) {
		cairn_http_error(resp, 400, "malformed N-Quads: %s; nothing was applied", err.msg);
		add_stat(a, &a->stats.mutation_errors);
		return;
	}
	if (!m.nset && !m.ndel) {
		/* Refused before a timestamp is taken: an empty commit would
		 * take one from zero for nothing. */
		status = 400;
		cairn_err_set(&err, "the mutation sets and deletes nothing; nothing was applied");
		goto fail;
	}
	if ((status = assign_blanks(a, &m, &bm, &err)) ||
	    (status = check_uids(a, &m, &bm, &max_uid, &err)) ||
	    (status = build_edits(&m, &bm, &l, &err)))
		goto fail;
	for (size_t i = 0; i < l.n; i++)
		if (cairn_alpha_claim_tablet(a, l.edits[i].pred, &err) < 0) {
			status = 400;
			goto fail;
		}
	struct apply_args aa = {l.edits, l.n, max_uid};
	if (commit(a, gen, apply_edits, &aa, &ts, &err) < 0) {
		status = ts ? 500 : 503;
		goto fail;
	}
	mutate_reply(resp, &bm, ts);
	add_stat(a, &a->stats.mutations);
	goto out;
fail:
	add_stat(a, &a->stats.mutation_errors);
	if (status >= 500)
		cairn_error("mutation not applied: %s", err.msg);
	cairn_http_error(resp, status, "%s", err.msg);
out:
	edit_list_clear(&l);
	cairn_blanks_clear(&bm);
	cairn_rdf_clear(&m);
	if (req->body_len >= TRIM_AFTER_BYTES)
		release_memory(a, status == 0);
}

/* A drop in another group goes to one of its alphas; a drop is one commit. */
#define ALTER_FORWARD_DEADLINE_MS 30000

/* Whether a JSON text has a \u0000 escape inside a string: cJSON would
 * decode it and the name would end there ("na\u0000me" read as "na"). */
static int json_has_nul_escape(const char *s, size_t len)
{
	int in_str = 0;
	for (size_t i = 0; i < len; i++) {
		if (!in_str) {
			in_str = s[i] == '"';
			continue;
		}
		if (s[i] == '"')
			in_str = 0;
		else if (s[i] == '\\' && i + 1 < len) {
			if (s[i + 1] == 'u' && i + 5 < len && !memcmp(s + i + 2, "0000", 4))
				return 1;
			i++;
		}
	}
	return 0;
}

#define ALTER_USAGE "alter needs {\"drop_attr\": \"name\"} or {\"drop_all\": true}"

/* {"drop_attr": "name"} or {"drop_all": true}, exactly one of them and
 * nothing after it: *pred is the attribute (malloc'd), NULL for drop_all.
 * Answers 400 itself and returns -1 otherwise, before anything is taken
 * from zero: a name with a NUL, both keys, a key twice, other keys,
 * trailing text, or a name longer than the store keeps (alpha.h). */
int cairn_alter_parse(const struct cairn_http_req *req, struct cairn_http_resp *resp, char **pred)
{
	const char *end = NULL;
	const char *why = NULL;
	cJSON *in = NULL;
	*pred = NULL;
	if (!req->body || !req->body_len)
		why = "the body is empty";
	else if (memchr(req->body, 0, req->body_len) ||
		 json_has_nul_escape(req->body, req->body_len))
		why = "a NUL character is not allowed in an alter body";
	else if (!(in = cJSON_ParseWithLengthOpts(req->body, req->body_len, &end, 0)) ||
		 !cJSON_IsObject(in))
		why = "the body is not a JSON object";
	else {
		while (end < req->body + req->body_len && strchr(" \t\r\n", *end))
			end++;
		if (end != req->body + req->body_len)
			why = "there is text after the JSON object";
	}
	const cJSON *attr = NULL, *all = NULL;
	for (const cJSON *c = in ? in->child : NULL; c && !why; c = c->next) {
		int is_attr = !strcmp(c->string, "drop_attr");
		if (!is_attr && strcmp(c->string, "drop_all"))
			why = "unknown field";
		else if (attr || all)
			why = "the body asks for more than one operation";
		else if (is_attr ? !cJSON_IsString(c) : !cJSON_IsTrue(c))
			why = "mistyped field";
		else if (is_attr)
			attr = c;
		else
			all = c;
	}
	if (!why && !attr && !all)
		why = "the body names no operation";
	if (!why && attr && !*attr->valuestring)
		why = "the predicate name is empty";
	size_t len = !why && attr ? strlen(attr->valuestring) : 0;
	if (len > CAIRN_MAX_PRED) {
		cJSON_Delete(in);
		cairn_http_error(resp, 400, "predicate name is %zu bytes; the limit is %d bytes",
				 len, CAIRN_MAX_PRED);
		return -1;
	}
	if (why) {
		cJSON_Delete(in);
		cairn_http_error(resp, 400, "%s: " ALTER_USAGE ", one of them, nothing else", why);
		return -1;
	}
	*pred = attr ? strdup(attr->valuestring) : NULL;
	cJSON_Delete(in);
	if (attr && !*pred) {
		cairn_http_error(resp, 500, "out of memory");
		return -1;
	}
	return 0;
}

static void alter_reply(struct cairn_alpha *a, struct cairn_http_resp *resp, uint64_t ts)
{
	char body[200];
	snprintf(body, sizeof body,
		 "{\"data\":{\"code\":\"Success\",\"message\":\"Done\",\"group\":%u},"
		 "\"extensions\":{\"txn\":{\"commit_ts\":%llu}}}",
		 a->group, (unsigned long long)ts);
	cairn_http_reply(resp, 200, "application/json", body);
}

/* The drop in group g through one of its alphas (newest member first: the
 * most likely to be running), checking that the one that answered is g's. */
static int alter_forward(struct cairn_alpha *a, const struct cairn_zero_group *g, const char *body,
			 cairn_err *err)
{
	char url[512];
	cairn_err_set(err, "group %u has no alpha; start one", g->id);
	for (size_t i = g->naddrs; i-- > 0;) {
		char *out = NULL;
		long status = 0;
		cairn_http_url(url, sizeof url, g->addrs[i], "/internal/alter");
		struct cairn_http_call c = {.method = "POST",
					    .url = url,
					    .content_type = "application/json",
					    .body = body,
					    .body_len = strlen(body),
					    .auth_token = a->access.token,
					    .timeout_ms = ALTER_FORWARD_DEADLINE_MS,
					    .internal = 1};
		if (cairn_http_fetch(&c, &status, &out, NULL, err) < 0) {
			cairn_err_prefix(err, "group %u: cannot reach alpha %s", g->id,
					 g->addrs[i]);
			continue;
		}
		cJSON *j = cJSON_Parse(out);
		const cJSON *m = cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "errors"), 0),
		    "message");
		uint64_t got = cairn_json_u64(cJSON_GetObjectItemCaseSensitive(j, "data"), "group");
		int rc = 0;
		if (status != 200)
			rc = cairn_err_setc(
			    err, status >= 500 ? CAIRN_E_TRANSIENT : CAIRN_E_OTHER,
			    "group %u: alpha %s answered %ld: %s", g->id, g->addrs[i], status,
			    cJSON_IsString(m) ? m->valuestring : "no usable answer");
		else if (got != g->id)
			rc = cairn_err_set(err, "group %u: alpha %s now serves group %llu", g->id,
					   g->addrs[i], (unsigned long long)got);
		cJSON_Delete(j);
		free(out);
		if (rc == 0)
			return 0;
	}
	return -1;
}

/* Appends s to the NUL-terminated buf of size len, cutting what does not fit. */
static void append(char *buf, size_t len, const char *s)
{
	size_t used = strlen(buf), n = strlen(s);
	if (used + 1 >= len)
		return;
	if (n > len - used - 1)
		n = len - used - 1;
	memcpy(buf + used, s, n);
	buf[used + n] = 0;
}

/* The groups other than this one that the drop applies to, each told in
 * turn: drop_all every group that has members or predicates; drop_attr
 * only the group zero says owns the predicate (a group that does not own
 * it holds none of it: its writes were refused). Returns how many failed;
 * msg lists them. */
static size_t alter_other_groups(struct cairn_alpha *a, const struct cairn_zero_state *st,
				 uint32_t owner, const char *pred, char *msg, size_t msglen)
{
	size_t failed = 0;
	char *body = NULL;
	cJSON *o = cJSON_CreateObject();
	if (pred)
		cJSON_AddStringToObject(o, "drop_attr", pred);
	else
		cJSON_AddBoolToObject(o, "drop_all", 1);
	body = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	for (size_t i = 0; i < st->ngroups; i++) {
		const struct cairn_zero_group *g = &st->groups[i];
		cairn_err gerr = {0};
		if (g->id == a->group || (pred && g->id != owner) ||
		    (!g->naddrs && !g->npredicates))
			continue;
		if (body && alter_forward(a, g, body, &gerr) == 0)
			continue;
		if (!body)
			cairn_err_set(&gerr, "group %u: out of memory", g->id);
		if (failed)
			append(msg, msglen, "; ");
		append(msg, msglen, gerr.msg);
		failed++;
	}
	free(body);
	return failed;
}

/* POST /alter: the drop in this alpha's group, then in every other group it
 * applies to (alter_other_groups). Success only if every one applied it;
 * otherwise an error naming the groups that did not (a drop is safe to
 * send again). */
static void handle_alter(struct cairn_alpha *a, const struct cairn_http_req *req,
			 struct cairn_http_resp *resp)
{
	cairn_err err = {0};
	struct cairn_zero_state st = {0};
	char *pred = NULL, failures[1024] = "";
	uint32_t owner = 0;
	uint64_t ts = 0, gen = cairn_alpha_write_gen(a);
	if (!gen) {
		cairn_http_error(resp, 503, RESTORING_MSG);
		return;
	}
	if (cairn_alter_parse(req, resp, &pred) < 0)
		return;
	const char *what = pred ? "drop_attr" : "drop_all";
	if (cairn_zero_state(a->zero, &st, &err) < 0 ||
	    (pred && cairn_zero_tablet_owner(a->zero, pred, &owner, &err) < 0)) {
		cairn_http_error(resp, 503, "%s not applied in any group: %s", what, err.msg);
		goto out;
	}
	if (commit(a, gen, apply_drop, pred, &ts, &err) < 0) {
		cairn_http_error(resp, ts ? 500 : 503,
				 "%s not applied in any group (group %u, this alpha: %s)", what,
				 a->group, err.msg);
		goto out;
	}
	if (alter_other_groups(a, &st, owner, pred, failures, sizeof failures) > 0) {
		cairn_error("%s applied in group %u but not everywhere: %s", what, a->group,
			    failures);
		cairn_http_error(resp, 503,
				 "%s applied in group %u but not in every group: %s; start the "
				 "missing groups' alphas and send the drop again",
				 what, a->group, failures);
		goto out;
	}
	alter_reply(a, resp, ts);
out:
	cairn_zero_state_clear(&st);
	free(pred);
}

/* POST /internal/alter: another alpha's drop, for this group only. */
static void handle_internal_alter(struct cairn_alpha *a, const struct cairn_http_req *req,
				  struct cairn_http_resp *resp)
{
	cairn_err err = {0};
	char *pred = NULL;
	uint64_t ts = 0, gen = cairn_alpha_write_gen(a);
	if (cairn_alter_parse(req, resp, &pred) < 0)
		return;
	if (commit(a, gen, apply_drop, pred, &ts, &err) < 0)
		cairn_http_error(resp, ts ? 500 : 503, "%s", err.msg);
	else
		alter_reply(a, resp, ts);
	free(pred);
}

/* An export streams from one read snapshot (cairn_db_scan's transaction)
 * as it is sent, in the store's key order (predicate, subject, object
 * hash): memory is one buffer, whatever the store's size. */
struct export_job {
	struct cairn_alpha *a;
	uint64_t read_ts;
	int fd, gone;
	size_t len;
	char buf[64 * 1024];
};

static int export_put(struct export_job *j, const char *p, size_t n)
{
	if (j->len + n > sizeof j->buf) {
		if (cairn_stream_write(j->fd, j->buf, j->len) < 0)
			return j->gone = -1;
		j->len = 0;
	}
	if (n > sizeof j->buf)
		return cairn_stream_write(j->fd, p, n) < 0 ? (j->gone = -1) : 0;
	memcpy(j->buf + j->len, p, n);
	j->len += n;
	return 0;
}

static int export_sink(void *sink, const char *p, size_t n) { return export_put(sink, p, n); }

static int export_line(void *ctx, const struct cairn_version *v)
{
	/* 1: the client has gone, stop reading */
	return cairn_export_rdf_line(v, export_sink, ctx) < 0 ? 1 : 0;
}

static int export_run(void *ctx, int fd)
{
	struct export_job *j = ctx;
	cairn_err err = {0};
	j->fd = fd;
	pthread_rwlock_rdlock(&j->a->db_lock);
	int rc = cairn_db_scan(j->a->db, j->read_ts, export_line, j, &err);
	pthread_rwlock_unlock(&j->a->db_lock);
	if (rc == 0 && j->len && cairn_stream_write(fd, j->buf, j->len) < 0)
		rc = 1;
	if (rc < 0)
		cairn_error("export at read_ts %llu cut short: %s", (unsigned long long)j->read_ts,
			    err.msg);
	return rc == 0 ? 0 : -1;
}

static void handle_export(struct cairn_alpha *a, const struct cairn_http_req *req,
			  struct cairn_http_resp *resp)
{
	cairn_err err = {0};
	const char *fmt = cairn_http_query(req, "format");
	const char *rts = cairn_http_query(req, "read_ts");
	uint64_t read_ts = UINT64_MAX;
	if (fmt && strcmp(fmt, "rdf") != 0) {
		cairn_http_error(resp, 400, "export supports format=rdf only");
		return;
	}
	if (rts) {
		char *end;
		errno = 0;
		read_ts = strtoull(rts, &end, 10);
		if (!*rts || *end || *rts == '-' || read_ts == 0 || errno == ERANGE) {
			cairn_http_error(resp, 400, "read_ts must be a positive number below 2^64");
			return;
		}
		if (cairn_zero_wait_watermark(a->zero, read_ts, &err) < 0) {
			cairn_http_error(resp, 400, "%s", err.msg);
			return;
		}
	}
	struct export_job *j = calloc(1, sizeof *j);
	if (!j) {
		cairn_http_error(resp, 500, "out of memory");
		return;
	}
	j->a = a;
	j->read_ts = read_ts;
	if (cairn_http_stream(resp, "application/n-quads", export_run, j, free, &err) < 0)
		cairn_http_error(resp, 500, "%s", err.msg);
}

static void handle_metrics(struct cairn_alpha *a, struct cairn_http_resp *resp)
{
	char *s = NULL;
	const struct alpha_stats *st = &a->stats;
	pthread_rwlock_rdlock(&a->db_lock);
	uint64_t max_ts = cairn_db_max_ts(a->db);
	pthread_rwlock_unlock(&a->db_lock);
	pthread_mutex_lock(&a->stats.mu);
	int n = asprintf(
	    &s,
	    "# HELP cairn_mutations_total Mutations committed.\n"
	    "# TYPE cairn_mutations_total counter\ncairn_mutations_total %llu\n"
	    "# HELP cairn_mutation_errors_total Mutations refused or failed.\n"
	    "# TYPE cairn_mutation_errors_total counter\ncairn_mutation_errors_total %llu\n"
	    "# HELP cairn_backups_total Backups completed.\n"
	    "# TYPE cairn_backups_total counter\ncairn_backups_total %llu\n"
	    "# HELP cairn_backup_failures_total Backups that failed.\n"
	    "# TYPE cairn_backup_failures_total counter\ncairn_backup_failures_total %llu\n"
	    "# HELP cairn_backup_last_read_ts Read timestamp of the last completed backup.\n"
	    "# TYPE cairn_backup_last_read_ts gauge\ncairn_backup_last_read_ts %llu\n"
	    "# HELP cairn_backup_running 1 while a backup runs.\n"
	    "# TYPE cairn_backup_running gauge\ncairn_backup_running %d\n"
	    "# HELP cairn_max_commit_ts Highest commit timestamp applied here.\n"
	    "# TYPE cairn_max_commit_ts gauge\ncairn_max_commit_ts %llu\n"
	    "# HELP cairn_commits_unreported Commits finished that zero has not heard of yet.\n"
	    "# TYPE cairn_commits_unreported gauge\ncairn_commits_unreported %zu\n",
	    (unsigned long long)st->mutations, (unsigned long long)st->mutation_errors,
	    (unsigned long long)st->backups, (unsigned long long)st->backup_failures,
	    (unsigned long long)st->last_backup_read_ts, st->backup_running,
	    (unsigned long long)max_ts, cairn_member_unheard(&a->member));
	pthread_mutex_unlock(&a->stats.mu);
	char *bk = cairn_metrics_backup_text(), *sc = cairn_scheduler_metrics(a->scheduler);
	char *all = NULL;
	if (n >= 0 && asprintf(&all, "%s%s%s", s, bk ? bk : "", sc ? sc : "") < 0)
		all = NULL;
	free(sc);
	cairn_http_reply(resp, 200, "text/plain; version=0.0.4", all ? all : "");
	free(all);
	free(bk);
	free(s);
}

static struct cairn_backup_source backup_source(const struct cairn_alpha *a)
{
	struct cairn_backup_source src = {a->db,	   a->group, a->key_len ? a->key : NULL,
					  a->key_len,	   a->zero,  a->member_id,
					  a->access.token, NULL,     NULL};
	return src;
}

/* One backup at a time on this alpha (zero's lock makes it one in the
 * cluster); the counters are the alpha's. p (may be NULL) gets each group's
 * object as it is complete. A scheduled run that finds the cluster busy is
 * skipped (alpha/schedule.h): not counted, and not logged, as a failure. */
static int run_backup(struct cairn_alpha *a, const struct cairn_backup_request *req, int scheduled,
		      struct cairn_task_progress *p, struct cairn_backup_done *done, cairn_err *err)
{
	if (cairn_alpha_restoring(a))
		return cairn_err_setc(err, CAIRN_E_TRANSIENT,
				      "a restore is in progress in this group; back up when it has "
				      "finished");
	pthread_mutex_lock(&a->stats.mu);
	int busy = a->stats.backup_running;
	a->stats.backup_running = 1;
	pthread_mutex_unlock(&a->stats.mu);
	if (busy)
		return cairn_err_set(err, "another backup is already running on this cluster; wait "
					  "for it to finish and try again");
	struct cairn_backup_source src = backup_source(a);
	src.bytes_done = p ? &p->bytes : NULL;
	src.objects_done = p ? &p->objects : NULL;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	cairn_metrics_backup_started(req->destination);
	done->bytes = 0;
	pthread_rwlock_rdlock(&a->db_lock);
	src.db = a->db;
	int rc = cairn_backup_run(&src, req, done, err);
	pthread_rwlock_unlock(&a->db_lock);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	int skipped = rc < 0 && scheduled && cairn_schedule_cluster_busy(err->msg);
	cairn_metrics_backup_ended(
	    req->destination, skipped ? -1 : rc == 0,
	    (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9, done->bytes);
	pthread_mutex_lock(&a->stats.mu);
	a->stats.backup_running = 0;
	if (rc == 0) {
		a->stats.backups++;
		a->stats.last_backup_read_ts = done->read_ts;
	} else if (!skipped) {
		a->stats.backup_failures++;
	}
	pthread_mutex_unlock(&a->stats.mu);
	if (rc < 0) {
		cairn_scrub(err->msg);
		if (!skipped) /* else the scheduler logs it */
			cairn_error("backup failed: %s", err->msg);
	}
	return rc;
}

/* An export task: its result is the message, then a line per file. */
static int export_task(struct cairn_alpha *a, const cJSON *input, struct cairn_task_progress *p,
		       char **result, cairn_err *err)
{
	cJSON *files = NULL, *f;
	char *msg = NULL;
	if (cairn_alpha_export_files(a, input, p, &msg, &files, err) < 0)
		return -1;
	size_t len = strlen(msg ? msg : "Export completed.") + 1;
	cJSON_ArrayForEach(f, files) if (cJSON_IsString(f)) len += strlen(f->valuestring) + 1;
	if ((*result = malloc(len))) {
		strcpy(*result, msg ? msg : "Export completed.");
		cJSON_ArrayForEach(f, files) if (cJSON_IsString(f))
		{
			strcat(*result, "\n");
			strcat(*result, f->valuestring);
		}
	}
	free(msg);
	cJSON_Delete(files);
	return 0;
}

/* The task queue's run function (alpha/tasks.h): one kind per branch. */
static int run_task(void *ctx, const char *kind, const cJSON *input, struct cairn_task_progress *p,
		    char **result, cairn_err *err)
{
	struct cairn_alpha *a = ctx;
	if (!strcmp(kind, "backup")) {
		struct cairn_backup_request req;
		struct cairn_backup_done done;
		cairn_backup_request_from_json(input, &req);
		int scheduled = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(input, "scheduled"));
		if (run_backup(a, &req, scheduled, p, &done, err) < 0)
			return -1;
		/* the manifest's figures, which the objects' sum already is */
		__atomic_store_n(&p->bytes, done.bytes, __ATOMIC_RELAXED);
		__atomic_store_n(&p->objects, done.objects, __ATOMIC_RELAXED);
		if (asprintf(result, "backup %s written (read_ts %llu)", done.dir,
			     (unsigned long long)done.read_ts) < 0)
			*result = NULL;
		return 0;
	}
	if (!strcmp(kind, "restore")) {
		struct timespec t0, t1;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		cairn_metrics_restore_started();
		int rc = cairn_alpha_restore(a, input, p, result, err);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		cairn_metrics_restore_ended(rc == 0, (double)(t1.tv_sec - t0.tv_sec) +
							 (t1.tv_nsec - t0.tv_nsec) / 1e9);
		return rc;
	}
	if (!strcmp(kind, "export"))
		return export_task(a, input, p, result, err);
	return cairn_err_set(err, "%s tasks are not available on this alpha", kind);
}

static const char *const backup_secrets[] = {"accessKey", "secretKey", "sessionToken", NULL};

/* The backup mutation ({"input": {...}}) through the task queue: with
 * async: true answered once queued, else once the backup has finished
 * (*task_id: the task's id either way). A backup asked while another runs
 * waits behind it. */
static int admin_backup(void *ctx, const cJSON *args, char **task_id, cairn_err *err)
{
	struct cairn_alpha *a = ctx;
	const cJSON *input = cJSON_GetObjectItemCaseSensitive(args, "input");
	char id[CAIRN_TASK_ID_LEN + 1], *result = NULL;
	*task_id = NULL;
	if (cairn_tasks_submit(a->tasks, "backup", input, backup_secrets, id, err) < 0)
		return -1;
	if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(input, "async")) &&
	    cairn_tasks_wait(a->tasks, id, &result, err) < 0)
		return -1;
	free(result);
	*task_id = strdup(id);
	return 0;
}

/* Mutation.restore through the task queue, like a backup: with async: true
 * answered once queued, else once the restore has finished. */
static int admin_restore(void *ctx, const cJSON *args, char **message, char **task_id,
			 cairn_err *err)
{
	struct cairn_alpha *a = ctx;
	const cJSON *input = cJSON_GetObjectItemCaseSensitive(args, "input");
	char id[CAIRN_TASK_ID_LEN + 1];
	int async = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(input, "async"));
	*message = *task_id = NULL;
	if (cairn_tasks_submit(a->tasks, "restore", input, backup_secrets, id, err) < 0)
		return -1;
	if (async)
		*message = strdup("Restore queued.");
	else if (cairn_tasks_wait(a->tasks, id, message, err) < 0)
		return -1;
	*task_id = strdup(id);
	return 0;
}

static cJSON *admin_task(void *ctx, const char *id)
{
	struct cairn_alpha *a = ctx;
	return cairn_tasks_get(a->tasks, id);
}

static int admin_list_backups(void *ctx, const cJSON *input, cJSON **out, cairn_err *err)
{
	return cairn_alpha_list_backups(ctx, input, out, err);
}

/* Zero unheard this long (6 heartbeats; a hung zero's heartbeat call takes
 * zero's whole deadline to fail) makes the alpha "unhealthy": it cannot
 * commit, and no backup can take a read timestamp. */
#define ZERO_SILENT_MS 3000

/* The "zero" object of /health: address, reachable, lastContact (seconds
 * since zero last answered), error (the last heartbeat's, when it failed).
 * Sets *ok to whether zero is reachable. */
static cJSON *zero_health(struct cairn_alpha *a, int *ok)
{
	char why[256];
	int64_t ms = cairn_member_zero_silence(&a->member, why, sizeof why);
	cairn_scrub(why); /* /health is open to anyone */
	cJSON *z = cJSON_CreateObject();
	*ok = ms < ZERO_SILENT_MS;
	cJSON_AddStringToObject(z, "address", a->zero);
	cJSON_AddBoolToObject(z, "reachable", *ok);
	cJSON_AddNumberToObject(z, "lastContact", (double)(ms / 1000));
	if (!*ok && why[0])
		cJSON_AddStringToObject(z, "error", why);
	return z;
}

static void admin_health(void *ctx, cJSON *node)
{
	struct cairn_alpha *a = ctx;
	int zero_ok = 0;
	cJSON_Delete(zero_health(a, &zero_ok));
	cJSON_AddStringToObject(node, "instance", "alpha");
	cJSON_AddStringToObject(node, "address", a->http_addr);
	cJSON_AddStringToObject(node, "status", zero_ok ? "healthy" : "unhealthy");
	char group[16];
	snprintf(group, sizeof group, "%u", a->group);
	cJSON_AddStringToObject(node, "group", group);
	cJSON_AddStringToObject(node, "version", CAIRN_VERSION);
	cJSON_AddNumberToObject(node, "uptime", (double)(time(NULL) - a->started));
	cJSON_AddNumberToObject(node, "lastEcho", (double)time(NULL));
	static const char *const ops[][2] = {
	    {"backup", "opBackup"}, {"restore", "opRestore"}, {"export", "opExport"}};
	cJSON *ongoing = cJSON_AddArrayToObject(node, "ongoing");
	for (size_t i = 0; ongoing && a->tasks && i < sizeof ops / sizeof ops[0]; i++)
		if (cairn_tasks_running(a->tasks, ops[i][0]))
			cJSON_AddItemToArray(ongoing, cJSON_CreateString(ops[i][1]));
	/* a group's part of a restore another alpha coordinates */
	if (ongoing && cairn_alpha_restoring(a) &&
	    !(a->tasks && cairn_tasks_running(a->tasks, "restore")))
		cJSON_AddItemToArray(ongoing, cJSON_CreateString("opRestore"));
	cJSON_AddArrayToObject(node, "indexing");
	cJSON *ee = cJSON_AddArrayToObject(node, "ee_features");
	if (ee) {
		cJSON_AddItemToArray(ee, cJSON_CreateString("backup_restore"));
		cJSON_AddItemToArray(ee, cJSON_CreateString("encrypted_backup_restore"));
	}
}

/* The export mutation, run at once (alpha/export.c). */
/* Mutation.export through the task queue. The task's result is its
 * message line, then one line per file written (export_task). */
static int admin_export(void *ctx, const cJSON *args, char **message, cJSON **files, char **task_id,
			cairn_err *err)
{
	struct cairn_alpha *a = ctx;
	const cJSON *input = cJSON_GetObjectItemCaseSensitive(args, "input");
	char id[CAIRN_TASK_ID_LEN + 1], *result = NULL;
	*message = *task_id = NULL;
	*files = NULL;
	if (cairn_tasks_submit(a->tasks, "export", input, backup_secrets, id, err) < 0)
		return -1;
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(input, "async"))) {
		*message = strdup("Export queued.");
	} else {
		if (cairn_tasks_wait(a->tasks, id, &result, err) < 0)
			return -1;
		*files = cJSON_CreateArray();
		char *save = NULL, *line = result ? strtok_r(result, "\n", &save) : NULL;
		*message = line ? strdup(line) : NULL;
		while (line && (line = strtok_r(NULL, "\n", &save)) && *files)
			cJSON_AddItemToArray(*files, cJSON_CreateString(line));
		free(result);
	}
	*task_id = strdup(id);
	return 0;
}

/* Admin endpoints: loopback or --whitelist, and the token if set. */
static int admin_allowed(struct cairn_alpha *a, const struct cairn_http_req *req,
			 struct cairn_http_resp *resp)
{
	return cairn_access_admin(&a->access, req, resp, 0);
}

/* /internal/ endpoints: members only; without a cluster secret (loopback only) the
 * calling alpha also sends the admin token when one is set. */
static int internal_allowed(struct cairn_alpha *a, const struct cairn_http_req *req,
			    struct cairn_http_resp *resp)
{
	if (!cairn_access_member(req, resp))
		return 0;
	if (!cairn_member_auth_enabled() && !cairn_access_token_ok(&a->access, req)) {
		cairn_http_error(resp, 401, "missing or wrong X-Cairn-AuthToken header");
		return 0;
	}
	return 1;
}

/* This group's object of a backup another alpha coordinates. */
static char *group_backup(struct cairn_alpha *a, const char *body, size_t len, cairn_err *err)
{
	if (cairn_alpha_restoring(a)) {
		cairn_err_setc(err, CAIRN_E_TRANSIENT,
			       "a restore is in progress in group %u; back up when it has finished",
			       a->group);
		return NULL;
	}
	pthread_rwlock_rdlock(&a->db_lock);
	struct cairn_backup_source src = backup_source(a);
	char *out = cairn_group_backup_serve(&src, body, len, err);
	pthread_rwlock_unlock(&a->db_lock);
	return out;
}

typedef char *(*group_part_fn)(struct cairn_alpha *a, const char *body, size_t len, cairn_err *err);

/* POST /internal/backup and /internal/export: this group's part of an
 * operation another alpha coordinates, answered as JSON; a refusal that
 * may pass (a restore running) is 503, any other failure 500. */
static void handle_group_part(struct cairn_alpha *a, const struct cairn_http_req *req,
			      struct cairn_http_resp *resp, const char *what, group_part_fn fn)
{
	cairn_err err = {0};
	if (!internal_allowed(a, req, resp))
		return;
	if (strcmp(req->method, "POST") != 0) {
		cairn_http_error(resp, 405, "POST a group %s request", what);
		return;
	}
	char *out = fn(a, req->body, req->body_len, &err);
	if (!out) {
		cairn_scrub(err.msg);
		cairn_error("group %s failed: %s", what, err.msg);
		cairn_http_error(resp, err.code == CAIRN_E_TRANSIENT ? 503 : 500, "%s", err.msg);
		return;
	}
	free(resp->body);
	resp->status = 200;
	resp->content_type = "application/json";
	resp->body = out;
	resp->body_len = strlen(out);
}

static void handle_admin(struct cairn_alpha *a, const struct cairn_http_req *req,
			 struct cairn_http_resp *resp)
{
	struct cairn_admin_ops ops = {
	    .ctx = a,
	    .backup = admin_backup,
	    .health = admin_health,
	    .restore = admin_restore,
	    .task = admin_task,
	    .list_backups = admin_list_backups,
	    .export = admin_export,
	};
	struct cairn_gql_http_req greq = {
	    req->method,
	    cairn_http_header(req, "Content-Type"),
	    req->body,
	    req->body_len,
	    cairn_http_query(req, "query"),
	    cairn_http_query(req, "variables"),
	    cairn_http_query(req, "operationName"),
	    cairn_http_header(req, "Origin"),
	    cairn_opt(a->opts, "cors_origins"),
	};
	struct cairn_gql_http_resp gresp;
	/* A CORS preflight carries no credentials and runs nothing: it is
	 * answered before the admin check; everything else passes it. */
	if (strcmp(req->method, "OPTIONS") != 0 && !admin_allowed(a, req, resp)) {
		/* an allowed page reads why (a wrong token, say) */
		cairn_gql_cors_headers(greq.origin, greq.cors_origins, resp->headers,
				       sizeof resp->headers);
		return;
	}
	if (cairn_admin_serve(&ops, &greq, &gresp) < 0) {
		free(gresp.body);
		cairn_http_error(resp, 500, "out of memory");
		return;
	}
	free(resp->body);
	resp->status = gresp.status;
	resp->content_type = "application/json";
	resp->body = gresp.body;
	resp->body_len = gresp.body ? strlen(gresp.body) : 0;
	memcpy(resp->headers, gresp.headers, sizeof resp->headers);
}

static void handle(void *ctx, const struct cairn_http_req *req, struct cairn_http_resp *resp)
{
	struct cairn_alpha *a = ctx;
	if (!strcmp(req->path, "/health")) {
		/* Dgraph's fields, "unhealthy" while zero is unreachable, and
		 * zero's state (zero_health). 200 either way: a liveness probe
		 * must not restart alphas because zero is down. */
		int zero_ok = 0;
		cJSON *arr = cJSON_CreateArray(), *h = cJSON_CreateObject();
		cJSON_AddStringToObject(h, "instance", "alpha");
		cJSON_AddStringToObject(h, "address", a->http_addr);
		cJSON *z = zero_health(a, &zero_ok);
		cJSON_AddStringToObject(h, "status", zero_ok ? "healthy" : "unhealthy");
		char group[16];
		snprintf(group, sizeof group, "%u", a->group);
		cJSON_AddStringToObject(h, "group", group);
		cJSON_AddStringToObject(h, "version", CAIRN_VERSION);
		cJSON_AddNumberToObject(h, "uptime", (double)(time(NULL) - a->started));
		cJSON_AddItemToObject(h, "zero", z);
		cJSON_AddItemToArray(arr, h);
		char *body = cJSON_PrintUnformatted(arr);
		cJSON_Delete(arr);
		cairn_http_reply(resp, body ? 200 : 500, "application/json",
				 body ? body : "{\"errors\":[{\"message\":\"out of memory\"}]}");
		free(body);
	} else if (!strcmp(req->path, "/mutate")) {
		handle_mutate(a, req, resp);
	} else if (!strcmp(req->path, "/alter")) {
		if (!admin_allowed(a, req, resp))
			return;
		if (strcmp(req->method, "POST") != 0)
			cairn_http_error(resp, 405, "POST to /alter");
		else
			handle_alter(a, req, resp);
	} else if (!strcmp(req->path, "/export")) {
		if (admin_allowed(a, req, resp))
			handle_export(a, req, resp);
	} else if (!strcmp(req->path, "/admin")) {
		handle_admin(a, req, resp);
	} else if (!strcmp(req->path, "/internal/alter")) {
		if (!internal_allowed(a, req, resp))
			return;
		if (strcmp(req->method, "POST") != 0)
			cairn_http_error(resp, 405, "POST to /internal/alter");
		else
			handle_internal_alter(a, req, resp);
	} else if (!strcmp(req->path, "/internal/backup")) {
		handle_group_part(a, req, resp, "backup", group_backup);
	} else if (!strncmp(req->path, "/internal/restore/", 18)) {
		if (internal_allowed(a, req, resp))
			cairn_alpha_restore_serve(a, req, resp);
	} else if (!strcmp(req->path, "/internal/export")) {
		handle_group_part(a, req, resp, "export", cairn_alpha_export_serve);
	} else if (!strcmp(req->path, "/metrics")) {
		handle_metrics(a, resp);
	} else {
		cairn_http_error(resp, 404, "no such endpoint %s", req->path);
	}
}

static const struct cairn_flag flags[] = {
    {"http", 0, "localhost:8080", "address to serve HTTP on", 0},
    {"postings", 'p', "p", "postings directory (LMDB)", 0},
    {"zero", 'z', "localhost:6080", "zero's HTTP address", 0},
    CAIRN_KEY_FLAGS,
    {"at_rest", 0, "true",
     "with a key: encrypt the postings directory at rest too (docs/AT-REST.md); false keeps "
     "a plain one plain and the key for backups only",
     CAIRN_FLAG_BOOL},
    {"my", 0, NULL, "host:port this alpha advertises to the cluster (default: --http)", 0},
    CAIRN_ACCESS_FLAGS("/admin, /alter, /export"),
    CAIRN_TLS_FLAGS,
    CAIRN_HTTP_LIMIT_FLAGS("320"),
    {"cors_origins", 0, NULL,
     "page origins allowed to call /admin from a browser: comma list of exact origins, or *"
     " (default: http(s)://localhost, 127.0.0.1, [::1] on any port)",
     0},
    {"compression_level", 0, "4", "gzip level of backup objects, 1-12 (libdeflate's levels)", 0},
    {"backup_schedule", 0, NULL,
     "scheduled backups: \"destination=URI; every=60s\" or \"...; cron=*/15 * * * *\" (UTC "
     "minute and hour), optional \"full_every=M\" (a full after M incrementals) and "
     "\"full_days=D\"; credentials from the environment or ini as for any backup",
     0},
    {NULL, 0, NULL, NULL, 0},
};

int cairn_cmd_alpha(int argc, char **argv)
{
	struct cairn_opts o;
	cairn_err err = {0};
	struct cairn_alpha a;
	struct cairn_http_server *srv = NULL;
	struct cairn_http_opts hopts = {.max_body = MAX_BODY};
	struct cairn_schedule_spec sched = {0};
	memset(&a, 0, sizeof a);
	pthread_mutex_init(&a.write_mu, NULL);
	pthread_mutex_init(&a.stats.mu, NULL);
	pthread_mutex_init(&a.restore_mu, NULL);
	/* Writers first: a restore's swap is not starved by a stream of exports. */
	pthread_rwlockattr_t rwa;
	pthread_rwlockattr_init(&rwa);
	pthread_rwlockattr_setkind_np(&rwa, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&a.db_lock, &rwa);
	pthread_rwlockattr_destroy(&rwa);
	a.started = time(NULL);
	cairn_log_set_name("alpha");
	int rc = cairn_opts_parse_keyed("alpha", NULL, flags, argc, argv, &o, &err);
	if (rc != 0)
		goto out;
	rc = -1;
	a.opts = &o;
	if (cairn_load_plugins_from(cairn_opt(&o, "plugin_dir")) < 0)
		goto quiet;
	/* Who may call, and the address to advertise: checked before anything is opened. */
	if (cairn_listener_setup(&o, &hopts, &err) < 0 ||
	    cairn_access_init(&a.access, &o, &err) < 0 ||
	    (cairn_opt(&o, "cluster_secret_file") &&
	     cairn_member_auth_load(cairn_opt(&o, "cluster_secret_file"), &err) < 0) ||
	    cairn_addr_advertised(cairn_opt(&o, "my"), cairn_opt(&o, "http"), &a.http_addr, &err) <
		0)
		goto out;
	uint64_t level = 0;
	if (cairn_opt_u64(&o, "compression_level", &level, &err) < 0 ||
	    cairn_blocks_check_level(CAIRN_COMP_GZIP, level > 12 ? 13 : (int)level, &err) < 0)
		goto out;
	cairn_obj_gzip_level = (int)level;
	if (cairn_opt(&o, "backup_schedule") &&
	    cairn_schedule_parse(cairn_opt(&o, "backup_schedule"), &sched, &err) < 0)
		goto out;
	/* The key is read at start, so a wrong key is found now, not at backup time. */
	if (cairn_key_load(o.kv, a.key, &a.key_len, &err) < 0)
		goto out;
	/* The key protects the postings too (docs/AT-REST.md). */
	if (a.key_len && cairn_opt_bool(&o, "at_rest") != 0 &&
	    cairn_atrest_new(a.key, a.key_len, &a.atrest, &err) < 0)
		goto out;
	const char *dir = cairn_opt(&o, "postings");
	if (cairn_alpha_restore_recover(dir, &err) < 0 ||
	    cairn_db_open_keyed(dir, a.atrest, &a.db, &err) < 0 ||
	    cairn_group_id_read(dir, &a.group, &err) < 0)
		goto out;
	a.zero = strdup(cairn_opt(&o, "zero"));
	uint32_t g = 0;
	if (cairn_member_id_read(dir, &a.member_id, &err) < 0 ||
	    cairn_zero_connect(a.zero, a.http_addr, a.group, &a.member_id, &g, &err) < 0 ||
	    cairn_member_id_write(dir, a.member_id, &err) < 0 ||
	    cairn_member_start(&a.member, a.zero, a.member_id, &err) < 0)
		goto out;
	if (!a.group && cairn_group_id_write(dir, g, &err) < 0)
		goto out;
	a.group = g;
	if (cairn_alpha_claim_restored(&a, dir, &err) < 0)
		goto out;
	if (cairn_tasks_open_sealed(dir, a.atrest, run_task, &a, &a.tasks, &err) < 0)
		goto out;
	srv = cairn_http_start(cairn_opt(&o, "http"), handle, &a, &hopts, &err);
	if (!srv)
		goto out;
	if (sched.destination && cairn_scheduler_start(&sched, a.tasks, &a.scheduler, &err) < 0)
		goto out;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	cairn_info("serving group %u on %s, postings in %s, zero at %s%s", a.group, a.http_addr,
		   dir, a.zero,
		   a.atrest    ? ", postings and backups encrypted"
		   : a.key_len ? ", backups encrypted"
			       : "");
	while (!stop_flag)
		usleep(100000);
	cairn_info("shutting down");
	rc = 0;
out:
	if (rc < 0)
		cairn_print_error(err.msg);
quiet:
	/* No new scheduled run; the running task finishes; queued ones and their
	 * waiters are let go before the HTTP threads are. */
	cairn_scheduler_stop(a.scheduler);
	cairn_schedule_spec_clear(&sched);
	cairn_tasks_stop(a.tasks);
	cairn_http_stop(srv);
	cairn_tasks_close(a.tasks);
	cairn_member_stop(&a.member);
	cairn_db_close(a.db);
	cairn_atrest_free(a.atrest);
	free(a.zero);
	free(a.http_addr);
	cairn_access_clear(&a.access);
	cairn_alpha_tablets_clear();
	cairn_opts_clear(&o);
	return rc < 0 ? 1 : 0;
}
