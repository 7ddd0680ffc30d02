/*
 * options.c: evdig's command line, parsed without side effects.
 *
 * dig's grammar, not getopt's: options, +options, @server and names come
 * in any order.  Each NAME (or -x ADDR) starts a new query; a TYPE or CLASS
 * word and the options after a name apply to that query only, those before
 * the first name to every query (they are the defaults, which -f and -i
 * lines start from too).  evdig_parse_options() never prints or exits: it
 * returns EVDIG_EXIT_USAGE (dig's usage status, 1) with a message.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <arpa/inet.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "cli.h"
#include "evdig.h"

/* Keep equal to SYNOPSIS in man/evdig.1. */
const char evdig_usage[] =
    "evdig [-46hiVv] [@server] [-c class] [-f file] [-p port] [-t type]\n"
    "             [-x addr] [--concurrency n] [--fail] [--list-methods]\n"
    "             [--method name] [--unordered] [+[no]tls] [+tls-ca=file]\n"
    "             [+tls-hostname=name] [name [type] [class] [+option ...]]\n"
    "             ...";

const char evdig_help[] =
    "  @server          ask this server (else those of /etc/resolv.conf)\n"
    "  -p port          its port (default 53, 853 with +tls)\n"
    "  +tls             DNS over TLS: one connection per server for all\n"
    "                   queries; the certificate must chain to the system\n"
    "                   CAs and name the server (+tls-hostname, else\n"
    "                   @server, else its address)\n"
    "  +tls-ca=file     trust only these CAs (implies +tls)\n"
    "  +tls-hostname=name  the name checked and sent as SNI (implies +tls)\n"
    "  -4, -6           IPv4 or IPv6 servers only\n"
    "  -t type, -c class  query type (default A) and class (default IN)\n"
    "  -x addr          reverse lookup (PTR of the in-addr/ip6.arpa name)\n"
    "  -f file          batch: a query per line (name [type] [class]\n"
    "                   [+option ...]); \"-\" is standard input\n"
    "  --concurrency n  queries in flight at most (default 256)\n"
    "  --unordered      print results as they come, not in input order\n"
    "  -i               interactive: a query per line, with history\n"
    "  --fail           exit 20 + rcode when a reply's rcode is an error\n"
    "  --method name    event backend; --list-methods lists them\n"
    "  -v, -h, -V       verbose; this help; the version\n"
    "\n"
    "  +[no]short +[no]json +[no]all +[no]cmd +[no]comments +[no]question\n"
    "  +[no]answer +[no]authority +[no]additional +[no]stats\n"
    "  +[no]recurse +[no]tcp +[no]vc +[no]dnssec +[no]cd +[no]adflag\n"
    "  +[no]edns +[no]search +[no]ignore +bufsize=N +timeout=N +tries=N\n"
    "  +retry=N\n";

const char *const evdig_words[] = { "+short", "+noshort", "+json", "+nojson",
	"+all", "+noall", "+cmd", "+nocmd", "+comments", "+nocomments",
	"+question", "+noquestion", "+answer", "+noanswer", "+authority",
	"+noauthority", "+additional", "+noadditional", "+stats", "+nostats",
	"+recurse", "+norecurse", "+tcp", "+notcp", "+dnssec", "+nodnssec",
	"+cd", "+nocd", "+adflag", "+noadflag", "+edns", "+noedns", "+search",
	"+nosearch", "+ignore", "+noignore",
	"+bufsize=", "+timeout=", "+tries=", "+retry=", "A", "AAAA", "ANY",
	"CAA", "CNAME", "DNAME", "DNSKEY", "DS", "HTTPS", "MX", "NAPTR", "NS",
	"NSEC", "NSEC3", "NSEC3PARAM", "PTR", "RRSIG", "SOA", "SRV", "SSHFP",
	"SVCB", "TLSA", "TXT", "IN", "CH", "HS", NULL };

