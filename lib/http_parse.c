/*
 * http_parse.c: the pure HTTP/1.x message parser (http-parse-internal.h).
 *
 * Everything works on bytes the caller has made contiguous; nothing here
 * allocates or does I/O.  The rules are RFC 9112's, read strictly where a
 * lenient reading lets a front end and a back end disagree about where a
 * message ends (request smuggling): one framing per message, no obs-fold,
 * no bare CR, no control bytes, no white space before a field's colon.
 *
 * A head is cut into lines at LF; a CR just before the LF belongs to the
 * line end, any other CR is an error.  Each byte is classified through
 * one table, so a typical browser head costs one pass over its bytes.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include <event2/http.h>
#include <event2/util.h>

#include "http-parse-internal.h"

/* Byte classes. */
#define C_TCHAR 0x01 /* token character (RFC 9110 section 5.6.2) */
/* may appear inside a field value: VCHAR, obs-text, SP, HTAB */
#define C_FIELD 0x02
#define C_TARGET 0x04 /* request-target: VCHAR and obs-text */
#define C_HEX 0x08
#define C_QDTEXT 0x10 /* quoted-string text (not '"' nor '\\') */

#define T_ (C_TCHAR | C_FIELD | C_TARGET | C_QDTEXT)
#define V_ (C_FIELD | C_TARGET | C_QDTEXT)
#define H_ (C_TCHAR | C_FIELD | C_TARGET | C_QDTEXT | C_HEX)
#define O_ (C_FIELD | C_TARGET | C_QDTEXT) /* obs-text */
#define S_ (C_FIELD | C_QDTEXT)            /* SP, HTAB */
#define Q_ (C_FIELD | C_TARGET)            /* '"' and '\\' */
#define O16_ O_, O_, O_, O_, O_, O_, O_, O_, O_, O_, O_, O_, O_, O_, O_, O_

static const unsigned char cls[256] = {
	/* 0x00 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, S_, 0, 0, 0, 0, 0, 0,
	/* 0x10 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	/* 0x20  ! " # $ % & ' ( ) * + , - . / */
	S_, T_, Q_, T_, T_, T_, T_, T_, V_, V_, T_, T_, V_, T_, T_, V_,
	/* 0x30 0-9 : ; < = > ? */
	H_, H_, H_, H_, H_, H_, H_, H_, H_, H_, V_, V_, V_, V_, V_, V_,
	/* 0x40 @ A-O */
	V_, H_, H_, H_, H_, H_, H_, T_, T_, T_, T_, T_, T_, T_, T_, T_,
	/* 0x50 P-Z [ \ ] ^ _ */
	T_, T_, T_, T_, T_, T_, T_, T_, T_, T_, T_, V_, Q_, V_, T_, T_,
	/* 0x60 ` a-o */
	T_, H_, H_, H_, H_, H_, H_, T_, T_, T_, T_, T_, T_, T_, T_, T_,
	/* 0x70 p-z { | } ~ DEL */
	T_, T_, T_, T_, T_, T_, T_, T_, T_, T_, T_, V_, T_, V_, T_, 0,
	/* 0x80-0xff */
	O16_, O16_, O16_, O16_, O16_, O16_, O16_, O16_
};

#define IS(c, k) (cls[(unsigned char)(c)] & (k))

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* s[0..n) equals the lower-case word w, ignoring case. */
static int
eq_nocase(const char *s, size_t n, const char *w)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (w[i] == '\0' || lower((unsigned char)s[i]) != w[i])
			return 0;
	return w[n] == '\0';
}

static int
is_ows(char c)
{
	return c == ' ' || c == '\t';
}

/* ---- the end of a head ---- */

