/*
 * ae.h: the event loop API of Redis ("ae"), implemented by evkit on its own
 * backends.  Programs and adapters written for Redis' loop (hiredis'
 * adapters/ae.h, for one) include this header as they are and link with
 * libevkit.  The backend is chosen as for an event_base: the first one
 * EVENT_NO* leaves, or the one a config forces
 * (aeCreateEventLoopWithConfig, an evkit extension).
 */
#ifndef EVKIT_AE_H_INCLUDED_
#define EVKIT_AE_H_INCLUDED_

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Results. */
#define AE_OK 0
#define AE_ERR -1

/* File event masks. */
#define AE_NONE 0
#define AE_READABLE 1
#define AE_WRITABLE 2
/* With AE_WRITABLE: run the write handler before the read handler. */
#define AE_BARRIER 4

/* aeProcessEvents flags. */
#define AE_FILE_EVENTS (1 << 0)
#define AE_TIME_EVENTS (1 << 1)
#define AE_ALL_EVENTS (AE_FILE_EVENTS | AE_TIME_EVENTS)
#define AE_DONT_WAIT (1 << 2)
#define AE_CALL_BEFORE_SLEEP (1 << 3)
#define AE_CALL_AFTER_SLEEP (1 << 4)

/* A time handler returning AE_NOMORE is not run again. */
#define AE_NOMORE -1
/* The id of a time event that was deleted and waits to be reaped. */
#define AE_DELETED_EVENT_ID -1

#define AE_NOTUSED(V) ((void)V)

struct aeEventLoop;
struct event_config;

typedef void aeFileProc(struct aeEventLoop *eventLoop, int fd, void *clientData,
    int mask);
typedef int aeTimeProc(struct aeEventLoop *eventLoop, long long id,
    void *clientData);
typedef void aeEventFinalizerProc(struct aeEventLoop *eventLoop,
    void *clientData);
typedef void aeBeforeSleepProc(struct aeEventLoop *eventLoop);

/* What is registered for one fd. */
typedef struct aeFileEvent {
	int mask; /* AE_READABLE | AE_WRITABLE | AE_BARRIER */
	aeFileProc *rfileProc;
	aeFileProc *wfileProc;
	void *clientData;
} aeFileEvent;

/* A timer; `when` is in microseconds of the monotonic clock. */
typedef struct aeTimeEvent {
	long long id;
	uint64_t when;
	aeTimeProc *timeProc;
	aeEventFinalizerProc *finalizerProc;
	void *clientData;
	struct aeTimeEvent *prev;
	struct aeTimeEvent *next;
	int refcount; /* > 0 while its handler runs */
} aeTimeEvent;

/* An fd the last wait found ready, and for what. */
typedef struct aeFiredEvent {
	int fd;
	int mask;
} aeFiredEvent;

/*
 * The loop.  The fields are those Redis programs may read; apidata holds
 * evkit's state (the event_base and one event per fd).
 */
typedef struct aeEventLoop {
	int maxfd;   /* highest fd with a file event, or -1 */
	int setsize; /* fds below this can be registered */
	long long timeEventNextId;
	aeFileEvent *events; /* setsize entries, indexed by fd */
	aeFiredEvent *fired;
	aeTimeEvent *timeEventHead;
	int stop;
	void *apidata;
	aeBeforeSleepProc *beforesleep;
	aeBeforeSleepProc *aftersleep;
	int flags;
} aeEventLoop;

aeEventLoop *aeCreateEventLoop(int setsize);
void aeDeleteEventLoop(aeEventLoop *eventLoop);
void aeStop(aeEventLoop *eventLoop);
int aeCreateFileEvent(aeEventLoop *eventLoop, int fd, int mask,
    aeFileProc *proc, void *clientData);
void aeDeleteFileEvent(aeEventLoop *eventLoop, int fd, int mask);
int aeGetFileEvents(aeEventLoop *eventLoop, int fd);
void *aeGetFileClientData(aeEventLoop *eventLoop, int fd);
long long aeCreateTimeEvent(aeEventLoop *eventLoop, long long milliseconds,
    aeTimeProc *proc, void *clientData, aeEventFinalizerProc *finalizerProc);
int aeDeleteTimeEvent(aeEventLoop *eventLoop, long long id);
int aeProcessEvents(aeEventLoop *eventLoop, int flags);
int aeWait(int fd, int mask, long long milliseconds);
void aeMain(aeEventLoop *eventLoop);
char *aeGetApiName(void);
void aeSetBeforeSleepProc(aeEventLoop *eventLoop,
    aeBeforeSleepProc *beforesleep);
void aeSetAfterSleepProc(aeEventLoop *eventLoop, aeBeforeSleepProc *aftersleep);
int aeGetSetSize(aeEventLoop *eventLoop);
int aeResizeSetSize(aeEventLoop *eventLoop, int setsize);
void aeSetDontWait(aeEventLoop *eventLoop, int noWait);

/*
 * evkit extension: a loop whose event_base is made from cfg (NULL: as
 * aeCreateEventLoop), so that a program can force a backend.
 */
aeEventLoop *aeCreateEventLoopWithConfig(int setsize,
    const struct event_config *cfg);

#ifdef __cplusplus
}
#endif

#endif /* EVKIT_AE_H_INCLUDED_ */
