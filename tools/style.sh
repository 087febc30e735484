#!/usr/bin/env bash
# House-style checks that tools, not reviewers, enforce (STYLE.md 17):
# banned calls, direct heap calls outside the allocator, // comments.
set -uo pipefail
cd "${1:-$(dirname "$0")/..}"
status=0
files=$(git ls-files -co --exclude-standard -- '*.c' '*.h' 2>/dev/null || find . -name '*.c' -o -name '*.h')
for f in $files; do
	case "$f" in build*/*) continue ;; esac
	[ -f "$f" ] || continue
	# Comment lines (" * ...", "/* ...") are prose, not calls.
	code=$(grep -nvE '^\s*(\*|/\*)' "$f")
	if grep -E '\b(sprintf|vsprintf|strcpy|strcat|gets)\s*\(' <<<"$code"; then
		echo "style: $f: banned call (use snprintf/memcpy)"; status=1
	fi
	if [ "$f" != "core/alloc.c" ] && grep -E '(^|[^_a-z.>])(malloc|calloc|realloc|free)\s*\(' <<<"$code" | grep -v 'kv_'; then
		echo "style: $f: heap call outside core/alloc.c (use kv_malloc/kv_free)"; status=1
	fi
	if grep -nE '^\s*//|[;{}]\s*//' "$f"; then
		echo "style: $f: // comment (use /* */)"; status=1
	fi
done
[ $status -eq 0 ] && echo "style: ok"
exit $status
