/*
 * tests/check_bufferevent.c: bufferevents.  Socket bufferevents over
 * socketpairs and loopback TCP (connect, refused connects, hostnames),
 * pairs, filters, watermarks and back-pressure, timeouts, rate limits and
 * groups, deferred callbacks and triggers, reference counting, and use
 * from two threads.
 *
 * Every test passes against libevent 2.1 too (tests/libevent-reference.sh),
 * so the callback order and the "what" flags asserted here are libevent's.
 * Two of its habits shape the tests: a freed bufferevent is released by a
 * finalizer on the next loop iteration (so tests run the loop once more
 * before freeing the base), and a read callback that leaves the input at
 * the read high watermark is called again and again until it drains it
 * (so such tests stop the loop from inside the callback).
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_compat.h>
#include <event2/bufferevent_struct.h>
#include <event2/event_compat.h>
#include <event2/thread.h>

#include "check-internal.h"

#define WAIT_MS 3000

/* Peer closed its end (POLLRDHUP needs _GNU_SOURCE, which the reference
 * build does not define). */
#ifdef POLLRDHUP
#define EVKIT_POLLRDHUP POLLRDHUP
#else
#define EVKIT_POLLRDHUP 0x2000
#endif

/* ------------------------------------------------------------------ */
/* Helpers.                                                            */

/* What the callbacks saw. */
struct trace {
	char log[512]; /* "R5 W0 E0x11 ..." */
	int nread;     /* read callbacks */
	int nwrite;    /* write callbacks */
	int nevent;    /* event callbacks */
	short what;    /* the last event's flags */
	int err;       /* errno in the last event callback */
	size_t inlen;  /* input length at the last read callback */
	int drain;     /* read callbacks drain the input */
	int done;      /* set by a callback to stop evkit_loop_until */
	short done_on; /* an event with any of these bits sets done */
};

static void trace_add(struct trace *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Appends one item to the trace. */
static void
trace_add(struct trace *t, const char *fmt, ...)
{
	size_t len = strlen(t->log);
	char item[32];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(item, sizeof(item), fmt, ap);
	va_end(ap);
	if (len + strlen(item) + 2 < sizeof(t->log))
		snprintf(t->log + len, sizeof(t->log) - len, "%s%s",
		    len ? " " : "", item);
}

static void
trace_readcb(struct bufferevent *bev, void *arg)
{
	struct trace *t = arg;
	struct evbuffer *in = bufferevent_get_input(bev);

	t->nread++;
	t->inlen = evbuffer_get_length(in);
	trace_add(t, "R%ld", (long)t->inlen);
	if (t->drain)
		evbuffer_drain(in, t->inlen);
}

static void
trace_writecb(struct bufferevent *bev, void *arg)
{
	struct trace *t = arg;

	t->nwrite++;
	trace_add(t, "W%ld",
	    (long)evbuffer_get_length(bufferevent_get_output(bev)));
}

static void
trace_eventcb(struct bufferevent *bev, short what, void *arg)
{
	struct trace *t = arg;

	t->err = EVUTIL_SOCKET_ERROR();
	t->nevent++;
	t->what = what;
	trace_add(t, "E0x%lx", (long)what);
	if (what & t->done_on)
		t->done = 1;
}

static void
trace_init(struct trace *t, int drain)
{
	memset(t, 0, sizeof(*t));
	t->drain = drain;
}

/* Runs the loop without blocking, n times. */
static void
loop_nonblock(struct event_base *base, int n)
{
	while (n-- > 0)
		event_base_loop(base, EVLOOP_NONBLOCK);
}

/* Runs the loop for about ms milliseconds. */
static void
loop_for(struct event_base *base, long ms)
{
	struct timeval tv;

	event_base_loopexit(base, evkit_ms_tv(&tv, ms));
	event_base_dispatch(base);
}

/* Lets pending finalizers run, then frees the base (asserting it empty). */
static void
finish_base(struct event_base *base)
{
	loop_nonblock(base, 3);
	evkit_free_base(base);
}

static int
fd_is_open(evutil_socket_t fd)
{
	return fcntl(fd, F_GETFD) != -1;
}

/* A TCP listener on 127.0.0.1, port chosen by the kernel. */
static evutil_socket_t
tcp_listener(struct sockaddr_in *sin)
{
	ev_socklen_t len = sizeof(*sin);
	evutil_socket_t fd = socket(AF_INET, SOCK_STREAM, 0);

	ck_assert_int_ge(fd, 0);
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(0x7f000001);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)sin, sizeof(*sin)), 0);
	ck_assert_int_eq(listen(fd, 16), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)sin, &len), 0);
	return fd;
}

/*
 * Accepts on lfd the connection whose peer is the socket client (other
 * programs on the machine may connect to a kernel-chosen port too: their
 * connections are closed).  Waits at most WAIT_MS; returns the new socket.
 */
static evutil_socket_t
accept_client(evutil_socket_t lfd, evutil_socket_t client)
{
	struct sockaddr_in own, peer;
	ev_socklen_t len = sizeof(own);
	double deadline = evkit_now_ms() + WAIT_MS;

	ck_assert_int_eq(getsockname(client, (struct sockaddr *)&own, &len), 0);
	for (;;) {
		struct pollfd pfd = { .fd = lfd, .events = POLLIN };
		evutil_socket_t fd;

		ck_assert_msg(evkit_now_ms() < deadline,
		    "no connection from %d", ntohs(own.sin_port));
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		len = sizeof(peer);
		fd = accept(lfd, (struct sockaddr *)&peer, &len);
		ck_assert_int_ge(fd, 0);
		if (peer.sin_port == own.sin_port &&
		    peer.sin_addr.s_addr == own.sin_addr.s_addr)
			return fd;
		close(fd);
	}
}

/* An address on 127.0.0.1 where nothing listens. */
static void
closed_port(struct sockaddr_in *sin)
{
	evutil_socket_t fd = tcp_listener(sin);

	close(fd);
}

static void
ignore_sigpipe(void)
{
	signal(SIGPIPE, SIG_IGN);
}

/* Reads whatever is readable on a nonblocking fd into buf (NUL ended). */
static ssize_t
read_some(evutil_socket_t fd, char *buf, size_t size)
{
	ssize_t n = recv(fd, buf, size - 1, 0);

	buf[n > 0 ? n : 0] = '\0';
	return n;
}

/* ------------------------------------------------------------------ */
/* Socket bufferevents.                                                */

START_TEST(test_socket_read_write)
{
	struct trace t;
	struct bufferevent *bev;
	char buf[64];

	trace_init(&t, 1);
	bev = bufferevent_socket_new(evkit_base, evkit_pair[0], 0);
	ck_assert_ptr_nonnull(bev);
	ck_assert_int_eq(bufferevent_get_enabled(bev), EV_WRITE);
	ck_assert_ptr_eq(bufferevent_get_base(bev), evkit_base);
	ck_assert_int_eq(bufferevent_getfd(bev), evkit_pair[0]);
	ck_assert_ptr_null(bufferevent_get_underlying(bev));
	bufferevent_setcb(bev, trace_readcb, trace_writecb, trace_eventcb, &t);

	/* Nothing is read before EV_READ is enabled. */
	evkit_write(evkit_pair[1], "hello");
	loop_nonblock(evkit_base, 2);
	ck_assert_int_eq(t.nread, 0);
	ck_assert_int_eq(bufferevent_enable(bev, EV_READ), 0);
	ck_assert_int_eq(bufferevent_get_enabled(bev), EV_READ | EV_WRITE);
	loop_nonblock(evkit_base, 2);
	ck_assert_str_eq(t.log, "R5");

	/* Output goes out; the write callback runs once it drained. */
	ck_assert_int_eq(bufferevent_write(bev, "abc", 3), 0);
	ck_assert_int_eq(t.nwrite, 0);
	loop_nonblock(evkit_base, 2);
	ck_assert_str_eq(t.log, "R5 W0");
	ck_assert_int_eq(read_some(evkit_pair[1], buf, sizeof(buf)), 3);
	ck_assert_str_eq(buf, "abc");

	/* Enabling EV_WRITE with nothing to send still reports "drained". */
	bufferevent_enable(bev, EV_WRITE);
	loop_nonblock(evkit_base, 2);
	ck_assert_str_eq(t.log, "R5 W0 W0");

	bufferevent_free(bev);
	ck_assert(fd_is_open(evkit_pair[0])); /* no BEV_OPT_CLOSE_ON_FREE */
	loop_nonblock(evkit_base, 1);
}
END_TEST

START_TEST(test_socket_read_buffer_api)
{
	struct bufferevent *bev;
	struct evbuffer *buf = evbuffer_new();
	char data[16];

	bev = bufferevent_socket_new(evkit_base, evkit_pair[0], 0);
	bufferevent_enable(bev, EV_READ);
	evkit_write(evkit_pair[1], "0123456789");
	loop_nonblock(evkit_base, 2);
	ck_assert_uint_eq(bufferevent_read(bev, data, 4), 4);
	ck_assert(memcmp(data, "0123", 4) == 0);
	ck_assert_int_eq(bufferevent_read_buffer(bev, buf), 0);
	ck_assert_uint_eq(evbuffer_get_length(buf), 6);
	ck_assert_uint_eq(evbuffer_get_length(bufferevent_get_input(bev)), 0);
	ck_assert_ptr_eq(EVBUFFER_INPUT(bev), bufferevent_get_input(bev));
	ck_assert_ptr_eq(EVBUFFER_OUTPUT(bev), bufferevent_get_output(bev));
	ck_assert_int_eq(bufferevent_write_buffer(bev, buf), 0);
	ck_assert_uint_eq(evbuffer_get_length(buf), 0);
	loop_nonblock(evkit_base, 2);
	ck_assert_int_eq(read_some(evkit_pair[1], data, sizeof(data)), 6);
	ck_assert_str_eq(data, "456789");
	evbuffer_free(buf);
	bufferevent_free(bev);
	loop_nonblock(evkit_base, 1);
}
END_TEST

START_TEST(test_socket_eof)
{
	struct trace t;
	struct bufferevent *bev;

	trace_init(&t, 1);
	bev = bufferevent_socket_new(evkit_base, evkit_pair[0], 0);
	bufferevent_setcb(bev, trace_readcb, trace_writecb, trace_eventcb, &t);
	bufferevent_enable(bev, EV_READ);
	evkit_write(evkit_pair[1], "bye");
	evkit_close(&evkit_pair[1]);
	loop_nonblock(evkit_base, 3);
	ck_assert_str_eq(t.log, "R3 E0x11");
	ck_assert_int_eq(t.what, BEV_EVENT_EOF | BEV_EVENT_READING);
	/* The failed direction is disabled. */
	ck_assert_int_eq(bufferevent_get_enabled(bev), EV_WRITE);
	bufferevent_free(bev);
	loop_nonblock(evkit_base, 1);
}
END_TEST

START_TEST(test_socket_write_error)
{
	struct trace t;
	struct bufferevent *bev;

	ignore_sigpipe();
	trace_init(&t, 1);
	bev = bufferevent_socket_new(evkit_base, evkit_pair[0], 0);
	bufferevent_setcb(bev, trace_readcb, trace_writecb, trace_eventcb, &t);
	evkit_close(&evkit_pair[1]);
	bufferevent_write(bev, "data", 4);
	loop_nonblock(evkit_base, 3);
	ck_assert_str_eq(t.log, "E0x22");
	ck_assert_int_eq(t.err, EPIPE);
	ck_assert_int_eq(bufferevent_get_enabled(bev), 0);
	ck_assert_uint_eq(evbuffer_get_length(bufferevent_get_output(bev)), 4);
	bufferevent_free(bev);
	loop_nonblock(evkit_base, 1);
}
END_TEST

