/*
 * evbench command line: options, usage (== the man page SYNOPSIS), and the
 * plan of jobs they describe.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/stat.h>

#include "cli.h"
#include "evbench.h"
#include "syscount.h"

/* Keep equal to SYNOPSIS in man/evbench.1. */
static const char usage[] =
    "evbench [-hqVv] [-a active] [-n count] [-w writes] [--csv | --json]\n"
    "               [--compare old.json] [--list-methods] [--method name]\n"
    "               [--no-syscalls] [--runs runs] [--svg file]\n"
    "               [--timeouts | --no-timeouts] [--workload name]";

static const char options_help[] =
    "options:\n"
    "  -a active        pipes, ae: tokens in flight (default 100, at most n)\n"
    "  -n count         socketpairs or timers (default: per workload)\n"
    "  -w writes        pipes, ae: times each token is passed on (default "
    "100)\n"
    "  --csv, --json    machine-readable output instead of the table\n"
    "  --compare old.json  print this run over a saved --json run\n"
    "  --list-methods   print the supported backends and exit\n"
    "  --method name    backend to measure; repeatable; 'all' for every\n"
    "                   one (default: those EVENT_NO* does not disable);\n"
    "                   'epoll-cl' for epoll with its changelist\n"
    "  --no-syscalls    skip the run that counts system calls\n"
    "  --runs runs      runs per figure; median, min, max (default 5)\n"
    "  --svg file       also draw the figures as an SVG chart in file\n"
    "  --timeouts       pipes: only the run with a timeout on each event\n"
    "  --no-timeouts    pipes: only the run without (default: both)\n"
    "  --workload name  workload to run; repeatable; 'all' for every one\n"
    "  -q, -v           quieter; more verbose (progress, min-max)\n"
    "  -h, -V           print this help; print the version\n";

enum {
	OPT_CSV = CLI_OPT_TOOL_FIRST,
	OPT_COMPARE,
	OPT_JSON,
	OPT_NO_SYSCALLS,
	OPT_RUNS,
	OPT_SVG,
	OPT_TIMEOUTS,
	OPT_NO_TIMEOUTS,
	OPT_WORKLOAD,
};

static const struct option tool_options[] = {
	{ "csv", no_argument, NULL, OPT_CSV },
	{ "compare", required_argument, NULL, OPT_COMPARE },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "no-syscalls", no_argument, NULL, OPT_NO_SYSCALLS },
	{ "runs", required_argument, NULL, OPT_RUNS },
	{ "svg", required_argument, NULL, OPT_SVG },
	{ "timeouts", no_argument, NULL, OPT_TIMEOUTS },
	{ "no-timeouts", no_argument, NULL, OPT_NO_TIMEOUTS },
	{ "workload", required_argument, NULL, OPT_WORKLOAD },
	{ NULL, 0, NULL, 0 },
};

/* Largest -n: ten million timers is about 2 GB of events. */
#define EVB_N_MAX 10000000
/* Descriptors kept aside for stdio, the backend and its wakeup pair. */
#define EVB_FD_RESERVE 64

static const char *
help_text(void)
{
	static char buf[2048];
	const struct wl_workload *w;
	size_t len;

	len = (size_t)snprintf(buf, sizeof(buf),
	    "workloads (default: pipes timers):\n");
	for (w = wl_workloads; w->name != NULL && len < sizeof(buf); w++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len,
		    "  %-8s %s\n", w->name, w->summary);
	if (len < sizeof(buf))
		snprintf(buf + len, sizeof(buf) - len, "%s", options_help);
	return buf;
}

static void
add_workload(struct evb_opts *o, const char *name)
{
	const struct wl_workload *w, *found = wl_find(name);
	int i;

	if (strcmp(name, "all") == 0) {
		for (w = wl_workloads; w->name != NULL; w++)
			add_workload(o, w->name);
		return;
	}
	if (found == NULL) {
		fprintf(stderr,
		    "%s: unknown workload '%s' (available:", cli_prog(), name);
		for (w = wl_workloads; w->name != NULL; w++)
			fprintf(stderr, " %s", w->name);
		fprintf(stderr, " all)\n");
		exit(CLI_EXIT_USAGE);
	}
	for (i = 0; i < o->nworkloads; i++)
		if (o->workloads[i] == found)
			return;
	o->workloads[o->nworkloads++] = found;
}

/*
 * --method NAME: the library's methods through cli_method_add() (which
 * checks them and expands "all"), evbench's epoll-cl here, in the order
 * given.
 */
