/*
 * http.c: evhttp connections and requests, for the server and the client.
 *
 * A connection reads one message at a time with the pure parser
 * (http-parse-internal.h): the head is made contiguous with
 * evbuffer_pullup and measured with http_head_length_, which keeps its
 * position so that a head arriving a byte at a time is not rescanned;
 * the body is moved (not copied) into the request's input buffer, by
 * Content-Length, by chunks or up to the end of the connection.
 *
 * An incoming connection holds one request at a time: once a request is
 * read it goes to the server (EVCON_HANDLING) and nothing more is parsed
 * until its reply is written, so pipelined requests are answered in
 * order.  What the client sent meanwhile stays in the input buffer and
 * is parsed right after, by the loop in conn_leave(), without waiting for
 * the socket to become readable again and without recursion.
 *
 * Re-entrancy: every entry point (bufferevent callbacks, timers, the
 * deferred callbacks, the public calls that write) counts itself in
 * evcon->busy.  What must not happen under a caller's feet -- freeing
 * the connection, completing a write that finished at once -- is
 * recorded and done by the outermost frame when it leaves.
 *
 * Writing: evhttp_send_buffer_ hands a whole message (head and body
 * chains) to bufferevent_write_buffer_now_, which writes it with one
 * writev when nothing is queued; only what the socket did not take goes
 * through the bufferevent's output and its write event.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/http_struct.h>
#include <event2/keyvalq_struct.h>
#include <event2/util.h>

#include "bufferevent-internal.h"
#include "evbuffer-internal.h"
#include "event-internal.h"
#include "http-headers-internal.h"
#include "http-internal.h"
#include "http-parse-internal.h"
#include "http-uri-internal.h"
#include "log-internal.h"
#include "mm-internal.h"
#include "util-internal.h"

/* A chunk-size line (with extensions) longer than this is refused. */
#define CHUNK_LINE_MAX 4096

/* While a request is being answered, input beyond this stops reading: a
 * client pipelining without end cannot make the server buffer it all. */
#define PIPELINE_INPUT_MAX 65536

/* How long a lingering close waits for the peer's end at most. */
#define LINGER_SECONDS 5

static void conn_free(struct evhttp_connection *evcon);
static void pump(struct evhttp_connection *evcon);

/* ------------------------------------------------------------------ */
/* Frames.                                                             */

static void
conn_enter(struct evhttp_connection *evcon)
{
	++evcon->busy;
}

/* Runs the pending completion of a write if the output has drained. */
static void
run_write_done(struct evhttp_connection *evcon)
{
	void (*done)(struct evhttp_connection *, void *) = evcon->write_done;
	void *arg = evcon->write_done_arg;

	if (done == NULL ||
	    evbuffer_get_length(bufferevent_get_output(evcon->bufev)) != 0)
		return;
	evcon->write_done = NULL;
	evcon->write_done_arg = NULL;
	done(evcon, arg);
}

/*
 * Leaves a frame.  The outermost one frees the connection if that was
 * asked for, completes a write that finished at once and parses what
 * input is waiting, in a loop.  Returns 1 when evcon is gone.
 */
static int
conn_leave(struct evhttp_connection *evcon)
{
	if (evcon->busy > 1) {
		--evcon->busy;
		return 0;
	}
	for (;;) {
		if (evcon->free_pending) {
			evcon->busy = 0;
			conn_free(evcon);
			return 1;
		}
		if (evcon->done_sync) {
			evcon->done_sync = 0;
			run_write_done(evcon);
			continue;
		}
		if (evcon->bufev && evcon->state != EVCON_HANDLING &&
		    evcon->state != EVCON_WRITING &&
		    evcon->state != EVCON_DISCONNECTED &&
		    evcon->state != EVCON_CONNECTING &&
		    evbuffer_get_length(bufferevent_get_input(evcon->bufev))) {
			size_t before = evbuffer_get_length(
			    bufferevent_get_input(evcon->bufev));
			enum evhttp_connection_state_ st = evcon->state;
			pump(evcon);
			/* Loop only while the pump made progress. */
			if (evcon->free_pending || evcon->done_sync ||
			    evcon->state != st ||
			    evbuffer_get_length(
			        bufferevent_get_input(evcon->bufev)) != before)
				continue;
		}
		break;
	}
	evcon->busy = 0;
	return 0;
}

static int
is_incoming(const struct evhttp_connection *evcon)
{
	return (evcon->flags & EVHTTP_CON_INCOMING) != 0;
}

/* Enables what is not enabled yet: enabling again would re-add the
 * socket's events, which can cost an epoll_ctl. */
static void
ensure_enabled(struct bufferevent *bev, short what)
{
	short missing = what & ~bufferevent_get_enabled(bev);

	if (missing)
		bufferevent_enable(bev, missing);
}

/* ------------------------------------------------------------------ */
/* Requests.                                                           */

/* What a new request holds beside its lists and buffers. */
static void
request_defaults(struct evhttp_request *req)
{
	req->kind = EVHTTP_RESPONSE;
	req->major = 1;
	req->minor = 1;
	req->ntoread = -1;
}

struct evhttp_request *
evhttp_request_new(void (*cb)(struct evhttp_request *, void *), void *arg)
{
	struct evhttp_request *req;

	if ((req = mm_calloc(1, sizeof(*req))) == NULL)
		goto err;
	if ((req->input_headers = mm_malloc(sizeof(*req->input_headers))) ==
	    NULL)
		goto err_req;
	TAILQ_INIT(req->input_headers);
	if ((req->output_headers = mm_malloc(sizeof(*req->output_headers))) ==
	    NULL)
		goto err_req;
	TAILQ_INIT(req->output_headers);
	if ((req->input_buffer = evbuffer_new()) == NULL)
		goto err_req;
	if ((req->output_buffer = evbuffer_new()) == NULL)
		goto err_req;
	request_defaults(req);
	req->cb = cb;
	req->cb_arg = arg;
	return req;

err_req:
	evhttp_request_free_(req);
err:
	event_warn("%s: cannot allocate a request", __func__);
	return NULL;
}

