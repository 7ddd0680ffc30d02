/*
 * tests/check_signal.c: signal events.  evsignal_new/add/del, delivery
 * while the loop sleeps (raised from a timer and from another thread),
 * several events on one signal, the per-delivery call count, persistence,
 * restoring the previous handler, two bases sharing a signal, timeouts,
 * event_base_active_by_signal, SIGCHLD, and out-of-range signal numbers.
 * The runner runs them with signals read from a signalfd too
 * (EVENT_USE_SIGNALFD, tests/backend-*-signalfd.test): where the two ways
 * differ, a test checks the way its base uses.  The signalfd cases at the
 * end ask for it with EVENT_BASE_FLAG_USE_SIGNALFD in every run.
 *
 * Each test runs in its own process (Check's fork mode), so the handlers
 * installed and the signals blocked here never leak into other tests.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __linux__
#include <stddef.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#endif

#include "check-internal.h"

/* One callback invocation, in the order they happened. */
struct sig_call {
	char tag;
	evutil_socket_t fd;
	short what;
};

static struct sig_call calls[64];
static int ncalls;
static char order[64];
static int sfd_mode; /* evkit_base reads signals from a signalfd */

struct sig_probe {
	char tag;
	int calls;
	short what;
	struct event *ev;   /* the probe's own event, for actions */
	int raise_until;    /* raise the signal again until calls reaches it */
	int del_after;      /* event_del(ev) once calls reaches it */
	volatile int *done; /* set to 1 on each call */
};

static void
nop_cb(evutil_socket_t fd, short what, void *arg)
{
}

/* Whether sig is blocked in this thread. */
static int
blocked(int sig)
{
	sigset_t cur;

	ck_assert_int_eq(pthread_sigmask(SIG_BLOCK, NULL, &cur), 0);
	return sigismember(&cur, sig) == 1;
}

/*
 * Whether base reads signals from a signalfd: adding a signal event
 * blocks the signal then (nothing else in these tests blocks SIGWINCH).
 */
static int
uses_signalfd(struct event_base *base)
{
	struct event *ev = evsignal_new(base, SIGWINCH, nop_cb, NULL);
	int r;

	ck_assert_ptr_nonnull(ev);
	ck_assert_int_eq(evsignal_add(ev, NULL), 0);
	r = blocked(SIGWINCH);
	event_free(ev);
	ck_assert(!blocked(SIGWINCH));
	return r;
}

static void
setup(void)
{
	evkit_setup();
	ncalls = 0;
	order[0] = '\0';
	sfd_mode = uses_signalfd(evkit_base);
}

static void
probe_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sig_probe *p = arg;

	p->calls++;
	p->what = what;
	if (ncalls < (int)(sizeof(calls) / sizeof(calls[0]))) {
		calls[ncalls].tag = p->tag;
		calls[ncalls].fd = fd;
		calls[ncalls].what = what;
		order[ncalls] = p->tag;
		order[++ncalls] = '\0';
	}
	if (p->done)
		*p->done = 1;
	if (p->del_after && p->calls == p->del_after)
		ck_assert_int_eq(event_del(p->ev), 0);
	if (p->calls < p->raise_until)
		ck_assert_int_eq(raise((int)fd), 0);
}

/* One nonblocking pass of base; then a and b have na and nb calls. */
static void
pass_expect(struct event_base *base, const struct sig_probe *a, int na,
    const struct sig_probe *b, int nb)
{
	ck_assert_int_eq(event_base_loop(base, EVLOOP_NONBLOCK), 0);
	ck_assert_int_eq(a->calls, na);
	ck_assert_int_eq(b->calls, nb);
}

/* Timer callback: sends the signal in arg to this process. */
static void
kill_cb(evutil_socket_t fd, short what, void *arg)
{
	ck_assert_int_eq(kill(getpid(), (int)(intptr_t)arg), 0);
}

static void
quiet_log_cb(int severity, const char *msg)
{
}

static void
my_handler(int sig)
{
}

/* Installs my_handler for sig with SA_RESTART. */
static void
install_my_handler(int sig)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = my_handler;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	ck_assert_int_eq(sigaction(sig, &sa, NULL), 0);
}

/* Whether my_handler is the current handler of sig. */
static int
my_handler_installed(int sig)
{
	struct sigaction sa;

	ck_assert_int_eq(sigaction(sig, NULL, &sa), 0);
	return sa.sa_handler == my_handler;
}

/*
 * While an event for sig is added the library holds it: with the
 * self-pipe its handler takes the place of my_handler; with a signalfd
 * the signal is blocked and my_handler stays.
 */
static int
held(int sig)
{
	if (sfd_mode)
		return blocked(sig) && my_handler_installed(sig);
	return !my_handler_installed(sig);
}

/* After the last event_del: my_handler and the mask are back. */
static int
released(int sig)
{
	return my_handler_installed(sig) && !blocked(sig);
}

START_TEST(test_signal_new_add_del)
{
	struct sig_probe p = { .tag = 'a' };
	struct event *ev;

	ev = evsignal_new(evkit_base, SIGUSR1, probe_cb, &p);
	ck_assert_ptr_nonnull(ev);
	ck_assert_int_eq(event_get_signal(ev), SIGUSR1);
	ck_assert_int_eq(event_get_fd(ev), SIGUSR1);
	/* evsignal_new makes persistent events. */
	ck_assert_int_eq(event_get_events(ev), EV_SIGNAL | EV_PERSIST);
	ck_assert_ptr_eq(event_get_base(ev), evkit_base);
	ck_assert_int_eq(evsignal_pending(ev, NULL), 0);

	ck_assert_int_eq(evsignal_add(ev, NULL), 0);
	ck_assert_int_eq(evsignal_pending(ev, NULL), EV_SIGNAL);
	ck_assert_int_eq(event_pending(ev, EV_READ | EV_SIGNAL, NULL),
	    EV_SIGNAL);
	ck_assert_int_eq(event_base_get_num_events(evkit_base,
	                     EVENT_BASE_COUNT_ADDED),
	    1);
	/* Adding twice is harmless. */
	ck_assert_int_eq(evsignal_add(ev, NULL), 0);
	ck_assert_int_eq(event_base_get_num_events(evkit_base,
	                     EVENT_BASE_COUNT_ADDED),
	    1);

	ck_assert_int_eq(evsignal_del(ev), 0);
	ck_assert_int_eq(evsignal_pending(ev, NULL), 0);
	ck_assert_int_eq(event_base_get_num_events(evkit_base,
	                     EVENT_BASE_COUNT_ADDED),
	    0);
	/* Deleting a deleted event is not an error. */
	ck_assert_int_eq(evsignal_del(ev), 0);
	/* Nothing left: the loop returns 1 at once. */
	ck_assert_int_eq(event_base_loop(evkit_base, 0), 1);
	ck_assert_int_eq(p.calls, 0);
	event_free(ev);
}
END_TEST

