/*
 * bufferevent.c: what every kind of bufferevent shares.
 *
 * Callbacks, references and teardown, locking, enable/disable and
 * suspension, watermarks, timeouts, flush and trigger.  The kinds
 * (bufferevent_sock.c, _pair.c, _filter.c) plug in through struct
 * bufferevent_ops; rate limits live in bufferevent_ratelim.c.  See
 * bufferevent-internal.h for the lifetime rules.
 */
#include "config.h"

#include <string.h>
#include <sys/time.h>

#include <event2/event.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_struct.h>
#include <event2/bufferevent_compat.h>

#include "bufferevent-internal.h"
#include "event-internal.h"
#include "evbuffer-internal.h"
#include "evthread-internal.h"
#include "log-internal.h"
#include "mm-internal.h"
#include "util-internal.h"

/* ------------------------------------------------------------------ */
/* Suspension.                                                         */

void
bufferevent_suspend_read_(struct bufferevent *bufev,
    bufferevent_suspend_flags what)
{
	struct bufferevent_private *p = BEV_UPCAST(bufev);

	BEV_LOCK(bufev);
	if (p->read_suspended == 0)
		bufev->be_ops->disable(bufev, EV_READ);
	p->read_suspended |= what;
	BEV_UNLOCK(bufev);
}

void
bufferevent_unsuspend_read_(struct bufferevent *bufev,
    bufferevent_suspend_flags what)
{
	struct bufferevent_private *p = BEV_UPCAST(bufev);

	BEV_LOCK(bufev);
	p->read_suspended &= ~what;
	if (p->read_suspended == 0 && (bufev->enabled & EV_READ))
		bufev->be_ops->enable(bufev, EV_READ);
	BEV_UNLOCK(bufev);
}

void
bufferevent_suspend_write_(struct bufferevent *bufev,
    bufferevent_suspend_flags what)
{
	struct bufferevent_private *p = BEV_UPCAST(bufev);

	BEV_LOCK(bufev);
	if (p->write_suspended == 0)
		bufev->be_ops->disable(bufev, EV_WRITE);
	p->write_suspended |= what;
	BEV_UNLOCK(bufev);
}

void
bufferevent_unsuspend_write_(struct bufferevent *bufev,
    bufferevent_suspend_flags what)
{
	struct bufferevent_private *p = BEV_UPCAST(bufev);

	BEV_LOCK(bufev);
	p->write_suspended &= ~what;
	if (p->write_suspended == 0 && (bufev->enabled & EV_WRITE))
		bufev->be_ops->enable(bufev, EV_WRITE);
	BEV_UNLOCK(bufev);
}

/*
 * Input callback installed while a read high watermark is set: reading
 * stops when the input reaches the mark and resumes below it.
 */
static void
inbuf_watermark_cb(struct evbuffer *buf, const struct evbuffer_cb_info *info,
    void *arg)
{
	struct bufferevent *bufev = arg;

	(void)info;
	if (evbuffer_get_length(buf) >= bufev->wm_read.high)
		bufferevent_suspend_read_(bufev, BEV_SUSPEND_WM);
	else
		bufferevent_unsuspend_read_(bufev, BEV_SUSPEND_WM);
}

/* ------------------------------------------------------------------ */
/* Callbacks.                                                          */

/*
 * The read callback is not allowed to leave the input at its high
 * watermark while reading is on: reading is stuck until the input
 * drains, so the read callback runs again (deferred) until it drains.
 */
static void
inbuf_watermark_check(struct bufferevent *bufev)
{
	if (bufev->wm_read.high == 0 || !(bufev->enabled & EV_READ))
		return;
	if (evbuffer_get_length(bufev->input) < bufev->wm_read.high)
		return;
	bufferevent_trigger(bufev, EV_READ, BEV_OPT_DEFER_CALLBACKS);
}

/*
 * Queues the deferred runner.  It holds no reference: the last decref
 * cancels a queued runner (or waits for a running one) before finalizing,
 * and a base freed with the runner still queued would otherwise never
 * drop the reference, leaking the bufferevent.
 */
static void
schedule_deferred(struct bufferevent_private *p)
{
	event_deferred_cb_schedule_(p->bev.ev_base, &p->deferred);
}

