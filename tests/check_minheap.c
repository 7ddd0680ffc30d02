/*
 * check_minheap.c: the timer heap (lib/minheap-internal.h) on its own,
 * and the fd map's system-call saving seen through a counting backend.
 *
 * Internal: built only into the evkit runner, never against libevent.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "check-internal.h"

#include "event-internal.h"
#include "evmap-internal.h"
#include "minheap-internal.h"

static struct event *
make_events(int n)
{
	struct event *evs = calloc((size_t)n, sizeof(*evs));
	int i;

	ck_assert_ptr_nonnull(evs);
	for (i = 0; i < n; i++)
		min_heap_elem_init_(&evs[i]);
	return evs;
}

static void
set_deadline(struct event *ev, long usec)
{
	ev->ev_timeout.tv_sec = usec / 1000000;
	ev->ev_timeout.tv_usec = usec % 1000000;
}

/*
 * Every slot fires after its parent (a later key, or an equal key
 * scheduled later), and idx is right.
 */
static void
assert_heap_ok(const struct min_heap *h)
{
	unsigned i;

	/* One assertion at the end: each one is a write(2) in Check. */
	for (i = 0; i < h->n; i++) {
		const struct min_heap_slot *sl = &h->slots[i];
		if (sl->ev->ev_timeout_pos.min_heap_idx != (int)i ||
		    sl->key != min_heap_key_(&sl->ev->ev_timeout) ||
		    (i > 0 && !min_heap_before_(&h->slots[(i - 1) / 4], sl)))
			break;
	}
	ck_assert_msg(i == h->n, "heap broken at slot %u of %u", i, h->n);
}

START_TEST(test_heap_pops_in_order)
{
	enum { N = 20000 };
	struct min_heap h;
	struct event *evs = make_events(N);
	uint64_t last = 0;
	int i;

	srand(7);
	min_heap_ctor_(&h);
	ck_assert_int_eq(min_heap_reserve_(&h, N), 0);
	for (i = 0; i < N; i++) {
		set_deadline(&evs[i], rand() % 5000000);
		min_heap_push_(&h, &evs[i]);
	}
	assert_heap_ok(&h);
	ck_assert_uint_eq(min_heap_size_(&h), N);
	for (i = 0; i < N; i++) {
		struct event *ev = min_heap_pop_(&h);
		uint64_t key = min_heap_key_(&ev->ev_timeout);
		ck_assert(key >= last);
		ck_assert_int_eq(ev->ev_timeout_pos.min_heap_idx, -1);
		last = key;
	}
	ck_assert(min_heap_empty_(&h));
	ck_assert_ptr_null(min_heap_pop_(&h));
	min_heap_dtor_(&h);
	free(evs);
}
END_TEST

START_TEST(test_heap_erase_middle)
{
	enum { N = 5000 };
	struct min_heap h;
	struct event *evs = make_events(N);
	uint64_t last = 0;
	int i, left = 0;

	srand(11);
	min_heap_ctor_(&h);
	for (i = 0; i < N; i++) {
		ck_assert_int_eq(min_heap_reserve_(&h, h.n + 1), 0);
		set_deadline(&evs[i], rand() % 100000);
		min_heap_push_(&h, &evs[i]);
	}
	/* Erase every third event wherever it sits. */
	for (i = 0; i < N; i += 3)
		ck_assert_int_eq(min_heap_erase_(&h, &evs[i]), 0);
	ck_assert_int_eq(min_heap_erase_(&h, &evs[0]), -1);
	assert_heap_ok(&h);
	while (!min_heap_empty_(&h)) {
		struct event *ev = min_heap_pop_(&h);
		ck_assert((ev - evs) % 3 != 0);
		ck_assert(min_heap_key_(&ev->ev_timeout) >= last);
		last = min_heap_key_(&ev->ev_timeout);
		left++;
	}
	ck_assert_int_eq(left, N - (N + 2) / 3);
	min_heap_dtor_(&h);
	free(evs);
}
END_TEST

/*
 * Equal deadlines leave the heap first in, first out (libevent's binary
 * heap gives the first pushed, then the rest from the last back).
 * Programs see this order when several timers are added within one tick
 * of the coarse clock.
 */
