/*
 * tests/check_http_parse.c: the pure HTTP/1.x parser (lib/http_parse.c).
 *
 * Table-driven: each request or response head with what the parser must
 * say of it (the framing, or the status to answer with).  The invalid
 * ones name the smuggling case they stand for (RFC 9112 section 11.2);
 * each differs from a valid head in one place only.
 *
 * evkit's own API: left out of `make libevent-check`.
 */
#ifndef EVKIT_REFERENCE
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <event2/http.h>

#include "check-internal.h"
#include "http-parse-internal.h"
#include "http-uri-internal.h"

/* ---- requests ---- */

enum { KA0, KA1 };
enum { EXP_NONE, EXP_CONTINUE, EXP_OTHER };

struct req_case {
	const char *why;
	const char *text;
	size_t len;     /* 0: strlen(text) */
	int err_status; /* 0: valid */
	int method_bit;
	int body;
	ev_uint64_t content_length;
	int keep_alive;
	int minor;
	int expect;
};

#define OK_REQ(why, text, bit, body, cl, ka, minor, exp)       \
	{                                                      \
		why, text, 0, 0, bit, body, cl, ka, minor, exp \
	}
#define BAD_REQ(why, text, status)                     \
	{                                              \
		why, text, 0, status, 0, 0, 0, 0, 0, 0 \
	}
#define BAD_REQ_LEN(why, text, status)                                \
	{                                                             \
		why, text, sizeof(text) - 1, status, 0, 0, 0, 0, 0, 0 \
	}

