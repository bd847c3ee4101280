export {
  freePort,
  type GovStackMock,
  type GovStackMockBlock,
  govstackFile,
  type StartGovStackMockOptions,
  startGovStackMock,
} from './govstack-mock.js';
export { describeSqlClientConformance, type SqlClientUnderTest } from './sql-client-conformance.js';
export {
  openTestDatabase,
  type TestDatabase,
  type TestDatabaseKind,
  testDatabaseKinds,
} from './test-database.js';
