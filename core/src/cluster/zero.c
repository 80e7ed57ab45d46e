/* zero.c — `cairn zero`: timestamp oracle, uid leases, group membership,
 * predicate placement (tablets), the applied watermark and the license.
 *
 * Leases are handed out from memory below a ceiling that is persisted first:
 * raising the ceiling writes state.json (atomically, fsynced) before any
 * value under it is answered, so a restarted zero starts above every value it
 * ever gave out. The watermark is the highest T such that every commit
 * timestamp <= T has been reported applied or aborted; backups read at it. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "commands.h"
#include "config.h"
#include "jsonfile.h"
#include "license.h"
#include "log.h"
#include "server/access.h"
#include "server/http.h"
#include "server/listener.h"
#include "server/member_auth.h"
#include "server/tls.h"

#define LEASE_STEP 10000
#define TRIAL_DAYS 30
#define MAX_LEASE 1000000000000ULL
/* What zero records for anyone who may call it: bounded, so that state.json
 * stays small and zero always restarts. */
#define MAX_MEMBERS 1024
#define MAX_TABLETS 16384
#define MAX_PRED_LEN 256
#define MAX_ADDR_LEN 256

struct member {
	uint64_t id;
	uint32_t group;
	char *addr;
	/* Reported in since this zero started (connect, or a heartbeat with its
	 * commits in flight): until every member has, the watermark cannot pass
	 * the persisted floor. Not persisted. */
	int checked_in;
};

struct tablet {
	char *pred;
	uint32_t group;
};

struct pending {
	uint64_t ts, member;
	int64_t since_ms; /* when zero learned of it (monotonic) */
};

struct zero {
	pthread_mutex_t mu;
	char *state_path;
	uint64_t next_ts, ts_ceiling;
	uint64_t next_uid, uid_ceiling;
	struct member *members;
	size_t nmembers;
	uint64_t next_member_id;
	struct tablet *tablets;
	size_t ntablets;
	struct pending *pending;
	size_t npending;
	int64_t trial_start;
	char *license_document; /* the license file applied, persisted as is; NULL: trial */
	uint64_t backup_lock;	/* member id holding the cluster's backup lock, 0: free */
	uint64_t wm_floor;	/* a watermark proven before the last restart (persisted) */
	time_t backup_lock_since;
	EVP_PKEY *license_key; /* what licenses are verified with */
	struct cairn_license license;
	struct cairn_access access; /* --whitelist and the admin token */
	uint64_t backup_lock_gen;   /* counts takes: a probe speaks only of the take it saw */
	/* A timestamp taken when restored data last replaced a group's (a
	 * restore's first start, an online restore's swap; persisted): a
	 * backup series whose latest read_ts is below it no longer describes
	 * the cluster, and the next backup is a full one. */
	uint64_t restore_ts;
	/* Names the data's history: random, new when zero is created and at
	 * every restore mark (persisted). A backup records it; an incremental
	 * follows only a backup of the same epoch (backup/coordinator.c), so a
	 * series never spans a restore or two clusters. */
	char epoch[17];
};

static int new_epoch(struct zero *z)
{
	unsigned char r[8];
	if (RAND_bytes(r, sizeof r) != 1)
		return -1;
	for (int i = 0; i < 8; i++)
		snprintf(z->epoch + 2 * i, 3, "%02x", r[i]);
	return 0;
}

static volatile sig_atomic_t stop_flag;
static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static struct member *member_by_id(const struct zero *z, uint64_t id)
{
	for (size_t i = 0; i < z->nmembers; i++)
		if (z->members[i].id == id)
			return &z->members[i];
	return NULL;
}

/* Whether every member has reported in since this zero started. */
static int recovered(const struct zero *z)
{
	for (size_t i = 0; i < z->nmembers; i++)
		if (!z->members[i].checked_in)
			return 0;
	return 1;
}

/* The highest T such that every commit <= T is applied or aborted: below the
 * oldest pending commit, and, until every member has reported in after a
 * restart, no higher than the floor proven before it. */
static uint64_t watermark(const struct zero *z)
{
	uint64_t w = z->next_ts - 1;
	for (size_t i = 0; i < z->npending; i++)
		if (z->pending[i].ts - 1 < w)
			w = z->pending[i].ts - 1;
	if (!recovered(z) && z->wm_floor < w)
		w = z->wm_floor;
	return w;
}

static int save_state(struct zero *z, cairn_err *err)
{
	cJSON *root = cJSON_CreateObject(), *ms = cJSON_AddArrayToObject(root, "members"),
	      *ts = cJSON_AddArrayToObject(root, "tablets");
	cairn_json_add_u64(root, "ts_ceiling", z->ts_ceiling);
	cairn_json_add_u64(root, "uid_ceiling", z->uid_ceiling);
	cairn_json_add_u64(root, "watermark_floor", watermark(z));
	cairn_json_add_u64(root, "next_member_id", z->next_member_id);
	cairn_json_add_u64(root, "trial_start", (uint64_t)z->trial_start);
	cairn_json_add_u64(root, "restore_ts", z->restore_ts);
	cJSON_AddStringToObject(root, "epoch", z->epoch);
	if (z->license_document) /* verified again when loaded */
		cJSON_AddStringToObject(root, "license", z->license_document);
	for (size_t i = 0; i < z->nmembers; i++) {
		cJSON *m = cJSON_CreateObject();
		cairn_json_add_u64(m, "id", z->members[i].id);
		cairn_json_add_u64(m, "group", z->members[i].group);
		cJSON_AddStringToObject(m, "addr", z->members[i].addr);
		cJSON_AddItemToArray(ms, m);
	}
	for (size_t i = 0; i < z->ntablets; i++) {
		cJSON *t = cJSON_CreateObject();
		cJSON_AddStringToObject(t, "pred", z->tablets[i].pred);
		cairn_json_add_u64(t, "group", z->tablets[i].group);
		cJSON_AddItemToArray(ts, t);
	}
	char *s = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	if (!s)
		return cairn_err_set(err, "out of memory");
	int rc = cairn_write_file_atomic(z->state_path, s, strlen(s), err);
	free(s);
	return rc;
}

