/*
 * Every pattern here is a fixed sequence of bounded pieces ({0,3} blanks, a word from a short
 * list), so a match attempt costs a constant and a scan is linear: no `\s*` that could restart
 * across a long run of spaces.
 */

/** `[at]`, `(at)`, `{at}`, `<at>`, `[@]`, `(ät)`, with the blanks around them. */
const bracketedAt = /[ \t]{0,3}[[({<][ \t]{0,2}(?:at|@|ät)[ \t]{0,2}[\])}>][ \t]{0,3}/giu;
/** `[dot]`, `(dot)`, `{.}`, `(punkt)`, `[point]`, with the blanks around them. */
const bracketedDot = /[ \t]{0,3}[[({<][ \t]{0,2}(?:dot|\.|punkt|point|punto)[ \t]{0,2}[\])}>][ \t]{0,3}/giu;
/**
 * Spelled-out ` AT ` and ` DOT ` between words. Upper case only: lower-case "at" and "dot"
 * are ordinary words ("meet us at the fair"), and matching them would invent addresses.
 */
const spelledAt = /(?<=[\p{L}\p{N}])[ \t]{1,3}AT[ \t]{1,3}(?=[\p{L}\p{N}])/gu;
const spelledDot = /(?<=[\p{L}\p{N}])[ \t]{1,3}DOT[ \t]{1,3}(?=[\p{L}\p{N}])/gu;

/**
 * Rewrites the obfuscated address forms people publish to stop harvesters
 * (`info [at] firma [dot] de`, `info(at)firma.de`, `info AT firma DOT de`) into plain
 * `info@firma.de`, leaving all other text as it was. Run the email finder on the result.
 */
export function deobfuscateEmailText(text: string): string {
  return text.replace(bracketedAt, '@').replace(bracketedDot, '.').replace(spelledAt, '@').replace(spelledDot, '.');
}
