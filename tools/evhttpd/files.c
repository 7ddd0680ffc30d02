/*
 * files.c: from a URL path to a file below DIR, safely, and the cache of
 * what was found.
 *
 * Safety comes in three steps.  evhttpd_clean_path() decodes the path once
 * and refuses what could climb or smuggle: "..", an encoded '/', a
 * backslash, a NUL, a bad escape (double encoding is harmless: "%252e"
 * decodes to the name "%2e").  The cache then checks, with realpath(3),
 * that the file it stats lies below DIR's real path, unless
 * --follow-symlinks.  Finally evhttpd_file_open() opens relative to DIR's
 * descriptor and compares the device and inode with the checked ones, so
 * a path swapped for a symlink after the check fails.
 *
 * The cache (one per worker, so no locks) keeps the stat results of every
 * file asked for and the content of the small ones, taken again at most
 * once a second: a request for a cached small file costs no system call
 * at all here.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/http.h>

#include "cli.h"
#include "evhttpd.h"

#define NBUCKETS 4096
/* Past this many entries the unused ones are dropped. */
#define MAX_ENTRIES 16384
/* The most file content the cache holds. */
#define MAX_CACHED_BYTES (64u * 1024 * 1024)
/* The most large files a worker keeps open (RLIMIT_NOFILE is 20,000 on
 * the machines we know; connections need theirs). */
#define MAX_OPEN_FILES 1024

struct evhttpd_files {
	int dirfd;
	char *root; /* DIR's real path */
	size_t rootlen;
	int follow_symlinks;
	size_t nentries;
	size_t bytes;
	size_t nopen; /* segments kept open */
	struct evhttpd_file *bucket[NBUCKETS];
};

/* How many times c occurs in s. */
static size_t
count_char(const char *s, size_t n, char c)
{
	size_t k = 0, i;

	for (i = 0; i < n; i++)
		k += s[i] == c;
	return k;
}

/*
 * Decode path with evhttp_uridecode and refuse what decoding must not
 * produce: a bad escape (every '%' must have become one byte), a NUL
 * (the string would end early) or a '/' (a slash must be a separator).
 * NULL when refused; else the decoded path, to free.
 */
static char *
decode_path(const char *path)
{
	size_t n = strlen(path), len = 0;
	char *dec = evhttp_uridecode(path, 0, &len);

	if (dec == NULL)
		return NULL;
	if (len != n - 2 * count_char(path, n, '%') || strlen(dec) != len ||
	    count_char(dec, len, '/') != count_char(path, n, '/')) {
		free(dec);
		return NULL;
	}
	return dec;
}

int
evhttpd_clean_path(const char *path, int dotfiles, char *out, size_t outsize,
    int *trailing_slash)
{
	size_t n = 0, seg = 0;
	const char *p;
	char *dec;
	int c, status = 0;

	if (path == NULL || path[0] != '/' || outsize == 0)
		return 400;
	if ((dec = decode_path(path)) == NULL)
		return 400;
	*trailing_slash = 0;
	for (p = dec;; p++) {
		c = (unsigned char)*p;
		if (c == '/' || c == '\0') {
			/* End of the segment out[seg..n). */
			size_t len = n - seg;

			if (len == 0 || (len == 1 && out[seg] == '.')) {
				n = seg; /* "" and "." vanish */
			} else if (len == 2 && out[seg] == '.' &&
			    out[seg + 1] == '.') {
				status = 400;
				break;
			} else if (out[seg] == '.' && !dotfiles) {
				status = 404;
				break;
			} else if (c == '/') {
				if (n + 1 >= outsize) {
					status = 400;
					break;
				}
				out[n++] = '/';
			}
			if (c == '\0')
				break;
			seg = n;
			*trailing_slash = 1;
			continue;
		}
		*trailing_slash = 0;
		if (c == '\\' || n + 1 >= outsize) {
			status = 400;
			break;
		}
		out[n++] = (char)c;
	}
	free(dec);
	if (status != 0)
		return status;
	/* A "/" was kept after the last segment when the path went on
	 * with empty or "." segments only. */
	if (n > 0 && out[n - 1] == '/')
		n--;
	out[n] = '\0';
	return 0;
}

struct evhttpd_files *
evhttpd_files_new(int dirfd, const char *root, int follow_symlinks)
{
	struct evhttpd_files *f = cli_xcalloc(1, sizeof(*f));

	f->dirfd = dirfd;
	f->root = cli_xstrdup(root);
	f->rootlen = strlen(root);
	/* "/" as DIR: every real path is below it. */
	if (f->rootlen == 1)
		f->rootlen = 0;
	f->follow_symlinks = follow_symlinks;
	return f;
}

