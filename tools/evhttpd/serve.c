/*
 * serve.c: the answer to one request.
 *
 * A small file (in the cache's memory) goes out with evhttp_send_reply:
 * head and body leave in one writev.  A larger one is sent from its file
 * with sendfile: the head is written by evhttp_send_reply_start, then the
 * file segment is added to the connection's own output buffer (the one
 * that drains to the socket; a segment added to the request's buffer
 * would be mapped into memory instead) and evhttp_send_reply_end lets
 * evhttp finish when it has drained.  The segment stays on disk until the
 * kernel takes it, so a client that stops reading costs a reference and
 * an offset, never the file's size in memory.  The segment itself is the
 * cache's (files.c): the file stays open between replies.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/http_struct.h>
#include <event2/keyvalq_struct.h>

#include "cli.h"
#include "evhttpd.h"

/* What one reply is made of, for the headers and the log. */
struct reply {
	struct evhttp_request *req;
	struct evhttpd_worker *w;
	int head; /* HEAD: the same headers, no body */
	int code;
	const char *reason;
};

static const char *
method_name(enum evhttp_cmd_type cmd)
{
	switch (cmd) {
	case EVHTTP_REQ_GET:
		return "GET";
	case EVHTTP_REQ_HEAD:
		return "HEAD";
	case EVHTTP_REQ_POST:
		return "POST";
	case EVHTTP_REQ_PUT:
		return "PUT";
	case EVHTTP_REQ_DELETE:
		return "DELETE";
	case EVHTTP_REQ_OPTIONS:
		return "OPTIONS";
	case EVHTTP_REQ_TRACE:
		return "TRACE";
	case EVHTTP_REQ_CONNECT:
		return "CONNECT";
	case EVHTTP_REQ_PATCH:
		return "PATCH";
	}
	return "-";
}

/* Append s to the log line, quotes and controls as \xHH. */
static size_t
log_escaped(char *buf, size_t n, size_t size, const char *s)
{
	for (; s != NULL && *s != '\0' && n + 5 < size; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\')
			n += (size_t)snprintf(buf + n, size - n, "\\x%02x", c);
		else
			buf[n++] = (char)c;
	}
	return n;
}

/* The combined log format: host - - [time] "request" status bytes
 * "referer" "user-agent"; over TLS one more field, the protocol version:
 * "TLSv1.3". */
static void
log_request(const struct reply *r, uint64_t bytes)
{
	struct evhttp_request *req = r->req;
	struct evkeyvalq *in = evhttp_request_get_input_headers(req);
	const char *tls = evhttpd_tls_version(req);
	char line[4096], *peer = NULL;
	ev_uint16_t port = 0;
	size_t n;

	evhttp_connection_get_peer(evhttp_request_get_connection(req), &peer,
	    &port);
	n = (size_t)snprintf(line, sizeof(line), "%s - - [%s] \"%s ",
	    peer != NULL ? peer : "-", r->w->log_time,
	    method_name(evhttp_request_get_command(req)));
	n = log_escaped(line, n, sizeof(line) - 200,
	    evhttp_request_get_uri(req));
	n += (size_t)snprintf(line + n, sizeof(line) - n,
	    " HTTP/%d.%d\" %d %llu \"", req->major, req->minor, r->code,
	    (unsigned long long)bytes);
	n = log_escaped(line, n, sizeof(line) - 100,
	    evhttp_find_header(in, "Referer"));
	n += (size_t)snprintf(line + n, sizeof(line) - n, "\" \"");
	n = log_escaped(line, n, sizeof(line) - 30,
	    evhttp_find_header(in, "User-Agent"));
	line[n++] = '"';
	if (tls != NULL)
		n += (size_t)snprintf(line + n, sizeof(line) - n, " \"%.16s\"",
		    tls);
	line[n++] = '\n';
	evhttpd_log_line(line, n);
}

static void
common_headers(const struct reply *r)
{
	struct evkeyvalq *out = evhttp_request_get_output_headers(r->req);
	int i;

	evhttp_add_header(out, "Server", "evhttpd");
	for (i = 0; i < r->w->o->nheaders; i++)
		evhttp_add_header(out, r->w->o->headers[i].name,
		    r->w->o->headers[i].value);
	if (r->w->stopping)
		evhttp_add_header(out, "Connection", "close");
}

