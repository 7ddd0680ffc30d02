/*
 * evdns-hosts-internal.h: the hosts-file table (lib/evdns_conf.c) as
 * evdns_getaddrinfo (lib/evdns_gai.c) reads it.
 *
 * The table is a hash of names (ASCII case folded) to their addresses in
 * the order the files gave them.  The caller holds the evdns_base lock.
 */
#ifndef EVDNS_HOSTS_INTERNAL_H_INCLUDED_
#define EVDNS_HOSTS_INTERNAL_H_INCLUDED_

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <event2/util.h>

struct evdns_hosts;

struct evdns_hosts_addr {
	ev_socklen_t len;
	union {
		struct sockaddr sa;
		struct sockaddr_in sin;
		struct sockaddr_in6 sin6;
	} u;
};

/* The addresses of name (case ignored), *n of them, or NULL when the
 * name is in no hosts file loaded.  Valid until the table changes. */
const struct evdns_hosts_addr *
evdns_hosts_find_(const struct evdns_hosts *hosts, const char *name, int *n);

#endif /* EVDNS_HOSTS_INTERNAL_H_INCLUDED_ */
