/*
 * watch.c: prepare and check watchers (event2/watch.h, libevent 2.2's
 * API) and idle watchers (event2/watch_idle.h, our extension).
 *
 * Each kind is a doubly linked list on the base, run in creation order
 * with the base's lock released around every callback, as event callbacks
 * are.  event_base_loop calls evwatch_dispatch_ instead of waiting in the
 * backend itself only while base->watch.count is non-zero, so a base
 * without watchers pays one predictable branch per iteration.
 */
#include "config.h"

#include <sys/time.h>

#include <event2/watch.h>
#include <event2/watch_idle.h>

#include "event-internal.h"
#include "evmap-internal.h"
#include "evthread-internal.h"
#include "log-internal.h"
#include "minheap-internal.h"
#include "mm-internal.h"
#include "watch-internal.h"

static void
list_append(struct evwatch_list *l, struct evwatch *w)
{
	w->next = NULL;
	w->prev = l->last;
	if (l->last)
		l->last->next = w;
	else
		l->first = w;
	l->last = w;
}

static void
list_remove(struct evwatch_list *l, struct evwatch *w)
{
	if (w->prev)
		w->prev->next = w->next;
	else
		l->first = w->next;
	if (w->next)
		w->next->prev = w->prev;
	else
		l->last = w->prev;
}

/*
 * Wakes the loop if it sleeps in another thread (an idle watcher must
 * stop that sleep).  The base's lock is held.
 */
static void
wake_loop(struct event_base *base)
{
	if (!EVBASE_NEED_NOTIFY(base) || base->th_notify_fn == NULL ||
	    base->is_notify_pending)
		return;
	base->is_notify_pending = 1;
	base->th_notify_fn(base);
}

/* Creates and links a watcher; from then on the loop sees it. */
static struct evwatch *
watch_new(struct event_base *base, enum evwatch_type type, union evwatch_cbs cb,
    void *arg)
{
	struct evwatch *w;

	if (base == NULL) {
		event_warnx("%s: no event base", __func__);
		return NULL;
	}
	w = mm_calloc(1, sizeof(*w));
	if (w == NULL)
		return NULL;
	w->base = base;
	w->type = type;
	w->cb = cb;
	w->arg = arg;

	EVBASE_ACQUIRE_LOCK(base, th_base_lock);
	list_append(&base->watch.lists[type], w);
	base->watch.count++;
	if (type == EVWATCH_IDLE) {
		base->watch.n_idle++;
		/* Keeps event_base_loop from returning "no events". */
		if (++base->virtual_event_count > base->virtual_event_count_max)
			base->virtual_event_count_max =
			    base->virtual_event_count;
		wake_loop(base);
	}
	EVBASE_RELEASE_LOCK(base, th_base_lock);
	return w;
}

struct evwatch *
evwatch_prepare_new(struct event_base *base, evwatch_prepare_cb callback,
    void *arg)
{
	union evwatch_cbs cb = { .prepare = callback };

	return watch_new(base, EVWATCH_PREPARE, cb, arg);
}

struct evwatch *
evwatch_check_new(struct event_base *base, evwatch_check_cb callback, void *arg)
{
	union evwatch_cbs cb = { .check = callback };

	return watch_new(base, EVWATCH_CHECK, cb, arg);
}

struct evwatch *
evwatch_idle_new(struct event_base *base, evwatch_idle_cb callback, void *arg)
{
	union evwatch_cbs cb = { .idle = callback };

	return watch_new(base, EVWATCH_IDLE, cb, arg);
}

struct event_base *
evwatch_base(struct evwatch *watcher)
{
	return watcher->base;
}

/* Unlinks w; the base's lock is held. */
static void
watch_unlink(struct event_base *base, struct evwatch *w)
{
	if (base->watch.cursor == w)
		base->watch.cursor = w->prev;
	list_remove(&base->watch.lists[w->type], w);
	base->watch.count--;
	if (w->type == EVWATCH_IDLE) {
		base->watch.n_idle--;
		if (base->virtual_event_count > 0)
			base->virtual_event_count--;
	}
}

void
evwatch_free(struct evwatch *watcher)
{
	struct event_base *base;

	if (watcher == NULL)
		return;
	base = watcher->base;
	EVBASE_ACQUIRE_LOCK(base, th_base_lock);
	watch_unlink(base, watcher);
	EVBASE_RELEASE_LOCK(base, th_base_lock);
	mm_free(watcher);
}

void
evwatch_free_all_(struct event_base *base)
{
	int t;

	for (t = 0; t < EVWATCH_NTYPES; t++) {
		struct evwatch *w;
		while ((w = base->watch.lists[t].first) != NULL) {
			watch_unlink(base, w);
			mm_free(w);
		}
	}
}