void
evhttp_request_free_(struct evhttp_request *req)
{
	if (req == NULL)
		return;
	mm_free(req->remote_host);
	mm_free(req->host_cache);
	mm_free(req->uri);
	if (req->uri_elems)
		evhttp_uri_free(req->uri_elems);
	mm_free(req->response_code_line);
	if (req->input_headers) {
		evhttp_clear_headers(req->input_headers);
		mm_free(req->input_headers);
	}
	if (req->output_headers) {
		evhttp_clear_headers(req->output_headers);
		mm_free(req->output_headers);
	}
	if (req->input_buffer)
		evbuffer_free(req->input_buffer);
	if (req->output_buffer)
		evbuffer_free(req->output_buffer);
	mm_free(req);
}

/*
 * Keeps req, finished and owned by the library, as evcon's spare: emptied
 * as evhttp_request_new leaves a request.  A request whose buffers the
 * application touched beyond their contents (callbacks, locking, a
 * freeze) is freed instead.
 */
static void
keep_spare(struct evhttp_connection *evcon, struct evhttp_request *req)
{
	struct evkeyvalq *ih = req->input_headers, *oh = req->output_headers;
	struct evbuffer *ib = req->input_buffer, *ob = req->output_buffer;
	char *remote_host = req->remote_host;

	if (evcon->spare != NULL || evcon->free_pending || ib->callbacks ||
	    ob->callbacks || ib->lock || ob->lock || ib->freeze_start ||
	    ib->freeze_end || ob->freeze_start || ob->freeze_end ||
	    ib->refcnt != 1 || ob->refcnt != 1) {
		evhttp_request_free_(req);
		return;
	}
	mm_free(req->host_cache);
	mm_free(req->uri);
	if (req->uri_elems)
		evhttp_uri_free(req->uri_elems);
	mm_free(req->response_code_line);
	evhttp_clear_headers(ih);
	evhttp_clear_headers(oh);
	evbuffer_drain(ib, evbuffer_get_length(ib));
	evbuffer_drain(ob, evbuffer_get_length(ob));
	memset(req, 0, sizeof(*req));
	req->input_headers = ih;
	req->output_headers = oh;
	req->input_buffer = ib;
	req->output_buffer = ob;
	/* The same peer's address, for the next request. */
	req->remote_host = remote_host;
	request_defaults(req);
	evcon->spare = req;
}

void
evhttp_request_free(struct evhttp_request *req)
{
	if (req == NULL)
		return;
	/* Inside one of its own callbacks: freed once that returns. */
	if (req->flags & EVHTTP_REQ_DEFER_FREE) {
		req->flags |= EVHTTP_REQ_NEEDS_FREE;
		return;
	}
	if (req->evcon) {
		TAILQ_REMOVE(&req->evcon->requests, req, next);
		req->evcon = NULL;
	}
	evhttp_request_free_(req);
}

void
evhttp_request_own(struct evhttp_request *req)
{
	req->flags |= EVHTTP_USER_OWNED;
}

int
evhttp_request_is_owned(struct evhttp_request *req)
{
	return (req->flags & EVHTTP_USER_OWNED) != 0;
}

void
evhttp_request_set_chunked_cb(struct evhttp_request *req,
    void (*cb)(struct evhttp_request *, void *))
{
	req->chunk_cb = cb;
}

void
evhttp_request_set_header_cb(struct evhttp_request *req,
    int (*cb)(struct evhttp_request *, void *))
{
	req->header_cb = cb;
}

void
evhttp_request_set_error_cb(struct evhttp_request *req,
    void (*cb)(enum evhttp_request_error, void *))
{
	req->error_cb = cb;
}

void
evhttp_request_set_on_complete_cb(struct evhttp_request *req,
    void (*cb)(struct evhttp_request *, void *), void *cb_arg)
{
	req->on_complete_cb = cb;
	req->on_complete_cb_arg = cb_arg;
}

struct evhttp_connection *
evhttp_request_get_connection(struct evhttp_request *req)
{
	return req->evcon;
}

const char *
evhttp_request_get_uri(const struct evhttp_request *req)
{
	if (req->uri == NULL)
		event_debug(
		    ("%s: request %p has no URI", __func__, (void *)req));
	return req->uri;
}

const struct evhttp_uri *
evhttp_request_get_evhttp_uri(const struct evhttp_request *req)
{
	if (req->uri_elems == NULL)
		event_debug(
		    ("%s: request %p has no URI", __func__, (void *)req));
	return req->uri_elems;
}

enum evhttp_cmd_type
evhttp_request_get_command(const struct evhttp_request *req)
{
	return req->type;
}

int
evhttp_request_get_response_code(const struct evhttp_request *req)
{
	return req->response_code;
}

const char *
evhttp_request_get_response_code_line(const struct evhttp_request *req)
{
	return req->response_code_line;
}

struct evkeyvalq *
evhttp_request_get_input_headers(struct evhttp_request *req)
{
	return req->input_headers;
}

struct evkeyvalq *
evhttp_request_get_output_headers(struct evhttp_request *req)
{
	return req->output_headers;
}

struct evbuffer *
evhttp_request_get_input_buffer(struct evhttp_request *req)
{
	return req->input_buffer;
}

struct evbuffer *
evhttp_request_get_output_buffer(struct evhttp_request *req)
{
	return req->output_buffer;
}

/*
 * The host of the request target when it has one, else the Host field
 * without a trailing ":port" (kept in host_cache), else NULL.
 */
const char *
evhttp_request_get_host(struct evhttp_request *req)
{
	const char *host = NULL, *p;
	size_t len;

	if (req->host_cache)
		return req->host_cache;
	if (req->uri_elems)
		host = evhttp_uri_get_host(req->uri_elems);
	if (host != NULL || req->input_headers == NULL)
		return host;
	if ((host = evhttp_find_header(req->input_headers, "Host")) == NULL)
		return NULL;
	len = strlen(host);
	p = host + len;
	while (p > host && EVUTIL_ISDIGIT_(p[-1]))
		--p;
	if (p > host && p[-1] == ':') {
		len = (size_t)(p - 1 - host);
		if ((req->host_cache = mm_malloc(len + 1)) == NULL)
			return NULL;
		memcpy(req->host_cache, host, len);
		req->host_cache[len] = '\0';
		return req->host_cache;
	}
	return host;
}

