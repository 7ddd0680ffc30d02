/*
 * event_inspect.c: looking into a base from outside the loop: walking its
 * events, dumping them, counting them, activating them by fd or signal.
 */
#include "config.h"

#include <stdio.h>

#include <event2/event.h>

#include "event-internal.h"
#include "evmap-internal.h"
#include "evthread-internal.h"
#include "minheap-internal.h"

static int
event_base_foreach_event_nolock_(struct event_base *base,
    event_base_foreach_event_cb fn, void *arg)
{
	int r, i;
	unsigned u;
	struct event *ev;

	/* Added fd and signal events first... */
	if ((r = evmap_foreach_event_(base, fn, arg)) != 0)
		return r;
	/* ...then timers not visited yet... */
	for (u = 0; u < base->timeheap.n; u++) {
		ev = base->timeheap.slots[u].ev;
		if (ev->ev_flags & EVLIST_INSERTED)
			continue;
		if ((r = fn(base, ev, arg)) != 0)
			return r;
	}
	for (i = 0; i < base->n_common_timeouts; i++) {
		struct common_timeout_list *ctl =
		    base->common_timeout_queues[i];
		for (ev = ctl->events.tqh_first; ev;
		     ev = TO_NEXT(ev).tqe_next) {
			if (ev->ev_flags & EVLIST_INSERTED)
				continue;
			if ((r = fn(base, ev, arg)) != 0)
				return r;
		}
	}
	/* ...and last the active events that are on no other list. */
	for (i = 0; i < base->nactivequeues; i++) {
		struct event_callback *evcb;
		for (evcb = base->activequeues[i].tqh_first; evcb;
		     evcb = evcb->evcb_active_next.tqe_next) {
			if ((evcb->evcb_flags &
			        (EVLIST_INIT | EVLIST_INSERTED |
			            EVLIST_TIMEOUT)) != EVLIST_INIT)
				continue;
			if ((r = fn(base, event_callback_to_event(evcb),
			         arg)) != 0)
				return r;
		}
	}
	return 0;
}

int
event_base_foreach_event(struct event_base *base,
    event_base_foreach_event_cb fn, void *arg)
{
	int r;

	if (base == NULL || fn == NULL)
		return -1;
	EVBASE_ACQUIRE_LOCK(base, th_base_lock);
	r = event_base_foreach_event_nolock_(base, fn, arg);
	EVBASE_RELEASE_LOCK(base, th_base_lock);
	return r;
}

static const char *
event_kind(const struct event *e)
{
	return (e->ev_events & EV_SIGNAL) ? "sig" : "fd ";
}

static int
dump_inserted_event(const struct event_base *base, const struct event *e,
    void *arg)
{
	FILE *out = arg;

	if (!(e->ev_flags & (EVLIST_INSERTED | EVLIST_TIMEOUT)))
		return 0;
	fprintf(out, "  %p [%s %d]%s%s%s%s%s%s%s", (const void *)e,
	    event_kind(e), (int)e->ev_fd,
	    (e->ev_events & EV_READ) ? " Read" : "",
	    (e->ev_events & EV_WRITE) ? " Write" : "",
	    (e->ev_events & EV_CLOSED) ? " EOF" : "",
	    (e->ev_events & EV_SIGNAL) ? " Signal" : "",
	    (e->ev_events & EV_PERSIST) ? " Persist" : "",
	    (e->ev_events & EV_ET) ? " ET" : "",
	    (e->ev_flags & EVLIST_INTERNAL) ? " Internal" : "");
	if (e->ev_flags & EVLIST_TIMEOUT) {
		struct timeval tv = e->ev_timeout;
		tv.tv_usec &= MICROSECONDS_MASK;
		evutil_timeradd(&tv, &base->tv_clock_diff, &tv);
		fprintf(out, " Timeout=%ld.%06d", (long)tv.tv_sec,
		    (int)(tv.tv_usec & MICROSECONDS_MASK));
	}
	fputc('\n', out);
	return 0;
}

