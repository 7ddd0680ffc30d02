/*
 * evbench system call counter: a perf event on the raw_syscalls:sys_enter
 * tracepoint, bound to the calling thread (pid 0, any CPU), counting only
 * while a workload's measured phase runs.
 *
 * The tracepoint's id is read from tracefs (or EVBENCH_SYSCALL_TRACEPOINT).
 * The counter is checked once: a bracket around a known number of getppid
 * calls must count exactly that number, or it is refused.  An empty
 * start/stop bracket gives the counter's own share, left out of every
 * count (the disabling ioctl enters while the event is on: 1).
 *
 * The counter is open only while a counting run lasts (attach, detach):
 * while an event on a syscall tracepoint exists, every system call of the
 * machine takes the kernel's slower tracing path, and the timed runs
 * should not pay for it.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "syscount.h"

#ifdef __linux__
#include <linux/perf_event.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#endif

/* The calls of the self-test bracket. */
#define SC_PROBE_CALLS 64
/* Tracefs mounts tried before those /proc/self/mounts lists. */
static const char *const tracefs_dirs[] = { "/sys/kernel/tracing",
	"/sys/kernel/debug/tracing", NULL };
#define SC_EVENT_ID "events/raw_syscalls/sys_enter/id"

static int sc_ok;      /* evb_sc_open() succeeded */
static int sc_fd = -1; /* while attached */
static unsigned long long sc_id;
static long long sc_bias;
static char sc_reason[200] = "not opened";

static void set_reason(int errnum, const char *fmt, ...) CLI_PRINTF(2, 3);

/* The reason: fmt, then errnum's text when not 0. */
static void
set_reason(int errnum, const char *fmt, ...)
{
	va_list ap;
	size_t len;

	va_start(ap, fmt);
	vsnprintf(sc_reason, sizeof(sc_reason), fmt, ap);
	va_end(ap);
	len = strlen(sc_reason);
	if (errnum != 0 && len < sizeof(sc_reason))
		snprintf(sc_reason + len, sizeof(sc_reason) - len, ": %s",
		    strerror(errnum));
}

const char *
evb_sc_reason(void)
{
	return sc_reason;
}

#ifdef __linux__
/* Reads the id file under tracefs mount `dir`: 1 found, 0 absent, -1. */
static int
read_id(const char *dir, unsigned long long *id)
{
	char path[512];
	FILE *fp;
	int ok;

	snprintf(path, sizeof(path), "%s/%s", dir, SC_EVENT_ID);
	if ((fp = fopen(path, "r")) == NULL) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 0;
		set_reason(errno, "cannot read %s", path);
		return -1;
	}
	ok = fscanf(fp, "%llu", id) == 1;
	fclose(fp);
	if (!ok) {
		set_reason(0, "no number in %s", path);
		return -1;
	}
	return 1;
}

/*
 * The tracepoint id: from the environment, the usual mount points, then
 * any tracefs mount.  0 with *id set, or -1 with the reason set.
 */
static int
tracepoint_id(unsigned long long *id)
{
	const char *env = getenv("EVBENCH_SYSCALL_TRACEPOINT");
	char line[1024], dir[512], type[64];
	int i, found = 0, mounted = 0;
	char *end;
	FILE *fp;

	if (env != NULL) {
		errno = 0;
		*id = strtoull(env, &end, 10);
		if (errno != 0 || *env == '\0' || *end != '\0') {
			set_reason(0,
			    "EVBENCH_SYSCALL_TRACEPOINT='%s' is not a number",
			    env);
			return -1;
		}
		return 0;
	}
	for (i = 0; tracefs_dirs[i] != NULL && found == 0; i++)
		found = read_id(tracefs_dirs[i], id);
	if ((fp = fopen("/proc/self/mounts", "r")) != NULL) {
		while (found == 0 && fgets(line, sizeof(line), fp) != NULL)
			if (sscanf(line, "%*s %511s %63s", dir, type) == 2 &&
			    strcmp(type, "tracefs") == 0) {
				mounted = 1;
				found = read_id(dir, id);
			}
		fclose(fp);
	}
	if (found == 0 && mounted)
		set_reason(0,
		    "tracefs has no raw_syscalls:sys_enter (a kernel "
		    "without syscall tracepoints?)");
	else if (found == 0)
		set_reason(0,
		    "tracefs is not mounted: the id of raw_syscalls:sys_enter "
		    "is unknown");
	return found == 1 ? 0 : -1;
}

