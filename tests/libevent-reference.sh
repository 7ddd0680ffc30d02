#!/bin/sh
# libevent-reference.sh [BACKEND...]: build the public-API Check suites
# against the system libevent 2.1 and run them over the backend matrix
# (default: epoll epoll-changelist poll select debug).
#
# This is how to see that a test asserts libevent's behaviour and not
# evkit's: every tests/check_*.c but the internal ones (check_minheap.c,
# check_evmap.c, check_ae.c: the ae API is evkit's own, and
# check_watch.c: watch.h is libevent 2.2 API) is built and must pass
# here; check_main.c runs whichever
# of the later suites are linked in.  The build defines EVKIT_REFERENCE,
# which leaves out the internal suites and the few checks of deliberate
# evkit differences.
#
# Exit status: 0 all passed, 1 a backend failed, 77 libevent-dev or Check
# is missing, 99 the build failed.

here=$(cd "$(dirname "$0")" && pwd)
cc=${CC:-cc}
backends=${*:-epoll epoll-changelist poll select debug}

if ! pkg-config --exists check 2>/dev/null; then
	echo "$0: Check (pkg-config check) not found, skipping" >&2
	exit 77
fi
if ! printf '#include <event2/event.h>\nint main(void) { return event_base_new() == 0; }\n' |
	$cc -x c - -o /dev/null -levent_core 2>/dev/null; then
	echo "$0: libevent-dev (event2/event.h, -levent_core) not found, skipping" >&2
	exit 77
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/evkit-ref.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

srcs=
for f in "$here"/check_*.c; do
	case $f in
	*/check_minheap.c | */check_evmap.c | */check_ae.c | */check_watch.c | \
	*/check_http_parse.c) ;;
	*) srcs="$srcs $f" ;;
	esac
done

# Only tests/ is on the include path: <event2/...> must be libevent's.
# shellcheck disable=SC2086
if ! $cc -g -O1 -Wall -DEVKIT_REFERENCE -I"$here" $srcs -o "$tmp/check_ref" \
	-levent_core -levent_extra -levent_pthreads -levent_openssl \
	$(pkg-config --cflags --libs check openssl); then
	echo "$0: build against libevent failed" >&2
	exit 99
fi

status=0
for b in $backends; do
	echo "== libevent, backend $b"
	EVKIT_TEST_RUNNER=$tmp/check_ref ${SHELL:-/bin/sh} "$here/run-backend.sh" "$b"
	rc=$?
	case $rc in
	0) ;;
	77) echo "   (skipped: not available)" ;;
	*) echo "   FAILED (exit $rc)"; status=1 ;;
	esac
done
exit $status
