/*
 * event-internal.h: struct event_base, struct eventop and what the core
 * shares with the backends, the fd/signal maps and the signal code.
 */
#ifndef EVENT_INTERNAL_H_INCLUDED_
#define EVENT_INTERNAL_H_INCLUDED_

#include <sys/time.h>
#include <sys/types.h>

#include <event2/event.h>
#include <event2/event_struct.h>

#include "evmap-internal.h"
#include "evsignal-internal.h"
#include "minheap-internal.h"
#include "time-internal.h"
#include "util-internal.h"
#include "watch-internal.h"

/* Short names for the fields of struct event that the core uses a lot. */
#define ev_flags ev_evcallback.evcb_flags
#define ev_pri ev_evcallback.evcb_pri
#define ev_closure ev_evcallback.evcb_closure
#define ev_callback ev_evcallback.evcb_cb_union.evcb_callback
#define ev_arg ev_evcallback.evcb_arg
#define ev_io_timeout ev_.ev_io.ev_timeout
#define ev_ncalls ev_.ev_signal.ev_ncalls
#define ev_pncalls ev_.ev_signal.ev_pncalls

/* How the loop runs a callback: evcb_closure. */
enum ev_closure_kind {
	EV_CLOSURE_EVENT = 0,
	EV_CLOSURE_EVENT_SIGNAL = 1,
	EV_CLOSURE_EVENT_PERSIST = 2,
	EV_CLOSURE_CB_SELF = 3,
	EV_CLOSURE_CB_FINALIZE = 4,
	EV_CLOSURE_EVENT_FINALIZE = 5,
	EV_CLOSURE_EVENT_FINALIZE_FREE = 6
};

/*
 * A backend, written with designated initializers (fields left out are 0).
 *
 * change() is told the interest the kernel has now and the one wanted
 * (EV_READ|EV_WRITE|EV_CLOSED|EV_ET; mask `old` with EVMAP_IO_BITS, see
 * EVMAP_MAYBE_NEW_FILE in evmap-internal.h); fdinfo points at the one int
 * the fd map keeps per fd for the backend (-1 until the backend sets it).
 * It is called with the base locked, from the loop's thread or, for a
 * delete, from another thread (the program may close the fd as soon as
 * event_del returns there).
 *
 * dispatch() waits at most tv (NULL: forever) with the lock released
 * around the wait, then activates ready fds through evmap_ready_begin_/
 * evmap_io_ready_/evmap_ready_end_; it may call evmap_reinit_ or
 * evmap_flush_changes_.
 */
struct eventop {
	const char *name;
	void *(*init)(struct event_base *base);
	int (*change)(struct event_base *base, evutil_socket_t fd, short old,
	    short wanted, void *fdinfo);
	int (*dispatch)(struct event_base *base, struct timeval *tv);
	void (*dealloc)(struct event_base *base);
	/*
	 * Optional: called with the lock held when event_base_loop (or ae's
	 * single pass) returns.  A backend that queues changes of its own
	 * passes them to the kernel here when they must not wait for the
	 * next loop (io_uring: removals, whose polls keep files open).
	 */
	void (*leave)(struct event_base *base);
	/* 1 when a forked child must make a new kernel object. */
	int need_reinit;
	enum event_method_feature features;
	/* Largest fd the backend can watch, or -1 for no limit. */
	int max_fd;
	/* 1: additions wait for the next wait too (libevent's changelist). */
	int defer_all;
	/*
	 * 1: a registration keeps the file open (io_uring's polls hold a
	 * reference), so the fd map passes lowered interest at once when no
	 * loop is running: after event_del and close() outside the loop the
	 * peer must see the close without another iteration.
	 */
	int pins_files;
};

#define EVENT_DEL_NOBLOCK 0
#define EVENT_DEL_BLOCK 1
#define EVENT_DEL_AUTOBLOCK 2
#define EVENT_DEL_EVEN_IF_FINALIZING 3

/* Common timeouts keep their queue index in the high bits of tv_usec. */
#define MICROSECONDS_MASK 0x000fffff
#define COMMON_TIMEOUT_IDX_MASK 0x0ff00000
#define COMMON_TIMEOUT_IDX_SHIFT 20
#define COMMON_TIMEOUT_MASK 0xf0000000
#define COMMON_TIMEOUT_MAGIC 0x50000000
#define MAX_COMMON_TIMEOUTS 256

