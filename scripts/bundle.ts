// Bundles the CLI with esbuild into dist/bundle/: a new process then reads a few files instead of
// resolving and compiling hundreds of modules (client-node alone took about 0.4 s to load), and each
// command's code stays in a chunk of its own, loaded only when that command runs. The bundle reads
// the schemas in dist/bundle/openapi/ and package.json two levels up, as the unbundled CLI does.
import { cpSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = fileURLToPath(new URL("../..", import.meta.url)).replace(/\/dist\/?$/, "/");
const out = join(root, "dist/bundle");
rmSync(out, { recursive: true, force: true });
await build({
  entryPoints: { capstan: join(root, "src/cli.ts") },
  outdir: out,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  outExtension: { ".js": ".mjs" },
  minifySyntax: true,
  // CommonJS dependencies call require(); an ES module has none of its own.
  banner: {
    js: "import { createRequire as __capstanRequire } from 'node:module'; const require = __capstanRequire(import.meta.url);",
  },
  // Optional native speed-ups of ws: absent here, loaded in try/catch when present.
  external: ["bufferutil", "utf-8-validate"],
  logLevel: "warning",
});
cpSync(join(root, "src/policy/openapi"), join(out, "openapi"), { recursive: true });
