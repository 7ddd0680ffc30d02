/*
 * evhttpd: main, the workers and the signals.  See evhttpd.h for the map
 * of the other files and man/evhttpd.1 for the behaviour.
 *
 * Each worker is an event loop with its own evhttp, listening socket and
 * file cache, on its own thread (worker 0 on the main thread).  With
 * --threads N the N sockets share the port through SO_REUSEPORT and the
 * kernel spreads the connections; nothing but the log is shared.
 * Signals are taken by worker 0 only (the others block them): SIGTERM and
 * SIGINT make every worker stop accepting and leave once its requests in
 * flight are answered (30 s at most), SIGHUP reopens the log and loads
 * the TLS certificate and key again.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>
#include <event2/util.h>

#include "cli.h"
#include "evhttpd.h"

#define STOP_GRACE 30 /* seconds in-flight replies get after SIGTERM */

static struct evhttpd_worker *workers;
static int nworkers;

static void
parse_options(struct evhttpd_opts *o, int argc, char **argv)
{
	char msg[512];

	if (evhttpd_parse_options(o, argc, argv, msg, sizeof(msg)) != 0) {
		cli_warnx("%s", msg);
		fprintf(stderr, "usage: %s\n", evhttpd_usage);
		exit(CLI_EXIT_USAGE);
	}
	switch (o->action) {
	case EVHTTPD_HELP:
		cli_help();
	case EVHTTPD_VERSION:
		cli_version();
	case EVHTTPD_LIST_METHODS:
		cli_handle_option(CLI_OPT_LIST_METHODS, NULL, argv);
		break;
	case EVHTTPD_RUN:
		break;
	}
}

/* A listening socket on addr:port; reuseport for --threads. */
static int
listen_on(const struct evhttpd_opts *o, int port, int reuseport,
    struct sockaddr_storage *ss, socklen_t *sslen)
{
	struct addrinfo hints, *res;
	char portstr[16];
	int fd, on = 1, err;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	snprintf(portstr, sizeof(portstr), "%d", port);
	err = getaddrinfo(o->addr, portstr, &hints, &res);
	if (err != 0)
		cli_diex("%s: %s", o->addr, gai_strerror(err));
	fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0);
	if (fd < 0)
		cli_die("socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (reuseport &&
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)) != 0)
		cli_die("SO_REUSEPORT");
	/*
	 * A TLS reply may leave in more than one record and write (head and
	 * body): without TCP_NODELAY, which accepted sockets inherit, Nagle
	 * holds the second behind the client's delayed ACK (40 ms).
	 */
	if (o->tls_cert != NULL &&
	    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on)) != 0)
		cli_die("TCP_NODELAY");
	if (bind(fd, res->ai_addr, res->ai_addrlen) != 0)
		cli_die("%s port %d: cannot bind", o->addr, port);
	freeaddrinfo(res);
	if (listen(fd, SOMAXCONN) != 0)
		cli_die("listen");
	*sslen = sizeof(*ss);
	if (getsockname(fd, (struct sockaddr *)ss, sslen) != 0)
		cli_die("getsockname");
	return fd;
}

static void
tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct evhttpd_worker *w = arg;

	(void)fd;
	(void)what;
	evhttpd_worker_tick(w);
	evhttpd_conns_expire(w->conns);
	if (w->index == 0)
		evhttpd_log_flush();
}

void
evhttpd_worker_check_stop(struct evhttpd_worker *w)
{
	if (w->stopping && w->inflight <= 0)
		event_base_loopexit(w->base, NULL);
}

/* Stop accepting; leave when nothing is in flight. */
static void
worker_stop(struct evhttpd_worker *w)
{
	struct timeval grace = { STOP_GRACE, 0 };

	if (w->stopping)
		return;
	w->stopping = 1;
	evconnlistener_disable(w->listener);
	event_base_loopexit(w->base, &grace);
	evhttpd_worker_check_stop(w);
}

static void
wakeup_cb(evutil_socket_t fd, short what, void *arg)
{
	char c;

	(void)what;
	if (read(fd, &c, 1) >= 0)
		worker_stop(arg);
}

