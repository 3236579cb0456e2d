import { expect } from 'chai';
import { compileSchema } from '../../../../src/apiserver/schema/index.js';
import { causesOf, node, nodeDef, task, taskDef } from './helpers.js';

describe('validation causes', () => {
  it('a minimal Task is valid', () => {
    expect(causesOf(task({ image: 'x' }))).to.deep.equal([]);
  });

  it('a missing image is Required at spec.image', () => {
    expect(causesOf(task({}))).to.deep.equal([{ reason: 'FieldValueRequired', field: 'spec.image', message: 'Required value' }]);
  });

  it('a missing spec is Required at spec', () => {
    const t = task({});
    delete t.spec;
    expect(causesOf(t)).to.deep.equal([{ reason: 'FieldValueRequired', field: 'spec', message: 'Required value' }]);
  });

  it('an empty image is Invalid', () => {
    expect(causesOf(task({ image: '' }))[0]).to.include({ reason: 'FieldValueInvalid', field: 'spec.image' });
  });

  it('an unknown restartPolicy is NotSupported and lists the supported values', () => {
    expect(causesOf(task({ image: 'x', restartPolicy: 'Sometimes' }))).to.deep.equal([
      { reason: 'FieldValueNotSupported', field: 'spec.restartPolicy', message: 'Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"' },
    ]);
  });

  it('a string containerPort is TypeInvalid with the path and the expected type', () => {
    expect(causesOf(task({ image: 'x', ports: [{ containerPort: 'abc' }] }))).to.deep.equal([
      { reason: 'FieldValueTypeInvalid', field: 'spec.ports[0].containerPort', message: 'Invalid value: "abc": spec.ports[0].containerPort in body must be of type integer: "string"' },
    ]);
  });

  it('a fractional integer field is TypeInvalid', () => {
    expect(causesOf(task({ image: 'x', terminationGracePeriodSeconds: 1.5 }))[0]).to.include({ reason: 'FieldValueTypeInvalid', field: 'spec.terminationGracePeriodSeconds' });
  });

  it('a port number out of range is Invalid with the bound', () => {
    const [cause] = causesOf(task({ image: 'x', ports: [{ containerPort: 70000 }] }));
    expect(cause).to.deep.equal({ reason: 'FieldValueInvalid', field: 'spec.ports[0].containerPort', message: 'Invalid value: 70000: spec.ports[0].containerPort in body should be less than or equal to 65535' });
  });

  it('a backoff factor below 1 is Invalid', () => {
    expect(causesOf(task({ image: 'x', backoff: { factor: 0.5 } }))[0]).to.include({ reason: 'FieldValueInvalid', field: 'spec.backoff.factor' });
  });

  it('a probe port accepts a number', () => {
    expect(causesOf(task({ image: 'x', livenessProbe: { httpGet: { port: 8080 } } }))).to.deep.equal([]);
  });

  it('a probe port accepts a port name', () => {
    expect(causesOf(task({ image: 'x', livenessProbe: { httpGet: { port: 'http' } } }))).to.deep.equal([]);
  });

  it('a probe port that is neither integer nor string gets one cause naming both types', () => {
    const causes = causesOf(task({ image: 'x', livenessProbe: { httpGet: { port: { n: 1 } } } }));
    expect(causes).to.have.length(1);
    expect(causes[0]).to.include({ reason: 'FieldValueTypeInvalid', field: 'spec.livenessProbe.httpGet.port' });
    expect(causes[0].message).to.contain('integer or string');
  });

  it('a grpc probe is rejected at its grpc field, saying okube does not support it', () => {
    expect(causesOf(task({ image: 'x', livenessProbe: { grpc: { port: 9000 } } }))).to.deep.equal([
      { reason: 'FieldValueForbidden', field: 'spec.livenessProbe.grpc', message: 'Forbidden: grpc probes are not supported by okube (use httpGet, tcpSocket or exec)' },
    ]);
  });

  it('a grpc probe next to a supported handler is still rejected', () => {
    const causes = causesOf(task({ image: 'x', startupProbe: { grpc: { port: 9000 }, exec: { command: ['true'] } } }));
    expect(causes.map((c) => c.field)).to.deep.equal(['spec.startupProbe.grpc']);
  });

  it('a probe with two handlers is rejected at the probe', () => {
    expect(causesOf(task({ image: 'x', readinessProbe: { tcpSocket: { port: 1 }, exec: { command: ['true'] } } }))).to.deep.equal([
      { reason: 'FieldValueInvalid', field: 'spec.readinessProbe', message: 'Invalid value: "object": exactly one of httpGet, tcpSocket or exec must be set' },
    ]);
  });

  it('a probe with no handler is rejected at the probe', () => {
    expect(causesOf(task({ image: 'x', readinessProbe: { periodSeconds: 5 } }))[0]).to.include({ field: 'spec.readinessProbe' });
  });

  it('an exec probe with an empty command is Invalid', () => {
    expect(causesOf(task({ image: 'x', livenessProbe: { exec: { command: [] } } }))[0]).to.include({ reason: 'FieldValueInvalid', field: 'spec.livenessProbe.exec.command' });
  });

  it('a bad memory quantity is rejected at its field', () => {
    const [cause] = causesOf(task({ image: 'x', resources: { limits: { memory: 'lots' } } }));
    expect(cause).to.include({ reason: 'FieldValueInvalid', field: 'spec.resources.limits.memory' });
  });

  it('a numeric quantity is accepted', () => {
    expect(causesOf(task({ image: 'x', resources: { requests: { cpu: 2, memory: 1048576 } } }))).to.deep.equal([]);
  });

  it('an env entry without a name is Required at spec.env[0].name', () => {
    expect(causesOf(task({ image: 'x', env: [{ value: 'v' }] }))).to.deep.equal([{ reason: 'FieldValueRequired', field: 'spec.env[0].name', message: 'Required value' }]);
  });

  it('a port name longer than 15 characters is TooLong', () => {
    expect(causesOf(task({ image: 'x', ports: [{ containerPort: 1, name: 'a-very-long-port-name' }] }))[0]).to.include({ reason: 'FieldValueTooLong', field: 'spec.ports[0].name' });
  });

  it('reports every bad field at once', () => {
    const fields = causesOf(task({ restartPolicy: 'Sometimes', imagePullPolicy: 'Maybe' })).map((c) => c.field).sort();
    expect(fields).to.deep.equal(['spec.image', 'spec.imagePullPolicy', 'spec.restartPolicy']);
  });

  it('an unknown field is not a validation error (pruning reports it)', () => {
    const t = task({ image: 'x', imagee: 'typo' });
    expect(compileSchema(taskDef).validate(t)).to.deep.equal([]);
  });

  it('a status timestamp that is not RFC 3339 is Invalid', () => {
    expect(causesOf(task({ image: 'x' }, { startTime: 'yesterday' }))[0]).to.include({ reason: 'FieldValueInvalid', field: 'status.startTime' });
  });

  it('a Node dockerHost that is not unix:// or tcp:// is Invalid', () => {
    expect(causesOf(node({ dockerHost: 'ssh://host' }), nodeDef)[0]).to.include({ reason: 'FieldValueInvalid', field: 'spec.dockerHost' });
  });

  it('a Node portRange with start after end is rejected at spec.portRange', () => {
    const [cause] = causesOf(node({ dockerHost: 'unix:///x', portRange: { start: 9, end: 1 } }), nodeDef);
    expect(cause).to.deep.equal({ reason: 'FieldValueInvalid', field: 'spec.portRange', message: 'Invalid value: "object": portRange.start must not be greater than portRange.end' });
  });
});

describe('validation rules (CEL) next to schema errors', () => {
  it('a rule is not evaluated on a subtree whose types are already wrong', () => {
    const causes = causesOf(node({ dockerHost: 'unix:///x', portRange: { start: 'a', end: 1 } }), nodeDef);
    expect(causes.map((c) => c.field)).to.deep.equal(['spec.portRange.start']);
  });
});

describe('validation rules (CEL) with other errors elsewhere', () => {
  it('a grpc probe is still reported when spec.image is missing', () => {
    const fields = causesOf(task({ livenessProbe: { grpc: { port: 1 } } })).map((c) => c.field);
    expect(fields).to.deep.equal(['spec.image', 'spec.livenessProbe.grpc']);
  });
});
