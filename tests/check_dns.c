/*
 * tests/check_dns.c: the resolver (event2/dns.h) against scripted servers.
 *
 * Each test runs one or two fake nameservers on 127.0.0.1, port 0, driven
 * by events on the test's own base: a UDP socket (and a TCP listener on
 * the same port when a test needs one) whose script decides, per query,
 * what to send back: a reply built here byte by byte, several replies,
 * garbage, or nothing.  Replies are made by hand (no evkit internals), so
 * the suite also builds against libevent 2.1 (make libevent-check); where
 * evkit deliberately differs (a SERVFAIL is reported as such, not as a
 * timeout) or tests its own extension (dns_query.h, probes), the test is
 * left out there with #ifndef EVKIT_REFERENCE.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/dns.h>
#include <event2/thread.h>
#include <pthread.h>
#ifndef EVKIT_REFERENCE
#include <event2/bufferevent.h>
#include <event2/dns_query.h>
#endif

#include "check-internal.h"

#define T_A 1
#define T_NS 2
#define T_CNAME 5
#define T_PTR 12
#define T_AAAA 28
#define T_OPT 41

/* ---- Hand-made DNS messages ---- */

struct msg {
	unsigned char b[4096];
	size_t len;
};

static unsigned
get16(const unsigned char *p)
{
	return (unsigned)(p[0] << 8 | p[1]);
}

static void
put16(unsigned char *p, unsigned v)
{
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)v;
}

/* Where the question of a query ends (names in queries are never
 * compressed). */
static size_t
question_end(const unsigned char *q, size_t len)
{
	size_t pos = 12;

	while (pos < len && q[pos])
		pos += q[pos] + 1u;
	return pos + 5;
}

/* The question name of a query, as text ("www.example.com"), lower-cased
 * unless keep_case. */
static void
question_text(const unsigned char *q, size_t len, char *out, int keep_case)
{
	size_t pos = 12;
	char *o = out;

	while (pos < len && q[pos]) {
		unsigned n = q[pos++], i;

		if (o != out)
			*o++ = '.';
		for (i = 0; i < n && pos < len; i++, pos++) {
			char c = (char)q[pos];

			if (!keep_case && c >= 'A' && c <= 'Z')
				c = (char)(c - 'A' + 'a');
			*o++ = c;
		}
	}
	*o = '\0';
}

static unsigned
question_type(const unsigned char *q, size_t len)
{
	return get16(q + question_end(q, len) - 4);
}

/* A reply to query q: its ID and question, QR RD RA and rcode. */
static void
reply_init(struct msg *m, const unsigned char *q, size_t qlen, int rcode)
{
	size_t qe = question_end(q, qlen);

	ck_assert_uint_le(qe, qlen);
	memset(m->b, 0, 12);
	memcpy(m->b, q, 2);
	put16(m->b + 2, 0x8180 | (unsigned)rcode);
	put16(m->b + 4, 1);
	memcpy(m->b + 12, q + 12, qe - 12);
	m->len = qe;
}

static void
put_name(struct msg *m, const char *name)
{
	while (*name) {
		const char *dot = strchr(name, '.');
		size_t n = dot ? (size_t)(dot - name) : strlen(name);

		m->b[m->len++] = (unsigned char)n;
		memcpy(m->b + m->len, name, n);
		m->len += n;
		name += n + (dot ? 1 : 0);
	}
	m->b[m->len++] = 0;
}

/* An answer record; owner NULL means the question's name (a pointer). */
static void
add_rr(struct msg *m, const char *owner, unsigned type, unsigned ttl,
    const void *rdata, size_t rdlen)
{
	if (owner) {
		put_name(m, owner);
	} else {
		m->b[m->len++] = 0xc0;
		m->b[m->len++] = 12;
	}
	put16(m->b + m->len, type);
	put16(m->b + m->len + 2, 1);
	put16(m->b + m->len + 4, ttl >> 16);
	put16(m->b + m->len + 6, ttl & 0xffff);
	put16(m->b + m->len + 8, (unsigned)rdlen);
	m->len += 10;
	memcpy(m->b + m->len, rdata, rdlen);
	m->len += rdlen;
	put16(m->b + 6, get16(m->b + 6) + 1);
}

/* A record whose rdata is a name. */
static void
add_name_rr(struct msg *m, const char *owner, unsigned type, unsigned ttl,
    const char *target)
{
	struct msg n;

	n.len = 0;
	put_name(&n, target);
	add_rr(m, owner, type, ttl, n.b, n.len);
}

static void
add_a(struct msg *m, const char *owner, unsigned ttl, const char *ip)
{
	struct in_addr a;

	ck_assert_int_eq(inet_pton(AF_INET, ip, &a), 1);
	add_rr(m, owner, T_A, ttl, &a, 4);
}

/* ---- Scripted servers ---- */

struct fake;
/* Called with each query; sends what it wants through fake_send. */
typedef void (*script_fn)(struct fake *f, const unsigned char *q, size_t len);

struct fake {
	evutil_socket_t udp, tcp_listen, tcp_conn;
	struct event *ev, *lev, *cev;
	struct sockaddr_in addr;
	char addr_str[64];
	script_fn script;
	int n_queries;
	int n_tcp_queries;
	int tcp_accepts;
	int param;
	char names[16][256]; /* names asked, in order (first 16) */
	unsigned types[16];
	unsigned short ports[16]; /* the client's source port of each */
	unsigned char last_q[1024];
	size_t last_len;
	struct sockaddr_storage peer;
	socklen_t peer_len;
	int on_tcp; /* the query being scripted came over TCP */
	unsigned char tcp_in[8192];
	size_t tcp_have;
	/* Held TCP replies (pipelining test). */
	struct msg held[4];
	int n_held;
};

static struct fake servers[2];

static void
fake_send(struct fake *f, const void *buf, size_t len)
{
	if (f->on_tcp) {
		unsigned char frame[2 + 4096];

		put16(frame, (unsigned)len);
		memcpy(frame + 2, buf, len);
		ck_assert_int_eq(send(f->tcp_conn, frame, len + 2, 0),
		    (ssize_t)(len + 2));
		return;
	}
	ck_assert_int_eq(sendto(f->udp, buf, len, 0,
	                     (struct sockaddr *)&f->peer, f->peer_len),
	    (ssize_t)len);
}

static void
fake_note(struct fake *f, const unsigned char *q, size_t len)
{
	int i = f->n_queries++;

	if (i < 16) {
		question_text(q, len, f->names[i], 0);
		f->types[i] = question_type(q, len);
		f->ports[i] = ntohs(((struct sockaddr_in *)&f->peer)->sin_port);
	}
	if (len <= sizeof(f->last_q)) {
		memcpy(f->last_q, q, len);
		f->last_len = len;
	}
}

static void
fake_udp_cb(evutil_socket_t fd, short what, void *arg)
{
	struct fake *f = arg;
	unsigned char q[1024];
	ssize_t n;

	(void)what;
	for (;;) {
		f->peer_len = sizeof(f->peer);
		n = recvfrom(fd, q, sizeof(q), 0, (struct sockaddr *)&f->peer,
		    &f->peer_len);
		if (n < 12)
			return;
		fake_note(f, q, (size_t)n);
		f->on_tcp = 0;
		if (f->script)
			f->script(f, q, (size_t)n);
	}
}

static void
fake_tcp_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct fake *f = arg;
	ssize_t n;

	(void)what;
	n = recv(fd, f->tcp_in + f->tcp_have, sizeof(f->tcp_in) - f->tcp_have,
	    0);
	if (n <= 0) {
		if (n < 0 && errno == EAGAIN)
			return;
		event_del(f->cev);
		return;
	}
	f->tcp_have += (size_t)n;
	while (f->tcp_have >= 2) {
		size_t l = get16(f->tcp_in);

		if (f->tcp_have < l + 2)
			break;
		fake_note(f, f->tcp_in + 2, l);
		f->n_tcp_queries++;
		f->on_tcp = 1;
		if (f->script)
			f->script(f, f->tcp_in + 2, l);
		f->on_tcp = 0;
		memmove(f->tcp_in, f->tcp_in + 2 + l, f->tcp_have - 2 - l);
		f->tcp_have -= 2 + l;
	}
}

static void
fake_accept_cb(evutil_socket_t fd, short what, void *arg)
{
	struct fake *f = arg;
	evutil_socket_t c;

	(void)what;
	c = accept(fd, NULL, NULL);
	if (c < 0)
		return;
	f->tcp_accepts++;
	if (f->tcp_conn >= 0) {
		event_free(f->cev);
		close(f->tcp_conn);
	}
	evutil_make_socket_nonblocking(c);
	f->tcp_conn = c;
	f->tcp_have = 0;
	f->cev =
	    event_new(evkit_base, c, EV_READ | EV_PERSIST, fake_tcp_read_cb, f);
	event_add(f->cev, NULL);
}

/* Starts server i on 127.0.0.1 (UDP, and TCP on the same port if tcp). */
static struct fake *
fake_start(int i, script_fn script, int tcp)
{
	struct fake *f = &servers[i];
	socklen_t len;
	int attempt;

	memset(f, 0, sizeof(*f));
	f->tcp_listen = f->tcp_conn = -1;
	f->script = script;
	for (attempt = 0; attempt < 50; attempt++) {
		f->udp = socket(AF_INET, SOCK_DGRAM, 0);
		ck_assert_int_ge(f->udp, 0);
		memset(&f->addr, 0, sizeof(f->addr));
		f->addr.sin_family = AF_INET;
		f->addr.sin_addr.s_addr = htonl(0x7f000001);
		ck_assert_int_eq(bind(f->udp, (struct sockaddr *)&f->addr,
		                     sizeof(f->addr)),
		    0);
		len = sizeof(f->addr);
		ck_assert_int_eq(getsockname(f->udp,
		                     (struct sockaddr *)&f->addr, &len),
		    0);
		if (!tcp)
			break;
		/* The same port for TCP; another pair if it is taken. */
		f->tcp_listen = socket(AF_INET, SOCK_STREAM, 0);
		ck_assert_int_ge(f->tcp_listen, 0);
		if (bind(f->tcp_listen, (struct sockaddr *)&f->addr,
		        sizeof(f->addr)) == 0 &&
		    listen(f->tcp_listen, 8) == 0)
			break;
		close(f->tcp_listen);
		close(f->udp);
		f->tcp_listen = -1;
	}
	ck_assert_int_lt(attempt, 50);
	evutil_make_socket_nonblocking(f->udp);
	snprintf(f->addr_str, sizeof(f->addr_str), "127.0.0.1:%d",
	    ntohs(f->addr.sin_port));
	f->ev =
	    event_new(evkit_base, f->udp, EV_READ | EV_PERSIST, fake_udp_cb, f);
	ck_assert_int_eq(event_add(f->ev, NULL), 0);
	if (f->tcp_listen >= 0) {
		evutil_make_socket_nonblocking(f->tcp_listen);
		f->lev = event_new(evkit_base, f->tcp_listen,
		    EV_READ | EV_PERSIST, fake_accept_cb, f);
		ck_assert_int_eq(event_add(f->lev, NULL), 0);
	}
	return f;
}