START_TEST(test_socket_close_on_free)
{
	struct bufferevent *bev;
	evutil_socket_t fd = evkit_pair[0];
	char buf[16];

	bev = bufferevent_socket_new(evkit_base, fd, BEV_OPT_CLOSE_ON_FREE);
	/* Pending output is dropped, not flushed. */
	bufferevent_write(bev, "pending", 7);
	bufferevent_free(bev);
	/* The socket goes with the finalizer, from the loop. */
	loop_nonblock(evkit_base, 2);
	ck_assert(!fd_is_open(fd));
	evkit_pair[0] = -1;
	ck_assert_int_eq(read_some(evkit_pair[1], buf, sizeof(buf)), 0);
}
END_TEST

START_TEST(test_socket_frozen_buffers)
{
	struct bufferevent *bev;

	bev = bufferevent_socket_new(evkit_base, evkit_pair[0], 0);
	/* Only the bufferevent adds to its input and drains its output. */
	ck_assert_int_eq(evbuffer_add(bufferevent_get_input(bev), "x", 1), -1);
	bufferevent_write(bev, "yy", 2);
	ck_assert_int_eq(evbuffer_drain(bufferevent_get_output(bev), 1), -1);
	/* bufferevent_setfd lifts that until the next transfer. */
	ck_assert_int_eq(bufferevent_setfd(bev, evkit_pair[0]), 0);
	ck_assert_int_eq(evbuffer_add(bufferevent_get_input(bev), "x", 1), 0);
	ck_assert_int_eq(evbuffer_drain(bufferevent_get_output(bev), 1), 0);
	bufferevent_free(bev);
	loop_nonblock(evkit_base, 1);
}
END_TEST

START_TEST(test_socket_setfd)
{
	struct trace t;
	struct bufferevent *bev;
	evutil_socket_t other[2];

	trace_init(&t, 1);
	evkit_socketpair(other);
	bev = bufferevent_socket_new(evkit_base, -1, 0);
	ck_assert_int_eq(bufferevent_getfd(bev), -1);
	bufferevent_setcb(bev, trace_readcb, NULL, trace_eventcb, &t);
	bufferevent_enable(bev, EV_READ);
	ck_assert_int_eq(bufferevent_setfd(bev, evkit_pair[0]), 0);
	evkit_write(evkit_pair[1], "one");
	loop_nonblock(evkit_base, 2);
	ck_assert_int_eq(bufferevent_setfd(bev, other[0]), 0);
	ck_assert_int_eq(bufferevent_getfd(bev), other[0]);
	evkit_write(evkit_pair[1], "lost");
	evkit_write(other[1], "two!");
	loop_nonblock(evkit_base, 2);
	ck_assert_str_eq(t.log, "R3 R4");
	bufferevent_free(bev);
	loop_nonblock(evkit_base, 1);
	evkit_close(&other[0]);
	evkit_close(&other[1]);
}
END_TEST

START_TEST(test_socket_getcb_and_fields)
{
	struct trace t;
	struct bufferevent *bev;
	bufferevent_data_cb r, w;
	bufferevent_event_cb e;
	void *arg;

	bev = bufferevent_socket_new(evkit_base, evkit_pair[0], 0);
	bufferevent_setcb(bev, trace_readcb, NULL, trace_eventcb, &t);
	bufferevent_getcb(bev, &r, &w, &e, &arg);
	ck_assert(r == trace_readcb);
	ck_assert(w == NULL);
	ck_assert(e == trace_eventcb);
	ck_assert_ptr_eq(arg, &t);
	bufferevent_getcb(bev, NULL, NULL, NULL, NULL);
	/* The 1.4-era fields some programs read. */
	ck_assert_ptr_eq(bev->ev_base, evkit_base);
	ck_assert_ptr_eq(bev->input, bufferevent_get_input(bev));
	ck_assert_ptr_eq(bev->output, bufferevent_get_output(bev));
	ck_assert(bev->readcb == trace_readcb);
	ck_assert(bev->errorcb == trace_eventcb);
	ck_assert_ptr_eq(bev->cbarg, &t);
	ck_assert_int_eq(bev->enabled, EV_WRITE);
	ck_assert_int_eq(event_get_fd(&bev->ev_read), evkit_pair[0]);
	ck_assert_int_eq(event_get_events(&bev->ev_read),
	    EV_READ | EV_PERSIST | EV_FINALIZE);
	ck_assert_int_eq(event_get_events(&bev->ev_write),
	    EV_WRITE | EV_PERSIST | EV_FINALIZE);
	bufferevent_setwatermark(bev, EV_READ | EV_WRITE, 3, 9);
	ck_assert_uint_eq(bev->wm_read.low, 3);
	ck_assert_uint_eq(bev->wm_write.high, 9);
	bufferevent_free(bev);
	loop_nonblock(evkit_base, 1);
}
END_TEST

START_TEST(test_socket_priority)
{
	struct event_base *base = evkit_new_base();
	struct bufferevent *a, *b;
	evutil_socket_t pa[2], pb[2];
	struct trace t;

	trace_init(&t, 1);
	ck_assert_int_eq(event_base_priority_init(base, 3), 0);
	evkit_socketpair(pa);
	evkit_socketpair(pb);
	a = bufferevent_socket_new(base, pa[0], BEV_OPT_CLOSE_ON_FREE);
	b = bufferevent_socket_new(base, pb[0], BEV_OPT_CLOSE_ON_FREE);
	ck_assert_int_eq(bufferevent_get_priority(a), 1);
	ck_assert_int_eq(bufferevent_priority_set(a, 2), 0);
	ck_assert_int_eq(bufferevent_priority_set(b, 0), 0);
	ck_assert_int_eq(bufferevent_priority_set(b, 5), -1);
	ck_assert_int_eq(bufferevent_get_priority(a), 2);
	ck_assert_int_eq(bufferevent_get_priority(b), 0);
	bufferevent_setcb(a, trace_readcb, NULL, NULL, &t);
	bufferevent_setcb(b, trace_readcb, NULL, NULL, &t);
	bufferevent_enable(a, EV_READ);
	bufferevent_enable(b, EV_READ);
	evkit_write(pa[1], "a");
	evkit_write(pb[1], "bb");
	loop_nonblock(base, 2);
	/* The more urgent bufferevent runs first. */
	ck_assert_str_eq(t.log, "R2 R1");
	bufferevent_free(a);
	bufferevent_free(b);
	finish_base(base);
	evkit_close(&pa[1]);
	evkit_close(&pb[1]);
}
END_TEST

START_TEST(test_socket_compat_new)
{
	struct event_base *base;
	struct bufferevent *bev;
	struct trace t;

	trace_init(&t, 1);
	base = event_init();
	ck_assert_ptr_nonnull(base);
	bev = bufferevent_new(evkit_pair[0], trace_readcb, trace_writecb,
	    trace_eventcb, &t);
	ck_assert_ptr_nonnull(bev);
	ck_assert_ptr_null(bufferevent_get_base(bev));
	ck_assert_int_eq(bufferevent_base_set(evkit_base, bev), 0);
	ck_assert_ptr_eq(bufferevent_get_base(bev), evkit_base);
	bufferevent_enable(bev, EV_READ);
	evkit_write(evkit_pair[1], "old");
	loop_nonblock(evkit_base, 2);
	ck_assert_str_eq(t.log, "R3");
	bufferevent_settimeout(bev, 2, 0);
	ck_assert_int_eq(bev->timeout_read.tv_sec, 2);
	ck_assert_int_eq(bev->timeout_write.tv_sec, 0);
	bufferevent_free(bev);
	loop_nonblock(evkit_base, 1);
	event_base_free(base);
}
END_TEST

START_TEST(test_socket_option_checks)
{
	/* UNLOCK_CALLBACKS makes sense only with DEFER_CALLBACKS. */
	ck_assert_ptr_null(
	    bufferevent_socket_new(evkit_base, -1, BEV_OPT_UNLOCK_CALLBACKS));
}
END_TEST

/* ------------------------------------------------------------------ */
/* Connecting.                                                         */

START_TEST(test_connect_tcp)
{
	struct sockaddr_in sin;
	evutil_socket_t lfd, afd;
	struct bufferevent *bev;
	struct trace t;
	char buf[32];

	trace_init(&t, 1);
	t.done_on = BEV_EVENT_CONNECTED;
	lfd = tcp_listener(&sin);
	bev = bufferevent_socket_new(evkit_base, -1, BEV_OPT_CLOSE_ON_FREE);
	bufferevent_setcb(bev, trace_readcb, trace_writecb, trace_eventcb, &t);
	bufferevent_enable(bev, EV_READ);
	bufferevent_write(bev, "hi", 2);
	ck_assert_int_eq(bufferevent_socket_connect(bev,
	                     (struct sockaddr *)&sin, sizeof(sin)),
	    0);
	ck_assert_int_ge(bufferevent_getfd(bev), 0);
	ck_assert_int_eq(evkit_loop_until(evkit_base, &t.done, 0, WAIT_MS), 0);
	loop_nonblock(evkit_base, 2);
	/* CONNECTED, then the queued output went out. */
	ck_assert_str_eq(t.log, "E0x80 W0");
	afd = accept_client(lfd, bufferevent_getfd(bev));
	ck_assert_int_ge(afd, 0);
	evutil_make_socket_nonblocking(afd);
	ck_assert_int_eq(read_some(afd, buf, sizeof(buf)), 2);
	ck_assert_str_eq(buf, "hi");
	evkit_write(afd, "yo!");
	t.done = 0;
	t.done_on = BEV_EVENT_EOF;
	close(afd);
	ck_assert_int_eq(evkit_loop_until(evkit_base, &t.done, 0, WAIT_MS), 0);
	ck_assert_str_eq(t.log, "E0x80 W0 R3 E0x11");
	bufferevent_free(bev);
	loop_nonblock(evkit_base, 1);
	close(lfd);
}
END_TEST

static void
check_refused(int options)
{
	struct sockaddr_in sin;
	struct bufferevent *bev;
	struct trace t;

	trace_init(&t, 1);
	t.done_on = BEV_EVENT_ERROR;
	closed_port(&sin);
	bev = bufferevent_socket_new(evkit_base, -1,
	    BEV_OPT_CLOSE_ON_FREE | options);
	bufferevent_setcb(bev, trace_readcb, trace_writecb, trace_eventcb, &t);
	bufferevent_enable(bev, EV_READ);
	/* A refused loopback connect is still reported from the loop. */
	ck_assert_int_eq(bufferevent_socket_connect(bev,
	                     (struct sockaddr *)&sin, sizeof(sin)),
	    0);
	ck_assert_int_eq(t.nevent, 0);
	ck_assert_int_eq(evkit_loop_until(evkit_base, &t.done, 0, WAIT_MS), 0);
	loop_nonblock(evkit_base, 1);
	ck_assert_str_eq(t.log, "E0x20");
	ck_assert_int_eq(t.err, ECONNREFUSED);
	ck_assert_int_eq(bufferevent_get_enabled(bev), EV_READ | EV_WRITE);
	ck_assert_int_ge(bufferevent_getfd(bev), 0);
	bufferevent_free(bev);
	loop_nonblock(evkit_base, 1);
}

START_TEST(test_connect_refused)
{
	check_refused(0);
}
END_TEST

START_TEST(test_connect_refused_deferred)
{
	/* The deferred callback gets the errno saved when it happened. */
	check_refused(BEV_OPT_DEFER_CALLBACKS);
}
END_TEST

