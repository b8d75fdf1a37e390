import { useState } from 'react';
import { markBidi } from '../data/validation';

export { markBidi };

/**
 * Text the user brought (file names, captions, paths in messages) shown so that it cannot pass for something else:
 * bidirectional control characters are shown as visible marks (a name like "invoice\u202Egpj.exe" must not read as
 * "invoiceexe.jpg"), the text sits in <bdi> so it cannot reorder what is around it, and long text is clipped with its
 * full text on demand.
 */

/**
 * The first `max` characters (bidi-marked) and whether anything was cut. Only those characters are marked: a 100 kB
 * caption costs no more than a short one on every render.
 */
export function clip(text: string, max: number): { shown: string; cut: boolean } {
  return text.length > max ? { shown: `${markBidi(text.slice(0, max))}…`, cut: true } : { shown: markBidi(text), cut: false };
}

/** A user-given name or text, isolated and marked; clipped to `max` characters with a button for the rest. */
export function SafeText({ text, max = 200, code = false }: { text: string; max?: number; code?: boolean }) {
  const [open, setOpen] = useState(false);
  const { shown, cut } = clip(text, max);
  const body = open ? markBidi(text) : shown;
  return (
    <>
      <bdi className="safe-text" data-testid="safe-text" title={cut && !open ? markBidi(text.slice(0, 2000)) : undefined}>
        {code ? <code>{body}</code> : body}
      </bdi>
      {cut && (
        <button type="button" className="link-button" data-testid="show-full" onClick={() => setOpen(!open)}>
          {open ? 'less' : `all ${text.length.toLocaleString('en')} characters`}
        </button>
      )}
    </>
  );
}
