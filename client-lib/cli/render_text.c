/* render_text.c — jobs, workers and the pool's status as aligned text for people. */
#include <inttypes.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "table.h"

/* A time in local time ("2026-11-26 11:02:45"), or "-" when it has not happened. */
static const char *local_time_text(char *out, size_t out_len, int64_t ms)
{
    time_t seconds = (time_t)(ms / 1000);
    struct tm local;

    if (ms <= 0 || !localtime_r(&seconds, &local) ||
        strftime(out, out_len, "%Y-%m-%d %H:%M:%S", &local) == 0)
        snprintf(out, out_len, "-");
    return out;
}

/* A span of time, short: "12s", "3m05s", "1h02m", "2d01h". */
static const char *span_text(char *out, size_t out_len, int64_t ms)
{
    int64_t s = ms < 0 ? 0 : ms / 1000;

    if (s < 60)
        snprintf(out, out_len, "%" PRId64 "s", s);
    else if (s < 3600)
        snprintf(out, out_len, "%" PRId64 "m%02" PRId64 "s", s / 60, s % 60);
    else if (s < 86400)
        snprintf(out, out_len, "%" PRId64 "h%02" PRId64 "m", s / 3600, s / 60 % 60);
    else
        snprintf(out, out_len, "%" PRId64 "d%02" PRId64 "h", s / 86400, s / 3600 % 24);
    return out;
}

/* "3s ago", or "never" when it has not happened. */
static const char *ago_text(char *out, size_t out_len, int64_t ms, int64_t now_ms)
{
    char span[32];

    if (ms <= 0)
        snprintf(out, out_len, "never");
    else
        snprintf(out, out_len, "%s ago", span_text(span, sizeof span, now_ms - ms));
    return out;
}

/* How long a job has run (until now when still running), or "-" when it never started. */
static const char *run_time_text(char *out, size_t out_len, const cohort_job_t *job, int64_t now_ms)
{
    int64_t started = cohort_job_started_at(job), finished = cohort_job_finished_at(job);

    if (started <= 0)
        return strcpy(out, "-");
    return span_text(out, out_len, (finished > 0 ? finished : now_ms) - started);
}

/* A size for people, or "-" for none (0). */
static const char *size_text(char *out, size_t out_len, uint64_t bytes)
{
    return bytes ? cohort_format_size(out, out_len, bytes) : strcpy(out, "-");
}

static const char *or_dash(const char *text)
{
    return text && *text ? text : "-";
}

struct table *render_jobs_table_new(void)
{
    static const char *const headers[] = {"ID",  "NAME",   "USER", "STATE", "CPUS",
                                          "MEM", "WORKER", "TIME", "REASON"};
    return table_new(sizeof headers / sizeof headers[0], headers);
}

int render_jobs_table_add(struct table *table, const cohort_job_t *job, int64_t now_ms)
{
    char id[24], cpus[16], mem[16], run_time[32];

    snprintf(id, sizeof id, "%" PRIu64, cohort_job_id(job));
    snprintf(cpus, sizeof cpus, "%" PRIu32, cohort_job_cpus(job));
    const char *cells[] = {id,
                           or_dash(cohort_job_name(job)),
                           cohort_job_user(job),
                           cohort_job_state_name(cohort_job_state(job)),
                           cpus,
                           size_text(mem, sizeof mem, cohort_job_mem(job)),
                           or_dash(cohort_job_worker(job)),
                           run_time_text(run_time, sizeof run_time, job, now_ms),
                           cohort_job_reason(job)};
    return table_add_row(table, cells);
}

/* Write s so that a shell would read it back as one word; control characters become '?'. */
static void print_shell_word(FILE *out, const char *s)
{
    bool plain = *s != '\0';

    for (const char *p = s; *p && plain; p++)
        plain = strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                       "@%+=:,./-_",
                       *p) != NULL;
    if (plain) {
        fputs(s, out);
        return;
    }
    fputc('\'', out);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '\'')
            fputs("'\\''", out);
        else
            fputc(*p < 0x20 || *p == 0x7F ? '?' : *p, out);
    }
    fputc('\'', out);
}