static void
signal_cb(evutil_socket_t sig, short what, void *arg)
{
	int i;

	(void)what;
	(void)arg;
	if (sig == SIGHUP) {
		evhttpd_log_reopen();
		evhttpd_tls_reload();
		return;
	}
	if (!workers[0].stopping)
		cli_note("stopping: no new connections; finishing the replies "
		         "in flight");
	for (i = 1; i < nworkers; i++)
		if (write(workers[i].wake_fds[1], "x", 1) < 0)
			cli_warn("cannot wake worker %d", i);
	worker_stop(&workers[0]);
}

static void
worker_init(struct evhttpd_worker *w, const struct evhttpd_opts *o, int i,
    int fd, int dirfd, const char *root)
{
	struct timeval one = { 1, 0 };

	w->o = o;
	w->index = i;
	w->base = cli_base_new(o->method);
	w->http = evhttp_new(w->base);
	if (w->http == NULL)
		cli_diex("cannot create the HTTP server");
	evhttp_set_gencb(w->http, evhttpd_serve, w);
	/* Every method reaches evhttpd_serve, which answers 405 + Allow. */
	evhttp_set_allowed_methods(w->http, 0xffff);
	evhttp_set_timeout(w->http, o->timeout);
	evhttp_set_max_headers_size(w->http, (ev_ssize_t)o->max_header_size);
	evhttp_set_max_body_size(w->http, 65536);
	w->listener = evconnlistener_new(w->base, NULL, NULL,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 0, fd);
	if (w->listener == NULL ||
	    evhttp_bind_listener(w->http, w->listener) == NULL)
		cli_diex("cannot listen with evhttp");
	w->files = evhttpd_files_new(dirfd, root, o->follow_symlinks);
	w->conns = evhttpd_conns_new(w);
	snprintf(w->boundary, sizeof(w->boundary), "evhttpd-%08lx%04x",
	    (unsigned long)random(), i);
	w->tick = event_new(w->base, -1, EV_PERSIST, tick_cb, w);
	if (w->tick == NULL || event_add(w->tick, &one) != 0)
		cli_diex("cannot add the timer");
	evhttpd_worker_tick(w);
	if (i == 0)
		return;
	if (pipe2(w->wake_fds, O_CLOEXEC | O_NONBLOCK) != 0)
		cli_die("pipe");
	w->wakeup = event_new(w->base, w->wake_fds[0], EV_READ, wakeup_cb, w);
	if (w->wakeup == NULL || event_add(w->wakeup, NULL) != 0)
		cli_diex("cannot add the wakeup event");
}

static void
worker_free(struct evhttpd_worker *w)
{
	evhttp_free(w->http); /* closes the listener and connections */
	evhttpd_conns_free(w->conns);
	evhttpd_files_free(w->files);
	event_free(w->tick);
	if (w->wakeup != NULL) {
		event_free(w->wakeup);
		close(w->wake_fds[0]);
		close(w->wake_fds[1]);
	}
	event_base_free(w->base);
}

static void *
worker_run(void *arg)
{
	struct evhttpd_worker *w = arg;

	event_base_dispatch(w->base);
	return NULL;
}

/* "listening on ADDR:PORT" ([ADDR] for IPv6) on standard error. */
static void
say_listening(const struct sockaddr_storage *ss)
{
	char host[INET6_ADDRSTRLEN];
	int port;

	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)ss;

		evutil_inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof(host));
		port = ntohs(s6->sin6_port);
		fprintf(stderr, "%s: listening on [%s]:%d\n", cli_prog(), host,
		    port);
	} else {
		const struct sockaddr_in *s4 = (const void *)ss;

		evutil_inet_ntop(AF_INET, &s4->sin_addr, host, sizeof(host));
		port = ntohs(s4->sin_port);
		fprintf(stderr, "%s: listening on %s:%d\n", cli_prog(), host,
		    port);
	}
	fflush(stderr);
}

/* The write end of the pipe the parent of --daemon waits on, or -1. */
static int ready_fd = -1;

/* Into the background: the parent exits once the child says it is ready
 * (see ready()), with the child's pidfile written. */
static void
daemonize(const char *pidfile)
{
	int p[2];
	char c = 0;
	pid_t pid;
	FILE *fp;

	if (pipe(p) != 0)
		cli_die("pipe");
	pid = fork();
	if (pid < 0)
		cli_die("fork");
	if (pid > 0) {
		close(p[1]);
		exit(read(p[0], &c, 1) == 1 && c == 'k' ? CLI_EXIT_OK
		                                        : CLI_EXIT_FAILURE);
	}
	close(p[0]);
	setsid();
	if (pidfile != NULL) {
		fp = fopen(pidfile, "w");
		if (fp == NULL || fprintf(fp, "%ld\n", (long)getpid()) < 0 ||
		    fclose(fp) != 0)
			cli_die("%s", pidfile);
	}
	ready_fd = p[1];
}

