/*
 * tests/check_timer.c: timers: one-shot and persistent, deadline order
 * (also with 100,000 of them), re-adding and deleting, zero and NULL
 * timeouts, common timeouts, timeouts on I/O events and the deadline
 * event_pending() reports.
 *
 * Durations are measured from evkit_coarse_ms() before the add, so no
 * early slack is needed; lateness bounds are generous (loaded CI, ASan).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check-internal.h"

struct tprobe {
	char tag;
	int calls;
	short what;
	double at; /* monotonic ms of the last call */
	struct event *ev;
	int stop_after; /* event_del(ev) after that many calls */
	int sleep_ms;   /* nanosleep this long in each call */
};

#define TPROBE(c)          \
	{                  \
		.tag = (c) \
	}

static void
tprobe_cb(evutil_socket_t fd, short what, void *arg)
{
	struct tprobe *p = arg;

	p->calls++;
	p->what = what;
	p->at = evkit_now_ms();
	evkit_order_note(p->tag);
	if (p->stop_after && p->calls >= p->stop_after)
		ck_assert_int_eq(event_del(p->ev), 0);
	if (p->sleep_ms) {
		struct timespec ts = { 0, p->sleep_ms * 1000000L };

		nanosleep(&ts, NULL);
	}
}


static void
spin_ms(double ms)
{
	double end = evkit_now_ms() + ms;

	while (evkit_now_ms() < end)
		continue;
}

/* ---- basics ---- */

START_TEST(test_oneshot)
{
	struct tprobe p = TPROBE('t');
	struct timeval tv;
	double t0;

	p.ev = evtimer_new(evkit_base, tprobe_cb, &p);
	ck_assert_ptr_nonnull(p.ev);
	ck_assert_int_eq(evtimer_initialized(p.ev), 1);
	t0 = evkit_coarse_ms();
	ck_assert_int_eq(evtimer_add(p.ev, evkit_ms_tv(&tv, 20)), 0);
	ck_assert_int_eq(evtimer_pending(p.ev, NULL), EV_TIMEOUT);
	ck_assert_int_eq(event_base_dispatch(evkit_base), 1);
	ck_assert_int_eq(p.calls, 1);
	ck_assert_int_eq(p.what, EV_TIMEOUT);
	ck_assert_double_ge(p.at - t0, 20);
	ck_assert_int_eq(evtimer_pending(p.ev, NULL), 0);
	event_free(p.ev);
}
END_TEST

START_TEST(test_persistent)
{
	struct tprobe p = TPROBE('p');
	struct timeval tv;
	double t0;

	p.ev = event_new(evkit_base, -1, EV_PERSIST, tprobe_cb, &p);
	p.stop_after = 5;
	t0 = evkit_coarse_ms();
	ck_assert_int_eq(event_add(p.ev, evkit_ms_tv(&tv, 10)), 0);
	ck_assert_int_eq(event_base_dispatch(evkit_base), 1);
	ck_assert_int_eq(p.calls, 5);
	ck_assert_int_eq(p.what, EV_TIMEOUT);
	ck_assert_double_ge(p.at - t0, 50);
	ck_assert_double_lt(p.at - t0, 50 + 500);
	event_free(p.ev);
}
END_TEST

#define DRIFT_PERIOD 25 /* ms */
#define DRIFT_CALLS 12

struct drift {
	struct event *ev;
	double next[DRIFT_CALLS]; /* wall-clock deadline after each call */
	double at[DRIFT_CALLS];
	int n;
};

static void
drift_cb(evutil_socket_t fd, short what, void *arg)
{
	struct drift *d = arg;
	struct timeval tv;
	struct timespec ts = { 0, 4000000 }; /* each call takes 4 ms */

	d->at[d->n] = evkit_now_ms();
	/* Already re-armed when the callback runs. */
	ck_assert_int_eq(event_pending(d->ev, EV_TIMEOUT, &tv), EV_TIMEOUT);
	d->next[d->n] = evkit_tv_ms(&tv);
	if (++d->n == DRIFT_CALLS)
		event_del(d->ev);
	nanosleep(&ts, NULL);
}

START_TEST(test_persistent_no_drift)
{
	struct drift d;
	struct timeval tv;
	double t0, dt, step;
	int i, exact = 0;

	/*
	 * A persistent timer is re-armed from its scheduled time, not from
	 * when its callback ran or finished: the deadlines stay exactly one
	 * period apart although each callback takes 4 ms, and 12 periods of
	 * 25 ms take about 300 ms (drifting: at least 12 * 29 = 348 ms).
	 * Only a call more than a whole period late starts afresh from
	 * "now", which a loaded machine may cause any number of times: then
	 * the step is that lateness plus a period, so more than two periods.
	 * Every step is one or the other; a drifting timer's steps (a period
	 * plus the callback's 4 ms) are neither.
	 */
	memset(&d, 0, sizeof(d));
	d.ev = event_new(evkit_base, -1, EV_PERSIST, drift_cb, &d);
	t0 = evkit_coarse_ms();
	event_add(d.ev, evkit_ms_tv(&tv, DRIFT_PERIOD));
	ck_assert_int_eq(event_base_dispatch(evkit_base), 1);
	ck_assert_int_eq(d.n, DRIFT_CALLS);
	dt = d.at[DRIFT_CALLS - 1] - t0;
	ck_assert_double_ge(dt, DRIFT_CALLS * DRIFT_PERIOD);
	for (i = 1; i < DRIFT_CALLS; i++) {
		step = d.next[i] - d.next[i - 1];
		ck_assert_msg(step > DRIFT_PERIOD - 0.3,
		    "deadline step %d: %.3f ms", i, step);
		if (step < DRIFT_PERIOD + 0.3)
			exact++;
		else
			ck_assert_msg(step > 2 * DRIFT_PERIOD - 0.3,
			    "deadline step %d: %.3f ms, neither one period "
			    "nor a restart after a late call",
			    i, step);
	}
	ck_assert_int_ge(exact, 0); /* all restarts: a very busy machine */
	event_free(d.ev);
}
END_TEST

/*
 * A persistent timer whose callback once overruns several periods: the
 * next deadline is never in the past (it restarts from "now"), so the
 * missed periods do not come as a burst of calls.  Times are the loop's
 * cached ones, so a busy machine only makes the calls fewer.
 */
