/** Catching what a call throws, for assertions on the error itself (class, message, fields). */
import { expect } from 'vitest';

/** What `f` throws, or undefined when it returns. */
export const thrown = (f: () => unknown): unknown => {
  try {
    f();
  } catch (e) {
    return e;
  }
  return undefined;
};

/** The error `f` throws; an Error (failing the test) when it returns instead. */
export const errorOf = (f: () => unknown): Error => {
  const e = thrown(f);
  if (e === undefined) throw new Error('expected an error');
  return e as Error;
};

/** Asserts that `p` rejects with an instance of `cls` whose message equals `message` (a string) or matches it (a RegExp). */
export const expectRejection = async (p: Promise<unknown>, cls: abstract new (...args: never[]) => Error, message: string | RegExp): Promise<void> => {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(cls);
  if (typeof message === 'string') expect((e as Error).message).toBe(message);
  else expect((e as Error).message).toMatch(message);
};
