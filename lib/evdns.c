/*
 * evdns.c: the asynchronous resolver of <event2/dns.h> and the any-type
 * queries of <event2/dns_query.h>.
 *
 * A request asks one name at a time (the name as given or one made with
 * the search list), one try at a time: a try is a query with a fresh ID
 * from the secure RNG, sent to one nameserver from a connect()ed UDP
 * socket (or over TCP, evdns_tcp.c), and a timer.  A reply is taken only
 * on the socket (so from the address) it was asked on, with the try's ID
 * and question; anything else is counted and dropped, and the try keeps
 * waiting.  An unanswered try moves to the next nameserver; max-timeouts
 * of them in a row mark a nameserver down until a probe gets a reply.
 * Callbacks run from the loop through a deferred callback, never from
 * inside the call that made or ended the request.
 *
 * UDP sockets: each is connect()ed to its nameserver, so the kernel drops
 * datagrams from anyone else, and bound to a port the kernel picks at
 * random.  While few requests are in flight every query gets a socket of
 * its own (a fresh port per query); under load (more than 16 in flight)
 * 16 queries in a row share one before it is retired, because a socket
 * per query costs 7 syscalls and caps a loop near 35,000 queries/s.  The
 * "udp-share:" option (evkit's) fixes the number: 1 is always a fresh
 * port.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <event2/event.h>
#include <event2/event_struct.h>
#include <event2/util.h>
#include <event2/dns.h>
#include <event2/dns_query.h>

#include "bufferevent-internal.h"
#include "event-internal.h"
#include "evthread-internal.h"
#include "log-internal.h"
#include "mm-internal.h"
#include "util-internal.h"
#include "dns-wire-internal.h"
#include "evdns-internal.h"
#include "evdns-core-internal.h"

/* Defaults, as libevent 2.1 has them. */
#define DEFAULT_TIMEOUT_MSEC 5000
#define DEFAULT_ATTEMPTS 3
#define DEFAULT_MAX_TIMEOUTS 3
#define DEFAULT_MAX_INFLIGHT 64
#define DEFAULT_PROBE_MSEC 10000
#define MAX_PROBE_SEC 3600
#define DEFAULT_SKEW_MSEC 3000
#define DEFAULT_TCP_IDLE_MSEC 10000
/* "udp-share:" unset: a fresh socket per query while at most
 * AUTO_SHARE_ABOVE requests are in flight; above, AUTO_SHARE queries in a
 * row share one.  Measured with bench/dns-vs-libevent (200 in flight, NSD
 * on loopback, 2 cores): 1 per socket 35,000 q/s (7 syscalls a query),
 * 8: 64,000, 16: 93,000, 32: 98,000. */
#define AUTO_SHARE_ABOVE 16
#define AUTO_SHARE 16

#define LOCK(b) EVLOCK_LOCK((b)->lock, 0)
#define UNLOCK(b) EVLOCK_UNLOCK((b)->lock, 0)

static evdns_debug_log_fn_type evdns_log_fn;

static void request_start_try(struct evdns_request *req);
static void send_current(struct evdns_request *req);
static void request_finish(struct evdns_request *req, int err);
static void pump_waiting(struct evdns_base *base);
static void nameserver_set_down(struct nameserver *ns);
static void nameserver_set_up(struct nameserver *ns);

/* Logging: through evdns_set_log_fn's function, else lib/log.c. */
static void evdns_log(int severity, const char *fmt, ...) EV_CHECK_FMT(2, 3);
static void
evdns_log(int severity, const char *fmt, ...)
{
	va_list ap;

	if (evdns_log_fn) {
		char msg[512];

		va_start(ap, fmt);
		(void)vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
		evdns_log_fn(severity >= EVENT_LOG_WARN, msg);
		return;
	}
	if (severity == EVENT_LOG_DEBUG && !EVENT_DEBUG_ON_())
		return;
	va_start(ap, fmt);
	event_logv_(severity, NULL, fmt, ap);
	va_end(ap);
}

void
evdns_set_log_fn(evdns_debug_log_fn_type fn)
{
	evdns_log_fn = fn;
}

void
evdns_set_transaction_id_fn(ev_uint16_t (*fn)(void))
{
	(void)fn;
}

void
evdns_set_random_bytes_fn(void (*fn)(char *, size_t))
{
	(void)fn;
}

const char *
evdns_err_to_string(int err)
{
	switch (err) {
	case DNS_ERR_NONE:
		return "no error";
	case DNS_ERR_FORMAT:
		return "misformatted query";
	case DNS_ERR_SERVERFAILED:
		return "server failed";
	case DNS_ERR_NOTEXIST:
		return "name does not exist";
	case DNS_ERR_NOTIMPL:
		return "query not implemented";
	case DNS_ERR_REFUSED:
		return "refused";
	case DNS_ERR_TRUNCATED:
		return "reply truncated or ill-formed";
	case DNS_ERR_UNKNOWN:
		return "unknown";
	case DNS_ERR_TIMEOUT:
		return "request timed out";
	case DNS_ERR_SHUTDOWN:
		return "dns subsystem shut down";
	case DNS_ERR_CANCEL:
		return "dns request canceled";
	case DNS_ERR_NODATA:
		return "no records in the reply";
	default:
		return "[Unknown error code]";
	}
}

/* ---- What evdns-internal.h promises the other evdns files. ---- */

void
evdns_base_lock_(struct evdns_base *base)
{
	LOCK(base);
}

void
evdns_base_unlock_(struct evdns_base *base)
{
	UNLOCK(base);
}

struct event_base *
evdns_base_get_event_base_(struct evdns_base *base)
{
	return base->event_base;
}

struct evdns_hosts **
evdns_base_hosts_(struct evdns_base *base)
{
	return &base->hosts;
}

void
evdns_request_silence_(struct evdns_request *req)
{
	req->user_cb = NULL;
	req->query_cb = NULL;
}

struct evdns_getaddrinfo_request **
evdns_base_gai_head_(struct evdns_base *base)
{
	return &base->gai_head;
}

int
evdns_base_getaddrinfo_allow_skew_msec_(struct evdns_base *base)
{
	int v;

	LOCK(base);
	v = base->allow_skew_msec;
	UNLOCK(base);
	return v;
}

/* ---- IDs ---- */

static ev_uint16_t
random_u16(struct evdns_base *base)
{
	ev_uint16_t v;

	if (base->rng_left < 2) {
		evutil_secure_rng_get_bytes(base->rng, sizeof(base->rng));
		base->rng_left = sizeof(base->rng);
	}
	base->rng_left -= 2;
	memcpy(&v, base->rng + base->rng_left, 2);
	return v;
}

/* Bits for dns_name_randomize_case_, from the base's batch: a getrandom
 * per query would be one in eight of its syscalls (measured). */
static ev_uint16_t
random_u16_cb(void *base)
{
	return random_u16(base);
}

static struct evdns_request **
id_bucket(struct evdns_base *base, ev_uint16_t id)
{
	return &base->ids[id % EVDNS_ID_BUCKETS];
}

static struct evdns_request *
id_find(struct evdns_base *base, ev_uint16_t id)
{
	struct evdns_request *r;

	for (r = *id_bucket(base, id); r; r = r->id_next)
		if (r->id == id)
			return r;
	return NULL;
}

/* Gives req an ID no other request of base has now, and hashes it. */
static void
id_assign(struct evdns_request *req)
{
	struct evdns_base *base = req->base;
	struct evdns_request **b;
	ev_uint16_t id;

	do
		id = random_u16(base);
	while (id_find(base, id));
	req->id = id;
	b = id_bucket(base, id);
	req->id_next = *b;
	*b = req;
	req->hashed = 1;
}

static void
id_unhash(struct evdns_request *req)
{
	struct evdns_request **p;

	if (!req->hashed)
		return;
	for (p = id_bucket(req->base, req->id); *p; p = &(*p)->id_next) {
		if (*p == req) {
			*p = req->id_next;
			break;
		}
	}
	req->hashed = 0;
	req->id_next = NULL;
}

