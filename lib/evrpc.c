/*
 * evrpc.c: remote procedure calls over evhttp (event2/rpc.h).
 *
 * Server: each registered RPC N is an evhttp path callback at
 * "/.rpc.N".  A call goes: input hooks on the raw request, unmarshal,
 * the user's callback, evrpc_request_done, reply_complete, marshal,
 * output hooks on the marshalled reply, the 200.  Anything that fails
 * on the way is answered 503 (as libevent does).
 *
 * Client: a pool gives each request a connection of its own (one
 * request per connection at a time); requests wait in the pool's queue
 * while every connection is busy.  A request goes: marshal, output
 * hooks, POST with the pool's timer, then on the reply input hooks,
 * unmarshal and the user's callback with a status.
 *
 * A hook returning EVRPC_PAUSE parks the call in the base's or pool's
 * paused list; evrpc_resume_request picks up from there with the result
 * it is given (the hooks after the one that paused are not run, as in
 * libevent).
 */
#include "config.h"

#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/http_compat.h>
#include <event2/keyvalq_struct.h>
#include <event2/rpc.h>
#include <event2/rpc_struct.h>

#include "evrpc-internal.h"
#include "http-internal.h"
#include "log-internal.h"
#include "mm-internal.h"

#define EVRPC_URI_PREFIX "/.rpc."

/* "/.rpc.NAME", or NULL without memory. */
static char *
rpc_uri(const char *name)
{
	size_t plen = strlen(EVRPC_URI_PREFIX), nlen = strlen(name);
	char *uri = mm_malloc(plen + nlen + 1);

	if (uri == NULL) {
		event_warn("%s: malloc", __func__);
		return NULL;
	}
	memcpy(uri, EVRPC_URI_PREFIX, plen);
	memcpy(uri + plen, name, nlen + 1);
	return uri;
}

/* ---- Hooks, pauses and meta data ---- */

static void
hooks_init(struct evrpc_hooks_ *h)
{
	TAILQ_INIT(&h->in_hooks);
	TAILQ_INIT(&h->out_hooks);
	TAILQ_INIT(&h->paused);
}

static struct evrpc_hook_list *
hook_list(struct evrpc_hooks_ *h, enum EVRPC_HOOK_TYPE type)
{
	switch (type) {
	case EVRPC_INPUT:
		return &h->in_hooks;
	case EVRPC_OUTPUT:
		return &h->out_hooks;
	}
	return NULL;
}

/* Frees the hooks and the pause records (not the paused calls). */
static void
hooks_clear(struct evrpc_hooks_ *h)
{
	struct evrpc_hook *hook;
	struct evrpc_paused *p;

	while ((hook = TAILQ_FIRST(&h->in_hooks)) != NULL) {
		TAILQ_REMOVE(&h->in_hooks, hook, next);
		mm_free(hook);
	}
	while ((hook = TAILQ_FIRST(&h->out_hooks)) != NULL) {
		TAILQ_REMOVE(&h->out_hooks, hook, next);
		mm_free(hook);
	}
	while ((p = TAILQ_FIRST(&h->paused)) != NULL) {
		TAILQ_REMOVE(&h->paused, p, next);
		mm_free(p);
	}
}

void *
evrpc_add_hook(void *vbase, enum EVRPC_HOOK_TYPE hook_type,
    int (*cb)(void *, struct evhttp_request *, struct evbuffer *, void *),
    void *cb_arg)
{
	struct evrpc_hook_list *list;
	struct evrpc_hook *hook;

	if (vbase == NULL || cb == NULL ||
	    (list = hook_list(vbase, hook_type)) == NULL) {
		event_warnx("%s: bad arguments", __func__);
		return NULL;
	}
	if ((hook = mm_calloc(1, sizeof(*hook))) == NULL) {
		event_warn("%s: calloc", __func__);
		return NULL;
	}
	hook->process = cb;
	hook->process_arg = cb_arg;
	TAILQ_INSERT_TAIL(list, hook, next);
	return hook;
}

int
evrpc_remove_hook(void *vbase, enum EVRPC_HOOK_TYPE hook_type, void *handle)
{
	struct evrpc_hook_list *list;
	struct evrpc_hook *hook;

	if (vbase == NULL || (list = hook_list(vbase, hook_type)) == NULL)
		return 0;
	TAILQ_FOREACH(hook, list, next) {
		if (hook == handle) {
			TAILQ_REMOVE(list, hook, next);
			mm_free(hook);
			return 1;
		}
	}
	return 0;
}

/* Runs the hooks of list in order; the first result other than
 * EVRPC_CONTINUE ends the run.  A value outside the enum counts as
 * EVRPC_TERMINATE. */