size_t
http_head_length_(const char *buf, size_t len, size_t *scanned)
{
	size_t p = *scanned <= len ? *scanned : 0; /* a shorter buffer: anew */
	const char *nl;

	/*
	 * Two states, told apart by the resume position alone: p == 0 or
	 * buf[p - 1] == '\n' means only empty lines lie before p (the
	 * start line has not begun); any other p lies inside the head,
	 * where buf[p - 1] can never be an LF (an LF followed by an LF
	 * would have ended it).
	 */
	if (p == 0 || buf[p - 1] == '\n') {
		while (p < len) {
			if (buf[p] == '\n')
				p++;
			else if (buf[p] == '\r' && p + 1 < len &&
			    buf[p + 1] == '\n')
				p += 2;
			else
				break;
		}
		if (p == len || (buf[p] == '\r' && p + 1 == len)) {
			*scanned = p;
			return 0;
		}
	}
	while (p < len && (nl = memchr(buf + p, '\n', len - p)) != NULL) {
		size_t j = (size_t)(nl - buf);

		if (j + 1 < len && buf[j + 1] == '\n')
			return j + 2;
		if (j + 2 < len && buf[j + 1] == '\r' && buf[j + 2] == '\n')
			return j + 3;
		if (j + 1 == len || (j + 2 == len && buf[j + 1] == '\r')) {
			/* The line after this LF has not arrived yet. */
			*scanned = j > 0 ? j : len;
			return 0;
		}
		p = j + 1;
	}
	*scanned = len;
	return 0;
}

/* ---- shared helpers ---- */

static int
fail(struct http_head_ *head, int status, const char *why)
{
	if (head != NULL) {
		head->err_status = status;
		head->err_why = why;
	}
	return HTTP_PARSE_BAD;
}

/*
 * The next line of buf[*pos..end): its content in *line, *line_len
 * (without CRLF or LF).  0, or -1 when no LF is left.
 */
static int
next_line(const char *buf, size_t end, size_t *pos, const char **line,
    size_t *line_len)
{
	const char *nl;
	size_t n;

	if (*pos >= end)
		return -1;
	nl = memchr(buf + *pos, '\n', end - *pos);
	if (nl == NULL)
		return -1;
	*line = buf + *pos;
	n = (size_t)(nl - *line);
	*pos += n + 1;
	if (n > 0 && (*line)[n - 1] == '\r')
		n--;
	*line_len = n;
	return 0;
}

/* Skips the empty lines before a start line. */
static size_t
skip_empty_lines(const char *buf, size_t len)
{
	size_t p = 0;

	while (p < len) {
		if (buf[p] == '\n')
			p++;
		else if (buf[p] == '\r' && p + 1 < len && buf[p + 1] == '\n')
			p += 2;
		else
			break;
	}
	return p;
}

/* Why a byte that is not allowed in a line is refused. */
static const char *
bad_byte_why(char c)
{
	if (c == '\r')
		return "bare CR";
	if (c == '\0')
		return "NUL byte";
	return "control byte";
}

/* "HTTP/" DIGIT "." DIGIT at s[0..8): 0, 400 or 505 (major not 1). */
static int
parse_version(const char *s, int *major, int *minor)
{
	if (memcmp(s, "HTTP/", 5) != 0 || s[5] < '0' || s[5] > '9' ||
	    s[6] != '.' || s[7] < '0' || s[7] > '9')
		return 400;
	if (s[5] != '1')
		return 505;
	*major = 1;
	*minor = s[7] == '0' ? 0 : 1;
	return 0;
}

/* ---- field lines ---- */

/*
 * Splits a field line; 0, or -1 with *why.  The value loses its leading
 * and trailing white space.
 */
static int
split_field(const char *line, size_t len, const char **value, size_t *value_len,
    size_t *name_len, const char **why)
{
	size_t i, start, end;

	if (len > 0 && is_ows(line[0])) {
		*why = "obs-fold (line starting with white space)";
		return -1;
	}
	for (i = 0; i < len && IS(line[i], C_TCHAR); i++)
		;
	if (i == len || line[i] != ':') {
		if (i < len && is_ows(line[i]))
			*why = "white space before a field's colon";
		else if (i < len && line[i] == '\r')
			*why = "bare CR";
		else
			*why = "malformed field name";
		return -1;
	}
	if (i == 0) {
		*why = "empty field name";
		return -1;
	}
	*name_len = i;
	for (start = i + 1; start < len && is_ows(line[start]); start++)
		;
	for (end = start; end < len; end++)
		if (!IS(line[end], C_FIELD)) {
			*why = bad_byte_why(line[end]);
			return -1;
		}
	while (end > start && is_ows(line[end - 1]))
		end--;
	*value = line + start;
	*value_len = end - start;
	return 0;
}

