/* acks.c — acknowledgements of stored results, held to ride on each worker's next RUN. */
#include "acks.h"

#include <stdlib.h>

#include "workers.h"

/* Double *array (of *cap items of size bytes; 4 when empty). Returns false when out of
 * memory (the array is unchanged). */
static bool grow(void **array, size_t size, size_t *cap)
{
    size_t want = *cap ? *cap * 2 : 4;
    void *grown = realloc(*array, want * size);

    if (!grown)
        return false;
    *array = grown;
    *cap = want;
    return true;
}

int acks_hold(struct held_acks *h, struct worker *w, const struct msg_kill *ack, int64_t now_mono)
{
    struct worker_acks *acks = &w->acks;

    if ((!acks->listed && h->count == h->cap &&
         !grow((void **)&h->workers, sizeof *h->workers, &h->cap)) ||
        (acks->count == acks->cap && !grow((void **)&acks->list, sizeof *acks->list, &acks->cap)))
        return COHORT_ENOMEM;
    if (!acks->listed) {
        h->workers[h->count++] = w;
        acks->listed = true;
    }
    if (acks->count == 0)
        acks->since_mono = now_mono;
    if (h->due_mono == 0 || acks->since_mono + ACKS_HOLD_MS < h->due_mono)
        h->due_mono = acks->since_mono + ACKS_HOLD_MS;
    acks->list[acks->count++] = *ack;
    h->full |= acks->count >= ACKS_HOLD_MAX;
    return 0;
}

void acks_attach(const struct worker *w, struct msg_run *run)
{
    run->acks = w->acks_in_run ? w->acks.list : NULL;
    run->n_acks = w->acks_in_run ? w->acks.count : 0;
}

void acks_sent(struct worker *w, const struct msg_run *run)
{
    w->acks.count -= run->n_acks; /* all it held: acks_attach gave the RUN every one */
}

int64_t acks_flush_due(struct held_acks *h, int64_t now_mono,
                       void (*send)(void *arg, struct worker *w, const struct msg_kill *ack),
                       void *arg)
{
    int64_t next_due = -1;
    size_t kept = 0;

    if (h->count == 0)
        return -1;
    if (!h->full && now_mono < h->due_mono)
        return h->due_mono - now_mono;
    for (size_t i = 0; i < h->count; i++) {
        struct worker *w = h->workers[i];
        struct worker_acks *acks = &w->acks;
        int64_t due = acks->since_mono + ACKS_HOLD_MS;
        if (acks->count && (now_mono >= due || acks->count >= ACKS_HOLD_MAX)) {
            for (uint32_t j = 0; w->connected && j < acks->count; j++)
                send(arg, w, &acks->list[j]);
            acks->count = 0;
        }
        if (!acks->count) {
            acks->listed = false;
            continue;
        }
        if (next_due < 0 || due - now_mono < next_due)
            next_due = due - now_mono;
        h->workers[kept++] = w;
    }
    h->count = kept;
    h->full = false;
    h->due_mono = next_due < 0 ? 0 : now_mono + next_due;
    return next_due;
}

void acks_forget_all(struct held_acks *h)
{
    for (size_t i = 0; i < h->count; i++) {
        h->workers[i]->acks.count = 0;
        h->workers[i]->acks.listed = false;
    }
    h->count = 0;
    h->due_mono = 0;
    h->full = false;
}

void acks_free(struct held_acks *h)
{
    free(h->workers);
    *h = (struct held_acks){0};
}

void worker_acks_free(struct worker_acks *acks)
{
    free(acks->list);
    *acks = (struct worker_acks){0};
}
