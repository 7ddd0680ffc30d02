/*
 * tests/check_ssl.c: TLS bufferevents (event2/bufferevent_ssl.h).
 *
 * Both ends of a connection live in the test process: a client and a
 * server over a socketpair or loopback TCP, each a socket TLS bufferevent
 * or a filter over a socket bufferevent.  The certificate is made here
 * with OpenSSL (a throw-away EC key), never read from a file.
 *
 * The suite also builds against libevent 2.1's libevent_openssl
 * (tests/libevent-reference.sh); where libevent 2.1 with OpenSSL 3 is
 * wrong (README.md, "deliberate differences"), the check is evkit-only.
 */
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/bufferevent_struct.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>
#include <event2/thread.h>

#include "check-internal.h"

#define WAIT_MS 4000

/* ------------------------------------------------------------------ */
/* Certificates and contexts.                                          */

static EVP_PKEY *test_key;
static X509 *test_cert;

/* A self-signed certificate for localhost, made once per process. */
static void
make_cert(void)
{
	X509_NAME *name;

	if (test_cert)
		return;
	test_key = EVP_EC_gen("P-256");
	ck_assert_ptr_nonnull(test_key);
	test_cert = X509_new();
	ck_assert_ptr_nonnull(test_cert);
	X509_set_version(test_cert, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(test_cert), 1);
	X509_gmtime_adj(X509_getm_notBefore(test_cert), -3600);
	X509_gmtime_adj(X509_getm_notAfter(test_cert), 3600);
	X509_set_pubkey(test_cert, test_key);
	name = X509_get_subject_name(test_cert);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)"localhost", -1, -1, 0);
	X509_set_issuer_name(test_cert, name);
	ck_assert_int_gt(X509_sign(test_cert, test_key, EVP_sha256()), 0);
}

static SSL_CTX *
server_ctx(int max_version)
{
	SSL_CTX *ctx;

	make_cert();
	ctx = SSL_CTX_new(TLS_server_method());
	ck_assert_ptr_nonnull(ctx);
	ck_assert_int_eq(SSL_CTX_use_certificate(ctx, test_cert), 1);
	ck_assert_int_eq(SSL_CTX_use_PrivateKey(ctx, test_key), 1);
	if (max_version)
		SSL_CTX_set_max_proto_version(ctx, max_version);
	return ctx;
}

/* A client that trusts anything, or (verify) nothing it was not given. */
static SSL_CTX *
client_ctx(int verify, int max_version)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

	ck_assert_ptr_nonnull(ctx);
	SSL_CTX_set_verify(ctx, verify ? SSL_VERIFY_PEER : SSL_VERIFY_NONE,
	    NULL);
	if (max_version)
		SSL_CTX_set_max_proto_version(ctx, max_version);
	return ctx;
}

/* ------------------------------------------------------------------ */
/* One end of a connection, and what its callbacks saw.                */

struct end {
	struct bufferevent *bev;
	struct bufferevent *under; /* filter: the socket bufferevent below */
	struct evbuffer *got;      /* everything read */
	int connected;             /* BEV_EVENT_CONNECTED seen */
	int nevents;               /* other events */
	short what;                /* the last of them */
	unsigned long sslerr;      /* first saved OpenSSL error then */
	int nerrors;               /* saved OpenSSL errors then */
	int nread, nwrite;
	size_t max_input;  /* largest input seen in a read callback */
	int no_drain;      /* read callback leaves the input */
	int free_on_event; /* event callback frees the bufferevent */
	int echo;          /* read callback writes back what it got */
	volatile int done; /* set by the last event of interest */
	size_t want;       /* done once got holds this much */
};

static void
end_readcb(struct bufferevent *bev, void *arg)
{
	struct end *e = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	size_t len = evbuffer_get_length(in);

	e->nread++;
	if (len > e->max_input)
		e->max_input = len;
	if (e->no_drain)
		return;
	if (e->echo)
		bufferevent_write_buffer(bev, in);
	else
		evbuffer_add_buffer(e->got, in);
	if (e->want && evbuffer_get_length(e->got) >= e->want)
		e->done = 1;
}

