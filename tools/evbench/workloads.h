/*
 * evbench workloads.  They use only the public libevent 2.1 API and POSIX,
 * so that bench/vs-libevent can compile this same file against libevkit and
 * against the system libevent and compare like with like.
 */
#ifndef EVBENCH_WORKLOADS_H_INCLUDED_
#define EVBENCH_WORKLOADS_H_INCLUDED_

struct event;
struct event_base;
struct event_config;
struct timeval;

#define WL_METRICS_MAX 3

/*
 * A system call counter for the measured phases (evbench's perf event):
 * stop() returns the calls made by this thread since start(), or -1.
 */
struct wl_counter {
	void (*start)(void);
	long long (*stop)(void);
};

struct wl_params {
	int n;        /* socketpairs or timers; 0: the workload's default */
	int active;   /* pipes: tokens in flight (<= n) */
	int writes;   /* pipes: passes per token */
	int timeouts; /* pipes: add every event with a (never due) timeout */
	const struct wl_counter *counter; /* NULL: count nothing */
};

struct wl_metric {
	const char *name;
	const char *unit;
};

struct wl_result {
	double value[WL_METRICS_MAX]; /* in the units of wl_workload.metrics */
	const char *method;           /* event_base_get_method() of the base */
	long callbacks;               /* callbacks run while dispatching */
	char error[160];              /* set when run() returns -1 */
	/*
	 * With params->counter, what a workload of WL_COUNTS_LOOP or
	 * WL_COUNTS_SETUP counted; -1 where it counted nothing.
	 */
	long long loop_syscalls;  /* in the dispatch, its own I/O left out */
	long long setup_syscalls; /* setup: event_add and the first pass */
	long iterations;          /* of the dispatch loop; -1 if unknown */
};

/* wl_workload.counts: which phases a counter measures. */
#define WL_COUNTS_LOOP 1
#define WL_COUNTS_SETUP 2

struct wl_workload {
	const char *name;
	const char *summary;
	int default_n;
	int fds_per_n; /* descriptors each unit of n needs */
	int nmetrics;
	struct wl_metric metrics[WL_METRICS_MAX];
	/*
	 * One run on a fresh base made from `cfg` (NULL: event_base_new()).
	 * Returns 0, or -1 with result->error set.  Everything the run
	 * allocated or opened is released before it returns.
	 */
	int (*run)(struct event_config *cfg, const struct wl_params *params,
	    struct wl_result *result);
	int counts; /* WL_COUNTS_* */
};

/* The workloads, ended by an entry whose name is NULL. */
extern const struct wl_workload wl_workloads[];

const struct wl_workload *wl_find(const char *name);

/* Whether w takes -a and -w (pipes and ae: tokens along a ring). */
int wl_uses_tokens(const struct wl_workload *w);

/*
 * Whether w runs the event loop.  One that does not (timers) only adds and
 * deletes timers, which no backend sees: its figures cannot depend on it.
 */
int wl_runs_loop(const struct wl_workload *w);

/*
 * The timed phases, kept out of line and non-static so that callgrind can
 * collect one phase alone (--toggle-collect=wl_dispatch_phase, ...).
 */
int wl_dispatch_phase(struct event_base *base);
int wl_timers_add_phase(struct event **evs, const struct timeval *tv, int n);
int wl_timers_resched_phase(struct event **evs, const struct timeval *tv,
    int n);
int wl_timers_del_phase(struct event **evs, const int *order, int n);
int wl_setup_add_phase(struct event **evs, int n);
int wl_setup_pass_phase(struct event_base *base);
/* ae's dispatch (evbench only, built with WL_WITH_AE). */
struct aeEventLoop;
void wl_ae_dispatch_phase(struct aeEventLoop *loop);

#endif /* EVBENCH_WORKLOADS_H_INCLUDED_ */
