/*
 * evmap.c: the fd and signal maps.  See evmap-internal.h for why lowered
 * interest waits for the next iteration while raised interest does not.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <string.h>

#include <event2/event.h>
#include <event2/event_struct.h>

#include "event-internal.h"
#include "evmap-internal.h"
#include "evthread-internal.h"
#include "log-internal.h"
#include "mm-internal.h"
#include "util-internal.h"

#define io_next ev_.ev_io.ev_io_next
#define sig_next ev_.ev_signal.ev_signal_next

/* Doubly linked lists threaded through struct event, newest first. */
#define EVENT_LIST_PUSH(headp, ev, field)                                 \
	do {                                                              \
		(ev)->field.le_next = *(headp);                           \
		if (*(headp))                                             \
			(*(headp))->field.le_prev = &(ev)->field.le_next; \
		*(headp) = (ev);                                          \
		(ev)->field.le_prev = (headp);                            \
	} while (0)

#define EVENT_LIST_REMOVE(ev, field)                         \
	do {                                                 \
		if ((ev)->field.le_next)                     \
			(ev)->field.le_next->field.le_prev = \
			    (ev)->field.le_prev;             \
		*(ev)->field.le_prev = (ev)->field.le_next;  \
	} while (0)

void
evmap_io_initmap_(struct event_io_map *map)
{
	memset(map, 0, sizeof(*map));
}

void
evmap_io_clear_(struct event_io_map *map)
{
	mm_free(map->entries);
	mm_free(map->changes);
	memset(map, 0, sizeof(*map));
}

void
evmap_signal_initmap_(struct event_signal_map *map)
{
	memset(map, 0, sizeof(*map));
}

void
evmap_signal_clear_(struct event_signal_map *map)
{
	mm_free(map->entries);
	memset(map, 0, sizeof(*map));
}

/*
 * Grows an array of n_old entries of size bytes to hold index `want`,
 * zeroing the new entries; returns the new array and count, or NULL.
 */
static void *
grow_array(void *array, int n_old, int want, size_t size, int *n_new)
{
	char *grown;
	int n = n_old ? n_old : 32;

	while (n <= want)
		n *= 2;
	grown = mm_realloc(array, (size_t)n * size);
	if (grown == NULL)
		return NULL;
	memset(grown + (size_t)n_old * size, 0, (size_t)(n - n_old) * size);
	*n_new = n;
	return grown;
}

/* Makes entries[fd] exist; -1 when memory runs out. */
static int
io_map_grow(struct event_io_map *map, int fd)
{
	struct evmap_io *entries;
	int n, i;

	entries =
	    grow_array(map->entries, map->nentries, fd, sizeof(*entries), &n);
	if (entries == NULL)
		return -1;
	for (i = map->nentries; i < n; i++)
		entries[i].backend = -1;
	/* The first event of each list points back into the array. */
	for (i = 0; i < map->nentries; i++) {
		if (entries[i].events)
			entries[i].events->io_next.le_prev = &entries[i].events;
	}
	map->entries = entries;
	map->nentries = n;
	return 0;
}

static int
signal_map_grow(struct event_signal_map *map, int sig)
{
	struct evmap_signal *entries;
	int n, i;

	entries =
	    grow_array(map->entries, map->nentries, sig, sizeof(*entries), &n);
	if (entries == NULL)
		return -1;
	for (i = 0; i < map->nentries; i++) {
		if (entries[i].events)
			entries[i].events->sig_next.le_prev =
			    &entries[i].events;
	}
	map->entries = entries;
	map->nentries = n;
	return 0;
}

static int
grow_changes(struct event_io_map *map)
{
	int cap = map->changes_cap ? map->changes_cap * 2 : 16;
	int *changes = mm_realloc(map->changes, (size_t)cap * sizeof(int));

	if (changes == NULL)
		return -1;
	map->changes = changes;
	map->changes_cap = cap;
	return 0;
}

