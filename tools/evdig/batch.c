/*
 * batch.c: the runner.  Every query, whether from the command line, a -f
 * file or the terminal, goes through here.
 *
 * Up to `window` queries are in flight; a query's text is made when its
 * reply arrives (the parsed message lives only during the callback) and
 * kept until every earlier query's text is printed, so the output is in
 * input order and the reorder buffer holds at most `window` results.  The
 * source is read only when a slot is free: a million-line file runs in
 * the memory of `window` queries.
 *
 * Adaptive concurrency, as TCP's congestion window: the number of queries
 * in flight (cwnd) starts small and grows by one per clean reply ("slow
 * start": it doubles every round trip, so a fast server has the whole
 * window within a few milliseconds) up to the window; when a query needed
 * a retransmission or timed out, cwnd is halved (once per "epoch": the
 * queries sent before a cut do not cut again), and from then on grows by
 * one per cwnd's worth of clean replies (AIMD).  A server that cannot keep
 * up thus sees fewer queries rather than a storm of retries, and no query
 * is given up for want of patience.  Starting at the full window instead
 * would send a whole window into a slow server's queue at once: every
 * query it dropped would come back as a retransmission a timeout later.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include <event2/event.h>

#include "cli.h"
#include "evdig.h"

/* Latency histogram: 16 buckets per power of two of microseconds. */
#define LAT_SUB 16
#define LAT_BUCKETS (40 * LAT_SUB)
/* Queries in flight at first (slow start). */
#define CWND_START 16

struct job {
	struct runner *r;
	struct evdig_query q;
	unsigned long seq;
	unsigned epoch; /* the runner's epoch when it was sent */
	int done;
	int status;
	struct outbuf out;
	struct job *next_free;
};

struct evdig_stats {
	unsigned long queries, answered, noerror, nxdomain, servfail, other;
	unsigned long timeouts, errors, retransmissions;
	unsigned long lat[LAT_BUCKETS];
};

struct runner {
	struct event_base *base;
	struct evdns_base *dns;
	const struct evdig_opts *o;
	int nservers;
	int maxwin;
	double cwnd;     /* queries allowed in flight now */
	double ssthresh; /* below it, slow start */
	double cwnd_low; /* the lowest cwnd after a cut */
	int inflight;
	int ordered, batch;
	struct job *jobs, *free_jobs;
	struct job **order; /* ring indexed by seq % maxwin */
	unsigned long next_seq, print_seq;
	runner_next_fn next;
	void *next_arg;
	int source_done;
	int pumping;
	unsigned epoch;
	int status;
	struct evdig_stats st;
	struct timeval start;
	struct event *progress_ev;
	void (*print)(const char *, size_t, void *);
	void *print_arg;
	struct dot *dot; /* +tls */
};

static double
elapsed(const struct runner *r)
{
	struct timeval now;

	gettimeofday(&now, NULL);
	return (double)(now.tv_sec - r->start.tv_sec) +
	    (double)(now.tv_usec - r->start.tv_usec) / 1e6;
}

static int
lat_bucket(long usec)
{
	unsigned long v = usec > 0 ? (unsigned long)usec : 0;
	int msb = 0, idx;

	if (v < LAT_SUB)
		return (int)v;
	while ((v >> msb) >= 2 * LAT_SUB)
		msb++;
	idx = (msb + 1) * LAT_SUB + (int)((v >> msb) - LAT_SUB);
	return idx < LAT_BUCKETS ? idx : LAT_BUCKETS - 1;
}

/* The middle of a bucket, in microseconds. */
static double
lat_value(int idx)
{
	int msb;

	if (idx < LAT_SUB)
		return idx;
	msb = idx / LAT_SUB - 1;
	return ((double)(idx % LAT_SUB + LAT_SUB) + 0.5) * (double)(1UL << msb);
}

