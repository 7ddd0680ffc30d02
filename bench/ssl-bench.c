/*
 * bench/ssl-bench.c: TLS bufferevent throughput, compiled unchanged
 * against evkit (libevkit_openssl) and libevent (libevent_openssl) by
 * bench/ssl-vs-libevent.
 *
 *   ssl-bench [-f] [-e] MB
 *
 * A sender and a receiver, two processes (fork) on a loopback TCP
 * connection, TLS 1.3 with TLS_AES_128_GCM_SHA256 on a throw-away P-256
 * certificate.  The sender writes MB mebibytes in 64 KiB pieces, topping
 * its output up from the write callback; the receiver reads and drops
 * them (with -e it writes everything back and the sender reads it too)
 * and answers one byte once it has all.  The sender prints
 *	MB/s <megabytes per second> cpu <user+sys seconds, both processes>
 * timed from the end of the handshake to that byte.  -f runs the filter
 * variant over socket bufferevents instead of the socket variant.
 */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>

#define PIECE (64 * 1024)

static int use_filter, echo;
static size_t total, sent, got, echoed;
static struct event_base *base;
static struct timeval t0, t1;
static char piece[PIECE];

static double
now_diff(const struct timeval *a, const struct timeval *b)
{
	return (double)(b->tv_sec - a->tv_sec) +
	    (double)(b->tv_usec - a->tv_usec) / 1e6;
}

static void
die(const char *what)
{
	fprintf(stderr, "ssl-bench: %s\n", what);
	exit(1);
}

static SSL_CTX *
make_ctx(int server)
{
	SSL_CTX *ctx =
	    SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());

	if (ctx == NULL)
		die("SSL_CTX_new");
	SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
	SSL_CTX_set_ciphersuites(ctx, "TLS_AES_128_GCM_SHA256");
	if (server) {
		EVP_PKEY *key = EVP_EC_gen("P-256");
		X509 *x = X509_new();

		if (key == NULL || x == NULL)
			die("key");
		ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
		X509_gmtime_adj(X509_getm_notBefore(x), 0);
		X509_gmtime_adj(X509_getm_notAfter(x), 3600);
		X509_set_pubkey(x, key);
		X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN",
		    MBSTRING_ASC, (const unsigned char *)"bench", -1, -1, 0);
		X509_set_issuer_name(x, X509_get_subject_name(x));
		if (!X509_sign(x, key, EVP_sha256()) ||
		    SSL_CTX_use_certificate(ctx, x) != 1 ||
		    SSL_CTX_use_PrivateKey(ctx, key) != 1)
			die("certificate");
	}
	return ctx;
}

static struct bufferevent *
tls_bev(evutil_socket_t fd, SSL_CTX *ctx, int server)
{
	SSL *ssl = SSL_new(ctx);
	enum bufferevent_ssl_state st =
	    server ? BUFFEREVENT_SSL_ACCEPTING : BUFFEREVENT_SSL_CONNECTING;
	struct bufferevent *bev;

	if (use_filter) {
		struct bufferevent *u =
		    bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE);
		bev = bufferevent_openssl_filter_new(base, u, ssl, st,
		    BEV_OPT_CLOSE_ON_FREE);
	} else {
		bev = bufferevent_openssl_socket_new(base, fd, ssl, st,
		    BEV_OPT_CLOSE_ON_FREE);
	}
	if (bev == NULL)
		die("bufferevent");
	return bev;
}

/* Receiver. */
static void
recv_readcb(struct bufferevent *bev, void *arg)
{
	struct evbuffer *in = bufferevent_get_input(bev);
	size_t n = evbuffer_get_length(in);

	(void)arg;
	got += n;
	if (echo)
		bufferevent_write_buffer(bev, in);
	else
		evbuffer_drain(in, n);
	if (got >= total)
		bufferevent_write(bev, "k", 1);
}

static void
recv_eventcb(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	(void)arg;
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		event_base_loopexit(base, NULL);
}

