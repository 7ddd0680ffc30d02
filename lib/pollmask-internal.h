/*
 * pollmask-internal.h: readiness bits between struct event's EV_* and
 * poll(2)'s POLL* bits, for the backends that speak them (poll, epoll,
 * io_uring).  On Linux epoll's EPOLLIN, EPOLLOUT, EPOLLERR, EPOLLHUP and
 * EPOLLRDHUP have the values of their POLL* namesakes, and an io_uring
 * poll completes with the same bits; epoll.c checks this at compile time.
 */
#ifndef POLLMASK_INTERNAL_H_INCLUDED_
#define POLLMASK_INTERNAL_H_INCLUDED_

#include <poll.h>

#include <event2/event.h>

#include "util-internal.h"

/* Where poll(2) has no POLLRDHUP, EV_CLOSED cannot be asked of it. */
#ifndef POLLRDHUP
#define POLLRDHUP 0
#endif

/* EV_READ, EV_WRITE and EV_CLOSED as POLLIN, POLLOUT and POLLRDHUP. */
static inline unsigned
ev_to_pollmask_(short what)
{
	unsigned mask = 0;

	if (what & EV_READ)
		mask |= POLLIN;
	if (what & EV_WRITE)
		mask |= POLLOUT;
	if (what & EV_CLOSED)
		mask |= POLLRDHUP;
	return mask;
}

/*
 * A readiness report as the events to activate, as epoll reports it: an
 * error, or a hang-up without a read-side shutdown, wakes readers and
 * writers alike, so that their next call sees it.
 */
static inline short
pollmask_to_ev_(unsigned what)
{
	short ev = 0;

	/* The common case, without branches: POLLIN is 1, POLLOUT 4. */
	if (EVUTIL_LIKELY(!(what & (POLLERR | POLLHUP | POLLRDHUP))))
		return (short)(((what & POLLIN) << 1) | (what & POLLOUT));
	if (what & POLLERR)
		return EV_READ | EV_WRITE;
	if ((what & POLLHUP) && !(what & POLLRDHUP))
		return EV_READ | EV_WRITE;
	if (what & POLLIN)
		ev |= EV_READ;
	if (what & POLLOUT)
		ev |= EV_WRITE;
	if (what & POLLRDHUP)
		ev |= EV_CLOSED;
	return ev;
}

#endif /* POLLMASK_INTERNAL_H_INCLUDED_ */
