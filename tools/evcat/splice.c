/*
 * splice.c: zero-copy pumps between the socket and standard input/output.
 *
 * On the buffered path every byte is copied twice: from the kernel into an
 * evbuffer and back.  Linux can move it without the round trip when one
 * end is a pipe (splice(2)), or from a regular file into a socket
 * (sendfile(2)).  A pump is one direction of a relay:
 *
 *   direct   socket -> stdout pipe: one splice() per chunk.  On EAGAIN
 *            either side may be the one that is not ready; FIONREAD on
 *            the source tells which, so the pump waits on exactly one
 *            descriptor and never spins.
 *   via      socket -> file, /dev/null or socket: splice() into a private
 *            pipe, then out of it.  The pipe is filled only when empty, so
 *            EAGAIN on the first step is the source's, on the second the
 *            destination's.
 *   sendfile regular file -> socket.
 *
 * Each wakeup moves at most PUMP_ROUNDS chunks, then yields to the loop so
 * that the other direction and the timers get their turn.
 *
 * A pipe into a socket is copied, not spliced (pump_new says no).  What
 * a writer write(2)s into a pipe lies in 4 KiB pages; spliced, every page
 * becomes a fragment of its own in the socket buffers, is freed only when
 * the peer has it, and splice() holds the pipe's lock during the whole
 * send, so the writer upstream (and evcat, in turn) spin on it: perf shows
 * a fifth of the sender's time in mutex_spin_on_owner.  Moving the pages
 * to a private pipe first avoids the lock but not the rest.  Measured over
 * loopback with `head -c 1G /dev/zero | evcat` (CPU of head and both evcat
 * ends, medians of 9 runs side by side): 0.95 s copying, 1.17 splicing
 * directly, 1.32 through a private pipe; throughput followed.
 *
 * The receiving side is where zero copy pays, and there the cost is
 * wakeups: one per 64-100 KiB that the sender's softirq hands over, each a
 * context switch (and, on a virtual machine, an inter-processor
 * interrupt).  pump_batch_reads() has the kernel report a TCP source
 * readable only once PUMP_LOWAT bytes wait (SO_RCVLOWAT) while it streams
 * in bulk: 3 times fewer wakeups and about 40% less CPU on the receiving
 * end.  Since the kernel then stays silent about a smaller remainder, the
 * read event carries a PUMP_STALL_US timeout that drops the mark again.
 *
 * Not every pair the kinds allow works: splice(2) refuses an O_APPEND
 * target with EINVAL (checked up front, but the flag can be set later on
 * a shared file), and some file systems cannot splice at all.  On such an
 * error the pump ends with PUMP_UNSUPPORTED and the relay goes on with the
 * copying path, taking over whatever sits in the private pipe.
 *
 * bench/evcat-throughput compares evcat with nc, ncat and socat.  On a
 * shared 2-core virtual machine (`EVCAT_OLD=... bench/evcat-throughput 3`,
 * 2 GiB from `head` over loopback into /dev/null, medians of 3), three
 * runs: evcat 1,556, 1,800 and 1,334 MB/s for 0.96, 0.96 and 1.05 CPU
 * seconds (both ends); evcat before these changes 1,311, 1,307 and 1,245
 * MB/s for 1.26, 1.30 and 1.18 s; `socat -b 131072` 1,092, 1,198 and
 * 1,172 MB/s for 1.33, 1.42 and 1.60 s; nc 834, 827 and 1,062 MB/s for
 * 2.07, 2.42 and 2.11 s.  The CPU figures hold from run to run; the MB/s
 * depend on where the scheduler puts head and the sender (on one core
 * they take turns), and vary as much within a run.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/sendfile.h>
#endif

#include <event2/buffer.h>
#include <event2/event.h>

#include "cli.h"
#include "evcat.h"

#if defined(__linux__) && defined(SPLICE_F_NONBLOCK)
#define HAVE_SPLICE_PUMPS 1
#endif

/* Pipe size asked for (the default is 64 KiB); 1 MiB is the usual cap. */
#define PUMP_PIPE_SIZE (1024 * 1024)
/* Chunks moved per wakeup before yielding to the loop. */
#define PUMP_ROUNDS 16
/*
 * Batched wakeups (pump_batch_reads): while a TCP source streams in bulk,
 * SO_RCVLOWAT asks the kernel to report it readable only once
 * PUMP_LOWAT bytes wait.  A wakeup that moved PUMP_BULK bytes or more
 * means bulk; one that moved less turns it off again.  Data under the
 * mark when the stream pauses waits at most PUMP_STALL_US (a timeout on
 * the read event), then goes out.
 */
