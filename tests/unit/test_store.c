/* The multi-version store: reads at T see exactly the commits <= T, deletes
 * and drops are versions too, and changes(S, T] lists them in commit order. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "store/db.h"

struct collected {
	char lines[64][160];
	int n;
};

static int collect(void *ctx, const struct cairn_version *v)
{
	struct collected *c = ctx;
	if (c->n < 64)
		snprintf(c->lines[c->n++], 160, "%c %llu %.*s %llu %.*s", v->op,
			 (unsigned long long)v->ts, (int)v->pred_len, v->pred ? v->pred : "",
			 (unsigned long long)v->subj, (int)v->obj_len, v->obj ? v->obj : "");
	return 0;
}

static int cmp_line(const void *a, const void *b) { return strcmp(a, b); }

static struct collected scan(struct cairn_db *db, uint64_t ts)
{
	struct collected c = {0};
	cairn_err err = {0};
	CHECK(cairn_db_scan(db, ts, collect, &c, &err) == 0);
	return c;
}

int main(void)
{
	char dir[512];
	snprintf(dir, sizeof dir, "%s/store-%d", TEST_TMP, (int)getpid());
	struct cairn_db *db;
	cairn_err err = {0};
	CHECK(cairn_db_open(dir, &db, &err) == 0);
	struct cairn_edit e1[] = {{CAIRN_OP_SET, "name", 1, "\"a\""},
				  {CAIRN_OP_SET, "name", 1, "\"b\""},
				  {CAIRN_OP_SET, "age", 2, "\"3\""}};
	CHECK(cairn_db_apply(db, 10, e1, 3, 2, &err) == 0);
	struct cairn_edit e2[] = {{CAIRN_OP_DEL, "name", 1, NULL},
				  {CAIRN_OP_SET, "name", 1, "\"c\""}};
	CHECK(cairn_db_apply(db, 20, e2, 2, 1, &err) == 0);
	CHECK(cairn_db_drop(db, 30, "age", &err) == 0);
	struct cairn_edit e3[] = {{CAIRN_OP_SET, "age", 2, "\"4\""}};
	CHECK(cairn_db_apply(db, 40, e3, 1, 2, &err) == 0);
	CHECK(cairn_db_drop(db, 50, NULL, &err) == 0);

	/* reads at each timestamp */
	struct collected c = scan(db, 9);
	CHECK(c.n == 0);
	c = scan(db, 10);
	CHECK(c.n == 3);
	c = scan(db, 25); /* name a,b deleted, c set; age 3 */
	CHECK(c.n == 2);
	CHECK_STR(c.lines[0], "S 10 age 2 \"3\"");
	CHECK_STR(c.lines[1], "S 20 name 1 \"c\"");
	c = scan(db, 35); /* age dropped */
	CHECK(c.n == 1);
	CHECK_STR(c.lines[0], "S 20 name 1 \"c\"");
	c = scan(db, 45); /* age set again after its drop */
	CHECK(c.n == 2);
	c = scan(db, 55); /* drop_all */
	CHECK(c.n == 0);
	CHECK(cairn_db_max_uid(db) == 2 && cairn_db_max_ts(db) == 50);

	/* changes since 10 up to 45: deletes, sets and the drop, in commit order */
	struct collected ch = {0};
	CHECK(cairn_db_changes(db, 10, 45, collect, &ch, &err) == 0);
	CHECK(ch.n == 5);
	/* within one commit the order is the store's; only the set matters */
	qsort(ch.lines, 3, sizeof ch.lines[0], cmp_line);
	CHECK_STR(ch.lines[0], "D 20 name 1 \"a\"");
	CHECK_STR(ch.lines[1], "D 20 name 1 \"b\"");
	CHECK_STR(ch.lines[2], "S 20 name 1 \"c\"");
	CHECK_STR(ch.lines[3], "P 30 age 0 ");
	CHECK_STR(ch.lines[4], "S 40 age 2 \"4\"");
	struct collected tail = {0};
	CHECK(cairn_db_changes(db, 45, 100, collect, &tail, &err) == 0);
	CHECK(tail.n == 1);
	CHECK_STR(tail.lines[0], "A 50  0 ");

	/* a bulk load reproduces the state */
	struct cairn_db *db2;
	char dir2[600];
	snprintf(dir2, sizeof dir2, "%s-restored", dir);
	CHECK(cairn_db_open(dir2, &db2, &err) == 0);
	struct cairn_db_loader *l;
	CHECK(cairn_db_load_begin(db2, 1, &l, &err) == 0);
	struct collected at25 = scan(db, 25);
	struct cairn_version v1 = {CAIRN_OP_SET, 10, "age", 3, 2, "\"3\"", 3};
	struct cairn_version v2 = {CAIRN_OP_SET, 20, "name", 4, 1, "\"c\"", 3};
	CHECK(cairn_db_load_put(l, &v1, &err) == 0);
	CHECK(cairn_db_load_put(l, &v2, &err) == 0);
	CHECK(cairn_db_load_end(l, 2, 25, 1, &err) == 0);
	struct collected r = scan(db2, UINT64_MAX);
	CHECK(r.n == 2);
	CHECK_STR(r.lines[0], at25.lines[0]);
	CHECK_STR(r.lines[1], at25.lines[1]);
	CHECK(cairn_db_max_ts(db2) == 25);
	cairn_db_close(db2);
	cairn_db_close(db);
	char cmd[1300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s' '%s'", dir, dir2);
	CHECK(system(cmd) == 0);
	CHECK_DONE();
}
