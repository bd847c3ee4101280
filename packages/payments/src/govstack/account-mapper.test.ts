import { memoryAuditSink } from '@govblocks/core';
import { type RunningServer, startServer } from '@govblocks/core/http';
import { memoryPaymentStore } from '../engine/memory-store.js';
import { createPaymentService } from '../engine/payment-service.js';
import { paymentsHttpApp } from '../http/legacy-app.js';
import { simulatorRail } from '../rails/simulator.js';
import { paymentServiceConformanceSuite } from '../testing/index.js';
import { govstackAccountMapper } from './account-mapper.js';

// The round trip: an engine whose ID account mapper is a remote GovStack Payments BB (here our
// own HTTP binding over another engine) passes the same conformance suite as the engine alone.
paymentServiceConformanceSuite({
  name: 'engine with a remote GovStack account mapper (over the HTTP binding)',
  approvalThreshold: 100_000,
  create: async () => {
    const remoteRail = simulatorRail({ name: 'remote' });
    const remote = createPaymentService({
      store: memoryPaymentStore(),
      rails: { remote: remoteRail },
      audit: memoryAuditSink(),
    });
    const server: RunningServer = await startServer(
      paymentsHttpApp({
        service: remote,
        railByModality: { mobile_money: 'remote', bank_account: 'remote' },
      }),
      { port: 0 },
    );
    const accountMapper = govstackAccountMapper({
      baseUrl: server.url,
      registeringInstitutionId: 'MINISTRY-OF-TEST',
      railByModality: { mobile_money: 'rail', bank_account: 'rail' },
      http: { retries: 0 },
    });
    const rail = simulatorRail({ name: 'rail', seed: 5 });
    const service = createPaymentService({
      store: memoryPaymentStore(),
      rails: { rail },
      accountMapper,
      audit: memoryAuditSink(),
      approval: { thresholds: { USD: 100_000 } },
    });
    return {
      service,
      rail: 'rail',
      teardown: async () => {
        rail.close();
        remoteRail.close();
        await accountMapper.close();
        await server.close();
      },
    };
  },
});
