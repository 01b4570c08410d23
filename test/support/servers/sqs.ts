// fauxqs (the demo's SQS emulator, a runtime dependency), in process, bound to 127.0.0.1 only (it binds every interface unless told).
import { startFauxqs } from 'fauxqs';
import type { Started } from './types.js';

export async function startSqs(): Promise<Started> {
  const server = await startFauxqs({ port: 0, host: '127.0.0.1', logger: false });
  return {
    env: { SQS_ENDPOINT: `http://127.0.0.1:${server.port}`, SQS_REGION: 'us-east-1' },
    stop: () => server.stop(),
  };
}