/* Whether a field named name holds token (comma-separated, any case). */
static int
headers_have_token(const struct evkeyvalq *headers, const char *name,
    const char *token)
{
	const struct evkeyval *kv;
	size_t tlen = strlen(token);

	TAILQ_FOREACH(kv, headers, next) {
		const char *p = kv->value;
		if (evutil_ascii_strcasecmp(kv->key, name) != 0)
			continue;
		while (*p) {
			const char *end;
			size_t n;
			while (*p == ' ' || *p == '\t' || *p == ',')
				++p;
			end = p;
			while (*end && *end != ',')
				++end;
			n = (size_t)(end - p);
			while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
				--n;
			if (n == tlen &&
			    evutil_ascii_strncasecmp(p, token, n) == 0)
				return 1;
			p = end;
		}
	}
	return 0;
}

int
evhttp_request_keeps_alive_(const struct evhttp_request *req)
{
	if (!(req->flags & EVHTTP_REQ_KEEPALIVE_))
		return 0;
	return !headers_have_token(req->output_headers, "Connection", "close");
}

/* The request being read or answered: the first queued one. */
static struct evhttp_request *
current_request(struct evhttp_connection *evcon)
{
	return TAILQ_FIRST(&evcon->requests);
}

/* ------------------------------------------------------------------ */
/* Connections.                                                        */

static void conn_readcb(struct bufferevent *bev, void *arg);
static void conn_writecb(struct bufferevent *bev, void *arg);
static void conn_eventcb(struct bufferevent *bev, short what, void *arg);
static void conn_timercb(evutil_socket_t fd, short what, void *arg);
static void deferred_read_cb(struct event_callback *cb, void *arg);
static void write_done_cb(struct event_callback *cb, void *arg);

struct evhttp_connection *
evhttp_connection_new_(struct event_base *base, struct evdns_base *dns_base,
    struct bufferevent *bev, evutil_socket_t fd, int flags)
{
	struct evhttp_connection *evcon;
	ev_uint8_t prio;
	int npri;

	if ((evcon = mm_calloc(1, sizeof(*evcon))) == NULL)
		goto err;
	if ((evcon->wbuf = evbuffer_new()) == NULL)
		goto err_evcon;
	if (bev == NULL) {
		bev = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE);
		if (bev == NULL)
			goto err_wbuf;
	} else if (fd >= 0) {
		bufferevent_setfd(bev, fd);
	}
	evcon->base = base;
	evcon->dns_base = dns_base;
	evcon->bufev = bev;
	evcon->flags = flags;
	TAILQ_INIT(&evcon->requests);
	evcon->state =
	    bufferevent_getfd(bev) >= 0 ? EVCON_IDLE : EVCON_DISCONNECTED;
	evcon->max_headers_size = -1;
	evcon->max_body_size = -1;
	evcon->timeout.tv_sec = -1;
	evcon->initial_retry_timeout.tv_sec = 2;
	evcon->ai_family = AF_UNSPEC;
	evtimer_assign(&evcon->timer, base, conn_timercb, evcon);
	npri = event_base_get_npriorities(base);
	prio = (ev_uint8_t)(npri > 0 ? npri / 2 : 0);
	event_deferred_cb_init_(&evcon->deferred_read, prio, deferred_read_cb,
	    evcon);
	event_deferred_cb_init_(&evcon->write_done_ev, prio, write_done_cb,
	    evcon);
	bufferevent_setcb(bev, conn_readcb, conn_writecb, conn_eventcb, evcon);
	return evcon;

err_wbuf:
	evbuffer_free(evcon->wbuf);
err_evcon:
	mm_free(evcon);
err:
	event_warn("%s: cannot allocate a connection", __func__);
	return NULL;
}

void
evhttp_connection_apply_timeout_(struct evhttp_connection *evcon)
{
	const struct timeval *tv =
	    evcon->timeout.tv_sec >= 0 ? &evcon->timeout : NULL;

	if (is_incoming(evcon)) {
		/* Reading is timed by evcon->timer: the head deadline must
		 * not move with each byte. */
		bufferevent_set_timeouts(evcon->bufev, NULL, tv);
	} else if (tv) {
		bufferevent_set_timeouts(evcon->bufev, tv, tv);
	} else {
		struct timeval def = { 50, 0 };
		bufferevent_set_timeouts(evcon->bufev, &def, &def);
	}
}

/* Arms the incoming timer for timeout from now (none when unset). */
static void
arm_timer(struct evhttp_connection *evcon, int seconds_fallback)
{
	struct timeval tv = evcon->timeout;

	if (tv.tv_sec < 0) {
		if (!seconds_fallback) {
			event_del(&evcon->timer);
			return;
		}
		tv.tv_sec = seconds_fallback;
		tv.tv_usec = 0;
	}
	event_add(&evcon->timer, &tv);
}

void
evhttp_connection_reset_(struct evhttp_connection *evcon)
{
	struct evhttp_request *req;
	evutil_socket_t fd = bufferevent_getfd(evcon->bufev);

	bufferevent_disable(evcon->bufev, EV_READ | EV_WRITE);
	if (fd >= 0) {
		bufferevent_setfd(evcon->bufev, -1);
		evutil_closesocket(fd);
	}
	evbuffer_drain(bufferevent_get_input(evcon->bufev),
	    evbuffer_get_length(bufferevent_get_input(evcon->bufev)));
	evbuffer_drain(bufferevent_get_output(evcon->bufev),
	    evbuffer_get_length(bufferevent_get_output(evcon->bufev)));
	evbuffer_drain(evcon->wbuf, evbuffer_get_length(evcon->wbuf));
	event_del(&evcon->timer);
	event_deferred_cb_cancel_(evcon->base, &evcon->deferred_read);
	event_deferred_cb_cancel_(evcon->base, &evcon->write_done_ev);
	evcon->write_done = NULL;
	evcon->write_done_arg = NULL;
	evcon->done_sync = 0;
	evcon->head_scanned = 0;
	evcon->chunk_left = 0;
	evcon->chunk_crlf = 0;
	evcon->peer_eof = 0;
	evcon->read_paused = 0;
	evcon->lingering = 0;
	/* A partly read response is read again from its start. */
	if ((req = current_request(evcon)) != NULL && !is_incoming(evcon)) {
		evhttp_clear_headers(req->input_headers);
		evbuffer_drain(req->input_buffer,
		    evbuffer_get_length(req->input_buffer));
		req->flags &= ~EVHTTP_REQ_HEAD_READ_;
		req->body_size = 0;
		req->headers_size = 0;
	}
	if (evcon->state != EVCON_DISCONNECTED) {
		evcon->state = EVCON_DISCONNECTED;
		if (evcon->closecb)
			evcon->closecb(evcon, evcon->closecb_arg);
	}
}

