/* fuzz-sources: */
/*
 * libFuzzer harness for the pure HTTP parts (lib/http_parse.c,
 * lib/http_uri.c).  The input is tried as a message head, a chunk-size
 * line, a field line and a URI:
 * - http_head_length_ gives the same answer on the whole input, fed a
 *   byte at a time and split in two, and never reads past the end;
 * - a head it finds parses as a request and as a response either to
 *   BAD with a status the server may answer, or to parts that lie inside
 *   the head and fields that are tokens and clean values;
 * - a chunk size that parses prints back to the same hex digits;
 * - a URI that parses (strict and NONCONFORMANT) joins to text that
 *   parses back to the same parts, and encoding then decoding any input
 *   gives it back.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>

#include "http-parse-internal.h"
#include "http-uri-internal.h"
#include "fuzz-check.h"

struct bounds {
	const char *start;
	size_t len;
	size_t nfields;
};

static int
inside(const struct bounds *b, const char *p, size_t n)
{
	return p >= b->start && p + n <= b->start + b->len;
}

static int
check_field(void *arg, const char *name, size_t name_len, const char *value,
    size_t value_len)
{
	struct bounds *b = arg;

	if (b != NULL) {
		CHECK(inside(b, name, name_len) && inside(b, value, value_len));
		b->nfields++;
	}
	CHECK(http_field_name_ok_(name, name_len));
	CHECK(http_field_value_ok_(value, value_len));
	if (value_len > 0) {
		CHECK(value[0] != ' ' && value[0] != '\t');
		CHECK(value[value_len - 1] != ' ' &&
		    value[value_len - 1] != '\t');
	}
	return 0;
}

static void
check_head(const struct http_head_ *h, int rc, const struct bounds *b,
    int request)
{
	if (rc != HTTP_PARSE_OK) {
		CHECK(rc == HTTP_PARSE_BAD);
		CHECK(h->err_status == 400 || h->err_status == 501 ||
		    h->err_status == 505);
		CHECK(h->err_why != NULL);
		return;
	}
	CHECK(h->head_len == b->len && h->nfields == b->nfields);
	CHECK(h->major == 1 && (h->minor == 0 || h->minor == 1));
	CHECK(h->body >= HTTP_BODY_NONE && h->body <= HTTP_BODY_UNTIL_CLOSE);
	CHECK(h->body == HTTP_BODY_LENGTH || h->content_length == 0);
	CHECK(h->host == NULL || inside(b, h->host, h->host_len));
	if (request) {
		CHECK(inside(b, h->method, h->method_len) && h->method_len > 0);
		CHECK(inside(b, h->target, h->target_len) && h->target_len > 0);
		CHECK(h->body != HTTP_BODY_UNTIL_CLOSE);
		CHECK(h->method_bit == 0 ||
		    (http_method_name_(h->method_bit) != NULL &&
		        strlen(http_method_name_(h->method_bit)) ==
		            h->method_len));
	} else {
		CHECK(h->status >= 100 && h->status <= 999);
		CHECK(inside(b, h->reason, h->reason_len) ||
		    (h->reason_len == 0));
		CHECK(!(h->body == HTTP_BODY_UNTIL_CLOSE && h->keep_alive));
	}
	CHECK(!(h->keep_alive && h->conn_close));
}

static void
fuzz_head(const char *buf, size_t size)
{
	size_t scanned = 0, whole, got = 0, i, half;
	struct http_head_ head;
	struct bounds b;
	int rc;

	whole = http_head_length_(buf, size, &scanned);
	CHECK(whole <= size && scanned <= size);
	/* A byte at a time. */
	scanned = 0;
	for (i = 1; i <= size; i++) {
		got = http_head_length_(buf, i, &scanned);
		if (got != 0)
			break;
		CHECK(scanned <= i && scanned + 2 >= i);
	}
	CHECK(got == whole);
	/* Two pieces. */
	half = size > 0 ? (unsigned char)buf[0] % (size + 1) : 0;
	scanned = 0;
	got = http_head_length_(buf, half, &scanned);
	if (got == 0)
		got = http_head_length_(buf, size, &scanned);
	CHECK(got == whole);
	if (whole == 0)
		return;

	b.start = buf;
	b.len = whole;
	b.nfields = 0;
	rc = http_parse_request_head_(buf, whole, &head, check_field, &b);
	check_head(&head, rc, &b, 1);
	b.nfields = 0;
	rc = http_parse_response_head_(buf, whole,
	    1 << ((unsigned char)buf[whole - 1] % 9), &head, check_field, &b);
	check_head(&head, rc, &b, 0);
}

