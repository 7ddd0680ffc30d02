/*
 * evdig: a dig for people who query many names.
 *
 *   evdig.c        main, the resolver set-up, the exit status
 *   options.c      the command line and the words of a query (shared by
 *                  the command line, -f lines and -i lines)
 *   output.c       dig's text layout and +short, into an outbuf
 *   json.c         +json: one RFC 8427 object per query
 *   batch.c        the runner: a window of queries in flight, results in
 *                  input order (or as they come), adaptive concurrency,
 *                  the summary and the progress line; queries come from the
 *                  command line, a -f file (streamed) or the terminal
 *   interactive.c  -i: lines from tools/common/lineedit
 *   dot.c          +tls: DNS over TLS on evdns's TCP connections
 */
#ifndef EVDIG_H_INCLUDED_
#define EVDIG_H_INCLUDED_

#include <stddef.h>
#include <stdio.h>

#include <event2/dns.h>
#include <event2/dns_query.h>

/* Exit statuses, as dig's. */
#define EVDIG_EXIT_OK 0
#define EVDIG_EXIT_USAGE 1
#define EVDIG_EXIT_BATCH_FILE 8
#define EVDIG_EXIT_NO_REPLY 9
#define EVDIG_EXIT_INTERNAL 10
/* --fail: a reply with rcode R (not NOERROR) exits with 20 + R; rcodes
 * above 23 all exit with 44. */
#define EVDIG_EXIT_RCODE_BASE 20
#define EVDIG_EXIT_RCODE_MAX 44

enum evdig_format { EVDIG_FMT_DIG, EVDIG_FMT_SHORT, EVDIG_FMT_JSON };

/* What dig's layout shows (+[no]cmd, +[no]comments, ...). */
#define SHOW_CMD 0x01
#define SHOW_COMMENTS 0x02
#define SHOW_QUESTION 0x04
#define SHOW_ANSWER 0x08
#define SHOW_AUTHORITY 0x10
#define SHOW_ADDITIONAL 0x20
#define SHOW_STATS 0x40
#define SHOW_ALL 0x7f

/* The settings of one query (dig's "local" options). */
struct evdig_qopts {
	int qflags; /* EVDNS_QUERY_* */
	int type;   /* -1: not given (A, or PTR with -x) */
	int qclass; /* -1: not given (IN) */
	int bufsize;
	int timeout_ms;
	int tries;
	enum evdig_format format;
	int show; /* SHOW_* */
};

struct evdig_query {
	char *name; /* presentation form; -x already made a reverse name */
	struct evdig_qopts o;
};

enum evdig_action { EVDIG_RUN, EVDIG_HELP, EVDIG_VERSION, EVDIG_LIST_METHODS };

struct evdig_opts {
	enum evdig_action action;
	const char *server;       /* @SERVER, or NULL: resolv.conf */
	int port;                 /* -p; 0: 53, or 853 with +tls */
	int tls;                  /* +tls: DNS over TLS */
	const char *tls_ca;       /* +tls-ca=FILE; NULL: the system's CAs */
	const char *tls_hostname; /* +tls-hostname=NAME */
	int family;               /* AF_UNSPEC, AF_INET (-4), AF_INET6 (-6) */
	const char *method;
	const char *batch_file; /* -f */
	int concurrency;
	int unordered;
	int interactive;
	int fail;
	struct evdig_qopts defaults; /* options before the first name */
	struct evdig_query *queries;
	size_t nqueries;
	char *cmdline; /* the arguments, for the "; <<>> evdig" line */
};

/* options.c */
extern const char evdig_usage[];
extern const char evdig_help[];
/* 0, or EVDIG_EXIT_USAGE with a message in msg.  Never prints or exits. */
int evdig_parse_options(struct evdig_opts *o, int argc, char **argv, char *msg,
    size_t msgsize);
