/*
 * tests/check_thread.c: thread support.  evthread_use_pthreads, waking a
 * loop that sleeps in the backend from another thread (event_active,
 * event_add, event_del, loopbreak, loopexit), event_del waiting for a
 * running callback and its _block/_noblock variants, finalizers, lock
 * debugging, and user lock/condition/id callbacks.
 *
 * Lock callbacks can be set once per process: every test runs in its own
 * process (Check's fork mode) and sets up threading before its first base.
 *
 * Helper threads never call ck_assert: they record what they saw, and the
 * test checks it after pthread_join.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/thread.h>

#include "check-internal.h"

/* How long a helper waits for anything before giving up. */
#define SAFETY_MS 5000

/* Shared state between the loop thread and one helper thread. */
struct shared {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct event_base *base;
	struct event *ev;
	int op;
	int cb_sleeps; /* slow_cb sleeps instead of waiting for release */
	pthread_t loop_thread;

	/* Set by the loop thread. */
	int loop_running; /* the loop is about to go to sleep */
	int loop_done;    /* event_base_loop returned */
	int cb_started;   /* the slow callback is running */
	int cb_finished;  /* ... and has returned */
	int cb_calls;
	short cb_what;

	/* Set by the helper thread. */
	int released;           /* the slow callback may return */
	int op_result;          /* what the API call returned */
	int finished_at_return; /* cb_finished when the call returned */
	int timed_out;          /* the helper gave up waiting */

	/* Set by finalizers. */
	int fin_calls;
	int fin_in_loop_thread;
	int fin_after_cb;
	struct event *fin_ev;
};

static void
shared_init(struct shared *s, struct event_base *base)
{
	memset(s, 0, sizeof(*s));
	ck_assert_int_eq(pthread_mutex_init(&s->lock, NULL), 0);
	ck_assert_int_eq(pthread_cond_init(&s->cond, NULL), 0);
	s->base = base;
	s->loop_thread = pthread_self();
}

static void
shared_destroy(struct shared *s)
{
	pthread_cond_destroy(&s->cond);
	pthread_mutex_destroy(&s->lock);
}

/* Sets *field to 1 and wakes every waiter. */
static void
shared_set(struct shared *s, int *field)
{
	pthread_mutex_lock(&s->lock);
	*field = 1;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->lock);
}

/* Waits until *field is non-zero; returns -1 after SAFETY_MS. */
static int
shared_wait(struct shared *s, int *field)
{
	struct timespec deadline;
	int r = 0;

	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += SAFETY_MS / 1000;
	pthread_mutex_lock(&s->lock);
	while (!*field && r == 0)
		r = pthread_cond_timedwait(&s->cond, &s->lock, &deadline);
	r = *field ? 0 : -1;
	pthread_mutex_unlock(&s->lock);
	return r;
}

static int
shared_get(struct shared *s, int *field)
{
	int v;

	pthread_mutex_lock(&s->lock);
	v = *field;
	pthread_mutex_unlock(&s->lock);
	return v;
}

static void
thread_setup(void)
{
	ck_assert_int_eq(evthread_use_pthreads(), 0);
	evkit_setup();
}

/* Loop callback: tells the helper the loop runs and is about to sleep. */
static void
loop_running_cb(evutil_socket_t fd, short what, void *arg)
{
	struct shared *s = arg;

	shared_set(s, &s->loop_running);
}

static void
schedule_loop_running(struct shared *s)
{
	struct timeval tv = { 0, 0 };

	ck_assert_int_eq(event_base_once(s->base, -1, EV_TIMEOUT,
	                     loop_running_cb, s, &tv),
	    0);
}

/* Waits for loop_running_cb, then leaves the loop time to block. */
static int
wait_loop_sleeping(struct shared *s)
{
	if (shared_wait(s, &s->loop_running) < 0)
		return -1;
	/* Waking must work whether or not the loop got to sleep; a short
	 * pause makes it likely that it did. */
	usleep(20000);
	return 0;
}

