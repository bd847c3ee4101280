export { type MessagingHttpAppOptions, messagingHttpApp } from './messaging-http-app.js';
