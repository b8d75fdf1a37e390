/**
 * 2-D views of embeddings, DOM-free: PCA by power iteration on the covariance, and orthogonal Procrustes to align
 * one 2-D picture to another (rotation or reflection, no scaling), so that side-by-side runs can be compared.
 * Points are (N, 2) row-major.
 */

/** Top-2 principal components of rows (N, d), returned as projected points (N, 2) and the explained variance ratio. */
export function pca2(x: Float32Array, d: number): { points: Float32Array; explained: [number, number] } {
  const n = x.length / d;
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let k = 0; k < d; k++) mean[k] += x[i * d + k] / n;
  const cov = new Float64Array(d * d);
  let total = 0;
  for (let i = 0; i < n; i++)
    for (let a = 0; a < d; a++) {
      const va = x[i * d + a] - mean[a];
      total += va * va;
      for (let b = a; b < d; b++) cov[a * d + b] += va * (x[i * d + b] - mean[b]);
    }
  for (let a = 0; a < d; a++) for (let b = 0; b < a; b++) cov[a * d + b] = cov[b * d + a];
  const axes: Float64Array[] = [];
  const values: number[] = [];
  for (let c = 0; c < 2; c++) {
    let v = new Float64Array(d).map((_, k) => Math.sin(k * 12.9898 + c * 78.233) + 0.5); // fixed start: deterministic
    let lambda = 0;
    for (let it = 0; it < 200; it++) {
      const w = new Float64Array(d);
      for (let a = 0; a < d; a++) {
        let s = 0;
        for (let b = 0; b < d; b++) s += cov[a * d + b] * v[b];
        w[a] = s;
      }
      for (const u of axes) {
        let p = 0;
        for (let k = 0; k < d; k++) p += w[k] * u[k];
        for (let k = 0; k < d; k++) w[k] -= p * u[k];
      }
      const norm = Math.hypot(...w);
      if (norm === 0) break;
      lambda = norm;
      const next = w.map((q) => q / norm);
      let diff = 0;
      for (let k = 0; k < d; k++) diff += Math.abs(next[k] - v[k]);
      v = next;
      if (diff < 1e-9) break;
    }
    axes.push(v);
    values.push(lambda);
  }
  const points = new Float32Array(n * 2);
  for (let i = 0; i < n; i++)
    for (let c = 0; c < 2; c++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += (x[i * d + k] - mean[k]) * axes[c][k];
      points[i * 2 + c] = s;
    }
  return { points, explained: [total > 0 ? values[0] / total : 0, total > 0 ? values[1] / total : 0] };
}

/**
 * Rotates (or reflects) `points` about their centroid to best match `reference` (same rows), in place of a copy:
 * R = argmin ‖(X − x̄)R − (Y − ȳ)‖ over orthogonal 2×2 R, then re-centred on ȳ. Both (N, 2).
 */
export function procrustes2(points: Float32Array, reference: Float32Array): Float32Array {
  const n = points.length / 2;
  const cx = [0, 0];
  const cy = [0, 0];
  for (let i = 0; i < n; i++)
    for (let c = 0; c < 2; c++) {
      cx[c] += points[i * 2 + c] / n;
      cy[c] += reference[i * 2 + c] / n;
    }
  // M = Xcᵀ Yc (2×2)
  let a = 0;
  let b = 0;
  let c = 0;
  let d = 0;
  for (let i = 0; i < n; i++) {
    const x0 = points[i * 2] - cx[0];
    const x1 = points[i * 2 + 1] - cx[1];
    const y0 = reference[i * 2] - cy[0];
    const y1 = reference[i * 2 + 1] - cy[1];
    a += x0 * y0;
    b += x0 * y1;
    c += x1 * y0;
    d += x1 * y1;
  }
  // The best rotation maximises trace(Rᵀ M); compare it with the best reflection and keep the larger.
  const rotAngle = Math.atan2(b - c, a + d);
  const rotScore = Math.hypot(a + d, b - c);
  const refAngle = Math.atan2(b + c, a - d);
  const refScore = Math.hypot(a - d, b + c);
  const out = new Float32Array(points.length);
  const [cos, sin] = rotScore >= refScore ? [Math.cos(rotAngle), Math.sin(rotAngle)] : [Math.cos(refAngle), Math.sin(refAngle)];
  const reflect = rotScore < refScore;
  for (let i = 0; i < n; i++) {
    const x0 = points[i * 2] - cx[0];
    const x1 = points[i * 2 + 1] - cx[1];
    // rotation: [x0, x1] · [[cos, sin], [−sin, cos]]; reflection: [x0, x1] · [[cos, sin], [sin, −cos]]
    out[i * 2] = (reflect ? x0 * cos + x1 * sin : x0 * cos - x1 * sin) + cy[0];
    out[i * 2 + 1] = (reflect ? x0 * sin - x1 * cos : x0 * sin + x1 * cos) + cy[1];
  }
  return out;
}
