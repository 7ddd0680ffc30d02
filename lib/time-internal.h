/*
 * time-internal.h: monotonic time for the event loop, and timeval helpers.
 *
 * The structure is public in name only (event2/util.h declares it
 * incomplete); it is defined here so that the core can embed one in its
 * event_base instead of allocating it.
 */
#ifndef TIME_INTERNAL_H_INCLUDED_
#define TIME_INTERNAL_H_INCLUDED_

#include <sys/types.h>
#include <sys/time.h>
#include <time.h>

#include <event2/util.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * What a timer reads, chosen once by evutil_configure_monotonic_time_().
 * A zeroed structure is not configured: configure it before reading it.
 */
struct evutil_monotonic_timer {
	int flags;       /* the EV_MONOT_* flags it was configured with */
	clockid_t clock; /* read with clock_gettime unless use_gtod */
	int use_gtod;    /* no usable monotonic clock: gettimeofday */
	/*
	 * gettimeofday only: what was added to the wall clock so far to hide
	 * its backward steps, and the last value returned.
	 */
	struct timeval gtod_adjust;
	struct timeval gtod_last;
};

/*
 * Chooses the clock.  EV_MONOT_PRECISE asks for CLOCK_MONOTONIC; without
 * it CLOCK_MONOTONIC_COARSE is used, whatever its resolution (as libevent).
 * EV_MONOT_FALLBACK selects gettimeofday, made non-decreasing (libevent
 * uses the flag this way to test that path); gettimeofday is also the
 * last resort on a system without monotonic clocks.  Returns 0.
 */
int evutil_configure_monotonic_time_(struct evutil_monotonic_timer *mt,
    int flags);

/* The gettimeofday path of evutil_gettime_monotonic_(). */
int evutil_gettime_monotonic_gtod_(struct evutil_monotonic_timer *mt,
    struct timeval *tv);

/*
 * Reads the timer into tv: 0, or -1 with errno set.  Called once per loop
 * iteration, so it is inline and costs one clock_gettime (a vDSO call on
 * Linux) and one well-predicted branch.
 */
static inline int
evutil_gettime_monotonic_(struct evutil_monotonic_timer *mt, struct timeval *tv)
{
	struct timespec ts;

#ifdef __GNUC__
	if (__builtin_expect(mt->use_gtod, 0))
#else
	if (mt->use_gtod)
#endif
		return evutil_gettime_monotonic_gtod_(mt, tv);
	if (clock_gettime(mt->clock, &ts) < 0)
		return -1;
	tv->tv_sec = ts.tv_sec;
	tv->tv_usec = (suseconds_t)(ts.tv_nsec / 1000);
	return 0;
}

/*
 * A timeout in milliseconds for poll/epoll_wait: rounded up to the next
 * millisecond, 0 for negative intervals, and saturated at INT_MAX, so the
 * result always fits an int.
 */
long evutil_tv_to_msec_(const struct timeval *tv);

/* Sleeps for tv (NULL: not at all), resuming after signals. */
void evutil_usleep_(const struct timeval *tv);

/* Conversions; the timespec one drops the sub-microsecond part. */
static inline void
evutil_timespec_to_timeval_(const struct timespec *ts, struct timeval *tv)
{
	tv->tv_sec = ts->tv_sec;
	tv->tv_usec = (suseconds_t)(ts->tv_nsec / 1000);
}

static inline void
evutil_timeval_to_timespec_(const struct timeval *tv, struct timespec *ts)
{
	ts->tv_sec = tv->tv_sec;
	ts->tv_nsec = (long)tv->tv_usec * 1000;
}

#ifdef __cplusplus
}
#endif

#endif /* TIME_INTERNAL_H_INCLUDED_ */
