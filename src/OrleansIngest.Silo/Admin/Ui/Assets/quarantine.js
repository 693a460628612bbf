// Quarantine: without a job, the jobs that have quarantined units; with one, each quarantined unit and why, with
// Retry (one) and Retry all. A retried unit leaves the list and the job's committed count rises as it is processed.
import { api } from './api.js';
import { h, setText, syncChildren, format, jobHref } from './dom.js';

const RefreshMs = 3000;

function renderChooser(main, live) {
  document.title = 'Quarantine · OrleansIngest';
  const list = h('ul', { class: 'job-list', 'data-testid': 'quarantine-jobs' });
  const empty = h('p', { class: 'muted', 'data-testid': 'quarantine-none', hidden: true }, 'No job has quarantined units.');
  const problem = h('p', { class: 'error', role: 'alert' });
  main.append(
    h('h1', null, 'Quarantine'),
    h('p', null, 'Units a job could not process (damaged or unsupported input) wait here with the reason. Choose a job:'),
    problem, list, empty);

  const show = (jobs) => {
    const withQuarantine = jobs.filter((job) => job.quarantined > 0);
    syncChildren(list, withQuarantine, (job) => job.jobId,
      (job) => h('li', null, h('a', { href: jobHref(job.jobId, '/quarantine') }, job.jobId), ' ', h('span', { class: 'count' })),
      (item, job) => setText(item.querySelector('.count'), `${format.integer(job.quarantined)} quarantined · ${job.phase}`));
    empty.hidden = withQuarantine.length > 0;
  };
  let stopped = false;
  api.jobs().then((jobs) => { if (!stopped && !live.latest) show(jobs); }, (error) => setText(problem, error.message));
  const unsubscribe = live.subscribe((snapshot) => show(snapshot.jobs));
  return () => {
    stopped = true;
    unsubscribe();
  };
}

export function render(main, params, { live }) {
  if (params.length === 0) return renderChooser(main, live);
  const [jobId] = params;
  document.title = `Quarantine of ${jobId} · OrleansIngest`;
  const committed = h('span', { 'data-testid': 'quarantine-job-committed' }, '—');
  const quarantined = h('span', { 'data-testid': 'quarantine-job-quarantined' }, '—');
  const phase = h('span', { 'data-testid': 'quarantine-job-phase' }, '—');
  const tbody = h('tbody');
  const table = h('table', { 'data-testid': 'quarantine-table', hidden: true },
    h('thead', null, h('tr', null, ['Source', 'Table', 'Reason', 'Quarantined'].map((name) => h('th', { scope: 'col' }, name)),
      h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Action')))),
    tbody);
  const empty = h('p', { class: 'muted', 'data-testid': 'quarantine-empty', hidden: true }, 'Nothing of this job is quarantined.');
  const status = h('p', { class: 'action-status', role: 'status', 'data-testid': 'retry-status' });
  const error = h('p', { class: 'error', role: 'alert', 'data-testid': 'retry-error' });
  const retryAll = h('button', { type: 'button', disabled: true, onclick: () => retry(null) }, 'Retry all');
  // Bumped by every retry: a listing read before it may still hold the retried units, so it is dropped.
  let generation = 0;

  main.append(
    h('p', { class: 'crumbs' }, h('a', { href: '/quarantine' }, 'Quarantine'), ' › ', h('a', { href: jobHref(jobId) }, jobId)),
    h('h1', null, 'Quarantine of job ', h('span', { 'data-testid': 'job-id' }, jobId)),
    h('section', { class: 'stats', 'aria-label': 'Job counts' },
      h('div', { class: 'stat', role: 'group', 'aria-label': 'Committed' }, h('span', { class: 'stat-label' }, 'Committed'), h('span', { class: 'stat-value' }, committed)),
      h('div', { class: 'stat', role: 'group', 'aria-label': 'Quarantined' }, h('span', { class: 'stat-label' }, 'Quarantined'), h('span', { class: 'stat-value' }, quarantined)),
      h('div', { class: 'stat', role: 'group', 'aria-label': 'Phase' }, h('span', { class: 'stat-label' }, 'Phase'), h('span', { class: 'stat-value' }, phase))),
    h('section', { class: 'panel', 'aria-labelledby': 'quarantine-heading' },
      h('div', { class: 'panel-head' }, h('h2', { id: 'quarantine-heading' }, 'Quarantined units'), retryAll),
      h('p', { class: 'muted' }, 'Repair or replace the source first (the same version: same size and modification time), then retry; the job processes the unit again.'),
      status, error, table, empty));

  const showItems = (items) => {
    syncChildren(tbody, items, (item) => item.unitId,
      (item) => h('tr', { 'data-testid': 'quarantine-row', 'data-unit-id': item.unitId },
        h('td', null, h('code', null, item.sourceUri)),
        h('td', null, item.table),
        h('td', { class: 'reason', 'data-testid': 'quarantine-reason' }, item.reason),
        h('td', null, format.dateTime(item.quarantinedAt)),
        h('td', null, h('button', { type: 'button', 'aria-label': `Retry ${item.sourceUri}`, onclick: () => retry([item.unitId]) }, 'Retry'))),
      () => {});
    showCount();
  };

  const showCount = () => {
    const left = tbody.children.length;
    table.hidden = left === 0;
    empty.hidden = left > 0;
    retryAll.disabled = left === 0;
  };

  const showJob = (job) => {
    setText(committed, format.integer(job.committed));
    setText(quarantined, format.integer(job.quarantined));
    setText(phase, job.phase);
  };

  let stopped = false;
  let loading = false;
  const load = async () => {
    if (loading || stopped) return;
    loading = true;
    const readAt = generation;
    try {
      const items = await api.quarantine(jobId);
      if (!stopped && readAt === generation) showItems(items);
    } catch (failure) {
      if (!stopped) setText(error, failure.status === 404 ? `The cluster knows no job '${jobId}'.` : failure.message);
    } finally {
      loading = false;
    }
  };

  async function retry(unitIds) {
    setText(error, '');
    setText(status, '');
    const buttons = unitIds
      ? [...tbody.querySelectorAll('tr')].filter((row) => unitIds.includes(row.dataset.unitId)).map((row) => row.querySelector('button'))
      : [retryAll, ...tbody.querySelectorAll('button')];
    for (const button of buttons) button.disabled = true;
    try {
      const result = await api.retry(jobId, unitIds);
      generation++;
      for (const row of [...tbody.querySelectorAll('tr')]) {
        if (!unitIds || unitIds.includes(row.dataset.unitId)) row.remove();
      }
      showCount();
      setText(status, `Released ${format.integer(result.released)} and queued ${format.integer(result.requeued)} again; the job is processing them.`);
    } catch (failure) {
      setText(error, `Refused: ${failure.message}`);
      for (const button of buttons) button.disabled = false;
    }
  }

  api.jobs().then((jobs) => { const job = jobs.find((j) => j.jobId === jobId); if (!stopped && job && !live.latest) showJob(job); }, () => {});
  const unsubscribe = live.subscribe((snapshot) => {
    const job = snapshot.jobs.find((candidate) => candidate.jobId === jobId);
    if (job) showJob(job);
  });
  load();
  const timer = setInterval(load, RefreshMs);
  return () => {
    stopped = true;
    unsubscribe();
    clearInterval(timer);
  };
}
