/*
 * evbench --svg: the table as a chart, one panel per figure and a
 * horizontal bar per method: the bar goes from zero to the median, a line
 * across it from the minimum to the maximum of the runs.  Each panel has
 * its own scale (the units differ), drawn from zero so that lengths
 * compare; a negative figure (a timer early) goes left of zero.  A
 * standalone SVG 1.1 file, no script, readable in any browser.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdio.h>
#include <string.h>

#include <event2/event.h>

#include "evbench.h"

#define SVG_WIDTH 840
#define LABEL_W 110 /* method names, left of the bars */
#define PLOT_W 470  /* the bars */
#define BAR_H 16
#define ROW_H 22
#define TITLE_H 24

static const char *const colors[] = { "#4e79a7", "#f28e2b", "#59a14f",
	"#e15759", "#76b7b2", "#edc948", "#b07aa1", "#9c755f" };

/* Text of ours or of the library, escaped for XML. */
static void
xml_text(FILE *fp, const char *s)
{
	for (; *s != '\0'; s++)
		switch (*s) {
		case '&':
			fputs("&amp;", fp);
			break;
		case '<':
			fputs("&lt;", fp);
			break;
		case '>':
			fputs("&gt;", fp);
			break;
		case '"':
			fputs("&quot;", fp);
			break;
		default:
			fputc(*s, fp);
		}
}

/* One figure: its title, then a bar per method; returns the new y. */
static int
panel(FILE *fp, const struct evb_report *rep, int j, int k, int y)
{
	const struct evb_job *job = &rep->jobs[j];
	const struct evb_metric *met = &job->metrics[k];
	int m, nm = evb_job_methods(rep, j);
	double lo = 0, hi = 0, x0, xm, xa, xb, r, cy;
	const struct evb_cell *c;
	char title[96], rank[32], med[24], min[24], max[24];
	enum evb_rank rk;

	for (m = 0; m < nm; m++) {
		c = evb_cell(rep, j, k, m);
		lo = c->min < lo ? c->min : lo;
		hi = c->max > hi ? c->max : hi;
	}
	if (hi - lo <= 0)
		hi = lo + 1;
#define X(v) (LABEL_W + ((v)-lo) / (hi - lo) * PLOT_W)
	evb_job_title(title, sizeof(title), job);
	fprintf(fp,
	    "<g class=\"figure\">\n<text class=\"title\" x=\"4\" "
	    "y=\"%d\">",
	    y + 16);
	xml_text(fp, title);
	fputs(": ", fp);
	xml_text(fp, met->name);
	fputs(" (", fp);
	xml_text(fp, met->unit);
	fprintf(fp, "%s)</text>\n",
	    met->distance ? ", nearer 0 is better; negative: early"
	                  : ", lower is better");
	y += TITLE_H;
	x0 = X(0);
	fprintf(fp,
	    "<line class=\"axis\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" "
	    "y2=\"%d\"/>\n",
	    x0, y - 2, x0, y + nm * ROW_H);
	for (m = 0; m < nm; m++, y += ROW_H) {
		c = evb_cell(rep, j, k, m);
		xm = X(c->median);
		xa = X(c->min);
		xb = X(c->max);
		cy = y + BAR_H / 2.0;
		fprintf(fp, "<text class=\"label\" x=\"%d\" y=\"%d\">",
		    LABEL_W - 6, y + BAR_H - 3);
		xml_text(fp, evb_method_name(rep, j, m));
		fprintf(fp, "</text>\n<rect class=\"bar\" data-backend=\"");
		xml_text(fp, evb_method_name(rep, j, m));
		fprintf(fp, "\" data-figure=\"");
		xml_text(fp, job->label);
		fputc(' ', fp);
		xml_text(fp, met->name);
		fputc(' ', fp);
		xml_text(fp, met->unit);
		fprintf(fp,
		    "\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" "
		    "fill=\"%s\"/>\n",
		    xm < x0 ? xm : x0, y, xm < x0 ? x0 - xm : xm - x0, BAR_H,
		    colors[(job->shared ? 0 : m) %
		        (int)(sizeof(colors) / sizeof(colors[0]))]);
		fprintf(fp,
		    "<path class=\"range\" d=\"M%.1f %.1fH%.1fM%.1f %.1fV%.1f"
		    "M%.1f %.1fV%.1f\"/>\n",
		    xa, cy, xb, xa, cy - 4, cy + 4, xb, cy - 4, cy + 4);
		rk = evb_rank(rep, j, k, m, &r);
		if (rk == EVB_RANK_RATIO)
			snprintf(rank, sizeof(rank), " (%.2f)", r);
		else
			snprintf(rank, sizeof(rank), "%s",
			    rk == EVB_RANK_NOISE ? " (~)" : "");
		evb_fmt_num(med, sizeof(med), c->median);
		evb_fmt_num(min, sizeof(min), c->min);
		evb_fmt_num(max, sizeof(max), c->max);
		fprintf(fp,
		    "<text class=\"value\" x=\"%d\" y=\"%d\">%s [%s..%s]%s"
		    "</text>\n",
		    LABEL_W + PLOT_W + 8, y + BAR_H - 3, med, min, max, rank);
	}
#undef X
	fputs("</g>\n", fp);
	return y + 6;
}

int
evb_report_svg(FILE *fp, const struct evb_report *rep)
{
	int j, k, y, height = 76;

	for (j = 0; j < rep->njobs; j++)
		height += rep->jobs[j].nmetrics *
		    (TITLE_H + 6 + ROW_H * evb_job_methods(rep, j));
	fprintf(fp,
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" "
	    "width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">\n"
	    "<style>text { font: 12px sans-serif; } "
	    ".title { font-weight: bold; } .label { text-anchor: end; } "
	    ".axis { stroke: #888; } "
	    ".range { stroke: #000; stroke-width: 1.5; fill: none; }"
	    "</style>\n"
	    "<rect width=\"100%%\" height=\"100%%\" fill=\"#fff\"/>\n",
	    SVG_WIDTH, height, SVG_WIDTH, height);
	fprintf(fp,
	    "<text class=\"title\" x=\"4\" y=\"18\">evbench %s, event "
	    "library ",
	    cli_package_version());
	xml_text(fp, event_get_version());
	fprintf(fp, ": median of %d run%s</text>\n", rep->opts->runs,
	    rep->opts->runs == 1 ? "" : "s");
	fprintf(fp,
	    "<text x=\"4\" y=\"34\">Bar: median; line: min..max; (ratio) to "
	    "the best; (~): within noise of it, the ranges overlap; "
	    "any: no event loop, one for all</text>\n");
	fprintf(fp, "<text x=\"4\" y=\"50\">host: ");
	xml_text(fp, rep->host.kernel);
	fputs(", ", fp);
	xml_text(fp, rep->host.cpu);
	fprintf(fp, ", %ld cores</text>\n", rep->host.cores);
	y = 62;
	for (j = 0; j < rep->njobs; j++)
		for (k = 0; k < rep->jobs[j].nmetrics; k++)
			y = panel(fp, rep, j, k, y);
	fputs("</svg>\n", fp);
	return fflush(fp) != 0 || ferror(fp) ? -1 : 0;
}
