/*
 * check_http_client.c: the evhttp client over real sockets on 127.0.0.1.
 *
 * Most tests talk to a scripted server written here with raw sockets on
 * the test's own base, so that they choose every byte of the responses
 * and when it is sent: it reads whole requests (head and Content-Length
 * body), records them, and answers each with the next step of a script.
 * The requests carry a marker field, and a connection counts only once a
 * request with it arrived on it: strays on the port are never counted.
 *
 * The public behaviour tested here is libevent 2.1's (this file builds
 * against it, see tests/libevent-reference.sh); what evkit does on
 * purpose differently is under #ifndef EVKIT_REFERENCE.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <event2/event_compat.h>
#include <event2/http.h>
#include <event2/http_compat.h>
#include <event2/http_struct.h>
#include <event2/util.h>

#include "check-internal.h"

#define MARK "X-Evkit-Test"
#define MAXCONN 16
#define MAXREQ 16
#define WAIT_MS 5000

/* ---- The scripted server ---- */

struct step {
	const char *reply; /* sent whole; NULL: nothing */
	int how;           /* CLOSE, ON_HEAD or both */
};
#define CLOSE 1   /* close the connection after the reply */
#define ON_HEAD 2 /* answer once the head is in, body or not */

struct sconn {
	struct srv *srv;
	evutil_socket_t fd;
	struct event *ev;
	struct evbuffer *in;
	int counted; /* a marked request came on it */
	char peer[INET6_ADDRSTRLEN];
	ev_uint16_t peer_port;
};

struct srv {
	evutil_socket_t lfd;
	struct event *lev;
	ev_uint16_t port;
	const struct step *script;
	int nsteps;
	int nreq;               /* requests read */
	char req[MAXREQ][2048]; /* their bytes (truncated) */
	int req_conn[MAXREQ];   /* the connection each came on */
	int pipelined;          /* a request came before the last answer */
	struct sconn *conn[MAXCONN];
	int nconn;          /* accepted */
	int counted;        /* accepted and carried a marked request */
	int eofs;           /* closed by the client */
	struct sconn *last; /* the connection of the last request */
	void (*on_request)(struct srv *, int idx);
	void *arg;
};

static void
srv_send(struct sconn *c, const char *data)
{
	size_t len = strlen(data), off = 0;

	while (off < len) {
		ssize_t n = send(c->fd, data + off, len - off, MSG_NOSIGNAL);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		ck_assert_msg(n > 0, "send: %s", strerror(errno));
		off += (size_t)n;
	}
}

static void
srv_close_conn(struct sconn *c)
{
	if (c->fd < 0)
		return;
	event_free(c->ev);
	c->ev = NULL;
	evutil_closesocket(c->fd);
	c->fd = -1;
}

/* The length of the first whole request in buf, or 0. */
static size_t
whole_request(struct evbuffer *buf, int head_only)
{
	struct evbuffer_ptr p = evbuffer_search(buf, "\r\n\r\n", 4, NULL);
	size_t head, len = evbuffer_get_length(buf);
	char *h;
	const char *cl;
	long body = 0;

	if (p.pos < 0)
		return 0;
	head = (size_t)p.pos + 4;
	h = malloc(head + 1);
	ck_assert_ptr_nonnull(h);
	evbuffer_copyout(buf, h, head);
	h[head] = '\0';
	for (cl = h; (cl = strchr(cl, '\n')) != NULL; cl++)
		if (strncasecmp(cl + 1, "Content-Length:", 15) == 0)
			body = strtol(cl + 16, NULL, 10);
	free(h);
	if (head_only)
		return head;
	return head + (size_t)body <= len ? head + (size_t)body : 0;
}

static void
srv_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sconn *c = arg;
	struct srv *s = c->srv;
	size_t n;
	int r, idx;

	(void)what;
	r = evbuffer_read(c->in, fd, 4096);
	if (r <= 0) {
		if (r < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		s->eofs++;
		srv_close_conn(c);
		return;
	}
	while (c->fd >= 0 &&
	    (n = whole_request(c->in,
	         s->nreq < s->nsteps && (s->script[s->nreq].how & ON_HEAD))) >
	        0) {
		ck_assert_int_lt(s->nreq, MAXREQ);
		idx = s->nreq++;
		memset(s->req[idx], 0, sizeof(s->req[idx]));
		evbuffer_copyout(c->in, s->req[idx],
		    n < sizeof(s->req[idx]) - 1 ? n : sizeof(s->req[idx]) - 1);
		evbuffer_drain(c->in, n);
		if (evbuffer_get_length(c->in) > 0)
			s->pipelined = 1;
		if (!c->counted && strstr(s->req[idx], MARK ":") != NULL) {
			c->counted = 1;
			s->counted++;
		}
		s->last = c;
		for (s->req_conn[idx] = 0; s->conn[s->req_conn[idx]] != c;)
			s->req_conn[idx]++;
		if (idx < s->nsteps) {
			if (s->script[idx].reply)
				srv_send(c, s->script[idx].reply);
			if (s->script[idx].how & CLOSE)
				srv_close_conn(c);
		}
		if (s->on_request)
			s->on_request(s, idx);
	}
}

static void
srv_accept_cb(evutil_socket_t fd, short what, void *arg)
{
	struct srv *s = arg;
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	struct sconn *c;
	evutil_socket_t cfd;

	(void)what;
	cfd = accept(fd, (struct sockaddr *)&ss, &len);
	if (cfd < 0)
		return;
	ck_assert_int_lt(s->nconn, MAXCONN);
	c = calloc(1, sizeof(*c));
	ck_assert_ptr_nonnull(c);
	c->srv = s;
	c->fd = cfd;
	c->in = evbuffer_new();
	if (ss.ss_family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
		inet_ntop(AF_INET, &sin->sin_addr, c->peer, sizeof(c->peer));
		c->peer_port = ntohs(sin->sin_port);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
		inet_ntop(AF_INET6, &sin6->sin6_addr, c->peer, sizeof(c->peer));
		c->peer_port = ntohs(sin6->sin6_port);
	}
	evutil_make_socket_nonblocking(cfd);
	c->ev =
	    event_new(evkit_base, cfd, EV_READ | EV_PERSIST, srv_read_cb, c);
	event_add(c->ev, NULL);
	s->conn[s->nconn++] = c;
}

/* Binds s to addr (family AF_INET or AF_INET6) port 0; listens unless
 * listen_now is 0 (then connections are refused). */
static int
srv_bind(struct srv *s, int family, int listen_now)
{
	struct sockaddr_storage ss;
	socklen_t len;

	memset(&ss, 0, sizeof(ss));
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
		sin->sin_family = AF_INET;
		sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		len = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = in6addr_loopback;
		len = sizeof(*sin6);
	}
	s->lfd = socket(family, SOCK_STREAM, 0);
	if (s->lfd < 0)
		return -1;
	if (bind(s->lfd, (struct sockaddr *)&ss, len) < 0) {
		evutil_closesocket(s->lfd);
		return -1;
	}
	ck_assert_int_eq(getsockname(s->lfd, (struct sockaddr *)&ss, &len), 0);
	s->port =
	    ntohs(family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
	                            : ((struct sockaddr_in6 *)&ss)->sin6_port);
	evutil_make_socket_nonblocking(s->lfd);
	if (listen_now)
		ck_assert_int_eq(listen(s->lfd, 16), 0);
	s->lev = event_new(evkit_base, s->lfd, EV_READ | EV_PERSIST,
	    srv_accept_cb, s);
	if (listen_now)
		event_add(s->lev, NULL);
	return 0;
}

static void
srv_start(struct srv *s, const struct step *script, int nsteps)
{
	memset(s, 0, sizeof(*s));
	s->script = script;
	s->nsteps = nsteps;
	ck_assert_int_eq(srv_bind(s, AF_INET, 1), 0);
}

/* Lets the loop finish what freeing left behind (libevent frees a
 * bufferevent from the loop). */