/* Frees evcon now, with the requests the library still owns. */
static void
conn_free(struct evhttp_connection *evcon)
{
	struct evhttp_request *req;
	evutil_socket_t fd;

	evcon->flags |= EVHTTP_CON_FREEING;
	if (evcon->flags & EVHTTP_CON_OUTGOING)
		evhttp_client_connection_gone_(evcon);
	while ((req = TAILQ_FIRST(&evcon->requests)) != NULL) {
		TAILQ_REMOVE(&evcon->requests, req, next);
		req->evcon = NULL;
		/* The server's callback has it and has not finished its
		 * reply: that reply (finding no connection) frees it. */
		if ((req->flags & EVHTTP_REQ_DISPATCHED_) && !req->userdone &&
		    !evcon->free_held)
			continue;
		if (!(req->flags & EVHTTP_USER_OWNED))
			evhttp_request_free_(req);
	}
	if (evcon->http_server)
		evhttp_server_connection_gone_(evcon);
	if (evcon->state != EVCON_DISCONNECTED && evcon->closecb) {
		evcon->state = EVCON_DISCONNECTED;
		evcon->closecb(evcon, evcon->closecb_arg);
	}
	event_del(&evcon->timer);
	event_deferred_cb_cancel_(evcon->base, &evcon->deferred_read);
	event_deferred_cb_cancel_(evcon->base, &evcon->write_done_ev);
	fd = bufferevent_getfd(evcon->bufev);
	if (fd >= 0 &&
	    !(BEV_UPCAST(evcon->bufev)->options & BEV_OPT_CLOSE_ON_FREE))
		evutil_closesocket(fd);
	bufferevent_free(evcon->bufev);
	evbuffer_free(evcon->wbuf);
	evhttp_request_free_(evcon->spare);
	mm_free(evcon->address);
	mm_free(evcon->bind_address);
	mm_free(evcon);
}

/*
 * Frees evcon now or, inside one of our frames, when the frame leaves.
 * held: a request the server's callback has and has not answered is
 * freed too (the application freed the connection itself); otherwise it
 * is detached and its reply, finding no connection, frees it.
 */
static void
conn_close(struct evhttp_connection *evcon, int held)
{
	if (evcon == NULL || (evcon->flags & EVHTTP_CON_FREEING))
		return;
	if (held)
		evcon->free_held = 1;
	if (evcon->busy) {
		evcon->free_pending = 1;
		bufferevent_disable(evcon->bufev, EV_READ);
		return;
	}
	conn_free(evcon);
}

void
evhttp_connection_free(struct evhttp_connection *evcon)
{
	conn_close(evcon, 1);
}

void
evhttp_connection_close_(struct evhttp_connection *evcon)
{
	conn_close(evcon, 0);
}

void
evhttp_connection_fail_(struct evhttp_connection *evcon,
    enum evhttp_request_error err)
{
	if (is_incoming(evcon)) {
		event_debug(("%s: closing incoming connection %p (%d)",
		    __func__, (void *)evcon, (int)err));
		evhttp_connection_close_(evcon);
		return;
	}
	evhttp_client_fail_(evcon, err);
}

void
evhttp_close_after_reply_(struct evhttp_connection *evcon)
{
	struct evhttp_request *req = current_request(evcon);

	if (req)
		req->flags &= ~EVHTTP_REQ_KEEPALIVE_;
	/* Nothing after a bad message is parsed. */
	evcon->peer_eof = 1;
	evbuffer_drain(bufferevent_get_input(evcon->bufev),
	    evbuffer_get_length(bufferevent_get_input(evcon->bufev)));
}

/* ------------------------------------------------------------------ */
/* Writing.                                                            */

void
evhttp_write_buffer_(struct evhttp_connection *evcon,
    void (*done)(struct evhttp_connection *, void *), void *arg)
{
	evcon->state = EVCON_WRITING;
	evcon->write_done = done;
	evcon->write_done_arg = arg;
	ensure_enabled(evcon->bufev, EV_WRITE);
	if (evbuffer_get_length(bufferevent_get_output(evcon->bufev)) == 0)
		event_deferred_cb_schedule_(evcon->base, &evcon->write_done_ev);
}

void
evhttp_send_buffer_(struct evhttp_connection *evcon, struct evbuffer *buf,
    void (*done)(struct evhttp_connection *, void *), void *arg)
{
	ensure_enabled(evcon->bufev, EV_WRITE);
	bufferevent_write_buffer_now_(evcon->bufev, buf);
	if (done == NULL)
		return;
	evcon->write_done = done;
	evcon->write_done_arg = arg;
	if (evbuffer_get_length(bufferevent_get_output(evcon->bufev)) != 0)
		return; /* conn_writecb completes it */
	if (evcon->busy)
		evcon->done_sync = 1;
	else
		event_deferred_cb_schedule_(evcon->base, &evcon->write_done_ev);
}

static void
write_done_cb(struct event_callback *cb, void *arg)
{
	struct evhttp_connection *evcon = arg;

	(void)cb;
	conn_enter(evcon);
	run_write_done(evcon);
	conn_leave(evcon);
}

static void
conn_writecb(struct bufferevent *bev, void *arg)
{
	struct evhttp_connection *evcon = arg;

	(void)bev;
	conn_enter(evcon);
	run_write_done(evcon);
	conn_leave(evcon);
}

/* ------------------------------------------------------------------ */
/* Reading.                                                            */

