/*
 * hexdump.c: -x, the traffic as hex on stderr (or the --hex-dump file).
 *
 *   > 00000000  68 65 6c 6c 6f 0a                                |hello.|
 *
 * '>' is data sent to the peer, '<' data received; each direction counts
 * its own offsets.  A line is written with one call, so that the two
 * directions never interleave inside a line.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>

#include "evcat.h"

static unsigned long long offset_sent, offset_received;
static FILE *dump_fp;   /* NULL: stderr */
static int dump_failed; /* the --hex-dump file could not be written */

void
hexdump_set_file(FILE *fp)
{
	dump_fp = fp;
}

static void
dump_line(char dir, unsigned long long off, const unsigned char *p, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	char line[96];
	size_t i, len;

	len = (size_t)snprintf(line, sizeof(line), "%c %08llx  ", dir, off);
	for (i = 0; i < 16; i++) {
		if (i < n) {
			line[len++] = hex[p[i] >> 4];
			line[len++] = hex[p[i] & 15];
		} else {
			line[len++] = ' ';
			line[len++] = ' ';
		}
		line[len++] = ' ';
		if (i == 7)
			line[len++] = ' ';
	}
	line[len++] = '|';
	for (i = 0; i < n; i++)
		line[len++] = p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '.';
	line[len++] = '|';
	line[len++] = '\n';
	if (dump_fp == NULL) {
		fwrite(line, 1, len, stderr);
		return;
	}
	/* Line buffered: an error shows on this very line.  Said once. */
	if (fwrite(line, 1, len, dump_fp) != len || fflush(dump_fp) != 0) {
		if (errno == 0)
			errno = EIO;
		trace_write_failed("--hex-dump", ec.o.hexdump_file);
		fclose(dump_fp);
		dump_fp = NULL;
		dump_failed = 1;
	}
}

void
hexdump_bytes(char dir, const void *data, size_t len)
{
	unsigned long long *off = dir == '>' ? &offset_sent : &offset_received;
	const unsigned char *p = data;
	size_t n;

	while (len > 0 && !dump_failed) {
		n = len < 16 ? len : 16;
		dump_line(dir, *off, p, n);
		*off += n;
		p += n;
		len -= n;
	}
}

void
hexdump_evbuffer(char dir, struct evbuffer *buf)
{
	size_t len = evbuffer_get_length(buf);
	unsigned char *p;

	if (len == 0)
		return;
	/* Lines of 16 must not break at chain boundaries: linearize. */
	p = evbuffer_pullup(buf, (ev_ssize_t)len);
	if (p != NULL)
		hexdump_bytes(dir, p, len);
}
