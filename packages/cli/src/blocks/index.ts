import type { BlockModule } from '../block-module.js';
import { messagingBlock } from './messaging.js';

/**
 * The blocks the CLI knows. Each block adds one line here pointing at its module in this
 * folder (`./consent.js`, …), which lazily imports the block package so `govblocks --help`
 * stays fast.
 */
export const blocks: BlockModule[] = [messagingBlock];
