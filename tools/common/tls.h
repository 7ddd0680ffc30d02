/*
 * TLS set-up shared by evcat (--ssl), evhttpd (--tls-cert) and evdig (+tls):
 * OpenSSL contexts from the tools' options, a throw-away self-signed
 * certificate, and failures turned into messages a user can act on.
 *
 * Link tools/common/libtls.a with lib/libevkit_openssl.a and
 * $(OPENSSL_LIBS); compile with $(OPENSSL_CFLAGS).  Only OpenSSL's own API is
 * used here, no event loop: a tool makes its SSL with tls_client_ssl() or
 * SSL_new(), then hands it to bufferevent_openssl_socket_new().
 *
 * Errors: functions that can fail return NULL or -1 and write one line,
 * without the program name and without a newline, into err (err may be
 * NULL).  Every context is TLS 1.2 at least.
 */
#ifndef TOOLS_TLS_H_INCLUDED_
#define TOOLS_TLS_H_INCLUDED_

#include <stddef.h>

#include <openssl/ssl.h>

struct tls_opts {
	/*
	 * PEM certificate chain (leaf first) and its private key.  A server
	 * needs them (or tls_use_self_signed()); a client sends them when the
	 * server asks.  key_file NULL: the key is in cert_file.
	 */
	const char *cert_file;
	const char *key_file;
	/*
	 * Client: check the server's certificate (trust and host name).
	 * Server: ask for a client certificate and refuse a missing or
	 * untrusted one.
	 */
	int verify;
	/* PEM CA certificates to trust; NULL: the system's default CAs. */
	const char *trust_file;
	/*
	 * Client: the name sent as SNI (not sent for an IP address literal)
	 * and checked against the certificate (DNS names or IP addresses).
	 * NULL: no SNI, and with verify set tls_client_ssl() refuses.
	 */
	const char *server_name;
	/*
	 * ALPN protocols, comma-separated ("h2,http/1.1").  Client: offered.
	 * Server: the first of this list the client also offers is chosen;
	 * none in common: the handshake goes on without ALPN.
	 */
	const char *alpn;
	/*
	 * OpenSSL cipher names, colon-separated.  TLS 1.3 suites (names
	 * starting "TLS_") and TLS 1.2 ciphers may be mixed; each kind given
	 * replaces that kind's default list.
	 */
	const char *ciphers;
};

/* A context for connecting; NULL with err on failure. */
SSL_CTX *tls_client_ctx(const struct tls_opts *o, char *err, size_t errsize);

/*
 * A context for accepting, with o->cert_file and o->key_file loaded and
 * checked against each other.  When o->cert_file is NULL the caller must
 * call tls_use_self_signed() before accepting.  For a reload (evhttpd's
 * SIGHUP) make a new context and swap it in for new connections; on
 * failure keep the old one.
 */
SSL_CTX *tls_server_ctx(const struct tls_opts *o, char *err, size_t errsize);

/*
 * A fresh EC P-256 key and a self-signed certificate for `name` (subject
 * CN and subjectAltName; an IP literal becomes an IP SAN), valid from an
 * hour ago for 30 days, made in memory and installed in ctx.  0 or -1.
 */
int tls_use_self_signed(SSL_CTX *ctx, const char *name, char *err,
    size_t errsize);

/*
 * A client SSL for ctx: connect state, SNI and the host-name check set
 * from o->server_name.  NULL with err on failure.
 */
SSL *tls_client_ssl(SSL_CTX *ctx, const struct tls_opts *o, char *err,
    size_t errsize);

/*
 * Why the handshake (or a later read or write) on ssl failed, for the
 * user: `ossl_err` is the OpenSSL error code seen (ERR_get_error(), or
 * bufferevent_get_openssl_error()); 0 when none was recorded.  Writes e.g.
 *   "certificate has expired"
 *   "certificate is for other.invalid, not localhost"
 *   "self-signed certificate, not trusted"
 *   "certificate not trusted: unable to get local issuer certificate"
 *   "handshake failed: wrong version number"
 *   "server refused the handshake: tlsv1 alert unknown ca"
 * and returns buf.  A failed verification of the peer's certificate wins
 * over the error code.
 */
const char *tls_failure(SSL *ssl, unsigned long ossl_err, char *buf,
    size_t size);

/* The ALPN protocol agreed on ssl into buf ("" when none); returns buf. */
const char *tls_alpn_selected(const SSL *ssl, char *buf, size_t size);

/* "TLSv1.3 TLS_AES_128_GCM_SHA256" for ssl, for -v; returns buf. */
const char *tls_describe(const SSL *ssl, char *buf, size_t size);

#endif /* TOOLS_TLS_H_INCLUDED_ */
