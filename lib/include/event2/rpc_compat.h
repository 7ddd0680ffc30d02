/*
 * event2/rpc_compat.h: the 2.0 spellings of the message accessors.
 *
 * With GNU C, EVTAG_ASSIGN and EVTAG_GET take any number of arguments
 * after the member (so one name covers the _WITH_LEN forms), and
 * EVTAG_ADD is EVTAG_ARRAY_ADD / EVTAG_ARRAY_ADD_VALUE in one.  Include
 * it before or after event2/rpc.h: either way these definitions win.
 */
#ifndef EVENT2_RPC_COMPAT_H_INCLUDED_
#define EVENT2_RPC_COMPAT_H_INCLUDED_

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) && !defined(__STRICT_ANSI__)
#undef EVTAG_ASSIGN
#undef EVTAG_GET
#undef EVTAG_ADD
/* The GNU form of the comma before empty arguments; __VA_ARGS__ rather
 * than a named list, which ISO C++ refuses even as an extension. */
#define EVTAG_ASSIGN(msg, member, ...) \
	(*(msg)->base->member##_assign)(msg, ##__VA_ARGS__)
#define EVTAG_GET(msg, member, ...) \
	(*(msg)->base->member##_get)(msg, ##__VA_ARGS__)
#define EVTAG_ADD(msg, member, ...) \
	(*(msg)->base->member##_add)(msg, ##__VA_ARGS__)
#endif

/* The 2.0 name of EVTAG_ARRAY_LEN. */
#define EVTAG_LEN(msg, member) ((msg)->member##_length)

#ifdef __cplusplus
}
#endif

#endif /* EVENT2_RPC_COMPAT_H_INCLUDED_ */
