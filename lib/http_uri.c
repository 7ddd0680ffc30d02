/*
 * http_uri.c: URIs (RFC 3986) and the encoding helpers of event2/http.h.
 *
 * A parsed URI keeps each part as its own NUL-terminated copy, as sent
 * (no decoding, no normalisation).  Parsing is strict by default: every
 * part must use only the characters its grammar allows and every '%'
 * must start a valid escape.  With EVHTTP_URI_NONCONFORMANT the path,
 * query and fragment may hold any byte but the delimiters that end them,
 * as browsers send; scheme and authority stay strict.
 *
 * The behaviour follows libevent 2.1.12's, checked against it by
 * tests/check_http_uri.c (also built against libevent by `make
 * libevent-check`): an empty port reads as none, a port above 65535 is
 * refused by the parser but not by evhttp_uri_set_port, the path is ""
 * rather than NULL after a parse, and evhttp_uri_join refuses a host with
 * a relative path.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/queue.h>
#include <stdint.h>
#include <string.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/util.h>

#include "http-headers-internal.h"
#include "http-uri-internal.h"
#include "mm-internal.h"
#include "util-internal.h"

struct evhttp_uri {
	unsigned flags;
	char *scheme;
	char *userinfo;
	char *host;
	int port;
	char *path;
	char *query;
	char *fragment;
};

/* ---- character classes ---- */

#define U_UNRESERVED 0x01 /* ALPHA DIGIT - . _ ~ */
#define U_SUBDELIM 0x02   /* ! $ & ' ( ) * + , ; = */
#define U_COLON 0x04
#define U_AT 0x08
#define U_SLASH 0x10
#define U_QMARK 0x20
#define U_ANY 0x40 /* NONCONFORMANT: any byte (delimiters are cut first) */

#define U_REGNAME (U_UNRESERVED | U_SUBDELIM)
#define U_USERINFO (U_REGNAME | U_COLON)
#define U_PCHAR (U_REGNAME | U_COLON | U_AT)
#define U_PATH (U_PCHAR | U_SLASH)
#define U_QUERY (U_PCHAR | U_SLASH | U_QMARK)

static int
uri_class(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
	    c == '~')
		return U_UNRESERVED;
	switch (c) {
	case '!':
	case '$':
	case '&':
	case '\'':
	case '(':
	case ')':
	case '*':
	case '+':
	case ',':
	case ';':
	case '=':
		return U_SUBDELIM;
	case ':':
		return U_COLON;
	case '@':
		return U_AT;
	case '/':
		return U_SLASH;
	case '?':
		return U_QMARK;
	default:
		return 0;
	}
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * s[0..n) holds only characters of the classes in allowed, and '%'
 * followed by two hex digits.  U_ANY allows everything.
 */
static int
chars_ok(const char *s, size_t n, int allowed)
{
	size_t i;

	if (allowed & U_ANY)
		return 1;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '%') {
			if (i + 2 >= n || hexval(s[i + 1]) < 0 ||
			    hexval(s[i + 2]) < 0)
				return 0;
			i += 2;
		} else if (!(uri_class(c) & allowed)) {
			return 0;
		}
	}
	return 1;
}

/* ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ), not empty. */
static int
scheme_ok(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || !EVUTIL_ISALPHA_(s[0]))
		return 0;
	for (i = 1; i < n; i++)
		if (!EVUTIL_ISALNUM_(s[i]) && s[i] != '+' && s[i] != '-' &&
		    s[i] != '.')
			return 0;
	return 1;
}

/* "[" ( IPv6address / IPvFuture ) "]" at s[0..n). */
static int
ip_literal_ok(const char *s, size_t n)
{
	char addr[64];
	unsigned char bin[16];
	size_t i;

	if (n < 2 || s[0] != '[' || s[n - 1] != ']')
		return 0;
	s++;
	n -= 2;
	if (n > 0 && (s[0] == 'v' || s[0] == 'V')) {
		/* "v" 1*HEXDIG "." *( unreserved / sub-delims / ":" )
		 * (libevent takes an empty tail; so do we) */
		for (i = 1; i < n && hexval(s[i]) >= 0; i++)
			;
		if (i == 1 || i == n || s[i] != '.')
			return 0;
		for (i++; i < n; i++)
			if (!(uri_class((unsigned char)s[i]) & U_USERINFO))
				return 0;
		return 1;
	}
	if (n == 0 || n >= sizeof(addr))
		return 0;
	memcpy(addr, s, n);
	addr[n] = '\0';
	return evutil_inet_pton(AF_INET6, addr, bin) == 1;
}

