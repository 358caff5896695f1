/**
 * One server per process, shared by every provider call that needs it: started on the first
 * acquire(), stopped when the last holder releases it (a later acquire starts a new one).
 */
export class SharedServer<T extends { stop(): Promise<void> }> {
  private server: Promise<T> | undefined;
  private holders = 0;
  private stopping: Promise<void> = Promise.resolve();

  constructor(private readonly start: () => Promise<T>) {}

  async acquire(): Promise<T> {
    await this.stopping;
    this.holders += 1;
    this.server ??= this.start();
    try {
      return await this.server;
    } catch (error) {
      this.holders -= 1;
      this.server = undefined;
      throw error;
    }
  }

  async release(): Promise<void> {
    this.holders -= 1;
    if (this.holders > 0 || this.server === undefined) return;
    const server = this.server;
    this.server = undefined;
    this.stopping = server.then((started) => started.stop()).catch(() => undefined);
    await this.stopping;
  }
}
