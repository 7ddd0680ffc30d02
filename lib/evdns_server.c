/*
 * evdns_server.c: the server side of evdns (a DNS server port on a UDP
 * socket the program bound), libevent 2.1's API.
 *
 * Each datagram is parsed into a request whose public head is
 * struct evdns_server_request (dns_struct.h); the program's callback adds
 * records and responds or drops.  Replies are built with the wire module's
 * builder (names compressed), limited to 512 bytes, or to the client's
 * EDNS payload size when its query had an OPT record (echoed in the
 * reply); what does not fit is left out whole and TC is set.  A reply the
 * socket cannot take now (EAGAIN) is queued until the socket is writable.
 * A port closed while requests are pending lives until the last of them
 * is answered or dropped.
 *
 * Where libevent 2.1 is wrong we are right: a datagram shorter than a
 * header or otherwise malformed does not crash the port (a malformed
 * query gets FORMERR, a header-less one nothing), an opcode other than
 * QUERY gets NOTIMP, an EDNS version above 0 gets BADVERS, a truncated
 * reply stays well formed (libevent cuts it at byte 512), add_a_reply and
 * add_aaaa_reply with n addresses add n records (libevent one record of
 * n*4 bytes), and EAGAIN on send queues the reply (libevent's test of the
 * error is inverted).
 */
#include "config.h"

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include <event2/dns.h>
#include <event2/dns_struct.h>
#include <event2/event.h>
#include <event2/event_struct.h>
#include <event2/thread.h>
#include <event2/util.h>

#include "dns-wire-internal.h"
#include "evthread-internal.h"
#include "log-internal.h"
#include "mm-internal.h"
#include "util-internal.h"

#define QR_BIT 0x8000
#define OPCODE_MASK 0x7800
#define TC_BIT 0x0200
#define RD_BIT 0x0100
#define CD_BIT 0x0010
#define TYPE_OPT 41
#define RCODE_FORMERR 1
#define RCODE_NOTIMP 4
#define RCODE_BADVERS 16

#define UDP_PLAIN_MAX 512
#define UDP_EDNS_MAX 4096 /* the most we send, whatever the client offers */
#define OPT_LEN 11        /* root owner, type, class, ttl, rdlength */
#define READS_PER_WAKEUP 64
#ifndef MSG_DONTWAIT
#define MSG_DONTWAIT 0
#endif
#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL 0
#endif

struct server_rr {
	int section;
	ev_uint16_t type, rclass;
	ev_uint32_t ttl;
	int is_name;
	size_t owner_len, rdlen;
	unsigned char data[]; /* owner (wire), then rdata */
};

/* A question: its wire name for the reply, then the public part, whose
 * name runs past the end of the struct. */
struct server_question {
	unsigned char wire[DNS_NAME_MAX];
	struct evdns_server_question q;
};

struct server_request {
	struct evdns_server_request base; /* what the callback sees */
	struct evdns_server_port *port;
	TAILQ_ENTRY(server_request) link; /* on port->queued */
	int queued;
	ev_uint16_t id;
	ev_uint16_t opcode; /* the query's opcode bits, echoed */
	int edns;           /* the query had an OPT record */
	ev_uint16_t edns_size;
	ev_uint16_t edns_do;
	int edns_version;
	struct sockaddr_storage addr;
	ev_socklen_t addrlen;
	struct server_rr **rrs;
	int n_rrs, cap_rrs;
	unsigned char *response; /* built by respond */
	size_t response_len;
};

struct evdns_server_port {
	evutil_socket_t fd;
	struct event_base *base;
	struct event read_ev, write_ev;
	evdns_request_callback_fn_type cb;
	void *user_data;
	int refcnt; /* the port itself (until closed) and each request */
	int closing;
	TAILQ_HEAD(, server_request) queued; /* replies waiting for EV_WRITE */
	void *lock;
	unsigned char buf[UDP_EDNS_MAX];
};

#define PORT_LOCK(p) EVLOCK_LOCK((p)->lock, 0)
#define PORT_UNLOCK(p) EVLOCK_UNLOCK((p)->lock, 0)

#define REQ(r) EVUTIL_UPCAST((r), struct server_request, base)