#define OVERRUN_PERIOD 10
#define OVERRUN_SLEEP 45 /* more than 4 periods */
#define OVERRUN_WINDOW 90
#define OVERRUN_MAX 64

struct overrun {
	struct event *ev;
	int n;
	double now[OVERRUN_MAX];  /* cached time of each call */
	double next[OVERRUN_MAX]; /* deadline event_pending reported */
};

static void
overrun_cb(evutil_socket_t fd, short what, void *arg)
{
	struct overrun *o = arg;
	struct timeval tv;

	ck_assert_int_eq(event_base_gettimeofday_cached(evkit_base, &tv), 0);
	o->now[o->n] = evkit_tv_ms(&tv);
	ck_assert_int_eq(event_pending(o->ev, EV_TIMEOUT, &tv), EV_TIMEOUT);
	o->next[o->n] = evkit_tv_ms(&tv);
	if (o->n == 1) {
		struct timespec ts = { 0, OVERRUN_SLEEP * 1000000L };

		nanosleep(&ts, NULL);
	}
	o->n++;
	if (o->n == OVERRUN_MAX ||
	    (o->n > 2 &&
	        o->now[o->n - 1] - o->now[1] > OVERRUN_WINDOW + OVERRUN_PERIOD))
		event_del(o->ev);
}

START_TEST(test_persistent_overrun)
{
	struct overrun o;
	struct timeval tv;
	int i, in_window = 0;

	memset(&o, 0, sizeof(o));
	o.ev = event_new(evkit_base, -1, EV_PERSIST, overrun_cb, &o);
	ck_assert_int_eq(event_add(o.ev, evkit_ms_tv(&tv, OVERRUN_PERIOD)), 0);
	ck_assert_int_eq(event_base_dispatch(evkit_base), 1);
	ck_assert_int_lt(o.n, OVERRUN_MAX);
	ck_assert_int_gt(o.n, 3);
	for (i = 0; i < o.n; i++) {
		ck_assert_msg(o.next[i] >= o.now[i],
		    "call %d: next deadline %.3f ms in the past", i,
		    o.now[i] - o.next[i]);
		if (i > 1 && o.now[i] <= o.now[1] + OVERRUN_WINDOW)
			in_window++;
	}
	/*
	 * The first call after the overrun comes at least OVERRUN_SLEEP
	 * (less one coarse tick) after call 1, the rest one period apart:
	 * at most (90 - 41) / 10 + 1 = 5 calls in the window, 6 allowed.
	 * A burst would catch up the four missed periods on top.
	 */
	ck_assert_msg(in_window <=
	        (OVERRUN_WINDOW - OVERRUN_SLEEP) / OVERRUN_PERIOD + 2,
	    "%d calls within %d ms after a %d ms overrun", in_window,
	    OVERRUN_WINDOW, OVERRUN_SLEEP);
	event_free(o.ev);
}
END_TEST

START_TEST(test_lateness)
{
	struct tprobe p = TPROBE('l');
	struct timeval tv;
	double t0;

	p.ev = evtimer_new(evkit_base, tprobe_cb, &p);
	t0 = evkit_coarse_ms();
	evtimer_add(p.ev, evkit_ms_tv(&tv, 50));
	ck_assert_int_eq(event_base_dispatch(evkit_base), 1);
	ck_assert_double_ge(p.at - t0, 50);
	ck_assert_double_lt(p.at - t0, 250);
	event_free(p.ev);
}
END_TEST

/* The tags of the three probes sorted by the deadline each one's event
 * reports, i.e. the order they must run in. */
static void
by_deadline(struct event *ev[3], const char *tags, char out[4])
{
	struct timeval tv;
	double d[3], td;
	char tc;
	int i, j;

	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(evtimer_pending(ev[i], &tv), EV_TIMEOUT);
		d[i] = evkit_tv_ms(&tv);
		out[i] = tags[i];
	}
	for (i = 0; i < 3; i++)
		for (j = i + 1; j < 3; j++)
			if (d[j] < d[i]) {
				td = d[i], d[i] = d[j], d[j] = td;
				tc = out[i], out[i] = out[j], out[j] = tc;
			}
	out[3] = '\0';
}

START_TEST(test_deadline_order)
{
	struct tprobe a = TPROBE('a'), b = TPROBE('b'), c = TPROBE('c');
	struct event *ev[3];
	struct timeval tv;
	char want[4];

	ev[0] = evtimer_new(evkit_base, tprobe_cb, &a);
	ev[1] = evtimer_new(evkit_base, tprobe_cb, &b);
	ev[2] = evtimer_new(evkit_base, tprobe_cb, &c);
	evtimer_add(ev[2], evkit_ms_tv(&tv, 90));
	evtimer_add(ev[0], evkit_ms_tv(&tv, 30));
	evtimer_add(ev[1], evkit_ms_tv(&tv, 60));
	by_deadline(ev, "abc", want);
	ck_assert_int_eq(event_base_dispatch(evkit_base), 1);
	ck_assert_str_eq(evkit_order, want);
	ck_assert_str_eq(evkit_order, "abc"); /* unless adding took 30 ms */

	/* All three expired before the loop starts: one pass runs them, in
	 * deadline order. */
	evkit_order_reset();
	evtimer_add(ev[2], evkit_ms_tv(&tv, 3));
	evtimer_add(ev[0], evkit_ms_tv(&tv, 1));
	evtimer_add(ev[1], evkit_ms_tv(&tv, 2));
	by_deadline(ev, "abc", want);
	spin_ms(15);
	ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_ONCE), 0);
	ck_assert_str_eq(evkit_order, want);
	event_free(ev[0]);
	event_free(ev[1]);
	event_free(ev[2]);
}
END_TEST

START_TEST(test_active_pending_timer)
{
	struct tprobe p = TPROBE('a');
	struct timeval tv;

	/* Activating a pending one-shot timer runs it and removes it. */
	p.ev = evtimer_new(evkit_base, tprobe_cb, &p);
	evtimer_add(p.ev, evkit_ms_tv(&tv, 10000));
	event_active(p.ev, EV_TIMEOUT, 1);
	ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_NONBLOCK), 1);
	ck_assert_int_eq(p.calls, 1);
	ck_assert_int_eq(evtimer_pending(p.ev, NULL), 0);
	event_free(p.ev);
}
END_TEST

