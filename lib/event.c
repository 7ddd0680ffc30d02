/*
 * event.c: event_base, event_config, events, timers and the loop.
 *
 * An iteration of the loop: work out how long to sleep from the earliest
 * timer; let the fd map hand the backend any interest lowered since the
 * last wait; wait in the backend, which activates the ready fds' events;
 * activate the timers that are due; then run the active callbacks of the
 * most urgent priority that has any.  What happened (activation) is kept
 * apart from what to do (running callbacks), so a callback may add, delete
 * or free any event, itself included.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/event_compat.h>
#include <event2/event_struct.h>
#include <event2/thread.h>
#include <event2/util.h>

#include "event-internal.h"
#include "evmap-internal.h"
#include "evsignal-internal.h"
#include "evthread-internal.h"
#include "log-internal.h"
#include "minheap-internal.h"
#include "mm-internal.h"
#include "time-internal.h"
#include "timer-internal.h"
#include "util-internal.h"

/* Backends in order of preference. */
static const struct eventop *const eventops[] = {
#ifdef HAVE_SYS_EPOLL_H
	&epollops,
#endif
#ifdef HAVE_POLL_H
	&pollops,
#endif
#ifdef HAVE_SYS_SELECT_H
	&selectops,
#endif
#ifdef HAVE_IO_URING
	&io_uringops, /* opt-in for now: --method io_uring, EVENT_NO* */
#endif
	NULL,
};

/* The base of the 1.4 API (event_init, event_set, event_dispatch...). */
struct event_base *event_global_current_base_ = NULL;

/* event_self_cbarg() returns this address; event_assign swaps it. */
static void *event_self_cbarg_ptr_ = NULL;

/* Deferred callbacks run now until this many, then next iteration. */
#define MAX_DEFERREDS_QUEUED 32
/* Set in an event_finalize flag word: free the event afterwards. */
#define EVENT_FINALIZE_FREE_ 0x10000


static int evthread_notify_base(struct event_base *base);

/* ------------------------------------------------------------------ */
/* Small intrusive queues.                                             */

#define CBQ_INIT(q)                              \
	do {                                     \
		(q)->tqh_first = NULL;           \
		(q)->tqh_last = &(q)->tqh_first; \
	} while (0)

static inline void
cbq_push(struct callback_queue *q, struct event_callback *evcb)
{
	evcb->evcb_active_next.tqe_next = NULL;
	evcb->evcb_active_next.tqe_prev = q->tqh_last;
	*q->tqh_last = evcb;
	q->tqh_last = &evcb->evcb_active_next.tqe_next;
}

static inline void
cbq_remove(struct callback_queue *q, struct event_callback *evcb)
{
	struct event_callback *next = evcb->evcb_active_next.tqe_next;

	if (next)
		next->evcb_active_next.tqe_prev =
		    evcb->evcb_active_next.tqe_prev;
	else
		q->tqh_last = evcb->evcb_active_next.tqe_prev;
	*evcb->evcb_active_next.tqe_prev = next;
}


/* ------------------------------------------------------------------ */
/* Time.                                                               */

static inline void
clear_time_cache(struct event_base *base)
{
	base->tv_cache.tv_sec = 0;
}

static inline void
update_time_cache(struct event_base *base)
{
	base->tv_cache.tv_sec = 0;
	if (!(base->flags & EVENT_BASE_FLAG_NO_CACHE_TIME))
		event_base_gettime_(base, &base->tv_cache);
}

int
event_base_gettimeofday_cached(struct event_base *base, struct timeval *tv)
{
	int r = 0;

	if (base == NULL) {
		base = current_base;
		if (base == NULL)
			return evutil_gettimeofday(tv, NULL);
	}
	EVBASE_ACQUIRE_LOCK(base, th_base_lock);
	if (base->tv_cache.tv_sec == 0)
		r = evutil_gettimeofday(tv, NULL);
	else
		evutil_timeradd(&base->tv_cache, &base->tv_clock_diff, tv);
	EVBASE_RELEASE_LOCK(base, th_base_lock);
	return r;
}

int
event_base_update_cache_time(struct event_base *base)
{
	if (base == NULL) {
		base = current_base;
		if (base == NULL)
			return -1;
	}
	EVBASE_ACQUIRE_LOCK(base, th_base_lock);
	if (base->running_loop)
		update_time_cache(base);
	EVBASE_RELEASE_LOCK(base, th_base_lock);
	return 0;
}

int
event_gettime_monotonic(struct event_base *base, struct timeval *tv)
{
	int r = -1;

	if (base && tv) {
		EVBASE_ACQUIRE_LOCK(base, th_base_lock);
		r = evutil_gettime_monotonic_(&base->monotonic_timer, tv);
		EVBASE_RELEASE_LOCK(base, th_base_lock);
	}
	return r;
}

/* ------------------------------------------------------------------ */
/* event_config.                                                       */

static int
config_avoids(const struct event_config *cfg, const char *method)
{
	const struct event_config_entry *entry;

	for (entry = cfg->entries; entry; entry = entry->next) {
		if (entry->avoid_method && !strcmp(entry->avoid_method, method))
			return 1;
	}
	return 0;
}

/* EVENT_NO<METHOD> in the environment turns a backend off. */
static int
method_disabled_by_env(const char *name)
{
	char var[64];
	size_t i;

	evutil_snprintf(var, sizeof(var), "EVENT_NO%s", name);
	for (i = 8; var[i]; i++)
		var[i] = EVUTIL_TOUPPER_(var[i]);
	return evutil_getenv_(var) != NULL;
}

const char **
event_get_supported_methods(void)
{
	static const char *methods[sizeof(eventops) / sizeof(eventops[0])];
	size_t i;

	for (i = 0; eventops[i]; i++)
		methods[i] = eventops[i]->name;
	methods[i] = NULL;
	return methods;
}

/* ------------------------------------------------------------------ */
/* event_base.                                                         */

static void
base_apply_config(struct event_base *base, const struct event_config *cfg)
{
	base->max_dispatch_time.tv_sec = -1;
	base->limit_callbacks_after_prio = 1;
	base->max_dispatch_callbacks = INT_MAX;
	if (cfg) {
		base->max_dispatch_time = cfg->max_dispatch_interval;
		base->limit_callbacks_after_prio =
		    cfg->limit_callbacks_after_prio;
		if (cfg->max_dispatch_callbacks >= 0)
			base->max_dispatch_callbacks =
			    cfg->max_dispatch_callbacks;
	}
	/* Without any limit, no priority needs the limited path. */
	if (base->max_dispatch_callbacks == INT_MAX &&
	    base->max_dispatch_time.tv_sec == -1)
		base->limit_callbacks_after_prio = INT_MAX;
}

static void
base_setup_clock(struct event_base *base, int check_env)
{
	struct timeval now;
	int precise = (base->flags & EVENT_BASE_FLAG_PRECISE_TIMER) != 0;

	if (check_env && !precise && evutil_getenv_("EVENT_PRECISE_TIMER")) {
		precise = 1;
		base->flags |= EVENT_BASE_FLAG_PRECISE_TIMER;
	}
	evutil_configure_monotonic_time_(&base->monotonic_timer,
	    precise ? EV_MONOT_PRECISE : 0);
	event_base_gettime_(base, &now);
}

/* Tries each backend in order; 0 when one started. */
static int
base_pick_backend(struct event_base *base, const struct event_config *cfg,
    int check_env)
{
	int i;

	for (i = 0; eventops[i] && !base->evbase; i++) {
		if (cfg && config_avoids(cfg, eventops[i]->name))
			continue;
		if (cfg &&
		    (eventops[i]->features & cfg->require_features) !=
		        cfg->require_features)
			continue;
		if (check_env && method_disabled_by_env(eventops[i]->name))
			continue;
		base->evsel = eventops[i];
		base->evbase = base->evsel->init(base);
	}
	if (base->evbase == NULL) {
		base->evsel = NULL;
		return -1;
	}
	return 0;
}

