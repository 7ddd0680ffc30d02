/*
 * evbench output: the table for people, CSV and JSON for programs.  Every
 * metric is "lower is better", so the ratio of a cell is its median over
 * the smallest median of its row.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdio.h>
#include <string.h>

#include <event2/event.h>

#include "cli.h"
#include "evbench.h"
#include "syscount.h"

#define CELL_MAX 128

/* About three significant digits, never in exponent form. */
static void
fmt_num(char *buf, size_t len, double v)
{
	double a = v < 0 ? -v : v;

	snprintf(buf, len, a >= 100 ? "%.0f" : a >= 10 ? "%.1f" : "%.2f", v);
}

/* Ratio to the best median of the row, or 0 when it means nothing. */
static double
ratio(const struct evb_report *rep, int j, int k, int m)
{
	double best = 0, v;
	int i;

	for (i = 0; i < rep->opts->nmethods; i++) {
		v = evb_cell(rep, j, k, i)->median;
		if (v > 0 && (best == 0 || v < best))
			best = v;
	}
	v = evb_cell(rep, j, k, m)->median;
	return best > 0 && v > 0 ? v / best : 0;
}

/* The text of one table cell. */
static void
cell_text(char *buf, size_t len, const struct evb_report *rep, int j, int k,
    int m)
{
	/* With one method, m is the column: median, min, max. */
	const struct evb_cell *c =
	    evb_cell(rep, j, k, rep->opts->nmethods == 1 ? 0 : m);
	char med[24], lo[24], hi[24], rat[16] = "-";
	double r;

	fmt_num(med, sizeof(med), c->median);
	fmt_num(lo, sizeof(lo), c->min);
	fmt_num(hi, sizeof(hi), c->max);
	if (rep->opts->nmethods == 1) {
		snprintf(buf, len, "%s", m == 0 ? med : m == 1 ? lo : hi);
		return;
	}
	if ((r = ratio(rep, j, k, m)) > 0)
		snprintf(rat, sizeof(rat), "%.2f", r);
	if (cli_verbosity() > 0)
		snprintf(buf, len, "%s [%s..%s] (%s)", med, lo, hi, rat);
	else
		snprintf(buf, len, "%s (%s)", med, rat);
}

static void
job_title(char *buf, size_t len, const struct evb_job *job)
{
	if (wl_uses_tokens(job->wl))
		snprintf(buf, len, "%s n=%d a=%d w=%d", job->label,
		    job->params.n, job->params.active, job->params.writes);
	else
		snprintf(buf, len, "%s n=%d", job->label, job->params.n);
}

static const char *
column_name(const struct evb_opts *o, int c)
{
	static const char *const stat_names[] = { "median", "min", "max" };

	return o->nmethods == 1 ? stat_names[c] : o->methods[c];
}

/* Whether a job would have system call figures that were not counted. */
static int
counted_nothing(const struct evb_report *rep)
{
	int j;

	for (j = 0; !rep->opts->syscalls && j < rep->njobs; j++)
		if (rep->jobs[j].wl->counts != 0)
			return 1;
	return 0;
}

/* Whether some job has system call figures. */
static int
counted_some(const struct evb_report *rep)
{
	int j;

	for (j = 0; j < rep->njobs; j++)
		if (rep->jobs[j].nmetrics > rep->jobs[j].wl->nmetrics)
			return 1;
	return 0;
}

void
evb_report_table(FILE *fp, const struct evb_report *rep)
{
	const struct evb_opts *o = rep->opts;
	/* One method: median, min, max columns; else one per method. */
	int ncols = o->nmethods == 1 ? 3 : o->nmethods;
	int width[EVB_METHODS_MAX], mw = 0, uw = 0, j, k, c, w;
	char buf[CELL_MAX];
	const struct evb_job *job;

	for (c = 0; c < ncols; c++)
		width[c] = (int)strlen(column_name(o, c));
	for (j = 0; j < rep->njobs; j++)
		for (job = &rep->jobs[j], k = 0; k < job->nmetrics; k++) {
			w = (int)strlen(job->metrics[k].name);
			mw = w > mw ? w : mw;
			w = (int)strlen(job->metrics[k].unit);
			uw = w > uw ? w : uw;
			for (c = 0; c < ncols; c++) {
				cell_text(buf, sizeof(buf), rep, j, k, c);
				w = (int)strlen(buf);
				width[c] = w > width[c] ? w : width[c];
			}
		}

	if (cli_verbosity() >= 0)
		fprintf(fp,
		    "evbench %s, event library %s: %s of %d run%s%s%s\n",
		    cli_package_version(), event_get_version(),
		    o->nmethods == 1 ? "median, min and max" : "median",
		    o->runs, o->runs == 1 ? "" : "s",
		    o->nmethods == 1 ? "" : " (ratio to the fastest method)",
		    counted_some(rep) ? "; syscalls: one run more" : "");
	fprintf(fp, "%-*s", 3 + mw + uw, o->nmethods == 1 ? o->methods[0] : "");
	for (c = 0; c < ncols; c++)
		fprintf(fp, "  %*s", width[c], column_name(o, c));
	fprintf(fp, "\n");
	for (j = 0; j < rep->njobs; j++) {
		job_title(buf, sizeof(buf), &rep->jobs[j]);
		fprintf(fp, "%s\n", buf);
		for (job = &rep->jobs[j], k = 0; k < job->nmetrics; k++) {
			fprintf(fp, "  %-*s %-*s", mw, job->metrics[k].name, uw,
			    job->metrics[k].unit);
			for (c = 0; c < ncols; c++) {
				cell_text(buf, sizeof(buf), rep, j, k, c);
				fprintf(fp, "  %*s", width[c], buf);
			}
			fprintf(fp, "\n");
		}
	}
	if (counted_nothing(rep))
		fprintf(fp, "syscalls: not counted (%s)\n", evb_sc_reason());
}

