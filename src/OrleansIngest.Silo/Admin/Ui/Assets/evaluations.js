// Evaluations: model comparisons recorded by `orleans-ingest evaluate` under the jobs' outputs, with their headline
// figures and a link to each self-contained HTML report.
import { api } from './api.js';
import { h, setText, format } from './dom.js';

const Columns = ['Made', 'Candidate', 'Baseline', 'Table', 'Rows', 'Frame agreement', 'Segment F1', 'Probability MAE', 'KPIs (delta)', 'Report'];

const figure = (value) => (value === null || value === undefined ? '—' : format.number(value));

function evaluationRow(evaluation) {
  const kpis = evaluation.kpis.map((kpi) => `${kpi.name} ${kpi.delta === null ? '—' : (kpi.delta >= 0 ? '+' : '') + format.number(kpi.delta)}`).join(', ');
  return h('tr', { 'data-testid': 'evaluation-row', 'data-evaluation': evaluation.id },
    h('td', null, format.dateTime(evaluation.createdAt)),
    h('td', { 'data-testid': 'evaluation-candidate' }, evaluation.candidate),
    h('td', null, evaluation.baseline),
    h('td', null, h('code', null, evaluation.table)),
    h('td', { class: 'number' }, format.integer(evaluation.pairedRows)),
    h('td', { class: 'number' }, figure(evaluation.frameAgreement)),
    h('td', { class: 'number' }, figure(evaluation.segmentF1)),
    h('td', { class: 'number' }, figure(evaluation.probabilityMae)),
    h('td', null, kpis || '—'),
    h('td', null, h('a', { href: evaluation.reportUrl, target: '_blank', rel: 'noopener', 'data-testid': 'evaluation-report' }, 'HTML report')));
}

export function render(main) {
  document.title = 'Evaluations · OrleansIngest';
  const tbody = h('tbody');
  const empty = h('p', { class: 'muted', hidden: true }, 'No evaluation recorded yet: run orleans-ingest evaluate on an output with shadow runs.');
  const problem = h('p', { class: 'error', role: 'alert' });
  main.append(
    h('h1', null, 'Evaluations'),
    problem,
    h('section', { class: 'panel', 'aria-label': 'Model evaluations' },
      h('table', { 'data-testid': 'evaluations-table' },
        h('thead', null, h('tr', null, Columns.map((name) => h('th', { scope: 'col' }, name)))),
        tbody),
      empty));
  let stopped = false;
  api.evaluations().then((evaluations) => {
    if (stopped) return;
    tbody.replaceChildren(...evaluations.map(evaluationRow));
    empty.hidden = evaluations.length > 0;
  }, (error) => setText(problem, error.message));
  return () => { stopped = true; };
}
