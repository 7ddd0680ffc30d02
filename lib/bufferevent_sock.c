/*
 * bufferevent_sock.c: bufferevents over a nonblocking stream socket.
 *
 * ev_read and ev_write are persistent events on the socket, carrying the
 * read and write timeouts, so a timeout means "no progress for that
 * long".  ev_read is added while reading is enabled and not suspended.
 * ev_write is added while writing is enabled, not suspended and there is
 * output (an output callback adds it when data arrives; the write
 * callback deletes it once the output is empty), and during a connect.
 *
 * A connect finishes when the socket becomes writable: SO_ERROR then says
 * whether it worked, and the event callback gets BEV_EVENT_CONNECTED or
 * BEV_EVENT_ERROR (with errno set to the connect error).
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_struct.h>
#include <event2/bufferevent_compat.h>
#include <event2/util.h>

#include "bufferevent-internal.h"
#include "event-internal.h"
#include "evbuffer-internal.h"
#include "log-internal.h"
#include "mm-internal.h"
#include "util-internal.h"

static int be_socket_enable(struct bufferevent *bufev, short event);

/* ------------------------------------------------------------------ */
/* I/O.                                                                */

/* Socket readable (or the read timeout expired). */
static void
socket_readcb(evutil_socket_t fd, short event, void *arg)
{
	struct bufferevent *bufev = arg;
	struct bufferevent_private *p = BEV_UPCAST(bufev);
	struct evbuffer *input = bufev->input;
	short what = BEV_EVENT_READING;
	ev_ssize_t howmuch = -1, readmax;
	int res;

	bufferevent_incref_and_lock_(bufev);
	if (event == EV_TIMEOUT) {
		what |= BEV_EVENT_TIMEOUT;
		goto error;
	}
	/* Never read past the high watermark: that is the back-pressure
	 * that keeps a slow reader's input bounded. */
	if (bufev->wm_read.high != 0) {
		howmuch = (ev_ssize_t)bufev->wm_read.high -
		    (ev_ssize_t)evbuffer_get_length(input);
		if (howmuch <= 0) {
			bufferevent_suspend_read_(bufev, BEV_SUSPEND_WM);
			goto done;
		}
	}
	readmax = bufferevent_get_read_max_(p);
	if (howmuch < 0 || howmuch > readmax)
		howmuch = readmax;
	if (p->read_suspended)
		goto done;

	evbuffer_unfreeze(input, 0);
	/* One readv, no FIONREAD: the read max bounds the allocation. */
	res = evbuffer_read_upto_(input, fd, (int)howmuch);
	evbuffer_freeze(input, 0);

	if (res == -1) {
		int err = evutil_socket_geterror(fd);
		if (EVUTIL_ERR_RW_RETRIABLE(err))
			goto done;
		if (EVUTIL_ERR_CONNECT_REFUSED(err)) {
			/* The write side reports the failed connect. */
			p->connection_refused = 1;
			goto done;
		}
		what |= BEV_EVENT_ERROR;
		goto error;
	} else if (res == 0) {
		what |= BEV_EVENT_EOF;
		goto error;
	}
	bufferevent_decrement_read_buckets_(p, res);
	bufferevent_trigger_nolock_(bufev, EV_READ, 0);
	goto done;

error:
	bufferevent_disable(bufev, EV_READ);
	bufferevent_run_eventcb_(bufev, what, 0);
done:
	bufferevent_decref_and_unlock_(bufev);
}

/*
 * How a connect went, from SO_ERROR: 1 connected, 0 still going, -1
 * failed (errno set).
 */
static int
connect_result(evutil_socket_t fd)
{
	int e = 0;
	ev_socklen_t len = sizeof(e);

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, (void *)&e, &len) < 0)
		return -1;
	if (e == 0)
		return 1;
	if (EVUTIL_ERR_CONNECT_RETRIABLE(e))
		return 0;
	EVUTIL_SET_SOCKET_ERROR(e);
	return -1;
}

int
bufferevent_socket_finish_connect_(struct bufferevent *bufev,
    evutil_socket_t fd)
{
	struct bufferevent_private *p = BEV_UPCAST(bufev);
	int c = connect_result(fd);

	if (p->connection_refused) {
		/* The read side consumed the error already. */
		p->connection_refused = 0;
		c = -1;
	}
	if (c != 0)
		p->connecting = 0;
	return c;
}

