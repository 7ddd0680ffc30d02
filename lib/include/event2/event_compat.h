/*
 * event2/event_compat.h: the libevent 1.4 interface, kept for old programs.
 *
 * These functions act on a process-wide "current" base that event_init()
 * creates; new code should use event_base_new() and the event_base_*
 * functions of event2/event.h instead.  Return values are as for the
 * event_base_* function each one wraps.
 */
#ifndef EVENT2_EVENT_COMPAT_H_INCLUDED_
#define EVENT2_EVENT_COMPAT_H_INCLUDED_

#include <event2/visibility.h>
#include <event2/event-config.h>

#include <sys/types.h>
#include <sys/time.h>

#include <event2/util.h>

#ifdef __cplusplus
extern "C" {
#endif

struct event;
struct event_base;

/* Creates a base and makes it the current one (NULL on failure). */
EVENT2_EXPORT_SYMBOL struct event_base *event_init(void);

/* The loop functions of event2/event.h, on the current base. */
EVENT2_EXPORT_SYMBOL int event_dispatch(void);
EVENT2_EXPORT_SYMBOL int event_loop(int);
EVENT2_EXPORT_SYMBOL int event_loopexit(const struct timeval *);
EVENT2_EXPORT_SYMBOL int event_loopbreak(void);

/* event_base_once() on the current base. */
EVENT2_EXPORT_SYMBOL int event_once(evutil_socket_t, short,
    void (*)(evutil_socket_t, short, void *), void *, const struct timeval *);

/* The backend name of the current base. */
EVENT2_EXPORT_SYMBOL const char *event_get_method(void);

/* event_base_priority_init() on the current base. */
EVENT2_EXPORT_SYMBOL int event_priority_init(int);

/* event_assign() on the current base (which may be none yet). */
EVENT2_EXPORT_SYMBOL void event_set(struct event *, evutil_socket_t, short,
    void (*)(evutil_socket_t, short, void *), void *);

#define evtimer_set(ev, cb, arg) event_set((ev), -1, 0, (cb), (arg))
#define evsignal_set(ev, x, cb, arg) \
	event_set((ev), (x), EV_SIGNAL | EV_PERSIST, (cb), (arg))

/* 1.4 names for timers. */
#define timeout_add(ev, tv) event_add((ev), (tv))
#define timeout_set(ev, cb, arg) event_set((ev), -1, 0, (cb), (arg))
#define timeout_del(ev) event_del(ev)
#define timeout_pending(ev, tv) event_pending((ev), EV_TIMEOUT, (tv))
#define timeout_initialized(ev) event_initialized(ev)

/* 1.4 names for signals. */
#define signal_add(ev, tv) event_add((ev), (tv))
#define signal_set(ev, x, cb, arg) \
	event_set((ev), (x), EV_SIGNAL | EV_PERSIST, (cb), (arg))
#define signal_del(ev) event_del(ev)
#define signal_pending(ev, tv) event_pending((ev), EV_SIGNAL, (tv))
#define signal_initialized(ev) event_initialized(ev)

#ifndef EVENT_FD
#define EVENT_FD(ev) ((int)event_get_fd(ev))
#define EVENT_SIGNAL(ev) event_get_signal(ev)
#endif

#ifdef __cplusplus
}
#endif

#endif /* EVENT2_EVENT_COMPAT_H_INCLUDED_ */
