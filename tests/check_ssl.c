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
#include <poll.h>
#include <pthread.h>
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
	struct bufferevent_rate_limit_group *group; /* freed at the close */
};

static void
conn_open(struct conn *k, enum kind ck, enum kind sk, int options)
{
	evutil_socket_t pair[2];

	/* A TLS alert to a closed peer must not kill the test (libevent
	 * writes to the socket without MSG_NOSIGNAL too). */
	signal(SIGPIPE, SIG_IGN);
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
	if (k->group)
		bufferevent_rate_limit_group_free(k->group);
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

/*
 * The socket variant gathers several records per write(2).  With small
 * socket buffers every batch is taken in parts; the data must arrive
 * whole and in order, and an empty output must still mean that all of it
 * is in the kernel: the sender's write callback sends close_notify and
 * shuts its half at once (as evcat does), and the receiver must get
 * everything, then a clean EOF.
 */
#define BATCH_TOTAL (2 * 1024 * 1024 + 777)

static void
shut_when_drained(struct bufferevent *bev, void *arg)
{
	struct end *e = arg;
	SSL *ssl = bufferevent_openssl_get_ssl(bev);

	e->nwrite++;
	if (e->echo || evbuffer_get_length(bufferevent_get_output(bev)) > 0)
		return;
	e->echo = 1; /* here: shut once */
	SSL_shutdown(ssl);
	ck_assert_int_eq(shutdown(bufferevent_getfd(bev), SHUT_WR), 0);
}

static void
small_buffers(struct conn *k)
{
	int small = 4096;

	ck_assert_int_eq(setsockopt(bufferevent_getfd(k->c.bev), SOL_SOCKET,
	                     SO_SNDBUF, &small, sizeof(small)),
	    0);
	ck_assert_int_eq(setsockopt(bufferevent_getfd(k->s.bev), SOL_SOCKET,
	                     SO_RCVBUF, &small, sizeof(small)),
	    0);
}

START_TEST(batch_partial_writes)
{
	struct conn k = { 0 };
	unsigned char *buf = malloc(BATCH_TOTAL);
	size_t off, step;

	ck_assert_ptr_nonnull(buf);
	pattern(buf, BATCH_TOTAL, 3);
	conn_open(&k, KIND_SOCKET, KIND_SOCKET, 0);
	small_buffers(&k);
	wait_connected(&k);
	bufferevent_setcb(k.c.bev, end_readcb, shut_when_drained, end_eventcb,
	    &k.c);
	/* Writes of many sizes: whole records, a part of one, one large. */
	for (off = 0, step = 1000; off < BATCH_TOTAL;) {
		size_t n = step < BATCH_TOTAL - off ? step : BATCH_TOTAL - off;
		ck_assert_int_eq(bufferevent_write(k.c.bev, buf + off, n), 0);
		off += n;
		step = step == 1000 ? 16384 : step == 16384 ? 300001 : 1000;
	}
	free(buf);
	run_until(&k, &k.s);
	ck_assert_int_eq(k.s.what, BEV_EVENT_EOF | BEV_EVENT_READING);
	ck_assert(same_pattern(k.s.got, BATCH_TOTAL, 3));
	ck_assert_int_eq(k.c.echo, 1);
	ck_assert_int_eq(k.c.nevents, 0);
	conn_close(&k);
}
END_TEST

/*
 * The receiver closes in the middle of a transfer: the sender, which only
 * writes, reports a writing error (never hangs or reports success), and
 * what arrived is a prefix of what was sent.
 */
START_TEST(batch_peer_closes)
{
	struct conn k = { 0 };
	const size_t total = 8 * 1024 * 1024;
	unsigned char *want = malloc(total);
	size_t got;

	ck_assert_ptr_nonnull(want);
	pattern(want, total, 4);
	conn_open(&k, KIND_SOCKET, KIND_SOCKET, 0);
	small_buffers(&k);
	wait_connected(&k);
	bufferevent_disable(k.c.bev, EV_READ);
	ck_assert_int_eq(bufferevent_write(k.c.bev, want, total), 0);
	k.s.want = 200000;
	run_until(&k, &k.s);
	got = evbuffer_get_length(k.s.got);
	ck_assert_uint_lt(got, total);
	ck_assert_int_eq(memcmp(evbuffer_pullup(k.s.got, (ev_ssize_t)got), want,
	                     got),
	    0);
	free(want);
	bufferevent_free(k.s.bev);
	k.s.bev = NULL;
	run_until(&k, &k.c);
	ck_assert_int_eq(k.c.nevents, 1);
	ck_assert_int_eq(k.c.what, BEV_EVENT_ERROR | BEV_EVENT_WRITING);
	ck_assert_uint_gt(evbuffer_get_length(bufferevent_get_output(k.c.bev)),
	    0);
	conn_close(&k);
}
END_TEST

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


/* ------------------------------------------------------------------ */
/* Shutdowns.                                                          */

/*
 * The server sends "bye" and goes away, cleanly (close_notify first) or
 * not; the client, of kind ck, reports what libevent reports.
 */
static void
shutdown_case(enum kind ck, int clean, int allow_dirty, short expect)
{
	struct conn k = { 0 };

	conn_open(&k, ck, KIND_SOCKET, 0);
	bufferevent_openssl_set_allow_dirty_shutdown(k.c.bev, allow_dirty);
	ck_assert_int_eq(bufferevent_openssl_get_allow_dirty_shutdown(k.c.bev),
	    allow_dirty);
	wait_connected(&k);
	ck_assert_int_eq(bufferevent_write(k.s.bev, "bye", 3), 0);
	k.c.want = 3;
	run_until(&k, &k.c);
	k.c.done = 0;
	if (clean)
		SSL_shutdown(bufferevent_openssl_get_ssl(k.s.bev));
	bufferevent_free(k.s.bev);
	k.s.bev = NULL;
	run_until(&k, &k.c);
	ck_assert_int_eq(k.c.nevents, 1);
#ifndef EVKIT_REFERENCE
	/* libevent's filter leaves BEV_EVENT_READING out, and the OpenSSL
	 * reason too. */
	ck_assert_int_eq(k.c.what, expect);
	if (expect & BEV_EVENT_ERROR) {
		/* The reason is in the saved queue. */
		ck_assert_int_gt(k.c.nerrors, 0);
		ck_assert_uint_ne(k.c.sslerr, 0);
	}
#else
	ck_assert_int_eq(k.c.what & ~BEV_EVENT_READING,
	    expect & ~BEV_EVENT_READING);
#endif
	if (expect & BEV_EVENT_EOF)
		ck_assert_int_eq(k.c.nerrors, 0);
	ck_assert_int_eq(bufferevent_get_openssl_error(k.c.bev), 0);
	ck_assert(evbuffer_get_length(k.c.got) == 3);
	conn_close(&k);
}

START_TEST(clean_shutdown)
{
	shutdown_case(KIND_SOCKET, 1, 0, BEV_EVENT_EOF | BEV_EVENT_READING);
	shutdown_case(KIND_FILTER, 1, 0, BEV_EVENT_EOF | BEV_EVENT_READING);
}
END_TEST

START_TEST(dirty_shutdown_refused)
{
	shutdown_case(KIND_SOCKET, 0, 0, BEV_EVENT_ERROR | BEV_EVENT_READING);
	shutdown_case(KIND_FILTER, 0, 0, BEV_EVENT_ERROR | BEV_EVENT_READING);
}
END_TEST

#ifndef EVKIT_REFERENCE
/* libevent 2.1 on OpenSSL 3 reports an error on the socket variant. */
START_TEST(dirty_shutdown_allowed_socket)
{
	shutdown_case(KIND_SOCKET, 0, 1, BEV_EVENT_EOF | BEV_EVENT_READING);
}
END_TEST
#endif

START_TEST(dirty_shutdown_allowed_filter)
{
	shutdown_case(KIND_FILTER, 0, 1, BEV_EVENT_EOF | BEV_EVENT_READING);
}
END_TEST

#ifndef EVKIT_REFERENCE
/*
 * A reset (the server closes with unread data) is an error, even where
 * dirty shutdowns are allowed (libevent 2.1 reports an EOF).
 */
START_TEST(reset_is_error)
{
	struct conn k = { 0 };
	int i;

	conn_open(&k, KIND_SOCKET, KIND_SOCKET, 0);
	bufferevent_openssl_set_allow_dirty_shutdown(k.c.bev, 1);
	wait_connected(&k);
	bufferevent_disable(k.s.bev, EV_READ);
	send_pattern(&k.c, 5000, 13);
	for (i = 0; i < 1000 &&
	     evbuffer_get_length(bufferevent_get_output(k.c.bev)) > 0;
	     i++)
		event_base_loop(k.base, EVLOOP_ONCE);
	bufferevent_free(k.s.bev);
	k.s.bev = NULL;
	run_until(&k, &k.c);
	ck_assert_int_eq(k.c.nevents, 1);
	ck_assert(k.c.what & BEV_EVENT_ERROR);
	conn_close(&k);
}
END_TEST
#endif

/* ------------------------------------------------------------------ */
/* Handshake failures.                                                 */

/* Waits until fd reads as ready (data or EOF), bounded. */
static void
wait_readable(struct event_base *base, evutil_socket_t fd)
{
	struct pollfd pfd;
	int i;

	for (i = 0; i < WAIT_MS / 10; i++) {
		pfd.fd = fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 10) == 1)
			break;
		event_base_loop(base, EVLOOP_NONBLOCK);
	}
}

