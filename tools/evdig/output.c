/*
 * output.c: a reply in dig's layout, or +short.
 *
 * The layout is dig's (BIND 9.18) so that people and scripts used to dig
 * can read it: the same comment lines, and the same columns: the owner
 * name, then tabs up to column 24 for the TTL, 32 for the class, 40 for
 * the type and 48 for the rdata (a field that reaches past its column is
 * followed by one space instead).  The question line starts with ";",
 * which does not count, and skips the TTL column.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "cli.h"
#include "evdig.h"

void
ob_put(struct outbuf *ob, const char *s, size_t len)
{
	size_t cap;

	if (ob->len + len + 1 > ob->cap) {
		cap = ob->cap != 0 ? ob->cap : 256;
		while (cap < ob->len + len + 1)
			cap *= 2;
		ob->buf = cli_xrealloc(ob->buf, cap, 1);
		ob->cap = cap;
	}
	memcpy(ob->buf + ob->len, s, len);
	ob->len += len;
	ob->buf[ob->len] = '\0';
}

void
ob_printf(struct outbuf *ob, const char *fmt, ...)
{
	char small[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(small)) {
		ob_put(ob, small, (size_t)n);
		return;
	}
	ob_put(ob, "", 0);
	if (ob->len + (size_t)n + 1 > ob->cap) {
		ob->buf = cli_xrealloc(ob->buf, ob->len + (size_t)n + 1, 1);
		ob->cap = ob->len + (size_t)n + 1;
	}
	va_start(ap, fmt);
	vsnprintf(ob->buf + ob->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	ob->len += (size_t)n;
}

void
ob_free(struct outbuf *ob)
{
	free(ob->buf);
	memset(ob, 0, sizeof(*ob));
}

const char *
evdig_type_str(int type, char *buf, size_t size)
{
	const char *n = evdns_type_name(type);

	if (n != NULL)
		return n;
	snprintf(buf, size, "TYPE%d", type);
	return buf;
}

const char *
evdig_class_str(int qclass, char *buf, size_t size)
{
	const char *n = evdns_class_name(qclass);

	if (n != NULL)
		return n;
	snprintf(buf, size, "CLASS%d", qclass);
	return buf;
}

void
evdig_addr_str(const struct sockaddr *sa, char *buf, size_t size, int with_port)
{
	char host[INET6_ADDRSTRLEN];
	unsigned port = 0;

	host[0] = '\0';
	if (sa != NULL && sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const void *)sa;

		inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host));
		port = ntohs(sin->sin_port);
	} else if (sa != NULL && sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const void *)sa;

		inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof(host));
		port = ntohs(sin6->sin6_port);
	} else {
		snprintf(host, sizeof(host), "?");
	}
	if (with_port)
		snprintf(buf, size, "%s#%u", host, port);
	else
		snprintf(buf, size, "%s", host);
}

/* Tabs up to column `to`, or one space when the line is there already. */
static void
indent(struct outbuf *ob, size_t *col, size_t to)
{
	if (*col >= to) {
		ob_put(ob, " ", 1);
		(*col)++;
		return;
	}
	while (*col < to) {
		ob_put(ob, "\t", 1);
		*col = (*col / 8 + 1) * 8;
	}
}

static void
field(struct outbuf *ob, size_t *col, const char *s)
{
	size_t len = strlen(s);

	ob_put(ob, s, len);
	*col += len;
}

static void
question_line(struct outbuf *ob, const struct evdns_msg_question *q)
{
	char tb[16], cb[16];
	size_t col = 0;

	ob_put(ob, ";", 1);
	field(ob, &col, q->name);
	indent(ob, &col, 32);
	field(ob, &col, evdig_class_str(q->qclass, cb, sizeof(cb)));
	indent(ob, &col, 40);
	field(ob, &col, evdig_type_str(q->type, tb, sizeof(tb)));
	ob_put(ob, "\n", 1);
}

