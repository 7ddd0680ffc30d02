/*
 * Command-line helpers shared by the evkit tools.  See cli.h.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "cli.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "unknown"
#endif

#define CLI_METHODS_MAX 16

static const char *prog = "evkit";
static const char *usage_text = "";
static const char *help_text;
static int verbosity;

static const char *chosen[CLI_METHODS_MAX];
static int nchosen;

static const struct option common_options[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "method", required_argument, NULL, CLI_OPT_METHOD },
	{ "list-methods", no_argument, NULL, CLI_OPT_LIST_METHODS },
	{ NULL, 0, NULL, 0 },
};

void
cli_init(const char *argv0, const char *usage, const char *help)
{
	const char *slash;

	if (argv0 != NULL && *argv0 != '\0') {
		slash = strrchr(argv0, '/');
		prog = slash != NULL && slash[1] != '\0' ? slash + 1 : argv0;
	}
	usage_text = usage;
	help_text = help;
	opterr = 0; /* cli_handle_option() words getopt's errors */
}

const char *
cli_prog(void)
{
	return prog;
}

const char *
cli_package_version(void)
{
	return PACKAGE_VERSION;
}

int
cli_verbosity(void)
{
	return verbosity;
}

void
cli_set_verbosity(int level)
{
	verbosity = level;
}

/* "prog: " + message + optional ": strerror" + newline, in one write. */
static void
vmessage(int errnum, const char *fmt, va_list ap)
{
	char buf[1024];
	int len;

	len = snprintf(buf, sizeof(buf), "%s: ", prog);
	if (len >= 0 && (size_t)len < sizeof(buf))
		vsnprintf(buf + len, sizeof(buf) - (size_t)len, fmt, ap);
	if (errnum != 0)
		fprintf(stderr, "%s: %s\n", buf, strerror(errnum));
	else
		fprintf(stderr, "%s\n", buf);
}

void
cli_die(const char *fmt, ...)
{
	int errnum = errno;
	va_list ap;

	va_start(ap, fmt);
	vmessage(errnum, fmt, ap);
	va_end(ap);
	exit(CLI_EXIT_FAILURE);
}

void
cli_diex(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage(0, fmt, ap);
	va_end(ap);
	exit(CLI_EXIT_FAILURE);
}

void
cli_warn(const char *fmt, ...)
{
	int errnum = errno;
	va_list ap;

	va_start(ap, fmt);
	vmessage(errnum, fmt, ap);
	va_end(ap);
	errno = errnum;
}

void
cli_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage(0, fmt, ap);
	va_end(ap);
}

void
cli_note(const char *fmt, ...)
{
	va_list ap;

	if (verbosity < 0)
		return;
	va_start(ap, fmt);
	vmessage(0, fmt, ap);
	va_end(ap);
}

int
cli_msg(struct cli_msgbuf *m, int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m->buf, m->size, fmt, ap);
	va_end(ap);
	return status;
}

static void
print_usage(FILE *fp)
{
	fprintf(fp, "usage: %s\n", usage_text);
}

void
cli_usage_error(const char *fmt, ...)
{
	va_list ap;

	if (fmt != NULL) {
		va_start(ap, fmt);
		vmessage(0, fmt, ap);
		va_end(ap);
	}
	print_usage(stderr);
	exit(CLI_EXIT_USAGE);
}

void
cli_help(void)
{
	print_usage(stdout);
	if (help_text != NULL)
		fprintf(stdout, "\n%s", help_text);
	exit(fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_FAILURE);
}

void
cli_version(void)
{
	printf("%s (evkit) %s\n", prog, PACKAGE_VERSION);
	printf("event library %s\n", event_get_version());
	exit(fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_FAILURE);
}

void *
cli_xmalloc(size_t size)
{
	void *p = malloc(size != 0 ? size : 1);

	if (p == NULL)
		cli_die("malloc %zu bytes", size);
	return p;
}

void *
cli_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n != 0 ? n : 1, size != 0 ? size : 1);

	if (p == NULL)
		cli_die("calloc %zu x %zu bytes", n, size);
	return p;
}

void *
cli_xrealloc(void *p, size_t n, size_t size)
{
	void *q;

	if (size != 0 && n > SIZE_MAX / size) {
		errno = ENOMEM;
		cli_die("realloc %zu x %zu bytes", n, size);
	}
	q = realloc(p, n * size != 0 ? n * size : 1);
	if (q == NULL)
		cli_die("realloc %zu x %zu bytes", n, size);
	return q;
}

char *
cli_xstrdup(const char *s)
{
	char *p = strdup(s);

	if (p == NULL)
		cli_die("strdup");
	return p;
}

