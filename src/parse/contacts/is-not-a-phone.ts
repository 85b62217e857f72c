/*
 * Number shapes that libphonenumber happily reads as valid phones once a default region is
 * set (with region DE, "2024-01-15" parses as +4920240115), so they are ruled out by shape
 * first. Each pattern is anchored and bounded.
 */
const isoDate = /^\d{4}[-./]\d{1,2}[-./]\d{1,2}$/;
const localDate = /^\d{1,2}[-./] ?\d{1,2}[-./] ?\d{2,4}$/;
const ipv4 = /^\d{1,3}(?:\.\d{1,3}){3}$/;
const dottedVersion = /^v?\d{1,4}(?:\.\d{1,4}){1,3}$/i;
const isbn10 = /^\d{1,5}[- ]\d{1,7}[- ]\d{1,7}[- ][\dX]$/i;

/**
 * Whether a candidate (the number part, without an extension) is a date, an IP address, a
 * version string or an ISBN rather than a phone number. Order and invoice numbers are excluded
 * earlier: text numbers count only after a phone label or with a leading `+`.
 */
export function isNotAPhone(candidate: string): boolean {
  const value = candidate.trim();
  const digits = value.replace(/\D/g, '');
  if (digits.length < 6 || digits.length > 17) return true;
  if (isoDate.test(value) || localDate.test(value) || ipv4.test(value)) return true;
  // A version has short dot groups and few digits; a dotted phone (01.42.68.53.00) has more.
  if (/^v/i.test(value) || (dottedVersion.test(value) && digits.length <= 8)) return true;
  if (!value.startsWith('+') && digits.length === 13 && /^97[89]/.test(digits) && /[- ]/.test(value)) return true;
  return isbn10.test(value);
}
