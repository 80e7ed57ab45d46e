/* base64.c — strict base64 decoding. The input is key material, so errors
 * name positions, never characters. */
#include "base64.h"

#include <stdio.h>
#include <string.h>

static int b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int vault_b64_decode(const char *in, size_t inlen, unsigned char *out, size_t cap, size_t *outlen,
		     char *why, size_t whylen)
{
	size_t digits = 0, pad = 0, n = 0, i;
	unsigned acc = 0;
	int bits = 0;

	*outlen = 0;
	for (i = 0; i < inlen; i++) {
		unsigned char c = (unsigned char)in[i];
		int v;
		if (c == '\r' || c == '\n')
			continue;
		if (c == '=') {
			pad++;
			continue;
		}
		v = b64_value(c);
		if (v < 0) {
			snprintf(why, whylen, "a character that is not base64 at position %zu",
				 i + 1);
			return -1;
		}
		if (pad) {
			snprintf(why, whylen, "data after '=' padding at position %zu", i + 1);
			return -1;
		}
		digits++;
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n < cap)
				out[n] = (unsigned char)(acc >> bits);
			n++;
		}
	}
	acc = 0;
	if (digits % 4 == 1) {
		snprintf(why, whylen, "%zu base64 digits, a length no encoding produces", digits);
		return -1;
	}
	if (pad && (pad > 2 || (digits + pad) % 4 != 0)) {
		snprintf(why, whylen, "wrong '=' padding");
		return -1;
	}
	if (digits == 0) {
		snprintf(why, whylen, "no base64 digits");
		return -1;
	}
	*outlen = n;
	return n > cap ? -2 : 0;
}
