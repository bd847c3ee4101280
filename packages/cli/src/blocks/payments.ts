import { createReadStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type {
  BlockModule,
  Command,
  CommandIo,
  RunningServer,
  ServeOptions,
} from '../block-module.js';
import { openServeAudit } from '../serve-audit.js';

/** `govblocks serve payments`: the GovStack Payments BB API (legacy and v3 routes) on the engine. */
async function serve(options: ServeOptions): Promise<RunningServer> {
  const { memoryAuditSink } = await import('@govblocks/core');
  const { openDatabase } = await import('@govblocks/core/sql');
  const { startServer } = await import('@govblocks/core/http');
  const payments = await import('@govblocks/payments');
  const {
    paymentsHttpApp,
    govstackTestGroups,
    govstackRejectedMerchantAccounts,
    seedGovStackVouchers,
  } = await import('@govblocks/payments/http');
  const { sqlPaymentStore, sqlSimulatorLedger, sqlVoucherStore } = await import(
    '@govblocks/payments/sql'
  );

  const db = options.databaseUrl ? await openDatabase(options.databaseUrl) : undefined;
  const store = db ? await sqlPaymentStore(db) : payments.memoryPaymentStore();
  const rail = payments.simulatorRail({
    name: 'simulator',
    ...(db ? { ledger: sqlSimulatorLedger(db) } : {}),
    rejectAddresses: options.seed ? govstackRejectedMerchantAccounts : [],
  });
  // With a database, events go to the tamper-evident audit log on it; without one, everything
  // (audit included) lives in memory for the life of the process.
  const serveAudit = db
    ? await openServeAudit(db, options.io, process.env, options.databaseUrl)
    : undefined;
  const audit = serveAudit?.sink ?? memoryAuditSink();
  const service = payments.createPaymentService({ store, rails: { simulator: rail }, audit });
  const keyText = process.env.GOVBLOCKS_VOUCHER_KEY;
  if (!keyText)
    options.io.err(
      'govblocks: GOVBLOCKS_VOUCHER_KEY is not set: vouchers use a random key and cannot be redeemed after a restart\n',
    );
  const secretKey =
    keyText && Buffer.byteLength(keyText) >= 32 ? keyText : payments.randomVoucherKey();
  const voucherStore = db ? await sqlVoucherStore(db) : payments.memoryVoucherStore();
  if (options.seed) await seedGovStackVouchers(voucherStore, secretKey);
  const vouchers = payments.createVoucherService({
    store: voucherStore,
    audit,
    secretKey,
    groups: options.seed
      ? govstackTestGroups
      : [{ name: 'default', currency: 'USD', budget: 100_000_000_00 }],
    merchantRail: rail,
  });
  const apiKey = process.env.GOVBLOCKS_API_KEY;
  if (!apiKey) {
    options.io.err(
      '\n  *** DEVELOPMENT MODE: no credentials configured (set GOVBLOCKS_API_KEY). Anyone who can reach this port can use the API. ***\n\n',
    );
  }
  const app = paymentsHttpApp({
    service,
    vouchers,
    railByModality: {
      bank_account: 'simulator',
      mobile_money: 'simulator',
      digital_wallet: 'simulator',
      proxy: 'simulator',
    },
    // The v3 routes: bare financial addresses in bulk validation are checked on the simulator.
    v3: {
      verifyAccount: (account) => rail.verifyAccount!({ modality: 'bank_account', ...account }),
    },
    ...(apiKey
      ? {
          auth: {
            apiKeys: {
              headers: ['X-API-Key', 'apiKey', 'api_key'],
              keys: [{ key: apiKey, id: 'api-key-client' }],
            },
          },
        }
      : {}),
  });
  // P2G bill payments, over a development biller (`DEMO-…` bill ids; --seed adds DEMO-1001).
  const { mountBillPayments } = await import('@govblocks/payments/http');
  const { sqlBillPaymentStore } = await import('@govblocks/payments/sql');
  const biller = payments.memoryBiller({
    billerId: 'DEMO',
    billerName: 'Demo agency',
    billPrefix: 'DEMO-',
    bills: options.seed
      ? [{ billId: 'DEMO-1001', currency: 'USD', amountDue: 5000, status: 'open' }]
      : [],
  });
  mountBillPayments(app, {
    bills: payments.createBillPaymentService({
      store: db ? await sqlBillPaymentStore(db) : payments.memoryBillPaymentStore(),
      billers: [biller],
      vouchers: payments.billVoucherRedeemer({
        service: vouchers,
        store: voucherStore,
        secretKey,
        settlementAccount: () => 'DEMO-SETTLEMENT',
      }),
      audit,
    }),
  });
  const server = await startServer(app, { port: options.port, host: options.host });
  if (!db)
    options.io.err(
      'govblocks: payments data is in memory (use --database-url for PGlite file:// or PostgreSQL)\n',
    );
  return {
    url: server.url,
    async close() {
      await server.close();
      rail.close();
      await serveAudit?.close();
      await db?.close();
    },
  };
}

const columnNames: Record<string, string> = {
  instruction_id: 'instructionId',
  payee_functional_id: 'payeeFunctionalId',
  amount: 'amount',
  currency: 'currency',
  narration: 'narration',
  financial_address: 'financialAddress',
  modality: 'modality',
};

/** Streams a CSV file as row objects (header names mapped to camelCase). */
async function* csvRows(path: string): AsyncGenerator<Record<string, string>> {
  const { createCsvParser } = await import('@govblocks/payments');
  const parser = createCsvParser();
  let header: string[] | undefined;
  const toRow = (record: string[]) => {
    const row: Record<string, string> = {};
    header!.forEach((name, index) => {
      const value = record[index];
      if (value !== undefined && value !== '') row[name] = value;
    });
    return row;
  };
  for await (const chunk of createReadStream(path, {
    encoding: 'utf8',
    highWaterMark: 256 * 1024,
  })) {
    for (const record of parser.push(chunk as string)) {
      if (!header)
        header = record.map((name) => columnNames[name.trim().toLowerCase()] ?? name.trim());
      else yield toRow(record);
    }
  }
  for (const record of parser.end()) {
    if (!header)
      header = record.map((name) => columnNames[name.trim().toLowerCase()] ?? name.trim());
    else yield toRow(record);
  }
}

const disburse: Command = {
  name: 'payments disburse',
  summary: 'Disburse a CSV batch through a rail, with live counts and a reconciliation summary',
  usage:
    'govblocks payments disburse <file.csv> --rail simulator [--currency USD] [--count N --sum 123.45] [--approve-as a,b]\n' +
    '       [--database-url postgres://…] [--failure-rate 0.01] [--timeout-rate 0.01] [--latency-ms 0] [--export report.csv]\n\n' +
    'CSV columns: instruction_id,payee_functional_id,amount,currency[,narration][,financial_address,modality].\n' +
    'Rows with financial_address register their payee on the rail first. Without --count/--sum the control\n' +
    'totals are computed from the file. Without --approve-as and without a database, two development\n' +
    'checkers approve; with a database the batch waits for approval.',
  async run(argv, io: CommandIo) {
    const { positionals, values } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        rail: { type: 'string', default: 'simulator' },
        currency: { type: 'string', default: 'USD' },
        count: { type: 'string' },
        sum: { type: 'string' },
        'approve-as': { type: 'string' },
        'database-url': { type: 'string' },
        'failure-rate': { type: 'string', default: '0' },
        'timeout-rate': { type: 'string', default: '0' },
        'latency-ms': { type: 'string', default: '0' },
        export: { type: 'string' },
        'batch-id': { type: 'string' },
      },
    });
    const file = positionals[0];
    if (!file) {
      io.err('govblocks payments disburse: name a CSV file\n');
      return 2;
    }
    if (values.rail !== 'simulator') {
      io.err(
        `govblocks payments disburse: rail '${values.rail}' is not available (only: simulator)\n`,
      );
      return 2;
    }
    const { memoryAuditSink, parseMoney, formatMoney } = await import('@govblocks/core');
    const { openDatabase } = await import('@govblocks/core/sql');
    const payments = await import('@govblocks/payments');
    const { sqlPaymentStore, sqlSimulatorLedger } = await import('@govblocks/payments/sql');
    const currency = String(values.currency);
    const db = values['database-url'] ? await openDatabase(values['database-url']) : undefined;
    try {
      const store = db ? await sqlPaymentStore(db) : payments.memoryPaymentStore();
      const rail = payments.simulatorRail({
        name: 'simulator',
        failureRate: Number(values['failure-rate']),
        timeoutRate: Number(values['timeout-rate']),
        latencyMs: Number(values['latency-ms']),
        ...(db ? { ledger: sqlSimulatorLedger(db) } : {}),
      });
      const service = payments.createPaymentService({
        store,
        rails: { simulator: rail },
        audit: memoryAuditSink(),
      });
      const maker = {
        actor: {
          type: 'operator' as const,
          id: process.env.USER ? `cli:${process.env.USER}` : 'cli',
          roles: [],
        },
      };

      // Pass 1: register payees that carry an address; compute control totals when not given.
      let count = 0;
      let sum = 0;
      let pending: Parameters<typeof service.registerBeneficiaries>[1][number][] = [];
      const flush = async () => {
        if (pending.length > 0) await service.registerBeneficiaries(maker, pending);
        pending = [];
      };
      for await (const row of csvRows(file)) {
        count += 1;
        try {
          if ((row.currency ?? currency) === currency && row.amount)
            sum += parseMoney(row.amount, currency).amount;
        } catch {
          // the engine holds this row with a reason
        }
        if (row.financialAddress && row.payeeFunctionalId) {
          pending.push({
            functionalId: row.payeeFunctionalId,
            financialAddress: row.financialAddress,
            modality: (row.modality ?? 'mobile_money') as 'mobile_money',
            rail: 'simulator',
          });
          if (pending.length >= 1000) await flush();
        }
      }
      await flush();
      const control = {
        count: values.count !== undefined ? Number(values.count) : count,
        sum: values.sum !== undefined ? parseMoney(String(values.sum), currency).amount : sum,
      };
      if (values.count === undefined || values.sum === undefined) {
        io.out(
          `control totals computed from the file: ${control.count} rows, ${formatMoney({ amount: control.sum, currency })} ${currency}\n`,
        );
      }

      // Pass 2: the batch itself, streamed.
      async function* instructionRows() {
        for await (const row of csvRows(file!)) {
          const { financialAddress: _address, modality: _modality, ...instruction } = row;
          yield instruction;
        }
      }
      const batch = await service.createBatch(
        maker,
        {
          currency,
          format: 'json',
          control,
          ...(values['batch-id'] ? { batchId: String(values['batch-id']) } : {}),
        },
        instructionRows(),
      );
      io.out(
        `batch ${batch.batchId}: ${batch.state}; ${batch.accepted.count} instructions, ${batch.held.count} rows held\n`,
      );
      if (batch.held.count > 0) {
        for (const held of await service.listHeldRows(maker, batch.batchId, { limit: 20 })) {
          io.out(
            `  held row ${held.rowNumber}: ${held.reason}${held.errors[0] ? ` (${held.errors[0].pointer} ${held.errors[0].detail})` : ''}\n`,
          );
        }
      }
      if (batch.state !== 'awaiting_approval') return 1;
      const approvers = values['approve-as']
        ? String(values['approve-as']).split(',').filter(Boolean)
        : db
          ? []
          : ['development-checker-1', 'development-checker-2'];
      if (approvers.length === 0) {
        io.out(
          `batch ${batch.batchId} awaits ${batch.approvalsRequired} approval(s); run again with --approve-as\n`,
        );
        return 0;
      }
      for (const id of approvers.slice(0, batch.approvalsRequired)) {
        await service.approveBatch({ actor: { type: 'operator', id, roles: [] } }, batch.batchId);
      }
      const started = Date.now();
      const total = batch.accepted.count;
      const result = await service.processBatch(
        maker,
        batch.batchId,
        { concurrency: 64 },
        (progress) => {
          const done = progress.byState.paid + progress.byState.failed + progress.byState.cancelled;
          const width = 30;
          const filled = total === 0 ? width : Math.round((done / total) * width);
          io.out(
            `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total}  paid ${progress.byState.paid}  failed ${progress.byState.failed}  ` +
              `submitting ${progress.byState.submitting}  unknown ${progress.byState.unknown}  accepted ${progress.byState.accepted}  pending ${progress.byState.pending}\n`,
          );
        },
      );
      rail.close();
      const seconds = (Date.now() - started) / 1000;
      const money = (amount: number) => formatMoney({ amount, currency });
      io.out(
        `\nreconciliation of batch ${result.batchId} (${result.batchState}, ${seconds.toFixed(1)} s)\n`,
      );
      io.out(
        `  declared   ${String(result.declared.count).padStart(8)}  ${money(result.declared.sum).padStart(16)}\n`,
      );
      io.out(
        `  in file    ${String(result.computed.count).padStart(8)}  ${money(result.computed.sum).padStart(16)}\n`,
      );
      io.out(
        `  held       ${String(result.held.count).padStart(8)}  ${money(result.held.sum).padStart(16)}\n`,
      );
      for (const [state, totals] of Object.entries(result.byState)) {
        if (totals.count > 0)
          io.out(
            `  ${state.padEnd(10)} ${String(totals.count).padStart(8)}  ${money(totals.sum).padStart(16)}\n`,
          );
      }
      io.out(
        `  attempts   submit ${result.attempts.submit}, inquiry ${result.attempts.inquiry}, callback ${result.attempts.callback}\n`,
      );
      io.out(`  balanced   ${result.balanced ? 'yes' : 'NO'}\n`);
      if (values.export) {
        let text = '';
        for await (const part of service.exportReconciliation(maker, result.batchId, 'csv'))
          text += part;
        await writeFile(String(values.export), text);
        io.out(`  report     ${values.export}\n`);
      }
      return result.balanced && result.batchState === 'completed' ? 0 : 1;
    } finally {
      await db?.close();
    }
  },
};

export const payments: BlockModule = {
  name: 'payments',
  summary: 'G2P bulk disbursement, vouchers (GovStack Payments BB)',
  serve,
  commands: [disburse],
};
