/*
 * tests/check_watch.c: prepare and check watchers (event2/watch.h, as in
 * libevent 2.2) and evkit's idle watchers (event2/watch_idle.h).
 *
 * libevent 2.1 has no watch.h, so this suite is left out of
 * `make libevent-check`; where libevent 2.2's behaviour was in doubt its
 * event.c was read and matched (watchers created from a callback of the
 * kind being run join that pass; the info's timeout is the one handed to
 * the backend, zero when the wait will not block).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/thread.h>
#include <event2/watch.h>
#include <event2/watch_idle.h>

#include "check-internal.h"

/* What a watcher callback records and does; one per watcher. */
struct wprobe {
	char tag;
	int calls;
	struct evwatch *self;
	struct evwatch *seen; /* the watcher the callback was given */
	struct event_base *base;
	int got_timeout;        /* evwatch_prepare_get_timeout's result */
	struct timeval timeout; /* ... and what it stored */
	void (*action)(struct wprobe *);
	struct wprobe *other; /* what `action` works on */
};

static void
wprobe_note(struct evwatch *w, struct wprobe *p)
{
	p->calls++;
	p->seen = w;
	evkit_order_note(p->tag);
	if (p->action)
		p->action(p);
}

static void
prepare_cb(struct evwatch *w, const struct evwatch_prepare_cb_info *info,
    void *arg)
{
	struct wprobe *p = arg;

	p->timeout.tv_sec = 123;
	p->timeout.tv_usec = 456;
	p->got_timeout = evwatch_prepare_get_timeout(info, &p->timeout);
	wprobe_note(w, p);
}

static void
check_cb(struct evwatch *w, const struct evwatch_check_cb_info *info, void *arg)
{
	(void)info;
	wprobe_note(w, arg);
}

static void
idle_cb(struct evwatch *w, void *arg)
{
	wprobe_note(w, arg);
}

static struct evwatch *
new_prepare(struct wprobe *p)
{
	p->self = evwatch_prepare_new(evkit_base, prepare_cb, p);
	ck_assert_ptr_nonnull(p->self);
	return p->self;
}

static struct evwatch *
new_check(struct wprobe *p)
{
	p->self = evwatch_check_new(evkit_base, check_cb, p);
	ck_assert_ptr_nonnull(p->self);
	return p->self;
}

static struct evwatch *
new_idle(struct wprobe *p)
{
	p->self = evwatch_idle_new(evkit_base, idle_cb, p);
	ck_assert_ptr_nonnull(p->self);
	return p->self;
}

static void
free_self(struct wprobe *p)
{
	evwatch_free(p->self);
	p->self = NULL;
}

static void
free_other(struct wprobe *p)
{
	if (p->other->self) {
		evwatch_free(p->other->self);
		p->other->self = NULL;
	}
}

/* Makes evkit_pair[1] readable: the loop's wait returns. */
static void
wake_pair(struct wprobe *p)
{
	(void)p;
	evkit_write(evkit_pair[0], "x");
}

/* What evwatch_prepare_get_timeout said in p's last call. */
static void
assert_timeout(const struct wprobe *p, int ret, long sec, long usec)
{
	ck_assert_int_eq(p->got_timeout, ret);
	ck_assert_int_eq(p->timeout.tv_sec, sec);
	ck_assert_int_eq(p->timeout.tv_usec, usec);
}

/* Frees every watcher still set in the probes. */
static void
free_probes(struct wprobe *probes, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		if (probes[i].self) {
			evwatch_free(probes[i].self);
			probes[i].self = NULL;
		}
	}
}

/* A read event on evkit_pair[1] that notes 'E' and drains the socket. */
static void
drain_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)what;
	(void)arg;
	evkit_order_note('E');
	evkit_drain(fd);
}

static struct event *
new_reader(short flags)
{
	struct event *ev = event_new(evkit_base, evkit_pair[1], EV_READ | flags,
	    drain_cb, NULL);

	ck_assert_ptr_nonnull(ev);
	ck_assert_int_eq(event_add(ev, NULL), 0);
	return ev;
}

