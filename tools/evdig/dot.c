/*
 * dot.c: DNS over TLS (RFC 7858) for +tls.
 *
 * evdns runs the TCP connections (one per server, shared and pipelined by
 * the whole batch, so one handshake per server); evdig only wraps each
 * connected socket in a TLS bufferevent (evdns_base_set_bufferevent_cb)
 * and remembers the last TLS session of each server, to say why its
 * queries failed: the certificate (expired, wrong name, untrusted), the
 * handshake, or the TCP connection itself (evdns_query_result.conn_err).
 *
 * Authentication: the certificate must chain to the system's CAs (or to
 * +tls-ca=FILE alone) and name +tls-hostname, else @server as given (a
 * host name, or an address checked against the certificate's IP
 * addresses), else the server's address.  The name is also sent as SNI
 * when it is not an address.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <openssl/ssl.h>

#include "cli.h"
#include "evdig.h"
#include "tls.h"

/* What one server's last TLS session left for the error messages. */
struct dot_peer {
	struct sockaddr_storage addr;
	ev_socklen_t addrlen;
	SSL *ssl;            /* a reference of our own, or NULL */
	int alert;           /* the last alert the server sent, or -1 */
	int got_record;      /* a record header came from the server */
	int got_handshake;   /* ... and a handshake message */
	unsigned long conns; /* TLS connections made */
	char said[256];      /* the last failure printed */
	char prev[256];      /* why the previous session failed, or "" */
};

struct dot {
	SSL_CTX *ctx;
	struct tls_opts topts;
	const char *name; /* +tls-hostname or @server; NULL: the address */
	struct dot_peer **peers; /* each allocated: SSLs point at them */
	size_t npeers;
};

static int peer_index = -1; /* SSL ex_data slot: the struct dot_peer */

struct dot *
dot_new(const struct evdig_opts *o)
{
	struct dot *d = cli_xcalloc(1, sizeof(*d));
	char err[256];

	d->topts.verify = 1;
	d->topts.trust_file = o->tls_ca;
	d->name = o->tls_hostname != NULL ? o->tls_hostname : o->server;
	d->ctx = tls_client_ctx(&d->topts, err, sizeof(err));
	if (d->ctx == NULL)
		cli_diex("+tls: %s", err);
	if (peer_index < 0)
		peer_index = SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL);
	return d;
}

static struct dot_peer *
peer_find(struct dot *d, const struct sockaddr *sa, ev_socklen_t len)
{
	size_t i;

	for (i = 0; i < d->npeers; i++)
		if (d->peers[i]->addrlen == len &&
		    memcmp(&d->peers[i]->addr, sa, len) == 0)
			return d->peers[i];
	return NULL;
}

/* Alerts the server sends: the reason it gave up on the handshake. */
static void
msg_cb(int write_p, int version, int content_type, const void *buf, size_t len,
    SSL *ssl, void *arg)
{
	struct dot_peer *p = SSL_get_ex_data(ssl, peer_index);

	(void)version;
	(void)arg;
	if (p == NULL || write_p)
		return;
	if (content_type == SSL3_RT_HEADER)
		p->got_record = 1;
	else if (content_type == SSL3_RT_HANDSHAKE)
		p->got_handshake = 1;
	else if (content_type == SSL3_RT_ALERT && len >= 2)
		p->alert = ((const unsigned char *)buf)[1];
}

static const char *peer_reason(const struct dot_peer *p, char *buf,
    size_t size);

static struct bufferevent *
make_bev(struct event_base *base, evutil_socket_t fd, const struct sockaddr *sa,
    ev_socklen_t len, void *arg)
{
	struct dot *d = arg;
	struct dot_peer *p = peer_find(d, sa, len);
	struct tls_opts to = d->topts;
	struct bufferevent *bev;
	char host[80], err[256];
	SSL *ssl;

	if (p == NULL) {
		d->peers =
		    cli_xrealloc(d->peers, d->npeers + 1, sizeof(*d->peers));
		p = cli_xcalloc(1, sizeof(*p));
		d->peers[d->npeers++] = p;
		memcpy(&p->addr, sa, len);
		p->addrlen = len;
	}
	evdig_addr_str(sa, host, sizeof(host), 0);
	to.server_name = d->name != NULL ? d->name : host;
	ssl = tls_client_ssl(d->ctx, &to, err, sizeof(err));
	if (ssl == NULL) {
		cli_warnx("+tls: %s", err);
		return NULL;
	}
	if (p->ssl != NULL) {
		char why[sizeof(p->prev)];

		/* Kept for the queries that failed on it. */
		if (peer_reason(p, why, sizeof(why)) != NULL)
			snprintf(p->prev, sizeof(p->prev), "%s", why);
		else if (SSL_is_init_finished(p->ssl))
			p->prev[0] = '\0';
		SSL_free(p->ssl);
	}
	p->ssl = ssl;
	p->alert = -1;
	p->got_record = p->got_handshake = 0;
	p->conns++;
	SSL_set_ex_data(ssl, peer_index, p);
	SSL_set_msg_callback(ssl, msg_cb);
	SSL_up_ref(ssl); /* ours, for the messages; the other the bev's */
	bev = bufferevent_openssl_socket_new(base, fd, ssl,
	    BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL) {
		cli_warnx("+tls: cannot make a TLS bufferevent");
		SSL_free(ssl);
		return NULL;
	}
	/* DNS frames its own messages: a close without close_notify cuts
	 * no reply short unnoticed (RFC 7858 servers often do that). */
	bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	return bev;
}

