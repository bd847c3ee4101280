import type { BlockModule } from '../block-module.js';
import { auditBlock } from './audit.js';
import { consentBlock } from './consent.js';
import { identityBlock } from './identity.js';
import { messagingBlock } from './messaging.js';
import { payments } from './payments.js';
import { registrationBlock, registriesBlock } from './registration.js';

/**
 * The blocks the CLI knows. Each block adds one line here pointing at its module in this
 * folder (`./consent.js`, …), which lazily imports the block package so `govblocks --help`
 * stays fast.
 */
export const blocks: BlockModule[] = [
  auditBlock,
  consentBlock,
  identityBlock,
  messagingBlock,
  payments,
  registrationBlock,
  registriesBlock,
];
