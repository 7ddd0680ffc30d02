/*
 * event2/dns.h: the asynchronous DNS resolver (evdns) and a small DNS
 * server, as libevent 2.1 declares them.
 *
 * An evdns_base belongs to one event_base.  It holds a list of
 * nameservers, a search list and options; requests made on it are sent
 * over UDP (over TCP when a reply comes back truncated) and their
 * callbacks run from the event loop.  The libevent API resolves A, AAAA
 * and PTR records only; evkit's <event2/dns_query.h> asks for any type.
 */
#ifndef EVENT2_DNS_H_INCLUDED_
#define EVENT2_DNS_H_INCLUDED_

#include <event2/visibility.h>

#ifdef __cplusplus
extern "C" {
#endif

#include <event2/util.h>

/* Result codes given to callbacks.  1-5 are the rcodes of RFC 1035. */
#define DNS_ERR_NONE 0
#define DNS_ERR_FORMAT 1
#define DNS_ERR_SERVERFAILED 2
#define DNS_ERR_NOTEXIST 3
#define DNS_ERR_NOTIMPL 4
#define DNS_ERR_REFUSED 5
#define DNS_ERR_TRUNCATED 65
#define DNS_ERR_UNKNOWN 66
#define DNS_ERR_TIMEOUT 67
#define DNS_ERR_SHUTDOWN 68
#define DNS_ERR_CANCEL 69
#define DNS_ERR_NODATA 70

/* The 'type' argument of evdns_callback_type. */
#define DNS_IPv4_A 1
#define DNS_PTR 2
#define DNS_IPv6_AAAA 3

/* Flags of the resolve functions. */
#define DNS_QUERY_NO_SEARCH 1

/* What evdns_base_resolv_conf_parse takes from the file. */
#define DNS_OPTION_SEARCH 1
#define DNS_OPTION_NAMESERVERS 2
#define DNS_OPTION_MISC 4
#define DNS_OPTION_HOSTSFILE 8
#define DNS_OPTIONS_ALL                                                 \
	(DNS_OPTION_SEARCH | DNS_OPTION_NAMESERVERS | DNS_OPTION_MISC | \
	    DNS_OPTION_HOSTSFILE | 0)
/* With no nameserver in the file, add none (not 127.0.0.1). */
#define DNS_OPTION_NAMESERVERS_NO_DEFAULT 16

/* The old name of DNS_QUERY_NO_SEARCH. */
#define DNS_NO_SEARCH DNS_QUERY_NO_SEARCH

/*
 * A resolve callback: result is a DNS_ERR_* code; type is DNS_IPv4_A,
 * DNS_IPv6_AAAA or DNS_PTR; addresses points to count in_addr or in6_addr
 * values, or (for DNS_PTR) to one char * name.  The data is valid only
 * during the call.
 */
typedef void (*evdns_callback_type)(int result, char type, int count, int ttl,
    void *addresses, void *arg);

struct evdns_base;
struct event_base;

/* Flags of evdns_base_new. */
#define EVDNS_BASE_INITIALIZE_NAMESERVERS 1
#define EVDNS_BASE_DISABLE_WHEN_INACTIVE 0x8000
#define EVDNS_BASE_NAMESERVERS_NO_DEFAULT 0x10000

/* A resolver on event_base; with INITIALIZE_NAMESERVERS it reads
 * /etc/resolv.conf.  NULL on failure. */
EVENT2_EXPORT_SYMBOL
struct evdns_base *evdns_base_new(struct event_base *event_base,
    int initialize_nameservers);

/* Frees the resolver; pending requests are dropped, or with fail_requests
 * their callbacks run with DNS_ERR_SHUTDOWN. */
EVENT2_EXPORT_SYMBOL
void evdns_base_free(struct evdns_base *base, int fail_requests);

/* Forgets every hosts-file entry loaded so far. */
EVENT2_EXPORT_SYMBOL
void evdns_base_clear_host_addresses(struct evdns_base *base);

/* A constant string describing a DNS_ERR_* code. */
EVENT2_EXPORT_SYMBOL
const char *evdns_err_to_string(int err);

/* Adds an IPv4 nameserver on port 53; address is in network order. */
EVENT2_EXPORT_SYMBOL
int evdns_base_nameserver_add(struct evdns_base *base,
    unsigned long int address);

/* The number of nameservers configured, whether up or down. */
EVENT2_EXPORT_SYMBOL
int evdns_base_count_nameservers(struct evdns_base *base);

/* Removes every nameserver; requests wait until evdns_base_resume. */
EVENT2_EXPORT_SYMBOL
int evdns_base_clear_nameservers_and_suspend(struct evdns_base *base);

/* Sends the requests held since the nameservers were cleared. */
EVENT2_EXPORT_SYMBOL
int evdns_base_resume(struct evdns_base *base);

/* Adds a nameserver given as "1.2.3.4", "1.2.3.4:53", "::1" or
 * "[::1]:53"; the port defaults to 53. */
EVENT2_EXPORT_SYMBOL
int evdns_base_nameserver_ip_add(struct evdns_base *base,
    const char *ip_as_string);

/* Adds a nameserver by address; flags must be 0. */
EVENT2_EXPORT_SYMBOL
int evdns_base_nameserver_sockaddr_add(struct evdns_base *base,
    const struct sockaddr *sa, ev_socklen_t len, unsigned flags);

struct evdns_request;

/* Looks up the A records of name.  flags: 0 or DNS_QUERY_NO_SEARCH. */
EVENT2_EXPORT_SYMBOL
struct evdns_request *evdns_base_resolve_ipv4(struct evdns_base *base,
    const char *name, int flags, evdns_callback_type callback, void *ptr);

/* Looks up the AAAA records of name. */
EVENT2_EXPORT_SYMBOL
struct evdns_request *evdns_base_resolve_ipv6(struct evdns_base *base,
    const char *name, int flags, evdns_callback_type callback, void *ptr);

struct in_addr;
struct in6_addr;

/* Looks up the PTR record of an IPv4 address (in-addr.arpa). */
EVENT2_EXPORT_SYMBOL
struct evdns_request *evdns_base_resolve_reverse(struct evdns_base *base,
    const struct in_addr *in, int flags, evdns_callback_type callback,
    void *ptr);

/* Looks up the PTR record of an IPv6 address (ip6.arpa). */
EVENT2_EXPORT_SYMBOL
struct evdns_request *evdns_base_resolve_reverse_ipv6(struct evdns_base *base,
    const struct in6_addr *in, int flags, evdns_callback_type callback,
    void *ptr);

/* Cancels a request; its callback runs once with DNS_ERR_CANCEL. */
EVENT2_EXPORT_SYMBOL
void evdns_cancel_request(struct evdns_base *base, struct evdns_request *req);

/* Sets an option: ndots, timeout, max-timeouts, max-inflight, attempts,
 * randomize-case, bind-to, initial-probe-timeout, getaddrinfo-allow-skew,
 * so-rcvbuf, so-sndbuf (a trailing colon is allowed).  0 or -1. */
EVENT2_EXPORT_SYMBOL
int evdns_base_set_option(struct evdns_base *base, const char *option,
    const char *val);

/* Reads a resolv.conf(5) file.  0, or 1 cannot open, 2 cannot stat,
 * 3 too large, 4 out of memory, 5 short read, 6 no nameservers. */
EVENT2_EXPORT_SYMBOL
int evdns_base_resolv_conf_parse(struct evdns_base *base, int flags,
    const char *const filename);

/* Adds the entries of a hosts(5) file (NULL: localhost only) to those
 * evdns_getaddrinfo answers from.  0, or negative on failure. */
EVENT2_EXPORT_SYMBOL
int evdns_base_load_hosts(struct evdns_base *base, const char *hosts_fname);

/* The search list and the ndots threshold. */
EVENT2_EXPORT_SYMBOL
void evdns_base_search_clear(struct evdns_base *base);
EVENT2_EXPORT_SYMBOL
void evdns_base_search_add(struct evdns_base *base, const char *domain);
EVENT2_EXPORT_SYMBOL
void evdns_base_search_ndots_set(struct evdns_base *base, const int ndots);

/* Where evdns' log messages go; NULL sends them to event_set_log_callback's
 * handler. */
typedef void (*evdns_debug_log_fn_type)(int is_warning, const char *msg);
EVENT2_EXPORT_SYMBOL
void evdns_set_log_fn(evdns_debug_log_fn_type fn);

/* Kept for source compatibility: IDs always come from the secure RNG,
 * as in libevent 2.0.4 and later, so these change nothing. */
EVENT2_EXPORT_SYMBOL
void evdns_set_transaction_id_fn(ev_uint16_t (*fn)(void));
EVENT2_EXPORT_SYMBOL
void evdns_set_random_bytes_fn(void (*fn)(char *, size_t));

/* The server side. */
struct evdns_server_request;
struct evdns_server_question;

/* Called with each request a server port receives; the callback adds
 * replies and then calls evdns_server_request_respond or _drop. */
typedef void (
    *evdns_request_callback_fn_type)(struct evdns_server_request *, void *);

#define EVDNS_ANSWER_SECTION 0
#define EVDNS_AUTHORITY_SECTION 1
#define EVDNS_ADDITIONAL_SECTION 2

#define EVDNS_TYPE_A 1
#define EVDNS_TYPE_NS 2
#define EVDNS_TYPE_CNAME 5
#define EVDNS_TYPE_SOA 6
#define EVDNS_TYPE_PTR 12
#define EVDNS_TYPE_MX 15
#define EVDNS_TYPE_TXT 16
#define EVDNS_TYPE_AAAA 28

#define EVDNS_QTYPE_AXFR 252
#define EVDNS_QTYPE_ALL 255

#define EVDNS_CLASS_INET 1

/* Header flags a server may set in its reply. */
#define EVDNS_FLAGS_AA 0x400
#define EVDNS_FLAGS_RD 0x080

struct evdns_server_port;

/* Serves DNS on a bound UDP socket; flags must be 0. */
EVENT2_EXPORT_SYMBOL
struct evdns_server_port *
evdns_add_server_port_with_base(struct event_base *base, evutil_socket_t socket,
    int flags, evdns_request_callback_fn_type callback, void *user_data);

/* Stops serving and frees the port once no request is pending. */
EVENT2_EXPORT_SYMBOL
void evdns_close_server_port(struct evdns_server_port *port);

/* Sets EVDNS_FLAGS_AA / EVDNS_FLAGS_RD in the reply. */
EVENT2_EXPORT_SYMBOL
void evdns_server_request_set_flags(struct evdns_server_request *req,
    int flags);

/* Adds a record to a section of the reply.  With is_name, data is a
 * domain name written in compressed form; otherwise datalen raw bytes. */
EVENT2_EXPORT_SYMBOL
int evdns_server_request_add_reply(struct evdns_server_request *req,
    int section, const char *name, int type, int dns_class, int ttl,
    int datalen, int is_name, const char *data);

/* Adds n A (4-byte) or AAAA (16-byte) answers for name. */
EVENT2_EXPORT_SYMBOL
int evdns_server_request_add_a_reply(struct evdns_server_request *req,
    const char *name, int n, const void *addrs, int ttl);
EVENT2_EXPORT_SYMBOL
int evdns_server_request_add_aaaa_reply(struct evdns_server_request *req,
    const char *name, int n, const void *addrs, int ttl);

/* Adds a PTR answer; the owner is inaddr_name, or built from in. */
EVENT2_EXPORT_SYMBOL
int evdns_server_request_add_ptr_reply(struct evdns_server_request *req,
    struct in_addr *in, const char *inaddr_name, const char *hostname, int ttl);

/* Adds a CNAME answer. */
EVENT2_EXPORT_SYMBOL
int evdns_server_request_add_cname_reply(struct evdns_server_request *req,
    const char *name, const char *cname, int ttl);

/* Sends the reply with rcode err and frees the request. */
EVENT2_EXPORT_SYMBOL
int evdns_server_request_respond(struct evdns_server_request *req, int err);

/* Frees the request without replying. */
EVENT2_EXPORT_SYMBOL
int evdns_server_request_drop(struct evdns_server_request *req);

struct sockaddr;

/* Copies the client's address into sa; its size, or -1 if it does not
 * fit in addr_len. */
EVENT2_EXPORT_SYMBOL
int evdns_server_request_get_requesting_addr(struct evdns_server_request *req,
    struct sockaddr *sa, int addr_len);

/* getaddrinfo(3) through evdns: result is 0 or an EVUTIL_EAI_* code;
 * res is the caller's to free with evutil_freeaddrinfo. */
typedef void (
    *evdns_getaddrinfo_cb)(int result, struct evutil_addrinfo *res, void *arg);

struct evdns_getaddrinfo_request;

/* Numeric hosts and hosts-file names are answered before this returns,
 * and NULL is returned then; otherwise A and AAAA are asked in parallel. */
EVENT2_EXPORT_SYMBOL
struct evdns_getaddrinfo_request *evdns_getaddrinfo(struct evdns_base *dns_base,
    const char *nodename, const char *servname,
    const struct evutil_addrinfo *hints_in, evdns_getaddrinfo_cb cb, void *arg);

/* Cancels a lookup whose callback has not run; it runs with
 * EVUTIL_EAI_CANCEL. */
EVENT2_EXPORT_SYMBOL
void evdns_getaddrinfo_cancel(struct evdns_getaddrinfo_request *req);

/* Copies the address of nameserver idx into sa.  Its size; -1 when idx is
 * out of range; a size above len when sa is too small. */
EVENT2_EXPORT_SYMBOL
int evdns_base_get_nameserver_addr(struct evdns_base *base, int idx,
    struct sockaddr *sa, ev_socklen_t len);

#ifdef __cplusplus
}
#endif

#endif /* EVENT2_DNS_H_INCLUDED_ */
