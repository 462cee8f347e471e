// Makes text from apps and manifests inert on a terminal: control characters become visible escapes, never commands.
//
// C0 controls (ESC, CR, BEL…), DEL and C1 controls (U+0080–U+009F, which some terminals read as
// CSI and OSC) could move the cursor, rewrite the line above, or set the window title; the bidi
// overrides (U+202A–U+202E, U+2066–U+2069) reorder what is shown. weftctl prints every string an
// app or a manifest controls through these functions.

const CONTROL = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
/** What JSON.stringify leaves raw that a terminal may still act on. */
const JSON_RAW = /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function hex(char: string, width: number): string {
  return (char.codePointAt(0) ?? 0).toString(16).padStart(width, '0');
}

/** One field: every control character, newline included, as `\xHH` (or `\uHHHH`). */
export function inert(text: string): string {
  return text.replace(CONTROL, (char) => {
    if (char === '\n') return '\\n';
    if (char === '\r') return '\\r';
    if (char === '\t') return '\\t';
    const code = char.codePointAt(0) ?? 0;
    return code <= 0xff ? `\\x${hex(char, 2)}` : `\\u${hex(char, 4)}`;
  });
}

/** A block weftctl composed: its own line breaks stay, anything else is made inert. */
export function inertLines(text: string): string {
  return text.split('\n').map(inert).join('\n');
}

/** JSON text with the characters JSON.stringify leaves raw written as \u escapes (still the same JSON value). */
export function inertJson(text: string): string {
  return text.replace(JSON_RAW, (char) => `\\u${hex(char, 4)}`);
}
