/*
 * poll.c: the poll(2) backend.
 *
 * One pollfd per watched fd, packed at the front of an array; the fd map
 * keeps each fd's slot, and a removed fd's slot is filled by the last one.
 * After poll returns n, the scan stops at the n-th ready fd instead of
 * walking the whole array: with 10,000 fds and one ready, that is what
 * keeps a wakeup cheap.
 */
#include "config.h"

#ifdef HAVE_POLL_H

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <string.h>

#include <event2/event.h>

#include "event-internal.h"
#include "evthread-internal.h"
#include "log-internal.h"
#include "mm-internal.h"
#include "pollmask-internal.h"
#include "time-internal.h"
#include "util-internal.h"


struct pollop {
	struct pollfd *fds;
	int nfds;
	int cap;
	/* A copy poll() works on when another thread may change fds. */
	struct pollfd *scratch;
	int scratch_cap;
};

static void *
poll_init(struct event_base *base)
{
	return mm_calloc(1, sizeof(struct pollop));
}

static int
poll_reserve(struct pollfd **fds, int *cap, int n)
{
	struct pollfd *grown;
	int want = *cap ? *cap : 32;

	if (n <= *cap)
		return 0;
	while (want < n)
		want *= 2;
	grown = mm_realloc(*fds, (size_t)want * sizeof(**fds));
	if (grown == NULL)
		return -1;
	*fds = grown;
	*cap = want;
	return 0;
}

static void
poll_remove_slot(struct event_base *base, struct pollop *op, int *slot)
{
	int last = --op->nfds;

	if (*slot != last) {
		int *moved = evmap_io_backend_slot_(base, op->fds[last].fd);
		op->fds[*slot] = op->fds[last];
		if (moved)
			*moved = *slot;
	}
	*slot = -1;
}

static int
poll_change(struct event_base *base, evutil_socket_t fd, short old,
    short wanted, void *fdinfo)
{
	struct pollop *op = base->evbase;
	int *slot = fdinfo;
	short mask = (short)ev_to_pollmask_(wanted);

	if (!(wanted & (EV_READ | EV_WRITE | EV_CLOSED))) {
		if (*slot >= 0)
			poll_remove_slot(base, op, slot);
		return 0;
	}
	if (*slot < 0) {
		if (poll_reserve(&op->fds, &op->cap, op->nfds + 1) == -1)
			return -1;
		*slot = op->nfds++;
		op->fds[*slot].fd = fd;
		op->fds[*slot].revents = 0;
	}
	op->fds[*slot].events = mask;
	return 0;
}

static short
poll_to_ev(short what)
{
	short res = 0;

	if (what & (POLLHUP | POLLERR | POLLNVAL))
		what |= POLLIN | POLLOUT;
	if (what & POLLIN)
		res |= EV_READ;
	if (what & POLLOUT)
		res |= EV_WRITE;
	if (what & POLLRDHUP)
		res |= EV_CLOSED;
	return res;
}

static int
poll_dispatch(struct event_base *base, struct timeval *tv)
{
	struct pollop *op = base->evbase;
	struct pollfd *fds = op->fds;
	struct evmap_ready_ctx ready;
	int nfds = op->nfds, i, res, msec = -1;

	if (tv) {
		long m = evutil_tv_to_msec_(tv);
		msec = (m < 0 || m > INT_MAX) ? INT_MAX : (int)m;
	}
	if (base->th_base_lock) {
		if (poll_reserve(&op->scratch, &op->scratch_cap, nfds) == -1)
			return -1;
		if (nfds)
			memcpy(op->scratch, op->fds, nfds * sizeof(*fds));
		fds = op->scratch;
	}

	EVBASE_RELEASE_LOCK(base, th_base_lock);
	res = poll(fds, (nfds_t)nfds, msec);
	EVBASE_ACQUIRE_LOCK(base, th_base_lock);

	if (res == -1) {
		if (errno != EINTR) {
			event_warn("poll");
			return -1;
		}
		return 0;
	}
	evmap_ready_begin_(base, &ready);
	for (i = 0; i < nfds && res > 0; i++) {
		short ev;

		if (!fds[i].revents)
			continue;
		res--;
		ev = poll_to_ev(fds[i].revents);
		if (ev)
			evmap_io_ready_(&ready, fds[i].fd, ev);
	}
	evmap_ready_end_(base, &ready);
	return 0;
}

static void
poll_dealloc(struct event_base *base)
{
	struct pollop *op = base->evbase;

	if (op == NULL)
		return;
	mm_free(op->fds);
	mm_free(op->scratch);
	mm_free(op);
	base->evbase = NULL;
}

const struct eventop pollops = {
	.name = "poll",
	.init = poll_init,
	.change = poll_change,
	.dispatch = poll_dispatch,
	.dealloc = poll_dealloc,
	.features = EV_FEATURE_FDS | EV_FEATURE_EARLY_CLOSE,
	.max_fd = -1,
};

#endif /* HAVE_POLL_H */
