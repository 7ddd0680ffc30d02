/*
 * relay.c: one stream connection (TCP or unix-domain) against standard
 * input and output.
 *
 * Two directions, each with its own path:
 *
 *   up    stdin -> socket: a zero-copy pump (splice.c) when stdin is a
 *         regular file or a socket; otherwise reads on an EV_READ event
 *         (pipes, where copying beats splicing: see splice.c;
 *         terminals), reads on demand (other files, devices), or libedit
 *         lines (-i).  Data goes into the socket bufferevent.
 *   down  socket -> stdout: a pump when stdout is a pipe, a file,
 *         /dev/null or a socket; otherwise reads on an EV_READ event into
 *         a bufferevent on stdout, plain writes, or the terminal under
 *         libedit (-i).
 *
 * Bufferevents do the writing (scheduling, watermarks, --rate).  Reading
 * is done here with evbuffer_reserve_space() and readv() in steps of up to
 * EVCAT_IO_MAX: libevent 2.1's evbuffer_read() stops at 4 KiB a call,
 * which made bufferevent reads cost four times nc's CPU on a bulk
 * transfer.  Under --rate the socket is read by its bufferevent, so that
 * the limit applies to both directions.
 *
 * -x and --rate need the bytes in user space, so they turn the pumps off;
 * so does --ssl (ssl.c), whose socket bufferevent encrypts and decrypts:
 * the socket is then read and written by its bufferevent only.  Rule 1
 * under TLS sends close_notify before the TCP half-close, once the
 * handshake is over; the peer's close_notify is its EOF.
 *
 * Back-pressure: when the socket's output holds EVCAT_HIGH_WATER bytes,
 * evcat stops reading stdin until it drains to EVCAT_LOW_WATER; likewise
 * it stops reading the socket while stdout's output is above the mark.
 * The pumps keep nothing in user space: they wait for the side that is
 * not ready.
 *
 * Standard input and output are set up once (io) and lent to the
 * connection (io.owner).  A relay is evcat's only connection: -l -k and
 * --broker serve many clients at once in broker.c instead.
 *
 * End of transfer, after OpenBSD nc's rules (numbered as in evcat.1):
 *   1. stdin reached EOF and all of it was sent: shut down the socket's
 *      sending half (unless --no-shutdown), so the peer sees EOF; keep
 *      reading until the peer closes.
 *   2. The peer closed its sending half and all of its data was written:
 *      close stdout (so a reader downstream sees EOF), unless -k.
 *   3. Both of the above: done, exit 0.
 *   4. The peer is done and stdin is a terminal: nobody is going to type
 *      to a peer that left; done.
 *   5. -q TIME: quit that long after rule 1, whatever the peer does.
 *   6. -w SECS: quit when nothing moved either way for SECS seconds.
 *   7. An error on the socket (reset, broken pipe) ends the connection
 *      with status 1; so does a write error on stdout (EPIPE silently).
 *   With -d, or stdin being /dev/null, there is no stdin: rule 1 never
 *   shuts anything down and the transfer ends by rule 3 when the peer
 *   closes.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "cli.h"
#include "evcat.h"

enum src_mode { SRC_NONE, SRC_FD, SRC_READ, SRC_LINE, SRC_PUMP };
enum sink_mode { SINK_NONE, SINK_BEV, SINK_WRITE, SINK_LINE, SINK_PUMP };

struct relay {
	evutil_socket_t fd;
	char peer[128];
	struct bufferevent *bev; /* the socket, when a direction is buffered */
	struct event *sock_rd;   /* EV_READ on the socket (not under --rate) */
	enum src_mode src;
	enum sink_mode sink;
	struct pump *up, *down;
	struct evbuffer *scratch; /* data read, on its way */
	struct event *feed;       /* SRC_READ: read more stdin */
	struct event *kick;       /* first checks, once relay_new returned */
	struct event *quit_timer; /* -q */
	struct event *idle_timer; /* -w */
	int up_blocked, down_blocked;
	int up_eof, up_done;
	int down_eof, down_done;
	int ended;
	int status;
	int tls;           /* --ssl: bev is a TLS bufferevent owning fd */
	int tls_open;      /* its handshake is done */
	int tls_shut_wait; /* rule 1 came during the handshake */
	int idle_checks;
	unsigned long long sent, received, last_total;
	relay_done_cb done;
	void *arg;
};