int
http_parse_field_line_(const char *line, size_t len, http_field_cb_ field_cb,
    void *arg)
{
	const char *value, *why;
	size_t vlen, nlen;

	if (split_field(line, len, &value, &vlen, &nlen, &why) < 0)
		return HTTP_PARSE_BAD;
	if (field_cb != NULL && field_cb(arg, line, nlen, value, vlen) != 0)
		return HTTP_PARSE_BAD;
	return HTTP_PARSE_OK;
}

int
http_field_value_ok_(const char *value, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!IS(value[i], C_FIELD))
			return 0;
	return 1;
}

int
http_field_name_ok_(const char *name, size_t len)
{
	size_t i;

	if (len == 0)
		return 0;
	for (i = 0; i < len; i++)
		if (!IS(name[i], C_TCHAR))
			return 0;
	return 1;
}

/* ---- framing fields ---- */

/* What the fields said, gathered while they are read. */
struct framing {
	int have_cl;
	ev_uint64_t cl;
	int have_te;
	int te_chunked_count; /* "chunked" codings seen */
	int te_last_chunked;  /* the last coding seen is chunked */
	int te_unknown;       /* a coding we do not know */
	int conn_close, conn_keep_alive;
	int expect_continue, expect_other;
	int nhost;
};

/* Largest Content-Length taken: what fits an ev_int64_t. */
#define CL_MAX ((ev_uint64_t)0x7fffffffffffffffULL)

/*
 * Calls fn(arg, element, element_len) for each element of a comma list,
 * trimmed of OWS.  Empty elements are passed as such.
 */
static int
for_each_element(const char *v, size_t n,
    int (*fn)(struct framing *, const char *, size_t, const char **),
    struct framing *f, const char **why)
{
	size_t i = 0;

	for (;;) {
		size_t s, e;

		for (s = i; s < n && v[s] != ','; s++)
			;
		e = s;
		while (i < e && is_ows(v[i]))
			i++;
		while (e > i && is_ows(v[e - 1]))
			e--;
		if (fn(f, v + i, e - i, why) < 0)
			return -1;
		if (s == n)
			return 0;
		i = s + 1;
	}
}

static int
cl_element(struct framing *f, const char *v, size_t n, const char **why)
{
	ev_uint64_t x = 0;
	size_t i;

	if (n == 0) {
		*why = "empty Content-Length";
		return -1;
	}
	for (i = 0; i < n; i++) {
		unsigned d = (unsigned char)v[i] - '0';

		if (d > 9) {
			*why = "Content-Length is not a number";
			return -1;
		}
		if (x > (CL_MAX - d) / 10) {
			*why = "Content-Length too large";
			return -1;
		}
		x = x * 10 + d;
	}
	if (f->have_cl && f->cl != x) {
		*why = "differing Content-Length values";
		return -1;
	}
	f->have_cl = 1;
	f->cl = x;
	return 0;
}

static int
te_element(struct framing *f, const char *v, size_t n, const char **why)
{
	static const char *const known[] = { "gzip", "deflate", "compress",
		"x-gzip", "x-compress" };
	size_t i, k;

	/* A coding may carry parameters (";name=value"): keep its name. */
	for (k = 0; k < n && IS(v[k], C_TCHAR); k++)
		;
	if (k == 0) {
		*why = "empty transfer coding";
		return -1;
	}
	f->have_te = 1;
	if (eq_nocase(v, k, "chunked")) {
		if (k != n) {
			*why = "chunked with parameters";
			return -1;
		}
		f->te_chunked_count++;
		f->te_last_chunked = 1;
		return 0;
	}
	f->te_last_chunked = 0;
	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (eq_nocase(v, k, known[i]))
			return 0;
	f->te_unknown = 1;
	return 0;
}

