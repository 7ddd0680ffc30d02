/*
 * greet-server: the server half of the RPC example.
 *
 *     greet-server [-a ADDRESS] [-p PORT] [-n CALLS]
 *
 * Serves the RPC "Greet" (greet.rpc) over HTTP on ADDRESS (127.0.0.1)
 * and PORT (0: any free one), and says "listening on ADDRESS:PORT" on
 * stderr once it is.  With -n it exits after answering CALLS calls.
 * A Greeting without a name, or with a count outside 1..100, is refused
 * (the client gets EVRPC_STATUS_ERR_BADPAYLOAD).
 *
 * It uses only libevent 2.1's API, so it builds against libevent too.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/http.h>
#include <event2/rpc.h>

#include "greet-rpc.h"

struct server {
	struct event_base *base;
	unsigned served;
	unsigned limit; /* 0: serve for ever */
};

/* The last reply is out: the server may stop. */
static void
last_reply_sent(struct evhttp_request *req, void *arg)
{
	struct server *srv = arg;

	(void)req;
	event_base_loopexit(srv->base, NULL);
}

static void
greet_cb(EVRPC_STRUCT(Greet) * call, void *arg)
{
	struct server *srv = arg;
	char *name = NULL;
	ev_uint32_t count = 1, i;
	char line[256];

	if (EVTAG_GET(call->request, name, &name) == -1 ||
	    (EVTAG_HAS(call->request, count) &&
	        (EVTAG_GET(call->request, count, &count) == -1 || count < 1 ||
	            count > GREET_MAX_COUNT))) {
		/* The reply stays incomplete: the client gets an error. */
		EVRPC_REQUEST_DONE(call);
		return;
	}
	for (i = 1; i <= count; i++) {
		snprintf(line, sizeof(line), "Hello, %s! (%u of %u)", name,
		    (unsigned)i, (unsigned)count);
		if (EVTAG_ARRAY_ADD_VALUE(call->reply, lines, line) == NULL)
			break;
	}
	EVTAG_ASSIGN(call->reply, served, ++srv->served);
	if (srv->limit != 0 && srv->served >= srv->limit)
		evhttp_request_set_on_complete_cb(EVRPC_REQUEST_HTTP(call),
		    last_reply_sent, srv);
	EVRPC_REQUEST_DONE(call);
}

static void
usage(void)
{
	fprintf(stderr,
	    "usage: greet-server [-a address] [-p port] "
	    "[-n calls]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	const char *address = "127.0.0.1";
	long port = 0, calls = 0;
	struct server srv = { NULL, 0, 0 };
	struct evhttp *http;
	struct evhttp_bound_socket *bound;
	struct evrpc_base *rpc;
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char host[INET6_ADDRSTRLEN];
	int c, status = 1;

	while ((c = getopt(argc, argv, "a:p:n:")) != -1) {
		char *end;

		switch (c) {
		case 'a':
			address = optarg;
			break;
		case 'p':
			port = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || port < 0 ||
			    port > 65535)
				usage();
			break;
		case 'n':
			calls = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || calls < 1 ||
			    calls > 1000000000)
				usage();
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	srv.limit = (unsigned)calls;

	if ((srv.base = event_base_new()) == NULL ||
	    (http = evhttp_new(srv.base)) == NULL) {
		fprintf(stderr, "greet-server: cannot set up the server\n");
		return 1;
	}
	bound =
	    evhttp_bind_socket_with_handle(http, address, (ev_uint16_t)port);
	if (bound == NULL) {
		fprintf(stderr, "greet-server: cannot listen on %s:%ld\n",
		    address, port);
		goto out;
	}
	if ((rpc = evrpc_init(http)) == NULL) {
		fprintf(stderr, "greet-server: cannot set up RPC\n");
		goto out;
	}
	if (EVRPC_REGISTER(rpc, Greet, Greeting, Welcome, greet_cb, &srv) !=
	    0) {
		fprintf(stderr, "greet-server: cannot register Greet\n");
		goto out_rpc;
	}
	if (getsockname(evhttp_bound_socket_get_fd(bound),
	        (struct sockaddr *)&ss, &len) != 0 ||
	    getnameinfo((struct sockaddr *)&ss, len, host, sizeof(host), NULL,
	        0, NI_NUMERICHOST) != 0) {
		fprintf(stderr, "greet-server: getsockname failed\n");
		goto out_rpc;
	}
	fprintf(stderr, "greet-server: listening on %s:%u\n", host,
	    ss.ss_family == AF_INET6
	        ? ntohs(((struct sockaddr_in6 *)&ss)->sin6_port)
	        : ntohs(((struct sockaddr_in *)&ss)->sin_port));
	status = event_base_dispatch(srv.base) == -1;
	fprintf(stderr, "greet-server: served %u calls\n", srv.served);
out_rpc:
	evrpc_free(rpc);
out:
	evhttp_free(http);
	event_base_free(srv.base);
	return status;
}
