/*
 * options.c: evcat's command line, parsed without side effects.
 *
 * evcat_parse_options() fills a struct evcat_opts and returns 0, or
 * returns 2 (CLI_EXIT_USAGE) with a message; it never prints or exits, so
 * the fuzz harness (tests/fuzz/fuzz_evcat_options.c) can call it over and
 * over.  What the options ask for beyond the struct (-h, -V,
 * --list-methods, the verbosity) is in o->action and o->verbosity for
 * main() to carry out; checks of the environment (is stdin a terminal for
 * -i) are main()'s too.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "evcat.h"

/* Keep equal to SYNOPSIS in man/evcat.1. */
const char evcat_usage[] =
    "evcat [-46CdhiklNnUuVvxz] [-c command] [-e command] [-I size] [-m count]\n"
    "             [-O size] [-o file] [-p port] [-q time] [-s source] [-w "
    "time]\n"
    "             [--allow list] [--broker] [--deny list] [--hex-dump file]\n"
    "             [--list-methods] [--method name] [--no-shutdown] "
    "[--no-splice]\n"
    "             [--proxy host:port] [--proxy-auth user:password]\n"
    "             [--proxy-type type] [--quiet] [--rate bytes] [--recv-only]\n"
    "             [--relay address:port] [--send-only] [--ssl] [--ssl-alpn "
    "list]\n"
    "             [--ssl-cert file] [--ssl-ciphers list] [--ssl-key file]\n"
    "             [--ssl-no-verify] [--ssl-servername name] [--ssl-trustfile "
    "file]\n"
    "             [--ssl-verify] [destination] [port ...]";

const char evcat_help[] =
    "  -4, -6           IPv4 or IPv6 only\n"
    "  -C, --crlf       send each \"\\n\" of standard input as \"\\r\\n\"\n"
    "  -c cmd, -e cmd   run cmd (through /bin/sh; directly) on the socket\n"
    "  -d               do not read standard input\n"
    "  -I size, -O size receive and send socket buffer (SO_RCVBUF, SO_SNDBUF)\n"
    "  -i               edit lines with history (stdin a terminal)\n"
    "  -k               with -l: serve clients at once, stdin to each\n"
    "  -l               listen: evcat -l [address] port (port 0: any),\n"
    "                   or evcat -l -p port [address] as in nc\n"
    "  -m count         with -l or --relay: at most count clients at once\n"
    "  -N               shut down the sending half after end of input\n"
    "                   (the default; --no-shutdown keeps it open)\n"
    "  -n               numeric addresses only, no name lookups\n"
    "  -o file          write the data sent and received to file\n"
    "  -p port, -s addr local port and address to connect from\n"
    "  -q time          quit that long after end of input (-1: never)\n"
    "  -U               unix-domain stream socket: destination is a path\n"
    "  -u               UDP\n"
    "  -w time          connect timeout and idle timeout\n"
    "                   (times: 500ms, 2s, 1.5m, 1h; a bare number is "
    "seconds)\n"
    "  -x               hex dump of the traffic on stderr\n"
    "  -z               scan: report open ports (lists, ranges: 20-25,80)\n"
    "  --allow list, --deny list\n"
    "                   with -l or --relay: admit or refuse clients by\n"
    "                   address or range (10.0.0.0/8,::1); deny wins\n"
    "  --broker         with -l: relay every client's data to all others\n"
    "  --hex-dump file  the -x hex dump, to file instead of stderr\n"
    "  --rate bytes     limit each direction to bytes per second\n"
    "                   (K, M, G: powers of 1024; 1.5M; at most 16G)\n"
    "  --recv-only      only receive: do not read standard input\n"
    "  --send-only      only send: discard what the peer sends, and close\n"
    "                   once standard input is sent\n"
    "  --no-splice      always copy through user space\n"
    "  --relay address:port\n"
    "                   forward clients accepted there to the destination\n"
    "                   (evcat --relay :8080 host:80; -k: many clients)\n"
    "  --proxy host:port\n"
    "                   connect through a proxy; --proxy-type http (CONNECT,\n"
    "                   the default) or socks5; --proxy-auth user:password\n"
    "  --ssl            TLS (any --ssl-* option implies it)\n"
    "  --ssl-cert file  certificate chain (PEM); with -l, a throw-away\n"
    "                   self-signed one when not given\n"
    "  --ssl-key file   its private key (default: in the --ssl-cert file)\n"
    "  --ssl-verify     check the peer's certificate (the default when\n"
    "                   connecting; with -l: require a client certificate)\n"
    "  --ssl-no-verify  do not check the server's certificate\n"
    "  --ssl-trustfile file\n"
    "                   CA certificates to trust instead of the system's\n"
    "  --ssl-servername name\n"
    "                   SNI and the name the certificate must carry\n"
    "                   (default: the destination)\n"
    "  --ssl-alpn list  ALPN protocols, comma-separated\n"
    "  --ssl-ciphers list\n"
    "                   OpenSSL cipher list (TLS_* names: TLS 1.3 suites)\n"
    "  --method name    event backend; --list-methods lists them\n"
    "  -v               more verbose (-vv: data paths)\n"
    "  --quiet          no notes on stderr, errors only (-q takes a time)\n"
    "  -h, -V           print this help; print the version\n";