static int
run_hooks(struct evrpc_hook_list *list, void *ctx, struct evhttp_request *req,
    struct evbuffer *buf)
{
	struct evrpc_hook *hook, *next;

	for (hook = TAILQ_FIRST(list); hook != NULL; hook = next) {
		int res;

		next = TAILQ_NEXT(hook, next);
		res = hook->process(ctx, req, buf, hook->process_arg);
		if (res == EVRPC_CONTINUE)
			continue;
		if (res != EVRPC_PAUSE && res != EVRPC_TERMINATE) {
			event_warnx("evrpc: a hook returned %d", res);
			res = EVRPC_TERMINATE;
		}
		return res;
	}
	return EVRPC_CONTINUE;
}

static int
pause_call(struct evrpc_hooks_ *h, void *ctx,
    void (*cb)(void *, enum EVRPC_HOOK_RESULT))
{
	struct evrpc_paused *p = mm_malloc(sizeof(*p));

	if (p == NULL) {
		event_warn("evrpc: cannot pause a call");
		return -1;
	}
	p->ctx = ctx;
	p->cb = cb;
	TAILQ_INSERT_TAIL(&h->paused, p, next);
	return 0;
}

/* Forgets the pause record of ctx, if any. */
static void
unpause_call(struct evrpc_hooks_ *h, void *ctx)
{
	struct evrpc_paused *p;

	TAILQ_FOREACH(p, &h->paused, next) {
		if (p->ctx == ctx) {
			TAILQ_REMOVE(&h->paused, p, next);
			mm_free(p);
			return;
		}
	}
}

int
evrpc_resume_request(void *vbase, void *ctx, enum EVRPC_HOOK_RESULT res)
{
	struct evrpc_hooks_ *h = vbase;
	struct evrpc_paused *p;
	void (*cb)(void *, enum EVRPC_HOOK_RESULT);

	if (h == NULL)
		return -1;
	TAILQ_FOREACH(p, &h->paused, next) {
		if (p->ctx == ctx)
			break;
	}
	if (p == NULL)
		return -1;
	cb = p->cb;
	TAILQ_REMOVE(&h->paused, p, next);
	mm_free(p);
	if (res != EVRPC_CONTINUE && res != EVRPC_TERMINATE) {
		event_warnx("%s: resumed with %d", __func__, (int)res);
		res = EVRPC_TERMINATE;
	}
	cb(ctx, res);
	return 0;
}

static struct evrpc_hook_meta *
meta_get(struct evrpc_hook_meta **pmeta)
{
	if (*pmeta == NULL) {
		*pmeta = mm_calloc(1, sizeof(**pmeta));
		if (*pmeta == NULL) {
			event_warn("evrpc: calloc");
			return NULL;
		}
		TAILQ_INIT(&(*pmeta)->meta_data);
	}
	return *pmeta;
}

/* Ties the call's meta data to evcon before its hooks run.  0 or -1. */
static int
meta_associate(struct evrpc_hook_meta **pmeta, struct evhttp_connection *evcon)
{
	struct evrpc_hook_meta *meta = meta_get(pmeta);

	if (meta == NULL)
		return -1;
	meta->evcon = evcon;
	return 0;
}

static void
meta_free(struct evrpc_hook_meta *meta)
{
	struct evrpc_meta *m;

	if (meta == NULL)
		return;
	while ((m = TAILQ_FIRST(&meta->meta_data)) != NULL) {
		TAILQ_REMOVE(&meta->meta_data, m, next);
		mm_free(m->key);
		mm_free(m->data);
		mm_free(m);
	}
	mm_free(meta);
}

/* Runs the hooks of list over ctx, its meta data tied to evcon first,
 * then done with their result.  Returns 0 when done ran (ctx may be
 * gone), 1 when a hook paused and done waits for evrpc_resume_request,
 * -1 when the hooks could not run (no memory) and done did not run. */
static int
hooks_run_then(struct evrpc_hooks_ *h, struct evrpc_hook_list *list, void *ctx,
    struct evrpc_hook_meta **pmeta, struct evhttp_connection *evcon,
    struct evhttp_request *req, struct evbuffer *buf,
    void (*done)(void *, enum EVRPC_HOOK_RESULT))
{
	int res = EVRPC_CONTINUE;

	if (!TAILQ_EMPTY(list)) {
		if (meta_associate(pmeta, evcon) == -1)
			return -1;
		res = run_hooks(list, ctx, req, buf);
	}
	if (res == EVRPC_PAUSE)
		return pause_call(h, ctx, done) == -1 ? -1 : 1;
	done(ctx, res);
	return 0;
}

