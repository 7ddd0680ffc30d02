/*
 * tests/check_loop.c: event_base and event_config, backend choice and the
 * environment, event_base_loop and its flags, loopexit/loopbreak/
 * loopcontinue, dispatch limits, priorities, event_reinit after fork and
 * the cached time.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <event2/thread.h>

#include "check-internal.h"

/* Busy-waits (no sleep: the point is to use up time inside a callback). */
static void
spin_ms(double ms)
{
	double end = evkit_now_ms() + ms;

	while (evkit_now_ms() < end)
		continue;
}

static int
method_known(const char *name)
{
	const char *m[16];
	int i;

	evkit_methods(m, 16);
	for (i = 0; m[i]; i++)
		if (!strcmp(m[i], name))
			return 1;
	return 0;
}

/* Whether a base's method name is the compiled-in method `m` (libevent
 * calls epoll with a changelist "epoll (with changelist)"). */
static int
same_method(const char *name, const char *m)
{
	size_t n = strlen(m);

	return !strncmp(name, m, n) && (name[n] == '\0' || name[n] == ' ');
}

/* A config that allows only `method` and ignores the environment. */
static struct event_config *
config_only(const char *method)
{
	struct event_config *cfg = event_config_new();
	const char *m[16];
	int i;

	evkit_methods(m, 16);
	ck_assert_ptr_nonnull(cfg);
	for (i = 0; m[i]; i++)
		if (strcmp(m[i], method))
			ck_assert_int_eq(event_config_avoid_method(cfg, m[i]),
			    0);
	ck_assert_int_eq(event_config_set_flag(cfg, EVENT_BASE_FLAG_IGNORE_ENV),
	    0);
	return cfg;
}

/* ---- bases, configs, methods ---- */

START_TEST(test_base_new_free)
{
	struct event_base *base;
	struct event_config *cfg;

	base = event_base_new();
	ck_assert_ptr_nonnull(base);
	ck_assert_ptr_nonnull(event_base_get_method(base));
	ck_assert_int_eq(event_base_get_npriorities(base), 1);
	event_base_free(base);

	cfg = event_config_new();
	ck_assert_ptr_nonnull(cfg);
	base = event_base_new_with_config(cfg);
	event_config_free(cfg);
	ck_assert_ptr_nonnull(base);
	/* An empty base: dispatch has nothing to wait for. */
	ck_assert_int_eq(event_base_dispatch(base), 1);
	event_base_free(base);

	/* A NULL config means the defaults. */
	base = event_base_new_with_config(NULL);
	ck_assert_ptr_nonnull(base);
	event_base_free(base);
}
END_TEST

START_TEST(test_supported_methods)
{
	const char **list = event_get_supported_methods();
	const char *want = evkit_test_method();
	const char *m[16];
	int i;

	ck_assert_ptr_nonnull(list);
	ck_assert_ptr_nonnull(list[0]);
	for (i = 0; list[i]; i++)
		ck_assert_int_lt(i, 15);
	evkit_methods(m, 16);
	ck_assert(method_known(event_base_get_method(evkit_base)) ||
	    !strcmp(event_base_get_method(evkit_base),
	        "epoll (with changelist)"));
	if (want)
		ck_assert_str_eq(event_base_get_method(evkit_base), want);
	/* The list is in preference order: ignoring the environment, a new
	 * base uses the first entry. */
	{
		struct event_config *cfg = event_config_new();
		struct event_base *base;

		event_config_set_flag(cfg, EVENT_BASE_FLAG_IGNORE_ENV);
		base = event_base_new_with_config(cfg);
		event_config_free(cfg);
		ck_assert_ptr_nonnull(base);
		ck_assert_str_eq(event_base_get_method(base), m[0]);
		event_base_free(base);
	}
}
END_TEST

START_TEST(test_avoid_method)
{
	const char *m[16];
	struct event_config *cfg;
	struct event_base *base;
	int i;

	evkit_methods(m, 16);
	for (i = 0; m[i]; i++) {
		cfg = event_config_new();
		ck_assert_int_eq(event_config_avoid_method(cfg, m[i]), 0);
		base = event_base_new_with_config(cfg);
		event_config_free(cfg);
		if (base) {
			ck_assert(
			    !same_method(event_base_get_method(base), m[i]));
			event_base_free(base);
		}
	}
	/* Avoiding every method leaves nothing. */
	cfg = event_config_new();
	event_config_set_flag(cfg, EVENT_BASE_FLAG_IGNORE_ENV);
	for (i = 0; m[i]; i++)
		event_config_avoid_method(cfg, m[i]);
	ck_assert_ptr_null(event_base_new_with_config(cfg));
	event_config_free(cfg);
	/* Avoiding an unknown name changes nothing. */
	cfg = event_config_new();
	ck_assert_int_eq(event_config_avoid_method(cfg, "nosuchmethod"), 0);
	base = event_base_new_with_config(cfg);
	event_config_free(cfg);
	ck_assert_ptr_nonnull(base);
	event_base_free(base);
}
END_TEST

/*
 * Loop test over every compiled-in method, whatever the runner's
 * backend: each one can be picked alone and reports libevent's features.
 */
START_TEST(test_each_method)
{
	const char *m[16];
	struct event_config *cfg;
	struct event_base *base;
	struct probe p = PROBE('r');
	struct event *ev;
	evutil_socket_t pair[2];
	int n, features;

	n = evkit_methods(m, 16);
	if (_i >= n)
		return;
	cfg = config_only(m[_i]);
	base = event_base_new_with_config(cfg);
	event_config_free(cfg);
	ck_assert_ptr_nonnull(base);
	ck_assert_str_eq(event_base_get_method(base), m[_i]);
	features = event_base_get_features(base);
	if (!strcmp(m[_i], "epoll"))
		ck_assert_int_eq(features,
		    EV_FEATURE_ET | EV_FEATURE_O1 | EV_FEATURE_EARLY_CLOSE);
	else if (!strcmp(m[_i], "poll"))
		ck_assert_int_eq(features,
		    EV_FEATURE_FDS | EV_FEATURE_EARLY_CLOSE);
	else if (!strcmp(m[_i], "select"))
		ck_assert_int_eq(features, EV_FEATURE_FDS);

	/* And it works. */
	evkit_socketpair(pair);
	ev = event_new(base, pair[0], EV_READ, evkit_probe_cb, &p);
	event_add(ev, NULL);
	evkit_write(pair[1], "x");
	ck_assert_int_eq(event_base_dispatch(base), 1);
	ck_assert_int_eq(p.calls, 1);
	ck_assert_int_eq(p.what, EV_READ);
	event_free(ev);
	evkit_close(&pair[0]);
	evkit_close(&pair[1]);
	evkit_free_base(base);
}
END_TEST

