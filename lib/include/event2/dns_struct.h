/*
 * event2/dns_struct.h: the fields of a server request that libevent 2.1
 * makes public.  A server callback reads the questions from here.
 */
#ifndef EVENT2_DNS_STRUCT_H_INCLUDED_
#define EVENT2_DNS_STRUCT_H_INCLUDED_

#ifdef __cplusplus
extern "C" {
#endif

#include <event2/event-config.h>
#include <sys/types.h>
#include <sys/time.h>
#include <event2/util.h>

/* The visible head of a request: flags of the query's header, and the
 * questions it asks. */
struct evdns_server_request {
	int flags;
	int nquestions;
	struct evdns_server_question **questions;
};

/* One question; name is NUL-terminated, in dotted form without the final
 * dot, and continues past the declared array. */
struct evdns_server_question {
	int type;
#ifdef __cplusplus
	int dns_question_class;
#else
	/* "class" is a C++ keyword: C++ code names it dns_question_class,
	 * and C code may use either name. */
	int class;
#define dns_question_class class
#endif
	char name[1];
};

#ifdef __cplusplus
}
#endif

#endif /* EVENT2_DNS_STRUCT_H_INCLUDED_ */
