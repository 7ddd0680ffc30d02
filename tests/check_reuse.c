/*
 * tests/check_reuse.c: descriptor reuse, and deadlines at the limits.
 *
 * A backend that batches interest changes (evkit's epoll defers lowered
 * interest to the next wait) must still see every file a program puts
 * behind a watched fd number, because the library cannot see a close(),
 * dup2() or fork() between an event_del and the next event_add.  The
 * matrix below swaps the file behind one fd number every way a program
 * does (or keeps it), inside and outside a callback, edge- and
 * level-triggered, persistent or not, and then asks for exactly the
 * callbacks libevent makes: one per byte, each callback reading one byte
 * and re-arming its event by deleting and adding it.  It then lets the
 * loop sit with nothing to do, with data pending on any file the program
 * gave up (a forked child keeps it open), and fails if the loop spends
 * CPU time there: a wake-up loop on a stale registration is a spin.
 *
 * The suite runs once per backend like the others; `make libevent-check`
 * builds it against libevent too.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <event2/thread.h>

#include "check-internal.h"

/* How a test swaps the file behind the watched fd number. */
enum swap {
	SWAP_DEL_ADD,      /* event_del + event_add, same file */
	SWAP_FREE_NEW,     /* event_free + event_new on the same fd */
	SWAP_CLOSE_REOPEN, /* close the fd, a new pipe takes its number */
	SWAP_DUP2,         /* dup2() a new pipe over the fd */
	SWAP_FORK_REOPEN,  /* a child holds the file; close, new pipe */
	SWAP_FORK_GONE,    /* a child holds the file; freed and closed */
	SWAP_COUNT
};

static const char *const swap_names[SWAP_COUNT] = {
	"delete+re-add",
	"free+new",
	"close+reopen",
	"dup2 over the fd",
	"fork, close+reopen",
	"fork, free+close",
};

/* What one matrix case knows; the callbacks get a pointer to it. */
struct reuse {
	struct event_base *base;
	struct event *ev;
	enum swap swap;
	int in_cb, et, persist;
	char name[96];
	evutil_socket_t fd;      /* the watched number */
	evutil_socket_t wfd;     /* feeds the file behind fd now */
	evutil_socket_t old_wfd; /* feeds a file given up, or -1 */
	pid_t child;
	int child_ctl; /* the child exits when this closes */
	int swapped;
	int calls;
	int empty_calls; /* called with nothing to read */
	char got[16];
	int ngot;
	int want; /* bytes to read before `done` */
	int done;
};

static short
reuse_flags(const struct reuse *r)
{
	return (short)(EV_READ | (r->et ? EV_ET : 0) |
	    (r->persist ? EV_PERSIST : 0));
}

static void
set_nonblock(int fd)
{
	int flags = fcntl(fd, F_GETFL);

	ck_assert_int_ne(flags, -1);
	ck_assert_int_ne(fcntl(fd, F_SETFL, flags | O_NONBLOCK), -1);
}

/* A new nonblocking pipe; returns the write end, the read end in *rfd. */
static int
new_pipe(int *rfd)
{
	int p[2];

	ck_assert_int_eq(pipe(p), 0);
	set_nonblock(p[0]);
	set_nonblock(p[1]);
	*rfd = p[0];
	return p[1];
}

/*
 * A new nonblocking pipe whose read end is `at` (closed by the caller, or
 * about to be replaced with dup2) and whose write end is returned.
 */
static int
pipe_at(int at)
{
	int p[2];

	ck_assert_int_eq(pipe(p), 0);
	if (p[1] == at) {
		int moved = dup(p[1]);
		ck_assert_int_ge(moved, 0);
		close(p[1]);
		p[1] = moved;
	}
	if (p[0] != at) {
		ck_assert_int_eq(dup2(p[0], at), at);
		close(p[0]);
	}
	set_nonblock(at);
	set_nonblock(p[1]);
	return p[1];
}

static void reuse_cb(evutil_socket_t fd, short what, void *arg);

static void
new_event(struct reuse *r)
{
	r->ev = event_new(r->base, r->fd, reuse_flags(r), reuse_cb, r);
	ck_assert_ptr_nonnull(r->ev);
}

