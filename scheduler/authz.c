/* authz.c — who may do what: the role table of messages, job ownership, worker names. */
#include "authz.h"

#include <stdio.h>
#include <string.h>

#include "proto.h"

#define MAY(role) (1u << (role))
#define USERS (MAY(ROLE_USER) | MAY(ROLE_ADMIN))
#define WORKERS (MAY(ROLE_WORKER) | MAY(ROLE_ADMIN))
#define ADMINS MAY(ROLE_ADMIN)

/* What each message needs; a type without a rule is accepted from nobody. */
static const struct rule {
    unsigned roles;     /* MAY(role) for each role allowed to send it */
    const char *action; /* what it asks, to end "worker keys cannot ..." */
} rules[] = {
    [MSG_SUBMIT] = {USERS, "submit jobs"},
    [MSG_JOBS] = {USERS, "list jobs"},
    [MSG_SHOW] = {USERS, "show jobs"},
    [MSG_LOGS] = {USERS, "read the output of jobs"},
    [MSG_CANCEL] = {USERS, "cancel jobs"},
    [MSG_WAIT] = {USERS, "wait for jobs"},
    [MSG_WORKERS] = {USERS, "list workers"},
    [MSG_STATUS] = {USERS, "read the status of the pool"},
    [MSG_DRAIN] = {ADMINS, "drain workers"},
    [MSG_RESUME] = {ADMINS, "resume workers"},
    [MSG_BACKUP] = {ADMINS, "back up the scheduler's database"},
    [MSG_REGISTER] = {WORKERS, "act as workers"},
    [MSG_HEARTBEAT] = {WORKERS, "act as workers"},
    [MSG_JOB_STARTED] = {WORKERS, "act as workers"},
    [MSG_JOB_RESULT] = {WORKERS, "act as workers"},
    [MSG_GOODBYE] = {WORKERS, "act as workers"},
    [MSG_LEAVING] = {WORKERS, "act as workers"},
};

bool authz_may_send(const struct identity *caller, uint8_t type, char *why, size_t why_len)
{
    const struct rule *rule = type < sizeof rules / sizeof rules[0] ? &rules[type] : NULL;

    if (!rule || !rule->roles) {
        snprintf(why, why_len, "the scheduler accepts no %s messages", msg_type_name(type));
        return false;
    }
    if (rule->roles & MAY(caller->role))
        return true;
    if (rule->roles == ADMINS)
        snprintf(why, why_len, "only an admin may %s", rule->action);
    else
        snprintf(why, why_len, "%s keys cannot %s", role_name(caller->role), rule->action);
    return false;
}

bool authz_checks_owner(const struct identity *caller)
{
    return caller->role != ROLE_ADMIN;
}

bool authz_may_act_on_job(const struct identity *caller, uint64_t job_id, const char *owner,
                          const char *action, char *why, size_t why_len)
{
    if (!authz_checks_owner(caller) || (owner[0] && strcmp(owner, caller->name) == 0))
        return true;
    if (owner[0])
        snprintf(why, why_len, "job %llu belongs to %s: only %s or an admin may %s",
                 (unsigned long long)job_id, owner, owner, action);
    else
        snprintf(why, why_len,
                 "job %llu belongs to another user: only its owner or an admin may %s",
                 (unsigned long long)job_id, action);
    return false;
}

bool authz_may_register_as(const struct identity *caller, const char *name, char *why,
                           size_t why_len)
{
    if (caller->role == ROLE_ADMIN ||
        (caller->role == ROLE_WORKER &&
         (strcmp(caller->name, "*") == 0 || strcmp(caller->name, name) == 0)))
        return true;
    if (caller->role == ROLE_WORKER)
        snprintf(why, why_len, "this worker key may register only as %s, not as %s", caller->name,
                 name);
    else
        snprintf(why, why_len, "%s keys cannot act as workers", role_name(caller->role));
    return false;
}

const char *authz_job_owner(const struct identity *caller, const char *claimed)
{
    return caller->name[0] ? caller->name : claimed;
}