static int
host_ok(const char *s, size_t n)
{
	if (n > 0 && s[0] == '[')
		return ip_literal_ok(s, n);
	return chars_ok(s, n, U_REGNAME);
}

/* ---- parts ---- */

/*
 * Replaces *part with a copy of value (NULL unsets it).  0, or -1 when
 * out of memory (the part is left as it was).
 */
static int
set_part(char **part, const char *value)
{
	char *copy = NULL;

	if (value != NULL && (copy = mm_strdup(value)) == NULL)
		return -1;
	mm_free(*part);
	*part = copy;
	return 0;
}

struct evhttp_uri *
evhttp_uri_new(void)
{
	struct evhttp_uri *uri = mm_calloc(1, sizeof(*uri));

	if (uri != NULL)
		uri->port = -1;
	return uri;
}

void
evhttp_uri_set_flags(struct evhttp_uri *uri, unsigned flags)
{
	uri->flags = flags;
}

void
evhttp_uri_free(struct evhttp_uri *uri)
{
	if (uri == NULL)
		return;
	mm_free(uri->scheme);
	mm_free(uri->userinfo);
	mm_free(uri->host);
	mm_free(uri->path);
	mm_free(uri->query);
	mm_free(uri->fragment);
	mm_free(uri);
}

const char *
evhttp_uri_get_scheme(const struct evhttp_uri *uri)
{
	return uri->scheme;
}

const char *
evhttp_uri_get_userinfo(const struct evhttp_uri *uri)
{
	return uri->userinfo;
}

const char *
evhttp_uri_get_host(const struct evhttp_uri *uri)
{
	return uri->host;
}

int
evhttp_uri_get_port(const struct evhttp_uri *uri)
{
	return uri->port;
}

const char *
evhttp_uri_get_path(const struct evhttp_uri *uri)
{
	return uri->path;
}

const char *
evhttp_uri_get_query(const struct evhttp_uri *uri)
{
	return uri->query;
}

const char *
evhttp_uri_get_fragment(const struct evhttp_uri *uri)
{
	return uri->fragment;
}

/* What the path, query and fragment may hold under uri's flags. */
static int
path_class(unsigned flags)
{
	return (flags & EVHTTP_URI_NONCONFORMANT) ? U_ANY : U_PATH;
}

static int
query_class(unsigned flags)
{
	return (flags & EVHTTP_URI_NONCONFORMANT) ? U_ANY : U_QUERY;
}

int
evhttp_uri_set_scheme(struct evhttp_uri *uri, const char *scheme)
{
	if (scheme != NULL && !scheme_ok(scheme, strlen(scheme)))
		return -1;
	return set_part(&uri->scheme, scheme);
}

int
evhttp_uri_set_userinfo(struct evhttp_uri *uri, const char *userinfo)
{
	if (userinfo != NULL &&
	    !chars_ok(userinfo, strlen(userinfo), U_USERINFO))
		return -1;
	return set_part(&uri->userinfo, userinfo);
}

int
evhttp_uri_set_host(struct evhttp_uri *uri, const char *host)
{
	if (host != NULL && !host_ok(host, strlen(host)))
		return -1;
	return set_part(&uri->host, host);
}

int
evhttp_uri_set_port(struct evhttp_uri *uri, int port)
{
	if (port < -1)
		return -1;
	uri->port = port;
	return 0;
}

int
evhttp_uri_set_path(struct evhttp_uri *uri, const char *path)
{
	if (path != NULL &&
	    (strpbrk(path, "?#") != NULL ||
	        !chars_ok(path, strlen(path), path_class(uri->flags))))
		return -1;
	return set_part(&uri->path, path);
}

int
evhttp_uri_set_query(struct evhttp_uri *uri, const char *query)
{
	if (query != NULL &&
	    (strchr(query, '#') != NULL ||
	        !chars_ok(query, strlen(query), query_class(uri->flags))))
		return -1;
	return set_part(&uri->query, query);
}

int
evhttp_uri_set_fragment(struct evhttp_uri *uri, const char *fragment)
{
	if (fragment != NULL &&
	    !chars_ok(fragment, strlen(fragment), query_class(uri->flags)))
		return -1;
	return set_part(&uri->fragment, fragment);
}