void
evrpc_hook_add_meta(void *ctx, const char *key, const void *data,
    size_t data_size)
{
	struct evrpc_hook_meta **pmeta = ctx;
	struct evrpc_hook_meta *meta;
	struct evrpc_meta *m;

	if (ctx == NULL || key == NULL || (data == NULL && data_size > 0)) {
		event_warnx("%s: bad arguments", __func__);
		return;
	}
	if ((meta = meta_get(pmeta)) == NULL)
		return;
	if ((m = mm_calloc(1, sizeof(*m))) == NULL)
		goto fail;
	if ((m->key = mm_strdup(key)) == NULL)
		goto fail_m;
	/* One byte at least: mm_malloc(0) is NULL. */
	if ((m->data = mm_malloc(data_size ? data_size : 1)) == NULL)
		goto fail_key;
	if (data_size > 0)
		memcpy(m->data, data, data_size);
	m->data_size = data_size;
	TAILQ_INSERT_TAIL(&meta->meta_data, m, next);
	return;

fail_key:
	mm_free(m->key);
fail_m:
	mm_free(m);
fail:
	event_warn("%s: cannot store meta data %s", __func__, key);
}

int
evrpc_hook_find_meta(void *ctx, const char *key, void **data, size_t *data_size)
{
	struct evrpc_hook_meta *meta;
	struct evrpc_meta *m;

	if (ctx == NULL || key == NULL ||
	    (meta = *(struct evrpc_hook_meta **)ctx) == NULL)
		return -1;
	TAILQ_FOREACH(m, &meta->meta_data, next) {
		if (strcmp(m->key, key) == 0) {
			if (data != NULL)
				*data = m->data;
			if (data_size != NULL)
				*data_size = m->data_size;
			return 0;
		}
	}
	return -1;
}

struct evhttp_connection *
evrpc_hook_get_connection(void *ctx)
{
	struct evrpc_hook_meta *meta;

	if (ctx == NULL || (meta = *(struct evrpc_hook_meta **)ctx) == NULL)
		return NULL;
	return meta->evcon;
}

/* ---- The server ---- */

struct evrpc_base *
evrpc_init(struct evhttp *http_server)
{
	struct evrpc_base *base;

	if (http_server == NULL) {
		event_warnx("%s: no evhttp", __func__);
		return NULL;
	}
	if ((base = mm_calloc(1, sizeof(*base))) == NULL) {
		event_warn("%s: calloc", __func__);
		return NULL;
	}
	hooks_init(&base->common);
	base->http_server = http_server;
	/* libevent's RPC clients send HTTP/1.1 requests without Host. */
	evhttp_server_allow_no_host_(http_server);
	TAILQ_INIT(&base->registered_rpcs);
	return base;
}

void
evrpc_free(struct evrpc_base *base)
{
	struct evrpc *rpc;

	if (base == NULL)
		return;
	while ((rpc = TAILQ_FIRST(&base->registered_rpcs)) != NULL)
		evrpc_unregister_rpc(base, rpc->uri);
	hooks_clear(&base->common);
	mm_free(base);
}

static void
call_free(struct evrpc_req_generic *call)
{
	struct evrpc *rpc = call->rpc;

	if (call->request != NULL)
		rpc->request_free(call->request);
	if (call->reply != NULL)
		rpc->reply_free(call->reply);
	if (call->rpc_data != NULL)
		evbuffer_free(call->rpc_data);
	meta_free(call->hook_meta);
	mm_free(call);
}

/* Ends a call that went wrong: 503, as libevent answers. */
static void
call_fail(struct evrpc_req_generic *call)
{
	struct evhttp_request *req = call->http_req;

	call_free(call);
	evhttp_send_error(req, HTTP_SERVUNAVAIL, NULL);
}

/* The input hooks are through: read the request, hand it to the user. */
static void
call_input_done(void *arg, enum EVRPC_HOOK_RESULT res)
{
	struct evrpc_req_generic *call = arg;
	struct evrpc *rpc = call->rpc;
	struct evbuffer *body = evhttp_request_get_input_buffer(call->http_req);

	if (res == EVRPC_TERMINATE)
		goto fail;
	if ((call->request = rpc->request_new(rpc->request_new_arg)) == NULL)
		goto fail;
	if (rpc->request_unmarshal(call->request, body) == -1) {
		event_debug(("evrpc: %s: malformed request", rpc->uri));
		goto fail;
	}
	if ((call->reply = rpc->reply_new(rpc->reply_new_arg)) == NULL)
		goto fail;
	rpc->cb(call, rpc->cb_arg);
	return;

fail:
	call_fail(call);
}