/* Drops the cache's segment; replies still sending it keep it alive. */
static size_t
rep_close(struct evhttpd_rep *r)
{
	if (r->seg == NULL)
		return 0;
	evbuffer_file_segment_free(r->seg);
	r->seg = NULL;
	return 1;
}

static void
rep_clear(struct evhttpd_rep *r)
{
	rep_close(r);
	free(r->data);
	r->data = NULL;
}

static void
file_free(struct evhttpd_file *file)
{
	rep_clear(&file->plain);
	rep_clear(&file->gz);
	free(file->rel);
	free(file);
}

void
evhttpd_file_release(struct evhttpd_file *file)
{
	if (--file->refs == 0)
		file_free(file);
}

static unsigned
hash(const char *s)
{
	unsigned h = 2166136261u;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h % NBUCKETS;
}

static size_t
file_bytes(const struct evhttpd_file *file)
{
	size_t n = 0;

	if (file->plain.data != NULL)
		n += (size_t)file->plain.st.st_size;
	if (file->gz.data != NULL)
		n += (size_t)file->gz.st.st_size;
	return n;
}

static void
unlink_entry(struct evhttpd_files *f, struct evhttpd_file **pp)
{
	struct evhttpd_file *file = *pp;

	*pp = file->next;
	f->nentries--;
	f->bytes -= file_bytes(file);
	f->nopen -= rep_close(&file->plain) + rep_close(&file->gz);
	evhttpd_file_release(file);
}

void
evhttpd_files_free(struct evhttpd_files *f)
{
	size_t i;

	if (f == NULL)
		return;
	for (i = 0; i < NBUCKETS; i++)
		while (f->bucket[i] != NULL)
			unlink_entry(f, &f->bucket[i]);
	free(f->root);
	free(f);
}

/* Drop every entry no request is using. */
static void
shrink(struct evhttpd_files *f)
{
	struct evhttpd_file **pp;
	size_t i;

	for (i = 0; i < NBUCKETS; i++)
		for (pp = &f->bucket[i]; *pp != NULL;)
			if ((*pp)->refs == 1)
				unlink_entry(f, pp);
			else
				pp = &(*pp)->next;
}

int
evhttpd_files_dirfd(const struct evhttpd_files *f)
{
	return f->dirfd;
}

int
evhttpd_files_inside(const struct evhttpd_files *f, const char *rel)
{
	char path[PATH_MAX], real[PATH_MAX];

	if (f->follow_symlinks)
		return 1;
	if (snprintf(path, sizeof(path), "%s/%s", f->root, rel) >=
	    (int)sizeof(path))
		return 0;
	if (realpath(path, real) == NULL)
		return 0;
	return strncmp(real, f->root, f->rootlen) == 0 &&
	    (real[f->rootlen] == '\0' || real[f->rootlen] == '/');
}

static int
same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino &&
	    a->st_size == b->st_size &&
	    a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	    a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
	    a->st_ctim.tv_sec == b->st_ctim.tv_sec &&
	    a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

static int
open_checked(const struct evhttpd_files *f, const char *rel,
    const struct stat *want)
{
	struct stat st;
	int fd;

	fd = openat(f->dirfd, *rel != '\0' ? rel : ".",
	    O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) != 0 || st.st_dev != want->st_dev ||
	    st.st_ino != want->st_ino) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Read a small file whole; the content must have the size stat'ed. */
static unsigned char *
load(const struct evhttpd_files *f, const char *rel, const struct stat *st)
{
	size_t size = (size_t)st->st_size, got = 0;
	unsigned char *data;
	ssize_t r;
	int fd = open_checked(f, rel, st);

	if (fd < 0)
		return NULL;
	data = malloc(size != 0 ? size : 1);
	while (data != NULL && got < size) {
		r = pread(fd, data + got, size - got, (off_t)got);
		if (r <= 0) {
			free(data);
			data = NULL;
			break;
		}
		got += (size_t)r;
	}
	close(fd);
	return data;
}

static void
rep_fill(struct evhttpd_rep *r, const struct stat *st, int gz)
{
	r->st = *st;
	snprintf(r->etag, sizeof(r->etag), "\"%llx-%llx-%lx%s\"",
	    (unsigned long long)st->st_mtim.tv_sec,
	    (unsigned long long)st->st_size, (long)st->st_mtim.tv_nsec,
	    gz ? "-gz" : "");
	evhttpd_http_date(st->st_mtim.tv_sec, r->last_modified,
	    sizeof(r->last_modified));
}

/* Stat and check rel; 0 with st, or -1 (not there, or not to be served). */
static int
check(const struct evhttpd_files *f, const char *rel, struct stat *st)
{
	if (fstatat(f->dirfd, *rel != '\0' ? rel : ".", st, 0) != 0)
		return -1;
	if (!S_ISREG(st->st_mode) && !S_ISDIR(st->st_mode))
		return -1;
	return evhttpd_files_inside(f, rel) ? 0 : -1;
}