static void
port_free(struct evdns_server_port *port)
{
	event_del(&port->read_ev);
	event_del(&port->write_ev);
	/* libevent closes the socket too. */
	evutil_closesocket(port->fd);
	EVTHREAD_FREE_LOCK(port->lock, EVTHREAD_LOCKTYPE_RECURSIVE);
	mm_free(port);
}

/* Drops one reference, unlocks, and frees the port at the last one. */
static void
port_decref_and_unlock(struct evdns_server_port *port)
{
	int last = --port->refcnt == 0;

	PORT_UNLOCK(port);
	if (last)
		port_free(port);
}

static void
request_free_answers(struct server_request *req)
{
	int i;

	for (i = 0; i < req->n_rrs; i++)
		mm_free(req->rrs[i]);
	mm_free(req->rrs);
	req->rrs = NULL;
	req->n_rrs = req->cap_rrs = 0;
}

/* Frees req; the caller holds the port lock and still owns the port's
 * reference the request held (it must drop it). */
static void
request_free(struct server_request *req)
{
	int i;

	if (req->queued)
		TAILQ_REMOVE(&req->port->queued, req, link);
	for (i = 0; i < req->base.nquestions; i++)
		mm_free(EVUTIL_UPCAST(req->base.questions[i],
		    struct server_question, q));
	mm_free(req->base.questions);
	request_free_answers(req);
	mm_free(req->response);
	mm_free(req);
}

/* ------------------------------------------------------------------ */
/* Replies.                                                            */

/* Builds the reply of req with rcode (extended when above 15). */
static int
build_response(struct server_request *req, int rcode)
{
	struct dns_builder b;
	unsigned char *buf;
	size_t limit = UDP_PLAIN_MAX, len;
	ev_uint16_t flags;
	int i, sec, stop;

	if (req->edns && req->edns_size > UDP_PLAIN_MAX)
		limit = req->edns_size < UDP_EDNS_MAX ? req->edns_size
		                                      : UDP_EDNS_MAX;
	buf = mm_malloc(limit);
	if (buf == NULL)
		return -1;
	/* Flags the program may set (AA, RA as libevent's FLAGS_RD, AD),
	 * the query's RD and CD, its opcode. */
	flags = (ev_uint16_t)(QR_BIT | req->opcode |
	    (req->base.flags & 0x05f0 & ~TC_BIT));
	/* Keep room for the OPT record, which always goes in. */
	dns_builder_init_(&b, buf, limit - (req->edns ? OPT_LEN : 0), req->id,
	    flags);
	for (i = 0; i < req->base.nquestions; i++) {
		struct server_question *sq =
		    EVUTIL_UPCAST(req->base.questions[i],
		        struct server_question, q);

		if (dns_builder_question_(&b, sq->wire, (ev_uint16_t)sq->q.type,
		        (ev_uint16_t)sq->q.dns_question_class) < 0)
			break;
	}
	for (sec = 0, stop = b.truncated; sec < 3 && !stop; sec++) {
		for (i = 0; i < req->n_rrs; i++) {
			struct server_rr *rr = req->rrs[i];

			if (rr->section != sec)
				continue;
			if (dns_builder_rr_(&b, sec, rr->data, rr->type,
			        rr->rclass, rr->ttl, rr->data + rr->owner_len,
			        rr->rdlen, rr->is_name) == 0)
				continue;
			/* Leaving out additional records needs no TC
			 * (RFC 2181, 9); anything else does. */
			if (sec == EVDNS_ADDITIONAL_SECTION)
				b.truncated = 0;
			stop = 1;
			break;
		}
	}
	if (req->edns) {
		static const unsigned char root[1] = { 0 };
		int truncated = b.truncated;

		/* The builder adds nothing once truncated: the OPT record
		 * goes in all the same, in the room kept for it. */
		b.truncated = 0;
		b.cap += OPT_LEN;
		dns_builder_rr_(&b, EVDNS_ADDITIONAL_SECTION, root, TYPE_OPT,
		    DNS_EDNS_DEFAULT_UDP,
		    ((ev_uint32_t)(rcode >> 4) << 24) | req->edns_do, NULL, 0,
		    0);
		b.truncated = truncated;
	}
	len = dns_builder_finish_(&b, rcode & 0xf);
	request_free_answers(req);
	req->response = buf;
	req->response_len = len;
	return 0;
}

