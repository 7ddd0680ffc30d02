/*
 * range.c: byte ranges (RFC 9110 14): the Range header, If-Range, and the
 * multipart/byteranges body of a reply with several ranges.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>

#include "evhttpd.h"

/* A decimal number of at most 18 digits at *p; -1 when there is none. */
static long long
digits(const char **p)
{
	long long v = 0;
	int n = 0;

	while (isdigit((unsigned char)**p)) {
		if (++n > 18)
			return -1;
		v = v * 10 + (**p - '0');
		(*p)++;
	}
	return n == 0 ? -1 : v;
}

static void
skip_ows(const char **p)
{
	while (**p == ' ' || **p == '\t')
		(*p)++;
}

int
evhttpd_parse_range(const char *value, uint64_t size, struct evhttpd_range *r,
    int max)
{
	const char *p = value;
	long long a, b;
	int n = 0, seen = 0;

	if (strncasecmp(p, "bytes=", 6) != 0)
		return 0;
	p += 6;
	for (;;) {
		skip_ows(&p);
		if (*p == ',') { /* empty list elements are allowed */
			p++;
			continue;
		}
		if (*p == '\0')
			break;
		if (*p == '-') { /* suffix: the last b bytes */
			p++;
			b = digits(&p);
			if (b < 0)
				return 0;
			a = -1;
		} else {
			a = digits(&p);
			if (a < 0 || *p != '-')
				return 0;
			p++;
			b = isdigit((unsigned char)*p) ? digits(&p) : -2;
			if (b == -1 || (b >= 0 && b < a))
				return 0;
		}
		skip_ows(&p);
		if (*p != ',' && *p != '\0')
			return 0;
		if (++seen > max)
			return 0; /* too many: the whole file instead */
		if (a < 0) {
			if (b == 0 || size == 0)
				continue;
			r[n].start =
			    (uint64_t)b >= size ? 0 : size - (uint64_t)b;
			r[n].end = size - 1;
		} else {
			if ((uint64_t)a >= size)
				continue;
			r[n].start = (uint64_t)a;
			r[n].end = b < 0 || (uint64_t)b >= size ? size - 1
			                                        : (uint64_t)b;
		}
		n++;
	}
	if (seen == 0)
		return 0;
	return n > 0 ? n : -1;
}

int
evhttpd_if_range_ok(const char *value, const struct evhttpd_rep *rep)
{
	time_t t;

	if (value == NULL)
		return 1;
	if (value[0] == '"') /* an entity tag: strong comparison */
		return strcmp(value, rep->etag) == 0;
	if (value[0] == 'W' && value[1] == '/')
		return 0; /* weak tags never match for If-Range */
	/* A date must be exactly the Last-Modified time. */
	return evhttpd_parse_http_date(value, &t) == 0 &&
	    t == rep->st.st_mtim.tv_sec;
}

static void
add_bytes(struct evbuffer *out, const struct evhttpd_range *r,
    const unsigned char *data, struct evbuffer_file_segment *seg)
{
	uint64_t len = r->end - r->start + 1;

	if (data != NULL)
		evbuffer_add(out, data + r->start, (size_t)len);
	else
		evbuffer_add_file_segment(out, seg, (ev_off_t)r->start,
		    (ev_off_t)len);
}

uint64_t
evhttpd_add_ranges(struct evbuffer *out, const struct evhttpd_range *r, int n,
    uint64_t size, const char *type, const char *boundary,
    const unsigned char *data, struct evbuffer_file_segment *seg)
{
	uint64_t total = 0;
	int i, len;
	char head[512];

	if (n == 1) {
		if (out != NULL)
			add_bytes(out, &r[0], data, seg);
		return r[0].end - r[0].start + 1;
	}
	for (i = 0; i < n; i++) {
		len = snprintf(head, sizeof(head),
		    "%s--%s\r\nContent-Type: %s\r\n"
		    "Content-Range: bytes %llu-%llu/%llu\r\n\r\n",
		    i == 0 ? "" : "\r\n", boundary, type,
		    (unsigned long long)r[i].start,
		    (unsigned long long)r[i].end, (unsigned long long)size);
		if (out != NULL) {
			evbuffer_add(out, head, (size_t)len);
			add_bytes(out, &r[i], data, seg);
		}
		total += (uint64_t)len + (r[i].end - r[i].start + 1);
	}
	len = snprintf(head, sizeof(head), "\r\n--%s--\r\n", boundary);
	if (out != NULL)
		evbuffer_add(out, head, (size_t)len);
	return total + (uint64_t)len;
}
