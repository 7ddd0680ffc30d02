/*
 * udp.c: -u, datagrams against standard input and output.
 *
 * Each read from stdin (at most EVCAT_DGRAM_MAX bytes) becomes one
 * datagram; each datagram received is written to stdout.  Listening, evcat
 * waits for the first datagram, then talks to its sender only (the socket
 * is connected to it, as nc does); with -k it answers whoever sent last.
 *
 * UDP has no end of stream: after stdin's EOF evcat goes on printing what
 * arrives until -q or -w ends it, or a signal.  Back-pressure: while a
 * datagram cannot be sent, stdin is not read; while stdout is backed up,
 * the socket is not read (the kernel then drops what does not fit in the
 * socket's receive buffer, which is what UDP does).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "cli.h"
#include "evcat.h"

static struct {
	evutil_socket_t fd;
	int listening;
	int connected; /* fd is connected to the peer */
	int have_peer;
	struct sockaddr_storage peer;
	socklen_t peerlen;
	char peer_name[128];
	int in_fd;       /* stdin, nonblocking when pollable */
	int in_pollable; /* else read on demand (files, devices) */
	int in_eof;
	int out_fd;
	int out_pollable;
	char dgram[EVCAT_DGRAM_MAX]; /* from stdin, not yet sent */
	size_t dgram_len;
	struct evbuffer *outq; /* received, not yet written */
	struct event *sock_rd, *sock_wr, *in_rd, *in_kick, *out_wr;
	struct event *quit_timer, *idle_timer;
	unsigned long long moved, last_moved;
	int idle_checks;
} u;

#define IDLE_CHECKS 4

static void
udp_fail(const char *what, int err)
{
	cli_warnx("%s: %s", what, strerror(err));
	evcat_exit(1);
}

static void
stdin_wanted(int on)
{
	if (u.in_eof || !u.have_peer)
		on = 0;
	if (u.in_pollable) {
		if (u.in_rd == NULL)
			return;
		if (on)
			event_add(u.in_rd, NULL);
		else
			event_del(u.in_rd);
	} else if (on) {
		event_active(u.in_kick, 0, 0);
	}
}

/* Sends the pending datagram; 0 when sent, -1 to wait for EV_WRITE. */
static int
send_pending(void)
{
	ssize_t n;

	if (u.dgram_len == 0)
		return 0;
	if (u.connected)
		n = send(u.fd, u.dgram, u.dgram_len, 0);
	else
		n = sendto(u.fd, u.dgram, u.dgram_len, 0,
		    (struct sockaddr *)&u.peer, u.peerlen);
	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR || errno == ENOBUFS) {
			event_add(u.sock_wr, NULL);
			return -1;
		}
		/* An ICMP error about an earlier datagram. */
		if (u.listening && ec.o.keep) {
			evcat_verbose("%s: %s", u.peer_name, strerror(errno));
		} else {
			udp_fail(u.peer_name, errno);
			return -1;
		}
	} else {
		trace_bytes('>', u.dgram, u.dgram_len);
		u.moved += (size_t)n;
	}
	u.dgram_len = 0;
	return 0;
}

static void
quit_cb(evutil_socket_t fd, short what, void *arg)
{
	evcat_verbose("quitting %g s after end of input",
	    ec.o.quit_ms / 1000.0);
	evcat_exit(0);
}

static void
input_ended(void)
{
	struct timeval tv = { 0, 0 };

	u.in_eof = 1;
	stdin_wanted(0);
	evcat_verbose("end of input");
	if (ec.o.quit_ms < 0)
		return;
	tv = evcat_ms_tv(ec.o.quit_ms);
	u.quit_timer = evtimer_new(ec.base, quit_cb, NULL);
	if (u.quit_timer == NULL || evtimer_add(u.quit_timer, &tv) != 0)
		cli_diex("cannot arm the -q timer");
}

