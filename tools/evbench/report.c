/*
 * evbench output: the table for people, CSV and JSON for programs.  The
 * ratio of a cell is its score over the best score of its row (rank.c).
 * CSV and JSON print the same fields, from one list (fields[] below).
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
void
evb_fmt_num(char *buf, size_t len, double v)
{
	double a = v < 0 ? -v : v;

	snprintf(buf, len, a >= 100 ? "%.0f" : a >= 10 ? "%.1f" : "%.2f", v);
}

/* The ratio part of a table cell: "1.23", "~" or "-". */
static void
rank_text(char *buf, size_t len, const struct evb_report *rep, int j, int k,
    int m)
{
	double r;

	switch (evb_rank(rep, j, k, m, &r)) {
	case EVB_RANK_RATIO:
		snprintf(buf, len, "%.2f", r);
		break;
	case EVB_RANK_NOISE:
		snprintf(buf, len, "~");
		break;
	default:
		snprintf(buf, len, "-");
		break;
	}
}

/*
 * The text of one table cell.  With one method, m is the column: median,
 * min, max.  A shared job has its figure in the first column only.
 */
static void
cell_text(char *buf, size_t len, const struct evb_report *rep, int j, int k,
    int m, const void *arg)
{
	int one = rep->opts->nmethods == 1;
	const struct evb_cell *c = evb_cell(rep, j, k, one ? 0 : m);
	char med[24], lo[24], hi[24], rat[16];

	(void)arg;
	evb_fmt_num(med, sizeof(med), c->median);
	evb_fmt_num(lo, sizeof(lo), c->min);
	evb_fmt_num(hi, sizeof(hi), c->max);
	if (one) {
		snprintf(buf, len, "%s", m == 0 ? med : m == 1 ? lo : hi);
		return;
	}
	if (rep->jobs[j].shared && m > 0) {
		buf[0] = '\0';
		return;
	}
	if (rep->jobs[j].shared)
		snprintf(rat, sizeof(rat), EVB_ANY);
	else
		rank_text(rat, sizeof(rat), rep, j, k, m);
	if (cli_verbosity() > 0)
		snprintf(buf, len, "%s [%s..%s] (%s)", med, lo, hi, rat);
	else
		snprintf(buf, len, "%s (%s)", med, rat);
}

int
evb_job_title(char *buf, size_t len, const struct evb_job *job)
{
	if (wl_uses_tokens(job->wl))
		return snprintf(buf, len, "%s n=%d a=%d w=%d", job->label,
		    job->params.n, job->params.active, job->params.writes);
	return snprintf(buf, len, "%s n=%d", job->label, job->params.n);
}

static void
job_title(char *buf, size_t len, const struct evb_report *rep, int j)
{
	const struct evb_job *job = &rep->jobs[j];
	int n = evb_job_title(buf, len, job);

	if (job->shared && rep->opts->nmethods > 1 && n > 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n,
		    " (no event loop: the same for every method, run on %s)",
		    rep->opts->methods[0]);
}

