/*
 * check_rpc.c: RPC servers and client pools (event2/rpc.h) over loopback.
 *
 * Each test has one base with an evhttp on 127.0.0.1 (port 0), an
 * evrpc_base serving "Echo" and a pool of client connections to it.
 * The message types are written by hand here in the shape the generator
 * gives them (a table of accessors behind `base`), so that the public
 * macros (EVRPC_HEADER, EVRPC_GENERATE, EVRPC_REGISTER, EVTAG_*) are
 * what the tests use.  Echo answers n with 2n; some values of n make the
 * server hold the call or leave the reply incomplete.
 *
 * The file builds against libevent 2.1 too (tests/libevent-reference.sh);
 * what evkit does differently on purpose is under #ifndef EVKIT_REFERENCE.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/event_compat.h>
#include <event2/http.h>
#include <event2/http_compat.h>
#include <event2/keyvalq_struct.h>
#include <event2/rpc.h>
#include <event2/rpc_struct.h>
#include <event2/util.h>

#include "check-internal.h"

#define WAIT_MS 5000
#define MAXCALLS 32

/* ---- A message type: one required 32-bit number ---- */

/* The wire form is the number, 4 bytes big-endian, and nothing else. */
#define DEFINE_MSG(name)                                                     \
	struct name;                                                         \
	struct name##_access_ {                                              \
		int (*n_assign)(struct name *, ev_uint32_t);                 \
		int (*n_get)(struct name *, ev_uint32_t *);                  \
	};                                                                   \
	struct name {                                                        \
		struct name##_access_ *base;                                 \
		ev_uint32_t n_data;                                          \
		ev_uint8_t n_set;                                            \
	};                                                                   \
	static int name##_n_assign(struct name *m, ev_uint32_t v)            \
	{                                                                    \
		m->n_data = v;                                               \
		m->n_set = 1;                                                \
		return 0;                                                    \
	}                                                                    \
	static int name##_n_get(struct name *m, ev_uint32_t *v)              \
	{                                                                    \
		if (m->n_set != 1)                                           \
			return -1;                                           \
		*v = m->n_data;                                              \
		return 0;                                                    \
	}                                                                    \
	static struct name##_access_ name##_base__ = { name##_n_assign,      \
		name##_n_get };                                              \
	static struct name *name##_new(void)                                 \
	{                                                                    \
		struct name *m = calloc(1, sizeof(*m));                      \
		if (m != NULL)                                               \
			m->base = &name##_base__;                            \
		return m;                                                    \
	}                                                                    \
	static void *name##_new_with_arg(void *unused)                       \
	{                                                                    \
		(void)unused;                                                \
		return name##_new();                                         \
	}                                                                    \
	static void name##_free(struct name *m)                              \
	{                                                                    \
		free(m);                                                     \
	}                                                                    \
	static inline void name##_clear(struct name *m)                      \
	{                                                                    \
		m->n_set = 0;                                                \
		m->n_data = 0;                                               \
	}                                                                    \
	static inline int name##_complete(struct name *m)                    \
	{                                                                    \
		return m->n_set ? 0 : -1;                                    \
	}                                                                    \
	static void name##_marshal(struct evbuffer *b, const struct name *m) \
	{                                                                    \
		ev_uint32_t be = htonl(m->n_data);                           \
		evbuffer_add(b, &be, 4);                                     \
	}                                                                    \
	static int name##_unmarshal(struct name *m, struct evbuffer *b)      \
	{                                                                    \
		ev_uint32_t be;                                              \
		if (evbuffer_get_length(b) != 4 ||                           \
		    evbuffer_remove(b, &be, 4) != 4)                         \
			return -1;                                           \
		m->n_data = ntohl(be);                                       \
		m->n_set = 1;                                                \
		return 0;                                                    \
	}

DEFINE_MSG(ping)
DEFINE_MSG(pong)

EVRPC_HEADER(Echo, ping, pong)
EVRPC_GENERATE(Echo, ping, pong)

/* Values of n the server treats specially. */
#define N_HOLD 1000     /* the call waits in srv.held until the test ends it */
#define N_INCOMPLETE 77 /* the reply is left without n */

/* ---- The rig: server, pool, results ---- */

struct result {
	int error;
	ev_uint32_t n;
	int had_http_req;
	char content_type[64];
};

static struct rig {
	struct event_base *base;
	struct evhttp *http;
	struct evrpc_base *rpc;
	struct evrpc_pool *pool;
	ev_uint16_t port;
	struct evhttp_connection *conns[4];
	int nconns;
	/* server side */
	int served;
	EVRPC_STRUCT(Echo) * held[MAXCALLS];
	int nheld;
	struct evhttp_connection *srv_conns[MAXCALLS];
	int nsrv_conns;
	char meta_seen[32];
	/* client side */
	struct result res[MAXCALLS];
	int done;
	int out_hooked;
	struct evhttp_connection *cli_conns[MAXCALLS];
	int ncli_conns;
	void *paused_ctx;
	int paused;
} R;

static struct evhttp_connection *
new_conn(void)
{
	struct evhttp_connection *evcon;

#ifdef EVKIT_REFERENCE
	/* libevent aborts on a connection that has a base already. */
	evcon = evhttp_connection_new("127.0.0.1", R.port);
#else
	evcon = evhttp_connection_base_new(R.base, NULL, "127.0.0.1", R.port);
#endif
	ck_assert_ptr_nonnull(evcon);
	return evcon;
}

static void
note_conn(struct evhttp_connection **list, int *n, struct evhttp_connection *c)
{
	int i;

	for (i = 0; i < *n; i++)
		if (list[i] == c)
			return;
	ck_assert_int_lt(*n, MAXCALLS);
	list[(*n)++] = c;
}

