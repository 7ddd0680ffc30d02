# Helpers for the evcat tests (tests/tools/evcat-*.sh); sourced, not run.
#
# Every process a test starts in the background goes through `bg`, runs
# under timeout(1), and is killed by PID at exit.  Listeners bind port 0
# and the tests read the port from their stderr.
#
# Environment: EVCAT (the binary; default $top_builddir/tools/evcat/evcat),
# EVCAT_TEST_METHODS (backends to run, default: epoll poll select, those
# compiled in), EVCAT_TEST_MB (size of the bulk transfers).

top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}
EVCAT=${EVCAT:-$top_builddir/tools/evcat/evcat}
LIMIT=20 # seconds any one command may take
# Seconds a background command (a server most often) may live: it serves
# a whole phase of a test, which on a loaded machine takes well over
# LIMIT, and is stopped by the test (finish, stop_server) or at exit.
BG_LIMIT=300

if [ ! -x "$EVCAT" ]; then
	echo "SKIP: $EVCAT not built"
	exit 77
fi
if ! command -v timeout >/dev/null 2>&1; then
	echo "SKIP: timeout(1) not found"
	exit 77
fi
if ! command -v perl >/dev/null 2>&1; then
	echo "SKIP: perl not found (port helpers)"
	exit 77
fi

# Nothing from the caller's environment may pick the backend.
unset EVENT_NOEPOLL EVENT_NOPOLL EVENT_NOSELECT EVENT_NODEVPOLL \
	EVENT_NOKQUEUE EVENT_NOEVPORT EVENT_NOWIN32 EVENT_SHOW_METHOD \
	EVENT_PRECISE_TIMER EVENT_EPOLL_USE_CHANGELIST

tmp=$(mktemp -d "${TMPDIR:-/tmp}/evcat-test.XXXXXX") || exit 99
pids=
failures=0

