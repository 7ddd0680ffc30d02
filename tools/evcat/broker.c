/*
 * broker.c: the hub behind -l -k and --broker.  Clients are served at
 * once, each on its own bufferevent; stdin goes to every client, and each
 * client's data goes to stdout (-k) or to stdout and all the other clients
 * (--broker).  Clients come and go as they like; evcat runs until it is
 * killed.
 *
 * -k keeps nc's end-of-transfer rules per client: stdin is read only while
 * a client is connected (nothing typed or piped is lost to an empty
 * room); at its end each client's sending half is shut down once its
 * output is written (rule 1; at once for clients that come later), and
 * -q SECS closes each client that long after that (rule 5).  A client
 * that is done sending is closed once rule 1 applied to it too, or at
 * once when stdin is a terminal (rule 4) or not read; -w SECS closes a
 * client that sent nothing for that long.  stdout stays open.
 *
 * --broker: a client that ends its sending half is closed; stdin's end
 * disconnects nobody.
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
	int full;                 /* output above the high-water mark */
	int up_done;              /* -k: rule 1 applied */
	int down_done;            /* -k: the client is done sending */
	struct event *quit_timer; /* -k -q */
	struct client *next;
};

static struct client *clients;
static int nclients;
static int nfull;  /* outputs above the high-water mark */
static int paused; /* reading stopped everywhere */
static struct bufferevent *in_bev, *out_bev;
static int out_full;
static int out_sync;       /* stdout is a file or device: plain writes */
static struct event *feed; /* stdin a regular file: read on demand */
static int in_eof;         /* stdin ended, or is not read */
static int in_none;        /* stdin is not read at all (-d, /dev/null) */
static enum stdio_kind in_kind;

static void remove_client(struct client *gone);

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

