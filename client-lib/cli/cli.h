/* cli.h — what the files of the cohort command share: its state, errors, options, output. */
#ifndef COHORT_CLI_H
#define COHORT_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "cohort.h"

struct json;
struct table;

/* Exit statuses of the command (DESIGN.md); `wait` may also mirror a job's status. */
enum cli_exit {
    CLI_EXIT_OK = 0,
    CLI_EXIT_FAILURE = 1, /* anything else, a bad value of a well-formed option included */
    CLI_EXIT_USAGE = 2,   /* unknown option or command, missing option value or argument */
};

/* The state of one run of the command. */
struct cli {
    const char *endpoint;    /* --scheduler; NULL lets the library choose */
    const char *key_file;    /* --key; NULL lets the library choose */
    const char *server_key;  /* --server-key; NULL lets the library choose */
    bool insecure;           /* --insecure: plaintext to any scheduler without a server key */
    int timeout_ms;          /* per request; 0 = the library's default */
    bool json;               /* --json: machine-readable output */
    cohort_client_t *client; /* connected on first use, closed by main */
};

/* A command: argv[0] is its name, the rest its own options and arguments. Returns the exit
 * status. */
typedef int (*cli_command_fn)(struct cli *cli, int argc, char **argv);

/* ---- errors: each prints one line "cohort: ..." on stderr and returns the exit status ---- */

int cli_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));  /* 1 */
int cli_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2))); /* 2 */
int cli_fail_error(const cohort_error_t *err);                             /* 1 */

/* The connected client, connecting on first use with the keys of --key, --server-key and
 * --insecure; it resends a submission that gets no answer for up to CLI_SUBMIT_TIMEOUTS
 * request timeouts. On failure prints why and returns NULL (the command then exits with
 * CLI_EXIT_FAILURE). */
#define CLI_SUBMIT_TIMEOUTS 6
cohort_client_t *cli_client(struct cli *cli);

/* ---- options ---- */

/* Option codes for the long-only options shared by every command. */
enum {
    CLI_OPT_JSON = 0x100,
    CLI_OPT_SCHEDULER,
    CLI_OPT_HELP,
    CLI_OPT_VERSION,
    CLI_OPT_KEY,
    CLI_OPT_SERVER_KEY,
    CLI_OPT_INSECURE,
    CLI_OPT_FIRST_FREE, /* commands number their own long-only options from here */
};

/* The entries for the shared options, to end every command's long option table with (after
 * them comes the {0} terminator). */
#define CLI_COMMON_OPTIONS                                                                         \
    {"json", no_argument, NULL, CLI_OPT_JSON},                                                     \
        {"scheduler", required_argument, NULL, CLI_OPT_SCHEDULER},                                 \
        {"help", no_argument, NULL, CLI_OPT_HELP}, {"key", required_argument, NULL, CLI_OPT_KEY},  \
        {"server-key", required_argument, NULL, CLI_OPT_SERVER_KEY},                               \
        {"insecure", no_argument, NULL, CLI_OPT_INSECURE},                                         \
    {                                                                                              \
        "version", no_argument, NULL, CLI_OPT_VERSION                                              \
    }

/* How one command reads its options with getopt_long. */
struct cli_options {
    const char *command;               /* name, for messages; NULL for cohort's own */
    const char *usage;                 /* printed by --help */
    const char *short_options;         /* getopt form without the leading ':' */
    const struct option *long_options; /* ends with CLI_COMMON_OPTIONS and {0} */
    bool stop_at_operand;              /* options end at the first operand (submit) */
};

/* Start reading argv's options (argv[0] is the command's name). */
void cli_options_begin(const struct cli_options *options);

/* The next option the command must handle: its code (*value holds its argument or NULL),
 * or 0 when the options are over (optind then indexes the first operand), or -1 when the
 * command must stop and return *exit_status: after --help or --version (0), or after a
 * usage error, which was printed (2). The shared options are handled here. */
int cli_options_next(struct cli *cli, const struct cli_options *options, int argc, char **argv,
                     const char **value, int *exit_status);

/* A whole number in [min, max]: 0, or -1 for anything else (nothing is printed). */
int cli_parse_uint(uint64_t *out, const char *text, uint64_t min, uint64_t max);
int cli_parse_int(int64_t *out, const char *text, int64_t min, int64_t max);

/* A timeout as users write it: a duration ("90", "10m", "2h") or a decimal number of
 * seconds ("0.5"), at most max_ms. Returns 0 with *ms set, or -1 (nothing is printed). */
int cli_parse_timeout_ms(int *ms, const char *text, int max_ms);

/* Parse the job ids in argv[0..argc). Returns 0 with *ids_out the caller's (free), or an
 * exit status after printing why: 2 for none, 1 for a bad id or when out of memory. */
int cli_parse_job_ids(uint64_t **ids_out, int argc, char **argv, const char *command);

/* ---- output ---- */

/* The wall clock in ms since the epoch, for run times and "3s ago". */
int64_t cli_now_ms(void);

/* The exit status that mirrors a list of ended jobs: that of the job with the smallest id
 * among those that did not complete, or 0. */
int cli_jobs_exit_status(const cohort_job_list_t *list);

/* JSON forms of the objects (DESIGN.md field names). With `full`, a job also has its
 * time_limit, retries, cwd, env, cpu_time_ms and "history" (its attempts), for `show`. */
void render_job_json(struct json *json, const cohort_job_t *job, bool full);
void render_worker_json(struct json *json, const cohort_worker_t *worker);
void render_status_json(struct json *json, const cohort_status_t *status);

/* Text forms: a table of jobs (rows added one job at a time), one job in full, a table of
 * workers, the pool's status. The table functions return NULL / COHORT_ENOMEM when out of
 * memory. now_ms is the current time for run times and "3s ago". */
struct table *render_jobs_table_new(void);
int render_jobs_table_add(struct table *table, const cohort_job_t *job, int64_t now_ms);
void render_job_text(FILE *out, const cohort_job_t *job, int64_t now_ms);
int render_workers_text(FILE *out, const cohort_worker_list_t *workers, int64_t now_ms);
void render_status_text(FILE *out, const cohort_status_t *status);

/* ---- commands ---- */

int cmd_submit(struct cli *cli, int argc, char **argv);
int cmd_jobs(struct cli *cli, int argc, char **argv);
int cmd_show(struct cli *cli, int argc, char **argv);
int cmd_logs(struct cli *cli, int argc, char **argv);
int cmd_cancel(struct cli *cli, int argc, char **argv);
int cmd_wait(struct cli *cli, int argc, char **argv);
int cmd_drain(struct cli *cli, int argc, char **argv);
int cmd_resume(struct cli *cli, int argc, char **argv);
int cmd_workers(struct cli *cli, int argc, char **argv);
int cmd_status(struct cli *cli, int argc, char **argv);
int cmd_backup(struct cli *cli, int argc, char **argv);
int cmd_keygen(struct cli *cli, int argc, char **argv);

#endif
