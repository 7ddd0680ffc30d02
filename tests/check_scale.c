/*
 * tests/check_scale.c: many descriptors and awkward descriptors.  10,000
 * registered fds of which exactly the written ones fire, select's
 * FD_SETSIZE limit, fds the kernel refuses (a regular file on epoll) or
 * that were closed behind the loop's back, events freed from their own
 * callbacks, add/del/re-add within one iteration, and event_base_free
 * with events still added.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check-internal.h"

#define NPAIRS 5000
#define NFDS (2 * NPAIRS)
#define NWRITTEN 100

/* The method of the runner's backend, from a fresh base. */
static const char *
base_method(void)
{
	return event_base_get_method(evkit_base);
}

static int
method_is(const char *name)
{
	return !strcmp(base_method(), name);
}

static void
quiet_log_cb(int severity, const char *msg)
{
}

/* Soft open-files limit, or -1 when unlimited. */
static long
fd_limit(void)
{
	struct rlimit rl;

	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
	return rl.rlim_cur == RLIM_INFINITY ? -1 : (long)rl.rlim_cur;
}

/* ---- 10,000 descriptors ---- */

static evutil_socket_t *many_fds;
static struct event **many_evs;
static int *many_fired;
static volatile int many_total;

static void
many_cb(evutil_socket_t fd, short what, void *arg)
{
	int i = (int)(intptr_t)arg;
	char c;

	ck_assert_int_eq(fd, many_fds[i]);
	ck_assert_int_eq(what, EV_READ);
	ck_assert_int_eq(recv(fd, &c, 1, 0), 1);
	many_fired[i]++;
	many_total++;
}

/*
 * All 10,000 ends of 5,000 socketpairs wait for EV_READ; a byte is written
 * to the peers of 100 of them, picked at random: those 100 fire once each,
 * and no other does.
 */
START_TEST(test_ten_thousand_fds)
{
	char *chosen;
	unsigned seed = 12345;
	long limit = fd_limit();
	int i, n, extra;

	if (method_is("select"))
		return; /* FD_SETSIZE is 1024 */
	if (limit != -1 && limit < NFDS + 256) {
		fprintf(stderr, "skipping: open-files limit %ld\n", limit);
		return;
	}
	many_fds = calloc(NFDS, sizeof(*many_fds));
	many_evs = calloc(NFDS, sizeof(*many_evs));
	many_fired = calloc(NFDS, sizeof(*many_fired));
	chosen = calloc(NFDS, 1);
	ck_assert(many_fds && many_evs && many_fired && chosen);
	for (i = 0; i < NFDS; i += 2)
		evkit_socketpair(&many_fds[i]);
	for (i = 0; i < NFDS; i++) {
		many_evs[i] = event_new(evkit_base, many_fds[i],
		    EV_READ | EV_PERSIST, many_cb, (void *)(intptr_t)i);
		ck_assert_ptr_nonnull(many_evs[i]);
		ck_assert_int_eq(event_add(many_evs[i], NULL), 0);
	}
	ck_assert_int_eq(event_base_get_num_events(evkit_base,
	                     EVENT_BASE_COUNT_ADDED),
	    NFDS);

	/* Nothing is readable yet. */
	ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_NONBLOCK), 0);
	ck_assert_int_eq(many_total, 0);

	for (n = 0; n < NWRITTEN;) {
		seed = seed * 1103515245u + 12345u;
		i = (int)((seed >> 8) % NFDS);
		if (chosen[i])
			continue;
		chosen[i] = 1;
		/* Its peer is the other end of the same pair. */
		evkit_write(many_fds[i ^ 1], "x");
		n++;
	}
	/* Backends may report them over several iterations. */
	ck_assert_int_eq(evkit_loop_until(evkit_base, &many_total, 0, 5000), 0);
	for (i = 0; i < 1000 && many_total < NWRITTEN; i++)
		ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_ONCE), 0);
	ck_assert_int_eq(many_total, NWRITTEN);
	/* And nothing else shows up. */
	ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_NONBLOCK), 0);
	ck_assert_int_eq(many_total, NWRITTEN);
	for (i = 0, extra = 0; i < NFDS; i++) {
		ck_assert_msg(many_fired[i] == chosen[i],
		    "fd index %d fired %d times, written %d", i, many_fired[i],
		    chosen[i]);
		extra += many_fired[i];
	}
	ck_assert_int_eq(extra, NWRITTEN);

	/* Delete them all; the loop then has nothing to wait for. */
	for (i = 0; i < NFDS; i++)
		ck_assert_int_eq(event_del(many_evs[i]), 0);
	ck_assert_int_eq(event_base_get_num_events(evkit_base,
	                     EVENT_BASE_COUNT_ADDED),
	    0);
	ck_assert_int_eq(event_base_loop(evkit_base, 0), 1);
	for (i = 0; i < NFDS; i++) {
		event_free(many_evs[i]);
		close(many_fds[i]);
	}
	free(chosen);
	free(many_fired);
	free(many_evs);
	free(many_fds);
}
END_TEST

