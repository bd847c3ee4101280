export { paymentsMigrations } from './migrations.js';
export { migratePayments, sqlPaymentStore, sqlSimulatorLedger } from './sql-store.js';
export { sqlVoucherStore } from './sql-voucher-store.js';
