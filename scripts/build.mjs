// Bundles the Lambda handler into dist/sink/index.mjs: the file CDK deploys, `sam local invoke`
// runs and the integration tests load. The AWS SDK is bundled so the function does not depend on
// the SDK version of the Lambda runtime.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { build } from 'esbuild';

const outfile = 'dist/sink/index.mjs';
await rm('dist/sink', { recursive: true, force: true });
await mkdir('dist/sink', { recursive: true });
const result = await build({
  entryPoints: { index: 'functions/sink/handler.ts' },
  outdir: 'dist/sink',
  outExtension: { '.js': '.mjs' },
  // The Secrets Manager client is a chunk of its own, loaded only when a secret is configured.
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  platform: 'node',
  target: 'node24',
  format: 'esm',
  minify: true,
  sourcemap: true,
  sourcesContent: false,
  legalComments: 'none',
  metafile: true,
  // Some bundled CommonJS dependencies call require() for Node built-ins.
  banner: {
    js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
  },
  logLevel: 'warning',
});
// The metafile stays outside dist/sink so the deployed asset holds only the bundle and its map.
await writeFile('dist/meta.json', JSON.stringify(result.metafile));
const outputs = Object.entries(result.metafile.outputs).filter(([name]) => name.endsWith('.mjs'));
const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
const main = result.metafile.outputs[outfile]?.bytes ?? 0;
const all = outputs.reduce((sum, [, o]) => sum + o.bytes, 0);
console.log(`built ${outfile} (${kib(main)} minified; ${kib(all)} with the chunks loaded on demand)`);
