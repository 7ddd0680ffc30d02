/*
 * epoll.c: the epoll(7) backend.
 *
 * The fd map tells us the kernel's interest and the wanted one, so a change
 * is one epoll_ctl.  The map defers lowered interest to the next wait, so
 * the program may close an fd and open another file under its number
 * between our delete and the kernel hearing of it.  The map therefore asks
 * again whenever interest it lowered comes back within the iteration, and
 * each such call is made exact here: MOD that finds nothing (the file
 * behind the number changed) becomes ADD, and ADD that finds something
 * becomes MOD.  One MOD also re-arms an edge-triggered registration.
 *
 * epoll keys a registration by file and fd, so when the program closes an
 * fd while another process or a dup() keeps the file open, a registration
 * we had not yet deleted outlives the fd and can no longer be deleted by
 * number.  Each registration therefore carries a generation (kept in the
 * fd map's per-fd int) next to the fd in its epoll data; a DEL that fails
 * starts a new generation, and so does every ADD.  A report whose
 * generation is not the fd's current one comes from such an orphan, and
 * the epoll set is rebuilt without it (as libev does) instead of waking
 * the loop for it forever: one wake-up, then silence.
 *
 * Precise timers: epoll_wait counts milliseconds, so with
 * EVENT_BASE_FLAG_PRECISE_TIMER a timerfd in the epoll set is armed with
 * the exact timeout instead (created before the signal pipe, so that a
 * program sees the same fd numbers as with libevent).
 */
#include "config.h"

#ifdef HAVE_SYS_EPOLL_H

#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>
#ifdef HAVE_SYS_TIMERFD_H
#include <sys/timerfd.h>
#endif

#include <event2/event.h>

#include "event-internal.h"
#include "evthread-internal.h"
#include "log-internal.h"
#include "mm-internal.h"
#include "pollmask-internal.h"
#include "time-internal.h"
#include "util-internal.h"

/* The epoll data of a registration: the fd, and its generation above. */
#define EPOLL_DATA(fd, gen)               \
	((ev_uint64_t)(ev_uint32_t)(fd) | \
	    ((ev_uint64_t)(ev_uint32_t)(gen) << 32))
#define EPOLL_DATA_FD(u64) ((int)(ev_uint32_t)(u64))
#define EPOLL_DATA_GEN(u64) ((ev_uint32_t)((u64) >> 32))
#define TIMERFD_GEN 0xffffffffu

/* pollmask-internal.h converts epoll's bits as poll's. */
_Static_assert(EPOLLIN == POLLIN && EPOLLOUT == POLLOUT &&
        EPOLLERR == POLLERR && EPOLLHUP == POLLHUP && EPOLLRDHUP == POLLRDHUP,
    "epoll's readiness bits are poll's");

#define INITIAL_NEVENT 32
#define MAX_NEVENT 4096
/* Old kernels misbehave with timeouts past about 35 minutes. */
#define MAX_EPOLL_TIMEOUT_MSEC (35 * 60 * 1000)

struct epollop {
	struct epoll_event *events;
	int nevents;
	int epfd;
	int timerfd; /* -1 unless the timer must be precise */
};

/* Puts a timerfd in the epoll set; without one, timeouts are in ms. */
static void
setup_precise_timer(struct epollop *op)
{
#ifdef HAVE_TIMERFD_CREATE
	struct epoll_event epev;

	op->timerfd =
	    timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (op->timerfd < 0)
		return;
	memset(&epev, 0, sizeof(epev));
	epev.data.u64 = EPOLL_DATA(op->timerfd, TIMERFD_GEN);
	epev.events = EPOLLIN;
	if (epoll_ctl(op->epfd, EPOLL_CTL_ADD, op->timerfd, &epev) == 0)
		return;
	event_warn("epoll_ctl(timerfd)");
	close(op->timerfd);
	op->timerfd = -1;
#endif
}

static void *
epoll_init(struct event_base *base)
{
	struct epollop *op = mm_calloc(1, sizeof(*op));

	if (op == NULL)
		return NULL;
	op->timerfd = -1;
	op->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (op->epfd == -1) {
		if (errno != ENOSYS)
			event_warn("epoll_create1");
		mm_free(op);
		return NULL;
	}
	op->events = mm_calloc(INITIAL_NEVENT, sizeof(struct epoll_event));
	if (op->events == NULL) {
		close(op->epfd);
		mm_free(op);
		return NULL;
	}
	op->nevents = INITIAL_NEVENT;
	/*
	 * The fd map always batches lowered interest, which is most of what
	 * libevent's changelist mode is for; asking for it also defers
	 * additions (so event_add cannot see the kernel refuse an fd), and
	 * changes the name the base reports, as libevent's does.
	 */
	if ((base->flags & EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST) ||
	    (!(base->flags & EVENT_BASE_FLAG_IGNORE_ENV) &&
	        evutil_getenv_("EVENT_EPOLL_USE_CHANGELIST") != NULL))
		base->evsel = &epollops_changelist;
	if (base->flags & EVENT_BASE_FLAG_PRECISE_TIMER)
		setup_precise_timer(op);
	return op;
}

