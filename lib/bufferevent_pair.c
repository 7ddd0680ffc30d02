/*
 * bufferevent_pair.c: two bufferevents joined in memory.
 *
 * What one end writes moves straight into the other end's input when the
 * writer has EV_WRITE enabled and the reader has EV_READ enabled (and is
 * not suspended), never past the reader's read high watermark.  Callbacks
 * are always deferred, so that a write never runs the peer's read
 * callback from inside the writer's call.  ev_read and ev_write are the
 * generic timeout timers.
 *
 * Both ends share one lock (the first end's) with BEV_OPT_THREADSAFE; each
 * operation that touches both holds both ends' references.  Freeing one
 * end unlinks it from the other; the survivor sees no event for that
 * (bufferevent_flush with BEV_FINISHED is how an end signals EOF).
 */
#include "config.h"

#include <sys/types.h>

#include <event2/event.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_struct.h>
#include <event2/util.h>

#include "bufferevent-internal.h"
#include "mm-internal.h"
#include "util-internal.h"

struct bufferevent_pair {
	struct bufferevent_private bev;
	struct bufferevent_pair *partner;
	/* The partner as it was before unlinking, for handing over the
	 * shared lock at destruction. */
	struct bufferevent_pair *unlinked_partner;
};

static inline struct bufferevent_pair *
upcast(struct bufferevent *bev)
{
	if (bev->be_ops != &bufferevent_ops_pair)
		return NULL;
	return EVUTIL_UPCAST(bev, struct bufferevent_pair, bev.bev);
}

#define downcast(bev_pair) (&(bev_pair)->bev.bev)

/* Lock and reference both ends (they share the lock when threadsafe). */
static void
pair_incref_and_lock(struct bufferevent *b)
{
	struct bufferevent_pair *bp = upcast(b);

	bufferevent_incref_and_lock_(b);
	if (bp->partner)
		bufferevent_incref_and_lock_(downcast(bp->partner));
}

static void
pair_decref_and_unlock(struct bufferevent *b)
{
	struct bufferevent_pair *bp = upcast(b);

	if (bp->partner)
		bufferevent_decref_and_unlock_(downcast(bp->partner));
	bufferevent_decref_and_unlock_(b);
}

/*
 * Moves src's output into dst's input: up to dst's read high watermark,
 * or everything when ignore_wm is set even if dst is over its mark.  Then
 * runs dst's read callback and src's write callback as the watermarks
 * allow.
 */
static void
pair_transfer(struct bufferevent *src, struct bufferevent *dst, int ignore_wm)
{
	size_t n;

	evbuffer_unfreeze(src->output, 1);
	evbuffer_unfreeze(dst->input, 0);

	if (dst->wm_read.high) {
		size_t have = evbuffer_get_length(dst->input);
		if (have < dst->wm_read.high) {
			n = dst->wm_read.high - have;
			evbuffer_remove_buffer(src->output, dst->input, n);
		} else {
			if (!ignore_wm)
				goto done;
			n = evbuffer_get_length(src->output);
			evbuffer_add_buffer(dst->input, src->output);
		}
	} else {
		n = evbuffer_get_length(src->output);
		evbuffer_add_buffer(dst->input, src->output);
	}

	if (n) {
		BEV_RESET_GENERIC_READ_TIMEOUT(dst);
		if (evbuffer_get_length(dst->output))
			BEV_RESET_GENERIC_WRITE_TIMEOUT(dst);
		else
			BEV_DEL_GENERIC_WRITE_TIMEOUT(dst);
	}
	bufferevent_trigger_nolock_(dst, EV_READ, 0);
	bufferevent_trigger_nolock_(src, EV_WRITE, 0);
done:
	evbuffer_freeze(src->output, 1);
	evbuffer_freeze(dst->input, 0);
}

/* Whether src has data for dst and both sides are willing. */
static int
pair_wants_to_talk(struct bufferevent_pair *src, struct bufferevent_pair *dst)
{
	return (downcast(src)->enabled & EV_WRITE) &&
	    (downcast(dst)->enabled & EV_READ) && !dst->bev.read_suspended &&
	    evbuffer_get_length(downcast(src)->output);
}

/* Output callback: new data goes to the partner at once if it can. */
static void
pair_outbuf_cb(struct evbuffer *outbuf, const struct evbuffer_cb_info *info,
    void *arg)
{
	struct bufferevent_pair *bp = arg;
	struct bufferevent_pair *partner = bp->partner;

	(void)outbuf;
	pair_incref_and_lock(downcast(bp));
	if (info->n_added > info->n_deleted && partner &&
	    pair_wants_to_talk(bp, partner))
		pair_transfer(downcast(bp), downcast(partner), 0);
	pair_decref_and_unlock(downcast(bp));
}

static struct bufferevent_pair *
pair_elt_new(struct event_base *base, int options)
{
	struct bufferevent_pair *bp;

	if ((bp = mm_calloc(1, sizeof(*bp))) == NULL)
		return NULL;
	if (bufferevent_init_common_(&bp->bev, base, &bufferevent_ops_pair,
	        options) < 0) {
		mm_free(bp);
		return NULL;
	}
	/* The timers first: freeing needs them set up. */
	bufferevent_init_generic_timeout_cbs_(downcast(bp));
	if (evbuffer_add_cb(downcast(bp)->output, pair_outbuf_cb, bp) == NULL) {
		bufferevent_free(downcast(bp));
		return NULL;
	}
	return bp;
}

