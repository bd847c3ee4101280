export { type GovstackMessagingOptions, govstackMessaging } from './govstack-messaging.js';
