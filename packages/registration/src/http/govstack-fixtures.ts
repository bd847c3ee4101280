import type { ActorContext } from '@govblocks/core';
import type { Registry } from '../registry/ports.js';
import type { DefineRegistryInput } from '../registry/schemas.js';

// The example registry and people below follow the test data of GovStack's Digital Registries
// API tests (GovStackWorkingGroup/bb-digital-registries, test/openAPI/test-data.json),
// © GovStack Working Group, Apache License 2.0.

/** The registry GovStack's published Digital Registries tests call: `registryname` version `111`. */
export const govstackExampleRegistry: DefineRegistryInput = {
  name: 'registryname',
  version: '111',
  code: 'MCTS',
  description: 'Example registry of GovStack’s Digital Registries API tests',
  institution: 'Ministry of Social Affairs',
  catalogName: 'Mother and Child',
  primaryKey: 'ID',
  personalIdField: 'ID',
  searchable: ['ID', 'FirstName', 'LastName', 'BirthCertificateID'],
  schema: {
    type: 'object',
    properties: {
      ID: { type: 'string', description: "Citizen's identifier" },
      FirstName: { type: 'string', description: "Citizen's first name" },
      LastName: { type: 'string', description: "Citizen's last name" },
      BirthCertificateID: { type: 'string', description: 'Birth certificate ID in CR' },
    },
  },
};

/** The people of GovStack's test data. */
export const govstackExamplePeople: ReadonlyArray<Record<string, string>> = [
  { ID: 'EE123627348834', FirstName: 'John', LastName: 'Bon', BirthCertificateID: 'RR-3334537999' },
  {
    ID: 'EE456627348834',
    FirstName: 'Alice',
    LastName: 'Hendrix',
    BirthCertificateID: 'RR-1114537999',
  },
  {
    ID: 'EE789627348834',
    FirstName: 'Jack',
    LastName: 'King',
    BirthCertificateID: 'RR-4444537999',
  },
  {
    ID: 'EE987627348834',
    FirstName: 'Bob',
    LastName: 'Small',
    BirthCertificateID: 'RR-5555537999',
  },
  {
    ID: 'EE654627348834',
    FirstName: 'Eva',
    LastName: 'Sorenz',
    BirthCertificateID: 'RR-7777537999',
  },
  {
    ID: 'EE6546273487865',
    FirstName: 'Emma',
    LastName: 'Smith',
    BirthCertificateID: 'RR-7777536299',
  },
  {
    ID: 'EE378129127223',
    FirstName: 'Billy',
    LastName: 'Johnson',
    BirthCertificateID: 'RR-1112223331',
  },
  {
    ID: 'EE334569121212',
    FirstName: 'John',
    LastName: 'Smith',
    BirthCertificateID: 'RR-1234567890',
  },
  {
    ID: 'EE390029120500',
    FirstName: 'Ana',
    LastName: 'Adams',
    BirthCertificateID: 'RR-0987654321',
  },
  { ID: 'EE378129277266', FirstName: 'John', LastName: 'Bon', BirthCertificateID: 'RR-3334537999' },
  {
    ID: 'EE378627348834',
    FirstName: 'John',
    LastName: 'Corn',
    BirthCertificateID: 'RR-0987000321',
  },
  {
    ID: 'EE378627348855',
    FirstName: 'John',
    LastName: 'Snow',
    BirthCertificateID: 'RR-0900654321',
  },
  {
    ID: 'RR378627348834',
    FirstName: 'John',
    LastName: 'Great',
    BirthCertificateID: 'RR-0987654300',
  },
  {
    ID: 'DD378627348834',
    FirstName: 'John',
    LastName: 'Kane',
    BirthCertificateID: 'RR-0008765401',
  },
];

/** Defines {@link govstackExampleRegistry} and loads {@link govstackExamplePeople} (`govblocks serve registries --seed`). */
export async function seedGovStackRegistries(
  registry: Registry,
  context: ActorContext,
): Promise<void> {
  await registry.defineRegistry(context, govstackExampleRegistry);
  const ref = { registry: govstackExampleRegistry.name, version: govstackExampleRegistry.version };
  for (const person of govstackExamplePeople) {
    await registry.updateOrCreate(context, ref, { query: { ID: person.ID! }, write: person });
  }
}