/* ---- UDP sockets ---- */

static void udp_read_cb(evutil_socket_t fd, short what, void *arg);

static void
udp_sock_close(struct evdns_udp_sock *s)
{
	event_del(&s->ev);
	evutil_closesocket(s->fd);
	mm_free(s);
}

/* The socket is no longer used by the request that used it. */
static void
udp_sock_release(struct evdns_udp_sock *s)
{
	struct nameserver *ns = s->ns;

	s->users--;
	s->owner = NULL;
	if (s->users > 0 || s->in_read)
		return;
	if (ns && ns->udp == s) {
		if (s->uses_left > 0)
			return;
		ns->udp = NULL;
	}
	udp_sock_close(s);
}

static int
set_bufsize(evutil_socket_t fd, int opt, int size)
{
	if (size <= 0)
		return 0;
	return setsockopt(fd, SOL_SOCKET, opt, &size, sizeof(size));
}

/* The port of bind-to, 0 when none was given. */
static int
bind_port(const struct evdns_base *base)
{
	if (base->bind_addr.ss_family == AF_INET)
		return ntohs(
		    ((const struct sockaddr_in *)&base->bind_addr)->sin_port);
	if (base->bind_addr.ss_family == AF_INET6)
		return ntohs(
		    ((const struct sockaddr_in6 *)&base->bind_addr)->sin6_port);
	return 0;
}

evutil_socket_t
evdns_socket_(struct nameserver *ns, int type)
{
	struct evdns_base *base = ns->base;
	evutil_socket_t fd;

	fd = evutil_socket_(ns->addr.ss_family,
	    type | EVUTIL_SOCK_NONBLOCK | EVUTIL_SOCK_CLOEXEC, 0);
	if (fd < 0) {
		evdns_log(EVENT_LOG_WARN, "evdns: socket: %s", strerror(errno));
		return -1;
	}
	if (base->bind_len && base->bind_addr.ss_family == ns->addr.ss_family) {
		struct sockaddr_storage ss = base->bind_addr;

		/* bind-to's port, if any, is for UDP only. */
		if (type == SOCK_STREAM && ss.ss_family == AF_INET)
			((struct sockaddr_in *)&ss)->sin_port = 0;
		else if (type == SOCK_STREAM && ss.ss_family == AF_INET6)
			((struct sockaddr_in6 *)&ss)->sin6_port = 0;
		if (type == SOCK_DGRAM && bind_port(base)) {
			/* A fixed port: every nameserver's socket has it
			 * (connected sockets keep their replies apart). */
			int one = 1;

			(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one,
			    sizeof(one));
		}
		if (bind(fd, (struct sockaddr *)&ss, base->bind_len) < 0) {
			evdns_log(EVENT_LOG_WARN, "evdns: bind: %s",
			    strerror(errno));
			goto err;
		}
	}
	if (set_bufsize(fd, SO_RCVBUF, base->so_rcvbuf) < 0 ||
	    set_bufsize(fd, SO_SNDBUF, base->so_sndbuf) < 0) {
		evdns_log(EVENT_LOG_WARN, "evdns: setsockopt: %s",
		    strerror(errno));
		goto err;
	}
	if (connect(fd, (struct sockaddr *)&ns->addr, ns->addrlen) < 0 &&
	    (type != SOCK_STREAM || !EVUTIL_ERR_CONNECT_RETRIABLE(errno))) {
		evdns_log(EVENT_LOG_DEBUG, "evdns: connect: %s",
		    strerror(errno));
		goto err;
	}
	return fd;
err:
	evutil_closesocket(fd);
	return -1;
}

/* A new UDP socket for queries to ns. */
static struct evdns_udp_sock *
udp_sock_new(struct nameserver *ns)
{
	struct evdns_base *base = ns->base;
	struct evdns_udp_sock *s;
	evutil_socket_t fd;

	fd = evdns_socket_(ns, SOCK_DGRAM);
	if (fd < 0)
		return NULL;
	s = mm_calloc(1, sizeof(*s));
	if (!s)
		goto err;
	s->fd = fd;
	s->ns = ns;
	if (bind_port(base))
		s->uses_left = INT_MAX; /* one port: one socket, kept */
	else if (base->udp_share > 0)
		s->uses_left = base->udp_share;
	else if (base->n_inflight > AUTO_SHARE_ABOVE)
		s->uses_left = AUTO_SHARE;
	else
		s->uses_left = 1;
	event_assign(&s->ev, base->event_base, fd, EV_READ | EV_PERSIST,
	    udp_read_cb, s);
	/* The request's timer keeps the loop alive, not the socket. */
	s->ev.ev_flags |= EVLIST_INTERNAL;
	if (event_add(&s->ev, NULL) < 0) {
		mm_free(s);
		goto err;
	}
	return s;
err:
	evutil_closesocket(fd);
	return NULL;
}

/* A socket for one more query to ns. */
static struct evdns_udp_sock *
udp_sock_get(struct nameserver *ns)
{
	struct evdns_udp_sock *s = ns->udp;

	if (!s) {
		s = udp_sock_new(ns);
		if (!s)
			return NULL;
		if (s->uses_left > 1)
			ns->udp = s;
	}
	s->users++;
	if (--s->uses_left == 0 && ns->udp == s)
		ns->udp = NULL; /* retired: closed when its last user goes */
	return s;
}

static void
udp_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct evdns_udp_sock *s = arg;
	struct evdns_base *base = s->ns->base;
	int i;

	(void)what;
	LOCK(base);
	s->in_read = 1;
	/* At least one read, even with no user left: a stray datagram on an
	 * idle shared socket must be drained, not left to wake us forever. */
	for (i = 0; i < 64 && (i == 0 || s->users > 0); i++) {
		ssize_t n = recv(fd, base->rbuf, 65536, 0);

		if (n < 0) {
			int e = errno;

			if (EVUTIL_ERR_RW_RETRIABLE(e))
				break;
			/* An ICMP error (port unreachable): nobody is there.
			 * Only a one-query socket knows whose try failed. */
			if (s->owner && s->users == 1)
				evdns_try_failed_(s->owner, DNS_ERR_UNKNOWN);
			else
				base->ignored++;
			if (s->users > 0)
				continue;
			break;
		}
		evdns_reply_(base, base->rbuf, (size_t)n, s, NULL);
	}
	s->in_read = 0;
	if (s->users == 0 && (!s->ns || s->ns->udp != s)) {
		udp_sock_close(s);
	}
	UNLOCK(base);
}

/* ---- Nameservers ---- */

static struct nameserver *
nameserver_pick(struct evdns_base *base, struct nameserver *after)
{
	int i, start;

	if (base->n_servers == 0)
		return NULL;
	if (after) {
		for (start = 0; start < base->n_servers; start++)
			if (base->servers[start] == after)
				break;
		start = (start + 1) % base->n_servers;
	} else {
		start = base->next_server % base->n_servers;
		base->next_server = (start + 1) % base->n_servers;
	}
	for (i = 0; i < base->n_servers; i++) {
		struct nameserver *ns =
		    base->servers[(start + i) % base->n_servers];
		if (!ns->down)
			return ns;
	}
	/* All down: ask one anyway, as libevent does. */
	return base->servers[start];
}

static void probe_timer_cb(evutil_socket_t fd, short what, void *arg);
static void probe_done_cb(const struct evdns_query_result *res, void *arg);
static struct evdns_request *query_new(struct evdns_base *base,
    const char *name, const struct evdns_query_options *opts,
    evdns_query_callback cb, void *arg);
static int request_submit(struct evdns_request *req);

static void
probe_schedule(struct nameserver *ns)
{
	event_add(&ns->probe_ev, &ns->probe_delay);
}