/* The evhttp callback of every registered RPC. */
static void
rpc_http_cb(struct evhttp_request *req, void *arg)
{
	struct evrpc *rpc = arg;
	struct evrpc_base *base = rpc->base;
	struct evbuffer *body = evhttp_request_get_input_buffer(req);
	struct evrpc_req_generic *call;

	if (evhttp_request_get_command(req) != EVHTTP_REQ_POST ||
	    evbuffer_get_length(body) == 0) {
		evhttp_send_error(req, HTTP_SERVUNAVAIL, NULL);
		return;
	}
	if ((call = mm_calloc(1, sizeof(*call))) == NULL) {
		event_warn("%s: calloc", __func__);
		evhttp_send_error(req, HTTP_SERVUNAVAIL, NULL);
		return;
	}
	call->rpc = rpc;
	call->http_req = req;
	if (hooks_run_then(&base->common, &base->common.in_hooks, call,
	        &call->hook_meta, evhttp_request_get_connection(req), req, body,
	        call_input_done) == -1)
		call_fail(call);
}

static void
call_output_done(void *arg, enum EVRPC_HOOK_RESULT res)
{
	struct evrpc_req_generic *call = arg;
	struct evhttp_request *req = call->http_req;
	struct evkeyvalq *headers = evhttp_request_get_output_headers(req);

	if (res == EVRPC_TERMINATE) {
		call_fail(call);
		return;
	}
	if (evhttp_find_header(headers, "Content-Type") == NULL)
		evhttp_add_header(headers, "Content-Type",
		    "application/octet-stream");
	evhttp_send_reply(req, HTTP_OK, "OK", call->rpc_data);
	call_free(call);
}

void
evrpc_request_done(struct evrpc_req_generic *call)
{
	struct evrpc *rpc;
	struct evrpc_base *base;

	if (call == NULL) {
		event_warnx("%s: no call", __func__);
		return;
	}
	rpc = call->rpc;
	base = rpc->base;
	if (rpc->reply_complete(call->reply) == -1) {
		event_debug(("evrpc: %s: incomplete reply", rpc->uri));
		goto fail;
	}
	if ((call->rpc_data = evbuffer_new()) == NULL)
		goto fail;
	rpc->reply_marshal(call->rpc_data, call->reply);
	if (hooks_run_then(&base->common, &base->common.out_hooks, call,
	        &call->hook_meta, evhttp_request_get_connection(call->http_req),
	        call->http_req, call->rpc_data, call_output_done) == -1)
		goto fail;
	return;

fail:
	call_fail(call);
}

void *
evrpc_get_request(struct evrpc_req_generic *call)
{
	return call->request;
}

void *
evrpc_get_reply(struct evrpc_req_generic *call)
{
	return call->reply;
}

int
evrpc_register_rpc(struct evrpc_base *base, struct evrpc *rpc,
    void (*cb)(struct evrpc_req_generic *, void *), void *cb_arg)
{
	char *uri;
	int r;

	if (base == NULL || rpc == NULL || rpc->uri == NULL || cb == NULL) {
		event_warnx("%s: bad arguments", __func__);
		return -1;
	}
	if ((uri = rpc_uri(rpc->uri)) == NULL)
		return -1;
	rpc->base = base;
	rpc->cb = cb;
	rpc->cb_arg = cb_arg;
	/* libevent registers a second RPC of the same name too, and the
	 * first one then never runs: refuse it instead. */
	r = evhttp_set_cb(base->http_server, uri, rpc_http_cb, rpc);
	mm_free(uri);
	if (r != 0) {
		if (r == -1)
			event_warnx("%s: %s is already registered", __func__,
			    rpc->uri);
		return -1;
	}
	TAILQ_INSERT_TAIL(&base->registered_rpcs, rpc, next);
	return 0;
}

