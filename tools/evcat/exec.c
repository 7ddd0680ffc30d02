/*
 * exec.c: -e CMD and -c CMD, a program on the connection.
 *
 * The connected socket itself becomes the program's standard input and
 * output (back in blocking mode, as programs expect); its standard error
 * is evcat's.  So the program sees the peer's EOF as its own end of input
 * and half-closes by closing its output, and no byte passes through
 * evcat.  -e splits CMD on blanks and runs it with execvp(); -c hands it
 * to /bin/sh -c.
 *
 * Children are reaped on SIGCHLD and their end is logged under -v.
 * Without -k evcat ends when its one child does, with the child's exit
 * status (128 + N for a signal N, as shells say); a program that cannot
 * be run says why on stderr and exits 127 (126 when it is not
 * executable).  With -l -k every client has its own child, all at once;
 * -m bounds how many.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <event2/event.h>

#include "cli.h"
#include "evcat.h"

static struct event *sigchld;

/* -e: CMD split on blanks (no quoting, as ncat's --exec). */
static char **
split_words(const char *cmd)
{
	char *copy = strdup(cmd), *w, *save = NULL;
	char **argv;
	int n = 0;

	argv = calloc(strlen(cmd) / 2 + 2, sizeof(*argv));
	if (copy == NULL || argv == NULL)
		return NULL;
	for (w = strtok_r(copy, " \t", &save); w != NULL;
	     w = strtok_r(NULL, " \t", &save))
		argv[n++] = w;
	argv[n] = NULL;
	return argv;
}

/* In the child: the socket as stdin and stdout, then the program. */
static void
run_child(int fd)
{
	char **argv;
	int err, flags;

	if (dup2(fd, 0) < 0 || dup2(fd, 1) < 0)
		_exit(127);
	if (fd > 1)
		close(fd);
	flags = fcntl(0, F_GETFL);
	if (flags >= 0)
		fcntl(0, F_SETFL, flags & ~O_NONBLOCK);
	signal(SIGPIPE, SIG_DFL);
	if (ec.o.exec_shell) {
		execl("/bin/sh", "sh", "-c", ec.o.exec_cmd, (char *)NULL);
		err = errno;
		cli_warnx("cannot run /bin/sh: %s", strerror(err));
	} else {
		argv = split_words(ec.o.exec_cmd);
		if (argv == NULL || argv[0] == NULL)
			_exit(127);
		execvp(argv[0], argv);
		err = errno;
		cli_warnx("cannot run %s: %s", argv[0], strerror(err));
	}
	_exit(err == EACCES || err == ENOEXEC ? 126 : 127);
}

static void
sigchld_cb(evutil_socket_t sig, short what, void *arg)
{
	pid_t pid;
	int st, status;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		if (WIFEXITED(st)) {
			status = WEXITSTATUS(st);
			evcat_verbose("child %ld exited with status %d",
			    (long)pid, status);
		} else if (WIFSIGNALED(st)) {
			status = 128 + WTERMSIG(st);
			evcat_verbose("child %ld killed by signal %d",
			    (long)pid, WTERMSIG(st));
		} else {
			continue;
		}
		evcat_conn_closed();
		if (!ec.o.keep) {
			/* The one connection is over: its status is ours. */
			evcat_exit(status);
		}
	}
}

void
exec_start(evutil_socket_t fd, const char *peer)
{
	pid_t pid;

	if (sigchld == NULL) {
		sigchld = evsignal_new(ec.base, SIGCHLD, sigchld_cb, NULL);
		if (sigchld == NULL || evsignal_add(sigchld, NULL) != 0)
			cli_diex("cannot watch SIGCHLD");
	}
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		cli_warn("fork");
		evutil_closesocket(fd);
		evcat_conn_closed();
		if (!ec.o.keep)
			evcat_exit(1);
		return;
	}
	if (pid == 0)
		run_child((int)fd);
	evcat_verbose("%s: child %ld runs %s", peer, (long)pid, ec.o.exec_cmd);
	evutil_closesocket(fd);
}