static const char *
op_name(int op)
{
	return op == EPOLL_CTL_ADD ? "ADD"
	    : op == EPOLL_CTL_MOD  ? "MOD"
	                           : "DEL";
}

/* One epoll_ctl; ADD starts a new generation of the fd's registration. */
static int
epoll_ctl_gen(struct epollop *op, int ctl, evutil_socket_t fd,
    ev_uint32_t events, int *gen)
{
	struct epoll_event epev;

	if (ctl == EPOLL_CTL_ADD || *gen < 0)
		*gen = (*gen + 1) & 0x7fffffff;
	memset(&epev, 0, sizeof(epev));
	epev.data.u64 = EPOLL_DATA(fd, *gen);
	epev.events = events;
	return epoll_ctl(op->epfd, ctl, fd, &epev);
}

static int
epoll_change(struct event_base *base, evutil_socket_t fd, short old,
    short wanted, void *fdinfo)
{
	struct epollop *op = base->evbase;
	ev_uint32_t events =
	    ev_to_pollmask_(wanted) | (wanted & EV_ET ? EPOLLET : 0);
	int *gen = fdinfo;
	int ctl;

	if (!(wanted & (EV_READ | EV_WRITE | EV_CLOSED))) {
		struct epoll_event unused;
		if (!(old & (EV_READ | EV_WRITE | EV_CLOSED)))
			return 0;
		if (epoll_ctl(op->epfd, EPOLL_CTL_DEL, fd, &unused) == 0)
			return 0;
		if (errno != ENOENT && errno != EBADF && errno != EPERM) {
			event_warn("Epoll DEL on fd %d failed", (int)fd);
			return -1;
		}
		/*
		 * The fd was closed (EBADF), or now names a file we never
		 * registered (ENOENT).  The kernel dropped our registration
		 * with the file, unless the file lives on in a dup or a
		 * child: then the registration does too, and can no longer be
		 * deleted by number.  A new generation makes its reports
		 * stand out as an orphan's (see the top of the file).
		 */
		*gen = (*gen + 1) & 0x7fffffff;
		return 0;
	}
	ctl = (old & (EV_READ | EV_WRITE | EV_CLOSED)) ? EPOLL_CTL_MOD
	                                               : EPOLL_CTL_ADD;
	if (epoll_ctl_gen(op, ctl, fd, events, gen) == 0)
		return 0;
	if (ctl == EPOLL_CTL_MOD && errno == ENOENT)
		ctl = EPOLL_CTL_ADD;
	else if (ctl == EPOLL_CTL_ADD && errno == EEXIST)
		ctl = EPOLL_CTL_MOD;
	else
		goto fail;
	if (epoll_ctl_gen(op, ctl, fd, events, gen) == 0)
		return 0;
fail:
	event_warn("Epoll %s(%d) on fd %d failed", op_name(ctl), (int)events,
	    (int)fd);
	return -1;
}

/* Replaces the epoll set with one holding only what the fd map wants. */
static void
epoll_rebuild(struct event_base *base)
{
	struct epollop *op = base->evbase;
	int epfd = epoll_create1(EPOLL_CLOEXEC);

	event_debug(("%s: a closed fd's registration outlived it; "
	             "rebuilding the epoll set",
	    __func__));
	if (epfd == -1 && (errno == EMFILE || errno == ENFILE)) {
		/*
		 * At the descriptor limit: keeping the old set would wake
		 * the loop for the orphan for ever, so give its number up
		 * first for the new set.
		 */
		close(op->epfd);
		op->epfd = -1;
		epfd = epoll_create1(EPOLL_CLOEXEC);
	}
	if (epfd == -1) {
		/* The next wait fails (EBADF) and the loop reports it. */
		event_warn("epoll_create1");
		if (op->epfd >= 0)
			close(op->epfd);
		op->epfd = -1;
		return;
	}
	if (op->epfd >= 0)
		close(op->epfd);
	op->epfd = epfd;
	if (op->timerfd >= 0) {
		struct epoll_event epev;
		memset(&epev, 0, sizeof(epev));
		epev.data.u64 = EPOLL_DATA(op->timerfd, TIMERFD_GEN);
		epev.events = EPOLLIN;
		if (epoll_ctl(op->epfd, EPOLL_CTL_ADD, op->timerfd, &epev) < 0)
			event_warn("epoll_ctl(timerfd)");
	}
	evmap_reinit_(base);
}