static void
add_event(struct reuse *r)
{
	ck_assert_msg(event_add(r->ev, NULL) == 0, "%s: event_add failed",
	    r->name);
}

/* Gives the file now behind r->fd up, keeping its writer open. */
static void
give_up_file(struct reuse *r)
{
	r->old_wfd = r->wfd;
	r->wfd = -1;
}

static void
do_swap(struct reuse *r)
{
	r->swapped = 1;
	switch (r->swap) {
	case SWAP_DEL_ADD:
		event_del(r->ev);
		add_event(r);
		break;
	case SWAP_FREE_NEW:
		event_free(r->ev);
		new_event(r);
		add_event(r);
		break;
	case SWAP_CLOSE_REOPEN:
		event_del(r->ev);
		close(r->fd);
		evkit_close(&r->wfd);
		r->wfd = pipe_at(r->fd);
		add_event(r);
		break;
	case SWAP_DUP2:
		/* The fd stays open throughout: dup2 replaces its file. */
		event_del(r->ev);
		evkit_close(&r->wfd);
		r->wfd = pipe_at(r->fd);
		add_event(r);
		break;
	case SWAP_FORK_REOPEN:
		event_free(r->ev);
		close(r->fd);
		give_up_file(r);
		r->wfd = pipe_at(r->fd);
		new_event(r);
		add_event(r);
		break;
	case SWAP_FORK_GONE:
		event_free(r->ev);
		r->ev = NULL;
		close(r->fd);
		r->fd = -1;
		give_up_file(r);
		break;
	default:
		ck_abort_msg("no such swap");
	}
}

static void
reuse_cb(evutil_socket_t fd, short what, void *arg)
{
	struct reuse *r = arg;
	char c;
	ssize_t n;

	ck_assert_msg(fd == r->fd, "%s: callback for fd %d", r->name, (int)fd);
	r->calls++;
	n = read(fd, &c, 1);
	if (n != 1) {
		r->empty_calls++;
		return;
	}
	if (r->ngot < (int)sizeof(r->got) - 1)
		r->got[r->ngot++] = c;
	r->done = r->ngot >= r->want;
	if (!r->swapped) {
		if (r->in_cb)
			do_swap(r);
		return;
	}
	/* Re-arm the way the callers do: delete and add. */
	event_del(r->ev);
	add_event(r);
}

static double
thread_cpu_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* A child that keeps every inherited fd open until child_ctl closes. */
static void
fork_holder(struct reuse *r)
{
	int ctl[2];
	char c;

	ck_assert_int_eq(pipe(ctl), 0);
	fflush(NULL);
	r->child = fork();
	ck_assert_int_ne(r->child, -1);
	if (r->child == 0) {
		close(ctl[1]);
		while (read(ctl[0], &c, 1) < 0 && errno == EINTR)
			continue;
		_exit(0);
	}
	close(ctl[0]);
	r->child_ctl = ctl[1];
}

static void
reuse_setup_case(struct reuse *r, int i)
{
	memset(r, 0, sizeof(*r));
	r->swap = (enum swap)(i / 8);
	r->in_cb = (i >> 2) & 1;
	r->et = (i >> 1) & 1;
	r->persist = i & 1;
	r->old_wfd = r->child_ctl = -1;
	r->child = -1;
	snprintf(r->name, sizeof(r->name), "%s, %s callback, %s, %s",
	    swap_names[r->swap], r->in_cb ? "in" : "out of",
	    r->et ? "edge" : "level", r->persist ? "persistent" : "one-shot");
	r->base = evkit_new_base();
	r->wfd = new_pipe(&r->fd);
	new_event(r);
}

static void
reuse_finish(struct reuse *r)
{
	int status;

	if (r->ev)
		event_free(r->ev);
	if (r->fd >= 0)
		close(r->fd);
	evkit_close(&r->wfd);
	evkit_close(&r->old_wfd);
	evkit_close(&r->child_ctl);
	if (r->child > 0)
		ck_assert_int_eq(waitpid(r->child, &status, 0), r->child);
	evkit_free_base(r->base);
}

