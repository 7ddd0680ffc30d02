/*
 * evbench workloads: public libevent 2.1 API and POSIX only (see
 * workloads.h).  Each run builds its own base, times its phases with
 * CLOCK_MONOTONIC and releases everything before returning.
 *
 * Pseudo-random choices (timeouts, orders) come from a fixed-seed generator
 * so that every run, backend and library sees the same sequence.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#ifdef WL_WITH_AE
#include <ae.h>
#endif
#ifdef WL_WITH_WATCH
#include <event2/watch.h>
#endif

#include "workloads.h"

/*
 * Out of line, unmerged and unclonable, so that the symbol callgrind is
 * told to toggle on is the code that runs.
 */
#if defined(__GNUC__) && !defined(__clang__)
#define WL_PHASE __attribute__((noipa))
#elif defined(__GNUC__)
#define WL_PHASE __attribute__((noinline))
#else
#define WL_PHASE
#endif

/* A pipes timeout: long enough never to expire during a run. */
#define PIPES_TIMEOUT_SEC 30
/*
 * fire: deadlines spread over a 100 ms window that opens once every timer
 * has been added (10 ms + 1 us per timer ahead: adding takes well under
 * 1 us each), so that no timer is overdue before the loop even starts.
 */
#define FIRE_WINDOW_US 100000
#define FIRE_LEAD_US(n) (10000 + (long)(n))

static int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static uint32_t
rng_next(uint32_t *state)
{
	/* xorshift32: plenty for spreading timeouts. */
	uint32_t x = *state;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *state = x;
}

static void
shuffle(int *a, int n, uint32_t *rng)
{
	int i, j, t;

	for (i = 0; i < n; i++)
		a[i] = i;
	for (i = n - 1; i > 0; i--) {
		j = (int)(rng_next(rng) % (uint32_t)(i + 1));
		t = a[i];
		a[i] = a[j];
		a[j] = t;
	}
}

static int
fail(struct wl_result *r, int errnum, const char *fmt, ...)
{
	va_list ap;
	size_t len;

	va_start(ap, fmt);
	vsnprintf(r->error, sizeof(r->error), fmt, ap);
	va_end(ap);
	len = strlen(r->error);
	if (errnum != 0 && len < sizeof(r->error))
		snprintf(r->error + len, sizeof(r->error) - len, ": %s",
		    strerror(errnum));
	return -1;
}

/* Nothing counted yet. */
static void
no_counts(struct wl_result *r)
{
	r->loop_syscalls = r->setup_syscalls = -1;
	r->iterations = -1;
}

static struct event_base *
new_base(struct event_config *cfg, struct wl_result *r)
{
	struct event_base *base;

	no_counts(r);
	base = cfg != NULL ? event_base_new_with_config(cfg) : event_base_new();
	if (base == NULL)
		fail(r, 0, "cannot create an event base");
	else
		r->method = event_base_get_method(base);
	return base;
}

WL_PHASE int
wl_dispatch_phase(struct event_base *base)
{
	return event_base_dispatch(base);
}

/*
 * System call counting (params->counter): the counter runs around the
 * timed phase only, its start and stop outside the clock readings.
 */
static void
count_start(const struct wl_counter *c)
{
	if (c != NULL)
		c->start();
}

static long long
count_stop(const struct wl_counter *c)
{
	return c != NULL ? c->stop() : -1;
}

#ifdef WL_WITH_WATCH
static void
iteration_cb(struct evwatch *w, const struct evwatch_prepare_cb_info *info,
    void *arg)
{
	(void)w;
	(void)info;
	++*(long *)arg;
}
#endif

/*
 * When counting, count the loop's iterations too: one prepare callback
 * per iteration (event2/watch.h, evkit and libevent 2.2; with libevent
 * 2.1 they stay unknown).  The watcher lives as long as the base.
 */