/* The message in m; returns the usage status for the caller to return. */
#define usage_error(m, ...) cli_msg((m), EVDIG_EXIT_USAGE, __VA_ARGS__)
/* An option's number in [min, max], or the usage status. */
#define number(m, ...) cli_int_msg((m), EVDIG_EXIT_USAGE, __VA_ARGS__)

static void
qopts_defaults(struct evdig_qopts *q)
{
	memset(q, 0, sizeof(*q));
	q->type = -1;
	q->qclass = -1;
	q->format = EVDIG_FMT_DIG;
	q->show = SHOW_ALL;
}

/* A type word; "A", "txt", "TYPE65280".  Names with a dot never are. */
static int
type_word(const char *w)
{
	if (strchr(w, '.') != NULL)
		return -1;
	return evdns_type_from_name(w);
}

static int
class_word(const char *w)
{
	if (strchr(w, '.') != NULL)
		return -1;
	return evdns_class_from_name(w);
}

/* The PTR name of an IPv4 or IPv6 address, or -1. */
static int
reverse_name(const char *addr, char **name)
{
	unsigned char b[16];
	char buf[80], *p = buf;
	int i;

	if (inet_pton(AF_INET, addr, b) == 1) {
		snprintf(buf, sizeof(buf), "%u.%u.%u.%u.in-addr.arpa.", b[3],
		    b[2], b[1], b[0]);
	} else if (inet_pton(AF_INET6, addr, b) == 1) {
		for (i = 15; i >= 0; i--)
			p += sprintf(p, "%x.%x.", b[i] & 0xf, b[i] >> 4);
		strcpy(p, "ip6.arpa.");
	} else {
		return -1;
	}
	*name = cli_xstrdup(buf);
	return 0;
}

/* A display flag: +[no]cmd and kin. */
static const struct {
	const char *name;
	int bits;
} show_words[] = {
	{ "all", SHOW_ALL },
	{ "cmd", SHOW_CMD },
	{ "comments", SHOW_COMMENTS },
	{ "question", SHOW_QUESTION },
	{ "answer", SHOW_ANSWER },
	{ "authority", SHOW_AUTHORITY },
	{ "additional", SHOW_ADDITIONAL },
	{ "stats", SHOW_STATS },
};

/* A query flag: +[no]tcp and kin; `set` says what "+word" does. */
static const struct {
	const char *name;
	int flag;
	int set; /* "+word" sets the flag (1) or clears it (0) */
} flag_words[] = {
	{ "recurse", EVDNS_QUERY_NO_RD, 0 },
	{ "tcp", EVDNS_QUERY_TCP, 1 },
	{ "vc", EVDNS_QUERY_TCP, 1 },
	{ "dnssec", EVDNS_QUERY_DO, 1 },
	{ "cd", EVDNS_QUERY_CD, 1 },
	{ "cdflag", EVDNS_QUERY_CD, 1 },
	{ "adflag", EVDNS_QUERY_AD, 1 },
	{ "edns", EVDNS_QUERY_NO_EDNS, 0 },
	{ "search", EVDNS_QUERY_SEARCH, 1 },
	{ "ignore", EVDNS_QUERY_IGNORE_TC, 1 },
};

/* "+word[=value]" (the "+" removed); dig accepts an unambiguous prefix of
 * a few words, evdig only the whole word. */