static void
add_method(struct evb_opts *o, const char *name)
{
	int i;

	if (strcmp(name, EVB_EPOLL_CL) == 0) {
		if (!cli_method_is_supported("epoll"))
			cli_usage_error("%s: the library has no epoll method",
			    name);
		for (i = 0; i < o->nmethods; i++)
			if (strcmp(o->methods[i], name) == 0)
				return;
		if (o->nmethods == EVB_METHODS_MAX)
			cli_usage_error("too many --method options");
		o->methods[o->nmethods++] = name;
		return;
	}
	i = cli_method_count();
	cli_method_add(name);
	for (; i < cli_method_count(); i++) {
		if (o->nmethods == EVB_METHODS_MAX)
			cli_usage_error("too many --method options");
		o->methods[o->nmethods++] = cli_method_at(i);
	}
}

/* Without --method: every supported method that EVENT_NO* leaves on. */
static void
default_methods(struct evb_opts *o)
{
	const char **m;

	for (m = cli_methods_supported(); *m != NULL; m++)
		if (!cli_method_env_disabled(*m) &&
		    o->nmethods < EVB_METHODS_MAX)
			o->methods[o->nmethods++] = *m;
	if (o->nmethods == 0)
		cli_diex("every method is disabled by EVENT_NO* variables");
}

/*
 * Read --compare's file and create --svg's before the runs, so that a bad
 * path fails at once rather than after minutes of measuring.  The saved
 * run is never truncated to draw the chart over it.
 */
static void
open_files(struct evb_opts *o)
{
	struct stat a, b;

	if (o->compare_path != NULL && o->svg_path != NULL &&
	    stat(o->compare_path, &a) == 0 && stat(o->svg_path, &b) == 0 &&
	    a.st_dev == b.st_dev && a.st_ino == b.st_ino)
		cli_diex("--svg %s: is the --compare file", o->svg_path);
	if (o->compare_path != NULL)
		o->old = evb_old_read(o->compare_path);
	if (o->svg_path != NULL && (o->svg = fopen(o->svg_path, "w")) == NULL)
		cli_die("--svg: %s", o->svg_path);
}

void
evb_parse_options(struct evb_opts *o, int argc, char **argv)
{
	struct option *longopts;
	const char *shortopts;
	int ch, i, counts = 0, no_syscalls = 0;

	memset(o, 0, sizeof(*o));
	o->n = o->active = o->writes = -1;
	o->runs = 5;
	cli_init(argv[0], usage, help_text());
	longopts = cli_long_options(tool_options);
	shortopts = cli_optstring("a:n:w:");
	while (
	    (ch = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		if (ch == CLI_OPT_METHOD) {
			add_method(o, optarg);
			continue;
		}
		if (cli_handle_option(ch, optarg, argv))
			continue;
		switch (ch) {
		case 'a':
			o->active = (int)cli_number("-a", optarg, 1, EVB_N_MAX);
			break;
		case 'n':
			o->n = (int)cli_number("-n", optarg, 1, EVB_N_MAX);
			break;
		case 'w':
			o->writes = (int)cli_number("-w", optarg, 0, EVB_N_MAX);
			break;
		case OPT_CSV:
		case OPT_JSON:
			if (o->format != EVB_TABLE)
				cli_usage_error("--csv and --json conflict");
			o->format = ch == OPT_CSV ? EVB_CSV : EVB_JSON;
			break;
		case OPT_NO_SYSCALLS:
			no_syscalls = 1;
			break;
		case OPT_RUNS:
			o->runs =
			    (int)cli_number("--runs", optarg, 1, EVB_RUNS_MAX);
			break;
		case OPT_COMPARE:
			o->compare_path = optarg;
			break;
		case OPT_SVG:
			o->svg_path = optarg;
			break;
		case OPT_TIMEOUTS:
		case OPT_NO_TIMEOUTS:
			if (o->timeouts != EVB_TIMEOUTS_BOTH)
				cli_usage_error(
				    "--timeouts and --no-timeouts conflict");
			o->timeouts = ch == OPT_TIMEOUTS ? EVB_TIMEOUTS_ONLY
			                                 : EVB_TIMEOUTS_NONE;
			break;
		case OPT_WORKLOAD:
			add_workload(o, optarg);
			break;
		default:
			cli_usage_error("unhandled option");
		}
	}
	free(longopts);
	if (optind != argc)
		cli_usage_error("unexpected argument '%s'", argv[optind]);
	if (o->compare_path != NULL && o->format != EVB_TABLE)
		cli_usage_error("--compare and --%s conflict",
		    o->format == EVB_CSV ? "csv" : "json");
	open_files(o);
	if (o->nworkloads == 0) {
		add_workload(o, "pipes");
		add_workload(o, "timers");
	}
	if (o->nmethods == 0)
		default_methods(o);
	for (i = 0; i < o->nworkloads; i++)
		counts |= o->workloads[i]->counts;
	if (no_syscalls)
		evb_sc_off("--no-syscalls");
	else if (counts == 0)
		evb_sc_off("no workload that counts them");
	else
		o->syscalls = evb_sc_open() == 0;
}

/* How many units of n the open-files limit leaves room for. */
static int
fd_budget(int fds_per_n)
{
	struct rlimit rl;
	long long avail;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return EVB_N_MAX;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
			getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > EVB_N_MAX)
		return EVB_N_MAX;
	avail = ((long long)rl.rlim_cur - EVB_FD_RESERVE) / fds_per_n;
	return avail < 1 ? 1 : (int)avail;
}

