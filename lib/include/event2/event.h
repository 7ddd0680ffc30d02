/*
 * event2/event.h: the core of the API -- event bases, events, the loop,
 * priorities, logging, memory and debugging hooks.
 *
 * A program creates an event_base, creates events on it (a file descriptor,
 * a signal or a plain timer, each with a callback), adds them, and runs the
 * loop.  Unless noted, functions return 0 on success and -1 on failure.
 */
#ifndef EVENT2_EVENT_H_INCLUDED_
#define EVENT2_EVENT_H_INCLUDED_

#include <event2/visibility.h>
#include <event2/event-config.h>

#include <sys/types.h>
#include <sys/time.h>
#include <stdio.h>

#include <event2/util.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Opaque to programs (struct event's layout is in event2/event_struct.h). */
struct event_base;
struct event;
struct event_config;

/*
 * Debug mode: checks event API misuse (adding an unassigned event,
 * assigning an added one...) at some cost.  Call before creating any event.
 * event_debug_unassign() tells debug mode that a stack or embedded event
 * is going away without event_free().
 */
EVENT2_EXPORT_SYMBOL void event_enable_debug_mode(void);
EVENT2_EXPORT_SYMBOL void event_debug_unassign(struct event *);

/* A base with the default configuration, or NULL. */
EVENT2_EXPORT_SYMBOL struct event_base *event_base_new(void);

/* Re-creates the backend state in a child after fork(); -1 if some events
 * could not be re-added, or (with a warning) if the backend could not be
 * made again: that base's loop and fd events then fail, and it can still
 * be freed. */
EVENT2_EXPORT_SYMBOL int event_reinit(struct event_base *base);

/* Runs the loop until no events remain or it is told to stop: 0 on a
 * requested exit, 1 when no events were left, -1 on error. */
EVENT2_EXPORT_SYMBOL int event_base_dispatch(struct event_base *);

/* The backend name ("epoll", "poll", "select"). */
EVENT2_EXPORT_SYMBOL const char *event_base_get_method(
    const struct event_base *);

/* The compiled-in backends in order of preference, NULL-terminated. */
EVENT2_EXPORT_SYMBOL const char **event_get_supported_methods(void);

/* The base's monotonic clock (not the cached time). */
EVENT2_EXPORT_SYMBOL int event_gettime_monotonic(struct event_base *base,
    struct timeval *tp);

/* Which events event_base_get_num_events/get_max_events count. */
#define EVENT_BASE_COUNT_ACTIVE 1U
#define EVENT_BASE_COUNT_VIRTUAL 2U
#define EVENT_BASE_COUNT_ADDED 4U

/* Current number of events of the kinds in flags (internal ones included);
 * the max variant returns the high-water mark and resets it if clear. */
EVENT2_EXPORT_SYMBOL int event_base_get_num_events(struct event_base *,
    unsigned int);
EVENT2_EXPORT_SYMBOL int event_base_get_max_events(struct event_base *,
    unsigned int, int);

/* Configuration for event_base_new_with_config(); NULL on failure. */
EVENT2_EXPORT_SYMBOL struct event_config *event_config_new(void);
EVENT2_EXPORT_SYMBOL void event_config_free(struct event_config *cfg);

/* Never pick the named backend. */
EVENT2_EXPORT_SYMBOL int event_config_avoid_method(struct event_config *cfg,
    const char *method);

/* Backend features, for event_config_require_features() and
 * event_base_get_features(). */
enum event_method_feature {
	EV_FEATURE_ET = 0x01,         /* edge-triggered events (EV_ET) */
	EV_FEATURE_O1 = 0x02,         /* O(1) add, delete and dispatch */
	EV_FEATURE_FDS = 0x04,        /* any fd type, not only sockets */
	EV_FEATURE_EARLY_CLOSE = 0x08 /* EV_CLOSED without reading */
};

/* Flags for event_config_set_flag(). */
enum event_base_config_flag {
	EVENT_BASE_FLAG_NOLOCK = 0x01,        /* no lock even with threads on */
	EVENT_BASE_FLAG_IGNORE_ENV = 0x02,    /* ignore the EVENT_* variables */
	EVENT_BASE_FLAG_STARTUP_IOCP = 0x04,  /* Windows only: no effect */
	EVENT_BASE_FLAG_NO_CACHE_TIME = 0x08, /* read the clock per timeout */
	EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST = 0x10, /* batch epoll_ctl */
	EVENT_BASE_FLAG_PRECISE_TIMER = 0x20,        /* the precise clock */
	/*
	 * libevent 2.2's flag: signals are read from a signalfd(2) watched
	 * by the backend instead of the handler and self-pipe; the signals
	 * are blocked with pthread_sigmask while the base watches them.  The
	 * EVENT_USE_SIGNALFD variable asks for it too.  Where signalfd is
	 * missing, the self-pipe is used.  The mask is per thread: block the
	 * signal in every thread, or a thread that does not block it takes
	 * it by its disposition (the handler, or the default action) and the
	 * base never sees it.
	 */
	EVENT_BASE_FLAG_USE_SIGNALFD = 0x80
};

