// Overview: cluster health, throughput over time, and every job with its progress, all live.
import { api } from './api.js';
import { h, setText, syncChildren, format, progressOf, progressBar, updateProgress, badge, updateBadge, jobHref } from './dom.js';
import { lineChart } from './chart.js';

const ThroughputMinutes = 15;
const ThroughputRefreshMs = 5000;

function stat(label, testId) {
  const value = h('span', { class: 'stat-value', 'data-testid': testId }, '—');
  return { element: h('div', { class: 'stat', role: 'group', 'aria-label': label }, h('span', { class: 'stat-label' }, label), value), value };
}

function jobRow(job) {
  const bar = progressBar(`Progress of job ${job.jobId}`);
  const row = h('tr', { 'data-testid': 'job-row', 'data-job-id': job.jobId },
    h('td', null, h('a', { href: jobHref(job.jobId), 'data-testid': 'job-link' }, job.jobId)),
    h('td', null, job.kind),
    h('td', null, badge(job.phase, 'job-phase')),
    h('td', { class: 'progress-cell' }, h('div', { class: 'progress-with-text' }, bar, h('span', { class: 'progress-text', 'data-testid': 'job-percent' }))),
    h('td', { class: 'number', 'data-testid': 'job-committed' }),
    h('td', { class: 'number' }, h('a', { href: jobHref(job.jobId, '/quarantine'), 'data-testid': 'job-quarantined' })),
    h('td', { class: 'number', 'data-testid': 'job-units' }),
    h('td', null, format.dateTime(job.startedAt)));
  return row;
}

function updateJobRow(row, job) {
  const fraction = progressOf(job);
  updateBadge(row.querySelector('[data-testid="job-phase"]'), job.phase);
  updateProgress(row.querySelector('[role="progressbar"]'), fraction);
  setText(row.querySelector('[data-testid="job-percent"]'), format.percent(fraction));
  setText(row.querySelector('[data-testid="job-committed"]'), format.integer(job.committed));
  setText(row.querySelector('[data-testid="job-quarantined"]'), format.integer(job.quarantined));
  setText(row.querySelector('[data-testid="job-units"]'), format.integer(job.units));
}

export function render(main, _params, { live }) {
  document.title = 'Overview · OrleansIngest';
  const silosUp = stat('Silos up', 'silos-up');
  const jobsActive = stat('Jobs active', 'jobs-active');
  const units = stat('Units per second', 'units-per-second');
  const bytes = stat('Source bytes per second', 'bytes-per-second');
  const audio = stat('Audio seconds per second', 'audio-per-second');
  const chart = h('div', { class: 'chart-box' }, h('p', { class: 'muted' }, 'Loading throughput…'));
  const tbody = h('tbody');
  const empty = h('p', { class: 'muted', 'data-testid': 'jobs-empty', hidden: true }, 'No jobs yet. Start one with orleans-ingest submit or POST /api/jobs.');
  const problem = h('p', { class: 'error', role: 'alert' });

  main.append(
    h('h1', null, 'Cluster overview'),
    problem,
    h('section', { class: 'stats', 'aria-label': 'Cluster health' }, silosUp.element, jobsActive.element, units.element, bytes.element, audio.element),
    h('section', { class: 'panel', 'aria-labelledby': 'throughput-heading' },
      h('h2', { id: 'throughput-heading' }, `Throughput, last ${ThroughputMinutes} minutes`),
      chart),
    h('section', { class: 'panel', 'aria-labelledby': 'jobs-heading' },
      h('h2', { id: 'jobs-heading' }, 'Jobs'),
      h('table', { 'data-testid': 'jobs-table' },
        h('thead', null, h('tr', null,
          ['Job', 'Kind', 'Phase', 'Progress', 'Committed', 'Quarantined', 'Units', 'Started'].map((name) => h('th', { scope: 'col' }, name)))),
        tbody),
      empty));

  const show = ({ overview, jobs }) => {
    setText(silosUp.value, `${overview.silosUp} / ${overview.silosTotal}`);
    setText(jobsActive.value, format.integer(overview.jobsActive));
    setText(units.value, format.rate(overview.unitsPerSecond, 'units'));
    setText(bytes.value, `${format.bytes(overview.bytesPerSecond)}/s`);
    setText(audio.value, format.rate(overview.audioSecondsPerSecond, 'audio s'));
    syncChildren(tbody, jobs, (job) => job.jobId, jobRow, updateJobRow);
    empty.hidden = jobs.length > 0;
  };

  let stopped = false;
  // The first numbers come from the API at once; the live stream takes over from its first snapshot.
  Promise.all([api.overview(), api.jobs(), api.silos()]).then(
    ([overviewNow, jobs, silos]) => { if (!stopped && !live.latest) show({ overview: overviewNow, jobs, silos }); },
    (error) => setText(problem, error.message));
  const unsubscribe = live.subscribe(show);

  const drawThroughput = () => api.throughput(ThroughputMinutes).then(
    (points) => {
      if (stopped) return;
      chart.replaceChildren(
        lineChart(points.map((point) => ({ at: point.at, value: point.unitsPerSecond })), {
          label: 'Units processed per second', unit: 'units/s', windowMs: ThroughputMinutes * 60000,
        }),
        h('p', { class: 'caption' }, 'Units settled per second across the cluster, in 5-second buckets.'));
    },
    (error) => setText(problem, error.message));
  drawThroughput();
  const timer = setInterval(drawThroughput, ThroughputRefreshMs);

  return () => {
    stopped = true;
    unsubscribe();
    clearInterval(timer);
  };
}