/* A timer kills us with SIGUSR1; the one-shot signal event must fire. */
START_TEST(test_signal_raised_from_timer)
{
	struct sig_probe p = { .tag = 's' };
	struct event *sig, *timer;
	struct timeval tv;

	sig = event_new(evkit_base, SIGUSR1, EV_SIGNAL, probe_cb, &p);
	timer = evtimer_new(evkit_base, kill_cb, (void *)(intptr_t)SIGUSR1);
	ck_assert_ptr_nonnull(sig);
	ck_assert_ptr_nonnull(timer);
	ck_assert_int_eq(event_add(sig, NULL), 0);
	ck_assert_int_eq(evtimer_add(timer, evkit_ms_tv(&tv, 10)), 0);

	/* Both events are one-shot: once they ran, the loop has nothing. */
	ck_assert_int_eq(event_base_dispatch(evkit_base), 1);
	ck_assert_int_eq(p.calls, 1);
	ck_assert_int_eq(calls[0].fd, SIGUSR1);
	ck_assert_int_eq(calls[0].what, EV_SIGNAL);
	ck_assert_int_eq(event_pending(sig, EV_SIGNAL, NULL), 0);
	event_free(timer);
	event_free(sig);
}
END_TEST

struct killer {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int loop_running;
	int block_in_thread; /* block the signal here, so main gets it */
	int pending_here;    /* signalfd: pthread_kill left it pending here */
};

static void *
killer_main(void *arg)
{
	struct killer *k = arg;
	sigset_t set;

	pthread_mutex_lock(&k->lock);
	while (!k->loop_running)
		pthread_cond_wait(&k->cond, &k->lock);
	pthread_mutex_unlock(&k->lock);
	/*
	 * Give the loop time to go back to sleep in the backend; delivery
	 * must work whether or not it got there.
	 */
	usleep(20000);
	if (k->block_in_thread) {
		/* The kernel must pick the main thread, asleep in dispatch. */
		sigemptyset(&set);
		sigaddset(&set, SIGUSR1);
		pthread_sigmask(SIG_BLOCK, &set, NULL);
		kill(getpid(), SIGUSR1);
	} else if (!sfd_mode) {
		/* The handler runs in this thread and must wake the loop. */
		pthread_kill(pthread_self(), SIGUSR1);
	} else {
		/*
		 * This thread has the loop thread's mask (pthread_create
		 * copies it), so a signal sent to it stays pending here,
		 * where no signalfd reads it.  Take it, then send one to the
		 * process, which the loop's signalfd does read.
		 */
		int sig;

		pthread_kill(pthread_self(), SIGUSR1);
		k->pending_here =
		    sigpending(&set) == 0 && sigismember(&set, SIGUSR1) == 1;
		sigemptyset(&set);
		sigaddset(&set, SIGUSR1);
		sigwait(&set, &sig);
		kill(getpid(), SIGUSR1);
	}
	return NULL;
}

static void
loop_running_cb(evutil_socket_t fd, short what, void *arg)
{
	struct killer *k = arg;

	pthread_mutex_lock(&k->lock);
	k->loop_running = 1;
	pthread_cond_signal(&k->cond);
	pthread_mutex_unlock(&k->lock);
}

/*
 * Another thread sends the signal while the loop sleeps: _i == 0 to the
 * process with the helper blocking it (the sleeping thread is interrupted),
 * _i == 1 to the helper thread itself (only the wakeup pipe can tell; a
 * signalfd never sees it, see killer_main).
 */
START_TEST(test_signal_from_other_thread)
{
	struct killer k = { .block_in_thread = (_i == 0) };
	struct sig_probe p = { .tag = 's' };
	volatile int done = 0;
	struct event *sig;
	pthread_t tid;
	struct timeval tv = { 0, 0 };

	p.done = &done;
	pthread_mutex_init(&k.lock, NULL);
	pthread_cond_init(&k.cond, NULL);
	sig = evsignal_new(evkit_base, SIGUSR1, probe_cb, &p);
	ck_assert_ptr_nonnull(sig);
	ck_assert_int_eq(evsignal_add(sig, NULL), 0);
	ck_assert_int_eq(event_base_once(evkit_base, -1, EV_TIMEOUT,
	                     loop_running_cb, &k, &tv),
	    0);
	ck_assert_int_eq(pthread_create(&tid, NULL, killer_main, &k), 0);

	ck_assert_int_eq(evkit_loop_until(evkit_base, &done, 0, 5000), 0);
	ck_assert_int_eq(pthread_join(tid, NULL), 0);
	ck_assert_int_eq(p.calls, 1);
	ck_assert_int_eq(p.what, EV_SIGNAL);
	if (sfd_mode && _i == 1)
		ck_assert(k.pending_here);
	event_free(sig);
	pthread_cond_destroy(&k.cond);
	pthread_mutex_destroy(&k.lock);
}
END_TEST

/* All events on one signal fire; the last one added runs first. */
START_TEST(test_signal_several_events)
{
	struct sig_probe p[3] = { { .tag = 'a' }, { .tag = 'b' },
		{ .tag = 'c' } };
	struct sig_probe other = { .tag = 'x' };
	struct event *ev[3], *ev_other;
	int i;

	for (i = 0; i < 3; i++) {
		ev[i] =
		    event_new(evkit_base, SIGUSR1, EV_SIGNAL, probe_cb, &p[i]);
		ck_assert_ptr_nonnull(ev[i]);
		ck_assert_int_eq(event_add(ev[i], NULL), 0);
	}
	ev_other = evsignal_new(evkit_base, SIGUSR2, probe_cb, &other);
	ck_assert_int_eq(evsignal_add(ev_other, NULL), 0);

	ck_assert_int_eq(raise(SIGUSR1), 0);
	ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_NONBLOCK), 0);
	ck_assert_str_eq(order, "cba");
	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(p[i].calls, 1);
		ck_assert_int_eq(calls[i].fd, SIGUSR1);
		ck_assert_int_eq(calls[i].what, EV_SIGNAL);
		ck_assert_int_eq(event_pending(ev[i], EV_SIGNAL, NULL), 0);
		event_free(ev[i]);
	}
	ck_assert_int_eq(other.calls, 0);
	event_free(ev_other);
}
END_TEST