static int
count_iterations(struct event_base *base, const struct wl_counter *c,
    struct wl_result *r)
{
	r->iterations = -1;
	if (c == NULL)
		return 0;
#ifdef WL_WITH_WATCH
	r->iterations = 0;
	if (evwatch_prepare_new(base, iteration_cb, &r->iterations) == NULL)
		return fail(r, ENOMEM, "prepare watcher");
#else
	(void)base;
#endif
	return 0;
}

/*
 * pipes, cascade and churn: socketpairs whose read ends carry a persistent
 * read event.  A callback reads one byte and, while the pass budget lasts,
 * writes one byte to the next pair (pipes: the next in a ring; churn: its
 * own pair again).
 */
struct ring;

struct slot {
	struct ring *ring;
	int idx;
};

struct ring {
	struct event_base *base;
	int n;
	int *fds; /* pair i: fds[2i] read end, fds[2i + 1] write end */
	struct event **evs;
	struct slot *slots;
	long passes_left;
	long callbacks;
	long expected;
	long io_calls; /* the callbacks' own read and write calls */
	int churn;     /* delete and re-add the event in every callback */
	int err;       /* errno of a failed read or write, or -1 */
};

static void
ring_cb(evutil_socket_t fd, short what, void *arg)
{
	struct slot *slot = arg;
	struct ring *ring = slot->ring;
	int next;
	char c;

	if (!(what & EV_READ))
		return; /* a pipes timeout: only on a machine stalled 30 s */
	ring->io_calls++;
	if (read(fd, &c, 1) != 1) {
		if (errno == EAGAIN || errno == EINTR)
			return;
		ring->err = errno;
		event_base_loopbreak(ring->base);
		return;
	}
	ring->callbacks++;
	if (ring->churn &&
	    (event_del(ring->evs[slot->idx]) != 0 ||
	        event_add(ring->evs[slot->idx], NULL) != 0)) {
		ring->err = -1;
		event_base_loopbreak(ring->base);
		return;
	}
	if (ring->passes_left > 0) {
		ring->passes_left--;
		next = ring->churn ? slot->idx : (slot->idx + 1) % ring->n;
		ring->io_calls++;
		if (write(ring->fds[2 * next + 1], &c, 1) != 1) {
			ring->err = errno;
			event_base_loopbreak(ring->base);
			return;
		}
	}
	if (ring->callbacks == ring->expected)
		event_base_loopbreak(ring->base);
}

static void
ring_close(struct ring *ring)
{
	int i;

	for (i = 0; i < ring->n; i++) {
		if (ring->evs != NULL && ring->evs[i] != NULL)
			event_free(ring->evs[i]);
		if (ring->fds != NULL && ring->fds[2 * i] >= 0) {
			close(ring->fds[2 * i]);
			close(ring->fds[2 * i + 1]);
		}
	}
	if (ring->base != NULL)
		event_base_free(ring->base);
	free(ring->evs);
	free(ring->slots);
	free(ring->fds);
}

static int
ring_open(struct ring *ring, int n, struct wl_result *r)
{
	int i;

	memset(ring, 0, sizeof(*ring));
	ring->fds = malloc(2 * (size_t)n * sizeof(*ring->fds));
	ring->evs = calloc((size_t)n, sizeof(*ring->evs));
	ring->slots = calloc((size_t)n, sizeof(*ring->slots));
	if (ring->fds == NULL || ring->evs == NULL || ring->slots == NULL)
		return fail(r, ENOMEM, "%d socketpairs", n);
	for (i = 0; i < n; i++)
		ring->fds[2 * i] = ring->fds[2 * i + 1] = -1;
	ring->n = n; /* from here on ring_close() walks the arrays */
	for (i = 0; i < n; i++) {
		if (socketpair(AF_UNIX,
		        SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
		        &ring->fds[2 * i]) != 0)
			return fail(r, errno, "socketpair %d of %d", i + 1, n);
		ring->slots[i].ring = ring;
		ring->slots[i].idx = i;
	}
	return 0;
}