/* Standard input and output: one set for the whole process. */
static struct {
	int init;
	enum stdio_kind in_kind, out_kind;
	int no_stdin;                /* -d, or stdin is /dev/null */
	int eof;                     /* stdin reached EOF */
	struct event *in_ev;         /* SRC_FD: EV_READ on stdin */
	int in_fd;                   /* SRC_FD: nonblocking stdin */
	struct bufferevent *out_bev; /* SINK_BEV */
	struct relay *owner;         /* the connection using them */
} io;

static void up_eof(struct relay *r);
static void up_fallback(struct relay *r, int err);
static void down_fallback(struct relay *r, int err);
static void down_finish(struct relay *r);
static void check_end(struct relay *r);

/* The idle check runs this many times per -w period. */
#define IDLE_CHECKS 4

static void
relay_end(struct relay *r, int status)
{
	if (r->ended)
		return;
	r->ended = 1;
	if (status > r->status)
		r->status = status;
	if (r->bev != NULL)
		bufferevent_disable(r->bev, EV_READ | EV_WRITE);
	if (r->sock_rd != NULL)
		event_del(r->sock_rd);
	if (r->up != NULL)
		pump_stop(r->up);
	if (r->down != NULL)
		pump_stop(r->down);
	if (io.in_ev != NULL)
		event_del(io.in_ev);
	if (r->src == SRC_LINE)
		interactive_pause(1);
	if (r->feed != NULL)
		event_del(r->feed);
	if (r->kick != NULL)
		event_del(r->kick);
	if (r->quit_timer != NULL)
		event_del(r->quit_timer);
	if (r->idle_timer != NULL)
		event_del(r->idle_timer);
	evcat_verbose("%s: closed; %llu bytes sent, %llu received", r->peer,
	    r->sent + (r->up != NULL ? pump_bytes(r->up) : 0),
	    r->received + (r->down != NULL ? pump_bytes(r->down) : 0));
	r->done(r, r->status, r->arg);
}

/* Rule 7: the socket failed. */
static void
socket_failed(struct relay *r, int err)
{
	cli_warnx("%s: %s", r->peer, strerror(err));
	relay_end(r, 1);
}

/* Rule 7: stdout failed; a reader that went away is no news. */
static void
stdout_failed(struct relay *r, int err)
{
	if (err == EPIPE)
		evcat_verbose("stdout: %s", strerror(err));
	else
		cli_warnx("stdout: %s", strerror(err));
	stdio_close_stdout();
	relay_end(r, 1);
}

/* ---- up: stdin -> socket ---- */

static void
pause_src(struct relay *r)
{
	r->up_blocked = 1;
	if (r->src == SRC_FD)
		event_del(io.in_ev);
	else if (r->src == SRC_LINE)
		interactive_pause(1);
}

static void
resume_src(struct relay *r)
{
	r->up_blocked = 0;
	if (r->src == SRC_FD)
		event_add(io.in_ev, NULL);
	else if (r->src == SRC_LINE)
		interactive_pause(0);
	else if (r->src == SRC_READ)
		event_active(r->feed, 0, 0);
}

/*
 * Moves all of data to bev's output.  While that output is empty (the
 * other side keeps up), data is written at once and only the rest is
 * queued: one writev instead of arming the write event, waking up for it
 * and disarming it again.  Under --rate everything goes through the
 * bufferevent, which does the limiting; a TLS bufferevent (direct 0)
 * must see every byte to encrypt it.
 */
static void
push(struct bufferevent *bev, struct evbuffer *data, int direct)
{
	struct evbuffer *out = bufferevent_get_output(bev);
	int fd = bufferevent_getfd(bev);

	if (direct && ec.o.rate == 0 && evbuffer_get_length(out) == 0) {
		while (evbuffer_get_length(data) > 0 &&
		    evbuffer_write_atmost(data, fd, EVCAT_IO_MAX) > 0)
			continue;
		/* EAGAIN, or an error the bufferevent will run into. */
	}
	evbuffer_add_buffer(out, data);
}

