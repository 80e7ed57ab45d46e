/* commands.h — one entry point per subcommand; each returns the exit status. */
#ifndef CAIRN_COMMANDS_H
#define CAIRN_COMMANDS_H
int cairn_cmd_zero(int argc, char **argv);
int cairn_cmd_alpha(int argc, char **argv);
int cairn_cmd_restore(int argc, char **argv);
int cairn_cmd_lsbackup(int argc, char **argv);
int cairn_cmd_verify(int argc, char **argv);
int cairn_cmd_prune(int argc, char **argv);
int cairn_cmd_plugins(int argc, char **argv);
int cairn_cmd_storage_check(int argc, char **argv);
int cairn_cmd_license(int argc, char **argv);
int cairn_cmd_postings(int argc, char **argv);
/* Loads plugins from --plugin_dir (or the default next to the binary). */
int cairn_load_plugins_from(const char *plugin_dir);
#endif
