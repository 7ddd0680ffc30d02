/*
 * scan.c: -z, which ports accept a TCP connection.
 *
 * Port arguments are numbers, ranges (20-1024), comma lists of them, or
 * service names, in any mix.  Up to SCAN_PARALLEL nonblocking connects are
 * in flight at once (fewer when the open-files limit is low); each is
 * bounded by -w, SCAN_TIMEOUT seconds by default, since a filtered port
 * would otherwise take the kernel's two minutes.
 *
 * The report goes to stdout, one line per port, in the order the ports
 * were given, as soon as every port before it is decided:
 *
 *   127.0.0.1 22 open
 *   127.0.0.1 23 closed (Connection refused)     with -v
 *   127.0.0.1 24 timeout (no answer in 5 s)      with -v
 *
 * With hundreds of connects in flight, a probe's ephemeral source port can
 * be the very port it probes; TCP's simultaneous open then connects the
 * socket to itself.  Such a probe is reported closed, "connected to
 * itself", since nobody accepted it.
 *
 * Exit status 0 when at least one port is open, 1 otherwise (as nc).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>

#include "cli.h"
#include "evcat.h"

#define SCAN_PARALLEL 256
#define SCAN_TIMEOUT 5
/* No more ports than this in one scan (all of them, a few times over). */
#define SCAN_PORTS_MAX (4 * 65536)

enum { P_WAITING, P_PENDING, P_OPEN, P_CLOSED, P_TIMEOUT };

/* p->err of a probe that connected to itself. */
#define ERR_SELF (-1)

struct probe {
	unsigned short port;
	unsigned char state;
	int err;
	evutil_socket_t fd;
	struct event *ev;
};

static struct {
	struct probe *p;
	int n, cap;
	int next_start; /* first probe not started */
	int next_print; /* first probe not reported */
	int running, parallel;
	int open, closed, timeout;
	struct sockaddr_storage addr;
	socklen_t addrlen;
	struct evutil_addrinfo *ai;
	char host[128];
	struct timeval tv;
} s;

static void
add_port(long port)
{
	if (s.n == SCAN_PORTS_MAX)
		cli_usage_error("-z: more than %d ports", SCAN_PORTS_MAX);
	if (s.n == s.cap) {
		s.cap = s.cap ? 2 * s.cap : 64;
		s.p = cli_xrealloc(s.p, (size_t)s.cap, sizeof(*s.p));
	}
	memset(&s.p[s.n], 0, sizeof(s.p[0]));
	s.p[s.n].port = (unsigned short)port;
	s.p[s.n].fd = -1;
	s.n++;
}

