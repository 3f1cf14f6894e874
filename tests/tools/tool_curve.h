/* tool_curve.h — test tools: set up a socket's CURVE keys from the environment, as libcohort does. */
#ifndef COHORT_TOOL_CURVE_H
#define COHORT_TOOL_CURVE_H

#include <stdio.h>

#include "curve_client.h"

/* Apply the keys named by $COHORT_SERVER_KEY / $COHORT_KEY_FILE / $COHORT_INSECURE (or the
 * default key files) to socket before it connects to endpoint. Returns 0, or -1 after
 * printing why, prefixed with the tool's name. */
static inline int tool_curve_setup(void *socket, const char *endpoint, const char *tool)
{
    struct curve_client_settings settings = {0};
    char err[512];

    curve_client_defaults(&settings);
    if (curve_client_setup(socket, endpoint, settings.key_file, settings.server_key,
                           settings.insecure, err, sizeof err) < 0) {
        fprintf(stderr, "%s: %s\n", tool, err);
        return -1;
    }
    return 0;
}

#endif
