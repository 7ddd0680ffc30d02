/*
 * acl.c: --allow and --deny, addresses and CIDR ranges as text, and
 * HOST:PORT operands.  All pure: the option parser calls it to reject a
 * bad range before anything runs; state.c matches the peers.
 *
 * Rules: a peer in any --deny range is refused; with at least one
 * --allow, a peer in no --allow range is refused too; deny wins.  An
 * IPv4 peer seen on a dual-stack IPv6 listener (::ffff:a.b.c.d) is
 * matched as the IPv4 address it is.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evcat.h"

static int
acl_error(char *msg, size_t size, const char *opt, const char *item,
    const char *why)
{
	snprintf(msg, size, "%s: '%s' %s", opt, item, why);
	return -1;
}

/* One ADDR or ADDR/BITS into e. */
static int
parse_one(const char *opt, const char *item, struct acl_entry *e, char *msg,
    size_t size)
{
	char addr[INET6_ADDRSTRLEN + 8];
	const char *slash = strchr(item, '/');
	size_t len = slash != NULL ? (size_t)(slash - item) : strlen(item);
	int max;
	char *end;
	long bits;

	if (len == 0 || len >= sizeof(addr))
		return acl_error(msg, size, opt, item,
		    "is not an address or CIDR range");
	memcpy(addr, item, len);
	addr[len] = '\0';
	memset(e, 0, sizeof(*e));
	if (inet_pton(AF_INET, addr, e->addr) == 1) {
		e->family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, addr, e->addr) == 1) {
		e->family = AF_INET6;
		max = 128;
	} else {
		return acl_error(msg, size, opt, item,
		    "is not an address or CIDR range "
		    "(names are not accepted)");
	}
	e->bits = max;
	if (slash == NULL)
		return 0;
	if (!isdigit((unsigned char)slash[1]))
		return acl_error(msg, size, opt, item,
		    "has no prefix length after '/'");
	bits = strtol(slash + 1, &end, 10);
	if (*end != '\0' || bits < 0 || bits > max) {
		snprintf(msg, size, "%s: '%s': prefix length must be 0 to %d",
		    opt, item, max);
		return -1;
	}
	e->bits = (int)bits;
	return 0;
}

int
acl_parse_list(const char *opt, const char *arg, struct acl_entry *out, int max,
    int *n, char *msg, size_t size)
{
	char item[128];
	const char *p = arg, *comma;
	size_t len;

	for (;;) {
		comma = strchr(p, ',');
		len = comma != NULL ? (size_t)(comma - p) : strlen(p);
		if (len >= sizeof(item))
			len = sizeof(item) - 1;
		memcpy(item, p, len);
		item[len] = '\0';
		if (*n >= max) {
			snprintf(msg, size, "%s: more than %d ranges", opt,
			    max);
			return -1;
		}
		if (parse_one(opt, item, &out[*n], msg, size) != 0)
			return -1;
		(*n)++;
		if (comma == NULL)
			return 0;
		p = comma + 1;
	}
}

/* Whether the first `bits` bits of a and b are equal. */
static int
prefix_equal(const unsigned char *a, const unsigned char *b, int bits)
{
	int whole = bits / 8, rest = bits % 8;
	unsigned char mask;

	if (memcmp(a, b, (size_t)whole) != 0)
		return 0;
	if (rest == 0)
		return 1;
	mask = (unsigned char)(0xff << (8 - rest));
	return (a[whole] & mask) == (b[whole] & mask);
}

int
acl_match(const struct acl_entry *list, int n, const struct sockaddr *sa)
{
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0xff, 0xff };
	const unsigned char *addr;
	int family, i;

	if (sa->sa_family == AF_INET) {
		family = AF_INET;
		addr = (const unsigned char *)&((const struct sockaddr_in *)sa)
		           ->sin_addr;
	} else if (sa->sa_family == AF_INET6) {
		family = AF_INET6;
		addr = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
		if (memcmp(addr, mapped, sizeof(mapped)) == 0) {
			family = AF_INET;
			addr += sizeof(mapped);
		}
	} else {
		return 0;
	}
	for (i = 0; i < n; i++)
		if (list[i].family == family &&
		    prefix_equal(list[i].addr, addr, list[i].bits))
			return 1;
	return 0;
}

int
acl_check_options(const struct evcat_opts *o, char *msg, size_t size)
{
	struct acl_entry tmp[EVCAT_ACL_RANGES];
	int i, n = 0;

	for (i = 0; i < o->nallow; i++)
		if (acl_parse_list("--allow", o->allow[i], tmp,
		        EVCAT_ACL_RANGES, &n, msg, size) != 0)
			return -1;
	n = 0;
	for (i = 0; i < o->ndeny; i++)
		if (acl_parse_list("--deny", o->deny[i], tmp, EVCAT_ACL_RANGES,
		        &n, msg, size) != 0)
			return -1;
	return 0;
}

int
hostport_split(const char *arg, char *host, size_t hostsize, const char **port)
{
	const char *colon, *end;
	size_t len;

	if (arg[0] == '[') {
		end = strchr(arg, ']');
		if (end == NULL || end[1] != ':')
			return -1;
		colon = end + 1;
		arg++;
		len = (size_t)(end - arg);
	} else {
		colon = strrchr(arg, ':');
		if (colon == NULL || strchr(arg, ':') != colon)
			return -1;
		len = (size_t)(colon - arg);
	}
	if (len >= hostsize || colon[1] == '\0')
		return -1;
	memcpy(host, arg, len);
	host[len] = '\0';
	*port = colon + 1;
	return 0;
}