static inline int
queue_change(struct event_io_map *map, struct evmap_io *ctx, int fd)
{
	if (ctx->queued)
		return 0;
	if (EVUTIL_UNLIKELY(map->nchanges == map->changes_cap) &&
	    grow_changes(map) == -1)
		return -1;
	map->changes[map->nchanges++] = fd;
	ctx->queued = 1;
	return 0;
}

/*
 * Whether adding `wanted` needs the backend.  It does when the kernel lacks
 * a bit or the edge-trigger mode differs; and when interest lowered earlier
 * this iteration comes back, whoever takes it back.  Between the delete and
 * this add the program may have closed the fd and opened another file
 * under the same number (or dup2()ed one over it), and nothing but the
 * kernel can tell: the backend gets one cheap, exact call (epoll: a MOD,
 * which fails when the file changed and then becomes an ADD, and which
 * re-arms an edge-triggered registration).  Interest that never went away
 * (a pending event re-added to reset its timeout) costs nothing.
 */
static int
io_add_needs_backend(const struct evmap_io *ctx, short wanted)
{
	if (wanted & ~ctx->kernel & ~EV_ET)
		return 1;
	if ((wanted ^ ctx->kernel) & EV_ET)
		return 1;
	if (wanted & ctx->kernel & ~ctx->wanted & ~EV_ET)
		return 1;
	return 0;
}

/*
 * Tells the backend that fd now wants `wanted` (or queues it, in
 * changelist mode).  Returns 1, or -1 when the backend refused.
 */
static inline int
io_add_to_backend(struct event_base *base, struct evmap_io *ctx,
    evutil_socket_t fd, short wanted)
{
	const struct eventop *evsel = base->evsel;
	/* Interest the kernel has but no added event wants: lowered
	 * earlier and not passed on yet, so the file may be new. */
	int maybe_new = (ctx->kernel & ~ctx->wanted &
	                    (EV_READ | EV_WRITE | EV_CLOSED)) != 0;

	if (EVUTIL_UNLIKELY(evsel->defer_all)) {
		/* libevent's changelist mode: even additions wait for the
		 * next iteration, and their errors are only logged then. */
		if (queue_change(&base->io, ctx, fd) == -1)
			return -1;
		if (ctx->force < 2)
			ctx->force = maybe_new ? 2 : 1;
	} else {
		short old = ctx->kernel;
		if (maybe_new)
			old |= EVMAP_MAYBE_NEW_FILE;
		if (evsel->change(base, fd, old, wanted, &ctx->backend) == -1)
			return -1;
		ctx->kernel = (ev_uint8_t)wanted;
	}
	return 1; /* a sleeping loop must wake to see it */
}

/*
 * Adding the fd's only event, the usual case, on a backend told at once:
 * no count near its limit, no edge-trigger mode to match, and always a
 * word to the backend (ctx->wanted is 0, so the kernel either lacks the
 * interest or has it from before a delete, when the file may be new).
 * The map is updated before the backend call and undone if it fails, so
 * that only ctx and wanted live across the call.
 */
static inline int
io_add_only_event(struct event_base *base, struct evmap_io *ctx,
    evutil_socket_t fd, struct event *ev, short kinds)
{
	short wanted = kinds | (ev->ev_events & EV_ET);
	short old = ctx->kernel;

	if (old & (EV_READ | EV_WRITE | EV_CLOSED))
		old |= EVMAP_MAYBE_NEW_FILE;
	ctx->nread = (kinds & EV_READ) != 0;
	ctx->nwrite = (kinds & EV_WRITE) != 0;
	ctx->nclose = (kinds & EV_CLOSED) != 0;
	ctx->wanted = (ev_uint8_t)wanted;
	ev->ev_.ev_io.ev_io_next.le_next = NULL;
	ev->ev_.ev_io.ev_io_next.le_prev = &ctx->events;
	ctx->events = ev;
	if (EVUTIL_UNLIKELY(base->evsel->change(base, fd, old, wanted,
	                        &ctx->backend) == -1)) {
		ctx->events = NULL;
		ctx->nread = ctx->nwrite = ctx->nclose = 0;
		ctx->wanted = 0;
		return -1;
	}
	ctx->kernel = (ev_uint8_t)wanted;
	return 1; /* a sleeping loop must wake to see it */
}