void
bufferevent_run_readcb_(struct bufferevent *bufev, int options)
{
	struct bufferevent_private *p = BEV_UPCAST(bufev);

	if (bufev->readcb == NULL)
		return;
	if ((p->options | options) & BEV_OPT_DEFER_CALLBACKS) {
		p->readcb_pending = 1;
		schedule_deferred(p);
	} else {
		bufev->readcb(bufev, bufev->cbarg);
		inbuf_watermark_check(bufev);
	}
}

void
bufferevent_run_writecb_(struct bufferevent *bufev, int options)
{
	struct bufferevent_private *p = BEV_UPCAST(bufev);

	if (bufev->writecb == NULL)
		return;
	if ((p->options | options) & BEV_OPT_DEFER_CALLBACKS) {
		p->writecb_pending = 1;
		schedule_deferred(p);
	} else {
		bufev->writecb(bufev, bufev->cbarg);
	}
}

void
bufferevent_run_eventcb_(struct bufferevent *bufev, short what, int options)
{
	struct bufferevent_private *p = BEV_UPCAST(bufev);

	if (bufev->errorcb == NULL)
		return;
	if ((p->options | options) & BEV_OPT_DEFER_CALLBACKS) {
		p->eventcb_pending |= what;
		p->errno_pending = EVUTIL_SOCKET_ERROR();
		schedule_deferred(p);
	} else {
		bufev->errorcb(bufev, what, bufev->cbarg);
	}
}

/* Runs a user callback from the deferred runner, unlocked if asked. */
static void
call_data_cb(struct bufferevent *bufev, bufferevent_data_cb cb, void *arg,
    int unlock_cbs)
{
	if (unlock_cbs)
		BEV_UNLOCK(bufev);
	cb(bufev, arg);
	if (unlock_cbs)
		BEV_LOCK(bufev);
}

static void
call_event_cb(struct bufferevent *bufev, bufferevent_event_cb cb, short what,
    void *arg, int unlock_cbs)
{
	if (unlock_cbs)
		BEV_UNLOCK(bufev);
	cb(bufev, what, arg);
	if (unlock_cbs)
		BEV_LOCK(bufev);
}

/*
 * The deferred runner.  A CONNECTED event goes first, since it happened
 * before any data could move; then read, write, and the other events
 * with the errno saved when they happened.  A callback that is pending
 * but unset stays pending.  With unlock_cbs the lock is released around
 * each user callback, which therefore gets the values read before.
 */
static void
run_deferred(struct bufferevent_private *p, int unlock_cbs)
{
	struct bufferevent *bufev = &p->bev;

	BEV_LOCK(bufev);
	if ((p->eventcb_pending & BEV_EVENT_CONNECTED) && bufev->errorcb) {
		p->eventcb_pending &= ~BEV_EVENT_CONNECTED;
		call_event_cb(bufev, bufev->errorcb, BEV_EVENT_CONNECTED,
		    bufev->cbarg, unlock_cbs);
	}
	if (p->readcb_pending && bufev->readcb) {
		p->readcb_pending = 0;
		call_data_cb(bufev, bufev->readcb, bufev->cbarg, unlock_cbs);
		inbuf_watermark_check(bufev);
	}
	if (p->writecb_pending && bufev->writecb) {
		p->writecb_pending = 0;
		call_data_cb(bufev, bufev->writecb, bufev->cbarg, unlock_cbs);
	}
	if (p->eventcb_pending && bufev->errorcb) {
		short what = p->eventcb_pending;
		int err = p->errno_pending;

		p->eventcb_pending = 0;
		p->errno_pending = 0;
		EVUTIL_SET_SOCKET_ERROR(err);
		call_event_cb(bufev, bufev->errorcb, what, bufev->cbarg,
		    unlock_cbs);
	}
	BEV_UNLOCK(bufev);
}

static void
run_deferred_locked(struct event_callback *cb, void *arg)
{
	(void)cb;
	run_deferred(arg, 0);
}

static void
run_deferred_unlocked(struct event_callback *cb, void *arg)
{
	(void)cb;
	run_deferred(arg, 1);
}

/* ------------------------------------------------------------------ */
/* Setup, references, teardown.                                        */

