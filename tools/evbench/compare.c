/*
 * evbench --compare OLD.json: read a run saved with --json and print, for
 * each figure and method of this run, its ratio to the saved one: "~" when
 * the min..max ranges of the two overlap (no change beyond noise), "-"
 * when the saved run lacks the figure or measured it with other sizes.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "evbench.h"
#include "json.h"

/* Larger than any run evbench writes: 16 jobs, 5 figures, 16 methods. */
#define OLD_SIZE_MAX (64L * 1024 * 1024)

struct old_result {
	const char *workload, *metric, *unit, *method;
	long n, active, writes; /* -1: null */
	struct evb_cell cell;
};

struct evb_old {
	struct json *root;
	size_t nresults;
	struct old_result *results;
};

/*
 * The whole file.  A FIFO is opened without waiting for a writer (with
 * none, it reads as empty) and then read as a pipe: --compare <(...) works
 * and a FIFO nobody writes to does not hang evbench.
 */
static char *
read_file(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	size_t cap = 0, n = 0, got;
	char *buf = NULL;
	FILE *fp;

	if (fd < 0 || fcntl(fd, F_SETFL, 0) != 0 ||
	    (fp = fdopen(fd, "rb")) == NULL)
		cli_die("--compare: %s", path);
	do {
		if (n == cap) {
			if (cap >= (size_t)OLD_SIZE_MAX)
				cli_diex("--compare: %s: larger than %ld bytes",
				    path, OLD_SIZE_MAX);
			cap = cap ? cap * 2 : 65536;
			buf = cli_xrealloc(buf, cap, 1);
		}
		got = fread(buf + n, 1, cap - n, fp);
		n += got;
	} while (got > 0);
	if (ferror(fp))
		cli_die("--compare: %s", path);
	fclose(fp);
	*len = n;
	return buf;
}

static CLI_NORETURN void
bad(const char *path, size_t i, const char *what)
{
	cli_diex("--compare: %s: results[%zu]: %s", path, i, what);
}

/* Member key of result i, of the type given, or NULL if null_ok. */
static const struct json *
member(const char *path, size_t i, const struct json *r, const char *key,
    enum json_type type, int null_ok)
{
	const struct json *v = json_get(r, key);
	char what[64];

	if (json_count(r, key) > 1) {
		snprintf(what, sizeof(what), "\"%s\" given twice", key);
		bad(path, i, what);
	}
	if (null_ok && (v == NULL || v->type == JSON_NULL))
		return NULL;
	if (v == NULL || v->type != type) {
		snprintf(what, sizeof(what), "no \"%s\" %s", key,
		    type == JSON_STRING ? "string" : "number");
		bad(path, i, what);
	}
	return v;
}

static const char *
str_member(const char *path, size_t i, const struct json *r, const char *key)
{
	return member(path, i, r, key, JSON_STRING, 0)->string;
}

static double
num_member(const char *path, size_t i, const struct json *r, const char *key)
{
	return member(path, i, r, key, JSON_NUMBER, 0)->number;
}

/* A size (n, active, writes): a whole number evbench could have used. */
static long
size_member(const char *path, size_t i, const struct json *r, const char *key,
    int null_ok)
{
	const struct json *m = member(path, i, r, key, JSON_NUMBER, null_ok);
	char what[64];

	if (m == NULL)
		return -1;
	if (!(m->number >= 0 && m->number <= 1e9) ||
	    m->number != (double)(long)m->number) {
		snprintf(what, sizeof(what), "\"%s\" is not a size", key);
		bad(path, i, what);
	}
	return (long)m->number;
}

