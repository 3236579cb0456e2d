// Loaded by mocha before any test file: keep library logs quiet unless asked for.
process.env.NODE_ENV ??= 'test';