int
bufferevent_init_common_(struct bufferevent_private *p, struct event_base *base,
    const struct bufferevent_ops *ops, enum bufferevent_options options)
{
	struct bufferevent *bufev = &p->bev;
	void (*runner)(struct event_callback *, void *);
	int npri;

	if (bufev->input == NULL && (bufev->input = evbuffer_new()) == NULL)
		goto err;
	if (bufev->output == NULL && (bufev->output = evbuffer_new()) == NULL)
		goto err;

	p->refcnt = 1;
	bufev->ev_base = base;
	evutil_timerclear(&bufev->timeout_read);
	evutil_timerclear(&bufev->timeout_write);
	bufev->be_ops = ops;
	if (bufferevent_ratelim_init_(p) < 0)
		goto err;
	/* Writing is on from the start, so that bufferevent_write() sends;
	 * reading waits for the program to ask. */
	bufev->enabled = EV_WRITE;

	if ((options & BEV_OPT_THREADSAFE) &&
	    bufferevent_enable_locking_(bufev, NULL) < 0)
		goto err;
	if ((options & (BEV_OPT_DEFER_CALLBACKS | BEV_OPT_UNLOCK_CALLBACKS)) ==
	    BEV_OPT_UNLOCK_CALLBACKS) {
		event_warnx("UNLOCK_CALLBACKS requires DEFER_CALLBACKS");
		goto err;
	}
	runner = (options & BEV_OPT_UNLOCK_CALLBACKS) ? run_deferred_unlocked
	                                              : run_deferred_locked;
	npri = event_base_get_npriorities(base);
	event_deferred_cb_init_(&p->deferred,
	    (ev_uint8_t)(npri > 0 ? npri / 2 : 0), runner, p);
	p->options = options;
	/* Deferred buffer callbacks keep the bufferevent alive. */
	evbuffer_set_parent_(bufev->input, bufev);
	evbuffer_set_parent_(bufev->output, bufev);
	return 0;

err:
	/* The buffers first: they may use the lock. */
	if (bufev->input) {
		evbuffer_free(bufev->input);
		bufev->input = NULL;
	}
	if (bufev->output) {
		evbuffer_free(bufev->output);
		bufev->output = NULL;
	}
	if (p->own_lock) {
		EVTHREAD_FREE_LOCK(p->lock, EVTHREAD_LOCKTYPE_RECURSIVE);
		p->lock = NULL;
		p->own_lock = 0;
	}
	return -1;
}

int
bufferevent_enable_locking_(struct bufferevent *bufev, void *lock)
{
	struct bufferevent_private *p = BEV_UPCAST(bufev);
	struct bufferevent *underlying;

	if (p->lock)
		return -1;
	underlying = bufferevent_get_underlying(bufev);
	if (lock == NULL && underlying && BEV_UPCAST(underlying)->lock) {
		p->lock = BEV_UPCAST(underlying)->lock;
		p->own_lock = 0;
	} else if (lock == NULL) {
		EVTHREAD_ALLOC_LOCK(lock, EVTHREAD_LOCKTYPE_RECURSIVE);
		if (lock == NULL)
			return -1;
		p->lock = lock;
		p->own_lock = 1;
	} else {
		p->lock = lock;
		p->own_lock = 0;
	}
	evbuffer_enable_locking(bufev->input, p->lock);
	evbuffer_enable_locking(bufev->output, p->lock);
	if (underlying && BEV_UPCAST(underlying)->lock == NULL)
		bufferevent_enable_locking_(underlying, p->lock);
	return 0;
}

void
bufferevent_defer_unlocked_(struct bufferevent *bufev)
{
	struct bufferevent_private *p = BEV_UPCAST(bufev);

	BEV_LOCK(bufev);
	/* A runner already queued cannot be changed: nothing is done. */
	if (!(p->deferred.evcb_flags & (EVLIST_ACTIVE | EVLIST_ACTIVE_LATER))) {
		p->options |=
		    BEV_OPT_DEFER_CALLBACKS | BEV_OPT_UNLOCK_CALLBACKS;
		event_deferred_cb_init_(&p->deferred, p->deferred.evcb_pri,
		    run_deferred_unlocked, p);
	}
	BEV_UNLOCK(bufev);
}

void
bufferevent_incref_and_lock_(struct bufferevent *bufev)
{
	BEV_LOCK(bufev);
	++BEV_UPCAST(bufev)->refcnt;
}

void
bufferevent_incref_(struct bufferevent *bufev)
{
	BEV_LOCK(bufev);
	++BEV_UPCAST(bufev)->refcnt;
	BEV_UNLOCK(bufev);
}

