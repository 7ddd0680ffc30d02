/*
 * Command-line helpers shared by evcat, evhttpd, evdig and evbench.
 *
 * Conventions: messages are "prog: what: why" on stderr; exit status 0 is
 * success, 1 a runtime failure, 2 a usage error.  Everything here uses the
 * public libevent 2.1 API only, so a tool built on it also builds against
 * the system libevent.
 */
#ifndef TOOLS_CLI_H_INCLUDED_
#define TOOLS_CLI_H_INCLUDED_

#include <getopt.h>
#include <stddef.h>
#include <stdio.h>

struct event_base;
struct event_config;

#define CLI_EXIT_OK 0
#define CLI_EXIT_FAILURE 1
#define CLI_EXIT_USAGE 2

#if defined(__GNUC__)
#define CLI_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define CLI_NORETURN __attribute__((noreturn))
#else
#define CLI_PRINTF(f, a)
#define CLI_NORETURN
#endif

/*
 * Long-only options every tool may accept.  Values above 255 so that they
 * never clash with a short option letter.
 */
enum cli_long_option {
	CLI_OPT_METHOD = 0x100,
	CLI_OPT_LIST_METHODS,
	CLI_OPT_TOOL_FIRST /* first value free for a tool's own options */
};

/*
 * The tool's long options followed by the common ones (help, version,
 * verbose, quiet, method, list-methods) and the terminating zero entry.
 * `tool` ends with a zero entry too.  The result is allocated once per call.
 */
struct option *cli_long_options(const struct option *tool);

/*
 * Set the program name (basename of argv0) and the usage text, which must
 * be the man page SYNOPSIS without the leading "usage: ".  `help` is
 * printed after the synopsis by -h/--help; it may be NULL.
 */
void cli_init(const char *argv0, const char *usage, const char *help);
const char *cli_prog(void);

/* The evkit version the tool was built from. */
const char *cli_package_version(void);

/* -v adds one, -q sets -1; starts at 0. */
int cli_verbosity(void);
/* For a tool that parses -v/-q itself (cli_handle_option() not used). */
void cli_set_verbosity(int level);

/*
 * The getopt short-option string: ':' first (so that a missing argument is
 * told apart from an unknown option), then the tool's own short options
 * (e.g. "n:w:"), then the common ones, "hqVv".  Static storage.
 */
const char *cli_optstring(const char *tool);

/*
 * Handle the options common to all tools (see cli_long_options()), plus
 * getopt's '?' and ':' results, given the getopt_long return value, optarg
 * and the argv being parsed.  Returns 1 when `ch` was handled, 0 otherwise.
 * -h, -V and --list-methods print and exit 0; '?' and ':' print the usage
 * and exit 2 (cli_init() turns off getopt's own messages).
 */
int cli_handle_option(int ch, const char *arg, char *const argv[]);

/*
 * The message cli_handle_option() prints for getopt's ':' (argument
 * missing) or '?' (unknown option) result, into msg.
 */
void cli_getopt_message(int ch, char *const argv[], char *msg, size_t size);

/*
 * Where a parser that neither prints nor exits (evcat's, evdig's) puts its
 * message.  cli_msg() writes it and returns `status`, for the parser to
 * return in turn.
 */
struct cli_msgbuf {
	char *buf;
	size_t size;
};
int cli_msg(struct cli_msgbuf *m, int status, const char *fmt, ...)
    CLI_PRINTF(3, 4);

/* Print the usage to stderr and exit 2, after an optional message. */
CLI_NORETURN void cli_usage_error(const char *fmt, ...) CLI_PRINTF(1, 2);
/* Print the usage (and help text) to stdout and exit 0. */
CLI_NORETURN void cli_help(void);
/* Print "prog (evkit) VERSION" and the event library version; exit 0. */
CLI_NORETURN void cli_version(void);