static int
conn_element(struct framing *f, const char *v, size_t n, const char **why)
{
	(void)why;
	if (eq_nocase(v, n, "close"))
		f->conn_close = 1;
	else if (eq_nocase(v, n, "keep-alive"))
		f->conn_keep_alive = 1;
	return 0;
}

static int
expect_element(struct framing *f, const char *v, size_t n, const char **why)
{
	(void)why;
	if (n == 0)
		return 0;
	if (eq_nocase(v, n, "100-continue"))
		f->expect_continue = 1;
	else
		f->expect_other = 1;
	return 0;
}

/*
 * Reads the field lines of a head from buf[pos..len) up to the empty
 * line, noting the framing ones in f.  HTTP_PARSE_OK or BAD (with head's
 * error set).
 */
static int
parse_fields(const char *buf, size_t len, size_t pos, struct http_head_ *head,
    struct framing *f, http_field_cb_ field_cb, void *arg)
{
	const char *line, *value, *why;
	size_t line_len, vlen, nlen;

	for (;;) {
		if (next_line(buf, len, &pos, &line, &line_len) < 0)
			return fail(head, 400, "head without its empty line");
		if (line_len == 0)
			break;
		if (split_field(line, line_len, &value, &vlen, &nlen, &why) < 0)
			return fail(head, 400, why);
		why = NULL;
		switch (lower((unsigned char)line[0])) {
		case 'c':
			if (eq_nocase(line, nlen, "content-length"))
				for_each_element(value, vlen, cl_element, f,
				    &why);
			else if (eq_nocase(line, nlen, "connection"))
				for_each_element(value, vlen, conn_element, f,
				    &why);
			break;
		case 't':
			if (eq_nocase(line, nlen, "transfer-encoding"))
				for_each_element(value, vlen, te_element, f,
				    &why);
			break;
		case 'e':
			if (eq_nocase(line, nlen, "expect"))
				for_each_element(value, vlen, expect_element, f,
				    &why);
			break;
		case 'h':
			if (eq_nocase(line, nlen, "host")) {
				if (++f->nhost > 1)
					why = "more than one Host field";
				head->host = value;
				head->host_len = vlen;
			}
			break;
		default:
			break;
		}
		if (why != NULL)
			return fail(head, 400, why);
		head->nfields++;
		if (field_cb != NULL &&
		    field_cb(arg, line, nlen, value, vlen) != 0)
			return fail(head, 500, "field callback failed");
	}
	if (pos != len)
		return fail(head, 400, "bytes after the head's empty line");
	return HTTP_PARSE_OK;
}

/* Checks what framing fields say alone, for requests and responses. */
static int
check_framing(struct http_head_ *head, const struct framing *f)
{
	if (f->have_cl && f->have_te)
		return fail(head, 400,
		    "both Content-Length and Transfer-Encoding");
	if (f->have_te && head->minor == 0)
		return fail(head, 400, "Transfer-Encoding in HTTP/1.0");
	if (f->te_chunked_count > 1)
		return fail(head, 400, "chunked applied more than once");
	return HTTP_PARSE_OK;
}

static void
set_connection(struct http_head_ *head, const struct framing *f)
{
	head->conn_close = f->conn_close ? 1 : 0;
	if (head->minor >= 1)
		head->keep_alive = f->conn_close ? 0 : 1;
	else
		head->keep_alive = f->conn_keep_alive && !f->conn_close;
}

/*
 * The parts requests and responses share: the start line (by
 * start_line), the fields, and the framing rules that hold for both.
 */