/*
 * A signal delivered three times before the loop looks is reported as
 * three callbacks in one iteration, for one-shot and persistent events
 * alike.
 */
START_TEST(test_signal_ncalls)
{
	struct sig_probe once = { .tag = 'o' }, persist = { .tag = 'p' };
	struct event *ev_once, *ev_persist;

	/*
	 * The self-pipe's handler runs once per raise and writes a byte each
	 * time (libevent 2.1: three calls).  A blocked standard signal is
	 * pending once however often it is sent, so a signalfd has one
	 * record (libevent 2.2: one call).
	 */
	int expect = sfd_mode ? 1 : 3;

	ev_once = event_new(evkit_base, SIGUSR1, EV_SIGNAL, probe_cb, &once);
	ck_assert_ptr_nonnull(ev_once);
	ck_assert_int_eq(event_add(ev_once, NULL), 0);
	ck_assert_int_eq(raise(SIGUSR1), 0);
	ck_assert_int_eq(raise(SIGUSR1), 0);
	ck_assert_int_eq(raise(SIGUSR1), 0);
	/* The one-shot event is deleted but still gets all its calls. */
	ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_NONBLOCK), 1);
	ck_assert_int_eq(once.calls, expect);
	ck_assert_int_eq(once.what, EV_SIGNAL);
	ck_assert_int_eq(event_pending(ev_once, EV_SIGNAL, NULL), 0);
	event_free(ev_once);

	ev_persist = event_new(evkit_base, SIGUSR1, EV_SIGNAL | EV_PERSIST,
	    probe_cb, &persist);
	ck_assert_ptr_nonnull(ev_persist);
	ck_assert_int_eq(event_add(ev_persist, NULL), 0);
	ck_assert_int_eq(raise(SIGUSR1), 0);
	ck_assert_int_eq(raise(SIGUSR1), 0);
	ck_assert_int_eq(raise(SIGUSR1), 0);
	ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_NONBLOCK), 0);
	ck_assert_int_eq(persist.calls, expect);
	ck_assert_int_eq(event_pending(ev_persist, EV_SIGNAL, NULL), EV_SIGNAL);
	/* Nothing more is pending. */
	ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_NONBLOCK), 0);
	ck_assert_int_eq(persist.calls, expect);
	event_free(ev_persist);
}
END_TEST

/*
 * Real-time signals are queued, not merged: three raises are three calls
 * in one loop iteration, from the self-pipe and from a signalfd alike
 * (libevent 2.2 reads one record per iteration: the same three calls,
 * over three iterations).
 */
START_TEST(test_signal_ncalls_realtime)
{
	struct sig_probe p = { .tag = 'r' };
	struct event *ev;

	ev = evsignal_new(evkit_base, SIGRTMIN, probe_cb, &p);
	ck_assert_ptr_nonnull(ev);
	ck_assert_int_eq(evsignal_add(ev, NULL), 0);
	ck_assert_int_eq(raise(SIGRTMIN), 0);
	ck_assert_int_eq(raise(SIGRTMIN), 0);
	ck_assert_int_eq(raise(SIGRTMIN), 0);
	ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_NONBLOCK), 0);
	ck_assert_int_eq(p.calls, 3);
	ck_assert_int_eq(calls[0].fd, SIGRTMIN);
	ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_NONBLOCK), 0);
	ck_assert_int_eq(p.calls, 3);
	event_free(ev);
}
END_TEST

/* event_del from the callback cancels the calls still owed. */
START_TEST(test_signal_ncalls_del_in_callback)
{
	struct sig_probe p = { .tag = 'p', .del_after = 1 };

	p.ev = evsignal_new(evkit_base, SIGUSR1, probe_cb, &p);
	ck_assert_ptr_nonnull(p.ev);
	ck_assert_int_eq(evsignal_add(p.ev, NULL), 0);
	ck_assert_int_eq(raise(SIGUSR1), 0);
	ck_assert_int_eq(raise(SIGUSR1), 0);
	ck_assert_int_eq(raise(SIGUSR1), 0);
	ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_NONBLOCK), 1);
	ck_assert_int_eq(p.calls, 1);
	event_free(p.ev);
}
END_TEST

/* event_active's count is honoured for signal events. */
START_TEST(test_signal_event_active_ncalls)
{
	struct sig_probe p = { .tag = 'p' };
	struct event *ev;

	ev = event_new(evkit_base, SIGUSR1, EV_SIGNAL, probe_cb, &p);
	ck_assert_ptr_nonnull(ev);
	ck_assert_int_eq(event_add(ev, NULL), 0);
	event_active(ev, EV_SIGNAL, 3);
	ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_NONBLOCK), 1);
	ck_assert_int_eq(p.calls, 3);
	ck_assert_int_eq(p.what, EV_SIGNAL);
	event_free(ev);
}
END_TEST

/* A persistent signal event fires once per delivery until deleted. */
START_TEST(test_signal_persist)
{
	struct sig_probe p = { .tag = 'p', .raise_until = 3, .del_after = 3 };
	struct timeval tv;

	p.ev = evsignal_new(evkit_base, SIGUSR1, probe_cb, &p);
	ck_assert_ptr_nonnull(p.ev);
	ck_assert_int_eq(evsignal_add(p.ev, NULL), 0);
	ck_assert_int_eq(event_base_once(evkit_base, -1, EV_TIMEOUT, kill_cb,
	                     (void *)(intptr_t)SIGUSR1, evkit_ms_tv(&tv, 1)),
	    0);
	/* Each delivery raises the next one; the third deletes the event. */
	ck_assert_int_eq(event_base_dispatch(evkit_base), 1);
	ck_assert_int_eq(p.calls, 3);
	ck_assert_int_eq(p.what, EV_SIGNAL);
	ck_assert_int_eq(evsignal_pending(p.ev, NULL), 0);
	event_free(p.ev);
}
END_TEST