/* Moves buf (all of it) to the socket's output. */
static void
send_up(struct relay *r, struct evbuffer *buf)
{
	if (ec.o.crlf)
		crlf_expand(buf);
	r->sent += evbuffer_get_length(buf);
	trace_evbuffer('>', buf);
	push(r->bev, buf, !r->tls);
	if (evbuffer_get_length(bufferevent_get_output(r->bev)) >=
	    EVCAT_HIGH_WATER)
		pause_src(r);
}

/*
 * Reads up to max bytes from fd onto the end of buf: the byte count, 0 at
 * EOF, -1 with errno set.
 */
static ssize_t
read_into(struct evbuffer *buf, int fd, size_t max)
{
	struct evbuffer_iovec v[2];
	struct iovec iov[2];
	size_t left;
	ssize_t n;
	int i, nv;

	nv = evbuffer_reserve_space(buf, (ev_ssize_t)max, v, 2);
	if (nv <= 0)
		cli_diex("out of memory");
	for (i = 0; i < nv; i++) {
		iov[i].iov_base = v[i].iov_base;
		iov[i].iov_len = v[i].iov_len;
	}
	n = readv(fd, iov, nv);
	if (n <= 0) {
		evbuffer_commit_space(buf, NULL, 0);
		return n;
	}
	left = (size_t)n;
	for (i = 0; i < nv && left > 0; i++) {
		if (v[i].iov_len > left)
			v[i].iov_len = left;
		left -= v[i].iov_len;
	}
	evbuffer_commit_space(buf, v, i);
	return n;
}

/* Reads stdin once; returns 0 to go on, -1 when input ended. */
static int
read_stdin(struct relay *r, int fd)
{
	ssize_t n = read_into(r->scratch, fd, EVCAT_IO_MAX);

	if (n > 0) {
		send_up(r, r->scratch);
		return 0;
	}
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n < 0) {
		cli_warn("stdin");
		r->status = 1;
	}
	io.eof = 1;
	up_eof(r);
	return -1;
}

/* SRC_FD: stdin is readable. */
static void
in_cb(evutil_socket_t fd, short what, void *arg)
{
	struct relay *r = io.owner;

	if (r == NULL || r->ended) {
		event_del(io.in_ev);
		return;
	}
	read_stdin(r, (int)fd);
}

/* SRC_READ: files and devices no backend can watch; read on demand. */
static void
feed_cb(evutil_socket_t fd, short what, void *arg)
{
	struct relay *r = arg;

	while (!r->ended && !r->up_blocked && !r->up_eof)
		if (read_stdin(r, 0) != 0)
			return;
}

/* SRC_LINE: one edited line, or NULL at EOF (^D). */
static void
line_cb(const char *line, size_t len, void *arg)
{
	struct relay *r = arg;
	struct evbuffer *tmp;

	if (r->ended)
		return;
	if (line == NULL) {
		io.eof = 1;
		up_eof(r);
		return;
	}
	tmp = evbuffer_new();
	if (tmp == NULL || evbuffer_add(tmp, line, len) != 0)
		cli_diex("out of memory");
	send_up(r, tmp);
	evbuffer_free(tmp);
}

static void
quit_cb(evutil_socket_t fd, short what, void *arg)
{
	struct relay *r = arg;

	evcat_verbose("%s: quitting %g s after end of input", r->peer,
	    ec.o.quit_ms / 1000.0);
	relay_end(r, 0);
}