/*
 * A client that verifies meets a self-signed certificate: each side
 * reports one error, the client's with the verification failure in the
 * saved queue; the server then goes away, which adds nothing.
 */
static void
bad_certificate(enum kind ck, int defer)
{
	struct conn k = { 0 };
	evutil_socket_t cfd;
	int i;

	k.cctx = client_ctx(1, 0);
	conn_open(&k, ck, KIND_SOCKET, defer ? BEV_OPT_DEFER_CALLBACKS : 0);
	run_until(&k, &k.c);
	ck_assert_int_eq(k.c.connected, 0);
	ck_assert_int_eq(k.c.nevents, 1);
	ck_assert(k.c.what & BEV_EVENT_ERROR);
	ck_assert_int_gt(k.c.nerrors, 0);
	ck_assert_int_eq(ERR_GET_REASON(k.c.sslerr),
	    SSL_R_CERTIFICATE_VERIFY_FAILED);
	run_until(&k, &k.s);
	ck_assert_int_eq(k.s.connected, 0);
	ck_assert_int_eq(k.s.nevents, 1);
	ck_assert(k.s.what & BEV_EVENT_ERROR);
	ck_assert_uint_ne(k.s.sslerr, 0);

	/* The peer closes: the client has nothing more to say. */
	cfd = bufferevent_getfd(k.c.bev);
	ck_assert_int_ge(cfd, 0);
	bufferevent_free(k.s.bev);
	k.s.bev = NULL;
	wait_readable(k.base, cfd);
	for (i = 0; i < 5; i++)
		event_base_loop(k.base, EVLOOP_NONBLOCK);
	ck_assert_int_eq(k.c.nevents, 1);
	conn_close(&k);
}

START_TEST(bad_certificate_socket)
{
	bad_certificate(KIND_SOCKET, 0);
	bad_certificate(KIND_SOCKET, 1);
}
END_TEST

#ifndef EVKIT_REFERENCE
/* libevent 2.1 reports a filter's failed handshake twice. */
START_TEST(bad_certificate_filter)
{
	bad_certificate(KIND_FILTER, 0);
	bad_certificate(KIND_FILTER, 1);
}
END_TEST
#endif

