export { describeSqlClientConformance, type SqlClientUnderTest } from './sql-client-conformance.js';
export {
  openTestDatabase,
  type TestDatabase,
  type TestDatabaseKind,
  testDatabaseKinds,
} from './test-database.js';
