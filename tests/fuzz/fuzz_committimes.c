/* fuzz_committimes.c — a manifest object's "commit_times" text and an
 * RFC 3339 time (format/committimes.c, restore --to_time): parsed; a list
 * that parses is encoded again and must come back as the same text. */
#include <stdio.h>

#include "format/committimes.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_str(data, size);
	uint64_t *pairs = NULL, ms;
	size_t n = 0;
	cairn_err err = {0};
	char back[32];
	if (!s)
		return 0;
	if (cairn_ctimes_parse(s, &pairs, &n, &err) == 0) {
		char *enc = cairn_ctimes_encode(pairs, n);
		if (enc && strlen(s) == size && strcmp(enc, s) != 0) {
			fprintf(stderr, "commit times \"%s\" parse but encode as \"%s\"\n", s, enc);
			abort();
		}
		free(enc);
	}
	free(pairs);
	if (cairn_rfc3339_ms(s, &ms, &err) == 0)
		cairn_ms_rfc3339(ms, back);
	free(s);
	return 0;
}
