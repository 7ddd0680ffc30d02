/*
 * event2/http.h: the embedded HTTP/1.x server and client (evhttp), with
 * the URI and encoding helpers, as libevent 2.1 declares them.
 *
 * An evhttp is a server on one event_base: it accepts connections on
 * bound sockets, reads requests and hands each one to the callback
 * registered for its path (or the generic one).  An evhttp_connection is
 * one connection; the client creates its own with
 * evhttp_connection_base_new and sends requests on it with
 * evhttp_make_request.  Requests and replies are evhttp_request objects.
 */
#ifndef EVENT2_HTTP_H_INCLUDED_
#define EVENT2_HTTP_H_INCLUDED_

#include <event2/util.h>
#include <event2/visibility.h>

#ifdef __cplusplus
extern "C" {
#endif

struct evbuffer;
struct event_base;
struct bufferevent;
struct evhttp_connection;

/* Status codes the API names. */
#define HTTP_OK 200
#define HTTP_NOCONTENT 204
#define HTTP_MOVEPERM 301
#define HTTP_MOVETEMP 302
#define HTTP_NOTMODIFIED 304
#define HTTP_BADREQUEST 400
#define HTTP_NOTFOUND 404
#define HTTP_BADMETHOD 405
#define HTTP_ENTITYTOOLARGE 413
#define HTTP_EXPECTATIONFAILED 417
#define HTTP_INTERNAL 500
#define HTTP_NOTIMPLEMENTED 501
#define HTTP_SERVUNAVAIL 503

struct evhttp;
struct evhttp_request;
struct evkeyvalq;
struct evhttp_bound_socket;
struct evconnlistener;
struct evdns_base;

/* ---- The server ---- */

/* A server on base, bound to nothing yet.  NULL on failure. */
EVENT2_EXPORT_SYMBOL
struct evhttp *evhttp_new(struct event_base *base);

/* Listens on address:port (port 0: a free one) and accepts on it.
 * 0 or -1. */
EVENT2_EXPORT_SYMBOL
int evhttp_bind_socket(struct evhttp *http, const char *address,
    ev_uint16_t port);

/* The same, returning the bound socket (NULL on failure). */
EVENT2_EXPORT_SYMBOL
struct evhttp_bound_socket *evhttp_bind_socket_with_handle(struct evhttp *http,
    const char *address, ev_uint16_t port);

/* Accepts on fd, a socket already bound and listening. 0 or -1. */
EVENT2_EXPORT_SYMBOL
int evhttp_accept_socket(struct evhttp *http, evutil_socket_t fd);

/* The same, returning the bound socket (NULL on failure). */
EVENT2_EXPORT_SYMBOL
struct evhttp_bound_socket *
evhttp_accept_socket_with_handle(struct evhttp *http, evutil_socket_t fd);

/* Accepts the connections of listener, which the server then owns. */
EVENT2_EXPORT_SYMBOL
struct evhttp_bound_socket *evhttp_bind_listener(struct evhttp *http,
    struct evconnlistener *listener);

/* The listener behind a bound socket. */
EVENT2_EXPORT_SYMBOL
struct evconnlistener *evhttp_bound_socket_get_listener(
    struct evhttp_bound_socket *bound);

typedef void evhttp_bound_socket_foreach_fn(struct evhttp_bound_socket *,
    void *);

/* Calls function for each bound socket of the server. */
EVENT2_EXPORT_SYMBOL
void evhttp_foreach_bound_socket(struct evhttp *http,
    evhttp_bound_socket_foreach_fn *function, void *argument);

/* Stops accepting on bound_socket, closes it and frees it. */
EVENT2_EXPORT_SYMBOL
void evhttp_del_accept_socket(struct evhttp *http,
    struct evhttp_bound_socket *bound_socket);

/* The listening socket of a bound socket. */
EVENT2_EXPORT_SYMBOL
evutil_socket_t evhttp_bound_socket_get_fd(
    struct evhttp_bound_socket *bound_socket);

/* Frees the server: its bound sockets, its connections (and their
 * requests) and its virtual hosts. */
EVENT2_EXPORT_SYMBOL
void evhttp_free(struct evhttp *http);

/* Largest request head (request line and headers) accepted; a larger
 * one is refused.  Negative: no limit. */
EVENT2_EXPORT_SYMBOL
void evhttp_set_max_headers_size(struct evhttp *http,
    ev_ssize_t max_headers_size);

/* Largest request body accepted; a larger one gets 413.  Negative: no
 * limit. */
EVENT2_EXPORT_SYMBOL
void evhttp_set_max_body_size(struct evhttp *http, ev_ssize_t max_body_size);

/* The Content-Type given to replies that set none ("text/html;
 * charset=ISO-8859-1" by default); NULL: add none. */
EVENT2_EXPORT_SYMBOL
void evhttp_set_default_content_type(struct evhttp *http,
    const char *content_type);

/* The EVHTTP_REQ_* methods the server answers; others get 405 (501 for
 * methods it does not know).  Default: GET POST HEAD PUT DELETE. */
EVENT2_EXPORT_SYMBOL
void evhttp_set_allowed_methods(struct evhttp *http, ev_uint16_t methods);

/* Calls cb for requests whose path (the URI before any '?') is path.
 * -1 if a callback is already set for path. */
EVENT2_EXPORT_SYMBOL
int evhttp_set_cb(struct evhttp *http, const char *path,
    void (*cb)(struct evhttp_request *, void *), void *cb_arg);

/* Removes the callback of path.  0, or -1 when there was none. */
EVENT2_EXPORT_SYMBOL
int evhttp_del_cb(struct evhttp *, const char *);

/* The callback for requests no path callback takes (default: 404). */
EVENT2_EXPORT_SYMBOL
void evhttp_set_gencb(struct evhttp *http,
    void (*cb)(struct evhttp_request *, void *), void *arg);

/* Makes the bufferevent of each new connection with cb instead of a
 * plain socket bufferevent (for TLS, for instance). */
EVENT2_EXPORT_SYMBOL
void evhttp_set_bevcb(struct evhttp *http,
    struct bufferevent *(*cb)(struct event_base *, void *), void *arg);

/* Requests whose Host matches pattern (with '*' and '?' wildcards) go to
 * vhost, which must not be bound anywhere.  http owns vhost after. */
EVENT2_EXPORT_SYMBOL
int evhttp_add_virtual_host(struct evhttp *http, const char *pattern,
    struct evhttp *vhost);

/* Gives vhost back to the caller. */
EVENT2_EXPORT_SYMBOL
int evhttp_remove_virtual_host(struct evhttp *http, struct evhttp *vhost);

/* Another host name this server (or virtual host) answers for. */
EVENT2_EXPORT_SYMBOL
int evhttp_add_server_alias(struct evhttp *http, const char *alias);

EVENT2_EXPORT_SYMBOL
int evhttp_remove_server_alias(struct evhttp *http, const char *alias);

/* Timeout for reading a request and writing a reply on the server's
 * connections. */
EVENT2_EXPORT_SYMBOL
void evhttp_set_timeout(struct evhttp *http, int timeout_in_secs);

EVENT2_EXPORT_SYMBOL
void evhttp_set_timeout_tv(struct evhttp *http, const struct timeval *tv);

/* Read (and discard) what the client still sends after an error reply
 * before closing, so that it sees the reply. */
#define EVHTTP_SERVER_LINGERING_CLOSE 0x0001

/* Sets EVHTTP_SERVER_* flags; -1 for an unknown one. */
EVENT2_EXPORT_SYMBOL
int evhttp_set_flags(struct evhttp *http, int flags);

/* ---- Replies ---- */

/* Replies with error and an HTML body naming it (reason NULL: the
 * standard reason phrase), escaped; the connection is then closed. */
EVENT2_EXPORT_SYMBOL
void evhttp_send_error(struct evhttp_request *req, int error,
    const char *reason);

/* Replies with code, reason and the content of databuf (drained; may be
 * NULL).  The request is freed once the reply is written. */
EVENT2_EXPORT_SYMBOL
void evhttp_send_reply(struct evhttp_request *req, int code, const char *reason,
    struct evbuffer *databuf);

/* Starts a streamed reply: chunked for HTTP/1.1 clients, until close for
 * HTTP/1.0 ones. */
EVENT2_EXPORT_SYMBOL
void evhttp_send_reply_start(struct evhttp_request *req, int code,
    const char *reason);

/* Sends the content of databuf as the next part of a streamed reply. */
EVENT2_EXPORT_SYMBOL
void evhttp_send_reply_chunk(struct evhttp_request *req,
    struct evbuffer *databuf);

/* The same; cb runs once this part has been written to the socket. */
EVENT2_EXPORT_SYMBOL
void evhttp_send_reply_chunk_with_cb(struct evhttp_request *, struct evbuffer *,
    void (*cb)(struct evhttp_connection *, void *), void *arg);

/* Ends a streamed reply. */
EVENT2_EXPORT_SYMBOL
void evhttp_send_reply_end(struct evhttp_request *req);

/* ---- Requests ---- */

/* Request methods; values are bits, for evhttp_set_allowed_methods. */
enum evhttp_cmd_type {
	EVHTTP_REQ_GET = 1 << 0,
	EVHTTP_REQ_POST = 1 << 1,
	EVHTTP_REQ_HEAD = 1 << 2,
	EVHTTP_REQ_PUT = 1 << 3,
	EVHTTP_REQ_DELETE = 1 << 4,
	EVHTTP_REQ_OPTIONS = 1 << 5,
	EVHTTP_REQ_TRACE = 1 << 6,
	EVHTTP_REQ_CONNECT = 1 << 7,
	EVHTTP_REQ_PATCH = 1 << 8
};

/* Whether a request object carries a request or a response. */
enum evhttp_request_kind { EVHTTP_REQUEST, EVHTTP_RESPONSE };

/* A client connection over bev (NULL: a new socket bufferevent) to
 * address:port; names are resolved with dnsbase (NULL: blocking). */
EVENT2_EXPORT_SYMBOL
struct evhttp_connection *
evhttp_connection_base_bufferevent_new(struct event_base *base,
    struct evdns_base *dnsbase, struct bufferevent *bev, const char *address,
    ev_uint16_t port);

EVENT2_EXPORT_SYMBOL
struct bufferevent *evhttp_connection_get_bufferevent(
    struct evhttp_connection *evcon);

/* The server a connection was accepted by; NULL for a client one. */
EVENT2_EXPORT_SYMBOL
struct evhttp *evhttp_connection_get_server(struct evhttp_connection *evcon);

/* A request object for evhttp_make_request; cb runs with the response
 * (or with NULL/an error code when the request fails). */
EVENT2_EXPORT_SYMBOL
struct evhttp_request *
evhttp_request_new(void (*cb)(struct evhttp_request *, void *), void *arg);

/* Called as each part of the response body arrives; the part is in the
 * input buffer, which the callback drains. */
EVENT2_EXPORT_SYMBOL
void evhttp_request_set_chunked_cb(struct evhttp_request *,
    void (*cb)(struct evhttp_request *, void *));

/* Called when the response headers have been read; -1 from it cancels
 * the request. */
EVENT2_EXPORT_SYMBOL
void evhttp_request_set_header_cb(struct evhttp_request *,
    int (*cb)(struct evhttp_request *, void *));

/* Why a request failed, as given to the error callback. */
enum evhttp_request_error {
	EVREQ_HTTP_TIMEOUT,
	EVREQ_HTTP_EOF,
	EVREQ_HTTP_INVALID_HEADER,
	EVREQ_HTTP_BUFFER_ERROR,
	EVREQ_HTTP_REQUEST_CANCEL,
	EVREQ_HTTP_DATA_TOO_LONG
};

EVENT2_EXPORT_SYMBOL
void evhttp_request_set_error_cb(struct evhttp_request *,
    void (*)(enum evhttp_request_error, void *));

/* Called when the request is done with (on the server: the reply has
 * been written, or the connection failed), just before it is freed. */
EVENT2_EXPORT_SYMBOL
void evhttp_request_set_on_complete_cb(struct evhttp_request *req,
    void (*cb)(struct evhttp_request *, void *), void *cb_arg);

/* Frees a request that was never made, or one the caller owns. */
EVENT2_EXPORT_SYMBOL
void evhttp_request_free(struct evhttp_request *req);

/* A client connection to address:port; the connection is opened when
 * the first request is made. */
EVENT2_EXPORT_SYMBOL
struct evhttp_connection *evhttp_connection_base_new(struct event_base *base,
    struct evdns_base *dnsbase, const char *address, ev_uint16_t port);

/* AF_INET, AF_INET6 or AF_UNSPEC (default) for resolving the name. */
EVENT2_EXPORT_SYMBOL
void evhttp_connection_set_family(struct evhttp_connection *evcon, int family);

/* Flags of evhttp_connection_set_flags. */
#define EVHTTP_CON_REUSE_CONNECTED_ADDR 0x0008
#define EVHTTP_CON_READ_ON_WRITE_ERROR 0x0010
#define EVHTTP_CON_LINGERING_CLOSE 0x0020
#define EVHTTP_CON_PUBLIC_FLAGS_END 0x100000

/* Sets EVHTTP_CON_* flags; -1 for an unknown one. */
EVENT2_EXPORT_SYMBOL
int evhttp_connection_set_flags(struct evhttp_connection *evcon, int flags);

/* The caller keeps the request after its callback returns and frees it
 * with evhttp_request_free. */
EVENT2_EXPORT_SYMBOL
void evhttp_request_own(struct evhttp_request *req);

EVENT2_EXPORT_SYMBOL
int evhttp_request_is_owned(struct evhttp_request *req);

EVENT2_EXPORT_SYMBOL
struct evhttp_connection *evhttp_request_get_connection(
    struct evhttp_request *req);

EVENT2_EXPORT_SYMBOL
struct event_base *evhttp_connection_get_base(struct evhttp_connection *req);

EVENT2_EXPORT_SYMBOL
void evhttp_connection_set_max_headers_size(struct evhttp_connection *evcon,
    ev_ssize_t new_max_headers_size);

EVENT2_EXPORT_SYMBOL
void evhttp_connection_set_max_body_size(struct evhttp_connection *evcon,
    ev_ssize_t new_max_body_size);

/* Closes the connection and fails its pending requests. */
EVENT2_EXPORT_SYMBOL
void evhttp_connection_free(struct evhttp_connection *evcon);

/* Frees the connection once its last request completes. */
EVENT2_EXPORT_SYMBOL
void evhttp_connection_free_on_completion(struct evhttp_connection *evcon);

/* The local address and port client connections bind to. */
EVENT2_EXPORT_SYMBOL
void evhttp_connection_set_local_address(struct evhttp_connection *evcon,
    const char *address);

EVENT2_EXPORT_SYMBOL
void evhttp_connection_set_local_port(struct evhttp_connection *evcon,
    ev_uint16_t port);

/* Timeout for connecting, reading and writing; -1: the default. */
EVENT2_EXPORT_SYMBOL
void evhttp_connection_set_timeout(struct evhttp_connection *evcon,
    int timeout_in_secs);

EVENT2_EXPORT_SYMBOL
void evhttp_connection_set_timeout_tv(struct evhttp_connection *evcon,
    const struct timeval *tv);

/* The delay before the first retry; each later one doubles it. */
EVENT2_EXPORT_SYMBOL
void evhttp_connection_set_initial_retry_tv(struct evhttp_connection *evcon,
    const struct timeval *tv);

/* How many times a failed connection is retried; -1: without end. */
EVENT2_EXPORT_SYMBOL
void evhttp_connection_set_retries(struct evhttp_connection *evcon,
    int retry_max);

/* Called when the connection closes. */
EVENT2_EXPORT_SYMBOL
void evhttp_connection_set_closecb(struct evhttp_connection *evcon,
    void (*)(struct evhttp_connection *, void *), void *);

/* The peer's address (a string the connection owns) and port. */
EVENT2_EXPORT_SYMBOL
void evhttp_connection_get_peer(struct evhttp_connection *evcon, char **address,
    ev_uint16_t *port);

/* The peer's socket address, or NULL when not connected. */
EVENT2_EXPORT_SYMBOL
const struct sockaddr *evhttp_connection_get_addr(
    struct evhttp_connection *evcon);

/* Sends req (which the connection then owns) as a type request for uri.
 * 0, or -1 (req is freed). */
EVENT2_EXPORT_SYMBOL
int evhttp_make_request(struct evhttp_connection *evcon,
    struct evhttp_request *req, enum evhttp_cmd_type type, const char *uri);

/* Cancels a request made and not yet answered; its callbacks do not run
 * (its error callback gets EVREQ_HTTP_REQUEST_CANCEL). */
EVENT2_EXPORT_SYMBOL
void evhttp_cancel_request(struct evhttp_request *req);

struct evhttp_uri;

/* ---- Request accessors ---- */

EVENT2_EXPORT_SYMBOL
const char *evhttp_request_get_uri(const struct evhttp_request *req);

EVENT2_EXPORT_SYMBOL
const struct evhttp_uri *evhttp_request_get_evhttp_uri(
    const struct evhttp_request *req);

EVENT2_EXPORT_SYMBOL
enum evhttp_cmd_type evhttp_request_get_command(
    const struct evhttp_request *req);

EVENT2_EXPORT_SYMBOL
int evhttp_request_get_response_code(const struct evhttp_request *req);

EVENT2_EXPORT_SYMBOL
const char *evhttp_request_get_response_code_line(
    const struct evhttp_request *req);

EVENT2_EXPORT_SYMBOL
struct evkeyvalq *evhttp_request_get_input_headers(struct evhttp_request *req);

EVENT2_EXPORT_SYMBOL
struct evkeyvalq *evhttp_request_get_output_headers(struct evhttp_request *req);

EVENT2_EXPORT_SYMBOL
struct evbuffer *evhttp_request_get_input_buffer(struct evhttp_request *req);

EVENT2_EXPORT_SYMBOL
struct evbuffer *evhttp_request_get_output_buffer(struct evhttp_request *req);

/* The host the request is for: the URI's host, else the Host header
 * (without port), else for a client request the connection's address. */
EVENT2_EXPORT_SYMBOL
const char *evhttp_request_get_host(struct evhttp_request *req);

/* ---- Headers ---- */

/* The value of the first header named key (case-insensitive), or NULL. */
EVENT2_EXPORT_SYMBOL
const char *evhttp_find_header(const struct evkeyvalq *headers,
    const char *key);

/* Removes the first header named key.  0, or -1 when there was none. */
EVENT2_EXPORT_SYMBOL
int evhttp_remove_header(struct evkeyvalq *headers, const char *key);

/* Appends a header; -1 when key or value is not a valid header (a CR or
 * LF that would start another header, for one). */
EVENT2_EXPORT_SYMBOL
int evhttp_add_header(struct evkeyvalq *headers, const char *key,
    const char *value);

/* Removes every header. */
EVENT2_EXPORT_SYMBOL
void evhttp_clear_headers(struct evkeyvalq *headers);

/* ---- Encoding ---- */

/* Percent-encodes every byte but unreserved characters; malloc'ed. */
EVENT2_EXPORT_SYMBOL
char *evhttp_encode_uri(const char *str);

/* The same for size bytes of str (size -1: up to the NUL); with
 * space_to_plus, spaces become '+'. */
EVENT2_EXPORT_SYMBOL
char *evhttp_uriencode(const char *str, ev_ssize_t size, int space_to_plus);

/* Decodes %XX escapes, and '+' as space after a '?'. */
EVENT2_EXPORT_SYMBOL
char *evhttp_decode_uri(const char *uri);

/* Decodes %XX escapes, and '+' as space when decode_plus is 1 (always)
 * or 0 (never); size_out gets the decoded length. */
EVENT2_EXPORT_SYMBOL
char *evhttp_uridecode(const char *uri, int decode_plus, size_t *size_out);

/* Parses the query part of a URI into key/value pairs.  0 or -1. */
EVENT2_EXPORT_SYMBOL
int evhttp_parse_query(const char *uri, struct evkeyvalq *headers);

/* Parses a query string ("a=1&b=2") into key/value pairs.  0 or -1. */
EVENT2_EXPORT_SYMBOL
int evhttp_parse_query_str(const char *uri, struct evkeyvalq *headers);

/* Escapes & < > " and ' for HTML; malloc'ed. */
EVENT2_EXPORT_SYMBOL
char *evhttp_htmlescape(const char *html);

/* ---- URIs ---- */

EVENT2_EXPORT_SYMBOL
struct evhttp_uri *evhttp_uri_new(void);

EVENT2_EXPORT_SYMBOL
void evhttp_uri_set_flags(struct evhttp_uri *uri, unsigned flags);

EVENT2_EXPORT_SYMBOL
const char *evhttp_uri_get_scheme(const struct evhttp_uri *uri);

EVENT2_EXPORT_SYMBOL
const char *evhttp_uri_get_userinfo(const struct evhttp_uri *uri);

EVENT2_EXPORT_SYMBOL
const char *evhttp_uri_get_host(const struct evhttp_uri *uri);

/* The port, or -1 when there is none. */
EVENT2_EXPORT_SYMBOL
int evhttp_uri_get_port(const struct evhttp_uri *uri);

EVENT2_EXPORT_SYMBOL
const char *evhttp_uri_get_path(const struct evhttp_uri *uri);

EVENT2_EXPORT_SYMBOL
const char *evhttp_uri_get_query(const struct evhttp_uri *uri);

EVENT2_EXPORT_SYMBOL
const char *evhttp_uri_get_fragment(const struct evhttp_uri *uri);

/* The setters copy their argument (NULL unsets) after checking its
 * syntax; 0, or -1 when it is not valid for that part. */
EVENT2_EXPORT_SYMBOL
int evhttp_uri_set_scheme(struct evhttp_uri *uri, const char *scheme);

EVENT2_EXPORT_SYMBOL
int evhttp_uri_set_userinfo(struct evhttp_uri *uri, const char *userinfo);

EVENT2_EXPORT_SYMBOL
int evhttp_uri_set_host(struct evhttp_uri *uri, const char *host);

EVENT2_EXPORT_SYMBOL
int evhttp_uri_set_port(struct evhttp_uri *uri, int port);

EVENT2_EXPORT_SYMBOL
int evhttp_uri_set_path(struct evhttp_uri *uri, const char *path);

EVENT2_EXPORT_SYMBOL
int evhttp_uri_set_query(struct evhttp_uri *uri, const char *query);

EVENT2_EXPORT_SYMBOL
int evhttp_uri_set_fragment(struct evhttp_uri *uri, const char *fragment);

/* Parses a URI (RFC 3986; with EVHTTP_URI_NONCONFORMANT, tolerating
 * characters browsers send unescaped).  NULL when it is not one. */
EVENT2_EXPORT_SYMBOL
struct evhttp_uri *evhttp_uri_parse_with_flags(const char *source_uri,
    unsigned flags);

#define EVHTTP_URI_NONCONFORMANT 0x01

EVENT2_EXPORT_SYMBOL
struct evhttp_uri *evhttp_uri_parse(const char *source_uri);

EVENT2_EXPORT_SYMBOL
void evhttp_uri_free(struct evhttp_uri *uri);

/* Writes the URI into buf (limit bytes with the NUL); buf, or NULL when
 * it does not fit or has a host and a relative path. */
EVENT2_EXPORT_SYMBOL
char *evhttp_uri_join(struct evhttp_uri *uri, char *buf, size_t limit);

#ifdef __cplusplus
}
#endif

#endif /* EVENT2_HTTP_H_INCLUDED_ */
