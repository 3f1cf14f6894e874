/* config.h — INI config files whose keys match a daemon's long flags. */
#ifndef COHORT_CONFIG_H
#define COHORT_CONFIG_H

#include <stddef.h>

/* Called for each "key = value" line (any section; the section name is passed, "" for
 * none). Returns 0 to accept, or a negative COHORT_E* code to reject the line, in which case
 * it writes one sentence saying why into err (err_len bytes). */
typedef int (*config_key_cb)(const char *section, const char *key, const char *value,
                             void *arg, char *err, size_t err_len);

/* Read the INI file at path, calling on_key for each entry. Returns 0, or COHORT_EINVAL
 * with a message "FILE:LINE: why" in err when the file cannot be read, is malformed, or
 * on_key rejected a line. Stops at the first bad line. */
int config_load(const char *path, config_key_cb on_key, void *arg, char *err, size_t err_len);

#endif