static ev_ssize_t
send_reply(struct evdns_server_port *port, struct server_request *req)
{
	/* An unnamed peer (a connected AF_UNIX socket, as socketpair makes)
	 * has no address to send to: the connection names it. */
	if (req->addrlen <= sizeof(sa_family_t))
		return send(port->fd, (const void *)req->response,
		    req->response_len, MSG_DONTWAIT | MSG_NOSIGNAL);
	return sendto(port->fd, (const void *)req->response, req->response_len,
	    MSG_DONTWAIT | MSG_NOSIGNAL, (struct sockaddr *)&req->addr,
	    req->addrlen);
}

/* Sends the queued replies in order while the socket takes them. */
static void
flush_queue(struct evdns_server_port *port)
{
	struct server_request *req;

	while ((req = TAILQ_FIRST(&port->queued)) != NULL) {
		if (send_reply(port, req) < 0) {
			int err = errno;

			if (EVUTIL_ERR_RW_RETRIABLE(err))
				return;
			errno = err;
			event_warn("evdns server: sendto");
		}
		request_free(req);
		port->refcnt--; /* the caller holds one more */
	}
	event_del(&port->write_ev);
}

static void
port_write_cb(evutil_socket_t fd, short what, void *arg)
{
	struct evdns_server_port *port = arg;

	PORT_LOCK(port);
	port->refcnt++;
	flush_queue(port);
	port_decref_and_unlock(port);
}

/* Sends req's reply or queues it; frees req once sent.  0 or -1. */
static int
send_or_queue(struct evdns_server_port *port, struct server_request *req)
{
	int err;

	if (TAILQ_EMPTY(&port->queued)) {
		if (send_reply(port, req) >= 0) {
			request_free(req);
			port_decref_and_unlock(port);
			return 0;
		}
		err = errno;
		if (!EVUTIL_ERR_RW_RETRIABLE(err)) {
			errno = err;
			event_warn("evdns server: sendto");
			request_free(req);
			port_decref_and_unlock(port);
			return -1;
		}
		if (event_add(&port->write_ev, NULL) < 0) {
			request_free(req);
			port_decref_and_unlock(port);
			return -1;
		}
	}
	/* Behind others (order kept), or the socket is full. */
	TAILQ_INSERT_TAIL(&port->queued, req, link);
	req->queued = 1;
	PORT_UNLOCK(port);
	return 0;
}

static int
respond_locked(struct server_request *req, int rcode)
{
	struct evdns_server_port *port = req->port;

	if (req->response == NULL && build_response(req, rcode) < 0) {
		PORT_UNLOCK(port);
		return -1;
	}
	return send_or_queue(port, req);
}

int
evdns_server_request_respond(struct evdns_server_request *req_, int err)
{
	struct server_request *req = REQ(req_);

	if (err < 0 || err > 15)
		return -1;
	PORT_LOCK(req->port);
	if (req->queued) {
		/* Answered already. */
		PORT_UNLOCK(req->port);
		return -1;
	}
	return respond_locked(req, err);
}

int
evdns_server_request_drop(struct evdns_server_request *req_)
{
	struct server_request *req = REQ(req_);
	struct evdns_server_port *port = req->port;

	PORT_LOCK(port);
	request_free(req);
	port_decref_and_unlock(port);
	return 0;
}

void
evdns_server_request_set_flags(struct evdns_server_request *req, int flags)
{
	req->flags &= ~(EVDNS_FLAGS_AA | EVDNS_FLAGS_RD);
	req->flags |= flags;
}

int
evdns_server_request_get_requesting_addr(struct evdns_server_request *req_,
    struct sockaddr *sa, int addr_len)
{
	struct server_request *req = REQ(req_);

	if (addr_len < (int)req->addrlen)
		return -1;
	memcpy(sa, &req->addr, req->addrlen);
	return (int)req->addrlen;
}

/* ------------------------------------------------------------------ */
/* Adding records.                                                     */