/* The server frees its bufferevent from the event callback. */
START_TEST(free_from_eventcb)
{
	struct conn k = { 0 };

	k.cctx = client_ctx(1, 0);
	conn_open(&k, KIND_SOCKET, KIND_FILTER, 0);
	k.s.free_on_event = 1;
	k.c.free_on_event = 1;
	run_until(&k, &k.s);
	run_until(&k, &k.c);
	ck_assert_ptr_null(k.s.bev);
	ck_assert_ptr_null(k.c.bev);
	conn_close(&k);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Flow control.                                                       */

#ifndef EVKIT_REFERENCE
/*
 * A slow reader behind a read high watermark: the input never holds more
 * than the mark, and the whole transfer arrives although the sender has
 * nothing more to send (what waits inside OpenSSL is not forgotten).
 * libevent 2.1 overshoots the mark and stalls.
 */
static void
watermark_case(enum kind sk)
{
	struct conn k = { 0 };

	conn_open(&k, KIND_SOCKET, sk, 0);
	wait_connected(&k);
	bufferevent_setwatermark(k.s.bev, EV_READ, 0, 4096);
	bufferevent_setcb(k.s.bev, end_readcb, NULL, end_eventcb, &k.s);
	k.s.want = 200000;
	send_pattern(&k.c, 200000, 3);
	run_until(&k, &k.s);
	ck_assert(same_pattern(k.s.got, 200000, 3));
	ck_assert_uint_le(k.s.max_input, 4096);
	conn_close(&k);
}

START_TEST(watermark_socket)
{
	watermark_case(KIND_SOCKET);
}
END_TEST

START_TEST(watermark_filter)
{
	watermark_case(KIND_FILTER);
}
END_TEST
#endif /* EVKIT_REFERENCE */

/*
 * Rate limits on both ends, own and group: the transfer completes (on
 * libevent 2.1 a rate-limited socket TLS transfer stalls).
 */
static void
ratelim_case(enum kind kind, int group)
{
	struct conn k = { 0 };
	struct timeval tick = { 0, 10000 };
	struct ev_token_bucket_cfg *cfg;
	struct bufferevent_rate_limit_group *g = NULL;

	conn_open(&k, kind, kind, 0);
	wait_connected(&k);
	cfg = ev_token_bucket_cfg_new(20000, 20000, 20000, 20000, &tick);
	ck_assert_ptr_nonnull(cfg);
	if (group) {
		g = bufferevent_rate_limit_group_new(k.base, cfg);
		ck_assert_ptr_nonnull(g);
		ck_assert_int_eq(bufferevent_add_to_rate_limit_group(k.c.bev,
		                     g),
		    0);
		ck_assert_int_eq(bufferevent_add_to_rate_limit_group(k.s.bev,
		                     g),
		    0);
	} else {
		ck_assert_int_eq(bufferevent_set_rate_limit(k.c.bev, cfg), 0);
		ck_assert_int_eq(bufferevent_set_rate_limit(k.s.bev, cfg), 0);
	}
	k.s.want = 150000;
	send_pattern(&k.c, 150000, 4);
	run_until(&k, &k.s);
	ck_assert(same_pattern(k.s.got, 150000, 4));
	if (group) {
		bufferevent_remove_from_rate_limit_group(k.c.bev);
		bufferevent_remove_from_rate_limit_group(k.s.bev);
	} else {
		bufferevent_set_rate_limit(k.c.bev, NULL);
		bufferevent_set_rate_limit(k.s.bev, NULL);
	}
	k.group = g;
	conn_close(&k);
	ev_token_bucket_cfg_free(cfg);
}

/*
 * Only the reader is limited, to less than a record per tick, and the
 * sender sends everything at once: the end of the data waits inside
 * OpenSSL, with nothing more to come on the socket.
 */
static void
ratelim_reader_case(enum kind kind)
{
	struct conn k = { 0 };
	struct timeval tick = { 0, 10000 };
	struct ev_token_bucket_cfg *cfg;

	conn_open(&k, kind, kind, 0);
	wait_connected(&k);
	cfg = ev_token_bucket_cfg_new(5000, 5000, EV_RATE_LIMIT_MAX,
	    EV_RATE_LIMIT_MAX, &tick);
	ck_assert_ptr_nonnull(cfg);
	ck_assert_int_eq(bufferevent_set_rate_limit(k.s.bev, cfg), 0);
	k.s.want = 60000;
	send_pattern(&k.c, 60000, 12);
	run_until(&k, &k.s);
	ck_assert(same_pattern(k.s.got, 60000, 12));
	bufferevent_set_rate_limit(k.s.bev, NULL);
	conn_close(&k);
	ev_token_bucket_cfg_free(cfg);
}

#ifndef EVKIT_REFERENCE
/* libevent 2.1 stalls here. */
START_TEST(ratelim_socket)
{
	ratelim_reader_case(KIND_SOCKET);
	ratelim_case(KIND_SOCKET, 0);
	ratelim_case(KIND_SOCKET, 1);
}
END_TEST

#endif

START_TEST(ratelim_filter)
{
	ratelim_reader_case(KIND_FILTER);
	ratelim_case(KIND_FILTER, 0);
	ratelim_case(KIND_FILTER, 1);
}
END_TEST

#ifndef EVKIT_REFERENCE
/* TLS 1.3 has no renegotiation: the call fails. */
START_TEST(renegotiate_tls13)
{
	struct conn k = { 0 };

	conn_open(&k, KIND_SOCKET, KIND_FILTER, 0);
	wait_connected(&k);
	ck_assert_int_eq(SSL_version(bufferevent_openssl_get_ssl(k.c.bev)),
	    TLS1_3_VERSION);
	ck_assert_int_eq(bufferevent_ssl_renegotiate(k.c.bev), -1);
	ck_assert_int_eq(bufferevent_ssl_renegotiate(k.s.bev), -1);
	/* Nothing broke. */
	send_pattern(&k.c, 1000, 5);
	k.s.want = 1000;
	run_until(&k, &k.s);
	ck_assert(same_pattern(k.s.got, 1000, 5));
	conn_close(&k);
}
END_TEST
#endif /* EVKIT_REFERENCE */

/*
 * TLS 1.2 renegotiates (started by the server, or by the client where
 * the server allows it, which OpenSSL 3 does not by default), and data
 * still flows both ways afterwards.
 */
static void
renegotiate_case(int by_client)
{
	struct conn k = { 0 };

	k.sctx = server_ctx(TLS1_2_VERSION);
	if (by_client)
		SSL_CTX_set_options(k.sctx, SSL_OP_ALLOW_CLIENT_RENEGOTIATION);
	conn_open(&k, KIND_SOCKET, KIND_FILTER, 0);
	wait_connected(&k);
	ck_assert_int_eq(bufferevent_ssl_renegotiate(
	                     by_client ? k.c.bev : k.s.bev),
	    0);
	/* OpenSSL cannot take application data in the middle of a
	 * handshake the client runs from SSL_write: one way first. */
	send_pattern(&k.c, 50000, 6);
	k.s.want = 50000;
	run_until(&k, &k.s);
	send_pattern(&k.s, 50000, 7);
	k.c.want = 50000;
	run_until(&k, &k.c);
	ck_assert_int_eq(k.c.nevents, 0);
	ck_assert_int_eq(k.s.nevents, 0);
	ck_assert(same_pattern(k.s.got, 50000, 6));
	ck_assert(same_pattern(k.c.got, 50000, 7));
	conn_close(&k);
}

START_TEST(renegotiate_tls12)
{
	renegotiate_case(0);
	renegotiate_case(1);
}
END_TEST

/*
 * Reading disabled on the server: nothing is delivered while the client
 * sends everything; enabling it delivers it all, including what OpenSSL
 * already holds.
 */
START_TEST(enable_disable)
{
	struct conn k = { 0 };
	int i;

	conn_open(&k, KIND_SOCKET, KIND_SOCKET, 0);
	wait_connected(&k);
	bufferevent_disable(k.s.bev, EV_READ);
	ck_assert_int_eq(bufferevent_get_enabled(k.s.bev), EV_WRITE);
	send_pattern(&k.c, 20000, 8);
	for (i = 0; i < 1000 &&
	     evbuffer_get_length(bufferevent_get_output(k.c.bev)) > 0;
	     i++)
		event_base_loop(k.base, EVLOOP_ONCE);
	for (i = 0; i < 5; i++)
		event_base_loop(k.base, EVLOOP_NONBLOCK);
	ck_assert_int_eq(k.s.nread, 0);
	k.s.want = 20000;
	bufferevent_enable(k.s.bev, EV_READ);
	run_until(&k, &k.s);
	ck_assert(same_pattern(k.s.got, 20000, 8));
	conn_close(&k);
}
END_TEST

/* A read timeout with a silent peer. */
START_TEST(read_timeout)
{
	struct conn k = { 0 };
	struct timeval tv = { 0, 50000 };

	conn_open(&k, KIND_SOCKET, KIND_FILTER, 0);
	wait_connected(&k);
	bufferevent_set_timeouts(k.c.bev, &tv, NULL);
	bufferevent_set_timeouts(k.s.bev, &tv, NULL);
	run_until(&k, &k.c);
	run_until(&k, &k.s);
	ck_assert_int_eq(k.c.what, BEV_EVENT_TIMEOUT | BEV_EVENT_READING);
	ck_assert_int_eq(k.s.what, BEV_EVENT_TIMEOUT | BEV_EVENT_READING);
	conn_close(&k);
}
END_TEST

/* bufferevent_flush moves what it can and reports no failure. */
START_TEST(flush)
{
	struct conn k = { 0 };

	conn_open(&k, KIND_FILTER, KIND_SOCKET, 0);
	wait_connected(&k);
	send_pattern(&k.c, 3000, 9);
	ck_assert_int_ge(bufferevent_flush(k.c.bev, EV_WRITE, BEV_FLUSH), 0);
	ck_assert_int_ge(bufferevent_flush(k.c.bev, EV_READ, BEV_NORMAL), 0);
	k.s.want = 3000;
	run_until(&k, &k.s);
	ck_assert(same_pattern(k.s.got, 3000, 9));
	conn_close(&k);
}
END_TEST

/* The accessors on bufferevents that are not TLS ones. */
START_TEST(not_tls)
{
	struct event_base *base = evkit_new_base();
	struct bufferevent *bev = bufferevent_socket_new(base, -1, 0);

	ck_assert_ptr_nonnull(bev);
	ck_assert_ptr_null(bufferevent_openssl_get_ssl(bev));
	ck_assert_int_eq(bufferevent_openssl_get_allow_dirty_shutdown(bev), -1);
	bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	ck_assert_uint_eq(bufferevent_get_openssl_error(bev), 0);
	ck_assert_int_eq(bufferevent_ssl_renegotiate(bev), -1);
	bufferevent_free(bev);
	event_base_loop(base, EVLOOP_NONBLOCK);
	evkit_free_base(base);
}
END_TEST

/*
 * Without BEV_OPT_CLOSE_ON_FREE the SSL, the socket and the underlying
 * bufferevent stay the caller's, usable after the free.
 */
START_TEST(free_keeps_ssl)
{
	struct event_base *base = evkit_new_base();
	SSL_CTX *ctx = client_ctx(0, 0);
	evutil_socket_t pair[2];
	struct bufferevent *bev, *under;
	SSL *ssl = SSL_new(ctx), *ssl2 = SSL_new(ctx);

	ck_assert_ptr_nonnull(ssl);
	ck_assert_ptr_nonnull(ssl2);
	evkit_socketpair(pair);
	bev = bufferevent_openssl_socket_new(base, pair[0], ssl,
	    BUFFEREVENT_SSL_CONNECTING, 0);
	ck_assert_ptr_nonnull(bev);
	ck_assert_int_eq(bufferevent_getfd(bev), pair[0]);
	bufferevent_free(bev);

	under = bufferevent_socket_new(base, pair[1], 0);
	ck_assert_ptr_nonnull(under);
	bev = bufferevent_openssl_filter_new(base, under, ssl2,
	    BUFFEREVENT_SSL_ACCEPTING, 0);
	ck_assert_ptr_nonnull(bev);
	ck_assert_ptr_eq(bufferevent_get_underlying(bev), under);
	bufferevent_free(bev);
	event_base_loop(base, EVLOOP_NONBLOCK);
	event_base_loop(base, EVLOOP_NONBLOCK);

	/* Still ours: the socket is open, the SSL and the bufferevent
	 * below work (the SSL's BIO no longer reaches the freed one). */
	ck_assert_int_eq(SSL_get_fd(ssl), pair[0]);
	ck_assert_int_eq(write(pair[0], "x", 1), 1);
	ck_assert_int_le(SSL_do_handshake(ssl2), 0);
	ck_assert_int_eq(bufferevent_write(under, "y", 1), 0);
	bufferevent_free(under);
	event_base_loop(base, EVLOOP_NONBLOCK);
	SSL_free(ssl);
	SSL_free(ssl2);
	close(pair[0]);
	close(pair[1]);
	SSL_CTX_free(ctx);
	evkit_free_base(base);
}
END_TEST

/*
 * A failed constructor frees the SSL with BEV_OPT_CLOSE_ON_FREE and only
 * then, whatever failed (libevent 2.1's rule); the socket and the
 * underlying bufferevent stay the caller's.  SSL frees are counted by an
 * ex_data free callback.
 */
static int ssl_frees;
static int fail_countdown; /* the Nth allocation from now fails; 0: none */

static void
count_ssl_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl,
    void *argp)
{
	(void)parent, (void)ptr, (void)ad, (void)idx, (void)argl, (void)argp;
	ssl_frees++;
}