int
bufferevent_decref_(struct bufferevent *bufev)
{
	BEV_LOCK(bufev);
	return bufferevent_decref_and_unlock_(bufev);
}

/* The finalizer: runs from the loop once no callback of bufev runs. */
static void
finalize_bufferevent(struct event_callback *evcb, void *arg)
{
	struct bufferevent *bufev = arg;
	struct bufferevent_private *p = BEV_UPCAST(bufev);
	struct bufferevent *underlying;
	void *lock = p->lock;
	int own_lock = p->own_lock;

	(void)evcb;
	BEV_LOCK(bufev);
	/* Asked before destruct, which may let go of it. */
	underlying = bufferevent_get_underlying(bufev);
	if (bufev->be_ops->destruct)
		bufev->be_ops->destruct(bufev);
	/* destruct may hand the shared lock over to a partner. */
	own_lock = p->own_lock;
	evbuffer_free(bufev->input);
	evbuffer_free(bufev->output);
	bufferevent_ratelim_free_(p);
	BEV_UNLOCK(bufev);

	if (own_lock)
		EVTHREAD_FREE_LOCK(lock, EVTHREAD_LOCKTYPE_RECURSIVE);
	mm_free((char *)bufev - bufev->be_ops->mem_offset);
	/* Last: a filter may share its underlying bufferevent's lock. */
	if (underlying)
		bufferevent_decref_(underlying);
}

int
bufferevent_decref_and_unlock_(struct bufferevent *bufev)
{
	struct bufferevent_private *p = BEV_UPCAST(bufev);
	struct event_callback *cbs[8];
	int n = 0, k;

	EVUTIL_ASSERT(p->refcnt > 0);
	if (--p->refcnt > 0) {
		BEV_UNLOCK(bufev);
		return 0;
	}
	if (bufev->be_ops->unlink)
		bufev->be_ops->unlink(bufev);

	/* Everything that could still call into bufev is cancelled; the
	 * finalizer runs once whichever of them is running has returned. */
	cbs[n++] = &bufev->ev_read.ev_evcallback;
	cbs[n++] = &bufev->ev_write.ev_evcallback;
	cbs[n++] = &p->deferred;
	if (p->rate_limiting &&
	    event_initialized(&p->rate_limiting->refill_bucket_event))
		cbs[n++] = &p->rate_limiting->refill_bucket_event.ev_evcallback;
	if ((k = evbuffer_get_callbacks_(bufev->input, cbs + n, 8 - n)) > 0)
		n += k;
	if ((k = evbuffer_get_callbacks_(bufev->output, cbs + n, 8 - n)) > 0)
		n += k;
	event_callback_finalize_many_(bufev->ev_base, n, cbs,
	    finalize_bufferevent);
	BEV_UNLOCK(bufev);
	return 1;
}

void
bufferevent_incref(struct bufferevent *bufev)
{
	bufferevent_incref_(bufev);
}

int
bufferevent_decref(struct bufferevent *bufev)
{
	return bufferevent_decref_(bufev);
}

void
bufferevent_lock(struct bufferevent *bufev)
{
	bufferevent_incref_and_lock_(bufev);
}

void
bufferevent_unlock(struct bufferevent *bufev)
{
	bufferevent_decref_and_unlock_(bufev);
}

void
bufferevent_free(struct bufferevent *bufev)
{
	union bufferevent_ctrl_data d;

	BEV_LOCK(bufev);
	bufferevent_setcb(bufev, NULL, NULL, NULL, NULL);
	/* A pending DNS lookup must not call back into a freed object. */
	memset(&d, 0, sizeof(d));
	if (bufev->be_ops->ctrl)
		bufev->be_ops->ctrl(bufev, BEV_CTRL_CANCEL_ALL, &d);
	bufferevent_decref_and_unlock_(bufev);
}

/* ------------------------------------------------------------------ */
/* Callbacks, buffers, enabling.                                       */

void
bufferevent_setcb(struct bufferevent *bufev, bufferevent_data_cb readcb,
    bufferevent_data_cb writecb, bufferevent_event_cb eventcb, void *cbarg)
{
	BEV_LOCK(bufev);
	bufev->readcb = readcb;
	bufev->writecb = writecb;
	bufev->errorcb = eventcb;
	bufev->cbarg = cbarg;
	BEV_UNLOCK(bufev);
}