/* evmap_io_add_ for everything but its quick case. */
static __attribute__((noinline)) int
io_add_slow(struct event_base *base, evutil_socket_t fd, struct event *ev)
{
	struct event_io_map *map = &base->io;
	const struct eventop *evsel = base->evsel;
	struct evmap_io *ctx;
	int retval = 0;
	short wanted, et, kinds;

	if (fd < 0)
		return 0;
	/* max_fd -1 (no limit) is the largest unsigned value. */
	if (EVUTIL_UNLIKELY((unsigned)fd > (unsigned)evsel->max_fd)) {
		event_warnx("evmap_io_add_: fd %d is too large for the %s "
		            "backend (limit %d)",
		    (int)fd, evsel->name, evsel->max_fd);
		errno = EINVAL;
		return -1;
	}
	if (fd >= map->nentries && io_map_grow(map, fd) == -1)
		return -1;
	ctx = &map->entries[fd];

	kinds = ev->ev_events & (EV_READ | EV_WRITE | EV_CLOSED);
	/* Counts are 16 bits: one test while none is near the limit. */
	if (EVUTIL_UNLIKELY(
	        (ctx->nread | ctx->nwrite | ctx->nclose) == 0xffff) &&
	    (((kinds & EV_READ) && ctx->nread == 0xffff) ||
	        ((kinds & EV_WRITE) && ctx->nwrite == 0xffff) ||
	        ((kinds & EV_CLOSED) && ctx->nclose == 0xffff))) {
		event_warnx("Too many events reading or writing on fd %d",
		    (int)fd);
		return -1;
	}
	wanted = (ctx->wanted & ~EV_ET) | kinds;
	et = ev->ev_events & EV_ET;
	if (EVUTIL_UNLIKELY(ctx->events && (ctx->wanted & EV_ET) != et)) {
		/*
		 * Only debug mode refuses this, as in libevent; otherwise the
		 * kernel registration takes the mode of whichever event
		 * changes it, and an event adding nothing new changes nothing.
		 */
		if (event_debug_mode_on_) {
			event_warnx("Tried to mix edge-triggered and "
			            "non-edge-triggered events on fd %d",
			    (int)fd);
			return -1;
		}
		if (!(wanted & ~ctx->wanted))
			et = ctx->wanted & EV_ET;
	}
	wanted |= et;

	if (io_add_needs_backend(ctx, wanted)) {
		if (io_add_to_backend(base, ctx, fd, wanted) == -1)
			return -1;
		retval = 1;
	}
	ctx->nread += !!(kinds & EV_READ);
	ctx->nwrite += !!(kinds & EV_WRITE);
	ctx->nclose += !!(kinds & EV_CLOSED);
	ctx->wanted = (ev_uint8_t)wanted;
	EVENT_LIST_PUSH(&ctx->events, ev, io_next);
	return retval;
}

int
evmap_io_add_(struct event_base *base, evutil_socket_t fd, struct event *ev)
{
	struct event_io_map *map = &base->io;
	short kinds = ev->ev_events & (EV_READ | EV_WRITE | EV_CLOSED);

	/* The conditions of io_add_only_event, and a valid fd in the map. */
	if (EVUTIL_LIKELY(fd >= 0 && fd < map->nentries &&
	        (unsigned)fd <= (unsigned)base->evsel->max_fd &&
	        map->entries[fd].events == NULL && kinds != 0 &&
	        !base->evsel->defer_all))
		return io_add_only_event(base, &map->entries[fd], fd, ev,
		    kinds);
	return io_add_slow(base, fd, ev);
}

/*
 * The rest of evmap_io_del_, out of line so that the usual delete (the
 * loop's thread, a backend that does not pin files, room in the change
 * queue) saves no registers for the calls made here.
 */