struct event_base *
event_base_new_with_config(const struct event_config *cfg)
{
	struct event_base *base;
	int check_env;

	base = mm_calloc(1, sizeof(*base));
	if (base == NULL) {
		event_warn("%s: calloc", __func__);
		return NULL;
	}
	base->pid = getpid();
	if (cfg)
		base->flags = cfg->flags;
	check_env = !(base->flags & EVENT_BASE_FLAG_IGNORE_ENV);
	/* libevent 2.2 reads it by presence, like EVENT_NO*; evsig_init_
	 * clears the flag again when no signalfd can be made. */
	if (check_env && evutil_getenv_("EVENT_USE_SIGNALFD"))
		base->flags |= EVENT_BASE_FLAG_USE_SIGNALFD;
	base_setup_clock(base, check_env);
	min_heap_ctor_(&base->timeheap);
	base->sig.ev_signal_pair[0] = base->sig.ev_signal_pair[1] = -1;
	base->sig.sfd = -1;
	base->th_notify_fd[0] = base->th_notify_fd[1] = -1;
	base->event_running_priority = -1;
	CBQ_INIT(&base->active_later_queue);
	evmap_io_initmap_(&base->io);
	evmap_signal_initmap_(&base->sigmap);
	base_apply_config(base, cfg);

	if (base_pick_backend(base, cfg, check_env) == -1) {
		event_warnx("%s: no event mechanism available", __func__);
		goto err;
	}
	if (evutil_getenv_("EVENT_SHOW_METHOD"))
		event_msgx("libevent using: %s", base->evsel->name);
	if (evsig_init_(base) == -1)
		goto err;
	if (event_base_priority_init(base, 1) < 0)
		goto err;

	if (EVTHREAD_LOCKING_ENABLED() &&
	    !(base->flags & EVENT_BASE_FLAG_NOLOCK)) {
		EVTHREAD_ALLOC_LOCK(base->th_base_lock, 0);
		EVTHREAD_ALLOC_COND(base->current_event_cond);
		if (base->th_base_lock == NULL ||
		    evthread_make_base_notifiable(base) < 0) {
			event_warnx("%s: Unable to make base notifiable.",
			    __func__);
			goto err;
		}
	}
	return base;
err:
	event_base_free(base);
	return NULL;
}

struct event_base *
event_base_new(void)
{
	struct event_config *cfg = event_config_new();
	struct event_base *base = NULL;

	if (cfg) {
		base = event_base_new_with_config(cfg);
		event_config_free(cfg);
	}
	return base;
}

const char *
event_base_get_method(const struct event_base *base)
{
	if (base == NULL || base->evsel == NULL)
		return NULL;
	return base->evsel->name;
}

int
event_base_get_features(const struct event_base *base)
{
	if (base == NULL || base->evsel == NULL)
		return 0;
	return base->evsel->features;
}

int
event_base_priority_init(struct event_base *base, int npriorities)
{
	struct callback_queue *queues;
	int i, r = -1;

	if (base == NULL)
		base = current_base;
	if (base == NULL)
		return -1;
	EVBASE_ACQUIRE_LOCK(base, th_base_lock);
	if (N_ACTIVE_CALLBACKS(base) || npriorities < 1 ||
	    npriorities >= EVENT_MAX_PRIORITIES)
		goto done;
	if (npriorities == base->nactivequeues) {
		r = 0;
		goto done;
	}
	queues = mm_calloc((size_t)npriorities, sizeof(*queues));
	if (queues == NULL) {
		event_warn("%s: calloc", __func__);
		goto done;
	}
	mm_free(base->activequeues);
	base->activequeues = queues;
	base->nactivequeues = npriorities;
	for (i = 0; i < npriorities; i++)
		CBQ_INIT(&base->activequeues[i]);
	r = 0;
done:
	EVBASE_RELEASE_LOCK(base, th_base_lock);
	return r;
}

int
event_base_get_npriorities(struct event_base *base)
{
	int n;

	if (base == NULL)
		base = current_base;
	if (base == NULL)
		return -1;
	EVBASE_ACQUIRE_LOCK(base, th_base_lock);
	n = base->nactivequeues;
	EVBASE_RELEASE_LOCK(base, th_base_lock);
	return n;
}

/* ------------------------------------------------------------------ */
/* Waking a loop that sleeps in another thread.                        */

static int
notify_by_eventfd(struct event_base *base)
{
	ev_uint64_t one = 1;

	if (write(base->th_notify_fd[0], &one, sizeof(one)) < 0 &&
	    errno != EAGAIN)
		return -1;
	return 0;
}

static int
notify_by_pipe(struct event_base *base)
{
	char byte = 0;

	if (write(base->th_notify_fd[1], &byte, 1) < 0 && errno != EAGAIN)
		return -1;
	return 0;
}

static void
drain_notify_fd(evutil_socket_t fd, short what, void *arg)
{
	struct event_base *base = arg;
	unsigned char buf[1024];

	while (read(fd, buf, sizeof(buf)) > 0)
		;
	EVBASE_ACQUIRE_LOCK(base, th_base_lock);
	base->is_notify_pending = 0;
	EVBASE_RELEASE_LOCK(base, th_base_lock);
}

static int
evthread_notify_base(struct event_base *base)
{
	if (base->th_notify_fn == NULL)
		return -1;
	if (base->is_notify_pending)
		return 0;
	base->is_notify_pending = 1;
	return base->th_notify_fn(base);
}

int
evthread_make_base_notifiable_nolock_(struct event_base *base)
{
	if (base->th_notify_fn != NULL)
		return 0;
	base->th_notify_fd[0] =
	    evutil_eventfd_(0, EVUTIL_EFD_CLOEXEC | EVUTIL_EFD_NONBLOCK);
	if (base->th_notify_fd[0] >= 0) {
		base->th_notify_fn = notify_by_eventfd;
	} else if (evutil_make_internal_pipe_(base->th_notify_fd) == 0) {
		base->th_notify_fn = notify_by_pipe;
	} else {
		return -1;
	}
	event_assign(&base->th_notify, base, base->th_notify_fd[0],
	    EV_READ | EV_PERSIST, drain_notify_fd, base);
	base->th_notify.ev_flags |= EVLIST_INTERNAL;
	event_priority_set(&base->th_notify, 0);
	return event_add_nolock_(&base->th_notify, NULL, 0);
}

int
evthread_make_base_notifiable(struct event_base *base)
{
	int r;

	if (base == NULL)
		return -1;
	EVBASE_ACQUIRE_LOCK(base, th_base_lock);
	r = evthread_make_base_notifiable_nolock_(base);
	EVBASE_RELEASE_LOCK(base, th_base_lock);
	return r;
}

/* ------------------------------------------------------------------ */
/* Queues an event can be on, and the counts they keep.                */

static void
event_queue_insert_inserted(struct event_base *base, struct event *ev)
{
	if (EVUTIL_UNLIKELY(ev->ev_flags & EVLIST_INSERTED)) {
		event_errx(1, "%s: %p(fd %d) already inserted", __func__,
		    (void *)ev, (int)ev->ev_fd);
		return;
	}
	event_count_in_(base, ev->ev_flags);
	ev->ev_flags |= EVLIST_INSERTED;
}

static void
event_queue_remove_inserted(struct event_base *base, struct event *ev)
{
	if (EVUTIL_UNLIKELY(!(ev->ev_flags & EVLIST_INSERTED))) {
		event_errx(1, "%s: %p(fd %d) not on queue %x", __func__,
		    (void *)ev, (int)ev->ev_fd, EVLIST_INSERTED);
		return;
	}
	event_count_out_(base, ev->ev_flags);
	ev->ev_flags &= ~EVLIST_INSERTED;
}

static inline void
event_queue_insert_active(struct event_base *base, struct event_callback *evcb)
{
	if (evcb->evcb_flags & EVLIST_ACTIVE)
		return;
	event_count_in_(base, evcb->evcb_flags);
	evcb->evcb_flags |= EVLIST_ACTIVE;
	if (++base->event_count_active > base->event_count_active_max)
		base->event_count_active_max = base->event_count_active;
	cbq_push(&base->activequeues[evcb->evcb_pri], evcb);
}

static inline void
event_queue_remove_active(struct event_base *base, struct event_callback *evcb)
{
	if (EVUTIL_UNLIKELY(!(evcb->evcb_flags & EVLIST_ACTIVE))) {
		event_errx(1, "%s: %p not on queue %x", __func__, (void *)evcb,
		    EVLIST_ACTIVE);
		return;
	}
	event_count_out_(base, evcb->evcb_flags);
	evcb->evcb_flags &= ~EVLIST_ACTIVE;
	base->event_count_active--;
	cbq_remove(&base->activequeues[evcb->evcb_pri], evcb);
}

