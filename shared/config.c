/* config.c — INI config files (read with libinih) whose keys match a daemon's long flags. */
#include "config.h"

#include <errno.h>
#include <ini.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cohort.h"

/*
 * The file is read twice: first with a handler that accepts everything, to find a
 * malformed line before any key is applied; then with the caller's handler, stopping at the
 * first key it rejects. Our own line reader counts lines (so a rejection can name its line),
 * refuses lines longer than libinih can hold, and ends the parse early by reporting the end
 * of the file.
 */

struct config_pass {
    FILE *file;
    const char *path;
    int line;             /* lines read so far: the one the handler is looking at */
    bool stopped;         /* a line was refused: report end of file from now on */
    bool too_long;        /* the refused line was too long */
    config_key_cb on_key; /* NULL in the first pass */
    void *arg;
    char *err;
    size_t err_len;
};

/* ini_reader: fgets that counts lines and refuses a line that does not fit in num bytes. */
static char *read_line(char *str, int num, void *stream)
{
    struct config_pass *pass = stream;
    size_t len;
    int next;

    if (pass->stopped || !fgets(str, num, pass->file))
        return NULL;
    pass->line++;
    len = strlen(str);
    if (len + 1 == (size_t)num && str[len - 1] != '\n' && (next = getc(pass->file)) != EOF) {
        ungetc(next, pass->file);
        pass->too_long = pass->stopped = true;
        return NULL;
    }
    return str;
}

/* ini_handler: returns 1 to go on, 0 when on_key rejected the entry. */
static int on_entry(void *user, const char *section, const char *key, const char *value)
{
    struct config_pass *pass = user;
    char why[256] = "";

    if (!pass->on_key || pass->stopped)
        return 1;
    if (pass->on_key(section, key, value, pass->arg, why, sizeof(why)) == 0)
        return 1;
    pass->stopped = true;
    snprintf(pass->err, pass->err_len, "%s:%d: %s", pass->path, pass->line,
             why[0] ? why : "rejected");
    return 0;
}

/* Parse the whole file once. Returns 0 or COHORT_EINVAL with err set. */
static int run_pass(struct config_pass *pass)
{
    int bad_line;

    rewind(pass->file);
    pass->line = 0;
    pass->stopped = pass->too_long = false;
    bad_line = ini_parse_stream(read_line, pass, on_entry, pass);
    if (pass->too_long) {
        snprintf(pass->err, pass->err_len, "%s:%d: line longer than %d bytes", pass->path,
                 pass->line, INI_MAX_LINE - 2);
        return COHORT_EINVAL;
    }
    if (pass->stopped)
        return COHORT_EINVAL; /* on_entry wrote why */
    if (ferror(pass->file)) {
        snprintf(pass->err, pass->err_len, "%s:%d: cannot read: %s", pass->path, pass->line,
                 strerror(errno));
        return COHORT_EINVAL;
    }
    if (bad_line != 0) {
        snprintf(pass->err, pass->err_len,
                 "%s:%d: malformed line (expected \"[section]\" or \"key = value\")", pass->path,
                 bad_line);
        return COHORT_EINVAL;
    }
    return 0;
}

int config_load(const char *path, config_key_cb on_key, void *arg, char *err, size_t err_len)
{
    struct config_pass pass = {.path = path, .arg = arg, .err = err, .err_len = err_len};
    int rc;

    if (err_len)
        err[0] = '\0';
    if (!(pass.file = fopen(path, "r"))) {
        snprintf(err, err_len, "%s:0: cannot open: %s", path, strerror(errno));
        return COHORT_EINVAL;
    }
    if ((rc = run_pass(&pass)) == 0) {
        pass.on_key = on_key;
        rc = run_pass(&pass);
    }
    fclose(pass.file);
    return rc;
}
