#!/bin/sh
# run-backend.sh BACKEND: run the Check runner with one backend only.
#
# BACKEND is epoll, epoll-changelist, poll, select or debug (the default
# backend with event_enable_debug_mode()).  Every other backend is disabled
# through libevent's EVENT_NO<NAME> variables; whatever the caller's
# environment held for them is dropped first.  The runner checks that a
# new base really uses the backend asked for, and exits 77 (skip) when it
# is not compiled in.
#
# The runner is $top_builddir/tests/check_evkit, or $EVKIT_TEST_RUNNER
# (tests/libevent-reference.sh points it at a build against libevent).

backend=$1
case $backend in
epoll | epoll-changelist | poll | select | io_uring | debug) ;;
*)
	echo "usage: $0 epoll|epoll-changelist|poll|select|io_uring|debug" >&2
	exit 99
	;;
esac

# Start from a clean slate: nothing inherited may pick the backend.
for var in $(env | sed -n 's/^\(EVENT_NO[A-Za-z0-9_]*\)=.*/\1/p'); do
	unset "$var"
done
unset EVENT_SHOW_METHOD EVENT_PRECISE_TIMER EVENT_EPOLL_USE_CHANGELIST
unset EVKIT_TEST_DEBUG

# Every backend name libevent knows, as EVENT_NO* spells it.
all="EPOLL POLL SELECT KQUEUE DEVPOLL EVPORT WIN32 IO_URING"
case $backend in
epoll-changelist)
	keep=EPOLL
	EVENT_EPOLL_USE_CHANGELIST=1
	export EVENT_EPOLL_USE_CHANGELIST
	;;
debug)
	keep=ALL
	EVKIT_TEST_DEBUG=1
	export EVKIT_TEST_DEBUG
	;;
*)
	keep=$(echo "$backend" | tr 'a-z' 'A-Z')
	;;
esac
if [ "$keep" != ALL ]; then
	for name in $all; do
		[ "$name" = "$keep" ] && continue
		eval "EVENT_NO$name=1; export EVENT_NO$name"
	done
fi

# Under ASan the runner's quarantine of freed memory grows to its default
# 256 MB over the run, and every later test forks that: the sanitizer pass
# of the whole runner took 4 min 26 s on epoll instead of 1 min 40 s with
# 16 MB, which is still far more than any one test frees.
case ${ASAN_OPTIONS:-} in
*quarantine_size_mb*) ;;
*)
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=16"
	export ASAN_OPTIONS
	;;
esac

EVKIT_TEST_BACKEND=$backend
export EVKIT_TEST_BACKEND

runner=${EVKIT_TEST_RUNNER:-${top_builddir:-$(dirname "$0")/..}/tests/check_evkit}
if [ ! -x "$runner" ]; then
	echo "$0: $runner not built" >&2
	exit 99
fi
exec "$runner"
