/*
 * transcript.c: where the data is recorded besides being relayed.
 *
 *   -o FILE          every byte sent and received, raw, in the order evcat
 *                    handled them (as ncat's -o): a session log to replay
 *                    or grep.  Use --hex-dump to tell the directions apart.
 *   -x               the hex dump (hexdump.c) on stderr,
 *   --hex-dump FILE  or in FILE.
 *
 * Both need the bytes in user space, so they turn the zero-copy pumps off
 * (trace_active()).  A write error on a transcript is reported once and
 * the transcript dropped; the connection goes on, and evcat exits 1 at
 * the end: the record asked for is incomplete.
 *
 * -C (crlf_expand) is here too: it is the other thing done to the bytes of
 * standard input on their way out.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/buffer.h>

#include "cli.h"
#include "evcat.h"

static int output_fd = -1; /* -o */

/* Whether the regular file at path is the one open on fd. */
static int
same_file(int fd, const char *path)
{
	struct stat a, b;

	return fstat(fd, &a) == 0 && S_ISREG(a.st_mode) &&
	    stat(path, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/*
 * A file for writing, created or truncated; exits 1 when it cannot be.
 * A file evcat already uses is refused before it is truncated: standard
 * input (evcat -o f <f would read an empty file and record nothing),
 * standard output (the data and the record would overwrite each other)
 * and, for --hex-dump, the -o file.
 */
static int
open_out(const char *opt, const char *path)
{
	int fd;

	if (same_file(0, path))
		cli_diex("%s %s: is standard input", opt, path);
	if (same_file(1, path))
		cli_diex("%s %s: is standard output", opt, path);
	if (output_fd >= 0 && same_file(output_fd, path))
		cli_diex("%s %s: is the -o file", opt, path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		cli_die("%s %s", opt, path);
	return fd;
}

void
trace_write_failed(const char *opt, const char *path)
{
	cli_warn("%s %s", opt, path);
	if (ec.status < CLI_EXIT_FAILURE)
		ec.status = CLI_EXIT_FAILURE;
}

void
trace_open(void)
{
	FILE *fp;
	int fd;

	if (ec.o.output_file != NULL)
		output_fd = open_out("-o", ec.o.output_file);
	if (ec.o.hexdump_file != NULL) {
		fd = open_out("--hex-dump", ec.o.hexdump_file);
		fp = fdopen(fd, "w");
		if (fp == NULL)
			cli_die("--hex-dump %s", ec.o.hexdump_file);
		/* Line by line: tail -f shows it as it happens. */
		setvbuf(fp, NULL, _IOLBF, 0);
		hexdump_set_file(fp);
	}
}

int
trace_active(void)
{
	return ec.o.hexdump || ec.o.output_file != NULL;
}

static void
output_bytes(const void *data, size_t len)
{
	const char *p = data;
	ssize_t n;

	while (output_fd >= 0 && len > 0) {
		n = write(output_fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = ENOSPC;
			trace_write_failed("-o", ec.o.output_file);
			close(output_fd);
			output_fd = -1;
			return;
		}
		p += n;
		len -= (size_t)n;
	}
}

void
trace_bytes(char dir, const void *data, size_t len)
{
	if (ec.o.hexdump)
		hexdump_bytes(dir, data, len);
	output_bytes(data, len);
}

void
trace_evbuffer(char dir, struct evbuffer *buf)
{
	struct evbuffer_iovec v[16];
	int i, n;

	if (ec.o.hexdump)
		hexdump_evbuffer(dir, buf);
	if (output_fd < 0)
		return;
	n = evbuffer_peek(buf, -1, NULL, v, 16);
	if (n > 16) {
		/* More chains than that: one piece. */
		v[0].iov_base = evbuffer_pullup(buf, -1);
		v[0].iov_len = evbuffer_get_length(buf);
		n = 1;
	}
	for (i = 0; i < n; i++)
		output_bytes(v[i].iov_base, v[i].iov_len);
}

/*
 * -C: each "\n" of standard input goes out as "\r\n"; one that is there
 * already (a "\r\n" typed or piped in) is left alone, across reads too.
 */
void
crlf_expand(struct evbuffer *buf)
{
	static int last_cr; /* the last byte of the previous piece was \r */
	size_t len = evbuffer_get_length(buf), start = 0, i;
	struct evbuffer *tmp;
	unsigned char *p;
	int prev_cr = last_cr;

	if (len == 0)
		return;
	p = evbuffer_pullup(buf, -1);
	if (p == NULL)
		cli_diex("out of memory");
	last_cr = p[len - 1] == '\r';
	tmp = evbuffer_new();
	if (tmp == NULL)
		cli_diex("out of memory");
	for (i = 0; i < len; i++) {
		if (p[i] != '\n' || (i > 0 ? p[i - 1] == '\r' : prev_cr))
			continue;
		if (evbuffer_add(tmp, p + start, i - start) != 0 ||
		    evbuffer_add(tmp, "\r\n", 2) != 0)
			cli_diex("out of memory");
		start = i + 1;
	}
	if (start > 0) {
		if (evbuffer_add(tmp, p + start, len - start) != 0)
			cli_diex("out of memory");
		if (evbuffer_drain(buf, len) != 0 ||
		    evbuffer_add_buffer(buf, tmp) != 0)
			cli_diex(
			    "-C: cannot rewrite the data (a frozen buffer)");
	}
	evbuffer_free(tmp);
}
