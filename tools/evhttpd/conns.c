/*
 * conns.c: --max-conns.  evhttp 2.1 has no connection limit and tells of
 * a new connection only through the bufferevent callback, of its end only
 * through the close callback of a connection we have seen a request on.
 * So a connection is counted when its bufferevent is made and waits in a
 * "pending" table until its first request, which sets its close callback;
 * one that never sends a request is given up once evhttp must have timed
 * it out (the idle timeout plus two seconds).  While the count is at the
 * limit the listener is disabled: new clients wait in the kernel's
 * backlog, nothing is refused.
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

#define NPENDING 1024

struct pending {
	struct bufferevent *bev;
	time_t since;
	struct pending *next;
};

struct evhttpd_conns {
	struct evhttpd_worker *w;
	int count;
	int paused;
	struct pending *bucket[NPENDING];
	size_t npending;
};

static unsigned
slot(const struct bufferevent *bev)
{
	uintptr_t p = (uintptr_t)bev;

	return (unsigned)((p >> 4) ^ (p >> 14)) % NPENDING;
}

static void
count_down(struct evhttpd_conns *c)
{
	c->count--;
	if (c->paused && c->count < c->w->o->max_conns && !c->w->stopping) {
		evconnlistener_enable(c->w->listener);
		c->paused = 0;
	}
}

static struct bufferevent *
new_conn(struct event_base *base, void *arg)
{
	struct evhttpd_conns *c = arg;
	struct bufferevent *bev;
	struct pending *p;

	bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL)
		return NULL; /* evhttp makes its own */
	p = cli_xmalloc(sizeof(*p));
	p->bev = bev;
	p->since = c->w->now;
	p->next = c->bucket[slot(bev)];
	c->bucket[slot(bev)] = p;
	c->npending++;
	if (++c->count >= c->w->o->max_conns && !c->paused) {
		evconnlistener_disable(c->w->listener);
		c->paused = 1;
	}
	return bev;
}

static void
conn_closed(struct evhttp_connection *evcon, void *arg)
{
	(void)evcon;
	count_down(arg);
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
evhttpd_conns_seen(struct evhttpd_conns *c, struct evhttp_request *req)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	struct bufferevent *bev;
	struct pending **pp, *p;

	if (c->npending == 0 || evcon == NULL)
		return;
	bev = evhttp_connection_get_bufferevent(evcon);
	for (pp = &c->bucket[slot(bev)]; *pp != NULL; pp = &(*pp)->next)
		if ((*pp)->bev == bev)
			break;
	if ((p = *pp) == NULL)
		return; /* seen before */
	*pp = p->next;
	c->npending--;
	free(p);
	evhttp_connection_set_closecb(evcon, conn_closed, c);
}

void
evhttpd_conns_expire(struct evhttpd_conns *c)
{
	time_t limit = c->w->now - c->w->o->timeout - 2;
	struct pending **pp, *p;
	size_t i;

	for (i = 0; i < NPENDING && c->npending > 0; i++)
		for (pp = &c->bucket[i]; (p = *pp) != NULL;) {
			if (p->since > limit) {
				pp = &p->next;
				continue;
			}
			*pp = p->next;
			c->npending--;
			free(p);
			count_down(c);
		}
}

void
evhttpd_conns_free(struct evhttpd_conns *c)
{
	struct pending *p;
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < NPENDING; i++)
		while ((p = c->bucket[i]) != NULL) {
			c->bucket[i] = p->next;
			free(p);
		}
	free(c);
}
