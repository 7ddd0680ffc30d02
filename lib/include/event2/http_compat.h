/*
 * event2/http_compat.h: the libevent 1.4 HTTP calls that use the global
 * event base (event_init) instead of naming one.
 */
#ifndef EVENT2_HTTP_COMPAT_H_INCLUDED_
#define EVENT2_HTTP_COMPAT_H_INCLUDED_

#ifdef __cplusplus
extern "C" {
#endif

#include <event2/event-config.h>
#include <sys/types.h>
#include <sys/time.h>
#include <event2/util.h>
#include <event2/visibility.h>

struct evhttp;
struct evhttp_connection;
struct event_base;

/* A server on the global base, bound to address:port; NULL on failure. */
EVENT2_EXPORT_SYMBOL
struct evhttp *evhttp_start(const char *address, ev_uint16_t port);

/* A client connection on no base yet (see evhttp_connection_set_base);
 * names are resolved with blocking lookups. */
EVENT2_EXPORT_SYMBOL
struct evhttp_connection *evhttp_connection_new(const char *address,
    ev_uint16_t port);

/* Puts a connection made by evhttp_connection_new on base. */
EVENT2_EXPORT_SYMBOL
void evhttp_connection_set_base(struct evhttp_connection *evcon,
    struct event_base *base);

/* The old name of evhttp_request_get_uri. */
#define evhttp_request_uri evhttp_request_get_uri

#ifdef __cplusplus
}
#endif

#endif /* EVENT2_HTTP_COMPAT_H_INCLUDED_ */