static void
echo_cb(EVRPC_STRUCT(Echo) * call, void *arg)
{
	ev_uint32_t n = 0;

	ck_assert_ptr_eq(arg, &R);
	ck_assert_int_eq(EVTAG_HAS(call->request, n), 1);
	ck_assert_int_eq(EVTAG_GET(call->request, n, &n), 0);
	ck_assert_ptr_eq(evrpc_get_request((struct evrpc_req_generic *)call),
	    call->request);
	ck_assert_ptr_eq(evrpc_get_reply((struct evrpc_req_generic *)call),
	    call->reply);
	note_conn(R.srv_conns, &R.nsrv_conns,
	    evhttp_request_get_connection(EVRPC_REQUEST_HTTP(call)));
	R.served++;
	if (n == N_HOLD) {
		ck_assert_int_lt(R.nheld, MAXCALLS);
		R.held[R.nheld++] = call;
		return;
	}
	if (n != N_INCOMPLETE)
		EVTAG_ASSIGN(call->reply, n, 2 * n);
	EVRPC_REQUEST_DONE(call);
}

static void
rig_up(int nconns)
{
	struct evhttp_bound_socket *b;
	struct sockaddr_in sin;
	ev_socklen_t len = sizeof(sin);
	int i;

	signal(SIGPIPE, SIG_IGN);
	memset(&R, 0, sizeof(R));
#ifdef EVKIT_REFERENCE
	/* libevent's evhttp_connection_new needs event_init's base. */
	R.base = event_init();
#else
	R.base = evkit_new_base();
#endif
	R.http = evhttp_new(R.base);
	ck_assert_ptr_nonnull(R.http);
	b = evhttp_bind_socket_with_handle(R.http, "127.0.0.1", 0);
	ck_assert_ptr_nonnull(b);
	ck_assert_int_eq(getsockname(evhttp_bound_socket_get_fd(b),
	                     (struct sockaddr *)&sin, &len),
	    0);
	R.port = ntohs(sin.sin_port);
	R.rpc = evrpc_init(R.http);
	ck_assert_ptr_nonnull(R.rpc);
	ck_assert_int_eq(EVRPC_REGISTER(R.rpc, Echo, ping, pong, echo_cb, &R),
	    0);
	R.pool = evrpc_pool_new(R.base);
	ck_assert_ptr_nonnull(R.pool);
	for (i = 0; i < nconns; i++) {
		R.conns[i] = new_conn();
		evrpc_pool_add_connection(R.pool, R.conns[i]);
	}
	R.nconns = nconns;
}

/* Ends the calls the server holds (their clients may be gone). */
static void
release_held(void)
{
	int i;

	for (i = 0; i < R.nheld; i++) {
		EVTAG_ASSIGN(R.held[i]->reply, n, 1);
		EVRPC_REQUEST_DONE(R.held[i]);
	}
	R.nheld = 0;
}

static void
rig_down(void)
{
	release_held();
	evrpc_pool_free(R.pool);
	evrpc_free(R.rpc);
	evhttp_free(R.http);
	/* The finalizers of the connections' events run in the loop. */
	event_base_loop(R.base, EVLOOP_NONBLOCK);
	evkit_free_base(R.base);
}

static void
done_cb(struct evrpc_status *status, struct ping *req, struct pong *reply,
    void *arg)
{
	struct result *r = arg;
	const char *ct;

	(void)req;
	r->error = status->error;
	r->had_http_req = status->http_req != NULL;
	if (status->http_req != NULL &&
	    (ct = evhttp_find_header(evhttp_request_get_input_headers(
	                                 status->http_req),
	         "Content-Type")) != NULL)
		snprintf(r->content_type, sizeof(r->content_type), "%s", ct);
	if (status->error == EVRPC_STATUS_ERR_NONE)
		ck_assert_int_eq(EVTAG_GET(reply, n, &r->n), 0);
	else
		ck_assert_int_eq(EVTAG_HAS(reply, n), 0);
	R.done++;
}

/* Sends Echo(n) with its result in R.res[i]; the messages are freed at
 * the end of the test (send_free). */
static struct ping *reqs[MAXCALLS];
static struct pong *replies[MAXCALLS];

static int
send_echo(int i, ev_uint32_t n)
{
	reqs[i] = ping_new();
	replies[i] = pong_new();
	R.res[i].error = -1;
	EVTAG_ASSIGN(reqs[i], n, n);
	return EVRPC_MAKE_REQUEST(Echo, R.pool, reqs[i], replies[i], done_cb,
	    &R.res[i]);
}

static void
send_free(void)
{
	int i;

	for (i = 0; i < MAXCALLS; i++) {
		if (reqs[i] != NULL)
			ping_free(reqs[i]);
		if (replies[i] != NULL)
			pong_free(replies[i]);
		reqs[i] = NULL;
		replies[i] = NULL;
	}
}

/* Runs the loop until n calls are done (bounded by WAIT_MS). */
static void
wait_done(int n)
{
	double start = evkit_now_ms();
	int never = 0;

	while (R.done < n) {
		ck_assert_msg(evkit_now_ms() - start < WAIT_MS,
		    "%d of %d calls done", R.done, n);
		evkit_loop_until(R.base, &never, 1, WAIT_MS);
	}
}

/* ---- Tests ---- */

START_TEST(test_echo)
{
	rig_up(1);
	ck_assert_int_eq(send_echo(0, 21), 0);
	wait_done(1);
	ck_assert_int_eq(R.res[0].error, EVRPC_STATUS_ERR_NONE);
	ck_assert_uint_eq(R.res[0].n, 42);
	ck_assert_int_eq(R.res[0].had_http_req, 1);
	ck_assert_str_eq(R.res[0].content_type, "application/octet-stream");
	/* The connection is kept for the next call. */
	ck_assert_int_eq(send_echo(1, 5), 0);
	wait_done(2);
	ck_assert_uint_eq(R.res[1].n, 10);
	ck_assert_int_eq(R.nsrv_conns, 1);
	send_free();
	rig_down();
}
END_TEST

