/*
 * bufferevent_openssl.c: TLS bufferevents over OpenSSL 3
 * (event2/bufferevent_ssl.h), built into libevkit_openssl.a.
 *
 * One kind, two transports.  The socket variant runs the SSL straight on
 * the fd (OpenSSL's socket BIO reads, read-ahead on; our write BIO sends
 * several records per write(2)): ev_read and ev_write are its own
 * persistent events on the fd.  The filter variant gives the SSL
 * a BIO over another bufferevent's buffers and takes over that one's
 * callbacks; its ev_read and ev_write are the generic timeout timers.
 *
 * Reading decrypts straight into space reserved in the input, many
 * records per readiness, never past the read high watermark or the rate
 * limit.  What OpenSSL still holds when reading stops (SSL_has_pending)
 * produces no readiness on the fd, so whatever resumes reading (enable,
 * the watermark or a bucket lifting) runs the read once more by itself.
 * Writing hands OpenSSL whole chunks of the output (small chains are
 * pulled up into a record's worth); the socket variant's write event is
 * added only while OpenSSL waits for the socket (WANT_WRITE), a write is
 * otherwise started by activating it.
 *
 * Errors: the OpenSSL error queue of a failure is saved for
 * bufferevent_get_openssl_error(); a failure is reported once, after
 * which the bufferevent does no more I/O.  A peer closing without
 * close_notify is OpenSSL 3's "unexpected eof while reading" (or an
 * SSL_ERROR_SYSCALL without errno): EOF when dirty shutdowns are
 * allowed, otherwise an error.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <event2/event.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_struct.h>
#include <event2/bufferevent_ssl.h>
#include <event2/util.h>

#include "bufferevent-internal.h"
#include "log-internal.h"
#include "mm-internal.h"
#include "util-internal.h"

/* Saved OpenSSL error codes per bufferevent. */
#define SSL_NUM_ERRORS 16
/* A full TLS record of plaintext. */
#define SSL_RECORD_PLAIN 16384
/* Plaintext read per readiness before giving other events a turn. */
#define SSL_READ_BURST (256 * 1024)
/* Socket: the ciphertext gathered for one write(2), four whole records. */
#define SSL_WBATCH (4 * (SSL_RECORD_PLAIN + 256))

struct bufferevent_openssl {
	struct bufferevent_private bev;

	/* Filter: the bufferevent carrying the ciphertext, and our BIO. */
	struct bufferevent *underlying;
	BIO *bio;
	SSL *ssl;
	struct evbuffer_cb_entry *outbuf_cb;

	/* Socket: our write BIO (the SSL owns it) and the ciphertext it
	 * gathered, wbuf[woff..wlen), not yet taken by the socket. */
	BIO *wbio;
	unsigned char *wbuf;
	size_t woff, wlen;

	/* An SSL_write to repeat with at least this length (OpenSSL wants
	 * a retried write to cover what it already took). */
	size_t retry_len;

	unsigned handshaking : 1;
	short hs_want; /* EV_READ or EV_WRITE: what the handshake waits for */
	unsigned allow_dirty_shutdown : 1;
	unsigned read_wants_write : 1; /* SSL_read said WANT_WRITE */
	unsigned write_wants_read : 1; /* SSL_write said WANT_READ */
	unsigned write_blocked : 1;    /* socket: SSL_write said WANT_WRITE */
	unsigned read_closed : 1;      /* EOF reported */
	unsigned failed : 1;           /* an error reported: no more I/O */
	unsigned underlying_eof : 1;   /* filter: EOF below */
	unsigned in_write : 1;         /* do_write runs (no recursion) */
	unsigned batching : 1;         /* wbio gathers instead of writing */

	unsigned n_errors;
	unsigned long errors[SSL_NUM_ERRORS];
};

static const struct bufferevent_ops bufferevent_ops_openssl;
/* Our BIOs: the filter's over the underlying buffers, the socket's
 * writer. */
static BIO_METHOD *bio_method, *wbio_method;
static pthread_once_t bio_method_once = PTHREAD_ONCE_INIT;
static int bio_create(BIO *b);

/* What both BIOs answer alike. */
static long
bio_ctrl_common(BIO *b, int cmd, long num)
{
	switch (cmd) {
	case BIO_CTRL_GET_CLOSE:
		return BIO_get_shutdown(b);
	case BIO_CTRL_SET_CLOSE:
		BIO_set_shutdown(b, (int)num);
		return 1;
	case BIO_CTRL_DUP:
		return 1;
	default:
		return 0;
	}
}

static void do_read(struct bufferevent_openssl *bo);
static void do_write(struct bufferevent_openssl *bo, int cb_options);
static void step_readable(struct bufferevent_openssl *bo);
static void step_writable(struct bufferevent_openssl *bo);

static struct bufferevent_openssl *
upcast(struct bufferevent *bev)
{
	if (bev == NULL || bev->be_ops != &bufferevent_ops_openssl)
		return NULL;
	return EVUTIL_UPCAST(bev, struct bufferevent_openssl, bev.bev);
}

#define downcast(bo) (&(bo)->bev.bev)

/* ------------------------------------------------------------------ */
/* Errors.                                                             */

/* Moves this thread's OpenSSL error queue into bo's. */
static void
save_errors(struct bufferevent_openssl *bo)
{
	unsigned long e;

	while ((e = ERR_get_error()) != 0) {
		if (bo->n_errors < SSL_NUM_ERRORS)
			bo->errors[bo->n_errors++] = e;
	}
}

/*
 * Whether the failure is a close without close_notify: OpenSSL 3's
 * "unexpected eof while reading", or (older OpenSSL, custom BIOs) a
 * system-call failure with neither an OpenSSL error nor an errno.  The
 * SSL calls run with errno cleared.
 */