/* A bitwise OR of enum event_method_feature. */
EVENT2_EXPORT_SYMBOL int event_base_get_features(const struct event_base *base);

/* Only accept backends that provide every feature in feature. */
EVENT2_EXPORT_SYMBOL int event_config_require_features(struct event_config *cfg,
    int feature);

/* Adds an enum event_base_config_flag value. */
EVENT2_EXPORT_SYMBOL int event_config_set_flag(struct event_config *cfg,
    int flag);

/* A hint for how many CPUs to use (Windows IOCP only). */
EVENT2_EXPORT_SYMBOL int
event_config_set_num_cpus_hint(struct event_config *cfg, int cpus);

/*
 * Between two checks for new events the loop runs callbacks for at most
 * max_interval or max_callbacks (either may be NULL/-1 for no limit), for
 * priorities >= min_priority.  Lets a busy low priority give way.
 */
EVENT2_EXPORT_SYMBOL int
event_config_set_max_dispatch_interval(struct event_config *cfg,
    const struct timeval *max_interval, int max_callbacks, int min_priority);

/* A base following cfg (cfg may be NULL), or NULL when no backend fits. */
EVENT2_EXPORT_SYMBOL struct event_base *event_base_new_with_config(
    const struct event_config *);

/*
 * Frees the base.  Events still on it are not freed; their finalizers run
 * first, except with the _nofinalize variant.
 */
EVENT2_EXPORT_SYMBOL void event_base_free(struct event_base *);
EVENT2_EXPORT_SYMBOL void event_base_free_nofinalize(struct event_base *);

/* Log severities given to the event_log_cb. */
#define EVENT_LOG_DEBUG 0
#define EVENT_LOG_MSG 1
#define EVENT_LOG_WARN 2
#define EVENT_LOG_ERR 3

/* Older names of the same severities. */
#define _EVENT_LOG_DEBUG EVENT_LOG_DEBUG
#define _EVENT_LOG_MSG EVENT_LOG_MSG
#define _EVENT_LOG_WARN EVENT_LOG_WARN
#define _EVENT_LOG_ERR EVENT_LOG_ERR

/* Where the library's messages go (NULL: back to stderr).  The callback
 * must not call into the library. */
typedef void (*event_log_cb)(int severity, const char *msg);
EVENT2_EXPORT_SYMBOL void event_set_log_callback(event_log_cb cb);

/* Called instead of exit(err) on a fatal internal error; it must not
 * return into the library. */
typedef void (*event_fatal_cb)(int err);
EVENT2_EXPORT_SYMBOL void event_set_fatal_callback(event_fatal_cb cb);

/* Debug logging: EVENT_DBG_ALL turns every debug message on. */
#define EVENT_DBG_ALL 0xffffffffu
#define EVENT_DBG_NONE 0
EVENT2_EXPORT_SYMBOL void event_enable_debug_logging(ev_uint32_t which);

/* Moves a not-yet-added event to another base. */
EVENT2_EXPORT_SYMBOL int event_base_set(struct event_base *, struct event *);

/* Flags for event_base_loop(). */
#define EVLOOP_ONCE 0x01             /* wait once, run what is active, return */
#define EVLOOP_NONBLOCK 0x02         /* do not wait, run what is ready */
#define EVLOOP_NO_EXIT_ON_EMPTY 0x04 /* keep going with no events */

/* As event_base_dispatch() with EVLOOP_* flags; same return values. */
EVENT2_EXPORT_SYMBOL int event_base_loop(struct event_base *, int);

/* Stops the loop after tv (NULL: after the current round of callbacks). */
EVENT2_EXPORT_SYMBOL int event_base_loopexit(struct event_base *,
    const struct timeval *);

/* Stops the loop after the running callback. */
EVENT2_EXPORT_SYMBOL int event_base_loopbreak(struct event_base *);

/* From a callback: look for new events before running more callbacks. */
EVENT2_EXPORT_SYMBOL int event_base_loopcontinue(struct event_base *);

/* Whether the last loop ended through loopexit / loopbreak (1 or 0). */
EVENT2_EXPORT_SYMBOL int event_base_got_exit(struct event_base *);
EVENT2_EXPORT_SYMBOL int event_base_got_break(struct event_base *);

/* What an event waits for, and what its callback is told happened. */
#define EV_TIMEOUT 0x01
#define EV_READ 0x02
#define EV_WRITE 0x04
#define EV_SIGNAL 0x08
#define EV_PERSIST 0x10  /* stays added after it fires */
#define EV_ET 0x20       /* edge-triggered, if the backend can */
#define EV_FINALIZE 0x40 /* event_del does not wait for a running callback */
#define EV_CLOSED 0x80   /* the peer closed (EV_FEATURE_EARLY_CLOSE) */

