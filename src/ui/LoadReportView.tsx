import { useEffect, useMemo, useState } from 'react';
import type { ColumnChoice, Detection } from '../data/formats';
import type { LoadReport } from '../data/loadReport';
import { download } from './download';
import { markBidi, SafeText } from './safeText';

/** Entries drawn at once: the list is paged, so a report of 50,000 entries draws as fast as one of 50. */
export const PAGE = 50;

/** Counts, the format found, every file not used with its reason, a JSON download and (for tables) a column picker. */
export function LoadReportView({ report, table, onPickColumns }: { report: LoadReport; table?: Detection['table']; onPickColumns: (c: ColumnChoice) => void }) {
  const [page, setPage] = useState(0);
  useEffect(() => setPage(0), [report]);
  const pages = Math.max(1, Math.ceil(report.entries.length / PAGE));
  const at = Math.min(page, pages - 1);
  const shown = report.entries.slice(at * PAGE, (at + 1) * PAGE);
  const skipped = useMemo(() => report.entries.reduce((n, e) => n + (e.action === 'skipped' ? 1 : 0), 0), [report]);
  return (
    <div className="report" data-testid="load-report" data-images={report.images} data-skipped={skipped} data-format={report.format}>
      <p>
        <b>
          <SafeText text={report.source} max={120} />
        </b>
        : {report.cancelled ? 'load cancelled; the previous dataset stays. ' : ''}
        {report.format === 'none' ? 'no image–caption pairs found' : `format ${report.format} (${report.formatDetail})`}. {report.files} files,{' '}
        {report.images} images, {report.captions} captions, {report.labels} labels; held out by {report.heldOutBy}; {skipped} files skipped;{' '}
        {(report.ms / 1000).toFixed(1)} s.
      </p>
      {table && (table.ambiguous || report.format === 'none') && <ColumnPicker table={table} onPick={onPickColumns} />}
      {report.entries.length > 0 && (
        <>
          <ul className="entries" data-testid="report-entries">
            {shown.map((e, i) => (
              <li key={at * PAGE + i}>
                <SafeText text={e.path} max={160} code />: <SafeText text={e.reason} max={400} /> <small>({e.action})</small>
              </li>
            ))}
          </ul>
          {pages > 1 && (
            <div className="pager" data-testid="report-pager">
              <button onClick={() => setPage(0)} disabled={at === 0}>
                First
              </button>
              <button onClick={() => setPage(at - 1)} disabled={at === 0} data-testid="report-prev">
                Previous
              </button>
              <span data-testid="report-page">
                entries {at * PAGE + 1}–{Math.min(report.entries.length, (at + 1) * PAGE)} of {report.entries.length.toLocaleString('en')}
              </span>
              <button onClick={() => setPage(at + 1)} disabled={at >= pages - 1} data-testid="report-next">
                Next
              </button>
              <button onClick={() => setPage(pages - 1)} disabled={at >= pages - 1} data-testid="report-last">
                Last
              </button>
            </div>
          )}
        </>
      )}
      <button data-testid="download-report" onClick={() => download('load-report.json', JSON.stringify(report, null, 2), 'application/json')}>
        Download report (JSON)
      </button>
    </div>
  );
}

function ColumnPicker({ table, onPick }: { table: NonNullable<Detection['table']>; onPick: (c: ColumnChoice) => void }) {
  const [path, setPath] = useState(table.path || table.columns[0] || '');
  const [caption, setCaption] = useState(table.caption || table.columns[1] || '');
  const [label, setLabel] = useState(table.label ?? '');
  const select = (value: string, set: (v: string) => void, testId: string, optional = false) => (
    <select value={value} onChange={(e) => set(e.target.value)} data-testid={testId}>
      {optional && <option value="">(none)</option>}
      {table.columns.slice(0, 500).map((c) => (
        <option key={c} value={c}>
          {markBidi(c).slice(0, 80)}
        </option>
      ))}
    </select>
  );
  return (
    <div className="column-picker" data-testid="column-picker">
      <p>
        Columns of <SafeText text={table.file} max={120} code />
        {table.ambiguous ? ' (more than one could fit: check them)' : ''}:
      </p>
      <label>image path {select(path, setPath, 'pick-path')}</label>
      <label>caption {select(caption, setCaption, 'pick-caption')}</label>
      <label>label {select(label, setLabel, 'pick-label', true)}</label>
      <button onClick={() => onPick({ file: table.file, path, caption, label: label || undefined })} data-testid="apply-columns">
        Load with these columns
      </button>
    </div>
  );
}
