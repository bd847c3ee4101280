export { type MojaloopRailOptions, mojaloopRail, transferIdFor } from './mojaloop-rail.js';