/*
 * The figures of a ring run whose setup took setup_ns and whose dispatch
 * time is in r->value[1]; -1 if the loop ended early.
 */
static int
ring_result(const struct ring *ring, int64_t setup_ns, struct wl_result *r)
{
	if (ring->callbacks != ring->expected)
		return fail(r, 0, "loop ended after %ld of %ld callbacks",
		    ring->callbacks, ring->expected);
	r->value[0] = (double)setup_ns / ring->n;
	r->value[1] /= (double)ring->callbacks;
	r->callbacks = ring->callbacks;
	return 0;
}

/*
 * Register the n read events (the setup phase), put `tokens` bytes into
 * evenly spaced pairs, dispatch until every byte has been consumed.
 */
static int
ring_run(struct event_config *cfg, int n, int tokens, long passes, int timeouts,
    int churn, const struct wl_counter *counter, struct wl_result *r)
{
	struct ring ring;
	struct timeval *tv = NULL;
	uint32_t rng = 0x9e3779b9u;
	int64_t t0, t1, t2;
	int i, ret = -1;

	if (ring_open(&ring, n, r) != 0)
		goto out;
	ring.passes_left = passes;
	ring.expected = tokens + passes;
	ring.churn = churn;
	if (timeouts) {
		tv = malloc((size_t)n * sizeof(*tv));
		if (tv == NULL) {
			fail(r, ENOMEM, "%d timeouts", n);
			goto out;
		}
		for (i = 0; i < n; i++) {
			tv[i].tv_sec = PIPES_TIMEOUT_SEC;
			tv[i].tv_usec = (long)(rng_next(&rng) % 1000000);
		}
	}
	if ((ring.base = new_base(cfg, r)) == NULL ||
	    count_iterations(ring.base, counter, r) != 0)
		goto out;

	t0 = now_ns();
	for (i = 0; i < n; i++) {
		ring.evs[i] = event_new(ring.base, ring.fds[2 * i],
		    EV_READ | EV_PERSIST, ring_cb, &ring.slots[i]);
		if (ring.evs[i] == NULL ||
		    event_add(ring.evs[i], tv != NULL ? &tv[i] : NULL) != 0) {
			fail(r, 0, "cannot add event %d of %d", i + 1, n);
			goto out;
		}
	}
	/*
	 * One pass that waits for nothing: a backend that batches its
	 * registrations (epoll's changelist, io_uring) makes them here, so
	 * that they belong to the setup and the dispatch times callbacks.
	 */
	if (wl_setup_pass_phase(ring.base) != 0) {
		fail(r, 0, "event_base_loop(EVLOOP_NONBLOCK) failed");
		goto out;
	}
	t1 = now_ns();
	if (r->iterations > 0)
		r->iterations =
		    0; /* the pass is no iteration of the dispatch */

	for (i = 0; i < tokens; i++)
		if (write(ring.fds[2 * (int)((long)i * n / tokens) + 1], "t",
		        1) != 1) {
			fail(r, errno, "write");
			goto out;
		}
	count_start(counter);
	t2 = now_ns();
	if (wl_dispatch_phase(ring.base) == -1) {
		fail(r, 0, "event_base_dispatch failed");
		goto out;
	}
	r->value[1] = (double)(now_ns() - t2);
	if ((r->loop_syscalls = count_stop(counter)) >= 0)
		r->loop_syscalls -= ring.io_calls;
	if (ring.err != 0) {
		fail(r, ring.err > 0 ? ring.err : 0, "in a callback: %s",
		    ring.err > 0 ? "read or write" : "event_del or event_add");
		goto out;
	}
	ret = ring_result(&ring, t1 - t0, r);
out:
	ring_close(&ring);
	free(tv);
	return ret;
}

static int
pipes_run(struct event_config *cfg, const struct wl_params *p,
    struct wl_result *r)
{
	int n = p->n > 0 ? p->n : 1000;
	int a = p->active < 1 ? 1 : p->active > n ? n : p->active;

