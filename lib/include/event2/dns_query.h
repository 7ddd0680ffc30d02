/*
 * event2/dns_query.h: evkit's extension to evdns (not in libevent).
 *
 * libevent's resolver asks for A, AAAA and PTR records only.  This header
 * adds what a dig needs: a query of any type and class, with chosen header
 * and EDNS flags, over UDP or TCP, answered with the whole parsed message;
 * a parser for DNS messages (usable on its own, without a resolver); and
 * presentation-format text ("zone file" text, as dig prints it) for every
 * record.
 *
 * Queries go to the evdns_base's nameservers with its timeouts, retries,
 * failover and TCP fallback (a reply with TC set is asked again over TCP
 * unless EVDNS_QUERY_IGNORE_TC).  Queries made with EVDNS_QUERY_TCP to the
 * same nameserver share its connections and are pipelined (RFC 7766).
 * The option "use-vc:" 1 (evdns_base_set_option, or "options use-vc" in
 * resolv.conf, as glibc reads it) sends every query of the base over TCP
 * from the first try, those of evdns_base_resolve_* and
 * evdns_getaddrinfo and the probes of down nameservers included.
 */
#ifndef EVENT2_DNS_QUERY_H_INCLUDED_
#define EVENT2_DNS_QUERY_H_INCLUDED_

#include <event2/visibility.h>
#include <event2/util.h>
#include <event2/dns.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

struct sockaddr;

/* Record types beyond those <event2/dns.h> names (RFC numbers). */
#define EVDNS_TYPE_MD 3
#define EVDNS_TYPE_MF 4
#define EVDNS_TYPE_MB 7
#define EVDNS_TYPE_MG 8
#define EVDNS_TYPE_MR 9
#define EVDNS_TYPE_NULL 10
#define EVDNS_TYPE_WKS 11
#define EVDNS_TYPE_HINFO 13
#define EVDNS_TYPE_MINFO 14
#define EVDNS_TYPE_RP 17
#define EVDNS_TYPE_AFSDB 18
#define EVDNS_TYPE_SIG 24
#define EVDNS_TYPE_KEY 25
#define EVDNS_TYPE_LOC 29
#define EVDNS_TYPE_SRV 33
#define EVDNS_TYPE_NAPTR 35
#define EVDNS_TYPE_KX 36
#define EVDNS_TYPE_CERT 37
#define EVDNS_TYPE_DNAME 39
#define EVDNS_TYPE_OPT 41
#define EVDNS_TYPE_APL 42
#define EVDNS_TYPE_DS 43
#define EVDNS_TYPE_SSHFP 44
#define EVDNS_TYPE_IPSECKEY 45
#define EVDNS_TYPE_RRSIG 46
#define EVDNS_TYPE_NSEC 47
#define EVDNS_TYPE_DNSKEY 48
#define EVDNS_TYPE_DHCID 49
#define EVDNS_TYPE_NSEC3 50
#define EVDNS_TYPE_NSEC3PARAM 51
#define EVDNS_TYPE_TLSA 52
#define EVDNS_TYPE_SMIMEA 53
#define EVDNS_TYPE_HIP 55
#define EVDNS_TYPE_CDS 59
#define EVDNS_TYPE_CDNSKEY 60
#define EVDNS_TYPE_OPENPGPKEY 61
#define EVDNS_TYPE_CSYNC 62
#define EVDNS_TYPE_ZONEMD 63
#define EVDNS_TYPE_SVCB 64
#define EVDNS_TYPE_HTTPS 65
#define EVDNS_TYPE_SPF 99
#define EVDNS_TYPE_EUI48 108
#define EVDNS_TYPE_EUI64 109
#define EVDNS_TYPE_TKEY 249
#define EVDNS_TYPE_TSIG 250
#define EVDNS_TYPE_IXFR 251
#define EVDNS_TYPE_AXFR 252
#define EVDNS_TYPE_ANY 255
#define EVDNS_TYPE_URI 256
#define EVDNS_TYPE_CAA 257

/* Classes. */
#define EVDNS_CLASS_IN 1
#define EVDNS_CLASS_CH 3
#define EVDNS_CLASS_HS 4
#define EVDNS_CLASS_NONE 254
#define EVDNS_CLASS_ANY 255

/* Rcodes (the low 4 bits in the header; above 15 only with EDNS). */
#define EVDNS_RCODE_NOERROR 0
#define EVDNS_RCODE_FORMERR 1
#define EVDNS_RCODE_SERVFAIL 2
#define EVDNS_RCODE_NXDOMAIN 3
#define EVDNS_RCODE_NOTIMP 4
#define EVDNS_RCODE_REFUSED 5
#define EVDNS_RCODE_BADVERS 16

/* Bits of evdns_msg.flags: the header's second 16-bit word, which also
 * holds the opcode (bits 11-14) and the low 4 bits of the rcode. */
