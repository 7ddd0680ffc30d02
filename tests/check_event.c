/*
 * tests/check_event.c: struct event itself: new/assign/free, add/del,
 * I/O readiness, EV_PERSIST/EV_ET/EV_CLOSED, changes made from inside
 * callbacks, event_active, event_pending, event_base_once, the
 * introspection calls, callback order and the misuse libevent refuses.
 *
 * Where libevent's behaviour is a choice rather than an obvious rule (the
 * order of two events on one fd, what EVENT_BASE_COUNT_ADDED counts, ...)
 * the expected values were measured on libevent 2.1.12 and are asserted
 * exactly; tests/libevent-reference.sh re-checks them.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check-internal.h"

/* Makes fd unwritable by filling its send buffer and the peer's receive
 * buffer. */
static void
fill(evutil_socket_t fd)
{
	static char chunk[65536];

	while (send(fd, chunk, sizeof(chunk), MSG_NOSIGNAL) > 0)
		continue;
	ck_assert_int_eq(errno, EAGAIN);
}

/* ---- construction and accessors ---- */

START_TEST(test_new_accessors)
{
	struct probe p = PROBE('a');
	struct event *ev;

	ev = event_new(evkit_base, evkit_pair[0], EV_READ | EV_PERSIST,
	    evkit_probe_cb, &p);
	ck_assert_ptr_nonnull(ev);
	ck_assert_int_eq(event_initialized(ev), 1);
	ck_assert_int_eq(event_get_fd(ev), evkit_pair[0]);
	ck_assert_ptr_eq(event_get_base(ev), evkit_base);
	ck_assert_int_eq(event_get_events(ev), EV_READ | EV_PERSIST);
	ck_assert(event_get_callback(ev) == evkit_probe_cb);
	ck_assert_ptr_eq(event_get_callback_arg(ev), &p);
	/* One priority by default, so the default priority is 0. */
	ck_assert_int_eq(event_get_priority(ev), 0);
	ck_assert_int_eq(event_pending(ev, EV_READ | EV_WRITE | EV_TIMEOUT,
	                     NULL),
	    0);
	event_free(ev);
	ck_assert_int_eq(p.calls, 0);
}
END_TEST

START_TEST(test_assign_accessors)
{
	struct event ev;
	struct event_base *base = NULL;
	evutil_socket_t fd = -2;
	short events = 0;
	event_callback_fn cb = NULL;
	void *arg = NULL;
	int x;

	memset(&ev, 0, sizeof(ev));
	ck_assert_int_eq(event_initialized(&ev), 0);
	ck_assert_int_eq(event_assign(&ev, evkit_base, evkit_pair[1], EV_WRITE,
	                     evkit_noop_cb, &x),
	    0);
	ck_assert_int_eq(event_initialized(&ev), 1);
	event_get_assignment(&ev, &base, &fd, &events, &cb, &arg);
	ck_assert_ptr_eq(base, evkit_base);
	ck_assert_int_eq(fd, evkit_pair[1]);
	ck_assert_int_eq(events, EV_WRITE);
	ck_assert(cb == evkit_noop_cb);
	ck_assert_ptr_eq(arg, &x);
	/* NULL out-parameters are skipped. */
	event_get_assignment(&ev, NULL, NULL, NULL, NULL, NULL);
	/* A priority set after priority_init: the middle one by default. */
	ck_assert_int_eq(event_base_priority_init(evkit_base, 5), 0);
	ck_assert_int_eq(event_assign(&ev, evkit_base, -1, 0, evkit_noop_cb,
	                     NULL),
	    0);
	ck_assert_int_eq(event_get_priority(&ev), 2);
	ck_assert_int_eq(event_get_fd(&ev), -1);
	ck_assert_int_eq(event_get_events(&ev), 0);
	event_debug_unassign(&ev);
}
END_TEST

START_TEST(test_self_cbarg)
{
	struct event ev, *evp;

	evp = event_new(evkit_base, -1, EV_TIMEOUT, evkit_noop_cb,
	    event_self_cbarg());
	ck_assert_ptr_nonnull(evp);
	ck_assert_ptr_eq(event_get_callback_arg(evp), evp);
	event_free(evp);

	ck_assert_int_eq(event_assign(&ev, evkit_base, -1, 0, evkit_noop_cb,
	                     event_self_cbarg()),
	    0);
	ck_assert_ptr_eq(event_get_callback_arg(&ev), &ev);
	event_debug_unassign(&ev);
}
END_TEST

START_TEST(test_struct_size)
{
	ck_assert_uint_eq(event_get_struct_event_size(), sizeof(struct event));
	/* 128 on x86_64 for libevent 2.1; programs embed struct event. */
	ck_assert_uint_le(sizeof(struct event), 128);
}
END_TEST

START_TEST(test_bad_flags)
{
	struct event ev;

	ck_assert_ptr_null(event_new(evkit_base, SIGUSR1, EV_SIGNAL | EV_READ,
	    evkit_noop_cb, NULL));
	ck_assert_ptr_null(event_new(evkit_base, SIGUSR1, EV_SIGNAL | EV_WRITE,
	    evkit_noop_cb, NULL));
	ck_assert_ptr_null(event_new(evkit_base, SIGUSR1, EV_SIGNAL | EV_CLOSED,
	    evkit_noop_cb, NULL));
	ck_assert_int_eq(event_assign(&ev, evkit_base, SIGUSR1,
	                     EV_SIGNAL | EV_READ | EV_PERSIST, evkit_noop_cb,
	                     NULL),
	    -1);
}
END_TEST

/* ---- add, del, readiness ---- */

START_TEST(test_read_oneshot)
{
	struct probe p = PROBE('r');
	struct event *ev;

	ev = event_new(evkit_base, evkit_pair[0], EV_READ, evkit_probe_cb, &p);
	ck_assert_int_eq(event_add(ev, NULL), 0);
	ck_assert_int_eq(event_pending(ev, EV_READ, NULL), EV_READ);
	/* Nothing readable yet: a nonblocking pass runs nothing. */
	ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_NONBLOCK), 0);
	ck_assert_int_eq(p.calls, 0);

	evkit_write(evkit_pair[1], "x");
	ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_ONCE), 0);
	ck_assert_int_eq(p.calls, 1);
	ck_assert_int_eq(p.fd, evkit_pair[0]);
	ck_assert_int_eq(p.what, EV_READ);
	/* Not persistent: no longer pending, so the base is now empty even
	 * though the byte was never read. */
	ck_assert_int_eq(event_pending(ev, EV_READ, NULL), 0);
	ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_NONBLOCK), 1);
	ck_assert_int_eq(p.calls, 1);
	event_free(ev);
}
END_TEST

START_TEST(test_write_ready)
{
	struct probe p = PROBE('w');
	struct event *ev;

	ev = event_new(evkit_base, evkit_pair[0], EV_WRITE, evkit_probe_cb, &p);
	ck_assert_int_eq(event_add(ev, NULL), 0);
	ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_ONCE), 0);
	ck_assert_int_eq(p.calls, 1);
	ck_assert_int_eq(p.what, EV_WRITE);
	event_free(ev);

	/* A full socket is not writable. */
	p.calls = 0;
	fill(evkit_pair[0]);
	ev = event_new(evkit_base, evkit_pair[0], EV_WRITE, evkit_probe_cb, &p);
	ck_assert_int_eq(event_add(ev, NULL), 0);
	ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_NONBLOCK), 0);
	ck_assert_int_eq(p.calls, 0);
	evkit_drain(evkit_pair[1]);
	ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_ONCE), 0);
	ck_assert_int_eq(p.calls, 1);
	event_free(ev);
}
END_TEST

