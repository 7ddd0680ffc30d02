/*
 * listener.c: evconnlistener, accepting connections from the event loop.
 *
 * A listener is one persistent EV_READ event on the listening socket.  On
 * each wakeup it accepts until the kernel's queue is empty (accept4 with
 * the flags the options ask for), handing every socket to the callback.
 *
 * Running out of descriptors.  accept() failing with EMFILE or ENFILE (or
 * ENOBUFS/ENOMEM) leaves the connection queued and the socket readable, so
 * a level-triggered loop would wake up again at once and spin at full CPU
 * for as long as the shortage lasts; that is what libevent 2.1 does.  Here
 * the listener reports the error once per failed attempt, as libevent does,
 * then takes its event out of the loop and arms a timer; when the timer
 * fires the listener is put back and tries again.  So a process out of
 * descriptors costs LISTENER_RETRY_MSEC-spaced accept() calls instead of a
 * busy loop, and accepting resumes by itself once descriptors are freed.
 * Closing a reserve descriptor to accept-and-drop the connection would
 * also stop the spin, but it throws away connections a moment of patience
 * would have served.
 *
 * Lifetime.  The listener is reference-counted: one reference for the
 * owner, one more while a user callback runs, so evconnlistener_free()
 * from inside a callback only marks it and the accept loop frees it when
 * the callback returns.  With LEV_OPT_THREADSAFE a recursive lock guards
 * the fields; user callbacks run without it.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <event2/event.h>
#include <event2/event_struct.h>
#include <event2/listener.h>
#include <event2/thread.h>
#include <event2/util.h>

#include "evthread-internal.h"
#include "log-internal.h"
#include "mm-internal.h"
#include "util-internal.h"

/* listen() backlog when the caller passes a negative one, as libevent. */
#define LISTENER_DEFAULT_BACKLOG 128
/* Pause between accept() attempts while out of descriptors or memory. */
#define LISTENER_RETRY_MSEC 100

struct evconnlistener {
	struct event ev;    /* EV_READ|EV_PERSIST on the listening socket */
	struct event retry; /* timer armed while accept() lacks resources */
	struct event_base *base;
	evconnlistener_cb cb;
	evconnlistener_errorcb errorcb;
	void *user_data;
	void *lock; /* LEV_OPT_THREADSAFE only */
	unsigned flags;
	int accept4_flags;
	int refcnt;
	unsigned enabled : 1;  /* the user wants connections accepted */
	unsigned paused : 1;   /* waiting on the retry timer */
	unsigned warned : 1;   /* shortage already logged (no error cb) */
	unsigned shutdown : 1; /* evconnlistener_free() was called */
};

#define LOCK(lev) EVLOCK_LOCK((lev)->lock, 0)
#define UNLOCK(lev) EVLOCK_UNLOCK((lev)->lock, 0)

static void listener_read_cb(evutil_socket_t fd, short what, void *arg);
static void listener_retry_cb(evutil_socket_t fd, short what, void *arg);

/* accept() errors that a later attempt may get past by itself. */
static int
is_resource_shortage(int err)
{
	return err == EMFILE || err == ENFILE || err == ENOBUFS ||
	    err == ENOMEM;
}

/*
 * Drops one reference with the lock held; frees the listener and returns
 * 1 when it was the last one, otherwise unlocks and returns 0.
 */
static int
listener_decref_and_unlock(struct evconnlistener *lev)
{
	void *lock = lev->lock;

	if (--lev->refcnt > 0) {
		UNLOCK(lev);
		return 0;
	}
	/* Both events were deleted by evconnlistener_free(). */
	if (lev->flags & LEV_OPT_CLOSE_ON_FREE)
		evutil_closesocket(event_get_fd(&lev->ev));
	event_debug_unassign(&lev->ev);
	event_debug_unassign(&lev->retry);
	UNLOCK(lev);
	EVTHREAD_FREE_LOCK(lock, EVTHREAD_LOCKTYPE_RECURSIVE);
	mm_free(lev);
	return 1;
}

/* Puts the read event in the loop when the listener should accept. */
static int
listener_arm_nolock(struct evconnlistener *lev)
{
	if (!lev->enabled || lev->cb == NULL || lev->paused || lev->shutdown)
		return 0;
	return event_add(&lev->ev, NULL);
}