static void
fake_stop(struct fake *f)
{
	if (f->ev) {
		event_free(f->ev);
		close(f->udp);
		f->ev = NULL;
	}
	if (f->lev) {
		event_free(f->lev);
		close(f->tcp_listen);
		f->lev = NULL;
	}
	if (f->cev) {
		event_free(f->cev);
		close(f->tcp_conn);
		f->cev = NULL;
	}
}

/* ---- Results ---- */

struct result {
	int calls;
	int err;
	char type;
	int count;
	int ttl;
	unsigned char addrs[16][16];
	char ptr[256];
};

static struct result res[4];
static int n_done;

static void
resolve_cb(int err, char type, int count, int ttl, void *addrs, void *arg)
{
	struct result *r = arg;
	int i;

	r->calls++;
	r->err = err;
	r->type = type;
	r->count = count;
	r->ttl = ttl;
	n_done++;
	if (err)
		return;
	if (type == DNS_PTR) {
		snprintf(r->ptr, sizeof(r->ptr), "%s", *(char **)addrs);
		return;
	}
	for (i = 0; i < count && i < 16; i++)
		memcpy(r->addrs[i],
		    (char *)addrs + i * (type == DNS_IPv4_A ? 4 : 16),
		    type == DNS_IPv4_A ? 4 : 16);
}

static struct evdns_base *dns;

static void
dns_setup(void)
{
	evkit_setup();
	memset(res, 0, sizeof(res));
	memset(servers, 0, sizeof(servers));
	n_done = 0;
	dns = evdns_base_new(evkit_base, EVDNS_BASE_DISABLE_WHEN_INACTIVE);
	ck_assert_ptr_nonnull(dns);
}

static void
dns_teardown(void)
{
	if (dns)
		evdns_base_free(dns, 0);
	dns = NULL;
	fake_stop(&servers[0]);
	fake_stop(&servers[1]);
	evkit_teardown();
}

static void
use_server(struct fake *f)
{
	ck_assert_int_eq(evdns_base_nameserver_ip_add(dns, f->addr_str), 0);
}

/* Runs the loop until n callbacks ran (3 s at most). */
static void
run_until_done(int n)
{
	struct event *guard;
	struct timeval tv;
	double start = evkit_now_ms();

	guard = evtimer_new(evkit_base, evkit_noop_cb, NULL);
	evtimer_add(guard, evkit_ms_tv(&tv, 3000));
	while (n_done < n && evkit_now_ms() - start < 3000)
		event_base_loop(evkit_base, EVLOOP_ONCE);
	event_free(guard);
	ck_assert_int_eq(n_done, n);
}

/* ---- Scripts ---- */

static void check_first_address(const char *ip);

static void
script_a(struct fake *f, const unsigned char *q, size_t len)
{
	struct msg m;

	reply_init(&m, q, len, 0);
	if (question_type(q, len) == T_A) {
		add_a(&m, NULL, 300, "10.0.0.1");
		add_a(&m, NULL, 60, "10.0.0.2");
	} else if (question_type(q, len) == T_AAAA) {
		struct in6_addr a;

		inet_pton(AF_INET6, "2001:db8::1", &a);
		add_rr(&m, NULL, T_AAAA, 120, &a, 16);
	} else if (question_type(q, len) == T_PTR) {
		add_name_rr(&m, NULL, T_PTR, 50, "host.example.org");
	}
	fake_send(f, m.b, m.len);
}

static void
script_silent(struct fake *f, const unsigned char *q, size_t len)
{
	(void)f;
	(void)q;
	(void)len;
}

static void
script_rcode(struct fake *f, const unsigned char *q, size_t len)
{
	struct msg m;

	reply_init(&m, q, len, f->param);
	fake_send(f, m.b, m.len);
}

START_TEST(test_a)
{
	struct fake *f = fake_start(0, script_a, 0);
	struct in_addr a;

	use_server(f);
	ck_assert_ptr_nonnull(evdns_base_resolve_ipv4(dns, "www.example.com", 0,
	    resolve_cb, &res[0]));
	ck_assert_int_eq(res[0].calls, 0); /* never from inside the call */
	run_until_done(1);
	ck_assert_int_eq(res[0].err, DNS_ERR_NONE);
	ck_assert_int_eq(res[0].type, DNS_IPv4_A);
	ck_assert_int_eq(res[0].count, 2);
	ck_assert_int_eq(res[0].ttl, 60);
	inet_pton(AF_INET, "10.0.0.1", &a);
	ck_assert_mem_eq(res[0].addrs[0], &a, 4);
	inet_pton(AF_INET, "10.0.0.2", &a);
	ck_assert_mem_eq(res[0].addrs[1], &a, 4);
	ck_assert_str_eq(f->names[0], "www.example.com");
	ck_assert_uint_eq(f->types[0], T_A);
}
END_TEST

START_TEST(test_aaaa_and_ptr)
{
	struct fake *f = fake_start(0, script_a, 0);
	struct in6_addr a6;
	struct in_addr a4;

	use_server(f);
	ck_assert_ptr_nonnull(evdns_base_resolve_ipv6(dns, "v6.example.com", 0,
	    resolve_cb, &res[0]));
	inet_pton(AF_INET, "1.2.3.4", &a4);
	ck_assert_ptr_nonnull(
	    evdns_base_resolve_reverse(dns, &a4, 0, resolve_cb, &res[1]));
	inet_pton(AF_INET6, "2001:db8::abcd", &a6);
	ck_assert_ptr_nonnull(
	    evdns_base_resolve_reverse_ipv6(dns, &a6, 0, resolve_cb, &res[2]));
	run_until_done(3);
	ck_assert_int_eq(res[0].err, DNS_ERR_NONE);
	ck_assert_int_eq(res[0].type, DNS_IPv6_AAAA);
	ck_assert_int_eq(res[0].count, 1);
	ck_assert_int_eq(res[0].ttl, 120);
	inet_pton(AF_INET6, "2001:db8::1", &a6);
	ck_assert_mem_eq(res[0].addrs[0], &a6, 16);
	ck_assert_int_eq(res[1].err, DNS_ERR_NONE);
	ck_assert_int_eq(res[1].type, DNS_PTR);
	ck_assert_int_eq(res[1].count, 1);
	ck_assert_int_eq(res[1].ttl, 50);
	ck_assert_str_eq(res[1].ptr, "host.example.org");
	ck_assert_int_eq(res[2].err, DNS_ERR_NONE);
	ck_assert_str_eq(res[2].ptr, "host.example.org");
	ck_assert_str_eq(f->names[1], "4.3.2.1.in-addr.arpa");
	ck_assert_str_eq(f->names[2],
	    "d.c.b.a.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2."
	    "ip6.arpa");
}
END_TEST

static void
script_cname(struct fake *f, const unsigned char *q, size_t len)
{
	struct msg m;

	reply_init(&m, q, len, 0);
	/* Out of order on purpose, plus a record of an unrelated name. */
	add_a(&m, "c.example.net", 30, "192.0.2.7");
	add_a(&m, "other.example", 5, "192.0.2.99");
	add_name_rr(&m, NULL, T_CNAME, 100, "b.example.net");
	add_name_rr(&m, "b.example.net", T_CNAME, 40, "c.example.net");
	fake_send(f, m.b, m.len);
}

START_TEST(test_cname_chain)
{
	struct fake *f = fake_start(0, script_cname, 0);
	struct in_addr a;

	use_server(f);
	evdns_base_resolve_ipv4(dns, "a.example.net", 0, resolve_cb, &res[0]);
	run_until_done(1);
	ck_assert_int_eq(res[0].err, DNS_ERR_NONE);
	inet_pton(AF_INET, "192.0.2.7", &a);
	ck_assert_mem_eq(res[0].addrs[0], &a, 4);
#ifndef EVKIT_REFERENCE
	/* libevent takes every A record of the answer, whatever its owner
	 * (2 here); evkit only those at the end of the chain. */
	ck_assert_int_eq(res[0].count, 1);
	ck_assert_int_eq(res[0].ttl, 30); /* the chain's minimum */
#endif
}
END_TEST

START_TEST(test_nxdomain_nodata)
{
	struct fake *f = fake_start(0, script_rcode, 0);

	use_server(f);
	f->param = 3;
	evdns_base_resolve_ipv4(dns, "nx.example", 0, resolve_cb, &res[0]);
	run_until_done(1);
	ck_assert_int_eq(res[0].err, DNS_ERR_NOTEXIST);
	ck_assert_int_eq(res[0].count, 0);
	f->param = 0;
	evdns_base_resolve_ipv4(dns, "nodata.example", 0, resolve_cb, &res[1]);
	run_until_done(2);
	ck_assert_int_eq(res[1].err, DNS_ERR_NODATA);
	ck_assert_int_eq(f->n_queries, 2);
}
END_TEST

/* NXDOMAIN or NODATA with the zone's SOA in the authority section. */
static void
script_negative_soa(struct fake *f, const unsigned char *q, size_t len)
{
	struct msg m, rd;
	unsigned char nums[20];
	int i;

	reply_init(&m, q, len, f->param);
	rd.len = 0;
	put_name(&rd, "ns.example");
	put_name(&rd, "admin.example");
	for (i = 0; i < 5; i++) /* serial refresh retry expire minimum */
		put16(nums + 4 * i, 0), put16(nums + 4 * i + 2, 100 + i);
	put16(nums + 18, 45); /* minimum 45 */
	memcpy(rd.b + rd.len, nums, 20);
	rd.len += 20;
	add_rr(&m, "example", 6, 90, rd.b, rd.len);
	/* It went to the answer count: move it to the authority's. */
	put16(m.b + 6, 0);
	put16(m.b + 8, 1);
	fake_send(f, m.b, m.len);
}

