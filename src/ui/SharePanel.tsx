import { useState } from 'react';
import type { ObjectiveName, Settings } from '../core/config';
import { chartImages, composeReport, reportKey, reportText } from './shareReport';
import type { TrainingView } from './trainingView';
import { downloadBlob } from './download';


/**
 * "Share what you see": one click saves a PNG of every chart on the page under a header (runs, dataset, step,
 * settings, link); another copies the link that reproduces the settings (where the clipboard is refused, the link is
 * shown selected, to copy by hand).
 */
export function SharePanel({ view, config, objectives, link }: { view: TrainingView; config: Settings; objectives: ObjectiveName[]; link: string }) {
  const [busy, setBusy] = useState(false);
  const [said, setSaid] = useState<{ text: string; size?: string }>();
  const [manual, setManual] = useState(false);
  const savePicture = async () => {
    setBusy(true);
    try {
      const { title, lines } = reportText(view, config, objectives, link, new Date());
      const { blob, width, height } = await composeReport(title, lines, await chartImages(), reportKey(view.objectives));
      downloadBlob(`xsample-playground-report-step${view.step}.png`, blob);
      setSaid({ text: `saved a ${width}×${height} PNG (${Math.round(blob.size / 1024)} kB)`, size: `${width}x${height}` });
    } catch (err) {
      setSaid({ text: `the picture could not be made: ${err instanceof Error ? err.message : String(err)}` });
    } finally {
      setBusy(false);
    }
  };
  const copyLink = async () => {
    try {
      await navigator.clipboard.writeText(link);
      setManual(false);
      setSaid({ text: 'link copied: it opens these settings and objectives' });
    } catch {
      setManual(true);
      setSaid({ text: 'the browser did not allow copying: the link is selected below, copy it with Ctrl+C' });
    }
  };
  return (
    <div className="share" role="group" aria-label="Share what you see" data-testid="share">
      <button onClick={() => void savePicture()} disabled={busy || !view.dataset} data-testid="share-png" title="every chart on this page in one PNG, with the runs, dataset, step and settings">
        {busy ? 'Making the picture…' : 'Save picture (PNG)'}
      </button>
      <button onClick={() => void copyLink()} data-testid="copy-link" data-link={link} title="a link that opens these settings and objectives">
        Copy link
      </button>
      {said && (
        <small data-testid="share-said" data-size={said.size ?? ''}>
          {said.text}
        </small>
      )}
      {manual && <input readOnly value={link} aria-label="the link" data-testid="share-link" ref={(el) => el?.select()} />}
    </div>
  );
}
