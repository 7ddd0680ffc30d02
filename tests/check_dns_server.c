/*
 * tests/check_dns_server.c: the server port (evdns_add_server_port_with_base
 * and the evdns_server_request_* calls), suite dns_server.
 *
 * A client socket on 127.0.0.1 sends queries built with the wire module's
 * dns_query_build_ (or by hand, for hostile ones) to a port on 127.0.0.1,
 * port 0, and parses the replies with evdns_msg_parse.  The wire module is
 * evkit's, and libevent 2.1's server crashes on the hostile datagrams, so
 * this suite is left out of `make libevent-check`.
 */
#ifndef EVKIT_REFERENCE
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/dns.h>
#include <event2/dns_query.h>
#include <event2/dns_struct.h>

#include "check-internal.h"
#include "dns-wire-internal.h"

static evutil_socket_t server_fd = -1, client_fd = -1;
static struct evdns_server_port *port;
static struct sockaddr_in server_addr;

/* What the server callback does with each request; set by a test. */
static void (*action)(struct evdns_server_request *req);
static int n_requests;
static struct evdns_server_request *held; /* a request not answered yet */

static void
server_cb(struct evdns_server_request *req, void *arg)
{
	ck_assert_ptr_eq(arg, &port);
	n_requests++;
	action(req);
}

static void
setup(void)
{
	ev_socklen_t len = sizeof(server_addr);

	evkit_base = evkit_new_base();
	n_requests = 0;
	held = NULL;
	server_fd = socket(AF_INET, SOCK_DGRAM, 0);
	ck_assert_int_ge(server_fd, 0);
	memset(&server_addr, 0, sizeof(server_addr));
	server_addr.sin_family = AF_INET;
	server_addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(server_fd, (struct sockaddr *)&server_addr,
	                     sizeof(server_addr)),
	    0);
	ck_assert_int_eq(getsockname(server_fd, (struct sockaddr *)&server_addr,
	                     &len),
	    0);
	port = evdns_add_server_port_with_base(evkit_base, server_fd, 0,
	    server_cb, &port);
	ck_assert_ptr_nonnull(port);
	client_fd = socket(AF_INET, SOCK_DGRAM, 0);
	ck_assert_int_ge(client_fd, 0);
	ck_assert_int_eq(connect(client_fd, (struct sockaddr *)&server_addr,
	                     sizeof(server_addr)),
	    0);
	ck_assert_int_eq(evutil_make_socket_nonblocking(client_fd), 0);
}

static void
teardown(void)
{
	if (port)
		evdns_close_server_port(port); /* closes server_fd */
	port = NULL;
	server_fd = -1;
	evkit_close(&client_fd);
	evkit_free_base(evkit_base);
	evkit_base = NULL;
}

/* ------------------------------------------------------------------ */
/* The client side.                                                    */

static void
send_raw(const void *buf, size_t len)
{
	ck_assert_int_eq(send(client_fd, buf, len, 0), (ssize_t)len);
}

/* A query for name/type; edns 0: no OPT record.  Returns its length. */
static size_t
build_query(unsigned char *out, ev_uint16_t id, const char *name,
    ev_uint16_t type, ev_uint16_t edns)
{
	unsigned char qname[DNS_NAME_MAX];
	struct dns_query_spec q;
	int n;

	ck_assert_int_gt(dns_name_from_text_(name, qname), 0);
	memset(&q, 0, sizeof(q));
	q.id = id;
	q.flags = EVDNS_MSG_RD;
	q.qname = qname;
	q.qtype = type;
	q.qclass = EVDNS_CLASS_IN;
	q.edns_udp_size = edns;
	n = dns_query_build_(&q, out, 512);
	ck_assert_int_gt(n, 0);
	return (size_t)n;
}

static void
send_query(ev_uint16_t id, const char *name, ev_uint16_t type, ev_uint16_t edns)
{
	unsigned char buf[512];

	send_raw(buf, build_query(buf, id, name, type, edns));
}

static void
readable_cb(evutil_socket_t fd, short what, void *arg)
{
	*(int *)arg = 1;
}

