/*
 * net.c: names, addresses and sockets for evcat.
 *
 * Connecting is asynchronous: each address of the list is tried in turn
 * with a nonblocking connect(), bounded by -w, and the first that succeeds
 * is handed to the caller.  Names are resolved with evutil_getaddrinfo(),
 * which blocks; that happens before the loop has anything else to do.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/listener.h>
#include <event2/util.h>

#include "cli.h"
#include "evcat.h"

/*
 * Exits 1 with a message a user can act on when a lookup failed: a port
 * name the services database lacks, a name under -n, or the resolver's
 * own words.
 */
static void
resolve_failed(const char *what, const char *host, const char *port, int err)
{
	if (ec.o.numeric && host != NULL && err == EVUTIL_EAI_NONAME)
		cli_diex("-n: '%s' is not a numeric address", host);
	if (err == EVUTIL_EAI_SERVICE && port != NULL)
		cli_diex("unknown port or service '%s'", port);
	if (host != NULL)
		cli_diex("%s%s%s%s: %s", what, host,
		    port != NULL ? " port " : "", port != NULL ? port : "",
		    evutil_gai_strerror(err));
	cli_diex("%sport %s: %s", what, port, evutil_gai_strerror(err));
}

struct evutil_addrinfo *
net_resolve(const char *host, const char *port, int socktype, int passive)
{
	struct evutil_addrinfo hints, *ai = NULL;
	int err;

	/* A service name the system does not know, before any name lookup. */
	if (port != NULL && strspn(port, "0123456789") != strlen(port) &&
	    getservbyname(port, socktype == SOCK_DGRAM ? "udp" : "tcp") == NULL)
		resolve_failed("", host, port, EVUTIL_EAI_SERVICE);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = ec.o.family;
	hints.ai_socktype = socktype;
	hints.ai_protocol = socktype == SOCK_DGRAM ? IPPROTO_UDP : IPPROTO_TCP;
	if (passive)
		hints.ai_flags |= EVUTIL_AI_PASSIVE;
	if (ec.o.numeric)
		hints.ai_flags |= EVUTIL_AI_NUMERICHOST;
	err = evutil_getaddrinfo(host, port, &hints, &ai);
	if (err != 0)
		resolve_failed("", host, port, err);
	return ai;
}

const char *
net_addr_str(const struct sockaddr *sa, socklen_t len, char *buf, size_t size)
{
	char host[INET6_ADDRSTRLEN];

	switch (sa->sa_family) {
	case AF_INET: {
		const struct sockaddr_in *sin = (const void *)sa;

		evutil_inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host));
		snprintf(buf, size, "%s:%u", host, ntohs(sin->sin_port));
		break;
	}
	case AF_INET6: {
		const struct sockaddr_in6 *sin6 = (const void *)sa;

		evutil_inet_ntop(AF_INET6, &sin6->sin6_addr, host,
		    sizeof(host));
		snprintf(buf, size, "[%s]:%u", host, ntohs(sin6->sin6_port));
		break;
	}
	case AF_UNIX: {
		const struct sockaddr_un *sun = (const void *)sa;
		size_t off = offsetof(struct sockaddr_un, sun_path);

		if (len > off && sun->sun_path[0] != '\0')
			snprintf(buf, size, "%.*s", (int)(len - off),
			    sun->sun_path);
		else
			snprintf(buf, size, "(unnamed)");
		break;
	}
	default:
		snprintf(buf, size, "(family %d)", sa->sa_family);
	}
	return buf;
}

const char *
net_local_str(evutil_socket_t fd, char *buf, size_t size)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0) {
		snprintf(buf, size, "?");
		return buf;
	}
	return net_addr_str((struct sockaddr *)&ss, len, buf, size);
}

void
net_check_source(void)
{
	struct evutil_addrinfo hints, *src = NULL;
	int err;

	if (ec.o.source == NULL)
		return;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = ec.o.family;
	hints.ai_flags = EVUTIL_AI_PASSIVE;
	if (ec.o.numeric)
		hints.ai_flags |= EVUTIL_AI_NUMERICHOST;
	err = evutil_getaddrinfo(ec.o.source, NULL, &hints, &src);
	if (err != 0)
		resolve_failed("source ", ec.o.source, NULL, err);
	evutil_freeaddrinfo(src);
}