static int
is_dirty_eof(int err)
{
	unsigned long e = ERR_peek_error();

	if (err == SSL_ERROR_SYSCALL)
		return e == 0 && errno == 0;
	if (err == SSL_ERROR_SSL)
		return ERR_GET_LIB(e) == ERR_LIB_SSL &&
		    ERR_GET_REASON(e) == SSL_R_UNEXPECTED_EOF_WHILE_READING;
	return 0;
}

/*
 * An SSL call failed with err (from SSL_get_error): decides at once,
 * before any callback may touch errno or the error queue, whether it is
 * an EOF (close_notify, or an allowed dirty close) or an error, whose
 * OpenSSL reasons are saved.  *sys_errno gets the errno of the failure.
 */
static short
failure_kind(struct bufferevent_openssl *bo, int err, int *sys_errno)
{
	*sys_errno = errno;
	if (err == SSL_ERROR_ZERO_RETURN)
		return BEV_EVENT_EOF;
	if (is_dirty_eof(err) && bo->allow_dirty_shutdown && !bo->handshaking) {
		ERR_clear_error();
		return BEV_EVENT_EOF;
	}
	save_errors(bo);
	return BEV_EVENT_ERROR;
}

static void update_events(struct bufferevent_openssl *bo, short off);

/*
 * Reports a failure from failure_kind() once, with when
 * (BEV_EVENT_READING or _WRITING); after an error no I/O is done, after
 * an EOF no reading.
 */
static void
report_failure(struct bufferevent_openssl *bo, short when, short what,
    int sys_errno)
{
	if (bo->failed || (what == BEV_EVENT_EOF && bo->read_closed))
		return;
	if (what == BEV_EVENT_EOF)
		bo->read_closed = 1;
	else
		bo->failed = 1;
	update_events(bo, 0);
	EVUTIL_SET_SOCKET_ERROR(sys_errno);
	bufferevent_run_eventcb_(downcast(bo), (short)(when | what), 0);
}

static void
conn_failed(struct bufferevent_openssl *bo, short when, int err)
{
	int sys_errno;
	short what = failure_kind(bo, err, &sys_errno);

	report_failure(bo, when, what, sys_errno);
}

/* ------------------------------------------------------------------ */
/* Which events run.                                                   */

static int
socket_fd(struct bufferevent_openssl *bo)
{
	return downcast(bo)->ev_read.ev_fd;
}

static void
set_event(struct event *ev, int on, const struct timeval *tv)
{
	struct event_base *base = ev->ev_base;
	int pending;

	/* Added, not merely active (a kick activates without adding).  The
	 * loop thread changes ev_flags under the base's lock while another
	 * thread may be writing here. */
	EVBASE_ACQUIRE_LOCK(base, th_base_lock);
	pending = (ev->ev_flags & EVLIST_INSERTED) != 0;
	EVBASE_RELEASE_LOCK(base, th_base_lock);

	if (on && !pending)
		(void)bufferevent_add_event_(ev, tv);
	else if (!on && pending)
		(void)event_del(ev);
}

/*
 * Adds and removes the socket events, or suspends and resumes reading
 * below a filter, to match the state; directions in off are being
 * disabled or suspended (their flags are not updated yet).
 */
static void
update_events(struct bufferevent_openssl *bo, short off)
{
	struct bufferevent *bev = downcast(bo);
	struct bufferevent_private *p = &bo->bev;
	short want = 0;

	if (bo->failed) {
		want = 0;
	} else if (bo->handshaking) {
		want =
		    (p->connecting && !bo->underlying) ? EV_WRITE : bo->hs_want;
	} else {
		if (((bev->enabled & EV_READ) && !p->read_suspended &&
		        !(off & EV_READ) && !bo->read_closed) ||
		    bo->write_wants_read)
			want |= EV_READ;
		if (p->connecting || bo->read_wants_write ||
		    ((bev->enabled & EV_WRITE) && !p->write_suspended &&
		        !(off & EV_WRITE) && bo->write_blocked))
			want |= EV_WRITE;
	}
	if (bo->underlying) {
		/* The underlying bufferevent writes whatever we give it;
		 * only its reading follows us. */
		if (want & EV_READ)
			bufferevent_unsuspend_read_(bo->underlying,
			    BEV_SUSPEND_FILT_READ);
		else
			bufferevent_suspend_read_(bo->underlying,
			    BEV_SUSPEND_FILT_READ);
		return;
	}
	if (socket_fd(bo) < 0)
		want = 0;
	set_event(&bev->ev_read, want & EV_READ, &bev->timeout_read);
	set_event(&bev->ev_write, want & EV_WRITE, &bev->timeout_write);
}

/* Runs a read soon: OpenSSL holds data the fd will not announce. */
static void
kick_read(struct bufferevent_openssl *bo)
{
	if (bo->underlying)
		bufferevent_trigger(bo->underlying, EV_READ,
		    BEV_TRIG_IGNORE_WATERMARKS | BEV_TRIG_DEFER_CALLBACKS);
	else if (socket_fd(bo) >= 0)
		event_active(&downcast(bo)->ev_read, EV_READ, 1);
}

/* Runs a write (or a handshake step) soon. */
static void
kick_write(struct bufferevent_openssl *bo)
{
	if (bo->underlying)
		bufferevent_trigger(bo->underlying, EV_WRITE,
		    BEV_TRIG_IGNORE_WATERMARKS | BEV_TRIG_DEFER_CALLBACKS);
	else if (socket_fd(bo) >= 0)
		event_active(&downcast(bo)->ev_write, EV_WRITE, 1);
}

