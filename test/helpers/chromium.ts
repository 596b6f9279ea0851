import { existsSync } from 'node:fs';

/**
 * Browser tests need Debian's chromium (Playwright's own download does not install here). In CI
 * (CI=true) or with LLMOPS_REQUIRE_SERVICES=1 a missing browser fails the run; elsewhere the
 * browser tests are skipped and say why.
 */
export const CHROMIUM = process.env.LLMOPS_CHROMIUM ?? '/usr/bin/chromium';
export const chromiumMissing = !existsSync(CHROMIUM);

/** How the tests launch it (DEPENDENCIES.md): headless, no sandbox, no background traffic. */
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

if (chromiumMissing) {
  if (process.env.CI === 'true' || process.env.LLMOPS_REQUIRE_SERVICES === '1') throw new Error(`Chromium is required (CI) but missing at ${CHROMIUM} (apt-get install -y chromium)`);
  console.warn(`[llmops tests] no Chromium at ${CHROMIUM}: browser tests are SKIPPED (apt-get install -y chromium)`);
}
