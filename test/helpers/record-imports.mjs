// Preload (`node --import ./test/helpers/record-imports.mjs`) that appends every module the
// process loads to the file named by PIPECTL_RECORD_IMPORTS, one path or URL a line: ES modules
// through a resolve hook (it runs on the loader thread), CommonJS through Module._load, and at
// exit Node's own internal modules ("NativeModule internal/…", from process.moduleLoadList).
import { appendFileSync } from 'node:fs';
import Module, { register } from 'node:module';

const out = process.env.PIPECTL_RECORD_IMPORTS;
if (out) {
  register(
    `data:text/javascript,${encodeURIComponent(`
      import { appendFileSync } from 'node:fs';
      export async function resolve(specifier, context, next) {
        const r = await next(specifier, context);
        appendFileSync(${JSON.stringify(out)}, r.url + '\\n');
        return r;
      }`)}`,
  );
  const load = Module._load;
  Module._load = function (request, parent, isMain) {
    try {
      appendFileSync(out, `${Module._resolveFilename(request, parent, isMain)}\n`);
    } catch {
      // Unresolvable: the real load reports it.
    }
    return load.call(this, request, parent, isMain);
  };
  process.on('exit', () => appendFileSync(out, `${process.moduleLoadList.join('\n')}\n`));
}
