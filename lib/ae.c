/*
 * ae.c: Redis' event loop API ("ae", see ae.h) on evkit's backends.
 *
 * An aeEventLoop owns a private event_base.  Each fd with a file event has
 * one persistent struct event whose interest is the fd's AE_READABLE and
 * AE_WRITABLE bits.  The ae loop never runs the program's handlers from
 * inside the base: event_base_wait_fired_() (event.c) waits once and
 * takes ae's fired events off the active queue into the fired array
 * without running anything; the handlers run afterwards, from
 * aeProcessEvents itself.  So a handler may
 * call aeProcessEvents again (Redis programs do), and the nested call
 * collects into the fired array past the entries the outer call is still
 * working through.
 *
 * Time events are Redis' unsorted list, newest first, with its rules:
 * deleting only marks an event, the reaping happens in the next pass over
 * the list (by the outermost pass only, so that a nested call never frees
 * an event an outer pass still points at), and events created during a
 * pass wait for the next one.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/time.h>

#include <event2/event.h>
#include <event2/event_struct.h>

#include "ae.h"
#include "event-internal.h"
#include "log-internal.h"
#include "mm-internal.h"
#include "util-internal.h"
#include "time-internal.h"

#define AE_INTEREST (AE_READABLE | AE_WRITABLE)

struct ae_state {
	struct event_base *base;
	struct event **evs; /* setsize entries; NULL until the fd is used */
	int fired_cap;      /* entries allocated in loop->fired */
	int fired_top;      /* first free entry of loop->fired */
	int time_depth;     /* passes over the time list in progress */
	struct evutil_monotonic_timer clock;
};

/* The backend of the last loop made, for aeGetApiName(void). */
static const char *ae_api_name;

static struct ae_state *
ae_state(aeEventLoop *loop)
{
	return loop->apidata;
}

static uint64_t
ae_now_us(struct ae_state *st)
{
	struct timeval tv;

	if (evutil_gettime_monotonic_(&st->clock, &tv) != 0)
		return 0;
	return (uint64_t)tv.tv_sec * 1000000u + (uint64_t)tv.tv_usec;
}

/*
 * The callback of the fds' events, which only marks them as ae's:
 * event_base_wait_fired_ takes them off the active queue without running
 * them, since aeProcessEvents gives it room for every fd.
 */
static void
ae_fd_fired(evutil_socket_t fd, short what, void *arg)
{
	(void)arg;
	event_warnx("ae: fd %d fired (%d) outside aeProcessEvents", (int)fd,
	    (int)what);
}

/* The base writes its struct event_fired_ into the fired array. */
_Static_assert(sizeof(aeFiredEvent) == sizeof(struct event_fired_) &&
        offsetof(aeFiredEvent, fd) == offsetof(struct event_fired_, fd) &&
        offsetof(aeFiredEvent, mask) == offsetof(struct event_fired_, res),
    "aeFiredEvent and struct event_fired_ differ");

/*
 * EV_READ and EV_WRITE as AE_READABLE and AE_WRITABLE.  The fired array
 * keeps the EV_ bits; the handlers get the AE_ mask.
 */
#define AE_MASK_OF(res) (((res) >> 1) & AE_INTEREST)

/* Room for one more wait's worth of fired fds past fired_top. */
static int
ae_reserve_fired(aeEventLoop *loop)
{
	struct ae_state *st = loop->apidata;
	aeFiredEvent *fired;
	int need;

	if (loop->setsize > INT_MAX - st->fired_top)
		return -1;
	need = st->fired_top + loop->setsize;
	if (need <= st->fired_cap)
		return 0;
	fired = mm_realloc(loop->fired, (size_t)need * sizeof(*fired));
	if (fired == NULL)
		return -1;
	loop->fired = fired;
	st->fired_cap = need;
	return 0;
}

