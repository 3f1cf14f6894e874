/* identity.c — read the ZAP User-Id of a message's sender into a role and a name. */
#include "identity.h"

#include <stdbool.h>
#include <string.h>

#include "cohort.h"

static const char *const role_names[] = {
    [ROLE_WORKER] = "worker",
    [ROLE_USER] = "user",
    [ROLE_ADMIN] = "admin",
};

const char *role_name(enum role role)
{
    if ((unsigned)role < sizeof role_names / sizeof role_names[0] && role_names[role])
        return role_names[role];
    return "unknown";
}

/* The role spelled by the len bytes at text, or 0. */
static enum role role_from_text(const char *text, size_t len)
{
    for (unsigned r = ROLE_WORKER; r <= ROLE_ADMIN; r++)
        if (strlen(role_names[r]) == len && memcmp(role_names[r], text, len) == 0)
            return (enum role)r;
    return 0;
}

static bool valid_name(const char *name)
{
    size_t len = strlen(name);

    if (len == 0 || len > IDENTITY_MAX_NAME)
        return false;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
            return false;
    return true;
}

int identity_parse(const char *user_id, struct identity *out)
{
    const char *colon;

    memset(out, 0, sizeof(*out));
    if (!user_id) {
        out->role = ROLE_ADMIN;
        return 0;
    }
    if (!(colon = strchr(user_id, ':')) || !valid_name(colon + 1))
        return COHORT_EINVAL;
    enum role role = role_from_text(user_id, (size_t)(colon - user_id));
    if (!role)
        return COHORT_EINVAL;
    out->role = role;
    strcpy(out->name, colon + 1);
    return 0;
}