#define PUMP_LOWAT (256 * 1024)
#define PUMP_BULK (64 * 1024)
#define PUMP_STALL_US 2000

enum pump_mode { PUMP_DIRECT, PUMP_VIA, PUMP_SENDFILE };
enum pump_wait { WAIT_NONE, WAIT_SRC, WAIT_DST };

struct pump {
	int src, dst;
	enum pump_mode mode;
	int pipefd[2];  /* PUMP_VIA: the private pipe */
	size_t in_pipe; /* bytes in it */
	size_t chunk;
	struct event *rd;    /* EV_READ on src (NULL: always readable) */
	struct event *wr;    /* EV_WRITE on dst (NULL: always writable) */
	struct event *again; /* to continue after yielding */
	enum pump_wait waiting;
	int src_is_socket;
	int batch;      /* pump_batch_reads() was called and src is TCP */
	int lowat;      /* SO_RCVLOWAT is PUMP_LOWAT on src now */
	int lowat_told; /* -vv said so once */
	int error_on_dst;
	unsigned long long bytes;
	pump_cb cb;
	void *arg;
};

#ifdef HAVE_SPLICE_PUMPS
static void pump_run(struct pump *p);

static void set_lowat(struct pump *p, int on);

static void
pump_event_cb(evutil_socket_t fd, short what, void *arg)
{
	struct pump *p = arg;

	/* A bulk stream paused with less than PUMP_LOWAT bytes waiting. */
	if (what & EV_TIMEOUT)
		set_lowat(p, 0);
	pump_run(p);
}

/* Grows a pipe we splice through; a failure only costs speed. */
void
grow_pipe(int fd)
{
	int size = fcntl(fd, F_GETPIPE_SZ);

	if (size >= 0 && size < PUMP_PIPE_SIZE)
		fcntl(fd, F_SETPIPE_SZ, PUMP_PIPE_SIZE);
}

static void
wait_for(struct pump *p, enum pump_wait w)
{
	struct timeval stall = { 0, PUMP_STALL_US };

	if (p->waiting == w)
		return;
	if (p->waiting == WAIT_SRC && p->rd != NULL)
		event_del(p->rd);
	else if (p->waiting == WAIT_DST && p->wr != NULL)
		event_del(p->wr);
	p->waiting = w;
	if (w == WAIT_SRC && p->rd != NULL)
		event_add(p->rd, p->lowat ? &stall : NULL);
	else if (w == WAIT_DST && p->wr != NULL)
		event_add(p->wr, NULL);
	else if (w != WAIT_NONE)
		event_active(p->again, 0, 0); /* never blocks: go on */
}

/*
 * Turns SO_RCVLOWAT on or off.  A read event already waiting is added
 * again, with or without the stall timeout that goes with the mark.
 */
static void
set_lowat(struct pump *p, int on)
{
	int mark = on ? PUMP_LOWAT : 1;

	if (p->lowat == on)
		return;
	if (setsockopt(p->src, SOL_SOCKET, SO_RCVLOWAT, &mark, sizeof(mark)) !=
	    0) {
		p->batch = 0; /* a failure only costs wakeups */
		if (on)
			return;
	}
	p->lowat = on;
	if (on && !p->lowat_told && cli_verbosity() >= 2) {
		p->lowat_told = 1;
		evcat_verbose("socket reads batched: SO_RCVLOWAT %d KiB",
		    PUMP_LOWAT / 1024);
	}
	if (p->waiting == WAIT_SRC) {
		p->waiting = WAIT_NONE;
		wait_for(p, WAIT_SRC);
	}
}

/* src has nothing to read: wait for it, batched when it streams. */
static void
wait_src(struct pump *p, unsigned long long moved)
{
	if (p->batch)
		set_lowat(p, moved >= PUMP_BULK);
	wait_for(p, WAIT_SRC);
}

static void
finish(struct pump *p, enum pump_result res, int err, int on_dst)
{
	pump_stop(p);
	p->error_on_dst = on_dst;
	p->cb(p, res, err, p->arg);
}

