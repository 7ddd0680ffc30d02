/*
 * evcat: a netcat for people who pipe data, on bufferevents.
 *
 *   evcat.c        main, connect and listen modes
 *   state.c        shared state: struct evcat, exit status, -v, signals
 *   options.c      the command line, parsed without printing or exiting
 *   net.c          resolving, sockets, asynchronous connect, addresses
 *   stdio.c        what standard input and output are, nonblocking views
 *   relay.c        one stream connection <-> stdin/stdout, end-of-transfer
 *   splice.c       zero-copy pumps (splice(2), sendfile(2)) for relay.c
 *   udp.c          -u: datagrams <-> stdin/stdout
 *   broker.c       --broker: every client's data to all the others
 *   scan.c         -z: many connects in flight, one line per port
 *   interactive.c  -i: libedit line editing driven by the event loop
 *   hexdump.c      -x: traffic as hex on stderr (or --hex-dump FILE)
 *   transcript.c   -o, --hex-dump FILE: where traffic is recorded; -C
 *   acl.c          --allow, --deny: ranges parsed and matched; HOST:PORT
 *   exec.c         -e, -c: a program on the connection
 *   forward.c      --relay: port forwarding, socket to socket
 *   proxy.c        --proxy: SOCKS5 and HTTP CONNECT handshakes
 *   proxy_msg.c    --proxy: their messages, built and parsed (pure)
 *   ssl.c          --ssl: TLS contexts and bufferevents (tools/common/tls.h)
 */
#ifndef EVCAT_H_INCLUDED_
#define EVCAT_H_INCLUDED_

#include <stddef.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <event2/event.h>
#include <event2/listener.h>
#include <event2/util.h>

struct event_base;
struct evbuffer;
struct bufferevent;
struct evconnlistener;

/*
 * Back-pressure.  Each direction keeps at most about EVCAT_HIGH_WATER
 * bytes in user space: above it, evcat stops reading the source until the
 * sink has taken the buffer down to EVCAT_LOW_WATER.
 */
#define EVCAT_HIGH_WATER (512 * 1024)
#define EVCAT_LOW_WATER (EVCAT_HIGH_WATER / 2)
/* Largest single read or write on the buffered path. */
#define EVCAT_IO_MAX (256 * 1024)
/*
 * Largest UDP payload read from stdin into one datagram: the most IPv4
 * can carry (65535 - 20 - 8).  nc stops at 16384, which splits a larger
 * message written at once into several datagrams.
 */
#define EVCAT_DGRAM_MAX 65507

/* What the command line asks for besides a connection. */
enum evcat_action {
	EVCAT_RUN,         /* connect, listen or scan */
	EVCAT_HELP,        /* -h */
	EVCAT_VERSION,     /* -V */
	EVCAT_LIST_METHODS /* --list-methods */
};

/* --allow and --deny arguments kept, each (a list is split later). */
#define EVCAT_ACL_MAX 32

enum evcat_proxy_type {
	EVCAT_PROXY_NONE,
	EVCAT_PROXY_SOCKS5, /* --proxy-type socks5 (RFC 1928, 1929 auth) */
	EVCAT_PROXY_HTTP    /* --proxy-type http (CONNECT, Basic auth) */
};