/* Whether plaintext or ciphertext waits to be read without a new event. */
static int
read_pending(struct bufferevent_openssl *bo)
{
	if (SSL_has_pending(bo->ssl))
		return 1;
	if (bo->underlying)
		return bo->underlying_eof ||
		    evbuffer_get_length(bo->underlying->input) > 0;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Socket variant: the write BIO.                                      */

/*
 * OpenSSL hands its BIO each record as it is made: over a socket BIO,
 * one write(2) per 16 KiB.  Ours gathers the records of one do_write()
 * batch (bo->batching) and sends SSL_WBATCH at a time; outside a batch
 * it writes straight through, after what it gathered, as the socket BIO
 * does.  The SSL_write that empties the output is never batched: an
 * empty output still means that the ciphertext is in the kernel, so a
 * program may SSL_shutdown() then shutdown(2) at once (evcat does).
 * Reading stays on OpenSSL's socket BIO.
 */

/* Sends what is gathered: 1 all of it, 0 the socket is full, -1 error. */
static int
wbuf_flush(struct bufferevent_openssl *bo)
{
	while (bo->woff < bo->wlen) {
		ssize_t n = write(socket_fd(bo), bo->wbuf + bo->woff,
		    bo->wlen - bo->woff);
		if (n < 0)
			return EVUTIL_ERR_RW_RETRIABLE(errno) ? 0 : -1;
		bo->woff += (size_t)n;
	}
	bo->woff = bo->wlen = 0;
	return 1;
}

/* Gathers what fits; sends the batch first when it is full. */
static int
wbio_gather(BIO *b, struct bufferevent_openssl *bo, const char *in, size_t n)
{
	if (bo->wbuf == NULL && (bo->wbuf = mm_malloc(SSL_WBATCH)) == NULL)
		return -1;
	if (SSL_WBATCH - bo->wlen < n) {
		int f = wbuf_flush(bo);
		if (f < 0)
			return -1;
		if (f == 0 && bo->woff > 0) {
			memmove(bo->wbuf, bo->wbuf + bo->woff,
			    bo->wlen - bo->woff);
			bo->wlen -= bo->woff;
			bo->woff = 0;
		}
	}
	if (bo->wlen == SSL_WBATCH) {
		BIO_set_retry_write(b);
		return -1;
	}
	if (n > SSL_WBATCH - bo->wlen)
		n = SSL_WBATCH - bo->wlen;
	memcpy(bo->wbuf + bo->wlen, in, n);
	bo->wlen += n;
	return (int)n;
}

static int
wbio_write(BIO *b, const char *in, int inl)
{
	struct bufferevent_openssl *bo = BIO_get_data(b);
	ssize_t n;
	int f;

	BIO_clear_retry_flags(b);
	if (bo == NULL || inl < 0)
		return -1;
	if (bo->batching)
		return wbio_gather(b, bo, in, (size_t)inl);
	if ((f = wbuf_flush(bo)) <= 0) {
		if (f == 0)
			BIO_set_retry_write(b);
		return -1;
	}
	if ((n = write(socket_fd(bo), in, (size_t)inl)) < 0) {
		if (EVUTIL_ERR_RW_RETRIABLE(errno))
			BIO_set_retry_write(b);
		return -1;
	}
	return (int)n;
}

static long
wbio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	struct bufferevent_openssl *bo = BIO_get_data(b);
	int f;

	switch (cmd) {
	case BIO_CTRL_FLUSH:
		BIO_clear_retry_flags(b);
		if (bo == NULL || (f = wbuf_flush(bo)) > 0)
			return 1;
		if (f == 0)
			BIO_set_retry_write(b);
		return 0;
	case BIO_CTRL_WPENDING:
		return bo ? (long)(bo->wlen - bo->woff) : 0;
	case BIO_C_GET_FD:
		if (bo == NULL)
			return -1;
		if (ptr)
			*(int *)ptr = (int)socket_fd(bo);
		return (long)socket_fd(bo);
	default:
		return bio_ctrl_common(b, cmd, num);
	}
}

/* ------------------------------------------------------------------ */
/* Handshake, reading, writing.                                        */

static void
do_handshake(struct bufferevent_openssl *bo)
{
	struct bufferevent *bev = downcast(bo);
	int r, err;

	/* A failure is reported once: no step after it. */
	if (bo->failed)
		return;
	ERR_clear_error();
	errno = 0;
	r = SSL_do_handshake(bo->ssl);
	if (r == 1) {
		bo->handshaking = 0;
		update_events(bo, 0);
		bufferevent_run_eventcb_(bev, BEV_EVENT_CONNECTED, 0);
		if (bo->failed)
			return;
		if ((bev->enabled & EV_WRITE) &&
		    evbuffer_get_length(bev->output))
			kick_write(bo);
		if ((bev->enabled & EV_READ) && read_pending(bo))
			kick_read(bo);
		return;
	}
	err = SSL_get_error(bo->ssl, r);
	switch (err) {
	case SSL_ERROR_WANT_READ:
		bo->hs_want = EV_READ;
		update_events(bo, 0);
		break;
	case SSL_ERROR_WANT_WRITE:
		bo->hs_want = EV_WRITE;
		update_events(bo, 0);
		break;
	default:
		conn_failed(bo, BEV_EVENT_READING, err);
		break;
	}
}

/*
 * Decrypts into the input: up to the read high watermark and the rate
 * limit, while OpenSSL holds more, at most SSL_READ_BURST per call.
 */