/* ---- parsing ---- */

/*
 * authority = [ userinfo "@" ] host [ ":" port ] at s[0..n) into uri.
 * 0, or -1 when it is not valid or out of memory.
 */
static int
parse_authority(struct evhttp_uri *uri, const char *s, size_t n)
{
	const char *at = memchr(s, '@', n), *host, *colon;
	size_t host_len, i;

	if (at != NULL) {
		size_t ulen = (size_t)(at - s);

		if (!chars_ok(s, ulen, U_USERINFO) ||
		    (uri->userinfo = evhttp_strndup_(s, ulen)) == NULL)
			return -1;
		n -= ulen + 1;
		s = at + 1;
	}
	host = s;
	if (n > 0 && s[0] == '[') {
		const char *close = memchr(s, ']', n);

		if (close == NULL)
			return -1;
		host_len = (size_t)(close - s) + 1;
		colon = host_len < n ? s + host_len : NULL;
		if (colon != NULL && *colon != ':')
			return -1;
	} else {
		colon = memchr(s, ':', n);
		host_len = colon != NULL ? (size_t)(colon - s) : n;
	}
	if (!host_ok(host, host_len))
		return -1;
	if (colon != NULL) {
		long port = 0;

		for (i = (size_t)(colon - s) + 1; i < n; i++) {
			if (s[i] < '0' || s[i] > '9')
				return -1;
			port = port * 10 + (s[i] - '0');
			if (port > 65535)
				return -1;
		}
		if ((size_t)(colon - s) + 1 < n)
			uri->port = (int)port;
	}
	uri->host = evhttp_strndup_(host, host_len);
	return uri->host != NULL ? 0 : -1;
}

/* Parses s[0..n) (no NUL inside) into a new URI. */
static struct evhttp_uri *
parse_uri(const char *s, size_t n, unsigned flags)
{
	struct evhttp_uri *uri = evhttp_uri_new();
	size_t i, end;

	if (uri == NULL)
		return NULL;
	uri->flags = flags;

	/* scheme ":" */
	for (i = 0;
	     i < n && s[i] != ':' && s[i] != '/' && s[i] != '?' && s[i] != '#';
	     i++)
		;
	if (i < n && s[i] == ':') {
		/* A colon in the first segment: a scheme or nothing
		 * (path-noscheme cannot hold one). */
		if (!scheme_ok(s, i) ||
		    (uri->scheme = evhttp_strndup_(s, i)) == NULL)
			goto err;
		s += i + 1;
		n -= i + 1;
	}

	/* "//" authority */
	if (n >= 2 && s[0] == '/' && s[1] == '/') {
		for (end = 2;
		     end < n && s[end] != '/' && s[end] != '?' && s[end] != '#';
		     end++)
			;
		if (parse_authority(uri, s + 2, end - 2) < 0)
			goto err;
		s += end;
		n -= end;
	}

	/* path, then "?" query, then "#" fragment */
	for (end = 0; end < n && s[end] != '?' && s[end] != '#'; end++)
		;
	if (!chars_ok(s, end, path_class(flags)) ||
	    (uri->path = evhttp_strndup_(s, end)) == NULL)
		goto err;
	s += end;
	n -= end;
	if (n > 0 && s[0] == '?') {
		for (end = 1; end < n && s[end] != '#'; end++)
			;
		if (!chars_ok(s + 1, end - 1, query_class(flags)) ||
		    (uri->query = evhttp_strndup_(s + 1, end - 1)) == NULL)
			goto err;
		s += end;
		n -= end;
	}
	if (n > 0) { /* s[0] == '#' */
		if (!chars_ok(s + 1, n - 1, query_class(flags)) ||
		    (uri->fragment = evhttp_strndup_(s + 1, n - 1)) == NULL)
			goto err;
	}
	return uri;
err:
	evhttp_uri_free(uri);
	return NULL;
}

struct evhttp_uri *
evhttp_uri_parse_with_flags(const char *source_uri, unsigned flags)
{
	if (source_uri == NULL)
		return NULL;
	return parse_uri(source_uri, strlen(source_uri), flags);
}

struct evhttp_uri *
evhttp_uri_parse(const char *source_uri)
{
	return evhttp_uri_parse_with_flags(source_uri, 0);
}