START_TEST(test_persistent_active_reschedule)
{
	struct tprobe p = TPROBE('p');
	struct timeval tv, when;
	double w0, wa;

	/*
	 * A persistent timer run by event_active() is re-armed like after
	 * a real timeout when told EV_TIMEOUT (one period after the deadline
	 * it had), and from now when told anything else.
	 */
	p.ev = event_new(evkit_base, -1, EV_PERSIST, tprobe_cb, &p);
	w0 = evkit_wall_ms();
	evtimer_add(p.ev, evkit_ms_tv(&tv, 100));
	event_active(p.ev, EV_TIMEOUT, 1);
	ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_NONBLOCK), 0);
	ck_assert_int_eq(p.calls, 1);
	ck_assert_int_eq(evtimer_pending(p.ev, &when), EV_TIMEOUT);
	ck_assert_double_ge(evkit_tv_ms(&when) - w0, 200 - 50);
	ck_assert_double_le(evkit_tv_ms(&when) - w0, 200 + 50);

	evtimer_del(p.ev);
	evtimer_add(p.ev, evkit_ms_tv(&tv, 100));
	spin_ms(30);
	wa = evkit_wall_ms();
	event_active(p.ev, EV_READ, 1);
	ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_NONBLOCK), 0);
	ck_assert_int_eq(p.calls, 2);
	ck_assert_int_eq(p.what, EV_READ);
	ck_assert_int_eq(evtimer_pending(p.ev, &when), EV_TIMEOUT);
	ck_assert_double_ge(evkit_tv_ms(&when) - wa, 100 - 50);
	ck_assert_double_le(evkit_tv_ms(&when) - wa, 100 + 50);
	event_free(p.ev);
}
END_TEST

START_TEST(test_huge_timeout)
{
	struct tprobe h = TPROBE('h'), s = TPROBE('s');
	struct event *eh, *es;
	struct timeval tv = { 86400L * 365 * 10, 0 };

	/* Ten years: no overflow into "now" or into a busy loop. */
	eh = evtimer_new(evkit_base, tprobe_cb, &h);
	es = evtimer_new(evkit_base, tprobe_cb, &s);
	ck_assert_int_eq(evtimer_add(eh, &tv), 0);
	ck_assert_int_eq(evtimer_pending(eh, NULL), EV_TIMEOUT);
	ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_NONBLOCK), 0);
	evtimer_add(es, evkit_ms_tv(&tv, 20));
	ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_ONCE), 0);
	ck_assert_str_eq(evkit_order, "s");
	ck_assert_int_eq(evtimer_pending(eh, NULL), EV_TIMEOUT);
	event_free(eh);
	event_free(es);
}
END_TEST

/* ---- many timers ---- */

#define NTIMERS 100000

struct many {
	struct event *evs;
	double *deadline; /* absolute, from event_pending() */
	double last;
	int fired, bad;
};

static void
many_cb(evutil_socket_t fd, short what, void *arg)
{
	struct event *ev = event_base_get_running_event(evkit_base);
	struct many *m = arg;
	double d = m->deadline[ev - m->evs];

	if (d < m->last)
		m->bad++;
	m->last = d;
	m->fired++;
}

static void
many_start_cb(evutil_socket_t fd, short what, void *arg)
{
	struct many *m = arg;
	struct timeval tv;
	int *perm, i, j, t;

	/* Distinct timeouts 0..999.99 ms in 10 us steps, in random order;
	 * added from a callback, so all against the same loop time. */
	perm = malloc(NTIMERS * sizeof(*perm));
	ck_assert_ptr_nonnull(perm);
	for (i = 0; i < NTIMERS; i++)
		perm[i] = i;
	srandom(4242);
	for (i = NTIMERS - 1; i > 0; i--) {
		j = (int)(random() % (i + 1));
		t = perm[i];
		perm[i] = perm[j];
		perm[j] = t;
	}
	for (i = 0; i < NTIMERS; i++) {
		tv.tv_sec = 0;
		tv.tv_usec = perm[i] * 10;
		ck_assert_int_eq(evtimer_assign(&m->evs[i], evkit_base, many_cb,
		                     m),
		    0);
		ck_assert_int_eq(evtimer_add(&m->evs[i], &tv), 0);
		ck_assert_int_eq(evtimer_pending(&m->evs[i], &tv), EV_TIMEOUT);
		m->deadline[i] = evkit_tv_ms(&tv);
	}
	free(perm);
}

START_TEST(test_many_timers)
{
	struct many m;
	struct event *start;
	struct timeval zero = { 0, 0 };
	double t0, dt;
	int i;

	memset(&m, 0, sizeof(m));
	m.evs = calloc(NTIMERS, sizeof(struct event));
	m.deadline = calloc(NTIMERS, sizeof(double));
	ck_assert_ptr_nonnull(m.evs);
	ck_assert_ptr_nonnull(m.deadline);
	start = evtimer_new(evkit_base, many_start_cb, &m);
	evtimer_add(start, &zero);
	t0 = evkit_coarse_ms();
	ck_assert_int_eq(event_base_dispatch(evkit_base), 1);
	dt = evkit_now_ms() - t0;
	ck_assert_int_eq(m.fired, NTIMERS);
	ck_assert_msg(m.bad == 0, "%d timers fired before an earlier one",
	    m.bad);
	ck_assert_double_ge(dt, 1000 - 10);
	/* Generous for sanitizers on a loaded machine; a quadratic timer
	 * queue would take minutes. */
	ck_assert_msg(dt < 30000, "100,000 timers took %.0f ms", dt);
	for (i = 0; i < NTIMERS; i++)
		event_debug_unassign(&m.evs[i]);
	event_free(start);
	free(m.evs);
	free(m.deadline);
}
END_TEST

#ifndef EVKIT_REFERENCE /* FIFO among equal deadlines: evkit only */
struct same {
	struct event *evs[20];
	struct tprobe p[20];
};

static void
same_start_cb(evutil_socket_t fd, short what, void *arg)
{
	struct same *s = arg;
	struct timeval tv = { 0, 20000 };
	int i;

	for (i = 0; i < 20; i++)
		evtimer_add(s->evs[i], &tv);
	/* Re-adding with the same deadline sends 'c' to the back. */
	evtimer_add(s->evs[2], &tv);
}

