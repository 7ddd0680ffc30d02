/*
 * evdns_tcp.c: DNS over TCP for the resolver (RFC 1035 4.2.2, RFC 7766),
 * and over a stream the program makes (DNS over TLS, RFC 7858:
 * evdns_base_set_bufferevent_cb).
 *
 * One connection per nameserver at a time, shared by every query sent to
 * it over TCP: queries are written back to back (pipelined) with their
 * 2-byte length, and replies, which may come in any order, are handed to
 * evdns_reply_() which matches them by ID.  Partial reads and writes are
 * kept in two evbuffers.  A connection with no query left closes after
 * tcp-idle-timeout.  None of its events keeps the loop running (the
 * requests' timers do that).
 *
 * evdns connects the socket itself; with a bufferevent callback set, the
 * established socket is handed to it and the connection's queries and
 * replies then go through the bufferevent it returns (its input and
 * output replace the two evbuffers).  So a refused or unreachable
 * nameserver is told apart (the try's conn_err) from one that connected
 * and then failed, for example in a TLS handshake.
 *
 * A connection that fails before carrying any reply fails the tries on it
 * (DNS_ERR_TRUNCATED for a truncated UDP reply's retry); one that carried
 * replies and then closes was probably closed for idleness by the server
 * just as we wrote, so its queries are written once more on a new one.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_struct.h>
#include <event2/event.h>
#include <event2/event_struct.h>

#include "bufferevent-internal.h"
#include "event-internal.h"
#include "evthread-internal.h"
#include "log-internal.h"
#include "mm-internal.h"
#include "util-internal.h"
#include "evdns-internal.h"
#include "evdns-core-internal.h"

struct evdns_tcp_conn {
	struct nameserver *ns;
	evutil_socket_t fd;
	struct event rev, wev, idle_ev;
	struct evbuffer *in, *out;
	struct bufferevent *bev; /* the caller's, once connected; owns fd */
	int connected;
	int answered; /* it carried a reply */
	TAILQ_HEAD(, evdns_request) reqs;
};

static void conn_read_cb(evutil_socket_t fd, short what, void *arg);
static void conn_write_cb(evutil_socket_t fd, short what, void *arg);
static void conn_idle_cb(evutil_socket_t fd, short what, void *arg);

int
evdns_base_set_bufferevent_cb(struct evdns_base *base, evdns_bufferevent_cb cb,
    void *arg)
{
	if (!base)
		return -1;
	evdns_base_lock_(base);
	base->bev_cb = cb;
	base->bev_arg = arg;
	evdns_base_unlock_(base);
	return 0;
}

void
evdns_tcp_conn_free_(struct evdns_tcp_conn *conn)
{
	if (conn->ns && conn->ns->tcp == conn)
		conn->ns->tcp = NULL;
	event_del(&conn->rev);
	event_del(&conn->wev);
	event_del(&conn->idle_ev);
	if (conn->bev)
		bufferevent_free(conn->bev); /* closes fd */
	else
		evutil_closesocket(conn->fd);
	evbuffer_free(conn->in);
	evbuffer_free(conn->out);
	mm_free(conn);
}

static struct evdns_tcp_conn *
conn_new(struct nameserver *ns)
{
	struct evdns_base *base = ns->base;
	struct evdns_tcp_conn *conn;
	evutil_socket_t fd;

	fd = evdns_socket_(ns, SOCK_STREAM);
	if (fd < 0)
		return NULL;
	conn = mm_calloc(1, sizeof(*conn));
	if (!conn)
		goto err;
	conn->in = evbuffer_new();
	conn->out = evbuffer_new();
	if (!conn->in || !conn->out) {
		if (conn->in)
			evbuffer_free(conn->in);
		if (conn->out)
			evbuffer_free(conn->out);
		mm_free(conn);
		goto err;
	}
	conn->ns = ns;
	conn->fd = fd;
	TAILQ_INIT(&conn->reqs);
	event_assign(&conn->rev, base->event_base, fd, EV_READ | EV_PERSIST,
	    conn_read_cb, conn);
	event_assign(&conn->wev, base->event_base, fd, EV_WRITE | EV_PERSIST,
	    conn_write_cb, conn);
	evtimer_assign(&conn->idle_ev, base->event_base, conn_idle_cb, conn);
	conn->rev.ev_flags |= EVLIST_INTERNAL;
	conn->wev.ev_flags |= EVLIST_INTERNAL;
	conn->idle_ev.ev_flags |= EVLIST_INTERNAL;
	/* With a bufferevent to come, nothing is read before it is made. */
	if (!base->bev_cb && event_add(&conn->rev, NULL) < 0) {
		conn->ns = NULL;
		evdns_tcp_conn_free_(conn);
		return NULL;
	}
	return conn;
err:
	evutil_closesocket(fd);
	return NULL;
}

