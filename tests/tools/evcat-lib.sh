# Helpers for the evcat tests (tests/tools/evcat-*.sh); sourced, not run.
# The generic ones (bg, fail/ok, port_from, wait_for, finish, ...) are in
# test-lib.sh, sourced from here.
#
# Environment: EVCAT (the binary; default $top_builddir/tools/evcat/evcat),
# EVCAT_TEST_METHODS (backends to run, default: epoll poll select, those
# compiled in), EVCAT_TEST_MB (size of the bulk transfers).

top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}
EVCAT=${EVCAT:-$top_builddir/tools/evcat/evcat}

if [ ! -x "$EVCAT" ]; then
	echo "SKIP: $EVCAT not built"
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

. "$top_srcdir/tests/tools/test-lib.sh"

METHODS=
for m in ${EVCAT_TEST_METHODS:-epoll poll select}; do
	if "$EVCAT" --list-methods 2>/dev/null | grep -qx "$m"; then
		METHODS="$METHODS $m"
	fi
done

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
	poll_until 50 test -s "$tmp/held_port"
	held_port=$(cat "$tmp/held_port")
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
	poll_until 50 pane_shows "$1"
}

pane_shows() {
	$T capture-pane -p -S - -t t 2>/dev/null | grep -q -- "$1"
}

# now_ms: milliseconds on a clock good enough for timeouts.
now_ms() {
	date +%s%3N
}

# sum FILE: a checksum of FILE.
sum() {
	cksum <"$1" | cut -d' ' -f1,2
}

# usage_errors "ARGS"...: each ARGS (split on blanks) makes evcat exit 2
# with an "evcat: ..." message and without listening.
usage_errors() {
	for ue in "$@"; do
		timeout 5 $EVCAT $ue </dev/null >/dev/null 2>"$tmp/usage.err"
		ue_st=$?
		if [ $ue_st -eq 2 ] && grep -q "^evcat: " "$tmp/usage.err" &&
		    ! grep -q listening "$tmp/usage.err"; then
			ok "'$ue': usage error ($(head -n 1 "$tmp/usage.err"))"
		else
			fail "'$ue' gave status $ue_st"
			show "$tmp/usage.err"
		fi
	done
}