/* The handler in place before the first add is back after the last del. */
START_TEST(test_signal_restore_after_del)
{
	struct sig_probe p = { .tag = 'p' };
	struct event *a, *b;
	struct sigaction sa;

	install_my_handler(SIGUSR2);
	a = evsignal_new(evkit_base, SIGUSR2, probe_cb, &p);
	b = evsignal_new(evkit_base, SIGUSR2, probe_cb, &p);
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	/* Creating the events installs nothing. */
	ck_assert(my_handler_installed(SIGUSR2));

	ck_assert_int_eq(evsignal_add(a, NULL), 0);
	ck_assert(held(SIGUSR2));
	ck_assert_int_eq(evsignal_add(b, NULL), 0);
	ck_assert(held(SIGUSR2));
	ck_assert_int_eq(evsignal_del(a), 0);
	/* b still needs the library's handler. */
	ck_assert(held(SIGUSR2));
	ck_assert_int_eq(evsignal_del(b), 0);
	ck_assert(released(SIGUSR2));
	ck_assert_int_eq(sigaction(SIGUSR2, NULL, &sa), 0);
	ck_assert(sa.sa_flags & SA_RESTART);

	/* Again, to see the saved handler is not stale. */
	ck_assert_int_eq(evsignal_add(a, NULL), 0);
	ck_assert(held(SIGUSR2));
	ck_assert_int_eq(evsignal_del(a), 0);
	ck_assert(released(SIGUSR2));

	/* event_free of an added event restores it too. */
	ck_assert_int_eq(evsignal_add(b, NULL), 0);
	ck_assert(held(SIGUSR2));
	event_free(b);
	ck_assert(released(SIGUSR2));
	event_free(a);
	ck_assert_int_eq(p.calls, 0);
}
END_TEST

static void
my_siginfo_handler(int sig, siginfo_t *si, void *ctx)
{
}

/* Whether two sigactions are the same: handler, every mask bit, flags. */
static int
same_sigaction(const struct sigaction *a, const struct sigaction *b)
{
	int sig;

	if (a->sa_flags != b->sa_flags)
		return 0;
	if ((a->sa_flags & SA_SIGINFO) ? a->sa_sigaction != b->sa_sigaction
	                               : a->sa_handler != b->sa_handler)
		return 0;
	for (sig = 1; sig < NSIG; sig++)
		if (sigismember(&a->sa_mask, sig) !=
		    sigismember(&b->sa_mask, sig))
			return 0;
	return 1;
}

/*
 * A three-argument handler with a mask and flags is restored whole, not
 * just its function pointer, after the last del and after event_free.
 */
START_TEST(test_signal_restore_siginfo_whole)
{
	struct sig_probe p = { .tag = 'p' };
	struct sigaction mine, now;
	struct event *ev;

	memset(&mine, 0, sizeof(mine));
	mine.sa_sigaction = my_siginfo_handler;
	mine.sa_flags = SA_SIGINFO | SA_RESTART | SA_NODEFER;
	sigemptyset(&mine.sa_mask);
	sigaddset(&mine.sa_mask, SIGUSR1);
	sigaddset(&mine.sa_mask, SIGTERM);
	ck_assert_int_eq(sigaction(SIGUSR2, &mine, NULL), 0);
	/* What the kernel reports back is the reference. */
	ck_assert_int_eq(sigaction(SIGUSR2, NULL, &mine), 0);

	ev = evsignal_new(evkit_base, SIGUSR2, probe_cb, &p);
	ck_assert_ptr_nonnull(ev);
	ck_assert_int_eq(evsignal_add(ev, NULL), 0);
	ck_assert_int_eq(sigaction(SIGUSR2, NULL, &now), 0);
	if (sfd_mode) {
		/* A signalfd leaves the program's handler alone. */
		ck_assert(same_sigaction(&now, &mine));
		ck_assert(blocked(SIGUSR2));
	} else {
		/* The library's own handler blocks every signal while it
		 * runs and restarts interrupted calls. */
		ck_assert(!same_sigaction(&now, &mine));
		ck_assert(!(now.sa_flags & SA_SIGINFO));
		ck_assert(now.sa_flags & SA_RESTART);
		ck_assert_int_eq(sigismember(&now.sa_mask, SIGINT), 1);
		ck_assert_int_eq(sigismember(&now.sa_mask, SIGUSR1), 1);
		ck_assert_int_eq(sigismember(&now.sa_mask, SIGALRM), 1);
	}
	ck_assert_int_eq(evsignal_del(ev), 0);
	ck_assert_int_eq(sigaction(SIGUSR2, NULL, &now), 0);
	ck_assert(same_sigaction(&now, &mine));

	ck_assert_int_eq(evsignal_add(ev, NULL), 0);
	event_free(ev);
	ck_assert_int_eq(sigaction(SIGUSR2, NULL, &now), 0);
	ck_assert(same_sigaction(&now, &mine));
	ck_assert_int_eq(p.calls, 0);
}
END_TEST

/* event_base_free restores the handlers of signals still added. */
START_TEST(test_signal_restore_after_base_free)
{
	struct sig_probe p = { .tag = 'p' };
	struct event_base *base;
	struct event ev; /* caller-owned: must outlive nothing */

	install_my_handler(SIGUSR2);
	base = evkit_new_base();
	ck_assert_int_eq(evsignal_assign(&ev, base, SIGUSR2, probe_cb, &p), 0);
	ck_assert_int_eq(evsignal_add(&ev, NULL), 0);
	ck_assert(held(SIGUSR2));
	event_base_free(base);
	ck_assert(released(SIGUSR2));
	event_debug_unassign(&ev);
	ck_assert_int_eq(p.calls, 0);
}
END_TEST

/*
 * Two bases with the same signal: the base that added it last, or that
 * last entered its loop, is the one the signal is delivered to.
 */
START_TEST(test_signal_two_bases)
{
	struct sig_probe p1 = { .tag = '1' }, p2 = { .tag = '2' };
	struct event_base *base2;
	struct event *e1, *e2;

	event_set_log_callback(quiet_log_cb); /* libevent warns about this */
	install_my_handler(SIGUSR2);
	base2 = evkit_new_base();
	e1 = evsignal_new(evkit_base, SIGUSR2, probe_cb, &p1);
	e2 = evsignal_new(base2, SIGUSR2, probe_cb, &p2);
	ck_assert_ptr_nonnull(e1);
	ck_assert_ptr_nonnull(e2);
	ck_assert_int_eq(evsignal_add(e1, NULL), 0);
	ck_assert_int_eq(evsignal_add(e2, NULL), 0);

	if (sfd_mode) {
		/* Both signalfds read SIGUSR2: the first to look takes each
		 * delivery, and only that one. */
		ck_assert_int_eq(raise(SIGUSR2), 0);
		pass_expect(evkit_base, &p1, 1, &p2, 0);
		pass_expect(base2, &p1, 1, &p2, 0);
		ck_assert_int_eq(raise(SIGUSR2), 0);
		pass_expect(base2, &p1, 1, &p2, 1);
		pass_expect(evkit_base, &p1, 1, &p2, 1);
		goto del;
	}
	/* base2 added last: it gets the signal. */
	ck_assert_int_eq(raise(SIGUSR2), 0);
	ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_NONBLOCK), 0);
	ck_assert_int_eq(p1.calls, 0);
	ck_assert_int_eq(event_base_loop(base2, EVLOOP_NONBLOCK), 0);
	ck_assert_int_eq(p2.calls, 1);

	/* The first base runs its loop and takes the signal back. */
	ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_NONBLOCK), 0);
	ck_assert_int_eq(raise(SIGUSR2), 0);
	ck_assert_int_eq(event_base_loop(base2, EVLOOP_NONBLOCK), 0);
	ck_assert_int_eq(p2.calls, 1);
	ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_NONBLOCK), 0);
	ck_assert_int_eq(p1.calls, 1);