/* The connection is unusable: its queries are failed or sent again.
 * sock_err: the socket error of a connect that failed, else 0. */
static void
conn_fail(struct evdns_tcp_conn *conn, int sock_err)
{
	struct evdns_request *req;
	int answered = conn->answered;

	if (conn->ns && conn->ns->tcp == conn)
		conn->ns->tcp = NULL;
	while ((req = TAILQ_FIRST(&conn->reqs))) {
		TAILQ_REMOVE(&conn->reqs, req, tcp_link);
		req->conn = NULL;
		req->conn_err = sock_err;
		if (answered && !req->tcp_resent) {
			req->tcp_resent = 1;
			if (evdns_tcp_send_(req) == 0)
				continue;
		}
		evdns_try_failed_(req,
		    req->from_tc ? DNS_ERR_TRUNCATED : DNS_ERR_UNKNOWN);
	}
	evdns_tcp_conn_free_(conn);
}

static void
conn_idle_cb(evutil_socket_t fd, short what, void *arg)
{
	struct evdns_tcp_conn *conn = arg;
	struct evdns_base *base = conn->ns->base;

	(void)fd;
	(void)what;
	evdns_base_lock_(base);
	if (TAILQ_EMPTY(&conn->reqs))
		evdns_tcp_conn_free_(conn);
	evdns_base_unlock_(base);
}

/* Hands the replies complete in buf to evdns_reply_(). */
static void
conn_take_replies(struct evdns_tcp_conn *conn, struct evbuffer *buf)
{
	struct evdns_base *base = conn->ns->base;

	for (;;) {
		size_t have = evbuffer_get_length(buf);
		unsigned char *p;
		size_t len;

		if (have < 2)
			break;
		p = evbuffer_pullup(buf, 2);
		len = ((size_t)p[0] << 8) | p[1];
		if (have < 2 + len)
			break;
		p = evbuffer_pullup(buf, (ev_ssize_t)(2 + len));
		if (!p)
			break;
		conn->answered = 1;
		evdns_reply_(base, p + 2, len, NULL, conn);
		evbuffer_drain(buf, 2 + len);
	}
}

static void
bev_read_cb(struct bufferevent *bev, void *arg)
{
	struct evdns_tcp_conn *conn = arg;
	struct evdns_base *base = conn->ns->base;

	evdns_base_lock_(base);
	conn_take_replies(conn, bufferevent_get_input(bev));
	evdns_base_unlock_(base);
}

static void
bev_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct evdns_tcp_conn *conn = arg;
	struct evdns_base *base = conn->ns->base;

	(void)bev;
	if (!(what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)))
		return; /* BEV_EVENT_CONNECTED: the handshake is done */
	evdns_base_lock_(base);
	conn_fail(conn, 0);
	evdns_base_unlock_(base);
}

/* The socket is connected: hand it to the program's callback.  0, or -1
 * (the connection failed and is freed). */
static int
conn_make_bev(struct evdns_tcp_conn *conn)
{
	struct evdns_base *base = conn->ns->base;
	struct nameserver *ns = conn->ns;
	struct bufferevent *bev;

	event_del(&conn->wev);
	bev = base->bev_cb(base->event_base, conn->fd,
	    (const struct sockaddr *)&ns->addr, ns->addrlen, base->bev_arg);
	if (!bev) {
		conn_fail(conn, 0);
		return -1;
	}
	conn->bev = bev;
	/* Threads: a lock of its own (the caller made it without one),
	 * and callbacks run without it, since they take the resolver's: the
	 * resolver's lock is always taken first. */
	if (base->lock) {
		if (!BEV_UPCAST(bev)->lock)
			(void)bufferevent_enable_locking_(bev, NULL);
		bufferevent_defer_unlocked_(bev);
	}
	bufferevent_setcb(bev, bev_read_cb, NULL, bev_event_cb, conn);
	/* Like the socket's events, the bufferevent's keep no loop alive
	 * (a bufferevent that assigns its events again later loses it). */
	bev->ev_read.ev_flags |= EVLIST_INTERNAL;
	bev->ev_write.ev_flags |= EVLIST_INTERNAL;
	if (bufferevent_write_buffer(bev, conn->out) < 0 ||
	    bufferevent_enable(bev, EV_READ | EV_WRITE) < 0) {
		conn_fail(conn, 0);
		return -1;
	}
	return 0;
}

