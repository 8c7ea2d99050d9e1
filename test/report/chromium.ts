// Headless Chromium for the report tests: the network disabled (any request goes to a closed
// local port), a throwaway profile per call.
import { execa } from 'execa';

export const CHROMIUM = '/usr/bin/chromium';

export async function chromium(profile: string, args: string[]): Promise<string> {
  const r = await execa(
    CHROMIUM,
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      // No network: any request would go to a closed local port and fail.
      '--proxy-server=127.0.0.1:9',
      '--proxy-bypass-list=<-loopback>',
      `--user-data-dir=${profile}`,
      ...args,
    ],
    { timeout: 120_000, reject: false },
  );
  if (r.exitCode !== 0) throw new Error(`chromium failed (${r.exitCode}): ${r.stderr.slice(-2000)}`);
  return r.stdout;
}