/* The license state.json holds, verified as any other: one that no longer
 * verifies (altered, or the public key changed) is not applied, and zero
 * runs as if none had been. An expired one stays: /state says so. */
static void load_license(struct zero *z, const cJSON *root)
{
	const cJSON *doc = cJSON_GetObjectItemCaseSensitive(root, "license");
	cairn_err err = {0};
	if (!doc && cJSON_GetObjectItemCaseSensitive(root, "license_expiry"))
		cairn_warn("%s holds an unsigned license of an older cairn, which is not applied; "
			   "apply a signed one (`cairn license`, POST /enterpriseLicense)",
			   z->state_path);
	if (!cJSON_IsString(doc))
		return;
	if (cairn_license_verify(doc->valuestring, strlen(doc->valuestring), z->license_key,
				 &z->license, &err) < 0) {
		cairn_warn("the license in %s is not applied: %s", z->state_path, err.msg);
		memset(&z->license, 0, sizeof z->license);
		return;
	}
	z->license_document = strdup(doc->valuestring);
}

static int load_state(struct zero *z, cairn_err *err)
{
	char *data = NULL;
	int rc = cairn_read_file(z->state_path, 64 << 20, &data, NULL, err);
	if (rc < 0)
		return -1;
	if (rc == 1) { /* a new zero */
		z->next_ts = z->ts_ceiling = 1;
		z->next_uid = z->uid_ceiling = 1;
		z->next_member_id = 1;
		z->trial_start = time(NULL);
		if (new_epoch(z) < 0)
			return cairn_err_set(err,
					     "cannot get random bytes for the cluster's epoch");
		return save_state(z, err);
	}
	cJSON *root = cJSON_Parse(data);
	free(data);
	if (!cJSON_IsObject(root)) {
		cJSON_Delete(root);
		return cairn_err_set(
		    err,
		    "%s is not valid zero state; restore it or start with a new -w "
		    "directory",
		    z->state_path);
	}
	/* Everything below the old ceilings may have been handed out. */
	z->next_ts = z->ts_ceiling = cairn_json_u64(root, "ts_ceiling");
	z->next_uid = z->uid_ceiling = cairn_json_u64(root, "uid_ceiling");
	if (!z->next_ts)
		z->next_ts = z->ts_ceiling = 1;
	if (!z->next_uid)
		z->next_uid = z->uid_ceiling = 1;
	z->next_member_id = cairn_json_u64(root, "next_member_id");
	/* Commits in flight when the last zero stopped are known only to their
	 * alphas: below this floor everything was done; above it the watermark
	 * waits until every member has reported in (handle_heartbeat). */
	z->wm_floor = cairn_json_u64(root, "watermark_floor");
	z->trial_start = (int64_t)cairn_json_u64(root, "trial_start");
	z->restore_ts = cairn_json_u64(root, "restore_ts");
	const cJSON *ep = cJSON_GetObjectItemCaseSensitive(root, "epoch");
	int fresh_epoch = !cJSON_IsString(ep) || strlen(ep->valuestring) != 16;
	if (!fresh_epoch)
		snprintf(z->epoch, sizeof z->epoch, "%s", ep->valuestring);
	else if (new_epoch(z) < 0) {
		cJSON_Delete(root);
		return cairn_err_set(err, "cannot get random bytes for the cluster's epoch");
	}
	load_license(z, root);
	const cJSON *it;
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(root, "members"))
	{
		const cJSON *a = cJSON_GetObjectItemCaseSensitive(it, "addr");
		struct member *nm = realloc(z->members, (z->nmembers + 1) * sizeof *nm);
		if (!nm || !cJSON_IsString(a))
			continue;
		z->members = nm;
		nm[z->nmembers].id = cairn_json_u64(it, "id");
		nm[z->nmembers].group = (uint32_t)cairn_json_u64(it, "group");
		nm[z->nmembers].addr = strdup(a->valuestring);
		nm[z->nmembers].checked_in = 0;
		z->nmembers++;
	}
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(root, "tablets"))
	{
		const cJSON *p = cJSON_GetObjectItemCaseSensitive(it, "pred");
		struct tablet *nt = realloc(z->tablets, (z->ntablets + 1) * sizeof *nt);
		if (!nt || !cJSON_IsString(p))
			continue;
		z->tablets = nt;
		nt[z->ntablets].pred = strdup(p->valuestring);
		nt[z->ntablets].group = (uint32_t)cairn_json_u64(it, "group");
		z->ntablets++;
	}
	cJSON_Delete(root);
	/* A state of an older zero: its epoch is new, so the next backup is full. */
	return fresh_epoch ? save_state(z, err) : 0;
}

/* Hands out [*start, *start+num) of a counter, raising and persisting its
 * ceiling first when needed. Caller holds z->mu. */
static int lease(struct zero *z, uint64_t *next, uint64_t *ceiling, uint64_t num, uint64_t *start,
		 cairn_err *err)
{
	if (*next + num > *ceiling) {
		uint64_t old = *ceiling;
		*ceiling = *next + num + LEASE_STEP;
		if (save_state(z, err) < 0) {
			*ceiling = old;
			return -1;
		}
	}
	*start = *next;
	*next += num;
	return 0;
}

/* Whether backups are licensed now: a license applied replaces the trial,
 * and either ends at its expiry, without a restart. */
static int license_enabled(const struct zero *z, int *trial, int64_t *expiry)
{
	int64_t now = time(NULL);
	if (z->license_document) {
		*trial = 0;
		*expiry = z->license.expiry;
		return now < *expiry;
	}
	*trial = 1;
	*expiry = z->trial_start + TRIAL_DAYS * 86400;
	return now < *expiry;
}

