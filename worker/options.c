/* options.c — cohort-worker's flags and INI config file, both applied by one setter. */
#define _GNU_SOURCE
#include "options.h"

#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "account.h"
#include "cohort.h"
#include "config.h"
#include "host.h"
#include "log.h"
#include "parse.h"

#define CPUS_MAX 65536
#define ENDPOINT_MAX 1024 /* bytes of a scheduler endpoint */

static const char usage_text[] =
    "Usage: cohort-worker [OPTION]...\n"
    "Run jobs for a Cohort scheduler on this machine.\n"
    "\n"
    "  --config FILE         read settings from an INI file whose keys are the long option\n"
    "                        names (label may repeat); options given here override it\n"
    "  --scheduler ENDPOINT  scheduler to join (default: $COHORT_SCHEDULER, else\n"
    "                        " OPTIONS_DEFAULT_SCHEDULER ")\n"
    "  --name NAME           this worker's name in the pool (default: the host name)\n"
    "  --cpus N              cpus to offer (default: the cpus this process may use)\n"
    "  --mem SIZE            memory to offer, e.g. 16G (default: the host's memory)\n"
    "  --label KEY=VALUE     a label jobs can be matched on (repeatable)\n"
    "  --spool DIR           where job output and unacknowledged results are kept\n"
    "                        (default: /var/lib/cohort-worker as root, else\n"
    "                        $XDG_STATE_HOME/cohort-worker or ~/.local/state/cohort-worker)\n"
    "  --grace SECS          on SIGTERM or SIGINT, how long running jobs may finish before\n"
    "                        they are killed and requeued (default: 30; 0 = at once;\n"
    "                        a second signal kills them at once)\n"
    "  --job-user USER       as root: the account for jobs whose owner has no local\n"
    "                        account, or is root (default: " ACCOUNT_DEFAULT_JOB_USER ")\n"
    "  --allow-root-jobs     as root: run jobs owned by root as root (config: true/false)\n"
    "  --key FILE            this worker's key file, from cohort keygen (default:\n"
    "                        $COHORT_KEY_FILE, else ~/.config/cohort/key when it exists)\n"
    "  --server-key KEY|FILE the scheduler's public key or its server.pub (default:\n"
    "                        $COHORT_SERVER_KEY, else ~/.config/cohort/server.pub when it\n"
    "                        exists); with it the connection uses CURVE\n"
    "  --insecure            allow plaintext to a scheduler not on this machine (config:\n"
    "                        true/false; also $COHORT_INSECURE=1)\n"
    "  --sync MODE           normal (default: a finished job's result survives a crash of\n"
    "                        the worker; a power loss of the host may lose results not yet\n"
    "                        reported, and those jobs run again) or full (results are\n"
    "                        fsynced: they survive a power loss too; slower per job)\n"
    "  --log-level LEVEL     debug, info, warn or error (default: info)\n"
    "  --help                show this help and exit\n"
    "  --version             show the version and exit\n";

void options_init(struct worker_options *opts)
{
    memset(opts, 0, sizeof(*opts));
    opts->log_level = -1;
    opts->grace_ms = -1;
}

void options_free(struct worker_options *opts)
{
    free(opts->scheduler);
    free(opts->name);
    free(opts->spool);
    free(opts->job_user);
    for (uint32_t i = 0; i < opts->n_labels; i++) {
        free((char *)opts->labels[i].key);
        free((char *)opts->labels[i].value);
    }
    options_init(opts);
}

/* Replace *slot by a copy of value. Returns 0 or COHORT_ENOMEM (*slot unchanged). */
static int replace_string(char **slot, const char *value)
{
    char *copy = strdup(value);

    if (!copy)
        return COHORT_ENOMEM;
    free(*slot);
    *slot = copy;
    return 0;
}

static int set_scheduler(struct worker_options *opts, const char *value, char *err, size_t err_len)
{
    if (!strstr(value, "://") || strlen(value) > ENDPOINT_MAX) {
        snprintf(err, err_len, "scheduler must be a ZeroMQ endpoint like %s, not '%s'",
                 OPTIONS_DEFAULT_SCHEDULER, value);
        return COHORT_EINVAL;
    }
    return replace_string(&opts->scheduler, value);
}

