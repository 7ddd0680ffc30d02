/*
 * event2/keyvalq_struct.h: a list of key/value string pairs, as used for
 * HTTP headers and parsed query strings.
 *
 * The links have the layout of <sys/queue.h>'s TAILQ_ENTRY/TAILQ_HEAD, so
 * TAILQ_FOREACH(kv, headers, next) works on them; they are spelt out here
 * so that this header does not depend on sys/queue.h.
 */
#ifndef EVENT2_KEYVALQ_STRUCT_H_INCLUDED_
#define EVENT2_KEYVALQ_STRUCT_H_INCLUDED_

#ifdef __cplusplus
extern "C" {
#endif

struct evkeyval {
	struct {
		struct evkeyval *tqe_next;
		struct evkeyval **tqe_prev;
	} next;

	char *key;
	char *value;
};

struct evkeyvalq {
	struct evkeyval *tqh_first;
	struct evkeyval **tqh_last;
};

#ifdef __cplusplus
}
#endif

#endif /* EVENT2_KEYVALQ_STRUCT_H_INCLUDED_ */