/* Waits for the next reply (at most 5 s) and parses it; *lenp gets its
 * size. */
static struct evdns_msg *
recv_reply(size_t *lenp)
{
	unsigned char buf[8192];
	struct evdns_msg *msg = NULL;
	struct event *ev;
	int ready = 0;
	ssize_t n;

	n = recv(client_fd, buf, sizeof(buf), 0);
	if (n < 0) {
		ck_assert_int_eq(errno, EAGAIN);
		ev = event_new(evkit_base, client_fd, EV_READ, readable_cb,
		    &ready);
		ck_assert_ptr_nonnull(ev);
		ck_assert_int_eq(event_add(ev, NULL), 0);
		ck_assert_int_eq(evkit_loop_until(evkit_base, &ready, 0, 5000),
		    0);
		event_free(ev);
		n = recv(client_fd, buf, sizeof(buf), 0);
	}
	ck_assert_int_gt(n, 0);
	if (lenp)
		*lenp = (size_t)n;
	ck_assert_msg(evdns_msg_parse(buf, (size_t)n, &msg) == 0,
	    "reply of %d bytes does not parse", (int)n);
	return msg;
}

/* Runs the loop until the server has seen n requests. */
static void
wait_requests(int n)
{
	int done = 0;

	while (n_requests < n &&
	    evkit_loop_until(evkit_base, &done, 1, 5000) != 0 && n_requests < n)
		continue;
	ck_assert_int_ge(n_requests, n);
}

/* ------------------------------------------------------------------ */
/* Actions.                                                            */

static void
answer_all_kinds(struct evdns_server_request *req)
{
	static const unsigned char v4[8] = { 10, 0, 0, 1, 10, 0, 0, 2 };
	unsigned char v6[16] = { 0x20, 0x01, 0x0d, 0xb8 };
	struct in_addr in;
	const char *name = req->questions[0]->name;

	v6[15] = 1;
	in.s_addr = htonl(0x01020304);
	ck_assert_int_eq(req->nquestions, 1);
	ck_assert_str_eq(name, "www.example.test");
	ck_assert_int_eq(req->questions[0]->type, EVDNS_TYPE_A);
	ck_assert_int_eq(req->questions[0]->dns_question_class,
	    EVDNS_CLASS_INET);
	/* The query's RD is visible. */
	ck_assert_int_eq(req->flags & 0x0100, 0x0100);
	ck_assert_int_eq(evdns_server_request_add_cname_reply(req, name,
	                     "target.example.test", 30),
	    0);
	ck_assert_int_eq(evdns_server_request_add_a_reply(req,
	                     "target.example.test", 2, v4, 60),
	    0);
	ck_assert_int_eq(evdns_server_request_add_aaaa_reply(req,
	                     "target.example.test", 1, v6, 60),
	    0);
	ck_assert_int_eq(evdns_server_request_add_ptr_reply(req, &in, NULL,
	                     "ptr.example.test", 70),
	    0);
	ck_assert_int_eq(evdns_server_request_add_ptr_reply(req, NULL,
	                     "5.6.7.8.in-addr.arpa", "other.example.test", 70),
	    0);
	/* Exactly one of in and inaddr_name. */
	ck_assert_int_eq(evdns_server_request_add_ptr_reply(req, &in,
	                     "x.in-addr.arpa", "y.test", 1),
	    -1);
	ck_assert_int_eq(evdns_server_request_add_ptr_reply(req, NULL, NULL,
	                     "y.test", 1),
	    -1);
	ck_assert_int_eq(evdns_server_request_add_reply(req,
	                     EVDNS_AUTHORITY_SECTION, "example.test",
	                     EVDNS_TYPE_NS, EVDNS_CLASS_INET, 300, -1, 1,
	                     "ns1.example.test"),
	    0);
	ck_assert_int_eq(evdns_server_request_add_reply(req,
	                     EVDNS_ADDITIONAL_SECTION, "ns1.example.test",
	                     EVDNS_TYPE_TXT, EVDNS_CLASS_INET, 5, 4, 0,
	                     "\003abc"),
	    0);
	/* Bad sections and names are refused. */
	ck_assert_int_eq(evdns_server_request_add_reply(req, 3, "a.test",
	                     EVDNS_TYPE_A, EVDNS_CLASS_INET, 1, 4, 0, "1234"),
	    -1);
	ck_assert_int_eq(evdns_server_request_add_a_reply(req, "bad..name", 1,
	                     v4, 1),
	    -1);
	evdns_server_request_set_flags(req, EVDNS_FLAGS_AA);
	ck_assert_int_eq(evdns_server_request_respond(req, 0), 0);
}