START_TEST(test_del)
{
	struct probe p = PROBE('d');
	struct event *ev;

	ev = event_new(evkit_base, evkit_pair[0], EV_READ | EV_PERSIST,
	    evkit_probe_cb, &p);
	ck_assert_int_eq(event_add(ev, NULL), 0);
	ck_assert_int_eq(event_base_get_num_events(evkit_base,
	                     EVENT_BASE_COUNT_ADDED),
	    1);
	evkit_write(evkit_pair[1], "x");
	ck_assert_int_eq(event_del(ev), 0);
	ck_assert_int_eq(event_pending(ev, EV_READ, NULL), 0);
	ck_assert_int_eq(event_base_get_num_events(evkit_base,
	                     EVENT_BASE_COUNT_ADDED),
	    0);
	/* Deleting an event that is not pending is harmless. */
	ck_assert_int_eq(event_del(ev), 0);
	ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_NONBLOCK), 1);
	ck_assert_int_eq(p.calls, 0);

	/* Re-adding after a delete works. */
	ck_assert_int_eq(event_add(ev, NULL), 0);
	ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_ONCE), 0);
	ck_assert_int_eq(p.calls, 1);
	event_free(ev);
}
END_TEST

START_TEST(test_add_twice)
{
	struct probe p = PROBE('a');
	struct event *ev;

	ev = event_new(evkit_base, evkit_pair[0], EV_READ, evkit_probe_cb, &p);
	ck_assert_int_eq(event_add(ev, NULL), 0);
	ck_assert_int_eq(event_add(ev, NULL), 0);
	ck_assert_int_eq(event_base_get_num_events(evkit_base,
	                     EVENT_BASE_COUNT_ADDED),
	    1);
	evkit_write(evkit_pair[1], "x");
	ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_NONBLOCK), 1);
	ck_assert_int_eq(p.calls, 1);
	event_free(ev);
}
END_TEST

START_TEST(test_read_and_write_on_one_fd)
{
	struct probe r = PROBE('r'), w = PROBE('w');
	struct event *evr, *evw;

	evr = event_new(evkit_base, evkit_pair[0], EV_READ, evkit_probe_cb, &r);
	evw =
	    event_new(evkit_base, evkit_pair[0], EV_WRITE, evkit_probe_cb, &w);
	ck_assert_int_eq(event_add(evr, NULL), 0);
	ck_assert_int_eq(event_add(evw, NULL), 0);
	/* Only writable so far. */
	ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_ONCE), 0);
	ck_assert_int_eq(w.calls, 1);
	ck_assert_int_eq(r.calls, 0);
	ck_assert_int_eq(event_pending(evr, EV_READ, NULL), EV_READ);
	/* Deleting the write event must keep the read interest. */
	evkit_write(evkit_pair[1], "x");
	ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_ONCE), 0);
	ck_assert_int_eq(r.calls, 1);
	ck_assert_int_eq(r.what, EV_READ);
	ck_assert_int_eq(w.calls, 1);
	event_free(evr);
	event_free(evw);
}
END_TEST

START_TEST(test_combined_read_write)
{
	struct probe p = PROBE('c');
	struct event *ev;

	ev = event_new(evkit_base, evkit_pair[0], EV_READ | EV_WRITE,
	    evkit_probe_cb, &p);
	evkit_write(evkit_pair[1], "x");
	ck_assert_int_eq(event_add(ev, NULL), 0);
	ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_ONCE), 0);
	ck_assert_int_eq(p.calls, 1);
	ck_assert_int_eq(p.what, EV_READ | EV_WRITE);
	event_free(ev);
}
END_TEST

START_TEST(test_two_readers_order)
{
	struct probe a = PROBE('A'), b = PROBE('B'), c = PROBE('C');
	struct event *eva, *evb, *evc;

	eva = event_new(evkit_base, evkit_pair[0], EV_READ, evkit_probe_cb, &a);
	evb = event_new(evkit_base, evkit_pair[0], EV_READ, evkit_probe_cb, &b);
	evc = event_new(evkit_base, evkit_pair[0], EV_READ, evkit_probe_cb, &c);
	event_add(eva, NULL);
	event_add(evb, NULL);
	event_add(evc, NULL);
	evkit_write(evkit_pair[1], "x");
	ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_ONCE), 0);
	/* libevent keeps each fd's events newest first. */
	ck_assert_str_eq(evkit_order, "CBA");
	event_free(eva);
	event_free(evb);
	event_free(evc);
}
END_TEST

START_TEST(test_persist_vs_oneshot)
{
	struct probe p = PROBE('p'), o = PROBE('o');
	struct event *evp, *evo;
	int i;

	evp = event_new(evkit_base, evkit_pair[0], EV_READ | EV_PERSIST,
	    evkit_probe_cb, &p);
	evo = event_new(evkit_base, evkit_pair[0], EV_READ, evkit_probe_cb, &o);
	event_add(evp, NULL);
	event_add(evo, NULL);
	evkit_write(evkit_pair[1], "x"); /* never read */
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_ONCE), 0);
	ck_assert_int_eq(p.calls, 3);
	ck_assert_int_eq(o.calls, 1);
	ck_assert_int_eq(event_pending(evp, EV_READ, NULL), EV_READ);
	ck_assert_int_eq(event_pending(evo, EV_READ, NULL), 0);
	event_free(evp);
	event_free(evo);
}
END_TEST

START_TEST(test_edge_triggered)
{
	struct probe p = PROBE('e');
	struct event *ev;

	if (!evkit_has_features(evkit_base, EV_FEATURE_ET))
		return; /* level-triggered backend: nothing to test */
	ev = event_new(evkit_base, evkit_pair[0], EV_READ | EV_ET | EV_PERSIST,
	    evkit_probe_cb, &p);
	ck_assert_int_eq(event_add(ev, NULL), 0);
	evkit_write(evkit_pair[1], "ab");
	ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_ONCE), 0);
	ck_assert_int_eq(p.calls, 1);
	ck_assert_int_eq(p.what, EV_READ | EV_ET);
	/* Data left unread: no new edge, no second callback. */
	ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_NONBLOCK), 0);
	ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_NONBLOCK), 0);
	ck_assert_int_eq(p.calls, 1);
	/* New data is a new edge. */
	evkit_write(evkit_pair[1], "c");
	ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_ONCE), 0);
	ck_assert_int_eq(p.calls, 2);
	event_free(ev);
}
END_TEST

START_TEST(test_closed)
{
	struct probe c = PROBE('c'), rc = PROBE('r');
	struct event *evc, *evrc;

	if (!evkit_has_features(evkit_base, EV_FEATURE_EARLY_CLOSE))
		return; /* select: EV_CLOSED is never reported */
	evc =
	    event_new(evkit_base, evkit_pair[0], EV_CLOSED, evkit_probe_cb, &c);
	evrc = event_new(evkit_base, evkit_pair[0], EV_READ | EV_CLOSED,
	    evkit_probe_cb, &rc);
	ck_assert_int_eq(event_add(evc, NULL), 0);
	ck_assert_int_eq(event_add(evrc, NULL), 0);
	ck_assert_int_eq(event_pending(evc, EV_CLOSED, NULL), EV_CLOSED);
	ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_NONBLOCK), 0);
	ck_assert_int_eq(c.calls + rc.calls, 0);

	ck_assert_int_eq(shutdown(evkit_pair[1], SHUT_WR), 0);
	ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_ONCE), 0);
	ck_assert_int_eq(c.calls, 1);
	ck_assert_int_eq(c.what, EV_CLOSED);
	ck_assert_int_eq(rc.calls, 1);
	ck_assert_int_eq(rc.what, EV_READ | EV_CLOSED);
	event_free(evc);
	event_free(evrc);
}
END_TEST