/* Everything from stdin has been sent. */
static void
up_finish(struct relay *r)
{
	if (r->up_done)
		return;
	r->up_done = 1;
	/* Rule 1. */
	if (ec.o.shutdown && r->tls && !r->tls_open) {
		r->tls_shut_wait = 1;
	} else if (ec.o.shutdown) {
		if (r->tls)
			ssl_shutdown_write(r->bev);
		else
			shutdown(r->fd, SHUT_WR);
		evcat_verbose("%s: end of input, sending half shut down",
		    r->peer);
	}
	/* --send-only: input sent, nothing else to wait for (as ncat). */
	if (ec.o.send_only) {
		relay_end(r, r->status);
		return;
	}
	/* Rule 5. */
	if (evcat_arm_quit(&r->quit_timer, quit_cb, r)) {
		relay_end(r, 0);
		return;
	}
	check_end(r);
}

/* stdin reached EOF: send what is buffered, then rule 1. */
static void
up_eof(struct relay *r)
{
	if (r->up_eof)
		return;
	r->up_eof = 1;
	if (r->src == SRC_FD)
		event_del(io.in_ev);
	if (r->bev == NULL ||
	    evbuffer_get_length(bufferevent_get_output(r->bev)) == 0) {
		up_finish(r);
		return;
	}
	/* sock_write_cb fires once the output is empty. */
	bufferevent_setwatermark(r->bev, EV_WRITE, 0, 0);
}

/* The socket's output went down to the low-water mark (or empty). */
static void
sock_write_cb(struct bufferevent *bev, void *arg)
{
	struct relay *r = arg;
	size_t len = evbuffer_get_length(bufferevent_get_output(bev));

	if (r->ended)
		return;
	if (r->up_eof) {
		if (len == 0)
			up_finish(r);
	} else if (r->up_blocked && len <= EVCAT_LOW_WATER) {
		resume_src(r);
	}
}

static void
up_pump_cb(struct pump *p, enum pump_result res, int err, void *arg)
{
	struct relay *r = arg;

	if (res == PUMP_EOF) {
		io.eof = 1;
		r->up_eof = 1;
		up_finish(r);
	} else if (res == PUMP_UNSUPPORTED) {
		up_fallback(r, err);
	} else if (pump_error_on_dst(p)) {
		socket_failed(r, err);
	} else {
		cli_warnx("stdin: %s", strerror(err));
		r->status = 1;
		io.eof = 1;
		r->up_eof = 1;
		up_finish(r);
	}
}

/* ---- down: socket -> stdout ---- */

/* Synchronous write of all of buf to a file or device. */
static int
write_all(struct evbuffer *buf)
{
	struct pollfd pfd = { 1, POLLOUT, 0 };

	while (evbuffer_get_length(buf) > 0) {
		if (evbuffer_write(buf, 1) >= 0)
			continue;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN && poll(&pfd, 1, -1) >= 0)
			continue;
		return -1;
	}
	return 0;
}

/* Stops or resumes reading the socket (back-pressure from stdout). */
static void
sock_reading(struct relay *r, int on)
{
	r->down_blocked = !on;
	if (r->sock_rd != NULL) {
		if (on)
			event_add(r->sock_rd, NULL);
		else
			event_del(r->sock_rd);
	} else if (on) {
		bufferevent_enable(r->bev, EV_READ);
	} else {
		bufferevent_disable(r->bev, EV_READ);
	}
}

/* Passes data from the socket (all of in) to stdout. */
static void
deliver_down(struct relay *r, struct evbuffer *in)
{
	struct evbuffer *out;
	struct evbuffer_iovec v[16];
	int i, n;

	r->received += evbuffer_get_length(in);
	if (ec.o.send_only) {
		/* --send-only: what the peer says goes nowhere. */
		evbuffer_drain(in, evbuffer_get_length(in));
		return;
	}
	trace_evbuffer('<', in);
	switch (r->sink) {
	case SINK_BEV:
		out = bufferevent_get_output(io.out_bev);
		push(io.out_bev, in, 1);
		if (evbuffer_get_length(out) >= EVCAT_HIGH_WATER)
			sock_reading(r, 0);
		break;
	case SINK_WRITE:
		if (write_all(in) != 0)
			stdout_failed(r, errno);
		break;
	case SINK_LINE:
		while (evbuffer_get_length(in) > 0) {
			n = evbuffer_peek(in, -1, NULL, v, 16);
			if (n > 16)
				n = 16;
			for (i = 0; i < n; i++) {
				interactive_print(v[i].iov_base, v[i].iov_len);
				evbuffer_drain(in, v[i].iov_len);
			}
		}
		break;
	default:
		evbuffer_drain(in, evbuffer_get_length(in));
	}
}

