/* enroll.h — the key subcommands of cohort-scheduler: enroll, revoke, keys, server-key. */
#ifndef COHORT_SCHED_ENROLL_H
#define COHORT_SCHED_ENROLL_H

#include <stdbool.h>
#include <stdio.h>

/* Whether word names one of the subcommands. */
bool enroll_is_command(const char *word);

/* Print the subcommands' part of --help to out. */
void enroll_usage(FILE *out);

/*
 * Run the subcommand argv[0] with its arguments on STATE_DIR/keys and STATE_DIR/server.key
 * (state_dir is created when missing; the scheduler's lock is not taken, so it may run).
 * Results go to stdout; a failure prints one line to stderr. Returns the exit status: 0,
 * 1 for a failure (an unknown key to revoke, a file that cannot be written), 2 for a usage
 * error (a bad flag, role, name or key: nothing was changed).
 */
int enroll_run(const char *state_dir, int argc, char **argv);

#endif
