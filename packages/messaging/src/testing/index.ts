export { describeMessagingStore, type MessagingStoreHarness } from './store-conformance.js';