static int
count_out_hook(void *ctx, struct evhttp_request *req, struct evbuffer *buf,
    void *arg)
{
	(void)req;
	(void)buf;
	(void)arg;
	R.out_hooked++;
	note_conn(R.cli_conns, &R.ncli_conns, evrpc_hook_get_connection(ctx));
	return EVRPC_CONTINUE;
}

/* One connection: the second and third requests wait in the pool until
 * the first is answered. */
START_TEST(test_queue)
{
	int i;

	rig_up(1);
	ck_assert_ptr_nonnull(
	    evrpc_add_hook(R.pool, EVRPC_OUTPUT, count_out_hook, NULL));
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(send_echo(i, i + 1), 0);
	ck_assert_int_eq(R.out_hooked, 1);
	wait_done(1);
	ck_assert_int_ge(R.out_hooked, 2);
	wait_done(3);
	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(R.res[i].error, EVRPC_STATUS_ERR_NONE);
		ck_assert_uint_eq(R.res[i].n, 2 * (i + 1));
	}
	ck_assert_int_eq(R.out_hooked, 3);
	ck_assert_int_eq(R.ncli_conns, 1);
	ck_assert_ptr_eq(R.cli_conns[0], R.conns[0]);
	send_free();
	rig_down();
}
END_TEST

/* Three connections, ten requests: three go out at once, all are
 * answered, over the three connections. */
START_TEST(test_pool_conns)
{
	int i, j;

	rig_up(3);
	ck_assert_ptr_nonnull(
	    evrpc_add_hook(R.pool, EVRPC_OUTPUT, count_out_hook, NULL));
	for (i = 0; i < 10; i++)
		ck_assert_int_eq(send_echo(i, 100 + i), 0);
	ck_assert_int_eq(R.out_hooked, 3);
	wait_done(10);
	for (i = 0; i < 10; i++) {
		ck_assert_int_eq(R.res[i].error, EVRPC_STATUS_ERR_NONE);
		ck_assert_uint_eq(R.res[i].n, 2 * (100 + i));
	}
	ck_assert_int_eq(R.out_hooked, 10);
	ck_assert_int_eq(R.ncli_conns, 3);
	for (i = 0; i < 3; i++) {
		for (j = 0; j < 3; j++)
			if (R.cli_conns[i] == R.conns[j])
				break;
		ck_assert_int_lt(j, 3);
	}
	ck_assert_int_eq(R.nsrv_conns, 3);
	send_free();
	rig_down();
}
END_TEST

/* ---- Hooks and meta data ---- */

static int
cli_out_hook(void *ctx, struct evhttp_request *req, struct evbuffer *buf,
    void *arg)
{
	(void)arg;
	ck_assert_int_eq(evbuffer_get_length(buf), 4);
	ck_assert_ptr_eq(evrpc_hook_get_connection(ctx), R.conns[0]);
	evhttp_add_header(evhttp_request_get_output_headers(req), "X-Rpc-Hook",
	    "out");
	evrpc_hook_add_meta(ctx, "client", "c-meta", 7);
	return EVRPC_CONTINUE;
}

static int
srv_in_hook(void *ctx, struct evhttp_request *req, struct evbuffer *buf,
    void *arg)
{
	const char *h =
	    evhttp_find_header(evhttp_request_get_input_headers(req),
	        "X-Rpc-Hook");

	(void)arg;
	ck_assert_ptr_nonnull(h);
	ck_assert_str_eq(h, "out");
	ck_assert_int_eq(evbuffer_get_length(buf), 4);
	ck_assert_ptr_eq(evrpc_hook_get_connection(ctx),
	    evhttp_request_get_connection(req));
	evrpc_hook_add_meta(ctx, "server", "s-meta", 7);
	return EVRPC_CONTINUE;
}

static int
srv_out_hook(void *ctx, struct evhttp_request *req, struct evbuffer *buf,
    void *arg)
{
	void *data;
	size_t size;

	(void)arg;
	ck_assert_int_eq(evbuffer_get_length(buf), 4);
	/* The meta data of the input hook is still there. */
	ck_assert_int_eq(evrpc_hook_find_meta(ctx, "server", &data, &size), 0);
	snprintf(R.meta_seen, sizeof(R.meta_seen), "%s", (char *)data);
	ck_assert_int_eq(evrpc_hook_find_meta(ctx, "client", &data, &size), -1);
	evhttp_add_header(evhttp_request_get_output_headers(req), "X-Rpc-Hook",
	    "reply");
	return EVRPC_CONTINUE;
}

static int
cli_in_hook(void *ctx, struct evhttp_request *req, struct evbuffer *buf,
    void *arg)
{
	void *data;
	size_t size = 0;
	const char *h =
	    evhttp_find_header(evhttp_request_get_input_headers(req),
	        "X-Rpc-Hook");

	(void)arg;
	(void)buf;
	ck_assert_ptr_nonnull(h);
	ck_assert_str_eq(h, "reply");
	/* What the output hook attached travels with the request. */
	ck_assert_int_eq(evrpc_hook_find_meta(ctx, "client", &data, &size), 0);
	ck_assert_uint_eq(size, 7);
	ck_assert_str_eq((char *)data, "c-meta");
	ck_assert_int_eq(evrpc_hook_find_meta(ctx, "nothing", &data, &size),
	    -1);
	return EVRPC_CONTINUE;
}