static double
percentile(const struct evdig_stats *st, double p)
{
	unsigned long want = (unsigned long)(p * (double)st->answered + 0.5);
	unsigned long seen = 0;
	int i;

	if (st->answered == 0)
		return 0;
	if (want == 0)
		want = 1;
	for (i = 0; i < LAT_BUCKETS; i++) {
		seen += st->lat[i];
		if (seen >= want)
			return lat_value(i);
	}
	return lat_value(LAT_BUCKETS - 1);
}

static void
stdout_print(const char *s, size_t len, void *arg)
{
	(void)arg;
	if (len > 0 && fwrite(s, 1, len, stdout) != len)
		cli_die("stdout");
}

static void
progress_cb(evutil_socket_t fd, short what, void *arg)
{
	struct runner *r = arg;
	double t = elapsed(r);
	unsigned long done = r->st.answered + r->st.timeouts + r->st.errors;

	(void)fd;
	(void)what;
	fflush(stdout);
	fprintf(stderr,
	    "\r\033[K%lu done, %d in flight (window %d), %lu timeouts, "
	    "%lu retransmissions, %.0f queries/s",
	    done, r->inflight, (int)r->cwnd, r->st.timeouts,
	    r->st.retransmissions, t > 0 ? (double)done / t : 0.0);
}

struct runner *
runner_new(struct event_base *base, struct evdns_base *dns,
    const struct evdig_opts *o, int nservers, int window, int ordered,
    int batch)
{
	struct runner *r = cli_xcalloc(1, sizeof(*r));
	struct timeval quarter = { 0, 250000 };
	int i;

	r->base = base;
	r->dns = dns;
	r->o = o;
	r->nservers = nservers;
	r->maxwin = window;
	r->cwnd = window < CWND_START ? window : CWND_START;
	r->ssthresh = r->cwnd_low = window;
	r->ordered = ordered;
	r->batch = batch;
	r->jobs = cli_xcalloc((size_t)window, sizeof(*r->jobs));
	r->order = cli_xcalloc((size_t)window, sizeof(*r->order));
	for (i = window - 1; i >= 0; i--) {
		r->jobs[i].r = r;
		r->jobs[i].next_free = r->free_jobs;
		r->free_jobs = &r->jobs[i];
	}
	r->print = stdout_print;
	gettimeofday(&r->start, NULL);
	if (batch && isatty(2)) {
		r->progress_ev =
		    event_new(base, -1, EV_PERSIST, progress_cb, r);
		if (r->progress_ev == NULL ||
		    event_add(r->progress_ev, &quarter) != 0)
			cli_diex("cannot start the progress line");
	}
	return r;
}

void
runner_set_source(struct runner *r, runner_next_fn next, void *arg)
{
	r->next = next;
	r->next_arg = arg;
}

void
runner_set_dot(struct runner *r, struct dot *d)
{
	r->dot = d;
}

void
runner_set_printer(struct runner *r,
    void (*print)(const char *, size_t, void *), void *arg)
{
	r->print = print;
	r->print_arg = arg;
}

static void
merge_status(struct runner *r, int status)
{
	if (r->status == 0)
		r->status = status;
}

static void
release(struct runner *r, struct job *j)
{
	r->print(j->out.buf, j->out.len, r->print_arg);
	merge_status(r, j->status);
	j->out.len = 0;
	free(j->q.name);
	j->q.name = NULL;
	j->next_free = r->free_jobs;
	r->free_jobs = j;
}

/* Prints the finished queries at the head of the input order. */
static void
flush_ordered(struct runner *r)
{
	struct job *j;

	while (r->print_seq < r->next_seq) {
		j = r->order[r->print_seq % (unsigned long)r->maxwin];
		if (!j->done)
			break;
		r->order[r->print_seq % (unsigned long)r->maxwin] = NULL;
		r->print_seq++;
		release(r, j);
	}
}

static void
maybe_finish(struct runner *r)
{
	if (r->source_done && r->inflight == 0 && r->print_seq == r->next_seq)
		event_base_loopexit(r->base, NULL);
}