START_TEST(test_equal_timeouts)
{
	struct same s;
	struct event *start;
	struct timeval zero = { 0, 0 };
	int i;

	/*
	 * Equal deadlines (added in one callback, against one loop time)
	 * all fire in the same pass, in the order they were last added
	 * (libevent's heap gives another order; see README.md).
	 */
	memset(&s, 0, sizeof(s));
	for (i = 0; i < 20; i++) {
		s.p[i].tag = (char)('a' + i);
		s.evs[i] = evtimer_new(evkit_base, tprobe_cb, &s.p[i]);
	}
	start = evtimer_new(evkit_base, same_start_cb, &s);
	evtimer_add(start, &zero);
	ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_ONCE), 0);
	ck_assert_uint_eq(strlen(evkit_order), 0);
	ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_ONCE), 0);
	ck_assert_uint_eq(strlen(evkit_order), 20);
	ck_assert_str_eq(evkit_order, "abdefghijklmnopqrstc");
	for (i = 0; i < 20; i++) {
		ck_assert_int_eq(s.p[i].calls, 1);
		event_free(s.evs[i]);
	}
	event_free(start);
}
END_TEST
#endif

/* ---- add, re-add, del ---- */

START_TEST(test_null_timeout)
{
	struct tprobe p = TPROBE('n');
	struct timeval tv;

	/* A pure timer added without a timeout is not pending at all. */
	p.ev = evtimer_new(evkit_base, tprobe_cb, &p);
	ck_assert_int_eq(event_add(p.ev, NULL), 0);
	ck_assert_int_eq(evtimer_pending(p.ev, NULL), 0);
	ck_assert_int_eq(event_base_get_num_events(evkit_base,
	                     EVENT_BASE_COUNT_ADDED),
	    0);
	ck_assert_int_eq(event_base_dispatch(evkit_base), 1);
	ck_assert_int_eq(p.calls, 0);

	/* Re-adding a pending timer with NULL keeps its timeout. */
	evtimer_add(p.ev, evkit_ms_tv(&tv, 10));
	ck_assert_int_eq(event_add(p.ev, NULL), 0);
	ck_assert_int_eq(evtimer_pending(p.ev, NULL), EV_TIMEOUT);
	ck_assert_int_eq(event_base_dispatch(evkit_base), 1);
	ck_assert_int_eq(p.calls, 1);
	event_free(p.ev);
}
END_TEST

START_TEST(test_readd_reschedules)
{
	struct tprobe p = TPROBE('r'), g = TPROBE('g');
	struct event *guard;
	struct timeval tv, when1, when2;
	double t0;

	/* Later to sooner. */
	p.ev = evtimer_new(evkit_base, tprobe_cb, &p);
	evtimer_add(p.ev, evkit_ms_tv(&tv, 10000));
	evtimer_pending(p.ev, &when1);
	t0 = evkit_coarse_ms();
	evtimer_add(p.ev, evkit_ms_tv(&tv, 20));
	evtimer_pending(p.ev, &when2);
	ck_assert_double_lt(evkit_tv_ms(&when2), evkit_tv_ms(&when1) - 9000);
	ck_assert_int_eq(event_base_dispatch(evkit_base), 1);
	ck_assert_int_eq(p.calls, 1);
	ck_assert_double_ge(p.at - t0, 20);
	ck_assert_double_lt(p.at - t0, 5000);

	/* Sooner to later: not run at the first deadline. */
	guard = evtimer_new(evkit_base, tprobe_cb, &g);
	evtimer_add(p.ev, evkit_ms_tv(&tv, 10));
	evtimer_add(p.ev, evkit_ms_tv(&tv, 10000));
	evtimer_add(guard, evkit_ms_tv(&tv, 60));
	ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_ONCE), 0);
	ck_assert_int_eq(g.calls, 1);
	ck_assert_int_eq(p.calls, 1);
	ck_assert_int_eq(evtimer_pending(p.ev, NULL), EV_TIMEOUT);
	event_free(p.ev);
	event_free(guard);
}
END_TEST

START_TEST(test_del_pending)
{
	struct tprobe p = TPROBE('d'), g = TPROBE('g');
	struct event *guard;
	struct timeval tv;

	p.ev = evtimer_new(evkit_base, tprobe_cb, &p);
	guard = evtimer_new(evkit_base, tprobe_cb, &g);
	evtimer_add(p.ev, evkit_ms_tv(&tv, 10));
	evtimer_add(guard, evkit_ms_tv(&tv, 40));
	ck_assert_int_eq(evtimer_del(p.ev), 0);
	ck_assert_int_eq(evtimer_pending(p.ev, NULL), 0);
	ck_assert_int_eq(event_base_dispatch(evkit_base), 1);
	ck_assert_int_eq(g.calls, 1);
	ck_assert_int_eq(p.calls, 0);
	event_free(p.ev);
	event_free(guard);
}
END_TEST

START_TEST(test_zero_timeout)
{
	struct tprobe p = TPROBE('z');
	struct timeval zero = { 0, 0 };

	/* Due at once: the first nonblocking pass runs it. */
	p.ev = evtimer_new(evkit_base, tprobe_cb, &p);
	ck_assert_int_eq(evtimer_add(p.ev, &zero), 0);
	ck_assert_int_eq(evtimer_pending(p.ev, NULL), EV_TIMEOUT);
	ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_NONBLOCK), 1);
	ck_assert_int_eq(p.calls, 1);
	event_free(p.ev);
}
END_TEST

START_TEST(test_negative_timeout)
{
	struct tprobe p = TPROBE('n');
	struct timeval neg = { -1, 0 };

	/* A deadline in the past: due at once, like a zero timeout. */
	p.ev = evtimer_new(evkit_base, tprobe_cb, &p);
	ck_assert_int_eq(evtimer_add(p.ev, &neg), 0);
	ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_NONBLOCK), 1);
	ck_assert_int_eq(p.calls, 1);
	event_free(p.ev);
}
END_TEST

START_TEST(test_pending_deadline)
{
	struct event *ev;
	struct timeval tv, when;
	double before, after;

	ev = evtimer_new(evkit_base, evkit_noop_cb, NULL);
	before = evkit_wall_ms();
	evtimer_add(ev, evkit_ms_tv(&tv, 2500));
	after = evkit_wall_ms();
	ck_assert_int_eq(evtimer_pending(ev, &when), EV_TIMEOUT);
	/* Absolute, on the wall clock (not a monotonic time, not the
	 * remaining time). */
	ck_assert_double_ge(evkit_tv_ms(&when), before + 2500 - 50);
	ck_assert_double_le(evkit_tv_ms(&when), after + 2500 + 50);
	event_free(ev);
}
END_TEST

/* ---- common timeouts ---- */

