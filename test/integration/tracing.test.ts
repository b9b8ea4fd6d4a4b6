import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoDir } from '../../src/host/toolchain.js';
import { eventually, FleetTestEnv } from '../helpers/fleet-env.js';

const run = promisify(execFile);

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes?: { key: string; value: { stringValue?: string; intValue?: string | number } }[];
  status?: { code?: number };
}

/** A tiny OTLP/HTTP (JSON) receiver on 127.0.0.1: every span posted to /v1/traces. */
function otlpReceiver(): Promise<{ server: Server; url: string; spans: OtlpSpan[] }> {
  const spans: OtlpSpan[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url === '/v1/traces') {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { resourceSpans?: { scopeSpans?: { spans?: OtlpSpan[] }[] }[] };
        for (const rs of body.resourceSpans ?? []) for (const ss of rs.scopeSpans ?? []) spans.push(...(ss.spans ?? []));
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, spans })));
}

const attr = (s: OtlpSpan, key: string) => {
  const v = s.attributes?.find((a) => a.key === key)?.value;
  return v?.stringValue ?? (v?.intValue !== undefined ? Number(v.intValue) : undefined);
};

let fleet: FleetTestEnv;
let receiver: Awaited<ReturnType<typeof otlpReceiver>>;
beforeAll(async () => {
  fleet = await FleetTestEnv.create();
  receiver = await otlpReceiver();
});
afterAll(async () => {
  receiver?.server.close();
  await fleet?.teardown();
});

describe('OpenTelemetry tracing over OTLP', () => {
  it('makes one connected trace of `fleetflow clusters provision`: the CLI, the workflow, its activities, the provider and Kubernetes calls', async () => {
    const taskQueue = fleet.newTaskQueue();
    const otel = { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url };
    const worker = fleet.spawnWorker(taskQueue, join(fleet.dataDir, 'worker.log'), { env: otel });
    const spec = join(fleet.dataDir, 't1.yaml');
    writeFileSync(spec, 'name: t1\nprovider: local\n');
    await run(process.execPath, [`${repoDir}/src/cli/bin.mjs`, 'clusters', 'provision', '-f', spec], { env: { ...fleet.cliEnv(taskQueue), ...otel } });

    // The CLI flushed before it exited; the worker exports its batches every second.
    const named = (name: string) => receiver.spans.find((s) => s.name === name);
    await eventually(async () => receiver.spans.length, () => !!named('fleetflow clusters provision') && !!named('RunActivity:verifyCluster') && receiver.spans.some((s) => s.name.startsWith('kube ')), 30_000);

    const root = named('fleetflow clusters provision')!;
    expect(root.parentSpanId ?? '').toBe('');
    const trace = receiver.spans.filter((s) => s.traceId === root.traceId);
    const names = new Set(trace.map((s) => s.name));
    for (const n of ['StartWorkflow:provisionCluster', 'RunWorkflow:provisionCluster', 'StartActivity:createCluster', 'RunActivity:createCluster', 'RunActivity:bootstrapCluster', 'provider local.create', 'provider local.credentials']) {
      expect(names, n).toContain(n);
    }
    // Connected: every span but the root has its parent in the same trace.
    const ids = new Set(trace.map((s) => s.spanId));
    expect(trace.filter((s) => s !== root && !ids.has(s.parentSpanId ?? '')).map((s) => s.name)).toEqual([]);
    // The Kubernetes calls of the bootstrap: method, status, the cluster and the operation.
    const kube = trace.filter((s) => s.name.startsWith('kube '));
    expect(kube.length).toBeGreaterThan(0);
    for (const s of kube) {
      expect({ cluster: attr(s, 'fleetflow.cluster'), operation: attr(s, 'fleetflow.operation'), method: attr(s, 'http.request.method') }).toEqual({ cluster: 't1', operation: 'provisionCluster', method: s.name.slice(5) });
      // A call the server answered has its status; one that never got an answer (the API server
      // still starting) is an error span without one.
      if (attr(s, 'http.response.status_code') === undefined) expect(s.status?.code).toBe(2);
    }
    expect(kube.filter((s) => attr(s, 'http.response.status_code') === 200).length).toBeGreaterThan(0);
    expect(attr(trace.find((s) => s.name === 'provider local.create')!, 'fleetflow.cluster')).toBe('t1');
    // No span carries a certificate or a key (the credentials stay in the activities).
    expect(receiver.spans.every((s) => !JSON.stringify(s).includes('BEGIN'))).toBe(true);

    worker.kill('SIGTERM');
    await once(worker, 'exit');
  });
});