static void
settle(void)
{
	int i;

	for (i = 0; i < 3; i++)
		event_base_loop(evkit_base, EVLOOP_NONBLOCK);
}

static void
srv_stop(struct srv *s)
{
	int i;

	for (i = 0; i < s->nconn; i++) {
		srv_close_conn(s->conn[i]);
		evbuffer_free(s->conn[i]->in);
		free(s->conn[i]);
	}
	event_free(s->lev);
	evutil_closesocket(s->lfd);
	settle();
}

/* ---- The client side ---- */

struct res {
	int calls;    /* request callback runs */
	int null_req; /* ... with a NULL request */
	int code;     /* response code of the last */
	int errors;   /* error callback runs */
	enum evhttp_request_error err;
	int chunks; /* chunked callback runs */
	char body[4096];
	size_t body_len;
	char reason[64];
	int done; /* set by the request or error callback */
	void (*then)(struct evhttp_request *, struct res *);
	void *arg;
	void *arg2;
};

static void
copy_body(struct evhttp_request *req, struct res *r)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t n = evbuffer_get_length(in);

	if (n > sizeof(r->body) - 1 - r->body_len)
		n = sizeof(r->body) - 1 - r->body_len;
	evbuffer_remove(in, r->body + r->body_len, n);
	r->body_len += n;
	r->body[r->body_len] = '\0';
}

static void
res_cb(struct evhttp_request *req, void *arg)
{
	struct res *r = arg;

	r->calls++;
	if (req == NULL) {
		r->null_req++;
	} else {
		r->code = evhttp_request_get_response_code(req);
		if (evhttp_request_get_response_code_line(req))
			snprintf(r->reason, sizeof(r->reason), "%s",
			    evhttp_request_get_response_code_line(req));
		copy_body(req, r);
	}
	r->done = 1;
	if (r->then)
		r->then(req, r);
}

static void
res_err_cb(enum evhttp_request_error err, void *arg)
{
	struct res *r = arg;

	r->errors++;
	r->err = err;
	r->done = 1;
}

static void
res_chunk_cb(struct evhttp_request *req, void *arg)
{
	struct res *r = arg;

	r->chunks++;
	copy_body(req, r);
	if (r->then)
		r->then(req, r);
}

static struct evhttp_request *
new_req(struct res *r)
{
	struct evhttp_request *req = evhttp_request_new(res_cb, r);

	ck_assert_ptr_nonnull(req);
	evhttp_request_set_error_cb(req, res_err_cb);
	evhttp_add_header(evhttp_request_get_output_headers(req), MARK, "1");
	return req;
}

static struct evhttp_connection *
client(struct srv *s)
{
	struct evhttp_connection *evcon =
	    evhttp_connection_base_new(evkit_base, NULL, "127.0.0.1", s->port);

	ck_assert_ptr_nonnull(evcon);
	return evcon;
}

static void
wait_for(const volatile int *flag)
{
	ck_assert_msg(evkit_loop_until(evkit_base, flag, 0, WAIT_MS) == 0,
	    "timed out waiting");
}

static int
send_get(struct evhttp_connection *evcon, struct res *r, const char *uri)
{
	return evhttp_make_request(evcon, new_req(r), EVHTTP_REQ_GET, uri);
}

/* A request that evhttp_make_request() accepts. */
static void
send_req(struct evhttp_connection *evcon, struct evhttp_request *req,
    enum evhttp_cmd_type type, const char *uri)
{
	ck_assert_int_eq(evhttp_make_request(evcon, req, type, uri), 0);
}

/* A scripted server and a client connection to it. */
#define START(s, script) \
	start((s), (script), (int)(sizeof(script) / sizeof((script)[0])))

static struct evhttp_connection *
start(struct srv *s, const struct step *script, int nsteps)
{
	srv_start(s, script, nsteps);
	return client(s);
}

static void
finish(struct srv *s, struct evhttp_connection *evcon)
{
	evhttp_connection_free(evcon);
	srv_stop(s);
}

/* A GET, and the loop run until it is done. */
static void
get_wait(struct evhttp_connection *evcon, struct res *r, const char *uri)
{
	ck_assert_int_eq(send_get(evcon, r, uri), 0);
	wait_for(&r->done);
}

/* The request failed with err: the error callback, then the request
 * callback with NULL, once each. */
static void
assert_failed(const struct res *r, enum evhttp_request_error err)
{
	ck_assert_int_eq(r->errors, 1);
	ck_assert_int_eq(r->err, err);
	ck_assert_int_eq(r->calls, 1);
	ck_assert_int_eq(r->null_req, 1);
}

/* Cancelled: the error callback alone, with EVREQ_HTTP_REQUEST_CANCEL. */
static void
assert_cancelled(const struct res *r)
{
	ck_assert_int_eq(r->calls, 0);
	ck_assert_int_eq(r->errors, 1);
	ck_assert_int_eq(r->err, EVREQ_HTTP_REQUEST_CANCEL);
}

/* No connection could be made: as libevent, the request callback with
 * the request (code 0) and no error callback. */
static void
assert_unconnected(const struct res *r)
{
	ck_assert_int_eq(r->calls, 1);
	ck_assert_int_eq(r->null_req, 0);
	ck_assert_int_eq(r->code, 0);
	ck_assert_int_eq(r->errors, 0);
}

#define OK_5 "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"

/* ---- Requests and responses ---- */

START_TEST(test_get)
{
	static const struct step script[] = { { OK_5, 0 } };
	struct srv s;
	struct res r = { 0 };
	struct evhttp_connection *evcon;
	struct evhttp_request *req;
	char *addr;
	ev_uint16_t port;

	evcon = START(&s, script);
#ifndef EVKIT_REFERENCE
	/* libevent returns a zeroed address before the connection. */
	ck_assert_ptr_null(evhttp_connection_get_addr(evcon));
#endif
	evhttp_connection_get_peer(evcon, &addr, &port);
	ck_assert_str_eq(addr, "127.0.0.1");
	ck_assert_uint_eq(port, s.port);
	ck_assert_ptr_eq(evhttp_connection_get_base(evcon), evkit_base);
	ck_assert_ptr_null(evhttp_connection_get_server(evcon));
	ck_assert_ptr_nonnull(evhttp_connection_get_bufferevent(evcon));

	req = new_req(&r);
	evhttp_add_header(evhttp_request_get_output_headers(req), "X-Mine",
	    "kept as is");
	send_req(evcon, req, EVHTTP_REQ_GET, "/path?q=1");
	/* Nothing runs from inside evhttp_make_request. */
	ck_assert_int_eq(r.calls, 0);
	wait_for(&r.done);
	ck_assert_int_eq(r.calls, 1);
	ck_assert_int_eq(r.errors, 0);
	ck_assert_int_eq(r.code, 200);
	ck_assert_str_eq(r.reason, "OK");
	ck_assert_str_eq(r.body, "hello");
	ck_assert_int_eq(s.nreq, 1);
	ck_assert_msg(strncmp(s.req[0], "GET /path?q=1 HTTP/1.1\r\n", 24) == 0,
	    "request line: %s", s.req[0]);
	ck_assert_ptr_nonnull(strstr(s.req[0], "\r\nX-Mine: kept as is\r\n"));
#ifndef EVKIT_REFERENCE
	{
		/* HTTP/1.1 requires Host; libevent 2.1 leaves it out. */
		char host[64];
		snprintf(host, sizeof(host), "\r\nHost: 127.0.0.1:%u\r\n",
		    (unsigned)s.port);
		ck_assert_msg(strstr(s.req[0], host) != NULL, "%s", s.req[0]);
	}
#endif
	/* Connected: the peer's address. */
	{
		const struct sockaddr *sa = evhttp_connection_get_addr(evcon);
		ck_assert_ptr_nonnull(sa);
		ck_assert_int_eq(sa->sa_family, AF_INET);
		ck_assert_uint_eq(ntohs(((const struct sockaddr_in *)sa)
		                            ->sin_port),
		    s.port);
	}
	finish(&s, evcon);
}
END_TEST