enum {
	OPT_BROKER = CLI_OPT_TOOL_FIRST,
	OPT_NO_SHUTDOWN,
	OPT_NO_SPLICE,
	OPT_RATE,
	OPT_SSL,
	OPT_SSL_ALPN,
	OPT_SSL_CERT,
	OPT_SSL_CIPHERS,
	OPT_SSL_KEY,
	OPT_SSL_NO_VERIFY,
	OPT_SSL_SERVERNAME,
	OPT_SSL_TRUSTFILE,
	OPT_SSL_VERIFY,
	OPT_ALLOW,
	OPT_DENY,
	OPT_HEX_DUMP,
	OPT_PROXY,
	OPT_PROXY_AUTH,
	OPT_PROXY_TYPE,
	OPT_QUIET,
	OPT_RECV_ONLY,
	OPT_RELAY,
	OPT_SEND_ONLY,
};

static const struct option tool_options[] = {
	{ "ipv4", no_argument, NULL, '4' },
	{ "ipv6", no_argument, NULL, '6' },
	{ "no-stdin", no_argument, NULL, 'd' },
	{ "interactive", no_argument, NULL, 'i' },
	{ "keep-open", no_argument, NULL, 'k' },
	{ "listen", no_argument, NULL, 'l' },
	{ "shutdown", no_argument, NULL, 'N' },
	{ "numeric", no_argument, NULL, 'n' },
	{ "source-port", required_argument, NULL, 'p' },
	{ "quit-after", required_argument, NULL, 'q' },
	{ "source", required_argument, NULL, 's' },
	{ "unix", no_argument, NULL, 'U' },
	{ "udp", no_argument, NULL, 'u' },
	{ "wait", required_argument, NULL, 'w' },
	{ "hex-dump", required_argument, NULL, OPT_HEX_DUMP },
	{ "zero-io", no_argument, NULL, 'z' },
	{ "broker", no_argument, NULL, OPT_BROKER },
	{ "no-shutdown", no_argument, NULL, OPT_NO_SHUTDOWN },
	{ "no-splice", no_argument, NULL, OPT_NO_SPLICE },
	{ "rate", required_argument, NULL, OPT_RATE },
	{ "ssl", no_argument, NULL, OPT_SSL },
	{ "ssl-alpn", required_argument, NULL, OPT_SSL_ALPN },
	{ "ssl-cert", required_argument, NULL, OPT_SSL_CERT },
	{ "ssl-ciphers", required_argument, NULL, OPT_SSL_CIPHERS },
	{ "ssl-key", required_argument, NULL, OPT_SSL_KEY },
	{ "ssl-no-verify", no_argument, NULL, OPT_SSL_NO_VERIFY },
	{ "ssl-servername", required_argument, NULL, OPT_SSL_SERVERNAME },
	{ "ssl-trustfile", required_argument, NULL, OPT_SSL_TRUSTFILE },
	{ "ssl-verify", no_argument, NULL, OPT_SSL_VERIFY },
	{ "crlf", no_argument, NULL, 'C' },
	{ "exec", required_argument, NULL, 'e' },
	{ "sh-exec", required_argument, NULL, 'c' },
	{ "output", required_argument, NULL, 'o' },
	{ "max-conns", required_argument, NULL, 'm' },
	{ "recv-buf", required_argument, NULL, 'I' },
	{ "send-buf", required_argument, NULL, 'O' },
	{ "allow", required_argument, NULL, OPT_ALLOW },
	{ "deny", required_argument, NULL, OPT_DENY },
	{ "send-only", no_argument, NULL, OPT_SEND_ONLY },
	{ "recv-only", no_argument, NULL, OPT_RECV_ONLY },
	{ "relay", required_argument, NULL, OPT_RELAY },
	{ "proxy", required_argument, NULL, OPT_PROXY },
	{ "proxy-type", required_argument, NULL, OPT_PROXY_TYPE },
	{ "proxy-auth", required_argument, NULL, OPT_PROXY_AUTH },
	{ "quiet", no_argument, NULL, OPT_QUIET },
	{ NULL, 0, NULL, 0 },
};