START_TEST(test_hooks_meta)
{
	void *h[4];

	rig_up(1);
	h[0] = evrpc_add_hook(R.pool, EVRPC_OUTPUT, cli_out_hook, NULL);
	h[1] = evrpc_add_hook(R.pool, EVRPC_INPUT, cli_in_hook, NULL);
	h[2] = evrpc_add_hook(R.rpc, EVRPC_INPUT, srv_in_hook, NULL);
	h[3] = evrpc_add_hook(R.rpc, EVRPC_OUTPUT, srv_out_hook, NULL);
	ck_assert_ptr_nonnull(h[0]);
	ck_assert_ptr_nonnull(h[3]);
	ck_assert_int_eq(send_echo(0, 3), 0);
	wait_done(1);
	ck_assert_int_eq(R.res[0].error, EVRPC_STATUS_ERR_NONE);
	ck_assert_uint_eq(R.res[0].n, 6);
	ck_assert_str_eq(R.meta_seen, "s-meta");
	/* Removing: found once, then not. */
	ck_assert_int_eq(evrpc_remove_hook(R.pool, EVRPC_OUTPUT, h[0]), 1);
	ck_assert_int_eq(evrpc_remove_hook(R.pool, EVRPC_OUTPUT, h[0]), 0);
	ck_assert_int_eq(evrpc_remove_hook(R.pool, EVRPC_INPUT, h[1]), 1);
	ck_assert_int_eq(evrpc_remove_hook(R.rpc, EVRPC_INPUT, h[2]), 1);
	ck_assert_int_eq(evrpc_remove_hook(R.rpc, EVRPC_OUTPUT, h[3]), 1);
	/* Without hooks, no meta data and no header. */
	ck_assert_int_eq(send_echo(1, 4), 0);
	wait_done(2);
	ck_assert_uint_eq(R.res[1].n, 8);
	send_free();
	rig_down();
}
END_TEST

/* ---- Pause and resume ---- */

static int
pause_hook(void *ctx, struct evhttp_request *req, struct evbuffer *buf,
    void *arg)
{
	(void)req;
	(void)buf;
	(void)arg;
	R.paused_ctx = ctx;
	R.paused++;
	return EVRPC_PAUSE;
}

static int
terminate_hook(void *ctx, struct evhttp_request *req, struct evbuffer *buf,
    void *arg)
{
	(void)ctx;
	(void)req;
	(void)buf;
	(void)arg;
	return EVRPC_TERMINATE;
}

/* Pauses in the hook of kind `type` on `where` (the pool or the server),
 * then resumes with `res`; returns the call's status. */
static int
paused_call(void *where, enum EVRPC_HOOK_TYPE type, enum EVRPC_HOOK_RESULT res)
{
	int i = R.done;
	void *h = evrpc_add_hook(where, type, pause_hook, NULL);

	ck_assert_ptr_nonnull(h);
	R.paused = 0;
	ck_assert_int_eq(send_echo(i, 9), 0);
	ck_assert_int_eq(evkit_loop_until(R.base, &R.paused, 0, WAIT_MS), 0);
	ck_assert_int_eq(R.done, i);
	ck_assert_int_eq(evrpc_resume_request(where, R.paused_ctx, res), 0);
	/* Once resumed, it is no longer paused. */
	ck_assert_int_eq(evrpc_resume_request(where, R.paused_ctx, res), -1);
	wait_done(i + 1);
	ck_assert_int_eq(evrpc_remove_hook(where, type, h), 1);
	if (R.res[i].error == EVRPC_STATUS_ERR_NONE)
		ck_assert_uint_eq(R.res[i].n, 18);
	return R.res[i].error;
}

START_TEST(test_pause_resume)
{
	rig_up(1);
	ck_assert_int_eq(paused_call(R.pool, EVRPC_OUTPUT, EVRPC_CONTINUE),
	    EVRPC_STATUS_ERR_NONE);
	ck_assert_int_eq(paused_call(R.rpc, EVRPC_INPUT, EVRPC_CONTINUE),
	    EVRPC_STATUS_ERR_NONE);
	ck_assert_int_eq(paused_call(R.rpc, EVRPC_OUTPUT, EVRPC_CONTINUE),
	    EVRPC_STATUS_ERR_NONE);
	ck_assert_int_eq(paused_call(R.pool, EVRPC_INPUT, EVRPC_CONTINUE),
	    EVRPC_STATUS_ERR_NONE);
	/* Resumed with EVRPC_TERMINATE: a server answers 503, which is no
	 * reply; a client's input side reports the hook. */
	ck_assert_int_eq(paused_call(R.rpc, EVRPC_INPUT, EVRPC_TERMINATE),
	    EVRPC_STATUS_ERR_BADPAYLOAD);
	ck_assert_int_eq(paused_call(R.rpc, EVRPC_OUTPUT, EVRPC_TERMINATE),
	    EVRPC_STATUS_ERR_BADPAYLOAD);
	ck_assert_int_eq(paused_call(R.pool, EVRPC_INPUT, EVRPC_TERMINATE),
	    EVRPC_STATUS_ERR_HOOKABORTED);
#ifndef EVKIT_REFERENCE
	/* libevent says ERR_UNSTARTED for the output side. */
	ck_assert_int_eq(paused_call(R.pool, EVRPC_OUTPUT, EVRPC_TERMINATE),
	    EVRPC_STATUS_ERR_HOOKABORTED);
#endif
	ck_assert_int_eq(evrpc_resume_request(R.pool, &R, EVRPC_CONTINUE), -1);
	/* The connection still works. */
	ck_assert_int_eq(send_echo(R.done, 2), 0);
	wait_done(R.done + 1);
	ck_assert_uint_eq(R.res[R.done - 1].n, 4);
	send_free();
	rig_down();
}
END_TEST

