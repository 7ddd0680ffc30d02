/*
 * forward.c: --relay LISTEN_ADDR:PORT TARGET:PORT, port forwarding.
 *
 * Each accepted client gets its own connection to the target; the bytes
 * go both ways through two zero-copy pumps (splice.c, socket -> pipe ->
 * socket), so none pass through user space.  Half-closes are passed on:
 * when one side ends its sending half and everything it sent has been
 * delivered, the other side's sending half is shut down; the pair is
 * closed when both directions are done, or at once on an error (a reset,
 * say) on either side.  Where the kernel cannot splice, or with
 * --no-splice, the same is done with a bufferevent on each side.
 *
 * Without -k the first client is the only one (as socat without fork):
 * evcat ends with it, status 1 when the target could not be reached or a
 * side failed.  With -k clients are served at once; -m, --allow and
 * --deny apply to them.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "cli.h"
#include "evcat.h"

/* One direction: from fd src to fd dst. */
struct way {
	struct fwd *f;
	int src, dst;
	struct pump *pump;       /* the zero-copy path */
	struct bufferevent *bev; /* the copying path: on src, writes dst's */
	int done;     /* everything from src delivered, dst shut down */
	int flushing; /* copying: src ended, its data still being written */
	unsigned long long bytes;
};

struct fwd {
	char peer[128];
	int client, target;
	struct way up, down; /* client -> target, target -> client */
	int failed;
};

static struct evutil_addrinfo *target_ai;
static struct evconnlistener *listener;

static void
fwd_free(struct fwd *f)
{
	struct way *w[2] = { &f->up, &f->down };
	int i;

	for (i = 0; i < 2; i++) {
		if (w[i]->pump != NULL) {
			w[i]->bytes = pump_bytes(w[i]->pump);
			pump_free(w[i]->pump);
		}
		if (w[i]->bev != NULL)
			bufferevent_free(w[i]->bev);
	}
	evcat_verbose("%s: closed; %llu bytes to the target, %llu back",
	    f->peer, f->up.bytes, f->down.bytes);
	close(f->client);
	if (f->target >= 0)
		close(f->target);
	evcat_conn_closed();
	if (!ec.o.keep)
		evcat_exit(f->failed ? 1 : 0);
	free(f);
}

/* One direction delivered everything: pass the half-close on. */
static void
way_done(struct way *w)
{
	w->done = 1;
	shutdown(w->dst, SHUT_WR);
	if (w->f->up.done && w->f->down.done)
		fwd_free(w->f);
}

static void
way_failed(struct way *w, int err, int on_dst)
{
	struct fwd *f = w->f;
	int side = on_dst ? w->dst : w->src;

	cli_warnx("%s: %s: %s", f->peer,
	    side == f->client ? "client" : "target", strerror(err));
	f->failed = 1;
	fwd_free(f);
}

static void
way_pump_cb(struct pump *p, enum pump_result res, int err, void *arg)
{
	struct way *w = arg;

	if (res == PUMP_EOF)
		way_done(w);
	else
		way_failed(w, err, pump_error_on_dst(p));
}

/* ---- the copying path ---- */

static struct way *
other_way(struct way *w)
{
	return w == &w->f->up ? &w->f->down : &w->f->up;
}

/*
 * The copying path: each way's bufferevent reads its src and writes the
 * other way's data into that same socket.  Data read from w's source goes
 * into the other way's bufferevent (whose socket is w's dst); reading
 * pauses while that holds more than the high-water mark.
 */
static void
copy_read_cb(struct bufferevent *bev, void *arg)
{
	struct way *w = arg;
	struct bufferevent *out = other_way(w)->bev;
	struct evbuffer *in = bufferevent_get_input(bev);

	w->bytes += evbuffer_get_length(in);
	bufferevent_write_buffer(out, in);
	if (evbuffer_get_length(bufferevent_get_output(out)) >=
	    EVCAT_HIGH_WATER)
		bufferevent_disable(bev, EV_READ);
}

static void
copy_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct way *w = arg;
	struct bufferevent *out = other_way(w)->bev;
	int err = EVUTIL_SOCKET_ERROR();

	if (what & BEV_EVENT_ERROR) {
		/* An error on bev: its socket is w's source (reads) or the
		 * other way's destination (writes): the same fd. */
		way_failed(w, err != 0 ? err : ECONNRESET, 0);
		return;
	}
	if (!(what & BEV_EVENT_EOF))
		return;
	bufferevent_disable(bev, EV_READ);
	if (evbuffer_get_length(bufferevent_get_output(out)) == 0) {
		way_done(w);
		return;
	}
	/* Finish once out is written: see copy_drained_cb. */
	w->flushing = 1;
	bufferevent_setwatermark(out, EV_WRITE, 0, 0);
}

