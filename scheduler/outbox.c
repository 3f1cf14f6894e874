/* outbox.c — messages held back until the turn's transaction is committed. */
#include "outbox.h"

#include <stdlib.h>

#include "cohort.h"

struct outbox {
    struct outbox_item *items; /* a growable array, emptied each turn */
    size_t len, cap;
    size_t bytes; /* payload bytes held */
    size_t max_items, max_bytes;
};

int outbox_create(struct outbox **out, size_t max_items, size_t max_bytes)
{
    struct outbox *ob = calloc(1, sizeof(*ob));

    *out = NULL;
    if (!ob)
        return COHORT_ENOMEM;
    ob->max_items = max_items;
    ob->max_bytes = max_bytes;
    *out = ob;
    return 0;
}

void outbox_destroy(struct outbox *ob)
{
    if (!ob)
        return;
    for (size_t i = 0; i < ob->len; i++)
        buf_free(&ob->items[i].payload);
    free(ob->items);
    free(ob);
}

size_t outbox_bytes(const struct outbox *ob)
{
    return ob->bytes;
}

bool outbox_has_room(const struct outbox *ob, size_t n)
{
    return ob->len < ob->max_items && n <= ob->max_bytes - ob->bytes;
}

int outbox_push(struct outbox *ob, struct outbox_item *item)
{
    int rc = COHORT_ETOOBIG;

    if (!outbox_has_room(ob, item->payload.len))
        goto fail;
    if (ob->len == ob->cap) {
        size_t cap = ob->cap ? ob->cap * 2 : 64;
        struct outbox_item *items = realloc(ob->items, cap * sizeof(*items));
        rc = COHORT_ENOMEM;
        if (!items)
            goto fail;
        ob->items = items;
        ob->cap = cap;
    }
    ob->items[ob->len++] = *item;
    ob->bytes += item->payload.len;
    buf_init(&item->payload, item->payload.max);
    return 0;
fail:
    buf_free(&item->payload);
    return rc;
}

void outbox_drain(struct outbox *ob, void (*send)(void *arg, struct outbox_item *item), void *arg)
{
    /* take the held items first: send may hold new messages (for the next commit) */
    struct outbox_item *items = ob->items;
    size_t len = ob->len;

    ob->items = NULL;
    ob->len = ob->cap = 0;
    ob->bytes = 0;
    for (size_t i = 0; i < len; i++) {
        send(arg, &items[i]);
        buf_free(&items[i].payload);
    }
    free(items);
}
