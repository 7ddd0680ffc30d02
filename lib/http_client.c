/*
 * http_client.c: evhttp's client side.
 *
 * A client connection is made with evhttp_connection_base_new and opens
 * its socket when the first request is made.  Requests wait in
 * evcon->requests and go out one at a time (no pipelining): the first is
 * written, its response read by lib/http.c, which then calls
 * evhttp_client_got_response_; the next one is sent on the same socket
 * when both sides allow it (keep-alive), on a new one otherwise.
 *
 * Connecting, in order: the name is resolved (evdns_getaddrinfo with the
 * connection's evdns_base, or a blocking evutil_getaddrinfo without
 * one), a socket of the answer's family is opened and bound to the local
 * address and port if set, and connected.  A connect that is refused or
 * times out is retried after initial_retry_timeout, doubled on each
 * later try, up to retry_max times; then every queued request's callback
 * runs with the request (response code 0).
 *
 * Starting a connection always goes through the loop (the retry event,
 * active at once): user callbacks never run from inside
 * evhttp_make_request, even when the name is an address or the connect
 * fails at once.
 *
 * An idle connection kept alive reads only to notice the server closing
 * it (EVHTTP_CON_CLOSEDETECT); the next request then opens a new one.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/http_struct.h>
#include <event2/util.h>

#include "http-internal.h"
#include "log-internal.h"
#include "mm-internal.h"

/* Give up doubling the retry delay past an hour. */
#define RETRY_DELAY_MAX_SEC 3600

static void client_connect(struct evhttp_connection *evcon);
static void client_dispatch(struct evhttp_connection *evcon);

/* Frees req unless the user owns it. */
static void
request_free_auto(struct evhttp_request *req)
{
	if (!(req->flags & EVHTTP_USER_OWNED))
		evhttp_request_free_(req);
}

/*
 * The callbacks of the client's own events (the retry event, the name
 * lookup) are frames as lib/http.c's are: a user callback that frees the
 * connection inside one only marks it, and the outermost frame frees it
 * on leaving.
 */
static void
client_enter(struct evhttp_connection *evcon)
{
	evcon->busy++;
}

static void
client_leave(struct evhttp_connection *evcon)
{
	if (--evcon->busy == 0 && evcon->free_pending)
		evhttp_connection_free(evcon);
}

static int
client_connected(const struct evhttp_connection *evcon)
{
	return evcon->state != EVCON_DISCONNECTED &&
	    evcon->state != EVCON_CONNECTING;
}

/* ---- Connecting ---- */

/* The connection cannot be made: retry later, or give every queued
 * request its callback (with response code 0) and drop it. */
static void
client_connect_failed(struct evhttp_connection *evcon)
{
	struct evhttp_requestq_ failed;
	struct evhttp_request *req;
	struct timeval tv;
	int i;

	/* Never connected: no close callback. */
	evcon->state = EVCON_DISCONNECTED;
	evhttp_connection_reset_(evcon);

	if (evcon->retry_max < 0 || evcon->retry_cnt < evcon->retry_max) {
		tv = evcon->initial_retry_timeout;
		for (i = 0; i < evcon->retry_cnt; i++) {
			tv.tv_sec *= 2;
			tv.tv_usec *= 2;
			if (tv.tv_usec >= 1000000) {
				tv.tv_sec += tv.tv_usec / 1000000;
				tv.tv_usec %= 1000000;
			}
			if (tv.tv_sec >= RETRY_DELAY_MAX_SEC) {
				tv.tv_sec = RETRY_DELAY_MAX_SEC;
				tv.tv_usec = 0;
				break;
			}
		}
		evcon->retry_cnt++;
		event_del(&evcon->retry_ev);
		event_add(&evcon->retry_ev, &tv);
		return;
	}
	evcon->retry_cnt = 0;

	/* The callbacks may make new requests on evcon: those start a new
	 * attempt and must not be failed with these. */
	TAILQ_INIT(&failed);
	while ((req = TAILQ_FIRST(&evcon->requests)) != NULL) {
		TAILQ_REMOVE(&evcon->requests, req, next);
		TAILQ_INSERT_TAIL(&failed, req, next);
	}
	while ((req = TAILQ_FIRST(&failed)) != NULL) {
		TAILQ_REMOVE(&failed, req, next);
		req->evcon = NULL;
		if (req->cb != NULL)
			req->cb(req, req->cb_arg);
		request_free_auto(req);
	}
	if (TAILQ_EMPTY(&evcon->requests) &&
	    (evcon->flags & EVHTTP_CON_AUTOFREE))
		evhttp_connection_free(evcon);
}