static struct event_base *
base_requiring(int features, int ignore_env)
{
	struct event_config *cfg = event_config_new();
	struct event_base *base;

	ck_assert_int_eq(event_config_require_features(cfg, features), 0);
	if (ignore_env)
		event_config_set_flag(cfg, EVENT_BASE_FLAG_IGNORE_ENV);
	base = event_base_new_with_config(cfg);
	event_config_free(cfg);
	return base;
}

START_TEST(test_require_features)
{
	static const int feats[] = { EV_FEATURE_O1, EV_FEATURE_ET,
		EV_FEATURE_FDS, EV_FEATURE_EARLY_CLOSE,
		EV_FEATURE_ET | EV_FEATURE_O1, EV_FEATURE_ET | EV_FEATURE_FDS,
		EV_FEATURE_FDS | EV_FEATURE_EARLY_CLOSE };
	struct event_base *base;
	size_t i;

	/* With the environment: either no base or one that has them. */
	for (i = 0; i < sizeof(feats) / sizeof(feats[0]); i++) {
		base = base_requiring(feats[i], 0);
		if (base) {
			ck_assert(evkit_has_features(base, feats[i]));
			event_base_free(base);
		}
	}
	/* Without it, on Linux: the first method in order that has them. */
	if (method_known("epoll")) {
		base = base_requiring(EV_FEATURE_ET, 1);
		ck_assert_ptr_nonnull(base);
		ck_assert_str_eq(event_base_get_method(base), "epoll");
		event_base_free(base);
		base =
		    base_requiring(EV_FEATURE_O1 | EV_FEATURE_EARLY_CLOSE, 1);
		ck_assert_ptr_nonnull(base);
		ck_assert_str_eq(event_base_get_method(base), "epoll");
		event_base_free(base);
	}
	if (method_known("poll")) {
		base = base_requiring(EV_FEATURE_FDS, 1);
		ck_assert_ptr_nonnull(base);
		ck_assert_str_eq(event_base_get_method(base), "poll");
		event_base_free(base);
	}
	/* Nothing is both edge-triggered and fine with regular files. */
	ck_assert_ptr_null(base_requiring(EV_FEATURE_ET | EV_FEATURE_FDS, 1));
}
END_TEST

START_TEST(test_config_flags)
{
	static const int flags[] = { EVENT_BASE_FLAG_NOLOCK,
		EVENT_BASE_FLAG_IGNORE_ENV, EVENT_BASE_FLAG_NO_CACHE_TIME,
		EVENT_BASE_FLAG_PRECISE_TIMER,
		EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST,
		EVENT_BASE_FLAG_NOLOCK | EVENT_BASE_FLAG_PRECISE_TIMER |
		    EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST };
	size_t i;

	for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		struct event_config *cfg = event_config_new();
		struct event_base *base;
		struct probe p = PROBE('t');
		struct event *ev;
		struct timeval tv = { 0, 2000 };
		evutil_socket_t pair[2];

		ck_assert_int_eq(event_config_set_flag(cfg, flags[i]), 0);
		base = event_base_new_with_config(cfg);
		event_config_free(cfg);
		ck_assert_ptr_nonnull(base);
		if ((flags[i] & EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST) &&
		    !strncmp(event_base_get_method(base), "epoll", 5))
			ck_assert_str_eq(event_base_get_method(base),
			    "epoll (with changelist)");
		/* A timer and an fd event both work with each flag. */
		ev = evtimer_new(base, evkit_probe_cb, &p);
		evtimer_add(ev, &tv);
		ck_assert_int_eq(event_base_dispatch(base), 1);
		ck_assert_int_eq(p.calls, 1);
		event_free(ev);
		evkit_socketpair(pair);
		ev = event_new(base, pair[0], EV_READ, evkit_probe_cb, &p);
		event_add(ev, NULL);
		evkit_write(pair[1], "x");
		ck_assert_int_eq(event_base_dispatch(base), 1);
		ck_assert_int_eq(p.calls, 2);
		event_free(ev);
		evkit_close(&pair[0]);
		evkit_close(&pair[1]);
		evkit_free_base(base);
	}
}
END_TEST