static void
send_whole(const struct reply *r, struct evbuffer *body)
{
	uint64_t len = body != NULL ? evbuffer_get_length(body) : 0;
	char num[24];

	common_headers(r);
	if (r->head && body != NULL && r->code != 304) {
		snprintf(num, sizeof(num), "%llu", (unsigned long long)len);
		evhttp_add_header(evhttp_request_get_output_headers(r->req),
		    "Content-Length", num);
		evbuffer_drain(body, len);
	}
	if (evhttpd_log_enabled())
		log_request(r, r->head ? 0 : len);
	evhttp_send_reply(r->req, r->code, r->reason, body);
}

/* An error page; 400s also end the connection. */
static void
send_status(struct reply *r, int code, const char *reason)
{
	struct evkeyvalq *out = evhttp_request_get_output_headers(r->req);
	struct evbuffer *body = evbuffer_new();

	r->code = code;
	r->reason = reason;
	if (code == 400)
		evhttp_add_header(out, "Connection", "close");
	evhttp_add_header(out, "Content-Type", "text/html; charset=utf-8");
	if (body != NULL)
		evbuffer_add_printf(body,
		    "<!DOCTYPE html>\n<html><head><title>%d %s</title></head>"
		    "<body><h1>%d %s</h1></body></html>\n",
		    code, reason, code, reason);
	send_whole(r, body);
	if (body != NULL)
		evbuffer_free(body);
}

/* Whether Accept-Encoding takes gzip (a "gzip" or "*" with q > 0). */
static int
accepts_gzip(const char *v)
{
	const char *p = v, *q;
	size_t len;

	while (v != NULL && *p != '\0') {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		len = strcspn(p, " \t;,");
		if ((len == 4 && strncasecmp(p, "gzip", 4) == 0) ||
		    (len == 1 && *p == '*')) {
			q = p + len;
			while (*q == ' ' || *q == '\t')
				q++;
			if (*q != ';')
				return 1;
			q = strchr(q, '=');
			return q == NULL || strtod(q + 1, NULL) > 0;
		}
		p += strcspn(p, ",");
	}
	return 0;
}

/* If-None-Match: "*" or a list of tags, compared weakly. */
static int
etag_matches(const char *list, const char *etag)
{
	const char *p = list;
	size_t len = strlen(etag);

	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (*p == '\0')
			return 0;
		if (*p == '*')
			return 1;
		if (p[0] == 'W' && p[1] == '/')
			p += 2;
		if (strncmp(p, etag, len) == 0 &&
		    (p[len] == '\0' || p[len] == ',' || p[len] == ' ' ||
		        p[len] == '\t'))
			return 1;
		p += strcspn(p, ",");
	}
}

static int
not_modified(struct evkeyvalq *in, const struct evhttpd_rep *rep)
{
	const char *inm = evhttp_find_header(in, "If-None-Match");
	const char *ims;
	time_t t;

	if (inm != NULL)
		return etag_matches(inm, rep->etag);
	ims = evhttp_find_header(in, "If-Modified-Since");
	return ims != NULL && evhttpd_parse_http_date(ims, &t) == 0 &&
	    rep->st.st_mtim.tv_sec <= t;
}

/* The body of a large file, from its segment, behind the head; an owned
 * segment is dropped once added (the reply keeps what it needs). */
static void
send_from_file(struct reply *r, struct evbuffer_file_segment *seg, int owned,
    const struct evhttpd_range *ranges, int nranges, uint64_t size,
    const char *type)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(r->req);
	struct evbuffer *out;
	uint64_t len;
	char num[24];

	len = nranges > 0 ? evhttpd_add_ranges(NULL, ranges, nranges, size,
	                        type, r->w->boundary, NULL, NULL)
	                  : size;
	snprintf(num, sizeof(num), "%llu", (unsigned long long)len);
	evhttp_add_header(evhttp_request_get_output_headers(r->req),
	    "Content-Length", num);
	common_headers(r);
	if (evhttpd_log_enabled())
		log_request(r, r->head ? 0 : len);
	evhttp_send_reply_start(r->req, r->code, r->reason);
	out = bufferevent_get_output(evhttp_connection_get_bufferevent(evcon));
	if (r->head || len == 0)
		; /* the head alone */
	else if (nranges == 0)
		evbuffer_add_file_segment(out, seg, 0, (ev_off_t)size);
	else
		evhttpd_add_ranges(out, ranges, nranges, size, type,
		    r->w->boundary, NULL, seg);
	if (owned)
		evbuffer_file_segment_free(seg);
	evhttp_send_reply_end(r->req);
}