static void
do_read(struct bufferevent_openssl *bo)
{
	struct bufferevent *bev = downcast(bo);
	struct bufferevent_private *p = &bo->bev;
	struct evbuffer *input = bev->input;
	size_t total = 0;
	int r = 1, err = SSL_ERROR_NONE, more = 0, sys_errno;
	short what;

	if (bo->handshaking || bo->failed || bo->read_closed)
		return;
	bo->read_wants_write = 0;
	while ((bev->enabled & EV_READ) && !p->read_suspended) {
		struct evbuffer_iovec v;
		ev_ssize_t want = bufferevent_get_read_max_(p);
		size_t got = 0, n = 0;

		if (bev->wm_read.high) {
			ev_ssize_t room = (ev_ssize_t)bev->wm_read.high -
			    (ev_ssize_t)evbuffer_get_length(input);
			if (want > room)
				want = room;
		}
		if (want <= 0)
			break;
		if (evbuffer_reserve_space(input, want, &v, 1) < 1) {
			r = -1;
			err = SSL_ERROR_SYSCALL;
			errno = ENOMEM;
			break;
		}
		if (v.iov_len > (size_t)want)
			v.iov_len = (size_t)want;
		do {
			ERR_clear_error();
			errno = 0;
			r = SSL_read_ex(bo->ssl, (char *)v.iov_base + got,
			    v.iov_len - got, &n);
			if (r <= 0)
				break;
			got += n;
		} while (got < v.iov_len && read_pending(bo));
		if (got) {
			v.iov_len = got;
			evbuffer_commit_space(input, &v, 1);
			total += got;
			bufferevent_decrement_read_buckets_(p, (ev_ssize_t)got);
		}
		if (r <= 0) {
			err = SSL_get_error(bo->ssl, r);
			break;
		}
		if (!read_pending(bo))
			break;
		if (total >= SSL_READ_BURST) {
			more = 1;
			break;
		}
	}
	if (r <= 0) {
		switch (err) {
		case SSL_ERROR_WANT_READ:
			break;
		case SSL_ERROR_WANT_WRITE:
			bo->read_wants_write = 1;
			update_events(bo, 0);
			break;
		default:
			/* The data first, then the close or the failure. */
			what = failure_kind(bo, err, &sys_errno);
			if (total)
				bufferevent_trigger_nolock_(bev, EV_READ, 0);
			report_failure(bo, BEV_EVENT_READING, what, sys_errno);
			return;
		}
	}
	if (total) {
		if (bo->underlying)
			BEV_RESET_GENERIC_READ_TIMEOUT(bev);
		bufferevent_trigger_nolock_(bev, EV_READ, 0);
	}
	if (more)
		kick_read(bo);
}

/*
 * Encrypts the output: whole chunks, a record's worth at least when the
 * output has it, until it is empty, OpenSSL waits, or the rate limit.
 */
static void
do_write(struct bufferevent_openssl *bo, int cb_options)
{
	struct bufferevent *bev = downcast(bo);
	struct bufferevent_private *p = &bo->bev;
	struct evbuffer *output = bev->output;
	size_t total = 0;
	int r = 1, err = SSL_ERROR_NONE, sys_errno, full = 0;
	short what;

	if (bo->handshaking || bo->failed || bo->in_write)
		return;
	bo->in_write = 1;
	bo->write_wants_read = 0;
	bo->write_blocked = 0;
	while ((bev->enabled & EV_WRITE) && !p->write_suspended) {
		size_t len = evbuffer_get_length(output), chunk, n = 0;
		ev_ssize_t max;
		unsigned char *data;

		if (len == 0)
			break;
		if (bo->underlying && bo->underlying->wm_write.high &&
		    evbuffer_get_length(bo->underlying->output) >=
		        bo->underlying->wm_write.high)
			break;
		max = bufferevent_get_write_max_(p);
		if (max <= 0 && bo->retry_len == 0)
			break;
		chunk = evbuffer_get_contiguous_space(output);
		if (chunk < SSL_RECORD_PLAIN && chunk < len)
			chunk = len < SSL_RECORD_PLAIN ? len : SSL_RECORD_PLAIN;
		if (max > 0 && chunk > (size_t)max)
			chunk = (size_t)max;
		if (chunk < bo->retry_len)
			chunk = bo->retry_len <= len ? bo->retry_len : len;
		/* The last record of the output goes out on its own (see
		 * the write BIO), the others are gathered. */
		if (chunk == len && chunk > SSL_RECORD_PLAIN &&
		    bo->retry_len == 0 && bo->wbio)
			chunk = len -
			    (len % SSL_RECORD_PLAIN ? len % SSL_RECORD_PLAIN
			                            : SSL_RECORD_PLAIN);
		if ((data = evbuffer_pullup(output, (ev_ssize_t)chunk)) ==
		    NULL) {
			r = -1;
			err = SSL_ERROR_SYSCALL;
			errno = ENOMEM;
			break;
		}
		ERR_clear_error();
		errno = 0;
		bo->batching = bo->wbio != NULL && chunk < len;
		r = SSL_write_ex(bo->ssl, data, chunk, &n);
		bo->batching = 0;
		if (r <= 0) {
			bo->retry_len = chunk;
			err = SSL_get_error(bo->ssl, r);
			break;
		}
		bo->retry_len = 0;
		evbuffer_drain(output, n);
		total += n;
		bufferevent_decrement_write_buckets_(p, (ev_ssize_t)n);
	}
	/* What the batch gathered, unless the connection failed. */
	if (bo->woff < bo->wlen &&
	    (r > 0 || err == SSL_ERROR_WANT_WRITE ||
	        err == SSL_ERROR_WANT_READ)) {
		int f = wbuf_flush(bo);
		if (f < 0) {
			r = -1;
			err = SSL_ERROR_SYSCALL;
		}
		full = f == 0;
	}
	if (full)
		bo->write_blocked = 1;
	if (r <= 0) {
		switch (err) {
		case SSL_ERROR_WANT_WRITE:
			bo->write_blocked = 1;
			break;
		case SSL_ERROR_WANT_READ:
			bo->write_wants_read = 1;
			break;
		default:
			bo->in_write = 0;
			what = failure_kind(bo, err, &sys_errno);
			if (total)
				bufferevent_trigger_nolock_(bev, EV_WRITE,
				    cb_options);
			report_failure(bo, BEV_EVENT_WRITING, what, sys_errno);
			return;
		}
	}
	bo->in_write = 0;
	update_events(bo, 0);
	if (total) {
		if (bo->underlying)
			BEV_RESET_GENERIC_WRITE_TIMEOUT(bev);
		bufferevent_trigger_nolock_(bev, EV_WRITE, cb_options);
	}
}

