// Drives Debian's chromium through playwright-core for the .NET browser tests: runs one scenario (a list of
// steps against a page on 127.0.0.1) and prints one JSON result on stdout.
//
//   node run-scenario.mjs <scenario.json>      (or the JSON itself as the argument)
//
// Scenario: { baseUrl, artifactsDir, chromiumPath?, stepTimeoutMs?, viewport?: {width, height}, steps: [...] }
// A step is { action, target?, ... }; a target is one of { selector } | { role, name? } | { text } |
// { label } | { placeholder } | { testId }, with optional exact: true.
//   goto {url}                      url relative to baseUrl or absolute
//   fill {target, value}            click {target}            press {target, key}
//   waitFor {target, state?, text?, pattern?}   state: visible (default) | hidden | attached | detached;
//                                   text/pattern: wait until the target's text contains text / matches the regex
//   waitForUrl {pattern}            the page URL matches the regex
//   assertText {text, target?}      the target (default: body) contains text now
//   read {target, name, attribute?} stores the text (or attribute, or the value of an input) under name
//   evaluate {expression, name?}    a JS expression in the page; its JSON value is stored under name
//   screenshot {name, target?, fullPage?}  <artifactsDir>/<name>.png
// Steps stop at the first failure (the rest are "skipped") and a failure.png is taken then.
// Exit code 0 whenever a result was printed (check its "ok"); 2 when the scenario could not be run at all.
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

// Network isolation (DESIGN §12): every host name resolves to nothing but 127.0.0.1, and every request not for
// 127.0.0.1 goes to a proxy on the discard port, where nothing answers. `<-loopback>` stops chromium from
// bypassing the proxy for localhost/[::1] on its own, so exactly 127.0.0.1 is reachable. Playwright already
// passes the switches that keep the browser quiet (--disable-background-networking, --disable-component-update,
// --disable-sync, --no-first-run, --disable-extensions, --no-sandbox, headless…) and its own --disable-features
// list, which a second --disable-features here would replace, so only what it lacks is added.
const ChromiumArgs = [
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
  '--proxy-server=http://127.0.0.1:9',
  '--proxy-bypass-list=<-loopback>;127.0.0.1',
  '--disable-domain-reliability',
  '--disable-client-side-phishing-detection',
  '--disable-pings',
];

function readScenario(argument) {
  if (!argument) {
    throw new Error('usage: node run-scenario.mjs <scenario.json | JSON>');
  }
  const text = argument.trimStart().startsWith('{') ? argument : fs.readFileSync(argument, 'utf8');
  const scenario = JSON.parse(text);
  if (!Array.isArray(scenario.steps) || typeof scenario.baseUrl !== 'string' || typeof scenario.artifactsDir !== 'string') {
    throw new Error('a scenario needs baseUrl, artifactsDir and steps[]');
  }
  return scenario;
}

function locate(page, target) {
  if (!target) {
    return page.locator('body');
  }
  const exact = target.exact === true;
  if (target.selector) return page.locator(target.selector);
  if (target.role) return page.getByRole(target.role, target.name === undefined ? {} : { name: target.name, exact });
  if (target.text) return page.getByText(target.text, { exact });
  if (target.label) return page.getByLabel(target.label, { exact });
  if (target.placeholder) return page.getByPlaceholder(target.placeholder, { exact });
  if (target.testId) return page.getByTestId(target.testId);
  throw new Error(`unknown target ${JSON.stringify(target)}`);
}

function screenshotPath(artifactsDir, name) {
  if (!/^[A-Za-z0-9._-]+$/.test(name ?? '')) {
    throw new Error(`screenshot name ${JSON.stringify(name)} must be letters, digits, '.', '_' or '-'`);
  }
  return path.join(artifactsDir, `${name}.png`);
}

// Polls rather than using expect(): playwright-core ships no assertion library, and a live page (SSE, charts)
// changes text without any navigation to wait for.
async function waitForText(locator, step, timeout) {
  const pattern = step.pattern === undefined ? null : new RegExp(step.pattern);
  const deadline = Date.now() + timeout;
  let last = null;
  for (;;) {
    try {
      last = await locator.first().textContent({ timeout: Math.max(1, deadline - Date.now()) });
    } catch (error) {
      // Once the element has been seen, what it last said explains the failure better than a timeout.
      if (last === null) throw error;
    }
    if (last !== null && (pattern ? pattern.test(last) : last.includes(step.text))) {
      return last;
    }
    if (Date.now() >= deadline) {
      throw new Error(`text of ${JSON.stringify(step.target)} was ${JSON.stringify(last)}, expected ${pattern ? `to match /${step.pattern}/` : `to contain ${JSON.stringify(step.text)}`}`);
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(100, Math.max(0, deadline - Date.now()))));
  }
}