/* One item: N, N-M, or a service name. */
static void
add_item(const char *item)
{
	struct evutil_addrinfo hints, *ai = NULL;
	const char *dash = strchr(item, '-');
	char lo[16];
	long a, b;

	if (*item >= '0' && *item <= '9') {
		if (dash != NULL && (size_t)(dash - item) < sizeof(lo)) {
			memcpy(lo, item, (size_t)(dash - item));
			lo[dash - item] = '\0';
			a = (long)cli_number("port", lo, 1, 65535);
			b = (long)cli_number("port", dash + 1, 1, 65535);
			if (a > b)
				cli_usage_error("-z: empty range '%s'", item);
		} else {
			a = b = (long)cli_number("port", item, 1, 65535);
		}
		for (; a <= b; a++)
			add_port(a);
		return;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_INET;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = EVUTIL_AI_PASSIVE;
	if (evutil_getaddrinfo(NULL, item, &hints, &ai) != 0 || ai == NULL)
		cli_usage_error("-z: unknown port '%s'", item);
	add_port(ntohs(((struct sockaddr_in *)ai->ai_addr)->sin_port));
	evutil_freeaddrinfo(ai);
}

static void
parse_ports(void)
{
	char *copy, *item, *save;
	int i;

	for (i = 0; i < ec.o.nports; i++) {
		copy = cli_xstrdup(ec.o.ports[i]);
		for (item = strtok_r(copy, ",", &save); item != NULL;
		     item = strtok_r(NULL, ",", &save))
			add_item(item);
		free(copy);
	}
	if (s.n == 0)
		cli_usage_error("-z: no ports");
}

static void
report_ready(void)
{
	struct probe *p;

	while (s.next_print < s.n && s.p[s.next_print].state > P_PENDING) {
		p = &s.p[s.next_print++];
		if (p->state == P_OPEN)
			printf("%s %u open\n", s.host, p->port);
		else if (cli_verbosity() >= 1 && p->state == P_CLOSED)
			printf("%s %u closed (%s)\n", s.host, p->port,
			    p->err == ERR_SELF ? "connected to itself"
			                       : strerror(p->err));
		else if (cli_verbosity() >= 1)
			printf("%s %u timeout (no answer in %ld s)\n", s.host,
			    p->port, (long)s.tv.tv_sec);
	}
	fflush(stdout);
}

static void start_more(void);

static void
decided(struct probe *p, int state, int err)
{
	p->state = (unsigned char)state;
	p->err = err;
	if (p->ev != NULL) {
		event_free(p->ev);
		p->ev = NULL;
	}
	if (p->fd >= 0) {
		close(p->fd);
		p->fd = -1;
	}
	if (state == P_OPEN)
		s.open++;
	else if (state == P_CLOSED)
		s.closed++;
	else
		s.timeout++;
	s.running--;
	report_ready();
	start_more();
}

/* A connect succeeded: open, unless the socket reached itself. */
static void
connected(struct probe *p)
{
	if (net_self_connected(p->fd))
		decided(p, P_CLOSED, ERR_SELF);
	else
		decided(p, P_OPEN, 0);
}

static void
probe_cb(evutil_socket_t fd, short what, void *arg)
{
	struct probe *p = arg;
	int err = 0;
	socklen_t len = sizeof(err);

	if (what & EV_TIMEOUT) {
		decided(p, P_TIMEOUT, ETIMEDOUT);
		return;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
		err = errno;
	if (err == 0)
		connected(p);
	else
		decided(p, P_CLOSED, err);
}

static void
start(struct probe *p)
{
	struct sockaddr_storage sa = s.addr;

	p->state = P_PENDING;
	s.running++;
	if (sa.ss_family == AF_INET)
		((struct sockaddr_in *)&sa)->sin_port = htons(p->port);
	else
		((struct sockaddr_in6 *)&sa)->sin6_port = htons(p->port);
	p->fd = net_socket_for(s.ai);
	if (p->fd < 0) {
		decided(p, P_CLOSED, errno);
		return;
	}
	if (connect(p->fd, (struct sockaddr *)&sa, s.addrlen) == 0) {
		connected(p);
		return;
	}
	if (errno != EINPROGRESS) {
		decided(p, P_CLOSED, errno);
		return;
	}
	p->ev = event_new(ec.base, p->fd, EV_WRITE, probe_cb, p);
	if (p->ev == NULL || event_add(p->ev, &s.tv) != 0)
		cli_diex("cannot watch a connect");
}

static void
start_more(void)
{
	static int starting;

	/* decided() calls back in here; one loop is enough. */
	if (starting)
		return;
	starting = 1;
	while (s.running < s.parallel && s.next_start < s.n)
		start(&s.p[s.next_start++]);
	starting = 0;
	if (s.running == 0 && s.next_start == s.n) {
		evcat_verbose("%s: %d open, %d closed, %d timed out", s.host,
		    s.open, s.closed, s.timeout);
		evutil_freeaddrinfo(s.ai);
		s.ai = NULL;
		evcat_exit(s.open > 0 ? 0 : 1);
	}
}

void
scan_start(void)
{
	struct rlimit rl;
	char buf[128];
	char *colon;

	parse_ports();
	s.ai = net_resolve(ec.o.host, "0", SOCK_STREAM, 0);
	memcpy(&s.addr, s.ai->ai_addr, s.ai->ai_addrlen);
	s.addrlen = s.ai->ai_addrlen;
	/* The bare address, for the report. */
	net_addr_str(s.ai->ai_addr, s.ai->ai_addrlen, buf, sizeof(buf));
	colon = strrchr(buf, ':');
	if (colon != NULL)
		*colon = '\0';
	snprintf(s.host, sizeof(s.host), "%s", buf);
	if (ec.o.wait_ms > 0)
		s.tv = evcat_ms_tv(ec.o.wait_ms);
	else
		s.tv.tv_sec = SCAN_TIMEOUT;
	s.parallel = SCAN_PARALLEL;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
	    rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < SCAN_PARALLEL + 32)
		s.parallel = rl.rlim_cur > 40 ? (int)rl.rlim_cur - 32 : 8;
	evcat_verbose("scanning %d port(s) of %s, %d at a time", s.n, s.host,
	    s.parallel);
	start_more();
}
