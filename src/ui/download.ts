/** Saves a file the backend produced (CSV) through a temporary object URL: no network, no storage. */
import type { CsvFile } from './backend.ts';

export function saveFile(file: CsvFile, doc: Document = document): void {
  const url = URL.createObjectURL(file.blob);
  const a = doc.createElement('a');
  a.href = url;
  a.download = file.filename;
  a.rel = 'noopener';
  a.style.display = 'none';
  doc.body.appendChild(a);
  a.click();
  a.remove();
  // Give the browser time to start the download before the URL is revoked.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