START_TEST(test_heap_equal_keys_order)
{
	enum { N = 100 };
	struct min_heap h;
	struct event *evs = make_events(N);
	int i;

	min_heap_ctor_(&h);
	ck_assert_int_eq(min_heap_reserve_(&h, N), 0);
	for (i = 0; i < N; i++) {
		set_deadline(&evs[i], 1000);
		min_heap_push_(&h, &evs[i]);
	}
	/* Re-keying to the same deadline sends 0 and 7 to the back. */
	min_heap_adjust_(&h, &evs[0]);
	min_heap_adjust_(&h, &evs[7]);
	assert_heap_ok(&h);
	for (i = 1; i < N; i++)
		if (i != 7)
			ck_assert_int_eq((int)(min_heap_pop_(&h) - evs), i);
	ck_assert_int_eq((int)(min_heap_pop_(&h) - evs), 0);
	ck_assert_int_eq((int)(min_heap_pop_(&h) - evs), 7);
	ck_assert(min_heap_empty_(&h));
	min_heap_dtor_(&h);
	free(evs);
}
END_TEST

/*
 * Random pushes, re-keyings and erases on 200,000 timers with few
 * distinct deadlines (many ties): the heap stays ordered at every check
 * and pops by deadline, then by the order of the last scheduling.
 */
START_TEST(test_heap_stress_fifo)
{
	enum { N = 200000 };
	struct min_heap h;
	struct event *evs = make_events(N);
	unsigned *when = calloc(N, sizeof(*when)); /* scheduling order */
	unsigned clock = 0, last_when = 0;
	uint64_t last = 0;
	int i, left = 0, bad = 0;

	ck_assert_ptr_nonnull(when);
	srand(13);
	min_heap_ctor_(&h);
	ck_assert_int_eq(min_heap_reserve_(&h, N), 0);
	for (i = 0; i < N; i++) {
		set_deadline(&evs[i], rand() % 5000);
		min_heap_push_(&h, &evs[i]);
		when[i] = clock++;
	}
	assert_heap_ok(&h);
	/* Counted, not asserted one by one: see assert_heap_ok. */
	for (i = 0; i < N / 2; i++) {
		int k = rand() % N;
		if (evs[k].ev_timeout_pos.min_heap_idx < 0)
			continue;
		if (rand() % 2) {
			set_deadline(&evs[k], rand() % 5000);
			min_heap_adjust_(&h, &evs[k]);
			when[k] = clock++;
		} else {
			bad += min_heap_erase_(&h, &evs[k]) != 0 ||
			    evs[k].ev_timeout_pos.min_heap_idx != -1;
		}
	}
	ck_assert_int_eq(bad, 0);
	assert_heap_ok(&h);
	while (!min_heap_empty_(&h)) {
		struct event *ev = min_heap_pop_(&h);
		uint64_t key = min_heap_key_(&ev->ev_timeout);
		bad += key < last ||
		    (left > 0 && key == last && when[ev - evs] <= last_when);
		last = key;
		last_when = when[ev - evs];
		left++;
	}
	ck_assert_int_eq(bad, 0);
	for (i = 0; i < N; i++)
		bad += evs[i].ev_timeout_pos.min_heap_idx != -1;
	ck_assert_int_eq(bad, 0);
	ck_assert_int_gt(left, N / 2);
	min_heap_dtor_(&h);
	free(when);
	free(evs);
}
END_TEST

/* ---- the fd map, through a backend that only counts ---- */

static int n_changes;
static short last_old, last_wanted;

static int
counting_change(struct event_base *base, evutil_socket_t fd, short old,
    short wanted, void *fdinfo)
{
	n_changes++;
	last_old = old;
	last_wanted = wanted;
	return 0;
}

static const struct eventop counting_ops = {
	.name = "counting",
	.change = counting_change,
	.max_fd = -1,
};

/* A fake base: only what the fd map touches. */
static struct event_base *
fake_base(void)
{
	struct event_base *base = calloc(1, sizeof(*base));

	ck_assert_ptr_nonnull(base);
	base->evsel = &counting_ops;
	evmap_io_initmap_(&base->io);
	n_changes = 0;
	return base;
}