static void
end_writecb(struct bufferevent *bev, void *arg)
{
	struct end *e = arg;

	(void)bev;
	e->nwrite++;
}

static void
end_eventcb(struct bufferevent *bev, short what, void *arg)
{
	struct end *e = arg;
	unsigned long err;

	if (what & BEV_EVENT_CONNECTED) {
		e->connected++;
		return;
	}
	e->nevents++;
	e->what = what;
	while ((err = bufferevent_get_openssl_error(bev)) != 0) {
		if (e->nerrors++ == 0)
			e->sslerr = err;
	}
	e->done = 1;
	if (e->free_on_event) {
		bufferevent_free(bev);
		e->bev = NULL;
	}
}

static void
end_init(struct end *e)
{
	memset(e, 0, sizeof(*e));
	e->got = evbuffer_new();
	ck_assert_ptr_nonnull(e->got);
}

static void
end_free(struct end *e)
{
	if (e->bev)
		bufferevent_free(e->bev);
	e->bev = NULL;
	evbuffer_free(e->got);
}

enum kind { KIND_SOCKET, KIND_FILTER };

/*
 * Makes e a TLS bufferevent on fd with a fresh SSL from ctx, of the kind
 * given, owning fd and the SSL.
 */
static void
end_open(struct end *e, struct event_base *base, enum kind kind,
    evutil_socket_t fd, SSL_CTX *ctx, enum bufferevent_ssl_state state,
    int options)
{
	SSL *ssl = SSL_new(ctx);

	ck_assert_ptr_nonnull(ssl);
	options |= BEV_OPT_CLOSE_ON_FREE;
	if (kind == KIND_SOCKET) {
		e->bev = bufferevent_openssl_socket_new(base, fd, ssl, state,
		    options);
	} else {
		e->under = bufferevent_socket_new(base, fd,
		    BEV_OPT_CLOSE_ON_FREE | (options & BEV_OPT_THREADSAFE));
		ck_assert_ptr_nonnull(e->under);
		e->bev = bufferevent_openssl_filter_new(base, e->under, ssl,
		    state, options);
	}
	ck_assert_ptr_nonnull(e->bev);
	ck_assert_ptr_eq(bufferevent_openssl_get_ssl(e->bev), ssl);
	bufferevent_setcb(e->bev, end_readcb, end_writecb, end_eventcb, e);
	bufferevent_enable(e->bev, EV_READ | EV_WRITE);
}

/* A client and a server over a socketpair, handshake started. */
struct conn {
	struct event_base *base;
	SSL_CTX *sctx, *cctx;
	struct end c, s;
};

static void
conn_open(struct conn *k, enum kind ck, enum kind sk, int options)
{
	evutil_socket_t pair[2];

	k->base = evkit_new_base();
	if (k->sctx == NULL)
		k->sctx = server_ctx(0);
	if (k->cctx == NULL)
		k->cctx = client_ctx(0, 0);
	evkit_socketpair(pair);
	end_init(&k->c);
	end_init(&k->s);
	end_open(&k->c, k->base, ck, pair[0], k->cctx,
	    BUFFEREVENT_SSL_CONNECTING, options);
	end_open(&k->s, k->base, sk, pair[1], k->sctx,
	    BUFFEREVENT_SSL_ACCEPTING, options);
}

static volatile int both_connected;

static void
wait_connected(struct conn *k)
{
	int i;

	for (i = 0; i < 2000 && !(k->c.connected && k->s.connected) &&
	     !k->c.nevents && !k->s.nevents;
	     i++)
		event_base_loop(k->base, EVLOOP_ONCE);
	ck_assert_int_eq(k->c.nevents, 0);
	ck_assert_int_eq(k->s.nevents, 0);
	ck_assert_int_eq(k->c.connected, 1);
	ck_assert_int_eq(k->s.connected, 1);
}

