export { consentMigrations, type SqlConsentStoreOptions, sqlConsentStore } from './sql-store.js';