/* ---- select and FD_SETSIZE ---- */

static void
count_cb(evutil_socket_t fd, short what, void *arg)
{
	(*(int *)arg)++;
}

/* A base that can only use select, or NULL when select is missing. */
static struct event_base *
select_base(void)
{
	struct event_config *cfg = event_config_new();
	struct event_base *base;
	const char *m[16];
	int i, n, have_select = 0;

	ck_assert_ptr_nonnull(cfg);
	n = evkit_methods(m, 16);
	for (i = 0; i < n; i++) {
		if (strcmp(m[i], "select"))
			ck_assert_int_eq(event_config_avoid_method(cfg, m[i]),
			    0);
		else
			have_select = 1;
	}
	base = have_select ? event_base_new_with_config(cfg) : NULL;
	event_config_free(cfg);
	if (base)
		ck_assert_str_eq(event_base_get_method(base), "select");
	return base;
}

/*
 * The largest fd select can watch works; evkit refuses larger ones at
 * event_add, where libevent grows its fd_sets (and glibc's fortified
 * FD_SET then aborts on Debian), so that half is evkit's only.
 */
START_TEST(test_select_fd_setsize)
{
	struct event_base *base;
	struct event *top, *normal;
	evutil_socket_t fd_top;
	int top_calls = 0, normal_calls = 0;
#ifndef EVKIT_REFERENCE
	struct event *over;
	evutil_socket_t fd_over;
	int over_calls = 0;
#endif

	if (fd_limit() != -1 && fd_limit() < 1600)
		return;
	base = select_base();
	if (base == NULL)
		return;
	fd_top = dup2(evkit_pair[0], FD_SETSIZE - 1);
	ck_assert_int_eq(fd_top, FD_SETSIZE - 1);
	top = event_new(base, fd_top, EV_READ, count_cb, &top_calls);
	normal =
	    event_new(base, evkit_pair[1], EV_WRITE, count_cb, &normal_calls);
	ck_assert_int_eq(event_add(top, NULL), 0);
	ck_assert_int_eq(event_add(normal, NULL), 0);
#ifndef EVKIT_REFERENCE
	fd_over = dup2(evkit_pair[0], 1500);
	ck_assert_int_eq(fd_over, 1500);
	event_set_log_callback(quiet_log_cb);
	over = event_new(base, fd_over, EV_READ, count_cb, &over_calls);
	ck_assert_ptr_nonnull(over);
	ck_assert_int_eq(event_add(over, NULL), -1);
	ck_assert_int_eq(event_pending(over, EV_READ, NULL), 0);
	event_set_log_callback(NULL);
#endif
	evkit_write(evkit_pair[1], "x");
	/* Both one-shot events fire; then the base is empty. */
	ck_assert_int_eq(event_base_dispatch(base), 1);
	ck_assert_int_eq(top_calls, 1);
	ck_assert_int_eq(normal_calls, 1);
#ifndef EVKIT_REFERENCE
	ck_assert_int_eq(over_calls, 0);
	event_free(over);
	close(fd_over);
#endif
	event_free(top);
	event_free(normal);
	close(fd_top);
	evkit_free_base(base);
}
END_TEST

/* ---- descriptors the kernel refuses ---- */

/*
 * epoll cannot watch a regular file (EPERM): event_add fails for that
 * event alone, or with the changelist the failure shows up in dispatch and
 * the event never fires.  poll and select report a file readable.
 */
