/*
 * event_debug.c: debug mode (event_enable_debug_mode).
 *
 * In debug mode every struct event that was set up is remembered in a hash
 * set keyed by its address, with whether it is added.  That catches the
 * mistakes that otherwise corrupt memory silently: adding or reading an
 * event that was never assigned (or already freed), and assigning over an
 * event that is still added.  Each is fatal, as in libevent: the fatal
 * callback runs, then the process aborts.
 */
#include "config.h"

#include <fcntl.h>
#include <stdint.h>
#include <string.h>

#include <event2/event.h>
#include <event2/event_struct.h>

#include "event-internal.h"
#include "evthread-internal.h"
#include "log-internal.h"
#include "mm-internal.h"
#include "util-internal.h"

int event_debug_mode_on_;
/* Set as soon as an event or base exists: too late to start tracking. */
static int event_debug_mode_too_late;

/* Any thread may note it (atomically: they race to set the same value). */
static void
note_too_late(void)
{
	__atomic_store_n(&event_debug_mode_too_late, 1, __ATOMIC_RELAXED);
}

/* Open addressing with linear probing; a slot is empty or a tombstone. */
#define SLOT_EMPTY ((const struct event *)0)
#define SLOT_GONE ((const struct event *)1)

struct debug_slot {
	const struct event *ev;
	int added;
};

static struct debug_slot *slots;
static size_t nslots; /* a power of two */
static size_t nused;  /* live entries plus tombstones */
static void *debug_map_lock;

static size_t
hash_ptr(const struct event *ev)
{
	uintptr_t h = (uintptr_t)ev;

	/* Events are aligned: drop the low bits, then mix. */
	h >>= 4;
	h *= (uintptr_t)0x9E3779B97F4A7C15ull;
	return (size_t)(h ^ (h >> 29));
}

static struct debug_slot *
find_slot(const struct event *ev)
{
	size_t i;

	if (nslots == 0)
		return NULL;
	for (i = hash_ptr(ev) & (nslots - 1);; i = (i + 1) & (nslots - 1)) {
		if (slots[i].ev == ev)
			return &slots[i];
		if (slots[i].ev == SLOT_EMPTY)
			return NULL;
	}
}

static int
rehash(size_t want)
{
	struct debug_slot *old = slots;
	size_t old_n = nslots, i;

	slots = mm_calloc(want, sizeof(*slots));
	if (slots == NULL) {
		slots = old;
		return -1;
	}
	nslots = want;
	nused = 0;
	for (i = 0; i < old_n; i++) {
		if (old[i].ev != SLOT_EMPTY && old[i].ev != SLOT_GONE) {
			size_t j = hash_ptr(old[i].ev) & (nslots - 1);
			while (slots[j].ev != SLOT_EMPTY)
				j = (j + 1) & (nslots - 1);
			slots[j] = old[i];
			nused++;
		}
	}
	mm_free(old);
	return 0;
}

static struct debug_slot *
insert_slot(const struct event *ev)
{
	size_t i;

	if ((nused + 1) * 2 > nslots &&
	    rehash(nslots ? nslots * 2 : 64) == -1) {
		event_warnx("%s: out of memory: debug mode stops tracking %p",
		    __func__, (const void *)ev);
		return NULL;
	}
	for (i = hash_ptr(ev) & (nslots - 1);; i = (i + 1) & (nslots - 1)) {
		if (slots[i].ev == SLOT_EMPTY || slots[i].ev == SLOT_GONE) {
			if (slots[i].ev == SLOT_EMPTY)
				nused++;
			slots[i].ev = ev;
			slots[i].added = 0;
			return &slots[i];
		}
	}
}

void
event_enable_debug_mode(void)
{
	if (event_debug_mode_on_)
		event_errx(1, "%s was called twice!", __func__);
	if (__atomic_load_n(&event_debug_mode_too_late, __ATOMIC_RELAXED))
		event_errx(1,
		    "%s must be called *before* creating any events or "
		    "event_bases",
		    __func__);
	event_debug_mode_on_ = 1;
}

void
event_disable_debug_mode_(void)
{
	EVLOCK_LOCK(debug_map_lock, 0);
	mm_free(slots);
	slots = NULL;
	nslots = nused = 0;
	EVLOCK_UNLOCK(debug_map_lock, 0);
	event_debug_free_lock_();
	event_debug_mode_on_ = 0;
	__atomic_store_n(&event_debug_mode_too_late, 0, __ATOMIC_RELAXED);
}