START_TEST(test_closed_by_close)
{
	struct probe c = PROBE('c');
	struct event *evc;

	if (!evkit_has_features(evkit_base, EV_FEATURE_EARLY_CLOSE))
		return;
	evc = event_new(evkit_base, evkit_pair[0], EV_CLOSED | EV_PERSIST,
	    evkit_probe_cb, &c);
	ck_assert_int_eq(event_add(evc, NULL), 0);
	evkit_close(&evkit_pair[1]);
	ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_ONCE), 0);
	ck_assert_int_eq(c.calls, 1);
	ck_assert_int_eq(c.what & EV_CLOSED, EV_CLOSED);
	event_free(evc);
}
END_TEST

START_TEST(test_negative_fd)
{
	struct probe p = PROBE('n');
	struct event *ev;

	/* libevent accepts an fd event with fd -1 and never reports it. */
	ev = event_new(evkit_base, -1, EV_READ, evkit_probe_cb, &p);
	ck_assert_ptr_nonnull(ev);
	ck_assert_int_eq(event_add(ev, NULL), 0);
	ck_assert_int_eq(event_pending(ev, EV_READ, NULL), EV_READ);
	ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_NONBLOCK), 0);
	ck_assert_int_eq(p.calls, 0);
	ck_assert_int_eq(event_del(ev), 0);
	event_free(ev);
}
END_TEST

/*
 * An add the backend refuses (epoll: EBADF for a closed fd) must leave
 * the fd map as it was: the next event on that number, once a new file
 * has it, is registered and reported.  Backends that learn of the bad fd
 * later (poll, select, io_uring) accept the add; then it is deleted.
 */
START_TEST(test_refused_add_leaves_map_clean)
{
	struct probe p = PROBE('r'), q = PROBE('s');
	evutil_socket_t pair[2], fd;
	struct event *bad, *good;

	evkit_socketpair(pair);
	fd = pair[0];
	/* Once added and deleted, the fd has its entry in the map. */
	good = event_new(evkit_base, fd, EV_READ, evkit_probe_cb, &q);
	ck_assert_ptr_nonnull(good);
	ck_assert_int_eq(event_add(good, NULL), 0);
	ck_assert_int_eq(event_del(good), 0);
	event_free(good);
	ck_assert_int_ge(event_base_loop(evkit_base, EVLOOP_NONBLOCK), 0);
	evkit_close(&pair[0]);
	bad = event_new(evkit_base, fd, EV_READ, evkit_probe_cb, &p);
	ck_assert_ptr_nonnull(bad);
	if (event_add(bad, NULL) == 0) {
		ck_assert_int_eq(event_del(bad), 0);
	} else {
		ck_assert_int_eq(event_pending(bad, EV_READ, NULL), 0);
		ck_assert_int_eq(event_base_get_num_events(evkit_base,
		                     EVENT_BASE_COUNT_ADDED),
		    0);
	}

	/* A new socketpair takes the lowest free number: the closed one. */
	evkit_close(&pair[1]);
	evkit_socketpair(pair);
	ck_assert_int_eq(pair[0], fd);
	good = event_new(evkit_base, fd, EV_READ, evkit_probe_cb, &q);
	ck_assert_ptr_nonnull(good);
	ck_assert_int_eq(event_add(good, NULL), 0);
	evkit_write(pair[1], "x");
	ck_assert_int_eq(evkit_loop_until(evkit_base, &q.calls, 0, 5000), 0);
	ck_assert_int_eq(q.calls, 1);
	/* A refused event kept in the map would be run here too. */
	ck_assert_int_eq(p.calls, 0);
	event_free(good);
	event_free(bad);
	evkit_close(&pair[0]);
	evkit_close(&pair[1]);
}
END_TEST

START_TEST(test_mix_edge_and_level)
{
	struct event *et, *lt, *wr;
	/* libevent 2.1 refuses edge- and level-triggered events on one fd
	 * only in debug mode; otherwise the adds succeed, and programs
	 * written for 2.1 rely on that. */
	int want = evkit_test_debug() ? -1 : 0;

	et = event_new(evkit_base, evkit_pair[0], EV_READ | EV_ET,
	    evkit_noop_cb, NULL);
	lt = event_new(evkit_base, evkit_pair[0], EV_READ, evkit_noop_cb, NULL);
	wr =
	    event_new(evkit_base, evkit_pair[0], EV_WRITE, evkit_noop_cb, NULL);
	ck_assert_int_eq(event_add(et, NULL), 0);
	ck_assert_int_eq(event_add(lt, NULL), want);
	ck_assert_int_eq(event_add(wr, NULL), want);
	ck_assert_int_eq(event_pending(lt, EV_READ, NULL), want ? 0 : EV_READ);
	event_del(et);
	event_del(lt);
	event_del(wr);
	ck_assert_int_eq(event_add(lt, NULL), 0);
	ck_assert_int_eq(event_add(et, NULL), want);
	event_free(et);
	event_free(lt);
	event_free(wr);
}
END_TEST

/* ---- changes from inside callbacks ---- */

static void
act_del_other(struct probe *p)
{
	ck_assert_int_eq(event_del(p->other), 0);
}

static void
act_free_other(struct probe *p)
{
	event_free(p->other);
	p->other = NULL;
}

static void
act_add_other(struct probe *p)
{
	ck_assert_int_eq(event_add(p->other, NULL), 0);
}

static void
act_readd_self(struct probe *p)
{
	if (p->calls < 3)
		ck_assert_int_eq(event_add(p->ev, NULL), 0);
}

static void
act_del_self(struct probe *p)
{
	ck_assert_int_eq(event_del(p->ev), 0);
	ck_assert_int_eq(event_pending(p->ev, EV_READ, NULL), 0);
}

static void
act_free_self(struct probe *p)
{
	event_free(p->ev);
	p->ev = NULL;
}

START_TEST(test_del_other_from_cb)
{
	struct probe a = PROBE('A'), b = PROBE('B');
	struct event *eva, *evb;

	eva = event_new(evkit_base, -1, 0, evkit_probe_cb, &a);
	evb = event_new(evkit_base, -1, 0, evkit_probe_cb, &b);
	a.action = act_del_other;
	a.other = evb;
	event_active(eva, EV_READ, 1);
	event_active(evb, EV_READ, 1);
	/* b is active when a runs; deleting it cancels its callback. */
	ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_NONBLOCK), 1);
	ck_assert_str_eq(evkit_order, "A");
	ck_assert_int_eq(b.calls, 0);
	event_free(eva);
	event_free(evb);
}
END_TEST

START_TEST(test_free_other_from_cb)
{
	struct probe a = PROBE('A'), b = PROBE('B'), c = PROBE('C');
	struct event *eva, *evb, *evc;

	/* Three readers on one fd, run newest first: C frees B. */
	eva = event_new(evkit_base, evkit_pair[0], EV_READ, evkit_probe_cb, &a);
	evb = event_new(evkit_base, evkit_pair[0], EV_READ | EV_PERSIST,
	    evkit_probe_cb, &b);
	evc = event_new(evkit_base, evkit_pair[0], EV_READ, evkit_probe_cb, &c);
	c.action = act_free_other;
	c.other = evb;
	event_add(eva, NULL);
	event_add(evb, NULL);
	event_add(evc, NULL);
	evkit_write(evkit_pair[1], "x");
	ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_ONCE), 0);
	ck_assert_str_eq(evkit_order, "CA");
	ck_assert_ptr_null(c.other);
	ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_NONBLOCK), 1);
	ck_assert_int_eq(b.calls, 0);
	event_free(eva);
	event_free(evc);
}
END_TEST

