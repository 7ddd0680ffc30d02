/*
 * watch-internal.h: prepare, check and idle watchers (watch.c), and the
 * state struct event_base embeds for them.
 */
#ifndef WATCH_INTERNAL_H_INCLUDED_
#define WATCH_INTERNAL_H_INCLUDED_

#include <event2/watch.h>
#include <event2/watch_idle.h>

struct event_base;
struct timeval;

enum evwatch_type {
	EVWATCH_PREPARE,
	EVWATCH_CHECK,
	EVWATCH_IDLE,
	EVWATCH_NTYPES
};

union evwatch_cbs {
	evwatch_prepare_cb prepare;
	evwatch_check_cb check;
	evwatch_idle_cb idle;
};

struct evwatch {
	struct evwatch *next, *prev; /* in base->watch.lists[type] */
	struct event_base *base;
	enum evwatch_type type;
	union evwatch_cbs cb;
	void *arg;
};

struct evwatch_prepare_cb_info {
	const struct timeval *timeout; /* NULL: the wait has no limit */
};

struct evwatch_check_cb_info {
	int unused; /* nothing to tell yet; C wants a member */
};

struct evwatch_list {
	struct evwatch *first, *last;
};

/*
 * Embedded in struct event_base (zeroed with it).  `count` is what the
 * loop tests: zero means no watcher of any kind, and the loop then pays a
 * single branch for all of this.
 */
struct evwatch_state {
	int count;
	int n_idle;
	struct evwatch_list lists[EVWATCH_NTYPES];
	/*
	 * While a list runs: the watcher whose callback runs last or now,
	 * NULL before the first.  evwatch_free moves it back to the
	 * predecessor of the watcher it frees, so the run goes on with the
	 * right successor whatever the callback frees or creates.
	 */
	struct evwatch *cursor;
};

/*
 * The loop's wait when watchers exist, with the base's lock held: runs
 * the prepare callbacks, flushes the fd map's changes, waits in the
 * backend (not at all while an idle watcher exists or a callback became
 * active), refreshes the time cache, runs the check callbacks and then,
 * if nothing happened, the idle callbacks.  Returns the backend's result.
 */
int evwatch_dispatch_(struct event_base *base, struct timeval *tv_p);

/* Frees every watcher of base (event_base_free). */
void evwatch_free_all_(struct event_base *base);

#endif /* WATCH_INTERNAL_H_INCLUDED_ */
