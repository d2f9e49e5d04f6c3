// Reads the two frames that arrive per message (the ack and the pushed message) without JSON.parse,
// when they have the server's usual layout; anything else is left to JSON.parse by the caller.

const OK_PREFIX = Buffer.from('{"type":"ok","id":');
const ACK_CID = Buffer.from(',"result":{"clientMsgId":"');
const MESSAGE_PREFIX = Buffer.from('{"type":"message","message":{');
const FROM_KEY = Buffer.from('"from":"');
const CID_KEY = Buffer.from('"clientMsgId":"');
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** Filled in by scanFrame; one object reused for every frame, so scanning allocates only the strings. */
export interface ScannedFrame {
  id: number;
  from: string;
  clientMsgId: string;
}

function startsWith(data: Buffer, prefix: Buffer, at = 0): boolean {
  return data.length >= at + prefix.length && data.compare(prefix, 0, prefix.length, at, at + prefix.length) === 0;
}

/** A JSON string's contents from `start` to the closing quote, or null if it has escapes. */
function plainString(data: Buffer, start: number): string | null {
  for (let i = start; i < data.length; i++) {
    const c = data[i];
    if (c === QUOTE) return data.toString('latin1', start, i);
    if (c === BACKSLASH || c! >= 0x80) return null;
  }
  return null;
}

/**
 * 'ack' for `{"type":"ok","id":N,"result":{"clientMsgId":"…"…`, 'message' for a pushed message
 * (its from and clientMsgId), null for anything else. Key names are searched with their quotes and
 * colon, which cannot occur unescaped inside a JSON string, so a body cannot fake them.
 */
export function scanFrame(data: Buffer, out: ScannedFrame): 'ack' | 'message' | null {
  if (startsWith(data, OK_PREFIX)) {
    let i = OK_PREFIX.length;
    let id = 0;
    const first = i;
    for (; i < data.length && data[i]! >= 0x30 && data[i]! <= 0x39 && i - first < 16; i++) id = id * 10 + (data[i]! - 0x30);
    if (i === first || !startsWith(data, ACK_CID, i)) return null;
    const cid = plainString(data, i + ACK_CID.length);
    if (cid === null) return null;
    out.id = id;
    out.clientMsgId = cid;
    return 'ack';
  }
  if (startsWith(data, MESSAGE_PREFIX)) {
    const f = data.indexOf(FROM_KEY, MESSAGE_PREFIX.length);
    const c = data.indexOf(CID_KEY, MESSAGE_PREFIX.length);
    if (f < 0 || c < 0) return null;
    const from = plainString(data, f + FROM_KEY.length);
    const cid = plainString(data, c + CID_KEY.length);
    if (from === null || cid === null) return null;
    out.from = from;
    out.clientMsgId = cid;
    return 'message';
  }
  return null;
}
