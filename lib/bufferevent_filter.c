/*
 * bufferevent_filter.c: a bufferevent that transforms the data of another.
 *
 * The filter takes over the underlying bufferevent's callbacks.  Data
 * the underlying one reads goes through the input filter into our input;
 * data the program writes to our output goes through the output filter
 * into the underlying output.  The underlying bufferevent's events are
 * passed up unchanged.  Reading below is suspended (BEV_SUSPEND_FILT_READ)
 * while our reading is disabled, and both filters respect the high
 * watermarks (ours for input, the underlying write mark for output)
 * except when flushing.
 */
#include "config.h"

#include <sys/types.h>

#include <event2/event.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_struct.h>
#include <event2/util.h>

#include "bufferevent-internal.h"
#include "log-internal.h"
#include "mm-internal.h"
#include "util-internal.h"

struct bufferevent_filtered {
	struct bufferevent_private bev;

	struct bufferevent *underlying;
	/* On our input: lets buffered underlying data through once the
	 * program drains our input below its high watermark. */
	struct evbuffer_cb_entry *inbuf_cb;
	/* On our output: runs the output filter when data is added. */
	struct evbuffer_cb_entry *outbuf_cb;
	/* Set once the underlying bufferevent reached EOF (unused: the
	 * filter only sees BEV_FINISHED through bufferevent_flush). */
	unsigned got_eof;

	void (*free_context)(void *);
	bufferevent_filter_cb process_in;
	bufferevent_filter_cb process_out;
	void *context;
};

static inline struct bufferevent_filtered *
upcast(struct bufferevent *bev)
{
	if (!BEV_IS_FILTER(bev))
		return NULL;
	return EVUTIL_UPCAST(bev, struct bufferevent_filtered, bev.bev);
}

#define downcast(bevf) (&(bevf)->bev.bev)

/* In normal mode, whether the underlying output is at its high mark. */
static int
underlying_writebuf_full(struct bufferevent_filtered *bevf,
    enum bufferevent_flush_mode state)
{
	struct bufferevent *u = bevf->underlying;

	return state == BEV_NORMAL && u->wm_write.high &&
	    evbuffer_get_length(u->output) >= u->wm_write.high;
}

/* In normal mode, whether our input is at its high mark. */
static int
readbuf_full(struct bufferevent_filtered *bevf,
    enum bufferevent_flush_mode state)
{
	struct bufferevent *bufev = downcast(bevf);

	return state == BEV_NORMAL && bufev->wm_read.high &&
	    evbuffer_get_length(bufev->input) >= bufev->wm_read.high;
}

/* The filter used when none is given: copies up to the limit. */
static enum bufferevent_filter_result
null_filter(struct evbuffer *src, struct evbuffer *dst, ev_ssize_t lim,
    enum bufferevent_flush_mode state, void *ctx)
{
	(void)state;
	(void)ctx;
	return evbuffer_remove_buffer(src, dst, (size_t)lim) >= 0 ? BEV_OK
	                                                          : BEV_ERROR;
}

/*
 * Runs the input filter while it succeeds, we read, there is underlying
 * input, and our input has room.  *processed_out is set when the filter
 * returned BEV_OK at least once.
 */
static enum bufferevent_filter_result
process_input(struct bufferevent_filtered *bevf,
    enum bufferevent_flush_mode state, int *processed_out)
{
	struct bufferevent *bev = downcast(bevf);
	enum bufferevent_filter_result res;

	if (state == BEV_NORMAL &&
	    (!(bev->enabled & EV_READ) || readbuf_full(bevf, state)))
		return BEV_OK;
	do {
		ev_ssize_t limit = -1;
		if (state == BEV_NORMAL && bev->wm_read.high)
			limit = (ev_ssize_t)bev->wm_read.high -
			    (ev_ssize_t)evbuffer_get_length(bev->input);
		res = bevf->process_in(bevf->underlying->input, bev->input,
		    limit, state, bevf->context);
		if (res == BEV_OK)
			*processed_out = 1;
	} while (res == BEV_OK && (bev->enabled & EV_READ) &&
	    evbuffer_get_length(bevf->underlying->input) &&
	    !readbuf_full(bevf, state));
	return res;
}