static void reply_json(struct cairn_http_resp *resp, int status, cJSON *obj)
{
	char *s = cJSON_PrintUnformatted(obj);
	cJSON_Delete(obj);
	cairn_http_reply(resp, status, "application/json", s ? s : "{}");
	free(s);
}

static void iso8601(int64_t t, char *buf, size_t len)
{
	struct tm tm;
	time_t tt = (time_t)t;
	gmtime_r(&tt, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The license as /state and /internal/license show it; maxNodes 0: no limit. */
static void license_json(const struct zero *z, cJSON *lic)
{
	int trial;
	int64_t expiry;
	char when[32];
	cJSON_AddBoolToObject(lic, "enabled", license_enabled(z, &trial, &expiry));
	iso8601(expiry, when, sizeof when);
	cJSON_AddStringToObject(lic, "expiry", when);
	cJSON_AddBoolToObject(lic, "trial", trial);
	if (!trial)
		cJSON_AddStringToObject(lic, "user", z->license.user);
	cairn_json_add_u64(lic, "maxNodes", trial ? 0 : z->license.max_nodes);
}

/* /state's entry for group id in groups, made on first use. */
static cJSON *state_group(cJSON *groups, uint32_t id)
{
	char gid[16];
	snprintf(gid, sizeof gid, "%u", id);
	cJSON *g = cJSON_GetObjectItemCaseSensitive(groups, gid);
	if (!g) {
		g = cJSON_AddObjectToObject(groups, gid);
		cJSON_AddObjectToObject(g, "members");
		cJSON_AddArrayToObject(g, "predicates");
	}
	return g;
}

/* full: members, their addresses and the license, for admins and members;
 * anyone else sees groups, predicates and the counters. */
static void handle_state(struct zero *z, struct cairn_http_resp *resp, int full)
{
	cJSON *root = cJSON_CreateObject(), *groups = cJSON_AddObjectToObject(root, "groups");
	for (size_t i = 0; full && i < z->nmembers; i++) {
		cJSON *g = state_group(groups, z->members[i].group);
		cJSON *m = cJSON_CreateObject();
		cairn_json_add_u64(m, "id", z->members[i].id);
		cJSON_AddStringToObject(m, "addr", z->members[i].addr);
		char mid[24];
		snprintf(mid, sizeof mid, "%llu", (unsigned long long)z->members[i].id);
		cJSON_AddItemToObject(cJSON_GetObjectItemCaseSensitive(g, "members"), mid, m);
	}
	for (size_t i = 0; i < z->ntablets; i++) {
		cJSON *g = state_group(groups, z->tablets[i].group);
		cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(g, "predicates"),
				     cJSON_CreateString(z->tablets[i].pred));
	}
	cairn_json_add_u64(root, "maxTxnTs", z->next_ts - 1);
	cairn_json_add_u64(root, "maxUID", z->next_uid - 1);
	cairn_json_add_u64(root, "watermark", watermark(z));
	cairn_json_add_u64(root, "restoreTs", z->restore_ts);
	cJSON_AddStringToObject(root, "epoch", z->epoch);
	/* The oldest commit in flight: one that stays there holds every backup back. */
	const struct pending *old = NULL;
	for (size_t i = 0; i < z->npending; i++)
		if (!old || z->pending[i].ts < old->ts)
			old = &z->pending[i];
	if (!full) {
		cJSON_AddBoolToObject(root, "recovering", !recovered(z));
		reply_json(resp, 200, root);
		return;
	}
	if (old) {
		const struct member *om = member_by_id(z, old->member);
		cJSON *o = cJSON_AddObjectToObject(root, "oldestPending");
		cairn_json_add_u64(o, "ts", old->ts);
		cairn_json_add_u64(o, "member", old->member);
		cairn_json_add_u64(o, "group", om ? om->group : 0);
		cJSON_AddStringToObject(o, "addr", om ? om->addr : "?");
		cairn_json_add_u64(o, "ageMs", (uint64_t)(cairn_mono_ms() - old->since_ms));
	}
	/* After a restart, until every member has reported in: who is missing. */
	cJSON_AddBoolToObject(root, "recovering", !recovered(z));
	cJSON *waiting = cJSON_AddArrayToObject(root, "waitingFor");
	for (size_t i = 0; i < z->nmembers; i++)
		if (!z->members[i].checked_in) {
			cJSON *w = cJSON_CreateObject();
			cairn_json_add_u64(w, "id", z->members[i].id);
			cairn_json_add_u64(w, "group", z->members[i].group);
			cJSON_AddStringToObject(w, "addr", z->members[i].addr);
			cJSON_AddItemToArray(waiting, w);
		}
	license_json(z, cJSON_AddObjectToObject(root, "license"));
	reply_json(resp, 200, root);
}

static int parse_u64(const char *s, uint64_t *out)
{
	char *end;
	if (!s || !*s || *s == '-')
		return -1;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (*end || errno == ERANGE)
		return -1;
	*out = v;
	return 0;
}

/* A license file (license.h), verified against zero's public key; refused
 * with the reason, the license in force staying, if it is malformed,
 * altered, signed with another key, expired, or allows fewer nodes than the
 * cluster has. Caller holds z->mu. */
static int apply_license(struct zero *z, const char *body, size_t len, cairn_err *err)
{
	struct cairn_license lic, old = z->license;
	char when[32], *doc;
	if (cairn_license_accept(body, len, z->license_key, (int64_t)time(NULL), &lic, err) < 0)
		return -1;
	if (lic.max_nodes && z->nmembers > lic.max_nodes)
		return cairn_err_set(err,
				     "the license allows %llu node(s) and the cluster has %zu "
				     "members; remove members with /removeNode or get a license "
				     "for more nodes",
				     (unsigned long long)lic.max_nodes, z->nmembers);
	if (!(doc = strndup(body, len)))
		return cairn_err_set(err, "out of memory");
	char *old_doc = z->license_document;
	z->license_document = doc;
	z->license = lic;
	if (save_state(z, err) < 0) {
		z->license_document = old_doc;
		z->license = old;
		free(doc);
		return -1;
	}
	free(old_doc);
	iso8601(lic.expiry, when, sizeof when);
	cairn_info("license of \"%s\" applied: %llu node(s)%s, until %s", lic.user,
		   (unsigned long long)lic.max_nodes, lic.max_nodes ? "" : " (no limit)", when);
	return 0;
}

/* Forgets member i and its commits in flight. Caller holds z->mu. */
/* What a member that is gone leaves behind: its commits in flight (its
 * process never finished them) and the backup lock if it held it. */
static void forget_member_work(struct zero *z, uint64_t id)
{
	size_t k = 0;
	for (size_t j = 0; j < z->npending; j++)
		if (z->pending[j].member != id)
			z->pending[k++] = z->pending[j];
	z->npending = k;
	if (z->backup_lock == id)
		z->backup_lock = 0;
}

static void remove_member_at(struct zero *z, size_t i)
{
	forget_member_work(z, z->members[i].id);
	free(z->members[i].addr);
	memmove(&z->members[i], &z->members[i + 1], (z->nmembers - i - 1) * sizeof *z->members);
	z->nmembers--;
}

/* Removes every member but keep that claims addr: one address, one process. */
static void drop_members_at(struct zero *z, const char *addr, uint64_t keep)
{
	for (size_t i = 0; i < z->nmembers;)
		if (z->members[i].id != keep && !strcmp(z->members[i].addr, addr))
			remove_member_at(z, i);
		else
			i++;
}

/* An alpha (re)joins: a known address keeps its id and group; its pending
 * commits died with its previous process, so they no longer hold the
 * watermark back. */
static void handle_connect(struct zero *z, const struct cairn_http_req *req,
			   struct cairn_http_resp *resp)
{
	cairn_err err = {0};
	cJSON *in = cJSON_Parse(req->body);
	const cJSON *addr = cJSON_GetObjectItemCaseSensitive(in, "addr");
	if (!cJSON_IsString(addr) || !*addr->valuestring ||
	    strlen(addr->valuestring) > MAX_ADDR_LEN || !strchr(addr->valuestring, ':')) {
		cJSON_Delete(in);
		cairn_http_error(resp, 400,
				 "connect needs {\"addr\": \"host:port\", \"group\": N} (an "
				 "address of at most %d bytes)",
				 MAX_ADDR_LEN);
		return;
	}
	uint32_t group = (uint32_t)cairn_json_u64(in, "group");
	/* The member is its postings directory (the id it keeps there), not its
	 * address: an alpha restarted on another port stays one member. Any
	 * other member on that address is a process that is gone. */
	struct member *m = member_by_id(z, cairn_json_u64(in, "id"));
	if (!m)
		for (size_t i = 0; i < z->nmembers; i++)
			if (!strcmp(z->members[i].addr, addr->valuestring))
				m = &z->members[i];
	if (m) {
		char *na = strdup(addr->valuestring);
		if (!na) {
			cJSON_Delete(in);
			cairn_http_error(resp, 500, "out of memory");
			return;
		}
		free(m->addr);
		m->addr = na;
		uint64_t id = m->id;
		drop_members_at(z, na, id);
		m = member_by_id(z, id);
		if (group && m->group != group)
			m->group = group; /* the postings directory decides */
	}
	if (!m && z->license_document && z->license.max_nodes &&
	    z->nmembers >= z->license.max_nodes) {
		cJSON_Delete(in);
		cairn_http_error(
		    resp, 403,
		    "the license of \"%s\" allows %llu node(s) and the cluster has "
		    "them all; remove a member with /removeNode or apply a license for "
		    "more nodes",
		    z->license.user, (unsigned long long)z->license.max_nodes);
		return;
	}
	if (!m) {
		uint32_t g = group;
		if (!g) { /* the lowest group with no member */
			for (g = 1;; g++) {
				size_t i;
				for (i = 0; i < z->nmembers && z->members[i].group != g; i++)
					;
				if (i == z->nmembers)
					break;
			}
		}
		struct member *nm = NULL;
		if (z->nmembers >= MAX_MEMBERS) {
			cJSON_Delete(in);
			cairn_http_error(resp, 507,
					 "zero already has %d members, its limit; remove gone ones "
					 "with /removeNode",
					 MAX_MEMBERS);
			return;
		}
		nm = realloc(z->members, (z->nmembers + 1) * sizeof *nm);
		if (!nm) {
			cJSON_Delete(in);
			cairn_http_error(resp, 500, "out of memory");
			return;
		}
		z->members = nm;
		m = &nm[z->nmembers++];
		m->id = z->next_member_id++;
		m->group = g;
		m->addr = strdup(addr->valuestring);
	}
	m->checked_in = 1; /* a process that just started has nothing in flight */
	/* Its previous process is gone: its commits in flight were never
	 * committed, and a backup it coordinated is over. */
	forget_member_work(z, m->id);
	cJSON_Delete(in);
	if (save_state(z, &err) < 0) {
		cairn_http_error(resp, 500, "%s", err.msg);
		return;
	}
	cairn_info("alpha %s joined as member %llu of group %u", m->addr, (unsigned long long)m->id,
		   m->group);
	cJSON *out = cJSON_CreateObject();
	cairn_json_add_u64(out, "id", m->id);
	cairn_json_add_u64(out, "group", m->group);
	reply_json(resp, 200, out);
}

#define HOLDER_PROBE_MS 2000

/* Is the alpha at addr (holding the backup lock) still there? One that died
 * mid-backup must not block every later backup. Called without zero's lock:
 * a hung alpha costs this request the deadline, and nobody else anything. */
static int holder_alive(const char *addr)
{
	char url[300], *out = NULL;
	long status = 0;
	cairn_err err = {0};
	cairn_http_url(url, sizeof url, addr, "/health");
	struct cairn_http_call c = {
	    .method = "GET", .url = url, .timeout_ms = HOLDER_PROBE_MS, .internal = 1};
	int ok = cairn_http_fetch(&c, &status, &out, NULL, &err) == 0 && status == 200;
	free(out);
	if (!ok)
		cairn_warn("the backup lock's holder %s is gone (%s); releasing the lock", addr,
			   err.msg[0] ? err.msg : "unhealthy");
	return ok;
}

/* Whether the backup lock is held by a live member other than member.
 * Caller holds z->mu; it is dropped while the holder is probed, and what
 * the probe found counts only if the same take still holds the lock. */
static int lock_held_by_other(struct zero *z, uint64_t member)
{
	for (;;) {
		if (!z->backup_lock || z->backup_lock == member)
			return 0;
		const struct member *h = member_by_id(z, z->backup_lock);
		if (!h)
			return 0;
		uint64_t gen = z->backup_lock_gen;
		char addr[256];
		snprintf(addr, sizeof addr, "%s", h->addr);
		pthread_mutex_unlock(&z->mu);
		int alive = holder_alive(addr);
		pthread_mutex_lock(&z->mu);
		if (z->backup_lock_gen == gen && z->backup_lock)
			return alive;
		/* taken or released meanwhile: judge the lock as it is now */
	}
}

static void handle_health(struct zero *z, const struct cairn_http_req *req,
			  struct cairn_http_resp *resp)
{
	(void)z;
	(void)req;
	cairn_http_reply(resp, 200, "application/json",
			 "{\"status\":\"healthy\",\"version\":\"" CAIRN_VERSION "\"}");
}

static void handle_state_req(struct zero *z, const struct cairn_http_req *req,
			     struct cairn_http_resp *resp)
{
	handle_state(z, resp, cairn_access_is_admin(&z->access, req, 1));
}

/* GET /assign?what=timestamps|uids&num=N: a lease, persisted before it is answered. */
static void handle_assign(struct zero *z, const struct cairn_http_req *req,
			  struct cairn_http_resp *resp)
{
	cairn_err err = {0};
	const char *what = cairn_http_query(req, "what");
	uint64_t num = 0, start;
	int ts = what && !strcmp(what, "timestamps"), uids = what && !strcmp(what, "uids");
	if (!ts && !uids) {
		cairn_http_error(resp, 400, "assign needs what=timestamps or what=uids");
	} else if (parse_u64(cairn_http_query(req, "num"), &num) < 0 || num == 0 ||
		   num > MAX_LEASE) {
		cairn_http_error(resp, 400, "assign needs num=N with 1 <= N <= %llu",
				 (unsigned long long)MAX_LEASE);
	} else if (lease(z, ts ? &z->next_ts : &z->next_uid, ts ? &z->ts_ceiling : &z->uid_ceiling,
			 num, &start, &err) < 0) {
		cairn_http_error(resp, 500, "cannot persist lease: %s", err.msg);
	} else {
		cJSON *o = cJSON_CreateObject();
		cairn_json_add_u64(o, "startId", start);
		cairn_json_add_u64(o, "endId", start + num - 1);
		reply_json(resp, 200, o);
	}
}

static void handle_license(struct zero *z, const struct cairn_http_req *req,
			   struct cairn_http_resp *resp)
{
	cairn_err err = {0};
	if (strcmp(req->method, "POST") != 0)
		cairn_http_error(resp, 405, "POST the license file to /enterpriseLicense");
	else if (apply_license(z, req->body, req->body_len, &err) < 0)
		cairn_http_error(resp, 400, "license not applied: %s", err.msg);
	else
		cairn_http_reply(resp, 200, "application/json",
				 "{\"code\":\"Success\",\"message\":\"License applied.\"}");
}

/* GET /internal/license: whether backups are licensed now; every alpha asks
 * before it writes backup data. */
static void handle_internal_license(struct zero *z, const struct cairn_http_req *req,
				    struct cairn_http_resp *resp)
{
	(void)req;
	cJSON *o = cJSON_CreateObject();
	license_json(z, o);
	reply_json(resp, 200, o);
}

/* POST /internal/commit?member=M: a commit timestamp that holds the
 * watermark until reported done. */
static void handle_commit(struct zero *z, const struct cairn_http_req *req,
			  struct cairn_http_resp *resp)
{
	cairn_err err = {0};
	uint64_t member = 0, start;
	struct pending *np;
	if (parse_u64(cairn_http_query(req, "member"), &member) < 0 || !member_by_id(z, member)) {
		cairn_http_error(resp, 400, "unknown member; the alpha must connect first");
	} else if (lease(z, &z->next_ts, &z->ts_ceiling, 1, &start, &err) < 0) {
		cairn_http_error(resp, 500, "cannot persist lease: %s", err.msg);
	} else if (!(np = realloc(z->pending, (z->npending + 1) * sizeof *np))) {
		cairn_http_error(resp, 500, "out of memory");
	} else {
		z->pending = np;
		np[z->npending].ts = start;
		np[z->npending].member = member;
		np[z->npending].since_ms = cairn_mono_ms();
		z->npending++;
		cJSON *o = cJSON_CreateObject();
		cairn_json_add_u64(o, "ts", start);
		reply_json(resp, 200, o);
	}
}

/* POST /internal/restored: restored data has replaced a group's; the
 * timestamp taken now becomes restore_ts, and the epoch is new (see struct
 * zero). */
static void handle_restored(struct zero *z, const struct cairn_http_req *req,
			    struct cairn_http_resp *resp)
{
	cairn_err err = {0};
	uint64_t ts = 0, old = z->restore_ts;
	char old_epoch[sizeof z->epoch];
	memcpy(old_epoch, z->epoch, sizeof old_epoch);
	if (strcmp(req->method, "POST") != 0) {
		cairn_http_error(resp, 405, "POST to /internal/restored");
	} else if (lease(z, &z->next_ts, &z->ts_ceiling, 1, &ts, &err) < 0) {
		cairn_http_error(resp, 500, "cannot persist lease: %s", err.msg);
	} else if (new_epoch(z) < 0) {
		cairn_http_error(resp, 500, "cannot get random bytes for the cluster's epoch");
	} else if ((z->restore_ts = ts, save_state(z, &err)) < 0) {
		z->restore_ts = old;
		memcpy(z->epoch, old_epoch, sizeof old_epoch);
		cairn_http_error(resp, 500, "cannot persist the restore: %s", err.msg);
	} else {
		cJSON *o = cJSON_CreateObject();
		cairn_json_add_u64(o, "ts", ts);
		reply_json(resp, 200, o);
	}
}

/* POST /internal/lock|unlock?what=backup&member=M: one backup at a time in
 * the cluster. Runs under z->mu, which lock_held_by_other drops to probe. */
static void handle_lock(struct zero *z, const struct cairn_http_req *req,
			struct cairn_http_resp *resp)
{
	uint64_t member = 0;
	const char *what = cairn_http_query(req, "what");
	int take = !strcmp(req->path, "/internal/lock");
	if (!what || strcmp(what, "backup") != 0 ||
	    parse_u64(cairn_http_query(req, "member"), &member) < 0 || !member_by_id(z, member)) {
		cairn_http_error(resp, 400, "lock needs what=backup and a connected member");
	} else if (take && lock_held_by_other(z, member)) {
		const struct member *h = member_by_id(z, z->backup_lock);
		char when[32];
		iso8601(z->backup_lock_since, when, sizeof when);
		cairn_http_error(resp, 409,
				 "another backup is already running on this cluster "
				 "(coordinated by alpha %s since %s); wait for it to "
				 "finish and try again",
				 h ? h->addr : "?", when);
	} else {
		if (take && !member_by_id(z, member)) {
			cairn_http_error(resp, 400,
					 "lock needs what=backup and a connected member");
			return;
		}
		if (take) {
			z->backup_lock = member;
			z->backup_lock_since = time(NULL);
			z->backup_lock_gen++;
		} else if (z->backup_lock == member) {
			z->backup_lock = 0;
		}
		cairn_http_reply(resp, 200, "application/json", "{}");
	}
}

/* Drops member's pending commits listed in arr (a JSON array of
 * timestamps): each is applied or aborted. Repeating one changes nothing. */
static void finish_pending(struct zero *z, uint64_t member, const cJSON *arr)
{
	const cJSON *t;
	cJSON_ArrayForEach(t, arr)
	{
		uint64_t ts = cairn_json_u64_value(t);
		size_t k = 0;
		for (size_t i = 0; i < z->npending; i++)
			if (z->pending[i].ts != ts || z->pending[i].member != member)
				z->pending[k++] = z->pending[i];
		z->npending = k;
	}
}

static int has_pending(const struct zero *z, uint64_t ts)
{
	for (size_t i = 0; i < z->npending; i++)
		if (z->pending[i].ts == ts)
			return 1;
	return 0;
}

/* The body of /internal/done and /internal/heartbeat, from a connected member. */
static cJSON *member_body(struct zero *z, const struct cairn_http_req *req,
			  struct cairn_http_resp *resp, uint64_t *member)
{
	cJSON *in = cJSON_ParseWithLength(req->body, req->body_len);
	*member = 0;
	if (strcmp(req->method, "POST") != 0 || !cJSON_IsObject(in) ||
	    parse_u64(cairn_http_query(req, "member"), member) < 0 || !member_by_id(z, *member)) {
		cJSON_Delete(in);
		cairn_http_error(
		    resp, 400,
		    "POST a JSON object with ?member=M of a connected member; the alpha "
		    "must connect first");
		return NULL;
	}
	return in;
}

/* POST /internal/done?member=M {"done":[T...]}: the member's commits T are
 * applied (or aborted). Idempotent, so the alpha retries until it is heard. */
static void handle_done(struct zero *z, const struct cairn_http_req *req,
			struct cairn_http_resp *resp)
{
	uint64_t member;
	cJSON *in = member_body(z, req, resp, &member);
	if (!in)
		return;
	finish_pending(z, member, cJSON_GetObjectItemCaseSensitive(in, "done"));
	cJSON_Delete(in);
	cairn_http_reply(resp, 200, "application/json", "{}");
}

/* POST /internal/heartbeat?member=M {"inflight":[T], "beginning":bool,
 * "done":[T...]}: what the member has in flight and what it finished. A
 * restarted zero learns the commits in flight from its members this way;
 * a member counts as reported in once it says what it has in flight (not
 * while it is waiting for a timestamp). The answer lists the member's
 * pending commits as zero sees them, so that the alpha can finish those
 * whose timestamp never reached it. */
static void handle_heartbeat(struct zero *z, const struct cairn_http_req *req,
			     struct cairn_http_resp *resp)
{
	uint64_t member;
	cJSON *in = member_body(z, req, resp, &member), *out, *pend;
	const cJSON *t;
	if (!in)
		return;
	finish_pending(z, member, cJSON_GetObjectItemCaseSensitive(in, "done"));
	cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(in, "inflight"))
	{
		uint64_t ts = cairn_json_u64_value(t);
		struct pending *np;
		if (!ts || ts >= z->next_ts || has_pending(z, ts))
			continue;
		if (!(np = realloc(z->pending, (z->npending + 1) * sizeof *np))) {
			cJSON_Delete(in);
			cairn_http_error(resp, 500, "out of memory");
			return;
		}
		z->pending = np;
		np[z->npending].ts = ts;
		np[z->npending].member = member;
		np[z->npending].since_ms = cairn_mono_ms();
		z->npending++;
	}
	struct member *m = member_by_id(z, member);
	if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(in, "beginning")) && !m->checked_in) {
		m->checked_in = 1;
		cairn_info("alpha %s (member %llu) reported in%s", m->addr,
			   (unsigned long long)member, recovered(z) ? "; every member has" : "");
	}
	cJSON_Delete(in);
	out = cJSON_CreateObject();
	pend = cJSON_AddArrayToObject(out, "pending");
	for (size_t i = 0; i < z->npending; i++)
		if (z->pending[i].member == member)
			cJSON_AddItemToArray(pend, cairn_json_u64_create(z->pending[i].ts));
	reply_json(resp, 200, out);
}