del:

	/* Deleting both events, in either order, restores the handler. */
	ck_assert_int_eq(evsignal_del(e2), 0);
	ck_assert(held(SIGUSR2));
	ck_assert_int_eq(evsignal_del(e1), 0);
	ck_assert(released(SIGUSR2));
	event_free(e1);
	event_free(e2);
	evkit_free_base(base2);
	event_set_log_callback(NULL);
}
END_TEST

/*
 * A base whose signal events were all deleted does not take signal
 * delivery back from another base when it runs its loop.
 */
START_TEST(test_signal_base_without_signals)
{
	struct sig_probe p1 = { .tag = '1' }, p2 = { .tag = '2' };
	struct event_base *base2;
	struct event *e1, *e2;

	base2 = evkit_new_base();
	e1 = evsignal_new(evkit_base, SIGUSR1, probe_cb, &p1);
	e2 = evsignal_new(base2, SIGUSR2, probe_cb, &p2);
	ck_assert_int_eq(evsignal_add(e1, NULL), 0);
	ck_assert_int_eq(evsignal_del(e1), 0);
	ck_assert_int_eq(evsignal_add(e2, NULL), 0);
	/* Nothing left to wait for: returns at once, taking nothing. */
	ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_NONBLOCK), 1);
	ck_assert_int_eq(raise(SIGUSR2), 0);
	ck_assert_int_eq(event_base_loop(base2, EVLOOP_NONBLOCK), 0);
	ck_assert_int_eq(p2.calls, 1);
	ck_assert_int_eq(p1.calls, 0);
	ck_assert_int_eq(evsignal_del(e2), 0);
	event_free(e1);
	event_free(e2);
	evkit_free_base(base2);
}
END_TEST

/* A signal event with a timeout reports whichever came first. */
START_TEST(test_signal_timeout)
{
	struct sig_probe p = { .tag = 'p' };
	struct event *ev;
	struct timeval tv;
	double start, elapsed;

	ev = event_new(evkit_base, SIGUSR1, EV_SIGNAL, probe_cb, &p);
	ck_assert_ptr_nonnull(ev);

	/* No signal: EV_TIMEOUT after the timeout. */
	start = evkit_coarse_ms();
	ck_assert_int_eq(event_add(ev, evkit_ms_tv(&tv, 50)), 0);
	ck_assert_int_eq(event_pending(ev, EV_SIGNAL | EV_TIMEOUT, NULL),
	    EV_SIGNAL | EV_TIMEOUT);
	ck_assert_int_eq(event_base_dispatch(evkit_base), 1);
	elapsed = evkit_now_ms() - start;
	ck_assert_int_eq(p.calls, 1);
	ck_assert_int_eq(p.what, EV_TIMEOUT);
	ck_assert_msg(elapsed >= 50, "timed out after %.1f ms", elapsed);

	/* A signal first: EV_SIGNAL alone, and the timeout is cancelled. */
	ck_assert_int_eq(event_add(ev, evkit_ms_tv(&tv, 5000)), 0);
	ck_assert_int_eq(raise(SIGUSR1), 0);
	start = evkit_now_ms();
	ck_assert_int_eq(event_base_dispatch(evkit_base), 1);
	ck_assert_int_eq(p.calls, 2);
	ck_assert_int_eq(p.what, EV_SIGNAL);
	ck_assert_int_eq(event_pending(ev, EV_TIMEOUT | EV_SIGNAL, NULL), 0);
	ck_assert(evkit_now_ms() - start < 2500);
	event_free(ev);
}
END_TEST

/* event_base_active_by_signal runs the events of that signal only. */
START_TEST(test_signal_active_by_signal)
{
	struct sig_probe a = { .tag = 'a' }, b = { .tag = 'b' },
	                 c = { .tag = 'c' };
	struct event *ea, *eb, *ec;

	ea = event_new(evkit_base, SIGUSR1, EV_SIGNAL, probe_cb, &a);
	eb = evsignal_new(evkit_base, SIGUSR1, probe_cb, &b);
	ec = evsignal_new(evkit_base, SIGUSR2, probe_cb, &c);
	ck_assert_int_eq(event_add(ea, NULL), 0);
	ck_assert_int_eq(event_add(eb, NULL), 0);
	ck_assert_int_eq(event_add(ec, NULL), 0);

	/* A signal without events, and one never added: nothing happens. */
	event_base_active_by_signal(evkit_base, SIGHUP);
	event_base_active_by_signal(evkit_base, SIGUSR1);
	ck_assert_int_eq(event_base_get_num_events(evkit_base,
	                     EVENT_BASE_COUNT_ACTIVE),
	    2);
	/* Twice before the loop runs still means one call each. */
	event_base_active_by_signal(evkit_base, SIGUSR1);
	ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_NONBLOCK), 0);
	ck_assert_str_eq(order, "ba");
	ck_assert_int_eq(calls[0].fd, SIGUSR1);
	ck_assert_int_eq(calls[0].what, EV_SIGNAL);
	ck_assert_int_eq(calls[1].what, EV_SIGNAL);
	ck_assert_int_eq(c.calls, 0);
	/* The one-shot event is gone, the persistent ones stay. */
	ck_assert_int_eq(event_pending(ea, EV_SIGNAL, NULL), 0);
	ck_assert_int_eq(event_pending(eb, EV_SIGNAL, NULL), EV_SIGNAL);
	event_free(ea);
	event_free(eb);
	event_free(ec);
}
END_TEST

/* SIGCHLD from a child that exits is delivered; waitpid reaps it. */
START_TEST(test_signal_sigchld)
{
	struct sig_probe p = { .tag = 'c' };
	volatile int done = 0;
	struct event *ev;
	pid_t pid;
	int status;

	p.done = &done;
	ev = evsignal_new(evkit_base, SIGCHLD, probe_cb, &p);
	ck_assert_ptr_nonnull(ev);
	ck_assert_int_eq(evsignal_add(ev, NULL), 0);
	pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0)
		_exit(7);
	ck_assert_int_eq(evkit_loop_until(evkit_base, &done, 0, 5000), 0);
	ck_assert_int_ge(p.calls, 1);
	ck_assert_int_eq(calls[0].fd, SIGCHLD);
	ck_assert_int_eq(calls[0].what, EV_SIGNAL);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 7);
	event_free(ev);
}
END_TEST

