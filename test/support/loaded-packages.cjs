// Preloaded with `node --require` by tests: when the process exits, writes the names of the
// packages it loaded from node_modules (what went through require, which the CLI bundle uses for
// its external packages) to the file $OKUBE_TEST_LOADED_PACKAGES, as a JSON array.
const { writeFileSync } = require('node:fs');

process.on('exit', () => {
  const names = new Set();
  for (const file of Object.keys(require.cache)) {
    const m = /node_modules[\\/]((?:@[^\\/]+[\\/])?[^\\/]+)/.exec(file);
    if (m) names.add(m[1].replace('\\', '/'));
  }
  writeFileSync(process.env.OKUBE_TEST_LOADED_PACKAGES, JSON.stringify([...names]));
});