static int
plus_option(struct cli_msgbuf *m, struct evdig_qopts *q, const char *word)
{
	char opt[64];
	const char *val = strchr(word, '=');
	size_t len = val != NULL ? (size_t)(val - word) : strlen(word);
	int no = 0;
	size_t i;

	if (len >= sizeof(opt))
		return usage_error(m, "invalid option: +%s", word);
	if (strncmp(word, "tls", 3) == 0 || strncmp(word, "notls", 5) == 0)
		return usage_error(m,
		    "+%.*s applies to every query: give it on the command "
		    "line",
		    (int)len, word);
	memcpy(opt, word, len);
	opt[len] = '\0';
	if (val != NULL) {
		val++;
		if (strcmp(opt, "bufsize") == 0)
			return number(m, "+bufsize", val, 0, 65535,
			    &q->bufsize);
		if (strcmp(opt, "timeout") == 0 || strcmp(opt, "time") == 0) {
			int secs;

			if (number(m, "+timeout", val, 1, 3600, &secs) != 0)
				return EVDIG_EXIT_USAGE;
			q->timeout_ms = secs * 1000;
			return 0;
		}
		if (strcmp(opt, "tries") == 0)
			return number(m, "+tries", val, 1, 100, &q->tries);
		if (strcmp(opt, "retry") == 0) {
			if (number(m, "+retry", val, 0, 99, &q->tries) != 0)
				return EVDIG_EXIT_USAGE;
			q->tries++;
			return 0;
		}
		return usage_error(m, "invalid option: +%s", word);
	}
	if (strncmp(opt, "no", 2) == 0) {
		no = 1;
		memmove(opt, opt + 2, len - 1);
	}
	if (strcmp(opt, "short") == 0) {
		q->format = no ? EVDIG_FMT_DIG : EVDIG_FMT_SHORT;
		return 0;
	}
	if (strcmp(opt, "json") == 0) {
		q->format = no ? EVDIG_FMT_DIG : EVDIG_FMT_JSON;
		return 0;
	}
	for (i = 0; i < sizeof(show_words) / sizeof(show_words[0]); i++) {
		if (strcmp(opt, show_words[i].name) != 0)
			continue;
		if (no)
			q->show &= ~show_words[i].bits;
		else
			q->show |= show_words[i].bits;
		return 0;
	}
	for (i = 0; i < sizeof(flag_words) / sizeof(flag_words[0]); i++) {
		if (strcmp(opt, flag_words[i].name) != 0)
			continue;
		if (no == !flag_words[i].set)
			q->qflags |= flag_words[i].flag;
		else
			q->qflags &= ~flag_words[i].flag;
		return 0;
	}
	return usage_error(m, "invalid option: +%s", word);
}

/* +[no]tls, +tls-ca=FILE, +tls-hostname=NAME: the command line's only
 * (the queries share connections).  1 when w is one of them. */
static int
tls_option(struct cli_msgbuf *m, struct evdig_opts *o, const char *w, int *st)
{
	*st = 0;
	if (strcmp(w, "+tls") == 0) {
		o->tls = 1;
	} else if (strcmp(w, "+notls") == 0) {
		o->tls = 0;
	} else if (strncmp(w, "+tls-ca=", 8) == 0) {
		if (w[8] == '\0')
			*st = usage_error(m, "+tls-ca: empty file name");
		o->tls_ca = w + 8;
		o->tls = 1;
	} else if (strncmp(w, "+tls-hostname=", 14) == 0) {
		if (w[14] == '\0')
			*st = usage_error(m, "+tls-hostname: empty name");
		o->tls_hostname = w + 14;
		o->tls = 1;
	} else {
		return 0;
	}
	return 1;
}

/* Where the words of the command line go. */
struct parse {
	struct cli_msgbuf m;
	struct evdig_qopts *defaults;
	struct evdig_query *cur; /* the query being built, or NULL */
	int type_given, class_given;
	/* The new query a NAME or -x ADDR starts; returns it. */
	struct evdig_query *(*add)(struct parse *p);
	void *arg;
};

static struct evdig_qopts *
target(struct parse *p)
{
	return p->cur != NULL ? &p->cur->o : p->defaults;
}

static int
new_query(struct parse *p, char *name)
{
	p->cur = p->add(p);
	if (p->cur == NULL) {
		free(name);
		return usage_error(&p->m, "only one name per line");
	}
	p->cur->name = name;
	p->cur->o = *p->defaults;
	p->type_given = p->defaults->type >= 0;
	p->class_given = p->defaults->qclass >= 0;
	return 0;
}