#define EVDNS_MSG_QR 0x8000
#define EVDNS_MSG_AA 0x0400
#define EVDNS_MSG_TC 0x0200
#define EVDNS_MSG_RD 0x0100
#define EVDNS_MSG_RA 0x0080
#define EVDNS_MSG_Z 0x0040
#define EVDNS_MSG_AD 0x0020
#define EVDNS_MSG_CD 0x0010

/* The DO bit of evdns_msg.edns_flags. */
#define EVDNS_EDNS_DO 0x8000

/* Sections of a message (equal to EVDNS_ANSWER_SECTION and its kin). */
#define EVDNS_SECTION_ANSWER 0
#define EVDNS_SECTION_AUTHORITY 1
#define EVDNS_SECTION_ADDITIONAL 2

/*
 * Names are in presentation form: absolute, with the final dot ("." for
 * the root), and with RFC 1035 / RFC 4343 escapes as dig prints them: a
 * backslash before each of . \ " ( ) ; @ $ inside a label ("\.", "\\",
 * "\(", ...), and "\DDD" (three decimal digits) for space and every byte
 * outside printable ASCII.  Letters keep the case they had on the wire.
 */
struct evdns_msg_question {
	char *name;
	ev_uint16_t type;
	ev_uint16_t qclass;
};

struct evdns_msg_rr {
	char *name; /* the owner name */
	ev_uint16_t type;
	ev_uint16_t rclass; /* for OPT: the sender's UDP payload size */
	ev_uint32_t ttl;    /* for OPT: extended rcode, version, flags */
	ev_uint16_t rdlength;
	/* rdlength bytes inside evdns_msg.wire, exactly as received: names
	 * in the rdata of the RFC 1035 types may be compression pointers. */
	const unsigned char *rdata;
	/* The rdata in presentation form, as dig prints it after the type
	 * (names expanded; RFC 3597 "\# LEN HEX" for types without a text
	 * form).  For OPT: one "; NAME: value" line per option, "" if none. */
	char *text;
};

struct evdns_msg {
	const unsigned char *wire; /* the message, copied */
	size_t wire_len;
	ev_uint16_t id;
	ev_uint16_t flags; /* EVDNS_MSG_* bits, opcode, rcode */
	int opcode;        /* 0 QUERY, 1 IQUERY, 2 STATUS, 4 NOTIFY, 5 UPDATE */
	int rcode;         /* the full rcode: header bits | EDNS bits << 4 */
	/* The counts the header announced: QD, AN, NS, AR (AR counts the
	 * OPT record). */
	ev_uint16_t count[4];
	struct evdns_msg_question *question;
	size_t n_question;
	/* Answer, authority, additional; the OPT record is not in
	 * section[2] but in opt. */
	struct evdns_msg_rr *section[3];
	size_t n_section[3];
	const struct evdns_msg_rr *opt; /* NULL without EDNS */
	ev_uint16_t edns_udp_size;
	ev_uint8_t edns_version;
	ev_uint16_t edns_flags; /* EVDNS_EDNS_DO | Z bits */
};

/* Parses a whole DNS message (len bytes).  Every read is bounds-checked;
 * a malformed message (truncated, a count beyond the data, a compression
 * pointer that is not strictly backwards or loops, a label over 63 or a
 * name over 255 bytes, an rdata that does not fit its type, two OPT
 * records, bytes left over) is refused: returns 0 and sets *msgp, or -1
 * and leaves *msgp alone.  Free the result with evdns_msg_free. */
EVENT2_EXPORT_SYMBOL
int evdns_msg_parse(const unsigned char *buf, size_t len,
    struct evdns_msg **msgp);

EVENT2_EXPORT_SYMBOL
void evdns_msg_free(struct evdns_msg *msg);

/* Mnemonics: "AAAA", "IN", "NXDOMAIN", "QUERY"; NULL when the number has
 * none (callers print "TYPE65280", "CLASS10", "RCODE23", "OPCODE9"). */
EVENT2_EXPORT_SYMBOL
const char *evdns_type_name(int type);
EVENT2_EXPORT_SYMBOL
const char *evdns_class_name(int qclass);
EVENT2_EXPORT_SYMBOL
const char *evdns_rcode_name(int rcode);
EVENT2_EXPORT_SYMBOL
const char *evdns_opcode_name(int opcode);

/* The number for a mnemonic, case-insensitive, including the RFC 3597
 * forms "TYPE123" and "CLASS3"; -1 when s is neither. */
EVENT2_EXPORT_SYMBOL
int evdns_type_from_name(const char *s);
EVENT2_EXPORT_SYMBOL
int evdns_class_from_name(const char *s);

/* Flags of evdns_query_options.flags. */
#define EVDNS_QUERY_TCP 0x01       /* TCP from the start (dig +tcp) */
#define EVDNS_QUERY_NO_RD 0x02     /* recursion not desired (+norecurse) */
#define EVDNS_QUERY_CD 0x04        /* checking disabled (+cd) */
#define EVDNS_QUERY_AD 0x08        /* AD set in the query (+adflag) */
#define EVDNS_QUERY_DO 0x10        /* EDNS DO bit (+dnssec) */
#define EVDNS_QUERY_NO_EDNS 0x20   /* no OPT record (+noedns) */
#define EVDNS_QUERY_SEARCH 0x40    /* apply the search list (+search) */
#define EVDNS_QUERY_IGNORE_TC 0x80 /* hand back truncated replies (+ignore) */