int
evrpc_register_generic(struct evrpc_base *base, const char *name,
    void (*callback)(struct evrpc_req_generic *, void *), void *cbarg,
    void *(*req_new)(void *), void *req_new_arg, void (*req_free)(void *),
    int (*req_unmarshal)(void *, struct evbuffer *), void *(*rpl_new)(void *),
    void *rpl_new_arg, void (*rpl_free)(void *), int (*rpl_complete)(void *),
    void (*rpl_marshal)(struct evbuffer *, void *))
{
	struct evrpc *rpc;

	if (name == NULL) {
		event_warnx("%s: no name", __func__);
		return -1;
	}
	if ((rpc = mm_calloc(1, sizeof(*rpc))) == NULL)
		goto fail;
	if ((rpc->uri = mm_strdup(name)) == NULL)
		goto fail_rpc;
	rpc->request_new = req_new;
	rpc->request_new_arg = req_new_arg;
	rpc->request_free = req_free;
	rpc->request_unmarshal = req_unmarshal;
	rpc->reply_new = rpl_new;
	rpc->reply_new_arg = rpl_new_arg;
	rpc->reply_free = rpl_free;
	rpc->reply_complete = rpl_complete;
	rpc->reply_marshal = rpl_marshal;
	if (evrpc_register_rpc(base, rpc, callback, cbarg) == -1) {
		mm_free((char *)rpc->uri);
		mm_free(rpc);
		return -1;
	}
	return 0;

fail_rpc:
	mm_free(rpc);
fail:
	event_warn("%s: cannot register %s", __func__, name);
	return -1;
}

int
evrpc_unregister_rpc(struct evrpc_base *base, const char *name)
{
	struct evrpc *rpc;
	char *uri;

	if (base == NULL || name == NULL)
		return -1;
	TAILQ_FOREACH(rpc, &base->registered_rpcs, next) {
		if (strcmp(rpc->uri, name) == 0)
			break;
	}
	if (rpc == NULL)
		return -1;
	TAILQ_REMOVE(&base->registered_rpcs, rpc, next);
	if ((uri = rpc_uri(name)) != NULL) {
		evhttp_del_cb(base->http_server, uri);
		mm_free(uri);
	}
	mm_free((char *)rpc->uri);
	mm_free(rpc);
	return 0;
}

/* ---- The client ---- */

struct evrpc_pool *
evrpc_pool_new(struct event_base *base)
{
	struct evrpc_pool *pool = mm_calloc(1, sizeof(*pool));

	if (pool == NULL) {
		event_warn("%s: calloc", __func__);
		return NULL;
	}
	hooks_init(&pool->common);
	pool->base = base;
	pool->timeout = -1;
	TAILQ_INIT(&pool->connections);
	TAILQ_INIT(&pool->queued);
	TAILQ_INIT(&pool->active);
	return pool;
}

static void ctx_free(struct evrpc_request_wrapper *ctx);
static void pool_schedule(struct evrpc_pool *pool);

/* Takes ctx out of its pool's lists and drops what it holds on the
 * HTTP side, without its callback. */
static void
ctx_detach(struct evrpc_request_wrapper *ctx)
{
	struct evrpc_pool *pool = ctx->pool;
	struct evhttp_request *req = ctx->req;

	if (event_initialized(&ctx->ev_timeout))
		event_del(&ctx->ev_timeout);
	switch (ctx->state) {
	case EVRPC_CTX_NEW:
		break;
	case EVRPC_CTX_QUEUED:
		TAILQ_REMOVE(&pool->queued, ctx, next);
		break;
	case EVRPC_CTX_HOOKS_OUT:
	case EVRPC_CTX_HOOKS_IN:
		/* Ours: never made, or owned while paused. */
		if (req != NULL)
			evhttp_request_free(req);
		/* FALLTHROUGH */
	case EVRPC_CTX_SENT:
		if (ctx->state == EVRPC_CTX_SENT && req != NULL)
			evhttp_cancel_request(req);
		TAILQ_REMOVE(&pool->active, ctx, next);
		unpause_call(&pool->common, ctx);
		if (ctx->conn != NULL)
			ctx->conn->ctx = NULL;
		break;
	}
	ctx->req = NULL;
	ctx->conn = NULL;
	ctx->evcon = NULL;
	ctx->state = EVRPC_CTX_NEW;
}

void
evrpc_pool_free(struct evrpc_pool *pool)
{
	struct evrpc_request_wrapper *ctx;
	struct evrpc_pool_conn *conn;

	if (pool == NULL)
		return;
	/* Requests still waiting or on the way are dropped without their
	 * callbacks, as in libevent (which leaves those on the way with
	 * their timers pending). */
	while ((ctx = TAILQ_FIRST(&pool->queued)) != NULL) {
		ctx_detach(ctx);
		ctx_free(ctx);
	}
	while ((ctx = TAILQ_FIRST(&pool->active)) != NULL) {
		ctx_detach(ctx);
		ctx_free(ctx);
	}
	while ((conn = TAILQ_FIRST(&pool->connections)) != NULL) {
		TAILQ_REMOVE(&pool->connections, conn, next);
		evhttp_connection_free(conn->evcon);
		mm_free(conn);
	}
	hooks_clear(&pool->common);
	mm_free(pool);
}