/* Statistics, the status and the concurrency, from one result. */
static void
account(struct runner *r, struct job *j, const struct evdns_query_result *res)
{
	int retrans = res->tries - 1, rcode;

	/* A truncated reply asked again over TCP is not a retransmission. */
	if (res->tcp && !(j->q.o.qflags & EVDNS_QUERY_TCP) && retrans > 0)
		retrans--;
	if (retrans > 0)
		r->st.retransmissions += (unsigned long)retrans;
	if (res->err == DNS_ERR_NONE && res->msg != NULL) {
		rcode = res->msg->rcode;
		r->st.answered++;
		r->st.lat[lat_bucket(res->rtt_usec)]++;
		if (rcode == EVDNS_RCODE_NOERROR)
			r->st.noerror++;
		else if (rcode == EVDNS_RCODE_NXDOMAIN)
			r->st.nxdomain++;
		else if (rcode == EVDNS_RCODE_SERVFAIL)
			r->st.servfail++;
		else
			r->st.other++;
		if (r->o->fail && rcode != EVDNS_RCODE_NOERROR)
			j->status = rcode <=
			        EVDIG_EXIT_RCODE_MAX - EVDIG_EXIT_RCODE_BASE - 1
			    ? EVDIG_EXIT_RCODE_BASE + rcode
			    : EVDIG_EXIT_RCODE_MAX;
	} else {
		if (res->err == DNS_ERR_TIMEOUT)
			r->st.timeouts++;
		else
			r->st.errors++;
		j->status = EVDIG_EXIT_NO_REPLY;
	}
	if (retrans > 0 || res->err == DNS_ERR_TIMEOUT) {
		if (j->epoch == r->epoch) {
			r->cwnd = r->cwnd / 2 >= 1 ? r->cwnd / 2 : 1;
			r->ssthresh = r->cwnd;
			if (r->cwnd < r->cwnd_low)
				r->cwnd_low = r->cwnd;
			r->epoch++;
		}
	} else if (r->cwnd < r->maxwin) {
		r->cwnd += r->cwnd < r->ssthresh ? 1.0 : 1.0 / r->cwnd;
		if (r->cwnd > r->maxwin)
			r->cwnd = r->maxwin;
	}
}

static void
render(struct runner *r, struct job *j, const struct evdns_query_result *res)
{
	struct evdig_shown s;
	char why[256];

	s.q = &j->q;
	s.server_name = r->o->server;
	s.first = j->seq == 0;
	s.cmdline = r->o->cmdline;
	s.nservers = r->nservers;
	s.tls = r->dot != NULL;
	s.failure =
	    r->dot != NULL ? dot_failure(r->dot, res, why, sizeof(why)) : NULL;
	if (s.failure != NULL)
		dot_warn_once(r->dot, res, s.failure);
	switch (j->q.o.format) {
	case EVDIG_FMT_SHORT:
		out_short(&j->out, &s, res);
		break;
	case EVDIG_FMT_JSON:
		out_json(&j->out, &s, res);
		break;
	default:
		out_dig(&j->out, &s, res);
		break;
	}
}

/* A query is over: print it now or when its turn comes. */
static void
complete(struct runner *r, struct job *j)
{
	j->done = 1;
	if (r->ordered) {
		flush_ordered(r);
	} else {
		r->print_seq++;
		release(r, j);
	}
}

static void
finished(struct runner *r, struct job *j)
{
	complete(r, j);
	runner_pump(r);
	maybe_finish(r);
}

static void
query_cb(const struct evdns_query_result *res, void *arg)
{
	struct job *j = arg;
	struct runner *r = j->r;

	r->inflight--;
	account(r, j, res);
	render(r, j, res);
	finished(r, j);
}

