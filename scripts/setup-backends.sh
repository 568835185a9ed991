#!/usr/bin/env bash
# Installs the system packages unet-ts's optional WebGPU backend, its browser tests and its queue
# tests need on Debian/Ubuntu.
#
#   browser tests (test/browser/): Debian's `chromium`, driven headless by playwright-core (no
#           browser download); WebGL2 and WebGPU there run on SwiftShader (software). Without a
#           chromium binary those tests skip, saying so.
#   webgpu: the `webgpu` npm package (Dawn for Node, 0.6.x, an optionalDependency) needs a
#           Vulkan driver. Without a GPU, Chromium's SwiftShader software Vulkan driver works
#           (Debian 12's lavapipe is too old): chromium + the Vulkan loader libvulkan1. The
#           runtime finds /usr/lib/chromium/vk_swiftshader_icd.json by itself when
#           VK_ICD_FILENAMES is unset; SwiftShader is ~100x slower than webasm, so it is used
#           only when forced (tests, --backend webgpu, UNET_BACKEND=webgpu), never by auto.
#   queue tests (test/queue/): Debian's `redis-server`, which the tests start themselves on a free
#           loopback port (data in a temporary folder); BullMQ needs Redis >= 5 (Debian 12: 7.0).
#           Without the binary those tests skip, saying so. (The package may also start a
#           system Redis on port 6379; the tests do not use it.)
#   headlessgl is not set up here (a native `gl` build: libx11-dev libxi-dev libxext-dev
#           pkg-config, `npm rebuild gl`, and xvfb xauth libgl1-mesa-dri + xvfb-run to run).
#
# Idempotent: installs only what is missing. Skips (exit 0) when not root or without apt-get.
# About 30 s on Debian 12 with a reachable mirror (chromium is ~100 MB).
# Usage: scripts/setup-backends.sh   (from anywhere; run `npm ci` first for the final check)
set -euo pipefail

log() { echo "setup-backends: $*"; }

PACKAGES=(chromium libvulkan1 redis-server)
ICDS=(
  /usr/lib/chromium/vk_swiftshader_icd.json
  /usr/lib/chromium-browser/vk_swiftshader_icd.json
  /usr/lib64/chromium-browser/vk_swiftshader_icd.json
)

if [[ $(id -u) -ne 0 ]]; then
  log "not root; skipping. To enable the WebGPU (SwiftShader), browser and queue tests: sudo apt-get install chromium libvulkan1 redis-server"
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  log "apt-get not found; skipping. WebGPU needs a Vulkan loader and driver (e.g. Chromium's SwiftShader)."
  exit 0
fi

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  log "installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  log "${PACKAGES[*]} already installed"
fi

icd=""
for f in "${ICDS[@]}"; do
  if [[ -f $f ]]; then
    icd=$f
    break
  fi
done
if [[ -z $icd ]]; then
  log "error: no SwiftShader Vulkan driver (vk_swiftshader_icd.json) after installing chromium;"
  log "  this chromium package does not ship it (Ubuntu's chromium is a snap). Looked in: ${ICDS[*]}"
  exit 1
fi
log "SwiftShader Vulkan driver: $icd"

# Final check, when the project's node_modules are there: which WebGPU adapter answers.
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if command -v node >/dev/null 2>&1 && [[ -f $root/node_modules/webgpu/package.json ]]; then
  (
    cd "$root"
    if [[ -z ${VK_ICD_FILENAMES:-} ]] && ! ls /etc/vulkan/icd.d/*.json /usr/share/vulkan/icd.d/*.json /usr/local/share/vulkan/icd.d/*.json >/dev/null 2>&1; then
      export VK_ICD_FILENAMES=$icd
    fi
    node --input-type=module -e "
      import { createRequire } from 'node:module';
      const v = createRequire(process.cwd() + '/').resolve('webgpu/package.json');
      const { version } = JSON.parse((await import('node:fs')).readFileSync(v, 'utf8'));
      const { create } = await import('webgpu');
      const a = await create([]).requestAdapter();
      console.log('setup-backends: webgpu ' + version + ': ' + (a ? 'adapter ' + a.info.description + (a.info.isFallbackAdapter ? ' (software)' : '') : 'NO adapter'));
      process.exit(a ? 0 : 1);
    " || { log "error: no WebGPU adapter answered"; exit 1; }
  )
else
  log "node_modules/webgpu not installed yet (npm ci installs it); skipped the adapter check"
fi