/* Binds fd to the local address and port, for the family of the peer. */
static int
client_bind(struct evhttp_connection *evcon, evutil_socket_t fd, int family)
{
	struct evutil_addrinfo hints, *ai = NULL;
	char port[8];
	int r;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = family;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_protocol = IPPROTO_TCP;
	hints.ai_flags = EVUTIL_AI_PASSIVE | EVUTIL_AI_NUMERICHOST;
	evutil_snprintf(port, sizeof(port), "%u", (unsigned)evcon->bind_port);
	r = evutil_getaddrinfo(evcon->bind_address, port, &hints, &ai);
	if (r != 0) {
		event_warnx("%s: local address \"%s\": %s", __func__,
		    evcon->bind_address ? evcon->bind_address : "",
		    evutil_gai_strerror(r));
		return -1;
	}
	r = bind(fd, ai->ai_addr, (socklen_t)ai->ai_addrlen);
	if (r < 0)
		event_warn("%s: bind to \"%s\" port %u", __func__,
		    evcon->bind_address ? evcon->bind_address : "*",
		    (unsigned)evcon->bind_port);
	evutil_freeaddrinfo(ai);
	return r;
}

/* Opens a socket to sa and starts connecting; the bufferevent reports
 * the outcome through lib/http.c to evhttp_client_connect_event_. */
static void
client_connect_to(struct evhttp_connection *evcon, const struct sockaddr *sa,
    ev_socklen_t salen)
{
	evutil_socket_t fd;

	fd = socket(sa->sa_family, SOCK_STREAM, 0);
	if (fd < 0) {
		event_warn("%s: socket", __func__);
		goto fail;
	}
	if (evutil_make_socket_nonblocking(fd) < 0 ||
	    evutil_make_socket_closeonexec(fd) < 0)
		goto fail_fd;
	if ((evcon->bind_address || evcon->bind_port) &&
	    client_bind(evcon, fd, sa->sa_family) < 0)
		goto fail_fd;
	if (bufferevent_setfd(evcon->bufev, fd) < 0)
		goto fail_fd;
	evhttp_connection_apply_timeout_(evcon);
	if (bufferevent_socket_connect(evcon->bufev, sa, (int)salen) < 0) {
		/* The bufferevent owns fd now; the reset closes it. */
		goto fail;
	}
	return;

fail_fd:
	evutil_closesocket(fd);
fail:
	client_connect_failed(evcon);
}

static void
client_lookup_done(int result, struct evutil_addrinfo *ai, void *arg)
{
	struct evhttp_connection *evcon = arg;

	/* Cancelled by evhttp_connection_free or a reset: evcon may be
	 * going away. */
	if (result == EVUTIL_EAI_CANCEL)
		return;
	client_enter(evcon);
	evcon->dns_req = NULL;
	if (result != 0 || ai == NULL) {
		/* As in libevent: the first request fails (EOF), without
		 * retries; the next ones try again. */
		event_debug(("%s: \"%s\": %s", __func__, evcon->address,
		    evutil_gai_strerror(result)));
		if (ai)
			evutil_freeaddrinfo(ai);
		evhttp_client_fail_(evcon, EVREQ_HTTP_EOF);
	} else {
		client_connect_to(evcon, ai->ai_addr,
		    (ev_socklen_t)ai->ai_addrlen);
		evutil_freeaddrinfo(ai);
	}
	client_leave(evcon);
}

static void client_start(struct evhttp_connection *evcon);

