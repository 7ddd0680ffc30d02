/*
 * evdns_gai.c: evdns_getaddrinfo, getaddrinfo(3) on the event loop.
 *
 * As in libevent 2.1: a numeric host, a NULL host and a hosts-file name
 * are answered before the call returns (the callback runs, NULL is
 * returned); any other name is asked as A and AAAA in parallel through
 * evdns_base_resolve_ipv4/ipv6.  When one of the two has answered, the
 * other gets "getaddrinfo-allow-skew" more to answer before we report
 * what we have.  IPv4 addresses come first.  A name's addresses give one
 * addrinfo per socket type (TCP then UDP) unless the hints name one.
 *
 * Unlike libevent 2.1, every addrinfo of a hosts-file name carries the
 * port (libevent sets it on the first only), and a hosts-file name with
 * no address of the family asked fails with EVUTIL_EAI_NODATA instead of
 * succeeding with an empty list.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <ifaddrs.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include <event2/dns.h>
#include <event2/dns_compat.h>
#include <event2/dns_query.h>
#include <event2/event.h>
#include <event2/event_struct.h>
#include <event2/util.h>

#include "evdns-internal.h"
#include "evdns-hosts-internal.h"
#include "log-internal.h"
#include "mm-internal.h"
#include "util-internal.h"

/* One of the two queries of a lookup. */
struct gai_sub {
	struct evdns_getaddrinfo_request *owner;
	struct evdns_request *r;
	int pending; /* its callback has not run yet */
	int err;     /* EVUTIL_EAI_* once done */
	struct evutil_addrinfo *res;
};

struct evdns_getaddrinfo_request {
	struct evdns_base *base;
	struct evutil_addrinfo hints;
	ev_uint16_t port;
	evdns_getaddrinfo_cb cb;
	void *arg;
	struct gai_sub v4, v6;
	struct event timer; /* the skew wait, or the deferred cancel report */
	int last_err;       /* the error of the query that ended last */
	int canceled;       /* evdns_getaddrinfo_cancel was called */
	int reported;       /* the user's callback has run */
	int in_timer;       /* timer_cb runs: do not free under it */
	char *canon;        /* AI_CANONNAME: where the CNAMEs led */
	/* On the base's list while it may still call back. */
	struct evdns_getaddrinfo_request *next, **prevp;
};

static int
sockaddr_len(int family)
{
	return family == AF_INET ? (int)sizeof(struct sockaddr_in)
	                         : (int)sizeof(struct sockaddr_in6);
}

static void
set_port(struct sockaddr *sa, ev_uint16_t port)
{
	if (sa->sa_family == AF_INET)
		((struct sockaddr_in *)sa)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)sa)->sin6_port = htons(port);
}

/* The addrinfos of one address (one per socket type), port set on each;
 * appended to *list.  0 or -1. */
static int
append_addr(struct evutil_addrinfo **list, const struct sockaddr *sa_in,
    ev_uint16_t port, const struct evutil_addrinfo *hints)
{
	struct sockaddr_storage ss;
	struct evutil_addrinfo *ai;
	int len = sockaddr_len(sa_in->sa_family);

	memcpy(&ss, sa_in, (size_t)len);
	set_port((struct sockaddr *)&ss, port);
	ai = evutil_new_addrinfo_((struct sockaddr *)&ss, (ev_socklen_t)len,
	    hints);
	if (ai == NULL)
		return -1;
	*list = evutil_addrinfo_append_(*list, ai);
	return 0;
}

/* ------------------------------------------------------------------ */
/* What can be answered at once.                                       */

/* AI_ADDRCONFIG: with only IPv4 (or only IPv6) configured beyond the
 * loopback and link-local ones, ask for that family only. */
