import { describe, expect, it } from 'vitest';
import { readDrift } from '../../src/domain/bundle/read-compare.js';

const rb = (subjects: unknown[], roleRef = { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' }) => ({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'RoleBinding',
  metadata: { name: 'auditors', namespace: 'payments' },
  subjects,
  roleRef,
});
const group = (name: string) => ({ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name });
const liveMeta = { name: 'auditors', namespace: 'payments', uid: 'u', resourceVersion: '7', managedFields: [{ manager: 'kubectl' }] };

describe('readDrift: the fields a manifest sets, against the object as read', () => {
  it.each([
    ['the same object, with what the server adds', rb([group('auditors')]), { ...rb([group('auditors')]), metadata: liveMeta }, []],
    ['a subject that differs, matched by name', rb([group('auditors')]), { ...rb([{ ...group('auditors'), kind: 'User' }]), metadata: liveMeta }, ['.subjects[name=auditors].kind']],
    ['a subject missing', rb([group('auditors'), group('sre')]), rb([group('auditors')]), ['.subjects[name=sre]']],
    ['another role', rb([group('a')]), rb([group('a')], { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' }), ['.roleRef.name']],
    // Lists without names compare by index; defaults the server adds inside an item are not drift.
    [
      'a NetworkPolicy with defaulted ports',
      { kind: 'NetworkPolicy', spec: { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ ports: [{ port: 80 }] }] } },
      { kind: 'NetworkPolicy', spec: { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ ports: [{ port: 80, protocol: 'TCP' }] }] } },
      [],
    ],
    ['a list the live object has fewer of', { kind: 'NetworkPolicy', spec: { policyTypes: ['Ingress', 'Egress'] } }, { kind: 'NetworkPolicy', spec: { policyTypes: ['Ingress'] } }, ['.spec.policyTypes']],
    ['a list item that differs', { kind: 'NetworkPolicy', spec: { policyTypes: ['Egress'] } }, { kind: 'NetworkPolicy', spec: { policyTypes: ['Ingress'] } }, ['.spec.policyTypes[0]']],
    // Quantities as the server normalizes them.
    ['quantities of the same value', { kind: 'ResourceQuota', spec: { hard: { cpu: '1000m', memory: '1Gi', pods: 10 } } }, { kind: 'ResourceQuota', spec: { hard: { cpu: '1', memory: '1024Mi', pods: '10' } } }, []],
    ['a quantity that differs', { kind: 'ResourceQuota', spec: { hard: { cpu: '2' } } }, { kind: 'ResourceQuota', spec: { hard: { cpu: '1' } } }, ['.spec.hard.cpu']],
    // metadata: labels and annotations the manifest sets; the rest of metadata names the object.
    ['a label that differs, others ignored', { kind: 'Namespace', metadata: { name: 'p', labels: { team: 'a' } } }, { kind: 'Namespace', metadata: { name: 'p', labels: { team: 'b', extra: 'x' } } }, ['.metadata.labels.team']],
    ['a map the live object lacks', { kind: 'ConfigMap', data: { a: '1' } }, { kind: 'ConfigMap' }, ['.data']],
    ['a string against a map', { kind: 'X', spec: { a: { b: 1 } } }, { kind: 'X', spec: { a: 'b' } }, ['.spec.a']],
  ])('%s', (_name, manifest, live, want) => {
    expect(readDrift(manifest as Record<string, unknown>, live as Record<string, unknown>)).toEqual(want);
  });
});
