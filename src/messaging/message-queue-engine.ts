/** Factories for the message-queue engines. */
export class MessageQueueEngine {
  private constructor() {}
}
