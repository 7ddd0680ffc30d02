/*
 * tests/check_dns_conf.c: resolv.conf(5) and hosts(5) files, and
 * evdns_getaddrinfo (suite dns_conf).
 *
 * Public API only: the suite also runs against libevent 2.1 (`make
 * libevent-check`); checks of deliberate evkit differences are under
 * #ifndef EVKIT_REFERENCE.  Names are resolved through a server port of
 * our own on 127.0.0.1, port 0, on the test's base: it answers by the
 * first label of the name (case ignored: randomize-case mixes it) and
 * logs every question, so a test sees which queries were sent.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/bufferevent.h>
#include <event2/dns.h>
#include <event2/dns_compat.h>
#include <event2/event_compat.h>
#include <event2/dns_struct.h>
#include <event2/listener.h>

#include "check-internal.h"

static char tmpdir[64];
static struct evdns_base *dns;

/* ------------------------------------------------------------------ */
/* A DNS server on the test's base.                                    */

#define LOG_MAX 32
struct mserver {
	evutil_socket_t fd;
	struct evdns_server_port *port;
	char addr[64]; /* "127.0.0.1:PORT" */
	int n;         /* questions seen */
	char log[LOG_MAX][64];
	int types[LOG_MAX];
	struct evdns_server_request *held; /* a request left unanswered */
};
static struct mserver srv;

/* name ends with suffix, case ignored. */
static int
has_suffix(const char *name, const char *suffix)
{
	size_t n = strlen(name), k = strlen(suffix);

	return n >= k && !strcasecmp(name + n - k, suffix);
}

static int
starts(const char *name, const char *prefix)
{
	return !strncasecmp(name, prefix, strlen(prefix));
}

/*
 * Answers: "nx*" NXDOMAIN; "empty*" no record; "drop*" never; "slow6*"
 * A at once, AAAA never; "only4*" A only; "host.b.test" and "x.y.c.test"
 * an A record, every other name under a search domain NXDOMAIN; anything
 * else A 127.0.0.1 and AAAA ::1 (and "two*" two of each).
 */
static void
mserver_cb(struct evdns_server_request *req, void *arg)
{
	struct mserver *s = arg;
	static const unsigned char a4[8] = { 127, 0, 0, 1, 127, 0, 0, 2 };
	unsigned char a6[32] = { 0 };
	const char *name;
	int type;

	ck_assert_int_eq(req->nquestions, 1);
	name = req->questions[0]->name;
	type = req->questions[0]->type;
	if (s->n < LOG_MAX) {
		int i;

		for (i = 0; name[i] && i < 63; i++)
			s->log[s->n][i] = (char)tolower((unsigned char)name[i]);
		s->log[s->n][i] = '\0';
		s->types[s->n] = type;
	}
	s->n++;
	a6[15] = 1;
	a6[31] = 2;
	if (type == EVDNS_TYPE_PTR) {
		/* The owner built from the address when it is ours. */
		if (!strcasecmp(name, "4.3.2.1.in-addr.arpa")) {
			struct in_addr in;

			in.s_addr = htonl(0x01020304);
			evdns_server_request_add_ptr_reply(req, &in, NULL,
			    "ptr.example", 60);
		} else {
			evdns_server_request_add_ptr_reply(req, NULL, name,
			    "other.example", 60);
		}
		evdns_server_request_respond(req, 0);
	} else if (starts(name, "cn")) {
		/* A CNAME to target.example, and its address. */
		static const unsigned char t4[4] = { 127, 0, 0, 5 };

		evdns_server_request_add_cname_reply(req, name,
		    "target.example", 60);
		if (type == EVDNS_TYPE_A)
			evdns_server_request_add_a_reply(req, "target.example",
			    1, t4, 60);
		evdns_server_request_respond(req, 0);
	} else if (starts(name, "nx")) {
		evdns_server_request_respond(req, DNS_ERR_NOTEXIST);
	} else if (starts(name, "empty") ||
	    (starts(name, "only4") && type == EVDNS_TYPE_AAAA)) {
		evdns_server_request_respond(req, 0);
	} else if (starts(name, "drop") ||
	    (starts(name, "slow6") && type == EVDNS_TYPE_AAAA)) {
		evdns_server_request_drop(req);
	} else if (strcasecmp(name, "host.b.test") &&
	    strcasecmp(name, "x.y.c.test") &&
	    (has_suffix(name, ".a.test") || has_suffix(name, ".b.test") ||
	        has_suffix(name, ".c.test"))) {
		evdns_server_request_respond(req, DNS_ERR_NOTEXIST);
	} else {
		int n = starts(name, "two") ? 2 : 1;

		if (type == EVDNS_TYPE_A)
			evdns_server_request_add_a_reply(req, name, n, a4, 60);
		else if (type == EVDNS_TYPE_AAAA)
			evdns_server_request_add_aaaa_reply(req, name, n, a6,
			    60);
		evdns_server_request_respond(req, 0);
	}
}

