/* enroll.c — the key subcommands of cohort-scheduler: enroll, revoke, keys, server-key. */
#include "enroll.h"

#include <limits.h>
#include <stdarg.h>
#include <string.h>

#include "allowlist.h"
#include "cohort.h"
#include "keys.h"
#include "server_key.h"
#include "statedir.h"

#define EXIT_FAILED 1
#define EXIT_USAGE 2
#define PROGRAM "cohort-scheduler"

/* Where the subcommands work. */
struct key_files {
    const char *state_dir;
    char keys[PATH_MAX];      /* the allow-list */
    char keys_lock[PATH_MAX]; /* serialises its editors */
};

typedef int (*command_fn)(const struct key_files *files, int argc, char **argv);

/* Print "cohort-scheduler: " and the sentence as one line on stderr; returns status. */
__attribute__((format(printf, 2, 3))) static int fail(int status, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    fprintf(stderr, PROGRAM ": ");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return status;
}

/* Resolve a KEY argument (a key, or a file holding one) into key. Returns 0, or prints why
 * and returns EXIT_USAGE. */
static int resolve_key(const char *argument, key_text key)
{
    char why[512];

    if (key_public_resolve(argument, key, why, sizeof why) < 0)
        return fail(EXIT_USAGE, "KEY must be a Z85 public key or a file holding one: %s", why);
    return 0;
}

/* The value of option --NAME at argv[*i] ("--NAME VALUE" or "--NAME=VALUE"), moving *i past
 * it; NULL when argv[*i] is not that option. *missing is set when its value is missing. */
static const char *option_value(int argc, char **argv, int *i, const char *name, bool *missing)
{
    size_t len = strlen(name);

    if (strncmp(argv[*i], "--", 2) != 0 || strncmp(argv[*i] + 2, name, len) != 0)
        return NULL;
    if (argv[*i][2 + len] == '=')
        return argv[*i] + 3 + len;
    if (argv[*i][2 + len] != '\0')
        return NULL;
    if (*i + 1 >= argc) {
        *missing = true;
        return NULL;
    }
    return argv[++*i];
}

static int cmd_enroll(const struct key_files *files, int argc, char **argv)
{
    const char *role = NULL, *name = NULL, *key = NULL, *value;
    struct allow_entry entry = {0};
    char why[512];
    bool replaced = false, missing = false, options_done = false;
    int keys = 0, rc;

    /* parsed by hand, not by getopt: a Z85 key may start with '-' */
    for (int i = 1; i < argc; i++) {
        if (!options_done && strcmp(argv[i], "--") == 0) {
            options_done = true;
        } else if (!options_done && (value = option_value(argc, argv, &i, "role", &missing))) {
            role = value;
        } else if (!options_done && (value = option_value(argc, argv, &i, "name", &missing))) {
            name = value;
        } else if (missing || (!options_done && argv[i][0] == '-' && !key_valid(argv[i]))) {
            return fail(EXIT_USAGE, "enroll: unknown or incomplete option '%s'", argv[i]);
        } else {
            key = argv[i];
            keys++;
        }
    }
    if (!role || !name || keys != 1)
        return fail(EXIT_USAGE, "%s",
                    "usage: enroll --role worker|user|admin --name NAME KEY (one key)");
    if (allowlist_check(role, name, why, sizeof why) < 0)
        return fail(EXIT_USAGE, "%s", why);
    if ((rc = resolve_key(key, entry.key)) != 0)
        return rc;
    snprintf(entry.role, sizeof entry.role, "%s", role);
    snprintf(entry.name, sizeof entry.name, "%s", name);
    if (allowlist_enroll(files->keys, files->keys_lock, &entry, &replaced, why, sizeof why) < 0)
        return fail(EXIT_FAILED, "%s", why);
    printf("%s %s as %s %s\n", replaced ? "re-enrolled" : "enrolled", entry.key, role, name);
    return 0;
}