static void
nameserver_set_down(struct nameserver *ns)
{
	char buf[128];

	if (ns->down)
		return;
	ns->down = 1;
	ns->probe_delay = ns->base->initial_probe;
	evdns_log(EVENT_LOG_WARN, "evdns: nameserver %s is down",
	    evutil_format_sockaddr_port_((struct sockaddr *)&ns->addr, buf,
	        sizeof(buf)));
	probe_schedule(ns);
}

static void
nameserver_set_up(struct nameserver *ns)
{
	char buf[128];

	ns->timeouts = 0;
	if (!ns->down)
		return;
	ns->down = 0;
	event_del(&ns->probe_ev);
	evdns_log(EVENT_LOG_MSG, "evdns: nameserver %s is back up",
	    evutil_format_sockaddr_port_((struct sockaddr *)&ns->addr, buf,
	        sizeof(buf)));
}

/* Sends a harmless query (". NS") to a down nameserver, and only to it. */
static void
probe_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct nameserver *ns = arg;
	struct evdns_base *base = ns->base;
	struct evdns_query_options o;
	struct evdns_request *req;

	(void)fd;
	(void)what;
	LOCK(base);
	if (!ns->down || ns->probe) {
		UNLOCK(base);
		return;
	}
	memset(&o, 0, sizeof(o));
	o.type = EVDNS_TYPE_NS;
	o.tries = 1;
	o.flags = EVDNS_QUERY_NO_RD;
	req = query_new(base, ".", &o, probe_done_cb, ns);
	if (req) {
		req->is_probe = 1;
		req->ns = ns;
		ns->probe = req;
		if (request_submit(req) < 0)
			ns->probe = NULL;
	}
	if (!ns->probe)
		probe_schedule(ns);
	UNLOCK(base);
}

/* Runs from the loop with the base unlocked, like any query callback. */
static void
probe_done_cb(const struct evdns_query_result *res, void *arg)
{
	(void)res;
	(void)arg; /* the request itself updates its nameserver */
}

/* A probe ended (called with the lock, before its callback). */
static void
probe_finished(struct evdns_request *req)
{
	struct nameserver *ns = req->ns;

	if (!ns || ns->probe != req)
		return;
	ns->probe = NULL;
	if (req->err == DNS_ERR_NONE) {
		nameserver_set_up(ns);
		return;
	}
	if (!ns->down)
		return;
	ns->probe_delay.tv_sec *= 3;
	ns->probe_delay.tv_usec *= 3;
	ns->probe_delay.tv_sec += ns->probe_delay.tv_usec / 1000000;
	ns->probe_delay.tv_usec %= 1000000;
	if (ns->probe_delay.tv_sec >= MAX_PROBE_SEC) {
		ns->probe_delay.tv_sec = MAX_PROBE_SEC;
		ns->probe_delay.tv_usec = 0;
	}
	probe_schedule(ns);
}

static void
nameserver_free(struct nameserver *ns)
{
	event_del(&ns->probe_ev);
	if (ns->tcp)
		evdns_tcp_conn_free_(ns->tcp);
	if (ns->udp) {
		struct evdns_udp_sock *s = ns->udp;

		ns->udp = NULL;
		s->ns = NULL;
		if (s->users == 0)
			udp_sock_close(s);
	}
	mm_free(ns);
}

static void
virtual_update(struct evdns_base *base)
{
	/* Without EVDNS_BASE_DISABLE_WHEN_INACTIVE libevent's sockets keep
	 * the loop running while there is a nameserver; so do we. */
	int want = !(base->flags & EVDNS_BASE_DISABLE_WHEN_INACTIVE) &&
	    base->n_servers > 0;

	if (want && !base->virtual_added) {
		event_base_add_virtual_(base->event_base);
		base->virtual_added = 1;
	} else if (!want && base->virtual_added) {
		event_base_del_virtual_(base->event_base);
		base->virtual_added = 0;
	}
}

static int
nameserver_add_nolock(struct evdns_base *base, const struct sockaddr *sa,
    ev_socklen_t len)
{
	struct nameserver *ns;
	int i;

	if (len > sizeof(ns->addr) ||
	    (sa->sa_family != AF_INET && sa->sa_family != AF_INET6))
		return 2;
	for (i = 0; i < base->n_servers; i++)
		if (!evutil_sockaddr_cmp((struct sockaddr *)&base->servers[i]
		                             ->addr,
		        sa, 1))
			return 3; /* already there, as libevent says */
	if (base->n_servers == base->cap_servers) {
		int cap = base->cap_servers ? base->cap_servers * 2 : 4;
		struct nameserver **n =
		    mm_realloc(base->servers, cap * sizeof(*n));
		if (!n)
			return 4;
		base->servers = n;
		base->cap_servers = cap;
	}
	ns = mm_calloc(1, sizeof(*ns));
	if (!ns)
		return 4;
	ns->base = base;
	memcpy(&ns->addr, sa, len);
	ns->addrlen = len;
	evtimer_assign(&ns->probe_ev, base->event_base, probe_timer_cb, ns);
	/* A down nameserver alone must not keep the loop running. */
	ns->probe_ev.ev_flags |= EVLIST_INTERNAL;
	base->servers[base->n_servers++] = ns;
	virtual_update(base);
	pump_waiting(base);
	return 0;
}

int
evdns_base_nameserver_sockaddr_add(struct evdns_base *base,
    const struct sockaddr *sa, ev_socklen_t len, unsigned flags)
{
	int r;

	if (!base || !sa || flags)
		return -1;
	LOCK(base);
	r = nameserver_add_nolock(base, sa, len);
	UNLOCK(base);
	return r;
}

int
evdns_base_nameserver_add(struct evdns_base *base, unsigned long int address)
{
	struct sockaddr_in sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = (ev_uint32_t)address;
	sin.sin_port = htons(53);
	return evdns_base_nameserver_sockaddr_add(base, (struct sockaddr *)&sin,
	    sizeof(sin), 0);
}

int
evdns_base_nameserver_ip_add(struct evdns_base *base, const char *ip)
{
	struct sockaddr_storage ss;
	int len = sizeof(ss);

	if (!ip)
		return 4;
	memset(&ss, 0, sizeof(ss));
	if (evutil_parse_sockaddr_port(ip, (struct sockaddr *)&ss, &len) < 0) {
		evdns_log(EVENT_LOG_WARN,
		    "evdns: unable to parse nameserver "
		    "address %s",
		    ip);
		return 4;
	}
	if (ss.ss_family == AF_INET &&
	    ((struct sockaddr_in *)&ss)->sin_port == 0)
		((struct sockaddr_in *)&ss)->sin_port = htons(53);
	else if (ss.ss_family == AF_INET6 &&
	    ((struct sockaddr_in6 *)&ss)->sin6_port == 0)
		((struct sockaddr_in6 *)&ss)->sin6_port = htons(53);
	return evdns_base_nameserver_sockaddr_add(base, (struct sockaddr *)&ss,
	    (ev_socklen_t)len, 0);
}

int
evdns_base_count_nameservers(struct evdns_base *base)
{
	int n;

	LOCK(base);
	n = base->n_servers;
	UNLOCK(base);
	return n;
}

int
evdns_base_get_nameserver_addr(struct evdns_base *base, int idx,
    struct sockaddr *sa, ev_socklen_t len)
{
	int r = -1;

	LOCK(base);
	if (idx >= 0 && idx < base->n_servers) {
		struct nameserver *ns = base->servers[idx];

		r = (int)ns->addrlen;
		if (ns->addrlen <= len)
			memcpy(sa, &ns->addr, ns->addrlen);
	}
	UNLOCK(base);
	return r;
}

/* Ends req's current try: its ID, socket, connection and timer. */
static void
try_end(struct evdns_request *req)
{
	id_unhash(req);
	event_del(&req->timer);
	if (req->udp) {
		struct evdns_udp_sock *s = req->udp;

		req->udp = NULL;
		udp_sock_release(s);
	}
	if (req->conn)
		evdns_tcp_detach_(req);
}