static void
release_cb(const void *data, size_t len, void *arg)
{
	(void)data;
	(void)len;
	evhttpd_file_release(arg);
}

static void
serve_file(struct reply *r, struct evhttpd_file *file)
{
	struct evkeyvalq *in = evhttp_request_get_input_headers(r->req);
	struct evkeyvalq *out = evhttp_request_get_output_headers(r->req);
	struct evhttpd_range ranges[EVHTTPD_MAX_RANGES];
	const struct evhttpd_rep *rep = &file->plain;
	const char *range, *type = file->mime;
	struct evbuffer *body;
	struct evbuffer_file_segment *seg;
	int nranges = 0, gz = 0, owned;
	uint64_t size;
	char ctype[128], crange[80];

	if (file->has_gz) {
		evhttp_add_header(out, "Vary", "Accept-Encoding");
		if (accepts_gzip(evhttp_find_header(in, "Accept-Encoding"))) {
			rep = &file->gz;
			gz = 1;
			evhttp_add_header(out, "Content-Encoding", "gzip");
		}
	}
	size = (uint64_t)rep->st.st_size;
	evhttp_add_header(out, "ETag", rep->etag);
	evhttp_add_header(out, "Last-Modified", rep->last_modified);
	if (r->w->o->cache_control != NULL)
		evhttp_add_header(out, "Cache-Control", r->w->o->cache_control);
	if (not_modified(in, rep)) {
		r->code = 304;
		r->reason = "Not Modified";
		send_whole(r, NULL);
		return;
	}
	evhttp_add_header(out, "Accept-Ranges", "bytes");
	range = evhttp_find_header(in, "Range");
	if (range != NULL &&
	    evhttpd_if_range_ok(evhttp_find_header(in, "If-Range"), rep))
		nranges = evhttpd_parse_range(range, size, ranges,
		    EVHTTPD_MAX_RANGES);
	if (nranges < 0) {
		snprintf(crange, sizeof(crange), "bytes */%llu",
		    (unsigned long long)size);
		evhttp_add_header(out, "Content-Range", crange);
		send_status(r, 416, "Range Not Satisfiable");
		return;
	}
	if (nranges == 1) {
		snprintf(crange, sizeof(crange), "bytes %llu-%llu/%llu",
		    (unsigned long long)ranges[0].start,
		    (unsigned long long)ranges[0].end,
		    (unsigned long long)size);
		evhttp_add_header(out, "Content-Range", crange);
	}
	if (nranges > 1) {
		snprintf(ctype, sizeof(ctype),
		    "multipart/byteranges; boundary=%s", r->w->boundary);
		evhttp_add_header(out, "Content-Type", ctype);
	} else {
		evhttp_add_header(out, "Content-Type", type);
	}
	r->code = nranges > 0 ? 206 : 200;
	r->reason = nranges > 0 ? "Partial Content" : "OK";
	if (rep->data == NULL) {
		seg = evhttpd_file_segment(r->w->files, file, gz, &owned);
		if (seg == NULL) {
			send_status(r, 404, "Not Found");
			return;
		}
		send_from_file(r, seg, owned, ranges, nranges, size, type);
		return;
	}
	body = evbuffer_new();
	if (body == NULL) {
		send_status(r, 500, "Internal Server Error");
		return;
	}
	if (nranges > 0) {
		evhttpd_add_ranges(body, ranges, nranges, size, type,
		    r->w->boundary, rep->data, NULL);
	} else if (size > 0) {
		/* The cached bytes themselves, kept alive by a reference
		 * (send_whole drops them again for HEAD). */
		file->refs++;
		if (evbuffer_add_reference(body, rep->data, (size_t)size,
		        release_cb, file) != 0)
			file->refs--;
	}
	send_whole(r, body);
	evbuffer_free(body);
}

