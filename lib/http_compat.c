/*
 * http_compat.c: the evhttp functions of libevent 1.4 (event2/http_compat.h),
 * which work on the global base made by event_init (lib/event_compat.c).
 */
#include "config.h"

#include <event2/event.h>
#include <event2/http.h>
#include <event2/http_compat.h>

#include "event-internal.h"
#include "http-internal.h"
#include "log-internal.h"

struct evhttp *
evhttp_start(const char *address, ev_uint16_t port)
{
	struct evhttp *http;

	if (current_base == NULL) {
		event_warnx("%s: no current event base (call event_init)",
		    __func__);
		return NULL;
	}
	http = evhttp_new(current_base);
	if (http == NULL)
		return NULL;
	if (evhttp_bind_socket(http, address, port) < 0) {
		evhttp_free(http);
		return NULL;
	}
	return http;
}

struct evhttp_connection *
evhttp_connection_new(const char *address, ev_uint16_t port)
{
	/* On the current base (event_init's, or none yet) until
	 * evhttp_connection_set_base moves it, as libevent's events made
	 * without a base are. */
	return evhttp_connection_base_new(current_base, NULL, address, port);
}

void
evhttp_connection_set_base(struct evhttp_connection *evcon,
    struct event_base *base)
{
	evhttp_client_set_base_(evcon, base);
}