/* Runs fn with stderr captured; returns what was written (static). */
static const char *
capture_stderr(struct event_base *(*fn)(void), struct event_base **out)
{
	static char buf[4096];
	int p[2], saved;
	ssize_t n;

	ck_assert_int_eq(pipe(p), 0);
	fflush(stderr);
	saved = dup(2);
	ck_assert_int_ne(saved, -1);
	ck_assert_int_ne(dup2(p[1], 2), -1);
	close(p[1]);
	*out = fn();
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	n = read(p[0], buf, sizeof(buf) - 1);
	close(p[0]);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

static struct event_base *
new_default(void)
{
	return event_base_new();
}

static struct event_base *
new_ignore_env(void)
{
	struct event_config *cfg = event_config_new();
	struct event_base *base;

	event_config_set_flag(cfg, EVENT_BASE_FLAG_IGNORE_ENV);
	base = event_base_new_with_config(cfg);
	event_config_free(cfg);
	return base;
}

START_TEST(test_show_method)
{
	struct event_base *base;
	const char *out;

	ck_assert_int_eq(setenv("EVENT_SHOW_METHOD", "1", 1), 0);
	out = capture_stderr(new_default, &base);
	ck_assert_ptr_nonnull(base);
	ck_assert_msg(strstr(out, event_base_get_method(base)) != NULL,
	    "EVENT_SHOW_METHOD printed \"%s\"", out);
	event_base_free(base);

	/* libevent 2.1 prints it even with EVENT_BASE_FLAG_IGNORE_ENV. */
	out = capture_stderr(new_ignore_env, &base);
	ck_assert_ptr_nonnull(base);
	ck_assert_msg(strstr(out, event_base_get_method(base)) != NULL,
	    "EVENT_SHOW_METHOD with IGNORE_ENV printed \"%s\"", out);
	event_base_free(base);

	unsetenv("EVENT_SHOW_METHOD");
	out = capture_stderr(new_default, &base);
	ck_assert_str_eq(out, "");
	event_base_free(base);
}
END_TEST

START_TEST(test_env_no_method)
{
	const char *m[16];
	const char *cur = event_base_get_method(evkit_base);
	char name[64];
	struct event_base *base;
	size_t i;
	int was_set;

	evkit_methods(m, 16);
	ck_assert_uint_lt(strlen(cur), sizeof(name) - 9);
	strcpy(name, "EVENT_NO");
	/* "epoll (with changelist)" is disabled by EVENT_NOEPOLL. */
	for (i = 0; cur[i] && cur[i] != ' '; i++)
		name[8 + i] =
		    (char)(cur[i] >= 'a' && cur[i] <= 'z' ? cur[i] - 'a' + 'A'
		                                          : cur[i]);
	name[8 + i] = '\0';
	was_set = getenv(name) != NULL;
	ck_assert_int_eq(was_set, 0);
	ck_assert_int_eq(setenv(name, "1", 1), 0);
	/* Presence alone disables, whatever the value. */
	ck_assert_int_eq(setenv(name, "", 1), 0);
	base = event_base_new();
	if (base) {
		ck_assert_str_ne(event_base_get_method(base), cur);
		ck_assert_int_ne(strncmp(event_base_get_method(base), cur, i),
		    0);
		event_base_free(base);
	}
	/* EVENT_BASE_FLAG_IGNORE_ENV: every EVENT_NO* is ignored. */
	base = new_ignore_env();
	ck_assert_ptr_nonnull(base);
	ck_assert_str_eq(event_base_get_method(base), m[0]);
	event_base_free(base);
	unsetenv(name);
	base = event_base_new();
	ck_assert_ptr_nonnull(base);
	ck_assert_str_eq(event_base_get_method(base), cur);
	event_base_free(base);
}
END_TEST

/* ---- event_base_loop ---- */

START_TEST(test_loop_return_values)
{
	struct event *ev;
	struct timeval tv = { 0, 1000 };

	/* Nothing to do: 1, whatever the flags. */
	ck_assert_int_eq(event_base_loop(evkit_base, 0), 1);
	ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_ONCE), 1);
	ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_NONBLOCK), 1);
	ck_assert_int_eq(event_base_dispatch(evkit_base), 1);
	/* Ran out of events: 1 as well. */
	ev = evtimer_new(evkit_base, evkit_noop_cb, NULL);
	evtimer_add(ev, &tv);
	ck_assert_int_eq(event_base_dispatch(evkit_base), 1);
	/* Told to exit: 0. */
	evtimer_add(ev, &tv);
	event_base_loopexit(evkit_base, NULL);
	ck_assert_int_eq(event_base_dispatch(evkit_base), 0);
	evtimer_del(ev);
	event_free(ev);
	/* -1 (reentrant loop) is in the event suite. */
}
END_TEST

START_TEST(test_loop_once)
{
	struct probe a = PROBE('a'), b = PROBE('b');
	struct event *eva, *evb;
	struct timeval ta = { 0, 20000 }, tb = { 10, 0 };
	double t0;

	eva = evtimer_new(evkit_base, evkit_probe_cb, &a);
	evb = evtimer_new(evkit_base, evkit_probe_cb, &b);
	t0 = evkit_coarse_ms();
	evtimer_add(eva, &ta);
	evtimer_add(evb, &tb);
	/* Blocks until something happens, runs it, returns 0. */
	ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_ONCE), 0);
	ck_assert_double_ge(evkit_now_ms() - t0, 20);
	ck_assert_int_eq(a.calls, 1);
	ck_assert_int_eq(b.calls, 0);
	ck_assert_int_eq(evtimer_pending(evb, NULL), EV_TIMEOUT);
	event_free(eva);
	event_free(evb);
}
END_TEST

START_TEST(test_loop_nonblock)
{
	struct probe a = PROBE('a');
	struct event *eva, *evr;
	struct timeval tv = { 10, 0 };
	double t0;

	eva = evtimer_new(evkit_base, evkit_probe_cb, &a);
	evr = event_new(evkit_base, evkit_pair[0], EV_READ, evkit_probe_cb, &a);
	evtimer_add(eva, &tv);
	event_add(evr, NULL);
	t0 = evkit_now_ms();
	ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_NONBLOCK), 0);
	ck_assert_double_lt(evkit_now_ms() - t0, 5000); /* not the 10 s */
	ck_assert_int_eq(a.calls, 0);
	evkit_write(evkit_pair[1], "x");
	ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_NONBLOCK), 0);
	ck_assert_int_eq(a.calls, 1);
	event_free(eva);
	event_free(evr);
}
END_TEST

START_TEST(test_loop_nonblock_runs_until_idle)
{
	struct probe a = PROBE('a'), b = PROBE('b');
	struct event *eva, *evb;

	/* EVLOOP_NONBLOCK does not stop after one pass: it goes on while
	 * passes run callbacks (here one per priority), and then finds the
	 * base empty. */
	eva = event_new(evkit_base, -1, 0, evkit_probe_cb, &a);
	evb = event_new(evkit_base, -1, 0, evkit_probe_cb, &b);
	event_base_priority_init(evkit_base, 2);
	event_priority_set(eva, 0);
	event_priority_set(evb, 1);
	event_active(eva, EV_TIMEOUT, 1);
	event_active(evb, EV_TIMEOUT, 1);
	ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_NONBLOCK), 1);
	ck_assert_str_eq(evkit_order, "ab");
	event_free(eva);
	event_free(evb);
}
END_TEST

START_TEST(test_no_exit_on_empty_nonblock)
{
	ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_NONBLOCK), 1);
	ck_assert_int_eq(event_base_loop(evkit_base,
	                     EVLOOP_NONBLOCK | EVLOOP_NO_EXIT_ON_EMPTY),
	    0);
}
END_TEST

struct breaker {
	struct event_base *base;
	int delay_ms;
};

static void *
break_later(void *arg)
{
	struct breaker *b = arg;
	struct timespec ts = { 0, b->delay_ms * 1000000L };

	nanosleep(&ts, NULL);
	event_base_loopbreak(b->base);
	return NULL;
}

