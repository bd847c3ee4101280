export type {
  BlockModule,
  Command,
  CommandIo,
  RunningServer,
  ServeOptions,
} from './block-module.js';
export { commandsOf, run } from './run.js';