/* t: type_word(arg) when the caller knows it already, else -2. */
static int
set_type(struct parse *p, const char *arg, int t)
{
	if (t == -2)
		t = type_word(arg);
	if (t < 0)
		return usage_error(&p->m, "invalid type '%s'", arg);
	if (t == EVDNS_TYPE_AXFR || t == EVDNS_TYPE_IXFR)
		return usage_error(&p->m,
		    "zone transfers (%s) are not "
		    "supported",
		    arg);
	target(p)->type = t;
	p->type_given = 1;
	return 0;
}

static int
set_class(struct parse *p, const char *arg, int c)
{
	if (c == -2)
		c = class_word(arg);
	if (c < 0)
		return usage_error(&p->m, "invalid class '%s'", arg);
	target(p)->qclass = c;
	p->class_given = 1;
	return 0;
}

static int
reverse_query(struct parse *p, const char *arg)
{
	char *name;
	int st;

	if (reverse_name(arg, &name) != 0)
		return usage_error(&p->m,
		    "-x: '%s' is not an IPv4 or IPv6 "
		    "address",
		    arg);
	st = new_query(p, name);
	if (st == 0 && p->cur->o.type < 0)
		p->cur->o.type = EVDNS_TYPE_PTR;
	return st;
}

/* A word that is not an option: a type or class of the current query,
 * or a new name. */
static int
operand(struct parse *p, const char *w)
{
	int n;

	if (p->cur != NULL && !p->type_given && (n = type_word(w)) >= 0)
		return set_type(p, w, n);
	if (p->cur != NULL && !p->class_given && (n = class_word(w)) >= 0)
		return set_class(p, w, n);
	if (*w == '\0')
		return usage_error(&p->m, "empty name");
	if (strlen(w) > 1004)
		return usage_error(&p->m, "name too long: '%.40s...'", w);
	return new_query(p, cli_xstrdup(w));
}

/* -t, -c, -x and the +options: what a line of -f or -i may hold too.
 * Returns 1 when `w` was one of them (with *used words consumed). */
static int
query_option(struct parse *p, const char *w, const char *next, int *used,
    int *st)
{
	const char *arg;

	*used = 1;
	if (w[0] == '+') {
		*st = plus_option(&p->m, target(p), w + 1);
		return 1;
	}
	if (w[0] != '-' || strchr("tcx", w[1]) == NULL || w[1] == '\0')
		return 0;
	arg = w[2] != '\0' ? w + 2 : next;
	if (arg == NULL) {
		*st =
		    usage_error(&p->m, "option -%c requires an argument", w[1]);
		return 1;
	}
	if (w[2] == '\0')
		*used = 2;
	if (w[1] == 't')
		*st = set_type(p, arg, -2);
	else if (w[1] == 'c')
		*st = set_class(p, arg, -2);
	else
		*st = reverse_query(p, arg);
	return 1;
}

/* --method NAME: a supported backend. */
static int
set_method(struct cli_msgbuf *m, struct evdig_opts *o, const char *name)
{
	if (cli_method_check(name, m) != 0)
		return EVDIG_EXIT_USAGE;
	o->method = name;
	return 0;
}

