/* header_check.c — cohort.h must compile alone as strict C99 (built with -pedantic -Werror). */
#include "cohort.h"

int cohort_header_check(void);

int cohort_header_check(void)
{
    cohort_error_t err = {0, {0}};
    cohort_status_t status = {0, 0, 0, 0, 0, 0, 0, 0, {0}, 0};
    return err.code + (int)status.workers_total + COHORT_JOB_STATE_COUNT;
}
