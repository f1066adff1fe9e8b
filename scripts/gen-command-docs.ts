// Writes docs/commands.md from the command registry (`npm run docs:commands`). Run it after
// adding or changing a command or an option; test/cli/registry.test.ts fails until you do.
import { writeFileSync } from "node:fs";
import { commandReference } from "../src/cli/command-docs.ts";

const target = new URL("../docs/commands.md", import.meta.url);
writeFileSync(target, await commandReference());
process.stdout.write(`wrote ${target.pathname}\n`);