/* Watchdog: breaks the loop if it did not end within SAFETY_MS. */
static void *
watchdog_main(void *arg)
{
	struct shared *s = arg;

	if (shared_wait(s, &s->loop_done) < 0) {
		shared_set(s, &s->timed_out);
		event_base_loopbreak(s->base);
	}
	return NULL;
}

START_TEST(test_use_pthreads)
{
	struct event_base *base;

	ck_assert_int_eq(evthread_use_pthreads(), 0);
	/* A second call is harmless. */
	ck_assert_int_eq(evthread_use_pthreads(), 0);
	base = evkit_new_base();
	ck_assert_int_eq(evthread_make_base_notifiable(base), 0);
	ck_assert_int_eq(evthread_make_base_notifiable(base), 0);
	ck_assert_int_eq(event_base_loop(base, EVLOOP_NONBLOCK), 1);
	evkit_free_base(base);
	/* Again once a base existed: fine, except that debug mode treats
	 * it as a late initialisation and aborts. */
	if (!evkit_test_debug())
		ck_assert_int_eq(evthread_use_pthreads(), 0);
}
END_TEST

/* Without lock callbacks, a base can still be made notifiable. */
START_TEST(test_notifiable_without_threads)
{
	struct event_base *base = evkit_new_base();

	ck_assert_int_eq(evthread_make_base_notifiable(base), 0);
	ck_assert_int_eq(evthread_make_base_notifiable(base), 0);
	ck_assert_int_eq(event_base_loop(base, EVLOOP_NONBLOCK), 1);
	evkit_free_base(base);
}
END_TEST

/* What the helper thread does to the sleeping loop. */
enum wake_op {
	WAKE_ACTIVE,    /* event_active on an event that is not added */
	WAKE_ADD_TIMER, /* event_add of a 1 ms timer */
	WAKE_ADD_FD,    /* event_add of an fd event that is readable */
	WAKE_DEL,       /* event_del of the only event */
	WAKE_LOOPBREAK,
	WAKE_LOOPEXIT,
	WAKE_NOPS
};

static void
target_cb(evutil_socket_t fd, short what, void *arg)
{
	struct shared *s = arg;

	s->cb_calls++;
	s->cb_what = what;
	/* Not loopbreak: that could leave the wakeup event active. */
	event_base_loopexit(s->base, NULL);
}

static void *
waker_main(void *arg)
{
	struct shared *s = arg;
	struct timeval tv;

	if (wait_loop_sleeping(s) < 0) {
		shared_set(s, &s->timed_out);
		return NULL;
	}
	switch (s->op) {
	case WAKE_ACTIVE:
		event_active(s->ev, EV_READ, 1);
		s->op_result = 0;
		break;
	case WAKE_ADD_TIMER:
		s->op_result = event_add(s->ev, evkit_ms_tv(&tv, 1));
		break;
	case WAKE_ADD_FD:
		s->op_result = event_add(s->ev, NULL);
		break;
	case WAKE_DEL:
		s->op_result = event_del(s->ev);
		break;
	case WAKE_LOOPBREAK:
		s->op_result = event_base_loopbreak(s->base);
		break;
	case WAKE_LOOPEXIT:
		s->op_result = event_base_loopexit(s->base, NULL);
		break;
	}
	return NULL;
}

/*
 * The loop sleeps in the backend with no timeout (nothing but the target
 * in the base, or nothing at all with EVLOOP_NO_EXIT_ON_EMPTY); a call
 * made from another thread must wake it at once.
 */
