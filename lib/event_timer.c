/*
 * event_timer.c: timers.  Deadlines are monotonic timevals; most timers
 * sit in the base's min-heap (minheap-internal.h), and those added with a
 * duration from event_base_init_common_timeout sit in a FIFO per duration
 * whose head alone is in the heap, through an internal timer.
 */
#include "config.h"

#include <string.h>
#include <sys/time.h>

#include <event2/event.h>
#include <event2/event_struct.h>
#include <event2/util.h>

#include "event-internal.h"
#include "evthread-internal.h"
#include "log-internal.h"
#include "minheap-internal.h"
#include "mm-internal.h"
#include "time-internal.h"
#include "timer-internal.h"
#include "util-internal.h"

/* The FIFO of a common-timeout queue, linked through TO_NEXT. */
static inline void
evq_insert_after(struct event_queue *q, struct event *after, struct event *ev)
{
	struct event **slot = after ? &TO_NEXT(after).tqe_next : &q->tqh_first;

	TO_NEXT(ev).tqe_next = *slot;
	if (*slot)
		TO_NEXT(*slot).tqe_prev = &TO_NEXT(ev).tqe_next;
	else
		q->tqh_last = &TO_NEXT(ev).tqe_next;
	*slot = ev;
	TO_NEXT(ev).tqe_prev = slot;
}

static inline void
evq_remove(struct event_queue *q, struct event *ev)
{
	struct event *next = TO_NEXT(ev).tqe_next;

	if (next)
		TO_NEXT(next).tqe_prev = TO_NEXT(ev).tqe_prev;
	else
		q->tqh_last = TO_NEXT(ev).tqe_prev;
	*TO_NEXT(ev).tqe_prev = next;
}

/* The element before ev, or NULL (tqe_prev points into it). */
static inline struct event *
evq_prev(struct event_queue *q, struct event *ev)
{
	struct event **prevp = TO_NEXT(ev).tqe_prev;

	if (prevp == &q->tqh_first)
		return NULL;
	return EVUTIL_UPCAST(prevp, struct event,
	    ev_timeout_pos.ev_next_with_common_timeout.tqe_next);
}

static inline struct event *
evq_last(struct event_queue *q)
{
	if (q->tqh_first == NULL)
		return NULL;
	return EVUTIL_UPCAST(q->tqh_last, struct event,
	    ev_timeout_pos.ev_next_with_common_timeout.tqe_next);
}

/* Arms the list's internal timer for the deadline of its first event. */
static void
common_timeout_schedule(struct common_timeout_list *ctl, struct event *head)
{
	struct timeval deadline = head->ev_timeout;

	deadline.tv_usec &= MICROSECONDS_MASK;
	event_add_nolock_(&ctl->timeout_event, &deadline, 1);
}

static void
common_timeout_callback(evutil_socket_t fd, short what, void *arg)
{
	struct common_timeout_list *ctl = arg;
	struct event_base *base = ctl->base;
	struct event *ev;
	struct timeval now;

	EVBASE_ACQUIRE_LOCK(base, th_base_lock);
	event_base_gettime_(base, &now);
	while ((ev = ctl->events.tqh_first) != NULL) {
		if (ev->ev_timeout.tv_sec > now.tv_sec ||
		    (ev->ev_timeout.tv_sec == now.tv_sec &&
		        (ev->ev_timeout.tv_usec & MICROSECONDS_MASK) >
		            now.tv_usec))
			break;
		event_del_nolock_(ev, EVENT_DEL_NOBLOCK);
		event_active_nolock_(ev, EV_TIMEOUT, 1);
	}
	if (ev)
		common_timeout_schedule(ctl, ev);
	EVBASE_RELEASE_LOCK(base, th_base_lock);
}

static int
grow_common_timeouts(struct event_base *base)
{
	int n = base->n_common_timeouts_allocated
	    ? base->n_common_timeouts_allocated * 2
	    : 16;
	struct common_timeout_list **queues;

	if (n > MAX_COMMON_TIMEOUTS)
		n = MAX_COMMON_TIMEOUTS;
	queues = mm_realloc(base->common_timeout_queues,
	    (size_t)n * sizeof(*queues));
	if (queues == NULL) {
		event_warn("%s: realloc", __func__);
		return -1;
	}
	base->common_timeout_queues = queues;
	base->n_common_timeouts_allocated = n;
	return 0;
}