/* Signal numbers out of range fail at event_add, not event_new. */
START_TEST(test_signal_out_of_range)
{
	struct sig_probe p = { .tag = 'p' };
	struct event *ev;
	struct event storage;
	int bad[] = { NSIG, NSIG + 10, -1, -100 };
	unsigned i;

	event_set_log_callback(quiet_log_cb);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ev = evsignal_new(evkit_base, bad[i], probe_cb, &p);
		ck_assert_msg(ev != NULL, "evsignal_new(%d) failed", bad[i]);
		ck_assert_msg(event_add(ev, NULL) == -1,
		    "event_add accepted signal %d", bad[i]);
		ck_assert_int_eq(event_pending(ev, EV_SIGNAL, NULL), 0);
		event_free(ev);
	}
	ck_assert_int_eq(event_base_get_num_events(evkit_base,
	                     EVENT_BASE_COUNT_ADDED),
	    0);

	/* EV_SIGNAL cannot be combined with I/O events. */
	ck_assert_ptr_null(
	    event_new(evkit_base, SIGUSR1, EV_SIGNAL | EV_READ, probe_cb, &p));
	ck_assert_ptr_null(event_new(evkit_base, SIGUSR1,
	    EV_SIGNAL | EV_WRITE | EV_PERSIST, probe_cb, &p));
	ck_assert_ptr_null(event_new(evkit_base, SIGUSR1, EV_SIGNAL | EV_CLOSED,
	    probe_cb, &p));
	ck_assert_int_eq(event_assign(&storage, evkit_base, SIGUSR1,
	                     EV_SIGNAL | EV_READ, probe_cb, &p),
	    -1);

	/* The base still works. */
	ev = evsignal_new(evkit_base, SIGUSR1, probe_cb, &p);
	ck_assert_int_eq(evsignal_add(ev, NULL), 0);
	ck_assert_int_eq(raise(SIGUSR1), 0);
	ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_NONBLOCK), 0);
	ck_assert_int_eq(p.calls, 1);
	event_free(ev);
	event_set_log_callback(NULL);
}
END_TEST

#ifndef EVKIT_REFERENCE
/*
 * The signalfd cases (EVENT_BASE_FLAG_USE_SIGNALFD is libevent 2.2's, so
 * not in the libevent 2.1 reference build).
 */

/*
 * A base that reads signals from a signalfd, with flags added to the
 * config; NULL, and the test passes vacuously, where signalfd is missing
 * and the base took the self-pipe.
 */
static struct event_base *
sfd_new_base(int flags)
{
	struct event_config *cfg = event_config_new();
	struct event_base *base;

	ck_assert_ptr_nonnull(cfg);
	ck_assert_int_eq(event_config_set_flag(cfg,
	                     EVENT_BASE_FLAG_USE_SIGNALFD | flags),
	    0);
	base = event_base_new_with_config(cfg);
	event_config_free(cfg);
	ck_assert_ptr_nonnull(base);
	if (!uses_signalfd(base)) {
		printf("no signalfd here: test skipped\n");
		evkit_free_base(base);
		return NULL;
	}
	return base;
}

/* The signal is blocked while the base reads it and unblocked after. */
START_TEST(test_signalfd_mask)
{
	struct sig_probe p = { .tag = 'p' }, q = { .tag = 'q' };
	struct event_base *base = sfd_new_base(0);
	struct event *ev, *ev2, *ev3;
	sigset_t set;

	if (base == NULL)
		return;
	ck_assert(!blocked(SIGUSR1));
	ev = evsignal_new(base, SIGUSR1, probe_cb, &p);
	ck_assert_ptr_nonnull(ev);
	ck_assert_int_eq(evsignal_add(ev, NULL), 0);
	ck_assert(blocked(SIGUSR1));
	ck_assert_int_eq(raise(SIGUSR1), 0);
	ck_assert_int_eq(event_base_loop(base, EVLOOP_NONBLOCK), 0);
	ck_assert_int_eq(p.calls, 1);
	ck_assert_int_eq(p.what, EV_SIGNAL);
	ck_assert_int_eq(calls[0].fd, SIGUSR1);

	/* A delivery still pending at the last del is dropped, as the
	 * self-pipe's handler would have: SIGUSR1's default action would
	 * end this process. */
	ck_assert_int_eq(raise(SIGUSR1), 0);
	ck_assert_int_eq(evsignal_del(ev), 0);
	ck_assert(!blocked(SIGUSR1));
	ck_assert_int_eq(sigpending(&set), 0);
	ck_assert_int_eq(sigismember(&set, SIGUSR1), 0);
	ck_assert_int_eq(p.calls, 1);

	/* A signal the program blocked itself stays blocked. */
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	ck_assert_int_eq(pthread_sigmask(SIG_BLOCK, &set, NULL), 0);
	ev2 = evsignal_new(base, SIGUSR2, probe_cb, &q);
	ck_assert_ptr_nonnull(ev2);
	ck_assert_int_eq(evsignal_add(ev2, NULL), 0);
	ck_assert_int_eq(raise(SIGUSR2), 0);
	ck_assert_int_eq(event_base_loop(base, EVLOOP_NONBLOCK), 0);
	ck_assert_int_eq(q.calls, 1);
	ck_assert_int_eq(evsignal_del(ev2), 0);
	ck_assert(blocked(SIGUSR2));

	/* SIGKILL and SIGSTOP cannot be blocked: refused, as with the
	 * self-pipe (sigaction refuses them). */
	event_set_log_callback(quiet_log_cb);
	ev3 = evsignal_new(base, SIGKILL, probe_cb, &q);
	ck_assert_ptr_nonnull(ev3);
	ck_assert_int_eq(evsignal_add(ev3, NULL), -1);
	event_free(ev3);
	event_set_log_callback(NULL);

	event_free(ev);
	event_free(ev2);
	evkit_free_base(base);
}
END_TEST

/* Whether sig's disposition is SIG_IGN. */
static int
ignored(int sig)
{
	struct sigaction sa;

	ck_assert_int_eq(sigaction(sig, NULL, &sa), 0);
	return !(sa.sa_flags & SA_SIGINFO) && sa.sa_handler == SIG_IGN;
}