START_TEST(test_terminate)
{
	void *h;

	rig_up(1);
	h = evrpc_add_hook(R.rpc, EVRPC_INPUT, terminate_hook, NULL);
	ck_assert_int_eq(send_echo(0, 1), 0);
	wait_done(1);
	ck_assert_int_eq(R.res[0].error, EVRPC_STATUS_ERR_BADPAYLOAD);
	ck_assert_int_eq(R.served, 0);
	evrpc_remove_hook(R.rpc, EVRPC_INPUT, h);

	h = evrpc_add_hook(R.pool, EVRPC_INPUT, terminate_hook, NULL);
	ck_assert_int_eq(send_echo(1, 1), 0);
	wait_done(2);
	ck_assert_int_eq(R.res[1].error, EVRPC_STATUS_ERR_HOOKABORTED);
	ck_assert_int_eq(R.res[1].had_http_req, 1);
	evrpc_remove_hook(R.pool, EVRPC_INPUT, h);

	/* An output hook that stops the request: the callback runs before
	 * EVRPC_MAKE_REQUEST returns, and nothing is sent. */
	h = evrpc_add_hook(R.pool, EVRPC_OUTPUT, terminate_hook, NULL);
	ck_assert_int_eq(send_echo(2, 1), 0);
	ck_assert_int_eq(R.done, 3);
#ifdef EVKIT_REFERENCE
	ck_assert_int_eq(R.res[2].error, EVRPC_STATUS_ERR_UNSTARTED);
#else
	ck_assert_int_eq(R.res[2].error, EVRPC_STATUS_ERR_HOOKABORTED);
#endif
	ck_assert_int_eq(R.res[2].had_http_req, 0);
	evrpc_remove_hook(R.pool, EVRPC_OUTPUT, h);
	ck_assert_int_eq(R.served, 1);

	/* An incomplete reply is not sent: 503. */
	ck_assert_int_eq(send_echo(3, N_INCOMPLETE), 0);
	wait_done(4);
	ck_assert_int_eq(R.res[3].error, EVRPC_STATUS_ERR_BADPAYLOAD);
	send_free();
	rig_down();
}
END_TEST

/* ---- Timeouts ---- */

START_TEST(test_timeout)
{
	double t0;

	rig_up(1);
	evrpc_pool_set_timeout(R.pool, 1);
	t0 = evkit_coarse_ms();
	ck_assert_int_eq(send_echo(0, N_HOLD), 0);
	wait_done(1);
	ck_assert_int_eq(R.res[0].error, EVRPC_STATUS_ERR_TIMEOUT);
	ck_assert_int_eq(R.res[0].had_http_req, 0);
	ck_assert_double_ge(evkit_now_ms() - t0, 1000);
	ck_assert_int_eq(R.nheld, 1);
	/* The server answers late, to nobody: no harm.  The pool goes on. */
	release_held();
	ck_assert_int_eq(send_echo(1, 8), 0);
	wait_done(2);
	ck_assert_int_eq(R.res[1].error, EVRPC_STATUS_ERR_NONE);
	ck_assert_uint_eq(R.res[1].n, 16);
	send_free();
	rig_down();
}
END_TEST

/* ---- Registration ---- */

START_TEST(test_unregister)
{
	rig_up(1);
	ck_assert_int_eq(EVRPC_UNREGISTER(R.rpc, Echo), 0);
	ck_assert_int_eq(EVRPC_UNREGISTER(R.rpc, Echo), -1);
	ck_assert_int_eq(evrpc_unregister_rpc(R.rpc, "Nothing"), -1);
	/* Now a 404, which is no reply. */
	ck_assert_int_eq(send_echo(0, 1), 0);
	wait_done(1);
	ck_assert_int_eq(R.res[0].error, EVRPC_STATUS_ERR_BADPAYLOAD);
	ck_assert_int_eq(R.served, 0);
	ck_assert_int_eq(EVRPC_REGISTER(R.rpc, Echo, ping, pong, echo_cb, &R),
	    0);
	ck_assert_int_eq(send_echo(1, 2), 0);
	wait_done(2);
	ck_assert_int_eq(R.res[1].error, EVRPC_STATUS_ERR_NONE);
	ck_assert_uint_eq(R.res[1].n, 4);
	send_free();
	rig_down();
}
END_TEST

static int generic_calls;

static void
generic_cb(struct evrpc_req_generic *call, void *arg)
{
	struct ping *rq = evrpc_get_request(call);
	struct pong *rp = evrpc_get_reply(call);

	(void)arg;
	generic_calls++;
	EVTAG_ASSIGN(rp, n, rq->n_data + 1);
	evrpc_request_done(call);
}

/* The functions under the macros, by hand. */
START_TEST(test_generic)
{
	struct evrpc_request_wrapper *ctx;
	struct evrpc *rpc;

	rig_up(1);
	ck_assert_int_eq(evrpc_register_generic(R.rpc, "Inc", generic_cb, NULL,
	                     ping_new_with_arg, NULL,
	                     (void (*)(void *))ping_free,
	                     (int (*)(void *, struct evbuffer *))ping_unmarshal,
	                     pong_new_with_arg, NULL,
	                     (void (*)(void *))pong_free,
	                     (int (*)(void *))pong_complete,
	                     (void (*)(struct evbuffer *, void *))pong_marshal),
	    0);
	reqs[0] = ping_new();
	replies[0] = pong_new();
	EVTAG_ASSIGN(reqs[0], n, 41);
	ck_assert_int_eq(evrpc_send_request_generic(R.pool, reqs[0], replies[0],
	                     (void (*)(struct evrpc_status *, void *, void *,
	                         void *))done_cb,
	                     &R.res[0], "Inc",
	                     (void (*)(struct evbuffer *, void *))ping_marshal,
	                     (void (*)(void *))pong_clear,
	                     (int (*)(void *,
	                         struct evbuffer *))pong_unmarshal),
	    0);
	wait_done(1);
	ck_assert_int_eq(R.res[0].error, EVRPC_STATUS_ERR_NONE);
	ck_assert_uint_eq(R.res[0].n, 42);

	/* A context made first, its pool and callback set after. */
	reqs[1] = ping_new();
	replies[1] = pong_new();
	EVTAG_ASSIGN(reqs[1], n, 7);
	ctx = EVRPC_MAKE_CTX(Inc, ping, pong, NULL, reqs[1], replies[1], NULL,
	    NULL);
	ck_assert_ptr_nonnull(ctx);
	ck_assert_ptr_null(evrpc_request_get_pool(ctx));
	evrpc_request_set_pool(ctx, R.pool);
	ck_assert_ptr_eq(evrpc_request_get_pool(ctx), R.pool);
	evrpc_request_set_cb(ctx,
	    (void (*)(struct evrpc_status *, void *, void *, void *))done_cb,
	    &R.res[1]);
	ck_assert_int_eq(evrpc_make_request(ctx), 0);
	wait_done(2);
	ck_assert_uint_eq(R.res[1].n, 8);

	/* A struct evrpc filled in by the caller; the base frees it. */
	rpc = calloc(1, sizeof(*rpc));
	rpc->uri = strdup("Echo2");
	rpc->request_new = ping_new_with_arg;
	rpc->request_free = (void (*)(void *))ping_free;
	rpc->request_unmarshal =
	    (int (*)(void *, struct evbuffer *))ping_unmarshal;
	rpc->reply_new = pong_new_with_arg;
	rpc->reply_free = (void (*)(void *))pong_free;
	rpc->reply_complete = (int (*)(void *))pong_complete;
	rpc->reply_marshal = (void (*)(struct evbuffer *, void *))pong_marshal;
	ck_assert_int_eq(evrpc_register_rpc(R.rpc, rpc, generic_cb, NULL), 0);
	ck_assert_ptr_eq(rpc->base, R.rpc);
	reqs[2] = ping_new();
	replies[2] = pong_new();
	EVTAG_ASSIGN(reqs[2], n, 99);
	ck_assert_int_eq(evrpc_send_request_generic(R.pool, reqs[2], replies[2],
	                     (void (*)(struct evrpc_status *, void *, void *,
	                         void *))done_cb,
	                     &R.res[2], "Echo2",
	                     (void (*)(struct evbuffer *, void *))ping_marshal,
	                     (void (*)(void *))pong_clear,
	                     (int (*)(void *,
	                         struct evbuffer *))pong_unmarshal),
	    0);
	wait_done(3);
	ck_assert_uint_eq(R.res[2].n, 100);
	ck_assert_int_eq(generic_calls, 3);
	ck_assert_int_eq(evrpc_unregister_rpc(R.rpc, "Inc"), 0);
	send_free();
	rig_down();
}
END_TEST