void
event_queue_remove_active_(struct event_base *base, struct event_callback *evcb)
{
	event_queue_remove_active(base, evcb);
}

static void
event_queue_insert_active_later(struct event_base *base,
    struct event_callback *evcb)
{
	if (evcb->evcb_flags & (EVLIST_ACTIVE_LATER | EVLIST_ACTIVE))
		return;
	event_count_in_(base, evcb->evcb_flags);
	evcb->evcb_flags |= EVLIST_ACTIVE_LATER;
	if (++base->event_count_active > base->event_count_active_max)
		base->event_count_active_max = base->event_count_active;
	cbq_push(&base->active_later_queue, evcb);
}

static void
event_queue_remove_active_later(struct event_base *base,
    struct event_callback *evcb)
{
	if (EVUTIL_UNLIKELY(!(evcb->evcb_flags & EVLIST_ACTIVE_LATER))) {
		event_errx(1, "%s: %p not on queue %x", __func__, (void *)evcb,
		    EVLIST_ACTIVE_LATER);
		return;
	}
	event_count_out_(base, evcb->evcb_flags);
	evcb->evcb_flags &= ~EVLIST_ACTIVE_LATER;
	base->event_count_active--;
	cbq_remove(&base->active_later_queue, evcb);
}

/* Callbacks scheduled "for next time" join the active queues. */
static void
event_queue_make_later_events_active(struct event_base *base)
{
	struct event_callback *evcb;

	while ((evcb = base->active_later_queue.tqh_first) != NULL) {
		cbq_remove(&base->active_later_queue, evcb);
		evcb->evcb_flags =
		    (evcb->evcb_flags & ~EVLIST_ACTIVE_LATER) | EVLIST_ACTIVE;
		cbq_push(&base->activequeues[evcb->evcb_pri], evcb);
		base->n_deferreds_queued +=
		    (evcb->evcb_closure == EV_CLOSURE_CB_SELF);
	}
}

/* ------------------------------------------------------------------ */
/* Setting up events.                                                  */

int
event_assign(struct event *ev, struct event_base *base, evutil_socket_t fd,
    short events, void (*callback)(evutil_socket_t, short, void *), void *arg)
{
	if (base == NULL)
		base = current_base;
	if (arg == &event_self_cbarg_ptr_)
		arg = ev;
	if (!(events & EV_SIGNAL))
		event_debug_assert_socket_nonblocking_(fd);
	event_debug_assert_not_added_(ev, __func__);

	ev->ev_base = base;
	ev->ev_callback = callback;
	ev->ev_arg = arg;
	ev->ev_fd = fd;
	ev->ev_events = events;
	ev->ev_res = 0;
	ev->ev_flags = EVLIST_INIT;
	ev->ev_ncalls = 0;
	ev->ev_pncalls = NULL;

	if (events & EV_SIGNAL) {
		if (events & (EV_READ | EV_WRITE | EV_CLOSED)) {
			event_warnx("%s: EV_SIGNAL is not compatible with "
			            "EV_READ, EV_WRITE or EV_CLOSED",
			    __func__);
			return -1;
		}
		ev->ev_closure = EV_CLOSURE_EVENT_SIGNAL;
	} else if (events & EV_PERSIST) {
		evutil_timerclear(&ev->ev_io_timeout);
		ev->ev_closure = EV_CLOSURE_EVENT_PERSIST;
	} else {
		ev->ev_closure = EV_CLOSURE_EVENT;
	}
	min_heap_elem_init_(ev);
	/* New events start in the middle priority. */
	if (base != NULL)
		ev->ev_pri = (ev_uint8_t)(base->nactivequeues / 2);
	event_debug_note_setup_(ev);
	return 0;
}

int
event_base_set(struct event_base *base, struct event *ev)
{
	/* Only an event that is set up and nowhere else may move. */
	if (base == NULL || ev->ev_flags != EVLIST_INIT)
		return -1;
	event_debug_assert_is_setup_(ev, __func__);
	ev->ev_base = base;
	ev->ev_pri = (ev_uint8_t)(base->nactivequeues / 2);
	return 0;
}

void *
event_self_cbarg(void)
{
	return &event_self_cbarg_ptr_;
}

struct event *
event_new(struct event_base *base, evutil_socket_t fd, short events,
    void (*cb)(evutil_socket_t, short, void *), void *arg)
{
	struct event *ev = mm_malloc(sizeof(struct event));

	if (ev == NULL)
		return NULL;
	if (event_assign(ev, base, fd, events, cb, arg) < 0) {
		mm_free(ev);
		return NULL;
	}
	return ev;
}

void
event_free(struct event *ev)
{
	if (ev == NULL)
		return;
	event_debug_assert_is_setup_(ev, __func__);
	/* Make sure it cannot come back to a freed event. */
	event_del(ev);
	event_debug_note_teardown_(ev);
	mm_free(ev);
}

size_t
event_get_struct_event_size(void)
{
	return sizeof(struct event);
}

int
event_priority_set(struct event *ev, int pri)
{
	event_debug_assert_is_setup_(ev, __func__);
	if (ev->ev_flags & EVLIST_ACTIVE)
		return -1;
	if (ev->ev_base == NULL || pri < 0 || pri >= ev->ev_base->nactivequeues)
		return -1;
	ev->ev_pri = (ev_uint8_t)pri;
	return 0;
}

int
event_initialized(const struct event *ev)
{
	return (ev->ev_flags & EVLIST_INIT) ? 1 : 0;
}

void
event_get_assignment(const struct event *ev, struct event_base **base_out,
    evutil_socket_t *fd_out, short *events_out, event_callback_fn *callback_out,
    void **arg_out)
{
	event_debug_assert_is_setup_(ev, __func__);
	if (base_out)
		*base_out = ev->ev_base;
	if (fd_out)
		*fd_out = ev->ev_fd;
	if (events_out)
		*events_out = ev->ev_events;
	if (callback_out)
		*callback_out = ev->ev_callback;
	if (arg_out)
		*arg_out = ev->ev_arg;
}

evutil_socket_t
event_get_fd(const struct event *ev)
{
	event_debug_assert_is_setup_(ev, __func__);
	return ev->ev_fd;
}

struct event_base *
event_get_base(const struct event *ev)
{
	event_debug_assert_is_setup_(ev, __func__);
	return ev->ev_base;
}

short
event_get_events(const struct event *ev)
{
	event_debug_assert_is_setup_(ev, __func__);
	return ev->ev_events;
}

event_callback_fn
event_get_callback(const struct event *ev)
{
	event_debug_assert_is_setup_(ev, __func__);
	return ev->ev_callback;
}

void *
event_get_callback_arg(const struct event *ev)
{
	event_debug_assert_is_setup_(ev, __func__);
	return ev->ev_arg;
}

int
event_get_priority(const struct event *ev)
{
	event_debug_assert_is_setup_(ev, __func__);
	return ev->ev_pri;
}

int
event_pending(const struct event *ev, short event, struct timeval *tv)
{
	int flags = 0;

	if (EVUTIL_UNLIKELY(ev->ev_base == NULL)) {
		event_warnx("%s: event has no event_base set.", __func__);
		return 0;
	}
	EVBASE_ACQUIRE_LOCK(ev->ev_base, th_base_lock);
	event_debug_assert_is_setup_(ev, __func__);
	if (ev->ev_flags & EVLIST_INSERTED)
		flags |= ev->ev_events &
		    (EV_READ | EV_WRITE | EV_CLOSED | EV_SIGNAL);
	if (ev->ev_flags & (EVLIST_ACTIVE | EVLIST_ACTIVE_LATER))
		flags |= ev->ev_res;
	if (ev->ev_flags & EVLIST_TIMEOUT)
		flags |= EV_TIMEOUT;
	event &= EV_TIMEOUT | EV_READ | EV_WRITE | EV_CLOSED | EV_SIGNAL;
	/* Report the deadline on the wall clock, as callers expect. */
	if (tv != NULL && (flags & event & EV_TIMEOUT)) {
		struct timeval deadline = ev->ev_timeout, now;
		/* Refreshes the wall-clock offset if it is old. */
		event_base_gettime_(ev->ev_base, &now);
		deadline.tv_usec &= MICROSECONDS_MASK;
		evutil_timeradd(&ev->ev_base->tv_clock_diff, &deadline, tv);
	}
	EVBASE_RELEASE_LOCK(ev->ev_base, th_base_lock);
	return flags & event;
}