void
evrpc_pool_add_connection(struct evrpc_pool *pool,
    struct evhttp_connection *evcon)
{
	struct evrpc_pool_conn *conn;

	if (pool == NULL || evcon == NULL) {
		event_warnx("%s: bad arguments", __func__);
		return;
	}
	if (evhttp_connection_get_server(evcon) != NULL) {
		event_warnx("%s: a server's connection cannot be a client's",
		    __func__);
		return;
	}
	/* libevent moves every connection to the pool's base and aborts
	 * on one that has a base already, i.e. every connection made with
	 * evhttp_connection_base_new.  Here a connection on the pool's
	 * base is taken as it is, and one elsewhere is moved while it has
	 * no socket yet. */
	if (pool->base != NULL && evcon->base != pool->base) {
		if (evcon->state == EVCON_DISCONNECTED &&
		    TAILQ_EMPTY(&evcon->requests))
			evhttp_connection_set_base(evcon, pool->base);
		else
			event_warnx("%s: the connection stays on its own "
			            "event base",
			    __func__);
	}
	if ((conn = mm_calloc(1, sizeof(*conn))) == NULL) {
		/* The pool was given it: it goes with the pool's memory. */
		event_warn("%s: calloc", __func__);
		evhttp_connection_free(evcon);
		return;
	}
	conn->evcon = evcon;
	/* A connection without a timeout of its own takes the pool's. */
	if (pool->timeout > 0 && evcon->timeout.tv_sec == -1)
		evhttp_connection_set_timeout(evcon, pool->timeout);
	TAILQ_INSERT_TAIL(&pool->connections, conn, next);
	pool_schedule(pool);
}

void
evrpc_pool_remove_connection(struct evrpc_pool *pool,
    struct evhttp_connection *evcon)
{
	struct evrpc_pool_conn *conn;

	if (pool == NULL)
		return;
	TAILQ_FOREACH(conn, &pool->connections, next) {
		if (conn->evcon == evcon)
			break;
	}
	if (conn == NULL)
		return;
	/* A request on it goes on there; it just frees no slot when done. */
	if (conn->ctx != NULL)
		conn->ctx->conn = NULL;
	TAILQ_REMOVE(&pool->connections, conn, next);
	mm_free(conn);
}

void
evrpc_pool_set_timeout(struct evrpc_pool *pool, int timeout_in_secs)
{
	struct evrpc_pool_conn *conn;

	if (pool == NULL)
		return;
	TAILQ_FOREACH(conn, &pool->connections, next)
		evhttp_connection_set_timeout(conn->evcon, timeout_in_secs);
	pool->timeout = timeout_in_secs;
}

struct evrpc_request_wrapper *
evrpc_make_request_ctx(struct evrpc_pool *pool, void *request, void *reply,
    const char *rpcname, void (*req_marshal)(struct evbuffer *, void *),
    void (*rpl_clear)(void *), int (*rpl_unmarshal)(void *, struct evbuffer *),
    void (*cb)(struct evrpc_status *, void *, void *, void *), void *cbarg)
{
	struct evrpc_request_wrapper *ctx;

	if (rpcname == NULL || req_marshal == NULL || rpl_clear == NULL ||
	    rpl_unmarshal == NULL) {
		event_warnx("%s: bad arguments", __func__);
		return NULL;
	}
	if ((ctx = mm_calloc(1, sizeof(*ctx))) == NULL) {
		event_warn("%s: calloc", __func__);
		return NULL;
	}
	if ((ctx->name = mm_strdup(rpcname)) == NULL) {
		event_warn("%s: strdup", __func__);
		mm_free(ctx);
		return NULL;
	}
	ctx->state = EVRPC_CTX_NEW;
	ctx->pool = pool;
	ctx->request = request;
	ctx->reply = reply;
	ctx->request_marshal = req_marshal;
	ctx->reply_clear = rpl_clear;
	ctx->reply_unmarshal = rpl_unmarshal;
	ctx->cb = cb;
	ctx->cb_arg = cbarg;
	return ctx;
}

struct evrpc_pool *
evrpc_request_get_pool(struct evrpc_request_wrapper *ctx)
{
	return ctx->pool;
}

void
evrpc_request_set_pool(struct evrpc_request_wrapper *ctx,
    struct evrpc_pool *pool)
{
	if (ctx->state != EVRPC_CTX_NEW) {
		event_warnx("%s: the request is made already", __func__);
		return;
	}
	ctx->pool = pool;
}

