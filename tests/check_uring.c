/*
 * tests/check_uring.c: what the io_uring backend makes risky, on every
 * backend.
 *
 * io_uring queues interest changes in its ring until the loop waits, tags
 * each poll with a generation, keeps a file open while a poll holds it,
 * re-arms level-triggered polls after each completion and can overflow
 * its completion ring.  Each test here checks, through the public API
 * only, the behaviour one of those could break: a file swapped behind a
 * watched fd number within one iteration, a close() right after event_del,
 * 10,000 fds ready at once, edge- against level-triggering, several
 * changes to one fd in one iteration, a bad fd, fork with event_reinit, a
 * delete from another thread.  They pass on every backend; the few
 * assertions about io_uring itself apply only when the base uses it.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <event2/thread.h>

#include "check-internal.h"

static int
is_uring(struct event_base *base)
{
	return !strcmp(event_base_get_method(base), "io_uring");
}

/* A read callback that records what it read, one call at a time. */
struct reader {
	int calls;
	int empty; /* calls with nothing to read */
	char got[64];
	int ngot;
	short what;
};

static void
reader_cb(evutil_socket_t fd, short what, void *arg)
{
	struct reader *r = arg;
	char buf[16];
	ssize_t n = recv(fd, buf, sizeof(buf), 0);

	r->calls++;
	r->what = what;
	if (n <= 0) {
		r->empty++;
		return;
	}
	if (r->ngot + n < (ssize_t)sizeof(r->got)) {
		memcpy(r->got + r->ngot, buf, (size_t)n);
		r->ngot += (int)n;
	}
}

/* Runs one nonblocking iteration; the loop has an added event. */
static void
loop_nonblock(struct event_base *base)
{
	ck_assert_int_ge(event_base_loop(base, EVLOOP_NONBLOCK), 0);
}

/*
 * Swaps the file behind the watched fd number within one iteration: the
 * old file stays open (a duplicate) and becomes readable, and must not be
 * reported; the new file's data must be.
 */
struct swap_case {
	struct event *ev;
	struct reader r;
	evutil_socket_t fd, old_peer, new_peer, holder;
	int dup2_over;
};

static void
swap_now(struct swap_case *c)
{
	evutil_socket_t p[2];

	ck_assert_int_eq(event_del(c->ev), 0);
	c->holder = dup(c->fd);
	ck_assert_int_ge(c->holder, 0);
	evkit_socketpair(p);
	if (!c->dup2_over)
		close(c->fd);
	ck_assert_int_eq(dup2(p[0], c->fd), c->fd);
	close(p[0]);
	c->new_peer = p[1];
	/* The old file is readable now, through the duplicate only. */
	evkit_write(c->old_peer, "o");
	ck_assert_int_eq(event_add(c->ev, NULL), 0);
}

static void
swap_trigger_cb(evutil_socket_t fd, short what, void *arg)
{
	swap_now(arg);
}

static void
run_swap(int dup2_over, int in_cb)
{
	struct event_base *base = evkit_base;
	struct swap_case c;
	struct event *trigger = NULL;
	int i;

	memset(&c, 0, sizeof(c));
	c.dup2_over = dup2_over;
	c.fd = evkit_pair[0];
	c.old_peer = evkit_pair[1];
	c.holder = c.new_peer = -1;
	c.ev = event_new(base, c.fd, EV_READ | EV_PERSIST, reader_cb, &c.r);
	ck_assert_ptr_nonnull(c.ev);
	ck_assert_int_eq(event_add(c.ev, NULL), 0);
	loop_nonblock(base); /* registered with the kernel now */
	if (in_cb) {
		trigger = event_new(base, -1, 0, swap_trigger_cb, &c);
		event_active(trigger, 0, 1);
		loop_nonblock(base);
	} else {
		swap_now(&c);
	}
	for (i = 0; i < 4; i++)
		loop_nonblock(base);
	ck_assert_int_eq(c.r.calls, 0);
	evkit_write(c.new_peer, "n");
	ck_assert_int_eq(evkit_loop_until(base, &c.r.ngot, 100, 5000), 0);
	ck_assert_int_eq(c.r.empty, 0);
	ck_assert_int_eq(c.r.ngot, 1);
	ck_assert_int_eq(c.r.got[0], 'n');
	event_free(c.ev);
	if (trigger)
		event_free(trigger);
	close(c.holder);
	close(c.new_peer);
}

START_TEST(test_swap_close_reopen)
{
	run_swap(0, 0);
}
END_TEST