aeEventLoop *
aeCreateEventLoopWithConfig(int setsize, const struct event_config *cfg)
{
	aeEventLoop *loop;
	struct ae_state *st = NULL;
	struct event_config *own = NULL;
	int i;

	if (setsize <= 0) {
		errno = EINVAL;
		return NULL;
	}
	loop = mm_calloc(1, sizeof(*loop));
	if (loop == NULL)
		return NULL;
	st = mm_calloc(1, sizeof(*st));
	loop->events = mm_calloc((size_t)setsize, sizeof(*loop->events));
	if (st == NULL || loop->events == NULL)
		goto err;
	st->evs = mm_calloc((size_t)setsize, sizeof(*st->evs));
	if (st->evs == NULL)
		goto err;
	loop->apidata = st;
	loop->setsize = setsize;
	loop->maxfd = -1;
	if (ae_reserve_fired(loop) != 0)
		goto err;
	if (evutil_configure_monotonic_time_(&st->clock,
	        EV_MONOT_PRECISE | EV_MONOT_FALLBACK) != 0)
		goto err;
	if (cfg == NULL && (own = event_config_new()) == NULL)
		goto err;
	st->base = event_base_new_with_config(cfg != NULL ? cfg : own);
	if (own != NULL)
		event_config_free(own);
	if (st->base == NULL)
		goto err;
	ae_api_name = event_base_get_method(st->base);
	for (i = 0; i < setsize; i++)
		loop->events[i].mask = AE_NONE;
	return loop;
err:
	if (st != NULL)
		mm_free(st->evs);
	mm_free(st);
	mm_free(loop->events);
	mm_free(loop->fired);
	mm_free(loop);
	return NULL;
}

aeEventLoop *
aeCreateEventLoop(int setsize)
{
	return aeCreateEventLoopWithConfig(setsize, NULL);
}

static void
ae_unlink_time_event(aeEventLoop *loop, aeTimeEvent *te)
{
	if (te->prev != NULL)
		te->prev->next = te->next;
	else
		loop->timeEventHead = te->next;
	if (te->next != NULL)
		te->next->prev = te->prev;
}

void
aeDeleteEventLoop(aeEventLoop *loop)
{
	struct ae_state *st;
	aeTimeEvent *te;
	int i;

	if (loop == NULL)
		return;
	st = loop->apidata;
	/*
	 * Every time event still listed gets its finalizer, deleted or not,
	 * first and off the list: a finalizer may still call the ae API
	 * (delete or create time events, delete its file events).
	 */
	while ((te = loop->timeEventHead) != NULL) {
		ae_unlink_time_event(loop, te);
		if (te->finalizerProc != NULL)
			te->finalizerProc(loop, te->clientData);
		mm_free(te);
	}
	for (i = 0; i < loop->setsize; i++)
		if (st->evs[i] != NULL)
			event_free(st->evs[i]);
	event_base_free(st->base);
	mm_free(st->evs);
	mm_free(st);
	mm_free(loop->events);
	mm_free(loop->fired);
	mm_free(loop);
}

void
aeStop(aeEventLoop *loop)
{
	loop->stop = 1;
}

void
aeSetDontWait(aeEventLoop *loop, int noWait)
{
	if (noWait)
		loop->flags |= AE_DONT_WAIT;
	else
		loop->flags &= ~AE_DONT_WAIT;
}

int
aeGetSetSize(aeEventLoop *loop)
{
	return loop->setsize;
}

int
aeResizeSetSize(aeEventLoop *loop, int setsize)
{
	struct ae_state *st = loop->apidata;
	aeFileEvent *events;
	struct event **evs;
	int i, old = loop->setsize;

	if (setsize == old)
		return AE_OK;
	if (setsize <= 0 || loop->maxfd >= setsize)
		return AE_ERR;
	if (setsize < old) {
		/* The fds cut off have no interest left, only events to free;
		 * a failed shrink just keeps the larger arrays. */
		for (i = setsize; i < old; i++)
			if (st->evs[i] != NULL) {
				event_free(st->evs[i]);
				st->evs[i] = NULL;
			}
		if ((evs = mm_realloc(st->evs,
		         (size_t)setsize * sizeof(*evs))) != NULL)
			st->evs = evs;
		if ((events = mm_realloc(loop->events,
		         (size_t)setsize * sizeof(*events))) != NULL)
			loop->events = events;
		loop->setsize = setsize;
		return AE_OK;
	}
	/* Growing: nothing changes until both arrays are larger. */
	evs = mm_realloc(st->evs, (size_t)setsize * sizeof(*evs));
	if (evs == NULL)
		return AE_ERR;
	st->evs = evs;
	events = mm_realloc(loop->events, (size_t)setsize * sizeof(*events));
	if (events == NULL)
		return AE_ERR; /* evs is larger than needed: harmless */
	loop->events = events;
	for (i = old; i < setsize; i++) {
		evs[i] = NULL;
		memset(&events[i], 0, sizeof(events[i]));
		events[i].mask = AE_NONE;
	}
	loop->setsize = setsize;
	/* aeProcessEvents makes the fired array large enough. */
	return AE_OK;
}

