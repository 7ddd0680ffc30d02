/*
 * evdig: main, the resolver's set-up and the query sources of the command
 * line and of -f.  See evdig.h for the map of the other files and
 * man/evdig.1 for the behaviour.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <netdb.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>

#include "cli.h"
#include "evdig.h"

#define RESOLV_CONF "/etc/resolv.conf"

/* "evdig: ..." and exit 10, dig's status for an internal error. */
static void __attribute__((noreturn, format(printf, 1, 2)))
internal_error(const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	cli_warnx("%s", buf);
	exit(EVDIG_EXIT_INTERNAL);
}

/* The library's messages: errors always, the rest (a nameserver down and
 * back up) with -v; on a line of their own, over the progress line. */
static void
log_cb(int severity, const char *msg)
{
	if (severity < EVENT_LOG_ERR && cli_verbosity() < 1)
		return;
	if (isatty(2))
		fputs("\r\033[K", stderr);
	cli_warnx("%s", msg);
}

static const char *
resolv_conf_path(void)
{
	const char *p = getenv("EVDIG_RESOLV_CONF");

	return p != NULL && *p != '\0' ? p : RESOLV_CONF;
}

static void
add_server(struct evdns_base *dns, const char *host, int port, int family)
{
	struct addrinfo hints, *res, *ai;
	char portstr[16];
	int err;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = family;
	hints.ai_socktype = SOCK_DGRAM;
	snprintf(portstr, sizeof(portstr), "%d", port);
	err = getaddrinfo(host, portstr, &hints, &res);
	if (err != 0)
		internal_error("couldn't get address for '%s': %s", host,
		    gai_strerror(err));
	for (ai = res; ai != NULL; ai = ai->ai_next)
		if (evdns_base_nameserver_sockaddr_add(dns, ai->ai_addr,
		        (ev_socklen_t)ai->ai_addrlen, 0) != 0)
			internal_error("cannot add nameserver '%s'", host);
	freeaddrinfo(res);
}

/* -p without @server: resolv.conf's nameservers on that port. */
static void
add_conf_servers(struct evdns_base *dns, const char *path, int port, int family)
{
	char line[512], *save, *w;
	FILE *fp = fopen(path, "r");

	if (fp == NULL)
		return;
	while (fgets(line, sizeof(line), fp) != NULL) {
		w = strtok_r(line, " \t\r\n", &save);
		if (w == NULL || strcmp(w, "nameserver") != 0)
			continue;
		w = strtok_r(NULL, " \t\r\n", &save);
		if (w != NULL)
			add_server(dns, w, port, family);
	}
	fclose(fp);
}

static struct evdns_base *
dns_new(struct event_base *base, const struct evdig_opts *o, int *nservers)
{
	const char *conf = resolv_conf_path();
	struct evdns_base *dns;
	char num[16];
	int err, port = o->port != 0 ? o->port : o->tls ? 853 : 53;

	dns = evdns_base_new(base, 0);
	if (dns == NULL)
		internal_error("cannot create a resolver");
	/* Names print as asked, as dig's do. */
	evdns_base_set_option(dns, "randomize-case:", "0");
	if (o->server != NULL || port != 53) {
		/* The search list and options still come from the file. */
		evdns_base_resolv_conf_parse(dns,
		    DNS_OPTION_SEARCH | DNS_OPTION_MISC, conf);
		if (o->server != NULL)
			add_server(dns, o->server, port, o->family);
		else
			add_conf_servers(dns, conf, port, o->family);
	} else {
		err = evdns_base_resolv_conf_parse(dns, DNS_OPTIONS_ALL, conf);
		if (err != 0 && err != 6)
			cli_warnx("%s: cannot read it (error %d)", conf, err);
	}
	*nservers = evdns_base_count_nameservers(dns);
	if (*nservers == 0)
		internal_error("no nameservers");
	/* The window never waits in the library's queue. */
	snprintf(num, sizeof(num), "%d", o->concurrency);
	if (evdns_base_set_option(dns, "max-inflight:", num) != 0)
		internal_error("cannot set max-inflight to %s", num);
	return dns;
}

static struct event_base *
base_new(const char *method)
{
	struct event_config *cfg = cli_method_config(method);
	struct event_base *base = event_base_new_with_config(cfg);

	event_config_free(cfg);
	if (base == NULL)
		internal_error("cannot create an event base");
	if (method != NULL &&
	    !cli_method_matches(event_base_get_method(base), method))
		internal_error("asked for method %s, got %s", method,
		    event_base_get_method(base));
	/* Said here: log_cb() keeps the library's own note quiet. */
	cli_show_method(event_base_get_method(base));
	return base;
}