static const struct req_case requests[] = {
	/* valid */
	OK_REQ("plain GET", "GET / HTTP/1.1\r\nHost: a\r\n\r\n", EVHTTP_REQ_GET,
	    HTTP_BODY_NONE, 0, KA1, 1, EXP_NONE),
	OK_REQ("bare LF line ends", "GET /x HTTP/1.1\nHost: a\n\n",
	    EVHTTP_REQ_GET, HTTP_BODY_NONE, 0, KA1, 1, EXP_NONE),
	OK_REQ("empty lines before the request line",
	    "\r\n\nGET / HTTP/1.1\r\n\r\n", EVHTTP_REQ_GET, HTTP_BODY_NONE, 0,
	    KA1, 1, EXP_NONE),
	OK_REQ("HTTP/1.0 closes", "GET / HTTP/1.0\r\n\r\n", EVHTTP_REQ_GET,
	    HTTP_BODY_NONE, 0, KA0, 0, EXP_NONE),
	OK_REQ("HTTP/1.0 keep-alive",
	    "GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", EVHTTP_REQ_GET,
	    HTTP_BODY_NONE, 0, KA1, 0, EXP_NONE),
	OK_REQ("close among tokens",
	    "GET / HTTP/1.1\r\nConnection: keep-alive, CLOSE\r\n\r\n",
	    EVHTTP_REQ_GET, HTTP_BODY_NONE, 0, KA0, 1, EXP_NONE),
	OK_REQ("HTTP/1.9 reads as 1.1", "GET / HTTP/1.9\r\n\r\n",
	    EVHTTP_REQ_GET, HTTP_BODY_NONE, 0, KA1, 1, EXP_NONE),
	OK_REQ("Content-Length",
	    "POST /p HTTP/1.1\r\nContent-Length: 5\r\n\r\n", EVHTTP_REQ_POST,
	    HTTP_BODY_LENGTH, 5, KA1, 1, EXP_NONE),
	OK_REQ("Content-Length 0",
	    "PUT /p HTTP/1.1\r\nContent-Length: 0\r\n\r\n", EVHTTP_REQ_PUT,
	    HTTP_BODY_LENGTH, 0, KA1, 1, EXP_NONE),
	OK_REQ("Content-Length list of equal values",
	    "POST / HTTP/1.1\r\nContent-Length: 5 ,5\r\n\r\n", EVHTTP_REQ_POST,
	    HTTP_BODY_LENGTH, 5, KA1, 1, EXP_NONE),
	OK_REQ("repeated equal Content-Length",
	    "POST / HTTP/1.1\r\nContent-Length: 7\r\ncontent-length: 7\r\n\r\n",
	    EVHTTP_REQ_POST, HTTP_BODY_LENGTH, 7, KA1, 1, EXP_NONE),
	OK_REQ("largest Content-Length",
	    "POST / HTTP/1.1\r\nContent-Length: 9223372036854775807\r\n\r\n",
	    EVHTTP_REQ_POST, HTTP_BODY_LENGTH, 9223372036854775807ULL, KA1, 1,
	    EXP_NONE),
	OK_REQ("chunked",
	    "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
	    EVHTTP_REQ_POST, HTTP_BODY_CHUNKED, 0, KA1, 1, EXP_NONE),
	OK_REQ("chunked in capitals",
	    "POST / HTTP/1.1\r\nTransfer-Encoding: CHUNKED\r\n\r\n",
	    EVHTTP_REQ_POST, HTTP_BODY_CHUNKED, 0, KA1, 1, EXP_NONE),
	OK_REQ("gzip then chunked",
	    "POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
	    EVHTTP_REQ_POST, HTTP_BODY_CHUNKED, 0, KA1, 1, EXP_NONE),
	OK_REQ("codings across two fields",
	    "POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n",
	    EVHTTP_REQ_POST, HTTP_BODY_CHUNKED, 0, KA1, 1, EXP_NONE),
	OK_REQ("100-continue", "PUT / HTTP/1.1\r\nExpect: 100-Continue\r\n\r\n",
	    EVHTTP_REQ_PUT, HTTP_BODY_NONE, 0, KA1, 1, EXP_CONTINUE),
	OK_REQ("other expectation", "PUT / HTTP/1.1\r\nExpect: fly\r\n\r\n",
	    EVHTTP_REQ_PUT, HTTP_BODY_NONE, 0, KA1, 1, EXP_OTHER),
	OK_REQ("Expect ignored on 1.0",
	    "PUT / HTTP/1.0\r\nExpect: 100-continue\r\n\r\n", EVHTTP_REQ_PUT,
	    HTTP_BODY_NONE, 0, KA0, 0, EXP_NONE),
	OK_REQ("method without a bit", "PROPFIND /d HTTP/1.1\r\n\r\n", 0,
	    HTTP_BODY_NONE, 0, KA1, 1, EXP_NONE),
	OK_REQ("methods are case-sensitive", "get / HTTP/1.1\r\n\r\n", 0,
	    HTTP_BODY_NONE, 0, KA1, 1, EXP_NONE),
	OK_REQ("PATCH", "PATCH / HTTP/1.1\r\n\r\n", EVHTTP_REQ_PATCH,
	    HTTP_BODY_NONE, 0, KA1, 1, EXP_NONE),
	OK_REQ("CONNECT", "CONNECT h:443 HTTP/1.1\r\n\r\n", EVHTTP_REQ_CONNECT,
	    HTTP_BODY_NONE, 0, KA1, 1, EXP_NONE),
	OK_REQ("UTF-8 in the target", "GET /\xc3\xa9t\xc3\xa9 HTTP/1.1\r\n\r\n",
	    EVHTTP_REQ_GET, HTTP_BODY_NONE, 0, KA1, 1, EXP_NONE),
	OK_REQ("empty value and obs-text value",
	    "GET / HTTP/1.1\r\nX-A:\r\nX-B: \xff\t\r\n\r\n", EVHTTP_REQ_GET,
	    HTTP_BODY_NONE, 0, KA1, 1, EXP_NONE),

	/* framing: request smuggling */
	BAD_REQ("Content-Length and Transfer-Encoding",
	    "POST / HTTP/1.1\r\nContent-Length: 5\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n",
	    400),
	BAD_REQ("Transfer-Encoding and Content-Length",
	    "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"
	    "Content-Length: 5\r\n\r\n",
	    400),
	BAD_REQ("differing Content-Length fields",
	    "POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
	    400),
	BAD_REQ("differing Content-Length list",
	    "POST / HTTP/1.1\r\nContent-Length: 5, 6\r\n\r\n", 400),
	BAD_REQ("empty element in a Content-Length list",
	    "POST / HTTP/1.1\r\nContent-Length: 5,,5\r\n\r\n", 400),
	BAD_REQ("negative Content-Length",
	    "POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400),
	BAD_REQ("signed Content-Length",
	    "POST / HTTP/1.1\r\nContent-Length: +5\r\n\r\n", 400),
	BAD_REQ("space inside Content-Length",
	    "POST / HTTP/1.1\r\nContent-Length: 1 0\r\n\r\n", 400),
	BAD_REQ("hex Content-Length",
	    "POST / HTTP/1.1\r\nContent-Length: 0x10\r\n\r\n", 400),
	BAD_REQ("empty Content-Length",
	    "POST / HTTP/1.1\r\nContent-Length:\r\n\r\n", 400),
	BAD_REQ("Content-Length overflow",
	    "POST / HTTP/1.1\r\nContent-Length: 9223372036854775808\r\n\r\n",
	    400),
	BAD_REQ("Content-Length wrapping 2^64",
	    "POST / HTTP/1.1\r\nContent-Length: 18446744073709551621\r\n\r\n",
	    400),
	BAD_REQ("chunked not last",
	    "POST / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 400),
	BAD_REQ("chunked twice",
	    "POST / HTTP/1.1\r\nTransfer-Encoding: chunked, chunked\r\n\r\n",
	    400),
	BAD_REQ("chunked in two fields",
	    "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n",
	    400),
	BAD_REQ("gzip alone",
	    "POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", 400),
	BAD_REQ("unknown coding",
	    "POST / HTTP/1.1\r\nTransfer-Encoding: foo, chunked\r\n\r\n", 501),
	BAD_REQ("identity is no coding",
	    "POST / HTTP/1.1\r\nTransfer-Encoding: identity\r\n\r\n", 501),
	BAD_REQ("empty Transfer-Encoding",
	    "POST / HTTP/1.1\r\nTransfer-Encoding:\r\n\r\n", 400),
	BAD_REQ("chunked with a parameter",
	    "POST / HTTP/1.1\r\nTransfer-Encoding: chunked;q=1\r\n\r\n", 400),
	BAD_REQ("Transfer-Encoding in HTTP/1.0",
	    "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400),

	/* field lines */
	BAD_REQ("obs-fold with SP", "GET / HTTP/1.1\r\nX-A: a\r\n b\r\n\r\n",
	    400),
	BAD_REQ("obs-fold with HTAB", "GET / HTTP/1.1\r\nX-A: a\r\n\tb\r\n\r\n",
	    400),
	BAD_REQ("obs-fold as first field", "GET / HTTP/1.1\r\n Host: a\r\n\r\n",
	    400),
	BAD_REQ("bare CR in a value", "GET / HTTP/1.1\r\nX-A: a\rb\r\n\r\n",
	    400),
	BAD_REQ("bare CR ending a value", "GET / HTTP/1.1\r\nX-A: a\r\r\n\r\n",
	    400),
	BAD_REQ("bare CR in a name", "GET / HTTP/1.1\r\nX\r-A: a\r\n\r\n", 400),
	BAD_REQ("bare CR in the request line", "GET /\r HTTP/1.1\r\n\r\n", 400),
	BAD_REQ("bare CR as a line end", "GET / HTTP/1.1\rHost: a\r\n\r\n",
	    400),
	BAD_REQ_LEN("NUL in a value", "GET / HTTP/1.1\r\nX-A: a\0b\r\n\r\n",
	    400),
	BAD_REQ_LEN("NUL in a name", "GET / HTTP/1.1\r\nX\0A: a\r\n\r\n", 400),
	BAD_REQ_LEN("NUL in the target", "GET /a\0b HTTP/1.1\r\n\r\n", 400),
	BAD_REQ("control byte in a value",
	    "GET / HTTP/1.1\r\nX-A: a\x01\r\n\r\n", 400),
	BAD_REQ("DEL in a value", "GET / HTTP/1.1\r\nX-A: a\x7f\r\n\r\n", 400),
	BAD_REQ("space before the colon", "GET / HTTP/1.1\r\nHost : a\r\n\r\n",
	    400),
	BAD_REQ("tab before the colon", "GET / HTTP/1.1\r\nHost\t: a\r\n\r\n",
	    400),
	BAD_REQ("empty field name", "GET / HTTP/1.1\r\n: a\r\n\r\n", 400),
	BAD_REQ("no colon", "GET / HTTP/1.1\r\nHost a\r\n\r\n", 400),
	BAD_REQ("separator in a name", "GET / HTTP/1.1\r\nX(A): a\r\n\r\n",
	    400),
	BAD_REQ("second Host", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
	    400),
	BAD_REQ("no empty line", "GET / HTTP/1.1\r\nHost: a\r\n", 400),

	/* request line */
	BAD_REQ("HTTP/2.0", "GET / HTTP/2.0\r\n\r\n", 505),
	BAD_REQ("HTTP/0.9", "GET / HTTP/0.9\r\n\r\n", 505),
	BAD_REQ("lower-case http", "GET / http/1.1\r\n\r\n", 400),
	BAD_REQ("two-digit minor", "GET / HTTP/1.10\r\n\r\n", 400),
	BAD_REQ("no minor", "GET / HTTP/1\r\n\r\n", 400),
	BAD_REQ("no version", "GET /\r\n\r\n", 400),
	BAD_REQ("space after the version", "GET / HTTP/1.1 \r\n\r\n", 400),
	BAD_REQ("two spaces after the method", "GET  / HTTP/1.1\r\n\r\n", 400),
	BAD_REQ("two spaces after the target", "GET /  HTTP/1.1\r\n\r\n", 400),
	BAD_REQ("tab as separator", "GET\t/ HTTP/1.1\r\n\r\n", 400),
	BAD_REQ("space in the target", "GET /a b HTTP/1.1\r\n\r\n", 400),
	BAD_REQ("DEL in the target", "GET /a\x7f HTTP/1.1\r\n\r\n", 400),
	BAD_REQ("no method", " / HTTP/1.1\r\n\r\n", 400),
	BAD_REQ("separator in the method", "GE(T / HTTP/1.1\r\n\r\n", 400),
};

/* The fields a parse saw. */
struct seen {
	int n;
	char names[8][32];
	char values[8][32];
	int fail_at; /* the callback fails on this field (1-based); 0: never */
};

static int
record_field(void *arg, const char *name, size_t name_len, const char *value,
    size_t value_len)
{
	struct seen *s = arg;

	if (++s->n == s->fail_at)
		return -1;
	if (s->n <= 8 && name_len < 32 && value_len < 32) {
		memcpy(s->names[s->n - 1], name, name_len);
		s->names[s->n - 1][name_len] = '\0';
		memcpy(s->values[s->n - 1], value, value_len);
		s->values[s->n - 1][value_len] = '\0';
	}
	return 0;
}

START_TEST(test_request)
{
	const struct req_case *c = &requests[_i];
	size_t len = c->len ? c->len : strlen(c->text), scanned = 0;
	struct http_head_ head;
	struct seen seen;
	int rc;

	memset(&seen, 0, sizeof(seen));
	/* Every complete head is found whole by http_head_length_. */
	if (strcmp(c->why, "no empty line") != 0)
		ck_assert_uint_eq(http_head_length_(c->text, len, &scanned),
		    len);
	rc = http_parse_request_head_(c->text, len, &head, record_field, &seen);
	if (c->err_status != 0) {
		ck_assert_msg(rc == HTTP_PARSE_BAD, "%s: accepted", c->why);
		ck_assert_msg(head.err_status == c->err_status,
		    "%s: status %d, not %d (%s)", c->why, head.err_status,
		    c->err_status, head.err_why);
		ck_assert_ptr_nonnull(head.err_why);
		return;
	}
	ck_assert_msg(rc == HTTP_PARSE_OK, "%s: refused (%d %s)", c->why,
	    head.err_status, head.err_why);
	ck_assert_int_eq(head.method_bit, c->method_bit);
	ck_assert_int_eq(head.body, c->body);
	ck_assert_uint_eq(head.content_length, c->content_length);
	ck_assert_int_eq(head.keep_alive, c->keep_alive);
	ck_assert_int_eq(head.major, 1);
	ck_assert_int_eq(head.minor, c->minor);
	ck_assert_int_eq(head.expect_continue, c->expect == EXP_CONTINUE);
	ck_assert_int_eq(head.expect_other, c->expect == EXP_OTHER);
	ck_assert_uint_eq(head.head_len, len);
	ck_assert_int_eq((int)head.nfields, seen.n);
}
END_TEST

/* The parts of a request come out where they are, values trimmed. */
START_TEST(test_request_parts)
{
	static const char text[] = "\r\nDELETE /a?b=c HTTP/1.1\r\n"
	                           "Host:  example.org \t\r\n"
	                           "X-Empty:\r\n"
	                           "X-Inner:  a  b \r\n"
	                           "\r\n";
	struct http_head_ head;
	struct seen seen;

	memset(&seen, 0, sizeof(seen));
	ck_assert_int_eq(http_parse_request_head_(text, sizeof(text) - 1, &head,
	                     record_field, &seen),
	    HTTP_PARSE_OK);
	ck_assert_int_eq(head.method_bit, EVHTTP_REQ_DELETE);
	ck_assert_uint_eq(head.method_len, 6);
	ck_assert(memcmp(head.method, "DELETE", 6) == 0);
	ck_assert_uint_eq(head.target_len, 6);
	ck_assert(memcmp(head.target, "/a?b=c", 6) == 0);
	ck_assert_uint_eq(head.host_len, 11);
	ck_assert(memcmp(head.host, "example.org", 11) == 0);
	ck_assert_uint_eq(head.nfields, 3);
	ck_assert_int_eq(seen.n, 3);
	ck_assert_str_eq(seen.names[0], "Host");
	ck_assert_str_eq(seen.values[0], "example.org");
	ck_assert_str_eq(seen.names[1], "X-Empty");
	ck_assert_str_eq(seen.values[1], "");
	ck_assert_str_eq(seen.values[2], "a  b");

	/* A failing callback stops the parse with 500. */
	memset(&seen, 0, sizeof(seen));
	seen.fail_at = 2;
	ck_assert_int_eq(http_parse_request_head_(text, sizeof(text) - 1, &head,
	                     record_field, &seen),
	    HTTP_PARSE_BAD);
	ck_assert_int_eq(head.err_status, 500);
	ck_assert_int_eq(seen.n, 2);

	/* No callback at all is fine. */
	ck_assert_int_eq(http_parse_request_head_(text, sizeof(text) - 1, &head,
	                     NULL, NULL),
	    HTTP_PARSE_OK);
	ck_assert_uint_eq(head.nfields, 3);
}
END_TEST

/* ---- responses ---- */

struct resp_case {
	const char *why;
	const char *text;
	int req_method;
	int err_status; /* 0: valid */
	int status;
	int body;
	ev_uint64_t content_length;
	int keep_alive;
	const char *reason;
};

#define OK_RESP(why, text, m, status, body, cl, ka, reason)   \
	{                                                     \
		why, text, m, 0, status, body, cl, ka, reason \
	}
#define BAD_RESP(why, text, err)                                 \
	{                                                        \
		why, text, EVHTTP_REQ_GET, err, 0, 0, 0, 0, NULL \
	}

static const struct resp_case responses[] = {
	OK_RESP("Content-Length",
	    "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n", EVHTTP_REQ_GET, 200,
	    HTTP_BODY_LENGTH, 3, KA1, "OK"),
	OK_RESP("no framing: until close", "HTTP/1.1 200 OK\r\n\r\n",
	    EVHTTP_REQ_GET, 200, HTTP_BODY_UNTIL_CLOSE, 0, KA0, "OK"),
	OK_RESP("chunked",
	    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
	    EVHTTP_REQ_GET, 200, HTTP_BODY_CHUNKED, 0, KA1, "OK"),
	OK_RESP("gzip then chunked",
	    "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip,chunked\r\n\r\n",
	    EVHTTP_REQ_GET, 200, HTTP_BODY_CHUNKED, 0, KA1, "OK"),
	OK_RESP("chunked not last: until close",
	    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
	    EVHTTP_REQ_GET, 200, HTTP_BODY_UNTIL_CLOSE, 0, KA0, "OK"),
	OK_RESP("unknown coding: until close",
	    "HTTP/1.1 200 OK\r\nTransfer-Encoding: foo\r\n\r\n", EVHTTP_REQ_GET,
	    200, HTTP_BODY_UNTIL_CLOSE, 0, KA0, "OK"),
	OK_RESP("204 has no body",
	    "HTTP/1.1 204 No Content\r\nContent-Length: 3\r\n\r\n",
	    EVHTTP_REQ_GET, 204, HTTP_BODY_NONE, 0, KA1, "No Content"),
	OK_RESP("304 has no body",
	    "HTTP/1.1 304 Not Modified\r\nContent-Length: 3\r\n\r\n",
	    EVHTTP_REQ_GET, 304, HTTP_BODY_NONE, 0, KA1, "Not Modified"),
	OK_RESP("1xx has no body", "HTTP/1.1 100 Continue\r\n\r\n",
	    EVHTTP_REQ_PUT, 100, HTTP_BODY_NONE, 0, KA1, "Continue"),
	OK_RESP("answer to HEAD has no body",
	    "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n", EVHTTP_REQ_HEAD,
	    200, HTTP_BODY_NONE, 0, KA1, "OK"),
	OK_RESP("CONNECT 2xx has no body", "HTTP/1.1 200 OK\r\n\r\n",
	    EVHTTP_REQ_CONNECT, 200, HTTP_BODY_NONE, 0, KA1, "OK"),
	OK_RESP("CONNECT refused has one",
	    "HTTP/1.1 407 Who\r\nContent-Length: 2\r\n\r\n", EVHTTP_REQ_CONNECT,
	    407, HTTP_BODY_LENGTH, 2, KA1, "Who"),
	OK_RESP("no reason", "HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n",
	    EVHTTP_REQ_GET, 200, HTTP_BODY_LENGTH, 0, KA1, ""),
	OK_RESP("empty reason", "HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n",
	    EVHTTP_REQ_GET, 200, HTTP_BODY_LENGTH, 0, KA1, ""),
	OK_RESP("reason with spaces and obs-text",
	    "HTTP/1.1 404 Not  Found \xe9\r\nContent-Length: 0\r\n\r\n",
	    EVHTTP_REQ_GET, 404, HTTP_BODY_LENGTH, 0, KA1, "Not  Found \xe9"),
	OK_RESP("HTTP/1.0 keep-alive",
	    "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n"
	    "Content-Length: 1\r\n\r\n",
	    EVHTTP_REQ_GET, 200, HTTP_BODY_LENGTH, 1, KA1, "OK"),
	OK_RESP("HTTP/1.0 closes",
	    "HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\n", EVHTTP_REQ_GET, 200,
	    HTTP_BODY_LENGTH, 1, KA0, "OK"),
	OK_RESP("Connection: close",
	    "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\n",
	    EVHTTP_REQ_GET, 200, HTTP_BODY_LENGTH, 1, KA0, "OK"),

	BAD_RESP("Content-Length and Transfer-Encoding",
	    "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n",
	    400),
	BAD_RESP("differing Content-Length",
	    "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n",
	    400),
	BAD_RESP("chunked twice",
	    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked,chunked\r\n\r\n",
	    400),
	BAD_RESP("Transfer-Encoding in HTTP/1.0",
	    "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
	BAD_RESP("obs-fold", "HTTP/1.1 200 OK\r\nX-A: a\r\n b\r\n\r\n", 400),
	BAD_RESP("bare CR in the reason", "HTTP/1.1 200 O\rK\r\n\r\n", 400),
	BAD_RESP("HTTP/2.0", "HTTP/2.0 200 OK\r\n\r\n", 505),
	BAD_RESP("lower-case http", "http/1.1 200 OK\r\n\r\n", 400),
	BAD_RESP("two-digit status", "HTTP/1.1 20 OK\r\n\r\n", 400),
	BAD_RESP("four-digit status", "HTTP/1.1 2000 OK\r\n\r\n", 400),
	BAD_RESP("status below 100", "HTTP/1.1 099 OK\r\n\r\n", 400),
	BAD_RESP("no space before reason", "HTTP/1.1 200OK\r\n\r\n", 400),
	BAD_RESP("no space after version", "HTTP/1.1\r\n\r\n", 400),
	BAD_RESP("space before colon",
	    "HTTP/1.1 200 OK\r\nContent-Length : 1\r\n\r\n", 400),
};

START_TEST(test_response)
{
	const struct resp_case *c = &responses[_i];
	size_t len = strlen(c->text), scanned = 0;
	struct http_head_ head;
	int rc;

	ck_assert_uint_eq(http_head_length_(c->text, len, &scanned), len);
	rc = http_parse_response_head_(c->text, len, c->req_method, &head, NULL,
	    NULL);
	if (c->err_status != 0) {
		ck_assert_msg(rc == HTTP_PARSE_BAD, "%s: accepted", c->why);
		ck_assert_msg(head.err_status == c->err_status,
		    "%s: status %d, not %d (%s)", c->why, head.err_status,
		    c->err_status, head.err_why);
		return;
	}
	ck_assert_msg(rc == HTTP_PARSE_OK, "%s: refused (%d %s)", c->why,
	    head.err_status, head.err_why);
	ck_assert_int_eq(head.status, c->status);
	ck_assert_int_eq(head.body, c->body);
	ck_assert_uint_eq(head.content_length, c->content_length);
	ck_assert_int_eq(head.keep_alive, c->keep_alive);
	ck_assert_uint_eq(head.reason_len, strlen(c->reason));
	ck_assert(memcmp(head.reason, c->reason, head.reason_len) == 0);
}
END_TEST

/* ---- the end of a head ---- */

static const struct {
	const char *text; /* a head, then perhaps body bytes */
	size_t head_len;  /* 0: not complete */
} lengths[] = {
	{ "GET / HTTP/1.1\r\nHost: a\r\n\r\nBODY", 27 },
	{ "GET / HTTP/1.1\nHost: a\n\nBODY", 24 },
	{ "GET / HTTP/1.1\r\n\nX", 17 },
	{ "GET / HTTP/1.1\n\r\nX", 17 },
	{ "\r\n\r\n\nGET / HTTP/1.1\r\n\r\n", 23 },
	{ "\r\n\r\n", 0 },
	{ "\r\rGET / HTTP/1.1\r\n\r\n", 20 },
	{ "\n\rX\r\n\r\n", 7 },
	{ "GET / HTTP/1.1\r\nA: b\r\r\n\r\n", 25 },
	{ "GET / HTTP/1.1\r\nA: b\r\n\rX\r\n\r\n", 28 },
	{ "GET / HTTP/1.1\r\nA: b\r\n", 0 },
	{ "GET / HTTP/1.1\r\nA: b\r\n\r", 0 },
	{ "GET / HTTP/1.1", 0 },
};

START_TEST(test_head_length)
{
	const char *text = lengths[_i].text;
	size_t len = strlen(text), want = lengths[_i].head_len;
	size_t scanned = 0, i, got = 0, prev = 0;

	ck_assert_uint_eq(http_head_length_(text, len, &scanned), want);
	/* A byte at a time: the same answer, and the resume position
	 * follows the data (so no byte is looked at more than a few
	 * times: the total work is linear). */
	scanned = 0;
	for (i = 1; i <= len; i++) {
		got = http_head_length_(text, i, &scanned);
		if (got != 0)
			break;
		ck_assert_uint_ge(scanned, prev);
		ck_assert_uint_le(scanned, i);
		ck_assert_uint_ge(scanned + 2, i);
		prev = scanned;
	}
	ck_assert_uint_eq(got, want);
	if (want != 0)
		ck_assert_uint_eq(i, want);
	/* Split in two anywhere: the same answer. */
	for (i = 0; i <= len; i++) {
		scanned = 0;
		if (http_head_length_(text, i, &scanned) != 0)
			continue;
		ck_assert_uint_eq(http_head_length_(text, len, &scanned), want);
	}
}
END_TEST

/* ---- chunk sizes ---- */

static const struct {
	const char *line;
	int ok;
	ev_uint64_t size;
} chunks[] = {
	{ "0", 1, 0 },
	{ "1a", 1, 26 },
	{ "1A", 1, 26 },
	{ "0000000000000001", 1, 1 },
	{ "4000000000000000", 1, (ev_uint64_t)1 << 62 },
	{ "5;name", 1, 5 },
	{ "5;name=value", 1, 5 },
	{ "5 ; name = value ;other", 1, 5 },
	{ "5;n=\"quoted \\\" value;\"", 1, 5 },
	{ "5\t;n", 1, 5 },
	{ "", 0, 0 },
	{ "-1", 0, 0 },
	{ "+1", 0, 0 },
	{ "0x1", 0, 0 },
	{ " 1", 0, 0 },
	{ "1 ", 0, 0 },
	{ "1\t", 0, 0 },
	{ "g", 0, 0 },
	{ "1g", 0, 0 },
	{ "00000000000000001", 0, 0 },
	{ "4000000000000001", 0, 0 },
	{ "ffffffffffffffff", 0, 0 },
	{ "10000000000000000", 0, 0 },
	{ "1;", 0, 0 },
	{ "1;=v", 0, 0 },
	{ "1;n=", 0, 0 },
	{ "1;n=a b", 0, 0 },
	{ "1;n=\"open", 0, 0 },
	{ "1;n=\"a\"b", 0, 0 },
	{ "1;n=\"\x01\"", 0, 0 },
	{ "1,2", 0, 0 },
	{ "1\r", 0, 0 },
};

START_TEST(test_chunk_size)
{
	ev_uint64_t size = 12345;
	int rc = http_parse_chunk_size_(chunks[_i].line,
	    strlen(chunks[_i].line), &size);

	if (chunks[_i].ok) {
		ck_assert_msg(rc == HTTP_PARSE_OK, "\"%s\" refused",
		    chunks[_i].line);
		ck_assert_uint_eq(size, chunks[_i].size);
	} else {
		ck_assert_msg(rc == HTTP_PARSE_BAD, "\"%s\" accepted",
		    chunks[_i].line);
	}
}
END_TEST

/* ---- trailer lines, checks for sending, names ---- */

START_TEST(test_field_line)
{
	struct seen seen;

	memset(&seen, 0, sizeof(seen));
	ck_assert_int_eq(http_parse_field_line_("Md5:  abc ", 10, record_field,
	                     &seen),
	    HTTP_PARSE_OK);
	ck_assert_int_eq(seen.n, 1);
	ck_assert_str_eq(seen.names[0], "Md5");
	ck_assert_str_eq(seen.values[0], "abc");
	ck_assert_int_eq(http_parse_field_line_("Md5 : a", 7, NULL, NULL),
	    HTTP_PARSE_BAD);
	ck_assert_int_eq(http_parse_field_line_(" Md5: a", 7, NULL, NULL),
	    HTTP_PARSE_BAD);
	ck_assert_int_eq(http_parse_field_line_("Md5: a\rb", 8, NULL, NULL),
	    HTTP_PARSE_BAD);
	ck_assert_int_eq(http_parse_field_line_("Md5: a\0b", 8, NULL, NULL),
	    HTTP_PARSE_BAD);
	ck_assert_int_eq(http_parse_field_line_("Md5", 3, NULL, NULL),
	    HTTP_PARSE_BAD);
	seen.fail_at = 2;
	ck_assert_int_eq(http_parse_field_line_("A: b", 4, record_field, &seen),
	    HTTP_PARSE_BAD);
}
END_TEST

START_TEST(test_send_checks)
{
	int c;

	ck_assert(http_field_value_ok_("text/html; q=1\t", 15));
	ck_assert(http_field_value_ok_("", 0));
	ck_assert(http_field_value_ok_("\xc3\xa9", 2));
	ck_assert(!http_field_value_ok_("a\r\nX-Evil: 1", 12));
	ck_assert(!http_field_value_ok_("a\nb", 3));
	ck_assert(!http_field_value_ok_("a\0b", 3));
	ck_assert(!http_field_value_ok_("a\x7f", 2));
	ck_assert(http_field_name_ok_("X-Custom_1.a", 12));
	ck_assert(!http_field_name_ok_("", 0));
	ck_assert(!http_field_name_ok_("X A", 3));
	ck_assert(!http_field_name_ok_("X:", 2));
	ck_assert(!http_field_name_ok_("X\r\n", 3));
	/* The token set is exactly RFC 9110's tchar. */
	for (c = 0; c < 256; c++) {
		char ch = (char)c;
		int tchar = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
		    (c >= 'A' && c <= 'Z') ||
		    (c != 0 && strchr("!#$%&'*+-.^_`|~", c));
		int vchar = (c >= 0x20 && c < 0x7f) || c >= 0x80 || c == '\t';

		ck_assert_int_eq(http_field_name_ok_(&ch, 1), tchar);
		ck_assert_int_eq(http_field_value_ok_(&ch, 1), vchar);
	}
}
END_TEST

START_TEST(test_names)
{
	ck_assert_str_eq(http_reason_phrase_(200), "OK");
	ck_assert_str_eq(http_reason_phrase_(100), "Continue");
	ck_assert_str_eq(http_reason_phrase_(404), "Not Found");
	ck_assert_str_eq(http_reason_phrase_(431),
	    "Request Header Fields Too Large");
	ck_assert_str_eq(http_reason_phrase_(511),
	    "Network Authentication Required");
	ck_assert_str_eq(http_reason_phrase_(418), "Unknown Status");
	ck_assert_str_eq(http_reason_phrase_(0), "Unknown Status");
	ck_assert_str_eq(http_reason_phrase_(-1), "Unknown Status");
	ck_assert_str_eq(http_reason_phrase_(999), "Unknown Status");
	ck_assert_str_eq(http_method_name_(EVHTTP_REQ_GET), "GET");
	ck_assert_str_eq(http_method_name_(EVHTTP_REQ_PATCH), "PATCH");
	ck_assert_str_eq(http_method_name_(EVHTTP_REQ_CONNECT), "CONNECT");
	ck_assert_ptr_null(http_method_name_(0));
	ck_assert_ptr_null(http_method_name_(EVHTTP_REQ_GET | EVHTTP_REQ_POST));
}
END_TEST

/* ---- request targets ---- */

static const struct {
	const char *target;
	int connect;
	int ok;
	const char *host; /* NULL: none */
	int port;
	const char *path, *query;
} targets[] = {
	{ "/", 0, 1, NULL, -1, "/", NULL },
	{ "/a/b?x=1&y", 0, 1, NULL, -1, "/a/b", "x=1&y" },
	{ "/a b", 0, 1, NULL, -1, "/a b", NULL }, /* as browsers send */
	{ "/\xc3\xa9", 0, 1, NULL, -1, "/\xc3\xa9", NULL },
	{ "http://h:8080/p?q", 0, 1, "h", 8080, "/p", "q" },
	{ "http://h", 0, 1, "h", -1, "", NULL },
	{ "*", 0, 1, NULL, -1, "*", NULL },
	{ "h:443", 1, 1, "h", 443, "", NULL },
	{ "[::1]:443", 1, 1, "[::1]", 443, "", NULL },
	{ "", 0, 0, NULL, 0, NULL, NULL },
	{ "p", 0, 0, NULL, 0, NULL, NULL },
	{ "//h/p", 0, 0, NULL, 0, NULL, NULL },
	{ "/p#f", 0, 0, NULL, 0, NULL, NULL },
	{ "mailto:a@b", 0, 0, NULL, 0, NULL, NULL },
	{ "**", 0, 0, NULL, 0, NULL, NULL },
	{ "h", 1, 0, NULL, 0, NULL, NULL },
	{ "h:", 1, 0, NULL, 0, NULL, NULL },
	{ ":443", 1, 0, NULL, 0, NULL, NULL },
	{ "u@h:443", 1, 0, NULL, 0, NULL, NULL },
	{ "h:443/p", 1, 0, NULL, 0, NULL, NULL },
	{ "/", 1, 0, NULL, 0, NULL, NULL },
	{ "h:65536", 1, 0, NULL, 0, NULL, NULL },
};

START_TEST(test_target)
{
	const char *t = targets[_i].target;
	struct evhttp_uri *u =
	    evhttp_uri_parse_target_(t, strlen(t), targets[_i].connect);

	if (!targets[_i].ok) {
		ck_assert_msg(u == NULL, "\"%s\" accepted", t);
		return;
	}
	ck_assert_msg(u != NULL, "\"%s\" refused", t);
	if (targets[_i].host == NULL)
		ck_assert_ptr_null(evhttp_uri_get_host(u));
	else
		ck_assert_str_eq(evhttp_uri_get_host(u), targets[_i].host);
	ck_assert_int_eq(evhttp_uri_get_port(u), targets[_i].port);
	ck_assert_str_eq(evhttp_uri_get_path(u), targets[_i].path);
	if (targets[_i].query == NULL)
		ck_assert_ptr_null(evhttp_uri_get_query(u));
	else
		ck_assert_str_eq(evhttp_uri_get_query(u), targets[_i].query);
	evhttp_uri_free(u);
}
END_TEST

/* The target is a length, not a C string. */
START_TEST(test_target_length)
{
	struct evhttp_uri *u = evhttp_uri_parse_target_("/ab?c HTTP", 5, 0);

	ck_assert_ptr_nonnull(u);
	ck_assert_str_eq(evhttp_uri_get_path(u), "/ab");
	ck_assert_str_eq(evhttp_uri_get_query(u), "c");
	evhttp_uri_free(u);
	ck_assert_ptr_null(evhttp_uri_parse_target_("/a\0b", 4, 0));
}
END_TEST

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

Suite *
http_parse_suite(void)
{
	Suite *s = suite_create("http_parse");
	TCase *tc;

	tc = tcase_create("heads");
	tcase_set_timeout(tc, 10);
	tcase_add_loop_test(tc, test_request, 0, N(requests));
	tcase_add_test(tc, test_request_parts);
	tcase_add_loop_test(tc, test_response, 0, N(responses));
	tcase_add_loop_test(tc, test_head_length, 0, N(lengths));
	suite_add_tcase(s, tc);

	tc = tcase_create("lines");
	tcase_set_timeout(tc, 10);
	tcase_add_loop_test(tc, test_chunk_size, 0, N(chunks));
	tcase_add_test(tc, test_field_line);
	tcase_add_test(tc, test_send_checks);
	tcase_add_test(tc, test_names);
	tcase_add_loop_test(tc, test_target, 0, N(targets));
	tcase_add_test(tc, test_target_length);
	suite_add_tcase(s, tc);
	return s;
}

#endif /* EVKIT_REFERENCE */
