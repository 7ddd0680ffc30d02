/*
 * tests/check_listener.c: evconnlistener.  Accepting over loopback (port
 * 0, the port read back with getsockname), several connections per wakeup,
 * the peer address handed to the callback, enable/disable, a NULL
 * callback, every LEV_OPT_* flag whose effect can be observed, freeing from
 * inside the callbacks, the error callback, use from another thread, and
 * recovery from running out of descriptors (EMFILE) without spinning.
 *
 * Everything here but the spin check also passes against libevent 2.1,
 * which retries a failing accept() on every loop iteration.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/listener.h>
#include <event2/thread.h>

#include "check-internal.h"

/* Until check-internal.h declares it with the other suites. */
Suite *listener_suite(void);

#define MAX_CLIENTS 16
#define WAIT_MS 3000

struct accepted {
	int count;
	int done; /* count reached want */
	int want;
	evutil_socket_t fds[MAX_CLIENTS];
	struct sockaddr_storage addr[MAX_CLIENTS];
	int socklen[MAX_CLIENTS];
	int free_in_cb; /* free the listener from the first callback */
	int disable_in_cb;
	int errors;
	int last_error;
	int free_in_errorcb;
	struct evconnlistener *lev;
	struct evconnlistener *seen_lev; /* listener passed to the callback */
	int strangers; /* connections from other programs, closed */
};

/*
 * The local ports of the TCP clients this test made (client() and
 * own_client() record them).  Other programs on the machine may connect
 * to a kernel-chosen port too: accept_cb closes and does not count any
 * IPv4 connection whose peer is not one of these.
 */
static unsigned short own_ports[256];
static int n_own_ports;

static void
own_client(evutil_socket_t fd)
{
	struct sockaddr_in local;
	socklen_t len = sizeof(local);

	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&local, &len), 0);
	ck_assert_int_lt(n_own_ports, 256);
	own_ports[n_own_ports++] = local.sin_port;
}

static int
is_own_peer(const struct sockaddr *sa, int socklen)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;
	int i;

	if (sa == NULL || sa->sa_family != AF_INET ||
	    socklen < (int)sizeof(*sin))
		return 1; /* unix-domain: only this test knows the path */
	if (sin->sin_addr.s_addr != htonl(INADDR_LOOPBACK))
		return 0;
	for (i = 0; i < n_own_ports; i++)
		if (own_ports[i] == sin->sin_port)
			return 1;
	return 0;
}

static void
accept_cb(struct evconnlistener *lev, evutil_socket_t fd, struct sockaddr *sa,
    int socklen, void *arg)
{
	struct accepted *a = arg;

	if (!is_own_peer(sa, socklen)) {
		close(fd);
		a->strangers++;
		return;
	}
	a->seen_lev = lev;
	if (a->count < MAX_CLIENTS) {
		a->fds[a->count] = fd;
		if (socklen > 0 && (size_t)socklen <= sizeof(a->addr[0]))
			memcpy(&a->addr[a->count], sa, (size_t)socklen);
		a->socklen[a->count] = socklen;
	} else {
		close(fd);
	}
	a->count++;
	if (a->count >= a->want)
		a->done = 1;
	if (a->free_in_cb) {
		evconnlistener_free(lev);
		a->lev = NULL;
		a->done = 1;
	} else if (a->disable_in_cb) {
		evconnlistener_disable(lev);
	}
}

static void
error_cb(struct evconnlistener *lev, void *arg)
{
	struct accepted *a = arg;

	a->errors++;
	a->last_error = EVUTIL_SOCKET_ERROR();
	if (a->free_in_errorcb) {
		evconnlistener_free(lev);
		a->lev = NULL;
		a->done = 1;
	}
}

static void
accepted_init(struct accepted *a, int want)
{
	int i;

	memset(a, 0, sizeof(*a));
	a->want = want;
	for (i = 0; i < MAX_CLIENTS; i++)
		a->fds[i] = -1;
}

static void
accepted_close(struct accepted *a)
{
	int i;

	for (i = 0; i < MAX_CLIENTS; i++)
		evkit_close(&a->fds[i]);
}

static void
loopback(struct sockaddr_in *sin, int port)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin->sin_port = htons((unsigned short)port);
}

/* A listener on 127.0.0.1, port 0; *sin gets the port it was given. */
static struct evconnlistener *
listen_loopback(struct event_base *base, unsigned flags, struct accepted *a,
    struct sockaddr_in *sin)
{
	struct evconnlistener *lev;
	socklen_t len = sizeof(*sin);

	loopback(sin, 0);
	lev = evconnlistener_new_bind(base, accept_cb, a, flags, -1,
	    (struct sockaddr *)sin, sizeof(*sin));
	ck_assert_msg(lev != NULL, "evconnlistener_new_bind: %s",
	    strerror(errno));
	ck_assert_int_eq(getsockname(evconnlistener_get_fd(lev),
	                     (struct sockaddr *)sin, &len),
	    0);
	ck_assert_int_ne(ntohs(sin->sin_port), 0);
	if (a != NULL)
		a->lev = lev;
	return lev;
}

