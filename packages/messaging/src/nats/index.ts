export {
  type NatsConnection,
  type NatsMessageQueueOptions,
  natsMessageQueue,
} from './nats-message-queue.js';
