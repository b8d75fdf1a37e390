// AssemblyScript (compiled by scripts/build-wasm-kernels.mjs, not by tsc): a batched float32 matrix product with
// 128-bit SIMD, for the shapes where tfjs's WASM backend has no fast path (a batch of matrices, or a transposed
// operand). C[b] = A[b] · B[b] with A[b] (M, K) read through strides, so a transposed A costs nothing, and B[b]
// (K, N) row-major; a transposed B is first copied into row-major order in a scratch area.
// Memory layout is chosen by the caller (src/core/kernels/wasmMatMul.ts): byte offsets of A, B, C and the scratch.

/** Grows this module's memory to at least `bytes`; returns false if the browser refuses. */
export function ensureMemory(bytes: i32): bool {
  const have = memory.size() << 16;
  if (bytes <= have) return true;
  const pages = (bytes - have + 0xffff) >>> 16;
  return memory.grow(pages) >= 0;
}

/** dst (rows, cols) row-major <- src (cols, rows) row-major. */
function transposeInto(src: usize, dst: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      store<f32>(dst + (<usize>(r * cols + c) << 2), load<f32>(src + (<usize>(c * rows + r) << 2)));
    }
  }
}

/**
 * One (M, N) output block: A element (i, k) at a + 4 (i sAi + k sAk); B row-major (K, N) at b; C row-major at c.
 * Blocks of 4 rows x 8 columns keep 8 vector accumulators in registers; edges fall back to narrower loops.
 */
function gemm(a: usize, sAi: i32, sAk: i32, b: usize, c: usize, M: i32, N: i32, K: i32): void {
  const rowBytes = <usize>N << 2;
  let i = 0;
  for (; i + 4 <= M; i += 4) {
    const a0 = a + (<usize>(i * sAi) << 2);
    const a1 = a0 + (<usize>sAi << 2);
    const a2 = a1 + (<usize>sAi << 2);
    const a3 = a2 + (<usize>sAi << 2);
    const stepA = <usize>sAk << 2;
    let j = 0;
    for (; j + 8 <= N; j += 8) {
      let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
      let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
      let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
      let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
      let pb = b + (<usize>j << 2);
      let pa = <usize>0;
      for (let k = 0; k < K; k++) {
        const b0 = v128.load(pb);
        const b1 = v128.load(pb, 16);
        const x0 = f32x4.splat(load<f32>(a0 + pa));
        const x1 = f32x4.splat(load<f32>(a1 + pa));
        const x2 = f32x4.splat(load<f32>(a2 + pa));
        const x3 = f32x4.splat(load<f32>(a3 + pa));
        c00 = f32x4.add(c00, f32x4.mul(x0, b0));
        c01 = f32x4.add(c01, f32x4.mul(x0, b1));
        c10 = f32x4.add(c10, f32x4.mul(x1, b0));
        c11 = f32x4.add(c11, f32x4.mul(x1, b1));
        c20 = f32x4.add(c20, f32x4.mul(x2, b0));
        c21 = f32x4.add(c21, f32x4.mul(x2, b1));
        c30 = f32x4.add(c30, f32x4.mul(x3, b0));
        c31 = f32x4.add(c31, f32x4.mul(x3, b1));
        pb += rowBytes;
        pa += stepA;
      }
      const pc = c + (<usize>(i * N + j) << 2);
      v128.store(pc, c00);
      v128.store(pc, c01, 16);
      v128.store(pc + rowBytes, c10);
      v128.store(pc + rowBytes, c11, 16);
      v128.store(pc + 2 * rowBytes, c20);
      v128.store(pc + 2 * rowBytes, c21, 16);
      v128.store(pc + 3 * rowBytes, c30);
      v128.store(pc + 3 * rowBytes, c31, 16);
    }
    for (; j < N; j++) {
      for (let r = 0; r < 4; r++) {
        let s: f32 = 0;
        const ar = a0 + (<usize>(r * sAi) << 2);
        for (let k = 0; k < K; k++) s += load<f32>(ar + (<usize>(k * sAk) << 2)) * load<f32>(b + (<usize>(k * N + j) << 2));
        store<f32>(c + (<usize>((i + r) * N + j) << 2), s);
      }
    }
  }
  for (; i < M; i++) {
    const ar = a + (<usize>(i * sAi) << 2);
    let j = 0;
    for (; j + 4 <= N; j += 4) {
      let acc = f32x4.splat(0);
      for (let k = 0; k < K; k++) {
        acc = f32x4.add(acc, f32x4.mul(f32x4.splat(load<f32>(ar + (<usize>(k * sAk) << 2))), v128.load(b + (<usize>(k * N + j) << 2))));
      }
      v128.store(c + (<usize>(i * N + j) << 2), acc);
    }
    for (; j < N; j++) {
      let s: f32 = 0;
      for (let k = 0; k < K; k++) s += load<f32>(ar + (<usize>(k * sAk) << 2)) * load<f32>(b + (<usize>(k * N + j) << 2));
      store<f32>(c + (<usize>(i * N + j) << 2), s);
    }
  }
}

/**
 * C[b] = op(A[b]) · op(B[b]) for b < batch. A has batchA matrices and B batchB (each 1 or batch: broadcast).
 * transA: A is stored (K, M); transB: B is stored (N, K) and is copied to row-major (K, N) at `scratch` first.
 */
export function batchMatMul(
  a: usize,
  b: usize,
  c: usize,
  scratch: usize,
  batch: i32,
  batchA: i32,
  batchB: i32,
  M: i32,
  N: i32,
  K: i32,
  transA: bool,
  transB: bool,
): void {
  const sizeA = <usize>(M * K) << 2;
  const sizeB = <usize>(K * N) << 2;
  const sizeC = <usize>(M * N) << 2;
  const sAi = transA ? 1 : K;
  const sAk = transA ? M : 1;
  let packedFor = -1;
  for (let n = 0; n < batch; n++) {
    const ia = batchA == 1 ? 0 : n;
    const ib = batchB == 1 ? 0 : n;
    let pb = b + <usize>ib * sizeB;
    if (transB) {
      if (packedFor != ib) {
        transposeInto(pb, scratch, K, N);
        packedFor = ib;
      }
      pb = scratch;
    }
    gemm(a + <usize>ia * sizeA, sAi, sAk, pb, c + <usize>n * sizeC, M, N, K);
  }
}