/*
 * A client connected to sin.  Loopback connects complete in the kernel
 * (the listener's queue holds them) without the listener accepting.
 */
static evutil_socket_t
client(const struct sockaddr_in *sin)
{
	evutil_socket_t fd = socket(AF_INET, SOCK_STREAM, 0);

	ck_assert_int_ge(fd, 0);
	ck_assert_msg(connect(fd, (const struct sockaddr *)sin, sizeof(*sin)) ==
	        0,
	    "connect: %s", strerror(errno));
	own_client(fd);
	return fd;
}

static void
set_flag_cb(evutil_socket_t fd, short what, void *arg)
{
	*(int *)arg = 1;
}

/* Runs the loop for ms milliseconds; returns how many iterations ran. */
static int
run_for(struct event_base *base, int ms)
{
	struct event *guard;
	struct timeval tv;
	int done = 0, n = 0;

	guard = evtimer_new(base, set_flag_cb, &done);
	ck_assert_ptr_nonnull(guard);
	ck_assert_int_eq(evtimer_add(guard, evkit_ms_tv(&tv, ms)), 0);
	while (!done && n < 1000000) {
		ck_assert_int_ge(event_base_loop(base, EVLOOP_ONCE), 0);
		n++;
	}
	event_free(guard);
	return n;
}

static int
is_nonblocking(evutil_socket_t fd)
{
	int flags = fcntl(fd, F_GETFL);

	ck_assert_int_ne(flags, -1);
	return (flags & O_NONBLOCK) != 0;
}

static int
is_cloexec(evutil_socket_t fd)
{
	int flags = fcntl(fd, F_GETFD);

	ck_assert_int_ne(flags, -1);
	return (flags & FD_CLOEXEC) != 0;
}

static int
int_sockopt(evutil_socket_t fd, int level, int name)
{
	int v = -1;
	socklen_t len = sizeof(v);

	ck_assert_msg(getsockopt(fd, level, name, &v, &len) == 0,
	    "getsockopt: %s", strerror(errno));
	return v;
}

START_TEST(accept_loopback)
{
	struct accepted a;
	struct evconnlistener *lev;
	struct sockaddr_in sin, local, *peer;
	socklen_t len = sizeof(local);
	evutil_socket_t c;

	accepted_init(&a, 1);
	lev = listen_loopback(evkit_base, LEV_OPT_CLOSE_ON_FREE, &a, &sin);
	ck_assert_ptr_eq(evconnlistener_get_base(lev), evkit_base);
	ck_assert_int_eq(int_sockopt(evconnlistener_get_fd(lev), SOL_SOCKET,
	                     SO_ACCEPTCONN),
	    1);
	ck_assert_int_eq(int_sockopt(evconnlistener_get_fd(lev), SOL_SOCKET,
	                     SO_KEEPALIVE),
	    1);

	c = client(&sin);
	ck_assert_int_eq(getsockname(c, (struct sockaddr *)&local, &len), 0);
	ck_assert_int_eq(evkit_loop_until(evkit_base, &a.done, 0, WAIT_MS), 0);
	ck_assert_int_eq(a.count, 1);
	ck_assert_ptr_eq(a.seen_lev, lev);

	/* The callback got the peer's address: the client's own name. */
	ck_assert_int_eq(a.socklen[0], (int)sizeof(struct sockaddr_in));
	peer = (struct sockaddr_in *)&a.addr[0];
	ck_assert_int_eq(peer->sin_family, AF_INET);
	ck_assert_int_eq(peer->sin_port, local.sin_port);
	ck_assert_int_eq(peer->sin_addr.s_addr, htonl(INADDR_LOOPBACK));

	/* Accepted sockets are nonblocking by default, and connected. */
	ck_assert(is_nonblocking(a.fds[0]));
	ck_assert_int_eq(send(c, "hi", 2, 0), 2);
	{
		char buf[4];
		struct pollfd pfd = { .fd = a.fds[0], .events = POLLIN };

		ck_assert_int_eq(poll(&pfd, 1, WAIT_MS), 1);
		ck_assert_int_eq(recv(a.fds[0], buf, sizeof(buf), 0), 2);
		ck_assert(memcmp(buf, "hi", 2) == 0);
	}

	evconnlistener_free(lev);
	accepted_close(&a);
	close(c);
}
END_TEST

