/**
 * Printing the review: the grid is virtualised (only the rows in view exist), so just before the browser prints, the
 * whole review — every row the filters show — is written into a plain table that only the print stylesheet shows,
 * and removed after. Plain DOM with textContent (product names are untrusted text), built synchronously because
 * `beforeprint` is the last moment before layout.
 */
export interface PrintColumn<R> {
  header: string;
  cell: (row: R) => string;
  numeric?: boolean;
}

/** Fills `container` with one table of `rows`; returns the table. */
export function fillPrintTable<R>(container: HTMLElement, caption: string, columns: readonly PrintColumn<R>[], rows: readonly R[]): HTMLTableElement {
  const doc = container.ownerDocument;
  const table = doc.createElement('table');
  table.className = 'print-table';
  const cap = table.createCaption();
  cap.textContent = caption;
  const headRow = table.createTHead().insertRow();
  for (const c of columns) {
    const th = doc.createElement('th');
    th.scope = 'col';
    th.textContent = c.header;
    headRow.appendChild(th);
  }
  const body = table.createTBody();
  for (const row of rows) {
    const tr = body.insertRow();
    for (const c of columns) {
      const td = tr.insertCell();
      td.textContent = c.cell(row);
      if (c.numeric) td.className = 'num';
    }
  }
  container.replaceChildren(table);
  return table;
}

/**
 * While mounted: fill the container before printing, empty it after. Returns the stop. The listeners go with an
 * AbortSignal, so stopping touches nothing of the window (it may be gone by then: a closed frame, a torn-down test).
 */
export function printOnDemand(win: Window, container: HTMLElement, fill: (container: HTMLElement) => void): () => void {
  const controller = new AbortController();
  const after = () => container.replaceChildren();
  win.addEventListener('beforeprint', () => fill(container), { signal: controller.signal });
  win.addEventListener('afterprint', after, { signal: controller.signal });
  return () => {
    controller.abort();
    after();
  };
}