/* "--name" or "--name=value" options; *used words consumed. */
static int
long_option(struct parse *p, struct evdig_opts *o, const char *w,
    const char *next, int *used)
{
	static const char *const with_arg[] = { "method", "concurrency", "file",
		NULL };
	const char *eq = strchr(w, '=');
	size_t len = eq != NULL ? (size_t)(eq - w) : strlen(w);
	const char *arg = NULL;
	int i, takes = 0;

	*used = 1;
	for (i = 0; with_arg[i] != NULL; i++)
		if (strlen(with_arg[i]) == len &&
		    strncmp(w, with_arg[i], len) == 0)
			takes = 1;
	if (takes) {
		arg = eq != NULL ? eq + 1 : next;
		if (arg == NULL)
			return usage_error(&p->m,
			    "option '--%.*s' requires an argument", (int)len,
			    w);
		if (eq == NULL)
			*used = 2;
	} else if (eq != NULL) {
		return usage_error(&p->m,
		    "option '--%.*s' does not take an argument", (int)len, w);
	}
	if (strncmp(w, "method", len) == 0 && takes)
		return set_method(&p->m, o, arg);
	if (strncmp(w, "concurrency", len) == 0 && takes)
		return number(&p->m, "--concurrency", arg, 1, 65535,
		    &o->concurrency);
	if (strncmp(w, "file", len) == 0 && takes) {
		o->batch_file = arg;
		return 0;
	}
	if (strcmp(w, "unordered") == 0)
		o->unordered = 1;
	else if (strcmp(w, "fail") == 0)
		o->fail = 1;
	else if (strcmp(w, "interactive") == 0)
		o->interactive = 1;
	else if (strcmp(w, "help") == 0)
		o->action = EVDIG_HELP;
	else if (strcmp(w, "version") == 0)
		o->action = EVDIG_VERSION;
	else if (strcmp(w, "list-methods") == 0)
		o->action = EVDIG_LIST_METHODS;
	else if (strcmp(w, "verbose") == 0)
		cli_set_verbosity(cli_verbosity() + 1);
	else
		return usage_error(&p->m, "unknown option '--%s'", w);
	return 0;
}

/* Short options of the command line only (not of -f or -i lines). */
static int
short_option(struct parse *p, struct evdig_opts *o, const char *w,
    const char *next, int *used)
{
	const char *arg;
	int fam;

	*used = 1;
	switch (w[1]) {
	case '4':
	case '6':
		fam = w[1] == '4' ? AF_INET : AF_INET6;
		if (o->family != AF_UNSPEC && o->family != fam)
			return usage_error(&p->m, "-4 and -6 conflict");
		o->family = fam;
		break;
	case 'h':
		o->action = EVDIG_HELP;
		break;
	case 'V':
		o->action = EVDIG_VERSION;
		break;
	case 'v':
		cli_set_verbosity(cli_verbosity() + 1);
		break;
	case 'i':
		o->interactive = 1;
		break;
	case 'p':
	case 'f':
		arg = w[2] != '\0' ? w + 2 : next;
		if (arg == NULL)
			return usage_error(&p->m,
			    "option -%c requires an argument", w[1]);
		if (w[2] == '\0')
			*used = 2;
		if (w[1] == 'f') {
			o->batch_file = arg;
			return 0;
		}
		return number(&p->m, "-p", arg, 1, 65535, &o->port);
	default:
		return usage_error(&p->m, "unknown option '%s'", w);
	}
	if (w[2] != '\0')
		return usage_error(&p->m, "unknown option '%s'", w);
	return 0;
}

static struct evdig_query *
add_to_opts(struct parse *p)
{
	struct evdig_opts *o = p->arg;

	o->queries =
	    cli_xrealloc(o->queries, o->nqueries + 1, sizeof(*o->queries));
	memset(&o->queries[o->nqueries], 0, sizeof(*o->queries));
	return &o->queries[o->nqueries++];
}

static char *
join_args(int argc, char **argv)
{
	size_t len = 1;
	char *s;
	int i;

	for (i = 1; i < argc; i++)
		len += strlen(argv[i]) + 1;
	s = cli_xmalloc(len);
	s[0] = '\0';
	for (i = 1; i < argc; i++) {
		if (i > 1)
			strcat(s, " ");
		strcat(s, argv[i]);
	}
	return s;
}

static int
check_conflicts(struct cli_msgbuf *m, struct evdig_opts *o)
{
	if (o->batch_file != NULL && o->interactive)
		return usage_error(m, "-f and -i conflict");
	if (o->interactive && o->nqueries > 0)
		return usage_error(m, "-i takes no names");
	if (o->concurrency == 0)
		o->concurrency = 256;
	if (o->nqueries == 0 && o->batch_file == NULL && !o->interactive) {
		/* dig's default: the root's name servers. */
		o->queries = cli_xcalloc(1, sizeof(*o->queries));
		o->queries[0].name = cli_xstrdup(".");
		o->queries[0].o = o->defaults;
		if (o->queries[0].o.type < 0)
			o->queries[0].o.type = EVDNS_TYPE_NS;
		o->nqueries = 1;
	}
	return 0;
}

