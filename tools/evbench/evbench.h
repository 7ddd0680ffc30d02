/*
 * evbench: what the option parser (options.c), the runner (run.c) and the
 * report writers (report.c) share.
 */
#ifndef EVBENCH_H_INCLUDED_
#define EVBENCH_H_INCLUDED_

#include <stdio.h>

#include "cli.h"
#include "workloads.h"

#define EVB_METHODS_MAX 16
/*
 * A method of evbench's own: epoll with EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST,
 * so that a table can show both epoll modes side by side.
 */
#define EVB_EPOLL_CL "epoll-cl"
#define EVB_JOBS_MAX 16
#define EVB_RUNS_MAX 1000

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
	int syscalls;             /* count system calls (the counter opened) */
	const char *svg_path;     /* --svg: where the chart goes, or NULL */
	FILE *svg;                /* opened before the runs */
	const char *compare_path; /* --compare OLD.json, or NULL */
	struct evb_old *old;      /* its results, read before the runs */
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
	/*
	 * Ranked by the distance from zero rather than by the value: the
	 * lateness of a timer, where early (negative) is no better.
	 */
	int distance;
};

/* One row group of the report: a workload with its parameters. */
struct evb_job {
	const struct wl_workload *wl;
	char label[32]; /* "pipes", "pipes+timeouts", ... */
	struct wl_params params;
	/*
	 * The figures cannot depend on the backend (the loop never runs):
	 * measured on the first method only, reported once as "any".
	 */
	int shared;
	int nmetrics;
	struct evb_metric metrics[EVB_METRICS_MAX];
};

struct evb_cell {
	double median, min, max;
	int nsamples;    /* runs, or 1 for a system call count */
	double *samples; /* in run order, in evb_report.samples */
};

/* The method name of a shared job's figures. */
#define EVB_ANY "any"

struct evb_report {
	const struct evb_opts *opts;
	const struct evb_job *jobs;
	int njobs;
	/* cells[(job * EVB_METRICS_MAX + metric) * EVB_METHODS_MAX + method] */
	struct evb_cell *cells;
	double *samples; /* every cell's raw samples */
	struct evb_host {
		char kernel[128], cpu[128];
		long cores;
		double load[3]; /* -1 when unknown */
	} host;
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

/*
 * rank.c: how two figures compare.  The score of a figure is its value, or
 * its distance from zero for a metric ranked by distance; its range is that
 * of its runs (min..max) in the same terms.
 */
enum evb_rank {
	EVB_RANK_NONE,  /* no ratio: one method, a shared job, a zero best */
	EVB_RANK_NOISE, /* the ranges overlap: no ranking */
	EVB_RANK_RATIO, /* *ratio is the score over the best score */
};
double evb_score(const struct evb_metric *m, double v);
void evb_score_range(const struct evb_metric *m, const struct evb_cell *c,
    double *lo, double *hi);
enum evb_rank evb_rank(const struct evb_report *rep, int job, int metric,
    int method, double *ratio);
/* The method name of a cell in CSV, JSON and the chart. */
const char *evb_method_name(const struct evb_report *rep, int job, int method);
/* How many methods a job reports: 1 when shared. */
int evb_job_methods(const struct evb_report *rep, int job);

/* host.c: what the machine is, read before the runs. */
void evb_host_read(struct evb_host *host);

/* report.c: write the results. */
/*
 * A table of the figures: a row per figure under a title per job, a
 * column per name, each cell written by cell (arg passed on).
 */
struct evb_grid {
	const char *corner; /* above the figure names */
	int ncols;
	const char *const *names;
	void (*cell)(char *buf, size_t len, const struct evb_report *rep,
	    int job, int metric, int col, const void *arg);
	const void *arg;
};
void evb_grid_print(FILE *fp, const struct evb_report *rep,
    const struct evb_grid *grid);
/* A figure with about three significant digits, never in exponent form. */
void evb_fmt_num(char *buf, size_t len, double v);
/* "pipes n=1000 a=100 w=100": a job and its sizes; snprintf's result. */
int evb_job_title(char *buf, size_t len, const struct evb_job *job);
void evb_report_table(FILE *fp, const struct evb_report *report);
void evb_report_csv(FILE *fp, const struct evb_report *report);
void evb_report_json(FILE *fp, const struct evb_report *report);

/* svg.c: the chart of --svg; 0, or -1 with errno on a write error. */
int evb_report_svg(FILE *fp, const struct evb_report *report);

/*
 * compare.c: --compare.  evb_old_read() reads a saved --json run and exits
 * 1 with a message when it cannot; evb_report_compare() prints this run
 * over that one.
 */
struct evb_old *evb_old_read(const char *path);
void evb_old_free(struct evb_old *old);
void evb_report_compare(FILE *fp, const struct evb_report *report,
    const struct evb_old *old, const char *path);

/* progress.c: one line on a terminal's stderr, rewritten in place. */
void evb_progress(const char *fmt, ...) CLI_PRINTF(1, 2);
void evb_progress_clear(void);

#endif /* EVBENCH_H_INCLUDED_ */