/*
 * Output callback: new data goes to OpenSSL at once, as in libevent, so
 * that a program may write and then SSL_shutdown(); the write callback
 * this leads to runs from the loop, not inside bufferevent_write().
 */
static void
outbuf_cb(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg)
{
	struct bufferevent_openssl *bo = arg;
	struct bufferevent *bev = downcast(bo);

	(void)buf;
	if (info->n_added == 0 || bo->handshaking || bo->failed ||
	    bo->write_blocked || bo->write_wants_read || bo->in_write)
		return;
	if (!(bev->enabled & EV_WRITE) || bo->bev.write_suspended)
		return;
	if (!bo->underlying && socket_fd(bo) < 0)
		return;
	bufferevent_incref_and_lock_(bev);
	do_write(bo, BEV_OPT_DEFER_CALLBACKS);
	bufferevent_decref_and_unlock_(bev);
}

/* ------------------------------------------------------------------ */
/* Socket variant: the events on the fd.                               */

static void
sock_readcb(evutil_socket_t fd, short what, void *arg)
{
	struct bufferevent_openssl *bo = arg;
	struct bufferevent *bev = downcast(bo);

	(void)fd;
	bufferevent_incref_and_lock_(bev);
	if (what == EV_TIMEOUT) {
		bufferevent_disable(bev, EV_READ);
		bufferevent_run_eventcb_(bev,
		    BEV_EVENT_TIMEOUT | BEV_EVENT_READING, 0);
	} else {
		step_readable(bo);
	}
	bufferevent_decref_and_unlock_(bev);
}

static void
sock_writecb(evutil_socket_t fd, short what, void *arg)
{
	struct bufferevent_openssl *bo = arg;
	struct bufferevent *bev = downcast(bo);
	struct bufferevent_private *p = &bo->bev;

	bufferevent_incref_and_lock_(bev);
	if (what == EV_TIMEOUT) {
		bufferevent_disable(bev, EV_WRITE);
		bufferevent_run_eventcb_(bev,
		    BEV_EVENT_TIMEOUT | BEV_EVENT_WRITING, 0);
		goto done;
	}
	if (p->connecting) {
		int c = bufferevent_socket_finish_connect_(bev, fd);
		if (c == 0)
			goto done;
		if (c < 0) {
			bo->failed = 1;
			update_events(bo, 0);
			bufferevent_run_eventcb_(bev, BEV_EVENT_ERROR, 0);
			goto done;
		}
		/* Connected: the handshake reports BEV_EVENT_CONNECTED. */
		if (!bo->handshaking) {
			update_events(bo, 0);
			bufferevent_run_eventcb_(bev, BEV_EVENT_CONNECTED, 0);
		}
	}
	step_writable(bo);
done:
	bufferevent_decref_and_unlock_(bev);
}

static void
assign_socket_events(struct bufferevent_openssl *bo, evutil_socket_t fd)
{
	struct bufferevent *bev = downcast(bo);

	event_assign(&bev->ev_read, bev->ev_base, fd,
	    EV_READ | EV_PERSIST | EV_FINALIZE, sock_readcb, bo);
	event_assign(&bev->ev_write, bev->ev_base, fd,
	    EV_WRITE | EV_PERSIST | EV_FINALIZE, sock_writecb, bo);
}

/* Puts the SSL on fd (or on nothing) and restarts the events. */
static int
sock_setfd(struct bufferevent_openssl *bo, evutil_socket_t fd)
{
	struct bufferevent *bev = downcast(bo);

	event_del(&bev->ev_read);
	event_del(&bev->ev_write);
	assign_socket_events(bo, fd);
	if (fd >= 0) {
		/* OpenSSL's socket BIO reads, ours writes. */
		BIO *w = BIO_new(wbio_method);
		if (w == NULL || SSL_set_rfd(bo->ssl, (int)fd) != 1) {
			BIO_free(w);
			save_errors(bo);
			return -1;
		}
		if (bo->wbio)
			BIO_set_data(bo->wbio, NULL);
		BIO_set_data(w, bo);
		SSL_set0_wbio(bo->ssl, w);
		bo->wbio = w;
		bo->woff = bo->wlen = 0;
		/* A whole buffer per read syscall, not a header then a
		 * body.  (A larger buffer, four records, saved reads but
		 * cost more CPU in allocations: measured, left out.) */
		SSL_set_read_ahead(bo->ssl, 1);
	}
	update_events(bo, 0);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Filter variant: a BIO over the underlying buffers, its callbacks.   */

static int
bio_write(BIO *b, const char *in, int inl)
{
	struct bufferevent_openssl *bo = BIO_get_data(b);
	struct bufferevent *u;
	size_t n = (size_t)inl;

	BIO_clear_retry_flags(b);
	if (bo == NULL || (u = bo->underlying) == NULL || inl < 0)
		return -1;
	if (u->wm_write.high) {
		size_t len = evbuffer_get_length(u->output);
		if (len >= u->wm_write.high) {
			BIO_set_retry_write(b);
			return -1;
		}
		if (n > u->wm_write.high - len)
			n = u->wm_write.high - len;
	}
	if (evbuffer_add(u->output, in, n) < 0)
		return -1;
	return (int)n;
}

static int
bio_read(BIO *b, char *out, int outl)
{
	struct bufferevent_openssl *bo = BIO_get_data(b);
	struct bufferevent *u;

	BIO_clear_retry_flags(b);
	if (bo == NULL || (u = bo->underlying) == NULL || outl < 0)
		return -1;
	if (evbuffer_get_length(u->input) == 0) {
		if (bo->underlying_eof)
			return 0;
		BIO_set_retry_read(b);
		return -1;
	}
	return evbuffer_remove(u->input, out, (size_t)outl);
}

static long
bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	struct bufferevent_openssl *bo = BIO_get_data(b);

	(void)ptr;
	switch (cmd) {
	case BIO_CTRL_PENDING:
		return (bo && bo->underlying)
		    ? (long)evbuffer_get_length(bo->underlying->input)
		    : 0;
	case BIO_CTRL_WPENDING:
		return 0;
	case BIO_CTRL_EOF:
		/* OpenSSL 3 tells an unexpected EOF by this. */
		return bo == NULL || bo->underlying == NULL ||
		    (bo->underlying_eof &&
		        evbuffer_get_length(bo->underlying->input) == 0);
	case BIO_CTRL_FLUSH:
		return 1;
	default:
		return bio_ctrl_common(b, cmd, num);
	}
}

