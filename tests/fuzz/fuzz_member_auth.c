/* fuzz_member_auth.c — what one member takes from another
 * (server/member_auth.c): the X-Cairn-Member header checked against a
 * request, and a sealed forwarded secret opened, under a fixed cluster
 * secret. The input is split at its first NUL: the header (or sealed
 * value) first, the request body after it. */
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"
#include "server/member_auth.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	char path[] = "/tmp/cairn-fuzz-secret-XXXXXX";
	cairn_err err = {0};
	int fd = mkstemp(path);
	static const char secret[] = "fuzz-fixed-cluster-secret-0123456789\n";
	if (fd < 0 || fchmod(fd, 0600) < 0 ||
	    write(fd, secret, sizeof secret - 1) != (ssize_t)(sizeof secret - 1))
		abort();
	close(fd);
	if (cairn_member_auth_load(path, &err) < 0) {
		fprintf(stderr, "%s\n", err.msg);
		abort();
	}
	unlink(path);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int loaded;
	const char *reason = NULL;
	cairn_err err = {0};
	if (!loaded) {
		loaded = 1;
		if (!cairn_member_auth_enabled())
			LLVMFuzzerInitialize(NULL, NULL);
	}
	char *s = fuzz_str(data, size);
	if (!s)
		return 0;
	size_t hlen = strlen(s);
	const char *body = hlen < size ? s + hlen + 1 : "";
	size_t blen = hlen < size ? size - hlen - 1 : 0;
	(void)cairn_member_verify("POST", "/internal/backup?group=1", body, blen, s, 1700000000000,
				  &reason);
	if (cairn_member_is_sealed(s)) {
		char *plain = cairn_member_open(s, "/internal/backup secretKey", &err);
		free(plain);
	}
	free(s);
	return 0;
}