/*
 * Says "listening on" once the signals are caught, so that a script that
 * waits for the line (or for --daemon's parent to exit) and then sends
 * SIGTERM gets the graceful stop, not the default action; a daemon's
 * standard streams go to /dev/null after.
 */
static void
ready(const struct sockaddr_storage *ss)
{
	int null;

	say_listening(ss);
	if (ready_fd < 0)
		return;
	null = open("/dev/null", O_RDWR);
	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		if (null > 2)
			close(null);
	}
	if (write(ready_fd, "k", 1) != 1)
		exit(CLI_EXIT_FAILURE);
	close(ready_fd);
	ready_fd = -1;
}

/* Every worker set up on its socket (the first one picks the port). */
static void
start_workers(const struct evhttpd_opts *o, int dirfd, const char *root,
    struct sockaddr_storage *ss)
{
	socklen_t sslen;
	int i, port = o->port, *fds;

	nworkers = o->threads;
	workers = cli_xcalloc((size_t)nworkers, sizeof(*workers));
	fds = cli_xcalloc((size_t)nworkers, sizeof(*fds));
	for (i = 0; i < nworkers; i++) {
		fds[i] = listen_on(o, port, nworkers > 1, ss, &sslen);
		port = ntohs(((struct sockaddr_in *)ss)->sin_port);
	}
	if (o->daemon)
		daemonize(o->pidfile);
	/* After the fork: a base does not survive one. */
	for (i = 0; i < nworkers; i++)
		worker_init(&workers[i], o, i, fds[i], dirfd, root);
	free(fds);
}

int
main(int argc, char **argv)
{
	struct evhttpd_opts o;
	struct event *sig[3];
	struct sockaddr_storage ss;
	sigset_t block, old;
	char root[PATH_MAX];
	int i, dirfd;

	parse_options(&o, argc, argv);
	if (realpath(o.dir, root) == NULL ||
	    (dirfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		cli_die("%s", o.dir);
	if (o.log_file != NULL && evhttpd_log_open(o.log_file) != 0)
		cli_die("%s", o.log_file);
	if (evhttpd_tls_init(&o) != 0)
		exit(CLI_EXIT_FAILURE);
	evhttpd_mime_load("/etc/mime.types");
	signal(SIGPIPE, SIG_IGN);
	srandom((unsigned)getpid() ^ (unsigned)time(NULL));
	start_workers(&o, dirfd, root, &ss);

	/* Worker threads start with the stop signals blocked. */
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	for (i = 1; i < nworkers; i++)
		if (pthread_create(&workers[i].thread, NULL, worker_run,
		        &workers[i]) != 0)
			cli_diex("cannot start thread %d", i);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	sig[0] = evsignal_new(workers[0].base, SIGTERM, signal_cb, NULL);
	sig[1] = evsignal_new(workers[0].base, SIGINT, signal_cb, NULL);
	sig[2] = evsignal_new(workers[0].base, SIGHUP, signal_cb, NULL);
	for (i = 0; i < 3; i++)
		if (sig[i] == NULL || evsignal_add(sig[i], NULL) != 0)
			cli_diex("cannot catch signals");
	ready(&ss);

	event_base_dispatch(workers[0].base);
	for (i = 1; i < nworkers; i++)
		pthread_join(workers[i].thread, NULL);
	/* Freeing the signal events gives the signals their default action
	 * back, and a second SIGTERM may be on its way (timeout(1) sends one
	 * to the process and one to its group): blocked, then ignored, it
	 * cannot cut the exit short. */
	pthread_sigmask(SIG_BLOCK, &block, NULL);
	for (i = 0; i < 3; i++)
		event_free(sig[i]);
	signal(SIGTERM, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	for (i = 0; i < nworkers; i++)
		worker_free(&workers[i]);
	free(workers);
	evhttpd_log_close();
	evhttpd_tls_free();
	evhttpd_mime_free();
	evhttpd_free_options(&o);
	close(dirfd);
	if (o.pidfile != NULL)
		unlink(o.pidfile);
	return CLI_EXIT_OK;
}