struct evconnlistener *
evconnlistener_new(struct event_base *base, evconnlistener_cb cb, void *ptr,
    unsigned flags, int backlog, evutil_socket_t fd)
{
	struct evconnlistener *lev;

	if (base == NULL || fd < 0) {
		errno = EINVAL;
		return NULL;
	}
	if (backlog > 0) {
		if (listen(fd, backlog) < 0)
			return NULL;
	} else if (backlog < 0) {
		if (listen(fd, LISTENER_DEFAULT_BACKLOG) < 0)
			return NULL;
	}
	/*
	 * The accept loop runs until EAGAIN: on a blocking socket it would
	 * hang the loop.  libevent documents that fd must be nonblocking;
	 * making sure costs one fcntl.
	 */
	if (evutil_make_socket_nonblocking(fd) < 0)
		return NULL;
	if ((flags & LEV_OPT_CLOSE_ON_EXEC) &&
	    evutil_make_socket_closeonexec(fd) < 0)
		return NULL;

	lev = mm_calloc(1, sizeof(*lev));
	if (lev == NULL)
		return NULL;
	lev->base = base;
	lev->cb = cb;
	lev->user_data = ptr;
	lev->flags = flags;
	lev->refcnt = 1;
	if (!(flags & LEV_OPT_LEAVE_SOCKETS_BLOCKING))
		lev->accept4_flags |= EVUTIL_SOCK_NONBLOCK;
	if (flags & LEV_OPT_CLOSE_ON_EXEC)
		lev->accept4_flags |= EVUTIL_SOCK_CLOEXEC;
	if (flags & LEV_OPT_THREADSAFE) {
		EVTHREAD_ALLOC_LOCK(lev->lock, EVTHREAD_LOCKTYPE_RECURSIVE);
		/* No lock callbacks installed yet: nothing to share. */
	}
	if (event_assign(&lev->ev, base, fd, EV_READ | EV_PERSIST,
	        listener_read_cb, lev) < 0 ||
	    event_assign(&lev->retry, base, -1, 0, listener_retry_cb, lev) <
	        0) {
		EVTHREAD_FREE_LOCK(lev->lock, EVTHREAD_LOCKTYPE_RECURSIVE);
		mm_free(lev);
		return NULL;
	}
	if (!(flags & LEV_OPT_DISABLED) && evconnlistener_enable(lev) < 0) {
		int err = errno;

		event_debug_unassign(&lev->ev);
		event_debug_unassign(&lev->retry);
		EVTHREAD_FREE_LOCK(lev->lock, EVTHREAD_LOCKTYPE_RECURSIVE);
		mm_free(lev);
		errno = err;
		return NULL;
	}
	return lev;
}

struct evconnlistener *
evconnlistener_new_bind(struct event_base *base, evconnlistener_cb cb,
    void *ptr, unsigned flags, int backlog, const struct sockaddr *sa,
    int socklen)
{
	struct evconnlistener *lev;
	evutil_socket_t fd;
	int family = sa != NULL ? sa->sa_family : AF_UNSPEC;
	int type = SOCK_STREAM | EVUTIL_SOCK_NONBLOCK;
	int on = 1, err;

	/* backlog 0 means "already listening", which a new socket is not. */
	if (backlog == 0) {
		errno = EINVAL;
		return NULL;
	}
	if (flags & LEV_OPT_CLOSE_ON_EXEC)
		type |= EVUTIL_SOCK_CLOEXEC;
	fd = evutil_socket_(family, type, 0);
	if (fd < 0)
		return NULL;
	if (setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on)) < 0)
		goto err;
	if ((flags & LEV_OPT_REUSEABLE) &&
	    evutil_make_listen_socket_reuseable(fd) < 0)
		goto err;
	if ((flags & LEV_OPT_REUSEABLE_PORT) &&
	    evutil_make_listen_socket_reuseable_port(fd) < 0)
		goto err;
	if ((flags & LEV_OPT_DEFERRED_ACCEPT) &&
	    evutil_make_tcp_listen_socket_deferred(fd) < 0)
		goto err;
	if ((flags & LEV_OPT_BIND_IPV6ONLY) &&
	    evutil_make_listen_socket_ipv6only(fd) < 0)
		goto err;
	if (sa != NULL && bind(fd, sa, (socklen_t)socklen) < 0)
		goto err;
	lev = evconnlistener_new(base, cb, ptr, flags, backlog, fd);
	if (lev == NULL)
		goto err;
	return lev;
err:
	err = errno;
	evutil_closesocket(fd);
	errno = err;
	return NULL;
}

void
evconnlistener_free(struct evconnlistener *lev)
{
	/*
	 * Delete the events before taking our lock: from another thread,
	 * event_del() waits for a running callback of ours, which may be
	 * waiting for the lock.  From the loop thread it does not wait, and
	 * the reference held around user callbacks keeps lev alive.
	 */
	event_del(&lev->ev);
	event_del(&lev->retry);
	LOCK(lev);
	lev->shutdown = 1;
	lev->enabled = 0;
	lev->paused = 0;
	lev->cb = NULL;
	lev->errorcb = NULL;
	listener_decref_and_unlock(lev);
}

int
evconnlistener_enable(struct evconnlistener *lev)
{
	int r;

	LOCK(lev);
	lev->enabled = 1;
	r = listener_arm_nolock(lev);
	UNLOCK(lev);
	return r;
}

