/* fuzz-sources: */
/*
 * fuzz_evbuffer: sequences of evbuffer operations on two buffers, each
 * checked against a model that is a plain byte array.  The input is read
 * as a program: one byte picks the operation, the following bytes give
 * its sizes and data.  Any difference from the model aborts.  File
 * segments go in as sendfile chains (the buffer drains to an fd), which
 * every reader must still read.
 */
#define _GNU_SOURCE /* memfd_create */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <unistd.h>

#include <event2/buffer.h>

#include "fuzz-check.h"

struct model {
	unsigned char *b;
	size_t len;
};

struct input {
	const uint8_t *p;
	size_t left;
};

static unsigned
next_byte(struct input *in)
{
	if (in->left == 0)
		return 0;
	in->left--;
	return *in->p++;
}

/* A size up to about 4 KiB, mostly small. */
static size_t
next_size(struct input *in)
{
	unsigned a = next_byte(in);

	if (a < 200)
		return a;
	return ((size_t)(a - 200) << 8 | next_byte(in)) % 4097;
}

/* Up to n bytes of input as data; returns how many. */
static size_t
next_data(struct input *in, size_t n, const uint8_t **data)
{
	if (n > in->left)
		n = in->left;
	*data = in->p;
	in->p += n;
	in->left -= n;
	return n;
}

static void
model_insert(struct model *m, size_t at, const void *data, size_t n)
{
	unsigned char *nb = realloc(m->b, m->len + n + 1);

	CHECK(nb != NULL);
	m->b = nb;
	memmove(m->b + at + n, m->b + at, m->len - at);
	if (n)
		memcpy(m->b + at, data, n);
	m->len += n;
}

static void
model_drain(struct model *m, size_t n)
{
	if (n > m->len)
		n = m->len;
	if (n == 0)
		return;
	memmove(m->b, m->b + n, m->len - n);
	m->len -= n;
}

/* Whole contents equal, read without changing the buffer. */
static void
check_same(struct evbuffer *buf, const struct model *m)
{
	unsigned char *tmp;

	CHECK(evbuffer_get_length(buf) == m->len);
	tmp = malloc(m->len + 1);
	CHECK(tmp != NULL);
	CHECK(evbuffer_copyout(buf, tmp, m->len) == (ev_ssize_t)m->len);
	CHECK(m->len == 0 || memcmp(tmp, m->b, m->len) == 0);
	free(tmp);
}

static ssize_t
model_find(const struct model *m, size_t from, size_t end, const void *what,
    size_t n)
{
	size_t i;

	for (i = from; i + n <= end && i + n <= m->len; i++)
		if (memcmp(m->b + i, what, n) == 0)
			return (ssize_t)i;
	return -1;
}

/*
 * Where the model's first line ends for an EOL style: *line_len bytes of
 * line, then *eol_len bytes of end of line; 0 when there is none.
 */
static int
model_eol(const struct model *m, enum evbuffer_eol_style style,
    size_t *line_len, size_t *eol_len)
{
	size_t i;

	for (i = 0; i < m->len; i++) {
		unsigned char c = m->b[i];
		switch (style) {
		case EVBUFFER_EOL_ANY:
			if (c == '\r' || c == '\n') {
				size_t j = i;
				while (j < m->len &&
				    (m->b[j] == '\r' || m->b[j] == '\n'))
					j++;
				*line_len = i;
				*eol_len = j - i;
				return 1;
			}
			break;
		case EVBUFFER_EOL_CRLF:
			if (c == '\n') {
				if (i > 0 && m->b[i - 1] == '\r') {
					*line_len = i - 1;
					*eol_len = 2;
				} else {
					*line_len = i;
					*eol_len = 1;
				}
				return 1;
			}
			break;
		case EVBUFFER_EOL_CRLF_STRICT:
			if (c == '\r' && i + 1 < m->len &&
			    m->b[i + 1] == '\n') {
				*line_len = i;
				*eol_len = 2;
				return 1;
			}
			break;
		case EVBUFFER_EOL_LF:
			if (c == '\n') {
				*line_len = i;
				*eol_len = 1;
				return 1;
			}
			break;
		case EVBUFFER_EOL_NUL:
			if (c == '\0') {
				*line_len = i;
				*eol_len = 1;
				return 1;
			}
			break;
		}
	}
	return 0;
}

static void
free_ref(const void *data, size_t len, void *extra)
{
	(void)len;
	(void)extra;
	free((void *)data);
}

