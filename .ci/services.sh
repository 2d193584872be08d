#!/usr/bin/env bash
# The system packages the tests need (Debian), installed idempotently; `make test` runs this first.
# Services themselves are started by the tests' fixtures on loopback ports, never assumed running.
# It fails, saying what is missing, when it cannot install them; CHUYENMUC_SERVICES=skip lets the
# suite run without them (the tests that need them then skip instead of failing).
set -uo pipefail
if [ "${CHUYENMUC_SERVICES:-}" = "skip" ]; then
  echo "services: CHUYENMUC_SERVICES=skip: tests needing redis-server/chromium/soffice will skip"
  exit 0
fi
need=()
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v soffice >/dev/null 2>&1 || need+=(libreoffice-writer)
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
[ "${#need[@]}" -eq 0 ] && exit 0
sudo=""
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo="sudo -n"; fi
fi
if ! command -v apt-get >/dev/null 2>&1 || { [ "$(id -u)" != 0 ] && [ -z "$sudo" ]; }; then
  echo "services: cannot install ${need[*]}: this needs Debian apt-get and root (or passwordless sudo)." >&2
  echo "services: install them yourself (apt-get install -y ${need[*]}), or run CHUYENMUC_SERVICES=skip make test" >&2
  exit 1
fi
echo "services: installing ${need[*]} (apt-get, a few minutes on a fresh machine)"
if ! { $sudo apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null; }; then
  echo "services: apt-get could not install ${need[*]} (see the output above); or run CHUYENMUC_SERVICES=skip make test" >&2
  exit 1
fi
for b in redis-server chromium soffice; do
  command -v "$b" >/dev/null 2>&1 || { echo "services: $b still missing after apt-get install" >&2; exit 1; }
done
