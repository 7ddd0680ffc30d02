/*
 * event2/watch.h: "prepare" and "check" watchers, as libevent 2.2 has
 * them.
 *
 * A prepare watcher's callback runs in every iteration of event_base_loop
 * just before the loop waits in the backend (epoll_wait, poll, select); a
 * check watcher's callback runs just after the wait returns, before any
 * callback of an active event.  Watchers of one kind run in the order they
 * were created.  They let a program run another library's loop (a GUI
 * toolkit, a resolver) in step with ours, or measure how long the loop
 * sleeps.
 *
 * Watchers do not keep a loop alive: a base with nothing but watchers
 * returns from event_base_dispatch at once, before any watcher runs.
 * Callbacks run without the base's lock held, so they may call any
 * function of the library, create watchers (which join the current pass
 * when they are of the kind being run) and free any watcher, themselves
 * included.  What a prepare callback does is seen by the wait that
 * follows: an event it activates, a timer it adds or a loopbreak shorten
 * that wait.  event_base_free frees the watchers left on the base.
 *
 * evkit adds idle watchers in <event2/watch_idle.h>.
 */
#ifndef EVENT2_WATCH_H_INCLUDED_
#define EVENT2_WATCH_H_INCLUDED_

#include <event2/visibility.h>

#ifdef __cplusplus
extern "C" {
#endif

struct event_base;
struct timeval;
struct evwatch;
/* What the loop tells a callback; opaque, read it with the functions. */
struct evwatch_prepare_cb_info;
struct evwatch_check_cb_info;

/* A prepare callback: the watcher, the loop's info, the creator's arg. */
typedef void (*evwatch_prepare_cb)(struct evwatch *,
    const struct evwatch_prepare_cb_info *, void *);

/* A check callback: the watcher, the loop's info, the creator's arg. */
typedef void (*evwatch_check_cb)(struct evwatch *,
    const struct evwatch_check_cb_info *, void *);

/*
 * Creates a prepare watcher on base that calls callback(watcher, info,
 * arg) before every wait.  NULL when out of memory.
 */
EVENT2_EXPORT_SYMBOL
struct evwatch *evwatch_prepare_new(struct event_base *base,
    evwatch_prepare_cb callback, void *arg);

/*
 * Creates a check watcher on base that calls callback(watcher, info, arg)
 * after every wait.  NULL when out of memory.
 */
EVENT2_EXPORT_SYMBOL
struct evwatch *evwatch_check_new(struct event_base *base,
    evwatch_check_cb callback, void *arg);

/* The base a watcher was created on. */
EVENT2_EXPORT_SYMBOL
struct event_base *evwatch_base(struct evwatch *watcher);

/*
 * Removes a watcher from its base and frees it.  Calling it once the base
 * was freed is an error: event_base_free already freed the watcher.
 */
EVENT2_EXPORT_SYMBOL
void evwatch_free(struct evwatch *watcher);

/*
 * For a prepare callback: how long the coming wait may last.  When the
 * loop will wait with a time limit, stores it in *timeout and returns 1:
 * the time left until the next timer, or zero when the wait will not
 * block (EVLOOP_NONBLOCK, callbacks already active, an idle watcher).
 * When the loop will wait with no limit, returns 0 and leaves *timeout
 * alone.
 */
EVENT2_EXPORT_SYMBOL
int evwatch_prepare_get_timeout(const struct evwatch_prepare_cb_info *info,
    struct timeval *timeout);

#ifdef __cplusplus
}
#endif

#endif /* EVENT2_WATCH_H_INCLUDED_ */