static int set_name(struct worker_options *opts, const char *value, char *err, size_t err_len)
{
    size_t len = strlen(value);
    bool printable = len > 0 && len <= OPTIONS_NAME_MAX;

    for (size_t i = 0; printable && i < len; i++)
        printable = (unsigned char)value[i] > ' ' && value[i] != 0x7f;
    if (!printable) {
        snprintf(err, err_len, "name must be 1 to %d characters without spaces, not '%s'",
                 OPTIONS_NAME_MAX, value);
        return COHORT_EINVAL;
    }
    return replace_string(&opts->name, value);
}

static int set_cpus(struct worker_options *opts, const char *value, char *err, size_t err_len)
{
    int64_t cpus;

    if (parse_int(&cpus, value, 1, CPUS_MAX) < 0) {
        snprintf(err, err_len, "cpus must be a whole number from 1 to %d, not '%s'", CPUS_MAX,
                 value);
        return COHORT_EINVAL;
    }
    opts->cpus = (uint32_t)cpus;
    return 0;
}

static int set_mem(struct worker_options *opts, const char *value, char *err, size_t err_len)
{
    uint64_t mem;

    if (parse_size(&mem, value) < 0 || mem == 0) {
        snprintf(err, err_len, "mem must be a size like 512M or 16G, not '%s'", value);
        return COHORT_EINVAL;
    }
    opts->mem = mem;
    return 0;
}

static int set_label(struct worker_options *opts, const char *value, char *err, size_t err_len)
{
    int key_len = parse_key_value(value);
    char *key = NULL, *label_value = NULL;
    uint32_t i;

    if (key_len < 0 || key_len > OPTIONS_LABEL_MAX ||
        strlen(value + key_len + 1) > OPTIONS_LABEL_MAX) {
        snprintf(err, err_len,
                 "label must be KEY=VALUE (KEY of letters, digits, '_', '.', '-'; "
                 "each at most %d characters), not '%s'",
                 OPTIONS_LABEL_MAX, value);
        return COHORT_EINVAL;
    }
    for (i = 0; i < opts->n_labels; i++)
        if (strncmp(opts->labels[i].key, value, key_len) == 0 &&
            opts->labels[i].key[key_len] == '\0')
            break;
    if (i == PROTO_MAX_LABELS) {
        snprintf(err, err_len, "a worker may have at most %u labels", PROTO_MAX_LABELS);
        return COHORT_EINVAL;
    }
    if (!(key = strndup(value, key_len)) || !(label_value = strdup(value + key_len + 1))) {
        free(key);
        return COHORT_ENOMEM;
    }
    if (i < opts->n_labels) {
        free((char *)opts->labels[i].key);
        free((char *)opts->labels[i].value);
    } else {
        opts->n_labels++;
    }
    opts->labels[i] = (struct label){key, label_value};
    return 0;
}

static int set_spool(struct worker_options *opts, const char *value, char *err, size_t err_len)
{
    if (value[0] == '\0') {
        snprintf(err, err_len, "spool must name a directory");
        return COHORT_EINVAL;
    }
    return replace_string(&opts->spool, value);
}

static int set_log_level(struct worker_options *opts, const char *value, char *err, size_t err_len)
{
    int level = log_level_parse(value);

    if (level < 0) {
        snprintf(err, err_len, "log-level must be debug, info, warn or error, not '%s'", value);
        return COHORT_EINVAL;
    }
    opts->log_level = level;
    return 0;
}

static int set_grace(struct worker_options *opts, const char *value, char *err, size_t err_len)
{
    uint64_t seconds;

    if (parse_duration(&seconds, value) < 0 || seconds > OPTIONS_GRACE_MAX_S) {
        snprintf(err, err_len,
                 "grace must be a duration like 30, 90s or 5m (at most %d s), not '%s'",
                 OPTIONS_GRACE_MAX_S, value);
        return COHORT_EINVAL;
    }
    opts->grace_ms = (int64_t)seconds * 1000;
    return 0;
}

static int set_job_user(struct worker_options *opts, const char *value, char *err, size_t err_len)
{
    if (value[0] == '\0' || strlen(value) > ACCOUNT_NAME_MAX) {
        snprintf(err, err_len, "job-user must name a local account");
        return COHORT_EINVAL;
    }
    return replace_string(&opts->job_user, value);
}

/* A yes/no setting into *out, or COHORT_EINVAL with err naming key. */
static int set_switch(bool *out, const char *key, const char *value, char *err, size_t err_len)
{
    if (parse_switch(out, value) == 0)
        return 0;
    snprintf(err, err_len, "%s must be true or false, not '%s'", key, value);
    return COHORT_EINVAL;
}

