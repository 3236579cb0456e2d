// Imported with `node --import` by tests: records the URL of every ES module the process loads
// (the CLI bundle's chunks included) to the file $OKUBE_TEST_LOADED_MODULES, one per line, from
// Node's module loader hooks (which run on their own thread, hence the file).
import { register } from 'node:module';

register('./loaded-modules-hooks.mjs', import.meta.url);
