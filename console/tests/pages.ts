import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';

/**
 * Page objects of the console: the browser tests read as a user's steps
 * (`rules.create(...)`, `rules.row('cs/2023/any').shows('80 qps')`), and only these classes
 * know where things are on the page.
 */
const SCREENSHOTS = join(
  __dirname,
  // docs/screenshots are the README's pictures: rewritten on purpose, not by every test run.
  process.env.UPDATE_SCREENSHOTS === '1' ? '../../docs/screenshots' : '../../.run/screenshots',
);

/** Waits until the locator is visible (the console renders after its API calls answer). */
export const shown = (locator: Locator, timeout = 10_000): Promise<void> =>
  locator.first().waitFor({ state: 'visible', timeout });

export class ConsoleApp {
  constructor(
    readonly page: Page,
    private readonly baseUrl: string,
  ) {}

  async signIn(token: string): Promise<void> {
    await this.page.goto(`${this.baseUrl}/console/`);
    await this.page.getByLabel('Token').fill(token);
    await this.page.getByRole('button', { name: 'Sign in' }).click();
  }

  async signOut(): Promise<void> {
    await this.page.getByRole('button', { name: 'Sign out' }).click();
    await shown(this.page.getByLabel('Token'));
  }

  role(): Locator {
    return this.page.getByTestId('role');
  }

  menu(): Locator {
    return this.page.getByRole('navigation', { name: 'Pages' });
  }

  async open(label: string): Promise<void> {
    await this.menu().getByRole('link', { name: label }).click();
    await shown(this.page.getByRole('heading', { level: 2 }));
  }

  alert(): Locator {
    return this.page.getByRole('alert');
  }

  /** Saves the current screen as <name>.png (UPDATE_SCREENSHOTS=1: in docs/screenshots). */
  async screenshot(name: string): Promise<void> {
    mkdirSync(SCREENSHOTS, { recursive: true });
    await this.page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
  }

  async confirm(label: string): Promise<void> {
    await this.page.getByRole('dialog').getByRole('button', { name: label }).click();
  }
}

export interface RuleInput {
  department: string;
  grade: string;
  window?: string;
  qps: number;
}

export class RulesPage {
  constructor(private readonly app: ConsoleApp) {}

  private get page(): Page {
    return this.app.page;
  }

  form(): Locator {
    return this.page.getByRole('dialog');
  }

  row(key: string): Locator {
    return this.page.locator(`tr[data-rule="${key}"]`);
  }

  async startNew(rule: RuleInput): Promise<void> {
    await this.page.getByRole('button', { name: 'New rule' }).click();
    const form = this.form();
    await form.getByLabel('Department', { exact: true }).fill(rule.department);
    await form.getByLabel('Grade', { exact: true }).fill(rule.grade);
    await form.getByLabel('QPS', { exact: true }).fill(String(rule.qps));
    await form.getByLabel('Burst', { exact: true }).fill(String(Math.max(1, Math.ceil(rule.qps))));
  }

  async create(rule: RuleInput): Promise<void> {
    await this.startNew(rule);
    await this.form().getByRole('button', { name: 'Create' }).click();
    await this.form().waitFor({ state: 'hidden' });
  }

  async edit(key: string, change: { qps?: number; description?: string }): Promise<void> {
    await this.row(key)
      .getByRole('button', { name: `Edit ${key}` })
      .click();
    const form = this.form();
    if (change.qps !== undefined)
      await form.getByLabel('QPS', { exact: true }).fill(String(change.qps));
    if (change.description !== undefined)
      await form.getByLabel('Description', { exact: true }).fill(change.description);
  }

  async save(): Promise<void> {
    await this.form().getByRole('button', { name: 'Save' }).click();
  }

  /** The error the form shows under a field (the 400 line that names it). */
  fieldError(label: string): Locator {
    return this.form().getByLabel(label);
  }

  conflict(): Locator {
    return this.page.getByTestId('conflict');
  }

  async reapply(): Promise<void> {
    await this.conflict()
      .getByRole('button', { name: /Reapply my edit/ })
      .click();
    await this.form().waitFor({ state: 'hidden' });
  }

  async delete(key: string): Promise<void> {
    await this.row(key)
      .getByRole('button', { name: `Delete ${key}` })
      .click();
    await this.app.confirm('Delete');
    await this.row(key).waitFor({ state: 'detached' });
  }
}

export class WindowsPage {
  constructor(private readonly app: ConsoleApp) {}

  private get page(): Page {
    return this.app.page;
  }

  async startNew(w: {
    name: string;
    timezone: string;
    days: string[];
    start: string;
    end: string;
  }): Promise<void> {
    await this.page.getByRole('button', { name: 'New window' }).click();
    const form = this.page.getByRole('form', { name: 'New window' });
    await form.getByLabel('Name', { exact: true }).fill(w.name);
    await form.getByLabel('Time zone (IANA)', { exact: true }).fill(w.timezone);
    for (const day of ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun']) {
      const box = form.getByLabel(day, { exact: true });
      if ((await box.isChecked()) !== w.days.includes(day)) await box.click();
    }
    await form.getByLabel('Range 1 start', { exact: true }).fill(w.start);
    await form.getByLabel('Range 1 end', { exact: true }).fill(w.end);
  }