START_TEST(test_post_body)
{
	static const struct step script[] = {
		{ "HTTP/1.1 201 Created\r\nContent-Length: 3\r\n\r\nyes", 0 },
		{ "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 0 },
	};
	struct srv s;
	struct res r1 = { 0 }, r2 = { 0 };
	struct evhttp_connection *evcon;
	struct evhttp_request *req;

	evcon = START(&s, script);
	req = new_req(&r1);
	evbuffer_add_printf(evhttp_request_get_output_buffer(req), "a=1&b=2");
	send_req(evcon, req, EVHTTP_REQ_POST, "/form");
	/* A POST with an empty body says so. */
	send_req(evcon, new_req(&r2), EVHTTP_REQ_PUT, "/empty");
	wait_for(&r2.done);
	ck_assert_int_eq(r1.code, 201);
	ck_assert_str_eq(r1.body, "yes");
	ck_assert_int_eq(r2.code, 200);
	ck_assert_int_eq(r2.body_len, 0);
	ck_assert_int_eq(s.nreq, 2);
	ck_assert_ptr_nonnull(strstr(s.req[0], "POST /form HTTP/1.1\r\n"));
	ck_assert_ptr_nonnull(strstr(s.req[0], "\r\nContent-Length: 7\r\n"));
	ck_assert_ptr_nonnull(strstr(s.req[0], "\r\n\r\na=1&b=2"));
	ck_assert_ptr_nonnull(strstr(s.req[1], "PUT /empty HTTP/1.1\r\n"));
	ck_assert_ptr_nonnull(strstr(s.req[1], "\r\nContent-Length: 0\r\n"));
	finish(&s, evcon);
}
END_TEST

/* Three requests made at once: one connection, sent one at a time. */
START_TEST(test_keepalive_reuse)
{
	static const struct step script[] = { { OK_5, 0 }, { OK_5, 0 },
		{ OK_5, 0 } };
	struct srv s;
	struct res r[3];
	struct evhttp_connection *evcon;
	int i;

	memset(r, 0, sizeof(r));
	evcon = START(&s, script);
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(send_get(evcon, &r[i], "/k"), 0);
	wait_for(&r[2].done);
	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(r[i].calls, 1);
		ck_assert_int_eq(r[i].code, 200);
		ck_assert_str_eq(r[i].body, "hello");
	}
	ck_assert_int_eq(s.nreq, 3);
	ck_assert_int_eq(s.counted, 1);
	ck_assert_int_eq(s.req_conn[1], s.req_conn[0]);
	ck_assert_int_eq(s.req_conn[2], s.req_conn[0]);
	ck_assert_int_eq(s.pipelined, 0);
	finish(&s, evcon);
}
END_TEST

static void
note_close(struct evhttp_connection *evcon, void *arg)
{
	(void)evcon;
	(*(int *)arg)++;
}

/* The server closes the idle kept-alive connection: the client notices
 * (close callback) and the next request opens a new one. */
START_TEST(test_idle_close_reconnect)
{
	static const struct step script[] = { { OK_5, 1 }, { OK_5, 0 } };
	struct srv s;
	struct res r1 = { 0 }, r2 = { 0 };
	struct evhttp_connection *evcon;
	int closed = 0;

	evcon = START(&s, script);
	evhttp_connection_set_closecb(evcon, note_close, &closed);
	get_wait(evcon, &r1, "/1");
	ck_assert_int_eq(r1.code, 200);
	wait_for(&closed);
	ck_assert_int_eq(closed, 1);
	get_wait(evcon, &r2, "/2");
	ck_assert_int_eq(r2.code, 200);
	ck_assert_str_eq(r2.body, "hello");
	ck_assert_int_eq(r2.errors, 0);
	ck_assert_int_eq(s.counted, 2);
	ck_assert_int_ne(s.req_conn[0], s.req_conn[1]);
	finish(&s, evcon);
}
END_TEST

/* "Connection: close" in the response: the next request queued goes on
 * a new connection. */
START_TEST(test_response_close)
{
	static const struct step script[] = {
		{ "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: "
		  "5\r\n\r\nhello",
		    0 },
		{ OK_5, 0 },
	};
	struct srv s;
	struct res r1 = { 0 }, r2 = { 0 };
	struct evhttp_connection *evcon;
	int closed = 0;

	evcon = START(&s, script);
	evhttp_connection_set_closecb(evcon, note_close, &closed);
	ck_assert_int_eq(send_get(evcon, &r1, "/1"), 0);
	get_wait(evcon, &r2, "/2");
	ck_assert_int_eq(r1.code, 200);
	ck_assert_int_eq(r2.code, 200);
	ck_assert_int_eq(closed, 1);
	ck_assert_int_eq(s.counted, 2);
	ck_assert_int_ne(s.req_conn[0], s.req_conn[1]);
	finish(&s, evcon);
}
END_TEST

/* An HTTP/1.0 response without a length: the body runs to the close. */
START_TEST(test_http10_until_close)
{
	static const struct step script[] = {
		{ "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nold "
		  "style body",
		    1 },
	};
	struct srv s;
	struct res r = { 0 };
	struct evhttp_connection *evcon;

	evcon = START(&s, script);
	get_wait(evcon, &r, "/");
	ck_assert_int_eq(r.calls, 1);
	ck_assert_int_eq(r.errors, 0);
	ck_assert_int_eq(r.code, 200);
	ck_assert_str_eq(r.body, "old style body");
	finish(&s, evcon);
}
END_TEST

/* A HEAD response has no body, whatever its Content-Length says: the
 * next response on the connection is read right. */
START_TEST(test_head_no_body)
{
	static const struct step script[] = {
		{ "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n", 0 },
		{ OK_5, 0 },
	};
	struct srv s;
	struct res r1 = { 0 }, r2 = { 0 };
	struct evhttp_connection *evcon;

	evcon = START(&s, script);
	send_req(evcon, new_req(&r1), EVHTTP_REQ_HEAD, "/h");
	get_wait(evcon, &r2, "/g");
	ck_assert_int_eq(r1.code, 200);
	ck_assert_int_eq(r1.body_len, 0);
	ck_assert_int_eq(r2.code, 200);
	ck_assert_str_eq(r2.body, "hello");
	ck_assert_int_eq(s.counted, 1);
	ck_assert_ptr_nonnull(strstr(s.req[0], "HEAD /h HTTP/1.1\r\n"));
	finish(&s, evcon);
}
END_TEST

/* Chunks reach chunked_cb as they arrive: the second is only sent once
 * the first was delivered. */
static void
send_rest(struct evhttp_request *req, struct res *r)
{
	struct srv *s = r->arg;

	(void)req;
	if (r->chunks == 1)
		srv_send(s->last, "6\r\n world\r\n0\r\n\r\n");
}

START_TEST(test_chunked_cb)
{
	static const struct step script[] = {
		{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		  "5\r\nhello\r\n",
		    0 },
	};
	struct srv s;
	struct res r = { 0 };
	struct evhttp_connection *evcon;
	struct evhttp_request *req;

	evcon = START(&s, script);
	req = new_req(&r);
	evhttp_request_set_chunked_cb(req, res_chunk_cb);
	r.then = send_rest;
	r.arg = &s;
	send_req(evcon, req, EVHTTP_REQ_GET, "/c");
	wait_for(&r.done);
	ck_assert_int_eq(r.chunks, 2);
	ck_assert_int_eq(r.calls, 1);
	ck_assert_int_eq(r.code, 200);
	ck_assert_str_eq(r.body, "hello world");
	finish(&s, evcon);
}
END_TEST

/* Freed from inside a request's callback, with another queued. */
static void
free_in_cb(struct evhttp_request *req, struct res *r)
{
	struct evhttp_connection **evcon = r->arg;

	(void)req;
	evhttp_connection_free(*evcon);
	*evcon = NULL;
}

/* Cancelled from inside its chunked callback: the error callback gets
 * the cancel, the request callback never runs, the connection is reset
 * and the next request gets a new one. */