int
cli_number_parse(const char *opt, const char *arg, long long min, long long max,
    long long *value, char *msg, size_t size)
{
	const char *s = arg;
	char *end;
	long long v;

	/* Digits with an optional sign; no blanks, no trailing text. */
	if (*s == '-' || *s == '+')
		s++;
	if (!isdigit((unsigned char)*s))
		goto bad;
	errno = 0;
	v = strtoll(arg, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		goto bad;
	*value = v;
	return 0;
bad:
	snprintf(msg, size, "%s: '%s' is not a number between %lld and %lld",
	    opt, arg, min, max);
	return -1;
}

int
cli_number_msg(struct cli_msgbuf *m, int status, const char *opt,
    const char *arg, long long min, long long max, long long *value)
{
	if (cli_number_parse(opt, arg, min, max, value, m->buf, m->size) != 0)
		return status;
	return 0;
}

int
cli_int_msg(struct cli_msgbuf *m, int status, const char *opt, const char *arg,
    int min, int max, int *value)
{
	long long v;
	int r = cli_number_msg(m, status, opt, arg, min, max, &v);

	if (r == 0)
		*value = (int)v;
	return r;
}

long long
cli_number(const char *opt, const char *arg, long long min, long long max)
{
	char msg[512];
	long long v;

	if (cli_number_parse(opt, arg, min, max, &v, msg, sizeof(msg)) != 0) {
		cli_warnx("%s", msg);
		exit(CLI_EXIT_USAGE);
	}
	return v;
}

struct option *
cli_long_options(const struct option *tool)
{
	size_t ntool = 0, ncommon = 0;
	struct option *all;

	while (tool != NULL && tool[ntool].name != NULL)
		ntool++;
	while (common_options[ncommon].name != NULL)
		ncommon++;
	all = cli_xcalloc(ntool + ncommon + 1, sizeof(*all));
	if (ntool != 0)
		memcpy(all, tool, ntool * sizeof(*all));
	memcpy(all + ntool, common_options, (ncommon + 1) * sizeof(*all));
	return all;
}

const char *
cli_optstring(const char *tool)
{
	static char buf[128];

	snprintf(buf, sizeof(buf), ":%shqVv", tool != NULL ? tool : "");
	return buf;
}

const char **
cli_methods_supported(void)
{
	/*
	 * libevent frees and rebuilds its array on every call, so keep a
	 * copy; the names themselves are static in the library.
	 */
	static const char *methods[CLI_METHODS_MAX + 1];
	const char **m;
	int n = 0;

	if (methods[0] == NULL) {
		for (m = event_get_supported_methods();
		     m != NULL && *m != NULL && n < CLI_METHODS_MAX; m++)
			methods[n++] = *m;
		methods[n] = NULL;
	}
	return methods;
}

int
cli_method_matches(const char *in_use, const char *method)
{
	size_t len = strlen(method);

	/* libevent says "epoll (with changelist)" for a variant. */
	return strncmp(in_use, method, len) == 0 &&
	    (in_use[len] == '\0' || in_use[len] == ' ');
}

int
cli_method_is_supported(const char *name)
{
	const char **m;

	for (m = cli_methods_supported(); *m != NULL; m++)
		if (strcmp(*m, name) == 0)
			return 1;
	return 0;
}

int
cli_method_env_disabled(const char *name)
{
	char var[64] = "EVENT_NO";
	size_t i, len = strlen(var);

	for (i = 0; name[i] != '\0' && len + 1 < sizeof(var); i++)
		var[len++] = (char)toupper((unsigned char)name[i]);
	var[len] = '\0';
	return getenv(var) != NULL;
}

static void
list_methods(FILE *fp, const char *sep)
{
	const char **first = cli_methods_supported(), **m;

	for (m = first; *m != NULL; m++)
		fprintf(fp, "%s%s", m == first ? "" : sep, *m);
}

static void
add_one_method(const char *name)
{
	int i;

	for (i = 0; i < nchosen; i++)
		if (strcmp(chosen[i], name) == 0)
			return;
	if (nchosen == CLI_METHODS_MAX)
		cli_usage_error("too many --method options");
	chosen[nchosen++] = name;
}

void
cli_method_add(const char *name)
{
	char buf[512];
	struct cli_msgbuf msg = { buf, sizeof(buf) };
	const char **m;

	if (strcmp(name, "all") == 0) {
		for (m = cli_methods_supported(); *m != NULL; m++)
			add_one_method(*m);
		return;
	}
	if (cli_method_check(name, &msg) != 0) {
		cli_warnx("%s", buf);
		exit(CLI_EXIT_USAGE);
	}
	add_one_method(name);
}

int
cli_method_check(const char *name, struct cli_msgbuf *m)
{
	const char **methods = cli_methods_supported();
	size_t len;
	int i;

	if (cli_method_is_supported(name))
		return 0;
	len = (size_t)snprintf(m->buf, m->size,
	    "unknown method '%s' (available:", name);
	for (i = 0; methods[i] != NULL && len < m->size; i++)
		len += (size_t)snprintf(m->buf + len, m->size - len, " %s",
		    methods[i]);
	if (len < m->size)
		snprintf(m->buf + len, m->size - len, ")");
	return -1;
}

int
cli_method_count(void)
{
	return nchosen;
}

const char *
cli_method_at(int i)
{
	return i >= 0 && i < nchosen ? chosen[i] : NULL;
}

int
cli_handle_option(int ch, const char *arg, char *const argv[])
{
	switch (ch) {
	case 'h':
		cli_help();
	case 'V':
		cli_version();
	case 'v':
		if (verbosity >= 0)
			verbosity++;
		return 1;
	case 'q':
		verbosity = -1;
		return 1;
	case CLI_OPT_METHOD:
		cli_method_add(arg);
		return 1;
	case CLI_OPT_LIST_METHODS:
		list_methods(stdout, "\n");
		printf("\n");
		exit(fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_FAILURE);
	case ':':
	case '?': {
		char msg[512];

		cli_getopt_message(ch, argv, msg, sizeof(msg));
		cli_usage_error("%s", msg);
	}
	default:
		return 0;
	}
}

void
cli_getopt_message(int ch, char *const argv[], char *msg, size_t size)
{
	const char *what =
	    ch == ':' ? "option requires an argument" : "unknown option";
	const char *arg = optind >= 1 ? argv[optind - 1] : NULL;

	if (optopt > 0 && optopt < 128 && isalnum(optopt))
		snprintf(msg, size, "%s -- '%c'", what, optopt);
	else if (ch == ':')
		snprintf(msg, size, "option '%s' requires an argument",
		    arg != NULL ? arg : "?");
	else
		snprintf(msg, size, "%s '%s'", what, arg != NULL ? arg : "?");
}

struct event_config *
cli_method_config(const char *method)
{
	struct event_config *cfg;
	const char **m;

	cfg = event_config_new();
	if (cfg == NULL)
		cli_die("event_config_new");
	if (method == NULL)
		return cfg;
	for (m = cli_methods_supported(); *m != NULL; m++)
		if (strcmp(*m, method) != 0 &&
		    event_config_avoid_method(cfg, *m) != 0)
			cli_die("event_config_avoid_method");
	/*
	 * IGNORE_ENV makes the flag win over EVENT_NO*; it also hides these
	 * two variables from the library, so pass them on as flags.
	 */
	if (event_config_set_flag(cfg, EVENT_BASE_FLAG_IGNORE_ENV) != 0 ||
	    (getenv("EVENT_PRECISE_TIMER") != NULL &&
	        event_config_set_flag(cfg, EVENT_BASE_FLAG_PRECISE_TIMER) !=
	            0) ||
	    (getenv("EVENT_EPOLL_USE_CHANGELIST") != NULL &&
	        event_config_set_flag(cfg,
	            EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST) != 0))
		cli_diex("event_config_set_flag failed");
	return cfg;
}

void
cli_show_method(const char *name)
{
	if (getenv("EVENT_SHOW_METHOD") != NULL)
		fprintf(stderr, "%s: using method %s\n", prog, name);
}

struct event_base *
cli_base_new(const char *method)
{
	struct event_config *cfg;
	struct event_base *base;
	const char **m;
	const char *got;

	/* The library would only say "no event mechanism available". */
	for (m = cli_methods_supported(); method == NULL && *m != NULL; m++)
		if (!cli_method_env_disabled(*m))
			break;
	if (method == NULL && *m == NULL)
		cli_diex("every event backend is disabled by EVENT_NO* "
		         "variables (unset one, or pick one with --method)");
	cfg = cli_method_config(method);
	base = event_base_new_with_config(cfg);
	event_config_free(cfg);
	if (base == NULL)
		cli_diex("cannot create an event base%s%s",
		    method != NULL ? " with method " : "",
		    method != NULL ? method : "");
	got = event_base_get_method(base);
	if (method != NULL) {
		if (!cli_method_matches(got, method))
			cli_diex("asked for method %s, got %s", method, got);
		cli_show_method(got);
	}
	return base;
}
