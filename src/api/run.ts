import { apiListenAddress, loadConfig, loadConfigFile } from '../config.js';
import { corsOriginsOf, parseDevCodecOrigin } from '../domain/api/codec-access.js';
import { DEFAULT_ACCESS_POLICY } from '../domain/auth/policy.js';
import { DEFAULT_WEBHOOKS_CONFIG } from '../domain/change/webhooks-config.js';
import { connectClient } from '../temporal/connection.js';
import { temporalUiUrl } from '../temporal/ui-link.js';
import type { ApiLogger } from './access-log.js';
import { createApi } from './app.js';
import { createAuthenticator } from './auth/authenticator.js';
import { serveApi, type ServedApi } from './server.js';

/**
 * Runs the API as a process (`fleetflow api`, and the daemon `fleetflow dev up` starts): reads
 * the config file (FLEETFLOW_CONFIG: access policy, api, webhooks), connects to Temporal, serves
 * until SIGINT or SIGTERM.
 */

/** Where the UI links of changes point (see src/temporal/ui-link.ts). */
export { temporalUiUrl } from '../temporal/ui-link.js';

/** Starts the server and returns it (the caller decides how long it runs). */
export async function startApi(opts: { env?: NodeJS.ProcessEnv; address?: string; logger: ApiLogger }): Promise<ServedApi> {
  const env = opts.env ?? process.env;
  const config = loadConfig(env);
  const file = env.FLEETFLOW_CONFIG ? loadConfigFile(env.FLEETFLOW_CONFIG) : undefined;
  const { logger } = opts;
  if (!file) logger.warn('no FLEETFLOW_CONFIG, so the access policy is empty and every request is denied (see README, "API")');
  const access = file?.access ?? DEFAULT_ACCESS_POLICY;
  // --address, else FLEETFLOW_API_ADDRESS, else the file's api.address (127.0.0.1:8080 by default).
  const address = opts.address ?? (file ? apiListenAddress(file.api, env).address : env.FLEETFLOW_API_ADDRESS);
  const dev = parseDevCodecOrigin(env.FLEETFLOW_DEV_CODEC_ORIGIN);
  if (!dev.ok) throw new Error(`configuration: ${dev.error}`);
  const client = await connectClient(config, env);
  if (dev.origin) logger.warn('codec server open without a token to the dev UI, from this machine only (FLEETFLOW_DEV_CODEC_ORIGIN; never set it outside dev)', { origin: dev.origin });
  const app = createApi({
    client,
    namespace: client.options.namespace,
    taskQueue: config.taskQueue,
    access,
    authenticate: createAuthenticator({ policy: access, ...(file?.api.oidc ? { oidc: file.api.oidc } : {}) }),
    webhooks: file?.webhooks ?? DEFAULT_WEBHOOKS_CONFIG,
    uiBaseUrl: temporalUiUrl(env),
    logger,
    // The codec server decodes with exactly the codecs the API's own client encodes with.
    codec: {
      payloadCodecs: client.options.loadedDataConverter.payloadCodecs,
      corsOrigins: corsOriginsOf(file?.api.codec ?? { corsOrigins: [] }, dev.origin),
      ...(dev.origin ? { devOrigin: dev.origin } : {}),
    },
  });
  let served: ServedApi;
  try {
    served = await serveApi(app, { ...(address ? { address } : {}) });
  } catch (e) {
    await client.connection.close();
    throw e;
  }
  logger.info(`fleetflow api: listening on ${served.url}`, { url: served.url, namespace: client.options.namespace, taskQueue: config.taskQueue, reference: `${served.url}/docs` });
  return {
    url: served.url,
    async close() {
      await served.close();
      await client.connection.close();
    },
  };
}

/** Serves until SIGINT or SIGTERM, then closes the server and the connection. */
export async function runApi(opts: { env?: NodeJS.ProcessEnv; address?: string; logger: ApiLogger }): Promise<void> {
  const served = await startApi(opts);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  opts.logger.info('fleetflow api: stopping');
  await served.close();
}
