import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureComponentCerts, generatePki, writePki, type ClusterPki } from '../../src/providers/local/certs.js';
import { certFiles } from '../../src/providers/local/paths.js';

let pki: ClusterPki;
beforeAll(async () => {
  pki = await generatePki(new Date('2026-01-01T00:00:00Z'));
});

describe('generatePki', () => {
  it('issues a serving certificate valid for loopback and the in-cluster service names', () => {
    const serving = new X509Certificate(pki.serving.certPem);
    expect(serving.subjectAltName?.split(', ').sort()).toEqual(
      [
        'DNS:kubernetes',
        'DNS:kubernetes.default',
        'DNS:kubernetes.default.svc',
        'DNS:localhost',
        'IP Address:10.0.0.1', // first address of --service-cluster-ip-range=10.0.0.0/24
        'IP Address:127.0.0.1',
      ].sort(),
    );
    expect(serving.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(serving.checkHost('kubernetes.default.svc')).toBe('kubernetes.default.svc');
    expect(serving.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']); // serverAuth only
  });

  it('signs the serving certificate with the serving CA and the admin with the separate client CA', () => {
    const ca = new X509Certificate(pki.ca.certPem);
    const clientCa = new X509Certificate(pki.clientCa.certPem);
    const serving = new X509Certificate(pki.serving.certPem);
    const admin = new X509Certificate(pki.admin.certPem);
    expect(ca.ca && clientCa.ca).toBe(true);
    expect(serving.ca || admin.ca).toBe(false);
    expect(serving.verify(ca.publicKey)).toBe(true);
    expect(admin.verify(clientCa.publicKey)).toBe(true);
    // A client certificate from the serving CA would be refused by --client-ca-file.
    expect(admin.verify(ca.publicKey)).toBe(false);
  });

  it('makes the admin a system:masters user named fleetflow-admin', () => {
    const admin = new X509Certificate(pki.admin.certPem);
    expect(admin.subject.split('\n').sort()).toEqual(['CN=fleetflow-admin', 'O=system:masters']);
    expect(admin.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']); // clientAuth only
  });

  it('backdates validity by an hour and keeps leaf certificates inside the CA lifetime', () => {
    const ca = new X509Certificate(pki.ca.certPem);
    const serving = new X509Certificate(pki.serving.certPem);
    expect(new Date(serving.validFrom).toISOString()).toBe('2025-12-31T23:00:00.000Z');
    expect(new Date(serving.validTo).getTime()).toBeLessThan(new Date(ca.validTo).getTime());
  });

  it('writes keys as PKCS#8 / SPKI PEM, which kube-apiserver and Node both read', () => {
    for (const key of [pki.ca.keyPem, pki.serving.keyPem, pki.admin.keyPem, pki.serviceAccount.privateKeyPem]) {
      expect(key).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    }
    expect(pki.serviceAccount.publicKeyPem).toMatch(/^-----BEGIN PUBLIC KEY-----/);
  });
});

describe('ensureComponentCerts', () => {
  it('issues the controller manager, scheduler and KWOK their identities from the cluster CAs, once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleetflow-certs-'));
    try {
      await writePki(dir, pki);
      await ensureComponentCerts(dir);
      const f = certFiles(dir);
      const read = (file: string) => new X509Certificate(readFileSync(file, 'utf8'));
      const clientCa = new X509Certificate(pki.clientCa.certPem);
      const ca = new X509Certificate(pki.ca.certPem);
      expect(read(f.controllerManagerCert).subject).toBe('CN=system:kube-controller-manager');
      expect(read(f.schedulerCert).subject).toBe('CN=system:kube-scheduler');
      expect(read(f.kwokCert).subject).toBe('CN=fleetflow-kwok'); // a role of its own, not system:masters
      for (const c of [f.controllerManagerCert, f.schedulerCert, f.kwokCert]) {
        expect(read(c).verify(clientCa.publicKey)).toBe(true); // accepted by --client-ca-file
        expect(read(c).keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);
      }
      for (const c of [f.controllerManagerServingCert, f.schedulerServingCert]) {
        expect(read(c).verify(ca.publicKey)).toBe(true);
        expect(read(c).checkIP('127.0.0.1')).toBe('127.0.0.1');
      }
      expect(statSync(f.kwokKey).mode & 0o777).toBe(0o600);
      // A second call keeps what is there.
      const before = readFileSync(f.schedulerCert, 'utf8');
      await ensureComponentCerts(dir);
      expect(readFileSync(f.schedulerCert, 'utf8')).toBe(before);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