/* Whether libevent itself gets phase 3 of this case wrong. */
static int
reference_fails_idle(const struct reuse *r)
{
#ifdef EVKIT_REFERENCE
	/*
	 * libevent's changelist mode defers the DEL of a freed event past
	 * the program's close(), so the registration outlives the fd in the
	 * child's copy of the file and keeps waking the loop (spinning when
	 * level-triggered, and running the new event's callback for it
	 * when the number was reused).  Its default epoll mode is right.
	 */
	const char *b = evkit_test_backend();
	return (r->swap == SWAP_FORK_REOPEN || r->swap == SWAP_FORK_GONE) &&
	    b != NULL && !strcmp(b, "epoll-changelist");
#else
	(void)r;
	return 0;
#endif
}

START_TEST(test_reuse_matrix)
{
	static const int idle_ms = 60;
	struct reuse r;
	struct timeval tv;
	double cpu;

	reuse_setup_case(&r, _i);
	add_event(&r);
	/* One iteration, so that even deferred additions reach the kernel. */
	ck_assert_int_ge(event_base_loop(r.base, EVLOOP_NONBLOCK), 0);
	if (r.swap == SWAP_FORK_REOPEN || r.swap == SWAP_FORK_GONE)
		fork_holder(&r);

	/* Phase 1: one byte, one callback, and the swap. */
	r.want = 1;
	ck_assert_int_eq(write(r.wfd, "x", 1), 1);
	ck_assert_msg(evkit_loop_until(r.base, &r.done, 0, 5000) == 0,
	    "%s: the first byte was never reported", r.name);
	ck_assert_msg(r.calls == 1, "%s: %d calls for the first byte", r.name,
	    r.calls);
	if (!r.swapped)
		do_swap(&r);

	/* Phase 2: five bytes into whatever the fd now names. */
	if (r.ev) {
		r.want = 6;
		r.done = 0;
		ck_assert_int_eq(write(r.wfd, "abcde", 5), 5);
		evkit_loop_until(r.base, &r.done, 0, 5000);
		ck_assert_msg(r.ngot == 6 && !memcmp(r.got, "xabcde", 6),
		    "%s: read \"%.*s\", want \"xabcde\"", r.name, r.ngot,
		    r.got);
		ck_assert_msg(r.calls == 6, "%s: %d calls, want 6", r.name,
		    r.calls);
	}

	/*
	 * Phase 3: nothing to do for the loop, but data on any file given
	 * up, which the forked child keeps alive.  No callback may run and
	 * the loop must sleep: a stale registration would wake it for ever.
	 */
	if (r.old_wfd >= 0)
		ck_assert_int_eq(write(r.old_wfd, "zz", 2), 2);
	cpu = thread_cpu_ms();
	ck_assert_int_eq(event_base_loopexit(r.base, evkit_ms_tv(&tv, idle_ms)),
	    0);
	ck_assert_int_ge(event_base_dispatch(r.base), 0);
	cpu = thread_cpu_ms() - cpu;
	if (!reference_fails_idle(&r)) {
		ck_assert_msg(r.empty_calls == 0,
		    "%s: %d callbacks with nothing to read", r.name,
		    r.empty_calls);
		ck_assert_msg(r.calls == (r.ev ? 6 : 1),
		    "%s: %d calls after idling", r.name, r.calls);
		ck_assert_msg(cpu < idle_ms / 4.0,
		    "%s: the idle loop used %.1f ms of CPU in %d ms: it spins",
		    r.name, cpu, idle_ms);
	}
	reuse_finish(&r);
}
END_TEST

/* ------------------------------------------------------------------ */
/* The swap made by another thread while the loop sleeps or runs.      */

static void *
swapper_main(void *arg)
{
	struct reuse *r = arg;

	do_swap(r);
	if (write(r->wfd, "abcde", 5) != 5)
		r->empty_calls = 1000; /* reported by the test */
	return NULL;
}

