#!/usr/bin/env bash
# Installs what the tests need (Debian packages, a Python venv with the official
# Tencent Cloud SDK and tccli) and runs the whole suite: cargo tests on SQLite and
# PostgreSQL, then the end-to-end tests against a running `certhub serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

stage() { printf '\n==== %s ====\n' "$*"; }

stage "system packages"
missing=()
command -v openssl >/dev/null || missing+=(openssl)
command -v curl >/dev/null || missing+=(curl)
command -v unzip >/dev/null || missing+=(unzip)
command -v keytool >/dev/null || missing+=(openjdk-17-jre-headless)
command -v pg_isready >/dev/null || missing+=(postgresql-client)
command -v named >/dev/null || [ -x /usr/sbin/named ] || missing+=(bind9)
command -v nsupdate >/dev/null || missing+=(bind9-dnsutils)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx-light)
python3 -c 'import venv, ensurepip' 2>/dev/null || missing+=(python3-venv)
command -v npm >/dev/null || missing+=(nodejs npm)
if ((${#missing[@]})); then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
echo "ok: openssl $(openssl version | cut -d' ' -f2), $(keytool -help 2>&1 | head -0)java $(java -version 2>&1 | head -1 | cut -d'"' -f2)"

stage "python venv (.venv)"
REQ=tests/e2e/requirements.txt
if [[ -f $REQ ]]; then
    [[ -x .venv/bin/python ]] || python3 -m venv .venv
    stamp=.venv/.requirements.sha256
    want=$(sha256sum "$REQ" | cut -d' ' -f1)
    if [[ ! -f $stamp || $(cat "$stamp") != "$want" ]]; then
        .venv/bin/pip install -q --disable-pip-version-check -r "$REQ"
        echo "$want" > "$stamp"
    fi
    .venv/bin/pip list --disable-pip-version-check 2>/dev/null | grep -iE 'tencentcloud-sdk-python-(ssl|common)|tccli|pytest' || true
fi

stage "node.js SDK (tests/e2e/node)"
NODE_DIR=tests/e2e/node
stamp=$NODE_DIR/node_modules/.package.sha256
want=$(sha256sum "$NODE_DIR/package.json" | cut -d' ' -f1)
if [[ ! -f $stamp || $(cat "$stamp") != "$want" ]]; then
    npm install --prefix "$NODE_DIR" --no-audit --no-fund --no-save --loglevel=error
    echo "$want" > "$stamp"
fi
echo "node $(node --version), tencentcloud-sdk-nodejs $(node -p "require('./$NODE_DIR/node_modules/tencentcloud-sdk-nodejs/package.json').version")"

stage "postgresql"
export CERTHUB_TEST_PG_URL=${CERTHUB_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432/test}
if pg_isready -h 127.0.0.1 -p 5432 -t 10; then
    echo "PostgreSQL reachable: store tests run on SQLite and PostgreSQL"
elif [[ ${CI:-} == true ]]; then
    echo "PostgreSQL is required under CI=true and is not reachable at 127.0.0.1:5432" >&2
    exit 1
else
    echo "WARNING: PostgreSQL unreachable; the PostgreSQL store tests will be skipped" >&2
fi

if [[ ${CERTHUB_SKIP_CARGO:-} != 1 ]]; then
    stage "cargo fmt --check"
    cargo fmt --all -- --check
    stage "cargo build"
    cargo build --workspace --all-targets
    stage "cargo test"
    cargo test --workspace
fi

if [[ ${CERTHUB_SKIP_FUZZ:-} != 1 ]]; then
    stage "fuzz targets: a short run of each from its seed corpus"
    bash scripts/fuzz.sh smoke
fi

if [[ -d tests/e2e ]]; then
    stage "end-to-end tests (official SDK, tccli, openssl, keytool)"
    export CERTHUB_BIN=$ROOT/target/debug/certhub
    set +e
    .venv/bin/python -m pytest -q -p no:cacheprovider tests/e2e
    rc=$?
    set -e
    if ((rc == 5)); then
        echo "pytest collected no tests" >&2
        exit 1
    fi
    exit $rc
fi
