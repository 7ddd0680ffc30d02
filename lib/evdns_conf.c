/*
 * evdns_conf.c: resolv.conf(5) and hosts(5) files for evdns.
 *
 * evdns_base_resolv_conf_parse reads a resolv.conf and applies it through
 * the public setters of evdns.c, in file order, as libevent 2.1 does.
 * evdns_base_load_hosts fills the hosts table evdns_getaddrinfo answers
 * from: a hash of case-folded names to their addresses in file order, so
 * that a lookup costs one hash whatever the size of /etc/hosts.
 *
 * Where libevent 2.1 misreads a file we read it right: CR before LF is
 * whitespace, "#" and ";" start a comment anywhere on a line, and the
 * return codes tell a read error (5), a file too large (3) and a lack of
 * memory (4) apart, as the header documents them.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include <event2/dns.h>
#include <event2/util.h>

#include "evdns-internal.h"
#include "evdns-hosts-internal.h"
#include "log-internal.h"
#include "mm-internal.h"
#include "util-internal.h"

/* ------------------------------------------------------------------ */
/* The hosts table.                                                    */

struct hosts_name {
	struct hosts_name *next; /* hash chain */
	unsigned hash;
	int n, cap;
	struct evdns_hosts_addr *addrs;
	char name[]; /* ASCII lower case */
};

struct evdns_hosts {
	struct hosts_name **tab;
	size_t size; /* a power of two */
	size_t count;
};