/* stdin is read unless paused, and under -k only with a client. */
static void
update_stdin(void)
{
	int on = !paused && (ec.o.broker || nclients > 0);

	if (in_bev != NULL) {
		if (on)
			bufferevent_enable(in_bev, EV_READ);
		else
			bufferevent_disable(in_bev, EV_READ);
	}
	if (feed != NULL && on)
		event_active(feed, 0, 0);
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
	update_stdin();
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
send_all(struct client *from, struct evbuffer *buf)
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
		if (c != from && (from == NULL || ec.o.broker) && !c->up_done)
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

/* send_all, after --send-only and -C have had their say. */
static void
broadcast(struct client *from, struct evbuffer *buf)
{
	struct evbuffer *tmp;

	if (from != NULL && ec.o.send_only) {
		/* --send-only: what clients send is dropped unseen. */
		evbuffer_drain(buf, evbuffer_get_length(buf));
		return;
	}
	if (from != NULL || !ec.o.crlf) {
		send_all(from, buf);
		return;
	}
	/* A bufferevent's input takes no additions: -C works on a copy. */
	tmp = evbuffer_new();
	if (tmp == NULL || evbuffer_add_buffer(tmp, buf) != 0)
		cli_diex("out of memory");
	crlf_expand(tmp);
	send_all(NULL, tmp);
	evbuffer_free(tmp);
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
	evcat_conn_closed();
	evcat_verbose("%s left; %d client(s)", gone->name, nclients);
	bufferevent_free(gone->bev);
	if (gone->quit_timer != NULL)
		event_free(gone->quit_timer);
	mark_full(&gone->full, 0);
	free(gone);
	update_stdin();
}

/* -k: rule 3, or rule 4 (nobody is going to type to a client that left). */
static void
check_end(struct client *c)
{
	if (c->down_done && (c->up_done || in_none || in_kind == STDIO_TTY))
		remove_client(c);
}

static void
quit_cb(evutil_socket_t fd, short what, void *arg)
{
	struct client *c = arg;

	evcat_verbose("%s: quitting %g s after end of input", c->name,
	    ec.o.quit_ms / 1000.0);
	remove_client(c);
}

/* -k, rule 1 for one client whose output is written: EOF to it. */
static void
up_finish(struct client *c)
{
	if (c->up_done)
		return;
	c->up_done = 1;
	if (ec.o.shutdown) {
		if (ec.o.ssl)
			ssl_shutdown_write(c->bev);
		else
			shutdown(bufferevent_getfd(c->bev), SHUT_WR);
		evcat_verbose("%s: end of input, sending half shut down",
		    c->name);
	}
	if (evcat_arm_quit(&c->quit_timer, quit_cb, c)) {
		remove_client(c);
		return;
	}
	check_end(c);
}

/* -k: rule 1 for c, now or once its output is written. */
static void
up_eof(struct client *c)
{
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
		up_finish(c);
	else
		bufferevent_setwatermark(c->bev, EV_WRITE, 0, 0);
}

/* stdin ended (or is not read): rule 1 for everyone under -k. */
static void
stdin_ended(void)
{
	struct client *c, *next;

	in_eof = 1;
	if (ec.o.broker)
		return;
	for (c = clients; c != NULL; c = next) {
		next = c->next;
		up_eof(c);
	}
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
	if (!ec.o.broker && in_eof && !c->up_done &&
	    evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		up_finish(c);
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
	else if (what & BEV_EVENT_TIMEOUT)
		evcat_verbose("%s: idle for %g s", c->name,
		    ec.o.wait_ms / 1000.0);
	if (!ec.o.broker && (what & BEV_EVENT_EOF) &&
	    !(what & BEV_EVENT_ERROR)) {
		/* -k: the client is done sending; it may still receive. */
		evcat_verbose("%s: end of data from the peer", c->name);
		bufferevent_disable(bev, EV_READ);
		c->down_done = 1;
		check_end(c);
		return;
	}
	remove_client(c);
}

static void
accept_cb(struct evconnlistener *lev, evutil_socket_t fd, struct sockaddr *sa,
    int socklen, void *arg)
{
	struct client *c;
	char name[128];
	struct timeval tv;

	evcat_accept_ok();
	if (sa->sa_family == AF_UNIX)
		snprintf(name, sizeof(name), "client %d", nclients + 1);
	else
		net_addr_str(sa, (socklen_t)socklen, name, sizeof(name));
	if (!evcat_admit(fd, sa, name))
		return;
	c = cli_xcalloc(1, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "%s", name);
	if (ec.o.ssl) {
		c->bev = ssl_bev_new(fd);
		bufferevent_setwatermark(c->bev, EV_WRITE, EVCAT_LOW_WATER, 0);
	} else {
		c->bev = new_bev(fd, 1);
	}
	bufferevent_setcb(c->bev, client_read_cb, client_write_cb,
	    client_event_cb, c);
	if (ec.o.rate > 0)
		evcat_rate_limit(c->bev);
	if (!paused)
		bufferevent_enable(c->bev, EV_READ);
	if (ec.o.wait_ms > 0 && !ec.o.broker) {
		tv = evcat_ms_tv(ec.o.wait_ms);
		bufferevent_set_timeouts(c->bev, &tv, NULL);
	}
	c->next = clients;
	clients = c;
	nclients++;
	evcat_verbose("%s joined; %d client(s)", c->name, nclients);
	if (!ec.o.broker && in_eof && !in_none)
		up_eof(c); /* stdin ended before: rule 1 at once */
	else
		update_stdin();
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
	stdin_ended();
}

/* stdin is a regular file (-k): a chunk at a time while nobody is full. */
static void
feed_cb(evutil_socket_t fd, short what, void *arg)
{
	struct evbuffer *buf;
	int n;

	if (paused || nclients == 0)
		return;
	buf = evbuffer_new();
	if (buf == NULL)
		cli_diex("out of memory");
	n = evbuffer_read(buf, 0, EVCAT_IO_MAX);
	broadcast(NULL, buf);
	evbuffer_free(buf);
	if (n > 0) {
		event_active(feed, 0, 0);
		return;
	}
	if (n < 0)
		cli_warn("stdin");
	evcat_verbose("end of input");
	event_free(feed);
	feed = NULL;
	stdin_ended();
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

	in_kind = in;
	evconnlistener_set_cb(lev, accept_cb, NULL);
	if (!ec.o.no_stdin && stdio_pollable(in)) {
		in_bev = new_bev(stdio_nonblocking(0), 0);
		bufferevent_setcb(in_bev, in_read_cb, NULL, in_event_cb, NULL);
		update_stdin();
	} else if (!ec.o.no_stdin && !ec.o.broker && in == STDIO_FILE) {
		feed = event_new(ec.base, -1, 0, feed_cb, NULL);
		if (feed == NULL)
			cli_diex("out of memory");
	} else {
		in_eof = in_none = 1;
		if (!ec.o.no_stdin && in != STDIO_NULL && in != STDIO_CLOSED)
			evcat_verbose("stdin is a %s: not read with -k or "
			              "--broker",
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