START_TEST(test_wake_from_thread)
{
	struct shared s;
	pthread_t helper, watchdog;
	double start, elapsed;
	int flags = EVLOOP_NO_EXIT_ON_EMPTY, r;

	shared_init(&s, evkit_base);
	s.op = _i;
	switch (s.op) {
	case WAKE_ACTIVE:
		s.ev = event_new(evkit_base, -1, 0, target_cb, &s);
		break;
	case WAKE_ADD_TIMER:
		s.ev = evtimer_new(evkit_base, target_cb, &s);
		break;
	case WAKE_ADD_FD:
		s.ev = event_new(evkit_base, evkit_pair[0], EV_READ, target_cb,
		    &s);
		evkit_write(evkit_pair[1], "x");
		break;
	case WAKE_DEL:
		s.ev = event_new(evkit_base, evkit_pair[0], EV_READ, target_cb,
		    &s);
		ck_assert_int_eq(event_add(s.ev, NULL), 0);
		flags = 0; /* the loop must end when the event is gone */
		break;
	default:
		s.ev = NULL;
		break;
	}
	if (s.op < WAKE_LOOPBREAK)
		ck_assert_ptr_nonnull(s.ev);
	schedule_loop_running(&s);
	ck_assert_int_eq(pthread_create(&helper, NULL, waker_main, &s), 0);
	ck_assert_int_eq(pthread_create(&watchdog, NULL, watchdog_main, &s), 0);

	start = evkit_now_ms();
	r = event_base_loop(evkit_base, flags);
	elapsed = evkit_now_ms() - start;
	shared_set(&s, &s.loop_done);
	ck_assert_int_eq(pthread_join(helper, NULL), 0);
	ck_assert_int_eq(pthread_join(watchdog, NULL), 0);

	ck_assert_msg(!s.timed_out, "the loop was not woken (op %d)", s.op);
	ck_assert_msg(elapsed < SAFETY_MS / 2, "woken after %.0f ms", elapsed);
	ck_assert_int_eq(s.op_result, 0);
	switch (s.op) {
	case WAKE_ACTIVE:
		ck_assert_int_eq(r, 0);
		ck_assert_int_eq(s.cb_calls, 1);
		ck_assert_int_eq(s.cb_what, EV_READ);
		ck_assert_int_eq(event_base_got_exit(evkit_base), 1);
		break;
	case WAKE_ADD_TIMER:
		ck_assert_int_eq(r, 0);
		ck_assert_int_eq(s.cb_calls, 1);
		ck_assert_int_eq(s.cb_what, EV_TIMEOUT);
		break;
	case WAKE_ADD_FD:
		ck_assert_int_eq(r, 0);
		ck_assert_int_eq(s.cb_calls, 1);
		ck_assert_int_eq(s.cb_what, EV_READ);
		break;
	case WAKE_DEL:
		/* Nothing left: the loop ends as if it ran out of events. */
		ck_assert_int_eq(r, 1);
		ck_assert_int_eq(s.cb_calls, 0);
		ck_assert_int_eq(event_base_got_break(evkit_base), 0);
		break;
	case WAKE_LOOPBREAK:
		ck_assert_int_eq(r, 0);
		ck_assert_int_eq(event_base_got_break(evkit_base), 1);
		ck_assert_int_eq(event_base_got_exit(evkit_base), 0);
		break;
	case WAKE_LOOPEXIT:
		ck_assert_int_eq(r, 0);
		ck_assert_int_eq(event_base_got_exit(evkit_base), 1);
		ck_assert_int_eq(event_base_got_break(evkit_base), 0);
		break;
	}
	if (s.ev)
		event_free(s.ev);
	shared_destroy(&s);
}
END_TEST

/* How the helper deletes the event whose callback is running. */
enum del_op {
	DEL_AUTO,           /* event_del: blocks */
	DEL_BLOCK,          /* event_del_block: blocks */
	DEL_BLOCK_FINALIZE, /* event_del_block, EV_FINALIZE: blocks */
	DEL_NOBLOCK,        /* event_del_noblock: returns at once */
	DEL_AUTO_FINALIZE,  /* event_del, EV_FINALIZE: returns at once */
	DEL_NOPS
};

static int
del_op_blocks(int op)
{
	return op == DEL_AUTO || op == DEL_BLOCK || op == DEL_BLOCK_FINALIZE;
}