/*
 * Runs the output filter while it succeeds, we write, we have output and
 * the underlying output has room; after each round that produced data
 * our write callback may run (it may add more output, hence the outer
 * loop).  In flush modes the filter runs even with nothing buffered.
 */
static enum bufferevent_filter_result
process_output(struct bufferevent_filtered *bevf,
    enum bufferevent_flush_mode state, int *processed_out)
{
	struct bufferevent *bufev = downcast(bevf);
	enum bufferevent_filter_result res = BEV_OK;
	int again;

	if (state == BEV_NORMAL &&
	    (!(bufev->enabled & EV_WRITE) ||
	        underlying_writebuf_full(bevf, state) ||
	        !evbuffer_get_length(bufev->output)))
		return BEV_OK;

	/* Our own draining must not call us back. */
	evbuffer_cb_clear_flags(bufev->output, bevf->outbuf_cb,
	    EVBUFFER_CB_ENABLED);
	do {
		int processed = 0;

		again = 0;
		do {
			ev_ssize_t limit = -1;
			struct bufferevent *u = bevf->underlying;
			if (state == BEV_NORMAL && u->wm_write.high)
				limit = (ev_ssize_t)u->wm_write.high -
				    (ev_ssize_t)evbuffer_get_length(u->output);
			res = bevf->process_out(bufev->output, u->output, limit,
			    state, bevf->context);
			if (res == BEV_OK)
				processed = *processed_out = 1;
		} while (res == BEV_OK && (bufev->enabled & EV_WRITE) &&
		    evbuffer_get_length(bufev->output) &&
		    !underlying_writebuf_full(bevf, state));

		if (processed) {
			bufferevent_trigger_nolock_(bufev, EV_WRITE, 0);
			if (res == BEV_OK && (bufev->enabled & EV_WRITE) &&
			    evbuffer_get_length(bufev->output) &&
			    !underlying_writebuf_full(bevf, state))
				again = 1;
		}
	} while (again);
	evbuffer_cb_set_flags(bufev->output, bevf->outbuf_cb,
	    EVBUFFER_CB_ENABLED);
	return res;
}

/* Output callback: filter newly added data right away. */
static void
filtered_outbuf_cb(struct evbuffer *buf, const struct evbuffer_cb_info *info,
    void *arg)
{
	struct bufferevent_filtered *bevf = arg;
	struct bufferevent *bev = downcast(bevf);
	int processed_any = 0;

	(void)buf;
	if (info->n_added == 0)
		return;
	bufferevent_incref_and_lock_(bev);
	process_output(bevf, BEV_NORMAL, &processed_any);
	bufferevent_decref_and_unlock_(bev);
}

/* Filters what the underlying bufferevent has read. */
static void
filter_read_nolock(struct bufferevent *underlying,
    struct bufferevent_filtered *bevf)
{
	struct bufferevent *bufev = downcast(bevf);
	enum bufferevent_flush_mode state;
	int processed_any = 0;

	/* The filter may be on its way out (freed from another thread). */
	EVUTIL_ASSERT(bevf->bev.refcnt >= 0);
	if (bevf->bev.refcnt == 0)
		return;
	state = bevf->got_eof ? BEV_FINISHED : BEV_NORMAL;
	process_input(bevf, state, &processed_any);
	if (processed_any) {
		bufferevent_trigger_nolock_(bufev, EV_READ, 0);
		/* Our input is full with data still waiting below: come back
		 * when the program drains our input. */
		if (evbuffer_get_length(underlying->input) > 0 &&
		    readbuf_full(bevf, state))
			evbuffer_cb_set_flags(bufev->input, bevf->inbuf_cb,
			    EVBUFFER_CB_ENABLED);
	}
}

/* Input callback: room again in our input, filter what waits below. */
static void
filtered_inbuf_cb(struct evbuffer *buf, const struct evbuffer_cb_info *info,
    void *arg)
{
	struct bufferevent_filtered *bevf = arg;
	struct bufferevent *bev = downcast(bevf);
	enum bufferevent_flush_mode state;

	(void)buf;
	(void)info;
	BEV_LOCK(bev);
	state = bevf->got_eof ? BEV_FINISHED : BEV_NORMAL;
	if (!readbuf_full(bevf, state)) {
		evbuffer_cb_clear_flags(bev->input, bevf->inbuf_cb,
		    EVBUFFER_CB_ENABLED);
		if (evbuffer_get_length(bevf->underlying->input) > 0)
			filter_read_nolock(bevf->underlying, bevf);
	}
	BEV_UNLOCK(bev);
}

