/*
 * json.c: +json, one object per query on one line, in RFC 8427's layout.
 *
 * The message object has every header field (ID, QR, Opcode, AA, TC, RD,
 * RA, AD, CD, RCODE, the four counts), the first question (QNAME, QTYPE,
 * QCLASS and their names), the four sections as arrays of RR objects,
 * messageOctetsHEX, dateString and dateSeconds.  An RR object has NAME,
 * TYPE, TYPEname, CLASS, CLASSname, TTL, RDLENGTH, RDATAHEX and "rdata"
 * + the type's name ("rdataA", "rdataMX", "rdataTYPE65280") holding the
 * presentation text.  The OPT record ends additionalRRs, with its CLASS
 * (the UDP size) and TTL (extended rcode, version, flags) as they were on
 * the wire.  evdig adds "server", "protocol", "queryTimeUsec" and
 * "tries"; a query without a reply is {QNAME, QTYPE, QCLASS, ...,
 * "error"}.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "evdig.h"

static void
json_str(struct outbuf *ob, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	const unsigned char *run = p;
	char esc[8];

	ob_put(ob, "\"", 1);
	for (; *p != '\0'; p++) {
		if (*p >= 0x20 && *p < 0x7f && *p != '"' && *p != '\\')
			continue;
		ob_put(ob, (const char *)run, (size_t)(p - run));
		if (*p == '"' || *p == '\\') {
			esc[0] = '\\';
			esc[1] = (char)*p;
			ob_put(ob, esc, 2);
		} else {
			/* Control bytes, and bytes above ASCII read as
			 * Latin-1: the output stays valid UTF-8. */
			memcpy(esc, "\\u00", 4);
			esc[4] = hex[*p >> 4];
			esc[5] = hex[*p & 0xf];
			ob_put(ob, esc, 6);
		}
		run = p + 1;
	}
	ob_put(ob, (const char *)run, (size_t)(p - run));
	ob_put(ob, "\"", 1);
}

static void
json_hex(struct outbuf *ob, const unsigned char *b, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	char chunk[128];
	size_t i, n = 0;

	ob_put(ob, "\"", 1);
	for (i = 0; i < len; i++) {
		chunk[n++] = hex[b[i] >> 4];
		chunk[n++] = hex[b[i] & 0xf];
		if (n == sizeof(chunk)) {
			ob_put(ob, chunk, n);
			n = 0;
		}
	}
	ob_put(ob, chunk, n);
	ob_put(ob, "\"", 1);
}

/* "KEY":"name" where the number has a mnemonic. */
static void
json_name_of(struct outbuf *ob, const char *key, const char *name)
{
	if (name == NULL)
		return;
	ob_printf(ob, ",\"%s\":", key);
	json_str(ob, name);
}

static void
json_rr(struct outbuf *ob, const struct evdns_msg_rr *rr, int question)
{
	const char *tn = evdns_type_name(rr->type);

	ob_printf(ob, "{\"NAME\":");
	json_str(ob, rr->name);
	ob_printf(ob, ",\"TYPE\":%u", rr->type);
	json_name_of(ob, "TYPEname", tn);
	ob_printf(ob, ",\"CLASS\":%u", rr->rclass);
	if (rr->type != EVDNS_TYPE_OPT)
		json_name_of(ob, "CLASSname", evdns_class_name(rr->rclass));
	if (!question) {
		ob_printf(ob, ",\"TTL\":%lu,\"RDLENGTH\":%u,\"RDATAHEX\":",
		    (unsigned long)rr->ttl, rr->rdlength);
		json_hex(ob, rr->rdata, rr->rdlength);
		if (rr->text != NULL) {
			char tb[16];

			ob_printf(ob, ",\"rdata%s\":",
			    evdig_type_str(rr->type, tb, sizeof(tb)));
			json_str(ob, rr->text);
		}
	}
	ob_put(ob, "}", 1);
}

static void
json_section(struct outbuf *ob, const char *key, const struct evdns_msg_rr *rrs,
    size_t n, const struct evdns_msg_rr *opt)
{
	size_t i;

	ob_printf(ob, ",\"%s\":[", key);
	for (i = 0; i < n; i++) {
		if (i > 0)
			ob_put(ob, ",", 1);
		json_rr(ob, &rrs[i], 0);
	}
	if (opt != NULL) {
		if (n > 0)
			ob_put(ob, ",", 1);
		json_rr(ob, opt, 0);
	}
	ob_put(ob, "]", 1);
}