/* The retry event: opens the connection (the first try too). */
static void
client_connect_cb(evutil_socket_t fd, short what, void *arg)
{
	struct evhttp_connection *evcon = arg;

	(void)fd;
	(void)what;
	evcon->state = EVCON_CONNECTING;
	client_enter(evcon);
	client_start(evcon);
	client_leave(evcon);
}

/* Looks the name up (or takes the last address) and connects. */
static void
client_start(struct evhttp_connection *evcon)
{
	struct evutil_addrinfo hints, *ai = NULL;
	struct evdns_getaddrinfo_request *dreq;
	char port[8];
	int r;

	if ((evcon->flags & EVHTTP_CON_REUSE_CONNECTED_ADDR) &&
	    evcon->peer_salen > 0 &&
	    (evcon->peer_sa.ss_family == AF_INET ||
	        evcon->peer_sa.ss_family == AF_INET6)) {
		client_connect_to(evcon, (struct sockaddr *)&evcon->peer_sa,
		    evcon->peer_salen);
		return;
	}

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = evcon->ai_family;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_protocol = IPPROTO_TCP;
	evutil_snprintf(port, sizeof(port), "%u", (unsigned)evcon->port);
	if (evcon->dns_base == NULL) {
		r = evutil_getaddrinfo(evcon->address, port, &hints, &ai);
		client_lookup_done(r, ai, evcon);
		return;
	}
	/* An answer that comes at once (an address, the hosts table) has
	 * run client_lookup_done already, which may have freed evcon, and
	 * the handle is NULL. */
	dreq = evdns_getaddrinfo(evcon->dns_base, evcon->address, port, &hints,
	    client_lookup_done, evcon);
	if (dreq != NULL)
		evcon->dns_req = dreq;
}

static void
client_stop_lookup(struct evhttp_connection *evcon)
{
	struct evdns_getaddrinfo_request *dreq = evcon->dns_req;

	evcon->dns_req = NULL;
	if (dreq != NULL)
		evdns_getaddrinfo_cancel(dreq);
}

/* Drops the socket and whatever connecting was under way (a lookup, a
 * retry waiting, its count). */
static void
client_reset(struct evhttp_connection *evcon)
{
	client_stop_lookup(evcon);
	if (event_initialized(&evcon->retry_ev))
		event_del(&evcon->retry_ev);
	evcon->retry_cnt = 0;
	evcon->flags &= ~EVHTTP_CON_CLOSEDETECT;
	/* A connection that never was gets no close callback. */
	if (evcon->state == EVCON_CONNECTING)
		evcon->state = EVCON_DISCONNECTED;
	evhttp_connection_reset_(evcon);
}

/* Starts opening the connection unless it is being opened. */
static void
client_connect(struct evhttp_connection *evcon)
{
	if (evcon->state == EVCON_CONNECTING)
		return;
	client_reset(evcon);
	evcon->state = EVCON_CONNECTING;
	event_active(&evcon->retry_ev, EV_TIMEOUT, 1);
}

void
evhttp_client_connect_event_(struct evhttp_connection *evcon, short what)
{
	socklen_t len;
	int err = 0;
	socklen_t errlen = sizeof(err);
	evutil_socket_t fd = bufferevent_getfd(evcon->bufev);

	if (!(what & BEV_EVENT_CONNECTED)) {
		if ((what & BEV_EVENT_TIMEOUT) || errno == ECONNREFUSED) {
			client_connect_failed(evcon);
			return;
		}
		/* Another error: the first request fails, the next ones
		 * get a new connection. */
		evhttp_client_fail_(evcon, EVREQ_HTTP_EOF);
		return;
	}
	if (fd < 0 ||
	    getsockopt(fd, SOL_SOCKET, SO_ERROR, (void *)&err, &errlen) < 0 ||
	    err != 0) {
		client_connect_failed(evcon);
		return;
	}

	evcon->retry_cnt = 0;
	evcon->state = EVCON_IDLE;
	len = sizeof(evcon->peer_sa);
	if (getpeername(fd, (struct sockaddr *)&evcon->peer_sa, &len) == 0)
		evcon->peer_salen = (ev_socklen_t)len;
	evhttp_connection_apply_timeout_(evcon);
	client_dispatch(evcon);
}

