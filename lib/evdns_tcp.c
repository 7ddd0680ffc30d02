/*
 * evdns_tcp.c: DNS over TCP for the resolver (RFC 1035 4.2.2, RFC 7766).
 *
 * One connection per nameserver at a time, shared by every query sent to
 * it over TCP: queries are written back to back (pipelined) with their
 * 2-byte length, and replies, which may come in any order, are handed to
 * evdns_reply_() which matches them by ID.  Partial reads and writes are
 * kept in two evbuffers.  A connection with no query left closes after
 * tcp-idle-timeout.  None of its events keeps the loop running (the
 * requests' timers do that).
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
#include <event2/event.h>
#include <event2/event_struct.h>

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
	int connected;
	int answered; /* it carried a reply */
	TAILQ_HEAD(, evdns_request) reqs;
};

static void conn_read_cb(evutil_socket_t fd, short what, void *arg);
static void conn_write_cb(evutil_socket_t fd, short what, void *arg);
static void conn_idle_cb(evutil_socket_t fd, short what, void *arg);

void
evdns_tcp_conn_free_(struct evdns_tcp_conn *conn)
{
	if (conn->ns && conn->ns->tcp == conn)
		conn->ns->tcp = NULL;
	event_del(&conn->rev);
	event_del(&conn->wev);
	event_del(&conn->idle_ev);
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
	if (event_add(&conn->rev, NULL) < 0) {
		conn->ns = NULL;
		evdns_tcp_conn_free_(conn);
		return NULL;
	}
	return conn;
err:
	evutil_closesocket(fd);
	return NULL;
}

/* The connection is unusable: its queries are failed or sent again. */
static void
conn_fail(struct evdns_tcp_conn *conn)
{
	struct evdns_request *req;
	int answered = conn->answered;

	if (conn->ns && conn->ns->tcp == conn)
		conn->ns->tcp = NULL;
	while ((req = TAILQ_FIRST(&conn->reqs))) {
		TAILQ_REMOVE(&conn->reqs, req, tcp_link);
		req->conn = NULL;
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
			conn_fail(conn);
			goto out;
		}
		conn->connected = 1;
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
			conn_fail(conn);
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
		conn_fail(conn);
		goto out;
	}
	conn->connected = 1;
	for (;;) {
		size_t have = evbuffer_get_length(conn->in);
		unsigned char *p;
		size_t len;

		if (have < 2)
			break;
		p = evbuffer_pullup(conn->in, 2);
		len = ((size_t)p[0] << 8) | p[1];
		if (have < 2 + len)
			break;
		p = evbuffer_pullup(conn->in, (ev_ssize_t)(2 + len));
		if (!p)
			break;
		conn->answered = 1;
		evdns_reply_(base, p + 2, len, NULL, conn);
		evbuffer_drain(conn->in, 2 + len);
	}
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
	if (evbuffer_add(conn->out, frame, 2 + (size_t)req->pkt_len) < 0)
		return -1;
	if (event_add(&conn->wev, NULL) < 0)
		return -1;
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