struct evhttp_uri *
evhttp_uri_parse_target_(const char *target, size_t len, int connect)
{
	struct evhttp_uri *uri;

	if (len == 0 || memchr(target, '\0', len) != NULL)
		return NULL;
	if (connect) {
		/* authority-form: host ":" port, nothing else */
		if (memchr(target, '@', len) != NULL ||
		    (uri = evhttp_uri_new()) == NULL)
			return NULL;
		if (parse_authority(uri, target, len) < 0 || uri->port < 0 ||
		    uri->host[0] == '\0' || set_part(&uri->path, "") < 0) {
			evhttp_uri_free(uri);
			return NULL;
		}
		return uri;
	}
	if (len == 1 && target[0] == '*') {
		/* asterisk-form, for OPTIONS */
		if ((uri = evhttp_uri_new()) == NULL)
			return NULL;
		if (set_part(&uri->path, "*") < 0) {
			evhttp_uri_free(uri);
			return NULL;
		}
		return uri;
	}
	uri = parse_uri(target, len, EVHTTP_URI_NONCONFORMANT);
	if (uri == NULL)
		return NULL;
	/* origin-form "/p?q" or absolute-form "scheme://host/p?q"; no
	 * fragment in either */
	if (uri->fragment != NULL ||
	    (uri->scheme == NULL &&
	        (uri->host != NULL || uri->path[0] != '/')) ||
	    (uri->scheme != NULL && uri->host == NULL)) {
		evhttp_uri_free(uri);
		return NULL;
	}
	return uri;
}

/* ---- joining ---- */

/* Appends s to buf[*len..limit) when it fits; counts it anyway. */
static void
put(char *buf, size_t limit, size_t *len, const char *s)
{
	size_t n = strlen(s);

	if (*len < limit && n < limit - *len)
		memcpy(buf + *len, s, n);
	*len += n;
}

/* Writes the URI into buf; returns its length (written when < limit). */
static size_t
join(const struct evhttp_uri *uri, char *buf, size_t limit)
{
	size_t len = 0;
	char port[16];

	if (uri->scheme != NULL) {
		put(buf, limit, &len, uri->scheme);
		put(buf, limit, &len, ":");
	}
	if (uri->host != NULL) {
		put(buf, limit, &len, "//");
		if (uri->userinfo != NULL) {
			put(buf, limit, &len, uri->userinfo);
			put(buf, limit, &len, "@");
		}
		put(buf, limit, &len, uri->host);
		if (uri->port >= 0) {
			evutil_snprintf(port, sizeof(port), ":%d", uri->port);
			put(buf, limit, &len, port);
		}
	}
	if (uri->path != NULL)
		put(buf, limit, &len, uri->path);
	if (uri->query != NULL) {
		put(buf, limit, &len, "?");
		put(buf, limit, &len, uri->query);
	}
	if (uri->fragment != NULL) {
		put(buf, limit, &len, "#");
		put(buf, limit, &len, uri->fragment);
	}
	return len;
}

char *
evhttp_uri_join(struct evhttp_uri *uri, char *buf, size_t limit)
{
	size_t len;

	if (uri == NULL || buf == NULL || limit == 0)
		return NULL;
	if (uri->host != NULL && uri->path != NULL && uri->path[0] != '\0' &&
	    uri->path[0] != '/')
		return NULL;
	/* Measure first: buf is left alone when the URI does not fit. */
	len = join(uri, NULL, 0);
	if (len >= limit)
		return NULL;
	join(uri, buf, limit);
	buf[len] = '\0';
	return buf;
}

/* ---- encoding ---- */

char *
evhttp_uriencode(const char *str, ev_ssize_t size, int space_to_plus)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = size < 0 ? strlen(str) : (size_t)size, i;
	char *out, *p;

	if (n > (SIZE_MAX - 1) / 3)
		return NULL;
	if ((out = mm_malloc(n * 3 + 1)) == NULL)
		return NULL;
	for (p = out, i = 0; i < n; i++) {
		unsigned char c = (unsigned char)str[i];

		if (uri_class(c) == U_UNRESERVED) {
			*p++ = (char)c;
		} else if (c == ' ' && space_to_plus) {
			*p++ = '+';
		} else {
			*p++ = '%';
			*p++ = hex[c >> 4];
			*p++ = hex[c & 15];
		}
	}
	*p = '\0';
	return out;
}

