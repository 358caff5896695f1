// The bundle's entry point (dist/index.js): runs the action. main.ts only exports run(), so tests and
// tools can import it without starting the action.
import { run } from './main.js';

await run();