static void
mserver_start(struct event_base *base)
{
	struct sockaddr_in sin;
	ev_socklen_t len = sizeof(sin);

	memset(&srv, 0, sizeof(srv));
	srv.fd = socket(AF_INET, SOCK_DGRAM, 0);
	ck_assert_int_ge(srv.fd, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(srv.fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(getsockname(srv.fd, (struct sockaddr *)&sin, &len), 0);
	ck_assert_int_eq(evutil_make_socket_nonblocking(srv.fd), 0);
	srv.port =
	    evdns_add_server_port_with_base(base, srv.fd, 0, mserver_cb, &srv);
	ck_assert_ptr_nonnull(srv.port);
	snprintf(srv.addr, sizeof(srv.addr), "127.0.0.1:%d",
	    ntohs(sin.sin_port));
}

/* ------------------------------------------------------------------ */
/* Files and fixture.                                                  */

static const char *
tmpfile_with(const char *name, const char *text)
{
	static char path[4][128];
	static int next;
	char *p = path[next++ % 4];
	FILE *f;

	snprintf(p, sizeof(path[0]), "%s/%s", tmpdir, name);
	f = fopen(p, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_ge(fputs(text, f), 0);
	ck_assert_int_eq(fclose(f), 0);
	return p;
}

static void
setup(void)
{
	evkit_base = evkit_new_base();
	snprintf(tmpdir, sizeof(tmpdir), "%s/evkit-dnsconf.XXXXXX",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	dns = evdns_base_new(evkit_base, 0);
	ck_assert_ptr_nonnull(dns);
	memset(&srv, 0, sizeof(srv));
	srv.fd = -1;
}

static void
teardown(void)
{
	char cmd[128];

	if (dns)
		evdns_base_free(dns, 0);
	dns = NULL;
	if (srv.port)
		evdns_close_server_port(srv.port); /* closes srv.fd */
	srv.port = NULL;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	ck_assert_int_eq(system(cmd), 0);
	evkit_free_base(evkit_base);
	evkit_base = NULL;
}

/* The nameservers of dns as "ADDR:PORT" strings, sorted, joined by
 * spaces (the order of the list is the resolver's business). */
static const char *
nameservers(void)
{
	static char out[512];
	char one[16][96], tmp[96];
	int n = evdns_base_count_nameservers(dns), i, j;

	ck_assert_int_le(n, 16);
	for (i = 0; i < n; i++) {
		struct sockaddr_storage ss;
		char host[64];
		int port;

		ck_assert_int_gt(evdns_base_get_nameserver_addr(dns, i,
		                     (struct sockaddr *)&ss, sizeof(ss)),
		    0);
		if (ss.ss_family == AF_INET) {
			struct sockaddr_in *s = (struct sockaddr_in *)&ss;

			inet_ntop(AF_INET, &s->sin_addr, host, sizeof(host));
			port = ntohs(s->sin_port);
			snprintf(one[i], sizeof(one[i]), "%s:%d", host, port);
		} else {
			struct sockaddr_in6 *s = (struct sockaddr_in6 *)&ss;

			inet_ntop(AF_INET6, &s->sin6_addr, host, sizeof(host));
			port = ntohs(s->sin6_port);
			snprintf(one[i], sizeof(one[i]), "[%s]:%d", host, port);
		}
	}
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			if (strcmp(one[i], one[j]) > 0) {
				strcpy(tmp, one[i]);
				strcpy(one[i], one[j]);
				strcpy(one[j], tmp);
			}
	out[0] = '\0';
	for (i = 0; i < n; i++) {
		if (i)
			strcat(out, " ");
		strcat(out, one[i]);
	}
	return out;
}

static int
parse(int flags, const char *text)
{
	return evdns_base_resolv_conf_parse(dns, flags,
	    tmpfile_with("resolv.conf", text));
}

/* ------------------------------------------------------------------ */
/* resolv.conf                                                         */

START_TEST(conf_missing_file)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/none", tmpdir);
	/* No file: a local resolver is assumed, and 1 returned. */
	ck_assert_int_eq(evdns_base_resolv_conf_parse(dns, DNS_OPTIONS_ALL,
	                     path),
	    1);
	ck_assert_str_eq(nameservers(), "127.0.0.1:53");
	evdns_base_free(dns, 0);
	dns = evdns_base_new(evkit_base, 0);
	ck_assert_int_eq(evdns_base_resolv_conf_parse(dns,
	                     DNS_OPTIONS_ALL |
	                         DNS_OPTION_NAMESERVERS_NO_DEFAULT,
	                     path),
	    1);
	ck_assert_str_eq(nameservers(), "");
}
END_TEST

START_TEST(conf_no_nameserver)
{
	/* No nameserver line: 127.0.0.1 is added and 6 returned ... */
	ck_assert_int_eq(parse(DNS_OPTIONS_ALL, "search a.test\n"), 6);
	ck_assert_str_eq(nameservers(), "127.0.0.1:53");
	evdns_base_free(dns, 0);
	/* ... unless asked not to, or not reading nameservers at all. */
	dns = evdns_base_new(evkit_base, 0);
	ck_assert_int_eq(parse(DNS_OPTIONS_ALL |
	                         DNS_OPTION_NAMESERVERS_NO_DEFAULT,
	                     ""),
	    0);
	ck_assert_str_eq(nameservers(), "");
	ck_assert_int_eq(parse(DNS_OPTION_SEARCH | DNS_OPTION_MISC,
	                     "nameserver 10.0.0.1\n"),
	    0);
	ck_assert_str_eq(nameservers(), "");
}
END_TEST

START_TEST(conf_nameservers)
{
	ck_assert_int_eq(parse(DNS_OPTIONS_ALL,
	                     "# a comment\n"
	                     "; another\n"
	                     "nameserver 10.0.0.1\n"
	                     "  nameserver\t10.0.0.2:5353\n"
	                     "nameserver 2001:db8::1\n"
	                     "nameserver [::1]:54\n"
	                     "nameserver\n"
	                     "nameserver not-an-address\n"
	                     "unknown directive\n"
	                     "nameserver 10.0.0.3"), /* no final newline */
	    0);
	ck_assert_str_eq(nameservers(),
	    "10.0.0.1:53 10.0.0.2:5353 10.0.0.3:53 [2001:db8::1]:53 "
	    "[::1]:54");
}
END_TEST

#ifndef EVKIT_REFERENCE
START_TEST(conf_crlf_and_trailing_comments)
{
	/* libevent 2.1 takes "10.0.0.1\r" and "10.0.0.2#x" for addresses
	 * and fails on them. */
	ck_assert_int_eq(parse(DNS_OPTIONS_ALL,
	                     "nameserver 10.0.0.1\r\n"
	                     "nameserver 10.0.0.2# trailing comment\r\n"
	                     "nameserver 10.0.0.3 ; another\n"),
	    0);
	ck_assert_str_eq(nameservers(), "10.0.0.1:53 10.0.0.2:53 10.0.0.3:53");
}
END_TEST

START_TEST(conf_too_large)
{
	const char *path = tmpfile_with("big", "");
	int fd = open(path, O_WRONLY);

	/* A sparse file of 2 GiB: refused from its size, nothing read. */
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, (off_t)1 << 31), 0);
	close(fd);
	ck_assert_int_eq(evdns_base_resolv_conf_parse(dns, DNS_OPTIONS_ALL,
	                     path),
	    3);
	ck_assert_str_eq(nameservers(), "");
}
END_TEST
#endif

START_TEST(conf_directory)
{
	ck_assert_int_eq(evdns_base_resolv_conf_parse(dns, DNS_OPTIONS_ALL,
	                     tmpdir),
	    2);
	ck_assert_str_eq(nameservers(), "");
}
END_TEST

START_TEST(conf_huge_file)
{
	/* 2 MB of comments and blank lines, then one nameserver with no
	 * newline: read whole (libevent 2.1 has no size limit either). */
	size_t size = 2u << 20, i;
	char *text = malloc(size + 64);

	ck_assert_ptr_nonnull(text);
	for (i = 0; i < size; i += 32)
		memcpy(text + i, "# padding: thirty-two bytes!!\n\n\n", 32);
	strcpy(text + size, "nameserver 10.9.8.7");
	ck_assert_int_eq(parse(DNS_OPTIONS_ALL, text), 0);
	free(text);
	ck_assert_str_eq(nameservers(), "10.9.8.7:53");
}
END_TEST

/* The result of a resolve. */
struct rres {
	int done, result, count;
	char first[64];
};

static void
resolve_cb(int result, char type, int count, int ttl, void *addrs, void *arg)
{
	struct rres *r = arg;

	r->done = 1;
	r->result = result;
	r->count = count;
	if (result == DNS_ERR_NONE && type == DNS_IPv4_A && count > 0)
		inet_ntop(AF_INET, addrs, r->first, sizeof(r->first));
}

static void
resolve4(const char *name, struct rres *r)
{
	memset(r, 0, sizeof(*r));
	ck_assert_ptr_nonnull(
	    evdns_base_resolve_ipv4(dns, name, 0, resolve_cb, r));
	ck_assert_int_eq(evkit_loop_until(evkit_base, &r->done, 0, 5000), 0);
}

static const char *
conf_with_server(const char *text)
{
	static char buf[1024];

	snprintf(buf, sizeof(buf), "%snameserver %s\n", text, srv.addr);
	return buf;
}

START_TEST(conf_search_and_ndots)
{
	struct rres r;

	mserver_start(evkit_base);
	/* ndots:2 given before the search line still holds. */
	ck_assert_int_eq(parse(DNS_OPTIONS_ALL,
	                     conf_with_server("options ndots:2\n"
	                                      "search a.test b.test\n")),
	    0);
	resolve4("host", &r);
	ck_assert_int_eq(r.result, DNS_ERR_NONE);
	ck_assert_str_eq(r.first, "127.0.0.1");
	ck_assert_int_eq(srv.n, 2);
	ck_assert_str_eq(srv.log[0], "host.a.test");
	ck_assert_str_eq(srv.log[1], "host.b.test");

	/* "x.y" has fewer dots than ndots: the search list goes first. */
	srv.n = 0;
	ck_assert_int_eq(parse(DNS_OPTION_SEARCH,
	                     "search a.test\n"
	                     "domain c.test\n"
	                     "options ndots:2\n"),
	    0);
	resolve4("x.y", &r);
	ck_assert_int_eq(r.result, DNS_ERR_NONE);
	/* The domain line came last and replaced the search list. */
	ck_assert_int_eq(srv.n, 1);
	ck_assert_str_eq(srv.log[0], "x.y.c.test");
}
END_TEST

START_TEST(conf_search_flag_off)
{
	struct rres r;

	mserver_start(evkit_base);
	/* Without DNS_OPTION_SEARCH the search line is ignored. */
	ck_assert_int_eq(parse(DNS_OPTION_NAMESERVERS | DNS_OPTION_MISC,
	                     conf_with_server("search a.test\n")),
	    0);
	resolve4("plainhost", &r);
	ck_assert_int_eq(r.result, DNS_ERR_NONE);
	ck_assert_int_eq(srv.n, 1);
	ck_assert_str_eq(srv.log[0], "plainhost");
}
END_TEST

START_TEST(conf_options_attempts)
{
	struct rres r;

	mserver_start(evkit_base);
	/* attempts:2 sends a dropped query twice, each try waiting the
	 * timeout; unknown options (rotate, edns0) are ignored. */
	ck_assert_int_eq(parse(DNS_OPTIONS_ALL,
	                     conf_with_server(
	                         "options timeout:0.1 attempts:2 "
	                         "max-timeouts:10 rotate edns0\n")),
	    0);
	resolve4("drop.example", &r);
	ck_assert_int_eq(r.result, DNS_ERR_TIMEOUT);
	ck_assert_int_eq(srv.n, 2);
	srv.n = 0;
	/* Without DNS_OPTION_MISC options are not applied. */
	ck_assert_int_eq(parse(DNS_OPTION_SEARCH, "options attempts:1\n"), 0);
	resolve4("drop.example", &r);
	ck_assert_int_eq(srv.n, 2);
}
END_TEST

/* ------------------------------------------------------------------ */
/* getaddrinfo                                                         */

struct gres {
	int done, result;
	int in_call; /* the callback ran inside evdns_getaddrinfo */
	char addrs[512];
	int n;
	char canon[64]; /* the first addrinfo's ai_canonname, "" if none */
};
static int calling;

static void
gai_cb(int result, struct evutil_addrinfo *ai, void *arg)
{
	struct gres *g = arg;
	struct evutil_addrinfo *p;

	g->done = 1;
	g->result = result;
	g->in_call = calling;
	g->addrs[0] = '\0';
	snprintf(g->canon, sizeof(g->canon), "%s",
	    ai && ai->ai_canonname ? ai->ai_canonname : "");
	for (p = ai; p; p = p->ai_next) {
		char host[64], one[128];
		int port;

		if (p->ai_family == AF_INET) {
			struct sockaddr_in *s =
			    (struct sockaddr_in *)p->ai_addr;

			inet_ntop(AF_INET, &s->sin_addr, host, sizeof(host));
			port = ntohs(s->sin_port);
		} else {
			struct sockaddr_in6 *s =
			    (struct sockaddr_in6 *)p->ai_addr;

			inet_ntop(AF_INET6, &s->sin6_addr, host, sizeof(host));
			port = ntohs(s->sin6_port);
		}
		snprintf(one, sizeof(one), "%s%s/%d/%s", g->addrs[0] ? " " : "",
		    host, port,
		    p->ai_socktype == SOCK_STREAM      ? "tcp"
		        : p->ai_socktype == SOCK_DGRAM ? "udp"
		                                       : "other");
		strncat(g->addrs, one, sizeof(g->addrs) - strlen(g->addrs) - 1);
		g->n++;
	}
	if (ai)
		evutil_freeaddrinfo(ai);
}

/* A lookup answered before evdns_getaddrinfo returns. */
static void
gai_now(const char *node, const char *serv, int family, int socktype, int flags,
    struct gres *g)
{
	struct evutil_addrinfo hints;

	memset(g, 0, sizeof(*g));
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = family;
	hints.ai_socktype = socktype;
	hints.ai_flags = flags;
	calling = 1;
	ck_assert_ptr_null(
	    evdns_getaddrinfo(dns, node, serv, &hints, gai_cb, g));
	calling = 0;
	ck_assert_int_eq(g->done, 1);
	ck_assert_int_eq(g->in_call, 1);
}

/* A lookup through the server. */
static void
gai_wait_flags(const char *node, int family, int flags, struct gres *g)
{
	struct evutil_addrinfo hints;

	memset(g, 0, sizeof(*g));
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = family;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = flags;
	calling = 1;
	ck_assert_ptr_nonnull(
	    evdns_getaddrinfo(dns, node, "7", &hints, gai_cb, g));
	calling = 0;
	ck_assert_int_eq(g->done, 0);
	ck_assert_int_eq(evkit_loop_until(evkit_base, &g->done, 0, 5000), 0);
	ck_assert_int_eq(g->in_call, 0);
}

static void
gai_wait(const char *node, int family, struct gres *g)
{
	gai_wait_flags(node, family, 0, g);
}

START_TEST(gai_numeric)
{
	struct gres g;

	gai_now("127.0.0.1", "80", AF_UNSPEC, 0, 0, &g);
	ck_assert_int_eq(g.result, 0);
	/* No socket type asked: one addrinfo per type, TCP first. */
	ck_assert_str_eq(g.addrs, "127.0.0.1/80/tcp 127.0.0.1/80/udp");
	gai_now("::1", "http", AF_UNSPEC, SOCK_STREAM, 0, &g);
	ck_assert_int_eq(g.result, 0);
	ck_assert_str_eq(g.addrs, "::1/80/tcp");
	gai_now("10.1.2.3", NULL, AF_INET, SOCK_DGRAM, EVUTIL_AI_NUMERICHOST,
	    &g);
	ck_assert_int_eq(g.result, 0);
	ck_assert_str_eq(g.addrs, "10.1.2.3/0/udp");
	gai_now("not.numeric", NULL, AF_UNSPEC, 0, EVUTIL_AI_NUMERICHOST, &g);
	ck_assert_int_eq(g.result, EVUTIL_EAI_NONAME);
	/* No host: the loopback addresses, or with AI_PASSIVE the wildcard
	 * ones, IPv4 first. */
	gai_now(NULL, "5", AF_UNSPEC, SOCK_STREAM, 0, &g);
	ck_assert_str_eq(g.addrs, "127.0.0.1/5/tcp ::1/5/tcp");
	gai_now(NULL, "5", AF_UNSPEC, SOCK_STREAM, EVUTIL_AI_PASSIVE, &g);
	ck_assert_str_eq(g.addrs, "0.0.0.0/5/tcp ::/5/tcp");
	gai_now(NULL, NULL, AF_UNSPEC, 0, 0, &g);
	ck_assert_int_eq(g.result, EVUTIL_EAI_NONAME);
	gai_now("127.0.0.1", "no-such-service-here", AF_UNSPEC, 0, 0, &g);
	ck_assert_int_eq(g.result, EVUTIL_EAI_NONAME);
	gai_now("127.0.0.1", "http", AF_UNSPEC, 0, EVUTIL_AI_NUMERICSERV, &g);
	ck_assert_int_eq(g.result, EVUTIL_EAI_NONAME);
	gai_now("127.0.0.1", "65536", AF_UNSPEC, 0, 0, &g);
	ck_assert_int_eq(g.result, EVUTIL_EAI_NONAME);
	gai_now("127.0.0.1", "1", 12345, 0, 0, &g);
	ck_assert_int_eq(g.result, EVUTIL_EAI_FAMILY);
}
END_TEST

START_TEST(hosts_file)
{
	struct gres g;
	const char *path = tmpfile_with("hosts",
	    "# comment line\n"
	    "127.0.0.2  Alpha alpha-alias # trailing\n"
	    "::2\talpha\n"
	    "10.0.0.1:80 withport\n"
	    "127.0.0.3 beta#glued\n"
	    "bogus gamma\n"
	    "\n"
	    "127.0.0.4 last"); /* no final newline */

	ck_assert_int_eq(evdns_base_load_hosts(dns, path), 0);
	/* Answered before the call returns, case ignored, in file order. */
	gai_now("ALPHA", NULL, AF_UNSPEC, SOCK_STREAM, 0, &g);
	ck_assert_int_eq(g.result, 0);
	ck_assert_str_eq(g.addrs, "127.0.0.2/0/tcp ::2/0/tcp");
	gai_now("alpha-alias", NULL, AF_UNSPEC, SOCK_STREAM, 0, &g);
	ck_assert_str_eq(g.addrs, "127.0.0.2/0/tcp");
	gai_now("alpha", NULL, AF_INET6, SOCK_STREAM, 0, &g);
	ck_assert_str_eq(g.addrs, "::2/0/tcp");
	gai_now("beta", "9", AF_UNSPEC, SOCK_STREAM, 0, &g);
	ck_assert_str_eq(g.addrs, "127.0.0.3/9/tcp");
	gai_now("last", "9", AF_INET, SOCK_STREAM, 0, &g);
	ck_assert_str_eq(g.addrs, "127.0.0.4/9/tcp");
	/* Entries are added: a second file keeps the first's. */
	ck_assert_int_eq(evdns_base_load_hosts(dns,
	                     tmpfile_with("hosts2", "127.0.0.9 delta\n")),
	    0);
	gai_now("alpha", NULL, AF_INET, SOCK_STREAM, 0, &g);
	ck_assert_str_eq(g.addrs, "127.0.0.2/0/tcp");
	gai_now("delta", NULL, AF_INET, SOCK_STREAM, 0, &g);
	ck_assert_str_eq(g.addrs, "127.0.0.9/0/tcp");
#ifndef EVKIT_REFERENCE
	/* libevent sets the port on the first addrinfo of each address
	 * only, and answers a name with no address of the family asked
	 * with success and an empty list. */
	gai_now("alpha", "9", AF_INET, 0, 0, &g);
	ck_assert_str_eq(g.addrs, "127.0.0.2/9/tcp 127.0.0.2/9/udp");
	gai_now("beta", NULL, AF_INET6, 0, 0, &g);
	ck_assert_int_eq(g.result, EVUTIL_EAI_NODATA);
#endif
}
END_TEST

#ifndef EVKIT_REFERENCE
START_TEST(out_of_memory)
{
	const char *conf = tmpfile_with("resolv.conf", "nameserver 10.0.0.1\n");
	const char *hosts = tmpfile_with("hosts", "127.0.0.7 seven\n");
	struct gres g;
	int r;

	/* libevent 2.1 returns 2 here: the header says 4. */
	evkit_count_blocks();
	evkit_fail_malloc = 1;
	r = evdns_base_resolv_conf_parse(dns, DNS_OPTIONS_ALL, conf);
	evkit_fail_malloc = 0;
	ck_assert_int_eq(r, 4);
	ck_assert_str_eq(nameservers(), "");
	evkit_fail_malloc = 1;
	r = evdns_base_load_hosts(dns, hosts);
	evkit_fail_malloc = 0;
	ck_assert_int_eq(r, -1);
	evkit_fail_malloc = 1;
	gai_now("127.0.0.1", "1", AF_UNSPEC, 0, 0, &g);
	evkit_fail_malloc = 0;
	ck_assert_int_eq(g.result, EVUTIL_EAI_MEMORY);
	/* All is well again afterwards. */
	ck_assert_int_eq(evdns_base_load_hosts(dns, hosts), 0);
	gai_now("seven", "1", AF_INET, SOCK_STREAM, 0, &g);
	ck_assert_str_eq(g.addrs, "127.0.0.7/1/tcp");
}
END_TEST
#endif

START_TEST(hosts_default_and_clear)
{
	struct gres g;
	char path[128];

	mserver_start(evkit_base);
	ck_assert_int_eq(evdns_base_nameserver_ip_add(dns, srv.addr), 0);
	/* A missing file: -1, but localhost is there all the same. */
	snprintf(path, sizeof(path), "%s/none", tmpdir);
	ck_assert_int_eq(evdns_base_load_hosts(dns, path), -1);
	gai_now("localhost", "1", AF_UNSPEC, SOCK_STREAM, 0, &g);
	ck_assert_str_eq(g.addrs, "127.0.0.1/1/tcp ::1/1/tcp");
	evdns_base_clear_host_addresses(dns);
	/* Cleared: the name goes to the server now. */
	gai_wait("localhost", AF_INET, &g);
	ck_assert_int_eq(srv.n, 1);
	ck_assert_str_eq(srv.log[0], "localhost");
	/* NULL: the localhost entries only, and 0. */
	ck_assert_int_eq(evdns_base_load_hosts(dns, NULL), 0);
	gai_now("localhost", "1", AF_INET, SOCK_STREAM, 0, &g);
	ck_assert_str_eq(g.addrs, "127.0.0.1/1/tcp");
	ck_assert_int_eq(srv.n, 1);
}
END_TEST

START_TEST(gai_through_server)
{
	struct gres g;
	int i, a = 0, aaaa = 0;

	mserver_start(evkit_base);
	ck_assert_int_eq(evdns_base_nameserver_ip_add(dns, srv.addr), 0);
	/* A and AAAA in parallel; IPv4 first in the result. */
	gai_wait("two.example", AF_UNSPEC, &g);
	ck_assert_int_eq(g.result, 0);
	ck_assert_str_eq(g.addrs,
	    "127.0.0.1/7/tcp 127.0.0.2/7/tcp ::1/7/tcp ::2/7/tcp");
	ck_assert_int_eq(srv.n, 2);
	for (i = 0; i < 2; i++) {
		a += srv.types[i] == EVDNS_TYPE_A;
		aaaa += srv.types[i] == EVDNS_TYPE_AAAA;
	}
	ck_assert_int_eq(a, 1);
	ck_assert_int_eq(aaaa, 1);
	/* One family: one query. */
	srv.n = 0;
	gai_wait("one.example", AF_INET6, &g);
	ck_assert_str_eq(g.addrs, "::1/7/tcp");
	ck_assert_int_eq(srv.n, 1);
	ck_assert_int_eq(srv.types[0], EVDNS_TYPE_AAAA);
	/* AAAA empty: the A records alone. */
	gai_wait("only4.example", AF_UNSPEC, &g);
	ck_assert_int_eq(g.result, 0);
	ck_assert_str_eq(g.addrs, "127.0.0.1/7/tcp");
	/* NXDOMAIN: EAI_NONAME; no record at all: EAI_FAIL in libevent
	 * 2.1 (it maps every DNS error but NXDOMAIN so). */
	gai_wait("nx.example", AF_UNSPEC, &g);
	ck_assert_int_eq(g.result, EVUTIL_EAI_NONAME);
	gai_wait("empty.example", AF_UNSPEC, &g);
	ck_assert_int_eq(g.result, EVUTIL_EAI_FAIL);
	ck_assert_str_eq(g.addrs, "");
	/* The CNAME is followed; AI_CANONNAME names where it led. */
	gai_wait("cn.example", AF_INET, &g);
	ck_assert_str_eq(g.addrs, "127.0.0.5/7/tcp");
	ck_assert_str_eq(g.canon, "");
	gai_wait_flags("cn.example", AF_UNSPEC, EVUTIL_AI_CANONNAME, &g);
	ck_assert_int_eq(g.result, 0);
	ck_assert_str_eq(g.addrs, "127.0.0.5/7/tcp");
	ck_assert_str_eq(g.canon, "target.example");
#ifndef EVKIT_REFERENCE
	/* No CNAME: the name itself is canonical (libevent gives none). */
	gai_wait_flags("plain.example", AF_INET, EVUTIL_AI_CANONNAME, &g);
	ck_assert_str_eq(g.addrs, "127.0.0.1/7/tcp");
	ck_assert_str_eq(g.canon, "plain.example");
#endif
}
END_TEST

START_TEST(gai_skew_and_timeout)
{
	struct gres g;

	mserver_start(evkit_base);
	ck_assert_int_eq(evdns_base_nameserver_ip_add(dns, srv.addr), 0);
	ck_assert_int_eq(evdns_base_set_option(dns, "timeout:", "0.2"), 0);
	ck_assert_int_eq(evdns_base_set_option(dns, "attempts:", "1"), 0);
	ck_assert_int_eq(evdns_base_set_option(dns,
	                     "getaddrinfo-allow-skew:", "0.05"),
	    0);
	/* The AAAA query is never answered: the A answer is reported once
	 * the skew ran out, well before the query's own timeout. */
	gai_wait("slow6.example", AF_UNSPEC, &g);
	ck_assert_int_eq(g.result, 0);
	ck_assert_str_eq(g.addrs, "127.0.0.1/7/tcp");
	/* Nothing answered: the timeouts, reported as EAI_FAIL. */
	gai_wait("drop.example", AF_UNSPEC, &g);
	ck_assert_int_eq(g.result, EVUTIL_EAI_FAIL);
}
END_TEST

START_TEST(gai_cancel)
{
	struct gres g;
	struct evdns_getaddrinfo_request *req;

	mserver_start(evkit_base);
	ck_assert_int_eq(evdns_base_nameserver_ip_add(dns, srv.addr), 0);
	memset(&g, 0, sizeof(g));
	req = evdns_getaddrinfo(dns, "drop.example", "7", NULL, gai_cb, &g);
	ck_assert_ptr_nonnull(req);
	evdns_getaddrinfo_cancel(req);
	/* The callback runs once, from the loop, with EAI_CANCEL. */
	ck_assert_int_eq(g.done, 0);
	ck_assert_int_eq(evkit_loop_until(evkit_base, &g.done, 0, 5000), 0);
	ck_assert_int_eq(g.result, EVUTIL_EAI_CANCEL);
	ck_assert_str_eq(g.addrs, "");
}
END_TEST

/* Frees the base (with or without fail_requests) while a lookup waits
 * for its AAAA answer with the skew timer armed, then runs the loop well
 * past the skew, where a timer left behind would fire. */
static void
free_base_in_skew_wait(int fail_requests, struct gres *g)
{
	int i, never = 0;

	mserver_start(evkit_base);
	ck_assert_int_eq(evdns_base_nameserver_ip_add(dns, srv.addr), 0);
	ck_assert_int_eq(evdns_base_set_option(dns,
	                     "getaddrinfo-allow-skew:", "0.05"),
	    0);
	memset(g, 0, sizeof(*g));
	ck_assert_ptr_nonnull(
	    evdns_getaddrinfo(dns, "slow6.example", "7", NULL, gai_cb, g));
	/* The server answers A as it reads the query, so once it has read
	 * both the A reply is queued at our socket; a few polls take it in
	 * and arm the skew timer. */
	while (srv.n < 2)
		ck_assert_int_ge(event_base_loop(evkit_base, EVLOOP_ONCE), 0);
	for (i = 0; i < 3; i++)
		ck_assert_int_ge(event_base_loop(evkit_base, EVLOOP_NONBLOCK),
		    0);
	ck_assert_int_eq(g->done, 0);
	evdns_base_free(dns, fail_requests);
	dns = NULL;
	ck_assert_int_eq(evkit_loop_until(evkit_base, &never, 0, 200), -1);
}

/* Without fail_requests: no callback, and nothing fires into freed
 * memory (libevent 2.1 leaks the lookup and its timer). */
START_TEST(gai_base_freed_in_skew_wait)
{
	struct gres g;

	free_base_in_skew_wait(0, &g);
	ck_assert_int_eq(g.done, 0);
}
END_TEST

/* With fail_requests: one callback, with what the A query found. */
START_TEST(gai_base_failed_in_skew_wait)
{
	struct gres g;

	free_base_in_skew_wait(1, &g);
	ck_assert_int_eq(g.done, 1);
	if (g.result == 0)
		ck_assert_int_gt(g.n, 0);
}
END_TEST

/* The result of a reverse lookup. */
struct pres {
	int done, result;
	char name[128];
};

static void
ptr_cb(int result, char type, int count, int ttl, void *addrs, void *arg)
{
	struct pres *p = arg;

	p->done = 1;
	p->result = result;
	if (result == DNS_ERR_NONE && type == DNS_PTR && count == 1)
		snprintf(p->name, sizeof(p->name), "%s", *(char **)addrs);
}

START_TEST(reverse_through_server)
{
	struct pres p;
	struct in_addr in;

	mserver_start(evkit_base);
	ck_assert_int_eq(evdns_base_nameserver_ip_add(dns, srv.addr), 0);
	memset(&p, 0, sizeof(p));
	in.s_addr = htonl(0x01020304);
	ck_assert_ptr_nonnull(
	    evdns_base_resolve_reverse(dns, &in, 0, ptr_cb, &p));
	ck_assert_int_eq(evkit_loop_until(evkit_base, &p.done, 0, 5000), 0);
	ck_assert_int_eq(p.result, DNS_ERR_NONE);
	ck_assert_str_eq(p.name, "ptr.example");
	ck_assert_str_eq(srv.log[0], "4.3.2.1.in-addr.arpa");
	ck_assert_int_eq(srv.types[0], EVDNS_TYPE_PTR);
}
END_TEST

/* The 1.4 API on the base event_init made. */
START_TEST(compat_global_base)
{
	struct event_base *base;
	struct rres r;
	struct gres g;

	/* The fixture's base and resolver are not used here. */
	evdns_base_free(dns, 0);
	dns = NULL;
	ck_assert_ptr_null(evdns_get_global_base());
	base = event_init();
	ck_assert_ptr_nonnull(base);
	mserver_start(base);
	ck_assert_int_eq(evdns_init(), 0);
	ck_assert_ptr_nonnull(evdns_get_global_base());
	evdns_clear_nameservers_and_suspend();
	ck_assert_int_eq(evdns_count_nameservers(), 0);
	ck_assert_int_eq(evdns_nameserver_ip_add(srv.addr), 0);
	ck_assert_int_eq(evdns_count_nameservers(), 1);
	ck_assert_int_eq(evdns_resume(), 0);
	evdns_search_clear();
	ck_assert_int_eq(evdns_set_option("attempts:", "2", 0), 0);
	memset(&r, 0, sizeof(r));
	ck_assert_int_eq(evdns_resolve_ipv4("compat.example", 0, resolve_cb,
	                     &r),
	    0);
	ck_assert_int_eq(evkit_loop_until(base, &r.done, 0, 5000), 0);
	ck_assert_int_eq(r.result, DNS_ERR_NONE);
	ck_assert_str_eq(r.first, "127.0.0.1");
	/* A NULL evdns_base means the global one. */
	memset(&g, 0, sizeof(g));
	ck_assert_ptr_nonnull(
	    evdns_getaddrinfo(NULL, "gai.example", "1", NULL, gai_cb, &g));
	ck_assert_int_eq(evkit_loop_until(base, &g.done, 0, 5000), 0);
	ck_assert_int_eq(g.result, 0);
	evdns_shutdown(0);
	ck_assert_ptr_null(evdns_get_global_base());
	evdns_close_server_port(srv.port);
	srv.port = NULL;
	event_base_free(base);
}
END_TEST

/* bufferevent_socket_connect_hostname, resolved by our server. */
struct conn_state {
	int accepted, connected, error;
	struct sockaddr_storage peer; /* what the listener accepted */
};

static void
accept_cb(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
    int len, void *arg)
{
	struct conn_state *st = arg;

	memcpy(&st->peer, sa, (size_t)len);
	st->accepted++;
	evutil_closesocket(fd);
}

static void
bev_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct conn_state *st = arg;

	if (what & BEV_EVENT_CONNECTED)
		st->connected = 1;
	if (what & BEV_EVENT_ERROR)
		st->error = 1;
}

