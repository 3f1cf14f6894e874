/* backup.c — asking the scheduler for a consistent copy of its database. */
#include <stdlib.h>
#include <string.h>

#include "client_internal.h"

#define BACKUP_REPLY_MS (2 * 60 * 1000) /* a million jobs copy in about 1.3 s */

int cohort_backup(char **path_out, uint64_t *bytes_out, cohort_client_t *client,
                  cohort_error_t *err)
{
    struct msg req = {.type = MSG_BACKUP};
    struct msg *reply = NULL;
    char *path;
    int rc;

    if ((rc = cohort__call(&reply, client, &req, BACKUP_REPLY_MS, err)) < 0 ||
        (rc = cohort__reply_status(reply, err)) < 0)
        return rc;
    if (!(path = strdup(reply->u.reply.u.backup.path))) {
        msg_free(reply);
        return cohort__error(err, COHORT_ENOMEM, "out of memory");
    }
    if (path_out)
        *path_out = path;
    else
        free(path);
    if (bytes_out)
        *bytes_out = reply->u.reply.u.backup.bytes;
    msg_free(reply);
    return 0;
}
