/*
 * minheap-internal.h: the timer heap.
 *
 * A 4-ary min-heap of events ordered by their deadline, and among equal
 * deadlines by the order in which they were (re)scheduled: timers due at
 * the same microsecond fire first in, first out.  Each slot caches the
 * deadline as one 64-bit count of microseconds and the scheduling
 * sequence number, so sifting compares integers in one array and never
 * touches the events themselves; the event only learns its slot
 * (min_heap_idx) when it moves.
 *
 * Four children per node: a heap of 200,000 timers is 9 levels deep
 * instead of 18, and three slots in four are leaves, so the usual insert
 * (a deadline later than most) and the usual erase (a hole near the
 * bottom) stop after a step or two; the four children of a node share
 * one or two cache lines.  A rescheduled timer is re-keyed where it sits
 * instead of being erased and pushed again.
 *
 * Space is reserved before an event changes state, so a push cannot fail
 * half-way through event_add.
 */
#ifndef MINHEAP_INTERNAL_H_INCLUDED_
#define MINHEAP_INTERNAL_H_INCLUDED_

#include <stddef.h>
#include <stdint.h>
#include <sys/time.h>

#include <event2/event_struct.h>

#include "mm-internal.h"

struct min_heap_slot {
	uint64_t key; /* the deadline in microseconds */
	uint64_t seq; /* when it was scheduled: FIFO among equal keys */
	struct event *ev;
};

struct min_heap {
	struct min_heap_slot *slots;
	unsigned n;
	unsigned cap;
	uint64_t seq; /* the next sequence number */
};

#define MIN_HEAP_PARENT_(i) (((i)-1) / 4)
#define MIN_HEAP_CHILD_(i) (4 * (i) + 1)

static inline uint64_t
min_heap_key_(const struct timeval *tv)
{
	return (uint64_t)tv->tv_sec * 1000000u + (uint64_t)tv->tv_usec;
}

static inline void
min_heap_ctor_(struct min_heap *h)
{
	h->slots = NULL;
	h->n = 0;
	h->cap = 0;
	h->seq = 0;
}

static inline void
min_heap_dtor_(struct min_heap *h)
{
	mm_free(h->slots);
	min_heap_ctor_(h);
}

static inline void
min_heap_elem_init_(struct event *ev)
{
	ev->ev_timeout_pos.min_heap_idx = -1;
}

static inline int
min_heap_empty_(const struct min_heap *h)
{
	return h->n == 0;
}

static inline unsigned
min_heap_size_(const struct min_heap *h)
{
	return h->n;
}

static inline struct event *
min_heap_top_(const struct min_heap *h)
{
	return h->n ? h->slots[0].ev : NULL;
}

/* The earliest deadline, valid only when the heap is not empty. */
static inline uint64_t
min_heap_top_key_(const struct min_heap *h)
{
	return h->slots[0].key;
}

static inline int
min_heap_elt_is_top_(const struct event *ev)
{
	return ev->ev_timeout_pos.min_heap_idx == 0;
}

/* Makes room for n events; 0 on success, -1 when memory runs out. */
static inline int
min_heap_reserve_(struct min_heap *h, unsigned n)
{
	struct min_heap_slot *slots;
	unsigned cap;

	if (n <= h->cap)
		return 0;
	cap = h->cap ? h->cap * 2 : 8;
	if (cap < n)
		cap = n;
	slots = mm_realloc(h->slots, (size_t)cap * sizeof(*slots));
	if (slots == NULL)
		return -1;
	h->slots = slots;
	h->cap = cap;
	return 0;
}

/* Whether a fires before b. */
static inline int
min_heap_before_(const struct min_heap_slot *a, const struct min_heap_slot *b)
{
	return a->key < b->key || (a->key == b->key && a->seq < b->seq);
}

static inline void
min_heap_place_(struct min_heap_slot *s, unsigned idx,
    const struct min_heap_slot *slot)
{
	s[idx] = *slot;
	slot->ev->ev_timeout_pos.min_heap_idx = (int)idx;
}