/* ------------------------------------------------------------------ */
/* Adding, deleting, activating.                                       */

/* A signal callback in another thread must finish before we touch it. */
static void
wait_for_running_callback(struct event_base *base)
{
	++base->current_event_waiters;
	EVTHREAD_COND_WAIT(base->current_event_cond, base->th_base_lock);
}

int
event_add_nolock_(struct event *ev, const struct timeval *tv,
    int tv_is_absolute)
{
	struct event_base *base = ev->ev_base;
	int res = 0, notify = 0;

	if (EVUTIL_UNLIKELY(base == NULL)) {
		event_warnx("%s: event has no event_base set.", __func__);
		return -1;
	}
	event_debug_assert_is_setup_(ev, __func__);
	if (ev->ev_flags & EVLIST_FINALIZING)
		return -1;

	/* Reserve heap space first, so a failure changes nothing. */
	if (tv != NULL && !(ev->ev_flags & EVLIST_TIMEOUT) &&
	    min_heap_reserve_(&base->timeheap,
	        1 + min_heap_size_(&base->timeheap)) == -1)
		return -1;

	if (base->current_event == event_to_event_callback(ev) &&
	    (ev->ev_events & EV_SIGNAL) && !EVBASE_IN_THREAD(base))
		wait_for_running_callback(base);

	if ((ev->ev_events & (EV_READ | EV_WRITE | EV_CLOSED | EV_SIGNAL)) &&
	    !(ev->ev_flags &
	        (EVLIST_INSERTED | EVLIST_ACTIVE | EVLIST_ACTIVE_LATER))) {
		if (ev->ev_events & (EV_READ | EV_WRITE | EV_CLOSED))
			res = evmap_io_add_(base, ev->ev_fd, ev);
		else
			res = evmap_signal_add_(base, (int)ev->ev_fd, ev);
		if (res != -1)
			event_queue_insert_inserted(base, ev);
		if (res == 1) {
			notify = 1;
			res = 0;
		}
	}

	if (res != -1 && tv != NULL) {
		event_add_timeout_(base, ev, tv, tv_is_absolute);
		if (EVBASE_NEED_NOTIFY(base) &&
		    event_timeout_needs_wakeup_(base, ev))
			notify = 1;
	}

	if (res != -1 && notify && EVBASE_NEED_NOTIFY(base))
		evthread_notify_base(base);
	if (res != -1)
		event_debug_note_add_(ev);
	return res;
}

/*
 * event_add and event_del only choose a path and jump to it.  Their quick
 * paths are functions of their own (noinline) so that each keeps only the
 * registers it needs: with both inlined, every event_add and event_del
 * saved and restored six registers for the heap code, 15 to 20
 * instructions more per call on the fd paths (bench/vs-libevent -s ir,
 * churn).
 */
static int
event_add_locked(struct event *ev, const struct timeval *tv)
{
	struct event_base *base = ev->ev_base;
	int res;

	EVBASE_ACQUIRE_LOCK(base, th_base_lock);
	res = event_add_nolock_(ev, tv, 0);
	EVBASE_RELEASE_LOCK(base, th_base_lock);
	return res;
}

static __attribute__((noinline)) int
event_add_timer(struct event_base *base, struct event *ev,
    const struct timeval *tv)
{
	if (event_add_timer_quick(base, ev, tv) == 0)
		return 0;
	return event_add_locked(ev, tv);
}

/*
 * Adding an fd event with no timeout that is on no list at all, on a base
 * without locks or debug mode: the fd map and the count are all there is
 * to update.  A bufferevent's enable does this on every read.
 */
static __attribute__((noinline)) int
event_add_io_quick(struct event_base *base, struct event *ev)
{
	if (evmap_io_add_(base, ev->ev_fd, ev) == -1)
		return -1;
	ev->ev_flags = EVLIST_INIT | EVLIST_INSERTED;
	if (++base->event_count > base->event_count_max)
		base->event_count_max = base->event_count;
	return 0;
}

int
event_add(struct event *ev, const struct timeval *tv)
{
	struct event_base *base;

	if (EVUTIL_UNLIKELY(ev == NULL || ev->ev_base == NULL)) {
		event_warnx("%s: event has no event_base set.", __func__);
		return -1;
	}
	base = ev->ev_base;
	if (base->th_base_lock == NULL && !EVENT_DEBUG_MODE_ON_()) {
		if (tv)
			return event_add_timer(base, ev, tv);
		if (ev->ev_flags == EVLIST_INIT &&
		    (ev->ev_events & (EV_READ | EV_WRITE | EV_CLOSED)))
			return event_add_io_quick(base, ev);
	}
	return event_add_locked(ev, tv);
}

static inline int
event_haveevents(struct event_base *base)
{
	return base->virtual_event_count > 0 || base->event_count > 0;
}

int
event_del_nolock_(struct event *ev, int blocking)
{
	struct event_base *base = ev->ev_base;
	int res = 0, notify = 0;

	if (EVUTIL_UNLIKELY(base == NULL)) {
		event_warnx("%s: event has no event_base set.", __func__);
		return -1;
	}
	if (blocking != EVENT_DEL_EVEN_IF_FINALIZING &&
	    (ev->ev_flags & EVLIST_FINALIZING))
		return 0;

	/* Stop the rest of a signal callback's repeated calls. */
	if ((ev->ev_events & EV_SIGNAL) && ev->ev_ncalls && ev->ev_pncalls)
		*ev->ev_pncalls = 0;
	if (ev->ev_flags & EVLIST_TIMEOUT)
		event_queue_remove_timeout_(base, ev);
	if (ev->ev_flags & EVLIST_ACTIVE)
		event_queue_remove_active(base, event_to_event_callback(ev));
	else if (ev->ev_flags & EVLIST_ACTIVE_LATER)
		event_queue_remove_active_later(base,
		    event_to_event_callback(ev));

	if (ev->ev_flags & EVLIST_INSERTED) {
		event_queue_remove_inserted(base, ev);
		if (ev->ev_events & (EV_READ | EV_WRITE | EV_CLOSED))
			res = evmap_io_del_(base, ev->ev_fd, ev);
		else
			res = evmap_signal_del_(base, (int)ev->ev_fd, ev);
		if (res == 1) {
			notify = 1;
			res = 0;
		}
		/* An empty base lets a sleeping loop return. */
		if (!event_haveevents(base) && !N_ACTIVE_CALLBACKS(base))
			notify = 1;
	}

	if (res != -1 && notify && EVBASE_NEED_NOTIFY(base))
		evthread_notify_base(base);
	event_debug_note_del_(ev);

	/* So that the caller may free the callback's argument on return. */
	if (blocking != EVENT_DEL_NOBLOCK &&
	    base->current_event == event_to_event_callback(ev) &&
	    !EVBASE_IN_THREAD(base) &&
	    (blocking == EVENT_DEL_BLOCK || !(ev->ev_events & EV_FINALIZE)))
		wait_for_running_callback(base);
	return res;
}

static int
event_del_(struct event *ev, int blocking)
{
	int res;

	if (EVUTIL_UNLIKELY(ev == NULL || ev->ev_base == NULL)) {
		event_warnx("%s: event has no event_base set.", __func__);
		return -1;
	}
	EVBASE_ACQUIRE_LOCK(ev->ev_base, th_base_lock);
	res = event_del_nolock_(ev, blocking);
	EVBASE_RELEASE_LOCK(ev->ev_base, th_base_lock);
	return res;
}

/*
 * The counterpart of the quick adds: deleting a plain timer that is only
 * in the heap, or an fd event without a timeout that is not active, on a
 * base without locks or debug mode.
 */
static __attribute__((noinline)) int
event_del_timer_quick(struct event_base *base, struct event *ev)
{
	min_heap_erase_(&base->timeheap, ev);
	ev->ev_flags = EVLIST_INIT;
	base->event_count--;
	return 0;
}