struct callback_queue {
	struct event_callback *tqh_first;
	struct event_callback **tqh_last;
};

struct event_queue {
	struct event *tqh_first;
	struct event **tqh_last;
};

/* Events sharing one duration: a FIFO is already in deadline order. */
struct common_timeout_list {
	struct event_queue events;
	struct timeval duration;
	struct event timeout_event;
	struct event_base *base;
};

/* An event_base_once record: freed when it runs or with its base. */
struct event_once {
	struct event_once *next;
	struct event_once **prevp;
	struct event ev;
	void (*cb)(evutil_socket_t, short, void *);
	void *arg;
};

static inline void
once_unlink(struct event_once *eonce)
{
	if (eonce->next)
		eonce->next->prevp = eonce->prevp;
	*eonce->prevp = eonce->next;
}

/* The link of an event in a common-timeout queue. */
#define TO_NEXT(ev) ((ev)->ev_timeout_pos.ev_next_with_common_timeout)

struct event_config_entry {
	struct event_config_entry *next;
	char *avoid_method;
};

struct event_config {
	struct event_config_entry *entries;
	int n_cpus_hint;
	struct timeval max_dispatch_interval;
	int max_dispatch_callbacks;
	int limit_callbacks_after_prio;
	enum event_method_feature require_features;
	enum event_base_config_flag flags;
};

struct event_base {
	const struct eventop *evsel;
	void *evbase;

	/* Kernel interest, per fd and per signal. */
	struct event_io_map io;
	struct event_signal_map sigmap;
	struct evsig_info sig;

	/* Counts as event_base_get_num_events reports them. */
	int event_count;
	int event_count_max;
	int event_count_active;
	int event_count_active_max;
	int virtual_event_count;
	int virtual_event_count_max;

	/* Loop control. */
	int event_gotterm;
	/* Read together after every callback: one load tests both. */
	union {
		struct {
			ev_uint8_t event_break_;
			ev_uint8_t event_continue_;
		} bits;
		ev_uint16_t any;
	} loop_stop;
	int event_running_priority;
	int running_loop;
	int n_deferreds_queued;

	/* Callbacks ready to run, one queue per priority. */
	struct callback_queue *activequeues;
	int nactivequeues;
	struct callback_queue active_later_queue;

	/* Dispatch limits (event_config_set_max_dispatch_interval). */
	struct timeval max_dispatch_time;
	int max_dispatch_callbacks;
	int limit_callbacks_after_prio;

	/*
	 * Prepare, check and idle watchers (watch.c, watch-internal.h);
	 * event_base_loop hands its wait to evwatch_dispatch_ while
	 * watch.count is non-zero.
	 */
	struct evwatch_state watch;

	/* Timers. */
	struct common_timeout_list **common_timeout_queues;
	int n_common_timeouts;
	int n_common_timeouts_allocated;
	struct min_heap timeheap;

	/* Time: the cache is valid while the loop runs callbacks. */
	struct timeval tv_cache;
	struct evutil_monotonic_timer monotonic_timer;
	struct timeval tv_clock_diff; /* wall clock minus monotonic */
	time_t last_updated_clock_diff;

	/* Threads. */
	unsigned long th_owner_id;
	void *th_base_lock;
	void *current_event_cond;
	int current_event_waiters;
	struct event_callback *current_event;
	int is_notify_pending;
	evutil_socket_t th_notify_fd[2];
	struct event th_notify;
	int (*th_notify_fn)(struct event_base *base);

	/* event_base_once records, freed with the base if never run. */
	struct event_once *once_events;

	enum event_base_config_flag flags;

	/*
	 * The process whose backend objects these are (made by the base or
	 * by event_reinit).  In a forked child that did not reinit, the
	 * epoll set or io_uring ring is still the parent's: event_free.c
	 * then keeps the child's deletes away from it.
	 */
	pid_t pid;
};

/* 1 when the caller is not the loop's thread and the loop may sleep. */
#define EVBASE_NEED_NOTIFY(base)                            \
	((base)->running_loop && evthread_id_fn_ != NULL && \
	    (base)->th_owner_id != evthread_id_fn_())