/* The message in m; returns the usage status for the caller to return. */
#define usage_error(m, ...) cli_msg((m), CLI_EXIT_USAGE, __VA_ARGS__)
/* An option's number in [min, max], or the usage status. */
#define number(m, ...) cli_number_msg((m), CLI_EXIT_USAGE, __VA_ARGS__)

/*
 * A plain decimal number at the start of arg: digits, a '.' and digits
 * (either side may be empty, not both), as nc takes numbers: no sign, no
 * exponent, no hex, no "inf" or "nan" (all of which strtod would take).
 * Returns its value and sets *end past it, or returns -1.
 */
static double
decimal_prefix(const char *arg, const char **end)
{
	const char *p = arg;
	char *e;
	int digits = 0;
	double v;

	for (; isdigit((unsigned char)*p); p++)
		digits++;
	if (*p == '.')
		for (p++; isdigit((unsigned char)*p); p++)
			digits++;
	if (digits == 0)
		return -1;
	v = strtod(arg, &e);
	if (e != p) /* "1e5", "0x10": strtod went on where we stopped */
		return -1;
	*end = p;
	return v;
}

/*
 * Bytes per second: a number, fractions allowed, with K, M or G (powers
 * of 1024) after it: "100K", "1.5M"; from 1 byte to 16G.
 */
static int
parse_rate(struct cli_msgbuf *m, const char *arg, long long *rate)
{
	static const long long max = 1LL << 34;
	static const char suffixes[] = "kKmMgG";
	const char *s, *end;
	double v, mult = 1;

	v = decimal_prefix(arg, &end);
	if (v < 0)
		goto bad;
	if (*end != '\0') {
		s = strchr(suffixes, *end);
		if (s == NULL || end[1] != '\0')
			goto bad;
		mult = (double)(1LL << (10 * (1 + (s - suffixes) / 2)));
	}
	v = v * mult + 0.5;
	if (!(v >= 1 && v <= (double)max))
		goto bad;
	*rate = (long long)v;
	return 0;
bad:
	/* Name the bound in bytes, whatever unit the argument used. */
	return usage_error(m,
	    "--rate: '%s' is not a rate between 1 and %lld (16G) bytes per "
	    "second (a number, fractions allowed, with K, M or G after it: "
	    "100K, 1.5M)",
	    arg, max);
}

/*
 * A time: a number, fractions allowed, with "ms", "s", "m" or "h" after it
 * (plain: seconds), into milliseconds in [min_ms, max_ms].  "-1" is kept
 * as -1 when min_ms allows it (never).  A time outside the range is told
 * apart from something that is not a time at all.
 */
static int
parse_duration(struct cli_msgbuf *m, const char *opt, const char *arg,
    long long min_ms, long long max_ms, long long *ms)
{
	const char *end;
	double v, mult = 1000;

	if (strcmp(arg, "-1") == 0 && min_ms < 0) {
		*ms = -1;
		return 0;
	}
	v = decimal_prefix(arg, &end);
	if (v < 0)
		goto bad;
	if (strcmp(end, "ms") == 0)
		mult = 1;
	else if (strcmp(end, "s") == 0 || *end == '\0')
		mult = 1000;
	else if (strcmp(end, "m") == 0)
		mult = 60 * 1000;
	else if (strcmp(end, "h") == 0)
		mult = 3600 * 1000;
	else
		goto bad;
	v *= mult;
	if (!(v >= (double)(min_ms < 0 ? 0 : min_ms) && v <= (double)max_ms))
		return usage_error(m,
		    "%s: '%s' is out of range: from %lldms to %lld days%s", opt,
		    arg, min_ms < 0 ? 0 : min_ms, max_ms / 86400000,
		    min_ms < 0 ? ", or -1 for never" : "");
	*ms = (long long)(v + 0.5);
	if (*ms == 0 && v > 0)
		*ms = 1;
	return 0;
bad:
	return usage_error(m,
	    "%s: '%s' is not a time (a number of seconds, or with ms, s, m "
	    "or h after it: 500ms, 2s, 1.5m)",
	    opt, arg);
}