/* POST /internal/tablet?pred=P&group=G: who serves P? The first group to ask gets it. */
static void handle_tablet(struct zero *z, const struct cairn_http_req *req,
			  struct cairn_http_resp *resp)
{
	cairn_err err = {0};
	const char *pred = cairn_http_query(req, "pred");
	uint64_t group = 0;
	size_t i;
	parse_u64(cairn_http_query(req, "group"), &group);
	if (!pred || !*pred || !group) {
		cairn_http_error(resp, 400, "tablet needs pred and group");
		return;
	}
	if (strlen(pred) > MAX_PRED_LEN) {
		cairn_http_error(resp, 400, "predicate names are limited to %d bytes",
				 MAX_PRED_LEN);
		return;
	}
	for (i = 0; i < z->ntablets && strcmp(z->tablets[i].pred, pred) != 0; i++)
		;
	if (i == z->ntablets && z->ntablets >= MAX_TABLETS) {
		cairn_http_error(resp, 507,
				 "zero already places %d predicates, its limit; drop unused "
				 "predicates or spread the data over fewer",
				 MAX_TABLETS);
		return;
	}
	if (i == z->ntablets) {
		struct tablet *nt = realloc(z->tablets, (z->ntablets + 1) * sizeof *nt);
		if (!nt) {
			cairn_http_error(resp, 500, "out of memory");
			return;
		}
		z->tablets = nt;
		nt[i].pred = strdup(pred);
		nt[i].group = (uint32_t)group;
		z->ntablets++;
		if (save_state(z, &err) < 0) {
			z->ntablets--;
			free(nt[i].pred);
			cairn_http_error(resp, 500, "%s", err.msg);
			return;
		}
	}
	cJSON *o = cJSON_CreateObject();
	cairn_json_add_u64(o, "group", z->tablets[i].group);
	reply_json(resp, 200, o);
}