static void
op_readln(struct evbuffer *buf, struct model *m, unsigned style_byte)
{
	static const enum evbuffer_eol_style styles[] = { EVBUFFER_EOL_ANY,
		EVBUFFER_EOL_CRLF, EVBUFFER_EOL_CRLF_STRICT, EVBUFFER_EOL_LF,
		EVBUFFER_EOL_NUL };
	enum evbuffer_eol_style style = styles[style_byte % 5];
	size_t line_len = 0, eol_len = 0, got_len = 12345;
	struct evbuffer_ptr p;
	char *line;
	int found = model_eol(m, style, &line_len, &eol_len);

	/* evbuffer_search_eol first: it must agree and change nothing. */
	p = evbuffer_search_eol(buf, NULL, &got_len, style);
	if (found) {
		CHECK(p.pos == (ev_ssize_t)line_len);
		CHECK(got_len == eol_len);
	} else {
		CHECK(p.pos == -1);
	}
	line = evbuffer_readln(buf, &got_len, style);
	if (!found) {
		CHECK(line == NULL);
		return;
	}
	CHECK(line != NULL);
	CHECK(got_len == line_len);
	CHECK(line[line_len] == '\0');
	CHECK(line_len == 0 || memcmp(line, m->b, line_len) == 0);
	free(line);
	model_drain(m, line_len + eol_len);
}

static void
op_search(struct evbuffer *buf, const struct model *m, struct input *in,
    int ranged)
{
	const uint8_t *what;
	size_t n = next_data(in, 1 + next_byte(in) % 4, &what);
	size_t from = m->len ? next_size(in) % (m->len + 1) : 0;
	size_t end = m->len;
	struct evbuffer_ptr start, stop, got;
	ssize_t want;

	if (n == 0)
		return;
	CHECK(evbuffer_ptr_set(buf, &start, from, EVBUFFER_PTR_SET) == 0);
	if (ranged) {
		end = from + next_size(in) % (m->len - from + 1);
		CHECK(evbuffer_ptr_set(buf, &stop, end, EVBUFFER_PTR_SET) == 0);
		got = evbuffer_search_range(buf, (const char *)what, n, &start,
		    &stop);
	} else {
		got = evbuffer_search(buf, (const char *)what, n, &start);
	}
	want = model_find(m, from, end, what, n);
	CHECK(got.pos == want);
}