/* ---- Sending ---- */

/* Host for the request head: the name or address given, IPv6 in
 * brackets, with the port unless it is 80. */
static void
client_add_host(struct evhttp_connection *evcon, struct evbuffer *out)
{
	const char *a = evcon->address ? evcon->address : "";
	int v6 = strchr(a, ':') != NULL;

	evbuffer_add_printf(out, "Host: %s%s%s", v6 ? "[" : "", a,
	    v6 ? "]" : "");
	if (evcon->port != 80)
		evbuffer_add_printf(out, ":%u", (unsigned)evcon->port);
	evbuffer_add(out, "\r\n", 2);
}

/* Puts req's head and body together in the connection's wbuf (its
 * method was checked by evhttp_make_request). */
static void
client_make_head(struct evhttp_connection *evcon, struct evhttp_request *req)
{
	struct evbuffer *out = evcon->wbuf;
	struct evkeyval *h;
	const char *method = http_method_name_((int)req->type);
	size_t body = evbuffer_get_length(req->output_buffer);

	evbuffer_add_printf(out, "%s %s HTTP/%d.%d\r\n", method, req->uri,
	    req->major, req->minor);
	if (evhttp_find_header(req->output_headers, "Host") == NULL)
		client_add_host(evcon, out);
	/* A length for a body, and for an empty one where a body is
	 * expected; never beside a transfer coding. */
	if ((body > 0 ||
	        (req->type &
	            (EVHTTP_REQ_POST | EVHTTP_REQ_PUT | EVHTTP_REQ_PATCH))) &&
	    evhttp_find_header(req->output_headers, "Content-Length") == NULL &&
	    evhttp_find_header(req->output_headers, "Transfer-Encoding") ==
	        NULL)
		evbuffer_add_printf(out, "Content-Length: %zu\r\n", body);
	TAILQ_FOREACH(h, req->output_headers, next) {
		/* A hop-by-hop field of proxies, never ours to send. */
		if (evutil_ascii_strcasecmp(h->key, "Proxy-Connection") == 0)
			continue;
		evbuffer_add_printf(out, "%s: %s\r\n", h->key, h->value);
	}
	evbuffer_add(out, "\r\n", 2);
	if (body > 0)
		evbuffer_add_buffer(out, req->output_buffer);
}

static void
client_request_written(struct evhttp_connection *evcon, void *arg)
{
	(void)arg;
	evhttp_start_read_(evcon);
}

static void
client_start_detectclose(struct evhttp_connection *evcon)
{
	evcon->flags |= EVHTTP_CON_CLOSEDETECT;
	bufferevent_enable(evcon->bufev, EV_READ);
}

/* Sends the first queued request on the connected, idle connection. */
static void
client_dispatch(struct evhttp_connection *evcon)
{
	struct evhttp_request *req = TAILQ_FIRST(&evcon->requests);

	if (req == NULL) {
		client_start_detectclose(evcon);
		return;
	}
	/* Reading stays on (no epoll_ctl per request): an answer that
	 * comes before the write is done waits in the input. */
	evcon->flags &= ~EVHTTP_CON_CLOSEDETECT;
	evbuffer_drain(bufferevent_get_input(evcon->bufev),
	    evbuffer_get_length(bufferevent_get_input(evcon->bufev)));
	evcon->state = EVCON_WRITING;
	client_make_head(evcon, req);
	/* Straight to the socket when it takes it all: one writev, and
	 * no write event to add and remove. */
	evhttp_send_buffer_(evcon, evcon->wbuf, client_request_written, NULL);
}

int
evhttp_make_request(struct evhttp_connection *evcon, struct evhttp_request *req,
    enum evhttp_cmd_type type, const char *uri)
{
	char *copy;

