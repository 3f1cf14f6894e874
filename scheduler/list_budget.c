/* list_budget.c — how many job rows listings may read, so that a client polling `cohort jobs`
 * cannot take the loop away from dispatch. */
#include "list_budget.h"

void list_budget_init(struct list_budget *b, int64_t now_ms)
{
    b->rows = LIST_BUDGET_BURST_ROWS;
    b->refilled_at = now_ms;
}

/* Add the rows earned since the last refill. */
static void refill(struct list_budget *b, int64_t now_ms)
{
    if (now_ms > b->refilled_at) {
        b->rows += (now_ms - b->refilled_at) * LIST_BUDGET_ROWS_PER_MS;
        if (b->rows > LIST_BUDGET_BURST_ROWS)
            b->rows = LIST_BUDGET_BURST_ROWS;
        b->refilled_at = now_ms;
    }
}

bool list_budget_should_wait(struct list_budget *b, bool busy, int64_t now_ms, int64_t *wait_ms)
{
    refill(b, now_ms);
    if (!busy || b->rows >= LIST_BUDGET_MIN_ROWS)
        return false;
    *wait_ms = (LIST_BUDGET_MIN_ROWS - b->rows + LIST_BUDGET_ROWS_PER_MS - 1) /
               LIST_BUDGET_ROWS_PER_MS;
    return true;
}

uint32_t list_budget_page(struct list_budget *b, uint32_t wanted, bool busy, int64_t now_ms)
{
    refill(b, now_ms);
    if (!busy || (int64_t)wanted <= b->rows)
        return wanted;
    if (b->rows <= LIST_BUDGET_MIN_ROWS)
        return wanted < LIST_BUDGET_MIN_ROWS ? wanted : LIST_BUDGET_MIN_ROWS;
    return (uint32_t)b->rows;
}

void list_budget_spend(struct list_budget *b, uint32_t rows)
{
    b->rows = b->rows > (int64_t)rows ? b->rows - (int64_t)rows : 0;
}