START_TEST(test_reuse_other_thread)
{
	struct reuse r;
	pthread_t swapper;

	/* Only the swaps a thread can make without the loop's fd. */
	static const enum swap swaps[] = { SWAP_DEL_ADD, SWAP_FREE_NEW,
		SWAP_CLOSE_REOPEN, SWAP_DUP2 };

	ck_assert_int_eq(evthread_use_pthreads(), 0);
	reuse_setup_case(&r, (int)swaps[_i / 2] * 8 + (_i % 2 ? 2 : 0) + 1);
	snprintf(r.name, sizeof(r.name), "%s by another thread, %s",
	    swap_names[r.swap], r.et ? "edge" : "level");
	add_event(&r);
	ck_assert_int_ge(event_base_loop(r.base, EVLOOP_NONBLOCK), 0);
	/* Phase 1 as in the matrix, without a swap. */
	r.swapped = 1;
	r.want = 1;
	ck_assert_int_eq(write(r.wfd, "x", 1), 1);
	ck_assert_int_eq(evkit_loop_until(r.base, &r.done, 0, 5000), 0);
	r.done = 0;
	r.want = 6;
	ck_assert_int_eq(pthread_create(&swapper, NULL, swapper_main, &r), 0);
	evkit_loop_until(r.base, &r.done, 0, 5000);
	ck_assert_int_eq(pthread_join(swapper, NULL), 0);
	ck_assert_msg(r.ngot == 6 && !memcmp(r.got, "xabcde", 6),
	    "%s: read \"%.*s\", want \"xabcde\"", r.name, r.ngot, r.got);
	ck_assert_int_eq(r.empty_calls, 0);
	reuse_finish(&r);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Interest that never went away.                                      */

static void
count_cb(evutil_socket_t fd, short what, void *arg)
{
	char buf[16];

	(*(int *)arg)++;
	while (read(fd, buf, sizeof(buf)) > 0)
		continue;
}

/*
 * Two events on one fd, one deleted and re-added while the other keeps
 * the fd watched: nothing changed for the kernel, and both still fire.
 */
START_TEST(test_reuse_second_reader)
{
	struct event_base *base = evkit_new_base();
	struct event *a, *b;
	int fd, wfd, na = 0, nb = 0, tries;

	wfd = new_pipe(&fd);
	a = event_new(base, fd, EV_READ | EV_PERSIST, count_cb, &na);
	b = event_new(base, fd, EV_READ | EV_PERSIST, count_cb, &nb);
	ck_assert_int_eq(event_add(a, NULL), 0);
	ck_assert_int_eq(event_add(b, NULL), 0);
	ck_assert_int_ge(event_base_loop(base, EVLOOP_NONBLOCK), 0);
	ck_assert_int_eq(event_del(b), 0);
	ck_assert_int_eq(event_add(b, NULL), 0);
	ck_assert_int_eq(write(wfd, "q", 1), 1);
	for (tries = 0; na + nb == 0 && tries < 100; tries++)
		ck_assert_int_ge(event_base_loop(base, EVLOOP_ONCE), 0);
	/* The first callback drains the pipe; both were active by then. */
	ck_assert_int_eq(na, 1);
	ck_assert_int_eq(nb, 1);
	event_free(a);
	event_free(b);
	close(fd);
	close(wfd);
	evkit_free_base(base);
}
END_TEST

/*
 * The forked child keeps a freed event's file, and the process is at its
 * descriptor limit when the stale registration reports: evkit's epoll can
 * only silence it with a new epoll set, which needs a descriptor.  The
 * loop must still sleep, not wake for the report for ever.
 */
START_TEST(test_reuse_orphan_at_fd_limit)
{
	static const int idle_ms = 60;
	struct event_base *base = evkit_new_base();
	struct event *ev;
	struct rlimit saved, low;
	struct reuse r;
	struct timeval tv;
	int fill[300], nfill = 0, fd, wfd, n = 0, status;
	double cpu;

	memset(&r, 0, sizeof(r));
	wfd = new_pipe(&fd);
	ev = event_new(base, fd, EV_READ | EV_PERSIST, count_cb, &n);
	ck_assert_int_eq(event_add(ev, NULL), 0);
	ck_assert_int_ge(event_base_loop(base, EVLOOP_NONBLOCK), 0);
	fork_holder(&r);
	event_free(ev);
	close(fd);

	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &saved), 0);
	low = saved;
	if (low.rlim_cur > 256)
		low.rlim_cur = 256;
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &low), 0);
	while (nfill < (int)(sizeof(fill) / sizeof(fill[0])) &&
	    (fill[nfill] = open("/dev/null", O_RDONLY)) >= 0)
		nfill++;
	ck_assert_int_eq(errno, EMFILE);

	ck_assert_int_eq(write(wfd, "zz", 2), 2);
	cpu = thread_cpu_ms();
	ck_assert_int_eq(event_base_loopexit(base, evkit_ms_tv(&tv, idle_ms)),
	    0);
	event_base_dispatch(base);
	cpu = thread_cpu_ms() - cpu;

	while (nfill > 0)
		close(fill[--nfill]);
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &saved), 0);
	close(r.child_ctl);
	waitpid(r.child, &status, 0);
	close(wfd);
	evkit_free_base(base);

	ck_assert_int_eq(n, 0);
