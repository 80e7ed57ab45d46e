/* lmdb_flip DIR TABLE — flips one bit in the middle of the first value of a
 * postings directory's LMDB table whose value holds at least 40 bytes, as a
 * damaged disk would: for the at-rest tests (e2e/test_at_rest.py). */
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_cursor *c;
	MDB_val k, d;
	if (argc != 3) {
		fprintf(stderr, "usage: lmdb_flip DIR TABLE\n");
		return 2;
	}
	if (mdb_env_create(&env) || mdb_env_set_maxdbs(env, 8) ||
	    mdb_env_set_mapsize(env, (size_t)64 << 30) || mdb_env_open(env, argv[1], 0, 0644) ||
	    mdb_txn_begin(env, NULL, 0, &txn) || mdb_dbi_open(txn, argv[2], 0, &dbi) ||
	    mdb_cursor_open(txn, dbi, &c)) {
		fprintf(stderr, "cannot open %s table %s\n", argv[1], argv[2]);
		return 1;
	}
	int rc;
	for (rc = mdb_cursor_get(c, &k, &d, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(c, &k, &d, MDB_NEXT))
		if (d.mv_size >= 40)
			break;
	if (rc) {
		fprintf(stderr, "no value of 40 bytes or more in %s\n", argv[2]);
		return 1;
	}
	unsigned char *v = malloc(d.mv_size), *key = malloc(k.mv_size);
	memcpy(v, d.mv_data, d.mv_size);
	memcpy(key, k.mv_data, k.mv_size);
	v[d.mv_size / 2] ^= 0x10;
	MDB_val nk = {k.mv_size, key}, nd = {d.mv_size, v};
	mdb_cursor_close(c);
	if (mdb_put(txn, dbi, &nk, &nd, 0) || mdb_txn_commit(txn)) {
		fprintf(stderr, "cannot write the flipped value\n");
		return 1;
	}
	mdb_env_close(env);
	free(v);
	free(key);
	printf("flipped byte %zu of a %zu-byte value\n", d.mv_size / 2, d.mv_size);
	return 0;
}
