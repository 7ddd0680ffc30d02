/*
 * tests/check-internal.h: what the Check suites share.
 *
 * Every suite is built into one runner (tests/check_evkit, see
 * check_main.c).  The public-API suites also compile against the system
 * libevent 2.1 (tests/libevent-reference.sh), which is how we check that a
 * test asserts libevent's behaviour rather than ours: that build passes
 * -DEVKIT_REFERENCE, so a test of a deliberate evkit difference can be left
 * out there with #ifndef EVKIT_REFERENCE.
 *
 * The helpers below are defined in check_main.c.
 */
#ifndef CHECK_INTERNAL_H_INCLUDED_
#define CHECK_INTERNAL_H_INCLUDED_

#include <check.h>
#include <sys/time.h>
#include <time.h>

#include <event2/event.h>
#include <event2/event_struct.h>
#include <event2/util.h>

/*
 * EVKIT_REFERENCE: defined (by the compiler command line) when the suites
 * are built against the system libevent instead of libevkit.a.
 */

/* The suites; check_main.c runs them all. */
Suite *event_suite(void);
Suite *loop_suite(void);
Suite *timer_suite(void);
Suite *compat_suite(void);
Suite *signal_suite(void);
Suite *thread_suite(void);
Suite *util_suite(void);
Suite *scale_suite(void);
Suite *minheap_suite(void); /* internal: not run with EVKIT_REFERENCE */
/* Later suites: the runner picks up those linked in (weak references). */
Suite *evmap_suite(void); /* internal */
Suite *buffer_suite(void);
Suite *bufferevent_suite(void);
Suite *listener_suite(void);
Suite *reuse_suite(void);
Suite *dns_wire_suite(void);
Suite *dns_suite(void);
Suite *dns_conf_suite(void);
Suite *dns_server_suite(void); /* uses the wire module: evkit only */
Suite *http_parse_suite(void); /* the internal parser: evkit only */
Suite *http_uri_suite(void);
Suite *http_suite(void);
Suite *http_client_suite(void);
Suite *ssl_suite(void);
Suite *tag_suite(void);
Suite *rpc_suite(void);
Suite *fork_suite(void);
Suite *uring_suite(void);
Suite *watch_suite(void); /* libevent 2.2 API: not run with EVKIT_REFERENCE */
Suite *ae_suite(void);    /* evkit's own API: not with EVKIT_REFERENCE */

/*
 * The standard fixture: a fresh base and a connected, nonblocking
 * AF_UNIX socketpair.  Use it with
 *	tcase_add_checked_fixture(tc, evkit_setup, evkit_teardown);
 * The teardown fails the test if events were left added or active on the
 * base, then frees the base and closes whichever end of the pair is still
 * open (a test that closes one end itself sets it to -1).
 */
extern struct event_base *evkit_base;
extern evutil_socket_t evkit_pair[2];
void evkit_setup(void);
void evkit_teardown(void);

/* Fresh base with default settings (plus the runner's environment). */
struct event_base *evkit_new_base(void);
/* Asserts that nothing is added or active on base, then frees it. */
void evkit_free_base(struct event_base *base);
/* A connected nonblocking AF_UNIX stream socketpair; asserts on failure. */
void evkit_socketpair(evutil_socket_t pair[2]);
/* Closes fd unless it is -1, then sets it to -1. */
void evkit_close(evutil_socket_t *fd);
/* Writes the whole string to fd (a socketpair end); asserts on failure. */
void evkit_write(evutil_socket_t fd, const char *data);
/* Reads and discards everything readable now on a nonblocking fd. */
void evkit_drain(evutil_socket_t fd);

/*
 * Runs base with EVLOOP_ONCE until *flag becomes non-zero, max_iterations
 * loop calls were made, or timeout_ms milliseconds passed (an internal
 * timer bounds each wait).  Returns 0 when the flag was set, -1 otherwise.
 * max_iterations <= 0 means no limit on iterations.
 */
int evkit_loop_until(struct event_base *base, const volatile int *flag,
    int max_iterations, int timeout_ms);

/*
 * The order callbacks ran in: each probe appends its tag character with
 * evkit_order_note; evkit_order_reset empties the log.
 */
extern char evkit_order[256];
void evkit_order_note(char tag);
void evkit_order_reset(void);
/*
 * A callback argument that records what happened to it; evkit_probe_cb
 * also notes the probe's tag in evkit_order and then runs `action`.
 */
struct probe {
	char tag;
	int calls;
	evutil_socket_t fd;
	short what;
	struct event *ev;    /* the probe's own event, if a test sets it */
	struct event *other; /* what `action` works on */
	void (*action)(struct probe *);
};

#define PROBE(c)           \
	{                  \
		.tag = (c) \
	}

void evkit_probe_cb(evutil_socket_t fd, short what, void *arg);
/* The fixture evkit_setup, with an empty order log. */
void evkit_setup_ordered(void);

/* A callback that does nothing. */
void evkit_noop_cb(evutil_socket_t fd, short what, void *arg);

/*
 * Allocation counting: evkit_count_blocks() routes the library's memory
 * functions (event_set_mem_functions) through counters, for the rest of
 * the test's process.  evkit_live_blocks is the number of blocks
 * allocated through them and not freed yet; while evkit_fail_malloc is
 * non-zero, every malloc fails.
 */
extern long evkit_live_blocks;
extern int evkit_fail_malloc;
void evkit_count_blocks(void);

/* Milliseconds on the monotonic clock, for measuring durations. */
double evkit_now_ms(void);
/*
 * Milliseconds on the coarse monotonic clock, the one libevent's loop
 * reads (CLOCK_MONOTONIC where there is none).  It is never ahead of the
 * loop's clock, coarse or precise, so a duration measured from a reading
 * taken before a timer is added, up to an evkit_now_ms() reading in its
 * callback, is never shorter than the timeout: assert it with no slack.
 */
static inline double
evkit_coarse_ms(void)
{
	struct timespec ts;

#ifdef CLOCK_MONOTONIC_COARSE
	if (clock_gettime(CLOCK_MONOTONIC_COARSE, &ts) == 0)
		return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
#endif
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}
/* Milliseconds since the Epoch on the wall clock (gettimeofday). */
double evkit_wall_ms(void);
/* Milliseconds in a timeval. */
double evkit_tv_ms(const struct timeval *tv);
/* Fills tv with ms milliseconds and returns it. */
struct timeval *evkit_ms_tv(struct timeval *tv, long ms);

/*
 * The backend the runner was asked to test: the value of
 * EVKIT_TEST_BACKEND ("epoll", "epoll-changelist", "poll", "select",
 * "debug"), or NULL when the runner was started directly.
 */
const char *evkit_test_backend(void);
/*
 * The method name event_base_get_method() must report for that backend
 * ("epoll (with changelist)" for epoll-changelist, as libevent names it),
 * or NULL when any method will do (debug mode, or no backend requested).
 */
const char *evkit_test_method(void);
/* Non-zero when the runner enabled event_enable_debug_mode(). */
int evkit_test_debug(void);

/*
 * Copies event_get_supported_methods() into out (at most max - 1 names,
 * NULL-terminated) and returns the count.  libevent frees the array it
 * returned last time on every call, so never keep it across calls.
 */
int evkit_methods(const char **out, int max);

/* Whether a base's backend has all of the EV_FEATURE_* bits in features. */
int evkit_has_features(struct event_base *base, int features);

#endif /* CHECK_INTERNAL_H_INCLUDED_ */