/* ---- Bad input from the peer ---- */

static int raw_code;
static int raw_done;

static void
raw_cb(struct evhttp_request *req, void *arg)
{
	(void)arg;
	raw_code = req != NULL ? evhttp_request_get_response_code(req) : -1;
	raw_done = 1;
}

/* Sends body (NULL: none) with method to path on a plain HTTP
 * connection; returns the response code. */
static int
raw_request(enum evhttp_cmd_type method, const char *path, const char *body,
    size_t len)
{
	struct evhttp_connection *evcon =
	    evhttp_connection_base_new(R.base, NULL, "127.0.0.1", R.port);
	struct evhttp_request *req = evhttp_request_new(raw_cb, NULL);

	if (body != NULL)
		evbuffer_add(evhttp_request_get_output_buffer(req), body, len);
	raw_done = 0;
	ck_assert_int_eq(evhttp_make_request(evcon, req, method, path), 0);
	ck_assert_int_eq(evkit_loop_until(R.base, &raw_done, 0, WAIT_MS), 0);
	evhttp_connection_free(evcon);
	return raw_code;
}

START_TEST(test_malformed_request)
{
	static const char four[4] = { 0, 0, 0, 5 };

	rig_up(1);
	ck_assert_int_eq(raw_request(EVHTTP_REQ_POST, "/.rpc.Echo", "xyz", 3),
	    HTTP_SERVUNAVAIL);
	ck_assert_int_eq(raw_request(EVHTTP_REQ_POST, "/.rpc.Echo", NULL, 0),
	    HTTP_SERVUNAVAIL);
	ck_assert_int_eq(raw_request(EVHTTP_REQ_GET, "/.rpc.Echo", NULL, 0),
	    HTTP_SERVUNAVAIL);
	ck_assert_int_eq(raw_request(EVHTTP_REQ_POST, "/.rpc.Nothing", four, 4),
	    HTTP_NOTFOUND);
	ck_assert_int_eq(R.served, 0);
	/* A well-formed one by hand. */
	ck_assert_int_eq(raw_request(EVHTTP_REQ_POST, "/.rpc.Echo", four, 4),
	    HTTP_OK);
	ck_assert_int_eq(R.served, 1);
	rig_down();
}
END_TEST

/* Sends the bytes of a whole request on a new socket and reads the
 * answer until the server closes; returns its status code. */
static struct {
	struct evbuffer *in;
	int eof;
} RAW;

static void
raw_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct event *ev = arg;

	(void)what;
	if (evbuffer_read(RAW.in, fd, 4096) <= 0) {
		event_del(ev);
		RAW.eof = 1;
	}
}

static int
raw_bytes(const char *bytes, size_t len)
{
	struct sockaddr_in sin;
	evutil_socket_t fd = socket(AF_INET, SOCK_STREAM, 0);
	struct event *ev;
	char line[16] = "";
	int code = -1;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons(R.port);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(send(fd, bytes, len, 0), (int)len);
	evutil_make_socket_nonblocking(fd);
	RAW.in = evbuffer_new();
	RAW.eof = 0;
	ev = event_new(R.base, fd, EV_READ | EV_PERSIST, raw_read_cb,
	    event_self_cbarg());
	event_add(ev, NULL);
	ck_assert_int_eq(evkit_loop_until(R.base, &RAW.eof, 0, WAIT_MS), 0);
	evbuffer_copyout(RAW.in, line, sizeof(line) - 1);
	sscanf(line, "HTTP/1.%*d %d", &code);
	event_free(ev);
	evutil_closesocket(fd);
	evbuffer_free(RAW.in);
	return code;
}

/* libevent's RPC clients send HTTP/1.1 requests without Host: an RPC
 * server takes them (evhttp alone answers 400). */
