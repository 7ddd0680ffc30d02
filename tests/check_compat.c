/*
 * tests/check_compat.c: the libevent 1.4 API still in event2/event_compat.h,
 * used the way memcached and tmux use it: event_init() and the global
 * current base, event_set/event_base_set, event_dispatch/event_loop,
 * event_loopexit/event_loopbreak, event_once, timeout_* and signal_*
 * macros, EVENT_FD/EVENT_SIGNAL.
 */
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <event.h> /* what 1.4-era programs include */

#include "check-internal.h"

static evutil_socket_t pair[2] = { -1, -1 };

struct cprobe {
	int calls;
	evutil_socket_t fd;
	short what;
	struct event *ev;
	int readd; /* re-add ev with `tv` this many times */
	struct timeval tv;
	int brk; /* event_loopbreak() in the callback */
};

static void
cprobe_cb(evutil_socket_t fd, short what, void *arg)
{
	struct cprobe *p = arg;

	p->calls++;
	p->fd = fd;
	p->what = what;
	if (what & EV_READ)
		evkit_drain(fd);
	if (p->readd > 0) {
		p->readd--;
		/* memcached's clock handler: delete, then add again. */
		evtimer_del(p->ev);
		evtimer_add(p->ev, &p->tv);
	}
	if (p->brk)
		ck_assert_int_eq(event_loopbreak(), 0);
}

static void
setup(void)
{
	evkit_socketpair(pair);
}

static void
teardown(void)
{
	evkit_close(&pair[0]);
	evkit_close(&pair[1]);
}

START_TEST(test_event_init_global)
{
	struct event_base *base, *base2;
	struct event ev;
	struct cprobe p;

	memset(&p, 0, sizeof(p));
	base = event_init();
	ck_assert_ptr_nonnull(base);
	ck_assert_str_eq(event_get_method(), event_base_get_method(base));

	/* event_set binds to the current base, at its middle priority. */
	event_set(&ev, pair[0], EV_READ, cprobe_cb, &p);
	ck_assert_ptr_eq(event_get_base(&ev), base);
	ck_assert_int_eq(event_initialized(&ev), 1);
	ck_assert_int_eq(EVENT_FD(&ev), pair[0]);
	ck_assert_int_eq(event_add(&ev, NULL), 0);
	evkit_write(pair[1], "x");
	ck_assert_int_eq(event_dispatch(), 1);
	ck_assert_int_eq(p.calls, 1);
	ck_assert_int_eq(p.what, EV_READ);
	ck_assert_int_eq(p.fd, pair[0]);
	event_debug_unassign(&ev);

	/* A second event_init() replaces the current base. */
	base2 = event_init();
	ck_assert_ptr_nonnull(base2);
	ck_assert_ptr_ne(base2, base);
	event_set(&ev, pair[0], EV_READ, cprobe_cb, &p);
	ck_assert_ptr_eq(event_get_base(&ev), base2);
	event_debug_unassign(&ev);
	evkit_free_base(base);
	evkit_free_base(base2);
}
END_TEST

START_TEST(test_memcached_style)
{
	struct event_base *main_base, *other;
	struct event conn, clockevent;
	struct cprobe pc, pt;

	memset(&pc, 0, sizeof(pc));
	memset(&pt, 0, sizeof(pt));
	main_base = event_init();
	ck_assert_ptr_nonnull(main_base);

	/* A persistent connection event, bound explicitly. */
	event_set(&conn, pair[0], EV_READ | EV_PERSIST, cprobe_cb, &pc);
	ck_assert_int_eq(event_base_set(main_base, &conn), 0);
	ck_assert_int_eq(event_add(&conn, 0), 0);
	/* Only an event that was never added may change base. */
	other = event_base_new();
	ck_assert_int_eq(event_base_set(other, &conn), -1);
	ck_assert_ptr_eq(event_get_base(&conn), main_base);

	/* The clock: a timer that re-arms itself from its callback. */
	evtimer_set(&clockevent, cprobe_cb, &pt);
	ck_assert_int_eq(event_base_set(main_base, &clockevent), 0);
	pt.ev = &clockevent;
	pt.readd = 3;
	pt.tv.tv_usec = 2000;
	ck_assert_int_eq(evtimer_add(&clockevent, &pt.tv), 0);

	evkit_write(pair[1], "x");
	ck_assert_int_eq(event_base_loop(main_base, EVLOOP_ONCE), 0);
	ck_assert_int_eq(pc.calls, 1);
	ck_assert_int_eq(event_del(&conn), 0);
	ck_assert_int_eq(event_base_loop(main_base, 0), 1);
	ck_assert_int_eq(pt.calls, 4);
	ck_assert_int_eq(pt.what, EV_TIMEOUT);

	/* An event not yet added may move to another base. */
	evtimer_set(&clockevent, cprobe_cb, &pt);
	ck_assert_int_eq(event_base_set(other, &clockevent), 0);
	ck_assert_ptr_eq(event_get_base(&clockevent), other);
	event_debug_unassign(&conn);
	event_debug_unassign(&clockevent);
	evkit_free_base(other);
	evkit_free_base(main_base);
}
END_TEST