static void
free_fake_base(struct event_base *base)
{
	evmap_io_clear_(&base->io);
	free(base);
}

START_TEST(test_evmap_readd_costs_one_change)
{
	struct event_base *base = fake_base();
	struct event ev;

	memset(&ev, 0, sizeof(ev));
	ev.ev_events = EV_READ;
	ev.ev_fd = 5;
	ck_assert_int_eq(evmap_io_add_(base, 5, &ev), 1);
	ck_assert_int_eq(n_changes, 1);
	ck_assert_int_eq(last_wanted, EV_READ);

	/*
	 * Delete and re-add within one iteration: one backend call, from
	 * what the kernel has to what is wanted (the fd may name another
	 * file by now), and nothing more at the flush.
	 */
	ck_assert_int_eq(evmap_io_del_(base, 5, &ev), 0);
	ck_assert_int_eq(n_changes, 1);
	ck_assert_int_eq(evmap_io_add_(base, 5, &ev), 1);
	ck_assert_int_eq(n_changes, 2);
	ck_assert_int_eq(last_old, EV_READ | EVMAP_MAYBE_NEW_FILE);
	ck_assert_int_eq(last_wanted, EV_READ);
	evmap_flush_changes_(base);
	ck_assert_int_eq(n_changes, 2);

	/* Delete and flush: the backend hears of it once. */
	ck_assert_int_eq(evmap_io_del_(base, 5, &ev), 0);
	evmap_flush_changes_(base);
	ck_assert_int_eq(n_changes, 3);
	ck_assert_int_eq(last_old, EV_READ);
	ck_assert_int_eq(last_wanted, 0);
	free_fake_base(base);
}
END_TEST

/*
 * The per-fd counts are 16 bits: the 65,536th reader of one fd is
 * refused, a writer beside 65,535 readers is not, and deleting the
 * readers lowers the interest only with the last one.
 */
START_TEST(test_evmap_count_limit)
{
	enum { N = 0xffff };
	struct event_base *base = fake_base();
	struct event *evs = calloc(N + 2, sizeof(*evs));
	int i, bad = 0;

	ck_assert_ptr_nonnull(evs);
	for (i = 0; i < N + 2; i++) {
		evs[i].ev_events = i == N + 1 ? EV_WRITE : EV_READ;
		evs[i].ev_fd = 5;
	}
	for (i = 0; i < N; i++)
		bad += evmap_io_add_(base, 5, &evs[i]) < 0;
	ck_assert_int_eq(bad, 0);
	ck_assert_int_eq(n_changes, 1);
	ck_assert_int_eq(evmap_io_add_(base, 5, &evs[N]), -1);
	ck_assert_int_eq(evmap_io_add_(base, 5, &evs[N + 1]), 1);
	ck_assert_int_eq(last_wanted, EV_READ | EV_WRITE);
	ck_assert_int_eq(evmap_io_del_(base, 5, &evs[N + 1]), 0);
	for (i = 0; i < N; i++) {
		bad += evmap_io_del_(base, 5, &evs[i]) != 0;
		evmap_flush_changes_(base);
		bad += last_wanted != (i < N - 1 ? EV_READ : 0);
	}
	ck_assert_int_eq(bad, 0);
	ck_assert_int_eq(n_changes, 4);
	free_fake_base(base);
	free(evs);
}
END_TEST

/*
 * EVMAP_MAYBE_NEW_FILE is set only when interest lowered this iteration
 * comes back: a writer added beside a reader that stayed cannot meet a new
 * file under the fd, so a backend may update its registration in place.
 */
