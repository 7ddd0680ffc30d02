/*
 * options.c: evhttpd's command line, parsed without side effects: the
 * parser never prints or exits (the fuzz harness calls it), it returns 2
 * with a message; main.c prints it.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "evhttpd.h"

/* Keep equal to SYNOPSIS in man/evhttpd.1. */
const char evhttpd_usage[] =
    "evhttpd [-hqVv] [-a addr] [-H header] [-l file] [-p port]\n"
    "             [--cache-control value] [--daemon] [--dotfiles]\n"
    "             [--follow-symlinks] [--list-methods] [--max-conns n]\n"
    "             [--max-header-size bytes] [--method name] [--no-listing]\n"
    "             [--pidfile file] [--threads n] [--timeout seconds]\n"
    "             [--tls-cert file --tls-key file] [dir]";

const char evhttpd_help[] =
    "  -a addr            address to listen on (default 127.0.0.1)\n"
    "  -p port            port (default 8080; 0: any free port)\n"
    "  dir                directory to serve (default: the current one)\n"
    "  -H 'Name: value'   add this header to every reply (repeatable)\n"
    "  -l file            access log, combined format (\"-\": stdout)\n"
    "  --cache-control v  Cache-Control value of file replies\n"
    "  --no-listing       no directory listings (403 instead)\n"
    "  --dotfiles         serve names starting with '.' (hidden: 404)\n"
    "  --follow-symlinks  serve symbolic links leading out of dir\n"
    "  --max-conns n      connections at once (default 10000)\n"
    "  --max-header-size bytes  request head size limit (default 8192)\n"
    "  --timeout seconds  idle and header timeout (default 30)\n"
    "  --tls-cert file    serve HTTPS with this certificate (chain) file\n"
    "  --tls-key file     and this private key; both reloaded on SIGHUP\n"
    "  --threads n        n event loops on n threads (SO_REUSEPORT)\n"
    "  --daemon           run in the background; --pidfile file: its PID\n"
    "  --method name      event backend; --list-methods lists them\n"
    "  -v, -q, -h, -V     more verbose; quiet; this help; the version\n";

enum {
	OPT_CACHE_CONTROL = CLI_OPT_TOOL_FIRST,
	OPT_DAEMON,
	OPT_DOTFILES,
	OPT_FOLLOW_SYMLINKS,
	OPT_MAX_CONNS,
	OPT_MAX_HEADER_SIZE,
	OPT_NO_LISTING,
	OPT_PIDFILE,
	OPT_THREADS,
	OPT_TIMEOUT,
	OPT_TLS_CERT,
	OPT_TLS_KEY,
};

static const struct option tool_options[] = {
	{ "address", required_argument, NULL, 'a' },
	{ "header", required_argument, NULL, 'H' },
	{ "log", required_argument, NULL, 'l' },
	{ "port", required_argument, NULL, 'p' },
	{ "cache-control", required_argument, NULL, OPT_CACHE_CONTROL },
	{ "daemon", no_argument, NULL, OPT_DAEMON },
	{ "dotfiles", no_argument, NULL, OPT_DOTFILES },
	{ "follow-symlinks", no_argument, NULL, OPT_FOLLOW_SYMLINKS },
	{ "max-conns", required_argument, NULL, OPT_MAX_CONNS },
	{ "max-header-size", required_argument, NULL, OPT_MAX_HEADER_SIZE },
	{ "no-listing", no_argument, NULL, OPT_NO_LISTING },
	{ "pidfile", required_argument, NULL, OPT_PIDFILE },
	{ "threads", required_argument, NULL, OPT_THREADS },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "tls-cert", required_argument, NULL, OPT_TLS_CERT },
	{ "tls-key", required_argument, NULL, OPT_TLS_KEY },
	{ NULL, 0, NULL, 0 },
};

#define usage_error(m, ...) cli_msg((m), CLI_EXIT_USAGE, __VA_ARGS__)
/* An option's number in [min, max], or the usage status. */
#define number(m, ...) cli_int_msg((m), CLI_EXIT_USAGE, __VA_ARGS__)

/* A header value may not carry CR, LF or other controls but tab. */
static int
clean_text(const char *s)
{
	for (; *s != '\0'; s++)
		if (((unsigned char)*s < 0x20 && *s != '\t') || *s == 0x7f)
			return 0;
	return 1;
}

/* -H 'Name: value': a token, a colon, a value without controls. */
static int
add_header(struct cli_msgbuf *m, struct evhttpd_opts *o, const char *arg)
{
	static const char tchar[] = "!#$%&'*+-.^_`|~";
	const char *colon = strchr(arg, ':'), *p, *value;
	struct evhttpd_header *h;

	if (colon == NULL || colon == arg)
		return usage_error(m, "-H: '%s' is not 'Name: value'", arg);
	for (p = arg; p < colon; p++)
		if (!isalnum((unsigned char)*p) && strchr(tchar, *p) == NULL)
			return usage_error(m, "-H: '%.*s' is not a header name",
			    (int)(colon - arg), arg);
	value = colon + 1;
	while (*value == ' ' || *value == '\t')
		value++;
	if (!clean_text(value))
		return usage_error(m, "-H: control character in the value");
	h = realloc(o->headers, (size_t)(o->nheaders + 1) * sizeof(*h));
	if (h == NULL)
		return usage_error(m, "-H: out of memory");
	o->headers = h;
	h += o->nheaders;
	h->name = strndup(arg, (size_t)(colon - arg));
	h->value = strdup(value);
	if (h->name == NULL || h->value == NULL) {
		free(h->name);
		free(h->value);
		return usage_error(m, "-H: out of memory");
	}
	o->nheaders++;
	return 0;
}

