/*
 * evbench ranking: which method did best on a figure, and by how much, or
 * that the runs cannot tell.  A difference smaller than the spread of the
 * runs is noise, not a ranking: when the min..max range of a method
 * overlaps that of the best one, its cell says "~" instead of a ratio.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <math.h>

#include "evbench.h"

double
evb_score(const struct evb_metric *m, double v)
{
	return m->distance ? fabs(v) : v;
}

void
evb_score_range(const struct evb_metric *m, const struct evb_cell *c,
    double *lo, double *hi)
{
	double a = fabs(c->min), b = fabs(c->max);

	if (!m->distance) {
		*lo = c->min;
		*hi = c->max;
	} else if (c->min <= 0 && c->max >= 0) {
		/* Early and late runs: the deadline itself is in range. */
		*lo = 0;
		*hi = a > b ? a : b;
	} else {
		*lo = a < b ? a : b;
		*hi = a > b ? a : b;
	}
}

int
evb_job_methods(const struct evb_report *rep, int job)
{
	return rep->jobs[job].shared ? 1 : rep->opts->nmethods;
}

const char *
evb_method_name(const struct evb_report *rep, int job, int method)
{
	return rep->jobs[job].shared ? EVB_ANY : rep->opts->methods[method];
}

static int
overlap(const struct evb_metric *m, const struct evb_cell *a,
    const struct evb_cell *b)
{
	double alo, ahi, blo, bhi;

	evb_score_range(m, a, &alo, &ahi);
	evb_score_range(m, b, &blo, &bhi);
	return alo <= bhi && blo <= ahi;
}

enum evb_rank
evb_rank(const struct evb_report *rep, int j, int k, int m, double *ratio)
{
	const struct evb_metric *met = &rep->jobs[j].metrics[k];
	int i, best = 0, n = evb_job_methods(rep, j);
	double s, bs;

	*ratio = 0;
	if (n < 2)
		return EVB_RANK_NONE;
	for (i = 1; i < n; i++)
		if (evb_score(met, evb_cell(rep, j, k, i)->median) <
		    evb_score(met, evb_cell(rep, j, k, best)->median))
			best = i;
	for (i = 0; i < n; i++)
		if (i != best && (m == best || i == m) &&
		    overlap(met, evb_cell(rep, j, k, i),
		        evb_cell(rep, j, k, best)))
			return EVB_RANK_NOISE;
	s = evb_score(met, evb_cell(rep, j, k, m)->median);
	bs = evb_score(met, evb_cell(rep, j, k, best)->median);
	if (bs <= 0)
		return EVB_RANK_NONE;
	*ratio = s / bs;
	return EVB_RANK_RATIO;
}