/* Stat results of rel and of its .gz, and the small contents. */
static struct evhttpd_file *
build(struct evhttpd_files *f, const char *rel, time_t now)
{
	struct evhttpd_file *file;
	struct stat st, gst;
	char gzrel[PATH_MAX];

	if (check(f, rel, &st) != 0)
		return NULL;
	file = cli_xcalloc(1, sizeof(*file));
	file->rel = cli_xstrdup(rel);
	file->is_dir = S_ISDIR(st.st_mode);
	file->checked = now;
	rep_fill(&file->plain, &st, 0);
	if (file->is_dir)
		return file;
	file->mime = evhttpd_mime_type(rel);
	if (st.st_size <= EVHTTPD_SMALL_FILE &&
	    f->bytes + (size_t)st.st_size <= MAX_CACHED_BYTES)
		file->plain.data = load(f, rel, &st);
	if (snprintf(gzrel, sizeof(gzrel), "%s.gz", rel) < (int)sizeof(gzrel) &&
	    check(f, gzrel, &gst) == 0 && S_ISREG(gst.st_mode)) {
		file->has_gz = 1;
		rep_fill(&file->gz, &gst, 1);
		if (gst.st_size <= EVHTTPD_SMALL_FILE &&
		    f->bytes + (size_t)gst.st_size <= MAX_CACHED_BYTES)
			file->gz.data = load(f, gzrel, &gst);
	}
	return file;
}

/* Whether a cached entry still describes the files on disk. */
static int
still_valid(const struct evhttpd_files *f, const struct evhttpd_file *file)
{
	struct stat st;
	char gzrel[PATH_MAX];
	int has_gz;

	if (fstatat(f->dirfd, *file->rel != '\0' ? file->rel : ".", &st, 0) !=
	        0 ||
	    !same_file(&st, &file->plain.st))
		return 0;
	if (file->is_dir)
		return 1;
	snprintf(gzrel, sizeof(gzrel), "%s.gz", file->rel);
	has_gz = fstatat(f->dirfd, gzrel, &st, 0) == 0 && S_ISREG(st.st_mode);
	if (has_gz != file->has_gz)
		return 0;
	return !has_gz || same_file(&st, &file->gz.st);
}

struct evhttpd_file *
evhttpd_file_get(struct evhttpd_files *f, const char *rel, time_t now,
    int *status)
{
	struct evhttpd_file **pp, *file;
	unsigned h = hash(rel);

	for (pp = &f->bucket[h]; *pp != NULL; pp = &(*pp)->next)
		if (strcmp((*pp)->rel, rel) == 0)
			break;
	file = *pp;
	if (file != NULL && file->checked != now) {
		if (still_valid(f, file)) {
			file->checked = now;
		} else {
			unlink_entry(f, pp);
			file = NULL;
		}
	}
	if (file == NULL) {
		file = build(f, rel, now);
		if (file == NULL) {
			*status = 404;
			return NULL;
		}
		if (f->nentries >= MAX_ENTRIES)
			shrink(f);
		file->refs = 1;
		file->next = f->bucket[h];
		f->bucket[h] = file;
		f->nentries++;
		f->bytes += file_bytes(file);
	}
	file->refs++;
	return file;
}

int
evhttpd_file_open(struct evhttpd_files *f, const struct evhttpd_file *file,
    int gz)
{
	char gzrel[PATH_MAX];

	if (!gz)
		return open_checked(f, file->rel, &file->plain.st);
	snprintf(gzrel, sizeof(gzrel), "%s.gz", file->rel);
	return open_checked(f, gzrel, &file->gz.st);
}

struct evbuffer_file_segment *
evhttpd_file_segment(struct evhttpd_files *f, struct evhttpd_file *file, int gz,
    int *owned)
{
	struct evhttpd_rep *rep = gz ? &file->gz : &file->plain;
	struct evbuffer_file_segment *seg;
	int fd;

	*owned = 0;
	if (rep->seg != NULL)
		return rep->seg;
	if ((fd = evhttpd_file_open(f, file, gz)) < 0)
		return NULL;
	/* One worker's: no lock needed. */
	seg = evbuffer_file_segment_new(fd, 0, (ev_off_t)rep->st.st_size,
	    EVBUF_FS_CLOSE_ON_FREE | EVBUF_FS_DISABLE_LOCKING);
	if (seg == NULL) {
		close(fd);
		return NULL;
	}
	if (f->nopen >= MAX_OPEN_FILES) {
		*owned = 1;
		return seg;
	}
	f->nopen++;
	rep->seg = seg;
	return seg;
}