/* Every queued connection is accepted in one loop iteration. */
START_TEST(accept_many_per_wakeup)
{
	struct accepted a;
	struct evconnlistener *lev;
	struct sockaddr_in sin;
	evutil_socket_t c[8];
	int i;

	accepted_init(&a, 8);
	lev = listen_loopback(evkit_base, LEV_OPT_CLOSE_ON_FREE, &a, &sin);
	for (i = 0; i < 8; i++)
		c[i] = client(&sin);
	ck_assert_int_eq(event_base_loop(evkit_base, EVLOOP_ONCE), 0);
	ck_assert_int_eq(a.count, 8);
	for (i = 0; i < 8; i++) {
		ck_assert_int_ge(a.fds[i], 0);
		close(c[i]);
	}
	evconnlistener_free(lev);
	accepted_close(&a);
}
END_TEST

START_TEST(disable_enable)
{
	struct accepted a;
	struct evconnlistener *lev;
	struct sockaddr_in sin;
	evutil_socket_t c1, c2;

	accepted_init(&a, 1);
	lev = listen_loopback(evkit_base, LEV_OPT_CLOSE_ON_FREE, &a, &sin);
	ck_assert_int_eq(evconnlistener_disable(lev), 0);
	c1 = client(&sin);
	run_for(evkit_base, 100);
	ck_assert_int_eq(a.count, 0);
	ck_assert_int_eq(event_base_get_num_events(evkit_base,
	                     EVENT_BASE_COUNT_ADDED),
	    0);

	ck_assert_int_eq(evconnlistener_enable(lev), 0);
	ck_assert_int_eq(evkit_loop_until(evkit_base, &a.done, 0, WAIT_MS), 0);
	ck_assert_int_eq(a.count, 1);

	/* Disabled from inside the callback: the second waits. */
	a.disable_in_cb = 1;
	a.done = 0;
	a.want = 2;
	c2 = client(&sin);
	ck_assert_int_eq(evkit_loop_until(evkit_base, &a.done, 0, WAIT_MS), 0);
	close(c1);
	c1 = client(&sin);
	run_for(evkit_base, 100);
	ck_assert_int_eq(a.count, 2);
	ck_assert_int_eq(evconnlistener_enable(lev), 0);
	a.want = 3;
	a.done = 0;
	ck_assert_int_eq(evkit_loop_until(evkit_base, &a.done, 0, WAIT_MS), 0);
	ck_assert_int_eq(a.count, 3);

	evconnlistener_free(lev);
	accepted_close(&a);
	close(c1);
	close(c2);
}
END_TEST

/* Disabled from the callback with more connections queued: the accept
 * loop stops right there, and the rest wait for enable. */
START_TEST(disable_stops_accept_loop)
{
	struct accepted a;
	struct evconnlistener *lev;
	struct sockaddr_in sin;
	evutil_socket_t c[3];
	int i;

	accepted_init(&a, 1);
	a.disable_in_cb = 1;
	lev = listen_loopback(evkit_base, LEV_OPT_CLOSE_ON_FREE, &a, &sin);
	for (i = 0; i < 3; i++)
		c[i] = client(&sin);
	ck_assert_int_eq(evkit_loop_until(evkit_base, &a.done, 0, WAIT_MS), 0);
	run_for(evkit_base, 50);
	ck_assert_int_eq(a.count, 1);
	a.disable_in_cb = 0;
	a.want = 3;
	a.done = 0;
	ck_assert_int_eq(evconnlistener_enable(lev), 0);
	ck_assert_int_eq(evkit_loop_until(evkit_base, &a.done, 0, WAIT_MS), 0);
	ck_assert_int_eq(a.count, 3);
	evconnlistener_free(lev);
	accepted_close(&a);
	for (i = 0; i < 3; i++)
		close(c[i]);
}
END_TEST

START_TEST(opt_disabled)
{
	struct accepted a;
	struct evconnlistener *lev;
	struct sockaddr_in sin;
	evutil_socket_t c;

	accepted_init(&a, 1);
	lev = listen_loopback(evkit_base,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_DISABLED, &a, &sin);
	c = client(&sin);
	run_for(evkit_base, 100);
	ck_assert_int_eq(a.count, 0);
	ck_assert_int_eq(evconnlistener_enable(lev), 0);
	ck_assert_int_eq(evkit_loop_until(evkit_base, &a.done, 0, WAIT_MS), 0);
	ck_assert_int_eq(a.count, 1);
	evconnlistener_free(lev);
	accepted_close(&a);
	close(c);
}
END_TEST

