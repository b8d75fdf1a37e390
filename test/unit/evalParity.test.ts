import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { graphSpearman, knnAccuracy, retrieval, unitRows } from '../../src/core/metrics';
import { linearProbe } from '../../src/core/probe';
import { Rng } from '../../src/core/rng';

/**
 * The fixture of the PyTorch evaluation test (python/tests/test_evaluate.py): features, labels, a caption graph and
 * the app's numbers for them (weighted k-NN, linear probe, retrieval, graph ρ), written as JSON to
 * $PARITY_FIXTURE_DIR/eval.json; the Python port must give the same numbers on the same input.
 */

/** Where pythonParity.test.ts writes its fixture too ($PARITY_FIXTURE_DIR, set by `npm test`). */
const FIXTURE_DIR = process.env.PARITY_FIXTURE_DIR ?? join(tmpdir(), 'xsp-parity');
const TRAIN = 60;
const TEST = 24;
const D = 12;
const CLASSES = 3;

/** Rows clustered by class (centre + noise), so that k-NN and the probe are neither at chance nor perfect. */
function clustered(rng: Rng, n: number, labels: Int32Array, centres: Float32Array): Float32Array {
  const out = new Float32Array(n * D);
  for (let i = 0; i < n; i++) for (let k = 0; k < D; k++) out[i * D + k] = centres[labels[i] * D + k] + 1.2 * rng.normal();
  return out;
}

describe('PyTorch evaluation fixture', () => {
  it('writes features, labels, a graph and the app’s metrics of them', async () => {
    const rng = new Rng(31);
    const centres = Float32Array.from({ length: CLASSES * D }, () => rng.normal());
    const trainLabels = Int32Array.from({ length: TRAIN }, (_, i) => (i === 7 ? -1 : i % CLASSES));
    const testLabels = Int32Array.from({ length: TEST }, (_, i) => (i === 3 ? -1 : (i * 7) % CLASSES));
    const train = clustered(rng, TRAIN, trainLabels.map((l) => Math.max(0, l)), centres);
    const test = clustered(rng, TEST, testLabels.map((l) => Math.max(0, l)), centres);
    const texts = unitRows(test.map((x) => x + 0.8 * rng.normal()), D);
    const images = unitRows(test, D);
    const graph = new Float32Array(TEST * TEST);
    for (let i = 0; i < TEST; i++) for (let j = 0; j < TEST; j++) graph[i * TEST + j] = i === j ? 1 : Math.round(rng.next() * 4) / 4; // ties on purpose
    const expected = {
      knnTop1: knnAccuracy(unitRows(train, D), trainLabels, images, testLabels, D),
      linearProbeTop1: await linearProbe(train, trainLabels, test, testLabels, D, CLASSES),
      retrieval: retrieval(images, texts, D),
      graphSpearman: graphSpearman(images, graph, D),
    };
    expect(expected.knnTop1).toBeGreaterThan(0.4);
    expect(expected.knnTop1).toBeLessThan(1);
    mkdirSync(FIXTURE_DIR, { recursive: true });
    const list = (a: Float32Array | Int32Array) => Array.from(a);
    writeFileSync(
      join(FIXTURE_DIR, 'eval.json'),
      JSON.stringify({ dim: D, classes: CLASSES, train: list(train), trainLabels: list(trainLabels), test: list(test), testLabels: list(testLabels), texts: list(texts), graph: list(graph), expected }),
    );
  });
});
