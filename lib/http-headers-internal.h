/*
 * http-headers-internal.h: the header-list helpers of lib/http_headers.c
 * that the rest of evhttp uses.
 */
#ifndef HTTP_HEADERS_INTERNAL_H_INCLUDED_
#define HTTP_HEADERS_INTERNAL_H_INCLUDED_

#include <stddef.h>

struct evkeyvalq;

/*
 * Appends key[0..key_len) = value[0..value_len) to headers as they are
 * (NUL-terminated copies, no checks: for fields the parser has already
 * checked, and for query arguments).  0, or -1 when out of memory.
 */
int evhttp_keyvalq_append_(struct evkeyvalq *headers, const char *key,
    size_t key_len, const char *value, size_t value_len);

/* A NUL-terminated copy of s[0..n) from mm_malloc, or NULL. */
char *evhttp_strndup_(const char *s, size_t n);

#endif /* HTTP_HEADERS_INTERNAL_H_INCLUDED_ */