/* Without a callback nothing is accepted; setting one starts accepting. */
START_TEST(null_callback)
{
	struct accepted a;
	struct evconnlistener *lev;
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	evutil_socket_t c;

	accepted_init(&a, 1);
	loopback(&sin, 0);
	lev = evconnlistener_new_bind(evkit_base, NULL, NULL,
	    LEV_OPT_CLOSE_ON_FREE, -1, (struct sockaddr *)&sin, sizeof(sin));
	ck_assert_ptr_nonnull(lev);
	ck_assert_int_eq(getsockname(evconnlistener_get_fd(lev),
	                     (struct sockaddr *)&sin, &len),
	    0);
	c = client(&sin);
	run_for(evkit_base, 100);
	evconnlistener_set_cb(lev, accept_cb, &a);
	ck_assert_int_eq(evkit_loop_until(evkit_base, &a.done, 0, WAIT_MS), 0);
	ck_assert_int_eq(a.count, 1);
	close(c);

#ifndef EVKIT_REFERENCE
	/*
	 * Taking the callback away again makes connections wait.  (libevent
	 * accepts them and closes them at once.)
	 */
	evconnlistener_set_cb(lev, NULL, NULL);
	c = client(&sin);
	run_for(evkit_base, 100);
	ck_assert_int_eq(a.count, 1);
	a.want = 2;
	a.done = 0;
	evconnlistener_set_cb(lev, accept_cb, &a);
	ck_assert_int_eq(evkit_loop_until(evkit_base, &a.done, 0, WAIT_MS), 0);
	ck_assert_int_eq(a.count, 2);
	{
		char b;

		/* The connection is alive: no EOF on the client side. */
		ck_assert_int_eq(recv(c, &b, 1, MSG_DONTWAIT), -1);
		ck_assert_int_eq(errno, EAGAIN);
	}
	close(c);
#endif
	evconnlistener_free(lev);
	accepted_close(&a);
}
END_TEST

/*
 * Setting a callback on a disabled listener (LEV_OPT_DISABLED, or
 * evconnlistener_disable) does not start accepting; enabling does.
 */
START_TEST(set_cb_while_disabled)
{
	struct accepted a, b;
	struct evconnlistener *lev;
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	evutil_socket_t c1, c2;

	accepted_init(&a, 1);
	accepted_init(&b, 1);
	/* Created disabled without a callback; one set later. */
	loopback(&sin, 0);
	lev = evconnlistener_new_bind(evkit_base, NULL, NULL,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_DISABLED, -1,
	    (struct sockaddr *)&sin, sizeof(sin));
	ck_assert_ptr_nonnull(lev);
	ck_assert_int_eq(getsockname(evconnlistener_get_fd(lev),
	                     (struct sockaddr *)&sin, &len),
	    0);
	c1 = client(&sin);
	evconnlistener_set_cb(lev, accept_cb, &a);
	ck_assert_int_eq(event_base_get_num_events(evkit_base,
	                     EVENT_BASE_COUNT_ADDED),
	    0);
	run_for(evkit_base, 100);
	ck_assert_int_eq(a.count, 0);
	/* Replacing the callback while disabled: still nothing. */
	evconnlistener_set_cb(lev, accept_cb, &b);
	run_for(evkit_base, 50);
	ck_assert_int_eq(a.count + b.count, 0);
	ck_assert_int_eq(evconnlistener_enable(lev), 0);
	ck_assert_int_eq(evkit_loop_until(evkit_base, &b.done, 0, WAIT_MS), 0);
	ck_assert_int_eq(b.count, 1);
	ck_assert_int_eq(a.count, 0);

	/* Disabled after running, then given a callback again. */
	ck_assert_int_eq(evconnlistener_disable(lev), 0);
	c2 = client(&sin);
	evconnlistener_set_cb(lev, accept_cb, &a);
	run_for(evkit_base, 100);
	ck_assert_int_eq(a.count, 0);
	ck_assert_int_eq(evconnlistener_enable(lev), 0);
	ck_assert_int_eq(evkit_loop_until(evkit_base, &a.done, 0, WAIT_MS), 0);
	ck_assert_int_eq(a.count, 1);
	ck_assert_int_eq(b.count, 1);
	evconnlistener_free(lev);
	accepted_close(&a);
	accepted_close(&b);
	close(c1);
	close(c2);
}
END_TEST

START_TEST(close_on_free)
{
	struct evconnlistener *lev;
	struct sockaddr_in sin;
	evutil_socket_t fd;

	lev = listen_loopback(evkit_base, LEV_OPT_CLOSE_ON_FREE, NULL, &sin);
	fd = evconnlistener_get_fd(lev);
	evconnlistener_free(lev);
	errno = 0;
	ck_assert_int_eq(fcntl(fd, F_GETFD), -1);
	ck_assert_int_eq(errno, EBADF);

	/* Without the flag the socket is the caller's. */
	lev = listen_loopback(evkit_base, 0, NULL, &sin);
	fd = evconnlistener_get_fd(lev);
	evconnlistener_free(lev);
	ck_assert_int_ne(fcntl(fd, F_GETFD), -1);
	ck_assert_int_eq(int_sockopt(fd, SOL_SOCKET, SO_ACCEPTCONN), 1);
	close(fd);
}
END_TEST