static void
serve_dir(struct reply *r, struct evhttpd_file *dir, const char *rel)
{
	struct evkeyvalq *out = evhttp_request_get_output_headers(r->req);
	char index[PATH_MAX + 16], title[PATH_MAX + 4];
	struct evhttpd_file *file;
	struct evbuffer *body;
	int status, fd;

	snprintf(index, sizeof(index), "%s%sindex.html", rel,
	    *rel != '\0' ? "/" : "");
	file = evhttpd_file_get(r->w->files, index, r->w->now, &status);
	if (file != NULL && !file->is_dir) {
		serve_file(r, file);
		evhttpd_file_release(file);
		return;
	}
	if (file != NULL)
		evhttpd_file_release(file);
	if (!r->w->o->listing) {
		send_status(r, 403, "Forbidden");
		return;
	}
	fd = evhttpd_file_open(r->w->files, dir, 0);
	body = evbuffer_new();
	snprintf(title, sizeof(title), "/%s%s", rel, *rel != '\0' ? "/" : "");
	if (fd < 0 || body == NULL ||
	    evhttpd_listing(r->w->files, fd, rel, title, r->w->o->dotfiles,
	        body) != 0) {
		if (body != NULL)
			evbuffer_free(body);
		send_status(r, 404, "Not Found");
		return;
	}
	evhttp_add_header(out, "Content-Type", "text/html; charset=utf-8");
	evhttp_add_header(out, "Cache-Control", "no-cache");
	r->code = 200;
	r->reason = "OK";
	send_whole(r, body);
	evbuffer_free(body);
}

/* /dir -> /dir/, keeping the path as the client wrote it and the query. */
static void
redirect_dir(struct reply *r, const struct evhttp_uri *uri)
{
	struct evkeyvalq *out = evhttp_request_get_output_headers(r->req);
	const char *path = evhttp_uri_get_path(uri);
	const char *query = evhttp_uri_get_query(uri);
	struct evbuffer *loc = evbuffer_new();
	char *s;

	if (loc == NULL) {
		send_status(r, 500, "Internal Server Error");
		return;
	}
	/* One leading slash: "//host/dir" would send browsers to "host". */
	while (path[0] == '/' && path[1] == '/')
		path++;
	evbuffer_add_printf(loc, "%s/%s%s", path, query != NULL ? "?" : "",
	    query != NULL ? query : "");
	evbuffer_add(loc, "", 1);
	s = (char *)evbuffer_pullup(loc, -1);
	evhttp_add_header(out, "Location", s);
	send_status(r, 301, "Moved Permanently");
	evbuffer_free(loc);
}

void
evhttpd_worker_tick(struct evhttpd_worker *w)
{
	struct timeval tv;
	struct tm tm;

	event_base_gettimeofday_cached(w->base, &tv);
	w->now = tv.tv_sec;
	localtime_r(&w->now, &tm);
	strftime(w->log_time, sizeof(w->log_time), "%d/%b/%Y:%H:%M:%S %z", &tm);
}

void
evhttpd_serve(struct evhttp_request *req, void *arg)
{
	struct evhttpd_worker *w = arg;
	struct reply r = { req, w, 0, 0, NULL };
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	struct evhttpd_file *file;
	struct timeval tv;
	char rel[PATH_MAX];
	int status, slash;

	evhttpd_conns_request(w->conns, req);
	event_base_gettimeofday_cached(w->base, &tv);
	if (tv.tv_sec != w->now)
		evhttpd_worker_tick(w);
	if (cmd != EVHTTP_REQ_GET && cmd != EVHTTP_REQ_HEAD) {
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Allow", "GET, HEAD");
		send_status(&r, 405, "Method Not Allowed");
		return;
	}
	r.head = cmd == EVHTTP_REQ_HEAD;
	status =
	    evhttpd_clean_path(uri != NULL ? evhttp_uri_get_path(uri) : NULL,
	        w->o->dotfiles, rel, sizeof(rel), &slash);
	if (status != 0) {
		send_status(&r, status,
		    status == 400 ? "Bad Request" : "Not Found");
		return;
	}
	file = evhttpd_file_get(w->files, rel, w->now, &status);
	if (file == NULL)
		send_status(&r, 404, "Not Found");
	else if (!file->is_dir && slash)
		send_status(&r, 404, "Not Found"); /* "/file.txt/" */
	else if (!file->is_dir)
		serve_file(&r, file);
	else if (!slash && *rel != '\0')
		redirect_dir(&r, uri);
	else
		serve_dir(&r, file, rel);
	if (file != NULL)
		evhttpd_file_release(file);
}
