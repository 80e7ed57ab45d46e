/* base64.h — a strict base64 decoder for keys kept in Vault. */
#ifndef KEYS_VAULT_BASE64_H
#define KEYS_VAULT_BASE64_H
#include <stddef.h>

/* Decodes standard base64 (RFC 4648 alphabet, '=' padding optional, CR and
 * LF ignored like Go's decoder) into out[0..cap). Returns 0; -1 with why set
 * if the text is not base64; -2 if the result needs more than cap bytes
 * (*outlen is then the size it needs). why never quotes the input. */
int vault_b64_decode(const char *in, size_t inlen, unsigned char *out, size_t cap, size_t *outlen,
		     char *why, size_t whylen);
#endif
