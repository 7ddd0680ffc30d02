/*
 * evdns-core-internal.h: the resolver's own structures, shared by
 * lib/evdns.c (base, nameservers, requests, UDP) and lib/evdns_tcp.c (TCP
 * connections).  Nothing outside those two files includes it: the other
 * evdns files go through evdns-internal.h.
 */
#ifndef EVDNS_CORE_INTERNAL_H_INCLUDED_
#define EVDNS_CORE_INTERNAL_H_INCLUDED_

#include <sys/queue.h>
#include <sys/socket.h>

#include <event2/event.h>
#include <event2/event_struct.h>
#include <event2/dns.h>
#include <event2/dns_query.h>

#include "dns-wire-internal.h"

struct evbuffer;
struct evdns_tcp_conn;

/* A UDP socket connect()ed to one nameserver, from a random port. */
struct evdns_udp_sock {
	evutil_socket_t fd;
	struct event ev;
	struct nameserver *ns;
	int users;     /* requests whose current try waits on it */
	int uses_left; /* queries it may still carry; 0: retired */
	int in_read;   /* its read callback is running: freed there */
	struct evdns_request *owner; /* the only user of a one-query socket */
};

struct nameserver {
	struct evdns_base *base;
	struct sockaddr_storage addr;
	ev_socklen_t addrlen;
	int down;
	int timeouts;                /* consecutive tries unanswered */
	struct event probe_ev;       /* when to probe it while down */
	struct timeval probe_delay;  /* grows while probes fail */
	struct evdns_request *probe; /* the probe in flight */
	struct evdns_udp_sock *udp;  /* the socket new queries share */
	struct evdns_tcp_conn *tcp;  /* its TCP connection, if any */
};

enum evdns_req_state { REQ_WAITING, REQ_INFLIGHT, REQ_DONE };

TAILQ_HEAD(evdns_req_queue, evdns_request);

struct evdns_request {
	struct evdns_base *base;
	TAILQ_ENTRY(evdns_request) link;     /* waiting, inflight or done */
	TAILQ_ENTRY(evdns_request) tcp_link; /* on conn->reqs */
	struct evdns_request *id_next;       /* ID hash chain */
	enum evdns_req_state state;
	unsigned hashed : 1, is_query : 1, is_probe : 1, tcp : 1,
	    tcp_resent : 1, from_tc : 1, tcp_queued : 1;

	/* What is asked. */
	ev_uint16_t qtype, qclass, hdr_flags, edns_size, edns_flags;
	int qflags; /* EVDNS_QUERY_* */
	struct timeval timeout;
	int max_tries;

	/* The names to try: the name as given and the search list. */
	char *origname;
	int search_next; /* next search domain index; -1: no search */
	int raw_pending; /* the name as given is still to try */
	int raw_first;   /* ... and before the domains */
	char *cur_text;  /* the candidate asked now (presentation) */
	unsigned char qname[DNS_NAME_MAX]; /* ... in wire form, case mixed */
	int qname_len;

	/* The current try. */
	ev_uint16_t id;
	struct nameserver *ns;
	struct evdns_udp_sock *udp;
	struct evdns_tcp_conn *conn;
	int tries;       /* sends of this candidate, against max_tries */
	int sent_total;  /* every datagram and TCP query */
	int pending_err; /* a server's error rcode, kept while others try */
	int conn_err;    /* the socket error of the last failed connect */
	struct timeval sent_at;
	struct event timer;
	unsigned char pkt[DNS_HEADER_LEN + DNS_NAME_MAX + 4 + 11 + 8];
	int pkt_len;

	/* The outcome, handed to the callback from the loop. */
	int err;
	int got_tcp;
	struct evdns_msg *msg;
	struct sockaddr_storage from;
	ev_socklen_t from_len;
	int count, ttl;
	void *addrs;
	char *ptr_name;
	struct event_callback done;

	evdns_callback_type user_cb;
	evdns_query_callback query_cb;
	char rtype; /* DNS_IPv4_A, DNS_IPv6_AAAA, DNS_PTR */
	void *arg;
};

#define EVDNS_ID_BUCKETS 1024

struct evdns_base {
	struct event_base *event_base;
	void *lock;
	int flags;
	int virtual_added;

	struct nameserver **servers;
	int n_servers, cap_servers;
	int next_server;
	int suspended;

	struct evdns_req_queue waiting, inflight, done;
	int n_inflight;
	struct evdns_request *ids[EVDNS_ID_BUCKETS];

	unsigned char rng[1024];
	size_t rng_left;

	/* Options. */
	int ndots;
	struct timeval timeout;
	int max_timeouts;
	int max_inflight;
	int attempts;
	int randomize_case;
	struct sockaddr_storage bind_addr;
	ev_socklen_t bind_len;
	struct timeval initial_probe;
	int allow_skew_msec;
	int so_rcvbuf, so_sndbuf;
	int udp_share;     /* queries per UDP socket; 1: a new port each */
	int tcp_idle_msec; /* idle TCP connections close after this */
	int use_vc;        /* every query over TCP from the first try */
	/* evdns_base_set_bufferevent_cb: what TCP connections run over. */
	evdns_bufferevent_cb bev_cb;
	void *bev_arg;

	char **domains;
	int n_domains;

	struct evdns_hosts *hosts;
	/* evdns_getaddrinfo lookups in progress (evdns_gai.c). */
	struct evdns_getaddrinfo_request *gai_head;

	unsigned long ignored; /* replies dropped: wrong ID, source, ... */
	unsigned char *rbuf;   /* 64 KiB receive buffer */
};

/* evdns.c, for evdns_tcp.c. */
/* A reply read from conn (TCP, udp NULL) or udp; consumes nothing. */
void evdns_reply_(struct evdns_base *base, const unsigned char *buf, size_t len,
    struct evdns_udp_sock *udp, struct evdns_tcp_conn *conn);
/* A nonblocking socket of type (SOCK_DGRAM, SOCK_STREAM) bound to
 * bind-to, with so-rcvbuf/so-sndbuf, connect()ed (or connecting) to ns;
 * -1 on failure (logged). */
evutil_socket_t evdns_socket_(struct nameserver *ns, int type);
/* The current try of req failed at once (no reply will come): err is the
 * error to report if no other try succeeds (req->conn_err says why a
 * connection failed). */
void evdns_try_failed_(struct evdns_request *req, int err);

/* evdns_tcp.c. */
/* Sends req's packet over its nameserver's TCP connection (opened if need
 * be).  0, or -1 when no connection can be had. */
int evdns_tcp_send_(struct evdns_request *req);
/* req stops waiting on its connection. */
void evdns_tcp_detach_(struct evdns_request *req);
/* Closes a nameserver's connection (it is being removed). */
void evdns_tcp_conn_free_(struct evdns_tcp_conn *conn);

#endif /* EVDNS_CORE_INTERNAL_H_INCLUDED_ */