START_TEST(test_negative_ttl)
{
	struct fake *f = fake_start(0, script_negative_soa, 0);

	use_server(f);
	f->param = 3;
	evdns_base_resolve_ipv4(dns, "nx.example", 0, resolve_cb, &res[0]);
	run_until_done(1);
	ck_assert_int_eq(res[0].err, DNS_ERR_NOTEXIST);
	ck_assert_int_eq(res[0].type, 0);
	ck_assert_int_eq(res[0].ttl, 45); /* min(SOA TTL, SOA minimum) */
	f->param = 0;
	evdns_base_resolve_ipv4(dns, "nodata.example", 0, resolve_cb, &res[1]);
	run_until_done(2);
	ck_assert_int_eq(res[1].err, DNS_ERR_NODATA);
	ck_assert_int_eq(res[1].ttl, 45);
}
END_TEST

/* A PTR answer followed by a record cut short: the whole reply is
 * dropped, then the good one is taken. */
static void
script_ptr_then_cut(struct fake *f, const unsigned char *q, size_t len)
{
	struct msg m;

	reply_init(&m, q, len, 0);
	add_name_rr(&m, NULL, T_PTR, 50, "wrong.example.org");
	add_name_rr(&m, NULL, T_PTR, 50, "cut.example.org");
	m.len -= 4;
	fake_send(f, m.b, m.len);
	script_a(f, q, len);
}

START_TEST(test_ptr_malformed_then_good)
{
	struct fake *f = fake_start(0, script_ptr_then_cut, 0);
	struct in_addr a4;

	use_server(f);
	inet_pton(AF_INET, "192.0.2.1", &a4);
	evdns_base_resolve_reverse(dns, &a4, 0, resolve_cb, &res[0]);
	run_until_done(1);
	ck_assert_int_eq(res[0].err, DNS_ERR_NONE);
#ifndef EVKIT_REFERENCE
	ck_assert_str_eq(res[0].ptr, "host.example.org");
#endif
}
END_TEST

/* A server from before EDNS: FORMERR to a query with OPT. */
static void
script_no_edns(struct fake *f, const unsigned char *q, size_t len)
{
	struct msg m;

	if (get16(q + 10) != 0) { /* ARCOUNT: the OPT record */
		reply_init(&m, q, len, 1);
		fake_send(f, m.b, m.len);
		return;
	}
	script_a(f, q, len);
}

START_TEST(test_formerr_without_edns)
{
	struct fake *f = fake_start(0, script_no_edns, 0);

	use_server(f);
	evdns_base_resolve_ipv4(dns, "old.example", 0, resolve_cb, &res[0]);
	run_until_done(1);
	check_first_address("10.0.0.1");
}
END_TEST

/* The program frees the resolver from a callback. */
static void
free_base_cb(int err, char type, int count, int ttl, void *addrs, void *arg)
{
	resolve_cb(err, type, count, ttl, addrs, arg);
	evdns_base_free(dns, 0);
	dns = NULL;
}

START_TEST(test_free_in_callback)
{
	struct fake *f = fake_start(0, script_a, 0);

	use_server(f);
	evdns_base_resolve_ipv4(dns, "a.example", 0, free_base_cb, &res[0]);
	evdns_base_resolve_ipv4(dns, "b.example", 0, resolve_cb, &res[1]);
	ck_assert_int_eq(evkit_loop_until(evkit_base, &res[0].calls, 0, 3000),
	    0);
	ck_assert_ptr_null(dns);
	ck_assert_int_eq(res[0].err, DNS_ERR_NONE);
	/* The other one was dropped, or its answer (already in) delivered. */
	event_base_loop(evkit_base, EVLOOP_NONBLOCK);
	ck_assert_int_le(res[1].calls, 1);
	if (res[1].calls)
		ck_assert_int_eq(res[1].err, DNS_ERR_NONE);
}
END_TEST

static int log_warnings;
static char log_last[256];

static void
log_fn(int is_warning, const char *msg)
{
	log_warnings += is_warning != 0;
	snprintf(log_last, sizeof(log_last), "%s", msg);
}

START_TEST(test_log_fn)
{
	log_warnings = 0;
	evdns_set_log_fn(log_fn);
	ck_assert_int_ne(evdns_base_nameserver_ip_add(dns, "bogus"), 0);
	evdns_set_log_fn(NULL);
	ck_assert_int_ge(log_warnings, 1);
	ck_assert_ptr_nonnull(strstr(log_last, "bogus"));
}
END_TEST

#ifndef EVKIT_REFERENCE
/* libevent reports a SERVFAIL as a timeout, after trying again. */
START_TEST(test_servfail)
{
	struct fake *f = fake_start(0, script_rcode, 0);

	use_server(f);
	f->param = 2;
	evdns_base_resolve_ipv4(dns, "sf.example", 0, resolve_cb, &res[0]);
	run_until_done(1);
	ck_assert_int_eq(res[0].err, DNS_ERR_SERVERFAILED);
	f->param = 5;
	evdns_base_resolve_ipv4(dns, "ref.example", 0, resolve_cb, &res[1]);
	run_until_done(2);
	ck_assert_int_eq(res[1].err, DNS_ERR_REFUSED);
}
END_TEST

/* With two servers, a SERVFAIL is asked of the other; its answer wins. */
START_TEST(test_servfail_other_server)
{
	struct fake *f0 = fake_start(0, script_rcode, 0);
	struct fake *f1 = fake_start(1, script_a, 0);

	f0->param = 2;
	use_server(f0);
	use_server(f1);
	evdns_base_resolve_ipv4(dns, "x.example", 0, resolve_cb, &res[0]);
	run_until_done(1);
	ck_assert_int_eq(res[0].err, DNS_ERR_NONE);
	ck_assert_int_eq(f0->n_queries + f1->n_queries, 2);
}
END_TEST
#endif

START_TEST(test_timeout_one_server)
{
	struct fake *f = fake_start(0, script_silent, 0);
	double t0;

	use_server(f);
	ck_assert_int_eq(evdns_base_set_option(dns, "timeout:", "0.1"), 0);
	ck_assert_int_eq(evdns_base_set_option(dns, "attempts:", "2"), 0);
	t0 = evkit_now_ms();
	evdns_base_resolve_ipv4(dns, "slow.example", 0, resolve_cb, &res[0]);
	run_until_done(1);
	ck_assert_int_eq(res[0].err, DNS_ERR_TIMEOUT);
	ck_assert_int_eq(f->n_queries, 2);
	ck_assert(evkit_now_ms() - t0 >= 150);
}
END_TEST

START_TEST(test_dead_first_server)
{
	struct fake *f0 = fake_start(0, script_silent, 0);
	struct fake *f1 = fake_start(1, script_a, 0);

	use_server(f0);
	use_server(f1);
	ck_assert_int_eq(evdns_base_count_nameservers(dns), 2);
	evdns_base_set_option(dns, "timeout", "0.1");
	evdns_base_resolve_ipv4(dns, "www.example", 0, resolve_cb, &res[0]);
	run_until_done(1);
	ck_assert_int_eq(res[0].err, DNS_ERR_NONE);
	ck_assert_int_eq(f0->n_queries, 1);
	ck_assert_int_eq(f1->n_queries, 1);
}
END_TEST

#ifndef EVKIT_REFERENCE
/* The first server is marked down after max-timeouts, skipped, probed,
 * and used again once a probe is answered. */
START_TEST(test_down_and_probed_up)
{
	struct fake *f0 = fake_start(0, script_silent, 0);
	struct fake *f1 = fake_start(1, script_a, 0);
	int i, before;

	use_server(f0);
	use_server(f1);
	evdns_base_set_option(dns, "timeout", "0.1");
	evdns_base_set_option(dns, "max-timeouts:", "1");
	evdns_base_set_option(dns, "initial-probe-timeout", "0.1");
	evdns_base_resolve_ipv4(dns, "a.example", 0, resolve_cb, &res[0]);
	run_until_done(1);
	ck_assert_int_eq(res[0].err, DNS_ERR_NONE);
	ck_assert_int_eq(f0->n_queries, 1);
	/* Down: the next requests all go to the second server. */
	for (i = 0; i < 3; i++)
		evdns_base_resolve_ipv4(dns, "b.example", 0, resolve_cb,
		    &res[1]);
	run_until_done(4);
	ck_assert_int_eq(f1->n_queries, 4);
	/* Let it answer: the probe (". NS") brings it back. */
	f0->script = script_rcode;
	f0->param = 0;
	before = f0->n_queries;
	ck_assert_int_eq(evkit_loop_until(evkit_base, &f0->n_queries, 0, 3000),
	    0);
	while (f0->n_queries == before)
		event_base_loop(evkit_base, EVLOOP_ONCE);
	ck_assert_str_eq(f0->names[before], "");
	ck_assert_uint_eq(f0->types[before], T_NS);
	/* Let the probe's reply be read, then both servers get requests. */
	for (i = 0; i < 10; i++)
		event_base_loop(evkit_base, EVLOOP_NONBLOCK);
	f0->script = script_a;
	for (i = 0; i < 4; i++)
		evdns_base_resolve_ipv4(dns, "c.example", 0, resolve_cb,
		    &res[2]);
	run_until_done(8);
	ck_assert_int_ge(f0->n_queries, before + 2);
}
END_TEST
#endif

/* Replies the resolver must ignore, then the right one. */
static void
script_wrong_id(struct fake *f, const unsigned char *q, size_t len)
{
	struct msg m;

	reply_init(&m, q, len, 0);
	add_a(&m, NULL, 10, "10.9.9.9");
	m.b[1] ^= 1;
	fake_send(f, m.b, m.len);
	m.b[1] ^= 1;
	m.len = 0;
	reply_init(&m, q, len, 0);
	add_a(&m, NULL, 10, "10.0.0.1");
	fake_send(f, m.b, m.len);
}