START_TEST(test_tmux_style)
{
	struct event_base *base;
	struct event sig, tmr;
	struct cprobe ps, pt;
	struct timeval tv = { 0, 1000 };

	memset(&ps, 0, sizeof(ps));
	memset(&pt, 0, sizeof(pt));
	base = event_init();
	signal_set(&sig, SIGUSR1, cprobe_cb, &ps);
	ck_assert_int_eq(signal_initialized(&sig), 1);
	ck_assert_int_eq(EVENT_SIGNAL(&sig), SIGUSR1);
	ck_assert_int_eq(event_get_events(&sig), EV_SIGNAL | EV_PERSIST);
	ck_assert_int_eq(signal_add(&sig, NULL), 0);
	ck_assert_int_eq(signal_pending(&sig, NULL), EV_SIGNAL);

	ck_assert_int_eq(raise(SIGUSR1), 0);
	ck_assert_int_eq(event_loop(EVLOOP_ONCE), 0);
	ck_assert_int_eq(ps.calls, 1);
	ck_assert_int_eq(ps.what, EV_SIGNAL);
	ck_assert_int_eq(ps.fd, SIGUSR1);

	evtimer_set(&tmr, cprobe_cb, &pt);
	ck_assert_int_eq(evtimer_add(&tmr, &tv), 0);
	ck_assert_int_eq(event_loop(EVLOOP_ONCE), 0);
	ck_assert_int_eq(pt.calls, 1);

	ck_assert_int_eq(signal_del(&sig), 0);
	ck_assert_int_eq(signal_pending(&sig, NULL), 0);
	/* Nothing left: event_loop says so. */
	ck_assert_int_eq(event_loop(EVLOOP_NONBLOCK), 1);
	event_debug_unassign(&sig);
	event_debug_unassign(&tmr);
	evkit_free_base(base);
}
END_TEST

START_TEST(test_evsignal_set)
{
	struct event_base *base;
	struct event sig;
	struct cprobe ps;

	memset(&ps, 0, sizeof(ps));
	base = event_init();
	evsignal_set(&sig, SIGUSR2, cprobe_cb, &ps);
	ck_assert_int_eq(EVENT_SIGNAL(&sig), SIGUSR2);
	ck_assert_int_eq(evsignal_add(&sig, NULL), 0);
	ck_assert_int_eq(raise(SIGUSR2), 0);
	ck_assert_int_eq(event_loop(EVLOOP_ONCE), 0);
	ck_assert_int_eq(ps.calls, 1);
	ck_assert_int_eq(evsignal_del(&sig), 0);
	event_debug_unassign(&sig);
	evkit_free_base(base);
}
END_TEST

START_TEST(test_timeout_macros)
{
	struct event_base *base;
	struct event ev;
	struct cprobe p;
	struct timeval tv = { 0, 10000 }, when;
	double before;

	memset(&p, 0, sizeof(p));
	memset(&ev, 0, sizeof(ev));
	base = event_init();
	ck_assert_int_eq(timeout_initialized(&ev), 0);
	timeout_set(&ev, cprobe_cb, &p);
	ck_assert_int_eq(timeout_initialized(&ev), 1);
	ck_assert_int_eq(timeout_pending(&ev, NULL), 0);
	before = evkit_wall_ms();
	ck_assert_int_eq(timeout_add(&ev, &tv), 0);
	ck_assert_int_eq(timeout_pending(&ev, &when), EV_TIMEOUT);
	ck_assert_double_ge(evkit_tv_ms(&when), before + 10 - 50);
	ck_assert_double_le(evkit_tv_ms(&when), before + 10 + 50);
	ck_assert_int_eq(timeout_del(&ev), 0);
	ck_assert_int_eq(timeout_pending(&ev, NULL), 0);
	ck_assert_int_eq(event_dispatch(), 1);
	ck_assert_int_eq(p.calls, 0);
	ck_assert_int_eq(timeout_add(&ev, &tv), 0);
	ck_assert_int_eq(event_dispatch(), 1);
	ck_assert_int_eq(p.calls, 1);
	ck_assert_int_eq(p.what, EV_TIMEOUT);
	ck_assert_int_eq(p.fd, -1);
	event_debug_unassign(&ev);
	evkit_free_base(base);
}
END_TEST