/*
 * Gives fd's event the interest `mask` (AE_READABLE/AE_WRITABLE bits; 0:
 * none).  Returns 0, or -1 with errno set and the old interest kept.
 */
static int
ae_set_interest(aeEventLoop *loop, int fd, int oldmask, int mask)
{
	struct ae_state *st = loop->apidata;
	struct event *ev = st->evs[fd];
	short what;
	int saved;

	oldmask &= AE_INTEREST;
	mask &= AE_INTEREST;
	if (oldmask == mask)
		return 0;
	if (ev == NULL) {
		ev = event_new(st->base, fd, EV_PERSIST, ae_fd_fired, loop);
		if (ev == NULL)
			return -1;
		st->evs[fd] = ev;
	} else if (oldmask != 0) {
		event_del(ev);
	}
	if (mask == 0)
		return 0;
	what = EV_PERSIST | ((mask & AE_READABLE) ? EV_READ : 0) |
	    ((mask & AE_WRITABLE) ? EV_WRITE : 0);
	event_assign(ev, st->base, fd, what, ae_fd_fired, loop);
	if (event_add(ev, NULL) == 0)
		return 0;
	saved = errno;
	if (oldmask != 0) {
		what = EV_PERSIST | ((oldmask & AE_READABLE) ? EV_READ : 0) |
		    ((oldmask & AE_WRITABLE) ? EV_WRITE : 0);
		event_assign(ev, st->base, fd, what, ae_fd_fired, loop);
		event_add(ev, NULL);
	}
	errno = saved;
	return -1;
}

int
aeCreateFileEvent(aeEventLoop *loop, int fd, int mask, aeFileProc *proc,
    void *clientData)
{
	aeFileEvent *fe;

	if (fd >= loop->setsize) {
		errno = ERANGE;
		return AE_ERR;
	}
	if (fd < 0) {
		errno = EBADF;
		return AE_ERR;
	}
	fe = &loop->events[fd];
	if (ae_set_interest(loop, fd, fe->mask, fe->mask | mask) != 0)
		return AE_ERR;
	fe->mask |= mask;
	if (mask & AE_READABLE)
		fe->rfileProc = proc;
	if (mask & AE_WRITABLE)
		fe->wfileProc = proc;
	fe->clientData = clientData;
	if (fd > loop->maxfd)
		loop->maxfd = fd;
	return AE_OK;
}

void
aeDeleteFileEvent(aeEventLoop *loop, int fd, int mask)
{
	aeFileEvent *fe;
	int j;

	if (fd < 0 || fd >= loop->setsize)
		return;
	fe = &loop->events[fd];
	if (fe->mask == AE_NONE)
		return;
	/* The barrier only means something with a write handler. */
	if (mask & AE_WRITABLE)
		mask |= AE_BARRIER;
	(void)ae_set_interest(loop, fd, fe->mask, fe->mask & ~mask);
	fe->mask &= ~mask;
	if (fd == loop->maxfd && fe->mask == AE_NONE) {
		for (j = fd - 1; j >= 0; j--)
			if (loop->events[j].mask != AE_NONE)
				break;
		loop->maxfd = j;
	}
}

int
aeGetFileEvents(aeEventLoop *loop, int fd)
{
	if (fd < 0 || fd >= loop->setsize)
		return 0;
	return loop->events[fd].mask;
}

void *
aeGetFileClientData(aeEventLoop *loop, int fd)
{
	if (fd < 0 || fd >= loop->setsize || loop->events[fd].mask == AE_NONE)
		return NULL;
	return loop->events[fd].clientData;
}

long long
aeCreateTimeEvent(aeEventLoop *loop, long long milliseconds, aeTimeProc *proc,
    void *clientData, aeEventFinalizerProc *finalizerProc)
{
	aeTimeEvent *te;
	long long ms = milliseconds < 0 ? 0 : milliseconds;

	te = mm_calloc(1, sizeof(*te));
	if (te == NULL)
		return AE_ERR;
	if (ms > (long long)(UINT64_MAX / 2000))
		ms = (long long)(UINT64_MAX / 2000);
	te->id = loop->timeEventNextId++;
	te->when = ae_now_us(ae_state(loop)) + (uint64_t)ms * 1000u;
	te->timeProc = proc;
	te->finalizerProc = finalizerProc;
	te->clientData = clientData;
	te->next = loop->timeEventHead;
	if (te->next != NULL)
		te->next->prev = te;
	loop->timeEventHead = te;
	return te->id;
}