START_TEST(test_no_host)
{
	static const char req[] = "POST /.rpc.Echo HTTP/1.1\r\n"
	                          "Content-Length: 4\r\n"
	                          "Connection: close\r\n\r\n\0\0\0\3";

	rig_up(1);
	ck_assert_int_eq(raw_bytes(req, sizeof(req) - 1), HTTP_OK);
	ck_assert_int_eq(R.served, 1);
	rig_down();
}
END_TEST

/* A scripted peer on a raw socket: it reads one whole request (head
 * plus the 4-byte body), then sends `reply` (may be NULL) and closes. */
static struct fake {
	evutil_socket_t lfd, fd;
	struct event *lev, *ev;
	struct evbuffer *in;
	const char *reply;
	size_t reply_len;
	int closed;
} F;

static void
fake_read_cb(evutil_socket_t fd, short what, void *arg)
{
	int n;

	(void)what;
	(void)arg;
	n = evbuffer_read(F.in, fd, 4096);
	if (n > 0) {
		struct evbuffer_ptr end =
		    evbuffer_search(F.in, "\r\n\r\n", 4, NULL);

		/* Not all of the head and the 4-byte body yet. */
		if (end.pos < 0 ||
		    evbuffer_get_length(F.in) < (size_t)end.pos + 4 + 4)
			return;
		if (F.reply != NULL)
			ck_assert_int_eq(send(fd, F.reply, F.reply_len, 0),
			    (int)F.reply_len);
	}
	event_free(F.ev);
	F.ev = NULL;
	evutil_closesocket(fd);
	F.closed = 1;
}

static void
fake_accept_cb(evutil_socket_t lfd, short what, void *arg)
{
	evutil_socket_t fd = accept(lfd, NULL, NULL);

	(void)what;
	(void)arg;
	if (fd < 0 || F.ev != NULL) {
		if (fd >= 0)
			evutil_closesocket(fd);
		return;
	}
	evutil_make_socket_nonblocking(fd);
	F.ev = event_new(R.base, fd, EV_READ | EV_PERSIST, fake_read_cb, NULL);
	event_add(F.ev, NULL);
}