static void *
failing_malloc(size_t sz)
{
	if (fail_countdown > 0 && --fail_countdown == 0)
		return NULL;
	return malloc(sz);
}

static void *
failing_realloc(void *p, size_t sz)
{
	if (fail_countdown > 0 && --fail_countdown == 0)
		return NULL;
	return realloc(p, sz);
}

/* Makes one bufferevent of kind (0 socket, 1 filter) with the Nth
 * allocation failing (0: none); checks who freed what when it failed.
 * 1 when it was made. */
static int
try_new(struct event_base *base, SSL_CTX *ctx, int idx, int kind, int state,
    int options, int nth)
{
	evutil_socket_t pair[2];
	struct bufferevent *under = NULL, *bev;
	SSL *ssl = SSL_new(ctx);

	ck_assert_ptr_nonnull(ssl);
	ck_assert_int_eq(SSL_set_ex_data(ssl, idx, ssl), 1);
	evkit_socketpair(pair);
	if (kind == 1) {
		under = bufferevent_socket_new(base, pair[0], 0);
		ck_assert_ptr_nonnull(under);
	}
	ssl_frees = 0;
	fail_countdown = nth;
	if (kind == 1)
		bev = bufferevent_openssl_filter_new(base, under, ssl,
		    (enum bufferevent_ssl_state)state, options);
	else
		bev = bufferevent_openssl_socket_new(base, pair[0], ssl,
		    (enum bufferevent_ssl_state)state, options);
	fail_countdown = 0;
	if (bev != NULL) {
		ck_assert_int_eq(ssl_frees, 0);
		bufferevent_free(bev);
		event_base_loop(base, EVLOOP_NONBLOCK);
		ck_assert_int_eq(ssl_frees,
		    (options & BEV_OPT_CLOSE_ON_FREE) ? 1 : 0);
		if (!(options & BEV_OPT_CLOSE_ON_FREE))
			SSL_free(ssl);
		if (kind == 1 && !(options & BEV_OPT_CLOSE_ON_FREE))
			bufferevent_free(under);
		if (kind == 1 || !(options & BEV_OPT_CLOSE_ON_FREE))
			close(pair[0]);
		close(pair[1]);
		event_base_loop(base, EVLOOP_NONBLOCK);
		return 1;
	}
	event_base_loop(base, EVLOOP_NONBLOCK);
	if (options & BEV_OPT_CLOSE_ON_FREE) {
		ck_assert_msg(ssl_frees == 1,
		    "kind %d nth %d: SSL freed %d times", kind, nth, ssl_frees);
	} else {
		ck_assert_msg(ssl_frees == 0, "kind %d nth %d: SSL freed", kind,
		    nth);
		SSL_free(ssl);
		ck_assert_int_eq(ssl_frees, 1);
	}
	/* The socket and the bufferevent below are still the caller's. */
	ck_assert_int_eq(write(pair[0], "x", 1), 1);
	if (kind == 1) {
		ck_assert_int_eq(bufferevent_write(under, "y", 1), 0);
		bufferevent_free(under);
	}
	close(pair[0]);
	close(pair[1]);
	event_base_loop(base, EVLOOP_NONBLOCK);
	return 0;
}