/* A repeatable list option kept in a fixed array. */
static int
add_acl(struct cli_msgbuf *m, const char *opt, const char **list, int *n,
    const char *arg)
{
	if (*n >= EVCAT_ACL_MAX)
		return usage_error(m, "%s: at most %d times", opt,
		    EVCAT_ACL_MAX);
	list[(*n)++] = arg;
	return 0;
}

/* A port number (0 only when listening) or a service name. */
static int
check_port(struct cli_msgbuf *m, const char *port, int zero_ok)
{
	long long v;

	if (isdigit((unsigned char)*port))
		return number(m, "port", port, zero_ok ? 0 : 1, 65535, &v);
	if (*port == '\0' || *port == '-')
		return usage_error(m, "invalid port '%s'", port);
	return 0;
}

/* --method NAME: a supported backend, given once ("all": the only one). */
static int
set_method(struct cli_msgbuf *m, struct evcat_opts *o, const char *name)
{
	const char **methods = cli_methods_supported();

	if (strcmp(name, "all") == 0) {
		if (methods[0] == NULL || methods[1] != NULL)
			return usage_error(m, "--method may be given once");
		name = methods[0];
	}
	if (cli_method_check(name, m) != 0)
		return CLI_EXIT_USAGE;
	if (o->method != NULL && strcmp(o->method, name) != 0)
		return usage_error(m, "--method may be given once");
	o->method = name;
	return 0;
}

/*
 * --ssl and its options, each of which implies --ssl (as in ncat).
 * Returns 1 when ch was one of them, -1 for a conflict, else 0.
 */
static int
ssl_option(struct cli_msgbuf *m, struct evcat_opts *o, int ch, const char *arg)
{
	int verify;

	switch (ch) {
	case OPT_SSL:
		break;
	case OPT_SSL_ALPN:
		o->ssl_alpn = arg;
		break;
	case OPT_SSL_CERT:
		o->ssl_cert = arg;
		break;
	case OPT_SSL_CIPHERS:
		o->ssl_ciphers = arg;
		break;
	case OPT_SSL_KEY:
		o->ssl_key = arg;
		break;
	case OPT_SSL_SERVERNAME:
		o->ssl_servername = arg;
		break;
	case OPT_SSL_TRUSTFILE:
		o->ssl_trustfile = arg;
		break;
	case OPT_SSL_VERIFY:
	case OPT_SSL_NO_VERIFY:
		verify = ch == OPT_SSL_VERIFY;
		if (o->ssl_verify != -1 && o->ssl_verify != verify) {
			usage_error(m,
			    "--ssl-verify and --ssl-no-verify "
			    "conflict");
			return -1;
		}
		o->ssl_verify = verify;
		break;
	default:
		return 0;
	}
	o->ssl = 1;
	return 1;
}

/* The options that only set a flag. */
static int
flag_option(struct evcat_opts *o, int ch)
{
	switch (ch) {
	case 'd':
		o->no_stdin = 1;
		return 1;
	case 'i':
		o->interactive = 1;
		return 1;
	case 'k':
		o->keep = 1;
		return 1;
	case 'l':
		o->listen = 1;
		return 1;
	case 'N':
		o->shutdown = 1;
		return 1;
	case 'n':
		o->numeric = 1;
		return 1;
	case 'u':
		o->udp = 1;
		return 1;
	case 'x':
		o->hexdump = 1;
		return 1;
	case 'z':
		o->scan = 1;
		return 1;
	case OPT_BROKER:
		o->broker = o->keep = 1;
		return 1;
	case OPT_NO_SHUTDOWN:
		o->shutdown = 0;
		return 1;
	case 'C':
		o->crlf = 1;
		return 1;
	case OPT_QUIET:
		o->verbosity = -1;
		return 1;
	case OPT_SEND_ONLY:
		o->send_only = 1;
		return 1;
	case OPT_RECV_ONLY:
		/* Standard input left alone: -d under ncat's name. */
		o->recv_only = o->no_stdin = 1;
		return 1;
	case OPT_NO_SPLICE:
		o->splice = 0;
		return 1;
	default:
		return 0;
	}
}