int
evdns_base_clear_nameservers_and_suspend(struct evdns_base *base)
{
	struct evdns_request *req;
	int i;

	LOCK(base);
	/* Probes end with their nameservers. */
	for (i = 0; i < base->n_servers; i++)
		if (base->servers[i]->probe)
			request_finish(base->servers[i]->probe,
			    DNS_ERR_SHUTDOWN);
	/* Requests in flight go back to the head of the queue, in order. */
	while ((req = TAILQ_LAST(&base->inflight, evdns_req_queue))) {
		TAILQ_REMOVE(&base->inflight, req, link);
		base->n_inflight--;
		try_end(req);
		req->ns = NULL;
		req->tries = 0;
		req->state = REQ_WAITING;
		TAILQ_INSERT_HEAD(&base->waiting, req, link);
	}
	for (i = 0; i < base->n_servers; i++)
		nameserver_free(base->servers[i]);
	base->n_servers = 0;
	base->next_server = 0;
	base->suspended = 1;
	virtual_update(base);
	UNLOCK(base);
	return 0;
}

int
evdns_base_resume(struct evdns_base *base)
{
	LOCK(base);
	base->suspended = 0;
	pump_waiting(base);
	UNLOCK(base);
	return 0;
}

/* ---- Search list ---- */

static void
search_clear_nolock(struct evdns_base *base)
{
	int i;

	for (i = 0; i < base->n_domains; i++)
		mm_free(base->domains[i]);
	mm_free(base->domains);
	base->domains = NULL;
	base->n_domains = 0;
}

void
evdns_base_search_clear(struct evdns_base *base)
{
	LOCK(base);
	search_clear_nolock(base);
	UNLOCK(base);
}

void
evdns_base_search_add(struct evdns_base *base, const char *domain)
{
	char **d, *s;
	size_t n;

	if (!domain)
		return;
	while (*domain == '.')
		domain++;
	n = strlen(domain);
	if (n == 0)
		return;
	LOCK(base);
	d = mm_realloc(base->domains, (base->n_domains + 1) * sizeof(*d));
	if (!d)
		goto out;
	base->domains = d;
	s = mm_strdup(domain);
	if (!s)
		goto out;
	if (n > 1 && s[n - 1] == '.')
		s[n - 1] = '\0';
	base->domains[base->n_domains++] = s;
out:
	UNLOCK(base);
}

void
evdns_base_search_ndots_set(struct evdns_base *base, const int ndots)
{
	LOCK(base);
	base->ndots = ndots < 0 ? 0 : ndots;
	UNLOCK(base);
}

static int
count_dots(const char *s)
{
	int n = 0;

	for (; *s; s++) {
		if (*s == '\\' && s[1]) {
			s++;
			continue;
		}
		n += *s == '.';
	}
	return n;
}

/*
 * The next name req asks: libevent's order is the name as given first
 * when it has ndots dots or more, then each search domain, then the name
 * as given if it was not tried first.  0, or -1 when none is left.
 */
static int
next_candidate(struct evdns_request *req)
{
	struct evdns_base *base = req->base;
	char *text = NULL;
	unsigned char wire[DNS_NAME_MAX];
	int len;

	for (;;) {
		mm_free(text);
		text = NULL;
		if (req->raw_pending &&
		    (req->raw_first || req->search_next < 0 ||
		        req->search_next >= base->n_domains)) {
			req->raw_pending = 0;
			text = mm_strdup(req->origname);
		} else if (req->search_next >= 0 &&
		    req->search_next < base->n_domains) {
			const char *dom = base->domains[req->search_next++];
			size_t n = strlen(req->origname) + strlen(dom) + 2;

			text = mm_malloc(n);
			if (text)
				(void)snprintf(text, n, "%s.%s", req->origname,
				    dom);
		} else {
			return -1;
		}
		req->raw_first = 0;
		if (!text)
			return -1;
		len = dns_name_from_text_(text, wire);
		if (len > 0)
			break; /* one too long with a domain: skip it */
	}
	mm_free(req->cur_text);
	req->cur_text = text;
	memcpy(req->qname, wire, (size_t)len);
	req->qname_len = len;
	req->tries = 0;
	return 0;
}

/* ---- Options ---- */

static int
parse_int(const char *val, int min, int max, int *out)
{
	char *end;
	long v;

	if (!val || !*val)
		return -1;
	errno = 0;
	v = strtol(val, &end, 10);
	if (errno || *end || end == val || v < min || v > max)
		return -1;
	*out = (int)v;
	return 0;
}

/* "5", "0.2", "1.5": seconds, as libevent's timeout: takes them. */
static int
parse_seconds(const char *val, struct timeval *tv)
{
	char *end;
	double d;

	if (!val || !*val)
		return -1;
	errno = 0;
	d = strtod(val, &end);
	if (errno || *end || end == val || !(d >= 0) || d > 86400 * 365)
		return -1;
	tv->tv_sec = (long)d;
	tv->tv_usec = (long)((d - (double)tv->tv_sec) * 1e6 + 0.5);
	if (tv->tv_usec >= 1000000) {
		tv->tv_sec++;
		tv->tv_usec -= 1000000;
	}
	if (tv->tv_sec == 0 && tv->tv_usec == 0)
		return -1;
	return 0;
}

static int
set_option_nolock(struct evdns_base *base, const char *option, const char *val)
{
	char name[32];
	size_t n = strlen(option);
	int v;

	if (n > 0 && option[n - 1] == ':')
		n--;
	if (n == 0 || n >= sizeof(name))
		return -1;
	memcpy(name, option, n);
	name[n] = '\0';

	if (!strcmp(name, "ndots")) {
		if (parse_int(val, 0, INT_MAX, &v) < 0)
			return -1;
		base->ndots = v;
	} else if (!strcmp(name, "timeout")) {
		struct timeval tv;

		if (parse_seconds(val, &tv) < 0)
			return -1;
		base->timeout = tv;
	} else if (!strcmp(name, "max-timeouts")) {
		if (parse_int(val, 1, 255, &v) < 0)
			return -1;
		base->max_timeouts = v;
	} else if (!strcmp(name, "max-inflight")) {
		if (parse_int(val, 1, INT_MAX, &v) < 0)
			return -1;
		base->max_inflight = v;
		pump_waiting(base);
	} else if (!strcmp(name, "attempts")) {
		if (parse_int(val, 1, 255, &v) < 0)
			return -1;
		base->attempts = v;
	} else if (!strcmp(name, "randomize-case")) {
		if (parse_int(val, 0, INT_MAX, &v) < 0)
			return -1;
		base->randomize_case = v != 0;
	} else if (!strcmp(name, "bind-to")) {
		struct sockaddr_storage ss;
		int len = sizeof(ss);

		memset(&ss, 0, sizeof(ss));
		if (!val ||
		    evutil_parse_sockaddr_port(val, (struct sockaddr *)&ss,
		        &len) < 0)
			return -1;
		base->bind_addr = ss;
		base->bind_len = (ev_socklen_t)len;
	} else if (!strcmp(name, "initial-probe-timeout")) {
		struct timeval tv;

		if (parse_seconds(val, &tv) < 0)
			return -1;
		if (tv.tv_sec > MAX_PROBE_SEC)
			tv.tv_sec = MAX_PROBE_SEC;
		base->initial_probe = tv;
	} else if (!strcmp(name, "getaddrinfo-allow-skew")) {
		struct timeval tv;

		if (parse_seconds(val, &tv) < 0)
			return -1;
		base->allow_skew_msec =
		    (int)(tv.tv_sec * 1000 + (tv.tv_usec + 999) / 1000);
	} else if (!strcmp(name, "so-rcvbuf")) {
		if (parse_int(val, 0, INT_MAX, &v) < 0)
			return -1;
		base->so_rcvbuf = v;
	} else if (!strcmp(name, "so-sndbuf")) {
		if (parse_int(val, 0, INT_MAX, &v) < 0)
			return -1;
		base->so_sndbuf = v;
	} else if (!strcmp(name, "udp-share")) {
		/* evkit's: queries per UDP socket (1 = a port per query). */
		if (parse_int(val, 1, 65536, &v) < 0)
			return -1;
		base->udp_share = v;
	} else if (!strcmp(name, "use-vc")) {
		/* glibc's resolv.conf word: "options use-vc" has no value. */
		if (!val || !*val)
			v = 1;
		else if (parse_int(val, 0, 1, &v) < 0)
			return -1;
		base->use_vc = v;
	} else if (!strcmp(name, "tcp-idle-timeout")) {
		struct timeval tv;

		if (parse_seconds(val, &tv) < 0)
			return -1;
		base->tcp_idle_msec = (int)evutil_tv_to_msec_(&tv);
	} else {
		/* libevent ignores resolv.conf options it does not know but
		 * reports them here. */
		return -1;
	}
	return 0;
}

