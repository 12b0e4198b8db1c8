// Drives real VS Code (code-server in Chromium) through the pyprotocol extension:
// the diagnostics reach the editor, the status bar and the Problems panel with their
// protocol links, a quick fix rewrites the line, and the extension's commands run.
//
// Environment: CS_URL (code-server base URL), CS_WS (workspace folder), CS_FILE (file
// name in it), CHROMIUM (browser executable), E2E_ARTIFACTS (where the screenshot goes).
// Prints one line per step ("STEP <seconds> <name>") and "RESULT <json>" at the end.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { chromium } from 'playwright-core';

const base = process.env.CS_URL;
const workspace = process.env.CS_WS;
const fileName = process.env.CS_FILE ?? 'app.py';
const artifacts = process.env.E2E_ARTIFACTS ?? '.';
const executablePath = process.env.CHROMIUM ?? '/usr/bin/chromium';
const started = Date.now();
const result = { steps: {} };

function step(name) {
    const seconds = (Date.now() - started) / 1000;
    result.steps[name] = seconds;
    console.log(`STEP ${seconds.toFixed(1)} ${name}`);
}

/** The editor's visible text, with Monaco's non-breaking spaces made plain. */
async function editorText(page) {
    const lines = await page.locator('.editor-group-container .monaco-editor .view-lines').first().innerText();
    return lines.replace(/\u00a0/g, ' ');
}

/** Wait until the editor shows a text. */
async function waitForText(page, text) {
    await page.waitForFunction(
        (wanted) =>
            document
                .querySelector('.editor-group-container .monaco-editor .view-lines')
                ?.textContent?.replace(/\u00a0/g, ' ')
                .includes(wanted),
        text,
    );
}

/** Run a command by its title from the command palette (with the editor focused). */
async function runCommand(page, title) {
    await page.locator('.editor-group-container .monaco-editor .view-lines').first().click();
    await page.keyboard.press('F1');
    await page.keyboard.type(title);
    await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor();
    await page.keyboard.press('Enter');
}