/* Appends a record; rdata is raw, or a wire name when is_name. */
static int
add_rr(struct server_request *req, int section, const unsigned char *owner,
    int owner_len, int type, int rclass, int ttl, const void *rdata,
    size_t rdlen, int is_name)
{
	struct server_rr *rr;

	if (req->n_rrs == req->cap_rrs) {
		int cap = req->cap_rrs ? req->cap_rrs * 2 : 4;
		struct server_rr **a =
		    mm_realloc(req->rrs, (size_t)cap * sizeof(*a));

		if (a == NULL)
			return -1;
		req->rrs = a;
		req->cap_rrs = cap;
	}
	rr = mm_malloc(sizeof(*rr) + (size_t)owner_len + rdlen + 1);
	if (rr == NULL)
		return -1;
	rr->section = section;
	rr->type = (ev_uint16_t)type;
	rr->rclass = (ev_uint16_t)rclass;
	rr->ttl = (ev_uint32_t)ttl;
	rr->is_name = is_name;
	rr->owner_len = (size_t)owner_len;
	rr->rdlen = rdlen;
	memcpy(rr->data, owner, (size_t)owner_len);
	if (rdlen)
		memcpy(rr->data + owner_len, rdata, rdlen);
	req->rrs[req->n_rrs++] = rr;
	return 0;
}

/* Forgets the records added after the first n. */
static void
rollback_rrs(struct server_request *req, int n)
{
	while (req->n_rrs > n)
		mm_free(req->rrs[--req->n_rrs]);
}

int
evdns_server_request_add_reply(struct evdns_server_request *req_, int section,
    const char *name, int type, int dns_class, int ttl, int datalen,
    int is_name, const char *data)
{
	struct server_request *req = REQ(req_);
	unsigned char owner[DNS_NAME_MAX], rname[DNS_NAME_MAX];
	int owner_len, r = -1, rlen;

	if (section < EVDNS_ANSWER_SECTION ||
	    section > EVDNS_ADDITIONAL_SECTION)
		return -1;
	if (name == NULL || (owner_len = dns_name_from_text_(name, owner)) < 0)
		return -1;
	PORT_LOCK(req->port);
	if (req->response != NULL || req->queued)
		goto done;
	if (is_name) {
		if (data == NULL ||
		    (rlen = dns_name_from_text_(data, rname)) < 0)
			goto done;
		r = add_rr(req, section, owner, owner_len, type, dns_class, ttl,
		    rname, (size_t)rlen, 1);
	} else {
		if (datalen < 0 || datalen > 65535 || (datalen && !data))
			goto done;
		r = add_rr(req, section, owner, owner_len, type, dns_class, ttl,
		    data, (size_t)datalen, 0);
	}
done:
	PORT_UNLOCK(req->port);
	return r;
}

/* n records of size bytes each, all or none. */
static int
add_addr_replies(struct evdns_server_request *req_, const char *name, int n,
    const void *addrs, int ttl, int type, size_t size)
{
	struct server_request *req = REQ(req_);
	int i, before, r = 0;

	if (n < 0 || (n > 0 && addrs == NULL))
		return -1;
	PORT_LOCK(req->port);
	before = req->n_rrs;
	for (i = 0; i < n && r == 0; i++)
		r = evdns_server_request_add_reply(req_, EVDNS_ANSWER_SECTION,
		    name, type, EVDNS_CLASS_INET, ttl, (int)size, 0,
		    (const char *)addrs + (size_t)i * size);
	if (r < 0)
		rollback_rrs(req, before);
	PORT_UNLOCK(req->port);
	return r;
}

int
evdns_server_request_add_a_reply(struct evdns_server_request *req,
    const char *name, int n, const void *addrs, int ttl)
{
	return add_addr_replies(req, name, n, addrs, ttl, EVDNS_TYPE_A, 4);
}

int
evdns_server_request_add_aaaa_reply(struct evdns_server_request *req,
    const char *name, int n, const void *addrs, int ttl)
{
	return add_addr_replies(req, name, n, addrs, ttl, EVDNS_TYPE_AAAA, 16);
}

int
evdns_server_request_add_ptr_reply(struct evdns_server_request *req,
    struct in_addr *in, const char *inaddr_name, const char *hostname, int ttl)
{
	char buf[32];

	if ((in == NULL) == (inaddr_name == NULL))
		return -1;
	if (in) {
		const unsigned char *a = (const unsigned char *)&in->s_addr;

		evutil_snprintf(buf, sizeof(buf), "%u.%u.%u.%u.in-addr.arpa",
		    a[3], a[2], a[1], a[0]);
		inaddr_name = buf;
	}
	return evdns_server_request_add_reply(req, EVDNS_ANSWER_SECTION,
	    inaddr_name, EVDNS_TYPE_PTR, EVDNS_CLASS_INET, ttl, -1, 1,
	    hostname);
}