/*
 * A signal the program ignores still reaches its events.  Under SIG_IGN
 * the kernel sends no SIGCHLD at all (and reaps the children itself), so
 * the base puts an empty handler in its place while it holds the signal.
 */
START_TEST(test_signalfd_sig_ign)
{
	struct sig_probe c = { .tag = 'c' }, u = { .tag = 'u' };
	struct event_base *base = sfd_new_base(0);
	volatile int done = 0;
	struct event *evc, *evu;
	struct sigaction mine, now;
	pid_t pid;
	int status;

	if (base == NULL)
		return;
	ck_assert(signal(SIGCHLD, SIG_IGN) != SIG_ERR);
	/* Flags and mask are put back with SIG_IGN. */
	memset(&mine, 0, sizeof(mine));
	mine.sa_handler = SIG_IGN;
	mine.sa_flags = SA_NODEFER;
	sigemptyset(&mine.sa_mask);
	sigaddset(&mine.sa_mask, SIGTERM);
	ck_assert_int_eq(sigaction(SIGUSR2, &mine, NULL), 0);
	ck_assert_int_eq(sigaction(SIGUSR2, NULL, &mine), 0);
	c.done = &done;
	evc = evsignal_new(base, SIGCHLD, probe_cb, &c);
	evu = evsignal_new(base, SIGUSR2, probe_cb, &u);
	ck_assert_int_eq(evsignal_add(evc, NULL), 0);
	ck_assert_int_eq(evsignal_add(evu, NULL), 0);
	ck_assert(!ignored(SIGCHLD));
	ck_assert(!ignored(SIGUSR2));

	pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0)
		_exit(3);
	ck_assert_int_eq(evkit_loop_until(base, &done, 0, 5000), 0);
	ck_assert_int_eq(c.calls, 1);
	/* Not reaped by the kernel: the status is ours to collect. */
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 3);

	ck_assert_int_eq(raise(SIGUSR2), 0);
	ck_assert_int_eq(event_base_loop(base, EVLOOP_NONBLOCK), 0);
	ck_assert_int_eq(u.calls, 1);

	ck_assert_int_eq(evsignal_del(evc), 0);
	ck_assert_int_eq(evsignal_del(evu), 0);
	ck_assert(ignored(SIGCHLD));
	ck_assert_int_eq(sigaction(SIGUSR2, NULL, &now), 0);
	ck_assert(same_sigaction(&now, &mine));
	ck_assert(!blocked(SIGCHLD));
	ck_assert(!blocked(SIGUSR2));
	event_free(evc);
	event_free(evu);
	evkit_free_base(base);
}
END_TEST

/* event_base_free lets go of the signals still added. */
START_TEST(test_signalfd_restore_on_free)
{
	struct sig_probe p = { .tag = 'p' };
	struct event_base *base;
	struct event e1, e2; /* caller-owned: outlive the base */

	install_my_handler(SIGUSR2);
	ck_assert(signal(SIGUSR1, SIG_IGN) != SIG_ERR);
	base = sfd_new_base(0);
	if (base == NULL)
		return;
	ck_assert_int_eq(evsignal_assign(&e1, base, SIGUSR2, probe_cb, &p), 0);
	ck_assert_int_eq(evsignal_assign(&e2, base, SIGUSR1, probe_cb, &p), 0);
	ck_assert_int_eq(evsignal_add(&e1, NULL), 0);
	ck_assert_int_eq(evsignal_add(&e2, NULL), 0);
	ck_assert(my_handler_installed(SIGUSR2));
	ck_assert(blocked(SIGUSR2));
	ck_assert(!ignored(SIGUSR1));
	ck_assert(blocked(SIGUSR1));
	event_base_free(base);
	ck_assert(released(SIGUSR2));
	ck_assert(ignored(SIGUSR1));
	ck_assert(!blocked(SIGUSR1));
	event_debug_unassign(&e1);
	event_debug_unassign(&e2);
	ck_assert_int_eq(p.calls, 0);
}
END_TEST

/*
 * Deliveries between two dispatches: a standard signal is pending at most
 * once per queue however often it was sent, the process's queue (kill)
 * and the thread's (raise): two calls here, where libevent 2.2 has the
 * same two records.  Real-time signals are queued: a call each, all in
 * this iteration.
 */
START_TEST(test_signalfd_coalesced)
{
	struct sig_probe s = { .tag = 's' }, r = { .tag = 'r' };
	struct event_base *base = sfd_new_base(0);
	struct event *evs, *evr;
	int i;

	if (base == NULL)
		return;
	evs = evsignal_new(base, SIGUSR1, probe_cb, &s);
	evr = evsignal_new(base, SIGRTMIN + 1, probe_cb, &r);
	ck_assert_int_eq(evsignal_add(evs, NULL), 0);
	ck_assert_int_eq(evsignal_add(evr, NULL), 0);
	for (i = 0; i < 4; i++) {
		ck_assert_int_eq(raise(SIGUSR1), 0);
		ck_assert_int_eq(kill(getpid(), SIGUSR1), 0);
		ck_assert_int_eq(raise(SIGRTMIN + 1), 0);
	}
	pass_expect(base, &s, 2, &r, 4);
	pass_expect(base, &s, 2, &r, 4); /* nothing left */
	event_free(evs);
	event_free(evr);
	evkit_free_base(base);
}
END_TEST

/*
 * fork + event_reinit: the child gets a signalfd of its own that works,
 * and the parent's keeps working after the child's reinit (the child's
 * last act is to send the parent a signal).
 */
START_TEST(test_signalfd_fork_reinit)
{
	struct sig_probe p = { .tag = 'p' };
	struct event_base *base = sfd_new_base(0);
	volatile int done = 0;
	struct event *ev;
	pid_t pid;
	int status;

	if (base == NULL)
		return;
	p.done = &done;
	ev = evsignal_new(base, SIGUSR1, probe_cb, &p);
	ck_assert_int_eq(evsignal_add(ev, NULL), 0);
	pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		sigset_t cur;
		int ok = event_reinit(base) == 0 &&
		    pthread_sigmask(SIG_BLOCK, NULL, &cur) == 0 &&
		    sigismember(&cur, SIGUSR1) == 1 && raise(SIGUSR1) == 0 &&
		    evkit_loop_until(base, &done, 0, 5000) == 0 &&
		    p.calls == 1 && kill(getppid(), SIGUSR1) == 0;
		_exit(ok ? 0 : 1);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	ck_assert_int_eq(p.calls, 0);
	ck_assert_int_eq(evkit_loop_until(base, &done, 0, 5000), 0);
	ck_assert_int_eq(p.calls, 1);
	ck_assert_int_eq(evsignal_del(ev), 0);
	ck_assert(!blocked(SIGUSR1));
	event_free(ev);
	evkit_free_base(base);
}
END_TEST