void
bufferevent_getcb(struct bufferevent *bufev, bufferevent_data_cb *readcb_ptr,
    bufferevent_data_cb *writecb_ptr, bufferevent_event_cb *eventcb_ptr,
    void **cbarg_ptr)
{
	BEV_LOCK(bufev);
	if (readcb_ptr)
		*readcb_ptr = bufev->readcb;
	if (writecb_ptr)
		*writecb_ptr = bufev->writecb;
	if (eventcb_ptr)
		*eventcb_ptr = bufev->errorcb;
	if (cbarg_ptr)
		*cbarg_ptr = bufev->cbarg;
	BEV_UNLOCK(bufev);
}

struct evbuffer *
bufferevent_get_input(struct bufferevent *bufev)
{
	return bufev->input;
}

struct evbuffer *
bufferevent_get_output(struct bufferevent *bufev)
{
	return bufev->output;
}

struct event_base *
bufferevent_get_base(struct bufferevent *bufev)
{
	struct event_base *base;

	BEV_LOCK(bufev);
	base = bufev->ev_base;
	BEV_UNLOCK(bufev);
	return base;
}

int
bufferevent_write(struct bufferevent *bufev, const void *data, size_t size)
{
	return evbuffer_add(bufev->output, data, size) == -1 ? -1 : 0;
}

int
bufferevent_write_buffer(struct bufferevent *bufev, struct evbuffer *buf)
{
	return evbuffer_add_buffer(bufev->output, buf) == -1 ? -1 : 0;
}

size_t
bufferevent_read(struct bufferevent *bufev, void *data, size_t size)
{
	return (size_t)evbuffer_remove(bufev->input, data, size);
}

int
bufferevent_read_buffer(struct bufferevent *bufev, struct evbuffer *buf)
{
	return evbuffer_add_buffer(buf, bufev->input);
}

int
bufferevent_enable(struct bufferevent *bufev, short event)
{
	struct bufferevent_private *p = BEV_UPCAST(bufev);
	short start = event;
	int r = 0;

	bufferevent_incref_and_lock_(bufev);
	/* Remember the wish even for a suspended direction; it starts when
	 * the suspension ends. */
	if (p->read_suspended)
		start &= ~EV_READ;
	if (p->write_suspended)
		start &= ~EV_WRITE;
	bufev->enabled |= event;
	if (start && bufev->be_ops->enable(bufev, start) < 0)
		r = -1;
	if (r)
		event_debug(("%s: cannot enable 0x%hx on %p", __func__,
		    (unsigned short)event, (void *)bufev));
	bufferevent_decref_and_unlock_(bufev);
	return r;
}

int
bufferevent_disable(struct bufferevent *bufev, short event)
{
	int r = 0;

	BEV_LOCK(bufev);
	bufev->enabled &= ~event;
	if (bufev->be_ops->disable(bufev, event) < 0)
		r = -1;
	if (r)
		event_debug(("%s: cannot disable 0x%hx on %p", __func__,
		    (unsigned short)event, (void *)bufev));
	BEV_UNLOCK(bufev);
	return r;
}

short
bufferevent_get_enabled(struct bufferevent *bufev)
{
	short r;

	BEV_LOCK(bufev);
	r = bufev->enabled;
	BEV_UNLOCK(bufev);
	return r;
}

/* ------------------------------------------------------------------ */
/* Watermarks.                                                         */

