/* pool.c — the workers of the pool and its status as one resource. */
#include <stdlib.h>
#include <string.h>

#include "client_internal.h"

struct cohort_worker_list {
    struct msg *reply; /* owned: a WORKERS reply */
};

/* A cohort_worker_t is never defined: the public handle is a worker_info of the list's
 * reply, seen through an incomplete type so that callers cannot depend on its layout. */
static const struct worker_info *worker_info_of(const cohort_worker_t *worker)
{
    return (const struct worker_info *)(const void *)worker;
}

int cohort_workers_list(cohort_worker_list_t **out, cohort_client_t *client, cohort_error_t *err)
{
    struct msg req = {.type = MSG_WORKERS};
    struct cohort_worker_list *list = NULL;
    struct msg *reply = NULL;
    int rc;

    *out = NULL;
    if (!(list = calloc(1, sizeof *list)))
        return cohort__error(err, COHORT_ENOMEM, "out of memory for a worker list");
    if ((rc = cohort__request(&reply, client, &req, err)) < 0) {
        free(list);
        return rc;
    }
    list->reply = reply;
    *out = list;
    return 0;
}

size_t cohort_worker_list_count(const cohort_worker_list_t *list)
{
    return list->reply->u.reply.u.workers.n;
}

const cohort_worker_t *cohort_worker_list_item(const cohort_worker_list_t *list, size_t i)
{
    if (i >= list->reply->u.reply.u.workers.n)
        return NULL;
    return (const cohort_worker_t *)(const void *)&list->reply->u.reply.u.workers.workers[i];
}

void cohort_worker_list_free(cohort_worker_list_t *list)
{
    if (!list)
        return;
    msg_free(list->reply);
    free(list);
}

const char *cohort_worker_name(const cohort_worker_t *worker)
{
    return worker_info_of(worker)->name;
}

cohort_worker_state_t cohort_worker_state(const cohort_worker_t *worker)
{
    return (cohort_worker_state_t)worker_info_of(worker)->state;
}

uint32_t cohort_worker_cpus(const cohort_worker_t *worker)
{
    return worker_info_of(worker)->cpus;
}

uint32_t cohort_worker_cpus_used(const cohort_worker_t *worker)
{
    return worker_info_of(worker)->cpus_used;
}

uint64_t cohort_worker_mem(const cohort_worker_t *worker)
{
    return worker_info_of(worker)->mem;
}

uint64_t cohort_worker_mem_used(const cohort_worker_t *worker)
{
    return worker_info_of(worker)->mem_used;
}

uint32_t cohort_worker_running(const cohort_worker_t *worker)
{
    return worker_info_of(worker)->running;
}

int64_t cohort_worker_last_seen(const cohort_worker_t *worker)
{
    return worker_info_of(worker)->last_seen;
}

size_t cohort_worker_label_count(const cohort_worker_t *worker)
{
    return worker_info_of(worker)->n_labels;
}

const char *cohort_worker_label_key(const cohort_worker_t *worker, size_t i)
{
    const struct worker_info *info = worker_info_of(worker);
    return i < info->n_labels ? info->labels[i].key : NULL;
}

const char *cohort_worker_label_value(const cohort_worker_t *worker, size_t i)
{
    const struct worker_info *info = worker_info_of(worker);
    return i < info->n_labels ? info->labels[i].value : NULL;
}

int cohort_status_get(cohort_status_t *out, cohort_client_t *client, cohort_error_t *err)
{
    struct msg req = {.type = MSG_STATUS};
    struct msg *reply = NULL;
    const struct status_info *status;
    int rc;

    if ((rc = cohort__request(&reply, client, &req, err)) < 0)
        return rc;
    status = &reply->u.reply.u.status;
    *out = (cohort_status_t){
        .workers_total = status->workers_total,
        .workers_up = status->workers_up,
        .workers_draining = status->workers_draining,
        .workers_down = status->workers_down,
        .cpus_total = status->cpus_total,
        .cpus_used = status->cpus_used,
        .mem_total = status->mem_total,
        .mem_used = status->mem_used,
        .finished_last_minute = status->finished_last_minute,
    };
    memcpy(out->jobs, status->jobs, sizeof out->jobs);
    msg_free(reply);
    return 0;
}