const struct timeval *
event_base_init_common_timeout(struct event_base *base,
    const struct timeval *duration)
{
	struct timeval tv;
	const struct timeval *result = NULL;
	struct common_timeout_list *ctl;
	int i;

	if (base == NULL || duration == NULL)
		return NULL;
	EVBASE_ACQUIRE_LOCK(base, th_base_lock);
	if (duration->tv_usec > 1000000) {
		tv = *duration;
		if (is_common_timeout(duration, base))
			tv.tv_usec &= MICROSECONDS_MASK;
		tv.tv_sec += tv.tv_usec / 1000000;
		tv.tv_usec %= 1000000;
		duration = &tv;
	}
	for (i = 0; i < base->n_common_timeouts; i++) {
		ctl = base->common_timeout_queues[i];
		if (duration->tv_sec == ctl->duration.tv_sec &&
		    duration->tv_usec ==
		        (ctl->duration.tv_usec & MICROSECONDS_MASK)) {
			result = &ctl->duration;
			goto done;
		}
	}
	if (base->n_common_timeouts == MAX_COMMON_TIMEOUTS) {
		event_warnx("%s: Too many common timeouts already in use; "
		            "we only support %d per event_base",
		    __func__, MAX_COMMON_TIMEOUTS);
		goto done;
	}
	if (base->n_common_timeouts == base->n_common_timeouts_allocated &&
	    grow_common_timeouts(base) == -1)
		goto done;
	ctl = mm_calloc(1, sizeof(*ctl));
	if (ctl == NULL) {
		event_warn("%s: calloc", __func__);
		goto done;
	}
	ctl->events.tqh_first = NULL;
	ctl->events.tqh_last = &ctl->events.tqh_first;
	ctl->duration.tv_sec = duration->tv_sec;
	ctl->duration.tv_usec = duration->tv_usec | COMMON_TIMEOUT_MAGIC |
	    (base->n_common_timeouts << COMMON_TIMEOUT_IDX_SHIFT);
	evtimer_assign(&ctl->timeout_event, base, common_timeout_callback, ctl);
	ctl->timeout_event.ev_flags |= EVLIST_INTERNAL;
	event_priority_set(&ctl->timeout_event, 0);
	ctl->base = base;
	base->common_timeout_queues[base->n_common_timeouts++] = ctl;
	result = &ctl->duration;
done:
	EVBASE_RELEASE_LOCK(base, th_base_lock);
	return result;
}

/* Durations are equal, so the queue is sorted if we insert from the back. */
static void
insert_common_timeout_inorder(struct common_timeout_list *ctl, struct event *ev)
{
	struct event *e;

	for (e = evq_last(&ctl->events); e; e = evq_prev(&ctl->events, e)) {
		if (evutil_timercmp(&ev->ev_timeout, &e->ev_timeout, >=)) {
			evq_insert_after(&ctl->events, e, ev);
			return;
		}
	}
	evq_insert_after(&ctl->events, NULL, ev);
}

void
event_queue_remove_timeout_(struct event_base *base, struct event *ev)
{
	if (EVUTIL_UNLIKELY(!(ev->ev_flags & EVLIST_TIMEOUT))) {
		event_errx(1, "%s: %p(fd %d) not on queue %x", __func__,
		    (void *)ev, (int)ev->ev_fd, EVLIST_TIMEOUT);
		return;
	}
	event_count_out_(base, ev->ev_flags);
	ev->ev_flags &= ~EVLIST_TIMEOUT;
	if (is_common_timeout(&ev->ev_timeout, base))
		evq_remove(&get_common_timeout_list(base, &ev->ev_timeout)
		                ->events,
		    ev);
	else
		min_heap_erase_(&base->timeheap, ev);
}

/* A relative timeout from now; a common one keeps its queue bits. */
static inline void
set_deadline(struct event *ev, const struct timeval *tv, int common,
    const struct timeval *now)
{
	if (EVUTIL_UNLIKELY(common)) {
		struct timeval relative = *tv;
		relative.tv_usec &= MICROSECONDS_MASK;
		deadline_add(now, &relative, &ev->ev_timeout);
		ev->ev_timeout.tv_usec |= tv->tv_usec & ~MICROSECONDS_MASK;
	} else {
		deadline_add(now, tv, &ev->ev_timeout);
	}
}

/* Whether ev's new deadline is earlier than what a sleeping loop waits for. */
int
event_timeout_needs_wakeup_(struct event_base *base, struct event *ev)
{
	struct timeval now;

	if (is_common_timeout(&ev->ev_timeout, base))
		return 0;
	if (min_heap_elt_is_top_(ev))
		return 1;
	/* The clock may have jumped (suspend): a due top needs a wake-up. */
	event_base_gettime_(base, &now);
	return min_heap_top_key_(&base->timeheap) < min_heap_key_(&now);
}

/* Schedules ev's timeout (heap space is reserved). */
void
event_add_timeout_(struct event_base *base, struct event *ev,
    const struct timeval *tv, int tv_is_absolute)
{
	struct timeval now;
	int common;

	/* A persistent event re-arms with the interval it was added with. */
	if (ev->ev_closure == EV_CLOSURE_EVENT_PERSIST && !tv_is_absolute)
		ev->ev_io_timeout = *tv;
	if (ev->ev_flags & EVLIST_TIMEOUT)
		event_queue_remove_timeout_(base, ev);
	/* Rescheduling a timeout that already fired cancels that firing. */
	if ((ev->ev_flags & EVLIST_ACTIVE) && (ev->ev_res & EV_TIMEOUT)) {
		if ((ev->ev_events & EV_SIGNAL) && ev->ev_ncalls &&
		    ev->ev_pncalls)
			*ev->ev_pncalls = 0;
		event_queue_remove_active_(base, event_to_event_callback(ev));
	}

	common = is_common_timeout(tv, base);
	if (tv_is_absolute) {
		ev->ev_timeout = *tv;
	} else {
		event_base_gettime_(base, &now);
		set_deadline(ev, tv, common, &now);
	}

	event_count_in_(base, ev->ev_flags);
	ev->ev_flags |= EVLIST_TIMEOUT;
	if (common) {
		struct common_timeout_list *ctl =
		    get_common_timeout_list(base, &ev->ev_timeout);
		insert_common_timeout_inorder(ctl, ev);
		if (ev == ctl->events.tqh_first)
			common_timeout_schedule(ctl, ev);
	} else {
		min_heap_push_(&base->timeheap, ev);
	}
}