static int
bio_create(BIO *b)
{
	BIO_set_init(b, 1);
	BIO_set_data(b, NULL);
	return 1;
}

static void
bio_method_init(void)
{
	BIO_METHOD *m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK,
	    "evkit bufferevent");
	BIO_METHOD *w = BIO_meth_new(BIO_get_new_index() |
	        BIO_TYPE_SOURCE_SINK | BIO_TYPE_DESCRIPTOR,
	    "evkit socket writer");

	if (m == NULL || w == NULL) {
		BIO_meth_free(m);
		BIO_meth_free(w);
		return;
	}
	BIO_meth_set_write(m, bio_write);
	BIO_meth_set_read(m, bio_read);
	BIO_meth_set_ctrl(m, bio_ctrl);
	BIO_meth_set_create(m, bio_create);
	BIO_meth_set_write(w, wbio_write);
	BIO_meth_set_ctrl(w, wbio_ctrl);
	BIO_meth_set_create(w, bio_create);
	bio_method = m;
	wbio_method = w;
}

/* The transport can be read: the step that waits for it. */
static void
step_readable(struct bufferevent_openssl *bo)
{
	if (bo->handshaking) {
		do_handshake(bo);
		return;
	}
	if (bo->write_wants_read)
		do_write(bo, 0);
	do_read(bo);
}

/* The transport can be written: the step that waits for it. */
static void
step_writable(struct bufferevent_openssl *bo)
{
	if (bo->handshaking) {
		do_handshake(bo);
		return;
	}
	if (bo->read_wants_write)
		do_read(bo);
	do_write(bo, 0);
}

/* Underlying read (readable) or write callback. */
static void
filt_step(struct bufferevent_openssl *bo, int readable)
{
	struct bufferevent *bev = downcast(bo);

	/* The filter may be on its way out. */
	if (bo->bev.refcnt == 0)
		return;
	bufferevent_incref_and_lock_(bev);
	if (readable)
		step_readable(bo);
	else
		step_writable(bo);
	bufferevent_decref_and_unlock_(bev);
}

static void
filt_readcb(struct bufferevent *u, void *arg)
{
	(void)u;
	filt_step(arg, 1);
}

static void
filt_writecb(struct bufferevent *u, void *arg)
{
	(void)u;
	filt_step(arg, 0);
}

static void
filt_eventcb(struct bufferevent *u, short what, void *arg)
{
	struct bufferevent_openssl *bo = arg;
	struct bufferevent *bev = downcast(bo);

	(void)u;
	if (bo->bev.refcnt == 0)
		return;
	bufferevent_incref_and_lock_(bev);
	if (bo->failed) {
		/* Reported already, once. */
	} else if (what & BEV_EVENT_CONNECTED) {
		/* The transport is up; the handshake reports CONNECTED. */
		if (bo->handshaking)
			do_handshake(bo);
		else
			bufferevent_run_eventcb_(bev, what, 0);
	} else if (what & BEV_EVENT_EOF) {
		/* What is left below is read first; OpenSSL then sees the
		 * end, clean or not. */
		bo->underlying_eof = 1;
		if (bo->handshaking)
			do_handshake(bo);
		else if (!bo->read_closed)
			do_read(bo);
	} else {
		if (what & BEV_EVENT_ERROR)
			bo->failed = 1;
		update_events(bo, 0);
		bufferevent_run_eventcb_(bev, what, 0);
	}
	bufferevent_decref_and_unlock_(bev);
}

/* ------------------------------------------------------------------ */
/* Creation.                                                           */

/*
 * A failed constructor frees the SSL when BEV_OPT_CLOSE_ON_FREE is set
 * and leaves it to the caller otherwise, on every path (libevent 2.1's
 * rule); the fd and the underlying bufferevent stay the caller's.
 */
static struct bufferevent *
ssl_new_failed(struct bufferevent_openssl *bo, SSL *ssl, int options)
{
	if (bo != NULL) {
		/* Its destructor must free neither the SSL nor the fd. */
		bo->bev.options &= ~BEV_OPT_CLOSE_ON_FREE;
		bufferevent_free(downcast(bo));
	}
	if (ssl != NULL && (options & BEV_OPT_CLOSE_ON_FREE))
		SSL_free(ssl);
	return NULL;
}

