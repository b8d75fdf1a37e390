#!/usr/bin/env bash
# Packs into .devbench/ (git-ignored) all that a Linux x86-64 machine with a GPU but without Node or network needs to
# run the app's training step there: the Node bench bundle (bench/nodeStep.ts, built by Vite), the tfjs-backend-wasm
# .wasm files, the `webgpu` package's index.js and its linux-x64 dawn.node, this machine's Node binary and libstdc++
# (xz-compressed), python/bench_step.py and run.sh (scripts/device-bench-run.sh). Run it from the repository root
# after `npm install`; then on the GPU machine: bash .devbench/run.sh (see README.md, "Benchmarks on a real GPU").
# The xz of Node (about 2 minutes on 2 cores) is kept and reused while the binary is unchanged.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=.devbench
mkdir -p "$dest/wasm" "$dest/webgpu"

[ "$(uname -m)" = x86_64 ] || { echo "pack-device-bench: pack on x86-64 Linux (Node and dawn.node are copied from here)"; exit 1; }
[ -f node_modules/webgpu/dist/linux-x64/dawn.node ] || { echo "pack-device-bench: node_modules/webgpu is missing: run npm install"; exit 1; }

echo "bundle: bench/nodeStep.ts -> $dest/nodeStep.mjs"
npx vite build --config bench/vite.config.ts

wasm=node_modules/@tensorflow/tfjs-backend-wasm/dist
cp "$wasm/tfjs-backend-wasm-simd.wasm" "$wasm/tfjs-backend-wasm.wasm" "$dest/wasm/" # 1 thread, SIMD (or not)
cp node_modules/webgpu/index.js node_modules/webgpu/package.json "$dest/webgpu/"
cp python/bench_step.py "$dest/"
cp scripts/device-bench-run.sh "$dest/run.sh"
chmod +x "$dest/run.sh"

# xz file.xz source: compresses unless an .xz of the same source (by size and modification time) is already there.
pack_xz() {
  local stamp
  stamp="$(stat -L -c '%s %Y' "$2") $2"
  if [ -f "$1" ] && [ "$(cat "$1.src" 2>/dev/null)" = "$stamp" ]; then echo "$1: unchanged"; return; fi
  echo "$1: xz -9 of $2 ($(du -h "$2" | cut -f1))"
  xz -T2 -9 -c "$2" >"$1.tmp" && mv "$1.tmp" "$1" && echo "$stamp" >"$1.src"
}
node_bin=$(command -v node)
pack_xz "$dest/node.xz" "$(readlink -f "$node_bin")"
pack_xz "$dest/dawn.node.xz" node_modules/webgpu/dist/linux-x64/dawn.node
pack_xz "$dest/libstdc++.so.6.xz" "$(readlink -f "$(ldconfig -p | awk '/libstdc\+\+\.so\.6 .*x86-64/ {print $NF; exit}')")"

echo
du -ah "$dest" | sort -k2
[ -d .gl ] && du -sh .gl || echo "no .gl/ here: Debian's libvulkan1 and GLVND .debs are fetched into it with apt-get download (README.md)"
total=$(du -scm "$dest" $( [ -d .gl ] && echo .gl) | tail -1 | cut -f1)
echo "total $total MiB (device machines take at most 64 MiB of carried paths)"
[ "$total" -le 60 ] || { echo "pack-device-bench: over 60 MiB"; exit 1; }