#ifdef EVKIT_REFERENCE
	/* libevent's changelist mode spins here as in the matrix. */
	if (evkit_test_backend() != NULL &&
	    !strcmp(evkit_test_backend(), "epoll-changelist"))
		return;
#endif
	ck_assert_msg(cpu < idle_ms / 4.0,
	    "the idle loop used %.1f ms of CPU in %d ms: it spins", cpu,
	    idle_ms);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Deadlines at the limits.                                            */


#ifndef EVKIT_REFERENCE
static void
flag_cb(evutil_socket_t fd, short what, void *arg)
{
	(*(int *)arg)++;
}

/*
 * libevent adds tv_sec = LONG_MAX to the current time as it is: a signed
 * overflow, after which the "never" timer fires at once.  evkit saturates
 * the deadline; a timer that far off stays pending.
 */
START_TEST(test_deadline_far_future_stays_pending)
{
	static const struct timeval far[] = {
		{ LONG_MAX, 0 },
		{ LONG_MAX, 999999 },
		{ LONG_MAX / 2, 0 },
		{ LONG_MAX - 1, 2000000 },
	};
	struct event_base *base = evkit_new_base();
	struct event *ev[4], *io;
	struct timeval tv;
	int fired = 0, io_fired = 0, fd, wfd, i;

	for (i = 0; i < 4; i++) {
		ev[i] = evtimer_new(base, flag_cb, &fired);
		ck_assert_int_eq(evtimer_add(ev[i], &far[i]), 0);
	}
	/* A persistent fd event re-arms its far timeout from the callback. */
	wfd = new_pipe(&fd);
	io = event_new(base, fd, EV_READ | EV_PERSIST, count_cb, &io_fired);
	ck_assert_int_eq(event_add(io, &far[0]), 0);
	ck_assert_int_eq(write(wfd, "k", 1), 1);
	ck_assert_int_eq(event_base_loopexit(base, evkit_ms_tv(&tv, 30)), 0);
	ck_assert_int_ge(event_base_dispatch(base), 0);
	ck_assert_int_eq(fired, 0);
	ck_assert_int_eq(io_fired, 1);
	for (i = 0; i < 4; i++) {
		ck_assert(evtimer_pending(ev[i], &tv));
		/* Far beyond this century, whatever it was saturated to. */
		ck_assert_int_gt(tv.tv_sec, 100LL * 365 * 24 * 3600);
		ck_assert_int_lt(tv.tv_usec, 1000000);
		event_free(ev[i]);
	}
	ck_assert(event_pending(io, EV_TIMEOUT, NULL));
	event_free(io);
	close(fd);
	close(wfd);
	evkit_free_base(base);
}
END_TEST

