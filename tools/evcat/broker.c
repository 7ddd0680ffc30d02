/*
 * broker.c: --broker, a hub.  Every client's data goes to all the other
 * clients and to stdout; stdin goes to every client.  Clients come and go
 * as they like; evcat runs until it is killed.
 *
 * Back-pressure: a slow client must not make evcat buffer without bound,
 * so when any client's output (or stdout's) holds EVCAT_HIGH_WATER bytes,
 * evcat stops reading from everyone until that output drains to
 * EVCAT_LOW_WATER.  The slowest reader sets the pace, as in a pipe.
 *
 * stdin is read only when a backend can watch it (a pipe, terminal or
 * socket); its end does not disconnect anyone.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "cli.h"
#include "evcat.h"

struct client {
	struct bufferevent *bev;
	char name[128];
	int full; /* output above the high-water mark */
	struct client *next;
};

static struct client *clients;
static int nclients;
static int nfull;  /* outputs above the high-water mark */
static int paused; /* reading stopped everywhere */
static struct bufferevent *in_bev, *out_bev;
static int out_full;
static int out_sync; /* stdout is a file or device: plain writes */

static struct bufferevent *
new_bev(evutil_socket_t fd, int close_on_free)
{
	struct bufferevent *bev = bufferevent_socket_new(ec.base, fd,
	    close_on_free ? BEV_OPT_CLOSE_ON_FREE : 0);

	if (bev == NULL)
		cli_diex("bufferevent_socket_new failed");
	bufferevent_set_max_single_read(bev, EVCAT_IO_MAX);
	bufferevent_setwatermark(bev, EV_WRITE, EVCAT_LOW_WATER, 0);
	return bev;
}

static void
set_reading(int on)
{
	struct client *c;

	paused = !on;
	for (c = clients; c != NULL; c = c->next) {
		if (on)
			bufferevent_enable(c->bev, EV_READ);
		else
			bufferevent_disable(c->bev, EV_READ);
	}
	if (in_bev != NULL) {
		if (on)
			bufferevent_enable(in_bev, EV_READ);
		else
			bufferevent_disable(in_bev, EV_READ);
	}
}

/* Counts an output going above or below the marks. */
static void
mark_full(int *full, int now_full)
{
	if (*full == now_full)
		return;
	*full = now_full;
	nfull += now_full ? 1 : -1;
	if (nfull > 0 && !paused)
		set_reading(0);
	else if (nfull == 0 && paused)
		set_reading(1);
}

static void
queue(struct bufferevent *bev, int *full, const void *data, size_t len)
{
	struct evbuffer *out = bufferevent_get_output(bev);

	if (evbuffer_add(out, data, len) != 0)
		cli_diex("out of memory");
	if (evbuffer_get_length(out) >= EVCAT_HIGH_WATER)
		mark_full(full, 1);
}

/* Sends data from `from` (NULL: stdin) to everyone else. */
static void
broadcast(struct client *from, struct evbuffer *buf)
{
	size_t len = evbuffer_get_length(buf);
	unsigned char *data;
	struct client *c;

	if (len == 0)
		return;
	data = evbuffer_pullup(buf, (ev_ssize_t)len);
	if (data == NULL)
		cli_diex("out of memory");
	trace_bytes(from != NULL ? '<' : '>', data, len);
	for (c = clients; c != NULL; c = c->next)
		if (c != from)
			queue(c->bev, &c->full, data, len);
	if (from != NULL && out_bev != NULL) {
		queue(out_bev, &out_full, data, len);
	} else if (from != NULL && out_sync) {
		size_t off = 0;
		ssize_t n;

		while (off < len) {
			n = write(1, data + off, len - off);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				cli_warn("stdout");
				out_sync = 0;
				break;
			}
			off += (size_t)n;
		}
	}
	evbuffer_drain(buf, len);
}

