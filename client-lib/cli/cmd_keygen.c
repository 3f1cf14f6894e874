/* cmd_keygen.c — `cohort keygen`: make the key pair that identifies the user to a scheduler. */
#include <limits.h>

#include "cli.h"
#include "json.h"

static const char keygen_usage[] =
    "Usage: cohort keygen [--force] [FILE]\n"
    "Make a new CURVE key pair, write it to FILE (default: the --key file, else\n"
    "$XDG_CONFIG_HOME/cohort/key or ~/.config/cohort/key; mode 0600, missing directories\n"
    "are created with mode 0700) and print its public key. A secured scheduler accepts the\n"
    "key once its administrator enrolls the public key:\n"
    "  cohort-scheduler enroll --role user --name NAME PUBLIC_KEY\n"
    "\n"
    "  --force   replace an existing key file (its old key then stops being yours)\n"
    "  --json    print {\"file\", \"public_key\"}\n";

enum { OPT_FORCE = CLI_OPT_FIRST_FREE };

static const struct option keygen_long_options[] = {
    {"force", no_argument, NULL, OPT_FORCE},
    CLI_COMMON_OPTIONS,
    {0},
};

static const struct cli_options keygen_options = {
    .command = "keygen",
    .usage = keygen_usage,
    .short_options = "",
    .long_options = keygen_long_options,
};

int cmd_keygen(struct cli *cli, int argc, char **argv)
{
    char default_path[PATH_MAX], public_key[COHORT_KEY_TEXT_SIZE];
    cohort_error_t err = {0};
    const char *path, *value;
    bool force = false;
    struct json json;
    int code, rc = CLI_EXIT_OK;

    cli_options_begin(&keygen_options);
    while ((code = cli_options_next(cli, &keygen_options, argc, argv, &value, &rc)) > 0)
        if (code == OPT_FORCE)
            force = true;
    if (code < 0)
        return rc;
    if (argc - optind > 1)
        return cli_usage("'keygen' takes at most one file (got '%s')", argv[optind + 1]);
    path = optind < argc ? argv[optind] : cli->key_file;
    if (!path) {
        if (cohort_key_file_default(default_path, sizeof default_path, &err) < 0)
            return cli_fail_error(&err);
        path = default_path;
    }
    if (cohort_key_file_create(public_key, path, force, &err) < 0) {
        if (err.code == COHORT_ESTATE)
            return cli_fail("%s: use --force to replace it", err.message);
        return cli_fail_error(&err);
    }
    if (cli->json) {
        json_init(&json, stdout);
        json_object_begin(&json);
        json_key(&json, "file");
        json_string(&json, path);
        json_key(&json, "public_key");
        json_string(&json, public_key);
        json_object_end(&json);
        json_finish(&json);
    } else {
        printf("%s\n", public_key);
    }
    return CLI_EXIT_OK;
}