void evdig_free_options(struct evdig_opts *o);
/* One query from words (a -f or -i line): NAME [TYPE] [CLASS] [+opt ...]
 * [-t TYPE] [-c CLASS] [-x ADDR].  1 with *q filled (free q->name), 0 for
 * an empty line, -1 with a message. */
int evdig_parse_words(const struct evdig_qopts *defaults, char *line,
    struct evdig_query *q, char *msg, size_t msgsize);
/* The +option and type completions -i offers (NULL-terminated). */
extern const char *const evdig_words[];

/* output.c: a growable buffer the formatters write into. */
struct outbuf {
	char *buf;
	size_t len, cap;
};
void ob_printf(struct outbuf *ob, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void ob_put(struct outbuf *ob, const char *s, size_t len);
void ob_free(struct outbuf *ob);

/* What the formatters know about a query besides the library's result. */
struct evdig_shown {
	const struct evdig_query *q;
	const char *server_name; /* @SERVER as given, or NULL */
	int first;               /* the first query of the command */
	const char *cmdline;
	int nservers;
	int tls;             /* TCP means TLS */
	const char *failure; /* why no reply came (+tls), or NULL */
};

void out_dig(struct outbuf *ob, const struct evdig_shown *s,
    const struct evdns_query_result *res);
void out_short(struct outbuf *ob, const struct evdig_shown *s,
    const struct evdns_query_result *res);
void out_json(struct outbuf *ob, const struct evdig_shown *s,
    const struct evdns_query_result *res);
/* "UDP", "TCP" or "TLS". */
const char *evdig_transport(const struct evdig_shown *s,
    const struct evdns_query_result *res);
/* "A", or "TYPE65280" into buf. */
const char *evdig_type_str(int type, char *buf, size_t size);
const char *evdig_class_str(int qclass, char *buf, size_t size);
/* "127.0.0.1#53" */
void evdig_addr_str(const struct sockaddr *sa, char *buf, size_t size,
    int with_port);

/* batch.c */
struct dot;
struct evdig_stats;
struct runner;
typedef int (
    *runner_next_fn)(struct runner *r, struct evdig_query *q, void *arg);
struct runner *runner_new(struct event_base *base, struct evdns_base *dns,
    const struct evdig_opts *o, int nservers, int window, int ordered,
    int batch);
/* +tls: the failures' reasons and the summary's connection count. */
void runner_set_dot(struct runner *r, struct dot *d);
/* The source: next() fills *q and returns 1, 0 at the end for now (and
 * for good with runner_source_done), -1 on an error. */
void runner_set_source(struct runner *r, runner_next_fn next, void *arg);
/* Take more queries from the source (after new input arrived). */
void runner_pump(struct runner *r);
void runner_source_done(struct runner *r);
/* Runs the loop until the source is done and every query answered.
 * Returns the exit status. */
int runner_run(struct runner *r);
void runner_free(struct runner *r);
/* Where finished queries' text goes (interactive.c prints through the
 * line editor). */
void runner_set_printer(struct runner *r,
    void (*print)(const char *, size_t, void *), void *arg);

/* dot.c */
/* The TLS client context for o's +tls options; exits on failure. */
struct dot *dot_new(const struct evdig_opts *o);
/* Every query of dns over TLS from now on. */
void dot_install(struct dot *d, struct evdns_base *dns);
/* Why res got no reply, when the connection or TLS says so: into buf,
 * returned; else NULL. */
const char *dot_failure(struct dot *d, const struct evdns_query_result *res,
    char *buf, size_t size);
/* Prints msg on stderr unless it was the last one printed for that
 * server; 1 when printed. */
int dot_warn_once(struct dot *d, const struct evdns_query_result *res,
    const char *msg);
/* TLS connections (handshakes) started so far, all servers. */
unsigned long dot_connections(const struct dot *d);
void dot_free(struct dot *d);

/* interactive.c */
int evdig_interactive(struct runner *r, struct event_base *base,
    const struct evdig_opts *o);

#endif /* EVDIG_H_INCLUDED_ */
