// Build step: the declarations of neurite/tfjs, one file per module of src/tfjs in dist/tfjs (x.d.ts and a
// CommonJS twin x.d.cts). They are not bundled: src/tfjs/nn.ts, the one import of neurite, is emitted as
// `export * from '../index'`, which in dist/tfjs names the package's own dist/index.d.ts, so the classes a
// neurite/tfjs program sees are neurite's (one nominal LayersModel, not a copy).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = fileURLToPath(new URL('..', import.meta.url));

export function emitTfjsTypes(outDir = join(root, 'dist/tfjs')) {
  const options = {
    target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler,
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'], types: ['node'], strict: true, skipLibCheck: true, declaration: true,
    emitDeclarationOnly: true, rootDir: join(root, 'src'), outDir: join(root, '.tfjs-types'), esModuleInterop: true,
  };
  const program = ts.createProgram([join(root, 'src/tfjs/index.ts')], options);
  const written = [];
  const result = program.emit(undefined, (file, text) => {
    const rel = relative(options.outDir, file).split(sep).join('/');
    if (!rel.startsWith('tfjs/')) return;
    const to = join(outDir, rel.slice('tfjs/'.length));
    mkdirSync(dirname(to), { recursive: true });
    // explicit extensions, which TypeScript's node16 mode needs; a CommonJS twin (.d.cts naming .cjs) of each file
    // so that a require() importer sees CommonJS declarations throughout (../index.cjs is neurite's index.d.cts)
    const withExt = (ext) => text.replace(/((?:from\s+|import\()['"])(\.{1,2}\/[^'"]+?)(['"])/g, (_m, a, p, c) => `${a}${p}${ext}${c}`);
    writeFileSync(to, withExt('.js'));
    writeFileSync(to.replace(/\.d\.ts$/, '.d.cts'), withExt('.cjs'));
    written.push(to);
  }, undefined, true);
  const errors = ts.getPreEmitDiagnostics(program).concat(result.diagnostics).filter((d) => d.category === ts.DiagnosticCategory.Error);
  if (errors.length) throw new Error(ts.formatDiagnostics(errors, { getCanonicalFileName: (f) => f, getCurrentDirectory: () => root, getNewLine: () => '\n' }));
  return written;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  console.log(`neurite/tfjs declarations: ${emitTfjsTypes().length} files`);
}
