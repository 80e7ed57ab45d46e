/* fuzz_vault.c — Vault's answers as keys-vault reads them
 * (plugins/keys-vault: login_answer and key_answer in keys_vault.c, with
 * vault_says and friends in vault_http.c and the base64 decoder), without
 * HTTP. The plugin's file is included so that its static functions are in
 * reach. Input: [status selector][flags][body]; flags bit 0 vault_format=raw,
 * bit 1 a namespace, bit 2 a lease that has run out. */
#include "../../plugins/keys-vault/keys_vault.c"

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const long statuses[] = {200, 200, 200, 200, 400, 401, 403, 404,
					404, 500, 503, 204, 301, 429, 200, 404};
	if (size < 2)
		return 0;
	struct vault_cfg vc = {.field = "key", .raw = data[1] & 1};
	struct vault_conn c = {.addr = "https://vault.test:8200",
			       .ns = (data[1] & 2) ? "team/cairn" : NULL,
			       .useragent = "cairn/fuzz keys-vault"};
	snprintf(vc.addr, sizeof vc.addr, "%s", c.addr);
	snprintf(vc.path, sizeof vc.path, "secret/cairn");
	vc.ns = c.ns;
	for (int which = 0; which < 2; which++) {
		struct vault_resp r;
		cairn_err err = {0};
		memset(&r, 0, sizeof r);
		r.status = statuses[data[0] & 15];
		r.cap = size - 2 + 1;
		r.body = malloc(r.cap);
		if (!r.body)
			return 0;
		memcpy(r.body, data + 2, size - 2);
		r.body[size - 2] = 0;
		r.len = size - 2;
		r.json = cJSON_ParseWithLength(r.body, r.len);
		snprintf(r.content_type, sizeof r.content_type, "application/json");
		if (which == 0) {
			char *token = NULL;
			double lease = 0;
			if (login_answer(&c, &vc, &r, &token, &lease, &err) == 0)
				free(token);
		} else {
			unsigned char key[CAIRN_KEY_MAX];
			size_t len = 0;
			double lease = (data[1] & 4) ? 1 : 0;
			(void)key_answer(&c, &vc, &r, 0, lease, key, &len, &err);
		}
		vault_resp_free(&r);
	}
	return 0;
}