int
aeDeleteTimeEvent(aeEventLoop *loop, long long id)
{
	aeTimeEvent *te;

	if (id == AE_DELETED_EVENT_ID)
		return AE_ERR;
	for (te = loop->timeEventHead; te != NULL; te = te->next)
		if (te->id == id) {
			te->id = AE_DELETED_EVENT_ID;
			return AE_OK;
		}
	return AE_ERR;
}

/*
 * How long the wait may last, in microseconds: -1 for no time event.  An
 * event deleted and waiting to be reaped asks for no wait at all, so that
 * the pass after the wait frees it now; that is only so when this call
 * would reap it (outermost pass, handler not running).
 */
static int64_t
ae_us_until_timer(aeEventLoop *loop)
{
	struct ae_state *st = loop->apidata;
	aeTimeEvent *te, *earliest = NULL;
	uint64_t now;

	for (te = loop->timeEventHead; te != NULL; te = te->next) {
		if (te->id == AE_DELETED_EVENT_ID) {
			if (te->refcount == 0 && st->time_depth == 0)
				return 0;
			continue;
		}
		if (earliest == NULL || te->when < earliest->when)
			earliest = te;
	}
	if (earliest == NULL)
		return -1;
	now = ae_now_us(st);
	if (earliest->when <= now)
		return 0;
	if (earliest->when - now > (uint64_t)INT64_MAX)
		return INT64_MAX;
	return (int64_t)(earliest->when - now);
}

/* One pass over the time events; returns how many handlers ran. */
static int
ae_process_time_events(aeEventLoop *loop)
{
	struct ae_state *st = loop->apidata;
	long long last_id = loop->timeEventNextId - 1;
	int reap = st->time_depth == 0, processed = 0;
	aeTimeEvent *te, *next;
	uint64_t now = ae_now_us(st);

	st->time_depth++;
	for (te = loop->timeEventHead; te != NULL; te = next) {
		next = te->next;
		if (te->id == AE_DELETED_EVENT_ID) {
			if (!reap || te->refcount > 0)
				continue;
			ae_unlink_time_event(loop, te);
			if (te->finalizerProc != NULL) {
				te->finalizerProc(loop, te->clientData);
				now = ae_now_us(st);
			}
			mm_free(te);
			continue;
		}
		/* Made during this pass: it waits for the next one. */
		if (te->id > last_id || te->when > now)
			continue;
		te->refcount++;
		{
			int ret = te->timeProc(loop, te->id, te->clientData);
			te->refcount--;
			processed++;
			now = ae_now_us(st);
			if (ret == AE_NOMORE)
				te->id = AE_DELETED_EVENT_ID;
			else
				te->when =
				    now + (uint64_t)(ret < 0 ? 0 : ret) * 1000u;
		}
		next = te->next; /* the handler may have added after te */
	}
	st->time_depth--;
	return processed;
}

/*
 * Runs the handlers of fd, ready for `mask`, in Redis' order: read then
 * write, write first with AE_BARRIER; one call when both are the same
 * function; a handler deleted by an earlier one is not called.
 */
static inline void
ae_run_fired(aeEventLoop *loop, int fd, int mask)
{
	aeFileEvent *fe = &loop->events[fd];
	int ran = 0, barrier = fe->mask & AE_BARRIER;

	/* Ready for one direction only: its handler, barrier or not. */
	switch (fe->mask & mask & AE_INTEREST) {
	case 0:
		return;
	case AE_READABLE:
		fe->rfileProc(loop, fd, fe->clientData, mask);
		return;
	case AE_WRITABLE:
		fe->wfileProc(loop, fd, fe->clientData, mask);
		return;
	}
	if (!barrier) {
		fe->rfileProc(loop, fd, fe->clientData, mask);
		ran = 1;
		fe = &loop->events[fd]; /* a handler may resize the set */
	}
	if ((fe->mask & mask & AE_WRITABLE) &&
	    (!ran || fe->wfileProc != fe->rfileProc)) {
		fe->wfileProc(loop, fd, fe->clientData, mask);
		ran = 1;
		fe = &loop->events[fd];
	}
	if (barrier && (fe->mask & mask & AE_READABLE) &&
	    (!ran || fe->wfileProc != fe->rfileProc))
		fe->rfileProc(loop, fd, fe->clientData, mask);
}