async function runStep(page, step, scenario, result, timeout) {
  const target = () => locate(page, step.target);
  switch (step.action) {
    case 'goto': {
      const response = await page.goto(new URL(step.url, scenario.baseUrl).href, { timeout, waitUntil: 'load' });
      return response ? response.status() : null;
    }
    case 'fill': return void await target().fill(String(step.value ?? ''), { timeout });
    case 'click': return void await target().click({ timeout });
    case 'press': return void await target().press(step.key, { timeout });
    case 'waitFor':
      if (step.text !== undefined || step.pattern !== undefined) return await waitForText(target(), step, timeout);
      return void await target().first().waitFor({ state: step.state ?? 'visible', timeout });
    case 'waitForUrl': return void await page.waitForURL(new RegExp(step.pattern), { timeout });
    case 'assertText': {
      const text = await target().first().innerText({ timeout });
      if (!text.includes(step.text)) throw new Error(`${JSON.stringify(step.text)} not found in ${JSON.stringify(text.slice(0, 500))}`);
      return undefined;
    }
    case 'read': {
      const locator = target().first();
      const value = step.attribute ? await locator.getAttribute(step.attribute, { timeout })
        : await locator.evaluate((element) => ('value' in element && element.tagName !== 'BUTTON' ? element.value : element.textContent));
      result.values[step.name] = value;
      return value;
    }
    case 'evaluate': {
      const value = await page.evaluate(step.expression);
      if (step.name) result.values[step.name] = value ?? null;
      return value ?? null;
    }
    case 'screenshot': {
      const file = screenshotPath(scenario.artifactsDir, step.name);
      const options = { path: file, timeout };
      await (step.target ? target().first().screenshot(options) : page.screenshot({ ...options, fullPage: step.fullPage === true }));
      result.screenshots.push({ name: step.name, path: file, bytes: fs.statSync(file).size });
      return file;
    }
    default: throw new Error(`unknown action ${JSON.stringify(step.action)}`);
  }
}

async function run(scenario) {
  fs.mkdirSync(scenario.artifactsDir, { recursive: true });
  // A screenshot left by an earlier run must not pass for one this run failed to take.
  for (const name of ['failure', ...scenario.steps.filter((s) => s.action === 'screenshot').map((s) => s.name)]) {
    fs.rmSync(screenshotPath(scenario.artifactsDir, name), { force: true });
  }
  const result = { ok: true, browserVersion: null, finalUrl: null, steps: [], values: {}, screenshots: [], consoleErrors: [], pageErrors: [], failedRequests: [], httpErrors: [] };
  const timeout = scenario.stepTimeoutMs ?? 10000;
  const browser = await chromium.launch({ executablePath: scenario.chromiumPath ?? '/usr/bin/chromium', args: ChromiumArgs, timeout: 60000 });
  try {
    result.browserVersion = browser.version();
    const context = await browser.newContext({ viewport: scenario.viewport ?? { width: 1280, height: 800 } });
    const page = await context.newPage();
    page.on('console', (message) => { if (message.type() === 'error') result.consoleErrors.push(message.text()); });
    page.on('pageerror', (error) => result.pageErrors.push(String(error?.message ?? error)));
    page.on('requestfailed', (request) => result.failedRequests.push({ url: request.url(), method: request.method(), error: request.failure()?.errorText ?? '' }));
    page.on('response', (response) => { if (response.status() >= 400) result.httpErrors.push({ url: response.url(), status: response.status() }); });
    for (const [index, step] of scenario.steps.entries()) {
      if (!result.ok) {
        result.steps.push({ index, action: step.action, status: 'skipped', error: null, value: null });
        continue;
      }
      try {
        const value = await runStep(page, step, scenario, result, step.timeoutMs ?? timeout);
        result.steps.push({ index, action: step.action, status: 'passed', error: null, value: value ?? null });
      } catch (error) {
        result.ok = false;
        result.steps.push({ index, action: step.action, status: 'failed', error: String(error?.message ?? error).split('\n')[0], value: null });
        const file = screenshotPath(scenario.artifactsDir, 'failure');
        await page.screenshot({ path: file, timeout: 5000 }).then(() => result.screenshots.push({ name: 'failure', path: file, bytes: fs.statSync(file).size }), () => {});
      }
    }
    result.finalUrl = page.url();
    await context.close();
  } finally {
    await browser.close();
  }
  fs.writeFileSync(path.join(scenario.artifactsDir, 'result.json'), JSON.stringify(result, null, 2));
  return result;
}

try {
  const result = await run(readScenario(process.argv[2]));
  process.stdout.write(JSON.stringify(result) + '\n');
} catch (error) {
  process.stderr.write(`run-scenario: ${error?.stack ?? error}\n`);
  process.exitCode = 2;
}
