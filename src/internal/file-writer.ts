import * as fs from 'fs';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { MessageChannel, MessagePort, receiveMessageOnPort, Worker } from 'worker_threads';

/**
 * Writes the synthesized files on a background thread while the main thread renders the next
 * charts, and waits for every write before `App.synth()` returns.
 *
 * Creating a file costs the kernel 0.15 to 0.4 ms on the project's machines, and an architecture
 * writes a file per component (1000 and more for large ones): on the main thread that is a fifth of
 * a large synthesis. A worker thread does the `writeFileSync` calls, in the order they were queued.
 * The main thread encodes each file straight into a fixed shared ring buffer (no allocation per
 * file, a bounded amount of memory however far the worker falls behind) and goes on; when the ring
 * is full it waits for the worker.
 *
 * Nothing changes for a caller: `flush()` (called when `App.synth()` ends, also when it fails)
 * blocks until the worker has written every queued file, and throws the first write error with the
 * file's path, as a synchronous write would have. A file larger than the ring is written on the main
 * thread after the queue is flushed. Where a worker cannot start, or with
 * `CDK8S_ARCHITECT_WRITE_THREAD=0`, every file is written synchronously, as before.
 */
export class BackgroundFileWriter {
  /** The process-wide writer, or undefined when writes must stay synchronous. */
  public static get(): BackgroundFileWriter | undefined {
    const v = process.env[WRITE_THREAD_ENV];
    if (v === '0' || v === 'false') return undefined;
    if (sharedWriter === undefined) {
      try {
        sharedWriter = new BackgroundFileWriter();
      } catch {
        sharedWriter = null;
      }
    }
    return sharedWriter ?? undefined;
  }

  /** [0]: files queued and not yet written, shared with the worker. */
  private readonly pending: Int32Array;
  private readonly ring: Buffer;
  private readonly errors: MessagePort;
  private readonly worker: Worker;
  /** Ring ranges of the queued files, oldest first (from index `oldest`). */
  private readonly queued: Array<{ start: number; end: number }> = [];
  private oldest = 0;
  /** Files handed to the worker since the process started. */
  private submitted = 0;
  /** Files in the ring not yet handed to the worker: [path, start, length]. */
  private unposted: Array<[string, number, number]> = [];
  private unpostedBytes = 0;
  /** Where the next file goes in the ring. */
  private next = 0;