int
evdns_server_request_add_cname_reply(struct evdns_server_request *req,
    const char *name, const char *cname, int ttl)
{
	return evdns_server_request_add_reply(req, EVDNS_ANSWER_SECTION, name,
	    EVDNS_TYPE_CNAME, EVDNS_CLASS_INET, ttl, -1, 1, cname);
}

/* ------------------------------------------------------------------ */
/* Queries.                                                            */

/*
 * The text name the callback sees: dotted, without the final dot, labels
 * as they came except that "." and "\" inside a label are escaped (so
 * that the name given back to add_reply means the same name).  Returns
 * the length, or -1 when it does not fit.
 */
static int
wire_to_dotted(const unsigned char *wire, char *out, size_t cap)
{
	size_t o = 0;
	int i;

	while (*wire) {
		int n = *wire++;

		if (o && o + 1 < cap)
			out[o++] = '.';
		for (i = 0; i < n; i++, wire++) {
			if (*wire == '.' || *wire == '\\') {
				if (o + 1 >= cap)
					return -1;
				out[o++] = '\\';
			}
			if (o + 1 >= cap)
				return -1;
			out[o++] = (char)*wire;
		}
	}
	out[o] = '\0';
	return (int)o;
}

/* Reads the questions; 0, -1 malformed, -2 out of memory. */
static int
parse_questions(struct server_request *req, const unsigned char *msg,
    size_t len, size_t *pos, int qdcount)
{
	char text[DNS_NAME_MAX * 2 + 1];
	int i, tlen;

	if (qdcount == 0)
		return 0;
	req->base.questions =
	    mm_calloc((size_t)qdcount, sizeof(*req->base.questions));
	if (req->base.questions == NULL)
		return -2;
	for (i = 0; i < qdcount; i++) {
		unsigned char wire[DNS_NAME_MAX];
		struct server_question *sq;
		int wlen = dns_name_unpack_(msg, len, pos, wire);

		if (wlen < 0 || *pos + 4 > len)
			return -1;
		tlen = wire_to_dotted(wire, text, sizeof(text));
		if (tlen < 0)
			return -1;
		sq = mm_malloc(sizeof(*sq) + (size_t)tlen + 1);
		if (sq == NULL)
			return -2;
		memcpy(sq->wire, wire, (size_t)wlen);
		sq->q.type = dns_get16(msg + *pos);
		sq->q.dns_question_class = dns_get16(msg + *pos + 2);
		memcpy(sq->q.name, text, (size_t)tlen + 1);
		*pos += 4;
		req->base.questions[req->base.nquestions++] = &sq->q;
	}
	return 0;
}

/* Walks n records; notes an OPT record in the additional section.
 * 0, -1 malformed (or a second OPT). */
static int
parse_records(struct server_request *req, const unsigned char *msg, size_t len,
    size_t *pos, int n, int additional)
{
	unsigned char name[DNS_NAME_MAX];
	int i;

	for (i = 0; i < n; i++) {
		struct dns_rr_head h;

		if (dns_rr_read_(msg, len, pos, name, &h) < 0)
			return -1;
		if (additional && h.type == TYPE_OPT) {
			if (req->edns || name[0] != 0)
				return -1;
			req->edns = 1;
			req->edns_size = h.rclass;
			/* The TTL holds the extended rcode, the version (kept
			 * for BADVERS) and the flags. */
			req->edns_version = (ev_uint8_t)(h.ttl >> 16);
			req->edns_do = (ev_uint16_t)(h.ttl & 0x8000);
		}
	}
	return 0;
}

