/*
 * greet-client: the client half of the RPC example.
 *
 *     greet-client [-a ADDRESS] -p PORT [-c COUNT] [-t SECONDS] NAME
 *
 * Calls "Greet" (greet.rpc) on the server at ADDRESS (127.0.0.1):PORT
 * with NAME and COUNT, prints the greetings it gets back, one a line,
 * then "served N" (the server's count of calls).  Exit status 0, or 1
 * with the RPC status on stderr when the call fails (after SECONDS, 10
 * by default, it times out).
 *
 * It uses only libevent 2.1's API, so it builds against libevent too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/event_compat.h>
#include <event2/http.h>
#include <event2/http_compat.h>
#include <event2/rpc.h>
#include <event2/rpc_struct.h>

#include "greet-rpc.h"

EVRPC_GENERATE(Greet, Greeting, Welcome)

static int status = 1;

static const char *
rpc_error_name(int error)
{
	switch (error) {
	case EVRPC_STATUS_ERR_NONE:
		return "no error";
	case EVRPC_STATUS_ERR_TIMEOUT:
		return "timed out, or the connection was lost";
	case EVRPC_STATUS_ERR_BADPAYLOAD:
		/* Also what a refused connection gives, as in libevent. */
		return "no valid reply (refused call or connection)";
	case EVRPC_STATUS_ERR_UNSTARTED:
		return "could not be sent";
	case EVRPC_STATUS_ERR_HOOKABORTED:
		return "stopped by a hook";
	}
	return "unknown status";
}

static void
greeted(struct evrpc_status *st, struct Greeting *req, struct Welcome *reply,
    void *arg)
{
	struct event_base *base = arg;
	ev_uint32_t served = 0;
	int i;

	(void)req;
	if (st->error != EVRPC_STATUS_ERR_NONE) {
		fprintf(stderr, "greet-client: Greet failed: %s\n",
		    rpc_error_name(st->error));
	} else {
		for (i = 0; i < EVTAG_ARRAY_LEN(reply, lines); i++) {
			char *line;

			if (EVTAG_ARRAY_GET(reply, lines, i, &line) == 0)
				printf("%s\n", line);
		}
		EVTAG_GET(reply, served, &served);
		printf("served %u\n", (unsigned)served);
		status = 0;
	}
	event_base_loopexit(base, NULL);
}

static void
usage(void)
{
	fprintf(stderr,
	    "usage: greet-client [-a address] -p port [-c count] "
	    "[-t seconds] name\n");
	exit(2);
}

static long
number(const char *s, long min, long max)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v < min || v > max)
		usage();
	return v;
}

int
main(int argc, char **argv)
{
	const char *address = "127.0.0.1";
	long port = -1, count = 0, seconds = 10;
	struct event_base *base;
	struct evhttp_connection *evcon;
	struct evrpc_pool *pool;
	struct Greeting *req;
	struct Welcome *reply;
	int c;

	while ((c = getopt(argc, argv, "a:p:c:t:")) != -1) {
		switch (c) {
		case 'a':
			address = optarg;
			break;
		case 'p':
			port = number(optarg, 1, 65535);
			break;
		case 'c':
			count = number(optarg, 0, 1000000);
			break;
		case 't':
			seconds = number(optarg, 1, 3600);
			break;
		default:
			usage();
		}
	}
	if (port < 0 || optind != argc - 1)
		usage();

	/* event_init's base and evhttp_connection_new: the one way a pool
	 * takes a connection in libevent 2.1, which aborts on a connection
	 * made with a base of its own (evkit takes both). */
	base = event_init();
	evcon = base ? evhttp_connection_new(address, (ev_uint16_t)port) : NULL;
	pool = evcon ? evrpc_pool_new(base) : NULL;
	req = Greeting_new();
	reply = Welcome_new();
	if (pool == NULL || req == NULL || reply == NULL) {
		fprintf(stderr, "greet-client: cannot set up the client\n");
		return 1;
	}
	evrpc_pool_add_connection(pool, evcon);
	evrpc_pool_set_timeout(pool, (int)seconds);
	EVTAG_ASSIGN(req, name, argv[optind]);
	if (count != 0)
		EVTAG_ASSIGN(req, count, (ev_uint32_t)count);
	if (EVRPC_MAKE_REQUEST(Greet, pool, req, reply, greeted, base) == 0)
		event_base_dispatch(base);
	Greeting_free(req);
	Welcome_free(reply);
	evrpc_pool_free(pool);
	event_base_free(base);
	return status;
}
