import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** The browsers tried, in order, when CHROME_PATH is not set: Debian's chromium, Google Chrome, Ubuntu's name. */
export const browserNames = ['chromium', 'google-chrome', 'google-chrome-stable', 'chromium-browser'];

export const missingBrowserMessage =
  'No Chromium or Chrome found for the console tests. Install it with `sudo apt-get install -y chromium` ' +
  '(Debian; .ci/apt-packages.txt lists it), or set CHROME_PATH to a Chrome/Chromium executable.';

const executable = (path: string) => {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/**
 * The browser executable the console tests drive: CHROME_PATH when set (GitHub's runners preinstall
 * Chrome), else the first of `browserNames` on PATH. Throws one clear message when there is none: the
 * tests fail rather than skip.
 */
export function findBrowser(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CHROME_PATH) {
    if (executable(env.CHROME_PATH)) return env.CHROME_PATH;
    throw new Error(`CHROME_PATH=${env.CHROME_PATH} is not an executable file. ${missingBrowserMessage}`);
  }
  const dirs = (env.PATH ?? '').split(delimiter).filter(Boolean);
  for (const name of browserNames)
    for (const dir of dirs) if (executable(join(dir, name))) return join(dir, name);
  throw new Error(missingBrowserMessage);
}