START_TEST(test_evmap_new_file_hint)
{
	struct event_base *base = fake_base();
	struct event r, w;

	memset(&r, 0, sizeof(r));
	memset(&w, 0, sizeof(w));
	r.ev_events = EV_READ;
	w.ev_events = EV_WRITE;
	r.ev_fd = w.ev_fd = 7;
	ck_assert_int_eq(evmap_io_add_(base, 7, &r), 1);
	ck_assert_int_eq(last_old, 0);
	ck_assert_int_eq(evmap_io_add_(base, 7, &w), 1);
	ck_assert_int_eq(last_old, EV_READ);

	/* The reader goes, so READ is lowered; the writer comes back too. */
	ck_assert_int_eq(evmap_io_del_(base, 7, &r), 0);
	ck_assert_int_eq(evmap_io_del_(base, 7, &w), 0);
	ck_assert_int_eq(evmap_io_add_(base, 7, &w), 1);
	ck_assert_int_eq(last_old, EV_READ | EV_WRITE | EVMAP_MAYBE_NEW_FILE);
	ck_assert_int_eq(last_wanted, EV_WRITE);
	evmap_flush_changes_(base);
	ck_assert_int_eq(evmap_io_del_(base, 7, &w), 0);
	evmap_flush_changes_(base);
	ck_assert_int_eq(last_wanted, 0);
	free_fake_base(base);
}
END_TEST

/* A backend whose registrations pin files hears of a delete made outside
 * a running loop at once, and of one made inside at the flush. */
START_TEST(test_evmap_pinned_delete_outside_loop)
{
	static const struct eventop pinning_ops = {
		.name = "pinning",
		.change = counting_change,
		.max_fd = -1,
		.pins_files = 1,
	};
	struct event_base *base = fake_base();
	struct event ev;

	base->evsel = &pinning_ops;
	memset(&ev, 0, sizeof(ev));
	ev.ev_events = EV_READ;
	ev.ev_fd = 3;
	ck_assert_int_eq(evmap_io_add_(base, 3, &ev), 1);
	ck_assert_int_eq(evmap_io_del_(base, 3, &ev), 1);
	ck_assert_int_eq(n_changes, 2);
	ck_assert_int_eq(last_wanted, 0);

	base->running_loop = 1;
	ck_assert_int_eq(evmap_io_add_(base, 3, &ev), 1);
	ck_assert_int_eq(evmap_io_del_(base, 3, &ev), 0);
	ck_assert_int_eq(n_changes, 3);
	evmap_flush_changes_(base);
	ck_assert_int_eq(n_changes, 4);
	ck_assert_int_eq(last_wanted, 0);
	free_fake_base(base);
}
END_TEST

START_TEST(test_evmap_readd_by_another_reader_costs_nothing)
{
	struct event_base *base = fake_base();
	struct event a, b;

	/*
	 * Interest that never went away: a second reader added while the
	 * first one stays needs no call, and neither does re-adding the
	 * second after deleting it while the first kept the fd watched.
	 */
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	a.ev_events = b.ev_events = EV_READ;
	a.ev_fd = b.ev_fd = 7;
	ck_assert_int_eq(evmap_io_add_(base, 7, &a), 1);
	ck_assert_int_eq(evmap_io_add_(base, 7, &b), 0);
	ck_assert_int_eq(evmap_io_del_(base, 7, &b), 0);
	ck_assert_int_eq(evmap_io_add_(base, 7, &b), 0);
	evmap_flush_changes_(base);
	ck_assert_int_eq(n_changes, 1);
	ck_assert_int_eq(evmap_io_del_(base, 7, &a), 0);
	ck_assert_int_eq(evmap_io_del_(base, 7, &b), 0);
	evmap_flush_changes_(base);
	ck_assert_int_eq(n_changes, 2);
	ck_assert_int_eq(last_wanted, 0);
	free_fake_base(base);
}
END_TEST