static __attribute__((noinline)) int
io_del_slow(struct event_base *base, struct evmap_io *ctx, evutil_socket_t fd)
{
	if ((base->th_base_lock != NULL && !EVBASE_IN_THREAD(base)) ||
	    (base->evsel->pins_files && !base->running_loop) ||
	    queue_change(&base->io, ctx, fd) == -1) {
		base->evsel->change(base, fd, ctx->kernel, ctx->wanted,
		    &ctx->backend);
		ctx->kernel = ctx->wanted;
		return 1;
	}
	return 0;
}

int
evmap_io_del_(struct event_base *base, evutil_socket_t fd, struct event *ev)
{
	struct event_io_map *map = &base->io;
	struct evmap_io *ctx;
	short wanted;

	if (fd < 0)
		return 0;
	if (fd >= map->nentries)
		return -1;
	ctx = &map->entries[fd];

	if (EVUTIL_LIKELY(ctx->events == ev &&
	        ev->ev_.ev_io.ev_io_next.le_next == NULL)) {
		/* The fd's only event: every count goes to 0 with it. */
		ctx->events = NULL;
		ctx->nread = 0;
		ctx->nwrite = 0;
		ctx->nclose = 0;
		wanted = 0;
	} else {
		/* An interest goes when its last event does. */
		wanted = ctx->wanted;
		if ((ev->ev_events & EV_READ) && --ctx->nread == 0)
			wanted &= ~EV_READ;
		if ((ev->ev_events & EV_WRITE) && --ctx->nwrite == 0)
			wanted &= ~EV_WRITE;
		if ((ev->ev_events & EV_CLOSED) && --ctx->nclose == 0)
			wanted &= ~EV_CLOSED;
		EVENT_LIST_REMOVE(ev, io_next);
		if (!(wanted & (EV_READ | EV_WRITE | EV_CLOSED)))
			wanted = 0;
	}
	if (wanted == ctx->wanted)
		return 0;
	ctx->wanted = (ev_uint8_t)wanted;
	/*
	 * Deferring is for the loop's own thread.  Another thread's delete
	 * goes to the backend now, as libevent's does: once event_del
	 * returns there, the program may close the fd at once, and the loop
	 * thread must not act on that number later (harmless for the kernel,
	 * but a race on the fd between two threads, and ThreadSanitizer says
	 * so in the program's tests).  A backend whose registrations pin
	 * their files (pins_files) hears of a delete made outside a running
	 * loop at once too, or the file would stay open after close().
	 */
	if (EVUTIL_LIKELY(
	        base->th_base_lock == NULL && !base->evsel->pins_files)) {
		if (ctx->queued)
			return 0;
		if (map->nchanges < map->changes_cap) {
			map->changes[map->nchanges++] = fd;
			ctx->queued = 1;
			return 0;
		}
	}
	return io_del_slow(base, ctx, fd);
}

void
evmap_flush_changes_(struct event_base *base)
{
	struct event_io_map *map = &base->io;
	int i;

	for (i = 0; i < map->nchanges; i++) {
		int fd = map->changes[i];
		struct evmap_io *ctx = &map->entries[fd];

		short old;

		ctx->queued = 0;
		if (ctx->wanted == ctx->kernel && !ctx->force)
			continue;
		old = ctx->kernel;
		if (ctx->force == 2)
			old |= EVMAP_MAYBE_NEW_FILE;
		ctx->force = 0;
		/*
		 * A failure here (the fd was closed, so the kernel already
		 * forgot it) leaves nothing to undo.
		 */
		base->evsel->change(base, fd, old, ctx->wanted, &ctx->backend);
		ctx->kernel = ctx->wanted;
	}
	map->nchanges = 0;
}

void
evmap_io_active_(struct event_base *base, evutil_socket_t fd, short events)
{
	struct event_io_map *map = &base->io;
	struct event *ev;

	if (fd < 0 || fd >= map->nentries)
		return;
	for (ev = map->entries[fd].events; ev; ev = ev->io_next.le_next) {
		if (ev->ev_events & events & ~EV_ET)
			event_active_nolock_(ev, ev->ev_events & events, 1);
	}
}

