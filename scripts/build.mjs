// Bundles the Lambda handler into dist/sink/index.mjs: the file CDK deploys, `sam local invoke`
// runs and the integration tests load. The AWS SDK is bundled so the function does not depend on
// the SDK version of the Lambda runtime.
import { mkdir, writeFile } from 'node:fs/promises';
import { build } from 'esbuild';

const outfile = 'dist/sink/index.mjs';
await mkdir('dist/sink', { recursive: true });
const result = await build({
  entryPoints: ['functions/sink/handler.ts'],
  outfile,
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
const bytes = result.metafile.outputs[outfile]?.bytes ?? 0;
console.log(`built ${outfile} (${(bytes / 1024).toFixed(1)} KiB minified)`);
