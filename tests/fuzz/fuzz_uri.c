/* fuzz_uri.c — a backup location (uri.c): parsed, and redacted for logs
 * (which must not fail on anything the parser takes). */
#include "fuzz.h"
#include "log.h"
#include "uri.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_str(data, size);
	cairn_err err = {0};
	if (!s)
		return 0;
	struct cairn_uri *u = cairn_uri_parse(s, &err);
	cairn_uri_free(u);
	free(cairn_uri_redacted(s));
	free(s);
	/* Secret-looking query values are registered for scrubbing: forget
	 * them, or the list grows with every input. */
	cairn_forget_secrets();
	return 0;
}