START_TEST(every_reply_kind)
{
	struct evdns_msg *m;
	const struct evdns_msg_rr *an;

	action = answer_all_kinds;
	send_query(0x1234, "www.example.test", EVDNS_TYPE_A, 0);
	m = recv_reply(NULL);
	ck_assert_int_eq(m->id, 0x1234);
	ck_assert_int_eq(m->flags &
	        (EVDNS_MSG_QR | EVDNS_MSG_AA | EVDNS_MSG_RD | EVDNS_MSG_TC),
	    EVDNS_MSG_QR | EVDNS_MSG_AA | EVDNS_MSG_RD);
	ck_assert_int_eq(m->rcode, 0);
	ck_assert_uint_eq(m->n_question, 1);
	ck_assert_str_eq(m->question[0].name, "www.example.test.");
	/* add_a_reply with two addresses: two records (libevent 2.1 made
	 * one 8-byte record). */
	ck_assert_uint_eq(m->n_section[0], 6);
	an = m->section[0];
	ck_assert_int_eq(an[0].type, EVDNS_TYPE_CNAME);
	ck_assert_str_eq(an[0].text, "target.example.test.");
	ck_assert_int_eq(an[0].ttl, 30);
	ck_assert_int_eq(an[1].type, EVDNS_TYPE_A);
	ck_assert_str_eq(an[1].name, "target.example.test.");
	ck_assert_str_eq(an[1].text, "10.0.0.1");
	ck_assert_str_eq(an[2].text, "10.0.0.2");
	ck_assert_int_eq(an[3].type, EVDNS_TYPE_AAAA);
	ck_assert_str_eq(an[3].text, "2001:db8::1");
	ck_assert_int_eq(an[4].type, EVDNS_TYPE_PTR);
	ck_assert_str_eq(an[4].name, "4.3.2.1.in-addr.arpa.");
	ck_assert_str_eq(an[4].text, "ptr.example.test.");
	ck_assert_str_eq(an[5].name, "5.6.7.8.in-addr.arpa.");
	ck_assert_uint_eq(m->n_section[1], 1);
	ck_assert_str_eq(m->section[1][0].text, "ns1.example.test.");
	ck_assert_uint_eq(m->n_section[2], 1);
	ck_assert_int_eq(m->section[2][0].type, EVDNS_TYPE_TXT);
	ck_assert_str_eq(m->section[2][0].text, "\"abc\"");
	ck_assert_ptr_null(m->opt);
	evdns_msg_free(m);
	ck_assert_int_eq(n_requests, 1);
}
END_TEST

/* n A records for the question's name, answered at once. */
static int n_answers;
static void
answer_many(struct evdns_server_request *req)
{
	unsigned char a[4] = { 192, 0, 2, 0 };
	int i;

	for (i = 0; i < n_answers; i++) {
		a[3] = (unsigned char)i;
		ck_assert_int_eq(evdns_server_request_add_a_reply(req,
		                     req->questions[0]->name, 1, a, 60),
		    0);
	}
	ck_assert_int_eq(evdns_server_request_respond(req, 0), 0);
}

#define LONG_NAME                                                     \
	"a-rather-long-label-to-make-compression-count.example-zone." \
	"test"