static void
cancel_in_chunk(struct evhttp_request *req, struct res *r)
{
	if (r->chunks == 1)
		evhttp_cancel_request(req);
}

START_TEST(test_cancel_in_chunked_cb)
{
	static const struct step script[] = {
		{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		  "5\r\nhello\r\n",
		    0 },
		{ OK_5, 0 },
	};
	struct srv s;
	struct res r1 = { 0 }, r2 = { 0 };
	struct evhttp_connection *evcon;
	struct evhttp_request *req;

	evcon = START(&s, script);
	req = new_req(&r1);
	evhttp_request_set_chunked_cb(req, res_chunk_cb);
	r1.then = cancel_in_chunk;
	send_req(evcon, req, EVHTTP_REQ_GET, "/c");
	get_wait(evcon, &r2, "/next");
	ck_assert_int_eq(r1.chunks, 1);
	assert_cancelled(&r1);
	ck_assert_int_eq(r2.code, 200);
	ck_assert_int_eq(s.counted, 2);
	ck_assert_int_ge(s.eofs, 1);
	finish(&s, evcon);
}
END_TEST

/* ---- Failures ---- */

/* A refused connect is retried retries times with doubling delays,
 * then the callback gets the request with code 0. */
START_TEST(test_refused_retries)
{
	struct srv s;
	struct res r = { 0 };
	struct evhttp_connection *evcon;
	struct timeval tv;
	double t0, ms;

	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(srv_bind(&s, AF_INET, 0), 0); /* not listening */
	evcon = client(&s);
	evhttp_connection_set_retries(evcon, 3);
	evhttp_connection_set_initial_retry_tv(evcon, evkit_ms_tv(&tv, 40));
	t0 = evkit_coarse_ms();
	get_wait(evcon, &r, "/");
	ms = evkit_now_ms() - t0;
	assert_unconnected(&r);
	/* 40 + 80 + 160 ms: three retries, each twice as late. */
	ck_assert_msg(ms >= 280, "gave up after %.0f ms", ms);
	finish(&s, evcon);
}
END_TEST

/* Freed from inside the callback of a refused connection: the other
 * queued request still gets its callback. */
START_TEST(test_free_in_refused_callback)
{
	struct srv s;
	struct res r1 = { 0 }, r2 = { 0 };
	struct evhttp_connection *evcon;

	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(srv_bind(&s, AF_INET, 0), 0); /* not listening */
	evcon = client(&s);
	r1.then = free_in_cb;
	r1.arg = &evcon;
	ck_assert_int_eq(send_get(evcon, &r1, "/1"), 0);
	get_wait(evcon, &r2, "/2");
	ck_assert_ptr_null(evcon);
	ck_assert_int_eq(r1.calls, 1);
	ck_assert_int_eq(r1.code, 0);
	ck_assert_int_eq(r2.calls, 1);
	ck_assert_int_eq(r2.code, 0);
	srv_stop(&s);
}
END_TEST

/* The server starts listening after the first attempt: a retry gets
 * through. */
static void
start_listening(evutil_socket_t fd, short what, void *arg)
{
	struct srv *s = arg;

	(void)fd;
	(void)what;
	ck_assert_int_eq(listen(s->lfd, 16), 0);
	event_add(s->lev, NULL);
}

START_TEST(test_retry_succeeds)
{
	static const struct step script[] = { { OK_5, 0 } };
	struct srv s;
	struct res r = { 0 };
	struct evhttp_connection *evcon;
	struct timeval tv;

	memset(&s, 0, sizeof(s));
	s.script = script;
	s.nsteps = 1;
	ck_assert_int_eq(srv_bind(&s, AF_INET, 0), 0);
	evcon = client(&s);
	evhttp_connection_set_retries(evcon, -1);
	evhttp_connection_set_initial_retry_tv(evcon, evkit_ms_tv(&tv, 30));
	ck_assert_int_eq(send_get(evcon, &r, "/"), 0);
	event_base_once(evkit_base, -1, EV_TIMEOUT, start_listening, &s,
	    evkit_ms_tv(&tv, 50));
	wait_for(&r.done);
	ck_assert_int_eq(r.code, 200);
	ck_assert_str_eq(r.body, "hello");
	finish(&s, evcon);
}
END_TEST

/* The server never answers: the read times out. */
START_TEST(test_timeout)
{
	static const struct step script[] = { { NULL, 0 } };
	struct srv s;
	struct res r = { 0 };
	struct evhttp_connection *evcon;
	struct timeval tv;
	double t0, ms;

	evcon = START(&s, script);
	evhttp_connection_set_timeout_tv(evcon, evkit_ms_tv(&tv, 200));
	t0 = evkit_coarse_ms();
	get_wait(evcon, &r, "/slow");
	ms = evkit_now_ms() - t0;
	ck_assert_int_eq(s.nreq, 1);
	assert_failed(&r, EVREQ_HTTP_TIMEOUT);
	ck_assert_msg(ms >= 200, "timed out after %.0f ms", ms);
	finish(&s, evcon);
}
END_TEST

/* Cancelled before it was sent: the error callback alone, with
 * EVREQ_HTTP_REQUEST_CANCEL; a queued one is dropped silently; the next
 * request goes through. */
START_TEST(test_cancel_before)
{
	static const struct step script[] = { { OK_5, 0 } };
	struct srv s;
	struct res r1 = { 0 }, r2 = { 0 }, r3 = { 0 };
	struct evhttp_connection *evcon;
	struct evhttp_request *req1, *req2;

	evcon = START(&s, script);
	req1 = new_req(&r1);
	req2 = new_req(&r2);
	send_req(evcon, req1, EVHTTP_REQ_GET, "/1");
	send_req(evcon, req2, EVHTTP_REQ_GET, "/2");
	ck_assert_int_eq(send_get(evcon, &r3, "/3"), 0);
	evhttp_cancel_request(req2);
	ck_assert_int_eq(r2.calls + r2.errors, 0);
	evhttp_cancel_request(req1);
	assert_cancelled(&r1);
	wait_for(&r3.done);
	ck_assert_int_eq(r3.code, 200);
	ck_assert_int_eq(r1.calls + r2.calls + r2.errors, 0);
	ck_assert_int_eq(s.nreq, 1);
	ck_assert_ptr_nonnull(strstr(s.req[0], "GET /3 "));
	finish(&s, evcon);
}
END_TEST

/* Cancelled while on the wire: the connection is reset (the server
 * sees it close), the next request gets a new one. */
struct cancel_ctx {
	struct evhttp_request *req;
	int cancelled;
};

static void
cancel_on_arrival(struct srv *s, int idx)
{
	struct cancel_ctx *cc = s->arg;

	if (idx == 0) {
		evhttp_cancel_request(cc->req);
		cc->cancelled = 1;
	}
}

START_TEST(test_cancel_during)
{
	static const struct step script[] = { { NULL, 0 }, { OK_5, 0 } };
	struct srv s;
	struct res r1 = { 0 }, r2 = { 0 };
	struct evhttp_connection *evcon;
	struct cancel_ctx cc = { 0 };

	srv_start(&s, script, 2);
	s.on_request = cancel_on_arrival;
	s.arg = &cc;
	evcon = client(&s);
	cc.req = new_req(&r1);
	send_req(evcon, cc.req, EVHTTP_REQ_GET, "/1");
	get_wait(evcon, &r2, "/2");
	ck_assert_int_eq(cc.cancelled, 1);
	assert_cancelled(&r1);
	ck_assert_int_eq(r2.code, 200);
	ck_assert_int_eq(s.counted, 2);
	ck_assert_int_ge(s.eofs, 1);
	finish(&s, evcon);
}
END_TEST

/* evhttp_connection_free with requests pending: as in libevent, their
 * callbacks do not run; the server sees the connection close. */
static void
free_on_arrival(struct srv *s, int idx)
{
	struct evhttp_connection **evcon = s->arg;

	(void)idx;
	evhttp_connection_free(*evcon);
	*evcon = NULL;
}