/*
 * The callback of a persistent read event: the first call says it started,
 * then either sleeps 100 ms (the helper is expected to be blocked in
 * event_del meanwhile) or waits until the helper releases it.
 */
static void
slow_cb(evutil_socket_t fd, short what, void *arg)
{
	struct shared *s = arg;

	s->cb_calls++;
	if (s->cb_calls > 1)
		return;
	shared_set(s, &s->cb_started);
	if (s->cb_sleeps)
		usleep(100000);
	else
		shared_wait(s, &s->released);
	shared_set(s, &s->cb_finished);
}

static void *
deleter_main(void *arg)
{
	struct shared *s = arg;

	if (shared_wait(s, &s->cb_started) < 0) {
		shared_set(s, &s->timed_out);
		return NULL;
	}
	switch (s->op) {
	case DEL_AUTO:
	case DEL_AUTO_FINALIZE:
		s->op_result = event_del(s->ev);
		break;
	case DEL_BLOCK:
	case DEL_BLOCK_FINALIZE:
		s->op_result = event_del_block(s->ev);
		break;
	case DEL_NOBLOCK:
		s->op_result = event_del_noblock(s->ev);
		break;
	}
	s->finished_at_return = shared_get(s, &s->cb_finished);
	shared_set(s, &s->released);
	return NULL;
}

/*
 * event_del from another thread while the callback runs waits for the
 * callback to return, unless told not to (event_del_noblock) or the event
 * has EV_FINALIZE (then only event_del_block waits).
 */
START_TEST(test_del_while_running)
{
	struct shared s;
	pthread_t helper;
	short events = EV_READ | EV_PERSIST;
	int r;

	shared_init(&s, evkit_base);
	s.op = _i;
	s.cb_sleeps = del_op_blocks(s.op);
	if (s.op == DEL_BLOCK_FINALIZE || s.op == DEL_AUTO_FINALIZE)
		events |= EV_FINALIZE;
	s.ev = event_new(evkit_base, evkit_pair[0], events, slow_cb, &s);
	ck_assert_ptr_nonnull(s.ev);
	ck_assert_int_eq(event_add(s.ev, NULL), 0);
	evkit_write(evkit_pair[1], "x"); /* never drained: fires until del */
	ck_assert_int_eq(pthread_create(&helper, NULL, deleter_main, &s), 0);

	/* Ends when the helper has deleted the only event. */
	r = event_base_dispatch(evkit_base);
	ck_assert_int_eq(pthread_join(helper, NULL), 0);
	ck_assert(!s.timed_out);
	ck_assert_int_eq(r, 1);
	ck_assert_int_eq(s.op_result, 0);
	ck_assert_int_eq(s.cb_finished, 1);
	if (del_op_blocks(s.op))
		ck_assert_msg(s.finished_at_return,
		    "del op %d returned while the callback ran", s.op);
	else
		ck_assert_msg(!s.finished_at_return,
		    "del op %d waited for the callback", s.op);
	ck_assert_int_eq(event_pending(s.ev, EV_READ, NULL), 0);
	event_free(s.ev);
	shared_destroy(&s);
}
END_TEST

static void
finalize_cb(struct event *ev, void *arg)
{
	struct shared *s = arg;

	s->fin_calls++;
	s->fin_ev = ev;
	s->fin_in_loop_thread = pthread_equal(pthread_self(), s->loop_thread);
	s->fin_after_cb = shared_get(s, &s->cb_finished);
}

/* Finalizer for caller-allocated events: frees the storage. */
static void
finalize_free_cb(struct event *ev, void *arg)
{
	finalize_cb(ev, arg);
	free(ev);
}

