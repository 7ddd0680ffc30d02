#!/bin/sh
# Lint every manual page with mandoc(1): no warning may remain.
# An automake test: exit 0 pass, 1 fail, 77 skip.

srcdir=${top_srcdir:-.}/man

if ! command -v mandoc >/dev/null 2>&1; then
	echo "mandoc not found: skipping"
	exit 77
fi

status=0
found=0
for page in "$srcdir"/*.[1-9]; do
	[ -f "$page" ] || continue
	found=1
	if out=$(mandoc -Tlint -W warning "$page" 2>&1) && [ -z "$out" ]; then
		echo "ok: $page"
	else
		echo "FAIL: $page"
		printf '%s\n' "$out"
		status=1
	fi
done
if [ "$found" = 0 ]; then
	echo "no manual pages in $srcdir"
	exit 1
fi
exit $status