/* Reads stdin into datagrams until one cannot be sent. */
static void
in_cb(evutil_socket_t fd, short what, void *arg)
{
	ssize_t n;
	int rounds;

	for (rounds = 0; rounds < 64; rounds++) {
		if (u.dgram_len > 0 || u.in_eof)
			return;
		n = read(u.in_fd, u.dgram, sizeof(u.dgram));
		if (n == 0) {
			input_ended();
			return;
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return;
			cli_warn("stdin");
			ec.status = 1;
			input_ended();
			return;
		}
		u.dgram_len = (size_t)n;
		if (send_pending() != 0) {
			stdin_wanted(0);
			return;
		}
		if (u.in_pollable)
			return; /* the next read when it is readable */
	}
	/* A file: go on after the loop has had its turn. */
	event_active(u.in_kick, 0, 0);
}

static void
sock_wr_cb(evutil_socket_t fd, short what, void *arg)
{
	if (send_pending() == 0)
		stdin_wanted(1);
}

/* Writes out the queue; on a pollable stdout, as much as it takes now. */
static void
flush_out(void)
{
	struct pollfd pfd = { u.out_fd, POLLOUT, 0 };

	while (evbuffer_get_length(u.outq) > 0) {
		if (evbuffer_write(u.outq, u.out_fd) >= 0)
			continue;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN && u.out_pollable) {
			event_add(u.out_wr, NULL);
			event_del(u.sock_rd);
			return;
		}
		if (errno == EAGAIN && poll(&pfd, 1, -1) >= 0)
			continue;
		if (errno != EPIPE)
			cli_warn("stdout");
		evcat_exit(1);
		return;
	}
	event_add(u.sock_rd, NULL);
}

static void
out_wr_cb(evutil_socket_t fd, short what, void *arg)
{
	event_del(u.out_wr);
	flush_out();
}

static void
got_peer(void)
{
	u.have_peer = 1;
	net_addr_str((struct sockaddr *)&u.peer, u.peerlen, u.peer_name,
	    sizeof(u.peer_name));
	evcat_verbose("datagram from %s", u.peer_name);
	/* Without -k, only this peer from now on (nc's rule). */
	if (!ec.o.keep &&
	    connect(u.fd, (struct sockaddr *)&u.peer, u.peerlen) == 0)
		u.connected = 1;
	stdin_wanted(1);
}

static void
sock_rd_cb(evutil_socket_t fd, short what, void *arg)
{
	static char buf[65536];
	struct sockaddr_storage from;
	socklen_t fromlen;
	ssize_t n;
	int rounds;

	for (rounds = 0; rounds < 64; rounds++) {
		fromlen = sizeof(from);
		n = recvfrom(u.fd, buf, sizeof(buf), 0,
		    (struct sockaddr *)&from, &fromlen);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			if (u.listening && ec.o.keep) {
				evcat_verbose("recv: %s", strerror(errno));
				continue;
			}
			udp_fail(u.peer_name, errno);
			return;
		}
		if (u.listening && !u.connected) {
			if (!u.have_peer ||
			    memcmp(&from, &u.peer, fromlen) != 0) {
				memcpy(&u.peer, &from, fromlen);
				u.peerlen = fromlen;
				got_peer();
			}
		}
		trace_bytes('<', buf, (size_t)n);
		u.moved += (size_t)n;
		if (evbuffer_add(u.outq, buf, (size_t)n) != 0)
			cli_diex("out of memory");
		if (evbuffer_get_length(u.outq) >= EVCAT_HIGH_WATER)
			break;
	}
	flush_out();
}

static void
idle_cb(evutil_socket_t fd, short what, void *arg)
{
	if (u.moved != u.last_moved) {
		u.last_moved = u.moved;
		u.idle_checks = 0;
		return;
	}
	if (++u.idle_checks >= IDLE_CHECKS) {
		evcat_verbose("idle for %g s", ec.o.wait_ms / 1000.0);
		evcat_exit(0);
	}
}

