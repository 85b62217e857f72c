import { parseDuration } from '../duration.js';
import type { ParamType, ParamValue } from './check-definition.js';

/**
 * Converts a value, from YAML or from the text of a `--param`, to a parameter's type. Throws an
 * Error that says what the type accepts. Intervals come back as PostgreSQL interval literals;
 * lists given as text are comma-separated.
 */
export function coerceParam(type: ParamType, value: string | number | (string | number)[]): ParamValue {
  switch (type) {
    case 'interval':
      if (typeof value !== 'string') throw new Error('an interval parameter needs a duration such as 15m');
      return parseDuration(value).interval;
    case 'integer': {
      const n = typeof value === 'string' && /^\s*-?\d+\s*$/.test(value) ? Number(value) : value;
      if (typeof n !== 'number' || !Number.isSafeInteger(n)) {
        throw new Error(`${JSON.stringify(value)} is not a whole number`);
      }
      return n;
    }
    case 'text':
      if (Array.isArray(value)) throw new Error('a text parameter needs one value, not a list');
      return String(value);
    case 'list':
      if (Array.isArray(value)) return value.map(String);
      return String(value)
        .split(',')
        .map((v) => v.trim())
        .filter((v) => v !== '');
  }
}