START_TEST(test_no_exit_on_empty_blocks)
{
	struct event_base *base;
	struct breaker br;
	pthread_t th;
	struct probe a = PROBE('a');
	struct event *ev;
	struct timeval tv = { 0, 10000 };
	double t0;

	/* Another thread is the only thing that can stop this loop. */
	ck_assert_int_eq(evthread_use_pthreads(), 0);
	base = evkit_new_base();
	ev = evtimer_new(base, evkit_probe_cb, &a);
	evtimer_add(ev, &tv);
	br.base = base;
	br.delay_ms = 100;
	t0 = evkit_now_ms();
	ck_assert_int_eq(pthread_create(&th, NULL, break_later, &br), 0);
	ck_assert_int_eq(event_base_loop(base, EVLOOP_NO_EXIT_ON_EMPTY), 0);
	ck_assert_double_ge(evkit_now_ms() - t0, 100 - 1);
	ck_assert_int_eq(event_base_got_break(base), 1);
	ck_assert_int_eq(a.calls, 1);
	pthread_join(th, NULL);
	event_free(ev);
	evkit_free_base(base);
}
END_TEST

START_TEST(test_loopexit_now)
{
	struct probe a = PROBE('a'), b = PROBE('b'), c = PROBE('c');
	struct event *eva, *evb, *evc, *keep;
	struct timeval tv = { 10, 0 };

	keep = evtimer_new(evkit_base, evkit_noop_cb, NULL);
	evtimer_add(keep, &tv);
	eva = event_new(evkit_base, -1, 0, evkit_probe_cb, &a);
	evb = event_new(evkit_base, -1, 0, evkit_probe_cb, &b);
	evc = event_new(evkit_base, -1, 0, evkit_probe_cb, &c);
	event_active(eva, EV_TIMEOUT, 1);
	ck_assert_int_eq(event_base_loopexit(evkit_base, NULL), 0);
	event_active(evb, EV_TIMEOUT, 1);
	event_active(evc, EV_TIMEOUT, 1);
	/* Exit after the current pass: every active callback runs. */
	ck_assert_int_eq(event_base_got_exit(evkit_base), 0);
	ck_assert_int_eq(event_base_dispatch(evkit_base), 0);
	ck_assert_str_eq(evkit_order, "abc");
	ck_assert_int_eq(event_base_got_exit(evkit_base), 1);
	ck_assert_int_eq(event_base_got_break(evkit_base), 0);
	/* The flag is cleared by the next loop. */
	ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_NONBLOCK), 0);
	ck_assert_int_eq(event_base_got_exit(evkit_base), 0);
	event_free(eva);
	event_free(evb);
	event_free(evc);
	event_free(keep);
}
END_TEST

/*
 * The exit deadline is the loop's cached time at the call plus the delay,
 * the same "now" every timer added in that callback starts from.  A
 * one-shot timer added with the same delay in the same callback has the
 * same deadline: an exit that came early would leave it unrun.  (A fresh
 * clock read is no reference: the loop's coarse clock may lag it by a
 * tick or more.)
 */
struct exit_delay {
	struct timeval called; /* cached time when loopexit was called */
	struct timeval fired;  /* cached time in the same-deadline timer */
	int fired_calls;
};

static void
same_deadline_cb(evutil_socket_t fd, short what, void *arg)
{
	struct exit_delay *d = arg;

	d->fired_calls++;
	ck_assert_int_eq(event_base_gettimeofday_cached(evkit_base, &d->fired),
	    0);
}

static void
act_loopexit_delay(struct probe *p)
{
	struct exit_delay *d = (struct exit_delay *)p->other;
	struct timeval ex = { 0, 100000 };

	ck_assert_int_eq(event_base_gettimeofday_cached(evkit_base, &d->called),
	    0);
	ck_assert_int_eq(event_base_loopexit(evkit_base, &ex), 0);
	ck_assert_int_eq(event_base_once(evkit_base, -1, EV_TIMEOUT,
	                     same_deadline_cb, d, &ex),
	    0);
}

START_TEST(test_loopexit_delay)
{
	struct probe t = PROBE('t'), s = PROBE('s');
	struct exit_delay d;
	struct event *tick, *start;
	struct timeval tv = { 0, 5000 };
	double t0, dt;

	memset(&d, 0, sizeof(d));
	tick = event_new(evkit_base, -1, EV_PERSIST, evkit_probe_cb, &t);
	start = event_new(evkit_base, -1, 0, evkit_probe_cb, &s);
	s.other = (struct event *)&d;
	s.action = act_loopexit_delay;
	evtimer_add(tick, &tv);
	event_active(start, EV_TIMEOUT, 1);
	t0 = evkit_now_ms();
	ck_assert_int_eq(event_base_dispatch(evkit_base), 0);
	dt = evkit_now_ms() - t0;
	ck_assert_int_eq(s.calls, 1);
	/* Not before the deadline, by the loop's own clock... */
	ck_assert_int_eq(d.fired_calls, 1);
	ck_assert_double_ge(evkit_tv_ms(&d.fired) - evkit_tv_ms(&d.called),
	    100);
	/* ...and not much after it; the loop kept running meanwhile. */
	ck_assert_double_lt(dt, 100 + 1000);
	ck_assert_int_ge(t.calls, 1);
	ck_assert_int_eq(event_base_got_exit(evkit_base), 1);
	event_free(tick);
	event_free(start);
}
END_TEST

static void
act_break(struct probe *p)
{
	ck_assert_int_eq(event_base_loopbreak(evkit_base), 0);
	ck_assert_int_eq(event_base_got_break(evkit_base), 1);
}

START_TEST(test_loopbreak)
{
	struct probe a = PROBE('a'), b = PROBE('b'), c = PROBE('c');
	struct event *eva, *evb, *evc;

	eva = event_new(evkit_base, -1, 0, evkit_probe_cb, &a);
	evb = event_new(evkit_base, -1, 0, evkit_probe_cb, &b);
	evc = event_new(evkit_base, -1, 0, evkit_probe_cb, &c);
	a.action = act_break;
	event_active(eva, EV_TIMEOUT, 1);
	event_active(evb, EV_TIMEOUT, 1);
	event_active(evc, EV_TIMEOUT, 1);
	/* Stops right after the callback: b and c stay active. */
	ck_assert_int_eq(event_base_dispatch(evkit_base), 0);
	ck_assert_str_eq(evkit_order, "a");
	ck_assert_int_eq(event_base_got_break(evkit_base), 1);
	ck_assert_int_eq(event_base_got_exit(evkit_base), 0);
	ck_assert_int_eq(event_base_get_num_events(evkit_base,
	                     EVENT_BASE_COUNT_ACTIVE),
	    2);
	/* The next loop clears the flag and runs them. */
	ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_NONBLOCK), 1);
	ck_assert_str_eq(evkit_order, "abc");
	ck_assert_int_eq(event_base_got_break(evkit_base), 0);
	event_free(eva);
	event_free(evb);
	event_free(evc);
}
END_TEST