/*
 * The options with a value that pick a mode or shape the data: -e, -c,
 * -o, --hex-dump, -m, -I, -O, --allow, --deny, --relay and --proxy*.
 * Returns 1 with *status set when ch was one of them, else 0.
 */
static int
mode_option(struct cli_msgbuf *m, struct evcat_opts *o, int ch, const char *arg,
    int *status)
{
	*status = 0;
	switch (ch) {
	case 'e':
	case 'c':
		if (o->exec_cmd != NULL) {
			*status = usage_error(m, "-e and -c may be given once");
			break;
		}
		o->exec_cmd = arg;
		o->exec_shell = ch == 'c';
		break;
	case 'o':
		o->output_file = arg;
		break;
	case OPT_HEX_DUMP:
		o->hexdump_file = arg;
		o->hexdump = 1;
		break;
	case 'm':
		*status = number(m, "-m", arg, 1, 1000000, &o->max_conns);
		break;
	case 'I':
		*status = number(m, "-I", arg, 1, 1LL << 30, &o->rcvbuf);
		break;
	case 'O':
		*status = number(m, "-O", arg, 1, 1LL << 30, &o->sndbuf);
		break;
	case OPT_ALLOW:
		*status = add_acl(m, "--allow", o->allow, &o->nallow, arg);
		break;
	case OPT_DENY:
		*status = add_acl(m, "--deny", o->deny, &o->ndeny, arg);
		break;
	case OPT_RELAY:
		o->relay_listen = arg;
		break;
	case OPT_PROXY:
		o->proxy = arg;
		break;
	case OPT_PROXY_AUTH:
		o->proxy_auth = arg;
		break;
	case OPT_PROXY_TYPE:
		if (strcmp(arg, "socks5") == 0)
			o->proxy_type = EVCAT_PROXY_SOCKS5;
		else if (strcmp(arg, "http") == 0)
			o->proxy_type = EVCAT_PROXY_HTTP;
		else
			*status = usage_error(m,
			    "--proxy-type: '%s' is not socks5 or http", arg);
		break;
	default:
		return 0;
	}
	return 1;
}

/* One getopt result; 0, or CLI_EXIT_USAGE with the message. */
static int
one_option(struct cli_msgbuf *m, struct evcat_opts *o, int ch, const char *arg,
    char **argv)
{
	int fam, status;

	if (flag_option(o, ch))
		return 0;
	switch (ssl_option(m, o, ch, arg)) {
	case 1:
		return 0;
	case -1:
		return CLI_EXIT_USAGE;
	}
	if (mode_option(m, o, ch, arg, &status))
		return status;
	switch (ch) {
	case '4':
	case '6':
		fam = ch == '4' ? AF_INET : AF_INET6;
		if (o->family != AF_UNSPEC && o->family != fam)
			return usage_error(m, "-4 and -6 conflict");
		o->family = fam;
		return 0;
	case 'p':
		/* Port 0 is fine with -l only (check_conflicts). */
		o->source_port = arg;
		return check_port(m, arg, 1);
	case 'q':
		/* -q TIME as in nc; quiet is --quiet. */
		return parse_duration(m, "-q", arg, -1, 86400LL * 365 * 1000,
		    &o->quit_ms);
	case 'v':
		if (o->verbosity >= 0)
			o->verbosity++;
		return 0;
	case 's':
		o->source = arg;
		return 0;
	case 'U':
		o->unix_path = "";
		return 0;
	case 'w':
		return parse_duration(m, "-w", arg, 1, 86400LL * 365 * 1000,
		    &o->wait_ms);
	case OPT_RATE:
		return parse_rate(m, arg, &o->rate);
	case CLI_OPT_METHOD:
		return set_method(m, o, arg);
	case 'h':
		o->action = EVCAT_HELP;
		return 0;
	case 'V':
		o->action = EVCAT_VERSION;
		return 0;
	case CLI_OPT_LIST_METHODS:
		o->action = EVCAT_LIST_METHODS;
		return 0;
	case ':':
	case '?':
		cli_getopt_message(ch, argv, m->buf, m->size);
		return CLI_EXIT_USAGE;
	default:
		return usage_error(m, "unhandled option");
	}
}

