/*
 * event_compat.c: the 1.4 API, which works on one global "current" base
 * (event_init sets it).  memcached and tmux are written against it.
 */
#include "config.h"

#include <event2/event.h>
#include <event2/event_compat.h>

#include "event-internal.h"
#include "log-internal.h"

struct event_base *
event_init(void)
{
	struct event_base *base = event_base_new_with_config(NULL);

	if (base == NULL) {
		/* libevent exits here; a library leaves that to the
		 * program, which gets NULL as from event_base_new. */
		event_warnx("%s: unable to construct event_base", __func__);
		return NULL;
	}
	current_base = base;
	return base;
}

const char *
event_get_method(void)
{
	return event_base_get_method(current_base);
}

int
event_priority_init(int npriorities)
{
	return event_base_priority_init(current_base, npriorities);
}

void
event_set(struct event *ev, evutil_socket_t fd, short events,
    void (*callback)(evutil_socket_t, short, void *), void *arg)
{
	int r = event_assign(ev, current_base, fd, events, callback, arg);

	(void)r;
}

int
event_loop(int flags)
{
	return event_base_loop(current_base, flags);
}

int
event_dispatch(void)
{
	return event_loop(0);
}

int
event_loopexit(const struct timeval *tv)
{
	return event_base_loopexit(current_base, tv);
}

int
event_loopbreak(void)
{
	return event_base_loopbreak(current_base);
}

int
event_once(evutil_socket_t fd, short events,
    void (*callback)(evutil_socket_t, short, void *), void *arg,
    const struct timeval *tv)
{
	return event_base_once(current_base, fd, events, callback, arg, tv);
}