int
evconnlistener_disable(struct evconnlistener *lev)
{
	int r;

	LOCK(lev);
	lev->enabled = 0;
	lev->paused = 0;
	/* noblock: we hold the lock a running callback may be waiting on. */
	r = event_del_noblock(&lev->ev);
	if (event_del_noblock(&lev->retry) < 0)
		r = -1;
	UNLOCK(lev);
	return r;
}

struct event_base *
evconnlistener_get_base(struct evconnlistener *lev)
{
	return lev->base;
}

evutil_socket_t
evconnlistener_get_fd(struct evconnlistener *lev)
{
	evutil_socket_t fd;

	LOCK(lev);
	fd = event_get_fd(&lev->ev);
	UNLOCK(lev);
	return fd;
}

void
evconnlistener_set_cb(struct evconnlistener *lev, evconnlistener_cb cb,
    void *arg)
{
	LOCK(lev);
	lev->cb = cb;
	lev->user_data = arg;
	/*
	 * Without a callback, connections wait in the kernel's queue (they
	 * are never accepted only to be closed); with one, an enabled
	 * listener starts accepting.
	 */
	if (cb == NULL)
		event_del_noblock(&lev->ev);
	else
		listener_arm_nolock(lev);
	UNLOCK(lev);
}

void
evconnlistener_set_error_cb(struct evconnlistener *lev,
    evconnlistener_errorcb errorcb)
{
	LOCK(lev);
	lev->errorcb = errorcb;
	UNLOCK(lev);
}

/*
 * Accepts until the queue is empty, the listener is disabled or freed, or
 * accept() fails.
 */
static void
listener_accept(struct evconnlistener *lev)
{
	struct sockaddr_storage ss;
	ev_socklen_t socklen;
	evconnlistener_cb cb;
	evconnlistener_errorcb errorcb;
	evutil_socket_t lfd, fd;
	void *arg;
	int err = 0;

	LOCK(lev);
	lfd = event_get_fd(&lev->ev);
	for (;;) {
		if (!lev->enabled || lev->paused || lev->cb == NULL) {
			UNLOCK(lev);
			return;
		}
		socklen = sizeof(ss);
		fd = evutil_accept4_(lfd, (struct sockaddr *)&ss, &socklen,
		    lev->accept4_flags);
		if (fd < 0) {
			err = errno;
			/* A client that gave up before we got to it. */
			if (err == EINTR || err == ECONNABORTED)
				continue;
			break;
		}
		lev->warned = 0;
		if (socklen == 0) {
			/* Some kernels return a closed client this way. */
			evutil_closesocket(fd);
			continue;
		}
		lev->refcnt++;
		cb = lev->cb;
		arg = lev->user_data;
		UNLOCK(lev);
		cb(lev, fd, (struct sockaddr *)&ss, (int)socklen, arg);
		LOCK(lev);
		if (lev->refcnt == 1) {
			/* Freed from the callback. */
			listener_decref_and_unlock(lev);
			return;
		}
		lev->refcnt--;
	}

	if (EVUTIL_ERR_ACCEPT_RETRIABLE(err)) {
		UNLOCK(lev);
		return;
	}
	if (lev->errorcb != NULL) {
		lev->refcnt++;
		errorcb = lev->errorcb;
		arg = lev->user_data;
		UNLOCK(lev);
		EVUTIL_SET_SOCKET_ERROR(err);
		errorcb(lev, arg);
		LOCK(lev);
		if (lev->refcnt == 1) {
			listener_decref_and_unlock(lev);
			return;
		}
		lev->refcnt--;
	} else if (!lev->warned) {
		EVUTIL_SET_SOCKET_ERROR(err);
		event_sock_warn(lfd, "Error from accept() call");
		lev->warned = is_resource_shortage(err);
	}

	/*
	 * Out of descriptors or memory: the connection is still queued and
	 * the socket still readable.  Leave the loop alone for a while
	 * instead of failing again on every iteration.  If the error
	 * callback disabled the listener, that choice stands.
	 */
	if (is_resource_shortage(err) && lev->enabled && !lev->paused) {
		struct timeval tv = { 0, LISTENER_RETRY_MSEC * 1000 };

		if (event_del_noblock(&lev->ev) == 0 &&
		    event_add(&lev->retry, &tv) == 0)
			lev->paused = 1;
		else
			listener_arm_nolock(lev); /* as libevent: retry */
	}
	UNLOCK(lev);
	EVUTIL_SET_SOCKET_ERROR(err);
}

static void
listener_read_cb(evutil_socket_t fd, short what, void *arg)
{
	listener_accept(arg);
}

static void
listener_retry_cb(evutil_socket_t fd, short what, void *arg)
{
	struct evconnlistener *lev = arg;
	int resume;

	LOCK(lev);
	lev->paused = 0;
	resume = lev->enabled && lev->cb != NULL && !lev->shutdown;
	if (resume && listener_arm_nolock(lev) < 0)
		resume = 0;
	UNLOCK(lev);
	/* Try now rather than one more trip through the backend. */
	if (resume)
		listener_accept(lev);
}
