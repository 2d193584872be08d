#!/usr/bin/env bash
# Install the system packages the tests need (Debian), idempotently. Services themselves are
# started by the tests' fixtures on loopback ports, never assumed running.
set -euo pipefail
need=()
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
# the annual report's DOCX is converted to PDF by LibreOffice and its pages to PNG by pdftoppm
command -v soffice >/dev/null 2>&1 || need+=(libreoffice-writer)
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
if [ "${#need[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "CI: installing ${need[*]}"
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "CI: cannot install ${need[*]} (not root or no apt): tests needing them will skip"
  fi
fi