START_TEST(opt_flags)
{
	struct accepted a;
	struct evconnlistener *lev, *lev2;
	struct sockaddr_in sin, sin2;
	evutil_socket_t c;

	/* Close-on-exec on both sockets; accepted ones left blocking. */
	accepted_init(&a, 1);
	lev = listen_loopback(evkit_base,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC |
	        LEV_OPT_LEAVE_SOCKETS_BLOCKING | LEV_OPT_REUSEABLE |
	        LEV_OPT_DEFERRED_ACCEPT,
	    &a, &sin);
	ck_assert(is_cloexec(evconnlistener_get_fd(lev)));
	ck_assert_int_eq(int_sockopt(evconnlistener_get_fd(lev), SOL_SOCKET,
	                     SO_REUSEADDR),
	    1);
	ck_assert_int_gt(int_sockopt(evconnlistener_get_fd(lev), IPPROTO_TCP,
	                     TCP_DEFER_ACCEPT),
	    0);
	c = client(&sin);
	/* Deferred accept: the server sees the client once it has spoken. */
	ck_assert_int_eq(send(c, "x", 1, 0), 1);
	ck_assert_int_eq(evkit_loop_until(evkit_base, &a.done, 0, WAIT_MS), 0);
	ck_assert(is_cloexec(a.fds[0]));
	ck_assert(!is_nonblocking(a.fds[0]));
	evconnlistener_free(lev);
	accepted_close(&a);
	close(c);

	/* Defaults: nothing close-on-exec, accepted sockets nonblocking. */
	accepted_init(&a, 1);
	lev = listen_loopback(evkit_base, LEV_OPT_CLOSE_ON_FREE, &a, &sin);
	ck_assert(!is_cloexec(evconnlistener_get_fd(lev)));
	ck_assert_int_eq(int_sockopt(evconnlistener_get_fd(lev), SOL_SOCKET,
	                     SO_REUSEADDR),
	    0);
	c = client(&sin);
	ck_assert_int_eq(evkit_loop_until(evkit_base, &a.done, 0, WAIT_MS), 0);
	ck_assert(!is_cloexec(a.fds[0]));
	ck_assert(is_nonblocking(a.fds[0]));
	evconnlistener_free(lev);
	accepted_close(&a);
	close(c);

	/* Two listeners on one port with SO_REUSEPORT; without, EADDRINUSE. */
	lev = listen_loopback(evkit_base,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE_PORT, NULL, &sin);
	ck_assert_int_eq(int_sockopt(evconnlistener_get_fd(lev), SOL_SOCKET,
	                     SO_REUSEPORT),
	    1);
	lev2 = evconnlistener_new_bind(evkit_base, NULL, NULL,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE_PORT, -1,
	    (struct sockaddr *)&sin, sizeof(sin));
	ck_assert_msg(lev2 != NULL, "second SO_REUSEPORT listener: %s",
	    strerror(errno));
	evconnlistener_free(lev2);
	sin2 = sin;
	errno = 0;
	lev2 = evconnlistener_new_bind(evkit_base, NULL, NULL,
	    LEV_OPT_CLOSE_ON_FREE, -1, (struct sockaddr *)&sin2, sizeof(sin2));
	ck_assert_ptr_null(lev2);
	ck_assert_int_eq(errno, EADDRINUSE);
	evconnlistener_free(lev);
}
END_TEST

START_TEST(opt_ipv6only)
{
	struct evconnlistener *lev;
	struct sockaddr_in6 sin6;
	evutil_socket_t probe = socket(AF_INET6, SOCK_STREAM, 0);

	if (probe < 0)
		return; /* no IPv6 on this machine */
	close(probe);
	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	sin6.sin6_addr = in6addr_any;
	lev = evconnlistener_new_bind(evkit_base, NULL, NULL,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_BIND_IPV6ONLY, -1,
	    (struct sockaddr *)&sin6, sizeof(sin6));
	if (lev == NULL && errno == EADDRNOTAVAIL)
		return;
	ck_assert_msg(lev != NULL, "IPv6 listener: %s", strerror(errno));
	ck_assert_int_eq(int_sockopt(evconnlistener_get_fd(lev), IPPROTO_IPV6,
	                     IPV6_V6ONLY),
	    1);
	evconnlistener_free(lev);
}
END_TEST

START_TEST(bad_arguments)
{
	struct sockaddr_in sin;
	evutil_socket_t fd;
	struct evconnlistener *lev;

#ifdef EVKIT_REFERENCE
	/* libevent's debug mode aborts on the blocking sockets used here;
	 * evkit makes a listener's socket nonblocking. */
	if (evkit_test_debug())
		return;
#endif

	/* new_bind with backlog 0 has nothing listening. */
	loopback(&sin, 0);
	ck_assert_ptr_null(evconnlistener_new_bind(evkit_base, NULL, NULL, 0, 0,
	    (struct sockaddr *)&sin, sizeof(sin)));

	/* backlog 0: the caller's socket is listening already. */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(listen(fd, 4), 0);
	lev = evconnlistener_new(evkit_base, NULL, NULL, LEV_OPT_CLOSE_ON_FREE,
	    0, fd);
	ck_assert_ptr_nonnull(lev);
	ck_assert_int_eq(evconnlistener_get_fd(lev), fd);
#ifndef EVKIT_REFERENCE
	/* evkit makes the socket nonblocking; libevent trusts the caller. */
	ck_assert(is_nonblocking(fd));
#endif
	evconnlistener_free(lev);

	/* listen() on a UDP socket fails, and so does the listener. */
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_ptr_null(
	    evconnlistener_new(evkit_base, NULL, NULL, 0, 16, fd));
	close(fd);
}
END_TEST

