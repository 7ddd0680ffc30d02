/*
 * rpc-bench.c: RPC calls per second over loopback, for
 * bench/rpc-vs-libevent, which builds it against evkit and against the
 * system libevent (it uses only libevent 2.1's API).
 *
 *     rpc-bench -s                          a Greet server; prints "port N"
 *     rpc-bench -p PORT [-n CALLS] [-c CONNS] [-d DEPTH]
 *
 * The client keeps DEPTH calls (default CONNS) in flight on a pool of
 * CONNS connections (default 4) until CALLS (default 20000) are
 * answered, then prints "calls/s X".  The messages are those of
 * examples/rpc/greet.rpc (the build's greet.gen.c).
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/event_compat.h>
#include <event2/http.h>
#include <event2/http_compat.h>
#include <event2/rpc.h>
#include <event2/rpc_struct.h>

#include "greet-rpc.h"

EVRPC_GENERATE(Greet, Greeting, Welcome)

static void
greet_cb(EVRPC_STRUCT(Greet) * call, void *arg)
{
	char *name;
	static ev_uint32_t served;

	(void)arg;
	if (EVTAG_GET(call->request, name, &name) == 0)
		EVTAG_ARRAY_ADD_VALUE(call->reply, lines, name);
	EVTAG_ASSIGN(call->reply, served, ++served);
	EVRPC_REQUEST_DONE(call);
}

static int
serve(void)
{
	struct event_base *base = event_base_new();
	struct evhttp *http = evhttp_new(base);
	struct evhttp_bound_socket *b;
	struct evrpc_base *rpc;
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	b = evhttp_bind_socket_with_handle(http, "127.0.0.1", 0);
	if (b == NULL || (rpc = evrpc_init(http)) == NULL ||
	    EVRPC_REGISTER(rpc, Greet, Greeting, Welcome, greet_cb, NULL) !=
	        0 ||
	    getsockname(evhttp_bound_socket_get_fd(b), (struct sockaddr *)&sin,
	        &len) != 0) {
		fprintf(stderr, "rpc-bench: cannot serve\n");
		return 1;
	}
	printf("port %u\n", ntohs(sin.sin_port));
	fflush(stdout);
	event_base_dispatch(base);
	return 0;
}

struct client {
	struct event_base *base;
	struct evrpc_pool *pool;
	long left;    /* calls still to start */
	long pending; /* in flight */
	long errors;
};

static void start_call(struct client *cl);

static void
call_done(struct evrpc_status *st, struct Greeting *req, struct Welcome *reply,
    void *arg)
{
	struct client *cl = arg;

	if (st->error != EVRPC_STATUS_ERR_NONE)
		cl->errors++;
	Greeting_free(req);
	Welcome_free(reply);
	cl->pending--;
	if (cl->left > 0)
		start_call(cl);
	else if (cl->pending == 0)
		event_base_loopexit(cl->base, NULL);
}

static void
start_call(struct client *cl)
{
	struct Greeting *req = Greeting_new();
	struct Welcome *reply = Welcome_new();

	EVTAG_ASSIGN(req, name, "bench");
	cl->left--;
	cl->pending++;
	EVRPC_MAKE_REQUEST(Greet, cl->pool, req, reply, call_done, cl);
}

int
main(int argc, char **argv)
{
	struct client cl = { NULL, NULL, 20000, 0, 0 };
	long port = 0, conns = 4, depth = 0, calls, i;
	struct timespec t0, t1;
	double s;
	int c;

	while ((c = getopt(argc, argv, "sp:n:c:d:")) != -1) {
		switch (c) {
		case 's':
			return serve();
		case 'p':
			port = atol(optarg);
			break;
		case 'n':
			cl.left = atol(optarg);
			break;
		case 'c':
			conns = atol(optarg);
			break;
		case 'd':
			depth = atol(optarg);
			break;
		default:
			fprintf(stderr,
			    "usage: rpc-bench -s | -p port [-n calls] "
			    "[-c conns] [-d depth]\n");
			return 2;
		}
	}
	if (port <= 0 || port > 65535 || cl.left <= 0 || conns <= 0)
		return 2;
	if (depth <= 0)
		depth = conns;
	calls = cl.left;
	/* event_init and evhttp_connection_new: libevent 2.1's pool takes
	 * no connection made with a base. */
	cl.base = event_init();
	cl.pool = evrpc_pool_new(cl.base);
	for (i = 0; i < conns; i++)
		evrpc_pool_add_connection(cl.pool,
		    evhttp_connection_new("127.0.0.1", (ev_uint16_t)port));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < depth && cl.left > 0; i++)
		start_call(&cl);
	event_base_dispatch(cl.base);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	s = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("calls/s %.0f errors %ld\n", calls / s, cl.errors);
	evrpc_pool_free(cl.pool);
	event_base_free(cl.base);
	return cl.errors != 0;
}
