// The dashboard shell: client-side routing between the pages and one live connection (server-sent events) that
// every page listens to, so the numbers move without a reload.
import { api } from './api.js';
import { setText } from './dom.js';
import * as overview from './overview.js';
import * as job from './job.js';
import * as quarantine from './quarantine.js';
import * as silos from './silos.js';
import * as evaluations from './evaluations.js';

const Routes = [
  { pattern: /^\/$/, page: overview, nav: 'overview' },
  { pattern: /^\/jobs\/([^/]+)\/quarantine$/, page: quarantine, nav: 'quarantine' },
  { pattern: /^\/jobs\/([^/]+)$/, page: job, nav: 'overview' },
  { pattern: /^\/quarantine$/, page: quarantine, nav: 'quarantine' },
  { pattern: /^\/silos$/, page: silos, nav: 'silos' },
  { pattern: /^\/evaluations$/, page: evaluations, nav: 'evaluations' },
];

const ReconnectDelayMs = 5000;

/** The latest live snapshot ({ overview, jobs, silos }) and who wants each new one. */
class Live {
  #listeners = new Set();
  #source = null;
  latest = null;

  start() {
    const status = document.querySelector('[data-testid="live-status"]');
    const show = (state, text) => {
      status.dataset.state = state;
      setText(status.querySelector('.live-text'), text);
    };
    const source = new EventSource('/api/live');
    this.#source = source;
    source.addEventListener('open', () => show('live', 'Live'));
    source.addEventListener('snapshot', (event) => {
      this.latest = JSON.parse(event.data);
      show('live', 'Live');
      for (const listener of this.#listeners) listener(this.latest);
    });
    source.addEventListener('error', () => {
      if (source.readyState !== EventSource.CLOSED) {
        show('reconnecting', 'Reconnecting…');
        return;
      }
      // Closed for good (the host refused the stream): a signed-out session goes to the sign-in page through the
      // API's 401; otherwise try again later.
      show('offline', 'Offline');
      api.overview().then(
        () => setTimeout(() => this.start(), ReconnectDelayMs),
        (error) => { if (error.status !== 401) setTimeout(() => this.start(), ReconnectDelayMs); });
    });
  }

  /** Calls the listener with every snapshot (at once with the latest, if any); returns how to stop. */
  subscribe(listener) {
    this.#listeners.add(listener);
    if (this.latest) listener(this.latest);
    return () => this.#listeners.delete(listener);
  }
}

const live = new Live();
let cleanup = null;

function route(path) {
  for (const candidate of Routes) {
    const match = candidate.pattern.exec(path);
    if (match) return { ...candidate, params: match.slice(1).map(decodeURIComponent) };
  }
  return null;
}

function render() {
  if (cleanup) cleanup();
  cleanup = null;
  const main = document.getElementById('page');
  main.replaceChildren();
  const found = route(location.pathname);
  for (const link of document.querySelectorAll('[data-nav]')) {
    if (found && link.dataset.nav === found.nav) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  if (!found) {
    document.title = 'Not found · OrleansIngest';
    main.append(Object.assign(document.createElement('h1'), { textContent: 'No such page' }));
    return;
  }
  cleanup = found.page.render(main, found.params, { live, navigate });
}

/** Shows another page of the dashboard without reloading (the live connection stays open). */
export function navigate(path) {
  if (path !== location.pathname) history.pushState(null, '', path);
  render();
  document.getElementById('page').focus({ preventScroll: true });
  window.scrollTo(0, 0);
}

document.addEventListener('click', (event) => {
  const link = event.target instanceof Element ? event.target.closest('a[href]') : null;
  if (!link || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey || link.target) return;
  const url = new URL(link.href, location.href);
  if (url.origin !== location.origin || !route(url.pathname)) return;
  event.preventDefault();
  navigate(url.pathname);
});

window.addEventListener('popstate', render);
window.addEventListener('unhandledrejection', (event) => {
  // A signed-out session already went to the sign-in page; the rest are shown where they happen.
  if (event.reason?.status === 401) event.preventDefault();
});

render();
live.start();