	if (req->evcon != NULL) {
		/* Misuse; the request stays with the connection it was
		 * made on, untouched (libevent asserts here). */
		event_warnx("%s: request already made", __func__);
		return -1;
	}
	if (evcon->base == NULL || !event_initialized(&evcon->retry_ev)) {
		event_warnx("%s: the connection has no event base (see "
		            "evhttp_connection_set_base)",
		    __func__);
		request_free_auto(req);
		return -1;
	}
	if (http_method_name_((int)type) == NULL) {
		event_warnx("%s: unknown request type %d", __func__, (int)type);
		request_free_auto(req);
		return -1;
	}
	copy = mm_strdup(uri ? uri : "");
	if (copy == NULL) {
		event_warn("%s: strdup", __func__);
		request_free_auto(req);
		return -1;
	}
	req->kind = EVHTTP_REQUEST;
	req->type = type;
	mm_free(req->uri);
	req->uri = copy;
	if (req->major == 0 && req->minor == 0) {
		req->major = 1;
		req->minor = 1;
	}
	req->evcon = evcon;
	TAILQ_INSERT_TAIL(&evcon->requests, req, next);

	/* A retry is pending: the request goes with it. */
	if (evcon->retry_cnt)
		return 0;
	if (!client_connected(evcon)) {
		client_connect(evcon);
		return 0;
	}
	if (TAILQ_FIRST(&evcon->requests) == req && evcon->state == EVCON_IDLE)
		client_dispatch(evcon);
	return 0;
}

/* ---- Responses and failures ---- */

void
evhttp_client_got_response_(struct evhttp_connection *evcon,
    struct evhttp_request *req)
{
	int need_close = !evhttp_request_keeps_alive_(req);
	int free_evcon = 0;

	TAILQ_REMOVE(&evcon->requests, req, next);
	req->evcon = NULL;
	evcon->state = EVCON_IDLE;
	if (need_close)
		evhttp_connection_reset_(evcon);

	/* The next request goes out before this callback runs, as in
	 * libevent: the callback may free the connection, not the queue. */
	if (!TAILQ_EMPTY(&evcon->requests)) {
		if (client_connected(evcon))
			client_dispatch(evcon);
		else
			client_connect(evcon);
	} else if (!need_close) {
		client_start_detectclose(evcon);
	} else if (evcon->flags & EVHTTP_CON_AUTOFREE) {
		free_evcon = 1;
	}

	if (req->cb != NULL)
		req->cb(req, req->cb_arg);
	request_free_auto(req);

	if (free_evcon && TAILQ_EMPTY(&evcon->requests))
		evhttp_connection_free(evcon);
}

void
evhttp_client_fail_(struct evhttp_connection *evcon,
    enum evhttp_request_error err)
{
	struct evhttp_request *req = TAILQ_FIRST(&evcon->requests);
	void (*cb)(struct evhttp_request *, void *);
	void (*error_cb)(enum evhttp_request_error, void *);
	void *arg;
	int errsave = errno;

	/* An idle connection closed by the server (or one that sent
	 * something unasked): just drop the socket. */
	if (req == NULL || (evcon->flags & EVHTTP_CON_CLOSEDETECT)) {
		client_reset(evcon);
		if (TAILQ_EMPTY(&evcon->requests)) {
			if (evcon->flags & EVHTTP_CON_AUTOFREE)
				evhttp_connection_free(evcon);
		} else {
			client_connect(evcon);
		}
		return;
	}
	if (evcon->state == EVCON_CONNECTING && err == EVREQ_HTTP_TIMEOUT) {
		client_connect_failed(evcon);
		return;
	}
	/* The server may have answered before closing: read that. */
	if ((evcon->flags & EVHTTP_CON_READ_ON_WRITE_ERROR) &&
	    evcon->state == EVCON_WRITING &&
	    (err == EVREQ_HTTP_EOF || err == EVREQ_HTTP_BUFFER_ERROR)) {
		struct evbuffer *out = bufferevent_get_output(evcon->bufev);

		/* The socket will not take more: no second write error. */
		bufferevent_disable(evcon->bufev, EV_WRITE);
		evbuffer_drain(out, evbuffer_get_length(out));
		evhttp_start_read_(evcon);
		return;
	}

	bufferevent_disable(evcon->bufev, EV_READ | EV_WRITE);
	error_cb = req->error_cb;
	arg = req->cb_arg;
	/* A cancelled request's callback does not run. */
	cb = err == EVREQ_HTTP_REQUEST_CANCEL ? NULL : req->cb;

