import type { Settings } from '../core/config';
import { objectiveSpec } from '../core/registry';
import { gatherPixels, type ImageSet, labelName, type splitForSet } from '../core/dataset';
import { embedSet } from '../core/evaluate';
import type { ContrastiveModel } from '../core/model';
import { learnedDistribution, meanKL, probeIndices, targetDistribution } from '../core/probeView';
import { pca2, procrustes2 } from '../core/projection';
import type { CaptionGraph } from '../core/captionGraph';
import type { ProbeInfo, RunViz, SampleSet } from './protocol';

/** Held-out samples in the live PCA projections (SVG markers: 300 redraw in about 20 ms on a 2-core laptop, 500 in 35). */
export const PROJECTION_POINTS = 300;

/** Ids, captions, labels and pixels of some samples of a set, for the page to show. */
export function sampleSet(set: ImageSet, indices: Int32Array): SampleSet {
  return {
    indices: Array.from(indices),
    ids: Array.from(indices, (i) => set.ids[i]),
    captions: Array.from(indices, (i) => set.captions[i]),
    labels: Array.from(indices, (i) => labelName(set, i)),
    pixels: gatherPixels(set, indices),
  };
}

/**
 * The pictures of the live panel: a fixed probe batch of held-out samples (the heatmaps' rows and the target s
 * over them, and the points of the projections), and each run's learned distribution and PCA of that batch, aligned
 * by Procrustes to the first run's.
 */
export class RunPictures {
  private probe?: ProbeInfo;
  private pcaReference?: Float32Array;

  /** Forget the probe batch (the data, graph or split changed): the next `probeFor` picks a new one. */
  reset(): void {
    this.probe = undefined;
  }

  /** The probe batch for this data and config, new (returned with `fresh`) when τ_s or the probe size changed. */
  probeFor(set: ImageSet, split: ReturnType<typeof splitForSet>, graph: CaptionGraph, config: Settings): { probe: ProbeInfo; fresh: boolean } | undefined {
    if (split.heldOut.length < 2) return undefined;
    const size = Math.min(config.probeSize, split.heldOut.length);
    if (this.probe && this.probe.tauS === config.tauS && this.probe.heatmap.indices.length === size) return { probe: this.probe, fresh: false };
    const heat = probeIndices(set, split.heldOut, graph, config.probeSize);
    this.probe = {
      imageSize: set.imageSize,
      tauS: config.tauS,
      heatmap: sampleSet(set, heat),
      target: targetDistribution(graph, heat, config.tauS),
      points: sampleSet(set, split.heldOut.slice(0, PROJECTION_POINTS)),
    };
    this.pcaReference = undefined;
    return { probe: this.probe, fresh: true };
  }

  /** One run's heatmap and projection over the probe batch; the first run's PCA is the one the others align to. */
  async picture(model: ContrastiveModel, objective: RunViz['objective'], step: number, set: ImageSet, probe: ProbeInfo, first: boolean): Promise<RunViz> {
    const scalars = await model.scalars();
    const heat = Int32Array.from(probe.heatmap.indices);
    const learned = await learnedDistribution(model, set, heat, scalars.logitScale);
    const { embeddings } = await embedSet(model, set, Int32Array.from(probe.points.indices));
    const { points, explained } = pca2(embeddings, model.cfg.model.projDim);
    const aligned = this.pcaReference ? procrustes2(points, this.pcaReference) : points;
    if (first) this.pcaReference = aligned;
    return {
      objective,
      step,
      learned,
      kind: objectiveSpec(objective).textTower ? 'image–text' : 'image–image',
      kl: meanKL(probe.target, learned, heat.length),
      pca: aligned,
      explained,
    };
  }
}