static int
uses_select(const struct evb_opts *o)
{
	int m;

	for (m = 0; m < o->nmethods; m++)
		if (strcmp(o->methods[m], "select") == 0)
			return 1;
	return 0;
}

/*
 * n for workload w.  Every method gets the same n so that a row compares
 * like with like, hence the cap for select applies to all of them: a
 * select backend may not watch a descriptor at or above FD_SETSIZE (a
 * libevent built with _FORTIFY_SOURCE aborts on one).
 */
static int
plan_size(const struct evb_opts *o, const struct wl_workload *w)
{
	int n = o->n > 0 ? o->n : w->default_n;
	int max, sel;

	if (w->fds_per_n == 0)
		return n;
	max = fd_budget(w->fds_per_n);
	if (n > max) {
		cli_note("%s: n capped to %d by the open-files limit", w->name,
		    max);
		n = max;
	}
	sel = (FD_SETSIZE - EVB_FD_RESERVE) / w->fds_per_n;
	if (uses_select(o) && n > sel) {
		cli_note("%s: n capped to %d for every method: select cannot "
		         "watch descriptors from FD_SETSIZE (%d) up",
		    w->name, sel, FD_SETSIZE);
		n = sel;
	}
	return n;
}

static void
add_metric(struct evb_job *j, const char *name, const char *unit,
    enum evb_source source, int k)
{
	struct evb_metric *m = &j->metrics[j->nmetrics++];

	m->name = name;
	m->unit = unit;
	m->source = source;
	m->k = k;
}

/* The workload's figures, and the system call counts when counting. */
static void
plan_metrics(const struct evb_opts *o, struct evb_job *j)
{
	static const struct {
		int counts;
		const char *unit;
		enum evb_source source;
	} sc[] = {
		{ WL_COUNTS_LOOP, "/iteration", EVB_SC_PER_ITER },
		{ WL_COUNTS_LOOP, "/callback", EVB_SC_PER_CB },
		{ WL_COUNTS_SETUP, "total", EVB_SC_SETUP },
	};
	size_t i;
	int k;

	for (k = 0; k < j->wl->nmetrics; k++) {
		add_metric(j, j->wl->metrics[k].name, j->wl->metrics[k].unit,
		    EVB_FROM_WORKLOAD, k);
		/* fire's lateness: a timer early is as wrong as one late. */
		j->metrics[k].distance = strcmp(j->wl->name, "fire") == 0;
	}
	for (i = 0; o->syscalls && i < sizeof(sc) / sizeof(sc[0]); i++)
		if (j->wl->counts & sc[i].counts)
			add_metric(j, "syscalls", sc[i].unit, sc[i].source, 0);
}

int
evb_plan_jobs(const struct evb_opts *o, struct evb_job *jobs)
{
	const struct wl_workload *w;
	int i, v, nv, n, njobs = 0;
	struct evb_job *j;

	for (i = 0; i < o->nworkloads; i++) {
		w = o->workloads[i];
		/* pipes runs without and/or with timeouts: two row groups. */
		nv = strcmp(w->name, "pipes") == 0 &&
		        o->timeouts == EVB_TIMEOUTS_BOTH
		    ? 2
		    : 1;
		n = plan_size(o, w);
		for (v = 0; v < nv && njobs < EVB_JOBS_MAX; v++) {
			j = &jobs[njobs++];
			memset(j, 0, sizeof(*j));
			j->wl = w;
			j->params.n = n;
			j->params.active = o->active > 0 ? o->active : 100;
			j->params.writes = o->writes >= 0 ? o->writes : 100;
			j->shared = !wl_runs_loop(w);
			j->params.timeouts = strcmp(w->name, "pipes") == 0 &&
			    (o->timeouts == EVB_TIMEOUTS_ONLY || v == 1);
			if (j->params.active > j->params.n) {
				if (o->active > 0 && wl_uses_tokens(w))
					cli_usage_error("-a %d is more than "
					                "the %d "
					                "socketpairs of %s",
					    o->active, j->params.n, w->name);
				j->params.active = j->params.n;
			}
			snprintf(j->label, sizeof(j->label), "%s%s", w->name,
			    j->params.timeouts ? "+timeouts" : "");
			plan_metrics(o, j);
		}
	}
	return njobs;
}