START_TEST(new_failure_frees_ssl)
{
	struct event_base *base = evkit_new_base();
	SSL_CTX *ctx = client_ctx(0, 0);
	int idx = SSL_get_ex_new_index(0, NULL, NULL, NULL, count_ssl_free);
	int kind, opt;

	ck_assert_int_ge(idx, 0);
	for (kind = 0; kind < 2; kind++) {
		for (opt = 0; opt < 2; opt++) {
			int options = opt ? BEV_OPT_CLOSE_ON_FREE : 0;
			/* A state that does not exist. */
			ck_assert_int_eq(try_new(base, ctx, idx, kind, 7,
			                     options, 0),
			    0);
#ifndef EVKIT_REFERENCE
			/* Each allocation of the constructor failing in
			 * turn, until it succeeds. */
			int nth;
			event_set_mem_functions(failing_malloc, failing_realloc,
			    free);
			for (nth = 1; nth < 100; nth++) {
				if (try_new(base, ctx, idx, kind,
				        BUFFEREVENT_SSL_CONNECTING, options,
				        nth))
					break;
			}
			event_set_mem_functions(NULL, NULL, NULL);
			ck_assert_int_gt(nth, 1);
			ck_assert_int_lt(nth, 100);
#endif
		}
	}
	/* A filter without a bufferevent below. */
	{
		SSL *ssl = SSL_new(ctx);
		ck_assert_int_eq(SSL_set_ex_data(ssl, idx, ssl), 1);
		ssl_frees = 0;
		ck_assert_ptr_null(bufferevent_openssl_filter_new(base, NULL,
		    ssl, BUFFEREVENT_SSL_OPEN, BEV_OPT_CLOSE_ON_FREE));
		ck_assert_int_eq(ssl_frees, 1);
	}
	SSL_CTX_free(ctx);
	evkit_free_base(base);
}
END_TEST