/* kernel.perf_event_paranoid, or -100 when unreadable. */
static int
paranoid(void)
{
	FILE *fp = fopen("/proc/sys/kernel/perf_event_paranoid", "r");
	int v = -100;

	if (fp != NULL) {
		if (fscanf(fp, "%d", &v) != 1)
			v = -100;
		fclose(fp);
	}
	return v;
}

/* Whether a seccomp filter is on this process (Seccomp: 2). */
static int
seccomp_filtered(void)
{
	FILE *fp = fopen("/proc/self/status", "r");
	char line[256];
	int mode = 0;

	if (fp == NULL)
		return 0;
	while (fgets(line, sizeof(line), fp) != NULL)
		if (sscanf(line, "Seccomp: %d", &mode) == 1)
			break;
	fclose(fp);
	return mode == 2;
}

static void
open_failed(int errnum)
{
	char why[120] = "";
	int p = paranoid();

	if (seccomp_filtered())
		snprintf(why, sizeof(why), " (a seccomp filter is on)");
	else if ((errnum == EACCES || errnum == EPERM) && p != -100)
		snprintf(why, sizeof(why), " (kernel.perf_event_paranoid = %d)",
		    p);
	set_reason(errnum, "perf_event_open%s", why);
}

static long long
sc_read(void)
{
	uint64_t v;

	if (read(sc_fd, &v, sizeof(v)) != (ssize_t)sizeof(v))
		return -1;
	return (long long)v;
}

void
evb_sc_start(void)
{
	ioctl(sc_fd, PERF_EVENT_IOC_RESET, 0);
	ioctl(sc_fd, PERF_EVENT_IOC_ENABLE, 0);
}

long long
evb_sc_stop(void)
{
	long long v;

	ioctl(sc_fd, PERF_EVENT_IOC_DISABLE, 0);
	v = sc_read();
	return v < 0 ? -1 : v - sc_bias;
}

/* Open the counter, disabled, and measure its own share: 0 or -1. */
static int
attach(void)
{
	struct perf_event_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.type = PERF_TYPE_TRACEPOINT;
	attr.size = sizeof(attr);
	attr.config = sc_id;
	attr.disabled = 1;
	attr.exclude_hv = 1;
	sc_fd = (int)syscall(SYS_perf_event_open, &attr, 0, -1, -1,
	    PERF_FLAG_FD_CLOEXEC);
	if (sc_fd < 0) {
		open_failed(errno);
		return -1;
	}
	sc_bias = 0;
	evb_sc_start();
	if ((sc_bias = evb_sc_stop()) < 0) {
		set_reason(errno, "reading the perf counter");
		evb_sc_detach();
		return -1;
	}
	return 0;
}

int
evb_sc_attach(void)
{
	if (!sc_ok)
		return -1;
	return sc_fd >= 0 ? 0 : attach();
}

void
evb_sc_detach(void)
{
	if (sc_fd >= 0)
		close(sc_fd);
	sc_fd = -1;
}

int
evb_sc_open(void)
{
	long long got;
	int i;

	if (sc_ok)
		return 0;
	if (tracepoint_id(&sc_id) != 0 || attach() != 0)
		return -1;
	evb_sc_start();
	for (i = 0; i < SC_PROBE_CALLS; i++)
		syscall(SYS_getppid);
	got = evb_sc_stop();
	evb_sc_detach();
	if (got != SC_PROBE_CALLS) {
		set_reason(0,
		    "self-test: tracepoint %llu counted %lld for %d system "
		    "calls",
		    sc_id, got, SC_PROBE_CALLS);
		return -1;
	}
	sc_ok = 1;
	return 0;
}
#else  /* !__linux__ */
int
evb_sc_attach(void)
{
	return -1;
}

void
evb_sc_detach(void)
{
}

void
evb_sc_start(void)
{
}

long long
evb_sc_stop(void)
{
	return -1;
}

int
evb_sc_open(void)
{
	snprintf(sc_reason, sizeof(sc_reason), "perf_event_open is Linux only");
	return -1;
}
#endif /* __linux__ */

void
evb_sc_off(const char *why)
{
	set_reason(0, "%s", why);
}