START_TEST(test_common_basic)
{
	struct timeval d100 = { 0, 100000 }, d200 = { 0, 200000 };
	const struct timeval *c1, *c2, *c3;
	struct tprobe p = TPROBE('c');
	struct timeval when;
	double t0, w0, w1;

	c1 = event_base_init_common_timeout(evkit_base, &d100);
	ck_assert_ptr_nonnull(c1);
	c2 = event_base_init_common_timeout(evkit_base, &d100);
	ck_assert_ptr_eq(c1, c2); /* same duration, same magic tv */
	c3 = event_base_init_common_timeout(evkit_base, &d200);
	ck_assert_ptr_nonnull(c3);
	ck_assert_ptr_ne(c1, c3);

	p.ev = evtimer_new(evkit_base, tprobe_cb, &p);
	t0 = evkit_coarse_ms();
	w0 = evkit_wall_ms();
	ck_assert_int_eq(evtimer_add(p.ev, c1), 0);
	w1 = evkit_wall_ms();
	ck_assert_int_eq(evtimer_pending(p.ev, &when), EV_TIMEOUT);
	/* The reported deadline is a plain absolute time. */
	ck_assert_double_ge(evkit_tv_ms(&when), w0 + 100 - 50);
	ck_assert_double_le(evkit_tv_ms(&when), w1 + 100 + 50);
	ck_assert_int_eq(event_base_dispatch(evkit_base), 1);
	ck_assert_int_eq(p.calls, 1);
	ck_assert_double_ge(p.at - t0, 100);
	ck_assert_double_lt(p.at - t0, 600);
	event_free(p.ev);
}
END_TEST

struct fifo {
	struct event *evs[10];
	struct tprobe p[10];
	const struct timeval *common;
};

static void
fifo_start_cb(evutil_socket_t fd, short what, void *arg)
{
	struct fifo *f = arg;
	int i;

	for (i = 0; i < 10; i++)
		ck_assert_int_eq(evtimer_add(f->evs[i], f->common), 0);
	/* Deleting from the middle keeps the rest in order. */
	evtimer_del(f->evs[3]);
	evtimer_del(f->evs[7]);
}

START_TEST(test_common_fifo)
{
	struct fifo f;
	struct event *start;
	struct timeval d = { 0, 20000 }, zero = { 0, 0 };
	int i;

	/* Equal deadlines on one common timeout run in insertion order. */
	memset(&f, 0, sizeof(f));
	f.common = event_base_init_common_timeout(evkit_base, &d);
	ck_assert_ptr_nonnull(f.common);
	for (i = 0; i < 10; i++) {
		f.p[i].tag = (char)('0' + i);
		f.evs[i] = evtimer_new(evkit_base, tprobe_cb, &f.p[i]);
	}
	start = evtimer_new(evkit_base, fifo_start_cb, &f);
	evtimer_add(start, &zero);
	ck_assert_int_eq(event_base_dispatch(evkit_base), 1);
	ck_assert_str_eq(evkit_order, "01245689");

	/* Added one after the other outside the loop: same. */
	evkit_order_reset();
	for (i = 9; i >= 0; i--)
		evtimer_add(f.evs[i], f.common);
	ck_assert_int_eq(event_base_dispatch(evkit_base), 1);
	ck_assert_str_eq(evkit_order, "9876543210");
	for (i = 0; i < 10; i++)
		event_free(f.evs[i]);
	event_free(start);
}
END_TEST

/* Whether the probe tagged a ran before the one tagged b (both ran). */
static int
runs_before(char a, char b)
{
	const char *pa = strchr(evkit_order, a), *pb = strchr(evkit_order, b);

	return pa != NULL && pb != NULL && pa < pb;
}

START_TEST(test_common_mixed)
{
	struct timeval d60 = { 0, 60000 }, tv;
	const struct timeval *c60;
	struct tprobe p[6] = { TPROBE('A'), TPROBE('B'), TPROBE('C'),
		TPROBE('D'), TPROBE('E'), TPROBE('F') };
	struct event *ev[6];
	static const double due[6] = { 60, 60, 10, 120, 30, 180 };
	double t0;
	int i, late = 0;

	c60 = event_base_init_common_timeout(evkit_base, &d60);
	for (i = 0; i < 6; i++)
		ev[i] = evtimer_new(evkit_base, tprobe_cb, &p[i]);
	/*
	 * Common 60 ms: A, B.  Plain: C 10, D 120, E 30, F 180 ms.  (Timers
	 * that expire in the same pass are another matter: there libevent
	 * runs a common timeout's events after the plain ones, so the gaps
	 * are wide enough for a loaded machine.)
	 */
	t0 = evkit_coarse_ms();
	evtimer_add(ev[0], c60);
	evtimer_add(ev[1], c60);
	evtimer_add(ev[2], evkit_ms_tv(&tv, 10));
	evtimer_add(ev[3], evkit_ms_tv(&tv, 120));
	evtimer_add(ev[4], evkit_ms_tv(&tv, 30));
	evtimer_add(ev[5], evkit_ms_tv(&tv, 180));
	ck_assert_int_eq(event_base_dispatch(evkit_base), 1);
	/*
	 * A timer that ran later than the 20 ms between two deadlines may
	 * have shared its pass with the next one, where the common timeouts
	 * go last.  Then only the orders that hold in every case are checked:
	 * the plain timers by deadline, the common ones first in, first out.
	 */
	for (i = 0; i < 6; i++)
		if (p[i].at - t0 > due[i] + 15)
			late = 1;
	if (!late) {
		ck_assert_str_eq(evkit_order, "CEABDF");
	} else {
		ck_assert_msg(strlen(evkit_order) == 6 &&
		        runs_before('A', 'B') && runs_before('C', 'E') &&
		        runs_before('E', 'D') && runs_before('D', 'F'),
		    "order %s", evkit_order);
	}
	for (i = 0; i < 6; i++)
		event_free(ev[i]);
}
END_TEST

START_TEST(test_common_persistent)
{
	struct timeval d = { 0, 10000 };
	const struct timeval *c;
	struct tprobe p = TPROBE('p');
	double t0;

	c = event_base_init_common_timeout(evkit_base, &d);
	p.ev = event_new(evkit_base, -1, EV_PERSIST, tprobe_cb, &p);
	p.stop_after = 5;
	t0 = evkit_coarse_ms();
	evtimer_add(p.ev, c);
	ck_assert_int_eq(event_base_dispatch(evkit_base), 1);
	ck_assert_int_eq(p.calls, 5);
	ck_assert_double_ge(p.at - t0, 50);
	ck_assert_double_lt(p.at - t0, 550);
	event_free(p.ev);
}
END_TEST