int
evwatch_prepare_get_timeout(const struct evwatch_prepare_cb_info *info,
    struct timeval *timeout)
{
	if (info->timeout == NULL)
		return 0;
	*timeout = *info->timeout;
	return 1;
}

/*
 * Runs the callbacks of one list in order, the base's lock released
 * around each.  The cursor makes the walk safe against callbacks that
 * free watchers (themselves included) or create new ones, which run in
 * this pass when they join the list being walked.
 */
static void
run_list(struct event_base *base, enum evwatch_type type, const void *info)
{
	struct evwatch_list *l = &base->watch.lists[type];
	struct evwatch *w;

	base->watch.cursor = NULL;
	while ((w = base->watch.cursor ? base->watch.cursor->next : l->first) !=
	    NULL) {
		/* Read under the lock: another thread may free w meanwhile. */
		union evwatch_cbs cb = w->cb;
		void *arg = w->arg;

		base->watch.cursor = w;
		EVBASE_RELEASE_LOCK(base, th_base_lock);
		switch (type) {
		case EVWATCH_PREPARE:
			cb.prepare(w, info, arg);
			break;
		case EVWATCH_CHECK:
			cb.check(w, info, arg);
			break;
		default:
			cb.idle(w, arg);
			break;
		}
		EVBASE_ACQUIRE_LOCK(base, th_base_lock);
	}
	base->watch.cursor = NULL;
}

/* Whether the earliest timer is due at the (cached) time now. */
static int
timer_due(struct event_base *base)
{
	struct event *ev = min_heap_top_(&base->timeheap);
	struct timeval now;

	if (ev == NULL || event_base_gettime_(base, &now) == -1)
		return 0;
	return evutil_timercmp(&ev->ev_timeout, &now, <=);
}

/*
 * After the prepare callbacks: the wait must not outlast what they asked
 * for.  Not at all when they activated an event, asked the loop to stop
 * or created an idle watcher; no longer than a timer they added.  buf
 * holds the result when it is not tv_p.
 */
static struct timeval *
recheck_timeout(struct event_base *base, struct timeval *tv_p,
    struct timeval *buf)
{
	struct event *ev = min_heap_top_(&base->timeheap);
	struct timeval now;

	if (base->watch.n_idle || N_ACTIVE_CALLBACKS(base) ||
	    base->event_break || base->event_gotterm) {
		evutil_timerclear(buf);
		return buf;
	}
	if (ev == NULL || event_base_gettime_(base, &now) == -1)
		return tv_p;
	if (evutil_timercmp(&ev->ev_timeout, &now, <=))
		evutil_timerclear(buf);
	else
		evutil_timersub(&ev->ev_timeout, &now, buf);
	return tv_p == NULL || evutil_timercmp(buf, tv_p, <) ? buf : tv_p;
}

int
evwatch_dispatch_(struct event_base *base, struct timeval *tv_p)
{
	static const struct evwatch_check_cb_info check_info;
	struct evwatch_prepare_cb_info prepare_info;
	struct timeval zero = { 0, 0 }, after_prepare;
	int res, was_active;

	/* An idle watcher must run soon: no sleeping meanwhile. */
	if (base->watch.n_idle)
		tv_p = &zero;
	if (base->watch.lists[EVWATCH_PREPARE].first) {
		prepare_info.timeout = tv_p;
		run_list(base, EVWATCH_PREPARE, &prepare_info);
		base->tv_cache.tv_sec = 0;
		if (tv_p != &zero)
			tv_p = recheck_timeout(base, tv_p, &after_prepare);
	}
	if (evmap_has_changes_(&base->io))
		evmap_flush_changes_(base);
	was_active = N_ACTIVE_CALLBACKS(base);
	res = base->evsel->dispatch(base, tv_p);
	if (res == -1)
		return -1;

	/* As event_base_loop does after its wait: callbacks see new time. */
	base->tv_cache.tv_sec = 0;
	if (!(base->flags & EVENT_BASE_FLAG_NO_CACHE_TIME))
		event_base_gettime_(base, &base->tv_cache);
	if (base->watch.lists[EVWATCH_CHECK].first)
		run_list(base, EVWATCH_CHECK, &check_info);

	/*
	 * Idle: nothing was active before the wait, the wait found nothing
	 * (nor did a check callback activate anything), and no timer is
	 * due.
	 */
	if (base->watch.n_idle && !was_active && !N_ACTIVE_CALLBACKS(base) &&
	    !timer_due(base))
		run_list(base, EVWATCH_IDLE, NULL);
	return res;
}