static void
remove_client(struct client *gone)
{
	struct client **p;

	for (p = &clients; *p != NULL; p = &(*p)->next) {
		if (*p == gone) {
			*p = gone->next;
			break;
		}
	}
	nclients--;
	evcat_verbose("%s left; %d client(s)", gone->name, nclients);
	bufferevent_free(gone->bev);
	mark_full(&gone->full, 0);
	free(gone);
}

static void
client_read_cb(struct bufferevent *bev, void *arg)
{
	broadcast(arg, bufferevent_get_input(bev));
}

static void
client_write_cb(struct bufferevent *bev, void *arg)
{
	struct client *c = arg;

	mark_full(&c->full, 0);
}

static void
client_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct client *c = arg;
	char msg[512];

	if (what & BEV_EVENT_CONNECTED) {
		ssl_connected(bev, c->name); /* --ssl: the handshake is done */
		return;
	}
	if ((what & BEV_EVENT_ERROR) && ec.o.ssl)
		cli_warnx("%s: %s", c->name, ssl_error(bev, msg, sizeof(msg)));
	else if (what & BEV_EVENT_ERROR)
		evcat_verbose("%s: %s", c->name,
		    strerror(EVUTIL_SOCKET_ERROR()));
	remove_client(c);
}

static void
accept_cb(struct evconnlistener *lev, evutil_socket_t fd, struct sockaddr *sa,
    int socklen, void *arg)
{
	struct client *c = cli_xcalloc(1, sizeof(*c));

	evcat_accept_ok();
	if (sa->sa_family == AF_UNIX)
		snprintf(c->name, sizeof(c->name), "client %d", nclients + 1);
	else
		net_addr_str(sa, (socklen_t)socklen, c->name, sizeof(c->name));
	if (ec.o.ssl) {
		c->bev = ssl_bev_new(fd);
		bufferevent_setwatermark(c->bev, EV_WRITE, EVCAT_LOW_WATER, 0);
	} else {
		c->bev = new_bev(fd, 1);
	}
	bufferevent_setcb(c->bev, client_read_cb, client_write_cb,
	    client_event_cb, c);
	if (!paused)
		bufferevent_enable(c->bev, EV_READ);
	c->next = clients;
	clients = c;
	nclients++;
	evcat_verbose("%s joined; %d client(s)", c->name, nclients);
}

static void
in_read_cb(struct bufferevent *bev, void *arg)
{
	broadcast(NULL, bufferevent_get_input(bev));
}

static void
in_event_cb(struct bufferevent *bev, short what, void *arg)
{
	evcat_verbose("end of input");
	bufferevent_free(in_bev);
	in_bev = NULL;
}

static void
out_write_cb(struct bufferevent *bev, void *arg)
{
	mark_full(&out_full, 0);
}

static void
out_event_cb(struct bufferevent *bev, short what, void *arg)
{
	/* stdout is gone; the hub goes on. */
	mark_full(&out_full, 0);
	bufferevent_free(out_bev);
	out_bev = NULL;
}

void
broker_start(struct evconnlistener *lev)
{
	enum stdio_kind in = stdio_kind(0), out = stdio_kind(1);

	evconnlistener_set_cb(lev, accept_cb, NULL);
	if (!ec.o.no_stdin && stdio_pollable(in)) {
		in_bev = new_bev(stdio_nonblocking(0), 0);
		bufferevent_setcb(in_bev, in_read_cb, NULL, in_event_cb, NULL);
		bufferevent_enable(in_bev, EV_READ);
	} else if (!ec.o.no_stdin && in != STDIO_NULL && in != STDIO_CLOSED) {
		evcat_verbose("stdin is a %s: not read by the broker",
		    stdio_kind_name(in));
	}
	if (stdio_pollable(out)) {
		out_bev = new_bev(stdio_nonblocking(1), 0);
		bufferevent_setcb(out_bev, NULL, out_write_cb, out_event_cb,
		    NULL);
	} else if (out != STDIO_NULL && out != STDIO_CLOSED) {
		out_sync = 1;
	}
}