/* Far in the past (LONG_MIN) is simply due. */
START_TEST(test_deadline_far_past_fires)
{
	struct event_base *base = evkit_new_base();
	struct timeval past = { LONG_MIN, 0 }, tv;
	struct event *ev;
	int fired = 0;

	ev = evtimer_new(base, flag_cb, &fired);
	ck_assert_int_eq(evtimer_add(ev, &past), 0);
	ck_assert_int_eq(evkit_loop_until(base, &fired, 10, 3000), 0);
	ck_assert_int_eq(evtimer_add(ev, &past), 0);
	ck_assert(evtimer_pending(ev, &tv));
	event_free(ev);
	evkit_free_base(base);
}
END_TEST

/*
 * A tv_usec of a million or more counts whole seconds: {0, 2,500,000}
 * is 2.5 s.  (libevent carries it once and keeps a deadline with more
 * than a million microseconds.)
 */
START_TEST(test_deadline_usec_overflow_normalised)
{
	struct event_base *base = evkit_new_base();
	struct timeval rel = { 0, 2500000 }, when;
	struct event *ev;
	double left;
	int fired = 0;

	ev = evtimer_new(base, flag_cb, &fired);
	ck_assert_int_eq(evtimer_add(ev, &rel), 0);
	ck_assert(evtimer_pending(ev, &when));
	ck_assert_int_ge(when.tv_usec, 0);
	ck_assert_int_lt(when.tv_usec, 1000000);
	left = evkit_tv_ms(&when) - evkit_wall_ms();
	ck_assert_msg(left > 2000 && left <= 2600, "due in %.0f ms", left);
	event_free(ev);
	evkit_free_base(base);
}
END_TEST

/*
 * With a precise timer (a timerfd under epoll), a timeout whose tv_usec
 * is not below a million must still wake the loop.  libevent carries the
 * microseconds once, so {0, 2,100,000} leaves a wait of {0, 1,100,000}
 * for timerfd_settime, which refuses it, and the loop then sleeps for
 * ever.  The other backends wait in milliseconds and are not tested.
 */
START_TEST(test_deadline_precise_usec_overflow_wakes)
{
	struct event_config *cfg = event_config_new();
	struct event_base *base;
	struct timeval rel = { 0, 2100000 };
	struct event *ev;
	double start, took;
	int fired = 0;

	ck_assert_ptr_nonnull(cfg);
	ck_assert_int_eq(event_config_set_flag(cfg,
	                     EVENT_BASE_FLAG_PRECISE_TIMER),
	    0);
	base = event_base_new_with_config(cfg);
	event_config_free(cfg);
	ck_assert_ptr_nonnull(base);
	if (strncmp(event_base_get_method(base), "epoll", 5)) {
		evkit_free_base(base);
		return;
	}
	ev = evtimer_new(base, flag_cb, &fired);
	start = evkit_now_ms();
	ck_assert_int_eq(evtimer_add(ev, &rel), 0);
	ck_assert_int_eq(evkit_loop_until(base, &fired, 0, 8000), 0);
	took = evkit_now_ms() - start;
	ck_assert_msg(took > 2000, "fired after %.0f ms", took);
	event_free(ev);
	evkit_free_base(base);
}
END_TEST
#endif /* EVKIT_REFERENCE */

Suite *
reuse_suite(void)
{
	Suite *s = suite_create("reuse");
	TCase *tc = tcase_create("matrix");
	TCase *threads = tcase_create("threads");
	TCase *limits = tcase_create("deadlines");

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_reuse_matrix, 0, SWAP_COUNT * 8);
	tcase_add_test(tc, test_reuse_second_reader);
	tcase_add_test(tc, test_reuse_orphan_at_fd_limit);
	suite_add_tcase(s, tc);

	tcase_set_timeout(threads, 30);
	tcase_add_loop_test(threads, test_reuse_other_thread, 0, 8);
	suite_add_tcase(s, threads);

	tcase_set_timeout(limits, 30);
#ifndef EVKIT_REFERENCE
	tcase_add_test(limits, test_deadline_far_future_stays_pending);
	tcase_add_test(limits, test_deadline_far_past_fires);
	tcase_add_test(limits, test_deadline_usec_overflow_normalised);
	/* libevent sleeps for ever here. */
	tcase_add_test(limits, test_deadline_precise_usec_overflow_wakes);
#endif
	suite_add_tcase(s, limits);
	return s;
}
