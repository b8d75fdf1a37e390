import { useCallback, useEffect, useRef, useState } from 'react';
import type { ObjectiveName } from '../core/config';
import { rgbaToRgb } from '../core/pixels';
import type { TryQuery, TryResult } from '../worker/protocol';
import { Thumbnail } from './DatasetPreview';
import { objectiveSpec } from '../core/registry';

const K = 8;

/** An image file as RGB bytes at size×size: the centre square, resized (as the model sees a picture). */
export async function imageToPixels(file: Blob, size: number): Promise<Uint8Array> {
  const bitmap = await createImageBitmap(file);
  const side = Math.min(bitmap.width, bitmap.height);
  const canvas = new OffscreenCanvas(size, size);
  const ctx = canvas.getContext('2d')!;
  ctx.drawImage(bitmap, (bitmap.width - side) / 2, (bitmap.height - side) / 2, side, side, 0, 0, size, size);
  bitmap.close();
  return rgbaToRgb(ctx.getImageData(0, 0, size, size).data);
}

const BY: Record<TryResult['answers'][number]['by'], string> = {
  image: 'by its image tower',
  text: 'by its text tower',
  captions: 'stand-in: captions closest in words',
};

/**
 * "Try it": ask the trained runs a question side by side. An image (dropped, pasted, chosen, or any image of the
 * dataset clicked) gets its nearest held-out images for every run; a text gets the top images of runs with a text
 * tower, and a labelled stand-in for the others.
 */
export function TryItPanel({
  objectives,
  imageSize,
  pick,
  ask,
}: {
  objectives: ObjectiveName[];
  imageSize: number;
  /** An image of the dataset the user clicked elsewhere on the page (nonce: a new click of the same one). */
  pick?: { index: number; nonce: number };
  ask: (query: TryQuery, k: number) => Promise<TryResult | undefined>;
}) {
  const [result, setResult] = useState<TryResult>();
  const [question, setQuestion] = useState<{ text?: string; pixels?: Uint8Array; caption?: string }>();
  const [busy, setBusy] = useState(false);
  const [text, setText] = useState('');
  const [problem, setProblem] = useState<string>();
  const latest = useRef(0);

  const run = useCallback(
    async (query: TryQuery, shown: { text?: string; pixels?: Uint8Array; caption?: string }) => {
      const id = ++latest.current;
      setBusy(true);
      setProblem(undefined);
      setQuestion(shown);
      try {
        const r = await ask(query, K);
        if (id !== latest.current) return;
        setResult(r);
        if (!r) setProblem('Train a run first: the questions go to the trained models.');
        else if (r.query && !shown.pixels) setQuestion({ pixels: r.query.pixels, caption: r.query.captions[0] });
      } finally {
        if (id === latest.current) setBusy(false);
      }
    },
    [ask],
  );

  const askImage = useCallback(
    async (file: Blob) => {
      try {
        const pixels = await imageToPixels(file, imageSize);
        await run({ kind: 'image', pixels: pixels.slice() }, { pixels });
      } catch (err) {
        setProblem(`That file could not be read as an image (${err instanceof Error ? err.message : String(err)}).`);
      }
    },
    [imageSize, run],
  );

  // Only clicks after the panel appeared (a click of another run's time is not asked again).
  const seen = useRef(pick?.nonce);
  useEffect(() => {
    if (!pick || pick.nonce === seen.current) return;
    seen.current = pick.nonce;
    void run({ kind: 'sample', index: pick.index }, {});
  }, [pick, run]);

  // An image pasted anywhere on the page (outside a text field) is a question.
  useEffect(() => {
    const paste = (e: ClipboardEvent) => {
      const file = [...(e.clipboardData?.files ?? [])].find((f) => f.type.startsWith('image/'));
      if (!file) return;
      e.preventDefault();
      void askImage(file);
    };
    window.addEventListener('paste', paste);
    return () => window.removeEventListener('paste', paste);
  }, [askImage]);

  if (objectives.length === 0) return null;
  const per = (result?.imageSize ?? imageSize) ** 2 * 3;
  return (
    <section
      className="panel try-it"
      aria-label="Try it"
      data-testid="try-it"
      onDragOver={(e) => e.preventDefault()}
      onDrop={(e) => {
        // An image dropped here is a question, not a dataset to load.
        e.preventDefault();
        e.stopPropagation();
        const file = [...e.dataTransfer.files].find((f) => f.type.startsWith('image/'));
        if (file) void askImage(file);
      }}
    >
      <h2>Try it: ask the trained runs</h2>
      <p className="hint">
        Drop or paste an image here, choose one, or click any image of the dataset (the preview, a dot of the projections, an
        answer below): every run shows its {K} nearest held-out images. Or type a text.
      </p>
      <div className="try-controls">
        <label className="button">
          Choose an image…
          <input type="file" accept="image/*" className="visually-hidden" data-testid="try-file" onChange={(e) => {
            const f = e.target.files?.[0];
            if (f) void askImage(f);
            e.target.value = '';
          }} />
        </label>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            if (text.trim()) void run({ kind: 'text', text: text.trim() }, { text: text.trim() });
          }}
        >
          <input type="search" value={text} onChange={(e) => setText(e.target.value)} placeholder="a text, e.g. red heart" aria-label="ask with a text" data-testid="try-text" />
          <button type="submit" disabled={!text.trim()} data-testid="try-ask">
            Ask
          </button>
        </form>
        {busy && <small data-testid="try-busy">asking…</small>}
      </div>
      {problem && <p className="hint" data-testid="try-problem">{problem}</p>}
      {question && (
        <div className="try-question" data-testid="try-question">
          {question.pixels && <Thumbnail pixels={question.pixels} size={imageSize} scale={Math.max(1, Math.round(56 / imageSize))} title="your image" />}
          <span>{question.text ? `“${question.text}”` : question.caption ?? 'your image'}</span>
        </div>
      )}
      {result && (
        <div className="try-answers">
          {result.answers.map((a) => (
            <div key={a.objective} className="try-run" data-testid={`try-run-${a.objective}`} data-count={a.neighbours.length} data-by={a.by}>
              <div className="try-run-head" style={{ borderColor: objectiveSpec(a.objective).colour }}>
                <b>{objectiveSpec(a.objective).label}</b> <small>step {a.step} · {BY[a.by]}</small>
              </div>
              {a.note && <p className="hint try-note">{a.note}</p>}
              {a.neighbours.length === 0 && <p className="hint">No held-out caption shares a word with this text.</p>}
              <div className="try-row">
                {a.neighbours.map((n, rank) => (
                  <button
                    key={rank}
                    className="thumb-button"
                    title={`${result.samples.captions[n.sample]}${result.samples.labels[n.sample] ? ` [${result.samples.labels[n.sample]}]` : ''} · similarity ${n.score.toFixed(3)} · click to ask with this image`}
                    onClick={() => void run({ kind: 'sample', index: result.samples.indices[n.sample] }, {})}
                    data-testid="try-neighbour"
                  >
                    <Thumbnail pixels={result.samples.pixels.subarray(n.sample * per, (n.sample + 1) * per)} size={result.imageSize} scale={Math.max(1, Math.round(44 / result.imageSize))} title={result.samples.ids[n.sample]} />
                  </button>
                ))}
              </div>
            </div>
          ))}
        </div>
      )}
    </section>
  );
}
