import { useEffect, useRef, useState } from 'react';
import type { DatasetPreview as Preview, DatasetSummary } from '../worker/protocol';
import { markBidi } from './safeText';

const COUNT = 24;

/** One thumbnail drawn from RGB bytes, scaled up without smoothing. */
export function Thumbnail({ pixels, size, title, scale = 2 }: { pixels: Uint8Array; size: number; title: string; scale?: number }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const ctx = ref.current?.getContext('2d');
    if (!ctx) return;
    const img = ctx.createImageData(size, size);
    for (let i = 0, j = 0; j < pixels.length; i += 4, j += 3) {
      img.data[i] = pixels[j];
      img.data[i + 1] = pixels[j + 1];
      img.data[i + 2] = pixels[j + 2];
      img.data[i + 3] = 255;
    }
    ctx.putImageData(img, 0, 0);
  }, [pixels, size]);
  return <canvas ref={ref} width={size} height={size} title={title} style={{ width: size * scale, height: size * scale }} className="thumb" />;
}

/** A seeded sample of what loaded, exactly as the model sees it (decoded, cropped and resized). */
export function DatasetPreview({
  dataset,
  fetchPreview,
  selected,
  onSelect,
}: {
  dataset?: DatasetSummary;
  fetchPreview: (n: number) => Promise<Preview | undefined>;
  selected?: number;
  onSelect?: (index: number) => void;
}) {
  const [preview, setPreview] = useState<Preview>();
  useEffect(() => {
    let live = true;
    if (dataset) void fetchPreview(COUNT).then((p) => live && setPreview(p));
    return () => {
      live = false;
    };
  }, [dataset, fetchPreview]);
  if (!preview) return null;
  const per = preview.imageSize * preview.imageSize * 3;
  const scale = Math.max(1, Math.round(40 / preview.imageSize));
  return (
    <div className="preview" data-testid="dataset-preview" aria-label="A sample of the dataset">
      {preview.ids.map((id, i) => (
        <button
          key={`${id}-${i}`}
          className={`thumb-button${selected === preview.indices[i] ? ' selected' : ''}`}
          onClick={() => onSelect?.(preview.indices[i])}
          aria-label={`show the X-Sample target of ${markBidi(preview.captions[i].slice(0, 200))}`}
        >
          <Thumbnail
            pixels={preview.pixels.subarray(i * per, (i + 1) * per)}
            size={preview.imageSize}
            scale={scale}
            title={markBidi(`${preview.captions[i].slice(0, 500)}${preview.labels[i] ? ` [${preview.labels[i]}]` : ''}\n${id}`)}
          />
        </button>
      ))}
    </div>
  );
}
