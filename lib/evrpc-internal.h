/*
 * evrpc-internal.h: the objects behind event2/rpc.h (lib/evrpc.c).
 *
 * A hook's ctx is a server call (struct evrpc_req_generic) or a client
 * request (struct evrpc_request_wrapper); both start with the pointer to
 * their meta data, which is all the evrpc_hook_* functions read.  The
 * hook functions take a base or a pool as void *: both start with a
 * struct evrpc_hooks_.
 */
#ifndef EVRPC_INTERNAL_H_INCLUDED_
#define EVRPC_INTERNAL_H_INCLUDED_

#include <sys/queue.h>

#include <event2/event_struct.h>
#include <event2/rpc.h>
#include <event2/rpc_struct.h>

struct evhttp_connection;
struct evhttp_request;

/* One hook function. */
struct evrpc_hook {
	TAILQ_ENTRY(evrpc_hook) next;
	int (*process)(void *, struct evhttp_request *, struct evbuffer *,
	    void *);
	void *process_arg;
};
TAILQ_HEAD(evrpc_hook_list, evrpc_hook);

/* A call a hook paused: resumed by evrpc_resume_request, which calls
 * cb(ctx, result). */
struct evrpc_paused {
	TAILQ_ENTRY(evrpc_paused) next;
	void *ctx;
	void (*cb)(void *, enum EVRPC_HOOK_RESULT);
};
TAILQ_HEAD(evrpc_paused_list, evrpc_paused);

/* What a base and a pool share: the first member of both. */
struct evrpc_hooks_ {
	struct evrpc_hook_list in_hooks;
	struct evrpc_hook_list out_hooks;
	struct evrpc_paused_list paused;
};

/* One piece of meta data (evrpc_hook_add_meta). */
struct evrpc_meta {
	TAILQ_ENTRY(evrpc_meta) next;
	char *key;
	void *data;
	size_t data_size;
};

/* The meta data of a call, and its connection once a hook has run. */
struct evrpc_hook_meta {
	TAILQ_HEAD(evrpc_meta_list, evrpc_meta) meta_data;
	struct evhttp_connection *evcon;
};

/* A server. */
struct evrpc_base {
	struct evrpc_hooks_ common;
	struct evhttp *http_server;
	TAILQ_HEAD(evrpc_list, evrpc) registered_rpcs;
};

/* A server call: the layout EVRPC_HEADER gives EVRPC_STRUCT(name). */
struct evrpc_req_generic {
	struct evrpc_hook_meta *hook_meta;
	void *request;
	void *reply;
	struct evrpc *rpc;
	struct evhttp_request *http_req;
	struct evbuffer *rpc_data; /* the marshalled reply */
};

/* A connection of a pool, and the request it carries (NULL: idle). */
struct evrpc_pool_conn {
	TAILQ_ENTRY(evrpc_pool_conn) next;
	struct evhttp_connection *evcon;
	struct evrpc_request_wrapper *ctx;
};

/* Where a client request is. */
enum evrpc_ctx_state_ {
	EVRPC_CTX_NEW,       /* made, not given to evrpc_make_request yet */
	EVRPC_CTX_QUEUED,    /* waiting for an idle connection */
	EVRPC_CTX_HOOKS_OUT, /* output hooks; req is ours, not made yet */
	EVRPC_CTX_SENT,      /* req is with evhttp */
	EVRPC_CTX_HOOKS_IN   /* input hooks paused; req is owned by us */
};

/* A client request. */
struct evrpc_request_wrapper {
	struct evrpc_hook_meta *hook_meta; /* first, as in a server call */
	TAILQ_ENTRY(evrpc_request_wrapper) next;
	enum evrpc_ctx_state_ state;
	struct evrpc_pool *pool;
	struct evrpc_pool_conn *conn;    /* while active */
	struct evhttp_connection *evcon; /* while active */
	struct evhttp_request *req;      /* while active */
	struct event ev_timeout;         /* the pool's timeout */
	char *name;
	void (*cb)(struct evrpc_status *, void *, void *, void *);
	void *cb_arg;
	void *request;
	void *reply;
	void (*request_marshal)(struct evbuffer *, void *);
	void (*reply_clear)(void *);
	int (*reply_unmarshal)(void *, struct evbuffer *);
};

/* A client pool. */
struct evrpc_pool {
	struct evrpc_hooks_ common;
	struct event_base *base;
	int timeout;    /* seconds; <= 0: none */
	int scheduling; /* pool_schedule is running */
	TAILQ_HEAD(evrpc_pool_connq, evrpc_pool_conn) connections;
	/* queued (waiting for a connection), then active ones */
	TAILQ_HEAD(evrpc_ctxq, evrpc_request_wrapper) queued;
	struct evrpc_ctxq active;
};

#endif /* EVRPC_INTERNAL_H_INCLUDED_ */
