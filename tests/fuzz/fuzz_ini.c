/* fuzz_ini.c — a --config file (config.c, through inih): read by
 * cairn_opts_parse for a small flag table, then its values taken as
 * booleans and integers and looked up as plugins look up theirs. The input
 * is handed over as a file (a memfd), as the loader only reads files. */
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "config.h"
#include "fuzz.h"
#include "log.h"

static const struct cairn_flag flags[] = {
    {"postings", 'p', "p", "directory", 0},
    {"port", 0, "8080", "port", 0},
    {"tls", 0, NULL, "tls", CAIRN_FLAG_BOOL},
    {"whitelist", 0, NULL, "addresses", 0},
    {"plugin_dir", 0, NULL, "plugins", CAIRN_FLAG_KEY_PROVIDERS},
    {"auth_token", 0, NULL, "token", CAIRN_FLAG_SECRET},
    {NULL, 0, NULL, NULL, 0},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	static char path[64];
	struct cairn_opts o;
	cairn_err err = {0};
	uint64_t port;
	if (fd < 0) {
		fd = memfd_create("fuzz-ini", 0);
		if (fd < 0)
			abort();
		snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) < 0 || (size && pwrite(fd, data, size, 0) != (ssize_t)size))
		abort();
	char *argv[] = {"alpha", "--config", path, NULL};
	if (cairn_opts_parse("alpha", "usage", flags, 3, argv, &o, &err) == 0) {
		(void)cairn_opt_bool(&o, "tls");
		(void)cairn_opt_u64(&o, "port", &port, &err);
		(void)cairn_config_get("alpha", "whitelist");
		(void)cairn_config_get("s3", "ca_file");
		(void)cairn_opts_file_value("vault", "vault_addr");
	}
	cairn_opts_clear(&o);
	cairn_forget_secrets(); /* or the list grows with every input */
	return 0;
}