/* The pool's connection goes to the fake peer instead of the server. */
static void
fake_up(const char *reply, size_t reply_len)
{
	struct sockaddr_in sin;
	ev_socklen_t len = sizeof(sin);
	struct evhttp_connection *evcon;

	memset(&F, 0, sizeof(F));
	F.reply = reply;
	F.reply_len = reply_len;
	F.in = evbuffer_new();
	F.lfd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(F.lfd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(listen(F.lfd, 8), 0);
	ck_assert_int_eq(getsockname(F.lfd, (struct sockaddr *)&sin, &len), 0);
	evutil_make_socket_nonblocking(F.lfd);
	F.lev = event_new(R.base, F.lfd, EV_READ | EV_PERSIST, fake_accept_cb,
	    NULL);
	event_add(F.lev, NULL);
	evrpc_pool_remove_connection(R.pool, R.conns[0]);
	evhttp_connection_free(R.conns[0]);
	R.port = ntohs(sin.sin_port);
	evcon = new_conn();
	R.conns[0] = evcon;
	evrpc_pool_add_connection(R.pool, evcon);
}

static void
fake_down(void)
{
	if (F.ev != NULL) {
		evutil_closesocket(event_get_fd(F.ev));
		event_free(F.ev);
	}
	event_free(F.lev);
	evutil_closesocket(F.lfd);
	evbuffer_free(F.in);
}

START_TEST(test_server_closes)
{
	rig_up(1);
	fake_up(NULL, 0);
	ck_assert_int_eq(send_echo(0, 1), 0);
	wait_done(1);
	ck_assert_int_eq(F.closed, 1);
	/* libevent reports a failed connection as a timeout. */
	ck_assert_int_eq(R.res[0].error, EVRPC_STATUS_ERR_TIMEOUT);
	ck_assert_int_eq(R.res[0].had_http_req, 0);
	fake_down();
	send_free();
	rig_down();
}
END_TEST

/* Nothing listens (a bound socket that does not): evhttp hands back the
 * request with code 0, which libevent reports as a bad payload. */
START_TEST(test_no_server)
{
	struct sockaddr_in sin;
	ev_socklen_t len = sizeof(sin);
	evutil_socket_t fd = socket(AF_INET, SOCK_STREAM, 0);

	rig_up(0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	R.port = ntohs(sin.sin_port);
	R.conns[0] = new_conn();
	evrpc_pool_add_connection(R.pool, R.conns[0]);
	ck_assert_int_eq(send_echo(0, 1), 0);
	wait_done(1);
	ck_assert_int_eq(R.res[0].error, EVRPC_STATUS_ERR_BADPAYLOAD);
	evutil_closesocket(fd);
	send_free();
	rig_down();
}
END_TEST

START_TEST(test_malformed_reply)
{
	rig_up(1);
	static const char reply[] =
	    "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nxyz";

	fake_up(reply, sizeof(reply) - 1);
	ck_assert_int_eq(send_echo(0, 1), 0);
	wait_done(1);
	ck_assert_int_eq(R.res[0].error, EVRPC_STATUS_ERR_BADPAYLOAD);
	ck_assert_int_eq(R.res[0].had_http_req, 1);
	fake_down();
	send_free();
	rig_down();
}
END_TEST

#ifndef EVKIT_REFERENCE
/* An error status without a body is no reply, even when an empty body
 * would unmarshal (libevent takes it for one). */
START_TEST(test_error_status)
{
	rig_up(1);
	static const char reply[] =
	    "HTTP/1.1 503 No\r\nContent-Length: 4\r\n\r\n\0\0\0\1";

	fake_up(reply, sizeof(reply) - 1);
	ck_assert_int_eq(send_echo(0, 1), 0);
	wait_done(1);
	ck_assert_int_eq(R.res[0].error, EVRPC_STATUS_ERR_BADPAYLOAD);
	fake_down();
	send_free();
	rig_down();
}
END_TEST

/* libevent asserts on both: a request made before the pool has a
 * connection, and a connection that has a base already. */
START_TEST(test_late_connection)
{
	rig_up(0);
	ck_assert_int_eq(send_echo(0, 11), 0);
	ck_assert_int_eq(send_echo(1, 12), 0);
	R.conns[0] =
	    evhttp_connection_base_new(R.base, NULL, "127.0.0.1", R.port);
	evrpc_pool_add_connection(R.pool, R.conns[0]);
	wait_done(2);
	ck_assert_uint_eq(R.res[0].n, 22);
	ck_assert_uint_eq(R.res[1].n, 24);
	send_free();
	rig_down();
}
END_TEST

static int
pause_first_hook(void *ctx, struct evhttp_request *req, struct evbuffer *buf,
    void *arg)
{
	int *seen = arg;

	(void)ctx;
	(void)req;
	(void)buf;
	if ((*seen)++ == 0) {
		R.paused++;
		return EVRPC_PAUSE;
	}
	return EVRPC_CONTINUE;
}

/* Freeing the pool with one request paused before it went out and one
 * paused on its reply: both are dropped, their HTTP requests freed. */
START_TEST(test_pool_free_paused)
{
	int out_seen = 0;
	double t0;

	rig_up(2);
	evrpc_add_hook(R.pool, EVRPC_OUTPUT, pause_first_hook, &out_seen);
	evrpc_add_hook(R.pool, EVRPC_INPUT, pause_hook, NULL);
	ck_assert_int_eq(send_echo(0, 1), 0);
	ck_assert_int_eq(send_echo(1, 2), 0);
	ck_assert_int_eq(R.paused, 1);
	t0 = evkit_now_ms();
	while (R.paused < 2) {
		int never = 0;

		ck_assert_int_eq(R.done, 0);
		ck_assert_double_lt(evkit_now_ms() - t0, WAIT_MS);
		evkit_loop_until(R.base, &never, 1, WAIT_MS);
	}
	ck_assert_int_eq(R.served, 1);
	evrpc_pool_free(R.pool);
	R.pool = evrpc_pool_new(R.base);
	event_base_loop(R.base, EVLOOP_NONBLOCK);
	ck_assert_int_eq(R.done, 0);
	send_free();
	rig_down();
}
END_TEST

/* What libevent gets wrong or leaves undefined around registering and
 * pools: a second RPC of the same name, a connection made on another
 * base, a request without a pool. */
START_TEST(test_misuse)
{
	struct event_base *other = evkit_new_base();
	struct evhttp_connection *evcon;

	rig_up(0);
	ck_assert_int_eq(EVRPC_REGISTER(R.rpc, Echo, ping, pong, echo_cb, &R),
	    -1);
	/* Not connected yet: it moves to the pool's base. */
	evcon = evhttp_connection_base_new(other, NULL, "127.0.0.1", R.port);
	evrpc_pool_add_connection(R.pool, evcon);
	ck_assert_ptr_eq(evhttp_connection_get_base(evcon), R.base);
	ck_assert_int_eq(send_echo(0, 4), 0);
	wait_done(1);
	ck_assert_uint_eq(R.res[0].n, 8);
	/* The first registration still answers, and goes on unregistering. */
	ck_assert_int_eq(EVRPC_UNREGISTER(R.rpc, Echo), 0);
	/* No pool: the callback says so, and -1. */
	reqs[1] = ping_new();
	replies[1] = pong_new();
	EVTAG_ASSIGN(reqs[1], n, 1);
	ck_assert_int_eq(EVRPC_MAKE_REQUEST(Echo, NULL, reqs[1], replies[1],
	                     done_cb, &R.res[1]),
	    -1);
	ck_assert_int_eq(R.done, 2);
	ck_assert_int_eq(R.res[1].error, EVRPC_STATUS_ERR_UNSTARTED);
	/* A connection taken back is the caller's again. */
	evrpc_pool_remove_connection(R.pool, evcon);
	evhttp_connection_free(evcon);
	send_free();
	rig_down();
	evkit_free_base(other);
}
END_TEST

/* Freeing the pool with requests queued and on the way: no callback,
 * and no timer left on the base (libevent leaves the timer of a request
 * on the way, and its memory). */
START_TEST(test_pool_free_busy)
{
	rig_up(1);
	evrpc_pool_set_timeout(R.pool, 1);
	ck_assert_int_eq(send_echo(0, N_HOLD), 0);
	ck_assert_int_eq(send_echo(1, 1), 0);
	ck_assert_int_eq(evkit_loop_until(R.base, &R.nheld, 0, WAIT_MS), 0);
	evrpc_pool_free(R.pool);
	R.pool = evrpc_pool_new(R.base);
	release_held();
	event_base_loop(R.base, EVLOOP_NONBLOCK);
	ck_assert_int_eq(R.done, 0);
	send_free();
	rig_down();
}
END_TEST
#endif

Suite *
rpc_suite(void)
{
	Suite *s = suite_create("rpc");
	TCase *tc = tcase_create("rpc");

	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_echo);
	tcase_add_test(tc, test_queue);
	tcase_add_test(tc, test_pool_conns);
	tcase_add_test(tc, test_hooks_meta);
	tcase_add_test(tc, test_pause_resume);
	tcase_add_test(tc, test_terminate);
	tcase_add_test(tc, test_timeout);
	tcase_add_test(tc, test_unregister);
	tcase_add_test(tc, test_generic);
	tcase_add_test(tc, test_malformed_request);
	tcase_add_test(tc, test_no_host);
	tcase_add_test(tc, test_server_closes);
	tcase_add_test(tc, test_malformed_reply);
	tcase_add_test(tc, test_no_server);
#ifndef EVKIT_REFERENCE
	tcase_add_test(tc, test_error_status);
	tcase_add_test(tc, test_late_connection);
	tcase_add_test(tc, test_pool_free_busy);
	tcase_add_test(tc, test_misuse);
	tcase_add_test(tc, test_pool_free_paused);
#endif
	suite_add_tcase(s, tc);
	return s;
}