START_TEST(compression)
{
	struct evdns_msg *m;
	size_t len, name_len = strlen(LONG_NAME) + 2;

	action = answer_many;
	n_answers = 10;
	send_query(1, LONG_NAME, EVDNS_TYPE_A, 0);
	m = recv_reply(&len);
	ck_assert_uint_eq(m->n_section[0], 10);
	ck_assert_int_eq(m->flags & EVDNS_MSG_TC, 0);
	/* Each owner is a 2-byte pointer to the question's name. */
	ck_assert_uint_eq(len, 12 + name_len + 4 + 10 * (2 + 10 + 4));
	evdns_msg_free(m);
}
END_TEST

START_TEST(truncation)
{
	struct evdns_msg *m;
	size_t len;

	action = answer_many;
	n_answers = 60; /* 960 bytes of answers */
	send_query(2, LONG_NAME, EVDNS_TYPE_A, 0);
	m = recv_reply(&len);
	/* A plain query: 512 bytes at most, whole records only, TC. */
	ck_assert_uint_le(len, 512);
	ck_assert_int_eq(m->flags & EVDNS_MSG_TC, EVDNS_MSG_TC);
	ck_assert_uint_gt(m->n_section[0], 20);
	ck_assert_uint_lt(m->n_section[0], 60);
	ck_assert_ptr_null(m->opt);
	evdns_msg_free(m);

	/* With EDNS the client's size holds, and the OPT record is echoed. */
	send_query(3, LONG_NAME, EVDNS_TYPE_A, 4096);
	m = recv_reply(&len);
	ck_assert_int_eq(m->flags & EVDNS_MSG_TC, 0);
	ck_assert_uint_eq(m->n_section[0], 60);
	ck_assert_ptr_nonnull(m->opt);
	ck_assert_int_eq(m->edns_udp_size, DNS_EDNS_DEFAULT_UDP);
	ck_assert_int_eq(m->edns_version, 0);
	evdns_msg_free(m);

	/* A small EDNS size: truncated there, OPT still in. */
	send_query(4, LONG_NAME, EVDNS_TYPE_A, 600);
	m = recv_reply(&len);
	ck_assert_uint_le(len, 600);
	ck_assert_uint_gt(len, 512);
	ck_assert_int_eq(m->flags & EVDNS_MSG_TC, EVDNS_MSG_TC);
	ck_assert_ptr_nonnull(m->opt);
	evdns_msg_free(m);
}
END_TEST

static void
answer_big_additional(struct evdns_server_request *req)
{
	static const unsigned char a[4] = { 192, 0, 2, 1 };
	char txt[256];
	int i;

	memset(txt, 'x', sizeof(txt));
	txt[0] = (char)255;
	ck_assert_int_eq(evdns_server_request_add_a_reply(req,
	                     req->questions[0]->name, 1, a, 60),
	    0);
	for (i = 0; i < 4; i++)
		ck_assert_int_eq(evdns_server_request_add_reply(req,
		                     EVDNS_ADDITIONAL_SECTION, "extra.test",
		                     EVDNS_TYPE_TXT, EVDNS_CLASS_INET, 1,
		                     sizeof(txt), 0, txt),
		    0);
	ck_assert_int_eq(evdns_server_request_respond(req, 0), 0);
}

START_TEST(additional_left_out_without_tc)
{
	struct evdns_msg *m;

	/* Leaving additional records out needs no TC (RFC 2181, 9). */
	action = answer_big_additional;
	send_query(5, "host.test", EVDNS_TYPE_A, 0);
	m = recv_reply(NULL);
	ck_assert_int_eq(m->flags & EVDNS_MSG_TC, 0);
	ck_assert_uint_eq(m->n_section[0], 1);
	ck_assert_uint_eq(m->n_section[2], 1);
	evdns_msg_free(m);
}
END_TEST

static void
answer_one(struct evdns_server_request *req)
{
	static const unsigned char a[4] = { 192, 0, 2, 7 };

	if (req->nquestions > 0)
		evdns_server_request_add_a_reply(req, req->questions[0]->name,
		    1, a, 60);
	ck_assert_int_eq(evdns_server_request_respond(req, 0), 0);
}