static void
conn_write_cb(evutil_socket_t fd, short what, void *arg)
{
	struct evdns_tcp_conn *conn = arg;
	struct evdns_base *base = conn->ns->base;

	(void)what;
	evdns_base_lock_(base);
	if (!conn->connected) {
		int e = 0;
		socklen_t l = sizeof(e);

		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &l) < 0)
			e = errno;
		if (e) {
			if (EVUTIL_ERR_CONNECT_RETRIABLE(e))
				goto out;
			conn_fail(conn, e);
			goto out;
		}
		conn->connected = 1;
		if (base->bev_cb) {
			(void)conn_make_bev(conn);
			goto out;
		}
	}
	while (evbuffer_get_length(conn->out) > 0) {
		size_t n = evbuffer_get_length(conn->out);
		unsigned char *p;
		ssize_t w;

		if (n > 65536)
			n = 65536;
		p = evbuffer_pullup(conn->out, (ev_ssize_t)n);
		if (!p)
			break;
		w = send(fd, p, n, MSG_NOSIGNAL);
		if (w < 0) {
			if (EVUTIL_ERR_RW_RETRIABLE(errno))
				goto out;
			conn_fail(conn, 0);
			goto out;
		}
		evbuffer_drain(conn->out, (size_t)w);
	}
	event_del(&conn->wev);
out:
	evdns_base_unlock_(base);
}

static void
conn_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct evdns_tcp_conn *conn = arg;
	struct evdns_base *base = conn->ns->base;
	int n;

	(void)what;
	evdns_base_lock_(base);
	n = evbuffer_read(conn->in, fd, 65536);
	if (n < 0 && EVUTIL_ERR_RW_RETRIABLE(errno))
		goto out;
	if (n <= 0) {
		/* Before it connected: the connect's own error. */
		conn_fail(conn, n < 0 && !conn->connected ? errno : 0);
		goto out;
	}
	conn->connected = 1;
	conn_take_replies(conn, conn->in);
out:
	evdns_base_unlock_(base);
}

int
evdns_tcp_send_(struct evdns_request *req)
{
	struct nameserver *ns = req->ns;
	struct evdns_tcp_conn *conn = ns->tcp;
	unsigned char frame[2 + sizeof(req->pkt)];

	if (!conn) {
		conn = conn_new(ns);
		if (!conn)
			return -1;
		ns->tcp = conn;
	}
	frame[0] = (unsigned char)(req->pkt_len >> 8);
	frame[1] = (unsigned char)req->pkt_len;
	memcpy(frame + 2, req->pkt, (size_t)req->pkt_len);
	if (conn->bev) {
		if (bufferevent_write(conn->bev, frame,
		        2 + (size_t)req->pkt_len) < 0)
			return -1;
	} else {
		if (evbuffer_add(conn->out, frame, 2 + (size_t)req->pkt_len) <
		    0)
			return -1;
		if (event_add(&conn->wev, NULL) < 0)
			return -1;
	}
	event_del(&conn->idle_ev);
	req->conn = conn;
	TAILQ_INSERT_TAIL(&conn->reqs, req, tcp_link);
	return 0;
}

void
evdns_tcp_detach_(struct evdns_request *req)
{
	struct evdns_tcp_conn *conn = req->conn;
	struct timeval tv;

	if (!conn)
		return;
	TAILQ_REMOVE(&conn->reqs, req, tcp_link);
	req->conn = NULL;
	if (TAILQ_EMPTY(&conn->reqs)) {
		tv.tv_sec = req->base->tcp_idle_msec / 1000;
		tv.tv_usec = (req->base->tcp_idle_msec % 1000) * 1000;
		event_add(&conn->idle_ev, &tv);
	}
}
