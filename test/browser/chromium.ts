/**
 * The Chromium the browser tests drive (playwright-core, no browser download): CHROMIUM_PATH
 * when set (then only it), else where Debian/Ubuntu/Chrome packages put the binary
 * (scripts/setup-backends.sh installs Debian's `chromium`). Without one, the tests skip and say why.
 */
import { existsSync } from 'node:fs';

const CANDIDATES = process.env['CHROMIUM_PATH'] ? [process.env['CHROMIUM_PATH']] : ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

/** The binary, or undefined when none exists. */
export const chromiumPath: string | undefined = CANDIDATES.find((p) => existsSync(p));

/** Why the browser tests skip (only when no binary exists). */
export const noChromium = `no Chromium binary (looked for ${CANDIDATES.join(', ')}; as root: bash scripts/setup-backends.sh installs Debian's chromium, or set CHROMIUM_PATH)`;

/** WebGPU and WebGL2 on SwiftShader: Chromium's software adapters (no GPU needed). */
export const CHROMIUM_FLAGS = ['--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader', '--use-angle=swiftshader'];
