#!/usr/bin/env bash
# Copied to .devbench/run.sh by scripts/pack-device-bench.sh: runs the app's training step (bench/nodeStep.ts) on
# WebGPU (Dawn) and WASM, and the PyTorch yardstick (python/bench_step.py), on a Linux x86-64 machine that has no
# Node and no network. Everything it needs is in the folder it sits in (Node, dawn.node and libstdc++ compressed with
# xz); Debian's Vulkan loader and GLVND libraries come from a .gl/ folder of .deb files beside .devbench/ (or $GL_DIR)
# where the system has none. JSON results go to $OUT when it is set. Usage: bash .devbench/run.sh [quick]
# ("quick": the default config only, no larger one). Each run has its own timeout; all together stay under 10 minutes.
set -u
here=$(cd "$(dirname "$0")" && pwd)
work=${DEVBENCH_TMP:-/tmp/devbench}
gl_dir=${GL_DIR:-$here/../.gl}
out=${OUT:-}
mode=${1:-full}
mkdir -p "$work"

say() { printf '\n=== %s\n' "$*"; }
unxz_to() { # file.xz dest: xz where it exists, else Python's lzma
  if command -v xz >/dev/null 2>&1; then xz -dc "$1" >"$2"
  else python3 -c 'import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"))' "$1" "$2"; fi
}
deb_x() { # file.deb dir: dpkg-deb where it exists, else Python (a .deb is an ar archive holding data.tar.*)
  if command -v dpkg-deb >/dev/null 2>&1; then dpkg-deb -x "$1" "$2"
  else python3 - "$1" "$2" <<'PY'
import io, sys, tarfile
data = open(sys.argv[1], 'rb').read()
pos = 8
while pos < len(data):
    name = data[pos:pos + 16].decode().strip().rstrip('/')
    size = int(data[pos + 48:pos + 58].decode().strip())
    body = data[pos + 60:pos + 60 + size]
    if name.startswith('data.tar'):
        tarfile.open(fileobj=io.BytesIO(body)).extractall(sys.argv[2])
    pos += 60 + size + (size & 1)
PY
  fi
}

say "machine"
uname -m; (ldd --version 2>&1 | head -1) || true
if command -v nvidia-smi >/dev/null 2>&1; then nvidia-smi -L; else echo "no nvidia-smi"; fi

say "unpacking to $work"
[ -x "$work/node" ] || { unxz_to "$here/node.xz" "$work/node" && chmod +x "$work/node"; }
mkdir -p "$work/node_modules/webgpu/dist/linux-x64" "$work/lib"
cp "$here/webgpu/index.js" "$here/webgpu/package.json" "$work/node_modules/webgpu/"
dawn="$work/node_modules/webgpu/dist/linux-x64/dawn.node"
[ -s "$dawn" ] || unxz_to "$here/dawn.node.xz" "$dawn"
[ -s "$work/lib/libstdc++.so.6" ] || unxz_to "$here/libstdc++.so.6.xz" "$work/lib/libstdc++.so.6"
cp "$here/nodeStep.mjs" "$work/"
rm -rf "$work/wasm" && cp -r "$here/wasm" "$work/wasm"
"$work/node" --version || { echo "Node does not run here"; exit 1; }
# dawn.node needs GLIBCXX_3.4.30 (GCC 12's libstdc++): use the packed one where the system's is older.
if ! "$work/node" -e "require('$dawn')" >/dev/null 2>&1; then
  export LD_LIBRARY_PATH="$work/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  "$work/node" -e "require('$dawn')" && echo "using the packed libstdc++ for dawn.node"
fi