/* Threadsafe bufferevents with pthread locks. */
START_TEST(threadsafe)
{
	ck_assert_int_eq(evthread_use_pthreads(), 0);
	transfer_both_ways(KIND_SOCKET, KIND_FILTER, BEV_OPT_THREADSAFE);
	transfer_both_ways(KIND_FILTER, KIND_SOCKET,
	    BEV_OPT_THREADSAFE | BEV_OPT_DEFER_CALLBACKS |
	        BEV_OPT_UNLOCK_CALLBACKS);
}
END_TEST

/*
 * Another thread writes while the loop thread reads and writes the same
 * TLS session: every byte arrives, in order, and ThreadSanitizer (the
 * tsan pass runs this case) sees no race on the SSL or the buffers.
 */
#define THREAD_CHUNK 1500
#define THREAD_CHUNKS 200

struct writer {
	struct end *e;
	unsigned char *buf;
};

static void *
writer_main(void *arg)
{
	struct writer *w = arg;
	int i;

	for (i = 0; i < THREAD_CHUNKS; i++)
		if (bufferevent_write(w->e->bev, w->buf + i * THREAD_CHUNK,
		        THREAD_CHUNK) != 0)
			return w;
	return NULL;
}

static void
writer_thread_case(enum kind ck, enum kind sk)
{
	struct conn k = { 0 };
	struct writer w;
	pthread_t t;
	void *rc;
	size_t total = (size_t)THREAD_CHUNK * THREAD_CHUNKS;

	ck_assert_int_eq(evthread_use_pthreads(), 0);
	conn_open(&k, ck, sk, BEV_OPT_THREADSAFE);
	wait_connected(&k);
	w.e = &k.c;
	w.buf = malloc(total);
	ck_assert_ptr_nonnull(w.buf);
	pattern(w.buf, total, 7);
	k.s.want = total;
	k.c.want = 3;
	ck_assert_int_eq(pthread_create(&t, NULL, writer_main, &w), 0);
	/* Meanwhile the loop thread sends the other way. */
	send_pattern(&k.s, 3, 8);
	run_until(&k, &k.s);
	ck_assert_int_eq(pthread_join(t, &rc), 0);
	ck_assert_ptr_null(rc);
	run_until(&k, &k.c);
	ck_assert(same_pattern(k.s.got, total, 7));
	ck_assert(same_pattern(k.c.got, 3, 8));
	ck_assert_int_eq(k.c.nevents, 0);
	ck_assert_int_eq(k.s.nevents, 0);
	free(w.buf);
	conn_close(&k);
}

START_TEST(writer_thread_socket)
{
	writer_thread_case(KIND_SOCKET, KIND_SOCKET);
}
END_TEST

