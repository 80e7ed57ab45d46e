/* The restore's bulk loader, whose puts a writer thread of its own applies:
 * everything put arrives in order across many chunks and commits (a value
 * too large for a chunk included), an error of the writer's reaches the
 * caller, and a load ended without commit keeps nothing it had not yet
 * committed. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "store/db.h"

#define N 120000
#define BIG ((size_t)3 << 20)

struct seen {
	uint64_t n, last_subj, big_len;
	int in_order, big_ok;
};

static int see(void *ctx, const struct cairn_version *v)
{
	struct seen *s = ctx;
	if (v->subj <= s->last_subj)
		s->in_order = 0;
	s->last_subj = v->subj;
	s->n++;
	if (v->obj_len == BIG) {
		s->big_len = v->obj_len;
		s->big_ok = v->obj[0] == '"' && v->obj[BIG - 1] == '"' && v->obj[BIG / 2] == 'b';
	}
	return 0;
}

static uint64_t count(struct cairn_db *db)
{
	struct seen s = {0, 0, 0, 1, 0};
	cairn_err err = {0};
	CHECK(cairn_db_scan(db, UINT64_MAX, see, &s, &err) == 0);
	return s.n;
}

static struct cairn_db *fresh(const char *dir)
{
	struct cairn_db *db = NULL;
	cairn_err err = {0};
	char cmd[700];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	CHECK(system(cmd) == 0);
	CHECK(cairn_db_open_bulk(dir, &db, &err) == 0);
	return db;
}

int main(void)
{
	char dir[512];
	snprintf(dir, sizeof dir, "%s/store-loader-%d", TEST_TMP, (int)getpid());
	cairn_err err = {0};
	struct cairn_db_loader *l;

	/* 120,000 records of 40-byte values (over one 4 MiB chunk and over the
	 * 50,000 records of one commit), a drop, then a 3 MiB value. */
	struct cairn_db *db = fresh(dir);
	CHECK(cairn_db_load_begin(db, 1, &l, &err) == 0);
	struct cairn_version drop = {CAIRN_OP_DROP_ATTR, 5, "other", 5, 0, NULL, 0};
	CHECK(cairn_db_load_put(l, &drop, &err) == 0);
	char obj[64];
	int bad = 0;
	for (uint64_t i = 1; i <= N && !bad; i++) {
		int n = snprintf(obj, sizeof obj, "\"value %030llu\"", (unsigned long long)i);
		struct cairn_version v = {CAIRN_OP_SET, 10 + i % 7, "name", 4, i, obj, (size_t)n};
		unsigned char key[CAIRN_DB_KEY_MAX];
		size_t klen = cairn_db_version_key(&v, key);
		bad = i % 2 ? cairn_db_load_put_key(l, &v, key, klen, &err)
			    : cairn_db_load_put(l, &v, &err);
	}
	CHECK(bad == 0);
	char *big = malloc(BIG);
	CHECK(big != NULL);
	memset(big, 'b', BIG);
	big[0] = big[BIG - 1] = '"';
	struct cairn_version vb = {CAIRN_OP_SET, 20, "name", 4, N + 1, big, BIG};
	CHECK(cairn_db_load_put(l, &vb, &err) == 0);
	CHECK(cairn_db_load_end(l, N + 1, 30, 1, &err) == 0);
	CHECK(cairn_db_sync(db, &err) == 0);
	struct seen s = {0, 0, 0, 1, 0};
	CHECK(cairn_db_scan(db, UINT64_MAX, see, &s, &err) == 0);
	CHECK(s.n == N + 1);
	CHECK(s.in_order);
	CHECK(s.big_len == BIG && s.big_ok);
	CHECK(cairn_db_max_uid(db) == N + 1);
	CHECK(cairn_db_max_ts(db) == 30);
	cairn_db_close(db);
	/* and it opens again as a store like any other */
	CHECK(cairn_db_open(dir, &db, &err) == 0);
	CHECK(count(db) == N + 1);
	cairn_db_close(db);
	free(big);

	/* Keys out of order in an append: the writer refuses it, and the
	 * caller hears of it at the latest when it ends the load. */
	db = fresh(dir);
	CHECK(cairn_db_load_begin(db, 1, &l, &err) == 0);
	struct cairn_version v2 = {CAIRN_OP_SET, 10, "name", 4, 2, "\"x\"", 3};
	struct cairn_version v1 = {CAIRN_OP_SET, 10, "name", 4, 1, "\"x\"", 3};
	int rc = cairn_db_load_put(l, &v2, &err);
	if (rc == 0)
		rc = cairn_db_load_put(l, &v1, &err);
	if (rc == 0)
		rc = cairn_db_load_end(l, 2, 10, 1, &err);
	else
		cairn_db_load_end(l, 0, 0, 0, &(cairn_err){0});
	CHECK(rc == -1);
	CHECK_CONTAINS(err.msg, "records out of order in a full backup");
	cairn_db_close(db);

	/* Ended without commit: what was put is not in the store. */
	db = fresh(dir);
	CHECK(cairn_db_load_begin(db, 1, &l, &err) == 0);
	CHECK(cairn_db_load_put(l, &v1, &err) == 0);
	CHECK(cairn_db_load_put(l, &v2, &err) == 0);
	CHECK(cairn_db_load_end(l, 0, 0, 0, &err) == 0);
	CHECK(count(db) == 0);
	CHECK(cairn_db_max_uid(db) == 0);
	cairn_db_close(db);

	char cmd[700];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	CHECK(system(cmd) == 0);
	CHECK_DONE();
}
