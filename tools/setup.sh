#!/usr/bin/env bash
# Install the Debian packages lsmlab needs (DESIGN.md section 6), if missing;
# package names given as arguments are installed too (tools/peers.sh).
set -euo pipefail
pkgs=(gcc libc6-dev pkg-config python3 meson ninja-build liblua5.4-dev lua5.4
      libcmocka-dev libxxhash-dev gnuplot-nox "$@")
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing+=("$p")
done
if ((${#missing[@]})); then
	echo "setup: installing ${missing[*]}" >&2
	SUDO=""
	[ "$(id -u)" -eq 0 ] || SUDO="sudo"
	export DEBIAN_FRONTEND=noninteractive
	$SUDO apt-get update -qq
	$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
