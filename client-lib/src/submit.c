/* submit.c — sending job specs to the scheduler under a key, resent until they are answered. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "client_internal.h"
#include "clock.h"
#include "hex.h"

/* Time the scheduler may take to store one job, beyond the client's timeout: an array of
 * millions of jobs is inserted in one transaction. */
#define SUBMIT_US_PER_JOB 20
#define KEY_RANDOM_BYTES 16 /* a fresh key: 12 hex digits of time, this many random bytes */
#define KEY_LEN (12 + 2 * KEY_RANDOM_BYTES)
#define RETRY_FIRST_PAUSE_MS 100  /* pause before the first resend; doubles after each */
#define RETRY_LAST_PAUSE_MS 2000  /* ...up to this */
#define RETRY_SHORTEST_TRY_MS 100 /* no try starts with less time than this left */

/* Write a fresh key into out: the wall clock in ms (12 hex digits), then KEY_RANDOM_BYTES
 * from getrandom in hex. The clock first makes keys from one client grow, so the scheduler
 * files each new one next to the last (measured: half the cost of random keys); the random
 * bytes make it unique. Should getrandom fail, they come from the monotonic clock, the pid
 * and a counter, which still differ between any two calls on this machine. */
static void key_new(char out[KEY_LEN + 1])
{
    static unsigned counter;
    uint8_t bytes[KEY_RANDOM_BYTES];
    ssize_t got;

    while ((got = getrandom(bytes, sizeof bytes, 0)) < 0 && errno == EINTR)
        ;
    if (got != (ssize_t)sizeof bytes) {
        uint64_t mixed[2] = {(uint64_t)clock_mono_ms(), (uint64_t)getpid() << 32 | ++counter};
        memcpy(bytes, mixed, sizeof bytes);
    }
    hex_digits(out, (uint64_t)clock_now_ms(), 12);
    hex_bytes(out + 12, bytes, sizeof bytes);
}

/* A key a caller chose: 1 to COHORT_SUBMIT_KEY_MAX printable ASCII characters, no spaces. */
static bool submission_key_valid(const char *key)
{
    size_t len = key ? strlen(key) : 0;

    if (len == 0 || len > COHORT_SUBMIT_KEY_MAX)
        return false;
    for (size_t i = 0; i < len; i++)
        if (key[i] <= ' ' || key[i] > '~')
            return false;
    return true;
}

static void pause_ms(int ms)
{
    struct timespec left = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};

    while (nanosleep(&left, &left) < 0 && errno == EINTR)
        ;
}

/* Send a SUBMIT and wait for its answer; a try that gets none (COHORT_ETIMEDOUT, or
 * COHORT_ECONNECT) is followed by a pause and the same request again, on the fresh socket
 * cohort__call leaves behind, until the client's submit deadline. try_ms bounds one try.
 * Returns what cohort__call returns for the last try. */
static int submit_call(struct msg **reply_out, cohort_client_t *client, struct msg *req, int try_ms,
                       cohort_error_t *err)
{
    int64_t started = clock_mono_ms();
    int64_t deadline =
        started + (client->submit_total_ms > try_ms ? client->submit_total_ms : try_ms);
    int pause = RETRY_FIRST_PAUSE_MS, tries = 0, rc;
    char waited[32];

    for (;;) {
        int64_t left = deadline - clock_mono_ms();
        int this_try = left < try_ms ? (int)left : try_ms;
        rc = cohort__call(reply_out, client, req, this_try > 0 ? this_try : 1, err);
        tries++;
        if (rc != COHORT_ETIMEDOUT && rc != COHORT_ECONNECT)
            return rc;
        if (deadline - clock_mono_ms() < pause + RETRY_SHORTEST_TRY_MS)
            break;
        pause_ms(pause);
        pause = pause * 2 < RETRY_LAST_PAUSE_MS ? pause * 2 : RETRY_LAST_PAUSE_MS;
    }
    if (tries > 1 && rc == COHORT_ETIMEDOUT) {
        cohort__format_seconds(waited, sizeof waited, (int)(clock_mono_ms() - started));
        cohort__error(err, rc, "no answer from the scheduler at %s within %s (sent %d times)",
                      client->endpoint, waited, tries);
    }
    return rc;
}

