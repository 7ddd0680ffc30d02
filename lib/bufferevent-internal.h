/*
 * bufferevent-internal.h: what the bufferevent kinds share.
 *
 * Every kind allocates a struct that starts (at ops->mem_offset) with a
 * struct bufferevent_private, whose first member is the public struct
 * bufferevent.  bufferevent.c holds what all kinds have in common:
 * callbacks (run at once or deferred to the loop), references, locking,
 * watermarks, suspension and the timeouts of the kinds without a socket.
 * Each kind supplies a struct bufferevent_ops.
 *
 * Lifetime: a bufferevent starts with one reference, the caller's.  Every
 * function that may run user callbacks holds an extra reference while it
 * does, so that bufferevent_free() from inside a callback is safe.  When
 * the last reference goes, ops->unlink runs at once and the rest of the
 * teardown (ops->destruct, freeing the buffers, the lock and the memory)
 * runs from the loop as a finalizer, after any callback of the
 * bufferevent that is running right now has returned.
 *
 * Suspension: a direction can be stopped for internal reasons (read high
 * watermark, rate limits, a pending DNS lookup, a filter on top) without
 * touching the user's bufferevent_enable() state.  The direction really
 * runs only while it is enabled and no suspend bit is set.
 */
#ifndef BUFFEREVENT_INTERNAL_H_INCLUDED_
#define BUFFEREVENT_INTERNAL_H_INCLUDED_

#include <sys/types.h>
#include <netinet/in.h>

#include <event2/event.h>
#include <event2/event_struct.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_struct.h>

#include "event-internal.h"
#include "evthread-internal.h"
#include "ratelim-internal.h"
#include "util-internal.h"

/* Why a direction is suspended: the bits of read/write_suspended. */
#define BEV_SUSPEND_WM 0x01        /* input at its high watermark */
#define BEV_SUSPEND_BW 0x02        /* own rate limit exhausted */
#define BEV_SUSPEND_BW_GROUP 0x04  /* group rate limit exhausted */
#define BEV_SUSPEND_LOOKUP 0x08    /* connect_hostname is resolving */
#define BEV_SUSPEND_FILT_READ 0x10 /* a filter on top is not reading */
typedef ev_uint16_t bufferevent_suspend_flags;

/* The default largest single read and write. */
#define BEV_MAX_SINGLE_READ_DEFAULT 16384
#define BEV_MAX_SINGLE_WRITE_DEFAULT 16384

struct bufferevent_private;
struct bufferevent_rate_limit_group;

/* Rate-limit state of one bufferevent (allocated on first use). */
struct bufferevent_rate_limit {
	/* Links in the group's member list. */
	struct bufferevent_private *next_in_group;
	struct bufferevent_private **prev_in_group;
	struct bufferevent_rate_limit_group *group; /* NULL: none */
	struct ev_token_bucket limit;     /* own bucket, valid with cfg */
	struct ev_token_bucket_cfg *cfg;  /* own limit (not owned), or NULL */
	struct event refill_bucket_event; /* refills an exhausted bucket */
};

struct bufferevent_private {
	struct bufferevent bev; /* must stay first */

	/* Input callback that applies the read high watermark. */
	struct evbuffer_cb_entry *read_watermarks_cb;

	unsigned own_lock : 1; /* lock is ours to free */
	/* Deferred callbacks waiting for the loop. */
	unsigned readcb_pending : 1;
	unsigned writecb_pending : 1;
	/* Socket: a connect is in progress. */
	unsigned connecting : 1;
	/* Socket: a read saw the connection refused before the write side
	 * noticed the connect failed. */
	unsigned connection_refused : 1;
	short eventcb_pending; /* BEV_EVENT_* bits waiting for the loop */
	int errno_pending;     /* errno when they were noted */

	bufferevent_suspend_flags read_suspended;
	bufferevent_suspend_flags write_suspended;

