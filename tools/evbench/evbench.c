/*
 * evbench: measure the event loop with the workloads of workloads.c on
 * one or more backends, and print a table (or CSV, or JSON, or a
 * comparison with a saved run), and optionally draw it as an SVG chart.
 *
 * options.c reads the command line, run.c runs the jobs, report.c prints.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <signal.h>
#include <stdio.h>

#include "cli.h"
#include "evbench.h"

/* The report on stdout in the format asked for. */
static void
print_report(const struct evb_opts *opts, const struct evb_report *report)
{
	if (opts->old != NULL) {
		evb_report_compare(stdout, report, opts->old,
		    opts->compare_path);
		return;
	}
	switch (opts->format) {
	case EVB_CSV:
		evb_report_csv(stdout, report);
		break;
	case EVB_JSON:
		evb_report_json(stdout, report);
		break;
	default:
		evb_report_table(stdout, report);
		break;
	}
}

int
main(int argc, char **argv)
{
	struct evb_opts opts;
	struct evb_job jobs[EVB_JOBS_MAX];
	struct evb_report report;
	int njobs;

	/* A closed pipe to a reader of ours is an error, not a signal. */
	signal(SIGPIPE, SIG_IGN);

	evb_parse_options(&opts, argc, argv);
	njobs = evb_plan_jobs(&opts, jobs);
	evb_run(&opts, jobs, njobs, &report);

	if (opts.svg != NULL &&
	    (evb_report_svg(opts.svg, &report) != 0 || fclose(opts.svg) != 0))
		cli_die("--svg: %s", opts.svg_path);
	print_report(&opts, &report);
	evb_report_free(&report);
	evb_old_free(opts.old);
	if (fflush(stdout) != 0 || ferror(stdout))
		cli_die("stdout");
	return CLI_EXIT_OK;
}