/* What the marks of the table mean, for those it shows. */
static void
legend(FILE *fp, const struct evb_report *rep)
{
	int j, k, m, noise = 0, none = 0, fire = 0;
	double r;
	enum evb_rank rank;

	for (j = 0; j < rep->njobs; j++)
		for (k = 0; k < rep->jobs[j].nmetrics; k++) {
			fire |= rep->jobs[j].metrics[k].distance;
			for (m = 0; m < evb_job_methods(rep, j); m++) {
				rank = evb_rank(rep, j, k, m, &r);
				noise |= rank == EVB_RANK_NOISE;
				none |= rank == EVB_RANK_NONE &&
				    evb_job_methods(rep, j) > 1;
			}
		}
	if (noise)
		fprintf(fp,
		    "(~): the min..max ranges of this method and the "
		    "best overlap: a difference within noise, not "
		    "ranked\n");
	if (none)
		fprintf(fp, "(-): no ratio, the best figure is 0\n");
	if (fire)
		fprintf(fp,
		    "fire: late-* ranked by distance from the "
		    "deadline, early no better than late; a negative "
		    "figure is a timer that ran early\n");
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
evb_grid_print(FILE *fp, const struct evb_report *rep, const struct evb_grid *g)
{
	int width[EVB_METHODS_MAX > 3 ? EVB_METHODS_MAX : 3];
	int mw = 0, uw = 0, j, k, c, w;
	const struct evb_job *job;
	char buf[CELL_MAX];

	for (c = 0; c < g->ncols; c++)
		width[c] = (int)strlen(g->names[c]);
	for (j = 0; j < rep->njobs; j++)
		for (job = &rep->jobs[j], k = 0; k < job->nmetrics; k++) {
			w = (int)strlen(job->metrics[k].name);
			mw = w > mw ? w : mw;
			w = (int)strlen(job->metrics[k].unit);
			uw = w > uw ? w : uw;
			for (c = 0; c < g->ncols; c++) {
				g->cell(buf, sizeof(buf), rep, j, k, c, g->arg);
				w = (int)strlen(buf);
				width[c] = w > width[c] ? w : width[c];
			}
		}
	fprintf(fp, "%-*s", 3 + mw + uw, g->corner);
	for (c = 0; c < g->ncols; c++)
		fprintf(fp, "  %*s", width[c], g->names[c]);
	fprintf(fp, "\n");
	for (j = 0; j < rep->njobs; j++) {
		job_title(buf, sizeof(buf), rep, j);
		fprintf(fp, "%s\n", buf);
		for (job = &rep->jobs[j], k = 0; k < job->nmetrics; k++) {
			fprintf(fp, "  %-*s %-*s", mw, job->metrics[k].name, uw,
			    job->metrics[k].unit);
			for (c = 0; c < g->ncols; c++) {
				g->cell(buf, sizeof(buf), rep, j, k, c, g->arg);
				fprintf(fp, "  %*s", width[c], buf);
			}
			fprintf(fp, "\n");
		}
	}
}

void
evb_report_table(FILE *fp, const struct evb_report *rep)
{
	static const char *const stats[] = { "median", "min", "max" };
	const struct evb_opts *o = rep->opts;
	/* One method: median, min, max columns; else one per method. */
	struct evb_grid g = { o->nmethods == 1 ? o->methods[0] : "",
		o->nmethods == 1 ? 3 : o->nmethods,
		o->nmethods == 1 ? stats : o->methods, cell_text, NULL };

	if (cli_verbosity() >= 0)
		fprintf(fp,
		    "evbench %s, event library %s: %s of %d run%s%s%s\n",
		    cli_package_version(), event_get_version(),
		    o->nmethods == 1 ? "median, min and max" : "median",
		    o->runs, o->runs == 1 ? "" : "s",
		    o->nmethods == 1 ? "" : " (ratio to the best method)",
		    counted_some(rep) ? "; syscalls: one run more" : "");
	evb_grid_print(fp, rep, &g);
	if (counted_nothing(rep))
		fprintf(fp, "syscalls: not counted (%s)\n", evb_sc_reason());
	if (cli_verbosity() >= 0)
		legend(fp, rep);
}

/* A value of a field: what CSV and JSON both print, each in its way. */
enum ftype { F_NULL, F_STR, F_INT, F_NUM, F_BOOL, F_SAMPLES, F_LOAD };

struct fval {
	enum ftype type;
	const char *s;
	long i;
	double d;
	const double *v; /* F_SAMPLES, F_LOAD */
	int nv;
};

/*
 * The fields of a result, then those of the run and the host.  CSV prints
 * them all on every line; JSON the first EVB_RESULT_FIELDS in each object
 * of "results", the others once at the top ("host": the last four).
 */
static const char *const fields[] = { "workload", "metric", "unit", "method",
	"n", "active", "writes", "timeouts", "runs", "median", "min", "max",
	"ratio", "within_noise", "samples", "version", "library", "kernel",
	"cpu", "cores", "load" };
#define NFIELDS ((int)(sizeof(fields) / sizeof(fields[0])))
#define EVB_RESULT_FIELDS 15
#define EVB_HOST_FIELD 17

static void
field(const struct evb_report *rep, int j, int k, int m, int f, struct fval *v)
{
	const struct evb_job *job = &rep->jobs[j];
	const struct evb_cell *c = evb_cell(rep, j, k, m);
	const struct evb_host *h = &rep->host;
	enum evb_rank rank;
	double r;

	memset(v, 0, sizeof(*v));
	v->type = F_STR;
	rank = evb_rank(rep, j, k, m, &r);
	switch (f) {
	case 0:
		v->s = job->label;
		break;
	case 1:
		v->s = job->metrics[k].name;
		break;
	case 2:
		v->s = job->metrics[k].unit;
		break;
	case 3:
		v->s = evb_method_name(rep, j, m);
		break;
	case 4:
		v->type = F_INT;
		v->i = job->params.n;
		break;
	case 5:
	case 6:
	case 7:
		if (!wl_uses_tokens(job->wl)) {
			v->type = F_NULL;
			break;
		}
		v->type = f == 7 ? F_BOOL : F_INT;
		v->i = f == 5 ? job->params.active
		    : f == 6  ? job->params.writes
		              : job->params.timeouts;
		break;
	case 8:
		v->type = F_INT;
		v->i = c->nsamples;
		break;
	case 9:
		v->type = F_NUM;
		v->d = c->median;
		break;
	case 10:
		v->type = F_NUM;
		v->d = c->min;
		break;
	case 11:
		v->type = F_NUM;
		v->d = c->max;
		break;
	case 12:
		v->type = rank == EVB_RANK_RATIO ? F_NUM : F_NULL;
		v->d = r;
		break;
	case 13:
		v->type = rank == EVB_RANK_NONE ? F_NULL : F_BOOL;
		v->i = rank == EVB_RANK_NOISE;
		break;
	case 14:
		v->type = F_SAMPLES;
		v->v = c->samples;
		v->nv = c->nsamples;
		break;
	case 15:
		v->s = cli_package_version();
		break;
	case 16:
		v->s = event_get_version();
		break;
	case 17:
		v->s = h->kernel;
		break;
	case 18:
		v->s = h->cpu;
		break;
	case 19:
		v->type = h->cores > 0 ? F_INT : F_NULL;
		v->i = h->cores;
		break;
	default:
		v->type = h->load[0] >= 0 ? F_LOAD : F_NULL;
		v->v = h->load;
		v->nv = 3;
		break;
	}
}

/* A CSV field, quoted when it holds a comma, a quote or a line break. */
static void
csv_str(FILE *fp, const char *s)
{
	if (strpbrk(s, ",\"\r\n") == NULL) {
		fputs(s, fp);
		return;
	}
	fputc('"', fp);
	for (; *s != '\0'; s++) {
		if (*s == '"')
			fputc('"', fp);
		fputc(*s, fp);
	}
	fputc('"', fp);
}

/* Every string we print is a name of ours, of the library or the host. */
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

/*
 * A value in CSV (json 0: empty for null, numbers apart with ';' or ' ')
 * or in JSON (json 1: null, arrays).
 */
static void
put_value(FILE *fp, const struct fval *v, int json)
{
	const char *sep = !json ? (v->type == F_LOAD ? " " : ";") : ", ";
	int i;

	switch (v->type) {
	case F_NULL:
		fputs(json ? "null" : "", fp);
		break;
	case F_STR:
		(json ? json_str : csv_str)(fp, v->s);
		break;
	case F_INT:
		fprintf(fp, "%ld", v->i);
		break;
	case F_NUM:
		fprintf(fp, "%.3f", v->d);
		break;
	case F_BOOL:
		fputs(v->i ? "true" : "false", fp);
		break;
	case F_SAMPLES:
	case F_LOAD:
		fputs(json ? "[" : "", fp);
		for (i = 0; i < v->nv; i++)
			fprintf(fp, "%s%.*f", i ? sep : "",
			    v->type == F_LOAD ? 2 : 3, v->v[i]);
		fputs(json ? "]" : "", fp);
		break;
	}
}

void
evb_report_csv(FILE *fp, const struct evb_report *rep)
{
	struct fval v;
	int j, k, m, f;

	if (counted_nothing(rep))
		cli_note("syscalls: not counted (%s)", evb_sc_reason());
	for (f = 0; f < NFIELDS; f++)
		fprintf(fp, "%s%s", f ? "," : "", fields[f]);
	fputc('\n', fp);
	for (j = 0; j < rep->njobs; j++)
		for (k = 0; k < rep->jobs[j].nmetrics; k++)
			for (m = 0; m < evb_job_methods(rep, j); m++) {
				for (f = 0; f < NFIELDS; f++) {
					fputs(f ? "," : "", fp);
					field(rep, j, k, m, f, &v);
					put_value(fp, &v, 0);
				}
				fputc('\n', fp);
			}
}

/* "name": value for fields from..to-1 of (j, k, m). */
static void
json_fields(FILE *fp, const struct evb_report *rep, int j, int k, int m,
    int from, int to)
{
	struct fval v;
	int f;

	for (f = from; f < to; f++) {
		fputs(f > from ? ", " : "", fp);
		json_str(fp, fields[f]);
		fputs(": ", fp);
		field(rep, j, k, m, f, &v);
		put_value(fp, &v, 1);
	}
}

void
evb_report_json(FILE *fp, const struct evb_report *rep)
{
	const struct evb_opts *o = rep->opts;
	int j, k, m, first = 1;

	fprintf(fp, "{\n  \"tool\": \"evbench\",\n  ");
	json_fields(fp, rep, 0, 0, 0, EVB_RESULT_FIELDS, EVB_HOST_FIELD);
	fprintf(fp, ",\n  \"host\": {");
	json_fields(fp, rep, 0, 0, 0, EVB_HOST_FIELD, NFIELDS);
	fprintf(fp, "},\n  \"runs\": %d,\n  \"methods\": [", o->runs);
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
	for (j = 0; j < rep->njobs; j++)
		for (k = 0; k < rep->jobs[j].nmetrics; k++)
			for (m = 0; m < evb_job_methods(rep, j); m++) {
				fprintf(fp, "%s\n    {", first ? "" : ",");
				first = 0;
				json_fields(fp, rep, j, k, m, 0,
				    EVB_RESULT_FIELDS);
				fputc('}', fp);
			}
	fprintf(fp, "\n  ]\n}\n");
}