#define event_break loop_stop.bits.event_break_
#define event_continue loop_stop.bits.event_continue_

#define N_ACTIVE_CALLBACKS(base) ((base)->event_count_active)

static inline struct event_callback *
event_to_event_callback(struct event *ev)
{
	return &ev->ev_evcallback;
}

static inline struct event *
event_callback_to_event(struct event_callback *evcb)
{
	return (struct event *)evcb;
}

/* The wall-clock offset is refreshed this often (seconds). */
#define CLOCK_SYNC_INTERVAL 5

/*
 * Monotonic now: the cached value while callbacks run, else the clock.
 * This one leaves the wall-clock offset alone: for timer adds, which
 * never need it.  Everything that reads the offset goes through
 * event_base_gettime_() first (the loop's cache update, event_pending).
 */
static inline int
event_base_gettime_monotonic_(struct event_base *base, struct timeval *tp)
{
	if (base->tv_cache.tv_sec) {
		*tp = base->tv_cache;
		return 0;
	}
	return evutil_gettime_monotonic_(&base->monotonic_timer, tp);
}

/* Monotonic now, refreshing the wall-clock offset every few seconds. */
static inline int
event_base_gettime_(struct event_base *base, struct timeval *tp)
{
	if (base->tv_cache.tv_sec) {
		*tp = base->tv_cache;
		return 0;
	}
	if (evutil_gettime_monotonic_(&base->monotonic_timer, tp) == -1)
		return -1;
	if (EVUTIL_UNLIKELY(
	        base->last_updated_clock_diff + CLOCK_SYNC_INTERVAL <
	        tp->tv_sec)) {
		struct timeval wall;
		evutil_gettimeofday(&wall, NULL);
		evutil_timersub(&wall, tp, &base->tv_clock_diff);
		base->last_updated_clock_diff = tp->tv_sec;
	}
	return 0;
}

/* The count of events a base has, which internal events stay out of. */
static inline void
event_count_in_(struct event_base *base, short flags)
{
	if (!(flags & EVLIST_INTERNAL)) {
		if (++base->event_count > base->event_count_max)
			base->event_count_max = base->event_count;
	}
}

static inline void
event_count_out_(struct event_base *base, short flags)
{
	if (!(flags & EVLIST_INTERNAL))
		base->event_count--;
}

/* Common timeouts (event_timer.c): a queue per duration. */
#define COMMON_TIMEOUT_IDX(tv) \
	(((tv)->tv_usec & COMMON_TIMEOUT_IDX_MASK) >> COMMON_TIMEOUT_IDX_SHIFT)

static inline int
is_common_timeout(const struct timeval *tv, const struct event_base *base)
{
	if ((tv->tv_usec & COMMON_TIMEOUT_MASK) != COMMON_TIMEOUT_MAGIC)
		return 0;
	return COMMON_TIMEOUT_IDX(tv) < base->n_common_timeouts;
}

static inline struct common_timeout_list *
get_common_timeout_list(struct event_base *base, const struct timeval *tv)
{
	return base->common_timeout_queues[COMMON_TIMEOUT_IDX(tv)];
}

/*
 * The backends' hot path: an fd is ready, activate its events.  This runs
 * in the loop's own thread with no callback running, so the checks of
 * event_active_nolock_ for other threads and for a running priority do
 * not apply; anything unusual (already active, finalizing) takes the full
 * path.
 */
void event_active_nolock_(struct event *ev, int res, short count);

static inline int
event_active_from_backend_(struct callback_queue *queues, struct event *ev,
    short res)
{
	struct event_callback *evcb = &ev->ev_evcallback;
	struct callback_queue *q;

	if (__builtin_expect((evcb->evcb_flags &
	                         (EVLIST_ACTIVE | EVLIST_ACTIVE_LATER |
	                             EVLIST_FINALIZING | EVLIST_INTERNAL)) != 0,
	        0)) {
		event_active_nolock_(ev, res, 1);
		return 0;
	}
	ev->ev_res = res;
	evcb->evcb_flags |= EVLIST_ACTIVE;
	q = &queues[evcb->evcb_pri];
	evcb->evcb_active_next.tqe_next = NULL;
	evcb->evcb_active_next.tqe_prev = q->tqh_last;
	*q->tqh_last = evcb;
	q->tqh_last = &evcb->evcb_active_next.tqe_next;
	return 1; /* counted later by event_count_activated_ */
}

