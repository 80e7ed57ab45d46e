/* The loader accepts a good plugin and refuses, naming the file, a wrong ABI
 * major, a missing entry symbol, a missing required op and a scheme claimed
 * twice; a plugin built for ABI 1.0 works through the host's fallbacks
 * (1.0 list callback, ranged read by skipping); CAIRN_HAS; storage-nfs's
 * ranged read through the loaded plugin. */
#include <fcntl.h>
#include <unistd.h>

#include "check.h"
#include "plugin/location.h"

static void loads_good_plugin_and_finds_it_by_scheme(void)
{
	cairn_err err = {0};
	CHECK(cairn_plugins_load(TP_DIR "/good", &err) == 0);
	const struct cairn_loaded_plugin *p = cairn_plugins_for_scheme("azblob");
	CHECK(p != NULL);
	CHECK_STR(p ? p->desc->name : NULL, "tp-good");
	CHECK(cairn_plugins_for_scheme("s3") == NULL);
	char *list = cairn_plugins_scheme_list();
	CHECK_STR(list, "azblob");
	free(list);
	unsetenv("TP_FINI_tp-good");
	cairn_plugins_unload();
	CHECK_STR(getenv("TP_FINI_tp-good"), "1"); /* fini ran on unload */
}

struct names {
	char v[8][64];
	int n;
	int fail_at; /* 1-based call that fails; 0: never */
	int stop_at; /* 1-based call that stops; 0: never */
};

static int collect(void *ctx, const char *name, uint64_t size, cairn_err *err)
{
	struct names *ns = ctx;
	(void)size;
	if (ns->n < 8)
		snprintf(ns->v[ns->n], sizeof ns->v[0], "%s", name);
	ns->n++;
	if (ns->fail_at == ns->n)
		return cairn_err_setc(err, CAIRN_E_CORRUPT, "callback refused %s", name);
	return ns->stop_at == ns->n;
}

static int has_name(const struct names *ns, const char *name)
{
	for (int i = 0; i < ns->n && i < 8; i++)
		if (!strcmp(ns->v[i], name))
			return 1;
	return 0;
}

static const char object[] = "0123456789abcdefghij";

/* A backup's moves through a location: write the objects, find the
 * manifests by listing, read them whole and in part; a failing list
 * callback's error comes back from list. Works for any loaded plugin. */
static void backup_style_round_trip(const char *uri, int want_native_range)
{
	cairn_err err = {0};
	struct cairn_store_loc loc;
	struct cairn_range_reader *rr = NULL;
	char *data = NULL, buf[64];
	size_t len = 0;
	CHECK(cairn_location_open(uri, NULL, &loc, &err) == 0);
	if (!loc.st) {
		fprintf(stderr, "open %s: %s\n", uri, err.msg);
		return;
	}
	CHECK(cairn_location_write_all(&loc, "cairn.1/manifest.json", "{}", 2, &err) == 0);
	CHECK(cairn_location_write_all(&loc, "cairn.1/p1.backup", object, 20, &err) == 0);
	CHECK(cairn_location_write_all(&loc, "other/x", "x", 1, &err) == 0);

	struct names ns = {0};
	CHECK(cairn_location_list(&loc, "cairn.", collect, &ns, &err) == 0);
	CHECK(ns.n == 2 && has_name(&ns, "cairn.1/manifest.json") &&
	      has_name(&ns, "cairn.1/p1.backup"));
	struct names stop = {.stop_at = 1};
	CHECK(cairn_location_list(&loc, "cairn.", collect, &stop, &err) == 0);
	CHECK(stop.n == 1);
	struct names fail = {.fail_at = 1};
	memset(&err, 0, sizeof err);
	CHECK(cairn_location_list(&loc, "cairn.", collect, &fail, &err) == -1);
	CHECK(fail.n == 1);
	CHECK_CONTAINS(err.msg, "callback refused cairn.1/");
	CHECK(err.code == CAIRN_E_CORRUPT);

	CHECK(cairn_location_read_all(&loc, "cairn.1/p1.backup", 1024, &data, &len, &err) == 0);
	CHECK(len == 20 && data && !memcmp(data, object, 20));
	free(data);

	/* bytes 3..9, read in small pieces */
	CHECK(cairn_location_read_open_range(&loc, "cairn.1/p1.backup", 3, 7, &rr, &err) == 0);
	if (rr) {
		size_t got = 0;
		ssize_t n;
		CHECK(cairn_range_reader_native(rr) == want_native_range);
		while ((n = cairn_range_read(rr, buf + got, 2, &err)) > 0)
			got += (size_t)n;
		CHECK(n == 0 && got == 7 && !memcmp(buf, "3456789", 7));
		cairn_range_reader_close(rr);
	}
	/* length 0: to the end */
	CHECK(cairn_location_read_open_range(&loc, "cairn.1/p1.backup", 15, 0, &rr, &err) == 0);
	if (rr) {
		ssize_t n = cairn_range_read(rr, buf, sizeof buf, &err);
		CHECK(n == 5 && !memcmp(buf, "fghij", 5));
		CHECK(cairn_range_read(rr, buf, sizeof buf, &err) == 0);
		cairn_range_reader_close(rr);
	}
	/* a range past the end is empty */
	CHECK(cairn_location_read_open_range(&loc, "cairn.1/p1.backup", 50, 10, &rr, &err) == 0);
	if (rr) {
		CHECK(cairn_range_read(rr, buf, sizeof buf, &err) == 0);
		cairn_range_reader_close(rr);
	}
	cairn_location_close(&loc);
}