struct evcat_opts {
	enum evcat_action action;
	int verbosity;   /* -v: 1 more each, --quiet: -1 */
	int listen;      /* -l */
	int keep;        /* -k */
	int broker;      /* --broker */
	int udp;         /* -u */
	int family;      /* AF_UNSPEC, or AF_INET (-4), AF_INET6 (-6) */
	int numeric;     /* -n: no name lookups */
	int no_stdin;    /* -d */
	int shutdown;    /* 1 (default, -N), 0 with --no-shutdown */
	int interactive; /* -i */
	int hexdump;     /* -x */
	int scan;        /* -z */
	int splice;      /* 1 unless --no-splice */
	/* Times are in milliseconds ("500ms", "2s", "1m", plain: seconds). */
	long long quit_ms; /* -q: quit after stdin EOF; -1: never */
	long long wait_ms; /* -w: connect and idle timeout; -1: none */
	long long rate;    /* --rate bytes per second and direction; 0: none */
	int crlf;          /* -C: "\n" from stdin goes out as "\r\n" */
	int send_only;     /* --send-only: ignore what the peer sends */
	int recv_only;     /* --recv-only: do not read stdin */
	long long sndbuf;  /* -O: SO_SNDBUF; 0: the kernel's default */
	long long rcvbuf;  /* -I: SO_RCVBUF; 0: the kernel's default */
	long long max_conns;      /* -m: clients at once with -l; 0: no limit */
	const char *output_file;  /* -o: transcript of the data received */
	const char *hexdump_file; /* --hex-dump FILE: -x, to a file */
	/* -e CMD (run directly, split on blanks) or -c CMD (through /bin/sh) */
	const char *exec_cmd;
	int exec_shell; /* 1 for -c */
	/* --allow / --deny: addresses or CIDR ranges, as given (one each) */
	const char *allow[EVCAT_ACL_MAX];
	int nallow;
	const char *deny[EVCAT_ACL_MAX];
	int ndeny;
	const char *relay_listen; /* --relay LISTEN_ADDR:PORT; NULL: off */
	const char *proxy;        /* --proxy HOST:PORT */
	enum evcat_proxy_type proxy_type; /* --proxy-type */
	const char *proxy_auth;           /* --proxy-auth USER:PASS */
	const char *unix_path;            /* -U */
	const char *source;               /* -s */
	const char *source_port;          /* -p */
	const char *host; /* destination, or address to listen on */
	const char *port; /* destination or listening port */
	char **ports;     /* -z: the port arguments */
	int nports;
	const char *method; /* --method */
	int ssl;            /* --ssl, or any --ssl-* option */
	/* --ssl-verify 1, --ssl-no-verify 0; -1: on when connecting only */
	int ssl_verify;
	const char *ssl_cert;       /* --ssl-cert */
	const char *ssl_key;        /* --ssl-key */
	const char *ssl_trustfile;  /* --ssl-trustfile */
	const char *ssl_servername; /* --ssl-servername */
	const char *ssl_alpn;       /* --ssl-alpn */
	const char *ssl_ciphers;    /* --ssl-ciphers */
};

/* options.c */
extern const char evcat_usage[];
extern const char evcat_help[];
/*
 * Fills o from the command line.  Returns 0, or 2 (a usage error) with a
 * message in msg; never prints, exits or keeps state between calls.
 * Strings in o point into argv.
 */
int evcat_parse_options(struct evcat_opts *o, int argc, char **argv, char *msg,
    size_t msgsize);

/* state.c: process-wide state. */
struct evcat {
	struct evcat_opts o;
	struct event_base *base;
	int status; /* exit status when the loop ends */
};

extern struct evcat ec;

/* Ends the event loop with exit status `status` (the worst one wins). */
void evcat_exit(int status);
/* Runs the exit hooks (terminal, socket file, history) now; idempotent. */
void evcat_cleanup(void);
/* Called by listen modes so that -lU removes its socket file at exit. */
void evcat_unlink_at_exit(const char *path);
/* An accept succeeded: the next accept error is worth reporting. */
void evcat_accept_ok(void);
/*
 * The error callback of every listener: reports an accept error once,
 * ends evcat on any but a shortage of descriptors or memory.
 */
void evcat_listen_error_cb(struct evconnlistener *lev, void *arg);
/* SIGINT, SIGTERM, SIGHUP: the exit hooks, then death by the signal. */
void watch_signals(void);
/* /dev/null in place of a closed fd 0, 1 or 2. */
void open_std_fds(void);
/*
 * Rule 5 once input has ended: 1 when -q 0 ends the connection now;
 * otherwise arms *timer (cb, arg) for -q SECS, or nothing without -q.
 */
