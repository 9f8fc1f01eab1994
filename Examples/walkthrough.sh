#!/usr/bin/env bash
# Calls the command endpoints existing clients use (/api/crypto/commands/) against a running
# `commandhub demo` (or any hub).
# Usage: TOKEN=… Examples/walkthrough.sh [BASE_URL]   (default http://127.0.0.1:8080)
# TOKEN is an admin's bearer token: the demo prints one (export TOKEN=…).
set -euo pipefail
: "${TOKEN:?set TOKEN to an admin bearer token (the demo prints export TOKEN=...)}"
base="${1:-http://127.0.0.1:8080}/api/crypto/commands"
curl() { command curl -H "Authorization: Bearer $TOKEN" "$@"; }
show() { echo; echo "\$ $*"; "$@"; echo; }

id=$(curl -sf "$base/" | python3 -c 'import json,sys; c=json.load(sys.stdin); print(c[0]["client_id"] if c else "")')
[ -n "$id" ] || { echo "no connected agent at $base/" >&2; exit 1; }

show curl -s "$base/"
show curl -s "$base/$id/"
show curl -s -X POST "$base/$id/ping/"
show curl -s -X POST "$base/$id/pause/"
show curl -s -X POST "$base/$id/request_status/?include_stats=true"
show curl -s -X POST "$base/$id/sync_wallets/?symbols=BTC"
show curl -s -X POST "$base/$id/resume/"
show curl -s -X POST "$base/$id/sync_wallets/?symbols=BTC,ETH,USDT"
show curl -s -X POST "$base/pause_all/"
show curl -s -X POST "$base/resume_all/"
show curl -s -X POST "$base/sync_all/?symbols=BTC&timeout=2.5"
show curl -s "$base/00000000-0000-0000-0000-000000000000/"
show curl -s -X POST "$base/$id/ping/?timeout=-1"