START_TEST(test_add_other_from_cb)
{
	struct probe a = PROBE('A'), b = PROBE('B');
	struct event *eva, *evb;

	eva = event_new(evkit_base, -1, 0, evkit_probe_cb, &a);
	evb = event_new(evkit_base, evkit_pair[0], EV_READ, evkit_probe_cb, &b);
	a.action = act_add_other;
	a.other = evb;
	evkit_write(evkit_pair[1], "x");
	event_active(eva, EV_TIMEOUT, 1);
	ck_assert_int_eq(event_base_dispatch(evkit_base), 1);
	ck_assert_str_eq(evkit_order, "AB");
	ck_assert_int_eq(b.what, EV_READ);
	event_free(eva);
	event_free(evb);
}
END_TEST

START_TEST(test_readd_self_from_cb)
{
	struct probe p = PROBE('p');

	p.ev =
	    event_new(evkit_base, evkit_pair[0], EV_READ, evkit_probe_cb, &p);
	p.action = act_readd_self;
	event_add(p.ev, NULL);
	evkit_write(evkit_pair[1], "x");
	ck_assert_int_eq(event_base_dispatch(evkit_base), 1);
	ck_assert_int_eq(p.calls, 3);
	event_free(p.ev);
}
END_TEST

START_TEST(test_del_self_from_cb)
{
	struct probe p = PROBE('p');

	p.ev = event_new(evkit_base, evkit_pair[0], EV_READ | EV_PERSIST,
	    evkit_probe_cb, &p);
	p.action = act_del_self;
	event_add(p.ev, NULL);
	evkit_write(evkit_pair[1], "x");
	ck_assert_int_eq(event_base_dispatch(evkit_base), 1);
	ck_assert_int_eq(p.calls, 1);
	event_free(p.ev);
}
END_TEST

START_TEST(test_free_self_from_cb)
{
	struct probe p = PROBE('p'), q = PROBE('q');

	/* Legal in libevent for one-shot and persistent events alike. */
	p.ev = event_new(evkit_base, evkit_pair[0], EV_READ | EV_PERSIST,
	    evkit_probe_cb, &p);
	p.action = act_free_self;
	q.ev =
	    event_new(evkit_base, evkit_pair[0], EV_READ, evkit_probe_cb, &q);
	q.action = act_free_self;
	event_add(p.ev, NULL);
	event_add(q.ev, NULL);
	evkit_write(evkit_pair[1], "x");
	ck_assert_int_eq(event_base_dispatch(evkit_base), 1);
	ck_assert_int_eq(p.calls, 1);
	ck_assert_int_eq(q.calls, 1);
	ck_assert_ptr_null(p.ev);
	ck_assert_ptr_null(q.ev);

	/* A timer with a timeout, freed from its own callback. */
	{
		struct timeval tv = { 0, 0 };

		p.calls = 0;
		p.ev = evtimer_new(evkit_base, evkit_probe_cb, &p);
		evtimer_add(p.ev, &tv);
		ck_assert_int_eq(event_base_dispatch(evkit_base), 1);
		ck_assert_int_eq(p.calls, 1);
	}
}
END_TEST

/* ---- event_active and event_pending ---- */

START_TEST(test_active_res)
{
	static const short kinds[] = { EV_READ, EV_WRITE, EV_TIMEOUT,
		EV_READ | EV_WRITE };
	struct probe p = PROBE('p');
	struct event *ev;
	size_t i;

	ev = event_new(evkit_base, evkit_pair[0], EV_READ, evkit_probe_cb, &p);
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		event_active(ev, kinds[i], 1);
		ck_assert_int_eq(event_pending(ev,
		                     EV_READ | EV_WRITE | EV_TIMEOUT, NULL),
		    kinds[i]);
		ck_assert_int_eq(event_base_get_num_events(evkit_base,
		                     EVENT_BASE_COUNT_ACTIVE),
		    1);
		/* An active event is a reason to keep looping. */
		ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_NONBLOCK),
		    1);
		ck_assert_int_eq(p.calls, (int)i + 1);
		ck_assert_int_eq(p.what, kinds[i]);
		ck_assert_int_eq(p.fd, evkit_pair[0]);
	}
	event_free(ev);
}
END_TEST

START_TEST(test_active_twice_merges)
{
	struct probe p = PROBE('p');
	struct event *ev;

	ev = event_new(evkit_base, -1, 0, evkit_probe_cb, &p);
	event_active(ev, EV_READ, 1);
	event_active(ev, EV_WRITE, 1);
	ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_NONBLOCK), 1);
	ck_assert_int_eq(p.calls, 1);
	ck_assert_int_eq(p.what, EV_READ | EV_WRITE);
	event_free(ev);
}
END_TEST

START_TEST(test_active_added_event)
{
	struct probe p = PROBE('p'), q = PROBE('q');
	struct event *ev, *evq;

	/* Activating a pending one-shot event runs it once and it is no
	 * longer pending; a persistent one stays pending. */
	ev = event_new(evkit_base, evkit_pair[0], EV_READ, evkit_probe_cb, &p);
	evq = event_new(evkit_base, evkit_pair[0], EV_READ | EV_PERSIST,
	    evkit_probe_cb, &q);
	event_add(ev, NULL);
	event_add(evq, NULL);
	event_active(ev, EV_WRITE, 1);
	event_active(evq, EV_WRITE, 1);
	ck_assert_int_eq(event_pending(ev, EV_READ | EV_WRITE, NULL),
	    EV_READ | EV_WRITE);
	ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_NONBLOCK), 0);
	ck_assert_str_eq(evkit_order, "pq");
	ck_assert_int_eq(p.what, EV_WRITE);
	ck_assert_int_eq(event_pending(ev, EV_READ, NULL), 0);
	ck_assert_int_eq(event_pending(evq, EV_READ, NULL), EV_READ);
	event_free(ev);
	event_free(evq);
}
END_TEST

START_TEST(test_active_signal_ncalls)
{
	struct probe p = PROBE('s');
	struct event *ev;

	ev = evsignal_new(evkit_base, SIGUSR1, evkit_probe_cb, &p);
	ck_assert_ptr_nonnull(ev);
	ck_assert_int_eq(event_get_fd(ev), SIGUSR1);
	event_active(ev, EV_SIGNAL, 3);
	ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_NONBLOCK), 1);
	ck_assert_int_eq(p.calls, 3);
	ck_assert_int_eq(p.what, EV_SIGNAL);
	ck_assert_int_eq(p.fd, SIGUSR1);

	/* A second activation of an active event keeps the first count. */
	p.calls = 0;
	event_active(ev, EV_SIGNAL, 2);
	event_active(ev, EV_SIGNAL, 5);
	ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_NONBLOCK), 1);
	ck_assert_int_eq(p.calls, 2);

	/* ncalls 0 runs the callback zero times. */
	p.calls = 0;
	event_active(ev, EV_SIGNAL, 0);
	ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_NONBLOCK), 1);
	ck_assert_int_eq(p.calls, 0);
	/* ... but ncalls means nothing to a non-signal event. */
	{
		struct probe t = PROBE('t');
		struct event *evt = evtimer_new(evkit_base, evkit_probe_cb, &t);

		event_active(evt, EV_TIMEOUT, 0);
		event_active(evt, EV_TIMEOUT, 4);
		ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_NONBLOCK),
		    1);
		ck_assert_int_eq(t.calls, 1);
		event_free(evt);
	}
	event_free(ev);
}
END_TEST

