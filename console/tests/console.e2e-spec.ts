import { AddressInfo } from 'node:net';
import { Browser, BrowserContext, chromium } from 'playwright-core';
import { Instance, TOKENS, bearer, startInstance } from '../../test/support/app-instance';
import { useStack } from '../../test/support/stack';
import {
  AuditPage,
  BreakersPage,
  ConsoleApp,
  ExplainPage,
  RulesPage,
  SchedulePage,
  TrafficPage,
  TransferPage,
  WindowsPage,
  shown,
} from './pages';

/**
 * The console in Debian's Chromium (playwright-core), against a real service on real etcd and
 * Redis: one browser and one service for the whole file, the steps in the order a user takes
 * them. Screenshots of each main screen go to docs/screenshots/.
 */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

jest.setTimeout(60_000);

describe('console in a real browser', () => {
  const stack = useStack();
  let rc: Instance;
  let browser: Browser;
  let context: BrowserContext;
  let app: ConsoleApp;
  const rest = (role: keyof typeof TOKENS) => ({ Authorization: bearer(role) });

  beforeAll(async () => {
    rc = await startInstance(stack.etcd.endpoint, stack.redis.url);
    const { port } = rc.app.getHttpServer().address() as AddressInfo;
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
    // The viewer is in Berlin, the rules in Shanghai: the week view shows both clocks.
    context = await browser.newContext({
      timezoneId: 'Europe/Berlin',
      viewport: { width: 1400, height: 900 },
      // The console honours it (Mantine respectReducedMotion): no dialog halfway through a fade.
      reducedMotion: 'reduce',
    });
    context.setDefaultTimeout(10_000);
    app = new ConsoleApp(await context.newPage(), `http://127.0.0.1:${port}`);
  });
  afterAll(async () => {
    await browser?.close();
    await rc?.close();
  });

  it('signs in per role and hides what the role cannot do', async () => {
    await app.signIn('not-a-token-not-a-token-not-a-token');
    await shown(app.alert().filter({ hasText: 'unknown bearer token' }));
    await app.screenshot('sign-in');

    await app.signIn(TOKENS.viewer);
    await shown(app.role().filter({ hasText: 'viewer' }));
    expect(await app.page.getByRole('button', { name: 'New rule' }).count()).toBe(0);
    expect(await app.menu().getByRole('link', { name: 'Audit' }).count()).toBe(0);
    expect(app.page.url()).not.toContain(TOKENS.viewer);
    await app.signOut();

    await app.signIn(TOKENS.admin);
    await shown(app.role().filter({ hasText: 'admin' }));
    await shown(app.menu().getByRole('link', { name: 'Audit' }));
    await app.signOut();

    await app.signIn(TOKENS.editor);
    await shown(app.role().filter({ hasText: 'editor' }));
    await shown(app.page.getByRole('button', { name: 'New rule' }));
    expect(await app.menu().getByRole('link', { name: 'Audit' }).count()).toBe(0);
  });

  it('creates a rule and shows it in the list; a 400 lands on its field', async () => {
    const rules = new RulesPage(app);
    await rules.create({ department: 'cs', grade: '2023', qps: 80 });
    await shown(rules.row('cs/2023/any').getByText('80 qps'));

    await rules.startNew({ department: 'ee', grade: '2024', qps: 0 });
    await rules.form().getByRole('button', { name: 'Create' }).click();
    const qps = rules.fieldError('QPS');
    await shown(rules.form().getByText(/limit\.qps must not be less than 0\.001/));
    expect(await qps.getAttribute('aria-invalid')).toBe('true');
    await app.screenshot('rule-form-400');
    await rules.form().getByRole('button', { name: 'Cancel' }).click();
    await app.screenshot('rules');
  });

  it('shows an If-Match conflict as who changed what, and reapplies on the new revision', async () => {
    const rules = new RulesPage(app);
    await rules.edit('cs/2023/any', { qps: 90, description: 'from the console' });
    // Meanwhile an admin changes the rule over REST.
    const now = await rc.http().get('/api/v1/rules/cs/2023/any').set(rest('admin')).expect(200);
    await rc
      .http()
      .put('/api/v1/rules/cs/2023/any')
      .set(rest('admin'))
      .set('If-Match', now.headers.etag)
      .send({ limit: { qps: 60 }, description: 'changed over REST' })
      .expect(200);
    await rules.save();
    await shown(rules.conflict().filter({ hasText: 'Changed by root' }));
    await shown(rules.conflict().getByText('"changed over REST"'));
    await app.screenshot('rule-conflict');
    await rules.reapply();
    await shown(rules.row('cs/2023/any').getByText('90 qps'));
  });

  it('previews a window across midnight in its zone and the viewer zone, then saves it', async () => {
    await app.open('Windows');
    const windows = new WindowsPage(app);
    await windows.startNew({
      name: 'night',
      timezone: 'Asia/Shanghai',
      days: ['Fri'],
      start: '22:00',
      end: '02:00',
    });
    // The preview follows the form after a short debounce.
    await windows.waitForHours('window', {
      'Mon 8': false,
      'Fri 22': true,
      'Sat 1': true,
      'Sat 2': false,
    });
    expect(await windows.activeHours('window')).toEqual(['Fri 22', 'Fri 23', 'Sat 0', 'Sat 1']);
    // 22:00 in Shanghai (UTC+8) is 15:00 in Berlin (UTC+1 in winter, UTC+2 in summer).
    const yours = await windows.activeHours('yours');
    expect(yours).toHaveLength(4);
    expect(yours[0]).toMatch(/^Fri 1[56]$/);
    await app.screenshot('window-preview');
    await windows.save();
    await shown(windows.row('night'));
  });

  it('draws the schedule timeline of a scope with the window across midnight', async () => {
    await rc
      .http()
      .post('/api/v1/rules')
      .set(rest('editor'))
      .send({ department: 'cs', grade: '2023', window: 'night', limit: { qps: 5 } })
      .expect(201);
    await app.open('Schedule');
    const schedule = new SchedulePage(app);
    await schedule.show('cs', '2023');
    const nights = await schedule.segments('cs/2023', 'cs/2023/night');
    expect(nights.length).toBeGreaterThanOrEqual(1);
    for (const [from, to] of nights) {
      if (Date.parse(to) - Date.parse(from) < 4 * 3600_000) continue; // cut by the 7-day range
      // Friday 22:00 → Saturday 02:00 in Shanghai: 14:00Z → 18:00Z.
      expect([new Date(from).getUTCDay(), new Date(from).getUTCHours()]).toEqual([5, 14]);
      expect(Date.parse(to) - Date.parse(from)).toBe(4 * 3600_000);
    }
    await shown(schedule.transitions().getByText('cs/2023/night (5 qps)'));
    await app.screenshot('schedule');

    await app.open('Explain');
    await new ExplainPage(app).ask('cs', '2023');
    await shown(app.page.getByTestId('explanation').getByText('cs/2023/night'));
    await app.screenshot('explain');
  });

  it('moves the live traffic chart while a load runs', async () => {
    const grpc = rc.grpc();
    let running = true;
    const load = (async () => {
      // About 500 decisions a second against a 20 qps rule, until the test ends.
      while (running) {
        await grpc.decideBatch(
          Array.from({ length: 25 }, () => ({ department: 'math', grade: '2021' })),
        );
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    try {
      await rc
        .http()
        .post('/api/v1/rules')
        .set(rest('editor'))
        .send({ department: 'math', grade: '*', window: 'any', limit: { qps: 20 } })
        .expect(201);
      await app.open('Live traffic');
      const traffic = new TrafficPage(app);
      await shown(traffic.topRow('math/*/any'));
      const first = await traffic.totals();
      await app.page.waitForTimeout(2500);
      const later = await traffic.totals();
      expect(later.allowed + later.rejected).toBeGreaterThan(first.allowed + first.rejected);
      expect(later.rejected).toBeGreaterThan(0);
      await app.screenshot('traffic');
    } finally {
      running = false;
      await load;
      grpc.close();
    }
  });

  it('lets an admin force a breaker open, after confirming', async () => {
    await rc
      .http()
      .post('/api/v1/rules')
      .set(rest('editor'))
      .send({
        department: 'lib',
        grade: '*',
        window: 'any',
        limit: { qps: 50 },
        breaker: { enabled: true },
      })
      .expect(201);
    await app.signOut();
    await app.signIn(TOKENS.admin);
    await app.open('Breakers');
    const breakers = new BreakersPage(app);
    await shown(breakers.state('lib/*/any').filter({ hasText: 'CLOSED' }));
    await breakers.force('lib/*/any', 'open');
    await shown(breakers.state('lib/*/any').filter({ hasText: 'OPEN' }));
    await app.screenshot('breakers');
  });

  it('restores a rule from the audit log', async () => {
    await app.open('Audit');
    const audit = new AuditPage(app);
    // The newest replace is the console's reapplied edit (90 qps); restoring it puts back what
    // it replaced: the admin's REST change (60 qps).
    await audit.restore('rules/cs/2023/any', 'replace');
    await app.screenshot('audit');
    const rule = await rc.http().get('/api/v1/rules/cs/2023/any').set(rest('viewer')).expect(200);
    expect(rule.body.limit.qps).toBe(60);
  });

  it('shows an import dry run as a diff before applying it', async () => {
    await app.open('Import / export');
    const transfer = new TransferPage(app);
    const exported = (await rc.http().get('/api/v1/export').set(rest('viewer')).expect(200)).body;
    exported.rules[0].limit.qps = 123;
    exported.rules.push({ department: 'art', grade: '2025', window: 'any', limit: { qps: 7 } });
    await transfer.dryRun({ name: 'rules.json', json: exported });
    await shown(transfer.report().getByText('dry run'));
    await shown(transfer.report().getByText('rules/art/2025/any'));
    await shown(transfer.report().getByText('123'));
    await app.screenshot('import-dry-run');
    await rc.http().get('/api/v1/rules/art/2025/any').set(rest('viewer')).expect(404);
  });
});