int
aeProcessEvents(aeEventLoop *loop, int flags)
{
	struct ae_state *st = loop->apidata;
	struct timeval tv, *tv_p = NULL;
	int processed = 0, start, end, j, n;
	int64_t us;

	if (!(flags & AE_ALL_EVENTS))
		return 0;
	/* A loop with no fd still waits for its next time event. */
	if (loop->maxfd != -1 ||
	    ((flags & AE_TIME_EVENTS) && !(flags & AE_DONT_WAIT))) {
		if (loop->beforesleep != NULL && (flags & AE_CALL_BEFORE_SLEEP))
			loop->beforesleep(loop);
		/* Read after beforesleep, which may call aeSetDontWait. */
		if ((flags | loop->flags) & AE_DONT_WAIT) {
			evutil_timerclear(&tv);
			tv_p = &tv;
		} else if ((flags & AE_TIME_EVENTS) &&
		    (us = ae_us_until_timer(loop)) >= 0) {
			tv.tv_sec = (time_t)(us / 1000000);
			tv.tv_usec = (suseconds_t)(us % 1000000);
			tv_p = &tv;
		}
		if (ae_reserve_fired(loop) != 0) {
			/* No room to note what fires: only the timers run. */
			event_warn("aeProcessEvents");
			start = end = st->fired_top;
		} else {
			start = st->fired_top;
			n = event_base_wait_fired_(st->base, tv_p, ae_fd_fired,
			    (struct event_fired_ *)(loop->fired + start),
			    st->fired_cap - start);
			if (n < 0)
				event_warnx("aeProcessEvents: the %s backend "
				            "failed",
				    event_base_get_method(st->base));
			else
				st->fired_top += n;
			end = st->fired_top;
		}
		if (!(flags & AE_FILE_EVENTS))
			end = start;
		if (loop->aftersleep != NULL && (flags & AE_CALL_AFTER_SLEEP))
			loop->aftersleep(loop);
		for (j = start; j < end; j++) {
			aeFiredEvent fired = loop->fired[j];
			/* An earlier handler may have shrunk the set below it.
			 */
			if (fired.fd < loop->setsize)
				ae_run_fired(loop, fired.fd,
				    AE_MASK_OF(fired.mask));
			processed++;
		}
		st->fired_top = start;
	}
	if (flags & AE_TIME_EVENTS)
		processed += ae_process_time_events(loop);
	return processed;
}

void
aeMain(aeEventLoop *loop)
{
	loop->stop = 0;
	while (!loop->stop)
		aeProcessEvents(loop,
		    AE_ALL_EVENTS | AE_CALL_BEFORE_SLEEP | AE_CALL_AFTER_SLEEP);
}

int
aeWait(int fd, int mask, long long milliseconds)
{
	struct pollfd pfd;
	int res, timeout, ready = 0;

	/* poll ignores a negative fd: that would be a plain sleep. */
	if (fd < 0) {
		errno = EBADF;
		return -1;
	}
	memset(&pfd, 0, sizeof(pfd));
	pfd.fd = fd;
	if (mask & AE_READABLE)
		pfd.events |= POLLIN;
	if (mask & AE_WRITABLE)
		pfd.events |= POLLOUT;
	timeout = milliseconds > INT_MAX ? INT_MAX
	    : milliseconds < 0           ? -1
	                                 : (int)milliseconds;
	res = poll(&pfd, 1, timeout);
	if (res != 1)
		return res;
	/* Not an open fd: an error, as Redis' select reports it. */
	if (pfd.revents & POLLNVAL) {
		errno = EBADF;
		return -1;
	}
	if (pfd.revents & POLLIN)
		ready |= AE_READABLE;
	/* Redis reports an error or a hang-up as writable. */
	if (pfd.revents & (POLLOUT | POLLERR | POLLHUP))
		ready |= AE_WRITABLE;
	return ready;
}

char *
aeGetApiName(void)
{
	if (ae_api_name == NULL) {
		/* No loop yet: the backend a new one would use. */
		struct event_base *base = event_base_new();
		if (base == NULL)
			return (char *)"unknown";
		ae_api_name = event_base_get_method(base);
		event_base_free(base);
	}
	return (char *)ae_api_name;
}

void
aeSetBeforeSleepProc(aeEventLoop *loop, aeBeforeSleepProc *beforesleep)
{
	loop->beforesleep = beforesleep;
}

void
aeSetAfterSleepProc(aeEventLoop *loop, aeBeforeSleepProc *aftersleep)
{
	loop->aftersleep = aftersleep;
}