static void
handle_datagram(struct evdns_server_port *port, const unsigned char *msg,
    size_t len, const struct sockaddr *addr, ev_socklen_t addrlen)
{
	struct server_request *req;
	ev_uint16_t flags;
	size_t pos = DNS_HEADER_LEN;
	int r, rcode = 0;

	/* Shorter than a header: no ID to answer to. */
	if (len < DNS_HEADER_LEN)
		return;
	flags = dns_get16(msg + 2);
	/* Never answer an answer: two servers would loop. */
	if (flags & QR_BIT)
		return;
	req = mm_calloc(1, sizeof(*req));
	if (req == NULL)
		return;
	req->port = port;
	port->refcnt++;
	req->id = dns_get16(msg);
	req->opcode = flags & OPCODE_MASK;
	req->base.flags = flags & (RD_BIT | CD_BIT);
	memcpy(&req->addr, addr, addrlen);
	req->addrlen = addrlen;

	r = parse_questions(req, msg, len, &pos, dns_get16(msg + 4));
	if (r == 0)
		r = parse_records(req, msg, len, &pos, dns_get16(msg + 6), 0);
	if (r == 0)
		r = parse_records(req, msg, len, &pos, dns_get16(msg + 8), 0);
	if (r == 0)
		r = parse_records(req, msg, len, &pos, dns_get16(msg + 10), 1);
	if (r == 0 && pos != len)
		r = -1; /* bytes after the last record */
	if (r == -2) {
		request_free(req);
		port->refcnt--;
		return;
	}
	if (r < 0) {
		/* Malformed: FORMERR with no question and no OPT. */
		int i;

		for (i = 0; i < req->base.nquestions; i++)
			mm_free(EVUTIL_UPCAST(req->base.questions[i],
			    struct server_question, q));
		req->base.nquestions = 0;
		req->edns = 0;
		rcode = RCODE_FORMERR;
	} else if (req->base.nquestions == 0) {
		rcode = RCODE_FORMERR;
	} else if (req->opcode != 0) {
		rcode = RCODE_NOTIMP;
	} else if (req->edns && req->edns_version != 0) {
		rcode = RCODE_BADVERS;
	}
	if (rcode) {
		PORT_LOCK(port); /* respond_locked unlocks once */
		respond_locked(req, rcode);
		return;
	}
	port->cb(&req->base, port->user_data);
}

static void
port_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct evdns_server_port *port = arg;
	struct sockaddr_storage addr;
	ev_socklen_t addrlen;
	ev_ssize_t n;
	int i;

	PORT_LOCK(port);
	port->refcnt++; /* a callback may close the port */
	for (i = 0; i < READS_PER_WAKEUP && !port->closing; i++) {
		addrlen = sizeof(addr);
		n = recvfrom(fd, (void *)port->buf, sizeof(port->buf),
		    MSG_DONTWAIT | MSG_TRUNC, (struct sockaddr *)&addr,
		    &addrlen);
		if (n < 0) {
			int err = errno;

			if (err == EINTR)
				continue;
			if (!EVUTIL_ERR_RW_RETRIABLE(err)) {
				errno = err;
				event_warn("evdns server: recvfrom");
			}
			break;
		}
		/* Larger than any query we take: MSG_TRUNC told us. */
		if ((size_t)n > sizeof(port->buf))
			continue;
		handle_datagram(port, port->buf, (size_t)n,
		    (struct sockaddr *)&addr, addrlen);
	}
	port_decref_and_unlock(port);
}

struct evdns_server_port *
evdns_add_server_port_with_base(struct event_base *base, evutil_socket_t socket,
    int flags, evdns_request_callback_fn_type callback, void *user_data)
{
	struct evdns_server_port *port;

	if (flags != 0 || base == NULL || callback == NULL || socket < 0)
		return NULL;
	/* libevent leaves this to the program, and its read loop then
	 * blocks forever on a blocking socket. */
	if (evutil_make_socket_nonblocking(socket) < 0)
		return NULL;
	port = mm_calloc(1, sizeof(*port));
	if (port == NULL)
		return NULL;
	port->fd = socket;
	port->base = base;
	port->cb = callback;
	port->user_data = user_data;
	port->refcnt = 1;
	TAILQ_INIT(&port->queued);
	event_assign(&port->read_ev, base, socket, EV_READ | EV_PERSIST,
	    port_read_cb, port);
	event_assign(&port->write_ev, base, socket, EV_WRITE | EV_PERSIST,
	    port_write_cb, port);
	EVTHREAD_ALLOC_LOCK(port->lock, EVTHREAD_LOCKTYPE_RECURSIVE);
	if (event_add(&port->read_ev, NULL) < 0) {
		EVTHREAD_FREE_LOCK(port->lock, EVTHREAD_LOCKTYPE_RECURSIVE);
		mm_free(port);
		return NULL;
	}
	return port;
}

void
evdns_close_server_port(struct evdns_server_port *port)
{
	if (port == NULL)
		return;
	PORT_LOCK(port);
	port->closing = 1;
	event_del(&port->read_ev);
	port_decref_and_unlock(port);
}