/* TLS runs over streams only, and a scan makes no connection to secure. */
static int
check_ssl_conflicts(struct cli_msgbuf *m, const struct evcat_opts *o)
{
	if (!o->ssl)
		return 0;
	if (o->udp)
		return usage_error(m,
		    "--ssl cannot be used with -u "
		    "(TLS needs a stream; no DTLS)");
	if (o->scan)
		return usage_error(m, "--ssl and -z conflict");
	if (o->ssl_key != NULL && o->ssl_cert == NULL)
		return usage_error(m, "--ssl-key needs --ssl-cert");
	if (o->listen && o->ssl_servername != NULL)
		return usage_error(m,
		    "--ssl-servername cannot be used with -l");
	if (o->unix_path != NULL && !o->listen && o->ssl_verify != 0 &&
	    o->ssl_servername == NULL)
		return usage_error(m,
		    "-U --ssl: give --ssl-servername (the name the server's "
		    "certificate must carry) or --ssl-no-verify");
	return 0;
}

/* Which way data flows: --send-only, --recv-only, -C. */
static int
check_io_conflicts(struct cli_msgbuf *m, const struct evcat_opts *o)
{
	if (o->send_only && o->recv_only)
		return usage_error(m, "--send-only and --recv-only conflict");
	if (o->send_only && o->no_stdin)
		return usage_error(m,
		    "--send-only and -d conflict (nothing to send)");
	if (o->send_only && (o->udp || o->broker || o->scan))
		return usage_error(m,
		    "--send-only cannot be used with -u, --broker or -z");
	if (o->scan && (o->crlf || o->output_file != NULL || o->hexdump))
		return usage_error(m, "-z cannot be used with -C, -o or -x");
	if (o->crlf && (o->udp || o->broker))
		return usage_error(m, "-C cannot be used with -u or --broker");
	return 0;
}

/* -e/-c, --relay, --proxy, --allow/--deny and -m (exec.c, forward.c ...) */
static int
check_mode_conflicts(struct cli_msgbuf *m, const struct evcat_opts *o)
{
	char host[256];
	const char *port;
	int relay = o->relay_listen != NULL;

	if (o->exec_cmd != NULL &&
	    (o->broker || o->udp || o->scan || o->interactive || o->ssl ||
	        o->hexdump || o->rate > 0 || relay))
		return usage_error(m,
		    "-e and -c cannot be used with --broker, -u, -z, -i, "
		    "--ssl, -x, --rate or --relay");
	/* No byte passes through evcat there: nothing to rewrite or record. */
	if ((o->exec_cmd != NULL || relay) &&
	    (o->crlf || o->output_file != NULL || o->send_only || o->recv_only))
		return usage_error(m,
		    "%s cannot be used with -C, -o, --send-only or --recv-only",
		    o->exec_cmd != NULL ? "-e and -c" : "--relay");
	if (o->exec_cmd != NULL &&
	    o->exec_cmd[strspn(o->exec_cmd, " \t")] == '\0')
		return usage_error(m, "%s: empty command",
		    o->exec_shell ? "-c" : "-e");
	if (relay &&
	    (o->listen || o->udp || o->unix_path != NULL || o->scan ||
	        o->interactive || o->ssl || o->proxy != NULL || o->hexdump ||
	        o->rate > 0))
		return usage_error(m,
		    "--relay cannot be used with -l, -u, -U, -z, -i, -x, "
		    "--rate, --ssl or --proxy");
	if (relay &&
	    (hostport_split(o->relay_listen, host, sizeof(host), &port) != 0 ||
	        check_port(m, port, 1) != 0))
		return usage_error(m,
		    "--relay: '%s' is not ADDRESS:PORT (an IPv6 address in "
		    "brackets: [::1]:8080; port 0: any)",
		    o->relay_listen);
	if ((o->nallow > 0 || o->ndeny > 0 || o->max_conns > 0) && !o->listen &&
	    !relay)
		return usage_error(m,
		    "--allow, --deny and -m need -l or --relay");
	if ((o->nallow > 0 || o->ndeny > 0 || o->max_conns > 0) && o->udp)
		return usage_error(m,
		    "--allow, --deny and -m cannot be used with -u");
	if (acl_check_options(o, m->buf, m->size) != 0)
		return CLI_EXIT_USAGE;
	if ((o->proxy_auth != NULL || o->proxy_type != EVCAT_PROXY_NONE) &&
	    o->proxy == NULL)
		return usage_error(m,
		    "--proxy-type and --proxy-auth need --proxy");
	if (o->proxy == NULL)
		return 0;
	if (o->listen || o->udp || o->unix_path != NULL || o->scan)
		return usage_error(m,
		    "--proxy cannot be used with -l, -u, -U or -z");
	if (hostport_split(o->proxy, host, sizeof(host), &port) != 0 ||
	    host[0] == '\0' || check_port(m, port, 0) != 0)
		return usage_error(m,
		    "--proxy: '%s' is not HOST:PORT (an IPv6 address in "
		    "brackets: [::1]:1080)",
		    o->proxy);
	if (o->proxy_auth != NULL && strchr(o->proxy_auth, ':') == NULL)
		return usage_error(m, "--proxy-auth: '%s' is not USER:PASSWORD",
		    o->proxy_auth);
	return 0;
}

