/*
 * evhttpd: a static file server on evhttp.  The files:
 *
 *   main.c     main, the workers (one loop per thread), signals, --daemon
 *   options.c  the command line, parsed without side effects
 *   serve.c    the request callback: methods, conditionals, headers, bodies
 *   files.c    URL path to file: decoding, normalising, the DIR check, and
 *              the per-worker cache of stat results and small files
 *   range.c    Range and If-Range; multipart/byteranges
 *   listing.c  directory listings
 *   mime.c     /etc/mime.types and the built-in table
 *   log.c      the access log (combined format), reopened on SIGHUP
 *   https.c    --tls-cert/--tls-key: the shared SSL_CTX, reloaded on
 *              SIGHUP, and the TLS bufferevent of each connection
 *
 * Only public libevent 2.1 headers are used, so evhttpd builds against
 * libevkit and the system libevent alike.
 */
#ifndef EVHTTPD_H_INCLUDED_
#define EVHTTPD_H_INCLUDED_

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

struct evbuffer;
struct evbuffer_file_segment;
struct event;
struct event_base;
struct evconnlistener;
struct evhttp;
struct evhttpd_conns;

enum evhttpd_action {
	EVHTTPD_RUN,
	EVHTTPD_HELP,
	EVHTTPD_VERSION,
	EVHTTPD_LIST_METHODS
};

struct evhttpd_header {
	char *name;
	char *value;
};

struct evhttpd_opts {
	enum evhttpd_action action;
	const char *addr;
	int port;
	const char *dir;
	int listing; /* 0 with --no-listing */
	int dotfiles;
	int follow_symlinks;
	const char *cache_control;
	struct evhttpd_header *headers; /* -H, in order */
	int nheaders;
	const char *log_file; /* -l; "-" is standard output */
	int threads;
	int max_conns; /* 0: no limit */
	int max_header_size;
	int timeout; /* seconds a connection may stay idle */
	int daemon;
	const char *pidfile;
	const char *method;
	int verbosity;
	const char *tls_cert; /* both or neither: HTTPS */
	const char *tls_key;
};

/* One event loop with its server, on its own thread (main.c). */
struct evhttpd_worker {
	const struct evhttpd_opts *o;
	int index;
	struct event_base *base;
	struct evhttp *http;
	struct evconnlistener *listener;
	struct evhttpd_files *files;
	struct evhttpd_conns *conns; /* --max-conns bookkeeping */
	int inflight;                /* requests being answered */
	int stopping;                /* SIGTERM: finish, accept no more */
	time_t now;                  /* the loop's cached second */
	char log_time[32];           /* now, as the access log writes it */
	char boundary[40];           /* of multipart/byteranges replies */
	struct event *tick;          /* once a second */
	struct event *wakeup;        /* main thread -> this worker */
	int wake_fds[2];
	pthread_t thread;
};

/* serve.c: the evhttp callback of every request; arg is the worker. */
struct evhttp_request;
void evhttpd_serve(struct evhttp_request *req, void *arg);
/* A new second: refresh the cached time strings. */
void evhttpd_worker_tick(struct evhttpd_worker *w);

/* Leave the loop if stopping and nothing is in flight (main.c). */
void evhttpd_worker_check_stop(struct evhttpd_worker *w);

/* conns.c: connections and requests in flight, --max-conns. */
struct evhttpd_conns *evhttpd_conns_new(struct evhttpd_worker *w);
void evhttpd_conns_free(struct evhttpd_conns *c);
/* A request starts: counted in flight until answered or its connection
 * closes. */
void evhttpd_conns_request(struct evhttpd_conns *c, struct evhttp_request *req);
/* Connections that never sent a request, given up once timed out. */
void evhttpd_conns_expire(struct evhttpd_conns *c);

extern const char evhttpd_usage[];
extern const char evhttpd_help[];

/*
 * Parse argv into o; never prints or exits.  Returns 0, or 2 (usage
 * error) with the reason in msg.  evhttpd_free_options() releases o.
 */
int evhttpd_parse_options(struct evhttpd_opts *o, int argc, char **argv,
    char *msg, size_t msgsize);
void evhttpd_free_options(struct evhttpd_opts *o);

/* files.c */

/* Files up to this size are kept in memory by the cache. */
#define EVHTTPD_SMALL_FILE (64 * 1024)

/* One representation of a file: itself or its precompressed .gz. */
struct evhttpd_rep {
	struct stat st;
	unsigned char *data; /* the whole content when small, else NULL */
	/* A large file kept open (files.c), shared by the replies. */
	struct evbuffer_file_segment *seg;
	char etag[48];
	char last_modified[32];
};

/* What a clean path names, as the cache knows it. */
struct evhttpd_file {
	char *rel; /* path below DIR, "" for DIR itself, no leading '/' */
	int is_dir;
	struct evhttpd_rep plain;
	int has_gz; /* rel + ".gz" is a servable regular file */
	struct evhttpd_rep gz;
	const char *mime;
	time_t checked; /* when the stat results were last taken */
	unsigned refs;  /* one while cached, one per request using it */
	struct evhttpd_file *next;
};

struct evhttpd_files;

