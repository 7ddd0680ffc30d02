/*
 * splice.c: zero-copy pumps between the socket and standard input/output.
 *
 * On the buffered path every byte is copied twice: from the kernel into an
 * evbuffer and back.  Linux can move it without the round trip when one
 * end is a pipe (splice(2)), or from a regular file into a socket
 * (sendfile(2)).  A pump is one direction of a relay:
 *
 *   direct   socket -> stdout pipe, stdin pipe -> socket: one splice() per
 *            chunk.  On EAGAIN either side may be the one that is not
 *            ready; FIONREAD on the source tells which, so the pump waits
 *            on exactly one descriptor and never spins.
 *   via      socket -> file, /dev/null or socket: splice() into a private
 *            pipe, then out of it.  The pipe is filled only when empty, so
 *            EAGAIN on the first step is the source's, on the second the
 *            destination's.
 *   sendfile regular file -> socket.
 *
 * Each wakeup moves at most PUMP_ROUNDS chunks, then yields to the loop so
 * that the other direction and the timers get their turn.
 *
 * Not every pair the kinds allow works: splice(2) refuses an O_APPEND
 * target with EINVAL (checked up front, but the flag can be set later on
 * a shared file), and some file systems cannot splice at all.  On such an
 * error the pump ends with PUMP_UNSUPPORTED and the relay goes on with the
 * copying path, taking over whatever sits in the private pipe.
 *
 * Measured with bench/evcat-throughput (2 GiB of zeros from a pipe, over
 * 127.0.0.1, to /dev/null; medians of 5 runs on a shared 2-core machine,
 * two sessions): both ends together used 1.85-2.07 CPU seconds with the
 * pumps and 2.48-3.46 with --no-splice, and moved 538-661 MB/s against
 * 350-557.  Growing the pipes to 1 MiB cuts the number of splice calls;
 * neither that nor SPLICE_F_MORE changed the throughput above the noise.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
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
	int error_on_dst;
	unsigned long long bytes;
	pump_cb cb;
	void *arg;
};

#ifdef HAVE_SPLICE_PUMPS
static void pump_run(struct pump *p);

static void
pump_event_cb(evutil_socket_t fd, short what, void *arg)
{
	pump_run(arg);
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
	if (p->waiting == w)
		return;
	if (p->waiting == WAIT_SRC && p->rd != NULL)
		event_del(p->rd);
	else if (p->waiting == WAIT_DST && p->wr != NULL)
		event_del(p->wr);
	p->waiting = w;
	if (w == WAIT_SRC && p->rd != NULL)
		event_add(p->rd, NULL);
	else if (w == WAIT_DST && p->wr != NULL)
		event_add(p->wr, NULL);
	else if (w != WAIT_NONE)
		event_active(p->again, 0, 0); /* never blocks: go on */
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
				wait_for(p, avail > 0 ? WAIT_DST : WAIT_SRC);
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
						wait_for(p, WAIT_SRC);
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
	if (src_kind == STDIO_PIPE || dst_kind == STDIO_PIPE) {
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
pump_stop(struct pump *p)
{
	if (p->rd != NULL)
		event_del(p->rd);
	if (p->wr != NULL)
		event_del(p->wr);
	event_del(p->again);
	p->waiting = WAIT_NONE;
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
