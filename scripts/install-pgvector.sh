#!/usr/bin/env bash
# Installs PostgreSQL 15 and builds pgvector into it (Debian 12 does not package pgvector: Debian 13's source
# package builds against postgresql-server-dev-15). Idempotent: does nothing when the extension is installed.
# Needs root (apt-get, make install).
set -euo pipefail

pg_major=15
extension_dir=/usr/share/postgresql/$pg_major/extension

if [ -f "$extension_dir/vector.control" ]; then
  echo "pgvector: already installed ($(grep default_version "$extension_dir/vector.control"))"
  exit 0
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "postgresql-$pg_major" "postgresql-server-dev-$pg_major" build-essential dpkg-dev >/dev/null

# A temporary source entry for trixie, on the same mirror as the machine's own Debian sources.
mirror=$( (grep -hE '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null || true) \
  | awk '$2 !~ /security/ { print $2; exit }')
mirror=${mirror:-http://deb.debian.org/debian}
entry=/etc/apt/sources.list.d/sluice-trixie-src.sources
work=$(mktemp -d)
cleanup() { rm -f "$entry"; rm -rf "$work"; apt-get update -qq >/dev/null 2>&1 || true; }
trap cleanup EXIT

cat > "$entry" <<SOURCES
Types: deb-src
URIs: $mirror
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
apt-get update -qq
(cd "$work" && apt-get source -qq --download-only pgvector >/dev/null && dpkg-source -x --skip-patches ./*.dsc src >/dev/null)
make -s -C "$work/src" PG_CONFIG="/usr/lib/postgresql/$pg_major/bin/pg_config" >/dev/null
make -s -C "$work/src" PG_CONFIG="/usr/lib/postgresql/$pg_major/bin/pg_config" install >/dev/null
echo "pgvector: installed ($(grep default_version "$extension_dir/vector.control"))"