static void *
finalizer_main(void *arg)
{
	struct shared *s = arg;

	if (shared_wait(s, &s->cb_started) < 0) {
		shared_set(s, &s->timed_out);
		return NULL;
	}
	if (s->op == 0)
		s->op_result = event_finalize(0, s->ev, finalize_free_cb);
	else
		s->op_result = event_free_finalize(0, s->ev, finalize_cb);
	s->finished_at_return = shared_get(s, &s->cb_finished);
	shared_set(s, &s->released);
	return NULL;
}

/*
 * event_finalize (_i == 0) and event_free_finalize (_i == 1) from another
 * thread while the callback runs: the call does not wait, and the
 * finalizer runs once, in the loop thread, after the callback returned.
 */
START_TEST(test_finalize_while_running)
{
	struct shared s;
	pthread_t helper;
	struct event *ev;
	int r;

	shared_init(&s, evkit_base);
	s.op = _i;
	if (s.op == 0) {
		ev = malloc(event_get_struct_event_size());
		ck_assert_ptr_nonnull(ev);
		ck_assert_int_eq(event_assign(ev, evkit_base, evkit_pair[0],
		                     EV_READ | EV_PERSIST | EV_FINALIZE,
		                     slow_cb, &s),
		    0);
	} else {
		ev = event_new(evkit_base, evkit_pair[0],
		    EV_READ | EV_PERSIST | EV_FINALIZE, slow_cb, &s);
		ck_assert_ptr_nonnull(ev);
	}
	s.ev = ev; /* slow_cb waits to be released rather than sleeping */
	ck_assert_int_eq(event_add(ev, NULL), 0);
	evkit_write(evkit_pair[1], "x");
	ck_assert_int_eq(pthread_create(&helper, NULL, finalizer_main, &s), 0);

	r = event_base_dispatch(evkit_base);
	ck_assert_int_eq(pthread_join(helper, NULL), 0);
	ck_assert(!s.timed_out);
	ck_assert_int_eq(r, 1);
	ck_assert_int_eq(s.op_result, 0);
	ck_assert_msg(!s.finished_at_return, "finalize waited for callback");
	ck_assert_int_eq(s.cb_calls, 1);
	ck_assert_int_eq(s.fin_calls, 1);
	ck_assert_ptr_eq(s.fin_ev, ev);
	ck_assert(s.fin_in_loop_thread);
	ck_assert(s.fin_after_cb);
	/* The event is gone (freed by the finalizer or by the library). */
	shared_destroy(&s);
}
END_TEST

/*
 * Finalizing an idle event: the finalizer runs in the next loop iteration
 * (_i == 0), or from event_base_free when no loop runs again (_i == 1).
 * add/active no longer work on the event meanwhile.
 */
START_TEST(test_finalize_idle)
{
	struct shared s;
	struct event_base *base;
	struct event *ev;
	int r;

	base = evkit_new_base();
	shared_init(&s, base);
	shared_set(&s, &s.cb_finished);
	ev = event_new(base, evkit_pair[0], EV_READ | EV_PERSIST | EV_FINALIZE,
	    slow_cb, &s);
	ck_assert_ptr_nonnull(ev);
	ck_assert_int_eq(event_add(ev, NULL), 0);
	ck_assert_int_eq(event_free_finalize(0, ev, finalize_cb), 0);
	ck_assert_int_eq(s.fin_calls, 0);
	/* Deleted, and it cannot come back. */
	ck_assert_int_eq(event_pending(ev, EV_READ, NULL), 0);
	ck_assert_int_eq(event_add(ev, NULL), -1);
	event_active(ev, EV_READ, 1);
	ck_assert_int_eq(event_del(ev), 0);
	ck_assert_int_eq(event_pending(ev, EV_READ, NULL), 0);
	evkit_write(evkit_pair[1], "x");
	if (_i == 0) {
		r = event_base_loop(base, EVLOOP_NONBLOCK);
		ck_assert_int_eq(s.fin_calls, 1);
		ck_assert_int_eq(s.cb_calls, 0);
		ck_assert_int_eq(r, 1);
		ck_assert_int_eq(event_base_loop(base, EVLOOP_NONBLOCK), 1);
		ck_assert_int_eq(s.fin_calls, 1);
	}
	event_base_free(base);
	ck_assert_int_eq(s.fin_calls, 1);
	ck_assert_int_eq(s.cb_calls, 0);
	ck_assert(s.fin_in_loop_thread);
	shared_destroy(&s);
}
END_TEST

