/*
 * event2/bufferevent_ssl.h: bufferevents that speak TLS through OpenSSL.
 *
 * A TLS bufferevent reads and writes plaintext for its user and ciphertext
 * on the wire.  It either owns a socket (bufferevent_openssl_socket_new)
 * or sits on top of another bufferevent that carries the ciphertext
 * (bufferevent_openssl_filter_new).  The caller makes the SSL object, with
 * its SSL_CTX, certificates and verification, and says in which state it
 * is: a session already set up, or a handshake still to run as the client
 * or the server side.
 *
 * These functions live in a library of their own, libevkit_openssl.a
 * (pkg-config evkit_openssl), so that programs without TLS never link
 * OpenSSL.  Only the SSL type is named here; include <openssl/ssl.h> to
 * use it.
 *
 * Events reported through the event callback:
 *   BEV_EVENT_CONNECTED  the handshake finished;
 *   BEV_EVENT_EOF        the peer sent close_notify, or closed the
 *                        connection without it ("dirty") while dirty
 *                        shutdowns are allowed;
 *   BEV_EVENT_ERROR      a handshake, read or write failure, or a dirty
 *                        shutdown while they are not allowed; the OpenSSL
 *                        error codes are read with
 *                        bufferevent_get_openssl_error().
 *
 * When a constructor fails (it returns NULL), the SSL object has been freed
 * if BEV_OPT_CLOSE_ON_FREE was given, and is still the caller's otherwise,
 * whatever the cause (as in libevent 2.1).  The socket and the underlying
 * bufferevent are always left to the caller.
 */
#ifndef EVENT2_BUFFEREVENT_SSL_H_INCLUDED_
#define EVENT2_BUFFEREVENT_SSL_H_INCLUDED_

#include <event2/visibility.h>
#include <event2/event-config.h>
#include <event2/bufferevent.h>
#include <event2/util.h>

#ifdef __cplusplus
extern "C" {
#endif

/* OpenSSL's SSL. */
struct ssl_st;

/* Where the SSL object stands when it is handed over. */
enum bufferevent_ssl_state {
	/* The handshake is done; data flows at once. */
	BUFFEREVENT_SSL_OPEN = 0,
	/* Run the handshake as the client. */
	BUFFEREVENT_SSL_CONNECTING = 1,
	/* Run the handshake as the server. */
	BUFFEREVENT_SSL_ACCEPTING = 2
};

#if defined(EVENT__HAVE_OPENSSL)

/*
 * TLS over another bufferevent, `underlying', which must use the same base.
 * With BEV_OPT_CLOSE_ON_FREE, freeing the new bufferevent frees the
 * underlying one and the SSL object.  Returns NULL on failure (see above
 * for who frees the SSL then).
 */
EVENT2_EXPORT_SYMBOL
struct bufferevent *bufferevent_openssl_filter_new(struct event_base *base,
    struct bufferevent *underlying, struct ssl_st *ssl,
    enum bufferevent_ssl_state state, int options);

/*
 * TLS over the socket fd, which may be -1 when bufferevent_socket_connect()
 * (or _connect_hostname) is to make it.  With BEV_OPT_CLOSE_ON_FREE,
 * freeing the bufferevent closes the socket and frees the SSL object.
 * Returns NULL on failure (see above for who frees the SSL then).
 */
EVENT2_EXPORT_SYMBOL
struct bufferevent *bufferevent_openssl_socket_new(struct event_base *base,
    evutil_socket_t fd, struct ssl_st *ssl, enum bufferevent_ssl_state state,
    int options);

/*
 * Whether a peer that closes the connection without a close_notify is
 * reported as BEV_EVENT_EOF (allowed, 1) or as BEV_EVENT_ERROR (0, the
 * default).  A truncation attack looks exactly like such a close, so allow
 * it only for protocols that frame their own data.
 */
EVENT2_EXPORT_SYMBOL
int bufferevent_openssl_get_allow_dirty_shutdown(struct bufferevent *bev);
EVENT2_EXPORT_SYMBOL
void bufferevent_openssl_set_allow_dirty_shutdown(struct bufferevent *bev,
    int allow_dirty_shutdown);

/* The SSL object of a TLS bufferevent; NULL for any other bufferevent. */
EVENT2_EXPORT_SYMBOL
struct ssl_st *bufferevent_openssl_get_ssl(struct bufferevent *bufev);

/*
 * Starts a renegotiation (a new handshake) on an open TLS 1.2 session.
 * Returns 0 when it was started, -1 when it was not: TLS 1.3 has no
 * renegotiation, so it always fails there (libevent 2.1 returns 0 and does
 * nothing); the OpenSSL reason, when there is one, is read with
 * bufferevent_get_openssl_error().
 */
EVENT2_EXPORT_SYMBOL
int bufferevent_ssl_renegotiate(struct bufferevent *bev);

/*
 * Takes the oldest OpenSSL error code saved for this bufferevent, or 0
 * when none is left.  Call it in a loop from the event callback after a
 * BEV_EVENT_ERROR; ERR_error_string_n() turns each code into text.
 */
EVENT2_EXPORT_SYMBOL
unsigned long bufferevent_get_openssl_error(struct bufferevent *bev);

#endif /* EVENT__HAVE_OPENSSL */

#ifdef __cplusplus
}
#endif

#endif /* EVENT2_BUFFEREVENT_SSL_H_INCLUDED_ */