static struct bufferevent *
ssl_new(struct event_base *base, struct bufferevent *underlying,
    evutil_socket_t fd, SSL *ssl, enum bufferevent_ssl_state state, int options)
{
	struct bufferevent_openssl *bo;
	struct bufferevent *bev;

	if (ssl == NULL || base == NULL)
		return ssl_new_failed(NULL, ssl, options);
	if (state != BUFFEREVENT_SSL_OPEN &&
	    state != BUFFEREVENT_SSL_CONNECTING &&
	    state != BUFFEREVENT_SSL_ACCEPTING)
		return ssl_new_failed(NULL, ssl, options);
	(void)pthread_once(&bio_method_once, bio_method_init);
	if (bio_method == NULL)
		return ssl_new_failed(NULL, ssl, options);
	if ((bo = mm_calloc(1, sizeof(*bo))) == NULL)
		return ssl_new_failed(NULL, ssl, options);
	/* A filter shares its underlying bufferevent's lock (below). */
	if (bufferevent_init_common_(&bo->bev, base, &bufferevent_ops_openssl,
	        underlying ? options & ~BEV_OPT_THREADSAFE : options) < 0) {
		mm_free(bo);
		return ssl_new_failed(NULL, ssl, options);
	}
	bev = downcast(bo);
	bo->ssl = ssl;
	if (underlying)
		bufferevent_init_generic_timeout_cbs_(bev);
	else
		assign_socket_events(bo, -1);
	if ((bo->outbuf_cb = evbuffer_add_cb(bev->output, outbuf_cb, bo)) ==
	    NULL)
		return ssl_new_failed(bo, ssl, options);
	if (underlying && (bo->bio = BIO_new(bio_method)) == NULL)
		return ssl_new_failed(bo, ssl, options);
	if (!underlying && fd >= 0 && sock_setfd(bo, fd) < 0)
		return ssl_new_failed(bo, ssl, options);

	/* Nothing fails from here on. */
	SSL_set_mode(ssl,
	    SSL_MODE_ENABLE_PARTIAL_WRITE |
	        SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	if (state == BUFFEREVENT_SSL_CONNECTING) {
		SSL_set_connect_state(ssl);
		bo->handshaking = 1;
		bo->hs_want = EV_WRITE;
	} else if (state == BUFFEREVENT_SSL_ACCEPTING) {
		SSL_set_accept_state(ssl);
		bo->handshaking = 1;
		bo->hs_want = EV_READ;
	}
	if (underlying) {
		BIO_set_data(bo->bio, bo);
		SSL_set_bio(ssl, bo->bio, bo->bio);
		bo->underlying = underlying;
		if (options & BEV_OPT_THREADSAFE)
			(void)bufferevent_enable_locking_(bev, NULL);
		bufferevent_setcb(underlying, filt_readcb, filt_writecb,
		    filt_eventcb, bo);
		bufferevent_incref_(underlying);
		bufferevent_enable(underlying, EV_READ | EV_WRITE);
	}
	/* Now that the handshake state is known. */
	update_events(bo, 0);
	if (underlying && bo->handshaking)
		kick_write(bo);
	return bev;
}

struct bufferevent *
bufferevent_openssl_filter_new(struct event_base *base,
    struct bufferevent *underlying, SSL *ssl, enum bufferevent_ssl_state state,
    int options)
{
	if (underlying == NULL)
		return ssl_new_failed(NULL, ssl, options);
	return ssl_new(base, underlying, -1, ssl, state, options);
}

struct bufferevent *
bufferevent_openssl_socket_new(struct event_base *base, evutil_socket_t fd,
    SSL *ssl, enum bufferevent_ssl_state state, int options)
{
	return ssl_new(base, NULL, fd, ssl, state, options);
}

/* ------------------------------------------------------------------ */
/* The public accessors.                                               */

int
bufferevent_openssl_get_allow_dirty_shutdown(struct bufferevent *bev)
{
	struct bufferevent_openssl *bo;
	int r = -1;

	BEV_LOCK(bev);
	if ((bo = upcast(bev)) != NULL)
		r = bo->allow_dirty_shutdown;
	BEV_UNLOCK(bev);
	return r;
}

void
bufferevent_openssl_set_allow_dirty_shutdown(struct bufferevent *bev,
    int allow_dirty_shutdown)
{
	struct bufferevent_openssl *bo;

	BEV_LOCK(bev);
	if ((bo = upcast(bev)) != NULL)
		bo->allow_dirty_shutdown = allow_dirty_shutdown != 0;
	BEV_UNLOCK(bev);
}

SSL *
bufferevent_openssl_get_ssl(struct bufferevent *bev)
{
	struct bufferevent_openssl *bo = upcast(bev);

	return bo ? bo->ssl : NULL;
}

int
bufferevent_ssl_renegotiate(struct bufferevent *bev)
{
	struct bufferevent_openssl *bo;
	int r = -1, h;

	BEV_LOCK(bev);
	if ((bo = upcast(bev)) == NULL || bo->failed || bo->handshaking)
		goto done;
	ERR_clear_error();
	errno = 0;
	/* OpenSSL refuses on TLS 1.3 (SSL_R_WRONG_SSL_VERSION). */
	if (SSL_renegotiate(bo->ssl) != 1) {
		save_errors(bo);
		goto done;
	}
	/* Sends the hello; SSL_read and SSL_write run the rest of the
	 * handshake, between application data. */
	h = SSL_do_handshake(bo->ssl);
	if (h <= 0) {
		int err = SSL_get_error(bo->ssl, h);
		if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) {
			save_errors(bo);
			goto done;
		}
	}
	if ((downcast(bo)->enabled & EV_READ) && read_pending(bo))
		kick_read(bo);
	r = 0;
done:
	BEV_UNLOCK(bev);
	return r;
}

unsigned long
bufferevent_get_openssl_error(struct bufferevent *bev)
{
	struct bufferevent_openssl *bo;
	unsigned long e = 0;

	BEV_LOCK(bev);
	if ((bo = upcast(bev)) != NULL && bo->n_errors > 0) {
		e = bo->errors[0];
		bo->n_errors--;
		memmove(bo->errors, bo->errors + 1,
		    bo->n_errors * sizeof(bo->errors[0]));
	}
	BEV_UNLOCK(bev);
	return e;
}