/*
 * What a backend's dispatch uses to activate the events of ready fds.
 * The map and the queues are read once per wait into a struct the
 * compiler can keep in registers (activation stores would otherwise make
 * it reload them for every fd): nothing adds or removes fds meanwhile.
 */
struct evmap_ready_ctx {
	struct evmap_io *entries;
	unsigned nentries;
	struct callback_queue *queues;
	int queued; /* events whose counts event_count_activated_ adds */
};

static inline void
evmap_ready_begin_(struct event_base *base, struct evmap_ready_ctx *ctx)
{
	ctx->entries = base->io.entries;
	ctx->nentries = (unsigned)base->io.nentries;
	ctx->queues = base->activequeues;
	ctx->queued = 0;
}

/*
 * fd, known to be below ctx->nentries, is ready for events (EV_READ,
 * EV_WRITE, EV_CLOSED, EV_ET).
 */
static inline void
evmap_io_ready_in_map_(struct evmap_ready_ctx *ctx, evutil_socket_t fd,
    short events)
{
	struct event *ev;

	for (ev = ctx->entries[fd].events; ev;
	     ev = ev->ev_.ev_io.ev_io_next.le_next) {
		short res = ev->ev_events & events;
		if (res & ~EV_ET)
			ctx->queued +=
			    event_active_from_backend_(ctx->queues, ev, res);
	}
}

/* fd is ready for events; an fd the map has never seen is ignored. */
static inline void
evmap_io_ready_(struct evmap_ready_ctx *ctx, evutil_socket_t fd, short events)
{
	if (__builtin_expect((unsigned)fd < ctx->nentries, 1))
		evmap_io_ready_in_map_(ctx, fd, events);
}

/* Adds the counts of what evmap_io_ready_ queued; once per wait. */
static inline void
evmap_ready_end_(struct event_base *base, struct evmap_ready_ctx *ctx)
{
	int n = ctx->queued;

	base->event_count += n;
	if (base->event_count > base->event_count_max)
		base->event_count_max = base->event_count;
	base->event_count_active += n;
	if (base->event_count_active > base->event_count_active_max)
		base->event_count_active_max = base->event_count_active;
}

/* Core entry points the maps, backends, signals and threads call. */
int event_add_nolock_(struct event *ev, const struct timeval *tv,
    int tv_is_absolute);
int event_del_nolock_(struct event *ev, int blocking);
int event_callback_activate_nolock_(struct event_base *base,
    struct event_callback *evcb);
int event_callback_activate_(struct event_base *base,
    struct event_callback *evcb);
int event_callback_activate_later_nolock_(struct event_base *base,
    struct event_callback *evcb);
int event_callback_cancel_nolock_(struct event_base *base,
    struct event_callback *evcb, int even_if_finalizing);
int event_callback_cancel_(struct event_base *base,
    struct event_callback *evcb);
void event_callback_init_(struct event_base *base, struct event_callback *evcb);
void event_callback_finalize_(struct event_base *base, unsigned flags,
    struct event_callback *evcb, void (*cb)(struct event_callback *, void *));
int event_callback_finalize_many_(struct event_base *base, int n_cbs,
    struct event_callback **evcbs, void (*cb)(struct event_callback *, void *));
void event_active_later_(struct event *ev, int res);
void event_active_later_nolock_(struct event *ev, int res);
int event_remove_timer_nolock_(struct event *ev);
void event_queue_remove_active_(struct event_base *base,
    struct event_callback *evcb);

/*
 * Timers (event_timer.c): the heap, common-timeout queues, deadlines.
 * event_add_timeout_ expects heap space reserved.  event_add's quick
 * path for timers is inline in timer-internal.h.
 */
void event_queue_remove_timeout_(struct event_base *base, struct event *ev);
void event_add_timeout_(struct event_base *base, struct event *ev,
    const struct timeval *tv, int tv_is_absolute);