START_TEST(test_regular_file)
{
	struct event *file_ev, *good;
	int file_calls = 0, good_calls = 0, fd, r;
	char path[] = "/tmp/evkit-check-scale-XXXXXX";

	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	unlink(path);
	ck_assert_int_eq(write(fd, "data", 4), 4);
	ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
	ck_assert_int_ne(fcntl(fd, F_SETFL, O_NONBLOCK), -1);

	event_set_log_callback(quiet_log_cb);
	good = event_new(evkit_base, evkit_pair[0], EV_READ | EV_PERSIST,
	    count_cb, &good_calls);
	ck_assert_int_eq(event_add(good, NULL), 0);
	file_ev = event_new(evkit_base, fd, EV_READ, count_cb, &file_calls);
	ck_assert_ptr_nonnull(file_ev);
	r = event_add(file_ev, NULL);
	if (method_is("epoll")) {
		ck_assert_int_eq(r, -1);
		ck_assert_int_eq(event_pending(file_ev, EV_READ, NULL), 0);
	} else {
		ck_assert_int_eq(r, 0);
	}

	/* The other event keeps working, iteration after iteration. */
	evkit_write(evkit_pair[1], "x");
	ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_ONCE), 0);
	ck_assert_int_eq(good_calls, 1);
	evkit_drain(evkit_pair[0]);
	evkit_write(evkit_pair[1], "y");
	ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_ONCE), 0);
	ck_assert_int_eq(good_calls, 2);
	evkit_drain(evkit_pair[0]);

	if (!strncmp(base_method(), "epoll", 5))
		ck_assert_int_eq(file_calls, 0);
	else
		ck_assert_int_eq(file_calls, 1);
	ck_assert_int_eq(event_del(file_ev), 0);
	event_free(file_ev);
	close(fd);

	evkit_write(evkit_pair[1], "z");
	ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_ONCE), 0);
	ck_assert_int_eq(good_calls, 3);
	event_free(good);
	event_set_log_callback(NULL);
}
END_TEST

/*
 * An fd closed while its event is still added must not stop the loop from
 * serving the other events.  poll reports the dead fd (POLLNVAL) as
 * readable; epoll forgets it.  libevent's select fails the whole loop
 * (EBADF), which evkit deliberately does not.
 */
START_TEST(test_closed_fd)
{
	struct event *dead, *good;
	evutil_socket_t pair[2];
	int dead_calls = 0, good_calls = 0, i, r;

	event_set_log_callback(quiet_log_cb);
	evkit_socketpair(pair);
	dead = event_new(evkit_base, pair[0], EV_READ | EV_PERSIST, count_cb,
	    &dead_calls);
	good = event_new(evkit_base, evkit_pair[0], EV_READ | EV_PERSIST,
	    count_cb, &good_calls);
	ck_assert_int_eq(event_add(dead, NULL), 0);
	ck_assert_int_eq(event_add(good, NULL), 0);
	ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_NONBLOCK), 0);
	evkit_close(&pair[0]); /* behind the loop's back */

	for (i = 1; i <= 3; i++) {
		evkit_write(evkit_pair[1], "x");
		r = event_base_loop(evkit_base, EVLOOP_ONCE);
#ifdef EVKIT_REFERENCE
		if (method_is("select")) {
			ck_assert_int_eq(r, -1);
			ck_assert_int_eq(good_calls, 0);
			evkit_drain(evkit_pair[0]);
			continue;
		}
#endif
		ck_assert_int_eq(r, 0);
		ck_assert_int_eq(good_calls, i);
		evkit_drain(evkit_pair[0]);
	}
	if (!strncmp(base_method(), "epoll", 5))
		ck_assert_int_eq(dead_calls, 0);
	else if (method_is("poll"))
		ck_assert_int_ge(dead_calls, 1);

	/* Deleting the dead event is not an error; all is well after. */
	ck_assert_int_eq(event_del(dead), 0);
	event_free(dead);
	evkit_write(evkit_pair[1], "x");
	ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_ONCE), 0);
	ck_assert_int_ge(good_calls, 1);
	event_free(good);
	evkit_close(&pair[1]);
	event_set_log_callback(NULL);
}
END_TEST

/* ---- freeing and re-adding from callbacks ---- */

#define NSELF 100

struct self_free {
	struct event *ev[NSELF];
	int calls[NSELF];
	int also_next; /* even callbacks also free the next event */
};

static struct self_free *self_free_state;

static void
self_free_cb(evutil_socket_t fd, short what, void *arg)
{
	struct self_free *st = self_free_state;
	int i = (int)(intptr_t)arg;

	st->calls[i]++;
	event_free(st->ev[i]);
	st->ev[i] = NULL;
	if (st->also_next && i % 2 == 0 && i + 1 < NSELF) {
		event_free(st->ev[i + 1]);
		st->ev[i + 1] = NULL;
	}
}

