/*
 * evbench: what the option parser (options.c), the runner (run.c) and the
 * report writers (report.c) share.
 */
#ifndef EVBENCH_H_INCLUDED_
#define EVBENCH_H_INCLUDED_

#include <stdio.h>

#include "workloads.h"

#define EVB_METHODS_MAX 16
/*
 * A method of evbench's own: epoll with EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST,
 * so that a table can show both epoll modes side by side.
 */
#define EVB_EPOLL_CL "epoll-cl"
#define EVB_JOBS_MAX 16

enum evb_format { EVB_TABLE, EVB_CSV, EVB_JSON };

/* Which pipes variants to run: without timeouts, with, or both. */
enum evb_timeouts { EVB_TIMEOUTS_BOTH, EVB_TIMEOUTS_ONLY, EVB_TIMEOUTS_NONE };

struct evb_opts {
	const char *methods[EVB_METHODS_MAX];
	int nmethods;
	const struct wl_workload *workloads[EVB_JOBS_MAX];
	int nworkloads;
	int n, active, writes; /* -1 when not given */
	enum evb_timeouts timeouts;
	int runs;
	enum evb_format format;
	int syscalls; /* count system calls (the counter opened) */
};

/* Where a figure of a job comes from. */
enum evb_source {
	EVB_FROM_WORKLOAD, /* wl_result.value[k] */
	EVB_SC_PER_ITER,   /* loop_syscalls / iterations */
	EVB_SC_PER_CB,     /* loop_syscalls / callbacks */
	EVB_SC_SETUP,      /* setup_syscalls */
};

/* A workload's figures, then the system call figures evbench adds. */
#define EVB_METRICS_MAX (WL_METRICS_MAX + 2)

struct evb_metric {
	const char *name;
	const char *unit;
	enum evb_source source;
	int k; /* EVB_FROM_WORKLOAD: the index in wl_result.value */
};

/* One row group of the report: a workload with its parameters. */
struct evb_job {
	const struct wl_workload *wl;
	char label[32]; /* "pipes", "pipes+timeouts", ... */
	struct wl_params params;
	int nmetrics;
	struct evb_metric metrics[EVB_METRICS_MAX];
};

struct evb_cell {
	double median, min, max;
};

struct evb_report {
	const struct evb_opts *opts;
	const struct evb_job *jobs;
	int njobs;
	/* cells[(job * EVB_METRICS_MAX + metric) * EVB_METHODS_MAX + method] */
	struct evb_cell *cells;
};

/*
 * options.c: parse argv (exits 2 on a usage error), open the system call
 * counter unless --no-syscalls, and plan the jobs.
 */
void evb_parse_options(struct evb_opts *opts, int argc, char **argv);
int evb_plan_jobs(const struct evb_opts *opts, struct evb_job *jobs);

/* run.c: run every job on every method opts->runs times; exits 1 on error. */
void evb_run(const struct evb_opts *opts, const struct evb_job *jobs, int njobs,
    struct evb_report *report);
void evb_report_free(struct evb_report *report);

const struct evb_cell *evb_cell(const struct evb_report *report, int job,
    int metric, int method);

/* report.c: write the results. */
void evb_report_table(FILE *fp, const struct evb_report *report);
void evb_report_csv(FILE *fp, const struct evb_report *report);
void evb_report_json(FILE *fp, const struct evb_report *report);

#endif /* EVBENCH_H_INCLUDED_ */