static int
one_option(struct cli_msgbuf *m, struct evhttpd_opts *o, int ch,
    const char *arg, char *const argv[])
{
	switch (ch) {
	case 'a':
		if (*arg == '\0')
			return usage_error(m, "-a: empty address");
		o->addr = arg;
		return 0;
	case 'p':
		return number(m, "-p", arg, 0, 65535, &o->port);
	case 'H':
		return add_header(m, o, arg);
	case 'l':
		if (*arg == '\0')
			return usage_error(m, "-l: empty file name");
		o->log_file = arg;
		return 0;
	case OPT_CACHE_CONTROL:
		if (*arg == '\0' || !clean_text(arg))
			return usage_error(m,
			    "--cache-control: empty or control character");
		o->cache_control = arg;
		return 0;
	case OPT_DAEMON:
		o->daemon = 1;
		return 0;
	case OPT_DOTFILES:
		o->dotfiles = 1;
		return 0;
	case OPT_FOLLOW_SYMLINKS:
		o->follow_symlinks = 1;
		return 0;
	case OPT_MAX_CONNS:
		return number(m, "--max-conns", arg, 1, 1000000, &o->max_conns);
	case OPT_MAX_HEADER_SIZE:
		return number(m, "--max-header-size", arg, 256, 1 << 20,
		    &o->max_header_size);
	case OPT_NO_LISTING:
		o->listing = 0;
		return 0;
	case OPT_PIDFILE:
		if (*arg == '\0')
			return usage_error(m, "--pidfile: empty file name");
		o->pidfile = arg;
		return 0;
	case OPT_THREADS:
		return number(m, "--threads", arg, 1, 256, &o->threads);
	case OPT_TIMEOUT:
		return number(m, "--timeout", arg, 1, 86400, &o->timeout);
	case OPT_TLS_CERT:
		if (*arg == '\0')
			return usage_error(m, "--tls-cert: empty file name");
		o->tls_cert = arg;
		return 0;
	case OPT_TLS_KEY:
		if (*arg == '\0')
			return usage_error(m, "--tls-key: empty file name");
		o->tls_key = arg;
		return 0;
	case CLI_OPT_METHOD:
		if (cli_method_check(arg, m) != 0)
			return CLI_EXIT_USAGE;
		o->method = arg;
		return 0;
	case CLI_OPT_LIST_METHODS:
		o->action = EVHTTPD_LIST_METHODS;
		return 0;
	case 'h':
		o->action = EVHTTPD_HELP;
		return 0;
	case 'V':
		o->action = EVHTTPD_VERSION;
		return 0;
	case 'v':
		if (o->verbosity >= 0)
			o->verbosity++;
		return 0;
	case 'q':
		o->verbosity = -1;
		return 0;
	case ':':
	case '?':
		cli_getopt_message(ch, argv, m->buf, m->size);
		return CLI_EXIT_USAGE;
	default:
		return usage_error(m, "unhandled option");
	}
}

int
evhttpd_parse_options(struct evhttpd_opts *o, int argc, char **argv, char *msg,
    size_t msgsize)
{
	struct cli_msgbuf m = { msg, msgsize };
	struct option *longopts;
	int ch, status = 0;

	memset(o, 0, sizeof(*o));
	o->addr = "127.0.0.1";
	o->port = 8080;
	o->dir = ".";
	o->listing = 1;
	o->threads = 1;
	o->max_conns = 10000;
	o->max_header_size = 8192;
	o->timeout = 30;
	if (msgsize > 0)
		msg[0] = '\0';
	cli_init(argc > 0 ? argv[0] : NULL, evhttpd_usage, evhttpd_help);
	longopts = cli_long_options(tool_options);
	optind = 0; /* glibc: start over, as for a new program */
	while (status == 0 && o->action == EVHTTPD_RUN) {
		optarg = NULL;
		ch = getopt_long(argc, argv, cli_optstring("a:H:l:p:"),
		    longopts, NULL);
		if (ch == -1)
			break;
		status = one_option(&m, o, ch, optarg, argv);
	}
	free(longopts);
	if (status != 0 || o->action != EVHTTPD_RUN)
		return status;
	if (o->pidfile != NULL && !o->daemon)
		return usage_error(&m, "--pidfile needs --daemon");
	if (o->daemon && o->log_file != NULL && strcmp(o->log_file, "-") == 0)
		return usage_error(&m, "--daemon and -l - conflict");
	if ((o->tls_cert == NULL) != (o->tls_key == NULL))
		return usage_error(&m,
		    o->tls_cert != NULL
		        ? "--tls-cert needs --tls-key (the certificate's key)"
		        : "--tls-key needs --tls-cert (the certificate)");
	if (argc - optind > 1)
		return usage_error(&m, "too many arguments: one dir at most");
	if (argc - optind == 1) {
		if (*argv[optind] == '\0')
			return usage_error(&m, "empty dir");
		o->dir = argv[optind];
	}
	return 0;
}

void
evhttpd_free_options(struct evhttpd_opts *o)
{
	int i;

	for (i = 0; i < o->nheaders; i++) {
		free(o->headers[i].name);
		free(o->headers[i].value);
	}
	free(o->headers);
	o->headers = NULL;
	o->nheaders = 0;
}
