/*
 * evcat: main and the stream connect and listen modes; the state they
 * share with the other modes is in state.c.  See evcat.h for the map of
 * the other files and man/evcat.1 for the behaviour.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/listener.h>

#include "cli.h"
#include "evcat.h"

static struct evconnlistener *listener;

/*
 * The command line, then what it asks for that is not a connection, and
 * the checks that depend on the environment rather than on the options.
 */
static void
parse_options(int argc, char **argv)
{
	char msg[512];

	if (evcat_parse_options(&ec.o, argc, argv, msg, sizeof(msg)) != 0)
		cli_usage_error("%s", msg);
	cli_set_verbosity(ec.o.verbosity);
	switch (ec.o.action) {
	case EVCAT_HELP:
		cli_help();
	case EVCAT_VERSION:
		cli_version();
	case EVCAT_LIST_METHODS:
		cli_handle_option(CLI_OPT_LIST_METHODS, NULL, argv);
		break;
	case EVCAT_RUN:
		break;
	}
	if (ec.o.interactive && !isatty(0))
		cli_usage_error("-i needs a terminal on standard input");
	if (ec.o.interactive && !interactive_available())
		cli_usage_error("-i: built without libedit");
}

/* ---- stream connections ---- */

static void
relay_done(struct relay *r, int status, void *arg)
{
	relay_free(r);
	evcat_exit(status);
}

static void
accept_cb(struct evconnlistener *lev, evutil_socket_t fd, struct sockaddr *sa,
    int socklen, void *arg)
{
	char peer[128];

	evcat_accept_ok();
	net_addr_str(sa, (socklen_t)socklen, peer, sizeof(peer));
	if (sa->sa_family == AF_UNIX)
		snprintf(peer, sizeof(peer), "%s", ec.o.unix_path);
	if (!evcat_admit(fd, sa, peer))
		return; /* refused: wait for the next one */
	evcat_verbose("connection from %s", peer);
	if (ec.o.exec_cmd != NULL) {
		/* -e: a child per connection; -k: concurrently. */
		exec_start(fd, peer);
		if (ec.o.keep)
			return;
	} else {
		/* -k is the hub's (broker.c): only one client here. */
		relay_new(fd, peer, relay_done, NULL);
	}
	/* As nc: later clients are refused. */
	evconnlistener_free(lev);
	listener = NULL;
}

static void
listen_mode(void)
{
	evutil_socket_t fd;
	char name[128];

	if (ec.o.unix_path != NULL) {
		fd = net_unix_bind(ec.o.unix_path, SOCK_STREAM);
		if (fd < 0)
			cli_die("%s", ec.o.unix_path);
		evcat_unlink_at_exit(ec.o.unix_path);
		listener = evconnlistener_new(ec.base, accept_cb, NULL,
		    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, -1, fd);
		if (listener == NULL)
			cli_die("listen on %s", ec.o.unix_path);
		snprintf(name, sizeof(name), "%s", ec.o.unix_path);
		/* Accepted sockets inherit -I and -O. */
		net_set_buffers(fd);
		evconnlistener_set_error_cb(listener, evcat_listen_error_cb);
	} else {
		listener = net_listen(ec.o.host, ec.o.port, accept_cb, NULL,
		    name, sizeof(name));
	}
	cli_note("listening on %s", name);
	if (ec.o.keep && ec.o.exec_cmd == NULL)
		broker_start(listener); /* -k, --broker: clients at once */
}

/* A connection is up: the program (-e, -c) or the relay takes it. */
static void
start_stream(evutil_socket_t fd, const char *peer)
{
	if (ec.o.exec_cmd != NULL)
		exec_start(fd, peer);
	else
		relay_new(fd, peer, relay_done, NULL);
}

static void
connected_cb(evutil_socket_t fd, int err, const struct sockaddr *sa,
    socklen_t len, void *arg)
{
	struct evutil_addrinfo *ai = arg;
	char peer[128];

	if (fd < 0) {
		evutil_freeaddrinfo(ai);
		evcat_exit(1);
		return;
	}
	net_addr_str(sa, len, peer, sizeof(peer));
	evutil_freeaddrinfo(ai);
	evcat_verbose("connected to %s", peer);
	start_stream(fd, peer);
}

static void
connect_mode(void)
{
	struct evutil_addrinfo *ai;
	evutil_socket_t fd;

	if (ec.o.relay_listen != NULL) {
		forward_start(); /* --relay: listens, then connects */
		return;
	}
	if (ec.o.proxy != NULL) {
		proxy_start(start_stream);
		return;
	}
	if (ec.o.unix_path != NULL) {
		fd = net_unix_connect(ec.o.unix_path);
		if (fd < 0)
			cli_die("connect to %s", ec.o.unix_path);
		evcat_verbose("connected to %s", ec.o.unix_path);
		start_stream(fd, ec.o.unix_path);
		return;
	}
	ai = net_resolve(ec.o.host, ec.o.port, SOCK_STREAM, 0);
	net_connect(ai, connected_cb, ai);
}

int
main(int argc, char **argv)
{
	open_std_fds();
	/* A peer or reader that went away is an error code, not a signal. */
	signal(SIGPIPE, SIG_IGN);
	parse_options(argc, argv);
	ec.base = cli_base_new(ec.o.method);
	atexit(evcat_cleanup);
	watch_signals();
	net_check_source();
	trace_open();
	ssl_init();

	if (ec.o.scan)
		scan_start();
	else if (ec.o.udp && ec.o.listen)
		udp_listen_mode();
	else if (ec.o.udp)
		udp_connect_mode();
	else if (ec.o.listen)
		listen_mode();
	else
		connect_mode();

	if (event_base_dispatch(ec.base) < 0)
		cli_diex("event loop failed");
	relay_flush_stdout();
	return ec.status;
}
