/** Passwords out of anything shown or written: messages, notices, records. */

/**
 * The password in URL-looking text: after `scheme://user:`, up to the last `@` before a host (a
 * run of characters without `@`, whitespace, `/`, `?` or `#`), so `p@ss` and `my pass` are hidden
 * whole, as WHATWG URL parsing reads them. It never reaches into the next URL or the next line.
 */
const passwordInText =
  /\b([a-z][a-z0-9+.-]*:\/\/[^:/\s]*:)(?:(?!:\/\/)[^\n])*?@(?=[^\s@/?#]*(?:[\s/?#]|$))/gim;

/** Replace the password in any URL-looking text with `***`. */
export function redact(text: string): string {
  return text.replace(passwordInText, '$1***@');
}
