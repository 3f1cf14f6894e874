/* test_library.c — libcohort without a scheduler: specs, parsing, names, exit statuses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "client_internal.h"
#include "cli.h"
#include "proto.h"

static void test_spec_setters_refuse_bad_values_and_change_nothing(void **state)
{
    cohort_job_spec_t *spec = NULL;
    cohort_error_t err = {0};
    const char *command[] = {"echo", "hi"};
    const char *empty_command[] = {""};
    struct job_spec view;

    assert_int_equal(cohort_job_spec_new(&spec, &err), 0);
    assert_int_equal(cohort__job_spec_view(&view, spec, "alice", &err), COHORT_EINVAL);
    assert_int_equal(cohort_job_spec_set_command(spec, 2, command, &err), 0);

    assert_int_equal(cohort_job_spec_set_cpus(spec, 0, &err), COHORT_EINVAL);
    assert_int_equal(err.code, COHORT_EINVAL);
    assert_string_equal(err.message, "a job needs at least 1 cpu");
    assert_int_equal(cohort_job_spec_set_command(spec, 1, empty_command, &err), COHORT_EINVAL);
    assert_int_equal(cohort_job_spec_set_command(spec, 0, command, &err), COHORT_EINVAL);
    assert_int_equal(cohort_job_spec_add_env(spec, "=x", &err), COHORT_EINVAL);
    assert_int_equal(cohort_job_spec_add_env(spec, "NOEQUALS", &err), COHORT_EINVAL);
    assert_int_equal(cohort_job_spec_set_array(spec, 5, 4, &err), COHORT_EINVAL);
    assert_int_equal(cohort_job_spec_set_array(spec, 0, PROTO_MAX_ARRAY, &err), COHORT_ETOOBIG);
    assert_int_equal(cohort_job_spec_set_stdin(spec, "x", PROTO_MAX_STDIN + 1, &err),
                     COHORT_ETOOBIG);
    assert_string_equal(err.message, "the job's stdin is 4194305 bytes; the cap is 4194304");

    assert_int_equal(cohort__job_spec_view(&view, spec, "alice", &err), 0);
    assert_int_equal(view.cpus, 1);
    assert_int_equal(view.argc, 2);
    assert_string_equal(view.argv[0], "echo");
    assert_int_equal(view.envc, 0);
    assert_false(view.is_array);
    assert_int_equal(view.stdin_len, 0);
    assert_string_equal(view.name, "");
    assert_string_equal(view.cwd, "");
    assert_string_equal(view.user, "alice");
    assert_int_equal(cohort__job_spec_count(spec), 1);
    cohort_job_spec_destroy(spec);
    cohort_job_spec_destroy(NULL);
}

static void test_spec_copies_what_it_is_given(void **state)
{
    cohort_job_spec_t *spec = NULL;
    char arg[] = "sleep", env[] = "A_B.c-d=1=2", name[] = "n";
    const char *command[] = {arg, "1"};
    struct job_spec view;

    assert_int_equal(cohort_job_spec_new(&spec, NULL), 0);
    assert_int_equal(cohort_job_spec_set_command(spec, 2, command, NULL), 0);
    assert_int_equal(cohort_job_spec_add_env(spec, env, NULL), 0);
    assert_int_equal(cohort_job_spec_set_name(spec, name, NULL), 0);
    assert_int_equal(cohort_job_spec_set_stdin(spec, "data", 4, NULL), 0);
    assert_int_equal(cohort_job_spec_set_array(spec, 3, 12, NULL), 0);
    arg[0] = env[0] = name[0] = 'X';
    assert_int_equal(cohort__job_spec_view(&view, spec, "u", NULL), 0);
    assert_string_equal(view.argv[0], "sleep");
    assert_string_equal(view.env[0], "A_B.c-d=1=2");
    assert_string_equal(view.name, "n");
    assert_memory_equal(view.stdin_data, "data", 4);
    assert_true(view.is_array);
    assert_int_equal(cohort__job_spec_count(spec), 10);
    assert_int_equal(cohort_job_spec_clear_array(spec, NULL), 0);
    assert_int_equal(cohort__job_spec_count(spec), 1);
    assert_int_equal(cohort_job_spec_set_name(spec, NULL, NULL), 0);
    assert_int_equal(cohort__job_spec_view(&view, spec, "u", NULL), 0);
    assert_string_equal(view.name, "");
    cohort_job_spec_destroy(spec);
}

static void test_spec_env_is_capped(void **state)
{
    cohort_job_spec_t *spec = NULL;
    cohort_error_t err = {0};

    assert_int_equal(cohort_job_spec_new(&spec, NULL), 0);
    for (unsigned i = 0; i < PROTO_MAX_ENV; i++)
        assert_int_equal(cohort_job_spec_add_env(spec, "K=V", &err), 0);
    assert_int_equal(cohort_job_spec_add_env(spec, "K=V", &err), COHORT_ETOOBIG);
    assert_string_equal(err.message, "the job has 1025 environment entries; the cap is 1024");
    cohort_job_spec_destroy(spec);
}

/* A command of exactly PROTO_MAX_COMMAND_BYTES is taken; one byte more is refused. */
static void test_spec_command_bytes_are_capped(void **state)
{
    enum { N_ARGS = PROTO_MAX_COMMAND_BYTES / PROTO_MAX_STR };
    char *big = malloc(PROTO_MAX_STR + 2);
    const char *argv[N_ARGS + 1];
    cohort_job_spec_t *spec = NULL;
    cohort_error_t err = {0};

    assert_non_null(big);
    memset(big, 'x', PROTO_MAX_STR);
    big[PROTO_MAX_STR] = '\0';
    for (unsigned i = 0; i < N_ARGS; i++)
        argv[i] = big;
    argv[N_ARGS] = "y";
    assert_int_equal(cohort_job_spec_new(&spec, NULL), 0);
    assert_int_equal(cohort_job_spec_set_command(spec, N_ARGS, argv, &err), 0);
    assert_int_equal(cohort_job_spec_set_command(spec, N_ARGS + 1, argv, &err), COHORT_ETOOBIG);
    assert_string_equal(err.message, "the command is 262145 bytes; the cap is 262144");
    cohort_job_spec_destroy(spec);
    free(big);
}