void
bufferevent_setwatermark(struct bufferevent *bufev, short events,
    size_t lowmark, size_t highmark)
{
	struct bufferevent_private *p = BEV_UPCAST(bufev);

	BEV_LOCK(bufev);
	if (events & EV_WRITE) {
		bufev->wm_write.low = lowmark;
		bufev->wm_write.high = highmark;
	}
	if (events & EV_READ) {
		bufev->wm_read.low = lowmark;
		bufev->wm_read.high = highmark;
		if (highmark) {
			/* Watch the input so that reading stops at the
			 * mark, and apply the mark to what is there now. */
			if (p->read_watermarks_cb == NULL)
				p->read_watermarks_cb =
				    evbuffer_add_cb(bufev->input,
				        inbuf_watermark_cb, bufev);
			if (p->read_watermarks_cb == NULL) {
				/* Out of memory, and no way to say so: a
				 * mark nothing would lift could stall the
				 * reads for good, so none is kept. */
				event_warn("%s: high watermark not set",
				    __func__);
				bufev->wm_read.high = 0;
				bufferevent_unsuspend_read_(bufev,
				    BEV_SUSPEND_WM);
				BEV_UNLOCK(bufev);
				return;
			}
			evbuffer_cb_set_flags(bufev->input,
			    p->read_watermarks_cb,
			    EVBUFFER_CB_ENABLED | EVBUFFER_CB_NODEFER);
			if (evbuffer_get_length(bufev->input) >= highmark)
				bufferevent_suspend_read_(bufev,
				    BEV_SUSPEND_WM);
			else
				bufferevent_unsuspend_read_(bufev,
				    BEV_SUSPEND_WM);
		} else {
			if (p->read_watermarks_cb)
				evbuffer_cb_clear_flags(bufev->input,
				    p->read_watermarks_cb, EVBUFFER_CB_ENABLED);
			bufferevent_unsuspend_read_(bufev, BEV_SUSPEND_WM);
		}
	}
	BEV_UNLOCK(bufev);
}

int
bufferevent_getwatermark(struct bufferevent *bufev, short events,
    size_t *lowmark, size_t *highmark)
{
	const struct event_watermark *wm;

	if (events == EV_WRITE)
		wm = &bufev->wm_write;
	else if (events == EV_READ)
		wm = &bufev->wm_read;
	else
		return -1;
	BEV_LOCK(bufev);
	if (lowmark)
		*lowmark = wm->low;
	if (highmark)
		*highmark = wm->high;
	BEV_UNLOCK(bufev);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Flush and trigger.                                                  */

int
bufferevent_flush(struct bufferevent *bufev, short iotype,
    enum bufferevent_flush_mode mode)
{
	int r = -1;

	BEV_LOCK(bufev);
	if (bufev->be_ops->flush)
		r = bufev->be_ops->flush(bufev, iotype, mode);
	BEV_UNLOCK(bufev);
	return r;
}

#define BEV_TRIG_ALL_OPTS_ \
	(BEV_TRIG_IGNORE_WATERMARKS | BEV_TRIG_DEFER_CALLBACKS)

void
bufferevent_trigger(struct bufferevent *bufev, short iotype, int options)
{
	bufferevent_incref_and_lock_(bufev);
	bufferevent_trigger_nolock_(bufev, iotype,
	    options & BEV_TRIG_ALL_OPTS_);
	bufferevent_decref_and_unlock_(bufev);
}

void
bufferevent_trigger_event(struct bufferevent *bufev, short what, int options)
{
	bufferevent_incref_and_lock_(bufev);
	bufferevent_run_eventcb_(bufev, what, options & BEV_TRIG_ALL_OPTS_);
	bufferevent_decref_and_unlock_(bufev);
}

/* ------------------------------------------------------------------ */
/* Kind-specific requests.                                             */

int
bufferevent_setfd(struct bufferevent *bufev, evutil_socket_t fd)
{
	union bufferevent_ctrl_data d;
	int r = -1;

	d.fd = fd;
	BEV_LOCK(bufev);
	if (bufev->be_ops->ctrl)
		r = bufev->be_ops->ctrl(bufev, BEV_CTRL_SET_FD, &d);
	if (r)
		event_debug(("%s: cannot set fd for %p to %d", __func__,
		    (void *)bufev, (int)fd));
	BEV_UNLOCK(bufev);
	return r;
}

evutil_socket_t
bufferevent_getfd(struct bufferevent *bufev)
{
	union bufferevent_ctrl_data d;
	int r = -1;

	d.fd = -1;
	BEV_LOCK(bufev);
	if (bufev->be_ops->ctrl)
		r = bufev->be_ops->ctrl(bufev, BEV_CTRL_GET_FD, &d);
	if (r)
		event_debug(
		    ("%s: cannot get fd for %p", __func__, (void *)bufev));
	BEV_UNLOCK(bufev);
	return r < 0 ? -1 : d.fd;
}

struct bufferevent *
bufferevent_get_underlying(struct bufferevent *bufev)
{
	union bufferevent_ctrl_data d;
	int r = -1;

	d.ptr = NULL;
	BEV_LOCK(bufev);
	if (bufev->be_ops->ctrl)
		r = bufev->be_ops->ctrl(bufev, BEV_CTRL_GET_UNDERLYING, &d);
	BEV_UNLOCK(bufev);
	return r < 0 ? NULL : d.ptr;
}

/* ------------------------------------------------------------------ */
/* Timeouts.                                                           */

int
bufferevent_add_event_(struct event *ev, const struct timeval *tv)
{
	return event_add(ev, evutil_timerisset(tv) ? tv : NULL);
}

int
bufferevent_set_timeouts(struct bufferevent *bufev,
    const struct timeval *tv_read, const struct timeval *tv_write)
{
	int r = 0;

	BEV_LOCK(bufev);
	if (tv_read)
		bufev->timeout_read = *tv_read;
	else
		evutil_timerclear(&bufev->timeout_read);
	if (tv_write)
		bufev->timeout_write = *tv_write;
	else
		evutil_timerclear(&bufev->timeout_write);
	if (bufev->be_ops->adj_timeouts)
		r = bufev->be_ops->adj_timeouts(bufev);
	BEV_UNLOCK(bufev);
	return r;
}

void
bufferevent_settimeout(struct bufferevent *bufev, int timeout_read,
    int timeout_write)
{
	struct timeval tv_read, tv_write;

	memset(&tv_read, 0, sizeof(tv_read));
	memset(&tv_write, 0, sizeof(tv_write));
	tv_read.tv_sec = timeout_read;
	tv_write.tv_sec = timeout_write;
	bufferevent_set_timeouts(bufev, timeout_read ? &tv_read : NULL,
	    timeout_write ? &tv_write : NULL);
}

static void
generic_read_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	struct bufferevent *bev = arg;

	(void)fd;
	(void)what;
	bufferevent_incref_and_lock_(bev);
	bufferevent_disable(bev, EV_READ);
	bufferevent_run_eventcb_(bev, BEV_EVENT_TIMEOUT | BEV_EVENT_READING, 0);
	bufferevent_decref_and_unlock_(bev);
}

