/*
 * evutil_time.c: monotonic timers, sleeping, and time formatting.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <sys/types.h>
#include <sys/time.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/util.h>

#include "mm-internal.h"
#include "time-internal.h"
#include "util-internal.h"

#ifndef evutil_gettimeofday
/* util.h maps this to gettimeofday(2) where it exists. */
int
evutil_gettimeofday(struct timeval *tv, struct timezone *tz)
{
	return gettimeofday(tv, tz);
}
#endif

/* Whether clock can be read, and ticks at least every millisecond. */
static int
clock_usable(clockid_t clock, int need_ms_resolution)
{
	struct timespec ts;

	if (clock_gettime(clock, &ts) < 0)
		return 0;
	if (!need_ms_resolution)
		return 1;
	return clock_getres(clock, &ts) == 0 && ts.tv_sec == 0 &&
	    ts.tv_nsec <= 1000000;
}

int
evutil_configure_monotonic_time_(struct evutil_monotonic_timer *mt, int flags)
{
	memset(mt, 0, sizeof(*mt));
	mt->flags = flags;

	if (!(flags & EV_MONOT_FALLBACK)) {
#ifdef CLOCK_MONOTONIC_COARSE
		/*
		 * Cheaper to read, coarser by a timer tick (4 ms here).
		 * libevent takes it whatever its resolution, and so do we:
		 * timers added within one tick share a deadline, and the
		 * order such timers fire in is visible to programs.
		 */
		if (!(flags & EV_MONOT_PRECISE) &&
		    clock_usable(CLOCK_MONOTONIC_COARSE, 0)) {
			mt->clock = CLOCK_MONOTONIC_COARSE;
			return 0;
		}
#endif
		if (clock_usable(CLOCK_MONOTONIC, 0)) {
			mt->clock = CLOCK_MONOTONIC;
			return 0;
		}
	}
	mt->clock = CLOCK_REALTIME;
	mt->use_gtod = 1;
	return 0;
}

int
evutil_gettime_monotonic_gtod_(struct evutil_monotonic_timer *mt,
    struct timeval *tv)
{
	struct timeval now, back;

	if (gettimeofday(&now, NULL) < 0)
		return -1;
	evutil_timeradd(&now, &mt->gtod_adjust, &now);
	if (evutil_timercmp(&now, &mt->gtod_last, <)) {
		/* The wall clock was set back: absorb the step for good. */
		evutil_timersub(&mt->gtod_last, &now, &back);
		evutil_timeradd(&mt->gtod_adjust, &back, &mt->gtod_adjust);
		now = mt->gtod_last;
	}
	mt->gtod_last = now;
	*tv = now;
	return 0;
}

struct evutil_monotonic_timer *
evutil_monotonic_timer_new(void)
{
	return mm_calloc(1, sizeof(struct evutil_monotonic_timer));
}

void
evutil_monotonic_timer_free(struct evutil_monotonic_timer *timer)
{
	mm_free(timer);
}

int
evutil_configure_monotonic_time(struct evutil_monotonic_timer *timer, int flags)
{
	return evutil_configure_monotonic_time_(timer, flags);
}

int
evutil_gettime_monotonic(struct evutil_monotonic_timer *timer,
    struct timeval *tp)
{
	return evutil_gettime_monotonic_(timer, tp);
}

long
evutil_tv_to_msec_(const struct timeval *tv)
{
	long long ms;
	long usec = (long)tv->tv_usec;

	if (tv->tv_sec < 0)
		return 0;
	if (tv->tv_sec >= INT_MAX / 1000)
		return INT_MAX;
	ms = (long long)tv->tv_sec * 1000;
	/* Division truncates towards zero: add one for a positive rest. */
	ms += usec / 1000 + (usec % 1000 > 0);
	if (ms < 0)
		return 0;
	if (ms > INT_MAX)
		return INT_MAX;
	return (long)ms;
}

void
evutil_usleep_(const struct timeval *tv)
{
	struct timespec ts;

	if (tv == NULL)
		return;
	evutil_timeval_to_timespec_(tv, &ts);
	if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000)
		return;
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		continue;
}

int
evutil_date_rfc1123(char *date, const size_t datelen, const struct tm *tm)
{
	static const char days[7][4] = { "Sun", "Mon", "Tue", "Wed", "Thu",
		"Fri", "Sat" };
	static const char months[12][4] = { "Jan", "Feb", "Mar", "Apr", "May",
		"Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm now;
	time_t t;

	if (tm == NULL) {
		t = time(NULL);
		if (gmtime_r(&t, &now) == NULL)
			return -1;
		tm = &now;
	}
	if (tm->tm_wday < 0 || tm->tm_wday > 6 || tm->tm_mon < 0 ||
	    tm->tm_mon > 11)
		return -1;
	return evutil_snprintf(date, datelen,
	    "%s, %02d %s %4d %02d:%02d:%02d GMT", days[tm->tm_wday],
	    tm->tm_mday, months[tm->tm_mon], 1900 + tm->tm_year, tm->tm_hour,
	    tm->tm_min, tm->tm_sec);
}
