#!/bin/sh
# evcat -i in a pseudo-terminal (tmux), on every backend: lines typed go
# to the peer, Ctrl-R finds an earlier line in the history, data from the
# peer shows up on the terminal while a line is being edited, ^D ends the
# input, and the history is saved in ~/.evcat_history.
# An automake test: exit 0 pass, 1 fail, 77 skip.

. "${top_srcdir:-.}/tests/tools/evcat-lib.sh"

if ! have tmux; then
	echo "SKIP: tmux not installed"
	exit 77
fi

T="tmux -L evcat-test-$$ -f /dev/null"
cleanup_tmux() {
	$T kill-server 2>/dev/null
	cleanup
}
trap cleanup_tmux EXIT

# wait_pane TEXT: up to 5 s until the pane shows TEXT.
wait_pane() {
	i=0
	while [ $i -lt 50 ]; do
		$T capture-pane -p -t t 2>/dev/null | grep -q "$1" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

for m in $METHODS; do
	home=$tmp/home-$m
	mkdir -p "$home"
	rm -f "$tmp/err" "$tmp/st"
	(sleep 1 && echo from-server && sleep 2) |
	    timeout 15 "$EVCAT" -l 127.0.0.1 0 >"$tmp/got" 2>"$tmp/err" &
	lpid=$!
	pids="$pids $lpid"
	port=$(port_from "$tmp/err")

	$T new-session -d -s t -x 100 -y 20 \
	    "HOME=$home timeout --foreground 15 $EVCAT --method $m -i 127.0.0.1 $port \
	    2>$tmp/cerr; echo \$? >$tmp/st; sleep 10"
	sleep 0.3
	$T send-keys -t t -l hello
	$T send-keys -t t Enter
	$T send-keys -t t -l "world"
	$T send-keys -t t Enter
	# A half-typed line while the server's data arrives.
	$T send-keys -t t -l "par"
	wait_pane from-server || fail "$m: peer data not on the terminal"
	$T send-keys -t t BSpace BSpace BSpace
	# Ctrl-R, search "hel", Enter: "hello" again.
	$T send-keys -t t C-r
	$T send-keys -t t -l hel
	$T send-keys -t t Enter
	sleep 0.3
	$T send-keys -t t C-d
	finish $lpid 10
	i=0
	while [ ! -s "$tmp/st" ] && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	$T kill-server 2>/dev/null

	printf 'hello\nworld\nhello\n' >"$tmp/want"
	if cmp -s "$tmp/got" "$tmp/want" && [ "$(cat "$tmp/st")" = 0 ] &&
	    grep -q '^hello$' "$home/.evcat_history" &&
	    grep -q '^world$' "$home/.evcat_history"; then
		ok "$m: -i: lines, Ctrl-R, peer data, ^D, history file"
	else
		fail "$m: -i (status $(cat "$tmp/st" 2>/dev/null))"
		show "$tmp/got" "$tmp/cerr" "$home/.evcat_history"
	fi
done

done_tests
