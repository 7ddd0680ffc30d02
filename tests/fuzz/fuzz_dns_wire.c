/* fuzz-sources: */
/*
 * libFuzzer harness for the DNS wire parser (lib/dns_wire.c): the input
 * is a DNS message.  evdns_msg_parse must refuse it or return a message
 * whose every part holds: rdata inside the message's copy, every name's
 * text reading back (dns_name_from_text_) to wire bytes that print the
 * same text, the question re-encoded by dns_query_build_ parsing back
 * the same, the OPT record out of the additional section.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <event2/dns_query.h>

#include "dns-wire-internal.h"
#include "fuzz-check.h"

/* The text of a name reads back to a name with the same text. */
static void
check_name(const char *text, unsigned char *wire_out)
{
	unsigned char wire[DNS_NAME_MAX];
	char again[1010];
	int n;

	n = dns_name_from_text_(text, wire);
	CHECK(n > 0 && n <= DNS_NAME_MAX);
	CHECK(dns_name_to_text_(wire, again, sizeof(again)) >= 0);
	CHECK(strcmp(text, again) == 0);
	if (wire_out != NULL)
		memcpy(wire_out, wire, (size_t)n);
}

static void
check_rr(const struct evdns_msg *m, const struct evdns_msg_rr *rr)
{
	CHECK(rr->name != NULL && rr->text != NULL);
	CHECK(rr->rdata >= m->wire &&
	    rr->rdata + rr->rdlength <= m->wire + m->wire_len);
	check_name(rr->name, NULL);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct evdns_msg *m, *q;
	unsigned char qname[DNS_NAME_MAX], unpacked[DNS_NAME_MAX], buf[512];
	struct dns_query_spec spec;
	size_t i, s, pos;
	int n;

	if (evdns_msg_parse(data, size, &m) < 0)
		return 0;
	CHECK(m->wire != data && m->wire_len == size);
	CHECK(memcmp(m->wire, data, size) == 0);
	CHECK(m->n_question == m->count[0]);
	CHECK(m->n_section[0] == m->count[1] && m->n_section[1] == m->count[2]);
	CHECK(m->n_section[2] + (m->opt != NULL) == m->count[3]);
	for (s = 0; s < 3; s++) {
		for (i = 0; i < m->n_section[s]; i++) {
			check_rr(m, &m->section[s][i]);
			CHECK(m->section[s][i].type != EVDNS_TYPE_OPT);
		}
	}
	if (m->opt != NULL) {
		check_rr(m, m->opt);
		CHECK(strcmp(m->opt->name, ".") == 0);
		CHECK(m->rcode ==
		    ((m->flags & 0xf) | (int)(m->opt->ttl >> 24) << 4));
	} else {
		CHECK(m->rcode == (m->flags & 0xf));
	}
	for (i = 0; i < m->n_question; i++)
		check_name(m->question[i].name, i == 0 ? qname : NULL);

	if (m->n_question > 0) {
		/* The first name in the message is the question's. */
		pos = DNS_HEADER_LEN;
		CHECK(
		    dns_name_unpack_(m->wire, m->wire_len, &pos, unpacked) > 0);
		CHECK(dns_name_equal_(qname, unpacked, 1));

		memset(&spec, 0, sizeof(spec));
		spec.id = m->id;
		spec.flags = m->flags;
		spec.qname = qname;
		spec.qtype = m->question[0].type;
		spec.qclass = m->question[0].qclass;
		spec.edns_udp_size = m->edns_udp_size;
		spec.edns_flags = m->edns_flags;
		n = dns_query_build_(&spec, buf, sizeof(buf));
		CHECK(n > 0);
		CHECK(evdns_msg_parse(buf, (size_t)n, &q) == 0);
		CHECK(strcmp(q->question[0].name, m->question[0].name) == 0);
		CHECK(q->question[0].type == m->question[0].type);
		CHECK(q->question[0].qclass == m->question[0].qclass);
		CHECK((q->opt != NULL) == (m->edns_udp_size != 0));
		evdns_msg_free(q);
	}
	evdns_msg_free(m);
	return 0;
}