/* Socket writable (or the write timeout expired). */
static void
socket_writecb(evutil_socket_t fd, short event, void *arg)
{
	struct bufferevent *bufev = arg;
	struct bufferevent_private *p = BEV_UPCAST(bufev);
	short what = BEV_EVENT_WRITING;
	int res = 0, connected = 0;
	ev_ssize_t atmost;

	bufferevent_incref_and_lock_(bufev);
	/* EV_TIMEOUT|EV_WRITE means the socket became writable in time. */
	if (event == EV_TIMEOUT) {
		what |= BEV_EVENT_TIMEOUT;
		goto error;
	}
	if (p->connecting) {
		int c = bufferevent_socket_finish_connect_(bufev, fd);
		if (c == 0)
			goto done;
		if (c < 0) {
			event_del(&bufev->ev_write);
			event_del(&bufev->ev_read);
			bufferevent_run_eventcb_(bufev, BEV_EVENT_ERROR, 0);
			goto done;
		}
		connected = 1;
		bufferevent_run_eventcb_(bufev, BEV_EVENT_CONNECTED, 0);
		if (!(bufev->enabled & EV_WRITE) || p->write_suspended) {
			event_del(&bufev->ev_write);
			goto done;
		}
	}

	atmost = bufferevent_get_write_max_(p);
	if (p->write_suspended)
		goto done;

	if (evbuffer_get_length(bufev->output)) {
		evbuffer_unfreeze(bufev->output, 1);
		res = evbuffer_write_atmost(bufev->output, fd, atmost);
		evbuffer_freeze(bufev->output, 1);
		if (res == -1) {
			int err = evutil_socket_geterror(fd);
			if (EVUTIL_ERR_RW_RETRIABLE(err)) {
				if (evbuffer_get_length(bufev->output) == 0)
					event_del(&bufev->ev_write);
				goto done;
			}
			what |= BEV_EVENT_ERROR;
			goto error;
		} else if (res == 0) {
			/* A write of nothing: the peer is gone. */
			what |= BEV_EVENT_EOF;
			goto error;
		}
		bufferevent_decrement_write_buckets_(p, res);
	}
	if (evbuffer_get_length(bufev->output) == 0)
		event_del(&bufev->ev_write);
	/* The write callback runs when the output drained to its low
	 * watermark, but not merely because a connect finished. */
	if (res || !connected)
		bufferevent_trigger_nolock_(bufev, EV_WRITE, 0);
	goto done;

error:
	bufferevent_disable(bufev, EV_WRITE);
	bufferevent_run_eventcb_(bufev, what, 0);
done:
	bufferevent_decref_and_unlock_(bufev);
}

/* Output callback: new data starts the write event. */
static void
socket_outbuf_cb(struct evbuffer *buf, const struct evbuffer_cb_info *info,
    void *arg)
{
	struct bufferevent *bufev = arg;
	struct bufferevent_private *p = BEV_UPCAST(bufev);

	(void)buf;
	if (info->n_added && (bufev->enabled & EV_WRITE) &&
	    !event_pending(&bufev->ev_write, EV_WRITE, NULL) &&
	    !p->write_suspended) {
		if (bufferevent_add_event_(&bufev->ev_write,
		        &bufev->timeout_write) == -1)
			event_debug(("%s: cannot add the write event of %p",
			    __func__, (void *)bufev));
	}
}

size_t
bufferevent_write_buffer_now_(struct bufferevent *bufev, struct evbuffer *buf)
{
	struct bufferevent_private *p = BEV_UPCAST(bufev);
	evutil_socket_t fd;
	int res = 0;

	bufferevent_incref_and_lock_(bufev);
	fd = bufferevent_getfd(bufev);
	/* Straight to the socket only when nothing is queued before buf and
	 * writing would start now anyway; rate limits take the usual way. */
	if (BEV_IS_SOCKET(bufev) && fd >= 0 && !p->connecting &&
	    (bufev->enabled & EV_WRITE) && !p->write_suspended &&
	    p->rate_limiting == NULL &&
	    evbuffer_get_length(bufev->output) == 0) {
		res = evbuffer_write(buf, fd);
		/* An error shows again on the write event, which reports it
		 * the usual way once the rest is queued. */
		if (res < 0)
			res = 0;
	}
	if (evbuffer_get_length(buf) > 0)
		evbuffer_add_buffer(bufev->output, buf);
	bufferevent_decref_and_unlock_(bufev);
	return (size_t)res;
}

/* ------------------------------------------------------------------ */
/* Creation.                                                           */

