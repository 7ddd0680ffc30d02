/*
 * bench/http-client.c: requests/s of the evhttp client in a keep-alive
 * loop, built once against libevkit.a and once against the system
 * libevent (bench/http-client-vs-libevent runs both).
 *
 *   http-client -s            serve: an evhttp server on 127.0.0.1 port 0
 *                             answering every request with 64 bytes;
 *                             prints "port N", serves until killed
 *   http-client -p PORT [-n N] [-r REPS]
 *                             N sequential GETs over one connection,
 *                             REPS times; prints "requests N seconds S
 *                             rps R cpu_us C" for each rep (C: the
 *                             client's user+system CPU per request,
 *                             which a busy machine disturbs less)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <sys/resource.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>

#include "bench-util.h"

struct run {
	struct event_base *base;
	struct evhttp_connection *evcon;
	long left;
	long done;
	int failed;
};

static void make_one(struct run *run);

static void
serve_cb(struct evhttp_request *req, void *arg)
{
	static const char body[64] = "0123456789abcdef0123456789abcdef"
	                             "0123456789abcdef012345678901234";
	struct evbuffer *out = evbuffer_new();

	(void)arg;
	evbuffer_add(out, body, sizeof(body));
	evhttp_send_reply(req, 200, "OK", out);
	evbuffer_free(out);
}

static int
serve(void)
{
	struct event_base *base = event_base_new();
	struct evhttp *http = evhttp_new(base);
	struct evhttp_bound_socket *bs;
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	evhttp_set_gencb(http, serve_cb, NULL);
	bs = evhttp_bind_socket_with_handle(http, "127.0.0.1", 0);
	if (bs == NULL ||
	    getsockname(evhttp_bound_socket_get_fd(bs), (struct sockaddr *)&ss,
	        &len) < 0) {
		fprintf(stderr, "http-client: cannot bind\n");
		return 1;
	}
	printf("port %u\n",
	    (unsigned)ntohs(((struct sockaddr_in *)&ss)->sin_port));
	fflush(stdout);
	event_base_dispatch(base);
	return 0;
}

static void
done_cb(struct evhttp_request *req, void *arg)
{
	struct run *run = arg;

	if (req == NULL || evhttp_request_get_response_code(req) != 200) {
		run->failed = 1;
		event_base_loopbreak(run->base);
		return;
	}
	run->done++;
	if (--run->left > 0)
		make_one(run);
	else
		event_base_loopbreak(run->base);
}

static void
make_one(struct run *run)
{
	struct evhttp_request *req = evhttp_request_new(done_cb, run);

	evhttp_add_header(evhttp_request_get_output_headers(req), "Host",
	    "127.0.0.1");
	if (evhttp_make_request(run->evcon, req, EVHTTP_REQ_GET, "/x") < 0) {
		run->failed = 1;
		event_base_loopbreak(run->base);
	}
}

int
main(int argc, char **argv)
{
	long n = 100000;
	int reps = 1, port = 0, opt, i;

	while ((opt = getopt(argc, argv, "sp:n:r:")) != -1) {
		switch (opt) {
		case 's':
			return serve();
		case 'p':
			port = atoi(optarg);
			break;
		case 'n':
			n = atol(optarg);
			break;
		case 'r':
			reps = atoi(optarg);
			break;
		default:
			fprintf(stderr,
			    "usage: http-client -s | -p PORT [-n N] [-r "
			    "REPS]\n");
			return 2;
		}
	}
	if (port <= 0 || port > 65535 || n <= 0 || reps <= 0) {
		fprintf(stderr, "http-client: -p PORT is required\n");
		return 2;
	}
	for (i = 0; i < reps; i++) {
		struct run run = { 0 };
		double t0, t, c0, c;

		run.base = event_base_new();
		run.evcon = evhttp_connection_base_new(run.base, NULL,
		    "127.0.0.1", (unsigned short)port);
		run.left = n;
		t0 = bench_now();
		c0 = bench_cpu();
		make_one(&run);
		event_base_dispatch(run.base);
		t = bench_now() - t0;
		c = bench_cpu() - c0;
		if (run.failed) {
			fprintf(stderr, "http-client: request %ld failed\n",
			    run.done + 1);
			return 1;
		}
		printf("requests %ld seconds %.3f rps %.0f cpu_us %.2f\n",
		    run.done, t, run.done / t, c * 1e6 / run.done);
		evhttp_connection_free(run.evcon);
		event_base_free(run.base);
	}
	return 0;
}