int *
evmap_io_backend_slot_(struct event_base *base, evutil_socket_t fd)
{
	if (fd < 0 || fd >= base->io.nentries)
		return NULL;
	return &base->io.entries[fd].backend;
}

int
evmap_signal_add_(struct event_base *base, int sig, struct event *ev)
{
	struct event_signal_map *map = &base->sigmap;
	struct evmap_signal *ctx;

	if (sig < 0 || sig >= NSIG) {
		errno = EINVAL;
		return -1;
	}
	if (sig >= map->nentries && signal_map_grow(map, sig) == -1)
		return -1;
	ctx = &map->entries[sig];
	if (ctx->events == NULL && evsig_add_(base, sig) == -1)
		return -1;
	EVENT_LIST_PUSH(&ctx->events, ev, sig_next);
	return 1;
}

int
evmap_signal_del_(struct event_base *base, int sig, struct event *ev)
{
	struct event_signal_map *map = &base->sigmap;
	struct evmap_signal *ctx;

	if (sig < 0 || sig >= map->nentries)
		return -1;
	ctx = &map->entries[sig];
	EVENT_LIST_REMOVE(ev, sig_next);
	if (ctx->events == NULL && evsig_del_(base, sig) == -1)
		return -1;
	return 1;
}

void
evmap_signal_active_(struct event_base *base, int sig, int ncalls)
{
	struct event_signal_map *map = &base->sigmap;
	struct event *ev;

	if (sig < 0 || sig >= map->nentries)
		return;
	for (ev = map->entries[sig].events; ev; ev = ev->sig_next.le_next)
		event_active_nolock_(ev, EV_SIGNAL, (short)ncalls);
}

int
evmap_reinit_(struct event_base *base)
{
	struct event_io_map *map = &base->io;
	int fd, result = 0;

	for (fd = 0; fd < map->nentries; fd++) {
		struct evmap_io *ctx = &map->entries[fd];

		ctx->queued = 0;
		ctx->force = 0;
		ctx->kernel = 0;
		ctx->backend = -1;
		if (!ctx->wanted)
			continue;
		if (base->evsel->change(base, fd, 0, ctx->wanted,
		        &ctx->backend) == -1) {
			result = -1;
			continue;
		}
		ctx->kernel = ctx->wanted;
	}
	map->nchanges = 0;
	return result;
}

void
evmap_delete_all_(struct event_base *base)
{
	int i;

	for (i = 0; i < base->io.nentries; i++) {
		struct event *ev = base->io.entries[i].events;
		while (ev) {
			struct event *next = ev->io_next.le_next;
			if (!(ev->ev_flags & EVLIST_INTERNAL))
				event_del_nolock_(ev,
				    EVENT_DEL_EVEN_IF_FINALIZING);
			ev = next;
		}
	}
	for (i = 0; i < base->sigmap.nentries; i++) {
		struct event *ev = base->sigmap.entries[i].events;
		while (ev) {
			struct event *next = ev->sig_next.le_next;
			if (!(ev->ev_flags & EVLIST_INTERNAL))
				event_del_nolock_(ev,
				    EVENT_DEL_EVEN_IF_FINALIZING);
			ev = next;
		}
	}
}

int
evmap_foreach_event_(struct event_base *base,
    int (*fn)(const struct event_base *, const struct event *, void *),
    void *arg)
{
	int i, r;

	for (i = 0; i < base->io.nentries; i++) {
		const struct event *ev;
		for (ev = base->io.entries[i].events; ev;
		     ev = ev->io_next.le_next) {
			if ((r = fn(base, ev, arg)) != 0)
				return r;
		}
	}
	for (i = 0; i < base->sigmap.nentries; i++) {
		const struct event *ev;
		for (ev = base->sigmap.entries[i].events; ev;
		     ev = ev->sig_next.le_next) {
			if ((r = fn(base, ev, arg)) != 0)
				return r;
		}
	}
	return 0;
}
