/*
 * http-internal.h: what the parts of evhttp share.
 *
 *   lib/http_parse.c   the pure message parser (http-parse-internal.h)
 *   lib/http_uri.c     evhttp_uri_*, URI encoding, query strings, HTML
 *                      escaping; lib/http_headers.c the evkeyvalq
 *                      header functions (both pure, no I/O)
 *   lib/http.c         connections and requests: reading a message with
 *                      the parser, writing one, timeouts, failures; the
 *                      request object and its accessors
 *   lib/http_server.c  struct evhttp: bound sockets, accepting, callbacks,
 *                      virtual hosts, limits; the reply functions
 *   lib/http_client.c  client connections: name lookup through evdns,
 *                      connecting, retries with back-off, the queue of
 *                      requests made, evhttp_make_request/cancel; the
 *                      connection setters; http_compat.h
 *
 * A connection is incoming (accepted by a server) or outgoing (made by a
 * client).  lib/http.c drives both; where they differ it calls the
 * server's or the client's functions declared at the end.
 */
#ifndef HTTP_INTERNAL_H_INCLUDED_
#define HTTP_INTERNAL_H_INCLUDED_

#include <sys/queue.h>
#include <sys/socket.h>

#include <event2/event_struct.h>
#include <event2/http.h>
#include <event2/http_struct.h>
#include <event2/keyvalq_struct.h>

#include "http-parse-internal.h"

struct evdns_getaddrinfo_request;

/* Internal flags of struct evhttp_connection, beside the public
 * EVHTTP_CON_* ones (0x0008, 0x0010, 0x0020). */
#define EVHTTP_CON_INCOMING 0x0001    /* accepted by a server */
#define EVHTTP_CON_OUTGOING 0x0002    /* made by a client */
#define EVHTTP_CON_CLOSEDETECT 0x0004 /* idle; reading only to see a close */
#define EVHTTP_CON_AUTOFREE EVHTTP_CON_PUBLIC_FLAGS_END /* free when idle */
#define EVHTTP_CON_FREEING (EVHTTP_CON_PUBLIC_FLAGS_END << 1)

/* Internal flags of struct evhttp_request, beside the public ones
 * (0x0001 to 0x0010). */
#define EVHTTP_REQ_KEEPALIVE_ 0x0100  /* message allows reuse */
#define EVHTTP_REQ_HEAD_READ_ 0x0200  /* head read, body may follow */
#define EVHTTP_REQ_DISPATCHED_ 0x0400 /* given to the server's callback */

/* Where a connection is. */
enum evhttp_connection_state_ {
	EVCON_DISCONNECTED,    /* no socket */
	EVCON_CONNECTING,      /* client: name lookup or connect() */
	EVCON_IDLE,            /* connected, between messages */
	EVCON_READING_HEAD,    /* start line and fields */
	EVCON_READING_BODY,    /* body (or chunks) */
	EVCON_READING_TRAILER, /* fields after the last chunk */
	EVCON_WRITING,         /* a request or a reply */
	EVCON_HANDLING         /* incoming: the request is with the server's
	                        * callback, which has not replied yet */
};

TAILQ_HEAD(evhttp_requestq_, evhttp_request);

struct evhttp_connection {
	/* In the server's list of connections (incoming only). */
	TAILQ_ENTRY(evhttp_connection) next;

	struct event_base *base;
	struct evdns_base *dns_base;
	struct bufferevent *bufev;

	/* The server that accepted it; NULL for an outgoing one. */
	struct evhttp *http_server;

	/* Incoming: requests received, answered in this order (the first
	 * is the one being answered; pipelined ones wait behind it).
	 * Outgoing: requests made; the first is on the wire. */
	struct evhttp_requestq_ requests;

	enum evhttp_connection_state_ state;
	int flags;

	/* The peer: the name or address given to the client, or the
	 * numeric address of an accepted client; and its socket address
	 * once connected (evhttp_connection_get_addr). */
	char *address;
	ev_uint16_t port;
	struct sockaddr_storage peer_sa;
	ev_socklen_t peer_salen; /* 0 while not connected */

	/* Outgoing: where to bind, which family to resolve. */
	char *bind_address;
	ev_uint16_t bind_port;
	int ai_family;

	/* Limits; -1 (or negative) means none. */
	ev_ssize_t max_headers_size;
	ev_ssize_t max_body_size;

	/* Read/write (and connect) timeout; tv_sec -1 means the default
	 * (50 s for a client, none for a server unless it sets one). */
	struct timeval timeout;

	/* Outgoing: retries of a failed connect. */
	int retry_cnt;
	int retry_max;                        /* -1: without end */
	struct timeval initial_retry_timeout; /* default 2 s */
	struct event retry_ev;
	struct evdns_getaddrinfo_request *dns_req;

	void (*closecb)(struct evhttp_connection *, void *);
	void *closecb_arg;

	/* lib/http.c's reading state. */
	size_t head_scanned;     /* http_head_length_'s position */
	ev_uint64_t chunk_left;  /* bytes left in the current chunk */
	unsigned chunk_crlf : 1; /* a chunk's data read, CRLF due */
	struct event_callback deferred_read; /* resume reading later */

	/* lib/http.c's writing state: called when the output has drained. */
	void (*write_done)(struct evhttp_connection *, void *);
	void *write_done_arg;
	struct event_callback write_done_ev; /* written at once: done later */
	struct evbuffer *wbuf;               /* a message being put together */

	/* Incoming: the last answered request, emptied, kept for the next
	 * one (a request's allocations are a large part of a small
	 * keep-alive reply's cost). */
	struct evhttp_request *spare;