START_TEST(test_common_too_many)
{
	const struct timeval *c[256], *extra;
	struct timeval d;
	struct tprobe p = TPROBE('x');
	int i;

	/* libevent allows 256 distinct durations per base. */
	for (i = 0; i < 256; i++) {
		d.tv_sec = 1;
		d.tv_usec = i * 1000;
		c[i] = event_base_init_common_timeout(evkit_base, &d);
		ck_assert_msg(c[i] != NULL, "common timeout %d failed", i);
	}
	d.tv_sec = 2;
	d.tv_usec = 0;
	extra = event_base_init_common_timeout(evkit_base, &d);
	ck_assert_ptr_null(extra);
	/* Known durations still resolve, and plain timers still work. */
	d.tv_sec = 1;
	d.tv_usec = 5000;
	ck_assert_ptr_eq(event_base_init_common_timeout(evkit_base, &d), c[5]);
	p.ev = evtimer_new(evkit_base, tprobe_cb, &p);
	evtimer_add(p.ev, evkit_ms_tv(&d, 5));
	ck_assert_int_eq(event_base_dispatch(evkit_base), 1);
	ck_assert_int_eq(p.calls, 1);
	event_free(p.ev);
}
END_TEST

/* ---- timeouts on I/O events ---- */

START_TEST(test_io_timeout)
{
	struct tprobe p = TPROBE('i');
	struct timeval tv;
	double t0;

	p.ev = event_new(evkit_base, evkit_pair[0], EV_READ, tprobe_cb, &p);
	t0 = evkit_coarse_ms();
	ck_assert_int_eq(event_add(p.ev, evkit_ms_tv(&tv, 20)), 0);
	ck_assert_int_eq(event_pending(p.ev, EV_READ | EV_TIMEOUT, NULL),
	    EV_READ | EV_TIMEOUT);
	ck_assert_int_eq(event_base_dispatch(evkit_base), 1);
	ck_assert_int_eq(p.calls, 1);
	ck_assert_int_eq(p.what, EV_TIMEOUT);
	ck_assert_double_ge(p.at - t0, 20);
	ck_assert_int_eq(event_pending(p.ev, EV_READ | EV_TIMEOUT, NULL), 0);

	/* Data first: EV_READ, and the timeout is gone with the event. */
	event_add(p.ev, evkit_ms_tv(&tv, 5000));
	evkit_write(evkit_pair[1], "x");
	ck_assert_int_eq(event_base_dispatch(evkit_base), 1);
	ck_assert_int_eq(p.calls, 2);
	ck_assert_int_eq(p.what, EV_READ);
	event_free(p.ev);
}
END_TEST

struct iot {
	struct event *ev;
	short what[8];
	double at[8];     /* monotonic ms of each call */
	double cached[8]; /* the loop's cached time, ms, of each call */
	int n;
};

static void
iot_cb(evutil_socket_t fd, short what, void *arg)
{
	struct iot *t = arg;
	struct timeval now;

	t->what[t->n] = what;
	t->at[t->n] = evkit_now_ms();
	ck_assert_int_eq(event_base_gettimeofday_cached(evkit_base, &now), 0);
	t->cached[t->n] = evkit_tv_ms(&now);
	if (what & EV_READ)
		evkit_drain(fd);
	if (++t->n == 4)
		event_del(t->ev);
}

START_TEST(test_io_timeout_persistent)
{
	struct iot t;
	struct timeval tv;
	double t0, margin;

	/* Persistent EV_READ with a 100 ms timeout: timeouts repeat while
	 * idle, and a read restarts the timeout from the read (not from the
	 * deadline it replaced). */
	memset(&t, 0, sizeof(t));
	t.ev = event_new(evkit_base, evkit_pair[0], EV_READ | EV_PERSIST,
	    iot_cb, &t);
	t0 = evkit_coarse_ms();
	event_add(t.ev, evkit_ms_tv(&tv, 100));
	ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_ONCE), 0);
	ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_ONCE), 0);
	ck_assert_int_eq(t.n, 2);
	ck_assert_int_eq(t.what[0], EV_TIMEOUT);
	ck_assert_int_eq(t.what[1], EV_TIMEOUT);
	ck_assert_double_ge(t.at[1] - t0, 200);
	spin_ms(20);
	ck_assert_int_eq(event_pending(t.ev, EV_TIMEOUT, &tv), EV_TIMEOUT);
	margin = evkit_tv_ms(&tv) - evkit_wall_ms();
	evkit_write(evkit_pair[1], "x");
	if (margin < 40) {
		/* Stalled close to the next deadline (loaded machine): the
		 * read and the timeout might coincide, which
		 * test_io_timeout_coincide covers. */
		event_free(t.ev);
		return;
	}
	ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_ONCE), 0);
	ck_assert_int_eq(t.what[2], EV_READ);
	ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_ONCE), 0);
	ck_assert_int_eq(t.what[3], EV_TIMEOUT);
	/* 100 ms from the read, by the clock the deadline was set from. */
	ck_assert_double_ge(t.cached[3] - t.cached[2], 100);
	ck_assert_int_eq(event_pending(t.ev, EV_READ | EV_TIMEOUT, NULL), 0);
	event_free(t.ev);
}
END_TEST

#ifndef EVKIT_REFERENCE /* FIFO among equal deadlines: evkit only */
/*
 * A persistent event woken by I/O re-arms its timeout in place; it must
 * land where a fresh add would: after a timer given the same deadline
 * earlier in the same pass, before one given it later.
 */
struct rekey {
	struct event *x, *w, *y, *a;
	int x_reads;
};

static void
rekey_a_cb(evutil_socket_t fd, short what, void *arg)
{
	struct rekey *r = arg;
	struct timeval tv;

	/* Runs first in the pass (added last on the fd): W before X. */
	evkit_order_note('a');
	ck_assert_int_eq(event_add(r->w, evkit_ms_tv(&tv, 50)), 0);
	ck_assert_int_eq(event_del(r->a), 0);
}