/*
 * Prepare callbacks run before the wait (the first writes the byte the
 * wait then finds: a wait before it would block for good), check
 * callbacks after it and before the event's callback, each kind in the
 * order of creation; a freed watcher is not called again.
 */
START_TEST(test_order)
{
	struct wprobe p[4] = { { .tag = 'a', .action = wake_pair },
		{ .tag = 'b' }, { .tag = 'y' }, { .tag = 'z' } };
	struct event *ev = new_reader(EV_PERSIST);

	new_prepare(&p[0]);
	new_check(&p[2]);
	new_prepare(&p[1]);
	new_check(&p[3]);
	ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_ONCE), 0);
	ck_assert_str_eq(evkit_order, "abyzE");

	evwatch_free(p[1].self);
	p[1].self = NULL;
	evwatch_free(p[2].self);
	p[2].self = NULL;
	ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_ONCE), 0);
	ck_assert_str_eq(evkit_order, "abyzEazE");
	free_probes(p, 4);
	event_free(ev);
}
END_TEST

/* A wait with no time limit: 0, and the timeval is left alone. */
START_TEST(test_timeout_none)
{
	struct wprobe p = { .tag = 'p', .action = wake_pair };
	struct event *ev = new_reader(0);

	new_prepare(&p);
	ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_ONCE), 0);
	ck_assert_str_eq(evkit_order, "pE");
	assert_timeout(&p, 0, 123, 456);
	free_probes(&p, 1);
	event_free(ev);
}
END_TEST

/* With a timer pending: 1 and the time left until it is due. */
START_TEST(test_timeout_timer)
{
	struct wprobe p = { .tag = 'p', .action = wake_pair };
	struct event *ev = new_reader(0);
	struct event *timer = evtimer_new(evkit_base, evkit_noop_cb, NULL);
	struct timeval tv;
	double ms;

	ck_assert_ptr_nonnull(timer);
	ck_assert_int_eq(evtimer_add(timer, evkit_ms_tv(&tv, 4000)), 0);
	new_prepare(&p);
	ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_ONCE), 0);
	ck_assert_str_eq(evkit_order, "pE");
	ck_assert_int_eq(p.got_timeout, 1);
	ms = evkit_tv_ms(&p.timeout);
	ck_assert(ms > 2000 && ms <= 4000);
	free_probes(&p, 1);
	event_free(timer);
	event_free(ev);
}
END_TEST

/* A wait that will not block reports a zero timeout. */
START_TEST(test_timeout_nonblock)
{
	struct wprobe p = { .tag = 'p' };
	struct event *ev = new_reader(0);
	struct event *timer = evtimer_new(evkit_base, evkit_noop_cb, NULL);
	struct timeval tv;

	ck_assert_ptr_nonnull(timer);
	ck_assert_int_eq(evtimer_add(timer, evkit_ms_tv(&tv, 4000)), 0);
	new_prepare(&p);
	ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_NONBLOCK), 0);
	ck_assert_str_eq(evkit_order, "p");
	assert_timeout(&p, 1, 0, 0);
	free_probes(&p, 1);
	event_free(timer);
	event_free(ev);
}
END_TEST

/* Nor does one with callbacks already active. */
START_TEST(test_timeout_active)
{
	struct wprobe p = { .tag = 'p' };
	struct event *ev = new_reader(0);

	new_prepare(&p);
	event_active(ev, EV_READ, 1);
	ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_ONCE), 0);
	ck_assert_str_eq(evkit_order, "pE");
	assert_timeout(&p, 1, 0, 0);
	free_probes(&p, 1);
	event_free(ev);
}
END_TEST

static struct event *shorten_timer, *shorten_reader;
static int first_got_timeout;

static void
add_soon_timer(struct wprobe *p)
{
	struct timeval tv = { 0, 1000 };

	if (p->calls == 1) {
		first_got_timeout = p->got_timeout;
		ck_assert_int_eq(evtimer_add(shorten_timer, &tv), 0);
	}
}