static void
count_cb(evutil_socket_t fd, short what, void *arg)
{
	int *n = arg;

	(*n)++;
}

struct storm {
	struct event_base *base;
	struct event *ev;
	int n;
};

static void *
storm_main(void *arg)
{
	struct storm *st = arg;
	struct timeval tv;
	int i;

	for (i = 0; i < st->n; i++) {
		event_active(st->ev, EV_READ, 1);
		if (i % 10 == 0) {
			event_del(st->ev);
			event_add(st->ev, evkit_ms_tv(&tv, 1000));
		}
	}
	event_base_loopexit(st->base, evkit_ms_tv(&tv, 20));
	return NULL;
}

/* Two threads hammer one event; exercises every lock path once. */
static void
threaded_workload(struct event_base *base)
{
	evutil_socket_t pair[2];
	struct storm st = { .base = base, .n = 200 };
	struct event *io, *timer;
	struct timeval tv;
	pthread_t tid;
	int calls = 0, io_calls = 0, timer_calls = 0;

	evkit_socketpair(pair);
	st.ev = event_new(base, -1, EV_PERSIST, count_cb, &calls);
	io = event_new(base, pair[0], EV_READ, count_cb, &io_calls);
	timer = evtimer_new(base, count_cb, &timer_calls);
	ck_assert_ptr_nonnull(st.ev);
	ck_assert_ptr_nonnull(io);
	ck_assert_ptr_nonnull(timer);
	ck_assert_int_eq(event_add(io, NULL), 0);
	ck_assert_int_eq(evtimer_add(timer, evkit_ms_tv(&tv, 1)), 0);
	evkit_write(pair[1], "x");
	ck_assert_int_eq(pthread_create(&tid, NULL, storm_main, &st), 0);
	ck_assert_int_eq(event_base_loop(base, EVLOOP_NO_EXIT_ON_EMPTY), 0);
	ck_assert_int_eq(pthread_join(tid, NULL), 0);
	ck_assert_int_ge(calls, 1);
	ck_assert_int_eq(io_calls, 1);
	ck_assert_int_eq(timer_calls, 1);
	event_free(st.ev);
	event_free(io);
	event_free(timer);
	evkit_close(&pair[0]);
	evkit_close(&pair[1]);
}

/* With lock debugging on, a threaded workload trips no lock assertion. */
START_TEST(test_lock_debugging)
{
	struct event_base *base;

	ck_assert_int_eq(evthread_use_pthreads(), 0);
	evthread_enable_lock_debugging();
	base = evkit_new_base();
	threaded_workload(base);
	evkit_free_base(base);
	libevent_global_shutdown();
}
END_TEST

/* Counting wrappers around pthreads. */
static struct {
	int lock_alloc, lock_free;
	int lock, unlock, lock_fail;
	int cond_alloc, cond_free, cond_signal, cond_wait;
	int id;
} counts;

#define COUNT(field) __atomic_add_fetch(&counts.field, 1, __ATOMIC_SEQ_CST)
#define COUNT_GET(field) __atomic_load_n(&counts.field, __ATOMIC_SEQ_CST)

static void *
count_lock_alloc(unsigned locktype)
{
	pthread_mutexattr_t attr;
	pthread_mutex_t *m = malloc(sizeof(*m));

	if (m == NULL)
		return NULL;
	pthread_mutexattr_init(&attr);
	if (locktype & EVTHREAD_LOCKTYPE_RECURSIVE)
		pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(m, &attr);
	pthread_mutexattr_destroy(&attr);
	COUNT(lock_alloc);
	return m;
}

