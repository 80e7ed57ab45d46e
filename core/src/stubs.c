/* stubs.c — subcommands whose issue has not landed yet. */
#include <stdio.h>

#include "commands.h"

static int not_yet(const char *what)
{
	fprintf(stderr, "error: cairn %s is not implemented yet\n", what);
	return 2;
}
int cairn_cmd_zero(int argc, char **argv) { (void)argc; (void)argv; return not_yet("zero"); }
int cairn_cmd_alpha(int argc, char **argv) { (void)argc; (void)argv; return not_yet("alpha"); }
int cairn_cmd_restore(int argc, char **argv) { (void)argc; (void)argv; return not_yet("restore"); }
int cairn_cmd_lsbackup(int argc, char **argv) { (void)argc; (void)argv; return not_yet("lsbackup"); }
int cairn_cmd_verify(int argc, char **argv) { (void)argc; (void)argv; return not_yet("verify"); }