static void
op_reserve(struct evbuffer *buf, struct model *m, struct input *in)
{
	struct evbuffer_iovec v[2];
	size_t want = next_size(in) + 1, fill, done = 0;
	int nvec = 1 + (int)(next_byte(in) & 1), n, i;
	const uint8_t *data;

	n = evbuffer_reserve_space(buf, (ev_ssize_t)want, v, nvec);
	CHECK(n >= 1 && n <= nvec);
	fill = next_size(in) % (want + 1);
	for (i = 0; i < n; i++) {
		size_t k =
		    v[i].iov_len < fill - done ? v[i].iov_len : fill - done;
		size_t got = next_data(in, k, &data);
		memcpy(v[i].iov_base, data, got);
		if (got < k)
			memset((char *)v[i].iov_base + got, 'z', k - got);
		model_insert(m, m->len, v[i].iov_base, k);
		v[i].iov_len = k;
		done += k;
	}
	CHECK(evbuffer_commit_space(buf, v, n) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct evbuffer *bufs[2];
	struct model models[2];
	struct input in = { data, size };
	int steps = 0;

	bufs[0] = evbuffer_new();
	bufs[1] = evbuffer_new();
	CHECK(bufs[0] && bufs[1]);
	memset(models, 0, sizeof(models));

	while (in.left > 0 && steps++ < 200) {
		unsigned op = next_byte(&in);
		int w = (int)(op >> 7);
		struct evbuffer *buf = bufs[w], *other = bufs[!w];
		struct model *m = &models[w], *om = &models[!w];
		const uint8_t *d;
		unsigned char tmp[4096];
		size_t n;

		switch (op & 0x7f) {
		case 0: /* add */
			n = next_data(&in, next_size(&in), &d);
			CHECK(evbuffer_add(buf, d, n) == 0);
			model_insert(m, m->len, d, n);
			break;
		case 1: /* prepend */
			n = next_data(&in, next_size(&in), &d);
			CHECK(evbuffer_prepend(buf, d, n) == 0);
			model_insert(m, 0, d, n);
			break;
		case 2: /* drain */
			n = next_size(&in);
			CHECK(evbuffer_drain(buf, n) == 0);
			model_drain(m, n);
			break;
		case 3: /* remove */
			n = next_size(&in);
			{
				ev_ssize_t r = evbuffer_remove(buf, tmp, n);
				size_t want = n < m->len ? n : m->len;
				CHECK(r == (ev_ssize_t)want);
				CHECK(want == 0 || !memcmp(tmp, m->b, want));
				model_drain(m, want);
			}
			break;
		case 4: /* readln, every EOL style */
			op_readln(buf, m, next_byte(&in));
			break;
		case 5:
			op_search(buf, m, &in, 0);
			break;
		case 6:
			op_search(buf, m, &in, 1);
			break;
		case 7: /* pullup */
			n = next_size(&in);
			{
				unsigned char *p =
				    evbuffer_pullup(buf, (ev_ssize_t)n);
				if (n > m->len) {
					CHECK(p == NULL);
				} else if (n > 0) {
					CHECK(p != NULL);
					CHECK(!memcmp(p, m->b, n));
				}
			}
			break;
		case 8:
			op_reserve(buf, m, &in);
			break;
		case 9: /* add_reference, freed by its cleanup */
			n = next_data(&in, next_size(&in), &d);
			{
				unsigned char *ref = malloc(n + 1);
				CHECK(ref != NULL);
				memcpy(ref, d, n);
				CHECK(evbuffer_add_reference(buf, ref, n,
				          free_ref, NULL) == 0);
				model_insert(m, m->len, d, n);
			}
			break;
		case 10: /* copyout */
			n = next_size(&in);
			{
				ev_ssize_t r = evbuffer_copyout(buf, tmp, n);
				size_t want = n < m->len ? n : m->len;
				CHECK(r == (ev_ssize_t)want);
				CHECK(want == 0 || !memcmp(tmp, m->b, want));
			}
			break;
		case 11: /* remove_buffer into the other one */
			n = next_size(&in);
			{
				int r = evbuffer_remove_buffer(buf, other, n);
				size_t want = n < m->len ? n : m->len;
				CHECK(r == (int)want);
				model_insert(om, om->len, m->b, want);
				model_drain(m, want);
			}
			break;
		case 12: /* add_buffer: all of it */
			CHECK(evbuffer_add_buffer(other, buf) == 0);
			model_insert(om, om->len, m->b, m->len);
			model_drain(m, m->len);
			break;
		case 13: /* prepend_buffer */
			CHECK(evbuffer_prepend_buffer(other, buf) == 0);
			model_insert(om, 0, m->b, m->len);
			model_drain(m, m->len);
			break;
		case 14: /* copyout_from a position */
			n = m->len ? next_size(&in) % (m->len + 1) : 0;
			{
				struct evbuffer_ptr p;
				size_t k = next_size(&in), want;
				CHECK(evbuffer_ptr_set(buf, &p, n,
				          EVBUFFER_PTR_SET) == 0);
				want = k < m->len - n ? k : m->len - n;
				CHECK(evbuffer_copyout_from(buf, &p, tmp, k) ==
				    (ev_ssize_t)want);
				CHECK(
				    want == 0 || !memcmp(tmp, m->b + n, want));
			}
			break;
		case 15: /* a file segment, left on disk (sendfile) */
			n = next_data(&in, next_size(&in), &d);
			{
				struct evbuffer_file_segment *seg;
				int fd = memfd_create("fuzz", MFD_CLOEXEC);
				CHECK(fd >= 0);
				CHECK(write(fd, d, n) == (ssize_t)n);
				seg = evbuffer_file_segment_new(fd, 0,
				    (ev_off_t)n, EVBUF_FS_CLOSE_ON_FREE);
				CHECK(seg != NULL);
				CHECK(evbuffer_set_flags(buf,
				          EVBUFFER_FLAG_DRAINS_TO_FD) == 0);
				CHECK(evbuffer_add_file_segment(buf, seg, 0,
				          (ev_off_t)n) == 0);
				evbuffer_file_segment_free(seg);
				model_insert(m, m->len, d, n);
			}
			break;
		default:
			check_same(buf, m);
			break;
		}
		CHECK(evbuffer_get_length(buf) == m->len);
		CHECK(evbuffer_get_length(other) == om->len);
	}
	check_same(bufs[0], &models[0]);
	check_same(bufs[1], &models[1]);
	evbuffer_free(bufs[0]);
	evbuffer_free(bufs[1]);
	free(models[0].b);
	free(models[1].b);
	return 0;
}