START_TEST(test_loopbreak_before_loop)
{
	struct probe a = PROBE('a');
	struct event *ev;
	struct timeval tv = { 0, 1000 };

	/* A break asked for outside the loop is forgotten when it starts. */
	ev = evtimer_new(evkit_base, evkit_probe_cb, &a);
	evtimer_add(ev, &tv);
	ck_assert_int_eq(event_base_loopbreak(evkit_base), 0);
	ck_assert_int_eq(event_base_got_break(evkit_base), 1);
	ck_assert_int_eq(event_base_dispatch(evkit_base), 1);
	ck_assert_int_eq(a.calls, 1);
	ck_assert_int_eq(event_base_got_break(evkit_base), 0);
	event_free(ev);
	ck_assert_int_eq(event_base_loopbreak(NULL), -1);
	ck_assert_int_eq(event_base_loopcontinue(NULL), -1);
}
END_TEST

START_TEST(test_loopexit_before_loop)
{
	struct probe a = PROBE('a');
	struct event *ev;
	struct timeval tv = { 0, 50000 };

	/* An exit asked for outside the loop is not: it ends the first
	 * pass, before the 50 ms timer. */
	ev = evtimer_new(evkit_base, evkit_probe_cb, &a);
	evtimer_add(ev, &tv);
	ck_assert_int_eq(event_base_loopexit(evkit_base, NULL), 0);
	ck_assert_int_eq(event_base_dispatch(evkit_base), 0);
	ck_assert_int_eq(a.calls, 0);
	ck_assert_int_eq(event_base_got_exit(evkit_base), 1);
	evtimer_del(ev);
	event_free(ev);
}
END_TEST

START_TEST(test_loopexit_twice)
{
	struct event *keep;
	struct timeval tv = { 10, 0 }, t60 = { 0, 60000 }, t20 = { 0, 20000 };
	double t0;

	keep = evtimer_new(evkit_base, evkit_noop_cb, NULL);
	evtimer_add(keep, &tv);
	/* The earlier of two exits ends the loop; time it from before the
	 * exits were scheduled, or a slow machine shortens the wait seen. */
	t0 = evkit_coarse_ms();
	ck_assert_int_eq(event_base_loopexit(evkit_base, &t60), 0);
	ck_assert_int_eq(event_base_loopexit(evkit_base, &t20), 0);
	ck_assert_int_eq(event_base_dispatch(evkit_base), 0);
	ck_assert_double_ge(evkit_now_ms() - t0, 20);
	if (event_base_get_num_events(evkit_base, EVENT_BASE_COUNT_ADDED) ==
	    1) {
		/* Stalled 40 ms (loaded machine): both ran in one pass. */
		event_free(keep);
		return;
	}
	/* ... and the other is still pending: it ends the next loop. */
	ck_assert_int_eq(event_base_get_num_events(evkit_base,
	                     EVENT_BASE_COUNT_ADDED),
	    2);
	ck_assert_int_eq(event_base_dispatch(evkit_base), 0);
	ck_assert_double_ge(evkit_now_ms() - t0, 60);
	ck_assert_int_eq(event_base_got_exit(evkit_base), 1);
	ck_assert_int_eq(event_base_get_num_events(evkit_base,
	                     EVENT_BASE_COUNT_ADDED),
	    1);
	event_free(keep);
}
END_TEST

static void
act_continue(struct probe *p)
{
	ck_assert_int_eq(event_base_loopcontinue(evkit_base), 0);
	evkit_write(evkit_pair[1], "x");
}

static void
act_write(struct probe *p)
{
	evkit_write(evkit_pair[1], "x");
}

static void
act_write_activate(struct probe *p)
{
	evkit_write(evkit_pair[1], "x");
	event_active(p->other, EV_TIMEOUT, 1);
}

/*
 * Three events a, b, c at priority 1 and R, a read on evkit_pair[0] at
 * priority 0 (added), on a base with two priorities.
 */
struct abcr {
	struct probe a, b, c, r;
	struct event *eva, *evb, *evc, *evr;
};

static void
abcr_init(struct abcr *t, struct event_base *base)
{
	memset(t, 0, sizeof(*t));
	t->a.tag = 'a';
	t->b.tag = 'b';
	t->c.tag = 'c';
	t->r.tag = 'R';
	ck_assert_int_eq(event_base_priority_init(base, 2), 0);
	t->eva = event_new(base, -1, 0, evkit_probe_cb, &t->a);
	t->evb = event_new(base, -1, 0, evkit_probe_cb, &t->b);
	t->evc = event_new(base, -1, 0, evkit_probe_cb, &t->c);
	t->evr = event_new(base, evkit_pair[0], EV_READ, evkit_probe_cb, &t->r);
	event_priority_set(t->evr, 0);
	ck_assert_int_eq(event_add(t->evr, NULL), 0);
}

static void
abcr_activate(struct abcr *t)
{
	event_active(t->eva, EV_TIMEOUT, 1);
	event_active(t->evb, EV_TIMEOUT, 1);
	event_active(t->evc, EV_TIMEOUT, 1);
}

static void
abcr_free(struct abcr *t)
{
	event_free(t->eva);
	event_free(t->evb);
	event_free(t->evc);
	event_free(t->evr);
}

/* Runs the loopcontinue checks on evkit_base. */
static void
check_loopcontinue(void)
{
	struct abcr t;

	/* R is more urgent and becomes readable in a's callback.
	 * loopcontinue makes the loop poll again before b and c, so R runs
	 * before them; without it R waits for the next pass. */
	abcr_init(&t, evkit_base);
	t.a.action = act_write;
	abcr_activate(&t);
	ck_assert_int_eq(event_base_dispatch(evkit_base), 1);
	ck_assert_str_eq(evkit_order, "abcR");
	evkit_drain(evkit_pair[0]);

	evkit_order_reset();
	t.a.action = act_continue;
	event_add(t.evr, NULL);
	abcr_activate(&t);
	ck_assert_int_eq(event_base_dispatch(evkit_base), 1);
	ck_assert_str_eq(evkit_order, "aRbc");
	abcr_free(&t);
}

START_TEST(test_loopcontinue)
{
	check_loopcontinue();
}
END_TEST