int
evdns_base_set_option(struct evdns_base *base, const char *option,
    const char *val)
{
	int r;

	if (!base || !option)
		return -1;
	LOCK(base);
	r = set_option_nolock(base, option, val);
	UNLOCK(base);
	return r;
}

/* ---- The base ---- */

struct evdns_base *
evdns_base_new(struct event_base *event_base, int flags)
{
	struct evdns_base *base;

	if (!event_base)
		return NULL;
	if (flags &
	    ~(EVDNS_BASE_INITIALIZE_NAMESERVERS |
	        EVDNS_BASE_DISABLE_WHEN_INACTIVE |
	        EVDNS_BASE_NAMESERVERS_NO_DEFAULT)) {
		evdns_log(EVENT_LOG_WARN, "evdns_base_new: unknown flags %#x",
		    (unsigned)flags);
		return NULL;
	}
	base = mm_calloc(1, sizeof(*base));
	if (!base)
		return NULL;
	base->rbuf = mm_malloc(65536);
	if (!base->rbuf) {
		mm_free(base);
		return NULL;
	}
	EVTHREAD_ALLOC_LOCK(base->lock, EVTHREAD_LOCKTYPE_RECURSIVE);
	base->event_base = event_base;
	base->flags = flags;
	TAILQ_INIT(&base->waiting);
	TAILQ_INIT(&base->inflight);
	TAILQ_INIT(&base->done);
	base->ndots = 1;
	base->timeout.tv_sec = DEFAULT_TIMEOUT_MSEC / 1000;
	base->max_timeouts = DEFAULT_MAX_TIMEOUTS;
	base->max_inflight = DEFAULT_MAX_INFLIGHT;
	base->attempts = DEFAULT_ATTEMPTS;
	base->randomize_case = 1;
	base->initial_probe.tv_sec = DEFAULT_PROBE_MSEC / 1000;
	base->allow_skew_msec = DEFAULT_SKEW_MSEC;
	base->udp_share = 0; /* auto */
	base->tcp_idle_msec = DEFAULT_TCP_IDLE_MSEC;
	bufferevent_set_resolver_(evdns_getaddrinfo, evdns_getaddrinfo_cancel);

	if (flags & EVDNS_BASE_INITIALIZE_NAMESERVERS) {
		int opts = DNS_OPTIONS_ALL;

		if (flags & EVDNS_BASE_NAMESERVERS_NO_DEFAULT)
			opts |= DNS_OPTION_NAMESERVERS_NO_DEFAULT;
		/* libevent fails the base only when this returns -1, which
		 * it never does: a missing file means 127.0.0.1. */
		(void)evdns_base_resolv_conf_parse(base, opts,
		    "/etc/resolv.conf");
	}
	return base;
}

static void
request_free(struct evdns_request *req)
{
	mm_free(req->origname);
	mm_free(req->cur_text);
	mm_free(req->addrs);
	mm_free(req->ptr_name);
	if (req->msg)
		evdns_msg_free(req->msg);
	mm_free(req);
}

void
evdns_base_free(struct evdns_base *base, int fail_requests)
{
	struct evdns_request *req;
	int i;

	if (!base)
		return;
	LOCK(base);
	base->suspended = 1; /* nothing new starts while we free */
	/* Lookups hold their queries and may have a timer armed: they go
	 * first, or a later skew timer would reach freed queries. */
	if (!fail_requests)
		evdns_gai_drop_all_(base);
	/* Probes first: they are not the program's. */
	for (i = 0; i < base->n_servers; i++) {
		struct nameserver *ns = base->servers[i];

		if (ns->probe) {
			req = ns->probe;
			ns->probe = NULL;
			req->is_probe = 0;
			try_end(req);
			TAILQ_REMOVE(&base->inflight, req, link);
			request_free(req);
		}
	}
	while ((req = TAILQ_FIRST(&base->inflight)) ||
	    (req = TAILQ_FIRST(&base->waiting))) {
		if (fail_requests) {
			request_finish(req, DNS_ERR_SHUTDOWN);
		} else {
			if (req->state == REQ_INFLIGHT) {
				try_end(req);
				TAILQ_REMOVE(&base->inflight, req, link);
			} else {
				TAILQ_REMOVE(&base->waiting, req, link);
			}
			request_free(req);
		}
	}
	/* Finished requests (and, with fail_requests, those just failed)
	 * still get their callbacks from the loop, as in libevent: they no
	 * longer need the base. */
	while ((req = TAILQ_FIRST(&base->done))) {
		TAILQ_REMOVE(&base->done, req, link);
		req->base = NULL;
	}
	evdns_gai_detach_all_(base);
	for (i = 0; i < base->n_servers; i++)
		nameserver_free(base->servers[i]);
	base->n_servers = 0;
	virtual_update(base);
	mm_free(base->servers);
	search_clear_nolock(base);
	evdns_hosts_free_(base->hosts);
	mm_free(base->rbuf);
	UNLOCK(base);
	EVTHREAD_FREE_LOCK(base->lock, EVTHREAD_LOCKTYPE_RECURSIVE);
	mm_free(base);
}

/* ---- Requests ---- */

static void request_timeout_cb(evutil_socket_t fd, short what, void *arg);
static void request_done_cb(struct event_callback *cb, void *arg);

static struct evdns_request *
request_alloc(struct evdns_base *base, const char *name, int search)
{
	struct evdns_request *req;
	size_t n;

	req = mm_calloc(1, sizeof(*req));
	if (!req)
		return NULL;
	req->base = base;
	req->origname = mm_strdup(name);
	if (!req->origname) {
		mm_free(req);
		return NULL;
	}
	n = strlen(name);
	req->search_next = -1;
	req->raw_pending = 1;
	/* A name with the final dot is absolute: never searched. */
	if (search && base->n_domains > 0 && n > 0 && name[n - 1] != '.') {
		req->search_next = 0;
		req->raw_first = count_dots(name) >= base->ndots;
	}
	req->qclass = EVDNS_CLASS_IN;
	req->hdr_flags = EVDNS_MSG_RD;
	req->edns_size = DNS_EDNS_DEFAULT_UDP;
	req->timeout = base->timeout;
	req->max_tries = base->attempts;
	evtimer_assign(&req->timer, base->event_base, request_timeout_cb, req);
	event_deferred_cb_init_(&req->done, 0, request_done_cb, req);
	if (next_candidate(req) < 0) {
		request_free(req);
		return NULL;
	}
	return req;
}

/*
 * Queues req, or starts it.  With no nameserver (and not suspended) it
 * fails with DNS_ERR_UNKNOWN from the loop.  0, or -1 (nothing queued).
 */
static int
request_submit(struct evdns_request *req)
{
	struct evdns_base *base = req->base;

	if (req->is_probe) {
		req->state = REQ_INFLIGHT;
		/* Not counted against max-inflight. */
		TAILQ_INSERT_TAIL(&base->inflight, req, link);
		request_start_try(req);
		return 0;
	}
	req->state = REQ_WAITING;
	TAILQ_INSERT_TAIL(&base->waiting, req, link);
	if (base->n_servers == 0 && !base->suspended) {
		request_finish(req, DNS_ERR_UNKNOWN);
		return 0;
	}
	pump_waiting(base);
	return 0;
}

