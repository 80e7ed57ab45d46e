/* fuzz_uri.c — a backup location (uri.c), parsed: an answer or one clear
 * error, whatever the text. */
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
	free(s);
	/* Secret-looking query values are registered for scrubbing: forget
	 * them, or the list grows with every input. */
	cairn_forget_secrets();
	return 0;
}