/* Moves slot up from the hole at idx past every later parent. */
static inline void
min_heap_sift_up_(struct min_heap *h, unsigned idx,
    const struct min_heap_slot *slot)
{
	struct min_heap_slot *s = h->slots;

	while (idx > 0) {
		unsigned parent = MIN_HEAP_PARENT_(idx);
		if (!min_heap_before_(slot, &s[parent]))
			break;
		min_heap_place_(s, idx, &s[parent]);
		idx = parent;
	}
	min_heap_place_(s, idx, slot);
}

/*
 * The same for a slot just given the newest sequence number: a parent
 * with an equal key was scheduled earlier and stays above it, so only the
 * keys are compared.
 */
static inline void
min_heap_sift_up_new_(struct min_heap *h, unsigned idx,
    const struct min_heap_slot *slot)
{
	struct min_heap_slot *s = h->slots;

	while (idx > 0) {
		unsigned parent = MIN_HEAP_PARENT_(idx);
		if (s[parent].key <= slot->key)
			break;
		min_heap_place_(s, idx, &s[parent]);
		idx = parent;
	}
	min_heap_place_(s, idx, slot);
}

/* Moves slot down from the hole at idx past every earlier child. */
static inline void
min_heap_sift_down_(struct min_heap *h, unsigned idx,
    const struct min_heap_slot *slot)
{
	struct min_heap_slot *s = h->slots;
	unsigned n = h->n;

	for (;;) {
		unsigned child = MIN_HEAP_CHILD_(idx), best = child, end;
		if (child >= n)
			break;
		end = n - child > 4 ? child + 4 : n;
		while (++child < end)
			if (min_heap_before_(&s[child], &s[best]))
				best = child;
		if (!min_heap_before_(&s[best], slot))
			break;
		min_heap_place_(s, idx, &s[best]);
		idx = best;
	}
	min_heap_place_(s, idx, slot);
}

/* Inserts ev keyed by its ev_timeout.  Space must have been reserved. */
static inline void
min_heap_push_(struct min_heap *h, struct event *ev)
{
	struct min_heap_slot slot;

	slot.key = min_heap_key_(&ev->ev_timeout);
	slot.seq = h->seq++;
	slot.ev = ev;
	min_heap_sift_up_new_(h, h->n++, &slot);
}

/*
 * ev, in the heap, has a new ev_timeout: moves it where the new deadline
 * belongs, last among the timers due at the same time, as a push would.
 */
static inline void
min_heap_adjust_(struct min_heap *h, struct event *ev)
{
	unsigned idx = (unsigned)ev->ev_timeout_pos.min_heap_idx;
	struct min_heap_slot slot;

	slot.key = min_heap_key_(&ev->ev_timeout);
	slot.seq = h->seq++;
	slot.ev = ev;
	if (idx > 0 && h->slots[MIN_HEAP_PARENT_(idx)].key > slot.key)
		min_heap_sift_up_new_(h, idx, &slot);
	else
		min_heap_sift_down_(h, idx, &slot);
}

/* Removes ev; 0 on success, -1 when it is not in the heap. */
static inline int
min_heap_erase_(struct min_heap *h, struct event *ev)
{
	int idx = ev->ev_timeout_pos.min_heap_idx;
	const struct min_heap_slot *last;
	unsigned hole;

	if (idx < 0)
		return -1;
	hole = (unsigned)idx;
	last = &h->slots[--h->n];
	if (hole < h->n) {
		struct min_heap_slot moved = *last;
		if (hole > 0 &&
		    min_heap_before_(&moved, &h->slots[MIN_HEAP_PARENT_(hole)]))
			min_heap_sift_up_(h, hole, &moved);
		else
			min_heap_sift_down_(h, hole, &moved);
	}
	ev->ev_timeout_pos.min_heap_idx = -1;
	return 0;
}

static inline struct event *
min_heap_pop_(struct min_heap *h)
{
	struct event *ev = min_heap_top_(h);

	if (ev != NULL)
		min_heap_erase_(h, ev);
	return ev;
}

#endif /* MINHEAP_INTERNAL_H_INCLUDED_ */