/* One "label  value" line of `show`, the value cleaned of control characters. */
static void print_field(FILE *out, const char *label, const char *value)
{
    fprintf(out, "%-12s ", label);
    for (const unsigned char *p = (const unsigned char *)value; *p; p++)
        fputc(*p < 0x20 || *p == 0x7F ? '?' : *p, out);
    fputc('\n', out);
}

/* An integer field of `show`, or "-" when it holds its "none" value. */
static void print_number_field(FILE *out, const char *label, int64_t value, int64_t none)
{
    char text[24];

    if (value == none)
        snprintf(text, sizeof text, "-");
    else
        snprintf(text, sizeof text, "%" PRId64, value);
    print_field(out, label, text);
}

/* The attempts of a job as a table under its fields. */
static void print_history(FILE *out, const cohort_job_t *job)
{
    static const char *const headers[] = {"ATTEMPT", "WORKER",   "STATE", "EXIT",  "SIGNAL",
                                          "STARTED", "FINISHED", "CPU",   "REASON"};
    struct table *table = table_new(sizeof headers / sizeof headers[0], headers);

    for (size_t i = 0; table && i < cohort_job_history_count(job); i++) {
        const cohort_attempt_t *attempt = cohort_job_history_item(job, i);
        char number[16], exit_code[16], signal[16], started[32], finished[32], cpu[32];
        snprintf(number, sizeof number, "%" PRIu32, cohort_attempt_number(attempt));
        snprintf(exit_code, sizeof exit_code, "%d", cohort_attempt_exit_code(attempt));
        snprintf(signal, sizeof signal, "%d", cohort_attempt_signal(attempt));
        const char *cells[] = {
            number,
            or_dash(cohort_attempt_worker(attempt)),
            cohort_job_state_name(cohort_attempt_state(attempt)),
            cohort_attempt_exit_code(attempt) < 0 ? "-" : exit_code,
            cohort_attempt_signal(attempt) == 0 ? "-" : signal,
            local_time_text(started, sizeof started, cohort_attempt_started_at(attempt)),
            local_time_text(finished, sizeof finished, cohort_attempt_finished_at(attempt)),
            span_text(cpu, sizeof cpu, (int64_t)cohort_attempt_cpu_time_ms(attempt)),
            cohort_attempt_reason(attempt)};
        if (table_add_row(table, cells) < 0)
            break;
    }
    if (table && table_rows(table) > 0) {
        fputc('\n', out);
        table_print(table, out);
    }
    table_free(table);
}

void render_job_text(FILE *out, const cohort_job_t *job, int64_t now_ms)
{
    char text[64];

    print_number_field(out, "id", (int64_t)cohort_job_id(job), -1);
    print_field(out, "name", or_dash(cohort_job_name(job)));
    print_field(out, "user", cohort_job_user(job));
    print_field(out, "state", cohort_job_state_name(cohort_job_state(job)));
    print_field(out, "reason", or_dash(cohort_job_reason(job)));
    print_number_field(out, "exit code", cohort_job_exit_code(job), -1);
    print_number_field(out, "signal", cohort_job_signal(job), 0);
    fprintf(out, "%-12s ", "command");
    for (size_t i = 0; i < cohort_job_argc(job); i++) {
        if (i > 0)
            fputc(' ', out);
        print_shell_word(out, cohort_job_arg(job, i));
    }
    fputc('\n', out);
    print_field(out, "cwd", *cohort_job_cwd(job) ? cohort_job_cwd(job) : "(job directory)");
    for (size_t i = 0; i < cohort_job_envc(job); i++)
        print_field(out, "env", cohort_job_env(job, i));
    print_number_field(out, "cpus", cohort_job_cpus(job), -1);
    print_field(out, "mem", size_text(text, sizeof text, cohort_job_mem(job)));
    print_field(out, "time limit",
                cohort_job_time_limit(job)
                    ? span_text(text, sizeof text, cohort_job_time_limit(job) * 1000LL)
                    : "-");
    print_number_field(out, "priority", cohort_job_priority(job), INT64_MIN);
    print_number_field(out, "retries", cohort_job_retries(job), -1);
    print_number_field(out, "array index", cohort_job_array_index(job), -1);
    print_field(out, "worker", or_dash(cohort_job_worker(job)));
    print_number_field(out, "attempts", cohort_job_attempts(job), -1);
    print_field(out, "submitted", local_time_text(text, sizeof text, cohort_job_submitted_at(job)));
    print_field(out, "started", local_time_text(text, sizeof text, cohort_job_started_at(job)));
    print_field(out, "finished", local_time_text(text, sizeof text, cohort_job_finished_at(job)));
    print_field(out, "run time", run_time_text(text, sizeof text, job, now_ms));
    print_field(out, "cpu time",
                span_text(text, sizeof text, (int64_t)cohort_job_cpu_time_ms(job)));
    print_history(out, job);
}

