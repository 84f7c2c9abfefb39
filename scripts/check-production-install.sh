#!/usr/bin/env bash
# Installs this checkout as production does (npm ci --omit=dev, in a scratch copy: needs the registry) and
# checks that npm start serves on a Node >= 22.18, and that on an older system Node it stops with the
# message that says what to do. The project's own Node 24 (from a full install here) stands in for a
# current system Node. Run from the repository root after npm install; .ci/run calls it.
set -euo pipefail
cd "$(dirname "$0")/.."
current_node="$PWD/node_modules/node/bin"
[ -x "$current_node/node" ] || { echo "run npm install first (the check borrows the project's Node 24)"; exit 1; }

prod=$(mktemp -d)
server=''
cleanup() {
  if [ -n "$server" ]; then kill -- "-$server" 2>/dev/null || true; fi
  rm -rf "$prod"
}
trap cleanup EXIT
tar --exclude=./node_modules --exclude=./dist --exclude=./data --exclude=./.git -cf - . | tar -xf - -C "$prod"
cd "$prod"

echo "-- npm ci --omit=dev"
PATH="$current_node:$PATH" npm ci --omit=dev --no-audit --no-fund
du -sh node_modules

# The system Node, when it is older than 22.18: npm start must refuse and say why.
if ! node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 22 || (a === 22 && b >= 18) ? 0 : 1)'; then
  echo "-- npm start on the system Node $(node --version): expect the clear refusal"
  if out=$(npm start 2>&1); then echo "npm start succeeded on $(node --version)"; exit 1; fi
  grep -q 'personakit needs Node >= 22.18' <<<"$out" || { echo "$out"; echo "no clear message"; exit 1; }
  grep -q 'install Node 22.18 or later' <<<"$out" || { echo "$out"; echo "the message says no remedy"; exit 1; }
fi

echo "-- npm start on Node $("$current_node/node" --version): expect it to serve"
PATH="$current_node:$PATH" PORT=0 DATABASE_URL=sqlite::memory: setsid npm start >start.log 2>&1 &
server=$!
url=''
for _ in $(seq 1 300); do
  url=$(grep -o '"url":"http://[^"]*"' start.log | head -n1 | cut -d'"' -f4 || true)
  [ -n "$url" ] && break
  kill -0 "$server" 2>/dev/null || { cat start.log; echo "npm start exited"; exit 1; }
  sleep 0.2
done
[ -n "$url" ] || { cat start.log; echo "npm start did not listen within 60 s"; exit 1; }
curl -sf "$url/readyz" >/dev/null || { cat start.log; echo "/readyz failed"; exit 1; }
curl -sf -o /dev/null "$url/docs/swagger-ui-bundle.js" || { cat start.log; echo "/docs assets missing"; exit 1; }
echo "production install serves ($url/readyz, /docs)"