static void
activate_reader(struct wprobe *p)
{
	(void)p;
	event_active(shorten_reader, EV_READ, 1);
}

static void
break_loop(struct wprobe *p)
{
	event_base_loopbreak(p->base);
}

/*
 * What a prepare callback does shortens the wait that follows: a timer it
 * adds, an event it activates, a loopbreak.  Each time the only other
 * event is a reader that never becomes ready, so a wait computed before
 * the callback would never end (the test case's timeout fails it).
 */
START_TEST(test_prepare_shortens_wait)
{
	struct wprobe p = { .tag = 'p', .action = add_soon_timer };
	struct probe tp = PROBE('T');

	shorten_reader = new_reader(EV_PERSIST);
	shorten_timer = evtimer_new(evkit_base, evkit_probe_cb, &tp);
	ck_assert_ptr_nonnull(shorten_timer);
	new_prepare(&p);
	while (tp.calls == 0)
		ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_ONCE), 0);
	ck_assert_int_eq(first_got_timeout, 0); /* asked before the timer */

	p.action = activate_reader;
	evkit_order_reset();
	ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_ONCE), 0);
	ck_assert_str_eq(evkit_order, "pE");

	p.action = break_loop;
	p.base = evkit_base;
	evkit_order_reset();
	ck_assert_int_eq(event_base_dispatch(evkit_base), 0);
	ck_assert_str_eq(evkit_order, "p");
	free_probes(&p, 1);
	event_free(shorten_timer);
	event_free(shorten_reader);
}
END_TEST

/* evwatch_base, and the watcher handed to the callback is the watcher. */
START_TEST(test_watch_base)
{
	struct wprobe p[3] = { { .tag = 'p' }, { .tag = 'c' }, { .tag = 'i' } };
	struct event_base *other = evkit_new_base();
	struct evwatch *w = evwatch_prepare_new(other, prepare_cb, &p[0]);
	int i;

	ck_assert_ptr_nonnull(w);
	ck_assert_ptr_eq(evwatch_base(w), other);
	evwatch_free(w);
	evkit_free_base(other);

	new_prepare(&p[0]);
	new_check(&p[1]);
	new_idle(&p[2]);
	for (i = 0; i < 3; i++)
		ck_assert_ptr_eq(evwatch_base(p[i].self), evkit_base);
	ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_NONBLOCK), 0);
	ck_assert_str_eq(evkit_order, "pci");
	for (i = 0; i < 3; i++)
		ck_assert_ptr_eq(p[i].seen, p[i].self);
	free_probes(p, 3);
}
END_TEST

/* Prepare and check watchers alone do not keep the loop running. */
START_TEST(test_not_alive)
{
	struct wprobe p[2] = { { .tag = 'p' }, { .tag = 'c' } };

	new_prepare(&p[0]);
	new_check(&p[1]);
	ck_assert_int_eq(event_base_dispatch(evkit_base), 1);
	ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_ONCE), 1);
	ck_assert_str_eq(evkit_order, "");
	free_probes(p, 2);
}
END_TEST

/*
 * A callback frees its own watcher, or another one that would run later
 * in the same pass (which then does not run); the others still run.
 */
START_TEST(test_free_from_callback)
{
	struct wprobe p[5] = { { .tag = 'a', .action = free_self },
		{ .tag = 'b', .action = free_other }, { .tag = 'c' },
		{ .tag = 'd' }, { .tag = 'y', .action = free_self } };
	struct event *ev = new_reader(EV_PERSIST);
	int i;

	p[1].other = &p[2];
	for (i = 0; i < 4; i++)
		new_prepare(&p[i]);
	new_check(&p[4]);
	ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_NONBLOCK), 0);
	ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_NONBLOCK), 0);
	ck_assert_str_eq(evkit_order, "abdybd");
	ck_assert_ptr_null(p[0].self);
	ck_assert_ptr_null(p[2].self);
	ck_assert_ptr_null(p[4].self);
	free_probes(p, 5);
	event_free(ev);
}
END_TEST