/* Check the ids of a successful reply against the specs and copy them out. */
static int submit_reply_take(uint64_t *first_ids_out, uint32_t *counts_out,
                             const struct msg_reply *reply, const cohort_job_spec_t *const *specs,
                             size_t n, cohort_error_t *err)
{
    if (reply->u.submit.n != n)
        return cohort__error(err, COHORT_EPROTO,
                             "the scheduler acknowledged %u job specs instead of %zu",
                             reply->u.submit.n, n);
    for (size_t i = 0; i < n; i++)
        if (reply->u.submit.counts[i] != cohort__job_spec_count(specs[i]))
            return cohort__error(err, COHORT_EPROTO,
                                 "the scheduler acknowledged %u jobs for spec %zu instead of %u",
                                 reply->u.submit.counts[i], i, cohort__job_spec_count(specs[i]));
    for (size_t i = 0; i < n; i++) {
        first_ids_out[i] = reply->u.submit.first_ids[i];
        counts_out[i] = reply->u.submit.counts[i];
    }
    return 0;
}

int cohort_submit_many_keyed(uint64_t *first_ids_out, uint32_t *counts_out, cohort_client_t *client,
                             const cohort_job_spec_t *const *specs, size_t n, const char *key,
                             cohort_error_t *err)
{
    struct job_spec *views = NULL;
    struct msg req = {.type = MSG_SUBMIT};
    struct msg *reply = NULL;
    uint64_t jobs_total = 0, try_ms;
    int rc = 0;

    if (n == 0 || !specs)
        return cohort__error(err, COHORT_EINVAL, "no job specs to submit");
    if (n > PROTO_MAX_SPECS)
        return cohort__error(err, COHORT_ETOOBIG,
                             "this submission has %zu job specs; the cap is %u", n,
                             PROTO_MAX_SPECS);
    if (!submission_key_valid(key))
        return cohort__error(err, COHORT_EINVAL,
                             "a submission key is 1 to %d printable characters without spaces",
                             COHORT_SUBMIT_KEY_MAX);
    if (!(views = calloc(n, sizeof *views)))
        return cohort__error(err, COHORT_ENOMEM, "out of memory for %zu job specs", n);
    for (size_t i = 0; i < n; i++) {
        if ((rc = cohort__job_spec_view(&views[i], specs[i], client->user, err)) < 0)
            goto done;
        jobs_total += cohort__job_spec_count(specs[i]);
    }
    req.u.submit = (struct msg_submit){.n_specs = (uint32_t)n, .specs = views, .idem_key = key};
    try_ms = (uint64_t)(client->submit_try_ms > 0 ? client->submit_try_ms : client->timeout_ms) +
             jobs_total * SUBMIT_US_PER_JOB / 1000;
    if (try_ms > INT32_MAX)
        try_ms = INT32_MAX;
    if ((rc = submit_call(&reply, client, &req, (int)try_ms, err)) < 0 ||
        (rc = cohort__reply_status(reply, err)) < 0) {
        reply = NULL;
        goto done;
    }
    rc = submit_reply_take(first_ids_out, counts_out, &reply->u.reply, specs, n, err);
done:
    msg_free(reply);
    free(views);
    return rc;
}

int cohort_submit_many(uint64_t *first_ids_out, uint32_t *counts_out, cohort_client_t *client,
                       const cohort_job_spec_t *const *specs, size_t n, cohort_error_t *err)
{
    char key[KEY_LEN + 1];

    key_new(key);
    return cohort_submit_many_keyed(first_ids_out, counts_out, client, specs, n, key, err);
}

int cohort_submit_array(uint64_t *first_id_out, uint32_t *count_out, cohort_client_t *client,
                        const cohort_job_spec_t *spec, cohort_error_t *err)
{
    return cohort_submit_many(first_id_out, count_out, client, &spec, 1, err);
}

int cohort_submit(uint64_t *id_out, cohort_client_t *client, const cohort_job_spec_t *spec,
                  cohort_error_t *err)
{
    uint32_t count;

    if (cohort__job_spec_count(spec) != 1)
        return cohort__error(err, COHORT_EINVAL,
                             "the spec is an array; submit it with cohort_submit_array");
    return cohort_submit_many(id_out, &count, client, &spec, 1, err);
}
