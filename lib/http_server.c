/*
 * http_server.c: struct evhttp -- bound sockets and accepting, the
 * callbacks by path, virtual hosts and aliases, the limits given to each
 * connection -- and the replies.
 *
 * A reply's head is put together in the connection's wbuf, the body's
 * chains are moved behind it, and evhttp_send_buffer_ sends both with
 * one writev when the socket takes them.  The Date field is formatted
 * once per second.  A streamed reply is chunked for HTTP/1.1 and
 * delimited by the end of the connection for 1.0.
 */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/http_struct.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <event2/util.h>

#include "bufferevent-internal.h"
#include "http-internal.h"
#include "http-parse-internal.h"
#include "log-internal.h"
#include "mm-internal.h"
#include "util-internal.h"

#define DEFAULT_CONTENT_TYPE "text/html; charset=ISO-8859-1"

struct evhttp_cb {
	TAILQ_ENTRY(evhttp_cb) next;
	char *what;
	void (*cb)(struct evhttp_request *, void *);
	void *cbarg;
};

struct evhttp_server_alias {
	TAILQ_ENTRY(evhttp_server_alias) next;
	char *alias;
};

struct evhttp_bound_socket {
	TAILQ_ENTRY(evhttp_bound_socket) next;
	struct evconnlistener *listener;
	struct evhttp *http;
};

TAILQ_HEAD(evhttp_connq_, evhttp_connection);

struct evhttp {
	TAILQ_ENTRY(evhttp) next_vhost;
	TAILQ_HEAD(, evhttp_bound_socket) sockets;
	TAILQ_HEAD(, evhttp_cb) callbacks;
	struct evhttp_connq_ connections;
	TAILQ_HEAD(, evhttp) vhosts;
	char *vhost_pattern; /* set while it is another's virtual host */
	TAILQ_HEAD(, evhttp_server_alias) aliases;

	struct timeval timeout; /* tv_sec -1: none */
	ev_ssize_t max_headers_size;
	ev_ssize_t max_body_size;
	char *default_content_type;
	ev_uint16_t allowed_methods;
	int flags;
	unsigned host_optional : 1; /* evhttp_server_allow_no_host_ */

	void (*gencb)(struct evhttp_request *, void *);
	void *gencbarg;
	struct bufferevent *(*bevcb)(struct event_base *, void *);
	void *bevcbarg;

	struct event_base *base;

	/* The Date field of the current second, as a whole line. */
	time_t date_sec;
	char date_line[48];
	size_t date_line_len;
};

/* ------------------------------------------------------------------ */
/* The server object.                                                  */

struct evhttp *
evhttp_new(struct event_base *base)
{
	struct evhttp *http;

	if ((http = mm_calloc(1, sizeof(*http))) == NULL)
		goto err;
	if ((http->default_content_type = mm_strdup(DEFAULT_CONTENT_TYPE)) ==
	    NULL)
		goto err_http;
	TAILQ_INIT(&http->sockets);
	TAILQ_INIT(&http->callbacks);
	TAILQ_INIT(&http->connections);
	TAILQ_INIT(&http->vhosts);
	TAILQ_INIT(&http->aliases);
	http->timeout.tv_sec = -1;
	http->max_headers_size = -1;
	http->max_body_size = -1;
	http->allowed_methods = EVHTTP_REQ_GET | EVHTTP_REQ_POST |
	    EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE;
	http->base = base;
	http->date_sec = -1;
	return http;

err_http:
	mm_free(http);
err:
	event_warn("%s: cannot allocate a server", __func__);
	return NULL;
}