static void
script_wrong_source(struct fake *f, const unsigned char *q, size_t len)
{
	struct msg m;
	evutil_socket_t other = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(0x7f000001);
	ck_assert_int_eq(bind(other, (struct sockaddr *)&sin, sizeof(sin)), 0);
	reply_init(&m, q, len, 0);
	add_a(&m, NULL, 10, "10.9.9.9");
	ck_assert_int_eq(sendto(other, m.b, m.len, 0,
	                     (struct sockaddr *)&f->peer, f->peer_len),
	    (ssize_t)m.len);
	close(other);
	if (f->param++ == 0)
		return; /* the first query times out; the retry is answered */
	reply_init(&m, q, len, 0);
	add_a(&m, NULL, 10, "10.0.0.1");
	fake_send(f, m.b, m.len);
}

static void
script_wrong_question(struct fake *f, const unsigned char *q, size_t len)
{
	struct msg m;
	unsigned char q2[1024];

	/* Another type, then another name (one letter changed). */
	memcpy(q2, q, len);
	put16(q2 + question_end(q, len) - 4, T_AAAA);
	reply_init(&m, q2, len, 0);
	add_a(&m, NULL, 10, "10.9.9.9");
	fake_send(f, m.b, m.len);
	memcpy(q2, q, len);
	q2[13] = (unsigned char)(q2[13] == 'q' ? 'r' : 'q');
	reply_init(&m, q2, len, 0);
	add_a(&m, NULL, 10, "10.9.9.9");
	fake_send(f, m.b, m.len);
	script_a(f, q, len);
}

/* Case flipped in the echoed question: ignored with randomize-case. */
static void
script_case(struct fake *f, const unsigned char *q, size_t len)
{
	struct msg m;
	unsigned char q2[1024];
	size_t i;

	memcpy(q2, q, len);
	for (i = 13; i < question_end(q, len) - 5; i++)
		if ((q2[i] | 0x20) >= 'a' && (q2[i] | 0x20) <= 'z')
			q2[i] ^= 0x20;
	reply_init(&m, q2, len, 0);
	add_a(&m, NULL, 10, "10.9.9.9");
	fake_send(f, m.b, m.len);
	script_a(f, q, len);
}

static void
check_first_address(const char *ip)
{
	struct in_addr a;

	inet_pton(AF_INET, ip, &a);
	ck_assert_int_eq(res[0].err, DNS_ERR_NONE);
	ck_assert_mem_eq(res[0].addrs[0], &a, 4);
}

/*
 * The address of a reply that must have been refused.  libevent 2.1
 * takes replies from another port of the server, with another question,
 * with the case of a randomized name changed, and for an earlier try
 * sent to another server: evkit refuses them all.
 */
static void
check_strict_address(const char *ip)
{
#ifdef EVKIT_REFERENCE
	(void)ip;
	ck_assert_int_eq(res[0].err, DNS_ERR_NONE);
#else
	check_first_address(ip);
#endif
}

START_TEST(test_wrong_id_ignored)
{
	struct fake *f = fake_start(0, script_wrong_id, 0);

	use_server(f);
	evdns_base_resolve_ipv4(dns, "id.example", 0, resolve_cb, &res[0]);
	run_until_done(1);
	check_first_address("10.0.0.1");
	ck_assert_int_eq(f->n_queries, 1);
}
END_TEST

START_TEST(test_wrong_source_ignored)
{
	struct fake *f = fake_start(0, script_wrong_source, 0);

	use_server(f);
	evdns_base_set_option(dns, "timeout", "0.1");
	evdns_base_resolve_ipv4(dns, "src.example", 0, resolve_cb, &res[0]);
	run_until_done(1);
	check_strict_address("10.0.0.1");
#ifndef EVKIT_REFERENCE
	ck_assert_int_eq(f->n_queries, 2);
#endif
}
END_TEST

START_TEST(test_wrong_question_ignored)
{
	struct fake *f = fake_start(0, script_wrong_question, 0);

	use_server(f);
	evdns_base_resolve_ipv4(dns, "question.example", 0, resolve_cb,
	    &res[0]);
	run_until_done(1);
	check_strict_address("10.0.0.1");
	ck_assert_int_eq(f->n_queries, 1);
}
END_TEST

START_TEST(test_randomize_case)
{
	struct fake *f = fake_start(0, script_case, 0);
	char asked[256];

	use_server(f);
	ck_assert_int_eq(evdns_base_set_option(dns, "randomize-case:", "1"), 0);
	evdns_base_resolve_ipv4(dns, "abcdefghijklmnopqrstuvwxyz.example", 0,
	    resolve_cb, &res[0]);
	run_until_done(1);
	check_strict_address("10.0.0.1");
	/* 34 letters left as they were: 1 chance in 2^34. */
	question_text(f->last_q, f->last_len, asked, 1);
	ck_assert_str_ne(asked, "abcdefghijklmnopqrstuvwxyz.example");
	/* Off: the name goes as given. */
	ck_assert_int_eq(evdns_base_set_option(dns, "randomize-case:", "0"), 0);
	f->script = script_a;
	evdns_base_resolve_ipv4(dns, "MiXeD.example", 0, resolve_cb, &res[1]);
	run_until_done(2);
	question_text(f->last_q, f->last_len, asked, 1);
	ck_assert_str_eq(asked, "MiXeD.example");
}
END_TEST

/* Truncated over UDP, the whole answer over TCP. */
static void
script_tc(struct fake *f, const unsigned char *q, size_t len)
{
	struct msg m;

	reply_init(&m, q, len, 0);
	if (!f->on_tcp) {
		m.b[2] |= 0x02; /* TC */
		add_a(&m, NULL, 10, "10.9.9.9");
		fake_send(f, m.b, m.len);
		return;
	}
	add_a(&m, NULL, 10, "10.0.0.1");
	add_a(&m, NULL, 10, "10.0.0.2");
	add_a(&m, NULL, 10, "10.0.0.3");
	fake_send(f, m.b, m.len);
}

START_TEST(test_truncated_tcp)
{
	struct fake *f = fake_start(0, script_tc, 1);

	use_server(f);
	evdns_base_resolve_ipv4(dns, "big.example", 0, resolve_cb, &res[0]);
	run_until_done(1);
#ifdef EVKIT_REFERENCE
	/* libevent 2.1 has no TCP: the truncated reply is an error. */
	ck_assert_int_eq(res[0].err, DNS_ERR_TRUNCATED);
#else
	check_first_address("10.0.0.1");
	ck_assert_int_eq(res[0].count, 3);
	ck_assert_int_eq(f->n_tcp_queries, 1);
	ck_assert_int_eq(f->n_queries, 2);
#endif
}
END_TEST

START_TEST(test_truncated_no_tcp)
{
	struct fake *f = fake_start(0, script_tc, 0); /* no TCP listener */

	use_server(f);
	evdns_base_resolve_ipv4(dns, "big.example", 0, resolve_cb, &res[0]);
	run_until_done(1);
	ck_assert_int_eq(res[0].err, DNS_ERR_TRUNCATED);
	ck_assert_int_eq(res[0].count, 0);
}
END_TEST

/* Broken replies of every kind: none may crash; the request times out. */
static void
script_malformed(struct fake *f, const unsigned char *q, size_t len)
{
	struct msg m;

	fake_send(f, q, 5); /* shorter than a header */
	reply_init(&m, q, len, 0);
	m.b[m.len++] = 0xc0; /* an answer whose name points at itself */
	m.b[m.len] = (unsigned char)m.len;
	m.len++;
	memset(m.b + m.len, 0, 10);
	m.b[m.len + 1] = T_A;
	m.len += 10;
	put16(m.b + 6, 1);
	fake_send(f, m.b, m.len);
	reply_init(&m, q, len, 0);
	put16(m.b + 6, 3); /* counts beyond the data */
	fake_send(f, m.b, m.len);
	reply_init(&m, q, len, 0);
	add_a(&m, NULL, 10, "10.9.9.9");
	put16(m.b + m.len - 6, 200); /* rdlength past the end */
	fake_send(f, m.b, m.len);
	reply_init(&m, q, len, 0);
	m.len -= 3; /* the question cut short */
	fake_send(f, m.b, m.len);
}

START_TEST(test_malformed_ignored)
{
	struct fake *f = fake_start(0, script_malformed, 0);

	use_server(f);
	evdns_base_set_option(dns, "timeout", "0.1");
	evdns_base_set_option(dns, "attempts", "1");
	evdns_base_resolve_ipv4(dns, "bad.example", 0, resolve_cb, &res[0]);
	run_until_done(1);
#ifndef EVKIT_REFERENCE
	ck_assert_int_eq(res[0].err, DNS_ERR_TIMEOUT);
#endif
	ck_assert_int_eq(res[0].calls, 1);
}
END_TEST

START_TEST(test_cancel)
{
	struct fake *f = fake_start(0, script_a, 0);
	struct evdns_request *r;
	int i;

	use_server(f);
	r = evdns_base_resolve_ipv4(dns, "c.example", 0, resolve_cb, &res[0]);
	ck_assert_ptr_nonnull(r);
	evdns_cancel_request(dns, r);
	ck_assert_int_eq(res[0].calls, 0);
	run_until_done(1);
	ck_assert_int_eq(res[0].err, DNS_ERR_CANCEL);
	/* The server's reply to the cancelled query changes nothing. */
	for (i = 0; i < 5; i++)
		event_base_loop(evkit_base, EVLOOP_NONBLOCK);
	ck_assert_int_eq(res[0].calls, 1);
}
END_TEST

START_TEST(test_free_fail_requests)
{
	struct fake *f = fake_start(0, script_silent, 0);

	use_server(f);
	evdns_base_resolve_ipv4(dns, "a.example", 0, resolve_cb, &res[0]);
	evdns_base_resolve_ipv6(dns, "b.example", 0, resolve_cb, &res[1]);
	event_base_loop(evkit_base, EVLOOP_NONBLOCK);
	evdns_base_free(dns, 1);
	dns = NULL;
	run_until_done(2);
	ck_assert_int_eq(res[0].err, DNS_ERR_SHUTDOWN);
	ck_assert_int_eq(res[1].err, DNS_ERR_SHUTDOWN);
	ck_assert_int_eq(res[0].calls, 1);
}
END_TEST

/* Answers only when told to (param counts the answers allowed). */
static struct msg held_q[4];
static struct sockaddr_storage held_peer[4];
static int n_held_q;

static void
script_hold(struct fake *f, const unsigned char *q, size_t len)
{
	ck_assert_int_lt(n_held_q, 4);
	memcpy(held_q[n_held_q].b, q, len);
	held_peer[n_held_q] = f->peer;
	held_q[n_held_q++].len = len;
}