static void
adjust_for_addrconfig(struct evutil_addrinfo *hints)
{
	struct ifaddrs *ifa, *i;
	int v4 = 0, v6 = 0;

	if (!(hints->ai_flags & EVUTIL_AI_ADDRCONFIG) ||
	    hints->ai_family != PF_UNSPEC || getifaddrs(&ifa) < 0)
		return;
	for (i = ifa; i; i = i->ifa_next) {
		if (i->ifa_addr == NULL)
			continue;
		if (i->ifa_addr->sa_family == AF_INET) {
			ev_uint32_t a =
			    ntohl(((struct sockaddr_in *)i->ifa_addr)
			              ->sin_addr.s_addr);

			if ((a >> 24) != 127 && (a >> 24) != 0 &&
			    (a >> 16) != 0xa9fe)
				v4 = 1;
		} else if (i->ifa_addr->sa_family == AF_INET6) {
			const struct in6_addr *a =
			    &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr;

			if (!IN6_IS_ADDR_LOOPBACK(a) &&
			    !IN6_IS_ADDR_LINKLOCAL(a) &&
			    !IN6_IS_ADDR_UNSPECIFIED(a))
				v6 = 1;
		}
	}
	freeifaddrs(ifa);
	if (v4 && !v6)
		hints->ai_family = PF_INET;
	else if (v6 && !v4)
		hints->ai_family = PF_INET6;
}

/* The protocol from the socket type, or the other way round. */
static void
infer_protocols(struct evutil_addrinfo *hints)
{
	if (hints->ai_protocol == 0 && hints->ai_socktype == SOCK_DGRAM)
		hints->ai_protocol = IPPROTO_UDP;
	else if (hints->ai_protocol == 0 && hints->ai_socktype == SOCK_STREAM)
		hints->ai_protocol = IPPROTO_TCP;
	if (hints->ai_socktype == 0 && hints->ai_protocol == IPPROTO_UDP)
		hints->ai_socktype = SOCK_DGRAM;
	else if (hints->ai_socktype == 0 &&
	    (hints->ai_protocol == IPPROTO_TCP
#ifdef IPPROTO_SCTP
	        || hints->ai_protocol == IPPROTO_SCTP
#endif
	        ))
		hints->ai_socktype = SOCK_STREAM;
}

/* A port number from servname: decimal, or a name in /etc/services
 * (unless AI_NUMERICSERV).  -1 when neither. */
static int
parse_servname(const char *servname, const struct evutil_addrinfo *hints)
{
	struct servent ent, *found = NULL;
	const char *proto = NULL;
	char buf[1024], *end;
	long n;

	n = strtol(servname, &end, 10);
	if (servname[0] != '\0' && *end == '\0' && n >= 0 && n <= 65535)
		return (int)n;
	if (hints->ai_flags & EVUTIL_AI_NUMERICSERV)
		return -1;
	if (hints->ai_protocol == IPPROTO_TCP)
		proto = "tcp";
	else if (hints->ai_protocol == IPPROTO_UDP)
		proto = "udp";
	if (getservbyname_r(servname, proto, &ent, buf, sizeof(buf), &found) !=
	        0 ||
	    found == NULL)
		return -1;
	return ntohs((ev_uint16_t)found->s_port);
}

#define GAI_NEED_RESOLVE 1 /* not an EVUTIL_EAI_* code: those are < 0 */

/*
 * The answers that need no lookup: a NULL host (the loopback, or with
 * AI_PASSIVE the wildcard address), an IPv6 or IPv4 literal.  0 with *res,
 * an EVUTIL_EAI_* error, or GAI_NEED_RESOLVE with *port set.
 */
static int
answer_at_once(const char *nodename, const char *servname,
    struct evutil_addrinfo *hints, struct evutil_addrinfo **res, int *port)
{
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	int passive = hints->ai_flags & EVUTIL_AI_PASSIVE;
	unsigned scope = 0;

