/* identity.h — who sent a message: the role and name the ZAP handler gave its key. */
#ifndef COHORT_SCHED_IDENTITY_H
#define COHORT_SCHED_IDENTITY_H

#define IDENTITY_MAX_NAME 255 /* bytes of a name, without the NUL */

/* What a key may do (the allow-list's ROLE column). */
enum role {
    ROLE_WORKER = 1, /* registers and runs jobs as a worker */
    ROLE_USER = 2,   /* submits jobs and acts on its own ones */
    ROLE_ADMIN = 3,  /* anything: any job, any worker, drain and resume */
};

/* The sender of a message. */
struct identity {
    enum role role;
    char name[IDENTITY_MAX_NAME + 1]; /* user: owner of its jobs; worker: the worker name it
                                         may register as, or "*" for any; "" when insecure */
};

/* Fill *out from user_id, the ZAP User-Id "ROLE:NAME" of the sender's connection (ROLE is
 * worker, user or admin; NAME is 1 to IDENTITY_MAX_NAME bytes without control
 * characters). NULL (an insecure socket: anyone may do anything) gives ROLE_ADMIN with an
 * empty name. Returns 0, or COHORT_EINVAL for anything else (then *out is zeroed). */
int identity_parse(const char *user_id, struct identity *out);

/* The role as the allow-list spells it ("worker", "user", "admin"); "unknown" otherwise. */
const char *role_name(enum role role);

#endif
