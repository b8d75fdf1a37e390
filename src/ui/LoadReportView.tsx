import { useState } from 'react';
import type { ColumnChoice, Detection } from '../data/formats';
import type { LoadReport } from '../data/loadReport';
import { download } from './download';

const SHOWN = 50;

/** Counts, the format found, every file not used with its reason, a JSON download and (for tables) a column picker. */
export function LoadReportView({ report, table, onPickColumns }: { report: LoadReport; table?: Detection['table']; onPickColumns: (c: ColumnChoice) => void }) {
  const [all, setAll] = useState(false);
  const shown = all ? report.entries : report.entries.slice(0, SHOWN);
  const skipped = report.entries.filter((e) => e.action === 'skipped').length;
  return (
    <div className="report" data-testid="load-report" data-images={report.images} data-skipped={skipped} data-format={report.format}>
      <p>
        <b>{report.source}</b>: {report.cancelled ? 'load cancelled; the previous dataset stays. ' : ''}
        {report.format === 'none' ? 'no image–caption pairs found' : `format ${report.format} (${report.formatDetail})`}. {report.files} files,{' '}
        {report.images} images, {report.captions} captions, {report.labels} labels; held out by {report.heldOutBy}; {skipped} files skipped;{' '}
        {(report.ms / 1000).toFixed(1)} s.
      </p>
      {table && (table.ambiguous || report.format === 'none') && <ColumnPicker table={table} onPick={onPickColumns} />}
      {report.entries.length > 0 && (
        <>
          <ul className="entries" data-testid="report-entries">
            {shown.map((e, i) => (
              <li key={i}>
                <code>{e.path}</code>: {e.reason} <small>({e.action})</small>
              </li>
            ))}
          </ul>
          {report.entries.length > SHOWN && (
            <button onClick={() => setAll(!all)}>{all ? 'Show fewer' : `Show all ${report.entries.length}`}</button>
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
      {table.columns.map((c) => (
        <option key={c} value={c}>
          {c}
        </option>
      ))}
    </select>
  );
  return (
    <div className="column-picker" data-testid="column-picker">
      <p>
        Columns of <code>{table.file}</code>
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
