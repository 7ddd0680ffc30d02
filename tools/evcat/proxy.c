/*
 * proxy.c: --proxy HOST:PORT, connecting through a SOCKS5 proxy (RFC
 * 1928 CONNECT, RFC 1929 user and password with --proxy-auth) or an HTTP
 * proxy (CONNECT, Basic Proxy-Authorization).  The default type is http,
 * as in ncat.
 *
 * The destination goes to the proxy as given: a name is resolved by the
 * proxy (SOCKS5 address type 3), an address literal is sent as one.
 *
 * The messages are built and the replies parsed by pure functions
 * (proxy_msg.c, fuzzed by tests/fuzz/fuzz_evcat_proxy.c), which the
 * handshake here drives.  Replies are read a byte
 * at a time until the parser says one is complete, so that no byte the
 * destination sends right after the proxy's reply (a server's banner) is
 * taken from the socket before the relay starts.
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

#include <event2/event.h>

#include "cli.h"
#include "evcat.h"

/* ---- the handshake on a socket connected to the proxy ---- */

enum step { STEP_METHOD, STEP_AUTH, STEP_CONNECT, STEP_HTTP };

static struct {
	evutil_socket_t fd;
	struct event *ev;
	enum step step;
	unsigned char buf[PROXY_REPLY_MAX];
	size_t len;
	char name[300]; /* the destination, for messages */
	proxy_done_cb done;
	struct evutil_addrinfo *ai;
} px;

static void
proxy_fail(const char *msg)
{
	cli_warnx("%s", msg);
	event_free(px.ev);
	evutil_closesocket(px.fd);
	evcat_exit(1);
}

/* Sends a whole message (a few hundred bytes: the socket takes them). */
static int
send_all(const void *buf, size_t len)
{
	ssize_t n = send(px.fd, buf, len, 0);

	if (n == (ssize_t)len)
		return 0;
	proxy_fail(n < 0 ? strerror(errno) : "proxy: short write");
	return -1;
}

/* The next message after a complete reply; 1 when the tunnel is open. */
static int
next_step(int method)
{
	unsigned char out[600];
	int n;

	px.len = 0;
	if (px.step == STEP_METHOD && method == 2) {
		if (ec.o.proxy_auth == NULL) {
			proxy_fail("SOCKS5: the proxy wants a user name and "
			           "password (--proxy-auth)");
			return -1;
		}
		n = proxy_socks5_auth(out, sizeof(out), ec.o.proxy_auth);
		if (n < 0) {
			proxy_fail("--proxy-auth: user and password must be "
			           "1-255 and 0-255 bytes");
			return -1;
		}
		px.step = STEP_AUTH;
		return send_all(out, (size_t)n);
	}
	if (px.step == STEP_METHOD || px.step == STEP_AUTH) {
		n = proxy_socks5_connect(out, sizeof(out), ec.o.host,
		    (unsigned)atoi(ec.o.port));
		if (n < 0) {
			proxy_fail("SOCKS5: destination name too long");
			return -1;
		}
		px.step = STEP_CONNECT;
		return send_all(out, (size_t)n);
	}
	return 1;
}

static void
proxy_read_cb(evutil_socket_t fd, short what, void *arg)
{
	char msg[400];
	int r, method = 0;
	ssize_t n;

	if (what & EV_TIMEOUT) {
		proxy_fail("proxy: no reply in time (-w)");
		return;
	}
	for (;;) {
		n = recv(fd, px.buf + px.len, 1, 0);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {
			snprintf(msg, sizeof(msg), "proxy %s: %s", ec.o.proxy,
			    n == 0 ? "closed the connection" : strerror(errno));
			proxy_fail(msg);
			return;
		}
		px.len++;
		switch (px.step) {
		case STEP_METHOD:
			r = proxy_socks5_method(px.buf, px.len, &method, msg,
			    sizeof(msg));
			break;
		case STEP_AUTH:
			r = proxy_socks5_auth_reply(px.buf, px.len, msg,
			    sizeof(msg));
			break;
		case STEP_CONNECT:
			r = proxy_socks5_reply(px.buf, px.len, msg,
			    sizeof(msg));
			break;
		default:
			r = proxy_http_reply((const char *)px.buf, px.len, msg,
			    sizeof(msg));
			break;
		}
		if (r < 0) {
			proxy_fail(msg);
			return;
		}
		if (r == 0)
			continue;
		r = next_step(method);
		if (r < 0)
			return;
		if (r == 1) {
			event_free(px.ev);
			evcat_verbose("proxy %s: tunnel to %s open", ec.o.proxy,
			    px.name);
			px.done(px.fd, px.name);
			return;
		}
	}
}

static void
proxy_connected_cb(evutil_socket_t fd, int err, const struct sockaddr *sa,
    socklen_t len, void *arg)
{
	char req[1200];
	struct timeval tv;
	int n;

	evutil_freeaddrinfo(px.ai);
	if (fd < 0) {
		evcat_exit(1); /* net_connect said why */
		return;
	}
	evcat_verbose("connected to proxy %s", ec.o.proxy);
	px.fd = fd;
	px.ev =
	    event_new(ec.base, fd, EV_READ | EV_PERSIST, proxy_read_cb, NULL);
	tv = evcat_ms_tv(ec.o.wait_ms);
	if (px.ev == NULL ||
	    event_add(px.ev, ec.o.wait_ms > 0 ? &tv : NULL) != 0)
		cli_diex("cannot watch the proxy connection");
	if (ec.o.proxy_type == EVCAT_PROXY_SOCKS5) {
		px.step = STEP_METHOD;
		n = (int)proxy_socks5_greeting((unsigned char *)req,
		    ec.o.proxy_auth != NULL);
	} else {
		px.step = STEP_HTTP;
		n = proxy_http_request(req, sizeof(req), ec.o.host, ec.o.port,
		    ec.o.proxy_auth);
		if (n < 0) {
			proxy_fail("HTTP proxy: request too long");
			return;
		}
	}
	send_all(req, (size_t)n);
}

void
proxy_start(proxy_done_cb done)
{
	char host[256];
	const char *port;

	if (hostport_split(ec.o.proxy, host, sizeof(host), &port) != 0)
		cli_usage_error("--proxy: bad address '%s'", ec.o.proxy);
	if (ec.o.proxy_type == EVCAT_PROXY_SOCKS5 &&
	    (atoi(ec.o.port) <= 0 || atoi(ec.o.port) > 65535))
		cli_usage_error("--proxy-type socks5: port '%s' must be a "
		                "number",
		    ec.o.port);
	snprintf(px.name, sizeof(px.name),
	    strchr(ec.o.host, ':') ? "[%s]:%s" : "%s:%s", ec.o.host, ec.o.port);
	px.done = done;
	px.ai = net_resolve(host, port, SOCK_STREAM, 0);
	net_connect(px.ai, proxy_connected_cb, NULL);
}
