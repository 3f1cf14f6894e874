/* list_defer.c — job listings that wait for the row budget instead of being answered at once. */
#include "list_defer.h"

#include <string.h>

bool list_defer_push(struct list_defer *d, const uint8_t *peer, size_t peer_len,
                     const struct msg_jobs *query)
{
    if (d->count == LIST_DEFER_MAX || peer_len > LIST_DEFER_PEER_MAX)
        return false;
    struct list_deferred *item = &d->items[(d->head + d->count) % LIST_DEFER_MAX];
    memcpy(item->peer, peer, peer_len);
    item->peer_len = (uint8_t)peer_len;
    item->query = *query;
    d->count++;
    return true;
}

bool list_defer_pop(struct list_defer *d, struct list_deferred *out)
{
    if (d->count == 0)
        return false;
    *out = d->items[d->head];
    d->head = (d->head + 1) % LIST_DEFER_MAX;
    d->count--;
    return true;
}