void
evhttp_free(struct evhttp *http)
{
	struct evhttp_bound_socket *bound;
	struct evhttp_connection *evcon;
	struct evhttp_cb *cb;
	struct evhttp *vhost;
	struct evhttp_server_alias *alias;

	if (http == NULL)
		return;
	while ((bound = TAILQ_FIRST(&http->sockets)) != NULL)
		evhttp_del_accept_socket(http, bound);
	/* Open connections close; a request the application still holds
	 * is freed when it replies. */
	while ((evcon = TAILQ_FIRST(&http->connections)) != NULL) {
		TAILQ_REMOVE(&http->connections, evcon, next);
		evcon->http_server = NULL;
		evhttp_connection_close_(evcon);
	}
	while ((cb = TAILQ_FIRST(&http->callbacks)) != NULL) {
		TAILQ_REMOVE(&http->callbacks, cb, next);
		mm_free(cb->what);
		mm_free(cb);
	}
	while ((vhost = TAILQ_FIRST(&http->vhosts)) != NULL) {
		TAILQ_REMOVE(&http->vhosts, vhost, next_vhost);
		mm_free(vhost->vhost_pattern);
		vhost->vhost_pattern = NULL;
		evhttp_free(vhost);
	}
	while ((alias = TAILQ_FIRST(&http->aliases)) != NULL) {
		TAILQ_REMOVE(&http->aliases, alias, next);
		mm_free(alias->alias);
		mm_free(alias);
	}
	mm_free(http->vhost_pattern);
	mm_free(http->default_content_type);
	mm_free(http);
}

void
evhttp_set_max_headers_size(struct evhttp *http, ev_ssize_t max_headers_size)
{
	http->max_headers_size = max_headers_size < 0 ? -1 : max_headers_size;
}

void
evhttp_set_max_body_size(struct evhttp *http, ev_ssize_t max_body_size)
{
	http->max_body_size = max_body_size < 0 ? -1 : max_body_size;
}

void
evhttp_set_default_content_type(struct evhttp *http, const char *content_type)
{
	char *copy = NULL;

	if (content_type && (copy = mm_strdup(content_type)) == NULL) {
		event_warn("%s: cannot copy the content type", __func__);
		return;
	}
	mm_free(http->default_content_type);
	http->default_content_type = copy;
}

void
evhttp_set_allowed_methods(struct evhttp *http, ev_uint16_t methods)
{
	http->allowed_methods = methods;
}

void
evhttp_set_timeout(struct evhttp *http, int timeout_in_secs)
{
	if (timeout_in_secs < 0) {
		http->timeout.tv_sec = -1;
		http->timeout.tv_usec = 0;
		return;
	}
	http->timeout.tv_sec = timeout_in_secs;
	http->timeout.tv_usec = 0;
}

void
evhttp_set_timeout_tv(struct evhttp *http, const struct timeval *tv)
{
	if (tv == NULL || tv->tv_sec < 0) {
		http->timeout.tv_sec = -1;
		http->timeout.tv_usec = 0;
		return;
	}
	http->timeout = *tv;
}

int
evhttp_set_flags(struct evhttp *http, int flags)
{
	/* 1 for an unknown flag, as libevent 2.1 answers. */
	if (flags & ~EVHTTP_SERVER_LINGERING_CLOSE)
		return 1;
	http->flags = flags;
	return 0;
}

void
evhttp_server_allow_no_host_(struct evhttp *http)
{
	http->host_optional = 1;
}

int
evhttp_server_host_optional_(const struct evhttp_connection *evcon)
{
	return evcon->http_server != NULL && evcon->http_server->host_optional;
}

int
evhttp_set_cb(struct evhttp *http, const char *path,
    void (*cb)(struct evhttp_request *, void *), void *cbarg)
{
	struct evhttp_cb *c;

	TAILQ_FOREACH(c, &http->callbacks, next) {
		if (strcmp(c->what, path) == 0)
			return -1;
	}
	if ((c = mm_calloc(1, sizeof(*c))) == NULL)
		goto err;
	if ((c->what = mm_strdup(path)) == NULL)
		goto err_c;
	c->cb = cb;
	c->cbarg = cbarg;
	TAILQ_INSERT_TAIL(&http->callbacks, c, next);
	return 0;

err_c:
	mm_free(c);
err:
	event_warn("%s: cannot add a callback", __func__);
	return -2;
}

int
evhttp_del_cb(struct evhttp *http, const char *path)
{
	struct evhttp_cb *c;

	TAILQ_FOREACH(c, &http->callbacks, next) {
		if (strcmp(c->what, path) == 0) {
			TAILQ_REMOVE(&http->callbacks, c, next);
			mm_free(c->what);
			mm_free(c);
			return 0;
		}
	}
	return -1;
}

void
evhttp_set_gencb(struct evhttp *http,
    void (*cb)(struct evhttp_request *, void *), void *arg)
{
	http->gencb = cb;
	http->gencbarg = arg;
}