START_TEST(test_swap_dup2)
{
	run_swap(1, 0);
}
END_TEST

START_TEST(test_swap_close_reopen_in_cb)
{
	run_swap(0, 1);
}
END_TEST

START_TEST(test_swap_dup2_in_cb)
{
	run_swap(1, 1);
}
END_TEST

/* event_del then close() outside the loop: the peer sees the end now. */
START_TEST(test_del_close_outside)
{
	struct event_base *base = evkit_base;
	struct reader r = { 0 };
	struct event *ev;
	char c;

	ev =
	    event_new(base, evkit_pair[0], EV_READ | EV_PERSIST, reader_cb, &r);
	ck_assert_int_eq(event_add(ev, NULL), 0);
	loop_nonblock(base);
	ck_assert_int_eq(event_del(ev), 0);
	evkit_close(&evkit_pair[0]);
	ck_assert_int_eq(recv(evkit_pair[1], &c, 1, MSG_DONTWAIT), 0);
	event_free(ev);
}
END_TEST

/*
 * The same, the event deleted by a callback of the loop's last pass while
 * its registration is still in the kernel.
 */
static void
del_other_cb(evutil_socket_t fd, short what, void *arg)
{
	event_del(arg);
}

START_TEST(test_del_in_cb_close_after)
{
	struct event_base *base = evkit_base;
	struct event *ev, *trigger;
	char c;

	ev = event_new(base, evkit_pair[0], EV_READ | EV_PERSIST, evkit_noop_cb,
	    NULL);
	trigger = event_new(base, -1, 0, del_other_cb, ev);
	ck_assert_int_eq(event_add(ev, NULL), 0);
	loop_nonblock(base);
	event_active(trigger, 0, 1);
	ck_assert_int_eq(event_base_loop(base, EVLOOP_ONCE), 0);
	evkit_close(&evkit_pair[0]);
	ck_assert_int_eq(recv(evkit_pair[1], &c, 1, MSG_DONTWAIT), 0);
	event_free(ev);
	event_free(trigger);
}
END_TEST

/* 5,000 socketpairs, all readable at once. */
#define NPAIRS 5000

struct many {
	evutil_socket_t (*pairs)[2];
	struct event **evs;
	int *calls;
	int fired; /* fds called at least once */
	int twice; /* fds called at least twice */
};

static struct many *many_state;

static void
many_count_cb(evutil_socket_t fd, short what, void *arg)
{
	struct many *m = many_state;
	int i = (int)(intptr_t)arg;

	if (++m->calls[i] == 1)
		m->fired++;
	else if (m->calls[i] == 2)
		m->twice++;
}

static int
raise_nofile(rlim_t want)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return -1;
	if (rl.rlim_cur >= want)
		return 0;
	if (rl.rlim_max < want)
		return -1;
	rl.rlim_cur = want;
	return setrlimit(RLIMIT_NOFILE, &rl);
}

START_TEST(test_many_fds)
{
	struct event_base *base = evkit_base;
	struct many m;
	int i, n, iterations = 0;

	if (!strcmp(event_base_get_method(base), "select")) {
		printf("test_many_fds: select stops at FD_SETSIZE, skipped\n");
		return;
	}
	if (raise_nofile(2 * NPAIRS + 64) != 0) {
		printf("test_many_fds: open-files limit too low, skipped\n");
		return;
	}
	memset(&m, 0, sizeof(m));
	many_state = &m;
	m.pairs = calloc(NPAIRS, sizeof(*m.pairs));
	m.evs = calloc(NPAIRS, sizeof(*m.evs));
	m.calls = calloc(NPAIRS, sizeof(*m.calls));
	ck_assert(m.pairs && m.evs && m.calls);
	for (i = 0; i < NPAIRS; i++) {
		evkit_socketpair(m.pairs[i]);
		/* Level-triggered and never read: ready every iteration. */
		m.evs[i] = event_new(base, m.pairs[i][0], EV_READ | EV_PERSIST,
		    many_count_cb, (void *)(intptr_t)i);
		ck_assert_ptr_nonnull(m.evs[i]);
		ck_assert_int_eq(event_add(m.evs[i], NULL), 0);
		evkit_write(m.pairs[i][1], "x");
	}
	while (m.twice < NPAIRS && iterations < 1000) {
		ck_assert_int_eq(event_base_loop(base, EVLOOP_ONCE), 0);
		if (iterations == 0 && is_uring(base)) {
			/* More than the completion ring holds, in one wait. */
			ck_assert_int_eq(m.fired, NPAIRS);
			ck_assert_int_eq(m.twice, 0);
		}
		iterations++;
	}
	ck_assert_int_eq(m.fired, NPAIRS);
	ck_assert_int_eq(m.twice, NPAIRS);
	if (is_uring(base))
		ck_assert_int_eq(iterations, 2);
	for (i = 0, n = 0; i < NPAIRS; i++) {
		event_free(m.evs[i]);
		close(m.pairs[i][0]);
		close(m.pairs[i][1]);
		n += m.calls[i];
	}
	ck_assert_int_ge(n, 2 * NPAIRS);
	free(m.pairs);
	free(m.evs);
	free(m.calls);
}
END_TEST