	TAILQ_REMOVE(&evcon->requests, req, next);
	req->evcon = NULL;
	request_free_auto(req);
	client_reset(evcon);

	/* The next request gets a new connection; evcon may be gone after
	 * the free, so nothing below touches it. */
	if (!TAILQ_EMPTY(&evcon->requests))
		client_connect(evcon);
	else if (evcon->flags & EVHTTP_CON_AUTOFREE)
		evhttp_connection_free(evcon);

	errno = errsave;
	if (error_cb != NULL)
		error_cb(err, arg);
	if (cb != NULL)
		cb(NULL, arg);
}

void
evhttp_cancel_request(struct evhttp_request *req)
{
	struct evhttp_connection *evcon = req->evcon;

	/* From inside its chunked callback: lib/http.c fails it (with
	 * EVREQ_HTTP_REQUEST_CANCEL) once the callback has returned. */
	if (req->flags & EVHTTP_REQ_DEFER_FREE) {
		req->flags |= EVHTTP_REQ_NEEDS_FREE;
		return;
	}
	if (evcon != NULL) {
		if (TAILQ_FIRST(&evcon->requests) == req) {
			/* On the wire (or being connected for): the
			 * connection is reset; the failure frees req. */
			evhttp_client_fail_(evcon, EVREQ_HTTP_REQUEST_CANCEL);
			return;
		}
		TAILQ_REMOVE(&evcon->requests, req, next);
		req->evcon = NULL;
	}
	request_free_auto(req);
}

void
evhttp_client_connection_gone_(struct evhttp_connection *evcon)
{
	struct evhttp_request *req;

	if (event_initialized(&evcon->retry_ev))
		event_del(&evcon->retry_ev);
	client_stop_lookup(evcon);
	/* As in libevent, the requests still queued are dropped without
	 * their callbacks. */
	while ((req = TAILQ_FIRST(&evcon->requests)) != NULL) {
		TAILQ_REMOVE(&evcon->requests, req, next);
		req->evcon = NULL;
		request_free_auto(req);
	}
	mm_free(evcon->bind_address);
	evcon->bind_address = NULL;
}

/* ---- Construction and settings ---- */

struct evhttp_connection *
evhttp_connection_base_bufferevent_new(struct event_base *base,
    struct evdns_base *dnsbase, struct bufferevent *bev, const char *address,
    ev_uint16_t port)
{
	struct evhttp_connection *evcon;

	if (address == NULL) {
		event_warnx("%s: no address", __func__);
		return NULL;
	}
	evcon =
	    evhttp_connection_new_(base, dnsbase, bev, -1, EVHTTP_CON_OUTGOING);
	if (evcon == NULL)
		return NULL;
	mm_free(evcon->address);
	evcon->address = mm_strdup(address);
	if (evcon->address == NULL) {
		event_warn("%s: strdup", __func__);
		evhttp_connection_free(evcon);
		return NULL;
	}
	evcon->port = port;
	evcon->ai_family = AF_UNSPEC;
	evcon->retry_cnt = 0;
	evcon->retry_max = 0;
	evcon->initial_retry_timeout.tv_sec = 2;
	evcon->initial_retry_timeout.tv_usec = 0;
	evcon->state = EVCON_DISCONNECTED;
	if (base != NULL)
		evtimer_assign(&evcon->retry_ev, base, client_connect_cb,
		    evcon);
	return evcon;
}

struct evhttp_connection *
evhttp_connection_base_new(struct event_base *base, struct evdns_base *dnsbase,
    const char *address, ev_uint16_t port)
{
	return evhttp_connection_base_bufferevent_new(base, dnsbase, NULL,
	    address, port);
}

/* For http_compat.c: puts a connection made without a base on base. */
void
evhttp_client_set_base_(struct evhttp_connection *evcon,
    struct event_base *base)
{
	if (evcon->base == base && event_initialized(&evcon->retry_ev))
		return;
	if (event_initialized(&evcon->retry_ev))
		event_del(&evcon->retry_ev);
	evcon->base = base;
	bufferevent_base_set(base, evcon->bufev);
	evtimer_assign(&evcon->retry_ev, base, client_connect_cb, evcon);
}