int event_timeout_needs_wakeup_(struct event_base *base, struct event *ev);
void event_rearm_persistent_timeout_(struct event_base *base, struct event *ev);
void event_timeout_process_(struct event_base *base);
int event_timeout_next_(struct event_base *base, struct timeval **tv_p);

/* Deferred callbacks: the later layers (buffers) run their work there. */
void event_deferred_cb_init_(struct event_callback *cb, ev_uint8_t priority,
    void (*fn)(struct event_callback *, void *), void *arg);
void event_deferred_cb_set_priority_(struct event_callback *cb,
    ev_uint8_t priority);
void event_deferred_cb_cancel_(struct event_base *base,
    struct event_callback *cb);
int event_deferred_cb_schedule_(struct event_base *base,
    struct event_callback *cb);

struct event_base *event_base_get_deferred_cb_queue_(struct event_base *base);
int evthread_make_base_notifiable_nolock_(struct event_base *base);
int event_base_del_virtual_(struct event_base *base);
void event_base_add_virtual_(struct event_base *base);
int event_base_assert_ok_(struct event_base *base);

/*
 * ae.c's wait (event.c): one wait with the caller's timeout; the events
 * with callback cb that fired are noted in fired[] instead of run.  The
 * layout is that of ae.h's aeFiredEvent, res still in EV_ bits.
 */
struct event_fired_ {
	int fd;
	int res;
};
int event_base_wait_fired_(struct event_base *base, const struct timeval *tv,
    event_callback_fn cb, struct event_fired_ *fired, int max);


/*
 * Debug mode (event_debug.c).  The checks are inline tests of one flag, so
 * that they cost a load and a branch while debug mode is off.  Setting up
 * and tearing down always call out: they also note that it is too late to
 * turn debug mode on.
 */
extern int event_debug_mode_on_;
void event_debug_note_setup_(const struct event *ev);
void event_debug_note_teardown_(const struct event *ev);
void event_debug_note_add_slow_(const struct event *ev);
void event_debug_note_del_slow_(const struct event *ev);
void event_debug_assert_is_setup_slow_(const struct event *ev,
    const char *caller);
void event_debug_assert_not_added_slow_(const struct event *ev,
    const char *caller);
void event_debug_assert_socket_nonblocking_slow_(evutil_socket_t fd);

#define EVENT_DEBUG_MODE_ON_() __builtin_expect(event_debug_mode_on_, 0)
#define event_debug_note_add_(ev)                       \
	do {                                            \
		if (EVENT_DEBUG_MODE_ON_())             \
			event_debug_note_add_slow_(ev); \
	} while (0)
#define event_debug_note_del_(ev)                       \
	do {                                            \
		if (EVENT_DEBUG_MODE_ON_())             \
			event_debug_note_del_slow_(ev); \
	} while (0)
#define event_debug_assert_is_setup_(ev, caller)                           \
	do {                                                               \
		if (EVENT_DEBUG_MODE_ON_())                                \
			event_debug_assert_is_setup_slow_((ev), (caller)); \
	} while (0)
#define event_debug_assert_not_added_(ev, caller)                           \
	do {                                                                \
		if (EVENT_DEBUG_MODE_ON_())                                 \
			event_debug_assert_not_added_slow_((ev), (caller)); \
	} while (0)
#define event_debug_assert_socket_nonblocking_(fd)                       \
	do {                                                             \
		if (EVENT_DEBUG_MODE_ON_())                              \
			event_debug_assert_socket_nonblocking_slow_(fd); \
	} while (0)
void event_disable_debug_mode_(void);
void event_debug_setup_lock_(void);
void event_debug_free_lock_(void);

/* The base of the 1.4 API (event_init, event_set, event_dispatch...). */
extern struct event_base *event_global_current_base_;
#define current_base event_global_current_base_

/* The backends, in event.c's order of preference. */
extern const struct eventop epollops;
extern const struct eventop epollops_changelist;
extern const struct eventop pollops;
extern const struct eventop selectops;
extern const struct eventop io_uringops;

/* evthread.c: called by libevent_global_shutdown. */
void evthread_free_globals_(void);
void evsig_free_globals_(void);

#endif /* EVENT_INTERNAL_H_INCLUDED_ */
