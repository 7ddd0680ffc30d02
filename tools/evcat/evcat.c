/*
 * evcat: main, the command line, and the stream connect and listen modes.
 * See evcat.h for the map of the other files and man/evcat.1 for the
 * behaviour.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/listener.h>

#include "cli.h"
#include "evcat.h"

struct evcat ec;

/* Keep equal to SYNOPSIS in man/evcat.1. */
static const char usage[] =
    "evcat [-46dhiklNnUuVvxz] [-p source_port] [-q seconds] [-s source]\n"
    "             [-w timeout] [--broker] [--list-methods] [--method name]\n"
    "             [--no-shutdown] [--no-splice] [--rate bytes]\n"
    "             [destination] [port ...]";

static const char help[] =
    "  -4, -6           IPv4 or IPv6 only\n"
    "  -d               do not read standard input\n"
    "  -i               edit lines with history (stdin a terminal)\n"
    "  -k               with -l: accept the next client after one leaves\n"
    "  -l               listen: evcat -l [address] port (port 0: any)\n"
    "  -N               shut down the sending half after end of input\n"
    "                   (the default; --no-shutdown keeps it open)\n"
    "  -n               numeric addresses only, no name lookups\n"
    "  -p port, -s addr local port and address to connect from\n"
    "  -q seconds       quit that long after end of input (-1: never)\n"
    "  -U               unix-domain stream socket: destination is a path\n"
    "  -u               UDP\n"
    "  -w seconds       connect timeout and idle timeout\n"
    "  -x               hex dump of the traffic on stderr\n"
    "  -z               scan: report open ports (lists, ranges: 20-25,80)\n"
    "  --broker         with -l: relay every client's data to all others\n"
    "  --rate bytes     limit each direction to bytes per second (K, M, G)\n"
    "  --no-splice      always copy through user space\n"
    "  --method name    event backend; --list-methods lists them\n"
    "  -v, -q           more verbose (-vv: data paths); -q alone: quiet\n"
    "  -h, -V           print this help; print the version\n";

enum {
	OPT_BROKER = CLI_OPT_TOOL_FIRST,
	OPT_NO_SHUTDOWN,
	OPT_NO_SPLICE,
	OPT_RATE,
};

static const struct option tool_options[] = {
	{ "ipv4", no_argument, NULL, '4' },
	{ "ipv6", no_argument, NULL, '6' },
	{ "no-stdin", no_argument, NULL, 'd' },
	{ "interactive", no_argument, NULL, 'i' },
	{ "keep-open", no_argument, NULL, 'k' },
	{ "listen", no_argument, NULL, 'l' },
	{ "shutdown", no_argument, NULL, 'N' },
	{ "numeric", no_argument, NULL, 'n' },
	{ "source-port", required_argument, NULL, 'p' },
	{ "quit-after", required_argument, NULL, 'q' },
	{ "source", required_argument, NULL, 's' },
	{ "unix", no_argument, NULL, 'U' },
	{ "udp", no_argument, NULL, 'u' },
	{ "wait", required_argument, NULL, 'w' },
	{ "hex-dump", no_argument, NULL, 'x' },
	{ "zero-io", no_argument, NULL, 'z' },
	{ "broker", no_argument, NULL, OPT_BROKER },
	{ "no-shutdown", no_argument, NULL, OPT_NO_SHUTDOWN },
	{ "no-splice", no_argument, NULL, OPT_NO_SPLICE },
	{ "rate", required_argument, NULL, OPT_RATE },
	{ NULL, 0, NULL, 0 },
};

static const char *unlink_path;
static struct evconnlistener *listener;

void
evcat_verbose(const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	if (cli_verbosity() < 1)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	cli_note("%s", buf);
}

void
evcat_exit(int status)
{
	if (status > ec.status)
		ec.status = status;
	event_base_loopexit(ec.base, NULL);
}

void
evcat_unlink_at_exit(const char *path)
{
	unlink_path = path;
}

void
evcat_cleanup(void)
{
	interactive_stop();
	stdio_restore();
	if (unlink_path != NULL) {
		unlink(unlink_path);
		unlink_path = NULL;
	}
}

/* "1M" and friends; powers of 1024. */
static long long
parse_rate(const char *arg)
{
	char num[32];
	size_t len = strlen(arg);
	long long mult = 1;

	if (len > 0 && len < sizeof(num)) {
		switch (arg[len - 1]) {
		case 'k':
		case 'K':
			mult = 1024;
			break;
		case 'm':
		case 'M':
			mult = 1024 * 1024;
			break;
		case 'g':
		case 'G':
			mult = 1024 * 1024 * 1024;
			break;
		}
	}
	if (mult == 1 || len >= sizeof(num))
		return cli_number("--rate", arg, 1, 1LL << 34);
	memcpy(num, arg, len - 1);
	num[len - 1] = '\0';
	return cli_number("--rate", num, 1, (1LL << 34) / mult) * mult;
}

