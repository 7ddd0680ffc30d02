/*
 * http-uri-internal.h: the internals of lib/http_uri.c that the rest of
 * evhttp uses.
 */
#ifndef HTTP_URI_INTERNAL_H_INCLUDED_
#define HTTP_URI_INTERNAL_H_INCLUDED_

#include <stddef.h>

struct evhttp_uri;

/* Parses a request target of length len (origin-form "/p?q",
 * absolute-form "http://h/p", authority-form "h:p" for CONNECT when
 * connect is set, or "*"); NULL when it is not valid. */
struct evhttp_uri *evhttp_uri_parse_target_(const char *target, size_t len,
    int connect);

#endif /* HTTP_URI_INTERNAL_H_INCLUDED_ */
