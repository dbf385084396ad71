// Page helper: take the invite link out of the address bar.
import { InviteLink } from './pkg/guestlink_wasm.js';

/**
 * Reads the invite fragment from `location.hash`, removes it from the address bar and the
 * current history entry (`history.replaceState`), and parses it. The fragment is removed even
 * when it does not parse. Throws `LINK_MISSING_FRAGMENT` when there is no fragment.
 *
 * Serve the page with `Referrer-Policy: no-referrer` (see README).
 *
 * @param {{ location: Location, history: History }} [win] defaults to `globalThis` (the window)
 * @returns {InviteLink}
 */
export function takeLinkFromLocation(win = globalThis) {
  const { location, history } = win;
  const hash = location.hash;
  try {
    // "" has no '#': LINK_MISSING_FRAGMENT; "#..." is parsed as a fragment.
    return InviteLink.parse(hash);
  } finally {
    if (hash !== '') {
      history.replaceState(history.state, '', location.pathname + location.search);
    }
  }
}
