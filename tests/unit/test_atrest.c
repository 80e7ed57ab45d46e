/* Encryption at rest: a sealed value opens only with its key and its
 * associated data, and any changed byte fails; an encrypted store reads back
 * exactly what a plain one holds, in the same scan order (a full backup's),
 * through changes and a restore's loader too; it refuses to open without
 * its key or with another, and a plain store with data refuses a key; a
 * conversion and a rekey keep the data. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "store/atrest.h"
#include "store/db.h"

struct lines {
	char *buf;
	size_t len;
};

static int collect(void *ctx, const struct cairn_version *v)
{
	struct lines *l = ctx;
	char one[600];
	int n = snprintf(one, sizeof one, "%c %llu %.*s %llu %.*s\n", v->op,
			 (unsigned long long)v->ts, (int)v->pred_len, v->pred ? v->pred : "",
			 (unsigned long long)v->subj, (int)v->obj_len, v->obj ? v->obj : "");
	l->buf = realloc(l->buf, l->len + (size_t)n + 1);
	memcpy(l->buf + l->len, one, (size_t)n + 1);
	l->len += (size_t)n;
	return 0;
}

static char *scan(struct cairn_db *db, uint64_t ts)
{
	struct lines l = {calloc(1, 1), 0};
	cairn_err err = {0};
	CHECK(cairn_db_scan(db, ts, collect, &l, &err) == 0);
	return l.buf;
}

static char *changes(struct cairn_db *db)
{
	struct lines l = {calloc(1, 1), 0};
	cairn_err err = {0};
	CHECK(cairn_db_changes(db, 0, UINT64_MAX, collect, &l, &err) == 0);
	return l.buf;
}

static int load_one(void *ctx, const struct cairn_version *v)
{
	cairn_err err = {0};
	CHECK(cairn_db_load_put(ctx, v, &err) == 0);
	return 0;
}

static void fill(struct cairn_db *db)
{
	cairn_err err = {0};
	static const char *preds[] = {"name", "age", "zz", "a_long_predicate_name", "friend"};
	for (uint64_t ts = 1; ts <= 40; ts++) {
		struct cairn_edit e[8];
		char objs[8][64];
		for (int i = 0; i < 8; i++) {
			snprintf(objs[i], sizeof objs[i], "\"v%llu-%d\"", (unsigned long long)ts,
				 i);
			e[i] = (struct cairn_edit){CAIRN_OP_SET, preds[(ts + (uint64_t)i) % 5],
						   (ts * 7 + (uint64_t)i) % 13 + 1, objs[i]};
		}
		if (ts % 9 == 0)
			e[0] = (struct cairn_edit){CAIRN_OP_DEL, preds[ts % 5], ts % 13 + 1, NULL};
		CHECK(cairn_db_apply(db, ts * 10, e, 8, 20, &err) == 0);
		if (ts == 25)
			CHECK(cairn_db_drop(db, ts * 10 + 5, "zz", &err) == 0);
	}
}

static int rm_dir(const char *d)
{
	char cmd[1200];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", d);
	return system(cmd);
}

int main(void)
{
	unsigned char k1[32], k2[16];
	for (int i = 0; i < 32; i++)
		k1[i] = (unsigned char)(i * 7 + 1);
	for (int i = 0; i < 16; i++)
		k2[i] = (unsigned char)(i * 3 + 5);
	struct cairn_atrest *a1, *a2;
	cairn_err err = {0};
	CHECK(cairn_atrest_new(k1, 32, &a1, &err) == 0);
	CHECK(cairn_atrest_new(k2, 16, &a2, &err) == 0);
	CHECK(cairn_atrest_new(k1, 20, &(struct cairn_atrest *){NULL}, &err) < 0);
	CHECK(memcmp(cairn_atrest_fp(a1), cairn_atrest_fp(a2), CAIRN_FP_LEN) != 0);

	/* Sealing one value. */
	struct cairn_sealer *s1 = cairn_sealer_new(a1), *s2 = cairn_sealer_new(a2);
	const char head[] = "Sn", body[] = "a distinctive value";
	unsigned char sealed[64], again[64], out[64];
	size_t plen = 2 + strlen(body), slen = plen + CAIRN_SEAL_OVER;
	CHECK(cairn_seal(s1, "dKEY", 4, head, 2, body, strlen(body), sealed) == 0);
	CHECK(cairn_seal(s1, "dKEY", 4, head, 2, body, strlen(body), again) == 0);
	CHECK(memcmp(sealed, again, slen) != 0); /* a fresh nonce each time */
	CHECK(memmem(sealed, slen, "distinctive", 11) == NULL);
	CHECK(cairn_unseal(s1, "dKEY", 4, sealed, slen, out) == 0);
	CHECK(!memcmp(out, "Sna distinctive value", plen));
	CHECK(cairn_unseal(s1, "dKEZ", 4, sealed, slen, out) < 0); /* moved to another key */
	CHECK(cairn_unseal(s2, "dKEY", 4, sealed, slen, out) < 0); /* another key */
	CHECK(cairn_unseal(s1, "dKEY", 4, sealed, slen - 1, out) < 0);
	for (size_t i = 0; i < slen; i++) {
		sealed[i] ^= 0x01;
		CHECK(cairn_unseal(s1, "dKEY", 4, sealed, slen, out) < 0);
		sealed[i] ^= 0x01;
	}
	/* A value longer than one keystream call (64 blocks), head and body
	 * at an odd split. */
	size_t blen = 5000;
	unsigned char *big = malloc(blen), *bs = malloc(blen + 3 + CAIRN_SEAL_OVER),
		      *bo = malloc(blen + 3);
	for (size_t i = 0; i < blen; i++)
		big[i] = (unsigned char)(i * 31 + 7);
	CHECK(cairn_seal(s1, "x", 1, "abc", 3, big, blen, bs) == 0);
	CHECK(cairn_unseal(s1, "x", 1, bs, blen + 3 + CAIRN_SEAL_OVER, bo) == 0);
	CHECK(!memcmp(bo, "abc", 3) && !memcmp(bo + 3, big, blen));
	bs[2500] ^= 0x80;
	CHECK(cairn_unseal(s1, "x", 1, bs, blen + 3 + CAIRN_SEAL_OVER, bo) < 0);
	free(big);
	free(bs);
	free(bo);
	cairn_sealer_free(s1);
	cairn_sealer_free(s2);

	/* Tags: keyed, stable, cached the same as computed. */
	unsigned char t1[CAIRN_TAG_LEN], t2[CAIRN_TAG_LEN], t3[CAIRN_TAG_LEN];
	cairn_atrest_pred_tag(a1, "name", 4, t1);
	cairn_atrest_pred_tag(a1, "name", 4, t2);
	cairn_atrest_pred_tag(a2, "name", 4, t3);
	CHECK(!memcmp(t1, t2, sizeof t1) && memcmp(t1, t3, sizeof t1));
	unsigned char ts1[CAIRN_TAG_LEN + 8] = {0}, ts2[CAIRN_TAG_LEN + 8] = {0};
	ts2[CAIRN_TAG_LEN + 7] = 1;
	cairn_atrest_obj_tag(a1, ts1, "name", 4, t2);
	CHECK(memcmp(t1, t2, sizeof t1) != 0); /* object and predicate domains differ */
	cairn_atrest_obj_tag(a1, ts2, "name", 4, t3);
	CHECK(memcmp(t2, t3, sizeof t2) != 0); /* the same object of another triple */

	/* A store: the same reads as a plain one. */
	char plain[512], enc[512], conv[512];
	snprintf(plain, sizeof plain, "%s/atrest-plain-%d", TEST_TMP, (int)getpid());
	snprintf(enc, sizeof enc, "%s/atrest-enc-%d", TEST_TMP, (int)getpid());
	snprintf(conv, sizeof conv, "%s/atrest-conv-%d", TEST_TMP, (int)getpid());
	rm_dir(plain);
	rm_dir(enc);
	rm_dir(conv);
	struct cairn_db *p, *e;
	CHECK(cairn_db_open(plain, &p, &err) == 0);
	CHECK(cairn_db_open_keyed(enc, a1, &e, &err) == 0);
	fill(p);
	fill(e);
	uint64_t at[] = {5, 100, 255, 256, 300, UINT64_MAX};
	for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
		char *x = scan(p, at[i]), *y = scan(e, at[i]);
		CHECK(!strcmp(x, y));
		free(x);
		free(y);
	}
	char *full = scan(p, UINT64_MAX);
	CHECK(strlen(full) > 100);
	/* changes: same versions, in commit order (within one commit the
	 * order is the keys', which differ). */
	char *cx = changes(p), *cy = changes(e);
	CHECK(strlen(cx) == strlen(cy));
	free(cx);
	free(cy);
	CHECK(cairn_db_max_ts(e) == cairn_db_max_ts(p));

	/* A restore's loader into an encrypted store, append asked for (a full
	 * backup's order, which the tags do not keep). */
	char lr[512];
	snprintf(lr, sizeof lr, "%s/atrest-load-%d", TEST_TMP, (int)getpid());
	rm_dir(lr);
	struct cairn_db *l;
	struct cairn_db_loader *ld;
	CHECK(cairn_db_open_bulk_keyed(lr, a1, &l, &err) == 0);
	CHECK(cairn_db_load_begin(l, 1, &ld, &err) == 0);
	CHECK(cairn_db_scan(p, UINT64_MAX, load_one, ld, &err) == 0);
	CHECK(cairn_db_load_end(ld, 20, 400, 1, &err) == 0);
	char *y = scan(l, UINT64_MAX);
	CHECK(!strcmp(full, y));
	free(y);
	CHECK(cairn_db_max_ts(l) == 400);
	cairn_db_close(l);
	rm_dir(lr);

	cairn_db_close(p);
	cairn_db_close(e);

	/* Opening: without the key, with another, a plain store with a key. */
	CHECK(cairn_db_open(enc, &e, &err) < 0);
	CHECK(strstr(err.msg, "is encrypted at rest") != NULL);
	CHECK(cairn_db_open_keyed(enc, a2, &e, &err) < 0);
	CHECK(strstr(err.msg, "another key") != NULL);
	CHECK(cairn_db_open_keyed(plain, a1, &p, &err) < 0);
	CHECK(strstr(err.msg, "is not encrypted at rest") != NULL);

	/* Conversion and rekey keep every read. */
	CHECK(cairn_db_convert(plain, NULL, a1, &err) == 0);
	CHECK(cairn_db_open(plain, &p, &err) < 0);
	CHECK(cairn_db_open_keyed(plain, a1, &p, &err) == 0);
	y = scan(p, UINT64_MAX);
	CHECK(!strcmp(full, y));
	free(y);
	cairn_db_close(p);
	CHECK(cairn_db_convert(plain, a1, a2, &err) == 0);
	CHECK(cairn_db_open_keyed(plain, a1, &p, &err) < 0);
	CHECK(cairn_db_open_keyed(plain, a2, &p, &err) == 0);
	y = scan(p, UINT64_MAX);
	CHECK(!strcmp(full, y));
	free(y);
	cairn_db_close(p);
	CHECK(cairn_db_convert(plain, a2, NULL, &err) == 0);
	CHECK(cairn_db_open(plain, &p, &err) == 0);
	y = scan(p, UINT64_MAX);
	CHECK(!strcmp(full, y));
	free(y);
	cairn_db_close(p);
	/* A conversion cut short is finished or undone by the next open. Before
	 * the swap (the rewritten data.mdb still in .convert.tmp): the old
	 * store and files stand, the new files go. */
	char rj[600], rjc[600], ctmp[600], cdb[700];
	char *txt = NULL;
	size_t tlen = 0;
	snprintf(rj, sizeof rj, "%s/restore.json", plain);
	snprintf(rjc, sizeof rjc, "%s/restore.json.convert", plain);
	snprintf(ctmp, sizeof ctmp, "%s/.convert.tmp", plain);
	snprintf(cdb, sizeof cdb, "%s/data.mdb", ctmp);
	CHECK(cairn_db_convert(plain, NULL, a1, &err) == 0);
	CHECK(cairn_atrest_write_file(a1, rj, "{\"old\":1}", 9, &err) == 0);
	CHECK(mkdir(ctmp, 0755) == 0);
	FILE *jf = fopen(cdb, "w");
	CHECK(jf != NULL);
	fputs("half a store", jf);
	fclose(jf);
	CHECK(cairn_atrest_write_file_as(a2, rjc, "restore.json", "{\"new\":1}", 9, &err) == 0);
	CHECK(cairn_db_open_keyed(plain, a1, &p, &err) == 0);
	cairn_db_close(p);
	CHECK(access(rjc, F_OK) != 0 && access(ctmp, F_OK) != 0);
	CHECK(cairn_atrest_read_file(a1, rj, 1024, &txt, &tlen, &err) == 0);
	CHECK(tlen == 9 && !memcmp(txt, "{\"old\":1}", 9));
	free(txt);
	/* After the swap (data.mdb under the new key in place): the files
	 * sealed under the new key take their places. */
	CHECK(cairn_db_convert(plain, a1, a2, &err) == 0);
	CHECK(cairn_atrest_write_file(a1, rj, "{\"old\":1}", 9, &err) == 0);
	CHECK(mkdir(ctmp, 0755) == 0);
	CHECK(cairn_atrest_write_file_as(a2, rjc, "restore.json", "{\"new\":1}", 9, &err) == 0);
	CHECK(cairn_db_open_keyed(plain, a2, &p, &err) == 0);
	cairn_db_close(p);
	CHECK(access(rjc, F_OK) != 0 && access(ctmp, F_OK) != 0);
	txt = NULL;
	CHECK(cairn_atrest_read_file(a2, rj, 1024, &txt, &tlen, &err) == 0);
	CHECK(tlen == 9 && !memcmp(txt, "{\"new\":1}", 9));
	free(txt);
	free(full);

	rm_dir(plain);
	rm_dir(enc);
	rm_dir(conv);
	cairn_atrest_free(a1);
	cairn_atrest_free(a2);
	printf("ok\n");
	return 0;
}
