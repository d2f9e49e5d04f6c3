// The SDK client as the browser runs it: the page's own WebSocket, storage and search index, no token.
import { ParleyClient } from '../../shared/client/index.js';
import { indexedDbSearchStore } from './search-store.js';
import { browserStorage } from './storage.js';

/** The WebSocket lives on the page's own host and port; the HttpOnly cookie rides along with the upgrade. */
function socketUrl(): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}/ws`;
}

/** How this browser shows in the account's list of devices. */
export function deviceLabel(): string {
  const ua = navigator.userAgent;
  const browser = /Firefox\//.test(ua) ? 'Firefox' : /Edg\//.test(ua) ? 'Edge' : /Chrom(e|ium)\//.test(ua) ? 'Chrome' : /Safari\//.test(ua) ? 'Safari' : 'Browser';
  return `${browser} (web)`;
}

export function createClient(): ParleyClient {
  return new ParleyClient({
    url: socketUrl(),
    WebSocket: globalThis.WebSocket,
    storage: browserStorage(),
    rememberToken: false,
    // The wrap key lives in this tab's sessionStorage: a reload stays unlocked, a new tab asks for the password.
    keyStorage: sessionStorage,
    // Decrypted history for search, in IndexedDB: sealed rows and blinded words, opened with the wrap key.
    searchStore: indexedDbSearchStore,
    clientName: 'parley-web/0.1',
    device: deviceLabel(),
  });
}