cleanup() {
	for p in $pids; do
		kill "$p" 2>/dev/null
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

METHODS=
for m in ${EVCAT_TEST_METHODS:-epoll poll select}; do
	if "$EVCAT" --list-methods 2>/dev/null | grep -qx "$m"; then
		METHODS="$METHODS $m"
	fi
done

fail() {
	echo "FAIL: $*"
	failures=$((failures + 1))
}

ok() {
	echo "ok: $*"
}

# show FILE...: a file's contents in a failure report.
show() {
	for f in "$@"; do
		echo "--- $f"
		head -c 2000 "$f" 2>/dev/null
	done
}

# have CMD: whether a peer program is installed.
have() {
	command -v "$1" >/dev/null 2>&1
}

# need CMD...: skip the test without these programs.
need() {
	for c in "$@"; do
		if ! have "$c"; then
			echo "SKIP: $c not installed"
			exit 77
		fi
	done
}

# check_synopsis MAN HELP: the usage in the --help output HELP (from
# "usage: " to the first empty line) is the SYNOPSIS of the man page MAN,
# blanks aside.  Without mandoc, nothing is checked.
check_synopsis() {
	have mandoc || return 0
	mandoc -Tutf8 "$1" 2>/dev/null | col -b |
	    sed -n '/^SYNOPSIS/,/^DESCRIPTION/p' | sed '1d;$d' |
	    tr '\t\n' '  ' | tr -s ' ' | sed 's/^ *//; s/ *$//' >"$tmp/syn.man"
	sed -n '/^usage: /,/^$/p' "$2" | sed 's/^usage: //' |
	    tr '\t\n' '  ' | tr -s ' ' | sed 's/^ *//; s/ *$//' >"$tmp/syn.help"
	if [ -s "$tmp/syn.man" ] && cmp -s "$tmp/syn.man" "$tmp/syn.help"; then
		ok "usage equals the man page's SYNOPSIS"
	else
		fail "usage differs from SYNOPSIS"
		show "$tmp/syn.man" "$tmp/syn.help"
	fi
}

# bg CMD...: run CMD in the background, bounded by BG_LIMIT; $bgpid is
# its PID.  Redirections given to bg apply to CMD; stdin goes through fd 3
# because a background command of a non-interactive shell otherwise reads
# /dev/null.
bg() {
	{ timeout -k 5 "$BG_LIMIT" "$@" <&3 3<&- & } 3<&0
	bgpid=$!
	pids="$pids $bgpid"
}

# port_from FILE [SED]: wait up to 5 s until FILE shows a listening port
# and print it.  The default expression reads evcat's "listening on
# ADDR:PORT"; nc's "Listening on ADDR PORT" and socat's "listening on
# AF=2 ADDR:PORT" are understood too.
port_from() {
	i=0
	while [ $i -lt 50 ]; do
		p=$(sed -n \
		    -e 's/^.*[Ll]istening on .*:\([0-9][0-9]*\).*$/\1/p' \
		    -e 's/^Listening on [^ ]* \([0-9][0-9]*\)$/\1/p' \
		    -e 's/^Bound on [^ ]* \([0-9][0-9]*\)$/\1/p' \
		    "$1" 2>/dev/null | head -n 1)
		if [ -n "$p" ]; then
			echo "$p"
			return 0
		fi
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# free_port [tcp|udp]: a port on 127.0.0.1 the kernel says is free (bound
# to port 0, read back, released).  Someone else may take it before it is
# used, so a caller retries when that happens.
free_port() {
	perl -MSocket -e '
	    my $type = ($ARGV[0] || "tcp") eq "udp" ? SOCK_DGRAM : SOCK_STREAM;
	    socket(my $s, PF_INET, $type, 0) or die "socket: $!";
	    bind($s, pack_sockaddr_in(0, inet_aton("127.0.0.1")))
	        or die "bind: $!";
	    my ($port) = unpack_sockaddr_in(getsockname($s));
	    print "$port\n";' "$@"
}

# hold_port: a TCP port on 127.0.0.1 that is bound but not listening for
# $LIMIT seconds: connects to it are refused, and nobody else can take it
# meanwhile.  Sets $held_port ("" on failure) and $bgpid (the holder).
hold_port() {
	rm -f "$tmp/held_port"
	bg perl -MSocket -e '
	    socket(my $s, PF_INET, SOCK_STREAM, 0) or die "socket: $!";
	    bind($s, pack_sockaddr_in(0, inet_aton("127.0.0.1")))
	        or die "bind: $!";
	    my ($port) = unpack_sockaddr_in(getsockname($s));
	    $| = 1;
	    print "$port\n";
	    sleep 3600;' </dev/null >"$tmp/held_port"
	i=0
	while [ ! -s "$tmp/held_port" ] && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	held_port=$(cat "$tmp/held_port")
}

# wait_for FILE PATTERN: up to 5 s until FILE has a line matching PATTERN.
wait_for() {
	i=0
	while [ $i -lt 50 ]; do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# wait_size FILE BYTES: up to 10 s until FILE holds BYTES bytes or more.
wait_size() {
	i=0
	while [ $i -lt 100 ]; do
		[ "$(wc -c <"$1" 2>/dev/null || echo 0)" -ge "$2" ] && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# finish PID SECONDS: wait for PID at most SECONDS; kill it if it is still
# running.  $fstatus is its exit status (124 when it had to be killed).
finish() {
	n=$(($2 * 10))
	while kill -0 "$1" 2>/dev/null && [ $n -gt 0 ]; do
		sleep 0.1
		n=$((n - 1))
	done
	if kill -0 "$1" 2>/dev/null; then
		kill "$1" 2>/dev/null
		wait "$1" 2>/dev/null
		fstatus=124
		return 1
	fi
	wait "$1"
	fstatus=$?
	return 0
}

# use_tmux LABEL: a private tmux server for pseudo-terminal tests, in $T,
# killed at exit; skips the test without tmux.  The panes are driven with
# $T send-keys and read with wait_pane.
use_tmux() {
	if ! have tmux; then
		echo "SKIP: tmux not installed"
		exit 77
	fi
	T="tmux -L $1-test-$$ -f /dev/null"
	trap cleanup_tmux EXIT
}

cleanup_tmux() {
	$T kill-server 2>/dev/null
	cleanup
}

# wait_pane TEXT: up to 5 s until pane "t" (scrollback too) shows TEXT.
wait_pane() {
	i=0
	while [ $i -lt 50 ]; do
		$T capture-pane -p -S - -t t 2>/dev/null | grep -q -- "$1" &&
		    return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# now_ms: milliseconds on a clock good enough for timeouts.
now_ms() {
	date +%s%3N
}

# sum FILE: a checksum of FILE.
sum() {
	cksum <"$1" | cut -d' ' -f1,2
}

# done_tests: the exit status from the failure count.
done_tests() {
	if [ "$failures" -ne 0 ]; then
		echo "$failures failure(s)"
		exit 1
	fi
	exit 0
}
