import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MemoryStore } from '../../../src/storage/memory-store.js';
import { kubectl, startTestServer, type TestServer } from '../apiserver/helpers.js';
import { okube } from '../../support/okube-cli.js';

// `okube describe secret|configmap` prints what kubectl's own describers print: a Secret's keys
// with their sizes — never the values — and a ConfigMap's values with its binary keys by size.
// (One key per map: kubectl walks Go maps, in no fixed order.)

describe('okube describe of Secrets, ConfigMaps and Namespaces', function () {
  this.timeout(60_000);
  let ts: TestServer;
  const same = async (args: string[]) => {
    const mine = await okube(['describe', ...args], { kubeconfig: ts.kubeconfig });
    const theirs = await kubectl(ts, ['describe', ...args]);
    expect(mine.code, mine.stderr).to.equal(0);
    expect(mine.stdout).to.equal(theirs.stdout);
    return mine.stdout;
  };
  before(async () => {
    ts = await startTestServer(new MemoryStore());
  });
  after(async () => {
    await ts?.stop();
  });

  it('a Secret shows its type and each key\'s size, not the value, as kubectl does', async () => {
    expect((await kubectl(ts, ['create', 'secret', 'generic', 'db', '--from-literal=password=s3cr3t-value'])).code).to.equal(0);
    const out = await same(['secret', 'db']);
    expect(out).to.include('password:  12 bytes').and.include('Type:  Opaque');
    expect(out).to.not.include('s3cr3t').and.not.include(Buffer.from('s3cr3t-value').toString('base64'));
  });

  it('a ConfigMap shows its values and its binary data by size, then its Events, as kubectl does', async () => {
    const bin = join(ts.dir, 'blob.bin');
    writeFileSync(bin, Buffer.from([0xff, 0xfe, 0x00, 0x01]));
    expect((await kubectl(ts, ['create', 'configmap', 'app', '--from-literal=mode=fast', `--from-file=blob=${bin}`])).code).to.equal(0);
    const out = await same(['configmap', 'app']);
    expect(out).to.include('mode:\n----\nfast\n').and.include('blob: 4 bytes').and.match(/Events:\s+<none>\n$/);
  });

  it('a Namespace shows its labels and status as kubectl\'s namespace describer does', async () => {
    expect((await kubectl(ts, ['create', 'namespace', 'described'])).code).to.equal(0);
    expect(await same(['namespace', 'described'])).to.equal('Name:         described\nLabels:       kubernetes.io/metadata.name=described\nAnnotations:  <none>\nStatus:       Active\n');
  });
});