void
evrpc_request_set_cb(struct evrpc_request_wrapper *ctx,
    void (*cb)(struct evrpc_status *, void *request, void *reply, void *arg),
    void *cb_arg)
{
	ctx->cb = cb;
	ctx->cb_arg = cb_arg;
}

static void
ctx_free(struct evrpc_request_wrapper *ctx)
{
	meta_free(ctx->hook_meta);
	mm_free(ctx->name);
	mm_free(ctx);
}

/* Ends ctx with status error (req: the reply, or NULL): its connection
 * is free again, the user's callback runs, ctx is freed and the next
 * queued request goes out. */
static void
ctx_finish(struct evrpc_request_wrapper *ctx, int error,
    struct evhttp_request *req)
{
	struct evrpc_pool *pool = ctx->pool;
	struct evhttp_request *owned = NULL;
	struct evrpc_status status;

	/* A request that was never made, or that the pause made ours,
	 * is freed here; evhttp frees the others after this returns. */
	if (ctx->state == EVRPC_CTX_HOOKS_OUT ||
	    ctx->state == EVRPC_CTX_HOOKS_IN)
		owned = ctx->req;
	ctx->req = NULL;
	ctx_detach(ctx);

	memset(&status, 0, sizeof(status));
	status.error = error;
	status.http_req = req;
	if (ctx->cb != NULL)
		ctx->cb(&status, ctx->request, ctx->reply, ctx->cb_arg);
	ctx_free(ctx);
	if (owned != NULL)
		evhttp_request_free(owned);
	if (pool != NULL && !pool->scheduling)
		pool_schedule(pool);
}

/* The input hooks are through: read the reply. */
static void
reply_input_done(void *arg, enum EVRPC_HOOK_RESULT res)
{
	struct evrpc_request_wrapper *ctx = arg;
	struct evhttp_request *req = ctx->req;
	int error = EVRPC_STATUS_ERR_NONE;

	if (req == NULL) {
		/* evhttp failed it: timeout, refused, closed. */
		error = EVRPC_STATUS_ERR_TIMEOUT;
	} else if (res == EVRPC_TERMINATE) {
		error = EVRPC_STATUS_ERR_HOOKABORTED;
	} else if (evhttp_request_get_response_code(req) != HTTP_OK ||
	    ctx->reply_unmarshal(ctx->reply,
	        evhttp_request_get_input_buffer(req)) == -1) {
		/* libevent reads the body of any status; a 503 without
		 * one would pass as an empty reply. */
		error = EVRPC_STATUS_ERR_BADPAYLOAD;
	}
	if (error != EVRPC_STATUS_ERR_NONE)
		ctx->reply_clear(ctx->reply);
	ctx_finish(ctx, error, req);
}

/* evhttp's callback: the reply, or NULL when the request failed. */
static void
reply_cb(struct evhttp_request *req, void *arg)
{
	struct evrpc_request_wrapper *ctx = arg;
	struct evrpc_pool *pool = ctx->pool;
	int res;

	event_del(&ctx->ev_timeout);
	ctx->req = req;
	if (req == NULL) {
		reply_input_done(ctx, EVRPC_CONTINUE);
		return;
	}
	res = hooks_run_then(&pool->common, &pool->common.in_hooks, ctx,
	    &ctx->hook_meta, ctx->evcon, req,
	    evhttp_request_get_input_buffer(req), reply_input_done);
	if (res == 1) {
		/* evhttp frees req when this returns, unless it is ours. */
		evhttp_request_own(req);
		ctx->state = EVRPC_CTX_HOOKS_IN;
	} else if (res == -1) {
		reply_input_done(ctx, EVRPC_TERMINATE);
	}
}

/* The pool's timer: the request is cancelled on its connection. */
static void
request_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	struct evrpc_request_wrapper *ctx = arg;
	struct evhttp_request *req = ctx->req;

	(void)fd;
	(void)what;
	/* evhttp resets the connection and frees req without calling
	 * reply_cb. */
	ctx->req = NULL;
	evhttp_cancel_request(req);
	ctx_finish(ctx, EVRPC_STATUS_ERR_TIMEOUT, NULL);
}