static int cmd_revoke(const struct key_files *files, int argc, char **argv)
{
    struct allow_entry removed;
    key_text key;
    char why[512];
    int rc;

    if (argc == 3 && strcmp(argv[1], "--") == 0) { /* for a key that starts with '-' */
        argv++;
        argc--;
    }
    if (argc != 2)
        return fail(EXIT_USAGE, "%s", "usage: revoke KEY (one key, or a file holding it)");
    if ((rc = resolve_key(argv[1], key)) != 0)
        return rc;
    if (allowlist_revoke(files->keys, files->keys_lock, key, &removed, why, sizeof why) < 0)
        return fail(EXIT_FAILED, "%s", why);
    printf("revoked %s (%s %s)\n", key, removed.role, removed.name);
    return 0;
}

static void warn_bad_line(void *arg, const char *path, unsigned line, const char *why)
{
    (void)arg;
    fprintf(stderr, PROGRAM ": warning: %s:%u: %s; the line is skipped\n", path, line, why);
}

static int cmd_keys(const struct key_files *files, int argc, char **argv)
{
    struct allowlist *al = NULL;
    char why[512];
    int status = 0;

    (void)argv;
    if (argc != 1)
        return fail(EXIT_USAGE, "%s", "usage: keys (no arguments)");
    if (allowlist_create(&al, files->keys, warn_bad_line, NULL) < 0)
        return fail(EXIT_FAILED, "%s", "out of memory");
    if (allowlist_refresh(al, why, sizeof why) < 0) {
        status = fail(EXIT_FAILED, "%s", why);
    } else {
        const struct allow_entry *entries = allowlist_entries(al);
        for (size_t i = 0; i < allowlist_count(al); i++)
            printf("%s %s %s\n", entries[i].key, entries[i].role, entries[i].name);
        if (!allowlist_file_exists(al))
            fprintf(stderr, PROGRAM ": no key is enrolled yet (%s does not exist)\n", files->keys);
    }
    allowlist_destroy(al);
    return status;
}

static int cmd_server_key(const struct key_files *files, int argc, char **argv)
{
    struct key_pair pair;
    char why[512];

    (void)argv;
    if (argc != 1)
        return fail(EXIT_USAGE, "%s", "usage: server-key (no arguments)");
    if (server_key_load_or_create(&pair, files->state_dir, why, sizeof why) < 0)
        return fail(EXIT_FAILED, "%s", why);
    printf("%s\n", pair.public_key);
    explicit_bzero(&pair, sizeof pair);
    return 0;
}

static const struct command {
    const char *name;
    command_fn fn;
} commands[] = {
    {"enroll", cmd_enroll},
    {"revoke", cmd_revoke},
    {"keys", cmd_keys},
    {"server-key", cmd_server_key},
};

static const struct command *find_command(const char *word)
{
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(word, commands[i].name) == 0)
            return &commands[i];
    return NULL;
}

bool enroll_is_command(const char *word)
{
    return find_command(word) != NULL;
}

void enroll_usage(FILE *out)
{
    fprintf(out, "Commands (on the state dir's keys; they work while the scheduler runs):\n"
                 "  enroll --role worker|user|admin --name NAME KEY\n"
                 "                      admit KEY (a public key, or a file holding one) as NAME:\n"
                 "                      the user who owns its jobs, or for a worker key the\n"
                 "                      worker name it may register as ('*': any); enrolling a\n"
                 "                      listed key replaces its line\n"
                 "  revoke KEY          stop admitting KEY, from its next connection\n"
                 "  keys                list the admitted keys: key, role, name\n"
                 "  server-key          print the scheduler's public key, which clients and\n"
                 "                      workers need (made with the key pair if there is none)\n");
}

int enroll_run(const char *state_dir, int argc, char **argv)
{
    const struct command *command = find_command(argv[0]);
    struct key_files files = {.state_dir = state_dir};
    char why[512];

    if (!command)
        return fail(EXIT_USAGE, "unknown command '%s'", argv[0]);
    snprintf(files.keys, sizeof files.keys, "%s/keys", state_dir);
    snprintf(files.keys_lock, sizeof files.keys_lock, "%s/keys.lock", state_dir);
    if (statedir_make(state_dir, why, sizeof why) < 0)
        return fail(EXIT_FAILED, "%s", why);
    return command->fn(&files, argc, argv);
}