static struct wprobe added[3];

/* Creates a prepare, a check and an idle watcher, once. */
static void
add_watchers(struct wprobe *p)
{
	(void)p;
	if (added[0].self)
		return;
	new_prepare(&added[0]);
	new_check(&added[1]);
	new_idle(&added[2]);
}

/* The last prepare watcher frees itself and creates its successor. */
static void
replace_self(struct wprobe *p)
{
	free_self(p);
	if (!p->other->self)
		new_prepare(p->other);
}

/*
 * Watchers created from a callback run in the same iteration when their
 * kind has not run yet or is the one running (libevent 2.2 walks the
 * list they were appended to), even when the creator freed itself.
 */
START_TEST(test_add_from_callback)
{
	struct wprobe p[3] = { { .tag = 'a', .action = add_watchers },
		{ .tag = 'b', .action = replace_self }, { .tag = 'B' } };
	struct event *ev = new_reader(EV_PERSIST);

	memset(added, 0, sizeof(added));
	added[0].tag = 'n';
	added[1].tag = 'x';
	added[2].tag = 'i';
	p[1].other = &p[2];
	new_prepare(&p[0]);
	new_prepare(&p[1]);
	ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_NONBLOCK), 0);
	ck_assert_str_eq(evkit_order, "abnBxi");
	ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_NONBLOCK), 0);
	ck_assert_str_eq(evkit_order, "abnBxianBxi");
	free_probes(p, 3);
	free_probes(added, 3);
	event_free(ev);
}
END_TEST

/*
 * event_base_free frees the watchers left on the base, of every kind
 * (the sanitizer build's leak check watches too), and a watcher that
 * cannot be allocated is reported as NULL.
 */
START_TEST(test_freed_with_base)
{
	struct event_base *base;
	long before;
	int i;

	evkit_count_blocks();
	/* A first base sets up what lives on (debug mode's event table). */
	base = event_base_new();
	ck_assert_ptr_nonnull(base);
	event_base_free(base);
	before = evkit_live_blocks;
	base = event_base_new();
	ck_assert_ptr_nonnull(base);
	for (i = 0; i < 3; i++) {
		ck_assert_ptr_nonnull(
		    evwatch_prepare_new(base, prepare_cb, NULL));
		ck_assert_ptr_nonnull(evwatch_check_new(base, check_cb, NULL));
		ck_assert_ptr_nonnull(evwatch_idle_new(base, idle_cb, NULL));
	}
	evkit_fail_malloc = 1;
	ck_assert_ptr_null(evwatch_prepare_new(base, prepare_cb, NULL));
	ck_assert_ptr_null(evwatch_check_new(base, check_cb, NULL));
	ck_assert_ptr_null(evwatch_idle_new(base, idle_cb, NULL));
	evkit_fail_malloc = 0;
	ck_assert(evkit_live_blocks >= before + 9);
	event_base_free(base);
	ck_assert_int_eq(evkit_live_blocks, before);
	event_set_mem_functions(malloc, realloc, free);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Idle watchers.                                                      */

/*
 * An idle watcher runs only in an iteration where nothing else happened:
 * not when an fd was ready, not when a timer was due, and after the
 * check callbacks when it does run.
 */
START_TEST(test_idle_only_when_nothing_else)
{
	struct wprobe p[2] = { { .tag = 'c' }, { .tag = 'i' } };
	struct event *ev = new_reader(0);
	struct probe tp = PROBE('T');
	struct event *timer = evtimer_new(evkit_base, evkit_probe_cb, &tp);
	struct timeval tv = { 0, 0 };

	ck_assert_ptr_nonnull(timer);
	new_check(&p[0]);
	new_idle(&p[1]);
	evkit_write(evkit_pair[0], "x");
	ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_ONCE), 0);
	ck_assert_str_eq(evkit_order, "cE");

	ck_assert_int_eq(evtimer_add(timer, &tv), 0);
	ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_ONCE), 0);
	ck_assert_str_eq(evkit_order, "cEcT");

	ck_assert_int_eq(event_add(ev, NULL), 0);
	ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_NONBLOCK), 0);
	ck_assert_str_eq(evkit_order, "cEcTci");
	free_probes(p, 2);
	event_del(ev);
	event_free(timer);
	event_free(ev);
}
END_TEST

