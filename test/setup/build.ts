// Compiles Capstan once before the tests that run the real entry point (dist/bundle/capstan.mjs), so that no two
// test files rebuild dist/ at the same time.
import { execFileSync } from "node:child_process";

export default function setup(): void {
  execFileSync("npm", ["run", "--silent", "build"], { stdio: "inherit" });
}
