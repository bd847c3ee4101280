import type {
  PendingStep,
  QueuedRegistrationEvent,
  RegistrationStore,
  RegistrationStoreTx,
} from './ports.js';
import type { Application, EService, Task } from './schemas.js';

/** An in-memory {@link RegistrationStore} for tests and demos: serialised transactions with rollback. */
export function memoryRegistrationStore(): RegistrationStore {
  let services = new Map<string, EService>();
  let applications = new Map<string, Application>();
  let tasks = new Map<string, Task>();
  let steps = new Map<string, PendingStep>();
  // The event outbox: insertion order is delivery order (a Map iterates in insertion order).
  let outbox = new Map<string, QueuedRegistrationEvent>();
  let queue: Promise<unknown> = Promise.resolve();
  const clone = <T>(value: T): T => structuredClone(value);

  const tx: RegistrationStoreTx = {
    async saveService(service) {
      services.set(service.id, clone(service));
    },
    async markSuperseded(key, latestId) {
      for (const [id, service] of services) {
        if (service.key === key) services.set(id, { ...service, latest: id === latestId });
      }
    },
    async getService(id) {
      return clone(services.get(id));
    },
    async getLatestService(key) {
      return clone([...services.values()].find((service) => service.key === key && service.latest));
    },
    async listLatestServices() {
      return [...services.values()]
        .filter((service) => service.latest)
        .sort((a, b) => a.key.localeCompare(b.key))
        .map(clone);
    },
    async getEForm(eFormId) {
      for (const service of services.values()) {
        const form = service.eForms.find((candidate) => candidate.id === eFormId);
        if (form) return clone(form);
      }
      return undefined;
    },
    async insertApplication(application) {
      applications.set(application.id, clone(application));
    },
    async updateApplication(application, expectedRevision) {
      const current = applications.get(application.id);
      if (!current || current.revision !== expectedRevision) return false;
      applications.set(application.id, clone(application));
      return true;
    },
    async getApplication(id) {
      return clone(applications.get(id));
    },
    async listApplications(filter) {
      return [...applications.values()]
        .filter(
          (application) =>
            (filter.serviceId === undefined || application.serviceId === filter.serviceId) &&
            (filter.serviceKey === undefined || application.serviceKey === filter.serviceKey) &&
            (filter.applicantId === undefined || application.applicantId === filter.applicantId) &&
            (filter.status === undefined || application.status === filter.status) &&
            (filter.statuses === undefined || filter.statuses.includes(application.status)),
        )
        .sort((a, b) =>
          a.createdAt === b.createdAt ? (a.id < b.id ? 1 : -1) : a.createdAt < b.createdAt ? 1 : -1,
        )
        .slice(filter.offset, filter.offset + filter.limit)
        .map(clone);
    },
    async insertTask(task) {
      tasks.set(task.id, clone(task));
    },
    async updateTask(task, expectedRevision) {
      const current = tasks.get(task.id);
      if (!current || current.revision !== expectedRevision) return false;
      tasks.set(task.id, clone(task));
      return true;
    },
    async getTask(id) {
      return clone(tasks.get(id));
    },
    async listTasks(filter) {
      return [...tasks.values()]
        .filter(
          (task) =>
            (filter.applicationId === undefined || task.applicationId === filter.applicationId) &&
            (filter.assigneeId === undefined || task.assigneeId === filter.assigneeId) &&
            (filter.status === undefined || task.status === filter.status) &&
            (filter.roles === undefined || filter.roles.includes(task.role)),
        )
        .sort((a, b) =>
          a.createdAt === b.createdAt ? (a.id < b.id ? -1 : 1) : a.createdAt < b.createdAt ? -1 : 1,
        )
        .slice(filter.offset, filter.offset + filter.limit)
        .map(clone);
    },
    async insertPendingStep(step) {
      if (!steps.has(step.id)) steps.set(step.id, clone(step));
    },
    async getPendingStep(id) {
      return clone(steps.get(id));
    },
    async updatePendingStep(step) {
      if (steps.has(step.id)) steps.set(step.id, clone(step));
    },
    async listPendingSteps(filter) {
      return [...steps.values()]
        .filter(
          (step) =>
            step.doneAt === undefined &&
            (filter.applicationId === undefined || step.applicationId === filter.applicationId),
        )
        .sort((a, b) =>
          a.createdAt === b.createdAt ? (a.id < b.id ? -1 : 1) : a.createdAt < b.createdAt ? -1 : 1,
        )
        .slice(0, filter.limit)
        .map(clone);
    },
    async enqueueEvents(events) {
      for (const event of events) {
        if (!outbox.has(event.id)) outbox.set(event.id, { event: clone(event), attempts: 0 });
      }
    },
    async listQueuedEvents(filter) {
      return [...outbox.values()]
        .filter(
          (entry) =>
            filter.applicationId === undefined ||
            entry.event.applicationId === filter.applicationId,
        )
        .slice(0, filter.limit)
        .map(clone);
    },
    async deleteQueuedEvent(id) {
      outbox.delete(id);
    },
    async recordEventFailure(id, error) {
      const entry = outbox.get(id);
      if (entry) outbox.set(id, { ...entry, attempts: entry.attempts + 1, lastError: error });
    },
  };

  return {
    read: tx,
    transaction(fn) {
      const run = async () => {
        const saved = [
          new Map(services),
          new Map(applications),
          new Map(tasks),
          new Map(steps),
          new Map(outbox),
        ] as const;
        try {
          return await fn(tx);
        } catch (error) {
          // Entries are replaced, never mutated in place, so the saved maps are the old state.
          services = saved[0];
          applications = saved[1];
          tasks = saved[2];
          steps = saved[3];
          outbox = saved[4];
          throw error;
        }
      };
      const result = queue.then(run, run);
      queue = result.catch(() => undefined);
      return result;
    },
  };
}
