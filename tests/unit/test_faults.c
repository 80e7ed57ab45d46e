/* Test hooks (faults.h): a build configured as Release ignores every
 * CAIRN_FAULT_* variable, whatever the environment holds; the builds the
 * tests run (any other build type, unless -DCAIRN_TEST_HOOKS=OFF) honour
 * them. Built in both by scripts/test.sh (its unit-test leg is Release); a
 * Release build configured with -DCAIRN_TEST_HOOKS=ON fails it on purpose. */
#include "check.h"
#include "faults.h"

static void a_release_build_ignores_fault_hooks(void)
{
	setenv("CAIRN_FAULT_BACKUP_PAUSE_MS", "3000", 1);
	setenv("CAIRN_RESTORE_COMMIT_WAIT_S", "2", 1);
	const char *v = cairn_fault("CAIRN_FAULT_BACKUP_PAUSE_MS");
	printf("build type %s, CAIRN_TEST_HOOKS %s\n", TEST_BUILD_TYPE,
	       CAIRN_TEST_HOOKS_ON ? "on" : "off");
	/* What CMake configured is what the code sees. */
	CHECK(CAIRN_TEST_HOOKS_ON == TEST_HOOKS_OPTION);
	if (!strcmp(TEST_BUILD_TYPE, "Release")) {
		CHECK(!CAIRN_TEST_HOOKS_ON);
		CHECK(v == NULL);
		CHECK(cairn_fault("CAIRN_RESTORE_COMMIT_WAIT_S") == NULL);
	} else if (CAIRN_TEST_HOOKS_ON) {
		CHECK_STR(v, "3000");
		CHECK_STR(cairn_fault("CAIRN_RESTORE_COMMIT_WAIT_S"), "2");
	} else {
		CHECK(v == NULL);
	}
	unsetenv("CAIRN_FAULT_BACKUP_PAUSE_MS");
	CHECK(cairn_fault("CAIRN_FAULT_BACKUP_PAUSE_MS") == NULL);
}

int main(void)
{
	a_release_build_ignores_fault_hooks();
	CHECK_DONE();
}
