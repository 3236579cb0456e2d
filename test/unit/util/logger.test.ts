import { expect } from 'chai';
import { logLevel, loggerFor, setLogLevel, type LogLevel } from '../../../src/util/logger.js';

describe('logger level at runtime', () => {
  it('reaches component loggers created before the change', () => {
    const before = logLevel() as LogLevel;
    const early = loggerFor('unit-test', 'ns/name');
    try {
      setLogLevel('error');
      expect(early.level).to.equal('error');
      expect(loggerFor('unit-test-later').level).to.equal('error');
      expect(logLevel()).to.equal('error');
    } finally {
      setLogLevel(before);
    }
    expect(early.level).to.equal(before);
  });
});
