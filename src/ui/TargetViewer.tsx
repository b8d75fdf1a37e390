import { useEffect, useState } from 'react';
import type { TargetNeighbours } from '../worker/protocol';
import { Thumbnail } from './DatasetPreview';
import { markBidi, SafeText } from './safeText';

/** A tooltip of user text: bidi-marked and clipped (a 100 kB caption makes no tooltip a page wide). */
const tip = (...parts: string[]) => markBidi(parts.join('\n')).slice(0, 500);

/**
 * The X-Sample target of one sample, made visible: its nearest neighbours in the caption graph with their weights
 * s_ab = softmax_b(G_ab / τ_s) over the training set. Changes live with τ_s.
 */
export function TargetViewer({
  index,
  tauS,
  graphKind,
  fetchNeighbours,
}: {
  index: number | undefined;
  tauS: number;
  graphKind?: string;
  fetchNeighbours: (index: number, tauS: number, k: number) => Promise<TargetNeighbours | undefined>;
}) {
  const [t, setT] = useState<TargetNeighbours>();
  useEffect(() => {
    let live = true;
    if (index !== undefined && tauS > 0) void fetchNeighbours(index, tauS, 8).then((r) => live && setT(r));
    return () => {
      live = false;
    };
  }, [index, tauS, graphKind, fetchNeighbours]);
  if (index === undefined) return <p className="hint">Click an image above to see its X-Sample target: which samples it is pulled towards, and how much.</p>;
  if (!t) return null;
  const s = t.imageSize;
  return (
    <div className="target-viewer" data-testid="target-viewer" data-effective={t.effectiveNeighbours.toFixed(2)}>
      <p>
        Target of{' '}
        <b>
          “<SafeText text={t.anchor.caption} max={160} />”
        </b>{' '}
        at τ_s = {tauS}: {t.effectiveNeighbours.toFixed(1)} effective neighbours (entropy{' '}
        {t.entropy.toFixed(2)} nats).
      </p>
      <div className="target-row">
        <figure className="anchor">
          <Thumbnail pixels={t.anchor.pixels} size={s} scale={Math.max(1, Math.round(48 / s))} title={tip(t.anchor.caption, t.anchor.id)} />
          <figcaption>anchor</figcaption>
        </figure>
        {t.neighbours.map((n) => (
          <figure key={n.index} data-testid="target-neighbour" data-weight={n.weight}>
            <Thumbnail pixels={n.pixels} size={s} scale={Math.max(1, Math.round(48 / s))} title={tip(n.caption, `G = ${n.graph.toFixed(3)}`, n.id)} />
            <div className="weight-bar" style={{ width: `${Math.max(2, n.weight * 100)}%` }} />
            <figcaption>
              {(n.weight * 100).toFixed(1)}%{' '}
              <small>
                <SafeText text={n.caption} max={60} />
              </small>
            </figcaption>
          </figure>
        ))}
      </div>
    </div>
  );
}
