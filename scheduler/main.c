/* main.c — cohort-scheduler: flags and config file, the state dir, then the daemon's loop. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "batch_policy.h"
#include "cohort.h"
#include "config.h"
#include "enroll.h"
#include "log.h"
#include "parse.h"
#include "proto.h"
#include "scheduler.h"
#include "statedir.h"

#define EXIT_USAGE 2
#define MAX_SECONDS 86400.0 /* longest heartbeat or lease accepted */

/* Settings in the order they are applied: defaults, the config file, then flags. */
struct settings {
    char *listen;
    char *state_dir;
    uint32_t heartbeat_ms;
    uint32_t lease_ms;
    bool sync_full; /* PRAGMA synchronous = FULL rather than NORMAL */
    int log_level;
    uint64_t max_submit_jobs;      /* jobs one submission may create */
    uint64_t max_pending_per_user; /* pending jobs one user may have */
    bool insecure;                 /* plaintext, no ZAP */
    uint32_t handshake_ms;         /* time a connection has for its handshake */
    uint32_t stage_jobs;           /* jobs a busy worker may be sent ahead of a free cpu */
    int command_index; /* argv index of a key subcommand (enroll...); 0 = run the daemon */
};

static const struct option long_options[] = {
    {"config", required_argument, NULL, 'c'},
    {"listen", required_argument, NULL, 'l'},
    {"state-dir", required_argument, NULL, 's'},
    {"heartbeat", required_argument, NULL, 'H'},
    {"lease", required_argument, NULL, 'L'},
    {"sync", required_argument, NULL, 'S'},
    {"log-level", required_argument, NULL, 'v'},
    {"max-submit-jobs", required_argument, NULL, 'J'},
    {"max-pending-per-user", required_argument, NULL, 'P'},
    {"insecure", no_argument, NULL, 'I'},
    {"handshake-timeout", required_argument, NULL, 'T'},
    {"stage-jobs", required_argument, NULL, 'G'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: cohort-scheduler [OPTIONS]\n"
            "       cohort-scheduler [--state-dir DIR | --config FILE] COMMAND [ARGS]\n"
            "Run the Cohort scheduler in the foreground, or manage the keys it admits.\n\n"
            "  --config FILE       read settings from an INI file (keys: the long flags)\n"
            "  --listen ENDPOINT   ZeroMQ endpoint to bind (default tcp://127.0.0.1:7700;\n"
            "                      a port of * picks a free one)\n"
            "  --state-dir DIR     database and state files (default /var/lib/cohort as\n"
            "                      root, else $XDG_STATE_HOME/cohort or ~/.local/state/cohort)\n"
            "  --heartbeat SECS    how often workers beat (default 1; fractions allowed)\n"
            "  --lease SECS        silence after which a worker's jobs are requeued\n"
            "                      (default 60)\n"
            "  --sync MODE         normal (default: a commit survives a crash of the\n"
            "                      scheduler; a power loss may undo the last ones) or full\n"
            "                      (commits also survive a power loss; slower submits)\n"
            "  --log-level LEVEL   debug, info, warn or error (default info)\n"
            "  --max-submit-jobs N jobs one submission may create (default 1000000)\n"
            "  --max-pending-per-user N\n"
            "                      pending jobs one user may have (default 1000000)\n"
            "  --insecure          no encryption, no authentication: anyone who can reach\n"
            "                      the endpoint may do anything (tests, trusted machines)\n"
            "  --handshake-timeout SECS\n"
            "                      drop a connection not through its handshake by then\n"
            "                      (default 5)\n"
            "  --stage-jobs N      jobs a worker whose cpus are all taken may be sent, to\n"
            "                      start the moment one frees (default 4; 0 = none)\n"
            "  --help              show this help\n"
            "  --version           show the version\n\n");
    enroll_usage(out);
}

/* Seconds (fractions allowed) into milliseconds, at least 1 ms. */
static int parse_seconds(uint32_t *ms, const char *text)
{
    char *end = NULL;
    errno = 0;
    double seconds = strtod(text, &end);
    if (errno || end == text || *end || !isfinite(seconds) || seconds <= 0 || seconds > MAX_SECONDS)
        return COHORT_EINVAL;
    double rounded = round(seconds * 1000);
    *ms = rounded < 1 ? 1 : (uint32_t)rounded;
    return 0;
}