static void down_eof(struct relay *r);

/* The socket is readable (the path without --rate). */
static void
sock_rd_cb(evutil_socket_t fd, short what, void *arg)
{
	struct relay *r = arg;
	ssize_t n;

	if (r->ended)
		return;
	n = read_into(r->scratch, (int)fd, EVCAT_IO_MAX);
	if (n > 0)
		deliver_down(r, r->scratch);
	else if (n == 0)
		down_eof(r);
	else if (errno != EAGAIN && errno != EINTR)
		socket_failed(r, errno);
}

/* The socket's bufferevent read something (the path under --rate). */
static void
sock_read_cb(struct bufferevent *bev, void *arg)
{
	struct relay *r = arg;

	if (!r->ended)
		deliver_down(r, bufferevent_get_input(bev));
}

/* stdout drained to the low-water mark (or empty). */
static void
out_write_cb(struct bufferevent *bev, void *arg)
{
	struct relay *r = io.owner;
	size_t len = evbuffer_get_length(bufferevent_get_output(bev));

	if (r == NULL || r->ended)
		return;
	if (r->down_eof) {
		if (len == 0)
			down_finish(r);
	} else if (r->down_blocked && len <= EVCAT_LOW_WATER) {
		sock_reading(r, 1);
	}
}

static void
out_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct relay *r = io.owner;
	int err = EVUTIL_SOCKET_ERROR();

	bufferevent_disable(bev, EV_WRITE);
	if (r != NULL && !r->ended)
		stdout_failed(r, err != 0 ? err : EPIPE);
}

/* Everything the peer sent has been written out. */
static void
down_finish(struct relay *r)
{
	if (r->down_done)
		return;
	r->down_done = 1;
	evcat_verbose("%s: end of data from the peer", r->peer);
	/* Rule 2. */
	if (!ec.o.keep)
		stdio_close_stdout();
	check_end(r);
}

static void
down_eof(struct relay *r)
{
	struct evbuffer *out;

	r->down_eof = 1;
	if (r->sock_rd != NULL)
		event_del(r->sock_rd);
	else if (r->bev != NULL)
		bufferevent_disable(r->bev, EV_READ);
	if (r->sink == SINK_BEV) {
		out = bufferevent_get_output(io.out_bev);
		if (evbuffer_get_length(out) > 0) {
			/* out_write_cb fires once it is empty. */
			bufferevent_setwatermark(io.out_bev, EV_WRITE, 0, 0);
			return;
		}
	}
	down_finish(r);
}

static void
sock_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct relay *r = arg;
	int err = EVUTIL_SOCKET_ERROR();

	char msg[512];

	if (r->ended)
		return;
	if ((what & BEV_EVENT_CONNECTED) && r->tls) {
		r->tls_open = 1;
		ssl_connected(bev, r->peer);
		if (r->tls_shut_wait)
			ssl_shutdown_write(bev);
	} else if ((what & BEV_EVENT_ERROR) && r->tls) {
		cli_warnx("%s: %s", r->peer, ssl_error(bev, msg, sizeof(msg)));
		relay_end(r, 1);
	} else if (what & BEV_EVENT_ERROR) {
		socket_failed(r, err != 0 ? err : ECONNRESET);
	} else if (what & BEV_EVENT_EOF) {
		down_eof(r);
	}
}

static void
down_pump_cb(struct pump *p, enum pump_result res, int err, void *arg)
{
	struct relay *r = arg;

	if (res == PUMP_EOF)
		down_finish(r);
	else if (res == PUMP_UNSUPPORTED)
		down_fallback(r, err);
	else if (pump_error_on_dst(p))
		stdout_failed(r, err);
	else
		socket_failed(r, err);
}

/* ---- the connection as a whole ---- */

