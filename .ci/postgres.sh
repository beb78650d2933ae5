#!/usr/bin/env bash
# Starts a throw-away PostgreSQL cluster on 127.0.0.1 and prints its URL.
set -euo pipefail
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$bindir" ] || { echo "no PostgreSQL server installed" >&2; exit 1; }
port=${CXM_PG_PORT:-55432}
dir=${CXM_PG_DIR:-/tmp/cxm-pg-$port}
if "$bindir/pg_isready" -h 127.0.0.1 -p "$port" -q 2>/dev/null; then
  echo "postgres://postgres@127.0.0.1:$port/cxm"; exit 0
fi
as_owner=()
if [ "$(id -u)" = 0 ]; then
  as_owner=(runuser -u postgres --)
fi
rm -rf "$dir"; mkdir -p "$dir"
[ "$(id -u)" = 0 ] && chown postgres "$dir"
"${as_owner[@]}" "$bindir/initdb" -D "$dir/data" -U postgres -A trust >/dev/null
"${as_owner[@]}" "$bindir/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
  -o "-h 127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
  start >/dev/null
echo "postgres://postgres@127.0.0.1:$port/cxm"