START_TEST(test_pending_timeout_tv)
{
	struct event *ev;
	struct timeval tv = { 10, 0 }, when;
	double before, after;

	ev = event_new(evkit_base, evkit_pair[0], EV_READ, evkit_noop_cb, NULL);
	ck_assert_int_eq(event_pending(ev, EV_TIMEOUT, &when), 0);
	before = evkit_wall_ms();
	ck_assert_int_eq(event_add(ev, &tv), 0);
	after = evkit_wall_ms();
	ck_assert_int_eq(event_pending(ev, EV_READ | EV_TIMEOUT, NULL),
	    EV_READ | EV_TIMEOUT);
	ck_assert_int_eq(event_pending(ev, EV_WRITE, NULL), 0);
	ck_assert_int_eq(event_pending(ev, EV_TIMEOUT | EV_WRITE, NULL),
	    EV_TIMEOUT);
	when.tv_sec = when.tv_usec = -1;
	ck_assert_int_eq(event_pending(ev, EV_TIMEOUT, &when), EV_TIMEOUT);
	/* An absolute wall-clock time, 10 s from the add. */
	ck_assert_double_ge(evkit_tv_ms(&when), before + 10000 - 50);
	ck_assert_double_le(evkit_tv_ms(&when), after + 10000 + 50);
	/* Asking about EV_READ only does not fill in the time. */
	when.tv_sec = 7;
	when.tv_usec = 7;
	ck_assert_int_eq(event_pending(ev, EV_READ, &when), EV_READ);
	ck_assert_int_eq(when.tv_sec, 7);
	ck_assert_int_eq(when.tv_usec, 7);
	event_free(ev);
}
END_TEST

/* ---- event_base_once ---- */

START_TEST(test_once_fd)
{
	struct probe p = PROBE('o');

	evkit_write(evkit_pair[1], "x");
	ck_assert_int_eq(event_base_once(evkit_base, evkit_pair[0], EV_READ,
	                     evkit_probe_cb, &p, NULL),
	    0);
	ck_assert_int_eq(event_base_get_num_events(evkit_base,
	                     EVENT_BASE_COUNT_ADDED),
	    1);
	ck_assert_int_eq(event_base_dispatch(evkit_base), 1);
	ck_assert_int_eq(p.calls, 1);
	ck_assert_int_eq(p.what, EV_READ);
	ck_assert_int_eq(p.fd, evkit_pair[0]);
}
END_TEST

START_TEST(test_once_timer)
{
	struct probe a = PROBE('A'), b = PROBE('B'), c = PROBE('C');
	struct timeval tv = { 0, 1000 };

	ck_assert_int_eq(event_base_once(evkit_base, -1, EV_TIMEOUT,
	                     evkit_probe_cb, &c, &tv),
	    0);
	/* No timeout (or a zero one): active at once, in call order. */
	ck_assert_int_eq(event_base_once(evkit_base, -1, EV_TIMEOUT,
	                     evkit_probe_cb, &a, NULL),
	    0);
	tv.tv_usec = 0;
	ck_assert_int_eq(event_base_once(evkit_base, -1, EV_TIMEOUT,
	                     evkit_probe_cb, &b, &tv),
	    0);
	ck_assert_int_eq(event_base_get_num_events(evkit_base,
	                     EVENT_BASE_COUNT_ACTIVE),
	    2);
	ck_assert_int_eq(event_base_dispatch(evkit_base), 1);
	ck_assert_str_eq(evkit_order, "ABC");
	ck_assert_int_eq(a.what, EV_TIMEOUT);
	ck_assert_int_eq(a.fd, -1);
	ck_assert_int_eq(c.what, EV_TIMEOUT);
}
END_TEST

START_TEST(test_once_bad)
{
	struct probe p = PROBE('p');

	ck_assert_int_eq(event_base_once(evkit_base, SIGUSR1, EV_SIGNAL,
	                     evkit_probe_cb, &p, NULL),
	    -1);
	ck_assert_int_eq(event_base_once(evkit_base, evkit_pair[0],
	                     EV_READ | EV_PERSIST, evkit_probe_cb, &p, NULL),
	    -1);
	ck_assert_int_eq(event_base_once(evkit_base, -1,
	                     EV_TIMEOUT | EV_PERSIST, evkit_probe_cb, &p, NULL),
	    -1);
	ck_assert_int_eq(event_base_once(NULL, -1, EV_TIMEOUT, evkit_probe_cb,
	                     &p, NULL),
	    -1);
	ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_NONBLOCK), 1);
	ck_assert_int_eq(p.calls, 0);
}
END_TEST

START_TEST(test_once_freed_with_base)
{
	struct event_base *base = evkit_new_base();
	struct probe p = PROBE('p');
	struct timeval tv = { 60, 0 };

	/* Never fire: the base owns them and frees them (ASan/valgrind
	 * would report the leak otherwise). */
	ck_assert_int_eq(event_base_once(base, -1, EV_TIMEOUT, evkit_probe_cb,
	                     &p, &tv),
	    0);
	ck_assert_int_eq(event_base_once(base, evkit_pair[0], EV_READ,
	                     evkit_probe_cb, &p, &tv),
	    0);
	ck_assert_int_eq(event_base_once(base, -1, EV_TIMEOUT, evkit_probe_cb,
	                     &p, NULL),
	    0);
	event_base_free(base);
	ck_assert_int_eq(p.calls, 0);
}
END_TEST

/* ---- introspection ---- */

struct visit {
	int count;
	int stop_at;
	const struct event_base *base;
};

static int
visit_cb(const struct event_base *base, const struct event *ev, void *arg)
{
	struct visit *v = arg;

	ck_assert_ptr_eq(base, v->base);
	ck_assert_ptr_eq(event_get_base(ev), base);
	if (++v->count == v->stop_at)
		return 7;
	return 0;
}

START_TEST(test_foreach_event)
{
	struct event *r, *w, *t, *a;
	struct timeval tv = { 10, 0 };
	struct visit v = { 0, 0, evkit_base };

	ck_assert_int_eq(event_base_foreach_event(evkit_base, visit_cb, &v), 0);
	ck_assert_int_eq(v.count, 0);
	r = event_new(evkit_base, evkit_pair[0], EV_READ, evkit_noop_cb, NULL);
	w = event_new(evkit_base, evkit_pair[1], EV_READ, evkit_noop_cb, NULL);
	t = evtimer_new(evkit_base, evkit_noop_cb, NULL);
	a = evtimer_new(evkit_base, evkit_noop_cb, NULL);
	event_add(r, NULL);
	event_add(w, &tv); /* inserted and timed: visited once */
	event_add(t, &tv);
	event_active(a, EV_TIMEOUT, 1); /* active only */
	event_active(r, EV_READ, 1);    /* inserted and active: once */

	ck_assert_int_eq(event_base_foreach_event(evkit_base, visit_cb, &v), 0);
	ck_assert_int_eq(v.count, 4);
	/* A non-zero return stops the walk and is passed back. */
	v.count = 0;
	v.stop_at = 2;
	ck_assert_int_eq(event_base_foreach_event(evkit_base, visit_cb, &v), 7);
	ck_assert_int_eq(v.count, 2);
	event_free(r);
	event_free(w);
	event_free(t);
	event_free(a);
}
END_TEST