START_TEST(test_loopexit_loopbreak)
{
	struct event_base *base;
	struct event tick, brk;
	struct cprobe pt, pb;
	struct timeval tv = { 0, 2000 }, ex = { 0, 50000 };
	double t0, dt;

	memset(&pt, 0, sizeof(pt));
	memset(&pb, 0, sizeof(pb));
	base = event_init();
	event_set(&tick, -1, EV_PERSIST, cprobe_cb, &pt);
	event_add(&tick, &tv);
	t0 = evkit_coarse_ms();
	ck_assert_int_eq(event_loopexit(&ex), 0);
	ck_assert_int_eq(event_dispatch(), 0);
	dt = evkit_now_ms() - t0;
	ck_assert_double_ge(dt, 50);
	ck_assert_double_lt(dt, 50 + 1000);
	ck_assert_int_ge(pt.calls, 1);
	ck_assert_int_eq(event_base_got_exit(base), 1);

	/* event_loopbreak from a callback stops event_dispatch at once. */
	evtimer_set(&brk, cprobe_cb, &pb);
	pb.brk = 1;
	evtimer_add(&brk, &tv);
	ck_assert_int_eq(event_dispatch(), 0);
	ck_assert_int_eq(pb.calls, 1);
	ck_assert_int_eq(event_base_got_break(base), 1);
	event_del(&tick);
	event_debug_unassign(&tick);
	event_debug_unassign(&brk);
	evkit_free_base(base);
}
END_TEST

START_TEST(test_event_once)
{
	struct event_base *base;
	struct cprobe pr, pt;
	struct timeval tv = { 0, 1000 };

	memset(&pr, 0, sizeof(pr));
	memset(&pt, 0, sizeof(pt));
	base = event_init();
	evkit_write(pair[1], "x");
	ck_assert_int_eq(event_once(pair[0], EV_READ, cprobe_cb, &pr, NULL), 0);
	ck_assert_int_eq(event_once(-1, EV_TIMEOUT, cprobe_cb, &pt, &tv), 0);
	ck_assert_int_eq(event_once(-1, EV_SIGNAL, cprobe_cb, &pt, NULL), -1);
	ck_assert_int_eq(event_dispatch(), 1);
	ck_assert_int_eq(pr.calls, 1);
	ck_assert_int_eq(pr.what, EV_READ);
	ck_assert_int_eq(pt.calls, 1);
	ck_assert_int_eq(pt.what, EV_TIMEOUT);
	evkit_free_base(base);
}
END_TEST

START_TEST(test_priority_init)
{
	struct event_base *base;
	struct event ev;

	base = event_init();
	ck_assert_int_eq(event_priority_init(3), 0);
	ck_assert_int_eq(event_base_get_npriorities(base), 3);
	event_set(&ev, -1, 0, cprobe_cb, NULL);
	ck_assert_int_eq(event_get_priority(&ev), 1);
	ck_assert_int_eq(event_priority_set(&ev, 2), 0);
	ck_assert_int_eq(event_get_priority(&ev), 2);
	ck_assert_int_eq(event_priority_init(0), -1);
	ck_assert_int_eq(event_base_get_npriorities(base), 3);
	event_debug_unassign(&ev);
	evkit_free_base(base);
}
END_TEST

Suite *
compat_suite(void)
{
	Suite *s = suite_create("compat");
	TCase *tc;

	tc = tcase_create("compat");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, test_event_init_global);
	tcase_add_test(tc, test_memcached_style);
	tcase_add_test(tc, test_tmux_style);
	tcase_add_test(tc, test_evsignal_set);
	tcase_add_test(tc, test_timeout_macros);
	tcase_add_test(tc, test_loopexit_loopbreak);
	tcase_add_test(tc, test_event_once);
	tcase_add_test(tc, test_priority_init);
	suite_add_tcase(s, tc);

	return s;
}