static void
pump_waiting(struct evdns_base *base)
{
	struct evdns_request *req;

	while (!base->suspended && base->n_servers > 0 &&
	    base->n_inflight < base->max_inflight &&
	    (req = TAILQ_FIRST(&base->waiting))) {
		TAILQ_REMOVE(&base->waiting, req, link);
		req->state = REQ_INFLIGHT;
		TAILQ_INSERT_TAIL(&base->inflight, req, link);
		base->n_inflight++;
		request_start_try(req);
	}
}

static void
build_packet(struct evdns_request *req)
{
	struct dns_query_spec q;
	int n;

	memset(&q, 0, sizeof(q));
	q.id = req->id;
	q.flags = req->hdr_flags;
	if (req->base->randomize_case)
		dns_name_randomize_case_(req->qname, random_u16_cb, req->base);
	q.qname = req->qname;
	q.qtype = req->qtype;
	q.qclass = req->qclass;
	if (!(req->qflags & EVDNS_QUERY_NO_EDNS)) {
		q.edns_udp_size = req->edns_size;
		q.edns_flags = req->edns_flags;
	}
	n = dns_query_build_(&q, req->pkt, sizeof(req->pkt));
	req->pkt_len = n < 0 ? 0 : n;
}

static void
arm_timer(struct evdns_request *req)
{
	event_add(&req->timer, &req->timeout);
}

/*
 * Sends the current candidate once: to the next nameserver after the one
 * asked last (a new request takes the base's round-robin turn).
 */
static void
request_start_try(struct evdns_request *req)
{
	struct evdns_base *base = req->base;
	struct nameserver *ns;

	if (!req->is_probe) {
		ns = nameserver_pick(base, req->ns);
		if (!ns) {
			request_finish(req, DNS_ERR_UNKNOWN);
			return;
		}
		req->ns = ns;
	}
	if (base->use_vc)
		req->tcp = 1;
	req->tries++;
	send_current(req);
}

/* Sends the current candidate to req->ns, with a new ID: a try, or its
 * continuation (over TCP after TC, without EDNS after FORMERR). */
static void
send_current(struct evdns_request *req)
{
	struct nameserver *ns = req->ns;

	id_assign(req);
	build_packet(req);
	if (req->pkt_len == 0) {
		request_finish(req, DNS_ERR_UNKNOWN);
		return;
	}
	req->sent_total++;
	evutil_gettimeofday(&req->sent_at, NULL);
	arm_timer(req);
	if (req->tcp) {
		if (evdns_tcp_send_(req) < 0)
			evdns_try_failed_(req,
			    req->from_tc ? DNS_ERR_TRUNCATED : DNS_ERR_UNKNOWN);
		return;
	}
	req->udp = udp_sock_get(ns);
	if (!req->udp) {
		evdns_try_failed_(req, DNS_ERR_UNKNOWN);
		return;
	}
	if (req->udp->uses_left == 0 && req->udp->users == 1)
		req->udp->owner = req;
	if (send(req->udp->fd, req->pkt, (size_t)req->pkt_len, 0) < 0) {
		int e = errno;

		/* A full buffer is a lost datagram: the timer retries. */
		if (!EVUTIL_ERR_RW_RETRIABLE(e) && e != ENOBUFS) {
			evdns_log(EVENT_LOG_DEBUG, "evdns: send: %s",
			    strerror(e));
			evdns_try_failed_(req, DNS_ERR_UNKNOWN);
		}
	}
}

/* Another try of the current candidate, or the end with err. */
static void
request_retry_or_fail(struct evdns_request *req, int err)
{
	if (req->pending_err)
		err = req->pending_err;
	if (!req->is_probe && req->tries < req->max_tries &&
	    req->base->n_servers > 0) {
		request_start_try(req);
		return;
	}
	request_finish(req, err);
}

void
evdns_try_failed_(struct evdns_request *req, int err)
{
	if (req->state != REQ_INFLIGHT)
		return;
	try_end(req);
	if (err == DNS_ERR_TRUNCATED) {
		/* The server answered over UDP: it is not down. */
		request_finish(req, err);
		return;
	}
	if (req->ns && ++req->ns->timeouts >= req->base->max_timeouts)
		nameserver_set_down(req->ns);
	request_retry_or_fail(req, err);
}

static void
request_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	struct evdns_request *req = arg;
	struct evdns_base *base = req->base;

	(void)fd;
	(void)what;
	LOCK(base);
	try_end(req);
	if (req->ns) {
		req->ns->timeouts++;
		if (req->ns->timeouts >= base->max_timeouts)
			nameserver_set_down(req->ns);
	}
	request_retry_or_fail(req, DNS_ERR_TIMEOUT);
	UNLOCK(base);
}

/*
 * Ends req with err: it leaves the queues, and its callback is scheduled
 * on the loop.  Also used on waiting requests (cancel, shutdown).
 */
static void
request_finish(struct evdns_request *req, int err)
{
	struct evdns_base *base = req->base;

	if (req->state == REQ_DONE)
		return;
	if (req->state == REQ_INFLIGHT) {
		try_end(req);
		TAILQ_REMOVE(&base->inflight, req, link);
		if (!req->is_probe)
			base->n_inflight--;
	} else {
		TAILQ_REMOVE(&base->waiting, req, link);
	}
	req->state = REQ_DONE;
	req->err = err;
	if (req->ns) {
		memcpy(&req->from, &req->ns->addr, req->ns->addrlen);
		req->from_len = req->ns->addrlen;
	}
	if (req->is_probe)
		probe_finished(req);
	TAILQ_INSERT_TAIL(&base->done, req, link);
	event_deferred_cb_schedule_(base->event_base, &req->done);
	pump_waiting(base);
}

static void
request_done_cb(struct event_callback *cb, void *arg)
{
	struct evdns_request *req = arg;
	struct evdns_base *base = req->base;

	(void)cb;
	if (base) {
		LOCK(base);
		TAILQ_REMOVE(&base->done, req, link);
		UNLOCK(base);
	}
	if (req->query_cb) {
		struct evdns_query_result r;
		struct timeval now, d;

		memset(&r, 0, sizeof(r));
		r.err = req->err;
		r.msg = req->err == DNS_ERR_NONE ? req->msg : NULL;
		r.qname = req->cur_text;
		if (req->from_len) {
			r.server = (struct sockaddr *)&req->from;
			r.server_len = req->from_len;
		}
		r.tries = req->sent_total;
		r.tcp = req->got_tcp;
		r.conn_err = req->conn_err;
		if (r.msg) {
			evutil_gettimeofday(&now, NULL);
			evutil_timersub(&now, &req->sent_at, &d);
			r.rtt_usec = d.tv_sec * 1000000L + d.tv_usec;
		}
		req->query_cb(&r, req->arg);
	} else if (req->user_cb) {
		if (req->err == DNS_ERR_NONE) {
			if (req->rtype == DNS_PTR)
				req->user_cb(DNS_ERR_NONE, DNS_PTR, 1, req->ttl,
				    &req->ptr_name, req->arg);
			else
				req->user_cb(DNS_ERR_NONE, req->rtype,
				    req->count, req->ttl, req->addrs, req->arg);
		} else {
			req->user_cb(req->err, 0, 0, req->ttl, NULL, req->arg);
		}
	}
	request_free(req);
}

/* ---- Replies ---- */

/* Follows the CNAMEs of the answer section (starting at start) from
 * target, which ends as the last name of the chain; *ttl is lowered to
 * the chain's smallest TTL.  0, or -1 when malformed. */
