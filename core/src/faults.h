/* faults.h — test-only fault hooks: the CAIRN_FAULT_* environment variables
 * (a commit, a backup or a restore's prepare held a while) and
 * CAIRN_RESTORE_COMMIT_WAIT_S. Read only in a build with the CMake option
 * CAIRN_TEST_HOOKS (on by default, off for CMAKE_BUILD_TYPE=Release): a
 * release binary ignores them whatever its environment holds. */
#ifndef CAIRN_FAULTS_H
#define CAIRN_FAULTS_H
#include <stdlib.h>

#ifdef CAIRN_TEST_HOOKS
#define CAIRN_TEST_HOOKS_ON 1
#else
#define CAIRN_TEST_HOOKS_ON 0
#endif

/* The hook's value from the environment, or NULL (always, without hooks). */
static inline const char *cairn_fault(const char *name)
{
	return CAIRN_TEST_HOOKS_ON ? getenv(name) : NULL;
}
#endif