/* EV_ET: once per edge; level-triggered: while unread. */
START_TEST(test_et_lt)
{
	struct event_base *base = evkit_base;
	struct probe et = PROBE('e'), lt = PROBE('l');
	struct event *ev;
	evutil_socket_t p[2];
	int calls = 0, i;

	if (!evkit_has_features(base, EV_FEATURE_ET)) {
		printf("test_et_lt: no EV_FEATURE_ET, skipped\n");
		return;
	}
	ev = event_new(base, evkit_pair[0], EV_READ | EV_ET | EV_PERSIST,
	    evkit_probe_cb, &et);
	ck_assert_int_eq(event_add(ev, NULL), 0);
	loop_nonblock(base);
	ck_assert_int_eq(et.calls, 0);
	evkit_write(evkit_pair[1], "a");
	ck_assert_int_eq(event_base_loop(base, EVLOOP_ONCE), 0);
	ck_assert_int_eq(et.calls, 1);
	for (i = 0; i < 3; i++)
		loop_nonblock(base);
	ck_assert_int_eq(et.calls, 1); /* unread, but no new edge */
	evkit_write(evkit_pair[1], "b");
	ck_assert_int_eq(event_base_loop(base, EVLOOP_ONCE), 0);
	ck_assert_int_eq(et.calls, 2);
	event_free(ev);

	evkit_socketpair(p);
	ev = event_new(base, p[0], EV_READ | EV_PERSIST, evkit_probe_cb, &lt);
	ck_assert_int_eq(event_add(ev, NULL), 0);
	evkit_write(p[1], "a");
	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(event_base_loop(base, EVLOOP_ONCE), 0);
		calls++;
		ck_assert_int_eq(lt.calls, calls);
	}
	evkit_drain(p[0]);
	for (i = 0; i < 3; i++)
		loop_nonblock(base);
	ck_assert_int_eq(lt.calls, calls);
	event_free(ev);
	close(p[0]);
	close(p[1]);
}
END_TEST

/* EV_CLOSED reports the peer's close. */
START_TEST(test_closed)
{
	struct event_base *base = evkit_base;
	struct probe pr = PROBE('c');
	struct event *ev;

	if (!evkit_has_features(base, EV_FEATURE_EARLY_CLOSE)) {
		printf("test_closed: no EV_FEATURE_EARLY_CLOSE, skipped\n");
		return;
	}
	ev = event_new(base, evkit_pair[0], EV_CLOSED | EV_PERSIST,
	    evkit_probe_cb, &pr);
	ck_assert_int_eq(event_add(ev, NULL), 0);
	evkit_write(evkit_pair[1], "data");
	loop_nonblock(base);
	ck_assert_int_eq(pr.calls, 0); /* data alone is no close */
	evkit_close(&evkit_pair[1]);
	ck_assert_int_eq(event_base_loop(base, EVLOOP_ONCE), 0);
	ck_assert_int_eq(pr.calls, 1);
	ck_assert(pr.what & EV_CLOSED);
	event_free(ev);
}
END_TEST

/* event_base_active_by_fd runs the fd's events without the kernel. */
START_TEST(test_active_by_fd)
{
	struct event_base *base = evkit_base;
	struct probe r = PROBE('r'), w = PROBE('w');
	struct event *evr, *evw;

	evr = event_new(base, evkit_pair[0], EV_READ | EV_PERSIST,
	    evkit_probe_cb, &r);
	evw = event_new(base, evkit_pair[0], EV_WRITE, evkit_probe_cb, &w);
	ck_assert_int_eq(event_add(evr, NULL), 0);
	loop_nonblock(base);
	event_base_active_by_fd(base, evkit_pair[0], EV_READ);
	ck_assert_int_eq(event_base_loop(base, EVLOOP_ONCE), 0);
	ck_assert_int_eq(r.calls, 1);
	ck_assert_int_eq(r.what, EV_READ);
	ck_assert_int_eq(w.calls, 0);
	event_free(evr);
	event_free(evw);
}
END_TEST