static void
csv_num(FILE *fp, double v)
{
	fprintf(fp, ",%.3f", v);
}

void
evb_report_csv(FILE *fp, const struct evb_report *rep)
{
	const struct evb_opts *o = rep->opts;
	const struct evb_job *job;
	const struct evb_cell *c;
	int j, k, m, pipes;
	double r;

	if (counted_nothing(rep))
		cli_note("syscalls: not counted (%s)", evb_sc_reason());
	fprintf(fp,
	    "workload,metric,unit,method,n,active,writes,runs,"
	    "median,min,max,ratio\n");
	for (j = 0; j < rep->njobs; j++) {
		job = &rep->jobs[j];
		pipes = wl_uses_tokens(job->wl);
		for (k = 0; k < job->nmetrics; k++)
			for (m = 0; m < o->nmethods; m++) {
				c = evb_cell(rep, j, k, m);
				fprintf(fp, "%s,%s,%s,%s,%d,", job->label,
				    job->metrics[k].name, job->metrics[k].unit,
				    o->methods[m], job->params.n);
				if (pipes)
					fprintf(fp, "%d,%d", job->params.active,
					    job->params.writes);
				else
					fprintf(fp, ",");
				fprintf(fp, ",%d", o->runs);
				csv_num(fp, c->median);
				csv_num(fp, c->min);
				csv_num(fp, c->max);
				if ((r = ratio(rep, j, k, m)) > 0)
					csv_num(fp, r);
				else
					fprintf(fp, ",");
				fprintf(fp, "\n");
			}
	}
}

/* Every string we print is a name of ours or of the library: ASCII. */
static void
json_str(FILE *fp, const char *s)
{
	fputc('"', fp);
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(fp, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(fp, "\\u%04x", (unsigned char)*s);
		else
			fputc(*s, fp);
	}
	fputc('"', fp);
}

void
evb_report_json(FILE *fp, const struct evb_report *rep)
{
	const struct evb_opts *o = rep->opts;
	const struct evb_job *job;
	const struct evb_cell *c;
	int j, k, m, first = 1;
	double r;

	fprintf(fp, "{\n  \"tool\": \"evbench\",\n  \"version\": ");
	json_str(fp, cli_package_version());
	fprintf(fp, ",\n  \"library\": ");
	json_str(fp, event_get_version());
	fprintf(fp, ",\n  \"runs\": %d,\n  \"methods\": [", o->runs);
	for (m = 0; m < o->nmethods; m++) {
		fputs(m ? ", " : "", fp);
		json_str(fp, o->methods[m]);
	}
	fprintf(fp, "],\n  \"syscalls\": {\"counted\": %s",
	    o->syscalls ? "true" : "false");
	if (!o->syscalls) {
		fprintf(fp, ", \"reason\": ");
		json_str(fp, evb_sc_reason());
	}
	fprintf(fp, "},\n  \"results\": [");
	for (j = 0; j < rep->njobs; j++) {
		job = &rep->jobs[j];
		for (k = 0; k < job->nmetrics; k++)
			for (m = 0; m < o->nmethods; m++) {
				c = evb_cell(rep, j, k, m);
				fprintf(fp, "%s\n    {\"workload\": ",
				    first ? "" : ",");
				first = 0;
				json_str(fp, job->label);
				fprintf(fp, ", \"metric\": ");
				json_str(fp, job->metrics[k].name);
				fprintf(fp, ", \"unit\": ");
				json_str(fp, job->metrics[k].unit);
				fprintf(fp, ", \"method\": ");
				json_str(fp, o->methods[m]);
				fprintf(fp, ", \"n\": %d", job->params.n);
				if (wl_uses_tokens(job->wl))
					fprintf(fp,
					    ", \"active\": %d, \"writes\": %d, "
					    "\"timeouts\": %s",
					    job->params.active,
					    job->params.writes,
					    job->params.timeouts ? "true"
					                         : "false");
				fprintf(fp,
				    ", \"median\": %.3f, \"min\": %.3f, "
				    "\"max\": %.3f, \"ratio\": ",
				    c->median, c->min, c->max);
				if ((r = ratio(rep, j, k, m)) > 0)
					fprintf(fp, "%.3f}", r);
				else
					fprintf(fp, "null}");
			}
	}
	fprintf(fp, "\n  ]\n}\n");
}
