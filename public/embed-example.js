// The example portal's own code (a file, not inline: pages we serve allow scripts from our origin only).
(() => {
  const el = document.getElementById('sync');
  const log = document.getElementById('log');
  const status = document.getElementById('status');
  const field = (id) => document.getElementById(id);

  const note = (text) => {
    const li = document.createElement('li');
    li.textContent = `${new Date().toLocaleTimeString()} ${text}`;
    log.append(li);
    log.scrollTop = log.scrollHeight;
  };

  document.getElementById('connect').addEventListener('submit', (event) => {
    event.preventDefault();
    // Set in one go: the element starts one session for the final token and api-base.
    const apiBase = field('api-base').value.trim();
    const storeIds = field('store-ids').value.trim();
    if (apiBase) el.setAttribute('api-base', apiBase); else el.removeAttribute('api-base');
    if (storeIds) el.setAttribute('store-ids', storeIds); else el.removeAttribute('store-ids');
    el.setAttribute('lang', field('lang').value);
    el.setAttribute('token', field('token').value.trim());
    status.textContent = 'Элемент подключён.';
  });

  const call = (name) => () => {
    note(`${name}()`);
    el[name]().then(
      () => note(`${name}() выполнен`),
      (error) => note(`${name}() не выполнен: ${error.detail ? error.detail.title : error.message}`),
    );
  };
  document.getElementById('start').addEventListener('click', call('start'));
  document.getElementById('apply').addEventListener('click', call('apply'));
  document.getElementById('undo').addEventListener('click', call('undo'));

  el.addEventListener('progress', (event) => {
    const p = event.detail;
    status.textContent = p.kind === 'pull'
      ? `Загрузка ${p.storeId}: ${p.phase}, документов ${p.documents}, решено ${p.productsDecided} из ${p.productsTotal}`
      : `${p.kind === 'undo' ? 'Отмена' : 'Запись'}: ${p.phase}, ${p.done} из ${p.total}`;
  });
  el.addEventListener('review-ready', (event) => {
    const { storeId, rows, complete } = event.detail;
    const changes = rows.filter((row) => row.status === 'change').length;
    note(`review-ready: магазин ${storeId}, товаров ${rows.length}, изменится ${changes}${complete ? '' : ' (старые месяцы ещё загружаются)'}`);
  });
  el.addEventListener('applied', (event) => {
    const report = event.detail;
    const written = report.counts.verified + report.counts.written;
    note(`applied: ${report.kind === 'undo' ? 'отмена' : 'запись'} ${report.status}, записано ${written}, ошибок ${report.counts.failed + report.counts.mismatch}`);
  });
  el.addEventListener('error', (event) => {
    note(`error: ${event.detail.title} ${event.detail.action}`);
  });
})();