/* ------------------------------------------------------------------ */
/* The ops.                                                            */

static int
be_ssl_enable(struct bufferevent *bev, short events)
{
	struct bufferevent_openssl *bo = upcast(bev);

	if (bo->underlying) {
		if (events & EV_READ)
			BEV_RESET_GENERIC_READ_TIMEOUT(bev);
		if (events & EV_WRITE)
			BEV_RESET_GENERIC_WRITE_TIMEOUT(bev);
	}
	update_events(bo, 0);
	if (bo->handshaking || bo->failed)
		return 0;
	if ((events & EV_READ) && !bo->read_closed && read_pending(bo))
		kick_read(bo);
	if ((events & EV_WRITE) && !bo->write_blocked &&
	    evbuffer_get_length(bev->output))
		kick_write(bo);
	return 0;
}

static int
be_ssl_disable(struct bufferevent *bev, short events)
{
	struct bufferevent_openssl *bo = upcast(bev);

	if (bo->underlying) {
		if (events & EV_READ)
			BEV_DEL_GENERIC_READ_TIMEOUT(bev);
		if (events & EV_WRITE)
			BEV_DEL_GENERIC_WRITE_TIMEOUT(bev);
	}
	update_events(bo, events);
	return 0;
}

static void
be_ssl_unlink(struct bufferevent *bev)
{
	struct bufferevent_openssl *bo = upcast(bev);
	struct bufferevent *u = bo->underlying;

	if (u == NULL)
		return;
	if (bo->bev.options & BEV_OPT_CLOSE_ON_FREE) {
		if (BEV_UPCAST(u)->refcnt < 2)
			event_warnx("BEV_OPT_CLOSE_ON_FREE set on a "
			            "bufferevent with too few references");
		else
			bufferevent_free(u);
	} else {
		if (u->errorcb == filt_eventcb)
			bufferevent_setcb(u, NULL, NULL, NULL, NULL);
		bufferevent_unsuspend_read_(u, BEV_SUSPEND_FILT_READ);
	}
}

static void
be_ssl_destruct(struct bufferevent *bev)
{
	struct bufferevent_openssl *bo = upcast(bev);
	/* Read directly: see be_socket_destruct. */
	evutil_socket_t fd = bev->ev_read.ev_fd;

	if (bo->outbuf_cb)
		evbuffer_remove_cb_entry(bev->output, bo->outbuf_cb);
	/* The SSL may outlive us: its BIO must not reach back. */
	if (bo->bio)
		BIO_set_data(bo->bio, NULL);
	if (bo->wbio) {
		BIO_set_data(bo->wbio, NULL);
		/* Left to the caller: writing as SSL_set_fd() would. */
		if (!(bo->bev.options & BEV_OPT_CLOSE_ON_FREE) && fd >= 0) {
			BIO *sb = BIO_new_socket((int)fd, BIO_NOCLOSE);
			if (sb)
				SSL_set0_wbio(bo->ssl, sb);
		}
	}
	mm_free(bo->wbuf);
	if (bo->bev.options & BEV_OPT_CLOSE_ON_FREE) {
		SSL_free(bo->ssl);
		if (bo->underlying == NULL && fd >= 0)
			evutil_closesocket(fd);
	}
}

/* Moves what can move now; 1 when some plaintext moved, else 0. */
static int
be_ssl_flush(struct bufferevent *bev, short iotype,
    enum bufferevent_flush_mode mode)
{
	struct bufferevent_openssl *bo = upcast(bev);
	size_t in, out;

	bufferevent_incref_and_lock_(bev);
	in = evbuffer_get_length(bev->input);
	out = evbuffer_get_length(bev->output);
	if (iotype & EV_WRITE)
		do_write(bo, 0);
	if (iotype & EV_READ)
		do_read(bo);
	if (bo->underlying && mode != BEV_NORMAL)
		bufferevent_flush(bo->underlying, iotype, mode);
	in = evbuffer_get_length(bev->input) != in ||
	    evbuffer_get_length(bev->output) != out;
	bufferevent_decref_and_unlock_(bev);
	return in ? 1 : 0;
}

static int
be_ssl_ctrl(struct bufferevent *bev, enum bufferevent_ctrl_op op,
    union bufferevent_ctrl_data *data)
{
	struct bufferevent_openssl *bo = upcast(bev);
	struct bufferevent *u = bo->underlying;

	switch (op) {
	case BEV_CTRL_GET_UNDERLYING:
		if (u == NULL)
			return -1;
		data->ptr = u;
		return 0;
	case BEV_CTRL_SET_FD:
		if (u)
			return u->be_ops->ctrl ? u->be_ops->ctrl(u, op, data)
			                       : -1;
		return sock_setfd(bo, data->fd);
	case BEV_CTRL_GET_FD:
		if (u)
			return u->be_ops->ctrl ? u->be_ops->ctrl(u, op, data)
			                       : -1;
		data->fd = bev->ev_read.ev_fd;
		return 0;
	case BEV_CTRL_CANCEL_ALL:
		if (u == NULL)
			bufferevent_socket_cancel_lookup_(bev);
		return 0;
	default:
		return -1;
	}
}

static int
be_ssl_adj_timeouts(struct bufferevent *bev)
{
	if (upcast(bev)->underlying)
		return bufferevent_generic_adj_timeouts_(bev);
	return bufferevent_generic_adj_existing_timeouts_(bev);
}

static const struct bufferevent_ops bufferevent_ops_openssl = {
	"ssl",
	evutil_offsetof(struct bufferevent_openssl, bev.bev),
	be_ssl_enable,
	be_ssl_disable,
	be_ssl_unlink,
	be_ssl_destruct,
	be_ssl_adj_timeouts,
	be_ssl_flush,
	be_ssl_ctrl,
};