/*
 * 100 active events free themselves from their callbacks in a single
 * iteration (_i == 1: and the even ones also free the next one, which is
 * active too: its callback must not run).
 */
START_TEST(test_free_from_own_callback)
{
	struct self_free st;
	evutil_socket_t pairs[NSELF];
	int i;

	memset(&st, 0, sizeof(st));
	st.also_next = _i;
	self_free_state = &st;
	for (i = 0; i < NSELF; i += 2)
		evkit_socketpair(&pairs[i]);
	for (i = 0; i < NSELF; i++) {
		/* Half fd events (added), half pure events (not added). */
		if (i % 4 < 2) {
			st.ev[i] = event_new(evkit_base, pairs[i],
			    EV_READ | EV_PERSIST, self_free_cb,
			    (void *)(intptr_t)i);
			ck_assert_int_eq(event_add(st.ev[i], NULL), 0);
		} else {
			st.ev[i] = event_new(evkit_base, -1, EV_PERSIST,
			    self_free_cb, (void *)(intptr_t)i);
		}
		ck_assert_ptr_nonnull(st.ev[i]);
		event_active(st.ev[i], EV_READ, 1);
	}
	ck_assert_int_eq(event_base_get_num_events(evkit_base,
	                     EVENT_BASE_COUNT_ACTIVE),
	    NSELF);
	/* One iteration runs them all; nothing is left afterwards. */
	ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_NONBLOCK), 1);
	for (i = 0; i < NSELF; i++) {
		ck_assert_ptr_null(st.ev[i]);
		ck_assert_int_eq(st.calls[i], st.also_next && i % 2 ? 0 : 1);
	}
	ck_assert_int_eq(event_base_get_num_events(evkit_base,
	                     EVENT_BASE_COUNT_ADDED),
	    0);
	for (i = 0; i < NSELF; i++)
		close(pairs[i]);
}
END_TEST

struct readd {
	struct event *a, *b; /* both EV_READ on evkit_pair[0] */
	char order[8];
	int scenario;
};

/* Records which of the two events ran, in order. */
static void
readd_note(struct readd *r, char tag)
{
	size_t n = strlen(r->order);

	if (n + 1 < sizeof(r->order))
		r->order[n] = tag;
}

static void
readd_a_cb(evutil_socket_t fd, short what, void *arg)
{
	ck_assert_int_eq(what, EV_READ);
	readd_note(arg, 'a');
}

static void
readd_b_cb(evutil_socket_t fd, short what, void *arg)
{
	ck_assert_int_eq(what, EV_READ);
	readd_note(arg, 'b');
}

static void
readd_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct readd *r = arg;

	switch (r->scenario) {
	case 0: /* add, del, add: added in the end */
		ck_assert_int_eq(event_add(r->a, NULL), 0);
		ck_assert_int_eq(event_del(r->a), 0);
		ck_assert_int_eq(event_add(r->a, NULL), 0);
		break;
	case 1: /* del, add, del of an added event: deleted in the end */
		ck_assert_int_eq(event_del(r->a), 0);
		ck_assert_int_eq(event_add(r->a, NULL), 0);
		ck_assert_int_eq(event_del(r->a), 0);
		break;
	case 2: /* both events on the fd go, then come back */
		ck_assert_int_eq(event_del(r->a), 0);
		ck_assert_int_eq(event_del(r->b), 0);
		ck_assert_int_eq(event_add(r->b, NULL), 0);
		ck_assert_int_eq(event_add(r->a, NULL), 0);
		break;
	}
	/* Only now does the fd become readable. */
	evkit_write(evkit_pair[1], "x");
}

/*
 * Adding, deleting and re-adding events on one fd within a single
 * iteration (from a timer callback, before the backend is asked again):
 * only the final state counts.
 */