/* A bad fd fails its own events, not the loop. */
START_TEST(test_bad_fd)
{
	struct event_base *base = evkit_base;
	struct probe good = PROBE('g'), bad = PROBE('b');
	struct event *evbad, *evgood;
	evutil_socket_t badfd = dup(evkit_pair[0]);

	ck_assert_int_ge(badfd, 0);
	close(badfd); /* a number with no file behind it */
	evbad =
	    event_new(base, badfd, EV_READ | EV_PERSIST, evkit_probe_cb, &bad);
	evgood = event_new(base, evkit_pair[0], EV_READ | EV_PERSIST,
	    evkit_probe_cb, &good);
	/*
	 * The kernel may refuse at once (epoll), later (a queue), or report
	 * the fd ready for ever (poll's POLLNVAL): wait for the good one.
	 */
	(void)event_add(evbad, NULL);
	ck_assert_int_eq(event_add(evgood, NULL), 0);
	evkit_write(evkit_pair[1], "x");
	ck_assert_int_eq(evkit_loop_until(base, &good.calls, 100, 5000), 0);
	ck_assert_int_ge(good.calls, 1);
	evkit_drain(evkit_pair[0]);
	event_free(evbad);
	event_free(evgood);
}
END_TEST

/* fork, event_reinit in the child: both loops work. */
START_TEST(test_fork_reinit)
{
	struct event_base *base = evkit_base;
	struct reader r = { 0 };
	struct event *ev;
	pid_t pid;
	int status;

	ev =
	    event_new(base, evkit_pair[0], EV_READ | EV_PERSIST, reader_cb, &r);
	ck_assert_int_eq(event_add(ev, NULL), 0);
	loop_nonblock(base);
	pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		struct reader cr = { 0 };
		struct event *cev;
		evutil_socket_t c[2];
		int ok;

		if (event_reinit(base) != 0)
			_exit(2);
		evkit_socketpair(c);
		cev =
		    event_new(base, c[0], EV_READ | EV_PERSIST, reader_cb, &cr);
		if (event_add(cev, NULL) != 0)
			_exit(3);
		evkit_write(c[1], "c");
		evkit_write(evkit_pair[1], "i");
		while (cr.ngot == 0 || r.ngot == 0) {
			if (event_base_loop(base, EVLOOP_ONCE) != 0)
				_exit(4);
		}
		ok = cr.got[0] == 'c' && r.got[0] == 'i' && !cr.empty;
		event_free(cev);
		event_free(ev);
		event_base_free(base);
		_exit(ok ? 0 : 5);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	ck_assert_int_eq(r.ngot, 0);
	evkit_write(evkit_pair[1], "p");
	ck_assert_int_eq(evkit_loop_until(base, &r.ngot, 100, 5000), 0);
	ck_assert_int_eq(r.got[0], 'p');
	event_free(ev);
}
END_TEST

/* Several changes to one fd in one iteration: the last state counts. */
struct churn {
	struct event *rd, *wr, *trigger;
	struct probe r, w;
	int step;
};

static void
churn_cb(evutil_socket_t fd, short what, void *arg)
{
	struct churn *c = arg;

	if (c->step == 0) {
		/* Ends with read only. */
		event_add(c->wr, NULL);
		event_del(c->rd);
		event_add(c->rd, NULL);
		event_del(c->wr);
		event_add(c->wr, NULL);
		event_del(c->wr);
	} else {
		/* Ends with write only. */
		event_del(c->rd);
		event_add(c->rd, NULL);
		event_add(c->wr, NULL);
		event_del(c->rd);
	}
}