/* Sender. */
static void
send_writecb(struct bufferevent *bev, void *arg)
{
	(void)arg;
	while (sent < total &&
	    evbuffer_get_length(bufferevent_get_output(bev)) < 4 * PIECE) {
		size_t n = total - sent < PIECE ? total - sent : PIECE;
		bufferevent_write(bev, piece, n);
		sent += n;
	}
}

static void
send_readcb(struct bufferevent *bev, void *arg)
{
	struct evbuffer *in = bufferevent_get_input(bev);
	size_t n = evbuffer_get_length(in);

	(void)arg;
	echoed += n;
	evbuffer_drain(in, n);
	if (echoed >= total + 1 || (!echo && echoed >= 1)) {
		gettimeofday(&t1, NULL);
		event_base_loopexit(base, NULL);
	}
}

static void
send_eventcb(struct bufferevent *bev, short what, void *arg)
{
	(void)arg;
	if (what & BEV_EVENT_CONNECTED) {
		gettimeofday(&t0, NULL);
		send_writecb(bev, NULL);
		return;
	}
	die("connection failed");
}

static double
cpu_seconds(int who)
{
	struct rusage ru;

	getrusage(who, &ru);
	return now_diff(&(struct timeval){ 0, 0 }, &ru.ru_utime) +
	    now_diff(&(struct timeval){ 0, 0 }, &ru.ru_stime);
}

int
main(int argc, char **argv)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int lfd, fd, one = 1, status;
	struct bufferevent *bev;
	pid_t pid;
	double cpu;

	while (argc > 1 && argv[1][0] == '-') {
		if (strcmp(argv[1], "-f") == 0)
			use_filter = 1;
		else if (strcmp(argv[1], "-e") == 0)
			echo = 1;
		else
			break;
		argc--;
		argv++;
	}
	if (argc != 2 || atoi(argv[1]) <= 0) {
		fprintf(stderr, "usage: ssl-bench [-f] [-e] MB\n");
		return 2;
	}
	total = (size_t)atoi(argv[1]) << 20;
	memset(piece, 'x', sizeof(piece));
	signal(SIGPIPE, SIG_IGN);

	lfd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(0x7f000001);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    listen(lfd, 1) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&sin, &len) < 0)
		die("listen");
	if ((pid = fork()) < 0)
		die("fork");
	if (pid == 0) {
		SSL_CTX *ctx = make_ctx(1);
		if ((fd = accept(lfd, NULL, NULL)) < 0)
			die("accept");
		close(lfd);
		evutil_make_socket_nonblocking(fd);
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		base = event_base_new();
		bev = tls_bev(fd, ctx, 1);
		bufferevent_setcb(bev, recv_readcb, NULL, recv_eventcb, NULL);
		bufferevent_enable(bev, EV_READ | EV_WRITE);
		event_base_dispatch(base);
		bufferevent_free(bev);
		event_base_free(base);
		_exit(0);
	}
	close(lfd);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0)
		die("connect");
	evutil_make_socket_nonblocking(fd);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	base = event_base_new();
	bev = tls_bev(fd, make_ctx(0), 0);
	bufferevent_setcb(bev, send_readcb, send_writecb, send_eventcb, NULL);
	bufferevent_enable(bev, EV_READ | EV_WRITE);
	event_base_dispatch(base);
	if (t1.tv_sec == 0)
		die("transfer did not finish");
	bufferevent_free(bev);
	event_base_loop(base, EVLOOP_NONBLOCK);
	event_base_free(base);
	waitpid(pid, &status, 0);
	cpu = cpu_seconds(RUSAGE_SELF) + cpu_seconds(RUSAGE_CHILDREN);
	printf("MB/s %.1f cpu %.3f\n",
	    (double)total * (echo ? 2 : 1) / 1e6 / now_diff(&t0, &t1), cpu);
	return 0;
}
