/*
 * event2/rpc.h: remote procedure calls over HTTP, as libevent 2.1
 * declares them.
 *
 * A message type is a C struct with tagged marshalling code, written by a
 * generator (evrpcgen, from a .rpc file) or by hand in the same shape.
 * An RPC named N carries a request message as the body of
 * "POST /.rpc.N" and gets a reply message back in the body of a 200.
 *
 * The server side is an evrpc_base on an evhttp: EVRPC_REGISTER binds a
 * callback to N; the callback fills the reply and calls
 * EVRPC_REQUEST_DONE.  The client side is an evrpc_pool of
 * evhttp_connections: EVRPC_MAKE_REQUEST sends a request on an idle
 * connection (or queues it until one is idle) and calls back with an
 * evrpc_status and the reply.  Both sides run hooks on the raw HTTP
 * messages before and after, which may add meta data, pause or stop the
 * call.
 */
#ifndef EVENT2_RPC_H_INCLUDED_
#define EVENT2_RPC_H_INCLUDED_

#include <event2/util.h>
#include <event2/visibility.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Accessors of generated message types ----
 *
 * A message struct `msg` has a pointer `base` to a table of functions
 * (msg->base->field_assign, _get, _add) and, per field, a `field_set`
 * flag (and `field_length` for arrays).  These macros call through the
 * table. */

/* 1 when the (optional) member has been given a value, 0 otherwise. */
#define EVTAG_HAS(msg, member) ((msg)->member##_set == 1)