struct evhttpd_files *evhttpd_files_new(int dirfd, const char *root,
    int follow_symlinks);
void evhttpd_files_free(struct evhttpd_files *f);

/*
 * Decode and normalise the path of a request URI into out (no leading
 * slash, segments joined by '/'): 0, or the HTTP status to answer (400
 * for an encoded '/', a NUL, a backslash, a ".." or a bad escape, 404 for
 * a dotfile without --dotfiles).  *trailing_slash tells whether the path
 * ended with '/'.
 */
int evhttpd_clean_path(const char *path, int dotfiles, char *out,
    size_t outsize, int *trailing_slash);

/*
 * The file a clean path names, from the cache (stat results at most one
 * second old): NULL with *status 404 when there is none or it may not be
 * served.  The caller holds a reference: evhttpd_file_release() drops it.
 */
struct evhttpd_file *evhttpd_file_get(struct evhttpd_files *f, const char *rel,
    time_t now, int *status);
void evhttpd_file_release(struct evhttpd_file *file);
/*
 * A descriptor of file (gz: of its .gz variant) open for reading and
 * checked to be the file the cache stat'ed; -1 on failure.
 */
int evhttpd_file_open(struct evhttpd_files *f, const struct evhttpd_file *file,
    int gz);
/*
 * The whole of a large file (gz: its .gz) as a file segment to add to a
 * reply, opened and checked as by evhttpd_file_open().  The cache keeps
 * a bounded number of them open until the file changes or leaves the
 * cache; *owned says the caller got a fresh one to free after adding it
 * (evbuffer_file_segment_free).  NULL on failure.
 */
struct evbuffer_file_segment *evhttpd_file_segment(struct evhttpd_files *f,
    struct evhttpd_file *file, int gz, int *owned);
int evhttpd_files_dirfd(const struct evhttpd_files *f);
/* Whether rel's real path lies below DIR (always with --follow-symlinks). */
int evhttpd_files_inside(const struct evhttpd_files *f, const char *rel);

/* range.c */

struct evhttpd_range {
	uint64_t start, end; /* inclusive */
};

#define EVHTTPD_MAX_RANGES 16

/*
 * Parse a Range header against a representation of `size` bytes into
 * r[0..max-1].  Returns the number of satisfiable ranges (>= 1), 0 when
 * the header is to be ignored (not "bytes=", bad syntax, too many
 * ranges: the whole file is sent), or -1 when none is satisfiable (416).
 */
int evhttpd_parse_range(const char *value, uint64_t size,
    struct evhttpd_range *r, int max);
/*
 * Add a 206 body for ranges r[0..n-1] of a representation of `size`
 * bytes to out: one range as is, several as multipart/byteranges parts
 * (boundary `boundary`, each part with content type `type`).  The bytes
 * come from `data` when not NULL, else from the file segment `seg`.
 * Returns the body length; with out NULL, only computes it.
 */
struct evbuffer_file_segment;
uint64_t evhttpd_add_ranges(struct evbuffer *out, const struct evhttpd_range *r,
    int n, uint64_t size, const char *type, const char *boundary,
    const unsigned char *data, struct evbuffer_file_segment *seg);
/* Whether an If-Range value lets a Range apply to the representation. */
int evhttpd_if_range_ok(const char *value, const struct evhttpd_rep *rep);

/* listing.c */

/*
 * An HTML page listing directory fd (which it closes; rel below DIR) into
 * out; url_path is the decoded path shown in the title.  -1 when it
 * cannot be read.
 */
int evhttpd_listing(const struct evhttpd_files *f, int fd, const char *rel,
    const char *url_path, int dotfiles, struct evbuffer *out);

/* mime.c */

/* Read a mime.types file (a missing one is fine: the built-in table). */
void evhttpd_mime_load(const char *path);
const char *evhttpd_mime_type(const char *name);
void evhttpd_mime_free(void);

/* https.c */

struct bufferevent;
/* Without --tls-cert, nothing; else the context, or -1 (reported). */
int evhttpd_tls_init(const struct evhttpd_opts *o);
int evhttpd_tls_enabled(void);
/* SIGHUP: the files again; a pair that fails is reported, the old kept. */
void evhttpd_tls_reload(void);
/* A TLS bufferevent (no socket yet) accepting on the current context. */
struct bufferevent *evhttpd_tls_bufferevent(struct event_base *base);
/* "TLSv1.3" and so on for the request's connection; NULL when plain. */
const char *evhttpd_tls_version(struct evhttp_request *req);
void evhttpd_tls_free(void);

/* log.c */

/* -1 with errno when the file cannot be opened. */
int evhttpd_log_open(const char *path);
int evhttpd_log_enabled(void);
void evhttpd_log_reopen(void);
void evhttpd_log_line(const char *line, size_t len);
void evhttpd_log_flush(void);
void evhttpd_log_close(void);

/* An IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"); buf >= 30 bytes. */
void evhttpd_http_date(time_t t, char *buf, size_t size);
/* Any of the three HTTP date formats; -1 when it is none. */
int evhttpd_parse_http_date(const char *s, time_t *t);

#endif /* EVHTTPD_H_INCLUDED_ */