START_TEST(test_add_del_readd)
{
	struct readd r = { .scenario = _i };
	struct event *timer;
	struct timeval tv;

	r.a = event_new(evkit_base, evkit_pair[0], EV_READ, readd_a_cb, &r);
	r.b = event_new(evkit_base, evkit_pair[0], EV_READ, readd_b_cb, &r);
	timer = evtimer_new(evkit_base, readd_timer_cb, &r);
	ck_assert_int_eq(evtimer_add(timer, evkit_ms_tv(&tv, 1)), 0);
	if (r.scenario >= 1)
		ck_assert_int_eq(event_add(r.a, NULL), 0);
	if (r.scenario == 2)
		ck_assert_int_eq(event_add(r.b, NULL), 0);

	/* All events are one-shot: the loop ends when they ran. */
	ck_assert_int_eq(event_base_dispatch(evkit_base), 1);
	switch (r.scenario) {
	case 0:
		ck_assert_str_eq(r.order, "a");
		break;
	case 1:
		ck_assert_str_eq(r.order, "");
		break;
	case 2:
		/* The event added last runs first. */
		ck_assert_str_eq(r.order, "ab");
		break;
	}
	ck_assert_int_eq(event_pending(r.a, EV_READ, NULL), 0);
	ck_assert_int_eq(event_pending(r.b, EV_READ, NULL), 0);
	event_free(r.a);
	event_free(r.b);
	event_free(timer);
}
END_TEST

/* ---- event_base_free with events still added ---- */

static void
never_cb(evutil_socket_t fd, short what, void *arg)
{
	(*(int *)arg)++;
}

/*
 * Freeing a base with I/O, timer, signal and active events still in it
 * runs no callback and leaves the fds open and working.  The events live
 * in caller memory (event_assign), since event_free needs the base.
 */
START_TEST(test_base_free_with_events)
{
	struct event_base *base = evkit_new_base();
	struct event *ev[5];
	struct timeval tv;
	evutil_socket_t pair[2];
	int calls = 0, i;
	char buf[8];

	evkit_socketpair(pair);
	for (i = 0; i < 5; i++) {
		ev[i] = malloc(event_get_struct_event_size());
		ck_assert_ptr_nonnull(ev[i]);
	}
	ck_assert_int_eq(event_assign(ev[0], base, pair[0],
	                     EV_READ | EV_PERSIST, never_cb, &calls),
	    0);
	ck_assert_int_eq(event_assign(ev[1], base, pair[1],
	                     EV_WRITE | EV_PERSIST, never_cb, &calls),
	    0);
	ck_assert_int_eq(evtimer_assign(ev[2], base, never_cb, &calls), 0);
	ck_assert_int_eq(evsignal_assign(ev[3], base, SIGUSR2, never_cb,
	                     &calls),
	    0);
	ck_assert_int_eq(event_assign(ev[4], base, -1, 0, never_cb, &calls), 0);
	ck_assert_int_eq(event_add(ev[0], NULL), 0);
	ck_assert_int_eq(event_add(ev[1], evkit_ms_tv(&tv, 60000)), 0);
	ck_assert_int_eq(evtimer_add(ev[2], evkit_ms_tv(&tv, 1)), 0);
	ck_assert_int_eq(evsignal_add(ev[3], NULL), 0);
	event_active(ev[4], EV_READ, 1);
	evkit_write(pair[1], "x");
	usleep(2000); /* the timer is due: still nothing may run */

	event_base_free(base);
	ck_assert_int_eq(calls, 0);
	for (i = 0; i < 5; i++) {
		event_debug_unassign(ev[i]);
		free(ev[i]);
	}
	/* The fds are open and untouched. */
	ck_assert_int_ne(fcntl(pair[0], F_GETFD), -1);
	ck_assert_int_ne(fcntl(pair[1], F_GETFD), -1);
	ck_assert_int_eq(recv(pair[0], buf, sizeof(buf), 0), 1);
	evkit_write(pair[0], "back");
	ck_assert_int_eq(recv(pair[1], buf, sizeof(buf), 0), 4);
	evkit_close(&pair[0]);
	evkit_close(&pair[1]);
}
END_TEST

Suite *
scale_suite(void)
{
	Suite *s = suite_create("scale");
	TCase *tc;

	tc = tcase_create("many");
	tcase_add_checked_fixture(tc, evkit_setup, evkit_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_ten_thousand_fds);
	tcase_add_test(tc, test_select_fd_setsize);
	suite_add_tcase(s, tc);

	tc = tcase_create("awkward");
	tcase_add_checked_fixture(tc, evkit_setup, evkit_teardown);
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, test_regular_file);
	tcase_add_test(tc, test_closed_fd);
	tcase_add_loop_test(tc, test_free_from_own_callback, 0, 2);
	tcase_add_loop_test(tc, test_add_del_readd, 0, 3);
	tcase_add_test(tc, test_base_free_with_events);
	suite_add_tcase(s, tc);
	return s;
}
