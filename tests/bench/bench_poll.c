/* bench_poll.c — list jobs in a tight loop (as `cohort jobs` does by default) until stopped,
 * then print how many queries were answered and how long they took. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "bench_util.h"
#include "cohort.h"

#define POLL_TIMEOUT_MS 60000
#define MAX_SECONDS 86400ul

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

int main(int argc, char **argv)
{
    unsigned long seconds;
    cohort_client_t *client = NULL;
    cohort_error_t err = {0};
    unsigned long queries = 0, rows = 0;
    double started, slowest = 0;
    int status = EXIT_FAILURE;

    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: bench_poll ENDPOINT [SECONDS]   (polls until SIGTERM or SECONDS, "
                        "default 600)\n");
        return 2;
    }
    if (!(seconds = bench_count_arg(argc, argv, 2, 600, MAX_SECONDS, "bench_poll")))
        return 2;
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    if (cohort_client_connect(&client, argv[1], POLL_TIMEOUT_MS, &err) < 0)
        goto done;
    started = bench_seconds_now();
    while (!stop_requested && bench_seconds_now() - started < (double)seconds) {
        cohort_job_list_t *page = NULL;
        double asked = bench_seconds_now();
        /* the default listing: pending and running jobs, as many as one reply holds */
        if (cohort_jobs_list(&page, client, 0, 0, 0, &err) < 0) {
            if (!stop_requested)
                goto done;
            err.code = 0; /* interrupted by the stop itself */
            break;
        }
        double took = bench_seconds_now() - asked;
        slowest = took > slowest ? took : slowest;
        rows += cohort_job_list_count(page);
        queries++;
        cohort_job_list_free(page);
    }
    double elapsed = bench_seconds_now() - started;
    printf("poll_queries queries=%lu rows_per_query=%.0f queries_per_s=%.1f slowest_ms=%.1f\n",
           queries, queries ? (double)rows / queries : 0.0, queries / elapsed, slowest * 1e3);
    status = EXIT_SUCCESS;
done:
    if (err.code)
        fprintf(stderr, "bench_poll: %s\n", err.message);
    cohort_client_close(client);
    return status;
}
