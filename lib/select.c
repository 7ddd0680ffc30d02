/*
 * select.c: the select(2) backend.
 *
 * fd_set is a fixed bitmap of FD_SETSIZE bits; glibc does not check the
 * bounds of FD_SET, so an fd beyond it would write past the set.  The fd
 * map refuses such fds (max_fd below) with an error for that one event.
 */
#include "config.h"

#ifdef HAVE_SYS_SELECT_H

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/select.h>

#include <event2/event.h>

#include "event-internal.h"
#include "evthread-internal.h"
#include "log-internal.h"
#include "mm-internal.h"
#include "util-internal.h"

struct selectop {
	int maxfd; /* highest fd in either set, or -1 */
	fd_set readset;
	fd_set writeset;
	fd_set readset_out;
	fd_set writeset_out;
};

static void *
select_init(struct event_base *base)
{
	struct selectop *op = mm_calloc(1, sizeof(*op));

	if (op == NULL)
		return NULL;
	FD_ZERO(&op->readset);
	FD_ZERO(&op->writeset);
	op->maxfd = -1;
	return op;
}

static void
select_lower_maxfd(struct selectop *op)
{
	while (op->maxfd >= 0 && !FD_ISSET(op->maxfd, &op->readset) &&
	    !FD_ISSET(op->maxfd, &op->writeset))
		op->maxfd--;
}

static int
select_change(struct event_base *base, evutil_socket_t fd, short old,
    short wanted, void *fdinfo)
{
	struct selectop *op = base->evbase;

	if (fd < 0 || fd >= FD_SETSIZE)
		return -1;
	if (wanted & EV_READ)
		FD_SET(fd, &op->readset);
	else
		FD_CLR(fd, &op->readset);
	if (wanted & EV_WRITE)
		FD_SET(fd, &op->writeset);
	else
		FD_CLR(fd, &op->writeset);
	if (wanted & (EV_READ | EV_WRITE)) {
		if (fd > op->maxfd)
			op->maxfd = fd;
	} else if (fd == op->maxfd) {
		select_lower_maxfd(op);
	}
	return 0;
}

/*
 * select fails as a whole when one watched fd was closed behind our back.
 * Rather than fail the loop, report each closed fd as readable and
 * writable, the way poll reports POLLNVAL (its callbacks see the error on
 * their next read or write and can delete the event), and look at the
 * other fds once more without waiting.
 */
static int
select_report_bad_fds(struct event_base *base, struct selectop *op, int nfds)
{
	struct evmap_ready_ctx ready;
	int fd;

	op->readset_out = op->readset;
	op->writeset_out = op->writeset;
	evmap_ready_begin_(base, &ready);
	for (fd = 0; fd < nfds; fd++) {
		if ((FD_ISSET(fd, &op->readset) ||
		        FD_ISSET(fd, &op->writeset)) &&
		    fcntl(fd, F_GETFD) == -1 && errno == EBADF) {
			FD_CLR(fd, &op->readset_out);
			FD_CLR(fd, &op->writeset_out);
			evmap_io_ready_(&ready, fd, EV_READ | EV_WRITE);
		}
	}
	evmap_ready_end_(base, &ready);
	return 0;
}

/* Activates the events of the fds select left in the output sets. */
static void
select_activate(struct event_base *base, struct selectop *op, int nfds, int res)
{
	struct evmap_ready_ctx ready;
	int fd;

	evmap_ready_begin_(base, &ready);
	for (fd = 0; fd < nfds && res > 0; fd++) {
		short ev = 0;

		if (FD_ISSET(fd, &op->readset_out)) {
			ev |= EV_READ;
			res--;
		}
		if (FD_ISSET(fd, &op->writeset_out)) {
			ev |= EV_WRITE;
			res--;
		}
		if (ev)
			evmap_io_ready_(&ready, fd, ev);
	}
	evmap_ready_end_(base, &ready);
}

static int
select_dispatch(struct event_base *base, struct timeval *tv)
{
	struct selectop *op = base->evbase;
	int nfds = op->maxfd + 1, res;

	op->readset_out = op->readset;
	op->writeset_out = op->writeset;

	EVBASE_RELEASE_LOCK(base, th_base_lock);
	res = select(nfds, &op->readset_out, &op->writeset_out, NULL, tv);
	EVBASE_ACQUIRE_LOCK(base, th_base_lock);

	if (res == -1 && errno == EBADF) {
		struct timeval zero = { 0, 0 };
		select_report_bad_fds(base, op, nfds);
		res = select(nfds, &op->readset_out, &op->writeset_out, NULL,
		    &zero);
	}
	if (res == -1) {
		if (errno != EINTR) {
			event_warn("select");
			return -1;
		}
		return 0;
	}
	select_activate(base, op, nfds, res);
	return 0;
}

static void
select_dealloc(struct event_base *base)
{
	mm_free(base->evbase);
	base->evbase = NULL;
}

const struct eventop selectops = {
	.name = "select",
	.init = select_init,
	.change = select_change,
	.dispatch = select_dispatch,
	.dealloc = select_dealloc,
	.features = EV_FEATURE_FDS,
	.max_fd = FD_SETSIZE - 1,
};

#endif /* HAVE_SYS_SELECT_H */