	*res = NULL;
	*port = 0;
	if (nodename == NULL && servname == NULL)
		return EVUTIL_EAI_NONAME;
	if (hints->ai_family != PF_UNSPEC && hints->ai_family != PF_INET &&
	    hints->ai_family != PF_INET6)
		return EVUTIL_EAI_FAMILY;
	infer_protocols(hints);
	if (servname && (*port = parse_servname(servname, hints)) < 0)
		return EVUTIL_EAI_NONAME;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	if (nodename == NULL) {
		if (!passive) {
			sin.sin_addr.s_addr = htonl(0x7f000001);
			sin6.sin6_addr.s6_addr[15] = 1;
		}
		if (hints->ai_family != PF_INET6 &&
		    append_addr(res, (struct sockaddr *)&sin,
		        (ev_uint16_t)*port, hints) < 0)
			goto nomem;
		if (hints->ai_family != PF_INET &&
		    append_addr(res, (struct sockaddr *)&sin6,
		        (ev_uint16_t)*port, hints) < 0)
			goto nomem;
		return 0;
	}
	if (hints->ai_family != PF_INET &&
	    evutil_inet_pton_scope(AF_INET6, nodename, &sin6.sin6_addr,
	        &scope) == 1) {
		sin6.sin6_scope_id = scope;
		if (append_addr(res, (struct sockaddr *)&sin6,
		        (ev_uint16_t)*port, hints) < 0)
			goto nomem;
		return 0;
	}
	if (hints->ai_family != PF_INET6 &&
	    evutil_inet_pton(AF_INET, nodename, &sin.sin_addr) == 1) {
		if (append_addr(res, (struct sockaddr *)&sin,
		        (ev_uint16_t)*port, hints) < 0)
			goto nomem;
		return 0;
	}
	return GAI_NEED_RESOLVE;

nomem:
	evutil_freeaddrinfo(*res);
	*res = NULL;
	return EVUTIL_EAI_MEMORY;
}

/* A hosts-file name: 0 with *res, an EVUTIL_EAI_* code, or
 * GAI_NEED_RESOLVE when the name is in no hosts file. */
static int
answer_from_hosts(struct evdns_base *base, const char *nodename,
    const struct evutil_addrinfo *hints, int port, struct evutil_addrinfo **res)
{
	const struct evdns_hosts_addr *a;
	int i, n, r = 0;

	*res = NULL;
	evdns_base_lock_(base);
	a = evdns_hosts_find_(*evdns_base_hosts_(base), nodename, &n);
	for (i = 0; i < n && r == 0; i++) {
		if ((a[i].u.sa.sa_family == AF_INET &&
		        hints->ai_family == PF_INET6) ||
		    (a[i].u.sa.sa_family == AF_INET6 &&
		        hints->ai_family == PF_INET))
			continue;
		if (append_addr(res, &a[i].u.sa, (ev_uint16_t)port, hints) < 0)
			r = EVUTIL_EAI_MEMORY;
	}
	evdns_base_unlock_(base);
	if (r != 0) {
		evutil_freeaddrinfo(*res);
		*res = NULL;
		return r;
	}
	if (a == NULL)
		return GAI_NEED_RESOLVE;
	return *res ? 0 : EVUTIL_EAI_NODATA;
}

/* ------------------------------------------------------------------ */
/* Lookups.                                                            */

static void
request_free(struct evdns_getaddrinfo_request *data)
{
	if (data->prevp) {
		evdns_base_lock_(data->base);
		if (data->next)
			data->next->prevp = data->prevp;
		*data->prevp = data->next;
		evdns_base_unlock_(data->base);
	}
	evutil_freeaddrinfo(data->v4.res);
	evutil_freeaddrinfo(data->v6.res);
	mm_free(data->canon);
	if (event_initialized(&data->timer))
		event_del(&data->timer);
	mm_free(data);
}

/* The error libevent gives for a DNS_ERR_* code. */
static int
dns_err_to_eai(int err)
{
	if (err == DNS_ERR_NONE)
		return 0;
	if (err == DNS_ERR_NOTEXIST)
		return EVUTIL_EAI_NONAME;
	return EVUTIL_EAI_FAIL;
}

/* Runs the user's callback with what the lookup has; the caller frees. */
static void
report(struct evdns_getaddrinfo_request *data)
{
	struct evutil_addrinfo *res = NULL;
	int err;

	data->reported = 1;
	if (data->canceled) {
		err = EVUTIL_EAI_CANCEL;
	} else if (data->v4.res || data->v6.res) {
		res = evutil_addrinfo_append_(data->v4.res, data->v6.res);
		data->v4.res = data->v6.res = NULL;
		res->ai_canonname = data->canon;
		data->canon = NULL;
		err = 0;
	} else {
		err = data->last_err ? data->last_err : EVUTIL_EAI_AGAIN;
	}
	data->cb(err, res, data->arg);
}