#ifndef EVENT2_RPC_COMPAT_H_INCLUDED_
/* Sets member to value (strings and structs are copied).  0 or -1. */
#define EVTAG_ASSIGN(msg, member, value) \
	(*(msg)->base->member##_assign)((msg), (value))

/* Sets a byte-array member to len bytes at value.  0 or -1. */
#define EVTAG_ASSIGN_WITH_LEN(msg, member, value, len) \
	(*(msg)->base->member##_assign)((msg), (value), (len))

/* Stores member in *pvalue; -1 when the member is not set. */
#define EVTAG_GET(msg, member, pvalue) \
	(*(msg)->base->member##_get)((msg), (pvalue))

/* Stores a byte-array member's pointer in *pvalue and its length in
 * *plen; -1 when the member is not set. */
#define EVTAG_GET_WITH_LEN(msg, member, pvalue, plen) \
	(*(msg)->base->member##_get)((msg), (pvalue), (plen))
#endif /* EVENT2_RPC_COMPAT_H_INCLUDED_ */

/* Appends value to an array member; returns the new element's storage
 * (NULL on failure). */
#define EVTAG_ARRAY_ADD_VALUE(msg, member, value) \
	(*(msg)->base->member##_add)((msg), (value))

/* Appends an empty element to an array member of structs and returns it
 * (NULL on failure). */
#define EVTAG_ARRAY_ADD(msg, member) (*(msg)->base->member##_add)(msg)

/* Stores element `offset` of an array member in *pvalue; -1 when out of
 * range. */
#define EVTAG_ARRAY_GET(msg, member, offset, pvalue) \
	(*(msg)->base->member##_get)((msg), (offset), (pvalue))

/* How many elements an array member has. */
#define EVTAG_ARRAY_LEN(msg, member) ((msg)->member##_length)

struct evbuffer;
struct event_base;
struct evrpc_req_generic;
struct evrpc_request_wrapper;
struct evrpc;
struct evhttp_request;
struct evhttp_connection;
struct evrpc_status;
struct evrpc_hook_meta;
struct evrpc_pool;
struct evrpc_base;
struct evhttp;

/* ---- Declaring and defining an RPC ---- */

/* The tag of the server-side object of one call of rpcname. */
#define EVRPC_STRUCT(rpcname) struct evrpc_req__##rpcname

/* In a header: declares the server-side call object of rpcname (the
 * layout of struct evrpc_req_generic) and the client function
 * evrpc_send_request_<rpcname>. */
#define EVRPC_HEADER(rpcname, reqstruct, rplystruct)            \
	EVRPC_STRUCT(rpcname)                                   \
	{                                                       \
		struct evrpc_hook_meta *hook_meta;              \
		struct reqstruct *request;                      \
		struct rplystruct *reply;                       \
		struct evrpc *rpc;                              \
		struct evhttp_request *http_req;                \
		struct evbuffer *rpc_data;                      \
	};                                                      \
	EVENT2_EXPORT_SYMBOL                                    \
	int evrpc_send_request_##rpcname(struct evrpc_pool *,   \
	    struct reqstruct *, struct rplystruct *,            \
	    void (*)(struct evrpc_status *, struct reqstruct *, \
	        struct rplystruct *, void *cbarg),              \
	    void *);

/* Makes a client request object without sending it (for
 * evrpc_request_set_pool / set_cb before evrpc_make_request).  The
 * marshalling functions are the message types' own.  NULL on failure. */
EVENT2_EXPORT_SYMBOL
struct evrpc_request_wrapper *evrpc_make_request_ctx(struct evrpc_pool *pool,
    void *request, void *reply, const char *rpcname,
    void (*req_marshal)(struct evbuffer *, void *), void (*rpl_clear)(void *),
    int (*rpl_unmarshal)(void *, struct evbuffer *),
    void (*cb)(struct evrpc_status *, void *, void *, void *), void *cbarg);

/* evrpc_make_request_ctx with the functions of the two message types. */
#define EVRPC_MAKE_CTX(rpcname, reqstruct, rplystruct, pool, request, reply, \
    cb, cbarg)                                                               \
	evrpc_make_request_ctx(pool, request, reply, #rpcname,               \
	    (void (*)(struct evbuffer *, void *))reqstruct##_marshal,        \
	    (void (*)(void *))rplystruct##_clear,                            \
	    (int (*)(void *, struct evbuffer *))rplystruct##_unmarshal,      \
	    (void (*)(struct evrpc_status *, void *, void *, void *))cb,     \
	    cbarg)

/* In one .c file: defines evrpc_send_request_<rpcname>. */
#define EVRPC_GENERATE(rpcname, reqstruct, rplystruct)                        \
	int evrpc_send_request_##rpcname(struct evrpc_pool *pool,             \
	    struct reqstruct *request, struct rplystruct *reply,              \
	    void (*cb)(struct evrpc_status *, struct reqstruct *,             \
	        struct rplystruct *, void *cbarg),                            \
	    void *cbarg)                                                      \
	{                                                                     \
		return evrpc_send_request_generic(pool, request, reply,       \
		    (void (*)(struct evrpc_status *, void *, void *,          \
		        void *))cb,                                           \
		    cbarg, #rpcname,                                          \
		    (void (*)(struct evbuffer *, void *))reqstruct##_marshal, \
		    (void (*)(void *))rplystruct##_clear,                     \
		    (int (*)(void *,                                          \
		        struct evbuffer *))rplystruct##_unmarshal);           \
	}

/* ---- The server ---- */

/* The HTTP request of a server-side call. */
#define EVRPC_REQUEST_HTTP(rpc_req) (rpc_req)->http_req

/* Ends a server-side call: runs the output hooks, then sends the reply
 * (or an error when the reply is incomplete) and frees the call. */
EVENT2_EXPORT_SYMBOL
void evrpc_request_done(struct evrpc_req_generic *req);

/* The request and reply messages of a server-side call. */
EVENT2_EXPORT_SYMBOL
void *evrpc_get_request(struct evrpc_req_generic *req);
EVENT2_EXPORT_SYMBOL
void *evrpc_get_reply(struct evrpc_req_generic *req);

/* evrpc_request_done on any EVRPC_STRUCT(name) pointer. */
#define EVRPC_REQUEST_DONE(rpc_req)                        \
	do {                                               \
		struct evrpc_req_generic *req_ =           \
		    (struct evrpc_req_generic *)(rpc_req); \
		evrpc_request_done(req_);                  \
	} while (0)

/* An RPC server on an evhttp (which the caller keeps and frees after).
 * NULL on failure. */
EVENT2_EXPORT_SYMBOL
struct evrpc_base *evrpc_init(struct evhttp *server);

/* Unregisters every RPC and removes every hook, then frees base.  Calls
 * still in progress must be finished first. */
EVENT2_EXPORT_SYMBOL
void evrpc_free(struct evrpc_base *base);

/* Serves RPC `name` with callback(call, cbarg); request and reply are the
 * message types' names.  0 or -1. */
#define EVRPC_REGISTER(base, name, request, reply, callback, cbarg)            \
	evrpc_register_generic(base, #name,                                    \
	    (void (*)(struct evrpc_req_generic *, void *))callback, cbarg,     \
	    (void *(*)(void *))request##_new_with_arg, NULL,                   \
	    (void (*)(void *))request##_free,                                  \
	    (int (*)(void *, struct evbuffer *))request##_unmarshal,           \
	    (void *(*)(void *))reply##_new_with_arg, NULL,                     \
	    (void (*)(void *))reply##_free, (int (*)(void *))reply##_complete, \
	    (void (*)(struct evbuffer *, void *))reply##_marshal)

/* Serves the filled-in struct evrpc (rpc_struct.h) with cb.  The base
 * takes rpc over (evrpc_unregister_rpc and evrpc_free free it).  0 or
 * -1 (a name already registered). */
EVENT2_EXPORT_SYMBOL
int evrpc_register_rpc(struct evrpc_base *, struct evrpc *,
    void (*)(struct evrpc_req_generic *, void *), void *);

/* Stops serving RPC `name`. */
#define EVRPC_UNREGISTER(base, name) evrpc_unregister_rpc((base), #name)

/* Stops serving RPC `name` and frees its struct evrpc.  0, or -1 when
 * no such RPC is registered. */
EVENT2_EXPORT_SYMBOL
int evrpc_unregister_rpc(struct evrpc_base *base, const char *name);

/* ---- The client ---- */

/* Sends request for RPC `name` on pool; cb(status, request, reply,
 * cbarg) runs exactly once (from inside this call when the request
 * cannot start), with reply filled when status->error is
 * EVRPC_STATUS_ERR_NONE.  0, or -1 when the request could not be made
 * at all (cb has then run with EVRPC_STATUS_ERR_UNSTARTED).  A request
 * waits in the pool while every connection carries one. */
#define EVRPC_MAKE_REQUEST(name, pool, request, reply, cb, cbarg) \
	evrpc_send_request_##name((pool), (request), (reply), (cb), (cbarg))

/* Sends a request made by evrpc_make_request_ctx.  0, or -1 when it has
 * no pool (ctx is then freed, its callback called with
 * EVRPC_STATUS_ERR_UNSTARTED). */
EVENT2_EXPORT_SYMBOL
int evrpc_make_request(struct evrpc_request_wrapper *ctx);

/* A pool of connections whose requests and timers run on base.  NULL on
 * failure. */
EVENT2_EXPORT_SYMBOL
struct evrpc_pool *evrpc_pool_new(struct event_base *base);

/* Frees pool, its hooks and its connections; requests still waiting or
 * on the way are dropped without their callbacks. */
EVENT2_EXPORT_SYMBOL
void evrpc_pool_free(struct evrpc_pool *pool);

/* Gives the client connection evcon to pool, which frees it with itself.
 * A connection on another base than the pool's is moved to the pool's
 * while it has no socket.  A waiting request is sent on it at once. */
EVENT2_EXPORT_SYMBOL
void evrpc_pool_add_connection(struct evrpc_pool *pool,
    struct evhttp_connection *evcon);

/* Takes evcon back from pool; the caller frees it (a request on it
 * goes on there, so free it once that request is done). */
EVENT2_EXPORT_SYMBOL
void evrpc_pool_remove_connection(struct evrpc_pool *pool,
    struct evhttp_connection *evcon);

/* Sets the timeout of every request of pool, and of its connections, in
 * seconds (0: none). */
EVENT2_EXPORT_SYMBOL
void evrpc_pool_set_timeout(struct evrpc_pool *pool, int timeout_in_secs);

/* ---- Hooks ----
 *
 * A hook is cb(ctx, http_req, body, cb_arg) on a base (struct
 * evrpc_base *) or a pool (struct evrpc_pool *), passed as void *.  On
 * a server, input hooks see each received request, output hooks each
 * reply before it is sent; on a client, output hooks see each request
 * before it is sent, input hooks each reply received.  A hook returns
 * an enum EVRPC_HOOK_RESULT. */

enum EVRPC_HOOK_TYPE {
	EVRPC_INPUT, /* on what is received */
	EVRPC_OUTPUT /* on what is sent */
};

#ifndef _WIN32
/* The 2.0 names. */
#define INPUT EVRPC_INPUT
#define OUTPUT EVRPC_OUTPUT
#endif

enum EVRPC_HOOK_RESULT {
	EVRPC_TERMINATE = -1, /* stop the call with an error */
	EVRPC_CONTINUE = 0,   /* go on with the next hook */
	EVRPC_PAUSE = 1       /* wait for evrpc_resume_request */
};

/* Adds a hook to a base or pool; returns the handle evrpc_remove_hook
 * takes, or NULL on failure. */
EVENT2_EXPORT_SYMBOL
void *evrpc_add_hook(void *vbase, enum EVRPC_HOOK_TYPE hook_type,
    int (*cb)(void *, struct evhttp_request *, struct evbuffer *, void *),
    void *cb_arg);

/* Removes a hook.  1 when it was found, 0 otherwise. */
EVENT2_EXPORT_SYMBOL
int evrpc_remove_hook(void *vbase, enum EVRPC_HOOK_TYPE hook_type,
    void *handle);

/* Goes on with the call ctx that a hook paused (its first argument), as
 * if the hook had returned res (EVRPC_CONTINUE or EVRPC_TERMINATE); as
 * in libevent, the hooks after the one that paused are not run.  0, or
 * -1 when ctx is not paused on vbase. */
EVENT2_EXPORT_SYMBOL
int evrpc_resume_request(void *vbase, void *ctx, enum EVRPC_HOOK_RESULT res);

/* Attaches a copy of data_size bytes at data to the call ctx under key.
 * Client output hooks' meta data travels along to the input hooks of the
 * same request. */
EVENT2_EXPORT_SYMBOL
void evrpc_hook_add_meta(void *ctx, const char *key, const void *data,
    size_t data_size);

/* Finds the first meta data added under key to ctx: *data and *data_size
 * (which may be NULL) point to it.  0, or -1 when there is none. */
EVENT2_EXPORT_SYMBOL
int evrpc_hook_find_meta(void *ctx, const char *key, void **data,
    size_t *data_size);

/* The connection of call ctx (the client's connection, or on a server
 * the one the request came on). */
EVENT2_EXPORT_SYMBOL
struct evhttp_connection *evrpc_hook_get_connection(void *ctx);

/* What EVRPC_GENERATE's functions call: makes and sends a request. */
EVENT2_EXPORT_SYMBOL
int evrpc_send_request_generic(struct evrpc_pool *pool, void *request,
    void *reply, void (*cb)(struct evrpc_status *, void *, void *, void *),
    void *cb_arg, const char *rpcname,
    void (*req_marshal)(struct evbuffer *, void *), void (*rpl_clear)(void *),
    int (*rpl_unmarshal)(void *, struct evbuffer *));

/* What EVRPC_REGISTER calls: registers RPC name with the functions of
 * its two message types.  0 or -1. */
EVENT2_EXPORT_SYMBOL
int evrpc_register_generic(struct evrpc_base *base, const char *name,
    void (*callback)(struct evrpc_req_generic *, void *), void *cbarg,
    void *(*req_new)(void *), void *req_new_arg, void (*req_free)(void *),
    int (*req_unmarshal)(void *, struct evbuffer *), void *(*rpl_new)(void *),
    void *rpl_new_arg, void (*rpl_free)(void *), int (*rpl_complete)(void *),
    void (*rpl_marshal)(struct evbuffer *, void *));

/* The pool and callback of a request made by evrpc_make_request_ctx. */
EVENT2_EXPORT_SYMBOL
struct evrpc_pool *evrpc_request_get_pool(struct evrpc_request_wrapper *ctx);
EVENT2_EXPORT_SYMBOL
void evrpc_request_set_pool(struct evrpc_request_wrapper *ctx,
    struct evrpc_pool *pool);
EVENT2_EXPORT_SYMBOL
void evrpc_request_set_cb(struct evrpc_request_wrapper *ctx,
    void (*cb)(struct evrpc_status *, void *request, void *reply, void *arg),
    void *cb_arg);

#ifdef __cplusplus
}
#endif

#endif /* EVENT2_RPC_H_INCLUDED_ */