/* A listener on a unix-domain socket, given to evconnlistener_new. */
START_TEST(accept_unix)
{
	struct accepted a;
	struct evconnlistener *lev;
	struct sockaddr_un sun;
	evutil_socket_t fd, c;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "/tmp/evkit-lev.%ld",
	    (long)getpid());
	unlink(sun.sun_path);
	/* libevent wants the socket nonblocking: its accept loop would
	 * block otherwise (evkit makes it nonblocking itself). */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	accepted_init(&a, 1);
	lev = evconnlistener_new(evkit_base, accept_cb, &a,
	    LEV_OPT_CLOSE_ON_FREE, -1, fd);
	ck_assert_ptr_nonnull(lev);
	c = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_eq(connect(c, (struct sockaddr *)&sun, sizeof(sun)), 0);
	ck_assert_int_eq(evkit_loop_until(evkit_base, &a.done, 0, WAIT_MS), 0);
	ck_assert_int_eq(a.count, 1);
	ck_assert_int_eq(a.addr[0].ss_family, AF_UNIX);
	evconnlistener_free(lev);
	unlink(sun.sun_path);
	accepted_close(&a);
	close(c);
}
END_TEST

/* Freed from the accept callback: no further callback, no crash. */
START_TEST(free_in_callback)
{
	struct accepted a;
	struct sockaddr_in sin;
	evutil_socket_t c[3];
	int i;

	accepted_init(&a, 3);
	a.free_in_cb = 1;
	listen_loopback(evkit_base, LEV_OPT_CLOSE_ON_FREE, &a, &sin);
	for (i = 0; i < 3; i++)
		c[i] = client(&sin);
	ck_assert_int_eq(evkit_loop_until(evkit_base, &a.done, 0, WAIT_MS), 0);
	run_for(evkit_base, 50);
	ck_assert_int_eq(a.count, 1);
	ck_assert_ptr_null(a.lev);
	for (i = 0; i < 3; i++)
		close(c[i]);
	accepted_close(&a);
}
END_TEST

/*
 * accept() on a UDP socket fails with EOPNOTSUPP once a datagram makes it
 * readable: the error callback sees the error and may free the listener.
 */
START_TEST(error_callback)
{
	struct accepted a;
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	evutil_socket_t u, s;
	struct evconnlistener *lev;

#ifdef EVKIT_REFERENCE
	/* libevent's debug mode aborts on the blocking sockets used here;
	 * evkit makes a listener's socket nonblocking. */
	if (evkit_test_debug())
		return;
#endif

	loopback(&sin, 0);
	u = socket(AF_INET, SOCK_DGRAM, 0);
	ck_assert_int_ge(u, 0);
	ck_assert_int_eq(bind(u, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(getsockname(u, (struct sockaddr *)&sin, &len), 0);
	accepted_init(&a, 1);
	a.free_in_errorcb = 1;
	lev = evconnlistener_new(evkit_base, accept_cb, &a,
	    LEV_OPT_CLOSE_ON_FREE, 0, u);
	ck_assert_ptr_nonnull(lev);
	a.lev = lev;
	evconnlistener_set_error_cb(lev, error_cb);

	s = socket(AF_INET, SOCK_DGRAM, 0);
	ck_assert_int_ge(s, 0);
	ck_assert_int_eq(sendto(s, "x", 1, 0, (struct sockaddr *)&sin,
	                     sizeof(sin)),
	    1);
	ck_assert_int_eq(evkit_loop_until(evkit_base, &a.done, 0, WAIT_MS), 0);
	ck_assert_int_eq(a.errors, 1);
	ck_assert_int_eq(a.last_error, EOPNOTSUPP);
	ck_assert_int_eq(a.count, 0);
	ck_assert_ptr_null(a.lev);
	close(s);
}
END_TEST

#define MAX_FILL 300

/* Lowers the soft descriptor limit and takes every descriptor left into
 * fill; returns how many.  *saved gets the limit to restore. */
static int
exhaust_fds(evutil_socket_t fill[MAX_FILL], struct rlimit *saved)
{
	struct rlimit low;
	int n = 0;

	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, saved), 0);
	low = *saved;
	if (low.rlim_cur > 256)
		low.rlim_cur = 256;
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &low), 0);
	while (n < MAX_FILL && (fill[n] = dup(0)) >= 0)
		n++;
	ck_assert_int_eq(errno, EMFILE);
	ck_assert_int_lt(n, MAX_FILL);
	return n;
}