static void
rr_line(struct outbuf *ob, const struct evdns_msg_rr *rr)
{
	char tb[16], cb[16], ttl[16];
	size_t col = 0;

	field(ob, &col, rr->name);
	indent(ob, &col, 24);
	snprintf(ttl, sizeof(ttl), "%lu", (unsigned long)rr->ttl);
	field(ob, &col, ttl);
	indent(ob, &col, 32);
	field(ob, &col, evdig_class_str(rr->rclass, cb, sizeof(cb)));
	indent(ob, &col, 40);
	field(ob, &col, evdig_type_str(rr->type, tb, sizeof(tb)));
	indent(ob, &col, 48);
	ob_printf(ob, "%s\n", rr->text != NULL ? rr->text : "");
}

static void
banner(struct outbuf *ob, const struct evdig_shown *s)
{
	ob_printf(ob, "\n; <<>> evdig %s <<>> %s\n", cli_package_version(),
	    s->cmdline != NULL ? s->cmdline : "");
	if (s->server_name != NULL)
		ob_printf(ob, "; (%d server%s found)\n", s->nservers,
		    s->nservers == 1 ? "" : "s");
	ob_printf(ob, ";; global options: +cmd\n");
}

/* What went wrong when no reply came, as dig words it. */
static void
no_reply(struct outbuf *ob, const struct evdig_shown *s,
    const struct evdns_query_result *res)
{
	char addr[80];

	if (s->failure != NULL) {
		evdig_addr_str(res->server, addr, sizeof(addr), 1);
		ob_printf(ob, ";; no reply from %s(TLS): %s\n", addr,
		    s->failure);
		return;
	}
	if (res->err == DNS_ERR_TIMEOUT) {
		ob_printf(ob,
		    ";; connection timed out; no servers could be "
		    "reached\n");
		return;
	}
	evdig_addr_str(res->server, addr, sizeof(addr), 1);
	ob_printf(ob, ";; %s%s%s: %s\n",
	    res->err == DNS_ERR_TRUNCATED ? "truncated reply, and TCP failed"
	                                  : "no reply",
	    res->server != NULL ? " from " : "",
	    res->server != NULL ? addr : "", evdns_err_to_string(res->err));
}

static void
header(struct outbuf *ob, const struct evdig_shown *s,
    const struct evdns_msg *m)
{
	static const struct {
		int bit;
		const char *name;
	} flags[] = { { EVDNS_MSG_QR, "qr" }, { EVDNS_MSG_AA, "aa" },
		{ EVDNS_MSG_TC, "tc" }, { EVDNS_MSG_RD, "rd" },
		{ EVDNS_MSG_RA, "ra" }, { EVDNS_MSG_AD, "ad" },
		{ EVDNS_MSG_CD, "cd" } };
	const char *op = evdns_opcode_name(m->opcode);
	const char *rc = evdns_rcode_name(m->rcode);
	size_t i;

	ob_printf(ob, ";; Got answer:\n;; ->>HEADER<<- opcode: ");
	if (op != NULL)
		ob_printf(ob, "%s", op);
	else
		ob_printf(ob, "OPCODE%d", m->opcode);
	if (rc != NULL)
		ob_printf(ob, ", status: %s", rc);
	else
		ob_printf(ob, ", status: RCODE%d", m->rcode);
	ob_printf(ob, ", id: %u\n;; flags:", m->id);
	for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
		if (m->flags & flags[i].bit)
			ob_printf(ob, " %s", flags[i].name);
	ob_printf(ob,
	    "; QUERY: %u, ANSWER: %u, AUTHORITY: %u, ADDITIONAL: %u\n",
	    m->count[0], m->count[1], m->count[2], m->count[3]);
	if (!(s->q->o.qflags & EVDNS_QUERY_NO_RD) && !(m->flags & EVDNS_MSG_RA))
		ob_printf(ob,
		    ";; WARNING: recursion requested but not "
		    "available\n");
	ob_printf(ob, "\n");
}