static void abi_1_0_plugin_loads_and_works_through_host_fallbacks(void)
{
	cairn_err err = {0};
	CHECK(cairn_plugins_load(TP_DIR "/abi10", &err) == 0);
	const struct cairn_loaded_plugin *p = cairn_plugins_for_scheme("oldmem");
	CHECK(p != NULL);
	if (!p) {
		fprintf(stderr, "load: %s\n", err.msg);
		return;
	}
	CHECK(p->desc->abi_minor == 0);
	CHECK(p->desc->struct_size == CAIRN_PLUGIN_SIZE_1_0);
	CHECK(((const struct cairn_storage_ops *)p->desc->ops)->struct_size ==
	      CAIRN_STORAGE_OPS_SIZE_1_0);
	CHECK(!CAIRN_COVERS(p->desc, fini));
	backup_style_round_trip("oldmem://mem/", 0);
	cairn_plugins_unload();
}

static void current_plugin_list_and_range_fallback(void)
{
	cairn_err err = {0};
	CHECK(cairn_plugins_load(TP_DIR "/good", &err) == 0);
	backup_style_round_trip("azblob://mem/", 0);
	cairn_plugins_unload();
}

static void refuses_null_required_op_naming_file_and_op(void)
{
	cairn_err err = {0};
	CHECK(cairn_plugins_load(TP_DIR "/nullop", &err) == -1);
	CHECK_CONTAINS(err.msg, "tp-nullop.so");
	CHECK_CONTAINS(err.msg, "storage op read_close is missing");
	CHECK(cairn_plugins_count() == 0);
	cairn_plugins_unload();
}

static int fake_range(struct cairn_storage *st, const char *name, uint64_t offset, uint64_t length,
		      struct cairn_reader **out, cairn_err *err)
{
	(void)st, (void)name, (void)offset, (void)length, (void)out;
	return cairn_err_set(err, "not called");
}

static void cairn_has_checks_size_and_pointer(void)
{
	struct cairn_storage_ops ops = {.struct_size = sizeof ops, .read_open_range = fake_range};
	CHECK(CAIRN_HAS(&ops, read_open_range));
	CHECK(CAIRN_COVERS(&ops, features));
	ops.struct_size = CAIRN_STORAGE_OPS_SIZE_1_0; /* a 1.0 table: the slot is not there */
	CHECK(!CAIRN_HAS(&ops, read_open_range));
	CHECK(!CAIRN_COVERS(&ops, features));
	CHECK(CAIRN_HAS(&ops, read_close) == 0); /* covered, but NULL */
	ops.struct_size = sizeof ops;
	ops.read_open_range = NULL;
	CHECK(!CAIRN_HAS(&ops, read_open_range));
	struct cairn_plugin d = {.struct_size = CAIRN_PLUGIN_SIZE_1_0};
	CHECK(CAIRN_COVERS(&d, ops) && !CAIRN_COVERS(&d, fini));
}

