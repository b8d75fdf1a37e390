// `npm run bench:gpu`: bundles bench/nodeStep.ts (the worker's training step) into .devbench/nodeStep.mjs and runs it
// in plain Node on tfjs WebGPU (Dawn, npm `webgpu`) and WASM. All flags go to the bench: --batch --width --depth
// --heads --image --patch --text-width --steps --objectives clip,xsample --backends webgpu,wasm --json FILE --top N.
// Vulkan: an NVIDIA ICD at the path NVIDIA's container toolkit uses is taken when it exists; else a Vulkan ICD the
// environment already names; else Chromium's SwiftShader (software, very slow: use tiny shapes).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const root = fileURLToPath(new URL('..', import.meta.url));
await build({ configFile: `${root}bench/vite.config.ts` });

const env = { ...process.env };
const nvidia = '/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json';
const swiftshader = '/usr/lib/chromium/vk_swiftshader_icd.json';
if (existsSync(nvidia)) {
  env.VK_DRIVER_FILES = nvidia;
  console.log(`Vulkan: ${nvidia}`);
} else if (env.VK_ICD_FILENAMES || env.VK_DRIVER_FILES) {
  console.log(`Vulkan: ${env.VK_DRIVER_FILES ?? env.VK_ICD_FILENAMES} (from the environment)`);
} else if (existsSync(swiftshader)) {
  // Chromium ships its own Vulkan loader (libvulkan.so.1) beside SwiftShader; Debian's libvulkan1 may be absent.
  env.VK_ICD_FILENAMES = swiftshader;
  env.LD_LIBRARY_PATH = ['/usr/lib/chromium', env.LD_LIBRARY_PATH].filter(Boolean).join(':');
  console.log(`Vulkan: SwiftShader (${swiftshader}), a software GPU: WebGPU numbers here say nothing about a real GPU`);
} else console.log('Vulkan: no ICD found; the webgpu backend will likely not start');

const r = spawnSync(process.execPath, [`${root}.devbench/nodeStep.mjs`, ...process.argv.slice(2)], { stdio: 'inherit', env });
process.exit(r.status ?? 1);
