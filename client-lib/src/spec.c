/* spec.c — the job spec builder: what to run and what it needs, checked against the caps. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "client_internal.h"
#include "parse.h"

struct cohort_job_spec {
    char *name; /* owned; NULL when none */
    uint32_t cpus;
    uint64_t mem;        /* bytes; 0 = no request */
    uint32_t time_limit; /* seconds; 0 = none */
    int32_t priority;
    uint32_t retries;
    char *cwd;           /* owned; NULL = the worker's job directory */
    uint8_t *stdin_data; /* owned; NULL when stdin_len is 0 */
    uint32_t stdin_len;
    char **argv; /* owned, with owned strings; NULL until a command is set */
    uint32_t argc;
    char **env; /* owned, with owned strings */
    uint32_t envc;
    uint32_t env_slots; /* allocated entries of env */
    bool is_array;
    uint32_t array_first, array_last;
};

int cohort_job_spec_new(cohort_job_spec_t **out, cohort_error_t *err)
{
    cohort_job_spec_t *spec = calloc(1, sizeof *spec);

    *out = NULL;
    if (!spec)
        return cohort__error(err, COHORT_ENOMEM, "out of memory for a job spec");
    spec->cpus = 1;
    spec->retries = COHORT_DEFAULT_RETRIES;
    *out = spec;
    return 0;
}

/* Free n owned strings and the array holding them. */
static void strings_free(char **strings, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(strings[i]);
    free(strings);
}

void cohort_job_spec_destroy(cohort_job_spec_t *spec)
{
    if (!spec)
        return;
    free(spec->name);
    free(spec->cwd);
    free(spec->stdin_data);
    strings_free(spec->argv, spec->argc);
    strings_free(spec->env, spec->envc);
    free(spec);
}

/* Copy text (what says what it is, for the message) into *out, refusing strings past the
 * protocol's cap. *out is only written on success. */
static int string_copy(char **out, const char *text, const char *what, cohort_error_t *err)
{
    size_t len = strlen(text);
    char *copy;

    if (len > PROTO_MAX_STR)
        return cohort__error(err, COHORT_ETOOBIG, "the %s is %zu bytes; the cap is %u", what, len,
                             PROTO_MAX_STR);
    if (!(copy = strdup(text)))
        return cohort__error(err, COHORT_ENOMEM, "out of memory for the %s", what);
    *out = copy;
    return 0;
}

/* Replace *field with a copy of text, or with NULL when text is NULL or "". */
static int optional_string_set(char **field, const char *text, const char *what,
                               cohort_error_t *err)
{
    char *copy = NULL;
    int rc;

    if (text && *text && (rc = string_copy(&copy, text, what, err)) < 0)
        return rc;
    free(*field);
    *field = copy;
    return 0;
}

int cohort_job_spec_set_name(cohort_job_spec_t *spec, const char *name, cohort_error_t *err)
{
    return optional_string_set(&spec->name, name, "job name", err);
}

int cohort_job_spec_set_cwd(cohort_job_spec_t *spec, const char *dir, cohort_error_t *err)
{
    return optional_string_set(&spec->cwd, dir, "working directory", err);
}

int cohort_job_spec_set_command(cohort_job_spec_t *spec, size_t argc, const char *const *argv,
                                cohort_error_t *err)
{
    char **copies = NULL;
    size_t copied = 0, bytes = 0;
    int rc = 0;

    if (argc == 0 || !argv || !argv[0] || !*argv[0])
        return cohort__error(err, COHORT_EINVAL, "the job's command is empty");
    if (argc > PROTO_MAX_ARGS)
        return cohort__error(err, COHORT_ETOOBIG, "the command has %zu arguments; the cap is %u",
                             argc, PROTO_MAX_ARGS);
    for (size_t i = 0; i < argc; i++)
        bytes += argv[i] ? strlen(argv[i]) : 0;
    if (bytes > PROTO_MAX_COMMAND_BYTES)
        return cohort__error(err, COHORT_ETOOBIG, "the command is %zu bytes; the cap is %u", bytes,
                             PROTO_MAX_COMMAND_BYTES);
    if (!(copies = calloc(argc, sizeof *copies))) {
        rc = cohort__error(err, COHORT_ENOMEM, "out of memory for the job's command");
        goto done;
    }
    for (; copied < argc; copied++) {
        if (!argv[copied]) {
            rc = cohort__error(err, COHORT_EINVAL, "argument %zu of the command is NULL", copied);
            goto done;
        }
        if ((rc = string_copy(&copies[copied], argv[copied], "command argument", err)) < 0)
            goto done;
    }
    strings_free(spec->argv, spec->argc);
    spec->argv = copies;
    spec->argc = (uint32_t)argc;
    copies = NULL;
done:
    if (copies)
        strings_free(copies, copied);
    return rc;
}