	int dns_error;     /* EVUTIL_EAI_* of the last failed lookup */
	void *dns_request; /* resolver handle while a lookup runs */

	/* Runs the deferred callbacks from the loop. */
	struct event_callback deferred;

	enum bufferevent_options options;
	int refcnt;
	void *lock; /* recursive; shared with the buffers and a filter's base */

	ev_ssize_t max_single_read;
	ev_ssize_t max_single_write;
	struct bufferevent_rate_limit *rate_limiting;

	/* Socket: the address connect_hostname connected to (for evhttp). */
	union {
		struct sockaddr_in6 in6;
		struct sockaddr_in in;
	} conn_address;
};

/* Requests to a kind through ops->ctrl. */
enum bufferevent_ctrl_op {
	BEV_CTRL_SET_FD,
	BEV_CTRL_GET_FD,
	BEV_CTRL_GET_UNDERLYING,
	BEV_CTRL_CANCEL_ALL
};

union bufferevent_ctrl_data {
	void *ptr;
	evutil_socket_t fd;
};

/*
 * One kind of bufferevent.  enable/disable start and stop the transport
 * in the given directions (the common code has already filtered out
 * suspended ones on enable).  unlink runs when the last reference goes;
 * destruct runs later from the finalizer, before the buffers are freed.
 * adj_timeouts applies changed timeouts; flush implements
 * bufferevent_flush; ctrl answers the BEV_CTRL_* requests (-1: not
 * supported).  Any of unlink, destruct, adj_timeouts, flush and ctrl may
 * be NULL.
 */
struct bufferevent_ops {
	const char *type;
	/* Where the struct bufferevent sits in the allocated block. */
	off_t mem_offset;
	int (*enable)(struct bufferevent *bev, short what);
	int (*disable)(struct bufferevent *bev, short what);
	void (*unlink)(struct bufferevent *bev);
	void (*destruct)(struct bufferevent *bev);
	int (*adj_timeouts)(struct bufferevent *bev);
	int (*flush)(struct bufferevent *bev, short what,
	    enum bufferevent_flush_mode mode);
	int (*ctrl)(struct bufferevent *bev, enum bufferevent_ctrl_op op,
	    union bufferevent_ctrl_data *data);
};

extern const struct bufferevent_ops bufferevent_ops_socket;
extern const struct bufferevent_ops bufferevent_ops_filter;
extern const struct bufferevent_ops bufferevent_ops_pair;

#define BEV_IS_SOCKET(bev) ((bev)->be_ops == &bufferevent_ops_socket)
#define BEV_IS_FILTER(bev) ((bev)->be_ops == &bufferevent_ops_filter)
#define BEV_IS_PAIR(bev) ((bev)->be_ops == &bufferevent_ops_pair)

/*
 * Sends buf through bev: a socket bufferevent with nothing queued, ready
 * to write and without rate limits writes it to the socket at once (one
 * writev, no write event added: what a reply that fits the socket buffer
 * should cost); whatever is left, or all of buf for any other
 * bufferevent, is moved to the output.  Returns the bytes written at
 * once; the write callback runs only for what went through the output.
 */
size_t bufferevent_write_buffer_now_(struct bufferevent *bev,
    struct evbuffer *buf);

/* From the public struct to the private one. */
#define BEV_UPCAST(b) EVUTIL_UPCAST((b), struct bufferevent_private, bev)

#define BEV_LOCK(b) EVLOCK_LOCK(BEV_UPCAST(b)->lock, 0)
#define BEV_UNLOCK(b) EVLOCK_UNLOCK(BEV_UPCAST(b)->lock, 0)

/*
 * Sets up the common part: buffers, one reference, EV_WRITE enabled, the
 * lock with BEV_OPT_THREADSAFE, the deferred-callback runner.  0 on
 * success; -1 (with nothing left allocated) on failure.
 */