START_TEST(writer_thread_filter)
{
	writer_thread_case(KIND_FILTER, KIND_SOCKET);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Loopback TCP: connect, connect_hostname, fd handed over later.       */

struct listen_ctx {
	struct conn *k;
	enum kind kind;
};

static void
accept_cb(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
    int socklen, void *arg)
{
	struct listen_ctx *lc = arg;
	struct conn *k = lc->k;

	(void)l;
	(void)sa;
	(void)socklen;
	if (k->s.bev) {
		/* Not our client. */
		evutil_closesocket(fd);
		return;
	}
	end_open(&k->s, k->base, lc->kind, fd, k->sctx,
	    BUFFEREVENT_SSL_ACCEPTING, 0);
	k->s.echo = 1;
}

static struct evconnlistener *
listen_loopback(struct conn *k, struct listen_ctx *lc, int *port)
{
	struct sockaddr_in sin;
	ev_socklen_t len = sizeof(sin);
	struct evconnlistener *l;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(0x7f000001);
	l = evconnlistener_new_bind(k->base, accept_cb, lc,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, -1,
	    (struct sockaddr *)&sin, sizeof(sin));
	ck_assert_ptr_nonnull(l);
	ck_assert_int_eq(getsockname(evconnlistener_get_fd(l),
	                     (struct sockaddr *)&sin, &len),
	    0);
	*port = ntohs(sin.sin_port);
	return l;
}

/* A client with no socket yet connects (by address or by name). */
static void
connect_case(enum kind ck, int by_name)
{
	struct conn k = { 0 };
	struct listen_ctx lc = { &k, KIND_SOCKET };
	struct evconnlistener *l;
	struct sockaddr_in sin;
	int port;
	SSL *ssl;

	k.base = evkit_new_base();
	k.sctx = server_ctx(0);
	k.cctx = client_ctx(0, 0);
	lc.kind = ck == KIND_SOCKET ? KIND_FILTER : KIND_SOCKET;
	end_init(&k.c);
	end_init(&k.s);
	l = listen_loopback(&k, &lc, &port);
	ssl = SSL_new(k.cctx);
	ck_assert_ptr_nonnull(ssl);
	SSL_set_tlsext_host_name(ssl, "localhost");
	if (ck == KIND_SOCKET) {
		k.c.bev = bufferevent_openssl_socket_new(k.base, -1, ssl,
		    BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE);
	} else {
		k.c.under =
		    bufferevent_socket_new(k.base, -1, BEV_OPT_CLOSE_ON_FREE);
		ck_assert_ptr_nonnull(k.c.under);
		k.c.bev = bufferevent_openssl_filter_new(k.base, k.c.under, ssl,
		    BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE);
	}
	ck_assert_ptr_nonnull(k.c.bev);
	bufferevent_setcb(k.c.bev, end_readcb, end_writecb, end_eventcb, &k.c);
	bufferevent_enable(k.c.bev, EV_READ | EV_WRITE);
	/* Written before the connection exists: sent after the handshake. */
	send_pattern(&k.c, 40000, 10);
	if (by_name) {
		ck_assert_int_eq(bufferevent_socket_connect_hostname(ck ==
		                             KIND_SOCKET
		                         ? k.c.bev
		                         : k.c.under,
		                     NULL, AF_INET, "127.0.0.1", port),
		    0);
	} else {
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_addr.s_addr = htonl(0x7f000001);
		sin.sin_port = htons(port);
		ck_assert_int_eq(bufferevent_socket_connect(ck == KIND_SOCKET
		                         ? k.c.bev
		                         : k.c.under,
		                     (struct sockaddr *)&sin, sizeof(sin)),
		    0);
	}
	k.c.want = 40000;
	run_until(&k, &k.c);
	ck_assert_int_eq(k.c.connected, 1);
	ck_assert_int_eq(k.c.nevents, 0);
	ck_assert(same_pattern(k.c.got, 40000, 10));
	ck_assert_int_ge(bufferevent_getfd(k.c.bev), 0);
	evconnlistener_free(l);
	conn_close(&k);
}

START_TEST(connect_address)
{
	connect_case(KIND_SOCKET, 0);
	connect_case(KIND_FILTER, 0);
}
END_TEST

START_TEST(connect_hostname)
{
	connect_case(KIND_SOCKET, 1);
	connect_case(KIND_FILTER, 1);
}
END_TEST

/* A refused connect is one error, no CONNECTED. */
START_TEST(connect_refused)
{
	struct conn k = { 0 };
	struct sockaddr_in sin;
	ev_socklen_t len = sizeof(sin);
	evutil_socket_t fd;
	SSL *ssl;

	k.base = evkit_new_base();
	k.cctx = client_ctx(0, 0);
	k.sctx = server_ctx(0);
	end_init(&k.c);
	end_init(&k.s);
	/* A port nobody listens on: bound, never listening. */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(0x7f000001);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	ssl = SSL_new(k.cctx);
	k.c.bev = bufferevent_openssl_socket_new(k.base, -1, ssl,
	    BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE);
	ck_assert_ptr_nonnull(k.c.bev);
	bufferevent_setcb(k.c.bev, end_readcb, end_writecb, end_eventcb, &k.c);
	bufferevent_enable(k.c.bev, EV_READ | EV_WRITE);
	ck_assert_int_eq(bufferevent_socket_connect(k.c.bev,
	                     (struct sockaddr *)&sin, sizeof(sin)),
	    0);
	run_until(&k, &k.c);
	ck_assert_int_eq(k.c.connected, 0);
	ck_assert_int_eq(k.c.nevents, 1);
	ck_assert(k.c.what & BEV_EVENT_ERROR);
	close(fd);
	conn_close(&k);
}
END_TEST

/*
 * A server bufferevent made without a socket gets one later (evhttp's
 * bevcb does this), on an fd number that was closed and opened again.
 */
START_TEST(setfd_later)
{
	struct conn k = { 0 };
	evutil_socket_t pair[2];

	k.base = evkit_new_base();
	k.sctx = server_ctx(0);
	k.cctx = client_ctx(0, 0);
	end_init(&k.c);
	end_init(&k.s);
	evkit_socketpair(pair);
	/* A number in use before: close it and take it again. */
	close(pair[1]);
	{
		evutil_socket_t again[2];
		evkit_socketpair(again);
		close(pair[0]);
		pair[0] = again[0];
		pair[1] = again[1];
	}
	end_open(&k.s, k.base, KIND_SOCKET, -1, k.sctx,
	    BUFFEREVENT_SSL_ACCEPTING, 0);
	ck_assert_int_eq(bufferevent_getfd(k.s.bev), -1);
	ck_assert_int_eq(bufferevent_setfd(k.s.bev, pair[1]), 0);
	ck_assert_int_eq(bufferevent_getfd(k.s.bev), pair[1]);
	end_open(&k.c, k.base, KIND_SOCKET, pair[0], k.cctx,
	    BUFFEREVENT_SSL_CONNECTING, 0);
	wait_connected(&k);
	send_pattern(&k.s, 7000, 11);
	k.c.want = 7000;
	run_until(&k, &k.c);
	ck_assert(same_pattern(k.c.got, 7000, 11));
	conn_close(&k);
}
END_TEST

/* ------------------------------------------------------------------ */
/* HTTP over TLS: evhttp_set_bevcb and a client bufferevent.           */

struct https {
	struct event_base *base;
	SSL_CTX *sctx, *cctx;
	int nserved;
	int code;
	char body[64];
	volatile int done;
};

static struct bufferevent *
https_bevcb(struct event_base *base, void *arg)
{
	struct https *h = arg;

	return bufferevent_openssl_socket_new(base, -1, SSL_new(h->sctx),
	    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
}

static void
https_gencb(struct evhttp_request *req, void *arg)
{
	struct https *h = arg;
	struct evbuffer *b = evbuffer_new();

	h->nserved++;
	evbuffer_add_printf(b, "hello over %s", evhttp_request_get_uri(req));
	evhttp_send_reply(req, 200, "OK", b);
	evbuffer_free(b);
}

static void
https_donecb(struct evhttp_request *req, void *arg)
{
	struct https *h = arg;
	struct evbuffer *in;
	size_t n;

	h->done = 1;
	if (req == NULL)
		return;
	h->code = evhttp_request_get_response_code(req);
	in = evhttp_request_get_input_buffer(req);
	n = evbuffer_remove(in, h->body, sizeof(h->body) - 1);
	h->body[n > 0 ? n : 0] = '\0';
}

/* Two requests on one HTTPS connection, client and server evkit's. */
START_TEST(https_client_server)
{
	struct https h = { 0 };
	struct evhttp *http;
	struct evhttp_bound_socket *bound;
	struct evhttp_connection *evcon;
	struct evhttp_request *req;
	struct bufferevent *bev;
	struct sockaddr_in sin;
	ev_socklen_t len = sizeof(sin);
	SSL *ssl;
	int i;

	signal(SIGPIPE, SIG_IGN);
	h.base = evkit_new_base();
	h.sctx = server_ctx(0);
	h.cctx = client_ctx(0, 0);
	http = evhttp_new(h.base);
	ck_assert_ptr_nonnull(http);
	evhttp_set_bevcb(http, https_bevcb, &h);
	evhttp_set_gencb(http, https_gencb, &h);
	bound = evhttp_bind_socket_with_handle(http, "127.0.0.1", 0);
	ck_assert_ptr_nonnull(bound);
	ck_assert_int_eq(getsockname(evhttp_bound_socket_get_fd(bound),
	                     (struct sockaddr *)&sin, &len),
	    0);

	ssl = SSL_new(h.cctx);
	ck_assert_ptr_nonnull(ssl);
	SSL_set_tlsext_host_name(ssl, "localhost");
	bev = bufferevent_openssl_socket_new(h.base, -1, ssl,
	    BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE);
	ck_assert_ptr_nonnull(bev);
	evcon = evhttp_connection_base_bufferevent_new(h.base, NULL, bev,
	    "127.0.0.1", ntohs(sin.sin_port));
	ck_assert_ptr_nonnull(evcon);
	for (i = 0; i < 2; i++) {
		char uri[16];

		h.done = 0;
		snprintf(uri, sizeof(uri), "/tls%d", i);
		req = evhttp_request_new(https_donecb, &h);
		ck_assert_ptr_nonnull(req);
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Host", "localhost");
		ck_assert_int_eq(evhttp_make_request(evcon, req, EVHTTP_REQ_GET,
		                     uri),
		    0);
		ck_assert_int_eq(evkit_loop_until(h.base, &h.done, 0, WAIT_MS),
		    0);
		ck_assert_int_eq(h.code, 200);
		ck_assert_str_eq(h.body,
		    uri[4] == '0' ? "hello over /tls0" : "hello over /tls1");
	}
	ck_assert_int_eq(h.nserved, 2);
	evhttp_connection_free(evcon);
	evhttp_free(http);
	event_base_loop(h.base, EVLOOP_NONBLOCK);
	event_base_loop(h.base, EVLOOP_NONBLOCK);
	evkit_free_base(h.base);
	SSL_CTX_free(h.sctx);
	SSL_CTX_free(h.cctx);
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
	tcase_add_test(tc, threadsafe);
	tcase_add_test(tc, enable_disable);
	tcase_add_test(tc, flush);
	tcase_add_test(tc, read_timeout);
	tcase_add_test(tc, not_tls);
	tcase_add_test(tc, free_keeps_ssl);
	tcase_add_test(tc, new_failure_frees_ssl);
	tcase_add_test(tc, batch_partial_writes);
	tcase_add_test(tc, batch_peer_closes);
	suite_add_tcase(s, tc);

	tc = tcase_create("threads");
	tcase_set_timeout(tc, 15);
	tcase_add_test(tc, writer_thread_socket);
	tcase_add_test(tc, writer_thread_filter);
	suite_add_tcase(s, tc);

	tc = tcase_create("shutdown");
	tcase_set_timeout(tc, 15);
	tcase_add_test(tc, clean_shutdown);
	tcase_add_test(tc, dirty_shutdown_refused);
	tcase_add_test(tc, dirty_shutdown_allowed_filter);
#ifndef EVKIT_REFERENCE
	tcase_add_test(tc, reset_is_error);
#endif
#ifndef EVKIT_REFERENCE
	tcase_add_test(tc, dirty_shutdown_allowed_socket);
#endif
	suite_add_tcase(s, tc);

	tc = tcase_create("handshake");
	tcase_set_timeout(tc, 15);
	tcase_add_test(tc, bad_certificate_socket);
#ifndef EVKIT_REFERENCE
	tcase_add_test(tc, bad_certificate_filter);
#endif
	tcase_add_test(tc, free_from_eventcb);
	tcase_add_test(tc, renegotiate_tls12);
#ifndef EVKIT_REFERENCE
	tcase_add_test(tc, renegotiate_tls13);
#endif
	suite_add_tcase(s, tc);

	tc = tcase_create("connect");
	tcase_set_timeout(tc, 15);
	tcase_add_test(tc, connect_address);
	tcase_add_test(tc, connect_hostname);
	tcase_add_test(tc, connect_refused);
	tcase_add_test(tc, setfd_later);
	tcase_add_test(tc, https_client_server);
	suite_add_tcase(s, tc);

	tc = tcase_create("flow");
	tcase_set_timeout(tc, 15);
#ifndef EVKIT_REFERENCE
	tcase_add_test(tc, watermark_socket);
	tcase_add_test(tc, watermark_filter);
	tcase_add_test(tc, ratelim_socket);
#endif
	tcase_add_test(tc, ratelim_filter);
	suite_add_tcase(s, tc);
	return s;
}