/* storage-nfs's own read_open_range (a seek), through the loaded plugin. */
static void nfs_ranged_read_through_loaded_plugin(void)
{
	cairn_err err = {0};
	char dir[] = "/tmp/cairn-nfs-range-XXXXXX", uri[64], *big = malloc(100000), buf[8192];
	struct cairn_store_loc loc;
	struct cairn_range_reader *rr = NULL;
	struct cairn_reader *r = NULL;
	CHECK(big && mkdtemp(dir));
	CHECK(cairn_plugins_load(REAL_PLUGIN_DIR, &err) == 0);
	const struct cairn_loaded_plugin *p = cairn_plugins_for_scheme("file");
	CHECK(p && (((const struct cairn_storage_ops *)p->desc->ops)->features &
		    CAIRN_STORAGE_RANGED_READ));
	for (int i = 0; i < 100000; i++)
		big[i] = (char)(i * 7 + i / 251);
	snprintf(uri, sizeof uri, "file://%s", dir);
	CHECK(cairn_location_open(uri, NULL, &loc, &err) == 0);
	CHECK(cairn_location_write_all(&loc, "g/obj", big, 100000, &err) == 0);
	CHECK(cairn_location_read_open_range(&loc, "g/obj", 70000, 9000, &rr, &err) == 0);
	if (rr) {
		size_t got = 0;
		ssize_t n;
		CHECK(cairn_range_reader_native(rr) == 1);
		while ((n = cairn_range_read(rr, buf + got, sizeof buf - got, &err)) > 0 &&
		       got < sizeof buf)
			got += (size_t)n;
		CHECK(got == sizeof buf && !memcmp(buf, big + 70000, sizeof buf));
		size_t rest = 0;
		while ((n = cairn_range_read(rr, buf, sizeof buf, &err)) > 0)
			rest += (size_t)n;
		CHECK(n == 0 && rest == 9000 - sizeof buf);
		cairn_range_reader_close(rr);
	}
	CHECK(loc.ops->read_open_range(loc.st, "g/obj", 99990, 0, &r, &err) == 0);
	if (r) {
		CHECK(loc.ops->read(r, buf, sizeof buf, &err) == 10 &&
		      !memcmp(buf, big + 99990, 10));
		CHECK(loc.ops->read(r, buf, sizeof buf, &err) == 0);
		loc.ops->read_close(r);
	}
	CHECK(loc.ops->read_open_range(loc.st, "g/obj", 200000, 5, &r, &err) == 0);
	if (r) {
		CHECK(loc.ops->read(r, buf, sizeof buf, &err) == 0);
		loc.ops->read_close(r);
	}
	memset(&err, 0, sizeof err);
	CHECK(loc.ops->read_open_range(loc.st, "g/none", 0, 5, &r, &err) == -1);
	CHECK(err.code == CAIRN_E_NOTFOUND);
	CHECK(loc.ops->remove(loc.st, "g/obj", &err) == 0);
	cairn_location_close(&loc);
	cairn_plugins_unload();
	snprintf(uri, sizeof uri, "%s/g", dir);
	rmdir(uri);
	rmdir(dir);
	free(big);
}

static void refuses_wrong_abi_major_naming_file_and_versions(void)
{
	cairn_err err = {0};
	CHECK(cairn_plugins_load(TP_DIR "/wrongabi", &err) == -1);
	CHECK_CONTAINS(err.msg, "tp-wrongabi.so");
	CHECK_CONTAINS(err.msg, "ABI 2.7");
	CHECK_CONTAINS(err.msg, "ABI 1.");
	CHECK(cairn_plugins_count() == 0);
	cairn_plugins_unload();
}

static void refuses_missing_entry_symbol_naming_file(void)
{
	cairn_err err = {0};
	CHECK(cairn_plugins_load(TP_DIR "/noentry", &err) == -1);
	CHECK_CONTAINS(err.msg, "tp-noentry.so");
	CHECK_CONTAINS(err.msg, "cairn_plugin_entry");
	cairn_plugins_unload();
}

static void refuses_duplicate_scheme_naming_both_files(void)
{
	cairn_err err = {0};
	CHECK(cairn_plugins_load(TP_DIR "/dup", &err) == -1);
	CHECK_CONTAINS(err.msg, "tp-dup-a.so");
	CHECK_CONTAINS(err.msg, "tp-dup-b.so");
	CHECK_CONTAINS(err.msg, "\"gcs\"");
	cairn_plugins_unload();
}

static void unknown_scheme_error_lists_loaded_schemes(void)
{
	cairn_err err = {0};
	struct cairn_store_loc loc;
	CHECK(cairn_plugins_load(REAL_PLUGIN_DIR, &err) == 0);
	CHECK(cairn_location_open("ftp://host/x", NULL, &loc, &err) == -1);
	CHECK_CONTAINS(err.msg, "no storage plugin handles scheme \"ftp\" (have: azure, file");
	CHECK(cairn_location_open("relative/dir", NULL, &loc, &err) == -1);
	CHECK_CONTAINS(err.msg, "absolute path");
	cairn_plugins_unload();
}

static void missing_plugin_directory_is_a_clear_error(void)
{
	cairn_err err = {0};
	CHECK(cairn_plugins_load(TP_DIR "/does-not-exist", &err) == -1);
	CHECK_CONTAINS(err.msg, "cannot open plugin directory");
	CHECK_CONTAINS(err.msg, "--plugin_dir");
}

int main(void)
{
	loads_good_plugin_and_finds_it_by_scheme();
	refuses_wrong_abi_major_naming_file_and_versions();
	refuses_missing_entry_symbol_naming_file();
	refuses_duplicate_scheme_naming_both_files();
	refuses_null_required_op_naming_file_and_op();
	abi_1_0_plugin_loads_and_works_through_host_fallbacks();
	current_plugin_list_and_range_fallback();
	cairn_has_checks_size_and_pointer();
	nfs_ranged_read_through_loaded_plugin();
	unknown_scheme_error_lists_loaded_schemes();
	missing_plugin_directory_is_a_clear_error();
	CHECK_DONE();
}
