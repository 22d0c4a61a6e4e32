// The browser build (dist/browser.js) swaps the modules that read files through Node for stand-ins built from
// this helper, so a page does not ship code it can never run. Each stand-in keeps the real module's public
// names and throws this error, which says what to use in a browser instead.
import { ValueError } from '../errors';

/** The error a Node-only function gives in the browser build. */
export function needsNode(what: string, instead: string): ValueError {
  return new ValueError(`${what} reads files and needs Node.js; in a browser ${instead}`);
}
