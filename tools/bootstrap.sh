#!/usr/bin/env bash
# Bootstrap whatever is missing, idempotently:
#   tools/bootstrap.sh          the Python 3.10 venv and the web widget (npm)
#   tools/bootstrap.sh --test   also the system packages the tests need (Chromium, its driver,
#                               CJK fonts, Redis); PostgreSQL 15 comes with the machine image.
set -euo pipefail
cd "$(dirname "$0")/.."

find_python310() {
  local candidates=(python3.10 /usr/bin/python3.10 /usr/local/bin/python3.10)
  if command -v pyenv >/dev/null 2>&1; then
    candidates+=("$(pyenv root)"/versions/3.10*/bin/python3.10)
  fi
  candidates+=(/root/.pyenv/versions/3.10*/bin/python3.10 "$HOME"/.pyenv/versions/3.10*/bin/python3.10)
  for c in "${candidates[@]}"; do
    if "$c" -c 'import sys; assert sys.version_info[:2] == (3, 10)' >/dev/null 2>&1; then
      command -v "$c" 2>/dev/null || echo "$c"
      return 0
    fi
  done
  return 1
}

want=$(cat requirements.txt requirements.lock | sha256sum | cut -d' ' -f1)
if [ ! -x .venv/bin/python ] || [ "$(cat .venv/.installed 2>/dev/null)" != "$want" ]; then
  py=$(find_python310) || { echo "Python 3.10 is required (Rasa 3.6 runs on 3.8-3.10) and was not found." >&2; exit 1; }
  echo "==> Python venv (.venv) with $py"
  [ -x .venv/bin/python ] || "$py" -m venv .venv
  .venv/bin/pip install -q --upgrade "pip<25"
  .venv/bin/pip install -q -r requirements.txt -c requirements.lock
  echo "$want" > .venv/.installed
fi

if [ ! -f node_modules/rasa-webchat/lib/index.js ] || ! cmp -s package-lock.json node_modules/.package-lock.json.src 2>/dev/null; then
  echo "==> npm packages (rasa-webchat)"
  npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json node_modules/.package-lock.json.src
fi

if [ "${1:-}" = "--test" ]; then
  missing=()
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
  [ -d /usr/share/fonts/opentype/noto ] || missing+=(fonts-noto-cjk)
  command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
  if [ ${#missing[@]} -gt 0 ]; then
    echo "==> apt-get install ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
  command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || {
    echo "==> apt-get install postgresql"; apt-get update -qq; apt-get install -y -qq postgresql >/dev/null; }
fi