/*
 * The same with a dispatch limit configured, which takes the loop's
 * counting path through the active queue.
 */
START_TEST(test_loopcontinue_limited)
{
	struct event_base *fixture_base = evkit_base;
	struct event_config *cfg = event_config_new();
	struct timeval tv = { 1, 0 };

	ck_assert_ptr_nonnull(cfg);
	ck_assert_int_eq(event_config_set_max_dispatch_interval(cfg, &tv, 100,
	                     0),
	    0);
	evkit_base = event_base_new_with_config(cfg);
	event_config_free(cfg);
	ck_assert_ptr_nonnull(evkit_base);
	check_loopcontinue();
	evkit_free_base(evkit_base);
	evkit_base = fixture_base;
}
END_TEST

static void
act_spin(struct probe *p)
{
	spin_ms(15);
	evkit_write(evkit_pair[1], "x");
}

/* The dispatch limits, observed: r (priority 0) becomes readable in a's
 * callback; a, b, c are active at priority 1. */
static void
dispatch_limit(const struct timeval *max_interval, int max_callbacks,
    int min_priority, int slow, const char *want)
{
	struct event_config *cfg = event_config_new();
	struct event_base *base;
	struct abcr t;

	ck_assert_int_eq(event_config_set_max_dispatch_interval(cfg,
	                     max_interval, max_callbacks, min_priority),
	    0);
	base = event_base_new_with_config(cfg);
	event_config_free(cfg);
	ck_assert_ptr_nonnull(base);
	abcr_init(&t, base);
	t.a.action = slow ? act_spin : act_write;
	abcr_activate(&t);
	evkit_order_reset();
	ck_assert_int_eq(event_base_dispatch(base), 1);
	ck_assert_str_eq(evkit_order, want);
	abcr_free(&t);
	evkit_drain(evkit_pair[0]);
	evkit_free_base(base);
}

START_TEST(test_max_dispatch_callbacks)
{
	/* No limit: all of priority 1, then the poll that finds r. */
	dispatch_limit(NULL, -1, 0, 0, "abcR");
	/* One callback per pass from priority 0 up: r cuts in, and the
	 * lower-priority ones still run. */
	dispatch_limit(NULL, 1, 0, 0, "aRbc");
	dispatch_limit(NULL, 1, 1, 0, "aRbc");
	/* Limit only from priority 2: no limit here. */
	dispatch_limit(NULL, 1, 2, 0, "abcR");
	/* Two per pass. */
	dispatch_limit(NULL, 2, 0, 0, "abRc");
}
END_TEST

START_TEST(test_max_dispatch_interval)
{
	struct timeval tv = { 0, 5000 };

	/* a takes 15 ms, more than the 5 ms allowed: poll again after it. */
	dispatch_limit(&tv, -1, 0, 1, "aRbc");
	/* Fast callbacks stay within the interval. */
	tv.tv_usec = 500000;
	dispatch_limit(&tv, -1, 0, 0, "abcR");
	/* A zero interval is used up by every callback, however fast. */
	tv.tv_usec = 0;
	dispatch_limit(&tv, -1, 0, 0, "aRbc");
}
END_TEST

/* ---- priorities ---- */

START_TEST(test_priority_order)
{
	struct probe p0 = PROBE('0'), p1 = PROBE('1'), p2 = PROBE('2');
	struct event *e0, *e1, *e2;

	ck_assert_int_eq(event_base_priority_init(evkit_base, 3), 0);
	ck_assert_int_eq(event_base_get_npriorities(evkit_base), 3);
	e0 = event_new(evkit_base, -1, 0, evkit_probe_cb, &p0);
	e1 = event_new(evkit_base, -1, 0, evkit_probe_cb, &p1);
	e2 = event_new(evkit_base, -1, 0, evkit_probe_cb, &p2);
	ck_assert_int_eq(event_priority_set(e0, 0), 0);
	ck_assert_int_eq(event_priority_set(e1, 1), 0);
	ck_assert_int_eq(event_priority_set(e2, 2), 0);
	event_active(e2, EV_TIMEOUT, 1);
	event_active(e0, EV_TIMEOUT, 1);
	event_active(e1, EV_TIMEOUT, 1);
	ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_ONCE), 0);
	ck_assert_str_eq(evkit_order, "012");
	event_free(e0);
	event_free(e1);
	event_free(e2);
}
END_TEST

static void
act_reactivate(struct probe *p)
{
	if (p->calls < 5)
		event_active(p->other, EV_TIMEOUT, 1);
}

START_TEST(test_priority_starvation)
{
	struct probe hi = PROBE('h'), lo = PROBE('l');
	struct event *eh, *el;

	event_base_priority_init(evkit_base, 2);
	eh = event_new(evkit_base, -1, 0, evkit_probe_cb, &hi);
	el = event_new(evkit_base, -1, 0, evkit_probe_cb, &lo);
	event_priority_set(eh, 0);
	event_priority_set(el, 1);
	hi.action = act_reactivate;
	hi.other = eh;
	event_active(el, EV_TIMEOUT, 1);
	event_active(eh, EV_TIMEOUT, 1);
	/* As long as the urgent event stays active, the other waits. */
	ck_assert_int_eq(event_base_dispatch(evkit_base), 1);
	ck_assert_str_eq(evkit_order, "hhhhhl");
	event_free(eh);
	event_free(el);
}
END_TEST

START_TEST(test_priority_io)
{
	struct probe r = PROBE('r'), w = PROBE('w');
	struct event *er, *ew;

	/* Two events ready in the same poll: priority decides. */
	event_base_priority_init(evkit_base, 4);
	er = event_new(evkit_base, evkit_pair[0], EV_READ, evkit_probe_cb, &r);
	ew = event_new(evkit_base, evkit_pair[1], EV_WRITE, evkit_probe_cb, &w);
	event_priority_set(er, 1);
	event_priority_set(ew, 3);
	event_add(ew, NULL);
	event_add(er, NULL);
	evkit_write(evkit_pair[1], "x");
	ck_assert_int_eq(event_base_dispatch(evkit_base), 1);
	ck_assert_str_eq(evkit_order, "rw");
	evkit_order_reset();
	event_priority_set(er, 3);
	event_priority_set(ew, 2);
	event_add(er, NULL);
	event_add(ew, NULL);
	ck_assert_int_eq(event_base_dispatch(evkit_base), 1);
	ck_assert_str_eq(evkit_order, "wr");
	event_free(er);
	event_free(ew);
}
END_TEST