/*
 * A listener (counting into a, errors to errorcb) and, with every
 * descriptor taken, one client *c connecting to it: its connection waits
 * in the queue, and accept() fails with EMFILE.
 */
static struct evconnlistener *
listen_out_of_fds(struct accepted *a, evconnlistener_errorcb errorcb,
    struct sockaddr_in *sin, evutil_socket_t *c, evutil_socket_t fill[MAX_FILL],
    int *nfill, struct rlimit *saved)
{
	struct evconnlistener *lev;

	accepted_init(a, 1);
	lev = listen_loopback(evkit_base, LEV_OPT_CLOSE_ON_FREE, a, sin);
	evconnlistener_set_error_cb(lev, errorcb);
	*c = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(*c, 0);
	*nfill = exhaust_fds(fill, saved);
	ck_assert_int_eq(connect(*c, (struct sockaddr *)sin, sizeof(*sin)), 0);
	own_client(*c);
	return lev;
}

static void
disable_errorcb(struct evconnlistener *lev, void *arg)
{
	struct accepted *a = arg;

	a->errors++;
	a->last_error = EVUTIL_SOCKET_ERROR();
	ck_assert_int_eq(evconnlistener_disable(lev), 0);
	a->done = 1;
}

/*
 * Out of descriptors, the error callback disables the listener: that
 * choice stands, nothing is left waiting in the loop to try again.
 */
START_TEST(emfile_disable_in_errorcb)
{
	struct accepted a;
	struct evconnlistener *lev;
	struct sockaddr_in sin;
	struct rlimit saved;
	evutil_socket_t c, fill[MAX_FILL];
	int nfill, i;

	lev = listen_out_of_fds(&a, disable_errorcb, &sin, &c, fill, &nfill,
	    &saved);
	ck_assert_int_eq(evkit_loop_until(evkit_base, &a.done, 0, WAIT_MS), 0);
	ck_assert_int_eq(a.last_error, EMFILE);
	ck_assert_int_eq(event_base_get_num_events(evkit_base,
	                     EVENT_BASE_COUNT_ADDED | EVENT_BASE_COUNT_ACTIVE),
	    0);
	for (i = 0; i < nfill; i++)
		close(fill[i]);
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &saved), 0);
	ck_assert_int_eq(a.count, 0);
	/* Enabled again, it takes the connection that waited. */
	a.done = 0;
	ck_assert_int_eq(evconnlistener_enable(lev), 0);
	ck_assert_int_eq(evkit_loop_until(evkit_base, &a.done, 0, WAIT_MS), 0);
	ck_assert_int_eq(a.count, 1);
	evconnlistener_free(lev);
	accepted_close(&a);
	close(c);
}
END_TEST

/*
 * Out of descriptors.  The pending connection cannot be accepted; the
 * error callback hears EMFILE; the loop must keep serving other events
 * without spinning; once a descriptor is free, the connection that waited
 * is accepted.
 */
START_TEST(emfile_recovery)
{
	struct accepted a;
	struct evconnlistener *lev;
	struct sockaddr_in sin;
	struct rlimit saved;
	struct rusage ru0, ru1;
	evutil_socket_t c, fill[MAX_FILL];
	int nfill, iterations, i, errors_paused;
	double cpu_ms;

	lev = listen_out_of_fds(&a, error_cb, &sin, &c, fill, &nfill, &saved);
	getrusage(RUSAGE_SELF, &ru0);
	iterations = run_for(evkit_base, 300);
	getrusage(RUSAGE_SELF, &ru1);
	cpu_ms = (ru1.ru_utime.tv_sec - ru0.ru_utime.tv_sec +
	             ru1.ru_stime.tv_sec - ru0.ru_stime.tv_sec) *
	        1e3 +
	    (ru1.ru_utime.tv_usec - ru0.ru_utime.tv_usec +
	        ru1.ru_stime.tv_usec - ru0.ru_stime.tv_usec) /
	        1e3;
	ck_assert_int_eq(a.count, 0);
	ck_assert_int_ge(a.errors, 1);
	ck_assert_int_eq(a.last_error, EMFILE);
	errors_paused = a.errors;
#ifndef EVKIT_REFERENCE
	/* libevent fails accept() on every iteration: tens of thousands. */
	ck_assert_msg(iterations < 100,
	    "%d loop iterations in 300 ms while out of descriptors",
	    iterations);
	ck_assert_msg(a.errors < 20, "%d error callbacks in 300 ms", a.errors);
	ck_assert_msg(cpu_ms < 100, "%.0f ms of CPU in 300 ms", cpu_ms);
#else
	(void)cpu_ms;
	(void)iterations;
#endif

	/* One descriptor back: the waiting connection gets through. */
	close(fill[--nfill]);
	ck_assert_int_eq(evkit_loop_until(evkit_base, &a.done, 0, WAIT_MS), 0);
	ck_assert_int_eq(a.count, 1);
	ck_assert_int_ge(a.fds[0], 0);
#ifndef EVKIT_REFERENCE
	ck_assert_int_le(a.errors, errors_paused + 2);
#else
	(void)errors_paused;
#endif

	/* And the listener is back to normal. */
	for (i = 0; i < nfill; i++)
		close(fill[i]);
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &saved), 0);
	{
		evutil_socket_t c2 = client(&sin);

		a.want = 2;
		a.done = 0;
		ck_assert_int_eq(evkit_loop_until(evkit_base, &a.done, 0,
		                     WAIT_MS),
		    0);
		close(c2);
	}
	evconnlistener_free(lev);
	accepted_close(&a);
	close(c);
}
END_TEST