static void
opt_section(struct outbuf *ob, const struct evdns_msg *m)
{
	const char *text = m->opt->text;
	int mbz = m->edns_flags & ~EVDNS_EDNS_DO;

	ob_printf(ob, ";; OPT PSEUDOSECTION:\n; EDNS: version: %u, flags:%s;",
	    m->edns_version, (m->edns_flags & EVDNS_EDNS_DO) ? " do" : "");
	if (mbz != 0)
		ob_printf(ob, " MBZ: 0x%04x,", mbz);
	ob_printf(ob, " udp: %u\n", m->edns_udp_size);
	if (text != NULL && *text != '\0')
		ob_printf(ob, "%s%s", text,
		    text[strlen(text) - 1] == '\n' ? "" : "\n");
}

static void
stats(struct outbuf *ob, const struct evdig_shown *s,
    const struct evdns_query_result *res)
{
	char addr[80], host[80], when[64];
	time_t now = time(NULL);
	struct tm tm;

	evdig_addr_str(res->server, addr, sizeof(addr), 1);
	evdig_addr_str(res->server, host, sizeof(host), 0);
	localtime_r(&now, &tm);
	strftime(when, sizeof(when), "%a %b %d %H:%M:%S %Z %Y", &tm);
	ob_printf(ob,
	    ";; Query time: %ld msec\n;; SERVER: %s(%s) (%s)\n;; WHEN: %s\n"
	    ";; MSG SIZE  rcvd: %zu\n\n",
	    res->rtt_usec / 1000, addr,
	    s->server_name != NULL ? s->server_name : host,
	    evdig_transport(s, res), when, res->msg->wire_len);
}

const char *
evdig_transport(const struct evdig_shown *s,
    const struct evdns_query_result *res)
{
	if (!res->tcp)
		return "UDP";
	return s->tls ? "TLS" : "TCP";
}

void
out_dig(struct outbuf *ob, const struct evdig_shown *s,
    const struct evdns_query_result *res)
{
	static const char *const names[3] = { "ANSWER", "AUTHORITY",
		"ADDITIONAL" };
	static const int bits[3] = { SHOW_ANSWER, SHOW_AUTHORITY,
		SHOW_ADDITIONAL };
	const struct evdns_msg *m = res->msg;
	int show = s->q->o.show, comments = show & SHOW_COMMENTS;
	size_t i, j;

	/* dig says so before anything else. */
	if (res->tcp && !(s->q->o.qflags & EVDNS_QUERY_TCP) && comments)
		ob_printf(ob, ";; Truncated, retrying in TCP mode.\n");
	if (s->first && (show & SHOW_CMD))
		banner(ob, s);
	if (res->err != DNS_ERR_NONE || m == NULL) {
		no_reply(ob, s, res);
		return;
	}
	if (comments) {
		header(ob, s, m);
		if (m->opt != NULL)
			opt_section(ob, m);
	}
	if ((show & SHOW_QUESTION) && m->n_question > 0) {
		if (comments)
			ob_printf(ob, ";; QUESTION SECTION:\n");
		for (i = 0; i < m->n_question; i++)
			question_line(ob, &m->question[i]);
		if (comments)
			ob_printf(ob, "\n");
	}
	for (j = 0; j < 3; j++) {
		if (!(show & bits[j]) || m->n_section[j] == 0)
			continue;
		if (comments)
			ob_printf(ob, ";; %s SECTION:\n", names[j]);
		for (i = 0; i < m->n_section[j]; i++)
			rr_line(ob, &m->section[j][i]);
		if (comments)
			ob_printf(ob, "\n");
	}
	if (show & SHOW_STATS)
		stats(ob, s, res);
}

void
out_short(struct outbuf *ob, const struct evdig_shown *s,
    const struct evdns_query_result *res)
{
	const struct evdns_msg *m = res->msg;
	size_t i;

	(void)s;
	if (res->err != DNS_ERR_NONE || m == NULL) {
		no_reply(ob, s, res);
		return;
	}
	for (i = 0; i < m->n_section[EVDNS_SECTION_ANSWER]; i++) {
		const char *text = m->section[EVDNS_SECTION_ANSWER][i].text;

		ob_put(ob, text, strlen(text));
		ob_put(ob, "\n", 1);
	}
}