static int
parse_head(const char *buf, size_t len, struct http_head_ *head,
    struct framing *f,
    int (*start_line)(const char *, size_t, struct http_head_ *),
    http_field_cb_ field_cb, void *arg)
{
	const char *line;
	size_t pos, line_len;

	memset(head, 0, sizeof(*head));
	memset(f, 0, sizeof(*f));
	head->head_len = len;
	pos = skip_empty_lines(buf, len);
	if (next_line(buf, len, &pos, &line, &line_len) < 0)
		return fail(head, 400, "no start line");
	if (start_line(line, line_len, head) < 0)
		return HTTP_PARSE_BAD;
	if (parse_fields(buf, len, pos, head, f, field_cb, arg) < 0)
		return HTTP_PARSE_BAD;
	return check_framing(head, f);
}

/* ---- requests ---- */

static const struct {
	const char *name;
	size_t len;
	int bit;
} methods[] = {
	{ "GET", 3, EVHTTP_REQ_GET },
	{ "POST", 4, EVHTTP_REQ_POST },
	{ "HEAD", 4, EVHTTP_REQ_HEAD },
	{ "PUT", 3, EVHTTP_REQ_PUT },
	{ "DELETE", 6, EVHTTP_REQ_DELETE },
	{ "OPTIONS", 7, EVHTTP_REQ_OPTIONS },
	{ "TRACE", 5, EVHTTP_REQ_TRACE },
	{ "CONNECT", 7, EVHTTP_REQ_CONNECT },
	{ "PATCH", 5, EVHTTP_REQ_PATCH },
};

#define N_METHODS (sizeof(methods) / sizeof(methods[0]))

const char *
http_method_name_(int method_bit)
{
	size_t i;

	for (i = 0; i < N_METHODS; i++)
		if (methods[i].bit == method_bit)
			return methods[i].name;
	return NULL;
}

/* The request line l[0..n) is refused at l[i]. */
static int
bad_request_line(struct http_head_ *head, const char *l, size_t n, size_t i)
{
	if (i < n && !IS(l[i], C_FIELD))
		return fail(head, 400, bad_byte_why(l[i]));
	return fail(head, 400, "malformed request line");
}

static int
parse_request_line(const char *l, size_t n, struct http_head_ *head)
{
	size_t i, t;
	int st;

	for (i = 0; i < n && IS(l[i], C_TCHAR); i++)
		;
	if (i == 0)
		return fail(head, 400, "no method");
	if (i == n || l[i] != ' ')
		return bad_request_line(head, l, n, i);
	head->method = l;
	head->method_len = i;
	for (t = 0; t < N_METHODS; t++)
		if (methods[t].len == i && memcmp(methods[t].name, l, i) == 0) {
			head->method_bit = methods[t].bit;
			break;
		}
	t = ++i;
	while (i < n && IS(l[i], C_TARGET))
		i++;
	if (i == t)
		return fail(head, 400, "no request target");
	if (i == n || l[i] != ' ')
		return bad_request_line(head, l, n, i);
	head->target = l + t;
	head->target_len = i - t;
	i++;
	if (n - i != 8)
		return fail(head, 400, "malformed HTTP version");
	st = parse_version(l + i, &head->major, &head->minor);
	if (st != 0)
		return fail(head, st,
		    st == 505 ? "HTTP major version is not 1"
		              : "malformed HTTP version");
	return HTTP_PARSE_OK;
}

int
http_parse_request_head_(const char *buf, size_t len, struct http_head_ *head,
    http_field_cb_ field_cb, void *arg)
{
	struct framing f;

	if (parse_head(buf, len, head, &f, parse_request_line, field_cb, arg) <
	    0)
		return HTTP_PARSE_BAD;
	if (f.have_te) {
		if (f.te_unknown)
			return fail(head, 501, "unknown transfer coding");
		if (!f.te_last_chunked)
			return fail(head, 400,
			    "request's last transfer coding is not chunked");
		head->body = HTTP_BODY_CHUNKED;
	} else if (f.have_cl) {
		head->body = HTTP_BODY_LENGTH;
		head->content_length = f.cl;
	} else {
		head->body = HTTP_BODY_NONE;
	}
	set_connection(head, &f);
	if (head->minor >= 1) {
		head->expect_continue = f.expect_continue && !f.expect_other;
		head->expect_other = f.expect_other ? 1 : 0;
	}
	return HTTP_PARSE_OK;
}

