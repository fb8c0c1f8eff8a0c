/* ratchet import's verbs beyond fit-pilot: the flat files of changes, IOs,
 * incidents and drills (cmd_import_flat.c), and git history (cmd_import_git.c). */
#ifndef RATCHET_CMD_IMPORT_H
#define RATCHET_CMD_IMPORT_H

#include "cli.h"

/* ratchet import changes|ios|incidents|drills FILE ...: argv[0] names the kind. */
int cmd_import_flat(struct cli *cli, int argc, char **argv);

/* The --help texts of the four verbs. */
extern const char cmd_import_usage_changes[];
extern const char cmd_import_usage_ios[];
extern const char cmd_import_usage_incidents[];
extern const char cmd_import_usage_drills[];

/* ratchet import git (cmd_import_git.c) and its --help text. */
int cmd_import_git(struct cli *cli, int argc, char **argv);
extern const char cmd_import_usage_git[];

#endif
