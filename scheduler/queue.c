/* queue.c — pending jobs in memory: compact FIFO queues per job shape, in dispatch order. */
#include "queue.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "cohort.h"
#include "hmap.h"

#define NO_POS SIZE_MAX

/* Consecutive job ids first .. first + count - 1. */
struct id_run {
    uint64_t first;
    uint64_t count;
};

/* The pending jobs of one shape. */
struct shape_queue {
    struct job_shape shape;
    struct id_run *runs; /* ring of runs in increasing id order */
    size_t runs_cap;     /* power of two, or 0 */
    size_t runs_start;   /* index of the oldest run */
    size_t runs_len;
    uint64_t *returned; /* min-heap of ids queued again out of order (requeued jobs) */
    size_t returned_len, returned_cap;
    struct hmap cancelled; /* ids removed while not at the head; skipped when reached */
    uint64_t live;         /* queued jobs not cancelled */
    uint64_t head;         /* lowest live id: the next job of this shape to dispatch */
    size_t heap_pos;       /* index in queue.heap, NO_POS while set aside in a pass */
};

struct queue {
    struct hmap shapes;        /* shape_queue by shape */
    struct shape_queue **heap; /* non-empty shapes, best head first */
    size_t heap_len, heap_cap;
    struct shape_queue **aside; /* shapes set aside during a pass */
    size_t aside_len, aside_cap;
    uint64_t count; /* live jobs in all shapes */
};

static uint64_t shape_key(const struct job_shape *shape)
{
    uint64_t fields[3] = {(uint64_t)(uint32_t)shape->priority, shape->cpus, shape->mem};
    return hmap_hash_bytes(fields, sizeof fields);
}

static bool shape_matches(const void *value, const void *arg)
{
    const struct job_shape *a = &((const struct shape_queue *)value)->shape;
    const struct job_shape *b = arg;
    return a->priority == b->priority && a->cpus == b->cpus && a->mem == b->mem;
}

/* Grow *array (of elem_size items, *cap of them) to hold at least need items. */
static int grow(void *array, size_t *cap, size_t need, size_t elem_size)
{
    if (need <= *cap)
        return 0;
    size_t new_cap = *cap ? *cap : 16;
    while (new_cap < need)
        new_cap *= 2;
    void *grown = realloc(*(void **)array, new_cap * elem_size);
    if (!grown)
        return COHORT_ENOMEM;
    *(void **)array = grown;
    *cap = new_cap;
    return 0;
}

/* ---- the ring of runs ---- */

static struct id_run *run_at(const struct shape_queue *sq, size_t i)
{
    return &sq->runs[(sq->runs_start + i) & (sq->runs_cap - 1)];
}

static int runs_grow(struct shape_queue *sq)
{
    size_t new_cap = sq->runs_cap ? sq->runs_cap * 2 : 4;
    struct id_run *runs = malloc(new_cap * sizeof(*runs));
    if (!runs)
        return COHORT_ENOMEM;
    for (size_t i = 0; i < sq->runs_len; i++)
        runs[i] = *run_at(sq, i);
    free(sq->runs);
    sq->runs = runs;
    sq->runs_cap = new_cap;
    sq->runs_start = 0;
    return 0;
}

/* Append ids after every id in the runs, merging with the last run when consecutive. */
static int runs_append(struct shape_queue *sq, uint64_t first, uint64_t count)
{
    if (sq->runs_len) {
        struct id_run *last = run_at(sq, sq->runs_len - 1);
        if (last->first + last->count == first) {
            last->count += count;
            return 0;
        }
    }
    if (sq->runs_len == sq->runs_cap) {
        int rc = runs_grow(sq);
        if (rc < 0)
            return rc;
    }
    *run_at(sq, sq->runs_len++) = (struct id_run){first, count};
    return 0;
}

static uint64_t runs_last_id(const struct shape_queue *sq)
{
    const struct id_run *last = run_at(sq, sq->runs_len - 1);
    return last->first + last->count - 1;
}

static bool runs_contain(const struct shape_queue *sq, uint64_t id)
{
    size_t lo = 0, hi = sq->runs_len;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const struct id_run *run = run_at(sq, mid);
        if (id < run->first)
            hi = mid;
        else if (id >= run->first + run->count)
            lo = mid + 1;
        else
            return true;
    }
    return false;
}

static void runs_pop_front(struct shape_queue *sq)
{
    struct id_run *front = run_at(sq, 0);
    front->first++;
    if (--front->count == 0) {
        sq->runs_start = (sq->runs_start + 1) & (sq->runs_cap - 1);
        sq->runs_len--;
    }
}

/* ---- the min-heap of returned ids ---- */