int cohort_job_spec_set_cpus(cohort_job_spec_t *spec, uint32_t cpus, cohort_error_t *err)
{
    if (cpus < 1)
        return cohort__error(err, COHORT_EINVAL, "a job needs at least 1 cpu");
    spec->cpus = cpus;
    return 0;
}

int cohort_job_spec_set_mem(cohort_job_spec_t *spec, uint64_t bytes, cohort_error_t *err)
{
    spec->mem = bytes;
    return 0;
}

int cohort_job_spec_set_time_limit(cohort_job_spec_t *spec, uint32_t seconds, cohort_error_t *err)
{
    spec->time_limit = seconds;
    return 0;
}

int cohort_job_spec_set_priority(cohort_job_spec_t *spec, int32_t priority, cohort_error_t *err)
{
    spec->priority = priority;
    return 0;
}

int cohort_job_spec_set_retries(cohort_job_spec_t *spec, uint32_t retries, cohort_error_t *err)
{
    spec->retries = retries;
    return 0;
}

int cohort_job_spec_set_stdin(cohort_job_spec_t *spec, const void *data, size_t len,
                              cohort_error_t *err)
{
    uint8_t *copy = NULL;

    if (len > PROTO_MAX_STDIN)
        return cohort__error(err, COHORT_ETOOBIG, "the job's stdin is %zu bytes; the cap is %u",
                             len, PROTO_MAX_STDIN);
    if (len && !data)
        return cohort__error(err, COHORT_EINVAL, "the job's stdin bytes are NULL");
    if (len && !(copy = malloc(len)))
        return cohort__error(err, COHORT_ENOMEM, "out of memory for the job's stdin");
    if (len)
        memcpy(copy, data, len);
    free(spec->stdin_data);
    spec->stdin_data = copy;
    spec->stdin_len = (uint32_t)len;
    return 0;
}

int cohort_job_spec_add_env(cohort_job_spec_t *spec, const char *key_value, cohort_error_t *err)
{
    char *copy = NULL;
    int rc;

    if (!key_value || parse_key_value(key_value) < 0)
        return cohort__error(err, COHORT_EINVAL, "invalid environment entry '%s' (use KEY=VALUE)",
                             key_value ? key_value : "(null)");
    if (spec->envc == PROTO_MAX_ENV)
        return cohort__error(err, COHORT_ETOOBIG,
                             "the job has %u environment entries; the cap is %u", spec->envc + 1,
                             PROTO_MAX_ENV);
    if (spec->envc == spec->env_slots) {
        uint32_t slots = spec->env_slots ? spec->env_slots * 2 : 8;
        char **grown;
        if (slots > PROTO_MAX_ENV)
            slots = PROTO_MAX_ENV;
        if (!(grown = realloc(spec->env, slots * sizeof *grown)))
            return cohort__error(err, COHORT_ENOMEM, "out of memory for the job's environment");
        spec->env = grown;
        spec->env_slots = slots;
    }
    if ((rc = string_copy(&copy, key_value, "environment entry", err)) < 0)
        return rc;
    spec->env[spec->envc++] = copy;
    return 0;
}

int cohort_job_spec_set_array(cohort_job_spec_t *spec, uint32_t first, uint32_t last,
                              cohort_error_t *err)
{
    if (first > last)
        return cohort__error(err, COHORT_EINVAL, "array range %u-%u is empty", first, last);
    if ((uint64_t)last - first + 1 > PROTO_MAX_ARRAY)
        return cohort__error(err, COHORT_ETOOBIG,
                             "array range %u-%u holds %llu jobs; the cap is %u", first, last,
                             (unsigned long long)last - first + 1, PROTO_MAX_ARRAY);
    spec->is_array = true;
    spec->array_first = first;
    spec->array_last = last;
    return 0;
}

int cohort_job_spec_clear_array(cohort_job_spec_t *spec, cohort_error_t *err)
{
    spec->is_array = false;
    spec->array_first = spec->array_last = 0;
    return 0;
}

int cohort__job_spec_view(struct job_spec *out, const cohort_job_spec_t *spec, const char *user,
                          cohort_error_t *err)
{
    if (spec->argc == 0)
        return cohort__error(err, COHORT_EINVAL, "the job has no command to run");
    *out = (struct job_spec){
        .name = spec->name ? spec->name : "",
        .user = user,
        .cpus = spec->cpus,
        .mem = spec->mem,
        .time_limit = spec->time_limit,
        .priority = spec->priority,
        .retries = spec->retries,
        .cwd = spec->cwd ? spec->cwd : "",
        .stdin_data = spec->stdin_data,
        .stdin_len = spec->stdin_len,
        .argc = spec->argc,
        .argv = (const char **)spec->argv,
        .envc = spec->envc,
        .env = (const char **)spec->env,
        .is_array = spec->is_array,
        .array_first = spec->array_first,
        .array_last = spec->array_last,
    };
    return 0;
}

uint32_t cohort__job_spec_count(const cohort_job_spec_t *spec)
{
    return spec->is_array ? spec->array_last - spec->array_first + 1 : 1;
}
