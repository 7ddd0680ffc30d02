/*
 * event2/bufferevent.h: buffered I/O on top of the event loop.
 *
 * A bufferevent owns two evbuffers: input, which the bufferevent fills
 * from its transport and the program drains, and output, which the program
 * fills and the bufferevent drains into its transport.  The program hears
 * about progress through three callbacks: the read callback (input reached
 * its low watermark), the write callback (output fell to its low
 * watermark) and the event callback (EOF, error, timeout, connection
 * established).
 *
 * Kinds: socket bufferevents (a nonblocking stream socket), pairs (two
 * bufferevents wired to each other in memory), and filters (a
 * transformation layered on another bufferevent).  Rate limits and groups
 * cap the bandwidth of socket bufferevents.
 *
 * Unless stated otherwise, functions return 0 on success and -1 on
 * failure.
 */
#ifndef EVENT2_BUFFEREVENT_H_INCLUDED_
#define EVENT2_BUFFEREVENT_H_INCLUDED_

#include <event2/visibility.h>

#ifdef __cplusplus
extern "C" {
#endif

#include <event2/event-config.h>
#include <sys/types.h>
#include <sys/time.h>

#include <event2/util.h>

/* The "what" bits given to an event callback. */
#define BEV_EVENT_READING 0x01   /* it happened on the read side */
#define BEV_EVENT_WRITING 0x02   /* it happened on the write side */
#define BEV_EVENT_EOF 0x10       /* the peer closed its end */
#define BEV_EVENT_ERROR 0x20     /* an error; errno tells which */
#define BEV_EVENT_TIMEOUT 0x40   /* a read or write timeout expired */
#define BEV_EVENT_CONNECTED 0x80 /* a connect finished */

struct bufferevent;
struct event_base;
struct evbuffer;
struct sockaddr;
struct evdns_base;

/* Read and write callbacks: the bufferevent and the callback argument. */
typedef void (*bufferevent_data_cb)(struct bufferevent *bev, void *ctx);

/*
 * Event callback.  what holds BEV_EVENT_READING or BEV_EVENT_WRITING and
 * one of EOF, ERROR, TIMEOUT or CONNECTED; with deferred callbacks it is
 * the union of everything that happened since the last call.
 */
typedef void (
    *bufferevent_event_cb)(struct bufferevent *bev, short what, void *ctx);

/* Options given when a bufferevent is made. */
enum bufferevent_options {
	/* Free the transport (close the socket, free the underlying
	 * bufferevent) when the bufferevent is freed. */
	BEV_OPT_CLOSE_ON_FREE = (1 << 0),
	/* Give the bufferevent a lock (needs evthread_use_pthreads). */
	BEV_OPT_THREADSAFE = (1 << 1),
	/* Run callbacks from the loop instead of from inside the operation
	 * that caused them. */
	BEV_OPT_DEFER_CALLBACKS = (1 << 2),
	/* Release the lock while deferred callbacks run (needs
	 * BEV_OPT_DEFER_CALLBACKS). */
	BEV_OPT_UNLOCK_CALLBACKS = (1 << 3)
};

/*
 * A bufferevent over an already connected (or unconnected, fd -1)
 * nonblocking stream socket.  NULL on failure.
 */
EVENT2_EXPORT_SYMBOL struct bufferevent *
bufferevent_socket_new(struct event_base *base, evutil_socket_t fd,
    int options);

/*
 * Starts a nonblocking connect to addr (a new socket is made when the
 * bufferevent has none).  The event callback later gets
 * BEV_EVENT_CONNECTED or BEV_EVENT_ERROR.  With addr NULL the socket is
 * taken to be connecting already.
 */
EVENT2_EXPORT_SYMBOL int bufferevent_socket_connect(struct bufferevent *,
    const struct sockaddr *, int);

/*
 * Resolves hostname (family AF_INET, AF_INET6 or AF_UNSPEC) and connects
 * to the first address on port.  Without an evdns_base the lookup blocks.
 * A failed lookup reports BEV_EVENT_ERROR; see
 * bufferevent_socket_get_dns_error().
 */
EVENT2_EXPORT_SYMBOL int
bufferevent_socket_connect_hostname(struct bufferevent *, struct evdns_base *,
    int, const char *, int);

/* The EVUTIL_EAI_* code of the last failed lookup, or 0. */
EVENT2_EXPORT_SYMBOL int bufferevent_socket_get_dns_error(
    struct bufferevent *bev);

/* Moves a socket bufferevent to another base (before it is enabled). */
EVENT2_EXPORT_SYMBOL int bufferevent_base_set(struct event_base *base,
    struct bufferevent *bufev);

EVENT2_EXPORT_SYMBOL struct event_base *bufferevent_get_base(
    struct bufferevent *bev);

/* Priority of a socket bufferevent's events and callbacks. */
EVENT2_EXPORT_SYMBOL int bufferevent_priority_set(struct bufferevent *bufev,
    int pri);
EVENT2_EXPORT_SYMBOL int bufferevent_get_priority(
    const struct bufferevent *bufev);

/*
 * Drops the caller's reference; the memory goes once nothing else holds
 * one.  Pending output is not flushed.
 */
EVENT2_EXPORT_SYMBOL void bufferevent_free(struct bufferevent *bufev);

/* Sets the callbacks (any may be NULL) and their argument. */
EVENT2_EXPORT_SYMBOL void bufferevent_setcb(struct bufferevent *bufev,
    bufferevent_data_cb readcb, bufferevent_data_cb writecb,
    bufferevent_event_cb eventcb, void *cbarg);

/* Reads back the callbacks; NULL pointers are skipped. */
EVENT2_EXPORT_SYMBOL void bufferevent_getcb(struct bufferevent *bufev,
    bufferevent_data_cb *readcb_ptr, bufferevent_data_cb *writecb_ptr,
    bufferevent_event_cb *eventcb_ptr, void **cbarg_ptr);

/* The socket of a socket bufferevent (filters ask their underlying one). */
EVENT2_EXPORT_SYMBOL int bufferevent_setfd(struct bufferevent *bufev,
    evutil_socket_t fd);
/* The socket, or -1 when there is none. */
EVENT2_EXPORT_SYMBOL evutil_socket_t bufferevent_getfd(
    struct bufferevent *bufev);

/* The bufferevent a filter sits on, or NULL. */
EVENT2_EXPORT_SYMBOL struct bufferevent *bufferevent_get_underlying(
    struct bufferevent *bufev);

/* Appends to the output buffer. */
EVENT2_EXPORT_SYMBOL int bufferevent_write(struct bufferevent *bufev,
    const void *data, size_t size);
/* Moves all of buf to the output buffer. */
EVENT2_EXPORT_SYMBOL int bufferevent_write_buffer(struct bufferevent *bufev,
    struct evbuffer *buf);

/* Takes up to size bytes from the input buffer; returns how many. */
EVENT2_EXPORT_SYMBOL size_t bufferevent_read(struct bufferevent *bufev,
    void *data, size_t size);
/* Moves all of the input buffer to buf. */
EVENT2_EXPORT_SYMBOL int bufferevent_read_buffer(struct bufferevent *bufev,
    struct evbuffer *buf);

/* The buffers; never set callbacks on them. */
EVENT2_EXPORT_SYMBOL struct evbuffer *bufferevent_get_input(
    struct bufferevent *bufev);
EVENT2_EXPORT_SYMBOL struct evbuffer *bufferevent_get_output(
    struct bufferevent *bufev);

/* Starts or stops reading (EV_READ) and writing (EV_WRITE). */
EVENT2_EXPORT_SYMBOL int bufferevent_enable(struct bufferevent *bufev,
    short event);
EVENT2_EXPORT_SYMBOL int bufferevent_disable(struct bufferevent *bufev,
    short event);
/* EV_READ and EV_WRITE as enabled (a new bufferevent has EV_WRITE). */
EVENT2_EXPORT_SYMBOL short bufferevent_get_enabled(struct bufferevent *bufev);

/*
 * Read and write timeouts (NULL: none).  A timeout runs only while the
 * bufferevent wants to read or write and restarts on every transfer; when
 * it expires that direction is disabled and the event callback gets
 * BEV_EVENT_TIMEOUT with BEV_EVENT_READING or BEV_EVENT_WRITING.
 */
EVENT2_EXPORT_SYMBOL int bufferevent_set_timeouts(struct bufferevent *bufev,
    const struct timeval *timeout_read, const struct timeval *timeout_write);

/*
 * Watermarks for EV_READ and/or EV_WRITE.  Read: the read callback waits
 * for lowmark bytes, and reading stops while the input holds highmark
 * bytes or more (0: no limit).  Write: the write callback runs when the
 * output falls to lowmark; filters keep the underlying output under
 * highmark.
 */
EVENT2_EXPORT_SYMBOL void bufferevent_setwatermark(struct bufferevent *bufev,
    short events, size_t lowmark, size_t highmark);

/* Reads the watermarks of exactly EV_READ or EV_WRITE; -1 otherwise. */
EVENT2_EXPORT_SYMBOL int bufferevent_getwatermark(struct bufferevent *bufev,
    short events, size_t *lowmark, size_t *highmark);

/* Lock and unlock (no-ops without BEV_OPT_THREADSAFE). */
EVENT2_EXPORT_SYMBOL void bufferevent_lock(struct bufferevent *bufev);
EVENT2_EXPORT_SYMBOL void bufferevent_unlock(struct bufferevent *bufev);

/* Reference counting; decref returns 1 when it dropped the last one. */
EVENT2_EXPORT_SYMBOL void bufferevent_incref(struct bufferevent *bufev);
EVENT2_EXPORT_SYMBOL int bufferevent_decref(struct bufferevent *bufev);

/* How hard a flush or a filter should push data. */
enum bufferevent_flush_mode {
	BEV_NORMAL = 0,  /* as convenient */
	BEV_FLUSH = 1,   /* everything buffered now */
	BEV_FINISHED = 2 /* everything, and the stream ends here */
};

/*
 * Pushes data through (pairs and filters).  Returns -1 on failure, 0 when
 * nothing moved, 1 when something did.
 */
EVENT2_EXPORT_SYMBOL int bufferevent_flush(struct bufferevent *bufev,
    short iotype, enum bufferevent_flush_mode mode);

/* Options of bufferevent_trigger() and bufferevent_trigger_event(). */
enum bufferevent_trigger_options {
	/* Run the data callbacks whatever the watermarks say. */
	BEV_TRIG_IGNORE_WATERMARKS = (1 << 16),
	/* Defer the callbacks even without BEV_OPT_DEFER_CALLBACKS. */
	BEV_TRIG_DEFER_CALLBACKS = BEV_OPT_DEFER_CALLBACKS
	/* These must stay apart from the bufferevent_options bits. */
};

/* Runs the read and/or write callback as if data had moved. */
EVENT2_EXPORT_SYMBOL void bufferevent_trigger(struct bufferevent *bufev,
    short iotype, int options);

/* Runs the event callback with what. */
EVENT2_EXPORT_SYMBOL void bufferevent_trigger_event(struct bufferevent *bufev,
    short what, int options);

/* What a filter function returns. */
enum bufferevent_filter_result {
	BEV_OK = 0,        /* produced output */
	BEV_NEED_MORE = 1, /* needs more input before it can produce any */
	BEV_ERROR = 2      /* failed; no more data can go through */
};

/*
 * A filter: moves data from src to dst, transformed, adding at most
 * dst_limit bytes when dst_limit is not -1.  mode says how much to push.
 */
typedef enum bufferevent_filter_result (
    *bufferevent_filter_cb)(struct evbuffer *src, struct evbuffer *dst,
    ev_ssize_t dst_limit, enum bufferevent_flush_mode mode, void *ctx);

/*
 * A filtering bufferevent over underlying, which it takes over (its
 * callbacks are replaced).  A NULL filter copies data unchanged;
 * free_context(ctx) runs when the filter is freed.
 */
EVENT2_EXPORT_SYMBOL struct bufferevent *
bufferevent_filter_new(struct bufferevent *underlying,
    bufferevent_filter_cb input_filter, bufferevent_filter_cb output_filter,
    int options, void (*free_context)(void *), void *ctx);

/*
 * Two bufferevents connected to each other in memory, as two ends of a
 * socketpair would be.  Their callbacks are always deferred.
 */
EVENT2_EXPORT_SYMBOL int bufferevent_pair_new(struct event_base *base,
    int options, struct bufferevent *pair[2]);

/* The other end of a pair, or NULL once it was freed. */
EVENT2_EXPORT_SYMBOL struct bufferevent *bufferevent_pair_get_partner(
    struct bufferevent *bev);

/* Token bucket settings for rate limits. */
struct ev_token_bucket_cfg;

/* Bufferevents sharing one rate limit. */
struct bufferevent_rate_limit_group;

#define EV_RATE_LIMIT_MAX EV_SSIZE_MAX

/*
 * Rates are bytes per tick on average, bursts the most per tick; tick_len
 * NULL means one second (sub-millisecond parts are ignored).  NULL when a
 * rate is 0 or above its burst.
 */
EVENT2_EXPORT_SYMBOL struct ev_token_bucket_cfg *
ev_token_bucket_cfg_new(size_t read_rate, size_t read_burst, size_t write_rate,
    size_t write_burst, const struct timeval *tick_len);

/* Frees cfg; no bufferevent may still use it. */
EVENT2_EXPORT_SYMBOL void ev_token_bucket_cfg_free(
    struct ev_token_bucket_cfg *cfg);

/* Limits bev to cfg (kept by pointer), or removes its limit (NULL). */
EVENT2_EXPORT_SYMBOL int bufferevent_set_rate_limit(struct bufferevent *bev,
    struct ev_token_bucket_cfg *cfg);

/* A group limited by cfg (copied), refilled by timers on base. */
EVENT2_EXPORT_SYMBOL struct bufferevent_rate_limit_group *
bufferevent_rate_limit_group_new(struct event_base *base,
    const struct ev_token_bucket_cfg *cfg);

EVENT2_EXPORT_SYMBOL int
bufferevent_rate_limit_group_set_cfg(struct bufferevent_rate_limit_group *,
    const struct ev_token_bucket_cfg *);

/*
 * The smallest share one member may take per tick (default 64), capped by
 * the group's rates.
 */
EVENT2_EXPORT_SYMBOL int
bufferevent_rate_limit_group_set_min_share(struct bufferevent_rate_limit_group
                                               *,
    size_t);

/* Frees an empty group. */
EVENT2_EXPORT_SYMBOL void bufferevent_rate_limit_group_free(
    struct bufferevent_rate_limit_group *);

/* Moves bev into g (out of any other group first); g NULL: just leave. */
EVENT2_EXPORT_SYMBOL int
bufferevent_add_to_rate_limit_group(struct bufferevent *bev,
    struct bufferevent_rate_limit_group *g);
EVENT2_EXPORT_SYMBOL int bufferevent_remove_from_rate_limit_group(
    struct bufferevent *bev);

/* Largest single read or write; 0 restores the default (16384). */
EVENT2_EXPORT_SYMBOL int
bufferevent_set_max_single_read(struct bufferevent *bev, size_t size);
EVENT2_EXPORT_SYMBOL int
bufferevent_set_max_single_write(struct bufferevent *bev, size_t size);
EVENT2_EXPORT_SYMBOL ev_ssize_t bufferevent_get_max_single_read(
    struct bufferevent *bev);
EVENT2_EXPORT_SYMBOL ev_ssize_t bufferevent_get_max_single_write(
    struct bufferevent *bev);

/*
 * What is left in bev's own buckets (not the group's), which may be
 * negative; EV_SSIZE_MAX without a rate limit.
 */
EVENT2_EXPORT_SYMBOL ev_ssize_t bufferevent_get_read_limit(
    struct bufferevent *bev);
EVENT2_EXPORT_SYMBOL ev_ssize_t bufferevent_get_write_limit(
    struct bufferevent *bev);

/* How much the next read or write may move, all limits counted. */
EVENT2_EXPORT_SYMBOL ev_ssize_t bufferevent_get_max_to_read(
    struct bufferevent *bev);
EVENT2_EXPORT_SYMBOL ev_ssize_t bufferevent_get_max_to_write(
    struct bufferevent *bev);

EVENT2_EXPORT_SYMBOL const struct ev_token_bucket_cfg *
bufferevent_get_token_bucket_cfg(const struct bufferevent *bev);

/* What is left in a group's buckets (may be negative). */
EVENT2_EXPORT_SYMBOL ev_ssize_t bufferevent_rate_limit_group_get_read_limit(
    struct bufferevent_rate_limit_group *);
EVENT2_EXPORT_SYMBOL ev_ssize_t bufferevent_rate_limit_group_get_write_limit(
    struct bufferevent_rate_limit_group *);

/*
 * Takes decr bytes from bev's own bucket (a negative decr refills it),
 * suspending or resuming that direction as the bucket crosses zero.  bev
 * must have a rate limit.
 */
EVENT2_EXPORT_SYMBOL int
bufferevent_decrement_read_limit(struct bufferevent *bev, ev_ssize_t decr);
EVENT2_EXPORT_SYMBOL int
bufferevent_decrement_write_limit(struct bufferevent *bev, ev_ssize_t decr);

/* The same for a group's buckets. */
EVENT2_EXPORT_SYMBOL int
bufferevent_rate_limit_group_decrement_read(struct bufferevent_rate_limit_group
                                                *,
    ev_ssize_t);
EVENT2_EXPORT_SYMBOL int
bufferevent_rate_limit_group_decrement_write(struct bufferevent_rate_limit_group
                                                 *,
    ev_ssize_t);

/* Bytes the group's members read and wrote since creation or reset. */
EVENT2_EXPORT_SYMBOL void
bufferevent_rate_limit_group_get_totals(struct bufferevent_rate_limit_group
                                            *grp,
    ev_uint64_t *total_read_out, ev_uint64_t *total_written_out);
EVENT2_EXPORT_SYMBOL void bufferevent_rate_limit_group_reset_totals(
    struct bufferevent_rate_limit_group *grp);

#ifdef __cplusplus
}
#endif

#endif /* EVENT2_BUFFEREVENT_H_INCLUDED_ */
