/*
 * event2/watch_idle.h: idle watchers, an evkit extension (libevent has
 * none; the semantics are libev's ev_idle and libuv's uv_idle_t).
 *
 * An idle watcher's callback runs at the end of every loop iteration in
 * which nothing else happened: the wait reported no fd or signal, no timer
 * was due and no callback was active.  While at least one idle watcher
 * exists, the loop's waits do not block, so the callback runs again and
 * again for as long as the program has nothing else to do; use it for
 * background work in small steps.
 *
 * Unlike prepare and check watchers, an idle watcher keeps the loop alive,
 * as libev's and libuv's do: event_base_dispatch does not return while one
 * exists (it counts as a virtual event in event_base_get_num_events).  Free
 * the watcher with evwatch_free (from its own callback if you like) to
 * stop it.  Idle watchers run in the order they were created, without the
 * base's lock held; event_base_free frees those left.  An idle callback is
 * not an event callback: EVLOOP_ONCE still waits for an event to run.
 */
#ifndef EVENT2_WATCH_IDLE_H_INCLUDED_
#define EVENT2_WATCH_IDLE_H_INCLUDED_

#include <event2/watch.h>

#ifdef __cplusplus
extern "C" {
#endif

/* An idle callback: the watcher and the creator's arg. */
typedef void (*evwatch_idle_cb)(struct evwatch *, void *);

/*
 * Creates an idle watcher on base that calls callback(watcher, arg); it
 * is active at once (a loop sleeping in another thread is woken).  NULL
 * when out of memory.  evwatch_base and evwatch_free work on it.
 */
EVENT2_EXPORT_SYMBOL
struct evwatch *evwatch_idle_new(struct event_base *base,
    evwatch_idle_cb callback, void *arg);

#ifdef __cplusplus
}
#endif

#endif /* EVENT2_WATCH_IDLE_H_INCLUDED_ */