static void
check_end(struct relay *r)
{
	if (r->ended)
		return;
	/* Rule 3. */
	if (r->up_done && r->down_done) {
		relay_end(r, r->status);
		return;
	}
	/* Rule 4. */
	if (r->down_done && io.in_kind == STDIO_TTY && !io.no_stdin)
		relay_end(r, r->status);
}

/* Rule 6: the idle timeout, checked IDLE_CHECKS times per period. */
static void
idle_cb(evutil_socket_t fd, short what, void *arg)
{
	struct relay *r = arg;
	unsigned long long total = r->sent + r->received;

	if (r->up != NULL)
		total += pump_bytes(r->up);
	if (r->down != NULL)
		total += pump_bytes(r->down);
	if (total != r->last_total) {
		r->last_total = total;
		r->idle_checks = 0;
		return;
	}
	if (++r->idle_checks < IDLE_CHECKS)
		return;
	evcat_verbose("%s: idle for %g s", r->peer, ec.o.wait_ms / 1000.0);
	relay_end(r, 0);
}

/* stdin ended during an earlier connection (-k): rule 1 at once. */
static void
kick_cb(evutil_socket_t fd, short what, void *arg)
{
	up_finish(arg);
}

static void
io_init(void)
{
	if (io.init)
		return;
	io.init = 1;
	io.in_kind = stdio_kind(0);
	io.out_kind = stdio_kind(1);
	io.no_stdin = ec.o.no_stdin || io.in_kind == STDIO_NULL ||
	    io.in_kind == STDIO_CLOSED;
	io.eof = io.no_stdin;
}

int
relay_stdin_done(void)
{
	io_init();
	return io.eof;
}

static void
choose_src(struct relay *r, int zero_copy)
{
	int in_fd = 0;

	if (io.eof) {
		r->src = SRC_NONE;
		return;
	}
	if (ec.o.interactive) {
		r->src = SRC_LINE;
		return;
	}
	if (io.in_kind == STDIO_SOCKET)
		in_fd = stdio_nonblocking(0);
	if (zero_copy)
		r->up = pump_new(in_fd, io.in_kind, r->fd, STDIO_SOCKET,
		    up_pump_cb, r);
	if (r->up != NULL) {
		r->src = SRC_PUMP;
	} else if (stdio_pollable(io.in_kind)) {
		r->src = SRC_FD;
		/* EVCAT_IO_MAX a read rather than 64 KiB (a pipe's size). */
		if (io.in_kind == STDIO_PIPE)
			grow_pipe(0);
	} else {
		r->src = SRC_READ;
	}
}

static void
choose_sink(struct relay *r, int zero_copy)
{
	int out_fd = 1;

	if (stdio_kind(1) == STDIO_CLOSED || ec.o.send_only) {
		r->sink = SINK_NONE;
		return;
	}
	if (ec.o.interactive && io.out_kind == STDIO_TTY) {
		r->sink = SINK_LINE;
		return;
	}
	if (io.out_kind == STDIO_SOCKET)
		out_fd = stdio_nonblocking(1);
	if (zero_copy)
		r->down = pump_new(r->fd, STDIO_SOCKET, out_fd, io.out_kind,
		    down_pump_cb, r);
	if (r->down != NULL) {
		r->sink = SINK_PUMP;
		pump_batch_reads(r->down);
	} else if (stdio_pollable(io.out_kind))
		r->sink = SINK_BEV;
	else
		r->sink = SINK_WRITE;
}

static const char *
src_name(const struct relay *r)
{
	static const char *names[] = { "none", "readv on EV_READ",
		"readv on demand", "line editing", "" };

	return r->src == SRC_PUMP ? pump_kind(r->up) : names[r->src];
}

static const char *
sink_name(const struct relay *r)
{
	static const char *names[] = { "none", "readv into a bufferevent",
		"write", "terminal", "" };

	return r->sink == SINK_PUMP ? pump_kind(r->down) : names[r->sink];
}

