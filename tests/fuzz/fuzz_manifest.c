/* fuzz_manifest.c — manifest.json as read from a shared bucket
 * (format/manifest.c, with its block index and commit times): parsed and
 * checked; a manifest that parses is written back, parsed again (it must
 * be), and its MAC checked under the fixed key make_corpus.py's encrypted
 * backups used, and it is sealed. */
#include <stdio.h>

#include "format/manifest.h"
#include "fuzz.h"
#include "pipeline/keyset.h"

/* make_corpus.py's encrypted backups use this key: their MACs check. */
static const unsigned char fixed_key[32] = "fuzz-fixed-aes-key-0123456789abc";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cairn_manifest m, m2;
	struct cairn_keyset ks;
	cairn_err err = {0};
	cairn_keyset_init(&ks, fixed_key, sizeof fixed_key);
	const unsigned char *mac_key = ks.mac_key;
	memset(&m, 0, sizeof m);
	if (cairn_manifest_parse((const char *)data, size, "cairn.20260101.000000.000", &m, &err) ==
	    0) {
		char *json = cairn_manifest_to_json(&m);
		memset(&m2, 0, sizeof m2);
		if (json) {
			if (cairn_manifest_parse(json, strlen(json), m.dir, &m2, &err) != 0) {
				fprintf(stderr, "a parsed manifest's own JSON is refused: %s\n",
					err.msg);
				abort();
			}
			cairn_manifest_clear(&m2);
			free(json);
		}
		(void)cairn_manifest_check_mac(&m, mac_key, &err);
		(void)cairn_manifest_seal(&m, mac_key, &err);
		(void)cairn_manifest_check_mac(&m, mac_key, &err);
	}
	fuzz_say("manifest", err.msg);
	cairn_manifest_clear(&m);
	return 0;
}
