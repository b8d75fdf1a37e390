/** Saves bytes or text as a file the browser downloads (from the page: the worker cannot start downloads). */
export function download(name: string, content: Uint8Array | string, type: string): void {
  downloadBlob(name, new Blob([content as BlobPart], { type }));
}

/** Saves a Blob (a report's PNG, say) as a download. */
export function downloadBlob(name: string, blob: Blob): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 5000);
}
