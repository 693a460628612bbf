// Silos: every silo with its address, status, capacity, execution provider and load, live.
import { api } from './api.js';
import { h, setText, syncChildren, format, badge, updateBadge } from './dom.js';

const Columns = [
  'Name', 'Address', 'Status', 'Cores', 'GPUs', 'GPU memory', 'Weight', 'Lanes', 'VAD batch', 'Execution provider',
  'Units in flight', 'Units/s', 'Bytes/s', 'Last report',
];

const MiBPerGiB = 1024;

function siloRow(silo) {
  return h('tr', { 'data-testid': 'silo-row', 'data-silo': silo.name },
    h('td', { 'data-testid': 'silo-name' }),
    h('td', null, h('code', { 'data-testid': 'silo-address' })),
    h('td', null, badge(silo.status, 'silo-status')),
    h('td', { class: 'number', 'data-testid': 'silo-cores' }),
    h('td', { class: 'number', 'data-testid': 'silo-gpus' }),
    h('td', { class: 'number', 'data-testid': 'silo-gpu-memory' }),
    h('td', { class: 'number', 'data-testid': 'silo-weight' }),
    h('td', { class: 'number', 'data-testid': 'silo-lanes' }),
    h('td', { class: 'number', 'data-testid': 'silo-vad-batch' }),
    h('td', { 'data-testid': 'silo-provider' }),
    h('td', { class: 'number', 'data-testid': 'silo-in-flight' }),
    h('td', { class: 'number', 'data-testid': 'silo-units-per-second' }),
    h('td', { class: 'number', 'data-testid': 'silo-bytes-per-second' }),
    h('td', { 'data-testid': 'silo-last-seen' }));
}

function updateSiloRow(row, silo) {
  const cell = (testId) => row.querySelector(`[data-testid="${testId}"]`);
  setText(cell('silo-name'), silo.name);
  setText(cell('silo-address'), silo.address);
  updateBadge(cell('silo-status'), silo.status);
  setText(cell('silo-cores'), format.integer(silo.cores));
  setText(cell('silo-gpus'), format.integer(silo.gpuCount));
  // The GPU's model name (when nvidia-smi found it) as a tooltip: the column stays narrow.
  if (silo.gpuName) cell('silo-gpus').title = silo.gpuName;
  else cell('silo-gpus').removeAttribute('title');
  setText(cell('silo-gpu-memory'), silo.gpuCount > 0 ? `${format.number((silo.gpuMemoryMiB ?? 0) / MiBPerGiB)} GiB` : '—');
  setText(cell('silo-weight'), format.number(silo.weight));
  setText(cell('silo-lanes'), format.integer(silo.lanes));
  setText(cell('silo-vad-batch'), silo.vadMaxBatch > 0 ? format.integer(silo.vadMaxBatch) : '—');
  // Providers are acronyms (CPU, CUDA), whatever case a silo reports them in.
  setText(cell('silo-provider'), String(silo.executionProvider));
  setText(cell('silo-in-flight'), format.integer(silo.unitsInFlight));
  setText(cell('silo-units-per-second'), format.number(silo.unitsPerSecond));
  setText(cell('silo-bytes-per-second'), `${format.bytes(silo.bytesPerSecond)}/s`);
  setText(cell('silo-last-seen'), format.time(silo.lastSeen));
}

export function render(main, _params, { live }) {
  document.title = 'Silos · OrleansIngest';
  const tbody = h('tbody');
  const empty = h('p', { class: 'muted', hidden: true }, 'No silo has reported yet.');
  const problem = h('p', { class: 'error', role: 'alert' });
  main.append(
    h('h1', null, 'Silos'),
    problem,
    h('section', { class: 'panel', 'aria-label': 'Silos of the cluster' },
      h('table', { 'data-testid': 'silos-table' },
        h('thead', null, h('tr', null, Columns.map((name) => h('th', { scope: 'col' }, name)))),
        tbody),
      empty));

  const show = (silos) => {
    syncChildren(tbody, silos, (silo) => silo.name, siloRow, updateSiloRow);
    empty.hidden = silos.length > 0;
  };
  let stopped = false;
  api.silos().then((silos) => { if (!stopped && !live.latest) show(silos); }, (error) => setText(problem, error.message));
  const unsubscribe = live.subscribe((snapshot) => show(snapshot.silos));
  return () => {
    stopped = true;
    unsubscribe();
  };
}