say "Vulkan"
if ! (ldconfig -p 2>/dev/null | grep -q 'libvulkan.so.1 ') || ! (ldconfig -p 2>/dev/null | grep -q 'libGLdispatch.so.0 '); then
  if ls "$gl_dir"/*.deb >/dev/null 2>&1; then
    for f in "$gl_dir"/*.deb; do deb_x "$f" "$work/gl"; done
    export LD_LIBRARY_PATH="$work/gl/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    echo "Vulkan loader and GLVND from $gl_dir (unpacked into $work/gl)"
  else echo "no libvulkan.so.1 on this system and no .deb files in $gl_dir: WebGPU will not start"; fi
fi
nvidia_icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
swiftshader_icd=/usr/lib/chromium/vk_swiftshader_icd.json
if [ -f "$nvidia_icd" ]; then
  export VK_DRIVER_FILES="$nvidia_icd" VK_ICD_FILENAMES="$nvidia_icd"
  echo "ICD: $nvidia_icd"; cat "$nvidia_icd"
elif ls /usr/share/vulkan/icd.d/*.json /etc/vulkan/icd.d/*.json >/dev/null 2>&1; then
  echo "ICD: the loader's defaults:"; ls /usr/share/vulkan/icd.d/*.json /etc/vulkan/icd.d/*.json 2>/dev/null
elif [ -f "$swiftshader_icd" ]; then
  # No GPU driver: Chromium's SwiftShader (software) with Chromium's own loader. Slow: tiny shapes only.
  export VK_ICD_FILENAMES="$swiftshader_icd" LD_LIBRARY_PATH="/usr/lib/chromium${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  echo "ICD: SwiftShader ($swiftshader_icd), a software GPU"
else echo "ICD: none found; WebGPU will likely not start"; fi

json() { [ -n "$out" ] && echo "--json $out/$1"; }
nb=("$work/node" "$work/nodeStep.mjs")

say "tfjs step, default bench config: webgpu + wasm, clip + xsample, 10 timed steps"
if [ -f "$swiftshader_icd" ] && [ "${VK_ICD_FILENAMES:-}" = "$swiftshader_icd" ]; then
  # SwiftShader takes seconds per step: the same runs at tiny shapes, and WASM at the default config.
  timeout 300 "${nb[@]}" --backends webgpu --batch 8 --image 16 --steps 2 $(json node-webgpu-tiny.json)
  timeout 200 "${nb[@]}" --backends wasm $(json node-default.json)
else
  timeout 200 "${nb[@]}" --backends webgpu,wasm $(json node-default.json)
  say "tfjs step, default bench config, composite ops (no fused kernels) on webgpu and wasm"
  timeout 150 "${nb[@]}" --backends webgpu,wasm --fusion off $(json node-unfused.json)
  say "tfjs step, default bench config, wasm with tfjs's own matmul and no fused kernels (before this work)"
  timeout 100 "${nb[@]}" --backends wasm --wasm-matmul tfjs --fusion off $(json node-wasm-before.json)
  say "tfjs step, default bench config on webgpu: WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE 1, 64, 256 (tfjs: 15)"
  for n in 1 64 256; do timeout 60 "${nb[@]}" --backends webgpu --submit-batch "$n" $(json "node-submit-$n.json"); done
  if [ "$mode" != quick ]; then
    say "tfjs step, larger config on webgpu: batch 256, width 192, depth 6, heads 6, 5 timed steps"
    timeout 150 "${nb[@]}" --backends webgpu --batch 256 --width 192 --depth 6 --heads 6 --text-width 192 --image 32 --patch 4 --steps 5 $(json node-large.json)
  fi
fi

say "PyTorch step, default bench config (1 CPU thread; CUDA where available)"
if command -v python3 >/dev/null 2>&1; then
  timeout 120 python3 "$here/bench_step.py" $(json torch-default.json)
  if [ "$mode" != quick ]; then
    say "PyTorch step, larger config on CUDA"
    timeout 90 python3 "$here/bench_step.py" --devices cuda --batch 256 --width 192 --depth 6 --heads 6 --text-width 192 --steps 5 $(json torch-large.json)
  fi
else echo "no python3"; fi
say "done"