static void
cancel_pending(struct evdns_getaddrinfo_request *data)
{
	if (data->v4.pending && data->v4.r)
		evdns_cancel_request(data->base, data->v4.r);
	if (data->v6.pending && data->v6.r)
		evdns_cancel_request(data->base, data->v6.r);
}

/* The skew wait ran out (report what we have and drop the other query),
 * or a cancel is to be reported from the loop. */
static void
timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct evdns_getaddrinfo_request *data = arg;

	data->in_timer = 1;
	if (!data->reported)
		report(data);
	/* The queries still out end with DNS_ERR_CANCEL, now or later. */
	cancel_pending(data);
	data->in_timer = 0;
	if (!data->v4.pending && !data->v6.pending)
		request_free(data);
}

/* One query ended: result, and count addresses when DNS_ERR_NONE; canon
 * is the canonical name for AI_CANONNAME (NULL: none known). */
static void
sub_done(struct gai_sub *sub, int result, int count, const void *addresses,
    const char *canon)
{
	struct evdns_getaddrinfo_request *data = sub->owner;
	struct gai_sub *other = sub == &data->v4 ? &data->v6 : &data->v4;
	struct sockaddr_storage ss;
	int i, family = sub == &data->v4 ? AF_INET : AF_INET6;
	size_t alen = family == AF_INET ? 4 : 16;

	sub->pending = 0;
	sub->r = NULL;
	if (data->reported || data->canceled) {
		/* Answered already (the skew ran out), or the user cancelled:
		 * wait for the other query, then report from the loop. */
		if (other->pending || data->in_timer)
			return;
		if (data->reported) {
			request_free(data);
			return;
		}
		event_del(&data->timer);
		event_active(&data->timer, EV_TIMEOUT, 1);
		return;
	}

	if (result == DNS_ERR_NONE && count > 0) {
		memset(&ss, 0, sizeof(ss));
		ss.ss_family = (sa_family_t)family;
		for (i = 0; i < count && sub->err == 0; i++) {
			void *dst = family == AF_INET
			    ? (void *)&((struct sockaddr_in *)&ss)->sin_addr
			    : (void *)&((struct sockaddr_in6 *)&ss)->sin6_addr;

			memcpy(dst, (const char *)addresses + i * alen, alen);
			if (append_addr(&sub->res, (struct sockaddr *)&ss,
			        data->port, &data->hints) < 0)
				sub->err = EVUTIL_EAI_MEMORY;
		}
		if (sub->err) {
			evutil_freeaddrinfo(sub->res);
			sub->res = NULL;
		}
	} else if (result == DNS_ERR_NONE) {
		sub->err = EVUTIL_EAI_NODATA;
	} else {
		sub->err = dns_err_to_eai(result);
	}
	if (sub->err)
		data->last_err = sub->err;
	else if (canon && data->canon == NULL)
		data->canon = mm_strdup(canon);

	if (other->pending) {
		/* Give the other family a moment, unless the base is going
		 * away (its query ends with DNS_ERR_SHUTDOWN at once). */
		if (result != DNS_ERR_SHUTDOWN &&
		    !event_pending(&data->timer, EV_TIMEOUT, NULL)) {
			struct timeval tv;
			int ms =
			    evdns_base_getaddrinfo_allow_skew_msec_(data->base);

			tv.tv_sec = ms / 1000;
			tv.tv_usec = (ms % 1000) * 1000;
			event_add(&data->timer, &tv);
		}
		return;
	}
	report(data);
	request_free(data);
}

static void
sub_cb(int result, char type, int count, int ttl, void *addresses, void *arg)
{
	sub_done(arg, result, count, addresses, NULL);
}

/* Presentation names equal, the final dot and ASCII case ignored. */
static int
same_name(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la > 1 && a[la - 1] == '.')
		la--;
	if (lb > 1 && b[lb - 1] == '.')
		lb--;
	return la == lb && !evutil_ascii_strncasecmp(a, b, la);
}