/* The last member of group g is gone: its predicates have no one to serve
 * or back them up, and would block every backup. Moved (in zero's order)
 * to the end of z->tablets past *kept, so the caller can free them once
 * that is persisted, or put them back. Caller holds z->mu. */
static void split_orphan_tablets(struct zero *z, uint32_t g, size_t *kept)
{
	size_t k = 0;
	*kept = z->ntablets;
	for (size_t i = 0; i < z->nmembers; i++)
		if (z->members[i].group == g)
			return;
	struct tablet *t = z->tablets;
	for (size_t i = 0; i < z->ntablets; i++) /* stable partition: kept first */
		for (size_t j = i; j > k && t[j].group != g && t[j - 1].group == g; j--) {
			struct tablet x = t[j];
			t[j] = t[j - 1];
			t[j - 1] = x;
		}
	while (k < z->ntablets && t[k].group != g)
		k++;
	*kept = k;
}

/* GET /removeNode?id=N&group=G (Dgraph's): forget member N of group G, an
 * alpha that is gone for good. Its pending commits go with it (it can no
 * longer report them done), so it no longer holds the watermark back or
 * blocks a backup; if it was its group's last member, the group's
 * predicates are released (the next group to write one claims it).
 * An admin operation (or a member's). */
static void handle_remove_node(struct zero *z, const struct cairn_http_req *req,
			       struct cairn_http_resp *resp)
{
	cairn_err err = {0};
	uint64_t id = 0, group = 0;
	size_t kept;
	if (parse_u64(cairn_http_query(req, "id"), &id) < 0 || !id ||
	    parse_u64(cairn_http_query(req, "group"), &group) < 0 || !group) {
		cairn_http_error(resp, 400,
				 "removeNode needs id=N&group=G (the member's id and group "
				 "in zero's /state)");
		return;
	}
	struct member *m = member_by_id(z, id);
	if (!m) {
		cairn_http_error(resp, 404, "no member %llu; see zero's /state for the members",
				 (unsigned long long)id);
		return;
	}
	if (m->group != group) {
		cairn_http_error(resp, 400,
				 "member %llu is in group %u, not group %llu; nothing removed",
				 (unsigned long long)id, m->group, (unsigned long long)group);
		return;
	}
	size_t idx = (size_t)(m - z->members), ntablets = z->ntablets;
	struct member gone = *m;
	memmove(m, m + 1, (z->nmembers - idx - 1) * sizeof *m);
	z->nmembers--;
	split_orphan_tablets(z, gone.group, &kept);
	z->ntablets = kept;
	if (save_state(z, &err) < 0) { /* put both back: memory stays as on disk */
		z->ntablets = ntablets;
		memmove(&z->members[idx + 1], &z->members[idx], (z->nmembers - idx) * sizeof *m);
		z->members[idx] = gone;
		z->nmembers++;
		cairn_http_error(resp, 500, "member not removed: %s", err.msg);
		return;
	}
	for (size_t i = kept; i < ntablets; i++) {
		cairn_info("released predicate <%s>: group %u has no member left",
			   z->tablets[i].pred, gone.group);
		free(z->tablets[i].pred);
	}
	forget_member_work(z, id);
	cairn_info("removed member %llu (%s) of group %u", (unsigned long long)id, gone.addr,
		   gone.group);
	free(gone.addr);
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "code", "Success");
	cJSON_AddStringToObject(o, "message",
				kept < ntablets
				    ? "Node removed; it was its group's last member, so "
				      "the group's predicates were released."
				    : "Node removed.");
	reply_json(resp, 200, o);
}