static struct bufferevent *
new_bev(evutil_socket_t fd)
{
	struct bufferevent *bev = bufferevent_socket_new(ec.base, fd, 0);

	if (bev == NULL)
		cli_diex("bufferevent_socket_new failed");
	bufferevent_set_max_single_read(bev, EVCAT_IO_MAX);
	bufferevent_set_max_single_write(bev, EVCAT_IO_MAX);
	return bev;
}

/* The socket's bufferevent, for the buffered directions and errors. */
static void
need_bev(struct relay *r)
{
	if (r->bev != NULL)
		return;
	r->bev = r->tls ? ssl_bev_new(r->fd) : new_bev(r->fd);
	bufferevent_setcb(r->bev, sock_read_cb, sock_write_cb, sock_event_cb,
	    r);
	bufferevent_setwatermark(r->bev, EV_WRITE, EVCAT_LOW_WATER, 0);
	if (ec.o.rate > 0)
		evcat_rate_limit(r->bev);
}

/* Reads the socket in user space (every sink but a pump). */
static void
watch_socket(struct relay *r)
{
	need_bev(r);
	if (ec.o.rate > 0 || r->tls) {
		bufferevent_enable(r->bev, EV_READ);
		return;
	}
	r->sock_rd =
	    event_new(ec.base, r->fd, EV_READ | EV_PERSIST, sock_rd_cb, r);
	if (r->sock_rd == NULL || event_add(r->sock_rd, NULL))
		cli_diex("cannot watch the socket");
}

static void
start_src(struct relay *r)
{
	switch (r->src) {
	case SRC_NONE:
		/* Input ended before (rule 1 applies at once) or never was. */
		if (io.no_stdin) {
			r->up_done = 1;
		} else {
			r->kick = event_new(ec.base, -1, 0, kick_cb, r);
			if (r->kick == NULL)
				cli_diex("out of memory");
			event_active(r->kick, 0, 0);
		}
		break;
	case SRC_FD:
		if (io.in_ev == NULL) {
			io.in_fd = stdio_nonblocking(0);
			io.in_ev = event_new(ec.base, io.in_fd,
			    EV_READ | EV_PERSIST, in_cb, NULL);
			if (io.in_ev == NULL)
				cli_diex("out of memory");
		}
		event_add(io.in_ev, NULL);
		break;
	case SRC_READ:
		r->feed = event_new(ec.base, -1, 0, feed_cb, r);
		if (r->feed == NULL)
			cli_diex("out of memory");
		event_active(r->feed, 0, 0);
		break;
	case SRC_LINE:
		interactive_start(r->peer, line_cb, r);
		break;
	case SRC_PUMP:
		pump_start(r->up);
		break;
	}
}

static void
start_sink(struct relay *r)
{
	if (r->sink == SINK_BEV && io.out_bev == NULL) {
		io.out_bev = new_bev(stdio_nonblocking(1));
		bufferevent_setcb(io.out_bev, NULL, out_write_cb, out_event_cb,
		    NULL);
		bufferevent_setwatermark(io.out_bev, EV_WRITE, EVCAT_LOW_WATER,
		    0);
	} else if (r->sink == SINK_PUMP) {
		pump_start(r->down);
	}
}

/*
 * The kernel turned a pump down after all (PUMP_UNSUPPORTED): that
 * direction goes on through user space from where the pump stopped.
 */
static void
up_fallback(struct relay *r, int err)
{
	evcat_verbose("stdin -> %s: %s (%s); copying instead", r->peer,
	    pump_kind(r->up), strerror(err));
	r->sent += pump_bytes(r->up);
	need_bev(r);
	/* Bytes already taken from stdin (stdin a socket) go first. */
	if (pump_take_pending(r->up, r->scratch) != 0)
		cli_diex("cannot take the data back from the pipe");
	pump_free(r->up);
	r->up = NULL;
	choose_src(r, 0);
	start_src(r);
	if (evbuffer_get_length(r->scratch) > 0)
		send_up(r, r->scratch);
}