static int set_allow_root_jobs(struct worker_options *opts, const char *value, char *err,
                               size_t err_len)
{
    return set_switch(&opts->allow_root_jobs, "allow-root-jobs", value, err, err_len);
}

static int set_sync(struct worker_options *opts, const char *value, char *err, size_t err_len)
{
    if (parse_sync_mode(&opts->sync_full, value) == 0)
        return 0;
    snprintf(err, err_len, "sync must be normal or full, not '%s'", value);
    return COHORT_EINVAL;
}

/* Copy a key file path or server key into a curve_client_settings field. */
static int set_key_setting(char *field, const char *key, const char *value, char *err,
                           size_t err_len)
{
    if (value[0] == '\0' || strlen(value) >= CURVE_CLIENT_PATH_MAX) {
        snprintf(err, err_len, "%s must be 1 to %d characters", key, CURVE_CLIENT_PATH_MAX - 1);
        return COHORT_EINVAL;
    }
    memcpy(field, value, strlen(value) + 1);
    return 0;
}

static int set_key(struct worker_options *opts, const char *value, char *err, size_t err_len)
{
    return set_key_setting(opts->curve.key_file, "key", value, err, err_len);
}

static int set_server_key(struct worker_options *opts, const char *value, char *err, size_t err_len)
{
    return set_key_setting(opts->curve.server_key, "server-key", value, err, err_len);
}

static int set_insecure(struct worker_options *opts, const char *value, char *err, size_t err_len)
{
    return set_switch(&opts->curve.insecure, "insecure", value, err, err_len);
}

static const struct {
    const char *key; /* the long flag name, also the config key */
    int (*set)(struct worker_options *opts, const char *value, char *err, size_t err_len);
} setters[] = {
    {"scheduler", set_scheduler}, {"name", set_name},
    {"cpus", set_cpus},           {"mem", set_mem},
    {"label", set_label},         {"spool", set_spool},
    {"log-level", set_log_level}, {"grace", set_grace},
    {"job-user", set_job_user},   {"allow-root-jobs", set_allow_root_jobs},
    {"key", set_key},             {"server-key", set_server_key},
    {"insecure", set_insecure},   {"sync", set_sync},
};

int options_set(struct worker_options *opts, const char *key, const char *value, char *err,
                size_t err_len)
{
    for (size_t i = 0; i < sizeof setters / sizeof setters[0]; i++)
        if (strcmp(setters[i].key, key) == 0)
            return setters[i].set(opts, value, err, err_len);
    snprintf(err, err_len, "unknown setting '%s'", key);
    return COHORT_EINVAL;
}

static int on_config_key(const char *section, const char *key, const char *value, void *arg,
                         char *err, size_t err_len)
{
    return options_set(arg, key, value, err, err_len);
}

/* Flags that carry a setting have val 's' and are applied through options_set by name. */
static const struct option long_options[] = {
    {"config", required_argument, NULL, 'c'}, {"scheduler", required_argument, NULL, 's'},
    {"name", required_argument, NULL, 's'},   {"cpus", required_argument, NULL, 's'},
    {"mem", required_argument, NULL, 's'},    {"label", required_argument, NULL, 's'},
    {"spool", required_argument, NULL, 's'},  {"log-level", required_argument, NULL, 's'},
    {"grace", required_argument, NULL, 's'},  {"job-user", required_argument, NULL, 's'},
    {"allow-root-jobs", no_argument, NULL, 't'}, {"key", required_argument, NULL, 's'},
    {"server-key", required_argument, NULL, 's'}, {"insecure", no_argument, NULL, 't'},
    {"sync", required_argument, NULL, 's'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},      {NULL, 0, NULL, 0},
};