mkdirSync(artifacts, { recursive: true });
const browser = await chromium.launch({
    headless: true,
    executablePath,
    timeout: 60_000,
    args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-dev-shm-usage',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
    ],
});
let page;
try {
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.setDefaultTimeout(60_000);
    const file = `${workspace}/${fileName}`;
    const payload = JSON.stringify([['openFile', `vscode-remote://${new URL(base).host}${file}`]]);
    await page.goto(`${base}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(payload)}`);
    await page.locator('.monaco-workbench').waitFor();
    step('workbench');
    await page.locator('.tabs-container .tab', { hasText: fileName }).waitFor();
    step('editor open');

    // 1. The diagnostic is drawn in the editor, with the severity from the settings.
    const squiggle = page.locator('.view-overlays .squiggly-error').first();
    await squiggle.waitFor();
    step('squiggle');
    result.statusProblems = await page.locator('#status\\.problems').getAttribute('aria-label');
    const status = page.locator('.statusbar-item[aria-label="pyprotocol: running"]');
    await status.waitFor();
    result.statusItem = (await status.innerText()).trim();
    step('status bar item');

    // 2. The Problems panel lists it with its code, source and protocol link.
    await page.keyboard.press('Control+Shift+M');
    const row = page.locator('.markers-panel .monaco-list-row', { hasText: 'PP105' }).first();
    await row.waitFor();
    result.problemRows = await page.locator('.markers-panel .monaco-list-row').allInnerTexts();
    result.problemLinks = await row.locator('a').evaluateAll((links) => links.map((a) => a.getAttribute('href') ?? a.title));
    result.problemIcons = await row.locator('.marker-icon, .codicon').evaluateAll((icons) => icons.map((i) => i.className));
    step('problems panel');

    // 3. A settings change reaches the running server: PP105 becomes a warning.
    {
        // The workspace's .vscode/settings.json, over the user's value.
        mkdirSync(join(workspace, '.vscode'), { recursive: true });
        writeFileSync(
            join(workspace, '.vscode', 'settings.json'),
            JSON.stringify({ 'pyprotocol.severity': { PP105: 'warning' } }, null, 2),
        );
        await page.locator('.view-overlays .squiggly-error').first().waitFor({ state: 'detached' });
        await page.locator('.view-overlays .squiggly-warning').first().waitFor();
        await page.waitForFunction(() => {
            const label = document.querySelector('#status\\.problems')?.getAttribute('aria-label') ?? '';
            return /Warnings?: [1-9]/.test(label) && !/Errors?: [1-9]/.test(label);
        });
        result.statusProblemsAfterSettings = await page.locator('#status\\.problems').getAttribute('aria-label');
        step('settings change applied');
    }

    // 4. The quick fix: cursor into the first flagged range, Ctrl+. and pick the rewrite.
    const flagged = page.locator('.view-overlays .squiggly-warning, .view-overlays .squiggly-error').first();
    const box = await flagged.boundingBox();
    if (box === null) {
        throw new Error('the squiggle has no box');
    }
    await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    await page.keyboard.press('Control+.');
    const fix = page.locator('.action-widget .monaco-list-row', { hasText: 'Rewrite with the' }).first();
    await fix.waitFor();
    result.quickFixes = await page.locator('.action-widget .monaco-list-row').allInnerTexts();
    await fix.click();
    await waitForText(page, 'x: int | None = None');
    result.textAfterFix = await editorText(page);
    step('quick fix applied');
    await page.locator('.markers-panel .monaco-list-row', { hasText: 'PP105' }).nth(1).waitFor({ state: 'detached' });
    result.rowsAfterFix = await page.locator('.markers-panel .monaco-list-row').allInnerTexts();
    step('one diagnostic left');

    // 5. The extension's commands, from the command palette.
    await runCommand(page, 'pyprotocol: Fix All');
    await waitForText(page, 'y: str | None = None');
    result.textAfterFixAll = await editorText(page);
    await page.locator('.markers-panel .monaco-list-row', { hasText: 'PP105' }).first().waitFor({ state: 'detached' });
    result.rowsAfterFixAll = await page.locator('.markers-panel .monaco-list-row').allInnerTexts();
    step('fix all applied');

    await runCommand(page, 'pyprotocol: Restart Server');
    await page.locator('.statusbar-item[aria-label="pyprotocol: starting"]').waitFor();
    await page.locator('.statusbar-item[aria-label="pyprotocol: running"]').waitFor();
    step('server restarted');

    await runCommand(page, 'pyprotocol: Show Output');
    // The output view shows its last lines: filter it to the line we look for.
    const filter = page.locator('.panel input[placeholder^="Filter"]').first();
    await filter.click();
    await filter.fill('restarting the server');
    const output = page.locator('.panel .monaco-editor .view-lines', { hasText: 'restarting the server' }).first();
    await output.waitFor();
    result.outputTail = (await output.innerText()).replace(/\u00a0/g, ' ');
    step('output shown');
    // Every notification of the session, from the notification center.
    await runCommand(page, 'Notifications: Show Notifications');
    await page.locator('.notifications-center').waitFor();
    await page.waitForTimeout(500);
    result.notifications = await page.locator('.notifications-center .notification-list-item').allInnerTexts();
    await page.screenshot({ path: join(artifacts, 'vscode-e2e.png') });
    result.ok = true;
} catch (error) {
    result.ok = false;
    result.error = String(error?.stack ?? error);
    if (page) {
        await page.screenshot({ path: join(artifacts, 'vscode-e2e-failure.png') }).catch(() => {});
        result.rows = await page.locator('.markers-panel .monaco-list-row').allInnerTexts().catch(() => []);
        result.notifications = await page.locator('.notification-list-item').allInnerTexts().catch(() => []);
    }
} finally {
    await browser.close();
}
console.log(`RESULT ${JSON.stringify(result)}`);
process.exit(result.ok ? 0 : 1);