START_TEST(test_dump_events)
{
	FILE *f;
	long empty, full;
	struct event *ev;

	f = tmpfile();
	ck_assert_ptr_nonnull(f);
	event_base_dump_events(evkit_base, f);
	empty = ftell(f);
	ev = event_new(evkit_base, evkit_pair[0], EV_READ, evkit_noop_cb, NULL);
	event_add(ev, NULL);
	event_base_dump_events(evkit_base, f);
	full = ftell(f) - empty;
	ck_assert_int_gt(full, 0);
	ck_assert_int_gt(full, empty);
	fclose(f);
	event_free(ev);
}
END_TEST

START_TEST(test_num_events)
{
	struct event *io, *tm, *io2;
	struct timeval tv = { 10, 0 };
	struct event_base *b = evkit_base;

	io = event_new(b, evkit_pair[0], EV_READ, evkit_noop_cb, NULL);
	io2 = event_new(b, evkit_pair[1], EV_READ, evkit_noop_cb, NULL);
	tm = evtimer_new(b, evkit_noop_cb, NULL);
	ck_assert_int_eq(event_base_get_num_events(b, EVENT_BASE_COUNT_ADDED),
	    0);
	ck_assert_int_eq(event_base_get_max_events(b, EVENT_BASE_COUNT_ADDED,
	                     0),
	    0);
	event_add(io, NULL);
	ck_assert_int_eq(event_base_get_num_events(b, EVENT_BASE_COUNT_ADDED),
	    1);
	/* libevent counts an event once per queue it is on: inserted,
	 * timeout and active each add one. */
	event_add(io2, &tv);
	ck_assert_int_eq(event_base_get_num_events(b, EVENT_BASE_COUNT_ADDED),
	    3);
	event_add(tm, &tv);
	ck_assert_int_eq(event_base_get_num_events(b, EVENT_BASE_COUNT_ADDED),
	    4);
	ck_assert_int_eq(event_base_get_num_events(b, EVENT_BASE_COUNT_ACTIVE),
	    0);
	event_active(io, EV_READ, 1);
	ck_assert_int_eq(event_base_get_num_events(b, EVENT_BASE_COUNT_ACTIVE),
	    1);
	ck_assert_int_eq(event_base_get_num_events(b, EVENT_BASE_COUNT_ADDED),
	    5);
	ck_assert_int_eq(event_base_get_num_events(b,
	                     EVENT_BASE_COUNT_ADDED | EVENT_BASE_COUNT_ACTIVE),
	    6);
	ck_assert_int_eq(event_base_get_num_events(b, EVENT_BASE_COUNT_VIRTUAL),
	    0);
	ck_assert_int_eq(event_base_get_num_events(b, 0), 0);

	ck_assert_int_eq(event_base_get_max_events(b, EVENT_BASE_COUNT_ADDED,
	                     0),
	    5);
	ck_assert_int_eq(event_base_get_max_events(b, EVENT_BASE_COUNT_ACTIVE,
	                     0),
	    1);
	event_del(io2);
	event_del(tm);
	ck_assert_int_eq(event_base_get_num_events(b, EVENT_BASE_COUNT_ADDED),
	    2);
	/* The maximum stays until cleared; clearing returns the old value
	 * and resets it to zero (not to the current count). */
	ck_assert_int_eq(event_base_get_max_events(b, EVENT_BASE_COUNT_ADDED,
	                     1),
	    5);
	ck_assert_int_eq(event_base_get_max_events(b, EVENT_BASE_COUNT_ADDED,
	                     0),
	    0);
	ck_assert_int_eq(event_base_get_max_events(b,
	                     EVENT_BASE_COUNT_ADDED | EVENT_BASE_COUNT_ACTIVE,
	                     0),
	    1);
	/* io runs and, being one-shot, leaves: the base is empty. */
	ck_assert_int_eq(event_base_loop(b, EVLOOP_NONBLOCK), 1);
	ck_assert_int_eq(event_base_get_num_events(b, EVENT_BASE_COUNT_ACTIVE),
	    0);
	ck_assert_int_eq(event_base_get_num_events(b, EVENT_BASE_COUNT_ADDED),
	    0);
	event_free(io);
	event_free(io2);
	event_free(tm);
}
END_TEST

static void
running_cb(evutil_socket_t fd, short what, void *arg)
{
	struct event **seen = arg;

	*seen = event_base_get_running_event(evkit_base);
}

START_TEST(test_running_event)
{
	struct event *ev, *seen = NULL;

	ev = event_new(evkit_base, -1, 0, running_cb, &seen);
	event_active(ev, EV_TIMEOUT, 1);
	event_base_loop(evkit_base, EVLOOP_NONBLOCK);
	ck_assert_ptr_eq(seen, ev);
#ifndef EVKIT_REFERENCE
	/* libevent 2.1 dereferences a NULL pointer here; evkit says NULL. */
	ck_assert_ptr_null(event_base_get_running_event(evkit_base));
#endif
	event_free(ev);
}
END_TEST

START_TEST(test_active_by_fd)
{
	struct probe r = PROBE('r'), w = PROBE('w'), o = PROBE('o'),
	             t = PROBE('t');
	struct event *evr, *evw, *evo, *evt;
	struct timeval tv = { 10, 0 };

	/* pair[1] is neither readable nor writable: only activation can
	 * run these. */
	fill(evkit_pair[1]);
	evr = event_new(evkit_base, evkit_pair[1], EV_READ | EV_PERSIST,
	    evkit_probe_cb, &r);
	evw = event_new(evkit_base, evkit_pair[1], EV_WRITE | EV_PERSIST,
	    evkit_probe_cb, &w);
	evo = event_new(evkit_base, evkit_pair[0], EV_READ | EV_PERSIST,
	    evkit_probe_cb, &o);
	evt = evtimer_new(evkit_base, evkit_probe_cb, &t);
	event_add(evr, NULL);
	event_add(evw, NULL);
	event_add(evo, NULL); /* readable for real: deleted before loops */
	event_add(evt, &tv);
	event_del(evo);

	event_base_active_by_fd(evkit_base, evkit_pair[1], EV_WRITE);
	ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_NONBLOCK), 0);
	ck_assert_str_eq(evkit_order, "w");
	ck_assert_int_eq(w.what, EV_WRITE);

	event_base_active_by_fd(evkit_base, evkit_pair[1], EV_READ | EV_WRITE);
	ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_NONBLOCK), 0);
	ck_assert_str_eq(evkit_order, "wwr");
	ck_assert_int_eq(r.what, EV_READ);
	ck_assert_int_eq(w.what, EV_WRITE);

	/* Events not added are not touched. */
	event_base_active_by_fd(evkit_base, evkit_pair[0], EV_READ);
	ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_NONBLOCK), 0);
	ck_assert_str_eq(evkit_order, "wwr");
	ck_assert_int_eq(o.calls + t.calls, 0);
	event_free(evr);
	event_free(evw);
	event_free(evo);
	event_free(evt);
}
END_TEST

/*
 * EV_TIMEOUT activates the timers of that fd, those in the heap and those
 * on a common-timeout list alike, as if they had expired; events of other
 * fds and the fd's I/O events are left alone.
 */
