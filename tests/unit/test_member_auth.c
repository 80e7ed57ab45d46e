/* Member authentication: the secret file's checks, a signed request verifies
 * once (a replay, another secret's MAC, a changed body, path or query, a
 * stale timestamp are refused), sealed credentials open only with the same
 * secret and purpose, and --my refuses addresses no member could reach. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "server/access.h"
#include "server/member_auth.h"

static char dir[] = "/tmp/cairn-member-auth-XXXXXX";

static const char *file(const char *name, const char *content, mode_t mode)
{
	static char path[256];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	fputs(content, f);
	fclose(f);
	chmod(path, mode);
	return path;
}

static int64_t now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

int main(void)
{
	cairn_err err = {0};
	char *s = NULL, hdr[200], hdr2[200];
	const char *why = NULL;
	CHECK(mkdtemp(dir) != NULL);

	CHECK(cairn_secret_file_read("/nonexistent/x", "cluster_secret_file", 16, &s, &err) < 0);
	CHECK_CONTAINS(err.msg, "cannot open");
	CHECK(cairn_secret_file_read(file("empty", "\n", 0600), "cluster_secret_file", 16, &s,
				     &err) < 0);
	CHECK_CONTAINS(err.msg, "is empty");
	CHECK(cairn_secret_file_read(file("short", "fifteen-bytes!!\n", 0600),
				     "cluster_secret_file", 16, &s, &err) < 0);
	CHECK_CONTAINS(err.msg, "at least 16");
	CHECK(cairn_secret_file_read(file("open", "sixteen-bytes-ok-and-more\n", 0640),
				     "cluster_secret_file", 16, &s, &err) < 0);
	CHECK_CONTAINS(err.msg, "chmod 600");
	CHECK(!cairn_member_auth_enabled());
	CHECK(cairn_member_sign("GET", "/state", NULL, 0, hdr, sizeof hdr) < 0);

	/* Another secret's MAC: signed by this process before it switches keys. */
	CHECK(cairn_member_auth_load(file("other", "another-cluster-secret-0000\n", 0600), &err) ==
	      0);
	CHECK(cairn_member_sign("POST", "/internal/commit?member=1", "{}", 2, hdr2, sizeof hdr2) ==
	      0);
	char *sealed_other = cairn_member_seal("AKIA-SECRET-VALUE", "/internal/backup secretKey");
	CHECK(cairn_member_auth_load(file("good", "the-cluster-secret-0123456789\n", 0600), &err) ==
	      0);
	CHECK(cairn_member_auth_enabled());
	CHECK(!cairn_member_verify("POST", "/internal/commit?member=1", "{}", 2, hdr2, 0, &why));
	CHECK_CONTAINS(why, "wrong MAC");

	CHECK(cairn_member_sign("POST", "/internal/commit?member=1", "{}", 2, hdr, sizeof hdr) ==
	      0);
	CHECK(!cairn_member_verify("POST", "/internal/commit?member=2", "{}", 2, hdr, 0, &why));
	CHECK_CONTAINS(why, "wrong MAC");
	CHECK(!cairn_member_verify("POST", "/internal/commit?member=1", "{ }", 3, hdr, 0, &why));
	CHECK(!cairn_member_verify("GET", "/internal/commit?member=1", "{}", 2, hdr, 0, &why));
	CHECK(!cairn_member_verify("POST", "/internal/commit?member=1", "{}", 2, hdr,
				   now_ms() + 31000, &why));
	CHECK_CONTAINS(why, "stale");
	CHECK(!cairn_member_verify("POST", "/internal/commit?member=1", "{}", 2, NULL, 0, &why));
	CHECK(!cairn_member_verify("POST", "/internal/commit?member=1", "{}", 2, "v1 1 2 3", 0,
				   &why));
	CHECK_CONTAINS(why, "malformed");
	CHECK(cairn_member_verify("POST", "/internal/commit?member=1", "{}", 2, hdr, 0, &why) == 1);
	CHECK(!cairn_member_verify("POST", "/internal/commit?member=1", "{}", 2, hdr, 0, &why));
	CHECK_CONTAINS(why, "replayed");
	/* Many signed requests: each verifies once, and the cache stays bounded. */
	int ok = 0;
	for (int i = 0; i < 20000; i++) {
		CHECK(cairn_member_sign("GET", "/state", NULL, 0, hdr, sizeof hdr) == 0);
		ok += cairn_member_verify("GET", "/state", NULL, 0, hdr, 0, &why);
	}
	CHECK(ok == 20000);
	CHECK(!cairn_member_verify("GET", "/state", NULL, 0, hdr, 0, &why));

	char *sealed = cairn_member_seal("AKIA-SECRET-VALUE", "/internal/backup secretKey");
	CHECK(cairn_member_is_sealed(sealed));
	CHECK(strstr(sealed, "AKIA") == NULL);
	char *plain = cairn_member_open(sealed, "/internal/backup secretKey", &err);
	CHECK_STR(plain, "AKIA-SECRET-VALUE");
	free(plain);
	CHECK(cairn_member_open(sealed, "/internal/backup accessKey", &err) == NULL);
	CHECK_CONTAINS(err.msg, "does not open");
	CHECK(cairn_member_open(sealed_other, "/internal/backup secretKey", &err) == NULL);
	free(sealed);
	free(sealed_other);

	char *adv = NULL;
	static const char *const bad_my[] = {
	    "0.0.0.0:8080", "[::]:8080",  "::1:8080", "fd00::1",   "host",	 "host:",
	    "host:0",	    "host:70000", ":8080",    "[fd00::1]", "[nothex]:80"};
	for (size_t i = 0; i < sizeof bad_my / sizeof bad_my[0]; i++) {
		CHECK(cairn_addr_advertised(bad_my[i], "127.0.0.1:8080", &adv, &err) < 0);
		CHECK_CONTAINS(err.msg, "--my");
	}
	CHECK(cairn_addr_advertised("[fd00::1]:9080", "0.0.0.0:8080", &adv, &err) == 0);
	CHECK_STR(adv, "[fd00::1]:9080");
	free(adv);
	CHECK(cairn_addr_advertised("alpha-1.example:9080", "0.0.0.0:8080", &adv, &err) == 0);
	free(adv);
	CHECK(cairn_addr_advertised(NULL, "127.0.0.1:8080", &adv, &err) == 0);
	CHECK_STR(adv, "127.0.0.1:8080");
	free(adv);
	CHECK(cairn_addr_advertised(NULL, "0.0.0.0:8080", &adv, &err) == 0);
	CHECK_STR(adv, "localhost:8080");
	free(adv);
	CHECK(cairn_addr_advertised(NULL, "[::1]:8080", &adv, &err) == 0);
	CHECK_STR(adv, "[::1]:8080");
	free(adv);
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	CHECK(system(cmd) == 0);
	CHECK_DONE();
}
