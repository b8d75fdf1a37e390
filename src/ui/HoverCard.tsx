import type { SampleSet } from '../worker/protocol';
import { Thumbnail } from './DatasetPreview';

export interface HoverItem {
  set: SampleSet;
  index: number; // row in the set
  note?: string;
}

/** A floating card by the pointer with the thumbnails and captions of one or two samples. */
export function HoverCard({ items, imageSize, x, y, title }: { items: HoverItem[]; imageSize: number; x: number; y: number; title?: string }) {
  const per = imageSize * imageSize * 3;
  return (
    <div className="hover-card" style={{ left: Math.min(x + 16, window.innerWidth - 300), top: Math.min(y + 16, window.innerHeight - 160) }} data-testid="hover-card" role="tooltip">
      {title && <div className="hover-title">{title}</div>}
      <div className="hover-items">
        {items.map(({ set, index, note }, k) => (
          <figure key={k}>
            <Thumbnail pixels={set.pixels.subarray(index * per, (index + 1) * per)} size={imageSize} scale={Math.max(1, Math.round(64 / imageSize))} title={set.ids[index]} />
            <figcaption>
              <b data-testid="hover-caption">{set.captions[index]}</b>
              {set.labels[index] && <small> [{set.labels[index]}]</small>}
              {note && <small> {note}</small>}
            </figcaption>
          </figure>
        ))}
      </div>
    </div>
  );
}
