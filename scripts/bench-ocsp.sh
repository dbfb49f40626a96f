#!/usr/bin/env bash
# OCSP responses per second, side by side: certhub's responder versus
# `openssl ocsp` run as a responder for the same CA and certificate, on this
# machine, with the same load generator (keep-alive where the responder allows it).
# Usage: scripts/bench-ocsp.sh [CONNECTIONS] [SECONDS]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
CONNS=${1:-64}
SECS=${2:-10}
cargo build -q --release -p certhub --bin certhub -p certhub-api --example ocspfixture --example ocspload
WORK=$(mktemp -d)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
target/release/examples/ocspfixture "$WORK/data" "$WORK/fix" >/dev/null
P1=$(port); P2=$(port)
RUST_LOG=warn target/release/certhub serve --listen "127.0.0.1:$P1" --data-dir "$WORK/data" --public-url "http://127.0.0.1:$P1" \
    --rate-limit-multiplier 0 >"$WORK/certhub.log" 2>&1 &
PIDS+=($!)
openssl ocsp -index "$WORK/fix/index.txt" -port "$P2" -rsigner "$WORK/fix/int.pem" -rkey "$WORK/fix/int.key" \
    -CA "$WORK/fix/int.pem" -nmin 60 -multi 2 -ignore_err >"$WORK/openssl.log" 2>&1 &
PIDS+=($!)
for p in "$P1" "$P2"; do
    for _ in $(seq 100); do
        if openssl ocsp -issuer "$WORK/fix/int.pem" -cert "$WORK/fix/leaf.pem" -url "http://127.0.0.1:$p/ocsp" \
            -CAfile "$WORK/fix/root.pem" -no_nonce 2>/dev/null | grep -q ': good'; then break; fi
        sleep 0.2
    done
    openssl ocsp -issuer "$WORK/fix/int.pem" -cert "$WORK/fix/leaf.pem" -url "http://127.0.0.1:$p/ocsp" \
        -CAfile "$WORK/fix/root.pem" -no_nonce 2>&1 | grep -E ': good|verify OK' | sed "s/^/  port $p: /"
done
echo "certhub (POST /ocsp, $CONNS connections, ${SECS}s):"
target/release/examples/ocspload "127.0.0.1:$P1" /ocsp "$WORK/fix/request.der" "$CONNS" "$SECS"
echo "openssl ocsp -multi 2 (POST /, $CONNS connections, ${SECS}s):"
target/release/examples/ocspload "127.0.0.1:$P2" / "$WORK/fix/request.der" "$CONNS" "$SECS"