/* Timers: events with no fd and no event flags. */
#define evtimer_assign(ev, b, cb, arg) \
	event_assign((ev), (b), -1, 0, (cb), (arg))
#define evtimer_new(b, cb, arg) event_new((b), -1, 0, (cb), (arg))
#define evtimer_add(ev, tv) event_add((ev), (tv))
#define evtimer_del(ev) event_del(ev)
#define evtimer_pending(ev, tv) event_pending((ev), EV_TIMEOUT, (tv))
#define evtimer_initialized(ev) event_initialized(ev)

/* Signals: persistent EV_SIGNAL events on a signal number. */
#define evsignal_add(ev, tv) event_add((ev), (tv))
#define evsignal_assign(ev, b, x, cb, arg) \
	event_assign((ev), (b), (x), EV_SIGNAL | EV_PERSIST, cb, (arg))
#define evsignal_new(b, x, cb, arg) \
	event_new((b), (x), EV_SIGNAL | EV_PERSIST, (cb), (arg))
#define evsignal_del(ev) event_del(ev)
#define evsignal_pending(ev, tv) event_pending((ev), EV_SIGNAL, (tv))
#define evsignal_initialized(ev) event_initialized(ev)

/* User events: run only when triggered with event_active(). */
#define evuser_new(b, cb, arg) event_new((b), -1, 0, (cb), (arg))
#define evuser_del(ev) event_del(ev)
#define evuser_pending(ev, tv) event_pending((ev), 0, (tv))
#define evuser_initialized(ev) event_initialized(ev)
#define evuser_trigger(ev) event_active((ev), 0, 0)

/* An event's callback: the fd (or signal), what happened (EV_* bits) and
 * the argument given when the event was made. */
typedef void (*event_callback_fn)(evutil_socket_t, short, void *);

/* Pass as the callback argument to have the event itself passed there. */
EVENT2_EXPORT_SYMBOL void *event_self_cbarg(void);

/*
 * Makes a new event (NULL on failure) or fills in a caller-owned one.  The
 * event is not added yet; fd is -1 for timers, the signal number with
 * EV_SIGNAL.  event_assign must not be used on an added event.
 */
EVENT2_EXPORT_SYMBOL struct event *event_new(struct event_base *,
    evutil_socket_t, short, event_callback_fn, void *);
EVENT2_EXPORT_SYMBOL int event_assign(struct event *, struct event_base *,
    evutil_socket_t, short, event_callback_fn, void *);

/* Deletes (if added) and frees an event from event_new(). */
EVENT2_EXPORT_SYMBOL void event_free(struct event *);

/*
 * Finalizers: delete the event without waiting for a callback running in
 * another thread, then call cb from the loop once it is safe to free the
 * event's resources (the _free_ variant also frees the event).
 */
typedef void (*event_finalize_callback_fn)(struct event *, void *);
EVENT2_EXPORT_SYMBOL int event_finalize(unsigned, struct event *,
    event_finalize_callback_fn);
EVENT2_EXPORT_SYMBOL int event_free_finalize(unsigned, struct event *,
    event_finalize_callback_fn);

/* A one-shot event whose memory the library owns; never persistent. */
EVENT2_EXPORT_SYMBOL int event_base_once(struct event_base *, evutil_socket_t,
    short, event_callback_fn, void *, const struct timeval *);

/* Makes the event pending, with a timeout relative to now unless timeout
 * is NULL; re-adding replaces the timeout. */
EVENT2_EXPORT_SYMBOL int event_add(struct event *ev,
    const struct timeval *timeout);

/* Drops the event's timeout but keeps it pending on its fd/signal. */
EVENT2_EXPORT_SYMBOL int event_remove_timer(struct event *ev);

/*
 * Makes the event non-pending and non-active; harmless on an event that
 * is not added.  event_del waits for a callback running in another thread
 * unless the event has EV_FINALIZE; _noblock never waits, _block always.
 */
EVENT2_EXPORT_SYMBOL int event_del(struct event *);
EVENT2_EXPORT_SYMBOL int event_del_noblock(struct event *ev);
EVENT2_EXPORT_SYMBOL int event_del_block(struct event *ev);

/* Runs the event's callback with res as its flags (ncalls is ignored),
 * whether or not it is pending. */
EVENT2_EXPORT_SYMBOL void event_active(struct event *ev, int res, short ncalls);

/*
 * The subset of events (EV_TIMEOUT|EV_READ|EV_WRITE|EV_SIGNAL) that ev is
 * pending or active on; if tv is given and the event has a timeout, the
 * time it expires.
 */