START_TEST(test_active_by_fd_timeout)
{
	struct probe a = PROBE('a'), c = PROBE('c'), x = PROBE('x'),
	             r = PROBE('r');
	struct event *eva, *evc, *evx, *evr;
	struct timeval tv = { 10, 0 };
	const struct timeval *common;

	common = event_base_init_common_timeout(evkit_base, &tv);
	ck_assert_ptr_nonnull(common);
	eva = event_new(evkit_base, evkit_pair[1], 0, evkit_probe_cb, &a);
	evc = event_new(evkit_base, evkit_pair[1], 0, evkit_probe_cb, &c);
	evx = event_new(evkit_base, evkit_pair[0], 0, evkit_probe_cb, &x);
	evr = event_new(evkit_base, evkit_pair[1], EV_READ, evkit_probe_cb, &r);
	ck_assert_int_eq(event_add(eva, &tv), 0);
	ck_assert_int_eq(event_add(evc, common), 0);
	ck_assert_int_eq(event_add(evx, &tv), 0);
	ck_assert_int_eq(event_add(evr, NULL), 0);

	event_base_active_by_fd(evkit_base, evkit_pair[1], EV_TIMEOUT);
	ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_NONBLOCK), 0);
	ck_assert_int_eq(a.calls, 1);
	ck_assert_int_eq(a.what, EV_TIMEOUT);
	ck_assert_int_eq(c.calls, 1);
	ck_assert_int_eq(c.what, EV_TIMEOUT);
	ck_assert_int_eq(x.calls + r.calls, 0);
	/* They ran as expired one-shot timers: no longer pending. */
	ck_assert_int_eq(event_pending(eva, EV_TIMEOUT, NULL), 0);
	ck_assert_int_eq(event_pending(evc, EV_TIMEOUT, NULL), 0);
	ck_assert_int_eq(event_pending(evx, EV_TIMEOUT, NULL), EV_TIMEOUT);
	ck_assert_int_eq(event_pending(evr, EV_READ, NULL), EV_READ);
	ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_NONBLOCK), 0);
	ck_assert_int_eq(a.calls + c.calls, 2);
	event_free(eva);
	event_free(evc);
	event_free(evx);
	event_free(evr);
}
END_TEST

START_TEST(test_active_by_signal)
{
	struct probe s = PROBE('s'), u = PROBE('u');
	struct event *evs, *evu;

	evs = evsignal_new(evkit_base, SIGUSR1, evkit_probe_cb, &s);
	evu = evsignal_new(evkit_base, SIGUSR2, evkit_probe_cb, &u);
	ck_assert_int_eq(event_add(evs, NULL), 0);
	ck_assert_int_eq(event_add(evu, NULL), 0);
	event_base_active_by_signal(evkit_base, SIGUSR1);
	ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_NONBLOCK), 0);
	ck_assert_int_eq(s.calls, 1);
	ck_assert_int_eq(s.what, EV_SIGNAL);
	ck_assert_int_eq(s.fd, SIGUSR1);
	ck_assert_int_eq(u.calls, 0);
	/* libevent 2.1 leaves even a one-shot signal event added after it
	 * runs (unlike I/O and timer events). */
	ck_assert_int_eq(event_pending(evs, EV_SIGNAL, NULL), EV_SIGNAL);
	ck_assert_int_eq(event_pending(evu, EV_SIGNAL, NULL), EV_SIGNAL);
	event_free(evs);
	event_free(evu);
}
END_TEST

/* ---- callback order ---- */

START_TEST(test_active_order)
{
	struct probe p[5] = { PROBE('A'), PROBE('B'), PROBE('C'), PROBE('D'),
		PROBE('E') };
	struct event *ev[5];
	static const int act[5] = { 2, 0, 4, 1, 3 };
	int i;

	for (i = 0; i < 5; i++)
		ev[i] = event_new(evkit_base, -1, 0, evkit_probe_cb, &p[i]);
	for (i = 0; i < 5; i++)
		event_active(ev[act[i]], EV_TIMEOUT, 1);
	ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_ONCE), 0);
	/* Same priority: first activated, first run. */
	ck_assert_str_eq(evkit_order, "CAEBD");
	for (i = 0; i < 5; i++)
		event_free(ev[i]);
}
END_TEST

START_TEST(test_active_before_io)
{
	struct probe x = PROBE('X'), r = PROBE('R');
	struct event *evx, *evr;

	evx = event_new(evkit_base, -1, 0, evkit_probe_cb, &x);
	evr = event_new(evkit_base, evkit_pair[0], EV_READ, evkit_probe_cb, &r);
	event_add(evr, NULL);
	evkit_write(evkit_pair[1], "x");
	event_active(evx, EV_READ, 1);
	ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_ONCE), 0);
	ck_assert_str_eq(evkit_order, "XR");
	event_free(evx);
	event_free(evr);
}
END_TEST

START_TEST(test_io_before_timer)
{
	struct probe r = PROBE('R'), t = PROBE('T');
	struct event *evr, *evt;
	struct timeval tv = { 0, 1000 };
	double end;

	/* Ready together: I/O is collected by the poll, timers after it. */
	evr = event_new(evkit_base, evkit_pair[0], EV_READ, evkit_probe_cb, &r);
	evt = evtimer_new(evkit_base, evkit_probe_cb, &t);
	evtimer_add(evt, &tv);
	event_add(evr, NULL);
	evkit_write(evkit_pair[1], "x");
	end = evkit_now_ms() + 10;
	while (evkit_now_ms() < end)
		continue;
	ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_ONCE), 0);
	ck_assert_str_eq(evkit_order, "RT");
	event_free(evr);
	event_free(evt);
}
END_TEST

static void
act_activate_other(struct probe *p)
{
	if (p->other)
		event_active(p->other, EV_TIMEOUT, 1);
}

START_TEST(test_active_from_cb_same_iteration)
{
	struct probe a = PROBE('A'), b = PROBE('B'), c = PROBE('C');
	struct event *eva, *evb, *evc;

	/* A activates C while B is queued: C runs after B, in the same
	 * pass (EVLOOP_ONCE returns only when nothing is active). */
	eva = event_new(evkit_base, -1, 0, evkit_probe_cb, &a);
	evb = event_new(evkit_base, -1, 0, evkit_probe_cb, &b);
	evc = event_new(evkit_base, -1, 0, evkit_probe_cb, &c);
	a.action = act_activate_other;
	a.other = evc;
	event_active(eva, EV_TIMEOUT, 1);
	event_active(evb, EV_TIMEOUT, 1);
	ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_ONCE), 0);
	ck_assert_str_eq(evkit_order, "ABC");
	ck_assert_int_eq(event_base_get_num_events(evkit_base,
	                     EVENT_BASE_COUNT_ACTIVE),
	    0);
	event_free(eva);
	event_free(evb);
	event_free(evc);
}
END_TEST

/* ---- misuse libevent refuses ---- */

static void
reenter_cb(evutil_socket_t fd, short what, void *arg)
{
	int *r = arg;

	r[0] = event_base_loop(evkit_base, EVLOOP_NONBLOCK);
	r[1] = event_base_dispatch(evkit_base);
}

START_TEST(test_reentrant_loop)
{
	int r[2] = { 5, 5 };
	struct event *ev;

	ev = event_new(evkit_base, -1, 0, reenter_cb, r);
	event_active(ev, EV_TIMEOUT, 1);
	ck_assert_int_eq(event_base_loop(evkit_base, 0), 1);
	ck_assert_int_eq(r[0], -1);
	ck_assert_int_eq(r[1], -1);
	event_free(ev);
}
END_TEST