	return ring_run(cfg, n, a, (long)a * p->writes, p->timeouts, 0,
	    p->counter, r);
}

static int
cascade_run(struct event_config *cfg, const struct wl_params *p,
    struct wl_result *r)
{
	int n = p->n > 0 ? p->n : 1000;

	/* One token going once along the ring: n callbacks, one per pair. */
	return ring_run(cfg, n, 1, n - 1, 0, 0, p->counter, r);
}

static int
churn_run(struct event_config *cfg, const struct wl_params *p,
    struct wl_result *r)
{
	int n = p->n > 0 ? p->n : 10000;
	int ret;

	/* One pair, n callbacks, each one deleting and re-adding its event. */
	ret = ring_run(cfg, 1, 1, n - 1, 0, 1, p->counter, r);
	r->value[0] = r->value[1];
	return ret;
}

WL_PHASE int
wl_timers_add_phase(struct event **evs, const struct timeval *tv, int n)
{
	int i, failed = 0;

	for (i = 0; i < n; i++)
		failed |= event_add(evs[i], &tv[i]);
	return failed;
}

WL_PHASE int
wl_timers_resched_phase(struct event **evs, const struct timeval *tv, int n)
{
	int i, failed = 0;

	/* Same loop as the add phase, but every event is pending already. */
	for (i = 0; i < n; i++)
		failed |= event_add(evs[i], &tv[i]);
	return failed;
}

WL_PHASE int
wl_timers_del_phase(struct event **evs, const int *order, int n)
{
	int i, failed = 0;

	for (i = 0; i < n; i++)
		failed |= event_del(evs[order[i]]);
	return failed;
}

static void
timer_cb(evutil_socket_t fd, short what, void *arg)
{
}

static void
random_timeouts(struct timeval *tv, int n, uint32_t *rng)
{
	int i;

	/* 1 to 61 s, to the microsecond: a heap of distinct deadlines. */
	for (i = 0; i < n; i++) {
		tv[i].tv_sec = 1 + (long)(rng_next(rng) % 60);
		tv[i].tv_usec = (long)(rng_next(rng) % 1000000);
	}
}

static int
timers_run(struct event_config *cfg, const struct wl_params *p,
    struct wl_result *r)
{
	int n = p->n > 0 ? p->n : 100000;
	struct event_base *base = NULL;
	struct event **evs;
	struct timeval *tv1, *tv2;
	int *order;
	uint32_t rng = 0x2545f491u;
	int64_t t0, t1, t2, t3;
	int i, ret = -1;

	evs = calloc((size_t)n, sizeof(*evs));
	tv1 = malloc((size_t)n * sizeof(*tv1));
	tv2 = malloc((size_t)n * sizeof(*tv2));
	order = malloc((size_t)n * sizeof(*order));
	if (evs == NULL || tv1 == NULL || tv2 == NULL || order == NULL) {
		fail(r, ENOMEM, "%d timers", n);
		goto out;
	}
	random_timeouts(tv1, n, &rng);
	random_timeouts(tv2, n, &rng);
	shuffle(order, n, &rng);
	if ((base = new_base(cfg, r)) == NULL)
		goto out;
	for (i = 0; i < n; i++)
		if ((evs[i] = evtimer_new(base, timer_cb, NULL)) == NULL) {
			fail(r, 0, "cannot create timer %d of %d", i + 1, n);
			goto out;
		}

	t0 = now_ns();
	if (wl_timers_add_phase(evs, tv1, n) != 0) {
		fail(r, 0, "event_add failed");
		goto out;
	}
	t1 = now_ns();
	if (wl_timers_resched_phase(evs, tv2, n) != 0) {
		fail(r, 0, "event_add (reschedule) failed");
		goto out;
	}
	t2 = now_ns();
	if (wl_timers_del_phase(evs, order, n) != 0) {
		fail(r, 0, "event_del failed");
		goto out;
	}
	t3 = now_ns();
	r->value[0] = (double)(t1 - t0) / n;
	r->value[1] = (double)(t2 - t1) / n;
	r->value[2] = (double)(t3 - t2) / n;
	ret = 0;
out:
	for (i = 0; evs != NULL && i < n; i++)
		if (evs[i] != NULL)
			event_free(evs[i]);
	if (base != NULL)
		event_base_free(base);
	free(evs);
	free(tv1);
	free(tv2);
	free(order);
	return ret;
}

