export { paymentsMigrations } from './migrations.js';
export { billPaymentMigrations, sqlBillPaymentStore } from './sql-bill-store.js';
export { migratePayments, sqlPaymentStore, sqlSimulatorLedger } from './sql-store.js';
export { sqlVoucherStore } from './sql-voucher-store.js';