EVENT2_EXPORT_SYMBOL int event_pending(const struct event *ev, short events,
    struct timeval *tv);

/* The event whose callback is running, when called from one. */
EVENT2_EXPORT_SYMBOL struct event *event_base_get_running_event(
    struct event_base *base);

/* 1 if ev looks assigned, 0 if it is zeroed memory. */
EVENT2_EXPORT_SYMBOL int event_initialized(const struct event *ev);

/* Accessors for what an event was made with. */
#define event_get_signal(ev) ((int)event_get_fd(ev))
EVENT2_EXPORT_SYMBOL evutil_socket_t event_get_fd(const struct event *ev);
EVENT2_EXPORT_SYMBOL struct event_base *event_get_base(const struct event *ev);
EVENT2_EXPORT_SYMBOL short event_get_events(const struct event *ev);
EVENT2_EXPORT_SYMBOL event_callback_fn event_get_callback(
    const struct event *ev);
EVENT2_EXPORT_SYMBOL void *event_get_callback_arg(const struct event *ev);
EVENT2_EXPORT_SYMBOL int event_get_priority(const struct event *ev);

/* All of the above at once; NULL out-pointers are skipped. */
EVENT2_EXPORT_SYMBOL void event_get_assignment(const struct event *event,
    struct event_base **base_out, evutil_socket_t *fd_out, short *events_out,
    event_callback_fn *callback_out, void **arg_out);

/* sizeof(struct event) as the library was built. */
EVENT2_EXPORT_SYMBOL size_t event_get_struct_event_size(void);

/* The version of the library linked in ("2.1.12-stable", 0x02010c00). */
EVENT2_EXPORT_SYMBOL const char *event_get_version(void);
EVENT2_EXPORT_SYMBOL ev_uint32_t event_get_version_number(void);

/* The version of these headers. */
#define LIBEVENT_VERSION EVENT__VERSION
#define LIBEVENT_VERSION_NUMBER EVENT__NUMERIC_VERSION

/* Most priorities a base can have. */
#define EVENT_MAX_PRIORITIES 256

/*
 * Priorities: 0 runs first.  The count may only change while no event is
 * active; new events get the middle priority (count / 2).
 */
EVENT2_EXPORT_SYMBOL int event_base_priority_init(struct event_base *, int);
EVENT2_EXPORT_SYMBOL int event_base_get_npriorities(struct event_base *eb);
EVENT2_EXPORT_SYMBOL int event_priority_set(struct event *, int);

/*
 * For many timeouts of the same duration: returns a marker timeval to pass
 * to event_add() instead of duration, which keeps such timeouts in a queue
 * rather than the heap.  NULL on failure.
 */
EVENT2_EXPORT_SYMBOL const struct timeval *
event_base_init_common_timeout(struct event_base *base,
    const struct timeval *duration);

#if !defined(EVENT__DISABLE_MM_REPLACEMENT)
/* Replaces malloc/realloc/free for everything the library allocates.
 * Call it before any other function. */
EVENT2_EXPORT_SYMBOL void event_set_mem_functions(void *(*malloc_fn)(size_t sz),
    void *(*realloc_fn)(void *ptr, size_t sz), void (*free_fn)(void *ptr));
#define EVENT_SET_MEM_FUNCTIONS_IMPLEMENTED
#endif

/* Prints the added and active events, for debugging; the format is not
 * stable. */
EVENT2_EXPORT_SYMBOL void event_base_dump_events(struct event_base *, FILE *);

/* Activates the added events on fd (for the EV_READ/EV_WRITE/EV_TIMEOUT in
 * events) or on signal sig; events not added are left alone. */
EVENT2_EXPORT_SYMBOL void event_base_active_by_fd(struct event_base *base,
    evutil_socket_t fd, short events);
EVENT2_EXPORT_SYMBOL void event_base_active_by_signal(struct event_base *base,
    int sig);

/*
 * Calls fn on each added or active event (internal ones too) until fn
 * returns non-zero; returns that value or 0.  fn must not change the base.
 */
typedef int (*event_base_foreach_event_cb)(const struct event_base *,
    const struct event *, void *);
EVENT2_EXPORT_SYMBOL int event_base_foreach_event(struct event_base *base,
    event_base_foreach_event_cb fn, void *arg);

/* The time as of the start of this round of callbacks (read fresh when
 * nothing is cached), and a way to refresh the cached time. */
EVENT2_EXPORT_SYMBOL int event_base_gettimeofday_cached(struct event_base *base,
    struct timeval *tv);
EVENT2_EXPORT_SYMBOL int event_base_update_cache_time(struct event_base *base);

/* Frees global state (locks, debug maps) before exit; call it last. */
EVENT2_EXPORT_SYMBOL void libevent_global_shutdown(void);

#ifdef __cplusplus
}
#endif

#endif /* EVENT2_EVENT_H_INCLUDED_ */
