// @peculiar/x509 (through tsyringe) needs the Reflect metadata API: load the polyfill first.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import * as x509 from '@peculiar/x509';
import { certFiles } from './paths.js';

// @peculiar/x509 needs a WebCrypto implementation; Node's is complete for ECDSA P-256.
x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

const EC = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGN = { name: 'ECDSA', hash: 'SHA-256' } as const;
const DAY = 86_400_000;

/**
 * Names the API server answers to: loopback for this machine, and the in-cluster service
 * names and first service IP (10.0.0.1 of --service-cluster-ip-range=10.0.0.0/24), so a pod
 * or a tool that talks to "kubernetes.default.svc" verifies the same certificate.
 */
export const SERVING_SANS: readonly x509.JsonGeneralName[] = [
  { type: 'ip', value: '127.0.0.1' },
  { type: 'dns', value: 'localhost' },
  { type: 'dns', value: 'kubernetes' },
  { type: 'dns', value: 'kubernetes.default' },
  { type: 'dns', value: 'kubernetes.default.svc' },
  { type: 'ip', value: '10.0.0.1' },
];

/** Admin identity: kube-apiserver maps CN to the user and O to groups; system:masters bypasses RBAC. */
export const ADMIN_SUBJECT = 'CN=fleetflow-admin, O=system:masters';

/**
 * Client identities of the processes beside the API server. The controller manager and the
 * scheduler get the users the API server's bootstrap RBAC policy grants their rights to.
 * KWOK plays the kubelet of every simulated node. A real kubelet is confined to its own node
 * by the Node authorizer, which a local cluster does not run, and no bootstrap role covers all
 * nodes at once; so KWOK's user gets a role of its own (kwok-rbac.ts), granted before it starts.
 */
export const COMPONENT_SUBJECTS = {
  controllerManager: 'CN=system:kube-controller-manager',
  scheduler: 'CN=system:kube-scheduler',
  kwok: 'CN=fleetflow-kwok',
} as const;

/** Names the controller manager's and scheduler's loopback health ports answer to. */
const LOOPBACK_SANS: readonly x509.JsonGeneralName[] = [
  { type: 'ip', value: '127.0.0.1' },
  { type: 'dns', value: 'localhost' },
];

export interface Pem {
  certPem: string;
  keyPem: string;
}

/** Everything the control plane and its admin need, as PEM. */
export interface ClusterPki {
  ca: Pem;
  serving: Pem;
  clientCa: Pem;
  admin: Pem;
  serviceAccount: { publicKeyPem: string; privateKeyPem: string };
}

interface Issuer {
  cert: x509.X509Certificate;
  keys: CryptoKeyPair;
}

const keyPair = () => webcrypto.subtle.generateKey(EC, true, ['sign', 'verify']) as Promise<CryptoKeyPair>;

async function privatePem(key: CryptoKey): Promise<string> {
  return x509.PemConverter.encode(await webcrypto.subtle.exportKey('pkcs8', key), 'PRIVATE KEY');
}

async function publicPem(key: CryptoKey): Promise<string> {
  return x509.PemConverter.encode(await webcrypto.subtle.exportKey('spki', key), 'PUBLIC KEY');
}

/** Validity starts an hour back so a slightly slow clock elsewhere does not reject a new cert. */
function validity(days: number, now: Date) {
  return { notBefore: new Date(now.getTime() - 3_600_000), notAfter: new Date(now.getTime() + days * DAY) };
}

async function createCa(commonName: string, now: Date): Promise<Issuer> {
  const keys = await keyPair();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: `CN=${commonName}`,
    keys,
    signingAlgorithm: SIGN,
    ...validity(3650, now),
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert, keys };
}

async function issue(
  issuer: Issuer,
  subject: string,
  usage: 'server' | 'client',
  now: Date,
  sans: readonly x509.JsonGeneralName[] = [],
): Promise<Pem> {
  const keys = await keyPair();
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    new x509.ExtendedKeyUsageExtension([usage === 'server' ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth]),
    await x509.AuthorityKeyIdentifierExtension.create(issuer.keys.publicKey),
  ];
  if (sans.length) extensions.push(new x509.SubjectAlternativeNameExtension([...sans]));
  const cert = await x509.X509CertificateGenerator.create({
    subject,
    issuer: issuer.cert.subject,
    publicKey: keys.publicKey,
    signingKey: issuer.keys.privateKey,
    signingAlgorithm: SIGN,
    // Leaf certs outlive any sensible local cluster but stay well inside the CA's 10 years.
    ...validity(3 * 365, now),
    extensions,
  });
  return { certPem: cert.toString('pem'), keyPem: await privatePem(keys.privateKey) };
}

/**
 * A fresh PKI for one cluster: a serving CA and the API server's certificate, a separate
 * client CA (--client-ca-file) and the admin's client certificate, and the service-account
 * token signing key pair. Pure apart from randomness.
 */
