/* fuzz.h — what every fuzz target defines (libFuzzer's interface), and
 * small helpers the targets share. A target is one file fuzz_<name>.c. */
#ifndef CAIRN_FUZZ_H
#define CAIRN_FUZZ_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* Optional: called once before the first input. */
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

/* The input as a NUL-terminated string (malloc'd); embedded NULs stay. */
static inline char *fuzz_str(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (s) {
		if (size)
			memcpy(s, data, size);
		s[size] = 0;
	}
	return s;
}

/* FUZZ_VERBOSE=1 in the environment: a target says why its input was
 * refused (to check that seeds get as far as they should). */
static inline void fuzz_say(const char *what, const char *msg)
{
	static int verbose = -1;
	if (verbose < 0)
		verbose = getenv("FUZZ_VERBOSE") != NULL;
	if (verbose && msg && *msg)
		fprintf(stderr, "%s: %s\n", what, msg);
}
#endif