/* Underlying read callback. */
static void
filter_readcb(struct bufferevent *underlying, void *arg)
{
	struct bufferevent_filtered *bevf = arg;
	struct bufferevent *bev = downcast(bevf);

	BEV_LOCK(bev);
	filter_read_nolock(underlying, bevf);
	BEV_UNLOCK(bev);
}

/* Underlying write callback: it drained, so feed it more. */
static void
filter_writecb(struct bufferevent *underlying, void *arg)
{
	struct bufferevent_filtered *bevf = arg;
	struct bufferevent *bev = downcast(bevf);
	int processed_any = 0;

	(void)underlying;
	EVUTIL_ASSERT(bevf->bev.refcnt >= 0);
	if (bevf->bev.refcnt == 0)
		return;
	bufferevent_incref_and_lock_(bev);
	process_output(bevf, BEV_NORMAL, &processed_any);
	bufferevent_decref_and_unlock_(bev);
}

/* Underlying event callback: passed up as it is. */
static void
filter_eventcb(struct bufferevent *underlying, short what, void *arg)
{
	struct bufferevent_filtered *bevf = arg;
	struct bufferevent *bev = downcast(bevf);

	(void)underlying;
	EVUTIL_ASSERT(bevf->bev.refcnt >= 0);
	if (bevf->bev.refcnt == 0)
		return;
	bufferevent_incref_and_lock_(bev);
	bufferevent_run_eventcb_(bev, what, 0);
	bufferevent_decref_and_unlock_(bev);
}

struct bufferevent *
bufferevent_filter_new(struct bufferevent *underlying,
    bufferevent_filter_cb input_filter, bufferevent_filter_cb output_filter,
    int options, void (*free_context)(void *), void *ctx)
{
	struct bufferevent_filtered *bevf;
	struct bufferevent *bev;

	if (underlying == NULL)
		return NULL;
	if (input_filter == NULL)
		input_filter = null_filter;
	if (output_filter == NULL)
		output_filter = null_filter;

	if ((bevf = mm_calloc(1, sizeof(*bevf))) == NULL)
		return NULL;
	/* The lock comes below, shared with the underlying bufferevent. */
	if (bufferevent_init_common_(&bevf->bev, underlying->ev_base,
	        &bufferevent_ops_filter, options & ~BEV_OPT_THREADSAFE) < 0) {
		mm_free(bevf);
		return NULL;
	}
	bev = downcast(bevf);
	/* The timers first: freeing needs them set up. */
	bufferevent_init_generic_timeout_cbs_(bev);
	bevf->process_in = input_filter;
	bevf->process_out = output_filter;
	bevf->inbuf_cb = evbuffer_add_cb(bev->input, filtered_inbuf_cb, bevf);
	bevf->outbuf_cb =
	    evbuffer_add_cb(bev->output, filtered_outbuf_cb, bevf);
	if (bevf->inbuf_cb == NULL || bevf->outbuf_cb == NULL) {
		/* Out of memory: nothing refers to underlying yet. */
		bufferevent_free(bev);
		return NULL;
	}
	evbuffer_cb_clear_flags(bev->input, bevf->inbuf_cb,
	    EVBUFFER_CB_ENABLED);

	bevf->underlying = underlying;
	bevf->free_context = free_context;
	bevf->context = ctx;
	/* Without lock callbacks this fails, and the filter goes unlocked,
	 * as in libevent. */
	if (options & BEV_OPT_THREADSAFE)
		(void)bufferevent_enable_locking_(bev, NULL);

	bufferevent_setcb(underlying, filter_readcb, filter_writecb,
	    filter_eventcb, bevf);
	bufferevent_incref_(underlying);
	bufferevent_enable(underlying, EV_READ | EV_WRITE);
	bufferevent_suspend_read_(underlying, BEV_SUSPEND_FILT_READ);
	return bev;
}