/* Which side an error from a transfer belongs to. */
static int
error_is_dst(const struct pump *p, int err)
{
	if (err == EPIPE)
		return 1;
	/* A reset comes from the network side. */
	if (err == ECONNRESET || err == ETIMEDOUT || err == EHOSTUNREACH)
		return p->src_is_socket ? 0 : 1;
	return 0;
}

/* Errors that mean "not with splice or sendfile", not "broken". */
static int
unsupported(int err)
{
	return err == EINVAL || err == ENOSYS || err == EOPNOTSUPP;
}

/* A transfer failed with errno; on_dst: the destination's error. */
static void
failed(struct pump *p, int on_dst)
{
	finish(p, unsupported(errno) ? PUMP_UNSUPPORTED : PUMP_ERROR, errno,
	    on_dst);
}

static void
pump_run(struct pump *p)
{
	unsigned long long start = p->bytes;
	ssize_t n;
	int round, avail;

	for (round = 0; round < PUMP_ROUNDS; round++) {
		switch (p->mode) {
		case PUMP_DIRECT:
			n = splice(p->src, NULL, p->dst, NULL, p->chunk,
			    SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
			if (n > 0) {
				p->bytes += (size_t)n;
				continue;
			}
			if (n == 0) {
				finish(p, PUMP_EOF, 0, 0);
				return;
			}
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				avail = 0;
				ioctl(p->src, FIONREAD, &avail);
				if (avail > 0)
					wait_for(p, WAIT_DST);
				else
					wait_src(p, p->bytes - start);
				return;
			}
			failed(p, error_is_dst(p, errno));
			return;
		case PUMP_SENDFILE:
			n = sendfile(p->dst, p->src, NULL, p->chunk);
			if (n > 0) {
				p->bytes += (size_t)n;
				continue;
			}
			if (n == 0) {
				finish(p, PUMP_EOF, 0, 0);
				return;
			}
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				wait_for(p, WAIT_DST);
				return;
			}
			failed(p, errno == EPIPE || errno == ECONNRESET);
			return;
		case PUMP_VIA:
			if (p->in_pipe == 0) {
				n = splice(p->src, NULL, p->pipefd[1], NULL,
				    p->chunk,
				    SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
				if (n == 0) {
					finish(p, PUMP_EOF, 0, 0);
					return;
				}
				if (n < 0) {
					if (errno == EINTR)
						continue;
					if (errno == EAGAIN) {
						wait_src(p, p->bytes - start);
						return;
					}
					failed(p, 0);
					return;
				}
				p->in_pipe = (size_t)n;
			}
			n = splice(p->pipefd[0], NULL, p->dst, NULL, p->in_pipe,
			    SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
			if (n > 0) {
				p->in_pipe -= (size_t)n;
				p->bytes += (size_t)n;
				continue;
			}
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0 && errno == EAGAIN) {
				wait_for(p, WAIT_DST);
				return;
			}
			if (n == 0)
				errno = EIO;
			failed(p, 1);
			return;
		}
	}
	/* Budget used up: let the rest of the loop run, then go on. */
	event_active(p->again, 0, 0);
}
#endif /* HAVE_SPLICE_PUMPS */

