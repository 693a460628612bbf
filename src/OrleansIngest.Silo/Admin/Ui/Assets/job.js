// Job detail: progress with rate and ETA, the operator's actions, counts, per-silo share, latency, events, tables and
// recent commits; refreshed with every live snapshot.
import { api } from './api.js';
import { h, setText, syncChildren, format, progressOf, progressBar, updateProgress, badge, updateBadge, jobHref, facts } from './dom.js';
import { barChart } from './chart.js';

const TablesRefreshMs = 5000;
const Finished = new Set(['completed', 'cancelled', 'failed']);

function value(testId) {
  return h('span', { 'data-testid': testId }, '—');
}

function commitRow(commit) {
  return h('tr', null, ['table', 'sequence', 'file', 'units', 'rows', 'bytes', 'writer', 'at'].map((field) => h('td', { 'data-field': field })));
}

function updateCommitRow(row, commit) {
  const cells = row.children;
  setText(cells[0], commit.table);
  setText(cells[1], format.integer(commit.sequence));
  setText(cells[2], commit.fileName);
  setText(cells[3], format.integer(commit.units));
  setText(cells[4], format.integer(commit.rows));
  setText(cells[5], format.bytes(commit.bytes));
  setText(cells[6], commit.writer);
  setText(cells[7], format.time(commit.committedAt));
}

function tableRow() {
  return h('tr', null, Array.from({ length: 7 }, () => h('td')));
}

function updateTableRow(row, table) {
  const cells = row.children;
  setText(cells[0], table.name);
  setText(cells[1], format.integer(table.files));
  setText(cells[2], format.integer(table.rows));
  setText(cells[3], format.bytes(table.bytes));
  setText(cells[4], format.integer(table.committedUnits));
  setText(cells[5], format.integer(table.quarantinedUnits));
  setText(cells[6], format.dateTime(table.lastCommitAt));
}