START_TEST(connect_hostname)
{
	struct conn_state st;
	struct evconnlistener *l;
	struct bufferevent *bev;
	struct sockaddr_in sin, mine;
	ev_socklen_t len = sizeof(sin);

	mserver_start(evkit_base);
	ck_assert_int_eq(evdns_base_nameserver_ip_add(dns, srv.addr), 0);
	memset(&st, 0, sizeof(st));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	l = evconnlistener_new_bind(evkit_base, accept_cb, &st,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 8,
	    (struct sockaddr *)&sin, sizeof(sin));
	ck_assert_ptr_nonnull(l);
	ck_assert_int_eq(getsockname(evconnlistener_get_fd(l),
	                     (struct sockaddr *)&sin, &len),
	    0);
	bev = bufferevent_socket_new(evkit_base, -1, BEV_OPT_CLOSE_ON_FREE);
	ck_assert_ptr_nonnull(bev);
	bufferevent_setcb(bev, NULL, NULL, bev_event_cb, &st);
	ck_assert_int_eq(bufferevent_socket_connect_hostname(bev, dns, AF_INET,
	                     "svc.example", ntohs(sin.sin_port)),
	    0);
	ck_assert_int_eq(evkit_loop_until(evkit_base, &st.connected, 0, 5000),
	    0);
	ck_assert_int_eq(st.error, 0);
	ck_assert_int_eq(srv.n, 1);
	ck_assert_str_eq(srv.log[0], "svc.example");
	/* Our own connection was accepted: its address is the peer's. */
	ck_assert_int_eq(evkit_loop_until(evkit_base, &st.accepted, 0, 5000),
	    0);
	len = sizeof(mine);
	ck_assert_int_eq(getsockname(bufferevent_getfd(bev),
	                     (struct sockaddr *)&mine, &len),
	    0);
	ck_assert_int_eq(((struct sockaddr_in *)&st.peer)->sin_port,
	    mine.sin_port);
	bufferevent_free(bev);
	evconnlistener_free(l);
	event_base_loop(evkit_base, EVLOOP_NONBLOCK);
}
END_TEST

