#!/usr/bin/env bash
# The package as an embedder gets it (npm run example:embed): build, pack the tarball that
# `npm publish` would upload, install it into examples/embed (a separate TypeScript
# project that imports only from 'unet-ts'), type-check and compile that project against
# the packed types, run it, and check the label PNG it writes. Exits non-zero on any failure.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
example="$root/examples/embed"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
start=$(date +%s)

echo "== build and pack"
cd "$root"
npm run build
# The build just ran: skip the `prepare` rebuild that npm pack would do.
npm pack --ignore-scripts --pack-destination "$tmp" >/dev/null
tarballs=("$tmp"/*.tgz)
[[ ${#tarballs[@]} -eq 1 && -f "${tarballs[0]}" ]] || { echo "embed-example: npm pack made no tarball in $tmp" >&2; exit 1; }
tarball="${tarballs[0]}"
echo "packed $(basename "$tarball") ($(du -k "$tarball" | cut -f1) KiB)"

echo "== install into examples/embed"
cd "$example"
npm install --no-audit --no-fund
npm install --no-save --no-audit --no-fund "$tarball"

echo "== type-check and compile examples/embed against the packed types"
rm -rf dist
npx tsc -p .

echo "== run"
out="$example/out/cells_labels.png"
rm -f "$out"
node dist/main.js --out "$out"
# The label image must exist and be a PNG.
[[ -s "$out" ]] || { echo "embed-example: $out was not written" >&2; exit 1; }
[[ "$(head -c 8 "$out" | od -An -tx1 | tr -d ' \n')" == "89504e470d0a1a0a" ]] || { echo "embed-example: $out is not a PNG" >&2; exit 1; }
echo "== embed example OK in $(( $(date +%s) - start )) s"