/* Zero's endpoints. Every one runs under zero's one lock. */
static const struct route {
	const char *path;
	void (*fn)(struct zero *z, const struct cairn_http_req *req, struct cairn_http_resp *resp);
} routes[] = {
    {"/health", handle_health},
    {"/state", handle_state_req},
    {"/assign", handle_assign},
    {"/enterpriseLicense", handle_license},
    {"/internal/connect", handle_connect},
    {"/internal/commit", handle_commit},
    {"/internal/lock", handle_lock},
    {"/internal/unlock", handle_lock},
    {"/internal/done", handle_done},
    {"/internal/heartbeat", handle_heartbeat},
    {"/internal/tablet", handle_tablet},
    {"/internal/license", handle_internal_license},
    {"/internal/restored", handle_restored},
    {"/removeNode", handle_remove_node},
};

static void handle(void *ctx, const struct cairn_http_req *req, struct cairn_http_resp *resp)
{
	struct zero *z = ctx;
	/* Who may call: checked before zero's lock is taken. */
	if (!strncmp(req->path, "/internal/", 10) && !cairn_access_member(req, resp))
		return;
	if ((!strcmp(req->path, "/assign") || !strcmp(req->path, "/enterpriseLicense") ||
	     !strcmp(req->path, "/removeNode")) &&
	    !cairn_access_admin(&z->access, req, resp, 1))
		return;
	for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++)
		if (!strcmp(req->path, routes[i].path)) {
			pthread_mutex_lock(&z->mu);
			routes[i].fn(z, req, resp);
			pthread_mutex_unlock(&z->mu);
			return;
		}
	cairn_http_error(resp, 404, "no such endpoint %s", req->path);
}