static void
rekey_x_cb(evutil_socket_t fd, short what, void *arg)
{
	struct rekey *r = arg;
	struct timeval tv;

	evkit_order_note(what & EV_TIMEOUT ? 'X' : 'x');
	if (what & EV_READ) {
		evkit_drain(fd);
		ck_assert_int_eq(event_add(r->y, evkit_ms_tv(&tv, 50)), 0);
	} else {
		ck_assert_int_eq(event_del(r->x), 0);
	}
}

START_TEST(test_io_timeout_rekey_fifo)
{
	struct tprobe w = TPROBE('W'), y = TPROBE('Y');
	struct rekey r;
	struct timeval tv;

	memset(&r, 0, sizeof(r));
	r.x = event_new(evkit_base, evkit_pair[0], EV_READ | EV_PERSIST,
	    rekey_x_cb, &r);
	r.a = event_new(evkit_base, evkit_pair[0], EV_READ | EV_PERSIST,
	    rekey_a_cb, &r);
	r.w = evtimer_new(evkit_base, tprobe_cb, &w);
	r.y = evtimer_new(evkit_base, tprobe_cb, &y);
	/* X first, with its timeout: its sequence is older than W's. */
	ck_assert_int_eq(event_add(r.x, evkit_ms_tv(&tv, 50)), 0);
	ck_assert_int_eq(event_add(r.a, NULL), 0);
	evkit_write(evkit_pair[1], "x");
	/* One pass runs a, then x; the three deadlines are then equal. */
	ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_ONCE), 0);
	ck_assert_str_eq(evkit_order, "ax");
	ck_assert_int_eq(event_base_dispatch(evkit_base), 1);
	ck_assert_str_eq(evkit_order, "axWXY");
	event_free(r.x);
	event_free(r.a);
	event_free(r.w);
	event_free(r.y);
}
END_TEST
#endif

START_TEST(test_io_timeout_coincide)
{
	struct tprobe p = TPROBE('o'), q = TPROBE('p');
	struct event *evq;
	struct timeval tv;

	/*
	 * Readable and timed out by the same pass: libevent reports the
	 * timeout alone (the timeout removes the event, read activation and
	 * all, before re-activating it).  A one-shot event is then gone; a
	 * persistent one sees the data on the next pass.
	 */
	p.ev = event_new(evkit_base, evkit_pair[0], EV_READ, tprobe_cb, &p);
	evq = event_new(evkit_base, evkit_pair[0], EV_READ | EV_PERSIST,
	    tprobe_cb, &q);
	q.ev = evq;
	q.stop_after = 2;
	event_add(p.ev, evkit_ms_tv(&tv, 1));
	event_add(evq, evkit_ms_tv(&tv, 1));
	evkit_write(evkit_pair[1], "x");
	spin_ms(10);
	ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_ONCE), 0);
	ck_assert_int_eq(p.calls, 1);
	ck_assert_int_eq(p.what, EV_TIMEOUT);
	ck_assert_int_eq(q.calls, 1);
	ck_assert_int_eq(q.what, EV_TIMEOUT);
	ck_assert_int_eq(event_pending(p.ev, EV_READ, NULL), 0);
	/* Still added, timeout re-armed; with a long one, the data. */
	ck_assert_int_eq(event_pending(evq, EV_READ | EV_TIMEOUT, NULL),
	    EV_READ | EV_TIMEOUT);
	event_add(evq, evkit_ms_tv(&tv, 10000));
	ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_ONCE), 0);
	ck_assert_int_eq(q.calls, 2);
	ck_assert_int_eq(q.what, EV_READ);
	ck_assert_int_eq(p.calls, 1);
	event_free(p.ev);
	event_free(evq);
}
END_TEST

/*
 * A persistent event with a timeout, woken by I/O, whose callback changes
 * its own timeout: the re-arm done before the callback must not win over
 * what the callback asked for (a delete, a delete and a new add, a new
 * add while it runs).
 */
struct selfmod {
	struct event *ev;
	int mode; /* 0: del; 1: del, add 300 ms; 2: add 30 ms */
	int calls;
	short what[4];
	double at[4];
};

static void
selfmod_cb(evutil_socket_t fd, short what, void *arg)
{
	struct selfmod *m = arg;
	struct timeval tv;

	m->what[m->calls] = what;
	m->at[m->calls] = evkit_now_ms();
	if (++m->calls > 1) {
		ck_assert_int_eq(event_del(m->ev), 0);
		return;
	}
	evkit_drain(fd);
	if (m->mode <= 1)
		ck_assert_int_eq(event_del(m->ev), 0);
	if (m->mode == 1)
		ck_assert_int_eq(event_add(m->ev, evkit_ms_tv(&tv, 300)), 0);
	if (m->mode == 2)
		ck_assert_int_eq(event_add(m->ev, evkit_ms_tv(&tv, 30)), 0);
}

START_TEST(test_io_timeout_self_change)
{
	struct selfmod m;
	struct timeval tv;
	double t0, w0;
	int mode;

	for (mode = 0; mode < 3; mode++) {
		memset(&m, 0, sizeof(m));
		m.mode = mode;
		m.ev = event_new(evkit_base, evkit_pair[0],
		    EV_READ | EV_PERSIST, selfmod_cb, &m);
		ck_assert_int_eq(event_add(m.ev, evkit_ms_tv(&tv, 5000)), 0);
		evkit_write(evkit_pair[1], "x");
		t0 = evkit_coarse_ms();
		w0 = evkit_wall_ms();
		ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_ONCE), 0);
		ck_assert_int_eq(m.calls, 1);
		ck_assert_int_eq(m.what[0], EV_READ);
		if (mode == 0) {
			ck_assert_int_eq(event_pending(m.ev,
			                     EV_READ | EV_TIMEOUT, NULL),
			    0);
			ck_assert_int_eq(event_base_dispatch(evkit_base), 1);
			ck_assert_int_eq(m.calls, 1);
			event_free(m.ev);
			continue;
		}
		ck_assert_int_eq(event_pending(m.ev, EV_TIMEOUT, &tv),
		    EV_TIMEOUT);
		/* The deadline the callback asked for, not 5 s. */
		ck_assert_double_le(evkit_tv_ms(&tv) - w0, 1000);
		ck_assert_int_eq(event_base_dispatch(evkit_base), 1);
		ck_assert_int_eq(m.calls, 2);
		ck_assert_int_eq(m.what[1], EV_TIMEOUT);
		ck_assert_double_ge(m.at[1] - t0, mode == 1 ? 300 : 30);
		ck_assert_double_lt(m.at[1] - t0, 3000);
		event_free(m.ev);
	}
}
END_TEST

