// `node --import tsx --import ./register.mjs ...`: records the URL of every module the process
// loads, one per line, in the file $IOVSIM_MODULE_LOG (test/cli/startup-imports.test.ts).
import { register } from "node:module";

register("./hooks.mjs", import.meta.url);