struct evb_old *
evb_old_read(const char *path)
{
	struct evb_old *old = cli_xcalloc(1, sizeof(*old));
	const struct json *tool, *results, *r;
	struct old_result *o;
	char err[160];
	size_t len, i;
	char *text = read_file(path, &len);

	old->root = json_parse(text, len, err, sizeof(err));
	free(text);
	if (old->root == NULL)
		cli_diex("--compare: %s: not JSON: %s", path, err);
	tool = json_get(old->root, "tool");
	if (json_count(old->root, "tool") > 1 ||
	    json_count(old->root, "results") > 1)
		cli_diex("--compare: %s: \"tool\" or \"results\" given twice",
		    path);
	if (tool == NULL || tool->type != JSON_STRING ||
	    strcmp(tool->string, "evbench") != 0)
		cli_diex("--compare: %s: not a run of evbench --json", path);
	results = json_get(old->root, "results");
	if (results == NULL || results->type != JSON_ARRAY)
		cli_diex("--compare: %s: no \"results\" array", path);
	old->nresults = results->len;
	old->results = cli_xcalloc(results->len + 1, sizeof(*old->results));
	for (i = 0; i < results->len; i++) {
		r = &results->items[i];
		o = &old->results[i];
		if (r->type != JSON_OBJECT)
			bad(path, i, "not an object");
		o->workload = str_member(path, i, r, "workload");
		o->metric = str_member(path, i, r, "metric");
		o->unit = str_member(path, i, r, "unit");
		o->method = str_member(path, i, r, "method");
		o->n = size_member(path, i, r, "n", 0);
		o->active = size_member(path, i, r, "active", 1);
		o->writes = size_member(path, i, r, "writes", 1);
		o->cell.median = num_member(path, i, r, "median");
		o->cell.min = num_member(path, i, r, "min");
		o->cell.max = num_member(path, i, r, "max");
		if (!(o->cell.min <= o->cell.median &&
		        o->cell.median <= o->cell.max))
			bad(path, i, "not min <= median <= max");
	}
	return old;
}

void
evb_old_free(struct evb_old *old)
{
	if (old == NULL)
		return;
	json_free(old->root);
	free(old->results);
	free(old);
}

/* The saved figure of (j, k, m) measured with the same sizes, or NULL. */
static const struct old_result *
find(const struct evb_old *old, const struct evb_report *rep, int j, int k,
    int m)
{
	const struct evb_job *job = &rep->jobs[j];
	const struct old_result *o;
	int tokens = wl_uses_tokens(job->wl);
	size_t i;

	for (i = 0; i < old->nresults; i++) {
		o = &old->results[i];
		if (strcmp(o->workload, job->label) == 0 &&
		    strcmp(o->metric, job->metrics[k].name) == 0 &&
		    strcmp(o->unit, job->metrics[k].unit) == 0 &&
		    strcmp(o->method, evb_method_name(rep, j, m)) == 0)
			return o->n == job->params.n &&
			        (!tokens ||
			            (o->active == job->params.active &&
			                o->writes == job->params.writes))
			    ? o
			    : NULL;
	}
	return NULL;
}

static void
cell_text(char *buf, size_t len, const struct evb_report *rep, int j, int k,
    int m, const void *arg)
{
	const struct evb_old *old = arg;
	const struct evb_metric *met = &rep->jobs[j].metrics[k];
	const struct evb_cell *c = evb_cell(rep, j, k, m);
	const struct old_result *o;
	double lo, hi, olo, ohi, s, os;
	char now[24], then[24];

	if (m >= evb_job_methods(rep, j)) {
		buf[0] = '\0';
		return;
	}
	if ((o = find(old, rep, j, k, m)) == NULL) {
		snprintf(buf, len, "-");
		return;
	}
	evb_score_range(met, c, &lo, &hi);
	evb_score_range(met, &o->cell, &olo, &ohi);
	s = evb_score(met, c->median);
	os = evb_score(met, o->cell.median);
	if (lo <= ohi && olo <= hi)
		snprintf(buf, len, "~");
	else if (os > 0)
		snprintf(buf, len, "%.2f", s / os);
	else
		snprintf(buf, len, "-");
	evb_fmt_num(now, sizeof(now), c->median);
	evb_fmt_num(then, sizeof(then), o->cell.median);
	if (cli_verbosity() > 0 && strlen(buf) + 1 < len)
		snprintf(buf + strlen(buf), len - strlen(buf), " (%s vs %s)",
		    now, then);
}

void
evb_report_compare(FILE *fp, const struct evb_report *rep,
    const struct evb_old *old, const char *path)
{
	const struct evb_opts *o = rep->opts;
	struct evb_grid g = { "", o->nmethods, o->methods, cell_text, old };

	if (cli_verbosity() >= 0)
		fprintf(fp,
		    "evbench: this run over %s, ratio of the medians "
		    "(%d run%s)\n",
		    path, o->runs, o->runs == 1 ? "" : "s");
	evb_grid_print(fp, rep, &g);
	if (cli_verbosity() >= 0)
		fprintf(fp,
		    "~: the min..max ranges of the two runs overlap, no change "
		    "beyond noise; -: not in %s, or measured with other "
		    "sizes\n",
		    path);
}
