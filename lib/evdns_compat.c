/*
 * evdns_compat.c: the evdns API of libevent 1.4 (event2/dns_compat.h),
 * which works on one global evdns_base that evdns_init makes for the
 * current event base (the one event_init made).
 *
 * Before evdns_init (or after evdns_shutdown) the wrappers fail (-1, 0
 * nameservers, nothing done) instead of passing a NULL base on.
 */
#include "config.h"

#include <event2/dns.h>
#include <event2/dns_compat.h>

#include "event-internal.h"
#include "log-internal.h"

static struct evdns_base *evdns_global_base;

int
evdns_init(void)
{
	struct evdns_base *base;

	if (current_base == NULL) {
		event_warnx("%s: no current event base (call event_init)",
		    __func__);
		return -1;
	}
	base = evdns_base_new(current_base, EVDNS_BASE_INITIALIZE_NAMESERVERS);
	if (base == NULL)
		return -1;
	/* A second call replaces the first base, as in libevent. */
	if (evdns_global_base)
		evdns_base_free(evdns_global_base, 0);
	evdns_global_base = base;
	return 0;
}

struct evdns_base *
evdns_get_global_base(void)
{
	return evdns_global_base;
}

void
evdns_shutdown(int fail_requests)
{
	struct evdns_base *base = evdns_global_base;

	evdns_global_base = NULL;
	if (base)
		evdns_base_free(base, fail_requests);
	/* libevent forgets the log function too. */
	evdns_set_log_fn(NULL);
}

int
evdns_nameserver_add(unsigned long int address)
{
	return evdns_global_base
	    ? evdns_base_nameserver_add(evdns_global_base, address)
	    : -1;
}

int
evdns_count_nameservers(void)
{
	return evdns_global_base
	    ? evdns_base_count_nameservers(evdns_global_base)
	    : 0;
}

int
evdns_clear_nameservers_and_suspend(void)
{
	return evdns_global_base
	    ? evdns_base_clear_nameservers_and_suspend(evdns_global_base)
	    : -1;
}

int
evdns_resume(void)
{
	return evdns_global_base ? evdns_base_resume(evdns_global_base) : -1;
}

int
evdns_nameserver_ip_add(const char *ip_as_string)
{
	return evdns_global_base
	    ? evdns_base_nameserver_ip_add(evdns_global_base, ip_as_string)
	    : -1;
}

int
evdns_resolve_ipv4(const char *name, int flags, evdns_callback_type callback,
    void *ptr)
{
	if (evdns_global_base == NULL)
		return -1;
	return evdns_base_resolve_ipv4(evdns_global_base, name, flags, callback,
	           ptr)
	    ? 0
	    : -1;
}

int
evdns_resolve_ipv6(const char *name, int flags, evdns_callback_type callback,
    void *ptr)
{
	if (evdns_global_base == NULL)
		return -1;
	return evdns_base_resolve_ipv6(evdns_global_base, name, flags, callback,
	           ptr)
	    ? 0
	    : -1;
}

int
evdns_resolve_reverse(const struct in_addr *in, int flags,
    evdns_callback_type callback, void *ptr)
{
	if (evdns_global_base == NULL)
		return -1;
	return evdns_base_resolve_reverse(evdns_global_base, in, flags,
	           callback, ptr)
	    ? 0
	    : -1;
}

int
evdns_resolve_reverse_ipv6(const struct in6_addr *in, int flags,
    evdns_callback_type callback, void *ptr)
{
	if (evdns_global_base == NULL)
		return -1;
	return evdns_base_resolve_reverse_ipv6(evdns_global_base, in, flags,
	           callback, ptr)
	    ? 0
	    : -1;
}

int
evdns_set_option(const char *option, const char *val, int flags)
{
	(void)flags;
	return evdns_global_base
	    ? evdns_base_set_option(evdns_global_base, option, val)
	    : -1;
}

int
evdns_resolv_conf_parse(int flags, const char *const filename)
{
	return evdns_global_base
	    ? evdns_base_resolv_conf_parse(evdns_global_base, flags, filename)
	    : -1;
}

void
evdns_search_clear(void)
{
	if (evdns_global_base)
		evdns_base_search_clear(evdns_global_base);
}

void
evdns_search_add(const char *domain)
{
	if (evdns_global_base)
		evdns_base_search_add(evdns_global_base, domain);
}

void
evdns_search_ndots_set(const int ndots)
{
	if (evdns_global_base)
		evdns_base_search_ndots_set(evdns_global_base, ndots);
}

struct evdns_server_port *
evdns_add_server_port(evutil_socket_t socket, int flags,
    evdns_request_callback_fn_type callback, void *user_data)
{
	return evdns_add_server_port_with_base(current_base, socket, flags,
	    callback, user_data);
}
