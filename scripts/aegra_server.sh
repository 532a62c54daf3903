#!/usr/bin/env bash
# Serve this repository's graphs with Aegra, an open-source server of LangGraph's
# Agent Protocol, on PostgreSQL: the trial of issue 22, repeatable from the repo's files.
#
#   ./scripts/aegra_server.sh            # local PostgreSQL under .aegra/, server on 127.0.0.1:2026
#   HANDOFF_AGENT_URL=http://127.0.0.1:2026 .venv/bin/python -m support_agent scenarios \
#       run scenarios/ --model offline   # from another shell
#
# Several machines: give every one the same DATABASE_URL (no local PostgreSQL is started
# then) and its own AEGRA_HOST/AEGRA_PORT; put them behind one address.
#
# Settings (environment):
#   AEGRA_PORT (2026), AEGRA_HOST (127.0.0.1), AEGRA_HOME (.aegra: config, logs, local PostgreSQL),
#   AEGRA_VENV (.venv-aegra: Aegra and requirements.txt, apart from .venv),
#   DATABASE_URL (unset: a PostgreSQL cluster in $AEGRA_HOME/pg on AEGRA_PG_PORT, 55432),
#   SUPPORT_AGENT_MODEL (offline), and a provider's key for a real model.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
HOME_DIR="$(realpath -m "${AEGRA_HOME:-$ROOT/.aegra}")"
VENV="$(realpath -m "${AEGRA_VENV:-$ROOT/.venv-aegra}")"
PORT="${AEGRA_PORT:-2026}"
HOST="${AEGRA_HOST:-127.0.0.1}"
PG_PORT="${AEGRA_PG_PORT:-55432}"
AEGRA_VERSION="0.2.0"   # the `aegra` package; it brings aegra-api/aegra-cli 0.6.0 (Python 3.11)
mkdir -p "$HOME_DIR"

# 1. Aegra in its own virtualenv, with the repo's pinned runtime (its graphs run in it).
if [ ! -f "$VENV/.installed-$AEGRA_VERSION" ]; then
  python3.11 -m venv "$VENV"
  # greenlet: aegra-api 0.6.0 uses SQLAlchemy's asyncio but does not require it.
  "$VENV/bin/pip" install -q "aegra==$AEGRA_VERSION" "greenlet>=3.1" -r "$ROOT/requirements.txt"
  touch "$VENV/.installed-$AEGRA_VERSION"
fi

# 2. PostgreSQL: the one DATABASE_URL names, else a local cluster started here.
if [ -z "${DATABASE_URL:-}" ]; then
  BIN="$(dirname "$(ls /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -1)")"
  [ -x "$BIN/initdb" ] || { echo "PostgreSQL is not installed (Debian: apt-get install postgresql), or set DATABASE_URL." >&2; exit 1; }
  as_pg=()
  if [ "$(id -u)" = 0 ]; then as_pg=(runuser -u postgres --); chown postgres "$HOME_DIR"; fi  # initdb refuses root
  if [ ! -d "$HOME_DIR/pg" ]; then
    "${as_pg[@]}" "$BIN/initdb" -D "$HOME_DIR/pg" -A trust -U postgres >/dev/null
  fi
  if ! "${as_pg[@]}" "$BIN/pg_ctl" -D "$HOME_DIR/pg" status >/dev/null 2>&1; then
    "${as_pg[@]}" "$BIN/pg_ctl" -D "$HOME_DIR/pg" -l "$HOME_DIR/postgres.log" -w \
      -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $HOME_DIR" start >/dev/null
  fi
  if ! "$BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='aegra'" | grep -q 1; then
    "$BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -qc "CREATE DATABASE aegra"
  fi
  export DATABASE_URL="postgresql://postgres@127.0.0.1:$PG_PORT/aegra"
  echo "PostgreSQL: $DATABASE_URL (stop: ${as_pg[*]:+${as_pg[*]} }$BIN/pg_ctl -D $HOME_DIR/pg stop)"
fi

# 3. Aegra's config, from langgraph.json: the same graph names, each through scripts/aegra_graphs.py.
"$VENV/bin/python" - "$ROOT" "$HOME_DIR/aegra.json" <<'PY'
import json, sys
from pathlib import Path

root, target = Path(sys.argv[1]), Path(sys.argv[2])
graphs = json.loads((root / "langgraph.json").read_text())["graphs"]
config = {
    "dependencies": [str(root)],
    "graphs": {name: f"{root / 'scripts' / 'aegra_graphs.py'}:{name}" for name in graphs},
}
target.write_text(json.dumps(config, indent=2))
PY

# 4. The server. Nothing leaves this machine unless a real model is configured.
export SUPPORT_AGENT_MODEL="${SUPPORT_AGENT_MODEL:-offline}" LANGSMITH_TRACING=false AUTH_TYPE=noop
echo "Aegra: http://$HOST:$PORT (HANDOFF_AGENT_URL for the studio, CLI and scenarios)"
cd "$HOME_DIR"
exec "$VENV/bin/aegra" serve --host "$HOST" --port "$PORT" -c "$HOME_DIR/aegra.json"
