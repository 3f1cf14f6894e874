/* table.c — text tables with aligned columns, for people. */
#include "table.h"

#include <stdlib.h>
#include <string.h>

#include "cohort.h"

struct table {
    size_t n_columns;
    char **cells;     /* owned: row after row, n_columns each; the header is row 0 */
    size_t n_rows;    /* rows held, the header included */
    size_t row_slots; /* rows cells has room for */
    size_t *widths;   /* owned: widest cell per column, in characters */
    int has_header;
};

/* Characters (not bytes) in a UTF-8 string: continuation bytes do not count. */
static size_t display_width(const char *text)
{
    size_t width = 0;
    for (const unsigned char *p = (const unsigned char *)text; *p; p++)
        width += (*p & 0xC0) != 0x80;
    return width;
}

/* A copy of text with control characters replaced by '?', or NULL when out of memory. */
static char *cell_copy(const char *text)
{
    char *copy = strdup(text ? text : "");
    for (unsigned char *p = (unsigned char *)copy; p && *p; p++)
        if (*p < 0x20 || *p == 0x7F)
            *p = '?';
    return copy;
}

struct table *table_new(size_t n_columns, const char *const *headers)
{
    struct table *table = calloc(1, sizeof *table);

    if (!table || !(table->widths = calloc(n_columns, sizeof *table->widths)))
        goto fail;
    table->n_columns = n_columns;
    if (headers) {
        if (table_add_row(table, headers) < 0)
            goto fail;
        table->has_header = 1;
    }
    return table;
fail:
    table_free(table);
    return NULL;
}

int table_add_row(struct table *table, const char *const *cells)
{
    size_t first = table->n_rows * table->n_columns, copied = 0;

    if (table->n_rows == table->row_slots) {
        size_t slots = table->row_slots ? table->row_slots * 2 : 16;
        char **grown = realloc(table->cells, slots * table->n_columns * sizeof *grown);
        if (!grown)
            return COHORT_ENOMEM;
        table->cells = grown;
        table->row_slots = slots;
    }
    for (; copied < table->n_columns; copied++)
        if (!(table->cells[first + copied] = cell_copy(cells[copied])))
            goto fail;
    for (size_t column = 0; column < table->n_columns; column++) {
        size_t width = display_width(table->cells[first + column]);
        if (width > table->widths[column])
            table->widths[column] = width;
    }
    table->n_rows++;
    return 0;
fail:
    while (copied > 0)
        free(table->cells[first + --copied]);
    return COHORT_ENOMEM;
}

size_t table_rows(const struct table *table)
{
    return table->n_rows - (size_t)table->has_header;
}

void table_print(const struct table *table, FILE *out)
{
    for (size_t row = 0; row < table->n_rows; row++) {
        char *const *cells = &table->cells[row * table->n_columns];
        size_t last = table->n_columns - 1;
        while (last > 0 && cells[last][0] == '\0')
            last--; /* no padding after the last cell with something in it */
        for (size_t column = 0; column <= last; column++) {
            fputs(cells[column], out);
            if (column == last)
                break;
            for (size_t pad = display_width(cells[column]); pad < table->widths[column] + 2; pad++)
                fputc(' ', out);
        }
        fputc('\n', out);
    }
}

void table_free(struct table *table)
{
    if (!table)
        return;
    for (size_t i = 0; i < table->n_rows * table->n_columns; i++)
        free(table->cells[i]);
    free(table->cells);
    free(table->widths);
    free(table);
}