static __attribute__((noinline)) int
event_del_io_quick(struct event_base *base, struct event *ev)
{
	ev->ev_flags = EVLIST_INIT;
	base->event_count--;
	/* Deferred by the fd map: it cannot fail. */
	evmap_io_del_(base, ev->ev_fd, ev);
	return 0;
}

int
event_del(struct event *ev)
{
	struct event_base *base;

	if (EVUTIL_LIKELY(ev != NULL && (base = ev->ev_base) != NULL &&
	        base->th_base_lock == NULL && !EVENT_DEBUG_MODE_ON_())) {
		if (ev->ev_flags == (EVLIST_INIT | EVLIST_TIMEOUT) &&
		    !is_common_timeout(&ev->ev_timeout, base))
			return event_del_timer_quick(base, ev);
		if (ev->ev_flags == (EVLIST_INIT | EVLIST_INSERTED) &&
		    (ev->ev_events & (EV_READ | EV_WRITE | EV_CLOSED)))
			return event_del_io_quick(base, ev);
	}
	return event_del_(ev, EVENT_DEL_AUTOBLOCK);
}

int
event_del_block(struct event *ev)
{
	return event_del_(ev, EVENT_DEL_BLOCK);
}

int
event_del_noblock(struct event *ev)
{
	return event_del_(ev, EVENT_DEL_NOBLOCK);
}

int
event_callback_activate_nolock_(struct event_base *base,
    struct event_callback *evcb)
{
	int r = 1;

	if (evcb->evcb_flags & EVLIST_FINALIZING)
		return 0;
	if (evcb->evcb_flags & EVLIST_ACTIVE)
		return 0;
	if (evcb->evcb_flags & EVLIST_ACTIVE_LATER) {
		event_queue_remove_active_later(base, evcb);
		r = 0;
	}
	event_queue_insert_active(base, evcb);
	if (EVBASE_NEED_NOTIFY(base))
		evthread_notify_base(base);
	return r;
}

int
event_callback_activate_(struct event_base *base, struct event_callback *evcb)
{
	int r;

	EVBASE_ACQUIRE_LOCK(base, th_base_lock);
	r = event_callback_activate_nolock_(base, evcb);
	EVBASE_RELEASE_LOCK(base, th_base_lock);
	return r;
}

void
event_active_nolock_(struct event *ev, int res, short ncalls)
{
	struct event_base *base = ev->ev_base;

	if (ev->ev_flags & EVLIST_FINALIZING)
		return;
	if (ev->ev_flags & EVLIST_ACTIVE) {
		/* Already queued: just remember the extra reason. */
		ev->ev_res |= (short)res;
		return;
	}
	if (ev->ev_flags & EVLIST_ACTIVE_LATER)
		ev->ev_res |= (short)res;
	else
		ev->ev_res = (short)res;

	/* A more urgent callback than the running queue's: look again. */
	if (ev->ev_pri < base->event_running_priority)
		base->event_continue = 1;
	if (ev->ev_events & EV_SIGNAL) {
		if (base->current_event == event_to_event_callback(ev) &&
		    !EVBASE_IN_THREAD(base))
			wait_for_running_callback(base);
		ev->ev_ncalls = ncalls;
		ev->ev_pncalls = NULL;
	}
	event_callback_activate_nolock_(base, event_to_event_callback(ev));
}

void
event_active(struct event *ev, int res, short ncalls)
{
	if (EVUTIL_UNLIKELY(ev == NULL || ev->ev_base == NULL)) {
		event_warnx("%s: event has no event_base set.", __func__);
		return;
	}
	EVBASE_ACQUIRE_LOCK(ev->ev_base, th_base_lock);
	event_debug_assert_is_setup_(ev, __func__);
	event_active_nolock_(ev, res, ncalls);
	EVBASE_RELEASE_LOCK(ev->ev_base, th_base_lock);
}

/* 1 when evcb was queued for the next iteration, 0 when already queued. */
int
event_callback_activate_later_nolock_(struct event_base *base,
    struct event_callback *evcb)
{
	if (evcb->evcb_flags & (EVLIST_ACTIVE | EVLIST_ACTIVE_LATER))
		return 0;
	event_queue_insert_active_later(base, evcb);
	if (EVBASE_NEED_NOTIFY(base))
		evthread_notify_base(base);
	return 1;
}

void
event_active_later_nolock_(struct event *ev, int res)
{
	struct event_base *base = ev->ev_base;

	if (ev->ev_flags & (EVLIST_ACTIVE | EVLIST_ACTIVE_LATER)) {
		ev->ev_res |= (short)res;
		return;
	}
	ev->ev_res = (short)res;
	event_callback_activate_later_nolock_(base,
	    event_to_event_callback(ev));
}

void
event_active_later_(struct event *ev, int res)
{
	EVBASE_ACQUIRE_LOCK(ev->ev_base, th_base_lock);
	event_active_later_nolock_(ev, res);
	EVBASE_RELEASE_LOCK(ev->ev_base, th_base_lock);
}

int
event_callback_cancel_nolock_(struct event_base *base,
    struct event_callback *evcb, int even_if_finalizing)
{
	if ((evcb->evcb_flags & EVLIST_FINALIZING) && !even_if_finalizing)
		return 0;
	if (evcb->evcb_flags & EVLIST_INIT)
		return event_del_nolock_(event_callback_to_event(evcb),
		    even_if_finalizing ? EVENT_DEL_EVEN_IF_FINALIZING
		                       : EVENT_DEL_AUTOBLOCK);
	if (evcb->evcb_flags & EVLIST_ACTIVE)
		event_queue_remove_active(base, evcb);
	else if (evcb->evcb_flags & EVLIST_ACTIVE_LATER)
		event_queue_remove_active_later(base, evcb);
	return 0;
}

int
event_callback_cancel_(struct event_base *base, struct event_callback *evcb)
{
	int r;

	EVBASE_ACQUIRE_LOCK(base, th_base_lock);
	r = event_callback_cancel_nolock_(base, evcb, 0);
	EVBASE_RELEASE_LOCK(base, th_base_lock);
	return r;
}

void
event_callback_init_(struct event_base *base, struct event_callback *evcb)
{
	memset(evcb, 0, sizeof(*evcb));
	evcb->evcb_pri = (ev_uint8_t)(base->nactivequeues - 1);
}

void
event_deferred_cb_init_(struct event_callback *cb, ev_uint8_t priority,
    void (*fn)(struct event_callback *, void *), void *arg)
{
	memset(cb, 0, sizeof(*cb));
	cb->evcb_cb_union.evcb_selfcb = fn;
	cb->evcb_arg = arg;
	cb->evcb_pri = priority;
	cb->evcb_closure = EV_CLOSURE_CB_SELF;
}

void
event_deferred_cb_set_priority_(struct event_callback *cb, ev_uint8_t priority)
{
	cb->evcb_pri = priority;
}

void
event_deferred_cb_cancel_(struct event_base *base, struct event_callback *cb)
{
	if (base == NULL)
		base = current_base;
	if (base)
		event_callback_cancel_(base, cb);
}

int
event_deferred_cb_schedule_(struct event_base *base, struct event_callback *cb)
{
	int r = 1;

	if (base == NULL)
		base = current_base;
	if (base == NULL)
		return 0;
	EVBASE_ACQUIRE_LOCK(base, th_base_lock);
	/* Past a burst, deferred work waits for the next iteration so that
	 * I/O gets its turn. */
	if (base->n_deferreds_queued > MAX_DEFERREDS_QUEUED) {
		r = event_callback_activate_later_nolock_(base, cb);
	} else {
		r = event_callback_activate_nolock_(base, cb);
		if (r)
			++base->n_deferreds_queued;
	}
	EVBASE_RELEASE_LOCK(base, th_base_lock);
	return r;
}

/* ------------------------------------------------------------------ */
/* Finalizers.                                                         */

static void
event_finalize_nolock_(struct event_base *base, unsigned flags,
    struct event *ev, event_finalize_callback_fn cb)
{
	ev_uint8_t closure = (flags & EVENT_FINALIZE_FREE_)
	    ? EV_CLOSURE_EVENT_FINALIZE_FREE
	    : EV_CLOSURE_EVENT_FINALIZE;