/* Answers held query i, to the port it came from. */
static void
release_held(struct fake *f, int i)
{
	f->peer = held_peer[i];
	f->peer_len = sizeof(struct sockaddr_in);
	script_a(f, held_q[i].b, held_q[i].len);
}

START_TEST(test_max_inflight)
{
	struct fake *f = fake_start(0, script_hold, 0);
	int i;

	n_held_q = 0;
	use_server(f);
	ck_assert_int_eq(evdns_base_set_option(dns, "max-inflight:", "1"), 0);
	evdns_base_resolve_ipv4(dns, "one.example", 0, resolve_cb, &res[0]);
	evdns_base_resolve_ipv4(dns, "two.example", 0, resolve_cb, &res[1]);
	/* A queued request cancelled: never sent, called back once. */
	evdns_cancel_request(dns,
	    evdns_base_resolve_ipv4(dns, "three.example", 0, resolve_cb,
	        &res[2]));
	for (i = 0; i < 5 && f->n_queries < 1; i++)
		event_base_loop(evkit_base, EVLOOP_ONCE);
	for (i = 0; i < 5; i++)
		event_base_loop(evkit_base, EVLOOP_NONBLOCK);
	ck_assert_int_eq(f->n_queries, 1);
	ck_assert_str_eq(f->names[0], "one.example");
	release_held(f, 0);
	run_until_done(2);
	ck_assert_int_eq(res[2].err, DNS_ERR_CANCEL);
	ck_assert_int_eq(res[0].err, DNS_ERR_NONE);
	while (f->n_queries < 2)
		event_base_loop(evkit_base, EVLOOP_ONCE);
	ck_assert_str_eq(f->names[1], "two.example");
	release_held(f, 1);
	run_until_done(3);
	ck_assert_int_eq(res[1].err, DNS_ERR_NONE);
	ck_assert_int_eq(f->n_queries, 2);
	ck_assert_int_eq(res[2].calls, 1);
}
END_TEST

/* NXDOMAIN for everything but `param`-th query. */
static void
script_search(struct fake *f, const unsigned char *q, size_t len)
{
	struct msg m;

	if (f->n_queries == f->param) {
		script_a(f, q, len);
		return;
	}
	reply_init(&m, q, len, 3);
	fake_send(f, m.b, m.len);
}

START_TEST(test_search_order)
{
	struct fake *f = fake_start(0, script_search, 0);

	use_server(f);
	evdns_base_search_add(dns, "a.test");
	evdns_base_search_add(dns, "b.test");
	evdns_base_search_ndots_set(dns, 1);
	f->param = 3; /* the third query is answered */
	evdns_base_resolve_ipv4(dns, "host", 0, resolve_cb, &res[0]);
	run_until_done(1);
	ck_assert_int_eq(res[0].err, DNS_ERR_NONE);
	ck_assert_int_eq(f->n_queries, 3);
#ifndef EVKIT_REFERENCE
	/* libevent tries the domain added last first; evkit keeps the
	 * order they were added in (resolv.conf's order). */
	ck_assert_str_eq(f->names[0], "host.a.test");
	ck_assert_str_eq(f->names[1], "host.b.test");
#endif
	ck_assert_str_eq(f->names[2], "host");
	/* Enough dots: the name as given first. */
	f->n_queries = 0;
	f->param = 2;
	evdns_base_resolve_ipv4(dns, "www.host", 0, resolve_cb, &res[1]);
	run_until_done(2);
	ck_assert_int_eq(res[1].err, DNS_ERR_NONE);
	ck_assert_str_eq(f->names[0], "www.host");
#ifndef EVKIT_REFERENCE
	ck_assert_str_eq(f->names[1], "www.host.a.test");
#endif
	/* No search. */
	f->n_queries = 0;
	f->param = 99;
	evdns_base_resolve_ipv4(dns, "host", DNS_QUERY_NO_SEARCH, resolve_cb,
	    &res[2]);
	run_until_done(3);
	ck_assert_int_eq(res[2].err, DNS_ERR_NOTEXIST);
	ck_assert_int_eq(f->n_queries, 1);
	ck_assert_str_eq(f->names[0], "host");
}
END_TEST

START_TEST(test_nameserver_formats)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

	ck_assert_int_eq(evdns_base_nameserver_ip_add(dns, "127.0.0.2"), 0);
	ck_assert_int_eq(evdns_base_nameserver_ip_add(dns, "127.0.0.3:5353"),
	    0);
	ck_assert_int_eq(evdns_base_nameserver_ip_add(dns, "::1"), 0);
	ck_assert_int_eq(evdns_base_nameserver_ip_add(dns, "[::1]:54"), 0);
	ck_assert_int_ne(evdns_base_nameserver_ip_add(dns, "not.an.ip"), 0);
	ck_assert_int_ne(evdns_base_nameserver_ip_add(dns, "1.2.3.4:99999"), 0);
	ck_assert_int_ne(evdns_base_nameserver_ip_add(dns, "[::1"), 0);
	ck_assert_int_ne(evdns_base_nameserver_ip_add(dns, ""), 0);
	ck_assert_int_eq(evdns_base_count_nameservers(dns), 4);
	ck_assert_int_eq(evdns_base_get_nameserver_addr(dns, 0,
	                     (struct sockaddr *)&ss, sizeof(ss)),
	    (int)sizeof(struct sockaddr_in));
	ck_assert_int_eq(ntohs(sin->sin_port), 53);
#ifndef EVKIT_REFERENCE
	/* evkit's indexes follow the order of addition (libevent's do not
	 * after the first). */
	evdns_base_get_nameserver_addr(dns, 1, (struct sockaddr *)&ss,
	    sizeof(ss));
	ck_assert_int_eq(ntohs(sin->sin_port), 5353);
	ck_assert_int_eq(evdns_base_get_nameserver_addr(dns, 3,
	                     (struct sockaddr *)&ss, sizeof(ss)),
	    (int)sizeof(struct sockaddr_in6));
	ck_assert_int_eq(ntohs(sin6->sin6_port), 54);
#else
	(void)sin6;
#endif
	ck_assert_int_eq(evdns_base_get_nameserver_addr(dns, 4,
	                     (struct sockaddr *)&ss, sizeof(ss)),
	    -1);
	ck_assert_int_eq(evdns_base_nameserver_add(dns, htonl(0x7f000009)), 0);
	ck_assert_int_eq(evdns_base_count_nameservers(dns), 5);
	ck_assert_int_eq(evdns_base_clear_nameservers_and_suspend(dns), 0);
	ck_assert_int_eq(evdns_base_count_nameservers(dns), 0);
	ck_assert_int_eq(evdns_base_resume(dns), 0);
}
END_TEST

START_TEST(test_set_option)
{
	static const char *const good[][2] = { { "ndots:", "2" },
		{ "ndots", "0" }, { "timeout:", "3" }, { "timeout:", "0.2" },
		{ "max-timeouts:", "5" }, { "max-inflight:", "100" },
		{ "attempts:", "4" }, { "randomize-case:", "0" },
		{ "bind-to:", "127.0.0.1" }, { "initial-probe-timeout:", "2" },
		{ "getaddrinfo-allow-skew:", "1.5" }, { "so-rcvbuf:", "65536" },
		{ "so-sndbuf:", "65536" } };
	static const char *const bad[][2] = { { "ndots:", "x" },
		{ "timeout:", "abc" }, { "timeout:", "" },
		{ "max-timeouts:", "-1" }, { "max-inflight:", "zero" },
		{ "attempts:", "1x" }, { "bind-to:", "not-an-address" },
		{ "so-rcvbuf:", "big" }, { "no-such-option:", "1" } };
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ck_assert_msg(evdns_base_set_option(dns, good[i][0],
		                  good[i][1]) == 0,
		    "%s %s refused", good[i][0], good[i][1]);
#ifndef EVKIT_REFERENCE
	/* libevent takes atoi() of these and says 0. */
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(evdns_base_set_option(dns, bad[i][0],
		                  bad[i][1]) == -1,
		    "%s %s accepted", bad[i][0], bad[i][1]);
#else
	(void)bad;
#endif
}
END_TEST

START_TEST(test_err_to_string)
{
	ck_assert_str_eq(evdns_err_to_string(DNS_ERR_NONE), "no error");
	ck_assert_str_eq(evdns_err_to_string(DNS_ERR_SERVERFAILED),
	    "server failed");
	ck_assert_str_eq(evdns_err_to_string(DNS_ERR_NOTEXIST),
	    "name does not exist");
	ck_assert_str_eq(evdns_err_to_string(DNS_ERR_TIMEOUT),
	    "request timed out");
	ck_assert_str_eq(evdns_err_to_string(DNS_ERR_CANCEL),
	    "dns request canceled");
	ck_assert_str_eq(evdns_err_to_string(DNS_ERR_NODATA),
	    "no records in the reply");
	ck_assert_str_eq(evdns_err_to_string(DNS_ERR_TRUNCATED),
	    "reply truncated or ill-formed");
	ck_assert_str_eq(evdns_err_to_string(71), "[Unknown error code]");
}
END_TEST

/* A late reply from the first server, after the retry went to the
 * second: only the server asked for the current try is listened to. */
static struct msg late;

static void
script_late(struct fake *f, const unsigned char *q, size_t len)
{
	reply_init(&late, q, len, 0);
	add_a(&late, NULL, 10, "10.9.9.9");
	(void)f;
}

static void
script_after_late(struct fake *f, const unsigned char *q, size_t len)
{
	struct fake *f0 = &servers[0];

	/* The first server answers now, then this one does. */
	ck_assert_int_eq(sendto(f0->udp, late.b, late.len, 0,
	                     (struct sockaddr *)&f0->peer, f0->peer_len),
	    (ssize_t)late.len);
	script_a(f, q, len);
}

START_TEST(test_late_reply_other_server)
{
	struct fake *f0 = fake_start(0, script_late, 0);
	struct fake *f1 = fake_start(1, script_after_late, 0);

	use_server(f0);
	use_server(f1);
	evdns_base_set_option(dns, "timeout", "0.1");
	evdns_base_resolve_ipv4(dns, "late.example", 0, resolve_cb, &res[0]);
	run_until_done(1);
	check_strict_address("10.0.0.1");
}
END_TEST

#ifndef EVKIT_REFERENCE
/* ---- dns_query.h ---- */