/*
 * AI_CANONNAME: the query went through evdns_base_query, so that the
 * reply's CNAME chain gives the canonical name.  The addresses are those
 * at the chain's end, as evdns_base_resolve_ipv4/ipv6 would give them.
 */
static void
query_cb(const struct evdns_query_result *res, void *arg)
{
	struct gai_sub *sub = arg;
	int ipv6 = sub == &sub->owner->v6, count = 0, i, more = 1, hop;
	size_t alen = ipv6 ? 16 : 4, n;
	ev_uint16_t want = ipv6 ? EVDNS_TYPE_AAAA : EVDNS_TYPE_A;
	const struct evdns_msg_rr *an;
	unsigned char *addrs = NULL;
	char *canon;

	if (res->err != DNS_ERR_NONE) {
		sub_done(sub, res->err, 0, NULL, NULL);
		return;
	}
	if (res->msg->rcode != 0) {
		sub_done(sub,
		    res->msg->rcode <= DNS_ERR_REFUSED ? res->msg->rcode
		                                       : DNS_ERR_UNKNOWN,
		    0, NULL, NULL);
		return;
	}
	an = res->msg->section[EVDNS_SECTION_ANSWER];
	n = res->msg->n_section[EVDNS_SECTION_ANSWER];
	canon = mm_strdup(res->qname);
	/* Follow the chain, one hop per record at most (no loops). */
	for (hop = 0; canon && more && hop < (int)n; hop++) {
		more = 0;
		for (i = 0; i < (int)n && !more; i++) {
			if (an[i].type == EVDNS_TYPE_CNAME &&
			    same_name(an[i].name, canon)) {
				mm_free(canon);
				canon = mm_strdup(an[i].text);
				more = 1;
			}
		}
	}
	if (canon && n > 0)
		addrs = mm_calloc(n, alen);
	if (canon == NULL || (n > 0 && addrs == NULL)) {
		mm_free(canon);
		sub_done(sub, DNS_ERR_UNKNOWN, 0, NULL, NULL);
		return;
	}
	for (i = 0; i < (int)n; i++)
		if (an[i].type == want && an[i].rclass == EVDNS_CLASS_IN &&
		    an[i].rdlength == alen && same_name(an[i].name, canon))
			memcpy(addrs + alen * (size_t)count++, an[i].rdata,
			    alen);
	n = strlen(canon);
	if (n > 1 && canon[n - 1] == '.')
		canon[n - 1] = '\0';
	/* No address: what evdns_base_resolve_ipv4 reports then. */
	sub_done(sub, count ? DNS_ERR_NONE : DNS_ERR_NODATA, count, addrs,
	    canon);
	mm_free(addrs);
	mm_free(canon);
}

/* Starts one query; 0 when its callback will come. */
static int
start_sub(struct evdns_getaddrinfo_request *data, struct gai_sub *sub,
    const char *nodename, int ipv6)
{
	struct evdns_request *r;

	sub->owner = data;
	sub->pending = 1;
	if (data->hints.ai_flags & EVUTIL_AI_CANONNAME) {
		struct evdns_query_options opts;

		memset(&opts, 0, sizeof(opts));
		opts.type = ipv6 ? EVDNS_TYPE_AAAA : EVDNS_TYPE_A;
		opts.flags = EVDNS_QUERY_SEARCH;
		r = evdns_base_query(data->base, nodename, &opts, query_cb,
		    sub);
	} else if (ipv6) {
		r = evdns_base_resolve_ipv6(data->base, nodename, 0, sub_cb,
		    sub);
	} else {
		r = evdns_base_resolve_ipv4(data->base, nodename, 0, sub_cb,
		    sub);
	}
	if (sub->pending)
		sub->r = r;
	if (r == NULL && sub->pending) {
		sub->pending = 0;
		sub->err = EVUTIL_EAI_FAIL;
		return -1;
	}
	return 0;
}