START_TEST(test_connect_unix_at_once)
{
	struct sockaddr_un sun;
	evutil_socket_t lfd;
	struct bufferevent *bev;
	struct trace t;

	trace_init(&t, 1);
	t.done_on = BEV_EVENT_CONNECTED;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "/tmp/evkit-bev.%ld",
	    (long)getpid());
	unlink(sun.sun_path);
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_eq(bind(lfd, (struct sockaddr *)&sun, sizeof(sun)), 0);

	/* Not listening: refused at once, reported later, both disabled. */
	bev = bufferevent_socket_new(evkit_base, -1, BEV_OPT_CLOSE_ON_FREE);
	bufferevent_setcb(bev, trace_readcb, trace_writecb, trace_eventcb, &t);
	ck_assert_int_eq(bufferevent_socket_connect(bev,
	                     (struct sockaddr *)&sun, sizeof(sun)),
	    0);
	ck_assert_int_eq(t.nevent, 0);
	ck_assert_int_eq(bufferevent_get_enabled(bev), 0);
	loop_nonblock(evkit_base, 2);
	ck_assert_str_eq(t.log, "E0x20");
	ck_assert_int_eq(t.err, ECONNREFUSED);
	bufferevent_free(bev);
	loop_nonblock(evkit_base, 1);

	/* Listening: connected at once; the write callback comes first. */
	ck_assert_int_eq(listen(lfd, 4), 0);
	trace_init(&t, 1);
	bev = bufferevent_socket_new(evkit_base, -1, BEV_OPT_CLOSE_ON_FREE);
	bufferevent_setcb(bev, trace_readcb, trace_writecb, trace_eventcb, &t);
	ck_assert_int_eq(bufferevent_socket_connect(bev,
	                     (struct sockaddr *)&sun, sizeof(sun)),
	    0);
	loop_nonblock(evkit_base, 2);
	ck_assert_str_eq(t.log, "W0 E0x80");
	bufferevent_free(bev);
	loop_nonblock(evkit_base, 1);
	close(lfd);
	unlink(sun.sun_path);
}
END_TEST

START_TEST(test_connect_bad_address)
{
	struct sockaddr_un sun;
	struct bufferevent *bev;
	struct trace t;

	trace_init(&t, 1);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strcpy(sun.sun_path, "/nonexistent/evkit/socket");
	bev = bufferevent_socket_new(evkit_base, -1, BEV_OPT_CLOSE_ON_FREE);
	bufferevent_setcb(bev, trace_readcb, trace_writecb, trace_eventcb, &t);
	/* A connect that fails at once for another reason fails the call. */
	ck_assert_int_eq(bufferevent_socket_connect(bev,
	                     (struct sockaddr *)&sun, sizeof(sun)),
	    -1);
	ck_assert_int_eq(bufferevent_getfd(bev), -1);
	/* No address and no socket: nothing to connect. */
	ck_assert_int_eq(bufferevent_socket_connect(bev, NULL, 0), -1);
	loop_nonblock(evkit_base, 2);
	ck_assert_int_eq(t.nevent, 0);
	bufferevent_free(bev);
	loop_nonblock(evkit_base, 1);
}
END_TEST

START_TEST(test_connect_existing_socket)
{
	struct bufferevent *bev;
	struct trace t;

	/* With no address, the socket is taken to be connecting already. */
	trace_init(&t, 1);
	bev = bufferevent_socket_new(evkit_base, evkit_pair[0], 0);
	bufferevent_setcb(bev, trace_readcb, trace_writecb, trace_eventcb, &t);
	ck_assert_int_eq(bufferevent_socket_connect(bev, NULL, 0), 0);
	loop_nonblock(evkit_base, 2);
	ck_assert_str_eq(t.log, "E0x80");
	bufferevent_free(bev);
	loop_nonblock(evkit_base, 1);
}
END_TEST

static void
check_hostname(const char *name, int family)
{
	struct sockaddr_in sin;
	evutil_socket_t lfd, afd;
	struct bufferevent *bev;
	struct trace t;

	trace_init(&t, 1);
	t.done_on = BEV_EVENT_CONNECTED | BEV_EVENT_ERROR;
	lfd = tcp_listener(&sin);
	bev = bufferevent_socket_new(evkit_base, -1, BEV_OPT_CLOSE_ON_FREE);
	bufferevent_setcb(bev, trace_readcb, trace_writecb, trace_eventcb, &t);
	bufferevent_write(bev, "x", 1);
	ck_assert_int_eq(bufferevent_socket_connect_hostname(bev, NULL, family,
	                     name, ntohs(sin.sin_port)),
	    0);
	ck_assert_int_eq(evkit_loop_until(evkit_base, &t.done, 0, WAIT_MS), 0);
	loop_nonblock(evkit_base, 2);
	ck_assert_str_eq(t.log, "E0x80 W0");
	ck_assert_int_eq(bufferevent_socket_get_dns_error(bev), 0);
	afd = accept_client(lfd, bufferevent_getfd(bev));
	ck_assert_int_ge(afd, 0);
	close(afd);
	bufferevent_free(bev);
	loop_nonblock(evkit_base, 1);
	close(lfd);
}

START_TEST(test_connect_hostname_numeric)
{
	check_hostname("127.0.0.1", AF_INET);
}
END_TEST

START_TEST(test_connect_hostname_localhost)
{
	check_hostname("localhost", AF_INET);
}
END_TEST