START_TEST(test_free_pending)
{
	static const struct step script[] = { { NULL, 0 } };
	struct srv s;
	struct res r1 = { 0 }, r2 = { 0 };
	struct evhttp_connection *evcon;

	srv_start(&s, script, 1);
	s.on_request = free_on_arrival;
	s.arg = &evcon;
	evcon = client(&s);
	ck_assert_int_eq(send_get(evcon, &r1, "/1"), 0);
	ck_assert_int_eq(send_get(evcon, &r2, "/2"), 0);
	wait_for(&s.eofs);
	ck_assert_ptr_null(evcon);
	ck_assert_int_eq(r1.calls + r1.errors + r2.calls + r2.errors, 0);
	srv_stop(&s);
}
END_TEST

START_TEST(test_free_in_callback)
{
	static const struct step script[] = { { OK_5, 0 }, { NULL, 0 } };
	struct srv s;
	struct res r1 = { 0 }, r2 = { 0 };
	struct evhttp_connection *evcon;

	evcon = START(&s, script);
	r1.then = free_in_cb;
	r1.arg = &evcon;
	ck_assert_int_eq(send_get(evcon, &r1, "/1"), 0);
	ck_assert_int_eq(send_get(evcon, &r2, "/2"), 0);
	wait_for(&r1.done);
	ck_assert_ptr_null(evcon);
	ck_assert_int_eq(r1.code, 200);
	wait_for(&s.eofs);
	ck_assert_int_eq(r2.calls + r2.errors, 0);
	srv_stop(&s);
}
END_TEST

/* free_on_completion: the connection goes once its last request is
 * answered and the connection closed. */
START_TEST(test_free_on_completion)
{
	static const struct step script[] = {
		{ "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: "
		  "5\r\n\r\nhello",
		    1 },
	};
	struct srv s;
	struct res r = { 0 };
	struct evhttp_connection *evcon;

	evcon = START(&s, script);
	ck_assert_int_eq(send_get(evcon, &r, "/"), 0);
	evhttp_connection_free_on_completion(evcon);
	wait_for(&r.done);
	ck_assert_int_eq(r.code, 200);
	/* The teardown fails if the connection's events were left. */
	srv_stop(&s);
}
END_TEST

START_TEST(test_body_too_long)
{
	static const struct step script[] = {
		{ "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n", 0 },
	};
	struct srv s;
	struct res r = { 0 };
	struct evhttp_connection *evcon;

	evcon = START(&s, script);
	evhttp_connection_set_max_body_size(evcon, 10);
	get_wait(evcon, &r, "/big");
	assert_failed(&r, EVREQ_HTTP_DATA_TOO_LONG);
	finish(&s, evcon);
}
END_TEST

START_TEST(test_headers_too_long)
{
	static const struct step script[] = {
		{ "HTTP/1.1 200 OK\r\nX-Long: "
		  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		  "\r\nContent-Length: 0\r\n\r\n",
		    0 },
	};
	struct srv s;
	struct res r = { 0 };
	struct evhttp_connection *evcon;

	evcon = START(&s, script);
	evhttp_connection_set_max_headers_size(evcon, 64);
	get_wait(evcon, &r, "/");
#ifdef EVKIT_REFERENCE
	/* libevent 2.1 calls a response head too long invalid. */
	assert_failed(&r, EVREQ_HTTP_INVALID_HEADER);
#else
	assert_failed(&r, EVREQ_HTTP_DATA_TOO_LONG);
#endif
	finish(&s, evcon);
}
END_TEST

#ifndef EVKIT_REFERENCE
/* Content-Length and Transfer-Encoding both in a response: an error, not
 * a body read one way or the other (libevent 2.1 takes the chunks). */
START_TEST(test_smuggled_response)
{
	static const struct step script[] = {
		{ "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: "
		  "chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
		    0 },
	};
	struct srv s;
	struct res r = { 0 };
	struct evhttp_connection *evcon;

	evcon = START(&s, script);
	get_wait(evcon, &r, "/");
	assert_failed(&r, EVREQ_HTTP_INVALID_HEADER);
	ck_assert_int_eq(r.body_len, 0);
	finish(&s, evcon);
}
END_TEST
#endif

/* header_cb returning -1 ends the request. */
static int
refuse_headers(struct evhttp_request *req, void *arg)
{
	(void)req;
	(void)arg;
	return -1;
}

START_TEST(test_header_cb_refuses)
{
	static const struct step script[] = { { OK_5, 0 } };
	struct srv s;
	struct res r = { 0 };
	struct evhttp_connection *evcon;
	struct evhttp_request *req;

	evcon = START(&s, script);
	req = new_req(&r);
	evhttp_request_set_header_cb(req, refuse_headers);
	send_req(evcon, req, EVHTTP_REQ_GET, "/");
	wait_for(&r.done);
	assert_failed(&r, EVREQ_HTTP_EOF);
	ck_assert_int_eq(r.body_len, 0);
	finish(&s, evcon);
}
END_TEST

/* The server closes before answering. */
START_TEST(test_eof_before_response)
{
	static const struct step script[] = { { NULL, 1 } };
	struct srv s;
	struct res r = { 0 };
	struct evhttp_connection *evcon;

	evcon = START(&s, script);
	get_wait(evcon, &r, "/");
	assert_failed(&r, EVREQ_HTTP_EOF);
	finish(&s, evcon);
}
END_TEST

/* EVHTTP_CON_READ_ON_WRITE_ERROR: the server answers a request whose
 * body it will not read, and closes; the client's write fails, and it
 * reads the answer instead of failing the request. */
START_TEST(test_read_on_write_error)
{
	static const struct step script[] = {
		{ "HTTP/1.1 413 Payload Too Large\r\nConnection: "
		  "close\r\nContent-Length: 0\r\n\r\n",
		    CLOSE | ON_HEAD },
	};
	struct srv s;
	struct res r = { 0 };
	struct evhttp_connection *evcon;
	struct evhttp_request *req;
	static char big[1 << 20];

	evcon = START(&s, script);
	ck_assert_int_eq(evhttp_connection_set_flags(evcon,
	                     EVHTTP_CON_READ_ON_WRITE_ERROR),
	    0);
	req = new_req(&r);
	memset(big, 'x', sizeof(big));
	evbuffer_add(evhttp_request_get_output_buffer(req), big, sizeof(big));
	evbuffer_add(evhttp_request_get_output_buffer(req), big, sizeof(big));
	evbuffer_add(evhttp_request_get_output_buffer(req), big, sizeof(big));
	evbuffer_add(evhttp_request_get_output_buffer(req), big, sizeof(big));
	send_req(evcon, req, EVHTTP_REQ_POST, "/upload");
	wait_for(&r.done);
	ck_assert_msg(r.errors == 0, "error callback: %d", (int)r.err);
	ck_assert_int_eq(r.calls, 1);
	ck_assert_int_eq(r.code, 413);
	finish(&s, evcon);
}
END_TEST

/* The server's accept queue is full: SYNs are dropped and the connect
 * times out; without retries the callback gets the request, code 0. */
START_TEST(test_connect_timeout)
{
	struct srv s;
	struct res r = { 0 };
	struct evhttp_connection *evcon;
	struct timeval tv;
	struct sockaddr_in sin;
	evutil_socket_t fill[4];
	double t0, ms;
	int i;

	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(srv_bind(&s, AF_INET, 0), 0);
	ck_assert_int_eq(listen(s.lfd, 0), 0); /* never accepted from */
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons(s.port);
	for (i = 0; i < 4; i++) {
		fill[i] = socket(AF_INET, SOCK_STREAM, 0);
		evutil_make_socket_nonblocking(fill[i]);
		connect(fill[i], (struct sockaddr *)&sin, sizeof(sin));
	}
	evcon = client(&s);
	evhttp_connection_set_timeout_tv(evcon, evkit_ms_tv(&tv, 300));
	t0 = evkit_coarse_ms();
	get_wait(evcon, &r, "/");
	ms = evkit_now_ms() - t0;
	assert_unconnected(&r);
	ck_assert_msg(ms >= 300, "gave up after %.0f ms", ms);
	evhttp_connection_free(evcon);
	for (i = 0; i < 4; i++)
		evutil_closesocket(fill[i]);
	srv_stop(&s);
}
END_TEST

