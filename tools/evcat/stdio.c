/*
 * stdio.c: what standard input and output are, and nonblocking access to
 * them that leaves the shell's terminal and pipes as they were.
 *
 * O_NONBLOCK belongs to the open file, which a terminal shares with the
 * shell and a pipe with the processes around us: setting it on fd 0 and
 * exiting without clearing it breaks the shell's next read.  Pipes and
 * terminals can be opened again through /proc/self/fd, which gives evcat
 * an open file of its own to make nonblocking.  Only where that fails
 * (sockets, or a FIFO write end whose reader is gone) is the flag set on
 * the shared file, and cleared again by stdio_restore() at exit.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cli.h"
#include "evcat.h"

struct stdio_state {
	int nbfd;        /* nonblocking descriptor, or -1 */
	int saved_flags; /* flags of fd before we set O_NONBLOCK, or -1 */
};

static struct stdio_state state[2] = { { -1, -1 }, { -1, -1 } };
static int stdout_closed;

enum stdio_kind
stdio_kind(int fd)
{
	struct stat st;

	if (fd == 1 && stdout_closed)
		return STDIO_CLOSED;
	if (fstat(fd, &st) != 0)
		return STDIO_CLOSED;
	if (S_ISFIFO(st.st_mode))
		return STDIO_PIPE;
	if (S_ISSOCK(st.st_mode))
		return STDIO_SOCKET;
	if (S_ISREG(st.st_mode))
		return STDIO_FILE;
	if (S_ISCHR(st.st_mode)) {
		if (isatty(fd))
			return STDIO_TTY;
		if (major(st.st_rdev) == 1 && minor(st.st_rdev) == 3)
			return STDIO_NULL;
	}
	return STDIO_OTHER;
}

const char *
stdio_kind_name(enum stdio_kind kind)
{
	static const char *names[] = { "pipe", "terminal", "socket", "file",
		"/dev/null", "device", "closed" };

	return names[kind];
}

int
stdio_pollable(enum stdio_kind kind)
{
	return kind == STDIO_PIPE || kind == STDIO_TTY || kind == STDIO_SOCKET;
}

int
stdio_nonblocking(int fd)
{
	struct stdio_state *st = &state[fd == 0 ? 0 : 1];
	enum stdio_kind kind = stdio_kind(fd);
	char path[32];
	int flags;

	if (st->nbfd >= 0)
		return st->nbfd;
	if (kind == STDIO_PIPE || kind == STDIO_TTY) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		st->nbfd = open(path,
		    (fd == 0 ? O_RDONLY : O_WRONLY) | O_NONBLOCK | O_CLOEXEC |
		        O_NOCTTY);
		if (st->nbfd >= 0)
			return st->nbfd;
	}
	flags = fcntl(fd, F_GETFL);
	if (flags < 0)
		cli_die("fcntl on fd %d", fd);
	if (!(flags & O_NONBLOCK)) {
		if (fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0)
			cli_die("fcntl on fd %d", fd);
		st->saved_flags = flags;
	}
	st->nbfd = fd;
	return fd;
}

void
stdio_close_stdout(void)
{
	struct stdio_state *st = &state[1];
	int null;

	if (stdout_closed)
		return;
	if (st->saved_flags >= 0) {
		fcntl(1, F_SETFL, st->saved_flags);
		st->saved_flags = -1;
	}
	if (st->nbfd >= 0 && st->nbfd != 1)
		close(st->nbfd);
	st->nbfd = -1;
	/* Keep fd 1 taken, so that no later open() lands on it. */
	null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (null >= 0) {
		dup2(null, 1);
		close(null);
	} else {
		close(1);
	}
	stdout_closed = 1;
}

void
stdio_restore(void)
{
	int i;

	for (i = 0; i < 2; i++) {
		if (state[i].saved_flags >= 0) {
			fcntl(i, F_SETFL, state[i].saved_flags);
			state[i].saved_flags = -1;
		}
	}
}