	event_del_nolock_(ev, EVENT_DEL_NOBLOCK);
	ev->ev_closure = closure;
	ev->ev_evcallback.evcb_cb_union.evcb_evfinalize = cb;
	event_active_nolock_(ev, EV_FINALIZE, 1);
	ev->ev_flags |= EVLIST_FINALIZING;
}

static int
event_finalize_impl_(unsigned flags, struct event *ev,
    event_finalize_callback_fn cb)
{
	struct event_base *base = ev ? ev->ev_base : NULL;

	if (EVUTIL_UNLIKELY(base == NULL)) {
		event_warnx("%s: event has no event_base set.", __func__);
		return -1;
	}
	EVBASE_ACQUIRE_LOCK(base, th_base_lock);
	event_finalize_nolock_(base, flags, ev, cb);
	EVBASE_RELEASE_LOCK(base, th_base_lock);
	return 0;
}

int
event_finalize(unsigned flags, struct event *ev, event_finalize_callback_fn cb)
{
	return event_finalize_impl_(flags, ev, cb);
}

int
event_free_finalize(unsigned flags, struct event *ev,
    event_finalize_callback_fn cb)
{
	return event_finalize_impl_(flags | EVENT_FINALIZE_FREE_, ev, cb);
}

/*
 * A callback (an event's too) finalized through this path runs cb with the
 * callback itself, as libevent does; only event_finalize uses the event
 * closures.
 */
static void
event_callback_finalize_nolock_(struct event_base *base, unsigned flags,
    struct event_callback *evcb, void (*cb)(struct event_callback *, void *))
{
	if (evcb->evcb_flags & EVLIST_INIT)
		event_del_nolock_(event_callback_to_event(evcb),
		    EVENT_DEL_NOBLOCK);
	else
		event_callback_cancel_nolock_(base, evcb, 0);
	evcb->evcb_closure = EV_CLOSURE_CB_FINALIZE;
	evcb->evcb_cb_union.evcb_cbfinalize = cb;
	event_callback_activate_nolock_(base, evcb);
	evcb->evcb_flags |= EVLIST_FINALIZING;
}

void
event_callback_finalize_(struct event_base *base, unsigned flags,
    struct event_callback *evcb, void (*cb)(struct event_callback *, void *))
{
	EVBASE_ACQUIRE_LOCK(base, th_base_lock);
	event_callback_finalize_nolock_(base, flags, evcb, cb);
	EVBASE_RELEASE_LOCK(base, th_base_lock);
}

/* Finalizes a group: the finalizer runs once, after any of them that is
 * running right now has returned. */
int
event_callback_finalize_many_(struct event_base *base, int n_cbs,
    struct event_callback **evcbs, void (*cb)(struct event_callback *, void *))
{
	int i, n_pending = 0;