static void
json_questions(struct outbuf *ob, const struct evdns_msg *m)
{
	struct evdns_msg_rr rr;
	size_t i;

	ob_printf(ob, ",\"questionRRs\":[");
	for (i = 0; i < m->n_question; i++) {
		memset(&rr, 0, sizeof(rr));
		rr.name = m->question[i].name;
		rr.type = m->question[i].type;
		rr.rclass = m->question[i].qclass;
		if (i > 0)
			ob_put(ob, ",", 1);
		json_rr(ob, &rr, 1);
	}
	ob_put(ob, "]", 1);
}

/* QNAME, QTYPE, QCLASS and their names. */
static void
json_qfields(struct outbuf *ob, const char *name, int type, int qclass)
{
	ob_printf(ob, "\"QNAME\":");
	json_str(ob, name);
	ob_printf(ob, ",\"QTYPE\":%d", type);
	json_name_of(ob, "QTYPEname", evdns_type_name(type));
	ob_printf(ob, ",\"QCLASS\":%d", qclass);
	json_name_of(ob, "QCLASSname", evdns_class_name(qclass));
}

static void
json_date(struct outbuf *ob)
{
	struct timeval tv;
	struct tm tm;
	char date[64];
	time_t t;

	gettimeofday(&tv, NULL);
	t = tv.tv_sec;
	gmtime_r(&t, &tm);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
	ob_printf(ob, ",\"dateString\":\"%s.%03ldZ\",\"dateSeconds\":%ld.%06ld",
	    date, (long)tv.tv_usec / 1000, (long)tv.tv_sec, (long)tv.tv_usec);
}

void
out_json(struct outbuf *ob, const struct evdig_shown *s,
    const struct evdns_query_result *res)
{
	const struct evdns_msg *m = res->msg;
	const struct evdig_query *q = s->q;
	char addr[80];
	int f;

	evdig_addr_str(res->server, addr, sizeof(addr), 1);
	if (res->err != DNS_ERR_NONE || m == NULL) {
		ob_put(ob, "{", 1);
		json_qfields(ob, res->qname != NULL ? res->qname : q->name,
		    q->o.type, q->o.qclass);
		ob_printf(ob, ",\"error\":");
		json_str(ob,
		    s->failure != NULL ? s->failure
		                       : evdns_err_to_string(res->err));
		ob_printf(ob, ",\"server\":\"%s\",\"tries\":%d", addr,
		    res->tries);
		json_date(ob);
		ob_printf(ob, "}\n");
		return;
	}
	f = m->flags;
	ob_printf(ob,
	    "{\"ID\":%u,\"QR\":%d,\"Opcode\":%d,\"AA\":%d,\"TC\":%d,\"RD\":%d,"
	    "\"RA\":%d,\"AD\":%d,\"CD\":%d,\"RCODE\":%d,\"QDCOUNT\":%u,"
	    "\"ANCOUNT\":%u,\"NSCOUNT\":%u,\"ARCOUNT\":%u,",
	    m->id, !!(f & EVDNS_MSG_QR), m->opcode, !!(f & EVDNS_MSG_AA),
	    !!(f & EVDNS_MSG_TC), !!(f & EVDNS_MSG_RD), !!(f & EVDNS_MSG_RA),
	    !!(f & EVDNS_MSG_AD), !!(f & EVDNS_MSG_CD), m->rcode, m->count[0],
	    m->count[1], m->count[2], m->count[3]);
	if (m->n_question > 0)
		json_qfields(ob, m->question[0].name, m->question[0].type,
		    m->question[0].qclass);
	else
		json_qfields(ob, q->name, q->o.type, q->o.qclass);
	json_questions(ob, m);
	json_section(ob, "answerRRs", m->section[0], m->n_section[0], NULL);
	json_section(ob, "authorityRRs", m->section[1], m->n_section[1], NULL);
	json_section(ob, "additionalRRs", m->section[2], m->n_section[2],
	    m->opt);
	ob_printf(ob, ",\"messageOctetsHEX\":");
	json_hex(ob, m->wire, m->wire_len);
	json_date(ob);
	ob_printf(ob,
	    ",\"server\":\"%s\",\"protocol\":\"%s\","
	    "\"queryTimeUsec\":%ld,\"tries\":%d}\n",
	    addr, evdig_transport(s, res), res->rtt_usec, res->tries);
}