static void
udp_start(evutil_socket_t fd)
{
	enum stdio_kind in = stdio_kind(0), out = stdio_kind(1);
	struct timeval tv;

	u.fd = fd;
	u.outq = evbuffer_new();
	u.in_eof = ec.o.no_stdin || in == STDIO_NULL || in == STDIO_CLOSED;
	u.in_pollable = stdio_pollable(in);
	u.in_fd = u.in_eof ? -1 : u.in_pollable ? stdio_nonblocking(0) : 0;
	u.out_pollable = stdio_pollable(out);
	u.out_fd = u.out_pollable ? stdio_nonblocking(1) : 1;
	u.sock_rd =
	    event_new(ec.base, fd, EV_READ | EV_PERSIST, sock_rd_cb, NULL);
	u.sock_wr = event_new(ec.base, fd, EV_WRITE, sock_wr_cb, NULL);
	u.out_wr = event_new(ec.base, u.out_fd, EV_WRITE, out_wr_cb, NULL);
	u.in_kick = event_new(ec.base, -1, 0, in_cb, NULL);
	if (u.in_pollable && !u.in_eof)
		u.in_rd = event_new(ec.base, u.in_fd, EV_READ | EV_PERSIST,
		    in_cb, NULL);
	if (u.outq == NULL || u.sock_rd == NULL || u.sock_wr == NULL ||
	    u.out_wr == NULL || u.in_kick == NULL ||
	    (u.in_pollable && !u.in_eof && u.in_rd == NULL))
		cli_diex("out of memory");
	event_add(u.sock_rd, NULL);
	if (u.in_eof && ec.o.quit_ms >= 0 && !ec.o.no_stdin)
		input_ended();
	stdin_wanted(1);
	if (ec.o.wait_ms > 0) {
		u.idle_timer =
		    event_new(ec.base, -1, EV_PERSIST, idle_cb, NULL);
		tv =
		    evcat_ms_tv((ec.o.wait_ms + IDLE_CHECKS - 1) / IDLE_CHECKS);
		if (u.idle_timer == NULL || event_add(u.idle_timer, &tv) != 0)
			cli_diex("cannot arm the -w timer");
	}
}

void
udp_connect_mode(void)
{
	struct evutil_addrinfo *ai, *a;
	evutil_socket_t fd = -1;
	int err = 0;

	ai = net_resolve(ec.o.host, ec.o.port, SOCK_DGRAM, 0);
	for (a = ai; a != NULL; a = a->ai_next) {
		fd = net_socket_for(a);
		if (fd >= 0 && connect(fd, a->ai_addr, a->ai_addrlen) == 0)
			break;
		err = errno;
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	if (fd < 0) {
		errno = err;
		cli_die("%s port %s (udp)", ec.o.host, ec.o.port);
	}
	net_addr_str(a->ai_addr, a->ai_addrlen, u.peer_name,
	    sizeof(u.peer_name));
	evutil_freeaddrinfo(ai);
	u.connected = u.have_peer = 1;
	evcat_verbose("sending to %s (udp)", u.peer_name);
	udp_start(fd);
}

void
udp_listen_mode(void)
{
	struct evutil_addrinfo *ai, *a;
	evutil_socket_t fd = -1;
	char name[128];
	int err = 0;

	ai = net_resolve(ec.o.host, ec.o.port, SOCK_DGRAM, 1);
	for (a = ai; a != NULL; a = a->ai_next) {
		fd = socket(a->ai_family,
		    a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    a->ai_protocol);
		if (fd >= 0 && bind(fd, a->ai_addr, a->ai_addrlen) == 0)
			break;
		err = errno;
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	evutil_freeaddrinfo(ai);
	if (fd < 0) {
		errno = err;
		cli_die("listen on %s port %s (udp)",
		    ec.o.host != NULL ? ec.o.host : "*", ec.o.port);
	}
	net_set_buffers(fd);
	u.listening = 1;
	snprintf(u.peer_name, sizeof(u.peer_name), "udp");
	cli_note("listening on %s (udp)",
	    net_local_str(fd, name, sizeof(name)));
	udp_start(fd);
}