	if (base == NULL)
		base = current_base;
	EVBASE_ACQUIRE_LOCK(base, th_base_lock);
	for (i = 0; i < n_cbs; i++) {
		if (evcbs[i] == base->current_event) {
			event_callback_finalize_nolock_(base, 0, evcbs[i], cb);
			++n_pending;
		} else {
			event_callback_cancel_nolock_(base, evcbs[i], 0);
		}
	}
	if (n_pending == 0)
		event_callback_finalize_nolock_(base, 0, evcbs[0], cb);
	EVBASE_RELEASE_LOCK(base, th_base_lock);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Virtual events keep a loop alive without any fd (evdns, listeners). */

void
event_base_add_virtual_(struct event_base *base)
{
	EVBASE_ACQUIRE_LOCK(base, th_base_lock);
	if (++base->virtual_event_count > base->virtual_event_count_max)
		base->virtual_event_count_max = base->virtual_event_count;
	EVBASE_RELEASE_LOCK(base, th_base_lock);
}

int
event_base_del_virtual_(struct event_base *base)
{
	EVBASE_ACQUIRE_LOCK(base, th_base_lock);
	if (base->virtual_event_count > 0)
		base->virtual_event_count--;
	if (base->virtual_event_count == 0 && EVBASE_NEED_NOTIFY(base))
		evthread_notify_base(base);
	EVBASE_RELEASE_LOCK(base, th_base_lock);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Running callbacks.                                                  */

static void
run_persist_closure(struct event_base *base, struct event *ev)
{
	event_callback_fn cb;
	evutil_socket_t fd;
	short res;
	void *arg;

	if (ev->ev_io_timeout.tv_sec || ev->ev_io_timeout.tv_usec)
		event_rearm_persistent_timeout_(base, ev);
	/* Read the event before unlocking: another thread may change it. */
	cb = ev->ev_callback;
	fd = ev->ev_fd;
	res = ev->ev_res;
	arg = ev->ev_arg;
	EVBASE_RELEASE_LOCK(base, th_base_lock);
	cb(fd, res, arg);
}

/*
 * ev_pncalls points at the local ncalls only while this function runs; it
 * is cleared on every way out.
 */
#if defined(__GNUC__) && __GNUC__ >= 12
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdangling-pointer"
#endif
static void
run_signal_closure(struct event_base *base, struct event *ev)
{
	short ncalls = ev->ev_ncalls;
	int should_break;

	/* ev_pncalls lets event_del from the callback stop the repeats. */
	if (ncalls != 0)
		ev->ev_pncalls = &ncalls;
	EVBASE_RELEASE_LOCK(base, th_base_lock);
	while (ncalls) {
		ncalls--;
		ev->ev_ncalls = ncalls;
		if (ncalls == 0)
			ev->ev_pncalls = NULL;
		ev->ev_callback(ev->ev_fd, ev->ev_res, ev->ev_arg);

		EVBASE_ACQUIRE_LOCK(base, th_base_lock);
		should_break = base->event_break;
		EVBASE_RELEASE_LOCK(base, th_base_lock);
		if (should_break) {
			if (ncalls != 0)
				ev->ev_pncalls = NULL;
			return;
		}
	}
}
#if defined(__GNUC__) && __GNUC__ >= 12
#pragma GCC diagnostic pop
#endif

static void
run_event_finalizer(struct event_base *base, struct event *ev)
{
	event_finalize_callback_fn fin =
	    ev->ev_evcallback.evcb_cb_union.evcb_evfinalize;
	int free_it = ev->ev_closure == EV_CLOSURE_EVENT_FINALIZE_FREE;

	base->current_event = NULL;
	EVBASE_RELEASE_LOCK(base, th_base_lock);
	event_debug_note_teardown_(ev);
	fin(ev, ev->ev_arg);
	if (free_it)
		mm_free(ev);
}

/* Takes evcb off its queue the way the loop does before running it. */
static inline void
dequeue_for_run(struct event_base *base, struct event_callback *evcb)
{
	if (evcb->evcb_flags & EVLIST_INIT) {
		struct event *ev = event_callback_to_event(evcb);
		/* A one-shot event is done once it runs. */
		if ((ev->ev_events & EV_PERSIST) ||
		    (ev->ev_flags & EVLIST_FINALIZING))
			event_queue_remove_active(base, evcb);
		else
			event_del_nolock_(ev, EVENT_DEL_NOBLOCK);
	} else {
		event_queue_remove_active(base, evcb);
	}
}

static void
run_callback(struct event_base *base, struct event_callback *evcb)
{
	struct event *ev = event_callback_to_event(evcb);

	switch (evcb->evcb_closure) {
	case EV_CLOSURE_EVENT_PERSIST:
		run_persist_closure(base, ev);
		break;
	case EV_CLOSURE_EVENT: {
		event_callback_fn cb = ev->ev_callback;
		short res = ev->ev_res;
		EVBASE_RELEASE_LOCK(base, th_base_lock);
		cb(ev->ev_fd, res, ev->ev_arg);
		break;
	}
	case EV_CLOSURE_EVENT_SIGNAL:
		run_signal_closure(base, ev);
		break;
	case EV_CLOSURE_CB_SELF: {
		void (*cb)(struct event_callback *, void *) =
		    evcb->evcb_cb_union.evcb_selfcb;
		EVBASE_RELEASE_LOCK(base, th_base_lock);
		cb(evcb, evcb->evcb_arg);
		break;
	}
	case EV_CLOSURE_EVENT_FINALIZE:
	case EV_CLOSURE_EVENT_FINALIZE_FREE:
		run_event_finalizer(base, ev);
		break;
	case EV_CLOSURE_CB_FINALIZE: {
		void (*cb)(struct event_callback *, void *) =
		    evcb->evcb_cb_union.evcb_cbfinalize;
		base->current_event = NULL;
		EVBASE_RELEASE_LOCK(base, th_base_lock);
		cb(evcb, evcb->evcb_arg);
		break;
	}
	default:
		EVUTIL_ASSERT(0);
	}
}

/*
 * Runs the callbacks of one queue until it is empty, a limit is reached or
 * the loop is told to break.  Returns how many non-internal callbacks ran,
 * or -1 on loopbreak.
 */
/*
 * The common case of dequeue_for_run + run_callback: a persistent fd or
 * timer event that is not internal, not finalizing and has no timeout to
 * re-arm.  Returns 0 when the event needs the general path.
 */
static inline int
run_plain_persistent(struct event_base *base, struct callback_queue *q,
    struct event_callback *evcb)
{
	struct event *ev = event_callback_to_event(evcb);
	struct event_callback *next;
	event_callback_fn cb;

	if ((evcb->evcb_flags &
	        (EVLIST_INIT | EVLIST_INTERNAL | EVLIST_FINALIZING)) !=
	        EVLIST_INIT ||
	    evcb->evcb_closure != EV_CLOSURE_EVENT_PERSIST ||
	    (ev->ev_io_timeout.tv_sec | ev->ev_io_timeout.tv_usec))
		return 0;
	/* Pop the head of the queue. */
	next = evcb->evcb_active_next.tqe_next;
	q->tqh_first = next;
	if (next)
		next->evcb_active_next.tqe_prev = &q->tqh_first;
	else
		q->tqh_last = &q->tqh_first;
	evcb->evcb_flags &= ~EVLIST_ACTIVE;
	base->event_count--;
	base->event_count_active--;

	base->current_event = evcb;
	cb = ev->ev_callback;
	cb(ev->ev_fd, ev->ev_res, ev->ev_arg);
	return 1;
}

/* After a callback: tell threads waiting in event_del that it is done. */
static void
callback_done_locked(struct event_base *base)
{
	EVLOCK_LOCK(base->th_base_lock, 0);
	base->current_event = NULL;
	if (base->current_event_waiters) {
		base->current_event_waiters = 0;
		EVTHREAD_COND_BROADCAST(base->current_event_cond);
	}
}

/* Whether process_queue must stop after count callbacks. */
static int
queue_should_stop(struct event_base *base, int count, int max_to_process,
    const struct timeval *endtime)
{
	if (count >= max_to_process)
		return 1;
	if (count && endtime) {
		struct timeval now;
		update_time_cache(base);
		event_base_gettime_(base, &now);
		if (evutil_timercmp(&now, endtime, >=))
			return 1;
	}
	return 0;
}

static int
process_queue(struct event_base *base, struct callback_queue *q,
    int max_to_process, const struct timeval *endtime)
{
	struct event_callback *evcb;
	int count = 0;
	const int limited = max_to_process != INT_MAX || endtime != NULL;

	/* Without locks, the plain persistent event takes a short path. */
	if (base->th_base_lock == NULL && !limited) {
		while ((evcb = q->tqh_first) != NULL) {
			if (run_plain_persistent(base, q, evcb)) {
				count++;
			} else {
				dequeue_for_run(base, evcb);
				count += !(evcb->evcb_flags & EVLIST_INTERNAL);
				base->current_event = evcb;
				run_callback(base, evcb);
			}
			base->current_event = NULL;
			if (EVUTIL_UNLIKELY(base->loop_stop.any)) {
				if (base->event_break)
					return -1;
				break;
			}
		}
		return count;
	}

	while ((evcb = q->tqh_first) != NULL) {
		dequeue_for_run(base, evcb);
		count += !(evcb->evcb_flags & EVLIST_INTERNAL);
		base->current_event = evcb;
		base->current_event_waiters = 0;
		run_callback(base, evcb);
		callback_done_locked(base);
		if (base->event_break)
			return -1;
		if (limited &&
		    queue_should_stop(base, count, max_to_process, endtime))
			return count;
		if (base->event_continue)
			break;
	}
	return count;
}

/*
 * Runs the most urgent priority that has work.  Lower priorities wait for
 * a later iteration unless only internal callbacks ran.  Always inlined:
 * with a second caller (ae's wait) the compiler stopped inlining it into
 * event_base_loop, which cost 10 instructions per loop iteration
 * (bench/vs-libevent -s ir: 391 -> 381 Ir per iteration with one
 * active fd).
 */
static inline __attribute__((always_inline)) int
event_process_active(struct event_base *base)
{
	const struct timeval *endtime = NULL;
	struct timeval tv;
	int i, c = 0;

	if (base->max_dispatch_time.tv_sec >= 0) {
		update_time_cache(base);
		event_base_gettime_(base, &tv);
		evutil_timeradd(&base->max_dispatch_time, &tv, &tv);
		endtime = &tv;
	}
	for (i = 0; i < base->nactivequeues; ++i) {
		struct callback_queue *q = &base->activequeues[i];
		if (q->tqh_first == NULL)
			continue;
		base->event_running_priority = i;
		if (i < base->limit_callbacks_after_prio)
			c = process_queue(base, q, INT_MAX, NULL);
		else
			c = process_queue(base, q, base->max_dispatch_callbacks,
			    endtime);
		if (c != 0)
			break;
	}
	base->event_running_priority = -1;
	return c;
}

int
event_base_loop(struct event_base *base, int flags)
{
	const struct eventop *evsel;
	struct timeval tv, *tv_p;
	int res, done = 0, retval = 0;

	if (base == NULL)
		base = current_base;
	if (EVUTIL_UNLIKELY(base == NULL)) {
		event_warnx("%s: no event base", __func__);
		return -1;
	}
	evsel = base->evsel;
	EVBASE_ACQUIRE_LOCK(base, th_base_lock);
	if (base->running_loop) {
		event_warnx("%s: reentrant invocation.  Only one "
		            "event_base_loop can run on each event_base at "
		            "once.",
		    __func__);
		EVBASE_RELEASE_LOCK(base, th_base_lock);
		return -1;
	}
	base->running_loop = 1;
	clear_time_cache(base);
	if (base->sig.ev_signal_added && base->sig.ev_n_signals_added)
		evsig_set_base_(base);
	base->th_owner_id = EVTHREAD_GET_ID();
	base->event_gotterm = base->event_break = 0;

	while (!done) {
		base->event_continue = 0;
		base->n_deferreds_queued = 0;
		if (base->event_gotterm || base->event_break)
			break;

		/* The timer calls are out of line: skip them without timers. */
		tv_p = &tv;
		if (N_ACTIVE_CALLBACKS(base) || (flags & EVLOOP_NONBLOCK))
			evutil_timerclear(&tv);
		else if (min_heap_empty_(&base->timeheap))
			tv_p = NULL;
		else
			event_timeout_next_(base, &tv_p);

		if (!(flags & EVLOOP_NO_EXIT_ON_EMPTY) &&
		    !event_haveevents(base) && !N_ACTIVE_CALLBACKS(base)) {
			event_debug(("%s: no events registered.", __func__));
			retval = 1;
			goto done;
		}

		event_queue_make_later_events_active(base);
		clear_time_cache(base);
		if (EVUTIL_UNLIKELY(base->watch.count != 0)) {
			/* Prepare, wait, check, idle: see watch.c. */
			res = evwatch_dispatch_(base, tv_p);
		} else {
			if (evmap_has_changes_(&base->io))
				evmap_flush_changes_(base);
			res = evsel->dispatch(base, tv_p);
		}
		if (res == -1) {
			event_debug(("%s: dispatch returned unsuccessfully.",
			    __func__));
			retval = -1;
			goto done;
		}
		update_time_cache(base);
		if (!min_heap_empty_(&base->timeheap))
			event_timeout_process_(base);

		if (N_ACTIVE_CALLBACKS(base)) {
			int n = event_process_active(base);
			if ((flags & EVLOOP_ONCE) &&
			    N_ACTIVE_CALLBACKS(base) == 0 && n != 0)
				done = 1;
		} else if (flags & EVLOOP_NONBLOCK) {
			done = 1;
		}
	}
	event_debug(("%s: asked to terminate loop.", __func__));
done:
	if (evsel->leave)
		evsel->leave(base);
	clear_time_cache(base);
	base->running_loop = 0;
	EVBASE_RELEASE_LOCK(base, th_base_lock);
	return retval;
}

int
event_base_dispatch(struct event_base *base)
{
	return event_base_loop(base, 0);
}

/* ------------------------------------------------------------------ */
/* Loop control.                                                       */

static void
event_loopexit_cb(evutil_socket_t fd, short what, void *arg)
{
	struct event_base *base = arg;

	base->event_gotterm = 1;
}

int
event_base_loopexit(struct event_base *base, const struct timeval *tv)
{
	return event_base_once(base, -1, EV_TIMEOUT, event_loopexit_cb, base,
	    tv);
}

int
event_base_loopbreak(struct event_base *base)
{
	int r = 0;

	if (base == NULL)
		return -1;
	EVBASE_ACQUIRE_LOCK(base, th_base_lock);
	base->event_break = 1;
	if (EVBASE_NEED_NOTIFY(base))
		r = evthread_notify_base(base);
	EVBASE_RELEASE_LOCK(base, th_base_lock);
	return r;
}

int
event_base_loopcontinue(struct event_base *base)
{
	if (base == NULL)
		return -1;
	EVBASE_ACQUIRE_LOCK(base, th_base_lock);
	base->event_continue = 1;
	EVBASE_RELEASE_LOCK(base, th_base_lock);
	return 0;
}

int
event_base_got_break(struct event_base *base)
{
	int r;

	EVBASE_ACQUIRE_LOCK(base, th_base_lock);
	r = base->event_break;
	EVBASE_RELEASE_LOCK(base, th_base_lock);
	return r;
}

int
event_base_got_exit(struct event_base *base)
{
	int r;

	EVBASE_ACQUIRE_LOCK(base, th_base_lock);
	r = base->event_gotterm;
	EVBASE_RELEASE_LOCK(base, th_base_lock);
	return r;
}

/* ------------------------------------------------------------------ */
/* event_base_once.                                                    */


static void
event_once_cb(evutil_socket_t fd, short events, void *arg)
{
	struct event_once *eonce = arg;
	struct event_base *base = eonce->ev.ev_base;

	eonce->cb(fd, events, eonce->arg);
	EVBASE_ACQUIRE_LOCK(base, th_base_lock);
	once_unlink(eonce);
	EVBASE_RELEASE_LOCK(base, th_base_lock);
	event_debug_unassign(&eonce->ev);
	mm_free(eonce);
}

int
event_base_once(struct event_base *base, evutil_socket_t fd, short events,
    void (*callback)(evutil_socket_t, short, void *), void *arg,
    const struct timeval *tv)
{
	struct event_once *eonce;
	int res = 0, activate = 0;

	if (base == NULL)
		base = current_base;
	if (base == NULL)
		return -1;
	/* A one-time callback cannot be a signal or persistent. */
	if (events & (EV_SIGNAL | EV_PERSIST))
		return -1;
	eonce = mm_calloc(1, sizeof(*eonce));
	if (eonce == NULL)
		return -1;
	eonce->cb = callback;
	eonce->arg = arg;

	if ((events &
	        (EV_TIMEOUT | EV_SIGNAL | EV_READ | EV_WRITE | EV_CLOSED)) ==
	    EV_TIMEOUT) {
		evtimer_assign(&eonce->ev, base, event_once_cb, eonce);
		/* "Run soon" is a common idiom: skip the timer heap. */
		if (tv == NULL || !evutil_timerisset(tv))
			activate = 1;
	} else if (events & (EV_READ | EV_WRITE | EV_CLOSED)) {
		events &= EV_READ | EV_WRITE | EV_CLOSED;
		event_assign(&eonce->ev, base, fd, events, event_once_cb,
		    eonce);
	} else {
		mm_free(eonce);
		return -1;
	}

	EVBASE_ACQUIRE_LOCK(base, th_base_lock);
	if (activate)
		event_active_nolock_(&eonce->ev, EV_TIMEOUT, 1);
	else
		res = event_add_nolock_(&eonce->ev, tv, 0);
	if (res != 0) {
		EVBASE_RELEASE_LOCK(base, th_base_lock);
		event_debug_unassign(&eonce->ev);
		mm_free(eonce);
		return res;
	}
	eonce->next = base->once_events;
	if (eonce->next)
		eonce->next->prevp = &eonce->next;
	base->once_events = eonce;
	eonce->prevp = &base->once_events;
	EVBASE_RELEASE_LOCK(base, th_base_lock);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Versions and global state.                                          */

const char *
event_get_version(void)
{
	return LIBEVENT_VERSION;
}

ev_uint32_t
event_get_version_number(void)
{
	return LIBEVENT_VERSION_NUMBER;
}

void
libevent_global_shutdown(void)
{
	event_disable_debug_mode_();
	evsig_free_globals_();
	evthread_free_globals_();
	evutil_free_globals_();
}

/* ------------------------------------------------------------------ */
/* One wait for the ae layer (ae.c).                                   */

/*
 * Takes off the active queues the events whose callback is cb (ae's: plain
 * persistent fd events, never internal, finalized or timed), noting each
 * one's fd and result in fired[], at most max.  They are not run: ae runs
 * the program's handlers itself.  Other callbacks stay queued.
 */
static int
take_fired(struct event_base *base, event_callback_fn cb,
    struct event_fired_ *fired, int max)
{
	struct callback_queue *q;
	struct event_callback *evcb, *next;
	struct event *ev;
	int i, n = 0;

	for (i = 0; i < base->nactivequeues; i++) {
		q = &base->activequeues[i];
		for (evcb = q->tqh_first; evcb != NULL && n < max;
		     evcb = next) {
			next = evcb->evcb_active_next.tqe_next;
			ev = event_callback_to_event(evcb);
			if (ev->ev_callback != cb)
				continue;
			cbq_remove(q, evcb);
			evcb->evcb_flags &= ~EVLIST_ACTIVE;
			fired[n].fd = (int)ev->ev_fd;
			fired[n].res = ev->ev_res;
			n++;
		}
	}
	base->event_count -= n;
	base->event_count_active -= n;
	return n;
}

/*
 * One pass of the loop with a timeout the caller chose: pending interest
 * changes go to the kernel, the backend waits at most tv (NULL: until an
 * fd is ready) and due timers are activated.  Then the activated events
 * whose callback is cb go to fired[] (at most max) without running, and
 * any other active callback (internal ones) runs as usual.  ae.c runs the
 * program's handlers after this returns, so that a handler may enter the
 * ae loop again, which event_base_loop would refuse.  Returns how many
 * went to fired[], or -1 when the backend failed or the base is already
 * running a loop.
 */
int
event_base_wait_fired_(struct event_base *base, const struct timeval *tv,
    event_callback_fn cb, struct event_fired_ *fired, int max)
{
	struct timeval wait_tv, *tv_p = NULL;
	int n = -1;

	EVBASE_ACQUIRE_LOCK(base, th_base_lock);
	if (base->running_loop) {
		EVBASE_RELEASE_LOCK(base, th_base_lock);
		return -1;
	}
	base->running_loop = 1;
	base->th_owner_id = EVTHREAD_GET_ID();
	base->event_gotterm = base->event_break = 0;
	base->event_continue = 0;
	base->n_deferreds_queued = 0;
	if (tv != NULL) {
		wait_tv = *tv;
		tv_p = &wait_tv;
	}
	if (N_ACTIVE_CALLBACKS(base) || base->active_later_queue.tqh_first) {
		evutil_timerclear(&wait_tv);
		tv_p = &wait_tv;
	}
	event_queue_make_later_events_active(base);
	clear_time_cache(base);
	if (evmap_has_changes_(&base->io))
		evmap_flush_changes_(base);
	if (base->evsel->dispatch(base, tv_p) != -1) {
		update_time_cache(base);
		event_timeout_process_(base);
		n = take_fired(base, cb, fired, max);
		if (N_ACTIVE_CALLBACKS(base))
			event_process_active(base);
	}
	if (base->evsel->leave)
		base->evsel->leave(base);
	clear_time_cache(base);
	base->running_loop = 0;
	EVBASE_RELEASE_LOCK(base, th_base_lock);
	return n;
}
