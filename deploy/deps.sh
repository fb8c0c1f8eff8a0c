#!/bin/sh
# Installs the Debian packages that ratchet's build and tests need, and only those missing.
# Silent when everything is already installed; runs apt-get update once otherwise.
set -eu

PACKAGES="build-essential pkg-config libmicrohttpd-dev libpq-dev postgresql
libcurl4-openssl-dev libcjson-dev libyaml-dev libgsl-dev libcmocka-dev libssl-dev
clang libclang-rt-14-dev jq curl git cppcheck clang-format wrk openssl
python3-scipy python3-statsmodels python3-numpy r-base-core r-cran-segmented r-cran-survival"

missing=""
for pkg in $PACKAGES; do
	status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
	case "$status" in
	*" ok installed") ;;
	*) missing="$missing $pkg" ;;
	esac
done
missing=${missing# }

[ -z "$missing" ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
	as_root=""
elif command -v sudo >/dev/null 2>&1; then
	as_root="sudo"
else
	echo "deps: missing packages: $missing" >&2
	echo "deps: not root and sudo is not available; install them as root" >&2
	exit 1
fi

echo "deps: installing $missing"
# shellcheck disable=SC2086 # word splitting of $missing and $as_root is intended
$as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null
# shellcheck disable=SC2086
$as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
