/*
 * ssl.c: --ssl, TLS on the stream connections (tools/common/tls.h makes
 * the contexts and the messages; lib/bufferevent_openssl.c does the rest).
 *
 * One context for the whole process, made before the first connection:
 * listening, from --ssl-cert/--ssl-key or a throw-away self-signed
 * certificate; connecting, checking the server's certificate against the
 * system's CAs or --ssl-trustfile and the destination's name (or
 * --ssl-servername) unless --ssl-no-verify.
 *
 * Every connection gets its own SSL on a socket TLS bufferevent that owns
 * the socket.  The bufferevent reports the handshake's end as
 * BEV_EVENT_CONNECTED and a failure as BEV_EVENT_ERROR with the OpenSSL
 * error, which ssl_error() turns into what the user reads.  A peer's
 * close_notify, or its TCP FIN without one (as ncat and socat send on
 * their end of input), is end of data: dirty shutdowns are allowed.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "cli.h"
#include "evcat.h"
#include "tls.h"

static SSL_CTX *ctx;
static struct tls_opts topts;

/*
 * A TLS record holds 16 KiB; OpenSSL reads one record a read(2) unless
 * told to read ahead into a larger buffer.  With read-ahead, one read(2)
 * takes many records, which halves the system calls of a bulk download.
 */
#define SSL_READ_BUFFER (128 * 1024)

void
ssl_init(void)
{
	char err[512];

	if (!ec.o.ssl)
		return;
	topts.cert_file = ec.o.ssl_cert;
	topts.key_file = ec.o.ssl_key;
	topts.trust_file = ec.o.ssl_trustfile;
	topts.alpn = ec.o.ssl_alpn;
	topts.ciphers = ec.o.ssl_ciphers;
	if (ec.o.listen) {
		/* Clients are asked for a certificate only on request. */
		topts.verify = ec.o.ssl_verify == 1;
		ctx = tls_server_ctx(&topts, err, sizeof(err));
		if (ctx != NULL && ec.o.ssl_cert == NULL) {
			if (tls_use_self_signed(ctx,
			        ec.o.host != NULL ? ec.o.host : "localhost",
			        err, sizeof(err)) != 0) {
				SSL_CTX_free(ctx);
				ctx = NULL;
			} else {
				cli_warnx("no --ssl-cert: using a throw-away "
				          "self-signed certificate");
			}
		}
	} else {
		topts.verify = ec.o.ssl_verify != 0;
		topts.server_name = ec.o.ssl_servername != NULL
		    ? ec.o.ssl_servername
		    : ec.o.host;
		ctx = tls_client_ctx(&topts, err, sizeof(err));
	}
	if (ctx == NULL)
		cli_diex("%s", err);
	SSL_CTX_set_read_ahead(ctx, 1);
	SSL_CTX_set_default_read_buffer_len(ctx, SSL_READ_BUFFER);
}

struct bufferevent *
ssl_bev_new(evutil_socket_t fd)
{
	struct bufferevent *bev;
	char err[512];
	SSL *ssl;

	if (ec.o.listen) {
		ssl = SSL_new(ctx);
		if (ssl == NULL)
			cli_diex("cannot make a TLS session");
	} else {
		ssl = tls_client_ssl(ctx, &topts, err, sizeof(err));
		if (ssl == NULL)
			cli_diex("%s", err);
	}
	bev = bufferevent_openssl_socket_new(ec.base, fd, ssl,
	    ec.o.listen ? BUFFEREVENT_SSL_ACCEPTING
	                : BUFFEREVENT_SSL_CONNECTING,
	    BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL)
		cli_diex("bufferevent_openssl_socket_new failed");
	bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	bufferevent_set_max_single_read(bev, EVCAT_IO_MAX);
	bufferevent_set_max_single_write(bev, EVCAT_IO_MAX);
	return bev;
}

void
ssl_connected(struct bufferevent *bev, const char *peer)
{
	SSL *ssl = bufferevent_openssl_get_ssl(bev);
	char desc[128], alpn[256];

	if (ssl == NULL || cli_verbosity() < 1)
		return;
	tls_alpn_selected(ssl, alpn, sizeof(alpn));
	evcat_verbose("%s: %s%s%s", peer, tls_describe(ssl, desc, sizeof(desc)),
	    alpn[0] != '\0' ? ", ALPN " : "", alpn);
}

const char *
ssl_error(struct bufferevent *bev, char *buf, size_t size)
{
	SSL *ssl = bufferevent_openssl_get_ssl(bev);
	unsigned long e, first = 0;

	/* The first error is the cause; the rest is OpenSSL's trail. */
	while ((e = bufferevent_get_openssl_error(bev)) != 0)
		if (first == 0)
			first = e;
	if (first == 0 && ssl != NULL && SSL_is_init_finished(ssl)) {
		int err = EVUTIL_SOCKET_ERROR();

		snprintf(buf, size, "%s",
		    err != 0 ? strerror(err) : "TLS connection failed");
		return buf;
	}
	return tls_failure(ssl, first, buf, size);
}

void
ssl_shutdown_write(struct bufferevent *bev)
{
	SSL *ssl = bufferevent_openssl_get_ssl(bev);

	/*
	 * close_notify, then the TCP half-close.  The output is empty, so
	 * nothing of ours is queued behind the alert; reading goes on (TLS
	 * 1.3 allows data after one side's close_notify, and so does
	 * OpenSSL for TLS 1.2).
	 */
	if (ssl != NULL && SSL_is_init_finished(ssl)) {
		SSL_shutdown(ssl);
		ERR_clear_error();
	}
	shutdown(bufferevent_getfd(bev), SHUT_WR);
}