static struct qres {
	int calls, err, tries, tcp, rcode, conn_err;
	char qname[256];
	long rtt;
	unsigned ancount;
} qr[4];

static void
query_cb(const struct evdns_query_result *r, void *arg)
{
	struct qres *q = arg;

	q->calls++;
	q->err = r->err;
	q->tries = r->tries;
	q->tcp = r->tcp;
	q->conn_err = r->conn_err;
	q->rtt = r->rtt_usec;
	snprintf(q->qname, sizeof(q->qname), "%s", r->qname ? r->qname : "");
	if (r->msg) {
		q->rcode = r->msg->rcode;
		q->ancount = (unsigned)r->msg->n_section[0];
	}
	n_done++;
}

/* Where the OPT record of a query starts, or 0. */
static size_t
query_opt(const unsigned char *q, size_t len)
{
	size_t pos = question_end(q, len);

	if (get16(q + 10) != 1 || pos + 11 > len || q[pos] != 0 ||
	    get16(q + pos + 1) != T_OPT)
		return 0;
	return pos;
}

START_TEST(test_query_flags)
{
	struct fake *f = fake_start(0, script_rcode, 0);
	struct evdns_query_options o;
	size_t opt;

	use_server(f);
	evdns_base_set_option(dns, "randomize-case", "0");
	f->param = 0;
	ck_assert_ptr_nonnull(
	    evdns_base_query(dns, "q.example", NULL, query_cb, &qr[0]));
	run_until_done(1);
	ck_assert_int_eq(qr[0].err, DNS_ERR_NONE);
	ck_assert_str_eq(qr[0].qname, "q.example");
	ck_assert_int_eq(qr[0].tries, 1);
	ck_assert_int_eq(qr[0].tcp, 0);
	ck_assert(qr[0].rtt >= 0);
	/* Defaults: RD, no CD/AD, OPT with 1232 and no DO. */
	ck_assert_uint_eq(get16(f->last_q + 2), 0x0100);
	opt = query_opt(f->last_q, f->last_len);
	ck_assert_uint_ne(opt, 0);
	ck_assert_uint_eq(get16(f->last_q + opt + 3), 1232);
	ck_assert_uint_eq(get16(f->last_q + opt + 7), 0);
	ck_assert_uint_eq(question_type(f->last_q, f->last_len), T_A);

	memset(&o, 0, sizeof(o));
	o.flags = EVDNS_QUERY_NO_RD | EVDNS_QUERY_CD | EVDNS_QUERY_AD |
	    EVDNS_QUERY_DO;
	o.type = EVDNS_TYPE_MX;
	o.edns_udp_size = 4000;
	f->param = 2; /* SERVFAIL is handed back, not retried */
	evdns_base_query(dns, "q.example.", &o, query_cb, &qr[1]);
	run_until_done(2);
	ck_assert_int_eq(qr[1].err, DNS_ERR_NONE);
	ck_assert_int_eq(qr[1].rcode, 2);
	ck_assert_uint_eq(get16(f->last_q + 2), 0x0030);
	ck_assert_uint_eq(question_type(f->last_q, f->last_len), EVDNS_TYPE_MX);
	opt = query_opt(f->last_q, f->last_len);
	ck_assert_uint_eq(get16(f->last_q + opt + 3), 4000);
	ck_assert_uint_eq(get16(f->last_q + opt + 7), 0x8000);

	o.flags = EVDNS_QUERY_NO_EDNS;
	evdns_base_query(dns, "q.example", &o, query_cb, &qr[2]);
	run_until_done(3);
	ck_assert_uint_eq(get16(f->last_q + 10), 0);
	ck_assert_uint_eq(f->last_len, question_end(f->last_q, f->last_len));

	/* An invalid name: NULL, no callback. */
	ck_assert_ptr_null(
	    evdns_base_query(dns, "a..b", NULL, query_cb, &qr[3]));
	ck_assert_int_eq(qr[3].calls, 0);
}
END_TEST

START_TEST(test_query_timeout_tries)
{
	struct fake *f = fake_start(0, script_silent, 0);
	struct evdns_query_options o;

	use_server(f);
	memset(&o, 0, sizeof(o));
	o.timeout_msec = 50;
	o.tries = 3;
	evdns_base_query(dns, "t.example", &o, query_cb, &qr[0]);
	run_until_done(1);
	ck_assert_int_eq(qr[0].err, DNS_ERR_TIMEOUT);
	ck_assert_int_eq(qr[0].tries, 3);
	ck_assert_int_eq(f->n_queries, 3);
}
END_TEST

/* Two TCP queries on one connection, answered in reverse order. */
static void
script_tcp_reverse(struct fake *f, const unsigned char *q, size_t len)
{
	struct msg *m = &f->held[f->n_held++];
	int i;

	reply_init(m, q, len, 0);
	add_a(m, NULL, 10, "10.0.0.1");
	if (f->n_held < 2)
		return;
	for (i = f->n_held - 1; i >= 0; i--)
		fake_send(f, f->held[i].b, f->held[i].len);
	f->n_held = 0;
}

START_TEST(test_tcp_pipelining)
{
	struct fake *f = fake_start(0, script_tcp_reverse, 1);
	struct evdns_query_options o;

	use_server(f);
	memset(&o, 0, sizeof(o));
	o.flags = EVDNS_QUERY_TCP;
	evdns_base_query(dns, "one.example", &o, query_cb, &qr[0]);
	evdns_base_query(dns, "two.example", &o, query_cb, &qr[1]);
	run_until_done(2);
	ck_assert_int_eq(qr[0].err, DNS_ERR_NONE);
	ck_assert_int_eq(qr[1].err, DNS_ERR_NONE);
	ck_assert_int_eq(qr[0].tcp, 1);
	ck_assert_int_eq(qr[0].ancount, 1);
	ck_assert_int_eq(f->tcp_accepts, 1);
	ck_assert_int_eq(f->n_tcp_queries, 2);
	/* The connection is reused by the next query. */
	f->script = script_a;
	evdns_base_query(dns, "three.example", &o, query_cb, &qr[2]);
	run_until_done(3);
	ck_assert_int_eq(qr[2].err, DNS_ERR_NONE);
	ck_assert_int_eq(f->tcp_accepts, 1);
}
END_TEST

/* Replies written in two pieces, the length prefix split. */
static struct msg split_rest;
static struct fake *split_fake;

static void
send_rest_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	ck_assert_int_eq(send(split_fake->tcp_conn, split_rest.b,
	                     split_rest.len, 0),
	    (ssize_t)split_rest.len);
}

static void
script_tcp_split(struct fake *f, const unsigned char *q, size_t len)
{
	struct msg m;
	struct timeval tv;

	reply_init(&m, q, len, 0);
	add_a(&m, NULL, 10, "10.0.0.1");
	split_rest.len = 0;
	split_rest.b[split_rest.len++] = (unsigned char)m.len;
	memcpy(split_rest.b + 1, m.b, m.len);
	split_rest.len += m.len;
	split_fake = f;
	ck_assert_int_eq(send(f->tcp_conn, "", 1, 0), 1); /* the high byte */
	event_base_once(evkit_base, -1, EV_TIMEOUT, send_rest_cb, NULL,
	    evkit_ms_tv(&tv, 20));
}

START_TEST(test_tcp_partial_reply)
{
	struct fake *f = fake_start(0, script_tcp_split, 1);
	struct evdns_query_options o;

	use_server(f);
	memset(&o, 0, sizeof(o));
	o.flags = EVDNS_QUERY_TCP;
	evdns_base_query(dns, "split.example", &o, query_cb, &qr[0]);
	run_until_done(1);
	ck_assert_int_eq(qr[0].err, DNS_ERR_NONE);
	ck_assert_int_eq(qr[0].tcp, 1);
	ck_assert_int_eq(qr[0].ancount, 1);
}
END_TEST

/* The server closes its end after every reply: each query reconnects. */
static void
script_tcp_close(struct fake *f, const unsigned char *q, size_t len)
{
	script_a(f, q, len);
	shutdown(f->tcp_conn, SHUT_RDWR);
}

START_TEST(test_tcp_server_closes)
{
	struct fake *f = fake_start(0, script_tcp_close, 1);
	struct evdns_query_options o;

	use_server(f);
	memset(&o, 0, sizeof(o));
	o.flags = EVDNS_QUERY_TCP;
	evdns_base_query(dns, "one.example", &o, query_cb, &qr[0]);
	run_until_done(1);
	evdns_base_query(dns, "two.example", &o, query_cb, &qr[1]);
	run_until_done(2);
	ck_assert_int_eq(qr[0].err, DNS_ERR_NONE);
	ck_assert_int_eq(qr[1].err, DNS_ERR_NONE);
	ck_assert_int_eq(f->tcp_accepts, 2);
}
END_TEST

/* TCP refused (no listener) and TCP silent (never answers). */
START_TEST(test_tcp_refused_and_silent)
{
	struct fake *f = fake_start(0, script_silent, 0);
	struct fake *g = fake_start(1, script_silent, 1);
	struct evdns_query_options o;

	use_server(f);
	memset(&o, 0, sizeof(o));
	o.flags = EVDNS_QUERY_TCP;
	o.tries = 2;
	o.timeout_msec = 2000;
	evdns_base_query(dns, "r.example", &o, query_cb, &qr[0]);
	run_until_done(1);
	ck_assert_int_eq(qr[0].err, DNS_ERR_UNKNOWN);
	ck_assert_int_eq(qr[0].tries, 2);
	evdns_base_clear_nameservers_and_suspend(dns);
	use_server(g);
	evdns_base_resume(dns);
	o.tries = 1;
	o.timeout_msec = 100;
	evdns_base_query(dns, "s.example", &o, query_cb, &qr[1]);
	run_until_done(2);
	ck_assert_int_eq(qr[1].err, DNS_ERR_TIMEOUT);
	ck_assert_int_eq(g->n_tcp_queries, 1);
}
END_TEST

/* ---- evdns_base_set_bufferevent_cb ---- */

static int bev_made;
static struct sockaddr_in bev_addr;

/* A plain socket bufferevent: what a TLS one would be, without OpenSSL. */
static struct bufferevent *
make_bev(struct event_base *base, evutil_socket_t fd,
    const struct sockaddr *addr, ev_socklen_t len, void *arg)
{
	(void)arg;
	bev_made++;
	ck_assert_uint_eq(len, sizeof(bev_addr));
	memcpy(&bev_addr, addr, sizeof(bev_addr));
	return bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE);
}