/* The next reply is for id, with rcode. */
static void
expect_reply(ev_uint16_t id, int rcode)
{
	struct evdns_msg *m = recv_reply(NULL);

	ck_assert_int_eq(m->id, id);
	ck_assert_int_eq(m->rcode, rcode);
	evdns_msg_free(m);
}

START_TEST(hostile_datagrams)
{
	unsigned char buf[600], good[512];
	size_t good_len, i, len;
	unsigned seed = 12345;

	action = answer_one;
	/* 0 to 11 bytes: no header, nothing to answer (libevent 2.1
	 * crashes here). */
	memset(buf, 0xff, sizeof(buf));
	for (len = 0; len < 12; len++)
		send_raw(buf, len);
	good_len = build_query(good, 100, "good.test", EVDNS_TYPE_A, 0);
	send_raw(good, good_len);
	expect_reply(100, 0);

	/* A response (QR set) is never answered. */
	memcpy(buf, good, good_len);
	buf[0] = 0;
	buf[1] = 101;
	buf[2] |= 0x80;
	send_raw(buf, good_len);
	/* qdcount 0: FORMERR. */
	memcpy(buf, good, 12);
	buf[1] = 102;
	buf[5] = 0;
	send_raw(buf, 12);
	/* qdcount 2 with one question: FORMERR. */
	memcpy(buf, good, good_len);
	buf[1] = 103;
	buf[5] = 2;
	send_raw(buf, good_len);
	/* A compression pointer to itself, one pointing forward. */
	memcpy(buf, good, 12);
	buf[1] = 104;
	buf[12] = 0xc0;
	buf[13] = 12;
	memset(buf + 14, 0, 4);
	buf[15] = 1;
	buf[17] = 1;
	send_raw(buf, 18);
	buf[1] = 105;
	buf[13] = 16;
	send_raw(buf, 18);
	/* Bytes after the question. */
	memcpy(buf, good, good_len);
	buf[1] = 106;
	buf[good_len] = 0;
	send_raw(buf, good_len + 1);
	/* An opcode other than QUERY: NOTIMP. */
	memcpy(buf, good, good_len);
	buf[1] = 107;
	buf[2] = (unsigned char)(buf[2] | (5 << 3));
	send_raw(buf, good_len);
	send_raw(good, good_len);
	expect_reply(102, EVDNS_RCODE_FORMERR);
	expect_reply(103, EVDNS_RCODE_FORMERR);
	expect_reply(104, EVDNS_RCODE_FORMERR);
	expect_reply(105, EVDNS_RCODE_FORMERR);
	expect_reply(106, EVDNS_RCODE_FORMERR);
	expect_reply(107, EVDNS_RCODE_NOTIMP);
	expect_reply(100, 0);
	ck_assert_int_eq(n_requests, 2);

	/* Random garbage after a plain header: never a crash, and the port
	 * still answers. */
	for (i = 0; i < 200; i++) {
		size_t j;

		len = 12 + (size_t)(rand_r(&seed) % 80);
		for (j = 0; j < len; j++)
			buf[j] = (unsigned char)rand_r(&seed);
		buf[2] &= 0x7f; /* a query, so that it is parsed */
		send_raw(buf, len);
		if (i % 50 == 49) {
			/* Keep the socket's buffer from overflowing. */
			int done = 0;

			evkit_loop_until(evkit_base, &done, 3, 100);
			evkit_drain(client_fd);
		}
	}
	{
		int done = 0;

		evkit_loop_until(evkit_base, &done, 3, 100);
	}
	evkit_drain(client_fd);
	good[1] = 108;
	send_raw(good, good_len);
	for (;;) {
		struct evdns_msg *m = recv_reply(NULL);
		int id = m->id;

		evdns_msg_free(m);
		if (id == 108)
			break;
	}
}
END_TEST

