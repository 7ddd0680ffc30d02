/*
 * evbench system call counter (syscount.c): perf_event_open on the
 * raw_syscalls:sys_enter tracepoint, for the calling thread only.
 */
#ifndef EVBENCH_SYSCOUNT_H_INCLUDED_
#define EVBENCH_SYSCOUNT_H_INCLUDED_

/*
 * Find the tracepoint and check the counter once per process: 0, or -1
 * when the kernel or the permissions refuse (then evb_sc_reason() says
 * why).  The counter is left closed.
 */
int evb_sc_open(void);
/* Open the counter for a counting run (0 or -1), and close it after. */
int evb_sc_attach(void);
void evb_sc_detach(void);
/* Why the counter is not available. */
const char *evb_sc_reason(void);
/* Leave the counter closed, for this reason (--no-syscalls). */
void evb_sc_off(const char *why);

/*
 * Count from now; evb_sc_stop() returns the system calls made by this
 * thread since evb_sc_start(), the counter's own left out, or -1.
 */
void evb_sc_start(void);
long long evb_sc_stop(void);

#endif /* EVBENCH_SYSCOUNT_H_INCLUDED_ */
