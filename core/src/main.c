/* main.c — the cairn program: dispatch to a subcommand. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "faults.h"
#include "plugin/loader.h"

static int cmd_version(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("cairn %s (plugin ABI %d.%d)\n", CAIRN_VERSION, CAIRN_ABI_MAJOR, CAIRN_ABI_MINOR);
	if (CAIRN_TEST_HOOKS_ON)
		printf("test hooks: on (CAIRN_FAULT_* honoured; a test build, not for "
		       "production)\n");
	return 0;
}

static const struct {
	const char *name;
	int (*fn)(int, char **);
	const char *help;
} cmds[] = {
    {"zero", cairn_cmd_zero, "run the timestamp oracle, uid leases and group membership"},
    {"alpha", cairn_cmd_alpha, "run one group's data node with the /admin backup endpoint"},
    {"restore", cairn_cmd_restore, "rebuild postings directories from a backup series"},
    {"lsbackup", cairn_cmd_lsbackup, "list the backups at a location"},
    {"verify", cairn_cmd_verify, "check a backup series' objects without restoring"},
    {"prune", cairn_cmd_prune, "remove old backup series, keeping the newest"},
    {"license", cairn_cmd_license, "sign an enterprise license with an Ed25519 key"},
    {"postings", cairn_cmd_postings, "encrypt, decrypt or rekey a stopped alpha's postings"},
    {"plugins", cairn_cmd_plugins, "list the storage and key-provider plugins found"},
    {"storage-check", cairn_cmd_storage_check, "run a storage driver's conformance checks"},
    {"version", cmd_version, "print the version"},
};

static void usage(FILE *f)
{
	fprintf(f, "usage: cairn COMMAND [flags]   (cairn COMMAND --help for its flags)\n\n");
	for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
		fprintf(f, "  %-13s %s\n", cmds[i].name, cmds[i].help);
}

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version"))
		return cmd_version(0, NULL);
	for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
		if (!strcmp(argv[1], cmds[i].name)) {
			int rc = cmds[i].fn(argc - 1, argv + 1);
			cairn_plugins_unload();
			return rc;
		}
	fprintf(stderr, "error: unknown command \"%s\"; run cairn --help for the list\n", argv[1]);
	return 2;
}
