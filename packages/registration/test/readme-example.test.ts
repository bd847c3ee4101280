import { type ActorContext, systemActor } from '@govblocks/core';
import { expect, it } from 'vitest';
import {
  createRegistrationService,
  createRegistry,
  memoryAuditTrail,
  memoryDocumentStore,
  memoryRegistrationStore,
  memoryRegistryStore,
} from '../src/index.js';

// Keep in step with the example in README.md.
it('runs the README example', async () => {
  const audit = memoryAuditTrail();
  const registry = createRegistry({ store: memoryRegistryStore(), audit, auditReader: audit });
  const registration = createRegistrationService({
    store: memoryRegistrationStore(),
    registry,
    audit,
    documents: memoryDocumentStore(),
  });
  const admin: ActorContext = {
    actor: { type: 'operator', id: 'admin-1', roles: ['registration.admin'] },
  };
  const clerk: ActorContext = {
    actor: { type: 'operator', id: 'clerk-7', roles: ['fishing.clerk'] },
  };
  const fisher: ActorContext = { actor: { type: 'person', id: 'EE38001010000', roles: [] } };
  await registry.defineRegistry(admin, {
    name: 'fishing-licences',
    version: '1.0',
    personalIdField: 'holderId',
    searchable: ['holderId'],
    schema: {
      type: 'object',
      properties: {
        holderId: { type: 'string' },
        holderName: { type: 'string' },
        water: { type: 'string' },
      },
      required: ['holderId', 'holderName', 'water'],
    },
  });
  await registration.defineService(admin, {
    key: 'fishing-licence',
    name: 'Recreational fishing licence',
    eForms: [
      {
        key: 'licence',
        name: 'Licence application',
        schema: {
          type: 'object',
          properties: { name: { type: 'string', minLength: 1 }, water: { enum: ['lake', 'sea'] } },
          required: ['name', 'water'],
        },
        ui: { water: { widget: 'radio' } },
      },
    ],
    workflow: [{ key: 'review', name: 'Review', role: 'fishing.clerk' }],
    registry: {
      registry: 'fishing-licences',
      version: '1.0',
      fields: { holderId: '$applicantId', holderName: '/name', water: '/water' },
    },
  });
  const draft = await registration.createApplication(fisher, {
    service: 'fishing-licence',
    formData: { name: 'Mari Maasikas', water: 'lake' },
  });
  await registration.submit(fisher, draft.id);
  const [task] = await registration.listTasks(clerk, { applicationId: draft.id, status: 'open' });
  await registration.claimTask(clerk, task!.id);
  const { application } = await registration.completeTask(clerk, task!.id, {
    decision: 'approve',
    reason: 'All in order',
  });
  const licence = await registry.get(
    systemActor,
    { registry: 'fishing-licences', version: '1.0' },
    application.registryRecord!.uuid,
  );
  expect(application.status).toBe('approved');
  expect(licence.content).toEqual({
    holderId: 'EE38001010000',
    holderName: 'Mari Maasikas',
    water: 'lake',
  });
  const usage = await registry.personalDataUsage(fisher, { personId: 'EE38001010000' });
  expect(usage.map((entry) => [entry.action, entry.readerId])).toEqual([
    ['read', 'govblocks'],
    ['created', 'clerk-7'],
  ]);
});