/* fire: how late each timer runs compared with its own deadline. */
struct fire {
	int64_t deadline;
	int64_t *lateness;
	long *fired;
};

static void
fire_cb(evutil_socket_t fd, short what, void *arg)
{
	struct fire *f = arg;

	f->lateness[(*f->fired)++] = now_ns() - f->deadline;
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static int
fire_run(struct event_config *cfg, const struct wl_params *p,
    struct wl_result *r)
{
	int n = p->n > 0 ? p->n : 10000;
	struct event_base *base = NULL;
	struct event **evs;
	struct fire *f;
	int64_t *lateness;
	long fired = 0, us;
	uint32_t rng = 0x6a09e667u;
	struct timeval tv;
	int i, ret = -1;

	evs = calloc((size_t)n, sizeof(*evs));
	f = calloc((size_t)n, sizeof(*f));
	lateness = calloc((size_t)n, sizeof(*lateness));
	if (evs == NULL || f == NULL || lateness == NULL) {
		fail(r, ENOMEM, "%d timers", n);
		goto out;
	}
	if ((base = new_base(cfg, r)) == NULL ||
	    count_iterations(base, p->counter, r) != 0)
		goto out;
	for (i = 0; i < n; i++) {
		f[i].lateness = lateness;
		f[i].fired = &fired;
		if ((evs[i] = evtimer_new(base, fire_cb, &f[i])) == NULL) {
			fail(r, 0, "cannot create timer %d of %d", i + 1, n);
			goto out;
		}
	}
	for (i = 0; i < n; i++) {
		us = FIRE_LEAD_US(n) + (long)(rng_next(&rng) % FIRE_WINDOW_US);
		tv.tv_sec = us / 1000000;
		tv.tv_usec = us % 1000000;
		/* The deadline as the caller means it: now + timeout. */
		f[i].deadline = now_ns() + (int64_t)us * 1000;
		if (evtimer_add(evs[i], &tv) != 0) {
			fail(r, 0, "cannot add timer %d of %d", i + 1, n);
			goto out;
		}
	}
	count_start(p->counter);
	if (wl_dispatch_phase(base) == -1) {
		fail(r, 0, "event_base_dispatch failed");
		goto out;
	}
	r->loop_syscalls = count_stop(p->counter);
	if (fired != n) {
		fail(r, 0, "%ld of %d timers fired", fired, n);
		goto out;
	}
	qsort(lateness, (size_t)n, sizeof(*lateness), cmp_i64);
	r->value[0] = (double)lateness[(n - 1) / 2] / 1000.0;
	r->value[1] = (double)lateness[(int)((n - 1) * 0.99)] / 1000.0;
	r->value[2] = (double)lateness[n - 1] / 1000.0;
	r->callbacks = fired;
	ret = 0;
out:
	for (i = 0; evs != NULL && i < n; i++)
		if (evs[i] != NULL)
			event_free(evs[i]);
	if (base != NULL)
		event_base_free(base);
	free(evs);
	free(f);
	free(lateness);
	return ret;
}

WL_PHASE int
wl_setup_add_phase(struct event **evs, int n)
{
	int i, failed = 0;

	for (i = 0; i < n; i++)
		failed |= event_add(evs[i], NULL);
	return failed;
}

WL_PHASE int
wl_setup_pass_phase(struct event_base *base)
{
	return event_base_loop(base, EVLOOP_NONBLOCK);
}

/*
 * setup: what it costs to hand n descriptors to the kernel: event_add of
 * a read event on each of n idle socketpairs, then one loop pass that
 * waits for nothing (EVLOOP_NONBLOCK), in which a backend that batches
 * its registrations (epoll's changelist, io_uring) makes them.
 */
static int
setup_run(struct event_config *cfg, const struct wl_params *p,
    struct wl_result *r)
{
	int n = p->n > 0 ? p->n : 1000;
	struct ring ring;
	int64_t t0, t1, t2;
	int i, ret = -1;

	if (ring_open(&ring, n, r) != 0 ||
	    (ring.base = new_base(cfg, r)) == NULL)
		goto out;
	for (i = 0; i < n; i++)
		if ((ring.evs[i] = event_new(ring.base, ring.fds[2 * i],
		         EV_READ | EV_PERSIST, ring_cb, &ring.slots[i])) ==
		    NULL) {
			fail(r, 0, "cannot create event %d of %d", i + 1, n);
			goto out;
		}
	count_start(p->counter);
	t0 = now_ns();
	if (wl_setup_add_phase(ring.evs, n) != 0) {
		fail(r, 0, "event_add failed");
		goto out;
	}
	t1 = now_ns();
	if (wl_setup_pass_phase(ring.base) != 0) {
		fail(r, 0, "event_base_loop(EVLOOP_NONBLOCK) failed");
		goto out;
	}
	t2 = now_ns();
	r->setup_syscalls = count_stop(p->counter);
	r->value[0] = (double)(t2 - t0) / n;
	r->value[1] = (double)(t1 - t0) / n;
	r->value[2] = (double)(t2 - t1) / n;
	ret = 0;
out:
	ring_close(&ring);
	return ret;
}

#ifdef WL_WITH_AE
/*
 * ae: the pipes ring on Redis' ae API (evkit's ae.h), with the same work
 * in each handler, so that its figures next to pipes' show what the ae
 * layer costs.  evkit only: bench/vs-libevent builds without WL_WITH_AE.
 */
static void
ae_ring_proc(aeEventLoop *el, int fd, void *data, int mask)
{
	struct slot *slot = data;
	struct ring *ring = slot->ring;
	int next;
	char c;

	(void)mask;
	ring->io_calls++;
	if (read(fd, &c, 1) != 1) {
		if (errno == EAGAIN || errno == EINTR)
			return;
		ring->err = errno;
		aeStop(el);
		return;
	}
	ring->callbacks++;
	if (ring->passes_left > 0) {
		ring->passes_left--;
		next = (slot->idx + 1) % ring->n;
		ring->io_calls++;
		if (write(ring->fds[2 * next + 1], &c, 1) != 1) {
			ring->err = errno;
			aeStop(el);
			return;
		}
	}
	if (ring->callbacks == ring->expected)
		aeStop(el);
}

WL_PHASE void
wl_ae_dispatch_phase(struct aeEventLoop *loop)
{
	aeMain(loop);
}

/* ae's loop iterations: its before-sleep hook runs once in each. */
static long ae_iterations;

static void
ae_count_iteration(aeEventLoop *loop)
{
	(void)loop;
	ae_iterations++;
}

static int
ae_run(struct event_config *cfg, const struct wl_params *p, struct wl_result *r)
{
	int n = p->n > 0 ? p->n : 1000;
	int a = p->active < 1 ? 1 : p->active > n ? n : p->active;
	aeEventLoop *loop = NULL;
	struct ring ring;
	int64_t t0, t1, t2;
	int i, maxfd = 0, ret = -1;

	no_counts(r);
	if (ring_open(&ring, n, r) != 0)
		goto out;
	ring.passes_left = (long)a * p->writes;
	ring.expected = a + ring.passes_left;
	for (i = 0; i < 2 * n; i++)
		if (ring.fds[i] > maxfd)
			maxfd = ring.fds[i];
	if ((loop = aeCreateEventLoopWithConfig(maxfd + 1, cfg)) == NULL) {
		fail(r, errno, "cannot create an ae event loop");
		goto out;
	}
	r->method = aeGetApiName();
	if (p->counter != NULL) {
		ae_iterations = 0;
		aeSetBeforeSleepProc(loop, ae_count_iteration);
	}

	t0 = now_ns();
	for (i = 0; i < n; i++)
		if (aeCreateFileEvent(loop, ring.fds[2 * i], AE_READABLE,
		        ae_ring_proc, &ring.slots[i]) != AE_OK) {
			fail(r, errno, "cannot add file event %d of %d", i + 1,
			    n);
			goto out;
		}
	t1 = now_ns();
	for (i = 0; i < a; i++)
		if (write(ring.fds[2 * (int)((long)i * n / a) + 1], "t", 1) !=
		    1) {
			fail(r, errno, "write");
			goto out;
		}
	count_start(p->counter);
	t2 = now_ns();
	wl_ae_dispatch_phase(loop);
	r->value[1] = (double)(now_ns() - t2);
	if ((r->loop_syscalls = count_stop(p->counter)) >= 0) {
		r->loop_syscalls -= ring.io_calls;
		r->iterations = ae_iterations;
	}
	if (ring.err != 0) {
		fail(r, ring.err, "in a handler: read or write");
		goto out;
	}
	ret = ring_result(&ring, t1 - t0, r);
out:
	if (loop != NULL)
		aeDeleteEventLoop(loop);
	ring_close(&ring);
	return ret;
}
#endif /* WL_WITH_AE */

const struct wl_workload wl_workloads[] = {
	{ "pipes", "n socketpairs, a tokens passed w times each along the ring",
	    1000, 2, 2,
	    { { "setup", "ns/event" }, { "dispatch", "ns/callback" } },
	    pipes_run, WL_COUNTS_LOOP },
	{ "timers", "add, reschedule and delete n timers", 100000, 0, 3,
	    { { "add", "ns/op" }, { "reschedule", "ns/op" },
	        { "delete", "ns/op" } },
	    timers_run, 0 },
	{ "fire", "n timers due within a 100 ms window: how late each runs",
	    10000, 0, 3,
	    { { "late-p50", "us" }, { "late-p99", "us" },
	        { "late-max", "us" } },
	    fire_run, WL_COUNTS_LOOP },
	{ "cascade", "one token along a chain of n socketpairs", 1000, 2, 2,
	    { { "setup", "ns/event" }, { "dispatch", "ns/hop" } }, cascade_run,
	    WL_COUNTS_LOOP },
	{ "churn", "one socketpair, n callbacks that each delete and re-add it",
	    10000, 0, 1, { { "dispatch", "ns/callback" } }, churn_run,
	    WL_COUNTS_LOOP },
	{ "setup",
	    "event_add on n socketpairs and the pass that registers them", 1000,
	    2, 3,
	    { { "register", "ns/fd" }, { "add", "ns/fd" },
	        { "first-pass", "ns/fd" } },
	    setup_run, WL_COUNTS_SETUP },
#ifdef WL_WITH_AE
	{ "ae", "pipes on the Redis ae API (evkit's ae.h)", 1000, 2, 2,
	    { { "setup", "ns/event" }, { "dispatch", "ns/callback" } }, ae_run,
	    WL_COUNTS_LOOP },
#endif
	{ NULL, NULL, 0, 0, 0, { { NULL, NULL } }, NULL, 0 },
};

int
wl_uses_tokens(const struct wl_workload *w)
{
	return strcmp(w->name, "pipes") == 0 || strcmp(w->name, "ae") == 0;
}

int
wl_runs_loop(const struct wl_workload *w)
{
	return strcmp(w->name, "timers") != 0;
}

const struct wl_workload *
wl_find(const char *name)
{
	const struct wl_workload *w;

	for (w = wl_workloads; w->name != NULL; w++)
		if (strcmp(w->name, name) == 0)
			return w;
	return NULL;
}
