/*
 * evbench runner: every job on every method, opts->runs times, reduced to
 * median, min and max.  The methods take turns within each round of runs,
 * so that a slow drift of the machine (frequency, other load) spreads over
 * all of them instead of favouring the first.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "cli.h"
#include "evbench.h"
#include "syscount.h"

static const struct wl_counter counter = { evb_sc_start, evb_sc_stop };

/* cli_diex() on a line of its own, not after the progress line. */
#define die_clean(...)                 \
	do {                           \
		evb_progress_clear();  \
		cli_diex(__VA_ARGS__); \
	} while (0)

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median, min and max of the n samples at v, which stay in run order. */
static void
reduce(struct evb_cell *c, double *v, int n)
{
	double sorted[EVB_RUNS_MAX];

	memcpy(sorted, v, (size_t)n * sizeof(*v));
	qsort(sorted, (size_t)n, sizeof(*v), cmp_double);
	c->samples = v;
	c->nsamples = n;
	c->min = sorted[0];
	c->max = sorted[n - 1];
	c->median =
	    n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}

static size_t
cell_index(int job, int metric, int method)
{
	return ((size_t)job * EVB_METRICS_MAX + (size_t)metric) *
	    EVB_METHODS_MAX +
	    (size_t)method;
}

const struct evb_cell *
evb_cell(const struct evb_report *report, int job, int metric, int method)
{
	return &report->cells[cell_index(job, metric, method)];
}

/* The library's name for an evbench method. */
static const char *
base_method(const char *method)
{
	return strcmp(method, EVB_EPOLL_CL) == 0 ? "epoll" : method;
}

/* A config that forces method (see cli_method_config()). */
static struct event_config *
method_config(const char *method)
{
	struct event_config *cfg = cli_method_config(base_method(method));

	if (strcmp(method, EVB_EPOLL_CL) == 0 &&
	    event_config_set_flag(cfg, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST) !=
	        0)
		cli_die("event_config_set_flag");
	return cfg;
}

/* The figure of metric m in the result of a run. */
static double
figure(const struct evb_job *job, const struct evb_metric *m,
    const struct wl_result *res, const char *method)
{
	long long sc = m->source == EVB_SC_SETUP ? res->setup_syscalls
	                                         : res->loop_syscalls;
	long per =
	    m->source == EVB_SC_PER_ITER ? res->iterations : res->callbacks;

	if (m->source == EVB_FROM_WORKLOAD)
		return res->value[m->k];
	if (sc < 0 || (m->source != EVB_SC_SETUP && per <= 0))
		die_clean("%s on %s: no system call count (%s)", job->label,
		    method, sc < 0 ? "the counter failed" : "no iteration");
	return m->source == EVB_SC_SETUP ? (double)sc : (double)sc / per;
}

/* One run of job on method, checked; counting with c when not NULL. */
static void
run_once(const struct evb_job *job, const char *method,
    struct event_config *cfg, const struct wl_counter *c, struct wl_result *res)
{
	struct wl_params params = job->params;

	memset(res, 0, sizeof(*res));
	params.counter = c;
	if (job->wl->run(cfg, &params, res) != 0)
		die_clean("%s on %s: %s", job->label, method, res->error);
	if (res->method == NULL ||
	    !cli_method_matches(res->method, base_method(method)) ||
	    (strcmp(method, EVB_EPOLL_CL) == 0 &&
	        strstr(res->method, "changelist") == NULL))
		die_clean("%s: asked for method %s, the base uses %s",
		    job->label, method, res->method ? res->method : "none");
}

/*
 * The system call figures of job on method m: one run more, whose times
 * are not used, with the counter open only while it lasts (see
 * syscount.c) and a prepare watcher that the timed runs do without.
 */
static void
count_once(struct evb_report *report, int j, int m, struct event_config *cfg)
{
	const struct evb_job *job = &report->jobs[j];
	const char *method = report->opts->methods[m];
	struct evb_cell *cell;
	struct wl_result res;
	int k;

	if (cli_verbosity() > 0)
		cli_note("%s on %s: counting run", job->label, method);
	evb_progress("%s on %s: counting system calls", job->label, method);
	if (evb_sc_attach() != 0)
		die_clean("%s on %s: cannot count system calls: %s", job->label,
		    method, evb_sc_reason());
	run_once(job, method, cfg, &counter, &res);
	evb_sc_detach();
	for (k = job->wl->nmetrics; k < job->nmetrics; k++) {
		cell = &report->cells[cell_index(j, k, m)];
		cell->samples = report->samples +
		    cell_index(j, k, m) * (size_t)report->opts->runs;
		cell->samples[0] = figure(job, &job->metrics[k], &res, method);
		reduce(cell, cell->samples, 1);
	}
}

/* A timed run of job j on method m, whose samples land in the report. */
static void
time_once(struct evb_report *report, int j, int m, struct event_config *cfg,
    int run)
{
	const struct evb_job *job = &report->jobs[j];
	const char *method = report->opts->methods[m];
	int k, runs = report->opts->runs;
	struct wl_result res;

	if (cli_verbosity() > 0)
		cli_note("%s on %s: run %d of %d", job->label, method, run + 1,
		    runs);
	evb_progress("%s on %s: run %d of %d", job->label, method, run + 1,
	    runs);
	run_once(job, method, cfg, NULL, &res);
	for (k = 0; k < job->wl->nmetrics; k++)
		report->samples[cell_index(j, k, m) * (size_t)runs +
		    (size_t)run] = res.value[k];
}

void
evb_run(const struct evb_opts *o, const struct evb_job *jobs, int njobs,
    struct evb_report *report)
{
	struct event_config *cfg[EVB_METHODS_MAX];
	int j, m, r, k, nm, runs = o->runs;
	size_t c;

	report->opts = o;
	report->jobs = jobs;
	report->njobs = njobs;
	evb_host_read(&report->host);
	report->cells =
	    cli_xcalloc(cell_index(njobs, 0, 0), sizeof(struct evb_cell));
	report->samples = cli_xcalloc(cell_index(njobs, 0, 0) * (size_t)runs,
	    sizeof(*report->samples));
	for (m = 0; m < o->nmethods; m++)
		cfg[m] = method_config(o->methods[m]);

	for (j = 0; j < njobs; j++) {
		/* A shared job runs on the first method only. */
		nm = jobs[j].shared ? 1 : o->nmethods;
		for (m = 0; m < nm; m++) {
			evb_progress_clear();
			cli_show_method(o->methods[m]);
			if (jobs[j].nmetrics > jobs[j].wl->nmetrics)
				count_once(report, j, m, cfg[m]);
		}
		for (r = 0; r < runs; r++)
			for (m = 0; m < nm; m++)
				time_once(report, j, m, cfg[m], r);
		for (m = 0; m < nm; m++)
			for (k = 0; k < jobs[j].wl->nmetrics; k++) {
				c = cell_index(j, k, m);
				reduce(&report->cells[c],
				    report->samples + c * (size_t)runs, runs);
			}
	}
	evb_progress_clear();

	for (m = 0; m < o->nmethods; m++)
		event_config_free(cfg[m]);
}

void
evb_report_free(struct evb_report *report)
{
	free(report->cells);
	free(report->samples);
	report->cells = NULL;
	report->samples = NULL;
}
