/*
 * http-parse-internal.h: the pure HTTP/1.x message parser (lib/http_parse.c).
 *
 * No I/O and no evbuffer: the caller hands in bytes it has made
 * contiguous, the parser says what they mean.  lib/http.c reads messages
 * with it; the fuzz target tests/fuzz/fuzz_http_parse.c drives it alone.
 *
 * The parser is strict where leniency lets two parties read one message
 * differently (request smuggling, RFC 9112 section 11.2): it refuses
 * both Content-Length and Transfer-Encoding, differing or malformed
 * Content-Length values, a request whose last transfer coding is not
 * chunked, obs-fold, a bare CR, NUL and other control bytes, white space
 * between a field name and its colon, and bad chunk sizes.
 */
#ifndef HTTP_PARSE_INTERNAL_H_INCLUDED_
#define HTTP_PARSE_INTERNAL_H_INCLUDED_

#include <stddef.h>
#include <event2/util.h>

/* What the parse functions return. */
#define HTTP_PARSE_OK 0
#define HTTP_PARSE_BAD (-1)

/* How a message's body is delimited (RFC 9112 section 6.3). */
enum http_body_kind_ {
	HTTP_BODY_NONE,       /* no body at all */
	HTTP_BODY_LENGTH,     /* content_length bytes (may be 0) */
	HTTP_BODY_CHUNKED,    /* chunked transfer coding */
	HTTP_BODY_UNTIL_CLOSE /* responses only: up to the end of the
	                       * connection */
};

/*
 * A parsed head.  The pointers point into the caller's buffer and are
 * valid as long as it is; nothing is NUL-terminated.
 */
struct http_head_ {
	/* Request line. */
	const char *method;
	size_t method_len;
	int method_bit; /* an EVHTTP_REQ_* value, or 0 for a method the
	                 * API has no bit for */
	const char *target;
	size_t target_len;

	/* Status line. */
	int status;
	const char *reason;
	size_t reason_len;

	/* Both: the version, 1.0 or 1.1 (HTTP/1.x with x > 1 reads as
	 * 1.1). */
	int major, minor;

	/* Framing, from the fields and (for responses) the status and the
	 * request's method. */
	enum http_body_kind_ body;
	ev_uint64_t content_length;

	/* From Connection (tokens, case-insensitive) and the version: the
	 * connection stays open after this message. */
	unsigned keep_alive : 1;
	/* "Connection: close" was sent. */
	unsigned conn_close : 1;
	/* "Expect: 100-continue" on an HTTP/1.1 request. */
	unsigned expect_continue : 1;
	/* An Expect other than 100-continue (the server answers 417). */
	unsigned expect_other : 1;

	/* The Host field's value, or NULL; a second Host is refused. */
	const char *host;
	size_t host_len;

	/* Number of fields and total bytes of the head. */
	size_t nfields;
	size_t head_len;

	/* When a function returns HTTP_PARSE_BAD: the status to answer with
	 * (400, 501 for an unknown transfer coding, 505 for an HTTP major
	 * version other than 1) and a short English reason for logs. */
	int err_status;
	const char *err_why;
};

/*
 * Called for each field, in order: the name as sent (not empty, only
 * token characters) and the value without its leading and trailing
 * white space.  A non-zero return stops the parse with HTTP_PARSE_BAD
 * and err_status 500 (the caller ran out of memory, say).
 */
typedef int (*http_field_cb_)(void *arg, const char *name, size_t name_len,
    const char *value, size_t value_len);

/*
 * The length of the head at the start of buf: the start line, the field
 * lines and the empty line ending them (CRLF or, tolerated, bare LF).
 * Empty lines before a request line count as part of it (RFC 9112
 * section 2.2).  0 while the empty line has not arrived.  *scanned
 * carries the position between calls on a growing buffer (0 at first),
 * so that a head sent a byte at a time is not rescanned from its start.
 */
size_t http_head_length_(const char *buf, size_t len, size_t *scanned);

/*
 * Parses the complete request head buf[0..len) (len from
 * http_head_length_).  Calls field_cb for each field.  HTTP_PARSE_OK or
 * HTTP_PARSE_BAD with err_status and err_why set.
 */
int http_parse_request_head_(const char *buf, size_t len,
    struct http_head_ *head, http_field_cb_ field_cb, void *arg);

/*
 * The same for a response head; req_method is the EVHTTP_REQ_* method of
 * the request it answers (HEAD and CONNECT change the framing, as do the
 * statuses 1xx, 204 and 304).
 */
int http_parse_response_head_(const char *buf, size_t len, int req_method,
    struct http_head_ *head, http_field_cb_ field_cb, void *arg);

/*
 * A chunk-size line without its line end ("1A", "1a;name=value"): the
 * size in *size.  HTTP_PARSE_BAD for no digits, a non-hex digit, white
 * space before the size, a value above 2^62, or a malformed extension.
 */
int http_parse_chunk_size_(const char *line, size_t len, ev_uint64_t *size);

/*
 * One field line of a chunked trailer, without its line end; calls
 * field_cb.  The same rules as in a head.
 */
int http_parse_field_line_(const char *line, size_t len,
    http_field_cb_ field_cb, void *arg);

/*
 * A field value that may be sent: no CR, LF or NUL, nor other control
 * bytes but HTAB.  1 or 0.  evhttp_add_header uses it.
 */
int http_field_value_ok_(const char *value, size_t len);

/* A field name that may be sent: one or more token characters. */
int http_field_name_ok_(const char *name, size_t len);

/* The standard reason phrase of a status code, or "Unknown Status". */
const char *http_reason_phrase_(int status);

/* The method name of an EVHTTP_REQ_* bit, or NULL. */
const char *http_method_name_(int method_bit);

#endif /* HTTP_PARSE_INTERNAL_H_INCLUDED_ */
