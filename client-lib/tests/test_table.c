/* test_table.c — text tables: alignment by characters, and no control characters out. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "table.h"

/* Print table into a string the caller frees. */
static char *table_text(const struct table *table)
{
    char *data = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&data, &len);
    assert_non_null(out);
    table_print(table, out);
    fclose(out);
    return data;
}

static void test_columns_align_to_widest_cell(void **state)
{
    const char *headers[] = {"ID", "NAME", "STATE"};
    const char *row1[] = {"1", "build", "running"};
    const char *row2[] = {"1234", "x", NULL};
    struct table *table = table_new(3, headers);
    assert_non_null(table);
    assert_int_equal(table_add_row(table, row1), 0);
    assert_int_equal(table_add_row(table, row2), 0);
    assert_int_equal(table_rows(table), 2);
    char *text = table_text(table);
    assert_string_equal(text, "ID    NAME   STATE\n"
                              "1     build  running\n"
                              "1234  x\n");
    free(text);
    table_free(table);
}

static void test_width_counts_characters_not_bytes(void **state)
{
    const char *row1[] = {"caf\xc3\xa9", "a"};
    const char *row2[] = {"tea", "b"};
    struct table *table = table_new(2, NULL);
    assert_int_equal(table_add_row(table, row1), 0);
    assert_int_equal(table_add_row(table, row2), 0);
    char *text = table_text(table);
    assert_string_equal(text, "caf\xc3\xa9  a\ntea   b\n");
    free(text);
    table_free(table);
}

static void test_control_characters_are_replaced(void **state)
{
    const char *row[] = {"evil\x1b[2J\nname", "ok"};
    struct table *table = table_new(2, NULL);
    assert_int_equal(table_add_row(table, row), 0);
    char *text = table_text(table);
    assert_string_equal(text, "evil?[2J?name  ok\n");
    free(text);
    table_free(table);
}

static void test_many_rows_grow_the_table(void **state)
{
    struct table *table = table_new(1, NULL);
    const char *row[] = {"r"};
    for (int i = 0; i < 1000; i++)
        assert_int_equal(table_add_row(table, row), 0);
    assert_int_equal(table_rows(table), 1000);
    table_free(table);
    table_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_columns_align_to_widest_cell),
        cmocka_unit_test(test_width_counts_characters_not_bytes),
        cmocka_unit_test(test_control_characters_are_replaced),
        cmocka_unit_test(test_many_rows_grow_the_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