static int
dump_active_event(const struct event_base *base, const struct event *e,
    void *arg)
{
	FILE *out = arg;

	if (!(e->ev_flags & (EVLIST_ACTIVE | EVLIST_ACTIVE_LATER)))
		return 0;
	fprintf(out, "  %p [%s %d, priority=%d]%s%s%s%s%s active%s%s\n",
	    (const void *)e, event_kind(e), (int)e->ev_fd, e->ev_pri,
	    (e->ev_res & EV_READ) ? " Read" : "",
	    (e->ev_res & EV_WRITE) ? " Write" : "",
	    (e->ev_res & EV_CLOSED) ? " EOF" : "",
	    (e->ev_res & EV_SIGNAL) ? " Signal" : "",
	    (e->ev_res & EV_TIMEOUT) ? " Timeout" : "",
	    (e->ev_flags & EVLIST_INTERNAL) ? " [Internal]" : "",
	    (e->ev_flags & EVLIST_ACTIVE_LATER) ? " [NextTime]" : "");
	return 0;
}

void
event_base_dump_events(struct event_base *base, FILE *output)
{
	if (base == NULL || output == NULL)
		return;
	EVBASE_ACQUIRE_LOCK(base, th_base_lock);
	fprintf(output, "Inserted events:\n");
	event_base_foreach_event_nolock_(base, dump_inserted_event, output);
	fprintf(output, "Active events:\n");
	event_base_foreach_event_nolock_(base, dump_active_event, output);
	EVBASE_RELEASE_LOCK(base, th_base_lock);
}

void
event_base_active_by_fd(struct event_base *base, evutil_socket_t fd,
    short events)
{
	if (base == NULL)
		return;
	EVBASE_ACQUIRE_LOCK(base, th_base_lock);
	if (!(events & EV_TIMEOUT)) {
		evmap_io_active_(base, fd,
		    events & (EV_READ | EV_WRITE | EV_CLOSED));
	} else {
		int i;
		unsigned u;
		struct event *ev;
		for (u = 0; u < base->timeheap.n; u++) {
			ev = base->timeheap.slots[u].ev;
			if (ev->ev_fd == fd)
				event_active_nolock_(ev, EV_TIMEOUT, 1);
		}
		for (i = 0; i < base->n_common_timeouts; i++) {
			struct common_timeout_list *ctl =
			    base->common_timeout_queues[i];
			for (ev = ctl->events.tqh_first; ev;
			     ev = TO_NEXT(ev).tqe_next) {
				if (ev->ev_fd == fd)
					event_active_nolock_(ev, EV_TIMEOUT, 1);
			}
		}
	}
	EVBASE_RELEASE_LOCK(base, th_base_lock);
}

void
event_base_active_by_signal(struct event_base *base, int sig)
{
	if (base == NULL)
		return;
	EVBASE_ACQUIRE_LOCK(base, th_base_lock);
	evmap_signal_active_(base, sig, 1);
	EVBASE_RELEASE_LOCK(base, th_base_lock);
}

int
event_base_get_num_events(struct event_base *base, unsigned int type)
{
	int r = 0;

	EVBASE_ACQUIRE_LOCK(base, th_base_lock);
	if (type & EVENT_BASE_COUNT_ACTIVE)
		r += base->event_count_active;
	if (type & EVENT_BASE_COUNT_VIRTUAL)
		r += base->virtual_event_count;
	if (type & EVENT_BASE_COUNT_ADDED)
		r += base->event_count;
	EVBASE_RELEASE_LOCK(base, th_base_lock);
	return r;
}

int
event_base_get_max_events(struct event_base *base, unsigned int type, int clear)
{
	int r = 0;

	EVBASE_ACQUIRE_LOCK(base, th_base_lock);
	if (type & EVENT_BASE_COUNT_ACTIVE) {
		r += base->event_count_active_max;
		if (clear)
			base->event_count_active_max = 0;
	}
	if (type & EVENT_BASE_COUNT_VIRTUAL) {
		r += base->virtual_event_count_max;
		if (clear)
			base->virtual_event_count_max = 0;
	}
	if (type & EVENT_BASE_COUNT_ADDED) {
		r += base->event_count_max;
		if (clear)
			base->event_count_max = 0;
	}
	EVBASE_RELEASE_LOCK(base, th_base_lock);
	return r;
}

struct event *
event_base_get_running_event(struct event_base *base)
{
	struct event *ev = NULL;

	EVBASE_ACQUIRE_LOCK(base, th_base_lock);
	if (EVBASE_IN_THREAD(base) && base->current_event &&
	    (base->current_event->evcb_flags & EVLIST_INIT))
		ev = event_callback_to_event(base->current_event);
	EVBASE_RELEASE_LOCK(base, th_base_lock);
	return ev;
}