/* The output hooks are through: send the request. */
static void
request_output_done(void *arg, enum EVRPC_HOOK_RESULT res)
{
	struct evrpc_request_wrapper *ctx = arg;
	struct evrpc_pool *pool = ctx->pool;
	struct evhttp_request *req = ctx->req;
	char *uri;

	/* libevent reports a request its output hooks stopped as
	 * EVRPC_STATUS_ERR_UNSTARTED. */
	if (res == EVRPC_TERMINATE) {
		ctx_finish(ctx, EVRPC_STATUS_ERR_HOOKABORTED, NULL);
		return;
	}
	if ((uri = rpc_uri(ctx->name)) == NULL) {
		ctx_finish(ctx, EVRPC_STATUS_ERR_UNSTARTED, NULL);
		return;
	}
	if (pool->timeout > 0) {
		struct timeval tv = { pool->timeout, 0 };

		evtimer_add(&ctx->ev_timeout, &tv);
	}
	/* evhttp frees req if it cannot take it. */
	ctx->state = EVRPC_CTX_SENT;
	if (evhttp_make_request(ctx->evcon, req, EVHTTP_REQ_POST, uri) == -1) {
		ctx->req = NULL;
		mm_free(uri);
		ctx_finish(ctx, EVRPC_STATUS_ERR_UNSTARTED, NULL);
		return;
	}
	mm_free(uri);
}

/* Starts ctx on the idle connection conn. */
static void
request_start(struct evrpc_pool_conn *conn, struct evrpc_request_wrapper *ctx)
{
	struct evrpc_pool *pool = ctx->pool;
	struct event_base *base = pool->base;
	struct evhttp_request *req;

	TAILQ_REMOVE(&pool->queued, ctx, next);
	TAILQ_INSERT_TAIL(&pool->active, ctx, next);
	ctx->state = EVRPC_CTX_HOOKS_OUT;
	ctx->conn = conn;
	conn->ctx = ctx;
	ctx->evcon = conn->evcon;
	if (base == NULL)
		base = evhttp_connection_get_base(ctx->evcon);
	evtimer_assign(&ctx->ev_timeout, base, request_timeout_cb, ctx);

	if ((req = evhttp_request_new(reply_cb, ctx)) == NULL) {
		ctx_finish(ctx, EVRPC_STATUS_ERR_UNSTARTED, NULL);
		return;
	}
	ctx->req = req;
	ctx->request_marshal(evhttp_request_get_output_buffer(req),
	    ctx->request);
	if (hooks_run_then(&pool->common, &pool->common.out_hooks, ctx,
	        &ctx->hook_meta, ctx->evcon, req,
	        evhttp_request_get_output_buffer(req),
	        request_output_done) == -1)
		ctx_finish(ctx, EVRPC_STATUS_ERR_UNSTARTED, NULL);
}

/* Sends queued requests while a connection is idle. */
static void
pool_schedule(struct evrpc_pool *pool)
{
	struct evrpc_request_wrapper *ctx;
	struct evrpc_pool_conn *conn;

	if (pool->scheduling)
		return;
	pool->scheduling = 1;
	while ((ctx = TAILQ_FIRST(&pool->queued)) != NULL) {
		TAILQ_FOREACH(conn, &pool->connections, next) {
			if (conn->ctx == NULL)
				break;
		}
		if (conn == NULL)
			break;
		request_start(conn, ctx);
	}
	pool->scheduling = 0;
}

int
evrpc_make_request(struct evrpc_request_wrapper *ctx)
{
	struct evrpc_pool *pool;

	if (ctx == NULL)
		return -1;
	if ((pool = ctx->pool) == NULL || ctx->state != EVRPC_CTX_NEW) {
		event_warnx("%s: %s", __func__,
		    pool == NULL ? "no pool" : "made already");
		if (ctx->state == EVRPC_CTX_NEW)
			ctx_finish(ctx, EVRPC_STATUS_ERR_UNSTARTED, NULL);
		return -1;
	}
	/* libevent asserts that the pool has a connection; here the
	 * request waits for evrpc_pool_add_connection. */
	ctx->state = EVRPC_CTX_QUEUED;
	TAILQ_INSERT_TAIL(&pool->queued, ctx, next);
	pool_schedule(pool);
	return 0;
}

int
evrpc_send_request_generic(struct evrpc_pool *pool, void *request, void *reply,
    void (*cb)(struct evrpc_status *, void *, void *, void *), void *cb_arg,
    const char *rpcname, void (*req_marshal)(struct evbuffer *, void *),
    void (*rpl_clear)(void *), int (*rpl_unmarshal)(void *, struct evbuffer *))
{
	struct evrpc_request_wrapper *ctx;
	struct evrpc_status status;

	ctx = evrpc_make_request_ctx(pool, request, reply, rpcname, req_marshal,
	    rpl_clear, rpl_unmarshal, cb, cb_arg);
	if (ctx == NULL) {
		memset(&status, 0, sizeof(status));
		status.error = EVRPC_STATUS_ERR_UNSTARTED;
		if (cb != NULL)
			cb(&status, request, reply, cb_arg);
		return -1;
	}
	return evrpc_make_request(ctx);
}
