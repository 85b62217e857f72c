import type { CountryCode } from 'libphonenumber-js/max';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { isNotAPhone } from './is-not-a-phone.js';

/** The outcome for one phone candidate. */
export type ParsedPhone =
  /** A valid number, as E.164 (`+493012345678`) with `;ext=N` appended when it has an extension. */
  | { kind: 'phone'; value: string }
  /** A national-format number on a site with no country to read it in: kept as found, not guessed. */
  | { kind: 'unresolved'; raw: string };

/** An extension written after the number: `ext. 12`, `x12`, `Durchwahl 12`, `poste 12`, `;ext=12`. */
const extensionSuffix =
  /(?:[ \t]{0,3}[,;]?[ \t]{0,3}(?:ext\.?|extension|x|durchwahl|dw\.?|poste|#)[ \t]{0,3}=?[ \t]{0,3}|;ext=)(\d{1,7})$/i;

/**
 * Validates a phone candidate with libphonenumber-js (full metadata, so numbers are checked
 * against each country's real number ranges, not only their length). International numbers
 * (`+…`) need no region; national ones are read in `region`, and are `unresolved` without one.
 * Returns undefined for anything that is not a valid phone number.
 */
export function parsePhone(candidate: string, region: CountryCode | undefined): ParsedPhone | undefined {
  const trimmed = candidate.trim();
  const ext = extensionSuffix.exec(trimmed);
  const number = ext ? trimmed.slice(0, ext.index) : trimmed;
  if (isNotAPhone(number)) return undefined;
  const international = number.startsWith('+');
  if (!international && region === undefined) return { kind: 'unresolved', raw: trimmed };
  const parsed = parsePhoneNumberFromString(number, { defaultCountry: region, extract: false });
  if (parsed === undefined || !parsed.isValid()) return undefined;
  const extension = ext?.[1] ?? parsed.ext;
  return { kind: 'phone', value: extension ? `${parsed.number};ext=${extension}` : parsed.number };
}