/* A port number (0 only when listening) or a service name. */
static void
check_port(const char *port, int zero_ok)
{
	if (isdigit((unsigned char)*port))
		cli_number("port", port, zero_ok ? 0 : 1, 65535);
	else if (*port == '\0' || *port == '-')
		cli_usage_error("invalid port '%s'", port);
}

/* Conflicting flags are rejected right after parsing, as nc does. */
static void
check_options(int nargs)
{
	struct evcat_opts *o = &ec.o;

	if (o->family == -1)
		cli_usage_error("-4 and -6 conflict");
	if (o->listen && (o->source != NULL || o->source_port != NULL))
		cli_usage_error("-l cannot be used with -s or -p");
	if (o->listen && o->scan)
		cli_usage_error("-l and -z conflict");
	if (o->keep && !o->listen)
		cli_usage_error("-k needs -l");
	if (o->broker && !o->listen)
		cli_usage_error("--broker needs -l");
	if (o->broker && (o->udp || o->interactive))
		cli_usage_error("--broker cannot be used with -u or -i");
	if (o->scan && (o->unix_path != NULL || o->udp || o->interactive))
		cli_usage_error("-z cannot be used with -U, -u or -i");
	if (o->unix_path != NULL &&
	    (o->udp || o->family != AF_UNSPEC || o->source != NULL ||
	        o->source_port != NULL))
		cli_usage_error("-U cannot be used with -u, -4, -6, -s or -p");
	if (o->interactive && o->no_stdin)
		cli_usage_error("-i and -d conflict");
	if (o->interactive && o->udp)
		cli_usage_error("-i and -u conflict");
	if (o->rate > 0 && o->udp)
		cli_usage_error("--rate and -u conflict");
	if (o->interactive && !isatty(0))
		cli_usage_error("-i needs a terminal on standard input");
	if (o->interactive && !interactive_available())
		cli_usage_error("-i: built without libedit");

	if (o->unix_path != NULL) {
		if (nargs != 1)
			cli_usage_error("-U takes one path");
		return;
	}
	if (o->scan) {
		if (nargs < 2)
			cli_usage_error("-z needs a destination and ports");
		return;
	}
	if (o->listen) {
		if (nargs < 1 || nargs > 2)
			cli_usage_error("-l takes [address] port");
		check_port(o->port, 1);
		return;
	}
	if (nargs != 2)
		cli_usage_error(nargs < 2 ? "missing destination or port"
		                          : "too many arguments");
	check_port(o->port, 0);
}

static void
parse_options(int argc, char **argv)
{
	struct evcat_opts *o = &ec.o;
	struct option *longopts;
	int ch, nargs;

	o->family = AF_UNSPEC;
	o->shutdown = 1;
	o->splice = 1;
	o->quit = -1;
	o->wait = -1;
	cli_init(argv[0], usage, help);
	longopts = cli_long_options(tool_options);
	for (;;) {
		optarg = NULL;
		ch = getopt_long(argc, argv,
		    cli_optstring("46dikNlnp:q:s:Uuw:xz"), longopts, NULL);
		if (ch == -1)
			break;
		/* -q SECS is nc's; --quiet (no argument) is the common -q. */
		if (ch == 'q' && optarg != NULL) {
			o->quit = cli_number("-q", optarg, -1, 86400 * 365);
			continue;
		}
		if (cli_handle_option(ch, optarg, argv))
			continue;
		switch (ch) {
		case '4':
		case '6':
			if (o->family != AF_UNSPEC &&
			    o->family != (ch == '4' ? AF_INET : AF_INET6))
				o->family = -1;
			else
				o->family = ch == '4' ? AF_INET : AF_INET6;
			break;
		case 'd':
			o->no_stdin = 1;
			break;
		case 'i':
			o->interactive = 1;
			break;
		case 'k':
			o->keep = 1;
			break;
		case 'l':
			o->listen = 1;
			break;
		case 'N':
			o->shutdown = 1;
			break;
		case 'n':
			o->numeric = 1;
			break;
		case 'p':
			check_port(optarg, 0);
			o->source_port = optarg;
			break;
		case 's':
			o->source = optarg;
			break;
		case 'U':
			o->unix_path = "";
			break;
		case 'u':
			o->udp = 1;
			break;
		case 'w':
			o->wait = cli_number("-w", optarg, 1, 86400 * 365);
			break;
		case 'x':
			o->hexdump = 1;
			break;
		case 'z':
			o->scan = 1;
			break;
		case OPT_BROKER:
			o->broker = o->keep = 1;
			break;
		case OPT_NO_SHUTDOWN:
			o->shutdown = 0;
			break;
		case OPT_NO_SPLICE:
			o->splice = 0;
			break;
		case OPT_RATE:
			o->rate = parse_rate(optarg);
			break;
		default:
			cli_usage_error("unhandled option");
		}
	}
	free(longopts);
	if (cli_method_count() > 1)
		cli_usage_error("--method may be given once");
	o->method = cli_method_at(0);

	nargs = argc - optind;
	argv += optind;
	if (o->unix_path != NULL && nargs >= 1)
		o->unix_path = argv[0];
	else if (o->scan && nargs >= 2) {
		o->host = argv[0];
		o->ports = argv + 1;
		o->nports = nargs - 1;
	} else if (o->listen && nargs == 1) {
		o->port = argv[0];
	} else if (nargs == 2) {
		o->host = argv[0];
		o->port = argv[1];
	}
	check_options(nargs);
}