/* bufferevent_free while the name is being looked up: the lookup is
 * cancelled and lets the bufferevent go (LeakSanitizer sees the rest). */
START_TEST(connect_hostname_freed_during_lookup)
{
	struct conn_state st;
	struct bufferevent *bev;
	int i;

	mserver_start(evkit_base);
	ck_assert_int_eq(evdns_base_nameserver_ip_add(dns, srv.addr), 0);
	memset(&st, 0, sizeof(st));
	bev = bufferevent_socket_new(evkit_base, -1, BEV_OPT_CLOSE_ON_FREE);
	ck_assert_ptr_nonnull(bev);
	bufferevent_setcb(bev, NULL, NULL, bev_event_cb, &st);
	ck_assert_int_eq(bufferevent_socket_connect_hostname(bev, dns,
	                     AF_UNSPEC, "drop.example", 9),
	    0);
	bufferevent_free(bev);
	/* The cancellation ends from the loop, in a few turns at most. */
	for (i = 0; i < 5; i++)
		event_base_loop(evkit_base, EVLOOP_NONBLOCK);
	ck_assert_int_eq(st.connected, 0);
	ck_assert_int_eq(st.error, 0);
}
END_TEST

Suite *
dns_conf_suite(void)
{
	Suite *s = suite_create("dns_conf");
	TCase *tc = tcase_create("resolv_conf");
	TCase *th = tcase_create("hosts");
	TCase *tg = tcase_create("getaddrinfo");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, conf_missing_file);
	tcase_add_test(tc, conf_no_nameserver);
	tcase_add_test(tc, conf_nameservers);