static void
break_at_five(struct wprobe *p)
{
	if (p->calls == 5)
		event_base_loopbreak(p->base);
}

static void
guard_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	*(int *)arg = 1;
	event_base_loopbreak(evkit_base);
}

/*
 * While an idle watcher exists the loop does not block: with only a
 * never-ready fd and a far timer, the idle callback runs again and again
 * (the guard timer would end a loop that slept), and a prepare callback
 * sees a zero timeout.
 */
START_TEST(test_idle_no_block)
{
	struct wprobe p = { .tag = 'i', .action = break_at_five };
	struct wprobe prep = { .tag = 'p' };
	struct event *ev = new_reader(0);
	struct event *guard;
	struct timeval tv;
	int guard_fired = 0;

	guard = evtimer_new(evkit_base, guard_cb, &guard_fired);
	ck_assert_ptr_nonnull(guard);
	ck_assert_int_eq(evtimer_add(guard, evkit_ms_tv(&tv, 5000)), 0);
	p.base = evkit_base;
	new_prepare(&prep);
	new_idle(&p);
	ck_assert_int_eq(event_base_dispatch(evkit_base), 0);
	ck_assert_int_eq(guard_fired, 0);
	ck_assert_int_eq(p.calls, 5);
	ck_assert_str_eq(evkit_order, "pipipipipi");
	assert_timeout(&prep, 1, 0, 0);
	free_probes(&p, 1);
	free_probes(&prep, 1);
	event_free(guard);
	event_free(ev);
}
END_TEST

/* After the prepare callback that follows the idle one's self-free... */
static void
wake_if_blocking(struct wprobe *p)
{
	if (p->calls == 2)
		evkit_write(evkit_pair[0], "x");
}

/*
 * A freed idle watcher stops: it is not called again, and the next wait
 * blocks again (no timeout; the prepare callback then writes the byte
 * that ends it).
 */
START_TEST(test_idle_stops_when_freed)
{
	struct wprobe p = { .tag = 'i', .action = free_self };
	struct wprobe prep = { .tag = 'p', .action = wake_if_blocking };
	struct event *ev = new_reader(0);

	new_prepare(&prep);
	new_idle(&p);
	ck_assert_int_eq(event_base_dispatch(evkit_base), 1);
	ck_assert_str_eq(evkit_order, "pipE");
	ck_assert_int_eq(p.calls, 1);
	ck_assert_int_eq(prep.got_timeout, 0);
	free_probes(&prep, 1);
	event_free(ev);
}
END_TEST

static void
free_at_three(struct wprobe *p)
{
	if (p->calls == 3)
		free_self(p);
}

/*
 * An idle watcher keeps the loop alive, as libev's and libuv's do: a
 * base with nothing else runs until the watcher is freed, then returns
 * "no events".
 */
START_TEST(test_idle_keeps_alive)
{
	struct wprobe p = { .tag = 'i', .action = free_at_three };

	new_idle(&p);
	ck_assert_int_eq(event_base_dispatch(evkit_base), 1);
	ck_assert_int_eq(p.calls, 3);
	ck_assert_str_eq(evkit_order, "iii");
}
END_TEST

static struct event *activate_me;

static void
activate_at_three(struct wprobe *p)
{
	if (p->calls == 3)
		event_active(activate_me, EV_READ, 1);
}

/*
 * Idle callbacks are not event callbacks: EVLOOP_ONCE goes on until an
 * event ran (here one the third idle call activates).
 */
