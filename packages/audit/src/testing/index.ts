export { type AuditStoreConformanceOptions, describeAuditStoreConformance } from './conformance.js';
