/*
 * https.c: --tls-cert and --tls-key.
 *
 * One SSL_CTX serves every worker (OpenSSL's contexts may be shared
 * between threads once set up); it is made by tools/common/tls.c (TLS 1.2
 * and 1.3, ALPN "http/1.1", the certificate chain checked against its
 * key).  Each accepted connection gets an SSL on the current context and
 * a socket TLS bufferevent in the accepting state, which evhttp uses as it
 * uses a plain one.  SIGHUP makes a new context from the same files and
 * swaps it in for new connections; an SSL holds a reference to its own
 * context, so connections running keep theirs, and a pair that does not
 * load is reported and the old context stays.
 *
 * A plain HTTP request on the TLS port: OpenSSL recognises it from the
 * first bytes and fails the handshake.  Before the connection is closed
 * the info callback answers it, in plain text, with a 400 that says to
 * use https, after reading what the client sent (so that the close is a
 * FIN, not a reset that would take the answer with it).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/http.h>

#include "cli.h"
#include "evhttpd.h"
#include "tls.h"

static pthread_mutex_t ctx_lock = PTHREAD_MUTEX_INITIALIZER;
static SSL_CTX *cur_ctx; /* the one new connections get; under ctx_lock */
static const struct evhttpd_opts *tls_o;

static const char plain_reply[] = "HTTP/1.1 400 Bad Request\r\n"
                                  "Server: evhttpd\r\n"
                                  "Content-Type: text/plain\r\n"
                                  "Content-Length: 42\r\n"
                                  "Connection: close\r\n"
                                  "\r\n"
                                  "This port speaks HTTPS: use https:// URLs\n";

/*
 * A handshake that failed on a plain HTTP request gets a plain 400.  The
 * client's bytes are read first, as far as they have come, so that the
 * close that follows does not reset the connection.
 */
static void
info_cb(const SSL *ssl, int where, int ret)
{
	unsigned long e;
	char drain[4096];
	int fd, i;

	/* Only a first record can be a plain request: nothing was read. */
	if (!(where & SSL_CB_ACCEPT_EXIT) || ret > 0 ||
	    SSL_get_state(ssl) != TLS_ST_BEFORE)
		return;
	e = ERR_peek_last_error();
	if (ERR_GET_LIB(e) != ERR_LIB_SSL ||
	    ERR_GET_REASON(e) != SSL_R_HTTP_REQUEST)
		return;
	fd = SSL_get_fd(ssl);
	if (fd < 0)
		return;
	for (i = 0; i < 16; i++)
		if (recv(fd, drain, sizeof(drain), MSG_DONTWAIT) <= 0)
			break;
	if (send(fd, plain_reply, sizeof(plain_reply) - 1,
	        MSG_DONTWAIT | MSG_NOSIGNAL) > 0)
		shutdown(fd, SHUT_WR);
}

static SSL_CTX *
make_ctx(const struct evhttpd_opts *o, char *err, size_t errsize)
{
	struct tls_opts t;
	SSL_CTX *ctx;

	memset(&t, 0, sizeof(t));
	t.cert_file = o->tls_cert;
	t.key_file = o->tls_key;
	t.alpn = "http/1.1";
	ctx = tls_server_ctx(&t, err, errsize);
	if (ctx == NULL)
		return NULL;
	SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION);
	SSL_CTX_set_info_callback(ctx, info_cb);
	return ctx;
}

int
evhttpd_tls_init(const struct evhttpd_opts *o)
{
	char err[512];

	if (o->tls_cert == NULL)
		return 0;
	tls_o = o;
	cur_ctx = make_ctx(o, err, sizeof(err));
	if (cur_ctx == NULL) {
		cli_warnx("%s", err);
		return -1;
	}
	return 0;
}

int
evhttpd_tls_enabled(void)
{
	return tls_o != NULL;
}

void
evhttpd_tls_reload(void)
{
	char err[512];
	SSL_CTX *ctx, *old;

	if (tls_o == NULL)
		return;
	ctx = make_ctx(tls_o, err, sizeof(err));
	if (ctx == NULL) {
		cli_warnx("SIGHUP: %s; keeping the certificate in use", err);
		return;
	}
	pthread_mutex_lock(&ctx_lock);
	old = cur_ctx;
	cur_ctx = ctx;
	pthread_mutex_unlock(&ctx_lock);
	SSL_CTX_free(old); /* its connections hold their own references */
	if (cli_verbosity() >= 0)
		cli_note("SIGHUP: reloaded %s and %s", tls_o->tls_cert,
		    tls_o->tls_key);
}

struct bufferevent *
evhttpd_tls_bufferevent(struct event_base *base)
{
	struct bufferevent *bev;
	SSL *ssl;

	pthread_mutex_lock(&ctx_lock);
	ssl = SSL_new(cur_ctx);
	pthread_mutex_unlock(&ctx_lock);
	if (ssl == NULL)
		return NULL;
	/* With BEV_OPT_CLOSE_ON_FREE a failed constructor frees the SSL
	 * itself (bufferevent_ssl.h), so nothing is left to free here. */
	bev = bufferevent_openssl_socket_new(base, -1, ssl,
	    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
	return bev;
}

const char *
evhttpd_tls_version(struct evhttp_request *req)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	SSL *ssl;

	if (tls_o == NULL || evcon == NULL)
		return NULL;
	ssl = bufferevent_openssl_get_ssl(
	    evhttp_connection_get_bufferevent(evcon));
	return ssl != NULL ? SSL_get_version(ssl) : NULL;
}

void
evhttpd_tls_free(void)
{
	SSL_CTX_free(cur_ctx);
	cur_ctx = NULL;
	tls_o = NULL;
}
