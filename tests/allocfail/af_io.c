/*
 * af_io.c: allocation-failure scenarios for bufferevents and listeners.
 *
 * Each moves a known payload and ends the loop when all of it arrived or
 * when an event callback reported an error; data that neither arrived nor
 * produced an error is a wrong result.
 */
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "allocfail.h"

#define PAYLOAD 3000

struct io_state {
	struct event_base *base;
	unsigned char got[PAYLOAD];
	size_t ngot;
	int error;
	int bad_data;
	struct bufferevent *server; /* listener scenario */
	struct sockaddr_in client;  /* its client's address */
	struct bufferevent *connector;
};

static void
fill_payload(unsigned char *p)
{
	for (size_t i = 0; i < PAYLOAD; i++)
		p[i] = (unsigned char)(i * 7 + 1);
}

static void
read_cb(struct bufferevent *bev, void *arg)
{
	struct io_state *st = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	size_t len = evbuffer_get_length(in);
	int n;

	if (len > PAYLOAD - st->ngot) {
		st->bad_data = 1;
		event_base_loopbreak(st->base);
		return;
	}
	n = evbuffer_remove(in, st->got + st->ngot, len);
	if (n < 0) {
		st->error = 1;
		event_base_loopbreak(st->base);
		return;
	}
	st->ngot += (size_t)n;
	if (st->ngot == PAYLOAD)
		event_base_loopbreak(st->base);
}

static void
event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct io_state *st = arg;

	if (what & (BEV_EVENT_ERROR | BEV_EVENT_EOF | BEV_EVENT_TIMEOUT)) {
		st->error = 1;
		event_base_loopbreak(st->base);
	}
}

static int
check_payload(const struct io_state *st, int ngot_ok)
{
	unsigned char want[PAYLOAD];

	if (st->error)
		return AF_ERROR;
	fill_payload(want);
	if (st->bad_data || !ngot_ok || memcmp(st->got, want, PAYLOAD)) {
		af_note_wrong(__FILE__, __LINE__, "payload");
		return AF_WRONG;
	}
	return AF_OK;
}

/*
 * Flips the case bit of every byte, both ways.  A filter's BEV_ERROR
 * reaches no callback (as in libevent), so the filter itself reports it
 * to the scenario.
 */
static enum bufferevent_filter_result
flip(struct evbuffer *src, struct evbuffer *dst, ev_ssize_t lim,
    enum bufferevent_flush_mode mode, void *ctx)
{
	struct io_state *st = ctx;
	unsigned char tmp[512];
	ev_ssize_t n;

	while ((n = evbuffer_copyout(src, tmp, sizeof(tmp))) > 0) {
		for (ev_ssize_t i = 0; i < n; i++)
			tmp[i] ^= 0x20;
		if (evbuffer_add(dst, tmp, (size_t)n) == -1 ||
		    evbuffer_drain(src, (size_t)n) == -1)
			break;
	}
	if (n != 0) {
		st->error = 1;
		event_base_loopbreak(st->base);
		return BEV_ERROR;
	}
	return BEV_OK;
}

/*
 * A pair, one end behind a filter that flips a bit in and out; the other
 * end reads with watermarks.  What arrives has gone through the output
 * filter once.
 */
static int
run_pair_filter(void)
{
	struct io_state st;
	struct bufferevent *pair[2] = { NULL, NULL }, *filt = NULL;
	unsigned char data[PAYLOAD];
	int rc = AF_OK;

	memset(&st, 0, sizeof(st));
	fill_payload(data);
	for (size_t i = 0; i < PAYLOAD; i++)
		data[i] ^= 0x20;
	AF_CHECK((st.base = event_base_new()) != NULL);
	AF_CHECK(
	    bufferevent_pair_new(st.base, BEV_OPT_CLOSE_ON_FREE, pair) == 0);
	filt = bufferevent_filter_new(pair[0], flip, flip,
	    BEV_OPT_CLOSE_ON_FREE, NULL, &st);
	AF_CHECK(filt != NULL);
	pair[0] = NULL; /* the filter owns it */
	bufferevent_setwatermark(pair[1], EV_READ, 16, 512);
	bufferevent_setwatermark(filt, EV_WRITE, 64, 0);
	bufferevent_setcb(pair[1], read_cb, NULL, event_cb, &st);
	bufferevent_setcb(filt, NULL, NULL, event_cb, &st);
	AF_CHECK(bufferevent_enable(pair[1], EV_READ) == 0);
	AF_CHECK(bufferevent_enable(filt, EV_READ | EV_WRITE) == 0);
	AF_CHECK(bufferevent_write(filt, data, PAYLOAD) == 0);
	AF_CHECK(event_base_dispatch(st.base) >= 0);
	rc = check_payload(&st, st.ngot == PAYLOAD);
out:
	if (filt)
		bufferevent_free(filt);
	if (pair[0])
		bufferevent_free(pair[0]);
	if (pair[1])
		bufferevent_free(pair[1]);
	if (st.base)
		event_base_free(st.base);
	return rc;
}

