/* table.h — text tables with aligned columns, for people. */
#ifndef COHORT_CLI_TABLE_H
#define COHORT_CLI_TABLE_H

#include <stddef.h>
#include <stdio.h>

struct table;

/* A table of n_columns columns; headers (n_columns strings, copied) is the first row, or
 * NULL for a table without a header row. Returns NULL when out of memory. */
struct table *table_new(size_t n_columns, const char *const *headers);

/* Add a row of n_columns cells (copied; NULL is an empty cell). Control characters are
 * shown as '?' so that a job's name cannot move the cursor. Returns 0 or COHORT_ENOMEM
 * (the table is then unchanged). */
int table_add_row(struct table *table, const char *const *cells);

/* Rows added so far, the header not counted. */
size_t table_rows(const struct table *table);

/* Print every row, columns separated by two spaces and padded to the widest cell (counted
 * in characters, not bytes); nothing is padded after a row's last non-empty cell. */
void table_print(const struct table *table, FILE *out);

/* NULL is a no-op. */
void table_free(struct table *table);

#endif