START_TEST(test_connect_hostname_errors)
{
	struct bufferevent *bev;
	struct trace t;

	trace_init(&t, 1);
	bev = bufferevent_socket_new(evkit_base, -1, BEV_OPT_CLOSE_ON_FREE);
	bufferevent_setcb(bev, trace_readcb, trace_writecb, trace_eventcb, &t);
	ck_assert_int_eq(bufferevent_socket_connect_hostname(bev, NULL, AF_UNIX,
	                     "localhost", 80),
	    -1);
	ck_assert_int_eq(bufferevent_socket_connect_hostname(bev, NULL, AF_INET,
	                     "localhost", 0),
	    -1);
	ck_assert_int_eq(bufferevent_socket_connect_hostname(bev, NULL, AF_INET,
	                     "localhost", 65536),
	    -1);
	ck_assert_int_eq(t.nevent, 0);
	/* A failed lookup: ERROR, and the resolver's code kept. */
	ck_assert_int_eq(bufferevent_socket_connect_hostname(bev, NULL, AF_INET,
	                     "no-such-host.invalid", 80),
	    0);
	loop_nonblock(evkit_base, 2);
	ck_assert_str_eq(t.log, "E0x20");
	ck_assert_int_ne(bufferevent_socket_get_dns_error(bev), 0);
	bufferevent_free(bev);
	loop_nonblock(evkit_base, 1);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Pairs.                                                              */

START_TEST(test_pair_data)
{
	struct bufferevent *pair[2];
	struct trace t0, t1;
	char buf[16];

	trace_init(&t0, 0);
	trace_init(&t1, 0);
	ck_assert_int_eq(bufferevent_pair_new(evkit_base, 0, pair), 0);
	ck_assert_ptr_eq(bufferevent_pair_get_partner(pair[0]), pair[1]);
	ck_assert_ptr_eq(bufferevent_pair_get_partner(pair[1]), pair[0]);
	ck_assert_int_eq(bufferevent_getfd(pair[0]), -1);
	ck_assert_ptr_null(bufferevent_get_underlying(pair[0]));
	bufferevent_setcb(pair[0], trace_readcb, trace_writecb, trace_eventcb,
	    &t0);
	bufferevent_setcb(pair[1], trace_readcb, trace_writecb, trace_eventcb,
	    &t1);

	/* Held in the writer's output until the reader reads. */
	bufferevent_write(pair[0], "hello", 5);
	ck_assert_uint_eq(evbuffer_get_length(bufferevent_get_output(pair[0])),
	    5);
	bufferevent_enable(pair[1], EV_READ);
	ck_assert_uint_eq(evbuffer_get_length(bufferevent_get_input(pair[1])),
	    5);
	/* Callbacks of pairs are always deferred. */
	ck_assert_int_eq(t1.nread + t0.nwrite, 0);
	loop_nonblock(evkit_base, 2);
	ck_assert_str_eq(t1.log, "R5");
	ck_assert_str_eq(t0.log, "W0");

	bufferevent_enable(pair[0], EV_READ);
	bufferevent_write(pair[1], "world!", 6);
	loop_nonblock(evkit_base, 2);
	ck_assert_str_eq(t0.log, "W0 R6");
	ck_assert_str_eq(t1.log, "R5 W0");
	ck_assert_uint_eq(bufferevent_read(pair[0], buf, sizeof(buf)), 6);
	ck_assert(memcmp(buf, "world!", 6) == 0);

	ck_assert_int_eq(bufferevent_priority_set(pair[0], 0), -1);
	ck_assert_int_eq(bufferevent_base_set(evkit_base, pair[0]), -1);
	ck_assert_int_eq(bufferevent_setfd(pair[0], 0), -1);
	bufferevent_free(pair[0]);
	bufferevent_free(pair[1]);
	loop_nonblock(evkit_base, 1);
}
END_TEST

START_TEST(test_pair_flush_finished)
{
	struct bufferevent *pair[2];
	struct trace t0, t1;

	trace_init(&t0, 1);
	trace_init(&t1, 1);
	bufferevent_pair_new(evkit_base, 0, pair);
	bufferevent_setcb(pair[0], trace_readcb, trace_writecb, trace_eventcb,
	    &t0);
	bufferevent_setcb(pair[1], trace_readcb, trace_writecb, trace_eventcb,
	    &t1);
	bufferevent_write(pair[0], "last", 4);
	ck_assert_int_eq(bufferevent_flush(pair[0], EV_WRITE, BEV_NORMAL), 0);
	ck_assert_uint_eq(evbuffer_get_length(bufferevent_get_output(pair[0])),
	    4);
	/* Flushing moves data even to a partner that is not reading, and
	 * FINISHED tells the partner the stream ended. */
	ck_assert_int_eq(bufferevent_flush(pair[0], EV_WRITE, BEV_FINISHED), 0);
	loop_nonblock(evkit_base, 2);
	ck_assert_str_eq(t1.log, "R4 E0x11");
	ck_assert_str_eq(t0.log, "W0");
	ck_assert_int_eq(bufferevent_flush(pair[1], EV_READ | EV_WRITE,
	                     BEV_FINISHED),
	    0);
	loop_nonblock(evkit_base, 2);
	ck_assert_str_eq(t0.log, "W0 R0 W0 E0x13");

	/* Freeing one end orphans the other, silently. */
	bufferevent_free(pair[0]);
	ck_assert_ptr_null(bufferevent_pair_get_partner(pair[1]));
	ck_assert_int_eq(bufferevent_flush(pair[1], EV_WRITE, BEV_FLUSH), -1);
	bufferevent_write(pair[1], "void", 4);
	loop_nonblock(evkit_base, 2);
	ck_assert_str_eq(t1.log, "R4 E0x11 R0 W0");
	bufferevent_free(pair[1]);
	loop_nonblock(evkit_base, 1);
}
END_TEST

START_TEST(test_pair_watermark)
{
	struct bufferevent *pair[2];
	struct trace t;

	trace_init(&t, 1);
	bufferevent_pair_new(evkit_base, 0, pair);
	bufferevent_setcb(pair[1], trace_readcb, NULL, NULL, &t);
	bufferevent_setwatermark(pair[1], EV_READ, 0, 4);
	bufferevent_enable(pair[1], EV_READ);
	bufferevent_write(pair[0], "0123456789", 10);
	/* Only up to the reader's high watermark crosses over. */
	ck_assert_uint_eq(evbuffer_get_length(bufferevent_get_input(pair[1])),
	    4);
	ck_assert_uint_eq(evbuffer_get_length(bufferevent_get_output(pair[0])),
	    6);
	loop_nonblock(evkit_base, 4);
	ck_assert_str_eq(t.log, "R4 R4 R2");
	bufferevent_free(pair[0]);
	bufferevent_free(pair[1]);
	loop_nonblock(evkit_base, 1);
}
END_TEST

/* A flush moves everything, even to a partner already at its high
 * watermark. */
START_TEST(test_pair_flush_past_watermark)
{
	struct bufferevent *pair[2];

	bufferevent_pair_new(evkit_base, 0, pair);
	bufferevent_setwatermark(pair[1], EV_READ, 0, 4);
	bufferevent_enable(pair[1], EV_READ);
	bufferevent_write(pair[0], "0123456789", 10);
	ck_assert_uint_eq(evbuffer_get_length(bufferevent_get_input(pair[1])),
	    4);
	ck_assert_int_eq(bufferevent_flush(pair[0], EV_WRITE, BEV_FLUSH), 0);
	ck_assert_uint_eq(evbuffer_get_length(bufferevent_get_input(pair[1])),
	    10);
	ck_assert_uint_eq(evbuffer_get_length(bufferevent_get_output(pair[0])),
	    0);
	bufferevent_free(pair[0]);
	bufferevent_free(pair[1]);
	loop_nonblock(evkit_base, 1);
}
END_TEST

START_TEST(test_pair_timeout)
{
	struct bufferevent *pair[2];
	struct trace t;
	struct timeval tv;

	trace_init(&t, 1);
	t.done_on = BEV_EVENT_TIMEOUT;
	bufferevent_pair_new(evkit_base, 0, pair);
	bufferevent_setcb(pair[0], trace_readcb, trace_writecb, trace_eventcb,
	    &t);
	bufferevent_set_timeouts(pair[0], evkit_ms_tv(&tv, 50), NULL);
	bufferevent_enable(pair[0], EV_READ);
	ck_assert_int_eq(evkit_loop_until(evkit_base, &t.done, 0, WAIT_MS), 0);
	ck_assert_str_eq(t.log, "E0x41");
	ck_assert_int_eq(bufferevent_get_enabled(pair[0]), EV_WRITE);
	bufferevent_free(pair[0]);
	bufferevent_free(pair[1]);
	loop_nonblock(evkit_base, 1);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Filters.                                                            */

struct filter_log {
	int calls;
	enum bufferevent_flush_mode last_mode;
	int freed;
};

static enum bufferevent_filter_result
upper_filter(struct evbuffer *src, struct evbuffer *dst, ev_ssize_t limit,
    enum bufferevent_flush_mode mode, void *ctx)
{
	struct filter_log *fl = ctx;
	char buf[256];
	int n, i;

	(void)limit;
	fl->calls++;
	fl->last_mode = mode;
	if (evbuffer_get_length(src) == 0)
		return BEV_NEED_MORE;
	while ((n = evbuffer_remove(src, buf, sizeof(buf))) > 0) {
		for (i = 0; i < n; i++)
			if (buf[i] >= 'a' && buf[i] <= 'z')
				buf[i] = (char)(buf[i] - 'a' + 'A');
		evbuffer_add(dst, buf, (size_t)n);
	}
	return BEV_OK;
}

/* Moves two bytes per call whatever the limit says (a filter may). */
static enum bufferevent_filter_result
two_bytes_filter(struct evbuffer *src, struct evbuffer *dst, ev_ssize_t limit,
    enum bufferevent_flush_mode mode, void *ctx)
{
	(void)limit;
	(void)mode;
	(void)ctx;
	if (evbuffer_get_length(src) == 0)
		return BEV_NEED_MORE;
	evbuffer_remove_buffer(src, dst, 2);
	return BEV_OK;
}

/*
 * The filter stops writing down once the underlying output reaches its
 * high watermark, even with a filter that ignores the limit it is given.
 */
START_TEST(test_filter_underlying_write_watermark)
{
	struct bufferevent *under, *filt;

	under = bufferevent_socket_new(evkit_base, evkit_pair[0], 0);
	bufferevent_setwatermark(under, EV_WRITE, 0, 4);
	filt = bufferevent_filter_new(under, NULL, two_bytes_filter, 0, NULL,
	    NULL);
	ck_assert_ptr_nonnull(filt);
	bufferevent_disable(under, EV_WRITE); /* its output stays put */
	ck_assert_int_eq(bufferevent_enable(filt, EV_WRITE), 0);
	ck_assert_int_eq(bufferevent_write(filt, "0123456789", 10), 0);
	loop_nonblock(evkit_base, 2);
	ck_assert_uint_eq(evbuffer_get_length(bufferevent_get_output(under)),
	    4);
	ck_assert_uint_eq(evbuffer_get_length(bufferevent_get_output(filt)), 6);
	bufferevent_free(filt);
	bufferevent_free(under);
	loop_nonblock(evkit_base, 1);
}
END_TEST

/* Passes on whole lines only, as "<line>"; the rest when FINISHED. */
static enum bufferevent_filter_result
line_filter(struct evbuffer *src, struct evbuffer *dst, ev_ssize_t limit,
    enum bufferevent_flush_mode mode, void *ctx)
{
	struct filter_log *fl = ctx;
	char *line;
	size_t n;
	int any = 0;

	(void)limit;
	fl->calls++;
	fl->last_mode = mode;
	while ((line = evbuffer_readln(src, &n, EVBUFFER_EOL_LF)) != NULL) {
		evbuffer_add_printf(dst, "<%s>", line);
		free(line);
		any = 1;
	}
	if (mode == BEV_FINISHED && evbuffer_get_length(src) > 0) {
		evbuffer_add_printf(dst, "[%d]", (int)evbuffer_get_length(src));
		evbuffer_drain(src, evbuffer_get_length(src));
		any = 1;
	}
	return any ? BEV_OK : BEV_NEED_MORE;
}

static void
free_filter_log(void *ctx)
{
	((struct filter_log *)ctx)->freed++;
}

/* Read callback that collects the input as a string; the trace comes
 * first so that trace_eventcb can share the callback argument. */
struct collect {
	struct trace t;
	char data[256];
	int calls;
};

static void
collect_readcb(struct bufferevent *bev, void *arg)
{
	struct collect *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	size_t have = strlen(c->data), n = evbuffer_get_length(in);

	c->calls++;
	if (n > sizeof(c->data) - 1 - have)
		n = sizeof(c->data) - 1 - have;
	evbuffer_remove(in, c->data + have, n);
	c->data[have + n] = '\0';
	evbuffer_drain(in, evbuffer_get_length(in));
}

START_TEST(test_filter_upper)
{
	struct bufferevent *under, *filt;
	struct filter_log in_log, out_log;
	struct collect c;
	char buf[64];
	evutil_socket_t fd = evkit_pair[0];

	memset(&in_log, 0, sizeof(in_log));
	memset(&out_log, 0, sizeof(out_log));
	memset(&c, 0, sizeof(c));
	under = bufferevent_socket_new(evkit_base, fd, BEV_OPT_CLOSE_ON_FREE);
	filt = bufferevent_filter_new(under, upper_filter, upper_filter,
	    BEV_OPT_CLOSE_ON_FREE, free_filter_log, &in_log);
	ck_assert_ptr_nonnull(filt);
	ck_assert_ptr_eq(bufferevent_get_underlying(filt), under);
	ck_assert_int_eq(bufferevent_getfd(filt), fd);
	ck_assert_int_eq(bufferevent_get_enabled(filt), EV_WRITE);
	/* The filter takes the underlying bufferevent over. */
	ck_assert_int_eq(bufferevent_get_enabled(under), EV_READ | EV_WRITE);
	bufferevent_setcb(filt, collect_readcb, NULL, NULL, &c);

	evkit_write(evkit_pair[1], "abc");
	loop_nonblock(evkit_base, 2);
	ck_assert_int_eq(c.calls, 0); /* filter not reading yet */
	bufferevent_enable(filt, EV_READ);
	loop_nonblock(evkit_base, 2);
	ck_assert_str_eq(c.data, "ABC");
	ck_assert_int_eq(in_log.last_mode, BEV_NORMAL);

	ck_assert_int_eq(bufferevent_write(filt, "xyz", 3), 0);
	loop_nonblock(evkit_base, 2);
	ck_assert_int_eq(read_some(evkit_pair[1], buf, sizeof(buf)), 3);
	ck_assert_str_eq(buf, "XYZ");

	/* Flushing calls the filters in the flush mode. */
	in_log.calls = 0;
	ck_assert_int_eq(bufferevent_flush(filt, EV_READ, BEV_FINISHED), 0);
	ck_assert_int_eq(in_log.calls, 1);
	ck_assert_int_eq(in_log.last_mode, BEV_FINISHED);

	bufferevent_free(filt);
	finish_base(evkit_base);
	evkit_base = NULL;
	ck_assert_int_eq(in_log.freed, 1);
	ck_assert(!fd_is_open(fd)); /* CLOSE_ON_FREE freed the socket too */
	evkit_pair[0] = -1;
	(void)out_log;
}
END_TEST

START_TEST(test_filter_need_more)
{
	struct bufferevent *under, *filt;
	struct filter_log fl;
	struct collect c;

	memset(&fl, 0, sizeof(fl));
	memset(&c, 0, sizeof(c));
	under = bufferevent_socket_new(evkit_base, evkit_pair[0], 0);
	filt = bufferevent_filter_new(under, line_filter, NULL, 0, NULL, &fl);
	bufferevent_setcb(filt, collect_readcb, NULL, trace_eventcb, &c);
	bufferevent_enable(filt, EV_READ);
	evkit_write(evkit_pair[1], "ab");
	loop_nonblock(evkit_base, 2);
	ck_assert_int_eq(c.calls, 0);
	evkit_write(evkit_pair[1], "c\nde");
	loop_nonblock(evkit_base, 2);
	ck_assert_str_eq(c.data, "<abc>");
	evkit_write(evkit_pair[1], "f\ng\nh");
	loop_nonblock(evkit_base, 2);
	ck_assert_str_eq(c.data, "<abc><def><g>");
	/* FINISHED hands over the incomplete rest (1: it produced data),
	 * but a flush runs no read callback. */
	ck_assert_int_eq(bufferevent_flush(filt, EV_READ, BEV_FINISHED), 1);
	loop_nonblock(evkit_base, 2);
	ck_assert_str_eq(c.data, "<abc><def><g>");
	ck_assert_uint_eq(evbuffer_get_length(bufferevent_get_input(filt)), 3);
	/* The underlying bufferevent's EOF is passed up unchanged. */
	evkit_close(&evkit_pair[1]);
	loop_nonblock(evkit_base, 3);
	ck_assert_str_eq(c.t.log, "E0x11");
	bufferevent_free(filt);
	loop_nonblock(evkit_base, 2);
	/* Without CLOSE_ON_FREE the underlying one is handed back. */
	{
		bufferevent_data_cb r, w;
		bufferevent_event_cb e;
		void *arg;
		bufferevent_getcb(under, &r, &w, &e, &arg);
		ck_assert(r == NULL && w == NULL && e == NULL);
		ck_assert_ptr_null(arg);
	}
	bufferevent_free(under);
	loop_nonblock(evkit_base, 1);
}
END_TEST

static enum bufferevent_filter_result
error_filter(struct evbuffer *src, struct evbuffer *dst, ev_ssize_t limit,
    enum bufferevent_flush_mode mode, void *ctx)
{
	(void)src;
	(void)dst;
	(void)limit;
	(void)mode;
	((struct filter_log *)ctx)->calls++;
	return BEV_ERROR;
}

START_TEST(test_filter_error_and_flush)
{
	struct bufferevent *under, *filt;
	struct filter_log fl;
	struct trace t;

	memset(&fl, 0, sizeof(fl));
	trace_init(&t, 0);
	under = bufferevent_socket_new(evkit_base, evkit_pair[0], 0);
	filt = bufferevent_filter_new(under, error_filter, error_filter, 0,
	    NULL, &fl);
	bufferevent_setcb(filt, trace_readcb, trace_writecb, trace_eventcb, &t);
	bufferevent_enable(filt, EV_READ);
	evkit_write(evkit_pair[1], "abc");
	loop_nonblock(evkit_base, 2);
	ck_assert_int_eq(fl.calls, 1);
	bufferevent_write(filt, "q", 1);
	ck_assert_int_eq(fl.calls, 2);
	/* Nothing produced: no callbacks, flush reports 0. */
	ck_assert_int_eq(bufferevent_flush(filt, EV_READ | EV_WRITE, BEV_FLUSH),
	    0);
	ck_assert_int_eq(fl.calls, 4);
	ck_assert_str_eq(t.log, "");
	bufferevent_free(filt);
	bufferevent_free(under);
	loop_nonblock(evkit_base, 2);
}
END_TEST

START_TEST(test_filter_over_pair)
{
	struct bufferevent *pair[2], *filt;
	struct filter_log fl;
	struct collect c;
	struct trace t;

	memset(&fl, 0, sizeof(fl));
	memset(&c, 0, sizeof(c));
	trace_init(&t, 1);
	bufferevent_pair_new(evkit_base, 0, pair);
	filt =
	    bufferevent_filter_new(pair[0], NULL, upper_filter, 0, NULL, &fl);
	bufferevent_setcb(filt, trace_readcb, trace_writecb, trace_eventcb, &t);
	bufferevent_setcb(pair[1], collect_readcb, NULL, NULL, &c);
	bufferevent_enable(pair[1], EV_READ);
	bufferevent_enable(filt, EV_READ);
	bufferevent_write(filt, "hello", 5);
	loop_nonblock(evkit_base, 3);
	ck_assert_str_eq(c.data, "HELLO");
	bufferevent_write(pair[1], "back", 4);
	loop_nonblock(evkit_base, 3);
	bufferevent_flush(pair[1], EV_WRITE, BEV_FINISHED);
	loop_nonblock(evkit_base, 3);
	/* The FINISHED flush also runs the (null) input filter once more. */
	ck_assert_str_eq(t.log, "W0 R4 R0 E0x11");
	bufferevent_free(filt);
	bufferevent_free(pair[0]);
	bufferevent_free(pair[1]);
	loop_nonblock(evkit_base, 3);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Watermarks.                                                         */

START_TEST(test_watermark_read_low)
{
	struct bufferevent *bev;
	struct trace t;
	size_t lo = 7, hi = 7;

	trace_init(&t, 1);
	bev = bufferevent_socket_new(evkit_base, evkit_pair[0], 0);
	ck_assert_int_eq(bufferevent_getwatermark(bev, EV_READ, &lo, &hi), 0);
	ck_assert_uint_eq(lo, 0);
	ck_assert_uint_eq(hi, 0);
	bufferevent_setcb(bev, trace_readcb, NULL, NULL, &t);
	bufferevent_setwatermark(bev, EV_READ, 10, 0);
	ck_assert_int_eq(bufferevent_getwatermark(bev, EV_READ, &lo, &hi), 0);
	ck_assert_uint_eq(lo, 10);
	ck_assert_int_eq(bufferevent_getwatermark(bev, EV_READ | EV_WRITE, &lo,
	                     &hi),
	    -1);
	bufferevent_enable(bev, EV_READ);
	evkit_write(evkit_pair[1], "12345");
	loop_nonblock(evkit_base, 2);
	ck_assert_int_eq(t.nread, 0);
	evkit_write(evkit_pair[1], "67890");
	loop_nonblock(evkit_base, 2);
	ck_assert_str_eq(t.log, "R10");
	bufferevent_free(bev);
	loop_nonblock(evkit_base, 1);
}
END_TEST

START_TEST(test_watermark_write_low)
{
	struct bufferevent *bev;
	struct trace t;
	static char big[200000];
	char sink[65536];
	int i;

	trace_init(&t, 1);
	bev = bufferevent_socket_new(evkit_base, evkit_pair[0], 0);
	bufferevent_setcb(bev, NULL, trace_writecb, NULL, &t);
	bufferevent_setwatermark(bev, EV_WRITE, 100000, 0);
	bufferevent_write(bev, big, sizeof(big));
	/* The write callback runs only once at most 100000 bytes wait. */
	for (i = 0; i < 50 && evbuffer_get_length(bufferevent_get_output(bev));
	     i++) {
		loop_nonblock(evkit_base, 1);
		if (t.nwrite == 0)
			ck_assert_uint_gt(evbuffer_get_length(
			                      bufferevent_get_output(bev)),
			    100000);
		while (recv(evkit_pair[1], sink, sizeof(sink), 0) > 0)
			continue;
	}
	ck_assert_int_gt(t.nwrite, 0);
	ck_assert_uint_le(t.inlen, 100000);
	bufferevent_free(bev);
	loop_nonblock(evkit_base, 1);
}
END_TEST

/* Read high watermark: with a 1 MiB writer on the other end, the reader
 * never holds more than the mark. */
struct hw_state {
	size_t high;
	size_t max_seen;
	size_t total;
	int calls;
	int done;
};

static void
hw_readcb(struct bufferevent *bev, void *arg)
{
	struct hw_state *s = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	size_t n = evbuffer_get_length(in);

	s->calls++;
	if (n > s->max_seen)
		s->max_seen = n;
	/* Drain only every third time: the input fills up to the mark. */
	if (s->calls % 3 == 0) {
		s->total += n;
		evbuffer_drain(in, n);
	}
	if (s->total + evbuffer_get_length(in) >= 1024 * 1024)
		s->done = 1;
}

START_TEST(test_watermark_read_high)
{
	struct bufferevent *reader, *writer;
	struct hw_state s;
	char *mib = calloc(1, 1024 * 1024);

	memset(&s, 0, sizeof(s));
	s.high = 10000;
	reader = bufferevent_socket_new(evkit_base, evkit_pair[0], 0);
	writer = bufferevent_socket_new(evkit_base, evkit_pair[1], 0);
	bufferevent_setcb(reader, hw_readcb, NULL, NULL, &s);
	bufferevent_setwatermark(reader, EV_READ, 0, s.high);
	bufferevent_enable(reader, EV_READ);
	ck_assert_int_eq(bufferevent_write(writer, mib, 1024 * 1024), 0);
	ck_assert_int_eq(evkit_loop_until(evkit_base, &s.done, 0, 10000), 0);
	s.total += evbuffer_get_length(bufferevent_get_input(reader));
	ck_assert_uint_eq(s.total, 1024 * 1024);
	ck_assert_uint_le(s.max_seen, s.high);
	ck_assert_uint_eq(s.max_seen, s.high);
	free(mib);
	bufferevent_free(reader);
	bufferevent_free(writer);
	loop_nonblock(evkit_base, 1);
}
END_TEST

/* Without draining: reading stops at the mark, and the read callback is
 * called again (from the loop) until the program drains. */
struct stuck_state {
	size_t lens[8];
	int calls;
	int done;
};

static void
stuck_readcb(struct bufferevent *bev, void *arg)
{
	struct stuck_state *s = arg;

	if (s->calls < 8)
		s->lens[s->calls] =
		    evbuffer_get_length(bufferevent_get_input(bev));
	if (++s->calls == 6) {
		s->done = 1;
		event_base_loopbreak(bufferevent_get_base(bev));
	}
}

START_TEST(test_watermark_backpressure)
{
	struct bufferevent *bev;
	struct stuck_state s;
	char chunk[4096];
	int i, total = 0;

	memset(&s, 0, sizeof(s));
	memset(chunk, 'z', sizeof(chunk));
	for (i = 0; i < 16; i++)
		if (send(evkit_pair[1], chunk, sizeof(chunk), 0) > 0)
			total += (int)sizeof(chunk);
	ck_assert_int_gt(total, 20000);
	bev = bufferevent_socket_new(evkit_base, evkit_pair[0], 0);
	bufferevent_setcb(bev, stuck_readcb, NULL, NULL, &s);
	bufferevent_setwatermark(bev, EV_READ, 0, 10000);
	bufferevent_enable(bev, EV_READ);
	ck_assert_int_eq(evkit_loop_until(evkit_base, &s.done, 0, WAIT_MS), 0);
	for (i = 3; i < 6; i++)
		ck_assert_uint_eq(s.lens[i], 10000);
	ck_assert_uint_eq(evbuffer_get_length(bufferevent_get_input(bev)),
	    10000);
	/* Lowering the mark under what is buffered stops reading too. */
	bufferevent_setcb(bev, NULL, NULL, NULL, NULL);
	bufferevent_setwatermark(bev, EV_READ, 0, 0);
	bufferevent_free(bev);
	loop_nonblock(evkit_base, 1);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Timeouts.                                                           */

/* The read callback of test_timeout_read: when the data was read. */
static double timeout_read_at;

static void
timeout_read_readcb(struct bufferevent *bev, void *arg)
{
	timeout_read_at = evkit_now_ms();
	trace_readcb(bev, arg);
}

/*
 * One try of test_timeout_read with a read timeout of ms, data written
 * after 0.6 ms.  Returns 0 when the machine was too slow for the try to
 * tell anything: the data was not read before the first timeout was due.
 */
static int
timeout_read_try(long ms)
{
	struct bufferevent *bev;
	struct trace t;
	struct timeval tv;
	double t0, el;
	char drain[16];

	trace_init(&t, 1);
	t.done_on = BEV_EVENT_TIMEOUT;
	timeout_read_at = 0;
	bev = bufferevent_socket_new(evkit_base, evkit_pair[0], 0);
	bufferevent_setcb(bev, timeout_read_readcb, trace_writecb,
	    trace_eventcb, &t);
	/* From the coarse clock, which never runs ahead of the loop's. */
	t0 = evkit_coarse_ms();
	ck_assert_int_eq(bufferevent_set_timeouts(bev, evkit_ms_tv(&tv, ms),
	                     NULL),
	    0);
	bufferevent_enable(bev, EV_READ);
	/* Data at 0.6 ms restarts the timer: ms from the read. */
	loop_for(evkit_base, ms * 6 / 10);
	evkit_write(evkit_pair[1], "x");
	ck_assert_int_eq(evkit_loop_until(evkit_base, &t.done, 0, WAIT_MS), 0);
	el = evkit_now_ms() - t0;
	if (timeout_read_at == 0 || timeout_read_at - t0 >= ms) {
		/* Read late (or not at all): the first timeout was due. */
		ck_assert_msg(el >= ms, "timeout after %.0f ms", el);
		bufferevent_free(bev);
		loop_nonblock(evkit_base, 1);
		while (
		    recv(evkit_pair[0], drain, sizeof(drain), MSG_DONTWAIT) > 0)
			continue;
		return 0;
	}
	ck_assert_str_eq(t.log, "R1 E0x41");
	ck_assert_msg(el >= ms * 16 / 10 && el < 15 * ms,
	    "timeout after %.0f ms", el);
	ck_assert_int_eq(bufferevent_get_enabled(bev), EV_WRITE);
	bufferevent_free(bev);
	loop_nonblock(evkit_base, 1);
	return 1;
}

/*
 * A read restarts the read timeout.  On a busy machine the loop may get
 * to the data only after the first timeout was due; the test then tries
 * again with longer times instead of failing.
 */
START_TEST(test_timeout_read)
{
	long ms;

	for (ms = 100; ms <= 800; ms *= 2)
		if (timeout_read_try(ms))
			return;
	ck_abort_msg("data written at 0.6 timeout never read in time");
}
END_TEST

START_TEST(test_timeout_write)
{
	struct bufferevent *bev;
	struct trace t;
	struct timeval tv;
	char chunk[65536];

	trace_init(&t, 1);
	t.done_on = BEV_EVENT_TIMEOUT;
	memset(chunk, 'w', sizeof(chunk));
	/* Fill the socket so that nothing more can be written. */
	while (send(evkit_pair[0], chunk, sizeof(chunk), 0) > 0)
		continue;
	bev = bufferevent_socket_new(evkit_base, evkit_pair[0], 0);
	bufferevent_setcb(bev, trace_readcb, trace_writecb, trace_eventcb, &t);
	bufferevent_set_timeouts(bev, NULL, evkit_ms_tv(&tv, 80));
	bufferevent_write(bev, chunk, sizeof(chunk));
	ck_assert_int_eq(evkit_loop_until(evkit_base, &t.done, 0, WAIT_MS), 0);
	ck_assert_str_eq(t.log, "E0x42");
	ck_assert_int_eq(bufferevent_get_enabled(bev), 0);
	ck_assert_uint_eq(evbuffer_get_length(bufferevent_get_output(bev)),
	    sizeof(chunk));
	bufferevent_free(bev);
	loop_nonblock(evkit_base, 1);
}
END_TEST

START_TEST(test_timeout_change_and_clear)
{
	struct bufferevent *bev;
	struct trace t;
	struct timeval tv;

	trace_init(&t, 1);
	bev = bufferevent_socket_new(evkit_base, evkit_pair[0], 0);
	bufferevent_setcb(bev, trace_readcb, NULL, trace_eventcb, &t);
	bufferevent_set_timeouts(bev, evkit_ms_tv(&tv, 60), NULL);
	bufferevent_enable(bev, EV_READ);
	/* Cleared while pending: no timeout at all. */
	bufferevent_set_timeouts(bev, NULL, NULL);
	loop_for(evkit_base, 150);
	ck_assert_str_eq(t.log, "");
	ck_assert_int_eq(bufferevent_get_enabled(bev), EV_READ | EV_WRITE);
	/* A timeout set while reading applies at once. */
	bufferevent_set_timeouts(bev, evkit_ms_tv(&tv, 40), NULL);
	loop_for(evkit_base, 150);
	ck_assert_str_eq(t.log, "E0x41");
	bufferevent_free(bev);
	loop_nonblock(evkit_base, 1);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Rate limits.                                                        */

START_TEST(test_ratelim_cfg_and_limits)
{
	struct bufferevent *bev;
	struct ev_token_bucket_cfg *cfg;

	ck_assert_ptr_null(ev_token_bucket_cfg_new(0, 10, 1, 1, NULL));
	ck_assert_ptr_null(ev_token_bucket_cfg_new(11, 10, 1, 1, NULL));
	ck_assert_ptr_null(ev_token_bucket_cfg_new(1, 1, 2, 1, NULL));
	bev = bufferevent_socket_new(evkit_base, -1, 0);
	ck_assert_int_eq(bufferevent_get_max_single_read(bev), 16384);
	ck_assert_int_eq(bufferevent_get_max_single_write(bev), 16384);
	ck_assert_int_eq(bufferevent_get_read_limit(bev), EV_SSIZE_MAX);
	ck_assert_int_eq(bufferevent_get_write_limit(bev), EV_SSIZE_MAX);
	ck_assert_int_eq(bufferevent_get_max_to_read(bev), 16384);
	ck_assert_ptr_null(bufferevent_get_token_bucket_cfg(bev));
	ck_assert_int_eq(bufferevent_set_max_single_read(bev, 100), 0);
	ck_assert_int_eq(bufferevent_get_max_to_read(bev), 100);
	ck_assert_int_eq(bufferevent_set_max_single_write(bev, 0), 0);
	ck_assert_int_eq(bufferevent_get_max_single_write(bev), 16384);

	cfg = ev_token_bucket_cfg_new(1000, 2000, 500, 600, NULL);
	ck_assert_ptr_nonnull(cfg);
	ck_assert_int_eq(bufferevent_set_rate_limit(bev, cfg), 0);
	ck_assert_ptr_eq(bufferevent_get_token_bucket_cfg(bev), cfg);
	ck_assert_int_eq(bufferevent_get_read_limit(bev), 1000);
	ck_assert_int_eq(bufferevent_get_write_limit(bev), 500);
	/* The bucket, not max_single_read, bounds a limited read. */
	ck_assert_int_eq(bufferevent_get_max_to_read(bev), 1000);
	ck_assert_int_eq(bufferevent_decrement_read_limit(bev, 300), 0);
	ck_assert_int_eq(bufferevent_decrement_write_limit(bev, 600), 0);
	ck_assert_int_eq(bufferevent_get_read_limit(bev), 700);
	ck_assert_int_eq(bufferevent_get_write_limit(bev), -100);
	ck_assert_int_eq(bufferevent_get_max_to_write(bev), 0);
	ck_assert_int_eq(bufferevent_set_rate_limit(bev, NULL), 0);
	ck_assert_ptr_null(bufferevent_get_token_bucket_cfg(bev));
	ck_assert_int_eq(bufferevent_get_read_limit(bev), EV_SSIZE_MAX);
	ck_assert_int_eq(bufferevent_get_max_to_read(bev), 100);
	bufferevent_free(bev);
	loop_nonblock(evkit_base, 1);
	ev_token_bucket_cfg_free(cfg);
}
END_TEST

/* The token-bucket tick a base's cached time falls in. */
static unsigned
bucket_tick(struct event_base *base, unsigned msec_per_tick)
{
	struct timeval now;

	ck_assert_int_eq(event_base_gettimeofday_cached(base, &now), 0);
	return (unsigned)(((ev_uint64_t)now.tv_sec * 1000 +
	                      (ev_uint64_t)now.tv_usec / 1000) /
	    msec_per_tick);
}

/* bev's read limit, and in *tick the one tick the bucket was updated to
 * (read again until the clock stayed in one tick around the call). */
static ev_ssize_t
read_limit_at(struct bufferevent *bev, unsigned msec_per_tick, unsigned *tick)
{
	struct event_base *base = bufferevent_get_base(bev);

	for (;;) {
		unsigned before = bucket_tick(base, msec_per_tick);
		ev_ssize_t r = bufferevent_get_read_limit(bev);

		if (bucket_tick(base, msec_per_tick) == before) {
			*tick = before;
			return r;
		}
	}
}

/* Waits until the clock is at least n ticks past tick. */
static void
wait_ticks(struct event_base *base, unsigned msec_per_tick, unsigned tick,
    unsigned n)
{
	struct timespec ts = { 0, 2000000 };
	double deadline = evkit_now_ms() + WAIT_MS;

	while (bucket_tick(base, msec_per_tick) - tick < n) {
		ck_assert(evkit_now_ms() < deadline);
		nanosleep(&ts, NULL);
	}
}

/*
 * Idle for several ticks, the bucket is refilled for all of them at once
 * when next looked at, and never past the burst size.  Ticks are counted
 * from the clock the library reads (the base's cached time), so a slow
 * machine only changes which tick counts the test expects.
 */
START_TEST(test_ratelim_refill_idle_ticks)
{
	struct timeval tick_len = { 0, 20000 };
	const unsigned ms = 20, rate = 100, burst = 250;
	struct ev_token_bucket_cfg *cfg;
	struct bufferevent *bev;
	ev_ssize_t r, got, expect;
	unsigned t0, t1, n;
	int round;

	cfg = ev_token_bucket_cfg_new(rate, burst, rate, burst, &tick_len);
	ck_assert_ptr_nonnull(cfg);
	bev = bufferevent_socket_new(evkit_base, -1, 0);
	ck_assert_int_eq(bufferevent_set_rate_limit(bev, cfg), 0);
	for (round = 0; round < 2; round++) {
		/* Empty the bucket; note the tick it is brought up to. */
		r = read_limit_at(bev, ms, &t0);
		ck_assert_int_eq(bufferevent_decrement_read_limit(bev, r), 0);
		r = read_limit_at(bev, ms, &t0);
		ck_assert_int_le(r, burst);
		/* Two idle ticks, then (second round) more than the burst. */
		wait_ticks(evkit_base, ms, t0, round == 0 ? 2 : 4);
		got = read_limit_at(bev, ms, &t1);
		n = t1 - t0;
		ck_assert_uint_ge(n, round == 0 ? 2 : 4);
		expect = r + (ev_ssize_t)(n * rate);
		if (expect > (ev_ssize_t)burst)
			expect = burst;
		ck_assert_msg(got == expect,
		    "round %d: limit %ld after %u ticks from %ld, not %ld",
		    round, (long)got, n, (long)r, (long)expect);
	}
	bufferevent_free(bev);
	loop_nonblock(evkit_base, 1);
	ev_token_bucket_cfg_free(cfg);
}
END_TEST

START_TEST(test_ratelim_group_limits)
{
	struct bufferevent_rate_limit_group *g;
	struct bufferevent *a, *b;
	struct ev_token_bucket_cfg *cfg;
	ev_uint64_t r = 1, w = 1;

	cfg = ev_token_bucket_cfg_new(1000, 2000, 500, 600, NULL);
	g = bufferevent_rate_limit_group_new(evkit_base, cfg);
	ck_assert_ptr_nonnull(g);
	a = bufferevent_socket_new(evkit_base, -1, 0);
	b = bufferevent_socket_new(evkit_base, -1, 0);
	ck_assert_int_eq(bufferevent_rate_limit_group_get_read_limit(g), 1000);
	ck_assert_int_eq(bufferevent_rate_limit_group_get_write_limit(g), 500);
	ck_assert_int_eq(bufferevent_add_to_rate_limit_group(a, g), 0);
	ck_assert_int_eq(bufferevent_add_to_rate_limit_group(b, g), 0);
	ck_assert_int_eq(bufferevent_add_to_rate_limit_group(b, g), 0);
	/* Each member may take an equal share, at least the min share. */
	ck_assert_int_eq(bufferevent_get_max_to_read(a), 500);
	ck_assert_int_eq(bufferevent_get_max_to_write(a), 250);
	ck_assert_int_eq(bufferevent_get_read_limit(a), EV_SSIZE_MAX);
	ck_assert_int_eq(bufferevent_rate_limit_group_set_min_share(g, 700), 0);
	ck_assert_int_eq(bufferevent_get_max_to_read(a), 500); /* capped */
	ck_assert_int_eq(bufferevent_get_max_to_write(a), 500);
	ck_assert_int_eq(bufferevent_rate_limit_group_decrement_read(g, 900),
	    0);
	ck_assert_int_eq(bufferevent_rate_limit_group_decrement_write(g, 1000),
	    0);
	ck_assert_int_eq(bufferevent_rate_limit_group_get_read_limit(g), 100);
	ck_assert_int_eq(bufferevent_rate_limit_group_get_write_limit(g), -500);
	ck_assert_int_eq(bufferevent_get_max_to_write(a), 0);
	bufferevent_rate_limit_group_get_totals(g, &r, &w);
	ck_assert_uint_eq(r, 0); /* manual decrements are not traffic */
	ck_assert_uint_eq(w, 0);
	ck_assert_int_eq(bufferevent_rate_limit_group_set_cfg(g, cfg), 0);
	ck_assert_int_eq(bufferevent_rate_limit_group_set_min_share(g,
	                     (size_t)EV_SSIZE_MAX + 1),
	    -1);
	ck_assert_int_eq(bufferevent_remove_from_rate_limit_group(a), 0);
	ck_assert_int_eq(bufferevent_remove_from_rate_limit_group(a), 0);
	ck_assert_int_eq(bufferevent_get_max_to_write(a), 16384);
	bufferevent_free(a);
	bufferevent_free(b); /* leaves the group on its way out */
	loop_nonblock(evkit_base, 1);
	bufferevent_rate_limit_group_free(g);
	ev_token_bucket_cfg_free(cfg);
}
END_TEST

/* Reads everything, timing when the expected total arrived. */
struct rate_state {
	size_t total;
	size_t want;
	size_t biggest;
	double done_at;
	int done;
};

static void
rate_readcb(struct bufferevent *bev, void *arg)
{
	struct rate_state *s = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	size_t n = evbuffer_get_length(in);

	if (n > s->biggest)
		s->biggest = n;
	s->total += n;
	evbuffer_drain(in, n);
	if (s->total >= s->want && !s->done) {
		s->done = 1;
		s->done_at = evkit_now_ms();
	}
}

/* 100 KiB at 50 KiB/s, in 100 ms ticks of 5 KiB: about 1.9 s. */
START_TEST(test_ratelim_read_rate)
{
	struct bufferevent *reader, *writer;
	struct ev_token_bucket_cfg *cfg;
	struct rate_state s;
	struct timeval tick;
	static char data[102400];
	double t0, el;

	memset(&s, 0, sizeof(s));
	s.want = sizeof(data);
	cfg = ev_token_bucket_cfg_new(5120, 5120, 5120, 5120,
	    evkit_ms_tv(&tick, 100));
	reader = bufferevent_socket_new(evkit_base, evkit_pair[0], 0);
	writer = bufferevent_socket_new(evkit_base, evkit_pair[1], 0);
	ck_assert_int_eq(bufferevent_set_rate_limit(reader, cfg), 0);
	bufferevent_setcb(reader, rate_readcb, NULL, NULL, &s);
	bufferevent_enable(reader, EV_READ);
	t0 = evkit_now_ms();
	bufferevent_write(writer, data, sizeof(data));
	ck_assert_int_eq(evkit_loop_until(evkit_base, &s.done, 0, 8000), 0);
	el = s.done_at - t0;
	ck_assert_msg(el >= 1500 && el < 7000, "100 KiB took %.0f ms", el);
	ck_assert_uint_le(s.biggest, 5120);
	bufferevent_free(reader);
	bufferevent_free(writer);
	loop_nonblock(evkit_base, 1);
	ev_token_bucket_cfg_free(cfg);
}
END_TEST

START_TEST(test_ratelim_write_rate)
{
	struct bufferevent *reader, *writer;
	struct ev_token_bucket_cfg *cfg;
	struct rate_state s;
	struct timeval tick;
	static char data[102400];
	double t0, el;

	memset(&s, 0, sizeof(s));
	s.want = sizeof(data);
	cfg = ev_token_bucket_cfg_new(5120, 5120, 5120, 5120,
	    evkit_ms_tv(&tick, 100));
	reader = bufferevent_socket_new(evkit_base, evkit_pair[0], 0);
	writer = bufferevent_socket_new(evkit_base, evkit_pair[1], 0);
	ck_assert_int_eq(bufferevent_set_rate_limit(writer, cfg), 0);
	bufferevent_setcb(reader, rate_readcb, NULL, NULL, &s);
	bufferevent_enable(reader, EV_READ);
	t0 = evkit_now_ms();
	bufferevent_write(writer, data, sizeof(data));
	ck_assert_int_eq(evkit_loop_until(evkit_base, &s.done, 0, 8000), 0);
	el = s.done_at - t0;
	ck_assert_msg(el >= 1500 && el < 7000, "100 KiB took %.0f ms", el);
	bufferevent_free(reader);
	bufferevent_free(writer);
	loop_nonblock(evkit_base, 1);
	ev_token_bucket_cfg_free(cfg);
}
END_TEST

/* Two readers share 50 KiB/s: 2 x 50 KiB take about 1.9 s. */
START_TEST(test_ratelim_group_rate)
{
	struct bufferevent *r1, *r2, *w1, *w2;
	struct bufferevent_rate_limit_group *g;
	struct ev_token_bucket_cfg *cfg;
	struct rate_state s1, s2;
	evutil_socket_t p2[2];
	struct timeval tick;
	static char data[51200];
	ev_uint64_t tr = 0, tw = 0;
	double t0, el;
	int both = 0;

	memset(&s1, 0, sizeof(s1));
	memset(&s2, 0, sizeof(s2));
	s1.want = s2.want = sizeof(data);
	evkit_socketpair(p2);
	cfg = ev_token_bucket_cfg_new(5120, 5120, 5120, 5120,
	    evkit_ms_tv(&tick, 100));
	g = bufferevent_rate_limit_group_new(evkit_base, cfg);
	r1 = bufferevent_socket_new(evkit_base, evkit_pair[0], 0);
	r2 = bufferevent_socket_new(evkit_base, p2[0], 0);
	w1 = bufferevent_socket_new(evkit_base, evkit_pair[1], 0);
	w2 = bufferevent_socket_new(evkit_base, p2[1], 0);
	bufferevent_add_to_rate_limit_group(r1, g);
	bufferevent_add_to_rate_limit_group(r2, g);
	bufferevent_setcb(r1, rate_readcb, NULL, NULL, &s1);
	bufferevent_setcb(r2, rate_readcb, NULL, NULL, &s2);
	bufferevent_enable(r1, EV_READ);
	bufferevent_enable(r2, EV_READ);
	t0 = evkit_now_ms();
	bufferevent_write(w1, data, sizeof(data));
	bufferevent_write(w2, data, sizeof(data));
	while (!both && evkit_now_ms() - t0 < 8000) {
		event_base_loop(evkit_base, EVLOOP_ONCE);
		both = s1.done && s2.done;
	}
	ck_assert(both);
	el = (s1.done_at > s2.done_at ? s1.done_at : s2.done_at) - t0;
	ck_assert_msg(el >= 1500 && el < 7000, "2 x 50 KiB took %.0f ms", el);
	bufferevent_rate_limit_group_get_totals(g, &tr, &tw);
	ck_assert_uint_eq(tr, 2 * sizeof(data));
	ck_assert_uint_eq(tw, 0);
	bufferevent_rate_limit_group_reset_totals(g);
	bufferevent_rate_limit_group_get_totals(g, &tr, NULL);
	ck_assert_uint_eq(tr, 0);
	bufferevent_free(r1);
	bufferevent_free(r2);
	bufferevent_free(w1);
	bufferevent_free(w2);
	loop_nonblock(evkit_base, 1);
	bufferevent_rate_limit_group_free(g);
	ev_token_bucket_cfg_free(cfg);
	evkit_close(&p2[0]);
	evkit_close(&p2[1]);
}
END_TEST

START_TEST(test_ratelim_max_single)
{
	struct bufferevent *reader, *writer;
	struct rate_state s;
	struct trace t;
	static char data[5000];

	memset(&s, 0, sizeof(s));
	trace_init(&t, 0);
	s.want = sizeof(data);
	reader = bufferevent_socket_new(evkit_base, evkit_pair[0], 0);
	writer = bufferevent_socket_new(evkit_base, evkit_pair[1], 0);
	bufferevent_set_max_single_read(reader, 100);
	bufferevent_set_max_single_write(writer, 1000);
	ck_assert_int_eq(bufferevent_get_max_single_read(reader), 100);
	ck_assert_int_eq(bufferevent_get_max_single_write(writer), 1000);
	ck_assert_int_eq(bufferevent_get_max_to_write(writer), 1000);
	bufferevent_setcb(reader, rate_readcb, NULL, NULL, &s);
	/* Under this low mark every write reports what is left. */
	bufferevent_setcb(writer, NULL, trace_writecb, NULL, &t);
	bufferevent_setwatermark(writer, EV_WRITE, 4500, 0);
	bufferevent_enable(reader, EV_READ);
	bufferevent_write(writer, data, sizeof(data));
	ck_assert_int_eq(evkit_loop_until(evkit_base, &s.done, 0, WAIT_MS), 0);
	ck_assert_str_eq(t.log, "W4000 W3000 W2000 W1000 W0");
	ck_assert_uint_le(s.biggest, 100);
	bufferevent_free(reader);
	bufferevent_free(writer);
	loop_nonblock(evkit_base, 1);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Deferred callbacks, triggers, references.                           */

START_TEST(test_deferred_callbacks)
{
	struct bufferevent *bev;
	struct trace t;

	ignore_sigpipe();
	trace_init(&t, 0);
	bev = bufferevent_socket_new(evkit_base, evkit_pair[0],
	    BEV_OPT_DEFER_CALLBACKS);
	bufferevent_setcb(bev, trace_readcb, trace_writecb, trace_eventcb, &t);
	bufferevent_enable(bev, EV_READ);
	evkit_write(evkit_pair[1], "abc");
	bufferevent_write(bev, "x", 1);
	evkit_close(&evkit_pair[1]);
	/* Everything that happened in one iteration comes together, read
	 * before write before the (merged) events. */
	loop_nonblock(evkit_base, 4);
	ck_assert_str_eq(t.log, "R3 E0x22 E0x11");
	ck_assert_int_eq(bufferevent_get_enabled(bev), 0);
	bufferevent_free(bev);
	loop_nonblock(evkit_base, 1);
}
END_TEST

START_TEST(test_deferred_connect_order)
{
	struct sockaddr_in sin;
	evutil_socket_t lfd, afd;
	struct bufferevent *bev;
	struct trace t;

	trace_init(&t, 1);
	t.done_on = BEV_EVENT_EOF;
	lfd = tcp_listener(&sin);
	bev = bufferevent_socket_new(evkit_base, -1,
	    BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
	bufferevent_setcb(bev, trace_readcb, trace_writecb, trace_eventcb, &t);
	bufferevent_enable(bev, EV_READ);
	bufferevent_write(bev, "req", 3);
	bufferevent_socket_connect(bev, (struct sockaddr *)&sin, sizeof(sin));
	afd = accept_client(lfd, bufferevent_getfd(bev));
	ck_assert_int_ge(afd, 0);
	evkit_write(afd, "resp");
	shutdown(afd, SHUT_WR);
	{
		/* Data and FIN both arrived before the loop looks. */
		struct pollfd pfd = { .fd = bufferevent_getfd(bev),
			.events = EVKIT_POLLRDHUP };

		ck_assert_int_eq(poll(&pfd, 1, WAIT_MS), 1);
	}
	ck_assert_int_eq(evkit_loop_until(evkit_base, &t.done, 0, WAIT_MS), 0);
	/* CONNECTED first, although it is merged with the EOF. */
	ck_assert_str_eq(t.log, "E0x80 R4 W0 E0x11");
	bufferevent_free(bev);
	loop_nonblock(evkit_base, 1);
	close(afd);
	close(lfd);
}
END_TEST

START_TEST(test_trigger)
{
	struct bufferevent *bev;
	struct trace t;

	trace_init(&t, 0);
	bev = bufferevent_socket_new(evkit_base, evkit_pair[0], 0);
	bufferevent_setcb(bev, trace_readcb, trace_writecb, trace_eventcb, &t);
	bufferevent_setwatermark(bev, EV_READ, 5, 0);
	bufferevent_trigger(bev, EV_READ, 0); /* under the low mark */
	ck_assert_str_eq(t.log, "");
	bufferevent_trigger(bev, EV_READ, BEV_TRIG_IGNORE_WATERMARKS);
	ck_assert_str_eq(t.log, "R0");
	bufferevent_trigger(bev, EV_WRITE, 0);
	ck_assert_str_eq(t.log, "R0 W0");
	bufferevent_trigger_event(bev, BEV_EVENT_EOF | BEV_EVENT_READING, 0);
	ck_assert_str_eq(t.log, "R0 W0 E0x11");
	/* Deferred ones run from the loop, CONNECTED first, events merged. */
	bufferevent_trigger(bev, EV_READ | EV_WRITE,
	    BEV_TRIG_IGNORE_WATERMARKS | BEV_TRIG_DEFER_CALLBACKS);
	bufferevent_trigger_event(bev, BEV_EVENT_ERROR,
	    BEV_TRIG_DEFER_CALLBACKS);
	bufferevent_trigger_event(bev, BEV_EVENT_CONNECTED,
	    BEV_TRIG_DEFER_CALLBACKS);
	bufferevent_trigger_event(bev, BEV_EVENT_WRITING,
	    BEV_TRIG_DEFER_CALLBACKS);
	ck_assert_str_eq(t.log, "R0 W0 E0x11");
	loop_nonblock(evkit_base, 2);
	ck_assert_str_eq(t.log, "R0 W0 E0x11 E0x80 R0 W0 E0x22");
	bufferevent_free(bev);
	loop_nonblock(evkit_base, 1);
}
END_TEST

static void
free_in_readcb(struct bufferevent *bev, void *arg)
{
	(*(int *)arg)++;
	bufferevent_free(bev);
}

START_TEST(test_free_in_callback)
{
	struct bufferevent *bev;
	evutil_socket_t fd = evkit_pair[0];
	int calls = 0;

	bev = bufferevent_socket_new(evkit_base, fd, BEV_OPT_CLOSE_ON_FREE);
	bufferevent_setcb(bev, free_in_readcb, NULL, NULL, &calls);
	bufferevent_enable(bev, EV_READ);
	evkit_write(evkit_pair[1], "abc");
	evkit_close(&evkit_pair[1]);
	loop_nonblock(evkit_base, 3);
	ck_assert_int_eq(calls, 1);
	ck_assert(!fd_is_open(fd));
	evkit_pair[0] = -1;
}
END_TEST

START_TEST(test_refcount)
{
	struct bufferevent *bev;
	evutil_socket_t fd = evkit_pair[0];

	bev = bufferevent_socket_new(evkit_base, fd, BEV_OPT_CLOSE_ON_FREE);
	bufferevent_incref(bev);
	ck_assert_int_eq(bufferevent_decref(bev), 0);
	bufferevent_incref(bev);
	bufferevent_lock(bev);
	bufferevent_unlock(bev);
	bufferevent_free(bev); /* a reference is still held */
	loop_nonblock(evkit_base, 2);
	ck_assert(fd_is_open(fd));
	ck_assert_int_eq(bufferevent_decref(bev), 1);
	loop_nonblock(evkit_base, 2);
	ck_assert(!fd_is_open(fd));
	evkit_pair[0] = -1;
}
END_TEST

/* ------------------------------------------------------------------ */
/* Threads.                                                            */

START_TEST(test_threadsafe_needs_locking)
{
	struct event_base *base;

	/* Check's no-fork mode shares one process between tests. */
	if (getenv("CK_FORK") && !strcmp(getenv("CK_FORK"), "no"))
		return;
	base = evkit_new_base();
	/* No lock callbacks installed: no lock, no bufferevent. */
	ck_assert_ptr_null(
	    bufferevent_socket_new(base, -1, BEV_OPT_THREADSAFE));
	evkit_free_base(base);
}
END_TEST

struct writer_arg {
	struct bufferevent *bev;
	int rounds;
};

static void *
writer_thread(void *p)
{
	struct writer_arg *wa = p;
	int i;

	for (i = 0; i < wa->rounds; i++) {
		bufferevent_lock(wa->bev);
		bufferevent_write(wa->bev, "0123456789", 10);
		bufferevent_unlock(wa->bev);
		if (i % 16 == 0)
			usleep(1000);
	}
	return NULL;
}

START_TEST(test_threadsafe_cross_thread)
{
	struct event_base *base;
	struct bufferevent *writer, *reader;
	struct writer_arg wa;
	struct rate_state s;
	evutil_socket_t sp[2];
	pthread_t th;

	ck_assert_int_eq(evthread_use_pthreads(), 0);
	base = evkit_new_base();
	evkit_socketpair(sp);
	memset(&s, 0, sizeof(s));
	wa.rounds = 500;
	s.want = 10 * (size_t)wa.rounds;
	writer = bufferevent_socket_new(base, sp[0],
	    BEV_OPT_THREADSAFE | BEV_OPT_CLOSE_ON_FREE);
	reader = bufferevent_socket_new(base, sp[1],
	    BEV_OPT_THREADSAFE | BEV_OPT_CLOSE_ON_FREE |
	        BEV_OPT_DEFER_CALLBACKS | BEV_OPT_UNLOCK_CALLBACKS);
	ck_assert_ptr_nonnull(writer);
	ck_assert_ptr_nonnull(reader);
	bufferevent_setcb(reader, rate_readcb, NULL, NULL, &s);
	bufferevent_enable(reader, EV_READ);
	wa.bev = writer;
	ck_assert_int_eq(pthread_create(&th, NULL, writer_thread, &wa), 0);
	ck_assert_int_eq(evkit_loop_until(base, &s.done, 0, 8000), 0);
	pthread_join(th, NULL);
	ck_assert_uint_eq(s.total, s.want);
	bufferevent_free(writer);
	bufferevent_free(reader);
	finish_base(base);
}
END_TEST

START_TEST(test_threadsafe_pair_and_filter)
{
	struct event_base *base;
	struct bufferevent *pair[2], *filt;
	struct filter_log fl;
	struct collect c;

	ck_assert_int_eq(evthread_use_pthreads(), 0);
	base = evkit_new_base();
	memset(&fl, 0, sizeof(fl));
	memset(&c, 0, sizeof(c));
	ck_assert_int_eq(bufferevent_pair_new(base, BEV_OPT_THREADSAFE, pair),
	    0);
	filt = bufferevent_filter_new(pair[1], upper_filter, NULL,
	    BEV_OPT_THREADSAFE | BEV_OPT_CLOSE_ON_FREE, NULL, &fl);
	ck_assert_ptr_nonnull(filt);
	bufferevent_setcb(filt, collect_readcb, NULL, NULL, &c);
	bufferevent_enable(filt, EV_READ);
	bufferevent_lock(pair[0]);
	bufferevent_write(pair[0], "locked", 6);
	bufferevent_unlock(pair[0]);
	loop_nonblock(base, 3);
	ck_assert_str_eq(c.data, "LOCKED");
	bufferevent_free(filt);
	bufferevent_free(pair[0]);
	finish_base(base);
}
END_TEST

Suite *
bufferevent_suite(void)
{
	Suite *s = suite_create("bufferevent");
	TCase *tc;

	tc = tcase_create("socket");
	tcase_add_checked_fixture(tc, evkit_setup, evkit_teardown);
	tcase_set_timeout(tc, 15);
	tcase_add_test(tc, test_socket_read_write);
	tcase_add_test(tc, test_socket_read_buffer_api);
	tcase_add_test(tc, test_socket_eof);
	tcase_add_test(tc, test_socket_write_error);
	tcase_add_test(tc, test_socket_close_on_free);
	tcase_add_test(tc, test_socket_frozen_buffers);
	tcase_add_test(tc, test_socket_setfd);
	tcase_add_test(tc, test_socket_getcb_and_fields);
	tcase_add_test(tc, test_socket_priority);
	tcase_add_test(tc, test_socket_compat_new);
	tcase_add_test(tc, test_socket_option_checks);
	suite_add_tcase(s, tc);

	tc = tcase_create("connect");
	tcase_add_checked_fixture(tc, evkit_setup, evkit_teardown);
	tcase_set_timeout(tc, 15);
	tcase_add_test(tc, test_connect_tcp);
	tcase_add_test(tc, test_connect_refused);
	tcase_add_test(tc, test_connect_refused_deferred);
	tcase_add_test(tc, test_connect_unix_at_once);
	tcase_add_test(tc, test_connect_bad_address);
	tcase_add_test(tc, test_connect_existing_socket);
	tcase_add_test(tc, test_connect_hostname_numeric);
	tcase_add_test(tc, test_connect_hostname_localhost);
	tcase_add_test(tc, test_connect_hostname_errors);
	suite_add_tcase(s, tc);

	tc = tcase_create("pair");
	tcase_add_checked_fixture(tc, evkit_setup, evkit_teardown);
	tcase_set_timeout(tc, 15);
	tcase_add_test(tc, test_pair_data);
	tcase_add_test(tc, test_pair_flush_finished);
	tcase_add_test(tc, test_pair_watermark);
	tcase_add_test(tc, test_pair_flush_past_watermark);
	tcase_add_test(tc, test_pair_timeout);
	suite_add_tcase(s, tc);

	tc = tcase_create("filter");
	tcase_add_checked_fixture(tc, evkit_setup, evkit_teardown);
	tcase_set_timeout(tc, 15);
	tcase_add_test(tc, test_filter_upper);
	tcase_add_test(tc, test_filter_need_more);
	tcase_add_test(tc, test_filter_error_and_flush);
	tcase_add_test(tc, test_filter_over_pair);
	tcase_add_test(tc, test_filter_underlying_write_watermark);
	suite_add_tcase(s, tc);

	tc = tcase_create("watermark");
	tcase_add_checked_fixture(tc, evkit_setup, evkit_teardown);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_watermark_read_low);
	tcase_add_test(tc, test_watermark_write_low);
	tcase_add_test(tc, test_watermark_read_high);
	tcase_add_test(tc, test_watermark_backpressure);
	suite_add_tcase(s, tc);

	tc = tcase_create("timeout");
	tcase_add_checked_fixture(tc, evkit_setup, evkit_teardown);
	tcase_set_timeout(tc, 15);
	tcase_add_test(tc, test_timeout_read);
	tcase_add_test(tc, test_timeout_write);
	tcase_add_test(tc, test_timeout_change_and_clear);
	suite_add_tcase(s, tc);

	tc = tcase_create("ratelim");
	tcase_add_checked_fixture(tc, evkit_setup, evkit_teardown);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_ratelim_cfg_and_limits);
	tcase_add_test(tc, test_ratelim_refill_idle_ticks);
	tcase_add_test(tc, test_ratelim_group_limits);
	tcase_add_test(tc, test_ratelim_read_rate);
	tcase_add_test(tc, test_ratelim_write_rate);
	tcase_add_test(tc, test_ratelim_group_rate);
	tcase_add_test(tc, test_ratelim_max_single);
	suite_add_tcase(s, tc);

	tc = tcase_create("deferred");
	tcase_add_checked_fixture(tc, evkit_setup, evkit_teardown);
	tcase_set_timeout(tc, 15);
	tcase_add_test(tc, test_deferred_callbacks);
	tcase_add_test(tc, test_deferred_connect_order);
	tcase_add_test(tc, test_trigger);
	tcase_add_test(tc, test_free_in_callback);
	tcase_add_test(tc, test_refcount);
	suite_add_tcase(s, tc);

	/* No fixture: locking must be chosen before any base exists. */
	tc = tcase_create("threads");
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_threadsafe_needs_locking);
	tcase_add_test(tc, test_threadsafe_cross_thread);
	tcase_add_test(tc, test_threadsafe_pair_and_filter);
	suite_add_tcase(s, tc);

	return s;
}
