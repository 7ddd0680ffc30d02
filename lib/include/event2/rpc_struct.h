/*
 * event2/rpc_struct.h: the structures of rpc.h that libevent 2.1 makes
 * public: the status a client callback gets, and the description of one
 * registered RPC (what evrpc_register_rpc takes).  Code that fills them
 * itself depends on their layout, which follows libevent's.
 */
#ifndef EVENT2_RPC_STRUCT_H_INCLUDED_
#define EVENT2_RPC_STRUCT_H_INCLUDED_

#ifdef __cplusplus
extern "C" {
#endif

/* struct evrpc links through a TAILQ_ENTRY; without <sys/queue.h>, a
 * field of the same layout, undefined again at the end. */
#ifndef TAILQ_ENTRY
#define EVENT_DEFINED_TQENTRY_
#define TAILQ_ENTRY(type)               \
	struct {                        \
		struct type *tqe_next;  \
		struct type **tqe_prev; \
	}
#endif

struct evbuffer;
struct evhttp_request;
struct evrpc_base;
struct evrpc_req_generic;

/* How a client request ended. */
struct evrpc_status {
#define EVRPC_STATUS_ERR_NONE 0        /* the reply is in */
#define EVRPC_STATUS_ERR_TIMEOUT 1     /* no answer in the pool's timeout */
#define EVRPC_STATUS_ERR_BADPAYLOAD 2  /* not a 200, or an unreadable reply */
#define EVRPC_STATUS_ERR_UNSTARTED 3   /* the request could not be sent */
#define EVRPC_STATUS_ERR_HOOKABORTED 4 /* a hook returned EVRPC_TERMINATE */
	int error;
	/* the HTTP reply (NULL when there is none), for its headers */
	struct evhttp_request *http_req;
};

/* One RPC a server offers. */
struct evrpc {
	TAILQ_ENTRY(evrpc) next;
	/* the RPC's name, served at "/.rpc.NAME" (freed with mm_free by
	 * evrpc_unregister_rpc: a string from strdup) */
	const char *uri;
	/* makes an empty request message (request_new_arg is its argument) */
	void *(*request_new)(void *);
	void *request_new_arg;
	void (*request_free)(void *);
	/* reads a received body into the request; -1 when malformed */
	int (*request_unmarshal)(void *, struct evbuffer *);
	/* makes an empty reply message */
	void *(*reply_new)(void *);
	void *reply_new_arg;
	void (*reply_free)(void *);
	/* -1 when a required field of the reply is missing */
	int (*reply_complete)(void *);
	/* writes the reply into the body */
	void (*reply_marshal)(struct evbuffer *, void *);
	/* the server's callback for each call, and its argument */
	void (*cb)(struct evrpc_req_generic *, void *);
	void *cb_arg;
	/* the base it is registered with */
	struct evrpc_base *base;
};

#ifdef EVENT_DEFINED_TQENTRY_
#undef TAILQ_ENTRY
#undef EVENT_DEFINED_TQENTRY_
#endif

#ifdef __cplusplus
}
#endif

#endif /* EVENT2_RPC_STRUCT_H_INCLUDED_ */
