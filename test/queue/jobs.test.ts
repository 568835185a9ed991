import { describe, expect, it } from 'vitest';
import { batchIdOf, batchKey, jobIdOf, latestBatchKey, redisOptions, sha256Hex, type SegmentJobData } from '../../src/queue/jobs.js';

const data: SegmentJobData = {
  v: 1,
  image: '/data/plate1/a01.png',
  imageSha256: 'a'.repeat(64),
  model: '/models/m.safetensors',
  modelSha256: 'b'.repeat(64),
  out: '/out',
  options: { tile: 'auto', tta: false, instances: true, grey: false },
};

describe('queue jobs', () => {
  it('sha256Hex is SHA-256 (FIPS 180-2 test vector "abc")', () => {
    expect(sha256Hex(new TextEncoder().encode('abc'))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('the job id is a content hash: equal for equal content, different when the image, model, output or options differ', () => {
    const id = jobIdOf(data);
    expect(id).toMatch(/^seg-[0-9a-f]{32}$/);
    expect(jobIdOf({ ...data })).toBe(id);
    expect(jobIdOf({ ...data, image: '/elsewhere/a01.png' })).toBe(id); // same bytes, same name: same outputs
    const changed: SegmentJobData[] = [
      { ...data, image: '/data/plate1/a02.png' },
      { ...data, imageSha256: 'c'.repeat(64) },
      { ...data, modelSha256: 'c'.repeat(64) },
      { ...data, out: '/out2' },
      { ...data, options: { ...data.options, tta: true } },
      { ...data, options: { ...data.options, tile: 92 } },
      { ...data, options: { ...data.options, instances: false } },
      { ...data, options: { ...data.options, page: 1 } },
    ];
    const ids = changed.map(jobIdOf);
    expect(new Set([id, ...ids]).size).toBe(changed.length + 1);
  });

  it('the batch id does not depend on the order of its jobs', () => {
    expect(batchIdOf(['seg-b', 'seg-a'])).toBe(batchIdOf(['seg-a', 'seg-b']));
    expect(batchIdOf(['seg-a'])).not.toBe(batchIdOf(['seg-a', 'seg-b']));
    expect(batchIdOf(['seg-a'])).toMatch(/^[0-9a-f]{16}$/);
    expect(batchKey('q', 'x')).not.toBe(latestBatchKey('q'));
  });

  it('redisOptions takes redis:// and rediss:// URLs and names a bad value and the expected form', () => {
    expect(redisOptions('redis://127.0.0.1:6390/2')).toEqual({ url: 'redis://127.0.0.1:6390/2', maxRetriesPerRequest: null });
    expect(redisOptions('rediss://user:pw@cache.example:6380').url).toBe('rediss://user:pw@cache.example:6380');
    for (const bad of ['localhost:6379', 'http://127.0.0.1:6379', 'redis://', 'redis://h:1/x', '']) {
      expect(() => redisOptions(bad)).toThrow(`--redis ${bad}: expected a URL redis://host[:port][/db] (or rediss:// for TLS), e.g. redis://127.0.0.1:6379`);
    }
  });
});