int bufferevent_init_common_(struct bufferevent_private *bufev_private,
    struct event_base *base, const struct bufferevent_ops *ops,
    enum bufferevent_options options);

/*
 * Gives bufev a lock: lock when not NULL, else the underlying
 * bufferevent's, else a new recursive one.  Shares it with the buffers
 * and with an unlocked underlying bufferevent.  -1 when bufev is already
 * locked or no lock can be made.
 */
int bufferevent_enable_locking_(struct bufferevent *bufev, void *lock);

/*
 * From now on bufev's callbacks run from the loop without its lock, as
 * with BEV_OPT_DEFER_CALLBACKS | BEV_OPT_UNLOCK_CALLBACKS: for an owner
 * that takes its own lock in them and calls bufev with it held (evdns,
 * on the bufferevents evdns_base_set_bufferevent_cb gives it), so the
 * two locks are always taken in one order.  Call it before bufev has
 * queued a callback.
 */
void bufferevent_defer_unlocked_(struct bufferevent *bufev);

/* References; the _and_lock/_and_unlock forms also take/drop the lock.
 * The decref functions return 1 when they dropped the last reference. */
void bufferevent_incref_(struct bufferevent *bufev);
int bufferevent_decref_(struct bufferevent *bufev);
void bufferevent_incref_and_lock_(struct bufferevent *bufev);
int bufferevent_decref_and_unlock_(struct bufferevent *bufev);

/* Suspends or resumes one direction for the reasons in what. */
void bufferevent_suspend_read_(struct bufferevent *bufev,
    bufferevent_suspend_flags what);
void bufferevent_unsuspend_read_(struct bufferevent *bufev,
    bufferevent_suspend_flags what);
void bufferevent_suspend_write_(struct bufferevent *bufev,
    bufferevent_suspend_flags what);
void bufferevent_unsuspend_write_(struct bufferevent *bufev,
    bufferevent_suspend_flags what);

/*
 * Run the user's callbacks now, or from the loop when the bufferevent or
 * options has BEV_OPT_DEFER_CALLBACKS.  The caller holds the lock and a
 * reference.
 */
void bufferevent_run_readcb_(struct bufferevent *bufev, int options);
void bufferevent_run_writecb_(struct bufferevent *bufev, int options);
void bufferevent_run_eventcb_(struct bufferevent *bufev, short what,
    int options);

/*
 * Runs the read and/or write callback when the watermarks allow it (or
 * always with BEV_TRIG_IGNORE_WATERMARKS).  Caller holds lock and
 * reference.
 */
static inline void
bufferevent_trigger_nolock_(struct bufferevent *bufev, short iotype,
    int options)
{
	if ((iotype & EV_READ) &&
	    ((options & BEV_TRIG_IGNORE_WATERMARKS) ||
	        evbuffer_get_length(bufev->input) >= bufev->wm_read.low))
		bufferevent_run_readcb_(bufev, options);
	if ((iotype & EV_WRITE) &&
	    ((options & BEV_TRIG_IGNORE_WATERMARKS) ||
	        evbuffer_get_length(bufev->output) <= bufev->wm_write.low))
		bufferevent_run_writecb_(bufev, options);
}

/* event_add with the timeout, or with none when tv is all zero. */
int bufferevent_add_event_(struct event *ev, const struct timeval *tv);

/*
 * Timeouts for kinds without a socket: ev_read and ev_write become pure
 * timers that disable their direction and report BEV_EVENT_TIMEOUT.
 */
void bufferevent_init_generic_timeout_cbs_(struct bufferevent *bev);
/* (Re)arms or removes both timers to match enabled, suspension, output. */
int bufferevent_generic_adj_timeouts_(struct bufferevent *bev);
/* Re-arms with the new timeouts only the events that are already added. */
int bufferevent_generic_adj_existing_timeouts_(struct bufferevent *bev);

