/* jsonfile.c's file helpers: an atomic replacement that cannot be made says
 * why and leaves no temporary; reading says missing (1), too large, or why
 * it cannot, and never passes a directory off as an empty file. */
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "jsonfile.h"

static int entries(const char *dir)
{
	int n = 0;
	DIR *d = opendir(dir);
	struct dirent *e;
	while (d && (e = readdir(d)))
		n += e->d_name[0] != '.';
	if (d)
		closedir(d);
	return n;
}

static void a_replacement_that_cannot_be_made_says_why_and_leaves_nothing(void)
{
	char dir[] = TEST_TMP "/jsonfile.XXXXXX", path[600];
	cairn_err err = {0};
	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof path, "%s/no-such-dir/f.json", dir);
	CHECK(cairn_write_file_atomic(path, "{}", 2, &err) == -1);
	CHECK_CONTAINS(err.msg, "cannot write ");
	CHECK_CONTAINS(err.msg, "No such file or directory");
	/* A directory in the way: the rename fails, the temporary goes. */
	snprintf(path, sizeof path, "%s/taken", dir);
	CHECK(mkdir(path, 0700) == 0);
	memset(&err, 0, sizeof err);
	CHECK(cairn_write_file_atomic(path, "{}", 2, &err) == -1);
	CHECK_CONTAINS(err.msg, "cannot replace ");
	CHECK(entries(dir) == 1);
	/* And a good one. */
	snprintf(path, sizeof path, "%s/ok.json", dir);
	CHECK(cairn_write_file_atomic(path, "{\"a\":1}", 7, &err) == 0);
	char *data = NULL;
	size_t len = 0;
	CHECK(cairn_read_file(path, 100, &data, &len, &err) == 0);
	CHECK(len == 7 && data && !strcmp(data, "{\"a\":1}"));
	free(data);
	unlink(path);
	snprintf(path, sizeof path, "%s/taken", dir);
	rmdir(path);
	rmdir(dir);
}

static void reading_says_missing_too_large_or_why_not(void)
{
	char dir[] = TEST_TMP "/jsonfile.XXXXXX", path[600];
	char *data = NULL;
	size_t len = 0;
	cairn_err err = {0};
	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof path, "%s/missing.json", dir);
	CHECK(cairn_read_file(path, 100, &data, &len, &err) == 1);
	snprintf(path, sizeof path, "%s/big.json", dir);
	CHECK(cairn_write_file_atomic(path, "0123456789", 10, &err) == 0);
	CHECK(cairn_read_file(path, 9, &data, &len, &err) == -1);
	CHECK_CONTAINS(err.msg, "is too large (over 9 bytes)");
	unlink(path);
	memset(&err, 0, sizeof err);
	CHECK(cairn_read_file(dir, 1 << 20, &data, &len, &err) == -1);
	CHECK_CONTAINS(err.msg, "cannot read ");
	CHECK_CONTAINS(err.msg, "Is a directory");
	rmdir(dir);
}

int main(void)
{
	a_replacement_that_cannot_be_made_says_why_and_leaves_nothing();
	reading_says_missing_too_large_or_why_not();
	CHECK_DONE();
}