static void
generic_write_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	struct bufferevent *bev = arg;

	(void)fd;
	(void)what;
	bufferevent_incref_and_lock_(bev);
	bufferevent_disable(bev, EV_WRITE);
	bufferevent_run_eventcb_(bev, BEV_EVENT_TIMEOUT | BEV_EVENT_WRITING, 0);
	bufferevent_decref_and_unlock_(bev);
}

void
bufferevent_init_generic_timeout_cbs_(struct bufferevent *bev)
{
	event_assign(&bev->ev_read, bev->ev_base, -1, EV_FINALIZE,
	    generic_read_timeout_cb, bev);
	event_assign(&bev->ev_write, bev->ev_base, -1, EV_FINALIZE,
	    generic_write_timeout_cb, bev);
}

int
bufferevent_generic_adj_timeouts_(struct bufferevent *bev)
{
	struct bufferevent_private *p = BEV_UPCAST(bev);
	int r1, r2;

	if ((bev->enabled & EV_READ) && !p->read_suspended &&
	    evutil_timerisset(&bev->timeout_read))
		r1 = event_add(&bev->ev_read, &bev->timeout_read);
	else
		r1 = event_del(&bev->ev_read);
	/* The write timer runs only while there is something to write. */
	if ((bev->enabled & EV_WRITE) && !p->write_suspended &&
	    evutil_timerisset(&bev->timeout_write) &&
	    evbuffer_get_length(bev->output))
		r2 = event_add(&bev->ev_write, &bev->timeout_write);
	else
		r2 = event_del(&bev->ev_write);
	return (r1 < 0 || r2 < 0) ? -1 : 0;
}

int
bufferevent_generic_adj_existing_timeouts_(struct bufferevent *bev)
{
	int r = 0;

	if (event_pending(&bev->ev_read, EV_READ, NULL)) {
		if (evutil_timerisset(&bev->timeout_read)) {
			if (bufferevent_add_event_(&bev->ev_read,
			        &bev->timeout_read) < 0)
				r = -1;
		} else {
			event_remove_timer(&bev->ev_read);
		}
	}
	if (event_pending(&bev->ev_write, EV_WRITE, NULL)) {
		if (evutil_timerisset(&bev->timeout_write)) {
			if (bufferevent_add_event_(&bev->ev_write,
			        &bev->timeout_write) < 0)
				r = -1;
		} else {
			event_remove_timer(&bev->ev_write);
		}
	}
	return r;
}
