// Builds DOM from data without ever parsing it as markup: every string becomes a text node or an attribute value.
const SvgNamespace = 'http://www.w3.org/2000/svg';

/** Creates an element; `svg:` names make SVG elements. Attributes set to null/undefined/false are left out. */
export function h(tag, attributes, ...children) {
  const element = tag.startsWith('svg:') ? document.createElementNS(SvgNamespace, tag.slice(4)) : document.createElement(tag);
  for (const [name, value] of Object.entries(attributes ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') {
      element.addEventListener(name.slice(2), value);
    } else {
      element.setAttribute(name, value === true ? '' : String(value));
    }
  }
  append(element, children);
  return element;
}

/** Appends children: nodes as they are, strings and numbers as text, arrays flattened, null skipped. */
export function append(parent, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return parent;
}

/** Replaces an element's text only when it changed (live updates then leave selections and focus alone). */
export function setText(element, text) {
  const value = String(text);
  if (element.textContent !== value) element.textContent = value;
}

/**
 * Keeps a container's children in step with a list: one child per key, created once, updated every time, removed when
 * its item is gone, and kept in the list's order.
 */
export function syncChildren(container, items, keyOf, create, update) {
  const existing = new Map();
  for (const child of container.children) existing.set(child.dataset.key, child);
  let previous = null;
  for (const item of items) {
    const key = String(keyOf(item));
    let child = existing.get(key);
    if (child) {
      existing.delete(key);
    } else {
      child = create(item);
      child.dataset.key = key;
    }
    update(child, item);
    const expected = previous ? previous.nextElementSibling : container.firstElementChild;
    if (child !== expected) container.insertBefore(child, expected);
    previous = child;
  }
  for (const stale of existing.values()) stale.remove();
}

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1, minimumFractionDigits: 1 });
const precise = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });

export const format = {
  integer: (value) => integer.format(value ?? 0),
  number: (value) => precise.format(value ?? 0),
  percent: (fraction) => `${decimal.format(Math.max(0, Math.min(1, fraction)) * 100)} %`,
  bytes(value) {
    const units = ['B', 'KB', 'MB', 'GB', 'TB'];
    let amount = Math.max(0, value ?? 0);
    let unit = 0;
    while (amount >= 1000 && unit < units.length - 1) {
      amount /= 1000;
      unit++;
    }
    return `${unit === 0 ? integer.format(amount) : precise.format(amount)} ${units[unit]}`;
  },
  rate: (value, unit) => `${precise.format(value ?? 0)} ${unit}/s`,
  duration(seconds) {
    if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '—';
    const total = Math.max(0, Math.round(seconds));
    const hours = Math.floor(total / 3600);
    const minutes = Math.floor((total % 3600) / 60);
    const rest = total % 60;
    if (hours > 0) return `${hours} h ${minutes} min`;
    if (minutes > 0) return `${minutes} min ${rest} s`;
    return `${rest} s`;
  },
  seconds: (value) => (value === null || value === undefined ? '—' : `${precise.format(value)} s`),
  time: (iso) => (iso ? new Date(iso).toLocaleTimeString('en-GB') : '—'),
  dateTime: (iso) => (iso ? new Date(iso).toLocaleString('en-GB') : '—'),
};

/** The share of a job that is settled (committed or quarantined), by bytes when sizes are known, else by units. */
export function progressOf(job) {
  if (job.phase === 'completed') return 1;
  if (job.bytesTotal > 0) return job.bytesDone / job.bytesTotal;
  if (job.units > 0) return (job.committed + job.quarantined) / job.units;
  return 0;
}

/** A progress bar (role progressbar) whose fill and value follow {@link updateProgress}. */
export function progressBar(label) {
  const fill = h('div', { class: 'fill' });
  return h('div', { class: 'progress', role: 'progressbar', 'aria-label': label, 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-valuenow': 0 }, fill);
}

export function updateProgress(bar, fraction) {
  const percent = Math.max(0, Math.min(1, fraction)) * 100;
  bar.setAttribute('aria-valuenow', percent.toFixed(1));
  bar.firstElementChild.style.width = `${percent}%`;
}

/** A phase or status as a coloured badge. */
export function badge(text, testId) {
  return h('span', { class: `badge badge-${String(text).replace(/[^a-z]/gi, '')}`, 'data-testid': testId }, text);
}

export function updateBadge(element, text) {
  element.className = `badge badge-${String(text).replace(/[^a-z]/gi, '')}`;
  setText(element, text);
}

/** A link to a job's page. */
export function jobHref(jobId, suffix = '') {
  return `/jobs/${encodeURIComponent(jobId)}${suffix}`;
}

/** A definition list of label → value node pairs. */
export function facts(pairs, className = 'facts') {
  return h('dl', { class: className }, pairs.map(([label, value]) => h('div', null, h('dt', null, label), h('dd', null, value))));
}