  private constructor() {
    this.pending = new Int32Array(new SharedArrayBuffer(4));
    const ringMemory = new SharedArrayBuffer(RING_BYTES);
    this.ring = Buffer.from(ringMemory);
    const channel = new MessageChannel();
    this.errors = channel.port1;
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { pending: this.pending, ring: ringMemory, errors: channel.port2 },
      transferList: [channel.port2],
      stdout: false,
      stderr: false,
      // not the parent's `-r` preloads (ts-node would load a TypeScript compiler into the worker)
      execArgv: [],
    });
    // never keep the process alive for it: flush() is what waits
    this.worker.unref();
    this.errors.unref();
  }

  /** Queues one file; `flush()` waits for it. */
  public write(filePath: string, data: string): void {
    const length = Buffer.byteLength(data, 'utf8');
    if (length >= RING_BYTES) {
      this.flush();
      writeFileNow(filePath, data);
      return;
    }
    const start = this.reserve(length);
    this.ring.write(data, start, length, 'utf8');
    this.queued.push({ start, end: start + length });
    this.next = start + length;
    // Files go to the worker in batches: each message wakes the worker, which costs more than a
    // small file's write.
    this.unposted.push([filePath, start, length]);
    this.unpostedBytes += length;
    if (this.unposted.length >= BATCH_FILES || this.unpostedBytes >= BATCH_BYTES) this.post();
  }

  /** Blocks until every queued file is written; throws the first error. */
  public flush(): void {
    this.post();
    for (;;) {
      const n = Atomics.load(this.pending, 0);
      if (n === 0) break;
      this.waitForProgress(n);
    }
    this.release();
    let first: string | undefined;
    for (let m = receiveMessageOnPort(this.errors); m; m = receiveMessageOnPort(this.errors)) {
      first ??= m.message as string;
    }
    if (first !== undefined) throw new Error(first);
  }

  /** The start of `length` free bytes in the ring, waiting for the worker as long as needed. */
  private reserve(length: number): number {
    for (;;) {
      this.release();
      if (this.oldest === this.queued.length) {
        // nothing queued: the whole ring is free
        this.next = 0;
        return 0;
      }
      // Each file starts where the previous one ended, or at 0 when it did not fit before the end
      // of the ring; placing one never reaches the oldest queued byte (strict inequalities), so the
      // queue has wrapped around exactly when `next` is below its oldest start.
      const busyFrom = this.queued[this.oldest].start;
      if (this.next >= busyFrom) {
        // queued files occupy [busyFrom, next): free are [next, end of ring) and [0, busyFrom)
        if (RING_BYTES - this.next >= length) return this.next;
        if (busyFrom > length) return 0;
      } else if (busyFrom - this.next > length) {
        // wrapped: queued files occupy [busyFrom, end of ring) and [0, next)
        return this.next;
      }
      // full: the worker must write some, so it must have them
      this.post();
      this.waitForProgress(Atomics.load(this.pending, 0));
    }
  }

  /** Hands the files queued since the last batch to the worker. */
  private post(): void {
    const n = this.unposted.length;
    if (n === 0) return;
    this.submitted += n;
    Atomics.add(this.pending, 0, n);
    this.worker.postMessage(this.unposted);
    this.unposted = [];
    this.unpostedBytes = 0;
  }

  /** Forgets the ring ranges of the files the worker has written. */
  private release(): void {
    const written = this.submitted - Atomics.load(this.pending, 0);
    // `queued` from `oldest` holds the posted files not yet released, then the unposted ones
    const alreadyReleased = this.submitted - (this.queued.length - this.oldest - this.unposted.length);
    this.oldest += written - alreadyReleased;
    if (this.oldest === this.queued.length) {
      this.queued.length = 0;
      this.oldest = 0;
    }
  }

  private waitForProgress(pending: number): void {
    if (pending === 0) return;
    const t0 = performance.now();
    // the worker notifies after each file; the timeout only guards against a worker that died
    const result = Atomics.wait(this.pending, 0, pending, 60_000);
    fileWriterStats.waitMs += performance.now() - t0;
    if (result === 'timed-out' && Atomics.load(this.pending, 0) === pending) {
      throw new Error(`writing the synthesized files: no progress in 60 s with ${pending} file(s) still queued`);
    }
  }
}

/**
 * How long the main thread waited for the writer thread since the process started (a full ring,
 * and the final flush), in milliseconds: for the benchmark.
 */
export const fileWriterStats = { waitMs: 0 };

/** The process' writer (null: a worker could not start). */
let sharedWriter: BackgroundFileWriter | undefined | null;

/** Environment variable: `0` writes the files on the main thread. */
export const WRITE_THREAD_ENV = 'CDK8S_ARCHITECT_WRITE_THREAD';

/** Size of the ring buffer the files are encoded into (files this large or larger are written directly). */
const RING_BYTES = 4 * 1024 * 1024;

/** A batch goes to the worker at this many files or bytes (and whenever the ring is full or flushed). */
const BATCH_FILES = 16;
const BATCH_BYTES = 256 * 1024;

// The worker: plain JavaScript (it runs from this string in packaged and ts-node builds alike).
// A file whose folder does not exist yet (the GitOps tree: a folder per component) gets its folder
// created here, off the main thread, on the first write into it.
const WORKER_SOURCE = `
const fs = require('fs');
const path = require('path');
const { parentPort, workerData } = require('worker_threads');
const { pending, ring, errors } = workerData;
parentPort.on('message', (files) => {
  for (const [filePath, start, length] of files) {
    try {
      const bytes = new Uint8Array(ring, start, length);
      try {
        fs.writeFileSync(filePath, bytes);
      } catch (e) {
        if (!e || e.code !== 'ENOENT') throw e;
        fs.mkdirSync(path.dirname(filePath), { recursive: true });
        fs.writeFileSync(filePath, bytes);
      }
    } catch (e) {
      errors.postMessage('writing ' + filePath + ': ' + (e && e.message ? e.message : String(e)));
    } finally {
      Atomics.sub(pending, 0, 1);
      Atomics.notify(pending, 0);
    }
  }
});
`;

/** Writes synchronously (the fallback), creating the file's folder if it does not exist yet. */
export function writeFileNow(filePath: string, data: string): void {
  try {
    fs.writeFileSync(filePath, data, { encoding: 'utf8' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    fs.mkdirSync(path.dirname(filePath), { recursive: true });
    fs.writeFileSync(filePath, data, { encoding: 'utf8' });
  }
}