static int
add_field(void *arg, const char *name, size_t name_len, const char *value,
    size_t value_len)
{
	struct evhttp_request *req = arg;

	return evhttp_keyvalq_append_(req->input_headers, name, name_len, value,
	    value_len);
}

static char *
dup_n(const char *s, size_t n)
{
	char *p;

	if ((p = mm_malloc(n + 1)) == NULL)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

/*
 * The request could not be read: an incoming one is answered with
 * status (the connection closing after it), an outgoing one fails.
 */
static void
refuse(struct evhttp_connection *evcon, struct evhttp_request *req, int status,
    enum evhttp_request_error err)
{
	if (!is_incoming(evcon)) {
		evhttp_connection_fail_(evcon, err);
		return;
	}
	evhttp_close_after_reply_(evcon);
	evcon->state = EVCON_HANDLING;
	event_del(&evcon->timer);
	req->flags |= EVHTTP_REQ_DISPATCHED_;
	evhttp_send_error(req, status, NULL);
}

/* The head of an incoming request: 0 to read its body, else a status. */
static int
got_request_head(struct evhttp_connection *evcon, struct evhttp_request *req,
    const struct http_head_ *head)
{
	int status;

	req->kind = EVHTTP_REQUEST;
	req->type = (enum evhttp_cmd_type)head->method_bit;
	req->major = (char)head->major;
	req->minor = (char)head->minor;
	if (head->keep_alive)
		req->flags |= EVHTTP_REQ_KEEPALIVE_;
	if (head->method_bit == 0)
		return HTTP_NOTIMPLEMENTED;
	if ((req->uri = dup_n(head->target, head->target_len)) == NULL)
		return HTTP_INTERNAL;
	req->uri_elems = evhttp_uri_parse_target_(head->target,
	    head->target_len, head->method_bit == EVHTTP_REQ_CONNECT);
	if (req->uri_elems == NULL)
		return HTTP_BADREQUEST;
	/* RFC 9112 section 3.2: a 1.1 request without Host is refused. */
	if (head->minor >= 1 && head->host == NULL)
		return HTTP_BADREQUEST;
	if (head->expect_other)
		return HTTP_EXPECTATIONFAILED;
	if ((status = evhttp_server_check_head_(evcon, req)) != 0)
		return status;
	if (head->body == HTTP_BODY_LENGTH && evcon->max_body_size >= 0 &&
	    head->content_length > (ev_uint64_t)evcon->max_body_size)
		return HTTP_ENTITYTOOLARGE;
	return 0;
}

/* The head of the response to req: 0 or -1 (failed). */
static int
got_response_head(struct evhttp_connection *evcon, struct evhttp_request *req,
    const struct http_head_ *head)
{
	req->kind = EVHTTP_RESPONSE;
	req->response_code = head->status;
	req->major = (char)head->major;
	req->minor = (char)head->minor;
	mm_free(req->response_code_line);
	req->response_code_line = dup_n(head->reason, head->reason_len);
	if (req->response_code_line == NULL)
		return -1;
	if (head->keep_alive)
		req->flags |= EVHTTP_REQ_KEEPALIVE_;
	else
		req->flags &= ~EVHTTP_REQ_KEEPALIVE_;
	(void)evcon;
	return 0;
}

/* Sends "100 Continue" when the body is wanted and not there yet. */
static void
maybe_continue(struct evhttp_connection *evcon, const struct http_head_ *head)
{
	if (!head->expect_continue || head->body == HTTP_BODY_NONE ||
	    (head->body == HTTP_BODY_LENGTH && head->content_length == 0) ||
	    evbuffer_get_length(bufferevent_get_input(evcon->bufev)) != 0)
		return;
	evbuffer_add(evcon->wbuf, "HTTP/1.1 100 Continue\r\n\r\n", 25);
	evhttp_send_buffer_(evcon, evcon->wbuf, NULL, NULL);
}

/* Reads the head: 1 read, 0 more needed, -1 the message failed. */
static int
read_head(struct evhttp_connection *evcon, struct evhttp_request *req)
{
	struct evbuffer *input = bufferevent_get_input(evcon->bufev);
	size_t avail = evbuffer_get_length(input), n = avail, len;
	size_t limit = evcon->max_headers_size < 0
	    ? EV_SIZE_MAX
	    : (size_t)evcon->max_headers_size;
	struct http_head_ head;
	const char *buf;
	int r, status;

	if (limit != EV_SIZE_MAX && n > limit + 1)
		n = limit + 1;
	if ((buf = (const char *)evbuffer_pullup(input, (ev_ssize_t)n)) ==
	    NULL) {
		refuse(evcon, req, HTTP_INTERNAL, EVREQ_HTTP_BUFFER_ERROR);
		return -1;
	}
	len = http_head_length_(buf, n, &evcon->head_scanned);
	if (len == 0 && n <= limit)
		return 0;
	if (len == 0 || len > limit) {
		refuse(evcon, req, 431, EVREQ_HTTP_DATA_TOO_LONG);
		return -1;
	}
	memset(&head, 0, sizeof(head));
	if (is_incoming(evcon))
		r = http_parse_request_head_(buf, len, &head, add_field, req);
	else
		r = http_parse_response_head_(buf, len, (int)req->type, &head,
		    add_field, req);
	evcon->head_scanned = 0;
	if (r != HTTP_PARSE_OK) {
		event_debug(("%s: bad head: %s", __func__,
		    head.err_why ? head.err_why : "?"));
		if (head.major == 1 && head.minor == 0)
			req->minor = 0;
		refuse(evcon, req, head.err_status ? head.err_status : 400,
		    EVREQ_HTTP_INVALID_HEADER);
		return -1;
	}
	req->headers_size = len;
	if (is_incoming(evcon)) {
		status = got_request_head(evcon, req, &head);
		evbuffer_drain(input, len);
		if (status != 0) {
			refuse(evcon, req, status, EVREQ_HTTP_INVALID_HEADER);
			return -1;
		}
	} else {
		if (head.status >= 100 && head.status < 200 &&
		    head.status != 101) {
			/* An interim response: the real one follows. */
			evbuffer_drain(input, len);
			evhttp_clear_headers(req->input_headers);
			return 0;
		}
		/* The head's strings point into the input: copy first. */
		r = got_response_head(evcon, req, &head);
		evbuffer_drain(input, len);
		if (r < 0) {
			refuse(evcon, req, 0, EVREQ_HTTP_BUFFER_ERROR);
			return -1;
		}
	}
	req->flags |= EVHTTP_REQ_HEAD_READ_;
	req->chunked = 0;
	req->body_size = 0;
	evcon->chunk_left = 0;
	evcon->chunk_crlf = 0;
	switch (head.body) {
	case HTTP_BODY_NONE:
		req->ntoread = 0;
		break;
	case HTTP_BODY_LENGTH:
		req->ntoread = (ev_int64_t)head.content_length;
		if (!is_incoming(evcon) && evcon->max_body_size >= 0 &&
		    head.content_length > (ev_uint64_t)evcon->max_body_size) {
			refuse(evcon, req, 0, EVREQ_HTTP_DATA_TOO_LONG);
			return -1;
		}
		break;
	case HTTP_BODY_CHUNKED:
		req->chunked = 1;
		req->ntoread = -1;
		break;
	case HTTP_BODY_UNTIL_CLOSE:
		req->ntoread = -1;
		break;
	}
	evcon->state = EVCON_READING_BODY;
	if (is_incoming(evcon))
		maybe_continue(evcon, &head);
	if (!is_incoming(evcon) && req->header_cb) {
		req->flags |= EVHTTP_REQ_DEFER_FREE;
		r = req->header_cb(req, req->cb_arg);
		req->flags &= ~EVHTTP_REQ_DEFER_FREE;
		if (r < 0 || (req->flags & EVHTTP_REQ_NEEDS_FREE)) {
			/* libevent reports a refusal as EOF, a cancel
			 * as a cancel. */
			evhttp_connection_fail_(evcon,
			    (req->flags & EVHTTP_REQ_NEEDS_FREE)
			        ? EVREQ_HTTP_REQUEST_CANCEL
			        : EVREQ_HTTP_EOF);
			return -1;
		}
	}
	return 1;
}

/* Hands body bytes to a chunked callback: -1 when that cancelled. */
static int
stream_body(struct evhttp_connection *evcon, struct evhttp_request *req)
{
	if (req->chunk_cb == NULL ||
	    evbuffer_get_length(req->input_buffer) == 0)
		return 0;
	req->flags |= EVHTTP_REQ_DEFER_FREE;
	req->chunk_cb(req, req->cb_arg);
	evbuffer_drain(req->input_buffer,
	    evbuffer_get_length(req->input_buffer));
	req->flags &= ~EVHTTP_REQ_DEFER_FREE;
	if (req->flags & EVHTTP_REQ_NEEDS_FREE) {
		/* evhttp_client_fail_ frees a request so marked, silently. */
		evhttp_connection_fail_(evcon, EVREQ_HTTP_REQUEST_CANCEL);
		return -1;
	}
	return evcon->free_pending ? -1 : 0;
}

/* Whether n more body bytes pass max_body_size; refuses if not. */
static int
body_fits(struct evhttp_connection *evcon, struct evhttp_request *req,
    ev_uint64_t n)
{
	if (evcon->max_body_size < 0 ||
	    req->body_size + n <= (ev_uint64_t)evcon->max_body_size)
		return 1;
	refuse(evcon, req, HTTP_ENTITYTOOLARGE, EVREQ_HTTP_DATA_TOO_LONG);
	return 0;
}

/* Moves up to want bytes of body; returns how many. */
static size_t
take_body(struct evhttp_connection *evcon, struct evhttp_request *req,
    ev_uint64_t want)
{
	struct evbuffer *input = bufferevent_get_input(evcon->bufev);
	size_t n = evbuffer_get_length(input);

	if ((ev_uint64_t)n > want)
		n = (size_t)want;
	if (n == 0)
		return 0;
	evbuffer_remove_buffer(input, req->input_buffer, n);
	req->body_size += n;
	return n;
}

/* A line of chunked framing, without its end: its length in *len and
 * the end's in *eol_len; 0 when incomplete, -1 when too long. */
static int
framing_line(struct evhttp_connection *evcon, const char **line, size_t *len,
    size_t *eol_len, size_t max)
{
	struct evbuffer *input = bufferevent_get_input(evcon->bufev);
	struct evbuffer_ptr p;

	p = evbuffer_search_eol(input, NULL, eol_len, EVBUFFER_EOL_CRLF);
	if (p.pos < 0)
		return evbuffer_get_length(input) > max ? -1 : 0;
	if ((size_t)p.pos > max)
		return -1;
	*len = (size_t)p.pos;
	*line =
	    (const char *)evbuffer_pullup(input, p.pos + (ev_ssize_t)*eol_len);
	return *line ? 1 : -1;
}

/* Reads chunked framing and data: 1 done, 0 more needed, -1 failed. */
static int
read_chunks(struct evhttp_connection *evcon, struct evhttp_request *req)
{
	struct evbuffer *input = bufferevent_get_input(evcon->bufev);
	const char *line;
	size_t len, eol;
	ev_uint64_t size;
	int r;

	for (;;) {
		if (evcon->chunk_left > 0) {
			evcon->chunk_left -=
			    take_body(evcon, req, evcon->chunk_left);
			if (stream_body(evcon, req) < 0)
				return -1;
			if (evcon->chunk_left > 0)
				return 0;
			evcon->chunk_crlf = 1;
		}
		if (evcon->chunk_crlf) {
			unsigned char *p;
			size_t avail = evbuffer_get_length(input);
			if (avail == 0)
				return 0;
			p = evbuffer_pullup(input, avail < 2 ? 1 : 2);
			if (p[0] != '\r' || (avail >= 2 && p[1] != '\n'))
				goto bad;
			if (avail < 2)
				return 0;
			evbuffer_drain(input, 2);
			evcon->chunk_crlf = 0;
		}
		r = framing_line(evcon, &line, &len, &eol, CHUNK_LINE_MAX);
		if (r <= 0) {
			if (r < 0)
				goto bad;
			return 0;
		}
		if (http_parse_chunk_size_(line, len, &size) != HTTP_PARSE_OK)
			goto bad;
		evbuffer_drain(input, len + eol);
		if (size == 0) {
			evcon->state = EVCON_READING_TRAILER;
			return 1;
		}
		if (!body_fits(evcon, req, size))
			return -1;
		evcon->chunk_left = size;
	}
bad:
	refuse(evcon, req, HTTP_BADREQUEST, EVREQ_HTTP_INVALID_HEADER);
	return -1;
}

/* Reads a chunked message's trailer: 1 done, 0 more, -1 failed. */
static int
read_trailer(struct evhttp_connection *evcon, struct evhttp_request *req)
{
	struct evbuffer *input = bufferevent_get_input(evcon->bufev);
	size_t limit = evcon->max_headers_size < 0
	    ? EV_SIZE_MAX
	    : (size_t)evcon->max_headers_size;
	const char *line;
	size_t len, eol;
	int r;

	for (;;) {
		size_t room =
		    limit > req->headers_size ? limit - req->headers_size : 0;
		r = framing_line(evcon, &line, &len, &eol, room);
		if (r == 0)
			return 0;
		if (r < 0) {
			refuse(evcon, req, 431, EVREQ_HTTP_DATA_TOO_LONG);
			return -1;
		}
		if (len == 0) {
			evbuffer_drain(input, eol);
			return 1;
		}
		if (http_parse_field_line_(line, len, add_field, req) !=
		    HTTP_PARSE_OK) {
			refuse(evcon, req, HTTP_BADREQUEST,
			    EVREQ_HTTP_INVALID_HEADER);
			return -1;
		}
		req->headers_size += len + eol;
		evbuffer_drain(input, len + eol);
	}
}

/* Reads the body: 1 complete, 0 more needed, -1 the message failed. */
static int
read_body(struct evhttp_connection *evcon, struct evhttp_request *req)
{
	if (evcon->state == EVCON_READING_TRAILER)
		return read_trailer(evcon, req);
	if (req->chunked) {
		int r = read_chunks(evcon, req);
		if (r <= 0)
			return r;
		return read_trailer(evcon, req);
	}
	if (req->ntoread < 0) {
		/* Up to the end of the connection (responses only). */
		size_t n =
		    evbuffer_get_length(bufferevent_get_input(evcon->bufev));
		if (!body_fits(evcon, req, n))
			return -1;
		take_body(evcon, req, n);
		if (stream_body(evcon, req) < 0)
			return -1;
		return evcon->peer_eof ? 1 : 0;
	}
	req->ntoread -=
	    (ev_int64_t)take_body(evcon, req, (ev_uint64_t)req->ntoread);
	if (stream_body(evcon, req) < 0)
		return -1;
	return req->ntoread == 0 ? 1 : 0;
}

/* A whole message is read: hand it on. */
static void
message_read(struct evhttp_connection *evcon, struct evhttp_request *req)
{
	req->flags &= ~EVHTTP_REQ_HEAD_READ_;
	if (is_incoming(evcon)) {
		evcon->state = EVCON_HANDLING;
		event_del(&evcon->timer);
		req->flags |= EVHTTP_REQ_DISPATCHED_;
		evhttp_server_got_request_(evcon, req);
	} else {
		evcon->state = EVCON_IDLE;
		evhttp_client_got_response_(evcon, req);
	}
}

/*
 * Parses what the input holds, up to one complete message; the caller
 * (conn_leave) calls again while it makes progress.
 */
static void
pump(struct evhttp_connection *evcon)
{
	struct evbuffer *input = bufferevent_get_input(evcon->bufev);
	struct evhttp_request *req;
	int r;

	if (evcon->lingering) {
		evbuffer_drain(input, evbuffer_get_length(input));
		return;
	}
	switch (evcon->state) {
	case EVCON_IDLE:
		if (!is_incoming(evcon) || evbuffer_get_length(input) == 0)
			return;
		if ((req = evcon->spare) != NULL)
			evcon->spare = NULL;
		else if ((req = evhttp_request_new(NULL, NULL)) == NULL) {
			evhttp_connection_fail_(evcon, EVREQ_HTTP_BUFFER_ERROR);
			return;
		}
		req->evcon = evcon;
		req->kind = EVHTTP_REQUEST;
		/* A file added to the reply goes out with sendfile. */
		if (BEV_IS_SOCKET(evcon->bufev))
			evbuffer_set_flags(req->output_buffer,
			    EVBUFFER_FLAG_DRAINS_TO_FD);
		if (evcon->address && req->remote_host == NULL)
			req->remote_host = mm_strdup(evcon->address);
		req->remote_port = evcon->port;
		TAILQ_INSERT_TAIL(&evcon->requests, req, next);
		evcon->state = EVCON_READING_HEAD;
		evcon->head_scanned = 0;
		/* The head deadline: counted from its first byte. */
		arm_timer(evcon, 0);
		return;
	case EVCON_READING_HEAD:
		if ((req = current_request(evcon)) == NULL)
			return;
		if (read_head(evcon, req) <= 0)
			return;
		if (evcon->state != EVCON_READING_BODY)
			return;
		if (is_incoming(evcon))
			arm_timer(evcon, 0);
		/* fall through */
	case EVCON_READING_BODY:
	case EVCON_READING_TRAILER:
		if ((req = current_request(evcon)) == NULL)
			return;
		r = read_body(evcon, req);
		if (r > 0)
			message_read(evcon, req);
		return;
	default:
		return;
	}
}

void
evhttp_start_read_(struct evhttp_connection *evcon)
{
	if (is_incoming(evcon))
		evcon->state = EVCON_IDLE;
	else
		evcon->state = EVCON_READING_HEAD;
	evcon->head_scanned = 0;
	evcon->read_paused = 0;
	if (!evcon->peer_eof)
		ensure_enabled(evcon->bufev, EV_READ);
	if (is_incoming(evcon) &&
	    evbuffer_get_length(bufferevent_get_input(evcon->bufev)) == 0)
		arm_timer(evcon, 0); /* the idle timeout */
	/* Input already here is parsed from the loop, never from this
	 * caller's frame. */
	if (evbuffer_get_length(bufferevent_get_input(evcon->bufev)) &&
	    !evcon->busy)
		event_deferred_cb_schedule_(evcon->base, &evcon->deferred_read);
}

static void
deferred_read_cb(struct event_callback *cb, void *arg)
{
	struct evhttp_connection *evcon = arg;

	(void)cb;
	conn_enter(evcon);
	conn_leave(evcon);
}

static void
conn_readcb(struct bufferevent *bev, void *arg)
{
	struct evhttp_connection *evcon = arg;
	struct evbuffer *input = bufferevent_get_input(bev);

	conn_enter(evcon);
	switch (evcon->state) {
	case EVCON_HANDLING:
	case EVCON_WRITING:
		/* Pipelined: parsed after the reply; bounded meanwhile. */
		if (is_incoming(evcon) &&
		    evbuffer_get_length(input) > PIPELINE_INPUT_MAX) {
			evcon->read_paused = 1;
			bufferevent_disable(bev, EV_READ);
		}
		break;
	case EVCON_READING_BODY:
	case EVCON_READING_TRAILER:
		if (is_incoming(evcon))
			arm_timer(evcon, 0);
		break;
	case EVCON_IDLE:
		if (!is_incoming(evcon) && !evcon->lingering) {
			/* Nothing is expected between responses. */
			evbuffer_drain(input, evbuffer_get_length(input));
			evhttp_connection_fail_(evcon, EVREQ_HTTP_EOF);
		}
		break;
	default:
		break;
	}
	conn_leave(evcon);
}

/* Whether an incoming connection has a message partly read. */
static int
reading_message(const struct evhttp_connection *evcon)
{
	return evcon->state == EVCON_READING_HEAD ||
	    evcon->state == EVCON_READING_BODY ||
	    evcon->state == EVCON_READING_TRAILER;
}

static void
conn_eventcb(struct bufferevent *bev, short what, void *arg)
{
	struct evhttp_connection *evcon = arg;
	struct evhttp_request *req;

	(void)bev;
	conn_enter(evcon);
	if (evcon->state == EVCON_CONNECTING) {
		evhttp_client_connect_event_(evcon, what);
		goto done;
	}
	/* A TLS bufferevent's handshake finished on an accepted connection:
	 * nothing to do (libevent ignores it too). */
	if (what == BEV_EVENT_CONNECTED)
		goto done;
	if (evcon->lingering) {
		evhttp_connection_close_(evcon);
		goto done;
	}
	if ((what & BEV_EVENT_EOF) && (what & BEV_EVENT_READING)) {
		evcon->peer_eof = 1;
		if (is_incoming(evcon)) {
			/* A request may still be answered (the client only
			 * closed its side); a partial one never will be. */
			if (evcon->state == EVCON_IDLE ||
			    reading_message(evcon))
				evhttp_connection_close_(evcon);
			goto done;
		}
		req = current_request(evcon);
		if (evcon->state == EVCON_READING_BODY && req &&
		    !req->chunked && req->ntoread < 0) {
			message_read(evcon, req);
			goto done;
		}
		/* Idle: the client drops it (or frees it, if so set). */
		evhttp_connection_fail_(evcon, EVREQ_HTTP_EOF);
		goto done;
	}
	if (what & BEV_EVENT_TIMEOUT) {
		evhttp_connection_fail_(evcon, EVREQ_HTTP_TIMEOUT);
		goto done;
	}
	if (is_incoming(evcon) || evcon->state == EVCON_IDLE) {
		if (is_incoming(evcon))
			evhttp_connection_close_(evcon);
		else
			evhttp_connection_fail_(evcon, EVREQ_HTTP_EOF);
		goto done;
	}
	evhttp_connection_fail_(evcon,
	    (what & BEV_EVENT_WRITING) ? EVREQ_HTTP_BUFFER_ERROR
	                               : EVREQ_HTTP_EOF);
done:
	conn_leave(evcon);
}

static void
conn_timercb(evutil_socket_t fd, short what, void *arg)
{
	struct evhttp_connection *evcon = arg;

	(void)fd;
	(void)what;
	conn_enter(evcon);
	event_debug(("%s: connection %p timed out", __func__, (void *)evcon));
	evhttp_connection_close_(evcon);
	conn_leave(evcon);
}

/* ------------------------------------------------------------------ */
/* The end of a reply.                                                 */

/* Closes an incoming connection after its last reply: at once, or after
 * the peer has closed its side (a lingering close keeps reading so that
 * the reply is not lost to a reset). */
static void
close_incoming(struct evhttp_connection *evcon)
{
	evutil_socket_t fd = bufferevent_getfd(evcon->bufev);

	if (!(evcon->flags & EVHTTP_CON_LINGERING_CLOSE) || fd < 0 ||
	    evcon->lingering) {
		evhttp_connection_close_(evcon);
		return;
	}
	evcon->lingering = 1;
	evcon->state = EVCON_IDLE;
	shutdown(fd, SHUT_WR);
	evbuffer_drain(bufferevent_get_input(evcon->bufev),
	    evbuffer_get_length(bufferevent_get_input(evcon->bufev)));
	bufferevent_enable(evcon->bufev, EV_READ);
	arm_timer(evcon, LINGER_SECONDS);
}

void
evhttp_reply_written_(struct evhttp_connection *evcon, void *arg)
{
	struct evhttp_request *req = arg;
	int keep = evhttp_request_keeps_alive_(req);

	if (req->evcon == evcon)
		TAILQ_REMOVE(&evcon->requests, req, next);
	req->evcon = NULL;
	req->userdone = 1;
	if (req->on_complete_cb)
		req->on_complete_cb(req, req->on_complete_cb_arg);
	if (!(req->flags & EVHTTP_USER_OWNED))
		keep_spare(evcon, req);
	if (evcon->free_pending)
		return;
	if (!keep ||
	    (evcon->peer_eof &&
	        evbuffer_get_length(bufferevent_get_input(evcon->bufev)) ==
	            0)) {
		close_incoming(evcon);
		return;
	}
	evhttp_start_read_(evcon);
}
