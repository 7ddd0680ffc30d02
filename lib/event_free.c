/*
 * event_free.c: freeing a base (its events are deleted, finalizers run)
 * and event_reinit after fork().
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <unistd.h>

#include <event2/event.h>

#include "event-internal.h"
#include "evmap-internal.h"
#include "evsignal-internal.h"
#include "evthread-internal.h"
#include "log-internal.h"
#include "minheap-internal.h"
#include "mm-internal.h"

/* Cancels one queued callback; 1 when it counts as a deleted event. */
static int
cancel_queued_callback(struct event_base *base, struct event_callback *evcb,
    int run_finalizers)
{
	int result = 0;

	if (evcb->evcb_flags & EVLIST_INIT) {
		struct event *ev = event_callback_to_event(evcb);
		if (!(ev->ev_flags & EVLIST_INTERNAL)) {
			event_del_nolock_(ev, EVENT_DEL_EVEN_IF_FINALIZING);
			result = 1;
		}
	} else {
		event_callback_cancel_nolock_(base, evcb, 1);
		result = 1;
	}
	if (run_finalizers && (evcb->evcb_flags & EVLIST_FINALIZING)) {
		switch (evcb->evcb_closure) {
		case EV_CLOSURE_EVENT_FINALIZE:
		case EV_CLOSURE_EVENT_FINALIZE_FREE: {
			struct event *ev = event_callback_to_event(evcb);
			ev->ev_evcallback.evcb_cb_union.evcb_evfinalize(ev,
			    ev->ev_arg);
			if (evcb->evcb_closure ==
			    EV_CLOSURE_EVENT_FINALIZE_FREE)
				mm_free(ev);
			break;
		}
		case EV_CLOSURE_CB_FINALIZE:
			evcb->evcb_cb_union.evcb_cbfinalize(evcb,
			    evcb->evcb_arg);
			break;
		default:
			break;
		}
	}
	return result;
}

static int
cancel_queue(struct event_base *base, struct callback_queue *q,
    int run_finalizers)
{
	struct event_callback *evcb, *next;
	int deleted = 0;

	for (evcb = q->tqh_first; evcb; evcb = next) {
		next = evcb->evcb_active_next.tqe_next;
		deleted += cancel_queued_callback(base, evcb, run_finalizers);
	}
	return deleted;
}

static int
free_queues(struct event_base *base, int run_finalizers)
{
	int i, deleted = 0;

	for (i = 0; i < base->nactivequeues; i++)
		deleted +=
		    cancel_queue(base, &base->activequeues[i], run_finalizers);
	deleted +=
	    cancel_queue(base, &base->active_later_queue, run_finalizers);
	return deleted;
}

static void
free_common_timeouts(struct event_base *base)
{
	int i;

	for (i = 0; i < base->n_common_timeouts; i++) {
		struct common_timeout_list *ctl =
		    base->common_timeout_queues[i];
		struct event *ev, *next;
		event_del_nolock_(&ctl->timeout_event,
		    EVENT_DEL_EVEN_IF_FINALIZING);
		event_debug_unassign(&ctl->timeout_event);
		for (ev = ctl->events.tqh_first; ev; ev = next) {
			next = TO_NEXT(ev).tqe_next;
			if (!(ev->ev_flags & EVLIST_INTERNAL))
				event_del_nolock_(ev,
				    EVENT_DEL_EVEN_IF_FINALIZING);
		}
		mm_free(ctl);
	}
	mm_free(base->common_timeout_queues);
	base->common_timeout_queues = NULL;
	base->n_common_timeouts = base->n_common_timeouts_allocated = 0;
}

static void
free_notify(struct event_base *base)
{
	if (base->th_notify_fd[0] == -1)
		return;
	event_del_nolock_(&base->th_notify, EVENT_DEL_EVEN_IF_FINALIZING);
	close(base->th_notify_fd[0]);
	if (base->th_notify_fd[1] != -1)
		close(base->th_notify_fd[1]);
	base->th_notify_fd[0] = base->th_notify_fd[1] = -1;
	base->th_notify_fn = NULL;
	event_debug_unassign(&base->th_notify);
}

/*
 * The backend of a base inherited through fork() and not reinitialized:
 * its kernel object (an epoll set, an io_uring ring) is shared with the
 * parent, where the same fds are still wanted, so the child's deletes
 * must not reach it.  Only the fd map's own bookkeeping changes.
 */
static int
inherited_change(struct event_base *base, evutil_socket_t fd, short old,
    short wanted, void *fdinfo)
{
	return 0;
}

static const struct eventop inherited_ops = {
	.name = "inherited",
	.change = inherited_change,
};

/*
 * When base is used in another process than the one that set up its
 * backend's shared kernel object, points its backend at inherited_ops
 * and returns the real one, which the caller puts back; NULL otherwise.
 */
static const struct eventop *
detach_inherited(struct event_base *base)
{
	const struct eventop *evsel = base->evsel;

	if (evsel == NULL || !evsel->need_reinit || base->pid == getpid())
		return NULL;
	base->evsel = &inherited_ops;
	return evsel;
}

/*
 * The backend of a base whose event_reinit could not make a new kernel
 * object (the old one is gone): adding an fd event and running the loop
 * fail with EBADF, another event_reinit fails again, and event_base_free
 * works.  libevent exits the process there; a library must leave that
 * choice to the program.
 */