/*
 * LEV_OPT_THREADSAFE: another thread disables, enables and finally frees
 * the listener while the loop thread accepts.
 */
struct toggler {
	struct evconnlistener *lev;
	struct event_base *base;
	int stop; /* __atomic: set by the loop thread */
	int enable_failures;
};

#ifndef EVKIT_REFERENCE
static void *
toggle_thread(void *arg)
{
	struct toggler *t = arg;
	int i;

	for (i = 0; i < 2000 && !__atomic_load_n(&t->stop, __ATOMIC_ACQUIRE);
	     i++) {
		evconnlistener_disable(t->lev);
		if (evconnlistener_enable(t->lev) != 0)
			t->enable_failures++;
	}
	return NULL;
}
#endif

static void *
free_thread(void *arg)
{
	struct toggler *t = arg;

	evconnlistener_free(t->lev);
	event_base_loopbreak(t->base);
	return NULL;
}

START_TEST(threadsafe)
{
	struct event_base *base;
	struct accepted a;
	struct toggler t;
	struct sockaddr_in sin;
	pthread_t th;
	evutil_socket_t c[MAX_CLIENTS];
	int i;

	ck_assert_int_eq(evthread_use_pthreads(), 0);
	base = evkit_new_base();
	accepted_init(&a, MAX_CLIENTS);
	memset(&t, 0, sizeof(t));
	t.base = base;
	t.lev = listen_loopback(base,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_THREADSAFE, &a, &sin);
#ifndef EVKIT_REFERENCE
	/*
	 * Evkit only: libevent 2.1's evconnlistener_disable() from another
	 * thread deadlocks when it meets the accept callback (it waits in
	 * event_del() for the callback while holding the lock the loop
	 * thread needs after it: libevent issue #1224).
	 */
	ck_assert_int_eq(pthread_create(&th, NULL, toggle_thread, &t), 0);
#endif
	for (i = 0; i < MAX_CLIENTS; i++) {
		c[i] = client(&sin);
		event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
	}
#ifndef EVKIT_REFERENCE
	__atomic_store_n(&t.stop, 1, __ATOMIC_RELEASE);
	ck_assert_int_eq(pthread_join(th, NULL), 0);
	ck_assert_int_eq(t.enable_failures, 0);
#endif
	/* Enabled at the end: whatever was queued gets accepted. */
	ck_assert_int_eq(evkit_loop_until(base, &a.done, 0, WAIT_MS), 0);
	ck_assert_int_eq(a.count, MAX_CLIENTS);

	ck_assert_int_eq(pthread_create(&th, NULL, free_thread, &t), 0);
	event_base_loop(base, 0);
	ck_assert_int_eq(pthread_join(th, NULL), 0);
	for (i = 0; i < MAX_CLIENTS; i++)
		close(c[i]);
	accepted_close(&a);
	evkit_free_base(base);
}
END_TEST

Suite *
listener_suite(void)
{
	Suite *s = suite_create("listener");
	TCase *tc = tcase_create("listener");
	TCase *tt = tcase_create("listener_thread");

	tcase_add_checked_fixture(tc, evkit_setup, evkit_teardown);
	tcase_set_timeout(tc, 15);
	tcase_add_test(tc, accept_loopback);
	tcase_add_test(tc, accept_many_per_wakeup);
	tcase_add_test(tc, disable_enable);
	tcase_add_test(tc, disable_stops_accept_loop);
	tcase_add_test(tc, opt_disabled);
	tcase_add_test(tc, null_callback);
	tcase_add_test(tc, set_cb_while_disabled);
	tcase_add_test(tc, close_on_free);
	tcase_add_test(tc, opt_flags);
	tcase_add_test(tc, opt_ipv6only);
	tcase_add_test(tc, bad_arguments);
	tcase_add_test(tc, accept_unix);
	tcase_add_test(tc, free_in_callback);
	tcase_add_test(tc, error_callback);
	tcase_add_test(tc, emfile_recovery);
	tcase_add_test(tc, emfile_disable_in_errorcb);
	suite_add_tcase(s, tc);

	tcase_set_timeout(tt, 15);
	tcase_add_test(tt, threadsafe);
	suite_add_tcase(s, tt);
	return s;
}