static void test_parsing_and_names(void **state)
{
    uint64_t value = 7;
    uint32_t first = 9, last = 9;
    char text[32];

    assert_int_equal(cohort_parse_size(&value, "2G"), 0);
    assert_int_equal(value, 2ull << 30);
    assert_int_equal(cohort_parse_size(&value, "12Q"), COHORT_EINVAL);
    assert_int_equal(value, 2ull << 30);
    assert_int_equal(cohort_parse_duration(&value, "10m"), 0);
    assert_int_equal(value, 600);
    assert_int_equal(cohort_parse_range(&first, &last, "3-7"), 0);
    assert_int_equal(first, 3);
    assert_int_equal(last, 7);
    assert_int_equal(cohort_parse_range(&first, &last, "0-10000000"), COHORT_EINVAL);
    assert_int_equal(cohort_parse_range(&first, &last, "7-3"), COHORT_EINVAL);
    assert_string_equal(cohort_format_size(text, sizeof text, 512ull << 20), "512M");
    assert_string_equal(cohort_job_state_name(COHORT_JOB_TIMEOUT), "timeout");
    assert_int_equal(cohort_job_state_parse("cancelled"), COHORT_JOB_CANCELLED);
    assert_int_equal(cohort_job_state_parse("nope"), COHORT_EINVAL);
    assert_string_equal(cohort_worker_state_name(COHORT_WORKER_DRAINING), "draining");
    assert_string_equal(cohort_strerror(COHORT_ENOENT), "no such job or worker");
    assert_string_equal(cohort_strerror(-1000), "unknown error");
    assert_string_equal(cohort_version(), COHORT_VERSION_STRING);
}

/* A JOBS reply holding jobs in the given states, exit codes and signals, decoded like one
 * from the scheduler and wrapped as a list. */
static cohort_job_list_t *job_list_make(size_t n, const uint8_t *states, const int32_t *codes,
                                        const int32_t *signals)
{
    const char *argv[] = {"true"};
    struct job_info infos[8];
    struct msg reply = {.type = MSG_REPLY};
    struct msg *decoded = NULL;
    struct cohort_job_list *list = cohort__job_list_new();
    struct buf frame;

    assert_true(n <= 8);
    for (size_t i = 0; i < n; i++)
        infos[i] = (struct job_info){.id = 10 + i,
                                     .name = "",
                                     .user = "u",
                                     .state = states[i],
                                     .exit_code = codes[i],
                                     .signal = signals[i],
                                     .reason = "",
                                     .cpus = 1,
                                     .worker = "",
                                     .array_index = -1,
                                     .cwd = "",
                                     .argc = 1,
                                     .argv = argv};
    reply.u.reply = (struct msg_reply){.req_id = 1, .request = MSG_JOBS, .error = ""};
    reply.u.reply.u.jobs.n = (uint32_t)n;
    reply.u.reply.u.jobs.jobs = infos;
    buf_init(&frame, PROTO_MAX_MSG);
    assert_int_equal(msg_encode(&frame, &reply), 0);
    assert_int_equal(msg_decode(&decoded, frame.data, frame.len), 0);
    buf_free(&frame);
    assert_int_equal(cohort__job_list_take(list, decoded), 0);
    return list;
}