/* Two socket bufferevents over a socketpair. */
static int
run_socket(void)
{
	struct io_state st;
	struct bufferevent *a = NULL, *b = NULL;
	unsigned char data[PAYLOAD];
	int fds[2] = { -1, -1 }, rc = AF_OK;

	memset(&st, 0, sizeof(st));
	fill_payload(data);
	AF_CHECK((st.base = event_base_new()) != NULL);
	AF_CHECK(evutil_socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
	AF_CHECK(evutil_make_socket_nonblocking(fds[0]) == 0);
	AF_CHECK(evutil_make_socket_nonblocking(fds[1]) == 0);
	AF_CHECK((a = bufferevent_socket_new(st.base, fds[0],
	              BEV_OPT_CLOSE_ON_FREE)));
	fds[0] = -1;
	AF_CHECK((b = bufferevent_socket_new(st.base, fds[1],
	              BEV_OPT_CLOSE_ON_FREE)));
	fds[1] = -1;
	bufferevent_setcb(a, NULL, NULL, event_cb, &st);
	bufferevent_setcb(b, read_cb, NULL, event_cb, &st);
	AF_CHECK(bufferevent_enable(b, EV_READ) == 0);
	AF_CHECK(bufferevent_write(a, data, PAYLOAD) == 0);
	AF_CHECK(event_base_dispatch(st.base) >= 0);
	rc = check_payload(&st, st.ngot == PAYLOAD);
out:
	if (a)
		bufferevent_free(a);
	if (b)
		bufferevent_free(b);
	if (fds[0] >= 0)
		close(fds[0]);
	if (fds[1] >= 0)
		close(fds[1]);
	if (st.base)
		event_base_free(st.base);
	return rc;
}

static void
connector_cb(struct bufferevent *bev, short what, void *arg)
{
	struct io_state *st = arg;
	unsigned char data[PAYLOAD];

	if (what & BEV_EVENT_CONNECTED) {
		fill_payload(data);
		if (bufferevent_write(bev, data, PAYLOAD) == -1) {
			st->error = 1;
			event_base_loopbreak(st->base);
		}
		return;
	}
	event_cb(bev, what, arg);
}

static void
accept_cb(struct evconnlistener *lev, evutil_socket_t fd, struct sockaddr *sa,
    int socklen, void *arg)
{
	struct io_state *st = arg;
	const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;

	if (st->server || sa->sa_family != AF_INET ||
	    sin->sin_port != st->client.sin_port) {
		close(fd); /* not ours */
		return;
	}
	st->server =
	    bufferevent_socket_new(st->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (st->server == NULL) {
		close(fd);
		st->error = 1;
		event_base_loopbreak(st->base);
		return;
	}
	bufferevent_setcb(st->server, read_cb, NULL, event_cb, st);
	if (bufferevent_enable(st->server, EV_READ) == -1) {
		st->error = 1;
		event_base_loopbreak(st->base);
	}
}

static void
listener_error_cb(struct evconnlistener *lev, void *arg)
{
	struct io_state *st = arg;

	st->error = 1;
	event_base_loopbreak(st->base);
}

/* A listener on 127.0.0.1, port 0; a connecting bufferevent sends. */
static int
run_listener(void)
{
	struct io_state st;
	struct evconnlistener *lev = NULL;
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int rc = AF_OK;

	memset(&st, 0, sizeof(st));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	AF_CHECK((st.base = event_base_new()) != NULL);
	lev = evconnlistener_new_bind(st.base, accept_cb, &st,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, -1,
	    (struct sockaddr *)&sin, sizeof(sin));
	AF_CHECK(lev != NULL);
	evconnlistener_set_error_cb(lev, listener_error_cb);
	AF_CHECK(getsockname(evconnlistener_get_fd(lev),
	             (struct sockaddr *)&sin, &len) == 0);
	AF_CHECK((st.connector = bufferevent_socket_new(st.base, -1,
	              BEV_OPT_CLOSE_ON_FREE)));
	bufferevent_setcb(st.connector, NULL, NULL, connector_cb, &st);
	AF_CHECK(bufferevent_socket_connect(st.connector,
	             (struct sockaddr *)&sin, sizeof(sin)) == 0);
	/* Our client's address: only its connection is served. */
	len = sizeof(st.client);
	AF_CHECK(getsockname(bufferevent_getfd(st.connector),
	             (struct sockaddr *)&st.client, &len) == 0);
	AF_CHECK(event_base_dispatch(st.base) >= 0);
	rc = check_payload(&st, st.ngot == PAYLOAD);
out:
	if (st.connector)
		bufferevent_free(st.connector);
	if (st.server)
		bufferevent_free(st.server);
	if (lev)
		evconnlistener_free(lev);
	if (st.base)
		event_base_free(st.base);
	return rc;
}

const struct af_scenario af_io_scenarios[] = {
	{ "pair_filter", run_pair_filter },
	{ "socket", run_socket },
	{ "listener", run_listener },
	{ NULL, NULL },
};