int
net_self_connected(evutil_socket_t fd)
{
	struct sockaddr_storage local, peer;
	socklen_t llen = sizeof(local), plen = sizeof(peer);

	memset(&local, 0, sizeof(local));
	memset(&peer, 0, sizeof(peer));
	if (getsockname(fd, (struct sockaddr *)&local, &llen) != 0 ||
	    getpeername(fd, (struct sockaddr *)&peer, &plen) != 0)
		return 0;
	return llen == plen && memcmp(&local, &peer, llen) == 0;
}

/* Whether the last net_socket_for() failure was its bind (reported). */
static int bind_failed;

/* "bind to ADDR port PORT: why", once: a scan would say it per port. */
static void
bind_warn(int err)
{
	static int warned;

	bind_failed = 1;
	if (warned++)
		return;
	cli_warnx("bind to %s%s%s%s: %s",
	    ec.o.source != NULL ? ec.o.source : "",
	    ec.o.source != NULL && ec.o.source_port != NULL ? " " : "",
	    ec.o.source_port != NULL ? "port " : "",
	    ec.o.source_port != NULL ? ec.o.source_port : "", strerror(err));
}

/* Binds fd to -s ADDR and/or -p PORT. */
static int
bind_source(evutil_socket_t fd, const struct evutil_addrinfo *ai)
{
	struct evutil_addrinfo hints, *src = NULL, *a;
	int err, on = 1;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = ai->ai_family;
	hints.ai_socktype = ai->ai_socktype;
	hints.ai_protocol = ai->ai_protocol;
	hints.ai_flags = EVUTIL_AI_PASSIVE;
	if (ec.o.numeric)
		hints.ai_flags |= EVUTIL_AI_NUMERICHOST;
	err = evutil_getaddrinfo(ec.o.source,
	    ec.o.source_port != NULL ? ec.o.source_port : "0", &hints, &src);
	if (err != 0) {
		/* No source of this address family (-s 127.0.0.1 to ::1). */
		bind_warn(EADDRNOTAVAIL);
		errno = EADDRNOTAVAIL;
		return -1;
	}
	if (ec.o.source_port != NULL)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	for (a = src; a != NULL; a = a->ai_next)
		if (bind(fd, a->ai_addr, a->ai_addrlen) == 0)
			break;
	err = errno;
	evutil_freeaddrinfo(src);
	if (a == NULL) {
		bind_warn(err);
		errno = err;
		return -1;
	}
	return 0;
}

/* -I and -O on fd; says under -v what the kernel made of them. */
void
net_set_buffers(evutil_socket_t fd)
{
	const struct {
		const char *opt, *name;
		int optname;
		long long size;
	} bufs[] = {
		{ "-I", "SO_RCVBUF", SO_RCVBUF, ec.o.rcvbuf },
		{ "-O", "SO_SNDBUF", SO_SNDBUF, ec.o.sndbuf },
	};
	socklen_t len;
	size_t i;
	int v, got;

	for (i = 0; i < sizeof(bufs) / sizeof(bufs[0]); i++) {
		if (bufs[i].size <= 0)
			continue;
		v = (int)bufs[i].size;
		len = sizeof(got);
		if (setsockopt(fd, SOL_SOCKET, bufs[i].optname, &v,
		        sizeof(v)) != 0)
			cli_warn("%s %d: %s", bufs[i].opt, v, bufs[i].name);
		else if (getsockopt(fd, SOL_SOCKET, bufs[i].optname, &got,
		             &len) == 0)
			evcat_verbose("%s %d (asked for %d)", bufs[i].name, got,
			    v);
	}
}