START_TEST(edns_version)
{
	unsigned char buf[512];
	size_t len = build_query(buf, 9, "v.test", EVDNS_TYPE_A, 1232);
	struct evdns_msg *m;

	action = answer_one;
	buf[len - 5] = 1; /* the OPT record's version */
	send_raw(buf, len);
	m = recv_reply(NULL);
	ck_assert_int_eq(m->id, 9);
	ck_assert_int_eq(m->rcode, EVDNS_RCODE_BADVERS);
	ck_assert_ptr_nonnull(m->opt);
	evdns_msg_free(m);
	ck_assert_int_eq(n_requests, 0);
}
END_TEST

static struct sockaddr_storage seen_addr;
static int seen_len, small_len;
static void
note_addr(struct evdns_server_request *req)
{
	struct sockaddr_in small;

	seen_len = evdns_server_request_get_requesting_addr(req,
	    (struct sockaddr *)&seen_addr, sizeof(seen_addr));
	small_len = evdns_server_request_get_requesting_addr(req,
	    (struct sockaddr *)&small, 4);
	ck_assert_int_eq(evdns_server_request_respond(req, 3), 0);
}

START_TEST(requesting_addr)
{
	struct sockaddr_in mine;
	ev_socklen_t len = sizeof(mine);

	action = note_addr;
	send_query(11, "who.test", EVDNS_TYPE_A, 0);
	expect_reply(11, EVDNS_RCODE_NXDOMAIN);
	ck_assert_int_eq(getsockname(client_fd, (struct sockaddr *)&mine, &len),
	    0);
	ck_assert_int_eq(seen_len, (int)sizeof(struct sockaddr_in));
	ck_assert_int_eq(small_len, -1);
	ck_assert_int_eq(((struct sockaddr_in *)&seen_addr)->sin_port,
	    mine.sin_port);
	ck_assert_int_eq(((struct sockaddr_in *)&seen_addr)->sin_addr.s_addr,
	    mine.sin_addr.s_addr);
}
END_TEST

static void
drop_first(struct evdns_server_request *req)
{
	if (n_requests == 1)
		ck_assert_int_eq(evdns_server_request_drop(req), 0);
	else
		answer_one(req);
}

START_TEST(drop)
{
	action = drop_first;
	send_query(21, "a.test", EVDNS_TYPE_A, 0);
	send_query(22, "b.test", EVDNS_TYPE_A, 0);
	/* Only the second is answered. */
	expect_reply(22, 0);
	ck_assert_int_eq(n_requests, 2);
}
END_TEST

static void
hold(struct evdns_server_request *req)
{
	held = req;
}

START_TEST(close_with_pending)
{
	action = hold;
	send_query(31, "later.test", EVDNS_TYPE_A, 0);
	wait_requests(1);
	ck_assert_ptr_nonnull(held);
	/* Closed with a request pending: the socket stays until it is
	 * answered. */
	evdns_close_server_port(port);
	port = NULL;
	ck_assert_int_ne(fcntl(server_fd, F_GETFD), -1);
	answer_one(held);
	expect_reply(31, 0);
	/* The last request answered: the port and its socket are gone. */
	ck_assert_int_eq(fcntl(server_fd, F_GETFD), -1);
	server_fd = -1;
}
END_TEST

static void
close_from_callback(struct evdns_server_request *req)
{
	evdns_close_server_port(port);
	port = NULL;
	answer_one(req);
}

START_TEST(close_inside_callback)
{
	action = close_from_callback;
	send_query(41, "x.test", EVDNS_TYPE_A, 0);
	send_query(42, "y.test", EVDNS_TYPE_A, 0);
	expect_reply(41, 0);
	/* The second query is never read: the port closed. */
	ck_assert_int_eq(n_requests, 1);
	server_fd = -1;
}
END_TEST

static void
two_questions(struct evdns_server_request *req)
{
	ck_assert_int_eq(req->nquestions, 2);
	ck_assert_str_eq(req->questions[0]->name, "q1.test");
	ck_assert_str_eq(req->questions[1]->name, "q2.test");
	ck_assert_int_eq(req->questions[1]->type, EVDNS_TYPE_AAAA);
	ck_assert_int_eq(evdns_server_request_respond(req, 0), 0);
}