/* ---- stream connections ---- */

static void
relay_done(struct relay *r, int status, void *arg)
{
	relay_free(r);
	if (ec.o.keep && listener != NULL) {
		/* -k: the next client, with the same stdin and stdout. */
		evconnlistener_enable(listener);
		return;
	}
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
	evcat_verbose("connection from %s", peer);
	if (ec.o.keep) {
		/* One client at a time; the next waits in the backlog. */
		evconnlistener_disable(lev);
	} else {
		/* As nc: later clients are refused. */
		evconnlistener_free(lev);
		listener = NULL;
	}
	relay_new(fd, peer, relay_done, NULL);
}

/* The accept error last reported; 0 once an accept succeeded. */
static int accept_errno;

void
evcat_accept_ok(void)
{
	accept_errno = 0;
}

static void
listen_error_cb(struct evconnlistener *lev, void *arg)
{
	int err = EVUTIL_SOCKET_ERROR();

	/*
	 * Out of descriptors or memory: the listener pauses and retries by
	 * itself, reporting each retry; say it once per shortage.
	 */
	if (err != accept_errno)
		cli_warnx("accept: %s", strerror(err));
	accept_errno = err;
	if (err != EMFILE && err != ENFILE && err != ENOBUFS && err != ENOMEM)
		evcat_exit(1);
}

static void
listen_mode(void)
{
	unsigned flags =
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC | LEV_OPT_REUSEABLE;
	struct evutil_addrinfo *ai, *a;
	evutil_socket_t fd;
	char name[128];
	int err = 0;

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
	} else {
		/* -6 means IPv6 only: no IPv4 clients on a [::] listener. */
		if (ec.o.family == AF_INET6)
			flags |= LEV_OPT_BIND_IPV6ONLY;
		ai = net_resolve(ec.o.host, ec.o.port, SOCK_STREAM, 1);
		for (a = ai; a != NULL && listener == NULL; a = a->ai_next) {
			listener = evconnlistener_new_bind(ec.base, accept_cb,
			    NULL, flags, -1, a->ai_addr, (int)a->ai_addrlen);
			if (listener == NULL)
				err = errno;
		}
		if (listener == NULL) {
			errno = err;
			cli_die("listen on %s port %s",
			    ec.o.host != NULL ? ec.o.host : "*", ec.o.port);
		}
		evutil_freeaddrinfo(ai);
		net_local_str(evconnlistener_get_fd(listener), name,
		    sizeof(name));
	}
	evconnlistener_set_error_cb(listener, listen_error_cb);
	cli_note("listening on %s", name);
	if (ec.o.broker)
		broker_start(listener);
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
	relay_new(fd, peer, relay_done, NULL);
}

static void
connect_mode(void)
{
	struct evutil_addrinfo *ai;
	evutil_socket_t fd;

	if (ec.o.unix_path != NULL) {
		fd = net_unix_connect(ec.o.unix_path);
		if (fd < 0)
			cli_die("connect to %s", ec.o.unix_path);
		evcat_verbose("connected to %s", ec.o.unix_path);
		relay_new(fd, ec.o.unix_path, relay_done, NULL);
		return;
	}
	ai = net_resolve(ec.o.host, ec.o.port, SOCK_STREAM, 0);
	net_connect(ai, connected_cb, ai);
}

/* ---- signals ---- */

static void
signal_cb(evutil_socket_t sig, short what, void *arg)
{
	/* Put the terminal and files back, then die of the signal. */
	evcat_cleanup();
	signal((int)sig, SIG_DFL);
	raise((int)sig);
	_exit(128 + (int)sig);
}

static void
watch_signals(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct event *ev;
	size_t i;

	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		ev = evsignal_new(ec.base, sigs[i], signal_cb, NULL);
		if (ev == NULL || evsignal_add(ev, NULL) != 0)
			cli_diex("cannot watch signal %d", sigs[i]);
	}
}

int
main(int argc, char **argv)
{
	/* A peer or reader that went away is an error code, not a signal. */
	signal(SIGPIPE, SIG_IGN);
	parse_options(argc, argv);
	ec.base = cli_base_new(ec.o.method);
	atexit(evcat_cleanup);
	watch_signals();

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