static void
fuzz_lines(const char *buf, size_t size)
{
	const char *nl = memchr(buf, '\n', size);
	size_t n = nl != NULL ? (size_t)(nl - buf) : size;
	ev_uint64_t v;

	if (http_parse_chunk_size_(buf, n, &v) == HTTP_PARSE_OK) {
		char hex[20];
		size_t i = 0, digits;

		CHECK(v <= ((ev_uint64_t)1 << 62));
		while (i + 1 < n && buf[i] == '0' &&
		    strchr("0123456789abcdefABCDEF", buf[i + 1]) != NULL)
			i++;
		digits = (size_t)snprintf(hex, sizeof(hex), "%llx",
		    (unsigned long long)v);
		CHECK(i + digits <= n);
		for (size_t k = 0; k < digits; k++)
			CHECK((buf[i + k] | 0x20) == hex[k]);
	}
	(void)http_parse_field_line_(buf, n, check_field, NULL);
}

static void
same(const char *a, const char *b)
{
	CHECK((a == NULL) == (b == NULL));
	CHECK(a == NULL || strcmp(a, b) == 0);
}

static void
fuzz_uri(const char *text, size_t len)
{
	static char joined[8192];
	unsigned flags;
	char *enc, *dec;
	size_t dlen;

	for (flags = 0; flags <= EVHTTP_URI_NONCONFORMANT; flags++) {
		struct evhttp_uri *u = evhttp_uri_parse_with_flags(text, flags);
		struct evhttp_uri *v;

		if (u == NULL)
			continue;
		CHECK(evhttp_uri_get_path(u) != NULL);
		if (evhttp_uri_join(u, joined, sizeof(joined)) != NULL) {
			v = evhttp_uri_parse_with_flags(joined, flags);
			CHECK(v != NULL);
			same(evhttp_uri_get_scheme(u),
			    evhttp_uri_get_scheme(v));
			same(evhttp_uri_get_userinfo(u),
			    evhttp_uri_get_userinfo(v));
			same(evhttp_uri_get_host(u), evhttp_uri_get_host(v));
			CHECK(evhttp_uri_get_port(u) == evhttp_uri_get_port(v));
			same(evhttp_uri_get_path(u), evhttp_uri_get_path(v));
			same(evhttp_uri_get_query(u), evhttp_uri_get_query(v));
			same(evhttp_uri_get_fragment(u),
			    evhttp_uri_get_fragment(v));
			evhttp_uri_free(v);
		}
		evhttp_uri_free(u);
	}
	evhttp_uri_free(evhttp_uri_parse_target_(text, len, 0));
	evhttp_uri_free(evhttp_uri_parse_target_(text, len, 1));

	enc = evhttp_uriencode(text, (ev_ssize_t)len, text[0] & 1);
	CHECK(enc != NULL);
	dec = evhttp_uridecode(enc, text[0] & 1, &dlen);
	CHECK(dec != NULL && dlen == len && memcmp(dec, text, len) == 0);
	free(enc);
	free(dec);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Exactly size bytes, so ASan sees any read past the end. */
	char *buf = malloc(size > 0 ? size : 1), *text;

	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	fuzz_head(buf, size);
	fuzz_lines(buf, size);
	free(buf);
	if ((text = malloc(size + 1)) == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	fuzz_uri(text, strlen(text));
	free(text);
	return 0;
}
