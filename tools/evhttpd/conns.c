/*
 * conns.c: the connections of a worker, for --max-conns and for the
 * graceful stop.
 *
 * evhttp 2.1 tells of a new connection only through the bufferevent
 * callback, of its end only through the close callback, which is set on
 * an evhttp_connection (known from its first request), and of a finished
 * reply only through the request's on-complete callback, which is not
 * called when the connection fails first.  So each connection gets a
 * record when its bufferevent is made; its first request sets the close
 * callback; the record counts the requests it has in flight, and its
 * close takes them off the worker's total, so that a SIGTERM waits only
 * for replies that can still complete.  A connection that never sends a
 * request is given up once evhttp must have timed it out (the idle
 * timeout plus two seconds).  While the count is at --max-conns the
 * listener is disabled: new clients wait in the kernel's backlog.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdint.h>
#include <stdlib.h>

#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>

#include "cli.h"
#include "evhttpd.h"

#define NBUCKETS 4096
#define MAX_SINGLE_WRITE (4 * 1024 * 1024)

struct conn {
	struct bufferevent *bev; /* the key */
	time_t since;
	int claimed; /* a request was seen: the close callback is set */
	int inflight;
	struct evhttpd_conns *c;
	struct conn *next;
};

struct evhttpd_conns {
	struct evhttpd_worker *w;
	int count;
	int paused;
	size_t npending; /* records not claimed yet */
	struct conn *bucket[NBUCKETS];
};

static unsigned
slot(const struct bufferevent *bev)
{
	uintptr_t p = (uintptr_t)bev;

	return (unsigned)((p >> 4) ^ (p >> 16)) % NBUCKETS;
}

static void
unlink_conn(struct evhttpd_conns *c, struct conn *k)
{
	struct conn **pp;

	for (pp = &c->bucket[slot(k->bev)]; *pp != NULL; pp = &(*pp)->next)
		if (*pp == k) {
			*pp = k->next;
			break;
		}
	if (!k->claimed)
		c->npending--;
	free(k);
}

/* One connection fewer: accept again if the limit held us. */
static void
count_down(struct evhttpd_conns *c)
{
	c->count--;
	if (c->paused && c->count < c->w->o->max_conns && !c->w->stopping) {
		evconnlistener_enable(c->w->listener);
		c->paused = 0;
	}
}

static struct conn *
add_conn(struct evhttpd_conns *c, struct bufferevent *bev)
{
	struct conn *k = cli_xcalloc(1, sizeof(*k));

	k->bev = bev;
	k->since = c->w->now;
	k->c = c;
	k->next = c->bucket[slot(bev)];
	c->bucket[slot(bev)] = k;
	c->npending++;
	if (++c->count >= c->w->o->max_conns && !c->paused) {
		evconnlistener_disable(c->w->listener);
		c->paused = 1;
	}
	return k;
}

static struct bufferevent *
new_conn(struct event_base *base, void *arg)
{
	struct bufferevent *bev;

	if (evhttpd_tls_enabled())
		bev = evhttpd_tls_bufferevent(base);
	else
		bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL)
		return NULL; /* evhttp makes its own, uncounted (plain:
		              * out of memory only; a TLS client fails) */
	/*
	 * A bufferevent writes at most 16 KiB per call by default: 64
	 * sendfile calls for a 1 MiB file.  The kernel takes what fits in
	 * the socket buffer anyway, so let one call offer it all.
	 */
	bufferevent_set_max_single_write(bev, MAX_SINGLE_WRITE);
	add_conn(arg, bev);
	return bev;
}

static void
conn_closed(struct evhttp_connection *evcon, void *arg)
{
	struct conn *k = arg;
	struct evhttpd_conns *c = k->c;

	(void)evcon;
	c->w->inflight -= k->inflight;
	unlink_conn(c, k);
	count_down(c);
	evhttpd_worker_check_stop(c->w);
}

static void
request_done(struct evhttp_request *req, void *arg)
{
	struct conn *k = arg;

	(void)req;
	k->inflight--;
	k->c->w->inflight--;
	evhttpd_worker_check_stop(k->c->w);
}

struct evhttpd_conns *
evhttpd_conns_new(struct evhttpd_worker *w)
{
	struct evhttpd_conns *c = cli_xcalloc(1, sizeof(*c));

	c->w = w;
	evhttp_set_bevcb(w->http, new_conn, c);
	return c;
}

void
evhttpd_conns_request(struct evhttpd_conns *c, struct evhttp_request *req)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	struct bufferevent *bev;
	struct conn *k;

	if (evcon == NULL)
		return;
	bev = evhttp_connection_get_bufferevent(evcon);
	for (k = c->bucket[slot(bev)]; k != NULL; k = k->next)
		if (k->bev == bev)
			break;
	if (k == NULL) /* given up on, or made by evhttp itself */
		k = add_conn(c, bev);
	if (!k->claimed) {
		k->claimed = 1;
		c->npending--;
		evhttp_connection_set_closecb(evcon, conn_closed, k);
	}
	k->inflight++;
	c->w->inflight++;
	evhttp_request_set_on_complete_cb(req, request_done, k);
}

void
evhttpd_conns_expire(struct evhttpd_conns *c)
{
	time_t limit = c->w->now - c->w->o->timeout - 2;
	struct conn *k, *next;
	size_t i;

	for (i = 0; i < NBUCKETS && c->npending > 0; i++)
		for (k = c->bucket[i]; k != NULL; k = next) {
			next = k->next;
			if (k->claimed || k->since > limit)
				continue;
			unlink_conn(c, k);
			count_down(c);
		}
}

void
evhttpd_conns_free(struct evhttpd_conns *c)
{
	struct conn *k;
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < NBUCKETS; i++)
		while ((k = c->bucket[i]) != NULL) {
			c->bucket[i] = k->next;
			free(k);
		}
	free(c);
}