static void
conn_close(struct conn *k)
{
	end_free(&k->c);
	end_free(&k->s);
	/* The finalizers run on the next iteration. */
	event_base_loop(k->base, EVLOOP_NONBLOCK);
	event_base_loop(k->base, EVLOOP_NONBLOCK);
	evkit_free_base(k->base);
	SSL_CTX_free(k->sctx);
	SSL_CTX_free(k->cctx);
}

/* Fills buf with a pattern that shows misordered bytes. */
static void
pattern(unsigned char *buf, size_t len, unsigned seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = (unsigned char)((i * 7 + seed + i / 251) & 0xff);
}

static int
same_pattern(struct evbuffer *b, size_t len, unsigned seed)
{
	unsigned char *want = malloc(len), *have;
	int ok;

	ck_assert_ptr_nonnull(want);
	pattern(want, len, seed);
	if (evbuffer_get_length(b) != len) {
		free(want);
		return 0;
	}
	have = evbuffer_pullup(b, (ev_ssize_t)len);
	ok = len == 0 || memcmp(want, have, len) == 0;
	free(want);
	return ok;
}

static void
send_pattern(struct end *e, size_t len, unsigned seed)
{
	unsigned char *buf = malloc(len);

	ck_assert_ptr_nonnull(buf);
	pattern(buf, len, seed);
	ck_assert_int_eq(bufferevent_write(e->bev, buf, len), 0);
	free(buf);
}

/* Runs the loop until e->done, bounded. */
static void
run_until(struct conn *k, struct end *e)
{
	ck_assert_int_eq(evkit_loop_until(k->base, &e->done, 0, WAIT_MS), 0);
}

/* ------------------------------------------------------------------ */
/* Handshake and data.                                                 */

/* Handshake on both sides, then data both ways, sizes big and small. */
static void
transfer_both_ways(enum kind ck, enum kind sk, int options)
{
	struct conn k = { 0 };

	conn_open(&k, ck, sk, options);
	wait_connected(&k);
	send_pattern(&k.c, 300000, 1);
	send_pattern(&k.s, 5, 2);
	k.s.want = 300000;
	k.c.want = 5;
	run_until(&k, &k.s);
	run_until(&k, &k.c);
	ck_assert(same_pattern(k.s.got, 300000, 1));
	ck_assert(same_pattern(k.c.got, 5, 2));
	ck_assert_int_gt(k.c.nwrite, 0);
	ck_assert_int_eq(k.c.nevents, 0);
	ck_assert_int_eq(k.s.nevents, 0);
	conn_close(&k);
}

START_TEST(socket_transfer)
{
	transfer_both_ways(KIND_SOCKET, KIND_SOCKET, 0);
}
END_TEST

START_TEST(filter_transfer)
{
	transfer_both_ways(KIND_FILTER, KIND_FILTER, 0);
}
END_TEST

START_TEST(mixed_transfer)
{
	transfer_both_ways(KIND_SOCKET, KIND_FILTER, 0);
	transfer_both_ways(KIND_FILTER, KIND_SOCKET, 0);
}
END_TEST

START_TEST(deferred_transfer)
{
	transfer_both_ways(KIND_SOCKET, KIND_FILTER, BEV_OPT_DEFER_CALLBACKS);
}
END_TEST

Suite *
ssl_suite(void)
{
	Suite *s = suite_create("ssl");
	TCase *tc;

	tc = tcase_create("transfer");
	tcase_set_timeout(tc, 15);
	tcase_add_test(tc, socket_transfer);
	tcase_add_test(tc, filter_transfer);
	tcase_add_test(tc, mixed_transfer);
	tcase_add_test(tc, deferred_transfer);
	suite_add_tcase(s, tc);
	return s;
}