void
evhttp_set_bevcb(struct evhttp *http,
    struct bufferevent *(*cb)(struct event_base *, void *), void *arg)
{
	http->bevcb = cb;
	http->bevcbarg = arg;
}

/* ------------------------------------------------------------------ */
/* Virtual hosts.                                                      */

int
evhttp_add_virtual_host(struct evhttp *http, const char *pattern,
    struct evhttp *vhost)
{
	/* A virtual host has one parent and no sockets of its own. */
	if (vhost->vhost_pattern != NULL || !TAILQ_EMPTY(&vhost->sockets) ||
	    vhost == http)
		return -1;
	if ((vhost->vhost_pattern = mm_strdup(pattern)) == NULL)
		return -1;
	TAILQ_INSERT_TAIL(&http->vhosts, vhost, next_vhost);
	return 0;
}

int
evhttp_remove_virtual_host(struct evhttp *http, struct evhttp *vhost)
{
	if (vhost->vhost_pattern == NULL)
		return -1;
	TAILQ_REMOVE(&http->vhosts, vhost, next_vhost);
	mm_free(vhost->vhost_pattern);
	vhost->vhost_pattern = NULL;
	return 0;
}

int
evhttp_add_server_alias(struct evhttp *http, const char *alias)
{
	struct evhttp_server_alias *a;

	if ((a = mm_calloc(1, sizeof(*a))) == NULL)
		return -1;
	if ((a->alias = mm_strdup(alias)) == NULL) {
		mm_free(a);
		return -1;
	}
	TAILQ_INSERT_TAIL(&http->aliases, a, next);
	return 0;
}

int
evhttp_remove_server_alias(struct evhttp *http, const char *alias)
{
	struct evhttp_server_alias *a;

	TAILQ_FOREACH(a, &http->aliases, next) {
		if (evutil_ascii_strcasecmp(a->alias, alias) == 0) {
			TAILQ_REMOVE(&http->aliases, a, next);
			mm_free(a->alias);
			mm_free(a);
			return 0;
		}
	}
	return -1;
}

/*
 * Whether name matches pattern, where '*' stands for any run of
 * characters, ignoring case.  Greedy with one backtrack point, so linear
 * in practice and never exponential.
 */
static int
wildcard_match(const char *pattern, const char *name)
{
	const char *star = NULL, *retry = NULL;

	while (*name) {
		if (*pattern == '*') {
			star = ++pattern;
			retry = name;
		} else if (*pattern &&
		    EVUTIL_TOLOWER_(*pattern) == EVUTIL_TOLOWER_(*name)) {
			++pattern;
			++name;
		} else if (star) {
			pattern = star;
			name = ++retry;
		} else {
			return 0;
		}
	}
	while (*pattern == '*')
		++pattern;
	return *pattern == '\0';
}

static int
has_alias(const struct evhttp *http, const char *host)
{
	const struct evhttp_server_alias *a;

	TAILQ_FOREACH(a, &http->aliases, next) {
		if (evutil_ascii_strcasecmp(a->alias, host) == 0)
			return 1;
	}
	return 0;
}

/* The server (http itself or one of its virtual hosts) for host. */
static struct evhttp *
find_vhost(struct evhttp *http, const char *host)
{
	struct evhttp *vhost;

	if (host == NULL || has_alias(http, host))
		return http;
	TAILQ_FOREACH(vhost, &http->vhosts, next_vhost) {
		if (has_alias(vhost, host) ||
		    wildcard_match(vhost->vhost_pattern, host))
			return vhost;
	}
	return http;
}

/* ------------------------------------------------------------------ */
/* Sockets.                                                            */

static void
accept_cb(struct evconnlistener *listener, evutil_socket_t fd,
    struct sockaddr *sa, int socklen, void *arg)
{
	struct evhttp_bound_socket *bound = arg;
	struct evhttp *http = bound->http;
	struct evhttp_connection *evcon;
	struct bufferevent *bev = NULL;
	char addr[INET6_ADDRSTRLEN + 1] = "";
	ev_uint16_t port = 0;