/* ---- Names, local address, family ---- */

static struct evdns_base *
hosts_dns(const char *lines)
{
	char path[] = "/tmp/evkit-hosts.XXXXXX";
	int fd = mkstemp(path);
	struct evdns_base *dns;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, lines, strlen(lines)),
	    (ssize_t)strlen(lines));
	close(fd);
	dns = evdns_base_new(evkit_base, 0);
	ck_assert_ptr_nonnull(dns);
	ck_assert_int_eq(evdns_base_load_hosts(dns, path), 0);
	unlink(path);
	return dns;
}

START_TEST(test_name_through_evdns)
{
	static const struct step script[] = { { OK_5, 0 } };
	struct srv s;
	struct res r = { 0 };
	struct evhttp_connection *evcon;
	struct evdns_base *dns;

	srv_start(&s, script, 1);
	dns = hosts_dns("127.0.0.1 web.evkit-test.invalid\n");
	evcon = evhttp_connection_base_new(evkit_base, dns,
	    "web.evkit-test.invalid", s.port);
	ck_assert_ptr_nonnull(evcon);
	get_wait(evcon, &r, "/n");
	ck_assert_int_eq(r.code, 200);
#ifndef EVKIT_REFERENCE
	{
		char host[80];
		snprintf(host, sizeof(host),
		    "\r\nHost: web.evkit-test.invalid:%u\r\n",
		    (unsigned)s.port);
		ck_assert_ptr_nonnull(strstr(s.req[0], host));
	}
#endif
	evhttp_connection_free(evcon);
	evdns_base_free(dns, 0);
	srv_stop(&s);
}
END_TEST

/* A nameserver on 127.0.0.1 that answers every query with NXDOMAIN. */
struct nxdomain {
	evutil_socket_t fd;
	struct event *ev;
	int queries;
	char addr[64];
};

static void
nxdomain_cb(evutil_socket_t fd, short what, void *arg)
{
	struct nxdomain *nx = arg;
	unsigned char q[512];
	struct sockaddr_storage from;
	socklen_t len = sizeof(from);
	ssize_t n;

	(void)what;
	n = recvfrom(fd, q, sizeof(q), 0, (struct sockaddr *)&from, &len);
	if (n < 12)
		return;
	nx->queries++;
	q[2] |= 0x80;                    /* QR: a response */
	q[3] = (q[3] & 0x70) | 0x80 | 3; /* RA, RCODE 3 (NXDOMAIN) */
	sendto(fd, q, (size_t)n, 0, (struct sockaddr *)&from, len);
}