static void
assign_socket_events(struct bufferevent *bufev, evutil_socket_t fd)
{
	event_assign(&bufev->ev_read, bufev->ev_base, fd,
	    EV_READ | EV_PERSIST | EV_FINALIZE, socket_readcb, bufev);
	event_assign(&bufev->ev_write, bufev->ev_base, fd,
	    EV_WRITE | EV_PERSIST | EV_FINALIZE, socket_writecb, bufev);
}

struct bufferevent *
bufferevent_socket_new(struct event_base *base, evutil_socket_t fd, int options)
{
	struct bufferevent_private *p;
	struct bufferevent *bufev;

	if ((p = mm_calloc(1, sizeof(*p))) == NULL)
		return NULL;
	if (bufferevent_init_common_(p, base, &bufferevent_ops_socket,
	        options) < 0) {
		mm_free(p);
		return NULL;
	}
	bufev = &p->bev;
	evbuffer_set_flags(bufev->output, EVBUFFER_FLAG_DRAINS_TO_FD);
	assign_socket_events(bufev, fd);
	if (evbuffer_add_cb(bufev->output, socket_outbuf_cb, bufev) == NULL) {
		bufferevent_free(bufev);
		return NULL;
	}
	/* Only the bufferevent adds to its input and drains its output. */
	evbuffer_freeze(bufev->input, 0);
	evbuffer_freeze(bufev->output, 1);
	return bufev;
}

struct bufferevent *
bufferevent_new(evutil_socket_t fd, bufferevent_data_cb readcb,
    bufferevent_data_cb writecb, bufferevent_event_cb eventcb, void *cbarg)
{
	struct bufferevent *bufev;

	if ((bufev = bufferevent_socket_new(NULL, fd, 0)) == NULL)
		return NULL;
	bufferevent_setcb(bufev, readcb, writecb, eventcb, cbarg);
	return bufev;
}

/* ------------------------------------------------------------------ */
/* Connecting.                                                         */

/*
 * Starts a nonblocking connect on fd.  Returns 0 in progress, 1
 * connected already, 2 refused already, -1 on any other failure.
 */
static int
start_connect(evutil_socket_t fd, const struct sockaddr *sa, int socklen)
{
	int e;

	if (connect(fd, sa, (socklen_t)socklen) == 0)
		return 1;
	e = evutil_socket_geterror(fd);
	if (EVUTIL_ERR_CONNECT_RETRIABLE(e))
		return 0;
	if (EVUTIL_ERR_CONNECT_REFUSED(e))
		return 2;
	return -1;
}

int
bufferevent_socket_connect(struct bufferevent *bev, const struct sockaddr *sa,
    int socklen)
{
	struct bufferevent_private *p = BEV_UPCAST(bev);
	evutil_socket_t fd;
	int r = 0, result = -1, ownfd = 0;

	bufferevent_incref_and_lock_(bev);
	fd = bufferevent_getfd(bev);
	if (fd < 0) {
		if (sa == NULL)
			goto done;
		fd = evutil_socket_(sa->sa_family,
		    SOCK_STREAM | EVUTIL_SOCK_NONBLOCK, 0);
		if (fd < 0)
			goto done;
		ownfd = 1;
	}
	if (sa) {
		r = start_connect(fd, sa, socklen);
		if (r < 0)
			goto freesock;
	}
	bufferevent_setfd(bev, fd);
	if (r == 0) {
		/* The socket turns writable when the connect is done. */
		if (be_socket_enable(bev, EV_WRITE) == 0) {
			p->connecting = 1;
			result = 0;
		}
		goto done;
	} else if (r == 1) {
		/* Connected at once (AF_UNIX does this). */
		result = 0;
		p->connecting = 1;
		bufferevent_trigger_nolock_(bev, EV_WRITE,
		    BEV_OPT_DEFER_CALLBACKS);
	} else {
		/* Refused at once. */
		result = 0;
		bufferevent_run_eventcb_(bev, BEV_EVENT_ERROR,
		    BEV_OPT_DEFER_CALLBACKS);
		bufferevent_disable(bev, EV_WRITE | EV_READ);
	}
	goto done;

freesock:
	if (ownfd)
		evutil_closesocket(fd);
done:
	bufferevent_decref_and_unlock_(bev);
	return result;
}

/* The resolver evdns installs; NULL means blocking evutil_getaddrinfo. */
static bufferevent_getaddrinfo_fn_ resolver_getaddrinfo;
static bufferevent_getaddrinfo_cancel_fn_ resolver_cancel;