static struct bufferevent *
make_no_bev(struct event_base *base, evutil_socket_t fd,
    const struct sockaddr *addr, ev_socklen_t len, void *arg)
{
	(void)base;
	(void)fd;
	(void)addr;
	(void)len;
	(void)arg;
	bev_made++;
	return NULL;
}

/* Frees the resolver and lets the loop finalize its bufferevents (a
 * freed bufferevent is finalized from the loop). */
static void
free_dns_settle(void)
{
	evdns_base_free(dns, 0);
	dns = NULL;
	ck_assert_int_ge(event_base_loop(evkit_base, EVLOOP_NONBLOCK), 0);
}

/* use-vc: the resolve API and queries alike go over the hook's
 * bufferevent from the first try, on one connection, pipelined. */
START_TEST(test_bev_hook_batch)
{
	struct fake *f = fake_start(0, script_tcp_reverse, 1);

	bev_made = 0;
	use_server(f);
	ck_assert_int_eq(evdns_base_set_bufferevent_cb(dns, make_bev, NULL), 0);
	ck_assert_int_eq(evdns_base_set_option(dns, "use-vc:", "1"), 0);
	ck_assert_int_eq(evdns_base_set_option(dns, "use-vc:", "2"), -1);
	evdns_base_query(dns, "one.example", NULL, query_cb, &qr[0]);
	evdns_base_resolve_ipv4(dns, "two.example", 0, resolve_cb, &res[0]);
	run_until_done(2);
	ck_assert_int_eq(qr[0].err, DNS_ERR_NONE);
	ck_assert_int_eq(qr[0].tcp, 1);
	ck_assert_int_eq(qr[0].tries, 1);
	ck_assert_int_eq(qr[0].conn_err, 0);
	ck_assert_int_eq(res[0].err, DNS_ERR_NONE);
	ck_assert_int_eq(f->n_queries, 2);
	ck_assert_int_eq(f->n_tcp_queries, 2);
	ck_assert_int_eq(f->tcp_accepts, 1);
	ck_assert_int_eq(bev_made, 1);
	ck_assert_int_eq(bev_addr.sin_port, f->addr.sin_port);
	/* Reused while it is open. */
	f->script = script_a;
	evdns_base_query(dns, "three.example", NULL, query_cb, &qr[1]);
	run_until_done(3);
	ck_assert_int_eq(qr[1].err, DNS_ERR_NONE);
	ck_assert_int_eq(f->tcp_accepts, 1);
	ck_assert_int_eq(bev_made, 1);
	/* Back to plain TCP for new connections: nothing breaks. */
	ck_assert_int_eq(evdns_base_set_bufferevent_cb(dns, NULL, NULL), 0);
	ck_assert_int_eq(evdns_base_set_bufferevent_cb(NULL, NULL, NULL), -1);
	free_dns_settle();
}
END_TEST

/* The callback fails: the queries fail (each try on a new connection),
 * nothing crashes or leaks.  A refused connection never reaches the
 * callback and says why. */
START_TEST(test_bev_hook_null)
{
	struct fake *f = fake_start(0, script_a, 1);
	struct fake *g = fake_start(1, script_a, 0); /* no TCP: refused */
	struct evdns_query_options o;

	bev_made = 0;
	use_server(f);
	evdns_base_set_bufferevent_cb(dns, make_no_bev, NULL);
	evdns_base_set_option(dns, "use-vc", NULL);
	memset(&o, 0, sizeof(o));
	o.tries = 2;
	evdns_base_query(dns, "a.example", &o, query_cb, &qr[0]);
	evdns_base_query(dns, "b.example", &o, query_cb, &qr[1]);
	run_until_done(2);
	ck_assert_int_eq(qr[0].err, DNS_ERR_UNKNOWN);
	ck_assert_int_eq(qr[1].err, DNS_ERR_UNKNOWN);
	ck_assert_int_eq(qr[0].tries, 2);
	ck_assert_int_eq(qr[0].conn_err, 0);
	ck_assert_int_eq(f->n_queries, 0);
	ck_assert_int_ge(bev_made, 2);

	evdns_base_clear_nameservers_and_suspend(dns);
	use_server(g);
	evdns_base_resume(dns);
	bev_made = 0;
	o.tries = 1;
	evdns_base_query(dns, "c.example", &o, query_cb, &qr[2]);
	run_until_done(3);
	ck_assert_int_eq(qr[2].err, DNS_ERR_UNKNOWN);
	ck_assert_int_eq(qr[2].conn_err, ECONNREFUSED);
	ck_assert_int_eq(bev_made, 0);
	ck_assert_int_eq(g->n_queries, 0);
}
END_TEST

/* A server with TCP behind the hook's bufferevents; *o asks over TCP. */
static struct fake *
hooked_server(script_fn script, struct evdns_query_options *o)
{
	struct fake *f = fake_start(0, script, 1);

	bev_made = 0;
	use_server(f);
	ck_assert_int_eq(evdns_base_set_bufferevent_cb(dns, make_bev, NULL), 0);
	memset(o, 0, sizeof(*o));
	o->flags = EVDNS_QUERY_TCP;
	return f;
}

/* Each connection answers one query and closes: the queries left on it
 * are written again on a new one, and all are answered. */
static void
script_one_per_conn(struct fake *f, const unsigned char *q, size_t len)
{
	if (f->param == f->tcp_accepts)
		return; /* this connection is done: ignore the rest */
	f->param = f->tcp_accepts;
	script_a(f, q, len);
	shutdown(f->tcp_conn, SHUT_RDWR);
}

START_TEST(test_bev_hook_drop)
{
	struct evdns_query_options o;
	struct fake *f = hooked_server(script_one_per_conn, &o);
	int i;

	o.timeout_msec = 2000;
	for (i = 0; i < 3; i++)
		evdns_base_query(dns, "drop.example", &o, query_cb, &qr[i]);
	run_until_done(3);
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(qr[i].err, DNS_ERR_NONE);
	ck_assert_int_eq(f->tcp_accepts, 3);
	ck_assert_int_eq(bev_made, 3);
	free_dns_settle();
}
END_TEST

/* Freed with a connection open and queries waiting on it. */
START_TEST(test_bev_hook_free_base)
{
	struct evdns_query_options o;
	struct fake *f = hooked_server(script_silent, &o);
	int i;

	evdns_base_query(dns, "x.example", &o, query_cb, &qr[0]);
	for (i = 0; i < 100 && f->n_tcp_queries < 1; i++)
		event_base_loop(evkit_base, EVLOOP_ONCE);
	ck_assert_int_eq(f->n_tcp_queries, 1);
	ck_assert_int_eq(bev_made, 1);
	evdns_base_query(dns, "y.example", &o, query_cb, &qr[1]);
	evdns_base_free(dns, 1);
	dns = NULL;
	run_until_done(2);
	ck_assert_int_eq(qr[0].err, DNS_ERR_SHUTDOWN);
	ck_assert_int_eq(qr[1].err, DNS_ERR_SHUTDOWN);
}
END_TEST

START_TEST(test_query_truncated_tcp)
{
	struct fake *f = fake_start(0, script_tc, 1);
	struct evdns_query_options o;

	use_server(f);
	evdns_base_query(dns, "big.example", NULL, query_cb, &qr[0]);
	run_until_done(1);
	ck_assert_int_eq(qr[0].err, DNS_ERR_NONE);
	ck_assert_int_eq(qr[0].tcp, 1);
	ck_assert_int_eq(qr[0].tries, 2);
	ck_assert_int_eq(qr[0].ancount, 3);
	/* IGNORE_TC: the truncated reply is the answer. */
	memset(&o, 0, sizeof(o));
	o.flags = EVDNS_QUERY_IGNORE_TC;
	evdns_base_query(dns, "big.example", &o, query_cb, &qr[1]);
	run_until_done(2);
	ck_assert_int_eq(qr[1].tcp, 0);
	ck_assert_int_eq(qr[1].ancount, 1);
}
END_TEST

START_TEST(test_query_malformed_then_timeout)
{
	struct fake *f = fake_start(0, script_malformed, 0);
	struct evdns_query_options o;

	use_server(f);
	memset(&o, 0, sizeof(o));
	o.timeout_msec = 100;
	o.tries = 1;
	evdns_base_query(dns, "bad.example", &o, query_cb, &qr[0]);
	run_until_done(1);
	ck_assert_int_eq(qr[0].err, DNS_ERR_TIMEOUT);
}
END_TEST

/* A fresh source port for every query while few are in flight. */
START_TEST(test_fresh_port_per_query)
{
	struct fake *f = fake_start(0, script_hold, 0);
	int i, j;

	n_held_q = 0;
	use_server(f);
	for (i = 0; i < 4; i++)
		evdns_base_resolve_ipv4(dns, "p.example", 0, resolve_cb,
		    &res[i]);
	while (f->n_queries < 4)
		event_base_loop(evkit_base, EVLOOP_ONCE);
	for (i = 0; i < 4; i++)
		for (j = 0; j < i; j++)
			ck_assert_uint_ne(f->ports[i], f->ports[j]);
	for (i = 0; i < 4; i++)
		release_held(f, i);
	run_until_done(4);
	for (i = 0; i < 4; i++)
		ck_assert_int_eq(res[i].err, DNS_ERR_NONE);
}
END_TEST

/*
 * Sockets shared (udp-share): replies in any order reach their request;
 * a reply for a cancelled request or with an ID nobody uses is dropped,
 * and the socket keeps serving the others.
 */