int
evdig_parse_options(struct evdig_opts *o, int argc, char **argv, char *msg,
    size_t msgsize)
{
	struct parse p;
	int i, used, st = 0;
	const char *w, *next;

	memset(o, 0, sizeof(*o));
	o->family = AF_UNSPEC;
	qopts_defaults(&o->defaults);
	memset(&p, 0, sizeof(p));
	p.m.buf = msg;
	p.m.size = msgsize;
	p.defaults = &o->defaults;
	p.add = add_to_opts;
	p.arg = o;
	if (msgsize > 0)
		msg[0] = '\0';
	cli_init(argc > 0 ? argv[0] : NULL, evdig_usage, evdig_help);
	o->cmdline = join_args(argc, argv);
	for (i = 1; i < argc && st == 0 && o->action == EVDIG_RUN; i += used) {
		w = argv[i];
		next = i + 1 < argc ? argv[i + 1] : NULL;
		used = 1;
		if (w[0] == '@') {
			if (w[1] == '\0')
				st = usage_error(&p.m, "empty server name");
			o->server = w + 1;
		} else if (tls_option(&p.m, o, w, &st)) {
			continue;
		} else if (query_option(&p, w, next, &used, &st)) {
			continue;
		} else if (w[0] == '-' && w[1] == '-' && w[2] != '\0') {
			st = long_option(&p, o, w + 2, next, &used);
		} else if (w[0] == '-' && w[1] != '\0') {
			st = short_option(&p, o, w, next, &used);
		} else {
			st = operand(&p, w);
		}
	}
	if (st != 0 || o->action != EVDIG_RUN)
		return st;
	return check_conflicts(&p.m, o);
}

void
evdig_free_options(struct evdig_opts *o)
{
	size_t i;

	for (i = 0; i < o->nqueries; i++)
		free(o->queries[i].name);
	free(o->queries);
	free(o->cmdline);
	o->queries = NULL;
	o->nqueries = 0;
}

/* A line holds one query: a second name is an error. */
static struct evdig_query *
add_one(struct parse *p)
{
	struct evdig_query *q = p->arg;

	if (q->name != NULL)
		return NULL;
	return q;
}

int
evdig_parse_words(const struct evdig_qopts *defaults, char *line,
    struct evdig_query *q, char *msg, size_t msgsize)
{
	struct evdig_qopts d = *defaults;
	struct parse p;
	char *words[64], *save = NULL, *w;
	int n = 0, i, used, st = 0;

	memset(q, 0, sizeof(*q));
	memset(&p, 0, sizeof(p));
	p.m.buf = msg;
	p.m.size = msgsize;
	p.defaults = &d;
	p.add = add_one;
	p.arg = q;
	for (w = strtok_r(line, " \t\r\n", &save); w != NULL;
	     w = strtok_r(NULL, " \t\r\n", &save)) {
		if (w[0] == '#' || w[0] == ';')
			break; /* a comment to the end of the line */
		if (n == (int)(sizeof(words) / sizeof(words[0]))) {
			usage_error(&p.m, "too many words");
			return -1;
		}
		words[n++] = w;
	}
	for (i = 0; i < n && st == 0; i += used) {
		used = 1;
		if (query_option(&p, words[i], i + 1 < n ? words[i + 1] : NULL,
		        &used, &st))
			continue;
		if (words[i][0] == '@' || words[i][0] == '-')
			st = usage_error(&p.m,
			    "'%s': only a name, types, classes, +options, -t, "
			    "-c and -x on a line",
			    words[i]);
		else
			st = operand(&p, words[i]);
	}
	if (st == 0 && q->name == NULL && n > 0)
		st = usage_error(&p.m, "no name");
	if (st != 0) {
		free(q->name);
		q->name = NULL;
		return -1;
	}
	return q->name != NULL;
}
