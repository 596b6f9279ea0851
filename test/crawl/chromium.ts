import { existsSync } from 'node:fs';

/**
 * Browser tests need Debian's chromium. In CI (CI=true) a missing browser fails the run;
 * elsewhere the tests are skipped and say why.
 */
export const CHROMIUM = process.env.LLMOPS_CHROMIUM ?? '/usr/bin/chromium';
export const chromiumMissing = !existsSync(CHROMIUM);

if (chromiumMissing) {
  if (process.env.CI === 'true') throw new Error(`Chromium is required in CI but missing at ${CHROMIUM} (apt-get install -y chromium)`);
  console.warn(`[llmops tests] no Chromium at ${CHROMIUM}: browser crawl tests are SKIPPED (apt-get install -y chromium)`);
}