/* ---- responses ---- */

static int
parse_status_line(const char *l, size_t n, struct http_head_ *head)
{
	size_t i;
	int st;

	if (n < 12 || l[8] != ' ')
		return fail(head, 400, "malformed status line");
	st = parse_version(l, &head->major, &head->minor);
	if (st != 0)
		return fail(head, st,
		    st == 505 ? "HTTP major version is not 1"
		              : "malformed HTTP version");
	for (i = 9; i < 12; i++)
		if (l[i] < '0' || l[i] > '9')
			return fail(head, 400, "malformed status code");
	head->status = (l[9] - '0') * 100 + (l[10] - '0') * 10 + (l[11] - '0');
	if (head->status < 100)
		return fail(head, 400, "status code below 100");
	head->reason = l + n;
	if (n > 12) {
		if (l[12] != ' ')
			return fail(head, 400, "malformed status line");
		for (i = 13; i < n; i++)
			if (!IS(l[i], C_FIELD))
				return fail(head, 400, bad_byte_why(l[i]));
		head->reason = l + 13;
		head->reason_len = n - 13;
	}
	return HTTP_PARSE_OK;
}

int
http_parse_response_head_(const char *buf, size_t len, int req_method,
    struct http_head_ *head, http_field_cb_ field_cb, void *arg)
{
	struct framing f;
	int st;

	if (parse_head(buf, len, head, &f, parse_status_line, field_cb, arg) <
	    0)
		return HTTP_PARSE_BAD;
	st = head->status;
	if (st < 200 || st == 204 || st == 304 ||
	    req_method == EVHTTP_REQ_HEAD ||
	    (req_method == EVHTTP_REQ_CONNECT && st < 300)) {
		head->body = HTTP_BODY_NONE;
	} else if (f.have_te) {
		head->body = f.te_last_chunked ? HTTP_BODY_CHUNKED
		                               : HTTP_BODY_UNTIL_CLOSE;
	} else if (f.have_cl) {
		head->body = HTTP_BODY_LENGTH;
		head->content_length = f.cl;
	} else {
		head->body = HTTP_BODY_UNTIL_CLOSE;
	}
	set_connection(head, &f);
	if (head->body == HTTP_BODY_UNTIL_CLOSE)
		head->keep_alive = 0;
	return HTTP_PARSE_OK;
}

/* ---- chunks ---- */

/* A token at s[*i..n); 0 or -1 when empty. */
static int
skip_token(const char *s, size_t n, size_t *i)
{
	size_t start = *i;

	while (*i < n && IS(s[*i], C_TCHAR))
		(*i)++;
	return *i > start ? 0 : -1;
}

static int
skip_quoted(const char *s, size_t n, size_t *i)
{
	size_t p = *i + 1; /* past the opening quote */

	while (p < n) {
		if (s[p] == '"') {
			*i = p + 1;
			return 0;
		}
		if (s[p] == '\\') {
			if (p + 1 == n || !IS(s[p + 1], C_FIELD))
				return -1;
			p += 2;
		} else if (IS(s[p], C_QDTEXT)) {
			p++;
		} else {
			return -1;
		}
	}
	return -1;
}

#define CHUNK_MAX ((ev_uint64_t)1 << 62)