START_TEST(test_evmap_raise_is_immediate)
{
	struct event_base *base = fake_base();
	struct event r, w;

	memset(&r, 0, sizeof(r));
	memset(&w, 0, sizeof(w));
	r.ev_events = EV_READ;
	w.ev_events = EV_WRITE;
	ck_assert_int_eq(evmap_io_add_(base, 3, &r), 1);
	ck_assert_int_eq(evmap_io_add_(base, 3, &w), 1);
	ck_assert_int_eq(n_changes, 2);
	ck_assert_int_eq(last_wanted, EV_READ | EV_WRITE);
	/* Mixing edge- and level-triggered events on one fd is refused in
	 * debug mode only; otherwise an event adding no interest leaves the
	 * kernel as it is. */
	{
		struct event et;
		memset(&et, 0, sizeof(et));
		et.ev_events = EV_READ | EV_ET;
		if (event_debug_mode_on_) {
			ck_assert_int_eq(evmap_io_add_(base, 3, &et), -1);
		} else {
			ck_assert_int_eq(evmap_io_add_(base, 3, &et), 0);
			ck_assert_int_eq(n_changes, 2);
			ck_assert_int_eq(evmap_io_del_(base, 3, &et), 0);
		}
	}
	ck_assert_int_eq(evmap_io_del_(base, 3, &w), 0);
	ck_assert_int_eq(evmap_io_del_(base, 3, &r), 0);
	evmap_flush_changes_(base);
	ck_assert_int_eq(n_changes, 3);
	ck_assert_int_eq(last_wanted, 0);
	free_fake_base(base);
}
END_TEST

START_TEST(test_evmap_grow_keeps_lists)
{
	struct event_base *base = fake_base();
	struct event evs[3];
	int i;

	memset(evs, 0, sizeof(evs));
	for (i = 0; i < 3; i++)
		evs[i].ev_events = EV_READ;
	ck_assert_int_eq(evmap_io_add_(base, 1, &evs[0]), 1);
	/* Growing the map moves the list heads; deleting must still work. */
	ck_assert_int_eq(evmap_io_add_(base, 5000, &evs[1]), 1);
	ck_assert_int_eq(evmap_io_add_(base, 1, &evs[2]), 0);
	ck_assert_int_eq(evmap_io_del_(base, 1, &evs[0]), 0);
	ck_assert_int_eq(evmap_io_del_(base, 1, &evs[2]), 0);
	ck_assert_ptr_null(base->io.entries[1].events);
	ck_assert_int_eq(evmap_io_del_(base, 5000, &evs[1]), 0);
	evmap_flush_changes_(base);
	free_fake_base(base);
}
END_TEST

/* ---- fd reuse: the deferred deletes must never lose or invent events ---- */

#include <unistd.h>
#include <sys/socket.h>
#include <fcntl.h>

static void
count_cb(evutil_socket_t fd, short what, void *arg)
{
	int *n = arg;
	char buf[64];

	(*n)++;
	while (read(fd, buf, sizeof(buf)) > 0)
		;
}

static void
nb_pair(int sv[2])
{
	ck_assert_int_eq(socketpair(AF_UNIX,
	                     SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv),
	    0);
}

/* Runs the loop for about ms milliseconds. */
static void
run_for(struct event_base *base, int ms)
{
	struct timeval tv = { 0, ms * 1000 };

	ck_assert_int_eq(event_base_loopexit(base, &tv), 0);
	ck_assert_int_ne(event_base_dispatch(base), -1);
}

/*
 * Delete, close, and a new socket takes the same fd number before the loop
 * runs again: the new event must see its data.
 */
START_TEST(test_reuse_fd_number_new_event)
{
	struct event_base *base = event_base_new();
	int a[2], b[2], n_old = 0, n_new = 0;
	struct event *old_ev, *new_ev;

	nb_pair(a);
	old_ev = event_new(base, a[0], EV_READ | EV_PERSIST, count_cb, &n_old);
	ck_assert_int_eq(event_add(old_ev, NULL), 0);
	ck_assert_int_eq(event_base_loop(base, EVLOOP_NONBLOCK), 0);
	ck_assert_int_eq(event_del(old_ev), 0);
	close(a[0]);
	nb_pair(b);
	ck_assert_int_eq(b[0], a[0]); /* the lowest free number comes back */
	new_ev = event_new(base, b[0], EV_READ | EV_PERSIST, count_cb, &n_new);
	ck_assert_int_eq(event_add(new_ev, NULL), 0);
	ck_assert_int_eq(write(b[1], "x", 1), 1);
	run_for(base, 100);
	ck_assert_int_eq(n_new, 1);
	ck_assert_int_eq(n_old, 0);
	event_free(old_ev);
	event_free(new_ev);
	close(a[1]);
	close(b[0]);
	close(b[1]);
	event_base_free(base);
}
END_TEST