START_TEST(test_idle_loop_once)
{
	struct wprobe p = { .tag = 'i', .action = activate_at_three };

	activate_me = new_reader(0);
	new_idle(&p);
	ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_ONCE), 0);
	ck_assert_str_eq(evkit_order, "iiiE");
	free_probes(&p, 1);
	event_free(activate_me);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Threads.                                                            */

struct tshared {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct event_base *base;
	pthread_t loop_thread;
	/* Set in the loop's thread. */
	int loop_running;  /* the loop spins in its idle watcher */
	int spin_stopped;  /* ... which is freed now */
	int about_to_wait; /* a prepare callback ran after that */
	int spins;
	int idle_calls; /* the helper's idle watcher */
	int idle_in_loop_thread;
	/* Set by the helper. */
	int churn_done;
	int helper_timed_out;
};

static void
tshared_set(struct tshared *s, int *field)
{
	pthread_mutex_lock(&s->lock);
	*field = 1;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->lock);
}

static int
tshared_get(struct tshared *s, int *field)
{
	int v;

	pthread_mutex_lock(&s->lock);
	v = *field;
	pthread_mutex_unlock(&s->lock);
	return v;
}

/* Waits up to 5 s for *field; 0 when it was set. */
static int
tshared_wait(struct tshared *s, int *field)
{
	struct timespec until;
	int r = 0;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 5;
	pthread_mutex_lock(&s->lock);
	while (!*field && r == 0)
		r = pthread_cond_timedwait(&s->cond, &s->lock, &until);
	r = *field ? 0 : -1;
	pthread_mutex_unlock(&s->lock);
	return r;
}

static void
t_prepare_cb(struct evwatch *w, const struct evwatch_prepare_cb_info *info,
    void *arg)
{
	struct tshared *s = arg;

	(void)w;
	(void)info;
	if (tshared_get(s, &s->spin_stopped))
		tshared_set(s, &s->about_to_wait);
}

static void
t_check_cb(struct evwatch *w, const struct evwatch_check_cb_info *info,
    void *arg)
{
	(void)w;
	(void)info;
	(void)arg;
}

/* The loop's own idle watcher: keeps it spinning while the helper works. */
static void
t_spin_cb(struct evwatch *w, void *arg)
{
	struct tshared *s = arg;

	s->spins++;
	tshared_set(s, &s->loop_running);
	if (tshared_get(s, &s->churn_done)) {
		evwatch_free(w);
		tshared_set(s, &s->spin_stopped);
	}
}

/* The helper's idle watcher: records where it ran and ends the loop. */
static void
t_idle_cb(struct evwatch *w, void *arg)
{
	struct tshared *s = arg;

	pthread_mutex_lock(&s->lock);
	s->idle_calls++;
	s->idle_in_loop_thread = pthread_equal(pthread_self(), s->loop_thread);
	pthread_mutex_unlock(&s->lock);
	evwatch_free(w);
	event_base_loopbreak(s->base);
}

/*
 * While the loop spins, creates and frees watchers many times (they may
 * run meanwhile); once the loop is about to sleep, creates an idle
 * watcher, which must wake it.
 */
static void *
t_helper(void *arg)
{
	struct tshared *s = arg;
	int i;

	if (tshared_wait(s, &s->loop_running) != 0) {
		s->helper_timed_out = 1;
		return NULL;
	}
	for (i = 0; i < 2000; i++) {
		struct evwatch *p =
		    evwatch_prepare_new(s->base, t_prepare_cb, s);
		struct evwatch *c = evwatch_check_new(s->base, t_check_cb, s);
		if (p)
			evwatch_free(p);
		if (c)
			evwatch_free(c);
	}
	tshared_set(s, &s->churn_done);
	if (tshared_wait(s, &s->about_to_wait) != 0) {
		s->helper_timed_out = 1;
		return NULL;
	}
	evwatch_idle_new(s->base, t_idle_cb, s);
	return NULL;
}

/*
 * With evthread_use_pthreads: another thread creates and frees watchers
 * while the loop runs them, and an idle watcher it creates wakes the
 * loop from its wait (the guard timer would end it after 5 s) and runs
 * in the loop's thread.
 */