	(void)listener;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const void *)sa;
		evutil_inet_ntop(AF_INET, &sin->sin_addr, addr, sizeof(addr));
		port = ntohs(sin->sin_port);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const void *)sa;
		evutil_inet_ntop(AF_INET6, &sin6->sin6_addr, addr,
		    sizeof(addr));
		port = ntohs(sin6->sin6_port);
	}
	if (http->bevcb)
		bev = http->bevcb(http->base, http->bevcbarg);
	evcon = evhttp_connection_new_(http->base, NULL, bev, fd,
	    EVHTTP_CON_INCOMING);
	if (evcon == NULL) {
		if (bev)
			bufferevent_free(bev);
		evutil_closesocket(fd);
		return;
	}
	if ((evcon->address = mm_strdup(addr)) == NULL) {
		evhttp_connection_free(evcon);
		return;
	}
	evcon->port = port;
	if ((size_t)socklen <= sizeof(evcon->peer_sa)) {
		memcpy(&evcon->peer_sa, sa, (size_t)socklen);
		evcon->peer_salen = (ev_socklen_t)socklen;
	}
	evcon->http_server = http;
	evcon->max_headers_size = http->max_headers_size;
	evcon->max_body_size = http->max_body_size;
	evcon->timeout = http->timeout;
	if (http->flags & EVHTTP_SERVER_LINGERING_CLOSE)
		evcon->flags |= EVHTTP_CON_LINGERING_CLOSE;
	/* Files added to a reply may go out with sendfile. */
	if (BEV_IS_SOCKET(evcon->bufev))
		evbuffer_set_flags(evcon->wbuf, EVBUFFER_FLAG_DRAINS_TO_FD);
	evhttp_connection_apply_timeout_(evcon);
	TAILQ_INSERT_TAIL(&http->connections, evcon, next);
	evhttp_start_read_(evcon);
}

struct evhttp_bound_socket *
evhttp_bind_listener(struct evhttp *http, struct evconnlistener *listener)
{
	struct evhttp_bound_socket *bound;

	if ((bound = mm_calloc(1, sizeof(*bound))) == NULL)
		return NULL;
	bound->listener = listener;
	bound->http = http;
	TAILQ_INSERT_TAIL(&http->sockets, bound, next);
	evconnlistener_set_cb(listener, accept_cb, bound);
	return bound;
}

struct evhttp_bound_socket *
evhttp_accept_socket_with_handle(struct evhttp *http, evutil_socket_t fd)
{
	struct evconnlistener *listener;
	struct evhttp_bound_socket *bound;

	listener = evconnlistener_new(http->base, NULL, NULL,
	    LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_FREE, SOMAXCONN, fd);
	if (listener == NULL)
		return NULL;
	if ((bound = evhttp_bind_listener(http, listener)) == NULL) {
		/* The caller keeps its socket. */
		evconnlistener_set_cb(listener, NULL, NULL);
		evconnlistener_free(listener);
		return NULL;
	}
	return bound;
}

int
evhttp_accept_socket(struct evhttp *http, evutil_socket_t fd)
{
	return evhttp_accept_socket_with_handle(http, fd) ? 0 : -1;
}

/* A nonblocking socket bound to address:port; -1 on failure. */
static evutil_socket_t
bind_address(const char *address, ev_uint16_t port)
{
	struct evutil_addrinfo hints, *ai = NULL;
	char portstr[8];
	evutil_socket_t fd = -1;
	int on = 1, r;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = EVUTIL_AI_PASSIVE;
	evutil_snprintf(portstr, sizeof(portstr), "%u", (unsigned)port);
	if ((r = evutil_getaddrinfo(address, portstr, &hints, &ai)) != 0) {
		event_warnx("%s: %s: %s", __func__, address ? address : "*",
		    evutil_gai_strerror(r));
		return -1;
	}
	fd = evutil_socket_(ai->ai_family,
	    SOCK_STREAM | EVUTIL_SOCK_NONBLOCK | EVUTIL_SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto err;
	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, (void *)&on, sizeof(on));
	if (evutil_make_listen_socket_reuseable(fd) < 0)
		goto err_fd;
	if (bind(fd, ai->ai_addr, (socklen_t)ai->ai_addrlen) < 0)
		goto err_fd;
	evutil_freeaddrinfo(ai);
	return fd;

err_fd:
	event_warn("%s: bind", __func__);
	evutil_closesocket(fd);
	fd = -1;
err:
	evutil_freeaddrinfo(ai);
	return -1;
}