static void
down_fallback(struct relay *r, int err)
{
	evcat_verbose("%s -> stdout: %s (%s); copying instead", r->peer,
	    pump_kind(r->down), strerror(err));
	r->received += pump_bytes(r->down);
	/* Bytes already taken from the socket come first. */
	if (pump_take_pending(r->down, r->scratch) != 0)
		cli_diex("cannot take the data back from the pipe");
	pump_free(r->down);
	r->down = NULL;
	choose_sink(r, 0);
	start_sink(r);
	watch_socket(r);
	if (evbuffer_get_length(r->scratch) > 0)
		deliver_down(r, r->scratch);
}

struct relay *
relay_new(evutil_socket_t fd, const char *peer, relay_done_cb done, void *arg)
{
	struct relay *r = cli_xcalloc(1, sizeof(*r));
	int zero_copy =
	    ec.o.splice && !trace_active() && ec.o.rate == 0 && !ec.o.ssl;
	struct timeval tv;

	io_init();
	r->fd = fd;
	r->tls = ec.o.ssl;
	snprintf(r->peer, sizeof(r->peer), "%s", peer);
	r->done = done;
	r->arg = arg;
	io.owner = r;
	/* -C rewrites what stdin says: no pump for it. */
	choose_src(r, zero_copy && !ec.o.crlf);
	choose_sink(r, zero_copy);
	if (cli_verbosity() >= 2) {
		evcat_verbose("stdin (%s) -> %s: %s",
		    io.no_stdin ? "none" : stdio_kind_name(io.in_kind), peer,
		    src_name(r));
		evcat_verbose("%s -> stdout (%s): %s", peer,
		    stdio_kind_name(io.out_kind), sink_name(r));
	}

	r->scratch = evbuffer_new();
	if (r->scratch == NULL)
		cli_diex("out of memory");
	if ((r->src != SRC_NONE && r->src != SRC_PUMP) || r->tls)
		need_bev(r);
	if (r->sink != SINK_PUMP)
		watch_socket(r);
	start_src(r);
	start_sink(r);

	if (ec.o.wait_ms > 0 && !r->ended) {
		/* Rule 6. */
		r->idle_timer = event_new(ec.base, -1, EV_PERSIST, idle_cb, r);
		tv =
		    evcat_ms_tv((ec.o.wait_ms + IDLE_CHECKS - 1) / IDLE_CHECKS);
		if (r->idle_timer == NULL || event_add(r->idle_timer, &tv))
			cli_diex("cannot arm the -w timer");
	}
	return r;
}

void
relay_free(struct relay *r)
{
	if (io.owner == r) {
		io.owner = NULL;
		if (io.in_ev != NULL)
			event_del(io.in_ev);
		if (io.out_bev != NULL)
			bufferevent_setwatermark(io.out_bev, EV_WRITE,
			    EVCAT_LOW_WATER, 0);
	}
	if (r->bev != NULL)
		bufferevent_free(r->bev);
	if (r->sock_rd != NULL)
		event_free(r->sock_rd);
	pump_free(r->up);
	pump_free(r->down);
	if (r->scratch != NULL)
		evbuffer_free(r->scratch);
	if (r->feed != NULL)
		event_free(r->feed);
	if (r->kick != NULL)
		event_free(r->kick);
	if (r->quit_timer != NULL)
		event_free(r->quit_timer);
	if (r->idle_timer != NULL)
		event_free(r->idle_timer);
	/* A TLS bufferevent closed the socket it owned. */
	if (!r->tls)
		close(r->fd);
	free(r);
}

/*
 * At exit: whatever is still queued for stdout is written out, waiting at
 * most a second for a slow reader.
 */
void
relay_flush_stdout(void)
{
	struct evbuffer *out;
	struct pollfd pfd;

	if (io.out_bev == NULL || stdio_kind(1) == STDIO_CLOSED)
		return;
	out = bufferevent_get_output(io.out_bev);
	pfd.fd = bufferevent_getfd(io.out_bev);
	pfd.events = POLLOUT;
	while (evbuffer_get_length(out) > 0) {
		if (evbuffer_write(out, pfd.fd) >= 0)
			continue;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN || poll(&pfd, 1, 1000) <= 0)
			break;
	}
}