static void
nxdomain_start(struct nxdomain *nx)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	memset(nx, 0, sizeof(*nx));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	nx->fd = socket(AF_INET, SOCK_DGRAM, 0);
	ck_assert_int_ge(nx->fd, 0);
	ck_assert_int_eq(bind(nx->fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(getsockname(nx->fd, (struct sockaddr *)&sin, &len), 0);
	snprintf(nx->addr, sizeof(nx->addr), "127.0.0.1:%u",
	    (unsigned)ntohs(sin.sin_port));
	evutil_make_socket_nonblocking(nx->fd);
	nx->ev = event_new(evkit_base, nx->fd, EV_READ | EV_PERSIST,
	    nxdomain_cb, nx);
	event_add(nx->ev, NULL);
}

/* A name the nameserver says does not exist: the request fails without
 * a connection, with the error callback and a NULL request. */
START_TEST(test_name_unknown)
{
	struct res r = { 0 };
	struct evhttp_connection *evcon;
	struct evdns_base *dns;
	struct nxdomain nx;

	nxdomain_start(&nx);
	dns = hosts_dns("127.0.0.1 other.evkit-test.invalid\n");
	ck_assert_int_eq(evdns_base_nameserver_ip_add(dns, nx.addr), 0);
	evcon = evhttp_connection_base_new(evkit_base, dns,
	    "missing.evkit-test.invalid", 80);
	ck_assert_ptr_nonnull(evcon);
	send_req(evcon, new_req(&r), EVHTTP_REQ_GET, "/");
	wait_for(&r.done);
	ck_assert_int_ge(nx.queries, 1);
	assert_failed(&r, EVREQ_HTTP_EOF);
	evhttp_connection_free(evcon);
	evdns_base_free(dns, 0);
	event_free(nx.ev);
	evutil_closesocket(nx.fd);
	settle();
}
END_TEST

/* Freed while its name is being looked up (the nameserver, a UDP
 * socket of ours, never answers): the lookup ends quietly. */
START_TEST(test_free_during_lookup)
{
	struct res r = { 0 };
	struct evhttp_connection *evcon;
	struct evdns_base *dns;
	struct nxdomain mute;
	int dummy = 0;

	nxdomain_start(&mute);
	event_del(mute.ev); /* reads nothing, answers nothing */
	dns = evdns_base_new(evkit_base, 0);
	ck_assert_ptr_nonnull(dns);
	ck_assert_int_eq(evdns_base_nameserver_ip_add(dns, mute.addr), 0);
	evcon = evhttp_connection_base_new(evkit_base, dns,
	    "slow.evkit-test.invalid", 80);
	ck_assert_ptr_nonnull(evcon);
	send_req(evcon, new_req(&r), EVHTTP_REQ_GET, "/");
	/* Let the lookup start. */
	evkit_loop_until(evkit_base, &dummy, 3, 50);
	evhttp_connection_free(evcon);
	ck_assert_int_eq(r.calls + r.errors, 0);
	evdns_base_free(dns, 0);
	event_free(mute.ev);
	evutil_closesocket(mute.fd);
	settle();
}
END_TEST

/* Bound to 127.0.0.2 and a port of the kernel's choosing. */
START_TEST(test_local_address)
{
	static const struct step script[] = { { OK_5, 0 } };
	struct srv s, spare;
	struct res r = { 0 };
	struct evhttp_connection *evcon;
	ev_uint16_t local_port;

	/* A free port: bind one, note it, let it go. */
	memset(&spare, 0, sizeof(spare));
	ck_assert_int_eq(srv_bind(&spare, AF_INET, 0), 0);
	local_port = spare.port;
	srv_stop(&spare);

	evcon = START(&s, script);
	evhttp_connection_set_local_address(evcon, "127.0.0.2");
	evhttp_connection_set_local_port(evcon, local_port);
	get_wait(evcon, &r, "/");
	ck_assert_int_eq(r.code, 200);
	ck_assert_int_eq(s.nconn, 1);
	ck_assert_str_eq(s.conn[0]->peer, "127.0.0.2");
	ck_assert_uint_eq(s.conn[0]->peer_port, local_port);
	finish(&s, evcon);
}
END_TEST

#ifndef EVKIT_REFERENCE
/* A local address that cannot be bound (not on this machine): the
 * request fails through its callback like a refused connect
 * (libevent's evhttp_make_request returns -1 then, keeping the
 * request). */
START_TEST(test_local_address_unusable)
{
	static const struct step script[] = { { OK_5, 0 } };
	struct srv s;
	struct res r = { 0 };
	struct evhttp_connection *evcon;

	evcon = START(&s, script);
	evhttp_connection_set_local_address(evcon, "192.0.2.1");
	get_wait(evcon, &r, "/");
	assert_unconnected(&r);
	ck_assert_int_eq(s.nconn, 0);
	finish(&s, evcon);
}
END_TEST
#endif

/* A name with both families: set_family picks which one is used. */
START_TEST(test_family)
{
	static const struct step script[] = { { OK_5, 0 } };
	struct srv s6;
	struct res r = { 0 };
	struct evhttp_connection *evcon;
	struct evdns_base *dns;
	char hosts[128];

	memset(&s6, 0, sizeof(s6));
	s6.script = script;
	s6.nsteps = 1;
	if (srv_bind(&s6, AF_INET6, 1) < 0)
		return; /* no IPv6 loopback here */
	snprintf(hosts, sizeof(hosts),
	    "127.0.0.1 dual.evkit-test.invalid\n::1 dual.evkit-test.invalid\n");
	dns = hosts_dns(hosts);
	evcon = evhttp_connection_base_new(evkit_base, dns,
	    "dual.evkit-test.invalid", s6.port);
	ck_assert_ptr_nonnull(evcon);
	evhttp_connection_set_family(evcon, AF_INET6);
	get_wait(evcon, &r, "/6");
	ck_assert_int_eq(r.code, 200);
	ck_assert_int_eq(s6.nconn, 1);
	ck_assert_str_eq(s6.conn[0]->peer, "::1");
	evhttp_connection_free(evcon);
	evdns_base_free(dns, 0);
	srv_stop(&s6);
}
END_TEST

/* EVHTTP_CON_REUSE_CONNECTED_ADDR: the next connection goes to the
 * address of the last one, without a lookup (the name is gone from the
 * hosts table, and the nameserver would say NXDOMAIN). */
START_TEST(test_reuse_connected_addr)
{
	static const struct step script[] = {
		{ "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: "
		  "5\r\n\r\nhello",
		    1 },
		{ OK_5, 0 },
	};
	struct srv s;
	struct res r1 = { 0 }, r2 = { 0 };
	struct evhttp_connection *evcon;
	struct evdns_base *dns;
	struct nxdomain nx;

	srv_start(&s, script, 2);
	nxdomain_start(&nx);
	dns = hosts_dns("127.0.0.1 reuse.evkit-test.invalid\n");
	ck_assert_int_eq(evdns_base_nameserver_ip_add(dns, nx.addr), 0);
	evcon = evhttp_connection_base_new(evkit_base, dns,
	    "reuse.evkit-test.invalid", s.port);
	ck_assert_ptr_nonnull(evcon);
	ck_assert_int_eq(evhttp_connection_set_flags(evcon,
	                     EVHTTP_CON_REUSE_CONNECTED_ADDR),
	    0);
	get_wait(evcon, &r1, "/1");
	ck_assert_int_eq(r1.code, 200);
	evdns_base_clear_host_addresses(dns);
	get_wait(evcon, &r2, "/2");
	ck_assert_int_eq(r2.code, 200);
	ck_assert_int_eq(nx.queries, 0);
	ck_assert_int_eq(s.counted, 2);
	evhttp_connection_free(evcon);
	evdns_base_free(dns, 0);
	event_free(nx.ev);
	evutil_closesocket(nx.fd);
	srv_stop(&s);
}
END_TEST

/* http_compat.h: a connection made on the global base (event_init's),
 * then moved to another. */
START_TEST(test_compat_set_base)
{
	static const struct step script[] = { { OK_5, 0 } };
	struct srv s;
	struct res r = { 0 };
	struct evhttp_connection *evcon;
	struct event_base *global = event_init();

	ck_assert_ptr_nonnull(global);
	srv_start(&s, script, 1);
	evcon = evhttp_connection_new("127.0.0.1", s.port);
	ck_assert_ptr_nonnull(evcon);
	evhttp_connection_set_base(evcon, evkit_base);
	ck_assert_ptr_eq(evhttp_connection_get_base(evcon), evkit_base);
	get_wait(evcon, &r, "/compat");
	ck_assert_int_eq(r.code, 200);
	finish(&s, evcon);
	evkit_free_base(global);
}
END_TEST

/* free_on_completion on a kept-alive connection: freed once the server
 * closes it (the teardown fails if its events were left). */
START_TEST(test_free_on_completion_idle)
{
	static const struct step script[] = { { OK_5, 0 } };
	struct srv s;
	struct res r = { 0 };
	struct evhttp_connection *evcon;
	int closed = 0;

	evcon = START(&s, script);
	evhttp_connection_set_closecb(evcon, note_close, &closed);
	evhttp_connection_free_on_completion(evcon);
	get_wait(evcon, &r, "/");
	ck_assert_int_eq(r.code, 200);
	ck_assert_int_eq(closed, 0);
	srv_close_conn(s.last);
	wait_for(&closed);
	srv_stop(&s);
}
END_TEST

/* ---- Against an evhttp server on the same base ---- */

struct hsrv {
	struct evhttp *http;
	ev_uint16_t port;
	int nreq;
	ev_uint16_t peer_port[MAXREQ];
};

static void
hsrv_note(struct hsrv *h, struct evhttp_request *req)
{
	char *addr;
	ev_uint16_t port;

	if (evhttp_find_header(evhttp_request_get_input_headers(req), MARK) ==
	    NULL)
		return;
	evhttp_connection_get_peer(evhttp_request_get_connection(req), &addr,
	    &port);
	ck_assert_int_lt(h->nreq, MAXREQ);
	h->peer_port[h->nreq++] = port;
}

/* Answers with the method and the body it got. */
static void
hsrv_echo(struct evhttp_request *req, void *arg)
{
	struct evbuffer *out = evbuffer_new();

	hsrv_note(arg, req);
	evbuffer_add_printf(out, "%d:", (int)evhttp_request_get_command(req));
	evbuffer_add_buffer(out, evhttp_request_get_input_buffer(req));
	evhttp_send_reply(req, 200, "Fine", out);
	evbuffer_free(out);
}

/* A streamed reply in three parts. */
static void
hsrv_chunks(struct evhttp_request *req, void *arg)
{
	struct evbuffer *out = evbuffer_new();
	int i;

	hsrv_note(arg, req);
	evhttp_send_reply_start(req, 200, "OK");
	for (i = 0; i < 3; i++) {
		evbuffer_add_printf(out, "part%d;", i);
		evhttp_send_reply_chunk(req, out);
	}
	evhttp_send_reply_end(req);
	evbuffer_free(out);
}

/* The evhttp server, and a client connection to it. */
static struct evhttp_connection *
hsrv_start(struct hsrv *h)
{
	struct evhttp_connection *evcon;
	struct evhttp_bound_socket *bs;
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	memset(h, 0, sizeof(*h));
	h->http = evhttp_new(evkit_base);
	ck_assert_ptr_nonnull(h->http);
	bs = evhttp_bind_socket_with_handle(h->http, "127.0.0.1", 0);
	ck_assert_ptr_nonnull(bs);
	ck_assert_int_eq(getsockname(evhttp_bound_socket_get_fd(bs),
	                     (struct sockaddr *)&sin, &len),
	    0);
	h->port = ntohs(sin.sin_port);
	evhttp_set_cb(h->http, "/echo", hsrv_echo, h);
	evhttp_set_cb(h->http, "/chunks", hsrv_chunks, h);
	evcon =
	    evhttp_connection_base_new(evkit_base, NULL, "127.0.0.1", h->port);
	ck_assert_ptr_nonnull(evcon);
	return evcon;
}

static void
hsrv_stop(struct hsrv *h, struct evhttp_connection *evcon)
{
	evhttp_connection_free(evcon);
	evhttp_free(h->http);
	settle();
}

static ev_uint16_t
local_port(struct evhttp_connection *evcon)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	evutil_socket_t fd =
	    bufferevent_getfd(evhttp_connection_get_bufferevent(evcon));

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	return ntohs(sin.sin_port);
}

/* Notes the client's local port while the connection is up. */
static void
note_port(struct evhttp_request *req, struct res *r)
{
	(void)req;
	*(ev_uint16_t *)r->arg = local_port(r->arg2);
}

