/*
 * dns-wire-text-internal.h: what lib/dns_wire.c and lib/dns_wire_text.c
 * share.  dns_wire.c parses messages; dns_wire_text.c writes the
 * presentation text of rdata, and in doing so checks that the rdata has
 * its type's layout.
 */
#ifndef DNS_WIRE_TEXT_INTERNAL_H_INCLUDED_
#define DNS_WIRE_TEXT_INTERNAL_H_INCLUDED_

#include <stddef.h>
#include <event2/util.h>

/* A growing text buffer; `oom` sticks once an allocation failed. */
struct dns_tbuf {
	char *p;
	size_t len;
	size_t cap;
	int oom;
};

/* Makes room for n more bytes and a NUL; 0 or -1 (oom set). */
int dns_tbuf_reserve_(struct dns_tbuf *t, size_t n);
void dns_tbuf_puts_(struct dns_tbuf *t, const char *s);

/* The longest presentation form of a wire name, NUL included. */
#define DNS_NAME_TEXT_MAX 1010

/* Writes wire name `name` (valid, uncompressed) in dig's presentation
 * form to out (DNS_NAME_TEXT_MAX bytes), NUL-terminated; returns the
 * length. */
size_t dns_name_escape_(const unsigned char *name, char *out);

/*
 * Appends to t the text of the rdata at msg[pos, pos + rdlen) of a
 * record of `type` (names in it may point back into msg).  Returns 0, or
 * -1 when the rdata does not have the type's layout (or t->oom).
 */
int dns_rdata_text_(struct dns_tbuf *t, const unsigned char *msg, size_t pos,
    size_t rdlen, int type);

/* The text of an OPT record's options ("" when none); 0 or -1. */
int dns_opt_text_(struct dns_tbuf *t, const unsigned char *rdata, size_t rdlen);

#endif /* DNS_WIRE_TEXT_INTERNAL_H_INCLUDED_ */