static int returned_push(struct shape_queue *sq, uint64_t id)
{
    int rc = grow(&sq->returned, &sq->returned_cap, sq->returned_len + 1, sizeof(uint64_t));
    if (rc < 0)
        return rc;
    size_t i = sq->returned_len++;
    while (i > 0 && sq->returned[(i - 1) / 2] > id) {
        sq->returned[i] = sq->returned[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    sq->returned[i] = id;
    return 0;
}

static void returned_pop(struct shape_queue *sq)
{
    uint64_t moved = sq->returned[--sq->returned_len];
    size_t i = 0;
    for (;;) {
        size_t child = 2 * i + 1;
        if (child >= sq->returned_len)
            break;
        if (child + 1 < sq->returned_len && sq->returned[child + 1] < sq->returned[child])
            child++;
        if (sq->returned[child] >= moved)
            break;
        sq->returned[i] = sq->returned[child];
        i = child;
    }
    if (sq->returned_len)
        sq->returned[i] = moved;
}

static bool returned_contain(const struct shape_queue *sq, uint64_t id)
{
    for (size_t i = 0; i < sq->returned_len; i++)
        if (sq->returned[i] == id)
            return true;
    return false;
}

/* ---- one shape ---- */

/* Lowest stored id (live or cancelled); the shape must hold at least one. */
static uint64_t lowest_stored(const struct shape_queue *sq)
{
    uint64_t lowest = UINT64_MAX;
    if (sq->runs_len)
        lowest = run_at(sq, 0)->first;
    if (sq->returned_len && sq->returned[0] < lowest)
        lowest = sq->returned[0];
    return lowest;
}

static void pop_lowest(struct shape_queue *sq)
{
    if (sq->returned_len && (!sq->runs_len || sq->returned[0] < run_at(sq, 0)->first))
        returned_pop(sq);
    else
        runs_pop_front(sq);
}

/* Drop cancelled ids from the front so that sq->head is the lowest live id. Only call
 * while live > 0. */
static void settle_head(struct shape_queue *sq)
{
    assert(sq->live > 0);
    for (;;) {
        uint64_t id = lowest_stored(sq);
        if (!hmap_remove(&sq->cancelled, id, NULL, NULL)) {
            sq->head = id;
            return;
        }
        pop_lowest(sq);
    }
}

static void shape_free(struct shape_queue *sq)
{
    if (!sq)
        return;
    free(sq->runs);
    free(sq->returned);
    hmap_free(&sq->cancelled);
    free(sq);
}

/* ---- the heap of shapes ---- */

static bool better(const struct shape_queue *a, const struct shape_queue *b)
{
    if (a->shape.priority != b->shape.priority)
        return a->shape.priority > b->shape.priority;
    return a->head < b->head;
}

static void heap_set(struct queue *q, size_t i, struct shape_queue *sq)
{
    q->heap[i] = sq;
    sq->heap_pos = i;
}

static void heap_sift_up(struct queue *q, size_t i)
{
    struct shape_queue *sq = q->heap[i];
    while (i > 0 && better(sq, q->heap[(i - 1) / 2])) {
        heap_set(q, i, q->heap[(i - 1) / 2]);
        i = (i - 1) / 2;
    }
    heap_set(q, i, sq);
}

static void heap_sift_down(struct queue *q, size_t i)
{
    struct shape_queue *sq = q->heap[i];
    for (;;) {
        size_t child = 2 * i + 1;
        if (child >= q->heap_len)
            break;
        if (child + 1 < q->heap_len && better(q->heap[child + 1], q->heap[child]))
            child++;
        if (!better(q->heap[child], sq))
            break;
        heap_set(q, i, q->heap[child]);
        i = child;
    }
    heap_set(q, i, sq);
}

static int heap_push(struct queue *q, struct shape_queue *sq)
{
    int rc = grow(&q->heap, &q->heap_cap, q->heap_len + 1, sizeof(*q->heap));
    /* a pass may set every shape aside: keep room for all of them there too */
    if (rc == 0)
        rc = grow(&q->aside, &q->aside_cap, q->heap_cap, sizeof(*q->aside));
    if (rc < 0)
        return rc;
    heap_set(q, q->heap_len++, sq);
    heap_sift_up(q, sq->heap_pos);
    return 0;
}

static void heap_delete(struct queue *q, struct shape_queue *sq)
{
    size_t i = sq->heap_pos;
    struct shape_queue *moved = q->heap[--q->heap_len];
    sq->heap_pos = NO_POS;
    if (moved == sq)
        return;
    heap_set(q, i, moved);
    heap_sift_up(q, i);
    heap_sift_down(q, moved->heap_pos);
}

/* The shape's head changed (grew or shrank): restore heap order. */
static void heap_fix(struct queue *q, struct shape_queue *sq)
{
    if (sq->heap_pos == NO_POS)
        return;
    heap_sift_up(q, sq->heap_pos);
    heap_sift_down(q, sq->heap_pos);
}

/* Forget a shape whose last live job left. */
static void drop_shape(struct queue *q, struct shape_queue *sq)
{
    if (sq->heap_pos != NO_POS)
        heap_delete(q, sq);
    hmap_remove(&q->shapes, shape_key(&sq->shape), shape_matches, &sq->shape);
    shape_free(sq);
}

/* ---- public ---- */

int queue_create(struct queue **out)
{
    struct queue *q = calloc(1, sizeof(*q));
    *out = NULL;
    if (!q)
        return COHORT_ENOMEM;
    hmap_init(&q->shapes, SIZE_MAX);
    *out = q;
    return 0;
}

void queue_clear(struct queue *q)
{
    size_t pos = 0;
    struct shape_queue *sq;
    while ((sq = hmap_next(&q->shapes, &pos)))
        shape_free(sq);
    hmap_free(&q->shapes);
    q->heap_len = 0;
    q->aside_len = 0;
    q->count = 0;
}

void queue_destroy(struct queue *q)
{
    if (!q)
        return;
    queue_clear(q);
    free(q->heap);
    free(q->aside);
    free(q);
}

/* Find the queue of a shape, creating it (empty, not in the heap) when create is set. */
static int find_shape(struct shape_queue **out, struct queue *q, const struct job_shape *shape,
                      bool create)
{
    uint64_t key = shape_key(shape);
    struct shape_queue *sq = hmap_get(&q->shapes, key, shape_matches, shape);
    int rc = COHORT_ENOENT;

    *out = sq;
    if (sq || !create)
        return sq ? 0 : rc;
    rc = COHORT_ENOMEM;
    if (!(sq = calloc(1, sizeof(*sq))))
        return rc;
    sq->shape = *shape;
    sq->heap_pos = NO_POS;
    hmap_init(&sq->cancelled, SIZE_MAX);
    if ((rc = hmap_put(&q->shapes, key, sq)) < 0) {
        shape_free(sq);
        return rc;
    }
    *out = sq;
    return 0;
}

int queue_add(struct queue *q, uint64_t first_id, uint64_t count, const struct job_shape *shape)
{
    struct shape_queue *sq = NULL;
    int rc;

    if (count == 0)
        return 0;
    if ((rc = find_shape(&sq, q, shape, true)) < 0)
        return rc;
    bool in_order = !sq->runs_len || first_id > runs_last_id(sq);
    assert(in_order || count == 1); /* only single requeued jobs come back out of order */
    rc = in_order ? runs_append(sq, first_id, count) : returned_push(sq, first_id);
    if (rc < 0)
        goto fail;
    if (sq->live == 0) {
        sq->head = first_id;
        if ((rc = heap_push(q, sq)) < 0)
            goto fail;
    } else if (first_id < sq->head) {
        sq->head = first_id;
        heap_fix(q, sq);
    }
    sq->live += count;
    q->count += count;
    return 0;
fail:
    if (sq->live == 0)
        drop_shape(q, sq); /* a shape this call created, with nothing live in it */
    return rc;
}

int queue_remove(struct queue *q, uint64_t id, const struct job_shape *shape)
{
    struct shape_queue *sq = NULL;
    int rc = find_shape(&sq, q, shape, false);

    if (rc < 0)
        return rc;
    if (!runs_contain(sq, id) && !returned_contain(sq, id))
        return COHORT_ENOENT;
    if (hmap_get(&sq->cancelled, id, NULL, NULL))
        return COHORT_ENOENT;
    if (id != sq->head && (rc = hmap_put(&sq->cancelled, id, sq)) < 0)
        return rc;
    sq->live--;
    q->count--;
    if (sq->live == 0) {
        drop_shape(q, sq);
    } else if (id == sq->head) {
        pop_lowest(sq);
        settle_head(sq);
        heap_fix(q, sq);
    }
    return 0;
}

uint64_t queue_count(const struct queue *q)
{
    return q->count;
}

void queue_pass_begin(struct queue *q)
{
    assert(q->aside_len == 0);
}

bool queue_pass_peek(struct queue *q, uint64_t *id, struct job_shape *shape)
{
    if (q->heap_len == 0)
        return false;
    *id = q->heap[0]->head;
    *shape = q->heap[0]->shape;
    return true;
}

void queue_pass_take(struct queue *q)
{
    struct shape_queue *sq = q->heap[0];

    assert(q->heap_len > 0);
    q->count--;
    if (--sq->live == 0) {
        drop_shape(q, sq);
        return;
    }
    pop_lowest(sq);
    settle_head(sq);
    heap_sift_down(q, 0);
}

void queue_pass_skip(struct queue *q)
{
    struct shape_queue *sq = q->heap[0];

    assert(q->heap_len > 0);
    /* aside has room for every shape in the heap (see heap_push) */
    heap_delete(q, sq);
    q->aside[q->aside_len++] = sq;
}

void queue_pass_end(struct queue *q)
{
    /* pushing back cannot fail: the heap held these shapes moments ago */
    for (size_t i = 0; i < q->aside_len; i++) {
        struct shape_queue *sq = q->aside[i];
        heap_set(q, q->heap_len++, sq);
        heap_sift_up(q, sq->heap_pos);
    }
    q->aside_len = 0;
}
