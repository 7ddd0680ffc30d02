/*
 * timer-internal.h: the timer code event.c runs inline on its hot paths
 * (event_add of a timer, the loop's look at the heap); the rest of the
 * timers is in event_timer.c.
 */
#ifndef TIMER_INTERNAL_H_INCLUDED_
#define TIMER_INTERNAL_H_INCLUDED_

#include <sys/time.h>

#include <event2/event_struct.h>

#include "event-internal.h"
#include "minheap-internal.h"
#include "util-internal.h"

/*
 * The latest relative timeout a timer can have: far enough for any
 * "never" a program means (about 31,000 years), near enough that no
 * deadline reachable from a real start time overflows the heap's
 * microsecond key (minheap-internal.h).
 */
#define DEADLINE_MAX_SEC ((time_t)1000000000000LL)

/*
 * *out = *start + *rel, for deadlines.  libevent adds the two timevals as
 * they are, so tv_sec = LONG_MAX overflows (undefined behaviour; the
 * "never" timer fires at once) and a tv_usec of a million or more is
 * carried only once, leaving a deadline whose microseconds a timerfd
 * refuses.  Here an unusual rel is normalised and clamped to
 * +-DEADLINE_MAX_SEC first, and a sum below zero becomes zero.  The usual
 * one costs two unsigned compares more than a plain add.
 */
static inline void
deadline_add(const struct timeval *start, const struct timeval *rel,
    struct timeval *out)
{
	time_t sec = rel->tv_sec;
	suseconds_t usec = rel->tv_usec;

	if (EVUTIL_UNLIKELY((unsigned long)usec >= 1000000 ||
	        (unsigned long)sec >= (unsigned long)DEADLINE_MAX_SEC)) {
		if (sec > DEADLINE_MAX_SEC)
			sec = DEADLINE_MAX_SEC;
		else if (sec < -DEADLINE_MAX_SEC)
			sec = -DEADLINE_MAX_SEC;
		sec += usec / 1000000;
		usec %= 1000000;
		if (usec < 0) {
			usec += 1000000;
			sec--;
		}
		sec += start->tv_sec;
		if (sec < 0) {
			out->tv_sec = 0;
			out->tv_usec = 0;
			return;
		}
	} else {
		sec += start->tv_sec;
	}
	usec += start->tv_usec;
	if (usec >= 1000000) {
		sec++;
		usec -= 1000000;
	}
	out->tv_sec = sec;
	out->tv_usec = usec;
}

/* The quick path's deadline: now + tv, the interval kept to re-arm. */
static inline void
set_timer_deadline(struct event_base *base, struct event *ev,
    const struct timeval *tv)
{
	struct timeval now;

	if (ev->ev_closure == EV_CLOSURE_EVENT_PERSIST)
		ev->ev_io_timeout = *tv;
	event_base_gettime_monotonic_(base, &now);
	deadline_add(&now, tv, &ev->ev_timeout);
}

/*
 * The most frequent event_add: (re)arming the timeout of a timer, or of an
 * fd event that is already added, on a base without locks or debug mode.
 * It does what the general path does for that case, in one function,
 * because timers are added and re-added far more often than anything else
 * (every bufferevent timeout, every idle timer).  Returns -1 when the
 * general path must decide.
 */
static inline int
event_add_timer_quick(struct event_base *base, struct event *ev,
    const struct timeval *tv)
{
	short flags = ev->ev_flags;

	if ((flags &
	        (EVLIST_ACTIVE | EVLIST_ACTIVE_LATER | EVLIST_FINALIZING |
	            EVLIST_INTERNAL)) ||
	    ((ev->ev_events & (EV_READ | EV_WRITE | EV_CLOSED | EV_SIGNAL)) &&
	        !(flags & EVLIST_INSERTED)) ||
	    (tv->tv_usec & COMMON_TIMEOUT_MASK) == COMMON_TIMEOUT_MAGIC)
		return -1;
	if (flags & EVLIST_TIMEOUT) {
		/* Pending: re-keyed where it sits in the heap. */
		if (is_common_timeout(&ev->ev_timeout, base))
			return -1;
		set_timer_deadline(base, ev, tv);
		min_heap_adjust_(&base->timeheap, ev);
		return 0;
	}
	if (min_heap_reserve_(&base->timeheap, base->timeheap.n + 1))
		return -1;
	ev->ev_flags = flags | EVLIST_TIMEOUT;
	if (++base->event_count > base->event_count_max)
		base->event_count_max = base->event_count;
	set_timer_deadline(base, ev, tv);
	min_heap_push_(&base->timeheap, ev);
	return 0;
}

#endif /* TIMER_INTERNAL_H_INCLUDED_ */