/* Conflicting flags are rejected right after parsing, as nc does. */
static int
check_conflicts(struct cli_msgbuf *m, const struct evcat_opts *o)
{
	if (o->listen && o->source != NULL)
		return usage_error(m, "-l cannot be used with -s");
	if (o->listen && o->scan)
		return usage_error(m, "-l and -z conflict");
	if (!o->listen && o->source_port != NULL &&
	    check_port(m, o->source_port, 0) != 0)
		return CLI_EXIT_USAGE;
	/* Before -k's check: --broker sets keep. */
	if (o->broker && !o->listen)
		return usage_error(m, "--broker needs -l");
	if (o->keep && !o->listen && o->relay_listen == NULL)
		return usage_error(m, "-k needs -l");
	if (o->keep && o->listen && o->interactive)
		return usage_error(m,
		    "-k and -i conflict (-k serves clients at once)");
	if (o->broker && (o->udp || o->interactive))
		return usage_error(m, "--broker cannot be used with -u or -i");
	if (o->scan && (o->unix_path != NULL || o->udp || o->interactive))
		return usage_error(m, "-z cannot be used with -U, -u or -i");
	if (o->unix_path != NULL &&
	    (o->udp || o->family != AF_UNSPEC || o->source != NULL ||
	        o->source_port != NULL))
		return usage_error(m,
		    "-U cannot be used with -u, -4, -6, -s or -p");
	if (o->interactive && o->no_stdin)
		return usage_error(m, "%s and -i conflict",
		    o->recv_only ? "--recv-only" : "-d");
	if (o->interactive && o->udp)
		return usage_error(m, "-i and -u conflict");
	if (o->rate > 0 && o->udp)
		return usage_error(m, "--rate and -u conflict");
	if (check_io_conflicts(m, o) != 0 || check_mode_conflicts(m, o) != 0)
		return CLI_EXIT_USAGE;
	return check_ssl_conflicts(m, o);
}

/*
 * nc's and ncat's "-l -p PORT [address]": -p is the port to listen on.
 * A port operand as well must be the same port.
 */
static int
listen_port_option(struct cli_msgbuf *m, struct evcat_opts *o, int nargs,
    char **args)
{
	const char *last = nargs > 0 ? args[nargs - 1] : NULL;
	int last_is_port;

	if (nargs > 2)
		return usage_error(m, "-l takes [address] port");
	/* One operand: a port when it is a number, else the address. */
	last_is_port = nargs == 2 ||
	    (nargs == 1 && strspn(last, "0123456789") == strlen(last));
	if (last_is_port && strcmp(last, o->source_port) != 0)
		return usage_error(m,
		    "-l: two ports, -p %s and %s (give one of them)",
		    o->source_port, last);
	o->host = nargs == 2 || (nargs == 1 && !last_is_port) ? args[0] : NULL;
	o->port = o->source_port;
	/* It is the listening port, not a source port to bind. */
	o->source_port = NULL;
	return check_port(m, o->port, 1);
}

