/*
 * af_dns_wire.c: allocation-failure scenario for the DNS message parser.
 * A failed allocation must make evdns_msg_parse return -1 with nothing
 * leaked, never a message with text missing.
 */
#include <string.h>

#include <event2/dns_query.h>

#include "allocfail.h"

/* A reply whose text outgrows the first guess at its size: a TXT record
 * of 250 bytes that each print as \DDD, then an A record. */
static int
run_dns_parse(void)
{
	unsigned char msg[512];
	static const unsigned char head[] = { 0x12, 0x34, 0x81, 0x80, 0, 1, 0,
		2, 0, 0, 0, 0, 1, 'r', 0, 0, 16, 0, 1, 0xc0, 12, 0, 16, 0, 1, 0,
		0, 0, 60, 0, 251, 250 };
	static const unsigned char a_rr[] = { 0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60,
		0, 4, 192, 0, 2, 1 };
	struct evdns_msg *m = NULL;
	size_t n = 0;
	int rc = AF_OK;

	memcpy(msg, head, sizeof(head));
	n = sizeof(head);
	memset(msg + n, 1, 250);
	n += 250;
	memcpy(msg + n, a_rr, sizeof(a_rr));
	n += sizeof(a_rr);
	AF_CHECK(evdns_msg_parse(msg, n, &m) == 0);
	AF_EXPECT(m->n_section[0] == 2);
	AF_EXPECT(strlen(m->section[0][0].text) == 2 + 4 * 250);
	AF_EXPECT(strncmp(m->section[0][0].text, "\"\\001\\001", 9) == 0);
	AF_EXPECT(strcmp(m->section[0][1].text, "192.0.2.1") == 0);
	AF_EXPECT(strcmp(m->section[0][1].name, "r.") == 0);
out:
	evdns_msg_free(m);
	return rc;
}

const struct af_scenario af_dns_wire_scenarios[] = {
	{ "dns_parse", run_dns_parse },
	{ NULL, NULL },
};