static void *
failed_init(struct event_base *base)
{
	errno = EBADF;
	return NULL;
}

static void
failed_dealloc(struct event_base *base)
{
}

static int
failed_change(struct event_base *base, evutil_socket_t fd, short old,
    short wanted, void *fdinfo)
{
	errno = EBADF;
	return -1;
}

static int
failed_dispatch(struct event_base *base, struct timeval *tv)
{
	errno = EBADF;
	return -1;
}

static const struct eventop failed_ops = {
	.name = "none",
	.init = failed_init,
	.change = failed_change,
	.dispatch = failed_dispatch,
	.dealloc = failed_dealloc,
	.need_reinit = 1,
	.max_fd = -1,
};

static void
event_base_free_(struct event_base *base, int run_finalizers)
{
	const struct eventop *inherited;
	struct event *ev;
	int n_deleted = 0, i;

	if (base == NULL)
		base = current_base;
	if (base == NULL) {
		event_warnx("%s: no base to free", __func__);
		return;
	}
	/* Memory and this process's fds go; the parent's set stays. */
	inherited = detach_inherited(base);
	free_notify(base);
	if (base->evsel)
		evmap_delete_all_(base);
	while ((ev = min_heap_top_(&base->timeheap)) != NULL) {
		event_del_nolock_(ev, EVENT_DEL_EVEN_IF_FINALIZING);
		++n_deleted;
	}
	free_common_timeouts(base);
	evwatch_free_all_(base);
	while ((i = free_queues(base, run_finalizers)) != 0)
		n_deleted += i;
	if (n_deleted)
		event_debug(("%s: %d events were still set in base", __func__,
		    n_deleted));
	while (base->once_events) {
		struct event_once *eonce = base->once_events;
		once_unlink(eonce);
		event_debug_unassign(&eonce->ev);
		mm_free(eonce);
	}
	if (base->evsel) {
		evsig_dealloc_(base);
		if (inherited)
			base->evsel = inherited;
		if (base->evsel->dealloc)
			base->evsel->dealloc(base);
	} else if (base->sig.ev_signal_pair[0] != -1 || base->sig.sfd != -1) {
		evsig_dealloc_(base);
	}
	if (base->sig.ev_signal.ev_flags & EVLIST_INIT)
		event_debug_unassign(&base->sig.ev_signal);
	min_heap_dtor_(&base->timeheap);
	mm_free(base->activequeues);
	evmap_io_clear_(&base->io);
	evmap_signal_clear_(&base->sigmap);
	EVTHREAD_FREE_LOCK(base->th_base_lock, 0);
	EVTHREAD_FREE_COND(base->current_event_cond);
	if (base == current_base)
		current_base = NULL;
	mm_free(base);
}

void
event_base_free(struct event_base *base)
{
	event_base_free_(base, 1);
}

void
event_base_free_nofinalize(struct event_base *base)
{
	event_base_free_(base, 0);
}

int
event_reinit(struct event_base *base)
{
	const struct eventop *evsel;
	int res = 0, had_signal_added = 0, was_notifiable = 0;

	if (base == NULL)
		return -1;
	EVBASE_ACQUIRE_LOCK(base, th_base_lock);
	evsel = base->evsel;
	/* Until the new backend object is made, the parent's is left alone. */
	detach_inherited(base);

	/*
	 * The signal pipe and the notify fd are shared with the parent: a
	 * byte written to them would wake either process.  Make new ones; a
	 * signalfd is made new too, so that the child's backend watches its
	 * own.  Deleting their events changes only the fd map (the backend
	 * is detached, or its object is this process's own), and the map's
	 * queued changes are dropped below.
	 */
	had_signal_added = evsig_fork_close_(base);
	if (base->th_notify_fn != NULL) {
		was_notifiable = 1;
		free_notify(base);
	}

	if (evsel->need_reinit) {
		base->evsel = evsel;
		evsel->dealloc(base);
		base->evbase = evsel->init(base);
		if (base->evbase == NULL) {
			if (evsel == &failed_ops)
				event_warnx("%s: the base lost its backend in "
				            "an earlier event_reinit",
				    __func__);
			else
				event_warn("%s: could not make a new %s "
				           "backend",
				    __func__, evsel->name);
			base->evsel = &failed_ops;
			base->pid = getpid();
			res = -1;
			goto done;
		}
	}
	base->pid = getpid();
	if (evsig_fork_open_(base) == -1)
		res = -1;
	if (evsel->need_reinit && evmap_reinit_(base) < 0)
		res = -1;
	if (res == 0 && had_signal_added) {
		res = event_add_nolock_(&base->sig.ev_signal, NULL, 0);
		if (res == 0)
			base->sig.ev_signal_added = 1;
	}
	if (had_signal_added) {
		int sig;
		for (sig = 0; sig < base->sigmap.nentries; sig++) {
			if (base->sigmap.entries[sig].events)
				base->sig.ev_n_signals_added++;
		}
		evsig_set_base_(base);
	}
	if (was_notifiable && res == 0)
		res = evthread_make_base_notifiable_nolock_(base);
done:
	EVBASE_RELEASE_LOCK(base, th_base_lock);
	return res;
}