int
event_remove_timer_nolock_(struct event *ev)
{
	struct event_base *base = ev->ev_base;

	if (EVUTIL_UNLIKELY(base == NULL)) {
		event_warnx("%s: event has no event_base set.", __func__);
		return -1;
	}
	if (ev->ev_flags & EVLIST_TIMEOUT) {
		event_queue_remove_timeout_(base, ev);
		evutil_timerclear(&ev->ev_io_timeout);
	}
	return 0;
}

int
event_remove_timer(struct event *ev)
{
	int res;

	if (EVUTIL_UNLIKELY(ev == NULL || ev->ev_base == NULL)) {
		event_warnx("%s: event has no event_base set.", __func__);
		return -1;
	}
	EVBASE_ACQUIRE_LOCK(ev->ev_base, th_base_lock);
	res = event_remove_timer_nolock_(ev);
	EVBASE_RELEASE_LOCK(ev->ev_base, th_base_lock);
	return res;
}

/* A persistent event with a timeout re-arms before its callback runs. */
void
event_rearm_persistent_timeout_(struct event_base *base, struct event *ev)
{
	struct timeval run_at, relative_to, delay, now;
	ev_uint32_t usec_magic = 0;

	event_base_gettime_(base, &now);
	delay = ev->ev_io_timeout;
	if (is_common_timeout(&ev->ev_timeout, base)) {
		usec_magic = (ev_uint32_t)(delay.tv_usec & ~MICROSECONDS_MASK);
		delay.tv_usec &= MICROSECONDS_MASK;
	}
	/* From the scheduled time when the timer fired, so that a periodic
	 * timer does not drift; from now when I/O woke the event. */
	if (ev->ev_res & EV_TIMEOUT) {
		relative_to = ev->ev_timeout;
		relative_to.tv_usec &= MICROSECONDS_MASK;
	} else {
		relative_to = now;
	}
	deadline_add(&relative_to, &delay, &run_at);
	if (evutil_timercmp(&run_at, &now, <))
		deadline_add(&now, &delay, &run_at);
	/*
	 * Woken by I/O with its timeout still in the heap, the usual case:
	 * re-keyed where it sits, as event_add_nolock_ would leave it (last
	 * among equal deadlines), without its erase and push (about 40
	 * instructions per callback, bench/vs-libevent -s ir,
	 * pipes+timeouts).  The loop's own thread holds the lock here, so
	 * no wake-up is due.
	 */
	if (ev->ev_flags == (EVLIST_INIT | EVLIST_INSERTED | EVLIST_TIMEOUT) &&
	    !usec_magic && !(ev->ev_events & EV_SIGNAL) &&
	    !EVENT_DEBUG_MODE_ON_()) {
		ev->ev_timeout = run_at;
		min_heap_adjust_(&base->timeheap, ev);
		return;
	}
	run_at.tv_usec |= usec_magic;
	event_add_nolock_(ev, &run_at, 1);
}

/* Activates every timer that is due. */
void
event_timeout_process_(struct event_base *base)
{
	struct timeval now;
	uint64_t now_key;
	struct event *ev;

	if (min_heap_empty_(&base->timeheap))
		return;
	event_base_gettime_(base, &now);
	now_key = min_heap_key_(&now);
	while (!min_heap_empty_(&base->timeheap) &&
	    min_heap_top_key_(&base->timeheap) <= now_key) {
		ev = min_heap_top_(&base->timeheap);
		event_del_nolock_(ev, EVENT_DEL_NOBLOCK);
		event_active_nolock_(ev, EV_TIMEOUT, 1);
	}
}

/* How long the backend may sleep: NULL for no timer at all. */
int
event_timeout_next_(struct event_base *base, struct timeval **tv_p)
{
	struct timeval now, *tv = *tv_p;
	struct event *ev = min_heap_top_(&base->timeheap);

	if (ev == NULL) {
		*tv_p = NULL;
		return 0;
	}
	if (event_base_gettime_(base, &now) == -1)
		return -1;
	if (evutil_timercmp(&ev->ev_timeout, &now, <=)) {
		evutil_timerclear(tv);
		return 0;
	}
	evutil_timersub(&ev->ev_timeout, &now, tv);
	return 0;
}
