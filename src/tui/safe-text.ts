// What the terminal may draw of a text it did not write: a message, a name, a device, a server's error.
// End-to-end encryption means the server cannot filter message text, so the client does. A control
// character drawn as is moves the cursor (a carriage return forges a line as someone else), and an
// escape sequence sets the window title, writes the clipboard (OSC 52) or recolours the screen.

/** C0 controls but tab and line feed, DEL, C1 controls: ESC starts every escape sequence, CSI (U+009B) is a C1. */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;
/** Bidi embeddings, overrides and isolates: they reorder what follows, so a name or a time could read backwards. */
const BIDI_CONTROLS = /[\u202a-\u202e\u2066-\u2069]/g;
const LINE_SEPARATORS = /[\u2028\u2029]/g;

/**
 * Whole escape sequences, so none leaves its parameters behind as text: CSI (ESC [ or U+009B, parameters, a
 * final byte), OSC, DCS, APC and PM strings (to BEL or ESC \), or ESC and one character.
 */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const SEQUENCES = /(?:\u001b\[|\u009b)[\u0020-\u003f]*[\u0040-\u007e]?|\u001b[\]P^_][^\u0007\u001b]*(?:\u0007|\u001b\\)?|\u001b[^[\]P^_]?/g;

/** The text with every escape sequence, control character and bidi override removed; tabs become spaces, line breaks stay. */
export function cleanText(text: string): string {
  return text.replace(SEQUENCES, '').replace(LINE_SEPARATORS, '\n').replace(CONTROLS, '').replace(BIDI_CONTROLS, '').replace(/\t/g, '    ');
}

/** Any control character but none of the others above: what no cleaned or typed text may hold. */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
export const ANY_CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
