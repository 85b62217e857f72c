/*
 * Text is full of digit runs (prices, dates, order and article numbers, ISBNs, IP addresses),
 * and libphonenumber accepts many of them as valid numbers once a region is set. So a number in
 * text is a candidate only when a phone label stands right before it, or when it is written in
 * international form with a leading `+`. Every pattern below is a fixed sequence of bounded
 * pieces, so each match attempt costs a constant and a scan is linear in the text.
 */

/** Phone labels in the languages the pipeline meets most, each a whole word. */
const label = String.raw`(?:tel(?:ephone|efon|efono|éfono|efone|f)?|t[ée]l[ée]phone|t[ée]l|phone|ph|fon|mobile?|mobil|mob|handy|cell(?:phone)?|gsm|hotline|call(?:[ \t]us)?|puh(?:elin)?|tlf|tfn)`;
/** What may sit between the label and the number: `.`, `/Fax`, `(office)`, `number`, `:`. */
const labelTail = String.raw`(?:\.?(?:[ \t]{0,2}[/&][ \t]{0,2}fax\.?)?[ \t]{0,3}(?:\([^()\n]{0,24}\)[ \t]{0,3})?(?:(?:no|nr|number|nummer|num[ée]ro)\.?[ \t]{0,3})?[:.\-–][ \t]{0,3}|[ \t]{1,3})`;
/** A phone-shaped run: optional `+` or `(`, then digits with the usual visual separators. */
const number = String.raw`[+(]?[ \t]{0,2}\d[\d \t().\-/]{4,24}\d`;
/** An extension after the number (`ext. 12`, `x12`, `Durchwahl 12`, `poste 12`). */
const extension = String.raw`(?:[ \t]{0,3}(?:ext\.?|extension|x|durchwahl|dw\.?|poste)[ \t]{0,3}\d{1,7})?`;

const labelled = new RegExp(String.raw`(?<![\p{L}\p{N}])${label}${labelTail}(${number}${extension})`, 'giu');
/**
 * An international number anywhere in text. Not after a letter, digit or `+` (the middle of a
 * token), nor after `#` (`Order #+4915…`), `/`, `=` or `&` (the middle of a URL).
 */
const international = new RegExp(
  String.raw`(?<![\p{L}\p{N}+#/=&])(\+[ \t]{0,2}\d[\d \t().\-/]{5,22}\d${extension})`,
  'gu',
);
/** A fax label shortly before an international number makes it a fax, not a phone. */
const faxBefore = /fax\.?[ \t]{0,3}(?:\([^()\n]{0,24}\)[ \t]{0,3})?[:.]?[ \t]{0,3}$/i;

/**
 * Finds the phone-number candidates in text: numbers after a phone label (Tel, Phone, Telefon,
 * Téléphone, Mobil, …) in any format, and numbers in international `+` form anywhere except
 * after a fax label. Candidates still need {@link parsePhone}; blanks of all widths should have
 * been turned into spaces first.
 */
export function findPhoneCandidates(text: string): string[] {
  const found: string[] = [];
  for (const match of text.matchAll(labelled)) {
    if (match[1] !== undefined) found.push(match[1]);
  }
  for (const match of text.matchAll(international)) {
    const before = text.slice(Math.max(0, match.index - 40), match.index);
    if (match[1] !== undefined && !faxBefore.test(before)) found.push(match[1]);
  }
  return found;
}
