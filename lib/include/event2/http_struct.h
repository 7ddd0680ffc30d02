/*
 * event2/http_struct.h: the fields of struct evhttp_request that libevent
 * 2.1 makes public.  New code should use the accessors of http.h.
 */
#ifndef EVENT2_HTTP_STRUCT_H_INCLUDED_
#define EVENT2_HTTP_STRUCT_H_INCLUDED_

#ifdef __cplusplus
extern "C" {
#endif

#include <event2/event-config.h>
#include <sys/types.h>
#include <sys/time.h>
#include <event2/util.h>
#include <event2/http.h>

struct evhttp_request {
	/* Links in the connection's queue of requests (the layout of a
	 * <sys/queue.h> TAILQ_ENTRY). */
	struct {
		struct evhttp_request *tqe_next;
		struct evhttp_request **tqe_prev;
	} next;

	/* The connection the request belongs to, or NULL. */
	struct evhttp_connection *evcon;
	int flags;
#define EVHTTP_REQ_OWN_CONNECTION 0x0001
#define EVHTTP_PROXY_REQUEST 0x0002
#define EVHTTP_USER_OWNED 0x0004
#define EVHTTP_REQ_DEFER_FREE 0x0008
#define EVHTTP_REQ_NEEDS_FREE 0x0010

	struct evkeyvalq *input_headers;
	struct evkeyvalq *output_headers;

	/* The peer, for requests a server received. */
	char *remote_host;
	ev_uint16_t remote_port;

	/* What evhttp_request_get_host returned, kept for its lifetime. */
	char *host_cache;

	enum evhttp_request_kind kind;
	enum evhttp_cmd_type type;

	size_t headers_size;
	size_t body_size;

	/* The request target as sent, and parsed. */
	char *uri;
	struct evhttp_uri *uri_elems;

	/* The HTTP version. */
	char major;
	char minor;

	int response_code;
	char *response_code_line;

	struct evbuffer *input_buffer;
	/* Body bytes still to read; -1 when the length is unknown. */
	ev_int64_t ntoread;
	unsigned chunked : 1, userdone : 1;

	struct evbuffer *output_buffer;

	/* The callbacks of http.h. */
	void (*cb)(struct evhttp_request *, void *);
	void *cb_arg;

	void (*chunk_cb)(struct evhttp_request *, void *);

	int (*header_cb)(struct evhttp_request *, void *);

	void (*error_cb)(enum evhttp_request_error, void *);

	void (*on_complete_cb)(struct evhttp_request *, void *);
	void *on_complete_cb_arg;
};

#ifdef __cplusplus
}
#endif

#endif /* EVENT2_HTTP_STRUCT_H_INCLUDED_ */