START_TEST(test_threads)
{
	struct tshared s;
	struct event *ev, *guard;
	struct evwatch *prep, *spin;
	struct timeval tv;
	pthread_t helper;
	int guard_fired = 0;

	ck_assert_int_eq(evthread_use_pthreads(), 0);
	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(pthread_mutex_init(&s.lock, NULL), 0);
	ck_assert_int_eq(pthread_cond_init(&s.cond, NULL), 0);
	s.base = evkit_new_base();
	s.loop_thread = pthread_self();
	evkit_base = s.base; /* for guard_cb */

	ev = event_new(s.base, evkit_pair[1], EV_READ | EV_PERSIST, drain_cb,
	    NULL);
	guard = evtimer_new(s.base, guard_cb, &guard_fired);
	ck_assert_ptr_nonnull(ev);
	ck_assert_ptr_nonnull(guard);
	ck_assert_int_eq(event_add(ev, NULL), 0);
	ck_assert_int_eq(evtimer_add(guard, evkit_ms_tv(&tv, 5000)), 0);
	prep = evwatch_prepare_new(s.base, t_prepare_cb, &s);
	spin = evwatch_idle_new(s.base, t_spin_cb, &s);
	ck_assert_ptr_nonnull(prep);
	ck_assert_ptr_nonnull(spin);

	ck_assert_int_eq(pthread_create(&helper, NULL, t_helper, &s), 0);
	ck_assert_int_eq(event_base_dispatch(s.base), 0);
	pthread_join(helper, NULL);

	ck_assert_int_eq(s.helper_timed_out, 0);
	ck_assert_int_eq(guard_fired, 0);
	ck_assert_int_eq(s.spin_stopped, 1);
	ck_assert_int_eq(s.idle_calls, 1);
	ck_assert_int_eq(s.idle_in_loop_thread, 1);
	evwatch_free(prep);
	event_free(guard);
	event_free(ev);
	evkit_free_base(s.base);
	pthread_cond_destroy(&s.cond);
	pthread_mutex_destroy(&s.lock);
}
END_TEST

/* The fixture's base is replaced by the test's own, made after threads. */
static void
thread_teardown(void)
{
	evkit_base = NULL;
	evkit_close(&evkit_pair[0]);
	evkit_close(&evkit_pair[1]);
}

static void
thread_setup(void)
{
	evkit_base = NULL;
	evkit_socketpair(evkit_pair);
	evkit_order_reset();
}

Suite *
watch_suite(void)
{
	Suite *s = suite_create("watch");
	TCase *tc;

	tc = tcase_create("watch");
	tcase_add_checked_fixture(tc, evkit_setup_ordered, evkit_teardown);
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, test_order);
	tcase_add_test(tc, test_timeout_none);
	tcase_add_test(tc, test_timeout_timer);
	tcase_add_test(tc, test_timeout_nonblock);
	tcase_add_test(tc, test_timeout_active);
	tcase_add_test(tc, test_prepare_shortens_wait);
	tcase_add_test(tc, test_watch_base);
	tcase_add_test(tc, test_not_alive);
	tcase_add_test(tc, test_free_from_callback);
	tcase_add_test(tc, test_add_from_callback);
	tcase_add_test(tc, test_freed_with_base);
	suite_add_tcase(s, tc);

	tc = tcase_create("idle");
	tcase_add_checked_fixture(tc, evkit_setup_ordered, evkit_teardown);
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, test_idle_only_when_nothing_else);
	tcase_add_test(tc, test_idle_no_block);
	tcase_add_test(tc, test_idle_stops_when_freed);
	tcase_add_test(tc, test_idle_keeps_alive);
	tcase_add_test(tc, test_idle_loop_once);
	suite_add_tcase(s, tc);

	tc = tcase_create("thread");
	tcase_add_checked_fixture(tc, thread_setup, thread_teardown);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_threads);
	suite_add_tcase(s, tc);
	return s;
}