struct evdns_query_options {
	int flags;                 /* EVDNS_QUERY_* */
	ev_uint16_t type;          /* 0 means A */
	ev_uint16_t qclass;        /* 0 means IN */
	ev_uint16_t edns_udp_size; /* 0 means 1232 */
	int timeout_msec;          /* per try; 0 means the base's timeout */
	int tries;                 /* 0 means the base's attempts */
};

/* What a query's callback receives; valid during the call only. */
struct evdns_query_result {
	/* DNS_ERR_NONE when a reply arrived, whatever its rcode (read it in
	 * msg->rcode); else DNS_ERR_TIMEOUT, DNS_ERR_CANCEL,
	 * DNS_ERR_SHUTDOWN, DNS_ERR_TRUNCATED (TC set and TCP failed) or
	 * DNS_ERR_UNKNOWN (no nameserver, a socket error). */
	int err;
	const struct evdns_msg *msg; /* the reply; NULL unless err is NONE */
	const char *qname; /* the name asked last (after the search list) */
	const struct sockaddr *server; /* who answered (or was asked last) */
	ev_socklen_t server_len;
	int tries;     /* datagrams and TCP queries sent in all */
	int tcp;       /* the reply came over TCP */
	long rtt_usec; /* from the last send to the reply */
	/* When the last TCP connection this query waited on could not be
	 * made: the socket error (ECONNREFUSED, ETIMEDOUT, ...); 0 when it
	 * connected (whatever happened later) or no connection failed. */
	int conn_err;
};

typedef void (
    *evdns_query_callback)(const struct evdns_query_result *res, void *arg);

/* Asks name (presentation form; the final dot optional) with opts (NULL:
 * all defaults).  The callback runs exactly once from the event loop,
 * never from inside this call.  Returns NULL (and runs no callback) when
 * name is not a valid domain name or memory is short.  Cancel with
 * evdns_cancel_request; the callback then runs with DNS_ERR_CANCEL. */
EVENT2_EXPORT_SYMBOL
struct evdns_request *evdns_base_query(struct evdns_base *base,
    const char *name, const struct evdns_query_options *opts,
    evdns_query_callback cb, void *arg);

/*
 * DNS over a stream the caller makes: DNS over TLS (RFC 7858) on evdns's
 * TCP connections.
 *
 * With a callback set, each TCP connection evdns opens to a nameserver
 * (one per nameserver at a time, shared and pipelined by every TCP query
 * to it) runs over a bufferevent the callback makes.  evdns makes the
 * socket (nonblocking, bound as bind-to says) and connects it; once the
 * connection is established it calls cb with the event base, the socket
 * and the nameserver's address.  cb returns a bufferevent over fd that
 * owns it (BEV_OPT_CLOSE_ON_FREE), for example a TLS one made with
 * bufferevent_openssl_socket_new(base, fd, ssl,
 * BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE), without
 * BEV_OPT_THREADSAFE: when threads are on, evdns gives it a lock of its
 * own and runs its callbacks from the loop without that lock (as
 * BEV_OPT_DEFER_CALLBACKS | BEV_OPT_UNLOCK_CALLBACKS would), so that the
 * resolver's lock is always taken first.  evdns then owns it: it sets
 * its callbacks, writes the queries (the bufferevent holds them through a
 * handshake), reads the replies in any order and frees it when the
 * connection is idle (tcp-idle-timeout:), fails, or the evdns_base is
 * freed.  cb runs with the resolver's lock
 * held and must not call evdns functions.  When cb returns NULL, evdns
 * closes fd and the connection fails: its queries go on as after any
 * failed connection (another try while tries are left, then
 * DNS_ERR_UNKNOWN, DNS_ERR_TRUNCATED for a truncated reply's retry).
 * An error or end of file on the bufferevent (a failed handshake, a
 * refused certificate) fails the connection the same way.
 *
 * cb NULL goes back to plain TCP.  The callback applies to connections
 * opened after the call.  Returns 0, or -1 when base is NULL.
 *
 * Only queries sent over TCP use it: set the "use-vc:" option (or
 * EVDNS_QUERY_TCP on each query) so that no query goes over UDP first.
 */
struct bufferevent;
struct event_base;
typedef struct bufferevent *(*evdns_bufferevent_cb)(struct event_base *base,
    evutil_socket_t fd, const struct sockaddr *addr, ev_socklen_t addrlen,
    void *arg);

EVENT2_EXPORT_SYMBOL
int evdns_base_set_bufferevent_cb(struct evdns_base *base,
    evdns_bufferevent_cb cb, void *arg);

#ifdef __cplusplus
}
#endif

#endif /* EVENT2_DNS_QUERY_H_INCLUDED_ */
