import { expect } from 'chai';
import { serverError } from '../../../src/cli/kube/api-error.js';
import { alignTabs, smartLabel } from '../../../src/cli/print/describe.js';
import { TablePrinter, type Table } from '../../../src/cli/print/table.js';

// Output formats that must match kubectl's byte for byte.

const table: Table = {
  kind: 'Table',
  columnDefinitions: [{ name: 'Name' }, { name: 'Phase' }, { name: 'Ready', type: 'boolean' }, { name: 'Image', priority: 1 }, { name: 'Age' }],
  rows: [
    { cells: ['web', 'Running', true, 'busybox', '5s'], object: { metadata: { name: 'web', namespace: 'a' } } },
    { cells: ['crashloop', null, false, 'busybox', '10m'], object: { metadata: { name: 'crashloop', namespace: 'a' } } },
  ],
};

describe('cli: table printer', () => {
  it('aligns like kubectl: padding 3, minimum width 6, empty cells blank, last cell unpadded', () => {
    expect(new TablePrinter().print(table)).to.equal('NAME        PHASE     READY   AGE\nweb         Running   true    5s\ncrashloop             false   10m\n');
  });

  it('shows priority columns with -o wide and a NAMESPACE column with -A', () => {
    expect(new TablePrinter({ wide: true, withNamespace: true }).print(table).split('\n')[0]).to.equal('NAMESPACE   NAME        PHASE     READY   IMAGE     AGE');
  });

  it('adds -L columns headed by the key\'s last segment and a LABELS column last, <none> without labels', () => {
    const labelled: Table = { ...table, rows: [{ ...table.rows![0], object: { metadata: { name: 'web', labels: { tier: 'front', 'app.kubernetes.io/name': 'web' } } } }, table.rows![1]] };
    expect(new TablePrinter({ labelColumns: ['app.kubernetes.io/name', 'zone'], showLabels: true }).print(labelled)).to.equal(
      ['NAME        PHASE     READY   AGE   NAME   ZONE   LABELS', 'web         Running   true    5s    web           app.kubernetes.io/name=web,tier=front', 'crashloop             false   10m                 <none>', ''].join('\n'),
    );
  });

  it('prints no header line with --no-headers', () => {
    expect(new TablePrinter({ noHeaders: true }).print(table)).to.equal('web         Running   true    5s\ncrashloop             false   10m\n');
  });

  it('prefixes the name column with the type, even when the server puts it last (an Event)', () => {
    const events: Table = {
      kind: 'Table',
      columnDefinitions: [{ name: 'Last Seen' }, { name: 'Reason' }, { name: 'Name', format: 'name', priority: 1 }],
      rows: [{ cells: ['5s', 'Started', 'web.1'], object: { metadata: { name: 'web.1' } } }],
    };
    expect(new TablePrinter({ wide: true, kindPrefix: 'event' }).print(events)).to.equal('LAST SEEN   REASON    NAME\n5s          Started   event/web.1\n');
  });

  it('keeps column widths across watch events', () => {
    const p = new TablePrinter();
    p.print(table);
    expect(p.print({ ...table, rows: [{ cells: ['x', 'Running', true, '', '1s'] }] }, false)).to.equal('x           Running   true    1s\n');
  });
});

describe('cli: describe layout', () => {
  it('turns field names into kubectl\'s smart labels', () => {
    expect(['containerID', 'apiVersion', 'uid', 'lastTransitionTime', 'hostIP', 'okube.dev/x'].map(smartLabel)).to.deep.equal(['Container ID', 'API Version', 'UID', 'Last Transition Time', 'Host IP', 'okube.dev/x']);
  });

  it('aligns each block of key/value lines on its own', () => {
    expect(alignTabs(['Name:\tweb', 'Labels:\ta=b', 'Spec:', '  Image:\tx', '  Restart Policy:\tAlways'])).to.equal('Name:    web\nLabels:  a=b\nSpec:\n  Image:           x\n  Restart Policy:  Always\n');
  });
});

describe('cli: server errors', () => {
  it('prints NotFound as kubectl does', () => {
    const e = serverError(404, { kind: 'Status', reason: 'NotFound', message: 'tasks.okube.dev "x" not found' });
    expect(`${e.prefix}${e.message}`).to.equal('Error from server (NotFound): tasks.okube.dev "x" not found');
  });

  it('prints Invalid with the object and its causes', () => {
    const e = serverError(422, { reason: 'Invalid', message: 'm', details: { kind: 'Task', name: 'x', causes: [{ field: 'spec.image', message: 'Required value' }] } });
    expect(`${e.prefix}${e.message}`).to.equal('The Task "x" is invalid: spec.image: Required value');
  });
});