export async function generatePki(now = new Date()): Promise<ClusterPki> {
  const ca = await createCa('fleetflow-local-ca', now);
  const clientCa = await createCa('fleetflow-local-client-ca', now);
  const sa = await keyPair();
  return {
    ca: { certPem: ca.cert.toString('pem'), keyPem: await privatePem(ca.keys.privateKey) },
    serving: await issue(ca, 'CN=kube-apiserver', 'server', now, SERVING_SANS),
    clientCa: { certPem: clientCa.cert.toString('pem'), keyPem: await privatePem(clientCa.keys.privateKey) },
    admin: await issue(clientCa, ADMIN_SUBJECT, 'client', now),
    serviceAccount: { publicKeyPem: await publicPem(sa.publicKey), privateKeyPem: await privatePem(sa.privateKey) },
  };
}

/** An issuer read back from the cluster's folder (its CA certificate and PKCS#8 key). */
async function readIssuer(certFile: string, keyFile: string): Promise<Issuer> {
  const [certPem, keyPem] = await Promise.all([readFile(certFile, 'utf8'), readFile(keyFile, 'utf8')]);
  const cert = new x509.X509Certificate(certPem);
  const privateKey = await webcrypto.subtle.importKey('pkcs8', x509.PemConverter.decode(keyPem)[0]!, EC, true, ['sign']);
  const publicKey = await cert.publicKey.export(EC, ['verify']);
  return { cert, keys: { privateKey, publicKey } as CryptoKeyPair };
}

/**
 * Issues, from the cluster's own CAs, the certificates of the processes beside the API server
 * that are not there yet: the client certificates of the controller manager, the scheduler and
 * KWOK (client CA), and the serving certificates of the controller manager's and scheduler's
 * health ports (serving CA). Run for new clusters and for clusters made before these processes
 * existed alike; files already present are kept.
 */
export async function ensureComponentCerts(certsDir: string, now = new Date()): Promise<void> {
  const f = certFiles(certsDir);
  const wanted: { cert: string; key: string; issuer: 'ca' | 'client'; subject: string; usage: 'server' | 'client'; sans?: readonly x509.JsonGeneralName[] }[] = [
    { cert: f.controllerManagerCert, key: f.controllerManagerKey, issuer: 'client', subject: COMPONENT_SUBJECTS.controllerManager, usage: 'client' },
    { cert: f.schedulerCert, key: f.schedulerKey, issuer: 'client', subject: COMPONENT_SUBJECTS.scheduler, usage: 'client' },
    { cert: f.kwokCert, key: f.kwokKey, issuer: 'client', subject: COMPONENT_SUBJECTS.kwok, usage: 'client' },
    { cert: f.controllerManagerServingCert, key: f.controllerManagerServingKey, issuer: 'ca', subject: 'CN=kube-controller-manager', usage: 'server', sans: LOOPBACK_SANS },
    { cert: f.schedulerServingCert, key: f.schedulerServingKey, issuer: 'ca', subject: 'CN=kube-scheduler', usage: 'server', sans: LOOPBACK_SANS },
  ];
  const missing = wanted.filter((w) => !existsSync(w.cert) || !existsSync(w.key));
  if (missing.length === 0) return;
  const issuers = {
    ca: await readIssuer(f.caCert, f.caKey),
    client: await readIssuer(f.clientCaCert, f.clientCaKey),
  };
  for (const w of missing) {
    const pem = await issue(issuers[w.issuer], w.subject, w.usage, now, w.sans);
    await writeFile(w.key, pem.keyPem, { mode: 0o600 });
    await writeFile(w.cert, pem.certPem, { mode: 0o644 });
  }
}

/** Writes the PKI under `certsDir`; private keys are 0600 (the folder is 0700). */
export async function writePki(certsDir: string, pki: ClusterPki): Promise<void> {
  await mkdir(certsDir, { recursive: true, mode: 0o700 });
  await chmod(certsDir, 0o700);
  const f = certFiles(certsDir);
  const files: [string, string, number][] = [
    [f.caCert, pki.ca.certPem, 0o644],
    [f.caKey, pki.ca.keyPem, 0o600],
    [f.servingCert, pki.serving.certPem, 0o644],
    [f.servingKey, pki.serving.keyPem, 0o600],
    [f.clientCaCert, pki.clientCa.certPem, 0o644],
    [f.clientCaKey, pki.clientCa.keyPem, 0o600],
    [f.adminCert, pki.admin.certPem, 0o644],
    [f.adminKey, pki.admin.keyPem, 0o600],
    [f.saPublicKey, pki.serviceAccount.publicKeyPem, 0o644],
    [f.saPrivateKey, pki.serviceAccount.privateKeyPem, 0o600],
  ];
  await Promise.all(files.map(([path, text, mode]) => writeFile(path, text, { mode })));
}