START_TEST(several_questions)
{
	/* Handed over as libevent does; a compression pointer in the
	 * second question points into the first. */
	static const unsigned char q[] = { 0, 51, 1, 0, 0, 2, 0, 0, 0, 0, 0, 0,
		2, 'q', '1', 4, 't', 'e', 's', 't', 0, 0, 1, 0, 1, 2, 'q', '2',
		0xc0, 15, 0, 28, 0, 1 };
	struct evdns_msg *m;

	action = two_questions;
	send_raw(q, sizeof(q));
	m = recv_reply(NULL);
	ck_assert_int_eq(m->id, 51);
	ck_assert_uint_eq(m->n_question, 2);
	ck_assert_str_eq(m->question[1].name, "q2.test.");
	evdns_msg_free(m);
}
END_TEST

/*
 * EAGAIN on send: a datagram socketpair with a small send buffer holds
 * only a few replies unread (loopback UDP never blocks: its datagrams
 * leave the sender's buffer at once), so a client that stops reading
 * makes the port's sends fail with EAGAIN.  Every reply must still arrive, in
 * order, once the client reads again (libevent 2.1 loses them: its test of the
 * error is inverted).
 */
START_TEST(eagain_queues_replies)
{
	evutil_socket_t pair[2];
	struct evdns_server_port *p2;
	unsigned char buf[512];
	int i, sent = 0, got = 0, done = 0, small = 1;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_DGRAM, 0, pair), 0);
	/* The smallest send buffer (the kernel rounds it up to a few KB):
	 * a connected pair holds unread datagrams against the sender's
	 * buffer. */
	ck_assert_int_eq(setsockopt(pair[0], SOL_SOCKET, SO_SNDBUF, &small,
	                     sizeof(small)),
	    0);
	ck_assert_int_eq(evutil_make_socket_nonblocking(pair[1]), 0);
	action = answer_one;
	p2 = evdns_add_server_port_with_base(evkit_base, pair[0], 0, server_cb,
	    &port);
	ck_assert_ptr_nonnull(p2);
	/* Five rounds of eight queries, the replies left unread. */
	for (i = 0; i < 5; i++) {
		int k;

		for (k = 0; k < 8; k++, sent++) {
			size_t len = build_query(buf, (ev_uint16_t)sent,
			    "q.test", EVDNS_TYPE_A, 0);

			ck_assert_int_eq(send(pair[1], buf, len, 0),
			    (ssize_t)len);
		}
		while (n_requests < sent &&
		    evkit_loop_until(evkit_base, &done, 1, 5000) != 0)
			continue;
		ck_assert_int_eq(n_requests, sent);
	}
	/* Read them all now, in order. */
	while (got < sent) {
		struct evdns_msg *m;
		ssize_t n = recv(pair[1], buf, sizeof(buf), 0);

		if (n < 0) {
			ck_assert_int_eq(errno, EAGAIN);
			ck_assert_int_eq(evkit_loop_until(evkit_base, &done, 1,
			                     5000),
			    -1);
			continue;
		}
		ck_assert_int_eq(evdns_msg_parse(buf, (size_t)n, &m), 0);
		ck_assert_int_eq(m->id, got);
		evdns_msg_free(m);
		got++;
	}
	evdns_close_server_port(p2); /* closes pair[0] */
	close(pair[1]);
}
END_TEST

Suite *
dns_server_suite(void)
{
	Suite *s = suite_create("dns_server");
	TCase *tc = tcase_create("server");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, every_reply_kind);
	tcase_add_test(tc, compression);
	tcase_add_test(tc, truncation);
	tcase_add_test(tc, additional_left_out_without_tc);
	tcase_add_test(tc, hostile_datagrams);
	tcase_add_test(tc, edns_version);
	tcase_add_test(tc, requesting_addr);
	tcase_add_test(tc, drop);
	tcase_add_test(tc, close_with_pending);
	tcase_add_test(tc, close_inside_callback);
	tcase_add_test(tc, several_questions);
	tcase_add_test(tc, eagain_queues_replies);
	suite_add_tcase(s, tc);
	return s;
}
#endif /* EVKIT_REFERENCE */