/*
 * The same with a common timeout: woken by I/O it is re-armed in its
 * common queue (never re-keyed in the heap it is not in), fires once the
 * duration has passed from the read, and keeps FIFO with a timer added to
 * the same queue after the read.
 */
struct ciot {
	struct event *ev;
	int calls;
	short what[3];
	double at[3];
};

static void
ciot_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ciot *c = arg;

	c->what[c->calls] = what;
	c->at[c->calls] = evkit_now_ms();
	evkit_order_note(what & EV_TIMEOUT ? 'T' : 'r');
	if (what & EV_READ)
		evkit_drain(fd);
	if (++c->calls == 2)
		ck_assert_int_eq(event_del(c->ev), 0);
}

START_TEST(test_io_timeout_common)
{
	struct timeval d = { 0, 80000 }, when;
	const struct timeval *common;
	struct tprobe q = TPROBE('q');
	struct ciot c;
	double t1;

	common = event_base_init_common_timeout(evkit_base, &d);
	ck_assert_ptr_nonnull(common);
	memset(&c, 0, sizeof(c));
	c.ev = event_new(evkit_base, evkit_pair[0], EV_READ | EV_PERSIST,
	    ciot_cb, &c);
	q.ev = evtimer_new(evkit_base, tprobe_cb, &q);
	ck_assert_int_eq(event_add(c.ev, common), 0);
	evkit_write(evkit_pair[1], "x");
	/*
	 * The timeout is re-armed from the loop's time of this pass, which
	 * may be a little earlier than the callback's own clock reading
	 * (ASan, a busy machine): measure from before the pass.
	 */
	t1 = evkit_now_ms();
	ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_ONCE), 0);
	ck_assert_int_eq(c.calls, 1);
	ck_assert_int_eq(c.what[0], EV_READ);
	/* Still pending, with a plain absolute deadline about 80 ms on. */
	ck_assert_int_eq(event_pending(c.ev, EV_TIMEOUT, &when), EV_TIMEOUT);
	ck_assert_int_lt(when.tv_usec, 1000000);
	ck_assert_double_le(evkit_tv_ms(&when) - evkit_wall_ms(), 80 + 50);
	ck_assert_int_eq(evtimer_add(q.ev, common), 0);
	ck_assert_int_eq(event_base_dispatch(evkit_base), 1);
	ck_assert_int_eq(c.calls, 2);
	ck_assert_int_eq(c.what[1], EV_TIMEOUT);
	ck_assert_double_ge(c.at[1] - t1, 80);
	ck_assert_int_eq(q.calls, 1);
	ck_assert_str_eq(evkit_order, "rTq");
	event_free(c.ev);
	event_free(q.ev);
}
END_TEST

/*
 * Counts stay right across the quick and general paths: an fd event given
 * a timeout, then deleted; a timer re-added; all gone, nothing counted.
 */
START_TEST(test_event_count_quick_paths)
{
	struct event *io, *t;
	struct timeval tv;

	io = event_new(evkit_base, evkit_pair[0], EV_READ, evkit_noop_cb, NULL);
	t = evtimer_new(evkit_base, evkit_noop_cb, NULL);
	ck_assert_int_eq(event_add(io, NULL), 0);
	ck_assert_int_eq(event_add(io, evkit_ms_tv(&tv, 1000)), 0);
	ck_assert_int_eq(event_add(t, evkit_ms_tv(&tv, 1000)), 0);
	ck_assert_int_eq(event_add(t, evkit_ms_tv(&tv, 2000)), 0);
	ck_assert_int_eq(event_del(io), 0);
	ck_assert_int_eq(event_del(t), 0);
	ck_assert_int_eq(event_del(t), 0);
	ck_assert_int_eq(event_base_get_num_events(evkit_base,
	                     EVENT_BASE_COUNT_ADDED),
	    0);
	ck_assert_int_eq(event_base_dispatch(evkit_base), 1);
	event_free(io);
	event_free(t);
}
END_TEST

Suite *
timer_suite(void)
{
	Suite *s = suite_create("timer");
	TCase *tc;

	tc = tcase_create("basic");
	tcase_add_checked_fixture(tc, evkit_setup_ordered, evkit_teardown);
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, test_oneshot);
	tcase_add_test(tc, test_persistent);
	tcase_add_test(tc, test_persistent_no_drift);
	tcase_add_test(tc, test_persistent_overrun);
	tcase_add_test(tc, test_lateness);
	tcase_add_test(tc, test_deadline_order);
#ifndef EVKIT_REFERENCE
	tcase_add_test(tc, test_equal_timeouts);
#endif
	tcase_add_test(tc, test_null_timeout);
	tcase_add_test(tc, test_readd_reschedules);
	tcase_add_test(tc, test_del_pending);
	tcase_add_test(tc, test_zero_timeout);
	tcase_add_test(tc, test_negative_timeout);
	tcase_add_test(tc, test_pending_deadline);
	tcase_add_test(tc, test_active_pending_timer);
	tcase_add_test(tc, test_persistent_active_reschedule);
	tcase_add_test(tc, test_huge_timeout);
	suite_add_tcase(s, tc);

	tc = tcase_create("many");
	tcase_add_checked_fixture(tc, evkit_setup_ordered, evkit_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_many_timers);
	suite_add_tcase(s, tc);

	tc = tcase_create("common");
	tcase_add_checked_fixture(tc, evkit_setup_ordered, evkit_teardown);
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, test_common_basic);
	tcase_add_test(tc, test_common_fifo);
	tcase_add_test(tc, test_common_mixed);
	tcase_add_test(tc, test_common_persistent);
	tcase_add_test(tc, test_common_too_many);
	suite_add_tcase(s, tc);

	tc = tcase_create("io");
	tcase_add_checked_fixture(tc, evkit_setup_ordered, evkit_teardown);
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, test_io_timeout);
	tcase_add_test(tc, test_io_timeout_persistent);
	tcase_add_test(tc, test_io_timeout_coincide);
	tcase_add_test(tc, test_io_timeout_self_change);
	tcase_add_test(tc, test_io_timeout_common);
	tcase_add_test(tc, test_event_count_quick_paths);
#ifndef EVKIT_REFERENCE
	tcase_add_test(tc, test_io_timeout_rekey_fifo);
#endif
	suite_add_tcase(s, tc);

	return s;
}
