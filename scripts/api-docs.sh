#!/usr/bin/env bash
# The API reference, generated from the JSDoc by TypeDoc (npm run docs:api → docs/api/index.html;
# options in typedoc.json). TypeDoc needs TypeScript's JavaScript compiler API (TypeScript
# 5.x–6.0), which the root's TypeScript 7 does not ship, so TypeDoc and the TypeScript it runs
# on live in tools/api-docs with their own lockfile, installed here on first use.
# Warnings do not fail the run; errors (a missing entry point, a bad option) do.
set -euo pipefail
cd "$(dirname "$0")/.."
tool=tools/api-docs
if [[ ! -f $tool/node_modules/.package-lock.json || $tool/package-lock.json -nt $tool/node_modules/.package-lock.json ]]; then
  npm ci --prefix "$tool" --no-audit --no-fund
fi
"$tool/node_modules/.bin/typedoc" "$@"
echo "API reference: docs/api/index.html"