static int
follow_cnames(const unsigned char *buf, size_t len, size_t start,
    unsigned char *target, ev_uint32_t *ttl)
{
	unsigned char owner[DNS_NAME_MAX];
	unsigned an = dns_get16(buf + 6), i, pass;
	int changed = 1;

	/* Each pass follows every link it finds, so a chain in any order
	 * (or a loop) ends after at most `an` passes. */
	for (pass = 0; changed && pass <= an; pass++) {
		size_t pos = start;

		changed = 0;
		for (i = 0; i < an; i++) {
			struct dns_rr_head h;
			size_t p;

			if (dns_rr_read_(buf, len, &pos, owner, &h) < 0)
				return -1;
			if (h.type != EVDNS_TYPE_CNAME ||
			    !dns_name_equal_(owner, target, 0))
				continue;
			p = h.rdata;
			if (dns_name_unpack_(buf, len, &p, target) < 0)
				return -1;
			if (h.ttl < *ttl)
				*ttl = h.ttl;
			changed = 1;
		}
	}
	return 0;
}

/* The first PTR record's name, without the final dot, in req. */
static int
take_ptr(struct evdns_request *req, const unsigned char *buf, size_t len,
    size_t rdata)
{
	unsigned char nm[DNS_NAME_MAX];
	char text[1024];
	int n;

	if (dns_name_unpack_(buf, len, &rdata, nm) < 0 ||
	    (n = dns_name_to_text_(nm, text, sizeof(text))) < 0)
		return -1;
	if (n > 1 && text[n - 1] == '.')
		text[n - 1] = '\0';
	req->ptr_name = mm_strdup(text);
	return req->ptr_name ? 0 : DNS_ERR_UNKNOWN;
}

/*
 * The A, AAAA or PTR records of a reply, following CNAMEs from the name
 * asked.  Only the answer section is read, every read bounds-checked.
 * DNS_ERR_NONE with req->count/addrs/ptr_name/ttl set, DNS_ERR_NODATA,
 * or -1 when the message is malformed.
 */
static int
extract_answers(struct evdns_request *req, const unsigned char *buf, size_t len,
    size_t start)
{
	unsigned char target[DNS_NAME_MAX], owner[DNS_NAME_MAX];
	unsigned an = dns_get16(buf + 6), i, pass;
	ev_uint16_t want = req->qtype;
	size_t asize = want == EVDNS_TYPE_AAAA ? 16 : 4, k = 0;
	ev_uint32_t ttl = 0xffffffffu;
	int count = 0, r;

	/* What an earlier, ignored reply may have left. */
	mm_free(req->addrs);
	req->addrs = NULL;
	mm_free(req->ptr_name);
	req->ptr_name = NULL;
	memcpy(target, req->qname, (size_t)req->qname_len);
	if (follow_cnames(buf, len, start, target, &ttl) < 0)
		return -1;
	/* Pass 0 counts (and takes a PTR), pass 1 copies the addresses. */
	for (pass = 0; pass < 2; pass++) {
		size_t pos = start;

		for (i = 0; i < an; i++) {
			struct dns_rr_head h;

			if (dns_rr_read_(buf, len, &pos, owner, &h) < 0)
				return -1;
			if (h.type != want || h.rclass != EVDNS_CLASS_IN ||
			    !dns_name_equal_(owner, target, 0))
				continue;
			if (want == EVDNS_TYPE_PTR) {
				if (count)
					continue;
				if ((r = take_ptr(req, buf, len, h.rdata)) != 0)
					return r;
			} else if (h.rdlen != asize) {
				continue;
			} else if (pass == 1) {
				memcpy((char *)req->addrs + k++ * asize,
				    buf + h.rdata, asize);
				continue;
			}
			count++;
			if (h.ttl < ttl)
				ttl = h.ttl;
		}
		if (count == 0)
			return DNS_ERR_NODATA;
		if (want == EVDNS_TYPE_PTR)
			break;
		if (pass == 0) {
			req->addrs = mm_calloc((size_t)count, asize);
			if (!req->addrs)
				return DNS_ERR_UNKNOWN;
		}
	}
	req->count = count;
	req->ttl = ttl > INT_MAX ? INT_MAX : (int)ttl;
	return DNS_ERR_NONE;
}

/*
 * The TTL of a negative answer (RFC 2308): the smaller of the SOA's TTL
 * and its MINIMUM field, from the authority section; 0 without one (or
 * when the message is malformed), as libevent reports it.
 */
static int
negative_ttl(const unsigned char *buf, size_t len, size_t pos)
{
	unsigned char name[DNS_NAME_MAX];
	unsigned an = dns_get16(buf + 6), n = an + dns_get16(buf + 8), i;
	ev_uint32_t best = 0xffffffffu;

	for (i = 0; i < n; i++) {
		struct dns_rr_head h;

		if (dns_rr_read_(buf, len, &pos, name, &h) < 0)
			return 0;
		/* Answers come first; only the authority's SOA counts. */
		if (i >= an && h.type == EVDNS_TYPE_SOA &&
		    h.rclass == EVDNS_CLASS_IN && h.rdlen >= 22) {
			ev_uint32_t min =
			    dns_get32(buf + h.rdata + h.rdlen - 4);

			if (h.ttl < best)
				best = h.ttl;
			if (min < best)
				best = min;
		}
	}
	if (best == 0xffffffffu)
		return 0;
	return best > INT_MAX ? INT_MAX : (int)best;
}

static int
rcode_error(int rcode)
{
	switch (rcode) {
	case EVDNS_RCODE_FORMERR:
		return DNS_ERR_FORMAT;
	case EVDNS_RCODE_SERVFAIL:
		return DNS_ERR_SERVERFAILED;
	case EVDNS_RCODE_NXDOMAIN:
		return DNS_ERR_NOTEXIST;
	case EVDNS_RCODE_NOTIMP:
		return DNS_ERR_NOTIMPL;
	case EVDNS_RCODE_REFUSED:
		return DNS_ERR_REFUSED;
	default:
		return DNS_ERR_UNKNOWN;
	}
}

/* The request the reply answers, or NULL (counted as ignored). */
static struct evdns_request *
reply_match(struct evdns_base *base, const unsigned char *buf, size_t len,
    struct evdns_udp_sock *udp, struct evdns_tcp_conn *conn, size_t *qend)
{
	unsigned char name[DNS_NAME_MAX];
	struct evdns_request *req;
	size_t pos = DNS_HEADER_LEN;
	ev_uint16_t flags, qd;

	if (len < DNS_HEADER_LEN)
		return NULL;
	req = id_find(base, dns_get16(buf));
	if (!req || req->state != REQ_INFLIGHT)
		return NULL;
	if (udp ? req->udp != udp : (!req->tcp || req->conn != conn))
		return NULL;
	flags = dns_get16(buf + 2);
	qd = dns_get16(buf + 4);
	if (!(flags & EVDNS_MSG_QR) || ((flags >> 11) & 0xf) != 0)
		return NULL;
	if (qd != 1)
		return NULL;
	if (dns_name_unpack_(buf, len, &pos, name) < 0 || pos + 4 > len)
		return NULL;
	if (!dns_name_equal_(name, req->qname, req->base->randomize_case) ||
	    dns_get16(buf + pos) != req->qtype ||
	    dns_get16(buf + pos + 2) != req->qclass)
		return NULL;
	*qend = pos + 4;
	return req;
}

void
evdns_reply_(struct evdns_base *base, const unsigned char *buf, size_t len,
    struct evdns_udp_sock *udp, struct evdns_tcp_conn *conn)
{
	struct evdns_request *req;
	struct nameserver *ns;
	size_t qend = 0;
	ev_uint16_t flags;
	int rcode, err;

	req = reply_match(base, buf, len, udp, conn, &qend);
	if (!req) {
		base->ignored++;
		evdns_log(EVENT_LOG_DEBUG, "evdns: ignored a reply (%zu bytes)",
		    len);
		return;
	}
	ns = req->ns;
	flags = dns_get16(buf + 2);
	rcode = flags & 0xf;