static void
start(struct runner *r, struct job *j)
{
	struct evdns_query_options qo;

	j->seq = r->next_seq++;
	j->epoch = r->epoch;
	j->done = 0;
	j->status = 0;
	if (r->ordered)
		r->order[j->seq % (unsigned long)r->maxwin] = j;
	if (j->q.o.type < 0)
		j->q.o.type = EVDNS_TYPE_A;
	if (j->q.o.qclass < 0)
		j->q.o.qclass = EVDNS_CLASS_IN;
	if (r->dot != NULL) /* TLS is TCP from the first try */
		j->q.o.qflags |= EVDNS_QUERY_TCP;
	memset(&qo, 0, sizeof(qo));
	qo.flags = j->q.o.qflags;
	qo.type = (ev_uint16_t)j->q.o.type;
	qo.qclass = (ev_uint16_t)j->q.o.qclass;
	qo.edns_udp_size = (ev_uint16_t)j->q.o.bufsize;
	qo.timeout_msec = j->q.o.timeout_ms;
	qo.tries = j->q.o.tries;
	r->st.queries++;
	r->inflight++;
	if (evdns_base_query(r->dns, j->q.name, &qo, query_cb, j) != NULL)
		return;
	/* No callback comes: the name is not a domain name. */
	r->inflight--;
	r->st.errors++;
	cli_warnx("'%s' is not a legal name", j->q.name);
	j->status = EVDIG_EXIT_USAGE;
	complete(r, j);
}

void
runner_pump(struct runner *r)
{
	struct job *j;
	int got;

	if (r->pumping)
		return;
	r->pumping = 1;
	while (!r->source_done && r->inflight < (int)r->cwnd &&
	    r->free_jobs != NULL &&
	    r->next_seq - r->print_seq < (unsigned long)r->maxwin) {
		j = r->free_jobs;
		got = r->next(r, &j->q, r->next_arg);
		if (got < 0) {
			merge_status(r, EVDIG_EXIT_USAGE);
			continue;
		}
		if (got == 0)
			break;
		r->free_jobs = j->next_free;
		start(r, j);
	}
	r->pumping = 0;
}

void
runner_source_done(struct runner *r)
{
	r->source_done = 1;
	maybe_finish(r);
}

static void
summary(struct runner *r)
{
	const struct evdig_stats *st = &r->st;
	double t = elapsed(r);

	fprintf(stderr,
	    ";; queries: %lu, answered: %lu, NOERROR: %lu, NXDOMAIN: %lu, "
	    "SERVFAIL: %lu, other rcodes: %lu\n"
	    ";; timeouts: %lu, other errors: %lu, retransmissions: %lu\n"
	    ";; time: %.3f s, queries/s: %.0f, latency p50: %.3f ms, "
	    "p99: %.3f ms, window: %d (lowest %d)\n",
	    st->queries, st->answered, st->noerror, st->nxdomain, st->servfail,
	    st->other, st->timeouts, st->errors, st->retransmissions, t,
	    t > 0 ? (double)st->queries / t : 0.0, percentile(st, 0.5) / 1000,
	    percentile(st, 0.99) / 1000, r->maxwin, (int)r->cwnd_low);
	if (r->dot != NULL)
		fprintf(stderr, ";; TLS connections: %lu\n",
		    dot_connections(r->dot));
}

int
runner_run(struct runner *r)
{
	runner_pump(r);
	maybe_finish(r);
	if (!(r->source_done && r->inflight == 0 &&
	        r->print_seq == r->next_seq) &&
	    event_base_dispatch(r->base) < 0)
		cli_diex("the event loop failed");
	if (r->progress_ev != NULL) {
		event_free(r->progress_ev);
		r->progress_ev = NULL;
		fprintf(stderr, "\r\033[K");
	}
	if (fflush(stdout) != 0)
		cli_die("stdout");
	if (r->batch)
		summary(r);
	return r->status;
}

void
runner_free(struct runner *r)
{
	int i;

	for (i = 0; i < r->maxwin; i++) {
		ob_free(&r->jobs[i].out);
		free(r->jobs[i].q.name);
	}
	if (r->progress_ev != NULL)
		event_free(r->progress_ev);
	free(r->jobs);
	free(r->order);
	free(r);
}
