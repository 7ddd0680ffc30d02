/*
 * minheap-internal.h: the timer heap.
 *
 * A binary min-heap of events ordered by their deadline.  Each slot caches
 * the deadline as one 64-bit count of microseconds, so sifting compares
 * integers in one array and never touches the events themselves; the event
 * only learns its slot (min_heap_idx) when it moves.
 *
 * The sift rules (an element moves up only past a strictly later parent,
 * and down only past a strictly earlier child) are chosen so that timers
 * with equal deadlines fire in exactly the order libevent 2.1 fires them:
 * programs observe that order, and with a 4 ms coarse clock equal
 * deadlines are common.  Space is reserved before an event changes state,
 * so a push cannot fail half-way through event_add.
 */
#ifndef MINHEAP_INTERNAL_H_INCLUDED_
#define MINHEAP_INTERNAL_H_INCLUDED_

#include <stddef.h>
#include <stdint.h>
#include <sys/time.h>

#include <event2/event_struct.h>

#include "mm-internal.h"

struct min_heap_slot {
	uint64_t key;
	struct event *ev;
};

struct min_heap {
	struct min_heap_slot *slots;
	unsigned n;
	unsigned cap;
};

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

static inline void
min_heap_place_(struct min_heap *h, unsigned idx, struct min_heap_slot slot)
{
	h->slots[idx] = slot;
	slot.ev->ev_timeout_pos.min_heap_idx = (int)idx;
}

/* Moves slot up from the hole at idx while its parent is strictly later. */
static inline void
min_heap_sift_up_(struct min_heap *h, unsigned idx, struct min_heap_slot slot)
{
	while (idx > 0) {
		unsigned parent = (idx - 1) / 2;
		if (h->slots[parent].key <= slot.key)
			break;
		min_heap_place_(h, idx, h->slots[parent]);
		idx = parent;
	}
	min_heap_place_(h, idx, slot);
}

/*
 * Like sift_up, but the first step is known to be needed: erase uses it
 * when the element moved into a hole is earlier than the hole's parent.
 */
static inline void
min_heap_sift_up_unconditional_(struct min_heap *h, unsigned idx,
    struct min_heap_slot slot)
{
	unsigned parent = (idx - 1) / 2;
	do {
		min_heap_place_(h, idx, h->slots[parent]);
		idx = parent;
		parent = (idx - 1) / 2;
	} while (idx && h->slots[parent].key > slot.key);
	min_heap_place_(h, idx, slot);
}

/* Moves slot down from the hole at idx past strictly earlier children. */
static inline void
min_heap_sift_down_(struct min_heap *h, unsigned idx, struct min_heap_slot slot)
{
	unsigned child = 2 * (idx + 1);

	while (child <= h->n) {
		if (child == h->n ||
		    h->slots[child].key > h->slots[child - 1].key)
			child--;
		if (slot.key <= h->slots[child].key)
			break;
		min_heap_place_(h, idx, h->slots[child]);
		idx = child;
		child = 2 * (idx + 1);
	}
	min_heap_place_(h, idx, slot);
}

/* Inserts ev keyed by its ev_timeout.  Space must have been reserved. */
static inline void
min_heap_push_(struct min_heap *h, struct event *ev)
{
	struct min_heap_slot slot;

	slot.key = min_heap_key_(&ev->ev_timeout);
	slot.ev = ev;
	min_heap_sift_up_(h, h->n++, slot);
}

/* Removes ev; 0 on success, -1 when it is not in the heap. */
static inline int
min_heap_erase_(struct min_heap *h, struct event *ev)
{
	int idx = ev->ev_timeout_pos.min_heap_idx;
	struct min_heap_slot last;
	unsigned hole;

	if (idx < 0)
		return -1;
	hole = (unsigned)idx;
	last = h->slots[--h->n];
	if (hole < h->n) {
		if (hole > 0 && h->slots[(hole - 1) / 2].key > last.key)
			min_heap_sift_up_unconditional_(h, hole, last);
		else
			min_heap_sift_down_(h, hole, last);
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