void
bufferevent_set_resolver_(bufferevent_getaddrinfo_fn_ getaddrinfo_fn,
    bufferevent_getaddrinfo_cancel_fn_ cancel_fn)
{
	resolver_getaddrinfo = getaddrinfo_fn;
	resolver_cancel = cancel_fn;
}

static void
remember_conn_address(struct bufferevent_private *p, const struct sockaddr *sa,
    size_t len)
{
	if (len <= sizeof(p->conn_address))
		memcpy(&p->conn_address, sa, len);
}

void
bufferevent_socket_cancel_lookup_(struct bufferevent *bev)
{
	struct bufferevent_private *p = BEV_UPCAST(bev);

	if (p->dns_request && resolver_cancel) {
		void *req = p->dns_request;
		p->dns_request = NULL;
		resolver_cancel(req);
	}
}

const struct sockaddr *
bufferevent_socket_get_conn_address_(struct bufferevent *bev)
{
	/* sa_family is AF_UNSPEC until a hostname connect resolved one. */
	return (const struct sockaddr *)&BEV_UPCAST(bev)->conn_address;
}

/* The lookup of connect_hostname is over: connect, or report failure. */
static void
hostname_resolved_cb(int result, struct evutil_addrinfo *ai, void *arg)
{
	struct bufferevent *bev = arg;
	struct bufferevent_private *p = BEV_UPCAST(bev);

	BEV_LOCK(bev);
	bufferevent_unsuspend_write_(bev, BEV_SUSPEND_LOOKUP);
	bufferevent_unsuspend_read_(bev, BEV_SUSPEND_LOOKUP);
	p->dns_request = NULL;

	if (result == EVUTIL_EAI_CANCEL) {
		/* bufferevent_free cancelled it: stay quiet. */
		p->dns_error = result;
		bufferevent_decref_and_unlock_(bev);
		return;
	}
	if (result != 0) {
		p->dns_error = result;
		bufferevent_run_eventcb_(bev, BEV_EVENT_ERROR, 0);
		bufferevent_decref_and_unlock_(bev);
		if (ai)
			evutil_freeaddrinfo(ai);
		return;
	}
	/* The first address only, as libevent does. */
	remember_conn_address(p, ai->ai_addr, ai->ai_addrlen);
	if (bufferevent_socket_connect(bev, ai->ai_addr, (int)ai->ai_addrlen) <
	    0)
		bufferevent_run_eventcb_(bev, BEV_EVENT_ERROR, 0);
	bufferevent_decref_and_unlock_(bev);
	evutil_freeaddrinfo(ai);
}

int
bufferevent_socket_connect_hostname(struct bufferevent *bev,
    struct evdns_base *evdns_base, int family, const char *hostname, int port)
{
	struct bufferevent_private *p = BEV_UPCAST(bev);
	struct evutil_addrinfo hints;
	char portbuf[10];
	void *req;

	if (family != AF_INET && family != AF_INET6 && family != AF_UNSPEC)
		return -1;
	if (port < 1 || port > 65535)
		return -1;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = family;
	hints.ai_protocol = IPPROTO_TCP;
	hints.ai_socktype = SOCK_STREAM;
	evutil_snprintf(portbuf, sizeof(portbuf), "%d", port);

	BEV_LOCK(bev);
	p->dns_error = 0;
	/* Nothing moves until there is an address. */
	bufferevent_suspend_write_(bev, BEV_SUSPEND_LOOKUP);
	bufferevent_suspend_read_(bev, BEV_SUSPEND_LOOKUP);
	/* Held by the lookup; hostname_resolved_cb drops it. */
	bufferevent_incref_(bev);
	if (evdns_base && resolver_getaddrinfo) {
		req = resolver_getaddrinfo(evdns_base, hostname, portbuf,
		    &hints, hostname_resolved_cb, bev);
	} else {
		struct evutil_addrinfo *ai = NULL;
		int err = evutil_getaddrinfo(hostname, portbuf, &hints, &ai);
		hostname_resolved_cb(err, ai, bev);
		req = NULL;
	}
	p->dns_request = req;
	BEV_UNLOCK(bev);
	return 0;
}

int
bufferevent_socket_get_dns_error(struct bufferevent *bev)
{
	int r;

	BEV_LOCK(bev);
	r = BEV_UPCAST(bev)->dns_error;
	BEV_UNLOCK(bev);
	return r;
}