static void
count_lock_free(void *lock, unsigned locktype)
{
	COUNT(lock_free);
	pthread_mutex_destroy(lock);
	free(lock);
}

static int
count_lock(unsigned mode, void *lock)
{
	int r;

	if (mode & EVTHREAD_TRY)
		r = pthread_mutex_trylock(lock);
	else
		r = pthread_mutex_lock(lock);
	if (r == 0)
		COUNT(lock);
	else
		COUNT(lock_fail);
	return r;
}

static int
count_unlock(unsigned mode, void *lock)
{
	COUNT(unlock);
	return pthread_mutex_unlock(lock);
}

static void *
count_cond_alloc(unsigned condtype)
{
	pthread_cond_t *c = malloc(sizeof(*c));

	if (c == NULL)
		return NULL;
	pthread_cond_init(c, NULL);
	COUNT(cond_alloc);
	return c;
}

static void
count_cond_free(void *cond)
{
	COUNT(cond_free);
	pthread_cond_destroy(cond);
	free(cond);
}

static int
count_cond_signal(void *cond, int broadcast)
{
	COUNT(cond_signal);
	return broadcast ? pthread_cond_broadcast(cond)
	                 : pthread_cond_signal(cond);
}

static int
count_cond_wait(void *cond, void *lock, const struct timeval *tv)
{
	struct timespec ts;
	struct timeval now;
	int r;

	COUNT(cond_wait);
	/* Unlocked and relocked around the wait. */
	COUNT(unlock);
	if (tv == NULL) {
		r = pthread_cond_wait(cond, lock);
	} else {
		gettimeofday(&now, NULL);
		ts.tv_sec = now.tv_sec + tv->tv_sec;
		ts.tv_nsec = (now.tv_usec + tv->tv_usec) * 1000L;
		ts.tv_sec += ts.tv_nsec / 1000000000L;
		ts.tv_nsec %= 1000000000L;
		r = pthread_cond_timedwait(cond, lock, &ts);
		r = r == ETIMEDOUT ? 1 : r ? -1 : 0;
	}
	COUNT(lock);
	return r;
}

static unsigned long
count_id(void)
{
	COUNT(id);
	return (unsigned long)pthread_self();
}

static const struct evthread_lock_callbacks count_lock_cbs = {
	EVTHREAD_LOCK_API_VERSION,
	EVTHREAD_LOCKTYPE_RECURSIVE,
	count_lock_alloc,
	count_lock_free,
	count_lock,
	count_unlock,
};

static const struct evthread_condition_callbacks count_cond_cbs = {
	EVTHREAD_CONDITION_API_VERSION,
	count_cond_alloc,
	count_cond_free,
	count_cond_signal,
	count_cond_wait,
};

/*
 * User lock callbacks: the library uses them (and only them) for every
 * base, takes and releases locks in balance, and frees what a base
 * allocated when the base is freed.
 */