START_TEST(test_evhttp_keepalive)
{
	struct hsrv h;
	struct res r[3];
	struct evhttp_connection *evcon;
	struct evhttp_request *req;
	ev_uint16_t port = 0;

	memset(r, 0, sizeof(r));
	evcon = hsrv_start(&h);
	ck_assert_int_eq(send_get(evcon, &r[0], "/echo"), 0);
	req = new_req(&r[1]);
	evbuffer_add_printf(evhttp_request_get_output_buffer(req), "body!");
	send_req(evcon, req, EVHTTP_REQ_POST, "/echo");
	r[2].then = note_port;
	r[2].arg = &port;
	r[2].arg2 = evcon;
	ck_assert_int_eq(send_get(evcon, &r[2], "/echo"), 0);
	wait_for(&r[2].done);
	ck_assert_int_eq(r[0].code, 200);
	ck_assert_str_eq(r[0].reason, "Fine");
	ck_assert_str_eq(r[0].body, "1:");
	ck_assert_int_eq(r[1].code, 200);
	ck_assert_str_eq(r[1].body, "2:body!");
	ck_assert_str_eq(r[2].body, "1:");
	/* One connection, ours. */
	ck_assert_int_eq(h.nreq, 3);
	ck_assert_uint_eq(h.peer_port[0], port);
	ck_assert_uint_eq(h.peer_port[1], port);
	ck_assert_uint_eq(h.peer_port[2], port);
	hsrv_stop(&h, evcon);
}
END_TEST

START_TEST(test_evhttp_chunked)
{
	struct hsrv h;
	struct res r = { 0 }, r2 = { 0 };
	struct evhttp_connection *evcon;
	struct evhttp_request *req;

	evcon = hsrv_start(&h);
	req = new_req(&r);
	evhttp_request_set_chunked_cb(req, res_chunk_cb);
	send_req(evcon, req, EVHTTP_REQ_GET, "/chunks");
	/* HEAD of the same: no body, and the connection goes on. */
	send_req(evcon, new_req(&r2), EVHTTP_REQ_HEAD, "/echo");
	wait_for(&r2.done);
	ck_assert_int_eq(r.code, 200);
	ck_assert_int_ge(r.chunks, 1);
	ck_assert_str_eq(r.body, "part0;part1;part2;");
	ck_assert_int_eq(r2.code, 200);
	ck_assert_int_eq(r2.body_len, 0);
	ck_assert_int_eq(h.nreq, 2);
	ck_assert_uint_eq(h.peer_port[0], h.peer_port[1]);
	hsrv_stop(&h, evcon);
}
END_TEST

/* "Connection: close" on a request: the server closes after its reply,
 * the next request opens a new connection. */
START_TEST(test_evhttp_request_close)
{
	struct hsrv h;
	struct res r1 = { 0 }, r2 = { 0 };
	struct evhttp_connection *evcon;
	struct evhttp_request *req;
	int closed = 0;

	evcon = hsrv_start(&h);
	evhttp_connection_set_closecb(evcon, note_close, &closed);
	req = new_req(&r1);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Connection",
	    "close");
	send_req(evcon, req, EVHTTP_REQ_GET, "/echo");
	get_wait(evcon, &r2, "/echo");
	ck_assert_int_eq(r1.code, 200);
	ck_assert_int_eq(r2.code, 200);
	ck_assert_int_ge(closed, 1);
	ck_assert_int_eq(h.nreq, 2);
	ck_assert_uint_ne(h.peer_port[0], h.peer_port[1]);
	hsrv_stop(&h, evcon);
}
END_TEST

/* An IPv6 address: connected over IPv6, named in brackets in Host. */
START_TEST(test_ipv6_literal)
{
	static const struct step script[] = { { OK_5, 0 } };
	struct srv s;
	struct res r = { 0 };
	struct evhttp_connection *evcon;

	memset(&s, 0, sizeof(s));
	s.script = script;
	s.nsteps = 1;
	if (srv_bind(&s, AF_INET6, 1) < 0)
		return; /* no IPv6 loopback here */
	evcon = evhttp_connection_base_new(evkit_base, NULL, "::1", s.port);
	ck_assert_ptr_nonnull(evcon);
	get_wait(evcon, &r, "/v6");
	ck_assert_int_eq(r.code, 200);
	ck_assert_str_eq(s.conn[0]->peer, "::1");
#ifndef EVKIT_REFERENCE
	{
		char host[64];
		snprintf(host, sizeof(host), "\r\nHost: [::1]:%u\r\n",
		    (unsigned)s.port);
		ck_assert_msg(strstr(s.req[0], host) != NULL, "%s", s.req[0]);
	}
#endif
	finish(&s, evcon);
}
END_TEST

#ifndef EVKIT_REFERENCE
/* A request type with no method name is refused at once (libevent 2.1
 * sends "NULL" as the method). */
START_TEST(test_unknown_method)
{
	struct res r = { 0 };
	struct evhttp_connection *evcon =
	    evhttp_connection_base_new(evkit_base, NULL, "127.0.0.1", 80);

	ck_assert_int_eq(evhttp_make_request(evcon, new_req(&r),
	                     (enum evhttp_cmd_type)(1 << 12), "/"),
	    -1);
	ck_assert_int_eq(r.calls + r.errors, 0);
	evhttp_connection_free(evcon);
	settle();
}
END_TEST
#endif

START_TEST(test_set_flags)
{
	struct evhttp_connection *evcon =
	    evhttp_connection_base_new(evkit_base, NULL, "127.0.0.1", 80);

	ck_assert_int_eq(evhttp_connection_set_flags(evcon,
	                     EVHTTP_CON_REUSE_CONNECTED_ADDR |
	                         EVHTTP_CON_READ_ON_WRITE_ERROR),
	    0);
	ck_assert_int_ne(evhttp_connection_set_flags(evcon, 0x40000), 0);
	evhttp_connection_free(evcon);
	settle();
}
END_TEST

Suite *
http_client_suite(void)
{
	Suite *s = suite_create("http_client");
	TCase *tc = tcase_create("client");

	tcase_add_checked_fixture(tc, evkit_setup, evkit_teardown);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_get);
	tcase_add_test(tc, test_post_body);
	tcase_add_test(tc, test_keepalive_reuse);
	tcase_add_test(tc, test_idle_close_reconnect);
	tcase_add_test(tc, test_response_close);
	tcase_add_test(tc, test_http10_until_close);
	tcase_add_test(tc, test_head_no_body);
	tcase_add_test(tc, test_chunked_cb);
	tcase_add_test(tc, test_cancel_in_chunked_cb);
	tcase_add_test(tc, test_refused_retries);
	tcase_add_test(tc, test_retry_succeeds);
	tcase_add_test(tc, test_free_in_refused_callback);
	tcase_add_test(tc, test_timeout);
	tcase_add_test(tc, test_cancel_before);
	tcase_add_test(tc, test_cancel_during);
	tcase_add_test(tc, test_free_pending);
	tcase_add_test(tc, test_free_in_callback);
	tcase_add_test(tc, test_free_on_completion);
	tcase_add_test(tc, test_body_too_long);
	tcase_add_test(tc, test_headers_too_long);
#ifndef EVKIT_REFERENCE
	tcase_add_test(tc, test_smuggled_response);
#endif
	tcase_add_test(tc, test_header_cb_refuses);
	tcase_add_test(tc, test_eof_before_response);
	tcase_add_test(tc, test_read_on_write_error);
	tcase_add_test(tc, test_connect_timeout);
	tcase_add_test(tc, test_name_through_evdns);
	tcase_add_test(tc, test_name_unknown);
	tcase_add_test(tc, test_free_during_lookup);
	tcase_add_test(tc, test_local_address);
#ifndef EVKIT_REFERENCE
	tcase_add_test(tc, test_local_address_unusable);
#endif
	tcase_add_test(tc, test_family);
	tcase_add_test(tc, test_reuse_connected_addr);
	tcase_add_test(tc, test_compat_set_base);
	tcase_add_test(tc, test_free_on_completion_idle);
	tcase_add_test(tc, test_evhttp_keepalive);
	tcase_add_test(tc, test_evhttp_chunked);
	tcase_add_test(tc, test_evhttp_request_close);
	tcase_add_test(tc, test_ipv6_literal);
#ifndef EVKIT_REFERENCE
	tcase_add_test(tc, test_unknown_method);
#endif
	tcase_add_test(tc, test_set_flags);
	suite_add_tcase(s, tc);
	return s;
}