/* ------------------------------------------------------------------ */
/* Base and priority.                                                  */

int
bufferevent_base_set(struct event_base *base, struct bufferevent *bufev)
{
	int r = -1;

	BEV_LOCK(bufev);
	if (!BEV_IS_SOCKET(bufev))
		goto done;
	bufev->ev_base = base;
	r = event_base_set(base, &bufev->ev_read);
	if (r == -1)
		goto done;
	r = event_base_set(base, &bufev->ev_write);
done:
	BEV_UNLOCK(bufev);
	return r;
}

int
bufferevent_priority_set(struct bufferevent *bufev, int priority)
{
	struct bufferevent_private *p = BEV_UPCAST(bufev);
	int r = -1;

	BEV_LOCK(bufev);
	if (!BEV_IS_SOCKET(bufev))
		goto done;
	if (event_priority_set(&bufev->ev_read, priority) == -1)
		goto done;
	if (event_priority_set(&bufev->ev_write, priority) == -1)
		goto done;
	event_deferred_cb_set_priority_(&p->deferred, (ev_uint8_t)priority);
	r = 0;
done:
	BEV_UNLOCK(bufev);
	return r;
}

int
bufferevent_get_priority(const struct bufferevent *bufev)
{
	if (event_initialized(&bufev->ev_read))
		return event_get_priority(&bufev->ev_read);
	return event_base_get_npriorities(bufev->ev_base) / 2;
}

/* ------------------------------------------------------------------ */
/* The ops.                                                            */

static int
be_socket_enable(struct bufferevent *bufev, short event)
{
	if ((event & EV_READ) &&
	    bufferevent_add_event_(&bufev->ev_read, &bufev->timeout_read) == -1)
		return -1;
	if ((event & EV_WRITE) &&
	    bufferevent_add_event_(&bufev->ev_write, &bufev->timeout_write) ==
	        -1)
		return -1;
	return 0;
}

static int
be_socket_disable(struct bufferevent *bufev, short event)
{
	struct bufferevent_private *p = BEV_UPCAST(bufev);

	if ((event & EV_READ) && event_del(&bufev->ev_read) == -1)
		return -1;
	/* A connect in progress keeps watching for writability. */
	if ((event & EV_WRITE) && !p->connecting &&
	    event_del(&bufev->ev_write) == -1)
		return -1;
	return 0;
}

static void
be_socket_destruct(struct bufferevent *bufev)
{
	struct bufferevent_private *p = BEV_UPCAST(bufev);
	/* Read directly: from the finalizer, debug mode no longer counts
	 * ev_read as set up. */
	evutil_socket_t fd = bufev->ev_read.ev_fd;

	if ((p->options & BEV_OPT_CLOSE_ON_FREE) && fd >= 0)
		evutil_closesocket(fd);
}

static int
be_socket_flush(struct bufferevent *bev, short iotype,
    enum bufferevent_flush_mode mode)
{
	(void)bev;
	(void)iotype;
	(void)mode;
	return 0;
}

static void
be_socket_setfd(struct bufferevent *bufev, evutil_socket_t fd)
{
	BEV_LOCK(bufev);
	event_del(&bufev->ev_read);
	event_del(&bufev->ev_write);
	evbuffer_unfreeze(bufev->input, 0);
	evbuffer_unfreeze(bufev->output, 1);
	assign_socket_events(bufev, fd);
	if (fd >= 0)
		bufferevent_enable(bufev, bufev->enabled);
	BEV_UNLOCK(bufev);
}

static int
be_socket_ctrl(struct bufferevent *bev, enum bufferevent_ctrl_op op,
    union bufferevent_ctrl_data *data)
{
	switch (op) {
	case BEV_CTRL_SET_FD:
		be_socket_setfd(bev, data->fd);
		return 0;
	case BEV_CTRL_GET_FD:
		data->fd = event_get_fd(&bev->ev_read);
		return 0;
	case BEV_CTRL_CANCEL_ALL:
		bufferevent_socket_cancel_lookup_(bev);
		return 0;
	case BEV_CTRL_GET_UNDERLYING:
	default:
		return -1;
	}
}

const struct bufferevent_ops bufferevent_ops_socket = {
	"socket",
	evutil_offsetof(struct bufferevent_private, bev),
	be_socket_enable,
	be_socket_disable,
	NULL, /* unlink */
	be_socket_destruct,
	bufferevent_generic_adj_existing_timeouts_,
	be_socket_flush,
	be_socket_ctrl,
};