int evcat_arm_quit(struct event **timer, event_callback_fn cb, void *arg);
/* --rate on bev (each direction), one configuration shared by all. */
void evcat_rate_limit(struct bufferevent *bev);
/* A time in milliseconds as a struct timeval. */
struct timeval evcat_ms_tv(long long ms);

/*
 * Every accepted connection passes here first: a peer that --allow and
 * --deny refuse, or one over the -m limit, is closed at once (and logged
 * with -v); returns 0 then.  Otherwise counts it as open and returns 1;
 * evcat_conn_closed() counts it out.
 */
int evcat_admit(evutil_socket_t fd, const struct sockaddr *sa,
    const char *peer);
void evcat_conn_closed(void);

/* A note printed with -v only. */
void evcat_verbose(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* acl.c */
/* Ranges kept from all --allow (or all --deny) options together. */
#define EVCAT_ACL_RANGES 256
struct acl_entry {
	int family; /* AF_INET or AF_INET6 */
	unsigned char addr[16];
	int bits; /* prefix length */
};
/*
 * Appends the ranges of one comma-separated --allow/--deny argument (opt
 * names it in messages) to out[*n...max-1]; -1 with a message in msg.
 */
int acl_parse_list(const char *opt, const char *arg, struct acl_entry *out,
    int max, int *n, char *msg, size_t size);
/* Whether sa (IPv4, IPv6, v4-mapped IPv6) is in one of the ranges. */
int acl_match(const struct acl_entry *list, int n, const struct sockaddr *sa);
/* Checks every --allow and --deny of o; -1 with a message. */
int acl_check_options(const struct evcat_opts *o, char *msg, size_t size);
/*
 * Splits "HOST:PORT" or "[IPV6]:PORT" (HOST may be empty); port points
 * into arg.  -1 when arg has no such form or HOST does not fit.
 */
int hostport_split(const char *arg, char *host, size_t hostsize,
    const char **port);

/* net.c */
struct evutil_addrinfo *net_resolve(const char *host, const char *port,
    int socktype, int passive);
const char *net_addr_str(const struct sockaddr *sa, socklen_t len, char *buf,
    size_t size);
/*
 * Exits 1 with the resolver's message when -s names no address at all, so
 * that no connect is tried (and reported) with a source that cannot be.
 */
void net_check_source(void);
/*
 * Whether the connected TCP socket fd is connected to itself: its source
 * port was the port it connected to, on the same address (simultaneous
 * open), so nobody is listening there.
 */
int net_self_connected(evutil_socket_t fd);
/* The local address of fd, formatted. */
const char *net_local_str(evutil_socket_t fd, char *buf, size_t size);
/* Sets -I (SO_RCVBUF) and -O (SO_SNDBUF) on fd, when given. */
void net_set_buffers(evutil_socket_t fd);
/*
 * A nonblocking, close-on-exec socket for ai, with -I/-O, bound to -s/-p
 * when given (a failed bind is reported here, "bind to ...").  Returns -1
 * with errno set.
 */
evutil_socket_t net_socket_for(const struct evutil_addrinfo *ai);
/*
 * Connects to each address of ai in turn, every attempt bounded by -w,
 * then calls cb with the connected socket, or -1 and the last error.
 */
typedef void (*net_connect_cb)(evutil_socket_t fd, int err,
    const struct sockaddr *sa, socklen_t len, void *arg);
void net_connect(struct evutil_addrinfo *ai, net_connect_cb cb, void *arg);
/*
 * A listener on host (NULL: any) and port, calling cb for each client,
 * its address formatted into name, -I/-O set; exits 1 when it cannot listen.
 */
struct evconnlistener *net_listen(const char *host, const char *port,
    evconnlistener_cb cb, void *arg, char *name, size_t size);
/* Connects a unix-domain stream socket to path; -1 with errno set. */
evutil_socket_t net_unix_connect(const char *path);
/* A bound, unlistened unix-domain socket at path; -1 with errno set. */
evutil_socket_t net_unix_bind(const char *path, int type);

/* stdio.c: standard input (fd 0) and output (fd 1). */
enum stdio_kind {
	STDIO_PIPE,   /* pipe or FIFO */
	STDIO_TTY,    /* a terminal */
	STDIO_SOCKET, /* a socket */
	STDIO_FILE,   /* regular file */
	STDIO_NULL,   /* /dev/null */
	STDIO_OTHER,  /* other devices: not pollable with epoll */
	STDIO_CLOSED  /* not open */
};
enum stdio_kind stdio_kind(int fd);
const char *stdio_kind_name(enum stdio_kind kind);
/* Pipes, terminals and sockets can be watched by any backend. */
int stdio_pollable(enum stdio_kind kind);
/*
 * A nonblocking descriptor for fd 0 or 1 that does not change the open
 * file the shell and other processes share where that can be avoided
 * (pipes and terminals are reopened through /proc/self/fd); otherwise
 * O_NONBLOCK is set on fd itself and cleared again at exit.
 */
int stdio_nonblocking(int fd);
/* Closes standard output for good (readers see EOF); idempotent. */
void stdio_close_stdout(void);
/* Puts back what stdio_nonblocking changed; for the exit hooks. */
void stdio_restore(void);

/* relay.c: one stream connection. */
struct relay;
typedef void (*relay_done_cb)(struct relay *, int status, void *arg);
/* Starts relaying on a connected stream socket (closed by relay_free). */
struct relay *relay_new(evutil_socket_t fd, const char *peer,
    relay_done_cb done, void *arg);
void relay_free(struct relay *r);
/* Whether standard input is used up (EOF seen, or -d). */
int relay_stdin_done(void);
/* Writes out what is still queued for stdout (at exit). */
void relay_flush_stdout(void);

/* splice.c: a one-way zero-copy pump. */
struct pump;
enum pump_result {
	PUMP_EOF,
	PUMP_ERROR,
	PUMP_UNSUPPORTED /* the kernel cannot do it here: copy instead */
};
typedef void (*pump_cb)(struct pump *, enum pump_result, int err, void *arg);
/*
 * A pump from src to dst, or NULL when the kernel cannot move data between
 * them without copying (then use the buffered path; so for a dst opened
 * with O_APPEND).  It calls cb once, on EOF from src with everything
 * delivered, or on an error (err is errno; pump_error_on_dst() says which
 * side failed).  After PUMP_UNSUPPORTED nothing is lost: data read from
 * src and not yet written is had with pump_take_pending().
 */
struct pump *pump_new(int src, enum stdio_kind src_kind, int dst,
    enum stdio_kind dst_kind, pump_cb cb, void *arg);
/*
 * src is a TCP socket of our own: while it streams in bulk, wake up only
 * for larger batches (SO_RCVLOWAT), at the cost of at most a few
 * milliseconds' delay for the last bytes before a pause.  Call before
 * pump_start(); the mark is put back by pump_stop().
 */
void pump_batch_reads(struct pump *p);
void pump_start(struct pump *p);
void pump_stop(struct pump *p);
void pump_free(struct pump *p);
/* Appends to buf what the pump read and did not write; -1 on failure. */
int pump_take_pending(struct pump *p, struct evbuffer *buf);
int pump_error_on_dst(const struct pump *p);
/*
 * Grows the pipe fd to 1 MiB (a failure only costs speed): fewer, larger
 * reads and writes on it.
 */
void grow_pipe(int fd);
/* Bytes moved so far, for -v and the idle timeout. */
unsigned long long pump_bytes(const struct pump *p);
const char *pump_kind(const struct pump *p);

/* ssl.c (--ssl) */
/* Makes the TLS context from the options; exits 1 on failure. */
void ssl_init(void);
/*
 * A TLS bufferevent on the connected socket fd, which it owns (closed by
 * bufferevent_free), with the handshake started in the direction -l says.
 */
struct bufferevent *ssl_bev_new(evutil_socket_t fd);
/* The handshake is done: tells the protocol and cipher under -v. */
void ssl_connected(struct bufferevent *bev, const char *peer);
/* What failed on a TLS bufferevent (BEV_EVENT_ERROR), for the user. */
const char *ssl_error(struct bufferevent *bev, char *buf, size_t size);
/* Rule 1 under TLS: close_notify, then shutdown(SHUT_WR). */
void ssl_shutdown_write(struct bufferevent *bev);

/* udp.c */
void udp_connect_mode(void);
void udp_listen_mode(void);

/* broker.c */
void broker_start(struct evconnlistener *lev);

/* exec.c (-e, -c) */
/*
 * Runs the program on the connected socket fd (its stdin and stdout; fd
 * is closed here).  Without -k evcat ends when the program has exited,
 * with its exit status (127: it could not be run).
 */
void exec_start(evutil_socket_t fd, const char *peer);

/* forward.c (--relay): listens, each client relayed to the target. */
void forward_start(void);

/* proxy.c (--proxy): pure builders and parsers, then the handshake. */
#define PROXY_REPLY_MAX 8192 /* longest HTTP reply header taken */
/*
 * The parsers return the length of the complete reply in buf, 0 when
 * more bytes are needed, -1 with a message for the user in msg.
 */
int proxy_http_request(char *buf, size_t size, const char *host,
    const char *port, const char *auth);
int proxy_http_reply(const char *buf, size_t len, char *msg, size_t size);
size_t proxy_socks5_greeting(unsigned char *buf, int auth);
/* The method the proxy chose (0: none, 2: user and password). */
int proxy_socks5_method(const unsigned char *buf, size_t len, int *method,
    char *msg, size_t size);
int proxy_socks5_auth(unsigned char *buf, size_t size, const char *auth);
int proxy_socks5_auth_reply(const unsigned char *buf, size_t len, char *msg,
    size_t size);
int proxy_socks5_connect(unsigned char *buf, size_t size, const char *host,
    unsigned port);
int proxy_socks5_reply(const unsigned char *buf, size_t len, char *msg,
    size_t size);
/*
 * Connects to --proxy, opens the tunnel to the destination, then calls
 * done with the socket; on failure says why and ends evcat with status 1.
 */
typedef void (*proxy_done_cb)(evutil_socket_t fd, const char *peer);
void proxy_start(proxy_done_cb done);

/* scan.c */
void scan_start(void);

/* interactive.c (-i) */
int interactive_available(void);
/*
 * Starts line editing on the connection to peer (said on stderr); each
 * line (with "\n") goes to line_cb, EOF as NULL.
 */
void interactive_start(const char *peer,
    void (*line_cb)(const char *line, size_t len, void *arg), void *arg);
void interactive_pause(int paused);
/* Writes socket data to the terminal without mangling the edited line. */
void interactive_print(const char *data, size_t len);
void interactive_stop(void);

/* hexdump.c (-x): '>' for data sent, '<' for data received. */
void hexdump_evbuffer(char dir, struct evbuffer *buf);
void hexdump_bytes(char dir, const void *data, size_t len);
/* Where the dump goes (--hex-dump FILE); stderr until then. */
void hexdump_set_file(FILE *fp);

/* transcript.c: '>' for data sent, '<' for data received. */
/* Opens the -o and --hex-dump files; exits 1 when one cannot be. */
void trace_open(void);
/* Whether -o or -x need the bytes in user space (no zero copy). */
int trace_active(void);
/* Records data (-o, -x), which stays where it was. */
void trace_evbuffer(char dir, struct evbuffer *buf);
void trace_bytes(char dir, const void *data, size_t len);
/* Says that writing the transcript OPT PATH failed (errno); exit 1 later. */
void trace_write_failed(const char *opt, const char *path);
/* -C: "\n" to "\r\n" in buf (stdin's bytes, in order), in place. */
void crlf_expand(struct evbuffer *buf);

#endif /* EVCAT_H_INCLUDED_ */