int
bufferevent_pair_new(struct event_base *base, int options,
    struct bufferevent *pair[2])
{
	struct bufferevent_pair *bp1, *bp2;

	options |= BEV_OPT_DEFER_CALLBACKS;
	if ((bp1 = pair_elt_new(base, options)) == NULL)
		return -1;
	/* The second end takes the first one's lock instead of its own. */
	if ((bp2 = pair_elt_new(base, options & ~BEV_OPT_THREADSAFE)) == NULL) {
		bufferevent_free(downcast(bp1));
		return -1;
	}
	if ((options & BEV_OPT_THREADSAFE) &&
	    bufferevent_enable_locking_(downcast(bp2), bp1->bev.lock) < 0) {
		bufferevent_free(downcast(bp2));
		bufferevent_free(downcast(bp1));
		return -1;
	}
	bp1->partner = bp2;
	bp2->partner = bp1;

	/* Only the pair adds to inputs and drains outputs. */
	evbuffer_freeze(downcast(bp1)->input, 0);
	evbuffer_freeze(downcast(bp1)->output, 1);
	evbuffer_freeze(downcast(bp2)->input, 0);
	evbuffer_freeze(downcast(bp2)->output, 1);

	pair[0] = downcast(bp1);
	pair[1] = downcast(bp2);
	return 0;
}

struct bufferevent *
bufferevent_pair_get_partner(struct bufferevent *bev)
{
	struct bufferevent_pair *bp = upcast(bev);
	struct bufferevent *partner = NULL;

	if (bp == NULL)
		return NULL;
	pair_incref_and_lock(bev);
	if (bp->partner)
		partner = downcast(bp->partner);
	pair_decref_and_unlock(bev);
	return partner;
}

static int
be_pair_enable(struct bufferevent *bufev, short events)
{
	struct bufferevent_pair *bp = upcast(bufev);
	struct bufferevent_pair *partner = bp->partner;

	pair_incref_and_lock(bufev);
	if (events & EV_READ)
		BEV_RESET_GENERIC_READ_TIMEOUT(bufev);
	if ((events & EV_WRITE) && evbuffer_get_length(bufev->output))
		BEV_RESET_GENERIC_WRITE_TIMEOUT(bufev);
	/* Starting to read: take what the partner has waiting. */
	if ((events & EV_READ) && partner && pair_wants_to_talk(partner, bp))
		pair_transfer(downcast(partner), bufev, 0);
	/* Starting to write: hand over what is waiting here. */
	if ((events & EV_WRITE) && partner && pair_wants_to_talk(bp, partner))
		pair_transfer(bufev, downcast(partner), 0);
	pair_decref_and_unlock(bufev);
	return 0;
}

static int
be_pair_disable(struct bufferevent *bev, short events)
{
	if (events & EV_READ)
		BEV_DEL_GENERIC_READ_TIMEOUT(bev);
	if (events & EV_WRITE)
		BEV_DEL_GENERIC_WRITE_TIMEOUT(bev);
	return 0;
}

static void
be_pair_unlink(struct bufferevent *bev)
{
	struct bufferevent_pair *bp = upcast(bev);

	if (bp->partner) {
		bp->unlinked_partner = bp->partner;
		bp->partner->partner = NULL;
		bp->partner = NULL;
	}
}

static void
be_pair_destruct(struct bufferevent *bev)
{
	struct bufferevent_pair *bp = upcast(bev);

	/*
	 * The first end owns the lock both share.  If it goes first while
	 * the second end lives on (or waits for its own finalizer), the
	 * second end must take over freeing the lock.
	 */
	if (bp->unlinked_partner && bp->bev.own_lock) {
		bp->unlinked_partner->bev.own_lock = 1;
		bp->bev.own_lock = 0;
	}
	bp->unlinked_partner = NULL;
}

static int
be_pair_flush(struct bufferevent *bev, short iotype,
    enum bufferevent_flush_mode mode)
{
	struct bufferevent_pair *bp = upcast(bev);
	struct bufferevent *partner;

	if (bp->partner == NULL)
		return -1;
	if (mode == BEV_NORMAL)
		return 0;

	pair_incref_and_lock(bev);
	partner = downcast(bp->partner);
	if (iotype & EV_READ)
		pair_transfer(partner, bev, 1);
	if (iotype & EV_WRITE)
		pair_transfer(bev, partner, 1);
	if (mode == BEV_FINISHED) {
		/* The partner sees the end of what flowed each way. */
		short what = BEV_EVENT_EOF;
		if (iotype & EV_READ)
			what |= BEV_EVENT_WRITING;
		if (iotype & EV_WRITE)
			what |= BEV_EVENT_READING;
		bufferevent_run_eventcb_(partner, what, 0);
	}
	pair_decref_and_unlock(bev);
	return 0;
}

const struct bufferevent_ops bufferevent_ops_pair = {
	"pair_elt", evutil_offsetof(struct bufferevent_pair, bev.bev),
	be_pair_enable, be_pair_disable, be_pair_unlink, be_pair_destruct,
	bufferevent_generic_adj_timeouts_, be_pair_flush, NULL, /* ctrl */
};
