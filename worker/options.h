/* options.h — cohort-worker's settings from its command line and INI config file. */
#ifndef COHORT_WORKER_OPTIONS_H
#define COHORT_WORKER_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "curve_client.h"
#include "proto.h"

#define OPTIONS_DEFAULT_SCHEDULER "tcp://127.0.0.1:7700"
#define OPTIONS_NAME_MAX 255       /* bytes of a worker name */
#define OPTIONS_LABEL_MAX 255      /* bytes of a label's key, and of its value */
#define OPTIONS_DEFAULT_GRACE_S 30 /* seconds a stop lets running jobs finish */
#define OPTIONS_GRACE_MAX_S 86400  /* the longest grace accepted */

struct worker_options {
    char *scheduler;      /* owned; ZeroMQ endpoint */
    char *name;           /* owned */
    char *spool;          /* owned; spool directory */
    uint32_t cpus;        /* 0 until known */
    uint64_t mem;         /* bytes; 0 until known */
    int log_level;        /* enum log_level; -1 until known */
    int64_t grace_ms;     /* how long a stop lets running jobs finish; -1 until known */
    char *job_user;       /* owned; account for jobs whose owner has none (or is root) */
    bool allow_root_jobs; /* a job owned by root may run as root */
    bool sync_full;       /* results fsynced: they survive a power loss, not only a crash */
    struct curve_client_settings curve; /* key, server-key, insecure */
    uint32_t n_labels;
    struct label labels[PROTO_MAX_LABELS]; /* owned strings; keys are unique */
};

/* Start with nothing set. */
void options_init(struct worker_options *opts);

/* Free what opts owns; it may be reused after options_init. */
void options_free(struct worker_options *opts);

/* Set one option by its long flag name ("cpus", "label", ...), as from a flag or a config
 * line; a label with a key already present replaces it. Returns 0, or COHORT_EINVAL with one
 * sentence in err (unknown key, bad value) or COHORT_ENOMEM; opts is unchanged on failure. */
int options_set(struct worker_options *opts, const char *key, const char *value, char *err,
                size_t err_len);

/* Read the command line: the config file named by --config first, then the flags, which
 * override it. Prints the usage or the version to stdout and sets *exit_now for --help and
 * --version. Returns 0, or COHORT_EINVAL with one line in err (a usage error), or
 * COHORT_ENOMEM. */
int options_parse(struct worker_options *opts, bool *exit_now, int argc, char **argv, char *err,
                  size_t err_len);

/* Fill in what was not given: $COHORT_SCHEDULER or OPTIONS_DEFAULT_SCHEDULER, the host name,
 * its cpus and memory, the spool directory (/var/lib/cohort-worker for root, else
 * $XDG_STATE_HOME/cohort-worker or ~/.local/state/cohort-worker), level info, a grace of
 * OPTIONS_DEFAULT_GRACE_S, job-user ACCOUNT_DEFAULT_JOB_USER, and the keys as
 * curve_client_defaults finds them. Returns 0, or COHORT_EINVAL with err set when a default
 * cannot be found or the keys cannot be used with the scheduler (see
 * curve_client_keys_load), or COHORT_ENOMEM. */
int options_fill_defaults(struct worker_options *opts, char *err, size_t err_len);

#endif