struct pump *
pump_new(int src, enum stdio_kind src_kind, int dst, enum stdio_kind dst_kind,
    pump_cb cb, void *arg)
{
#ifdef HAVE_SPLICE_PUMPS
	struct pump *p;
	enum pump_mode mode;

	int flags;

	/* splice(2) and sendfile(2) refuse to append (EINVAL). */
	flags = dst_kind == STDIO_PIPE ? 0 : fcntl(dst, F_GETFL);
	if (flags < 0 || (flags & O_APPEND))
		return NULL;
	if (src_kind == STDIO_PIPE && dst_kind == STDIO_SOCKET) {
		/* Copying is cheaper here: see the top of this file. */
		return NULL;
	} else if (src_kind == STDIO_PIPE || dst_kind == STDIO_PIPE) {
		if (!stdio_pollable(src_kind) || !stdio_pollable(dst_kind))
			return NULL;
		mode = PUMP_DIRECT;
	} else if (src_kind == STDIO_FILE && dst_kind == STDIO_SOCKET) {
		mode = PUMP_SENDFILE;
	} else if (src_kind == STDIO_SOCKET &&
	    (dst_kind == STDIO_FILE || dst_kind == STDIO_NULL ||
	        dst_kind == STDIO_SOCKET)) {
		mode = PUMP_VIA;
	} else {
		return NULL;
	}

	p = cli_xcalloc(1, sizeof(*p));
	p->src = src;
	p->dst = dst;
	p->mode = mode;
	p->src_is_socket = src_kind == STDIO_SOCKET;
	p->pipefd[0] = p->pipefd[1] = -1;
	p->chunk = PUMP_PIPE_SIZE;
	p->cb = cb;
	p->arg = arg;
	if (mode == PUMP_VIA) {
		if (pipe2(p->pipefd, O_CLOEXEC | O_NONBLOCK) != 0) {
			free(p);
			return NULL;
		}
		grow_pipe(p->pipefd[1]);
		p->chunk = (size_t)fcntl(p->pipefd[1], F_GETPIPE_SZ);
	} else if (mode == PUMP_DIRECT) {
		grow_pipe(src_kind == STDIO_PIPE ? src : dst);
	}
	if (stdio_pollable(src_kind))
		p->rd = event_new(ec.base, src, EV_READ | EV_PERSIST,
		    pump_event_cb, p);
	if (stdio_pollable(dst_kind))
		p->wr = event_new(ec.base, dst, EV_WRITE | EV_PERSIST,
		    pump_event_cb, p);
	p->again = event_new(ec.base, -1, 0, pump_event_cb, p);
	if (p->again == NULL || (stdio_pollable(src_kind) && p->rd == NULL) ||
	    (stdio_pollable(dst_kind) && p->wr == NULL))
		cli_diex("event_new failed");
	return p;
#else
	(void)src;
	(void)src_kind;
	(void)dst;
	(void)dst_kind;
	(void)cb;
	(void)arg;
	return NULL;
#endif
}

void
pump_start(struct pump *p)
{
#ifdef HAVE_SPLICE_PUMPS
	/* Try at once: the source may have data already. */
	p->waiting = WAIT_NONE;
	event_active(p->again, 0, 0);
#endif
}

void
pump_batch_reads(struct pump *p)
{
#ifdef HAVE_SPLICE_PUMPS
	int proto = 0;
	socklen_t len = sizeof(proto);

	/* Unix-domain sockets take SO_RCVLOWAT but do not poll by it. */
	if (p->src_is_socket &&
	    getsockopt(p->src, SOL_SOCKET, SO_PROTOCOL, &proto, &len) == 0 &&
	    proto == IPPROTO_TCP)
		p->batch = 1;
#else
	(void)p;
#endif
}

void
pump_stop(struct pump *p)
{
	if (p->rd != NULL)
		event_del(p->rd);
	if (p->wr != NULL)
		event_del(p->wr);
	event_del(p->again);
	p->waiting = WAIT_NONE;
#ifdef HAVE_SPLICE_PUMPS
	/* Whoever reads src next (the copying path) expects every byte. */
	set_lowat(p, 0);
#endif
}

void
pump_free(struct pump *p)
{
	if (p == NULL)
		return;
	pump_stop(p);
	if (p->rd != NULL)
		event_free(p->rd);
	if (p->wr != NULL)
		event_free(p->wr);
	event_free(p->again);
	if (p->pipefd[0] >= 0) {
		close(p->pipefd[0]);
		close(p->pipefd[1]);
	}
	free(p);
}

int
pump_take_pending(struct pump *p, struct evbuffer *buf)
{
	char tmp[16384];
	ssize_t n;

	while (p->in_pipe > 0) {
		n = read(p->pipefd[0], tmp,
		    p->in_pipe < sizeof(tmp) ? p->in_pipe : sizeof(tmp));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		if (evbuffer_add(buf, tmp, (size_t)n) != 0)
			return -1;
		p->in_pipe -= (size_t)n;
	}
	return 0;
}

int
pump_error_on_dst(const struct pump *p)
{
	return p->error_on_dst;
}

unsigned long long
pump_bytes(const struct pump *p)
{
	return p->bytes;
}

const char *
pump_kind(const struct pump *p)
{
	switch (p->mode) {
	case PUMP_DIRECT:
		return "splice";
	case PUMP_VIA:
		return "splice through a pipe";
	default:
		return "sendfile";
	}
}
