// @peculiar/x509 (through tsyringe) needs the Reflect metadata API: load the polyfill first.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

type KeyPair = webcrypto.CryptoKeyPair;
const EC = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGN = { name: 'ECDSA', hash: 'SHA-256' } as const;

/** PEM files of a test PKI for the Temporal frontend: one CA, the frontend's certificate, a client's. */
export interface TemporalTlsFiles {
  caCert: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** The name in the frontend's certificate (clients verify it). */
  serverName: string;
}

const keyPair = () => webcrypto.subtle.generateKey(EC, true, ['sign', 'verify']) as Promise<KeyPair>;
const keyPem = async (k: KeyPair) => x509.PemConverter.encode(await webcrypto.subtle.exportKey('pkcs8', k.privateKey), 'PRIVATE KEY');
const window = () => ({ notBefore: new Date(Date.now() - 3_600_000), notAfter: new Date(Date.now() + 86_400_000) });

/**
 * Generates a CA, a frontend certificate for 127.0.0.1/localhost (usable as a client certificate
 * too: the server's own system worker presents it when calling the frontend) and a client
 * certificate, all valid for a day, and writes them into `dir`.
 */
export async function writeTemporalTls(dir: string): Promise<TemporalTlsFiles> {
  const caKeys = await keyPair();
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    name: 'CN=fleetflow-test-temporal-ca',
    keys: caKeys,
    signingAlgorithm: SIGN,
    ...window(),
    extensions: [new x509.BasicConstraintsExtension(true, 0, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.digitalSignature, true)],
  });
  const leaf = async (subject: string, usages: x509.ExtendedKeyUsage[], sans: x509.JsonGeneralName[]) => {
    const keys = await keyPair();
    const cert = await x509.X509CertificateGenerator.create({
      subject,
      issuer: ca.subject,
      publicKey: keys.publicKey,
      signingKey: caKeys.privateKey,
      signingAlgorithm: SIGN,
      ...window(),
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension(usages),
        ...(sans.length ? [new x509.SubjectAlternativeNameExtension(sans)] : []),
      ],
    });
    return { cert: cert.toString('pem'), key: await keyPem(keys) };
  };
  const server = await leaf('CN=localhost', [x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth], [
    { type: 'dns', value: 'localhost' },
    { type: 'ip', value: '127.0.0.1' },
  ]);
  const client = await leaf('CN=fleetflow-worker', [x509.ExtendedKeyUsage.clientAuth], []);
  const files: TemporalTlsFiles = {
    caCert: join(dir, 'ca.pem'),
    serverCert: join(dir, 'frontend.pem'),
    serverKey: join(dir, 'frontend-key.pem'),
    clientCert: join(dir, 'client.pem'),
    clientKey: join(dir, 'client-key.pem'),
    serverName: 'localhost',
  };
  await writeFile(files.caCert, ca.toString('pem'));
  await writeFile(files.serverCert, server.cert);
  await writeFile(files.serverKey, server.key, { mode: 0o600 });
  await writeFile(files.clientCert, client.cert);
  await writeFile(files.clientKey, client.key, { mode: 0o600 });
  return files;
}

/** The envconfig variables that make the worker, the CLI and the API connect with the client certificate. */
export function tlsEnv(files: TemporalTlsFiles): Record<string, string> {
  return {
    TEMPORAL_TLS_CLIENT_CERT_PATH: files.clientCert,
    TEMPORAL_TLS_CLIENT_KEY_PATH: files.clientKey,
    TEMPORAL_TLS_SERVER_CA_CERT_PATH: files.caCert,
    TEMPORAL_TLS_SERVER_NAME: files.serverName,
  };
}