static void test_exit_status_mirrors_each_ending(void **state)
{
    const uint8_t states[] = {COHORT_JOB_COMPLETED, COHORT_JOB_FAILED,  COHORT_JOB_FAILED,
                              COHORT_JOB_FAILED,    COHORT_JOB_TIMEOUT, COHORT_JOB_CANCELLED,
                              COHORT_JOB_RUNNING};
    const int32_t codes[] = {0, 3, -1, -1, -1, -1, -1};
    const int32_t signals[] = {0, 0, 9, 0, 15, 15, 0};
    const int expected[] = {0, 3, 137, 1, 124, 1, COHORT_ESTATE};
    cohort_job_list_t *list = job_list_make(7, states, codes, signals);

    assert_int_equal(cohort_job_list_count(list), 7);
    for (size_t i = 0; i < 7; i++)
        assert_int_equal(cohort_job_exit_status(cohort_job_list_item(list, i)), expected[i]);
    assert_null(cohort_job_list_item(list, 7));
    assert_int_equal(cohort_job_array_index(cohort_job_list_item(list, 0)), -1);
    assert_string_equal(cohort_job_arg(cohort_job_list_item(list, 0), 0), "true");
    assert_null(cohort_job_arg(cohort_job_list_item(list, 0), 1));
    cohort_job_list_free(list);
}

static void test_list_status_is_the_first_failure_in_id_order(void **state)
{
    const uint8_t states[] = {COHORT_JOB_COMPLETED, COHORT_JOB_TIMEOUT, COHORT_JOB_FAILED};
    const int32_t codes[] = {0, -1, 7};
    const int32_t signals[] = {0, 9, 0};
    cohort_job_list_t *list = job_list_make(3, states, codes, signals);
    assert_int_equal(cli_jobs_exit_status(list), 124);
    cohort_job_list_free(list);

    const uint8_t all_done[] = {COHORT_JOB_COMPLETED, COHORT_JOB_COMPLETED};
    list = job_list_make(2, all_done, codes, signals);
    assert_int_equal(cli_jobs_exit_status(list), 0);
    cohort_job_list_free(list);
}

static void test_cli_number_parsing(void **state)
{
    uint64_t u = 5;
    int64_t i = 5;
    uint64_t *ids = NULL;
    char *good[] = {"1", "18446744073709551615"};
    char *bad[] = {"1", "x"};

    assert_int_equal(cli_parse_uint(&u, "42", 1, 100), 0);
    assert_int_equal(u, 42);
    assert_int_equal(cli_parse_uint(&u, "0", 1, 100), -1);
    assert_int_equal(cli_parse_uint(&u, "-1", 0, 100), -1);
    assert_int_equal(cli_parse_uint(&u, " 1", 0, 100), -1);
    assert_int_equal(cli_parse_uint(&u, "1x", 0, 100), -1);
    assert_int_equal(cli_parse_uint(&u, "18446744073709551616", 0, UINT64_MAX), -1);
    assert_int_equal(cli_parse_int(&i, "-7", -10, 10), 0);
    assert_int_equal(i, -7);
    assert_int_equal(cli_parse_int(&i, "-", -10, 10), -1);
    assert_int_equal(cli_parse_int(&i, "11", -10, 10), -1);
    assert_int_equal(cli_parse_job_ids(&ids, 2, good, "wait"), CLI_EXIT_OK);
    assert_int_equal(ids[1], UINT64_MAX);
    free(ids);
    assert_int_equal(cli_parse_job_ids(&ids, 2, bad, "wait"), CLI_EXIT_FAILURE); /* a bad value */
    assert_null(ids);
    assert_int_equal(cli_parse_job_ids(&ids, 0, bad, "wait"), CLI_EXIT_USAGE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spec_setters_refuse_bad_values_and_change_nothing),
        cmocka_unit_test(test_spec_copies_what_it_is_given),
        cmocka_unit_test(test_spec_env_is_capped),
        cmocka_unit_test(test_spec_command_bytes_are_capped),
        cmocka_unit_test(test_parsing_and_names),
        cmocka_unit_test(test_exit_status_mirrors_each_ending),
        cmocka_unit_test(test_list_status_is_the_first_failure_in_id_order),
        cmocka_unit_test(test_cli_number_parsing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