/*
 * A high-priority callback makes an fd readable while a low-priority event
 * waits: the read (middle priority) cuts in before the low one, and one
 * EVLOOP_ONCE call runs all three.
 */
START_TEST(test_priority_io_made_ready)
{
	struct probe h = PROBE('h'), r = PROBE('r'), l = PROBE('l');
	struct event *eh, *er, *el;

	ck_assert_int_eq(event_base_priority_init(evkit_base, 3), 0);
	eh = event_new(evkit_base, -1, 0, evkit_probe_cb, &h);
	er = event_new(evkit_base, evkit_pair[0], EV_READ, evkit_probe_cb, &r);
	el = event_new(evkit_base, -1, 0, evkit_probe_cb, &l);
	event_priority_set(eh, 0);
	event_priority_set(er, 1);
	event_priority_set(el, 2);
	h.action = act_write;
	ck_assert_int_eq(event_add(er, NULL), 0);
	event_active(el, EV_TIMEOUT, 1);
	event_active(eh, EV_TIMEOUT, 1);
	ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_ONCE), 0);
	ck_assert_str_eq(evkit_order, "hrl");
	ck_assert_int_eq(r.what, EV_READ);
	ck_assert_int_eq(event_base_get_num_events(evkit_base,
	                     EVENT_BASE_COUNT_ACTIVE | EVENT_BASE_COUNT_ADDED),
	    0);
	event_free(eh);
	event_free(er);
	event_free(el);
}
END_TEST

static void
act_activate_other(struct probe *p)
{
	event_active(p->other, EV_TIMEOUT, 1);
}

/*
 * Activating an event of the running priority is no reason to poll
 * again: the queue runs to its end before a more urgent read made ready
 * meanwhile.
 */
START_TEST(test_priority_same_level_no_repoll)
{
	struct abcr t;

	abcr_init(&t, evkit_base);
	t.a.action = act_write_activate;
	t.a.other = t.evb;
	event_active(t.eva, EV_TIMEOUT, 1);
	event_active(t.evc, EV_TIMEOUT, 1);
	ck_assert_int_eq(event_base_dispatch(evkit_base), 1);
	ck_assert_str_eq(evkit_order, "acbR");
	abcr_free(&t);
}
END_TEST

START_TEST(test_priority_preempt)
{
	struct probe a = PROBE('a'), b = PROBE('b'), z = PROBE('z');
	struct event *ea, *eb, *ez;

	/* a and b wait at priority 1; a activates z at priority 0, which
	 * cuts in before b. */
	event_base_priority_init(evkit_base, 2);
	ea = event_new(evkit_base, -1, 0, evkit_probe_cb, &a);
	eb = event_new(evkit_base, -1, 0, evkit_probe_cb, &b);
	ez = event_new(evkit_base, -1, 0, evkit_probe_cb, &z);
	event_priority_set(ea, 1);
	event_priority_set(eb, 1);
	event_priority_set(ez, 0);
	a.action = act_activate_other;
	a.other = ez;
	event_active(ea, EV_TIMEOUT, 1);
	event_active(eb, EV_TIMEOUT, 1);
	ck_assert_int_eq(event_base_dispatch(evkit_base), 1);
	ck_assert_str_eq(evkit_order, "azb");

	/* Same priority: no cutting in, z queues behind b. */
	evkit_order_reset();
	event_priority_set(ez, 1);
	event_active(ea, EV_TIMEOUT, 1);
	event_active(eb, EV_TIMEOUT, 1);
	ck_assert_int_eq(event_base_dispatch(evkit_base), 1);
	ck_assert_str_eq(evkit_order, "abz");
	event_free(ea);
	event_free(eb);
	event_free(ez);
}
END_TEST

/* ---- fork ---- */

static void
fork_read_cb(evutil_socket_t fd, short what, void *arg)
{
	char c;

	if (recv(fd, &c, 1, 0) == 1)
		*(int *)arg = c;
}

START_TEST(test_reinit_after_fork)
{
	struct event *ev;
	int got = 0, status = -1, i;
	pid_t pid, w = 0;

	ev = event_new(evkit_base, evkit_pair[0], EV_READ | EV_PERSIST,
	    fork_read_cb, &got);
	ck_assert_int_eq(event_add(ev, NULL), 0);
	pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		/* Child: reinit, then the pre-fork event still works. */
		if (event_reinit(evkit_base) != 0)
			_exit(2);
		evkit_write(evkit_pair[1], "c");
		if (evkit_loop_until(evkit_base, &got, 0, 3000) != 0)
			_exit(3);
		if (got != 'c')
			_exit(4);
		/* Deleting in the child must not touch the parent's
		 * backend state. */
		event_del(ev);
		_exit(0);
	}
	for (i = 0; i < 1000; i++) {
		w = waitpid(pid, &status, WNOHANG);
		if (w != 0)
			break;
		poll(NULL, 0, 10);
	}
	if (w == 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		ck_abort_msg("child did not finish in 10 s");
	}
	ck_assert_int_eq(w, pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "child failed: status %d", status);
	/* Parent: unaffected, its event still fires. */
	ck_assert_int_eq(event_pending(ev, EV_READ, NULL), EV_READ);
	evkit_write(evkit_pair[1], "p");
	ck_assert_int_eq(evkit_loop_until(evkit_base, &got, 0, 3000), 0);
	ck_assert_int_eq(got, 'p');
	event_free(ev);
}
END_TEST

START_TEST(test_reinit_no_fork)
{
	struct event *ev;
	int got = 0;

	/* Harmless without a fork, and events keep working. */
	ev = event_new(evkit_base, evkit_pair[0], EV_READ | EV_PERSIST,
	    fork_read_cb, &got);
	event_add(ev, NULL);
	ck_assert_int_eq(event_reinit(evkit_base), 0);
	evkit_write(evkit_pair[1], "z");
	ck_assert_int_eq(evkit_loop_until(evkit_base, &got, 0, 3000), 0);
	ck_assert_int_eq(got, 'z');
	event_free(ev);
}
END_TEST

/* ---- time cache ---- */

struct timecheck {
	struct event_base *base;
	double first, second, updated, wall;
	int ran;
};

