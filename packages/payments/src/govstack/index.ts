export { type GovStackAccountMapperOptions, govstackAccountMapper } from './account-mapper.js';
