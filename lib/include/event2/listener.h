/*
 * event2/listener.h: accepting stream connections from the event loop.
 *
 * An evconnlistener watches a listening socket and, each time it becomes
 * readable, accepts every pending connection and hands each new socket to
 * a callback together with the peer's address.  The callback owns the new
 * socket.  A failed accept() (other than "nothing pending") is reported to
 * the error callback with EVUTIL_SOCKET_ERROR() set.
 *
 * When the process or the system runs out of file descriptors (EMFILE,
 * ENFILE) or of memory for sockets (ENOBUFS, ENOMEM), the pending
 * connection stays in the kernel's queue and the socket stays readable, so
 * retrying at once would only spin.  evkit reports the error, then stops
 * watching the socket and tries again a little later (see listener.c),
 * until accept() succeeds; libevent 2.1 retries on every loop iteration.
 */
#ifndef EVENT2_LISTENER_H_INCLUDED_
#define EVENT2_LISTENER_H_INCLUDED_

#include <event2/visibility.h>
#include <event2/event-config.h>
#include <event2/util.h>

#ifdef __cplusplus
extern "C" {
#endif

struct sockaddr;
struct event_base;
struct evconnlistener;

/*
 * Called with each accepted socket, the peer address (valid only during
 * the call) and its length, and the pointer given with the callback.
 */
typedef void (*evconnlistener_cb)(struct evconnlistener *, evutil_socket_t,
    struct sockaddr *, int socklen, void *);

/*
 * Called when accept() fails for a reason other than "try again"; read the
 * error with EVUTIL_SOCKET_ERROR().  The listener may be freed from here.
 */
typedef void (*evconnlistener_errorcb)(struct evconnlistener *, void *);

/* Accepted sockets are left blocking (they are made nonblocking by
 * default). */
#define LEV_OPT_LEAVE_SOCKETS_BLOCKING (1u << 0)
/* evconnlistener_free() closes the listening socket. */
#define LEV_OPT_CLOSE_ON_FREE (1u << 1)
/* The listening socket and every accepted socket are close-on-exec. */
#define LEV_OPT_CLOSE_ON_EXEC (1u << 2)
/* SO_REUSEADDR (evconnlistener_new_bind only): the port may be bound again
 * at once after the listener is closed. */
#define LEV_OPT_REUSEABLE (1u << 3)
/* The listener has a lock and may be used from several threads. */
#define LEV_OPT_THREADSAFE (1u << 4)
/* Created disabled: nothing is accepted until evconnlistener_enable(). */
#define LEV_OPT_DISABLED (1u << 5)
/* TCP_DEFER_ACCEPT (evconnlistener_new_bind only): a connection is
 * accepted only once the client has sent data.  For protocols where the
 * client speaks first. */
#define LEV_OPT_DEFERRED_ACCEPT (1u << 6)
/* SO_REUSEPORT (evconnlistener_new_bind only): several sockets, in this
 * process or others, may listen on the same address and port. */
#define LEV_OPT_REUSEABLE_PORT (1u << 7)
/* IPV6_V6ONLY (evconnlistener_new_bind only): an IPv6 listener does not
 * take IPv4 connections. */
#define LEV_OPT_BIND_IPV6ONLY (1u << 8)

/*
 * A listener on fd, a socket that is already bound.  With backlog > 0,
 * listen(fd, backlog) is called; with backlog < 0, listen() with a default
 * backlog; with backlog 0 the socket must already be listening.  fd is
 * made nonblocking.  Unless LEV_OPT_DISABLED is in flags, the listener
 * starts accepting as soon as the loop runs (and cb is not NULL).  Returns
 * NULL on failure; fd is then left open.
 */
EVENT2_EXPORT_SYMBOL
struct evconnlistener *evconnlistener_new(struct event_base *base,
    evconnlistener_cb cb, void *ptr, unsigned flags, int backlog,
    evutil_socket_t fd);

/*
 * As evconnlistener_new(), on a new TCP socket bound to sa (of length
 * socklen; sa NULL leaves it unbound, which fails).  SO_KEEPALIVE is set on
 * it, and the options that only make sense before bind() are applied.
 * backlog 0 is an error here.  Returns NULL on failure.
 */
EVENT2_EXPORT_SYMBOL
struct evconnlistener *evconnlistener_new_bind(struct event_base *base,
    evconnlistener_cb cb, void *ptr, unsigned flags, int backlog,
    const struct sockaddr *sa, int socklen);

/*
 * Stops and frees the listener (closing its socket with
 * LEV_OPT_CLOSE_ON_FREE).  Safe to call from the listener's callbacks.
 */
EVENT2_EXPORT_SYMBOL
void evconnlistener_free(struct evconnlistener *lev);

/* Start or resume accepting.  0 on success, -1 on failure. */
EVENT2_EXPORT_SYMBOL
int evconnlistener_enable(struct evconnlistener *lev);

/* Stop accepting; connections wait in the kernel's queue.  0 or -1. */
EVENT2_EXPORT_SYMBOL
int evconnlistener_disable(struct evconnlistener *lev);

/* The base the listener runs on. */
EVENT2_EXPORT_SYMBOL
struct event_base *evconnlistener_get_base(struct evconnlistener *lev);

/* The listening socket. */
EVENT2_EXPORT_SYMBOL
evutil_socket_t evconnlistener_get_fd(struct evconnlistener *lev);

/*
 * Replace the accept callback and its argument.  A NULL cb pauses
 * accepting; setting one on an enabled listener that had none starts it.
 */
EVENT2_EXPORT_SYMBOL
void evconnlistener_set_cb(struct evconnlistener *lev, evconnlistener_cb cb,
    void *arg);

/* Replace the error callback (it shares the accept callback's argument). */
EVENT2_EXPORT_SYMBOL
void evconnlistener_set_error_cb(struct evconnlistener *lev,
    evconnlistener_errorcb errorcb);

#ifdef __cplusplus
}
#endif

#endif /* EVENT2_LISTENER_H_INCLUDED_ */