/*
 * The debug map is shared by every base: it needs its own lock, made when
 * the program installs lock callbacks (so that it is not counted against
 * the first base a program makes).
 */
void
event_debug_free_lock_(void)
{
	EVTHREAD_FREE_LOCK(debug_map_lock, EVTHREAD_LOCKTYPE_RECURSIVE);
	debug_map_lock = NULL;
}

void
event_debug_setup_lock_(void)
{
	if (debug_map_lock == NULL && EVTHREAD_LOCKING_ENABLED())
		EVTHREAD_ALLOC_LOCK(debug_map_lock,
		    EVTHREAD_LOCKTYPE_RECURSIVE);
}

#define DEBUG_EVENT_FMT "%p (events: 0x%x, fd: %d, flags: 0x%x)"
#define DEBUG_EVENT_ARGS(ev)                                             \
	(const void *)(ev), (unsigned)(ev)->ev_events, (int)(ev)->ev_fd, \
	    (unsigned)(ev)->ev_flags

void
event_debug_note_setup_(const struct event *ev)
{
	if (!event_debug_mode_on_) {
		note_too_late();
		return;
	}
	EVLOCK_LOCK(debug_map_lock, 0);
	{
		struct debug_slot *s = find_slot(ev);
		if (s == NULL)
			s = insert_slot(ev);
		if (s)
			s->added = 0;
	}
	EVLOCK_UNLOCK(debug_map_lock, 0);
}

void
event_debug_note_teardown_(const struct event *ev)
{
	if (!event_debug_mode_on_) {
		note_too_late();
		return;
	}
	EVLOCK_LOCK(debug_map_lock, 0);
	{
		struct debug_slot *s = find_slot(ev);
		if (s)
			s->ev = SLOT_GONE;
	}
	EVLOCK_UNLOCK(debug_map_lock, 0);
}

static void
note_added(const struct event *ev, int added, const char *what)
{
	struct debug_slot *s;

	if (!event_debug_mode_on_) {
		note_too_late();
		return;
	}
	EVLOCK_LOCK(debug_map_lock, 0);
	s = find_slot(ev);
	if (s)
		s->added = added;
	EVLOCK_UNLOCK(debug_map_lock, 0);
	if (s == NULL)
		event_errx(EVENT_ERR_ABORT_,
		    "%s: noting %s on a non-setup event " DEBUG_EVENT_FMT,
		    __func__, what, DEBUG_EVENT_ARGS(ev));
}

void
event_debug_note_add_slow_(const struct event *ev)
{
	note_added(ev, 1, "an add");
}

void
event_debug_note_del_slow_(const struct event *ev)
{
	note_added(ev, 0, "a del");
}

void
event_debug_assert_is_setup_slow_(const struct event *ev, const char *caller)
{
	struct debug_slot *s;

	if (!event_debug_mode_on_)
		return;
	EVLOCK_LOCK(debug_map_lock, 0);
	s = find_slot(ev);
	EVLOCK_UNLOCK(debug_map_lock, 0);
	if (s == NULL)
		event_errx(EVENT_ERR_ABORT_,
		    "%s called on a non-initialized event " DEBUG_EVENT_FMT,
		    caller, DEBUG_EVENT_ARGS(ev));
}

void
event_debug_assert_not_added_slow_(const struct event *ev, const char *caller)
{
	struct debug_slot *s;
	int added;

	if (!event_debug_mode_on_)
		return;
	EVLOCK_LOCK(debug_map_lock, 0);
	s = find_slot(ev);
	added = s && s->added;
	EVLOCK_UNLOCK(debug_map_lock, 0);
	if (added)
		event_errx(EVENT_ERR_ABORT_,
		    "%s called on an already added event " DEBUG_EVENT_FMT,
		    caller, DEBUG_EVENT_ARGS(ev));
}

/* Debug mode insists on non-blocking fds: a blocking one hangs the loop. */
void
event_debug_assert_socket_nonblocking_slow_(evutil_socket_t fd)
{
	int flags;

	if (!event_debug_mode_on_ || fd < 0)
		return;
	flags = fcntl(fd, F_GETFL, NULL);
	if (flags >= 0 && !(flags & O_NONBLOCK))
		event_errx(EVENT_ERR_ABORT_,
		    "fd %d given to an event in debug mode is blocking",
		    (int)fd);
}

void
event_debug_unassign(struct event *ev)
{
	event_debug_assert_not_added_(ev, __func__);
	event_debug_note_teardown_(ev);
	ev->ev_flags &= ~EVLIST_INIT;
}
