import type { ParamDefinition, ParamType, ParamValue } from './check-definition.js';
import { scanSql } from './scan-sql.js';

/** SQL with positional parameters and their values, ready for the driver. */
export interface BoundSql {
  text: string;
  parameters: ParamValue[];
}

/**
 * The cast each parameter type binds with. The cast comes from the declaration, never from the
 * value, and gives PostgreSQL the type it cannot infer itself (`now() - $1` is ambiguous).
 */
const casts: Record<ParamType, string> = {
  interval: 'interval',
  integer: 'bigint',
  text: 'text',
  list: 'text[]',
};

/**
 * Rewrites `:name` placeholders as `$n::type` positional parameters (the same name reuses its
 * number) and collects their values (the declared defaults, or the `--param` overrides applied to them). Values are never spliced into the SQL text. Text
 * that only looks like a placeholder (`::casts`, literals, comments) is left alone; see
 * `scanSql`. Throws if the SQL uses a name it has no value for (validation prevents it).
 */
export function bindCheckSql(text: string, params: Record<string, ParamDefinition>): BoundSql {
  const numbers = new Map<string, number>();
  const parameters: ParamValue[] = [];
  let out = '';
  let from = 0;
  for (const placeholder of scanSql(text).placeholders) {
    const param = params[placeholder.name];
    if (param === undefined) throw new Error(`:${placeholder.name} is not a declared parameter`);
    let n = numbers.get(placeholder.name);
    if (n === undefined) {
      parameters.push(param.value);
      n = parameters.length;
      numbers.set(placeholder.name, n);
    }
    out += `${text.slice(from, placeholder.offset)}$${n}::${casts[param.type]}`;
    from = placeholder.offset + placeholder.name.length + 1;
  }
  return { text: out + text.slice(from), parameters };
}
