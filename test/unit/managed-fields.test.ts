import { describe, expect, it } from 'vitest';
import { appliedFieldsOf, driftedFields, jsonEqual, type FieldSet, type ManagedFieldsEntry } from '../../src/domain/bundle/managed-fields.js';

// A Deployment's fieldsV1 as the API server writes it for an applied manifest.
const fields: FieldSet = {
  'f:metadata': { 'f:labels': { 'f:app': {} } },
  'f:spec': {
    'f:replicas': {},
    'f:template': {
      'f:spec': {
        'f:containers': {
          'k:{"name":"web"}': { '.': {}, 'f:image': {}, 'f:name': {}, 'f:ports': { 'k:{"containerPort":8080,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} } } },
        },
      },
    },
  },
  'f:data': { 'f:list': { 'v:"a"': {} } },
};
const desired = {
  metadata: { labels: { app: 'web' } },
  spec: { replicas: 2, template: { spec: { containers: [{ name: 'web', image: 'web:1', ports: [{ containerPort: 8080, protocol: 'TCP' }] }] } } },
  data: { list: ['a'] },
};

describe('driftedFields', () => {
  it('finds nothing when every owned field matches, whatever else the live object has', () => {
    const live = structuredClone(desired) as Record<string, any>;
    live.metadata.labels.extra = 'theirs'; // not in our set
    live.spec.template.spec.containers[0].imagePullPolicy = 'IfNotPresent'; // a default
    live.spec.template.spec.containers.unshift({ name: 'sidecar', image: 's:1' }); // another element
    expect(driftedFields(fields, live, desired)).toEqual([]);
  });

  it('names each changed owned field by path, list elements by their keys', () => {
    const live = structuredClone(desired) as Record<string, any>;
    live.spec.replicas = 5;
    live.spec.template.spec.containers[0].image = 'web:2';
    expect(driftedFields(fields, live, desired)).toEqual(['.spec.replicas', '.spec.template.spec.containers[name=web].image']);
  });

  it('reports a removed element or label once, at its root', () => {
    const live = structuredClone(desired) as Record<string, any>;
    live.spec.template.spec.containers = [{ name: 'other', image: 'x' }];
    delete live.metadata.labels.app;
    live.data.list = ['b'];
    expect(driftedFields(fields, live, desired)).toEqual(['.data.list[=a]', '.metadata.labels.app', '.spec.template.spec.containers[name=web]']);
  });
});

describe('appliedFieldsOf', () => {
  it('takes the Apply entry of the manager on the main resource, not its status writes or others', () => {
    const obj = {
      metadata: {
        managedFields: [
          { manager: 'fleetflow', operation: 'Apply', subresource: 'status', fieldsV1: { 'f:status': {} } },
          { manager: 'kubectl-edit', operation: 'Update', fieldsV1: { 'f:data': {} } },
          { manager: 'fleetflow', operation: 'Apply', fieldsV1: { 'f:spec': {} } },
        ] as ManagedFieldsEntry[],
      },
    };
    expect(appliedFieldsOf(obj, 'fleetflow')).toEqual({ 'f:spec': {} });
    expect(appliedFieldsOf(obj, 'someone')).toBeUndefined();
  });
});

describe('jsonEqual', () => {
  it('ignores key order but not array order or types', () => {
    expect(jsonEqual({ a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1 })).toBe(true);
    expect(jsonEqual([1, 2], [2, 1])).toBe(false);
    expect(jsonEqual({ a: 1 }, { a: '1' })).toBe(false);
    expect(jsonEqual({ a: undefined }, {})).toBe(false);
  });
});