static const struct cairn_flag flags[] = {
    {"http", 0, "localhost:6080", "address to serve HTTP on", 0},
    {"wal", 'w', "zw", "directory for zero's state", 0},
    {"enterprise_license", 0, NULL, "license file to apply at start", 0},
    {"license_public_key", 0, NULL,
     "PEM Ed25519 public key that licenses are verified with (default: the vendor's, built in)", 0},
    CAIRN_ACCESS_FLAGS("/assign, /enterpriseLicense, /removeNode, the full /state"),
    CAIRN_TLS_FLAGS,
    CAIRN_HTTP_LIMIT_FLAGS("64"),
    {NULL, 0, NULL, NULL, 0},
};

int cairn_cmd_zero(int argc, char **argv)
{
	struct cairn_opts o;
	cairn_err err = {0};
	struct zero z;
	struct cairn_http_server *srv = NULL;
	struct cairn_http_opts hopts = {.max_body = 16u << 20};
	int rc = cairn_opts_parse("zero", NULL, flags, argc, argv, &o, &err);
	memset(&z, 0, sizeof z);
	pthread_mutex_init(&z.mu, NULL);
	cairn_log_set_name("zero");
	if (rc != 0)
		goto out;
	rc = -1;
	if (cairn_listener_setup(&o, &hopts, &err) < 0 ||
	    cairn_access_init(&z.access, &o, &err) < 0 ||
	    (cairn_opt(&o, "cluster_secret_file") &&
	     cairn_member_auth_load(cairn_opt(&o, "cluster_secret_file"), &err) < 0))
		goto out;
	const char *dir = cairn_opt(&o, "wal");
	if (mkdir(dir, 0700) < 0 && access(dir, W_OK) < 0) {
		cairn_err_set(&err, "cannot use state directory %s: %m", dir);
		goto out;
	}
	z.license_key = cairn_license_public_key(cairn_opt(&o, "license_public_key"), &err);
	if (!z.license_key) {
		cairn_err_prefix(&err, "license_public_key");
		goto out;
	}
	if (asprintf(&z.state_path, "%s/state.json", dir) < 0 || load_state(&z, &err) < 0)
		goto out;
	const char *lic = cairn_opt(&o, "enterprise_license");
	if (lic) {
		char *body = NULL;
		size_t blen = 0;
		int r = cairn_read_file(lic, CAIRN_LICENSE_MAX_BYTES, &body, &blen, &err);
		if (r == 1)
			cairn_err_set(&err, "license file %s does not exist", lic);
		if (r != 0 || apply_license(&z, body, blen, &err) < 0) {
			cairn_err_prefix(&err, "license %s not applied", lic);
			free(body);
			goto out;
		}
		free(body);
	}
	srv = cairn_http_start(cairn_opt(&o, "http"), handle, &z, &hopts, &err);
	if (!srv)
		goto out;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	cairn_info("serving on %s, state in %s, next timestamp %llu, next uid %llu",
		   cairn_opt(&o, "http"), dir, (unsigned long long)z.next_ts,
		   (unsigned long long)z.next_uid);
	if (!cairn_member_auth_enabled())
		cairn_warn("no --cluster_secret_file: the cluster is loopback-only (internal "
			   "calls answer only this machine)");
	while (!stop_flag)
		usleep(100000);
	cairn_info("shutting down");
	rc = 0;
out:
	if (rc < 0)
		cairn_print_error(err.msg);
	cairn_http_stop(srv);
	for (size_t i = 0; i < z.nmembers; i++)
		free(z.members[i].addr);
	for (size_t i = 0; i < z.ntablets; i++)
		free(z.tablets[i].pred);
	free(z.members);
	free(z.tablets);
	free(z.pending);
	free(z.license_document);
	EVP_PKEY_free(z.license_key);
	free(z.state_path);
	cairn_access_clear(&z.access);
	cairn_opts_clear(&o);
	return rc < 0 ? 1 : 0;
}