static void
time_cb(evutil_socket_t fd, short what, void *arg)
{
	struct timecheck *t = arg;
	struct timeval tv;

	ck_assert_int_eq(event_base_gettimeofday_cached(t->base, &tv), 0);
	t->first = evkit_tv_ms(&tv);
	t->wall = evkit_wall_ms();
	spin_ms(20);
	event_base_gettimeofday_cached(t->base, &tv);
	t->second = evkit_tv_ms(&tv);
	ck_assert_int_eq(event_base_update_cache_time(t->base), 0);
	event_base_gettimeofday_cached(t->base, &tv);
	t->updated = evkit_tv_ms(&tv);
	t->ran = 1;
}

static void
run_time_check(struct event_base *base, struct timecheck *t)
{
	struct event *ev;
	struct timeval zero = { 0, 0 };

	memset(t, 0, sizeof(*t));
	t->base = base;
	ev = evtimer_new(base, time_cb, t);
	evtimer_add(ev, &zero);
	ck_assert_int_eq(event_base_dispatch(base), 1);
	ck_assert_int_eq(t->ran, 1);
	event_free(ev);
}

START_TEST(test_cached_time)
{
	struct timecheck t;
	struct timeval tv;
	double now;

	/* Outside the loop: the current time. */
	ck_assert_int_eq(event_base_gettimeofday_cached(evkit_base, &tv), 0);
	now = evkit_wall_ms();
	ck_assert_double_le(evkit_tv_ms(&tv), now + 20);
	ck_assert_double_ge(evkit_tv_ms(&tv), now - 1000);
	spin_ms(10);
	event_base_gettimeofday_cached(evkit_base, &tv);
	ck_assert_double_ge(evkit_tv_ms(&tv), now + 5);
	/* Updating the cache outside the loop is a harmless no-op. */
	ck_assert_int_eq(event_base_update_cache_time(evkit_base), 0);

	/* Inside a callback: frozen at the time of the last poll, on the
	 * wall clock (a loaded machine may run the callback a while after
	 * the poll), until event_base_update_cache_time(). */
	run_time_check(evkit_base, &t);
	ck_assert_double_eq(t.first, t.second);
	ck_assert_double_le(t.first, t.wall + 20);
	ck_assert_double_ge(t.first, t.wall - 1000);
	ck_assert_double_ge(t.updated, t.first + 15);
}
END_TEST

START_TEST(test_no_cache_time)
{
	struct event_config *cfg = event_config_new();
	struct event_base *base;
	struct timecheck t;

	event_config_set_flag(cfg, EVENT_BASE_FLAG_NO_CACHE_TIME);
	base = event_base_new_with_config(cfg);
	event_config_free(cfg);
	ck_assert_ptr_nonnull(base);
	run_time_check(base, &t);
	ck_assert_double_ge(t.second, t.first + 15);
	evkit_free_base(base);
}
END_TEST

static void
running_cb(evutil_socket_t fd, short what, void *arg)
{
	struct event **seen = arg;

	*seen = event_base_get_running_event(evkit_base);
}

START_TEST(test_running_event_timer)
{
	struct event *ev, *seen = NULL;
	struct timeval tv = { 0, 1000 };

	ev = evtimer_new(evkit_base, running_cb, &seen);
	evtimer_add(ev, &tv);
	ck_assert_int_eq(event_base_dispatch(evkit_base), 1);
	ck_assert_ptr_eq(seen, ev);
	event_free(ev);
}
END_TEST

Suite *
loop_suite(void)
{
	Suite *s = suite_create("loop");
	TCase *tc;

	tc = tcase_create("base");
	tcase_add_checked_fixture(tc, evkit_setup_ordered, evkit_teardown);
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, test_base_new_free);
	tcase_add_test(tc, test_supported_methods);
	tcase_add_test(tc, test_avoid_method);
	tcase_add_loop_test(tc, test_each_method, 0, 8);
	tcase_add_test(tc, test_require_features);
	tcase_add_test(tc, test_config_flags);
	tcase_add_test(tc, test_show_method);
	tcase_add_test(tc, test_env_no_method);
	suite_add_tcase(s, tc);

	tc = tcase_create("loop");
	tcase_add_checked_fixture(tc, evkit_setup_ordered, evkit_teardown);
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, test_loop_return_values);
	tcase_add_test(tc, test_loop_once);
	tcase_add_test(tc, test_loop_nonblock);
	tcase_add_test(tc, test_loop_nonblock_runs_until_idle);
	tcase_add_test(tc, test_no_exit_on_empty_nonblock);
	tcase_add_test(tc, test_running_event_timer);
	suite_add_tcase(s, tc);

	/* No fixture: evthread_use_pthreads() must come before any base
	 * (libevent's debug mode enforces it). */
	tc = tcase_create("threaded");
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, test_no_exit_on_empty_blocks);
	suite_add_tcase(s, tc);

	tc = tcase_create("exit");
	tcase_add_checked_fixture(tc, evkit_setup_ordered, evkit_teardown);
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, test_loopexit_now);
	tcase_add_test(tc, test_loopexit_delay);
	tcase_add_test(tc, test_loopbreak);
	tcase_add_test(tc, test_loopbreak_before_loop);
	tcase_add_test(tc, test_loopexit_before_loop);
	tcase_add_test(tc, test_loopexit_twice);
	tcase_add_test(tc, test_loopcontinue);
	tcase_add_test(tc, test_loopcontinue_limited);
	suite_add_tcase(s, tc);

	tc = tcase_create("priority");
	tcase_add_checked_fixture(tc, evkit_setup_ordered, evkit_teardown);
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, test_max_dispatch_callbacks);
	tcase_add_test(tc, test_max_dispatch_interval);
	tcase_add_test(tc, test_priority_order);
	tcase_add_test(tc, test_priority_starvation);
	tcase_add_test(tc, test_priority_preempt);
	tcase_add_test(tc, test_priority_same_level_no_repoll);
	tcase_add_test(tc, test_priority_io);
	tcase_add_test(tc, test_priority_io_made_ready);
	suite_add_tcase(s, tc);

	tc = tcase_create("fork");
	tcase_add_checked_fixture(tc, evkit_setup_ordered, evkit_teardown);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_reinit_after_fork);
	tcase_add_test(tc, test_reinit_no_fork);
	suite_add_tcase(s, tc);

	tc = tcase_create("time");
	tcase_add_checked_fixture(tc, evkit_setup_ordered, evkit_teardown);
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, test_cached_time);
	tcase_add_test(tc, test_no_cache_time);
	suite_add_tcase(s, tc);

	return s;
}
