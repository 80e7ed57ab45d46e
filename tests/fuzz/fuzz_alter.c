/* fuzz_alter.c — a POST /alter (and /internal/alter) body, read by
 * cairn_alter_parse (alpha/alpha.c) before anything is asked of zero. */
#include "alpha/alpha.h"
#include "fuzz.h"
#include "server/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cairn_http_req req = {.method = "POST", .path = "/alter"};
	struct cairn_http_resp resp;
	char *pred = NULL;
	memset(&resp, 0, sizeof resp);
	req.body = (const char *)data;
	req.body_len = size;
	if (cairn_alter_parse(&req, &resp, &pred) == 0 && pred && !*pred)
		abort(); /* an empty name is refused */
	free(pred);
	free(resp.body);
	return 0;
}
