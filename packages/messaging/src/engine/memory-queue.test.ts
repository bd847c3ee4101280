import { describeMessageQueue } from '../testing/queue-conformance.js';
import { type MemoryMessageQueue, memoryMessageQueue } from './memory-queue.js';

let queue: MemoryMessageQueue;
describeMessageQueue('memory', {
  async create(options) {
    queue = memoryMessageQueue(options);
    return queue;
  },
  connect: async () => queue, // one process: the same queue
  crash: async () => {}, // a crash settles nothing; the ack wait brings the deliveries back
});