/*
 * A signalfd base beside a self-pipe base, each with its own signal: both
 * are delivered (with two self-pipe bases only one would receive).  Also
 * EVENT_USE_SIGNALFD: present, whatever its value, it asks for a
 * signalfd; EVENT_BASE_FLAG_IGNORE_ENV ignores it.
 */
START_TEST(test_signalfd_beside_pipe)
{
	struct sig_probe p1 = { .tag = '1' }, p2 = { .tag = '2' };
	struct event_base *sfd, *pipe_base, *env_base;
	struct event_config *cfg;
	struct event *e1, *e2;

	sfd = sfd_new_base(0);
	if (sfd == NULL)
		return;
	ck_assert_int_eq(setenv("EVENT_USE_SIGNALFD", "0", 1), 0);
	env_base = evkit_new_base();
	ck_assert(uses_signalfd(env_base));
	evkit_free_base(env_base);
	cfg = event_config_new();
	ck_assert_ptr_nonnull(cfg);
	ck_assert_int_eq(event_config_set_flag(cfg, EVENT_BASE_FLAG_IGNORE_ENV),
	    0);
	pipe_base = event_base_new_with_config(cfg);
	event_config_free(cfg);
	ck_assert_ptr_nonnull(pipe_base);
	ck_assert(!uses_signalfd(pipe_base));

	e1 = evsignal_new(sfd, SIGUSR1, probe_cb, &p1);
	e2 = evsignal_new(pipe_base, SIGUSR2, probe_cb, &p2);
	ck_assert_int_eq(evsignal_add(e1, NULL), 0);
	ck_assert_int_eq(evsignal_add(e2, NULL), 0);
	ck_assert(blocked(SIGUSR1));
	ck_assert(!blocked(SIGUSR2));
	ck_assert_int_eq(raise(SIGUSR1), 0);
	ck_assert_int_eq(raise(SIGUSR2), 0);
	pass_expect(pipe_base, &p1, 0, &p2, 1);
	pass_expect(sfd, &p1, 1, &p2, 1);
	event_free(e1);
	event_free(e2);
	evkit_free_base(pipe_base);
	evkit_free_base(sfd);
}
END_TEST
#ifdef __linux__
static int nlogs;

static void
count_log_cb(int severity, const char *msg)
{
	nlogs++;
}

/* Makes signalfd fail with ENOSYS in this process, for good. */
static int
refuse_signalfd(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		    offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_signalfd4, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
#ifdef __NR_signalfd
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_signalfd, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
#endif
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = sizeof(f) / sizeof(f[0]),
		.filter = f };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		return -1;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
}

/* The exit status of the child of test_signalfd_missing. */
static int
missing_child(void)
{
	struct sig_probe p = { .tag = 'p' };
	struct event_config *cfg;
	struct event_base *base;
	struct event *ev;
	sigset_t cur;

	if (refuse_signalfd() == -1)
		return 77;
	event_set_log_callback(count_log_cb);
	cfg = event_config_new();
	if (cfg == NULL ||
	    event_config_set_flag(cfg, EVENT_BASE_FLAG_USE_SIGNALFD) == -1)
		return 2;
	base = event_base_new_with_config(cfg);
	event_config_free(cfg);
	if (base == NULL)
		return 3;
	ev = evsignal_new(base, SIGUSR1, probe_cb, &p);
	if (ev == NULL || evsignal_add(ev, NULL) == -1)
		return 4;
	/* The self-pipe: the signal is not blocked, and still arrives. */
	if (pthread_sigmask(SIG_BLOCK, NULL, &cur) != 0 ||
	    sigismember(&cur, SIGUSR1) != 0)
		return 5;
	if (raise(SIGUSR1) != 0 ||
	    event_base_loop(base, EVLOOP_NONBLOCK) != 0 || p.calls != 1)
		return 6;
	event_free(ev);
	event_base_free(base);
	return nlogs ? 7 : 0; /* and not a word about it */
}

/* Where signalfd fails, the base takes the self-pipe without a word. */
START_TEST(test_signalfd_missing)
{
	pid_t pid;
	int status;

	pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0)
		_exit(missing_child());
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	if (WEXITSTATUS(status) == 77) {
		printf("no seccomp here: test skipped\n");
		return;
	}
	ck_assert_int_eq(WEXITSTATUS(status), 0);
}
END_TEST
#endif
#endif /* EVKIT_REFERENCE */

Suite *
signal_suite(void)
{
	Suite *s = suite_create("signal");
	TCase *tc = tcase_create("signal");

	tcase_add_checked_fixture(tc, setup, evkit_teardown);
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, test_signal_new_add_del);
	tcase_add_test(tc, test_signal_raised_from_timer);
	tcase_add_loop_test(tc, test_signal_from_other_thread, 0, 2);
	tcase_add_test(tc, test_signal_several_events);
	tcase_add_test(tc, test_signal_ncalls);
	tcase_add_test(tc, test_signal_ncalls_realtime);
	tcase_add_test(tc, test_signal_ncalls_del_in_callback);
	tcase_add_test(tc, test_signal_event_active_ncalls);
	tcase_add_test(tc, test_signal_persist);
	tcase_add_test(tc, test_signal_restore_after_del);
	tcase_add_test(tc, test_signal_restore_siginfo_whole);
	tcase_add_test(tc, test_signal_restore_after_base_free);
	tcase_add_test(tc, test_signal_two_bases);
	tcase_add_test(tc, test_signal_base_without_signals);
	tcase_add_test(tc, test_signal_timeout);
	tcase_add_test(tc, test_signal_active_by_signal);
	tcase_add_test(tc, test_signal_sigchld);
	tcase_add_test(tc, test_signal_out_of_range);
	suite_add_tcase(s, tc);
#ifndef EVKIT_REFERENCE
	tc = tcase_create("signalfd");
	tcase_add_checked_fixture(tc, setup, evkit_teardown);
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, test_signalfd_mask);
	tcase_add_test(tc, test_signalfd_sig_ign);
	tcase_add_test(tc, test_signalfd_restore_on_free);
	tcase_add_test(tc, test_signalfd_coalesced);
	tcase_add_test(tc, test_signalfd_fork_reinit);
	tcase_add_test(tc, test_signalfd_beside_pipe);
#ifdef __linux__
	tcase_add_test(tc, test_signalfd_missing);
#endif
	suite_add_tcase(s, tc);
#endif
	return s;
}
