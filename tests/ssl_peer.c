/*
 * tests/ssl_peer.c: a TLS peer on evkit's TLS bufferevents, for
 * tests/ssl-openssl.sh to run against openssl s_server and s_client.
 *
 *   ssl_peer [-f] connect HOST PORT CAFILE MESSAGE
 *	connects (fd -1 and bufferevent_socket_connect_hostname), verifies
 *	the server's certificate against CAFILE and HOST, sends MESSAGE
 *	and a newline, prints the first line that comes back, closes with
 *	close_notify.
 *   ssl_peer [-f] listen CERTFILE KEYFILE
 *	prints "listening on 127.0.0.1:PORT" on stderr, takes one client,
 *	prints the first line it sends on stdout, answers "pong", closes
 *	with close_notify.
 *
 * -f puts the TLS filter over a socket bufferevent instead of the socket
 * variant.  Exit status 0 on success, 1 with a message on stderr on any
 * failure (a certificate refused, the peer gone), 2 on bad usage.
 */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/listener.h>

static int use_filter;
static int status = 1;
static struct event_base *base;
static SSL_CTX *ctx;
static const char *message;
static int listening;

static void
usage(void)
{
	fprintf(stderr,
	    "usage: ssl_peer [-f] connect HOST PORT CAFILE MESSAGE\n"
	    "       ssl_peer [-f] listen CERTFILE KEYFILE\n");
	exit(2);
}

/* The OpenSSL reasons saved for bev, or the verification result. */
static void
report(struct bufferevent *bev, const char *what)
{
	SSL *ssl = bufferevent_openssl_get_ssl(bev);
	unsigned long e;
	long v = ssl ? SSL_get_verify_result(ssl) : X509_V_OK;
	char buf[256];

	fprintf(stderr, "ssl_peer: %s", what);
	if (v != X509_V_OK)
		fprintf(stderr, ": certificate: %s",
		    X509_verify_cert_error_string(v));
	while ((e = bufferevent_get_openssl_error(bev)) != 0) {
		ERR_error_string_n(e, buf, sizeof(buf));
		fprintf(stderr, ": %s", buf);
	}
	fprintf(stderr, "\n");
}

static void
finish(struct bufferevent *bev, int ok)
{
	if (ok) {
		/* close_notify goes straight out (socket) or into the
		 * output below (filter), which main() sends. */
		SSL_shutdown(bufferevent_openssl_get_ssl(bev));
		status = 0;
	}
	bufferevent_disable(bev, EV_READ);
	event_base_loopexit(base, NULL);
}

/* Filter: lets the bufferevent below send what it holds, bounded. */
static void
drain_below(struct bufferevent *bev)
{
	struct bufferevent *under = bufferevent_get_underlying(bev);
	int i;

	for (i = 0; under && i < 1000 &&
	     evbuffer_get_length(bufferevent_get_output(under)) > 0;
	     i++)
		event_base_loop(base, EVLOOP_ONCE);
}

static void
readcb(struct bufferevent *bev, void *arg)
{
	struct evbuffer *in = bufferevent_get_input(bev);
	size_t n;
	char *line = evbuffer_readln(in, &n, EVBUFFER_EOL_LF);

	(void)arg;
	if (line == NULL)
		return;
	printf("%s\n", line);
	fflush(stdout);
	free(line);
	if (listening)
		bufferevent_write(bev, "pong\n", 5);
	finish(bev, 1);
}

static void
eventcb(struct bufferevent *bev, short what, void *arg)
{
	(void)arg;
	if (what & BEV_EVENT_CONNECTED) {
		if (message) {
			bufferevent_write(bev, message, strlen(message));
			bufferevent_write(bev, "\n", 1);
		}
		return;
	}
	if (what & BEV_EVENT_EOF)
		report(bev, "connection closed before a line came");
	else if (what & BEV_EVENT_TIMEOUT)
		report(bev, "timed out");
	else
		report(bev, "TLS failed");
	finish(bev, 0);
}