/* "prog: msg: strerror(errno)" and exit 1 (die) or return (warn). */
CLI_NORETURN void cli_die(const char *fmt, ...) CLI_PRINTF(1, 2);
void cli_warn(const char *fmt, ...) CLI_PRINTF(1, 2);
/* Same without the errno text. */
CLI_NORETURN void cli_diex(const char *fmt, ...) CLI_PRINTF(1, 2);
void cli_warnx(const char *fmt, ...) CLI_PRINTF(1, 2);
/* A note for the user; silent under -q. */
void cli_note(const char *fmt, ...) CLI_PRINTF(1, 2);

/* Allocation that exits 1 with a message on failure. */
void *cli_xmalloc(size_t size);
void *cli_xcalloc(size_t n, size_t size);
void *cli_xrealloc(void *p, size_t n, size_t size);
char *cli_xstrdup(const char *s);

/*
 * Parse `arg` as a decimal integer in [min, max] (strtonum-style).  On error
 * print "prog: OPT: 'ARG' is not a number between MIN and MAX" and exit 2.
 * `opt` is the option as the user wrote it, e.g. "-n" or "--runs".
 */
long long cli_number(const char *opt, const char *arg, long long min,
    long long max);
/*
 * The same check without exiting: 0 with *value set, or -1 with the
 * message (without the "prog: " prefix) in msg.
 */
int cli_number_parse(const char *opt, const char *arg, long long min,
    long long max, long long *value, char *msg, size_t size);

/*
 * cli_number_parse() for a parser that neither prints nor exits (see
 * struct cli_msgbuf below): 0 with *value set, or `status` with the
 * message in m.  cli_int_msg() is the same for an int; max <= INT_MAX.
 */
struct cli_msgbuf;
int cli_number_msg(struct cli_msgbuf *m, int status, const char *opt,
    const char *arg, long long min, long long max, long long *value);
int cli_int_msg(struct cli_msgbuf *m, int status, const char *opt,
    const char *arg, int min, int max, int *value);

/*
 * Event methods.  cli_methods_supported() is a copy of
 * event_get_supported_methods() made on the first call (NULL-terminated, in
 * preference order).  A method is disabled by the
 * environment when EVENT_NO<NAME> is set (to anything, even empty).
 */
const char **cli_methods_supported(void);
int cli_method_is_supported(const char *name);
int cli_method_env_disabled(const char *name);
/*
 * Whether event_base_get_method() result `in_use` is `method`, allowing
 * for a variant such as "epoll (with changelist)".
 */
int cli_method_matches(const char *in_use, const char *method);

/*
 * --method values given so far, in order; "all" expands to every supported
 * method.  An unknown name exits 2 with the list of available methods.
 * Duplicates are dropped.
 */
/*
 * For a parser that does not exit: 0 when `name` is a supported method,
 * else -1 with "unknown method 'NAME' (available: ...)" in m.
 */
int cli_method_check(const char *name, struct cli_msgbuf *m);
int cli_method_count(void);
const char *cli_method_at(int i);
void cli_method_add(const char *name);

/*
 * A config that forces `method` (every other supported method avoided) and
 * sets EVENT_BASE_FLAG_IGNORE_ENV so that no EVENT_NO* variable can
 * override the choice.  Because that flag also hides EVENT_PRECISE_TIMER
 * and EVENT_EPOLL_USE_CHANGELIST from the library, this function reads them
 * itself and sets the matching flags.  With method NULL, the config is
 * empty and the library honours the environment as usual.  Exits 1 if the
 * config cannot be allocated.
 */
struct event_config *cli_method_config(const char *method);

/*
 * New base for `method` (NULL: library default).  Exits 1 on failure, and
 * if the base does not use the method asked for.  When EVENT_SHOW_METHOD is
 * set and a method was forced, prints "prog: using method NAME".
 */
struct event_base *cli_base_new(const char *method);

/* The "prog: using method NAME" report, when EVENT_SHOW_METHOD is set. */
void cli_show_method(const char *name);

#endif /* TOOLS_CLI_H_INCLUDED_ */
