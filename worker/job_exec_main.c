/* job_exec_main.c — cohort-job-exec: switch to a job's account, enter its cwd, exec it. */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "job_exec.h"
#include "run_as.h"

#define ENV_FILE_MAX (64u << 20) /* far above what a RUN message can carry */
#define CLOSE_FALLBACK_MAX 65536 /* fds closed one by one when close_range is missing */

static void die(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));

static void die(int status, const char *fmt, ...)
{
    va_list ap;

    fputs("cohort-job-exec: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(status);
}

/* Parse a uid or gid written in decimal; returns 0 or -1. */
static int parse_id(unsigned long *out, const char *text)
{
    char *end;

    errno = 0;
    *out = strtoul(text, &end, 10);
    return errno || end == text || *end || text[0] == '-' || *out >= UINT32_MAX ? -1 : 0;
}

/* The NULL-terminated environment read from fd (then closed). Exits on failure. */
static char **read_environment(int fd)
{
    struct stat st;
    char *data, **envp;
    size_t len, got = 0, count = 0;

    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size > ENV_FILE_MAX)
        die(JOB_EXEC_CANNOT_RUN, "cannot read the job's environment from fd %d", fd);
    len = (size_t)st.st_size;
    if (!(data = malloc(len + 1)))
        die(JOB_EXEC_CANNOT_RUN, "out of memory");
    while (got < len) {
        ssize_t n = pread(fd, data + got, len - got, (off_t)got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            die(JOB_EXEC_CANNOT_RUN, "cannot read the job's environment: %s",
                n < 0 ? strerror(errno) : "short file");
        got += (size_t)n;
    }
    data[len] = '\0';
    close(fd);
    for (size_t i = 0; i < len; i++)
        count += data[i] == '\0';
    if (!(envp = calloc(count + 2, sizeof(*envp))))
        die(JOB_EXEC_CANNOT_RUN, "out of memory");
    count = 0;
    for (size_t i = 0; i < len; i += strlen(data + i) + 1)
        envp[count++] = data + i;
    return envp;
}

/* Close every fd from first up, so that nothing the worker opened reaches the job. */
static void close_fds_from(int first)
{
    if (close_range((unsigned)first, ~0u, 0) == 0)
        return;
    for (int fd = first; fd < CLOSE_FALLBACK_MAX; fd++)
        close(fd);
}

int main(int argc, char **argv)
{
    unsigned long uid, gid;
    char err[512], **envp;
    const char *name, *cwd, *program;

    if (argc < JOB_EXEC_FIXED_ARGS + 1 || parse_id(&uid, argv[2]) < 0 ||
        parse_id(&gid, argv[3]) < 0)
        die(JOB_EXEC_CANNOT_RUN, "usage: cohort-job-exec NAME UID GID CWD PROGRAM ARG0 [ARG...] "
                                 "(cohort-worker runs it)");
    name = argv[1];
    cwd = argv[4];
    program = argv[5];
    envp = read_environment(JOB_EXEC_ENV_FD);
    close_fds_from(STDERR_FILENO + 1);
    if (run_as_drop(name, (uid_t)uid, (gid_t)gid, err, sizeof err) < 0)
        die(JOB_EXEC_CANNOT_RUN, "%s", err);
    if (chdir(cwd) < 0)
        die(JOB_EXEC_CANNOT_RUN, "working directory %s is not accessible to %s: %s", cwd, name,
            strerror(errno));
    execve(program, argv + JOB_EXEC_FIXED_ARGS, envp);
    die(errno == ENOENT ? JOB_EXEC_NOT_FOUND : JOB_EXEC_CANNOT_RUN, "cannot execute '%s' as %s: %s",
        argv[JOB_EXEC_FIXED_ARGS], name, strerror(errno));
}