	if ((flags & EVDNS_MSG_TC) && !req->tcp &&
	    !(req->qflags & EVDNS_QUERY_IGNORE_TC)) {
		/* Ask the same server again over TCP; not another attempt. */
		nameserver_set_up(ns);
		try_end(req);
		req->tcp = 1;
		req->from_tc = 1;
		send_current(req);
		return;
	}
	if (rcode == EVDNS_RCODE_FORMERR &&
	    !(req->qflags & EVDNS_QUERY_NO_EDNS)) {
		/* A server from before EDNS (RFC 6891 7): ask it again
		 * without the OPT record, as dig does. */
		nameserver_set_up(ns);
		try_end(req);
		req->qflags |= EVDNS_QUERY_NO_EDNS;
		send_current(req);
		return;
	}

	if (req->is_query) {
		struct evdns_msg *msg = NULL;

		if (evdns_msg_parse(buf, len, &msg) < 0) {
			base->ignored++;
			return;
		}
		nameserver_set_up(ns);
		if (req->msg)
			evdns_msg_free(req->msg);
		req->msg = msg;
		req->got_tcp = req->tcp;
		if ((req->qflags & EVDNS_QUERY_SEARCH) &&
		    (msg->rcode == EVDNS_RCODE_NXDOMAIN) &&
		    next_candidate(req) == 0) {
			try_end(req);
			req->tcp = (req->qflags & EVDNS_QUERY_TCP) != 0;
			req->from_tc = 0;
			request_start_try(req);
			return;
		}
		request_finish(req, DNS_ERR_NONE);
		return;
	}

	/* libevent's resolve API: rcodes become errors. */
	if (rcode == EVDNS_RCODE_NOERROR) {
		err = extract_answers(req, buf, len, qend);
		if (err < 0) {
			base->ignored++;
			return;
		}
	} else {
		err = rcode_error(rcode);
	}
	nameserver_set_up(ns);
	req->got_tcp = req->tcp;
	if (err == DNS_ERR_NOTEXIST || err == DNS_ERR_NODATA)
		req->ttl = negative_ttl(buf, len, qend);
	if (err == DNS_ERR_SERVERFAILED || err == DNS_ERR_REFUSED ||
	    err == DNS_ERR_NOTIMPL) {
		/* Another nameserver may do better; if none does, this is
		 * the error reported (libevent reports a timeout). */
		req->pending_err = err;
		if (base->n_servers > 1 && req->tries < req->max_tries) {
			try_end(req);
			req->tcp = 0;
			request_start_try(req);
			return;
		}
	}
	if ((err == DNS_ERR_NOTEXIST || err == DNS_ERR_NODATA) &&
	    next_candidate(req) == 0) {
		try_end(req);
		req->tcp = 0;
		req->pending_err = 0;
		request_start_try(req);
		return;
	}
	request_finish(req, err);
}

/* ---- The API's requests ---- */

static struct evdns_request *
resolve_new(struct evdns_base *base, const char *name, int flags, int qtype,
    char rtype, evdns_callback_type cb, void *arg)
{
	struct evdns_request *req;

	if (!base || !name || !cb)
		return NULL;
	LOCK(base);
	req = request_alloc(base, name, !(flags & DNS_QUERY_NO_SEARCH));
	if (req) {
		req->qtype = (ev_uint16_t)qtype;
		req->rtype = rtype;
		req->user_cb = cb;
		req->arg = arg;
		if (request_submit(req) < 0) {
			request_free(req);
			req = NULL;
		}
	}
	UNLOCK(base);
	return req;
}

struct evdns_request *
evdns_base_resolve_ipv4(struct evdns_base *base, const char *name, int flags,
    evdns_callback_type callback, void *ptr)
{
	return resolve_new(base, name, flags, EVDNS_TYPE_A, DNS_IPv4_A,
	    callback, ptr);
}

struct evdns_request *
evdns_base_resolve_ipv6(struct evdns_base *base, const char *name, int flags,
    evdns_callback_type callback, void *ptr)
{
	return resolve_new(base, name, flags, EVDNS_TYPE_AAAA, DNS_IPv6_AAAA,
	    callback, ptr);
}

struct evdns_request *
evdns_base_resolve_reverse(struct evdns_base *base, const struct in_addr *in,
    int flags, evdns_callback_type callback, void *ptr)
{
	char buf[32];
	const unsigned char *a;

	(void)flags;
	if (!in)
		return NULL;
	a = (const unsigned char *)&in->s_addr;
	(void)snprintf(buf, sizeof(buf), "%d.%d.%d.%d.in-addr.arpa", a[3], a[2],
	    a[1], a[0]);
	return resolve_new(base, buf, DNS_QUERY_NO_SEARCH, EVDNS_TYPE_PTR,
	    DNS_PTR, callback, ptr);
}

struct evdns_request *
evdns_base_resolve_reverse_ipv6(struct evdns_base *base,
    const struct in6_addr *in, int flags, evdns_callback_type callback,
    void *ptr)
{
	static const char hex[] = "0123456789abcdef";
	char buf[73];
	char *p = buf;
	int i;

	(void)flags;
	if (!in)
		return NULL;
	for (i = 15; i >= 0; i--) {
		unsigned b = in->s6_addr[i];

		*p++ = hex[b & 0xf];
		*p++ = '.';
		*p++ = hex[b >> 4];
		*p++ = '.';
	}
	memcpy(p, "ip6.arpa", 9);
	return resolve_new(base, buf, DNS_QUERY_NO_SEARCH, EVDNS_TYPE_PTR,
	    DNS_PTR, callback, ptr);
}

static struct evdns_request *
query_new(struct evdns_base *base, const char *name,
    const struct evdns_query_options *opts, evdns_query_callback cb, void *arg)
{
	struct evdns_query_options def;
	struct evdns_request *req;

	if (!opts) {
		memset(&def, 0, sizeof(def));
		opts = &def;
	}
	req =
	    request_alloc(base, name, (opts->flags & EVDNS_QUERY_SEARCH) != 0);
	if (!req)
		return NULL;
	req->is_query = 1;
	req->qflags = opts->flags;
	req->qtype = opts->type ? opts->type : EVDNS_TYPE_A;
	req->qclass = opts->qclass ? opts->qclass : EVDNS_CLASS_IN;
	req->hdr_flags = 0;
	if (!(opts->flags & EVDNS_QUERY_NO_RD))
		req->hdr_flags |= EVDNS_MSG_RD;
	if (opts->flags & EVDNS_QUERY_CD)
		req->hdr_flags |= EVDNS_MSG_CD;
	if (opts->flags & EVDNS_QUERY_AD)
		req->hdr_flags |= EVDNS_MSG_AD;
	if (opts->flags & EVDNS_QUERY_DO)
		req->edns_flags = EVDNS_EDNS_DO;
	if (opts->edns_udp_size)
		req->edns_size = opts->edns_udp_size;
	if (opts->timeout_msec > 0) {
		req->timeout.tv_sec = opts->timeout_msec / 1000;
		req->timeout.tv_usec = (opts->timeout_msec % 1000) * 1000;
	}
	if (opts->tries > 0)
		req->max_tries = opts->tries;
	req->tcp = (opts->flags & EVDNS_QUERY_TCP) != 0;
	req->query_cb = cb;
	req->arg = arg;
	return req;
}

struct evdns_request *
evdns_base_query(struct evdns_base *base, const char *name,
    const struct evdns_query_options *opts, evdns_query_callback cb, void *arg)
{
	struct evdns_request *req;

	if (!base || !name || !cb)
		return NULL;
	LOCK(base);
	req = query_new(base, name, opts, cb, arg);
	if (req && request_submit(req) < 0) {
		request_free(req);
		req = NULL;
	}
	UNLOCK(base);
	return req;
}

void
evdns_cancel_request(struct evdns_base *base, struct evdns_request *req)
{
	if (!req)
		return;
	if (!base)
		base = req->base;
	if (!base)
		return;
	LOCK(base);
	/* A request whose callback is already scheduled keeps its result. */
	if (req->state != REQ_DONE)
		request_finish(req, DNS_ERR_CANCEL);
	UNLOCK(base);
}