#ifndef EVKIT_REFERENCE
	tcase_add_test(tc, conf_crlf_and_trailing_comments);
	tcase_add_test(tc, conf_too_large);
#endif
	tcase_add_test(tc, conf_directory);
	tcase_add_test(tc, conf_huge_file);
	tcase_add_test(tc, conf_search_and_ndots);
	tcase_add_test(tc, conf_search_flag_off);
	tcase_add_test(tc, conf_options_attempts);
	suite_add_tcase(s, tc);

	tcase_add_checked_fixture(th, setup, teardown);
	tcase_set_timeout(th, 20);
	tcase_add_test(th, hosts_file);
	tcase_add_test(th, hosts_default_and_clear);
#ifndef EVKIT_REFERENCE
	tcase_add_test(th, out_of_memory);
#endif
	suite_add_tcase(s, th);

	tcase_add_checked_fixture(tg, setup, teardown);
	tcase_set_timeout(tg, 20);
	tcase_add_test(tg, gai_numeric);
	tcase_add_test(tg, gai_through_server);
	tcase_add_test(tg, gai_skew_and_timeout);
#ifndef EVKIT_REFERENCE
	tcase_add_test(tg, gai_base_freed_in_skew_wait);
	tcase_add_test(tg, gai_base_failed_in_skew_wait);
#endif
	tcase_add_test(tg, gai_cancel);
	tcase_add_test(tg, connect_hostname);
	tcase_add_test(tg, connect_hostname_freed_during_lookup);
	tcase_add_test(tg, reverse_through_server);
	tcase_add_test(tg, compat_global_base);
	suite_add_tcase(s, tg);
	return s;
}
