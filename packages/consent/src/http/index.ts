export { type ConsentHttpAppOptions, consentHttpApp } from './consent-http-app.js';
