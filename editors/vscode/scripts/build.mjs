// Bundle the extension (and, with --tests, the unit tests) with esbuild.
//   node scripts/build.mjs               dist/extension.js with a source map
//   node scripts/build.mjs --production  minified, no source map (what the .vsix ships)
//   node scripts/build.mjs --tests       out/test/*.test.js for `node --test`
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import * as esbuild from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const production = process.argv.includes('--production');
const tests = process.argv.includes('--tests');

const common = {
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    logLevel: 'warning',
    absWorkingDir: root,
};

if (tests) {
    const unit = join(root, 'test', 'unit');
    const entryPoints = readdirSync(unit)
        .filter((name) => name.endsWith('.test.ts'))
        .map((name) => join(unit, name));
    await esbuild.build({ ...common, entryPoints, outdir: join(root, 'out', 'test'), sourcemap: 'inline' });
} else {
    await esbuild.build({
        ...common,
        entryPoints: [join(root, 'src', 'extension.ts')],
        outfile: join(root, 'dist', 'extension.js'),
        external: ['vscode'],
        minify: production,
        sourcemap: !production,
    });
}
