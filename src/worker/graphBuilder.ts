import type { GraphSource } from '../core/config';
import type { ImageSet } from '../core/dataset';
import { type CaptionGraph, embeddingGraph, labelGraph, normaliseRows } from '../core/captionGraph';
import { matchEmbeddings, type ParsedEmbeddings } from '../text/embeddingFile';
import { ENCODER_DIM, ENCODER_NAME, type EmbedProgress, embedTexts, type SentenceEncoder, type VectorCache } from '../text/sentenceEncoder';
import { tfidfGraph } from '../text/tfidfGraph';

export interface GraphDeps {
  encoder: () => Promise<SentenceEncoder>;
  cache?: VectorCache;
  file?: { name: string; parsed: ParsedEmbeddings };
  onProgress: (p: EmbedProgress) => void;
}

/** Mean of the encoder's vectors of each image's captions (one caption: that vector), as unit rows. */
async function captionVectors(set: ImageSet, deps: GraphDeps): Promise<Float32Array> {
  const all = set.allCaptions ?? set.captions.map((c) => [c]);
  const flat = all.flat();
  const v = await embedTexts(flat, deps.encoder, deps.cache, deps.onProgress);
  const out = new Float32Array(set.captions.length * ENCODER_DIM);
  let row = 0;
  all.forEach((caps, i) => {
    for (let c = 0; c < caps.length; c++, row++)
      for (let k = 0; k < ENCODER_DIM; k++) out[i * ENCODER_DIM + k] += v[row * ENCODER_DIM + k] / caps.length;
  });
  return out;
}

/** Builds the X-Sample caption graph of a dataset from the chosen source. Errors say why a source cannot be used. */
export async function buildGraph(set: ImageSet, source: GraphSource, centre: boolean, deps: GraphDeps): Promise<CaptionGraph> {
  const centred = centre ? ', centred' : '';
  switch (source) {
    case 'tfidf':
      return tfidfGraph(set.allCaptions ? set.allCaptions.map((c) => c.join(' ')) : set.captions);
    case 'encoder': {
      const v = normaliseRows(await captionVectors(set, deps), ENCODER_DIM, centre);
      return embeddingGraph(`${ENCODER_NAME} on captions${centred}`, v, ENCODER_DIM);
    }
    case 'labels': {
      if (!set.labels || !set.labelNames || set.labelNames.length < 2) throw new Error(`${set.name} has no labels: choose another caption graph`);
      const names = set.labelNames.map((l) => l.replace(/[_-]+/g, ' '));
      const v = normaliseRows(await embedTexts(names, deps.encoder, deps.cache, deps.onProgress), ENCODER_DIM, centre);
      const C = names.length;
      const sim = embeddingGraph('labels', v, ENCODER_DIM).batch(Int32Array.from({ length: C }, (_, i) => i));
      return { ...labelGraph(set.labels, sim, C), kind: `class labels (1 within a class; ${ENCODER_NAME} on class names between${centred})` };
    }
    case 'file': {
      if (!deps.file) throw new Error('choose an embeddings file (.npy, .json or .csv) for the caption graph');
      const v = normaliseRows(matchEmbeddings(deps.file.parsed, set.ids, deps.file.name), deps.file.parsed.dim, centre);
      return embeddingGraph(`${deps.file.name} (${deps.file.parsed.dim}-d)${centred}`, v, deps.file.parsed.dim);
    }
  }
}