START_TEST(test_custom_lock_callbacks)
{
	struct event_base *base;
	struct shared s;
	pthread_t helper;
	int alloc0, free0, cond_alloc0, cond_free0;

	ck_assert_int_eq(evthread_set_lock_callbacks(&count_lock_cbs), 0);
	/* Setting the same table again is accepted. */
	ck_assert_int_eq(evthread_set_lock_callbacks(&count_lock_cbs), 0);
	ck_assert_int_eq(evthread_set_condition_callbacks(&count_cond_cbs), 0);
	evthread_set_id_callback(count_id);
	ck_assert_int_eq(COUNT_GET(lock), COUNT_GET(unlock));

	alloc0 = COUNT_GET(lock_alloc);
	free0 = COUNT_GET(lock_free);
	cond_alloc0 = COUNT_GET(cond_alloc);
	cond_free0 = COUNT_GET(cond_free);
	base = evkit_new_base();
	ck_assert_int_gt(COUNT_GET(lock_alloc), alloc0);
	ck_assert_int_gt(COUNT_GET(cond_alloc), cond_alloc0);
	ck_assert_int_eq(COUNT_GET(lock), COUNT_GET(unlock));

	threaded_workload(base);
	ck_assert_int_gt(COUNT_GET(lock), 0);
	ck_assert_int_eq(COUNT_GET(lock), COUNT_GET(unlock));
	ck_assert_int_eq(COUNT_GET(lock_fail), 0);
	ck_assert_int_gt(COUNT_GET(id), 0);

	/* A blocking event_del from another thread waits on a condition. */
	shared_init(&s, base);
	s.op = DEL_AUTO;
	s.cb_sleeps = 1;
	s.ev = event_new(base, -1, EV_PERSIST, slow_cb, &s);
	ck_assert_ptr_nonnull(s.ev);
	event_active(s.ev, EV_READ, 1);
	ck_assert_int_eq(pthread_create(&helper, NULL, deleter_main, &s), 0);
	ck_assert_int_eq(event_base_loop(base, EVLOOP_ONCE), 0);
	ck_assert_int_eq(pthread_join(helper, NULL), 0);
	ck_assert(!s.timed_out);
	ck_assert(s.finished_at_return);
	ck_assert_int_gt(COUNT_GET(cond_wait), 0);
	ck_assert_int_gt(COUNT_GET(cond_signal), 0);
	event_free(s.ev);
	shared_destroy(&s);
	ck_assert_int_eq(COUNT_GET(lock), COUNT_GET(unlock));

	evkit_free_base(base);
	ck_assert_int_eq(COUNT_GET(lock), COUNT_GET(unlock));
	/* What the base allocated, it freed. */
	ck_assert_int_eq(COUNT_GET(lock_alloc) - alloc0,
	    COUNT_GET(lock_free) - free0);
	ck_assert_int_eq(COUNT_GET(cond_alloc) - cond_alloc0,
	    COUNT_GET(cond_free) - cond_free0);

	/* The global locks go at shutdown. */
	libevent_global_shutdown();
	ck_assert_int_eq(COUNT_GET(lock_alloc), COUNT_GET(lock_free));
	ck_assert_int_eq(COUNT_GET(cond_alloc), COUNT_GET(cond_free));
	ck_assert_int_eq(COUNT_GET(lock), COUNT_GET(unlock));
}
END_TEST

static void
quiet_log_cb(int severity, const char *msg)
{
}

/* Once locking is set up, other lock callbacks are refused. */
START_TEST(test_lock_callbacks_locked_in)
{
	event_set_log_callback(quiet_log_cb);
	ck_assert_int_eq(evthread_use_pthreads(), 0);
	ck_assert_int_eq(evthread_set_lock_callbacks(&count_lock_cbs), -1);
	ck_assert_int_eq(COUNT_GET(lock_alloc), 0);
	/* Still usable. */
	ck_assert_int_eq(evthread_use_pthreads(), 0);
	event_set_log_callback(NULL);
}
END_TEST

Suite *
thread_suite(void)
{
	Suite *s = suite_create("thread");
	TCase *tc;

	tc = tcase_create("setup");
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, test_use_pthreads);
	tcase_add_test(tc, test_notifiable_without_threads);
	tcase_add_test(tc, test_lock_debugging);
	tcase_add_test(tc, test_custom_lock_callbacks);
	tcase_add_test(tc, test_lock_callbacks_locked_in);
	suite_add_tcase(s, tc);

	tc = tcase_create("cross-thread");
	tcase_add_checked_fixture(tc, thread_setup, evkit_teardown);
	tcase_set_timeout(tc, 15);
	tcase_add_loop_test(tc, test_wake_from_thread, 0, WAKE_NOPS);
	tcase_add_loop_test(tc, test_del_while_running, 0, DEL_NOPS);
	tcase_add_loop_test(tc, test_finalize_while_running, 0, 2);
	tcase_add_loop_test(tc, test_finalize_idle, 0, 2);
	suite_add_tcase(s, tc);
	return s;
}