evutil_socket_t
net_socket_for(const struct evutil_addrinfo *ai)
{
	evutil_socket_t fd;
	int err;

	bind_failed = 0;
	fd = socket(ai->ai_family,
	    ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
	if (fd < 0)
		return -1;
	/* Before connect: the receive buffer sets the window scale. */
	net_set_buffers(fd);
	if ((ec.o.source != NULL || ec.o.source_port != NULL) &&
	    bind_source(fd, ai) != 0) {
		err = errno;
		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

struct connector {
	struct evutil_addrinfo *cur;
	evutil_socket_t fd;
	struct event *ev;
	net_connect_cb cb;
	void *arg;
	int err;
};

static void try_next(struct connector *c);

static void
attempt_failed(struct connector *c, int err)
{
	char buf[128];

	c->err = err;
	/* A failed bind was reported as such. */
	if (!bind_failed)
		cli_warnx("connect to %s (%s): %s",
		    net_addr_str(c->cur->ai_addr, c->cur->ai_addrlen, buf,
		        sizeof(buf)),
		    c->cur->ai_socktype == SOCK_DGRAM ? "udp" : "tcp",
		    strerror(err));
	bind_failed = 0;
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->cur = c->cur->ai_next;
	try_next(c);
}

static void
connected(struct connector *c)
{
	struct evutil_addrinfo *ai = c->cur;
	net_connect_cb cb = c->cb;
	void *arg = c->arg;
	evutil_socket_t fd = c->fd;

	if (c->ev != NULL)
		event_free(c->ev);
	free(c);
	cb(fd, 0, ai->ai_addr, ai->ai_addrlen, arg);
}

static void
connect_ready_cb(evutil_socket_t fd, short what, void *arg)
{
	struct connector *c = arg;
	int err = 0;
	socklen_t len = sizeof(err);

	if (what & EV_TIMEOUT)
		err = ETIMEDOUT;
	else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
		err = errno;
	if (err == 0) {
		connected(c);
		return;
	}
	event_free(c->ev);
	c->ev = NULL;
	attempt_failed(c, err);
}

static void
try_next(struct connector *c)
{
	struct timeval tv;
	net_connect_cb cb;
	void *arg;
	int err;

	while (c->cur != NULL) {
		c->fd = net_socket_for(c->cur);
		if (c->fd < 0) {
			attempt_failed(c, errno);
			return;
		}
		if (connect(c->fd, c->cur->ai_addr, c->cur->ai_addrlen) == 0) {
			connected(c);
			return;
		}
		if (errno != EINPROGRESS) {
			attempt_failed(c, errno);
			return;
		}
		c->ev =
		    event_new(ec.base, c->fd, EV_WRITE, connect_ready_cb, c);
		if (c->ev == NULL)
			cli_diex("event_new failed");
		tv = evcat_ms_tv(ec.o.wait_ms);
		if (event_add(c->ev, ec.o.wait_ms >= 0 ? &tv : NULL) != 0)
			cli_diex("event_add failed");
		return;
	}
	/* Every address failed. */
	cb = c->cb;
	arg = c->arg;
	err = c->err;
	free(c);
	cb(-1, err, NULL, 0, arg);
}

void
net_connect(struct evutil_addrinfo *ai, net_connect_cb cb, void *arg)
{
	struct connector *c = cli_xcalloc(1, sizeof(*c));

	c->cur = ai;
	c->fd = -1;
	c->cb = cb;
	c->arg = arg;
	c->err = EHOSTUNREACH;
	try_next(c);
}

static int
unix_address(const char *path, struct sockaddr_un *sun)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun->sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(sun->sun_path, path, strlen(path) + 1);
	return 0;
}

evutil_socket_t
net_unix_connect(const char *path)
{
	struct sockaddr_un sun;
	evutil_socket_t fd;
	int err;

	if (unix_address(path, &sun) != 0)
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	/* A local connect completes or fails at once. */
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0 ||
	    evutil_make_socket_nonblocking(fd) != 0) {
		err = errno;
		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

evutil_socket_t
net_unix_bind(const char *path, int type)
{
	struct sockaddr_un sun;
	evutil_socket_t fd;
	int err;

	if (unix_address(path, &sun) != 0)
		return -1;
	fd = socket(AF_UNIX, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		err = errno;
		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

struct evconnlistener *
net_listen(const char *host, const char *port, evconnlistener_cb cb, void *arg,
    char *name, size_t size)
{
	unsigned flags =
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC | LEV_OPT_REUSEABLE;
	struct evconnlistener *lev = NULL;
	struct evutil_addrinfo *ai, *a;
	int err = 0;

	/* -6 means IPv6 only: no IPv4 clients on a [::] listener. */
	if (ec.o.family == AF_INET6)
		flags |= LEV_OPT_BIND_IPV6ONLY;
	ai = net_resolve(host, port, SOCK_STREAM, 1);
	for (a = ai; a != NULL && lev == NULL; a = a->ai_next) {
		lev = evconnlistener_new_bind(ec.base, cb, arg, flags, -1,
		    a->ai_addr, (int)a->ai_addrlen);
		if (lev == NULL)
			err = errno;
	}
	if (lev == NULL) {
		errno = err;
		cli_die("listen on %s port %s", host != NULL ? host : "*",
		    port);
	}
	evutil_freeaddrinfo(ai);
	/* Accepted sockets inherit -I and -O (every TCP listener: -l, --relay).
	 */
	net_set_buffers(evconnlistener_get_fd(lev));
	net_local_str(evconnlistener_get_fd(lev), name, size);
	evconnlistener_set_error_cb(lev, evcat_listen_error_cb);
	return lev;
}