/* --relay LISTEN TARGET:PORT, or LISTEN TARGET PORT. */
static int
relay_operands(struct cli_msgbuf *m, struct evcat_opts *o, int nargs,
    char **args)
{
	static char host[256];

	if (nargs == 2) {
		o->host = args[0];
		o->port = args[1];
	} else if (nargs == 1 &&
	    hostport_split(args[0], host, sizeof(host), &o->port) == 0 &&
	    host[0] != '\0') {
		o->host = host;
	} else {
		return usage_error(m,
		    "--relay needs a target: HOST:PORT, [IPV6]:PORT or HOST "
		    "PORT");
	}
	return check_port(m, o->port, 0);
}

/* The operands, as given. */
static int
take_operands_raw(struct cli_msgbuf *m, struct evcat_opts *o, int nargs,
    char **args)
{
	if (o->unix_path != NULL) {
		if (nargs != 1)
			return usage_error(m, "-U takes one path");
		if (*args[0] == '\0')
			return usage_error(m, "-U: empty path");
		o->unix_path = args[0];
		return 0;
	}
	if (o->scan) {
		if (nargs < 2)
			return usage_error(m,
			    "-z needs a destination and ports");
		o->host = args[0];
		o->ports = args + 1;
		o->nports = nargs - 1;
		return 0;
	}
	if (o->relay_listen != NULL)
		return relay_operands(m, o, nargs, args);
	if (o->proxy != NULL && o->proxy_type == EVCAT_PROXY_NONE)
		o->proxy_type = EVCAT_PROXY_HTTP; /* as ncat */
	if (o->listen && o->source_port != NULL)
		return listen_port_option(m, o, nargs, args);
	if (o->listen) {
		if (nargs < 1 || nargs > 2)
			return usage_error(m, "-l takes [address] port");
		o->host = nargs == 2 ? args[0] : NULL;
		o->port = args[nargs - 1];
		return check_port(m, o->port, 1);
	}
	if (nargs != 2)
		return usage_error(m,
		    nargs < 2 ? "missing destination or port"
		              : "too many arguments");
	o->host = args[0];
	o->port = args[1];
	return check_port(m, o->port, 0);
}

/*
 * The host operand, when there is one: not empty, and an IPv6 address in
 * brackets as URLs and socat write it ("[::1]") taken without them.
 */
static int
check_host(struct cli_msgbuf *m, struct evcat_opts *o)
{
	static char unbracketed[128];
	size_t len;

	if (o->host == NULL)
		return 0;
	len = strlen(o->host);
	if (len == 0)
		return usage_error(m, "empty %s",
		    o->listen ? "address" : "destination");
	if (o->host[0] == '[' && o->host[len - 1] == ']' && len > 2 &&
	    len - 2 < sizeof(unbracketed) && memchr(o->host, ':', len)) {
		memcpy(unbracketed, o->host + 1, len - 2);
		unbracketed[len - 2] = '\0';
		o->host = unbracketed;
	}
	return 0;
}

/* The operands: [destination] [port ...], or a path with -U. */
static int
take_operands(struct cli_msgbuf *m, struct evcat_opts *o, int nargs,
    char **args)
{
	int r = take_operands_raw(m, o, nargs, args);

	return r != 0 ? r : check_host(m, o);
}

int
evcat_parse_options(struct evcat_opts *o, int argc, char **argv, char *msg,
    size_t msgsize)
{
	struct cli_msgbuf m = { msg, msgsize };
	struct option *longopts;
	int ch, status = 0;

	memset(o, 0, sizeof(*o));
	o->family = AF_UNSPEC;
	o->shutdown = 1;
	o->splice = 1;
	o->quit_ms = -1;
	o->wait_ms = -1;
	o->ssl_verify = -1;
	if (msgsize > 0)
		msg[0] = '\0';
	cli_init(argc > 0 ? argv[0] : NULL, evcat_usage, evcat_help);
	longopts = cli_long_options(tool_options);
	optind = 0; /* glibc: start over, as for a new program */
	while (status == 0 && o->action == EVCAT_RUN) {
		optarg = NULL;
		ch = getopt_long(argc, argv,
		    cli_optstring("46Cc:de:I:ikm:NlnO:o:p:q:s:Uuw:xz"),
		    longopts, NULL);
		if (ch == -1)
			break;
		status = one_option(&m, o, ch, optarg, argv);
	}
	free(longopts);
	if (status != 0 || o->action != EVCAT_RUN)
		return status;
	status = check_conflicts(&m, o);
	if (status == 0)
		status = take_operands(&m, o, argc - optind, argv + optind);
	return status;
}