int
http_parse_chunk_size_(const char *line, size_t len, ev_uint64_t *size)
{
	ev_uint64_t x = 0;
	size_t i;

	for (i = 0; i < len && IS(line[i], C_HEX); i++) {
		unsigned c = (unsigned char)line[i];

		if (i == 16)
			return HTTP_PARSE_BAD;
		x = x * 16 +
		    (c <= '9' ? c - '0' : (unsigned)lower(c) - 'a' + 10);
	}
	if (i == 0 || x > CHUNK_MAX)
		return HTTP_PARSE_BAD;
	/* chunk-ext = *( BWS ";" BWS name [ BWS "=" BWS value ] ) */
	while (i < len) {
		while (i < len && is_ows(line[i]))
			i++;
		if (i == len || line[i] != ';')
			return HTTP_PARSE_BAD;
		i++;
		while (i < len && is_ows(line[i]))
			i++;
		if (skip_token(line, len, &i) < 0)
			return HTTP_PARSE_BAD;
		while (i < len && is_ows(line[i]))
			i++;
		if (i < len && line[i] == '=') {
			i++;
			while (i < len && is_ows(line[i]))
				i++;
			if (i < len && line[i] == '"') {
				if (skip_quoted(line, len, &i) < 0)
					return HTTP_PARSE_BAD;
			} else if (skip_token(line, len, &i) < 0) {
				return HTTP_PARSE_BAD;
			}
		} else if (i < len && line[i] != ';') {
			return HTTP_PARSE_BAD;
		}
	}
	*size = x;
	return HTTP_PARSE_OK;
}

/* ---- reason phrases ---- */

static const struct {
	short code;
	const char *phrase;
} reasons[] = {
	{ 100, "Continue" },
	{ 101, "Switching Protocols" },
	{ 102, "Processing" },
	{ 103, "Early Hints" },
	{ 200, "OK" },
	{ 201, "Created" },
	{ 202, "Accepted" },
	{ 203, "Non-Authoritative Information" },
	{ 204, "No Content" },
	{ 205, "Reset Content" },
	{ 206, "Partial Content" },
	{ 207, "Multi-Status" },
	{ 208, "Already Reported" },
	{ 226, "IM Used" },
	{ 300, "Multiple Choices" },
	{ 301, "Moved Permanently" },
	{ 302, "Found" },
	{ 303, "See Other" },
	{ 304, "Not Modified" },
	{ 305, "Use Proxy" },
	{ 307, "Temporary Redirect" },
	{ 308, "Permanent Redirect" },
	{ 400, "Bad Request" },
	{ 401, "Unauthorized" },
	{ 402, "Payment Required" },
	{ 403, "Forbidden" },
	{ 404, "Not Found" },
	{ 405, "Method Not Allowed" },
	{ 406, "Not Acceptable" },
	{ 407, "Proxy Authentication Required" },
	{ 408, "Request Timeout" },
	{ 409, "Conflict" },
	{ 410, "Gone" },
	{ 411, "Length Required" },
	{ 412, "Precondition Failed" },
	{ 413, "Content Too Large" },
	{ 414, "URI Too Long" },
	{ 415, "Unsupported Media Type" },
	{ 416, "Range Not Satisfiable" },
	{ 417, "Expectation Failed" },
	{ 421, "Misdirected Request" },
	{ 422, "Unprocessable Content" },
	{ 423, "Locked" },
	{ 424, "Failed Dependency" },
	{ 425, "Too Early" },
	{ 426, "Upgrade Required" },
	{ 428, "Precondition Required" },
	{ 429, "Too Many Requests" },
	{ 431, "Request Header Fields Too Large" },
	{ 451, "Unavailable For Legal Reasons" },
	{ 500, "Internal Server Error" },
	{ 501, "Not Implemented" },
	{ 502, "Bad Gateway" },
	{ 503, "Service Unavailable" },
	{ 504, "Gateway Timeout" },
	{ 505, "HTTP Version Not Supported" },
	{ 506, "Variant Also Negotiates" },
	{ 507, "Insufficient Storage" },
	{ 508, "Loop Detected" },
	{ 510, "Not Extended" },
	{ 511, "Network Authentication Required" },
};

const char *
http_reason_phrase_(int status)
{
	size_t lo = 0, hi = sizeof(reasons) / sizeof(reasons[0]);

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (reasons[mid].code == status)
			return reasons[mid].phrase;
		if (reasons[mid].code < status)
			lo = mid + 1;
		else
			hi = mid;
	}
	return "Unknown Status";
}
