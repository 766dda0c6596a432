import * as fs from 'fs';
import * as path from 'path';
import { App } from 'cdk8s';
import { BackendArchitecture, Microservice, Profile } from '../src';
import { tmpDir } from './harness/synth';
import { yamlWriterStats } from '../src/internal/component-chart';
import { BackgroundFileWriter, WRITE_THREAD_ENV, writeFileNow } from '../src/internal/file-writer';

function withWriteThread<T>(value: string | undefined, fn: () => T): T {
  const previous = process.env[WRITE_THREAD_ENV];
  if (value === undefined) delete process.env[WRITE_THREAD_ENV];
  else process.env[WRITE_THREAD_ENV] = value;
  try {
    return fn();
  } finally {
    if (previous === undefined) delete process.env[WRITE_THREAD_ENV];
    else process.env[WRITE_THREAD_ENV] = previous;
  }
}

/** Every file below `dir`, relative, sorted. */
function treeFiles(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => fs.statSync(path.join(dir, f)).isFile()).sort();
}

/** A small architecture: a few component files. */
function shop(outdir: string): App {
  const app = new App({ outdir });
  // no diagram: every file in outdir is a manifest written by the YAML writer
  const arch = new BackendArchitecture(app, 'shop', { profile: Profile.DEVELOPMENT, diagram: false });
  const a = new Microservice(arch, 'orders', { image: 'ghcr.io/acme/orders:1.0.0', context: 'ordering', team: 'checkout' });
  const b = new Microservice(arch, 'payments', { image: 'ghcr.io/acme/payments:1.0.0', context: 'payments', team: 'checkout' });
  a.uses(b);
  return app;
}

describe('the background file writer', () => {
  test('a worker thread is available here (otherwise the tests below would only test the fallback)', () => {
    expect(withWriteThread(undefined, () => BackgroundFileWriter.get())).toBeDefined();
    expect(withWriteThread('0', () => BackgroundFileWriter.get())).toBeUndefined();
  });

  test('every file is complete when App.synth() returns, and identical to the synchronous writes', () => {
    const threaded = withWriteThread(undefined, () => {
      const before = yamlWriterStats.onWriteThread;
      const app = shop(tmpDir('threaded-'));
      app.synth();
      // the manifests, a kustomization.yaml per folder and at the root, the secrets inventory
      expect(yamlWriterStats.onWriteThread - before).toBe(treeFiles(app.outdir).length);
      return app.outdir;
    });
    const direct = withWriteThread('0', () => {
      const before = yamlWriterStats.onWriteThread;
      const app = shop(tmpDir('direct-'));
      app.synth();
      expect(yamlWriterStats.onWriteThread).toBe(before);
      return app.outdir;
    });
    const names = treeFiles(direct);
    expect(treeFiles(threaded)).toEqual(names);
    expect(names.length).toBeGreaterThanOrEqual(8);
    for (const n of names) expect(fs.readFileSync(path.join(threaded, n), 'utf8')).toBe(fs.readFileSync(path.join(direct, n), 'utf8'));
  });

  test.each([['on the write thread', undefined], ['synchronously', '0']])('a file that cannot be written fails synth with its path (%s)', (_, mode) => {
    withWriteThread(mode, () => {
      const app = shop(tmpDir('unwritable-'));
      // a directory where a file must go
      const blocked = path.join(app.outdir, 'shop-orders', 'shop-orders.k8s.yaml');
      fs.mkdirSync(blocked, { recursive: true });
      expect(() => app.synth()).toThrow(/EISDIR.*shop-orders\.k8s\.yaml|shop-orders\.k8s\.yaml.*EISDIR/);
      if (mode === undefined) {
        // on the write thread the files queued after it are still written
        expect(fs.readFileSync(path.join(app.outdir, 'shop-payments', 'shop-payments.k8s.yaml'), 'utf8')).toContain('kind: Deployment');
      }
    });
  });

  test('the ring buffer: files of every size, wrapping around and waiting for the worker, land whole and in order', () => {
    const writer = withWriteThread(undefined, () => BackgroundFileWriter.get())!;
    const dir = tmpDir('ring-');
    // deterministic sizes from 0 bytes to past the 4 MiB ring (written directly), multi-byte text
    const sizes = [0, 1, 3_000_000, 2_500_000, 10, 4 * 1024 * 1024 + 7, 1_900_000, 1_900_000, 1_900_000, 0, 777_777, 3_999_999, 5];
    const expected = new Map<string, string>();
    sizes.forEach((size, i) => {
      const unit = `ü${i % 10}€-`; // 1 + 1 + 3 + 1 + 1 bytes... mixed widths
      const text = unit.repeat(Math.ceil(size / Buffer.byteLength(unit))).slice(0, size);
      const file = path.join(dir, `f${i}.txt`);
      expected.set(file, text);
      writer.write(file, text);
    });
    // the same path twice: the last write wins, as with synchronous writes
    writer.write(path.join(dir, 'f1.txt'), 'second');
    expected.set(path.join(dir, 'f1.txt'), 'second');
    writer.flush();
    for (const [file, text] of expected) expect(fs.readFileSync(file, 'utf8') === text).toBe(true);
  });

  test('a file in a folder that does not exist yet gets its folder, on the thread and synchronously', () => {
    const writer = withWriteThread(undefined, () => BackgroundFileWriter.get())!;
    const dir = tmpDir('folders-');
    writer.write(path.join(dir, 'a', 'b', 'first.yaml'), 'one');
    writer.write(path.join(dir, 'a', 'b', 'second.yaml'), 'two');
    writer.write(path.join(dir, 'c', 'big.yaml'), 'x'.repeat(4 * 1024 * 1024 + 1)); // past the ring: written directly
    writer.flush();
    writeFileNow(path.join(dir, 'd', 'e', 'now.yaml'), 'three');
    expect(fs.readFileSync(path.join(dir, 'a', 'b', 'first.yaml'), 'utf8')).toBe('one');
    expect(fs.readFileSync(path.join(dir, 'a', 'b', 'second.yaml'), 'utf8')).toBe('two');
    expect(fs.statSync(path.join(dir, 'c', 'big.yaml')).size).toBe(4 * 1024 * 1024 + 1);
    expect(fs.readFileSync(path.join(dir, 'd', 'e', 'now.yaml'), 'utf8')).toBe('three');
    // other errors still fail with the path: a folder where the file should be
    fs.mkdirSync(path.join(dir, 'taken'));
    writer.write(path.join(dir, 'taken'), 'x');
    expect(() => writer.flush()).toThrow(/taken/);
  });
});