struct evhttp_bound_socket *
evhttp_bind_socket_with_handle(struct evhttp *http, const char *address,
    ev_uint16_t port)
{
	struct evhttp_bound_socket *bound;
	evutil_socket_t fd;

	if ((fd = bind_address(address, port)) < 0)
		return NULL;
	if ((bound = evhttp_accept_socket_with_handle(http, fd)) == NULL) {
		evutil_closesocket(fd);
		return NULL;
	}
	return bound;
}

int
evhttp_bind_socket(struct evhttp *http, const char *address, ev_uint16_t port)
{
	return evhttp_bind_socket_with_handle(http, address, port) ? 0 : -1;
}

evutil_socket_t
evhttp_bound_socket_get_fd(struct evhttp_bound_socket *bound)
{
	return evconnlistener_get_fd(bound->listener);
}

struct evconnlistener *
evhttp_bound_socket_get_listener(struct evhttp_bound_socket *bound)
{
	return bound->listener;
}

void
evhttp_foreach_bound_socket(struct evhttp *http,
    evhttp_bound_socket_foreach_fn *function, void *argument)
{
	struct evhttp_bound_socket *bound, *next;

	for (bound = TAILQ_FIRST(&http->sockets); bound; bound = next) {
		next = TAILQ_NEXT(bound, next);
		function(bound, argument);
	}
}

void
evhttp_del_accept_socket(struct evhttp *http, struct evhttp_bound_socket *bound)
{
	TAILQ_REMOVE(&http->sockets, bound, next);
	evconnlistener_free(bound->listener);
	mm_free(bound);
}

void
evhttp_server_connection_gone_(struct evhttp_connection *evcon)
{
	if (evcon->http_server == NULL)
		return;
	TAILQ_REMOVE(&evcon->http_server->connections, evcon, next);
	evcon->http_server = NULL;
}

/* ------------------------------------------------------------------ */
/* Dispatch.                                                           */

int
evhttp_server_check_head_(struct evhttp_connection *evcon,
    struct evhttp_request *req)
{
	struct evhttp *http = evcon->http_server;
	struct evbuffer *allow;
	int bit, r;

	if (http == NULL)
		return HTTP_SERVUNAVAIL;
	if (req->type & http->allowed_methods)
		return 0;
	/* 405 names what is allowed (RFC 9110 section 15.5.6). */
	if ((allow = evbuffer_new()) == NULL)
		return HTTP_INTERNAL;
	for (bit = 1; bit <= EVHTTP_REQ_PATCH; bit <<= 1) {
		const char *name = http_method_name_(bit);
		if ((http->allowed_methods & bit) && name)
			evbuffer_add_printf(allow, "%s%s",
			    evbuffer_get_length(allow) ? ", " : "", name);
	}
	evbuffer_add(allow, "", 1);
	r = evhttp_add_header(req->output_headers, "Allow",
	    (const char *)evbuffer_pullup(allow, -1));
	evbuffer_free(allow);
	return r < 0 ? HTTP_INTERNAL : HTTP_BADMETHOD;
}

static void
send_not_found(struct evhttp_request *req)
{
	struct evbuffer *body = evbuffer_new();
	char *escaped = evhttp_htmlescape(req->uri ? req->uri : "");

	if (body == NULL || escaped == NULL) {
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
		goto done;
	}
	evbuffer_add_printf(body,
	    "<!DOCTYPE html>\n<html><head><title>404 Not Found</title>"
	    "</head>\n<body><h1>Not Found</h1>\n<p>Nothing is at %s on this "
	    "server.</p></body></html>\n",
	    escaped);
	evhttp_send_reply(req, HTTP_NOTFOUND, "Not Found", body);
done:
	mm_free(escaped);
	if (body)
		evbuffer_free(body);
}

void
evhttp_server_got_request_(struct evhttp_connection *evcon,
    struct evhttp_request *req)
{
	struct evhttp *http = evcon->http_server;
	const char *path;
	struct evhttp_cb *c;
	char *decoded = NULL;

	if (http == NULL) {
		evhttp_send_error(req, HTTP_SERVUNAVAIL, NULL);
		return;
	}
	http = find_vhost(http, evhttp_request_get_host(req));
	path = evhttp_uri_get_path(req->uri_elems);
	if (path && !TAILQ_EMPTY(&http->callbacks))
		decoded = evhttp_uridecode(path, 0, NULL);
	if (decoded) {
		TAILQ_FOREACH(c, &http->callbacks, next) {
			if (strcmp(c->what, decoded) == 0) {
				mm_free(decoded);
				c->cb(req, c->cbarg);
				return;
			}
		}
		mm_free(decoded);
	}
	if (http->gencb) {
		http->gencb(req, http->gencbarg);
		return;
	}
	send_not_found(req);
}