static void
be_filter_unlink(struct bufferevent *bev)
{
	struct bufferevent_filtered *bevf = upcast(bev);

	EVUTIL_ASSERT(bevf);
	if (bevf->underlying == NULL)
		return; /* bufferevent_filter_new failed half-way */
	if (bevf->bev.options & BEV_OPT_CLOSE_ON_FREE) {
		/* Drops the program's reference to the underlying one; the
		 * finalizer drops ours. */
		if (BEV_UPCAST(bevf->underlying)->refcnt < 2)
			event_warnx("BEV_OPT_CLOSE_ON_FREE set on an "
			            "bufferevent with too few references");
		else
			bufferevent_free(bevf->underlying);
	} else {
		/* Give the underlying bufferevent back, callbacks cleared. */
		if (bevf->underlying->errorcb == filter_eventcb)
			bufferevent_setcb(bevf->underlying, NULL, NULL, NULL,
			    NULL);
		bufferevent_unsuspend_read_(bevf->underlying,
		    BEV_SUSPEND_FILT_READ);
	}
}

static void
be_filter_destruct(struct bufferevent *bev)
{
	struct bufferevent_filtered *bevf = upcast(bev);

	EVUTIL_ASSERT(bevf);
	if (bevf->free_context)
		bevf->free_context(bevf->context);
	if (bevf->inbuf_cb)
		evbuffer_remove_cb_entry(bev->input, bevf->inbuf_cb);
	if (bevf->outbuf_cb)
		evbuffer_remove_cb_entry(bev->output, bevf->outbuf_cb);
}

static int
be_filter_enable(struct bufferevent *bev, short event)
{
	struct bufferevent_filtered *bevf = upcast(bev);

	if (event & EV_WRITE)
		BEV_RESET_GENERIC_WRITE_TIMEOUT(bev);
	if (event & EV_READ) {
		BEV_RESET_GENERIC_READ_TIMEOUT(bev);
		bufferevent_unsuspend_read_(bevf->underlying,
		    BEV_SUSPEND_FILT_READ);
	}
	return 0;
}

static int
be_filter_disable(struct bufferevent *bev, short event)
{
	struct bufferevent_filtered *bevf = upcast(bev);

	if (event & EV_WRITE)
		BEV_DEL_GENERIC_WRITE_TIMEOUT(bev);
	if (event & EV_READ) {
		BEV_DEL_GENERIC_READ_TIMEOUT(bev);
		bufferevent_suspend_read_(bevf->underlying,
		    BEV_SUSPEND_FILT_READ);
	}
	return 0;
}

/* Returns 1 when a filter produced data, else 0. */
static int
be_filter_flush(struct bufferevent *bufev, short iotype,
    enum bufferevent_flush_mode mode)
{
	struct bufferevent_filtered *bevf = upcast(bufev);
	int processed_any = 0;

	EVUTIL_ASSERT(bevf);
	bufferevent_incref_and_lock_(bufev);
	if (iotype & EV_READ)
		process_input(bevf, mode, &processed_any);
	if (iotype & EV_WRITE)
		process_output(bevf, mode, &processed_any);
	bufferevent_flush(bevf->underlying, iotype, mode);
	bufferevent_decref_and_unlock_(bufev);
	return processed_any;
}

static int
be_filter_ctrl(struct bufferevent *bev, enum bufferevent_ctrl_op op,
    union bufferevent_ctrl_data *data)
{
	struct bufferevent_filtered *bevf = upcast(bev);
	struct bufferevent *u = bevf->underlying;

	switch (op) {
	case BEV_CTRL_GET_UNDERLYING:
		data->ptr = u;
		return 0;
	case BEV_CTRL_SET_FD:
	case BEV_CTRL_GET_FD:
		/* The socket belongs to the bufferevent below. */
		if (u && u->be_ops && u->be_ops->ctrl)
			return u->be_ops->ctrl(u, op, data);
		return -1;
	case BEV_CTRL_CANCEL_ALL:
	default:
		return -1;
	}
}

const struct bufferevent_ops bufferevent_ops_filter = {
	"filter",
	evutil_offsetof(struct bufferevent_filtered, bev.bev),
	be_filter_enable,
	be_filter_disable,
	be_filter_unlink,
	be_filter_destruct,
	bufferevent_generic_adj_timeouts_,
	be_filter_flush,
	be_filter_ctrl,
};
