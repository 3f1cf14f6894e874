/* proto_names.c — names of message types, job states and worker states. */
#include <string.h>

#include "proto.h"

static const char *const msg_type_names[] = {
    [MSG_SUBMIT] = "submit",
    [MSG_JOBS] = "jobs",
    [MSG_SHOW] = "show",
    [MSG_LOGS] = "logs",
    [MSG_CANCEL] = "cancel",
    [MSG_WAIT] = "wait",
    [MSG_WORKERS] = "workers",
    [MSG_STATUS] = "status",
    [MSG_DRAIN] = "drain",
    [MSG_RESUME] = "resume",
    [MSG_BACKUP] = "backup",
    [MSG_REPLY] = "reply",
    [MSG_REGISTER] = "register",
    [MSG_HEARTBEAT] = "heartbeat",
    [MSG_JOB_STARTED] = "job_started",
    [MSG_JOB_RESULT] = "job_result",
    [MSG_GOODBYE] = "goodbye",
    [MSG_LEAVING] = "leaving",
    [MSG_WELCOME] = "welcome",
    [MSG_RUN] = "run",
    [MSG_KILL] = "kill",
    [MSG_RESULT_ACK] = "result_ack",
    [MSG_REREGISTER] = "reregister",
    [MSG_TAKE_BACK] = "take_back",
};

/* In cohort_job_state_t order; these are also the names users type and see. */
static const char *const job_state_names[COHORT_JOB_STATE_COUNT] = {
    "pending", "running", "completed", "failed", "cancelled", "timeout",
};

static const char *const worker_state_names[] = {"up", "draining", "down"};

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

/* names[index], or "unknown" when index is out of range or has no name. */
static const char *lookup(const char *const *names, size_t count, int index)
{
    if (index < 0 || (size_t)index >= count || !names[index])
        return "unknown";
    return names[index];
}

const char *msg_type_name(int type)
{
    return lookup(msg_type_names, COUNT_OF(msg_type_names), type);
}

const char *job_state_name(int state)
{
    return lookup(job_state_names, COUNT_OF(job_state_names), state);
}

const char *worker_state_name(int state)
{
    return lookup(worker_state_names, COUNT_OF(worker_state_names), state);
}

int job_state_parse(const char *name)
{
    for (int state = 0; state < COHORT_JOB_STATE_COUNT; state++)
        if (name && strcmp(name, job_state_names[state]) == 0)
            return state;
    return -1;
}