  async save(): Promise<void> {
    await this.page.getByRole('button', { name: 'Create window' }).click();
  }

  /** "Fri 22" style labels of the active hour cells of one week view ("window" or "yours"). */
  async activeHours(view: 'window' | 'yours'): Promise<string[]> {
    const grid = this.page.getByTestId(`week-${view}`);
    await shown(grid);
    return grid
      .locator('[data-active="yes"]')
      .evaluateAll((cells) =>
        cells.map((c) => `${c.getAttribute('data-day')} ${c.getAttribute('data-hour')}`),
      );
  }

  /** Waits until the week view shows each hour ("Fri 22") as active (true) or not (false). */
  async waitForHours(view: 'window' | 'yours', hours: Record<string, boolean>): Promise<void> {
    const grid = this.page.getByTestId(`week-${view}`);
    for (const [hour, active] of Object.entries(hours)) {
      const [day, h] = hour.split(' ');
      const cell = `[data-day="${day}"][data-hour="${h}"][data-active="${active ? 'yes' : 'no'}"]`;
      await shown(grid.locator(cell));
    }
  }

  row(name: string): Locator {
    return this.page.locator(`tr[data-window="${name}"]`);
  }
}

export class SchedulePage {
  constructor(private readonly app: ConsoleApp) {}

  async show(department: string, grade: string): Promise<void> {
    const form = this.app.page.getByRole('form', { name: 'Scope' });
    await form.getByLabel('Department', { exact: true }).fill(department);
    await form.getByLabel('Grade', { exact: true }).fill(grade);
    await form.getByRole('button', { name: 'Show' }).click();
    await shown(this.app.page.locator(`[data-lane="${department}/${grade}"]`));
  }

  /** The [from, to) instants of each segment the timeline draws for a rule in a scope's lane. */
  segments(scope: string, rule: string): Promise<[string, string][]> {
    return this.app.page
      .locator(`[data-lane="${scope}"] [data-segment="${rule}"]`)
      .evaluateAll((els) =>
        els.map(
          (e) =>
            [e.getAttribute('data-from') ?? '', e.getAttribute('data-to') ?? ''] as [
              string,
              string,
            ],
        ),
      );
  }

  transitions(): Locator {
    return this.app.page.getByTestId('transitions');
  }
}

export class ExplainPage {
  constructor(private readonly app: ConsoleApp) {}

  async ask(department: string, grade: string): Promise<void> {
    const form = this.app.page.getByRole('form', { name: 'Explain a request' });
    await form.getByLabel('Department', { exact: true }).fill(department);
    await form.getByLabel('Grade', { exact: true }).fill(grade);
    await form.getByRole('button', { name: 'Explain' }).click();
    await shown(this.app.page.getByTestId('explanation'));
  }
}

export class TrafficPage {
  constructor(private readonly app: ConsoleApp) {}

  /** "cs/2023/any: 310 allowed, 42 rejected, 0 degraded" as numbers. */
  async totals(): Promise<{ allowed: number; rejected: number }> {
    const text = (await this.app.page.getByTestId('traffic-totals').textContent()) ?? '';
    const [, allowed = '0', rejected = '0'] = /(\d+) allowed, (\d+) rejected/.exec(text) ?? [];
    return { allowed: Number(allowed), rejected: Number(rejected) };
  }

  topRow(rule: string): Locator {
    return this.app.page.getByTestId('top-rejections').locator(`tr[data-rule="${rule}"]`);
  }
}

export class BreakersPage {
  constructor(private readonly app: ConsoleApp) {}

  state(rule: string): Locator {
    return this.app.page.locator(`tr[data-rule="${rule}"]`).getByTestId('state');
  }

  async force(rule: string, mode: 'open' | 'closed'): Promise<void> {
    await this.app.page
      .locator(`tr[data-rule="${rule}"]`)
      .getByRole('button', { name: `Force ${mode}` })
      .click();
    await this.app.confirm(`Force ${mode}`);
  }
}

export class AuditPage {
  constructor(private readonly app: ConsoleApp) {}

  record(key: string, action: string): Locator {
    return this.app.page.locator(`[data-key="${key}"]`).filter({ hasText: action }).first();
  }

  async restore(key: string, action: string): Promise<void> {
    const record = this.record(key, action);
    await record.getByRole('button').first().click();
    await record.getByRole('button', { name: 'Restore the before' }).click();
    await this.app.confirm('Restore');
    await shown(this.app.page.getByRole('status').filter({ hasText: `Restored ${key}` }));
  }
}

export class TransferPage {
  constructor(private readonly app: ConsoleApp) {}

  async dryRun(file: { name: string; json: unknown }): Promise<void> {
    await this.app.page.locator('input[type="file"]').setInputFiles({
      name: file.name,
      mimeType: 'application/json',
      buffer: Buffer.from(JSON.stringify(file.json)),
    });
    await shown(this.report());
  }

  report(): Locator {
    return this.app.page.getByTestId('import-report');
  }
}