/* Apply one setting by its long name. Returns 0, or COHORT_EINVAL with why written. */
static int apply(struct settings *set, const char *key, const char *value, char *why,
                 size_t why_len)
{
    char **text_slot = strcmp(key, "listen") == 0      ? &set->listen
                       : strcmp(key, "state-dir") == 0 ? &set->state_dir
                                                       : NULL;
    if (text_slot) {
        char *copy = *value ? strdup(value) : NULL;
        if (!copy) {
            snprintf(why, why_len, "%s must not be empty", key);
            return COHORT_EINVAL;
        }
        free(*text_slot);
        *text_slot = copy;
        return 0;
    }
    if (strcmp(key, "insecure") == 0) {
        if (!value) { /* the flag */
            set->insecure = true;
            return 0;
        }
        if (parse_switch(&set->insecure, value) == 0)
            return 0;
        snprintf(why, why_len, "insecure must be true or false, not '%s'", value);
        return COHORT_EINVAL;
    }
    if (strcmp(key, "heartbeat") == 0 || strcmp(key, "lease") == 0 ||
        strcmp(key, "handshake-timeout") == 0) {
        uint32_t *slot = strcmp(key, "heartbeat") == 0 ? &set->heartbeat_ms
                         : strcmp(key, "lease") == 0   ? &set->lease_ms
                                                       : &set->handshake_ms;
        if (parse_seconds(slot, value) == 0)
            return 0;
        snprintf(why, why_len, "%s must be a number of seconds in (0, %.0f], not '%s'", key,
                 MAX_SECONDS, value);
        return COHORT_EINVAL;
    }
    if (strcmp(key, "sync") == 0) {
        if (parse_sync_mode(&set->sync_full, value) == 0)
            return 0;
        snprintf(why, why_len, "sync must be normal or full, not '%s'", value);
        return COHORT_EINVAL;
    }
    if (strcmp(key, "max-submit-jobs") == 0 || strcmp(key, "max-pending-per-user") == 0) {
        bool per_submission = strcmp(key, "max-submit-jobs") == 0;
        int64_t most = per_submission ? PROTO_MAX_ARRAY : INT64_MAX, number;
        if (parse_int(&number, value, 1, most) == 0) {
            *(per_submission ? &set->max_submit_jobs : &set->max_pending_per_user) =
                (uint64_t)number;
            return 0;
        }
        snprintf(why, why_len, "%s must be a whole number from 1 to %lld, not '%s'", key,
                 (long long)most, value);
        return COHORT_EINVAL;
    }
    if (strcmp(key, "stage-jobs") == 0) {
        int64_t number;
        if (parse_int(&number, value, 0, SCHED_MAX_STAGE_JOBS) == 0) {
            set->stage_jobs = (uint32_t)number;
            return 0;
        }
        snprintf(why, why_len, "stage-jobs must be a whole number from 0 to %d, not '%s'",
                 SCHED_MAX_STAGE_JOBS, value);
        return COHORT_EINVAL;
    }
    if (strcmp(key, "log-level") == 0) {
        if ((set->log_level = log_level_parse(value)) >= 0)
            return 0;
        snprintf(why, why_len, "log-level must be debug, info, warn or error, not '%s'", value);
        return COHORT_EINVAL;
    }
    snprintf(why, why_len, "unknown setting '%s'", key);
    return COHORT_EINVAL;
}

static int on_config_key(const char *section, const char *key, const char *value, void *arg,
                         char *err, size_t err_len)
{
    if (section[0] && strcmp(section, "scheduler") != 0) {
        snprintf(err, err_len, "unknown section [%s]", section);
        return COHORT_EINVAL;
    }
    if (strcmp(key, "config") == 0) {
        snprintf(err, err_len, "a config file cannot name another one");
        return COHORT_EINVAL;
    }
    return apply(arg, key, value, err, err_len);
}

static void settings_free(struct settings *set)
{
    free(set->listen);
    free(set->state_dir);
}

/* Read the command line and the config file it names into set. Returns 0, 1 when the
 * program should exit 0 (help, version), or EXIT_USAGE after printing why. */