void
evhttp_connection_set_family(struct evhttp_connection *evcon, int family)
{
	evcon->ai_family = family;
}

int
evhttp_connection_set_flags(struct evhttp_connection *evcon, int flags)
{
	const int settable =
	    EVHTTP_CON_REUSE_CONNECTED_ADDR | EVHTTP_CON_READ_ON_WRITE_ERROR;

	if ((flags & ~settable) != 0)
		return -1;
	evcon->flags = (evcon->flags & ~settable) | flags;
	return 0;
}

void
evhttp_connection_set_local_address(struct evhttp_connection *evcon,
    const char *address)
{
	char *copy = NULL;

	if (address != NULL && (copy = mm_strdup(address)) == NULL) {
		event_warn("%s: strdup", __func__);
		return;
	}
	mm_free(evcon->bind_address);
	evcon->bind_address = copy;
}

void
evhttp_connection_set_local_port(struct evhttp_connection *evcon,
    ev_uint16_t port)
{
	evcon->bind_port = port;
}

void
evhttp_connection_set_timeout_tv(struct evhttp_connection *evcon,
    const struct timeval *tv)
{
	if (tv != NULL) {
		evcon->timeout = *tv;
	} else {
		evcon->timeout.tv_sec = -1;
		evcon->timeout.tv_usec = 0;
	}
	evhttp_connection_apply_timeout_(evcon);
}

void
evhttp_connection_set_timeout(struct evhttp_connection *evcon,
    int timeout_in_secs)
{
	struct timeval tv;

	if (timeout_in_secs == -1) {
		evhttp_connection_set_timeout_tv(evcon, NULL);
		return;
	}
	tv.tv_sec = timeout_in_secs;
	tv.tv_usec = 0;
	evhttp_connection_set_timeout_tv(evcon, &tv);
}

void
evhttp_connection_set_initial_retry_tv(struct evhttp_connection *evcon,
    const struct timeval *tv)
{
	if (tv != NULL) {
		evcon->initial_retry_timeout = *tv;
	} else {
		evcon->initial_retry_timeout.tv_sec = 2;
		evcon->initial_retry_timeout.tv_usec = 0;
	}
}

void
evhttp_connection_set_retries(struct evhttp_connection *evcon, int retry_max)
{
	evcon->retry_max = retry_max;
}

void
evhttp_connection_set_closecb(struct evhttp_connection *evcon,
    void (*cb)(struct evhttp_connection *, void *), void *arg)
{
	evcon->closecb = cb;
	evcon->closecb_arg = arg;
}

void
evhttp_connection_set_max_headers_size(struct evhttp_connection *evcon,
    ev_ssize_t new_max_headers_size)
{
	evcon->max_headers_size =
	    new_max_headers_size < 0 ? -1 : new_max_headers_size;
}

void
evhttp_connection_set_max_body_size(struct evhttp_connection *evcon,
    ev_ssize_t new_max_body_size)
{
	evcon->max_body_size = new_max_body_size < 0 ? -1 : new_max_body_size;
}

void
evhttp_connection_free_on_completion(struct evhttp_connection *evcon)
{
	evcon->flags |= EVHTTP_CON_AUTOFREE;
}

/* ---- Getters ---- */

void
evhttp_connection_get_peer(struct evhttp_connection *evcon, char **address,
    ev_uint16_t *port)
{
	*address = evcon->address;
	*port = evcon->port;
}

const struct sockaddr *
evhttp_connection_get_addr(struct evhttp_connection *evcon)
{
	return evcon->peer_salen > 0 ? (const struct sockaddr *)&evcon->peer_sa
	                             : NULL;
}

struct event_base *
evhttp_connection_get_base(struct evhttp_connection *evcon)
{
	return evcon->base;
}

struct bufferevent *
evhttp_connection_get_bufferevent(struct evhttp_connection *evcon)
{
	return evcon->bufev;
}

struct evhttp *
evhttp_connection_get_server(struct evhttp_connection *evcon)
{
	return evcon->http_server;
}