void
dot_install(struct dot *d, struct evdns_base *dns)
{
	if (evdns_base_set_option(dns, "use-vc:", "1") != 0 ||
	    evdns_base_set_bufferevent_cb(dns, make_bev, d) != 0)
		cli_diex("+tls: the resolver refused the TLS set-up");
}

/* What p's current session tells of its failure; NULL when it tells
 * nothing (no verdict, no alert, no byte from the server yet: a session
 * that has just started, or a connection closed before any reply). */
static const char *
peer_reason(const struct dot_peer *p, char *buf, size_t size)
{
	SSL *ssl = p->ssl;

	if (ssl == NULL || SSL_is_init_finished(ssl))
		return NULL;
	if (SSL_get_verify_result(ssl) != X509_V_OK)
		return tls_failure(ssl, 0, buf, size);
	if (p->alert >= 0) {
		snprintf(buf, size, "server refused the handshake: %s",
		    SSL_alert_desc_string_long(p->alert));
		return buf;
	}
	/* Bytes came, but not TLS: OpenSSL's reason went with the
	 * bufferevent, so say what it means. */
	if (p->got_record && !p->got_handshake) {
		snprintf(buf, size,
		    "handshake failed: the server does not speak TLS");
		return buf;
	}
	return NULL;
}

const char *
dot_failure(struct dot *d, const struct evdns_query_result *res, char *buf,
    size_t size)
{
	struct dot_peer *p;

	if (res->err == DNS_ERR_NONE || res->err == DNS_ERR_TIMEOUT ||
	    res->err == DNS_ERR_CANCEL || res->err == DNS_ERR_SHUTDOWN)
		return NULL;
	if (res->conn_err != 0) {
		snprintf(buf, size, "cannot connect: %s",
		    strerror(res->conn_err));
		return buf;
	}
	p = res->server != NULL ? peer_find(d, res->server, res->server_len)
	                        : NULL;
	if (p == NULL || p->ssl == NULL)
		return NULL;
	if (peer_reason(p, buf, size) != NULL)
		return buf;
	/* The query may have failed on an earlier connection than the
	 * current one (evdns tried again at once): its reason, if known. */
	if (p->prev[0] != '\0') {
		snprintf(buf, size, "%s", p->prev);
		return buf;
	}
	return tls_failure(p->ssl, 0, buf, size);
}

int
dot_warn_once(struct dot *d, const struct evdns_query_result *res,
    const char *msg)
{
	struct dot_peer *p = res->server != NULL
	    ? peer_find(d, res->server, res->server_len)
	    : NULL;
	char addr[80];

	if (p != NULL && strcmp(p->said, msg) == 0)
		return 0;
	if (p != NULL)
		snprintf(p->said, sizeof(p->said), "%s", msg);
	evdig_addr_str(res->server, addr, sizeof(addr), 1);
	cli_warnx("TLS with %s: %s", addr, msg);
	return 1;
}

unsigned long
dot_connections(const struct dot *d)
{
	unsigned long n = 0;
	size_t i;

	for (i = 0; i < d->npeers; i++)
		n += d->peers[i]->conns;
	return n;
}

void
dot_free(struct dot *d)
{
	size_t i;

	if (d == NULL)
		return;
	for (i = 0; i < d->npeers; i++) {
		if (d->peers[i]->ssl != NULL)
			SSL_free(d->peers[i]->ssl);
		free(d->peers[i]);
	}
	free(d->peers);
	SSL_CTX_free(d->ctx);
	free(d);
}