static unsigned
hash_name(const char *s, size_t *lenp)
{
	unsigned h = 2166136261u; /* FNV-1a */
	size_t n = 0;

	for (; s[n]; n++)
		h = (h ^ (unsigned char)EVUTIL_TOLOWER_(s[n])) * 16777619u;
	*lenp = n;
	/* FNV's low bits, which index the table, depend only on the low
	 * bits of the bytes: mix the high ones in (murmur3's finalizer). */
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

static struct hosts_name *
find_name(const struct evdns_hosts *h, const char *name, unsigned hash)
{
	struct hosts_name *e;

	if (h == NULL || h->size == 0)
		return NULL;
	for (e = h->tab[hash & (h->size - 1)]; e; e = e->next)
		if (e->hash == hash && !evutil_ascii_strcasecmp(e->name, name))
			return e;
	return NULL;
}

const struct evdns_hosts_addr *
evdns_hosts_find_(const struct evdns_hosts *hosts, const char *name, int *n)
{
	size_t len;
	struct hosts_name *e = find_name(hosts, name, hash_name(name, &len));

	*n = e ? e->n : 0;
	return e ? e->addrs : NULL;
}

static int
grow_table(struct evdns_hosts *h)
{
	size_t size = h->size ? h->size * 2 : 64, i;
	struct hosts_name **tab, *e, *next;

	tab = mm_calloc(size, sizeof(*tab));
	if (tab == NULL)
		return -1;
	for (i = 0; i < h->size; i++) {
		for (e = h->tab[i]; e; e = next) {
			next = e->next;
			e->next = tab[e->hash & (size - 1)];
			tab[e->hash & (size - 1)] = e;
		}
	}
	mm_free(h->tab);
	h->tab = tab;
	h->size = size;
	return 0;
}

/* Adds addr to name's list, unless it is there already.  0 or -1. */
static int
hosts_add(struct evdns_hosts *h, const char *name,
    const struct evdns_hosts_addr *addr)
{
	size_t len, i;
	unsigned hash = hash_name(name, &len);
	struct hosts_name *e = find_name(h, name, hash);

	if (e == NULL) {
		if (h->count >= h->size && grow_table(h) < 0)
			return -1;
		e = mm_calloc(1, sizeof(*e) + len + 1);
		if (e == NULL)
			return -1;
		for (i = 0; i < len; i++)
			e->name[i] = EVUTIL_TOLOWER_(name[i]);
		e->hash = hash;
		e->next = h->tab[hash & (h->size - 1)];
		h->tab[hash & (h->size - 1)] = e;
		h->count++;
	}
	for (i = 0; i < (size_t)e->n; i++)
		if (e->addrs[i].len == addr->len &&
		    !memcmp(&e->addrs[i].u, &addr->u, addr->len))
			return 0;
	if (e->n == e->cap) {
		int cap = e->cap ? e->cap * 2 : 2;
		struct evdns_hosts_addr *a;

		a = mm_realloc(e->addrs, (size_t)cap * sizeof(*a));
		if (a == NULL)
			return -1;
		e->addrs = a;
		e->cap = cap;
	}
	e->addrs[e->n++] = *addr;
	return 0;
}

void
evdns_hosts_free_(struct evdns_hosts *h)
{
	struct hosts_name *e, *next;
	size_t i;

	if (h == NULL)
		return;
	for (i = 0; i < h->size; i++) {
		for (e = h->tab[i]; e; e = next) {
			next = e->next;
			mm_free(e->addrs);
			mm_free(e);
		}
	}
	mm_free(h->tab);
	mm_free(h);
}

void
evdns_base_clear_host_addresses(struct evdns_base *base)
{
	struct evdns_hosts **slot;

	evdns_base_lock_(base);
	slot = evdns_base_hosts_(base);
	evdns_hosts_free_(*slot);
	*slot = NULL;
	evdns_base_unlock_(base);
}

/* ------------------------------------------------------------------ */
/* Lines and tokens.                                                   */

#define CONF_SPACE " \t\r\f\v"

/* The next blank-separated word of *p, NUL-terminated in place. */
static char *
next_token(char **p)
{
	char *s = *p + strspn(*p, CONF_SPACE), *end;

	if (*s == '\0') {
		*p = s;
		return NULL;
	}
	end = s + strcspn(s, CONF_SPACE);
	if (*end != '\0')
		*end++ = '\0';
	*p = end;
	return s;
}

/* Calls fn on each line of the NUL-terminated text, the newline and any
 * comment cut off. */
static int
for_each_line(char *text, int (*fn)(void *, char *), void *arg)
{
	char *line = text, *nl;
	int r = 0;

	for (;;) {
		nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		line[strcspn(line, "#;")] = '\0';
		if (fn(arg, line) < 0)
			r = -1;
		if (nl == NULL)
			return r;
		line = nl + 1;
	}
}

/* ------------------------------------------------------------------ */
/* hosts(5).                                                           */

/* "ADDRESS NAME..."; 0, or -1 when memory ran out. */
static int
hosts_line(void *arg, char *line)
{
	struct evdns_hosts **slot = arg;
	struct evdns_hosts_addr addr;
	struct sockaddr_storage ss;
	int len = (int)sizeof(ss);
	char *p = line, *tok, *name;

	tok = next_token(&p);
	if (tok == NULL)
		return 0;
	memset(&ss, 0, sizeof(ss));
	if (evutil_parse_sockaddr_port(tok, (struct sockaddr *)&ss, &len) < 0)
		return 0;
	memset(&addr, 0, sizeof(addr));
	if (ss.ss_family == AF_INET && len == (int)sizeof(addr.u.sin)) {
		memcpy(&addr.u.sin, &ss, sizeof(addr.u.sin));
		if (addr.u.sin.sin_port != 0)
			return 0;
	} else if (ss.ss_family == AF_INET6 &&
	    len == (int)sizeof(addr.u.sin6)) {
		memcpy(&addr.u.sin6, &ss, sizeof(addr.u.sin6));
		if (addr.u.sin6.sin6_port != 0)
			return 0;
	} else {
		return 0;
	}
	addr.len = (ev_socklen_t)len;
	if (*slot == NULL) {
		*slot = mm_calloc(1, sizeof(**slot));
		if (*slot == NULL)
			return -1;
	}
	while ((name = next_token(&p)) != NULL)
		if (hosts_add(*slot, name, &addr) < 0)
			return -1;
	return 0;
}

static int
hosts_text(struct evdns_base *base, char *text)
{
	return for_each_line(text, hosts_line, evdns_base_hosts_(base));
}

int
evdns_base_load_hosts(struct evdns_base *base, const char *hosts_fname)
{
	char *text = NULL;
	size_t len;
	int r;

	evdns_base_lock_(base);
	if (hosts_fname == NULL ||
	    evutil_read_file_(hosts_fname, &text, &len, 0) < 0) {
		/* No file: the two names every resolver knows. */
		char v4[] = "127.0.0.1 localhost", v6[] = "::1 localhost";

		r = hosts_text(base, v4) | hosts_text(base, v6);
		evdns_base_unlock_(base);
		return hosts_fname != NULL || r < 0 ? -1 : 0;
	}
	r = hosts_text(base, text);
	evdns_base_unlock_(base);
	mm_free(text);
	return r < 0 ? -1 : 0;
}

/* ------------------------------------------------------------------ */
/* resolv.conf(5).                                                     */

/* What the header promises evdns_base_resolv_conf_parse returns. */
enum {
	CONF_OK = 0,
	CONF_CANNOT_OPEN = 1,
	CONF_CANNOT_STAT = 2,
	CONF_TOO_LARGE = 3,
	CONF_NO_MEMORY = 4,
	CONF_SHORT_READ = 5,
	CONF_NO_NAMESERVERS = 6
};

struct conf_state {
	struct evdns_base *base;
	const char *filename;
	int flags;
	int n_domains;  /* search domains the file gave, so far */
	char ndots[16]; /* the last "ndots:" value, "" if none */
};

/* The DNS_OPTION_* flag that lets an "options" word apply, 0 for words
 * evdns does not know (rotate, edns0, ...: ignored, as by libevent). */
static int
option_flag(const char *name)
{
	static const char *const misc[] = { "timeout:", "attempts:",
		"max-timeouts:", "max-inflight:", "randomize-case:",
		"initial-probe-timeout:", "getaddrinfo-allow-skew:",
		"so-rcvbuf:", "so-sndbuf:", "use-vc:" };
	size_t i;

	if (!strcmp(name, "ndots:"))
		return DNS_OPTION_SEARCH;
	if (!strcmp(name, "bind-to:"))
		return DNS_OPTION_NAMESERVERS;
	for (i = 0; i < sizeof(misc) / sizeof(misc[0]); i++)
		if (!strcmp(name, misc[i]))
			return DNS_OPTION_MISC;
	return 0;
}

static void
conf_option(struct conf_state *st, const char *word)
{
	const char *colon = strchr(word, ':');
	const char *val = colon ? colon + 1 : "";
	size_t n = colon ? (size_t)(colon - word) : strlen(word);
	char name[32];
	int need;

	if (n + 2 > sizeof(name))
		return;
	memcpy(name, word, n);
	name[n] = ':';
	name[n + 1] = '\0';
	need = option_flag(name);
	if (need == 0 || !(st->flags & need))
		return;
	if (need == DNS_OPTION_SEARCH && strlen(val) < sizeof(st->ndots))
		memcpy(st->ndots, val, strlen(val) + 1);
	if (evdns_base_set_option(st->base, name, val) < 0)
		event_warnx("evdns: %s: bad option \"%s\"", st->filename, word);
}

static int
conf_line(void *arg, char *line)
{
	struct conf_state *st = arg;
	char *p = line, *cmd, *tok;

	cmd = next_token(&p);
	if (cmd == NULL)
		return 0;
	if (!strcmp(cmd, "nameserver")) {
		tok = next_token(&p);
		if (tok == NULL || !(st->flags & DNS_OPTION_NAMESERVERS))
			return 0;
		/* evdns.c says what is wrong with a bad address. */
		(void)evdns_base_nameserver_ip_add(st->base, tok);
	} else if (!strcmp(cmd, "domain") || !strcmp(cmd, "search")) {
		/* The last domain or search line wins, as in resolv.conf(5). */
		if (!(st->flags & DNS_OPTION_SEARCH))
			return 0;
		tok = next_token(&p);
		if (tok == NULL && cmd[0] == 'd')
			return 0;
		evdns_base_search_clear(st->base);
		st->n_domains = 0;
		for (; tok; tok = cmd[0] == 'd' ? NULL : next_token(&p)) {
			evdns_base_search_add(st->base, tok);
			st->n_domains++;
		}
	} else if (!strcmp(cmd, "options")) {
		while ((tok = next_token(&p)) != NULL)
			conf_option(st, tok);
	}
	return 0;
}

/* With no search list, the domain part of the host's name, as libevent
 * does. */
static void
search_from_hostname(struct evdns_base *base)
{
	char host[256], *dot;

	if (gethostname(host, sizeof(host) - 1) < 0)
		return;
	host[sizeof(host) - 1] = '\0';
	dot = strchr(host, '.');
	if (dot == NULL || dot[1] == '\0')
		return;
	evdns_base_search_clear(base);
	evdns_base_search_add(base, dot + 1);
}

static int
add_default_nameserver(int flags)
{
	return (flags & DNS_OPTION_NAMESERVERS) &&
	    !(flags & DNS_OPTION_NAMESERVERS_NO_DEFAULT);
}

/* Reads the whole file into *textp (NUL-terminated); a CONF_* code. */
static int
read_conf(const char *filename, char **textp)
{
	struct stat st;
	char *text;
	size_t len = 0, size;
	ssize_t r;
	int fd;

	*textp = NULL;
	fd = evutil_open_closeonexec_(filename, O_RDONLY, 0);
	if (fd < 0)
		return CONF_CANNOT_OPEN;
	if (fstat(fd, &st) < 0 || S_ISDIR(st.st_mode)) {
		close(fd);
		return CONF_CANNOT_STAT;
	}
	if (st.st_size < 0 || (unsigned long long)st.st_size >= INT_MAX) {
		close(fd);
		return CONF_TOO_LARGE;
	}
	size = (size_t)st.st_size;
	text = mm_malloc(size + 1);
	if (text == NULL) {
		close(fd);
		return CONF_NO_MEMORY;
	}
	/* What stat promised; a file that shrank meanwhile is read short. */
	while (len < size) {
		r = read(fd, text + len, size - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			close(fd);
			mm_free(text);
			return CONF_SHORT_READ;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	text[len] = '\0';
	*textp = text;
	return CONF_OK;
}

int
evdns_base_resolv_conf_parse(struct evdns_base *base, int flags,
    const char *const filename)
{
	struct conf_state st;
	char *text = NULL;
	int r;

	evdns_base_lock_(base);
	if (flags & DNS_OPTION_HOSTSFILE)
		evdns_base_load_hosts(base, "/etc/hosts");

	r = filename ? read_conf(filename, &text) : CONF_CANNOT_OPEN;
	if (r == CONF_CANNOT_OPEN) {
		/* No file: a resolver on this host, as libevent assumes. */
		if (flags & DNS_OPTION_SEARCH)
			search_from_hostname(base);
		if (add_default_nameserver(flags))
			evdns_base_nameserver_ip_add(base, "127.0.0.1");
		evdns_base_unlock_(base);
		return r;
	}
	if (r != CONF_OK) {
		evdns_base_unlock_(base);
		return r;
	}

	memset(&st, 0, sizeof(st));
	st.base = base;
	st.filename = filename;
	st.flags = flags;
	for_each_line(text, conf_line, &st);
	mm_free(text);

	if (add_default_nameserver(flags) &&
	    evdns_base_count_nameservers(base) == 0) {
		evdns_base_nameserver_ip_add(base, "127.0.0.1");
		r = CONF_NO_NAMESERVERS;
	}
	if ((flags & DNS_OPTION_SEARCH) && st.n_domains == 0)
		search_from_hostname(base);
	/* ndots holds whatever the order of its line and the search list
	 * (which a new list would reset). */
	if (st.ndots[0] != '\0')
		evdns_base_set_option(base, "ndots:", st.ndots);
	evdns_base_unlock_(base);
	return r;
}
