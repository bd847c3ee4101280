import { type RunningServer, startServer } from '@govblocks/core/http';
import { memoryBillPaymentStore } from '../bills/memory.js';
import { createTestBillEngine } from '../bills/test-engine.js';
import { billPaymentsHttpApp } from '../http/p2g.js';
import { billPaymentServiceConformanceSuite } from '../testing/bill-conformance.js';
import { govstackBillPayments } from './bills-remote.js';

// The round trip: the remote adapter talking to the HTTP binding of an engine passes the same
// conformance suite as the engine itself.
billPaymentServiceConformanceSuite({
  name: 'remote adapter over the P2G HTTP binding',
  create: async () => {
    const engine = createTestBillEngine(memoryBillPaymentStore());
    const server: RunningServer = await startServer(
      billPaymentsHttpApp({ bills: engine.service }),
      {
        port: 0,
      },
    );
    const service = govstackBillPayments({
      baseUrl: server.url,
      tenantId: 'test',
      http: { retries: 0 },
    });
    return {
      ...engine,
      service,
      teardown: async () => {
        engine.teardown();
        await service.close();
        await server.close();
      },
    };
  },
});
