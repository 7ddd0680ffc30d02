/*
 * http-server.c: the smallest evhttp server for measuring the core: every
 * request gets a 1 KiB body.  Built against libevkit.a and against the
 * system libevent by bench/http-vs-libevent; prints "listening on
 * 127.0.0.1:PORT" and runs until killed.
 *
 *	http-server [PORT]     (0, the default, picks a free port)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>

static char body[1024];

static void
reply_cb(struct evhttp_request *req, void *arg)
{
	struct evbuffer *out = evhttp_request_get_output_buffer(req);

	(void)arg;
	evbuffer_add_reference(out, body, sizeof(body), NULL, NULL);
	evhttp_send_reply(req, HTTP_OK, "OK", NULL);
}

int
main(int argc, char **argv)
{
	struct event_base *base;
	struct evhttp *http;
	struct evhttp_bound_socket *bound;
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int port = argc > 1 ? atoi(argv[1]) : 0;

	memset(body, 'x', sizeof(body));
	if ((base = event_base_new()) == NULL ||
	    (http = evhttp_new(base)) == NULL) {
		fprintf(stderr, "http-server: cannot set up\n");
		return 1;
	}
	evhttp_set_gencb(http, reply_cb, NULL);
	evhttp_set_timeout(http, 30);
	bound = evhttp_bind_socket_with_handle(http, "127.0.0.1",
	    (unsigned short)port);
	if (bound == NULL ||
	    getsockname(evhttp_bound_socket_get_fd(bound),
	        (struct sockaddr *)&ss, &len) < 0) {
		fprintf(stderr, "http-server: cannot listen\n");
		return 1;
	}
	printf("listening on 127.0.0.1:%d\n",
	    ntohs(((struct sockaddr_in *)&ss)->sin_port));
	fflush(stdout);
	event_base_dispatch(base);
	evhttp_free(http);
	event_base_free(base);
	return 0;
}