char *
evhttp_encode_uri(const char *str)
{
	return evhttp_uriencode(str, -1, 0);
}

/*
 * Decodes s[0..n) into out (n + 1 bytes).  plus: 1 '+' is a space, 0
 * never, -1 only after a '?'.  Returns the decoded length.
 */
static size_t
decode(const char *s, size_t n, char *out, int plus)
{
	size_t i, j = 0;

	for (i = 0; i < n; i++) {
		char c = s[i];

		if (c == '?' && plus < 0)
			plus = 1;
		if (c == '+' && plus > 0) {
			c = ' ';
		} else if (c == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 &&
		    hexval(s[i + 2]) >= 0) {
			c = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
			i += 2;
		}
		out[j++] = c;
	}
	out[j] = '\0';
	return j;
}

static char *
decode_dup(const char *s, int plus, size_t *size_out)
{
	size_t n = strlen(s), len;
	char *out = mm_malloc(n + 1);

	if (out == NULL)
		return NULL;
	len = decode(s, n, out, plus);
	if (size_out != NULL)
		*size_out = len;
	return out;
}

char *
evhttp_decode_uri(const char *uri)
{
	return decode_dup(uri, -1, NULL);
}

char *
evhttp_uridecode(const char *uri, int decode_plus, size_t *size_out)
{
	return decode_dup(uri, decode_plus ? 1 : 0, size_out);
}

char *
evhttp_htmlescape(const char *html)
{
	size_t n = strlen(html), i, len = 0;
	char *out, *p;

	for (i = 0; i < n; i++) {
		switch (html[i]) {
		case '&':
		case '"':
		case '\'':
			len += 6;
			break;
		case '<':
		case '>':
			len += 4;
			break;
		default:
			len++;
		}
	}
	if ((out = mm_malloc(len + 1)) == NULL)
		return NULL;
	for (p = out, i = 0; i < n; i++) {
		const char *rep = NULL;

		switch (html[i]) {
		case '&':
			rep = "&amp;";
			break;
		case '"':
			rep = "&quot;";
			break;
		case '\'':
			rep = "&#039;";
			break;
		case '<':
			rep = "&lt;";
			break;
		case '>':
			rep = "&gt;";
			break;
		default:
			*p++ = html[i];
			continue;
		}
		memcpy(p, rep, strlen(rep));
		p += strlen(rep);
	}
	*p = '\0';
	return out;
}

/* ---- query strings ---- */

/*
 * "k=v&k2=v2" into headers: each argument needs an '=' and a key; a
 * trailing '&' is fine.  Keys are kept as sent, values are decoded with
 * '+' as space.  On failure what was added is removed.
 */
static int
parse_query_args(const char *q, struct evkeyvalq *headers)
{
	while (*q != '\0') {
		const char *amp = strchr(q, '&'), *eq;
		size_t n = amp != NULL ? (size_t)(amp - q) : strlen(q);
		char *value;
		size_t vlen;
		int rc;

		eq = memchr(q, '=', n);
		if (eq == NULL || eq == q)
			goto err;
		vlen = n - (size_t)(eq - q) - 1;
		if ((value = mm_malloc(vlen + 1)) == NULL)
			goto err;
		(void)decode(eq + 1, vlen, value, 1);
		/* The value stops at a decoded NUL, as a C string does. */
		rc = evhttp_keyvalq_append_(headers, q, (size_t)(eq - q), value,
		    strlen(value));
		mm_free(value);
		if (rc < 0)
			goto err;
		q += n;
		if (*q == '&')
			q++;
	}
	return 0;
err:
	evhttp_clear_headers(headers);
	return -1;
}

int
evhttp_parse_query_str(const char *uri, struct evkeyvalq *headers)
{
	TAILQ_INIT(headers);
	if (uri == NULL)
		return -1;
	return parse_query_args(uri, headers);
}

int
evhttp_parse_query(const char *uri, struct evkeyvalq *headers)
{
	struct evhttp_uri *u;
	int rc = 0;

	TAILQ_INIT(headers);
	if ((u = evhttp_uri_parse(uri)) == NULL)
		return -1;
	if (u->query != NULL)
		rc = parse_query_args(u->query, headers);
	evhttp_uri_free(u);
	return rc;
}