int options_parse(struct worker_options *opts, bool *exit_now, int argc, char **argv, char *err,
                  size_t err_len)
{
    struct flag {
        const char *key, *value;
    } *flags = NULL;
    const char *config_path = NULL;
    int n_flags = 0, opt, index, rc = COHORT_ENOMEM;

    *exit_now = false;
    if (!(flags = calloc((size_t)argc + 1, sizeof(*flags))))
        goto done;
    rc = COHORT_EINVAL;
    optind = 0; /* a full reset, so that parsing can run more than once */
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":h", long_options, &index)) != -1) {
        switch (opt) {
        case 'h':
            fputs(usage_text, stdout);
            *exit_now = true;
            rc = 0;
            goto done;
        case 'V':
            printf("cohort-worker %s\n", COHORT_VERSION);
            *exit_now = true;
            rc = 0;
            goto done;
        case 'c':
            config_path = optarg;
            break;
        case 's':
            flags[n_flags++] = (struct flag){long_options[index].name, optarg};
            break;
        case 't': /* a switch given as a flag: on */
            flags[n_flags++] = (struct flag){long_options[index].name, "true"};
            break;
        case ':':
            snprintf(err, err_len, "option '%s' needs a value (see --help)", argv[optind - 1]);
            goto done;
        default:
            snprintf(err, err_len, "unknown option '%s' (see --help)", argv[optind - 1]);
            goto done;
        }
    }
    if (optind < argc) {
        snprintf(err, err_len, "unexpected argument '%s' (see --help)", argv[optind]);
        goto done;
    }
    if (config_path && (rc = config_load(config_path, on_config_key, opts, err, err_len)) < 0)
        goto done;
    for (int i = 0; i < n_flags; i++)
        if ((rc = options_set(opts, flags[i].key, flags[i].value, err, err_len)) < 0)
            goto done;
    rc = 0;
done:
    free(flags);
    return rc;
}

/* The spool directory to use when none was given; *out is the caller's to free. */
static int default_spool(char **out, char *err, size_t err_len)
{
    const char *state_home = getenv("XDG_STATE_HOME");
    const char *home = getenv("HOME");
    struct passwd *account;

    if (geteuid() == 0)
        return (*out = strdup("/var/lib/cohort-worker")) ? 0 : COHORT_ENOMEM;
    if (state_home && state_home[0] == '/')
        return asprintf(out, "%s/cohort-worker", state_home) < 0 ? COHORT_ENOMEM : 0;
    if ((!home || home[0] != '/') && (account = getpwuid(geteuid())))
        home = account->pw_dir;
    if (!home || home[0] != '/') {
        snprintf(err, err_len, "cannot find a home directory for the spool; give --spool");
        return COHORT_EINVAL;
    }
    return asprintf(out, "%s/.local/state/cohort-worker", home) < 0 ? COHORT_ENOMEM : 0;
}

/* Fill the key settings from the environment and default files, and check that they can be
 * used with the scheduler (a key file that loads; plaintext only when allowed), so that a
 * worker that could never connect says so at start. */
static int curve_defaults(struct worker_options *opts, char *err, size_t err_len)
{
    struct curve_client_keys keys;

    curve_client_defaults(&opts->curve);
    if (curve_client_keys_load(&keys, opts->scheduler, opts->curve.key_file, opts->curve.server_key,
                               opts->curve.insecure, err, err_len) < 0)
        return COHORT_EINVAL;
    explicit_bzero(&keys, sizeof keys);
    return 0;
}

int options_fill_defaults(struct worker_options *opts, char *err, size_t err_len)
{
    const char *endpoint = getenv("COHORT_SCHEDULER");
    char host[OPTIONS_NAME_MAX + 1];
    int rc;

    if (!opts->scheduler &&
        (rc = set_scheduler(opts, endpoint && endpoint[0] ? endpoint : OPTIONS_DEFAULT_SCHEDULER,
                            err, err_len)) < 0)
        return rc;
    if (!opts->name) {
        if (host_name(host, sizeof host) < 0) {
            snprintf(err, err_len, "cannot find the host name; give --name");
            return COHORT_EINVAL;
        }
        if ((rc = set_name(opts, host, err, err_len)) < 0)
            return rc;
    }
    if (!opts->cpus)
        opts->cpus = host_cpus();
    if (!opts->mem && !(opts->mem = host_mem())) {
        snprintf(err, err_len, "cannot find the host's memory; give --mem");
        return COHORT_EINVAL;
    }
    if (!opts->spool && (rc = default_spool(&opts->spool, err, err_len)) < 0)
        return rc;
    if (opts->log_level < 0)
        opts->log_level = LOG_INFO;
    if (opts->grace_ms < 0)
        opts->grace_ms = OPTIONS_DEFAULT_GRACE_S * 1000;
    if (!opts->job_user && (rc = replace_string(&opts->job_user, ACCOUNT_DEFAULT_JOB_USER)) < 0)
        return rc;
    return curve_defaults(opts, err, err_len);
}
