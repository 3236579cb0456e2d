import { expect } from 'chai';
import { cpuToNano, formatCpu, formatMemory, memoryToBytes, parseQuantity } from '../../../src/api/quantity.js';
import { isOkubeError } from '../../../src/util/errors.js';

describe('quantities', () => {
  it('parses CPU millicores and whole CPUs to nano-CPUs', () => {
    expect(cpuToNano('500m')).to.equal(500_000_000);
    expect(cpuToNano('2')).to.equal(2_000_000_000);
    expect(cpuToNano(0.25)).to.equal(250_000_000);
  });

  it('parses binary and decimal memory suffixes to bytes', () => {
    expect(memoryToBytes('128Mi')).to.equal(134_217_728);
    expect(memoryToBytes('1G')).to.equal(1e9);
    expect(memoryToBytes('512k')).to.equal(512_000);
    expect(memoryToBytes('1e3')).to.equal(1000);
  });

  it('rejects a malformed quantity with Invalid naming the field', () => {
    try {
      parseQuantity('lots', 'spec.resources.limits.memory');
      expect.fail('expected Invalid');
    } catch (err) {
      expect(isOkubeError(err, 'Invalid')).to.equal(true);
      expect((err as Error).message).to.contain('spec.resources.limits.memory');
    }
  });

  it('formats back the way Kubernetes writes quantities', () => {
    expect(formatCpu(2)).to.equal('2');
    expect(formatCpu(0.5)).to.equal('500m');
    expect(formatMemory(2 ** 31)).to.equal('2Gi');
    expect(formatMemory(64 * 2 ** 20)).to.equal('64Mi');
  });
});