/* ------------------------------------------------------------------ */
/* Replies.                                                            */

/* Sets http's Date line for now, formatted once per second. */
static void
date_now(struct evhttp *http)
{
	static const char days[] = "SunMonTueWedThuFriSat";
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	struct timeval tv;
	struct tm tm;
	int n;

	event_base_gettimeofday_cached(http->base, &tv);
	if (tv.tv_sec == http->date_sec)
		return;
	gmtime_r(&tv.tv_sec, &tm);
	n = evutil_snprintf(http->date_line, sizeof(http->date_line),
	    "Date: %.3s, %02d %.3s %d %02d:%02d:%02d GMT\r\n",
	    days + 3 * tm.tm_wday, tm.tm_mday, months + 3 * tm.tm_mon,
	    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
	http->date_line_len = n < 0               ? 0
	    : (size_t)n < sizeof(http->date_line) ? (size_t)n
	                                          : sizeof(http->date_line) - 1;
	http->date_sec = tv.tv_sec;
}

/* Whether a reply with req's status to req's method carries a body. */
static int
reply_has_body(const struct evhttp_request *req)
{
	int code = req->response_code;

	return code != HTTP_NOCONTENT && code != HTTP_NOTMODIFIED &&
	    (code < 100 || code >= 200);
}

static void
set_response(struct evhttp_request *req, int code, const char *reason)
{
	req->kind = EVHTTP_RESPONSE;
	req->response_code = code;
	mm_free(req->response_code_line);
	if (reason == NULL)
		reason = http_reason_phrase_(code);
	req->response_code_line = mm_strdup(reason);
}

/*
 * A reply's head is gathered on the stack and added to the output in
 * one piece: evbuffer_add per fragment and snprintf for the numbers were
 * a fifth of the work of a small keep-alive reply.
 */
struct head_buf {
	struct evbuffer *out;
	size_t n;
	char s[1024];
};

static void
hb_flush_put(struct head_buf *hb, const char *p, size_t len)
{
	evbuffer_add(hb->out, hb->s, hb->n);
	hb->n = 0;
	if (len > sizeof(hb->s))
		evbuffer_add(hb->out, p, len);
	else {
		memcpy(hb->s, p, len);
		hb->n = len;
	}
}

static inline void
hb_put(struct head_buf *hb, const char *p, size_t len)
{
	if (EVUTIL_UNLIKELY(len > sizeof(hb->s) - hb->n)) {
		hb_flush_put(hb, p, len);
		return;
	}
	memcpy(hb->s + hb->n, p, len);
	hb->n += len;
}

static void
hb_puts(struct head_buf *hb, const char *s)
{
	hb_put(hb, s, strlen(s));
}

/* v in decimal. */
static void
hb_put_int(struct head_buf *hb, ev_int64_t v)
{
	char digits[24], *p = digits + sizeof(digits);
	ev_uint64_t u = v < 0 ? 0 - (ev_uint64_t)v : (ev_uint64_t)v;

	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		*--p = '-';
	hb_put(hb, p, (size_t)(digits + sizeof(digits) - p));
}

static void
hb_field(struct head_buf *hb, const char *name, size_t name_len,
    const char *value)
{
	hb_put(hb, name, name_len);
	hb_put(hb, ": ", 2);
	hb_puts(hb, value);
	hb_put(hb, "\r\n", 2);
}

/* The fields put_head adds itself unless the reply has them. */
#define HAS_DATE 0x01
#define HAS_CONTENT_LENGTH 0x02
#define HAS_TRANSFER_ENCODING 0x04
#define HAS_CONTENT_TYPE 0x08
#define HAS_CONNECTION 0x10

static int
fields_present(const struct evkeyvalq *h)
{
	const struct evkeyval *kv;
	int has = 0;

	TAILQ_FOREACH(kv, h, next) {
		const char *k = kv->key;
		switch (EVUTIL_TOLOWER_(k[0])) {
		case 'd':
			if (evutil_ascii_strcasecmp(k, "Date") == 0)
				has |= HAS_DATE;
			break;
		case 'c':
			if (evutil_ascii_strcasecmp(k, "Content-Length") == 0)
				has |= HAS_CONTENT_LENGTH;
			else if (evutil_ascii_strcasecmp(k, "Content-Type") ==
			    0)
				has |= HAS_CONTENT_TYPE;
			else if (evutil_ascii_strcasecmp(k, "Connection") == 0)
				has |= HAS_CONNECTION;
			break;
		case 't':
			if (evutil_ascii_strcasecmp(k, "Transfer-Encoding") ==
			    0)
				has |= HAS_TRANSFER_ENCODING;
			break;
		}
	}
	return has;
}

/*
 * The status line and fields of the reply to req into evcon->wbuf.
 * length: the body's length, or -1 for a streamed reply.
 */
static void
put_head(struct evhttp_connection *evcon, struct evhttp_request *req,
    ev_ssize_t length)
{
	struct head_buf hb;
	struct evhttp *http = evcon->http_server;
	const struct evkeyval *kv;
	int has = fields_present(req->output_headers);
	int code = req->response_code;

	hb.out = evcon->wbuf;
	hb.n = 0;
	if (req->major >= 0 && req->major <= 9 && req->minor >= 0 &&
	    req->minor <= 9 && code >= 100 && code <= 999) {
		char line[] = "HTTP/1.1 200 ";
		line[5] = (char)('0' + req->major);
		line[7] = (char)('0' + req->minor);
		line[9] = (char)('0' + code / 100);
		line[10] = (char)('0' + code / 10 % 10);
		line[11] = (char)('0' + code % 10);
		hb_put(&hb, line, sizeof(line) - 1);
	} else {
		hb_put(&hb, "HTTP/", 5);
		hb_put_int(&hb, req->major);
		hb_put(&hb, ".", 1);
		hb_put_int(&hb, req->minor);
		hb_put(&hb, " ", 1);
		hb_put_int(&hb, code);
		hb_put(&hb, " ", 1);
	}
	if (req->response_code_line)
		hb_puts(&hb, req->response_code_line);
	hb_put(&hb, "\r\n", 2);
	if (http && !(has & HAS_DATE)) {
		date_now(http);
		hb_put(&hb, http->date_line, http->date_line_len);
	}
	if (reply_has_body(req)) {
		if (length >= 0 &&
		    !(has & (HAS_CONTENT_LENGTH | HAS_TRANSFER_ENCODING))) {
			hb_put(&hb, "Content-Length: ", 16);
			hb_put_int(&hb, length);
			hb_put(&hb, "\r\n", 2);
		}
		if (http && http->default_content_type &&
		    !(has & HAS_CONTENT_TYPE))
			hb_field(&hb, "Content-Type", 12,
			    http->default_content_type);
	}
	if (evhttp_request_keeps_alive_(req)) {
		/* A 1.0 client asked for keep-alive: say it is granted. */
		if (req->minor == 0 && !(has & HAS_CONNECTION))
			hb_put(&hb, "Connection: keep-alive\r\n", 24);
	} else if (req->minor >= 1 && !(has & HAS_CONNECTION)) {
		hb_put(&hb, "Connection: close\r\n", 19);
	}
	TAILQ_FOREACH(kv, req->output_headers, next) {
		hb_field(&hb, kv->key, strlen(kv->key), kv->value);
	}
	hb_put(&hb, "\r\n", 2);
	evbuffer_add(hb.out, hb.s, hb.n);
}

/* Whether req may get a reply now; a request whose connection is gone
 * is freed (its reply has nowhere to go). */
static struct evhttp_connection *
reply_connection(struct evhttp_request *req)
{
	if (req->evcon == NULL) {
		if (!(req->flags & EVHTTP_USER_OWNED))
			evhttp_request_free_(req);
		return NULL;
	}
	return req->evcon;
}

void
evhttp_send_reply(struct evhttp_request *req, int code, const char *reason,
    struct evbuffer *databuf)
{
	struct evhttp_connection *evcon;
	size_t len;

	if (req->userdone) {
		event_warnx("%s: request %p was answered already", __func__,
		    (void *)req);
		return;
	}
	if ((evcon = reply_connection(req)) == NULL)
		return;
	req->userdone = 1;
	set_response(req, code, reason);
	if (databuf)
		evbuffer_add_buffer(req->output_buffer, databuf);
	len = evbuffer_get_length(req->output_buffer);
	put_head(evcon, req, (ev_ssize_t)len);
	/* A HEAD reply has the fields a GET would, and no body. */
	if (req->type == EVHTTP_REQ_HEAD || !reply_has_body(req))
		evbuffer_drain(req->output_buffer, len);
	else
		evbuffer_add_buffer(evcon->wbuf, req->output_buffer);
	evcon->state = EVCON_WRITING;
	evhttp_send_buffer_(evcon, evcon->wbuf, evhttp_reply_written_, req);
}

void
evhttp_send_error(struct evhttp_request *req, int error, const char *reason)
{
	struct evbuffer *body;
	char *escaped;

	if (reason == NULL)
		reason = http_reason_phrase_(error);
	evhttp_remove_header(req->output_headers, "Connection");
	evhttp_add_header(req->output_headers, "Connection", "close");
	if (req->evcon)
		evhttp_close_after_reply_(req->evcon);
	body = evbuffer_new();
	escaped = evhttp_htmlescape(reason);
	if (body && escaped)
		evbuffer_add_printf(body,
		    "<!DOCTYPE html>\n<html><head><title>%d %s</title></head>\n"
		    "<body><h1>%d %s</h1></body></html>\n",
		    error, escaped, error, escaped);
	evhttp_send_reply(req, error, reason, body);
	mm_free(escaped);
	if (body)
		evbuffer_free(body);
}

void
evhttp_send_reply_start(struct evhttp_request *req, int code,
    const char *reason)
{
	struct evhttp_connection *evcon = req->evcon;

	if (evcon == NULL || req->userdone)
		return;
	set_response(req, code, reason);
	req->chunked = 0;
	if (reply_has_body(req) && req->type != EVHTTP_REQ_HEAD &&
	    evhttp_find_header(req->output_headers, "Content-Length") == NULL) {
		if (req->major == 1 && req->minor >= 1) {
			req->chunked = 1;
			evhttp_add_header(req->output_headers,
			    "Transfer-Encoding", "chunked");
		} else {
			/* HTTP/1.0: the end of the connection ends it. */
			req->flags &= ~EVHTTP_REQ_KEEPALIVE_;
		}
	}
	put_head(evcon, req, -1);
	evcon->state = EVCON_WRITING;
	evhttp_send_buffer_(evcon, evcon->wbuf, NULL, NULL);
}

void
evhttp_send_reply_chunk_with_cb(struct evhttp_request *req,
    struct evbuffer *databuf, void (*cb)(struct evhttp_connection *, void *),
    void *arg)
{
	struct evhttp_connection *evcon = req->evcon;
	size_t len = evbuffer_get_length(databuf);
	char line[24];
	int n;

	if (evcon == NULL || req->userdone || len == 0)
		return;
	if (req->type == EVHTTP_REQ_HEAD || !reply_has_body(req)) {
		evbuffer_drain(databuf, len);
	} else if (req->chunked) {
		n = evutil_snprintf(line, sizeof(line), "%lx\r\n",
		    (unsigned long)len);
		evbuffer_add(evcon->wbuf, line, (size_t)n);
		evbuffer_add_buffer(evcon->wbuf, databuf);
		evbuffer_add(evcon->wbuf, "\r\n", 2);
	} else {
		evbuffer_add_buffer(evcon->wbuf, databuf);
	}
	evhttp_send_buffer_(evcon, evcon->wbuf, cb, arg);
}

void
evhttp_send_reply_chunk(struct evhttp_request *req, struct evbuffer *databuf)
{
	evhttp_send_reply_chunk_with_cb(req, databuf, NULL, NULL);
}

void
evhttp_send_reply_end(struct evhttp_request *req)
{
	struct evhttp_connection *evcon;

	if (req->userdone)
		return;
	if ((evcon = reply_connection(req)) == NULL)
		return;
	req->userdone = 1;
	if (req->chunked && req->type != EVHTTP_REQ_HEAD)
		evbuffer_add(evcon->wbuf, "0\r\n\r\n", 5);
	evhttp_send_buffer_(evcon, evcon->wbuf, evhttp_reply_written_, req);
}