export function render(main, [jobId], { live }) {
  document.title = `Job ${jobId} · OrleansIngest`;
  const phase = badge('…', 'job-phase');
  const kind = h('span', { 'data-testid': 'job-kind' });
  const source = h('code', { 'data-testid': 'job-source' });
  const output = h('code', { 'data-testid': 'job-output' });
  const bar = progressBar(`Progress of job ${jobId}`);
  const percent = h('span', { class: 'big', 'data-testid': 'job-progress-percent' }, '—');
  const bytes = value('job-bytes');
  const rate = value('job-rate');
  const eta = value('job-eta');
  const counts = {
    units: value('job-units'), pending: value('job-pending'), leased: value('job-leased'), committed: value('job-committed'),
    quarantined: h('a', { href: jobHref(jobId, '/quarantine'), 'data-testid': 'job-quarantined' }, '—'),
    audioSegments: value('job-audio-segments'), audioSeconds: value('job-audio-seconds'), sensorWindows: value('job-sensor-windows'),
  };
  const latency = { samples: value('latency-samples'), p50: value('latency-p50'), p95: value('latency-p95') };
  const shares = h('div', { class: 'shares' });
  const events = h('div', { 'data-testid': 'job-events' });
  const failure = h('p', { class: 'error', role: 'alert', 'data-testid': 'job-error', hidden: true });
  const commits = h('tbody');
  const tables = h('tbody');
  const actionStatus = h('p', { class: 'action-status', role: 'status', 'data-testid': 'action-status' });
  const actionError = h('p', { class: 'error', role: 'alert', 'data-testid': 'action-error' });
  const problem = h('p', { class: 'error', role: 'alert' });

  const pause = h('button', { type: 'button', onclick: () => act('pause', 'Paused: no new units are handed out; units in flight finish.') }, 'Pause');
  const resume = h('button', { type: 'button', onclick: () => act('resume', 'Resumed.') }, 'Resume');
  const cancel = h('button', { type: 'button', class: 'danger', onclick: () => { confirmBox.hidden = false; cancel.hidden = true; } }, 'Cancel job');
  const confirmCancel = h('button', { type: 'button', class: 'danger', onclick: () => act('cancel', 'Cancelled: pending units are dropped; what is committed stays.') }, 'Yes, cancel the job');
  const keep = h('button', { type: 'button', onclick: () => { confirmBox.hidden = true; cancel.hidden = false; } }, 'Keep it');
  const confirmBox = h('span', { class: 'confirm', hidden: true, role: 'group', 'aria-label': 'Confirm cancelling' }, 'Cancel this job? ', confirmCancel, keep);

  const content = h('div', { hidden: true },
    h('p', { class: 'subtitle' }, phase, ' ', kind, ' job · ', source, ' → ', output),
    failure,
    h('section', { class: 'panel', 'aria-labelledby': 'progress-heading' },
      h('h2', { id: 'progress-heading' }, 'Progress'),
      h('div', { class: 'progress-large' }, bar, percent),
      facts([['Source bytes settled', bytes], ['Rate', rate], ['Estimated time left', eta]], 'facts inline'),
      h('div', { class: 'actions', role: 'group', 'aria-label': 'Operator actions' }, pause, resume, cancel, confirmBox),
      actionStatus,
      actionError),
    h('div', { class: 'columns' },
      h('section', { class: 'panel', 'aria-labelledby': 'units-heading' },
        h('h2', { id: 'units-heading' }, 'Units'),
        facts([['Discovered', counts.units], ['Pending', counts.pending], ['Being processed', counts.leased], ['Committed', counts.committed],
          ['Quarantined', counts.quarantined], ['Audio segments', counts.audioSegments], ['Audio processed', counts.audioSeconds],
          ['Sensor windows', counts.sensorWindows]])),
      h('section', { class: 'panel', 'aria-labelledby': 'shares-heading' },
        h('h2', { id: 'shares-heading' }, 'Share per silo'),
        shares),
      h('section', { class: 'panel', 'aria-labelledby': 'latency-heading' },
        h('h2', { id: 'latency-heading' }, 'Commit latency'),
        facts([['p50', latency.p50], ['p95', latency.p95], ['Samples', latency.samples]]),
        events)),
    h('section', { class: 'panel', 'aria-labelledby': 'tables-heading' },
      h('h2', { id: 'tables-heading' }, 'Tables'),
      h('table', { 'data-testid': 'tables-table' },
        h('thead', null, h('tr', null, ['Table', 'Files', 'Rows', 'Bytes', 'Committed units', 'Quarantined units', 'Last commit'].map((name) => h('th', { scope: 'col' }, name)))),
        tables)),
    h('section', { class: 'panel', 'aria-labelledby': 'commits-heading' },
      h('h2', { id: 'commits-heading' }, 'Recent commits'),
      h('table', { 'data-testid': 'commits-table' },
        h('thead', null, h('tr', null, ['Table', 'Log entry', 'File', 'Units', 'Rows', 'Bytes', 'Writer', 'Committed'].map((name) => h('th', { scope: 'col' }, name)))),
        commits)));

  main.append(h('p', { class: 'crumbs' }, h('a', { href: '/' }, 'Overview'), ' › job'), h('h1', null, 'Job ', h('span', { 'data-testid': 'job-id' }, jobId)), problem, content);

  let settled = null;
  const show = (detail) => {
    const summary = detail.summary;
    // The tables change only when units settle: read them again then, not only on the timer.
    const nowSettled = `${summary.committed}/${summary.quarantined}/${summary.phase}`;
    if (settled !== null && settled !== nowSettled) loadTables();
    settled = nowSettled;
    const fraction = progressOf(summary);
    content.hidden = false;
    updateBadge(phase, summary.phase);
    setText(kind, summary.kind);
    setText(source, summary.source);
    setText(output, summary.output);
    updateProgress(bar, fraction);
    setText(percent, format.percent(fraction));
    setText(bytes, `${format.bytes(summary.bytesDone)} of ${format.bytes(summary.bytesTotal)}`);
    setText(rate, format.rate(detail.unitsPerSecond, 'units'));
    setText(eta, Finished.has(summary.phase) ? 'finished' : format.duration(detail.etaSeconds));
    for (const key of ['units', 'pending', 'leased', 'committed', 'quarantined']) setText(counts[key], format.integer(summary[key]));
    setText(counts.audioSegments, format.integer(detail.audioSegments));
    setText(counts.audioSeconds, format.seconds(detail.audioSeconds));
    setText(counts.sensorWindows, format.integer(detail.sensorWindows));
    setText(latency.samples, format.integer(detail.commitLatency.samples));
    setText(latency.p50, format.seconds(detail.commitLatency.p50Seconds));
    setText(latency.p95, format.seconds(detail.commitLatency.p95Seconds));
    failure.hidden = !detail.error;
    setText(failure, detail.error ? `Failed: ${detail.error}` : '');
    pause.disabled = !['running', 'discovering', 'watching', 'created'].includes(summary.phase);
    resume.disabled = summary.phase !== 'paused';
    cancel.disabled = Finished.has(summary.phase);

    const siloItems = detail.siloShares.map((share) => ({ label: share.silo, value: share.units, text: `${format.integer(share.units)} units · ${format.integer(share.rows)} rows` }));
    shares.replaceChildren(siloItems.length > 0
      ? barChart(siloItems, { label: 'Units committed per silo', testId: 'silo-shares' })
      : h('p', { class: 'muted' }, 'Nothing committed yet.'));

    const subscription = detail.subscription;
    events.replaceChildren(subscription
      ? h('div', null, h('h3', null, 'Events and listings'), facts([
        ['Events', format.integer(subscription.events)], ['Enqueued', format.integer(subscription.enqueued)],
        ['Duplicates', format.integer(subscription.duplicates)], ['Stale', format.integer(subscription.stale)],
        ['Deletions', format.integer(subscription.deletions)], ['Unrouted', format.integer(subscription.unrouted)],
        ['Superseded', format.integer(subscription.superseded)], ['Listings', format.integer(subscription.listings)],
        ['Found by listing', format.integer(subscription.foundByListing)], ['Last listing', format.dateTime(subscription.lastListingAt)],
        ['Versions', subscription.versions], ['Subscribed', subscription.unsubscribed ? 'no' : 'yes']]))
      : h('p', { class: 'muted' }, 'Latency is measured for continuous jobs (arrival → commit).'));

    syncChildren(commits, detail.recentCommits, (commit) => `${commit.table}/${commit.sequence}`, commitRow, updateCommitRow);
  };

  let stopped = false;
  let loading = false;
  const load = async () => {
    if (loading || stopped) return;
    loading = true;
    try {
      const detail = await api.job(jobId);
      if (!stopped) {
        setText(problem, '');
        show(detail);
      }
    } catch (error) {
      if (!stopped) setText(problem, error.status === 404 ? `The cluster knows no job '${jobId}'.` : error.message);
    } finally {
      loading = false;
    }
  };
  const loadTables = () => api.tables(jobId).then(
    (list) => { if (!stopped) syncChildren(tables, list, (table) => table.name, tableRow, updateTableRow); },
    () => { /* The job's own load shows what went wrong. */ });

  async function act(action, done) {
    setText(actionError, '');
    setText(actionStatus, '');
    try {
      await api.act(jobId, action);
      setText(actionStatus, done);
      confirmBox.hidden = true;
      cancel.hidden = false;
      await load();
    } catch (error) {
      setText(actionError, `Refused: ${error.message}`);
    }
  }

  load();
  loadTables();
  const unsubscribe = live.subscribe(() => load());
  const timer = setInterval(loadTables, TablesRefreshMs);
  return () => {
    stopped = true;
    unsubscribe();
    clearInterval(timer);
  };
}