/* The same, re-using the struct event through event_assign. */
START_TEST(test_reuse_fd_number_reassigned)
{
	struct event_base *base = event_base_new();
	int a[2], b[2], n = 0;
	struct event ev;

	nb_pair(a);
	event_assign(&ev, base, a[0], EV_READ | EV_PERSIST, count_cb, &n);
	ck_assert_int_eq(event_add(&ev, NULL), 0);
	ck_assert_int_eq(event_base_loop(base, EVLOOP_NONBLOCK), 0);
	ck_assert_int_eq(event_del(&ev), 0);
	close(a[0]);
	nb_pair(b);
	ck_assert_int_eq(b[0], a[0]);
	event_assign(&ev, base, b[0], EV_READ | EV_PERSIST, count_cb, &n);
	ck_assert_int_eq(event_add(&ev, NULL), 0);
	ck_assert_int_eq(write(b[1], "x", 1), 1);
	run_for(base, 100);
	ck_assert_int_eq(n, 1);
	event_del(&ev);
	close(a[1]);
	close(b[0]);
	close(b[1]);
	event_base_free(base);
}
END_TEST

/*
 * The file outlives the fd (a dup, or a child process, holds it) and has
 * data waiting when the program deletes its event and closes the fd, and a
 * new socket takes the number.  No callback may fire for the old file's
 * data, and the loop must not spin on it.
 */
START_TEST(test_orphaned_registration)
{
	struct event_base *base = event_base_new();
	int a[2], b[2], keep, n_old = 0, n_new = 0;
	struct event *old_ev, *new_ev;

	nb_pair(a);
	keep = dup(a[0]);
	ck_assert_int_ge(keep, 0);
	old_ev = event_new(base, a[0], EV_READ | EV_PERSIST, count_cb, &n_old);
	ck_assert_int_eq(event_add(old_ev, NULL), 0);
	ck_assert_int_eq(event_base_loop(base, EVLOOP_NONBLOCK), 0);
	ck_assert_int_eq(event_del(old_ev), 0);
	close(a[0]);
	ck_assert_int_eq(write(a[1], "old", 3), 3); /* never read */
	nb_pair(b);
	new_ev = event_new(base, b[0], EV_READ | EV_PERSIST, count_cb, &n_new);
	ck_assert_int_eq(event_add(new_ev, NULL), 0);
	run_for(base, 150);
	ck_assert_int_eq(n_new, 0);
	ck_assert_int_eq(n_old, 0);
	/* And the new socket still works. */
	ck_assert_int_eq(write(b[1], "x", 1), 1);
	run_for(base, 100);
	ck_assert_int_eq(n_new, 1);
	event_free(old_ev);
	event_free(new_ev);
	close(keep);
	close(a[1]);
	close(b[0]);
	close(b[1]);
	event_base_free(base);
}
END_TEST

Suite *
minheap_suite(void)
{
	Suite *s = suite_create("minheap");
	TCase *tc = tcase_create("heap");
	TCase *map = tcase_create("evmap");
	TCase *reuse;

	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_heap_pops_in_order);
	tcase_add_test(tc, test_heap_erase_middle);
	tcase_add_test(tc, test_heap_equal_keys_order);
	tcase_add_test(tc, test_heap_stress_fifo);
	suite_add_tcase(s, tc);

	tcase_set_timeout(map, 10);
	tcase_add_test(map, test_evmap_readd_costs_one_change);
	tcase_add_test(map, test_evmap_count_limit);
	tcase_add_test(map, test_evmap_readd_by_another_reader_costs_nothing);
	tcase_add_test(map, test_evmap_new_file_hint);
	tcase_add_test(map, test_evmap_pinned_delete_outside_loop);
	tcase_add_test(map, test_evmap_raise_is_immediate);
	tcase_add_test(map, test_evmap_grow_keeps_lists);
	suite_add_tcase(s, map);

	reuse = tcase_create("reuse");
	tcase_set_timeout(reuse, 10);
	tcase_add_test(reuse, test_reuse_fd_number_new_event);
	tcase_add_test(reuse, test_reuse_fd_number_reassigned);
	tcase_add_test(reuse, test_orphaned_registration);
	suite_add_tcase(s, reuse);
	return s;
}