	/* Incoming: the idle timeout, the head deadline (from the first
	 * byte of a request, never extended) and the body's read timeout. */
	struct event timer;

	/* Nesting of lib/http.c's frames on the stack; a free asked for
	 * inside them waits until the outermost one returns. */
	int busy;
	unsigned free_pending : 1;
	unsigned done_sync : 1;   /* write_done due once the frame returns */
	unsigned peer_eof : 1;    /* the peer closed its side */
	unsigned read_paused : 1; /* reading off until the reply is out */
	unsigned lingering : 1;   /* discarding input until close */
	unsigned free_held : 1;   /* free even a request being answered */
};

/* ---- lib/http.c ---- */

/* A connection on base over bev (NULL: a new socket bufferevent on fd,
 * which may be -1), with flags (EVHTTP_CON_INCOMING or _OUTGOING) and
 * default limits; NULL on failure. */
struct evhttp_connection *evhttp_connection_new_(struct event_base *base,
    struct evdns_base *dns_base, struct bufferevent *bev, evutil_socket_t fd,
    int flags);

/* Starts (or resumes) reading the next message: a request on an
 * incoming connection, the response to the first queued request on an
 * outgoing one. */
void evhttp_start_read_(struct evhttp_connection *evcon);

/* Writes out what is in the bufferevent's output, then calls done(evcon,
 * arg) from the loop; the connection is in EVCON_WRITING meanwhile. */
void evhttp_write_buffer_(struct evhttp_connection *evcon,
    void (*done)(struct evhttp_connection *, void *), void *arg);

/* The connection failed with err: an incoming one is closed and freed
 * with its requests; an outgoing one goes to evhttp_client_fail_. */
void evhttp_connection_fail_(struct evhttp_connection *evcon,
    enum evhttp_request_error err);

/* Closes the socket (a new bufferevent socket can be opened after),
 * drops any partial message, runs the close callback and sets
 * EVCON_DISCONNECTED. */
void evhttp_connection_reset_(struct evhttp_connection *evcon);

/* Sends buf (which it empties) like evhttp_write_buffer_, straight to the
 * socket when nothing is queued: done runs once it is all written. */
void evhttp_send_buffer_(struct evhttp_connection *evcon, struct evbuffer *buf,
    void (*done)(struct evhttp_connection *, void *), void *arg);

/* Applies evcon->timeout to the bufferevent. */
void evhttp_connection_apply_timeout_(struct evhttp_connection *evcon);

/* Whether the connection may carry another message after req, from the
 * version and Connection headers of both directions. */
int evhttp_request_keeps_alive_(const struct evhttp_request *req);

/* Frees a request the library owns (runs nothing). */
void evhttp_request_free_(struct evhttp_request *req);

/* The done callback of a reply's last part (arg: the request, first in
 * the queue): completes the request, then reads the next one or closes
 * the connection. */
void evhttp_reply_written_(struct evhttp_connection *evcon, void *arg);

/* Closes an incoming connection for the library (failure, timeout, the
 * server freed): as evhttp_connection_free, but a request the server's
 * callback has not answered yet is detached, not freed. */
void evhttp_connection_close_(struct evhttp_connection *evcon);

/* Sets up an incoming connection to close once the current reply is
 * written (the request was bad: nothing after it is read). */
void evhttp_close_after_reply_(struct evhttp_connection *evcon);

/* ---- lib/http_server.c ---- */

/* An incoming request's head is read: 0 to go on reading its body, or
 * the status to refuse it with (the server may have added headers, such
 * as Allow). */
int evhttp_server_check_head_(struct evhttp_connection *evcon,
    struct evhttp_request *req);

/* An incoming connection has read a whole request head (and, unless it
 * is streamed with a chunked callback, its body): dispatch it. */
void evhttp_server_got_request_(struct evhttp_connection *evcon,
    struct evhttp_request *req);

/* An incoming connection is being freed: unlink it from its server. */
void evhttp_server_connection_gone_(struct evhttp_connection *evcon);

/* evrpc_init: the server takes HTTP/1.1 requests without Host, as
 * libevent's does, because libevent's RPC clients send none. */
void evhttp_server_allow_no_host_(struct evhttp *http);

/* Whether the server of the incoming evcon takes a 1.1 request without
 * Host. */
int evhttp_server_host_optional_(const struct evhttp_connection *evcon);

/* ---- lib/http_client.c ---- */

/* The outgoing connection has read the whole response to req, the first
 * queued request: run its callback, free it, send the next one or keep
 * the connection idle (or close it when it cannot be reused). */
void evhttp_client_got_response_(struct evhttp_connection *evcon,
    struct evhttp_request *req);

/* The outgoing connection's socket connected (what is BEV_EVENT_CONNECTED)
 * or failed to (BEV_EVENT_ERROR or BEV_EVENT_TIMEOUT). */
void evhttp_client_connect_event_(struct evhttp_connection *evcon, short what);

/* The outgoing connection failed with err while a request was on it:
 * retry (connect failures) or fail the request, and go on with the
 * next. */
void evhttp_client_fail_(struct evhttp_connection *evcon,
    enum evhttp_request_error err);

/* evhttp_connection_free on an outgoing connection: stop the retry
 * timer, cancel the name lookup, fail the queued requests. */
void evhttp_client_connection_gone_(struct evhttp_connection *evcon);

/* evhttp_connection_set_base (http_compat.h): moves a client connection
 * that has no socket yet to base. */
void evhttp_client_set_base_(struct evhttp_connection *evcon,
    struct event_base *base);

#endif /* HTTP_INTERNAL_H_INCLUDED_ */