/* Write callback of each side: the data of the way into it drained. */
static void
copy_drained_cb(struct bufferevent *bev, void *arg)
{
	struct way *into = other_way(arg); /* bev writes `into`'s data */

	if (into->flushing) {
		if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
			way_done(into);
		return;
	}
	if (!into->done)
		bufferevent_enable(into->bev, EV_READ);
}

static void
start_copying(struct fwd *f)
{
	struct way *w[2] = { &f->up, &f->down };
	int i;

	for (i = 0; i < 2; i++) {
		w[i]->bev = bufferevent_socket_new(ec.base, w[i]->src, 0);
		if (w[i]->bev == NULL)
			cli_diex("bufferevent_socket_new failed");
		bufferevent_set_max_single_read(w[i]->bev, EVCAT_IO_MAX);
		bufferevent_setwatermark(w[i]->bev, EV_WRITE, EVCAT_LOW_WATER,
		    0);
		bufferevent_setcb(w[i]->bev, copy_read_cb, copy_drained_cb,
		    copy_event_cb, w[i]);
	}
	for (i = 0; i < 2; i++)
		bufferevent_enable(w[i]->bev, EV_READ);
}

/* ---- connections ---- */

static void
connected_cb(evutil_socket_t fd, int err, const struct sockaddr *sa,
    socklen_t len, void *arg)
{
	struct fwd *f = arg;
	char name[128];

	if (fd < 0) {
		/* net_connect said why. */
		f->target = -1;
		f->failed = 1;
		fwd_free(f);
		return;
	}
	f->target = (int)fd;
	evcat_verbose("%s: connected to %s", f->peer,
	    net_addr_str(sa, len, name, sizeof(name)));
	f->up.f = f->down.f = f;
	f->up.src = f->down.dst = f->client;
	f->up.dst = f->down.src = f->target;
	if (ec.o.splice) {
		f->up.pump = pump_new(f->client, STDIO_SOCKET, f->target,
		    STDIO_SOCKET, way_pump_cb, &f->up);
		f->down.pump = pump_new(f->target, STDIO_SOCKET, f->client,
		    STDIO_SOCKET, way_pump_cb, &f->down);
	}
	if (f->up.pump != NULL && f->down.pump != NULL) {
		if (cli_verbosity() >= 2)
			evcat_verbose("%s: %s both ways", f->peer,
			    pump_kind(f->up.pump));
		pump_start(f->up.pump);
		pump_start(f->down.pump);
		return;
	}
	pump_free(f->up.pump);
	pump_free(f->down.pump);
	f->up.pump = f->down.pump = NULL;
	if (cli_verbosity() >= 2)
		evcat_verbose("%s: copying both ways", f->peer);
	start_copying(f);
}

static void
accept_cb(struct evconnlistener *lev, evutil_socket_t fd, struct sockaddr *sa,
    int socklen, void *arg)
{
	struct fwd *f;
	char peer[128];

	evcat_accept_ok();
	net_addr_str(sa, (socklen_t)socklen, peer, sizeof(peer));
	if (!evcat_admit(fd, sa, peer))
		return;
	evcat_verbose("connection from %s", peer);
	f = cli_xcalloc(1, sizeof(*f));
	snprintf(f->peer, sizeof(f->peer), "%s", peer);
	f->client = (int)fd;
	f->target = -1;
	if (!ec.o.keep) {
		/* As socat without fork: one client. */
		evconnlistener_free(listener);
		listener = NULL;
	}
	net_connect(target_ai, connected_cb, f);
}

void
forward_start(void)
{
	char host[256], name[128];
	const char *port;

	if (hostport_split(ec.o.relay_listen, host, sizeof(host), &port) != 0)
		cli_usage_error("--relay: bad address '%s'", ec.o.relay_listen);
	target_ai = net_resolve(ec.o.host, ec.o.port, SOCK_STREAM, 0);
	listener = net_listen(host[0] != '\0' ? host : NULL, port, accept_cb,
	    NULL, name, sizeof(name));
	cli_note("listening on %s", name);
	evcat_verbose("relaying to %s port %s", ec.o.host, ec.o.port);
}