/* ---- query sources ---- */

struct argv_source {
	const struct evdig_opts *o;
	size_t next;
};

static int
argv_next(struct runner *r, struct evdig_query *q, void *arg)
{
	struct argv_source *s = arg;

	if (s->next == s->o->nqueries) {
		runner_source_done(r);
		return 0;
	}
	*q = s->o->queries[s->next++];
	q->name = cli_xstrdup(q->name);
	return 1;
}

struct file_source {
	const struct evdig_opts *o;
	const char *path;
	FILE *fp;
	unsigned long line;
	char *buf;
	size_t cap;
};

static int
file_next(struct runner *r, struct evdig_query *q, void *arg)
{
	struct file_source *s = arg;
	char msg[512];
	int got;

	for (;;) {
		errno = 0;
		if (getline(&s->buf, &s->cap, s->fp) < 0) {
			if (ferror(s->fp))
				cli_warn("%s: line %lu", s->path, s->line + 1);
			runner_source_done(r);
			return ferror(s->fp) ? -1 : 0;
		}
		s->line++;
		got = evdig_parse_words(&s->o->defaults, s->buf, q, msg,
		    sizeof(msg));
		if (got < 0) {
			cli_warnx("%s:%lu: %s", s->path, s->line, msg);
			return -1;
		}
		if (got > 0)
			return 1;
	}
}

static FILE *
open_batch(const char *path)
{
	FILE *fp;

	if (strcmp(path, "-") == 0)
		return stdin;
	fp = fopen(path, "r");
	if (fp == NULL) {
		cli_warn("%s", path);
		exit(EVDIG_EXIT_BATCH_FILE);
	}
	return fp;
}

static void
parse_options(struct evdig_opts *o, int argc, char **argv)
{
	char msg[512];

	if (evdig_parse_options(o, argc, argv, msg, sizeof(msg)) != 0) {
		cli_warnx("%s", msg);
		fprintf(stderr, "usage: %s\n", evdig_usage);
		exit(EVDIG_EXIT_USAGE);
	}
	switch (o->action) {
	case EVDIG_HELP:
		cli_help();
	case EVDIG_VERSION:
		cli_version();
	case EVDIG_LIST_METHODS:
		cli_handle_option(CLI_OPT_LIST_METHODS, NULL, argv);
		break;
	case EVDIG_RUN:
		break;
	}
	if (o->interactive && !isatty(0)) {
		cli_warnx("-i needs a terminal on standard input");
		exit(EVDIG_EXIT_USAGE);
	}
}

int
main(int argc, char **argv)
{
	static char outbuf[1 << 16];
	struct evdig_opts o;
	struct argv_source as;
	struct file_source fs;
	struct event_base *base;
	struct evdns_base *dns;
	struct runner *r;
	struct dot *dot = NULL;
	int nservers, status;

	parse_options(&o, argc, argv);
	event_set_log_callback(log_cb);
	signal(SIGPIPE, SIG_IGN);
	if (o.batch_file != NULL)
		setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
	memset(&fs, 0, sizeof(fs));
	if (o.batch_file != NULL)
		fs.fp = open_batch(o.batch_file);
	base = base_new(o.method);
	dns = dns_new(base, &o, &nservers);
	if (o.tls) {
		dot = dot_new(&o);
		dot_install(dot, dns);
	}
	r = runner_new(base, dns, &o, nservers, o.concurrency,
	    !o.unordered && !o.interactive, o.batch_file != NULL);
	runner_set_dot(r, dot);
	if (o.interactive) {
		status = evdig_interactive(r, base, &o);
	} else {
		if (o.batch_file != NULL) {
			fs.o = &o;
			fs.path = o.batch_file;
			runner_set_source(r, file_next, &fs);
		} else {
			as.o = &o;
			as.next = 0;
			runner_set_source(r, argv_next, &as);
		}
		status = runner_run(r);
	}
	runner_free(r);
	evdns_base_free(dns, 0);
	event_base_free(base);
	dot_free(dot);
	if (fs.fp != NULL && fs.fp != stdin)
		fclose(fs.fp);
	free(fs.buf);
	evdig_free_options(&o);
	return status;
}