START_TEST(test_shared_socket)
{
	struct fake *f = fake_start(0, script_hold, 0);
	struct evdns_request *r1;
	struct msg m;
	int i;

	n_held_q = 0;
	use_server(f);
	ck_assert_int_eq(evdns_base_set_option(dns, "udp-share:", "4"), 0);
	evdns_base_resolve_ipv4(dns, "one.example", 0, resolve_cb, &res[0]);
	r1 =
	    evdns_base_resolve_ipv4(dns, "two.example", 0, resolve_cb, &res[1]);
	evdns_base_resolve_ipv4(dns, "three.example", 0, resolve_cb, &res[2]);
	while (f->n_queries < 3)
		event_base_loop(evkit_base, EVLOOP_ONCE);
	ck_assert_uint_eq(f->ports[0], f->ports[1]);
	ck_assert_uint_eq(f->ports[1], f->ports[2]);
	evdns_cancel_request(dns, r1);
	reply_init(&m, held_q[0].b, held_q[0].len, 0);
	m.b[0] ^= 0x55; /* nobody's ID */
	add_a(&m, NULL, 10, "10.9.9.9");
	fake_send(f, m.b, m.len);
	for (i = 2; i >= 0; i--)
		release_held(f, i);
	run_until_done(3);
	ck_assert_int_eq(res[0].err, DNS_ERR_NONE);
	ck_assert_int_eq(res[1].err, DNS_ERR_CANCEL);
	ck_assert_int_eq(res[1].calls, 1);
	ck_assert_int_eq(res[2].err, DNS_ERR_NONE);
	/* Nothing else arrives for the cancelled one. */
	for (i = 0; i < 5; i++)
		event_base_loop(evkit_base, EVLOOP_NONBLOCK);
	ck_assert_int_eq(res[1].calls, 1);
	ck_assert_int_eq(n_done, 3);
}
END_TEST

/* DISABLE_WHEN_INACTIVE: the loop ends once no request is left. */
START_TEST(test_inactive_loop_ends)
{
	struct fake *f = fake_start(0, script_a, 0);

	use_server(f);
	evdns_base_resolve_ipv4(dns, "x.example", 0, resolve_cb, &res[0]);
	run_until_done(1);
	event_del(f->ev); /* the fake server's own event */
	ck_assert_int_eq(event_base_dispatch(evkit_base), 1);
	event_add(f->ev, NULL);
}
END_TEST

START_TEST(test_no_nameserver)
{
	evdns_base_resolve_ipv4(dns, "x.example", 0, resolve_cb, &res[0]);
	ck_assert_int_eq(res[0].calls, 0);
	run_until_done(1);
	ck_assert_int_eq(res[0].err, DNS_ERR_UNKNOWN);
}
END_TEST

/* Suspended: requests wait and go out on resume. */
START_TEST(test_suspend_resume)
{
	struct fake *f = fake_start(0, script_a, 0);
	int i;

	use_server(f);
	evdns_base_clear_nameservers_and_suspend(dns);
	evdns_base_resolve_ipv4(dns, "w.example", 0, resolve_cb, &res[0]);
	for (i = 0; i < 5; i++)
		event_base_loop(evkit_base, EVLOOP_NONBLOCK);
	ck_assert_int_eq(res[0].calls, 0);
	use_server(f);
	evdns_base_resume(dns);
	run_until_done(1);
	ck_assert_int_eq(res[0].err, DNS_ERR_NONE);
}
END_TEST
#endif

#ifndef EVKIT_REFERENCE
/*
 * bind-to: the source address, and the port when one is given, also for
 * nameservers added before the option.  Evkit only: libevent 2.1 binds
 * the sockets of nameservers added after the option, and never those of
 * a loopback nameserver, the only kind this test can run.
 */
START_TEST(test_bind_to)
{
	struct fake *f = fake_start(0, script_a, 0);
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);
	char opt[64];
	evutil_socket_t probe;
	int port;

	use_server(f);
	ck_assert_int_eq(evdns_base_set_option(dns, "bind-to:", "127.0.0.2"),
	    0);
	evdns_base_resolve_ipv4(dns, "b.example", 0, resolve_cb, &res[0]);
	run_until_done(1);
	ck_assert_int_eq(res[0].err, DNS_ERR_NONE);
	ck_assert_uint_eq(ntohl(((struct sockaddr_in *)&f->peer)
	                            ->sin_addr.s_addr),
	    0x7f000002);
	/* A port the kernel picks for us (then gives back). */
	probe = socket(AF_INET, SOCK_DGRAM, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(0x7f000002);
	ck_assert_int_eq(bind(probe, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(getsockname(probe, (struct sockaddr *)&sin, &sl), 0);
	port = ntohs(sin.sin_port);
	close(probe);
	snprintf(opt, sizeof(opt), "127.0.0.2:%d", port);
	ck_assert_int_eq(evdns_base_set_option(dns, "bind-to:", opt), 0);
	evdns_base_resolve_ipv4(dns, "c.example", 0, resolve_cb, &res[1]);
	evdns_base_resolve_ipv4(dns, "d.example", 0, resolve_cb, &res[2]);
	run_until_done(3);
	ck_assert_int_eq(res[1].err, DNS_ERR_NONE);
	ck_assert_int_eq(res[2].err, DNS_ERR_NONE);
	ck_assert_int_eq(f->ports[1], port);
	ck_assert_int_eq(f->ports[2], port);
}
END_TEST
#endif

/* ---- Threads: requests made from another thread than the loop's ---- */

#define THREAD_REQUESTS 50
static struct result thread_res[THREAD_REQUESTS];

static void *
thread_resolver(void *arg)
{
	int i;

	(void)arg;
	for (i = 0; i < THREAD_REQUESTS; i++)
		ck_assert_ptr_nonnull(evdns_base_resolve_ipv4(dns,
		    i % 2 ? "odd.example" : "even.example", 0, resolve_cb,
		    &thread_res[i]));
	return NULL;
}

static void
dns_thread_setup(void)
{
	ck_assert_int_eq(evthread_use_pthreads(), 0);
	dns_setup();
}

/* thread_resolver's requests, answered while the loop runs here: each
 * is answered once and without error. */
static void
run_thread_requests(void)
{
	pthread_t t;
	int i;

	memset(thread_res, 0, sizeof(thread_res));
	ck_assert_int_eq(pthread_create(&t, NULL, thread_resolver, NULL), 0);
	run_until_done(THREAD_REQUESTS);
	ck_assert_int_eq(pthread_join(t, NULL), 0);
	for (i = 0; i < THREAD_REQUESTS; i++) {
		ck_assert_int_eq(thread_res[i].calls, 1);
		ck_assert_int_eq(thread_res[i].err, DNS_ERR_NONE);
	}
}

START_TEST(test_requests_from_thread)
{
	struct fake *f = fake_start(0, script_a, 0);

	use_server(f);
	run_thread_requests();
}
END_TEST

#ifndef EVKIT_REFERENCE
/* The same over the hook's bufferevents (use-vc): the thread writes on
 * the connection whose replies the loop reads, with no deadlock between
 * the resolver's lock and the bufferevent's. */
START_TEST(test_bev_hook_from_thread)
{
	struct fake *f = fake_start(0, script_a, 1);

	use_server(f);
	bev_made = 0;
	ck_assert_int_eq(evdns_base_set_bufferevent_cb(dns, make_bev, NULL), 0);
	ck_assert_int_eq(evdns_base_set_option(dns, "use-vc:", "1"), 0);
	run_thread_requests();
	ck_assert_int_eq(f->n_tcp_queries, THREAD_REQUESTS);
	ck_assert_int_ge(bev_made, 1);
	free_dns_settle();
}
END_TEST
#endif

Suite *
dns_suite(void)
{
	Suite *s = suite_create("dns");
	TCase *tc = tcase_create("resolve");

	tcase_add_checked_fixture(tc, dns_setup, dns_teardown);
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, test_a);
	tcase_add_test(tc, test_aaaa_and_ptr);
	tcase_add_test(tc, test_cname_chain);
	tcase_add_test(tc, test_nxdomain_nodata);
	tcase_add_test(tc, test_negative_ttl);
	tcase_add_test(tc, test_timeout_one_server);
	tcase_add_test(tc, test_dead_first_server);
	tcase_add_test(tc, test_wrong_id_ignored);
	tcase_add_test(tc, test_wrong_source_ignored);
	tcase_add_test(tc, test_wrong_question_ignored);
	tcase_add_test(tc, test_randomize_case);
	tcase_add_test(tc, test_truncated_tcp);
	tcase_add_test(tc, test_truncated_no_tcp);
	tcase_add_test(tc, test_malformed_ignored);
	tcase_add_test(tc, test_cancel);
	tcase_add_test(tc, test_free_fail_requests);
	tcase_add_test(tc, test_max_inflight);
	tcase_add_test(tc, test_search_order);
	tcase_add_test(tc, test_nameserver_formats);
	tcase_add_test(tc, test_set_option);
	tcase_add_test(tc, test_err_to_string);
	tcase_add_test(tc, test_late_reply_other_server);
	tcase_add_test(tc, test_free_in_callback);
	tcase_add_test(tc, test_formerr_without_edns);
	tcase_add_test(tc, test_ptr_malformed_then_good);
#ifndef EVKIT_REFERENCE
	tcase_add_test(tc, test_bind_to);
#endif
	tcase_add_test(tc, test_log_fn);
#ifndef EVKIT_REFERENCE
	tcase_add_test(tc, test_servfail);
	tcase_add_test(tc, test_servfail_other_server);
	tcase_add_test(tc, test_down_and_probed_up);
	tcase_add_test(tc, test_no_nameserver);
	tcase_add_test(tc, test_fresh_port_per_query);
	tcase_add_test(tc, test_shared_socket);
	tcase_add_test(tc, test_inactive_loop_ends);
	tcase_add_test(tc, test_suspend_resume);
#endif
	suite_add_tcase(s, tc);

	tc = tcase_create("threads");
	tcase_add_checked_fixture(tc, dns_thread_setup, dns_teardown);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_requests_from_thread);
#ifndef EVKIT_REFERENCE
	tcase_add_test(tc, test_bev_hook_from_thread);
#endif
	suite_add_tcase(s, tc);

#ifndef EVKIT_REFERENCE
	tc = tcase_create("query");
	tcase_add_checked_fixture(tc, dns_setup, dns_teardown);
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, test_query_flags);
	tcase_add_test(tc, test_query_timeout_tries);
	tcase_add_test(tc, test_tcp_pipelining);
	tcase_add_test(tc, test_query_truncated_tcp);
	tcase_add_test(tc, test_tcp_partial_reply);
	tcase_add_test(tc, test_tcp_server_closes);
	tcase_add_test(tc, test_tcp_refused_and_silent);
	tcase_add_test(tc, test_query_malformed_then_timeout);
	tcase_add_test(tc, test_bev_hook_batch);
	tcase_add_test(tc, test_bev_hook_null);
	tcase_add_test(tc, test_bev_hook_drop);
	tcase_add_test(tc, test_bev_hook_free_base);
	suite_add_tcase(s, tc);
#endif
	return s;
}