static int
epoll_wait_for(struct epollop *op, struct timeval *tv)
{
	long msec = -1;

#ifdef HAVE_TIMERFD_CREATE
	if (op->timerfd >= 0) {
		struct itimerspec is;
		memset(&is, 0, sizeof(is));
		if (tv && (tv->tv_sec || tv->tv_usec)) {
			is.it_value.tv_sec = tv->tv_sec;
			is.it_value.tv_nsec = tv->tv_usec * 1000;
		}
		/* A zero timeout stays a zero-time poll; no timer needed. */
		if (tv && !is.it_value.tv_sec && !is.it_value.tv_nsec)
			return epoll_wait(op->epfd, op->events, op->nevents, 0);
		if (timerfd_settime(op->timerfd, 0, &is, NULL) == 0)
			return epoll_wait(op->epfd, op->events, op->nevents,
			    -1);
		/* Never sleep on a timer that was not set: count in ms. */
		event_warn("timerfd_settime");
	}
#endif
	if (tv) {
		msec = evutil_tv_to_msec_(tv);
		if (msec < 0 || msec > MAX_EPOLL_TIMEOUT_MSEC)
			msec = MAX_EPOLL_TIMEOUT_MSEC;
	}
	return epoll_wait(op->epfd, op->events, op->nevents, (int)msec);
}

static int
epoll_dispatch(struct event_base *base, struct timeval *tv)
{
	struct epollop *op = base->evbase;
	struct evmap_ready_ctx ready;
	struct epoll_event *ready_events;
	int i, res, timerfd, orphans = 0;

	EVBASE_RELEASE_LOCK(base, th_base_lock);
	res = epoll_wait_for(op, tv);
	EVBASE_ACQUIRE_LOCK(base, th_base_lock);
	timerfd = op->timerfd;

	if (res == -1) {
		if (errno != EINTR) {
			event_warn("epoll_wait");
			return -1;
		}
		return 0;
	}

	evmap_ready_begin_(base, &ready);
	ready_events = op->events;
	for (i = 0; i < res; i++) {
		short ev = pollmask_to_ev_(ready_events[i].events);
		ev_uint64_t data = ready_events[i].data.u64;
		int fd = EPOLL_DATA_FD(data);

		if (EVUTIL_UNLIKELY(fd == timerfd)) {
			ev_uint64_t expirations;
			if (read(fd, &expirations, sizeof(expirations)) < 0 &&
			    errno != EAGAIN)
				event_warn("read(timerfd)");
			continue;
		}
		if (EVUTIL_UNLIKELY((unsigned)fd >= ready.nentries))
			continue;
		/* A report from an orphaned registration: see the top. */
		if (EVUTIL_UNLIKELY((ev_uint32_t)ready.entries[fd].backend !=
		        EPOLL_DATA_GEN(data))) {
			orphans = 1;
			continue;
		}
		if (ev)
			evmap_io_ready_in_map_(&ready, fd, ev | EV_ET);
	}
	evmap_ready_end_(base, &ready);
	if (EVUTIL_UNLIKELY(orphans))
		epoll_rebuild(base);

	if (res == op->nevents && op->nevents < MAX_NEVENT) {
		/* A full batch: more may be waiting, so take more next time. */
		int n = op->nevents * 2;
		struct epoll_event *events =
		    mm_realloc(op->events, (size_t)n * sizeof(*events));
		if (events) {
			op->events = events;
			op->nevents = n;
		}
	}
	return 0;
}

static void
epoll_dealloc(struct event_base *base)
{
	struct epollop *op = base->evbase;

	if (op == NULL)
		return;
	mm_free(op->events);
	if (op->epfd >= 0)
		close(op->epfd);
	if (op->timerfd >= 0)
		close(op->timerfd);
	mm_free(op);
	base->evbase = NULL;
}

const struct eventop epollops = {
	.name = "epoll",
	.init = epoll_init,
	.change = epoll_change,
	.dispatch = epoll_dispatch,
	.dealloc = epoll_dealloc,
	/* The epoll fd is shared with a forked child: make a new one. */
	.need_reinit = 1,
	.features = EV_FEATURE_ET | EV_FEATURE_O1 | EV_FEATURE_EARLY_CLOSE,
	.max_fd = -1,
};

const struct eventop epollops_changelist = {
	.name = "epoll (with changelist)",
	.init = epoll_init,
	.change = epoll_change,
	.dispatch = epoll_dispatch,
	.dealloc = epoll_dealloc,
	.need_reinit = 1,
	.features = EV_FEATURE_ET | EV_FEATURE_O1 | EV_FEATURE_EARLY_CLOSE,
	.max_fd = -1,
	.defer_all = 1,
};

#endif /* HAVE_SYS_EPOLL_H */
