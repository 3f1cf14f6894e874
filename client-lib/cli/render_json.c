/* render_json.c — jobs, workers and the pool's status as JSON (field names per DESIGN.md). */
#include "cli.h"
#include "json.h"

/* A time as an RFC 3339 UTC string, or null when it has not happened (0). */
static void json_time(struct json *json, int64_t ms)
{
    char text[40];

    if (ms <= 0)
        json_null(json);
    else
        json_string(json, cohort_format_time(text, sizeof text, ms));
}

/* An integer field that is null when it holds its "none" value. */
static void json_int_or_null(struct json *json, int64_t value, int64_t none)
{
    if (value == none)
        json_null(json);
    else
        json_int(json, value);
}

static void render_attempt_json(struct json *json, const cohort_attempt_t *attempt)
{
    json_object_begin(json);
    json_key(json, "attempt");
    json_uint(json, cohort_attempt_number(attempt));
    json_key(json, "worker");
    json_string(json, cohort_attempt_worker(attempt));
    json_key(json, "state");
    json_string(json, cohort_job_state_name(cohort_attempt_state(attempt)));
    json_key(json, "exit_code");
    json_int_or_null(json, cohort_attempt_exit_code(attempt), -1);
    json_key(json, "signal");
    json_int_or_null(json, cohort_attempt_signal(attempt), 0);
    json_key(json, "reason");
    json_string(json, cohort_attempt_reason(attempt));
    json_key(json, "started_at");
    json_time(json, cohort_attempt_started_at(attempt));
    json_key(json, "finished_at");
    json_time(json, cohort_attempt_finished_at(attempt));
    json_key(json, "cpu_time_ms");
    json_uint(json, cohort_attempt_cpu_time_ms(attempt));
    json_object_end(json);
}

/* The fields `show` adds to a job. */
static void render_job_details_json(struct json *json, const cohort_job_t *job)
{
    json_key(json, "time_limit");
    json_uint(json, cohort_job_time_limit(job));
    json_key(json, "retries");
    json_uint(json, cohort_job_retries(job));
    json_key(json, "cwd");
    json_string(json, cohort_job_cwd(job));
    json_key(json, "env");
    json_array_begin(json);
    for (size_t i = 0; i < cohort_job_envc(job); i++)
        json_string(json, cohort_job_env(job, i));
    json_array_end(json);
    json_key(json, "cpu_time_ms");
    json_uint(json, cohort_job_cpu_time_ms(job));
    json_key(json, "history");
    json_array_begin(json);
    for (size_t i = 0; i < cohort_job_history_count(job); i++)
        render_attempt_json(json, cohort_job_history_item(job, i));
    json_array_end(json);
}

void render_job_json(struct json *json, const cohort_job_t *job, bool full)
{
    const char *worker = cohort_job_worker(job);

    json_object_begin(json);
    json_key(json, "id");
    json_uint(json, cohort_job_id(job));
    json_key(json, "name");
    json_string(json, cohort_job_name(job));
    json_key(json, "user");
    json_string(json, cohort_job_user(job));
    json_key(json, "state");
    json_string(json, cohort_job_state_name(cohort_job_state(job)));
    json_key(json, "exit_code");
    json_int_or_null(json, cohort_job_exit_code(job), -1);
    json_key(json, "signal");
    json_int_or_null(json, cohort_job_signal(job), 0);
    json_key(json, "reason");
    json_string(json, cohort_job_reason(job));
    json_key(json, "cpus");
    json_uint(json, cohort_job_cpus(job));
    json_key(json, "mem");
    json_uint(json, cohort_job_mem(job));
    json_key(json, "priority");
    json_int(json, cohort_job_priority(job));
    json_key(json, "worker");
    json_string(json, *worker ? worker : NULL);
    json_key(json, "attempts");
    json_uint(json, cohort_job_attempts(job));
    json_key(json, "array_index");
    json_int_or_null(json, cohort_job_array_index(job), -1);
    json_key(json, "submitted_at");
    json_time(json, cohort_job_submitted_at(job));
    json_key(json, "started_at");
    json_time(json, cohort_job_started_at(job));
    json_key(json, "finished_at");
    json_time(json, cohort_job_finished_at(job));
    json_key(json, "command");
    json_array_begin(json);
    for (size_t i = 0; i < cohort_job_argc(job); i++)
        json_string(json, cohort_job_arg(job, i));
    json_array_end(json);
    if (full)
        render_job_details_json(json, job);
    json_object_end(json);
}

void render_worker_json(struct json *json, const cohort_worker_t *worker)
{
    json_object_begin(json);
    json_key(json, "name");
    json_string(json, cohort_worker_name(worker));
    json_key(json, "state");
    json_string(json, cohort_worker_state_name(cohort_worker_state(worker)));
    json_key(json, "cpus");
    json_uint(json, cohort_worker_cpus(worker));
    json_key(json, "cpus_used");
    json_uint(json, cohort_worker_cpus_used(worker));
    json_key(json, "mem");
    json_uint(json, cohort_worker_mem(worker));
    json_key(json, "mem_used");
    json_uint(json, cohort_worker_mem_used(worker));
    json_key(json, "running");
    json_uint(json, cohort_worker_running(worker));
    json_key(json, "labels");
    json_object_begin(json);
    for (size_t i = 0; i < cohort_worker_label_count(worker); i++) {
        json_key(json, cohort_worker_label_key(worker, i));
        json_string(json, cohort_worker_label_value(worker, i));
    }
    json_object_end(json);
    json_key(json, "last_seen");
    json_time(json, cohort_worker_last_seen(worker));
    json_object_end(json);
}

/* {"total": t, "used": u} */
static void render_usage_json(struct json *json, const char *key, uint64_t total, uint64_t used)
{
    json_key(json, key);
    json_object_begin(json);
    json_key(json, "total");
    json_uint(json, total);
    json_key(json, "used");
    json_uint(json, used);
    json_object_end(json);
}

void render_status_json(struct json *json, const cohort_status_t *status)
{
    json_object_begin(json);
    json_key(json, "workers");
    json_object_begin(json);
    json_key(json, "total");
    json_uint(json, status->workers_total);
    json_key(json, "up");
    json_uint(json, status->workers_up);
    json_key(json, "draining");
    json_uint(json, status->workers_draining);
    json_key(json, "down");
    json_uint(json, status->workers_down);
    json_object_end(json);
    render_usage_json(json, "cpus", status->cpus_total, status->cpus_used);
    render_usage_json(json, "mem", status->mem_total, status->mem_used);
    json_key(json, "jobs");
    json_object_begin(json);
    for (int state = 0; state < COHORT_JOB_STATE_COUNT; state++) {
        json_key(json, cohort_job_state_name(state));
        json_uint(json, status->jobs[state]);
    }
    json_object_end(json);
    json_key(json, "throughput_per_min");
    json_uint(json, status->finished_last_minute);
    json_object_end(json);
}