static struct bufferevent *
tls_bev(evutil_socket_t fd, SSL *ssl, enum bufferevent_ssl_state state)
{
	struct bufferevent *bev, *under;
	struct timeval tv = { 10, 0 };

	if (use_filter) {
		under = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE);
		if (under == NULL)
			return NULL;
		bev = bufferevent_openssl_filter_new(base, under, ssl, state,
		    BEV_OPT_CLOSE_ON_FREE);
	} else {
		bev = bufferevent_openssl_socket_new(base, fd, ssl, state,
		    BEV_OPT_CLOSE_ON_FREE);
	}
	if (bev == NULL)
		return NULL;
	bufferevent_setcb(bev, readcb, NULL, eventcb, NULL);
	bufferevent_set_timeouts(bev, &tv, &tv);
	bufferevent_enable(bev, EV_READ | EV_WRITE);
	return bev;
}

static struct bufferevent *client_bev;

static void
acceptcb(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
    int socklen, void *arg)
{
	(void)sa;
	(void)socklen;
	(void)arg;
	evconnlistener_disable(l);
	client_bev = tls_bev(fd, SSL_new(ctx), BUFFEREVENT_SSL_ACCEPTING);
	if (client_bev == NULL) {
		fprintf(stderr, "ssl_peer: cannot make the bufferevent\n");
		event_base_loopexit(base, NULL);
	}
}

static int
run_connect(char **argv)
{
	const char *host = argv[0];
	int port = atoi(argv[1]);
	struct bufferevent *bev, *connecting;
	SSL *ssl;

	message = argv[3];
	ctx = SSL_CTX_new(TLS_client_method());
	if (ctx == NULL ||
	    SSL_CTX_load_verify_locations(ctx, argv[2], NULL) != 1) {
		fprintf(stderr, "ssl_peer: cannot load %s\n", argv[2]);
		return 1;
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	ssl = SSL_new(ctx);
	SSL_set_tlsext_host_name(ssl, host);
	SSL_set1_host(ssl, host);
	bev = tls_bev(-1, ssl, BUFFEREVENT_SSL_CONNECTING);
	if (bev == NULL)
		return 1;
	connecting = use_filter ? bufferevent_get_underlying(bev) : bev;
	if (bufferevent_socket_connect_hostname(connecting, NULL, AF_UNSPEC,
	        host, port) < 0) {
		fprintf(stderr, "ssl_peer: cannot connect to %s\n", host);
		return 1;
	}
	event_base_dispatch(base);
	drain_below(bev);
	bufferevent_free(bev);
	return status;
}

static int
run_listen(char **argv)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	struct evconnlistener *l;

	listening = 1;
	ctx = SSL_CTX_new(TLS_server_method());
	if (ctx == NULL ||
	    SSL_CTX_use_certificate_chain_file(ctx, argv[0]) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, argv[1], SSL_FILETYPE_PEM) != 1) {
		fprintf(stderr, "ssl_peer: cannot load %s and %s\n", argv[0],
		    argv[1]);
		return 1;
	}
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(0x7f000001);
	l = evconnlistener_new_bind(base, acceptcb, NULL,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 1,
	    (struct sockaddr *)&sin, sizeof(sin));
	if (l == NULL ||
	    getsockname(evconnlistener_get_fd(l), (struct sockaddr *)&sin,
	        &len) < 0) {
		fprintf(stderr, "ssl_peer: cannot listen\n");
		return 1;
	}
	fprintf(stderr, "listening on 127.0.0.1:%d\n", ntohs(sin.sin_port));
	event_base_dispatch(base);
	if (client_bev) {
		drain_below(client_bev);
		bufferevent_free(client_bev);
	}
	evconnlistener_free(l);
	return status;
}

int
main(int argc, char **argv)
{
	int r;

	if (argc > 1 && strcmp(argv[1], "-f") == 0) {
		use_filter = 1;
		argc--;
		argv++;
	}
	if (argc < 2)
		usage();
	if ((base = event_base_new()) == NULL)
		return 1;
	if (strcmp(argv[1], "connect") == 0 && argc == 6)
		r = run_connect(argv + 2);
	else if (strcmp(argv[1], "listen") == 0 && argc == 4)
		r = run_listen(argv + 2);
	else
		usage();
	/* The finalizers of the freed bufferevents. */
	event_base_loop(base, EVLOOP_NONBLOCK);
	event_base_free(base);
	SSL_CTX_free(ctx);
	return r;
}