/* Generic timers: restart on activity, stop when the direction stops. */
#define BEV_RESET_GENERIC_READ_TIMEOUT(bev)                               \
	do {                                                              \
		if (evutil_timerisset(&(bev)->timeout_read))              \
			event_add(&(bev)->ev_read, &(bev)->timeout_read); \
	} while (0)
#define BEV_RESET_GENERIC_WRITE_TIMEOUT(bev)                                \
	do {                                                                \
		if (evutil_timerisset(&(bev)->timeout_write))               \
			event_add(&(bev)->ev_write, &(bev)->timeout_write); \
	} while (0)
#define BEV_DEL_GENERIC_READ_TIMEOUT(bev) event_del(&(bev)->ev_read)
#define BEV_DEL_GENERIC_WRITE_TIMEOUT(bev) event_del(&(bev)->ev_write)

/* Rate limits (bufferevent_ratelim.c). */
int bufferevent_ratelim_init_(struct bufferevent_private *bev);
/* Leaves the group and frees the rate-limit state; from the finalizer. */
void bufferevent_ratelim_free_(struct bufferevent_private *bev);
/* How much the next read or write may move (0 when exhausted). */
ev_ssize_t bufferevent_get_read_max_(struct bufferevent_private *bev);
ev_ssize_t bufferevent_get_write_max_(struct bufferevent_private *bev);
/* Charges a transfer to the buckets, suspending what runs dry. */
int bufferevent_decrement_read_buckets_(struct bufferevent_private *bev,
    ev_ssize_t bytes);
int bufferevent_decrement_write_buckets_(struct bufferevent_private *bev,
    ev_ssize_t bytes);
/* Leaves the group; with unsuspend, resumes what the group stopped. */
int bufferevent_remove_from_rate_limit_group_internal_(struct bufferevent *bev,
    int unsuspend);

/*
 * For kinds that own a socket besides bufferevent_sock.c (the TLS one):
 * once the socket of a connect in progress (`connecting') is writable,
 * how the connect went, from SO_ERROR: 1 connected, 0 still going, -1
 * failed with the socket error set; `connecting' is cleared when it is
 * over.  And cancelling the connect_hostname lookup in progress (its
 * callback still runs, with EVUTIL_EAI_CANCEL).
 */
int bufferevent_socket_finish_connect_(struct bufferevent *bev,
    evutil_socket_t fd);
void bufferevent_socket_cancel_lookup_(struct bufferevent *bev);

/*
 * The address a socket bufferevent connected to through
 * bufferevent_socket_connect_hostname(); its sa_family is AF_UNSPEC when
 * there was none.
 */
const struct sockaddr *bufferevent_socket_get_conn_address_(
    struct bufferevent *bev);

/*
 * The asynchronous resolver used by bufferevent_socket_connect_hostname()
 * when given an evdns_base.  evdns installs its getaddrinfo and cancel
 * functions here; until it does (or with a NULL evdns_base), lookups are
 * made with a blocking evutil_getaddrinfo().  The getaddrinfo function
 * may call cb before it returns, and then returns NULL.  The cancel
 * function must still call cb, with EVUTIL_EAI_CANCEL (at once or later):
 * the lookup holds a reference on the bufferevent until cb runs.
 */
struct evdns_getaddrinfo_request;
typedef struct evdns_getaddrinfo_request *(
    *bufferevent_getaddrinfo_fn_)(struct evdns_base *base, const char *nodename,
    const char *servname, const struct evutil_addrinfo *hints,
    void (*cb)(int result, struct evutil_addrinfo *res, void *arg), void *arg);
typedef void (*bufferevent_getaddrinfo_cancel_fn_)(
    struct evdns_getaddrinfo_request *req);
void bufferevent_set_resolver_(bufferevent_getaddrinfo_fn_ getaddrinfo_fn,
    bufferevent_getaddrinfo_cancel_fn_ cancel_fn);

#endif /* BUFFEREVENT_INTERNAL_H_INCLUDED_ */
