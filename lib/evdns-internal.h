/*
 * evdns-internal.h: what the parts of evdns share.
 *
 * lib/evdns.c owns struct evdns_base: nameservers, requests, options and
 * the search list.  lib/evdns_conf.c (resolv.conf and hosts files),
 * lib/evdns_gai.c (evdns_getaddrinfo), lib/evdns_compat.c (the global
 * base of dns_compat.h) and lib/evdns_server.c (the server port) reach it
 * only through the functions below.
 */
#ifndef EVDNS_INTERNAL_H_INCLUDED_
#define EVDNS_INTERNAL_H_INCLUDED_

#include <event2/dns.h>

struct event_base;
struct evdns_base;

/* The hosts-file table (evdns_conf.c); only evdns_getaddrinfo reads it,
 * as in libevent. */
struct evdns_hosts;
void evdns_hosts_free_(struct evdns_hosts *hosts);

/* Implemented by evdns.c. */
void evdns_base_lock_(struct evdns_base *base);
void evdns_base_unlock_(struct evdns_base *base);
struct event_base *evdns_base_get_event_base_(struct evdns_base *base);
/* The base's hosts table slot; evdns_base_free frees what it holds. */
struct evdns_hosts **evdns_base_hosts_(struct evdns_base *base);
/* The "getaddrinfo-allow-skew:" option, in milliseconds. */
int evdns_base_getaddrinfo_allow_skew_msec_(struct evdns_base *base);
/* The head of the base's list of evdns_getaddrinfo lookups in progress,
 * which evdns_gai.c keeps. */
struct evdns_getaddrinfo_request;
struct evdns_getaddrinfo_request **evdns_base_gai_head_(
    struct evdns_base *base);

/* The request will end without calling anyone back (its owner is being
 * freed). */
struct evdns_request;
void evdns_request_silence_(struct evdns_request *req);

/* Implemented by evdns_gai.c: evdns_base_free without fail_requests
 * drops the lookups in progress, silently, before their queries. */
void evdns_gai_drop_all_(struct evdns_base *base);
/* And after failing them: the lookups left (a report deferred to the
 * loop) are unhooked from the base. */
void evdns_gai_detach_all_(struct evdns_base *base);

#endif /* EVDNS_INTERNAL_H_INCLUDED_ */
