import { describe, expect, it } from 'vitest';
import { memoryRegistryFixture } from '../../test/memory-registry.js';
import {
  conformanceAdmin,
  conformanceBirthService,
  conformanceOtherParent,
  conformanceParent,
  describeRegistrationConformance,
} from '../testing/index.js';
import { exactIdentifierDedup } from './dedup.js';
import { memoryDocumentStore } from './document-stores.js';
import { createRegistrationService } from './engine.js';
import { memoryFeeCollector } from './fee-collector.js';
import { memoryRegistrationStore } from './memory-store.js';

describeRegistrationConformance({
  name: 'memory',
  async setup() {
    const { clock, audit, registry } = memoryRegistryFixture();
    const fees = memoryFeeCollector({ clock });
    const service = createRegistrationService({
      store: memoryRegistrationStore(),
      registry,
      audit,
      clock,
      documents: memoryDocumentStore(),
      dedup: [exactIdentifierDedup({ fields: ['/child/nationalId'] })],
      fees,
    });
    return { service, registry, fees };
  },
});

describe('registration audit', () => {
  it('records state changes and denied access', async () => {
    const { clock, audit, registry } = memoryRegistryFixture();
    await registry.defineRegistry(conformanceAdmin, {
      name: 'births',
      version: '1.0',
      schema: { type: 'object' },
    });
    const service = createRegistrationService({
      store: memoryRegistrationStore(),
      registry,
      audit,
      clock,
      documents: memoryDocumentStore(),
    });
    await service.defineService(conformanceAdmin, {
      ...conformanceBirthService,
      requiredDocuments: [],
    });
    const draft = await service.createApplication(conformanceParent, {
      service: 'birth-registration',
      formData: { child: { firstName: 'A', lastName: 'B', birthDate: '2025-01-01' } },
    });
    await service.submit(conformanceParent, draft.id);
    await expect(service.getApplication(conformanceOtherParent, draft.id)).rejects.toMatchObject({
      code: 'APPLICATION_NOT_FOUND',
    });
    const actions = audit.events
      .filter((event) => event.block === 'registration')
      .map((event) => `${event.action}:${event.outcome}`);
    expect(actions).toEqual([
      'registry.schema.defined:success',
      'service.defined:success',
      'application.created:success',
      'application.submitted:success',
      'application.access.denied:denied',
    ]);
    // No personal data in audit details: form data never appears.
    expect(JSON.stringify(audit.events)).not.toContain('birthDate');
  });
});
