/*
 * event2/dns_compat.h: the evdns functions of libevent 1.4, which work on
 * one global evdns_base made by evdns_init() for the current event base
 * (the one event_init() made).  New code uses <event2/dns.h>.
 */
#ifndef EVENT2_DNS_COMPAT_H_INCLUDED_
#define EVENT2_DNS_COMPAT_H_INCLUDED_

#ifdef __cplusplus
extern "C" {
#endif

#include <event2/event-config.h>
#include <sys/types.h>
#include <sys/time.h>
#include <event2/util.h>
#include <event2/visibility.h>
/* For evdns_callback_type and the server callback type. */
#include <event2/dns.h>

/* Creates the global evdns_base and reads /etc/resolv.conf.  0 or -1. */
EVENT2_EXPORT_SYMBOL
int evdns_init(void);

struct evdns_base;
/* The global evdns_base, or NULL before evdns_init. */
EVENT2_EXPORT_SYMBOL
struct evdns_base *evdns_get_global_base(void);

/* Frees the global evdns_base (see evdns_base_free). */
EVENT2_EXPORT_SYMBOL
void evdns_shutdown(int fail_requests);

/* The functions of <event2/dns.h>, applied to the global evdns_base. */
EVENT2_EXPORT_SYMBOL
int evdns_nameserver_add(unsigned long int address);
EVENT2_EXPORT_SYMBOL
int evdns_count_nameservers(void);
EVENT2_EXPORT_SYMBOL
int evdns_clear_nameservers_and_suspend(void);
EVENT2_EXPORT_SYMBOL
int evdns_resume(void);
EVENT2_EXPORT_SYMBOL
int evdns_nameserver_ip_add(const char *ip_as_string);

/* These return 0 when the request was sent, -1 otherwise. */
EVENT2_EXPORT_SYMBOL
int evdns_resolve_ipv4(const char *name, int flags,
    evdns_callback_type callback, void *ptr);
EVENT2_EXPORT_SYMBOL
int evdns_resolve_ipv6(const char *name, int flags,
    evdns_callback_type callback, void *ptr);
struct in_addr;
struct in6_addr;
EVENT2_EXPORT_SYMBOL
int evdns_resolve_reverse(const struct in_addr *in, int flags,
    evdns_callback_type callback, void *ptr);
EVENT2_EXPORT_SYMBOL
int evdns_resolve_reverse_ipv6(const struct in6_addr *in, int flags,
    evdns_callback_type callback, void *ptr);

/* flags is ignored (it was a DNS_OPTION_* mask in 1.4). */
EVENT2_EXPORT_SYMBOL
int evdns_set_option(const char *option, const char *val, int flags);
EVENT2_EXPORT_SYMBOL
int evdns_resolv_conf_parse(int flags, const char *const filename);
EVENT2_EXPORT_SYMBOL
void evdns_search_clear(void);
EVENT2_EXPORT_SYMBOL
void evdns_search_add(const char *domain);
EVENT2_EXPORT_SYMBOL
void evdns_search_ndots_set(const int ndots);

/* A server port on the current event base. */
EVENT2_EXPORT_SYMBOL
struct evdns_server_port *evdns_add_server_port(evutil_socket_t socket,
    int flags, evdns_request_callback_fn_type callback, void *user_data);

#ifdef __cplusplus
}
#endif

#endif /* EVENT2_DNS_COMPAT_H_INCLUDED_ */