/* The labels of a worker as "key=value,key=value", cut to fit out. */
static const char *labels_text(char *out, size_t out_len, const cohort_worker_t *worker)
{
    size_t used = 0;

    out[0] = '\0';
    for (size_t i = 0; i < cohort_worker_label_count(worker) && used < out_len; i++) {
        int n = snprintf(out + used, out_len - used, "%s%s=%s", i ? "," : "",
                         cohort_worker_label_key(worker, i), cohort_worker_label_value(worker, i));
        if (n < 0)
            break;
        used += (size_t)n;
    }
    return or_dash(out);
}

int render_workers_text(FILE *out, const cohort_worker_list_t *workers, int64_t now_ms)
{
    static const char *const headers[] = {"NAME",    "STATE",     "CPUS",  "MEM",
                                          "RUNNING", "LAST SEEN", "LABELS"};
    struct table *table = table_new(sizeof headers / sizeof headers[0], headers);
    int rc = table ? 0 : COHORT_ENOMEM;

    for (size_t i = 0; rc == 0 && i < cohort_worker_list_count(workers); i++) {
        const cohort_worker_t *worker = cohort_worker_list_item(workers, i);
        char cpus[32], mem[48], used[16], total[16], running[16], seen[48], labels[512];
        snprintf(cpus, sizeof cpus, "%" PRIu32 "/%" PRIu32, cohort_worker_cpus_used(worker),
                 cohort_worker_cpus(worker));
        snprintf(mem, sizeof mem, "%s/%s",
                 cohort_format_size(used, sizeof used, cohort_worker_mem_used(worker)),
                 cohort_format_size(total, sizeof total, cohort_worker_mem(worker)));
        snprintf(running, sizeof running, "%" PRIu32, cohort_worker_running(worker));
        const char *cells[] = {cohort_worker_name(worker),
                               cohort_worker_state_name(cohort_worker_state(worker)),
                               cpus,
                               mem,
                               running,
                               ago_text(seen, sizeof seen, cohort_worker_last_seen(worker), now_ms),
                               labels_text(labels, sizeof labels, worker)};
        rc = table_add_row(table, cells);
    }
    if (rc == 0)
        table_print(table, out);
    table_free(table);
    return rc;
}

void render_status_text(FILE *out, const cohort_status_t *status)
{
    char used[16], total[16];

    fprintf(out,
            "%-9s %" PRIu32 " up, %" PRIu32 " draining, %" PRIu32 " down (%" PRIu32 " total)\n",
            "workers", status->workers_up, status->workers_draining, status->workers_down,
            status->workers_total);
    fprintf(out, "%-9s %" PRIu64 " used of %" PRIu64 "\n", "cpus", status->cpus_used,
            status->cpus_total);
    fprintf(out, "%-9s %s used of %s\n", "memory",
            cohort_format_size(used, sizeof used, status->mem_used),
            cohort_format_size(total, sizeof total, status->mem_total));
    fprintf(out, "%-9s", "jobs");
    for (int state = 0; state < COHORT_JOB_STATE_COUNT; state++)
        fprintf(out, "%s %" PRIu64 " %s", state ? "," : "", status->jobs[state],
                cohort_job_state_name(state));
    fprintf(out, "\n%-9s %" PRIu64 " in the last minute\n", "finished",
            status->finished_last_minute);
}