START_TEST(test_priority_misuse)
{
	struct event *ev, *ev2;

	ck_assert_int_eq(event_base_priority_init(evkit_base, 0), -1);
	ck_assert_int_eq(event_base_priority_init(evkit_base,
	                     EVENT_MAX_PRIORITIES),
	    -1);
	ck_assert_int_eq(event_base_priority_init(evkit_base,
	                     EVENT_MAX_PRIORITIES - 1),
	    0);
	ck_assert_int_eq(event_base_get_npriorities(evkit_base),
	    EVENT_MAX_PRIORITIES - 1);
	ck_assert_int_eq(event_base_priority_init(evkit_base, 3), 0);
	ck_assert_int_eq(event_base_get_npriorities(evkit_base), 3);

	ev = event_new(evkit_base, -1, 0, evkit_noop_cb, NULL);
	ev2 = event_new(evkit_base, -1, 0, evkit_noop_cb, NULL);
	ck_assert_int_eq(event_get_priority(ev), 1);
	ck_assert_int_eq(event_priority_set(ev, 3), -1);
	ck_assert_int_eq(event_priority_set(ev, -1), -1);
	ck_assert_int_eq(event_get_priority(ev), 1);
	ck_assert_int_eq(event_priority_set(ev, 2), 0);
	ck_assert_int_eq(event_get_priority(ev), 2);

	/* Not while anything is active, nor on an active event. */
	event_active(ev, EV_TIMEOUT, 1);
	ck_assert_int_eq(event_priority_set(ev, 0), -1);
	ck_assert_int_eq(event_get_priority(ev), 2);
	ck_assert_int_eq(event_priority_set(ev2, 0), 0);
	ck_assert_int_eq(event_base_priority_init(evkit_base, 2), -1);
	ck_assert_int_eq(event_base_get_npriorities(evkit_base), 3);
	event_base_loop(evkit_base, EVLOOP_NONBLOCK);
	ck_assert_int_eq(event_base_priority_init(evkit_base, 2), 0);
	event_free(ev);
	event_free(ev2);
}
END_TEST

START_TEST(test_no_base)
{
	struct event ev;

	/* No base given and no event_init(): assignable, not addable. */
	ck_assert_int_eq(event_assign(&ev, NULL, -1, 0, evkit_noop_cb, NULL),
	    0);
	ck_assert_ptr_null(event_get_base(&ev));
	ck_assert_int_eq(event_add(&ev, NULL), -1);
	ck_assert_int_eq(event_del(&ev), -1);
	/* Freeing no base at all is a no-op. */
	event_base_free(NULL);
	event_debug_unassign(&ev);
}
END_TEST

START_TEST(test_priority_with_added_events)
{
	struct event *ev;
	struct timeval tv = { 10, 0 };

	/* Added (not active) events do not block either call. */
	ev = event_new(evkit_base, evkit_pair[0], EV_READ, evkit_noop_cb, NULL);
	event_add(ev, &tv);
	ck_assert_int_eq(event_base_priority_init(evkit_base, 4), 0);
	ck_assert_int_eq(event_get_priority(ev), 0);
	ck_assert_int_eq(event_priority_set(ev, 3), 0);
	ck_assert_int_eq(event_get_priority(ev), 3);
	event_free(ev);
}
END_TEST

START_TEST(test_version)
{
	/* The library says what the headers say; 2.1 at least. */
	ck_assert_str_eq(event_get_version(), LIBEVENT_VERSION);
	ck_assert_uint_eq(event_get_version_number(), LIBEVENT_VERSION_NUMBER);
	ck_assert_uint_ge(LIBEVENT_VERSION_NUMBER, 0x02010000);
	ck_assert_uint_lt(LIBEVENT_VERSION_NUMBER, 0x02020000);
}
END_TEST

Suite *
event_suite(void)
{
	Suite *s = suite_create("event");
	TCase *tc;

	tc = tcase_create("construct");
	tcase_add_checked_fixture(tc, evkit_setup_ordered, evkit_teardown);
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, test_new_accessors);
	tcase_add_test(tc, test_assign_accessors);
	tcase_add_test(tc, test_self_cbarg);
	tcase_add_test(tc, test_struct_size);
	tcase_add_test(tc, test_bad_flags);
	suite_add_tcase(s, tc);

	tc = tcase_create("io");
	tcase_add_checked_fixture(tc, evkit_setup_ordered, evkit_teardown);
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, test_read_oneshot);
	tcase_add_test(tc, test_write_ready);
	tcase_add_test(tc, test_del);
	tcase_add_test(tc, test_add_twice);
	tcase_add_test(tc, test_read_and_write_on_one_fd);
	tcase_add_test(tc, test_combined_read_write);
	tcase_add_test(tc, test_two_readers_order);
	tcase_add_test(tc, test_persist_vs_oneshot);
	tcase_add_test(tc, test_edge_triggered);
	tcase_add_test(tc, test_closed);
	tcase_add_test(tc, test_closed_by_close);
	tcase_add_test(tc, test_negative_fd);
	tcase_add_test(tc, test_refused_add_leaves_map_clean);
	tcase_add_test(tc, test_mix_edge_and_level);
	suite_add_tcase(s, tc);

	tc = tcase_create("in_callback");
	tcase_add_checked_fixture(tc, evkit_setup_ordered, evkit_teardown);
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, test_del_other_from_cb);
	tcase_add_test(tc, test_free_other_from_cb);
	tcase_add_test(tc, test_add_other_from_cb);
	tcase_add_test(tc, test_readd_self_from_cb);
	tcase_add_test(tc, test_del_self_from_cb);
	tcase_add_test(tc, test_free_self_from_cb);
	suite_add_tcase(s, tc);

	tc = tcase_create("active");
	tcase_add_checked_fixture(tc, evkit_setup_ordered, evkit_teardown);
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, test_active_res);
	tcase_add_test(tc, test_active_twice_merges);
	tcase_add_test(tc, test_active_added_event);
	tcase_add_test(tc, test_active_signal_ncalls);
	tcase_add_test(tc, test_pending_timeout_tv);
	tcase_add_test(tc, test_active_order);
	tcase_add_test(tc, test_active_before_io);
	tcase_add_test(tc, test_io_before_timer);
	tcase_add_test(tc, test_active_from_cb_same_iteration);
	suite_add_tcase(s, tc);

	tc = tcase_create("once");
	tcase_add_checked_fixture(tc, evkit_setup_ordered, evkit_teardown);
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, test_once_fd);
	tcase_add_test(tc, test_once_timer);
	tcase_add_test(tc, test_once_bad);
	tcase_add_test(tc, test_once_freed_with_base);
	suite_add_tcase(s, tc);

	tc = tcase_create("introspect");
	tcase_add_checked_fixture(tc, evkit_setup_ordered, evkit_teardown);
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, test_foreach_event);
	tcase_add_test(tc, test_dump_events);
	tcase_add_test(tc, test_num_events);
	tcase_add_test(tc, test_running_event);
	tcase_add_test(tc, test_active_by_fd);
	tcase_add_test(tc, test_active_by_fd_timeout);
	tcase_add_test(tc, test_active_by_signal);
	suite_add_tcase(s, tc);

	tc = tcase_create("misuse");
	tcase_add_checked_fixture(tc, evkit_setup_ordered, evkit_teardown);
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, test_reentrant_loop);
	tcase_add_test(tc, test_priority_misuse);
	tcase_add_test(tc, test_no_base);
	tcase_add_test(tc, test_priority_with_added_events);
	tcase_add_test(tc, test_version);
	suite_add_tcase(s, tc);

	return s;
}