static int read_settings(struct settings *set, int argc, char **argv)
{
    const char *config_path = NULL;
    char why[512];
    int opt;

    /* first pass: only --config, --help and --version, so that flags override the file;
     * "+": stop at the first word that is not a flag (a subcommand's own flags follow it) */
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "+", long_options, NULL)) != -1) {
        if (opt == 'h') {
            usage(stdout);
            return 1;
        }
        if (opt == 'V') {
            printf("cohort-scheduler %s\n", COHORT_VERSION_STRING);
            return 1;
        }
        if (opt == 'c')
            config_path = optarg;
        if (opt == '?') {
            fprintf(stderr, "cohort-scheduler: unknown or incomplete option '%s'\n",
                    argv[optind - 1]);
            usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (optind < argc && !enroll_is_command(argv[optind])) {
        fprintf(stderr, "cohort-scheduler: unexpected argument '%s'\n", argv[optind]);
        return EXIT_USAGE;
    }
    set->command_index = optind < argc ? optind : 0;
    if (config_path && config_load(config_path, on_config_key, set, why, sizeof why) < 0) {
        fprintf(stderr, "cohort-scheduler: %s\n", why);
        return EXIT_USAGE;
    }
    optind = 1;
    while ((opt = getopt_long(argc, argv, "+", long_options, NULL)) != -1) {
        const char *name = NULL;
        for (const struct option *o = long_options; o->name; o++)
            if (o->val == opt)
                name = o->name;
        if (opt == 'c' || !name)
            continue;
        if (apply(set, name, optarg, why, sizeof why) < 0) {
            fprintf(stderr, "cohort-scheduler: --%s\n", why);
            return EXIT_USAGE;
        }
    }
    if (set->lease_ms <= set->heartbeat_ms) {
        fprintf(stderr,
                "cohort-scheduler: the lease (%.3f s) must be longer than the "
                "heartbeat (%.3f s)\n",
                set->lease_ms / 1000.0, set->heartbeat_ms / 1000.0);
        return EXIT_USAGE;
    }
    if (!set->state_dir && !(set->state_dir = statedir_default())) {
        fprintf(stderr, "cohort-scheduler: no state dir: set --state-dir (HOME is unset)\n");
        return EXIT_USAGE;
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct settings set = {.heartbeat_ms = 1000,
                           .lease_ms = 60000,
                           .handshake_ms = 5000,
                           .stage_jobs = SCHED_DEFAULT_STAGE_JOBS,
                           .log_level = LOG_INFO,
                           .max_submit_jobs = SCHED_DEFAULT_MAX_SUBMIT_JOBS,
                           .max_pending_per_user = SCHED_DEFAULT_MAX_PENDING_PER_USER};
    struct sched *s = NULL;
    char err[1024];
    int status = EXIT_FAILURE, lock_fd = -1;

    if (!(set.listen = strdup("tcp://127.0.0.1:7700")))
        goto done;
    int rc = read_settings(&set, argc, argv);
    if (rc != 0) {
        status = rc == 1 ? EXIT_SUCCESS : EXIT_USAGE;
        goto done;
    }
    if (set.command_index) {
        status = enroll_run(set.state_dir, argc - set.command_index, argv + set.command_index);
        goto done;
    }
    log_setup("cohort-scheduler", set.log_level);
    batch_policy_enter(); /* before any thread starts: they inherit it (docs/scheduler.md) */
    if (statedir_make(set.state_dir, err, sizeof err) < 0 ||
        (lock_fd = statedir_lock(set.state_dir, err, sizeof err)) < 0) {
        fprintf(stderr, "cohort-scheduler: %s\n", err);
        goto done;
    }
    struct sched_config config = {.listen = set.listen,
                                  .state_dir = set.state_dir,
                                  .heartbeat_ms = set.heartbeat_ms,
                                  .lease_ms = set.lease_ms,
                                  .sync_full = set.sync_full,
                                  .max_submit_jobs = set.max_submit_jobs,
                                  .max_pending_per_user = set.max_pending_per_user,
                                  .insecure = set.insecure,
                                  .handshake_ms = set.handshake_ms,
                                  .stage_jobs = set.stage_jobs};
    if (sched_create(&s, &config, err, sizeof err) < 0) {
        fprintf(stderr, "cohort-scheduler: %s\n", err);
        goto done;
    }
    if (sched_run(s) == 0)
        status = EXIT_SUCCESS;
    log_info("stopped");
done:
    sched_destroy(s);
    if (lock_fd >= 0)
        close(lock_fd);
    settings_free(&set);
    return status;
}
