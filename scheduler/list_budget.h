/* list_budget.h — how many job rows listings may read, so that a client polling `cohort jobs`
 * cannot take the loop away from dispatch. */
#ifndef COHORT_SCHED_LIST_BUDGET_H
#define COHORT_SCHED_LIST_BUDGET_H

#include <stdbool.h>
#include <stdint.h>

/*
 * A bucket of rows: it holds up to LIST_BUDGET_BURST_ROWS and refills at
 * LIST_BUDGET_ROWS_PER_MS, so a listing now and then gets whole pages, while back-to-back
 * listings get about that many rows a second in all (a few percent of the loop), each page
 * at least LIST_BUDGET_MIN_ROWS so that paging always moves on. While no job runs there is
 * no dispatch to protect, and pages are not cut.
 */
#define LIST_BUDGET_BURST_ROWS 2000u /* a few ms of the loop */
#define LIST_BUDGET_ROWS_PER_MS 5u    /* 5,000 rows a second */
#define LIST_BUDGET_MIN_ROWS 100u

struct list_budget {
    int64_t rows;        /* rows that may be read now */
    int64_t refilled_at; /* monotonic ms of the last refill */
};

/* A full bucket at monotonic time now_ms. */
void list_budget_init(struct list_budget *b, int64_t now_ms);

/* The most rows the next page may hold when wanted were asked for, at monotonic time now_ms;
 * busy says whether jobs run (otherwise wanted is granted as is). */
uint32_t list_budget_page(struct list_budget *b, uint32_t wanted, bool busy, int64_t now_ms);

/* Whether a listing asked for at monotonic time now_ms should wait for the bucket to refill
 * (jobs run and fewer than LIST_BUDGET_MIN_ROWS rows are left); *wait_ms then says for how
 * long. */
bool list_budget_should_wait(struct list_budget *b, bool busy, int64_t now_ms, int64_t *wait_ms);

/* A page of rows rows was read. */
void list_budget_spend(struct list_budget *b, uint32_t rows);

#endif
