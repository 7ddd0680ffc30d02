#!/bin/sh
# Every C source and header under lib/ tools/ tests/ bench/ must already be
# formatted by clang-format with the top-level .clang-format.
#
# Uses find, not git, so that it also runs from a dist tarball.  Exits 0
# when all files are clean, 1 otherwise, 77 when clang-format is missing.
# CLANG_FORMAT may name the binary.

top_srcdir=${top_srcdir:-$(dirname "$0")/..}

cf=${CLANG_FORMAT:-}
if [ -z "$cf" ]; then
	for c in clang-format-14 clang-format; do
		if command -v "$c" >/dev/null 2>&1; then
			cf=$c
			break
		fi
	done
fi
if [ -z "$cf" ] || ! command -v "$cf" >/dev/null 2>&1; then
	echo "format: clang-format not found; skipping"
	exit 77
fi
if [ ! -f "$top_srcdir/.clang-format" ]; then
	echo "format: $top_srcdir/.clang-format is missing"
	exit 1
fi

version=$("$cf" --version 2>/dev/null)
case $version in
*" version 14."*) ;;
*) echo "format: note: the house style is checked with clang-format 14; found: $version" ;;
esac

cd "$top_srcdir" || exit 1
files=$(find lib tools tests bench -type f \( -name '*.c' -o -name '*.h' \) \
    2>/dev/null | LC_ALL=C sort)
if [ -z "$files" ]; then
	echo "format: no C files found"
	exit 0
fi

bad=""
count=0
for f in $files; do
	count=$((count + 1))
	if ! "$cf" --style=file --dry-run -Werror "$f" >/dev/null 2>&1; then
		bad="$bad $f"
	fi
done

if [ -n "$bad" ]; then
	echo "format: these files are not clang-formatted:"
	for f in $bad; do
		echo "    $f"
		# The first differences, to show what is wrong.
		"$cf" --style=file --dry-run "$f" 2>&1 | head -n 6 | sed 's/^/        /'
	done
	echo "format: fix with: clang-format -i FILE (from the top directory)"
	exit 1
fi
echo "format: $count files clean"
exit 0