START_TEST(test_churn_one_fd)
{
	struct event_base *base = evkit_base;
	struct churn c;
	int i;

	memset(&c, 0, sizeof(c));
	c.r.tag = 'r';
	c.w.tag = 'w';
	c.rd = event_new(base, evkit_pair[0], EV_READ | EV_PERSIST,
	    evkit_probe_cb, &c.r);
	c.wr = event_new(base, evkit_pair[0], EV_WRITE | EV_PERSIST,
	    evkit_probe_cb, &c.w);
	c.trigger = event_new(base, -1, 0, churn_cb, &c);
	ck_assert_int_eq(event_add(c.rd, NULL), 0);
	loop_nonblock(base);
	event_active(c.trigger, 0, 1);
	loop_nonblock(base);
	for (i = 0; i < 3; i++)
		loop_nonblock(base);
	ck_assert_int_eq(c.w.calls, 0); /* writable, but not wanted */
	ck_assert_int_eq(c.r.calls, 0);
	evkit_write(evkit_pair[1], "x");
	ck_assert_int_eq(event_base_loop(base, EVLOOP_ONCE), 0);
	ck_assert_int_eq(c.r.calls, 1);
	ck_assert_int_eq(c.w.calls, 0);

	/* Not EVLOOP_NONBLOCK from here: the fd is always writable. */
	c.step = 1;
	event_active(c.trigger, 0, 1);
	ck_assert_int_eq(event_base_loop(base, EVLOOP_ONCE), 0);
	c.r.calls = 0;
	ck_assert_int_eq(event_base_loop(base, EVLOOP_ONCE), 0);
	ck_assert_int_ge(c.w.calls, 1);
	ck_assert_int_eq(c.r.calls, 0); /* unread data, but not wanted */
	event_free(c.rd);
	event_free(c.wr);
	event_free(c.trigger);
}
END_TEST

/* event_del and close() in another thread while the loop sleeps. */
struct deleter {
	struct event_base *base;
	struct event *ev;
	evutil_socket_t fd, peer;
	pthread_t thread;
	int eof;
};

static void *
deleter_main(void *arg)
{
	struct deleter *d = arg;
	struct pollfd pfd;
	char c;

	event_del(d->ev);
	close(d->fd);
	/* The end reaches the peer without the loop's help. */
	pfd.fd = d->peer;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, 5000) == 1 && recv(d->peer, &c, 1, MSG_DONTWAIT) == 0)
		d->eof = 1;
	event_base_loopbreak(d->base);
	return NULL;
}

/* Started by the loop, so that its loopbreak finds the loop running. */
static void
start_deleter_cb(evutil_socket_t fd, short what, void *arg)
{
	struct deleter *d = arg;

	ck_assert_int_eq(pthread_create(&d->thread, NULL, deleter_main, d), 0);
}

START_TEST(test_thread_delete)
{
	struct event_base *base;
	struct deleter d;
	struct event *ev, *guard, *start;
	struct timeval tv;
	evutil_socket_t p[2];

	ck_assert_int_eq(evthread_use_pthreads(), 0);
	base = evkit_new_base();
	evkit_socketpair(p);
	ev = event_new(base, p[0], EV_READ | EV_PERSIST, evkit_noop_cb, NULL);
	guard = evtimer_new(base, evkit_noop_cb, NULL);
	ck_assert_int_eq(event_add(ev, NULL), 0);
	ck_assert_int_eq(evtimer_add(guard, evkit_ms_tv(&tv, 10000)), 0);
	loop_nonblock(base);
	memset(&d, 0, sizeof(d));
	d.base = base;
	d.ev = ev;
	d.fd = p[0];
	d.peer = p[1];
	start = event_new(base, -1, 0, start_deleter_cb, &d);
	event_active(start, 0, 1);
	ck_assert_int_eq(event_base_loop(base, 0), 0);
	pthread_join(d.thread, NULL);
	event_free(start);
	ck_assert_int_eq(d.eof, 1);
	event_free(ev);
	event_free(guard);
	close(p[1]);
	evkit_free_base(base);
}
END_TEST

Suite *uring_suite(void);

Suite *
uring_suite(void)
{
	Suite *s = suite_create("uring");
	TCase *tc = tcase_create("uring");

	tcase_add_checked_fixture(tc, evkit_setup, evkit_teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_swap_close_reopen);
	tcase_add_test(tc, test_swap_dup2);
	tcase_add_test(tc, test_swap_close_reopen_in_cb);
	tcase_add_test(tc, test_swap_dup2_in_cb);
	tcase_add_test(tc, test_del_close_outside);
	tcase_add_test(tc, test_del_in_cb_close_after);
	tcase_add_test(tc, test_many_fds);
	tcase_add_test(tc, test_et_lt);
	tcase_add_test(tc, test_closed);
	tcase_add_test(tc, test_active_by_fd);
	tcase_add_test(tc, test_bad_fd);
	tcase_add_test(tc, test_fork_reinit);
	tcase_add_test(tc, test_churn_one_fd);
	suite_add_tcase(s, tc);

	tc = tcase_create("uring_thread");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_thread_delete);
	suite_add_tcase(s, tc);
	return s;
}