struct evdns_getaddrinfo_request *
evdns_getaddrinfo(struct evdns_base *dns_base, const char *nodename,
    const char *servname, const struct evutil_addrinfo *hints_in,
    evdns_getaddrinfo_cb cb, void *arg)
{
	struct evdns_getaddrinfo_request *data, **head;
	struct evutil_addrinfo hints, *res = NULL;
	int err, port = 0, started = 0;

	if (dns_base == NULL)
		dns_base = evdns_get_global_base();
	if (dns_base == NULL) {
		event_warnx("evdns_getaddrinfo: no evdns_base");
		cb(EVUTIL_EAI_FAIL, NULL, arg);
		return NULL;
	}
	if (hints_in && (hints_in->ai_flags & EVUTIL_AI_NUMERICHOST)) {
		err = evutil_getaddrinfo(nodename, servname, hints_in, &res);
		cb(err, res, arg);
		return NULL;
	}
	if (hints_in) {
		hints = *hints_in;
	} else {
		memset(&hints, 0, sizeof(hints));
		hints.ai_family = PF_UNSPEC;
	}
	adjust_for_addrconfig(&hints);

	err = answer_at_once(nodename, servname, &hints, &res, &port);
	if (err == GAI_NEED_RESOLVE)
		err = answer_from_hosts(dns_base, nodename, &hints, port, &res);
	if (err != GAI_NEED_RESOLVE) {
		cb(err, res, arg);
		return NULL;
	}

	data = mm_calloc(1, sizeof(*data));
	if (data == NULL) {
		cb(EVUTIL_EAI_MEMORY, NULL, arg);
		return NULL;
	}
	data->base = dns_base;
	data->hints = hints;
	data->port = (ev_uint16_t)port;
	data->cb = cb;
	data->arg = arg;
	data->v4.owner = data->v6.owner = data;
	evtimer_assign(&data->timer, evdns_base_get_event_base_(dns_base),
	    timer_cb, data);
	evdns_base_lock_(dns_base);
	head = evdns_base_gai_head_(dns_base);
	data->next = *head;
	if (data->next)
		data->next->prevp = &data->next;
	data->prevp = head;
	*head = data;
	evdns_base_unlock_(dns_base);

	/* The callbacks cannot run before we return: they come from the
	 * loop. */
	if (hints.ai_family != PF_INET6)
		started += start_sub(data, &data->v4, nodename, 0) == 0;
	if (hints.ai_family != PF_INET)
		started += start_sub(data, &data->v6, nodename, 1) == 0;
	if (!started) {
		request_free(data);
		cb(EVUTIL_EAI_FAIL, NULL, arg);
		return NULL;
	}
	return data;
}

/* The base goes away without failing its requests: nothing is reported
 * (libevent's rule for fail_requests == 0), but nothing may be left to
 * fire either.  The queries themselves are dropped by evdns_base_free
 * right after. */
void
evdns_gai_drop_all_(struct evdns_base *base)
{
	struct evdns_getaddrinfo_request **head = evdns_base_gai_head_(base);

	struct evdns_getaddrinfo_request *data;

	while ((data = *head) != NULL) {
		/* A query may have ended already, its callback still to run
		 * from the loop: it must not reach this lookup. */
		if (data->v4.pending && data->v4.r)
			evdns_request_silence_(data->v4.r);
		if (data->v6.pending && data->v6.r)
			evdns_request_silence_(data->v6.r);
		request_free(data);
	}
}

/* The base is gone after failing its requests: a lookup still here only
 * waits for its deferred report, which needs nothing of the base. */
void
evdns_gai_detach_all_(struct evdns_base *base)
{
	struct evdns_getaddrinfo_request **head = evdns_base_gai_head_(base);
	struct evdns_getaddrinfo_request *data;

	while ((data = *head) != NULL) {
		*head = data->next;
		data->next = NULL;
		data->prevp = NULL;
		/* Their queries end with DNS_ERR_SHUTDOWN from the loop; no
		 * cancel may reach the freed base before that. */
		data->v4.r = data->v6.r = NULL;
		if (*head)
			(*head)->prevp = head;
	}
}

void
evdns_getaddrinfo_cancel(struct evdns_getaddrinfo_request *data)
{
	if (data == NULL || data->reported || data->canceled)
		return;
	data->canceled = 1;
	event_del(&data->timer);
	if (!data->v4.pending && !data->v6.pending) {
		event_active(&data->timer, EV_TIMEOUT, 1);
		return;
	}
	cancel_pending(data);
}
